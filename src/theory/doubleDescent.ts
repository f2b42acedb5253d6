/**
 * Asymptotic prediction risk of least squares with isotropic Gaussian features: min-norm
 * (ridgeless) and ridge. Browser-safe.
 *
 * Setting (Hastie, Montanari, Rosset & Tibshirani 2022, "Surprises in high-dimensional ridgeless least
 * squares interpolation", Ann. Statist. 50(2)): x ∈ ℝᵖ with x ~ N(0, I_p) (any i.i.d. isotropic
 * distribution with enough moments), y = xᵀβ + ε with Var ε = σ², ‖β‖² = r², n samples, p, n → ∞
 * with p/n → γ. The risk is the excess test error R = E[(x₀ᵀβ̂ − x₀ᵀβ)² | X] = ‖β̂ − β‖² (it does not
 * include the irreducible σ² of a noisy test label).
 *
 * Min-norm least squares β̂ = (XᵀX)⁺Xᵀy (Hastie et al. 2022, Theorem 1, isotropic case):
 *   γ < 1:  R = σ² γ/(1 − γ);      γ > 1:  R = r²(1 − 1/γ) + σ²/(γ − 1);      γ = 1: R = ∞.
 *
 * Ridge β̂_λ = (XᵀX/n + λI)⁻¹Xᵀy/n, λ > 0 (the isotropic ridge risk of Hastie et al. 2022, written
 * with the Marchenko–Pastur Stieltjes transform; the same limit as Dobriban & Wager 2018,
 * "High-dimensional asymptotics of prediction: ridge regression and classification", Ann. Statist.
 * 46(1), for Σ = I; verified here against simulation in test/theory/doubleDescent.test.ts):
 *   R(λ) = r² λ² m′(−λ) + σ² γ [m(−λ) − λ m′(−λ)],
 * where m(z) = ∫ dμ_γ(s)/(s − z) is the Stieltjes transform of the Marchenko–Pastur law μ_γ (limit
 * spectrum of XᵀX/n, aspect ratio γ = p/n, unit variance; Marchenko & Pastur 1967). It is the root
 * with Im m > 0 for Im z > 0 (and m > 0 for z < 0) of γ z m² − (1 − γ − z) m + 1 = 0:
 *   m(−λ) = 2 / ((1 − γ + λ) + √((1 − γ + λ)² + 4γλ))   (the rationalized form, no cancellation),
 *   m′(z) = (γ m² + m) / ((1 − γ − z) − 2γ z m)      (implicit differentiation),
 *   m(−λ) − λm′(−λ) = (1 − λm) / ((1 − γ + λ) + 2γλm)   (the same quadratic; no cancellation).
 * λ → 0⁺ recovers the min-norm formulas. The optimal ridge is λ* = σ²γ/r² (Dicker 2016, Bernoulli 22(1);
 * Dobriban & Wager 2018), at which the risk is monotone in γ (no double-descent peak).
 */

export interface DoubleDescentInput {
  /** aspect ratios γ = p/n > 0 */
  gammas: number[];
  /** signal strength r² = ‖β‖² ≥ 0 */
  signal: number;
  /** noise variance σ² ≥ 0 */
  noise: number;
  /** ridge λ ≥ 0 (0 or omitted: min-norm), or 'optimal' for λ* = σ²γ/r² at each γ */
  ridge?: number | 'optimal';
}

/**
 * m(−λ), m′(−λ) and m(−λ) − λm′(−λ) of the Marchenko–Pastur law with aspect ratio γ, λ > 0. The last
 * is formed as (1 − λm)/D with D = (1 − γ + λ) + 2γλm (from the quadratic), because m and λm′ are both
 * ≈ (1 − 1/γ)/λ for γ > 1 and their difference would lose digits as λ → 0.
 */
export function marchenkoPasturStieltjes(gamma: number, lambda: number): { m: number; dm: number; mMinusLambdaDm: number } {
  if (!(gamma > 0)) throw new Error(`gamma: expected a number > 0, got ${gamma}`);
  if (!(lambda > 0)) throw new Error(`lambda: expected a number > 0, got ${lambda}`);
  const a = 1 - gamma + lambda;
  const root = Math.sqrt(a * a + 4 * gamma * lambda);
  // a ≥ 0: rationalized form; a < 0: the direct form (root − a)/(2γλ) has no cancellation.
  const m = a >= 0 ? 2 / (a + root) : (root - a) / (2 * gamma * lambda);
  const D = 1 - gamma + lambda + 2 * gamma * lambda * m;
  const dm = (gamma * m * m + m) / D;
  return { m, dm, mMinusLambdaDm: (1 - lambda * m) / D };
}

/** Min-norm least-squares risk at one γ (Hastie et al. 2022, Theorem 1). */
export function minNormRisk(gamma: number, signal: number, noise: number): number {
  if (gamma < 1) return (noise * gamma) / (1 - gamma);
  if (gamma > 1) return signal * (1 - 1 / gamma) + noise / (gamma - 1);
  return Number.POSITIVE_INFINITY;
}

/** Ridge risk at one γ and λ > 0 (formula in the module comment). */
export function ridgeRisk(gamma: number, lambda: number, signal: number, noise: number): number {
  const { dm, mMinusLambdaDm } = marchenkoPasturStieltjes(gamma, lambda);
  return signal * lambda * lambda * dm + noise * gamma * mMinusLambdaDm;
}

/** The risk curve over γ (see the module comment). */
export function doubleDescent(input: DoubleDescentInput): { risk: number[]; ridge: number[] } {
  const { gammas, signal, noise } = input;
  if (!Array.isArray(gammas) || gammas.length === 0) throw new Error('gammas: expected a non-empty array of numbers > 0');
  if (!(signal >= 0) || !Number.isFinite(signal)) throw new Error(`signal: expected r² = ‖β‖², a finite number ≥ 0, got ${signal}`);
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new Error(`noise: expected σ², a finite number ≥ 0, got ${noise}`);
  const ridgeIn = input.ridge ?? 0;
  if (ridgeIn !== 'optimal' && (!(ridgeIn >= 0) || !Number.isFinite(ridgeIn))) throw new Error(`ridge: expected a finite number ≥ 0 or 'optimal', got ${ridgeIn}`);
  const ridges: number[] = [];
  const risk = gammas.map((g, i) => {
    if (!(g > 0) || !Number.isFinite(g)) throw new Error(`gammas[${i}]: expected a finite number > 0, got ${g}`);
    let lambda: number;
    if (ridgeIn === 'optimal') {
      if (signal === 0) throw new Error("ridge: 'optimal' needs signal > 0 (λ* = σ²γ/r²)");
      lambda = (noise * g) / signal;
    } else lambda = ridgeIn;
    ridges.push(lambda);
    return lambda > 0 ? ridgeRisk(g, lambda, signal, noise) : minNormRisk(g, signal, noise);
  });
  return { risk, ridge: ridges };
}

/**
 * Deterministic equivalent of linear random-feature ridge regression (catalog study 18; also the theory line of
 * study 19). Browser-safe, no Node APIs.
 *
 * Model (Maloney, Roberts & Sully 2022, "A solvable model of neural scaling laws", §2; Bahri, Dyer, Kaplan, Lee &
 * Sharma 2021/2024, "Explaining neural scaling laws"; Atanasov, Zavatone-Veth & Pehlevan 2024, "Scaling and
 * renormalization in high-dimensional regression", §5; Bach 2024, "High-dimensional analysis of double descent for
 * linear regression with random projections"): inputs x ~ N(0, Σ) in d dimensions, Σ = diag(λ_1 … λ_d) in its
 * eigenbasis; target y = wᵀx + σε; N linear random features φ(x) = Fᵀx/√N with F_ia ~ N(0, 1) i.i.d.; P samples;
 * ridge regression ŵ = argmin (1/P)Σ_μ (y_μ − ŵᵀφ_μ)² + λ‖ŵ‖². Excess test loss E_g = E_x[(ŵᵀφ(x) − wᵀx)²].
 *
 * Derivation (two nested ridge deterministic equivalents; each is the standard one for a Gaussian sample covariance):
 *   1. Given F, φ is Gaussian with covariance C = FᵀΣF/N and the part of the target outside span(φ) is independent
 *      Gaussian noise, so the P-level equivalent applies (Simon et al. 2023 eigenlearning; Bordelon et al. 2020):
 *        κ₂(1 − df_Ĉ(κ₂)/P) = λ,  E_g = (B_F + σ²)/(1 − df₂_Ĉ(κ₂)/P) − σ²,  B_F = κ₂² w̄ᵀ(Σ̂ + κ₂)⁻² w̄,
 *      where Σ̂ = Σ^{1/2}FFᵀΣ^{1/2}/N has the nonzero spectrum of C, w̄ = Σ^{1/2}w, df_A(κ) = tr A(A+κ)⁻¹ and
 *      df₂_A(κ) = tr A²(A+κ)⁻². (Null modes of Σ̂ enter B_F with weight 1: the unexplained target.)
 *   2. Σ̂ is a sample covariance of the N columns √N·Σ^{1/2}f_a/√N, so κ₂(Σ̂ + κ₂)⁻¹ ≍ κ₁(Σ + κ₁)⁻¹ with
 *        κ₂ = κ₁(1 − df₁(κ₁)/N),  df₁(κ) = Σ_i λ_i/(λ_i + κ),  df₂(κ) = Σ_i λ_i²/(λ_i + κ)²,
 *      and differentiating in κ₂ (dκ₂/dκ₁ = 1 − df₂/N) gives
 *        df_Ĉ(κ₂) ≍ df₁,   df₂_Ĉ(κ₂) ≍ df₁ − (df₁ − df₂)(1 − df₁/N)/(1 − df₂/N),
 *        B_F ≍ κ₁² Σ_i t_i/(λ_i + κ₁)² + [κ₁² Σ_i λ_i/(λ_i + κ₁)² / (N − df₂)] · Σ_i λ_i t_i/(λ_i + κ₁)²,
 *      with t_i = λ_i w_i² the target power in mode i.
 * Together: κ₁ solves λ = κ₁(1 − df₁(κ₁)/N)(1 − df₁(κ₁)/P) (symmetric in N and P: Maloney et al.'s duality), and at
 * λ → 0 simply df₁(κ₁) = min(N, P); N = P is the interpolation peak (E_g = ∞).
 * Checks (test/studies/scaling-laws.test.ts): N → ∞ reproduces eigenlearning (src/theory/eigenlearning.ts); for Σ = I
 * and P = ∞ it gives exactly (d − N)·t, the norm of a vector outside a random N-dimensional subspace; a Monte-Carlo
 * average of real ridge fits on a small case.
 *
 * Exponents (Maloney et al. §4; Bahri et al.'s "resolution-limited" regime): for λ_i ∝ i^{−(1+α)} and an isotropic
 * teacher (t_i ∝ λ_i), df₁(κ) ∝ κ^{−1/(1+α)}, so κ₁ ∝ min(N, P)^{−(1+α)} and E_g ∝ min(N, P)^{−α}: L ∝ N^{−α} when
 * P ≫ N and L ∝ P^{−α} when N ≫ P. Assumptions: Gaussian data (exact here), d large enough that the spectrum's
 * cutoff does not matter, the proportional asymptotics in which deterministic equivalents are exact.
 */

export interface RandomFeatureTheoryInput {
  /** Σ's eigenvalues λ_i > 0. */
  eigenvalues: ArrayLike<number>;
  /** Target power per mode, t_i = λ_i w_i² (same length). */
  targetPower: ArrayLike<number>;
  /** Number of random features N (Infinity: kernel/ridge limit). */
  features: number;
  /** Number of samples P (Infinity: population limit). */
  samples: number;
  /** Ridge λ ≥ 0 on the per-sample loss (1/P)Σ(y − ŵᵀφ)² + λ‖ŵ‖². */
  ridge: number;
  /** Label-noise variance σ² ≥ 0 (default 0). */
  noise?: number;
}

export interface RandomFeatureTheory {
  /** Renormalized ridge at the data level. */
  kappa1: number;
  /** Renormalized ridge at the feature level, κ₁(1 − df₁/N). */
  kappa2: number;
  df1: number;
  df2: number;
  /** Bias term B (the loss with infinitely many samples at the same κ₂; includes the unexplained target). */
  bias: number;
  /** Overfitting factor 1/(1 − df₂_Ĉ/P). */
  overfitting: number;
  /** Excess test loss E_g against the clean target (Infinity at the interpolation peak). */
  excessLoss: number;
}

function check(input: RandomFeatureTheoryInput): void {
  const { eigenvalues: lam, targetPower: t, features: N, samples: P, ridge } = input;
  if (lam.length === 0) throw new Error('eigenvalues: expected a non-empty list of positive numbers');
  if (t.length !== lam.length) throw new Error(`targetPower: has length ${t.length}, expected ${lam.length} (one per eigenvalue)`);
  for (let i = 0; i < lam.length; i++) {
    if (!(lam[i] > 0) || !Number.isFinite(lam[i])) throw new Error(`eigenvalues[${i}] = ${lam[i]}: expected a finite number > 0`);
    if (!(t[i] >= 0) || !Number.isFinite(t[i])) throw new Error(`targetPower[${i}] = ${t[i]}: expected a finite number ≥ 0`);
  }
  if (!(N > 0)) throw new Error(`features = ${N}: expected a number > 0 (or Infinity)`);
  if (!(P > 0)) throw new Error(`samples = ${P}: expected a number > 0 (or Infinity)`);
  if (!(ridge >= 0) || !Number.isFinite(ridge)) throw new Error(`ridge = ${ridge}: expected a finite number ≥ 0`);
  const noise = input.noise ?? 0;
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new Error(`noise = ${noise}: expected a finite variance ≥ 0`);
}

function degreesOfFreedom(lam: ArrayLike<number>, kappa: number): number {
  let s = 0;
  for (let i = 0; i < lam.length; i++) s += lam[i] / (lam[i] + kappa);
  return s;
}

/** κ with df₁(κ) = m, for 0 < m < d (df₁ is strictly decreasing from d to 0); bisection in ln κ. */
export function kappaForDegreesOfFreedom(lam: ArrayLike<number>, m: number): number {
  const d = lam.length;
  if (!(m > 0 && m < d)) throw new Error(`m = ${m}: expected 0 < m < d = ${d}`);
  let total = 0;
  let smallest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < d; i++) {
    total += lam[i];
    smallest = Math.min(smallest, lam[i]);
  }
  // df₁(κ) ≤ Σλ/κ, so df₁ < m at κ = 2Σλ/m; df₁(κ) ≥ d·λ_min/(λ_min + κ) > m at κ = λ_min(d − m)/(2m)
  let hi = Math.log((2 * total) / m);
  let lo = Math.log((smallest * (d - m)) / (2 * m));
  for (let it = 0; it < 200 && hi - lo > 1e-13; it++) {
    const mid = 0.5 * (lo + hi);
    if (degreesOfFreedom(lam, Math.exp(mid)) > m) lo = mid;
    else hi = mid;
  }
  return Math.exp(0.5 * (lo + hi));
}

/** The deterministic equivalent (see the module comment). */
export function randomFeatureTheory(input: RandomFeatureTheoryInput): RandomFeatureTheory {
  check(input);
  const { eigenvalues: lam, targetPower: t, features: N, samples: P, ridge } = input;
  const noise = input.noise ?? 0;
  const d = lam.length;
  const m = Math.min(N, P);
  let kappa1: number;
  if (ridge === 0) {
    if (m >= d) kappa1 = 0;
    else kappa1 = kappaForDegreesOfFreedom(lam, m);
  } else {
    // g(κ) = κ(1 − df₁/N)(1 − df₁/P) − λ is increasing on κ > κ* (df₁(κ*) = min(N, P)) from −λ to ∞
    const g = (k: number) => {
      const df = degreesOfFreedom(lam, k);
      return k * (1 - df / N) * (1 - df / P) - ridge;
    };
    const kStar = m >= d ? 0 : kappaForDegreesOfFreedom(lam, m);
    let lo = kStar;
    let hi = Math.max(2 * kStar, ridge);
    for (let i = 0; g(hi) < 0; i++) {
      lo = hi;
      hi *= 2;
      if (i > 200) throw new Error(`randomFeatureTheory: no κ₁ found for ridge = ${ridge}`);
    }
    for (let it = 0; it < 200; it++) {
      const mid = lo > 0 ? Math.sqrt(lo * hi) : 0.5 * hi;
      if (g(mid) < 0) lo = mid;
      else hi = mid;
      if (hi - lo <= 1e-15 * hi) break;
    }
    kappa1 = 0.5 * (lo + hi);
  }
  let df1 = 0;
  let df2 = 0;
  let s1 = 0; // Σ λ/(λ+κ)²
  let bt = 0; // Σ t/(λ+κ)²
  let lt = 0; // Σ λ t/(λ+κ)²
  for (let i = 0; i < d; i++) {
    const den = lam[i] + kappa1;
    const r = lam[i] / den;
    df1 += r;
    df2 += r * r;
    s1 += lam[i] / (den * den);
    bt += t[i] / (den * den);
    lt += (lam[i] * t[i]) / (den * den);
  }
  const k2 = kappa1 * kappa1;
  const featureFactor = Number.isFinite(N) ? (k2 * s1) / (N - df2) : 0;
  const bias = k2 * bt + featureFactor * lt;
  const oneMinus = Number.isFinite(N) ? (1 - df1 / N) / (1 - df2 / N) : 1;
  const dfHat2 = df1 - (df1 - df2) * oneMinus;
  const denom = Number.isFinite(P) ? 1 - dfHat2 / P : 1;
  const overfitting = denom > 1e-12 ? 1 / denom : Number.POSITIVE_INFINITY;
  const kappa2 = Number.isFinite(N) ? kappa1 * (1 - df1 / N) : kappa1;
  const excessLoss = Number.isFinite(overfitting) ? (bias + noise) * overfitting - noise : Number.POSITIVE_INFINITY;
  return { kappa1, kappa2, df1, df2, bias, overfitting, excessLoss };
}

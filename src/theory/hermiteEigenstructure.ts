/**
 * The Hermite eigenstructure ansatz (HEA) for the neural tangent kernel of a two-layer ReLU network with biases, and
 * the Hermite coefficients of a biased ReLU and step. Browser-safe.
 *
 * Network: f(x) = (1/√n) Σⱼ aⱼ ReLU(wⱼ·x + bⱼ) (src/nn/biasedReluNet.ts), wⱼ ~ N(0, s_w²/d · I), bⱼ ~ N(0, s_b²),
 * aⱼ ~ N(0, s_a²), every parameter trained with one step size. Its infinite-width NTK (Jacot, Gabriel & Hongler 2018)
 * is, with u = w·x + b jointly Gaussian over the init,
 *   K(x, x′) = √(v v′) J₁(ρ̃) + s_a² J₀(ρ̃)(x·x′ + 1),   v = s_w²‖x‖²/d + s_b²,   ρ̃ = (s_w² x·x′/d + s_b²)/√(v v′),
 * where J₁(ρ) = (√(1−ρ²) + (π − arccos ρ)ρ)/(2π) and J₀(ρ) = (π − arccos ρ)/(2π) are the degree-1 and degree-0
 * arc-cosine kernels of unit-variance Gaussians (Cho & Saul 2009; ./activations.ts `reluPairMoments`).
 *
 * HEA (Karkada, Turnbull, Liu & Simon 2025, "Predicting kernel regression learning curves from only raw data
 * statistics", arXiv 2510.14878). For x = Σ^{1/2}z (principal variances σᵢ², q = tr Σ) and a kernel that depends on
 * x·x′ = t at fixed norms ‖x‖² ≈ q (high effective dimension), write K(t) = Σ_ℓ A_ℓ t^ℓ. Expanding
 * (x·x′)^ℓ = Σ_{|α|=ℓ} (ℓ!/α!) Πᵢ(σᵢ² zᵢzᵢ′)^{αᵢ} and keeping the leading Hermite term of each monomial gives the
 * eigenfunction h_α(z) = Πᵢ h_{αᵢ}(zᵢ) with eigenvalue
 *   λ_α = |α|! · A_{|α|} · Πᵢ σᵢ^{2αᵢ};   for one direction and degree k:  λ_{i,k} = k! A_k σᵢ^{2k}.
 * At fixed norms v is constant and ρ̃ = ρ₀ + βt with ρ₀ = s_b²/v, β = s_w²/(d v), so
 *   A_k = v β^k T₁[k] + s_a²(β^k T₀[k] + β^{k−1} T₀[k−1])   (A₀ = v T₁[0] + s_a² T₀[0]),
 * with T₁, T₀ the Taylor coefficients of J₁, J₀ at ρ₀, from their Mehler series J(ρ) = Σ_ℓ c_ℓ² ρ^ℓ (c_ℓ the
 * normalized Hermite coefficients of ReLU and of the step): T[k] = Σ_{ℓ≥k} c_ℓ² C(ℓ, k) ρ₀^{ℓ−k}.
 * The lazy (kernel) dynamics of population gradient descent with step η then learn the mode's coefficient as
 * 1 − (1 − ηλ)^t (the target components are, to the HEA's accuracy, kernel eigenfunctions).
 *
 * Hermite coefficients with a bias (Gaussian integration by parts, E[f(g)He_k(g)] = E[f^{(k)}(g)], g ~ N(0, 1),
 * g₀ = −b/s):
 *   μ_k(b, s) = E[ReLU(s g + b) h_k(g)]:  μ₀ = s φ(b/s) + b Φ(b/s),  μ₁ = s Φ(b/s),  μ_k = s φ(g₀) He_{k−2}(g₀)/√k!  (k ≥ 2);
 *   ν_k(b, s) = E[1{s g + b > 0} h_k(g)]:  ν₀ = Φ(b/s),  ν_k = φ(g₀) He_{k−1}(g₀)/√k!  (k ≥ 1).
 */
import { normalCdf, normalPdf } from '../core/special.ts';
import { hermiteHe, sqrtFactorial } from '../data/hermite.ts';
import { reluPairMoments } from './activations.ts';

function checkCoefficientArgs(fn: string, k: number, s: number): void {
  if (!Number.isInteger(k) || k < 0) throw new Error(`${fn}: k must be an integer ≥ 0, got ${k}`);
  if (!(s > 0)) throw new Error(`${fn}: s must be > 0, got ${s}`);
}

/** μ_k(b, s) = E_{g~N(0,1)}[ReLU(s g + b) h_k(g)] (module comment). */
export function reluHermiteCoefficient(k: number, b: number, s: number): number {
  checkCoefficientArgs('reluHermiteCoefficient', k, s);
  const r = b / s;
  if (k === 0) return s * normalPdf(r) + b * normalCdf(r);
  if (k === 1) return s * normalCdf(r);
  return (s * normalPdf(r) * hermiteHe(k - 2, -r)) / sqrtFactorial(k);
}

/** ν_k(b, s) = E_{g~N(0,1)}[1{s g + b > 0} h_k(g)] (module comment). */
export function stepHermiteCoefficient(k: number, b: number, s: number): number {
  checkCoefficientArgs('stepHermiteCoefficient', k, s);
  const r = b / s;
  if (k === 0) return normalCdf(r);
  return (normalPdf(r) * hermiteHe(k - 1, -r)) / sqrtFactorial(k);
}

/** Squared normalized Hermite coefficients c_ℓ² of ReLU and of the step, ℓ = 0..L (the Mehler series of J₁, J₀). */
function arcCosineMehlerCoefficients(L: number): { relu2: Float64Array; step2: Float64Array } {
  const relu2 = new Float64Array(L + 3);
  const step2 = new Float64Array(L + 3);
  const p0 = 1 / (2 * Math.PI);
  relu2[0] = p0;
  relu2[1] = 0.25;
  relu2[2] = p0 / 2;
  for (let l = 2; l + 2 <= L; l += 2) relu2[l + 2] = (relu2[l] * (l - 1) ** 2) / ((l + 1) * (l + 2));
  step2[0] = 0.25;
  step2[1] = p0;
  for (let l = 1; l + 2 <= L; l += 2) step2[l + 2] = (step2[l] * l * l) / ((l + 1) * (l + 2));
  return { relu2, step2 };
}

/**
 * Taylor coefficients at ρ₀ of J₁ and J₀ up to order kmax, from the Mehler series with the squared normalized
 * Hermite coefficients of ReLU (c₀² = 1/(2π), c₁² = 1/4, c₂² = 1/(4π), c_{ℓ+2}²/c_ℓ² = (ℓ−1)²/((ℓ+1)(ℓ+2)) for even
 * ℓ ≥ 2, odd ℓ ≥ 3 vanish) and of the step (c₀² = 1/4, c₁² = 1/(2π), c_{ℓ+2}²/c_ℓ² = ℓ²/((ℓ+1)(ℓ+2)) for odd ℓ, even
 * ℓ ≥ 2 vanish); the series are summed until the terms fall below 1e-17 relative (|ρ₀| < 0.99 required).
 */
export function arcCosineTaylor(rho0: number, kmax: number): { relu: Float64Array; step: Float64Array } {
  if (!(Math.abs(rho0) < 0.99)) throw new Error(`arcCosineTaylor: |rho0| must be < 0.99, got ${rho0}`);
  if (!Number.isInteger(kmax) || kmax < 0 || kmax > 30) throw new Error(`arcCosineTaylor: kmax must be an integer in [0, 30], got ${kmax}`);
  const a = Math.abs(rho0);
  // terms decay like a^ℓ: stop once a^(ℓ−kmax)·C(ℓ, kmax) is negligible
  let L = kmax + 8;
  while (L < 20000) {
    let binom = 1;
    for (let j = 0; j < kmax; j++) binom *= (L - j) / (j + 1);
    if (binom * a ** (L - kmax) < 1e-17) break;
    L += 16;
  }
  const { relu2, step2 } = arcCosineMehlerCoefficients(L);
  const relu = new Float64Array(kmax + 1);
  const step = new Float64Array(kmax + 1);
  for (let k = 0; k <= kmax; k++) {
    let sr = 0;
    let ss = 0;
    let binom = 1; // C(ℓ, k) at ℓ = k
    let pw = 1; // ρ₀^{ℓ−k}
    for (let l = k; l <= L; l++) {
      sr += relu2[l] * binom * pw;
      ss += step2[l] * binom * pw;
      binom = (binom * (l + 1)) / (l + 1 - k);
      pw *= rho0;
    }
    relu[k] = sr;
    step[k] = ss;
  }
  return { relu, step };
}

export interface ReluNtkSpec {
  inputDim: number;
  weightStd: number;
  biasStd: number;
  readoutStd: number;
}

function checkSpec(fn: string, s: ReluNtkSpec): void {
  if (!Number.isInteger(s.inputDim) || s.inputDim < 1) throw new Error(`${fn}: inputDim must be a positive integer, got ${s.inputDim}`);
  if (!(s.weightStd > 0)) throw new Error(`${fn}: weightStd must be > 0, got ${s.weightStd}`);
  if (!(s.biasStd > 0)) throw new Error(`${fn}: biasStd must be > 0 (the HEA expansion point ρ₀ = s_b²/v must be > 0 for all degrees to appear), got ${s.biasStd}`);
  if (!(s.readoutStd > 0)) throw new Error(`${fn}: readoutStd must be > 0, got ${s.readoutStd}`);
}

/** The infinite-width NTK K(x, x′) of the module comment. */
export function reluNtk(x: ArrayLike<number>, y: ArrayLike<number>, spec: ReluNtkSpec): number {
  const d = spec.inputDim;
  if (x.length !== d || y.length !== d) throw new Error(`reluNtk: x and y must have length inputDim = ${d}, got ${x.length} and ${y.length}`);
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let i = 0; i < d; i++) {
    xx += x[i] * x[i];
    yy += y[i] * y[i];
    xy += x[i] * y[i];
  }
  const sw2 = (spec.weightStd * spec.weightStd) / d;
  const sb2 = spec.biasStd * spec.biasStd;
  // (u, u′) = (w·x + b, w·y + b) has variances v, v′ and covariance s_w²x·y/d + s_b²
  const J = reluPairMoments(sw2 * xx + sb2, sw2 * xy + sb2, sw2 * yy + sb2);
  return J.phiPhi + spec.readoutStd * spec.readoutStd * J.dphiDphi * (xy + 1);
}

/**
 * HEA level coefficients A₀…A_kmax of the NTK at squared input norm q = tr Σ (module comment): K(t) = Σ_ℓ A_ℓ t^ℓ.
 */
export function reluNtkLevelCoefficients(spec: ReluNtkSpec & { trace: number; kmax: number }): Float64Array {
  checkSpec('reluNtkLevelCoefficients', spec);
  if (!(spec.trace > 0)) throw new Error(`reluNtkLevelCoefficients: trace must be > 0, got ${spec.trace}`);
  const sw2 = spec.weightStd * spec.weightStd;
  const sb2 = spec.biasStd * spec.biasStd;
  const sa2 = spec.readoutStd * spec.readoutStd;
  const v = (sw2 * spec.trace) / spec.inputDim + sb2;
  const rho0 = sb2 / v;
  const beta = sw2 / (spec.inputDim * v);
  const T = arcCosineTaylor(rho0, spec.kmax);
  const A = new Float64Array(spec.kmax + 1);
  A[0] = v * T.relu[0] + sa2 * T.step[0];
  for (let k = 1; k <= spec.kmax; k++) A[k] = v * beta ** k * T.relu[k] + sa2 * (beta ** k * T.step[k] + beta ** (k - 1) * T.step[k - 1]);
  return A;
}

/** HEA eigenvalue of h_k(zᵢ): k! A_k σᵢ^{2k}. */
export function heaEigenvalue(levels: ArrayLike<number>, variance: number, degree: number): number {
  if (!Number.isInteger(degree) || degree < 0 || degree >= levels.length) throw new Error(`heaEigenvalue: degree must be an integer in [0, ${levels.length - 1}], got ${degree}`);
  if (!(variance > 0)) throw new Error(`heaEigenvalue: variance must be > 0, got ${variance}`);
  let f = 1;
  for (let j = 2; j <= degree; j++) f *= j;
  return f * levels[degree] * variance ** degree;
}

/** Steps for gradient descent to learn half of a mode of eigenvalue λ: (1 − ηλ)^t = ½. */
export function lazyHalfTime(eta: number, lambda: number): number {
  if (!(eta * lambda > 0 && eta * lambda < 1)) throw new Error(`lazyHalfTime: ηλ must be in (0, 1), got ${eta * lambda}`);
  return Math.log(0.5) / Math.log(1 - eta * lambda);
}

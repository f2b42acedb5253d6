/**
 * Linear random features of power-law Gaussian data, sampled exactly through their joint Gaussian law (catalog study
 * 19's model family). Browser-safe.
 *
 * Model (Maloney, Roberts & Sully 2022 §2; Bahri et al. 2024; the same data as src/data/powerlaw.ts): x ~ N(0, Σ),
 * Σ = diag(λ_i), λ_i = i^{−(1+α)} (λ_1 = 1); teacher y = wᵀx + σε with w_i = ±1 (random signs); a width-N model
 * f(x) = θᵀφ(x), φ(x) = F_{:, :N}ᵀx/√N, F_ia ~ N(0, 1), i.e. a two-layer network whose first layer is a fixed random
 * projection and whose N readout weights are trained.
 *
 * Sampling: x is Gaussian and r = F_{:, :M}ᵀx, y are linear in x, so (r, y) is jointly Gaussian with covariance
 * Γ = [[FᵀΣF, FᵀΣw], [wᵀΣF, wᵀΣw]] (plus σ² on y). Samples are drawn exactly from N(0, Γ) through its Cholesky
 * factor: O(M²) per sample instead of O(dM), so d can be large; prefixes r_{:N} serve every width (nested features).
 * The population loss of a readout is exact: L(θ) = σ² + wᵀΣw − 2θᵀc_N/√N + θᵀC_Nθ/N with C = FᵀΣF, c = FᵀΣw.
 */
import { gemmView } from '../core/linalg/dense.ts';
import { cholesky, eigh } from '../core/linalg.ts';
import type { Rng } from '../core/random.ts';

export interface GaussianRandomFeatures {
  d: number;
  alpha: number;
  /** The largest width M (features 0..M−1 exist). */
  maxWidth: number;
  /** Label-noise standard deviation σ. */
  noise: number;
  /** C = FᵀΣF (M×M, raw features r = Fᵀx). */
  C: Float64Array;
  /** c = FᵀΣw (M). */
  c: Float64Array;
  /** wᵀΣw. */
  targetVariance: number;
  /** Lower-triangular Cholesky factor of Γ ((M+1)×(M+1), row-major). */
  L: Float64Array;
}

/** Draw F (d×M) and the teacher signs, and factor the joint covariance Γ. */
export function makeGaussianRandomFeatures(d: number, alpha: number, maxWidth: number, noise: number, rng: Rng): GaussianRandomFeatures {
  if (!Number.isInteger(d) || d < 2) throw new Error(`d = ${d}: expected an integer ≥ 2`);
  if (!Number.isInteger(maxWidth) || maxWidth < 1 || maxWidth >= d) throw new Error(`maxWidth = ${maxWidth}: expected an integer in [1, d − 1] (d = ${d})`);
  if (!(alpha > 0)) throw new Error(`alpha = ${alpha}: expected a number > 0`);
  if (!(noise >= 0)) throw new Error(`noise = ${noise}: expected a standard deviation ≥ 0`);
  const M = maxWidth;
  const signs = rng.child('teacher-signs');
  // A = diag(√λ) F (d×M); C = AᵀA; c = Aᵀ(√λ∘w)
  const A = rng.child('features').fillNormal(new Float64Array(d * M));
  const sw = new Float64Array(d);
  let targetVariance = 0;
  for (let i = 0; i < d; i++) {
    const s = Math.sqrt((i + 1) ** -(1 + alpha));
    for (let a = 0; a < M; a++) A[i * M + a] *= s;
    sw[i] = s * (signs.uniform() < 0.5 ? -1 : 1);
    targetVariance += sw[i] * sw[i];
  }
  const C = new Float64Array(M * M);
  gemmView(M, M, d, 1, { data: A, off: 0, rs: 1, cs: M }, { data: A, off: 0, rs: M, cs: 1 }, { data: C, off: 0, rs: M }, false);
  const c = new Float64Array(M);
  for (let i = 0; i < d; i++) for (let a = 0; a < M; a++) c[a] += A[i * M + a] * sw[i];
  const n = M + 1;
  const G = new Float64Array(n * n);
  for (let a = 0; a < M; a++) {
    for (let b = 0; b < M; b++) G[a * n + b] = C[a * M + b];
    G[a * n + M] = c[a];
    G[M * n + a] = c[a];
  }
  G[M * n + M] = targetVariance;
  const L = cholesky({ rows: n, cols: n, data: G }).data;
  return { d, alpha, maxWidth: M, noise, C, c, targetVariance, L };
}

/** `count` samples: raw features r (count×M, row-major; φ = r_{:N}/√N) and noisy labels y. */
export function sampleGaussianRandomFeatures(pb: GaussianRandomFeatures, count: number, rng: Rng): { r: Float64Array; y: Float64Array } {
  const n = pb.maxWidth + 1;
  const Z = rng.child('z').fillNormal(new Float64Array(count * n));
  const V = new Float64Array(count * n);
  // V = Z Lᵀ: row μ is L z_μ ~ N(0, Γ)
  gemmView(count, n, n, 1, { data: Z, off: 0, rs: n, cs: 1 }, { data: pb.L, off: 0, rs: 1, cs: n }, { data: V, off: 0, rs: n }, false);
  const M = pb.maxWidth;
  const r = new Float64Array(count * M);
  const y = new Float64Array(count);
  const eps = rng.child('noise');
  for (let mu = 0; mu < count; mu++) {
    r.set(V.subarray(mu * n, mu * n + M), mu * M);
    y[mu] = V[mu * n + M] + pb.noise * eps.normal();
  }
  return { r, y };
}

/** Exact population loss (against noisy labels, so it includes σ²) of the width-N readout θ. */
export function populationLossOf(pb: GaussianRandomFeatures, N: number, theta: ArrayLike<number>): number {
  const M = pb.maxWidth;
  const s = 1 / Math.sqrt(N);
  let quad = 0;
  let lin = 0;
  for (let a = 0; a < N; a++) {
    let row = 0;
    const ra = a * M;
    for (let b = 0; b < N; b++) row += pb.C[ra + b] * theta[b];
    quad += theta[a] * row;
    lin += theta[a] * pb.c[a];
  }
  return pb.noise ** 2 + pb.targetVariance - 2 * s * lin + s * s * quad;
}

/**
 * Ridge readouts θ(λ) = argmin (1/D)Σ_μ (y_μ − θᵀφ_μ)² + λ‖θ‖² on the first D samples and N features, for every λ in
 * `ridges`, through one symmetric eigendecomposition (of the N×N Gram when D ≥ N, else of the D×D kernel matrix).
 * Returns the readouts as rows (ridges.length × N).
 */
export function ridgePath(pb: GaussianRandomFeatures, r: Float64Array, y: Float64Array, N: number, D: number, ridges: readonly number[]): Float64Array[] {
  const M = pb.maxWidth;
  const s = 1 / Math.sqrt(N);
  const out = ridges.map(() => new Float64Array(N));
  if (D >= N) {
    const G = new Float64Array(N * N);
    gemmView(N, N, D, (s * s) / D, { data: r, off: 0, rs: 1, cs: M }, { data: r, off: 0, rs: M, cs: 1 }, { data: G, off: 0, rs: N }, false);
    const b = new Float64Array(N);
    for (let mu = 0; mu < D; mu++) for (let a = 0; a < N; a++) b[a] += (r[mu * M + a] * s * y[mu]) / D;
    const { values, vectors } = eigh({ rows: N, cols: N, data: G });
    for (let j = 0; j < N; j++) {
      let proj = 0;
      for (let a = 0; a < N; a++) proj += vectors.data[a * N + j] * b[a];
      const ev = Math.max(values[j], 0);
      ridges.forEach((lam, q) => {
        const coef = proj / (ev + lam);
        const th = out[q];
        for (let a = 0; a < N; a++) th[a] += vectors.data[a * N + j] * coef;
      });
    }
    return out;
  }
  // dual: θ = Φᵀ(ΦΦᵀ + Dλ)⁻¹y
  const K = new Float64Array(D * D);
  gemmView(D, D, N, s * s, { data: r, off: 0, rs: M, cs: 1 }, { data: r, off: 0, rs: 1, cs: M }, { data: K, off: 0, rs: D }, false);
  const { values, vectors } = eigh({ rows: D, cols: D, data: K });
  const alphas = ridges.map(() => new Float64Array(D));
  for (let j = 0; j < D; j++) {
    let proj = 0;
    for (let mu = 0; mu < D; mu++) proj += vectors.data[mu * D + j] * y[mu];
    const ev = Math.max(values[j], 0);
    ridges.forEach((lam, q) => {
      const coef = proj / (ev + D * lam);
      const al = alphas[q];
      for (let mu = 0; mu < D; mu++) al[mu] += vectors.data[mu * D + j] * coef;
    });
  }
  ridges.forEach((_, q) => {
    const th = out[q];
    const al = alphas[q];
    for (let mu = 0; mu < D; mu++) for (let a = 0; a < N; a++) th[a] += r[mu * M + a] * s * al[mu];
  });
  return out;
}

/**
 * Probabilists' Hermite polynomials and Hermite-polynomial targets on anisotropic Gaussian inputs
 * (catalog study 33, learning order from data moments).
 *
 * He_k is orthogonal under the standard Gaussian weight: E_{z~N(0,1)}[He_j(z) He_k(z)] = k! δ_jk
 * (Abramowitz & Stegun 22.2.15 / DLMF 18.3). Three-term recurrence (DLMF 18.9.1, probabilists' form):
 *   He_0 = 1, He_1 = x, He_{k+1}(x) = x He_k(x) − k He_{k−1}(x).
 * The normalized h_k = He_k/√(k!) are orthonormal.
 *
 * Target (Karkada et al. 2025, "predicting kernel regression learning curves from only raw data
 * statistics": the Hermite eigenstructure ansatz). Inputs x = V diag(σ) z with z ~ N(0, I_d), so the
 * principal coordinates are z_i = (Vᵀx)_i/σ_i. The target is
 *   f*(x) = Σ_terms c_t · h_{k_t}(z_{i_t}),
 * a sum of orthonormal Hermite modes of degree k_t along principal direction i_t; Var f* = Σ c_t² when the
 * (direction, degree) pairs are distinct (enforced). The ansatz predicts that a rotation-invariant kernel's
 * eigenvalue for mode (i, k) scales as (σ_i²)^k times a degree-dependent level coefficient, so modes with
 * larger (σ_i²)^k are learned first; `modeScale` reports (σ_i²)^k per term for that comparison.
 *
 * Assumptions: Gaussian inputs with the planted covariance; terms depend on one principal direction each.
 */
import type { Mat } from '../core/mat.ts';
import type { Rng } from '../core/random.ts';
import { randomOrthonormal } from './basis.ts';
import type { RegressionSample } from './teacher.ts';
import { checkCount, checkInt, checkNumber } from './validate.ts';

/** He_k(x) by the three-term recurrence. */
export function hermiteHe(k: number, x: number): number {
  checkInt('hermiteHe', 'k', k, 0);
  if (k === 0) return 1;
  let prev = 1;
  let cur = x;
  for (let j = 1; j < k; j++) {
    const next = x * cur - j * prev;
    prev = cur;
    cur = next;
  }
  return cur;
}

/** [He_0(x), …, He_kmax(x)] in one pass of the recurrence. */
export function hermiteHeAll(kmax: number, x: number, out = new Float64Array(kmax + 1)): Float64Array {
  checkInt('hermiteHeAll', 'kmax', kmax, 0);
  if (out.length < kmax + 1) throw new Error(`hermiteHeAll: out has length ${out.length}, expected >= ${kmax + 1}`);
  out[0] = 1;
  if (kmax >= 1) out[1] = x;
  for (let j = 1; j < kmax; j++) out[j + 1] = x * out[j] - j * out[j - 1];
  return out;
}

/** √(k!) (exact up to float rounding for k ≤ 170). */
export function sqrtFactorial(k: number): number {
  checkInt('sqrtFactorial', 'k', k, 0, 170);
  let s = 1;
  for (let j = 2; j <= k; j++) s *= Math.sqrt(j);
  return s;
}

/** h_k(x) = He_k(x)/√(k!), orthonormal under N(0, 1). */
export function hermiteNormalized(k: number, x: number): number {
  return hermiteHe(k, x) / sqrtFactorial(k);
}

/**
 * Power-series coefficients of He_k: He_k(x) = Σ_j coef[j] x^j, from the same recurrence on
 * coefficient vectors (exact integers while they stay below 2^53, i.e. k ≲ 25).
 */
export function hermiteHeCoefficients(k: number): Float64Array {
  checkInt('hermiteHeCoefficients', 'k', k, 0, 60);
  let prev = new Float64Array(k + 1);
  prev[0] = 1;
  if (k === 0) return prev;
  let cur = new Float64Array(k + 1);
  cur[1] = 1;
  for (let j = 1; j < k; j++) {
    const next = new Float64Array(k + 1);
    for (let i = 0; i < k; i++) next[i + 1] += cur[i];
    for (let i = 0; i <= k; i++) next[i] -= j * prev[i];
    prev = cur;
    cur = next;
  }
  return cur;
}

export interface HermiteTerm {
  /** Principal direction i (0-based; its variance is variances[i]). */
  direction: number;
  /** Degree k ≥ 1 (degree 0 would be a constant offset). */
  degree: number;
  /** Coefficient c (the term's standard deviation). */
  coefficient: number;
}

export interface HermiteParams {
  /** Principal variances σ_i² (length d = input dimension), all > 0. */
  variances: ArrayLike<number>;
  terms: readonly HermiteTerm[];
  /** `canonical` (principal directions = coordinate axes, default) or `random` (Haar V). */
  basis?: 'canonical' | 'random';
  /** Label-noise standard deviation (default 0). */
  noise?: number;
}

export interface HermiteSample extends RegressionSample {
  /** n × d whitened principal coordinates z. */
  z: Mat;
  /** n × T per-term values c_t h_{k_t}(z_{i_t}) (their row sums are yClean). */
  termValues: Mat;
}

export interface HermiteTask {
  readonly d: number;
  readonly variances: Float64Array;
  readonly terms: readonly HermiteTerm[];
  /** d × d orthogonal V (column i = principal direction i); null when canonical. */
  readonly basis: Mat | null;
  /** (σ_{i_t}²)^{k_t} per term, the data factor of the predicted eigenvalue (Karkada et al. 2025). */
  readonly modeScale: Float64Array;
  readonly noise: number;
  sample(n: number, rng: Rng): HermiteSample;
}

export function makeHermiteTask(params: HermiteParams, rng: Rng): HermiteTask {
  const fn = 'makeHermiteTask';
  const d = params.variances.length;
  checkInt(fn, 'variances.length', d, 1);
  const variances = Float64Array.from(params.variances);
  for (let i = 0; i < d; i++) checkNumber(fn, `variances[${i}]`, variances[i], 0, Infinity, true);
  const noise = checkNumber(fn, 'noise', params.noise ?? 0, 0);
  const basisKind = params.basis ?? 'canonical';
  if (basisKind !== 'canonical' && basisKind !== 'random') {
    throw new Error(`${fn}: basis must be 'canonical' or 'random', got ${String(basisKind)}`);
  }
  if (params.terms.length === 0) throw new Error(`${fn}: terms is empty, expected at least one Hermite term`);
  const seen = new Set<string>();
  const terms = params.terms.map((t, j) => {
    checkInt(fn, `terms[${j}].direction`, t.direction, 0, d - 1);
    checkInt(fn, `terms[${j}].degree`, t.degree, 1, 170);
    checkNumber(fn, `terms[${j}].coefficient`, t.coefficient);
    const key = `${t.direction}:${t.degree}`;
    if (seen.has(key)) throw new Error(`${fn}: terms[${j}] repeats direction ${t.direction} with degree ${t.degree}`);
    seen.add(key);
    return { direction: t.direction, degree: t.degree, coefficient: t.coefficient };
  });
  const basis = basisKind === 'random' ? randomOrthonormal(d, d, rng.child('basis')) : null;
  const modeScale = Float64Array.from(terms, (t) => variances[t.direction] ** t.degree);
  const norms = terms.map((t) => sqrtFactorial(t.degree));
  const sigma = variances.map(Math.sqrt);
  const T = terms.length;

  return {
    d,
    variances,
    terms,
    basis,
    modeScale,
    noise,
    sample(n, sampleRng) {
      checkCount('HermiteTask.sample', n);
      const z = new Float64Array(n * d);
      sampleRng.child('z').fillNormal(z);
      const x = new Float64Array(n * d);
      const termValues = new Float64Array(n * T);
      const yClean = new Float64Array(n);
      const s = new Float64Array(d);
      for (let r = 0; r < n; r++) {
        for (let i = 0; i < d; i++) s[i] = sigma[i] * z[r * d + i];
        if (basis === null) x.set(s, r * d);
        else {
          for (let a = 0; a < d; a++) {
            let acc = 0;
            for (let i = 0; i < d; i++) acc += basis.data[a * d + i] * s[i];
            x[r * d + a] = acc;
          }
        }
        let y = 0;
        for (let t = 0; t < T; t++) {
          const term = terms[t];
          const v = (term.coefficient * hermiteHe(term.degree, z[r * d + term.direction])) / norms[t];
          termValues[r * T + t] = v;
          y += v;
        }
        yClean[r] = y;
      }
      const y = Float64Array.from(yClean);
      if (noise > 0) {
        const eps = sampleRng.child('noise');
        for (let r = 0; r < n; r++) y[r] += noise * eps.normal();
      }
      return {
        x: { rows: n, cols: d, data: x },
        y,
        yClean,
        z: { rows: n, cols: d, data: z },
        termValues: { rows: n, cols: T, data: termValues },
      };
    },
  };
}

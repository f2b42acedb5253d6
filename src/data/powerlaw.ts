/**
 * Gaussian data with a power-law covariance spectrum and a linear teacher, the standard solvable model
 * of neural scaling laws (catalog study 18, random-feature scaling law; inputs for studies 5, 19).
 *
 * Model (Maloney, Roberts & Sully 2022, "A solvable model of neural scaling laws", §2; Bahri et al. 2021,
 * "Explaining neural scaling laws"; Spigler, Geiger & Wyart 2020):
 *   covariance Σ = V diag(λ) Vᵀ with λ_i = c · i^{−(1+α)}, i = 1..d,
 *   x = V diag(√λ) z with z ~ N(0, I_d),
 *   y = wᵀx + σε with w = Σ_i w̄_i v_i and w̄_i = s_i · i^{−p} (s_i = ±1).
 * So the target power in mode i is w̄_i² λ_i = c · i^{−(1+α)−2p}; p = 0 (the default) is the isotropic
 * teacher of Maloney et al., for which the predicted exponents are L ∝ N^{−α} and L ∝ D^{−α}.
 * V = I ("canonical" basis, the default) or a Haar-random orthogonal matrix ("random"; rotation-invariant
 * models must not see the difference, which makes it a useful control). Drawing a random V costs O(d³)
 * and sampling in it O(n d²): measured ≈ 2–3 s for V and ≈ 2 s per 1000 samples at d = 1000 (one core,
 * plain JS); the canonical basis costs O(n d) (d = 2000, n = 4096: ≈ 0.4 s).
 *
 * Assumptions: Gaussian inputs, exactly linear teacher, i.i.d. Gaussian label noise.
 */
import type { Mat } from '../core/mat.ts';
import type { Rng } from '../core/random.ts';
import { randomOrthonormal } from './basis.ts';
import type { RegressionSample } from './teacher.ts';
import { checkCount, checkInt, checkNumber } from './validate.ts';

export interface PowerLawParams {
  /** Input dimension d. */
  d: number;
  /** Spectral exponent α > 0 in λ_i ∝ i^{−(1+α)}. */
  alpha: number;
  /** `canonical` (V = I, default) or `random` (Haar orthogonal V). */
  basis?: 'canonical' | 'random';
  /** `first` (λ_1 = 1, default) or `trace` (Σ λ_i = 1). */
  normalize?: 'first' | 'trace';
  /** Teacher decay p in |w̄_i| = i^{−p} (default 0). */
  teacherDecay?: number;
  /** Teacher signs s_i: `random` (default, independent ±1) or `positive`. */
  teacherSigns?: 'random' | 'positive';
  /** Label-noise standard deviation σ (default 0). */
  noise?: number;
}

export interface PowerLawSample extends RegressionSample {
  /** n × d latent coordinates z (x = V diag(√λ) z). */
  z: Mat;
}

export interface PowerLawTask {
  readonly d: number;
  readonly alpha: number;
  /** λ_1 ≥ λ_2 ≥ … ≥ λ_d, the planted covariance eigenvalues. */
  readonly eigenvalues: Float64Array;
  /** d × d orthogonal V whose column i is the eigenvector of λ_i; null for the canonical basis (V = I). */
  readonly basis: Mat | null;
  /** Teacher coefficients w̄_i in the eigenbasis. */
  readonly teacherCoefficients: Float64Array;
  /** Teacher weights in input coordinates, w = V w̄ (length d). */
  readonly teacher: Float64Array;
  /** Target power per eigenmode, w̄_i² λ_i (sums to Var[yClean]). */
  readonly targetPower: Float64Array;
  readonly noise: number;
  sample(n: number, rng: Rng): PowerLawSample;
}

/** λ_i = c · i^{−(1+α)} for i = 1..d (Maloney et al. 2022 eq. 2.1), normalized as asked. */
export function powerLawSpectrum(d: number, alpha: number, normalize: 'first' | 'trace' = 'first'): Float64Array {
  checkInt('powerLawSpectrum', 'd', d, 1);
  checkNumber('powerLawSpectrum', 'alpha', alpha, 0, Infinity, true);
  const lam = new Float64Array(d);
  let total = 0;
  for (let i = 0; i < d; i++) {
    lam[i] = (i + 1) ** -(1 + alpha);
    total += lam[i];
  }
  if (normalize === 'trace') for (let i = 0; i < d; i++) lam[i] /= total;
  return lam;
}

export function makePowerLawTask(params: PowerLawParams, rng: Rng): PowerLawTask {
  const fn = 'makePowerLawTask';
  const d = checkInt(fn, 'd', params.d, 1);
  const alpha = checkNumber(fn, 'alpha', params.alpha, 0, Infinity, true);
  const p = checkNumber(fn, 'teacherDecay', params.teacherDecay ?? 0);
  const noise = checkNumber(fn, 'noise', params.noise ?? 0, 0);
  const basisKind = params.basis ?? 'canonical';
  if (basisKind !== 'canonical' && basisKind !== 'random') {
    throw new Error(`${fn}: basis must be 'canonical' or 'random', got ${String(basisKind)}`);
  }
  const normalize = params.normalize ?? 'first';
  if (normalize !== 'first' && normalize !== 'trace') {
    throw new Error(`${fn}: normalize must be 'first' or 'trace', got ${String(normalize)}`);
  }
  const signs = params.teacherSigns ?? 'random';
  if (signs !== 'random' && signs !== 'positive') {
    throw new Error(`${fn}: teacherSigns must be 'random' or 'positive', got ${String(signs)}`);
  }

  const eigenvalues = powerLawSpectrum(d, alpha, normalize);
  const basis = basisKind === 'random' ? randomOrthonormal(d, d, rng.child('basis')) : null;
  const teacherCoefficients = new Float64Array(d);
  const signRng = rng.child('teacher-signs');
  for (let i = 0; i < d; i++) {
    const s = signs === 'random' ? (signRng.uniform() < 0.5 ? -1 : 1) : 1;
    teacherCoefficients[i] = s * (i + 1) ** -p;
  }
  const teacher = new Float64Array(d);
  if (basis === null) teacher.set(teacherCoefficients);
  else for (let a = 0; a < d; a++) for (let i = 0; i < d; i++) teacher[a] += basis.data[a * d + i] * teacherCoefficients[i];
  const targetPower = new Float64Array(d);
  for (let i = 0; i < d; i++) targetPower[i] = teacherCoefficients[i] ** 2 * eigenvalues[i];
  const sqrtLam = eigenvalues.map(Math.sqrt);

  return {
    d,
    alpha,
    eigenvalues,
    basis,
    teacherCoefficients,
    teacher,
    targetPower,
    noise,
    sample(n, sampleRng) {
      checkCount('PowerLawTask.sample', n);
      const z = new Float64Array(n * d);
      sampleRng.child('z').fillNormal(z);
      // Scaled latent s = diag(√λ) z, row by row; x = s Vᵀ (row-major: x_r = V s_r).
      const x = new Float64Array(n * d);
      const yClean = new Float64Array(n);
      const s = new Float64Array(d);
      for (let r = 0; r < n; r++) {
        let y = 0;
        for (let i = 0; i < d; i++) {
          s[i] = sqrtLam[i] * z[r * d + i];
          y += teacherCoefficients[i] * s[i]; // y = Σ w̄_i √λ_i z_i = wᵀx
        }
        yClean[r] = y;
        if (basis === null) x.set(s, r * d);
        else {
          for (let a = 0; a < d; a++) {
            let acc = 0;
            const row = a * d;
            for (let i = 0; i < d; i++) acc += basis.data[row + i] * s[i];
            x[r * d + a] = acc;
          }
        }
      }
      const y = Float64Array.from(yClean);
      if (noise > 0) {
        const eps = sampleRng.child('noise');
        for (let r = 0; r < n; r++) y[r] += noise * eps.normal();
      }
      return { x: { rows: n, cols: d, data: x }, y, yClean, z: { rows: n, cols: d, data: z } };
    },
  };
}

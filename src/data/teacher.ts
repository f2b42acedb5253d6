/**
 * Teacher–student regression with Gaussian inputs: y = g(Uᵀx) + σε.
 *
 * - Linear teacher (k = 1, g = identity): the classic teacher–student set-up (Gardner & Derrida 1989;
 *   Seung, Sompolinsky & Tishby 1992), used for double descent (Hastie et al. 2022) and the SGD rules.
 * - Single-index model (k = 1, nonlinear g): Ben Arous, Gheissari & Jagannath 2021; Damian, Lee &
 *   Soltanolkotabi 2022 (catalog study 7, e.g. g = He₂/√2).
 * - Multi-index model (k > 1): Abbe, Boix-Adserà & Misiakiewicz 2022; the neural feature ansatz study
 *   (catalog study 22, rank-2 U).
 *
 * Assumptions: x ~ N(0, I_d) i.i.d.; U has orthonormal columns (so z = Uᵀx ~ N(0, I_k) exactly);
 * label noise ε ~ N(0, 1) i.i.d. and independent of x. `yClean` is g(Uᵀx) without noise.
 *
 * The task (U, g) is drawn once by `makeTeacherTask(params, rng)`; `task.sample(n, rng)` then draws any
 * number of independent data sets that share the same teacher (train, test, a data-size sweep).
 */
import type { Mat } from '../core/mat.ts';
import type { Rng } from '../core/random.ts';
import { gaussianMat, randomOrthonormal } from './basis.ts';
import { checkCount, checkInt, checkNumber } from './validate.ts';

/** g: R^k → R, applied to z = Uᵀx (z has length k). */
export type IndexLink = (z: Float64Array) => number;

/** Inputs with scalar regression targets. */
export interface RegressionSample {
  /** n × d inputs. */
  x: Mat;
  /** Targets with label noise (equal to `yClean` when the noise is 0). */
  y: Float64Array;
  /** Noise-free targets. */
  yClean: Float64Array;
}

export interface TeacherParams {
  /** Input dimension. */
  d: number;
  /** Number of relevant directions (default 1: linear or single-index). */
  k?: number;
  /** The link g (default: z ↦ Σ z_j, i.e. a linear teacher along Σ_j u_j). */
  link?: IndexLink;
  /** A fixed d × k teacher with orthonormal columns (default: Haar random). */
  U?: Mat;
  /** Standard deviation σ of additive Gaussian label noise (default 0). */
  noise?: number;
}

export interface TeacherSample extends RegressionSample {
  /** n × k projections z = Uᵀx (one row per example). */
  z: Mat;
}

export interface TeacherTask {
  readonly d: number;
  readonly k: number;
  /** d × k, orthonormal columns. */
  readonly U: Mat;
  readonly link: IndexLink;
  readonly noise: number;
  /** Noise-free teacher on given inputs: g(Uᵀx) for each row of x. */
  evaluate(x: Mat): Float64Array;
  /** n fresh examples; a pure function of (task, n, rng). */
  sample(n: number, rng: Rng): TeacherSample;
}

/** g(z) = Σ_j z_j: the linear teacher along u = Σ_j u_j (‖u‖ = √k). */
export const linearLink: IndexLink = (z) => {
  let s = 0;
  for (let j = 0; j < z.length; j++) s += z[j];
  return s;
};

/** Draw a teacher (U, g); `rng` is used only when U is not given. */
export function makeTeacherTask(params: TeacherParams, rng: Rng): TeacherTask {
  const fn = 'makeTeacherTask';
  const d = checkInt(fn, 'd', params.d, 1);
  const k = checkInt(fn, 'k', params.k ?? params.U?.cols ?? 1, 1, d);
  const noise = checkNumber(fn, 'noise', params.noise ?? 0, 0);
  const link = params.link ?? linearLink;
  let U: Mat;
  if (params.U !== undefined) {
    U = params.U;
    if (U.rows !== d || U.cols !== k) throw new Error(`${fn}: U must be d × k = ${d} × ${k}, got ${U.rows} × ${U.cols}`);
    // z = Uᵀx ~ N(0, I_k) needs UᵀU = I; check to a float tolerance.
    for (let a = 0; a < k; a++) {
      for (let b = a; b < k; b++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += U.data[i * k + a] * U.data[i * k + b];
        const want = a === b ? 1 : 0;
        if (Math.abs(dot - want) > 1e-8) {
          throw new Error(`${fn}: U must have orthonormal columns; (UᵀU)[${a}][${b}] = ${dot}, expected ${want}`);
        }
      }
    }
  } else {
    U = randomOrthonormal(d, k, rng.child('teacher-U'));
  }

  const project = (x: Mat): Mat => {
    if (x.cols !== d) throw new Error(`TeacherTask: x must have d = ${d} columns, got ${x.cols}`);
    const z = new Float64Array(x.rows * k);
    for (let r = 0; r < x.rows; r++) {
      const off = r * d;
      for (let i = 0; i < d; i++) {
        const xi = x.data[off + i];
        if (xi === 0) continue;
        const urow = i * k;
        for (let j = 0; j < k; j++) z[r * k + j] += xi * U.data[urow + j];
      }
    }
    return { rows: x.rows, cols: k, data: z };
  };
  const applyLink = (z: Mat): Float64Array => {
    const y = new Float64Array(z.rows);
    for (let r = 0; r < z.rows; r++) y[r] = link(z.data.subarray(r * k, (r + 1) * k));
    return y;
  };

  return {
    d,
    k,
    U,
    link,
    noise,
    evaluate: (x) => applyLink(project(x)),
    sample(n, sampleRng) {
      checkCount('TeacherTask.sample', n);
      const x = gaussianMat(n, d, sampleRng.child('x'));
      const z = project(x);
      const yClean = applyLink(z);
      const y = Float64Array.from(yClean);
      if (noise > 0) {
        const eps = sampleRng.child('noise');
        for (let r = 0; r < n; r++) y[r] += noise * eps.normal();
      }
      return { x, y, yClean, z };
    },
  };
}

export interface TanhTeacherOptions {
  /**
   * How the coefficients a_j are drawn: `gaussian` a_j ~ N(0, 1)/√k (the learning-rate sweeps), or
   * `sign` a_j = ±1/√k with fair random signs, so that the signal variance Σ a_j² E[tanh²(2z)] ≈ 0.6 does not
   * depend on the seed (the batch-size studies).
   */
  coefficients: 'gaussian' | 'sign';
  /** standard deviation σ of the label noise (default 0) */
  noise?: number;
}

/**
 * The smooth multi-index teacher y = Σ_{j<k} a_j tanh(2 u_jᵀx) + σε (orthonormal u_j from rng.child('U'),
 * coefficients from rng.child('a')): the one tanh teacher of the learning-rate sweeps
 * (src/protocols/lrSweep.ts `tanhTeacher` is `tanhIndexTeacher(d, k, rng, { coefficients: 'gaussian' })`) and of the batch-size studies (src/protocols/onlineTeacher.ts).
 */
export function tanhIndexTeacher(d: number, k: number, rng: Rng, opts: TanhTeacherOptions): TeacherTask {
  const ar = rng.child('a');
  const a = Array.from({ length: k }, () => (opts.coefficients === 'gaussian' ? ar.normal() : ar.uniform() < 0.5 ? -1 : 1) / Math.sqrt(k));
  return makeTeacherTask(
    {
      d,
      k,
      noise: opts.noise,
      link: (z) => {
        let s = 0;
        for (let j = 0; j < k; j++) s += a[j] * Math.tanh(2 * z[j]);
        return s;
      },
    },
    rng.child('U'),
  );
}

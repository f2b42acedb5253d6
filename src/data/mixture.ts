/**
 * Gaussian mixtures for classification (catalog study 21, neural collapse; Papyan, Han & Donoho 2020).
 *
 * Class c has mean μ_c = √2 · margin · q_c, where q_1..q_C are orthonormal (Haar random, so C ≤ d),
 * and isotropic within-class covariance σ² I:  x | c ~ N(μ_c, σ² I_d).
 * Then ‖μ_a − μ_b‖ = 2 · margin for every pair, so `margin` is the distance from each mean to the
 * bisecting hyperplane between any two classes, and for C = 2 the Bayes error is Φ(−margin/σ)
 * (the Bayes rule is nearest mean, since the classes are equiprobable and share a covariance).
 *
 * Labels: `balanced` (default) gives exactly ⌊n/C⌋ or ⌈n/C⌉ examples per class in random order;
 * otherwise each label is i.i.d. uniform.
 */
import type { Mat } from '../core/mat.ts';
import type { Rng } from '../core/random.ts';
import { randomOrthonormal } from './basis.ts';
import { checkCount, checkInt, checkNumber } from './validate.ts';

export interface MixtureParams {
  /** Number of classes C ≥ 2. */
  classes: number;
  /** Input dimension d ≥ C. */
  d: number;
  /** Half the distance between any two class means. */
  margin: number;
  /** Within-class standard deviation σ per coordinate (default 1). */
  std?: number;
}

export interface ClassificationSample {
  /** n × d inputs. */
  x: Mat;
  /** Class labels in [0, classes). */
  y: Int32Array;
}

export interface MixtureTask {
  readonly classes: number;
  readonly d: number;
  readonly margin: number;
  readonly std: number;
  /** C × d class means (row c is μ_c). */
  readonly means: Mat;
  sample(n: number, rng: Rng, options?: { balanced?: boolean }): ClassificationSample;
}

export function makeGaussianMixtureTask(params: MixtureParams, rng: Rng): MixtureTask {
  const fn = 'makeGaussianMixtureTask';
  const C = checkInt(fn, 'classes', params.classes, 2);
  const d = checkInt(fn, 'd', params.d, C);
  const margin = checkNumber(fn, 'margin', params.margin, 0);
  const std = checkNumber(fn, 'std', params.std ?? 1, 0);
  const q = randomOrthonormal(d, C, rng.child('means')); // d × C
  const means = new Float64Array(C * d);
  const scale = Math.SQRT2 * margin;
  for (let c = 0; c < C; c++) for (let i = 0; i < d; i++) means[c * d + i] = scale * q.data[i * C + c];
  const meanMat: Mat = { rows: C, cols: d, data: means };
  return {
    classes: C,
    d,
    margin,
    std,
    means: meanMat,
    sample(n, sampleRng, options) {
      checkCount('MixtureTask.sample', n);
      const y = new Int32Array(n);
      if (options?.balanced ?? true) {
        const perm = sampleRng.child('labels').permutation(n);
        for (let r = 0; r < n; r++) y[perm[r]] = r % C;
      } else {
        const lr = sampleRng.child('labels');
        for (let r = 0; r < n; r++) y[r] = lr.int(C);
      }
      const x = new Float64Array(n * d);
      sampleRng.child('noise').fillNormal(x, std);
      for (let r = 0; r < n; r++) {
        const c = y[r];
        for (let i = 0; i < d; i++) x[r * d + i] += means[c * d + i];
      }
      return { x: { rows: n, cols: d, data: x }, y };
    },
  };
}

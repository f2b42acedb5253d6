/**
 * Random orthonormal frames for the synthetic tasks (teacher directions, random eigenbases).
 */
import type { Mat } from '../core/mat.ts';
import type { Rng } from '../core/random.ts';
import { checkInt } from './validate.ts';

/**
 * A d × k matrix with orthonormal columns, distributed uniformly (Haar) on the Stiefel manifold.
 *
 * Construction: G with i.i.d. N(0, 1) entries, then Gram–Schmidt on its columns, so G = QR with
 * diag(R) > 0. The Q factor of a Gaussian matrix with this sign convention is Haar distributed
 * (Mezzadri 2007, "How to generate random matrices from the classical compact groups", §5).
 * Each column is orthogonalized twice ("twice is enough", Giraud et al. 2005), which keeps
 * ‖QᵀQ − I‖ at the level of float rounding. Cost O(d k²).
 */
export function randomOrthonormal(d: number, k: number, rng: Rng): Mat {
  checkInt('randomOrthonormal', 'd', d, 1);
  checkInt('randomOrthonormal', 'k', k, 0, d);
  // Columns stored contiguously while we work (column c at q[c*d .. c*d+d)).
  const q = new Float64Array(d * k);
  for (let c = 0; c < k; c++) {
    const col = q.subarray(c * d, (c + 1) * d);
    for (let attempt = 0; ; attempt++) {
      for (let i = 0; i < d; i++) col[i] = rng.normal();
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < c; p++) {
          const prev = q.subarray(p * d, (p + 1) * d);
          let dot = 0;
          for (let i = 0; i < d; i++) dot += prev[i] * col[i];
          for (let i = 0; i < d; i++) col[i] -= dot * prev[i];
        }
      }
      let norm = 0;
      for (let i = 0; i < d; i++) norm += col[i] * col[i];
      norm = Math.sqrt(norm);
      // A Gaussian vector lies in a proper subspace with probability 0; guard anyway.
      if (norm > 1e-8) {
        for (let i = 0; i < d; i++) col[i] /= norm;
        break;
      }
      if (attempt > 10) throw new Error('randomOrthonormal: failed to draw an independent column');
    }
  }
  // Transpose to row-major d × k.
  const out = new Float64Array(d * k);
  for (let c = 0; c < k; c++) for (let i = 0; i < d; i++) out[i * k + c] = q[c * d + i];
  return { rows: d, cols: k, data: out };
}

/** A fresh n × d matrix of i.i.d. N(0, 1) entries. */
export function gaussianMat(n: number, d: number, rng: Rng): Mat {
  const data = new Float64Array(n * d);
  rng.fillNormal(data);
  return { rows: n, cols: d, data };
}

/** Rows `idx` of `x`, copied into a new matrix. */
export function selectRows(x: Mat, idx: ArrayLike<number>): Mat {
  const out = new Float64Array(idx.length * x.cols);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    if (!Number.isInteger(i) || i < 0 || i >= x.rows) {
      throw new Error(`selectRows: idx[${r}] = ${i} is not a row of a ${x.rows}-row matrix`);
    }
    out.set(x.data.subarray(i * x.cols, (i + 1) * x.cols), r * x.cols);
  }
  return { rows: idx.length, cols: x.cols, data: out };
}

/** Entries `idx` of a typed array, copied. */
export function selectEntries<T extends Float64Array | Int32Array>(y: T, idx: ArrayLike<number>): T {
  const out = new (y.constructor as new (n: number) => T)(idx.length);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    if (!Number.isInteger(i) || i < 0 || i >= y.length) {
      throw new Error(`selectEntries: idx[${r}] = ${i} is not an index of an array of length ${y.length}`);
    }
    out[r] = y[i];
  }
  return out;
}

/** Shared synthetic matrices for the test/observe oracle tests (not a test file itself). */
import { type Mat, mat } from '../../src/core/mat.ts';
import type { Rng } from '../../src/core/random.ts';

export function gaussianMat(rows: number, cols: number, rng: Rng, std = 1): Mat {
  return mat(rows, cols, rng.fillNormal(new Float64Array(rows * cols), std));
}

export function scaleMat(m: Mat, c: number): Mat {
  return mat(m.rows, m.cols, m.data.map((v) => v * c));
}

/** An n×k matrix with orthonormal columns (Gram–Schmidt, twice, on a Gaussian matrix). */
export function orthonormalColumns(n: number, k: number, rng: Rng): Mat {
  const a = rng.fillNormal(new Float64Array(n * k));
  const q = new Float64Array(n * k);
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = a[i * k + j];
    for (let r = 0; r < 2; r++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += v[i] * q[i * k + p];
        for (let i = 0; i < n; i++) v[i] -= dot * q[i * k + p];
      }
    }
    let nrm = 0;
    for (let i = 0; i < n; i++) nrm += v[i] * v[i];
    nrm = Math.sqrt(nrm);
    for (let i = 0; i < n; i++) q[i * k + j] = v[i] / nrm;
  }
  return mat(n, k, q);
}

/** A random d×d orthogonal matrix. */
export function randomOrthogonal(d: number, rng: Rng): Mat {
  return orthonormalColumns(d, d, rng);
}

/**
 * U diag(s) Vᵀ (rows×cols) with random orthonormal U, V: a matrix with exactly the singular values `s`
 * (s.length ≤ min(rows, cols)).
 */
export function withSingularValues(rows: number, cols: number, s: readonly number[], rng: Rng): Mat {
  const k = s.length;
  const u = orthonormalColumns(rows, k, rng.child('u'));
  const v = orthonormalColumns(cols, k, rng.child('v'));
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let t = 0;
      for (let r = 0; r < k; r++) t += u.data[i * k + r] * s[r] * v.data[j * k + r];
      out[i * cols + j] = t;
    }
  return mat(rows, cols, out);
}

/** Mean and standard error of the mean. */
export function meanSe(v: readonly number[]): { mean: number; se: number; sd: number } {
  const m = v.reduce((s, z) => s + z, 0) / v.length;
  const sd = Math.sqrt(v.reduce((s, z) => s + (z - m) ** 2, 0) / (v.length - 1));
  return { mean: m, se: sd / Math.sqrt(v.length), sd };
}

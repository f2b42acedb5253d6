/**
 * Small dense helpers shared by the matrix instruments of src/observe (similarity, neural collapse, spectra, rank).
 * Plain row-major `Mat` (src/core/mat.ts); no autodiff. Browser-safe.
 */
import { kernels } from '../core/kernels.ts';
import { eigvalsh } from '../core/linalg.ts';
import type { Mat } from '../core/mat.ts';

/** Throw unless `m` is a well-formed finite matrix with at least `minRows` rows and one column. */
export function checkMat(m: Mat, field: string, minRows = 1): void {
  if (m === null || typeof m !== 'object' || !(m.data instanceof Float64Array)) {
    throw new Error(`${field}: expected a Mat {rows, cols, data: Float64Array}, got ${String(m)}`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new Error(`${field}: data has ${m.data.length} elements, expected rows*cols = ${m.rows}*${m.cols}`);
  }
  if (m.rows < minRows) throw new Error(`${field}: has ${m.rows} rows, expected at least ${minRows}`);
  if (m.cols < 1) throw new Error(`${field}: has ${m.cols} columns, expected at least 1`);
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i])) {
      throw new Error(`${field}: element (${Math.floor(i / m.cols)}, ${i % m.cols}) is ${m.data[i]}, expected a finite number`);
    }
  }
}

/** Column means of an n×d matrix (the mean example). */
export function columnMeans(x: Mat): Float64Array {
  const { rows: n, cols: d, data } = x;
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mu[j] /= n;
  return mu;
}

/** X − 1 μᵀ: every column has mean zero (the centering H X with H = I − 11ᵀ/n). */
export function centerColumns(x: Mat): Mat {
  const { rows: n, cols: d, data } = x;
  const mu = columnMeans(x);
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = data[i * d + j] - mu[j];
  return { rows: n, cols: d, data: out };
}

/** A B for A (m×k), B (k×n). */
export function matmul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new Error(`matmul: inner dimensions differ (${a.rows}×${a.cols} times ${b.rows}×${b.cols})`);
  const m = a.rows;
  const k = a.cols;
  const n = b.cols;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const oi = i * n;
    for (let p = 0; p < k; p++) {
      const aip = a.data[i * k + p];
      if (aip === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) out[oi + j] += aip * b.data[bp + j];
    }
  }
  return { rows: m, cols: n, data: out };
}

/**
 * Aᵀ B for A (n×p), B (n×q): the p×q cross-product, without forming Aᵀ, on the active GEMM kernel (transposed A).
 * Each entry is the sum over the n rows in row order from +0, as the kernels sum (the TypeScript and WebAssembly
 * ones: test/observe/matrix.test.ts checks it against that loop bit for bit; the native one blocks the sum).
 */
export function crossProduct(a: Mat, b: Mat): Mat {
  if (a.rows !== b.rows) throw new Error(`crossProduct: row counts differ (${a.rows} vs ${b.rows})`);
  const out = new Float64Array(a.cols * b.cols);
  kernels().gemm(true, false, a.cols, b.cols, a.rows, a.data, b.data, out, false);
  return { rows: a.cols, cols: b.cols, data: out };
}

/** X Xᵀ (n×n Gram matrix of the rows, i.e. the linear kernel between examples). */
export function gramRows(x: Mat): Mat {
  const { rows: n, cols: d, data } = x;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += data[i * d + t] * data[j * d + t];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return { rows: n, cols: n, data: out };
}

/** Squared Frobenius norm Σ a_ij². */
export function frobeniusSq(a: Mat | Float64Array): number {
  const d = a instanceof Float64Array ? a : a.data;
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i] * d[i];
  return s;
}

/**
 * Eigenvalues of the smaller Gram matrix of `a` (AᵀA if cols ≤ rows, else AAᵀ), descending and clipped at 0.
 * These are the squared singular values of `a` (min(rows, cols) of them). Through the Gram matrix the absolute
 * error of each σ² is ~ machine-ε·σ²_max, which is what spectra and rank measures need (relative accuracy of
 * singular values far below σ_max is lost; none of the instruments here depends on it).
 */
export function squaredSingularValues(a: Mat): Float64Array {
  const g = a.cols <= a.rows ? crossProduct(a, a) : gramRows(a);
  const ev = eigvalsh(g);
  const k = ev.length;
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) out[i] = Math.max(0, ev[k - 1 - i]);
  return out;
}

/** Sorted copy, descending. */
export function sortDescending(v: ArrayLike<number>): Float64Array {
  return Float64Array.from(v).sort().reverse();
}

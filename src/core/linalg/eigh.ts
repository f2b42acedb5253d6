/**
 * Dense symmetric eigendecomposition A = Q Λ Qᵀ: Householder tridiagonalization followed by the implicit
 * QL algorithm (Golub & Van Loan, *Matrix Computations*, 4th ed., Alg. 8.3.1 + §8.3.5; Bowdler et al.
 * 1968). Backward stable: the computed (Λ, Q) are exact for A + E with ‖E‖₂ ≈ c·n·ε·‖A‖₂ and Q is
 * orthogonal to working precision (GVL §8.3.6); each eigenvalue is off by at most ‖E‖₂ (Weyl).
 */
import type { Mat } from '../mat.ts';
import { assertSquare } from './dense.ts';
import { tridiagonalEigDC } from './divideConquer.ts';
import { applyReflectorsLeft, transposeSquareInPlace, tridiagonalize, tridiagonalQL } from './tridiagonal.ts';

export interface EighResult {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Column j is the unit eigenvector of values[j]. */
  vectors: Mat;
}

function checkFinite(fn: string, a: Mat): void {
  const d = a.data;
  const n = a.rows;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      if (!Number.isFinite(d[i * n + j])) throw new Error(`${fn}: a[${i}][${j}] is ${d[i * n + j]}, expected a finite number`);
    }
  }
}

/** Symmetric eigendecomposition. Reads only the lower triangle of `a` (the upper one is assumed to mirror it). */
export function eigh(a: Mat): EighResult {
  const n = assertSquare('eigh', 'a', a);
  checkFinite('eigh', a);
  if (n === 0) return { values: new Float64Array(0), vectors: { rows: 0, cols: 0, data: new Float64Array(0) } };
  const w = a.data.slice();
  const beta = new Float64Array(n);
  const { d, e } = tridiagonalize(w, n, beta);
  const { values, vt } = tridiagonalEigDC(d, e);
  // Z (eigenvectors of T as columns, transposed in place: a fresh n² array costs page faults), then X = Q Z
  transposeSquareInPlace(vt, n);
  applyReflectorsLeft(w, n, beta, vt, n);
  return { values, vectors: { rows: n, cols: n, data: vt } };
}

/** Eigenvalues only, ascending (no eigenvector accumulation: O(n²) after the O(n³) reduction). */
export function eigvalsh(a: Mat): Float64Array {
  const n = assertSquare('eigvalsh', 'a', a);
  checkFinite('eigvalsh', a);
  if (n === 0) return new Float64Array(0);
  const w = a.data.slice();
  const { d, e } = tridiagonalize(w, n, new Float64Array(n));
  tridiagonalQL(d, e, null, 0);
  return d.sort();
}

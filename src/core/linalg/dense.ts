/**
 * Dense basics on `Mat` (row-major Float64Array): products, Cholesky factorization and solves.
 * References: Golub & Van Loan, *Matrix Computations*, 4th ed. (2013), §1.1 (products), §4.2 (Cholesky).
 */
import { kernels } from '../kernels.ts';
import type { Mat } from '../mat.ts';

/** Throws unless `a` is a square matrix; `fn` and `field` name the caller and argument in the message. */
export function assertSquare(fn: string, field: string, a: Mat): number {
  if (a.rows !== a.cols) throw new Error(`${fn}: ${field} must be square, got ${a.rows}×${a.cols}`);
  if (a.data.length !== a.rows * a.cols) {
    throw new Error(`${fn}: ${field}.data has ${a.data.length} elements, expected rows*cols = ${a.rows * a.cols}`);
  }
  return a.rows;
}

/** A strided view of a matrix inside a Float64Array: element (i, j) is data[off + i·rs + j·cs]. */
export interface View {
  data: Float64Array;
  off: number;
  rs: number;
  cs: number;
}

const SMALL_GEMM = 32768; // multiply-adds below which packing for the kernel does not pay
const KB = 256; // depth block: keeps a KB×NB panel of B (512 KB) cache-resident
const NB = 256;
let packA: Float64Array = new Float64Array(0);
let packB: Float64Array = new Float64Array(0);
let packC: Float64Array = new Float64Array(0);

function grow(buf: Float64Array, size: number): Float64Array {
  return buf.length >= size ? buf : new Float64Array(Math.max(size, Math.ceil(1.5 * buf.length)));
}

/**
 * C (m×n) ← alpha·A·B (+ C when `accumulate`), for strided views A (m×k), B (k×n) and a row-major
 * view C (element (i, j) at off + i·rs + j). Blocked over k and n (GVL §1.5) so that packed panels
 * stay in cache; the active GEMM kernel (WebAssembly SIMD where available) does the multiply-adds.
 * A is packed once per depth block as Aᵀ (contraction index slowest), which is a plain copy when A
 * is column-contiguous (rs = 1) and a tiled transpose otherwise; B panels are row copies when cs = 1.
 */
export function gemmView(m: number, n: number, k: number, alpha: number, A: View, B: View, C: { data: Float64Array; off: number; rs: number }, accumulate: boolean): void {
  if (m === 0 || n === 0) return;
  const cd = C.data;
  const ad = A.data;
  const bd = B.data;
  if (k === 0 || m * n * k < SMALL_GEMM) {
    const row = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      row.fill(0);
      const ai = A.off + i * A.rs;
      for (let p = 0; p < k; p++) {
        const a = alpha * ad[ai + p * A.cs];
        if (a === 0) continue;
        const bp = B.off + p * B.rs;
        for (let j = 0; j < n; j++) row[j] += a * bd[bp + j * B.cs];
      }
      const ci = C.off + i * C.rs;
      if (accumulate) for (let j = 0; j < n; j++) cd[ci + j] += row[j];
      else for (let j = 0; j < n; j++) cd[ci + j] = row[j];
    }
    return;
  }
  const K = kernels();
  if (K.gemmView && alpha === 1 && A.rs >= 0 && A.cs >= 0 && B.rs >= 0 && B.cs >= 0) {
    // a backend that multiplies strided views itself (the native one): no packing copies here
    K.gemmView(m, n, k, ad, A.off, A.rs, A.cs, bd, B.off, B.rs, B.cs, cd, C.off, C.rs, accumulate);
    return;
  }
  const kb0 = Math.min(KB, k);
  packA = grow(packA, kb0 * m);
  packB = grow(packB, kb0 * Math.min(NB, n));
  packC = grow(packC, m * n);
  const at = packA;
  const bb = packB;
  const cbuf = packC; // block j0 of the product lives at [m·j0, m·(j0 + nb)) as m×nb row-major
  for (let p0 = 0; p0 < k; p0 += KB) {
    const kb = Math.min(KB, k - p0);
    // the depth block of A as a contiguous operand: Aᵀ (kb rows of length m) when A is column-contiguous, A itself
    // (m rows of length kb) when it is row-contiguous — row copies, the kernel transposes in its own packing (the
    // kernels round both layouts identically: each packs op(A) the same way); else a tiled transpose in JS
    const aTrans = A.rs === 1 || A.cs !== 1;
    if (A.rs === 1) {
      for (let p = 0; p < kb; p++) {
        const src = A.off + (p0 + p) * A.cs;
        at.set(ad.subarray(src, src + m), p * m);
      }
    } else if (!aTrans) {
      for (let i = 0; i < m; i++) {
        const src = A.off + i * A.rs + p0;
        at.set(ad.subarray(src, src + kb), i * kb);
      }
    } else {
      const T = 16;
      for (let i0 = 0; i0 < m; i0 += T) {
        const i1 = Math.min(m, i0 + T);
        for (let q0 = 0; q0 < kb; q0 += T) {
          const q1 = Math.min(kb, q0 + T);
          for (let i = i0; i < i1; i++) {
            const src = A.off + i * A.rs + p0 * A.cs;
            for (let p = q0; p < q1; p++) at[p * m + i] = ad[src + p * A.cs];
          }
        }
      }
    }
    const aview = at.subarray(0, kb * m);
    for (let j0 = 0; j0 < n; j0 += NB) {
      const nb = Math.min(NB, n - j0);
      if (B.cs === 1) {
        for (let p = 0; p < kb; p++) {
          const src = B.off + (p0 + p) * B.rs + j0;
          bb.set(bd.subarray(src, src + nb), p * nb);
        }
      } else {
        for (let p = 0; p < kb; p++) {
          const src = B.off + (p0 + p) * B.rs + j0 * B.cs;
          const dst = p * nb;
          for (let j = 0; j < nb; j++) bb[dst + j] = bd[src + j * B.cs];
        }
      }
      K.gemm(aTrans, false, m, nb, kb, aview, bb.subarray(0, kb * nb), cbuf.subarray(m * j0, m * (j0 + nb)), p0 > 0);
    }
  }
  for (let j0 = 0; j0 < n; j0 += NB) {
    const nb = Math.min(NB, n - j0);
    const base = m * j0;
    for (let i = 0; i < m; i++) {
      const ci = C.off + i * C.rs + j0;
      const bi = base + i * nb;
      if (accumulate) {
        if (alpha === 1) for (let j = 0; j < nb; j++) cd[ci + j] += cbuf[bi + j];
        else if (alpha === -1) for (let j = 0; j < nb; j++) cd[ci + j] -= cbuf[bi + j];
        else for (let j = 0; j < nb; j++) cd[ci + j] += alpha * cbuf[bi + j];
      } else if (alpha === 1) cd.set(cbuf.subarray(bi, bi + nb), ci);
      else for (let j = 0; j < nb; j++) cd[ci + j] = alpha * cbuf[bi + j];
    }
  }
}

/** C = A·B (GVL §1.1), blocked and run on the active GEMM kernel (WebAssembly SIMD where available). */
export function matmul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new Error(`matmul: a.cols (${a.cols}) must equal b.rows (${b.rows}); shapes ${a.rows}×${a.cols} and ${b.rows}×${b.cols}`);
  const out = new Float64Array(a.rows * b.cols);
  gemmView(a.rows, b.cols, a.cols, 1, { data: a.data, off: 0, rs: a.cols, cs: 1 }, { data: b.data, off: 0, rs: b.cols, cs: 1 }, { data: out, off: 0, rs: b.cols }, false);
  return { rows: a.rows, cols: b.cols, data: out };
}

/** y = A·x. */
export function matvec(a: Mat, x: Float64Array): Float64Array {
  if (x.length !== a.cols) throw new Error(`matvec: x has length ${x.length}, expected a.cols = ${a.cols}`);
  const { rows: m, cols: n, data } = a;
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const o = i * n;
    let s0 = 0;
    let s1 = 0;
    let j = 0;
    for (; j + 1 < n; j += 2) {
      s0 += data[o + j] * x[j];
      s1 += data[o + j + 1] * x[j + 1];
    }
    if (j < n) s0 += data[o + j] * x[j];
    y[i] = s0 + s1;
  }
  return y;
}

/**
 * Cholesky factorization A = L Lᵀ of a symmetric positive definite matrix (GVL Alg. 4.2.1, the
 * row-oriented "dot product" form). Reads only the lower triangle of `a`. Backward stable:
 * L Lᵀ = A + E with ‖E‖ ≤ c·n·ε·‖A‖ (GVL Thm. 4.2.2). Throws, naming the failing pivot, if a pivot
 * is not strictly positive (A is not numerically positive definite).
 */
export function cholesky(a: Mat): Mat {
  const n = assertSquare('cholesky', 'a', a);
  const A = a.data;
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = A[ri + j];
      for (let k = 0; k < j; k++) s -= L[ri + k] * L[rj + k];
      if (j === i) {
        if (!(s > 0)) {
          throw new Error(
            `cholesky: matrix is not positive definite: pivot ${i} is ${s} (expected > 0; diagonal entry a[${i}][${i}] = ${A[ri + i]})`,
          );
        }
        L[ri + i] = Math.sqrt(s);
      } else {
        L[ri + j] = s / L[rj + j];
      }
    }
  }
  return { rows: n, cols: n, data: L };
}

/**
 * Solves (L Lᵀ) X = B for X given the Cholesky factor L (lower triangular) and a matrix right-hand
 * side B (n×r): forward substitution L Y = B, then back substitution Lᵀ X = Y (GVL §3.1). Both
 * sweeps combine whole rows of B, so the inner loops are contiguous.
 */
export function choleskySolve(l: Mat, b: Mat): Mat {
  const n = assertSquare('choleskySolve', 'l', l);
  if (b.rows !== n) throw new Error(`choleskySolve: b.rows (${b.rows}) must equal the order of l (${n})`);
  const r = b.cols;
  const L = l.data;
  const X = Float64Array.from(b.data);
  // forward: y_i = (b_i − Σ_{j<i} L_ij y_j) / L_ii
  for (let i = 0; i < n; i++) {
    const xi = i * r;
    for (let j = 0; j < i; j++) {
      const lij = L[i * n + j];
      if (lij === 0) continue;
      const xj = j * r;
      for (let c = 0; c < r; c++) X[xi + c] -= lij * X[xj + c];
    }
    const inv = 1 / L[i * n + i];
    for (let c = 0; c < r; c++) X[xi + c] *= inv;
  }
  // backward: x_i = (y_i − Σ_{j>i} L_ji x_j) / L_ii, done column-oriented: once x_i is final,
  // subtract L_ij x_i... from rows j < i (uses row i of L, contiguous).
  for (let i = n - 1; i >= 0; i--) {
    const xi = i * r;
    const inv = 1 / L[i * n + i];
    for (let c = 0; c < r; c++) X[xi + c] *= inv;
    for (let j = 0; j < i; j++) {
      const lij = L[i * n + j];
      if (lij === 0) continue;
      const xj = j * r;
      for (let c = 0; c < r; c++) X[xj + c] -= lij * X[xi + c];
    }
  }
  return { rows: n, cols: r, data: X };
}

/** Solves A X = B for symmetric positive definite A by Cholesky (no jitter is added; throws if A is not SPD). */
export function solveSpd(a: Mat, b: Mat): Mat {
  return choleskySolve(cholesky(a), b);
}

/**
 * A x = b for symmetric A, or null when A is not numerically positive definite or the solution is not
 * finite (for damped solvers that raise their damping and try again, e.g. Levenberg–Marquardt).
 */
export function trySolveSpd(a: Mat, b: Mat): Mat | null {
  let x: Mat;
  try {
    x = solveSpd(a, b);
  } catch {
    return null;
  }
  return x.data.every(Number.isFinite) ? x : null;
}

/** The portable TypeScript kernels: always available, the reference for every other backend. */
import type { Kernels } from './kernels.ts';
import type { FloatArray } from './mat.ts';

/** The rows and columns the 4×4 blocks of gemmStrided leave out, one dot product per entry. */
function gemmEdges(
  m: number,
  n: number,
  k: number,
  m4: number,
  n4: number,
  A: FloatArray,
  ais: number,
  aps: number,
  B: FloatArray,
  bps: number,
  bjs: number,
  C: FloatArray,
  acc: boolean,
): void {
  for (let i = 0; i < m; i++) {
    const jStart = i < m4 ? n4 : 0;
    const ai = i * ais;
    for (let j = jStart; j < n; j++) {
      let s = 0;
      const bj = j * bjs;
      for (let p = 0; p < k; p++) s += A[ai + p * aps] * B[p * bps + bj];
      const c = i * n + j;
      if (acc) C[c] += s;
      else C[c] = s;
    }
  }
}

/**
 * Strided 4×4 register-blocked product: C[i,j] (+)= Σ_p A[i·ais + p·aps] · B[p·bps + j·bjs].
 * Sixteen accumulators stay in registers across the k loop; measured ≈ 5 GFLOP/s in float64 on V8
 * for every transpose combination (vs ≈ 1.4 for the naive triple loop).
 */
function gemmStrided(
  m: number,
  n: number,
  k: number,
  A: FloatArray,
  ais: number,
  aps: number,
  B: FloatArray,
  bps: number,
  bjs: number,
  C: FloatArray,
  acc: boolean,
): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const a0 = i * ais;
    const a1 = a0 + ais;
    const a2 = a1 + ais;
    const a3 = a2 + ais;
    for (let j = 0; j < n4; j += 4) {
      let c00 = 0;
      let c01 = 0;
      let c02 = 0;
      let c03 = 0;
      let c10 = 0;
      let c11 = 0;
      let c12 = 0;
      let c13 = 0;
      let c20 = 0;
      let c21 = 0;
      let c22 = 0;
      let c23 = 0;
      let c30 = 0;
      let c31 = 0;
      let c32 = 0;
      let c33 = 0;
      const b0j = j * bjs;
      const b1j = b0j + bjs;
      const b2j = b1j + bjs;
      const b3j = b2j + bjs;
      for (let p = 0; p < k; p++) {
        const ap = p * aps;
        const bp = p * bps;
        const b0 = B[bp + b0j];
        const b1 = B[bp + b1j];
        const b2 = B[bp + b2j];
        const b3 = B[bp + b3j];
        const x0 = A[a0 + ap];
        const x1 = A[a1 + ap];
        const x2 = A[a2 + ap];
        const x3 = A[a3 + ap];
        c00 += x0 * b0;
        c01 += x0 * b1;
        c02 += x0 * b2;
        c03 += x0 * b3;
        c10 += x1 * b0;
        c11 += x1 * b1;
        c12 += x1 * b2;
        c13 += x1 * b3;
        c20 += x2 * b0;
        c21 += x2 * b1;
        c22 += x2 * b2;
        c23 += x2 * b3;
        c30 += x3 * b0;
        c31 += x3 * b1;
        c32 += x3 * b2;
        c33 += x3 * b3;
      }
      let c = i * n + j;
      if (acc) {
        C[c] += c00;
        C[c + 1] += c01;
        C[c + 2] += c02;
        C[c + 3] += c03;
        c += n;
        C[c] += c10;
        C[c + 1] += c11;
        C[c + 2] += c12;
        C[c + 3] += c13;
        c += n;
        C[c] += c20;
        C[c + 1] += c21;
        C[c + 2] += c22;
        C[c + 3] += c23;
        c += n;
        C[c] += c30;
        C[c + 1] += c31;
        C[c + 2] += c32;
        C[c + 3] += c33;
      } else {
        C[c] = c00;
        C[c + 1] = c01;
        C[c + 2] = c02;
        C[c + 3] = c03;
        c += n;
        C[c] = c10;
        C[c + 1] = c11;
        C[c + 2] = c12;
        C[c + 3] = c13;
        c += n;
        C[c] = c20;
        C[c + 1] = c21;
        C[c + 2] = c22;
        C[c + 3] = c23;
        c += n;
        C[c] = c30;
        C[c + 1] = c31;
        C[c + 2] = c32;
        C[c + 3] = c33;
      }
    }
  }
  // Edges: rows m4..m-1 for all columns, and columns n4..n-1 for rows 0..m4-1.
  if (m4 < m || n4 < n) gemmEdges(m, n, k, m4, n4, A, ais, aps, B, bps, bjs, C, acc);
}

export const jsKernels: Kernels = {
  name: 'js',
  gemm(transA, transB, m, n, k, a, b, c, accumulate) {
    // A element (i,p): transA ? a[p*m + i] : a[i*k + p]; B element (p,j): transB ? b[j*k + p] : b[p*n + j]
    const ais = transA ? 1 : k;
    const aps = transA ? m : 1;
    const bps = transB ? 1 : n;
    const bjs = transB ? k : 1;
    if (k === 0) {
      if (!accumulate) c.fill(0, 0, m * n);
      return;
    }
    gemmStrided(m, n, k, a, ais, aps, b, bps, bjs, c, accumulate);
  },
};


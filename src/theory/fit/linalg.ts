/**
 * Dense helpers for the tiny (k ≤ ~10) symmetric systems that law fits need: Cholesky solves for
 * Levenberg–Marquardt steps and Jacobi eigenvalues for identifiability checks. Matrices are row-major
 * Float64Array of size k·k. Browser-safe.
 */

/**
 * Solve A x = b for symmetric positive definite A by Cholesky (A = L Lᵀ). Returns null when A is not
 * numerically positive definite (a pivot ≤ 1e-300 or not finite), so callers can raise the damping.
 */
export function choleskySolve(a: Float64Array, b: Float64Array, k: number): Float64Array | null {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * k + j];
      for (let p = 0; p < j; p++) s -= l[i * k + p] * l[j * k + p];
      if (i === j) {
        if (!(s > 1e-300) || !Number.isFinite(s)) return null;
        l[i * k + i] = Math.sqrt(s);
      } else {
        l[i * k + j] = s / l[j * k + j];
      }
    }
  }
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[i];
    for (let p = 0; p < i; p++) s -= l[i * k + p] * y[p];
    y[i] = s / l[i * k + i];
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = y[i];
    for (let p = i + 1; p < k; p++) s -= l[p * k + i] * x[p];
    x[i] = s / l[i * k + i];
  }
  return x;
}

/** Inverse of an SPD matrix via k Cholesky solves; null if not positive definite. */
export function choleskyInverse(a: Float64Array, k: number): Float64Array | null {
  const inv = new Float64Array(k * k);
  const e = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    e.fill(0);
    e[j] = 1;
    const col = choleskySolve(a, e, k);
    if (!col) return null;
    for (let i = 0; i < k; i++) inv[i * k + j] = col[i];
  }
  return inv;
}

/** Eigenvalues of a symmetric k×k matrix by cyclic Jacobi rotations, ascending. Accurate to float error for k ≤ 10. */
export function symmetricEigenvalues(a: Float64Array, k: number): number[] {
  const m = Float64Array.from(a);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < k; p++) {
      diag += m[p * k + p] ** 2;
      for (let q = p + 1; q < k; q++) off += m[p * k + q] ** 2;
    }
    if (off <= 1e-32 * diag || off === 0) break;
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = m[p * k + q];
        if (apq === 0) continue;
        const theta = (m[q * k + q] - m[p * k + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < k; r++) {
          const arp = m[r * k + p];
          const arq = m[r * k + q];
          m[r * k + p] = c * arp - s * arq;
          m[r * k + q] = s * arp + c * arq;
        }
        for (let r = 0; r < k; r++) {
          const apr = m[p * k + r];
          const aqr = m[q * k + r];
          m[p * k + r] = c * apr - s * aqr;
          m[q * k + r] = s * apr + c * aqr;
        }
      }
    }
  }
  return Array.from({ length: k }, (_, i) => m[i * k + i]).sort((x, y) => x - y);
}

/**
 * Condition number of a symmetric positive semidefinite matrix after scaling it to unit diagonal
 * (D^{-1/2} H D^{-1/2}, i.e. the "correlation" form). The scaling removes the arbitrary units of the
 * parameters, so the number measures only how close the parameters are to being linearly confounded.
 * Returns Infinity when a diagonal entry or the smallest eigenvalue is ≤ 0 (exactly singular).
 */
export function normalizedConditionNumber(h: Float64Array, k: number): number {
  const d = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const v = h[i * k + i];
    if (!(v > 0) || !Number.isFinite(v)) return Number.POSITIVE_INFINITY;
    d[i] = 1 / Math.sqrt(v);
  }
  const s = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) s[i * k + j] = h[i * k + j] * d[i] * d[j];
  const ev = symmetricEigenvalues(s, k);
  const lo = ev[0];
  const hi = ev[k - 1];
  if (!(lo > 0)) return Number.POSITIVE_INFINITY;
  return hi / lo;
}

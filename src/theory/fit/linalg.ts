/**
 * The identifiability check of law fits: the condition number of a Gauss–Newton matrix in correlation form.
 * Linear algebra itself comes from src/core/linalg (eigvalsh, trySolveSpd). Browser-safe.
 */
import { eigvalsh } from '../../core/linalg.ts';

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
  const ev = eigvalsh({ rows: k, cols: k, data: s });
  const lo = ev[0];
  const hi = ev[k - 1];
  if (!(lo > 0)) return Number.POSITIVE_INFINITY;
  return hi / lo;
}

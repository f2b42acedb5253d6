/**
 * Ridge regression of a target on a fixed feature matrix with the ridge chosen on a validation set: the readout of
 * random features (Rahimi & Recht 2007) and of kernels. Browser-safe.
 */
import { kernels } from '../../core/kernels.ts';
import { eigh } from '../../core/linalg.ts';
import type { Mat } from '../../core/mat.ts';

export interface RidgeFit {
  coef: Float64Array;
  /** the chosen ridge λ (relative to the mean eigenvalue of HᵀH) */
  ridge: number;
  validationMse: number;
}

/** Mean squared error of H·coef against y. */
export function linearMse(H: Mat, coef: Float64Array, y: ArrayLike<number>): number {
  const pred = new Float64Array(H.rows);
  kernels().gemm(false, false, H.rows, 1, H.cols, H.data, coef, pred, false);
  let e = 0;
  for (let r = 0; r < H.rows; r++) e += (pred[r] - y[r]) ** 2;
  return e / H.rows;
}

function checkShapes(H: Mat, y: ArrayLike<number>, Hval: Mat, yval: ArrayLike<number>, ridges: readonly number[]): void {
  const fn = 'ridgeByValidation';
  if (y.length !== H.rows) throw new Error(`${fn}: y has length ${y.length}, expected H.rows = ${H.rows}`);
  if (Hval.cols !== H.cols || yval.length !== Hval.rows) throw new Error(`${fn}: Hval must be ${yval.length} × ${H.cols}, got ${Hval.rows} × ${Hval.cols}`);
  if (ridges.length === 0 || ridges.some((r) => !(r >= 0))) throw new Error(`${fn}: ridges must be a non-empty list of values ≥ 0, got [${ridges.join(', ')}]`);
}

/**
 * Ridge regression of y on features H (n × p): coef = (HᵀH + λ·tr(HᵀH)/p·I)^{−1}Hᵀy for each λ in `ridges` through
 * one eigendecomposition of HᵀH (eigen-directions with no weight are dropped: λ = 0 gives the min-norm solution);
 * λ chosen by the mean squared error on (Hval, yval).
 */
export function ridgeByValidation(H: Mat, y: ArrayLike<number>, Hval: Mat, yval: ArrayLike<number>, ridges: readonly number[]): RidgeFit {
  checkShapes(H, y, Hval, yval, ridges);
  const p = H.cols;
  const G = new Float64Array(p * p);
  kernels().gemm(true, false, p, p, H.rows, H.data, H.data, G, false);
  const hy = new Float64Array(p);
  for (let r = 0; r < H.rows; r++) {
    const yr = y[r];
    const off = r * p;
    for (let i = 0; i < p; i++) hy[i] += H.data[off + i] * yr;
  }
  const { values, vectors } = eigh({ rows: p, cols: p, data: G });
  const V = vectors.data;
  const proj = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < p; i++) s += V[i * p + j] * hy[i];
    proj[j] = s;
  }
  const meanEig = values.reduce((s, v) => s + v, 0) / p;
  let best: RidgeFit | null = null;
  for (const lam of ridges) {
    const coef = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      const denom = Math.max(values[j], 0) + lam * meanEig;
      if (!(denom > 1e-12 * meanEig)) continue; // drop the null space (min-norm solution)
      const f = proj[j] / denom;
      for (let i = 0; i < p; i++) coef[i] += V[i * p + j] * f;
    }
    const e = linearMse(Hval, coef, yval);
    if (best === null || e < best.validationMse) best = { coef, ridge: lam, validationMse: e };
  }
  return best as RidgeFit;
}

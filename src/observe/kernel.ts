/**
 * Tangent-kernel instruments: the empirical NTK of a model on a batch, kernel–target alignment, relative
 * weight and kernel change (how lazy a run was). Browser-safe.
 *
 * - Empirical NTK Θ(xᵢ, xⱼ) = ⟨∂f(xᵢ)/∂θ, ∂f(xⱼ)/∂θ⟩ (Jacot, Gabriel & Hongler 2018), a thin wrapper over
 *   `empiricalNtkMatrix` (src/core/autodiff.ts) that returns a `Mat`. It is the kernel of plain gradient
 *   descent; with per-parameter learning rates ηₚ = η·sₚ the kernel that drives the function is J S Jᵀ, which
 *   equals s·Θ when every sₚ = s (callers with unequal scales must weight the blocks themselves).
 * - Kernel–target alignment A(K, y) = yᵀKy / (‖K‖_F ‖y‖²) = ⟨K, yyᵀ⟩_F / (‖K‖_F ‖yyᵀ‖_F) (Cristianini,
 *   Shawe-Taylor, Elisseeff & Kandola 2002, "On kernel-target alignment"; used for the NTK by Baratin et al.
 *   2021 and Atanasov, Bordelon & Pehlevan 2022, "Neural networks as kernel learners: the silent alignment
 *   effect"). Uncentered; in [−1, 1], equal to 1 iff K ∝ yyᵀ, invariant to K → cK (c > 0) and y → cy.
 * - Relative weight change ‖θ_T − θ₀‖/‖θ₀‖ and relative kernel change ‖K_T − K₀‖_F/‖K₀‖_F (Chizat, Oyallon &
 *   Bach 2019; Lee et al. 2019): both → 0 in the lazy limit.
 * Kernel regression with a measured kernel and gradient descent of the linearized model under a fixed
 * kernel are dynamics, not instruments: they live with the other closed forms in src/theory/linearized.ts.
 */
import { empiricalNtkMatrix } from '../core/autodiff.ts';
import type { FloatArray, Mat } from '../core/mat.ts';
import type { Tensor } from '../core/tensor.ts';
import { checkMat } from './matrix.ts';

/** Throws unless `v` is an array of finite numbers (of `length` entries, when given). */
export function checkVector(v: ArrayLike<number>, field: string, length?: number): void {
  if (v === null || v === undefined || typeof v.length !== 'number') throw new Error(`${field}: expected an array of numbers, got ${String(v)}`);
  if (length !== undefined && v.length !== length) throw new Error(`${field}: has ${v.length} entries, expected ${length}`);
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new Error(`${field}: entry ${i} is ${v[i]}, expected a finite number`);
}

/** Throws unless `k` is a square matrix of finite numbers. */
export function checkSquare(k: Mat, field: string): void {
  checkMat(k, field);
  if (k.rows !== k.cols) throw new Error(`${field}: is ${k.rows}×${k.cols}, expected a square matrix`);
}

function frobenius(data: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i] * data[i];
  return Math.sqrt(s);
}

/**
 * Empirical NTK of the outputs of `f` (a function of `params` returning [batch] or [batch, outputs]) on
 * its batch, as a batch × batch `Mat`. For several outputs per example pass `outputIndex`.
 */
export function empiricalNtk(f: () => Tensor, params: Tensor[], batch: number, outputIndex?: number): Mat {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`empiricalNtk: batch must be a positive integer, got ${batch}`);
  return { rows: batch, cols: batch, data: empiricalNtkMatrix(f, params, batch, outputIndex) };
}

/** A(K, y) = yᵀKy / (‖K‖_F ‖y‖²). */
export function kernelTargetAlignment(K: Mat, y: ArrayLike<number>): number {
  checkSquare(K, 'K');
  checkVector(y, 'y', K.rows);
  const n = K.rows;
  let quad = 0;
  let yy = 0;
  for (let i = 0; i < n; i++) {
    yy += y[i] * y[i];
    let row = 0;
    for (let j = 0; j < n; j++) row += K.data[i * n + j] * y[j];
    quad += y[i] * row;
  }
  const kf = frobenius(K.data);
  if (!(kf > 0)) throw new Error('kernelTargetAlignment: K is the zero matrix, alignment is undefined');
  if (!(yy > 0)) throw new Error('kernelTargetAlignment: y is the zero vector, alignment is undefined');
  return quad / (kf * yy);
}

/** ‖θ_T − θ₀‖ / ‖θ₀‖ over all parameter blocks (same block shapes in both lists). */
export function relativeWeightChange(theta0: readonly ArrayLike<number>[], thetaT: readonly ArrayLike<number>[]): number {
  if (theta0.length !== thetaT.length) throw new Error(`relativeWeightChange: theta0 has ${theta0.length} blocks and thetaT ${thetaT.length}, expected the same`);
  let num = 0;
  let den = 0;
  theta0.forEach((b0, i) => {
    const bT = thetaT[i];
    if (b0.length !== bT.length) throw new Error(`relativeWeightChange: block ${i} has ${b0.length} entries in theta0 and ${bT.length} in thetaT`);
    for (let j = 0; j < b0.length; j++) {
      num += (bT[j] - b0[j]) ** 2;
      den += b0[j] ** 2;
    }
  });
  if (!(den > 0)) throw new Error('relativeWeightChange: theta0 is all zeros, the relative change is undefined');
  return Math.sqrt(num / den);
}

/** ‖K_T − K₀‖_F / ‖K₀‖_F. */
export function relativeKernelChange(K0: Mat, KT: Mat): number {
  checkMat(K0, 'K0');
  checkMat(KT, 'KT');
  if (K0.rows !== KT.rows || K0.cols !== KT.cols) throw new Error(`relativeKernelChange: K0 is ${K0.rows}×${K0.cols} and KT ${KT.rows}×${KT.cols}, expected the same shape`);
  const d = new Float64Array(K0.data.length);
  for (let i = 0; i < d.length; i++) d[i] = KT.data[i] - K0.data[i];
  const n0 = frobenius(K0.data);
  if (!(n0 > 0)) throw new Error('relativeKernelChange: K0 is the zero matrix, the relative change is undefined');
  return frobenius(d) / n0;
}

/** Copy of every parameter block (for weight-change measurements). */
export function snapshotParams(params: readonly { data: FloatArray }[]): Float64Array[] {
  return params.map((p) => Float64Array.from(p.data));
}

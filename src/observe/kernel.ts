/**
 * Tangent-kernel instruments: the empirical NTK of a model on a batch, kernel–target alignment, relative
 * weight and kernel change (how lazy a run was), kernel regression with a measured kernel, and gradient
 * descent of the linearized model under a fixed kernel. Browser-safe.
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
 * - Kernel regression f(x) = K(x, X) (K(X, X) + δI)⁺ y, through an eigendecomposition with a relative
 *   cutoff for the pseudo-inverse (δ = 0: the minimum-RKHS-norm interpolant, the t → ∞ limit of kernel
 *   gradient flow from zero; Jacot et al. 2018).
 * - Linearized gradient descent: residuals r_{t+1} = (I − ηK) r_t of the model linearized around θ₀ with
 *   K = J Jᵀ, and the parameter displacement of that model, Δθ_T = −η Jᵀ Σ_{t<T} r_t, whose norm needs only K:
 *   ‖Δθ_T‖² = η² sᵀ K s with s = Σ_{t<T} r_t = Σ_k q_k (1 − (1 − ηλ_k)^T)/(ηλ_k) · η q_kᵀ r₀ in K's eigenbasis
 *   (Lee et al. 2019, "Wide neural networks of any depth evolve as linear models under gradient descent").
 */
import { empiricalNtkMatrix } from '../core/autodiff.ts';
import { eigh } from '../core/linalg.ts';
import type { FloatArray, Mat } from '../core/mat.ts';
import type { Tensor } from '../core/tensor.ts';
import { checkMat } from './matrix.ts';

function checkVector(v: ArrayLike<number>, field: string, length?: number): void {
  if (v === null || v === undefined || typeof v.length !== 'number') throw new Error(`${field}: expected an array of numbers, got ${String(v)}`);
  if (length !== undefined && v.length !== length) throw new Error(`${field}: has ${v.length} entries, expected ${length}`);
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new Error(`${field}: entry ${i} is ${v[i]}, expected a finite number`);
}

function checkSquare(k: Mat, field: string): void {
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

export interface KernelRegressionOptions {
  /** ridge δ ≥ 0 added to the diagonal (default 0) */
  ridge?: number;
  /** eigenvalues below rcond·λ_max are treated as zero in the pseudo-inverse (default 1e-12) */
  rcond?: number;
}

/**
 * Kernel regression predictions f(x_test) = K(X_test, X) (K(X, X) + δI)⁺ y.
 * `kTrain`: n × n, `kCross`: m × n (rows: test points), `y`: n targets.
 */
export function kernelRegression(kTrain: Mat, kCross: Mat, y: ArrayLike<number>, opts: KernelRegressionOptions = {}): Float64Array {
  checkSquare(kTrain, 'kTrain');
  checkMat(kCross, 'kCross');
  const n = kTrain.rows;
  if (kCross.cols !== n) throw new Error(`kernelRegression: kCross has ${kCross.cols} columns, expected ${n} (one per training point)`);
  checkVector(y, 'y', n);
  const ridge = opts.ridge ?? 0;
  const rcond = opts.rcond ?? 1e-12;
  if (!(ridge >= 0) || !Number.isFinite(ridge)) throw new Error(`kernelRegression: ridge must be a finite number ≥ 0, got ${ridge}`);
  if (!(rcond >= 0) || !Number.isFinite(rcond)) throw new Error(`kernelRegression: rcond must be a finite number ≥ 0, got ${rcond}`);
  const A = Float64Array.from(kTrain.data);
  for (let i = 0; i < n; i++) A[i * n + i] += ridge;
  const { values, vectors } = eigh({ rows: n, cols: n, data: A });
  const lmax = Math.max(...Array.from(values, Math.abs));
  // c = V diag(1/λ) Vᵀ y over the kept eigenvalues
  const c = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const lam = values[k];
    if (!(Math.abs(lam) > rcond * lmax)) continue;
    let proj = 0;
    for (let i = 0; i < n; i++) proj += vectors.data[i * n + k] * y[i];
    const coef = proj / lam;
    for (let i = 0; i < n; i++) c[i] += vectors.data[i * n + k] * coef;
  }
  const m = kCross.rows;
  const out = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += kCross.data[t * n + i] * c[i];
    out[t] = s;
  }
  return out;
}

export interface LinearizedGdResult {
  /** steps taken (the given `steps`, or the first step count reaching `untilLossRatio`) */
  steps: number;
  /** r_T = (I − ηK)^T r₀ */
  residual: Float64Array;
  /** ‖r_T‖² / ‖r₀‖² */
  lossRatio: number;
  /** ‖Δθ_T‖ of the linearized model, √(η² sᵀKs) with s = Σ_{t<T} r_t */
  displacement: number;
}

/**
 * Gradient descent on ½‖f − y‖² of the model linearized at θ₀, whose Gram matrix is K = J Jᵀ (n × n, the
 * kernel that multiplies the residual in r_{t+1} = (I − ηK) r_t), from the initial residual r₀ = f₀ − y.
 * Runs `steps` steps, or (with `untilLossRatio`) the fewest steps T ≤ maxSteps with ‖r_T‖² ≤ ratio·‖r₀‖².
 */
export function linearizedGradientDescent(
  K: Mat,
  r0: ArrayLike<number>,
  eta: number,
  opts: { steps: number } | { untilLossRatio: number; maxSteps: number },
): LinearizedGdResult {
  checkSquare(K, 'K');
  const n = K.rows;
  checkVector(r0, 'r0', n);
  if (!(eta > 0) || !Number.isFinite(eta)) throw new Error(`linearizedGradientDescent: eta must be a positive finite number, got ${eta}`);
  const { values, vectors } = eigh(K);
  const proj = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let p = 0;
    for (let i = 0; i < n; i++) p += vectors.data[i * n + k] * r0[i];
    proj[k] = p;
  }
  const r0sq = proj.reduce((a, p) => a + p * p, 0);
  let T: number;
  if ('steps' in opts) {
    if (!Number.isInteger(opts.steps) || opts.steps < 0) throw new Error(`linearizedGradientDescent: steps must be a non-negative integer, got ${opts.steps}`);
    T = opts.steps;
  } else {
    const { untilLossRatio: ratio, maxSteps } = opts;
    if (!(ratio > 0 && ratio < 1)) throw new Error(`linearizedGradientDescent: untilLossRatio must be in (0, 1), got ${ratio}`);
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new Error(`linearizedGradientDescent: maxSteps must be a positive integer, got ${maxSteps}`);
    // ‖r_T‖² = Σ_k (q_kᵀr₀)² (1 − ηλ_k)^{2T}: advance the per-mode factors one step at a time
    const e2 = proj.map((p) => p * p);
    const g2 = values.map((l) => (1 - eta * l) ** 2);
    T = 0;
    let loss = r0sq;
    while (T < maxSteps && loss > ratio * r0sq) {
      loss = 0;
      for (let k = 0; k < n; k++) {
        e2[k] *= g2[k];
        loss += e2[k];
      }
      T++;
    }
  }
  const residual = new Float64Array(n);
  let rsq = 0;
  let quad = 0;
  for (let k = 0; k < n; k++) {
    const g = 1 - eta * values[k];
    const rk = proj[k] * g ** T;
    rsq += rk * rk;
    // Σ_{t<T} g^t = (1 − g^T)/(1 − g) = (1 − g^T)/(ηλ); → T as ηλ → 0
    const sk = Math.abs(eta * values[k]) < 1e-14 ? proj[k] * T : (proj[k] * (1 - g ** T)) / (eta * values[k]);
    quad += values[k] * sk * sk;
    for (let i = 0; i < n; i++) residual[i] += vectors.data[i * n + k] * rk;
  }
  return { steps: T, residual, lossRatio: r0sq > 0 ? rsq / r0sq : 0, displacement: eta * Math.sqrt(Math.max(0, quad)) };
}

/** Copy of every parameter block (for weight-change measurements). */
export function snapshotParams(params: readonly { data: FloatArray }[]): Float64Array[] {
  return params.map((p) => Float64Array.from(p.data));
}

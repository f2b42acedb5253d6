/**
 * Preconditioned sharpness: the stability quantity of adaptive optimizers (Cohen, Ghorbani, Krishnan,
 * Agarwal, Medapati, Badura, Suo, Cardoze, Nado, Dahl & Gilmer 2022, "Adaptive gradient methods at the edge
 * of stability", arXiv 2207.14484).
 *
 * Adam (Kingma & Ba 2015, as in src/nn/optim.ts) updates θ ← θ − η m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ),
 * v̂ = v/(1 − β₂ᵗ) and m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g². Cohen et al. write this as
 *     θ ← θ − η P⁻¹ m,    P = (1 − β₁ᵗ) diag(√v̂ + ε),
 * i.e. EMA-momentum gradient descent preconditioned by P. If P is frozen, on a quadratic with Hessian H this
 * is heavy-ball momentum with step η(1 − β₁) on the matrix P⁻¹H, stable iff every eigenvalue λ of P⁻¹H obeys
 *     η(1 − β₁) λ < 2 + 2β₁   ⇔   λ < (2 + 2β₁) / ((1 − β₁) η)   (= 38/η for β₁ = 0.9),
 * (the heavy-ball characteristic polynomial z² − (1 + β − αλ)z + β has its roots inside the unit circle iff
 * 0 < αλ < 2 + 2β). Cohen et al. find that Adam's preconditioned sharpness λ_max(P⁻¹H) rises to this
 * threshold and hovers there ("adaptive edge of stability").
 *
 * P⁻¹H is not symmetric, but it is similar to P^{−1/2} H P^{−1/2} (same eigenvalues, all real), which is
 * symmetric, so λ_max comes from Lanczos on v ↦ P^{−1/2} H (P^{−1/2} v) with exact Hessian-vector products.
 * η is kept out of P (Cohen et al.'s convention), so the result is compared with (2 + 2β₁)/((1 − β₁)η), which
 * `adamStabilityThreshold` returns; folding η into P (P/η) would give the dimensionless threshold 38 instead.
 */
import { hessianOperator, paramCount } from '../core/autodiff.ts';
import { type LinearOperator, lanczos } from '../core/linalg.ts';
import type { Tensor } from '../core/tensor.ts';
import type { AdamState } from '../nn/optim.ts';
import type { SharpnessOptions } from './hessian.ts';

/** (2 + 2β₁)/((1 − β₁)η): the largest stable λ(P⁻¹H) for EMA momentum with step η (38/η at β₁ = 0.9). */
export function adamStabilityThreshold(eta: number, beta1 = 0.9): number {
  if (!(eta > 0)) throw new Error(`adamStabilityThreshold: eta must be > 0, got ${eta}`);
  if (!(beta1 >= 0 && beta1 < 1)) throw new Error(`adamStabilityThreshold: beta1 must be in [0, 1), got ${beta1}`);
  return (2 + 2 * beta1) / ((1 - beta1) * eta);
}

function checkPreconditioner(fn: string, diag: Float64Array, n: number): void {
  if (diag.length !== n) throw new Error(`${fn}: preconditioner has ${diag.length} entries, expected ${n} (one per parameter)`);
  for (let i = 0; i < n; i++) {
    if (!(diag[i] > 0) || !Number.isFinite(diag[i])) throw new Error(`${fn}: preconditioner[${i}] = ${diag[i]}, expected a finite number > 0`);
  }
}

/** v ↦ P^{−1/2} H P^{−1/2} v for a positive diagonal P given as one flat vector (parameter order). */
export function preconditionedHessianOperator(loss: () => Tensor, params: Tensor[], preconditioner: Float64Array): LinearOperator {
  const n = paramCount(params);
  checkPreconditioner('preconditionedHessianOperator', preconditioner, n);
  const d = preconditioner.map((p) => 1 / Math.sqrt(p));
  const H = hessianOperator(loss, params);
  return (v) => {
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) w[i] = d[i] * v[i];
    const hw = H(w);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = d[i] * hw[i];
    return out;
  };
}

/** λ_max(P⁻¹H) = λ_max(P^{−1/2} H P^{−1/2}) at the current parameters (Lanczos on exact HVPs). */
export function preconditionedSharpness(loss: () => Tensor, params: Tensor[], preconditioner: Float64Array, opts: SharpnessOptions): number {
  const n = paramCount(params);
  const res = lanczos(preconditionedHessianOperator(loss, params, preconditioner), n, { k: 1, maxIter: Math.min(opts.maxIter ?? 20, n), tol: opts.tol ?? 1e-8, rng: opts.rng, which: 'largest' });
  return res.values[0];
}

export interface AdamPreconditionerOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/**
 * Adam's diagonal preconditioner P = (1 − β₁ᵗ)(√v̂ + ε), v̂ = v/(1 − β₂ᵗ), flattened in parameter order, from
 * the optimizer state of src/nn/optim.ts (use the same β₁, β₂, ε as the optimizer). Requires t ≥ 1.
 */
export function adamPreconditioner(state: AdamState, opts: AdamPreconditionerOptions = {}): Float64Array {
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  if (!Number.isInteger(state.t) || state.t < 1) throw new Error(`adamPreconditioner: state.t = ${state.t}, expected an integer ≥ 1 (take at least one Adam step first)`);
  if (!(b1 >= 0 && b1 < 1)) throw new Error(`adamPreconditioner: beta1 must be in [0, 1), got ${b1}`);
  if (!(b2 >= 0 && b2 < 1)) throw new Error(`adamPreconditioner: beta2 must be in [0, 1), got ${b2}`);
  if (!(eps >= 0)) throw new Error(`adamPreconditioner: eps must be ≥ 0, got ${eps}`);
  const c1 = 1 - b1 ** state.t;
  const c2 = 1 - b2 ** state.t;
  let n = 0;
  for (const v of state.v) n += v.length;
  const out = new Float64Array(n);
  let o = 0;
  for (const v of state.v) {
    for (let j = 0; j < v.length; j++) out[o + j] = c1 * (Math.sqrt(v[j] / c2) + eps);
    o += v.length;
  }
  return out;
}

/** Adam's preconditioned sharpness λ_max(P⁻¹H) at the current parameters; compare with adamStabilityThreshold(η, β₁). */
export function adamPreconditionedSharpness(loss: () => Tensor, params: Tensor[], state: AdamState, opts: SharpnessOptions & AdamPreconditionerOptions): number {
  return preconditionedSharpness(loss, params, adamPreconditioner(state, opts), opts);
}

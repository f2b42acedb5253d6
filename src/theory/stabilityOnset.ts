/**
 * Where full-batch gradient descent enters the edge of stability (Cohen, Kaur, Li, Kolter & Talwalkar 2021), for
 * validity maps (issue 16). GD with step η is stable on the local quadratic model iff the sharpness
 * S = λ_max(∇²L) < 2/η. Progressive sharpening raises S along the gradient-flow path, so GD follows the flow (and the
 * edge-of-stability picture has nothing to say) as long as the sharpness the flow reaches stays under 2/η; it enters
 * the edge of stability when 2/η falls below that sharpness: the onset is η* = 2/S_flow.
 *
 * S_flow is found by following the flow itself with GD at half its own stability limit, h = 1/S (re-measured at
 * every checkpoint): on the top direction a step 1/S removes the component in one step without oscillation, and
 * directions with smaller curvature follow the flow to O(hλ) per unit time. This is one training run (about
 * S·τ steps of plain GD), the cost of a validity-map boundary that needs the flow's own sharpening: no closed
 * form predicts progressive sharpening for a finite network.
 */
import type { Rng } from '../core/random.ts';
import type { Tensor } from '../core/tensor.ts';
import { sgd } from '../nn/optim.ts';
import { fit } from '../nn/train.ts';
import { sharpness } from '../observe/hessian.ts';

export interface FlowSharpnessOptions {
  /** continuous time τ to follow the flow for */
  tau: number;
  /** sharpness checkpoints along the way (the step is re-set at each) */
  checkpoints: number;
  rng: Rng;
  lanczosIters?: number;
  signal?: AbortSignal;
}

/** The largest sharpness seen along the gradient flow of `loss` over time τ (module comment). */
export function flowSharpness(loss: () => Tensor, params: Tensor[], opts: FlowSharpnessOptions): number {
  if (!(opts.tau > 0) || !Number.isFinite(opts.tau)) throw new Error(`flowSharpness: tau must be a positive finite number, got ${opts.tau}`);
  if (!Number.isInteger(opts.checkpoints) || opts.checkpoints < 1) throw new Error(`flowSharpness: checkpoints must be a positive integer, got ${opts.checkpoints}`);
  const measure = (k: number) => sharpness(loss, params, { rng: opts.rng.child('flow-sharpness', k), maxIter: opts.lanczosIters ?? 20 });
  let S = measure(0);
  let top = S;
  for (let k = 1; k <= opts.checkpoints; k++) {
    if (!(S > 0)) throw new Error(`flowSharpness: the sharpness must be positive to set the flow's step, got ${S} at checkpoint ${k - 1}`);
    const h = 1 / S;
    fit({ params, loss, optimizer: sgd(h), steps: Math.max(1, Math.ceil(opts.tau / opts.checkpoints / h)), signal: opts.signal });
    S = measure(k);
    top = Math.max(top, S);
  }
  return top;
}

/** The step above which GD enters the edge of stability, given the sharpness the flow reaches: 2/S_flow. */
export function edgeOfStabilityOnset(flowSharpnessValue: number): number {
  if (!(flowSharpnessValue > 0) || !Number.isFinite(flowSharpnessValue)) throw new Error(`edgeOfStabilityOnset: the flow's sharpness must be a positive finite number, got ${flowSharpnessValue}`);
  return 2 / flowSharpnessValue;
}

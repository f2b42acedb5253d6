/**
 * The trainer: the one gradient-descent loop of the project. Every study, protocol and sweep that
 * trains calls `fit` (a study whose point is its own integrator says so in its header).
 *
 *   fit({ params, loss, optimizer, steps, batches?, evalAt?, onEval?, onStep?, divergence?, signal? })
 *
 * Step t (1-based) draws batch `batches(t)` (if given), evaluates `loss(batch, t)` and its gradient by
 * reverse mode, and moves the parameters by the optimizer chain. Evaluation happens at step 0 (before
 * any update) and after step t for every t in the schedule, and always after the last step: `onEval`
 * sees the parameters as they are after t updates, and may return `'stop'`. `onStep` sees the loss of
 * the batch the step was computed on (the value before the step). A non-finite or too large loss ends
 * the run as *diverged*, recorded in the result rather than thrown: a diverged run is data. The abort
 * signal is checked before every step.
 *
 * Batched training of K same-shape networks (./batchedMlp.ts) goes through the same loop: the loss is the
 * sum of the K networks' losses, and the optimizer carries per-network learning rates (`slices` = K).
 */
import { valueAndGrad } from '../core/autodiff.ts';
import type { FloatArray } from '../core/mat.ts';
import { recycleBuffers, type Tensor } from '../core/tensor.ts';
import { type Optimizer, OptimizerState } from './optim.ts';

/** When to evaluate: every n steps, at the listed steps, or when the predicate says so. */
export type EvalSchedule = number | readonly number[] | ((step: number) => boolean);

export interface DivergenceRule {
  /** the loss above which a run has diverged (default +∞: only non-finite losses) */
  maxLoss?: number;
}

export interface FitOptions<B> {
  params: Tensor[];
  /** the scalar training loss on a batch (builds the graph from the parameter leaves) */
  loss: (batch: B, step: number) => Tensor;
  optimizer: Optimizer | OptimizerState;
  steps: number;
  /** the batch of step t (1-based); omitted for full-batch losses that close over their data */
  batches?: (step: number) => B;
  evalAt?: EvalSchedule;
  /** parameters after `step` updates; return 'stop' to end the run */
  onEval?: (step: number) => unknown;
  /**
   * the loss of step t's batch, before its update; return 'stop' to end the run. `grads` are valid during the call
   * only: the update rewrites them and the next step's pass reuses their arrays (copy what must outlive it)
   */
  onStep?: (step: number, loss: number, grads: FloatArray[]) => unknown;
  divergence?: DivergenceRule;
  signal?: AbortSignal;
}

export interface FitResult {
  /** updates taken */
  steps: number;
  /** the loss of the last step's batch (NaN if no step ran) */
  lastLoss: number;
  /** set when the loss left the divergence rule: the step and the loss */
  diverged: { step: number; loss: number } | null;
  /** the run ended on a 'stop' from a callback */
  stopped: boolean;
}

/** Thrown when the abort signal fires; the CLI and the pool treat it as a cancelled run, not an error. */
export class AbortError extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortError';
  }
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AbortError();
}

export function isEvalStep(schedule: EvalSchedule | undefined, step: number): boolean {
  if (schedule === undefined) return false;
  if (typeof schedule === 'number') return schedule > 0 && step % schedule === 0;
  if (typeof schedule === 'function') return schedule(step);
  return schedule.includes(step);
}

/**
 * After the update nothing reads a step's gradients (float64 ones were rewritten into the update itself): their
 * arrays go to the buffer pool, so the next step's gradients take them back instead of allocating (PyTorch's
 * caching allocator does the same for its `.grad`s).
 */
export function releaseGradients(params: Tensor[], grads: FloatArray[]): void {
  for (const p of params) p.grad = null;
  recycleBuffers(grads);
}

export function fit<B = undefined>(o: FitOptions<B>): FitResult {
  if (!(Number.isInteger(o.steps) && o.steps >= 0)) throw new Error(`fit: steps = ${o.steps}, expected a non-negative integer`);
  const opt = o.optimizer instanceof OptimizerState ? o.optimizer : new OptimizerState(o.optimizer);
  const arrays = o.params.map((p) => p.data);
  const maxLoss = o.divergence?.maxLoss ?? Number.POSITIVE_INFINITY;
  const result: FitResult = { steps: 0, lastLoss: Number.NaN, diverged: null, stopped: false };
  const evalSet = typeof o.evalAt === 'object' ? new Set(o.evalAt) : null;
  const evalNow = (t: number) => (evalSet ? evalSet.has(t) : isEvalStep(o.evalAt, t));
  if (o.onEval && (evalNow(0) || o.steps === 0) && o.onEval(0) === 'stop') return { ...result, stopped: true };
  for (let t = 1; t <= o.steps; t++) {
    throwIfAborted(o.signal);
    const batch = o.batches ? o.batches(t) : (undefined as B);
    const { value, grads } = valueAndGrad(() => o.loss(batch, t), o.params);
    result.lastLoss = value;
    if (!Number.isFinite(value) || value > maxLoss) {
      result.diverged = { step: t, loss: value };
      return result;
    }
    const stepStop = o.onStep?.(t, value, grads) === 'stop';
    opt.step(arrays, grads);
    releaseGradients(o.params, grads);
    result.steps = t;
    if (o.onEval && (evalNow(t) || t === o.steps || stepStop) && o.onEval(t) === 'stop') return { ...result, stopped: true };
    if (stepStop) return { ...result, stopped: true };
  }
  return result;
}

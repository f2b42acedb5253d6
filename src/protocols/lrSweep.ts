/**
 * Loss-against-learning-rate sweeps, the observable of hyperparameter transfer (Yang et al. 2021/2022,
 * "Tensor Programs V", Figure 1/Figure 5 of the learning-mechanics paper; Bordelon et al. 2023 and
 * Yang et al. 2023 for depth): train the same architecture at several sizes over a grid of learning
 * rates and locate the optimum at each size.
 *
 * Training is online (a fresh minibatch from a synthetic teacher at every step), so the training loss is
 * the population loss and cannot be driven to zero by interpolation: the loss after T steps falls with η
 * while the step is stable and rises once it is not, which gives a well-defined interior optimum.
 * The teacher is y = Σ_{j<k} a_j tanh(2 u_jᵀx) with orthonormal u_j and a_j ~ N(0, 1/k) (a smooth
 * multi-index target without saddle plateaus: every term has a linear Hermite component, so the loss
 * falls smoothly rather than in steps that would make the argmin jump).
 *
 * A sweep is many small runs of one architecture: `trainOnlineSweep` trains the (η, init) runs of one
 * width as batched models of up to 16 MLPs (src/nn/batchedMlp.ts), each run's result equal bit for bit
 * to its separate `trainOnline` run; `batched: false` keeps the one-by-one path for comparison.
 * Both go through the trainer `fit` (src/nn/train.ts); a run diverges when a batch loss is non-finite or
 * exceeds `divergeFactor` times its first batch loss (`exceedsLimit`, the one check of both paths).
 */
import type { FloatArray } from '../core/mat.ts';
import * as op from '../core/ops.ts';
import type { Rng } from '../core/random.ts';
import { type DType, tensor } from '../core/tensor.ts';
import { type TeacherTask, tanhIndexTeacher } from '../data/teacher.ts';
import { type TeacherBatch, teacherBatch } from '../data/teacherStream.ts';
import { type BatchedMlp, batchedMlp } from '../nn/batchedMlp.ts';
import type { Model } from '../nn/model.ts';
import { type OptimizerConfig, OptimizerState, optimizerFromConfig } from '../nn/optim.ts';
import type { OptimizerFamily, Parameterization } from '../nn/parameterization.ts';
import { fit } from '../nn/train.ts';
import { buildModel, type ModelSpec } from './coordCheck.ts';
import { halfSquaredError } from './onlineTeacher.ts';

/** The smooth multi-index teacher of the module comment (inputs x ~ N(0, I_d), a_j ~ N(0, 1/k)). */
export function tanhTeacher(d: number, k: number, rng: Rng): TeacherTask {
  return tanhIndexTeacher(d, k, rng, { coefficients: 'gaussian' });
}

/** Weight decay of a sweep's runs (default none). */
export interface SweepDecay {
  /** λ: decoupled (AdamW) with Adam, coupled L2 with SGD */
  weightDecay?: number;
  /** AdamW's decay by η·λ·θ without the per-layer multipliers (see `OptimizerConfig.independentDecay`) */
  independentDecay?: boolean;
}

/** The optimizer config of one run: the family at rate `lr`, AdamW when Adam runs with weight decay. */
export function sweepOptimizerConfig(optimizer: OptimizerFamily, lr: number, decay: SweepDecay = {}): OptimizerConfig {
  const wd = decay.weightDecay ?? 0;
  if (wd === 0 && decay.independentDecay !== true) return { kind: optimizer, lr };
  const independent = decay.independentDecay === true ? { independentDecay: true } : {};
  return { kind: optimizer === 'adam' ? 'adamw' : optimizer, lr, weightDecay: wd, ...independent };
}

export interface OnlineRunOptions extends SweepDecay {
  net: Model;
  optimizer: OptimizerFamily;
  lr: number;
  steps: number;
  batch: number;
  task: TeacherTask;
  /** stream of training batches (batch t uses rng.child(t): identical across the runs that share it) */
  rng: Rng;
  /**
   * The final loss is the mean batch loss over the last ⌈tailFraction·steps⌉ steps (default 0.25). Each
   * batch is fresh and is scored before the step that uses it, so each term is an unbiased estimate of
   * the population loss of the current iterate; averaging the tail removes most of the step-to-step
   * jitter of a single end point.
   */
  tailFraction?: number;
  /** storage of the batches; match the model's (default f64) */
  dtype?: DType;
  /** abort as diverged when a batch loss exceeds this multiple of the first batch loss (default 1e3) */
  divergeFactor?: number;
  signal?: AbortSignal;
}

export interface OnlineRunResult {
  /** tail-averaged population ½·MSE (see tailFraction); +∞ if the run diverged */
  finalLoss: number;
  /** the first batch's loss */
  initialLoss: number;
  diverged: boolean;
  /** batch loss at every step (up to the divergence) */
  curve: number[];
}

/** Whether a batch loss ends a run as diverged: non-finite, or above `factor` × the run's first batch loss. */
export function exceedsLimit(value: number, first: number, factor = 1e3): boolean {
  return !Number.isFinite(value) || value > factor * Math.max(first, 1e-12);
}

/** Number of final steps whose batch losses are averaged into `finalLoss`. */
function tailLength(steps: number, tailFraction = 0.25): number {
  return Math.max(1, Math.ceil(tailFraction * steps));
}

/**
 * The `finalLoss` that a run would have reported had it been trained for only `horizon` steps, read off its batch-loss
 * curve: the optimizers here have no schedule and batch t depends only on the stream and t, so the first `horizon`
 * steps of a longer run are that shorter run, step for step (the same sum in the same order, so the same number).
 * +∞ when the run diverged within `horizon` steps; an error when `horizon` exceeds the steps it was trained for.
 */
export function tailLossAt(r: OnlineRunResult, horizon: number, tailFraction?: number): number {
  // a diverged run's curve ends with the loss that stopped it: the steps before it were within bounds
  const ok = r.diverged ? r.curve.length - 1 : r.curve.length;
  if (!(Number.isInteger(horizon) && horizon >= 1)) throw new Error(`tailLossAt: horizon = ${horizon}, expected a positive integer`);
  if (!r.diverged && horizon > ok) throw new Error(`tailLossAt: horizon = ${horizon}, expected ≤ ${ok} (the steps the run was trained for)`);
  if (horizon > ok) return Number.POSITIVE_INFINITY;
  const tail = tailLength(horizon, tailFraction);
  let sum = 0;
  for (let t = horizon - tail; t < horizon; t++) sum += r.curve[t];
  return sum / tail;
}

/** Online training (fresh batches) with a learning-rate-scaled optimizer from the model's table, through `fit`. */
export function trainOnline(o: OnlineRunOptions): OnlineRunResult {
  const tail = tailLength(o.steps, o.tailFraction);
  const curve: number[] = [];
  let tailSum = 0;
  let diverged = false;
  const r = fit<TeacherBatch>({
    params: o.net.params(),
    loss: (b) => halfSquaredError(o.net, b),
    optimizer: optimizerFromConfig(sweepOptimizerConfig(o.optimizer, o.lr, o), { lrScales: o.net.lrScales() }),
    steps: o.steps,
    batches: (t) => teacherBatch(o.task, o.batch, o.rng.child(t - 1), o.dtype),
    onStep: (t, value) => {
      curve.push(value);
      if (exceedsLimit(value, curve[0], o.divergeFactor)) {
        // the (unused) update of this step is taken by `fit` before it stops: the run is discarded
        diverged = true;
        return 'stop';
      }
      if (t > o.steps - tail) tailSum += value;
    },
    signal: o.signal,
  });
  if (r.diverged) curve.push(r.diverged.loss);
  if (diverged || r.diverged) return { finalLoss: Number.POSITIVE_INFINITY, initialLoss: curve[0], diverged: true, curve };
  return { finalLoss: tailSum / tail, initialLoss: curve[0], diverged: false, curve };
}

/**
 * The optimum of a loss-vs-learning-rate curve on a grid in log₂ η: the vertex of the least-squares
 * parabola in (log₂ η, log loss) through the finite points within ±`halfWindow` grid steps of the
 * smallest point, clamped to that window; the smallest grid point itself when it lies at an edge of the
 * grid, when fewer than 3 points are finite there, or when the fit is not convex. A fit over a window
 * (rather than the 3-point vertex) averages out the run-to-run jitter of a flat valley. Non-finite
 * losses (diverged runs) never win. Returns log₂ η* and the grid index of the smallest point (−1 if none).
 */
export function curveOptimum(log2Lrs: readonly number[], losses: readonly number[], halfWindow = 2): { log2Lr: number; index: number } {
  let best = -1;
  for (let i = 0; i < losses.length; i++) if (Number.isFinite(losses[i]) && (best < 0 || losses[i] < losses[best])) best = i;
  if (best < 0) return { log2Lr: Number.NaN, index: -1 };
  const fallback = { log2Lr: log2Lrs[best], index: best };
  if (best === 0 || best === losses.length - 1) return fallback;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = Math.max(0, best - halfWindow); i <= Math.min(losses.length - 1, best + halfWindow); i++) {
    if (Number.isFinite(losses[i]) && losses[i] > 0) {
      xs.push(log2Lrs[i]);
      ys.push(Math.log(losses[i]));
    }
  }
  if (xs.length < 3) return fallback;
  const c = quadraticFit(xs, ys);
  if (!c || !(c[2] > 0)) return fallback;
  const v = -c[1] / (2 * c[2]);
  return { log2Lr: Math.min(Math.max(v, xs[0]), xs[xs.length - 1]), index: best };
}

/** Least-squares y ≈ c₀ + c₁x + c₂x² (normal equations on centred x); null if singular. */
export function quadraticFit(xs: readonly number[], ys: readonly number[]): [number, number, number] | null {
  const n = xs.length;
  const m = xs.reduce((a, b) => a + b, 0) / n;
  const u = xs.map((x) => x - m);
  const S = [0, 0, 0, 0, 0];
  const T = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    let p = 1;
    for (let k = 0; k <= 4; k++) {
      S[k] += p;
      if (k <= 2) T[k] += p * ys[i];
      p *= u[i];
    }
  }
  // solve [[S0,S1,S2],[S1,S2,S3],[S2,S3,S4]] b = T by Cramer's rule (3×3)
  const det3 = (a: number[][]) =>
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  const A = [
    [S[0], S[1], S[2]],
    [S[1], S[2], S[3]],
    [S[2], S[3], S[4]],
  ];
  const D = det3(A);
  if (!(Math.abs(D) > 1e-12 * Math.max(1, S[4] * S[4]))) return null;
  const b = [0, 1, 2].map((j) => det3(A.map((row, r) => row.map((v, k) => (k === j ? T[r] : v)))) / D);
  // back from centred u = x − m: c₂ = b₂, c₁ = b₁ − 2b₂m, c₀ = b₀ − b₁m + b₂m²
  return [b[0] - b[1] * m + b[2] * m * m, b[1] - 2 * b[2] * m, b[2]];
}

/** Geometric mean of positive numbers (+∞ if any is +∞). */
export function geometricMean(xs: readonly number[]): number {
  if (xs.some((x) => x === Number.POSITIVE_INFINITY)) return Number.POSITIVE_INFINITY;
  return Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
}

// ---- sweeps: many runs of one architecture, trained K at a time ---------------------------------

/** One run of a sweep: its learning rate, its init stream and its batch stream. */
export interface OnlineSweepRun {
  lr: number;
  /** the init stream (the rng `buildModel` gets) */
  init: Rng;
  /**
   * the batch stream (as `OnlineRunOptions.rng`). Runs given the same Rng object share their batches,
   * which are then drawn once per step (a batch is a pure function of the stream and the step).
   */
  stream: Rng;
}

export interface OnlineSweepOptions extends SweepDecay {
  /** the architecture (every run has it, at `width`) */
  model: ModelSpec;
  width: number;
  parameterization: Parameterization | string;
  baseWidth: number;
  baseBlocks?: number;
  optimizer: OptimizerFamily;
  runs: readonly OnlineSweepRun[];
  steps: number;
  batch: number;
  task: TeacherTask;
  tailFraction?: number;
  dtype?: DType;
  divergeFactor?: number;
  signal?: AbortSignal;
  /**
   * Train MLP runs K at a time as one batched model (src/nn/batchedMlp.ts; default true). Each run's
   * result equals its separate `trainOnline` run bit for bit (same init, batches and per-slice
   * arithmetic); `false` trains them one by one (the reference path). ResMLPs are always trained one by one.
   */
  batched?: boolean;
  /** most networks per batched model (default 16) */
  chunk?: number;
  /** called once per run when its result is known (runs of a chunk finish together) */
  onRun?: (index: number, result: OnlineRunResult) => void;
}

/**
 * Train every run of a sweep online (see `trainOnline`) and return their results in run order.
 * Batched (the default for MLPs): chunks of up to `chunk` runs train as one `BatchedMlp` with a
 * learning rate per network; a run that diverges is recorded at that step and dropped from its chunk,
 * exactly where `trainOnline` would stop it.
 */
export function trainOnlineSweep(o: OnlineSweepOptions): OnlineRunResult[] {
  const chunk = o.chunk ?? 16;
  if (!(Number.isInteger(chunk) && chunk >= 1)) throw new Error(`trainOnlineSweep: chunk = ${chunk}, expected a positive integer`);
  if (!(Number.isInteger(o.steps) && o.steps >= 1)) throw new Error(`trainOnlineSweep: steps = ${o.steps}, expected a positive integer`);
  const buildOpts = { parameterization: o.parameterization, baseWidth: o.baseWidth, baseBlocks: o.baseBlocks, optimizer: o.optimizer, dtype: o.dtype };
  const results: OnlineRunResult[] = new Array(o.runs.length);
  if (o.batched === false || o.model.kind !== 'mlp') {
    o.runs.forEach((r, i) => {
      const net = buildModel(o.model, o.width, buildOpts, r.init);
      results[i] = trainOnline({ ...o, net, lr: r.lr, rng: r.stream });
      o.onRun?.(i, results[i]);
    });
    return results;
  }
  const sizes = [o.model.inputDim, ...new Array<number>(o.model.depth).fill(o.width), o.model.outputDim];
  const spec = {
    sizes,
    activation: o.model.activation,
    bias: o.model.bias,
    parameterization: o.parameterization,
    baseWidth: o.baseWidth,
    optimizer: o.optimizer,
    dtype: o.dtype,
  };
  for (let start = 0; start < o.runs.length; start += chunk) {
    const ids = Array.from({ length: Math.min(chunk, o.runs.length - start) }, (_, j) => start + j);
    const net = batchedMlp(
      spec,
      ids.length,
      ids.map((i) => o.runs[i].init),
    );
    for (const [i, r] of trainOnlineBatched(o, net, ids)) {
      results[i] = r;
      o.onRun?.(i, r);
    }
  }
  return results;
}

/** Per-run records of a batched chunk while it trains. */
interface RunTrace {
  curve: number[];
  tailSum: number;
}

/** The step-t batches of the active runs, stacked [K, B, d] and [K, B, 1]; runs sharing a stream share a draw. */
function stackedBatch(o: OnlineSweepOptions, active: readonly number[], t: number): TeacherBatch {
  const dtype = o.dtype ?? 'f64';
  const d = o.task.d;
  const B = o.batch;
  const K = active.length;
  const xs = dtype === 'f32' ? new Float32Array(K * B * d) : new Float64Array(K * B * d);
  const ys = dtype === 'f32' ? new Float32Array(K * B) : new Float64Array(K * B);
  const drawn = new Map<Rng, { x: Float64Array; y: Float64Array }>();
  active.forEach((i, k) => {
    const stream = o.runs[i].stream;
    let s = drawn.get(stream);
    if (s === undefined) {
      const smp = o.task.sample(B, stream.child(t));
      s = { x: smp.x.data, y: smp.y };
      drawn.set(stream, s);
    }
    xs.set(s.x, k * B * d);
    ys.set(s.y, k * B);
  });
  return { x: tensor(xs, [K, B, d], dtype), y: tensor(ys, [K, B, 1], dtype) };
}

/**
 * The batched trainer behind `trainOnlineSweep`: slice j of `net` is run `ids[j]`, trained by `fit` on
 * Σ_k ½·mean_b (f_k − y_k)² (slice k's gradient is exactly that of its own loss) with per-network
 * learning rates. A run that diverges at step t is recorded there and dropped (`BatchedMlp.select`,
 * `OptimizerState.select`) before the others go on: when the summed loss is finite `fit` stops after
 * the step (the dropped slice's update is discarded, the others' are their own), and when it is not,
 * `fit` stops before the step and the step is retaken without the diverged runs (same batches, same
 * per-slice arithmetic), so every run is where its separate `trainOnline` run would be.
 */
function trainOnlineBatched(o: OnlineSweepOptions, net0: BatchedMlp, ids: number[]): Map<number, OnlineRunResult> {
  const tail = tailLength(o.steps, o.tailFraction);
  const done = new Map<number, OnlineRunResult>();
  const traces = new Map<number, RunTrace>(ids.map((i) => [i, { curve: [], tailSum: 0 }]));
  const lrs = ids.map((i) => o.runs[i].lr);
  let net = net0;
  let active = ids.slice();
  let opt = new OptimizerState(optimizerFromConfig(sweepOptimizerConfig(o.optimizer, lrs[0], o), { lrs, lrScales: net.lrScales() }));
  let taken = 0;
  /** Record step t's losses of the runs that pass; returns the slices to keep. `record: false` only marks the diverged. */
  const classify = (t: number, values: FloatArray, record: boolean): number[] => {
    const keep: number[] = [];
    active.forEach((i, k) => {
      const trace = traces.get(i) as RunTrace;
      const value = values[k];
      if (exceedsLimit(value, trace.curve.length === 0 ? value : trace.curve[0], o.divergeFactor)) {
        trace.curve.push(value);
        done.set(i, { finalLoss: Number.POSITIVE_INFINITY, initialLoss: trace.curve[0], diverged: true, curve: trace.curve });
        return;
      }
      keep.push(k);
      if (!record) return;
      trace.curve.push(value);
      if (t >= o.steps - tail) trace.tailSum += value;
    });
    return keep;
  };
  while (taken < o.steps && active.length > 0) {
    let values: FloatArray = new Float64Array(0);
    let keep: number[] | null = null;
    const start = taken;
    const r = fit<TeacherBatch>({
      params: net.params(),
      loss: (b) => {
        const l = op.scale(op.mseBatched(net.forward(b.x), b.y), 0.5);
        values = l.data;
        return op.sum(l);
      },
      optimizer: opt,
      steps: o.steps - start,
      batches: (s) => stackedBatch(o, active, start + s - 1),
      onStep: (s) => {
        const kept = classify(start + s - 1, values, true);
        if (kept.length < active.length) {
          keep = kept;
          return 'stop';
        }
      },
      signal: o.signal,
    });
    taken = start + r.steps;
    if (r.diverged) {
      keep = classify(taken, values, false);
      if (keep.length === active.length) throw new Error(`trainOnlineSweep: the summed loss ${r.diverged.loss} is not finite while every run's loss is`);
    }
    if (keep === null) break;
    const kept: number[] = keep;
    if (kept.length === 0) return done;
    net = net.select(kept);
    opt = opt.select(kept);
    active = kept.map((k) => active[k]);
  }
  for (const i of active) {
    const trace = traces.get(i) as RunTrace;
    done.set(i, { finalLoss: trace.tailSum / tail, initialLoss: trace.curve[0], diverged: false, curve: trace.curve });
  }
  return done;
}

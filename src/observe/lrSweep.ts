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
 */
import { valueAndGrad } from '../core/autodiff.ts';
import * as op from '../core/ops.ts';
import type { Rng } from '../core/random.ts';
import { type DType, type Tensor, tensor } from '../core/tensor.ts';
import { makeTeacherTask, type TeacherTask } from '../data/teacher.ts';
import { type BatchedMlp, batchedMlp, makeBatchedOptimizer } from '../nn/batchedMlp.ts';
import { applyUpdates } from '../nn/optim.ts';
import type { OptimizerFamily, Parameterization } from '../nn/parameterization.ts';
import { buildModel, makeOptimizer, type ModelSpec, type WidthModel } from './coordCheck.ts';

/** The smooth multi-index teacher of the module comment (inputs x ~ N(0, I_d)). */
export function tanhTeacher(d: number, k: number, rng: Rng): TeacherTask {
  const ar = rng.child('a');
  const a = Array.from({ length: k }, () => ar.normal() / Math.sqrt(k));
  return makeTeacherTask(
    {
      d,
      k,
      link: (z) => {
        let s = 0;
        for (let j = 0; j < k; j++) s += a[j] * Math.tanh(2 * z[j]);
        return s;
      },
    },
    rng.child('U'),
  );
}

export interface Batch {
  x: Tensor;
  y: Tensor;
}

/** n fresh examples as tensors (float32 storage with dtype 'f32', for f32 models). */
export function teacherBatch(task: TeacherTask, n: number, rng: Rng, dtype: DType = 'f64'): Batch {
  const s = task.sample(n, rng);
  return { x: tensor(s.x.data, [n, task.d], dtype), y: tensor(s.y, [n, 1], dtype) };
}

/** ½·mean (f − y)² of a scalar-output model. */
export function halfMse(net: WidthModel, b: Batch): Tensor {
  return op.scale(op.mse(net.forward(b.x), b.y), 0.5);
}

export interface OnlineRunOptions {
  net: WidthModel;
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

/** Online training (fresh batches) with a learning-rate-scaled optimizer from the model's table. */
export function trainOnline(o: OnlineRunOptions): OnlineRunResult {
  const ps = o.net.params();
  const arrays = ps.map((p) => p.data);
  const opt = makeOptimizer(o.optimizer, o.lr, o.net.lrScales());
  let state = opt.init(arrays);
  const tail = Math.max(1, Math.ceil((o.tailFraction ?? 0.25) * o.steps));
  const curve: number[] = [];
  let limit = Number.POSITIVE_INFINITY;
  let tailSum = 0;
  for (let t = 0; t < o.steps; t++) {
    if (o.signal?.aborted) throw new Error('aborted');
    const b = teacherBatch(o.task, o.batch, o.rng.child(t), o.dtype);
    const { value, grads } = valueAndGrad(() => halfMse(o.net, b), ps);
    curve.push(value);
    if (t === 0) limit = (o.divergeFactor ?? 1e3) * Math.max(value, 1e-12);
    if (!Number.isFinite(value) || value > limit) return { finalLoss: Number.POSITIVE_INFINITY, initialLoss: curve[0], diverged: true, curve };
    if (t >= o.steps - tail) tailSum += value;
    const u = opt.update(grads, state, arrays);
    state = u.state;
    applyUpdates(arrays, u.updates);
  }
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

export interface OnlineSweepOptions {
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

/** The batched trainer behind `trainOnlineSweep`: slice j of `net` is run `ids[j]`. Same loop as `trainOnline`, per slice. */
function trainOnlineBatched(o: OnlineSweepOptions, net0: BatchedMlp, ids: number[]): Map<number, OnlineRunResult> {
  const dtype = o.dtype ?? 'f64';
  const d = o.task.d;
  const B = o.batch;
  const tail = Math.max(1, Math.ceil((o.tailFraction ?? 0.25) * o.steps));
  const done = new Map<number, OnlineRunResult>();
  let net = net0;
  let active = ids.slice();
  let opt = makeBatchedOptimizer(
    o.optimizer,
    active.map((i) => o.runs[i].lr),
    net.lrScales(),
  );
  const curves = new Map<number, number[]>(active.map((i) => [i, []]));
  const limits = new Map<number, number>();
  const tailSums = new Map<number, number>(active.map((i) => [i, 0]));
  for (let t = 0; t < o.steps; t++) {
    if (o.signal?.aborted) throw new Error('aborted');
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
    const x = tensor(xs, [K, B, d], dtype);
    const y = tensor(ys, [K, B, 1], dtype);
    const ps = net.params();
    const perNet: Tensor[] = [];
    // Σ_k ½·mean_b (f_k − y_k)²: slice k's gradient is exactly that of its own `halfMse`
    const { grads } = valueAndGrad(() => {
      const l = op.scale(op.mseBatched(net.forward(x), y), 0.5);
      perNet.push(l);
      return op.sum(l);
    }, ps);
    const values = perNet[0].data;
    const keep: number[] = [];
    active.forEach((i, k) => {
      const value = values[k];
      const curve = curves.get(i) as number[];
      curve.push(value);
      if (t === 0) limits.set(i, (o.divergeFactor ?? 1e3) * Math.max(value, 1e-12));
      if (!Number.isFinite(value) || value > (limits.get(i) as number)) {
        done.set(i, { finalLoss: Number.POSITIVE_INFINITY, initialLoss: curve[0], diverged: true, curve });
        return;
      }
      if (t >= o.steps - tail) tailSums.set(i, (tailSums.get(i) as number) + value);
      keep.push(k);
    });
    if (keep.length === 0) return done;
    if (keep.length < K) {
      // drop the diverged runs before their (unused) update, as trainOnline returns before it
      const gSub = grads.map((g) => {
        const per = g.length / K;
        const out = g instanceof Float32Array ? new Float32Array(per * keep.length) : new Float64Array(per * keep.length);
        keep.forEach((k, r) => out.set(g.subarray(k * per, (k + 1) * per), r * per));
        return out;
      });
      net = net.select(keep);
      opt = opt.select(keep);
      active = keep.map((k) => active[k]);
      opt.step(
        net.params().map((p) => p.data),
        gSub,
      );
    } else
      opt.step(
        ps.map((p) => p.data),
        grads,
      );
  }
  for (const i of active) {
    const curve = curves.get(i) as number[];
    done.set(i, { finalLoss: (tailSums.get(i) as number) / tail, initialLoss: curve[0], diverged: false, curve });
  }
  return done;
}

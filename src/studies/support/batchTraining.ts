/**
 * Shared set-up of the batch-size studies (catalog 23–25: the SGD linear scaling rule, Adam's square-root
 * rule, the critical batch size): a noisy teacher, an online example stream that every run of a study
 * reads in the same order, minibatch training of a small MLP with SGD or Adam, and the excess population
 * loss on a fixed evaluation set. Browser-safe.
 *
 * Task. y = Σ_{j<k} a_j tanh(2 u_jᵀx) + σε with x ~ N(0, I_d), orthonormal u_j, a_j = ±1/√k (random
 * signs) and ε ~ N(0, 1): the smooth multi-index teacher of src/observe/lrSweep.ts with fixed-magnitude
 * coefficients (so the signal variance k·E[tanh²(2z)]/k ≈ 0.6 does not depend on the seed) plus label noise. The label
 * noise keeps the per-example gradient covariance Σ from vanishing at the optimum, so the gradient noise
 * scale B_simple = tr Σ/|G|² grows as the loss falls (McCandlish et al. 2018, §3).
 *
 * Data are online: each run draws fresh examples and never repeats one, so the training loss is the
 * population loss and "examples seen" is the only clock. The stream is a fixed sequence (blocks of
 * examples from rng.child('block', j)), so runs with different batch sizes read the same examples in
 * the same order, only grouped differently: common random numbers, which makes the curves of two runs
 * differ by the optimizer's dynamics rather than by which examples they happened to see.
 *
 * Observable: the excess population loss ½E[(f(x) − f*(x))²] against the clean teacher f*, on a fixed
 * evaluation set (the label-noise floor ½σ² is excluded, so relative deviations are not diluted by it).
 */
import { valueAndGrad } from '../../core/autodiff.ts';
import * as op from '../../core/ops.ts';
import type { Rng } from '../../core/random.ts';
import { noGrad, type Tensor, tensor } from '../../core/tensor.ts';
import { makeTeacherTask, type TeacherTask } from '../../data/teacher.ts';
import { type Mlp, mlp } from '../../nn/mlp.ts';
import { adam, applyUpdates, type Optimizer, sgd } from '../../nn/optim.ts';

/** The noisy multi-index teacher of the module comment. */
export function noisyTeacher(d: number, k: number, noise: number, rng: Rng): TeacherTask {
  const ar = rng.child('a');
  const a = Array.from({ length: k }, () => (ar.uniform() < 0.5 ? -1 : 1) / Math.sqrt(k));
  return makeTeacherTask(
    {
      d,
      k,
      noise,
      link: (z) => {
        let s = 0;
        for (let j = 0; j < k; j++) s += a[j] * Math.tanh(2 * z[j]);
        return s;
      },
    },
    rng.child('U'),
  );
}

/** A one-hidden-layer tanh MLP in standard parameterization (the student of every batch-size study). */
export function student(d: number, width: number, rng: Rng): Mlp {
  return mlp({ sizes: [d, width, 1], activation: 'tanh', parameterization: 'sp' }, rng);
}

export interface Batch {
  x: Tensor;
  y: Tensor;
}

/**
 * A fixed, endless sequence of examples: block j is `task.sample(blockSize, rng.child('block', j))`.
 * `next(B)` returns the next B examples of the sequence (crossing block boundaries as needed).
 */
export class ExampleStream {
  private block = -1;
  private x: Float64Array = new Float64Array(0);
  private y: Float64Array = new Float64Array(0);
  private cursor = 0;
  /** examples handed out so far */
  seen = 0;

  constructor(
    private readonly task: TeacherTask,
    private readonly rng: Rng,
    private readonly blockSize = 4096,
  ) {}

  next(size: number): Batch {
    const d = this.task.d;
    const xb = new Float64Array(size * d);
    const yb = new Float64Array(size);
    let filled = 0;
    while (filled < size) {
      if (this.block < 0 || this.cursor >= this.blockSize) {
        this.block++;
        const s = this.task.sample(this.blockSize, this.rng.child('block', this.block));
        this.x = s.x.data as Float64Array;
        this.y = s.y;
        this.cursor = 0;
      }
      const take = Math.min(size - filled, this.blockSize - this.cursor);
      xb.set(this.x.subarray(this.cursor * d, (this.cursor + take) * d), filled * d);
      yb.set(this.y.subarray(this.cursor, this.cursor + take), filled);
      this.cursor += take;
      filled += take;
    }
    this.seen += size;
    return { x: tensor(xb, [size, d]), y: tensor(yb, [size, 1]) };
  }
}

/** Fresh i.i.d. examples as a batch (for the noise-scale instrument). */
export function freshBatch(task: TeacherTask, size: number, rng: Rng): Batch {
  const s = task.sample(size, rng);
  return { x: tensor(s.x.data, [size, task.d]), y: tensor(s.y, [size, 1]) };
}

/** ½·mean (f − y)² on a batch: the training loss. */
export function halfMse(net: Mlp, b: Batch): Tensor {
  return op.scale(op.mse(net.forward(b.x), b.y), 0.5);
}

/** Per-example losses ½(fᵢ − yᵢ)², shape [B, 1] (for the exact per-example noise scale). */
export function perExampleHalfSq(net: Mlp, b: Batch): Tensor {
  return op.scale(op.square(op.sub(net.forward(b.x), b.y)), 0.5);
}

export interface EvalSet {
  x: Tensor;
  /** clean teacher outputs f*(x) */
  yClean: Tensor;
}

export function makeEvalSet(task: TeacherTask, size: number, rng: Rng): EvalSet {
  const s = task.sample(size, rng);
  return { x: tensor(s.x.data, [size, task.d]), yClean: tensor(s.yClean, [size, 1]) };
}

/** Excess population loss ½·mean (f − f*)² on the evaluation set. */
export function excessLoss(net: Mlp, ev: EvalSet): number {
  return noGrad(() => 0.5 * op.mse(net.forward(ev.x), ev.yClean).data[0]);
}

export type OptimizerConfig = { kind: 'sgd'; lr: number } | { kind: 'adam'; lr: number; beta1: number; beta2: number; eps: number };

export function makeOptimizer(c: OptimizerConfig): Optimizer<unknown> {
  return (c.kind === 'sgd' ? sgd(c.lr) : adam(c.lr, { beta1: c.beta1, beta2: c.beta2, eps: c.eps })) as Optimizer<unknown>;
}

export interface CurveRunOptions {
  net: Mlp;
  optimizer: OptimizerConfig;
  batch: number;
  stream: ExampleStream;
  evalSet: EvalSet;
  /** increasing example counts at which to evaluate (0 allowed); the run stops after the last */
  checkpoints: number[];
  /** stop early (marked diverged) when the excess loss exceeds this multiple of its initial value (default 1e3) */
  divergeFactor?: number;
  onEval?: (examples: number, loss: number) => void;
  signal?: AbortSignal;
}

export interface CurveRun {
  /** examples seen at each evaluation (the first step whose end reaches each checkpoint) */
  examples: number[];
  loss: number[];
  diverged: boolean;
  steps: number;
}

/**
 * Train on the stream, evaluating the excess loss once the number of examples seen reaches each
 * checkpoint (so with batch B the evaluation happens at the first multiple of B ≥ the checkpoint).
 */
export function trainCurve(o: CurveRunOptions): CurveRun {
  const ps = o.net.params();
  const arrays = ps.map((p) => p.data);
  const opt = makeOptimizer(o.optimizer);
  let state = opt.init(arrays);
  const examples: number[] = [];
  const loss: number[] = [];
  let steps = 0;
  let seen = 0;
  let limit = Number.POSITIVE_INFINITY;
  for (const c of o.checkpoints) {
    while (seen < c) {
      if (o.signal?.aborted) throw new Error('aborted');
      const b = o.stream.next(o.batch);
      const { grads } = valueAndGrad(() => halfMse(o.net, b), ps);
      const u = opt.update(grads, state, arrays);
      state = u.state;
      applyUpdates(arrays, u.updates);
      seen += o.batch;
      steps++;
    }
    const l = excessLoss(o.net, o.evalSet);
    if (examples.length === 0) limit = (o.divergeFactor ?? 1e3) * Math.max(l, 1e-12);
    examples.push(seen);
    loss.push(l);
    o.onEval?.(seen, l);
    if (!Number.isFinite(l) || l > limit) return { examples, loss, diverged: true, steps };
  }
  return { examples, loss, diverged: false, steps };
}

/**
 * Geometric grid of `count` example counts from `first` to `last`, rounded up to multiples of `multipleOf`
 * (so every batch size dividing it evaluates at exactly the same counts), strictly increasing, 0 prepended.
 */
export function checkpointGrid(first: number, last: number, count: number, multipleOf = 1): number[] {
  const out = [0];
  for (let i = 0; i < count; i++) {
    const v = multipleOf * Math.ceil((first * (last / first) ** (count === 1 ? 1 : i / (count - 1))) / multipleOf);
    if (v > out[out.length - 1]) out.push(v);
  }
  return out;
}

/**
 * Mean relative deviation of curve `b` from curve `a` (both on the same checkpoints), skipping the
 * checkpoint at 0 examples (identical initializations): mean over i of |b_i − a_i|/a_i. A diverged or
 * shorter curve counts as +∞.
 */
export function meanRelativeDeviation(a: number[], b: number[], skipFirst = 1): number {
  if (b.length < a.length || b.some((v) => !Number.isFinite(v))) return Number.POSITIVE_INFINITY;
  let s = 0;
  let n = 0;
  for (let i = skipFirst; i < a.length; i++) {
    s += Math.abs(b[i] - a[i]) / a[i];
    n++;
  }
  return n ? s / n : Number.NaN;
}

/** Pointwise mean of equal-length curves (NaN-free inputs; +∞ propagates). */
export function meanCurve(curves: number[][]): number[] {
  const n = Math.min(...curves.map((c) => c.length));
  return Array.from({ length: n }, (_, i) => curves.reduce((s, c) => s + c[i], 0) / curves.length);
}

export interface TargetRunOptions {
  /** one or more replicas (independent inits), trained in lockstep; the observable is their mean excess loss */
  nets: Mlp[];
  /** one example stream per replica */
  streams: ExampleStream[];
  optimizer: OptimizerConfig;
  batch: number;
  evalSet: EvalSet;
  /** excess-loss target */
  target: number;
  /** give up (steps = +∞) after this many steps */
  maxSteps: number;
  /** evaluate at steps 1, 2, … growing geometrically by this factor (default 1.03: ~3% step resolution) */
  evalGrowth?: number;
  /** called at every evaluation (after the step) with the step and the mean excess loss; return true to stop */
  onEval?: (step: number, loss: number) => boolean | undefined;
  signal?: AbortSignal;
}

export interface TargetRun {
  /**
   * Steps for the replica-mean excess loss to reach the target: the first evaluation at or below it,
   * interpolated linearly in (log step, log loss) with the previous evaluation; +∞ if not reached (or diverged).
   */
  steps: number;
  /** steps taken by each replica when the run stopped */
  stepsRun: number;
  diverged: boolean;
}

/**
 * Train until the mean excess loss of the replicas first reaches `target` (the "steps to target" of
 * McCandlish et al. 2018, §3). The replica mean estimates the expected loss E[L(θ_t)], which is what
 * McCandlish's model of the expected per-step improvement describes; its first passage is far less noisy
 * than that of a single run, whose loss fluctuates around the SGD noise floor near the target.
 */
export function stepsToTarget(o: TargetRunOptions): TargetRun {
  if (o.nets.length === 0 || o.nets.length !== o.streams.length) throw new Error(`stepsToTarget: need one stream per net, got ${o.nets.length} nets and ${o.streams.length} streams`);
  const opt = makeOptimizer(o.optimizer);
  const reps = o.nets.map((net) => {
    const ps = net.params();
    const arrays = ps.map((p) => p.data);
    return { net, ps, arrays, state: opt.init(arrays) };
  });
  const meanLoss = () => reps.reduce((a, r) => a + excessLoss(r.net, o.evalSet), 0) / reps.length;
  const growth = o.evalGrowth ?? 1.03;
  let prevLoss = meanLoss();
  const limit = 1e3 * Math.max(prevLoss, 1e-12);
  let prevStep = 0;
  let next = 1;
  for (let s = 1; s <= o.maxSteps; s++) {
    if (o.signal?.aborted) throw new Error('aborted');
    for (let i = 0; i < reps.length; i++) {
      const r = reps[i];
      const b = o.streams[i].next(o.batch);
      const { grads } = valueAndGrad(() => halfMse(r.net, b), r.ps);
      const u = opt.update(grads, r.state, r.arrays);
      r.state = u.state;
      applyUpdates(r.arrays, u.updates);
    }
    if (s < next) continue;
    const l = meanLoss();
    if (!Number.isFinite(l) || l > limit) return { steps: Number.POSITIVE_INFINITY, stepsRun: s, diverged: true };
    if (o.onEval?.(s, l)) return { steps: Number.POSITIVE_INFINITY, stepsRun: s, diverged: false };
    if (l <= o.target) {
      // linear interpolation of log loss against log step between the last two evaluations
      if (prevStep === 0 || !(prevLoss > l)) return { steps: s, stepsRun: s, diverged: false };
      const f = Math.log(prevLoss / o.target) / Math.log(prevLoss / l);
      return { steps: Math.exp(Math.log(prevStep) + f * Math.log(s / prevStep)), stepsRun: s, diverged: false };
    }
    prevLoss = l;
    prevStep = s;
    next = Math.max(s + 1, Math.ceil(s * growth));
  }
  return { steps: Number.POSITIVE_INFINITY, stepsRun: o.maxSteps, diverged: false };
}

export { spearman } from '../../observe/rankCorrelation.ts';

/** A short group label for a number (3 significant digits). */
export const num = (v: number): string => String(Number(v.toPrecision(3)));

export interface HyperbolaFit {
  /** S_min: steps to target at infinite batch */
  sMin: number;
  /** B_crit = E_min/S_min */
  bCrit: number;
  /** E_min = S_min·B_crit: examples to target at batch size → 0 */
  eMin: number;
  /** coefficient of determination of the fit in log S */
  r2: number;
}

/**
 * Least-squares fit of McCandlish et al.'s S(B) = S_min(1 + B_crit/B) (2018, §2) in log S (the
 * steps span decades; a fit in S would be set by the smallest batches alone). For a fixed B_crit the best
 * log S_min is the mean of log S − log(1 + B_crit/B); B_crit minimizes the residual sum of squares (a scan
 * over log B_crit, then golden-section refinement). R² = 1 − SSE/SST in log S.
 */
export function fitStepsHyperbola(batch: readonly number[], steps: readonly number[]): HyperbolaFit {
  if (batch.length !== steps.length || batch.length < 3) throw new Error(`fitStepsHyperbola: need ≥ 3 (batch, steps) pairs of equal length, got ${batch.length} and ${steps.length}`);
  if (steps.some((s) => !(s > 0 && Number.isFinite(s)))) throw new Error(`fitStepsHyperbola: steps must be finite and > 0, got [${steps.join(', ')}]`);
  const ls = steps.map(Math.log);
  const sse = (logBc: number) => {
    const bc = Math.exp(logBc);
    const r = ls.map((l, i) => l - Math.log1p(bc / batch[i]));
    const m = r.reduce((a, b) => a + b, 0) / r.length;
    return { sse: r.reduce((a, b) => a + (b - m) ** 2, 0), logSmin: m };
  };
  const lo = Math.log(Math.min(...batch) / 1e3);
  const hi = Math.log(Math.max(...batch) * 1e3);
  const N = 400;
  let best = 0;
  let bestSse = Number.POSITIVE_INFINITY;
  for (let i = 0; i <= N; i++) {
    const v = sse(lo + ((hi - lo) * i) / N).sse;
    if (v < bestSse) {
      bestSse = v;
      best = i;
    }
  }
  let a = lo + ((hi - lo) * Math.max(0, best - 1)) / N;
  let b = lo + ((hi - lo) * Math.min(N, best + 1)) / N;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 80; it++) {
    const c = b - g * (b - a);
    const d = a + g * (b - a);
    if (sse(c).sse < sse(d).sse) b = d;
    else a = c;
  }
  const logBc = (a + b) / 2;
  const f = sse(logBc);
  const mean = ls.reduce((x, y) => x + y, 0) / ls.length;
  const sst = ls.reduce((x, y) => x + (y - mean) ** 2, 0);
  const sMin = Math.exp(f.logSmin);
  const bCrit = Math.exp(logBc);
  return { sMin, bCrit, eMin: sMin * bCrit, r2: sst > 0 ? 1 - f.sse / sst : Number.NaN };
}

export interface CurveConfig {
  label: string;
  optimizer: OptimizerConfig;
  batch: number;
}

export interface ReplicaCurves {
  /** replica-mean excess loss at each checkpoint (+∞ from the first diverged replica on) */
  mean: number[];
  perReplica: number[][];
  diverged: boolean;
}

export interface ReplicaCurvesOptions {
  configs: CurveConfig[];
  replicas: number;
  task: TeacherTask;
  evalSet: EvalSet;
  checkpoints: number[];
  inputDim: number;
  width: number;
  /** replica q uses init rng.child('init', q) and stream rng.child('stream', q) for every config */
  rng: Rng;
  onEval?: (label: string, replica: number, examples: number, loss: number) => void;
  /** after each finished run: (runs done, runs total, label) */
  onRun?: (done: number, total: number, label: string) => void;
  signal?: AbortSignal;
}

/**
 * Loss-against-examples curves of several optimizer/batch configurations, each averaged over replicas.
 * Replica q starts from the same initialization and reads the same example stream in every configuration
 * (common random numbers), so curves differ only through the optimizer dynamics.
 */
export function replicaCurves(o: ReplicaCurvesOptions): Map<string, ReplicaCurves> {
  const out = new Map<string, ReplicaCurves>();
  const total = o.configs.length * o.replicas;
  let done = 0;
  for (const c of o.configs) {
    const perReplica: number[][] = [];
    let diverged = false;
    for (let q = 0; q < o.replicas; q++) {
      const r = trainCurve({
        net: student(o.inputDim, o.width, o.rng.child('init', q)),
        optimizer: c.optimizer,
        batch: c.batch,
        stream: new ExampleStream(o.task, o.rng.child('stream', q)),
        evalSet: o.evalSet,
        checkpoints: o.checkpoints,
        onEval: o.onEval ? (examples, loss) => o.onEval?.(c.label, q, examples, loss) : undefined,
        signal: o.signal,
      });
      const loss = r.loss.slice();
      while (loss.length < o.checkpoints.length) loss.push(Number.POSITIVE_INFINITY);
      if (r.diverged) {
        diverged = true;
        for (let i = 0; i < loss.length; i++) if (!Number.isFinite(loss[i]) || i >= r.loss.length - 1) loss[i] = Number.POSITIVE_INFINITY;
      }
      perReplica.push(loss);
      o.onRun?.(++done, total, c.label);
    }
    out.set(c.label, { mean: meanCurve(perReplica), perReplica, diverged });
  }
  return out;
}

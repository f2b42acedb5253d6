/**
 * Online training on a noisy teacher: the reusable experiment of the batch-size studies (catalog 23–25:
 * the SGD linear scaling rule, Adam's square-root rule, the critical batch size). A small MLP reads a fixed
 * example stream (src/data/teacherStream.ts) with SGD or Adam through the one trainer `fit`, and the
 * observable is the excess population loss on a fixed evaluation set. Browser-safe.
 *
 * Task. y = Σ_{j<k} a_j tanh(2 u_jᵀx) + σε with x ~ N(0, I_d), orthonormal u_j, a_j = ±1/√k (random signs)
 * and ε ~ N(0, 1) (`noisyTanhTeacher`, src/data/teacher.ts). The label noise keeps the per-example gradient
 * covariance Σ from vanishing at the optimum, so the gradient noise scale B_simple = tr Σ/|G|² grows as the
 * loss falls (McCandlish et al. 2018, §3).
 *
 * Data are online: each run draws fresh examples and never repeats one, so the training loss is the
 * population loss and "examples seen" is the only clock. Runs with different batch sizes read the same
 * stream (common random numbers).
 *
 * Observable: the excess population loss ½E[(f(x) − f*(x))²] against the clean teacher f*, on a fixed
 * evaluation set (the label-noise floor ½σ² is excluded, so relative deviations are not diluted by it).
 */
import * as op from '../core/ops.ts';
import type { Rng } from '../core/random.ts';
import { mean } from '../core/stats.ts';
import { noGradScalar, type Tensor } from '../core/tensor.ts';
import { type TeacherTask, tanhIndexTeacher } from '../data/teacher.ts';
import { ExampleStream, type TeacherBatch, type TeacherEvalSet } from '../data/teacherStream.ts';
import { type Mlp, mlp } from '../nn/mlp.ts';
import type { Model } from '../nn/model.ts';
import { type OptimizerConfig, optimizerFromConfig } from '../nn/optim.ts';
import { fit } from '../nn/train.ts';

/** The noisy multi-index teacher of the module comment. */
export function noisyTanhTeacher(d: number, k: number, noise: number, rng: Rng): TeacherTask {
  return tanhIndexTeacher(d, k, rng, { coefficients: 'sign', noise });
}

/** A one-hidden-layer tanh MLP in standard parameterization (the student of every batch-size study). */
export function tanhStudent(d: number, width: number, rng: Rng): Mlp {
  return mlp({ sizes: [d, width, 1], activation: 'tanh', parameterization: 'sp' }, rng);
}

/** ½·mean (f − y)² on a batch: the training loss. */
export function halfSquaredError(net: Model, b: TeacherBatch): Tensor {
  return op.scale(op.mse(net.forward(b.x), b.y), 0.5);
}

/** Per-example losses ½(fᵢ − yᵢ)², shape [B, 1] (for the exact per-example noise scale). */
export function perExampleHalfSquaredError(net: Model, b: TeacherBatch): Tensor {
  return op.scale(op.square(op.sub(net.forward(b.x), b.y)), 0.5);
}

/** Excess population loss ½·mean (f − f*)² on the evaluation set. */
export function excessLoss(net: Model, ev: TeacherEvalSet): number {
  return 0.5 * noGradScalar(() => op.mse(net.forward(ev.x), ev.yClean));
}

export interface CurveRunOptions {
  net: Model;
  optimizer: OptimizerConfig;
  batch: number;
  stream: ExampleStream;
  evalSet: TeacherEvalSet;
  /** increasing example counts at which to evaluate (0 allowed); the run stops after the last */
  checkpoints: readonly number[];
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
 * A training loss that turns non-finite ends the run as diverged, recorded at the next checkpoint.
 */
export function trainLossCurve(o: CurveRunOptions): CurveRun {
  const cps = o.checkpoints;
  const B = o.batch;
  const out: CurveRun = { examples: [], loss: [], diverged: false, steps: 0 };
  let next = 0;
  let limit = Number.POSITIVE_INFINITY;
  const record = (seen: number, l: number): boolean => {
    if (out.examples.length === 0) limit = (o.divergeFactor ?? 1e3) * Math.max(l, 1e-12);
    out.examples.push(seen);
    out.loss.push(l);
    o.onEval?.(seen, l);
    next++;
    out.diverged = !Number.isFinite(l) || l > limit;
    return out.diverged;
  };
  const reached = (t: number) => next < cps.length && t * B >= cps[next];
  const lastCheckpoint = cps.reduce((a, c) => Math.max(a, c), 0);
  const r = fit<TeacherBatch>({
    params: o.net.params(),
    loss: (b) => halfSquaredError(o.net, b),
    optimizer: optimizerFromConfig(o.optimizer),
    steps: Math.ceil(lastCheckpoint / B),
    batches: () => o.stream.next(B),
    evalAt: reached,
    onEval: (t) => {
      while (reached(t)) if (record(t * B, excessLoss(o.net, o.evalSet))) return 'stop';
    },
    signal: o.signal,
  });
  out.steps = r.steps;
  // the parameters are no longer finite: the next checkpoint would have read a non-finite loss
  if (r.diverged && next < cps.length) record(Math.ceil(cps[next] / B) * B, Number.NaN);
  return out;
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
export function meanRelativeDeviation(a: readonly number[], b: readonly number[], skipFirst = 1): number {
  if (b.length < a.length || b.some((v) => !Number.isFinite(v))) return Number.POSITIVE_INFINITY;
  let s = 0;
  let n = 0;
  for (let i = skipFirst; i < a.length; i++) {
    s += Math.abs(b[i] - a[i]) / a[i];
    n++;
  }
  return n ? s / n : Number.NaN;
}

/**
 * Geometric-mean ratio of curve b to curve a, exp(mean_i log(b_i/a_i)) over the checkpoints after
 * `skipFirst` (the shared initial point): 1 when b follows a, > 1 when b lies above it on average.
 * +∞ when b has a non-finite point (a diverged run), NaN when no checkpoint is compared.
 */
export function meanCurveRatio(a: readonly number[], b: readonly number[], skipFirst = 1): number {
  if (b.length < a.length || b.some((v) => !Number.isFinite(v))) return Number.POSITIVE_INFINITY;
  let s = 0;
  let n = 0;
  for (let i = skipFirst; i < a.length; i++) {
    s += Math.log(b[i] / a[i]);
    n++;
  }
  return n ? Math.exp(s / n) : Number.NaN;
}

/** Pointwise mean of curves, over their common length (+∞ propagates). */
export function meanCurve(curves: readonly (readonly number[])[]): number[] {
  const n = Math.min(...curves.map((c) => c.length));
  return Array.from({ length: n }, (_, i) => mean(curves.map((c) => c[i])));
}

export interface TargetRunOptions {
  /** one or more replicas (independent inits), trained in lockstep; the observable is their mean excess loss */
  nets: Model[];
  /** one example stream per replica */
  streams: ExampleStream[];
  optimizer: OptimizerConfig;
  batch: number;
  evalSet: TeacherEvalSet;
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
 *
 * The replicas are one `fit` on the sum of their losses: replica i's gradient is that of its own loss (the
 * sum passes a unit adjoint to each term), and the optimizer's state is per parameter array.
 */
export function stepsToTarget(o: TargetRunOptions): TargetRun {
  if (o.nets.length === 0 || o.nets.length !== o.streams.length) throw new Error(`stepsToTarget: need one stream per net, got ${o.nets.length} nets and ${o.streams.length} streams`);
  const meanLoss = () => o.nets.reduce((a, net) => a + excessLoss(net, o.evalSet), 0) / o.nets.length;
  const growth = o.evalGrowth ?? 1.03;
  let prevLoss = meanLoss();
  const limit = 1e3 * Math.max(prevLoss, 1e-12);
  let prevStep = 0;
  let next = 1;
  let outcome: TargetRun = { steps: Number.POSITIVE_INFINITY, stepsRun: o.maxSteps, diverged: false };
  const evaluate = (s: number): TargetRun | null => {
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
    return null;
  };
  const r = fit<TeacherBatch[]>({
    params: o.nets.flatMap((net) => net.params()),
    loss: (bs) => bs.map((b, i) => halfSquaredError(o.nets[i], b)).reduce((a, l) => op.add(a, l)),
    optimizer: optimizerFromConfig(o.optimizer),
    steps: o.maxSteps,
    batches: () => o.streams.map((s) => s.next(o.batch)),
    evalAt: (t) => t >= next,
    onEval: (t) => {
      if (t < next) return;
      const done = evaluate(t);
      if (done === null) return;
      outcome = done;
      return 'stop';
    },
    signal: o.signal,
  });
  if (r.diverged) return { steps: Number.POSITIVE_INFINITY, stepsRun: r.diverged.step, diverged: true };
  return outcome;
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
  configs: readonly CurveConfig[];
  replicas: number;
  task: TeacherTask;
  evalSet: TeacherEvalSet;
  checkpoints: readonly number[];
  inputDim: number;
  width: number;
  /** replica q uses init rng.child('init', q) and stream rng.child('stream', q) for every config */
  rng: Rng;
  onEval?: (label: string, replica: number, examples: number, loss: number) => void;
  /** after each finished run: (runs done, runs total, label) */
  onRun?: (done: number, total: number, label: string) => void;
  signal?: AbortSignal;
}

/** A run's losses on every checkpoint: +∞ past its end and, if it diverged, from its last evaluation on. */
function paddedLosses(r: CurveRun, checkpoints: number): number[] {
  const loss = r.loss.slice();
  while (loss.length < checkpoints) loss.push(Number.POSITIVE_INFINITY);
  if (r.diverged) for (let i = 0; i < loss.length; i++) if (!Number.isFinite(loss[i]) || i >= r.loss.length - 1) loss[i] = Number.POSITIVE_INFINITY;
  return loss;
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
      const r = trainLossCurve({
        net: tanhStudent(o.inputDim, o.width, o.rng.child('init', q)),
        optimizer: c.optimizer,
        batch: c.batch,
        stream: new ExampleStream(o.task, o.rng.child('stream', q)),
        evalSet: o.evalSet,
        checkpoints: o.checkpoints,
        onEval: o.onEval ? (examples, loss) => o.onEval?.(c.label, q, examples, loss) : undefined,
        signal: o.signal,
      });
      diverged ||= r.diverged;
      perReplica.push(paddedLosses(r, o.checkpoints.length));
      o.onRun?.(++done, total, c.label);
    }
    out.set(c.label, { mean: meanCurve(perReplica), perReplica, diverged });
  }
  return out;
}

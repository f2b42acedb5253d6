/**
 * One sweep run: build the data and the model from a resolved RunConfig, train with the configured optimizer,
 * record the observables, and stop early (status `diverged`, with the step) on a non-finite or exploding loss.
 * Synchronous and deterministic given (config, seed): the same function runs in the coordinator (one worker),
 * in a local worker thread, and inside `lmech worker` processes fed by BullMQ.
 *
 * Randomness (Rng keys, so adding a consumer never shifts another's numbers):
 *   data:   Rng.fromSeed(data.seed, 'sweep-data', task) → .child('task' | 'train' | 'test')
 *   init:   Rng.fromSeed(seed, 'sweep-init')
 *   batches: Rng.fromSeed(seed, 'sweep-batches').child('epoch', e) (a permutation per epoch, drop-last)
 *   Lanczos: Rng.fromSeed(seed, 'sweep-lanczos', t)
 */
import { valueAndGrad } from '../../core/autodiff.ts';
import { stableStringify } from '../../core/hash.ts';
import type { FloatArray, Mat } from '../../core/mat.ts';
import * as op from '../../core/ops.ts';
import { Rng } from '../../core/random.ts';
import { blockNorm, oneHot } from '../../core/stats.ts';
import { noGrad, type Tensor, tensor } from '../../core/tensor.ts';
import { makeGaussianMixtureTask } from '../../data/mixture.ts';
import { loadDigits } from '../../data/node/datasets.ts';
import { makeSparseParityTask } from '../../data/parity.ts';
import { makePowerLawTask } from '../../data/powerlaw.ts';
import { type IndexLink, makeTeacherTask } from '../../data/teacher.ts';
import { type Mlp, mlp } from '../../nn/mlp.ts';
import { type Optimizer, optimizerFromConfig } from '../../nn/optim.ts';
import { fit } from '../../nn/train.ts';
import { sharpness } from '../../observe/hessian.ts';
import { ntkTargetAlignment } from './observables.ts';
import type { DataConfig, ObservableName, RunConfig, SweepTask } from './spec.ts';
import { trainTextRun } from './trainText.ts';

export type SweepRunStatus = 'done' | 'diverged' | 'error';

export interface SeriesOut {
  observable: ObservableName;
  steps: number[];
  values: number[];
}

/** What a run returns to the coordinator (JSON-safe once non-finite numbers are encoded; see store encodeJson). */
export interface SweepRunResult {
  runId: string;
  seed: number;
  codeVersion: string;
  status: SweepRunStatus;
  /** The step at which the loss became non-finite or exceeded divergence.maxLoss (status 'diverged'). */
  divergedStep: number | null;
  /** Why the run diverged, or the error of an 'error' run. */
  message: string | null;
  /** Optimizer steps taken. */
  stepsDone: number;
  series: SeriesOut[];
  /** final_train_loss, final_test_loss (+ final_*_accuracy for classification) at θ_steps; empty unless 'done'. */
  final: Record<string, number>;
  startedAt: string;
  durationMs: number;
  /** host:pid/thread of the process that ran it. */
  worker: string;
}

export interface RunHooks {
  /** Called with the fraction done (0..1), at most every ~100 ms. */
  progress?: (fraction: number) => void;
  signal?: AbortSignal;
}

// ---- data ----

interface Dataset {
  xTrain: Mat;
  xTest: Mat;
  /** Class labels (classification tasks), else null. */
  labelsTrain: Int32Array | null;
  labelsTest: Int32Array | null;
  /** Regression targets n × 1, or one-hot n × classes for classification. */
  targetsTrain: Float64Array;
  targetsTest: Float64Array;
  inputDim: number;
  outputDim: number;
  classes: number | null;
}

/** Sum over the k directions of a per-coordinate link: g(z) = Σ_j h(z_j). He₂(z)/√2 = (z² − 1)/√2 has unit variance. */
const LINKS: Record<string, (z: number) => number> = {
  linear: (z) => z,
  relu: (z) => Math.max(0, z),
  tanh: Math.tanh,
  he2: (z) => (z * z - 1) / Math.SQRT2,
};

function linkFn(name: string): IndexLink {
  const h = LINKS[name];
  if (!h) throw new Error(`data.link: unknown '${name}', expected one of ${Object.keys(LINKS).join(', ')}`);
  return (z) => {
    let s = 0;
    for (let j = 0; j < z.length; j++) s += h(z[j]);
    return s;
  };
}

function rowsOf(x: Mat, idx: Int32Array): Mat {
  const out = new Float64Array(idx.length * x.cols);
  for (let r = 0; r < idx.length; r++) out.set(x.data.subarray(idx[r] * x.cols, (idx[r] + 1) * x.cols), r * x.cols);
  return { rows: idx.length, cols: x.cols, data: out };
}

let digitsCache: ReturnType<typeof loadDigits> | undefined;

function classification(x: [Mat, Mat], y: [Int32Array, Int32Array], classes: number): Dataset {
  return {
    xTrain: x[0],
    xTest: x[1],
    labelsTrain: y[0],
    labelsTest: y[1],
    targetsTrain: oneHot(y[0], classes),
    targetsTest: oneHot(y[1], classes),
    inputDim: x[0].cols,
    outputDim: classes,
    classes,
  };
}

function regression(x: [Mat, Mat], y: [Float64Array, Float64Array]): Dataset {
  return { xTrain: x[0], xTest: x[1], labelsTrain: null, labelsTest: null, targetsTrain: y[0], targetsTest: y[1], inputDim: x[0].cols, outputDim: 1, classes: null };
}

export function buildDataset(d: DataConfig): Dataset {
  const rng = Rng.fromSeed(d.seed, 'sweep-data', d.task);
  switch (d.task) {
    case 'teacher': {
      const task = makeTeacherTask({ d: d.d, k: d.k, link: linkFn(d.link), noise: d.noise }, rng.child('task'));
      const tr = task.sample(d.n, rng.child('train'));
      const te = task.sample(d.testN, rng.child('test'));
      return regression([tr.x, te.x], [tr.y, te.y]);
    }
    case 'powerlaw': {
      const task = makePowerLawTask({ d: d.d, alpha: d.alpha, teacherDecay: d.teacherDecay, noise: d.noise }, rng.child('task'));
      const tr = task.sample(d.n, rng.child('train'));
      const te = task.sample(d.testN, rng.child('test'));
      return regression([tr.x, te.x], [tr.y, te.y]);
    }
    case 'mixture': {
      const task = makeGaussianMixtureTask({ classes: d.classes, d: d.d, margin: d.margin, std: d.std }, rng.child('task'));
      const tr = task.sample(d.n, rng.child('train'));
      const te = task.sample(d.testN, rng.child('test'));
      return classification([tr.x, te.x], [tr.y, te.y], d.classes);
    }
    case 'parity': {
      const task = makeSparseParityTask({ n: d.bits, k: d.k }, rng.child('task'));
      const tr = task.sample(d.n, rng.child('train'));
      const te = task.sample(d.testN, rng.child('test'));
      return classification([tr.x, te.x], [tr.y, te.y], 2);
    }
    case 'digits': {
      digitsCache ??= loadDigits();
      const all = digitsCache;
      if (d.n + d.testN > all.x.rows) throw new Error(`data.n: ${d.n} training plus ${d.testN} test examples exceed the ${all.x.rows} digits`);
      const perm = rng.child('split').permutation(all.x.rows);
      const testIdx = perm.slice(0, d.testN);
      const trainIdx = perm.slice(d.testN, d.testN + d.n);
      const pick = (idx: Int32Array) => Int32Array.from(idx, (i) => all.y[i]);
      return classification([rowsOf(all.x, trainIdx), rowsOf(all.x, testIdx)], [pick(trainIdx), pick(testIdx)], all.classes);
    }
    case 'text':
      throw new Error('data.task text: a token stream, not an (x, y) dataset; trainRun hands it to trainTextRun (./trainText.ts)');
  }
}

/** A few datasets per thread: the runs of a sweep mostly share their data. */
const dataCache = new Map<string, Dataset>();
function cachedDataset(d: DataConfig): Dataset {
  const key = stableStringify(d);
  let ds = dataCache.get(key);
  if (!ds) {
    ds = buildDataset(d);
    if (dataCache.size >= 8) dataCache.delete(dataCache.keys().next().value as string);
    dataCache.set(key, ds);
  }
  return ds;
}

// ---- model and optimizer ----

export function buildModel(config: RunConfig, inputDim: number, outputDim: number, seed: number): Mlp {
  const m = config.model;
  const hidden = new Array<number>(m.depth).fill(m.width);
  return mlp(
    {
      sizes: [inputDim, ...hidden, outputDim],
      activation: m.activation,
      bias: m.bias,
      parameterization: config.parameterization,
      ...(m.baseWidth !== null ? { baseWidth: m.baseWidth } : {}),
      initScale: m.initScale,
      outputMultiplier: m.outputMultiplier,
      optimizer: config.optimizer.name,
    },
    Rng.fromSeed(seed, 'sweep-init'),
  );
}

/**
 * The run's optimizer: the one chain of `optimizerFromConfig` with the parameterization's multipliers
 * (weight decay coupled, added to the gradient, for sgd, momentum and adam; decoupled for adamw).
 */
export function sweepOptimizer(o: RunConfig['optimizer'], lrScales: readonly number[]): Optimizer {
  return optimizerFromConfig(
    {
      kind: o.name,
      lr: o.lr,
      beta: o.momentum ?? undefined,
      beta1: o.beta1 ?? undefined,
      beta2: o.beta2 ?? undefined,
      eps: o.eps ?? undefined,
      weightDecay: o.weightDecay,
    },
    { lrScales },
  );
}

// ---- training ----

function argmaxAccuracy(out: Tensor, labels: Int32Array): number {
  const [n, c] = out.shape;
  const z = out.data;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (z[i * c + j] > z[i * c + best]) best = j;
    if (best === labels[i]) correct++;
  }
  return correct / n;
}

class DivergedError extends Error {
  constructor(
    readonly step: number,
    reason: string,
  ) {
    super(reason);
  }
}

interface SweepBatch {
  x: Tensor;
  y: Tensor;
  labels: Int32Array | null;
}

/** A run's data as tensors, its loss and its evaluation. */
interface RunData {
  ds: Dataset;
  n: number;
  out: number;
  train: SweepBatch;
  test: SweepBatch;
  lossOf: (pred: Tensor, b: SweepBatch) => Tensor;
  evaluate: (b: SweepBatch) => { loss: number; accuracy: number };
}

function runData(config: RunConfig, ds: Dataset, net: Mlp): RunData {
  const xent = config.loss === 'cross-entropy';
  if (xent && !ds.labelsTrain) throw new Error(`loss: cross-entropy needs a classification task, got data.task '${config.data.task}'`);
  const n = ds.xTrain.rows;
  const out = ds.outputDim;
  const lossOf = (pred: Tensor, b: SweepBatch): Tensor => (xent ? op.softmaxCrossEntropy(pred, b.labels as Int32Array) : op.mse(pred, b.y));
  return {
    ds,
    n,
    out,
    train: { x: tensor(ds.xTrain.data, [n, ds.inputDim]), y: tensor(ds.targetsTrain, [n, out]), labels: ds.labelsTrain },
    test: { x: tensor(ds.xTest.data, [ds.xTest.rows, ds.inputDim]), y: tensor(ds.targetsTest, [ds.xTest.rows, out]), labels: ds.labelsTest },
    lossOf,
    evaluate: (b) =>
      noGrad(() => {
        const pred = net.forward(b.x);
        return { loss: lossOf(pred, b).data[0], accuracy: b.labels ? argmaxAccuracy(pred, b.labels) : Number.NaN };
      }),
  };
}

/** Minibatch t (0-based): one permutation per epoch, drop-last; the whole training set when full-batch. */
function minibatches(config: RunConfig, d: RunData, seed: number): (t: number) => SweepBatch {
  const { ds, n, out } = d;
  const batch = config.optimizer.batch === 'full' || config.optimizer.batch >= n ? n : config.optimizer.batch;
  const perEpoch = Math.max(1, Math.floor(n / batch));
  const batchRng = Rng.fromSeed(seed, 'sweep-batches');
  let epoch = -1;
  let perm: Int32Array = new Int32Array(0);
  return (t) => {
    if (batch === n) return d.train;
    const e = Math.floor(t / perEpoch);
    if (e !== epoch) {
      epoch = e;
      perm = batchRng.child('epoch', e).permutation(n);
    }
    const idx = perm.subarray((t % perEpoch) * batch, (t % perEpoch + 1) * batch);
    const xb = new Float64Array(batch * ds.inputDim);
    const yb = new Float64Array(batch * out);
    const lb = ds.labelsTrain ? new Int32Array(batch) : null;
    for (let r = 0; r < batch; r++) {
      const i = idx[r];
      xb.set(ds.xTrain.data.subarray(i * ds.inputDim, (i + 1) * ds.inputDim), r * ds.inputDim);
      yb.set(ds.targetsTrain.subarray(i * out, (i + 1) * out), r * out);
      if (lb && ds.labelsTrain) lb[r] = ds.labelsTrain[i];
    }
    return { x: tensor(xb, [batch, ds.inputDim]), y: tensor(yb, [batch, out]), labels: lb };
  };
}

/** Probe subset for sharpness / kernel alignment: the first `size` examples of the training set. */
function probeOf(d: RunData, size: number): SweepBatch & { m: number } {
  const m = Math.min(size, d.n);
  const inDim = d.ds.inputDim;
  const labels = d.ds.labelsTrain ? d.ds.labelsTrain.subarray(0, m) : null;
  return { m, x: tensor(d.ds.xTrain.data.subarray(0, m * inDim), [m, inDim]), y: tensor(d.ds.targetsTrain.subarray(0, m * d.out), [m, d.out]), labels };
}

/**
 * The observables of `config.record`, read at parameters after t updates: `record(t, batchLoss)` appends
 * the ones due at t (and all of them at the last step), throwing DivergedError when the train loss leaves
 * the divergence rule.
 */
function observableRecorder(config: RunConfig, d: RunData, net: Mlp, seed: number) {
  const params = net.params();
  const arrays = params.map((p) => p.data);
  const theta0 = arrays.map((a) => Float64Array.from(a));
  const theta0Norm = blockNorm(theta0);
  const maxLoss = config.divergence.maxLoss;
  const series = new Map<ObservableName, SeriesOut>();
  for (const o of config.record.observables) series.set(o.name, { observable: o.name, steps: [], values: [] });
  const push = (name: ObservableName, t: number, v: number) => {
    const s = series.get(name);
    if (s) {
      s.steps.push(t);
      s.values.push(v);
    }
  };
  const weightChange = () => {
    let s = 0;
    for (let b = 0; b < arrays.length; b++) for (let i = 0; i < arrays[b].length; i++) s += (arrays[b][i] - theta0[b][i]) ** 2;
    return theta0Norm > 0 ? Math.sqrt(s) / theta0Norm : Math.sqrt(s);
  };
  const record = (t: number, batchLoss: number | null) => {
    let train: { loss: number; accuracy: number } | undefined;
    let test: { loss: number; accuracy: number } | undefined;
    const trainEval = () => (train ??= d.evaluate(d.train));
    const testEval = () => (test ??= d.evaluate(d.test));
    for (const o of config.record.observables) {
      if (!(t % o.every === 0 || t === config.steps)) continue;
      switch (o.name) {
        case 'train_loss': {
          const v = trainEval().loss;
          push(o.name, t, v);
          if (!Number.isFinite(v) || v > maxLoss) throw new DivergedError(t, `train loss ${v} at step ${t}${Number.isFinite(v) ? ` exceeds divergence.maxLoss ${maxLoss}` : ''}`);
          break;
        }
        case 'test_loss':
          push(o.name, t, testEval().loss);
          break;
        case 'batch_loss':
          if (batchLoss !== null) push(o.name, t, batchLoss);
          break;
        case 'train_accuracy':
          push(o.name, t, trainEval().accuracy);
          break;
        case 'test_accuracy':
          push(o.name, t, testEval().accuracy);
          break;
        case 'grad_norm':
          push(o.name, t, blockNorm(valueAndGrad(() => d.lossOf(net.forward(d.train.x), d.train), params).grads));
          break;
        case 'weight_change':
          push(o.name, t, weightChange());
          break;
        case 'param_norm':
          push(o.name, t, blockNorm(arrays));
          break;
        case 'sharpness': {
          const p = probeOf(d, o.probe ?? 256);
          push(o.name, t, sharpness(() => d.lossOf(net.forward(p.x), p), params, { rng: Rng.fromSeed(seed, 'sweep-lanczos', t), maxIter: o.iters ?? 20 }));
          break;
        }
        case 'kernel_alignment': {
          const p = probeOf(d, o.probe ?? 64);
          push(o.name, t, ntkTargetAlignment(() => net.forward(p.x), params, p.m, d.out, p.y.data as Float64Array, d.out));
          break;
        }
      }
    }
  };
  return { series, record };
}

/** `progress` at most every ~100 ms. */
function throttled(progress: ((fraction: number) => void) | undefined): (fraction: number) => void {
  let last = 0;
  return (fraction) => {
    if (!progress) return;
    const now = Date.now();
    if (now - last >= 100) {
      last = now;
      progress(fraction);
    }
  };
}

type RunOutcome = Omit<SweepRunResult, 'runId' | 'codeVersion' | 'startedAt' | 'durationMs' | 'worker'>;

/**
 * Train one run through `fit`. The observables of step t are read before update t + 1 (on the batch loss
 * that update is computed from) and at the last step. Returns status 'done' or 'diverged' (a minibatch
 * loss beyond divergence.maxLoss, a non-finite gradient, or a train loss beyond it when recorded); throws
 * on bad input or abort (the task wrapper turns exceptions into status 'error').
 */
export function trainRun(config: RunConfig, seed: number, hooks: RunHooks = {}): RunOutcome {
  if (config.data.task === 'text')
    return trainTextRun(
      config,
      seed,
      { progress: throttled(hooks.progress), signal: hooks.signal },
      { optimizerFor: (s) => sweepOptimizer(config.optimizer, s), gradNorm: (loss, params) => blockNorm(valueAndGrad(loss, params).grads) },
    );
  const ds = cachedDataset(config.data);
  const net = buildModel(config, ds.inputDim, ds.outputDim, seed);
  const d = runData(config, ds, net);
  const { series, record } = observableRecorder(config, d, net, seed);
  const progress = throttled(hooks.progress);
  const maxLoss = config.divergence.maxLoss;
  const batchAt = minibatches(config, d, seed);
  const diverged = (step: number, message: string, stepsDone: number): RunOutcome => ({ seed, status: 'diverged', divergedStep: step, message, stepsDone, series: [...series.values()], final: {} });
  let stepsDone = 0;
  let lastBatchLoss: number | null = null;
  try {
    const r = fit<SweepBatch>({
      params: net.params(),
      loss: (b) => d.lossOf(net.forward(b.x), b),
      optimizer: sweepOptimizer(config.optimizer, net.lrScales()),
      steps: config.steps,
      batches: (s) => batchAt(s - 1),
      divergence: { maxLoss },
      onStep: (s, value, grads: FloatArray[]) => {
        stepsDone = s - 1;
        const gn = blockNorm(grads);
        if (!Number.isFinite(gn)) throw new DivergedError(s - 1, `gradient norm ${gn} at step ${s - 1}`);
        record(s - 1, value);
        lastBatchLoss = value;
        progress(s / config.steps);
      },
      onEval: (s) => {
        stepsDone = s;
        if (s === config.steps) record(s, lastBatchLoss);
      },
      signal: hooks.signal,
    });
    if (r.diverged) {
      const { step, loss } = r.diverged;
      return diverged(step - 1, `minibatch loss ${loss} at step ${step - 1}${Number.isFinite(loss) ? ` exceeds divergence.maxLoss ${maxLoss}` : ''}`, r.steps);
    }
  } catch (e) {
    if (e instanceof DivergedError) return diverged(e.step, e.message, stepsDone);
    throw e;
  }
  return finalOutcome(config, d, seed, stepsDone, [...series.values()], hooks);
}

/** The final train and test metrics at θ_steps; a final train loss beyond the divergence rule is a divergence. */
function finalOutcome(config: RunConfig, d: RunData, seed: number, stepsDone: number, series: SeriesOut[], hooks: RunHooks): RunOutcome {
  const trainFinal = d.evaluate(d.train);
  const testFinal = d.evaluate(d.test);
  const final: Record<string, number> = { final_train_loss: trainFinal.loss, final_test_loss: testFinal.loss };
  if (d.ds.labelsTrain) {
    final.final_train_accuracy = trainFinal.accuracy;
    final.final_test_accuracy = testFinal.accuracy;
  }
  if (!Number.isFinite(trainFinal.loss) || trainFinal.loss > config.divergence.maxLoss) {
    return { seed, status: 'diverged', divergedStep: config.steps, message: `final train loss ${trainFinal.loss}`, stepsDone, series, final: {} };
  }
  hooks.progress?.(1);
  return { seed, status: 'done', divergedStep: null, message: null, stepsDone, series, final };
}

/** Where this code runs, for provenance (set by the task wrapper). */
let workerLabel = 'local';
export function setWorkerLabel(label: string): void {
  workerLabel = label;
}

/**
 * Run a task and never throw: an exception becomes status 'error' with its message (a deterministic failure;
 * the local coordinator stores it and a later invocation retries it, BullMQ retries it with backoff).
 */
export function runSweepTask(task: SweepTask, hooks: RunHooks = {}): SweepRunResult {
  const t0 = Date.now();
  const base = { runId: task.runId, codeVersion: task.codeVersion, startedAt: new Date(t0).toISOString(), worker: workerLabel };
  try {
    const r = trainRun(task.config, task.seed, hooks);
    return { ...base, ...r, durationMs: Date.now() - t0 };
  } catch (e) {
    if (hooks.signal?.aborted) throw hooks.signal.reason ?? e;
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return {
      ...base,
      seed: task.seed,
      status: 'error',
      divergedStep: null,
      message: msg,
      stepsDone: 0,
      series: [],
      final: {},
      durationMs: Date.now() - t0,
    };
  }
}

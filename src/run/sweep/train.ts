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
import type { Mat } from '../../core/mat.ts';
import * as op from '../../core/ops.ts';
import { Rng } from '../../core/random.ts';
import { type Tensor, noGrad, tensor } from '../../core/tensor.ts';
import { makeGaussianMixtureTask } from '../../data/mixture.ts';
import { makeSparseParityTask } from '../../data/parity.ts';
import { makePowerLawTask } from '../../data/powerlaw.ts';
import { type IndexLink, makeTeacherTask } from '../../data/teacher.ts';
import { loadDigits } from '../../data/node/datasets.ts';
import { type Mlp, mlp } from '../../nn/mlp.ts';
import { type Arrays, type Optimizer, adam, adamw, applyUpdates, momentum, sgd } from '../../nn/optim.ts';
import { sharpness } from '../../observe/hessian.ts';
import { stableStringify } from '../../core/hash.ts';
import { ntkTargetAlignment } from './observables.ts';
import type { DataConfig, ObservableName, RunConfig, SweepTask } from './spec.ts';

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

function oneHot(labels: Int32Array, classes: number): Float64Array {
  const out = new Float64Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) out[i * classes + labels[i]] = 1;
  return out;
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

function buildOptimizer(o: RunConfig['optimizer'], lrScales: number[]): Optimizer<unknown> {
  switch (o.name) {
    case 'sgd':
      return sgd(o.lr, lrScales) as Optimizer<unknown>;
    case 'momentum':
      return momentum(o.lr, o.momentum ?? 0.9, lrScales) as Optimizer<unknown>;
    case 'adam':
      return adam(o.lr, { beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, eps: o.eps ?? 1e-8, lrScales }) as Optimizer<unknown>;
    case 'adamw':
      return adamw(o.lr, o.weightDecay, { beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, eps: o.eps ?? 1e-8, lrScales }) as Optimizer<unknown>;
  }
}

// ---- training ----

function norm(blocks: ArrayLike<number>[]): number {
  let s = 0;
  for (const b of blocks) for (let i = 0; i < b.length; i++) s += b[i] * b[i];
  return Math.sqrt(s);
}

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

/**
 * Train one run. Returns status 'done' or 'diverged'; throws on bad input or abort (the task wrapper turns
 * exceptions into status 'error').
 */
export function trainRun(config: RunConfig, seed: number, hooks: RunHooks = {}): Omit<SweepRunResult, 'runId' | 'codeVersion' | 'startedAt' | 'durationMs' | 'worker'> {
  const ds = cachedDataset(config.data);
  const net = buildModel(config, ds.inputDim, ds.outputDim, seed);
  const params = net.params();
  const arrays: Arrays = params.map((p) => p.data);
  const opt = buildOptimizer(config.optimizer, net.lrScales());
  let state = opt.init(arrays);
  const theta0 = arrays.map((a) => Float64Array.from(a));
  const theta0Norm = norm(theta0);
  const n = ds.xTrain.rows;
  const out = ds.outputDim;
  const maxLoss = config.divergence.maxLoss;
  const xent = config.loss === 'cross-entropy';
  if (xent && !ds.labelsTrain) throw new Error(`loss: cross-entropy needs a classification task, got data.task '${config.data.task}'`);

  const xTrain = tensor(ds.xTrain.data, [n, ds.inputDim]);
  const xTest = tensor(ds.xTest.data, [ds.xTest.rows, ds.inputDim]);
  const yTrain = tensor(ds.targetsTrain, [n, out]);
  const yTest = tensor(ds.targetsTest, [ds.xTest.rows, out]);
  const lossOf = (pred: Tensor, targets: Tensor, labels: Int32Array | null): Tensor => (xent ? op.softmaxCrossEntropy(pred, labels as Int32Array) : op.mse(pred, targets));
  const trainLoss = () => lossOf(net.forward(xTrain), yTrain, ds.labelsTrain);

  // minibatches: one permutation per epoch, drop-last
  const batch = config.optimizer.batch === 'full' || config.optimizer.batch >= n ? n : config.optimizer.batch;
  const perEpoch = Math.max(1, Math.floor(n / batch));
  const batchRng = Rng.fromSeed(seed, 'sweep-batches');
  let epoch = -1;
  let perm: Int32Array = new Int32Array(0);
  const batchAt = (t: number): { x: Tensor; y: Tensor; labels: Int32Array | null } => {
    if (batch === n) return { x: xTrain, y: yTrain, labels: ds.labelsTrain };
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

  // probe subsets for sharpness / kernel alignment: the first examples of the training set
  const probe = (size: number) => {
    const m = Math.min(size, n);
    const x = tensor(ds.xTrain.data.subarray(0, m * ds.inputDim), [m, ds.inputDim]);
    const y = tensor(ds.targetsTrain.subarray(0, m * out), [m, out]);
    const labels = ds.labelsTrain ? ds.labelsTrain.subarray(0, m) : null;
    return { m, x, y, labels };
  };

  const series = new Map<ObservableName, SeriesOut>();
  for (const o of config.record.observables) series.set(o.name, { observable: o.name, steps: [], values: [] });
  const push = (name: ObservableName, t: number, v: number) => {
    const s = series.get(name);
    if (s) {
      s.steps.push(t);
      s.values.push(v);
    }
  };

  const evaluate = (x: Tensor, y: Tensor, labels: Int32Array | null) =>
    noGrad(() => {
      const pred = net.forward(x);
      return { loss: lossOf(pred, y, labels).data[0], accuracy: labels ? argmaxAccuracy(pred, labels) : Number.NaN };
    });

  const record = (t: number, batchLoss: number | null) => {
    let train: { loss: number; accuracy: number } | undefined;
    let test: { loss: number; accuracy: number } | undefined;
    const trainEval = () => (train ??= evaluate(xTrain, yTrain, ds.labelsTrain));
    const testEval = () => (test ??= evaluate(xTest, yTest, ds.labelsTest));
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
        case 'grad_norm': {
          const { grads } = valueAndGrad(trainLoss, params);
          push(o.name, t, norm(grads));
          break;
        }
        case 'weight_change': {
          let s = 0;
          for (let b = 0; b < arrays.length; b++) for (let i = 0; i < arrays[b].length; i++) s += (arrays[b][i] - theta0[b][i]) ** 2;
          push(o.name, t, theta0Norm > 0 ? Math.sqrt(s) / theta0Norm : Math.sqrt(s));
          break;
        }
        case 'param_norm':
          push(o.name, t, norm(arrays));
          break;
        case 'sharpness': {
          const p = probe(o.probe ?? 256);
          const loss = () => lossOf(net.forward(p.x), p.y, p.labels);
          push(o.name, t, sharpness(loss, params, { rng: Rng.fromSeed(seed, 'sweep-lanczos', t), maxIter: o.iters ?? 20 }));
          break;
        }
        case 'kernel_alignment': {
          const p = probe(o.probe ?? 64);
          push(o.name, t, ntkTargetAlignment(() => net.forward(p.x), params, p.m, out, p.y.data as Float64Array, out));
          break;
        }
      }
    }
  };

  let lastProgress = 0;
  let stepsDone = 0;
  let lastBatchLoss: number | null = null;
  try {
    for (let t = 0; t <= config.steps; t++) {
      if (hooks.signal?.aborted) throw hooks.signal.reason ?? new Error('aborted');
      if (t === config.steps) {
        record(t, lastBatchLoss);
        break;
      }
      const b = batchAt(t);
      const { value, grads } = valueAndGrad(() => lossOf(net.forward(b.x), b.y, b.labels), params);
      if (!Number.isFinite(value) || value > maxLoss) {
        throw new DivergedError(t, `minibatch loss ${value} at step ${t}${Number.isFinite(value) ? ` exceeds divergence.maxLoss ${maxLoss}` : ''}`);
      }
      const gn = norm(grads);
      if (!Number.isFinite(gn)) throw new DivergedError(t, `gradient norm ${gn} at step ${t}`);
      record(t, value);
      // L2 penalty ½λ‖θ‖² added to the loss for sgd/momentum/adam (gradient += λθ); adamw decays in the update.
      const wd = config.optimizer.weightDecay;
      if (wd > 0 && config.optimizer.name !== 'adamw') {
        for (let p = 0; p < grads.length; p++) {
          const g = grads[p];
          const th = arrays[p];
          for (let i = 0; i < g.length; i++) g[i] += wd * th[i];
        }
      }
      const u = opt.update(grads, state, arrays);
      state = u.state;
      applyUpdates(arrays, u.updates);
      stepsDone = t + 1;
      lastBatchLoss = value;
      if (hooks.progress) {
        const now = Date.now();
        if (now - lastProgress >= 100) {
          lastProgress = now;
          hooks.progress(stepsDone / config.steps);
        }
      }
    }
  } catch (e) {
    if (e instanceof DivergedError) {
      return { seed, status: 'diverged', divergedStep: e.step, message: e.message, stepsDone, series: [...series.values()], final: {} };
    }
    throw e;
  }
  const trainFinal = evaluate(xTrain, yTrain, ds.labelsTrain);
  const testFinal = evaluate(xTest, yTest, ds.labelsTest);
  const final: Record<string, number> = { final_train_loss: trainFinal.loss, final_test_loss: testFinal.loss };
  if (ds.labelsTrain) {
    final.final_train_accuracy = trainFinal.accuracy;
    final.final_test_accuracy = testFinal.accuracy;
  }
  if (!Number.isFinite(trainFinal.loss) || trainFinal.loss > maxLoss) {
    return { seed, status: 'diverged', divergedStep: config.steps, message: `final train loss ${trainFinal.loss}`, stepsDone, series: [...series.values()], final: {} };
  }
  hooks.progress?.(1);
  return { seed, status: 'done', divergedStep: null, message: null, stepsDone, series: [...series.values()], final };
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
    if (hooks.signal?.aborted) throw e;
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

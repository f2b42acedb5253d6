/**
 * Shared training and evaluation helpers for the classification studies of the universality pillar (neural collapse,
 * representation convergence, architecture universality). Plain loops over the autodiff core: softmax cross-entropy,
 * minibatch or full-batch steps, coupled L2 weight decay (λθ added to the gradient, as in SGD with weight decay and
 * in Papyan et al. 2020), and rank statistics. Browser-safe.
 */
import { valueAndGrad } from '../../core/autodiff.ts';
import type { Mat } from '../../core/mat.ts';
import * as op from '../../core/ops.ts';
import type { Rng } from '../../core/random.ts';
import { noGrad, type Tensor, tensor } from '../../core/tensor.ts';
import { adam, applyUpdates, momentum, type Optimizer, sgd } from '../../nn/optim.ts';

/** Anything with parameters and a forward pass that may collect hidden activations. */
export interface Classifier {
  params(): Tensor[];
  forward(x: Tensor, collect?: Tensor[]): Tensor;
}

export interface TrainOptions {
  /** Number of optimizer steps. */
  steps: number;
  /** Minibatch size; 0 (or ≥ n) means full batch. Minibatches are drawn as shuffled epochs. */
  batchSize: number;
  optimizer: 'sgd' | 'momentum' | 'adam';
  lr: number;
  /** Coupled L2 weight decay: the gradient gets +λθ for every parameter (default 0). */
  weightDecay?: number;
  /** Heavy-ball coefficient for 'momentum' (default 0.9). */
  beta?: number;
  rng: Rng;
  /** Called after every step with the step index (1-based) and the minibatch loss before the step. */
  onStep?: (step: number, loss: number) => void;
  signal?: AbortSignal;
}

function rowsOf(x: Mat, idx: ArrayLike<number>): Float64Array {
  const d = x.cols;
  const out = new Float64Array(idx.length * d);
  for (let r = 0; r < idx.length; r++) out.set(x.data.subarray(idx[r] * d, idx[r] * d + d), r * d);
  return out;
}

/** Train `model` on (x, y) with softmax cross-entropy. Returns the minibatch losses. */
export function trainClassifier(model: Classifier, x: Mat, y: Int32Array, opts: TrainOptions): number[] {
  const n = x.rows;
  if (y.length !== n) throw new Error(`y: has ${y.length} labels, expected one per row of x (${n})`);
  const ps = model.params();
  const wd = opts.weightDecay ?? 0;
  let opt: Optimizer<unknown>;
  if (opts.optimizer === 'adam') opt = adam(opts.lr) as Optimizer<unknown>;
  else if (opts.optimizer === 'momentum') opt = momentum(opts.lr, opts.beta ?? 0.9) as Optimizer<unknown>;
  else opt = sgd(opts.lr) as Optimizer<unknown>;
  const arrays = ps.map((p) => p.data);
  let state = opt.init(arrays);
  const full = opts.batchSize <= 0 || opts.batchSize >= n;
  const bs = full ? n : opts.batchSize;
  const xFull = full ? tensor(x.data, [n, x.cols]) : null;
  let perm: Int32Array = new Int32Array(0);
  let cursor = n;
  let epoch = 0;
  const losses: number[] = [];
  for (let step = 1; step <= opts.steps; step++) {
    if (opts.signal?.aborted) throw new Error('aborted');
    let xb: Tensor;
    let yb: Int32Array;
    if (xFull !== null) {
      xb = xFull;
      yb = y;
    } else {
      if (cursor + bs > n) {
        perm = opts.rng.child('epoch', epoch++).permutation(n);
        cursor = 0;
      }
      const idx = perm.subarray(cursor, cursor + bs);
      cursor += bs;
      xb = tensor(rowsOf(x, idx), [bs, x.cols]);
      yb = Int32Array.from(idx, (i) => y[i]);
    }
    const { value, grads } = valueAndGrad(() => op.softmaxCrossEntropy(model.forward(xb), yb), ps);
    if (wd > 0) {
      for (let i = 0; i < ps.length; i++) {
        const g = grads[i];
        const p = arrays[i];
        for (let j = 0; j < g.length; j++) g[j] += wd * p[j];
      }
    }
    const u = opt.update(grads, state, arrays);
    state = u.state;
    applyUpdates(arrays, u.updates);
    losses.push(value);
    opts.onStep?.(step, value);
  }
  return losses;
}

/** Logits (n×C) of `model` on x, without building a graph. */
export function predictLogits(model: Classifier, x: Mat): Mat {
  const out = noGrad(() => model.forward(tensor(x.data, [x.rows, x.cols])));
  return { rows: out.shape[0], cols: out.shape[1], data: Float64Array.from(out.data) };
}

/** The activations of hidden layer `layer` (0-based; −1 = the last hidden layer, the penultimate representation). */
export function hiddenFeatures(model: Classifier, x: Mat, layer = -1): Mat {
  const collect: Tensor[] = [];
  noGrad(() => model.forward(tensor(x.data, [x.rows, x.cols]), collect));
  if (collect.length === 0) throw new Error('model: collected no hidden activations (does its forward accept `collect`?)');
  const h = collect[layer < 0 ? collect.length + layer : layer];
  if (h === undefined) throw new Error(`layer: ${layer} is not a hidden layer index (the model has ${collect.length})`);
  const cols = h.size / x.rows;
  return { rows: x.rows, cols, data: Float64Array.from(h.data) };
}

/** Row-wise softmax of logits. */
export function softmaxRows(logits: Mat): Mat {
  const { rows, cols } = logits;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cols; c++) m = Math.max(m, logits.data[i * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(logits.data[i * cols + c] - m);
      out[i * cols + c] = e;
      s += e;
    }
    for (let c = 0; c < cols; c++) out[i * cols + c] /= s;
  }
  return { rows, cols, data: out };
}

/** Predicted class of every row (argmax; the first on ties). */
export function argmaxRows(m: Mat): Int32Array {
  const out = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let best = 0;
    for (let c = 1; c < m.cols; c++) if (m.data[i * m.cols + c] > m.data[i * m.cols + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** Fraction of rows whose argmax equals the label. */
export function accuracy(logits: Mat, y: Int32Array): number {
  const p = argmaxRows(logits);
  let c = 0;
  for (let i = 0; i < y.length; i++) if (p[i] === y[i]) c++;
  return c / y.length;
}

export { averageRanks, pearson, spearman } from '../../observe/rankCorrelation.ts';

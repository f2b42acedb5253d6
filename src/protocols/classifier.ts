/**
 * Classifier training for the classification studies of the universality pillar (neural collapse,
 * representation convergence, architecture universality): softmax cross-entropy through the one trainer
 * `fit`, minibatches drawn as shuffled epochs (or the full batch), and coupled L2 weight decay (λθ added to
 * the gradient before the optimizer, as in SGD with weight decay and in Papyan et al. 2020). The instruments
 * that read the trained model are in src/observe/classifierOutputs.ts. Browser-safe.
 */
import type { Mat } from '../core/mat.ts';
import * as op from '../core/ops.ts';
import type { Rng } from '../core/random.ts';
import { type Tensor, tensor } from '../core/tensor.ts';
import type { Model } from '../nn/model.ts';
import { optimizerFromConfig } from '../nn/optim.ts';
import { fit } from '../nn/train.ts';

export interface ClassifierTrainOptions {
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
  /** epoch e is shuffled by rng.child('epoch', e) */
  rng: Rng;
  /** Called after every step (the parameters updated) with the step (1-based) and the minibatch loss before the step. */
  onStep?: (step: number, loss: number) => void;
  signal?: AbortSignal;
}

interface LabelledBatch {
  x: Tensor;
  y: Int32Array;
}

function rowsOf(x: Mat, idx: ArrayLike<number>): Float64Array {
  const d = x.cols;
  const out = new Float64Array(idx.length * d);
  for (let r = 0; r < idx.length; r++) out.set(x.data.subarray(idx[r] * d, idx[r] * d + d), r * d);
  return out;
}

/** The batch of each step: the full data set, or the next slice of a shuffled epoch. */
function epochBatches(x: Mat, y: Int32Array, batchSize: number, rng: Rng): () => LabelledBatch {
  const n = x.rows;
  if (batchSize <= 0 || batchSize >= n) {
    const full = { x: tensor(x.data, [n, x.cols]), y };
    return () => full;
  }
  let perm: Int32Array = new Int32Array(0);
  let cursor = n;
  let epoch = 0;
  return () => {
    if (cursor + batchSize > n) {
      perm = rng.child('epoch', epoch++).permutation(n);
      cursor = 0;
    }
    const idx = perm.subarray(cursor, cursor + batchSize);
    cursor += batchSize;
    return { x: tensor(rowsOf(x, idx), [batchSize, x.cols]), y: Int32Array.from(idx, (i) => y[i]) };
  };
}

/** Train `model` on (x, y) with softmax cross-entropy. Returns the minibatch losses (each before its step). */
export function trainClassifier(model: Model, x: Mat, y: Int32Array, opts: ClassifierTrainOptions): number[] {
  if (y.length !== x.rows) throw new Error(`trainClassifier: y has ${y.length} labels, expected one per row of x (${x.rows})`);
  const losses: number[] = [];
  fit<LabelledBatch>({
    params: model.params(),
    loss: (b) => op.softmaxCrossEntropy(model.forward(b.x), b.y),
    optimizer: optimizerFromConfig({ kind: opts.optimizer, lr: opts.lr, beta: opts.beta, weightDecay: opts.weightDecay }),
    steps: opts.steps,
    batches: epochBatches(x, y, opts.batchSize, opts.rng),
    onStep: (_t, loss) => {
      losses.push(loss);
    },
    evalAt: 1,
    onEval: (t) => {
      if (t > 0) opts.onStep?.(t, losses[t - 1]);
    },
    signal: opts.signal,
  });
  return losses;
}

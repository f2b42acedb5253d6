/**
 * The two networks of the quanta-scaling study behind one interface, so that its sweeps do not care which code the
 * items enter with (catalog 20). Browser-safe.
 *   - 'one-hot': the lookup network of ./lookupNet.ts (no parameter shared between quanta; its own sparse SGD and
 *     Adam loops, since a dense pass would spend K·w per example on zeros).
 *   - 'dense': the shared-parameter network of ./denseNet.ts, stepped by the one optimizer module (src/nn/optim.ts:
 *     plain SGD online, Adam on a fixed sample).
 */
import type { Rng } from '../../core/random.ts';
import { drawItem, type QuantaTask } from '../../data/quanta.ts';
import { adam, OptimizerState, sgd } from '../../nn/optim.ts';
import { throwIfAborted } from '../../nn/train.ts';
import { denseGradBuffers, denseItemLosses, denseParamsOf, denseQuantaGradient, makeDenseQuantaNet } from './denseNet.ts';
import { countWeights, itemLosses, makeQuantaNet, trainLookupOnCounts, trainLookupOnline } from './lookupNet.ts';

export type QuantaCode = 'one-hot' | 'dense';

export interface OnlineOptions {
  steps: number;
  batch: number;
  lr: number;
  rng: Rng;
  checkpoints?: number[];
  onCheckpoint?: (step: number) => void;
  signal?: AbortSignal;
}

export interface CountsOptions {
  steps: number;
  lr: number;
  signal?: AbortSignal;
}

export interface QuantaLearner {
  /** ‖f(item k) − y_k‖² for k < count (default all K). */
  itemLosses(count?: number): Float64Array;
  /** Online minibatch training on fresh samples from p (the ample-data regime). */
  trainOnline(opts: OnlineOptions): void;
  /** Full-batch training on a fixed sample given as item counts; returns the final training loss (1/D)Σ n_k·½‖·‖². */
  trainOnCounts(counts: Int32Array, opts: CountsOptions): number;
}

/** Population loss Σ_k p_k ‖f(item k) − y_k‖² from a learner's per-item losses. */
export function populationLoss(task: QuantaTask, learner: QuantaLearner): number {
  const l = learner.itemLosses();
  let s = 0;
  for (let k = 0; k < task.K; k++) s += task.p[k] * l[k];
  return s;
}

/** A learner of width w reading `code` (init scales: first layer `initFirst`, readout `initV`). */
export function makeLearner(code: QuantaCode, task: QuantaTask, w: number, initFirst: number, initV: number, rng: Rng, leak: number): QuantaLearner {
  if (code === 'one-hot') {
    const net = makeQuantaNet(task, w, initFirst, initV, rng, leak);
    return {
      itemLosses: (count) => itemLosses(task, net, count),
      trainOnline: (o) => trainLookupOnline(task, net, o),
      trainOnCounts: (counts, o) => trainLookupOnCounts(task, net, counts, o),
    };
  }
  if (code !== 'dense') throw new Error(`quanta learner: code = '${String(code)}', expected 'one-hot' or 'dense'`);
  const net = makeDenseQuantaNet(task, w, initFirst, initV, rng, leak);
  const params = denseParamsOf(net);
  const g = denseGradBuffers(net);
  const grads = [g.W, g.b, g.V];
  const clear = () => {
    for (const a of grads) a.fill(0);
  };
  return {
    itemLosses: (count) => denseItemLosses(task, net, count),
    trainOnline(o) {
      const opt = new OptimizerState(sgd(o.lr));
      const items = new Int32Array(o.batch);
      const weights = new Float64Array(o.batch).fill(1 / o.batch);
      const cps = o.checkpoints ?? [];
      let next = 0;
      for (let t = 1; t <= o.steps; t++) {
        throwIfAborted(o.signal);
        for (let b = 0; b < o.batch; b++) items[b] = drawItem(task, o.rng.uniform());
        clear();
        denseQuantaGradient(task, net, items, weights, g);
        opt.step(params, grads);
        while (next < cps.length && cps[next] <= t) {
          o.onCheckpoint?.(t);
          next++;
        }
      }
    },
    trainOnCounts(counts, o) {
      const { items, weights } = countWeights(task, counts);
      const opt = new OptimizerState(adam(o.lr));
      let loss = Number.NaN;
      for (let t = 1; t <= o.steps; t++) {
        throwIfAborted(o.signal);
        clear();
        loss = denseQuantaGradient(task, net, items, weights, g);
        opt.step(params, grads);
      }
      return loss;
    },
  };
}

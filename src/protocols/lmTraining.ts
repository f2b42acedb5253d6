/**
 * Training a decoder-only transformer (src/nn/transformer.ts) as a next-token language model on a token
 * stream, through the one trainer `fit`: the protocol behind the language-model studies (catalog 34–35).
 *
 * Batches are `batch` windows of seqLen + 1 tokens drawn uniformly from the training split (nanoGPT's
 * get_batch; src/data/corpus.ts `sampleLmBatch`), batch t from `rng.child(t)`, so runs given the same stream
 * see the same text (common random numbers across widths and learning rates). With a million-token
 * training split and a few thousand windows per run, a batch is almost surely fresh, so a batch's loss
 * before its step is an unbiased estimate of the population loss of the current iterate (as in the online
 * teacher protocol, ./lrSweep.ts): the tail mean of the batch losses is the run's training loss.
 * The validation loss is the mean next-token cross-entropy over a fixed prefix of the validation split in
 * non-overlapping windows (`validationLmBatches`: deterministic, the same tokens for every run).
 */
import { type SweepDecay, sweepOptimizerConfig } from './lrSweep.ts';
import type { Rng } from '../core/random.ts';
import { type DType, tensor } from '../core/tensor.ts';
import { type LmBatch, sampleLmBatch, validationLmBatches } from '../data/corpus.ts';
import { optimizerFromConfig } from '../nn/optim.ts';
import type { OptimizerFamily } from '../nn/parameterization.ts';
import { fit } from '../nn/train.ts';
import type { Transformer } from '../nn/transformer.ts';
import { exceedsLimit } from './lrSweep.ts';

export interface LmRunOptions extends SweepDecay {
  net: Transformer;
  /** the training token stream */
  train: Int32Array;
  /** the validation token stream (needed when `evalAt` is given) */
  validation?: Int32Array;
  optimizer: OptimizerFamily;
  lr: number;
  steps: number;
  batch: number;
  /** tokens the model reads per window (≤ the model's context) */
  seqLen: number;
  /** batch stream: batch t is drawn from rng.child(t) */
  rng: Rng;
  /** steps after which the validation loss is measured (0 = at init) */
  evalAt?: readonly number[];
  /** validation windows per evaluation: the first `validationWindows` windows of the split (default 256) */
  validationWindows?: number;
  /** the training loss is the mean batch loss over the last ⌈tailFraction·steps⌉ steps (default 0.25) */
  tailFraction?: number;
  /** a batch loss above this multiple of the first one ends the run as diverged (default 3: a char model starts near ln V) */
  divergeFactor?: number;
  onStep?: (step: number, loss: number) => void;
  onEval?: (step: number, validationLoss: number) => void;
  signal?: AbortSignal;
}

export interface LmRunResult {
  /** tail-mean training loss (nats per token); +∞ if the run diverged */
  finalLoss: number;
  initialLoss: number;
  diverged: boolean;
  /** batch loss at every step taken */
  curve: number[];
  /** validation loss after each step of `evalAt` that was reached */
  validation: { step: number; loss: number }[];
}

/** The B sequences of seqLen + 1 tokens of a batch as the [B, seqLen + 1] tensor `Transformer.loss` takes. */
export function lmSequences(b: LmBatch, dtype: DType = 'f64'): ReturnType<typeof tensor> {
  const T = b.seqLen;
  const data = new Float64Array(b.batchSize * (T + 1));
  for (let r = 0; r < b.batchSize; r++) {
    for (let t = 0; t < T; t++) data[r * (T + 1) + t] = b.inputs[r * T + t];
    data[r * (T + 1) + T] = b.targets[r * T + T - 1];
  }
  return tensor(data, [b.batchSize, T + 1], dtype);
}

/** Mean next-token cross-entropy of `net` over the first `windows` windows of `tokens` (token-weighted). */
export function validationLoss(net: Transformer, tokens: Int32Array, seqLen: number, windows = 256, batch = 32): number {
  const dtype = net.spec.dtype ?? 'f64';
  let total = 0;
  let rows = 0;
  for (const b of validationLmBatches(tokens, batch, seqLen, Math.ceil(windows / batch))) {
    total += net.loss(lmSequences(b, dtype)).data[0] * b.batchSize;
    rows += b.batchSize;
  }
  return total / rows;
}

/** Train `o.net` in place (see the module comment). */
export function trainLm(o: LmRunOptions): LmRunResult {
  if (!(Number.isInteger(o.steps) && o.steps >= 1)) throw new Error(`trainLm: steps = ${o.steps}, expected a positive integer`);
  if (o.seqLen > o.net.spec.context) throw new Error(`trainLm: seqLen = ${o.seqLen} exceeds the model's context = ${o.net.spec.context}`);
  if (o.evalAt && o.evalAt.length > 0 && o.validation === undefined) throw new Error('trainLm: evalAt given without a validation stream');
  const dtype = o.net.spec.dtype ?? 'f64';
  const tail = Math.max(1, Math.ceil((o.tailFraction ?? 0.25) * o.steps));
  const curve: number[] = [];
  const validation: { step: number; loss: number }[] = [];
  const evalSet = new Set(o.evalAt ?? []);
  let tailSum = 0;
  let diverged = false;
  const r = fit<LmBatch>({
    params: o.net.params(),
    loss: (b) => o.net.loss(lmSequences(b, dtype)),
    optimizer: optimizerFromConfig(sweepOptimizerConfig(o.optimizer, o.lr, o), { lrScales: o.net.lrScales() }),
    steps: o.steps,
    batches: (t) => sampleLmBatch(o.train, o.batch, o.seqLen, o.rng.child(t)),
    evalAt: (t) => evalSet.has(t),
    onEval: (t) => {
      if (!evalSet.has(t) || o.validation === undefined) return;
      const loss = validationLoss(o.net, o.validation, o.seqLen, o.validationWindows);
      validation.push({ step: t, loss });
      o.onEval?.(t, loss);
    },
    onStep: (t, value) => {
      curve.push(value);
      o.onStep?.(t, value);
      if (exceedsLimit(value, curve[0], o.divergeFactor ?? 3)) {
        diverged = true;
        return 'stop';
      }
      if (t > o.steps - tail) tailSum += value;
    },
    signal: o.signal,
  });
  if (r.diverged) curve.push(r.diverged.loss);
  const failed = diverged || r.diverged !== null;
  return { finalLoss: failed ? Number.POSITIVE_INFINITY : tailSum / tail, initialLoss: curve[0], diverged: failed, curve, validation };
}

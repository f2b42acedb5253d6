/**
 * The models of the study: character-level transformers of several widths and seeds trained on the same
 * text (or on the null text, its characters permuted), and their representations of held-out tokens.
 *
 * Representations (rows = the m = W·T tokens of the first W validation windows, in order):
 * - final: the input of the unembedding, LN_f(h_L) (Huh et al. 2024 compare the last hidden layer);
 * - input: h₀ = m_e·E[x_t] + m_p·P[t], the trained model's own token and position embeddings only (reported);
 * - inputInit: h₀ before training, a random code of exactly the shared inputs (the "artefact of shared inputs"
 *   null: it carries the input tokens and positions and nothing learned);
 * - init: the final representation of the same network before training (the random-network null).
 */
import type { Mat } from '../../core/mat.ts';
import * as op from '../../core/ops.ts';
import { noGrad } from '../../core/tensor.ts';
import { validationLmBatches } from '../../data/corpus.ts';
import type { StudyText } from '../../data/studyText.ts';
import { type Transformer, transformer } from '../../nn/transformer.ts';
import { heldOutPrompt, sampleText } from '../../protocols/lmSample.ts';
import { trainLm } from '../../protocols/lmTraining.ts';
import type { MeasureContext } from '../types.ts';
import { type Representation, representation } from './alignment.ts';

export interface ModelSettings {
  widths: number[];
  seeds: number;
  heads: number;
  layers: number;
  seqLen: number;
  batch: number;
  steps: number;
  log2Lr: number;
  evaluations: number;
  validationWindows: number;
  representationWindows: number;
  k: number;
  dtype: 'f32' | 'f64';
}

export interface TrainedModel {
  width: number;
  seed: number;
  final: Representation;
  input: Representation;
  init: Representation;
  /** h₀ before training: a random code of the same input tokens and positions */
  inputInit: Representation;
  initialValidationLoss: number;
  validationLoss: number;
  /** tail-mean training loss on the model's own training stream */
  trainLoss: number;
  /** validation loss at the evaluation steps */
  curve: { step: number; loss: number }[];
}

/** The first `windows` validation windows of seqLen tokens, as W·T ids (row-major [W, T]). */
export function representationIds(validation: Int32Array, windows: number, seqLen: number): Int32Array {
  const b = validationLmBatches(validation, windows, seqLen, 1).next();
  if (b.done || b.value.batchSize < windows) throw new Error(`representationWindows: ${windows} windows of ${seqLen} characters do not fit the validation split (${validation.length} characters)`);
  return b.value.inputs;
}

function toMat(data: ArrayLike<number>, rows: number, cols: number): Mat {
  return { rows, cols, data: Float64Array.from(data) };
}

/** LN_f(h_L) and h₀ of `net` on W windows of ids (see the module comment). */
export function finalAndInput(net: Transformer, ids: Int32Array, windows: number): { final: Mat; input: Mat } {
  const d = net.spec.dModel;
  const T = ids.length / windows;
  const at = (name: string) => {
    const e = net.entries.find((x) => x.name === name);
    if (e === undefined) throw new Error(`transformer-representation-convergence: the model has no parameter '${name}'`);
    return e;
  };
  const collect: ReturnType<typeof op.add>[] = [];
  noGrad(() => net.forwardIds(ids, windows, collect));
  const gain = at('final.ln.gain');
  const bias = at('final.ln.bias');
  const final = noGrad(() => op.layerNorm(collect[collect.length - 1], gain.tensor, bias.tensor, net.spec.layerNormEps ?? 1e-5));
  const tok = at('embed.token');
  const pos = at('embed.position');
  const input = new Float64Array(ids.length * d);
  for (let i = 0; i < ids.length; i++) {
    const t = i % T;
    for (let j = 0; j < d; j++) input[i * d + j] = tok.multiplier * tok.tensor.data[ids[i] * d + j] + pos.multiplier * pos.tensor.data[t * d + j];
  }
  return { final: toMat(final.data, ids.length, d), input: toMat(input, ids.length, d) };
}

/** Evaluation steps: 0, then `n` evenly spaced up to `steps`. */
function evalSteps(steps: number, n: number): number[] {
  return [...new Set([0, ...Array.from({ length: n }, (_, i) => Math.round(((i + 1) * steps) / n))])];
}

/** Train one model (width, seed) on `train` and read its three representations. */
export function trainModel(s: ModelSettings, text: StudyText, train: Int32Array, ids: Int32Array, width: number, seed: number, ctx: MeasureContext, label: string): TrainedModel {
  const net = transformer(
    { vocab: text.vocab, context: s.seqLen, dModel: width, heads: s.heads, layers: s.layers, parameterization: 'mup', optimizer: 'adam', baseWidth: Math.min(...s.widths), dtype: s.dtype },
    ctx.rng.child('init', width, seed),
  );
  const W = s.representationWindows;
  const r0 = finalAndInput(net, ids, W);
  const group = `d=${width} seed ${seed}${label}`;
  const prompt = heldOutPrompt(text.tokenizer, text.validation, Math.min(24, s.seqLen));
  const r = trainLm({
    net,
    train,
    validation: text.validation,
    evalAt: evalSteps(s.steps, s.evaluations),
    validationWindows: s.validationWindows,
    optimizer: 'adam',
    lr: 2 ** s.log2Lr,
    steps: s.steps,
    batch: s.batch,
    seqLen: s.seqLen,
    rng: ctx.rng.child('stream', seed),
    signal: ctx.signal,
    onEval: (t, loss) => {
      ctx.emit?.({ name: 'validation loss', group, x: t, y: loss });
      // the lab's text panel; sampling is skipped entirely when nobody listens (the CLI)
      if (ctx.sample && t > 0) ctx.sample(sampleText(net, text.tokenizer, prompt, 60, { temperature: 0.8, rng: ctx.rng.child('sample', width, seed, t) }), t, group);
    },
  });
  if (r.diverged) throw new Error(`transformer-representation-convergence: the run of width ${width}, seed ${seed} diverged at η = 2^${s.log2Lr}; lower log2Lr`);
  const v = r.validation;
  const reps = finalAndInput(net, ids, W);
  return {
    width,
    seed,
    final: representation(reps.final, s.k),
    input: representation(reps.input, s.k),
    init: representation(r0.final, s.k),
    inputInit: representation(r0.input, s.k),
    initialValidationLoss: v[0].loss,
    validationLoss: v[v.length - 1].loss,
    trainLoss: r.finalLoss,
    curve: v,
  };
}

/** Unigram (character-frequency) entropy of a token stream, in nats: the loss of the best context-free model. */
export function unigramEntropy(tokens: Int32Array, vocab: number): number {
  const counts = new Float64Array(vocab);
  for (const t of tokens) counts[t]++;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / tokens.length) * Math.log(c / tokens.length);
  return h;
}

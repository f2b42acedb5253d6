/**
 * One sweep run of a decoder-only transformer (src/nn/transformer.ts) on text: a character-level language
 * model trained through the one trainer `fit` on windows of the corpus, as the language-model protocol
 * (src/protocols/lmTraining.ts) trains it, with the sweep's observables. Losses are mean next-token
 * cross-entropies in nats per character.
 *
 *   train_loss / test_loss: over the first `data.evalWindows` non-overlapping windows of the training /
 *                           validation split (`validationLoss`: deterministic, the same text for every run)
 *   grad_norm:              ‖∇L‖₂ on the first min(evalWindows, 32) training windows
 *   batch_loss, weight_change, param_norm: as for the other models
 *
 * Randomness: init Rng.fromSeed(seed, 'sweep-init'); batch t (0-based) from Rng.fromSeed(seed, 'sweep-batches').child(t)
 * (nanoGPT's uniform windows, `sampleLmBatch`). Float32, the precision language models train in.
 */
import { Rng } from '../../core/random.ts';
import { blockNorm } from '../../core/stats.ts';
import { noGrad, type Tensor } from '../../core/tensor.ts';
import { type LmBatch, sampleLmBatch, tokenizeCorpus, validationLmBatches } from '../../data/corpus.ts';
import { loadCorpus } from '../../data/node/corpus.ts';
import { CharTokenizer } from '../../data/text.ts';
import type { Optimizer } from '../../nn/optim.ts';
import { fit } from '../../nn/train.ts';
import { type Transformer, transformer } from '../../nn/transformer.ts';
import { lmSequences, validationLoss } from '../../protocols/lmTraining.ts';
import type { DataConfig, ObservableName, RunConfig } from './spec.ts';

type TextData = Extract<DataConfig, { task: 'text' }>;

/** What a text run returns (the fields of SweepRunResult a run fills; see ./train.ts). */
export interface TextRunOutcome {
  seed: number;
  status: 'done' | 'diverged';
  divergedStep: number | null;
  message: string | null;
  stepsDone: number;
  series: { observable: ObservableName; steps: number[]; values: number[] }[];
  final: Record<string, number>;
}

interface TextTokens {
  train: Int32Array;
  validation: Int32Array;
  vocab: number;
}

const textCache = new Map<string, TextTokens>();

/**
 * The corpus tokenized by characters (vocabulary: the characters of the whole text), the training split cut
 * to its first `n` characters when n > 0. Errors name the file (loadCorpus: missing, empty, binary, too
 * short) or the field.
 */
export function textTokens(d: TextData, context: number): TextTokens {
  const key = `${d.corpus}\u0000${d.n}\u0000${context}`;
  const hit = textCache.get(key);
  if (hit) return hit;
  // both splits must hold at least one window of context + 1 characters; 10 windows' worth overall
  const corpus = loadCorpus(d.corpus, { minChars: 10 * (context + 1) });
  const t = tokenizeCorpus(corpus, CharTokenizer.fromText(corpus.text));
  if (d.n > t.train.length) throw new Error(`data.n: ${d.n} training characters exceed the training split of ${d.corpus} (${t.train.length} characters)`);
  for (const [split, tokens] of [
    ['training', d.n > 0 ? d.n : t.train.length],
    ['validation', t.validation.length],
  ] as const)
    if (tokens < context + 1) throw new Error(`data.corpus: the ${split} split of ${d.corpus} has ${tokens} characters; expected at least model.context + 1 = ${context + 1}`);
  const out = { train: d.n > 0 ? t.train.slice(0, d.n) : t.train, validation: t.validation, vocab: t.vocabSize };
  if (textCache.size >= 4) textCache.delete(textCache.keys().next().value as string);
  textCache.set(key, out);
  return out;
}

function buildTransformer(config: RunConfig, vocab: number, seed: number): Transformer {
  const m = config.model;
  return transformer(
    {
      vocab,
      context: m.context ?? 64,
      dModel: m.width,
      heads: m.heads ?? 4,
      layers: m.depth,
      parameterization: config.parameterization,
      ...(m.baseWidth !== null ? { baseWidth: m.baseWidth } : {}),
      optimizer: config.optimizer.name,
      initScale: m.initScale,
      dtype: 'f32',
    },
    Rng.fromSeed(seed, 'sweep-init'),
  );
}

/** What the sweep trainer (./train.ts) lends a text run: its optimizer chain and its full-gradient norm. */
export interface TextRunTools {
  optimizerFor: (lrScales: readonly number[]) => Optimizer;
  gradNorm: (loss: () => Tensor, params: Tensor[]) => number;
}

/** The observables due at step t (all at the last step), read at the current parameters. */
function textRecorder(config: RunConfig, net: Transformer, tokens: TextTokens, gradNorm: TextRunTools['gradNorm']) {
  const context = config.model.context ?? 64;
  const windows = (config.data as TextData).evalWindows;
  const params = net.params();
  const theta0 = params.map((p) => Float64Array.from(p.data));
  const theta0Norm = blockNorm(theta0);
  const probe = validationLmBatches(tokens.train, Math.min(windows, 32), context, 1).next().value as LmBatch;
  const series = new Map(config.record.observables.map((o) => [o.name, { observable: o.name, steps: [] as number[], values: [] as number[] }]));
  const value = (name: ObservableName, batchLoss: number | null): number | null => {
    switch (name) {
      case 'train_loss':
        return noGrad(() => validationLoss(net, tokens.train, context, windows));
      case 'test_loss':
        return noGrad(() => validationLoss(net, tokens.validation, context, windows));
      case 'batch_loss':
        return batchLoss;
      case 'grad_norm':
        return gradNorm(() => net.loss(lmSequences(probe, 'f32')), params);
      case 'param_norm':
        return blockNorm(params.map((p) => p.data));
      case 'weight_change': {
        let s = 0;
        params.forEach((p, b) => p.data.forEach((x, i) => (s += (x - theta0[b][i]) ** 2)));
        return theta0Norm > 0 ? Math.sqrt(s) / theta0Norm : Math.sqrt(s);
      }
      default:
        throw new Error(`record.observables: ${name} is not measured on text`);
    }
  };
  const record = (t: number, batchLoss: number | null): void => {
    for (const o of config.record.observables) {
      if (!(t % o.every === 0 || t === config.steps)) continue;
      const v = value(o.name, batchLoss);
      const s = series.get(o.name);
      if (v !== null && s) {
        s.steps.push(t);
        s.values.push(v);
      }
    }
  };
  return { series, record, finalLosses: () => noGrad(() => ({ final_train_loss: validationLoss(net, tokens.train, context, windows), final_test_loss: validationLoss(net, tokens.validation, context, windows) })) };
}

/** Train one text run (see the module comment) with the sweep trainer's tools. */
export function trainTextRun(config: RunConfig, seed: number, hooks: { progress?: (fraction: number) => void; signal?: AbortSignal }, tools: TextRunTools): TextRunOutcome {
  const context = config.model.context ?? 64;
  const tokens = textTokens(config.data as TextData, context);
  const net = buildTransformer(config, tokens.vocab, seed);
  const { series, record, finalLosses } = textRecorder(config, net, tokens, tools.gradNorm);
  const batch = config.optimizer.batch;
  if (batch === 'full') throw new Error('optimizer.batch: a text task needs a number of windows per step, got "full"');
  const batchRng = Rng.fromSeed(seed, 'sweep-batches');
  const maxLoss = config.divergence.maxLoss;
  let stepsDone = 0;
  let last: number | null = null;
  const diverged = (step: number, message: string): TextRunOutcome => ({ seed, status: 'diverged', divergedStep: step, message, stepsDone, series: [...series.values()], final: {} });
  const r = fit<LmBatch>({
    params: net.params(),
    loss: (b) => net.loss(lmSequences(b, 'f32')),
    optimizer: tools.optimizerFor(net.lrScales()),
    steps: config.steps,
    batches: (s) => sampleLmBatch(tokens.train, batch, context, batchRng.child(s - 1)),
    divergence: { maxLoss },
    onStep: (s, v) => {
      stepsDone = s - 1;
      record(s - 1, v);
      last = v;
      hooks.progress?.(s / config.steps);
    },
    onEval: (s) => {
      stepsDone = s;
      if (s === config.steps) record(s, last);
    },
    signal: hooks.signal,
  });
  if (r.diverged) return diverged(r.diverged.step - 1, `minibatch loss ${r.diverged.loss} at step ${r.diverged.step - 1}`);
  const final = finalLosses();
  if (!Number.isFinite(final.final_train_loss) || final.final_train_loss > maxLoss) return diverged(config.steps, `final train loss ${final.final_train_loss}`);
  return { seed, status: 'done', divergedStep: null, message: null, stepsDone, series: [...series.values()], final };
}

/**
 * Text sampled from a language model (src/nn/transformer.ts), for the lab's text panel: autoregressive
 * decoding from a fixed prompt, one token at a time, the model reading at most its last `context` tokens
 * (nanoGPT's `generate`: crop the running sequence to the block size, take the last position's logits,
 * divide by the temperature, sample from the softmax). Temperature 0 is greedy decoding (the argmax; ties
 * go to the smaller id). Sampling draws one uniform per token from `rng`, so a seed fixes the text.
 * Evaluation only: runs under `noGrad` and never touches the training streams.
 */
import type { Rng } from '../core/random.ts';
import { noGrad } from '../core/tensor.ts';
import type { Tokenizer } from '../data/text.ts';
import type { Transformer } from '../nn/transformer.ts';

export interface SampleOptions {
  /** 0 = greedy (default); otherwise the softmax temperature, > 0 */
  temperature?: number;
  /** required when temperature > 0 */
  rng?: Rng;
}

/** Index drawn from softmax(logits / temperature) with one uniform of `rng`; argmax when temperature = 0. */
export function pickToken(logits: ArrayLike<number>, temperature: number, rng?: Rng): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (temperature === 0) return best;
  if (rng === undefined) throw new Error(`sampleText: temperature = ${temperature} needs an rng (temperature 0 is greedy)`);
  // subtract the max before exponentiating so that large logits do not overflow
  const w = Array.from(logits, (z) => Math.exp((z - logits[best]) / temperature));
  let u = rng.uniform() * w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < w.length; i++) {
    u -= w[i];
    if (u < 0) return i;
  }
  return best; // u lands on the total only through rounding
}

/** `prompt` followed by `n` tokens decoded from `net` (see the module comment); returns the generated text only. */
export function sampleText(net: Transformer, tokenizer: Tokenizer, prompt: string, n: number, opts: SampleOptions = {}): string {
  const temperature = opts.temperature ?? 0;
  if (!(Number.isInteger(n) && n >= 0)) throw new Error(`sampleText: n = ${n}, expected a non-negative integer number of tokens`);
  if (!(Number.isFinite(temperature) && temperature >= 0)) throw new Error(`sampleText: temperature = ${temperature}, expected a finite number ≥ 0`);
  if (tokenizer.vocabSize !== net.spec.vocab) throw new Error(`sampleText: the tokenizer has ${tokenizer.vocabSize} tokens, expected the model's vocab = ${net.spec.vocab}`);
  const ids = Array.from(tokenizer.encode(prompt));
  if (ids.length === 0) throw new Error('sampleText: prompt is empty; expected at least one character to condition on');
  const start = ids.length;
  const V = net.spec.vocab;
  for (let i = 0; i < n; i++) {
    const window = Int32Array.from(ids.slice(-net.spec.context));
    const logits = noGrad(() => net.forwardIds(window, 1)).data;
    const last = logits.subarray((window.length - 1) * V, window.length * V);
    ids.push(pickToken(last, temperature, opts.rng));
  }
  return tokenizer.decode(ids.slice(start));
}

/** The first `chars` tokens of a held-out stream, decoded: a prompt that every corpus's tokenizer can encode. */
export function heldOutPrompt(tokenizer: Tokenizer, validation: Int32Array, chars: number): string {
  return tokenizer.decode(validation.subarray(0, Math.max(1, Math.min(chars, validation.length))));
}

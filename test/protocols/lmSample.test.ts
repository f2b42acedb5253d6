/**
 * Sampling text from a transformer (src/protocols/lmSample.ts). Oracle: a transformer whose weights are zero
 * except the final LayerNorm bias (e₀) and the first row of the unembedding (ℓ) has logits m_u·ℓ at every
 * position whatever the input (every residual branch outputs 0, so LN_f(h_L) = LN_f(0) = bias): greedy
 * decoding must repeat argmax ℓ, and temperature sampling must draw from softmax(m_u·ℓ/τ).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { CharTokenizer } from '../../src/data/text.ts';
import { type Transformer, transformer } from '../../src/nn/transformer.ts';
import { pickToken, sampleText } from '../../src/protocols/lmSample.ts';

const tok = new CharTokenizer(['a', 'b', 'c', 'd']);
const ell = [0.3, -0.5, 1.2, 0.1];

/** The model of the module comment: logits m_u·ℓ at every position. */
function knownLogitsModel(): Transformer {
  const net = transformer({ vocab: 4, context: 8, dModel: 4, heads: 1, layers: 1 }, Rng.fromSeed(1));
  for (const e of net.entries) e.tensor.data.fill(0);
  const bias = net.entries.find((e) => e.name === 'final.ln.bias');
  const unembed = net.entries.find((e) => e.name === 'unembed');
  if (!bias || !unembed) throw new Error('test model: missing final.ln.bias or unembed');
  bias.tensor.data[0] = 1;
  ell.forEach((v, j) => {
    unembed.tensor.data[j] = v; // row 0 of W_u [d, V]
  });
  return net;
}

function softmax(z: number[], t: number): number[] {
  const m = Math.max(...z);
  const w = z.map((v) => Math.exp((v - m) / t));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

describe('sampleText', () => {
  it('greedy decoding of a model with known logits repeats their argmax', () => {
    const net = knownLogitsModel();
    const argmax = ell.indexOf(Math.max(...ell));
    expect(sampleText(net, tok, 'ab', 12)).toBe(tok.vocab[argmax].repeat(12));
  });

  it('temperature sampling draws from softmax(logits / τ): frequencies within 4.5 binomial σ', () => {
    const net = knownLogitsModel();
    const m = net.entries.find((e) => e.name === 'unembed')?.multiplier ?? Number.NaN;
    const n = 3000;
    const text = sampleText(net, tok, 'a', n, { temperature: 0.7, rng: Rng.fromSeed(5) });
    const p = softmax(
      ell.map((v) => m * v),
      0.7,
    );
    for (let j = 0; j < 4; j++) {
      const count = Array.from(text).filter((c) => c === tok.vocab[j]).length;
      // 4.5σ: four two-sided tests together fail by chance with probability < 3e-5
      expect(Math.abs(count - n * p[j])).toBeLessThan(4.5 * Math.sqrt(n * p[j] * (1 - p[j])));
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const net = transformer({ vocab: 4, context: 6, dModel: 8, heads: 2, layers: 1 }, Rng.fromSeed(3));
    const run = (seed: number) => sampleText(net, tok, 'abca', 40, { temperature: 1, rng: Rng.fromSeed(seed) });
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
    expect(run(7)).toHaveLength(40);
  });

  it('rejects bad input, naming the field and the value', () => {
    const net = knownLogitsModel();
    expect(() => sampleText(net, tok, 'a', 3, { temperature: 1 })).toThrow(/temperature = 1 needs an rng/);
    expect(() => sampleText(net, tok, 'a', -1)).toThrow(/n = -1/);
    expect(() => sampleText(net, tok, '', 3)).toThrow(/prompt is empty/);
    expect(() => sampleText(net, tok, 'a', 3, { temperature: -0.5 })).toThrow(/temperature = -0.5/);
    expect(() => sampleText(net, new CharTokenizer(['a', 'b']), 'a', 3)).toThrow(/2 tokens, expected the model's vocab = 4/);
  });
});

describe('pickToken', () => {
  it('greedy picks the argmax, the smaller id on a tie', () => {
    expect(pickToken([0, 2, 1, 2], 0)).toBe(1);
    expect(pickToken([-3, -1, -2], 0)).toBe(1);
  });
  it('a low temperature concentrates on the argmax', () => {
    const rng = Rng.fromSeed(2);
    for (let i = 0; i < 50; i++) expect(pickToken([0, 5, 1], 0.01, rng)).toBe(1);
  });
});

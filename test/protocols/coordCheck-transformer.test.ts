/**
 * The μP coordinate check on a transformer (src/protocols/coordCheck.ts, `lmech coord-check transformer:…`):
 * per-role changes (embedding, q, k, v, attention output, MLP output, logits) are Θ(1) in width under μP
 * and grow with width under SP with Adam (Tensor Programs V, Table 3 and Appendix J).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { coordCheck, layerNames, ModelSpecError, parseModelSpec } from '../../src/protocols/coordCheck.ts';

const model = parseModelSpec('transformer:depth=1,heads=2,context=8,vocab=16');
const WIDTHS = [32, 64, 128];
const run = (param: string) => coordCheck({ model, parameterization: param, widths: WIDTHS, steps: 3, optimizer: 'adam', lr: 1e-3, batch: 4, seeds: 2, rng: Rng.fromSeed(0, 'cc-transformer') });

/*
 * Tolerance: a Θ(1) coordinate at finite width carries relative corrections O(d_head^{-1/2}) (the fluctuation
 * of a d_head-term attention logit, and of LayerNorm's variance estimate, Tensor Programs V App. J); across
 * widths [n₀, 4n₀] such a correction tilts a log-log slope by at most about its own size at n₀,
 * 1/√(n₀/H) = 1/√16 = 0.25 here. The bound is twice that. Under SP the fan-in-n layers' slope is 1 in the
 * limit; the same correction leaves it above 1 − 0.5.
 */
const TOL = 2 / Math.sqrt(WIDTHS[0] / 2);

describe('coord-check transformer:…', () => {
  it('parses width (the μP base width), depth, heads, context, vocab, and names a bad key', () => {
    const m = parseModelSpec('transformer:width=32,depth=2,heads=4');
    expect(m).toMatchObject({ kind: 'transformer', depth: 2, transformer: { heads: 4, context: 16, vocab: 32, baseWidth: 32 } });
    expect(layerNames(m)).toEqual(['embed', 'b1.q', 'b1.k', 'b1.v', 'b1.o', 'b1.mlp', 'b2.q', 'b2.k', 'b2.v', 'b2.o', 'b2.mlp', 'out']);
    expect(() => parseModelSpec('transformer:width=32,layers=2')).toThrow(ModelSpecError);
    expect(() => parseModelSpec('transformer:width=32,layers=2')).toThrow(/"layers=2".*expected key=value with key one of width, depth, heads, context, vocab/);
    expect(() => parseModelSpec('transformer:heads=0')).toThrow(/transformer heads: 0, expected an integer in \[1, 256\]/);
  });

  it('under μP every role’s change has slope ≈ 0 in width; under SP the fan-in-n roles’ and the readout’s grow', () => {
    const mup = run('mup');
    const sp = run('sp');
    expect(mup.diverged).toEqual([]);
    for (const l of mup.layers) expect(Math.abs(l.deltaSlope), `μP ${l.name}`).toBeLessThan(TOL);
    const slope = (name: string) => sp.layers.find((l) => l.name === name)?.deltaSlope ?? Number.NaN;
    expect(slope('out')).toBeGreaterThan(1 - TOL);
    for (const name of ['b1.q', 'b1.k', 'b1.v', 'b1.o', 'b1.mlp']) expect(slope(name), `SP ${name}`).toBeGreaterThan(1 - TOL);
    // the embedding's fan-in is the vocabulary, not the width: Θ(1) under both
    expect(Math.abs(slope('embed'))).toBeLessThan(TOL);
  }, 120_000);
});

/**
 * The solvable-dynamics studies (catalog 2 saddle-to-saddle, 3 conservation laws, 14 silent alignment, 32 stepwise
 * low-rank) made falsifiable: each quick profile holds, each negative control is falsified, and hand-made wrong
 * theories (a changed constant, a swapped exponent, a flipped sign) judged on the same measurement leave `holds`.
 */
import { describe, expect, it } from 'vitest';
import { conservationLaws } from '../../src/studies/conservation-laws.ts';
import { dlnSaddleToSaddle } from '../../src/studies/dln-saddle-to-saddle.ts';
import { silentAlignment } from '../../src/studies/silent-alignment.ts';
import { stepwiseLowRank } from '../../src/studies/stepwise-low-rank.ts';
import { evaluateMetric } from '../../src/studies/verdict.ts';
import { expectFalsifiableHolds, runQuick, verdictUnder } from './falsifiability.ts';

/** The prediction's per-mode slopes, each replaced by f(slope). */
const slopes = (s: Record<string, number>, f: (v: number) => number) => Object.fromEntries(Object.entries(s).filter(([k]) => k.startsWith('slope s=')).map(([k, v]) => [k, f(v)]));

describe('solvable dynamics: falsifiable (quick profile)', () => {
  it('dln-saddle-to-saddle', async () => {
    const r = await runQuick(dlnSaddleToSaddle);
    expectFalsifiableHolds(r);
    const q = r.prediction.scalars;
    // a swapped exponent (slopes 1/s²), a flipped sign (plateaus shorten as σ shrinks), a changed constant (one drop too many)
    expect(verdictUnder(dlnSaddleToSaddle, r, slopes(q, (v) => v * v))).toBe('falsified');
    expect(verdictUnder(dlnSaddleToSaddle, r, slopes(q, (v) => -v))).toBe('falsified');
    expect(verdictUnder(dlnSaddleToSaddle, r, { 'resolved drops at small σ': q['resolved drops at small σ'] + 1 })).toBe('falsified');
  }, 120_000);

  it('conservation-laws, with a verdict per part', async () => {
    const r = await runQuick(conservationLaws);
    expectFalsifiableHolds(r);
    expect(r.parts?.map((p) => [p.part, p.verdict]).sort()).toEqual([
      ['a', 'holds'],
      ['b', 'holds'],
      ['c', 'holds'],
      ['d', 'holds'],
    ]);
    const p = r.provenance.params;
    // each wrong theory falsifies its own part and only that one
    const partsUnder = (o: Record<string, number>) => {
      const pred = { ...r.prediction, scalars: { ...r.prediction.scalars, ...o } };
      const cmp = conservationLaws.compare(pred, r.measurement, p as never);
      return [...new Set(cmp.metrics.filter((m) => !m.sanity && !evaluateMetric(m).pass).map((m) => m.part))];
    };
    expect(verdictUnder(conservationLaws, r, { 'DLN η² coefficient': 2 })).toBe('falsified');
    expect(partsUnder({ 'DLN η² coefficient': 2 })).toEqual(['a']);
    expect(partsUnder({ 'slope of ReLU drift vs η': 0.5 })).toEqual(['b']);
    expect(partsUnder({ 'softmax sums factor per step, weight decay': 1 + Number(p.softmaxEta) * Number(p.weightDecay) })).toEqual(['c']);
    expect(partsUnder({ 'scale-invariant η² coefficient': -1 })).toEqual(['d']);
  }, 120_000);

  it('silent-alignment', async () => {
    const r = await runQuick(silentAlignment);
    expectFalsifiableHolds(r);
    // alignment only half done at the 10% loss drop; the kernel of the first tenth of the plateau explains the function
    expect(verdictUnder(silentAlignment, r, { 'alignment progress at 10% loss drop': 0.5 })).toBe('falsified');
    expect(verdictUnder(silentAlignment, r, { 'kernel freeze time / t₁₀%': 0.1 })).toBe('falsified');
    // the near-automatic final-NTK check alone would not notice the lazy rival: the plateau-end kernel does
    const lazy = r.controls?.find((c) => c.name.startsWith('lazy'));
    expect(lazy?.passing).toContain('trained net vs KRR with the final NTK (relative L2, test)');
    expect(lazy?.passing).not.toContain('trained net vs KRR with the NTK frozen at the predicted time f·t₁₀% (relative L2, test)');
  }, 120_000);

  it('stepwise-low-rank', async () => {
    const r = await runQuick(stepwiseLowRank);
    expectFalsifiableHolds(r);
    // a changed constant (rate 16), a swapped exponent (slopes 1/(4s_k²)), a flipped sign (rate −8)
    expect(verdictUnder(stepwiseLowRank, r, { 'logistic rate': 16 })).toBe('falsified');
    expect(verdictUnder(stepwiseLowRank, r, slopes(r.prediction.scalars, (v) => v * v * 4))).toBe('falsified');
    expect(verdictUnder(stepwiseLowRank, r, { 'logistic rate': -8 })).toBe('falsified');
  }, 120_000);
});

/**
 * The falsifiability contract on a study small enough to reason about exactly: the measured slope of
 * y = a·x (noise 1e-6) against a predicted slope, judged by a relative tolerance τ. Oracles:
 * - a control predicting 1.5·a is falsified; a control predicting a itself holds and makes the study inconclusive;
 * - detection power: the metric |ŝ − s|/|s| ≤ τ with ŝ ≈ a fails once s = a(1 + δ) with δ > τ/(1 − τ) (up) or
 *   s = a(1 − δ) with δ > τ/(1 + τ) (down), so the threshold is τ/(1 + τ);
 * - per-part verdicts: an out-of-regime part does not hide a falsified one; NaN is an error;
 * - over seeds: the Wilson lower bound decides.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { wilsonInterval } from '../../src/core/stats.ts';
import { executeStudy, executeStudyOverSeeds } from '../../src/studies/execute.ts';
import { type Control, defineStudy, type MetricResult, type RegimeCheck } from '../../src/studies/types.ts';
import { judge, judgeSeeds } from '../../src/studies/verdict.ts';

const Params = z.object({ slope: z.number().default(2), trueSlope: z.number().default(2), tol: z.number().default(0.05), partB: z.boolean().default(false) });
type P = z.output<typeof Params>;

function lineStudy(controls: Control<P, 'slope'>[]) {
  return defineStudy<P, 'slope', 'slope'>(Params, {
    id: 'line',
    catalog: 0,
    pillar: 'solvable',
    title: 'line',
    claim: 'y = a x',
    papers: [],
    core: false,
    quick: {},
    controls,
    predict: (p) => ({ scalars: { slope: p.slope }, series: [] }),
    measure: (p, ctx) => ({ scalars: { slope: p.trueSlope * (1 + 1e-6 * ctx.rng.normal()) }, series: [] }),
    compare: (pred, meas, p) => {
      const s = pred.scalars.slope ?? Number.NaN;
      const metrics = [{ name: 'slope', value: Math.abs((meas.scalars.slope ?? Number.NaN) - s) / Math.abs(s), criterion: { op: '<=' as const, bound: p.tol }, reason: 'test', prediction: 'slope' as const, part: p.partB ? 'a' : undefined }];
      if (p.partB) metrics.push({ name: 'b', value: 1, criterion: { op: '<=' as const, bound: 2 }, reason: 'test', prediction: 'slope' as const, part: 'b' });
      return { metrics, regime: p.partB ? [{ name: 'b gate', ok: false, detail: 'b is out of regime', part: 'b' }] : [] };
    },
    figures: () => [],
  });
}

const wrong: Control<P, 'slope'> = { name: '1.5×', description: 'a rival slope', predict: (_p, pred) => ({ ...pred, scalars: { slope: 1.5 * (pred.scalars.slope ?? 0) } }) };
const same: Control<P, 'slope'> = { name: 'same', description: 'not a rival at all', predict: (_p, pred) => pred };

describe('negative controls', () => {
  it('a rival prediction judged on the same measurement is falsified, and the study holds', async () => {
    const r = await executeStudy(lineStudy([wrong]), { seed: 1 });
    expect(r.controls?.map((c) => [c.name, c.verdict])).toEqual([['1.5×', 'falsified']]);
    expect(r.verdict).toBe('holds');
  });
  it('a control that also holds makes the study inconclusive', async () => {
    const r = await executeStudy(lineStudy([wrong, same]), { seed: 1 });
    expect(r.controls?.find((c) => c.name === 'same')?.verdict).toBe('holds');
    expect(r.verdict).toBe('inconclusive');
  });
  it('a control with its own setting runs the measurement again (a null model)', async () => {
    const nullModel: Control<P, 'slope'> = { name: 'flat data', description: 'no slope at all', params: { trueSlope: 0 } };
    const r = await executeStudy(lineStudy([nullModel]), { seed: 1 });
    expect(r.controls?.[0].verdict).toBe('falsified');
  });
});

describe('detection power', () => {
  it('equals the analytic threshold τ/(1 + τ) of a relative tolerance', async () => {
    for (const tol of [0.02, 0.1, 0.3]) {
      const r = await executeStudy(lineStudy([]), { seed: 2, params: { tol }, power: true });
      const p = r.power?.[0];
      expect(p?.prediction).toBe('slope');
      // the measured slope carries noise 1e-6 and the bisection resolves ~1e-4 of the bracket
      expect(Math.abs((p?.detectionThreshold ?? 0) - tol / (1 + tol))).toBeLessThan(2e-3 * tol + 1e-5);
      expect(p?.direction).toBe('down');
    }
  });
});

describe('parts, NaN and seeds', () => {
  const metric = (value: number, part?: string): MetricResult => ({ name: `m${part}`, value, criterion: { op: '<=', bound: 1 }, reason: '', tolerance: 1, pass: value <= 1, criterionText: '', part });
  it('an out-of-regime part never hides a falsified one', () => {
    const regime: RegimeCheck[] = [{ name: 'gate', ok: false, detail: '', part: 'b' }];
    expect(judge([metric(5, 'a'), metric(0, 'b')], regime)).toBe('falsified');
    expect(judge([metric(0, 'a'), metric(0, 'b')], regime)).toBe('out-of-regime');
  });
  it('a NaN metric or a NaN regime value is an error, not a falsification or out-of-regime', () => {
    expect(judge([metric(Number.NaN)], [])).toBe('error');
    expect(judge([metric(0)], [{ name: 'r', ok: false, detail: '', value: Number.NaN }])).toBe('error');
  });
  it('the study with a failing out-of-regime part: metrics of the in-regime part still decide', async () => {
    const r = await executeStudy(lineStudy([]), { params: { partB: true, trueSlope: 3 } });
    expect(r.parts?.map((p) => [p.part, p.verdict])).toEqual([
      ['a', 'falsified'],
      ['b', 'out-of-regime'],
    ]);
    expect(r.verdict).toBe('falsified');
  });
  it('over seeds, the Wilson lower bound of the fraction that holds decides', async () => {
    const r = await executeStudyOverSeeds(lineStudy([wrong]), [0, 1, 2, 3, 4]);
    expect(r.seedSummary?.holds).toBe(5);
    expect(r.seedSummary?.lo).toBeCloseTo(wilsonInterval(5, 5).lo, 12);
    expect(r.verdict).toBe('holds');
    expect(judgeSeeds([0, 1, 2, 3, 4], ['holds', 'holds', 'falsified', 'holds', 'falsified'], 0.5).verdict).toBe('inconclusive');
    expect(judgeSeeds([0, 1, 2, 3, 4], ['falsified', 'falsified', 'falsified', 'falsified', 'falsified'], 0.5).verdict).toBe('falsified');
  });
  it('the Wilson interval matches its closed form at a textbook case (8 of 10 at 95%)', () => {
    // Wilson (1927); e.g. Brown, Cai & DasGupta 2001: 8/10 gives [0.490, 0.943]
    const w = wilsonInterval(8, 10);
    expect(w.lo).toBeCloseTo(0.4902, 3);
    expect(w.hi).toBeCloseTo(0.9433, 3);
  });
});

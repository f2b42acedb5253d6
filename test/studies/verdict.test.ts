import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { executeStudy, resolveParams } from '../../src/studies/execute.ts';
import type { AnyStudy, Criterion, MetricResult, RegimeCheck } from '../../src/studies/types.ts';
import { criterionPasses, criterionText, criterionTolerance, evaluateMetric, judge } from '../../src/studies/verdict.ts';

const m = (pass: boolean): MetricResult => ({ name: 'm', value: 1, criterion: { op: '<=', bound: 1 }, reason: 'r', pass, tolerance: 1, criterionText: '≤ 1' });
const r = (ok: boolean): RegimeCheck => ({ name: 'r', ok, detail: '' });

describe('criteria', () => {
  const cases: [Criterion, number, boolean][] = [
    [{ op: '<=', bound: 0.02 }, 0.02, true],
    [{ op: '<=', bound: 0.02 }, 0.0200001, false],
    [{ op: '>=', bound: 0.8 }, 0.8, true],
    [{ op: '>=', bound: 0.8 }, 0.79, false],
    [{ op: 'in', lo: 0.95, hi: 1.15 }, 0.95, true],
    [{ op: 'in', lo: 0.95, hi: 1.15 }, 1.16, false],
    [{ op: 'abs', target: 2, tol: 0.1 }, 2.09, true],
    [{ op: 'abs', target: 2, tol: 0.1 }, 1.85, false],
    [{ op: 'rel', target: -0.5, tol: 0.2 }, -0.59, true],
    [{ op: 'rel', target: -0.5, tol: 0.2 }, -0.61, false],
  ];
  it.each(cases)('%o on %d → %s', (c, v, expected) => {
    expect(criterionPasses(v, c)).toBe(expected);
  });
  it('NaN and infinities never pass, whatever the criterion', () => {
    for (const [c] of cases) {
      expect(criterionPasses(Number.NaN, c)).toBe(false);
      expect(criterionPasses(Number.POSITIVE_INFINITY, c)).toBe(false);
    }
  });
  it('formats criteria and tolerances for tables', () => {
    expect(criterionText({ op: 'in', lo: 0.95, hi: 1.15 })).toBe('∈ [0.95, 1.15]');
    expect(criterionText({ op: 'rel', target: 2, tol: 0.05 })).toBe('2 ± 5%');
    expect(criterionTolerance({ op: '<=', bound: 0.02 })).toBe(0.02);
    expect(criterionTolerance({ op: 'abs', target: 1, tol: 0.3 })).toBe(0.3);
    const e = evaluateMetric({ name: 'x', value: 0.5, criterion: { op: '>=', bound: 0.8 }, reason: 'why' });
    expect(e).toMatchObject({ pass: false, tolerance: 0.8, criterionText: '≥ 0.8' });
  });
});

describe('judge', () => {
  it('holds only when every metric passes and every regime check is ok', () => {
    expect(judge([m(true), m(true)], [r(true)])).toBe('holds');
    expect(judge([m(true), m(false)], [r(true)])).toBe('falsified');
  });
  it('a failed regime check is out-of-regime even when metrics fail (the theory makes no claim there)', () => {
    expect(judge([m(false)], [r(false)])).toBe('out-of-regime');
    expect(judge([m(true)], [r(true), r(false)])).toBe('out-of-regime');
  });
  it('a diverged run (NaN metric) is out-of-regime when a regime check failed, an error when none did', () => {
    const nan = { ...m(true), value: Number.NaN, pass: false };
    expect(judge([nan], [r(false)])).toBe('out-of-regime');
    expect(judge([nan], [r(true)])).toBe('error');
    // a NaN in the regime check's own number is an error: the setting itself could not be described
    expect(judge([m(true)], [{ ...r(false), value: Number.NaN }])).toBe('error');
  });
  it('an error wins over everything; no metrics at all is an error', () => {
    expect(judge([m(true)], [r(true)], 'boom')).toBe('error');
    expect(judge([], [])).toBe('error');
  });
});

/** A tiny study whose measurement is a known function of its parameters. */
const Params = z.object({ value: z.number().default(1), bound: z.number().positive().default(2), explode: z.boolean().default(false), regimeOk: z.boolean().default(true) });
const fixture: AnyStudy = {
  id: 'fixture',
  catalog: 0,
  pillar: 'laws',
  title: 'fixture',
  claim: 'fixture',
  papers: [],
  core: false,
  schema: Params,
  quick: { bound: 3 },
  predict: () => ({ scalars: {}, series: [] }),
  measure: (p: z.infer<typeof Params>, ctx) => {
    if (p.explode) throw new RangeError('measurement diverged at step 17');
    return { scalars: { v: p.value + ctx.rng.uniform() * 0 }, series: [] };
  },
  compare: (_pr, me, p: z.infer<typeof Params>) => ({
    metrics: [{ name: 'v', value: me.scalars.v, criterion: { op: '<=', bound: p.bound }, reason: 'fixture' }],
    regime: [{ name: 'ok', ok: p.regimeOk, detail: '' }],
  }),
  figures: () => [],
};

describe('executeStudy', () => {
  it('turns metrics, tolerances and regime checks into the verdict', async () => {
    expect((await executeStudy(fixture, { params: { value: 1 } })).verdict).toBe('holds');
    expect((await executeStudy(fixture, { params: { value: 5 } })).verdict).toBe('falsified');
    expect((await executeStudy(fixture, { params: { value: 5, regimeOk: false } })).verdict).toBe('out-of-regime');
  });
  it('a throwing measurement is recorded as an error result, not a crash', async () => {
    const res = await executeStudy(fixture, { params: { explode: true } });
    expect(res.verdict).toBe('error');
    expect(res.error).toMatch(/RangeError: measurement diverged at step 17/);
  });
  it('profiles and overrides resolve in order and the config hash depends on params, seed and code', async () => {
    expect(resolveParams(fixture, 'quick').bound).toBe(3);
    expect(resolveParams(fixture, 'quick', { bound: 4 }).bound).toBe(4);
    const a = await executeStudy(fixture, { seed: 1, codeVersion: 'x' });
    const b = await executeStudy(fixture, { seed: 1, codeVersion: 'x' });
    const c = await executeStudy(fixture, { seed: 2, codeVersion: 'x' });
    const d = await executeStudy(fixture, { seed: 1, codeVersion: 'y' });
    expect(a.provenance.configHash).toBe(b.provenance.configHash);
    expect(new Set([a, c, d].map((x) => x.provenance.configHash)).size).toBe(3);
  });
  it('bad parameter values name the field, the value and what was expected', () => {
    expect(() => resolveParams(fixture, 'default', { bound: -1 })).toThrow(/bound: .*(too small|>0).*\(got -1\)/i);
    expect(() => resolveParams(fixture, 'default', { value: 'x' })).toThrow(/value: .*expected number.*\(got "x"\)/i);
  });
});

import { describe, expect, it } from 'vitest';
import { executeStudy } from '../../../src/studies/execute.ts';
import { expandGrid, findMetric, MapSpecError, parseAxis, resolveMetricName, shapeOrdinal, validateMapSpec } from '../../../src/studies/validityMap/grid.ts';
import type { MapSpec } from '../../../src/studies/validityMap/types.ts';
import { gapStudy } from './fixture.ts';

const spec = (over: Partial<MapSpec> = {}): MapSpec => ({ studyId: gapStudy.id, profile: 'quick', axes: [], seeds: [0], ...over });

function errorOf(f: () => unknown): MapSpecError {
  try {
    f();
  } catch (e) {
    if (e instanceof MapSpecError) return e;
    throw e;
  }
  throw new Error('expected a MapSpecError');
}

describe('parseAxis', () => {
  it('parses lists as JSON where valid, else strings', () => {
    expect(parseAxis(gapStudy, 'quick', 'width=64,128,256')).toEqual({ key: 'width', values: [64, 128, 256], log: false });
    expect(parseAxis(gapStudy, 'quick', 'activation=tanh,relu').values).toEqual(['tanh', 'relu']);
    expect(parseAxis(gapStudy, 'quick', 'width=[1,2],[3,4]').values).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('ranges: n evenly spaced points, geometric with :log, ends exact', () => {
    const lin = parseAxis(gapStudy, 'quick', 'eta=0.1:0.5:5');
    expect(lin.log).toBe(false);
    expect(lin.values).toHaveLength(5);
    const v = lin.values as number[];
    for (let i = 1; i < 5; i++) expect(v[i] - v[i - 1]).toBeCloseTo(0.1, 12);
    const log = parseAxis(gapStudy, 'quick', 'eta=0.01:1:3:log');
    expect(log.log).toBe(true);
    expect(log.values[0]).toBe(0.01);
    expect(log.values[1]).toBeCloseTo(0.1, 12);
    expect(log.values[2]).toBe(1);
  });

  it('integer parameters are rounded and deduplicated', () => {
    const a = parseAxis(gapStudy, 'quick', 'width=64:1024:5:log');
    expect(a.values).toEqual([64, 128, 256, 512, 1024]);
    // 8..10 in 5 linear steps: 8, 8.5, 9, 9.5, 10 → rounded 8, 9 (8.5 → 9), 9, 10, 10 → deduplicated
    expect(parseAxis(gapStudy, 'quick', 'width=8:10:5').values).toEqual([8, 9, 10]);
    // a float parameter keeps its fractional values
    expect(parseAxis(gapStudy, 'quick', 'eta=1:2:3').values).toEqual([1, 1.5, 2]);
  });

  it('marks an axis spanning ≥ 100× as log', () => {
    expect(parseAxis(gapStudy, 'quick', 'width=64,6400').log).toBe(true);
    expect(parseAxis(gapStudy, 'quick', 'width=64,6399').log).toBe(false);
  });

  it('names the key, the value and what was expected', () => {
    const unknown = errorOf(() => parseAxis(gapStudy, 'quick', 'widht=64,128'));
    expect(unknown.message).toContain("'widht'");
    expect(unknown.message).toContain('width, eta');
    expect(errorOf(() => parseAxis(gapStudy, 'quick', 'width')).message).toMatch(/--over: expected key=.*got 'width'/);
    expect(errorOf(() => parseAxis(gapStudy, 'quick', 'width=')).message).toContain('width: no values');
    expect(errorOf(() => parseAxis(gapStudy, 'quick', 'eta=0:1:3:log')).message).toContain('lo > 0');
    expect(errorOf(() => parseAxis(gapStudy, 'quick', 'eta=0.1:1:0')).message).toContain("point count '0'");
    expect(errorOf(() => parseAxis(gapStudy, 'quick', 'width=64,,128')).message).toContain('empty value at position 2');
  });
});

describe('expandGrid', () => {
  it('is row-major with the last axis fastest, and applies base before coordinates', () => {
    const g = expandGrid({
      axes: [
        { key: 'width', values: [64, 128], log: false },
        { key: 'eta', values: [0.1, 0.2, 0.3], log: false },
      ],
      base: { c: 7 },
    });
    expect(g).toHaveLength(6);
    expect(g.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(g.map((p) => [p.coords.width, p.coords.eta])).toEqual([
      [64, 0.1],
      [64, 0.2],
      [64, 0.3],
      [128, 0.1],
      [128, 0.2],
      [128, 0.3],
    ]);
    expect(g[4].params).toEqual({ c: 7, width: 128, eta: 0.2 });
  });

  it('counts the product of the axis sizes', () => {
    for (const [a, b] of [
      [1, 1],
      [4, 1],
      [3, 7],
    ]) {
      const axes = [
        { key: 'width', values: Array.from({ length: a }, (_, i) => 8 + i), log: false },
        { key: 'eta', values: Array.from({ length: b }, (_, i) => 0.1 * (i + 1)), log: false },
      ];
      expect(expandGrid({ axes })).toHaveLength(a * b);
      expect(expandGrid({ axes: [axes[1]] })).toHaveLength(b);
    }
  });
});

describe('validateMapSpec', () => {
  const width = { key: 'width', values: [64, 128], log: false };
  const eta = { key: 'eta', values: [0.1, 1], log: false };

  it('accepts a good grid and returns it expanded', () => {
    expect(validateMapSpec(gapStudy, spec({ axes: [width, eta], seeds: [0, 1] }))).toHaveLength(4);
  });

  it('rejects a value the schema rejects, naming the point and the zod issue', () => {
    const e = errorOf(() => validateMapSpec(gapStudy, spec({ axes: [{ key: 'width', values: [64, 4], log: false }] })));
    expect(e.message).toContain('width=4');
    expect(e.message).toMatch(/width: .*(>=|≥|at least|8)/);
    expect(e.message).toContain('(got 4)');
    const kind = errorOf(() => validateMapSpec(gapStudy, spec({ axes: [{ key: 'activation', values: ['tanh', 'sigmoid'], log: false }] })));
    expect(kind.message).toContain('activation="sigmoid"');
  });

  it('rejects duplicate axes, more than two, none, and unknown keys', () => {
    expect(errorOf(() => validateMapSpec(gapStudy, spec({ axes: [width, width] }))).message).toContain("duplicate axis 'width'");
    expect(errorOf(() => validateMapSpec(gapStudy, spec({ axes: [width, eta, { key: 'c', values: [1], log: false }] }))).message).toContain('3 axes');
    expect(errorOf(() => validateMapSpec(gapStudy, spec({ axes: [] }))).message).toContain('no axes');
    const u = errorOf(() => validateMapSpec(gapStudy, spec({ axes: [{ key: 'depth', values: [1], log: false }] })));
    expect(u.message).toContain("unknown parameter 'depth'");
    expect(u.message).toContain('expected one of: width, eta, c, tol');
    expect(errorOf(() => validateMapSpec(gapStudy, spec({ axes: [width], base: { width: 64 } }))).message).toContain("'width' is also a map axis");
    expect(errorOf(() => validateMapSpec(gapStudy, spec({ axes: [width], base: { depht: 2 } }))).field).toBe('--param');
  });

  it('caps points × seeds unless yes', () => {
    const big = { key: 'width', values: Array.from({ length: 60 }, (_, i) => 8 + i), log: false };
    const s = spec({ axes: [big], seeds: [0, 1] });
    const e = errorOf(() => validateMapSpec(gapStudy, s, { maxPoints: 100 }));
    expect(e.message).toContain('60 points × 2 seeds = 120 runs, expected at most 100');
    expect(e.message).toContain('--yes');
    expect(validateMapSpec(gapStudy, s, { maxPoints: 100, yes: true })).toHaveLength(60);
    expect(validateMapSpec(gapStudy, s, { maxPoints: 120 })).toHaveLength(60);
  });

  it('rejects no seeds and a wrong study id', () => {
    expect(errorOf(() => validateMapSpec(gapStudy, spec({ axes: [width], seeds: [] }))).message).toContain('no seeds');
    expect(errorOf(() => validateMapSpec(gapStudy, spec({ axes: [width], studyId: 'other' }))).field).toBe('studyId');
  });
});

describe('resolveMetricName', () => {
  it('defaults to the first judged metric and rejects an unknown name, listing the metrics', async () => {
    const r = await executeStudy(gapStudy, { profile: 'quick', seed: 0 });
    expect(resolveMetricName({}, r)).toBe('gap');
    expect(resolveMetricName({ metric: 'sanity' }, r)).toBe('sanity');
    const e = errorOf(() => resolveMetricName({ metric: 'gapp' }, r));
    expect(e.message).toContain("unknown metric 'gapp'");
    expect(e.message).toContain('expected one of: gap, sanity');
  });
});

describe('findMetric', () => {
  const m = (name: string, sanity = false) => ({ name, value: 0, criterion: { op: '<=' as const, bound: 1 }, reason: '', tolerance: 1, pass: true, criterionText: '≤ 1', sanity });
  it('matches exactly, else the one judged metric whose name differs only in numbers', () => {
    const r = { metrics: [m('gap at n=256'), m('slope'), m('loss at n=256', true)] };
    expect(findMetric(r, 'slope')?.name).toBe('slope');
    expect(findMetric(r, 'gap at n=64')?.name).toBe('gap at n=256');
    expect(findMetric(r, 'gap at n=1e3')?.name).toBe('gap at n=256');
    // a sanity check is never the mapped metric by shape
    expect(findMetric(r, 'loss at n=64')).toBeUndefined();
  });
  it('where several judged metrics share a shape (one per step size), takes the same position among them', () => {
    // edge-of-stability reports `sharpening η=…` at η₀, 2η₀ and 4η₀; a map over η₀ changes every name
    const first = { metrics: [m('sharpening η=0.02'), m('sharpening η=0.04'), m('sharpening η=0.08')] };
    const other = { metrics: [m('sharpening η=0.05'), m('sharpening η=0.1'), m('sharpening η=0.2')] };
    expect(shapeOrdinal(first, 'sharpening η=0.04')).toBe(1);
    expect(findMetric(other, 'sharpening η=0.04', shapeOrdinal(first, 'sharpening η=0.04'))?.name).toBe('sharpening η=0.1');
    expect(findMetric(other, 'sharpening η=0.02', shapeOrdinal(first, 'sharpening η=0.02'))?.name).toBe('sharpening η=0.05');
    // past the last of them: nothing
    expect(findMetric(other, 'sharpening η=9', 3)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/random.ts';
import type { Criterion, StudyResult, Verdict } from '../../../src/studies/types.ts';
import { buildMap, errorRatio, judgeBoundaries, measuredBoundaries, rawRatio, shownVerdict, summarizePoint } from '../../../src/studies/validityMap/summarize.ts';
import type { MapPoint, MapSpec } from '../../../src/studies/validityMap/types.ts';
import { criterionPasses, criterionText, judgeSeeds } from '../../../src/studies/verdict.ts';
import { gapStudy } from './fixture.ts';

/** A random criterion of each op, with scales from 1e-6 to 1e6 and both signs, plus degenerate tolerances. */
function randomCriterion(op: Criterion['op'], rng: Rng): Criterion {
  const scale = 10 ** (12 * rng.uniform() - 6);
  const x = () => scale * (2 * rng.uniform() - 1);
  const tol = () => (rng.uniform() < 0.05 ? 0 : scale * rng.uniform());
  switch (op) {
    case '<=':
      return { op, bound: rng.uniform() < 0.05 ? 0 : x() };
    case '>=':
      return { op, bound: rng.uniform() < 0.05 ? 0 : x() };
    case 'in': {
      const lo = x();
      return { op, lo, hi: lo + tol() };
    }
    case 'abs':
      return { op, target: x(), tol: tol() };
    case 'rel':
      return { op, target: rng.uniform() < 0.05 ? 0 : x(), tol: rng.uniform() };
  }
}

/** Values near the criterion's edges (where round-off matters) as well as far from them. */
function probeValues(c: Criterion, rng: Rng): number[] {
  const edges = c.op === '<=' || c.op === '>=' ? [c.bound] : c.op === 'in' ? [c.lo, c.hi] : c.op === 'abs' ? [c.target - c.tol, c.target + c.tol] : [c.target * (1 - c.tol), c.target * (1 + c.tol)];
  const out: number[] = [];
  for (const e of edges) {
    const ulp = Math.max(Math.abs(e) * Number.EPSILON, Number.MIN_VALUE);
    out.push(e, e + ulp, e - ulp, e * (1 + 1e-9), e * (1 - 1e-9), e + (rng.uniform() - 0.5) * Math.abs(e || 1));
  }
  out.push(0, (rng.uniform() - 0.5) * 1e7);
  return out;
}

describe('errorRatio', () => {
  it('is ≤ 1 exactly when the criterion passes, for every op (property test)', () => {
    const rng = Rng.fromSeed(7, 'errorRatio');
    let checked = 0;
    const mismatches: string[] = [];
    let farFromEdge = 0;
    for (const op of ['<=', '>=', 'in', 'abs', 'rel'] as const) {
      for (let k = 0; k < 2000; k++) {
        const c = randomCriterion(op, rng);
        for (const v of probeValues(c, rng)) {
          const r = errorRatio({ value: v, criterion: c });
          if (r <= 1 !== criterionPasses(v, c)) mismatches.push(`${op} ${JSON.stringify(c)} value ${v} ratio ${r}`);
          // The closed form alone decides wherever it is not within round-off of 1: the pin only moves edge cases.
          const raw = rawRatio(v, { criterion: c });
          if (Math.abs(raw - 1) > 1e-9) {
            if (raw <= 1 !== criterionPasses(v, c)) mismatches.push(`closed form: ${op} ${JSON.stringify(c)} value ${v} raw ${raw}`);
            if (raw !== r) mismatches.push(`pinned away from the edge: ${op} ${JSON.stringify(c)} value ${v} raw ${raw} ratio ${r}`);
            farFromEdge++;
          }
          checked++;
        }
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(50_000);
    expect(farFromEdge).toBeGreaterThan(checked / 4);
  });

  it('matches the documented forms away from the edges', () => {
    expect(errorRatio({ value: 1.3, criterion: { op: 'abs', target: 1, tol: 0.1 } })).toBeCloseTo(3, 12);
    expect(errorRatio({ value: 12, criterion: { op: 'rel', target: 10, tol: 0.1 } })).toBeCloseTo(2, 12);
    expect(errorRatio({ value: 0.02, criterion: { op: '<=', bound: 0.05 } })).toBeCloseTo(0.4, 12);
    expect(errorRatio({ value: 0.5, criterion: { op: '>=', bound: 1 } })).toBeCloseTo(1.5, 12);
    expect(errorRatio({ value: 3, criterion: { op: 'in', lo: 0, hi: 2 } })).toBeCloseTo(2, 12);
  });

  it('is NaN for a missing measurement and +∞ for an infinite one', () => {
    expect(errorRatio({ value: Number.NaN, criterion: { op: '<=', bound: 1 } })).toBeNaN();
    expect(errorRatio({ value: Number.NEGATIVE_INFINITY, criterion: { op: '<=', bound: 1 } })).toBe(Number.POSITIVE_INFINITY);
  });
});

/** A stored-run stand-in with one `<=` metric 'gap' at `value` (bound `bound`) and the given verdict. */
function fakeResult(seed: number, value: number, bound: number, verdict?: Verdict): StudyResult {
  const criterion: Criterion = { op: '<=', bound };
  const pass = criterionPasses(value, criterion);
  return {
    id: gapStudy.id,
    title: gapStudy.title,
    pillar: 'limits',
    claim: '',
    verdict: verdict ?? (Number.isNaN(value) ? 'error' : pass ? 'holds' : 'falsified'),
    metrics: [{ name: 'gap', value, criterion, reason: '', tolerance: bound, pass, criterionText: criterionText(criterion) }],
    regime: [],
    prediction: { scalars: {}, series: [] },
    measurement: { scalars: {}, series: [] },
    figures: [],
    provenance: { seed, configHash: `run-${seed}-${value}`, codeVersion: 't', params: {}, profile: 'quick', startedAt: '', durationMs: 0, node: '', platform: '' },
  };
}

function point(index: number, coords: MapPoint['coords'], ratio: number): MapPoint {
  return summarizePoint(gapStudy, { index, coords }, [fakeResult(0, ratio, 1)], 'gap');
}

describe('summarizePoint', () => {
  it('draws unanimous seeds as their verdict although too few to clear the Wilson bound; disagreement stays inconclusive', () => {
    const three = [fakeResult(0, 0.5, 1), fakeResult(1, 0.6, 1), fakeResult(2, 0.7, 1)];
    const p = summarizePoint(gapStudy, { index: 0, coords: { width: 64 } }, three, 'gap');
    // 3/3 holds: Wilson lower bound 0.44 < 0.5, so the verdict over seeds cannot say holds
    expect([p.verdict, p.shown]).toEqual(['inconclusive', 'holds']);
    expect(shownVerdict('inconclusive', ['holds', 'falsified', 'holds'])).toBe('inconclusive');
    expect(shownVerdict('inconclusive', ['falsified', 'falsified'])).toBe('falsified');
    expect(shownVerdict('holds', ['holds', 'holds', 'holds', 'holds', 'holds'])).toBe('holds');
  });
  it('folds seeds with judgeSeeds and the study threshold; medians the ratios, skipping NaN', () => {
    const results = [fakeResult(0, 0.5, 1), fakeResult(1, 0.7, 1), fakeResult(2, 3, 1), fakeResult(3, Number.NaN, 1)];
    const p = summarizePoint(gapStudy, { index: 4, coords: { width: 64 } }, results, 'gap');
    const expected = judgeSeeds([0, 1, 2, 3], ['holds', 'holds', 'falsified', 'error'], gapStudy.seeds?.threshold ?? 0.5).verdict;
    expect(p.verdict).toBe(expected);
    expect(p.seedVerdicts).toEqual(['holds', 'holds', 'falsified', 'error']);
    expect(p.fractionHolds).toBe(0.5);
    expect(p.runIds).toEqual(results.map((r) => r.provenance.configHash));
    expect(p.metric?.perSeed.slice(0, 3)).toEqual([0.5, 0.7, 3]);
    expect(p.metric?.perSeed[3]).toBeNaN();
    expect(p.metric?.errorRatio).toBeCloseTo(0.7, 12);
    expect(p.metric?.criterion).toBe('≤ 1');
  });

  it('one seed keeps its own verdict', () => {
    expect(summarizePoint(gapStudy, { index: 0, coords: {} }, [fakeResult(0, 2, 1, 'out-of-regime')], 'gap').verdict).toBe('out-of-regime');
  });
});

describe('measuredBoundaries', () => {
  it('ratio = x/x0 on a log grid crosses at x0 exactly (ln-ln interpolation)', () => {
    for (const x0 of [70, 100, 333.3, 900]) {
      const xs = [64, 128, 256, 512, 1024];
      const pts = xs.map((x, i) => point(i, { width: x }, x / x0));
      const b = measuredBoundaries({ axes: [{ key: 'width', values: xs, log: true }] }, pts);
      expect(b).toHaveLength(1);
      expect(b[0].crossing).toBeCloseTo(x0, 9);
      expect(b[0].holdsBelow).toBe(true);
    }
  });

  it('a linear ratio on a linear axis crosses exactly; several crossings give several entries', () => {
    const xs = [0, 1, 2, 3, 4, 5];
    const r = (x: number) => 1 + (x - 1.25) * (x - 3.6); // crosses 1 at 1.25 and 3.6... interpolated linearly
    const pts = xs.map((x, i) => point(i, { eta: x }, r(x)));
    const b = measuredBoundaries({ axes: [{ key: 'eta', values: xs, log: false }] }, pts);
    expect(b.map((e) => e.holdsBelow)).toEqual([false, true]);
    // linear interpolation between the neighbours around each root
    const lerp = (a: number, c: number) => a + ((1 - r(a)) / (r(c) - r(a))) * (c - a);
    expect(b[0].crossing).toBeCloseTo(lerp(1, 2), 12);
    expect(b[1].crossing).toBeCloseTo(lerp(3, 4), 12);
    const lin = xs.map((x, i) => point(i, { eta: x }, 1 + 0.5 * (x - 2.2)));
    expect(measuredBoundaries({ axes: [{ key: 'eta', values: xs, log: false }] }, lin)[0].crossing).toBeCloseTo(2.2, 12);
  });

  it('no crossing gives one null entry; NaN points are skipped', () => {
    const xs = [1, 2, 3, 4];
    const none = measuredBoundaries({ axes: [{ key: 'eta', values: xs, log: false }] }, xs.map((x, i) => point(i, { eta: x }, 0.5)));
    expect(none).toEqual([{ axis: 'eta', fixed: {}, crossing: null, holdsBelow: null }]);
    // ratio 0.5, NaN, 1.5, 2: the crossing is between x=1 and x=3 (x=2 skipped): 1 + (0.5/1)·2 = 2
    const ratios = [0.5, Number.NaN, 1.5, 2];
    const b = measuredBoundaries({ axes: [{ key: 'eta', values: xs, log: false }] }, xs.map((x, i) => point(i, { eta: x }, ratios[i])));
    expect(b).toHaveLength(1);
    expect(b[0].crossing).toBeCloseTo(2, 12);
  });

  it('2-D: a line along each axis at every value of the other', () => {
    const widths = [64, 256, 1024];
    const etas = [0.1, 1];
    const spec: Pick<MapSpec, 'axes'> = {
      axes: [
        { key: 'width', values: widths, log: true },
        { key: 'eta', values: etas, log: true },
      ],
    };
    // ratio = (x0(eta)/width) with x0 = 200·eta → crossing along width at 200·eta (holds above)
    const pts: MapPoint[] = [];
    for (const w of widths) for (const e of etas) pts.push(point(pts.length, { width: w, eta: e }, (200 * e) / w));
    const b = measuredBoundaries(spec, pts);
    const alongWidth = b.filter((x) => x.axis === 'width');
    expect(alongWidth.map((x) => x.fixed)).toEqual([{ eta: 0.1 }, { eta: 1 }]);
    // eta = 0.1: x0 = 20 is below the grid → no crossing; eta = 1: x0 = 200
    expect(alongWidth[0].crossing).toBeNull();
    expect(alongWidth[1].crossing).toBeCloseTo(200, 9);
    expect(alongWidth[1].holdsBelow).toBe(false);
    const alongEta = b.filter((x) => x.axis === 'eta');
    expect(alongEta.map((x) => x.fixed)).toEqual([{ width: 64 }, { width: 256 }, { width: 1024 }]);
    // width 64: ratio 0.3125 → 3.125: crossing at eta = 64/200 = 0.32
    expect(alongEta[0].crossing).toBeCloseTo(0.32, 9);
    expect(alongEta[0].holdsBelow).toBe(true);
  });
});

describe('judgeBoundaries and buildMap', () => {
  const axes = [
    { key: 'width', values: [64, 128, 256, 512, 1024], log: true },
    { key: 'eta', values: [1, 2], log: false },
  ];
  const mapSpec = (base: Record<string, unknown> = {}): MapSpec => ({ studyId: gapStudy.id, profile: 'quick', axes, seeds: [0, 1], base });
  /** The fixture's gap c·eta/width against tol (quick: c = 100, tol = 0.5): boundary at width* = 200·eta. */
  const runsFor = (missing = -1) =>
    axes[0].values.flatMap((w) => axes[1].values.map((e) => [w, e])).map(([w, e], i) => (i === missing ? [undefined, undefined] : [0, 1].map((s) => fakeResult(s, (100 * e) / w, 0.5))));

  it('a correct prediction passes, a biased one fails, on every line along width', () => {
    const good = buildMap(gapStudy, mapSpec(), runsFor(), { codeVersion: 't', createdAt: 'now' });
    expect(good.points).toHaveLength(10);
    expect(good.pending).toBe(0);
    expect(good.spec.metric).toBe('gap');
    const w = good.predictedBoundaries.filter((b) => b.axis === 'width');
    expect(w.map((b) => b.predicted)).toEqual([200, 400]);
    for (const b of w) {
      expect(b.measured).toBeCloseTo(b.predicted, 9);
      expect(b.pass).toBe(true);
    }
    const biased = buildMap(gapStudy, mapSpec({ boundaryBias: 2 }), runsFor(), { codeVersion: 't' });
    expect(biased.predictedBoundaries.filter((b) => b.axis === 'width').map((b) => b.pass)).toEqual([false, false]);
    const inside = buildMap(gapStudy, mapSpec({ boundaryBias: 1.4 }), runsFor(), { codeVersion: 't' });
    expect(inside.predictedBoundaries.map((b) => b.pass)).toEqual([true, true]);
  });

  it('a prediction with the wrong side fails; no measured crossing gives pass null', () => {
    const spec = mapSpec();
    const pts = buildMap(gapStudy, spec, runsFor(), { codeVersion: 't' }).points;
    const flipped = { ...gapStudy, boundary: () => [{ axis: 'width', value: 200, holds: 'below' as const, factor: 2, reason: '' }] };
    expect(judgeBoundaries(flipped, spec, measuredBoundaries(spec, pts)).map((b) => b.pass)).toEqual([false, false]);
    const far = { ...gapStudy, boundary: () => [{ axis: 'width', value: 200, holds: 'above' as const, factor: 2, reason: '' }] };
    const none = judgeBoundaries(far, spec, measuredBoundaries(spec, []));
    expect(none.length).toBeGreaterThan(0);
    expect(none.every((b) => b.pass === null && b.measured === null)).toBe(true);
  });

  it('a boundary naming its own metric is judged against the crossing of that metric, not the mapped one', () => {
    // two metrics per run: the mapped 'gap' (crossing at width 200·eta) and 'wall', whose ratio
    // 800·eta/width crosses 1 at width 800·eta (4× further out)
    const withWall = (r: StudyResult, w: number, e: number): StudyResult => {
      const criterion: Criterion = { op: '<=', bound: 1 };
      const value = (800 * e) / w;
      const pass = criterionPasses(value, criterion);
      return { ...r, metrics: [...r.metrics, { name: 'wall', value, criterion, reason: '', tolerance: 1, pass, criterionText: criterionText(criterion) }] };
    };
    const cells = axes[0].values.flatMap((w) => axes[1].values.map((e) => [w, e]));
    const runs = runsFor().map((perSeed, i) => perSeed.map((r) => (r ? withWall(r, cells[i][0], cells[i][1]) : r)));
    const at = (metric?: string) => ({ ...gapStudy, boundary: (p: Record<string, unknown>) => [{ axis: 'width', value: 800 * (p.eta as number), holds: 'above' as const, factor: 1.2, reason: '', ...(metric ? { metric } : {}) }] });
    const own = buildMap(at('wall'), mapSpec(), runs, { codeVersion: 't' });
    expect(own.spec.metric).toBe('gap');
    // eta = 1: 'wall' crosses at width 800, as predicted; eta = 2: at 1600, beyond the grid (no crossing, pass null)
    expect(own.predictedBoundaries.map((b) => [b.metric, b.pass])).toEqual([
      ['wall', true],
      ['wall', null],
    ]);
    expect(own.predictedBoundaries[0].measured).toBeCloseTo(800, 9);
    // the same prediction judged against the mapped metric misses by ×4
    expect(buildMap(at(), mapSpec(), runs, { codeVersion: 't' }).predictedBoundaries.map((b) => b.pass)).toEqual([false, false]);
    // a misspelt metric in a study's boundary fails loudly, naming the metrics there are
    expect(() => buildMap(at('wal'), mapSpec(), runs, { codeVersion: 't' })).toThrow(/unknown metric 'wal'.*gap, wall/);
  });

  it('a boundary of the setting is judged against where its regime check fails, interpolated to the threshold', () => {
    const etas = [1, 2, 4, 8];
    const spec: MapSpec = { studyId: gapStudy.id, profile: 'quick', axes: [{ key: 'eta', values: etas, log: true }], seeds: [0, 1] };
    // the check's value η/3 (ok below 1): a power law in η, so log-log interpolation puts the edge at η = 3 exactly
    const runs = etas.map((e) =>
      [0, 1].map((seed) => {
        const r = fakeResult(seed, 0.5, 1);
        return { ...r, regime: [{ name: 'stable step', ok: e / 3 < 1, value: e / 3, detail: '' }], verdict: e / 3 < 1 ? r.verdict : ('out-of-regime' as const) };
      }),
    );
    const edge = (value: number, threshold?: number, check = 'stable step') => ({
      ...gapStudy,
      boundary: () => [{ axis: 'eta', value, holds: 'below' as const, factor: 1.25, reason: '', regime: { check, ...(threshold !== undefined ? { threshold } : {}) } }],
    });
    const judged = (study: ReturnType<typeof edge>) => buildMap(study, spec, runs, { codeVersion: 't' }).predictedBoundaries;
    const exact = judged(edge(3, 1));
    expect(exact.map((b) => [b.metric, b.pass])).toEqual([["regime check 'stable step'", true]]);
    expect(exact[0].measured).toBeCloseTo(3, 12);
    // without a threshold: the log-midpoint of the last ok (2) and first failed (4) point, √8
    expect(judged(edge(3))[0].measured).toBeCloseTo(Math.sqrt(8), 12);
    // a rival threshold off by 2× (1/λ in place of 2/λ) is judged wrong
    expect(judged(edge(1.5, 1))[0].pass).toBe(false);
    expect(() => judged(edge(3, 1, 'stable stp'))).toThrow(/regime check 'stable stp', which its results lack; expected one of: stable step/);
  });

  it('a streaming map evaluates each boundary once per parameter set, however often it is rebuilt', () => {
    let calls = 0;
    const counted = { ...gapStudy, boundary: (p: Record<string, unknown>) => (calls++, gapStudy.boundary?.(p as never) ?? []) };
    const first = buildMap(counted, mapSpec(), runsFor(3), { codeVersion: 't' });
    const once = calls;
    // the lines along width fix eta ∈ {1, 2}; those along eta fix the five widths: 7 parameter sets in all
    expect(once).toBe(7);
    const full = buildMap(counted, mapSpec(), runsFor(), { codeVersion: 't' });
    expect(calls).toBe(once);
    expect(full.predictedBoundaries.length).toBeGreaterThanOrEqual(first.predictedBoundaries.length);
  });

  it('a partial map lists finished points only and counts the rest pending', () => {
    const spec = mapSpec();
    const m = buildMap(gapStudy, spec, runsFor(3), { codeVersion: 't' });
    expect(m.points).toHaveLength(9);
    expect(m.pending).toBe(1);
    expect(m.points.map((p) => p.index)).not.toContain(3);
  });
});

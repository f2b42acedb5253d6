import * as vega from 'vega';
import { compile } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { axisGeometry, boundaryRows, cellLabel, mapLayout, mapVegaSpecs, metricName, VERDICT_FILL, VERDICT_LETTER } from '../../src/report/mapSpec.ts';
import type { VegaLiteSpec } from '../../src/report/vegaSpec.ts';
import type { ValidityMap } from '../../src/studies/validityMap/types.ts';
import { ETAS, etaStar, lineMap, ntkMap, stripMap, WIDTHS } from './mapFixtures.ts';

type Layer = { mark: { type: string; fill?: string; shape?: string } | string; transform?: { filter?: string }[]; encoding: Record<string, Record<string, unknown> | undefined>; data?: { values: Record<string, unknown>[] } };
type Spec = { layer: Layer[]; data: { values: Record<string, unknown>[] }; title: { text: string; subtitle?: string[] } };

const asSpec = (s: VegaLiteSpec) => s as unknown as Spec;
const markType = (l: Layer) => (typeof l.mark === 'string' ? l.mark : l.mark.type);

/** Compile with vega-lite collecting its warnings, and render to SVG with a headless vega View (as vegaSpec.test.ts). */
async function compileAndRender(spec: VegaLiteSpec): Promise<{ warnings: string[]; svg: string }> {
  const warnings: string[] = [];
  const logger = { level: () => logger, error: (...a: unknown[]) => warnings.push(`error ${a.join(' ')}`), warn: (...a: unknown[]) => warnings.push(a.join(' ')), info: () => logger, debug: () => logger };
  const view = new vega.View(vega.parse(compile(spec, { logger: logger as never }).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return { warnings, svg };
}

/** Data rows of the boundary layers (those with their own data holding `kind`). */
function boundaryData(spec: VegaLiteSpec): Record<string, unknown>[] {
  const rows = asSpec(spec).layer.flatMap((l) => l.data?.values ?? []).filter((r) => typeof r.kind === 'string');
  return [...new Set(rows)];
}

describe('mapVegaSpecs: valid Vega-Lite', () => {
  const cases: [string, () => ValidityMap][] = [
    ['2-D log × log', () => ntkMap()],
    ['2-D partial', () => ntkMap({ pendingLast: 7 })],
    ['1-D categorical strip with a missing metric', stripMap],
    ['1-D numeric with boundary rules', lineMap],
  ];
  for (const [name, make] of cases) {
    it(`${name}: both specs compile without warnings and render`, async () => {
      const map = make();
      const specs = mapVegaSpecs(map, { caption: true });
      for (const spec of [specs.phase, specs.error]) {
        const { warnings, svg } = await compileAndRender(spec);
        expect(warnings).toEqual([]);
        // every axis value is drawn as a tick label (categorical ones through labelExpr)
        for (const axis of map.spec.axes) for (const v of axis.values) expect(svg).toContain(`>${String(v)}<`);
      }
    });
  }
});

describe('mapLayout and axis geometry', () => {
  it('log axes tile with geometric midpoints; each value sits at the centre of its cell in log space', () => {
    const g = axisGeometry({ key: 'width', values: WIDTHS, log: true });
    expect(g.log).toBe(true);
    for (let i = 0; i < WIDTHS.length; i++) {
      const [lo, hi] = g.span[i];
      expect(Math.sqrt(lo * hi)).toBeCloseTo(WIDTHS[i], 9);
      if (i + 1 < WIDTHS.length) {
        expect(hi).toBeCloseTo(g.span[i + 1][0], 9); // no gap, no overlap
        expect(hi).toBeCloseTo(Math.sqrt(WIDTHS[i] * WIDTHS[i + 1]), 9);
      }
    }
    expect(g.domain).toEqual([g.span[0][0], g.span[WIDTHS.length - 1][1]]);
  });

  it('uneven linear axes split at arithmetic midpoints, in any value order; one value gets a finite cell', () => {
    const g = axisGeometry({ key: 'depth', values: [3, 0, 1], log: false });
    expect(g.span).toEqual([
      [2, 4],
      [-0.5, 0.5],
      [0.5, 2],
    ]);
    const one = axisGeometry({ key: 'x', values: [5], log: true });
    expect(Math.sqrt(one.span[0][0] * one.span[0][1])).toBeCloseTo(5, 9);
    expect(one.span[0][1] / one.span[0][0]).toBeCloseTo(10, 9);
    // log asked for but a value ≤ 0: drawn linear (a log scale cannot show it)
    expect(axisGeometry({ key: 'x', values: [0, 1, 10], log: true }).log).toBe(false);
    expect(axisGeometry({ key: 'p', values: ['sp', true], log: false }).categorical).toBe(true);
  });

  it('numbers too unevenly spaced for a linear scale (a 0 among decades) are drawn by index, crossings between positions', () => {
    const lambdas = [0, 0.3, 1, 3, 10];
    const g = axisGeometry({ key: 'weightDecay', values: lambdas, log: false });
    expect([g.categorical, g.ordinal, g.pos]).toEqual([true, true, [0, 1, 2, 3, 4]]);
    // evenly spaced values keep their linear scale
    expect(axisGeometry({ key: 'steps', values: [100, 200, 300, 400], log: false }).ordinal).toBeUndefined();
    // the fixture's η axis relabelled λ: a crossing at λ = 0.65 (halfway from 0.3 to 1) lands halfway between cells 1 and 2
    const base = ntkMap();
    const relabel = (v: unknown) => lambdas[ETAS.indexOf(v as number)];
    const map: ValidityMap = {
      ...base,
      spec: { ...base.spec, axes: [base.spec.axes[0], { key: 'eta', values: lambdas, log: false }] },
      points: base.points.map((p) => ({ ...p, coords: { ...p.coords, eta: relabel(p.coords.eta) } })),
      boundaries: [{ axis: 'eta', fixed: { width: WIDTHS[0] }, crossing: 0.65, holdsBelow: true }],
      predictedBoundaries: [],
    };
    const { rows, dropped } = boundaryRows(map, mapLayout(map));
    expect(dropped).toBe(0);
    expect(rows.map((r) => [r.bx, r.by])).toEqual([[WIDTHS[0], 1.5]]);
  });

  it('matches points to cells by coordinates, not by their order, and leaves pending cells empty', () => {
    const map = ntkMap({ pendingLast: 4 });
    const shuffled = { ...map, points: [...map.points].reverse() };
    const layout = mapLayout(shuffled);
    expect(layout.cells).toHaveLength(WIDTHS.length * ETAS.length);
    expect(layout.cells.filter((c) => !c.point)).toHaveLength(4);
    for (const c of layout.cells) {
      if (!c.point) continue;
      expect(c.point.coords.width).toBe(WIDTHS[c.ix]);
      expect(c.point.coords.eta).toBe(ETAS[c.iy]);
    }
    const offGrid = mapLayout({ ...map, points: [...map.points, { ...map.points[0], coords: { width: 99, eta: 0.1 } }] });
    expect(offGrid.offGrid).toBe(1);
  });

  it('sizes an uneven grid so its smallest cell stays readable, ticks every value and labels cells at their values', () => {
    const base = ntkMap();
    const etas = [0.001, 0.004, 0.016];
    const map: ValidityMap = {
      ...base,
      spec: { ...base.spec, axes: [{ key: 'eta', values: etas, log: false }, base.spec.axes[0]] },
      points: base.points.filter((p) => p.coords.eta === 0.1).flatMap((p) => etas.map((eta) => ({ ...p, coords: { eta, width: p.coords.width } }))),
    };
    const spec = mapVegaSpecs(map).phase as unknown as Spec & { width: number };
    const g = axisGeometry(map.spec.axes[0]);
    const smallest = Math.min(...g.span.map(([lo, hi]) => (hi - lo) / (g.domain[1] - g.domain[0])));
    expect(smallest * spec.width).toBeGreaterThanOrEqual(40 - 0.5); // rounding to whole pixels
    expect(spec.width).toBeGreaterThan(3 * 64); // wider than three plain 64 px columns would be
    const rect = spec.layer.find((l) => markType(l) === 'rect' && l.encoding.color !== undefined);
    const axis = rect?.encoding.x?.axis as { values: number[]; labelOverlap: boolean };
    expect(axis.values).toEqual(etas);
    expect(axis.labelOverlap).toBe(false);
    for (const r of spec.data.values) expect(etas).toContain(r.px);
  });

  it('wraps a long study title so it does not widen the figure', () => {
    const map = { ...ntkMap(), studyTitle: 'Deep linear networks learn singular modes sigmoidally, largest first, and this title is long' };
    const title = asSpec(mapVegaSpecs(map).phase).title.text as unknown as string[];
    expect(title.length).toBeGreaterThan(1);
    expect(title.join(' ')).toBe(`${map.studyTitle}: verdicts over width × eta`);
  });

  it('rejects a map without one or two axes, naming the field', () => {
    const map = ntkMap();
    expect(() => mapVegaSpecs({ ...map, spec: { ...map.spec, axes: [] } })).toThrow(/map\.spec\.axes.*one or two axes, got 0/);
    const three = [...map.spec.axes, { key: 'depth', values: [1, 2], log: false }];
    expect(() => mapVegaSpecs({ ...map, spec: { ...map.spec, axes: three } })).toThrow(/map\.spec\.axes.*got 3/);
    expect(() => mapVegaSpecs({ ...map, spec: { ...map.spec, axes: [{ key: 'width', values: [], log: false }] } })).toThrow(/map\.spec\.axes.*at least one value/);
    expect(() => mapVegaSpecs(map, { width: 0 })).toThrow(/width: expected a plot size/);
  });
});

describe('phase diagram', () => {
  it('colours each cell by its verdict with the report palette and labels it with the seeds that hold', () => {
    const map = ntkMap({ pendingLast: 2 });
    const spec = asSpec(mapVegaSpecs(map).phase);
    const rect = spec.layer.find((l) => markType(l) === 'rect' && l.encoding.color !== undefined);
    const scale = rect?.encoding.color?.scale as { domain: string[]; range: string[] };
    scale.domain.forEach((state, i) => expect(scale.range[i]).toBe(VERDICT_FILL[state as keyof typeof VERDICT_FILL]));
    expect(scale.domain).toContain('pending');
    const byCoord = new Map(map.points.map((p) => [`${p.coords.width}|${p.coords.eta}`, p]));
    const rows = spec.data.values;
    expect(rows).toHaveLength(WIDTHS.length * ETAS.length);
    for (const r of rows) {
      const p = byCoord.get(`${r.c0}|${r.c1}`);
      if (!p) {
        expect(r.state).toBe('pending');
        continue;
      }
      expect(r.state).toBe(p.verdict);
      const holds = p.seedVerdicts.filter((v) => v === 'holds').length;
      const simple = p.verdict === 'out-of-regime' || p.verdict === 'error';
      expect(r.label).toBe(simple ? VERDICT_LETTER[p.verdict] : `${VERDICT_LETTER[p.verdict]} ${holds}/${p.seedVerdicts.length}`);
      expect(r.runs).toBe(p.runIds.join(', '));
    }
    expect(rows.filter((r) => r.state === 'pending')).toHaveLength(2);
    // the fixture's verdicts really vary (holds, falsified, inconclusive, out-of-regime, error)
    expect(new Set(rows.map((r) => r.state)).size).toBeGreaterThanOrEqual(4);
    expect(spec.title.subtitle?.join(' ')).toContain('2 of 25 points not run yet');
  });

  it('cellLabel: one seed gives the bare letter, no point gives ·', () => {
    const p = stripMap().points[0];
    expect(cellLabel(p)).toBe(VERDICT_LETTER[p.verdict]);
    expect(cellLabel(undefined)).toBe('·');
  });

  it('drops cell labels when the cells are too narrow to hold them', () => {
    const map = ntkMap();
    const narrow = asSpec(mapVegaSpecs(map, { width: 100 }).phase);
    const wide = asSpec(mapVegaSpecs(map, { width: 400 }).phase);
    expect(narrow.layer.some((l) => markType(l) === 'text')).toBe(false);
    expect(wide.layer.some((l) => markType(l) === 'text')).toBe(true);
  });
});

describe('error heatmap', () => {
  it('maps log10(error ratio) on a diverging scale centred at 0, symmetric, with NaN cells grey and hatched', () => {
    const map = ntkMap();
    const spec = asSpec(mapVegaSpecs(map).error);
    const rect = spec.layer.find((l) => markType(l) === 'rect' && l.encoding.color !== undefined);
    const scale = rect?.encoding.color?.scale as { domain: [number, number]; domainMid: number; scheme: string };
    expect(scale.domainMid).toBe(0);
    expect(scale.domain[0]).toBe(-scale.domain[1]);
    const finite = map.points.map((p) => p.metric?.errorRatio ?? Number.NaN).filter(Number.isFinite);
    // the half-range covers the largest |log10 ratio| (clamped to [1, 3])
    expect(scale.domain[1]).toBeCloseTo(Math.min(3, Math.max(1, ...finite.map((r) => Math.abs(Math.log10(r))))), 12);
    const byCoord = new Map(map.points.map((p) => [`${p.coords.width}|${p.coords.eta}`, p]));
    const nanRows = spec.data.values.filter((r) => r.hasRatio === false);
    for (const r of spec.data.values) {
      const ratio = byCoord.get(`${r.c0}|${r.c1}`)?.metric?.errorRatio ?? Number.NaN;
      if (Number.isFinite(ratio)) expect(r.lr as number).toBeCloseTo(Math.log10(ratio), 12);
      else expect(r.lr).toBeNull();
    }
    expect(nanRows.length).toBe(map.points.filter((p) => !Number.isFinite(p.metric?.errorRatio ?? Number.NaN)).length);
    expect(nanRows.length).toBeGreaterThan(0);
    const grey = spec.layer.find((l) => markType(l) === 'rect' && typeof l.mark !== 'string' && l.mark.fill !== undefined && l.mark.fill !== 'white');
    expect(grey?.transform?.[0].filter).toContain('!datum.hasRatio');
    // three hatch strokes per NaN cell, each inside that cell's rectangle
    const hatch = spec.layer.find((l) => markType(l) === 'rule' && l.data?.values.every((v) => 'x2' in v));
    expect(hatch?.data?.values).toHaveLength(3 * nanRows.length);
    const inside = (v: number, a: unknown, b: unknown) => v >= (a as number) * (1 - 1e-12) && v <= (b as number) * (1 + 1e-12);
    for (const h of hatch?.data?.values ?? []) {
      expect(nanRows.some((r) => inside(h.x as number, r.x0, r.x1) && inside(h.x2 as number, r.x0, r.x1) && inside(h.y as number, r.y0, r.y1) && inside(h.y2 as number, r.y0, r.y1))).toBe(true);
    }
  });

  it('a map with no metric anywhere draws every cell grey and does not throw', async () => {
    const map = ntkMap();
    const bare: ValidityMap = { ...map, spec: { ...map.spec, metric: undefined }, points: map.points.map(({ metric: _m, ...p }) => p) };
    const spec = mapVegaSpecs(bare).error;
    expect(asSpec(spec).data.values.every((r) => r.hasRatio === false)).toBe(true);
    expect((await compileAndRender(spec)).warnings).toEqual([]);
  });
});

describe('boundary overlay', () => {
  it('draws every measured crossing at (fixed width, crossing η) and every predicted one, on both figures', () => {
    const map = ntkMap();
    const specs = mapVegaSpecs(map);
    for (const spec of [specs.phase, specs.error]) {
      const rows = boundaryData(spec);
      for (const b of map.boundaries) {
        if (b.crossing === null) continue;
        // along η: drawn at (its fixed width, the crossing); along width: at (the crossing, its fixed η)
        const [bx, by] = b.axis === 'eta' ? [b.fixed.width, b.crossing] : [b.crossing, b.fixed.eta];
        expect(rows.some((r) => r.kind === 'measured boundary' && r.bx === bx && r.by === by)).toBe(true);
      }
      for (const j of map.predictedBoundaries) expect(rows.some((r) => r.kind === 'predicted boundary' && r.bx === j.fixed.width && r.by === j.predicted)).toBe(true);
      // measured solid, predicted dashed, with a legend
      const line = asSpec(spec).layer.find((l) => l.encoding.strokeDash !== undefined);
      const dash = line?.encoding.strokeDash as { scale: { domain: string[]; range: number[][] }; legend: unknown };
      expect(dash.scale.domain).toEqual(['measured boundary', 'predicted boundary']);
      expect(dash.scale.range[0][1]).toBe(0);
      expect(dash.scale.range[1][1]).toBeGreaterThan(0);
      expect(dash.legend).not.toBeNull();
    }
    // the null crossing is neither drawn nor counted as dropped
    const { rows, dropped } = boundaryRows(map, mapLayout(map));
    expect(dropped).toBe(0);
    expect(rows.filter((r) => r.kind === 'measured boundary')).toHaveLength(map.boundaries.filter((b) => b.crossing !== null).length);
    // the fixture's crossings follow η*(width) = 0.1·√(width/256) (×1.05), an increasing line
    const measured = rows.filter((r) => r.kind === 'measured boundary' && r.line.includes('|eta|')).sort((a, b) => a.bx - b.bx);
    expect(measured).toHaveLength(WIDTHS.length);
    measured.forEach((r) => expect(r.by).toBeCloseTo(1.05 * etaStar(r.bx), 12));
  });

  it('on a 1-D map draws crossings as vertical rules; crossings on a categorical axis are dropped and counted', async () => {
    const line = mapVegaSpecs(lineMap()).phase;
    const rules = asSpec(line).layer.filter((l) => markType(l) === 'rule' && l.encoding.strokeDash !== undefined);
    expect(rules).toHaveLength(1);
    expect(rules[0].data?.values.map((v) => v.bx)).toEqual([300, 256]);
    const strip = stripMap();
    const withCrossing: ValidityMap = { ...strip, boundaries: [{ axis: 'parameterization', fixed: {}, crossing: 1.5, holdsBelow: true }] };
    const spec = asSpec(mapVegaSpecs(withCrossing).phase);
    expect(boundaryData(mapVegaSpecs(withCrossing).phase)).toEqual([]);
    expect(spec.title.subtitle?.join(' ')).toContain('1 boundary value not drawn');
    expect((await compileAndRender(mapVegaSpecs(withCrossing).phase)).warnings).toEqual([]);
  });

  it('summarises judged boundaries in the captioned subtitle, listing the ones that fail', () => {
    const map = ntkMap();
    const failing = { ...map, predictedBoundaries: map.predictedBoundaries.map((j, i) => (i === 0 ? { ...j, predicted: j.predicted * 10, pass: false } : j)) };
    const sub = asSpec(mapVegaSpecs(failing, { caption: true }).phase).title.subtitle?.join('\n') ?? '';
    const passing = failing.predictedBoundaries.filter((j) => j.pass === true).length;
    expect(sub).toContain(`${passing} of ${failing.predictedBoundaries.length} judged within tolerance`);
    expect(sub).toContain(`width=${WIDTHS[0]}`);
    expect(sub).toContain('✗');
    // without `caption` (the interactive HTML, which lists them in a table below) the subtitle has no judgements
    expect((asSpec(mapVegaSpecs(failing).phase).title.subtitle ?? []).join('\n')).not.toContain('judged');
  });
});

describe('metricName', () => {
  it('names a metric whose name carries a mapped parameter by its shape, a constant name as it is', () => {
    const map = ntkMap();
    expect(metricName(map)).toBe('linearization gap');
    const varying: ValidityMap = {
      ...map,
      points: map.points.map((p) => (p.metric ? { ...p, metric: { ...p.metric, name: `gap at n=${String(p.coords.width)}` } } : p)),
    };
    expect(metricName(varying)).toBe('gap at n=#');
  });
});

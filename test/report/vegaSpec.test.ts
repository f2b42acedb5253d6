import * as vega from 'vega';
import { compile } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { figureData, figureSpec, type VegaLiteSpec, wrapText } from '../../src/report/vegaSpec.ts';
import type { Figure, StudyResult } from '../../src/studies/types.ts';
import { edgeOfStabilityResult, errorResult, hostileResult, saxeResult } from './fixtures.ts';

type Layer = { mark: { type: string; color?: string } | string; transform?: { filter: string }[]; encoding: Record<string, Record<string, unknown> | undefined>; data?: { values: unknown[] } };
type LayeredSpec = { layer: Layer[]; title: { text: string; subtitle?: string[] } };

function layers(spec: VegaLiteSpec): Layer[] {
  expect(spec).toHaveProperty('layer');
  return (spec as unknown as LayeredSpec).layer;
}

function markType(l: Layer): string {
  return typeof l.mark === 'string' ? l.mark : l.mark.type;
}

/** The layer drawing rows of one kind (by its filter transform); for lines, the one with the dash encoding (not the white underlay). */
function kindLayer(spec: VegaLiteSpec, kind: string, type = 'line'): Layer | undefined {
  return layers(spec).find((l) => markType(l) === type && l.transform?.some((t) => t.filter === `datum.kind === '${kind}'`) && (type !== 'line' || l.encoding.strokeDash !== undefined));
}

/** Compile with vega-lite, collecting its warnings, and render to SVG with a headless vega View. */
async function compileAndRender(spec: VegaLiteSpec): Promise<{ warnings: string[]; svg: string; vgSpec: vega.Spec }> {
  const warnings: string[] = [];
  const logger = { level: () => logger, error: (...a: unknown[]) => warnings.push(`error ${a.join(' ')}`), warn: (...a: unknown[]) => warnings.push(a.join(' ')), info: () => logger, debug: () => logger };
  const vgSpec = compile(spec, { logger: logger as never }).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return { warnings, svg, vgSpec };
}

describe('figureSpec', () => {
  it('draws measured solid and predicted dashed in the same colour per group (Saxe fixture)', async () => {
    const r = saxeResult();
    const spec = figureSpec(r.figures[0], r);
    const measured = kindLayer(spec, 'measured');
    const predicted = kindLayer(spec, 'predicted');
    expect(measured).toBeDefined();
    expect(predicted).toBeDefined();
    // both colour by the same field with the same explicit domain: one colour per group
    expect(measured!.encoding.color).toEqual(predicted!.encoding.color);
    expect((measured!.encoding.color!.scale as { domain: string[] }).domain).toEqual(['s=3', 's=2', 's=1']);
    // the dash scale maps measured → solid, predicted → dashed
    const dash = predicted!.encoding.strokeDash as { field: string; scale: { domain: string[]; range: number[][] } };
    expect(dash.field).toBe('kind');
    const solid = dash.scale.range[dash.scale.domain.indexOf('measured')];
    const dashed = dash.scale.range[dash.scale.domain.indexOf('predicted')];
    expect(solid[1]).toBe(0);
    expect(dashed[1]).toBeGreaterThan(0);
    // the predicted dashes are drawn after (above) the measured line, over a white underlay
    const all = layers(spec);
    const underlay = all.findIndex((l) => markType(l) === 'line' && (l.mark as { color?: string }).color === 'white');
    expect(all.indexOf(measured!)).toBeLessThan(underlay);
    expect(underlay).toBeLessThan(all.indexOf(predicted!));
    // rows: 3 groups × (measured + predicted) × 121 points, all finite
    const { rows } = figureData(r.figures[0], r);
    expect(rows.length).toBe(3 * 2 * 121);
    const { warnings, svg } = await compileAndRender(spec);
    expect(warnings).toEqual([]);
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('s=3');
  });

  it('uses log scales with nice:false and an explicit domain covering data and rules', async () => {
    const r = edgeOfStabilityResult();
    const fig = r.figures.find((f) => f.id === 'loss')!;
    const spec = figureSpec(fig, r);
    const y = kindLayer(spec, 'measured')!.encoding.y as { scale: { type: string; nice: boolean; domain: [number, number] } };
    expect(y.scale.type).toBe('log');
    expect(y.scale.nice).toBe(false);
    const ys = figureData(fig, r).rows.map((row) => row.y);
    const lo = Math.min(...ys, 0.01);
    const hi = Math.max(...ys);
    // the domain is [lo, hi] padded by 3% of the log span on each side (exactly, up to float rounding)
    const pad = (Math.log10(hi) - Math.log10(lo)) * 0.03;
    expect(Math.log10(y.scale.domain[0])).toBeCloseTo(Math.log10(lo) - pad, 10);
    expect(Math.log10(y.scale.domain[1])).toBeCloseTo(Math.log10(hi) + pad, 10);
    // the compiled Vega scale keeps it (no niceing out to whole decades)
    const { warnings, vgSpec } = await compileAndRender(spec);
    expect(warnings).toEqual([]);
    const yScale = (vgSpec.scales ?? []).find((s) => s.name === 'y') as { type: string; nice?: boolean; domain: unknown };
    expect(yScale.type).toBe('log');
    expect(yScale.nice).toBe(false);
    expect(yScale.domain).toEqual(y.scale.domain);
  });

  it('draws rules as dashed rules with labels, coloured like the group they are named after', async () => {
    const r = edgeOfStabilityResult();
    const sharp = figureSpec(r.figures[0], r);
    const ruleLayers = layers(sharp).filter((l) => markType(l) === 'rule');
    expect(ruleLayers).toHaveLength(1);
    expect(ruleLayers[0].encoding.color).toBeDefined(); // labels η=0.05 … are group names
    expect(ruleLayers[0].data!.values.map((v) => (v as { y: number }).y)).toEqual([40, 20, 10]);
    expect((ruleLayers[0].mark as { strokeDash?: number[] }).strokeDash).toBeDefined();
    expect(layers(sharp).filter((l) => markType(l) === 'text').length).toBe(2); // halo + label
    const loss = figureSpec(r.figures[1], r);
    const grey = layers(loss).filter((l) => markType(l) === 'rule');
    expect(grey).toHaveLength(1);
    expect(grey[0].encoding.color).toBeUndefined();
    const { svg, warnings } = await compileAndRender(sharp);
    expect(warnings).toEqual([]);
    expect(svg).toContain('η=0.05');
  });

  it('scatter figures draw measured points; NaN points are dropped and counted in the subtitle', async () => {
    const r = hostileResult();
    const spec = figureSpec(r.figures[0], r);
    expect(kindLayer(spec, 'measured', 'point')).toBeDefined();
    expect(kindLayer(spec, 'measured', 'line')).toBeUndefined();
    expect(kindLayer(spec, 'reference')).toBeDefined();
    const ref = kindLayer(spec, 'reference')!;
    expect((ref.mark as { color?: string }).color).toMatch(/^#8a8a8a$/i);
    expect((spec as unknown as LayeredSpec).title.subtitle?.join(' ')).toContain('1 point not drawn');
    const { warnings } = await compileAndRender(spec);
    expect(warnings).toEqual([]);
  });

  it('gives an annotated empty chart when no series match, and it renders', async () => {
    const r = errorResult();
    const spec = figureSpec(r.figures[0], r);
    expect(spec).not.toHaveProperty('layer');
    expect(JSON.stringify(spec)).toContain('no series named test accuracy');
    const { svg, warnings } = await compileAndRender(spec);
    expect(warnings).toEqual([]);
    expect(svg).toContain('no data to draw');
  });

  it('gives an annotated empty chart when every point is non-positive on a log axis', async () => {
    const fig: Figure = { id: 'f', title: 'T', x: { label: 'x' }, y: { label: 'y', log: true }, series: [{ name: 'a' }] };
    const r: Pick<StudyResult, 'prediction' | 'measurement'> = { prediction: { scalars: {}, series: [] }, measurement: { scalars: {}, series: [{ name: 'a', group: '', kind: 'measured', x: [1, 2], y: [0, -1] }] } };
    const spec = figureSpec(fig, r);
    expect(JSON.stringify(spec)).toContain('all 2 points are non-finite or non-positive');
    expect((await compileAndRender(spec)).warnings).toEqual([]);
  });

  it('matches series by name and, when given, by group; several names colour by name · group', () => {
    const r = saxeResult();
    const one: Figure = { ...r.figures[0], series: [{ name: 'aligned L=2', group: 's=2' }] };
    const d1 = figureData(one, r);
    expect(new Set(d1.rows.map((x) => x.group))).toEqual(new Set(['s=2']));
    expect(d1.colors).toEqual(['s=2']);
    const two: Figure = {
      ...r.figures[0],
      series: [{ name: 'aligned L=2', group: 's=3' }, { name: 'other' }],
    };
    const withOther = { ...r, measurement: { ...r.measurement, series: [...r.measurement.series, { name: 'other', group: '', kind: 'measured' as const, x: [0, 1], y: [1, 2] }] } };
    expect(figureData(two, withOther).colors).toEqual(['aligned L=2 · s=3', 'other']);
  });

  it('thins long series to about maxPointsPerSeries, keeping the last point, and says so', () => {
    const n = 5000;
    const x = Array.from({ length: n }, (_, i) => i);
    const r: Pick<StudyResult, 'prediction' | 'measurement'> = { prediction: { scalars: {}, series: [] }, measurement: { scalars: {}, series: [{ name: 'a', group: '', kind: 'measured', x, y: x.map((v) => v * v) }] } };
    const fig: Figure = { id: 'f', title: 'T', x: { label: 'x' }, y: { label: 'y' }, series: [{ name: 'a' }] };
    const d = figureData(fig, r, 1000);
    expect(d.rows.length).toBeLessThanOrEqual(1001);
    expect(d.rows.length).toBeGreaterThanOrEqual(834); // stride ceil(5000/1000)=5 → 1000 points + last
    expect(d.rows[d.rows.length - 1].x).toBe(n - 1);
    expect(d.thinned).toBe(n - d.rows.length);
    const spec = figureSpec(fig, r, { maxPointsPerSeries: 1000 }) as unknown as LayeredSpec;
    expect(spec.title.subtitle?.join(' ')).toContain('thinned');
  });

  it('puts the caption in a wrapped subtitle only when asked', () => {
    const r = saxeResult();
    const plain = figureSpec(r.figures[0], r) as unknown as LayeredSpec;
    const captioned = figureSpec(r.figures[0], r, { caption: true }) as unknown as LayeredSpec;
    expect(plain.title.subtitle).toBeUndefined();
    expect(captioned.title.subtitle?.join(' ')).toBe(r.figures[0].caption);
  });
});

describe('wrapText', () => {
  it('breaks at spaces within the width and keeps every word', () => {
    const text = 'Solid: measured top Hessian eigenvalue (Lanczos). Dashed: the stability threshold for each step size.';
    const lines = wrapText(text, 30);
    expect(lines.every((l) => l.length <= 30)).toBe(true);
    expect(lines.join(' ')).toBe(text);
    expect(wrapText('averyveryverylongword x', 5)).toEqual(['averyveryverylongword', 'x']);
  });
});

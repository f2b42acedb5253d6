/**
 * Validity map → Vega-Lite specs (issue 16): the phase diagram of verdicts and the heatmap of the mapped
 * metric's error relative to its tolerance, each with the measured and predicted boundaries drawn on top.
 * Browser-safe (no `node:` imports): the HTML map report (./map.ts) and the lab's Map tab draw the same specs.
 *
 * Geometry: the first axis runs along x, the second along y (a 1-D map is a strip). A numeric axis is a
 * quantitative scale (log when `axis.log` and every value is > 0) and each cell spans from the midpoint with
 * its left neighbour to the midpoint with its right one (geometric midpoints on a log axis), so cells tile
 * the plane even for uneven grids and a boundary crossing (a number) lands where it belongs. A categorical
 * axis (strings, booleans) is drawn by position 0, 1, … in the given order, labelled with the values.
 * Points not run yet (`map.pending`) are drawn as empty dashed cells.
 */
import { VERDICTS, type Verdict } from '../studies/types.ts';
import type { AxisValue, JudgedBoundary, MapAxis, MapPoint, MeasuredBoundary, ValidityMap } from '../studies/validityMap/types.ts';
import { fmt } from '../studies/verdict.ts';
import { VEGA_LITE_SCHEMA, type VegaLiteSpec, wrapText } from './vegaSpec.ts';

/** A cell's state: a verdict, or not run yet. */
export type CellState = Verdict | 'pending';

/** Cell fills: the verdict colours of the report's and the lab's badges (html.ts CSS, lab/src/style.css). */
export const VERDICT_FILL: Record<CellState, string> = {
  holds: '#1a7f37',
  falsified: '#cf222e',
  'out-of-regime': '#9a6700',
  inconclusive: '#0a6b8a',
  error: '#8250df',
  pending: '#ffffff',
};

/** One-letter verdict labels for cells and the terminal table. */
export const VERDICT_LETTER: Record<Verdict, string> = { holds: 'H', falsified: 'F', 'out-of-regime': 'O', inconclusive: 'I', error: 'E' };

const FONT = "'DejaVu Sans', 'Helvetica Neue', Helvetica, Arial, sans-serif";
const NAN_FILL = '#d0d0d0';
const HATCH = '#8a8a8a';
/** A cell narrower than this (px) gets no text label: a 3-character label at 10–11 px needs about this much. */
const MIN_LABEL_PX = 34;

/**
 * A cell's short label: the verdict letter, and `holds/seeds` where several seeds ran and the fraction says
 * something (holds, falsified, inconclusive); out-of-regime and error are one letter (no claim was tested).
 */
export function cellLabel(point: MapPoint | undefined): string {
  if (!point) return '·';
  const letter = VERDICT_LETTER[point.shown] ?? '?';
  const n = point.seedVerdicts.length;
  if (n <= 1 || point.shown === 'out-of-regime' || point.shown === 'error') return letter;
  const holds = point.seedVerdicts.filter((v) => v === 'holds').length;
  return `${letter} ${holds}/${n}`;
}

/** A short ratio for a cell label: two significant digits, exponent form outside [0.001, 1000). */
export function shortRatio(r: number | undefined): string {
  if (r === undefined) return '–';
  if (!Number.isFinite(r)) return String(r);
  if (r !== 0 && (Math.abs(r) >= 1000 || Math.abs(r) < 1e-3)) return r.toExponential(0);
  return Number(r.toPrecision(2)).toString();
}

/** How one axis is drawn: position of each value and the span of its cell, in data units of the scale. */
export interface AxisGeometry {
  key: string;
  values: AxisValue[];
  /** Strings or booleans (or mixed): drawn by index. Also numbers too unevenly spaced to share a scale (see `ordinal`). */
  categorical: boolean;
  /**
   * Numbers drawn by index (`categorical`) because their gaps differ too much for a linear scale (0, 0.3, 1, 3,
   * 10: the first cells would be slivers) on an axis that is not log: a crossing between two values is placed
   * between their positions, linearly as it was interpolated.
   */
  ordinal?: boolean;
  /** Drawn on a log scale (asked for, and every value > 0). */
  log: boolean;
  /** Position of each value (index order). */
  pos: number[];
  /** Cell span [lo, hi] of each value (index order). */
  span: [number, number][];
  domain: [number, number];
}

function spans(pos: number[], log: boolean): [number, number][] {
  const t = pos.map((p) => (log ? Math.log10(p) : p));
  const order = t.map((_, i) => i).sort((a, b) => t[a] - t[b]);
  const out: [number, number][] = pos.map(() => [0, 0]);
  const back = (v: number) => (log ? 10 ** v : v);
  if (order.length === 1) {
    // one value: half a decade either way on a log axis, ±max(|v|/2, 0.5) on a linear one
    const half = log ? 0.5 : Math.max(Math.abs(t[0]) / 2, 0.5);
    out[0] = [back(t[0] - half), back(t[0] + half)];
    return out;
  }
  order.forEach((i, k) => {
    const prev = k > 0 ? t[order[k - 1]] : t[i] - (t[order[1]] - t[i]);
    const next = k < order.length - 1 ? t[order[k + 1]] : t[i] + (t[i] - t[order[k - 1]]);
    out[i] = [back((prev + t[i]) / 2), back((t[i] + next) / 2)];
  });
  return out;
}

/** Ascending values whose largest gap is over 8× the smallest: a linear scale would squeeze the small end into slivers. */
function unevenlySpaced(values: readonly number[]): boolean {
  if (values.length < 3 || values.some((v, i) => i > 0 && !(v > values[i - 1]))) return false;
  const gaps = values.slice(1).map((v, i) => v - values[i]);
  return Math.max(...gaps) > 8 * Math.min(...gaps);
}

/** Position of a number on an ordinal axis: linear between the neighbouring values' indices; NaN outside them. */
function ordinalPosition(values: readonly number[], v: number): number {
  for (let i = 1; i < values.length; i++) {
    const [a, b] = [values[i - 1], values[i]];
    if (v < a || v > b) continue;
    // linear between the two, as the crossing itself was interpolated on this (non-log) axis
    return i - 1 + (v - a) / (b - a);
  }
  return Number.NaN;
}

/** Geometry of one axis (exported for tests and the lab). */
export function axisGeometry(axis: MapAxis): AxisGeometry {
  if (!axis || typeof axis.key !== 'string' || !Array.isArray(axis.values) || axis.values.length === 0) {
    throw new Error(`map.spec.axes: expected an axis with a key and at least one value, got ${JSON.stringify(axis)}`);
  }
  const numeric = axis.values.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!numeric) {
    const pos = axis.values.map((_, i) => i);
    return { key: axis.key, values: axis.values, categorical: true, log: false, pos, span: pos.map((p) => [p - 0.5, p + 0.5]), domain: [-0.5, axis.values.length - 0.5] };
  }
  const pos = axis.values as number[];
  const log = axis.log === true && pos.every((v) => v > 0);
  if (!log && unevenlySpaced(pos)) {
    const index = pos.map((_, i) => i);
    return { key: axis.key, values: axis.values, categorical: true, ordinal: true, log: false, pos: index, span: index.map((p) => [p - 0.5, p + 0.5]), domain: [-0.5, pos.length - 0.5] };
  }
  const span = spans(pos, log);
  const domain: [number, number] = [Math.min(...span.map((s) => s[0])), Math.max(...span.map((s) => s[1]))];
  return { key: axis.key, values: axis.values, categorical: false, log, pos, span, domain };
}

/** Index of `v` among the axis values (numbers compare within 1e-9 relative: JSON round trips are exact, this is slack). */
function indexOf(g: AxisGeometry, v: AxisValue | undefined): number {
  if (v === undefined) return -1;
  const exact = g.values.indexOf(v);
  if (exact >= 0 || typeof v !== 'number') return exact;
  return g.values.findIndex((u) => typeof u === 'number' && Math.abs(u - v) <= 1e-9 * Math.max(Math.abs(u), Math.abs(v)));
}

/** One grid cell: its indices along each axis, its rectangle, and its point once run. */
export interface MapCell {
  ix: number;
  iy: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  point?: MapPoint;
}

export interface MapLayout {
  x: AxisGeometry;
  /** Undefined for a 1-D map (a strip). */
  y?: AxisGeometry;
  /** Row-major (first axis slowest), one per grid point. */
  cells: MapCell[];
  /** Points whose coordinates are not on the grid (not drawn; counted in the subtitle). */
  offGrid: number;
}

/** The grid's cells with their points matched by coordinates (pending cells have no point). */
export function mapLayout(map: ValidityMap): MapLayout {
  const axes = map?.spec?.axes;
  if (!Array.isArray(axes) || axes.length < 1 || axes.length > 2) throw new Error(`map.spec.axes: expected one or two axes, got ${Array.isArray(axes) ? axes.length : JSON.stringify(axes)}`);
  if (!Array.isArray(map.points)) throw new Error(`map.points: expected an array of MapPoint, got ${typeof map.points}`);
  const x = axisGeometry(axes[0]);
  const y = axes.length === 2 ? axisGeometry(axes[1]) : undefined;
  const ny = y ? y.values.length : 1;
  const cells: MapCell[] = [];
  for (let ix = 0; ix < x.values.length; ix++) {
    for (let iy = 0; iy < ny; iy++) {
      const [y0, y1] = y ? y.span[iy] : [0, 1];
      cells.push({ ix, iy, x0: x.span[ix][0], x1: x.span[ix][1], y0, y1 });
    }
  }
  let offGrid = 0;
  for (const p of map.points) {
    const ix = indexOf(x, p.coords?.[x.key]);
    const iy = y ? indexOf(y, p.coords?.[y.key]) : 0;
    if (ix < 0 || iy < 0) offGrid++;
    else cells[ix * ny + iy].point = p;
  }
  return { x, y, cells, offGrid };
}

interface PositionScale {
  type: 'log' | 'linear';
  domain: [number, number];
  nice: false;
  zero?: false;
}

/** The Vega-Lite channels of one axis: `a` the cell's start (with scale and axis), `b` its end. */
interface PositionChannels {
  a: { field: string; type: 'quantitative'; title: string; scale: PositionScale; axis: Record<string, unknown> | null };
  b: { field: string };
  scale: PositionScale;
}

/** The smallest gap between neighbouring grid values, as a share of the axis (in the scale's space). */
function minGapFraction(g: AxisGeometry): number {
  const t = (v: number) => (g.log ? Math.log10(v) : v);
  const sorted = g.pos.map(t).sort((a, b) => a - b);
  const full = t(g.domain[1]) - t(g.domain[0]);
  let gap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < sorted.length; i++) gap = Math.min(gap, (sorted[i] - sorted[i - 1]) / full);
  return gap;
}

/**
 * Position encoding of one axis (`field`, `field2` are the cell's span) over `px` pixels. Up to 14 values get a
 * tick and a label each, all shown (slanted where neighbours are closer than ~44 px: a 5-character label at
 * 11 px); more and Vega picks its own ticks. Categories are labelled by index.
 */
function positionChannels(g: AxisGeometry, field: string, field2: string, title: string, px: number, horizontal: boolean): PositionChannels {
  const scale: PositionScale = g.log ? { type: 'log', domain: g.domain, nice: false } : { type: 'linear', domain: g.domain, nice: false, zero: false };
  const labels = g.values.map((v) => String(v));
  const slant = horizontal && minGapFraction(g) * px < 44 ? { labelAngle: -40, labelAlign: 'right' as const } : {};
  const axis = g.categorical
    ? { values: g.pos, labelExpr: `${JSON.stringify(labels)}[datum.value]`, grid: false, labelOverlap: false, labelLimit: 140, ...slant }
    : g.values.length <= 14
      ? // '.4~g', not '~g': with explicit tick values Vega picks the precision from their spacing and printed
        // 128 as 1.3e+2 and 0.0380553 with twelve digits; four significant digits (1024, 0.03806) separate any grid
        // whose neighbouring values differ by more than 0.1%
        { values: g.pos, format: '.4~g', grid: false, labelOverlap: false, ...slant }
      : { format: g.log ? '~g' : undefined, grid: false, labelOverlap: 'greedy' as const };
  return { a: { field, type: 'quantitative', title, scale, axis }, b: { field: field2 }, scale };
}

/** A coordinate as text: grid values exactly as given (1024, not 1.02e3) up to 6 significant digits. */
function coordText(v: AxisValue | undefined): string {
  return typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v);
}

/** 6 significant digits: far below a pixel, and a 10,000-cell map's inlined JSON stays a few MB smaller. */
function round6(v: number): number {
  return Number(v.toPrecision(6));
}

/** The data row of one cell: rectangle, label, tooltip text, and the metric's log10 error ratio. */
function cellRow(c: MapCell, layout: MapLayout) {
  const p = c.point;
  const ratio = p?.metric?.errorRatio;
  const lr = ratio !== undefined && Number.isFinite(ratio) && ratio > 0 ? Math.log10(ratio) : null;
  return {
    x0: round6(c.x0),
    x1: round6(c.x1),
    y0: round6(c.y0),
    y1: round6(c.y1),
    px: layout.x.pos[c.ix],
    py: layout.y ? layout.y.pos[c.iy] : 0.5,
    state: (p ? p.shown : 'pending') as CellState,
    label: cellLabel(p),
    c0: coordText(layout.x.values[c.ix]),
    c1: layout.y ? coordText(layout.y.values[c.iy]) : '',
    seeds: p ? p.seedVerdicts.join(', ') : 'pending',
    overSeeds: p ? p.verdict : '–',
    holds: p ? `${p.seedVerdicts.filter((v) => v === 'holds').length}/${p.seedVerdicts.length}` : '–',
    metric: p?.metric ? `${p.metric.name} = ${fmt(p.metric.value)} (${p.metric.criterion})` : '–',
    ratio: p?.metric ? fmt(p.metric.errorRatio) : '–',
    ratioLabel: p ? (p.metric ? shortRatio(p.metric.errorRatio) : '–') : '',
    lr,
    hasRatio: lr !== null,
    runs: p ? p.runIds.join(', ') : '–',
    error: p?.error ?? '',
  };
}

type CellRow = ReturnType<typeof cellRow>;

function cellTooltip(layout: MapLayout) {
  const t = (field: string, title: string) => ({ field, type: 'nominal' as const, title });
  return [
    t('c0', layout.x.key),
    ...(layout.y ? [t('c1', layout.y.key)] : []),
    t('state', 'verdict'),
    t('overSeeds', 'verdict over seeds (Wilson bound)'),
    t('holds', 'seeds holding'),
    t('seeds', 'per-seed verdicts'),
    t('metric', 'metric'),
    t('ratio', 'error / tolerance'),
    t('runs', 'run ids'),
    t('error', 'error'),
  ];
}

/** `eta=0.1, depth=4` (or `—` for a 1-D map, where nothing is held fixed). */
export function fixedText(fixed: Record<string, AxisValue>): string {
  const entries = Object.entries(fixed ?? {});
  return entries.length === 0 ? '—' : entries.map(([k, v]) => `${k}=${coordText(v)}`).join(', ');
}

/** One line per measured boundary: where the error ratio crosses 1 and on which side the metric passes. */
export function measuredLine(b: MeasuredBoundary): string {
  const at = Object.keys(b.fixed ?? {}).length > 0 ? ` at ${fixedText(b.fixed)}` : '';
  if (b.crossing === null || !Number.isFinite(b.crossing)) return `along ${b.axis}${at}: no crossing in the range`;
  const side = b.holdsBelow === null ? '' : b.holdsBelow ? ` (holds below)` : ` (holds above)`;
  return `along ${b.axis}${at}: ${b.axis} ≈ ${fmt(b.crossing)}${side}`;
}

/**
 * One line per judged boundary: predicted, measured, the tolerance factor, pass or fail; the metric whose
 * crossing was measured is named when it is not the map's `mappedMetric`.
 */
export function judgedLine(j: JudgedBoundary, mappedMetric?: string): string {
  const at = Object.keys(j.fixed ?? {}).length > 0 ? ` at ${fixedText(j.fixed)}` : '';
  const of = j.metric !== undefined && j.metric !== mappedMetric ? ` (crossing of ${j.metric})` : '';
  const measured = j.measured === null ? `no measured crossing${of}` : `measured ${fmt(j.measured)}${of}`;
  const mark = j.pass === null ? '– not judged' : j.pass ? `✓ within ×${fmt(j.factor)}` : `✗ not within ×${fmt(j.factor)}`;
  return `along ${j.axis}${at}: predicted ${fmt(j.predicted)}, ${measured} ${mark}`;
}

type BoundaryKind = 'measured boundary' | 'predicted boundary';
const BOUNDARY_KINDS: BoundaryKind[] = ['measured boundary', 'predicted boundary'];
const BOUNDARY_DASH: number[][] = [
  [1, 0],
  [6, 4],
];

interface BoundaryRow {
  bx: number;
  by: number;
  kind: BoundaryKind;
  /** One id per drawn polyline: kind, axis and the k-th crossing at one fixed setting. */
  line: string;
  /** Position along the other axis: the polyline's drawing order. */
  order: number;
  text: string;
}

/** Place one crossing in the plane: (crossing, other axis's fixed value) or the transpose; undefined when it cannot be drawn. */
function place(layout: MapLayout, axis: string, value: number, fixed: Record<string, AxisValue>): { bx: number; by: number; order: number } | undefined {
  const { x, y } = layout;
  // where the value lies on the axis's scale: itself, or interpolated between indices on an ordinal axis
  const at = (g: AxisGeometry) => (g.ordinal ? ordinalPosition(g.values as number[], value) : value);
  const onAxis = (g: AxisGeometry) => Number.isFinite(at(g)) && (!g.categorical || g.ordinal === true) && (!g.log || value > 0);
  if (axis === x.key && onAxis(x)) {
    if (!y) return { bx: at(x), by: 0.5, order: 0 };
    const i = indexOf(y, fixed?.[y.key]);
    return i < 0 ? undefined : { bx: at(x), by: y.pos[i], order: y.pos[i] };
  }
  if (y && axis === y.key && onAxis(y)) {
    const i = indexOf(x, fixed?.[x.key]);
    return i < 0 ? undefined : { bx: x.pos[i], by: at(y), order: x.pos[i] };
  }
  return undefined;
}

/** Boundary rows to draw, and how many crossings could not be placed (categorical axis, off the grid, ≤ 0 on a log axis). */
export function boundaryRows(map: ValidityMap, layout: MapLayout): { rows: BoundaryRow[]; dropped: number } {
  const rows: BoundaryRow[] = [];
  const seen = new Map<string, number>();
  let dropped = 0;
  const add = (kind: BoundaryKind, axis: string, value: number, fixed: Record<string, AxisValue>, text: string) => {
    const at = place(layout, axis, value, fixed);
    if (!at) {
      dropped++;
      return;
    }
    const key = `${kind}|${axis}|${JSON.stringify(fixed ?? {})}`;
    const k = seen.get(key) ?? 0;
    seen.set(key, k + 1);
    rows.push({ ...at, kind, line: `${kind}|${axis}|${k}`, text });
  };
  for (const b of map.boundaries ?? []) if (b.crossing !== null) add('measured boundary', b.axis, b.crossing, b.fixed, measuredLine(b));
  for (const j of map.predictedBoundaries ?? []) add('predicted boundary', j.axis, j.predicted, j.fixed, judgedLine(j, map.spec.metric));
  return { rows, dropped };
}

/** The overlay layers: a white halo under black lines (solid measured, dashed predicted) through the crossings, points on top. */
function boundaryLayers(rows: BoundaryRow[], layout: MapLayout, xs: PositionScale, ys: PositionScale | undefined) {
  if (rows.length === 0) return [];
  const kinds = BOUNDARY_KINDS.filter((k) => rows.some((r) => r.kind === k));
  const dash = { field: 'kind', type: 'nominal' as const, title: 'boundary', scale: { domain: kinds, range: kinds.map((k) => BOUNDARY_DASH[BOUNDARY_KINDS.indexOf(k)]) }, legend: { orient: 'right' as const, symbolType: 'stroke', symbolStrokeColor: '#111111', symbolStrokeWidth: 2, symbolSize: 300, labelLimit: 200 } };
  const x = { field: 'bx', type: 'quantitative' as const, scale: xs, title: layout.x.key };
  const tooltip = [{ field: 'text', type: 'nominal' as const, title: 'boundary' }];
  const data = { values: rows };
  if (!layout.y || !ys) {
    // a strip: each crossing is a vertical rule across it
    return [
      { data, mark: { type: 'rule' as const, color: 'white', strokeWidth: 5, opacity: 0.9 }, encoding: { x } },
      { data, mark: { type: 'rule' as const, color: '#111111', strokeWidth: 2.2 }, encoding: { x, strokeDash: dash, tooltip } },
    ];
  }
  const y = { field: 'by', type: 'quantitative' as const, scale: ys, title: layout.y.key };
  const detail = { field: 'line', type: 'nominal' as const };
  const order = { field: 'order', type: 'quantitative' as const };
  return [
    { data, mark: { type: 'line' as const, color: 'white', strokeWidth: 5, opacity: 0.9, clip: true }, encoding: { x, y, detail, order } },
    { data, mark: { type: 'line' as const, color: '#111111', strokeWidth: 2.2, clip: true }, encoding: { x, y, detail, order, strokeDash: dash } },
    // points at the crossings: filled circles measured, diamonds predicted (fixed shapes: no second legend)
    ...kinds.map((k) => ({
      data: { values: rows.filter((r) => r.kind === k) },
      // smaller markers when there are many crossings (a fine grid), so they do not hide the line and the cells
      mark: { type: 'point' as const, shape: k === 'measured boundary' ? 'circle' : 'diamond', filled: true, color: '#111111', stroke: 'white', strokeWidth: 1, size: rows.length > 40 ? 16 : 55, opacity: 1, clip: true },
      encoding: { x, y, tooltip },
    })),
  ];
}

export interface MapSpecOptions {
  /** Plot area width in pixels; default from the grid (64 px a column, 240–640). */
  width?: number;
  /** Plot area height in pixels; default from the grid (44 px a row, 140–440; a 1-D strip is 56). */
  height?: number;
  /** Put the map's description and the judged boundaries into the subtitle (for standalone PNGs). Default false. */
  caption?: boolean;
}

export interface MapSpecs {
  /** Verdicts over the grid, seed fractions in the cells. */
  phase: VegaLiteSpec;
  /** log10 of the mapped metric's error / tolerance, diverging at 0 (ratio 1: the boundary). */
  error: VegaLiteSpec;
}

/** The mapped metric's name: the spec's, else the first point's. */
export function metricName(map: ValidityMap): string | undefined {
  const names = [...new Set(map.points.flatMap((p) => (p.metric ? [p.metric.name] : [])))];
  // a metric whose name carries a parameter the map varies (`gap at n=256`) is named by its shape: `gap at n=#`
  if (names.length > 1) return names[0].replace(/[-+]?\d+(\.\d+)?(e[-+]?\d+)?/gi, '#');
  return map.spec.metric ?? names[0];
}

/** `width × eta · 3 seeds · metric gap` */
export function mapDescription(map: ValidityMap): string {
  const axes = map.spec.axes.map((a) => `${a.key} (${a.values.length}${a.log ? ', log' : ''})`).join(' × ');
  const seeds = map.spec.seeds?.length ?? 1;
  const metric = metricName(map);
  return `${axes} · ${seeds} seed${seeds === 1 ? '' : 's'}${metric ? ` · metric ${metric}` : ''} · profile ${map.spec.profile}`;
}

/** The smallest cell's share of the axis (cells on an uneven grid differ: 0.001, 0.004, 0.016 on a linear axis). */
function minCellFraction(g: AxisGeometry): number {
  const t = (v: number) => (g.log ? Math.log10(v) : v);
  const full = t(g.domain[1]) - t(g.domain[0]);
  return Math.min(...g.span.map(([lo, hi]) => (t(hi) - t(lo)) / full));
}

/** Default plot size along one axis: `per` px a cell, grown so the smallest cell gets `least` px, within [lo, hi]. */
function defaultSize(g: AxisGeometry, per: number, least: number, lo: number, hi: number): number {
  return Math.round(Math.min(hi, Math.max(lo, per * g.values.length, least / minCellFraction(g))));
}

/** For a PNG's subtitle: a count of the judged boundaries that pass, and up to three that do not (the HTML and the terminal list them all). */
function judgedSummary(judged: JudgedBoundary[], mappedMetric?: string): string[] {
  if (judged.length === 0) return [];
  const pass = judged.filter((j) => j.pass === true).length;
  const notPassing = judged.filter((j) => j.pass !== true);
  const unjudged = judged.filter((j) => j.pass === null).length;
  const lines = [`predicted boundary (dashed): ${pass} of ${judged.length - unjudged} judged within tolerance${unjudged ? `, ${unjudged} without a measured crossing` : ''}`];
  for (const j of notPassing.slice(0, 3)) lines.push(`  ${judgedLine(j, mappedMetric)}`);
  if (notPassing.length > 3) lines.push(`  … and ${notPassing.length - 3} more`);
  return lines;
}

interface Frame {
  layout: MapLayout;
  width: number;
  height: number;
  labels: boolean;
  /** White lines between cells, dropped when cells are under 12 px (they would wash the colours out). */
  cellStroke: number;
  x: PositionChannels;
  /** A 1-D map gets a hidden [0, 1] y scale, so the strip's cells, labels and hatching draw like a 2-D map's. */
  y: PositionChannels;
  rows: CellRow[];
  boundary: { rows: BoundaryRow[]; dropped: number };
  subtitle: string[];
}

function frame(map: ValidityMap, opts: MapSpecOptions): Frame {
  const layout = mapLayout(map);
  const width = opts.width ?? defaultSize(layout.x, 64, 40, 240, 640);
  const height = opts.height ?? (layout.y ? defaultSize(layout.y, 44, 24, 140, 440) : 56);
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!(Number.isFinite(v) && v >= 40 && v <= 4000)) throw new Error(`${name}: expected a plot size in pixels in [40, 4000], got ${v}`);
  }
  // labels only where they fit: a 3–5 character label needs ~34 px across and a 11 px line
  const labels = minCellFraction(layout.x) * width >= MIN_LABEL_PX && (!layout.y || minCellFraction(layout.y) * height >= 14);
  const x = positionChannels(layout.x, 'x0', 'x1', layout.x.key, width, true);
  const y = layout.y ? positionChannels(layout.y, 'y0', 'y1', layout.y.key, height, false) : stripChannels();
  const boundary = boundaryRows(map, layout);
  const subtitle: string[] = [];
  if (opts.caption) subtitle.push(mapDescription(map), ...judgedSummary(map.predictedBoundaries ?? [], map.spec.metric));
  const empty = layout.cells.filter((c) => !c.point).length;
  if (empty > 0 || map.pending > 0) subtitle.push(`partial map: ${Math.max(empty, map.pending)} of ${layout.cells.length} points not run yet (empty cells)`);
  if (layout.offGrid > 0) subtitle.push(`${layout.offGrid} point${layout.offGrid === 1 ? '' : 's'} off the grid (not drawn)`);
  if (boundary.dropped > 0) subtitle.push(`${boundary.dropped} boundary value${boundary.dropped === 1 ? '' : 's'} not drawn (categorical axis, off the grid, or ≤ 0 on a log axis)`);
  const cellStroke = minCellFraction(layout.x) * width >= 12 && (!layout.y || minCellFraction(layout.y) * height >= 12) ? 1 : 0;
  return { layout, width, height, labels, cellStroke, x, y, rows: layout.cells.map((c) => cellRow(c, layout)), boundary, subtitle };
}

/** The y channels of a 1-D strip: one row spanning [0, 1], no axis. */
function stripChannels(): PositionChannels {
  const scale: PositionScale = { type: 'linear', domain: [0, 1], nice: false, zero: false };
  return { a: { field: 'y0', type: 'quantitative', title: '', scale, axis: null }, b: { field: 'y1' }, scale };
}

function rectEncoding(f: Frame) {
  return { x: f.x.a, x2: f.x.b, y: f.y.a, y2: f.y.b };
}

function textEncoding(f: Frame, field: string) {
  // at the grid value itself, where its tick is (on an uneven linear axis that is off the cell's middle)
  const px = { field: 'px', type: 'quantitative' as const, scale: f.x.scale };
  const py = { field: 'py', type: 'quantitative' as const, scale: f.y.scale };
  return { x: px, y: py, text: { field, type: 'nominal' as const } };
}

/** Pending cells: an empty rectangle with a dashed grey outline. */
function pendingLayer(f: Frame) {
  return { transform: [{ filter: "datum.state === 'pending'" }], mark: { type: 'rect' as const, fill: 'white', stroke: '#9a9a9a', strokeDash: [3, 3], strokeWidth: 1 }, encoding: { ...rectEncoding(f), tooltip: cellTooltip(f.layout) } };
}

function wrapSpec(f: Frame, title: string, layer: unknown[]): VegaLiteSpec {
  // wrapped to about the chart's width with its legend (~180 px): a long study title must not widen the PNG
  // (about 8.5 px a character at 14 px bold, 6.2 at 11 px)
  const text = wrapText(title, Math.max(40, Math.floor((f.width + 180) / 8.5)));
  const subtitle = f.subtitle.flatMap((s) => wrapText(s, Math.max(60, Math.floor((f.width + 180) / 6.2))));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: subtitle.length > 0 ? { text, anchor: 'start', fontSize: 14, subtitle, subtitleColor: '#555555', subtitleFontSize: 11 } : { text, anchor: 'start', fontSize: 14 },
    width: f.width,
    height: f.height,
    config: { font: FONT, axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' }, legend: { labelFontSize: 11 }, view: { stroke: '#d0d0d0' } },
    data: { values: f.rows },
    layer,
  } as VegaLiteSpec;
}

/** Verdict per cell (the report's verdict colours), its label (`H 2/3`), the boundaries on top. */
function phaseSpec(map: ValidityMap, f: Frame): VegaLiteSpec {
  const states: CellState[] = f.rows.some((r) => r.state === 'pending') ? [...VERDICTS, 'pending'] : [...VERDICTS];
  const color = { field: 'state', type: 'nominal' as const, title: 'verdict', scale: { domain: states, range: states.map((s) => VERDICT_FILL[s]) }, legend: { orient: 'right' as const, symbolType: 'square', symbolStrokeColor: '#9a9a9a', symbolStrokeWidth: 0.5 } };
  const layer: unknown[] = [
    { mark: { type: 'rect', stroke: 'white', strokeWidth: f.cellStroke, opacity: 0.9 }, encoding: { ...rectEncoding(f), color, tooltip: cellTooltip(f.layout) } },
    pendingLayer(f),
  ];
  if (f.labels) {
    layer.push({ mark: { type: 'text', fontSize: 11, fontWeight: 'bold' }, encoding: { ...textEncoding(f, 'label'), color: { condition: { test: "datum.state === 'pending'", value: '#9a9a9a' }, value: 'white' } } });
  }
  layer.push(...boundaryLayers(f.boundary.rows, f.layout, f.x.scale, f.y.scale));
  const axes = f.layout.y ? `${f.layout.x.key} × ${f.layout.y.key}` : f.layout.x.key;
  return wrapSpec(f, `${map.studyTitle}: verdicts over ${axes}`, layer);
}

/** Three parallel diagonal strokes across each cell without a finite ratio (drawn in each axis's scale space). */
function hatchRows(f: Frame): { x: number; x2: number; y: number; y2: number }[] {
  const lerp = (lo: number, hi: number, t: number, log: boolean) => (log ? lo * (hi / lo) ** t : lo + (hi - lo) * t);
  const ylog = f.layout.y?.log ?? false;
  const strokes: [number, number, number, number][] = [
    [0.5, 0, 0, 0.5],
    [1, 0, 0, 1],
    [1, 0.5, 0.5, 1],
  ];
  return f.rows
    .filter((r) => !r.hasRatio && r.state !== 'pending')
    .flatMap((r) => strokes.map(([a, b, c, d]) => ({ x: lerp(r.x0, r.x1, a, f.layout.x.log), y: lerp(r.y0, r.y1, b, ylog), x2: lerp(r.x0, r.x1, c, f.layout.x.log), y2: lerp(r.y0, r.y1, d, ylog) })));
}

/** Error / tolerance per cell on a diverging scale centred at ratio 1; cells without a finite ratio grey and hatched. */
function errorSpec(map: ValidityMap, f: Frame): VegaLiteSpec {
  const finite = f.rows.filter((r) => r.lr !== null).map((r) => Math.abs(r.lr as number));
  // symmetric domain so ratio 1 sits at the neutral colour: at least ×10 either way (a visible gradient), at
  // most ×1000 (one wild cell must not wash out the rest; beyond it the scale clamps)
  const m = Math.min(3, Math.max(1, ...finite));
  const color = { field: 'lr', type: 'quantitative' as const, title: ['log10(error /', 'tolerance)'], scale: { type: 'linear' as const, scheme: 'redblue', reverse: true, domain: [-m, m], domainMid: 0, clamp: true }, legend: { orient: 'right' as const, gradientLength: Math.min(f.height, 160) } };
  const layer: unknown[] = [
    { transform: [{ filter: 'datum.hasRatio' }], mark: { type: 'rect', stroke: 'white', strokeWidth: f.cellStroke }, encoding: { ...rectEncoding(f), color, tooltip: cellTooltip(f.layout) } },
    { transform: [{ filter: "!datum.hasRatio && datum.state !== 'pending'" }], mark: { type: 'rect', fill: NAN_FILL, stroke: 'white', strokeWidth: f.cellStroke }, encoding: { ...rectEncoding(f), tooltip: cellTooltip(f.layout) } },
    pendingLayer(f),
  ];
  const hatch = hatchRows(f);
  if (hatch.length > 0) {
    const q = (field: string, scale: unknown) => ({ field, type: 'quantitative' as const, scale });
    layer.push({ data: { values: hatch }, mark: { type: 'rule', color: HATCH, strokeWidth: 1 }, encoding: { x: q('x', f.x.scale), x2: { field: 'x2' }, y: q('y', f.y.scale), y2: { field: 'y2' } } });
  }
  if (f.labels) {
    // dark text on the pale middle of the scale, white on its saturated ends (beyond 55% of the half-range)
    const ink = { condition: { test: `datum.lr !== null && abs(datum.lr) > ${0.55 * m}`, value: 'white' }, value: '#1f2328' };
    layer.push({ mark: { type: 'text', fontSize: 10.5 }, encoding: { ...textEncoding(f, 'ratioLabel'), color: ink } });
  }
  layer.push(...boundaryLayers(f.boundary.rows, f.layout, f.x.scale, f.y.scale));
  const metric = metricName(map) ?? 'the mapped metric';
  return wrapSpec(f, `${map.studyTitle}: ${metric}, error / tolerance (boundary at 1)`, layer);
}

/**
 * The map's two figures as self-contained Vega-Lite specs (data inline): the phase diagram and the error
 * heatmap, both with the measured boundary (solid, points at the crossings) and the predicted one (dashed).
 * Throws, naming the field, on a map without one or two axes.
 */
export function mapVegaSpecs(map: ValidityMap, opts: MapSpecOptions = {}): MapSpecs {
  const f = frame(map, opts);
  return { phase: phaseSpec(map, f), error: errorSpec(map, f) };
}

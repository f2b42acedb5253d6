/**
 * Figure → Vega-Lite spec: one builder for every surface (the HTML report through vega-embed, the PNGs
 * through a vega View + resvg, and the browser lab). Browser-safe: no `node:` imports.
 *
 * Drawing conventions (shared with the report's legend text):
 * - measured series: solid lines (points when `fig.mark === 'point'`), one colour per group;
 * - predicted series: dashed lines in the same colour as the measured series of their group, drawn on
 *   top over a thin white line, so a prediction lying exactly on the (wider) measured line still shows
 *   as dashes;
 * - reference series: thin dotted grey lines;
 * - `fig.rules`: horizontal dashed rules with a label at the right edge, coloured like a group when the
 *   rule's label is exactly that group's name (e.g. a 2/η rule labelled `η=0.05`), grey otherwise.
 *
 * Series are matched by `name` (and `group` when the figure's selector names one) across the prediction's
 * and the measurement's observations. Non-finite points are dropped, and so are non-positive ones on a
 * log axis; the number dropped is stated in the chart's subtitle so nothing disappears silently.
 * Log scales get `nice: false` and an explicit domain (Vega would otherwise nice them out to whole
 * decades, e.g. [1, 1000] for data in [2, 40]).
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Figure, Observations, Series, StudyResult } from '../studies/types.ts';

export type VegaLiteSpec = TopLevelSpec;

export interface FigureSpecOptions {
  /** Plot area width in pixels (legend and axes come on top). Default 560. */
  width?: number;
  /** Plot area height in pixels. Default 320. */
  height?: number;
  /** Put `fig.caption` into the chart as a wrapped subtitle (for standalone PNGs). Default false. */
  caption?: boolean;
  /** Longer series are thinned to about this many points (evenly strided, last point kept). Default 1500. */
  maxPointsPerSeries?: number;
}

/** One plotted point. `series` identifies one polyline (name, group and kind); `i` keeps the input order. */
export interface FigureRow {
  x: number;
  y: number;
  name: string;
  group: string;
  kind: Series['kind'];
  /** The colour key: the group, or `name · group` when the figure draws several names. */
  color: string;
  /** One id per drawn polyline (`s0`, `s1`, ... in selection order). */
  series: string;
  i: number;
}

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const FONT = "'DejaVu Sans', 'Helvetica Neue', Helvetica, Arial, sans-serif";
const GREY = '#8a8a8a';
const RULE_GREY = '#555555';
/** strokeDash per kind: solid, dashed, dotted. */
const DASH: Record<Series['kind'], number[]> = { measured: [1, 0], predicted: [6, 4], reference: [2, 2] };

/** The series of `obs` that a figure selects, in the figure's selector order. */
function selectSeries(fig: Figure, obs: Observations[]): Series[] {
  const out: Series[] = [];
  const seen = new Set<Series>();
  for (const sel of fig.series) {
    for (const o of obs) {
      for (const s of o.series) {
        if (s.name !== sel.name) continue;
        if (sel.group !== undefined && s.group !== sel.group) continue;
        if (seen.has(s)) continue;
        seen.add(s);
        out.push(s);
      }
    }
  }
  return out;
}

/** Evenly strided indices 0..n-1 with at most about `max` entries, always keeping the last one. */
function strideIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const step = Math.ceil(n / max);
  const idx: number[] = [];
  for (let i = 0; i < n; i += step) idx.push(i);
  if (idx[idx.length - 1] !== n - 1) idx.push(n - 1);
  return idx;
}

/** Split text into lines of at most `width` characters at spaces (a longer word gets its own line). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line.length > 0 ? `${line} ${word}` : word;
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

export interface FigureData {
  rows: FigureRow[];
  /** Colour keys in order of first appearance (the colour scale's domain). */
  colors: string[];
  /** Points dropped: non-finite, or non-positive on a log axis. */
  dropped: number;
  /** Points left out by thinning long series. */
  thinned: number;
}

/** The rows a figure draws, with the colour key of each series. Exposed for tests and the lab. */
export function figureData(fig: Figure, result: Pick<StudyResult, 'prediction' | 'measurement'>, maxPointsPerSeries = 1500): FigureData {
  const selected = selectSeries(fig, [result.measurement, result.prediction]);
  const coloured = selected.filter((s) => s.kind !== 'reference');
  const manyNames = new Set(coloured.map((s) => s.name)).size > 1;
  const colorOf = (s: Series) => (manyNames ? (s.group ? `${s.name} · ${s.group}` : s.name) : s.group || s.name);
  const colors: string[] = [];
  for (const s of coloured) if (!colors.includes(colorOf(s))) colors.push(colorOf(s));
  const rows: FigureRow[] = [];
  let dropped = 0;
  let thinned = 0;
  for (const s of selected) {
    const n = Math.min(s.x.length, s.y.length);
    const idx = strideIndices(n, Math.max(2, maxPointsPerSeries));
    thinned += n - idx.length;
    const key = `s${selected.indexOf(s)}`;
    const color = s.kind === 'reference' ? s.name : colorOf(s);
    for (const i of idx) {
      const x = s.x[i];
      const y = s.y[i];
      const ok = Number.isFinite(x) && Number.isFinite(y) && (!fig.x.log || x > 0) && (!fig.y.log || y > 0);
      if (!ok) {
        dropped++;
        continue;
      }
      rows.push({ x, y, name: s.name, group: s.group, kind: s.kind, color, series: key, i });
    }
  }
  return { rows, colors, dropped, thinned };
}

/** 6 significant digits: far below a pixel at any plot size, and it keeps the inlined JSON small. */
function round6(v: number): number {
  return Number(v.toPrecision(6));
}

/** What a row needs in the chart (name and group are folded into `color` and `series`). */
function compactRow(r: FigureRow): { x: number; y: number; kind: Series['kind']; color: string; series: string; i: number } {
  return { x: round6(r.x), y: round6(r.y), kind: r.kind, color: r.color, series: r.series, i: r.i };
}

/** Explicit log domain [min, max] over positive values, padded by 3% of the span in log space. */
function logDomain(values: number[]): [number, number] | undefined {
  const pos = values.filter((v) => Number.isFinite(v) && v > 0);
  if (pos.length === 0) return undefined;
  let lo = Math.min(...pos);
  let hi = Math.max(...pos);
  if (lo === hi) {
    lo /= 2;
    hi *= 2;
  }
  const pad = (Math.log10(hi) - Math.log10(lo)) * 0.03;
  return [10 ** (Math.log10(lo) - pad), 10 ** (Math.log10(hi) + pad)];
}

/** Rule labels: right-aligned just above the rule at the plot's right edge. */
const RULE_TEXT = { type: 'text', align: 'right', baseline: 'bottom', dx: -3, dy: -2, x: 'width', fontSize: 11, fontWeight: 'bold' } as const;

/** A white outline under a rule label so it stays readable where it crosses a curve. */
function ruleHalo<Y>(values: { y: number; label: string }[], y: Y) {
  return {
    data: { values },
    mark: { ...RULE_TEXT, color: 'white', stroke: 'white', strokeWidth: 4, strokeJoin: 'round' as const, opacity: 0.9 },
    encoding: { y, text: { field: 'label', type: 'nominal' as const } },
  };
}

function emptySpec(fig: Figure, message: string, width: number, height: number): VegaLiteSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: fig.title, anchor: 'start', fontSize: 14, subtitle: 'no data to draw', subtitleColor: '#b00020' },
    width,
    height: Math.min(height, 140),
    config: { font: FONT, view: { stroke: '#cccccc', fill: '#fafafa' } },
    data: { values: [{ message: wrapText(message, Math.max(30, Math.floor(width / 8))).join('\n') }] },
    mark: { type: 'text', fontSize: 13, color: '#666666', lineBreak: '\n' },
    encoding: { text: { field: 'message', type: 'nominal' }, x: { value: width / 2 }, y: { value: Math.min(height, 140) / 2 } },
  };
}

/**
 * The Vega-Lite spec of one figure: measured (solid or points), predicted (dashed), reference (grey)
 * and rule layers over one shared data set, colour by group, tooltips on every point. A figure with no
 * drawable data gives an annotated empty chart rather than an error.
 */
export function figureSpec(fig: Figure, result: Pick<StudyResult, 'prediction' | 'measurement'>, opts: FigureSpecOptions = {}): VegaLiteSpec {
  const width = opts.width ?? 560;
  const height = opts.height ?? 320;
  const { rows, colors, dropped, thinned } = figureData(fig, result, opts.maxPointsPerSeries ?? 1500);
  const rules = (fig.rules ?? []).filter((r) => Number.isFinite(r.y) && (!fig.y.log || r.y > 0));
  const wanted = fig.series.map((s) => (s.group !== undefined ? `${s.name} [${s.group}]` : s.name)).join(', ');
  if (rows.length === 0) {
    const why = dropped > 0 ? `all ${dropped} points are non-finite${fig.x.log || fig.y.log ? ' or non-positive on a log axis' : ''}` : `no series named ${wanted || '(none)'} in the prediction or the measurement`;
    return emptySpec(fig, why, width, height);
  }

  const subtitle: string[] = [];
  if (opts.caption && fig.caption) subtitle.push(...wrapText(fig.caption, Math.max(40, Math.floor(width / 6.2))));
  if (dropped > 0) subtitle.push(`${dropped} point${dropped === 1 ? '' : 's'} not drawn (non-finite${fig.x.log || fig.y.log ? ' or ≤ 0 on a log axis' : ''})`);
  if (thinned > 0) subtitle.push(`long series thinned for drawing (${thinned} points left out)`);
  const droppedRules = (fig.rules ?? []).length - rules.length;
  if (droppedRules > 0) subtitle.push(`${droppedRules} rule${droppedRules === 1 ? '' : 's'} not drawn (non-finite or ≤ 0 on a log axis)`);

  const xDomain = fig.x.log ? logDomain(rows.map((r) => r.x)) : undefined;
  const yDomain = fig.y.log ? logDomain([...rows.map((r) => r.y), ...rules.map((r) => r.y)]) : undefined;
  const xScale = fig.x.log ? { type: 'log' as const, nice: false, domain: xDomain } : { zero: false, nice: false };
  const yScale = fig.y.log ? { type: 'log' as const, nice: false, domain: yDomain } : {};
  // log axes: '~g' labels (0.001, 20, 1e+5) instead of SI prefixes; linear axes keep Vega's default format
  // about one x tick per 70 px: Vega's default (one per 40 px) crowds labels such as 0.0 0.2 … 4.0
  const x = { field: 'x', type: 'quantitative' as const, title: fig.x.label, scale: xScale, axis: fig.x.log ? { format: '~g', labelOverlap: true } : { labelOverlap: true, tickCount: Math.max(2, Math.round(width / 70)) } };
  const y = { field: 'y', type: 'quantitative' as const, title: fig.y.label, scale: yScale, axis: fig.y.log ? { format: '~g', labelOverlap: true } : { labelOverlap: true } };
  const symbolType = fig.mark === 'point' ? 'circle' : 'stroke';
  const color = { field: 'color', type: 'nominal' as const, title: null, scale: { domain: colors }, legend: { orient: 'right' as const, labelLimit: 220, symbolType, symbolStrokeWidth: 3, symbolOpacity: 1 } };
  const kinds = (['measured', 'predicted', 'reference'] as const).filter((k) => rows.some((r) => r.kind === k) && !(k === 'measured' && fig.mark === 'point'));
  const dash = { field: 'kind', type: 'nominal' as const, title: null, scale: { domain: [...kinds], range: kinds.map((k) => DASH[k]) }, legend: kinds.length > 0 ? { orient: 'right' as const, symbolStrokeColor: '#444444', symbolSize: 300, symbolOpacity: 1 } : null };
  const tooltip = [
    { field: 'color', type: 'nominal' as const, title: 'series' },
    { field: 'kind', type: 'nominal' as const, title: 'kind' },
    { field: 'x', type: 'quantitative' as const, title: fig.x.label, format: '.4~g' },
    { field: 'y', type: 'quantitative' as const, title: fig.y.label, format: '.4~g' },
  ];
  const isKind = (k: Series['kind']) => ({ filter: `datum.kind === '${k}'` });
  const has = (k: Series['kind']) => rows.some((r) => r.kind === k);
  const order = { field: 'i', type: 'quantitative' as const };
  const detail = { field: 'series', type: 'nominal' as const };

  const layer: NonNullable<Extract<VegaLiteSpec, { layer: unknown }>['layer']> = [];
  if (has('reference')) {
    layer.push({
      transform: [isKind('reference')],
      mark: { type: 'line', strokeWidth: 1, color: GREY, clip: true },
      encoding: { x, y, strokeDash: dash, detail, order },
    });
  }
  if (has('measured')) {
    layer.push(
      fig.mark === 'point'
        ? { transform: [isKind('measured')], mark: { type: 'point', filled: true, size: 22, opacity: 0.75, clip: true }, encoding: { x, y, color, detail, tooltip } }
        : { transform: [isKind('measured')], mark: { type: 'line', strokeWidth: 3, opacity: 0.85, clip: true }, encoding: { x, y, color, strokeDash: dash, detail, order } },
    );
  }
  if (has('predicted')) {
    // a thin white line under the dashes: where the prediction lies on the (wider) measured line, the
    // gaps between dashes show white, so the dashed prediction stays visible on top of the measurement
    layer.push({
      transform: [isKind('predicted')],
      mark: { type: 'line', strokeWidth: 1.6, color: 'white', opacity: 0.9, clip: true },
      encoding: { x, y, detail, order },
    });
    layer.push({
      transform: [isKind('predicted')],
      mark: { type: 'line', strokeWidth: 1.8, clip: true },
      encoding: { x, y, color, strokeDash: dash, detail, order },
    });
  }
  if (rules.length > 0) {
    const ruleRows = rules.map((r) => ({ y: r.y, label: r.label, color: colors.includes(r.label) ? r.label : '' }));
    const ruleY = { field: 'y', type: 'quantitative' as const, scale: yScale, title: fig.y.label };
    const ruleTooltip = [
      { field: 'label', type: 'nominal' as const, title: 'rule' },
      { field: 'y', type: 'quantitative' as const, title: fig.y.label, format: '.4~g' },
    ];
    const coloured = ruleRows.filter((r) => r.color !== '');
    const grey = ruleRows.filter((r) => r.color === '');
    if (coloured.length > 0) {
      layer.push({ data: { values: coloured }, mark: { type: 'rule', strokeDash: [3, 3], strokeWidth: 1.2, opacity: 0.8 }, encoding: { y: ruleY, color, tooltip: ruleTooltip } });
      layer.push(ruleHalo(coloured, ruleY));
      layer.push({ data: { values: coloured }, mark: { ...RULE_TEXT }, encoding: { y: ruleY, text: { field: 'label', type: 'nominal' }, color } });
    }
    if (grey.length > 0) {
      layer.push({ data: { values: grey }, mark: { type: 'rule', strokeDash: [3, 3], strokeWidth: 1.2, color: RULE_GREY }, encoding: { y: ruleY, tooltip: ruleTooltip } });
      layer.push(ruleHalo(grey, ruleY));
      layer.push({ data: { values: grey }, mark: { ...RULE_TEXT, color: RULE_GREY }, encoding: { y: ruleY, text: { field: 'label', type: 'nominal' } } });
    }
  }
  // Invisible points on top carry the tooltips (a line mark's tooltip shows only one datum of the line).
  if (fig.mark !== 'point' || has('predicted') || has('reference')) {
    layer.push({
      transform: fig.mark === 'point' ? [{ filter: "datum.kind !== 'measured'" }] : [],
      mark: { type: 'point', size: 60, opacity: 0, filled: true, clip: true },
      encoding: { x, y, tooltip },
    });
  }

  return {
    $schema: VEGA_LITE_SCHEMA,
    title: subtitle.length > 0 ? { text: fig.title, anchor: 'start', fontSize: 14, subtitle, subtitleColor: '#555555', subtitleFontSize: 11 } : { text: fig.title, anchor: 'start', fontSize: 14 },
    width,
    height,
    config: { font: FONT, axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#ececec' }, legend: { labelFontSize: 11 }, view: { stroke: '#d0d0d0' } },
    data: { values: rows.map(compactRow) },
    layer,
  };
}

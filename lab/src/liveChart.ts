/**
 * A figure drawn live with uPlot while the run proceeds: the theory's series (dashed) as soon as the
 * prediction is known, the measured points (solid) as the study streams them through `ctx.emit`.
 * Conventions follow src/report/vegaSpec.ts (same series selection, same colour keys, predicted dashed),
 * and the final figure is redrawn with Vega from the finished result.
 *
 * uPlot needs one shared x array: the series are joined with `uPlot.join` (missing x → undefined, which
 * uPlot steps over); non-finite values, and non-positive ones on a log axis, become gaps.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Figure, Observations, Series } from '../../src/studies/types.ts';
import { xRange, yRange } from './chartRange.ts';
import type { LivePoint } from './protocol.ts';

/** Vega-Lite's default categorical palette (tableau10), so live and final figures agree. */
export const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

interface Line {
  name: string;
  group: string;
  kind: Series['kind'];
  xs: number[];
  ys: number[];
}

export class LiveFigure {
  private readonly lines = new Map<string, Line>();
  private plot: uPlot | undefined;
  private plotKeys: string[] = [];
  private frame = 0;
  private readonly resizeObserver: ResizeObserver;

  constructor(
    private readonly el: HTMLElement,
    readonly fig: Figure,
  ) {
    this.resizeObserver = new ResizeObserver(() => {
      if (this.plot) this.plot.setSize(this.size());
    });
    this.resizeObserver.observe(el);
    this.empty = document.createElement('p');
    this.empty.className = 'empty';
    this.empty.textContent = 'Waiting for the theory and the first measured points…';
    el.append(this.empty);
  }

  private readonly empty: HTMLElement;

  /** Say in the chart what it will show when nothing was drawn yet (e.g. the study does not stream this curve). */
  setEmptyText(text: string): void {
    this.empty.textContent = text;
  }

  private wants(name: string, group: string): boolean {
    return this.fig.series.some((s) => s.name === name && (s.group === undefined || s.group === group));
  }

  private line(kind: Series['kind'], name: string, group: string): Line {
    const key = `${kind}\u0000${name}\u0000${group}`;
    let l = this.lines.get(key);
    if (!l) {
      l = { name, group, kind, xs: [], ys: [] };
      this.lines.set(key, l);
    }
    return l;
  }

  /** Draw the theory's (and reference) series of an observation set. */
  setObservations(obs: Observations): void {
    for (const s of obs.series) {
      if (!this.wants(s.name, s.group)) continue;
      const l = this.line(s.kind, s.name, s.group);
      l.xs = s.x.slice();
      l.ys = s.y.slice();
    }
    this.schedule();
  }

  addPoints(points: LivePoint[]): number {
    let n = 0;
    for (const p of points) {
      if (!this.wants(p.name, p.group)) continue;
      const l = this.line('measured', p.name, p.group);
      l.xs.push(p.x);
      l.ys.push(p.y);
      n++;
    }
    if (n > 0) this.schedule();
    return n;
  }

  get measuredPoints(): number {
    let n = 0;
    for (const l of this.lines.values()) if (l.kind === 'measured') n += l.xs.length;
    return n;
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private size(): { width: number; height: number } {
    const width = Math.max(280, Math.floor(this.el.clientWidth || 560));
    return { width, height: Math.round(Math.min(340, Math.max(220, width * 0.45))) };
  }

  /** The ordered lines to draw and their colour keys (as figureData in src/report/vegaSpec.ts). */
  private ordered(): { key: string; line: Line; color: string; label: string }[] {
    const all = [...this.lines.entries()].filter(([, l]) => l.xs.length > 0);
    const kindRank = { measured: 0, predicted: 1, reference: 2 } as const;
    const selRank = (l: Line) => this.fig.series.findIndex((s) => s.name === l.name && (s.group === undefined || s.group === l.group));
    all.sort(([, a], [, b]) => selRank(a) - selRank(b) || kindRank[a.kind] - kindRank[b.kind]);
    const coloured = all.filter(([, l]) => l.kind !== 'reference').map(([, l]) => l);
    const manyNames = new Set(coloured.map((l) => l.name)).size > 1;
    const colorKey = (l: Line) => (manyNames ? (l.group ? `${l.name} · ${l.group}` : l.name) : l.group || l.name);
    const keys: string[] = [];
    // measured series first fix the colour order, as in the report
    for (const l of [...coloured.filter((l) => l.kind === 'measured'), ...coloured]) if (!keys.includes(colorKey(l))) keys.push(colorKey(l));
    return all.map(([key, line]) => ({
      key,
      line,
      color: line.kind === 'reference' ? '#8a8a8a' : PALETTE[keys.indexOf(colorKey(line)) % PALETTE.length],
      label: colorKey(line),
    }));
  }

  private draw(): void {
    const lines = this.ordered();
    if (lines.length === 0) return;
    this.empty.remove();
    const logX = this.fig.x.log === true;
    const logY = this.fig.y.log === true;
    const clean = (v: number, log: boolean) => (Number.isFinite(v) && (!log || v > 0) ? v : null);
    const tables: uPlot.AlignedData[] = lines.map(({ line }) => {
      const idx: number[] = [];
      for (let i = 0; i < line.xs.length; i++) if (clean(line.xs[i], logX) !== null) idx.push(i);
      idx.sort((a, b) => line.xs[a] - line.xs[b]);
      return [idx.map((i) => line.xs[i]), idx.map((i) => clean(line.ys[i], logY))] as uPlot.AlignedData;
    });
    const data = uPlot.join(tables);
    const keys = lines.map((l) => l.key);
    if (!this.plot || keys.join('|') !== this.plotKeys.join('|')) {
      this.plot?.destroy();
      this.plotKeys = keys;
      this.plot = new uPlot(this.options(lines), data, this.el);
    } else this.plot.setData(data);
  }

  private options(lines: { line: Line; color: string; key: string }[]): uPlot.Options {
    const points = this.fig.mark === 'point';
    const rules = this.fig.rules ?? [];
    const logY = this.fig.y.log === true;
    const ruleYs = rules.map((r) => r.y).filter((y) => Number.isFinite(y) && (!logY || y > 0));
    const series: uPlot.Series[] = [
      { label: this.fig.x.label },
      ...lines.map(({ line, color }) => {
        const label = `${line.group || line.name}${line.kind === 'predicted' ? ' (theory)' : line.kind === 'reference' ? ' (reference)' : ''}`;
        const measuredPoints = points && line.kind === 'measured';
        return {
          label,
          stroke: color,
          width: line.kind === 'measured' ? 2.5 : line.kind === 'predicted' ? 1.8 : 1,
          ...(line.kind === 'predicted' ? { dash: [6, 4] } : line.kind === 'reference' ? { dash: [2, 2] } : {}),
          ...(measuredPoints ? { paths: () => null, points: { show: true, size: 5, fill: color, stroke: color } } : { points: { show: false } }),
          spanGaps: false,
        } satisfies uPlot.Series;
      }),
    ];
    return {
      ...this.size(),
      scales: {
        x: {
          time: false,
          distr: this.fig.x.log ? 3 : 1,
          // degenerate linear ranges and log ranges that are not whole decades make uPlot's axis splits loop
          // until "Invalid array length": see chartRange.ts
          range: (_u, min, max) => xRange(min, max, this.fig.x.log === true),
        },
        y: {
          distr: logY ? 3 : 1,
          range: (_u, min, max) => yRange(min, max, logY, ruleYs),
        },
      },
      axes: [
        { label: this.fig.x.label, stroke: '#444', grid: { stroke: '#ececec' } },
        { label: this.fig.y.label, stroke: '#444', grid: { stroke: '#ececec' }, size: 60 },
      ],
      series,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      hooks: {
        draw: [
          (u: uPlot) => {
            if (ruleYs.length === 0) return;
            const ctx = u.ctx;
            ctx.save();
            ctx.setLineDash([4, 4]);
            ctx.strokeStyle = '#555';
            ctx.fillStyle = '#333';
            ctx.lineWidth = 1.2 * uPlot.pxRatio;
            ctx.font = `${11 * uPlot.pxRatio}px sans-serif`;
            ctx.textAlign = 'right';
            for (const r of rules) {
              if (!ruleYs.includes(r.y)) continue;
              const y = u.valToPos(r.y, 'y', true);
              ctx.beginPath();
              ctx.moveTo(u.bbox.left, y);
              ctx.lineTo(u.bbox.left + u.bbox.width, y);
              ctx.stroke();
              ctx.fillText(r.label, u.bbox.left + u.bbox.width - 4, y - 4);
            }
            ctx.restore();
          },
        ],
      },
    };
  }

  destroy(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.resizeObserver.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
  }
}

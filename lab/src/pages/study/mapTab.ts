/**
 * The study page's Map tab (issue 16): a validity map of this study over one or two of its own parameters,
 * run in this tab's Web Workers (./mapRunner.ts, one per core) and painted cell by cell as the points finish:
 * the verdict over seeds as the cell's colour with the fraction of seeds that hold, the mapped metric's
 * |value − target| / tolerance as its number. When the grid is done: the measured boundaries (where that
 * ratio crosses 1) and the study's predicted ones, and the phase diagram and error heatmap of `lmech map`.
 * A cell links to its run (seed 0 of the point) on the Run tab, which re-runs it bit for bit.
 *
 * Attributes read by the end-to-end test (test/lab/map.e2e.test.ts): `#map-grid[data-painted]`,
 * `.map-cell[data-index][data-verdict][data-over-seeds]` (the drawn verdict, `MapPoint.shown`, and the Wilson verdict over
 * seeds; `data-verdict="pending"` until painted), `#map-status[data-state]`.
 */
import { cellLabel, judgedLine, mapVegaSpecs, measuredLine, shortRatio } from '../../../../src/report/mapSpec.ts';
import type { StudyResult } from '../../../../src/studies/types.ts';
import { MapSpecError } from '../../../../src/studies/validityMap/grid.ts';
import { buildMap } from '../../../../src/studies/validityMap/summarize.ts';
import type { MapPoint, MapSpec, ValidityMap } from '../../../../src/studies/validityMap/types.ts';
import { clear, h, VERDICT_LABEL } from '../../dom.ts';
import { minimalOverrides, studyHash } from '../../state.ts';
import { renderVega, type VegaHandle } from '../../vegaFigure.ts';
import { type MapFormState, MapFormView, readMap } from './mapForm.ts';
import { MapPool, mapTasks } from './mapRunner.ts';
import { formatSeconds, type StudyPageState } from './pageState.ts';

/** What one map run tracks (a fresh one per Run map). */
interface MapRun {
  spec: MapSpec;
  /** runs[pointIndex][seedIndex], filled as tasks finish. */
  runs: (StudyResult | undefined)[][];
  pool: MapPool;
  t0: number;
  map?: ValidityMap;
}

function coordText(v: unknown): string {
  return typeof v === 'number' ? String(Number(v.toPrecision(4))) : String(v);
}

export class MapTab {
  readonly el: HTMLElement;
  private readonly form: MapFormView;
  private readonly status = h('p', { id: 'map-status', class: 'map-status', role: 'status', 'data-state': 'idle' }, 'Choose one or two parameters and their values, then Run map.');
  private readonly gridEl = h('div', { id: 'map-grid', class: 'map-grid', 'data-painted': '0' });
  private readonly after = h('div', { id: 'map-after', class: 'map-after' });
  private run: MapRun | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private figures: VegaHandle[] = [];
  /** The validated form, kept current by every input. */
  private state: MapFormState;

  /**
   * @param base The Run tab's parameter overrides (the map's base: every point runs with them, axes replaced).
   * @param writeUrl Writes the page URL with this map state (the page owns the hash).
   */
  constructor(
    private readonly page: StudyPageState,
    private readonly base: () => Record<string, unknown>,
    private readonly writeUrl: () => void,
  ) {
    this.form = new MapFormView(page.study, page.map);
    this.state = readMap(page.study, page.map, base());
    this.el = h(
      'section',
      { class: 'map-tab', id: 'map-panel', role: 'tabpanel', 'aria-labelledby': 'tab-map' },
      h('div', { class: 'study-layout' }, this.form.el, h('div', { class: 'map-area', 'aria-live': 'polite' }, this.status, this.gridEl, this.after)),
    );
    this.form.el.addEventListener('input', () => this.refresh());
    this.form.el.addEventListener('change', () => this.refresh());
    this.form.el.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.start();
    });
    this.form.cancelBtn.addEventListener('click', () => this.cancel());
    this.form.mark(this.state, false);
  }

  /** Re-read the form: mark its errors, and keep the URL in step with a valid one. */
  refresh(): MapFormState {
    const url = this.form.read();
    this.state = readMap(this.page.study, url, this.base());
    this.form.mark(this.state, this.busy());
    this.page.map = url;
    this.writeUrl();
    return this.state;
  }

  private busy(): boolean {
    return this.run?.pool.state === 'running';
  }

  start(): void {
    const s = this.refresh();
    if (!s.ok || !s.spec || !s.grid) {
      this.form.focusFirstError(s);
      return;
    }
    this.run?.pool.cancel();
    this.destroyFigures();
    const spec = s.spec;
    const tasks = mapTasks(s.grid, spec.seeds);
    const runs: (StudyResult | undefined)[][] = s.grid.map(() => spec.seeds.map(() => undefined));
    clear(this.after);
    this.drawGrid(spec);
    const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : undefined;
    // the pool's callbacks come later (worker messages), once `run` is set
    let run: MapRun | undefined;
    const pool = new MapPool(this.page.study, spec.profile, this.page.app.codeVersion, tasks, cores, {
      result: (task, result) => {
        runs[task.point.index][task.seedIndex] = result;
        if (run && this.run === run) this.paint(run);
      },
      done: () => {
        if (run && this.run === run) this.finish(run);
      },
    });
    run = { spec, runs, t0: performance.now(), pool };
    this.run = run;
    this.form.setRunning(run.pool.state === 'running');
    this.form.mark(this.state, this.busy());
    this.stopTimer();
    this.timer = setInterval(() => this.showStatus(run), 250);
    this.showStatus(run);
  }

  cancel(): void {
    const run = this.run;
    if (run?.pool.state !== 'running') return;
    run.pool.cancel();
    this.stopTimer();
    this.form.setRunning(false);
    this.form.mark(this.state, false);
    this.showStatus(run);
  }

  private showStatus(run: MapRun): void {
    const p = run.pool.progress();
    const total = run.pool.tasks.length;
    const elapsed = formatSeconds(performance.now() - run.t0);
    const state = run.pool.state;
    const what = state === 'running' ? `${p.finished}/${total} runs done, ${p.running} running in ${run.pool.size} workers (one per core)` : state === 'done' ? `${total} runs done` : `cancelled after ${p.finished}/${total} runs`;
    this.status.textContent = `${what} · ${(p.fraction * 100).toFixed(0)}% · ${elapsed}`;
    this.status.setAttribute('data-state', state);
  }

  /** The map from the finished runs; an unknown metric is reported (naming it) and the first judged one used. */
  private build(run: MapRun): ValidityMap {
    const { study, app } = this.page;
    const first = run.runs.flat().find((r): r is StudyResult => r !== undefined && r.metrics.length > 0);
    if (first) this.form.setMetrics(first.metrics.map((m) => m.name), run.spec.metric ?? '');
    try {
      return buildMap(study, run.spec, run.runs, { codeVersion: app.codeVersion });
    } catch (e) {
      if (!(e instanceof MapSpecError)) throw e;
      // the URL's metric is not one of this study's: say so once (it stays above the page), map the default
      this.page.app.notify([`map.metric: ${e.message.slice(e.field.length + 2)}; mapping the first judged metric instead`], 'warn');
      const { metric: _unknown, ...rest } = run.spec;
      run.spec = rest;
      return buildMap(study, rest, run.runs, { codeVersion: app.codeVersion });
    }
  }

  private paint(run: MapRun): void {
    const map = this.build(run);
    run.map = map;
    for (const p of map.points) this.paintCell(run.spec, p);
    this.gridEl.setAttribute('data-painted', String(map.points.length));
    this.showStatus(run);
  }

  private finish(run: MapRun): void {
    this.stopTimer();
    this.form.setRunning(false);
    this.refresh(); // the metric choices are known now (an unknown one from the URL was dropped)
    this.showStatus(run);
    if (!run.map) return;
    this.drawAfter(run.map);
    this.drawFigures(run.map, run).catch((e: unknown) => this.page.app.notify([`map figures: ${e instanceof Error ? e.message : String(e)}`], 'error'));
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Leaving the page: stop every worker. */
  dispose(): void {
    this.run?.pool.cancel();
    this.stopTimer();
    this.destroyFigures();
  }

  private destroyFigures(): void {
    for (const f of this.figures) f.finalize();
    this.figures = [];
  }

  /** The phase diagram and the error heatmap of `lmech map` (src/report/mapSpec.ts), with the boundaries drawn. */
  private async drawFigures(map: ValidityMap, run: MapRun): Promise<void> {
    const specs = mapVegaSpecs(map);
    const box = h('div', { id: 'map-figures', class: 'map-figures' });
    this.after.append(box);
    for (const [id, spec, caption] of [
      ['phase', specs.phase, 'Phase diagram: the verdict at each point (fraction of seeds that hold)'],
      ['error', specs.error, 'Error heatmap: log10 of |value − target| / tolerance; the boundary is where it crosses 0'],
    ] as const) {
      const target = h('div', { class: 'vega-target' });
      box.append(h('figure', { class: 'fig', id: `map-fig-${id}` }, target, h('figcaption', {}, caption)));
      const handle = await renderVega(target, spec);
      if (this.run !== run || this.page.disposed) {
        handle.finalize();
        return;
      }
      this.figures.push(handle);
    }
    box.setAttribute('data-figures', 'final');
  }

  /** An empty grid: columns along the first axis, rows along the second (its last value on top, as in a plot). */
  private drawGrid(spec: MapSpec): void {
    const [ax, ay] = spec.axes;
    const ny = ay ? ay.values.length : 1;
    clear(this.gridEl);
    this.gridEl.setAttribute('data-painted', '0');
    this.gridEl.style.setProperty('--cols', String(ax.values.length));
    const rows: HTMLElement[] = [];
    for (let iy = ny - 1; iy >= 0; iy--) {
      const label = h('div', { class: 'map-ylabel' }, ay ? coordText(ay.values[iy]) : '');
      const cells = ax.values.map((_, ix) => h('a', { class: 'map-cell v-pending', 'data-index': String(ix * ny + iy), 'data-verdict': 'pending', 'aria-label': 'not run yet' }, '·'));
      rows.push(h('div', { class: 'map-row' }, label, ...cells));
    }
    const xlabels = h('div', { class: 'map-row map-xlabels' }, h('div', { class: 'map-ylabel' }, ay ? ay.key : ''), ...ax.values.map((v) => h('div', { class: 'map-xlabel' }, coordText(v))));
    this.gridEl.append(...rows, xlabels, h('div', { class: 'map-xkey' }, ax.key));
  }

  private paintCell(spec: MapSpec, p: MapPoint): void {
    const cell = this.gridEl.querySelector<HTMLAnchorElement>(`.map-cell[data-index="${p.index}"]`);
    if (!cell || cell.getAttribute('data-verdict') === p.shown) return;
    const { study } = this.page;
    const params = { ...(spec.base ?? {}), ...p.coords };
    const hash = studyHash(study, { seed: spec.seeds[0], profile: spec.profile, overrides: minimalOverrides(study, spec.profile, params), autorun: true, version: this.page.app.codeVersion });
    const coords = Object.entries(p.coords).map(([k, v]) => `${k}=${coordText(v)}`).join(', ');
    const ratio = p.metric ? shortRatio(p.metric.errorRatio) : '';
    // drawn as the report draws it (`shown`: unanimous seeds speak for themselves); the Wilson verdict in the tooltip
    cell.className = `map-cell v-${p.shown}`;
    cell.setAttribute('data-verdict', p.shown);
    cell.setAttribute('data-over-seeds', p.verdict);
    cell.setAttribute('data-fraction', String(p.fractionHolds));
    cell.href = hash;
    cell.target = '_blank';
    cell.rel = 'noopener';
    const title = [`${coords}: ${VERDICT_LABEL[p.shown] ?? p.shown}`, `seeds: ${p.seedVerdicts.join(', ')} (holds ${(p.fractionHolds * 100).toFixed(0)}%); over seeds (Wilson bound): ${VERDICT_LABEL[p.verdict] ?? p.verdict}`];
    if (p.metric) title.push(`${p.metric.name}: ${p.metric.value} (${p.metric.criterion}), error/tolerance ${ratio}`);
    if (p.error) title.push(`error: ${p.error}`);
    title.push(`run ${p.runIds[0]} (opens seed ${spec.seeds[0]} on the Run tab)`);
    cell.title = title.join('\n');
    cell.setAttribute('aria-label', title[0]);
    cell.replaceChildren(h('span', { class: 'map-verdict' }, cellLabel(p)), ratio ? h('span', { class: 'map-ratio' }, ratio) : '');
  }

  /** Below the finished grid: the measured and predicted boundaries, as text. */
  private drawAfter(map: ValidityMap): void {
    clear(this.after);
    const metric = map.spec.metric ? h('p', { class: 'hint' }, `Cell numbers: ${map.spec.metric}, |value − target| / tolerance (≤ 1 passes).`) : null;
    const measured = map.boundaries.map((b) => h('li', { 'data-boundary': 'measured' }, measuredLine(b)));
    const judged = map.predictedBoundaries.map((j) => h('li', { 'data-boundary': 'predicted', class: j.pass === null ? '' : j.pass ? 'pass' : 'fail' }, judgedLine(j, map.spec.metric)));
    this.after.append(
      h(
        'section',
        { id: 'map-boundaries', 'aria-label': 'boundaries' },
        metric,
        h('h3', {}, 'Measured boundaries'),
        measured.length ? h('ul', {}, ...measured) : h('p', { class: 'muted' }, 'None: the mapped metric has no value at these points.'),
        judged.length ? [h('h3', {}, 'Predicted boundaries'), h('ul', {}, ...judged)] : null,
      ),
    );
  }
}

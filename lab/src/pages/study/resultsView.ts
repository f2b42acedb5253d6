/**
 * The study page's run area: the verdict, the progress bar, the figures (live uPlot charts while the run
 * streams, Vega once it ends), the metrics against their tolerances, the regime checks and the provenance.
 * It only draws; the run controller (./controller.ts) tells it what happened.
 *
 * Attributes read by the end-to-end test (test/lab/lab.e2e.test.ts): `#verdict[data-verdict]`,
 * `.run-area[data-live-points | data-run-ms | data-figures]`, `#metrics tr[data-metric][data-value]`.
 */
import { figureSpec } from '../../../../src/report/vegaSpec.ts';
import type { Figure, MetricResult, Observations, RegimeCheck, StudyResult, Verdict } from '../../../../src/studies/types.ts';
import { fmt } from '../../../../src/studies/verdict.ts';
import { append, badge, clear, copyText, h } from '../../dom.ts';
import { LiveFigure } from '../../liveChart.ts';
import type { LivePoint } from '../../protocol.ts';
import { renderVega, type VegaHandle } from '../../vegaFigure.ts';
import { cliCommand } from './cli.ts';
import { type FormState, formatSeconds, runKey, type StudyPageState } from './pageState.ts';
import { TextSamplePanel } from './textSamples.ts';

interface FigureSlot {
  fig: Figure;
  root: HTMLElement;
  plot: HTMLElement;
  live?: LiveFigure;
  vega?: VegaHandle;
}

export type VerdictState = Verdict | 'idle' | 'running' | 'paused' | 'stopped';

const STATE_LABEL: Partial<Record<VerdictState, string>> = { idle: 'not run yet', running: 'running', paused: 'paused', stopped: 'stopped' };

function metricsTable(metrics: MetricResult[], provisional: boolean): HTMLElement {
  const head = h('thead', {}, h('tr', {}, ...['metric', 'value', 'criterion', 'pass', 'why this tolerance'].map((t) => h('th', { scope: 'col' }, t))));
  const rows = metrics.map((m) =>
    h(
      'tr',
      { class: m.pass ? 'pass' : 'fail', 'data-metric': m.name, 'data-value': String(m.value), 'data-pass': m.pass ? '1' : '0' },
      h('td', {}, m.name, m.description ? h('div', { class: 'desc' }, m.description) : null),
      h('td', { class: 'num', title: String(m.value) }, fmt(m.value)),
      h('td', { class: 'num' }, m.criterionText),
      h('td', { class: 'mark', 'aria-label': m.pass ? 'passes' : 'fails' }, m.pass ? '✓' : '✗'),
      h('td', { class: 'reason' }, m.reason),
    ),
  );
  const table = h('table', { class: `metrics${provisional ? ' provisional' : ''}`, 'data-provisional': provisional ? '1' : '0' }, head, h('tbody', {}, ...rows));
  return h('div', { class: 'table-wrap' }, table);
}

function regimeList(regime: RegimeCheck[]): HTMLElement {
  if (regime.length === 0) return h('p', { class: 'muted' }, 'No regime checks.');
  return h(
    'ul',
    { class: 'regime' },
    ...regime.map((g) =>
      h('li', { class: g.ok ? 'pass' : 'fail', 'data-regime': g.name }, h('span', { class: 'mark', 'aria-label': g.ok ? 'inside' : 'outside' }, g.ok ? '✓' : '✗'), ' ', h('strong', {}, g.name), ' ', h('span', { class: 'detail' }, g.detail)),
    ),
  );
}

function scalarTable(title: string, scalars: Record<string, number>): HTMLElement | null {
  if (Object.keys(scalars).length === 0) return null;
  const rows = Object.entries(scalars).map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'num', title: String(v) }, fmt(v))));
  return h('table', { class: 'kv' }, h('caption', {}, title), h('tbody', {}, ...rows));
}

export class ResultsView {
  readonly el: HTMLElement;
  private readonly verdictBox = h('div', { class: 'verdict', id: 'verdict', 'data-verdict': 'idle', 'aria-live': 'polite' });
  private readonly progressBar = h('div', { class: 'bar' });
  private readonly progress = h('div', { class: 'progress', role: 'progressbar', 'aria-label': 'run progress', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0 }, this.progressBar);
  private readonly statusText = h('p', { class: 'status-text', id: 'status-text' });
  private readonly figuresEl = h('div', { class: 'figures', id: 'figures' });
  private readonly metricsEl = h('section', { class: 'metrics-box', id: 'metrics', 'aria-labelledby': 'metrics-h' });
  private readonly regimeEl = h('section', { class: 'regime-box', id: 'regime', 'aria-labelledby': 'regime-h' });
  private readonly detailsEl = h('section', { class: 'details-box', id: 'details' });
  private slots: FigureSlot[] = [];
  /** text sampled from a language model while it trains (hidden for other studies) */
  readonly samples = new TextSamplePanel();

  constructor(private readonly page: StudyPageState) {
    this.el = h('section', { class: 'run-area', 'aria-label': 'Run' }, h('div', { class: 'status' }, this.verdictBox, this.progress, this.statusText), this.figuresEl, this.samples.el, this.metricsEl, this.regimeEl, this.detailsEl);
  }

  get verdictState(): string | null {
    return this.verdictBox.getAttribute('data-verdict');
  }

  setVerdict(state: VerdictState, extra?: string): void {
    clear(this.verdictBox);
    this.verdictBox.setAttribute('data-verdict', state);
    append(this.verdictBox, [h('span', { class: 'verdict-label' }, 'Verdict'), badge(state, STATE_LABEL[state]), extra ? h('span', { class: 'verdict-extra' }, extra) : null]);
  }

  setProgress(fraction: number, text: string): void {
    const pct = Math.max(0, Math.min(100, fraction * 100));
    this.progressBar.style.width = `${pct}%`;
    this.progress.setAttribute('aria-valuenow', pct.toFixed(0));
    this.statusText.textContent = text;
  }

  setStatusText(text: string): void {
    this.statusText.textContent = text;
  }

  /** Mark the run on screen as stale when the form now describes a different run. */
  markStale(s: FormState | undefined): void {
    const key = this.page.shownRunKey;
    this.el.classList.toggle('stale', s !== undefined && key !== undefined && key !== runKey(s));
  }

  setLivePoints(n: number): void {
    this.el.setAttribute('data-live-points', String(n));
  }

  /** The page before any run (or after Reset): empty metrics and regime with what they will show. */
  showIdle(): void {
    this.destroyFigures();
    this.samples.reset();
    for (const el of [this.metricsEl, this.regimeEl, this.detailsEl]) clear(el);
    for (const a of ['data-run-ms', 'data-figures']) this.el.removeAttribute(a);
    this.metricsEl.append(h('h2', { id: 'metrics-h' }, 'Metrics'), h('p', { class: 'muted' }, 'Press Run: the metrics, each against its declared tolerance, appear here as the run proceeds.'));
    this.regimeEl.append(h('h2', { id: 'regime-h' }, 'Regime checks'), h('p', { class: 'muted' }, 'Is the run inside the theory’s assumptions? A failed check makes the verdict “out of regime”: no claim is tested.'));
  }

  destroyFigures(): void {
    for (const s of this.slots) {
      s.live?.destroy();
      s.vega?.finalize();
    }
    this.slots = [];
    clear(this.figuresEl);
  }

  /** One figure per `study.figures(params)`, each with a live chart; `shareUrl` makes the figure links. */
  makeFigures(params: Record<string, unknown>, shareUrl: (fig: string) => string): string[] {
    let figs: Figure[] = [];
    try {
      figs = this.page.study.figures(params);
    } catch (e) {
      this.page.app.notify([`${this.page.study.id}: figures(params) failed: ${(e as Error).message}`], 'error');
    }
    this.slots = figs.map((fig) => this.makeFigure(fig, shareUrl));
    return figs.map((f) => f.id);
  }

  private makeFigure(fig: Figure, shareUrl: (fig: string) => string): FigureSlot {
    const plot = h('div', { class: 'plot', role: 'img', 'aria-label': `${fig.title} (live)` });
    const linkBtn = h('button', { type: 'button', class: 'link fig-link', title: 'Copy a link that re-runs this study and shows this figure' }, 'Copy link to this figure');
    const note = h('small', { class: 'hint', role: 'status' });
    linkBtn.addEventListener('click', async () => {
      const url = shareUrl(fig.id);
      note.textContent = (await copyText(url)) ? 'Link copied.' : url;
    });
    const root = h('figure', { class: 'fig', id: `fig-${fig.id}`, 'data-figure': fig.id }, h('h3', {}, fig.title), plot, h('figcaption', {}, fig.caption ?? '', ' ', linkBtn, ' ', note));
    this.figuresEl.append(root);
    const slot: FigureSlot = { fig, root, plot };
    try {
      slot.live = new LiveFigure(plot, fig);
    } catch (e) {
      plot.textContent = `live chart unavailable: ${(e as Error).message}`;
    }
    return slot;
  }

  /** Draw the theory's series (and, with `emptyText`, say what a chart without streamed points waits for). */
  liveObservations(obs: Observations, emptyText?: string): void {
    for (const slot of this.slots) {
      slot.live?.setObservations(obs);
      if (emptyText) slot.live?.setEmptyText(emptyText);
    }
  }

  livePoints(points: LivePoint[]): void {
    for (const slot of this.slots) slot.live?.addPoints(points);
  }

  /** Metrics and regime from the points streamed so far (the verdict comes from the full run). */
  showProvisional(metrics: MetricResult[], regime: RegimeCheck[], points: number): void {
    clear(this.metricsEl);
    this.metricsEl.append(
      h('h2', { id: 'metrics-h' }, 'Metrics ', h('span', { class: 'chip' }, 'provisional')),
      h('p', { class: 'muted' }, `From the ${points} points streamed so far; the verdict is computed from the full run when it ends.`),
      metricsTable(metrics, true),
    );
    clear(this.regimeEl);
    this.regimeEl.append(h('h2', { id: 'regime-h' }, 'Regime checks ', h('span', { class: 'chip' }, 'provisional')), regimeList(regime));
  }

  /** The finished run: verdict, metrics, regime, details; then the final figures (resolves when drawn). */
  async showResult(result: StudyResult, ms: number, s: FormState): Promise<void> {
    this.setProgress(1, `finished in ${formatSeconds(ms)}`);
    this.el.setAttribute('data-run-ms', String(Math.round(ms)));
    this.setVerdict(result.verdict, result.verdict === 'error' ? (result.error ?? '') : `${result.metrics.filter((m) => m.pass).length}/${result.metrics.length} metrics pass`);
    clear(this.metricsEl);
    this.metricsEl.append(h('h2', { id: 'metrics-h' }, 'Metrics'), result.metrics.length > 0 ? metricsTable(result.metrics, false) : h('p', { class: 'muted' }, 'No metrics.'));
    if (result.error) this.metricsEl.append(h('div', { class: 'error-box' }, h('strong', {}, 'Error'), h('pre', {}, result.error)));
    clear(this.regimeEl);
    this.regimeEl.append(h('h2', { id: 'regime-h' }, 'Regime checks'), regimeList(result.regime));
    this.showDetails(result, ms, s);
    // measured series made in measure() (and predictions computed from the init) complete the live charts at once
    this.liveObservations(result.measurement);
    this.liveObservations(result.prediction);
    await this.drawFinalFigures(result);
    this.el.setAttribute('data-figures', 'final');
  }

  private showDetails(result: StudyResult, ms: number, s: FormState): void {
    clear(this.detailsEl);
    const p = result.provenance;
    const notes = [...(result.prediction.notes ?? []), ...(result.measurement.notes ?? [])];
    const row = (term: string, desc: HTMLElement) => [h('dt', {}, term), desc];
    const hasScalars = Object.keys(result.prediction.scalars).length + Object.keys(result.measurement.scalars).length > 0;
    append(this.detailsEl, [
      notes.length > 0 ? h('section', {}, h('h2', {}, 'Notes'), h('ul', {}, ...notes.map((n) => h('li', {}, n)))) : null,
      h('h2', {}, 'Provenance'),
      h(
        'dl',
        { class: 'prov' },
        row('seed', h('dd', {}, String(p.seed))),
        row('profile', h('dd', {}, p.profile)),
        row('config hash', h('dd', {}, h('code', { id: 'config-hash' }, p.configHash))),
        row('code version', h('dd', {}, h('code', {}, p.codeVersion))),
        row('duration', h('dd', { id: 'run-duration', 'data-ms': String(Math.round(ms)) }, `${formatSeconds(ms)} in this browser (Web Worker)`)),
        row('started', h('dd', {}, p.startedAt)),
        row('same run, command line', h('dd', {}, h('code', { class: 'cli' }, cliCommand(this.page.study, s.profile, s.seed, s.overrides)))),
      ),
      h('details', { class: 'params' }, h('summary', {}, 'Resolved parameters'), h('pre', {}, JSON.stringify(p.params, null, 2))),
      hasScalars
        ? h('details', { class: 'scalars' }, h('summary', {}, 'Scalars'), h('div', { class: 'kvs' }, scalarTable('predicted', result.prediction.scalars), scalarTable('measured', result.measurement.scalars)))
        : null,
    ]);
  }

  /** Replace each live chart by the Vega figure of the report (src/report/vegaSpec.ts), one at a time. */
  private async drawFinalFigures(result: StudyResult): Promise<void> {
    for (const slot of this.slots) {
      if (this.page.disposed) return;
      // the plot area; Vega adds the axes (~70 px) and the legend (up to ~240 px) around it
      const width = Math.max(300, Math.min(820, (slot.root.clientWidth || 700) - 330));
      const target = h('div', { class: 'vega-target', role: 'img', 'aria-label': slot.fig.title });
      try {
        const spec = figureSpec(slot.fig, result, { width, height: 280 });
        slot.plot.after(target);
        slot.vega = await renderVega(target, spec);
        if (this.page.disposed) return;
        slot.live?.destroy();
        slot.live = undefined;
        slot.plot.remove();
        slot.root.classList.add('final');
      } catch (e) {
        target.remove();
        slot.root.append(h('p', { class: 'err' }, `final figure failed (${(e as Error).message}); the live chart is shown instead`));
      }
    }
  }
}

/**
 * The study page's run controller: Run / Pause / Resume / Reset, the Web Worker run (lab/src/runner.ts) and
 * its messages, the progress clock, and the provisional verdict computed from the points streamed so far.
 * It reads the form (./form.ts) and tells the results view (./resultsView.ts) what to draw.
 */
import type { Observations, Series, StudyResult } from '../../../../src/studies/types.ts';
import { evaluateMetric, judge } from '../../../../src/studies/verdict.ts';
import type { LivePoint } from '../../protocol.ts';
import { type RunHandlers, StudyRunner } from '../../runner.ts';
import type { StudyForm } from './form.ts';
import { type FormState, formatSeconds, runKey, type StudyPageState } from './pageState.ts';
import type { ResultsView } from './resultsView.ts';

/** The provisional comparison runs on the main thread at most this often. */
const PROVISIONAL_EVERY_MS = 600;
const IDLE_TEXT = 'Press Run to train; the theory is drawn first, the measurement over it.';

/** What one run tracks while it goes (a fresh one per Run). */
interface RunProgress {
  form: FormState;
  t0: number;
  pausedAt: number;
  pausedTotal: number;
  fraction: number;
  message: string;
  /** Points being recomputed after a replay-mode Resume (already on screen). */
  replaying: number;
  prediction?: Observations;
  /** Curve points received from the worker (after replay skipping): one per `ctx.emit` of the run. */
  livePoints: number;
  /** The streamed points as series, for the provisional comparison. */
  partial: Map<string, Series>;
  provisionalAt: number;
  provisionalOff: boolean;
}

export class RunController {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly page: StudyPageState,
    private readonly form: StudyForm,
    private readonly view: ResultsView,
  ) {
    form.el.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.start();
    });
    form.pauseBtn.addEventListener('click', () => this.togglePause());
    form.resetBtn.addEventListener('click', () => this.reset());
  }

  /** The page as first shown: idle, nothing run. */
  showIdle(): void {
    this.view.setVerdict('idle');
    this.view.setProgress(0, IDLE_TEXT);
    this.view.showIdle();
  }

  start(): void {
    const s = this.form.refresh();
    if (!s.ok) {
      this.form.focusFirstError(s);
      return;
    }
    const { page, view } = this;
    page.runner?.stop();
    this.stopTimer();
    view.showIdle();
    page.shownRunKey = runKey(s);
    view.markStale(undefined);
    const figIds = view.makeFigures(s.params, (fig) => this.form.shareUrl(s, { fig }));
    view.setVerdict('running');
    view.setProgress(0, 'starting…');
    this.form.setRunning(true);
    this.form.pauseBtn.textContent = 'Pause';
    const run: RunProgress = { form: s, t0: performance.now(), pausedAt: 0, pausedTotal: 0, fraction: 0, message: '', replaying: 0, livePoints: 0, partial: new Map(), provisionalAt: 0, provisionalOff: false };
    this.timer = setInterval(() => {
      if (!run.pausedAt) view.setProgress(run.fraction, this.status(run));
    }, 200);
    view.setLivePoints(0);
    page.runner = new StudyRunner({ studyId: page.study.id, profile: s.profile, params: s.overrides, seed: s.seed, codeVersion: page.app.codeVersion }, this.handlers(run));
    const fig = page.route.fig;
    if (fig && !figIds.includes(fig)) page.app.notify([`URL: fig=${JSON.stringify(fig)} is not a figure of this run; figures: ${figIds.join(', ')}`]);
  }

  private status(run: RunProgress): string {
    const now = performance.now();
    const elapsed = now - run.t0 - run.pausedTotal - (run.pausedAt ? now - run.pausedAt : 0);
    const replay = run.replaying > 0 ? ` · replaying ${run.replaying} points already shown (same seed)` : '';
    return `${(run.fraction * 100).toFixed(0)}%${run.message ? ` · ${run.message}` : ''} · ${formatSeconds(elapsed)}${replay}`;
  }

  private handlers(run: RunProgress): RunHandlers {
    const { view, form } = this;
    return {
      prediction: (p) => {
        run.prediction = p;
        view.liveObservations(p, 'This study does not stream this curve while it trains: it is drawn when the run ends.');
      },
      progress: (f, m) => {
        run.fraction = f;
        run.message = m ?? '';
        view.setProgress(run.fraction, this.status(run));
      },
      points: (pts) => this.onPoints(run, pts),
      sample: (s) => view.samples.add(s),
      paused: () => {
        run.pausedAt = performance.now();
        view.setVerdict('paused');
        form.pauseBtn.textContent = 'Resume';
        form.pauseBtn.disabled = false;
        const replay = this.page.runner?.mode === 'replay' ? ' (Resume recomputes from the seed up to here: this page is not cross-origin isolated)' : '';
        view.setStatusText(`${this.status(run)} · paused${replay}`);
      },
      resumed: (n) => {
        if (run.pausedAt) run.pausedTotal += performance.now() - run.pausedAt;
        run.pausedAt = 0;
        run.replaying = n;
        form.pauseBtn.textContent = 'Pause';
        if (view.verdictState === 'paused') view.setVerdict('running');
      },
      done: (result, ms) => this.finish(run, result, ms),
      fatal: (msg) => {
        this.stopTimer();
        form.setRunning(false);
        form.pauseBtn.disabled = true;
        view.setVerdict('error', msg);
        this.page.app.notify([`${this.page.study.id}: ${msg}`], 'error');
      },
    };
  }

  private onPoints(run: RunProgress, pts: LivePoint[]): void {
    run.livePoints += pts.length;
    this.view.setLivePoints(run.livePoints);
    this.view.livePoints(pts);
    for (const p of pts) {
      const key = `${p.name}\u0000${p.group}`;
      let ser = run.partial.get(key);
      if (!ser) {
        ser = { name: p.name, group: p.group, kind: 'measured', x: [], y: [] };
        run.partial.set(key, ser);
      }
      ser.x.push(p.x);
      ser.y.push(p.y);
    }
    this.provisional(run);
  }

  /** The study's own comparison on the points so far, throttled; given up when it is too slow. */
  private provisional(run: RunProgress): void {
    if (run.provisionalOff || !run.prediction || run.partial.size === 0) return;
    const now = performance.now();
    if (now - run.provisionalAt < PROVISIONAL_EVERY_MS) return;
    run.provisionalAt = now;
    const points = [...run.partial.values()].reduce((a, x) => a + x.x.length, 0);
    try {
      const cmp = this.page.study.compare(run.prediction, { scalars: {}, series: [...run.partial.values()] }, run.form.params);
      const metrics = cmp.metrics.map(evaluateMetric);
      if (performance.now() - now > 100) run.provisionalOff = true; // too slow to repeat on the main thread
      if (metrics.length === 0 || metrics.some((m) => !Number.isFinite(m.value))) return;
      this.view.setVerdict('running', `provisional: ${judge(metrics, cmp.regime).replace(/-/g, ' ')}`);
      this.view.showProvisional(metrics, cmp.regime, points);
    } catch {
      // the comparison needs the finished run (scalars, derived series): wait for it
    }
  }

  private finish(run: RunProgress, result: StudyResult, ms: number): void {
    this.stopTimer();
    this.form.setRunning(false);
    this.form.pauseBtn.disabled = true;
    this.form.pauseBtn.textContent = 'Pause';
    run.fraction = 1;
    const fig = this.page.route.fig;
    void this.view.showResult(result, ms, run.form).then(() => {
      if (fig) document.getElementById(`fig-${fig}`)?.scrollIntoView({ block: 'start' });
    });
  }

  private togglePause(): void {
    const runner = this.page.runner;
    if (!runner) return;
    if (runner.state === 'running') {
      this.form.pauseBtn.disabled = true; // enabled again when the worker has stopped
      this.view.setStatusText('pausing…');
      runner.pause();
    } else if (runner.state === 'paused' || runner.state === 'pausing') {
      runner.resume();
    }
  }

  reset(): void {
    this.page.runner?.stop();
    this.page.runner = undefined;
    this.stopTimer();
    this.page.shownRunKey = undefined;
    this.view.markStale(undefined);
    this.showIdle();
    this.form.setRunning(false);
    this.form.pauseBtn.disabled = true;
    this.form.resetBtn.disabled = true;
    this.form.pauseBtn.textContent = 'Pause';
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Leaving the page: stop the worker and the clock. */
  dispose(): void {
    this.page.runner?.stop();
    this.stopTimer();
  }
}

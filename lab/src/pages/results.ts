/**
 * Stored results: open `lmech export` files (Parquet or JSON lines), JSON results, or an HTML report,
 * and browse the runs, their verdicts, metrics and figures without re-running. Each run links back to its
 * live page with the same seed and parameters.
 */
import { figureSpec } from '../../../src/report/vegaSpec.ts';
import type { AnyStudy, Figure, StudyResult } from '../../../src/studies/types.ts';
import { fmt } from '../../../src/studies/verdict.ts';
import { append, badge, clear, h } from '../dom.ts';
import type { App } from '../main.ts';
import { addFile, ResultSet, type StoredRun } from '../results.ts';
import { minimalOverrides, studyHash } from '../state.ts';
import { type VegaHandle, renderVega } from '../vegaFigure.ts';

/** Loaded files survive navigation within the page's lifetime (not reloads: nothing is uploaded anywhere). */
const session = new ResultSet();

function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Figures to draw for a stored run: the study's own (from the registry), else one per observable. */
function runFigures(run: StoredRun, study: AnyStudy | undefined): Figure[] {
  if (run.result?.figures?.length) return run.result.figures;
  if (study && run.params) {
    try {
      return study.figures(run.params);
    } catch {
      // parameters from another code version: fall back to raw series
    }
  }
  const names = [...new Set(run.series.map((s) => s.name))];
  return names.map((name) => ({ id: name, title: name, x: { label: 'x (step)' }, y: { label: name }, series: [{ name }] }));
}

function dropZone(fileInput: HTMLElement): HTMLElement {
  return h(
    'div',
    { class: 'drop', id: 'drop-zone' },
    h('label', { for: 'results-file' }, h('strong', {}, 'Open files'), ' (or drop them here): '),
    fileInput,
    h(
      'p',
      { class: 'hint' },
      'Parquet or JSON-lines exports (',
      h('code', {}, 'lmech export --table runs'),
      ', ',
      h('code', {}, '--table series'),
      ', ',
      h('code', {}, 'metrics'),
      ', ',
      h('code', {}, 'regime'),
      '; load several, they are joined by run id), JSON results (',
      h('code', {}, 'lmech run --json'),
      '), or a report’s ',
      h('code', {}, 'index.html'),
      '. Files are read in this page only.',
    ),
  );
}

/** A link to the run's live page with its seed and parameters, when the study and parameters are known here. */
function liveLinkFor(run: StoredRun, study: AnyStudy | undefined): HTMLElement | null {
  if (!(study && run.params)) return null;
  const profile = run.profile === 'default' ? 'default' : 'quick';
  try {
    const overrides = minimalOverrides(study, profile, run.params);
    return h('a', { class: 'button', href: studyHash(study, { seed: run.seed ?? 0, profile, overrides, autorun: false }) }, 'Open live with these parameters');
  } catch {
    return null;
  }
}

function metricsTable(run: StoredRun): HTMLElement {
  if (run.metrics.length === 0) return h('p', { class: 'muted' }, 'No metric rows loaded for this run (load the metrics table, or a JSON result).');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'metrics' },
      h('thead', {}, h('tr', {}, h('th', {}, 'metric'), h('th', {}, 'value'), h('th', {}, 'criterion'), h('th', {}, 'pass'), h('th', {}, 'why this tolerance'))),
      h('tbody', {}, ...run.metrics.map((m) => h('tr', { class: m.pass ? 'pass' : 'fail', 'data-metric': m.name, 'data-value': String(m.value) }, h('td', {}, m.name), h('td', { class: 'num', title: String(m.value) }, fmt(m.value)), h('td', { class: 'num' }, m.criterion), h('td', { class: 'mark' }, m.pass ? '✓' : '✗'), h('td', { class: 'reason' }, m.reason)))),
    ),
  );
}

function regimeList(run: StoredRun): HTMLElement {
  if (run.regime.length === 0) return h('p', { class: 'muted' }, 'No regime rows loaded for this run.');
  return h('ul', { class: 'regime' }, ...run.regime.map((g) => h('li', { class: g.ok ? 'pass' : 'fail' }, g.ok ? '✓ ' : '✗ ', h('strong', {}, g.name), ' ', h('span', { class: 'detail' }, g.detail))));
}

/** Title, provenance, error, metrics, regime checks and parameters of one run. */
function runDetail(run: StoredRun, study: AnyStudy | undefined, app: App): (HTMLElement | null)[] {
  const title = run.title ?? study?.title ?? run.studyId ?? run.runId;
  const liveLink = liveLinkFor(run, study);
  const versionNote = run.codeVersion && run.codeVersion !== app.codeVersion ? h('p', { class: 'hint' }, `Made with code ${run.codeVersion}; this lab runs ${app.codeVersion}, so a live re-run may differ.`) : null;
  return [
    h('h2', { id: 'run-detail-h', tabindex: '-1' }, title, ' ', run.verdict ? badge(run.verdict) : null),
    h('p', { class: 'meta' }, h('code', {}, run.studyId ?? '?'), ` · run ${run.runId}`, run.seed !== undefined ? ` · seed ${run.seed}` : '', run.profile ? ` · ${run.profile}` : '', run.durationMs !== undefined ? ` · ${formatMs(run.durationMs)}` : ''),
    run.verdictDerived ? h('p', { class: 'hint' }, 'Verdict derived from the metric and regime rows (no runs table loaded).') : null,
    liveLink,
    versionNote,
    run.error ? h('div', { class: 'error-box' }, h('strong', {}, 'Error'), h('pre', {}, run.error)) : null,
    h('h3', {}, 'Metrics'),
    metricsTable(run),
    h('h3', {}, 'Regime checks'),
    regimeList(run),
    run.params ? h('details', { class: 'params' }, h('summary', {}, 'Parameters'), h('pre', {}, JSON.stringify(run.params, null, 2))) : null,
  ];
}

/** Vega specs for a run: the stored ones, else built from its series and the study's figures. */
function runFigureSpecs(run: StoredRun, study: AnyStudy | undefined, detailEl: HTMLElement): { title: string; spec: Record<string, unknown> }[] {
  const specs: { title: string; spec: Record<string, unknown> }[] = [];
  if (run.figureSpecs.length > 0) specs.push(...run.figureSpecs);
  else if (run.series.length > 0 || run.result) {
    const obs = ResultSet.observations(run);
    // the plot area; Vega adds the axes and the legend (~200 px) around it
    const width = Math.max(320, Math.min(820, (detailEl.clientWidth || 760) - 330));
    for (const fig of runFigures(run, study)) specs.push({ title: fig.title, spec: figureSpec(fig, obs as Pick<StudyResult, 'prediction' | 'measurement'>, { width, height: 280 }) as unknown as Record<string, unknown> });
  }
  return specs;
}

/** The runs table: one row per shown run, each with a button that opens its detail. */
function runsTable(shown: readonly StoredRun[], app: App, showRun: (run: StoredRun) => Promise<void>): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'runs' },
      h('thead', {}, h('tr', {}, ...['study', 'verdict', 'metrics passed', 'seed', 'profile', 'duration', 'started', 'code version', ''].map((c) => h('th', { scope: 'col' }, c)))),
      h(
        'tbody',
        {},
        ...shown.map((r) => {
          const open = h('button', { type: 'button', 'data-run': r.runId }, 'Show');
          open.addEventListener('click', () => void showRun(r));
          const passed = r.metrics.filter((m) => m.pass).length;
          return h(
            'tr',
            { 'data-run-row': r.runId, 'data-study': r.studyId ?? '' },
            h('td', {}, r.title ?? app.studies.find((s) => s.id === r.studyId)?.title ?? '', h('div', { class: 'desc' }, h('code', {}, r.studyId ?? '?'), ` · ${r.runId}`)),
            h('td', {}, r.verdict ? badge(r.verdict) : h('span', { class: 'muted' }, '–')),
            h('td', { class: 'num' }, r.metrics.length ? `${passed}/${r.metrics.length}` : '–'),
            h('td', { class: 'num' }, r.seed !== undefined ? String(r.seed) : ''),
            h('td', {}, r.profile ?? ''),
            h('td', { class: 'num' }, formatMs(r.durationMs)),
            h('td', {}, r.startedAt ?? ''),
            h('td', {}, r.codeVersion ? h('code', {}, r.codeVersion) : ''),
            h('td', {}, open),
          );
        }),
      ),
    ),
  );
}

/** Refill the study and verdict filters, keeping the current choices where they still apply. */
function refillFilters(filterStudy: HTMLSelectElement, filterVerdict: HTMLSelectElement, runs: readonly StoredRun[]): void {
  const studies = [...new Set(runs.map((r) => r.studyId ?? '?'))].sort();
  const keepS = filterStudy.value;
  const keepV = filterVerdict.value;
  clear(filterStudy);
  filterStudy.append(h('option', { value: '' }, 'all'), ...studies.map((s) => h('option', { value: s }, s)));
  filterStudy.value = studies.includes(keepS) ? keepS : '';
  clear(filterVerdict);
  filterVerdict.append(h('option', { value: '' }, 'all'), ...['holds', 'falsified', 'out-of-regime', 'error'].map((v) => h('option', { value: v }, v)));
  filterVerdict.value = keepV;
}

export function renderResults(main: HTMLElement, app: App): () => void {
  const handles: VegaHandle[] = [];
  const fileInput = h('input', { type: 'file', id: 'results-file', multiple: true, accept: '.parquet,.json,.jsonl,.html,.htm' });
  const drop = dropZone(fileInput);
  const filesEl = h('div', { id: 'loaded-files' });
  const filterStudy = h('select', { id: 'filter-study', 'aria-label': 'Filter by study' });
  const filterVerdict = h('select', { id: 'filter-verdict', 'aria-label': 'Filter by verdict' });
  const runsEl = h('div', { id: 'runs' });
  const detailEl = h('section', { id: 'run-detail', 'aria-live': 'polite' });
  main.append(
    h('section', { class: 'intro' }, h('h1', {}, 'Stored results'), h('p', { class: 'lede' }, 'Browse runs made with the command line — verdicts, metrics, regime checks and curves — without re-running them. Open a run live to re-run it with the same seed and parameters.')),
    drop,
    filesEl,
    h('div', { class: 'filters' }, h('label', {}, 'Study ', filterStudy), h('label', {}, 'Verdict ', filterVerdict)),
    runsEl,
    detailEl,
  );

  const finalizeFigures = () => {
    for (const v of handles.splice(0)) v.finalize();
  };

  const showRun = async (run: StoredRun) => {
    finalizeFigures();
    clear(detailEl);
    const study = run.studyId ? app.studies.find((s) => s.id === run.studyId) : undefined;
    append(detailEl, runDetail(run, study, app));
    const figs = h('div', { class: 'figures' });
    detailEl.append(h('h3', {}, 'Figures'), figs);
    (detailEl.querySelector('#run-detail-h') as HTMLElement | null)?.focus();
    const specs = runFigureSpecs(run, study, detailEl);
    if (specs.length === 0) {
      figs.append(h('p', { class: 'muted' }, 'No curves loaded for this run (load the series table, a JSON result or a report).'));
      return;
    }
    for (const { title: t, spec } of specs) {
      const el = h('div', { class: 'vega-target', role: 'img', 'aria-label': t });
      figs.append(h('figure', { class: 'fig' }, el));
      try {
        handles.push(await renderVega(el, spec));
      } catch (e) {
        el.textContent = `figure failed: ${(e as Error).message}`;
      }
    }
  };

  const renderList = () => {
    const runs = session.list();
    clear(filesEl);
    if (session.files.length > 0) {
      filesEl.append(
        h('p', { class: 'hint' }, 'Loaded: ', ...session.files.map((f, i) => [i > 0 ? '; ' : '', h('code', {}, f.name), ` (${f.kind}, ${f.rows} ${f.rows === 1 ? 'row' : 'rows'})`]), ' ', h('button', { type: 'button', class: 'link', id: 'clear-results', onclick: () => clearAll() }, 'Clear')),
      );
    }
    refillFilters(filterStudy, filterVerdict, runs);
    const shown = runs.filter((r) => (!filterStudy.value || (r.studyId ?? '?') === filterStudy.value) && (!filterVerdict.value || r.verdict === filterVerdict.value));
    clear(runsEl);
    if (runs.length === 0) {
      runsEl.append(h('p', { class: 'muted' }, 'No results loaded yet.'));
      return;
    }
    runsEl.append(h('p', { class: 'hint', id: 'runs-count' }, `${shown.length} of ${runs.length} runs`), runsTable(shown, app, showRun));
  };

  const clearAll = () => {
    session.runs.clear();
    session.files.splice(0);
    finalizeFigures();
    clear(detailEl);
    renderList();
  };

  const load = async (files: FileList | File[]) => {
    const errors: string[] = [];
    const parser = new DOMParser();
    for (const f of Array.from(files)) {
      try {
        await addFile(session, f.name, await f.arrayBuffer(), (html) => parser.parseFromString(html, 'text/html'));
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    if (errors.length) app.notify(errors, 'error');
    renderList();
  };

  fileInput.addEventListener('change', () => {
    if (fileInput.files) void load(fileInput.files);
  });
  filterStudy.addEventListener('change', renderList);
  filterVerdict.addEventListener('change', renderList);
  drop.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    if (ev.dataTransfer?.files) void load(ev.dataTransfer.files);
  });
  renderList();
  return finalizeFigures;
}

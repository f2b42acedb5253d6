/**
 * A study's page: claim, typeset formula, parameters as controls (bounds from the zod schema), Run /
 * Pause / Reset, live curves with the theory drawn over them, metrics against their tolerances and the
 * verdict, provenance, and a shareable link that reproduces the run bit for bit.
 */
import { figureSpec } from '../../../src/report/vegaSpec.ts';
import { ParamError, type Profile, resolveParams } from '../../../src/studies/execute.ts';
import type { AnyStudy, Figure, MetricResult, Observations, RegimeCheck, Series, StudyResult, Verdict } from '../../../src/studies/types.ts';
import { evaluateMetric, fmt, judge } from '../../../src/studies/verdict.ts';
import { openProblemsOf, PILLAR_INFO } from '../content.ts';
import { append, badge, clear, copyText, h } from '../dom.ts';
import { renderFormula } from '../formula.ts';
import { LiveFigure } from '../liveChart.ts';
import type { App } from '../main.ts';
import type { LivePoint } from '../protocol.ts';
import { StudyRunner } from '../runner.ts';
import { type FieldSpec, fieldHint, fieldText, parseFieldText, studyFields } from '../schemaFields.ts';
import { MAX_SEED, minimalOverrides, type StudyState, studyHash } from '../state.ts';
import { type VegaHandle, renderVega } from '../vegaFigure.ts';

interface FieldWidget {
  spec: FieldSpec;
  input: HTMLInputElement | HTMLSelectElement;
  hint: HTMLElement;
  error: HTMLElement;
}

interface FormState {
  ok: boolean;
  profile: Profile;
  seed: number;
  overrides: Record<string, unknown>;
  params: Record<string, unknown>;
  errors: Map<string, string>;
}

interface FigureSlot {
  fig: Figure;
  root: HTMLElement;
  plot: HTMLElement;
  live?: LiveFigure;
  vega?: VegaHandle;
}

const PROVISIONAL_EVERY_MS = 600;

function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** `lmech run <id> [--quick] [--seed n] [--param k=v ...]`: the same run from the command line. */
export function cliCommand(study: AnyStudy, profile: Profile, seed: number, overrides: Record<string, unknown>): string {
  const quote = (s: string) => (/^[\w.,:=+\-[\]]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const parts = ['lmech run', study.id];
  if (profile === 'quick') parts.push('--quick');
  if (seed !== 0) parts.push(`--seed ${seed}`);
  for (const [k, v] of Object.entries(overrides)) parts.push(`--param ${quote(`${k}=${JSON.stringify(v)}`)}`);
  return parts.join(' ');
}

export function renderStudy(main: HTMLElement, app: App, study: AnyStudy, route: StudyState): () => void {
  const fields = studyFields(study);
  let runner: StudyRunner | undefined;
  let slots: FigureSlot[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  let disposed = false;
  /** The parameters of the run on screen (to mark it stale when the form changes). */
  let shownRunKey: string | undefined;

  // ------------------------------------------------------------ header, claim, formula
  const info = PILLAR_INFO[study.pillar];
  const formulaEl = h('div', { class: 'formula', 'aria-label': 'formula' });
  const ods = openProblemsOf(study.id);
  main.append(
    h(
      'header',
      { class: 'study-head' },
      h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Studies'), ' › ', info.title),
      h('h1', {}, study.title),
      h(
        'p',
        { class: 'meta' },
        h('span', { class: 'chip', title: 'catalog number' }, `#${study.catalog}`),
        h('span', { class: 'chip' }, study.pillar),
        study.core ? h('span', { class: 'chip core' }, 'core') : null,
        h('code', {}, study.id),
        ...ods.map((o) => h('a', { class: 'chip od', href: `#/problems?od=${o.id}`, title: o.question }, o.id)),
      ),
    ),
    h(
      'section',
      { class: 'claim-box', 'aria-label': 'claim' },
      h('p', { class: 'claim' }, study.claim),
      study.formula ? formulaEl : null,
      h(
        'div',
        { class: 'more' },
        study.formula ? h('details', { class: 'tex' }, h('summary', {}, 'TeX source'), h('code', {}, study.formula)) : null,
        study.papers.length > 0 ? h('details', { class: 'papers' }, h('summary', {}, `Papers (${study.papers.length})`), h('ul', {}, ...study.papers.map((p) => h('li', {}, p)))) : null,
      ),
    ),
  );
  if (study.formula) void renderFormula(formulaEl, study.formula);

  // ------------------------------------------------------------ controls
  const profileSel = h('select', { id: 'f-profile', name: 'profile', 'aria-describedby': 'h-profile' }, h('option', { value: 'quick' }, 'quick (CI-sized, seconds)'), h('option', { value: 'default' }, 'default (full size, up to minutes)'));
  profileSel.value = route.profile;
  const seedInput = h('input', { id: 'f-seed', name: 'seed', type: 'number', min: 0, max: MAX_SEED, step: 1, inputmode: 'numeric', value: String(route.seed), 'aria-describedby': 'h-seed e-seed' });
  const seedError = h('small', { id: 'e-seed', class: 'err' });
  const widgets: FieldWidget[] = fields.map((f) => {
    const id = `f-${f.name}`;
    let input: HTMLInputElement | HTMLSelectElement;
    if (f.kind === 'enum') input = h('select', { id, name: f.name }, ...(f.options ?? []).map((o) => h('option', { value: o }, o)));
    else if (f.kind === 'boolean') input = h('input', { id, name: f.name, type: 'checkbox' });
    else if (f.kind === 'integer' || f.kind === 'number')
      input = h('input', { id, name: f.name, type: 'number', step: f.kind === 'integer' ? 1 : 'any', min: f.min, max: f.max, inputmode: f.kind === 'integer' ? 'numeric' : 'decimal' });
    else input = h('input', { id, name: f.name, type: 'text', spellcheck: 'false', autocomplete: 'off', class: f.kind === 'json' ? 'mono' : undefined });
    input.setAttribute('aria-describedby', `h-${f.name} e-${f.name}`);
    return { spec: f, input, hint: h('small', { id: `h-${f.name}`, class: 'hint' }), error: h('small', { id: `e-${f.name}`, class: 'err' }) };
  });

  const setWidgetValues = (profile: Profile, overrides: Record<string, unknown>) => {
    let values: Record<string, unknown>;
    try {
      values = resolveParams(study, profile, overrides);
    } catch {
      values = resolveParams(study, profile);
    }
    const base = resolveParams(study, profile);
    for (const w of widgets) {
      const v = values[w.spec.name];
      if (w.input instanceof HTMLInputElement && w.input.type === 'checkbox') w.input.checked = v === true;
      else w.input.value = fieldText(w.spec, v);
      w.hint.textContent = fieldHint(w.spec, base[w.spec.name]);
    }
  };
  setWidgetValues(route.profile, route.overrides);

  const runBtn = h('button', { type: 'submit', class: 'primary', id: 'run' }, 'Run');
  const pauseBtn = h('button', { type: 'button', id: 'pause', disabled: true }, 'Pause');
  const resetBtn = h('button', { type: 'button', id: 'reset', disabled: true }, 'Reset');
  const defaultsBtn = h('button', { type: 'button', class: 'link', id: 'defaults' }, 'Restore the profile’s defaults');
  const shareInput = h('input', { type: 'text', readonly: true, id: 'share-url', class: 'mono', 'aria-label': 'Link to this run' });
  const copyBtn = h('button', { type: 'button', id: 'copy-link' }, 'Copy link');
  const copyNote = h('small', { class: 'hint', role: 'status' });
  const paramFieldset = h(
    'fieldset',
    { class: 'params' },
    h('legend', {}, 'Parameters'),
    ...widgets.map((w) =>
      h(
        'div',
        { class: `field kind-${w.spec.kind}` },
        w.spec.kind === 'boolean' ? h('label', { for: w.input.id }, w.input, ' ', w.spec.name) : [h('label', { for: w.input.id }, w.spec.name), w.input],
        w.hint,
        w.spec.description ? h('small', { class: 'hint' }, w.spec.description) : null,
        w.error,
      ),
    ),
    defaultsBtn,
  );
  const runFieldset = h(
    'fieldset',
    { class: 'run-settings' },
    h('legend', {}, 'Run'),
    h('div', { class: 'field' }, h('label', { for: 'f-profile' }, 'profile'), profileSel, h('small', { id: 'h-profile', class: 'hint' }, 'quick overrides some parameters to run in seconds')),
    h('div', { class: 'field' }, h('label', { for: 'f-seed' }, 'seed'), seedInput, h('small', { id: 'h-seed', class: 'hint' }, `integer [0, ${MAX_SEED}] · same seed, same run`), seedError),
  );
  const form = h(
    'form',
    { class: 'controls', 'aria-label': 'Run settings and parameters', novalidate: true },
    runFieldset,
    paramFieldset,
    h('div', { class: 'buttons' }, runBtn, pauseBtn, resetBtn),
    h('div', { class: 'share' }, h('label', { for: 'share-url' }, 'Shareable link: re-runs with the same seed and parameters'), h('div', { class: 'share-row' }, shareInput, copyBtn), copyNote),
  );

  // ------------------------------------------------------------ run area
  const verdictBox = h('div', { class: 'verdict', id: 'verdict', 'data-verdict': 'idle', 'aria-live': 'polite' });
  const progressBar = h('div', { class: 'bar' });
  const progress = h('div', { class: 'progress', role: 'progressbar', 'aria-label': 'run progress', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0 }, progressBar);
  const statusText = h('p', { class: 'status-text', id: 'status-text' });
  const figuresEl = h('div', { class: 'figures', id: 'figures' });
  const metricsEl = h('section', { class: 'metrics-box', id: 'metrics', 'aria-labelledby': 'metrics-h' });
  const regimeEl = h('section', { class: 'regime-box', id: 'regime', 'aria-labelledby': 'regime-h' });
  const detailsEl = h('section', { class: 'details-box', id: 'details' });
  const runArea = h('section', { class: 'run-area', 'aria-label': 'Run' }, h('div', { class: 'status' }, verdictBox, progress, statusText), figuresEl, metricsEl, regimeEl, detailsEl);
  main.append(h('div', { class: 'study-layout' }, form, runArea));

  // ------------------------------------------------------------ form state
  /** The profile the fields currently show (the select's value changes before its change handler runs). */
  let shownProfile: Profile = route.profile;

  const readForm = (profile: Profile = profileSel.value === 'default' ? 'default' : 'quick'): FormState => {
    const errors = new Map<string, string>();
    const seedText = seedInput.value.trim();
    let seed = 0;
    if (/^\d{1,10}$/.test(seedText) && Number(seedText) <= MAX_SEED) seed = Number(seedText);
    else errors.set('seed', `seed: ${JSON.stringify(seedInput.value)} is not an integer in [0, ${MAX_SEED}]`);
    const values: Record<string, unknown> = {};
    for (const w of widgets) {
      if (w.input instanceof HTMLInputElement && w.input.type === 'checkbox') {
        values[w.spec.name] = w.input.checked;
        continue;
      }
      const parsed = parseFieldText(w.spec, w.input.value);
      if (!parsed.ok) {
        errors.set(w.spec.name, parsed.error + (w.input.value === '' && (w.spec.kind === 'number' || w.spec.kind === 'integer') ? ' (empty or not a number)' : ''));
        continue;
      }
      values[w.spec.name] = parsed.value;
      // each field against the schema on its own, so every bad field is marked at once
      try {
        resolveParams(study, profile, { [w.spec.name]: parsed.value });
      } catch (e) {
        errors.set(w.spec.name, e instanceof ParamError ? e.issues.join('; ') : (e as Error).message);
      }
    }
    let params: Record<string, unknown> = {};
    let overrides: Record<string, unknown> = {};
    if (![...errors.keys()].some((k) => k !== 'seed')) {
      overrides = minimalOverrides(study, profile, values);
      try {
        params = resolveParams(study, profile, overrides);
      } catch (e) {
        const issues = e instanceof ParamError ? e.issues : [(e as Error).message];
        for (const issue of issues) {
          const field = issue.split(/[.:]/)[0];
          const key = fields.some((f) => f.name === field) ? field : (fields[0]?.name ?? 'params');
          errors.set(key, errors.has(key) ? `${errors.get(key)}; ${issue}` : issue);
        }
      }
    }
    return { ok: errors.size === 0, profile, seed, overrides, params, errors };
  };

  const runKey = (s: FormState) => JSON.stringify([s.profile, s.seed, s.params]);

  const shareUrl = (s: FormState, extra: { fig?: string } = {}) => {
    const hash = studyHash(study, { seed: s.seed, profile: s.profile, overrides: s.overrides, autorun: true, version: app.codeVersion, ...extra });
    return `${location.origin}${location.pathname}${hash}`;
  };

  const onFormChange = () => {
    const s = readForm();
    for (const w of widgets) {
      const err = s.errors.get(w.spec.name) ?? '';
      w.error.textContent = err;
      if (err) w.input.setAttribute('aria-invalid', 'true');
      else w.input.removeAttribute('aria-invalid');
    }
    const seedErr = s.errors.get('seed') ?? '';
    seedError.textContent = seedErr;
    if (seedErr) seedInput.setAttribute('aria-invalid', 'true');
    else seedInput.removeAttribute('aria-invalid');
    runBtn.disabled = !s.ok || (runner !== undefined && (runner.state === 'running' || runner.state === 'pausing' || runner.state === 'paused'));
    if (s.ok) {
      app.replaceHash(studyHash(study, { seed: s.seed, profile: s.profile, overrides: s.overrides, autorun: false }));
      shareInput.value = shareUrl(s);
      runArea.classList.toggle('stale', shownRunKey !== undefined && shownRunKey !== runKey(s));
    }
    return s;
  };
  profileSel.addEventListener('change', () => {
    // keep what the user set explicitly; the rest follows the new profile
    const before = readForm(shownProfile);
    const kept = before.ok ? before.overrides : {};
    shownProfile = profileSel.value === 'default' ? 'default' : 'quick';
    setWidgetValues(shownProfile, kept);
    onFormChange();
  });
  form.addEventListener('input', (ev) => {
    if (ev.target !== profileSel) onFormChange();
  });
  defaultsBtn.addEventListener('click', () => {
    setWidgetValues(shownProfile, {});
    onFormChange();
  });
  copyBtn.addEventListener('click', async () => {
    const ok = await copyText(shareInput.value);
    copyNote.textContent = ok ? 'Link copied.' : 'Copy the link from the field above (the browser did not allow the clipboard).';
    if (!ok) shareInput.select();
  });
  shareInput.addEventListener('focus', () => shareInput.select());

  // ------------------------------------------------------------ rendering of a run
  const setVerdict = (state: Verdict | 'idle' | 'running' | 'paused' | 'stopped', extra?: string) => {
    clear(verdictBox);
    verdictBox.setAttribute('data-verdict', state);
    const label = { idle: 'not run yet', running: 'running', paused: 'paused', stopped: 'stopped' } as Record<string, string>;
    append(verdictBox, [h('span', { class: 'verdict-label' }, 'Verdict'), badge(state, label[state]), extra ? h('span', { class: 'verdict-extra' }, extra) : null]);
  };
  const setProgress = (fraction: number, text: string) => {
    const pct = Math.max(0, Math.min(100, fraction * 100));
    progressBar.style.width = `${pct}%`;
    progress.setAttribute('aria-valuenow', pct.toFixed(0));
    statusText.textContent = text;
  };

  const metricsTable = (metrics: MetricResult[], provisional: boolean) =>
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: `metrics${provisional ? ' provisional' : ''}`, 'data-provisional': provisional ? '1' : '0' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'metric'), h('th', { scope: 'col' }, 'value'), h('th', { scope: 'col' }, 'criterion'), h('th', { scope: 'col' }, 'pass'), h('th', { scope: 'col' }, 'why this tolerance'))),
        h(
          'tbody',
          {},
          ...metrics.map((m) =>
            h(
              'tr',
              { class: m.pass ? 'pass' : 'fail', 'data-metric': m.name, 'data-value': String(m.value), 'data-pass': m.pass ? '1' : '0' },
              h('td', {}, m.name, m.description ? h('div', { class: 'desc' }, m.description) : null),
              h('td', { class: 'num', title: String(m.value) }, fmt(m.value)),
              h('td', { class: 'num' }, m.criterionText),
              h('td', { class: 'mark', 'aria-label': m.pass ? 'passes' : 'fails' }, m.pass ? '✓' : '✗'),
              h('td', { class: 'reason' }, m.reason),
            ),
          ),
        ),
      ),
    );

  const regimeList = (regime: RegimeCheck[]) =>
    regime.length === 0
      ? h('p', { class: 'muted' }, 'No regime checks.')
      : h('ul', { class: 'regime' }, ...regime.map((g) => h('li', { class: g.ok ? 'pass' : 'fail', 'data-regime': g.name }, h('span', { class: 'mark', 'aria-label': g.ok ? 'inside' : 'outside' }, g.ok ? '✓' : '✗'), ' ', h('strong', {}, g.name), ' ', h('span', { class: 'detail' }, g.detail))));

  const idleArea = () => {
    clear(metricsEl);
    clear(regimeEl);
    clear(detailsEl);
    metricsEl.append(h('h2', { id: 'metrics-h' }, 'Metrics'), h('p', { class: 'muted' }, 'Press Run: the metrics, each against its declared tolerance, appear here as the run proceeds.'));
    regimeEl.append(h('h2', { id: 'regime-h' }, 'Regime checks'), h('p', { class: 'muted' }, 'Is the run inside the theory’s assumptions? A failed check makes the verdict “out of regime”: no claim is tested.'));
  };

  const destroyFigures = () => {
    for (const s of slots) {
      s.live?.destroy();
      s.vega?.finalize();
    }
    slots = [];
    clear(figuresEl);
  };

  const makeFigures = (params: Record<string, unknown>, s: FormState): FigureSlot[] => {
    let figs: Figure[] = [];
    try {
      figs = study.figures(params);
    } catch (e) {
      app.notify([`${study.id}: figures(params) failed: ${(e as Error).message}`], 'error');
    }
    return figs.map((fig) => {
      const plot = h('div', { class: 'plot', role: 'img', 'aria-label': `${fig.title} (live)` });
      const linkBtn = h('button', { type: 'button', class: 'link fig-link', title: 'Copy a link that re-runs this study and shows this figure' }, 'Copy link to this figure');
      const note = h('small', { class: 'hint', role: 'status' });
      linkBtn.addEventListener('click', async () => {
        const url = shareUrl(s, { fig: fig.id });
        note.textContent = (await copyText(url)) ? 'Link copied.' : url;
      });
      const root = h('figure', { class: 'fig', id: `fig-${fig.id}`, 'data-figure': fig.id }, h('h3', {}, fig.title), plot, h('figcaption', {}, fig.caption ?? '', ' ', linkBtn, ' ', note));
      figuresEl.append(root);
      const slot: FigureSlot = { fig, root, plot };
      try {
        slot.live = new LiveFigure(plot, fig);
      } catch (e) {
        plot.textContent = `live chart unavailable: ${(e as Error).message}`;
      }
      return slot;
    });
  };

  const showDetails = (result: StudyResult, ms: number, s: FormState) => {
    clear(detailsEl);
    const p = result.provenance;
    const scalarRows = (title: string, scalars: Record<string, number>) =>
      Object.keys(scalars).length === 0
        ? null
        : h('table', { class: 'kv' }, h('caption', {}, title), h('tbody', {}, ...Object.entries(scalars).map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'num', title: String(v) }, fmt(v))))));
    const notes = [...(result.prediction.notes ?? []), ...(result.measurement.notes ?? [])];
    append(detailsEl, [
      notes.length > 0 ? h('section', {}, h('h2', {}, 'Notes'), h('ul', {}, ...notes.map((n) => h('li', {}, n)))) : null,
      h('h2', {}, 'Provenance'),
      h(
        'dl',
        { class: 'prov' },
        h('dt', {}, 'seed'),
        h('dd', {}, String(p.seed)),
        h('dt', {}, 'profile'),
        h('dd', {}, p.profile),
        h('dt', {}, 'config hash'),
        h('dd', {}, h('code', { id: 'config-hash' }, p.configHash)),
        h('dt', {}, 'code version'),
        h('dd', {}, h('code', {}, p.codeVersion)),
        h('dt', {}, 'duration'),
        h('dd', { id: 'run-duration', 'data-ms': String(Math.round(ms)) }, `${formatSeconds(ms)} in this browser (Web Worker)`),
        h('dt', {}, 'started'),
        h('dd', {}, p.startedAt),
        h('dt', {}, 'same run, command line'),
        h('dd', {}, h('code', { class: 'cli' }, cliCommand(study, s.profile, s.seed, s.overrides))),
      ),
      h('details', { class: 'params' }, h('summary', {}, 'Resolved parameters'), h('pre', {}, JSON.stringify(p.params, null, 2))),
      Object.keys(result.prediction.scalars).length + Object.keys(result.measurement.scalars).length > 0
        ? h('details', { class: 'scalars' }, h('summary', {}, 'Scalars'), h('div', { class: 'kvs' }, scalarRows('predicted', result.prediction.scalars), scalarRows('measured', result.measurement.scalars)))
        : null,
    ]);
  };

  const drawFinalFigures = async (result: StudyResult) => {
    for (const slot of slots) {
      if (disposed) return;
      // the plot area; Vega adds the axes (~70 px) and the legend (up to ~240 px) around it
      const width = Math.max(300, Math.min(820, (slot.root.clientWidth || 700) - 330));
      const target = h('div', { class: 'vega-target', role: 'img', 'aria-label': slot.fig.title });
      try {
        const spec = figureSpec(slot.fig, result, { width, height: 280 });
        slot.plot.after(target);
        slot.vega = await renderVega(target, spec);
        if (disposed) return;
        slot.live?.destroy();
        slot.live = undefined;
        slot.plot.remove();
        slot.root.classList.add('final');
      } catch (e) {
        target.remove();
        slot.root.append(h('p', { class: 'err' }, `final figure failed (${(e as Error).message}); the live chart is shown instead`));
      }
    }
  };

  const stopTimer = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };

  const setRunning = (running: boolean) => {
    runFieldset.disabled = running;
    paramFieldset.disabled = running;
    runBtn.disabled = running || !readForm().ok;
    pauseBtn.disabled = !running;
    resetBtn.disabled = false;
  };

  const startRun = () => {
    const s = onFormChange();
    if (!s.ok) {
      const first = widgets.find((w) => s.errors.has(w.spec.name))?.input ?? (s.errors.has('seed') ? seedInput : undefined);
      first?.focus();
      return;
    }
    runner?.stop();
    destroyFigures();
    idleArea();
    shownRunKey = runKey(s);
    runArea.classList.remove('stale');
    slots = makeFigures(s.params, s);
    setVerdict('running');
    setProgress(0, 'starting…');
    setRunning(true);
    pauseBtn.textContent = 'Pause';
    const t0 = performance.now();
    let pausedAt = 0;
    let pausedTotal = 0;
    let fraction = 0;
    let message = '';
    let replaying = 0;
    const elapsed = () => performance.now() - t0 - pausedTotal - (pausedAt ? performance.now() - pausedAt : 0);
    const status = () => `${(fraction * 100).toFixed(0)}%${message ? ` · ${message}` : ''} · ${formatSeconds(elapsed())}${replaying > 0 ? ` · replaying ${replaying} points already shown (same seed)` : ''}`;
    timer = setInterval(() => {
      if (!pausedAt) setProgress(fraction, status());
    }, 200);

    let prediction: Observations | undefined;
    /** Curve points received from the worker (after replay skipping): one per `ctx.emit` of the run. */
    let livePoints = 0;
    runArea.setAttribute('data-live-points', '0');
    const partial = new Map<string, Series>();
    let provisionalAt = 0;
    let provisionalOff = false;
    const provisional = () => {
      if (provisionalOff || !prediction || partial.size === 0) return;
      const now = performance.now();
      if (now - provisionalAt < PROVISIONAL_EVERY_MS) return;
      provisionalAt = now;
      const points = [...partial.values()].reduce((a, x) => a + x.x.length, 0);
      try {
        const cmp = study.compare(prediction, { scalars: {}, series: [...partial.values()] }, s.params);
        const metrics = cmp.metrics.map(evaluateMetric);
        if (performance.now() - now > 100) provisionalOff = true; // too slow to repeat on the main thread
        if (metrics.length === 0 || metrics.some((m) => !Number.isFinite(m.value))) return;
        const v = judge(metrics, cmp.regime);
        setVerdict('running', `provisional: ${v.replace(/-/g, ' ')}`);
        clear(metricsEl);
        metricsEl.append(h('h2', { id: 'metrics-h' }, 'Metrics ', h('span', { class: 'chip' }, 'provisional')), h('p', { class: 'muted' }, `From the ${points} points streamed so far; the verdict is computed from the full run when it ends.`), metricsTable(metrics, true));
        clear(regimeEl);
        regimeEl.append(h('h2', { id: 'regime-h' }, 'Regime checks ', h('span', { class: 'chip' }, 'provisional')), regimeList(cmp.regime));
      } catch {
        // the comparison needs the finished run (scalars, derived series): wait for it
      }
    };

    runner = new StudyRunner(
      { studyId: study.id, profile: s.profile, params: s.overrides, seed: s.seed, codeVersion: app.codeVersion },
      {
        prediction(p) {
          prediction = p;
          for (const slot of slots) {
            slot.live?.setObservations(p);
            slot.live?.setEmptyText('This study does not stream this curve while it trains: it is drawn when the run ends.');
          }
        },
        progress(f, m) {
          fraction = f;
          message = m ?? '';
          setProgress(fraction, status());
        },
        points(pts: LivePoint[]) {
          livePoints += pts.length;
          runArea.setAttribute('data-live-points', String(livePoints));
          for (const slot of slots) slot.live?.addPoints(pts);
          for (const p of pts) {
            const key = `${p.name}\u0000${p.group}`;
            let ser = partial.get(key);
            if (!ser) {
              ser = { name: p.name, group: p.group, kind: 'measured', x: [], y: [] };
              partial.set(key, ser);
            }
            ser.x.push(p.x);
            ser.y.push(p.y);
          }
          provisional();
        },
        paused() {
          pausedAt = performance.now();
          setVerdict('paused');
          pauseBtn.textContent = 'Resume';
          pauseBtn.disabled = false;
          statusText.textContent = `${status()} · paused${runner?.mode === 'replay' ? ' (Resume recomputes from the seed up to here: this page is not cross-origin isolated)' : ''}`;
        },
        resumed(n) {
          if (pausedAt) pausedTotal += performance.now() - pausedAt;
          pausedAt = 0;
          replaying = n;
          pauseBtn.textContent = 'Pause';
          if (verdictBox.getAttribute('data-verdict') === 'paused') setVerdict('running');
        },
        done(result, ms) {
          stopTimer();
          setRunning(false);
          pauseBtn.disabled = true;
          pauseBtn.textContent = 'Pause';
          fraction = 1;
          setProgress(1, `finished in ${formatSeconds(ms)}`);
          runArea.setAttribute('data-run-ms', String(Math.round(ms)));
          setVerdict(result.verdict, result.verdict === 'error' ? (result.error ?? '') : `${result.metrics.filter((m) => m.pass).length}/${result.metrics.length} metrics pass`);
          clear(metricsEl);
          metricsEl.append(h('h2', { id: 'metrics-h' }, 'Metrics'), result.metrics.length > 0 ? metricsTable(result.metrics, false) : h('p', { class: 'muted' }, 'No metrics.'));
          if (result.error) metricsEl.append(h('div', { class: 'error-box' }, h('strong', {}, 'Error'), h('pre', {}, result.error)));
          clear(regimeEl);
          regimeEl.append(h('h2', { id: 'regime-h' }, 'Regime checks'), regimeList(result.regime));
          showDetails(result, ms, s);
          // measured series made in measure() (and predictions computed from the init) complete the live charts at once
          for (const slot of slots) {
            slot.live?.setObservations(result.measurement);
            slot.live?.setObservations(result.prediction);
          }
          void drawFinalFigures(result).then(() => {
            runArea.setAttribute('data-figures', 'final');
            if (route.fig) document.getElementById(`fig-${route.fig}`)?.scrollIntoView({ block: 'start' });
          });
        },
        fatal(msg) {
          stopTimer();
          setRunning(false);
          pauseBtn.disabled = true;
          setVerdict('error', msg);
          app.notify([`${study.id}: ${msg}`], 'error');
        },
      },
    );
    if (route.fig && !slots.some((x) => x.fig.id === route.fig)) app.notify([`URL: fig=${JSON.stringify(route.fig)} is not a figure of this run; figures: ${slots.map((x) => x.fig.id).join(', ')}`]);
  };

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    startRun();
  });
  pauseBtn.addEventListener('click', () => {
    if (!runner) return;
    if (runner.state === 'running') {
      pauseBtn.disabled = true; // enabled again when the worker has stopped
      statusText.textContent = 'pausing…';
      runner.pause();
    } else if (runner.state === 'paused' || runner.state === 'pausing') {
      runner.resume();
    }
  });
  resetBtn.addEventListener('click', () => {
    runner?.stop();
    runner = undefined;
    stopTimer();
    destroyFigures();
    idleArea();
    shownRunKey = undefined;
    runArea.classList.remove('stale');
    runArea.removeAttribute('data-run-ms');
    runArea.removeAttribute('data-figures');
    setVerdict('idle');
    setProgress(0, 'Press Run to train; the theory is drawn first, the measurement over it.');
    setRunning(false);
    pauseBtn.disabled = true;
    resetBtn.disabled = true;
    pauseBtn.textContent = 'Pause';
  });

  // ------------------------------------------------------------ initial state
  setVerdict('idle');
  setProgress(0, 'Press Run to train; the theory is drawn first, the measurement over it.');
  idleArea();
  onFormChange();
  if (route.version && route.version !== app.codeVersion) {
    app.notify([`This link was made with code version ${route.version}; this lab runs ${app.codeVersion}. A run reproduces bit for bit only with the same code, so the numbers may differ.`], 'info');
  }
  if (route.autorun) requestAnimationFrame(() => startRun());

  return () => {
    disposed = true;
    runner?.stop();
    stopTimer();
    destroyFigures();
  };
}

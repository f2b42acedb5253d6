/**
 * A study's page: claim, typeset formula, parameters as controls (bounds from the zod schema), Run /
 * Pause / Reset, live curves with the theory drawn over them, metrics against their tolerances and the
 * verdict, provenance, and a shareable link that reproduces the run bit for bit.
 *
 * Three parts share one page-state object (./study/pageState.ts): the form (./study/form.ts), the run
 * controller (./study/controller.ts) and the results view (./study/resultsView.ts). A second tab, Map
 * (./study/mapTab.ts), runs the study over a grid of its parameters (a validity map, issue 16).
 */
import type { AnyStudy } from '../../../src/studies/types.ts';
import { openProblemsOf, PILLAR_INFO } from '../content.ts';
import { h } from '../dom.ts';
import { renderFormula } from '../formula.ts';
import type { App } from '../main.ts';
import { type StudyState, studyHash } from '../state.ts';
import { RunController } from './study/controller.ts';
import { StudyForm } from './study/form.ts';
import { MapTab } from './study/mapTab.ts';
import { createPageState, mapHashPart, type StudyPageState } from './study/pageState.ts';
import { ResultsView } from './study/resultsView.ts';

export { cliCommand } from './study/cli.ts';

/** The header (title, pillar, open problems) and the claim box with its formula and papers. */
function studyHeader(study: AnyStudy): HTMLElement[] {
  const info = PILLAR_INFO[study.pillar];
  const formulaEl = h('div', { class: 'formula', 'aria-label': 'formula' });
  const ods = openProblemsOf(study.id);
  const header = h(
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
  );
  const claim = h(
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
  );
  if (study.formula) void renderFormula(formulaEl, study.formula);
  return [header, claim];
}

/** Run | Map: two tabs over the same study; the shown one is in the URL (`tab=map`). */
function tabBar(page: StudyPageState, runPanel: HTMLElement, mapPanel: HTMLElement, writeUrl: () => void): HTMLElement {
  const tabs = (['run', 'map'] as const).map((t) => h('button', { type: 'button', role: 'tab', id: `tab-${t}`, 'aria-controls': t === 'run' ? 'run-panel' : 'map-panel', 'data-tab': t }, t === 'run' ? 'Run' : 'Map'));
  const show = (t: 'run' | 'map') => {
    page.tab = t;
    runPanel.hidden = t !== 'run';
    mapPanel.hidden = t !== 'map';
    for (const b of tabs) {
      const on = b.getAttribute('data-tab') === t;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1; // roving focus: Tab enters the tab list once, arrows move within it (WAI-ARIA tabs)
    }
  };
  const select = (b: HTMLButtonElement) => {
    show(b.getAttribute('data-tab') === 'map' ? 'map' : 'run');
    writeUrl();
  };
  tabs.forEach((b, i) => {
    b.addEventListener('click', () => select(b));
    b.addEventListener('keydown', (ev) => {
      if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
      const next = tabs[(i + 1) % tabs.length];
      next.focus();
      select(next);
    });
  });
  show(page.tab);
  return h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Run one configuration or map a grid of them' }, ...tabs);
}

export function renderStudy(main: HTMLElement, app: App, study: AnyStudy, route: StudyState): () => void {
  const page = createPageState(app, study, route);
  main.append(...studyHeader(study));
  const form = new StudyForm(page);
  const view = new ResultsView(page);
  form.onValid = (s) => view.markStale(s);
  const controller = new RunController(page, form, view);
  const runOverrides = () => {
    const s = form.read();
    return s.ok ? s.overrides : route.overrides;
  };
  // the page's URL: the run form's state when valid (else the one the page opened with), plus the map's
  const writeUrl = () => {
    const s = form.read();
    const run = s.ok ? { seed: s.seed, profile: s.profile, overrides: s.overrides } : { seed: route.seed, profile: route.profile, overrides: route.overrides };
    app.replaceHash(studyHash(study, { ...run, autorun: false, ...mapHashPart(page) }));
  };
  const map = new MapTab(page, runOverrides, writeUrl);
  const runPanel = h('div', { class: 'study-layout', id: 'run-panel', role: 'tabpanel', 'aria-labelledby': 'tab-run' }, form.el, view.el);
  main.append(tabBar(page, runPanel, map.el, writeUrl), runPanel, map.el);

  controller.showIdle();
  form.refresh();
  if (route.version && route.version !== app.codeVersion) {
    app.notify([`This link was made with code version ${route.version}; this lab runs ${app.codeVersion}. A run reproduces bit for bit only with the same code, so the numbers may differ.`], 'info');
  }
  if (route.autorun) requestAnimationFrame(() => controller.start());

  return () => {
    page.disposed = true;
    controller.dispose();
    map.dispose();
    view.destroyFigures();
  };
}

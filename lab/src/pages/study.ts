/**
 * A study's page: claim, typeset formula, parameters as controls (bounds from the zod schema), Run /
 * Pause / Reset, live curves with the theory drawn over them, metrics against their tolerances and the
 * verdict, provenance, and a shareable link that reproduces the run bit for bit.
 *
 * Three parts share one page-state object (./study/pageState.ts): the form (./study/form.ts), the run
 * controller (./study/controller.ts) and the results view (./study/resultsView.ts).
 */
import type { AnyStudy } from '../../../src/studies/types.ts';
import { openProblemsOf, PILLAR_INFO } from '../content.ts';
import { h } from '../dom.ts';
import { renderFormula } from '../formula.ts';
import type { App } from '../main.ts';
import type { StudyState } from '../state.ts';
import { RunController } from './study/controller.ts';
import { StudyForm } from './study/form.ts';
import { createPageState } from './study/pageState.ts';
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

export function renderStudy(main: HTMLElement, app: App, study: AnyStudy, route: StudyState): () => void {
  const page = createPageState(app, study, route);
  main.append(...studyHeader(study));
  const form = new StudyForm(page);
  const view = new ResultsView(page);
  form.onValid = (s) => view.markStale(s);
  const controller = new RunController(page, form, view);
  main.append(h('div', { class: 'study-layout' }, form.el, view.el));

  controller.showIdle();
  form.refresh();
  if (route.version && route.version !== app.codeVersion) {
    app.notify([`This link was made with code version ${route.version}; this lab runs ${app.codeVersion}. A run reproduces bit for bit only with the same code, so the numbers may differ.`], 'info');
  }
  if (route.autorun) requestAnimationFrame(() => controller.start());

  return () => {
    page.disposed = true;
    controller.dispose();
    view.destroyFigures();
  };
}

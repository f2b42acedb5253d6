/** Home: the studies of the registry, organised by the paper's five bodies of evidence plus mechanisms. */
import { PILLARS } from '../../../src/studies/types.ts';
import type { AnyStudy } from '../../../src/studies/types.ts';
import { PILLAR_INFO, openProblemsOf } from '../content.ts';
import { h } from '../dom.ts';
import type { App } from '../main.ts';
import { defaultStudyState, studyHash } from '../state.ts';

function studyCard(s: AnyStudy): HTMLElement {
  const ods = openProblemsOf(s.id);
  return h(
    'li',
    { class: 'card', 'data-study': s.id },
    h(
      'a',
      { href: studyHash(s, defaultStudyState(s.id)), class: 'card-link' },
      h('span', { class: 'card-num', title: 'catalog number' }, `#${s.catalog}`),
      h('span', { class: 'card-title' }, s.title),
    ),
    h('p', { class: 'card-claim' }, s.claim),
    h(
      'p',
      { class: 'card-meta' },
      h('code', {}, s.id),
      s.core ? h('span', { class: 'chip core', title: 'in the core suite (lmech run --core)' }, 'core') : null,
      ...ods.map((o) => h('a', { class: 'chip od', href: `#/problems?od=${o.id}`, title: o.question }, o.id)),
    ),
  );
}

export function renderHome(main: HTMLElement, app: App): () => void {
  const studies = [...app.studies].sort((a, b) => a.catalog - b.catalog);
  const core = studies.filter((s) => s.core).length;
  main.append(
    h(
      'section',
      { class: 'intro' },
      h('h1', {}, 'Learning mechanics, live'),
      h(
        'p',
        { class: 'lede' },
        'Each study states a claim of the emerging theory of deep learning, computes the theory’s prediction from first principles, trains a real network in your browser and compares the two against declared tolerances. The verdict is ',
        h('strong', {}, 'holds'),
        ', ',
        h('strong', {}, 'falsified'),
        ' or ',
        h('strong', {}, 'out of regime'),
        ' (the run left the theory’s assumptions). Training runs in a Web Worker with the same code as ',
        h('code', {}, 'lmech run'),
        '. A link to a run reproduces it bit for bit with its seed in the same browser engine; against the command line it agrees to floating-point rounding (browsers and Node round a few math functions differently in the last bit).',
      ),
      h(
        'p',
        { class: 'legend-note' },
        'In every figure: ',
        h('span', { class: 'solid' }, 'solid'),
        ' = measured in the run, ',
        h('span', { class: 'dashed' }, 'dashed'),
        ' = the theory. ',
        `${studies.length} ${studies.length === 1 ? 'study' : 'studies'} (${core} in the core suite) · code ${app.codeVersion}`,
      ),
      h(
        'nav',
        { class: 'toc', 'aria-label': 'Bodies of evidence' },
        ...PILLARS.map((p) => h('a', { href: `#/`, 'data-pillar-link': p, onclick: (ev: Event) => jump(ev, p) }, PILLAR_INFO[p].title)),
      ),
    ),
  );
  for (const p of PILLARS) {
    const info = PILLAR_INFO[p];
    const mine = studies.filter((s) => s.pillar === p);
    main.append(
      h(
        'section',
        { class: `pillar pillar-${p}`, id: `pillar-${p}`, 'data-pillar': p, 'aria-labelledby': `pillar-${p}-h` },
        h('h2', { id: `pillar-${p}-h` }, info.title, h('span', { class: 'section-ref' }, info.section)),
        h('div', { class: 'pillar-text' }, h('p', {}, h('strong', {}, 'What it claims. '), info.claims), h('p', {}, h('strong', {}, 'Why it matters. '), info.matters)),
        mine.length > 0 ? h('ul', { class: 'cards' }, ...mine.map(studyCard)) : h('p', { class: 'muted' }, 'No study of this body of evidence in this build yet.'),
      ),
    );
  }
  return () => {};
}

/** In-page jump without touching the hash (the hash is the router's). */
function jump(ev: Event, pillar: string): void {
  ev.preventDefault();
  const target = document.getElementById(`pillar-${pillar}`);
  target?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  target?.querySelector('h2')?.setAttribute('tabindex', '-1');
  (target?.querySelector('h2') as HTMLElement | null)?.focus({ preventScroll: true });
}

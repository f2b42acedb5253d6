/** The paper's open directions (OD1–OD10, §5; OD11–12 from the companion site) with the studies that touch them. */
import { OPEN_PROBLEMS } from '../content.ts';
import { h } from '../dom.ts';
import type { App } from '../main.ts';
import { defaultStudyState, studyHash } from '../state.ts';

export function renderProblems(main: HTMLElement, app: App, focus?: string): () => void {
  main.append(
    h(
      'section',
      { class: 'intro' },
      h('h1', {}, 'Open problems'),
      h(
        'p',
        { class: 'lede' },
        'The paper closes with ten open directions “solvable by a theory of the mechanics of learning in the next decade” (§5). Each lists the studies of this lab that test a piece of it; the companion site adds two more (OD11, OD12). A study answers none of them: it checks one prediction that a full answer must reproduce.',
      ),
    ),
  );
  let target: HTMLElement | undefined;
  for (const od of OPEN_PROBLEMS) {
    const present = od.studies.map((id) => app.studies.find((s) => s.id === id)).filter((s) => s !== undefined);
    const planned = od.studies.filter((id) => !app.studies.some((s) => s.id === id));
    const el = h(
      'section',
      { class: `problem${focus === od.id ? ' focus' : ''}`, id: `problem-${od.id}`, 'data-od': od.id, 'aria-labelledby': `problem-${od.id}-h` },
      h('h2', { id: `problem-${od.id}-h`, tabindex: '-1' }, h('span', { class: 'od-id' }, od.id), ' ', od.question, od.source === 'site' ? h('span', { class: 'chip', title: 'from the companion site, not the paper' }, 'companion site') : null),
      h('p', {}, od.summary),
      present.length > 0
        ? h(
            'ul',
            { class: 'od-studies' },
            ...present.map((s) => h('li', {}, h('a', { href: studyHash(s, defaultStudyState(s.id)) }, s.title), ' ', h('code', {}, s.id))),
          )
        : h('p', { class: 'muted' }, 'No study in this build touches it yet.'),
      planned.length > 0 ? h('p', { class: 'muted planned' }, 'Planned in the catalog: ', planned.map((id, i) => [i > 0 ? ', ' : '', h('code', {}, id)])) : null,
    );
    if (focus === od.id) target = el;
    main.append(el);
  }
  if (focus && !target) app.notify([`URL: od=${JSON.stringify(focus)} is not an open problem; expected one of ${OPEN_PROBLEMS.map((o) => o.id).join(', ')}`]);
  if (target) {
    const t = target;
    requestAnimationFrame(() => {
      t.scrollIntoView({ block: 'start' });
      (t.querySelector('h2') as HTMLElement | null)?.focus({ preventScroll: true });
    });
  }
  return () => {};
}

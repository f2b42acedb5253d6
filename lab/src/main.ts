/**
 * The lab's entry: the page shell (header, navigation, message area) and the hash router.
 *
 * The study registry is imported dynamically so that a study that cannot load in a browser gives a
 * visible error instead of a blank page; every page render is guarded the same way.
 */
import './style.css';
import type { AnyStudy } from '../../src/studies/types.ts';
import { clear, h } from './dom.ts';
import { parseHash, type Route } from './state.ts';

export interface App {
  studies: readonly AnyStudy[];
  codeVersion: string;
  /** Show messages (URL problems, load errors) above the page; `kind` sets the colour. */
  notify(messages: string[], kind?: 'warn' | 'error' | 'info'): void;
  /** Replace the hash without re-rendering (the page already shows that state). */
  replaceHash(hash: string): void;
}

type Cleanup = () => void;

const appEl = document.getElementById('app') as HTMLElement;
let cleanup: Cleanup | undefined;
let currentHash = '';

function shell(): { nav: HTMLElement; messages: HTMLElement; main: HTMLElement } {
  clear(appEl);
  const nav = h(
    'nav',
    { class: 'top', 'aria-label': 'Lab' },
    h('a', { class: 'brand', href: '#/' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '∿'), ' Learning Mechanics Lab'),
    h('a', { href: '#/', 'data-nav': 'home' }, 'Studies'),
    h('a', { href: '#/problems', 'data-nav': 'problems' }, 'Open problems'),
    h('a', { href: '#/results', 'data-nav': 'results' }, 'Stored results'),
  );
  const messages = h('div', { id: 'messages', class: 'messages', role: 'alert', 'aria-live': 'assertive' });
  const main = h('main', { id: 'main', tabindex: '-1' });
  appEl.append(h('header', { class: 'site' }, nav), messages, main);
  return { nav, messages, main };
}

function showMessages(box: HTMLElement, messages: string[], kind: 'warn' | 'error' | 'info'): void {
  if (messages.length === 0) return;
  const dismiss = h('button', { type: 'button', class: 'dismiss', 'aria-label': 'Dismiss these messages' }, '×');
  const panel = h(
    'div',
    { class: `message ${kind}`, 'data-kind': kind },
    dismiss,
    h('ul', {}, ...messages.map((m) => h('li', {}, m))),
  );
  dismiss.addEventListener('click', () => panel.remove());
  box.append(panel);
}

function fatal(message: string, detail?: unknown): void {
  const box = document.getElementById('messages') ?? appEl;
  showMessages(box, [message + (detail instanceof Error ? `: ${detail.message}` : detail ? `: ${String(detail)}` : '')], 'error');
}

async function boot(): Promise<void> {
  let studies: readonly AnyStudy[];
  try {
    studies = (await import('../../src/studies/registry.ts')).STUDIES;
  } catch (e) {
    shell();
    fatal('The study registry could not be loaded in this browser', e);
    return;
  }
  const { nav, messages, main } = shell();
  const app: App = {
    studies,
    codeVersion: __LMECH_CODE_VERSION__,
    notify: (m, kind = 'warn') => showMessages(messages, m, kind),
    replaceHash(hash) {
      currentHash = hash;
      history.replaceState(null, '', hash);
    },
  };

  const skip = document.getElementById('skip-link');
  skip?.addEventListener('click', (ev) => {
    ev.preventDefault();
    main.focus();
  });

  const render = async () => {
    if (location.hash === currentHash && cleanup) return;
    currentHash = location.hash;
    cleanup?.();
    cleanup = undefined;
    clear(messages);
    clear(main);
    document.body.removeAttribute('data-lab-ready');
    const { route, messages: problems } = parseHash(location.hash, studies);
    for (const a of nav.querySelectorAll('a[data-nav]')) {
      const on = a.getAttribute('data-nav') === (route.page === 'study' ? 'home' : route.page);
      if (on) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    app.notify(problems, 'warn');
    try {
      cleanup = await renderRoute(route, main, app);
    } catch (e) {
      console.warn(e);
      fatal('This page failed to render', e);
    }
    document.body.setAttribute('data-lab-ready', route.page);
  };
  window.addEventListener('hashchange', () => void render());
  await render();
}

async function renderRoute(route: Route, main: HTMLElement, app: App): Promise<Cleanup | undefined> {
  switch (route.page) {
    case 'home': {
      const { renderHome } = await import('./pages/home.ts');
      document.title = 'Learning Mechanics Lab';
      return renderHome(main, app);
    }
    case 'problems': {
      const { renderProblems } = await import('./pages/problems.ts');
      document.title = 'Open problems · Learning Mechanics Lab';
      return renderProblems(main, app, route.focus);
    }
    case 'results': {
      const { renderResults } = await import('./pages/results.ts');
      document.title = 'Stored results · Learning Mechanics Lab';
      return renderResults(main, app);
    }
    case 'study': {
      const study = app.studies.find((s) => s.id === route.studyId);
      if (!study) return undefined;
      const { renderStudy } = await import('./pages/study.ts');
      document.title = `${study.title} · Learning Mechanics Lab`;
      return renderStudy(main, app, study, route);
    }
  }
}

window.addEventListener('error', (ev) => fatal('Unexpected error', ev.error ?? ev.message));
window.addEventListener('unhandledrejection', (ev) => fatal('Unexpected error', ev.reason));

void boot();

/**
 * The study page's text panel: a few lines of text sampled from the language model while it trains
 * (`ctx.sample` in a study's measure, carried by the worker's 'sample' message). One line per model
 * (label), the latest sample of each, the most recently updated first; hidden until a study sends one, so
 * studies without a language model show nothing. `TextSampleLog` is the logic (tested in Node,
 * test/lab/textSamples.test.ts); `TextSamplePanel` draws it.
 *
 * Attributes for tests: `#text-samples[data-samples]` (samples received), `li[data-label][data-step]`.
 */
import { clear, h } from '../../dom.ts';
import type { TextSample } from '../../protocol.ts';

export interface SampleLine {
  label: string;
  step: number;
  text: string;
}

/** Control characters and line breaks shown visibly (⏎ for a newline, · for other controls); at most `maxChars`. */
export function cleanSample(text: string, maxChars: number): string {
  const chars = Array.from(text.replace(/\r\n?/g, '\n'));
  const shown = chars.map((c) => (c === '\n' ? '⏎' : c === '\t' ? ' ' : /[\p{Cc}\p{Cf}]/u.test(c) ? '·' : c));
  return shown.length > maxChars ? `${shown.slice(0, maxChars - 1).join('')}…` : shown.join('');
}

export class TextSampleLog {
  private readonly byLabel = new Map<string, SampleLine>();
  /** samples received (every one counts, also those that replace an earlier line) */
  received = 0;

  constructor(
    readonly maxLines = 6,
    readonly maxChars = 120,
  ) {
    if (!(Number.isInteger(maxLines) && maxLines >= 1)) throw new Error(`TextSampleLog: maxLines = ${maxLines}, expected a positive integer`);
    if (!(Number.isInteger(maxChars) && maxChars >= 2)) throw new Error(`TextSampleLog: maxChars = ${maxChars}, expected an integer ≥ 2`);
  }

  add(s: TextSample): void {
    const label = s.label ?? '';
    this.received++;
    // re-inserting moves the label to the end of the Map's order: the most recent is last
    this.byLabel.delete(label);
    this.byLabel.set(label, { label, step: s.step, text: cleanSample(s.text, this.maxChars) });
    while (this.byLabel.size > this.maxLines) this.byLabel.delete(this.byLabel.keys().next().value as string);
  }

  /** The lines to show, most recently updated first. */
  lines(): SampleLine[] {
    return [...this.byLabel.values()].reverse();
  }

  clear(): void {
    this.byLabel.clear();
    this.received = 0;
  }
}

export class TextSamplePanel {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly log = new TextSampleLog();

  constructor() {
    // inline styles: the panel needs no rule of its own in the shared style.css
    this.list = h('ul', { class: 'text-sample-lines', style: 'list-style: none; padding-left: 0; margin: 4px 0' });
    this.el = h(
      'section',
      { class: 'text-samples', id: 'text-samples', 'aria-labelledby': 'text-samples-h', hidden: true, 'data-samples': '0' },
      h('h2', { id: 'text-samples-h' }, 'Text sampled from the model'),
      h('p', { class: 'muted' }, 'A continuation of a fixed prompt of held-out text, sampled at each evaluation while the model trains.'),
      this.list,
    );
  }

  add(s: TextSample): void {
    this.log.add(s);
    this.el.hidden = false;
    this.el.setAttribute('data-samples', String(this.log.received));
    clear(this.list);
    for (const line of this.log.lines()) {
      const head = `${line.label ? `${line.label} · ` : ''}step ${line.step}`;
      this.list.append(h('li', { 'data-label': line.label, 'data-step': line.step, style: 'margin: 2px 0' }, h('span', { class: 'sample-label muted' }, head), ' ', h('code', { class: 'sample-text', style: 'white-space: pre-wrap' }, line.text)));
    }
  }

  reset(): void {
    this.log.clear();
    clear(this.list);
    this.el.hidden = true;
    this.el.setAttribute('data-samples', '0');
  }
}

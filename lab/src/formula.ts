/**
 * Typeset a study's TeX formula with KaTeX (bundled, loaded lazily with its fonts: no network). If KaTeX
 * cannot parse it (a macro it does not know), the formula is shown as readable Unicode text through
 * `texToText` (src/report/tex.ts), the same fallback as the report. The TeX source stays available.
 */
import { texToText } from '../../src/report/tex.ts';

let katexModule: Promise<typeof import('katex')> | undefined;

export async function renderFormula(el: HTMLElement, tex: string): Promise<'katex' | 'text'> {
  el.textContent = texToText(tex);
  try {
    katexModule ??= Promise.all([import('katex'), import('katex/dist/katex.min.css')]).then(([k]) => k);
    const katex = (await katexModule).default;
    katex.render(tex, el, { displayMode: true, throwOnError: true, output: 'htmlAndMathml' });
    return 'katex';
  } catch {
    el.textContent = texToText(tex);
    el.classList.add('formula-text');
    return 'text';
  }
}

/** A tiny element builder: `h('a', {href: '#/', class: 'x', onclick: f}, 'text', child)`. */

export type Child = Node | string | number | null | undefined | false | Child[];
type Attr = string | number | boolean | null | undefined | ((ev: Event) => void);

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, Attr> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export const VERDICT_LABEL: Record<string, string> = {
  holds: 'holds',
  falsified: 'falsified',
  'out-of-regime': 'out of regime',
  inconclusive: 'inconclusive',
  error: 'error',
};

/** A verdict badge (`holds`, `falsified`, ...), or a state (`idle`, `running`). */
export function badge(verdict: string, text?: string): HTMLSpanElement {
  return h('span', { class: `badge v-${verdict}`, 'data-verdict': verdict }, text ?? VERDICT_LABEL[verdict] ?? verdict);
}

/** Copy text to the clipboard; false when the browser refuses (insecure context, no permission). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

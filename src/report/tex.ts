/**
 * A small, conservative TeX → plain Unicode text conversion for showing study formulas without a math
 * renderer (KaTeX is not a dependency and the report must work offline). Browser-safe.
 *
 * It knows Greek letters, common operators and arrows, `\frac{a}{b}` → `(a)/(b)`, `\sqrt{a}` → `√(a)`,
 * `\text{..}`/`\mathrm{..}`/`\operatorname{..}` → their content, sizing commands (`\big`, `\left`, ...)
 * dropped, spacing commands → spaces, and single-token super/subscripts in Unicode where such
 * characters exist (`x^2` → `x²`, `θ_t` → `θₜ`); anything else stays as TeX (`x^{2-2/L}` → `x^(2−2/L)`).
 * The report shows the TeX source next to it, so an imperfect conversion loses nothing.
 */

const SYMBOLS: Record<string, string> = {
  alpha: 'α', beta: 'β', gamma: 'γ', delta: 'δ', epsilon: 'ε', varepsilon: 'ε', zeta: 'ζ', eta: 'η', theta: 'θ', vartheta: 'ϑ',
  iota: 'ι', kappa: 'κ', lambda: 'λ', mu: 'μ', nu: 'ν', xi: 'ξ', pi: 'π', rho: 'ρ', sigma: 'σ', tau: 'τ', upsilon: 'υ',
  phi: 'φ', varphi: 'φ', chi: 'χ', psi: 'ψ', omega: 'ω',
  Gamma: 'Γ', Delta: 'Δ', Theta: 'Θ', Lambda: 'Λ', Xi: 'Ξ', Pi: 'Π', Sigma: 'Σ', Phi: 'Φ', Psi: 'Ψ', Omega: 'Ω',
  nabla: '∇', partial: '∂', infty: '∞', sum: 'Σ', prod: 'Π', int: '∫', cdot: '·', times: '×', div: '÷', pm: '±', mp: '∓',
  le: '≤', leq: '≤', ge: '≥', geq: '≥', ne: '≠', neq: '≠', approx: '≈', sim: '∼', simeq: '≃', propto: '∝', equiv: '≡',
  to: '→', rightarrow: '→', leftarrow: '←', Rightarrow: '⇒', mapsto: '↦', uparrow: '↑', downarrow: '↓', in: '∈', notin: '∉',
  subset: '⊂', subseteq: '⊆', cup: '∪', cap: '∩', forall: '∀', exists: '∃', ell: 'ℓ', dots: '…', ldots: '…', cdots: '⋯',
  langle: '⟨', rangle: '⟩', lVert: '‖', rVert: '‖', Vert: '‖', lvert: '|', rvert: '|', top: 'ᵀ', circ: '∘', otimes: '⊗',
  max: 'max', min: 'min', log: 'log', ln: 'ln', exp: 'exp', sin: 'sin', cos: 'cos', tanh: 'tanh', det: 'det', tr: 'tr', Tr: 'Tr',
  arg: 'arg', sup: 'sup', inf: 'inf', lim: 'lim', E: 'E',
  quad: '\u2003', qquad: '\u2003\u2003', ',': ' ', ';': ' ', ':': ' ', '!': '', ' ': ' ',
  '{': '{', '}': '}', '%': '%', '&': '&', '#': '#', _: '_', '|': '‖', '\\': ' ',
};
/** Commands whose brace argument is shown as plain text. */
const TEXT_COMMANDS = new Set(['text', 'mathrm', 'mathit', 'mathbf', 'mathsf', 'mathtt', 'operatorname', 'boldsymbol', 'bm', 'mathcal', 'mathbb', 'textrm', 'textit', 'textbf']);
/** Commands that only size or position delimiters: dropped. */
const DROP = new Set(['big', 'Big', 'bigg', 'Bigg', 'bigl', 'bigr', 'Bigl', 'Bigr', 'biggl', 'biggr', 'left', 'right', 'displaystyle', 'textstyle', 'limits', 'nolimits', 'rm', 'it', 'bf', 'sf', 'tt', 'cal']);
const SUP: Record<string, string> = { '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '+': '⁺', '-': '⁻', '−': '⁻', n: 'ⁿ', i: 'ⁱ', '*': '*', '⊤': 'ᵀ', 'ᵀ': 'ᵀ' };
const SUB: Record<string, string> = { '0': '₀', '1': '₁', '2': '₂', '3': '₃', '4': '₄', '5': '₅', '6': '₆', '7': '₇', '8': '₈', '9': '₉', '+': '₊', '-': '₋', '−': '₋', t: 'ₜ', i: 'ᵢ', j: 'ⱼ', k: 'ₖ', n: 'ₙ', m: 'ₘ', l: 'ₗ', a: 'ₐ', e: 'ₑ', o: 'ₒ', x: 'ₓ', p: 'ₚ', s: 'ₛ', r: 'ᵣ', u: 'ᵤ', v: 'ᵥ' };

class Reader {
  i = 0;
  constructor(readonly s: string) {}
  get done(): boolean {
    return this.i >= this.s.length;
  }
  peek(): string {
    return this.s[this.i];
  }
}

/** Read one brace group `{...}` (already at `{`) or one token, converted. */
function readArg(r: Reader): string {
  while (!r.done && r.peek() === ' ') r.i++;
  if (r.done) return '';
  if (r.peek() === '{') {
    r.i++;
    return convert(r, '}');
  }
  if (r.peek() === '\\') return readCommand(r);
  return r.s[r.i++];
}

/** Read one brace group's raw text (for \text{...}). */
function readRawGroup(r: Reader): string {
  while (!r.done && r.peek() === ' ') r.i++;
  if (r.peek() !== '{') return readArg(r);
  let depth = 0;
  const start = r.i + 1;
  for (; !r.done; r.i++) {
    if (r.peek() === '{') depth++;
    else if (r.peek() === '}' && --depth === 0) break;
  }
  const raw = r.s.slice(start, r.i);
  r.i++;
  return raw;
}

function readCommand(r: Reader): string {
  r.i++; // backslash
  if (r.done) return '\\';
  let name = r.s[r.i++];
  if (/[A-Za-z]/.test(name)) {
    while (!r.done && /[A-Za-z]/.test(r.peek())) name += r.s[r.i++];
  }
  if (DROP.has(name)) return '';
  if (TEXT_COMMANDS.has(name)) return readRawGroup(r);
  if (name === 'frac' || name === 'dfrac' || name === 'tfrac') {
    const a = readArg(r);
    const b = readArg(r);
    return `${wrap(a)}/${wrap(b)}`;
  }
  if (name === 'sqrt') return `√${wrap(readArg(r))}`;
  if (name === 'hat' || name === 'bar' || name === 'tilde' || name === 'vec' || name === 'dot') {
    const accent: Record<string, string> = { hat: '\u0302', bar: '\u0304', tilde: '\u0303', vec: '\u20d7', dot: '\u0307' };
    const a = readArg(r);
    return [...a].length === 1 ? a + accent[name] : `${name}(${a})`;
  }
  return SYMBOLS[name] ?? `\\${name} `;
}

/** Parenthesize unless a single token. */
function wrap(s: string): string {
  return [...s].length <= 1 || /^[\p{L}\p{N}.]+$/u.test(s) ? s : `(${s})`;
}

function script(raw: string, table: Record<string, string>, mark: string): string {
  const arg = raw.trim();
  const cps = [...arg];
  if (cps.length > 0 && cps.every((c) => table[c] !== undefined)) return cps.map((c) => table[c]).join('');
  return cps.length === 1 ? `${mark}${arg}` : `${mark}(${arg})`;
}

function convert(r: Reader, until?: string): string {
  let out = '';
  while (!r.done) {
    const c = r.peek();
    if (until !== undefined && c === until) {
      r.i++;
      return out;
    }
    if (c === '\\') out += readCommand(r);
    else if (c === '^') {
      r.i++;
      out += script(readArg(r), SUP, '^');
    } else if (c === '_') {
      r.i++;
      out += script(readArg(r), SUB, '_');
    } else if (c === '{') {
      r.i++;
      out += convert(r, '}');
    } else if (c === '}') r.i++;
    else if (c === '-') {
      r.i++;
      out += '−';
    } else {
      r.i++;
      out += c;
    }
  }
  return out;
}

/** Readable Unicode text for a TeX formula (never throws; unknown commands are kept as `\name`). */
export function texToText(tex: string): string {
  return convert(new Reader(tex))
    .replace(/[ \t\n]+/g, ' ')
    .replace(/ *(\u2003+) */g, '$1')
    .trim();
}

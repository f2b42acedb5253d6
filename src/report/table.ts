/**
 * The terminal verdict table and the run summary line. Browser-safe string formatting (no `node:`
 * imports); ANSI colour codes only when asked for.
 *
 *   study              verdict        key metrics                                  time  cached
 *   edge-of-stability  holds          sharpening η=0.05=0.97 (≥ 0.8) ✓; …          12.3s
 *   3 studies: 3 holds, 0 falsified, 0 out-of-regime, 0 error
 */
import { type StudyResult, VERDICTS, type Verdict } from '../studies/types.ts';
import { fmt } from '../studies/verdict.ts';

export { VERDICTS };

const MIN_WIDTH = 62;

export interface VerdictTableOptions {
  /** Colour with ANSI escape codes (only for a TTY). */
  color: boolean;
  /** Terminal width in columns; rows are cut to it (at least 62). Default 100. */
  width?: number;
}

export const ANSI = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', magenta: '\x1b[35m', cyan: '\x1b[36m' } as const;
export const VERDICT_COLOR: Record<Verdict, string> = { holds: ANSI.green, falsified: ANSI.red, 'out-of-regime': ANSI.yellow, inconclusive: ANSI.cyan, error: ANSI.magenta };

export function verdictCounts(results: readonly Pick<StudyResult, 'verdict'>[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { holds: 0, falsified: 0, 'out-of-regime': 0, inconclusive: 0, error: 0 };
  for (const r of results) counts[r.verdict]++;
  return counts;
}

/** `3 studies: 3 holds, 0 falsified, 0 out-of-regime, 0 error` (coloured counts when `color`). */
export function summaryLine(results: readonly Pick<StudyResult, 'verdict'>[], opts: { color: boolean } = { color: false }): string {
  const c = verdictCounts(results);
  // `inconclusive` is listed only when it occurs (most runs have none)
  const parts = VERDICTS.filter((v) => v !== 'inconclusive' || c[v] > 0).map((v) => {
    const text = `${c[v]} ${v}`;
    return opts.color && c[v] > 0 ? `${VERDICT_COLOR[v]}${text}${ANSI.reset}` : text;
  });
  return `${results.length} ${results.length === 1 ? 'study' : 'studies'}: ${parts.join(', ')}`;
}

/** `850ms`, `12.3s`, `2m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(2) : s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s - 60 * m)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Length in code points (what a terminal shows for the scripts used here: Latin, Greek, math symbols). */
function len(s: string): number {
  return [...s].length;
}

/** Cut to `n` code points, ending in `…` when something was cut. */
export function truncate(s: string, n: number): string {
  const cps = [...s];
  if (cps.length <= n) return s;
  if (n <= 0) return '';
  return `${cps.slice(0, n - 1).join('')}…`;
}

export function pad(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - len(s)));
}

/** One line of text with no control characters (error messages may span lines). */
function oneLine(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters (incl. ESC) from untrusted text is the point
  const control = /[\u0000-\u001f\u007f]+/g;
  return s.replace(control, ' ').replace(/\s+/g, ' ').trim();
}

interface Piece {
  text: string;
  /** colour of the whole piece, or of its trailing mark */
  tone?: 'ok' | 'bad' | 'warn';
}

/** The key-metrics cell: failures first, then passes; regime failures and errors lead. */
function metricPieces(r: StudyResult): Piece[] {
  const pieces: Piece[] = [];
  if (r.verdict === 'error') pieces.push({ text: `error: ${oneLine(r.error ?? 'unknown error')}`, tone: 'bad' });
  for (const g of r.regime) if (!g.ok) pieces.push({ text: `regime ✗ ${oneLine(g.name)}: ${oneLine(g.detail)}`, tone: 'warn' });
  const s = r.seedSummary;
  if (s && s.seeds.length > 1) pieces.push({ text: `seeds ${s.holds}/${s.seeds.length} hold (Wilson ≥ ${fmt(s.lo)}; needs ${fmt(s.threshold)})`, tone: s.lo >= s.threshold ? 'ok' : 'warn' });
  for (const c of r.controls ?? []) if (c.verdict !== 'falsified') pieces.push({ text: `control '${oneLine(c.name)}' ${c.verdict}`, tone: 'bad' });
  if (r.controls?.length) {
    const f = r.controls.filter((c) => c.verdict === 'falsified').length;
    pieces.push({ text: `controls ${f}/${r.controls.length} falsified`, tone: f === r.controls.length ? 'ok' : 'bad' });
  }
  const power = (r.power ?? []).filter((p) => Number.isFinite(p.detectionThreshold));
  if (power.length) pieces.push({ text: `detects ≥ ${fmt(100 * Math.min(...power.map((p) => p.detectionThreshold)))}% off` });
  const ordered = [...r.metrics.filter((m) => !m.pass), ...r.metrics.filter((m) => m.pass)];
  for (const m of ordered) pieces.push({ text: `${oneLine(m.name)}=${fmt(m.value)} (${m.criterionText}) ${m.pass ? '✓' : '✗'}`, tone: m.pass ? 'ok' : 'bad' });
  return pieces;
}

/** Join pieces with `; ` within `width` code points, colouring each piece's ✓/✗ (or the whole piece for errors). */
function renderPieces(pieces: Piece[], width: number, color: boolean): string {
  let plain = '';
  let out = '';
  for (const p of pieces) {
    const sep = plain.length > 0 ? '; ' : '';
    const room = width - len(plain) - len(sep);
    if (room <= 1) {
      if (len(plain) < width) {
        plain += '…';
        out += '…';
      }
      break;
    }
    const text = truncate(p.text, room);
    plain += sep + text;
    let coloured = text;
    if (color && p.tone) {
      const c = p.tone === 'ok' ? ANSI.green : p.tone === 'bad' ? ANSI.red : ANSI.yellow;
      const mark = text.endsWith(' ✓') || text.endsWith(' ✗') ? text.slice(-1) : undefined;
      // a metric: colour only its ✓/✗; cut short (mark lost): red text for a failure, plain for a pass
      if (mark && p.tone !== 'warn') coloured = `${text.slice(0, -1)}${c}${mark}${ANSI.reset}`;
      else if (p.tone !== 'ok') coloured = `${c}${text}${ANSI.reset}`;
    }
    out += sep + coloured;
    if (text !== p.text) break;
  }
  return out;
}

/**
 * The verdict table: columns study id, verdict, key metrics (`name=value (criterion) ✓/✗`, failures
 * first, cut to the terminal width), time and a cached marker; then the summary line.
 */
export function verdictTable(results: StudyResult[], opts: VerdictTableOptions): string {
  // rows fit the width down to 62 columns (id ≥ 12 and metrics ≥ 16 columns); narrower terminals get 62
  const width = Math.max(MIN_WIDTH, Math.floor(opts.width ?? 100));
  const color = opts.color;
  const verdictW = 13; // 'out-of-regime'
  const timeW = 7;
  const cachedW = 6; // 'cached'
  const gap = 2;
  const fixed = verdictW + timeW + cachedW + 4 * gap;
  const longestId = Math.max(5, ...results.map((r) => len(r.id)));
  const idW = Math.max(Math.min(12, longestId), Math.min(40, longestId, width - fixed - 16));
  const metricsW = width - fixed - idW;
  const sp = ' '.repeat(gap);
  const header = [pad('study', idW), pad('verdict', verdictW), pad('key metrics', metricsW), 'time'.padStart(timeW), 'cached'].join(sp).trimEnd();
  const lines = [color ? `${ANSI.bold}${header}${ANSI.reset}` : header];
  for (const r of results) {
    const id = pad(truncate(r.id, idW), idW);
    const verdict = color ? `${VERDICT_COLOR[r.verdict]}${pad(r.verdict, verdictW)}${ANSI.reset}` : pad(r.verdict, verdictW);
    const metricsPlain = renderPieces(metricPieces(r), metricsW, false);
    const metrics = renderPieces(metricPieces(r), metricsW, color) + ' '.repeat(Math.max(0, metricsW - len(metricsPlain)));
    const time = formatDuration(r.provenance?.durationMs ?? Number.NaN).padStart(timeW);
    const cached = r.cached ? (color ? `${ANSI.dim}cached${ANSI.reset}` : 'cached') : '';
    lines.push([id, verdict, metrics, time, cached].join(sp).trimEnd());
  }
  lines.push(summaryLine(results, { color }));
  return lines.join('\n');
}

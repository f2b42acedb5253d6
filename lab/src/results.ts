/**
 * Stored results opened in the lab, without re-running anything:
 *
 * - Parquet (hyparquet, pure JS, SNAPPY built in) or JSON-lines exports from `lmech export`, any of the
 *   four tables (`series`, `runs`, `metrics`, `regime`); the table is recognised by its columns, and
 *   files are merged by `run_id` (so a runs file plus a series file give verdicts and curves);
 * - JSON: a StudyResult, an array of them, `{"studies": [...]}` from `lmech run --json` (verdicts and
 *   metrics), or `{"results": [...]}`;
 * - an HTML report written by `lmech report` / `lmech run --out` (verdicts, metrics, regime checks,
 *   provenance and its Vega-Lite figure specs), parsed with the browser's DOMParser.
 *
 * Everything but the report parser is DOM-free (Node tests use it).
 */
import { parquetReadObjects } from 'hyparquet';
import { decodeJsonLenient } from '../../src/core/jsonCodec.ts';
import type { VegaLiteSpec } from '../../src/report/vegaSpec.ts';
import { type Observations, type RegimeCheck, type Series, type StudyResult, VERDICTS, type Verdict } from '../../src/studies/types.ts';

export interface StoredMetric {
  name: string;
  value: number;
  tolerance: number;
  pass: boolean;
  criterion: string;
  reason: string;
}

export interface StoredRun {
  runId: string;
  studyId?: string;
  title?: string;
  seed?: number;
  codeVersion?: string;
  profile?: string;
  params?: Record<string, unknown>;
  verdict?: Verdict;
  /** True when the verdict was derived here from metric and regime rows (no runs table loaded). */
  verdictDerived?: boolean;
  startedAt?: string;
  durationMs?: number;
  metrics: StoredMetric[];
  regime: RegimeCheck[];
  series: Series[];
  /** Figure specs taken from an HTML report. */
  figureSpecs: { title: string; spec: Record<string, unknown> }[];
  /** The whole result, when a JSON file carried it. */
  result?: StudyResult;
  error?: string;
  sources: string[];
}

export type TableKind = 'runs' | 'series' | 'metrics' | 'regime';

export interface LoadedFile {
  name: string;
  /** What the file was read as. */
  kind: TableKind | 'results-json' | 'run-json' | 'report-html';
  rows: number;
}


export class ResultSet {
  readonly runs = new Map<string, StoredRun>();
  readonly files: LoadedFile[] = [];

  run(runId: string, source: string): StoredRun {
    let r = this.runs.get(runId);
    if (!r) {
      r = { runId, metrics: [], regime: [], series: [], figureSpecs: [], sources: [] };
      this.runs.set(runId, r);
    }
    if (!r.sources.includes(source)) r.sources.push(source);
    return r;
  }

  /** Runs in a stable order: newest first when known, then by study and run id. */
  list(): StoredRun[] {
    const runs = [...this.runs.values()];
    for (const r of runs) {
      if (r.verdict === undefined && (r.metrics.length > 0 || r.regime.length > 0)) {
        r.verdict = r.regime.some((g) => !g.ok) ? 'out-of-regime' : r.metrics.length === 0 ? 'error' : r.metrics.every((m) => m.pass) ? 'holds' : 'falsified';
        r.verdictDerived = true;
      }
    }
    return runs.sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || (a.studyId ?? '').localeCompare(b.studyId ?? '') || a.runId.localeCompare(b.runId));
  }

  /** The run's curves as the prediction/measurement pair that figureSpec reads. */
  static observations(r: StoredRun): { prediction: Observations; measurement: Observations } {
    if (r.result) return { prediction: r.result.prediction, measurement: r.result.measurement };
    return {
      prediction: { scalars: {}, series: r.series.filter((s) => s.kind !== 'measured') },
      measurement: { scalars: {}, series: r.series.filter((s) => s.kind === 'measured') },
    };
  }
}

// ---------------------------------------------------------------- table rows (Parquet, JSON lines)

type Row = Record<string, unknown>;

function num(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return Number.NaN;
}

function str(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === 1 || v === 1n;
}

function date(v: unknown): string | undefined {
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.toISOString() : undefined;
  if (typeof v === 'string' && v) {
    // DuckDB's TIMESTAMP (no zone) as text: `2026-11-22 19:10:25.083`; it is UTC
    const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v.replace(' ', 'T')}Z`);
    return Number.isFinite(d.getTime()) ? d.toISOString() : v;
  }
  if (typeof v === 'number' || typeof v === 'bigint') return new Date(Number(v)).toISOString();
  return undefined;
}

function params(v: unknown): Record<string, unknown> | undefined {
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  if (typeof v === 'string') {
    try {
      const p = JSON.parse(v) as unknown;
      if (p && typeof p === 'object' && !Array.isArray(p)) return p as Record<string, unknown>;
    } catch {
      // not JSON: leave out
    }
  }
  return undefined;
}

/** Which export table a set of columns is (undefined if none). */
export function tableKind(columns: string[]): TableKind | undefined {
  const has = (...c: string[]) => c.every((x) => columns.includes(x));
  if (!has('run_id')) return undefined;
  if (has('study_id', 'verdict')) return 'runs';
  if (has('observable', 'kind', 'step', 'value')) return 'series';
  if (has('name', 'tolerance', 'pass')) return 'metrics';
  if (has('name', 'ok', 'detail')) return 'regime';
  return undefined;
}

/** Add rows of one export table. Returns the number of rows read. */
export function addTableRows(set: ResultSet, kind: TableKind, rows: Row[], source: string): number {
  if (kind === 'runs') {
    for (const row of rows) {
      const r = set.run(str(row.run_id), source);
      r.studyId = str(row.study_id) || r.studyId;
      if (row.seed !== undefined && row.seed !== null) r.seed = num(row.seed);
      r.codeVersion = str(row.code_version) || r.codeVersion;
      r.profile = str(row.profile) || r.profile;
      r.params = params(row.params) ?? r.params;
      const v = str(row.verdict) as Verdict;
      if (VERDICTS.includes(v)) {
        r.verdict = v;
        r.verdictDerived = false;
      }
      r.startedAt = date(row.started_at) ?? r.startedAt;
      if (row.duration_ms !== undefined && row.duration_ms !== null) r.durationMs = num(row.duration_ms);
    }
  } else if (kind === 'metrics') {
    const fresh = new Set<string>();
    for (const row of rows) {
      const r = set.run(str(row.run_id), source);
      if (!fresh.has(r.runId)) {
        // a second metrics file for the same run replaces the rows rather than doubling them
        fresh.add(r.runId);
        r.metrics = [];
      }
      r.metrics.push({ name: str(row.name), value: num(row.value), tolerance: num(row.tolerance), pass: bool(row.pass), criterion: str(row.criterion), reason: str(row.reason) });
    }
  } else if (kind === 'regime') {
    const fresh = new Set<string>();
    for (const row of rows) {
      const r = set.run(str(row.run_id), source);
      if (!fresh.has(r.runId)) {
        fresh.add(r.runId);
        r.regime = [];
      }
      r.regime.push({ name: str(row.name), ok: bool(row.ok), detail: str(row.detail) });
    }
  } else {
    const byRun = new Map<string, Map<string, Series>>();
    for (const row of rows) {
      const runId = str(row.run_id);
      let lines = byRun.get(runId);
      if (!lines) {
        lines = new Map();
        byRun.set(runId, lines);
      }
      const kindText = str(row.kind);
      const k: Series['kind'] = kindText === 'predicted' || kindText === 'reference' ? kindText : 'measured';
      const key = `${k}\u0000${str(row.observable)}\u0000${str(row.grp)}`;
      let s = lines.get(key);
      if (!s) {
        s = { name: str(row.observable), group: str(row.grp), kind: k, x: [], y: [] };
        lines.set(key, s);
      }
      s.x.push(num(row.step));
      s.y.push(num(row.value));
    }
    for (const [runId, lines] of byRun) {
      const r = set.run(runId, source);
      r.series = [...lines.values()];
    }
  }
  return rows.length;
}

export async function addParquet(set: ResultSet, name: string, bytes: ArrayBuffer): Promise<LoadedFile> {
  let rows: Row[];
  try {
    rows = (await parquetReadObjects({ file: bytes })) as Row[];
  } catch (e) {
    throw new Error(`${name}: not a readable Parquet file (${(e as Error).message})`);
  }
  const columns = rows.length > 0 ? Object.keys(rows[0]) : [];
  const kind = tableKind(columns);
  if (!kind) throw new Error(`${name}: a Parquet file with columns ${columns.join(', ') || '(none)'}; expected an \`lmech export\` table (runs, series, metrics or regime)`);
  const n = addTableRows(set, kind, rows, name);
  const file: LoadedFile = { name, kind, rows: n };
  set.files.push(file);
  return file;
}

// ---------------------------------------------------------------- JSON

function isStudyResult(v: unknown): v is StudyResult {
  const o = v as Partial<StudyResult> | null;
  return !!o && typeof o === 'object' && typeof o.id === 'string' && typeof o.verdict === 'string' && Array.isArray(o.metrics) && !!o.provenance && typeof o.provenance === 'object';
}

function addResult(set: ResultSet, res: StudyResult, source: string): void {
  const p = res.provenance;
  const r = set.run(p.configHash || `${res.id}:${set.runs.size}`, source);
  r.result = res;
  r.studyId = res.id;
  r.title = res.title;
  r.seed = p.seed;
  r.codeVersion = p.codeVersion;
  r.profile = p.profile;
  r.params = p.params;
  r.verdict = res.verdict;
  r.startedAt = p.startedAt;
  r.durationMs = p.durationMs;
  r.metrics = res.metrics.map((m) => ({ name: m.name, value: m.value, tolerance: m.tolerance, pass: m.pass, criterion: m.criterionText, reason: m.reason }));
  r.regime = res.regime;
  r.series = [...res.prediction.series, ...res.measurement.series];
  if (res.error !== undefined) r.error = res.error;
}

interface RunJsonStudy {
  id: string;
  verdict: Verdict;
  metrics: Record<string, { value: number; tolerance: number; pass: boolean; criterion: string }>;
  regime: Record<string, { ok: boolean; detail: string }>;
  seed: number;
  configHash: string;
  codeVersion: string;
  durationMs: number;
  error?: string;
}

export function addJsonText(set: ResultSet, name: string, text: string): LoadedFile {
  const trimmed = text.trim();
  let value: unknown;
  try {
    value = decodeJsonLenient(trimmed);
  } catch {
    // JSON lines: one export row (or one result) per line
    const lines = trimmed.split(/\r?\n/).filter((l) => l.trim() !== '');
    let rows: Row[];
    try {
      rows = lines.map((l) => decodeJsonLenient(l) as Row);
    } catch (e) {
      throw new Error(`${name}: neither JSON nor JSON lines (${(e as Error).message})`);
    }
    if (rows.every(isStudyResult)) {
      for (const r of rows) addResult(set, r as unknown as StudyResult, name);
      const f: LoadedFile = { name, kind: 'results-json', rows: rows.length };
      set.files.push(f);
      return f;
    }
    const kind = tableKind(Object.keys(rows[0] ?? {}));
    if (!kind) throw new Error(`${name}: JSON lines with keys ${Object.keys(rows[0] ?? {}).join(', ')}; expected an \`lmech export --format jsonl\` table`);
    const f: LoadedFile = { name, kind, rows: addTableRows(set, kind, rows, name) };
    set.files.push(f);
    return f;
  }
  if (isStudyResult(value)) {
    addResult(set, value, name);
    const f: LoadedFile = { name, kind: 'results-json', rows: 1 };
    set.files.push(f);
    return f;
  }
  const list = Array.isArray(value) ? value : (value as { results?: unknown }).results;
  if (Array.isArray(list) && list.length > 0 && list.every(isStudyResult)) {
    for (const r of list) addResult(set, r, name);
    const f: LoadedFile = { name, kind: 'results-json', rows: list.length };
    set.files.push(f);
    return f;
  }
  const studies = (value as { studies?: unknown }).studies;
  if (Array.isArray(studies) && studies.every((s) => s && typeof s === 'object' && typeof (s as RunJsonStudy).id === 'string' && typeof (s as RunJsonStudy).verdict === 'string')) {
    for (const s of studies as RunJsonStudy[]) {
      const r = set.run(s.configHash || `${s.id}:${set.runs.size}`, name);
      r.studyId = s.id;
      r.verdict = s.verdict;
      r.seed = s.seed;
      r.codeVersion = s.codeVersion;
      r.durationMs = s.durationMs;
      r.metrics = Object.entries(s.metrics ?? {}).map(([mName, m]) => ({ name: mName, value: num(m.value), tolerance: num(m.tolerance), pass: m.pass === true, criterion: str(m.criterion), reason: '' }));
      r.regime = Object.entries(s.regime ?? {}).map(([gName, g]) => ({ name: gName, ok: g.ok === true, detail: str(g.detail) }));
      if (s.error !== undefined) r.error = s.error;
    }
    const f: LoadedFile = { name, kind: 'run-json', rows: studies.length };
    set.files.push(f);
    return f;
  }
  throw new Error(`${name}: JSON that is not a study result, a list of them, or \`lmech run --json\` output`);
}

// ---------------------------------------------------------------- HTML report (browser: DOMParser)

function text(el: Element | null | undefined): string {
  return (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** Read an `lmech report` index.html. `doc` is the parsed document (DOMParser in the browser). */
export function addReportDocument(set: ResultSet, name: string, doc: Document): LoadedFile {
  const sections = [...doc.querySelectorAll('section.study')];
  if (sections.length === 0) throw new Error(`${name}: an HTML file with no study sections; expected index.html written by \`lmech report\``);
  const specs = new Map<string, Record<string, unknown>>();
  for (const s of doc.querySelectorAll('script[type="application/json"][data-figure]')) {
    try {
      specs.set(s.getAttribute('data-figure') ?? '', JSON.parse(s.textContent ?? '') as Record<string, unknown>);
    } catch {
      // a broken spec: its figure is left out
    }
  }
  sections.forEach((sec, i) => {
    const prov = new Map<string, string>();
    const dts = [...sec.querySelectorAll('dl.prov dt')];
    for (const dt of dts) prov.set(text(dt), text(dt.nextElementSibling));
    const studyId = text(sec.querySelector('.study-head .meta code'));
    const runId = prov.get('config hash') || `${name}#${studyId || i}`;
    const r = set.run(runId, name);
    r.studyId = studyId || r.studyId;
    r.title = text(sec.querySelector('h2')) || r.title;
    const vClass = [...sec.classList].find((c) => c.startsWith('v-'))?.slice(2) as Verdict | undefined;
    if (vClass && VERDICTS.includes(vClass)) r.verdict = vClass;
    const seed = prov.get('seed');
    if (seed !== undefined && seed !== '') r.seed = Number(seed);
    r.codeVersion = prov.get('code version') || r.codeVersion;
    r.profile = prov.get('profile') || r.profile;
    r.startedAt = prov.get('started') || r.startedAt;
    const pre = sec.querySelector('details.params pre');
    if (pre && !r.params) r.params = params(pre.textContent);
    // numbers in a report are rounded for reading: exact rows from another file (Parquet, JSON) win
    const metrics = [...sec.querySelectorAll('table.metrics tbody tr')].map((tr) => {
      const td = tr.querySelectorAll('td');
      const nameCell = td[0]?.cloneNode(true) as Element | undefined;
      nameCell?.querySelector('.desc')?.remove();
      return { name: text(nameCell), value: num(text(td[1])), criterion: text(td[2]), tolerance: num(text(td[3])), pass: tr.classList.contains('pass'), reason: text(td[5]) };
    });
    if (r.metrics.length === 0) r.metrics = metrics;
    if (r.regime.length === 0) r.regime = [...sec.querySelectorAll('ul.regime li')].map((li) => ({ name: text(li.querySelector('strong')), ok: li.classList.contains('pass'), detail: text(li.querySelector('.detail')) }));
    const err = sec.querySelector('.error pre');
    if (err) r.error = text(err);
    r.figureSpecs = [...sec.querySelectorAll('.vega[id]')].flatMap((div) => {
      const spec = specs.get(div.id);
      return spec ? [{ title: div.getAttribute('aria-label') ?? '', spec }] : [];
    });
  });
  const f: LoadedFile = { name, kind: 'report-html', rows: sections.length };
  set.files.push(f);
  return f;
}

/** Read one file by its name and contents (`parseHtml` is DOMParser in the browser). */
export async function addFile(set: ResultSet, name: string, bytes: ArrayBuffer, parseHtml?: (html: string) => Document): Promise<LoadedFile> {
  const lower = name.toLowerCase();
  const head = new Uint8Array(bytes.slice(0, 4));
  const isParquet = head.length === 4 && head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31; // "PAR1"
  if (isParquet || lower.endsWith('.parquet')) return addParquet(set, name, bytes);
  const textContent = new TextDecoder().decode(bytes);
  if (lower.endsWith('.html') || lower.endsWith('.htm') || /^\s*<(!doctype|html)/i.test(textContent)) {
    if (!parseHtml) throw new Error(`${name}: reading an HTML report needs a DOM parser`);
    return addReportDocument(set, name, parseHtml(textContent));
  }
  return addJsonText(set, name, textContent);
}

export type { VegaLiteSpec };

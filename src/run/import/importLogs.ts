/**
 * `lmech import`: bring a user's logs (CSV, JSONL, TensorBoard event files) into the store as runs with series, so
 * an existing sweep can be fitted and reported like our own.
 *
 * Mapping (flags win over a mapping file `--map mapping.json`):
 *   run         column naming the run (default: a column named `run` if there is one; else the whole file is one run)
 *   step        column with the step (default: the first of step, global_step, iteration, iter, epoch)
 *   runName     the run's name when there is no run column (default: the file name without extension; for
 *               event files, the parent directory's name, as TensorBoard names runs)
 *   observables which columns (or event tags) to import, as a list, or an object { source: storedName } to rename
 *               (default: every column that is not run, step or config)
 *   config      columns that describe the run (lr, width, …): constant within a run, stored in sweep_runs.config
 *               and its flattened columns (default: the columns holding only non-numeric text)
 *   name        the import's name in the store (default: the file name); importing under the same name again
 *               replaces that import.
 *
 * Every problem is an InputError (exit code 2) naming the file, the record (row and line, or TFRecord index and byte
 * offset), the column and the value. Parsing finishes before the store is touched, and the store write is one
 * transaction: a bad file imports nothing, and a failure mid-write leaves the store as it was.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { z } from 'zod';
import { sha256Hex, stableStringify } from '../../core/hash.ts';
import { InputError } from '../../theory/fit/errors.ts';
import type { Store } from '../store.ts';
import { formatZodIssues } from '../sweep/spec.ts';
import { type ImportedRun, SweepStore } from '../sweep/sweepStore.ts';
import { type Table, parseTable, rowLocation } from '../tableFile.ts';
import { readTfEvents } from './tfevents.ts';

export type ImportFormat = 'csv' | 'tsv' | 'jsonl' | 'tfevents';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['csv', 'tsv', 'jsonl', 'tfevents'];

export const ImportMapping = z.strictObject({
  name: z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' }).optional(),
  format: z.enum(IMPORT_FORMATS as unknown as [ImportFormat, ...ImportFormat[]], { error: `expected one of ${IMPORT_FORMATS.join(', ')}` }).optional(),
  run: z.string({ error: 'expected a column name' }).optional(),
  step: z.string({ error: 'expected a column name' }).optional(),
  runName: z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' }).optional(),
  observables: z
    .union([
      z.array(z.string({ error: 'expected a column name' }), { error: 'expected a list of column names' }).min(1, { error: 'expected a non-empty list' }),
      z.record(z.string(), z.string({ error: 'expected the stored observable name (a string)' }), { error: 'expected an object { column: name }' }),
    ])
    .optional(),
  config: z.array(z.string({ error: 'expected a column name' }), { error: 'expected a list of column names' }).optional(),
});
export type ImportMappingInput = z.input<typeof ImportMapping>;

export interface ImportOptions {
  format?: string;
  runCol?: string;
  stepCol?: string;
  runName?: string;
  name?: string;
  /** Path of a mapping JSON file. */
  map?: string;
  /** An already-parsed mapping (tests, library use); `map` wins. */
  mapping?: ImportMappingInput;
}

export interface ParsedImport {
  sweepId: string;
  name: string;
  source: string;
  format: ImportFormat;
  runs: ImportedRun[];
  points: number;
  /** Points whose (run, step, observable) repeated an earlier one: the last value was kept. */
  duplicates: number;
  /** TensorBoard values that were not scalars. */
  skipped: number;
  warnings: string[];
}

const STEP_CANDIDATES = ['step', 'global_step', 'iteration', 'iter', 'epoch'];
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE: Record<string, number> = { nan: Number.NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '+infinity': Infinity, '-infinity': -Infinity };

function formatOf(path: string, format: string | undefined): ImportFormat {
  if (format !== undefined) {
    if (!(IMPORT_FORMATS as readonly string[]).includes(format)) throw new InputError(`--format: '${format}' is not a known format; expected one of ${IMPORT_FORMATS.join(', ')}`);
    return format as ImportFormat;
  }
  const b = basename(path).toLowerCase();
  if (b.includes('tfevents')) return 'tfevents';
  const ext = extname(b);
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new InputError(`${path}: cannot tell the format from the name; expected .csv, .tsv, .jsonl or an events.out.tfevents.* file, or pass --format ${IMPORT_FORMATS.join('|')}`);
}

function readMapping(path: string): ImportMappingInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`--map: cannot read '${path}': ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as ImportMappingInput;
  } catch (e) {
    throw new InputError(`--map: ${path} is not valid JSON (${(e as Error).message})`);
  }
}

function validateMapping(raw: unknown, source: string): z.output<typeof ImportMapping> {
  const r = ImportMapping.safeParse(raw);
  if (r.success) return r.data;
  throw new InputError(`${source}: ${formatZodIssues(r.error, raw, ImportMapping, 'mapping').join('; ')}`);
}

/** A cell as a number: numbers, numeric text, and nan/inf spellings; null for an empty cell; else undefined. */
function cellNumber(cell: unknown): number | null | undefined {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'string') {
    const t = cell.trim();
    if (t === '') return null;
    if (NUMBER_RE.test(t)) return Number(t);
    const nf = NON_FINITE[t.toLowerCase()];
    if (nf !== undefined) return nf;
  }
  return undefined;
}

function showCell(cell: unknown): string {
  return typeof cell === 'string' ? `'${cell}'` : JSON.stringify(cell);
}

function importIds(name: string, runs: string[]): { sweepId: string; runIds: Map<string, string> } {
  const sweepId = sha256Hex(stableStringify({ kind: 'import', name })).slice(0, 16);
  return { sweepId, runIds: new Map(runs.map((r) => [r, sha256Hex(stableStringify({ kind: 'import-run', import: name, run: r })).slice(0, 16)])) };
}

class SeriesBuilder {
  /** run → observable → step → value (insertion order kept; a repeat replaces the value). */
  readonly runs = new Map<string, Map<string, Map<number, number>>>();
  duplicates = 0;
  points = 0;
  add(run: string, observable: string, step: number, value: number): void {
    let obs = this.runs.get(run);
    if (!obs) {
      obs = new Map();
      this.runs.set(run, obs);
    }
    let s = obs.get(observable);
    if (!s) {
      s = new Map();
      obs.set(observable, s);
    }
    if (s.has(step)) this.duplicates++;
    else this.points++;
    s.set(step, value);
  }
  ensureRun(run: string): void {
    if (!this.runs.has(run)) this.runs.set(run, new Map());
  }
}

function build(name: string, source: string, format: ImportFormat, b: SeriesBuilder, configs: Map<string, Record<string, unknown>>, skipped: number): ParsedImport {
  const { sweepId, runIds } = importIds(name, [...b.runs.keys()]);
  const runs: ImportedRun[] = [...b.runs.entries()].map(([run, obs]) => ({
    runId: runIds.get(run) as string,
    name: run,
    config: configs.get(run) ?? {},
    series: [...obs.entries()].map(([observable, steps]) => {
      const sorted = [...steps.entries()].sort((x, y) => x[0] - y[0]);
      return { observable, steps: sorted.map((e) => e[0]), values: sorted.map((e) => e[1]) };
    }),
  }));
  const warnings: string[] = [];
  if (b.duplicates > 0) warnings.push(`${b.duplicates} point(s) repeated a (run, step, observable) seen earlier; the last value was kept`);
  if (skipped > 0) warnings.push(`${skipped} non-scalar summary value(s) (histograms, images, text, …) were skipped`);
  return { sweepId, name, source, format, runs, points: b.points, duplicates: b.duplicates, skipped, warnings };
}

function parseTableImport(table: Table, format: ImportFormat, opts: ImportOptions, mapping: z.output<typeof ImportMapping>, path: string): ParsedImport {
  const src = table.source;
  const has = (c: string) => table.columns.includes(c);
  const need = (c: string, flag: string) => {
    if (!has(c)) throw new InputError(`${src}: no column '${c}' (chosen by ${flag}); available columns: ${table.columns.join(', ')}`);
    return c;
  };
  const runCol = opts.runCol !== undefined ? need(opts.runCol, '--run-col') : mapping.run !== undefined ? need(mapping.run, 'mapping.run') : has('run') ? 'run' : null;
  const stepCol =
    opts.stepCol !== undefined
      ? need(opts.stepCol, '--step-col')
      : mapping.step !== undefined
        ? need(mapping.step, 'mapping.step')
        : (STEP_CANDIDATES.find(has) ??
          (() => {
            throw new InputError(`${src}: no step column (looked for ${STEP_CANDIDATES.join(', ')}); pass --step-col NAME (columns: ${table.columns.join(', ')})`);
          })());
  const used = new Set([runCol, stepCol].filter((c): c is string => c !== null));
  let configCols: string[];
  if (mapping.config) configCols = mapping.config.map((c) => need(c, 'mapping.config'));
  else {
    // text-only columns describe the run (optimizer: adam), numeric ones are observables
    configCols = table.columns.filter((c) => !used.has(c) && table.rows.every((row) => cellNumber(row[c]) === undefined || cellNumber(row[c]) === null) && table.rows.some((row) => cellNumber(row[c]) === undefined));
  }
  for (const c of configCols) used.add(c);
  let observables: [string, string][];
  if (mapping.observables === undefined) observables = table.columns.filter((c) => !used.has(c)).map((c) => [c, c]);
  else if (Array.isArray(mapping.observables)) observables = mapping.observables.map((c) => [need(c, 'mapping.observables'), c]);
  else observables = Object.entries(mapping.observables).map(([c, n]) => [need(c, 'mapping.observables'), n]);
  if (observables.length === 0) throw new InputError(`${src}: no observable columns left besides ${[...used].join(', ')}; the file has nothing to import`);
  const defaultRun = opts.runName ?? mapping.runName ?? basename(path, extname(path));

  const b = new SeriesBuilder();
  const configs = new Map<string, Record<string, unknown>>();
  const configRow = new Map<string, number>();
  table.rows.forEach((row, r) => {
    const where = rowLocation(table, r);
    let run = defaultRun;
    if (runCol !== null) {
      const cell = row[runCol];
      if (cell === null || cell === undefined || (typeof cell === 'string' && cell.trim() === '')) throw new InputError(`${where}, column '${runCol}': the run name is missing`);
      if (typeof cell !== 'string' && typeof cell !== 'number') throw new InputError(`${where}, column '${runCol}': ${showCell(cell)} is not a run name; expected text or a number`);
      run = String(cell).trim();
    }
    const stepCell = row[stepCol];
    const step = cellNumber(stepCell);
    if (step === null) throw new InputError(`${where}, column '${stepCol}': the step is missing`);
    if (step === undefined || !Number.isFinite(step)) throw new InputError(`${where}, column '${stepCol}': ${showCell(stepCell)} is not a step; expected a finite number`);
    const cfg: Record<string, unknown> = {};
    for (const c of configCols) {
      const cell = row[c];
      const n = cellNumber(cell);
      cfg[c] = n === undefined ? cell : n;
    }
    const prev = configs.get(run);
    if (!prev) {
      configs.set(run, cfg);
      configRow.set(run, r);
    } else {
      for (const c of configCols) {
        if (stableStringify(prev[c]) !== stableStringify(cfg[c]))
          throw new InputError(
            `${where}, column '${c}': ${showCell(row[c])} differs from ${showCell(prev[c])} on row ${(configRow.get(run) as number) + 1} of run '${run}'; config columns must be constant within a run`,
          );
      }
    }
    b.ensureRun(run);
    for (const [col, name] of observables) {
      const cell = row[col];
      const v = cellNumber(cell);
      if (v === null) continue;
      if (v === undefined) throw new InputError(`${where}, column '${col}': ${showCell(cell)} is not a number`);
      b.add(run, name, step, v);
    }
  });
  return build(opts.name ?? mapping.name ?? basename(path), src, format, b, configs, 0);
}

function parseTfImport(path: string, bytes: Uint8Array, opts: ImportOptions, mapping: z.output<typeof ImportMapping>): ParsedImport {
  const { scalars, skipped } = readTfEvents(bytes, path);
  const run = opts.runName ?? mapping.runName ?? (basename(dirname(resolve(path))) || basename(path));
  let rename: Map<string, string> | null = null;
  if (Array.isArray(mapping.observables)) rename = new Map(mapping.observables.map((t) => [t, t]));
  else if (mapping.observables) rename = new Map(Object.entries(mapping.observables));
  if (opts.runCol !== undefined || mapping.run !== undefined) throw new InputError(`--run-col: event files have no columns; one file is one run (name it with --run NAME)`);
  if (opts.stepCol !== undefined || mapping.step !== undefined) throw new InputError(`--step-col: event files carry their own step; leave --step-col out`);
  const b = new SeriesBuilder();
  b.ensureRun(run);
  for (const s of scalars) {
    const name = rename ? rename.get(s.tag) : s.tag;
    if (name === undefined) continue;
    b.add(run, name, s.step, s.value);
  }
  if (rename) {
    const tags = new Set(scalars.map((s) => s.tag));
    for (const t of rename.keys())
      if (!tags.has(t)) throw new InputError(`${path}: no scalar tag '${t}' (chosen by mapping.observables); the file has: ${[...tags].join(', ') || '(no scalars)'}`);
  }
  if (b.points === 0) throw new InputError(`${path}: no scalar summaries found (${skipped} non-scalar values); nothing to import`);
  return build(opts.name ?? mapping.name ?? basename(path), path, 'tfevents', b, new Map([[run, {}]]), skipped);
}

/** Parse and validate a log file (no store access). */
export function parseImport(path: string, opts: ImportOptions = {}): ParsedImport {
  const rawMapping = opts.map !== undefined ? readMapping(opts.map) : (opts.mapping ?? {});
  const mapping = validateMapping(rawMapping, opts.map ?? 'mapping');
  const format = formatOf(path, opts.format ?? mapping.format);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(`cannot read '${path}': ${(e as Error).message}`);
  }
  if (format === 'tfevents') return parseTfImport(path, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), opts, mapping);
  const table = parseTable(bytes.toString('utf8'), format, path);
  return parseTableImport(table, format, opts, mapping, path);
}

/** Parse, then write everything in one transaction. Returns what was imported. */
export async function importLogs(store: Store, path: string, opts: ImportOptions = {}): Promise<ParsedImport> {
  const parsed = parseImport(path, opts);
  const db = new SweepStore(store);
  await db.init();
  await db.saveImport({
    sweepId: parsed.sweepId,
    name: parsed.name,
    source: resolve(path),
    spec: { format: parsed.format, file: basename(path), runCol: opts.runCol ?? null, stepCol: opts.stepCol ?? null, map: opts.map ? basename(opts.map) : null },
    runs: parsed.runs,
  });
  return parsed;
}

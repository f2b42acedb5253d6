/**
 * Read users' tables (CSV, TSV or JSONL) into named columns for the law fits. Every problem is an `InputError`
 * (exit code 2) whose message names the file, the row (1-based data row and the file line it starts on), the
 * column and the offending text, and says what was expected.
 *
 * CSV follows RFC 4180: a header row; fields separated by commas; a field may be quoted with ", with "" for a
 * literal quote, and may then contain commas and newlines; LF or CRLF line ends; a UTF-8 byte-order mark is
 * ignored; blank lines are skipped. TSV is the same with tabs. JSONL: one JSON object per non-blank line; the
 * columns are the union of the keys, in order of first appearance.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { InputError } from '../theory/fit/errors.ts';

export { InputError };

export type TableFormat = 'csv' | 'tsv' | 'jsonl';
export const TABLE_FORMATS: readonly TableFormat[] = ['csv', 'tsv', 'jsonl'];

export interface Table {
  /** Where the table came from (a path, or a label for text). */
  source: string;
  format: TableFormat;
  columns: string[];
  /** One record per data row: CSV/TSV cells are strings; JSONL cells are whatever JSON value the row held. */
  rows: Record<string, unknown>[];
  /** The 1-based file line each data row starts on. */
  lines: number[];
}

/** The format implied by a file name's extension, or null. */
export function formatFromPath(path: string): TableFormat | null {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return null;
}

/** Read and parse a table file. The format comes from `format`, else from the extension. */
export function readTable(path: string, options: { format?: string } = {}): Table {
  let format: TableFormat | null;
  if (options.format !== undefined) {
    if (!(TABLE_FORMATS as readonly string[]).includes(options.format))
      throw new InputError(`--format: '${options.format}' is not a known format; expected one of ${TABLE_FORMATS.join(', ')}`);
    format = options.format as TableFormat;
  } else {
    format = formatFromPath(path);
    if (format === null)
      throw new InputError(`${path}: cannot tell the format from the extension '${extname(path) || '(none)'}'; expected .csv, .tsv or .jsonl, or pass --format ${TABLE_FORMATS.join('|')}`);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read '${path}': ${(e as Error).message}`);
  }
  return parseTable(text, format, path);
}

/** Parse table text (no file access). */
export function parseTable(text: string, format: TableFormat, source = '(input)'): Table {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new InputError(`${source}: the file is empty; expected ${format === 'jsonl' ? 'one JSON object per line' : 'a header row and data rows'}`);
  return format === 'jsonl' ? parseJsonl(text, source) : parseDelimited(text, format === 'tsv' ? '\t' : ',', format, source);
}

interface RawRecord {
  fields: string[];
  line: number;
  /** True when the record is a blank line (one empty, unquoted field). */
  blank: boolean;
}

/** Split delimited text into records (RFC 4180 quoting). */
function splitRecords(text: string, delim: string, source: string): RawRecord[] {
  const records: RawRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quotedAny = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const n = text.length;
  const endRecord = () => {
    fields.push(field);
    records.push({ fields, line: recordLine, blank: fields.length === 1 && fields[0].trim() === '' && !quotedAny });
    fields = [];
    field = '';
    quotedAny = false;
  };
  while (i < n) {
    const ch = text[i];
    if (ch === '"' && field.trim() === '') {
      // Quoted field: read to the closing quote ("" is an escaped quote).
      const openLine = line;
      quotedAny = true;
      field = '';
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        if (c === '\n') line++;
        field += c;
        i++;
      }
      if (!closed) throw new InputError(`${source}: line ${openLine}, field ${fields.length + 1}: quoted field is never closed (missing ")`);
      // After the closing quote: optional spaces, then a delimiter or the end of the record.
      while (i < n && (text[i] === ' ' || (text[i] === '\t' && delim !== '\t'))) i++;
      if (i < n && text[i] !== delim && text[i] !== '\n' && text[i] !== '\r')
        throw new InputError(`${source}: line ${line}, field ${fields.length + 1}: unexpected '${text[i]}' after a closing quote; expected '${delim === '\t' ? '\\t' : delim}' or the end of the line`);
      continue;
    }
    if (ch === delim) {
      fields.push(field);
      field = '';
      i++;
      continue;
    }
    if (ch === '\r' && text[i + 1] === '\n') {
      i++;
      continue;
    }
    if (ch === '\n') {
      endRecord();
      line++;
      recordLine = line;
      i++;
      continue;
    }
    field += ch;
    i++;
  }
  if (field !== '' || fields.length > 0 || quotedAny) endRecord();
  return records;
}

function parseDelimited(text: string, delim: string, format: TableFormat, source: string): Table {
  const records = splitRecords(text, delim, source).filter((r) => !r.blank);
  if (records.length === 0) throw new InputError(`${source}: the file is empty; expected a header row and data rows`);
  const header = records[0];
  const columns = header.fields.map((f) => f.trim());
  const seen = new Set<string>();
  columns.forEach((c, j) => {
    if (c === '') throw new InputError(`${source}: line ${header.line}: header column ${j + 1} is empty; every column needs a name`);
    if (seen.has(c)) throw new InputError(`${source}: line ${header.line}: column name '${c}' appears twice in the header`);
    seen.add(c);
  });
  if (records.length === 1) throw new InputError(`${source}: only a header row (${columns.join(', ')}); expected data rows below it`);
  const rows: Record<string, unknown>[] = [];
  const lines: number[] = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r];
    if (rec.fields.length !== columns.length)
      throw new InputError(`${source}: row ${r} (line ${rec.line}) has ${rec.fields.length} field(s); expected ${columns.length} like the header (${columns.join(', ')})`);
    const row: Record<string, unknown> = {};
    columns.forEach((c, j) => {
      row[c] = rec.fields[j];
    });
    rows.push(row);
    lines.push(rec.line);
  }
  return { source, format, columns, rows, lines };
}

function parseJsonl(text: string, source: string): Table {
  const columns: string[] = [];
  const seen = new Set<string>();
  const rows: Record<string, unknown>[] = [];
  const lines: number[] = [];
  const textLines = text.split('\n');
  textLines.forEach((raw, k) => {
    const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (l.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(l);
    } catch (e) {
      throw new InputError(`${source}: row ${rows.length + 1} (line ${k + 1}) is not valid JSON (${(e as Error).message}); expected one JSON object per line`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new InputError(`${source}: row ${rows.length + 1} (line ${k + 1}) is ${Array.isArray(value) ? 'an array' : `${JSON.stringify(value)}`}; expected a JSON object like {"N": 1e6, "D": 2e8, "loss": 3.1}`);
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
    rows.push(obj);
    lines.push(k + 1);
  });
  if (rows.length === 0) throw new InputError(`${source}: the file is empty; expected one JSON object per line`);
  return { source, format: 'jsonl', columns, rows, lines };
}

const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface NumericColumnOptions {
  /** Require every value > 0 (columns whose logarithm is taken). */
  positive?: boolean;
  /** The flag that selects this column, named in the "not found" message (e.g. '--loss-col'). */
  flag?: string;
}

/** Where a row is, for messages: "file.csv row 3 (line 4)". */
export function rowLocation(table: Table, r: number): string {
  return `${table.source}: row ${r + 1} (line ${table.lines[r]})`;
}

/** A column as finite numbers; errors name the row, line, column and text. */
export function numericColumn(table: Table, column: string, options: NumericColumnOptions = {}): number[] {
  if (!table.columns.includes(column))
    throw new InputError(
      `${table.source}: no column '${column}'${options.flag ? ` (chosen by ${options.flag})` : ''}; available columns: ${table.columns.join(', ')}`,
    );
  return table.rows.map((row, r) => {
    const where = `${rowLocation(table, r)}, column '${column}'`;
    const cell = row[column];
    let v: number;
    if (cell === undefined || cell === null || (typeof cell === 'string' && cell.trim() === '')) {
      throw new InputError(`${where}: the value is missing; expected a number`);
    } else if (typeof cell === 'number') {
      v = cell;
    } else if (typeof cell === 'string' && NUMBER_RE.test(cell.trim())) {
      v = Number(cell.trim());
    } else {
      const text = typeof cell === 'string' ? cell : JSON.stringify(cell);
      throw new InputError(`${where}: '${text}' is not a number`);
    }
    if (!Number.isFinite(v)) throw new InputError(`${where}: ${String(cell)} is not a finite number`);
    if (options.positive && !(v > 0)) throw new InputError(`${where}: ${typeof cell === 'string' ? cell.trim() : v} is not positive; expected a number > 0 (its logarithm is taken)`);
    return v;
  });
}

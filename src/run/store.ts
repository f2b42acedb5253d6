/**
 * The result store: one embedded DuckDB file (`<dir>/lmech.duckdb`) holding every run.
 *
 * Tables
 * - `runs`    one row per run; `run_id` is the run's config hash (study, resolved params, seed, code
 *             version: see `configHash` in src/studies/execute.ts), `result` is the whole StudyResult
 *             as JSON so a cache hit returns it exactly as it was produced.
 * - `series`  long form of every curve (measured, predicted, reference): one row per point, `step` is x.
 * - `metrics` one row per metric with its tolerance, pass flag and the criterion's text.
 * - `regime`  one row per regime check.
 * - `meta`    key/value (schema version).
 *
 * Durability: each `save` is one transaction (BEGIN … COMMIT). DuckDB appends the commit to its
 * write-ahead log before COMMIT returns, so a process killed (even with SIGKILL) after `save` resolved
 * loses nothing: the next open replays the WAL. A save that fails half-way is rolled back, leaving no
 * partial rows (and, for a re-save, the previous version intact).
 *
 * Concurrency: DuckDB allows one read-write process per file. Only the coordinator opens the store; a
 * second process gets `StoreLockedError` ("store <path> is in use by another lmech process"). Within
 * the process every operation goes through one connection, serialised by a queue, so a read never sees
 * another call's open transaction.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DuckDBAppender, DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { DuckDBInstance } from '@duckdb/node-api';
import { decodeJson, encodeJson } from '../core/jsonCodec.ts';
import type { StudyResult, Verdict } from '../studies/types.ts';

export const DEFAULT_STORE_DIR = './lmech-data';
export const STORE_FILE = 'lmech.duckdb';
const SCHEMA_VERSION = '1';

export type StoreTable = 'runs' | 'series' | 'metrics' | 'regime';
export type ExportFormat = 'parquet' | 'csv' | 'jsonl';
const TABLES: readonly StoreTable[] = ['runs', 'series', 'metrics', 'regime'];
const FORMATS: readonly ExportFormat[] = ['parquet', 'csv', 'jsonl'];

/** A run's row in `runs`, without the stored result. */
export interface RunRow {
  runId: string;
  studyId: string;
  seed: number;
  codeVersion: string;
  configHash: string;
  profile: string;
  params: Record<string, unknown>;
  status: 'done' | 'error';
  verdict: Verdict;
  /** ISO 8601, UTC. */
  startedAt: string;
  durationMs: number;
}

export interface RunFilter {
  studyIds?: string[];
  status?: 'done' | 'error';
  verdict?: Verdict;
  codeVersion?: string;
  seed?: number;
  /** Newest first; at most this many rows. */
  limit?: number;
}

export interface StoreOptions {
  /** Open read-only (several read-only processes may share a file, but not with a writer). */
  readOnly?: boolean;
}

export interface Store {
  /** Absolute path of the database file. */
  readonly path: string;
  readonly readOnly: boolean;
  /** The stored result of a run (a cache hit: `cached: true`), or undefined. */
  get(runId: string): Promise<StudyResult | undefined>;
  /** Store a result under `result.provenance.configHash`, replacing any earlier version. One transaction. */
  save(result: StudyResult): Promise<void>;
  /** Runs, newest first. */
  listRuns(filter?: RunFilter): Promise<RunRow[]>;
  /**
   * The newest stored result per study (for the report), in the order of `studyIds` when given,
   * else by study id. Studies with no stored run are left out.
   */
  latestResults(studyIds?: string[], opts?: { codeVersion?: string }): Promise<StudyResult[]>;
  /** Row count of a table, optionally for one run. */
  count(table: StoreTable, runId?: string): Promise<number>;
  /** Write a table with `COPY … TO` (Parquet with SNAPPY compression, CSV with header, or JSON lines). */
  export(format: ExportFormat, outPath: string, table?: StoreTable): Promise<void>;
  /** Run a read query (analysis, tests); BIGINT values come back as numbers. */
  query(sql: string, params?: Record<string, string | number | boolean | null>): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** Thrown when another process holds the store's file lock. */
export class StoreLockedError extends Error {
  constructor(
    readonly storePath: string,
    readonly holderPid: number | undefined,
  ) {
    super(
      `store ${storePath} is in use by another lmech process${holderPid !== undefined ? ` (pid ${holderPid})` : ''}; ` +
        'wait for it to finish, or pass --store DIR to use a different store',
    );
    this.name = 'StoreLockedError';
  }
}

const DDL = [
  `CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    study_id VARCHAR NOT NULL,
    seed BIGINT NOT NULL,
    code_version VARCHAR NOT NULL,
    config_hash VARCHAR NOT NULL,
    profile VARCHAR NOT NULL,
    params JSON,
    status VARCHAR NOT NULL,
    verdict VARCHAR NOT NULL,
    started_at TIMESTAMP,
    duration_ms DOUBLE,
    result JSON NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS series (
    run_id VARCHAR NOT NULL, observable VARCHAR NOT NULL, grp VARCHAR NOT NULL, kind VARCHAR NOT NULL,
    step DOUBLE, value DOUBLE
  )`,
  `CREATE TABLE IF NOT EXISTS metrics (
    run_id VARCHAR NOT NULL, name VARCHAR NOT NULL, value DOUBLE, tolerance DOUBLE, pass BOOLEAN,
    criterion VARCHAR, reason VARCHAR
  )`,
  `CREATE TABLE IF NOT EXISTS regime (run_id VARCHAR NOT NULL, name VARCHAR NOT NULL, ok BOOLEAN, detail VARCHAR)`,
];

// The JSON codec (NaN, ±Infinity and -0 kept as {"$num": ...}) lives in src/core/jsonCodec.ts, shared with the
// Redis queue and the browser lab; re-exported here for the store's existing importers.
export { decodeJson, encodeJson };

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function toNumber(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'bigint' ? Number(v) : v;
  return out;
}

/** Check a result before any row is written, naming the field that is wrong. */
function validateForSave(r: StudyResult): void {
  const hash = r?.provenance?.configHash;
  if (typeof hash !== 'string' || hash.length === 0) throw new Error(`save: result.provenance.configHash must be a non-empty string, got ${JSON.stringify(hash)}`);
  if (typeof r.id !== 'string' || r.id.length === 0) throw new Error(`save: result.id must be a non-empty string, got ${JSON.stringify(r.id)}`);
  if (!Number.isSafeInteger(r.provenance.seed)) throw new Error(`save: result.provenance.seed must be a safe integer, got ${r.provenance.seed}`);
  for (const [which, obs] of [
    ['prediction', r.prediction],
    ['measurement', r.measurement],
  ] as const) {
    for (const s of obs?.series ?? []) {
      if (s.x.length !== s.y.length)
        throw new Error(`save: ${which} series '${s.name}' (group '${s.group}') has x.length ${s.x.length} but y.length ${s.y.length}; expected equal lengths`);
    }
  }
}

function appendNullableDouble(a: DuckDBAppender, v: number | null | undefined): void {
  if (v === null || v === undefined) a.appendNull();
  else a.appendDouble(v);
}

class DuckStore implements Store {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly path: string,
    readonly readOnly: boolean,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  /** Run `fn` after every earlier operation finished (one connection, one operation at a time). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`store ${this.path} is closed`));
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  /**
   * Append rows to `table` inside the open transaction. The appender's rows join the connection's
   * transaction, so a ROLLBACK removes them too. On error the appender is dropped without flushing.
   */
  private async append(table: StoreTable, fill: (a: DuckDBAppender) => void): Promise<void> {
    const a = await this.conn.createAppender(table);
    try {
      fill(a);
      a.flushSync();
    } catch (e) {
      try {
        a.clear();
      } catch {
        // nothing buffered
      }
      throw e;
    } finally {
      try {
        a.closeSync();
      } catch {
        // closing an appender after a failed row can itself complain; the first error is the one that matters
      }
    }
  }

  get(runId: string): Promise<StudyResult | undefined> {
    return this.serial(async () => {
      const reader = await this.conn.runAndReadAll('SELECT result FROM runs WHERE run_id = $id', { id: runId });
      const rows = reader.getRowsJS();
      if (rows.length === 0) return undefined;
      const result = decodeJson(rows[0][0] as string) as StudyResult;
      result.cached = true;
      return result;
    });
  }

  save(result: StudyResult): Promise<void> {
    if (this.readOnly) return Promise.reject(new Error(`save: store ${this.path} was opened read-only`));
    try {
      validateForSave(result);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.serial(async () => {
      const runId = result.provenance.configHash;
      const { cached: _cached, ...toStore } = result;
      const json = encodeJson(toStore);
      await this.conn.run('BEGIN TRANSACTION');
      try {
        // Delete-then-insert makes a re-save replace the run. Saves are transactions, so child rows
        // exist only if the runs row does: a primary-key lookup spares the table scans for a new run.
        const existing = await this.conn.runAndReadAll('SELECT 1 FROM runs WHERE run_id = $id', { id: runId });
        if (existing.currentRowCount > 0) for (const t of TABLES) await this.conn.run(`DELETE FROM ${t} WHERE run_id = $id`, { id: runId });
        const p = result.provenance;
        const startedMs = Date.parse(p.startedAt);
        await this.conn.run(
          `INSERT INTO runs VALUES ($run_id, $study_id, $seed::BIGINT, $code_version, $config_hash, $profile, $params::JSON,
             $status, $verdict, ${Number.isFinite(startedMs) ? 'epoch_ms($started_ms::BIGINT)' : 'NULL'}, $duration_ms, $result::JSON)`,
          {
            run_id: runId,
            study_id: result.id,
            seed: p.seed,
            code_version: p.codeVersion,
            config_hash: p.configHash,
            profile: p.profile,
            params: encodeJson(p.params ?? {}),
            status: result.verdict === 'error' ? 'error' : 'done',
            verdict: result.verdict,
            ...(Number.isFinite(startedMs) ? { started_ms: startedMs } : {}),
            duration_ms: p.durationMs,
            result: json,
          },
        );
        await this.append('series', (a) => {
          for (const obs of [result.prediction, result.measurement]) {
            for (const s of obs?.series ?? []) {
              for (let i = 0; i < s.x.length; i++) {
                a.appendVarchar(runId);
                a.appendVarchar(s.name);
                a.appendVarchar(s.group);
                a.appendVarchar(s.kind);
                appendNullableDouble(a, s.x[i]);
                appendNullableDouble(a, s.y[i]);
                a.endRow();
              }
            }
          }
        });
        await this.append('metrics', (a) => {
          for (const m of result.metrics) {
            a.appendVarchar(runId);
            a.appendVarchar(m.name);
            appendNullableDouble(a, m.value);
            appendNullableDouble(a, m.tolerance);
            a.appendBoolean(m.pass);
            a.appendVarchar(m.criterionText);
            a.appendVarchar(m.reason);
            a.endRow();
          }
        });
        await this.append('regime', (a) => {
          for (const c of result.regime) {
            a.appendVarchar(runId);
            a.appendVarchar(c.name);
            a.appendBoolean(c.ok);
            a.appendVarchar(c.detail);
            a.endRow();
          }
        });
        await this.conn.run('COMMIT');
      } catch (e) {
        try {
          await this.conn.run('ROLLBACK');
        } catch {
          // the transaction may already be aborted by DuckDB; nothing left to undo
        }
        const msg = e instanceof Error ? e.message : String(e);
        throw new Error(`save of run ${runId} (study '${result.id}') failed and was rolled back: ${msg}`, { cause: e });
      }
    });
  }

  listRuns(filter: RunFilter = {}): Promise<RunRow[]> {
    return this.serial(async () => {
      const where: string[] = [];
      const params: Record<string, DuckDBValue> = {};
      if (filter.studyIds && filter.studyIds.length > 0) {
        where.push(`study_id IN (${filter.studyIds.map((_, i) => `$s${i}`).join(', ')})`);
        filter.studyIds.forEach((s, i) => {
          params[`s${i}`] = s;
        });
      }
      if (filter.status) {
        where.push('status = $status');
        params.status = filter.status;
      }
      if (filter.verdict) {
        where.push('verdict = $verdict');
        params.verdict = filter.verdict;
      }
      if (filter.codeVersion) {
        where.push('code_version = $code_version');
        params.code_version = filter.codeVersion;
      }
      if (filter.seed !== undefined) {
        where.push('seed = $seed::BIGINT');
        params.seed = filter.seed;
      }
      if (filter.limit !== undefined && !(Number.isInteger(filter.limit) && filter.limit >= 0))
        throw new Error(`listRuns: filter.limit must be a non-negative integer, got ${filter.limit}`);
      const sql =
        `SELECT run_id, study_id, seed, code_version, config_hash, profile, params, status, verdict, started_at, duration_ms FROM runs` +
        (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
        ' ORDER BY started_at DESC NULLS LAST, run_id' +
        (filter.limit !== undefined ? ` LIMIT ${filter.limit}` : '');
      const reader = await this.conn.runAndReadAll(sql, params);
      return reader.getRowObjectsJS().map((r) => ({
        runId: r.run_id as string,
        studyId: r.study_id as string,
        seed: toNumber(r.seed),
        codeVersion: r.code_version as string,
        configHash: r.config_hash as string,
        profile: r.profile as string,
        params: (r.params === null ? {} : decodeJson(r.params as string)) as Record<string, unknown>,
        status: r.status as 'done' | 'error',
        verdict: r.verdict as Verdict,
        startedAt: r.started_at instanceof Date ? r.started_at.toISOString() : String(r.started_at),
        durationMs: r.duration_ms as number,
      }));
    });
  }

  latestResults(studyIds?: string[], opts: { codeVersion?: string } = {}): Promise<StudyResult[]> {
    return this.serial(async () => {
      const where: string[] = [];
      const params: Record<string, DuckDBValue> = {};
      if (studyIds) {
        if (studyIds.length === 0) return [];
        where.push(`study_id IN (${studyIds.map((_, i) => `$s${i}`).join(', ')})`);
        studyIds.forEach((s, i) => {
          params[`s${i}`] = s;
        });
      }
      if (opts.codeVersion) {
        where.push('code_version = $code_version');
        params.code_version = opts.codeVersion;
      }
      const sql =
        'SELECT study_id, result FROM runs' +
        (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
        ' QUALIFY row_number() OVER (PARTITION BY study_id ORDER BY started_at DESC NULLS LAST, run_id) = 1 ORDER BY study_id';
      const reader = await this.conn.runAndReadAll(sql, params);
      const byStudy = new Map<string, StudyResult>();
      for (const [id, text] of reader.getRowsJS()) {
        const r = decodeJson(text as string) as StudyResult;
        r.cached = true;
        byStudy.set(id as string, r);
      }
      if (!studyIds) return [...byStudy.values()];
      return studyIds.flatMap((id) => {
        const r = byStudy.get(id);
        return r ? [r] : [];
      });
    });
  }

  count(table: StoreTable, runId?: string): Promise<number> {
    if (!TABLES.includes(table)) return Promise.reject(new Error(`count: table must be one of ${TABLES.join(', ')}, got ${JSON.stringify(table)}`));
    return this.serial(async () => {
      const reader = await this.conn.runAndReadAll(
        `SELECT count(*) AS n FROM ${table}${runId !== undefined ? ' WHERE run_id = $id' : ''}`,
        runId !== undefined ? { id: runId } : undefined,
      );
      return toNumber(reader.getRowsJS()[0][0]);
    });
  }

  export(format: ExportFormat, outPath: string, table: StoreTable = 'series'): Promise<void> {
    if (!FORMATS.includes(format)) return Promise.reject(new Error(`export: format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(format)}`));
    if (!TABLES.includes(table)) return Promise.reject(new Error(`export: table must be one of ${TABLES.join(', ')}, got ${JSON.stringify(table)}`));
    return this.serial(async () => {
      // The runs export leaves out the `result` JSON (it repeats the other tables; large).
      const select: Record<StoreTable, string> = {
        runs: 'SELECT run_id, study_id, seed, code_version, config_hash, profile, params, status, verdict, started_at, duration_ms FROM runs ORDER BY started_at, run_id',
        series: 'SELECT * FROM series ORDER BY run_id, kind, observable, grp, step',
        metrics: 'SELECT * FROM metrics ORDER BY run_id, name',
        regime: 'SELECT * FROM regime ORDER BY run_id, name',
      };
      const options = { parquet: 'FORMAT parquet, COMPRESSION snappy', csv: 'FORMAT csv, HEADER true', jsonl: 'FORMAT json' }[format];
      await this.conn.run(`COPY (${select[table]}) TO ${sqlString(resolve(outPath))} (${options})`);
    });
  }

  query(sql: string, params?: Record<string, string | number | boolean | null>): Promise<Record<string, unknown>[]> {
    return this.serial(async () => {
      const reader = await this.conn.runAndReadAll(sql, params);
      return reader.getRowObjectsJS().map(plainRow);
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const done = this.serial(async () => {
      // Fold the WAL into the database file so the next open starts fast (not needed for durability).
      if (!this.readOnly) await this.conn.run('CHECKPOINT');
    });
    this.closed = true;
    return done.finally(() => {
      this.conn.closeSync();
      this.instance.closeSync();
    });
  }
}

/** The store path is unusable as a directory; `exitCode` 2 makes the CLI print it as bad input, not a stack trace. */
export class StoreDirError extends Error {
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreDirError';
  }
}

/**
 * Create the store directory, or fail with an error naming the path when it (or a parent) is a file: mkdir's bare
 * `EEXIST`/`ENOTDIR` says neither which path nor what was expected.
 */
function makeStoreDir(absDir: string): void {
  try {
    mkdirSync(absDir, { recursive: true });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw e;
    let p = absDir;
    while (dirname(p) !== p && !existsSync(p)) p = dirname(p);
    const which = p === absDir ? `'${absDir}' is a file` : `'${p}' (a parent of '${absDir}') is a file`;
    throw new StoreDirError(`--store: ${which}; expected a directory (it will be created)`, { cause: e });
  }
}

/** Open (creating if needed) the store in `dir` (default `./lmech-data`), file `lmech.duckdb`. */
export async function openStore(dir: string = DEFAULT_STORE_DIR, opts: StoreOptions = {}): Promise<Store> {
  const readOnly = opts.readOnly ?? false;
  const absDir = resolve(dir);
  const file = resolve(absDir, STORE_FILE);
  if (!readOnly) makeStoreDir(absDir);
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(file, readOnly ? { access_mode: 'READ_ONLY' } : {});
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/Could not set lock on file/i.test(msg)) {
      const pid = /\(PID (\d+)\)/i.exec(msg);
      throw new StoreLockedError(file, pid ? Number(pid[1]) : undefined);
    }
    throw new Error(`could not open store ${file}: ${msg}`, { cause: e });
  }
  const conn = await instance.connect();
  if (!readOnly) {
    for (const stmt of DDL) await conn.run(stmt);
    await conn.run(`INSERT OR IGNORE INTO meta VALUES ('schema_version', ${sqlString(SCHEMA_VERSION)})`);
  }
  return new DuckStore(file, readOnly, instance, conn);
}

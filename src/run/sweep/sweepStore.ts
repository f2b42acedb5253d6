/**
 * Sweep tables in the result store (the same DuckDB file as the studies), added through `Store.query` so
 * src/run/store.ts stays unchanged:
 *
 *   sweeps        (sweep_id PK, name, kind 'sweep'|'import', spec JSON, source, code_version, created_at, runs)
 *   sweep_members (sweep_id, run_id) PK both: which runs a sweep (or import) consists of; a run shared by two
 *                 specs is stored once and belongs to both.
 *   sweep_runs    (run_id PK, sweep_id (the sweep that produced it), source 'sweep'|'import', config JSON, labels JSON,
 *                 seed, code_version, status 'done'|'diverged'|'error', diverged_step, message, steps_done,
 *                 final_train_loss, final_test_loss, final_train_accuracy, final_test_accuracy, final JSON,
 *                 flattened config columns for GROUP BY / fits (model_kind, width, depth, parameterization,
 *                 optimizer, lr, batch, weight_decay, n, task, steps), started_at, duration_ms, worker)
 *   series        the store's existing long-form table: (run_id, observable, grp 'sweep'|'import', kind 'measured',
 *                 step, value), so `lmech export` and every reader of `series` see sweep curves too.
 *
 * Durability: a run's sweep_runs row and its series rows are written in one transaction (BEGIN … COMMIT); DuckDB
 * appends the commit to its WAL before COMMIT returns, so a run is durable the moment `saveRun` resolves, and a
 * process killed mid-transaction leaves nothing of that run (the next open discards the uncommitted tail).
 * Re-saving a run (--force) deletes its rows and inserts the new ones in the same transaction: exactly once.
 *
 * Concurrency: transactions here span several `Store.query` calls, so this class serializes its own operations
 * (one at a time); the process that opens the store for a sweep must not use the same Store object for other
 * writes while a sweep runs (the coordinator is the only writer).
 */
import { resolve } from 'node:path';
import { decodeJson, encodeJson, type Store } from '../store.ts';
import type { PlannedSweepRun, RunConfig } from './spec.ts';
import type { SweepRunResult, SweepRunStatus } from './train.ts';

export const SWEEP_DDL = [
  `CREATE TABLE IF NOT EXISTS sweeps (
    sweep_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, kind VARCHAR NOT NULL, spec JSON, source VARCHAR,
    code_version VARCHAR, created_at TIMESTAMP, runs BIGINT
  )`,
  `CREATE TABLE IF NOT EXISTS sweep_members (sweep_id VARCHAR NOT NULL, run_id VARCHAR NOT NULL, PRIMARY KEY (sweep_id, run_id))`,
  `CREATE TABLE IF NOT EXISTS sweep_runs (
    run_id VARCHAR PRIMARY KEY, sweep_id VARCHAR NOT NULL, source VARCHAR NOT NULL, config JSON NOT NULL, labels JSON,
    seed BIGINT, code_version VARCHAR, status VARCHAR NOT NULL, diverged_step BIGINT, message VARCHAR, steps_done BIGINT,
    final_train_loss DOUBLE, final_test_loss DOUBLE, final_train_accuracy DOUBLE, final_test_accuracy DOUBLE, final JSON,
    model_kind VARCHAR, width BIGINT, depth BIGINT, parameterization VARCHAR, optimizer VARCHAR, lr DOUBLE, batch BIGINT,
    weight_decay DOUBLE, n BIGINT, task VARCHAR, steps BIGINT,
    started_at TIMESTAMP, duration_ms DOUBLE, worker VARCHAR
  )`,
];

export type SweepTable = 'sweep_runs' | 'series' | 'sweeps' | 'sweep_members';
export type SweepExportFormat = 'parquet' | 'csv' | 'jsonl';

/** One stored run as the summary shows it. */
export interface StoredSweepRun {
  runId: string;
  status: SweepRunStatus;
  divergedStep: number | null;
  message: string | null;
  seed: number | null;
  labels: Record<string, unknown>;
  final: Record<string, number>;
  durationMs: number | null;
}

/** A run of an import: its points, already validated. */
export interface ImportedRun {
  runId: string;
  name: string;
  config: Record<string, unknown>;
  series: { observable: string; steps: number[]; values: number[] }[];
}

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** Numbers as JSON strings so NaN and ±Infinity survive (DuckDB casts 'NaN', 'Infinity', '-Infinity' to DOUBLE). */
function numberStrings(v: number[]): string {
  return JSON.stringify(v.map((x) => String(x)));
}

function finiteOrNull(v: number | undefined): number | null {
  return v === undefined || Number.isNaN(v) ? null : v;
}

export class SweepStore {
  private chain: Promise<unknown> = Promise.resolve();
  private ready: Promise<void> | undefined;

  constructor(readonly store: Store) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => {});
    return next;
  }

  /** Create the sweep tables if needed (idempotent). */
  init(): Promise<void> {
    this.ready ??= this.serial(async () => {
      for (const stmt of SWEEP_DDL) await this.store.query(stmt);
    });
    return this.ready;
  }

  private async transaction(what: string, fn: () => Promise<void>): Promise<void> {
    await this.store.query('BEGIN TRANSACTION');
    try {
      await fn();
      await this.store.query('COMMIT');
    } catch (e) {
      try {
        await this.store.query('ROLLBACK');
      } catch {
        // DuckDB may have aborted the transaction already; nothing left to undo
      }
      const msg = e instanceof Error ? e.message : String(e);
      throw new Error(`${what} failed and was rolled back: ${msg}`, { cause: e });
    }
  }

  private async insertSeries(runId: string, grp: string, series: { observable: string; steps: number[]; values: number[] }[]): Promise<void> {
    const obs: string[] = [];
    const steps: number[] = [];
    const values: number[] = [];
    for (const s of series) {
      if (s.steps.length !== s.values.length) throw new Error(`series '${s.observable}' of run ${runId} has ${s.steps.length} steps but ${s.values.length} values`);
      for (let i = 0; i < s.steps.length; i++) {
        obs.push(s.observable);
        steps.push(s.steps[i]);
        values.push(s.values[i]);
      }
    }
    if (obs.length === 0) return;
    await this.store.query(
      `INSERT INTO series SELECT $run_id, unnest(from_json($obs, '["VARCHAR"]')), $grp, 'measured',
         unnest(from_json($steps, '["VARCHAR"]'))::DOUBLE, unnest(from_json($vals, '["VARCHAR"]'))::DOUBLE`,
      { run_id: runId, grp, obs: JSON.stringify(obs), steps: numberStrings(steps), vals: numberStrings(values) },
    );
  }

  /** Record a sweep and its membership (idempotent; one transaction). */
  registerSweep(sweep: { sweepId: string; name: string; kind: 'sweep' | 'import'; spec: unknown; source: string | null; codeVersion: string; runIds: string[] }): Promise<void> {
    return this.serial(() =>
      this.transaction(`registering sweep ${sweep.sweepId}`, async () => {
        await this.store.query(
          `INSERT INTO sweeps VALUES ($id, $name, $kind, $spec::JSON, $source::VARCHAR, $cv::VARCHAR, now()::TIMESTAMP, $runs::BIGINT)
           ON CONFLICT (sweep_id) DO UPDATE SET name = excluded.name, spec = excluded.spec, source = excluded.source, runs = excluded.runs`,
          { id: sweep.sweepId, name: sweep.name, kind: sweep.kind, spec: encodeJson(sweep.spec ?? null), source: sweep.source, cv: sweep.codeVersion, runs: sweep.runIds.length },
        );
        await this.store.query(`INSERT OR IGNORE INTO sweep_members SELECT $id, unnest(from_json($ids, '["VARCHAR"]'))`, { id: sweep.sweepId, ids: JSON.stringify(sweep.runIds) });
      }),
    );
  }

  /** Stored status per run id (only the ids that have a row). */
  statuses(runIds: string[]): Promise<Map<string, SweepRunStatus>> {
    return this.serial(async () => {
      const rows = await this.store.query(`SELECT run_id, status FROM sweep_runs WHERE run_id IN (SELECT unnest(from_json($ids, '["VARCHAR"]')))`, { ids: JSON.stringify(runIds) });
      return new Map(rows.map((r) => [r.run_id as string, r.status as SweepRunStatus]));
    });
  }

  /** Store one finished run (replacing an earlier version): its row and its series, one transaction. */
  saveRun(sweepId: string, run: PlannedSweepRun, result: SweepRunResult): Promise<void> {
    if (result.runId !== run.runId) return Promise.reject(new Error(`saveRun: result is for run ${result.runId}, expected ${run.runId}`));
    const c: RunConfig = run.config;
    const startedMs = Date.parse(result.startedAt);
    const n = c.data.n;
    return this.serial(() =>
      this.transaction(`saving run ${run.runId}`, async () => {
        await this.store.query(`DELETE FROM series WHERE run_id = $id AND grp = 'sweep'`, { id: run.runId });
        await this.store.query(`DELETE FROM sweep_runs WHERE run_id = $id`, { id: run.runId });
        await this.store.query(
          `INSERT INTO sweep_runs VALUES ($run_id, $sweep_id, 'sweep', $config::JSON, $labels::JSON, $seed::BIGINT, $code_version::VARCHAR,
             $status, $diverged_step::BIGINT, $message::VARCHAR, $steps_done::BIGINT,
             $ftl::DOUBLE, $fvl::DOUBLE, $fta::DOUBLE, $fva::DOUBLE, $final::JSON,
             $model_kind, $width::BIGINT, $depth::BIGINT, $parameterization, $optimizer, $lr::DOUBLE, $batch::BIGINT, $weight_decay::DOUBLE, $n::BIGINT, $task, $steps::BIGINT,
             ${Number.isFinite(startedMs) ? `epoch_ms(${Math.round(startedMs)}::BIGINT)` : 'NULL'}, $duration_ms::DOUBLE, $worker::VARCHAR)`,
          {
            run_id: run.runId,
            sweep_id: sweepId,
            config: encodeJson(c),
            labels: encodeJson(run.labels),
            seed: run.seed,
            code_version: result.codeVersion,
            status: result.status,
            diverged_step: result.divergedStep,
            message: result.message,
            steps_done: result.stepsDone,
            ftl: finiteOrNull(result.final.final_train_loss),
            fvl: finiteOrNull(result.final.final_test_loss),
            fta: finiteOrNull(result.final.final_train_accuracy),
            fva: finiteOrNull(result.final.final_test_accuracy),
            final: encodeJson(result.final),
            model_kind: c.model.kind,
            width: c.model.width,
            depth: c.model.depth,
            parameterization: c.parameterization,
            optimizer: c.optimizer.name,
            lr: c.optimizer.lr,
            // text: n counts training characters (0 = the whole split) and batch counts windows
            batch: c.optimizer.batch === 'full' ? n : c.data.task === 'text' ? c.optimizer.batch : Math.min(c.optimizer.batch, n),
            weight_decay: c.optimizer.weightDecay,
            n,
            task: c.data.task,
            steps: c.steps,
            duration_ms: result.durationMs,
            worker: result.worker,
          },
        );
        await this.insertSeries(run.runId, 'sweep', result.series);
      }),
    );
  }

  /**
   * Store an import: the sweep row, its membership and every run with its series, replacing whatever this import
   * (same sweep id) held before; all in ONE transaction, so a failure leaves the store as it was.
   */
  saveImport(imp: { sweepId: string; name: string; source: string; spec: unknown; runs: ImportedRun[] }): Promise<void> {
    return this.serial(() =>
      this.transaction(`importing ${imp.source}`, async () => {
        await this.store.query(
          `DELETE FROM series WHERE grp = 'import' AND run_id IN (SELECT run_id FROM sweep_runs WHERE sweep_id = $id AND source = 'import')`,
          { id: imp.sweepId },
        );
        await this.store.query(`DELETE FROM sweep_runs WHERE sweep_id = $id AND source = 'import'`, { id: imp.sweepId });
        await this.store.query(`DELETE FROM sweep_members WHERE sweep_id = $id`, { id: imp.sweepId });
        await this.store.query(`DELETE FROM sweeps WHERE sweep_id = $id`, { id: imp.sweepId });
        await this.store.query(`INSERT INTO sweeps VALUES ($id, $name, 'import', $spec::JSON, $source::VARCHAR, NULL, now()::TIMESTAMP, $runs::BIGINT)`, {
          id: imp.sweepId,
          name: imp.name,
          spec: encodeJson(imp.spec ?? null),
          source: imp.source,
          runs: imp.runs.length,
        });
        for (const r of imp.runs) {
          const cfg = r.config;
          const num = (k: string) => (typeof cfg[k] === 'number' && Number.isFinite(cfg[k]) ? (cfg[k] as number) : null);
          const int = (k: string) => {
            const v = num(k);
            return v !== null && Number.isSafeInteger(v) ? v : null;
          };
          const str = (k: string) => (typeof cfg[k] === 'string' ? (cfg[k] as string) : null);
          const last = (name: string) => {
            const s = r.series.find((x) => x.observable === name);
            return s && s.values.length > 0 ? finiteOrNull(s.values[s.values.length - 1]) : null;
          };
          const final: Record<string, number> = {};
          for (const s of r.series) if (s.values.length > 0) final[s.observable] = s.values[s.values.length - 1];
          const stepsDone = Math.max(0, ...r.series.flatMap((s) => (s.steps.length ? [s.steps[s.steps.length - 1]] : [])));
          await this.store.query(
            `INSERT INTO sweep_runs (run_id, sweep_id, source, config, labels, seed, status, steps_done, final_train_loss, final_test_loss,
               final_train_accuracy, final_test_accuracy, final, width, depth, parameterization, optimizer, lr, batch, weight_decay, n, task, steps)
             VALUES ($run_id, $sweep_id, 'import', $config::JSON, $labels::JSON, $seed::BIGINT, 'done', $steps_done::BIGINT, $ftl::DOUBLE, $fvl::DOUBLE,
               $fta::DOUBLE, $fva::DOUBLE, $final::JSON, $width::BIGINT, $depth::BIGINT, $parameterization::VARCHAR, $optimizer::VARCHAR, $lr::DOUBLE,
               $batch::BIGINT, $weight_decay::DOUBLE, $n::BIGINT, $task::VARCHAR, $steps::BIGINT)`,
            {
              run_id: r.runId,
              sweep_id: imp.sweepId,
              config: encodeJson(cfg),
              labels: encodeJson({ run: r.name }),
              seed: int('seed'),
              steps_done: Number.isSafeInteger(stepsDone) ? stepsDone : null,
              ftl: last('train_loss') ?? last('loss'),
              fvl: last('test_loss'),
              fta: last('train_accuracy'),
              fva: last('test_accuracy'),
              final: encodeJson(final),
              width: int('width'),
              depth: int('depth'),
              parameterization: str('parameterization'),
              optimizer: str('optimizer'),
              lr: num('lr'),
              batch: int('batch'),
              weight_decay: num('weight_decay') ?? num('weightDecay'),
              n: int('n'),
              task: str('task'),
              steps: int('steps'),
            },
          );
          await this.store.query(`INSERT INTO sweep_members VALUES ($id, $run)`, { id: imp.sweepId, run: r.runId });
          await this.insertSeries(r.runId, 'import', r.series);
        }
      }),
    );
  }

  /** The runs of a sweep (its members that are stored), in run-id order. */
  runsOf(sweepId: string): Promise<StoredSweepRun[]> {
    return this.serial(async () => {
      const rows = await this.store.query(
        `SELECT r.run_id, r.status, r.diverged_step, r.message, r.seed, r.labels, r.final, r.duration_ms
         FROM sweep_members m JOIN sweep_runs r USING (run_id) WHERE m.sweep_id = $id ORDER BY r.run_id`,
        { id: sweepId },
      );
      return rows.map((r) => ({
        runId: r.run_id as string,
        status: r.status as SweepRunStatus,
        divergedStep: (r.diverged_step as number | null) ?? null,
        message: (r.message as string | null) ?? null,
        seed: (r.seed as number | null) ?? null,
        labels: r.labels ? (decodeJson(r.labels as string) as Record<string, unknown>) : {},
        final: r.final ? (decodeJson(r.final as string) as Record<string, number>) : {},
        durationMs: (r.duration_ms as number | null) ?? null,
      }));
    });
  }

  /**
   * Write a sweep table with `COPY … TO` (Parquet with SNAPPY compression, CSV with a header, or JSON lines).
   * With `sweepId`, only that sweep's runs (and, for `series`, their points).
   */
  export(format: SweepExportFormat, outPath: string, opts: { table?: SweepTable; sweepId?: string } = {}): Promise<void> {
    const table = opts.table ?? 'sweep_runs';
    const members = opts.sweepId !== undefined ? `run_id IN (SELECT run_id FROM sweep_members WHERE sweep_id = ${sqlString(opts.sweepId)})` : null;
    const select: Record<SweepTable, string> = {
      sweep_runs: `SELECT * FROM sweep_runs${members ? ` WHERE ${members}` : ''} ORDER BY run_id`,
      series: `SELECT * FROM series WHERE grp IN ('sweep', 'import')${members ? ` AND ${members}` : ''} ORDER BY run_id, observable, step`,
      sweeps: `SELECT * FROM sweeps${opts.sweepId !== undefined ? ` WHERE sweep_id = ${sqlString(opts.sweepId)}` : ''} ORDER BY sweep_id`,
      sweep_members: `SELECT * FROM sweep_members${opts.sweepId !== undefined ? ` WHERE sweep_id = ${sqlString(opts.sweepId)}` : ''} ORDER BY sweep_id, run_id`,
    };
    if (!(table in select)) return Promise.reject(new Error(`export: table must be one of ${Object.keys(select).join(', ')}, got ${JSON.stringify(table)}`));
    const options = { parquet: 'FORMAT parquet, COMPRESSION snappy', csv: 'FORMAT csv, HEADER true', jsonl: 'FORMAT json' }[format];
    if (!options) return Promise.reject(new Error(`export: format must be parquet, csv or jsonl, got ${JSON.stringify(format)}`));
    return this.serial(async () => {
      await this.store.query(`COPY (${select[table]}) TO ${sqlString(resolve(outPath))} (${options})`);
    });
  }
}

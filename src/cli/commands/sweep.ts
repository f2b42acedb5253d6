/**
 * `lmech sweep <spec>` (run a user-defined grid of training runs; the coordinator is the only store writer) and
 * `lmech worker --backend redis://HOST:PORT` (process sweep runs queued on Redis by `lmech sweep --backend …`).
 *
 *   lmech sweep spec.yaml [--store DIR] [--workers N] [--force] [--backend redis://HOST:PORT] [--queue NAME]
 *                         [--attempts N] [--summary runs.csv] [--json]
 *   lmech worker --backend redis://HOST:PORT [--concurrency N] [--queue NAME] [--lock-ms MS] [--stalled-ms MS]
 *
 * Exit codes: 0 every run is done or diverged; 1 some run ended in error; 2 bad input (spec, flags); 130 interrupted.
 * LMECH_CODE_VERSION, when set, replaces the code version in run ids and queue names (reproducing a sweep made by
 * other code, tests); coordinator and workers must agree on it.
 */
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { codeVersion } from '../../run/codeVersion.ts';
import { openStore, StoreLockedError } from '../../run/store.ts';
import type { SweepEvent, SweepSummary } from '../../run/sweep/coordinator.ts';
import { expandSweep, parseSpecText } from '../../run/sweep/spec.ts';
import { CliError, intFlag } from '../errors.ts';

/** The code version in run ids: LMECH_CODE_VERSION if set, else `codeVersion()`. */
export function sweepCodeVersion(): string {
  const v = process.env.LMECH_CODE_VERSION;
  return v !== undefined && v !== '' ? v : codeVersion();
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function num(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v);
}

function labelText(labels: Record<string, unknown>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

function eventLine(e: SweepEvent): string {
  switch (e.type) {
    case 'plan': {
      const where = e.backend === 'redis' ? `on Redis queue ${e.queue}` : e.backend === 'threads' ? `on ${e.workers} worker threads` : 'in-process';
      const parts = [`sweep ${e.name} (${e.sweepId}): ${e.total} run${e.total === 1 ? '' : 's'}`];
      if (e.stored > 0) parts.push(`${e.stored} already stored`);
      parts.push(e.toRun > 0 ? `${e.toRun} to run ${where}` : 'nothing to run');
      return parts.join(', ');
    }
    case 'result': {
      const r = e.result;
      const what =
        r.status === 'done'
          ? `done, train loss ${num(r.final.final_train_loss)}${r.final.final_test_loss !== undefined ? `, test loss ${num(r.final.final_test_loss)}` : ''}`
          : r.status === 'diverged'
            ? `diverged at step ${r.divergedStep}`
            : `error: ${(r.message ?? '').split('\n')[0]}`;
      const labels = labelText(e.run.labels);
      return `${e.done}/${e.toRun} ${r.runId}${labels ? ` ${labels}` : ''}: ${what} (${seconds(r.durationMs)})`;
    }
    case 'waiting':
      return e.message;
  }
}

export function summaryJson(s: SweepSummary): unknown {
  return {
    sweep: { id: s.sweepId, name: s.name, total: s.total, stored: s.stored, ran: s.ran, counts: s.counts },
    runs: s.runs.map((r) => ({ runId: r.runId, status: r.status, divergedStep: r.divergedStep, seed: r.seed, labels: r.labels, final: r.final, ...(r.message ? { message: r.message } : {}) })),
  };
}

interface SweepFlags {
  store: string;
  workers?: string;
  force?: boolean;
  backend?: string;
  queue?: string;
  attempts?: string;
  summary?: string;
  json?: boolean;
}

/** Read and validate a spec file; every problem is a CliError-compatible SpecError (exit 2). */
export function loadSpecFile(path: string) {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`spec: cannot read '${path}': ${(e as Error).message}`);
  }
  const ext = extname(path).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(ext)) throw new CliError(`spec: '${path}' should end in .yaml, .yml or .json, got '${ext || '(no extension)'}'`);
  return parseSpecText(text, path);
}

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('run a user-defined sweep (a grid of training runs) from a YAML or JSON spec; stored runs are skipped (see `lmech schema sweep`)')
    .argument('<spec>', 'the sweep spec (.yaml, .yml or .json)')
    .option('--store <dir>', 'result store directory', './lmech-data')
    .option('--workers <n>', 'local worker threads (default: number of cores; 1 runs in-process)')
    .option('--force', 're-run and overwrite runs that are already stored')
    .option('--backend <url>', 'run on BullMQ workers through Redis: redis://HOST:PORT (start `lmech worker --backend …` on any machines)')
    .option('--queue <name>', 'BullMQ queue name (default: lmech-sweep-<code version>)')
    .option('--attempts <n>', 'with --backend: attempts per run before it is stored as error (default 3)')
    .option('--summary <file>', 'also write one row per run (flattened config, status, final metrics) to a .csv, .jsonl or .parquet file')
    .option('--json', 'print one JSON object: {"sweep":{…},"runs":[…]}')
    .action(async (specPath: string, flags: SweepFlags) => {
      const spec = loadSpecFile(specPath);
      const workers = intFlag('--workers', flags.workers, 1, 1024);
      const attempts = intFlag('--attempts', flags.attempts, 1, 100);
      if (flags.backend !== undefined && workers !== undefined)
        throw new CliError(`--workers: not used with --backend (runs execute in \`lmech worker\` processes; give them --concurrency N)`);
      if (flags.backend === undefined && (flags.queue !== undefined || attempts !== undefined))
        throw new CliError(`${flags.queue !== undefined ? '--queue' : '--attempts'}: only used with --backend redis://HOST:PORT`);
      let summaryFormat: 'csv' | 'jsonl' | 'parquet' | undefined;
      if (flags.summary !== undefined) {
        const ext = extname(flags.summary).toLowerCase();
        summaryFormat = ext === '.csv' ? 'csv' : ext === '.jsonl' ? 'jsonl' : ext === '.parquet' ? 'parquet' : undefined;
        if (!summaryFormat) throw new CliError(`--summary: '${flags.summary}' should end in .csv, .jsonl or .parquet`);
      }
      if (flags.backend !== undefined) {
        const { parseRedisUrl } = await import('../../run/redis/connection.ts');
        parseRedisUrl(flags.backend);
      }
      const sweep = expandSweep(spec, sweepCodeVersion());
      // loaded here, not at the top: every `lmech` command imports this file
      const { runSweep } = await import('../../run/sweep/coordinator.ts');
      const { SweepStore } = await import('../../run/sweep/sweepStore.ts');
      const store = await openStore(resolve(flags.store)).catch((e: unknown) => {
        if (e instanceof StoreLockedError) throw new CliError(e.message);
        throw e;
      });
      const log = (line: string) => {
        if (!flags.json) process.stderr.write(`[lmech] ${line}\n`);
      };
      const abort = new AbortController();
      const onSignal = () => {
        if (abort.signal.aborted) process.exit(130);
        abort.abort(new CliError('interrupted; finished runs are stored and will be skipped on the next run', 130));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const t0 = Date.now();
      let summary: SweepSummary;
      try {
        summary = await runSweep(sweep, {
          store,
          ...(workers !== undefined ? { workers } : {}),
          force: flags.force === true,
          source: resolve(specPath),
          ...(flags.backend !== undefined
            ? { backend: { kind: 'redis' as const, url: flags.backend, ...(flags.queue !== undefined ? { queue: flags.queue } : {}), ...(attempts !== undefined ? { attempts } : {}) } }
            : {}),
          signal: abort.signal,
          onEvent: (e) => log(eventLine(e)),
        });
        if (flags.summary !== undefined && summaryFormat) {
          await new SweepStore(store).export(summaryFormat, flags.summary, { table: 'sweep_runs', sweepId: sweep.sweepId });
          log(`wrote ${resolve(flags.summary)}`);
        }
      } catch (e) {
        if (abort.signal.aborted && abort.signal.reason instanceof CliError) throw abort.signal.reason;
        throw e;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await store.close();
      }
      const c = summary.counts;
      log(
        `sweep ${summary.name} (${summary.sweepId}): ${summary.total} runs: ${c.done} done, ${c.diverged} diverged, ${c.error} error; ` +
          `${summary.stored} from the store, ${summary.ran} run now (${seconds(Date.now() - t0)})`,
      );
      if (flags.json) console.log(JSON.stringify(summaryJson(summary)));
      process.exitCode = c.error > 0 ? 1 : 0;
    });
}

interface WorkerFlags {
  backend: string;
  concurrency?: string;
  queue?: string;
  lockMs?: string;
  stalledMs?: string;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('process runs queued on Redis by `lmech sweep --backend …` or `lmech map --backend …` (runs until Ctrl-C / SIGTERM)')
    .requiredOption('--backend <url>', 'the Redis server: redis://HOST:PORT')
    .option('--concurrency <n>', 'runs at the same time, one worker thread each (default 1)')
    .option('--queue <name>', 'BullMQ queue name (default: lmech-sweep-<code version>, the coordinator’s default)')
    .option('--lock-ms <ms>', 'job lock duration: how soon a job of a dead worker goes back to the queue (default 30000)')
    .option('--stalled-ms <ms>', 'how often to look for stalled jobs (default 30000)')
    .action(async (flags: WorkerFlags) => {
      const concurrency = intFlag('--concurrency', flags.concurrency, 1, 256) ?? 1;
      const lockDurationMs = intFlag('--lock-ms', flags.lockMs, 100, 3_600_000);
      const stalledIntervalMs = intFlag('--stalled-ms', flags.stalledMs, 100, 3_600_000);
      const { parseRedisUrl, displayUrl } = await import('../../run/redis/connection.ts');
      parseRedisUrl(flags.backend);
      const { defaultQueueName } = await import('../../run/redis/queue.ts');
      const { startSweepWorker } = await import('../../run/redis/worker.ts');
      const version = sweepCodeVersion();
      const queue = flags.queue ?? defaultQueueName(version);
      const log = (line: string) => process.stderr.write(`[lmech] ${line}\n`);
      const worker = await startSweepWorker({
        url: flags.backend,
        queue,
        concurrency,
        codeVersion: version,
        ...(lockDurationMs !== undefined ? { lockDurationMs } : {}),
        ...(stalledIntervalMs !== undefined ? { stalledIntervalMs } : {}),
        onEvent: (e) => {
          switch (e.type) {
            case 'ready':
              log(`worker ${e.id} on ${displayUrl(flags.backend)}, queue ${e.queue}, concurrency ${e.concurrency}`);
              break;
            case 'active':
              log(`job ${e.jobId} started (attempt ${e.attempt})`);
              break;
            case 'completed':
              log(`job ${e.jobId} ${e.status} (${seconds(e.durationMs)})`);
              break;
            case 'failed':
              log(`job ${e.jobId} failed (attempt ${e.attempt}${e.willRetry ? ', will retry' : ', giving up'}): ${e.reason.split('\n')[0]}`);
              break;
            case 'error':
              log(`warning: ${e.message}`);
              break;
          }
        },
      });
      await new Promise<void>((resolveStop) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          const force = () => process.exit(130);
          process.once('SIGINT', force);
          process.once('SIGTERM', force);
          log('stopping: finishing the running jobs (Ctrl-C again to quit now; their jobs go back to the queue)');
          worker.close().then(resolveStop, resolveStop);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

/**
 * The sweep coordinator: the only process that writes the store.
 *
 * 1. Expand the spec (done by the caller: `expandSweep`) and register the sweep and its membership.
 * 2. Ask the store which runs it already has: `done` and `diverged` runs are skipped (unless `force`); runs stored
 *    as `error` are run again.
 * 3. Send the rest to a backend: the local executor (worker threads, or this thread with one worker), or BullMQ on
 *    Redis (`backend: { kind: 'redis', url }`), whose `lmech worker` processes run the same `runSweepTask`.
 * 4. Save each result the moment it arrives, in one transaction (its row and its series): a reported run is
 *    durable. Killing this process at any moment loses at most the runs in flight; re-running the same command
 *    skips what is stored and runs the rest, so every run ends up in the store exactly once.
 */
import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import type { Store } from '../store.ts';
import { createExecutor } from './executor.ts';
import type { ExpandedSweep, PlannedSweepRun } from './spec.ts';
import { type StoredSweepRun, SweepStore } from './sweepStore.ts';
import type { SweepRunResult, SweepRunStatus } from './train.ts';

export interface RedisBackendOptions {
  kind: 'redis';
  /** redis://HOST:PORT[/DB] */
  url: string;
  /** Queue name (default: derived from the code version, so workers with other code never take these jobs). */
  queue?: string;
  /** Attempts per job before it is recorded as 'error' (default 3); failed attempts back off exponentially. */
  attempts?: number;
  /** First backoff delay in ms (default 1000; doubles per attempt). */
  backoffMs?: number;
}

export interface SweepRunOptions {
  store: Store;
  /** Local worker threads (default: number of cores). 1 runs in this thread. Ignored with a Redis backend. */
  workers?: number;
  /** Re-run and overwrite runs that are already stored. */
  force?: boolean;
  backend?: RedisBackendOptions;
  /** The spec file, for the sweeps table. */
  source?: string;
  onEvent?: (e: SweepEvent) => void;
  signal?: AbortSignal;
}

export type SweepEvent =
  | {
      type: 'plan';
      sweepId: string;
      name: string;
      total: number;
      stored: number;
      toRun: number;
      backend: 'in-process' | 'threads' | 'redis';
      workers: number;
      queue?: string;
    }
  | { type: 'result'; run: PlannedSweepRun; result: SweepRunResult; done: number; toRun: number }
  | { type: 'waiting'; message: string };

export interface SweepSummary {
  sweepId: string;
  name: string;
  total: number;
  /** Runs answered from the store. */
  stored: number;
  /** Runs executed by this invocation. */
  ran: number;
  counts: Record<SweepRunStatus, number>;
  runs: StoredSweepRun[];
}

/** Runs tasks somewhere and reports each result; resolves when every task has reported. */
export type Dispatch = (runs: PlannedSweepRun[], onResult: (run: PlannedSweepRun, result: SweepRunResult) => Promise<void>, signal: AbortSignal) => Promise<void>;

function localDispatch(threads: number): Dispatch {
  return async (runs, onResult, signal) => {
    const executor = createExecutor({ threads, inProcess: threads === 1 });
    try {
      await Promise.all(runs.map((run) => executor.run(run, signal).then((result) => onResult(run, result))));
    } finally {
      await executor.close();
    }
  };
}

export async function runSweep(sweep: ExpandedSweep, opts: SweepRunOptions): Promise<SweepSummary> {
  const emit = opts.onEvent ?? (() => {});
  const db = new SweepStore(opts.store);
  await db.init();
  const codeVersion = sweep.runs[0]?.codeVersion ?? 'unknown';
  await db.registerSweep({
    sweepId: sweep.sweepId,
    name: sweep.name,
    kind: 'sweep',
    spec: sweep.spec,
    source: opts.source ?? null,
    codeVersion,
    runIds: sweep.runs.map((r) => r.runId),
  });

  const stored = opts.force ? new Map<string, SweepRunStatus>() : await db.statuses(sweep.runs.map((r) => r.runId));
  const toRun = sweep.runs.filter((r) => {
    const s = stored.get(r.runId);
    return s === undefined || s === 'error';
  });
  const storedCount = sweep.runs.length - toRun.length;

  let dispatch: Dispatch;
  let backend: 'in-process' | 'threads' | 'redis';
  let workers: number;
  let queue: string | undefined;
  if (opts.backend?.kind === 'redis') {
    const { redisDispatch, defaultQueueName } = await import('../redis/queue.ts');
    queue = opts.backend.queue ?? defaultQueueName(codeVersion);
    dispatch = redisDispatch({ ...opts.backend, queue, force: opts.force === true, onWaiting: (message) => emit({ type: 'waiting', message }) });
    backend = 'redis';
    workers = 0;
  } else {
    const requested = opts.workers ?? availableParallelism();
    if (!(Number.isInteger(requested) && requested >= 1)) throw new Error(`workers: expected an integer >= 1, got ${requested}`);
    workers = Math.max(1, Math.min(requested, toRun.length));
    backend = workers === 1 ? 'in-process' : 'threads';
    dispatch = localDispatch(workers);
  }
  emit({ type: 'plan', sweepId: sweep.sweepId, name: sweep.name, total: sweep.runs.length, stored: storedCount, toRun: toRun.length, backend, workers, ...(queue ? { queue } : {}) });

  let ran = 0;
  if (toRun.length > 0) {
    opts.signal?.throwIfAborted();
    // One controller for the dispatch: the caller's abort, or a failed save (fatal: the store is the point).
    const inner = new AbortController();
    // every queued task listens for the abort (piscina adds one listener per task): no listener limit here
    setMaxListeners(0, inner.signal);
    const onAbort = () => inner.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let fatal: { e: unknown } | undefined;
    const saved = new Set<string>();
    try {
      await dispatch(
        toRun,
        async (run, result) => {
          if (inner.signal.aborted || saved.has(run.runId)) return;
          try {
            await db.saveRun(sweep.sweepId, run, result);
          } catch (e) {
            fatal ??= { e };
            inner.abort(e);
            return;
          }
          saved.add(run.runId);
          ran++;
          emit({ type: 'result', run, result, done: ran, toRun: toRun.length });
        },
        inner.signal,
      );
    } catch (e) {
      if (fatal) throw fatal.e;
      throw e;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    if (fatal) throw fatal.e;
    opts.signal?.throwIfAborted();
  }

  const runs = await db.runsOf(sweep.sweepId);
  const counts: Record<SweepRunStatus, number> = { done: 0, diverged: 0, error: 0 };
  for (const r of runs) counts[r.status]++;
  return { sweepId: sweep.sweepId, name: sweep.name, total: sweep.runs.length, stored: storedCount, ran, counts, runs };
}

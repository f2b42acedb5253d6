/**
 * Where sweep runs execute: a piscina pool of worker threads (the default, one thread per core), or the calling
 * thread (one worker). Both call the same `runSweepTask`; `lmech worker` (BullMQ) uses the thread pool too, so a
 * remote job runs exactly the code a local one does, and the worker's event loop stays free to renew job locks.
 */
import { Piscina } from 'piscina';
import type { SweepTask } from './spec.ts';
import { type SweepRunResult, runSweepTask } from './train.ts';

export interface SweepExecutor {
  /** Worker threads (0: runs in the calling thread). */
  readonly threads: number;
  /** Never rejects for a failed run (status 'error'); rejects only when aborted. */
  run(task: SweepTask, signal?: AbortSignal): Promise<SweepRunResult>;
  close(): Promise<void>;
}

/** A result standing in for a run whose thread died (crash, out of memory). */
export function crashedResult(task: SweepTask, error: unknown, startedAt: number): SweepRunResult {
  return {
    runId: task.runId,
    seed: task.seed,
    codeVersion: task.codeVersion,
    status: 'error',
    divergedStep: null,
    message: `worker thread failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    stepsDone: 0,
    series: [],
    final: {},
    startedAt: new Date(startedAt).toISOString(),
    durationMs: Date.now() - startedAt,
    worker: 'local',
  };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The sweep was aborted', 'AbortError');
}

/** Runs tasks one at a time in this thread, yielding to the event loop between runs. */
class InProcessExecutor implements SweepExecutor {
  readonly threads = 0;
  private chain: Promise<unknown> = Promise.resolve();
  run(task: SweepTask, signal?: AbortSignal): Promise<SweepRunResult> {
    const next = this.chain.then(
      () =>
        new Promise<SweepRunResult>((resolve, reject) => {
          setImmediate(() => {
            if (signal?.aborted) return reject(abortReason(signal));
            try {
              resolve(runSweepTask(task, signal ? { signal } : {}));
            } catch (e) {
              reject(e);
            }
          });
        }),
    );
    this.chain = next.catch(() => {});
    return next;
  }
  async close(): Promise<void> {
    await this.chain;
  }
}

class ThreadExecutor implements SweepExecutor {
  private readonly pool: Piscina<SweepTask, SweepRunResult>;
  constructor(readonly threads: number) {
    this.pool = new Piscina<SweepTask, SweepRunResult>({
      filename: new URL('./worker-entry.mjs', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
    });
  }
  async run(task: SweepTask, signal?: AbortSignal): Promise<SweepRunResult> {
    const t0 = Date.now();
    try {
      return await this.pool.run(task, signal ? { signal } : {});
    } catch (e) {
      if (signal?.aborted) throw abortReason(signal);
      return crashedResult(task, e, t0);
    }
  }
  close(): Promise<void> {
    return this.pool.destroy();
  }
}

/** `threads` ≥ 1; `inProcess` (only with threads = 1) runs in the calling thread instead of one worker thread. */
export function createExecutor(opts: { threads: number; inProcess?: boolean }): SweepExecutor {
  if (!(Number.isInteger(opts.threads) && opts.threads >= 1)) throw new Error(`workers: expected an integer >= 1, got ${opts.threads}`);
  if (opts.inProcess && opts.threads === 1) return new InProcessExecutor();
  return new ThreadExecutor(opts.threads);
}

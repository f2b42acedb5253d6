/**
 * `lmech worker`: take sweep runs from a BullMQ queue on Redis and run them with the same code path as the local
 * pool (a piscina pool of `concurrency` worker threads running `runSweepTask`). The main thread only moves jobs,
 * so BullMQ can renew job locks while a run computes; if this process dies mid-job its lock expires after
 * `lockDurationMs` and another worker's stalled-job check puts the job back in the queue.
 *
 * Results go back to the coordinator as the job's return value (non-finite numbers encoded with src/core/jsonCodec.ts
 * encodeJson); the worker never touches the store. A run that ends in status 'error' fails the job, so BullMQ
 * retries it with backoff; diverged runs are results like any other.
 */
import { hostname } from 'node:os';
import { UnrecoverableError, Worker } from 'bullmq';
import { encodeJson } from '../../core/jsonCodec.ts';
import { createExecutor } from '../sweep/executor.ts';
import type { SweepTask } from '../sweep/spec.ts';
import { parseRedisUrl, pingRedis } from './connection.ts';
import { createStudyJobExecutor, isStudyJob, type StudyJobExecutor, type StudyJobTask } from './studyJobs.ts';

export interface SweepWorkerOptions {
  url: string;
  queue: string;
  /** Runs at the same time (= worker threads), default 1. */
  concurrency?: number;
  /** The code version this worker runs; a job made by other code fails without retry (unless allowVersionMismatch). */
  codeVersion: string;
  allowVersionMismatch?: boolean;
  /** BullMQ job lock (default 30000 ms): how long a dead worker's job stays claimed. */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (default 30000 ms, BullMQ's default). */
  stalledIntervalMs?: number;
  onEvent?: (e: WorkerEvent) => void;
}

export type WorkerEvent =
  | { type: 'ready'; queue: string; concurrency: number; id: string }
  | { type: 'active'; jobId: string; attempt: number }
  | { type: 'completed'; jobId: string; status: string; durationMs: number }
  | { type: 'failed'; jobId: string; reason: string; attempt: number; willRetry: boolean }
  | { type: 'error'; message: string };

export interface RunningWorker {
  /** Stop taking jobs, wait for the running ones, release the threads. */
  close(): Promise<void>;
}

export async function startSweepWorker(opts: SweepWorkerOptions): Promise<RunningWorker> {
  const concurrency = opts.concurrency ?? 1;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new Error(`concurrency: expected an integer >= 1, got ${concurrency}`);
  const connection = parseRedisUrl(opts.url);
  await pingRedis(opts.url);
  const emit = opts.onEvent ?? (() => {});
  // Always worker threads, even for one job at a time: a run computing on the main thread would block the lock renewal.
  const executor = createExecutor({ threads: concurrency });
  // Study jobs (`lmech map --backend`) run in the local pool's worker threads, started on the first such job.
  let studies: StudyJobExecutor | undefined;
  const id = `${hostname()}:${process.pid}`;
  const worker = new Worker<SweepTask | StudyJobTask, string>(
    opts.queue,
    async (job) => {
      const task = job.data;
      if (task.codeVersion !== opts.codeVersion && !opts.allowVersionMismatch)
        throw new UnrecoverableError(`job ${job.id} was made by code version ${task.codeVersion}, this worker runs ${opts.codeVersion}; run the same code on every machine`);
      if (isStudyJob(task)) {
        studies ??= createStudyJobExecutor(concurrency);
        const r = await studies.run(task);
        emit({ type: 'completed', jobId: String(job.id), status: r.verdict, durationMs: r.provenance.durationMs });
        return encodeJson(r);
      }
      const result = await executor.run(task);
      if (result.status === 'error') throw new Error(result.message ?? 'run failed');
      emit({ type: 'completed', jobId: String(job.id), status: result.status, durationMs: result.durationMs });
      return encodeJson({ ...result, worker: `${id}${result.worker.replace(/^[^/]*/, '')}` });
    },
    {
      connection,
      concurrency,
      ...(opts.lockDurationMs !== undefined ? { lockDuration: opts.lockDurationMs } : {}),
      ...(opts.stalledIntervalMs !== undefined ? { stalledInterval: opts.stalledIntervalMs } : {}),
      maxStalledCount: 2,
      name: id,
    },
  );
  worker.on('active', (job) => emit({ type: 'active', jobId: String(job.id), attempt: job.attemptsMade + 1 }));
  worker.on('failed', (job, err) => {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    emit({ type: 'failed', jobId: String(job.id), reason: err.message, attempt: job.attemptsMade, willRetry: !(err instanceof UnrecoverableError) && job.attemptsMade < attempts });
  });
  worker.on('error', (e) => emit({ type: 'error', message: e.message }));
  await worker.waitUntilReady();
  emit({ type: 'ready', queue: opts.queue, concurrency, id });
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        await worker.close();
        await executor.close();
        await studies?.close();
      })();
      return closing;
    },
  };
}

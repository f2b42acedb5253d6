/**
 * The coordinator's side of a distributed sweep on BullMQ (Redis).
 *
 * - Every run is a job whose id is `run-<run id>` (the content hash), so submitting the same sweep again is
 *   idempotent: BullMQ ignores an `add` whose job id exists, and a job that completed while no coordinator was
 *   listening is collected from Redis (`returnvalue`) the next time.
 * - Jobs are kept after completion (`removeOnComplete: false`) until the coordinator has saved the result to the
 *   store; then it removes them. A coordinator killed between the two finds the run in the store and skips it.
 * - Failed attempts are retried with exponential backoff (`attempts`, `backoffMs`); a job that fails every attempt
 *   is stored as status 'error' with BullMQ's failure reason (and retried by the next invocation, like a local
 *   error). Diverged runs are normal completions.
 * - Results are collected by one 'completed'/'failed' listener each on a QueueEvents stream (no per-job
 *   `waitUntilFinished`, which would add a listener per job), plus a reconciliation pass every 2 s that catches
 *   anything an event missed.
 * - The coordinator stays the only store writer: workers only return results.
 */
import { type Job, Queue, QueueEvents } from 'bullmq';
import { decodeJson } from '../../core/jsonCodec.ts';
import type { Dispatch } from '../sweep/coordinator.ts';
import type { PlannedSweepRun, SweepTask } from '../sweep/spec.ts';
import type { SweepRunResult } from '../sweep/train.ts';
import { displayUrl, parseRedisUrl, pingRedis } from './connection.ts';

/**
 * The BullMQ job id of a run: `run-<run id>`. Deterministic, so re-submitting is idempotent; the prefix keeps BullMQ
 * from rejecting the (about 1 in 2000) hex run ids made only of digits ("Custom Id cannot be integers").
 */
export function jobIdOf(runId: string): string {
  return `run-${runId}`;
}

/** Queue names carry the code version, so a worker running other code never takes these jobs. */
export function defaultQueueName(codeVersion: string): string {
  return `lmech-sweep-${codeVersion.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

export interface RedisDispatchOptions {
  url: string;
  queue: string;
  attempts?: number;
  backoffMs?: number;
  force: boolean;
  /** Called when no worker is connected to the queue (after 3 s, then every 30 s). */
  onWaiting?: (message: string) => void;
  /** Reconciliation interval in ms (default 2000). */
  pollMs?: number;
}

/**
 * What one kind of job (sweep runs; study runs of `lmech map`, see ./studyJobs.ts) needs from this module: the
 * payload of a run, the result standing in for a job that failed every attempt, and the decoding (and check) of a
 * completed job's return value. Everything else (idempotent job ids, retries, collection, reconciliation) is shared.
 */
export interface JobKind<R extends { runId: string }, T, Res> {
  taskOf(run: R): T;
  failedResult(run: R, reason: string, attempts: number, finishedOn: number | undefined): Res;
  /** The result in a completed job's return value; throws if it is not the result of `run`. */
  decode(returnvalue: unknown, run: R, jobId: string): Res;
}

/** Runs tasks on Redis workers and reports each result; resolves when every task has reported. */
export type JobDispatch<R, Res> = (runs: R[], onResult: (run: R, result: Res) => Promise<void>, signal: AbortSignal) => Promise<void>;

function taskOf(run: PlannedSweepRun): SweepTask {
  return { runId: run.runId, config: run.config, seed: run.seed, codeVersion: run.codeVersion };
}

function failedResult(run: PlannedSweepRun, reason: string, attempts: number, finishedOn: number | undefined): SweepRunResult {
  const t = finishedOn ?? Date.now();
  return {
    runId: run.runId,
    seed: run.seed,
    codeVersion: run.codeVersion,
    status: 'error',
    divergedStep: null,
    message: `job failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`,
    stepsDone: 0,
    series: [],
    final: {},
    startedAt: new Date(t).toISOString(),
    durationMs: 0,
    worker: 'redis',
  };
}


interface JobOptions {
  attempts: number;
  backoff: { type: 'exponential'; delay: number };
  removeOnComplete: false;
  removeOnFail: false;
}

/** What the result collector shares with the dispatch: the queue, the runs still pending, and how to finish. */
interface Collector<R extends { runId: string }, T, Res> {
  kind: JobKind<R, T, Res>;
  queue: Queue;
  byId: Map<string, R>;
  pending: Set<string>;
  jobOptions: JobOptions;
  onResult: (run: R, result: Res) => Promise<void>;
  /** Called when nothing is pending any more. */
  done: () => void;
}

/** The result a completed sweep job returned, checked to be for the run it was submitted for. */
function completedResult(raw: unknown, run: PlannedSweepRun, id: string): SweepRunResult {
  const decoded = (typeof raw === 'string' ? decodeJson(raw) : raw) as SweepRunResult | null;
  if (!decoded || decoded.runId !== run.runId) throw new Error(`job ${id} returned a result for run ${decoded?.runId}; expected ${run.runId}`);
  return decoded;
}

/** Sweep runs: the job kind `lmech sweep --backend` submits. */
export const SWEEP_JOBS: JobKind<PlannedSweepRun, SweepTask, SweepRunResult> = { taskOf, failedResult, decode: completedResult };

/** Hand a finished job's result to the store, then remove the job (or resubmit it if it vanished). */
async function collectFinished<R extends { runId: string }, T, Res>(c: Collector<R, T, Res>, run: R, id: string, state: 'completed' | 'failed'): Promise<void> {
  const job: Job | undefined = await c.queue.getJob(id);
  if (!job) {
    await c.queue.add('run', c.kind.taskOf(run), { ...c.jobOptions, jobId: id });
    return;
  }
  const result =
    state === 'completed' ? c.kind.decode(job.returnvalue as unknown, run, id) : c.kind.failedResult(run, job.failedReason ?? 'unknown reason', job.attemptsMade, job.finishedOn);
  await c.onResult(run, result);
  c.pending.delete(id);
  await job.remove().catch(() => {
    // already gone: harmless, the store has the run
  });
}

/** check(id): look at one pending job and collect it if finished; concurrent calls for one id are coalesced. */
function makeCheck<R extends { runId: string }, T, Res>(c: Collector<R, T, Res>): (id: string) => Promise<void> {
  const checking = new Set<string>();
  const again = new Set<string>();
  const check = async (id: string): Promise<void> => {
    const run = c.byId.get(id);
    if (!run || !c.pending.has(id)) return;
    if (checking.has(id)) {
      // an event arrived while this job was being looked at: look again when that finishes
      again.add(id);
      return;
    }
    checking.add(id);
    try {
      // State first, then the job: a job read before it finished would lack its return value even if the state,
      // read a moment later, says completed. Once completed or failed, a job no longer changes.
      const state = await c.queue.getJobState(id);
      if (state === 'unknown') {
        // removed behind our back (e.g. a queue clean): submit it again
        await c.queue.add('run', c.kind.taskOf(run), { ...c.jobOptions, jobId: id });
      } else if (state === 'completed' || state === 'failed') {
        await collectFinished(c, run, id, state);
      }
    } finally {
      checking.delete(id);
    }
    if (again.delete(id)) return check(id);
    if (c.pending.size === 0) c.done();
  };
  return check;
}

/**
 * Failed jobs from an earlier invocation are tried again (a new invocation retries 'error' runs); with --force,
 * completed ones too. Anything waiting or active is left alone: its result is as good as new. Then every run is
 * added (idempotent by job id), in batches.
 */
async function submitRuns<R extends { runId: string }, T>(queue: Queue, runs: readonly R[], taskOfRun: (run: R) => T, jobOptions: JobOptions, force: boolean): Promise<void> {
  for (const run of runs) {
    const job = await queue.getJob(jobIdOf(run.runId));
    if (!job) continue;
    const state = await job.getState();
    if (state === 'failed' || (force && state === 'completed')) await job.remove();
  }
  const batch = 500;
  for (let i = 0; i < runs.length; i += batch) {
    await queue.addBulk(runs.slice(i, i + batch).map((r) => ({ name: 'run', data: taskOfRun(r), opts: { ...jobOptions, jobId: jobIdOf(r.runId) } })));
  }
}

/** Every pollMs, re-check all pending jobs (catches missed events) and warn when no worker serves the queue. */
function startReconciliation(
  opts: RedisDispatchOptions,
  queue: Queue,
  pending: Set<string>,
  check: (id: string) => Promise<void>,
  fail: (e: unknown) => void,
): NodeJS.Timeout {
  const started = Date.now();
  let lastWarning = 0;
  let reconciling = false;
  return setInterval(() => {
    if (reconciling) return;
    reconciling = true;
    (async () => {
      for (const id of [...pending]) await check(id);
      if (pending.size > 0 && opts.onWaiting && Date.now() - started > 3000 && Date.now() - lastWarning > 30_000) {
        const workers = await queue.getWorkersCount();
        if (workers === 0) {
          lastWarning = Date.now();
          opts.onWaiting(
            `${pending.size} run(s) queued on ${displayUrl(opts.url)} (queue ${opts.queue}) and no worker is connected to that queue; ` +
              `start one with \`lmech worker --backend ${displayUrl(opts.url)}\` on a machine with the same code (queue names carry the code version)`,
          );
        }
      }
    })()
      .catch(fail)
      .finally(() => {
        reconciling = false;
      });
  }, opts.pollMs ?? 2000);
}

/** Sweep runs on Redis workers (`lmech sweep --backend`). */
export function redisDispatch(opts: RedisDispatchOptions): Dispatch {
  return redisJobDispatch(opts, SWEEP_JOBS);
}

/** Any kind of run on Redis workers: submit, collect each result as it completes, retry failed jobs. */
export function redisJobDispatch<R extends { runId: string }, T, Res>(opts: RedisDispatchOptions, kind: JobKind<R, T, Res>): JobDispatch<R, Res> {
  const attempts = opts.attempts ?? 3;
  const backoffMs = opts.backoffMs ?? 1000;
  if (!(Number.isInteger(attempts) && attempts >= 1)) throw new Error(`attempts: expected an integer >= 1, got ${attempts}`);
  if (!(backoffMs >= 0)) throw new Error(`backoffMs: expected a number >= 0, got ${backoffMs}`);
  return async (runs, onResult, signal) => {
    const connection = parseRedisUrl(opts.url);
    await pingRedis(opts.url);
    const queue = new Queue(opts.queue, { connection });
    const events = new QueueEvents(opts.queue, { connection });
    const byId = new Map(runs.map((r) => [jobIdOf(r.runId), r]));
    const pending = new Set(byId.keys());
    let settle: { resolve: () => void; reject: (e: unknown) => void } | undefined;
    const finished = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const fail = (e: unknown) => settle?.reject(e);
    const jobOptions: JobOptions = {
      attempts,
      backoff: { type: 'exponential', delay: backoffMs },
      removeOnComplete: false,
      removeOnFail: false,
    };
    const check = makeCheck({ kind, queue, byId, pending, jobOptions, onResult, done: () => settle?.resolve() });

    const onEvent = ({ jobId }: { jobId: string }) => {
      check(jobId).catch(fail);
    };
    events.on('completed', onEvent);
    events.on('failed', onEvent);
    events.on('error', () => {
      // connection hiccups are retried by ioredis; the reconciliation pass covers missed events
    });
    queue.on('error', () => {});
    const onAbort = () => fail(signal.reason ?? new DOMException('The sweep was aborted', 'AbortError'));
    signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      await events.waitUntilReady();
      await submitRuns(queue, runs, kind.taskOf, jobOptions, opts.force);
      for (const id of [...pending]) await check(id);
      timer = startReconciliation(opts, queue, pending, check, fail);
      if (pending.size > 0) await finished;
    } finally {
      if (timer) clearInterval(timer);
      signal.removeEventListener('abort', onAbort);
      await events.close().catch(() => {});
      await queue.close().catch(() => {});
    }
  };
}

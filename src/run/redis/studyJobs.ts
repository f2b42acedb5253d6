/**
 * Study runs on Redis workers: the job kind behind `lmech map --backend redis://…` (and any `runStudies` call with a
 * Redis backend). A job carries one (study, profile, params, seed) task; `lmech worker` runs it with the local pool's
 * own code (`runMeasuredTask` in a worker thread, see ../worker.ts) and returns the StudyResult; the coordinator
 * (../pool.ts `runStudies`) answers cache hits, saves each result to the store and is its only writer, exactly as
 * with local workers. Study jobs share the sweep queue (named by code version), so one `lmech worker` serves both.
 */
import { Piscina } from 'piscina';
import { decodeJson } from '../../core/jsonCodec.ts';
import type { StudyResult } from '../../studies/types.ts';
import type { PlannedRun } from '../pool.ts';
import type { RedisBackendOptions } from '../sweep/coordinator.ts';
import type { TaskOutput, WorkerTask } from '../worker.ts';
import { defaultQueueName, type JobDispatch, type JobKind, redisJobDispatch } from './queue.ts';

/** The payload of a study job (structured as JSON in Redis). */
export interface StudyJobTask {
  kind: 'study';
  runId: string;
  studyId: string;
  profile: WorkerTask['profile'];
  params: Record<string, unknown>;
  seed: number;
  codeVersion: string;
  /** Extra study modules (paths as the coordinator sees them: the workers need the same checkout). */
  studyModules: string[];
  registry: boolean;
}

export function isStudyJob(data: unknown): data is StudyJobTask {
  return typeof data === 'object' && data !== null && (data as { kind?: unknown }).kind === 'study';
}

/** The result standing in for a job that failed every attempt: verdict `error`, retried by the next invocation. */
export type FailedStudyResult = (run: PlannedRun, reason: string) => StudyResult;

function studyJobs(codeVersion: string, studyModules: string[], registry: boolean, failed: FailedStudyResult): JobKind<PlannedRun, StudyJobTask, StudyResult> {
  return {
    taskOf: (run) => ({
      kind: 'study',
      runId: run.runId,
      studyId: run.study.id,
      profile: run.task.profile,
      params: run.task.params ?? {},
      seed: run.task.seed,
      codeVersion,
      studyModules,
      registry,
    }),
    failedResult: (run, reason, attempts) => failed(run, `job failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`),
    decode(raw, run, jobId) {
      const decoded = (typeof raw === 'string' ? decodeJson(raw) : raw) as StudyResult | null;
      const got = decoded?.provenance?.configHash;
      if (got !== run.runId) throw new Error(`job ${jobId} returned a result for run ${got}; expected ${run.runId}`);
      return decoded as StudyResult;
    },
  };
}

export interface StudyDispatchOptions extends RedisBackendOptions {
  codeVersion: string;
  studyModules: string[];
  registry: boolean;
  force: boolean;
  failed: FailedStudyResult;
  onWaiting?: (message: string) => void;
}

/** Dispatch planned study runs over Redis workers (the queue defaults to the sweep queue of this code version). */
export function redisStudyDispatch(opts: StudyDispatchOptions): JobDispatch<PlannedRun, StudyResult> {
  const queue = opts.queue ?? defaultQueueName(opts.codeVersion);
  return redisJobDispatch(
    { url: opts.url, queue, force: opts.force, ...(opts.attempts !== undefined ? { attempts: opts.attempts } : {}), ...(opts.backoffMs !== undefined ? { backoffMs: opts.backoffMs } : {}), ...(opts.onWaiting ? { onWaiting: opts.onWaiting } : {}) },
    studyJobs(opts.codeVersion, opts.studyModules, opts.registry, opts.failed),
  );
}

/** The worker side: study jobs run in a piscina pool of the local pool's own worker threads (../worker-entry.mjs). */
export interface StudyJobExecutor {
  run(task: StudyJobTask): Promise<StudyResult>;
  close(): Promise<void>;
}

export function createStudyJobExecutor(threads: number): StudyJobExecutor {
  const pool = new Piscina<WorkerTask, TaskOutput>({
    filename: new URL('../worker-entry.mjs', import.meta.url).href,
    minThreads: 1,
    maxThreads: threads,
    concurrentTasksPerWorker: 1,
    idleTimeout: 60_000,
  });
  return {
    async run(task) {
      const { kind: _kind, runId, ...rest } = task;
      const { result } = await pool.run({ ...rest });
      if (result.provenance.configHash !== runId) throw new Error(`study job ${runId}: the worker computed run id ${result.provenance.configHash}; run the same code and study modules on every machine`);
      return result;
    },
    close: () => pool.destroy(),
  };
}

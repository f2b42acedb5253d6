/**
 * The local runner: turn tasks into results, using the store as a cache and a piscina pool of worker
 * threads for the work.
 *
 * The coordinator (this module, in the calling process) resolves every task's parameters and run id
 * up front (bad input fails before any work starts), answers cache hits from the store, sends the rest
 * to the workers, saves each result the moment it arrives (it is the store's only writer) and then
 * yields it. With one worker, or one task to run, it runs in-process and starts no threads.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { stableStringify } from '../core/hash.ts';
import { configHash, type Profile, resolveParams } from '../studies/execute.ts';
import type { AnyStudy, StudyResult } from '../studies/types.ts';
import { codeVersion as currentCodeVersion } from './codeVersion.ts';
import type { Store } from './store.ts';
import type { RedisBackendOptions } from './sweep/coordinator.ts';
import { type RunResources, runMeasuredTask, studyLookup, type TaskOutput, type WorkerMessage, type WorkerTask } from './worker.ts';

export type { RunResources } from './worker.ts';

export interface Task {
  studyId: string;
  profile: Profile;
  /** Overrides applied after the profile. */
  params?: Record<string, unknown>;
  seed: number;
}

/** A task after resolution: the parameters the study will see and its run id (= config hash). */
export interface PlannedRun {
  runId: string;
  task: Task;
  study: AnyStudy;
  params: Record<string, unknown>;
}

export type RunEvent =
  /** `workers`: local threads used; 0 when nothing is to run, or when a Redis backend runs it. */
  | { type: 'plan'; total: number; cached: number; toRun: number; workers: number; inProcess: boolean }
  | { type: 'start'; runId: string; studyId: string; seed: number }
  | { type: 'progress'; runId: string; studyId: string; fraction: number; message?: string }
  /**
   * `done` counts results yielded so far (including this one), out of `total` tasks. `resources`: what the
   * run used, for a run executed now (absent for cache hits and for crashed workers).
   */
  | { type: 'result'; runId: string; studyId: string; result: StudyResult; cached: boolean; done: number; total: number; resources?: RunResources };

export interface RunOptions {
  /** Cache and sink: hits are read from it, new results saved to it. Without a store nothing is cached. */
  store?: Store;
  /** Worker threads (default `os.availableParallelism()`). 1 runs everything in-process. */
  workers?: number;
  /** Extra modules exporting `studies: AnyStudy[]`, loaded by the coordinator and by every worker. */
  studyModules?: string[];
  /** Look studies up in src/studies/registry.ts too (default true); false = only `studyModules`. */
  registry?: boolean;
  /** Code version used in run ids (default `codeVersion()`); tests pin it so cache keys don't move. */
  codeVersion?: string;
  /** Re-run and overwrite even when the store has the run. */
  force?: boolean;
  onEvent?: (e: RunEvent) => void;
  /** Aborting stops queued tasks, terminates running workers and makes the iteration throw. */
  signal?: AbortSignal;
  /**
   * Run the tasks on `lmech worker` processes through Redis instead of local threads (`workers` is then ignored);
   * cache hits and saving stay here, as with local workers. `onWaiting`: no worker serves the queue yet.
   */
  backend?: RedisBackendOptions & { onWaiting?: (message: string) => void };
  /**
   * Batched points (issue 16; default false): runs still to do that differ only along their study's `batchAxes`
   * (same study, profile, seed and other parameters) go to one worker job of at most `MAX_BATCH` points, measured
   * by the study's `measureBatch`; each result is still saved and yielded on its own, under its own run id. For a
   * study with `batchSeeds` (issue 17) runs that differ in seed share a job too (`lmech run --seeds N`).
   * Ignored with `backend` (Redis jobs stay one run each).
   */
  batch?: boolean;
}

/** The most points in one batched job: bounds a job's memory and the work lost when one worker dies. */
export const MAX_BATCH = 16;

const PROFILES: readonly Profile[] = ['quick', 'default'];

/** What each result yielded by `runStudies` used, keyed by the result object (results stay plain StudyResults). */
const resourcesByResult = new WeakMap<StudyResult, RunResources>();

/**
 * What the run behind a result from `runStudies`/`runAll` used (peak heap of its worker thread, see
 * `RunResources`); undefined for cache hits, crashed workers and results from elsewhere.
 */
export function runResources(result: StudyResult): RunResources | undefined {
  return resourcesByResult.get(result);
}

/**
 * Resolve tasks to runs: study lookup, parameter validation (schema, profile, overrides) and run ids.
 * Throws on the first bad task, naming its index and field.
 */
export async function planRuns(tasks: readonly Task[], opts: Pick<RunOptions, 'studyModules' | 'codeVersion' | 'registry'> = {}): Promise<PlannedRun[]> {
  const lookup = await studyLookup(opts.studyModules ?? [], opts.registry ?? true);
  const version = opts.codeVersion ?? currentCodeVersion();
  return tasks.map((task, i) => {
    const study = lookup.get(task.studyId);
    if (!study) {
      const known = [...lookup.keys()];
      throw new Error(`tasks[${i}].studyId: no study '${task.studyId}'; expected one of ${known.length ? known.join(', ') : '(none registered)'}`);
    }
    if (!PROFILES.includes(task.profile)) throw new Error(`tasks[${i}].profile: got ${JSON.stringify(task.profile)}, expected 'quick' or 'default'`);
    if (!Number.isSafeInteger(task.seed)) throw new Error(`tasks[${i}].seed: got ${task.seed}, expected a safe integer`);
    const params = resolveParams(study, task.profile, task.params ?? {});
    return { runId: configHash(study.id, params, task.seed, version), task, study, params };
  });
}

/**
 * What runs `run` may share a batched job with (see RunOptions.batch); undefined if its study does not batch. The
 * seed is part of the key unless the study batches seeds (`Study.batchSeeds`, issue 17): then the seeds of one
 * setting share a job.
 */
function batchKey(run: PlannedRun): string | undefined {
  const axes = run.study.batchAxes ?? [];
  const seeds = run.study.batchSeeds === true;
  if ((!axes.length && !seeds) || !run.study.measureBatch) return undefined;
  const rest = Object.fromEntries(Object.entries(run.params).filter(([k]) => !axes.includes(k)));
  return stableStringify({ study: run.study.id, profile: run.task.profile, ...(seeds ? {} : { seed: run.task.seed }), rest });
}

/**
 * Split runs into worker jobs: one run each, or with `batch` runs of one batch key together, in chunks of at most
 * `MAX_BATCH`. When there are fewer groups than `workers`, groups are split further (evenly) so that every thread
 * has a job: a batch saves only the work its points share, two threads save half the time. Jobs keep the order of
 * their first run.
 */
export function batchJobs(runs: readonly PlannedRun[], batch: boolean, workers = 1): PlannedRun[][] {
  if (!batch) return runs.map((r) => [r]);
  const groups = new Map<string, PlannedRun[]>();
  const order: (PlannedRun[] | PlannedRun)[] = [];
  for (const r of runs) {
    const key = batchKey(r);
    const g = key === undefined ? undefined : groups.get(key);
    if (key === undefined) order.push(r);
    else if (g) g.push(r);
    else {
      const fresh = [r];
      groups.set(key, fresh);
      order.push(fresh);
    }
  }
  const perGroup = Math.max(1, Math.ceil(workers / Math.max(1, order.length)));
  return order.flatMap((g) => {
    if (!Array.isArray(g)) return [[g]];
    // k chunks whose sizes differ by at most one; k ≥ ⌈n / MAX_BATCH⌉ keeps each within MAX_BATCH
    const k = Math.min(g.length, Math.max(perGroup, Math.ceil(g.length / MAX_BATCH)));
    let at = 0;
    return Array.from({ length: k }, (_, c) => {
      const size = Math.floor(g.length / k) + (c < g.length % k ? 1 : 0);
      at += size;
      return g.slice(at - size, at);
    });
  });
}

/**
 * Jobs with the longest expected duration first (Graham 1969's LPT rule: on identical workers its makespan is within
 * 4/3 of the optimum, where the task order can leave one worker alone with the last long study). `expectedMs` gives
 * a run's expected time, or undefined when unknown; a job's is the sum over its runs. Unknown jobs go first (they
 * may be long), and ties keep their order, so with nothing known the order is the tasks' own.
 */
export function longestFirst(jobs: readonly PlannedRun[][], expectedMs: (run: PlannedRun) => number | undefined): PlannedRun[][] {
  const cost = (job: readonly PlannedRun[]): number => {
    let sum = 0;
    for (const r of job) {
      const ms = expectedMs(r);
      if (ms === undefined) return Number.POSITIVE_INFINITY;
      sum += ms;
    }
    return sum;
  };
  return jobs
    .map((job, i) => ({ job, i, c: cost(job) }))
    .sort((a, b) => (a.c === b.c ? a.i - b.i : b.c - a.c))
    .map((x) => x.job);
}

/**
 * Expected duration of a run from the store: the median stored duration of finished runs of its study and profile
 * (any code version and seed; runs with parameter overrides are not comparable and give none).
 */
export async function storedDurations(store: Store): Promise<(run: PlannedRun) => number | undefined> {
  const rows = await store.query(
    `SELECT study_id, profile, median(duration_ms) AS ms FROM runs WHERE status = 'done' AND profile IN ('default', 'quick') GROUP BY study_id, profile`,
  );
  const byKey = new Map<string, number>();
  for (const r of rows) if (typeof r.ms === 'number' && Number.isFinite(r.ms)) byKey.set(`${r.study_id} ${r.profile}`, r.ms);
  return (run) => {
    const profile = storedProfile(run);
    return profile === 'custom' ? undefined : byKey.get(`${run.study.id} ${profile}`);
  };
}

/** The profile a run is stored under: 'custom' when its task overrides parameters (as `executeStudy` records it). */
function storedProfile(run: PlannedRun): Profile | 'custom' {
  return run.task.params && Object.keys(run.task.params).length > 0 ? 'custom' : run.task.profile;
}

/** A result standing in for a run whose worker died (crash, out of memory): verdict `error`. */
export function crashResult(run: PlannedRun, version: string, error: unknown, startedAt: number): StudyResult {
  let figures: StudyResult['figures'] = [];
  try {
    figures = run.study.figures(run.params);
  } catch {
    // figures are decoration; the error below is what matters
  }
  return {
    id: run.study.id,
    title: run.study.title,
    pillar: run.study.pillar,
    claim: run.study.claim,
    verdict: 'error',
    metrics: [],
    regime: [],
    prediction: { scalars: {}, series: [] },
    measurement: { scalars: {}, series: [] },
    figures,
    provenance: {
      seed: run.task.seed,
      configHash: run.runId,
      codeVersion: version,
      params: run.params,
      profile: storedProfile(run),
      startedAt: new Date(startedAt).toISOString(),
      durationMs: Date.now() - startedAt,
      node: `node ${process.versions.node}`,
      platform: `${process.platform}-${process.arch}`,
    },
    error: `worker failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
  };
}

/** A minimal async queue: producers push results, the generator pulls them. */
class Channel<T> {
  private items: T[] = [];
  private waiting: (() => void) | undefined;
  private error: { e: unknown } | undefined;
  push(v: T): void {
    this.items.push(v);
    this.wake();
  }
  fail(e: unknown): void {
    if (!this.error) this.error = { e };
    this.wake();
  }
  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }
  async next(): Promise<T> {
    for (;;) {
      if (this.error) throw this.error.e;
      const v = this.items.shift();
      if (v !== undefined) return v;
      await new Promise<void>((r) => {
        this.waiting = r;
      });
    }
  }
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The run was aborted', 'AbortError');
}

/**
 * Run tasks; yields one result per task, in completion order (cache hits first). Each new result is
 * saved to `opts.store` before it is yielded. A study that throws yields verdict `error` and the
 * others go on. Stored runs with verdict `error` are not cache hits (they are retried).
 */
export async function* runStudies(tasks: readonly Task[], opts: RunOptions = {}): AsyncGenerator<StudyResult, void, undefined> {
  const version = opts.codeVersion ?? currentCodeVersion();
  const studyModules = opts.studyModules ?? [];
  const registry = opts.registry ?? true;
  const runs = await planRuns(tasks, { studyModules, codeVersion: version, registry });
  const emit = opts.onEvent ?? (() => {});
  const total = runs.length;
  let done = 0;

  // One execution per distinct run id; duplicates among the tasks share it.
  const byRunId = new Map<string, PlannedRun[]>();
  for (const r of runs) {
    const list = byRunId.get(r.runId);
    if (list) list.push(r);
    else byRunId.set(r.runId, [r]);
  }

  const hits: StudyResult[] = [];
  const toRun: PlannedRun[] = [];
  for (const [runId, group] of byRunId) {
    const stored = opts.store && !opts.force ? await opts.store.get(runId) : undefined;
    if (stored && stored.verdict !== 'error') for (let k = 0; k < group.length; k++) hits.push({ ...stored, cached: true });
    else toRun.push(group[0]);
  }

  const requested = opts.backend ? 1 : (opts.workers ?? availableParallelism());
  if (!(Number.isInteger(requested) && requested >= 1)) throw new Error(`workers: got ${requested}, expected an integer >= 1`);
  const batched = batchJobs(toRun, opts.batch === true && !opts.backend, requested);
  const jobs = opts.store && !opts.backend && requested > 1 ? longestFirst(batched, await storedDurations(opts.store)) : batched;
  const workers = opts.backend ? 0 : Math.max(1, Math.min(requested, jobs.length));
  const inProcess = workers === 1;
  emit({ type: 'plan', total, cached: hits.length, toRun: toRun.length, workers: toRun.length === 0 ? 0 : workers, inProcess });

  for (const r of hits) {
    done++;
    emit({ type: 'result', runId: r.provenance.configHash, studyId: r.id, result: r, cached: true, done, total });
    yield r;
  }
  if (toRun.length === 0) return;
  opts.signal?.throwIfAborted();

  const channel = new Channel<{ run: PlannedRun; result: StudyResult; resources?: RunResources }>();
  let stopped = false;
  const started = new Set<string>();
  const finished = new Set<string>();
  const emitStart = (run: PlannedRun) => {
    if (started.has(run.runId)) return;
    started.add(run.runId);
    emit({ type: 'start', runId: run.runId, studyId: run.study.id, seed: run.task.seed });
  };
  const onMessage = (job: PlannedRun[]) => (m: WorkerMessage) => {
    // Port messages and the result travel on different channels: a message can arrive after the
    // result. 'start' is then emitted when the result arrives (below); late progress is dropped.
    // A batched job starts all its runs at once; its progress names the point (`index`).
    if (m.type === 'start') {
      for (const run of job) if (!finished.has(run.runId)) emitStart(run);
      return;
    }
    const run = job[m.index ?? 0];
    if (!run || finished.has(run.runId)) return;
    emit({ type: 'progress', runId: run.runId, studyId: run.study.id, fraction: m.fraction, ...(m.message !== undefined ? { message: m.message } : {}) });
  };
  const finish = async (run: PlannedRun, { result, resources }: { result: StudyResult; resources?: RunResources }): Promise<void> => {
    // A run cut short (abort, the caller stopped iterating, an earlier fatal error) is neither saved
    // nor yielded: its "result" is only the termination.
    if (stopped || opts.signal?.aborted) return;
    emitStart(run);
    finished.add(run.runId);
    await opts.store?.save(result);
    channel.push({ run, result, ...(resources ? { resources } : {}) });
  };
  const baseTask = (job: PlannedRun[]): WorkerTask => ({
    studyId: job[0].study.id,
    profile: job[0].task.profile,
    params: job[0].task.params ?? {},
    seed: job[0].task.seed,
    codeVersion: version,
    studyModules,
    registry,
    ...(job.length > 1 ? { points: job.map((r) => ({ params: r.task.params ?? {}, seed: r.task.seed })) } : {}),
  });
  /** Hand each run of a job its result (a batch's `results` in job order); a worker that died fails them all. */
  const finishJob = async (job: PlannedRun[], output: TaskOutput | { error: unknown }, t0: number): Promise<void> => {
    const results = 'error' in output ? undefined : job.length > 1 ? output.results : [output.result];
    if (results?.length === job.length && !('error' in output)) {
      // a batch's resources are the whole job's (one isolate measured it), given with each of its results
      for (let i = 0; i < job.length; i++) await finish(job[i], { result: results[i], resources: output.resources });
      return;
    }
    const failure = 'error' in output ? output.error : new Error(`batched job returned ${results?.length ?? 'no'} results for ${job.length} points`);
    for (const run of job) await finish(run, { result: crashResult(run, version, failure, t0) });
  };

  let pool: Piscina<WorkerTask, TaskOutput> | undefined;
  let remote: { stop: AbortController; done: Promise<void> } | undefined;
  // The caller's signal gets exactly this one listener. It is not handed to piscina: piscina adds an
  // 'abort' listener per queued task, and a 33-study run put 33 on one signal (Node's
  // MaxListenersExceededWarning). Failing the channel makes the loop below throw, and its `finally`
  // destroys the pool, which terminates the running workers and drops the queued tasks.
  const onAbort = () => channel.fail(abortError(opts.signal as AbortSignal));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (opts.backend) {
      remote = await dispatchRemote(opts.backend, toRun, { version, studyModules, registry, force: opts.force === true }, finish, (e) => channel.fail(e));
    } else if (inProcess) {
      // Sequential, in this thread: no thread start-up. Progress arrives synchronously.
      void (async () => {
        for (const job of jobs) {
          if (stopped || opts.signal?.aborted) return;
          const t0 = Date.now();
          let output: TaskOutput | { error: unknown };
          try {
            output = await runMeasuredTask(baseTask(job), onMessage(job), opts.signal);
          } catch (e) {
            output = { error: e };
          }
          await finishJob(job, output, t0);
        }
      })().catch((e) => channel.fail(e));
    } else {
      pool = new Piscina<WorkerTask, TaskOutput>({
        filename: new URL('./worker-entry.mjs', import.meta.url).href,
        minThreads: workers,
        maxThreads: workers,
        concurrentTasksPerWorker: 1,
        idleTimeout: 1000,
      });
      const p = pool;
      // A worker that dies outside any task (e.g. it cannot load the worker module) is fatal to the run.
      p.on('error', (e: unknown) => channel.fail(new Error(`worker thread failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })));
      for (const job of jobs) {
        const { port1, port2 } = new MessageChannel();
        port1.on('message', onMessage(job));
        const t0 = Date.now();
        p.run({ ...baseTask(job), port: port2 }, { transferList: [port2] })
          .then(
            (output): TaskOutput | { error: unknown } => output,
            (e: unknown) => {
              // The worker closes its end after a normal run; after a crash close ours.
              port1.close();
              return { error: e };
            },
          )
          .then((output) => finishJob(job, output, t0))
          .catch((e) => channel.fail(e));
      }
    }

    for (let received = 0; received < toRun.length; received++) {
      const { run, result, resources } = await channel.next();
      const group = byRunId.get(run.runId) ?? [run];
      for (let k = 0; k < group.length; k++) {
        const r = k === 0 ? result : { ...result, cached: true };
        if (k === 0 && resources) resourcesByResult.set(r, resources);
        done++;
        emit({ type: 'result', runId: run.runId, studyId: r.id, result: r, cached: k > 0, done, total, ...(k === 0 && resources ? { resources } : {}) });
        yield r;
      }
    }
  } finally {
    stopped = true;
    opts.signal?.removeEventListener('abort', onAbort);
    if (pool) await pool.destroy();
    if (remote) {
      // stops collecting (jobs already queued stay in Redis: the next invocation collects them) and closes the connections
      remote.stop.abort();
      await remote.done;
    }
  }
}

/** Start the Redis dispatch of `toRun` (see ./redis/studyJobs.ts); each result goes to `finish`, failures to the channel. */
async function dispatchRemote(
  backend: NonNullable<RunOptions['backend']>,
  toRun: PlannedRun[],
  ctx: { version: string; studyModules: string[]; registry: boolean; force: boolean },
  finish: (run: PlannedRun, output: { result: StudyResult }) => Promise<void>,
  fail: (e: unknown) => void,
): Promise<{ stop: AbortController; done: Promise<void> }> {
  const { redisStudyDispatch } = await import('./redis/studyJobs.ts');
  const dispatch = redisStudyDispatch({
    ...backend,
    codeVersion: ctx.version,
    studyModules: ctx.studyModules,
    registry: ctx.registry,
    force: ctx.force,
    failed: (run, reason) => crashResult(run, ctx.version, reason, Date.now()),
  });
  const stop = new AbortController();
  const done = dispatch(toRun, (run, result) => finish(run, { result }), stop.signal).catch((e: unknown) => {
    if (!stop.signal.aborted) fail(e);
  });
  return { stop, done };
}

/** Run all tasks and return their results in task order. */
export async function runAll(tasks: readonly Task[], opts: RunOptions = {}): Promise<StudyResult[]> {
  const version = opts.codeVersion ?? currentCodeVersion();
  const runs = await planRuns(tasks, { studyModules: opts.studyModules ?? [], codeVersion: version, registry: opts.registry ?? true });
  const byId = new Map<string, StudyResult[]>();
  for await (const r of runStudies(tasks, { ...opts, codeVersion: version })) {
    const list = byId.get(r.provenance.configHash);
    if (list) list.push(r);
    else byId.set(r.provenance.configHash, [r]);
  }
  return runs.map((run) => {
    const list = byId.get(run.runId);
    const r = list?.shift();
    if (!r) throw new Error(`internal: no result for run ${run.runId} (study '${run.study.id}')`);
    return r;
  });
}

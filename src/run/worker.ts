/**
 * What a worker thread (or the coordinator itself, in-process) does with one task: look the study up
 * (registry plus optional extra study modules), run `executeStudy` (or `executeStudyBatch` for a batch of
 * points, `WorkerTask.points`), and report start/progress through a MessagePort. The result goes back to the coordinator, which is the only store writer.
 */

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import type { MessagePort } from 'node:worker_threads';
import { type ExecuteOptions, executeStudy, executeStudyBatch, type Profile } from '../studies/execute.ts';
import type { AnyStudy, StudyResult } from '../studies/types.ts';
import { registerNativeBackend } from './nativeKernels.ts';

// `LMECH_KERNELS=native` can name the native backend in this thread (the portable one stays the default)
registerNativeBackend();

/** What the coordinator sends to a worker. Everything here is structured-cloneable. */
export interface WorkerTask {
  studyId: string;
  profile: Profile;
  params: Record<string, unknown>;
  seed: number;
  /** The code version the coordinator put in the run id, so the worker's config hash is the same. */
  codeVersion: string;
  /** Extra modules exporting `studies: AnyStudy[]` (absolute paths or file URLs). */
  studyModules: string[];
  /** Include the registry (src/studies/registry.ts); false = only `studyModules`. */
  registry: boolean;
  /** Where start/progress messages go (transferred to the worker). */
  port?: MessagePort;
  /**
   * Batched points (issue 16): when present, the task is these points of the study measured together by
   * `executeStudyBatch` (`params` and `seed` above are then unused), and the output carries `results`, one per
   * point in this order. The pool only sends points that differ along the study's `batchAxes`.
   */
  points?: { params: Record<string, unknown>; seed: number }[];
}

/** `index`: in a batched task, the point (of `WorkerTask.points`) the progress is about. */
export type WorkerMessage = { type: 'start' } | { type: 'progress'; fraction: number; message?: string; index?: number };

/** Minimum time between two progress messages from one run (the last one, fraction 1, always goes). */
const PROGRESS_INTERVAL_MS = 100;

const moduleCache = new Map<string, Promise<AnyStudy[]>>();

function moduleUrl(spec: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(spec) && !/^[a-z]:[\\/]/i.test(spec) ? spec : pathToFileURL(resolve(spec)).href;
}

/** Import a module exporting `studies: AnyStudy[]` (cached per thread). */
export function loadStudyModule(spec: string): Promise<AnyStudy[]> {
  const url = moduleUrl(spec);
  let p = moduleCache.get(url);
  if (!p) {
    p = import(url).then((mod: { studies?: unknown }) => {
      if (!Array.isArray(mod.studies)) throw new Error(`studyModules: module ${spec} must export 'studies' (an array of studies), got ${typeof mod.studies}`);
      return mod.studies as AnyStudy[];
    });
    moduleCache.set(url, p);
  }
  return p;
}

let registryStudies: Promise<AnyStudy[]> | undefined;

/** The registry, imported on first use (a run of only extra modules never loads it). */
function loadRegistry(): Promise<AnyStudy[]> {
  registryStudies ??= import('../studies/registry.ts').then((m) => m.STUDIES);
  return registryStudies;
}

/**
 * All studies visible to a run: the registry (unless `registry` is false), then the extra modules
 * (a later id shadows an earlier one).
 */
export async function studyLookup(studyModules: readonly string[] = [], registry = true): Promise<Map<string, AnyStudy>> {
  const map = new Map<string, AnyStudy>();
  if (registry) for (const s of await loadRegistry()) map.set(s.id, s);
  for (const spec of studyModules) for (const s of await loadStudyModule(spec)) map.set(s.id, s);
  return map;
}

/**
 * Memory a run used, measured in the isolate (thread) that ran it. Worker threads share one process, so
 * the resident set cannot be split per study; each thread has its own V8 heap and its own external-memory
 * counter (typed-array backing stores are counted there), and those are what is measured.
 */
export interface RunResources {
  /**
   * High-water of `total_heap_size + external_memory` from `v8.getHeapStatistics()` (committed V8 heap plus
   * ArrayBuffer stores), sampled at the start, at every progress report of the study and at the end.
   * A peak between two samples is missed, so this is a lower bound on the true peak. In-process runs
   * (one worker) share the isolate with the coordinator, whose own heap is then included.
   */
  peakHeapBytes: number;
  /** How many samples the peak was taken over. */
  samples: number;
}

/** Tracks the isolate's heap high-water; `sample()` costs about a microsecond. */
class HeapHighWater {
  peak = 0;
  samples = 0;
  sample(): void {
    const h = getHeapStatistics();
    this.peak = Math.max(this.peak, h.total_heap_size + h.external_memory);
    this.samples++;
  }
  resources(): RunResources {
    return { peakHeapBytes: this.peak, samples: this.samples };
  }
}

/** What one run returns: the study's result and what it used. */
export interface TaskOutput {
  result: StudyResult;
  resources: RunResources;
  /** A batched task (`WorkerTask.points`): every point's result, in order (`result` is the first); `resources` covers the batch. */
  results?: StudyResult[];
}

/**
 * Run one task and measure its heap high-water. The worker's default export (piscina passes only the
 * task; messages go to `task.port`); the pool calls it in-process with `report`, which receives the
 * messages synchronously (a MessagePort would deliver them only after a synchronous study had finished).
 */
export async function runMeasuredTask(task: WorkerTask, report?: (m: WorkerMessage) => void, signal?: AbortSignal): Promise<TaskOutput> {
  const port = task.port;
  const send = report ?? (port ? (m: WorkerMessage) => port.postMessage(m) : undefined);
  const heap = new HeapHighWater();
  heap.sample();
  try {
    const study = (await studyLookup(task.studyModules, task.registry)).get(task.studyId);
    if (!study) throw new Error(`studyId: no study '${task.studyId}' in ${task.registry ? 'the registry or ' : ''}studyModules [${task.studyModules.join(', ')}]`);
    send?.({ type: 'start' });
    // one throttle per point, so a batch's points each report their progress
    const lastSent = new Map<number, number>();
    const progressOf =
      (index: number | undefined) =>
      (fraction: number, message?: string): void => {
        heap.sample();
        if (!send) return;
        const now = Date.now();
        if (fraction < 1 && now - (lastSent.get(index ?? -1) ?? 0) < PROGRESS_INTERVAL_MS) return;
        lastSent.set(index ?? -1, now);
        send({ type: 'progress', fraction, ...(message !== undefined ? { message } : {}), ...(index !== undefined ? { index } : {}) });
      };
    const common: ExecuteOptions = { profile: task.profile, codeVersion: task.codeVersion, ...(signal ? { signal } : {}) };
    if (task.points) {
      if (task.points.length === 0) throw new Error('points: got an empty list, expected at least one point');
      const results = await executeStudyBatch(
        study,
        task.points.map((pt, i) => ({ ...common, params: pt.params, seed: pt.seed, progress: progressOf(i) })),
      );
      heap.sample();
      return { result: results[0], results, resources: heap.resources() };
    }
    const result = await executeStudy(study, { ...common, params: task.params, seed: task.seed, progress: progressOf(undefined) });
    heap.sample();
    return { result, resources: heap.resources() };
  } finally {
    port?.close();
  }
}

/** Run one task (see `runMeasuredTask`), without the measurement. */
export async function runTask(task: WorkerTask, report?: (m: WorkerMessage) => void, signal?: AbortSignal): Promise<StudyResult> {
  return (await runMeasuredTask(task, report, signal)).result;
}

export default function workerMain(task: WorkerTask): Promise<TaskOutput> {
  return runMeasuredTask(task);
}

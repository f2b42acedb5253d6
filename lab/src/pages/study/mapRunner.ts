/**
 * The Map tab's runner: every (grid point, seed) of a validity map run as one task in a small pool of Web
 * Workers, one per core (`navigator.hardwareConcurrency`, capped at the number of tasks). Each worker is the
 * study page's own training worker (lab/src/worker.ts): a task is one `start` message and ends with its
 * `done`, so a map point here is the same `executeStudy` run as `lmech run` with those parameters and seed
 * (and the same config hash as the CLI's `lmech map`). Cancel terminates every worker at once: a training
 * loop is synchronous inside its worker and can only be stopped from outside.
 */
import { configHash, type Profile, resolveParams } from '../../../../src/studies/execute.ts';
import type { AnyStudy, StudyResult } from '../../../../src/studies/types.ts';
import type { GridPoint } from '../../../../src/studies/validityMap/grid.ts';
import type { StartMessage, WorkerMessage } from '../../protocol.ts';

export interface MapTask {
  point: GridPoint;
  seed: number;
  /** Position of the seed in the map's seed list (the column in `runs[pointIndex]`). */
  seedIndex: number;
}

export interface MapPoolHandlers {
  /** A task finished (its result, or an error result when its worker failed). */
  result(task: MapTask, result: StudyResult, ms: number): void;
  /** Every task has finished. */
  done(): void;
}

export type MapPoolState = 'running' | 'done' | 'cancelled';

/** The tasks of a grid in order: point by point (row-major), seeds of a point together, so points finish early. */
export function mapTasks(grid: readonly GridPoint[], seeds: readonly number[]): MapTask[] {
  return grid.flatMap((point) => seeds.map((seed, seedIndex) => ({ point, seed, seedIndex })));
}

/** Workers to start: one per core the browser reports (2 when it does not say), never more than the tasks. */
export function poolSize(tasks: number, cores: number | undefined): number {
  const c = Number.isInteger(cores) && (cores as number) > 0 ? (cores as number) : 2;
  return Math.max(0, Math.min(c, tasks));
}

/**
 * The result of a task whose worker died (an uncaught error, out of memory) or could not run the study: the
 * verdict `error` with the message, so the map paints the cell instead of waiting for it forever.
 */
export function failedResult(study: AnyStudy, profile: Profile, task: MapTask, codeVersion: string, message: string): StudyResult {
  // the resolved parameters, as executeStudy hashes them (the grid was validated against the schema)
  const params = resolveParams(study, profile, task.point.params);
  return {
    id: study.id,
    title: study.title,
    pillar: study.pillar,
    claim: study.claim,
    verdict: 'error',
    metrics: [],
    regime: [],
    prediction: { scalars: {}, series: [] },
    measurement: { scalars: {}, series: [] },
    figures: [],
    provenance: { seed: task.seed, configHash: configHash(study.id, params, task.seed, codeVersion), codeVersion, params, profile, startedAt: new Date().toISOString(), durationMs: 0, node: 'browser', platform: 'browser' },
    error: message,
  };
}

interface Slot {
  worker: Worker;
  task?: MapTask;
  t0: number;
  fraction: number;
}

export class MapPool {
  state: MapPoolState = 'running';
  readonly size: number;
  private readonly queue: MapTask[];
  private readonly slots = new Set<Slot>();
  private finished = 0;

  constructor(
    private readonly study: AnyStudy,
    private readonly profile: Profile,
    private readonly codeVersion: string,
    readonly tasks: readonly MapTask[],
    cores: number | undefined,
    private readonly on: MapPoolHandlers,
  ) {
    this.queue = [...tasks];
    this.size = poolSize(tasks.length, cores);
    for (let i = 0; i < this.size; i++) this.spawn();
    if (tasks.length === 0) this.finish();
  }

  /** Tasks finished, and the fraction done of those in flight (for the progress bar). */
  progress(): { finished: number; running: number; fraction: number } {
    let inFlight = 0;
    let running = 0;
    for (const s of this.slots) {
      if (!s.task) continue;
      running++;
      inFlight += s.fraction;
    }
    return { finished: this.finished, running, fraction: this.tasks.length === 0 ? 1 : (this.finished + inFlight) / this.tasks.length };
  }

  private spawn(): void {
    const worker = new Worker(new URL('../../worker.ts', import.meta.url), { type: 'module', name: `lmech-map-${this.study.id}` });
    const slot: Slot = { worker, t0: 0, fraction: 0 };
    this.slots.add(slot);
    worker.onmessage = (ev: MessageEvent<WorkerMessage>) => this.handle(slot, ev.data);
    worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      this.crash(slot, `the training worker failed: ${ev.message || 'unknown error (see the browser console)'}`);
    };
    worker.onmessageerror = () => this.crash(slot, 'the training worker sent a message that could not be read');
    this.next(slot);
  }

  /** Give the slot the next task, or close it when there is none. */
  private next(slot: Slot): void {
    const task = this.queue.shift();
    if (!task || this.state !== 'running') {
      slot.task = undefined;
      slot.worker.terminate();
      this.slots.delete(slot);
      return;
    }
    slot.task = task;
    slot.t0 = performance.now();
    slot.fraction = 0;
    const msg: StartMessage = { type: 'start', studyId: this.study.id, profile: this.profile, params: task.point.params, seed: task.seed, codeVersion: this.codeVersion };
    slot.worker.postMessage(msg);
  }

  private handle(slot: Slot, m: WorkerMessage): void {
    if (this.state !== 'running' || !slot.task) return;
    if (m.type === 'progress') slot.fraction = Math.min(1, Math.max(0, m.fraction));
    else if (m.type === 'done') this.complete(slot, m.result, m.ms);
    else if (m.type === 'fatal') this.complete(slot, failedResult(this.study, this.profile, slot.task, this.codeVersion, m.message), performance.now() - slot.t0);
    // prediction, points, paused, resumed: the map draws only finished runs
  }

  /** A worker that died: its task becomes an error, and a fresh worker takes the rest of the queue. */
  private crash(slot: Slot, message: string): void {
    if (this.state !== 'running' || !this.slots.has(slot)) return;
    const task = slot.task;
    slot.worker.terminate();
    this.slots.delete(slot);
    if (task) this.record(task, failedResult(this.study, this.profile, task, this.codeVersion, message), performance.now() - slot.t0);
    if (this.state === 'running' && this.queue.length > 0) this.spawn();
  }

  private complete(slot: Slot, result: StudyResult, ms: number): void {
    const task = slot.task as MapTask;
    slot.task = undefined;
    this.record(task, result, ms);
    this.next(slot);
  }

  private record(task: MapTask, result: StudyResult, ms: number): void {
    this.finished++;
    this.on.result(task, result, ms);
    if (this.finished === this.tasks.length) this.finish();
  }

  private finish(): void {
    if (this.state !== 'running') return;
    this.state = 'done';
    this.dispose();
    this.on.done();
  }

  /** Stop everything now: every worker is terminated; finished results stay with the caller. */
  cancel(): void {
    if (this.state !== 'running') return;
    this.state = 'cancelled';
    this.dispose();
  }

  private dispose(): void {
    for (const s of this.slots) s.worker.terminate();
    this.slots.clear();
    this.queue.length = 0;
  }
}

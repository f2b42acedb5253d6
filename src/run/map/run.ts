/**
 * `runMap`: a validity map (issue 16) on the existing local pool or Redis workers. Every (point, seed) is one
 * ordinary `Task` for `runStudies` (src/run/pool.ts), so each is a content-addressed run: stored points are cache
 * hits, each new result is saved the moment it arrives, and a map killed at any moment resumes without redoing
 * what is stored. The grid is validated before anything runs (src/studies/validityMap/grid.ts), and partial maps
 * are yielded as points finish, for a live display. Points that differ only along the study's `batchAxes` (the step
 * size of ntk-linearization) are measured together by its `measureBatch` unless `batch: false` (`--no-batch`).
 */

import type { AnyStudy, StudyResult } from '../../studies/types.ts';
import { type GridPoint, MapSpecError, validateMapSpec } from '../../studies/validityMap/grid.ts';
import { buildMap } from '../../studies/validityMap/summarize.ts';
import type { MapSpec, ValidityMap } from '../../studies/validityMap/types.ts';
import { codeVersion as currentCodeVersion } from '../codeVersion.ts';
import { planRuns, type RunEvent, type RunOptions, runStudies, type Task } from '../pool.ts';
import type { Store } from '../store.ts';
import { studyLookup } from '../worker.ts';

export interface MapRunOptions {
  store?: Store;
  /** Local worker threads (default: the number of cores); ignored with `backend`. */
  workers?: number;
  /** Redis workers instead of local threads (`lmech worker` processes on the same queue). */
  backend?: RunOptions['backend'];
  signal?: AbortSignal;
  /** The pool's events (plan, start, progress, result), for the progress display. */
  onEvent?: (e: RunEvent) => void;
  /** Extra study modules (tests); see RunOptions. */
  studyModules?: string[];
  registry?: boolean;
  /** Code version in the run ids (default `codeVersion()`). */
  codeVersion?: string;
  force?: boolean;
  /** Allow more than `maxPoints` runs (points × seeds). */
  yes?: boolean;
  maxPoints?: number;
  /**
   * Batched points (see RunOptions.batch). Default: on when the study declares `measureBatch` and one of the map's
   * axes is among its `batchAxes`, or it batches seeds and the map has several (otherwise nothing could be grouped);
   * false turns it off.
   * Batched and unbatched points give the same numbers and share run ids (the `measureBatch` contract).
   */
  batch?: boolean;
}

/** Whether a map batches its points by default: the study batches along one of the map's axes, or its seeds. */
export function mapBatches(study: AnyStudy, spec: Pick<MapSpec, 'axes' | 'seeds'>): boolean {
  const axes = study.batchAxes ?? [];
  const seeds = study.batchSeeds === true && spec.seeds.length > 1;
  return study.measureBatch !== undefined && (seeds || spec.axes.some((a) => axes.includes(a.key)));
}

/** The study a map names, from the registry and the extra modules. */
export async function mapStudy(spec: Pick<MapSpec, 'studyId'>, opts: Pick<MapRunOptions, 'studyModules' | 'registry'> = {}): Promise<AnyStudy> {
  const lookup = await studyLookup(opts.studyModules ?? [], opts.registry ?? true);
  const study = lookup.get(spec.studyId);
  if (!study) throw new MapSpecError('study', `no study '${spec.studyId}'; expected one of: ${[...lookup.keys()].join(', ')}`);
  return study;
}

/** Tasks in grid order, seeds innermost: task k is point ⌊k / seeds⌋ at seed k mod seeds. */
export function mapTasks(spec: MapSpec, grid: readonly GridPoint[]): Task[] {
  return grid.flatMap((p) => spec.seeds.map((seed) => ({ studyId: spec.studyId, profile: spec.profile, params: p.params, seed })));
}

/**
 * Run a map. Yields a partial ValidityMap each time a point gets its last seed (cache hits first), and the full
 * map last. Throws a MapSpecError for a bad grid before any run starts, and for an unknown `spec.metric` as soon
 * as the first result shows the study's metric names. Aborting `signal` stops the workers; what finished is stored.
 */
export async function* runMap(spec: MapSpec, opts: MapRunOptions = {}): AsyncGenerator<ValidityMap, ValidityMap, undefined> {
  const study = await mapStudy(spec, opts);
  const grid = validateMapSpec(study, spec, { ...(opts.maxPoints !== undefined ? { maxPoints: opts.maxPoints } : {}), yes: opts.yes === true });
  const version = opts.codeVersion ?? currentCodeVersion();
  const tasks = mapTasks(spec, grid);
  const planned = await planRuns(tasks, { studyModules: opts.studyModules ?? [], codeVersion: version, registry: opts.registry ?? true });
  // run id → the (point, seed) slots waiting for it, in task order (two slots share a run only if their parameters match)
  const slots = new Map<string, number[]>();
  planned.forEach((r, k) => slots.set(r.runId, [...(slots.get(r.runId) ?? []), k]));
  const nSeeds = spec.seeds.length;
  const runs: (StudyResult | undefined)[][] = grid.map(() => new Array<StudyResult | undefined>(nSeeds).fill(undefined));
  const filled = grid.map(() => 0);
  const build = () => buildMap(study, spec, runs, { codeVersion: version });
  let last: ValidityMap | undefined;
  for await (const result of runStudies(tasks, {
    ...(opts.store ? { store: opts.store } : {}),
    ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    studyModules: opts.studyModules ?? [],
    registry: opts.registry ?? true,
    codeVersion: version,
    force: opts.force === true,
    batch: opts.batch ?? mapBatches(study, spec),
  })) {
    const k = slots.get(result.provenance.configHash)?.shift();
    if (k === undefined) throw new Error(`internal: result for run ${result.provenance.configHash} matches no map point`);
    const [p, s] = [Math.floor(k / nSeeds), k % nSeeds];
    runs[p][s] = result;
    filled[p]++;
    if (filled[p] === nSeeds) {
      last = build();
      yield last;
    }
  }
  return last ?? build();
}

/** Run a map to the end and return the finished map (the last partial map is the whole map). */
export async function runMapToEnd(spec: MapSpec, opts: MapRunOptions = {}, onPartial?: (m: ValidityMap) => void): Promise<ValidityMap> {
  const it = runMap(spec, opts);
  for (;;) {
    const step = await it.next();
    if (step.done) return step.value;
    onPartial?.(step.value);
  }
}

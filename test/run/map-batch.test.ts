/**
 * Batched map points (issue 16): a map over a study that batches along `eta` (test/run/fixtures/batchStudy.ts,
 * loaded through `studyModules`) groups the points that differ only in eta into one `measureBatch` call each, and
 * gives the same map (points, run ids, verdicts, metric values) as the same map run point by point; its stored runs
 * are cache hits on a rerun; an error inside `measureBatch` marks every point of the group `error` and the map
 * finishes. The fixture logs each `measure` / `measureBatch` call to a file, which is how the calls are counted.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mapBatches, runMapToEnd } from '../../src/run/map/run.ts';
import { batchJobs, MAX_BATCH, planRuns, type RunEvent, type Task } from '../../src/run/pool.ts';
import { openStore } from '../../src/run/store.ts';
import type { MapSpec, ValidityMap } from '../../src/studies/validityMap/types.ts';
import { LOG_ENV } from './fixtures/batchStudy.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/batchStudy.ts', import.meta.url));
const common = { studyModules: [FIXTURE], registry: false, codeVersion: 'test-map-batch-1' };
const dir = mkdtempSync(join(tmpdir(), 'lmech-map-batch-'));
const logFile = join(dir, 'calls.log');
process.env[LOG_ENV] = logFile;
afterAll(() => {
  delete process.env[LOG_ENV];
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => writeFileSync(logFile, ''));
const calls = (): string[] => readFileSync(logFile, 'utf8').split('\n').filter(Boolean);

const WIDTHS = [64, 256];
const ETAS = [0.5, 1, 2, 4];
const SEEDS = [0, 1];
/** 2 widths × 4 step sizes × 2 seeds: 16 runs in 4 groups (width, seed) of 4 step sizes */
const spec = (over: Partial<MapSpec> = {}): MapSpec => ({
  studyId: 'batch-fixture-gap',
  profile: 'quick',
  axes: [
    { key: 'width', values: WIDTHS, log: true },
    { key: 'eta', values: ETAS, log: true },
  ],
  seeds: SEEDS,
  ...over,
});

/** Everything two runs of one map must agree on (not the creation time or cache flags). */
function comparable(m: ValidityMap): unknown {
  return { points: [...m.points].sort((a, b) => a.index - b.index), boundaries: m.boundaries, pending: m.pending, spec: m.spec };
}

describe('batched map points', () => {
  it('batched (threads and in-process) and unbatched maps agree, measureBatch gets the groups, reruns hit the cache', async () => {
    const plain = await openStore(join(dir, 'plain'));
    const batched = await openStore(join(dir, 'batched'));
    const inProcess = await openStore(join(dir, 'in-process'));
    try {
      const one = await runMapToEnd(spec(), { ...common, store: plain, workers: 2, batch: false });
      expect(calls()).toEqual(new Array(16).fill('measure'));

      writeFileSync(logFile, '');
      const events: RunEvent[] = [];
      const many = await runMapToEnd(spec(), { ...common, store: batched, workers: 2, onEvent: (e) => events.push(e) });
      // one call per (width, seed) group with its 4 step sizes, no single measurements
      expect(calls()).toEqual(new Array(WIDTHS.length * SEEDS.length).fill(`batch ${ETAS.length}`));
      expect(comparable(many)).toEqual(comparable(one));
      expect((await batched.listRuns()).map((r) => r.runId).sort()).toEqual((await plain.listRuns()).map((r) => r.runId).sort());
      // every run started once and got one result event
      const started = events.flatMap((e) => (e.type === 'start' ? [e.runId] : []));
      expect(new Set(started).size).toBe(16);
      expect(started).toHaveLength(16);
      expect(events.filter((e) => e.type === 'result' && !e.cached)).toHaveLength(16);

      writeFileSync(logFile, '');
      const rerun: RunEvent[] = [];
      const again = await runMapToEnd(spec(), { ...common, store: batched, workers: 2, onEvent: (e) => rerun.push(e) });
      expect(calls()).toEqual([]);
      expect(rerun.find((e) => e.type === 'plan')).toMatchObject({ total: 16, cached: 16, toRun: 0 });
      expect(comparable(again)).toEqual(comparable(one));

      // the unbatched store's runs are cache hits for a batched map too (same run ids)
      writeFileSync(logFile, '');
      await runMapToEnd(spec(), { ...common, store: plain, workers: 2 });
      expect(calls()).toEqual([]);

      writeFileSync(logFile, '');
      const local = await runMapToEnd(spec(), { ...common, store: inProcess, workers: 1 });
      expect(calls()).toEqual(new Array(WIDTHS.length * SEEDS.length).fill(`batch ${ETAS.length}`));
      expect(comparable(local)).toEqual(comparable(one));
    } finally {
      await Promise.all([plain.close(), batched.close(), inProcess.close()]);
    }
  }, 120_000);

  it('an error inside measureBatch marks every point of its group error; the map finishes', async () => {
    const store = await openStore(join(dir, 'failing'));
    try {
      const m = await runMapToEnd(spec({ base: { failBatch: true }, seeds: [0] }), { ...common, store, workers: 2 });
      expect(calls()).toEqual(new Array(WIDTHS.length).fill(`batch ${ETAS.length}`));
      expect(m.points).toHaveLength(WIDTHS.length * ETAS.length);
      for (const p of m.points) {
        expect(p.verdict).toBe('error');
        expect(p.error).toBe('Error: fixture: measureBatch failed');
      }
      // without batching the same points are measured one by one and do not fail
      writeFileSync(logFile, '');
      const unbatched = await runMapToEnd(spec({ base: { failBatch: true }, seeds: [0] }), { ...common, store, workers: 1, batch: false });
      expect(calls()).toEqual(new Array(WIDTHS.length * ETAS.length).fill('measure'));
      expect(unbatched.points.every((p) => p.verdict !== 'error')).toBe(true);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('a worker thread dying inside a batch gives every point of its job a worker-failed error; the map finishes', async () => {
    const store = await openStore(join(dir, 'crashing'));
    try {
      const m = await runMapToEnd(spec({ base: { exitBatch: true }, seeds: [0] }), { ...common, store, workers: 2 });
      expect(m.points).toHaveLength(WIDTHS.length * ETAS.length);
      for (const p of m.points) {
        expect(p.verdict).toBe('error');
        expect(p.error).toMatch(/^worker failed: /);
      }
    } finally {
      await store.close();
    }
  }, 60_000);

  it('mapBatches: on only where the study batches along a mapped axis, or batches seeds and the map has several', async () => {
    const { batchingStudy, plainStudy } = await import('./fixtures/batchStudy.ts');
    const { seedStudy } = await import('./fixtures/seedBatchStudy.ts');
    expect(mapBatches(batchingStudy, spec())).toBe(true);
    const widthOnly = { axes: [{ key: 'width', values: WIDTHS, log: true }], seeds: [0, 1] };
    expect(mapBatches(batchingStudy, widthOnly)).toBe(false);
    expect(mapBatches(plainStudy, spec())).toBe(false);
    expect(mapBatches(seedStudy, widthOnly)).toBe(true);
    expect(mapBatches(seedStudy, { ...widthOnly, seeds: [0] })).toBe(false);
  });
});

describe('batchJobs', () => {
  const tasks = (studyId: string, etas: number[], seeds = [0], width = 64): Task[] => seeds.flatMap((seed) => etas.map((eta) => ({ studyId, profile: 'quick' as const, params: { width, eta }, seed })));
  const sizes = (jobs: { length: number }[]) => jobs.map((j) => j.length);
  const etas = (n: number) => Array.from({ length: n }, (_, i) => 0.01 * (i + 1));

  it('groups by everything but the batch axes, chunks to MAX_BATCH, splits to feed every worker', async () => {
    const plan = (t: Task[]) => planRuns(t, common);
    // two seeds never share a job; neither do two widths
    const mixed = await plan([...tasks('batch-fixture-gap', etas(3), [0, 1]), ...tasks('batch-fixture-gap', etas(3), [0], 128)]);
    const jobs = batchJobs(mixed, true, 1);
    expect(sizes(jobs)).toEqual([3, 3, 3]);
    for (const job of jobs) {
      expect(new Set(job.map((r) => `${r.task.seed} ${r.params.width}`)).size).toBe(1);
    }
    // a group larger than MAX_BATCH is cut into near-equal chunks of at most MAX_BATCH
    const big = batchJobs(await plan(tasks('batch-fixture-gap', etas(2 * MAX_BATCH + 3))), true, 1);
    expect(big.every((j) => j.length <= MAX_BATCH)).toBe(true);
    expect(sizes(big).reduce((a, b) => a + b, 0)).toBe(2 * MAX_BATCH + 3);
    expect(Math.max(...sizes(big)) - Math.min(...sizes(big))).toBeLessThanOrEqual(1);
    // one group and two workers: two jobs, so both threads work
    expect(sizes(batchJobs(await plan(tasks('batch-fixture-gap', etas(6))), true, 2))).toEqual([3, 3]);
    // ten points for four workers: four jobs of 3, 3, 2, 2 (never an empty or a lopsided one)
    expect(sizes(batchJobs(await plan(tasks('batch-fixture-gap', etas(10))), true, 4))).toEqual([3, 3, 2, 2]);
    // off, or a study without measureBatch: one run per job
    expect(sizes(batchJobs(await plan(tasks('batch-fixture-gap', etas(4))), false, 1))).toEqual([1, 1, 1, 1]);
    expect(sizes(batchJobs(await plan(tasks('batch-fixture-plain', etas(4))), true, 1))).toEqual([1, 1, 1, 1]);
  });
});

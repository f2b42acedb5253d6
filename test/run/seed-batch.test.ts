/**
 * Seeds as a batch axis (issue 17): for a study with `batchSeeds`, runs that differ only in seed (and along its
 * `batchAxes`) share one worker job measured by `measureBatch`; the results, run ids and stored runs are those of
 * the unbatched runs, and reruns are cache hits either way. Fixture studies log how they were measured
 * (test/run/fixtures/seedBatchStudy.ts); the CLI check runs `lmech run` with and without `--no-batch` on
 * dln-saxe-modes, the registry study that batches its seeds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { batchJobs, planRuns, runAll, type Task } from '../../src/run/pool.ts';
import { openStore } from '../../src/run/store.ts';
import type { StudyResult } from '../../src/studies/types.ts';
import { SEED_LOG_ENV } from './fixtures/seedBatchStudy.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/seedBatchStudy.ts', import.meta.url));
const MAP_FIXTURE = fileURLToPath(new URL('./fixtures/batchStudy.ts', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/lmech.js', import.meta.url));
const common = { studyModules: [FIXTURE, MAP_FIXTURE], registry: false, codeVersion: 'test-seed-batch-1' };
const dir = mkdtempSync(join(tmpdir(), 'lmech-seed-batch-'));
const logFile = join(dir, 'calls.log');
process.env[SEED_LOG_ENV] = logFile;
afterAll(() => {
  delete process.env[SEED_LOG_ENV];
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => writeFileSync(logFile, ''));
const calls = (): string[] => readFileSync(logFile, 'utf8').split('\n').filter(Boolean);

const tasks = (studyId: string, seeds: number[], params: Record<string, unknown> = {}): Task[] => seeds.map((seed) => ({ studyId, profile: 'default' as const, params, seed }));
const sizes = (jobs: { length: number }[]) => jobs.map((j) => j.length);
/** What a batched and an unbatched run must agree on: everything but the timing. */
const comparable = (r: StudyResult) => ({ ...r, provenance: { ...r.provenance, durationMs: 0, startedAt: '' } });

describe('batchJobs with batchSeeds', () => {
  it('groups the seeds of one setting; other parameters, studies without batchSeeds stay apart', async () => {
    const plan = (t: Task[]) => planRuns(t, common);
    const five = await plan(tasks('seed-batch-fixture', [0, 1, 2, 3, 4]));
    expect(sizes(batchJobs(five, true, 1))).toEqual([5]);
    // two workers: two chunks, so both threads work
    expect(sizes(batchJobs(five, true, 2))).toEqual([3, 2]);
    expect(sizes(batchJobs(five, false, 1))).toEqual([1, 1, 1, 1, 1]);
    // another c is another setting: its seeds form their own job
    const mixed = await plan([...tasks('seed-batch-fixture', [0, 1]), ...tasks('seed-batch-fixture', [0, 1], { c: 2 })]);
    const jobs = batchJobs(mixed, true, 1);
    expect(sizes(jobs)).toEqual([2, 2]);
    for (const job of jobs) expect(new Set(job.map((r) => r.params.c)).size).toBe(1);
    // seeds and the batch axis together
    const grid = await plan([...tasks('seed-eta-batch-fixture', [0, 1, 2]), ...tasks('seed-eta-batch-fixture', [0, 1, 2], { eta: 1 })]);
    expect(sizes(batchJobs(grid, true, 1))).toEqual([6]);
    // a study batching only along eta never puts two seeds in one job
    const etaOnly = await plan(tasks('batch-fixture-gap', [0, 1, 2], { eta: 1 }));
    expect(sizes(batchJobs(etaOnly, true, 1))).toEqual([1, 1, 1]);
  });
});

describe('runAll with batched seeds', () => {
  it('one measureBatch per job; results, run ids and the store equal the unbatched runs; reruns are cache hits', async () => {
    const plain = await openStore(join(dir, 'plain'));
    const batched = await openStore(join(dir, 'batched'));
    const threads = await openStore(join(dir, 'threads'));
    const seeds = [0, 1, 2, 3, 4];
    try {
      const one = await runAll(tasks('seed-batch-fixture', seeds), { ...common, store: plain, workers: 1, batch: false });
      expect(calls()).toEqual(new Array(seeds.length).fill('measure'));

      writeFileSync(logFile, '');
      const many = await runAll(tasks('seed-batch-fixture', seeds), { ...common, store: batched, workers: 1, batch: true });
      expect(calls()).toEqual(['batch 5 seeds 0,1,2,3,4']);
      expect(many.map(comparable)).toEqual(one.map(comparable));
      expect(new Set(many.map((r) => r.measurement.scalars.value)).size).toBe(seeds.length);
      expect((await batched.listRuns()).map((r) => r.runId).sort()).toEqual((await plain.listRuns()).map((r) => r.runId).sort());

      // two worker threads: two jobs of 3 and 2 seeds
      writeFileSync(logFile, '');
      const parallel = await runAll(tasks('seed-batch-fixture', seeds), { ...common, store: threads, workers: 2, batch: true });
      expect(calls().sort()).toEqual(['batch 2 seeds 3,4', 'batch 3 seeds 0,1,2']);
      expect(parallel.map(comparable)).toEqual(one.map(comparable));

      // the unbatched store answers a batched rerun from its cache (same run ids), and vice versa
      writeFileSync(logFile, '');
      const again = await runAll(tasks('seed-batch-fixture', seeds), { ...common, store: plain, workers: 1, batch: true });
      const back = await runAll(tasks('seed-batch-fixture', seeds), { ...common, store: batched, workers: 1, batch: false });
      expect(calls()).toEqual([]);
      expect([...again, ...back].every((r) => r.cached === true)).toBe(true);
    } finally {
      await Promise.all([plain.close(), batched.close(), threads.close()]);
    }
  }, 120_000);
});

describe('lmech run --seeds N', () => {
  const run = (store: string, ...extra: string[]) => {
    const r = spawnSync(process.execPath, [BIN, 'run', 'dln-saxe-modes', '--quick', '--seeds', '3', '--workers', '1', '--json', '--store', store, ...extra], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    type Row = { verdict: string; metrics: unknown; seeds: unknown };
    const rows: Row[] = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}').studies;
    return rows[0];
  };

  it('batched (default) and --no-batch give the same verdict over seeds and metrics', () => {
    // run ids are compared in the runAll test above, under a pinned code version: here the code version is the
    // digest of src/, which another edit of the tree between the two commands would move
    const batched = run(join(dir, 'cli-batched'));
    const plain = run(join(dir, 'cli-plain'), '--no-batch');
    expect(batched.seeds).toEqual(plain.seeds);
    expect(batched.metrics).toEqual(plain.metrics);
    expect(Object.keys(plain.metrics as object).length).toBeGreaterThan(0);
    expect(plain.verdict).toBe(batched.verdict);
  }, 300_000);
});

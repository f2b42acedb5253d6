import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { codeVersion, sourceDigest } from '../../src/run/codeVersion.ts';
import { longestFirst, type RunEvent, storedDurations, type Task, planRuns, runAll, runStudies } from '../../src/run/pool.ts';
import { createProgress } from '../../src/run/progress.ts';
import { openStore } from '../../src/run/store.ts';
import { ParamError } from '../../src/studies/execute.ts';
import type { StudyResult } from '../../src/studies/types.ts';
import { FIXTURE_CODE_VERSION } from '../fixtures/studies.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/studies.ts', import.meta.url));
// registry: false keeps these tests independent of the real studies (only the fixtures are loaded)
const base = { studyModules: [FIXTURES], codeVersion: FIXTURE_CODE_VERSION, registry: false };

const TASKS: Task[] = [
  { studyId: 'fixture-holds', profile: 'quick', seed: 1 },
  { studyId: 'fixture-falsifies', profile: 'quick', seed: 2 },
  { studyId: 'fixture-throws', profile: 'quick', seed: 3 },
  { studyId: 'fixture-slow', profile: 'quick', seed: 4 },
  { studyId: 'fixture-holds', profile: 'quick', params: { points: 40 }, seed: 5 },
];

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lmech-pool-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function collect(it: AsyncIterable<StudyResult>): Promise<StudyResult[]> {
  const out: StudyResult[] = [];
  for await (const r of it) out.push(r);
  return out;
}

function metricValues(results: StudyResult[]): Record<string, number[]> {
  return Object.fromEntries(results.map((r) => [r.provenance.configHash, r.metrics.map((m) => m.value)]));
}

describe('runStudies', () => {
  let twoWorkers: StudyResult[];
  let events: RunEvent[];

  it('runs every task on 2 worker threads; an erroring study yields verdict error, the others go on', async () => {
    events = [];
    const t0 = performance.now();
    let firstResultMs = 0;
    twoWorkers = [];
    for await (const r of runStudies(TASKS, { ...base, workers: 2, onEvent: (e) => events.push(e) })) {
      if (twoWorkers.length === 0) firstResultMs = performance.now() - t0;
      twoWorkers.push(r);
    }
    console.log(`[pool] 2 workers: first result after ${firstResultMs.toFixed(0)} ms, all ${TASKS.length} after ${(performance.now() - t0).toFixed(0)} ms`);
    expect(twoWorkers).toHaveLength(TASKS.length);
    const verdicts = Object.fromEntries(twoWorkers.map((r) => [`${r.id}#${r.provenance.seed}`, r.verdict]));
    expect(verdicts).toEqual({
      'fixture-holds#1': 'holds',
      'fixture-falsifies#2': 'falsified',
      'fixture-throws#3': 'error',
      'fixture-slow#4': 'holds',
      'fixture-holds#5': 'holds',
    });
    const failed = twoWorkers.find((r) => r.id === 'fixture-throws');
    expect(failed?.error).toBe('Error: fixture study failed on purpose');
    for (const r of twoWorkers) {
      expect(r.cached).toBeUndefined();
      expect(r.provenance.codeVersion).toBe(FIXTURE_CODE_VERSION);
    }
  });

  it('reports plan, start, progress and result events', () => {
    expect(events[0]).toEqual({ type: 'plan', total: 5, cached: 0, toRun: 5, workers: 2, inProcess: false });
    const results = events.filter((e) => e.type === 'result');
    expect(results.map((e) => e.done)).toEqual([1, 2, 3, 4, 5]);
    expect(events.filter((e) => e.type === 'start')).toHaveLength(5);
    const slow = events.filter((e): e is Extract<RunEvent, { type: 'progress' }> => e.type === 'progress' && e.studyId === 'fixture-slow');
    // the slow fixture reports 6 steps ~50 ms apart; the worker forwards at most one message per 100 ms
    expect(slow.length).toBeGreaterThanOrEqual(2);
    for (const e of slow) expect(e.fraction).toBeGreaterThan(0);
    for (const e of slow) expect(e.fraction).toBeLessThanOrEqual(1);
    const fractions = slow.map((e) => e.fraction);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
  });

  it('is deterministic: 1 worker (in-process) gives the same metric values as 2 workers', async () => {
    const events1: RunEvent[] = [];
    const oneWorker = await collect(runStudies(TASKS, { ...base, workers: 1, onEvent: (e) => events1.push(e) }));
    expect(events1[0]).toMatchObject({ type: 'plan', inProcess: true });
    // exact: the same code on the same seeded stream gives bit-identical doubles in any thread
    expect(metricValues(oneWorker)).toEqual(metricValues(twoWorkers));
    // results come in task order when run in-process
    expect(oneWorker.map((r) => r.provenance.seed)).toEqual([1, 2, 3, 4, 5]);
  });

  it('saves every result and answers the second run from the store (errors are retried)', async () => {
    const store = await openStore(tempDir());
    try {
      const first = await runAll(TASKS, { ...base, store, workers: 2 });
      expect(first.map((r) => r.cached)).toEqual([undefined, undefined, undefined, undefined, undefined]);
      expect(await store.count('runs')).toBe(5);
      const events2: RunEvent[] = [];
      const second = await runAll(TASKS, { ...base, store, workers: 2, onEvent: (e) => events2.push(e) });
      expect(second.map((r) => r.cached)).toEqual([true, true, undefined, true, true]);
      expect(events2[0]).toMatchObject({ type: 'plan', cached: 4, toRun: 1 });
      expect(metricValues(second)).toEqual(metricValues(first));
      // the cache hit is the stored result as it was (apart from the flag)
      expect({ ...second[0], cached: undefined }).toEqual(first[0]);
      // the retried error replaced its row, nothing duplicated
      expect(await store.count('runs')).toBe(5);
      const forced = await runAll(TASKS.slice(0, 1), { ...base, store, force: true });
      expect(forced[0].cached).toBeUndefined();
      expect(await store.count('runs')).toBe(5);
    } finally {
      await store.close();
    }
  });

  it('runs a task repeated in one batch once and yields it for each task', async () => {
    const events2: RunEvent[] = [];
    const twice = await runAll([TASKS[0], TASKS[0]], { ...base, workers: 2, onEvent: (e) => events2.push(e) });
    expect(events2[0]).toMatchObject({ type: 'plan', total: 2, toRun: 1, inProcess: true });
    expect(twice.map((r) => r.cached)).toEqual([undefined, true]);
    expect(twice[1].metrics).toEqual(twice[0].metrics);
  });

  it('saves nothing for runs cut short when the caller stops iterating', async () => {
    const store = await openStore(tempDir());
    try {
      // one fast task, then tasks that take 3 s: the first result arrives long before any other
      const slowTasks: Task[] = [
        { studyId: 'fixture-holds', profile: 'quick', seed: 0 },
        ...[1, 2, 3].map((seed): Task => ({ studyId: 'fixture-slow', profile: 'quick', params: { delayMs: 3000 }, seed })),
      ];
      const got: StudyResult[] = [];
      for await (const r of runStudies(slowTasks, { ...base, store, workers: 2 })) {
        got.push(r);
        break;
      }
      expect(got).toHaveLength(1);
      expect(got[0].id).toBe('fixture-holds');
      // the other worker's run was terminated, not saved as an error
      expect(await store.count('runs')).toBe(1);
      expect((await store.listRuns())[0].runId).toBe(got[0].provenance.configHash);
    } finally {
      await store.close();
    }
  });

  it('stops with the abort reason when aborted', async () => {
    const ac = new AbortController();
    const slowTasks: Task[] = [0, 1, 2].map((seed) => ({ studyId: 'fixture-slow', profile: 'quick', seed }));
    const run = collect(runStudies(slowTasks, { ...base, workers: 2, signal: ac.signal, onEvent: (e) => e.type === 'start' && ac.abort(new Error('user abort')) }));
    await expect(run).rejects.toThrow('user abort');
  });
});

describe('longest job first (LPT)', () => {
  it('orders jobs by expected duration, unknown first, ties and the no-history case in task order', async () => {
    const runs = await planRuns(TASKS, base);
    const jobs = runs.map((r) => [r]);
    const ids = (js: { task: Task }[][]) => js.map((j) => j[0].task.seed);
    const ms: Record<string, number> = { 'fixture-holds': 10, 'fixture-falsifies': 30, 'fixture-slow': 500 };
    expect(ids(longestFirst(jobs, (r) => ms[r.study.id]))).toEqual([3, 4, 2, 1, 5]); // fixture-throws unknown: first
    expect(ids(longestFirst(jobs, () => undefined))).toEqual([1, 2, 3, 4, 5]);
    // a job's cost is the sum over its runs: two short runs together outrank one of 30
    const paired = [[runs[0], runs[4]], [runs[1]]];
    expect(ids(longestFirst(paired, (r) => (r.study.id === 'fixture-holds' ? 20 : 30)))).toEqual([1, 2]);
  });

  it('expects the median stored duration of a study and profile; none for runs with overrides', async () => {
    const store = await openStore(tempDir());
    try {
      await runAll(TASKS, { ...base, store, workers: 1 });
      await runAll([{ studyId: 'fixture-holds', profile: 'quick', seed: 9 }, { studyId: 'fixture-holds', profile: 'quick', seed: 10 }], { ...base, store, workers: 1 });
      const rows = await store.listRuns({ studyIds: ['fixture-holds'] });
      const plain = rows.filter((r) => r.profile === 'quick').map((r) => r.durationMs).sort((a, b) => a - b);
      expect(plain.length).toBe(3); // seeds 1, 9, 10; the override run is stored as 'custom'
      const expected = await storedDurations(store);
      const runs = await planRuns(TASKS, base);
      expect(expected(runs[0])).toBeCloseTo(plain[1], 6);
      expect(expected(runs[4])).toBeUndefined(); // params override
      expect(expected(runs[2])).toBeUndefined(); // fixture-throws never finished
    } finally {
      await store.close();
    }
  });
});

describe('planRuns: bad input fails before any work', () => {
  it('names the task and the unknown study', async () => {
    await expect(planRuns([{ studyId: 'nope', profile: 'quick', seed: 0 }], base)).rejects.toThrow(/tasks\[0\]\.studyId: no study 'nope'; expected one of .*fixture-holds/);
  });
  it('names a bad seed and a bad profile', async () => {
    await expect(planRuns([{ studyId: 'fixture-holds', profile: 'quick', seed: 1.5 }], base)).rejects.toThrow(/tasks\[0\]\.seed: got 1.5, expected a safe integer/);
    await expect(planRuns([{ studyId: 'fixture-holds', profile: 'fast' as 'quick', seed: 1 }], base)).rejects.toThrow(/tasks\[0\]\.profile: got "fast"/);
  });
  it('passes parameter errors through as ParamError', async () => {
    await expect(planRuns([{ studyId: 'fixture-holds', profile: 'quick', params: { points: 1 }, seed: 1 }], base)).rejects.toBeInstanceOf(ParamError);
  });
  it('gives a run id that changes with params, seed and code version', async () => {
    const [a, b, c] = await planRuns(
      [
        { studyId: 'fixture-holds', profile: 'quick', seed: 1 },
        { studyId: 'fixture-holds', profile: 'quick', seed: 2 },
        { studyId: 'fixture-holds', profile: 'quick', params: { points: 21 }, seed: 1 },
      ],
      base,
    );
    const [d] = await planRuns([{ studyId: 'fixture-holds', profile: 'quick', seed: 1 }], { ...base, codeVersion: 'other' });
    expect(new Set([a.runId, b.runId, c.runId, d.runId]).size).toBe(4);
    // the profile's overrides are part of the resolved params, so an explicit override with the
    // same value gives the same run id
    const [e] = await planRuns([{ studyId: 'fixture-holds', profile: 'default', params: { points: 20 }, seed: 1 }], base);
    expect(e.runId).toBe(a.runId);
  });
});

describe('codeVersion', () => {
  it('is <package version>+<12 hex>, stable within a process', () => {
    expect(codeVersion()).toMatch(/^\d+\.\d+\.\d+[^+]*\+[0-9a-f]{12}$/);
    expect(codeVersion()).toBe(codeVersion());
  });
  it('digests file paths and contents', () => {
    const dir = tempDir();
    const write = (rel: string, text: string) => {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    };
    write('a.ts', 'x');
    write('sub/b.ts', 'y');
    const d1 = sourceDigest(dir);
    expect(sourceDigest(dir)).toBe(d1);
    write('sub/b.ts', 'z');
    const d2 = sourceDigest(dir);
    expect(d2).not.toBe(d1);
    rmSync(join(dir, 'sub/b.ts'));
    write('sub/c.ts', 'z'); // same contents, new path
    expect(sourceDigest(dir)).not.toBe(d2);
  });
});

describe('progress display', () => {
  function sink(isTTY: boolean) {
    const chunks: string[] = [];
    const stream = Object.assign(
      new Writable({
        write(chunk: Buffer, _enc: string, cb: () => void) {
          chunks.push(chunk.toString());
          cb();
        },
      }),
      { isTTY },
    );
    return { stream, text: () => chunks.join('') };
  }

  it('prints readable lines when not on a TTY', async () => {
    const out = sink(false);
    const progress = createProgress({ stream: out.stream });
    expect(progress.mode).toBe('plain');
    await collect(runStudies(TASKS.slice(0, 3), { ...base, workers: 1, onEvent: (e) => progress.onEvent(e) }));
    progress.stop();
    const lines = out.text().trimEnd().split('\n');
    expect(lines[0]).toBe('[lmech] 3 studies, 3 to run in-process');
    expect(lines[1]).toMatch(/^\[lmech\] 1\/3 done: fixture-holds holds \(\d+\.\d s\)$/);
    expect(lines[2]).toMatch(/^\[lmech\] 2\/3 done: fixture-falsifies falsified \(\d+\.\d s\)$/);
    expect(lines[3]).toMatch(/^\[lmech\] 3\/3 done: fixture-throws error \(\d+\.\d s\): Error: fixture study failed on purpose$/);
  });

  it('draws a bar with the running study on a TTY, and is silent in quiet mode', async () => {
    const out = sink(true);
    const progress = createProgress({ stream: out.stream, mode: 'tty' });
    await collect(runStudies([TASKS[3]], { ...base, workers: 1, onEvent: (e) => progress.onEvent(e) }));
    progress.stop();
    const text = out.text();
    expect(text).toContain('1/1 studies');
    expect(text).toMatch(/fixture-slow \d+%/);
    expect(text).toContain('1/1 done: fixture-slow holds');
    const quiet = sink(false);
    const q = createProgress({ stream: quiet.stream, mode: 'quiet' });
    await collect(runStudies([TASKS[0]], { ...base, workers: 1, onEvent: (e) => q.onEvent(e) }));
    q.stop();
    expect(quiet.text()).toBe('');
  });
});

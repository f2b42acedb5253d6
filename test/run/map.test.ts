/**
 * `runMap` end to end on a tiny synthetic study (test/studies/validityMap/fixture.ts, loaded through the pool's
 * `studyModules`): a 3×3 map killed midway and re-run takes the finished points from the store and redoes none;
 * the same map on Redis workers gives the same points; the tidy Parquet table has one row per (point, seed).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointRows, writeMapData } from '../../src/run/map/files.ts';
import { mapTasks, runMap, runMapToEnd } from '../../src/run/map/run.ts';
import type { RunEvent } from '../../src/run/pool.ts';
import { startSweepWorker } from '../../src/run/redis/worker.ts';
import { openStore, StoreDirError } from '../../src/run/store.ts';
import { expandGrid, MapSpecError } from '../../src/studies/validityMap/grid.ts';
import type { MapSpec, ValidityMap } from '../../src/studies/validityMap/types.ts';

const FIXTURE = fileURLToPath(new URL('../studies/validityMap/fixture.ts', import.meta.url));
const CODE_VERSION = 'test-map-1';
const dir = mkdtempSync(join(tmpdir(), 'lmech-map-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 3 widths × 3 step sizes, 1 seed; gap = 100·eta/width against 0.5: the boundary along width is at 200·eta. */
const spec = (over: Partial<MapSpec> = {}): MapSpec => ({
  studyId: 'map-fixture-gap',
  profile: 'quick',
  axes: [
    { key: 'width', values: [64, 256, 1024], log: true },
    { key: 'eta', values: [0.5, 1, 2], log: false },
  ],
  seeds: [0],
  base: { delayMs: 150 },
  ...over,
});
const common = { studyModules: [FIXTURE], registry: false, codeVersion: CODE_VERSION };

/** What must agree between two runs of one map: everything but the creation time and the cache flags. */
function comparable(m: ValidityMap): unknown {
  return { points: m.points, boundaries: m.boundaries, predicted: m.predictedBoundaries, pending: m.pending, spec: m.spec };
}

describe('runMap', () => {
  it('killed midway and re-run: finished points come from the store, nothing is redone', async () => {
    const store = await openStore(join(dir, 'resume'));
    try {
      const abort = new AbortController();
      const firstRun: string[] = [];
      const partials: ValidityMap[] = [];
      const killed = runMapToEnd(
        spec(),
        {
          ...common,
          store,
          workers: 2,
          signal: abort.signal,
          onEvent: (e: RunEvent) => {
            if (e.type === 'result') firstRun.push(e.runId);
            if (e.type === 'result' && e.done === 4) abort.abort();
          },
        },
        (m) => partials.push(m),
      );
      await expect(killed).rejects.toThrow();
      const stored = (await store.listRuns()).map((r) => r.runId);
      expect(stored.length).toBeGreaterThanOrEqual(4);
      expect(stored.length).toBeLessThan(9);
      // every yielded result was stored (one more may have been saved while the abort was on its way)
      expect(stored).toEqual(expect.arrayContaining(firstRun));
      // partial maps grow one point at a time and count the rest pending
      expect(partials.map((m) => m.points.length)).toEqual(partials.map((_, i) => i + 1));
      expect(partials.every((m) => m.points.length + m.pending === 9)).toBe(true);

      const events: RunEvent[] = [];
      const full = await runMapToEnd(spec(), { ...common, store, workers: 2, onEvent: (e) => events.push(e) });
      const plan = events.find((e) => e.type === 'plan');
      expect(plan).toMatchObject({ total: 9, cached: stored.length, toRun: 9 - stored.length });
      const started = events.flatMap((e) => (e.type === 'start' ? [e.runId] : []));
      expect(started).toHaveLength(9 - stored.length);
      expect(started.filter((id) => stored.includes(id))).toEqual([]);
      expect(full.pending).toBe(0);
      expect(full.points.map((p) => p.index).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);

      // the same map in a fresh store, uninterrupted, is identical
      const fresh = await openStore(join(dir, 'fresh'));
      try {
        const again = await runMapToEnd(spec(), { ...common, store: fresh, workers: 1 });
        expect(comparable(again)).toEqual(comparable({ ...full, points: [...full.points].sort((a, b) => a.index - b.index) }));
      } finally {
        await fresh.close();
      }
    } finally {
      await store.close();
    }
  }, 120_000);

  it('finds the analytic boundary and judges the predicted one', async () => {
    const store = await openStore(join(dir, 'boundary'));
    try {
      const m = await runMapToEnd(spec({ base: {} }), { ...common, store, workers: 1 });
      const alongWidth = m.boundaries.filter((b) => b.axis === 'width');
      // eta = 0.5, 1, 2: width* = 100, 200, 400, inside [64, 1024]; ±0.5% seed wobble moves the log-log crossing by ≤ ~1%
      expect(alongWidth).toHaveLength(3);
      for (const [i, b] of alongWidth.entries()) expect(Math.abs(Math.log((b.crossing as number) / (100 * 2 ** i)))).toBeLessThan(0.02);
      expect(alongWidth.every((b) => b.holdsBelow === false)).toBe(true);
      expect(m.predictedBoundaries.map((b) => b.pass)).toEqual([true, true, true]);
      // points: holds exactly where 100·eta/width ≤ 0.5 (away from the boundary: the wobble is ±0.5%)
      for (const p of m.points) expect(p.verdict).toBe((100 * (p.coords.eta as number)) / (p.coords.width as number) <= 0.5 ? 'holds' : 'falsified');
    } finally {
      await store.close();
    }
  }, 60_000);

  it('rejects a bad grid before any run, and an unknown metric after the first result', async () => {
    const store = await openStore(join(dir, 'bad'));
    try {
      const bad = spec({ axes: [{ key: 'width', values: [64, 2], log: false }] });
      await expect(runMapToEnd(bad, { ...common, store })).rejects.toThrow(MapSpecError);
      expect(await store.listRuns()).toEqual([]);
      const events: RunEvent[] = [];
      const wrongMetric = runMapToEnd(spec({ metric: 'gapp', base: {} }), { ...common, store, workers: 1, onEvent: (e) => events.push(e) });
      await expect(wrongMetric).rejects.toThrow(/--metric: unknown metric 'gapp'.*expected one of: gap, sanity/);
      expect(events.filter((e) => e.type === 'result')).toHaveLength(1);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('mapTasks: seeds innermost, in grid order', () => {
    const s = spec({ seeds: [3, 4] });
    const tasks = mapTasks(s, expandGrid(s));
    expect(tasks).toHaveLength(18);
    expect(tasks.slice(0, 3).map((t) => [t.params?.width, t.params?.eta, t.seed])).toEqual([
      [64, 0.5, 3],
      [64, 0.5, 4],
      [64, 1, 3],
    ]);
  });
});

describe('map files', () => {
  it('points.parquet: one row per (point, seed) with the axis columns, readable back', async () => {
    const store = await openStore(join(dir, 'files'));
    let m: ValidityMap;
    try {
      m = await runMapToEnd(spec({ seeds: [0, 1], base: {} }), { ...common, store, workers: 1 });
    } finally {
      await store.close();
    }
    const out = join(dir, 'files-out');
    const [json, parquet] = await writeMapData(m, out);
    expect(json.endsWith('map.json')).toBe(true);
    const rows = pointRows(m);
    expect(rows).toHaveLength(18);
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const reader = await conn.runAndReadAll(`SELECT * FROM read_parquet('${parquet}') ORDER BY point, seed`);
      const back = reader.getRowObjectsJS();
      expect(back).toHaveLength(18);
      expect(Object.keys(back[0])).toEqual(['point', 'width', 'eta', 'seed', 'run_id', 'verdict', 'point_verdict', 'fraction_holds', 'metric', 'value', 'error_ratio', 'error']);
      for (const [i, r] of back.entries()) {
        const p = m.points[Math.floor(i / 2)];
        expect(Number(r.point)).toBe(p.index);
        expect(r.width).toBe(p.coords.width);
        expect(r.run_id).toBe(p.runIds[i % 2]);
        expect(r.error_ratio).toBe(p.metric?.perSeed[i % 2]);
        expect(r.value).toBe(p.metric?.perSeedValue?.[i % 2]);
      }
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }, 60_000);

  it('openStore on a file names the path and what was expected', async () => {
    const file = join(dir, 'some-file');
    writeFileSync(file, 'x');
    const err = await openStore(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreDirError);
    expect((err as StoreDirError).message).toBe(`--store: '${file}' is a file; expected a directory (it will be created)`);
    expect((err as StoreDirError).exitCode).toBe(2);
    const below = await openStore(join(file, 'sub')).catch((e: unknown) => e);
    expect((below as Error).message).toContain(`'${file}' (a parent of '${join(file, 'sub')}') is a file`);
  });
});

const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).status === 0;
if (!hasRedis) console.warn('map.test.ts: Redis part skipped: redis-server is not on PATH (apt-get install -y redis-server)');

describe.skipIf(!hasRedis)('runMap on Redis workers', () => {
  let redis: ChildProcess | undefined;
  let url = '';
  beforeAll(async () => {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('redis-server did not start')), 10_000);
      redis?.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('Ready to accept connections')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    url = `redis://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    if (redis && redis.exitCode === null) {
      const done = new Promise((r) => redis?.once('close', r));
      redis.kill('SIGTERM');
      await done;
    }
  });

  it('two workers give the same points as the local pool, saved by the coordinator', async () => {
    const queue = 'lmech-map-test';
    const workers = await Promise.all([0, 1].map(() => startSweepWorker({ url, queue, concurrency: 1, codeVersion: CODE_VERSION })));
    const remoteStore = await openStore(join(dir, 'redis'));
    const localStore = await openStore(join(dir, 'redis-local'));
    try {
      const s = spec({ seeds: [0, 1], base: { delayMs: 50 } });
      const remote = await runMapToEnd(s, { ...common, store: remoteStore, backend: { kind: 'redis', url, queue } });
      const local = await runMapToEnd(s, { ...common, store: localStore, workers: 1 });
      const byIndex = (m: ValidityMap) => ({ ...m, points: [...m.points].sort((a, b) => a.index - b.index) });
      expect(comparable(byIndex(remote))).toEqual(comparable(byIndex(local)));
      expect((await remoteStore.listRuns()).length).toBe(18);
      // re-running the remote map is all cache hits: nothing is queued
      const events: RunEvent[] = [];
      await runMapToEnd(s, { ...common, store: remoteStore, backend: { kind: 'redis', url, queue }, onEvent: (e) => events.push(e) });
      expect(events.find((e) => e.type === 'plan')).toMatchObject({ cached: 18, toRun: 0 });
    } finally {
      await remoteStore.close();
      await localStore.close();
      await Promise.all(workers.map((w) => w.close()));
    }
  }, 120_000);
});

// keep the generator API covered: the first yield is a partial map
it('runMap yields partial maps and returns the full one', async () => {
  const store = await openStore(join(dir, 'gen'));
  try {
    const it = runMap(spec({ base: {} }), { ...common, store, workers: 1 });
    const first = await it.next();
    expect(first.done).toBe(false);
    expect((first.value as ValidityMap).points).toHaveLength(1);
    let last: ValidityMap | undefined;
    for (;;) {
      const step = await it.next();
      last = step.value as ValidityMap;
      if (step.done) break;
    }
    expect(last?.points).toHaveLength(9);
  } finally {
    await store.close();
  }
}, 60_000);

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Store, StoreLockedError, decodeJson, encodeJson, openStore } from '../../src/run/store.ts';
import { executeStudy } from '../../src/studies/execute.ts';
import type { StudyResult } from '../../src/studies/types.ts';
import { FIXTURE_CODE_VERSION, falsifies, holds } from '../fixtures/studies.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SWEEP = fileURLToPath(new URL('../fixtures/runSweep.ts', import.meta.url));

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lmech-store-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function seriesPoints(r: StudyResult): number {
  return [...r.prediction.series, ...r.measurement.series].reduce((n, s) => n + s.x.length, 0);
}

/** Series rows as the table orders them on export. */
const SERIES_SQL = 'SELECT run_id, observable, grp, kind, step, value FROM series ORDER BY run_id, kind, observable, grp, step';

describe('store: save and get', () => {
  let store: Store;
  let big: StudyResult;
  beforeAll(async () => {
    store = await openStore(tempDir());
    // 5000 points × 3 series (predicted y, measured y, measured residual) = 15 000 series rows
    big = await executeStudy(holds, { profile: 'quick', params: { points: 5000 }, seed: 7, codeVersion: FIXTURE_CODE_VERSION });
  });
  afterAll(async () => {
    await store.close();
  });

  it('round-trips a result: get returns it equal, marked cached', async () => {
    const t0 = performance.now();
    await store.save(big);
    const ms = performance.now() - t0;
    console.log(`[store] save of a run with ${seriesPoints(big)} series points: ${ms.toFixed(1)} ms`);
    const got = await store.get(big.provenance.configHash);
    expect(got).toEqual({ ...big, cached: true });
    expect(await store.count('series', big.provenance.configHash)).toBe(15000);
    expect(await store.count('metrics', big.provenance.configHash)).toBe(big.metrics.length);
    expect(await store.count('regime', big.provenance.configHash)).toBe(big.regime.length);
    expect(await store.get('no-such-run')).toBeUndefined();
  });

  it('re-saving the same run replaces it instead of duplicating rows', async () => {
    await store.save(big);
    await store.save({ ...big, cached: true });
    expect(await store.count('runs', big.provenance.configHash)).toBe(1);
    expect(await store.count('series', big.provenance.configHash)).toBe(15000);
    expect(await store.count('metrics', big.provenance.configHash)).toBe(big.metrics.length);
    // the `cached` flag is a property of a read, never stored
    const [row] = await store.query(`SELECT json_extract(result, '$.cached') AS c FROM runs WHERE run_id = $id`, { id: big.provenance.configHash });
    expect(row.c).toBeNull();
  });

  it('keeps NaN, ±Infinity and -0 through the JSON result', async () => {
    const odd: StudyResult = {
      ...big,
      metrics: [{ ...big.metrics[0], value: Number.NaN, pass: false }],
      measurement: { scalars: { inf: Number.POSITIVE_INFINITY, ninf: Number.NEGATIVE_INFINITY, nz: -0 }, series: [{ name: 'y', group: '', kind: 'measured', x: [0, 1], y: [Number.NaN, 2] }] },
      provenance: { ...big.provenance, configHash: 'odd-values-run' },
    };
    await store.save(odd);
    const got = await store.get('odd-values-run');
    expect(got?.metrics[0].value).toBeNaN();
    expect(got?.measurement.scalars.inf).toBe(Number.POSITIVE_INFINITY);
    expect(got?.measurement.scalars.ninf).toBe(Number.NEGATIVE_INFINITY);
    expect(Object.is(got?.measurement.scalars.nz, -0)).toBe(true);
    expect(got?.measurement.series[0].y[0]).toBeNaN();
    // a user object that merely looks similar is not rewritten unless it is exactly {$num: string}
    expect(decodeJson(encodeJson({ $num: 1, other: 2 }))).toEqual({ $num: 1, other: 2 });
    const [row] = await store.query(`SELECT isnan(value) AS nan FROM series WHERE run_id = 'odd-values-run' AND step = 0`);
    expect(row.nan).toBe(true);
  });

  it('a save that fails half-way leaves no partial rows and the old version intact', async () => {
    const runId = big.provenance.configHash;
    // A metric whose name is not a string makes the appender throw after the runs row and all
    // series rows of this save were written inside the transaction.
    const corrupt = { ...big, metrics: [{ ...big.metrics[0], name: 42 as unknown as string }] };
    await expect(store.save(corrupt)).rejects.toThrow(/rolled back/);
    expect(await store.count('runs', runId)).toBe(1);
    expect(await store.count('series', runId)).toBe(15000);
    expect(await store.get(runId)).toEqual({ ...big, cached: true });
    // a new run id with corrupt data: nothing at all
    const fresh = { ...corrupt, provenance: { ...big.provenance, configHash: 'never-saved' } };
    await expect(store.save(fresh)).rejects.toThrow(/never-saved/);
    for (const t of ['runs', 'series', 'metrics', 'regime'] as const) expect(await store.count(t, 'never-saved')).toBe(0);
    // the store still works after the rollback
    expect(await store.count('runs')).toBeGreaterThan(0);
  });

  it('rejects a result with mismatched series lengths before writing, naming the series', async () => {
    const bad: StudyResult = {
      ...big,
      provenance: { ...big.provenance, configHash: 'bad-lengths' },
      measurement: { scalars: {}, series: [{ name: 'loss', group: 'eta=1', kind: 'measured', x: [0, 1, 2], y: [1, 2] }] },
    };
    await expect(store.save(bad)).rejects.toThrow(/measurement series 'loss' \(group 'eta=1'\) has x.length 3 but y.length 2/);
    expect(await store.count('runs', 'bad-lengths')).toBe(0);
  });

  it('lists runs with filters and returns the newest result per study', async () => {
    const older = await executeStudy(falsifies, { profile: 'quick', seed: 1, codeVersion: FIXTURE_CODE_VERSION });
    const newer = await executeStudy(falsifies, { profile: 'quick', seed: 2, codeVersion: FIXTURE_CODE_VERSION });
    const t = Date.parse(older.provenance.startedAt);
    older.provenance.startedAt = new Date(t - 60_000).toISOString();
    newer.provenance.startedAt = new Date(t + 60_000).toISOString();
    await store.save(newer);
    await store.save(older);
    const runs = await store.listRuns({ studyIds: ['fixture-falsifies'] });
    expect(runs.map((r) => r.seed)).toEqual([2, 1]); // newest first
    expect(runs[0]).toMatchObject({ studyId: 'fixture-falsifies', verdict: 'falsified', status: 'done', codeVersion: FIXTURE_CODE_VERSION, profile: 'quick' });
    expect(runs[0].params).toEqual(newer.provenance.params);
    expect(runs[0].startedAt).toBe(newer.provenance.startedAt);
    expect(await store.listRuns({ verdict: 'falsified', seed: 1 })).toHaveLength(1);
    expect(await store.listRuns({ limit: 1 })).toHaveLength(1);
    const latest = await store.latestResults(['fixture-falsifies', 'no-such-study', 'fixture-holds']);
    expect(latest.map((r) => [r.id, r.provenance.seed])).toEqual([
      ['fixture-falsifies', 2],
      ['fixture-holds', 7],
    ]);
    expect((await store.latestResults()).map((r) => r.id)).toEqual(['fixture-falsifies', 'fixture-holds']);
  });
});

describe('store: export', () => {
  let store: Store;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    store = await openStore(join(dir, 'db'));
    for (const seed of [1, 2]) await store.save(await executeStudy(holds, { profile: 'quick', params: { points: 300 }, seed, codeVersion: FIXTURE_CODE_VERSION }));
    await store.save(await executeStudy(falsifies, { profile: 'quick', seed: 3, codeVersion: FIXTURE_CODE_VERSION }));
  });
  afterAll(async () => {
    await store.close();
  });

  it.each([
    ['parquet', 'read_parquet'],
    // CSV writes '' as "" and NULL as nothing; DuckDB's reader treats "" as NULL unless told otherwise
    ['csv', 'read_csv'],
    ['jsonl', 'read_json'],
  ] as const)('exports series to %s and reads back equal values', async (format, reader) => {
    const out = join(dir, `series.${format}`);
    await store.export(format, out);
    const expected = await store.query(SERIES_SQL);
    const back = await store.query(`SELECT run_id, observable, grp, kind, step, value FROM ${reader}('${out}'${format === 'csv' ? ', allow_quoted_nulls = false' : ''}) ORDER BY run_id, kind, observable, grp, step`);
    expect(back.length).toBe(expected.length);
    expect(back.length).toBe(2 * 3 * 300 + 3 * 20);
    // exact equality: Parquet stores the doubles' bits; DuckDB writes CSV/JSON doubles in shortest
    // round-trip form, so the text re-parses to the same double
    expect(back).toEqual(expected);
  });

  it('exports runs and metrics; parquet is SNAPPY-compressed', async () => {
    const runsOut = join(dir, 'runs.parquet');
    await store.export('parquet', runsOut, 'runs');
    const runs = await store.query(`SELECT run_id, study_id, seed, verdict FROM '${runsOut}' ORDER BY run_id`);
    expect(runs).toEqual(await store.query('SELECT run_id, study_id, seed, verdict FROM runs ORDER BY run_id'));
    const codecs = await store.query(`SELECT DISTINCT compression FROM parquet_metadata('${runsOut}')`);
    expect(codecs.map((c) => c.compression)).toEqual(['SNAPPY']);
    const metricsOut = join(dir, 'metrics.jsonl');
    await store.export('jsonl', metricsOut, 'metrics');
    const metrics = await store.query(`SELECT run_id, name, value, pass FROM read_json('${metricsOut}') ORDER BY run_id, name`);
    expect(metrics).toEqual(await store.query('SELECT run_id, name, value, pass FROM metrics ORDER BY run_id, name'));
    expect(metrics).toHaveLength(3);
  });

  it('rejects an unknown format or table, naming it', async () => {
    await expect(store.export('xlsx' as 'csv', join(dir, 'x'))).rejects.toThrow(/format must be one of parquet, csv, jsonl, got "xlsx"/);
    await expect(store.export('csv', join(dir, 'x'), 'users' as 'runs')).rejects.toThrow(/table must be one of .* got "users"/);
  });
});

describe('store: single writer', () => {
  it('a second process opening the store gets a clear "in use" error', async () => {
    const dir = tempDir();
    const store = await openStore(dir);
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', SWEEP, dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(3);
      expect(stderr).toContain(`store ${join(dir, 'lmech.duckdb')} is in use by another lmech process (pid ${process.pid})`);
      expect(stderr).not.toContain('IO Error');
    } finally {
      await store.close();
    }
  });

  it('StoreLockedError carries the path and the holder pid', () => {
    const e = new StoreLockedError('/x/lmech.duckdb', 123);
    expect(e.message).toMatch(/^store \/x\/lmech.duckdb is in use by another lmech process \(pid 123\)/);
    expect(e.holderPid).toBe(123);
  });
});

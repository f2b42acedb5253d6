/**
 * Sweeps in the store: every run exactly once (re-runs skip, --force replaces), diverged runs recorded with their
 * step, error runs retried, a failed save rolled back completely, and a Parquet export read back with equal values.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Store, openStore } from '../../src/run/store.ts';
import { runSweep } from '../../src/run/sweep/coordinator.ts';
import { type ExpandedSweep, expandSweep, parseSpecObject } from '../../src/run/sweep/spec.ts';
import { SweepStore } from '../../src/run/sweep/sweepStore.ts';
import type { SweepRunResult } from '../../src/run/sweep/train.ts';

const dir = mkdtempSync(join(tmpdir(), 'lmech-sweepstore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPEC = {
  name: 'store-test',
  model: { widths: [4, 8], depth: 1, activation: 'tanh' },
  data: { task: 'teacher', d: 3, n: 32, testN: 32 },
  // lr 400 diverges within a few steps (checked below); 0.05 trains normally
  optimizer: { name: 'sgd', lr: [0.05, 400], batch: 8 },
  steps: 20,
  seeds: [0, 1],
  record: { every: 5, observables: ['train_loss', 'test_loss', 'grad_norm'] },
};

let sweep: ExpandedSweep;
let store: Store;
const results = new Map<string, SweepRunResult>();

beforeAll(async () => {
  sweep = expandSweep(parseSpecObject(SPEC), 'test-store');
  store = await openStore(join(dir, 'a'));
});
afterAll(async () => {
  await store.close();
});

async function seriesCount(runId: string): Promise<number> {
  const rows = await store.query('SELECT count(*) AS n FROM series WHERE run_id = $id', { id: runId });
  return rows[0].n as number;
}

describe('a sweep in the store', () => {
  it('stores every run once, with diverged runs marked at their step', async () => {
    const summary = await runSweep(sweep, {
      store,
      workers: 1,
      onEvent: (e) => {
        if (e.type === 'result') results.set(e.result.runId, e.result);
      },
    });
    expect(summary.total).toBe(8);
    expect(summary.ran).toBe(8);
    expect(summary.counts).toEqual({ done: 4, diverged: 4, error: 0 });
    const rows = await store.query('SELECT run_id, status, diverged_step, lr, final_train_loss FROM sweep_runs ORDER BY run_id');
    expect(rows).toHaveLength(8);
    for (const r of rows) {
      if (r.lr === 400) {
        expect(r.status).toBe('diverged');
        expect(typeof r.diverged_step).toBe('number');
        expect(r.final_train_loss).toBeNull();
      } else {
        expect(r.status).toBe('done');
        expect(r.diverged_step).toBeNull();
        expect(Number.isFinite(r.final_train_loss)).toBe(true);
      }
    }
    for (const run of sweep.runs) {
      const res = results.get(run.runId) as SweepRunResult;
      const points = res.series.reduce((a, s) => a + s.steps.length, 0);
      expect(await seriesCount(run.runId)).toBe(points);
      if (res.status === 'done') expect(points).toBe(3 * 5); // steps 0, 5, 10, 15, 20 for 3 observables
    }
  });

  it('a second invocation skips every stored run; --force re-runs and replaces them (still exactly once)', async () => {
    const again = await runSweep(sweep, { store, workers: 1 });
    expect(again.stored).toBe(8);
    expect(again.ran).toBe(0);
    const before = await store.query('SELECT count(*) AS n FROM series');
    const forced = await runSweep(sweep, { store, workers: 1, force: true });
    expect(forced.ran).toBe(8);
    const after = await store.query('SELECT count(*) AS n FROM series');
    expect(after[0].n).toBe(before[0].n);
    const dup = await store.query('SELECT run_id, count(*) AS n FROM sweep_runs GROUP BY run_id HAVING count(*) > 1');
    expect(dup).toHaveLength(0);
  });

  it('runs stored as error are run again by the next invocation', async () => {
    const db = new SweepStore(store);
    const victim = sweep.runs[0];
    const errorResult: SweepRunResult = { ...(results.get(victim.runId) as SweepRunResult), status: 'error', message: 'simulated crash', series: [], final: {} };
    await db.saveRun(sweep.sweepId, victim, errorResult);
    expect(await seriesCount(victim.runId)).toBe(0);
    const ran: string[] = [];
    const s = await runSweep(sweep, { store, workers: 1, onEvent: (e) => e.type === 'result' && ran.push(e.run.runId) });
    expect(ran).toEqual([victim.runId]);
    expect(s.counts.error).toBe(0);
  });

  it('a save that fails half-way leaves nothing of that run, and the store keeps working', async () => {
    const s2 = await openStore(join(dir, 'b'));
    try {
      let failNext = false;
      const failing: Store = {
        ...s2,
        path: s2.path,
        readOnly: false,
        query: (sql, params) => {
          if (failNext && sql.trimStart().startsWith('INSERT INTO series')) return Promise.reject(new Error('disk full (simulated)'));
          return s2.query(sql, params);
        },
      };
      const db = new SweepStore(failing);
      await db.init();
      const run = sweep.runs[0];
      const res = results.get(run.runId) as SweepRunResult;
      failNext = true;
      await expect(db.saveRun(sweep.sweepId, run, res)).rejects.toThrow(/rolled back: disk full/);
      expect(await s2.query('SELECT count(*) AS n FROM sweep_runs')).toEqual([{ n: 0 }]);
      expect(await s2.query('SELECT count(*) AS n FROM series')).toEqual([{ n: 0 }]);
      failNext = false;
      await db.saveRun(sweep.sweepId, run, res);
      expect(await s2.query('SELECT count(*) AS n FROM sweep_runs')).toEqual([{ n: 1 }]);
    } finally {
      await s2.close();
    }
  });

  it('a Parquet export (store.export) reads back with equal values, NaN and ±inf included', async () => {
    // a run with non-finite values, saved directly
    const db = new SweepStore(store);
    const run = sweep.runs[1];
    const weird: SweepRunResult = {
      ...(results.get(run.runId) as SweepRunResult),
      status: 'diverged',
      divergedStep: 3,
      series: [{ observable: 'train_loss', steps: [0, 1, 2, 3], values: [0.5, 1e300, Number.POSITIVE_INFINITY, Number.NaN] }, { observable: 'test_loss', steps: [0], values: [Number.NEGATIVE_INFINITY] }],
      final: {},
    };
    await db.saveRun(sweep.sweepId, run, weird);
    results.set(run.runId, weird);

    const out = join(dir, 'series.parquet');
    await store.export('parquet', out, 'series');
    const back = await store.query(`SELECT run_id, observable, grp, kind, step, value FROM read_parquet('${out}') ORDER BY run_id, observable, step`);
    const expected: { run_id: string; observable: string; step: number; value: number }[] = [];
    for (const r of sweep.runs) {
      const res = results.get(r.runId) as SweepRunResult;
      for (const s of res.series) s.steps.forEach((step, i) => expected.push({ run_id: r.runId, observable: s.observable, step, value: s.values[i] }));
    }
    expected.sort((a, b) => (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : a.observable < b.observable ? -1 : a.observable > b.observable ? 1 : a.step - b.step));
    expect(back).toHaveLength(expected.length);
    back.forEach((row, i) => {
      expect(row.run_id).toBe(expected[i].run_id);
      expect(row.observable).toBe(expected[i].observable);
      expect(row.grp).toBe('sweep');
      expect(row.step).toBe(expected[i].step);
      // bit-exact: Object.is distinguishes NaN, ±Infinity and -0
      expect(Object.is(row.value, expected[i].value) || row.value === expected[i].value).toBe(true);
    });

    const runsOut = join(dir, 'runs.parquet');
    await db.export('parquet', runsOut, { table: 'sweep_runs', sweepId: sweep.sweepId });
    const runsBack = await store.query(`SELECT run_id, status, final_train_loss, width, lr FROM read_parquet('${runsOut}') ORDER BY run_id`);
    const direct = await store.query('SELECT run_id, status, final_train_loss, width, lr FROM sweep_runs ORDER BY run_id');
    expect(runsBack).toEqual(direct);
  });

  it('a run shared by two sweeps is stored once and belongs to both', async () => {
    const narrower = expandSweep(parseSpecObject({ ...SPEC, name: 'subset', model: { ...SPEC.model, widths: [4] } }), 'test-store');
    const s = await runSweep(narrower, { store, workers: 1 });
    expect(s.ran).toBe(0);
    expect(s.stored).toBe(4);
    const members = await store.query('SELECT sweep_id, count(*) AS n FROM sweep_members GROUP BY sweep_id ORDER BY n');
    expect(members.map((m) => m.n)).toEqual([4, 8]);
    expect(await store.query('SELECT count(*) AS n FROM sweep_runs')).toEqual([{ n: 8 }]);
  });

  it('worker threads give the same numbers as the in-process worker', async () => {
    const s3 = await openStore(join(dir, 'c'));
    try {
      const threaded = new Map<string, SweepRunResult>();
      const summary = await runSweep(sweep, { store: s3, workers: 2, onEvent: (e) => e.type === 'result' && threaded.set(e.result.runId, e.result) });
      expect(summary.ran).toBe(8);
      for (const run of sweep.runs) {
        const a = threaded.get(run.runId) as SweepRunResult;
        expect(a.worker).toMatch(/\/\d+$/); // host:pid/threadId
        if (run.runId === sweep.runs[1].runId) continue; // replaced by a hand-made result above
        const b = results.get(run.runId) as SweepRunResult;
        expect(a.status).toBe(b.status);
        expect(a.series).toEqual(b.series);
        expect(a.final).toEqual(b.final);
      }
    } finally {
      await s3.close();
    }
  });
});

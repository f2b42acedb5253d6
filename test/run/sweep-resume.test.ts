/**
 * Never lose a run: `lmech sweep` (2 worker threads) is killed with SIGKILL at random moments (during start-up,
 * between results, right after a result), the store is checked after every kill (readable, no run twice, no partial
 * run), and the same command is re-run until it finishes: every run is then present exactly once, with complete
 * series equal to an uninterrupted run's.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { openStore } from '../../src/run/store.ts';
import { expandSweep, parseSpecText } from '../../src/run/sweep/spec.ts';
import { runSweepTask } from '../../src/run/sweep/train.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../fixtures/sweepCli.ts', import.meta.url));
const CODE_VERSION = 'test-resume-1';
const dir = mkdtempSync(join(tmpdir(), 'lmech-sweep-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPEC = `
name: resume-test
model: { widths: [8, 16], depth: 2, activation: tanh }
data: { task: teacher, d: 6, n: 128, testN: 64 }
optimizer: { name: sgd, lr: [0.02, 0.05, 500], batch: 16 }
steps: 150
seeds: [0, 1]
record: { every: 25, observables: [train_loss, test_loss, grad_norm] }
`;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  results: number;
  stderr: string;
}

/** Run the sweep; SIGKILL it `afterResults` result lines (plus `jitterMs`) in, or `atMs` after spawn. */
function runAndMaybeKill(specPath: string, store: string, kill: { afterResults?: number; jitterMs?: number; atMs?: number } | null): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'sweep', specPath, '--store', store, '--workers', '2'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LMECH_CODE_VERSION: CODE_VERSION },
    });
    let results = 0;
    let stderr = '';
    let buf = '';
    const killNow = () => child.kill('SIGKILL');
    if (kill?.atMs !== undefined) setTimeout(killNow, kill.atMs);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      buf += d.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (/^\[lmech\] \d+\/\d+ [0-9a-f]{16}/.test(line)) {
          results++;
          if (kill?.afterResults !== undefined && results === kill.afterResults) setTimeout(killNow, kill.jitterMs ?? 0);
        }
        nl = buf.indexOf('\n');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, results, stderr }));
  });
}

describe('a sweep killed with SIGKILL and resumed', () => {
  it('ends with every run exactly once, complete, and equal to an uninterrupted run', async () => {
    const specPath = join(dir, 'spec.yaml');
    writeFileSync(specPath, SPEC);
    const storeDir = join(dir, 'store');
    const sweep = expandSweep(parseSpecText(SPEC), CODE_VERSION);
    const total = sweep.runs.length; // 2 widths × 3 lr × 2 seeds = 12
    const rng = Rng.fromSeed(20260501, 'kill-moments');

    /** The store after a kill: opens (WAL replayed), no run twice, every stored run with its whole series. */
    const checkStore = async (): Promise<number> => {
      const store = await openStore(storeDir);
      try {
        const tables = await store.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'sweep_runs'");
        if (tables[0].n === 0) return 0; // killed before the tables existed
        const dup = await store.query('SELECT run_id FROM sweep_runs GROUP BY run_id HAVING count(*) > 1');
        expect(dup).toEqual([]);
        const rows = await store.query(
          `SELECT r.run_id, r.status, r.diverged_step, (SELECT count(*) FROM series s WHERE s.run_id = r.run_id) AS points FROM sweep_runs r`,
        );
        for (const r of rows) {
          expect(sweep.runs.some((x) => x.runId === r.run_id)).toBe(true);
          // done: 3 observables × 7 recording steps (0, 25, …, 150); diverged: cut at its step, never empty
          if (r.status === 'done') expect(r.points).toBe(21);
          else {
            expect(r.status).toBe('diverged');
            expect(r.points).toBeGreaterThan(0);
            expect(r.points).toBeLessThan(21);
          }
        }
        const orphans = await store.query("SELECT count(*) AS n FROM series WHERE grp = 'sweep' AND run_id NOT IN (SELECT run_id FROM sweep_runs)");
        expect(orphans[0].n).toBe(0);
        return rows.length;
      } finally {
        await store.close();
      }
    };

    const kills = [
      { atMs: 150 + Math.floor(rng.uniform() * 900) }, // during start-up (store open, DDL, planning) or the first runs
      { afterResults: 1 + rng.int(3), jitterMs: Math.floor(rng.uniform() * 30) },
      { afterResults: 1 + rng.int(3), jitterMs: 0 }, // right after a result line: the save had resolved
      { afterResults: 1 + rng.int(3), jitterMs: Math.floor(rng.uniform() * 60) },
    ];
    let stored = 0;
    let killed = 0;
    for (const k of kills) {
      const o = await runAndMaybeKill(specPath, storeDir, k);
      if (o.signal === 'SIGKILL') killed++;
      else expect(o.code, o.stderr).toBe(0); // it may finish before the kill lands
      const now = await checkStore();
      // a result line is printed only after its save resolved, so those runs are never lost
      expect(now).toBeGreaterThanOrEqual(stored + o.results);
      stored = now;
      if (stored === total) break;
    }
    expect(killed).toBeGreaterThanOrEqual(2);

    const final = await runAndMaybeKill(specPath, storeDir, null);
    expect(final.code, final.stderr).toBe(0);
    expect(final.stderr).toMatch(new RegExp(`${total} runs: \\d+ done, \\d+ diverged, 0 error`));
    expect(await checkStore()).toBe(total);

    // the resumed sweep's numbers are those of an uninterrupted run (runs are deterministic)
    const store = await openStore(storeDir);
    try {
      const rows = await store.query('SELECT run_id, status, diverged_step, final_train_loss FROM sweep_runs');
      expect(rows).toHaveLength(total);
      for (const run of sweep.runs) {
        const ref = runSweepTask(run);
        const row = rows.find((r) => r.run_id === run.runId) as Record<string, unknown>;
        expect(row.status).toBe(ref.status);
        expect(row.diverged_step).toBe(ref.divergedStep);
        expect(row.final_train_loss).toBe(ref.final.final_train_loss ?? null);
      }
      expect(rows.filter((r) => r.status === 'diverged')).toHaveLength(4); // lr 500: 2 widths × 2 seeds
    } finally {
      await store.close();
    }
  });
});

/**
 * Crash safety: a sweep killed with SIGKILL keeps every run whose save had resolved, exactly once and
 * readable, with no partial rows; re-running the sweep answers those from the store and runs the rest.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { planRuns, runStudies } from '../../src/run/pool.ts';
import { openStore } from '../../src/run/store.ts';
import { FIXTURE_CODE_VERSION, SWEEP_TASKS } from '../fixtures/studies.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SWEEP = fileURLToPath(new URL('../fixtures/runSweep.ts', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/studies.ts', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'lmech-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Start the sweep in a child process and SIGKILL it as soon as it has printed `killAfter` saves. */
function runAndKill(storeDir: string, killAfter: number): Promise<{ saved: string[]; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SWEEP, storeDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const saved: string[] = [];
    let buf = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^saved (\S+)/.exec(line);
        if (m) {
          saved.push(m[1]);
          if (saved.length === killAfter) child.kill('SIGKILL');
        }
        nl = buf.indexOf('\n');
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ saved, signal, stderr }));
  });
}

describe('resume after a killed sweep', () => {
  it('keeps every saved run exactly once, then re-runs only the missing ones', async () => {
    const { saved, signal, stderr } = await runAndKill(dir, 2);
    expect(stderr).not.toMatch(/error/i);
    expect(signal).toBe('SIGKILL');
    expect(saved).toHaveLength(2);

    const runIds = (await planRuns(SWEEP_TASKS, { studyModules: [FIXTURES], codeVersion: FIXTURE_CODE_VERSION, registry: false })).map((r) => r.runId);
    const store = await openStore(dir);
    try {
      // every run whose save resolved before the kill is there, once, and reads back
      const stored = (await store.listRuns()).map((r) => r.runId);
      for (const id of saved) expect(stored.filter((s) => s === id)).toHaveLength(1);
      // (a third save may have committed between the 2nd line and the kill; it must be complete too)
      expect(stored.length).toBeGreaterThanOrEqual(2);
      expect(stored.length).toBeLessThan(SWEEP_TASKS.length);
      for (const id of stored) {
        expect(runIds).toContain(id);
        const r = await store.get(id);
        expect(r?.verdict).toBe('holds');
        // 500 points × 3 series per run: no partial series
        expect(await store.count('series', id)).toBe(1500);
      }
      // nothing from an unfinished run
      const orphans = await store.query('SELECT count(*) AS n FROM series WHERE run_id NOT IN (SELECT run_id FROM runs)');
      expect(orphans[0].n).toBe(0);

      // resume: the stored ones are cache hits, the rest run
      const results = [];
      for await (const r of runStudies(SWEEP_TASKS, { store, workers: 1, studyModules: [FIXTURES], codeVersion: FIXTURE_CODE_VERSION, registry: false })) results.push(r);
      expect(results).toHaveLength(SWEEP_TASKS.length);
      const cachedIds = results.filter((r) => r.cached).map((r) => r.provenance.configHash);
      expect(new Set(cachedIds)).toEqual(new Set(stored));
      expect(results.filter((r) => !r.cached)).toHaveLength(SWEEP_TASKS.length - stored.length);

      const after = await store.query('SELECT run_id, count(*) AS n FROM runs GROUP BY run_id');
      expect(after).toHaveLength(SWEEP_TASKS.length);
      expect(new Set(after.map((r) => r.run_id))).toEqual(new Set(runIds));
      for (const r of after) expect(r.n).toBe(1);
      expect(await store.count('series')).toBe(SWEEP_TASKS.length * 1500);
    } finally {
      await store.close();
    }
  });
});

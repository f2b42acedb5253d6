/** The shared quick run (./sharedRun.ts): what is read back is what was computed, power included. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { executeStudy } from '../../src/studies/execute.ts';
import { findStudy } from '../../src/studies/registry.ts';
import type { AnyStudy } from '../../src/studies/types.ts';
import { quickRun, sharedRunFile } from './sharedRun.ts';

const dir = mkdtempSync(join(tmpdir(), 'lmech-shared-runs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The run's own clock differs between two trainings; everything else must not. */
function withoutClock<T extends { provenance: { startedAt: string; durationMs: number } }>(r: T): T {
  return { ...r, provenance: { ...r.provenance, startedAt: '', durationMs: 0 } };
}

describe('quickRun shares one training among the files of a suite', () => {
  it('the result read back equals the one trained, and detection power computed on read equals executeStudy', async () => {
    const study = findStudy('conservation-laws') as AnyStudy;
    const file = sharedRunFile(dir, study, 1, true);
    expect(existsSync(file)).toBe(false);
    const first = await quickRun(study, 1, { dir });
    expect(existsSync(file)).toBe(true);
    const read = await quickRun(study, 1, { dir, power: true });
    const direct = await executeStudy(study, { profile: 'quick', seed: 1, codeVersion: 'test', power: true });
    expect(first.power).toBeUndefined();
    expect(read.power?.length).toBeGreaterThan(0);
    // toEqual compares numbers with Object.is: a NaN stays NaN and -0 stays -0
    expect(withoutClock(read)).toEqual(withoutClock(direct));
    expect(withoutClock({ ...read, power: undefined })).toEqual(withoutClock({ ...first, power: undefined }));
  });

  it('without a directory every call trains (nothing is written)', async () => {
    const study = findStudy('conservation-laws') as AnyStudy;
    const r = await quickRun(study, 2, { dir: '' });
    expect(r.provenance.seed).toBe(2);
    expect(existsSync(sharedRunFile(dir, study, 2, true))).toBe(false);
  });
});

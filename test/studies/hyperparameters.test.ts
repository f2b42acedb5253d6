/**
 * The hyperparameter-transfer studies of the hyperparameters pillar (catalog 10–11) in their quick
 * profile, end to end: each must give `holds` at default settings, with every negative control
 * falsified and wrong-theory edits of the prediction leaving `holds`. The depth and discretization
 * studies (catalog 12–13, pillar limits) are in ./depth-and-discretization.test.ts so the two files run
 * in parallel.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { executeStudy } from '../../src/studies/execute.ts';
import { mupCoordCheck } from '../../src/studies/mup-coord-check.ts';
import { mupLrTransfer } from '../../src/studies/mup-lr-transfer.ts';
import type { StudyResult } from '../../src/studies/types.ts';
import { expectFalsifiableHolds, runQuick, verdictUnder } from './falsifiability.ts';

describe('mup-coord-check (quick profile)', () => {
  let r: StudyResult;
  beforeAll(async () => {
    r = await runQuick(mupCoordCheck);
  }, 300_000);
  it('holds, every control is falsified, and the prediction is judged', () => expectFalsifiableHolds(r));
  it('wrong theories leave holds: SP slope ½ at the output, μP slope swapped to SP’s', () => {
    expect(verdictUnder(mupCoordCheck, r, { 'sp slope out': 0.5 })).not.toBe('holds');
    expect(verdictUnder(mupCoordCheck, r, { 'mup slope h2': 1 })).not.toBe('holds');
    expect(verdictUnder(mupCoordCheck, r, { 'sp slope out': -1 })).not.toBe('holds');
  });
});

describe('mup-lr-transfer (quick profile)', () => {
  let r: StudyResult;
  beforeAll(async () => {
    r = await runQuick(mupLrTransfer);
  }, 300_000);
  it('holds, every control is falsified, and the prediction is judged', () => expectFalsifiableHolds(r));
  it('wrong theories leave holds: SP η* ∝ n^{+1} (sign flipped), SP η* ∝ n^{-2}', () => {
    expect(verdictUnder(mupLrTransfer, r, { 'SP η* slope in width': 1 })).not.toBe('holds');
    expect(verdictUnder(mupLrTransfer, r, { 'SP η* slope in width': -2 })).not.toBe('holds');
  });
});

describe('study metadata', () => {
  it('ids, catalog numbers and pillars match the catalog', () => {
    expect([mupCoordCheck, mupLrTransfer].map((s) => [s.id, s.catalog, s.pillar])).toEqual([
      ['mup-coord-check', 10, 'hyperparameters'],
      ['mup-lr-transfer', 11, 'hyperparameters'],
    ]);
  });

  it('the same seed reproduces the coordinate check bit for bit', async () => {
    const params = { widths: [16, 32, 64], steps: 2, seeds: 1, batch: 8 };
    const a = await executeStudy(mupCoordCheck, { profile: 'quick', seed: 4, params });
    const b = await executeStudy(mupCoordCheck, { profile: 'quick', seed: 4, params });
    expect(a.metrics.map((m) => m.value)).toEqual(b.metrics.map((m) => m.value));
    expect(a.measurement.series).toEqual(b.measurement.series);
  });
});

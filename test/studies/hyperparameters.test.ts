/**
 * The hyperparameter-transfer studies of the hyperparameters pillar (catalog 10–11) in their quick
 * profile, end to end: each must give `holds` at default settings. The depth and discretization
 * studies (catalog 12–13, pillar limits) are in ./depth-and-discretization.test.ts so the two files run
 * in parallel.
 */
import { describe, expect, it } from 'vitest';
import { executeStudy } from '../../src/studies/execute.ts';
import { mupCoordCheck } from '../../src/studies/mup-coord-check.ts';
import { mupLrTransfer } from '../../src/studies/mup-lr-transfer.ts';
import type { AnyStudy } from '../../src/studies/types.ts';
import { expectHolds } from './holds.ts';

describe.each([
  [mupCoordCheck.id, mupCoordCheck],
  [mupLrTransfer.id, mupLrTransfer],
] as const)('%s (quick profile)', (_id, study) => {
  it('holds at default settings, with finite metrics and a measured series in every figure', async () => {
    await expectHolds(study as AnyStudy);
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

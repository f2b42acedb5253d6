/**
 * The depth-transfer and discretization studies (catalog 12–13, pillar limits) in their quick profile,
 * end to end: each must give `holds` at default settings.
 */
import { describe, expect, it } from 'vitest';
import { depthMupTransfer } from '../../src/studies/depth-mup-transfer.ts';
import { discretizationHypothesis } from '../../src/studies/discretization-hypothesis.ts';
import type { AnyStudy } from '../../src/studies/types.ts';
import { expectHolds } from './holds.ts';

describe.each([
  [depthMupTransfer.id, depthMupTransfer],
  [discretizationHypothesis.id, discretizationHypothesis],
] as const)('%s (quick profile)', (_id, study) => {
  it('holds at default settings, with finite metrics and a measured series in every figure', async () => {
    await expectHolds(study as AnyStudy);
  });
});

describe('study metadata', () => {
  it('ids, catalog numbers and pillars match the catalog', () => {
    expect([depthMupTransfer, discretizationHypothesis].map((s) => [s.id, s.catalog, s.pillar])).toEqual([
      ['depth-mup-transfer', 12, 'limits'],
      ['discretization-hypothesis', 13, 'limits'],
    ]);
  });
});

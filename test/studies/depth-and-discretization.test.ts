/**
 * The depth-transfer and discretization studies (catalog 12–13, pillar limits) in their quick profile,
 * end to end: each must give `holds` at default settings.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { depthMupTransfer, predictedStreamGain } from '../../src/studies/depth-mup-transfer.ts';
import { discretizationHypothesis } from '../../src/studies/discretization-hypothesis.ts';
import type { AnyStudy, StudyResult } from '../../src/studies/types.ts';
import { expectFalsifiableHolds, expectHolds, runQuick, verdictUnder } from './falsifiability.ts';

describe('depth-mup-transfer (quick profile)', () => {
  let r: StudyResult;
  beforeAll(async () => {
    r = await runQuick(depthMupTransfer);
  }, 300_000);
  it('holds, every control (L^{-1} and L^{-1/4} branches) is falsified, and the prediction is judged', () => expectFalsifiableHolds(r));
  it('a wrong stream gain leaves holds: q_L = q₀(1 + m²)^L (the ½ of ReLU dropped)', () => {
    expect(
      verdictUnder(depthMupTransfer, r, Object.fromEntries([2, 8, 32].map((L) => [`depth-mup stream gain L=${L}`, Math.sqrt((1 + 1 / L) ** L)]))),
    ).not.toBe('holds');
  });
});

describe('predictedStreamGain', () => {
  it('is √((1 + m²/2)^L): 1.25 at L = 2 with m = L^{-1/2}, and 1.5^{L/2} unscaled', () => {
    expect(predictedStreamGain(2, 2 ** -0.5)).toBeCloseTo(1.25, 12); // (1 + 1/4)^1, float error
    expect(predictedStreamGain(8, 1)).toBeCloseTo(1.5 ** 4, 10);
    // the infinite-depth limit of the scaled stream: e^{1/4}
    expect(predictedStreamGain(4096, 4096 ** -0.5)).toBeCloseTo(Math.exp(0.25), 4);
  });
});

describe.each([[discretizationHypothesis.id, discretizationHypothesis]] as const)('%s (quick profile)', (_id, study) => {
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

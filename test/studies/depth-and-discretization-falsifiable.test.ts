/**
 * discretization-hypothesis, quick profile: holds with its rival exponents (n^{-1}, η²) and the rival sign of the
 * finite-width cost falsified; a wrong-theory edit (a fluctuation exponent of −1/4) leaves `holds`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { discretizationHypothesis } from '../../src/studies/discretization-hypothesis.ts';
import type { AnyStudy, StudyResult } from '../../src/studies/types.ts';
import { expectFalsifiableHolds, LONG, runQuick, verdictWith } from './falsifiability.ts';

describe('discretization-hypothesis (quick, seed 0)', () => {
  let r: StudyResult;
  beforeAll(async () => {
    r = await runQuick(discretizationHypothesis as AnyStudy);
  }, LONG);
  it('holds with its controls falsified', () => expectFalsifiableHolds(r));
  it('a wrong theory leaves holds: fluctuations at n^{-1/4}', () => {
    expect(verdictWith(discretizationHypothesis as AnyStudy, r, (s) => {
      s['fluctuation exponent in n'] = -0.25;
    })).toBe('falsified');
  });
});

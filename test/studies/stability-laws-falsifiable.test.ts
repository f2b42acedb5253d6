/**
 * central-flow and implicit-curvature-regularization, quick profile: each holds with its negative controls
 * falsified, and wrong-theory edits of the prediction (a moved edge, a flipped sign) leave `holds`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { centralFlow } from '../../src/studies/central-flow.ts';
import { implicitCurvatureRegularization } from '../../src/studies/implicit-curvature-regularization.ts';
import type { AnyStudy, StudyResult } from '../../src/studies/types.ts';
import { expectFalsifiableHolds, LONG, runQuick, verdictWith } from './falsifiability.ts';

describe('central-flow (quick, seed 0)', () => {
  let r: StudyResult;
  beforeAll(async () => {
    r = await runQuick(centralFlow as AnyStudy);
  }, LONG);
  it('holds with its controls falsified', () => expectFalsifiableHolds(r));
  it('a wrong theory leaves holds: the edge at 1/η', () => {
    expect(verdictWith(centralFlow as AnyStudy, r, (s) => {
      expect(s['η·S at the edge']).toBe(2);
      s['η·S at the edge'] /= 2;
    })).toBe('falsified');
  });
});

describe('implicit-curvature-regularization (quick, seed 0)', () => {
  let r: StudyResult;
  beforeAll(async () => {
    r = await runQuick(implicitCurvatureRegularization as AnyStudy);
  }, LONG);
  it('holds with its controls falsified', () => expectFalsifiableHolds(r));
  it('wrong theories leave holds: batch size irrelevant at fixed η (sign flipped), the edge at 3/η', () => {
    expect(verdictWith(implicitCurvatureRegularization as AnyStudy, r, (s) => {
      s['direction of final λ_max in B at fixed η'] = -1;
    })).toBe('falsified');
    expect(verdictWith(implicitCurvatureRegularization as AnyStudy, r, (s) => {
      for (const k of Object.keys(s)) if (k.startsWith('2/η at')) s[k] *= 1.5;
    })).toBe('falsified');
  });
});

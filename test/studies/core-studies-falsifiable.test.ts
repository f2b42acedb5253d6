/**
 * ntk-linearization and edge-of-stability (core suite), quick profile: each holds with its negative controls
 * falsified, and wrong-theory edits of the prediction (a swapped exponent, a moved threshold) leave `holds`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { edgeOfStability } from '../../src/studies/edge-of-stability.ts';
import { ntkLinearization } from '../../src/studies/ntk-linearization.ts';
import type { AnyStudy, StudyResult } from '../../src/studies/types.ts';
import { expectFalsifiableHolds, LONG, runQuick, verdictWith } from './falsifiability.ts';

describe('ntk-linearization (quick, seed 0)', () => {
  let r: StudyResult;
  beforeAll(async () => {
    r = await runQuick(ntkLinearization as AnyStudy);
  }, LONG);
  it('holds with its controls falsified', () => expectFalsifiableHolds(r));
  it('wrong theories leave holds: the weight change at n^{+1/2}, a gap bound of 0.5%', () => {
    // (the kernel rate is reported, not judged, at the quick profile's widths: see test/studies/ntk-kernel-rate.test.ts)
    expect(verdictWith(ntkLinearization as AnyStudy, r, (s) => {
      s['function gap at the largest width (bound)'] = 0.005;
    })).toBe('falsified');
    expect(verdictWith(ntkLinearization as AnyStudy, r, (s) => {
      s['exponent of the weight change in n'] = 0.5;
    })).toBe('falsified');
  });
});

describe('edge-of-stability (quick, seed 0)', () => {
  let r: StudyResult;
  beforeAll(async () => {
    r = await runQuick(edgeOfStability as AnyStudy);
  }, LONG);
  it('holds with its controls falsified', () => expectFalsifiableHolds(r));
  it('a wrong theory leaves holds: the edge at 1/η', () => {
    expect(verdictWith(edgeOfStability as AnyStudy, r, (s) => {
      for (const k of Object.keys(s)) if (k.startsWith('threshold ')) s[k] /= 2;
    })).toBe('falsified');
  });
});

/**
 * lazy-vs-rich, quick profile: holds per part (lazy, rich) with its controls falsified (the lazy rate α^{-1/2};
 * the rich criteria read at the lazy α); a wrong-theory edit (weight change 20% above the linearized model) leaves `holds`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { lazyVsRich } from '../../src/studies/lazy-vs-rich.ts';
import type { AnyStudy, StudyResult } from '../../src/studies/types.ts';
import { expectFalsifiableHolds, LONG, runQuick, verdictWith } from './falsifiability.ts';

describe('lazy-vs-rich (quick, seed 0)', () => {
  let r: StudyResult;
  beforeAll(async () => {
    r = await runQuick(lazyVsRich as AnyStudy);
  }, LONG);
  it('holds with its controls falsified, with a verdict per part', () => {
    expectFalsifiableHolds(r);
    expect(r.parts?.map((p) => [p.part, p.verdict])).toEqual([
      ['lazy', 'holds'],
      ['rich', 'holds'],
    ]);
  });
  it('a wrong theory leaves holds: the weight change 20% above the linearized model', () => {
    expect(verdictWith(lazyVsRich as AnyStudy, r, (s) => {
      s['weight change / lazy-limit C/α'] = 1.2;
    })).toBe('falsified');
  });
});

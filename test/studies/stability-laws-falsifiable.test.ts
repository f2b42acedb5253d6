/**
 * central-flow and implicit-curvature-regularization, quick profile: each holds with its negative controls
 * falsified, and wrong-theory edits of the prediction (a moved edge, a flipped sign) leave `holds`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { centralFlow } from '../../src/studies/central-flow.ts';
import { implicitCurvatureRegularization } from '../../src/studies/implicit-curvature-regularization.ts';
import type { AnyStudy, StudyResult } from '../../src/studies/types.ts';
import { evaluateMetric, judge } from '../../src/studies/verdict.ts';
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
  it('judges a full-batch run against the two-sided band iff the flow passes its edge 2/η by 3τ/4', () => {
    // the same measurement with η = 0.08's final sharpness moved 15% under its edge (outside the band's 0.9 floor)
    // and the flow's sharpness put just above or just under that edge: only the split may change the verdict
    const p = r.provenance.params;
    const key = 'full-batch final λ_max / predicted 2/η η=0.08, full batch';
    const judgeWithFlow = (flowOverEdge: number): { pass: boolean; criterion: string; verdict: string } => {
      const scalars = { ...r.measurement.scalars, 'final sharpness η=0.08, full batch': 0.85 * (2 / 0.08), 'flow sharpness by 3τ/4': flowOverEdge * (2 / 0.08) };
      const cmp = (implicitCurvatureRegularization as AnyStudy).compare(r.prediction, { ...r.measurement, scalars }, p);
      const m = cmp.metrics.map(evaluateMetric).find((x) => x.name === key);
      return { pass: m?.pass ?? false, criterion: m?.criterionText ?? 'missing', verdict: judge(cmp.metrics.map(evaluateMetric), cmp.regime) };
    };
    const atEdge = judgeWithFlow(1.05);
    const underEdge = judgeWithFlow(0.95);
    expect(atEdge.pass).toBe(false);
    expect(atEdge.verdict).toBe('falsified');
    expect(underEdge.pass).toBe(true);
    expect(underEdge.criterion).not.toBe(atEdge.criterion);
  });
});

/**
 * Shared by the hyperparameter, batch-size and depth-transfer study tests: run a study's quick profile once
 * and check what makes its `holds` evidence (issue 13): the verdict holds with finite metrics, every
 * negative control comes out `falsified`, and a wrong-theory edit of the prediction (judged on the same
 * measurement, no retraining) makes the verdict leave `holds`.
 */
import { expect } from 'vitest';
import { executeStudy } from '../../src/studies/execute.ts';
import type { AnyStudy, Observations, StudyResult } from '../../src/studies/types.ts';
import { evaluateMetric, judge } from '../../src/studies/verdict.ts';

export async function runQuick(study: AnyStudy, seed = 0): Promise<StudyResult> {
  return executeStudy(study, { profile: 'quick', seed, codeVersion: 'test', power: true });
}

export function expectHoldsWithControls(r: StudyResult): void {
  const failing = r.metrics.filter((m) => !m.pass).map((m) => `${m.name}=${m.value} (${m.criterionText})`);
  const regime = r.regime.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  expect({ verdict: r.verdict, error: r.error, failing, regime }).toEqual({ verdict: 'holds', error: undefined, failing: [], regime: [] });
  for (const m of r.metrics) expect(Number.isFinite(m.value)).toBe(true);
  // every judged metric names the predicted scalar its target comes from
  for (const m of r.metrics) if (!m.sanity) expect(m.prediction && Number.isFinite(r.prediction.scalars[m.prediction]), m.name).toBe(true);
  expect(r.controls?.length).toBeGreaterThan(0);
  for (const c of r.controls ?? []) expect([c.name, c.verdict]).toEqual([c.name, 'falsified']);
  // at least one judged metric notices a prediction off by at most 25%
  const best = Math.min(...(r.power ?? []).map((p) => p.detectionThreshold).filter(Number.isFinite));
  expect(best).toBeLessThanOrEqual(0.25);
  for (const f of r.figures) {
    const names = new Set(f.series.map((s) => s.name));
    expect(r.measurement.series.some((s) => s.kind === 'measured' && names.has(s.name))).toBe(true);
  }
}

/** The verdict of the same measurement judged against the prediction with some scalars replaced. */
export function verdictUnder(study: AnyStudy, r: StudyResult, overrides: Record<string, number>): string {
  const pred: Observations = { ...r.prediction, scalars: { ...r.prediction.scalars, ...overrides } };
  const cmp = study.compare(pred, r.measurement, r.provenance.params);
  return judge(cmp.metrics.map(evaluateMetric), cmp.regime);
}

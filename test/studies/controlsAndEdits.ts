/**
 * The falsifiability checks of one study's quick profile (issue 13), used by the tests of neural-collapse,
 * representation-convergence, architecture-universality, neural-feature-ansatz, grokking-fourier,
 * single-index-feature-learning and hermite-learning-order: the study holds at seed 0, every judged metric names a
 * scalar that predict produced, every negative control comes out `falsified`, and each wrong-theory edit of the
 * prediction (a changed constant, a swapped exponent, a flipped sign), judged on the same measurement without
 * retraining, makes the verdict leave `holds`.
 */
import { expect } from 'vitest';
import { executeStudy } from '../../src/studies/execute.ts';
import type { AnyStudy, Observations, StudyResult } from '../../src/studies/types.ts';
import { evaluateMetric, judge } from '../../src/studies/verdict.ts';

export interface WrongTheory {
  name: string;
  edit: (prediction: Observations, params: Record<string, unknown>) => Observations;
}

/** The prediction with some scalars replaced (each must exist: an edit of a missing key would test nothing). */
export function withScalars(prediction: Observations, scalars: Record<string, number>): Observations {
  for (const k of Object.keys(scalars)) expect(prediction.scalars[k], `the prediction has no scalar '${k}'`).toBeDefined();
  return { ...prediction, scalars: { ...prediction.scalars, ...scalars } };
}

export async function expectFalsifiable(study: AnyStudy, wrong: WrongTheory[]): Promise<StudyResult> {
  const r = await executeStudy(study, { profile: 'quick', seed: 0, codeVersion: 'test' });
  const failing = r.metrics.filter((m) => !m.pass && !m.sanity).map((m) => `${m.name}=${m.value} (${m.criterionText})`);
  const regime = r.regime.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  expect({ verdict: r.verdict, error: r.error, failing, regime }).toEqual({ verdict: 'holds', error: undefined, failing: [], regime: [] });
  for (const m of r.metrics.filter((x) => !x.sanity)) expect(r.prediction.scalars[m.prediction ?? ''], `metric '${m.name}' names no predicted scalar`).toBeDefined();
  expect(r.controls?.length ?? 0).toBeGreaterThan(0);
  for (const c of r.controls ?? []) expect([c.name, c.verdict, c.error]).toEqual([c.name, 'falsified', undefined]);
  const params = r.provenance.params;
  for (const w of wrong) {
    const cmp = study.compare(w.edit(r.prediction, params), r.measurement, params);
    expect([w.name, judge(cmp.metrics.map(evaluateMetric), cmp.regime)]).not.toEqual([w.name, 'holds']);
  }
  for (const f of r.figures) {
    const names = new Set(f.series.map((s) => s.name));
    expect(r.measurement.series.some((s) => s.kind === 'measured' && names.has(s.name))).toBe(true);
  }
  return r;
}

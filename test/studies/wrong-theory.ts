/**
 * Shared by the falsifiability tests of the limits and stability studies: run a study's quick profile once, then
 * judge wrong theories on the same measurement (no retraining).
 */
import { expect } from 'vitest';
import { executeStudy } from '../../src/studies/execute.ts';
import type { AnyStudy, StudyResult } from '../../src/studies/types.ts';
import { evaluateMetric, judge } from '../../src/studies/verdict.ts';

export const LONG = 600_000;

export function runQuick(study: AnyStudy, seed = 0): Promise<StudyResult> {
  return executeStudy(study, { profile: 'quick', seed, codeVersion: 'test', power: true });
}

/** holds, every control falsified, every judged metric names its predicted scalar, and some metric has finite power. */
export function expectFalsifiableHolds(r: StudyResult): void {
  const failing = r.metrics.filter((m) => !m.pass && !m.sanity).map((m) => `${m.name}=${m.value} (${m.criterionText})`);
  const regime = r.regime.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  expect({ verdict: r.verdict, error: r.error, failing, regime }).toEqual({ verdict: 'holds', error: undefined, failing: [], regime: [] });
  expect(r.controls?.length).toBeGreaterThan(0);
  for (const c of r.controls ?? []) expect({ control: c.name, verdict: c.verdict }).toEqual({ control: c.name, verdict: 'falsified' });
  for (const m of r.metrics.filter((x) => !x.sanity)) expect({ metric: m.name, key: m.prediction !== undefined && m.prediction in r.prediction.scalars }).toEqual({ metric: m.name, key: true });
  const best = Math.min(...(r.power ?? []).map((p) => p.detectionThreshold).filter((d) => Number.isFinite(d)));
  expect(best).toBeLessThan(0.25);
}

/** The verdict of `study` judged against an edited prediction on the same measurement. */
export function verdictWith(study: AnyStudy, r: StudyResult, edit: (scalars: Record<string, number>) => void): string {
  const scalars = { ...r.prediction.scalars };
  edit(scalars);
  const cmp = study.compare({ ...r.prediction, scalars }, r.measurement, r.provenance.params);
  return judge(cmp.metrics.map(evaluateMetric), cmp.regime);
}

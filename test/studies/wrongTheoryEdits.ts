/**
 * Shared by the scaling-law, solvable-kernel and random-feature/data-spectra study tests (issue 13): a study's quick
 * profile gives its verdict, each negative control comes out `falsified`, every judged metric names its predicted
 * scalar, and a wrong-theory edit of the test's own (a changed constant, a swapped exponent, a flipped sign), judged
 * on the same measurement, makes the verdict leave `holds`.
 */
import { expect } from 'vitest';
import { executeStudy } from '../../src/studies/execute.ts';
import type { AnyStudy, Observations, StudyResult } from '../../src/studies/types.ts';
import { evaluateMetric, judge } from '../../src/studies/verdict.ts';

/** The verdict of `compare` on the result's own measurement against a prediction `edit` made from its prediction. */
export function judgeEdited(study: AnyStudy, r: StudyResult, edit: (pred: Observations) => Observations): string {
  const cmp = study.compare(edit(r.prediction), r.measurement, r.provenance.params);
  return judge(cmp.metrics.map(evaluateMetric), cmp.regime);
}

/** The prediction with scalar `key` replaced by `f(value)` (throws if the prediction has no such scalar). */
export function editScalar(key: string, f: (v: number) => number): (pred: Observations) => Observations {
  return (pred) => {
    if (!(key in pred.scalars)) throw new Error(`editScalar: the prediction has no scalar '${key}'`);
    return { ...pred, scalars: { ...pred.scalars, [key]: f(pred.scalars[key]) } };
  };
}

/**
 * Run the quick profile at seed 0; expect `verdict` (default holds), finite metrics, a measured series in every
 * figure, every judged metric keyed to a predicted scalar (but those named in `unkeyed`, by name prefix), every
 * control falsified, and (for a holding study) each wrong edit leaving `holds`.
 */
export async function expectWrongTheoriesFail(
  study: AnyStudy,
  edits: Record<string, (pred: Observations) => Observations>,
  verdict = 'holds',
  unkeyed: readonly string[] = [],
): Promise<StudyResult> {
  const r = await executeStudy(study, { profile: 'quick', seed: 0, codeVersion: 'test' });
  expect(r.error).toBeUndefined();
  expect(r.verdict).toBe(verdict);
  for (const m of r.metrics) expect(Number.isFinite(m.value)).toBe(true);
  for (const f of r.figures) {
    const names = new Set(f.series.map((x) => x.name));
    expect(r.measurement.series.some((x) => x.kind === 'measured' && names.has(x.name))).toBe(true);
  }
  for (const m of r.metrics.filter((x) => !x.sanity && !unkeyed.some((u) => x.name.startsWith(u)))) {
    expect({ metric: m.name, keyed: m.prediction !== undefined && m.prediction in r.prediction.scalars }).toEqual({ metric: m.name, keyed: true });
  }
  expect(r.controls?.length ?? 0).toBeGreaterThan(0);
  for (const c of r.controls ?? []) expect({ control: c.name, verdict: c.verdict }).toEqual({ control: c.name, verdict: 'falsified' });
  if (verdict === 'holds') {
    expect(judgeEdited(study, r, (p) => p)).toBe('holds');
    for (const [name, edit] of Object.entries(edits)) expect({ edit: name, verdict: judgeEdited(study, r, edit) }).not.toEqual({ edit: name, verdict: 'holds' });
  }
  return r;
}

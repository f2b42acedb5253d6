/**
 * The one set of falsifiability checks for study tests (issue 13): run a study's quick profile, expect `holds`
 * with every negative control `falsified`, every judged metric keyed to a predicted scalar, finite metrics, a
 * measured series in every figure and (with power) some metric that notices a prediction off by ≤ 25%; then judge
 * wrong theories (edits of the prediction: a changed constant, a swapped exponent, a flipped sign) on the same
 * measurement, without retraining, and expect them to leave `holds`.
 */
import { expect } from 'vitest';
import type { AnyStudy, Observations, StudyResult } from '../../src/studies/types.ts';
import { evaluateMetric, judge } from '../../src/studies/verdict.ts';
import { quickRun } from './sharedRun.ts';

/** A timeout for tests that train a study's quick profile more than once. */
export const LONG = 600_000;

/** The quick profile at `seed`, with detection power. */
export function runQuick(study: AnyStudy, seed = 0): Promise<StudyResult> {
  return quickRun(study, seed, { power: true });
}

function expectFiguresMeasured(r: StudyResult): void {
  for (const f of r.figures) {
    const names = new Set(f.series.map((s) => s.name));
    expect({ figure: f.id, measured: r.measurement.series.some((s) => s.kind === 'measured' && names.has(s.name)) }).toEqual({ figure: f.id, measured: true });
  }
}

function expectKeyed(r: StudyResult): void {
  for (const m of r.metrics.filter((x) => !x.sanity)) {
    expect({ metric: m.name, keyed: m.prediction !== undefined && Number.isFinite(r.prediction.scalars[m.prediction]) }).toEqual({ metric: m.name, keyed: true });
  }
}

function expectControlsFalsified(r: StudyResult): void {
  expect(r.controls?.length ?? 0).toBeGreaterThan(0);
  for (const c of r.controls ?? []) expect({ control: c.name, verdict: c.verdict, error: c.error }).toEqual({ control: c.name, verdict: 'falsified', error: undefined });
}

/** `holds` (naming the failing metrics and regime checks otherwise), finite metrics and measured figures. */
export function expectHoldsResult(r: StudyResult): void {
  const failing = r.metrics.filter((m) => !m.pass && !m.sanity).map((m) => `${m.name}=${m.value} (${m.criterionText})`);
  const regime = r.regime.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  expect({ verdict: r.verdict, error: r.error, failing, regime }).toEqual({ verdict: 'holds', error: undefined, failing: [], regime: [] });
  expect(r.metrics.length).toBeGreaterThan(0);
  for (const m of r.metrics) expect({ metric: m.name, finite: Number.isFinite(m.value) }).toEqual({ metric: m.name, finite: true });
  expectFiguresMeasured(r);
}

/** The quick profile at seed 0 holds (no controls or power asked). */
export async function expectHolds(study: AnyStudy): Promise<void> {
  expectHoldsResult(await quickRun(study, 0));
}

/** holds, every control falsified, every judged metric keyed; with power, some metric notices a 25% error. */
export function expectFalsifiableHolds(r: StudyResult): void {
  expectHoldsResult(r);
  expectKeyed(r);
  expectControlsFalsified(r);
  if (r.power) {
    const best = Math.min(...r.power.map((p) => p.detectionThreshold).filter((d) => Number.isFinite(d)));
    expect(best).toBeLessThanOrEqual(0.25);
  }
}

/** The verdict of `compare` on the result's own measurement against a prediction `edit` made from its prediction. */
export function judgeEdited(study: AnyStudy, r: StudyResult, edit: (pred: Observations) => Observations): string {
  const cmp = study.compare(edit(r.prediction), r.measurement, r.provenance.params);
  return judge(cmp.metrics.map(evaluateMetric), cmp.regime);
}

/** The prediction with some scalars replaced (each must exist: an edit of a missing key would test nothing). */
export function withScalars(prediction: Observations, scalars: Record<string, number>): Observations {
  for (const k of Object.keys(scalars)) expect(prediction.scalars[k], `the prediction has no scalar '${k}'`).toBeDefined();
  return { ...prediction, scalars: { ...prediction.scalars, ...scalars } };
}

/** An edit replacing scalar `key` by `f(value)`. */
export function editScalar(key: string, f: (v: number) => number): (pred: Observations) => Observations {
  return (pred) => withScalars(pred, { [key]: f(pred.scalars[key]) });
}

/** The verdict with some predicted scalars replaced. */
export function verdictUnder(study: AnyStudy, r: StudyResult, overrides: Record<string, number>): string {
  return judgeEdited(study, r, (pred) => withScalars(pred, overrides));
}

/** The verdict with the predicted scalars edited in place by `edit`. */
export function verdictWith(study: AnyStudy, r: StudyResult, edit: (scalars: Record<string, number>) => void): string {
  return judgeEdited(study, r, (pred) => {
    const scalars = { ...pred.scalars };
    edit(scalars);
    return { ...pred, scalars };
  });
}

export interface WrongTheory {
  name: string;
  edit: (prediction: Observations, params: Record<string, unknown>) => Observations;
}

/** The quick profile at seed 0 is falsifiable: holds with its controls falsified, and each wrong theory leaves `holds`. */
export async function expectFalsifiable(study: AnyStudy, wrong: WrongTheory[]): Promise<StudyResult> {
  const r = await quickRun(study, 0);
  expectFalsifiableHolds(r);
  for (const w of wrong) expect([w.name, judgeEdited(study, r, (p) => w.edit(p, r.provenance.params))]).not.toEqual([w.name, 'holds']);
  return r;
}

/**
 * The quick profile at seed 0 gives `verdict` (default holds) with every control falsified and every judged
 * metric keyed; for a holding study, each wrong edit leaves `holds`.
 */
export async function expectWrongTheoriesFail(
  study: AnyStudy,
  edits: Record<string, (pred: Observations) => Observations>,
  verdict = 'holds',
): Promise<StudyResult> {
  const r = await quickRun(study, 0);
  expect({ verdict: r.verdict, error: r.error }).toEqual({ verdict, error: undefined });
  for (const m of r.metrics) expect({ metric: m.name, finite: Number.isFinite(m.value) }).toEqual({ metric: m.name, finite: true });
  expectFiguresMeasured(r);
  expectKeyed(r);
  expectControlsFalsified(r);
  if (verdict === 'holds') {
    expect(judgeEdited(study, r, (p) => p)).toBe('holds');
    for (const [name, edit] of Object.entries(edits)) expect({ edit: name, verdict: judgeEdited(study, r, edit) }).not.toEqual({ edit: name, verdict: 'holds' });
  }
  return r;
}

/**
 * Transformer studies `induction-heads` (catalog 37) and `adam-edge-of-stability` (catalog 36):
 * - oracles for the instruments: the change-point abruptness of analytic curves (linear 1, exponential ln 2,
 *   a step ≫ 1) and the prefix-matching score of hand-made attention patterns;
 * - each study's quick profile holds at seed 0 and at seed 1, every control is falsified, and a wrong theory
 *   (a predicted constant changed) judged on the same measurement leaves `holds`.
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/core/tensor.ts';
import { adamStateOf, chain, OptimizerState, scaleByAdam, scaleByLearningRate } from '../../src/nn/optim.ts';
import { adamEdgeOfStability } from '../../src/studies/adam-edge-of-stability/index.ts';
import { changePoint } from '../../src/studies/induction-heads/changepoint.ts';
import { inductionHeads } from '../../src/studies/induction-heads/index.ts';
import { prefixMatchingScores } from '../../src/studies/induction-heads/task.ts';
import type { AnyStudy, Observations, StudyResult } from '../../src/studies/types.ts';
import { evaluateMetric, judge } from '../../src/studies/verdict.ts';
import { quickRun } from './sharedRun.ts';

const steps = Array.from({ length: 201 }, (_, i) => 5 * i);

describe('change points (oracles)', () => {
  it('a linear fall: change step half-way, abruptness (slope)/(plateau gap / 2t_c) computed by hand', () => {
    const cp = changePoint(steps, steps.map((t) => -t / 1000), 5);
    // plateaus: medians of the first and last 21 samples, −0.05 and −0.95; half-way −0.5 at t = 500;
    // slope 1e-3 against a mean rate 0.9/2/500 = 9e-4 before it: 10/9 (a gradual law stays near 1)
    expect(cp.step).toBeCloseTo(500, 9);
    expect(cp.abruptness).toBeCloseTo(10 / 9, 9);
  });
  it('a step (plateau, then a jump) has abruptness t_c/w = 10', () => {
    const cp = changePoint(steps, steps.map((t) => (t < 500 ? 0 : -1)), 5);
    // crossing of −0.5 between 495 and 500 at 497.5; rate 1/(2w) with w = t_c/10 over mean rate 1/(2t_c)
    expect(cp.step).toBeCloseTo(497.5, 9);
    expect(cp.abruptness).toBeCloseTo(10, 9);
  });
});

describe('prefix-matching score (oracle)', () => {
  // one sequence [a b a b], T = 4, one head: position 2 (token a) has successor-of-previous at j = 1, position 3 (b) at j = 2
  const inputs = Int32Array.from([0, 1, 0, 1]);
  const perfect = new Float64Array(16);
  perfect[0] = 1;
  perfect[4] = 1;
  perfect[2 * 4 + 1] = 1;
  perfect[3 * 4 + 2] = 1;
  it('is 1 for a perfect induction pattern and the uniform baseline is the mean of 1/(t + 1)', () => {
    const r = prefixMatchingScores(tensor(perfect, [1, 4, 4]), inputs, 1, 1);
    expect(r.scores[0]).toBe(1);
    expect(r.uniform).toBeCloseTo((1 / 3 + 1 / 4) / 2, 12);
  });
  it('equals the uniform baseline under uniform causal attention', () => {
    const u = new Float64Array(16);
    for (let t = 0; t < 4; t++) for (let j = 0; j <= t; j++) u[t * 4 + j] = 1 / (t + 1);
    const r = prefixMatchingScores(tensor(u, [1, 4, 4]), inputs, 1, 1);
    expect(r.scores[0]).toBeCloseTo(r.uniform, 12);
  });
});

describe('adamStateOf', () => {
  it('finds the Adam moments inside a chain state, after the first step', () => {
    const opt = new OptimizerState(chain(scaleByAdam(), scaleByLearningRate(0.1)));
    expect(adamStateOf(opt.current)).toBeUndefined();
    opt.step([new Float64Array([1, 2])], [new Float64Array([0.5, -1])]);
    const s = adamStateOf(opt.current);
    expect(s?.t).toBe(1);
    // v = (1 − β₂) g²
    expect(s?.v[0][1]).toBeCloseTo(0.001, 12);
  });
});

/** The verdict of the study's compare with prediction scalar `key` multiplied by `factor`, on the same measurement. */
function verdictWith(study: AnyStudy, r: StudyResult, key: string, factor: number) {
  const pred: Observations = { ...r.prediction, scalars: { ...r.prediction.scalars, [key]: r.prediction.scalars[key] * factor } };
  const cmp = study.compare(pred, r.measurement, r.provenance.params);
  return judge(cmp.metrics.map(evaluateMetric), cmp.regime);
}

function expectQuickHolds(r: StudyResult): void {
  const failing = r.metrics.filter((m) => !m.pass && !m.sanity).map((m) => `${m.name}=${m.value} (${m.criterionText})`);
  const regime = r.regime.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  expect({ verdict: r.verdict, error: r.error, failing, regime }).toEqual({ verdict: 'holds', error: undefined, failing: [], regime: [] });
  expect(r.controls?.length).toBeGreaterThan(0);
  for (const c of r.controls ?? []) expect([c.name, c.verdict]).toEqual([c.name, 'falsified']);
}

describe.each([0, 1])('quick profiles at seed %i', (seed) => {
  it('adam-edge-of-stability holds, its controls are falsified, and a threshold 1.5× off is not', async () => {
    const r = await quickRun(adamEdgeOfStability as AnyStudy, seed);
    expectQuickHolds(r);
    expect(verdictWith(adamEdgeOfStability as AnyStudy, r, 'threshold', 1.5)).toBe('falsified');
  }, 600_000);
  it('induction-heads holds, its controls are falsified, and a halved in-context gain is not', async () => {
    const r = await quickRun(inductionHeads as AnyStudy, seed);
    expectQuickHolds(r);
    expect(verdictWith(inductionHeads as AnyStudy, r, 'in-context loss', 0.5)).toBe('falsified');
    // a lag of the prefix-matching change point behind the loss's by 30% is noticed
    expect(verdictWith(inductionHeads as AnyStudy, r, 'change-step ratio', 1.3)).toBe('falsified');
  }, 900_000);
});

/**
 * μTransfer's slope read at shorter horizons of the same runs (catalog 11, issue 13): `tailLossAt` (a run's loss as if
 * it had been trained fewer steps) and `horizonSlopes` (the η*-slope at each horizon of `horizonWindow`), on cases with
 * a known answer.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { type OnlineRunResult, tailLossAt, tanhTeacher, trainOnlineSweep } from '../../src/protocols/lrSweep.ts';
import { horizonSlopes, horizonWindow } from '../../src/studies/mup-lr-transfer.ts';

describe('tailLossAt: the first steps of a longer run are the shorter run', () => {
  const task = tanhTeacher(4, 2, Rng.fromSeed(7, 'teacher'));
  const model = { kind: 'mlp' as const, depth: 2, activation: 'relu' as const, inputDim: 4, outputDim: 1, bias: true };
  const stream = Rng.fromSeed(7, 'stream');
  // Adam up to η = 2⁴: the largest rates diverge, at different steps (checked below)
  const runs = [-8, -4, -1, 2, 4].map((k) => ({ lr: 2 ** k, init: Rng.fromSeed(7, 'init'), stream }));
  const sweep = (steps: number) => trainOnlineSweep({ model, width: 16, parameterization: 'sp', baseWidth: 8, optimizer: 'adam', runs, steps, batch: 8, task, dtype: 'f64' });
  const long = sweep(30);

  it('gives, bit for bit, the finalLoss of a run trained for `horizon` steps (diverged runs: +∞ exactly when they diverged by then)', () => {
    for (const horizon of [7, 13, 22, 30]) {
      const short = sweep(horizon);
      expect(long.map((r) => tailLossAt(r, horizon))).toEqual(short.map((r) => r.finalLoss));
    }
    // both cases are exercised: some runs diverge (here at their first steps), some never
    expect(long.some((r) => r.diverged)).toBe(true);
    expect(long.some((r) => !r.diverged)).toBe(true);
  });

  it('reads a run that diverged late as finite up to the step before its divergence and +∞ from there', () => {
    // a trainer's record of a run stopped at step 20: its curve ends with the loss that stopped it
    const curve = Array.from({ length: 20 }, (_, t) => 1 / (t + 1)).concat([1e9]);
    const late: OnlineRunResult = { finalLoss: Number.POSITIVE_INFINITY, initialLoss: 1, diverged: true, curve };
    const tailMean = (h: number) => curve.slice(h - Math.ceil(h / 4), h).reduce((a, v) => a + v, 0) / Math.ceil(h / 4);
    expect(tailLossAt(late, 12)).toBe(tailMean(12));
    expect(tailLossAt(late, 20)).toBe(tailMean(20));
    expect(tailLossAt(late, 21)).toBe(Number.POSITIVE_INFINITY);
    expect(tailLossAt(late, 500)).toBe(Number.POSITIVE_INFINITY);
  });

  it('names the horizon when it is not a positive integer or exceeds the steps the run was trained for', () => {
    const done = long.find((r) => !r.diverged) as OnlineRunResult;
    expect(() => tailLossAt(done, 31)).toThrow(/horizon = 31, expected ≤ 30/);
    expect(() => tailLossAt(done, 2.5)).toThrow(/horizon = 2.5, expected a positive integer/);
    expect(() => tailLossAt(done, 0)).toThrow(/horizon = 0, expected a positive integer/);
  });
});

/**
 * A synthetic run whose batch loss at step t is `level(t)`·exp(c·(k − k*)²) at η = 2^k: the tail average at any horizon
 * is then exactly a parabola in (log₂ η, log loss) with its vertex at k*, the optimum `curveOptimum` recovers.
 */
function syntheticRun(k: number, optimum: (t: number) => number, steps: number): OnlineRunResult {
  const curve = Array.from({ length: steps }, (_, t) => (1 + 1 / (t + 1)) * Math.exp(0.3 * (k - optimum(t)) ** 2));
  return { finalLoss: Number.NaN, initialLoss: curve[0], diverged: false, curve };
}

describe('horizonSlopes: the η*-slope in width at each horizon of one run, and its trend', () => {
  const ks = Array.from({ length: 10 }, (_, i) => -12 + i);
  const widths = [32, 64, 128, 256];
  const lx = widths.map(Math.log2);
  const steps = 64;
  const window = horizonWindow(steps);
  // seed s's optimum k* = −4.5 − 0.1·s + β·(log₂ n − 5): inside the grid −12…−3, ≥ 1 step from its edges, for −1.4 ≤ β ≤ 0
  const sweep = (slope: (t: number) => number, seeds = 2) =>
    lx.map((x) => Array.from({ length: seeds }, (_, s) => ks.map((k) => syntheticRun(k, (t) => -4.5 - 0.1 * s + slope(t) * (x - 5), steps))));

  it('horizonWindow spans one octave below the run, evenly in log', () => {
    expect(window[0]).toBe(steps);
    expect(window[window.length - 1]).toBe(steps / 2);
    // a quarter octave apart, up to the rounding to whole steps: ≤ ½ step at each end, i.e. log₂(1 + ½/h) with h ≥ steps/2
    const ratios = window.slice(1).map((h, j) => window[j] / h);
    for (const r of ratios) expect(Math.abs(Math.log2(r) - 1 / 4)).toBeLessThanOrEqual(2 * Math.log2(1 + 1 / steps));
  });

  it('recovers a horizon-independent slope at every horizon, with zero trend', () => {
    for (const beta of [-1, -0.5, 0]) {
      const r = horizonSlopes(ks, lx, sweep(() => beta), window);
      for (const b of r.slopes) expect(b).toBeCloseTo(beta, 9);
      expect(r.trend).toBeCloseTo(0, 9);
    }
  });

  it('sees a slope that changes with training length: the slopes of horizons wholly before or after the change, and the sign of the trend', () => {
    // the slope is −1.4 before step 40 and −0.6 from step 40 on (the early plateau and the later drift of SP, in miniature)
    const change = 40;
    const r = horizonSlopes(
      ks,
      lx,
      sweep((t) => (t < change ? -1.4 : -0.6)),
      window,
    );
    window.forEach((h, j) => {
      const tail = Math.ceil(h / 4); // tailLossAt's default tail, steps h − tail … h − 1
      if (h - 1 < change) expect(r.slopes[j]).toBeCloseTo(-1.4, 9);
      if (h - tail >= change) expect(r.slopes[j]).toBeCloseTo(-0.6, 9);
    });
    // both cases occur in this window, so the assertions above are exercised
    expect(window.some((h) => h - 1 < change) && window.some((h) => h - Math.ceil(h / 4) >= change)).toBe(true);
    expect(r.trend).toBeGreaterThan(0);
  });
});

/**
 * The learning-rate sweep helpers (src/protocols/lrSweep.ts): the optimum estimator against exact
 * parabolas, the least-squares quadratic against exact data, and the online trainer's determinism and
 * divergence detection.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { teacherBatch } from '../../src/data/teacherStream.ts';
import { buildModel, parseModelSpec } from '../../src/protocols/coordCheck.ts';
import { curveOptimum, geometricMean, quadraticFit, tanhTeacher, trainOnline } from '../../src/protocols/lrSweep.ts';

describe('quadraticFit', () => {
  it('is exact on a quadratic and least-squares on noisy data', () => {
    const xs = [-3, -1, 0, 2, 5];
    const c = quadraticFit(
      xs,
      xs.map((x) => 1.5 - 0.25 * x + 0.75 * x * x),
    );
    // float error of a 3×3 solve on O(1) numbers
    expect(c?.[0]).toBeCloseTo(1.5, 10);
    expect(c?.[1]).toBeCloseTo(-0.25, 10);
    expect(c?.[2]).toBeCloseTo(0.75, 10);
    expect(quadraticFit([1, 1, 1], [0, 1, 2])).toBeNull();
  });
});

describe('curveOptimum', () => {
  const ks = [-10, -9, -8, -7, -6, -5, -4, -3];
  it('returns the vertex of a curve that is an exact parabola in (log₂ η, log loss)', () => {
    const loss = ks.map((k) => Math.exp(0.3 * (k + 6.3) ** 2 - 3));
    const o = curveOptimum(ks, loss);
    expect(o.index).toBe(ks.indexOf(-6));
    expect(o.log2Lr).toBeCloseTo(-6.3, 10); // exact data: float error only
  });
  it('ignores diverged points and falls back to the grid at an edge', () => {
    const loss = ks.map((k) => (k >= -4 ? Number.POSITIVE_INFINITY : Math.exp(0.1 * (k + 5.2) ** 2)));
    // the minimum −5 has −4 diverged: the fit uses the finite points of the window only
    expect(curveOptimum(ks, loss).log2Lr).toBeCloseTo(-5.2, 10);
    const edge = ks.map((k) => Math.exp(k));
    expect(curveOptimum(ks, edge)).toEqual({ log2Lr: -10, index: 0 });
    expect(curveOptimum(ks, ks.map(() => Number.POSITIVE_INFINITY))).toEqual({ log2Lr: Number.NaN, index: -1 });
  });
  it('stays inside the window', () => {
    // a sharp asymmetric bracket whose parabola vertex would fall outside: clamped to [k−2, k+2]
    const loss = [9, 9, 9, 9, 1.0001, 1, 9, 9];
    const o = curveOptimum(ks, loss);
    expect(o.log2Lr).toBeGreaterThanOrEqual(-7);
    expect(o.log2Lr).toBeLessThanOrEqual(-3);
  });
});

describe('trainOnline', () => {
  const task = tanhTeacher(8, 4, Rng.fromSeed(1, 'teacher'));
  const model = parseModelSpec('{"kind":"mlp","depth":1,"inputDim":8}');
  const net = () => buildModel(model, 32, { parameterization: 'mup', baseWidth: 32, optimizer: 'adam' }, Rng.fromSeed(2, 'init'));
  it('is deterministic and learns at a good step', () => {
    const a = trainOnline({ net: net(), optimizer: 'adam', lr: 2 ** -6, steps: 60, batch: 16, task, rng: Rng.fromSeed(3) });
    const b = trainOnline({ net: net(), optimizer: 'adam', lr: 2 ** -6, steps: 60, batch: 16, task, rng: Rng.fromSeed(3) });
    expect(a).toEqual(b);
    expect(a.diverged).toBe(false);
    expect(a.finalLoss).toBeLessThan(0.5 * a.initialLoss);
    expect(a.curve).toHaveLength(60);
  });
  it('flags a diverging run', () => {
    const r = trainOnline({ net: net(), optimizer: 'sgd', lr: 1e3, steps: 60, batch: 16, task, rng: Rng.fromSeed(3) });
    expect(r.diverged).toBe(true);
    expect(r.finalLoss).toBe(Number.POSITIVE_INFINITY);
  });
  it('teacher batches have unit-scale targets', () => {
    const b = teacherBatch(task, 4000, Rng.fromSeed(4));
    const y = Array.from(b.y.data);
    const m = y.reduce((s, v) => s + v, 0) / y.length;
    // y = Σ a_j tanh(2z_j), a_j ~ N(0, 1/k): mean 0 by symmetry; 4000 samples → |mean| ≲ 4σ/√n ≈ 0.06
    expect(Math.abs(m)).toBeLessThan(0.06);
    expect(geometricMean([1, 4, 16])).toBeCloseTo(4, 12);
    expect(geometricMean([1, Number.POSITIVE_INFINITY])).toBe(Number.POSITIVE_INFINITY);
  });
});

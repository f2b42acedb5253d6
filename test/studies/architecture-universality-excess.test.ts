/**
 * Oracle tests of architecture-universality's linear-baseline comparison (`excessWithError`): the excess of the
 * MLP–CNN partial correlation over the larger one with the linear model, its paired bootstrap standard error over
 * the held-out examples, and the spread over training seeds. Synthetic softmax-like outputs, no training.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { oneHot } from '../../src/core/stats.ts';
import { pearson } from '../../src/observe/rankCorrelation.ts';
import { excessWithError, type RunProbs } from '../../src/studies/architecture-universality.ts';

const C = 4;

/** Labels y and three outputs: the label plus a noise shared by MLP and CNN (weight `shared`) and private noises. */
function synthetic(examples: number, shared: number, rng: Rng): { run: RunProbs; onehot: Float64Array } {
  const y = Array.from({ length: examples }, () => rng.int(C));
  const onehot = oneHot(y, C);
  const common = rng.child('common').fillNormal(new Float64Array(examples * C));
  const out = (key: string, w: number) => {
    const e = rng.child(key).fillNormal(new Float64Array(examples * C));
    return onehot.map((v, i) => v + 0.3 * (w * common[i] + Math.sqrt(1 - w * w) * e[i]));
  };
  return { run: { MLP: out('mlp', shared), CNN: out('cnn', shared), linear: out('linear', 0) }, onehot };
}

/** Partial correlation of f and g given y, computed directly from its definition. */
function partial(f: Float64Array, g: Float64Array, y: Float64Array): number {
  const [fg, fy, gy] = [pearson(f, g), pearson(f, y), pearson(g, y)];
  return (fg - fy * gy) / Math.sqrt((1 - fy * fy) * (1 - gy * gy));
}

describe('excessWithError', () => {
  it('one run: the mean is the excess from the definition; no spread over seeds', () => {
    const { run, onehot } = synthetic(300, 0.8, Rng.fromSeed(1, 'excess'));
    const e = excessWithError([run], onehot, 300, C, 0);
    const direct = partial(run.MLP, run.CNN, onehot) - Math.max(partial(run.MLP, run.linear, onehot), partial(run.CNN, run.linear, onehot));
    // the same sums in another order: float error only
    expect(e.mean).toBeCloseTo(direct, 12);
    expect(e.seSeeds).toBe(0);
    expect(e.se).toBe(e.seBootstrap);
    // with a shared-noise weight 0.8 the population partial r(MLP, CNN | y) is 0.8² = 0.64 and that with the linear
    // model 0: the sample excess lies within a few standard errors of 0.64
    expect(Math.abs(e.mean - 0.64)).toBeLessThan(4 * e.seBootstrap);
  });

  it('two copies of one run: the same mean and bootstrap error, zero spread over seeds', () => {
    const { run, onehot } = synthetic(200, 0.5, Rng.fromSeed(2, 'excess'));
    const one = excessWithError([run], onehot, 200, C, 7);
    const two = excessWithError([run, run], onehot, 200, C, 7);
    expect(two.mean).toBeCloseTo(one.mean, 14);
    expect(two.seBootstrap).toBeCloseTo(one.seBootstrap, 14);
    expect(two.seSeeds).toBe(0);
  });

  it('the bootstrap error falls as 1/√examples (4× the examples: half the error)', () => {
    const small = synthetic(200, 0.5, Rng.fromSeed(3, 'excess'));
    const large = synthetic(800, 0.5, Rng.fromSeed(4, 'excess'));
    const ratio = excessWithError([large.run], large.onehot, 800, C, 0).seBootstrap / excessWithError([small.run], small.onehot, 200, C, 0).seBootstrap;
    // 0.5 expected; each SE is estimated from 200 resamples (relative error ≈ 1/√400 = 5%) on its own sample of the
    // statistic's spread (another ≈ 5–10%): ±0.15 is about three combined standard errors
    expect(Math.abs(ratio - 0.5)).toBeLessThan(0.15);
  });

  it('distinct runs: the spread over seeds enters the total error in quadrature', () => {
    const a = synthetic(200, 0.7, Rng.fromSeed(5, 'excess'));
    const b = synthetic(200, 0.2, Rng.fromSeed(5, 'excess'));
    const e = excessWithError([a.run, b.run], a.onehot, 200, C, 0);
    const ea = excessWithError([a.run], a.onehot, 200, C, 0).mean;
    const eb = excessWithError([b.run], b.onehot, 200, C, 0).mean;
    expect(e.mean).toBeCloseTo((ea + eb) / 2, 12);
    // sample SD of two values over √2: |ea − eb|/√2/√2
    expect(e.seSeeds).toBeCloseTo(Math.abs(ea - eb) / 2, 12);
    expect(e.se).toBeCloseTo(Math.hypot(e.seBootstrap, e.seSeeds), 14);
  });
});

/**
 * Catalog 30 (architecture-universality) in its quick profile, and oracle tests of the shared classification helpers
 * (src/protocols/classifier.ts, src/observe/classifierOutputs.ts).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { makeGaussianMixtureTask } from '../../src/data/mixture.ts';
import { mlp } from '../../src/nn/mlp.ts';
import { accuracy, hiddenFeatures, predictLogits, softmaxRows } from '../../src/observe/classifierOutputs.ts';
import { averageRanks, pearson, spearman } from '../../src/observe/rankCorrelation.ts';
import { trainClassifier } from '../../src/protocols/classifier.ts';
import { architectureUniversality } from '../../src/studies/architecture-universality.ts';
import { expectFalsifiable, withScalars } from './falsifiability.ts';

describe('architecture-universality (quick)', () => {
  it('holds: MLP and CNN predictions correlate beyond the label floor and beyond a linear model, more so with more data; rivals fail', async () => {
    // wrong theory: the architectures share far more than the linear baseline does (margin 0.5 instead of 0.05)
    const r = await expectFalsifiable(architectureUniversality, [{ name: 'margin 0.5', edit: (pred) => withScalars(pred, { 'excess over the linear baseline (lower bound)': 0.5 }) }]);
    for (const m of r.metrics) expect(Number.isFinite(m.value)).toBe(true);
    expect(r.claim).toMatch(/^Exploratory/);
    // the off-distribution comparison is reported in notes, not judged
    expect((r.measurement.notes ?? []).some((n) => n.startsWith('Off-distribution'))).toBe(true);
  }, 300_000);
});

describe('classification helpers', () => {
  it('pearson and spearman: known values, ties averaged, invariance of spearman to monotone maps', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 14);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 14);
    expect(Number.isNaN(pearson([1, 1, 1], [1, 2, 3]))).toBe(true);
    expect(Array.from(averageRanks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
    const x = [0.3, 1.2, 5, 7.5, 9];
    const y = [1, 3, 2, 5, 4];
    // Spearman from the textbook formula 1 − 6Σd²/(n(n²−1)) (no ties): d = [0, 1, −1, 1, −1]
    expect(spearman(x, y)).toBeCloseTo(1 - (6 * 4) / (5 * 24), 14);
    expect(spearman(x.map((v) => Math.exp(v)), y)).toBeCloseTo(spearman(x, y), 14);
  });

  it('softmaxRows sums to 1 per row and is shift invariant', () => {
    const p = softmaxRows({ rows: 2, cols: 3, data: Float64Array.from([1, 2, 3, 1001, 1002, 1003]) });
    for (let i = 0; i < 2; i++) expect(p.data[i * 3] + p.data[i * 3 + 1] + p.data[i * 3 + 2]).toBeCloseTo(1, 14);
    // same logits up to a constant shift → same probabilities (float error only)
    for (let c = 0; c < 3; c++) expect(p.data[c]).toBeCloseTo(p.data[3 + c], 12);
  });

  it('trainClassifier fits a separable mixture; weight decay shrinks the weights; hiddenFeatures has the hidden width', () => {
    const rng = Rng.fromSeed(2, 'clf');
    const task = makeGaussianMixtureTask({ classes: 3, d: 8, margin: 3 }, rng.child('task'));
    const data = task.sample(90, rng.child('data'));
    const norms: number[] = [];
    for (const wd of [0, 0.05]) {
      const net = mlp({ sizes: [8, 16, 3], activation: 'relu' }, rng.child('init'));
      const losses = trainClassifier(net, data.x, data.y, { steps: 300, batchSize: 32, optimizer: 'momentum', lr: 0.05, weightDecay: wd, rng: rng.child('b') });
      expect(losses.length).toBe(300);
      expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
      expect(accuracy(predictLogits(net, data.x), data.y)).toBeGreaterThan(0.95);
      norms.push(net.params().reduce((t, p) => t + Array.from(p.data).reduce((u, v) => u + v * v, 0), 0));
      const h = hiddenFeatures(net, data.x);
      expect([h.rows, h.cols]).toEqual([90, 16]);
    }
    expect(norms[1]).toBeLessThan(norms[0]);
  });
});

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { normalCdf } from '../../src/core/special.ts';
import { makeGaussianMixtureTask } from '../../src/data/mixture.ts';

describe('Gaussian mixture classification', () => {
  it('class means are pairwise 2·margin apart', () => {
    const task = makeGaussianMixtureTask({ classes: 6, d: 10, margin: 1.5 }, Rng.fromSeed(1));
    const { means } = task;
    for (let a = 0; a < 6; a++) {
      for (let b = a + 1; b < 6; b++) {
        let d2 = 0;
        for (let i = 0; i < 10; i++) d2 += (means.data[a * 10 + i] - means.data[b * 10 + i]) ** 2;
        expect(Math.sqrt(d2)).toBeCloseTo(3, 12); // orthonormal directions up to Gram–Schmidt rounding
      }
    }
  });

  it('balanced labels: class counts differ by at most one; class statistics match the model', () => {
    const n = 20003;
    const C = 4;
    const d = 8;
    const sigma = 0.7;
    const task = makeGaussianMixtureTask({ classes: C, d, margin: 2, std: sigma }, Rng.fromSeed(2));
    const s = task.sample(n, Rng.fromSeed(3));
    const counts = new Array(C).fill(0);
    const sums = new Float64Array(C * d);
    let resid2 = 0;
    for (let r = 0; r < n; r++) {
      const c = s.y[r];
      counts[c]++;
      for (let i = 0; i < d; i++) {
        sums[c * d + i] += s.x.data[r * d + i];
        resid2 += (s.x.data[r * d + i] - task.means.data[c * d + i]) ** 2;
      }
    }
    expect(counts.sort()).toEqual([5000, 5001, 5001, 5001]);
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < d; i++) {
        // Class mean per coordinate: SE σ/√n_c; 5 SE.
        expect(Math.abs(sums[c * d + i] / 5000 - task.means.data[c * d + i])).toBeLessThan((5 * sigma) / Math.sqrt(5000));
      }
    }
    // Pooled within-class variance over n·d entries: SE σ² √(2/(n d)); 5 SE.
    expect(Math.abs(resid2 / (n * d) - sigma * sigma)).toBeLessThan(5 * sigma * sigma * Math.sqrt(2 / (n * d)));
  });

  it('two classes: nearest-mean accuracy equals the Bayes rate Φ(margin/σ) within sampling error', () => {
    const n = 40000;
    const margin = 0.8;
    const sigma = 1;
    const task = makeGaussianMixtureTask({ classes: 2, d: 5, margin, std: sigma }, Rng.fromSeed(4));
    const s = task.sample(n, Rng.fromSeed(5));
    let correct = 0;
    for (let r = 0; r < n; r++) {
      let d0 = 0;
      let d1 = 0;
      for (let i = 0; i < 5; i++) {
        d0 += (s.x.data[r * 5 + i] - task.means.data[i]) ** 2;
        d1 += (s.x.data[r * 5 + i] - task.means.data[5 + i]) ** 2;
      }
      if ((d0 < d1 ? 0 : 1) === s.y[r]) correct++;
    }
    const bayes = normalCdf(margin / sigma);
    // Binomial accuracy: SE √(p(1 − p)/n); 5 SE.
    expect(Math.abs(correct / n - bayes)).toBeLessThan(5 * Math.sqrt((bayes * (1 - bayes)) / n));
  });

  it('unbalanced labels are i.i.d. uniform; seeded; validated', () => {
    const task = makeGaussianMixtureTask({ classes: 3, d: 3, margin: 1 }, Rng.fromSeed(6));
    const s = task.sample(30000, Rng.fromSeed(7), { balanced: false });
    const counts = [0, 0, 0];
    for (const c of s.y) counts[c]++;
    // Binomial(n, 1/3): SE √(n·(1/3)(2/3)); 5 SE.
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(5 * Math.sqrt((30000 * 2) / 9));
    const again = makeGaussianMixtureTask({ classes: 3, d: 3, margin: 1 }, Rng.fromSeed(6)).sample(50, Rng.fromSeed(8));
    expect(task.sample(50, Rng.fromSeed(8)).x.data).toEqual(again.x.data);
    expect(task.sample(50, Rng.fromSeed(9)).x.data).not.toEqual(again.x.data);
    expect(() => makeGaussianMixtureTask({ classes: 5, d: 3, margin: 1 }, Rng.fromSeed(1))).toThrow(/d must be an integer >= 5, got 3/);
    expect(() => makeGaussianMixtureTask({ classes: 2, d: 3, margin: -1 }, Rng.fromSeed(1))).toThrow(/margin must be a >= 0 number, got -1/);
  });
});

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import {
  bayesOptimalIclPredictions,
  inductionOptimalLoss,
  inductionPositions,
  noiselessIclError,
  ridgeWeights,
  sampleIclRegressionBatch,
  sampleInductionBatch,
} from '../../src/data/sequences.ts';

/** Dense Gaussian elimination with partial pivoting: an oracle independent of the Cholesky path. */
function gaussSolve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}

/** (XᵀX + λI)⁻¹Xᵀy solved directly in the primal d×d form. */
function primalRidge(x: Float64Array, y: Float64Array, k: number, d: number, lambda: number): number[] {
  const a = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? lambda : 0)));
  const rhs = new Array<number>(d).fill(0);
  for (let r = 0; r < k; r++) {
    for (let i = 0; i < d; i++) {
      rhs[i] += x[r * d + i] * y[r];
      for (let j = 0; j < d; j++) a[i][j] += x[r * d + i] * x[r * d + j];
    }
  }
  return gaussSolve(a, rhs);
}

describe('repeated random tokens (induction heads)', () => {
  const params = { vocabSize: 10, prefixLength: 6, repeats: 2 };

  it('has shape [B, (1 + repeats)·n], each row a prefix written 1 + repeats times, seeded', () => {
    const batch = sampleInductionBatch(params, 4, Rng.fromSeed(1, 'ind'));
    expect(batch.seqLen).toBe(18);
    expect(batch.tokens.length).toBe(4 * 18);
    for (let b = 0; b < 4; b++) {
      for (let t = 6; t < 18; t++) expect(batch.tokens[b * 18 + t]).toBe(batch.tokens[b * 18 + (t % 6)]);
    }
    const again = sampleInductionBatch(params, 4, Rng.fromSeed(1, 'ind'));
    expect(Array.from(again.tokens)).toEqual(Array.from(batch.tokens));
    const other = sampleInductionBatch(params, 4, Rng.fromSeed(2, 'ind'));
    expect(Array.from(other.tokens)).not.toEqual(Array.from(batch.tokens));
  });

  it('prefix tokens are uniform over the vocabulary', () => {
    const V = 8;
    const batch = sampleInductionBatch({ vocabSize: V, prefixLength: 10 }, 2000, Rng.fromSeed(5));
    const counts = new Float64Array(V);
    for (let b = 0; b < 2000; b++) for (let t = 0; t < 10; t++) counts[batch.tokens[b * 20 + t]]++;
    // Each count ~ Binomial(20000, 1/8): mean 2500, sd ≈ 47; 5 sd bounds.
    for (const c of counts) expect(Math.abs(c - 2500)).toBeLessThan(5 * 47);
  });

  it('distinct prefixes have no repeated token and use the whole vocabulary uniformly', () => {
    const V = 6;
    const n = 6; // a permutation of the vocabulary
    const batch = sampleInductionBatch({ vocabSize: V, prefixLength: n, distinct: true }, 1200, Rng.fromSeed(9));
    const firstCounts = new Float64Array(V);
    for (let b = 0; b < 1200; b++) {
      const prefix = Array.from(batch.tokens.subarray(b * 2 * n, b * 2 * n + n));
      expect(new Set(prefix).size).toBe(n);
      firstCounts[prefix[0]]++;
    }
    // First token ~ uniform: Binomial(1200, 1/6), mean 200, sd ≈ 12.9; 5 sd bounds.
    for (const c of firstCounts) expect(Math.abs(c - 200)).toBeLessThan(5 * 12.9);
    expect(() => sampleInductionBatch({ vocabSize: 4, prefixLength: 5, distinct: true }, 1, Rng.fromSeed(0))).toThrow(
      /prefixLength must be <= vocabSize \(4\) when distinct is true, got 5/,
    );
  });

  it('early/late positions and the Bayes-optimal loss per position', () => {
    const { early, late } = inductionPositions(params);
    expect(Array.from(early)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(late)).toEqual(Array.from({ length: 11 }, (_, i) => 6 + i)); // 6 … 16 = L − 2
    const loss = inductionOptimalLoss(params);
    expect(loss.length).toBe(17);
    for (const t of early) expect(loss[t]).toBeCloseTo(Math.log(10), 12);
    for (const t of late) expect(loss[t]).toBe(0);
    const distinctLoss = inductionOptimalLoss({ ...params, distinct: true });
    expect(distinctLoss[0]).toBeCloseTo(Math.log(9), 12); // predicting token 1: 9 unused tokens left
    expect(distinctLoss[4]).toBeCloseTo(Math.log(5), 12);
  });

  it('late targets are exactly the token one period back (what an induction head copies)', () => {
    const batch = sampleInductionBatch(params, 3, Rng.fromSeed(4));
    const { late } = inductionPositions(params);
    const L = batch.seqLen;
    for (let b = 0; b < 3; b++) {
      for (const t of late) {
        // The current token occurred at t − n, and its successor there equals the target at t + 1.
        expect(batch.tokens[b * L + t - 6]).toBe(batch.tokens[b * L + t]);
        expect(batch.tokens[b * L + t + 1 - 6]).toBe(batch.tokens[b * L + t + 1]);
      }
    }
  });

  it('rejects bad parameters naming the field', () => {
    expect(() => sampleInductionBatch({ vocabSize: 1, prefixLength: 4 }, 1, Rng.fromSeed(0))).toThrow(/vocabSize must be an integer >= 2, got 1/);
    expect(() => sampleInductionBatch({ vocabSize: 5, prefixLength: 4, repeats: 0 }, 1, Rng.fromSeed(0))).toThrow(/repeats must be an integer >= 1, got 0/);
    expect(() => sampleInductionBatch({ vocabSize: 5, prefixLength: 4 }, 0, Rng.fromSeed(0))).toThrow(/batchSize must be an integer >= 1, got 0/);
  });
});

describe('in-context linear regression (Garg et al. 2022)', () => {
  it('has the documented shapes and token layout, y = w·x without noise, seeded', () => {
    const d = 3;
    const N = 4;
    const batch = sampleIclRegressionBatch({ dim: d, points: N }, 2, Rng.fromSeed(7));
    expect([batch.xs.length, batch.ys.length, batch.ws.length, batch.tokens.length]).toEqual([2 * N * d, 2 * N, 2 * d, 2 * 2 * N * (d + 1)]);
    for (let b = 0; b < 2; b++) {
      for (let i = 0; i < N; i++) {
        let y = 0;
        for (let j = 0; j < d; j++) y += batch.ws[b * d + j] * batch.xs[(b * N + i) * d + j];
        expect(batch.ys[b * N + i]).toBe(y);
        const xTok = Array.from(batch.tokens.subarray((b * 2 * N + 2 * i) * (d + 1), (b * 2 * N + 2 * i + 1) * (d + 1)));
        const yTok = Array.from(batch.tokens.subarray((b * 2 * N + 2 * i + 1) * (d + 1), (b * 2 * N + 2 * i + 2) * (d + 1)));
        expect(xTok).toEqual([...batch.xs.subarray((b * N + i) * d, (b * N + i + 1) * d), 0]);
        expect(yTok).toEqual([0, 0, 0, y]);
      }
    }
    const again = sampleIclRegressionBatch({ dim: d, points: N }, 2, Rng.fromSeed(7));
    expect(Array.from(again.tokens)).toEqual(Array.from(batch.tokens));
  });

  it('statistics: E‖w‖² = 1, x ~ N(0, I), Var y = 1 + σ²', () => {
    const d = 8;
    const sigma = 0.5;
    const B = 4000;
    const batch = sampleIclRegressionBatch({ dim: d, points: 4, noiseStd: sigma }, B, Rng.fromSeed(21));
    let w2 = 0;
    for (const v of batch.ws) w2 += v * v;
    // ‖w‖² ~ χ²_8 / 8: mean 1, sd 0.5 per draw; standard error 0.5/√4000 ≈ 0.008, bound 5 SE.
    expect(Math.abs(w2 / B - 1)).toBeLessThan(0.04);
    let xm = 0;
    let x2 = 0;
    for (const v of batch.xs) {
      xm += v;
      x2 += v * v;
    }
    const nx = batch.xs.length; // 128000 draws: SE of the mean 0.003, of the second moment 0.004
    expect(Math.abs(xm / nx)).toBeLessThan(0.015);
    expect(Math.abs(x2 / nx - 1)).toBeLessThan(0.02);
    let y2 = 0;
    for (const v of batch.ys) y2 += v * v;
    // y = w·x + σε: variance 1 + σ² = 1.25; y² is heavy-ish tailed (kurtosis ≈ 3–4), SE ≈ 1.25·√3/√16000 ≈ 0.017; 5 SE.
    expect(Math.abs(y2 / batch.ys.length - (1 + sigma * sigma))).toBeLessThan(0.09);
  });

  it('ridgeWeights matches a direct Gaussian-elimination solve, primal (k ≥ d) and dual (k < d) forms', () => {
    const d = 5;
    const rng = Rng.fromSeed(33);
    const x = rng.fillNormal(new Float64Array(8 * d));
    const y = rng.fillNormal(new Float64Array(8));
    for (const [k, lambda] of [
      [8, 0],
      [5, 0],
      [8, 0.7],
      [3, 0.7],
      [1, 2],
    ] as const) {
      const w = ridgeWeights(x, y, k, d, lambda);
      const ref = primalRidge(x, y, k, d, lambda);
      // Both solve a well-conditioned system in float64: agreement to ~1e-12 relative, 1e-9 is generous.
      for (let j = 0; j < d; j++) expect(w[j]).toBeCloseTo(ref[j], 9);
    }
  });

  it('ridgeWeights with λ = 0 and k < d is the minimum-norm interpolant', () => {
    // One example x = (1, 2, 2): the min-norm solution of x·w = y is w = y·x/‖x‖².
    const w1 = ridgeWeights(Float64Array.from([1, 2, 2]), Float64Array.from([4.5]), 1, 3, 0);
    expect(Array.from(w1).map((v) => +v.toFixed(12))).toEqual([0.5, 1, 1]);
    // Random k = 3 < d = 6: interpolates, and lies in the row space (orthogonal to X's null space).
    const rng = Rng.fromSeed(2);
    const x = rng.fillNormal(new Float64Array(3 * 6));
    const y = rng.fillNormal(new Float64Array(3));
    const w = ridgeWeights(x, y, 3, 6, 0);
    for (let r = 0; r < 3; r++) {
      let pred = 0;
      for (let j = 0; j < 6; j++) pred += x[r * 6 + j] * w[j];
      expect(pred).toBeCloseTo(y[r], 10);
    }
    // The null-space part of a random v (v minus its min-norm projection onto the row space) is orthogonal to w:
    const v = rng.fillNormal(new Float64Array(6));
    const xv = Array.from({ length: 3 }, (_, r) => x.subarray(r * 6, r * 6 + 6).reduce((s, xi, j) => s + xi * v[j], 0));
    const alpha = ridgeWeights(x, Float64Array.from(xv), 3, 6, 0); // projection of v onto the row space
    const nullPart = v.map((vi, j) => vi - alpha[j]);
    const dot = nullPart.reduce((s, n, j) => s + n * w[j], 0);
    expect(Math.abs(dot)).toBeLessThan(1e-10);
  });

  it('the noiseless Bayes-optimal error after k examples is (d − k)/d, then 0 (Monte Carlo)', () => {
    const d = 5;
    const N = 8;
    const B = 2000;
    const batch = sampleIclRegressionBatch({ dim: d, points: N }, B, Rng.fromSeed(41));
    const pred = bayesOptimalIclPredictions(batch);
    for (let k = 0; k < N; k++) {
      let se = 0;
      for (let b = 0; b < B; b++) se += (pred[b * N + k] - batch.ys[b * N + k]) ** 2;
      const mse = se / B;
      if (k >= d) expect(mse).toBeLessThan(1e-12); // exact recovery up to rounding; at k = d the square X can be ill-conditioned (observed ~1e-19)
      // Per-sequence squared error has mean ≤ 1 and sd ≤ √2 (k = 0: y² with y ~ N(0, 1)); SE ≤ 0.032 at B = 2000, bound ≈ 4 SE.
      else expect(Math.abs(mse - noiselessIclError(d, k))).toBeLessThan(0.12);
    }
  });

  it('with noise, the posterior mean (ridge λ = σ²d) beats least squares at k = d', () => {
    const d = 4;
    const batch = sampleIclRegressionBatch({ dim: d, points: d + 1, noiseStd: 0.5 }, 1500, Rng.fromSeed(8));
    const bayes = bayesOptimalIclPredictions(batch);
    const ols = bayesOptimalIclPredictions({ ...batch, noiseStd: 0 }); // same data, λ = 0
    let seBayes = 0;
    let seOls = 0;
    const N = d + 1;
    for (let b = 0; b < 1500; b++) {
      seBayes += (bayes[b * N + d] - batch.ys[b * N + d]) ** 2;
      seOls += (ols[b * N + d] - batch.ys[b * N + d]) ** 2;
    }
    // At k = d least squares inverts a square Gaussian matrix (E tr((XᵀX)⁻¹) = ∞); the ridge error stays O(1).
    expect(seBayes / 1500).toBeLessThan(1.2);
    expect(seBayes).toBeLessThan(0.5 * seOls);
  });

  it('rejects bad parameters naming the field', () => {
    expect(() => sampleIclRegressionBatch({ dim: 0, points: 3 }, 1, Rng.fromSeed(0))).toThrow(/dim must be an integer >= 1, got 0/);
    expect(() => sampleIclRegressionBatch({ dim: 2, points: 3, noiseStd: -1 }, 1, Rng.fromSeed(0))).toThrow(/noiseStd must be a >= 0 number, got -1/);
    expect(() => ridgeWeights(new Float64Array(2), new Float64Array(1), 2, 2, 0)).toThrow(/x must hold k·d = 4 and y k = 2 values, got 2 and 1/);
  });
});

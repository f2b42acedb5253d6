/**
 * The scaling-law studies (catalog 18, 19, 20): oracle tests of their estimators and theory helpers, then each study's
 * quick profile end to end (expectHolds).
 */
import { describe, expect, it } from 'vitest';
import { cholesky, choleskySolve } from '../../src/core/linalg.ts';
import { Rng } from '../../src/core/random.ts';
import { makeGaussianRandomFeatures, populationLossOf, ridgePath, sampleGaussianRandomFeatures } from '../../src/data/gaussianRandomFeatures.ts';
import { drawItem, makeQuantaTask } from '../../src/data/quanta.ts';
import { kendallTauB } from '../../src/observe/rankCorrelation.ts';
import { bruteForceOptimum, chinchillaComputeOptimal } from '../../src/studies/chinchilla-compute-optimal.ts';
import { itemLosses, makeQuantaNet, quantaGradient, quantaLoss, trainLookupOnCounts } from '../../src/studies/quanta-scaling/lookupNet.ts';
import { randomFeatureScalingLaw } from '../../src/studies/random-feature-scaling-law.ts';
import { eigenlearning } from '../../src/theory/eigenlearning.ts';
import { randomFeatureTheory } from '../../src/theory/randomFeatures.ts';
import { fdOfArray } from '../core/finiteDifferences.ts';
import { editScalar, expectWrongTheoriesFail } from './falsifiability.ts';

const powerSpectrum = (d: number, alpha: number) => Array.from({ length: d }, (_, i) => (i + 1) ** -(1 + alpha));

describe('randomFeatureTheory (deterministic equivalent of linear random-feature ridge regression)', () => {
  const lam = powerSpectrum(400, 0.7);
  const t = lam.map((l, i) => l * (1 + 0.5 * Math.sin(i))); // a non-isotropic teacher

  it('reduces to eigenlearning (plain ridge) as N → ∞, with and without ridge', () => {
    for (const ridge of [0, 1e-3]) {
      const a = randomFeatureTheory({ eigenvalues: lam, targetPower: t, features: Number.POSITIVE_INFINITY, samples: 50, ridge, noise: 0.1 });
      // eigenlearning's ridge δ is on the unnormalized loss: δ = P·λ
      const b = eigenlearning({ eigenvalues: lam, targetCoefficients: t.map(Math.sqrt), n: 50, ridge: 50 * ridge, noise: 0.1 });
      // same equations, both roots found to ~1e-13 relative: 1e-9 leaves room for the different root finders
      expect(Math.abs(a.excessLoss / b.testMseClean - 1)).toBeLessThan(1e-9);
    }
  });

  it('gives (d − N)·t for an isotropic Σ with infinitely many samples (a random N-dim projection)', () => {
    const d = 300;
    const ones = new Array<number>(d).fill(1);
    for (const N of [10, 100, 250]) {
      const r = randomFeatureTheory({ eigenvalues: ones, targetPower: ones.map(() => 0.5), features: N, samples: Number.POSITIVE_INFINITY, ridge: 0 });
      // exact identity of the formulas; 1e-9 for the bisection on κ₁ (tolerance 1e-13 in ln κ)
      expect(r.excessLoss / (0.5 * (d - N)) - 1).toBeLessThan(1e-9);
      expect(r.excessLoss / (0.5 * (d - N)) - 1).toBeGreaterThan(-1e-9);
    }
  });

  it('has the interpolation peak at N = P without ridge', () => {
    expect(randomFeatureTheory({ eigenvalues: lam, targetPower: t, features: 40, samples: 40, ridge: 0 }).excessLoss).toBe(Number.POSITIVE_INFINITY);
  });

  it('matches a Monte-Carlo average of real ridgeless fits on a small case', () => {
    const d = 200;
    const lamS = powerSpectrum(d, 1);
    const rng = Rng.fromSeed(7, 'rf-mc');
    for (const [N, P] of [
      [20, 60],
      [60, 20],
    ]) {
      const draws = 200;
      const losses: number[] = [];
      for (let s = 0; s < draws; s++) {
        const r = rng.child(N, P, s);
        const w = Array.from({ length: d }, () => (r.uniform() < 0.5 ? -1 : 1));
        const F = r.child('F').fillNormal(new Float64Array(d * N));
        const Z = r.child('Z').fillNormal(new Float64Array(P * d));
        // Φ = XF/√N, X = Z diag(√λ); y = Xw
        const phi = new Float64Array(P * N);
        const y = new Float64Array(P);
        for (let mu = 0; mu < P; mu++) {
          for (let i = 0; i < d; i++) {
            const x = Z[mu * d + i] * Math.sqrt(lamS[i]);
            y[mu] += x * w[i];
            for (let a = 0; a < N; a++) phi[mu * N + a] += (x * F[i * N + a]) / Math.sqrt(N);
          }
        }
        let theta: Float64Array;
        if (P > N) {
          const G = new Float64Array(N * N);
          const b = new Float64Array(N);
          for (let mu = 0; mu < P; mu++)
            for (let a = 0; a < N; a++) {
              b[a] += phi[mu * N + a] * y[mu];
              for (let c = 0; c < N; c++) G[a * N + c] += phi[mu * N + a] * phi[mu * N + c];
            }
          theta = choleskySolve(cholesky({ rows: N, cols: N, data: G }), { rows: N, cols: 1, data: b }).data;
        } else {
          const K = new Float64Array(P * P);
          for (let mu = 0; mu < P; mu++) for (let nu = 0; nu < P; nu++) for (let a = 0; a < N; a++) K[mu * P + nu] += phi[mu * N + a] * phi[nu * N + a];
          const al = choleskySolve(cholesky({ rows: P, cols: P, data: K }), { rows: P, cols: 1, data: y }).data;
          theta = new Float64Array(N);
          for (let mu = 0; mu < P; mu++) for (let a = 0; a < N; a++) theta[a] += phi[mu * N + a] * al[mu];
        }
        let loss = 0;
        for (let i = 0; i < d; i++) {
          let u = 0;
          for (let a = 0; a < N; a++) u += F[i * N + a] * theta[a];
          loss += lamS[i] * (u / Math.sqrt(N) - w[i]) ** 2;
        }
        losses.push(loss);
      }
      const mean = losses.reduce((a, b) => a + b, 0) / draws;
      const se = Math.sqrt(losses.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws - 1) / draws);
      const theory = randomFeatureTheory({ eigenvalues: lamS, targetPower: lamS, features: N, samples: P, ridge: 0 }).excessLoss;
      // 3 standard errors of the Monte-Carlo mean plus 8% for the O(1/N) finite-size error of deterministic
      // equivalents at N or P = 20
      expect(Math.abs(mean - theory)).toBeLessThan(3 * se + 0.08 * theory);
    }
  });
});

describe('gaussianRandomFeatures (exact joint-Gaussian sampler of study 19)', () => {
  const pb = makeGaussianRandomFeatures(512, 1, 24, 0.1, Rng.fromSeed(3, 'grf'));

  it('ridgePath equals a direct solve of the normal equations in both the primal (D ≥ N) and dual (D < N) branches', () => {
    const { r, y } = sampleGaussianRandomFeatures(pb, 40, Rng.fromSeed(3, 'grf-data'));
    const M = pb.maxWidth;
    for (const [N, D] of [
      [16, 40],
      [24, 10],
    ]) {
      const ridges = [1e-3, 0.1];
      const path = ridgePath(pb, r, y, N, D, ridges);
      ridges.forEach((lam, q) => {
        const s = 1 / Math.sqrt(N);
        const A = new Float64Array(N * N);
        const b = new Float64Array(N);
        for (let mu = 0; mu < D; mu++)
          for (let a = 0; a < N; a++) {
            b[a] += (r[mu * M + a] * s * y[mu]) / D;
            for (let c = 0; c < N; c++) A[a * N + c] += (r[mu * M + a] * r[mu * M + c] * s * s) / D;
          }
        for (let a = 0; a < N; a++) A[a * N + a] += lam;
        const direct = choleskySolve(cholesky({ rows: N, cols: N, data: A }), { rows: N, cols: 1, data: b }).data;
        let err = 0;
        let norm = 0;
        for (let a = 0; a < N; a++) {
          err += (path[q][a] - direct[a]) ** 2;
          norm += direct[a] ** 2;
        }
        // two exact routes to the same solution (eigendecomposition vs Cholesky): float error only
        expect(Math.sqrt(err / norm)).toBeLessThan(1e-8);
      });
    }
  });

  it('populationLossOf equals the empirical squared error on many fresh samples', () => {
    const N = 12;
    const theta = Float64Array.from({ length: N }, (_, a) => Math.cos(a));
    const { r, y } = sampleGaussianRandomFeatures(pb, 20000, Rng.fromSeed(4, 'grf-test'));
    let sq = 0;
    for (let mu = 0; mu < 20000; mu++) {
      let f = 0;
      for (let a = 0; a < N; a++) f += (theta[a] * r[mu * pb.maxWidth + a]) / Math.sqrt(N);
      sq += (y[mu] - f) ** 2;
    }
    const empirical = sq / 20000;
    // the squared error of a Gaussian residual has relative SD √2 per sample: SE = √(2/20000) = 1%; 4% = 4 SE
    expect(Math.abs(empirical / populationLossOf(pb, N, theta) - 1)).toBeLessThan(0.04);
    // θ = 0 predicts nothing: the loss is the label variance wᵀΣw + σ² (exact)
    expect(populationLossOf(pb, N, new Float64Array(N))).toBeCloseTo(pb.targetVariance + 0.01, 12);
  });
});

describe('bruteForceOptimum (isoFLOP minimum, Hoffmann et al. Approach 2)', () => {
  it('recovers the vertex of a parabola in ln N exactly, and returns null for a minimum at an end', () => {
    const Ns = [8, 16, 32, 64, 128];
    const star = 37;
    const losses = Ns.map((N) => Math.exp(0.3 + 0.2 * (Math.log(N) - Math.log(star)) ** 2));
    // exact for a parabola through three points: float error only
    expect(Math.abs((bruteForceOptimum(Ns, losses) ?? 0) / star - 1)).toBeLessThan(1e-12);
    expect(bruteForceOptimum(Ns, [1, 2, 3, 4, 5])).toBeNull();
    expect(bruteForceOptimum(Ns, [5, 4, 3, 2, 1])).toBeNull();
  });
});

describe('quanta lookup network', () => {
  const task = makeQuantaTask(12, 1, 6, Rng.fromSeed(5, 'quanta'));

  it('a width-w net with one unit per quantum has loss Σ_{k ≥ w} p_k (the quanta capacity bound)', () => {
    const w = 4;
    const net = makeQuantaNet(task, w, 0.1, 0.1, Rng.fromSeed(5, 'net'), 0.01);
    net.E.fill(0);
    net.V.fill(0);
    for (let u = 0; u < w; u++) {
      net.E[u * w + u] = 1;
      for (let j = 0; j < task.m; j++) net.V[u * task.m + j] = task.y[u * task.m + j];
    }
    let tail = 0;
    for (let k = w; k < task.K; k++) tail += task.p[k];
    // exact construction (unit targets, zero output on unlearned items): float error only
    expect(quantaLoss(task, net)).toBeCloseTo(tail, 12);
    const l = itemLosses(task, net);
    expect(l[0]).toBeCloseTo(0, 12);
    expect(l[w]).toBeCloseTo(1, 12);
  });

  it('quantaGradient matches central finite differences (leaky branch included)', () => {
    const net = makeQuantaNet(task, 3, 0.5, 0.5, Rng.fromSeed(6, 'net'), 0.1);
    // put some pre-activations on the negative (leaky) side, away from the kink at 0
    net.E[0] = -0.4;
    net.E[4] = -0.3;
    const items = [0, 1, 3, 1];
    const weights = [0.5, 0.2, 0.2, 0.1];
    const gE = new Float64Array(net.E.length);
    const gV = new Float64Array(net.V.length);
    quantaGradient(task, net, items, weights, gE, gV);
    const lossAt = () => quantaGradient(task, net, items, weights, new Float64Array(net.E.length), new Float64Array(net.V.length));
    const h = 1e-6;
    for (const [arr, grad] of [
      [net.E, gE],
      [net.V, gV],
    ] as const) {
      const fd = fdOfArray(arr, lossAt, h, Math.min(arr.length, 18));
      // central differences: O(h²) ≈ 1e-12 truncation plus ~1e-10 rounding of the loss divided by h
      for (let i = 0; i < fd.length; i++) expect(Math.abs(fd[i] - grad[i])).toBeLessThan(1e-7);
    }
  });

  it('full-batch training on a sample memorizes exactly the items seen: loss = unseen mass (τ = 1)', () => {
    const big = makeQuantaTask(256, 1, 32, Rng.fromSeed(8, 'quanta'));
    const rng = Rng.fromSeed(8, 'sample');
    const counts = new Int32Array(big.K);
    for (let i = 0; i < 100; i++) counts[drawItem(big, rng.uniform())]++;
    let unseen = 0;
    for (let k = 0; k < big.K; k++) if (counts[k] === 0) unseen += big.p[k];
    const net = makeQuantaNet(big, 32, 1e-3, 0.05, Rng.fromSeed(8, 'net'), 0.01);
    const train = trainLookupOnCounts(big, net, counts, { steps: 300, lr: 0.02 });
    expect(train).toBeLessThan(1e-3);
    // seen items fitted to a training loss < 1e-3 and unseen outputs ≈ Vᵀ·(1e-3-sized codes): within 2%
    expect(Math.abs(quantaLoss(big, net) / unseen - 1)).toBeLessThan(0.02);
  });

  it('kendallTauB: perfect order 1, reversed −1, and a hand-computed case with ties', () => {
    expect(kendallTauB([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 15);
    expect(kendallTauB([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 15);
    // pairs of x = (1,2,3), y = (1,1,2): (1,2) tie in y, (1,3) and (2,3) concordant: τ_b = 2/√(3·2)
    expect(kendallTauB([1, 2, 3], [1, 1, 2])).toBeCloseTo(2 / Math.sqrt(6), 15);
  });
});

describe('scaling-law studies, quick profile', () => {
  it('random-feature-scaling-law: its controls are falsified, and so is a sign-flipped or doubled exponent', { timeout: 90_000 }, async () => {
    await expectWrongTheoriesFail(randomFeatureScalingLaw, {
      'exponent in N with its sign flipped': editScalar('finite-d exponent in N (α=1)', (v) => -v),
      'exponent in P doubled': editScalar('finite-d exponent in P (α=1)', (v) => 2 * v),
      'level 30% high': editScalar('deterministic-equivalent level (×)', (v) => 1.3 * v),
    });
  });

  it('chinchilla-compute-optimal: Kaplan’s and the data-heavy allocation are falsified, and so is a moved by 0.25', { timeout: 90_000 }, async () => {
    await expectWrongTheoriesFail(chinchillaComputeOptimal, { 'a moved by +0.25': editScalar('a (N_opt ∝ C^a)', (v) => v + 0.25) });
  });
});

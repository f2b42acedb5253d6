import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { effectiveRegularization, eigenlearning } from '../../src/theory/eigenlearning.ts';
import { meanAndStderr, solveSpd } from './helpers.ts';

const M = 200;
/** Power-law spectrum and target (source/capacity style): λᵢ = i^{−1.5}, vᵢ = i^{−0.75}. */
const LAMBDA = Array.from({ length: M }, (_, i) => (i + 1) ** -1.5);
const V = Array.from({ length: M }, (_, i) => (i + 1) ** -0.75);

function residual(eigs: number[], n: number, ridge: number, kappa: number): number {
  return eigs.reduce((s, l) => s + l / (l + kappa), 0) + ridge / kappa - n;
}

describe('effective regularization κ', () => {
  it('solves Σλ/(λ+κ) + δ/κ = n to ~1e-12 relative over wide ranges of n, δ and spectra', () => {
    // Newton in log κ converges to the last ulp; the residual sums ~1000 terms of size ≤ 1: ~1e-13·n.
    const spectra = [LAMBDA, Array.from({ length: 1000 }, (_, i) => (i + 1) ** -3), Array.from({ length: 50 }, () => 1)];
    for (const eigs of spectra)
      for (const n of [1, 7, 40, eigs.length - 1])
        for (const ridge of [0, 1e-8, 1e-3, 10]) {
          const kappa = effectiveRegularization(eigs, n, ridge);
          expect(kappa).toBeGreaterThan(0);
          expect(Math.abs(residual(eigs, n, ridge, kappa))).toBeLessThan(1e-12 * n);
        }
  });

  it('conservation law Σᵢ Lᵢ = n − δ/κ', () => {
    // Same residual, rearranged: float error.
    for (const ridge of [0, 0.01, 1]) {
      const out = eigenlearning({ eigenvalues: LAMBDA, targetCoefficients: V, n: 30, ridge, noise: 0 });
      expect(Math.abs(out.learnabilitySum - (30 - ridge / out.kappa))).toBeLessThan(1e-11);
    }
  });

  it('δ = 0 with no more positive eigenvalues than samples: κ = 0, every mode learned, E₀ = n/(n − M)', () => {
    // Exact arithmetic: n/(n − M) = 10/7 for M = 3, n = 10.
    const out = eigenlearning({ eigenvalues: [1, 0.5, 0.1, 0], targetCoefficients: [1, 1, 1, 1], n: 10, ridge: 0, noise: 0.2 });
    expect(out.kappa).toBe(0);
    expect(out.learnabilities).toEqual([1, 1, 1, 0]);
    expect(out.overfittingCoefficient).toBeCloseTo(10 / 7, 14);
    // The unlearnable mode (λ = 0) contributes its full power: test = E₀(1 + ε²).
    expect(out.testMse).toBeCloseTo((10 / 7) * 1.2, 14);
  });
});

describe('eigenlearning limits', () => {
  it('δ → ∞: nothing is learned, test MSE → Σv² + ε², train MSE → test MSE', () => {
    // At δ = 1e9, κ ≈ δ/n and Lᵢ ≈ λᵢn/δ ≤ 1e-7: relative corrections O(1e-7).
    const out = eigenlearning({ eigenvalues: LAMBDA, targetCoefficients: V, n: 20, ridge: 1e9, noise: 0.1 });
    const power = V.reduce((s, v) => s + v * v, 0);
    expect(Math.abs(out.testMse - (power + 0.1)) / (power + 0.1)).toBeLessThan(1e-6);
    expect(Math.abs(out.trainMse - out.testMse) / out.testMse).toBeLessThan(1e-6);
    expect(out.kappa * 20).toBeCloseTo(1e9, -3);
  });

  it('n → ∞ at fixed δ: every mode is learned, test MSE → ε²', () => {
    // n = 1e10, δ = 1: κ ≈ δ/n = 1e-10, so 1 − Lᵢ ≲ 1e-10/λ_min ≈ 3e-7 and E₀ − 1 = O(M/n): 1e-6 relative.
    const out = eigenlearning({ eigenvalues: LAMBDA, targetCoefficients: V, n: 1e10, ridge: 1, noise: 0.1 });
    expect(Math.abs(out.testMse - 0.1) / 0.1).toBeLessThan(1e-6);
    // Test MSE decreases with n at fixed ridge.
    let last = Number.POSITIVE_INFINITY;
    for (const n of [1, 4, 16, 64, 256]) {
      const e = eigenlearning({ eigenvalues: LAMBDA, targetCoefficients: V, n, ridge: 0.01, noise: 0 }).testMse;
      expect(e).toBeLessThan(last);
      last = e;
    }
  });
});

describe('eigenlearning vs dense kernel ridge regression on Gaussian features', () => {
  it('predicts the average test and train MSE at n = 10 and 40', () => {
    // Data: x ∈ ℝ^M with i.i.d. N(0, 1) coordinates, kernel K(x, x′) = Σ λᵢ xᵢ x′ᵢ (eigenfunctions xᵢ,
    // orthonormal under the data measure), target Σ vᵢ xᵢ + noise of variance ε². The clean test error of
    // f̂ = Σ ŵᵢ xᵢ is exactly Σ(ŵᵢ − vᵢ)², so no test set is sampled. Tolerances: 4 standard errors of the
    // 200-draw mean, plus the finite-n error of the theory (an asymptotic equivalence, O(1/n)): measured
    // deviations ≤ 1.5% at n ≥ 10 (4.3% at n = 5, not tested), so 3% for the test MSE; the train MSE's
    // finite-n error is larger (measured 7% at n = 10), so 10%.
    const eps2 = 0.05;
    for (const n of [10, 40]) {
      for (const ridge of [0, 0.1]) {
        const rng = Rng.fromSeed(1, 'eigenlearning', n, ridge);
        const tests: number[] = [];
        const trains: number[] = [];
        for (let draw = 0; draw < 200; draw++) {
          const r = rng.child(draw);
          const X = r.fillNormal(new Float64Array(n * M));
          const y = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            let s = 0;
            for (let k = 0; k < M; k++) s += X[i * M + k] * V[k];
            y[i] = s + Math.sqrt(eps2) * r.normal();
          }
          const K = new Float64Array(n * n);
          for (let i = 0; i < n; i++)
            for (let j = 0; j <= i; j++) {
              let s = 0;
              for (let k = 0; k < M; k++) s += X[i * M + k] * LAMBDA[k] * X[j * M + k];
              K[i * n + j] = K[j * n + i] = s;
            }
          const A = Float64Array.from(K);
          for (let i = 0; i < n; i++) A[i * n + i] += ridge;
          const alpha = solveSpd(A, y, n);
          let err = 0;
          for (let k = 0; k < M; k++) {
            let w = 0;
            for (let i = 0; i < n; i++) w += LAMBDA[k] * X[i * M + k] * alpha[i];
            err += (w - V[k]) ** 2;
          }
          tests.push(err + eps2);
          let tr = 0;
          for (let i = 0; i < n; i++) {
            let f = 0;
            for (let j = 0; j < n; j++) f += K[i * n + j] * alpha[j];
            tr += (f - y[i]) ** 2;
          }
          trains.push(tr / n);
        }
        const theory = eigenlearning({ eigenvalues: LAMBDA, targetCoefficients: V, n, ridge, noise: eps2 });
        const t = meanAndStderr(tests);
        expect(Math.abs(t.mean - theory.testMse)).toBeLessThan(4 * t.stderr + 0.03 * theory.testMse);
        const tr = meanAndStderr(trains);
        if (ridge === 0) expect(tr.mean).toBeLessThan(1e-10); // interpolation (float error of the solve)
        else expect(Math.abs(tr.mean - theory.trainMse)).toBeLessThan(4 * tr.stderr + 0.1 * theory.trainMse);
      }
    }
  });
});

describe('eigenlearning input checks', () => {
  it('names the field', () => {
    expect(() => eigenlearning({ eigenvalues: [1, -1], targetCoefficients: [1, 1], n: 1, ridge: 0, noise: 0 })).toThrow(/eigenvalues\[1\]/);
    expect(() => eigenlearning({ eigenvalues: [1, 1], targetCoefficients: [1], n: 1, ridge: 0, noise: 0 })).toThrow(/targetCoefficients: expected 2/);
    expect(() => eigenlearning({ eigenvalues: [1], targetCoefficients: [1], n: 0, ridge: 0, noise: 0 })).toThrow(/^n: /);
  });
});

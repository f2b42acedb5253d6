import { describe, expect, it } from 'vitest';
import { fromRows, type Mat, mat } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';
import { fitPowerLawLogLog } from '../../src/observe/powerLaw.ts';
import {
  analyzeWeightSpectrum,
  covarianceSpectrum,
  fitMarchenkoPastur,
  marchenkoPasturCdf,
  marchenkoPasturDensity,
  marchenkoPasturEdges,
  weightSpectrum,
} from '../../src/observe/spectra.ts';
import { gaussianMat, orthonormalColumns, withSingularValues } from './fixtures.ts';

/**
 * ∫_a^b f(λ) dλ (0 ≤ a < b) by the midpoint rule in u = √λ (dλ = 2u du), which removes the 1/√λ singularity of the
 * Q = 1 MP density at 0; the remaining √ edge singularities leave an O(h^1.5) error.
 */
function integrate(f: (x: number) => number, a: number, b: number, n: number): number {
  const ua = Math.sqrt(a);
  const h = (Math.sqrt(b) - ua) / n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const u = ua + (i + 0.5) * h;
    s += f(u * u) * 2 * u;
  }
  return s * h;
}

/** σG (N×M) plus rank-one spikes √(N·s_k²)·u_k v_kᵀ with orthonormal u, v: X = WᵀW/N has signal eigenvalues s_k². */
function spiked(N: number, M: number, sigma: number, strengths: number[], rng: Rng): Mat {
  const w = gaussianMat(N, M, rng.child('g'), sigma);
  const k = strengths.length;
  const u = orthonormalColumns(N, k, rng.child('u'));
  const v = orthonormalColumns(M, k, rng.child('v'));
  for (let i = 0; i < N; i++)
    for (let j = 0; j < M; j++) for (let t = 0; t < k; t++) w.data[i * M + j] += Math.sqrt(N * strengths[t]) * u.data[i * k + t] * v.data[j * k + t];
  return w;
}

describe('weight spectrum (ESD)', () => {
  it('is σ_i²/N with N the larger dimension, in either orientation', () => {
    const w = withSingularValues(30, 12, [6, 3, 1], Rng.fromSeed(60, 'esd'));
    const sp = weightSpectrum(w);
    expect(sp.n).toBe(30);
    expect(sp.m).toBe(12);
    expect(sp.q).toBe(2.5);
    expect(sp.eigenvalues.length).toBe(12);
    // Jacobi eigenvalues of WᵀW: absolute error ~1e-15·36.
    expect(sp.eigenvalues[0]).toBeCloseTo(36 / 30, 12);
    expect(sp.eigenvalues[1]).toBeCloseTo(9 / 30, 12);
    expect(sp.eigenvalues[3]).toBeCloseTo(0, 12);
    const wt = mat(12, 30);
    for (let i = 0; i < 30; i++) for (let j = 0; j < 12; j++) wt.data[j * 30 + i] = w.data[i * 12 + j];
    expect(weightSpectrum(wt).eigenvalues[1]).toBeCloseTo(9 / 30, 12);
  });
});

describe('Marchenko–Pastur law', () => {
  it('density integrates to 1 with mean σ², and the CDF matches its integral', () => {
    for (const q of [1, 2.5, 4]) {
      const sigma2 = 0.7;
      const { lambdaMinus: a, lambdaPlus: b } = marchenkoPasturEdges(sigma2, q);
      const rho = (x: number) => marchenkoPasturDensity(x, sigma2, q);
      // Midpoint rule on 2e5 cells: the √ edge singularities leave ~h^1.5 ≈ 1e-8 (measured ≤ 5e-9).
      expect(integrate(rho, a, b, 200_000)).toBeCloseTo(1, 6);
      expect(integrate((x) => x * rho(x), a, b, 200_000)).toBeCloseTo(sigma2, 6);
      for (const t of [0.2, 0.5, 0.8]) {
        const x = a + t * (b - a);
        // The CDF interpolates linearly in θ between 2048 exact nodes: error ≈ h²F''/8 ≈ 3e-7 (measured ≤ 2.1e-7).
        expect(marchenkoPasturCdf(x, sigma2, q)).toBeCloseTo(integrate(rho, a, x, 200_000), 6);
      }
      expect(marchenkoPasturCdf(b, sigma2, q)).toBe(1);
      expect(marchenkoPasturCdf(a * 0.99, sigma2, q)).toBe(0);
    }
  });

  it('fit recovers σ² of a pure Gaussian matrix and finds no spikes', () => {
    const N = 400;
    const M = 100;
    const sigma = 0.7;
    for (const seed of [1, 2, 3]) {
      const sp = weightSpectrum(gaussianMat(N, M, Rng.fromSeed(61, seed), sigma));
      for (const method of ['moments', 'ks'] as const) {
        const f = fitMarchenkoPastur(sp.eigenvalues, sp.q, { method });
        // Moments: the trace estimator has relative sd √(2/(NM)) ≈ 0.7%; the KS fit measured ≤ 1% off over 5 seeds.
        // 3% covers both with margin (finite-M corrections to the MP law are O(1/M) too).
        expect(Math.abs(f.sigma2 / (sigma * sigma) - 1)).toBeLessThan(0.03);
        expect(f.numSpikes).toBe(0);
        // Finite-M bulk against the asymptotic law: KS ≈ 0.02 measured; 1.63/√M = 0.16 is the 99% KS band for i.i.d.
        // samples (eigenvalues are far more regular than i.i.d., so this is loose).
        expect(f.bulkKsDistance).toBeLessThan(0.16);
        expect(f.lambdaPlus).toBeCloseTo(f.sigma2 * 2.25, 12); // (1 + 1/√4)² exactly
      }
    }
  });

  it('fit counts planted spikes, keeps σ², and the spikes sit where BBP predicts', () => {
    const N = 400;
    const M = 100;
    const sigma = 0.7;
    const s2 = 0.49;
    const strengths = [16, 8, 4].map((r) => r * s2); // far above the BBP threshold √(M/N)·σ² = 0.5σ²
    for (const seed of [1, 2]) {
      const sp = weightSpectrum(spiked(N, M, sigma, strengths, Rng.fromSeed(62, seed)));
      for (const method of ['moments', 'ks'] as const) {
        const f = fitMarchenkoPastur(sp.eigenvalues, sp.q, { method });
        expect(f.numSpikes).toBe(3);
        expect(f.numOutliers).toBeGreaterThanOrEqual(3);
        // Same finite-sample argument as the pure case; the spike correction leaves ≲ 1% bias (measured).
        expect(Math.abs(f.sigma2 / s2 - 1)).toBeLessThan(0.03);
      }
      // Outlier location x = s² + σ²(1 + y) + yσ⁴/s², y = M/N (Benaych-Georges & Nadakuditi 2012). Finite N: spike
      // eigenvalues fluctuate by O(s²/√N) ≈ 5–8% here (measured deviations ≤ 6%); allow 12%.
      const y = M / N;
      strengths.forEach((st, i) => {
        const pred = st + s2 * (1 + y) + (y * s2 * s2) / st;
        expect(Math.abs(sp.eigenvalues[i] / pred - 1)).toBeLessThan(0.12);
      });
    }
  });

  it('rejects bad input, naming the field', () => {
    expect(() => fitMarchenkoPastur([1, 2, 3], 0.5)).toThrow(/q: expected the aspect ratio/);
    expect(() => fitMarchenkoPastur([1, Number.NaN], 2)).toThrow(/eigenvalues: entry 1/);
    expect(() => fitMarchenkoPastur([0, 0, 0], 2)).toThrow(/all are zero/);
  });
});

describe('analyzeWeightSpectrum', () => {
  it('recovers the tail exponent of a matrix whose ESD is Pareto, and reports ranks', () => {
    // Eigenvalues λ_i = σ_i²/N drawn from a Pareto law with α = 3 (x_min = 1): W = U diag(√(Nλ)) Vᵀ.
    const N = 200;
    const M = 150;
    const rng = Rng.fromSeed(63, 'heavy');
    const lam = Array.from({ length: M }, () => (1 - rng.uniform()) ** (-1 / 2));
    const w = withSingularValues(
      N,
      M,
      lam.map((l) => Math.sqrt(N * l)),
      rng.child('uv'),
    );
    const a = analyzeWeightSpectrum(w, { powerLaw: { minTail: 20 } });
    expect(a.powerLaw).not.toBeNull();
    const pl = a.powerLaw!;
    // MLE asymptotic normality: 3 standard errors.
    expect(Math.abs(pl.alpha - 3)).toBeLessThan(3 * pl.stdErr);
    const sorted = [...lam].sort((x, y) => y - x);
    expect(a.spectrum.eigenvalues[0]).toBeCloseTo(sorted[0], 8); // eigensolver rounding relative to λ_max
    expect(a.ranks.stableRank).toBeCloseTo(lam.reduce((s, v) => s + v, 0) / sorted[0], 8);
    expect(a.marchenkoPastur.numOutliers).toBeGreaterThan(0); // a heavy tail is not an MP bulk
  });
});

describe('covarianceSpectrum', () => {
  it('matches a hand-computed covariance', () => {
    // Points (±1, 0), (0, ±2): column means 0, covariance diag(2/3, 8/3) with ddof = 1.
    const x = fromRows([
      [1, 0],
      [-1, 0],
      [0, 2],
      [0, -2],
    ]);
    const ev = covarianceSpectrum(x);
    expect(ev[0]).toBeCloseTo(8 / 3, 14); // float rounding only
    expect(ev[1]).toBeCloseTo(2 / 3, 14);
    expect(covarianceSpectrum(x, { ddof: 0 })[0]).toBeCloseTo(2, 14);
  });

  it('pads with exact zeros when d > n and agrees with the d×d route', () => {
    const rng = Rng.fromSeed(64, 'wide');
    const x = gaussianMat(5, 9, rng);
    const ev = covarianceSpectrum(x);
    expect(ev.length).toBe(9);
    // Centering leaves rank n − 1 = 4.
    expect(ev[3]).toBeGreaterThan(0.01);
    expect(ev[4]).toBeLessThan(1e-12);
    expect(ev[8]).toBe(0);
    // Trace = total variance (float rounding).
    let tv = 0;
    for (let j = 0; j < 9; j++) {
      let m = 0;
      for (let i = 0; i < 5; i++) m += x.data[i * 9 + j] / 5;
      for (let i = 0; i < 5; i++) tv += (x.data[i * 9 + j] - m) ** 2 / 4;
    }
    expect(ev.reduce((s, v) => s + v, 0)).toBeCloseTo(tv, 12);
  });

  it('recovers a planted power-law covariance spectrum λ_i ∝ i^{−1.5}', () => {
    const d = 50;
    const n = 4000;
    const rng = Rng.fromSeed(65, 'cov');
    const x = mat(n, d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x.data[i * d + j] = rng.normal() * (j + 1) ** -0.75;
    const ev = covarianceSpectrum(x);
    const f = fitPowerLawLogLog(
      Array.from({ length: d }, (_, i) => i + 1),
      ev,
      { range: [1, 30] },
    );
    // Each sample eigenvalue has relative sd ≈ √(2/n) ≈ 2%, and MP spreading at d/n = 1.25% is of the same order:
    // the fitted slope is within ~0.01 (measured 0.0003); allow 0.05.
    expect(Math.abs(f.exponent - 1.5)).toBeLessThan(0.05);
    expect(f.r2).toBeGreaterThan(0.99);
    expect(f.decades).toBeGreaterThan(1.4);
  });
});

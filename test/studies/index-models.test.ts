/**
 * Catalog studies 7 (single-index-feature-learning) and 33 (hermite-learning-order): their quick profiles hold, and
 * the estimators behind them agree with exact results on small cases.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { normalPdf } from '../../src/core/special.ts';
import { firstCrossing, mean, median, sampleChiSquared } from '../../src/core/stats.ts';
import { hermiteNormalized } from '../../src/data/hermite.ts';
import { BiasedReluNet } from '../../src/nn/biasedReluNet.ts';
import { kendallTauB } from '../../src/observe/rankCorrelation.ts';
import { hermiteProjection } from '../../src/studies/hermite-learning-order/hermiteProjection.ts';
import { hermiteLearningOrder } from '../../src/studies/hermite-learning-order/index.ts';
import { overlapChainEscape, sphericalOnlineSgd } from '../../src/studies/single-index-feature-learning/escapeSgd.ts';
import { singleIndexFeatureLearning } from '../../src/studies/single-index-feature-learning/index.ts';
import { logMedianStandardError, logSlopeStandardError } from '../../src/studies/single-index-feature-learning/slopeError.ts';
import { reluPairMoments } from '../../src/theory/activations.ts';
import { ridgeByValidation } from '../../src/theory/fit/ridge.ts';
import {
  arcCosineTaylor,
  lazyHalfTime,
  reluHermiteCoefficient,
  reluNtk,
  reluNtkLevelCoefficients,
  stepHermiteCoefficient,
} from '../../src/theory/hermiteEigenstructure.ts';
import { escapeNoiseMoments, escapeOdePath, escapeOdeTime, escapeStepSize, sphereOverlapQuantile } from '../../src/theory/singleIndexEscape.ts';
import { expectFalsifiable, withScalars } from './falsifiability.ts';

/** ∫_{lo}^{hi} f by composite Simpson with n (even) panels. */
function simpson(f: (x: number) => number, lo: number, hi: number, n = 20000): number {
  const h = (hi - lo) / n;
  let s = f(lo) + f(hi);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(lo + i * h);
  return (s * h) / 3;
}

describe('single-index escape machinery (study 7)', () => {
  it('noise moments at k = 1 match the closed form A = 1, B = 3 − 2m²', () => {
    // y = z*, h₁′ = 1: A = E[z*²] = 1, B = E[(mz + sξ)²ξ²] = m² + 3(1 − m²); Gauss–Hermite is exact for polynomials (float error only)
    for (const m of [0, 0.3, 0.9]) {
      const { a, b } = escapeNoiseMoments(1, m);
      expect(a).toBeCloseTo(1, 12);
      expect(b).toBeCloseTo(3 - 2 * m * m, 12);
    }
    // at m = 0, y = h_k(ξ) is independent of z: A = E[h_k²]·E[h_k′²] = k and, with ξh_k = √(k+1)h_{k+1} + √k h_{k−1},
    // B = E[h_k(ξ)²ξ²]·E[h_k′(z)²] = (2k + 1)·k
    for (const k of [2, 3]) {
      const { a, b } = escapeNoiseMoments(k, 0);
      expect(a).toBeCloseTo(k, 10);
      expect(b).toBeCloseTo(k * (2 * k + 1), 10);
    }
  });

  it('the ODE escape time tends to artanh(m)/η for k = 1 as η → 0', () => {
    // the η² term is a relative correction of order η·d = 1e-5 here; the midpoint rule on 4000 nodes adds < 1e-6
    const eta = 1e-7;
    const t = escapeOdeTime({ dim: 100, degree: 1, eta, m0: 0.1, threshold: 0.5, nodes: 4000 });
    const exact = (Math.atanh(0.5) - Math.atanh(0.1)) / eta;
    expect(Math.abs(t / exact - 1)).toBeLessThan(1e-4);
    // a step too large for the overlap to grow: F < 0 at the start
    expect(escapeOdeTime({ dim: 16, degree: 3, eta: 0.5 * 16 ** -1.5, m0: 0.25, threshold: 0.5 })).toBe(Number.POSITIVE_INFINITY);
  });

  it('the RK4 path of the effective ODE reaches the threshold at the quadrature escape time', () => {
    // two independent integrators of dm/dt = F(m): RK4 in t (error O(h⁴)) and the midpoint rule in ln m (O(1/n²))
    for (const k of [1, 2, 3]) {
      const o = { dim: 64, degree: k, eta: escapeStepSize(64, k, 0.5), m0: 1 / 8 };
      const T = escapeOdeTime({ ...o, threshold: 0.5, nodes: 4000 });
      const [m] = escapeOdePath(o, [T], 400);
      expect(m).toBeCloseTo(0.5, 4);
    }
  });

  it('the overlap chain has the law of full d-dimensional spherical SGD', () => {
    const o = { dim: 16, degree: 2, eta: 0.5 / 16, m0: 0.25, threshold: 0.6, maxSteps: 20000 };
    const full = Array.from({ length: 400 }, (_, s) => sphericalOnlineSgd(o, Rng.fromSeed(1, 'full', s)).hitTime);
    const chain = Array.from({ length: 400 }, (_, s) => overlapChainEscape(o, Rng.fromSeed(1, 'chain', s)).hitTime);
    expect(full.every(Number.isFinite) && chain.every(Number.isFinite)).toBe(true);
    // two medians of 400 draws, IQR/median ≈ 0.85 (measured): s.e. of the log-ratio ≈ 0.06, so 0.3 ≈ 5 s.e.
    expect(Math.abs(Math.log(median(full) / median(chain)))).toBeLessThan(0.3);
    // means of 400 draws with coefficient of variation ≈ 0.65 (measured): s.e. of the log-ratio ≈ 0.05, so 0.25 ≈ 5 s.e.
    expect(Math.abs(Math.log(mean(full) / mean(chain)))).toBeLessThan(0.25);
  });

  it('the order-statistic standard error of ln(median) matches σ√(π/2)/√n on lognormal draws', () => {
    // ln T ~ N(0, σ²): the sample median of n draws has asymptotic standard error σ√(π/2)/√n (1/(2f(0)√n))
    const sigma = 0.8;
    const n = 401;
    const R = 300;
    const theory = (sigma * Math.sqrt(Math.PI / 2)) / Math.sqrt(n);
    const rng = Rng.fromSeed(5, 'lognormal-median');
    const est: number[] = [];
    const lnMed: number[] = [];
    for (let r = 0; r < R; r++) {
      const draws = Array.from({ length: n }, () => Math.exp(sigma * rng.normal()));
      est.push(logMedianStandardError(draws));
      lnMed.push(Math.log(median(draws)));
    }
    const sd = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + (x - mean(v)) ** 2, 0) / (v.length - 1));
    // the replicate spread of ln(median) is the quantity estimated: its sample sd has relative s.e. 1/√(2(R−1)) ≈ 4%; 4 s.e.
    expect(Math.abs(sd(lnMed) / theory - 1)).toBeLessThan(4 / Math.sqrt(2 * (R - 1)));
    // the mean estimate: 4 s.e. of a mean over R replicates, plus the rank rounding of the interval (≤ 1 rank in z√n)
    const tol = (4 * sd(est)) / Math.sqrt(R) / theory + 1 / (1.96 * Math.sqrt(n));
    expect(Math.abs(mean(est) / theory - 1)).toBeLessThan(tol);
  });

  it('the ln(median) standard error handles censored runs and rejects bad draws', () => {
    const base = Array.from({ length: 100 }, (_, i) => i + 1);
    const censoredTop = [...base.slice(0, 90), ...Array(10).fill(Number.POSITIVE_INFINITY)];
    // censored runs sort last and leave the ranks around the median unchanged while they are few
    expect(logMedianStandardError(censoredTop)).toBe(logMedianStandardError(base));
    const half = [...base.slice(0, 50), ...Array(50).fill(Number.POSITIVE_INFINITY)];
    expect(logMedianStandardError(half)).toBe(Number.POSITIVE_INFINITY);
    expect(() => logMedianStandardError([1, 2, -3])).toThrow(/values\[2\] = -3/);
    expect(() => logMedianStandardError([1, 2])).toThrow(/at least 3/);
    // ties: every draw 20 steps, so the interval is empty and only the rounding to whole steps is left, 1/(√12·20)
    expect(logMedianStandardError(Array(50).fill(20), 1)).toBeCloseTo(1 / (Math.sqrt(12) * 20), 12);
  });

  it('the slope standard error is Σ wᵢ² seᵢ² of the least-squares weights', () => {
    // xs = 1, 2, 4: u − ū = −ln 2, 0, ln 2 and Σ(u − ū)² = 2 ln² 2, so w = ∓1/(2 ln 2), 0 and the middle point drops out
    const [a, b, c] = [0.03, 0.5, 0.04];
    expect(logSlopeStandardError([1, 2, 4], [a, b, c])).toBeCloseTo(Math.hypot(a, c) / (2 * Math.LN2), 12);
    expect(() => logSlopeStandardError([1, 2], [0.1])).toThrow(/same length/);
    expect(() => logSlopeStandardError([3, 3], [0.1, 0.1])).toThrow(/not all be equal/);
  });

  it('chi-squared draws have mean ν and variance 2ν', () => {
    const rng = Rng.fromSeed(3);
    const nu = 30;
    const n = 20000;
    const xs = Array.from({ length: n }, () => sampleChiSquared(nu, rng));
    const m = mean(xs);
    const variance = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1);
    // s.e. of the mean √(2ν/n) ≈ 0.055; of the sample variance √((μ₄ − σ⁴)/n) = √((12ν(ν+4) − 4ν²)/n) ≈ 0.66: ≥ 4.5 s.e.
    expect(Math.abs(m - nu)).toBeLessThan(0.25);
    expect(Math.abs(variance - 2 * nu)).toBeLessThan(3);
  });

  it('the sphere-overlap quantile is exact at d = 3 and Gaussian at large d', () => {
    // d = 3: t = ŵ·w* is uniform on [−1, 1] (Archimedes), so |t| is uniform on [0, 1]; Simpson + interpolation ~1e-7
    for (const p of [0.25, 0.5, 0.95]) expect(sphereOverlapQuantile(3, p)).toBeCloseTo(p, 6);
    // d = 2000: √d·t ≈ N(0, 1) up to O(1/d); the 95th percentile of |N(0, 1)| is 1.95996
    expect(Math.sqrt(2000) * sphereOverlapQuantile(2000, 0.95)).toBeCloseTo(1.96, 2);
  });

  it('ridge by validation recovers a noiseless linear readout; the symmetric network starts at f ≡ 0', () => {
    const rng = Rng.fromSeed(4);
    const p = 6;
    const coef = Float64Array.from({ length: p }, () => rng.normal());
    const make = (n: number) => {
      const H = { rows: n, cols: p, data: rng.fillNormal(new Float64Array(n * p)) };
      const y = Float64Array.from({ length: n }, (_, r) => H.data.subarray(r * p, (r + 1) * p).reduce((s, v, i) => s + v * coef[i], 0));
      return { H, y };
    };
    const tr = make(50);
    const va = make(20);
    const fit = ridgeByValidation(tr.H, tr.y, va.H, va.y, [1e-10, 1e-2, 1]);
    expect(fit.ridge).toBe(1e-10);
    // a well-conditioned 50×6 system: the 1e-10 ridge biases the solution by ~1e-10 relative
    for (let i = 0; i < p; i++) expect(fit.coef[i]).toBeCloseTo(coef[i], 6);
    const net = new BiasedReluNet({ inputDim: 5, width: 8, outputScale: 1 / 8, weightStd: 1, biasStd: 1, readoutStd: 1, symmetric: true }, rng);
    const f = net.predict({ rows: 3, cols: 5, data: rng.fillNormal(new Float64Array(15)) });
    for (const v of f) expect(v).toBe(0);
  });

  it('study 7 quick profile holds; the neighbouring exponents are falsified', { timeout: 90_000 }, async () => {
    // wrong theory: the exponents of k* = 1 and k* = 3 swapped
    await expectFalsifiable(singleIndexFeatureLearning, [
      { name: 'k*=1 ↔ k*=3', edit: (pred) => withScalars(pred, { 'asymptotic exponent k*=1': 2, 'asymptotic exponent k*=3': 1 }) },
    ]);
  });
});

describe('Hermite eigenstructure machinery (study 33)', () => {
  it('Hermite coefficients of a biased ReLU and step match direct integration', () => {
    // the integrands are smooth on [g₀, 12] after splitting at the kink; Simpson with 20000 panels: error < 1e-10
    for (const [b, s] of [
      [0.3, 1.2],
      [-0.7, 0.8],
    ]) {
      const g0 = -b / s;
      for (let k = 0; k <= 4; k++) {
        const relu = simpson((g) => (s * g + b) * hermiteNormalized(k, g) * normalPdf(g), g0, 12);
        const step = simpson((g) => hermiteNormalized(k, g) * normalPdf(g), g0, 12);
        expect(reluHermiteCoefficient(k, b, s)).toBeCloseTo(relu, 8);
        expect(stepHermiteCoefficient(k, b, s)).toBeCloseTo(step, 8);
      }
    }
  });

  it('arc-cosine Taylor coefficients match the closed-form derivatives', () => {
    const rho = 0.4;
    const T = arcCosineTaylor(rho, 3);
    // J₁(ρ), J₀(ρ) of unit-variance Gaussians are the relu pair moments at q₁ = q₂ = 1, c = ρ
    const J = reluPairMoments(1, rho, 1);
    // Mehler series summed to 1e-17: agreement to float error
    expect(T.relu[0]).toBeCloseTo(J.phiPhi, 12);
    expect(T.step[0]).toBeCloseTo(J.dphiDphi, 12);
    expect(T.relu[1]).toBeCloseTo(J.dphiDphi, 12); // J₁′ = J₀
    const s = 1 - rho * rho;
    expect(T.step[1]).toBeCloseTo(1 / (2 * Math.PI * Math.sqrt(s)), 12); // J₀′ = 1/(2π√(1−ρ²))
    expect(T.step[2]).toBeCloseTo(rho / (4 * Math.PI * s ** 1.5), 12); // J₀″/2
  });

  it('HEA level coefficients are the Taylor coefficients of the NTK in x·x′ at fixed norm', () => {
    const spec = { inputDim: 8, weightStd: 1.1, biasStd: 0.9, readoutStd: 1.3 };
    const q = 8;
    const A = reluNtkLevelCoefficients({ ...spec, trace: q, kmax: 2 });
    // x, x′ of squared norm q with x·x′ = t: x = √q e₁, x′ = (t/√q) e₁ + √(q − t²/q) e₂
    const K = (t: number) => {
      const x = new Float64Array(8);
      const y = new Float64Array(8);
      x[0] = Math.sqrt(q);
      y[0] = t / Math.sqrt(q);
      y[1] = Math.sqrt(q - (t * t) / q);
      return reluNtk(x, y, spec);
    };
    const h = 1e-3;
    // central differences: truncation O(h²·K‴) ≈ 1e-7, rounding ≈ 1e-16/h² = 1e-10 for the second difference
    expect(A[0]).toBeCloseTo(K(0), 12);
    expect(A[1]).toBeCloseTo((K(h) - K(-h)) / (2 * h), 6);
    expect(A[2]).toBeCloseTo((K(h) - 2 * K(0) + K(-h)) / (2 * h * h), 5);
  });

  it('the exact Hermite projection of a network matches Monte Carlo', () => {
    const rng = Rng.fromSeed(7);
    const d = 4;
    const variances = [2, 1, 0.6, 0.4];
    const net = new BiasedReluNet({ inputDim: d, width: 12, outputScale: 1 / Math.sqrt(12), weightStd: 1.5, biasStd: 1, readoutStd: 1 }, rng.child('net'));
    const n = 200000;
    const z = rng.child('z').fillNormal(new Float64Array(n * d));
    const x = z.map((v, i) => v * Math.sqrt(variances[i % d]));
    const f = net.predict({ rows: n, cols: d, data: x });
    for (const [dir, k] of [
      [0, 1],
      [0, 2],
      [1, 3],
    ]) {
      let s = 0;
      let s2 = 0;
      for (let r = 0; r < n; r++) {
        const v = f[r] * hermiteNormalized(k, z[r * d + dir]);
        s += v;
        s2 += v * v;
      }
      const mc = s / n;
      const se = Math.sqrt((s2 / n - mc * mc) / n);
      // Monte Carlo with 2e5 samples: 4 standard errors
      expect(Math.abs(hermiteProjection(net, variances, null, dir, k) - mc)).toBeLessThan(4 * se);
    }
  });

  it('Kendall τ_b, first crossing and the lazy half-time', () => {
    expect(kendallTauB([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(kendallTauB([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    // one discordant pair of six: (5 − 1)/6
    expect(kendallTauB([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(2 / 3, 14);
    // ties (two Infinity entries) are ties, not discordances: pairs 6, n_c = 5, tiesY = 1 → 5/√(6·5)
    expect(kendallTauB([1, 2, 3, 4], [1, 2, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY])).toBeCloseTo(5 / Math.sqrt(30), 14);
    expect(firstCrossing([0, 1, 2], [0, 0.4, 0.8], 0.5)).toBeCloseTo(1.25, 14);
    expect(firstCrossing([0, 1], [0, 0.4], 0.5)).toBe(Number.POSITIVE_INFINITY);
    // falling through 0.5 between x = 1 and 2, from 0.9 to 0.1: at 1.5; a curve that starts below reaches it at x₀
    expect(firstCrossing([0, 1, 2], [1, 0.9, 0.1], 0.5, 'down')).toBeCloseTo(1.5, 14);
    expect(firstCrossing([3, 4], [0.2, 0.1], 0.5, 'down')).toBe(3);
    const t = lazyHalfTime(0.1, 0.3);
    expect((1 - 0.03) ** t).toBeCloseTo(0.5, 14);
  });

  it('study 33 quick profile holds; the degree-only order is falsified', { timeout: 90_000 }, async () => {
    // wrong theory: the predicted order reversed (every half-time t½ replaced by 1e4/t½)
    await expectFalsifiable(hermiteLearningOrder, [
      {
        name: 'reversed order',
        edit: (pred) => withScalars(pred, Object.fromEntries(Object.entries(pred.scalars).filter(([k]) => k.startsWith('predicted half-time')).map(([k, v]) => [k, 1e4 / v]))),
      },
    ]);
  });
});

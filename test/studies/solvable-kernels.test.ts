/**
 * Catalog 5 (eigenlearning-curves), 6 (double-descent) and 9 (signal-propagation): each study's quick profile must
 * give `holds`, plus oracle tests of the helpers each study's measurement rests on (exact transforms, the exact
 * spectra on the data distribution, min-norm least squares, the Gaussian-law sampler of W·A).
 */
import { describe, expect, it } from 'vitest';
import { fft, krawtchouk, popcount32, walshHadamard } from '../../src/core/fft.ts';
import { matmul, solveSpd } from '../../src/core/linalg.ts';
import { transpose } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';
import { doubleDescentStudy, finiteSampleMinNormRisk, leastSquares } from '../../src/studies/double-descent.ts';
import { circleDomain, hypercubeDomain } from '../../src/studies/eigenlearning-curves/domains.ts';
import { eigenlearningCurves } from '../../src/studies/eigenlearning-curves/index.ts';
import { measuredCrossing, signalPropagationStudy } from '../../src/studies/signal-propagation/index.ts';
import { propagate, sampleProduct } from '../../src/studies/signal-propagation/propagate.ts';
import type { AnyStudy, Observations } from '../../src/studies/types.ts';
import { evaluateMetric } from '../../src/studies/verdict.ts';
import { minNormRisk } from '../../src/theory/doubleDescent.ts';
import { editScalar, expectWrongTheoriesFail } from './falsifiability.ts';

describe('solvable-kernel studies, quick profile: holds, controls falsified, wrong theories leave holds', () => {
  it('eigenlearning-curves: E₀ = 1 is falsified, and so is an MSE 30% off or a learnability sum 10% short', async () => {
    await expectWrongTheoriesFail(eigenlearningCurves as AnyStudy, {
      'test MSE 30% high': editScalar('test MSE factor (×)', (v) => 1.3 * v),
      'learnability sum 10% short': editScalar('learnability sum over the included levels', (v) => 0.9 * v),
    });
  }, 90_000);

  it('double-descent: σ² = 0 and a peak at γ = 2 are falsified, and so is a sign-flipped peak or a 20% risk error', async () => {
    await expectWrongTheoriesFail(doubleDescentStudy as AnyStudy, {
      'peak γ with its sign flipped': editScalar('interpolation threshold γ', (v) => -v),
      'min-norm risk 20% low': editScalar('min-norm risk factor (×)', (v) => 0.8 * v),
    });
  }, 90_000);

  it('signal-propagation: χ₁ = σ_w² is falsified, and so is every χ₁ 10% low', async () => {
    const chiLow = (pred: Observations): Observations => ({
      ...pred,
      scalars: Object.fromEntries(Object.entries(pred.scalars).map(([k, v]) => [k, k.startsWith('χ₁[') ? 0.9 * v : v])),
    });
    const scaled = (prefix: string, f: number) => (pred: Observations): Observations => ({
      ...pred,
      scalars: Object.fromEntries(Object.entries(pred.scalars).map(([k, v]) => [k, k.startsWith(prefix) ? f * v : v])),
    });
    const r = await expectWrongTheoriesFail(signalPropagationStudy as AnyStudy, {
      'χ₁ 10% low': chiLow,
      'variance map 10% high at every layer': scaled('q^l[', 1.1),
      'correlation map 10% low at every layer': scaled('c^l[', 0.9),
      'boundary 15% further out': editScalar('critical σ_w²', (v) => 1.15 * v),
    });
    // a run whose χ̂₁ never crosses 1 (the crossing is then the range's end with a NaN slope) misses the boundary
    const noCrossing = { ...r.measurement, scalars: { ...r.measurement.scalars, 'critical σ_w² (measured crossing of χ̂₁ = 1)': 4, 'd ln χ̂₁ / d ln σ_w² at the crossing': Number.NaN } };
    const boundary = signalPropagationStudy.compare(r.prediction, noCrossing, signalPropagationStudy.schema.parse(r.provenance.params)).metrics.find((m) => m.name === 'order-to-chaos boundary σ_w²(crit)');
    expect(boundary && evaluateMetric(boundary).pass).toBe(false);
  }, 120_000);
});

describe('study metadata', () => {
  it('ids, catalog numbers and pillars match the catalog', () => {
    expect([eigenlearningCurves, doubleDescentStudy, signalPropagationStudy].map((s) => [s.id, s.catalog, s.pillar, s.core])).toEqual([
      ['eigenlearning-curves', 5, 'solvable', true],
      ['double-descent', 6, 'solvable', false],
      ['signal-propagation', 9, 'limits', false],
    ]);
  });
});

describe('eigenlearning helpers (oracles)', () => {
  it('fft matches the direct DFT, and its inverse undoes it', () => {
    const n = 16;
    const rng = Rng.fromSeed(1);
    const x = rng.fillNormal(new Float64Array(n));
    const re = Float64Array.from(x);
    const im = new Float64Array(n);
    fft(re, im);
    for (let q = 0; q < n; q++) {
      let a = 0;
      let b = 0;
      for (let j = 0; j < n; j++) {
        a += x[j] * Math.cos((2 * Math.PI * j * q) / n);
        b -= x[j] * Math.sin((2 * Math.PI * j * q) / n);
      }
      // O(n log n) float rounding on O(1) entries
      expect(Math.abs(re[q] - a)).toBeLessThan(1e-12);
      expect(Math.abs(im[q] - b)).toBeLessThan(1e-12);
    }
    fft(re, im, true);
    for (let j = 0; j < n; j++) expect(Math.abs(re[j] / n - x[j])).toBeLessThan(1e-12);
  });

  it('walshHadamard matches Σ_S x_S (−1)^{|S ∧ b|}', () => {
    const n = 32;
    const x = Rng.fromSeed(2).fillNormal(new Float64Array(n));
    const y = Float64Array.from(x);
    walshHadamard(y);
    for (let b = 0; b < n; b++) {
      let s = 0;
      for (let S = 0; S < n; S++) s += x[S] * (popcount32(S & b) % 2 === 0 ? 1 : -1);
      expect(Math.abs(y[b] - s)).toBeLessThan(1e-12); // float rounding of 32 O(1) terms
    }
  });

  it('the hypercube spectrum reconstructs the kernel: Σ_k λ_k K_k(h) = k(h), Σ_k C(d,k)λ_k = k(0)', () => {
    // a positive definite function of the Hamming distance with a known form (a product kernel: λ_k = a^k b^{d−k}/…)
    const d = 10;
    const dom = hypercubeDomain(d, (ref, pts) => Float64Array.from(pts, (x) => Math.exp(x.reduce((s, v, i) => s + v * ref[i], 0) / d)));
    for (let h = 0; h <= d; h++) {
      let s = 0;
      for (let k = 0; k <= d; k++) s += dom.levelEigenvalues[k] * krawtchouk(d, k, h);
      // cancellation among ~C(10,5) = 252-sized Krawtchouk terms: 1e-12 relative
      expect(Math.abs(s - dom.table[h])).toBeLessThan(1e-12 * dom.table[0]);
    }
    // exp(x·x′/d) = Π_i exp(x_i x′_i/d) = Π_i (cosh(1/d) + x_i x′_i sinh(1/d)): λ_k = sinh(1/d)^k cosh(1/d)^{d−k}
    for (let k = 0; k <= d; k++) expect(dom.levelEigenvalues[k]).toBeCloseTo(Math.sinh(1 / d) ** k * Math.cosh(1 / d) ** (d - k), 12);
  });

  it('the circle spectrum is the kernel’s Fourier series: k(θ) = Σ_q mult·λ_q cos(qθ)', () => {
    // k(θ) = exp(cos θ) has λ_q = I_q(1) (modified Bessel): I₀(1) = 1.2660658777520082, I₁(1) = 0.5651591039924851
    const dom = circleDomain(6, (_ref, pts) => Float64Array.from(pts, (x) => Math.exp(x[0])));
    // aliasing error Σ_{j≥1} I_{64j±q}(1) is below 1e-80; float error 1e-15
    expect(dom.levelEigenvalues[0]).toBeCloseTo(1.2660658777520082, 14);
    expect(dom.levelEigenvalues[1]).toBeCloseTo(0.5651591039924851, 14);
    expect(dom.levelProjector(1, 5, 5)).toBe(2);
  });
});

describe('double-descent helpers (oracles)', () => {
  const rng = Rng.fromSeed(3);
  const n = 12;
  it('p > n: min-norm least squares interpolates and lies in the row space of X', () => {
    const p = 20;
    const X = { rows: n, cols: p, data: rng.fillNormal(new Float64Array(n * p)) };
    const y = { rows: n, cols: 1, data: rng.fillNormal(new Float64Array(n)) };
    const b = leastSquares(X, y, 0).data;
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let j = 0; j < p; j++) v += X.data[i * p + j] * b[j];
      expect(Math.abs(v - y.data[i])).toBeLessThan(1e-9); // a well-conditioned 12×12 solve: float error
    }
    // any interpolant b + z with Xz = 0 has a larger norm: project a random vector onto null(X) and compare
    const z = rng.fillNormal(new Float64Array(p));
    const coef = leastSquares(X, { rows: n, cols: 1, data: Float64Array.from({ length: n }, (_, i) => X.data.slice(i * p, (i + 1) * p).reduce((s, v, j) => s + v * z[j], 0)) }, 0).data;
    let dot = 0;
    for (let j = 0; j < p; j++) dot += b[j] * (z[j] - coef[j]); // z − X⁺Xz is in null(X), orthogonal to b
    expect(Math.abs(dot)).toBeLessThan(1e-9);
  });

  it('ridge, p > n: the dual form Xᵀ(XXᵀ + nλI)⁻¹y equals the primal (XᵀX + nλI)⁻¹Xᵀy', () => {
    const p = 20;
    const lambda = 0.3;
    const X = { rows: n, cols: p, data: rng.fillNormal(new Float64Array(n * p)) };
    const y = { rows: n, cols: 1, data: rng.fillNormal(new Float64Array(n)) };
    const dual = leastSquares(X, y, lambda).data;
    const Xt = transpose(X);
    const A = matmul(Xt, X);
    for (let j = 0; j < p; j++) A.data[j * p + j] += n * lambda;
    const primal = solveSpd(A, matmul(Xt, y)).data;
    // two exact formulas (push-through identity), well-conditioned solves: float error only
    for (let j = 0; j < p; j++) expect(Math.abs(dual[j] - primal[j])).toBeLessThan(1e-10);
  });

  it('the finite-n Gaussian risk tends to Hastie et al.’s asymptotic risk as n → ∞ at fixed γ', () => {
    for (const g of [0.5, 2]) {
      const big = finiteSampleMinNormRisk(1e6, g * 1e6, 1, 0.25);
      // O(1/n) corrections at n = 10⁶
      expect(Math.abs(big / minNormRisk(g, 1, 0.25) - 1)).toBeLessThan(1e-5);
    }
  });
});

describe('signal-propagation helpers (oracles)', () => {
  it('measuredCrossing: exact on a power law χ = (σ/σc)^a (linear in log–log), a bound with NaN slope when nothing brackets 1', () => {
    const [sc, a] = [1.761, 0.45];
    const pts = [0.5, 1, 1.5, 1.9, 2.5, 4].map((sw2) => ({ sw2, chi: (sw2 / sc) ** a }));
    const c = measuredCrossing(pts.reverse());
    expect(c.sw2).toBeCloseTo(sc, 12);
    expect(c.slope).toBeCloseTo(a, 12);
    const below = measuredCrossing([0.5, 1].map((sw2) => ({ sw2, chi: 0.5 * sw2 })));
    expect([below.sw2, Number.isNaN(below.slope)]).toEqual([1, true]);
    const above = measuredCrossing([2, 3].map((sw2) => ({ sw2, chi: sw2 })));
    expect([above.sw2, Number.isNaN(above.slope)]).toEqual([2, true]);
  });

  it('layer 0 has exactly the requested variance and correlation', () => {
    const r = propagate({ activation: 'tanh', weightVariance: 1, biasVariance: 0.1, width: 50, depth: 1, pairs: 3, q0: 0.7, c0: -0.3, rng: Rng.fromSeed(4) });
    expect(r.q[0]).toBeCloseTo(0.7, 12);
    expect(r.c[0]).toBeCloseTo(-0.3, 12);
    expect(r.gap[0]).toBeCloseTo(1.3, 12);
  });

  it('sampleProduct draws rows with covariance (σ_w²/N)AᵀA, like an explicit Gaussian W', () => {
    const rng = Rng.fromSeed(5);
    const N = 400;
    const m = 3;
    const A = { rows: N, cols: m, data: rng.fillNormal(new Float64Array(N * m)) };
    for (let i = 0; i < N; i++) A.data[i * m + 1] = 0.8 * A.data[i * m] + 0.2 * A.data[i * m + 1]; // correlated columns
    const target = new Float64Array(m * m);
    for (let i = 0; i < N; i++) for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) target[a * m + b] += (2 * A.data[i * m + a] * A.data[i * m + b]) / N;
    const est = new Float64Array(m * m);
    const draws = 50;
    for (let t = 0; t < draws; t++) {
      const z = sampleProduct(A, 2, rng.child(t));
      for (let i = 0; i < N; i++) for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) est[a * m + b] += (z[i * m + a] * z[i * m + b]) / (N * draws);
    }
    // 20000 rows: the sample covariance has relative error ~√(2/20000) = 1%; 5% is 5 standard errors
    for (let k = 0; k < m * m; k++) expect(Math.abs(est[k] - target[k])).toBeLessThan(0.05 * Math.sqrt(target[0] * target[m * m - 1]));
  });

  it('explicit matrices and the sampled law give the same one-layer statistics', () => {
    // E[q¹] = σ_w² mean φ(h⁰)² + σ_b² exactly at any width; both methods average to it
    const opts = { activation: 'tanh' as const, weightVariance: 2, biasVariance: 0.05, width: 64, depth: 1, pairs: 2, q0: 1, c0: 0.5 };
    let qm = 0;
    let qs = 0;
    const runs = 200;
    for (let s = 0; s < runs; s++) {
      qm += propagate({ ...opts, rng: Rng.fromSeed(s, 'm'), method: 'matrix' }).q[1] / runs;
      qs += propagate({ ...opts, rng: Rng.fromSeed(s, 's'), method: 'sampled' }).q[1] / runs;
    }
    // q¹ per run has relative spread ~√(2/(64·4)) ≈ 9% (shared W across the 4 inputs: up to ~17%); over 200 runs the
    // mean's standard error is ≤ 1.2%, so 4% is > 3 standard errors of the difference
    expect(Math.abs(qm / qs - 1)).toBeLessThan(0.04);
  });
});

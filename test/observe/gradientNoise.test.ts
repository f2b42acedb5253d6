/**
 * Oracles for the gradient noise scale (src/observe/gradientNoise.ts, McCandlish et al. 2018).
 *
 * Linear regression ℓᵢ(w) = ½(xᵢᵀw − yᵢ)² with xᵢ ~ N(0, I_d), yᵢ = w*ᵀxᵢ + σεᵢ has per-example
 * gradients gᵢ = rᵢxᵢ (rᵢ = xᵢᵀw − yᵢ) and, with δ = w − w*, population moments (Isserlis' theorem:
 * E[(δᵀx)² xxᵀ] = |δ|²I + 2δδᵀ)
 *     G = δ,   Σ = (|δ|² + σ²) I + δδᵀ,   H = I,
 * so B_simple = B_noise = tr Σ/|G|² = d(1 + σ²/|δ|²) + 1.
 * On a finite sample, the dense per-example rows give the exact empirical G, Σ and H = XᵀX/n.
 */
import { describe, expect, it } from 'vitest';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { type Tensor, tensor } from '../../src/core/tensor.ts';
import { mlp } from '../../src/nn/mlp.ts';
import { curvatureNoiseScale, gradientNoiseScale, noiseScaleFromNorms, perExampleNoiseScale } from '../../src/observe/gradientNoise.ts';

interface Problem {
  d: number;
  n: number;
  x: Float64Array;
  y: Float64Array;
  w: Float64Array;
  params: Tensor[];
  /** per-example losses of rows `idx` (all rows if omitted), shape [m, 1], times `scale` */
  perExample: (idx?: ArrayLike<number>, scale?: number) => Tensor;
  /** mean loss of rows `idx` */
  mean: (idx?: ArrayLike<number>, scale?: number) => Tensor;
}

function regression(d: number, n: number, sigma: number, delta: number, seed: number, repeatFirst = false): Problem {
  const rng = Rng.fromSeed(seed, 'regression');
  const wStar = rng.child('wstar').fillNormal(new Float64Array(d));
  // w = w* + δ·u with a random unit u, so |G| = |δ| in the population
  const u = rng.child('u').fillNormal(new Float64Array(d));
  const un = Math.hypot(...u);
  const net = mlp({ sizes: [d, 1], activation: 'identity', bias: false }, rng.child('net'));
  const W = net.params()[0];
  for (let i = 0; i < d; i++) W.data[i] = wStar[i] + (delta * u[i]) / un;
  const x = rng.child('x').fillNormal(new Float64Array(n * d));
  if (repeatFirst) for (let r = 1; r < n; r++) x.copyWithin(r * d, 0, d);
  const noise = rng.child('eps');
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += x[r * d + i] * wStar[i];
    y[r] = s + sigma * (repeatFirst ? 0.5 : noise.normal());
  }
  const rows = (idx?: ArrayLike<number>) => {
    if (idx === undefined) return { xb: tensor(x, [n, d]), yb: tensor(y, [n, 1]) };
    const xb = new Float64Array(idx.length * d);
    const yb = new Float64Array(idx.length);
    for (let r = 0; r < idx.length; r++) {
      xb.set(x.subarray(idx[r] * d, idx[r] * d + d), r * d);
      yb[r] = y[idx[r]];
    }
    return { xb: tensor(xb, [idx.length, d]), yb: tensor(yb, [idx.length, 1]) };
  };
  const perExample = (idx?: ArrayLike<number>, scale = 1) => {
    const { xb, yb } = rows(idx);
    return op.scale(op.square(op.sub(net.forward(xb), yb)), 0.5 * scale);
  };
  const mean = (idx?: ArrayLike<number>, scale = 1) => op.mean(perExample(idx, scale));
  return { d, n, x, y, w: W.data as Float64Array, params: net.params(), perExample, mean };
}

/** Dense empirical moments: rows gᵢ = rᵢxᵢ, G = mean, tr Σ = mean |gᵢ − G|², H = XᵀX/n. */
function dense(p: Problem) {
  const { d, n, x, y, w } = p;
  const g = Array.from({ length: n }, (_, r) => {
    let f = 0;
    for (let i = 0; i < d; i++) f += x[r * d + i] * w[i];
    const res = f - y[r];
    return Float64Array.from({ length: d }, (_, i) => res * x[r * d + i]);
  });
  const G = new Float64Array(d);
  for (const r of g) for (let i = 0; i < d; i++) G[i] += r[i] / n;
  let trS = 0;
  for (const r of g) for (let i = 0; i < d; i++) trS += (r[i] - G[i]) ** 2 / n;
  const H = new Float64Array(d * d);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) H[i * d + j] += (x[r * d + i] * x[r * d + j]) / n;
  const Hv = (v: Float64Array) => Float64Array.from({ length: d }, (_, i) => v.reduce((a, vj, j) => a + H[i * d + j] * vj, 0));
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, ai, i) => s + ai * b[i], 0);
  let trHS = 0;
  for (const r of g) {
    const dv = Float64Array.from(r, (ri, i) => ri - G[i]);
    trHS += dot(dv, Hv(dv)) / n;
  }
  const gNorm = dot(G, G);
  return { G, gNorm, trS, bSimple: trS / gNorm, bNoise: trHS / dot(G, Hv(G)) };
}

/** Batch sampler with replacement from the problem's n examples, for the two-batch estimator. */
const withReplacement = (p: Problem, scale = 1) => (size: number, rng: Rng) =>
  p.mean(
    Int32Array.from({ length: size }, () => rng.int(p.n)),
    scale,
  );

describe('noiseScaleFromNorms', () => {
  it('inverts E|G_B|² = |G|² + tr Σ/B exactly', () => {
    const G2 = 0.37;
    const trS = 11.5;
    const e = noiseScaleFromNorms({ bSmall: 3, normSqSmall: G2 + trS / 3, bBig: 96, normSqBig: G2 + trS / 96 });
    // float error of two 2×2 solves on O(10) numbers
    expect(e.gradNormSq).toBeCloseTo(G2, 12);
    expect(e.traceSigma).toBeCloseTo(trS, 11);
    expect(e.bSimple).toBeCloseTo(trS / G2, 10);
  });
  it('names the bad field', () => {
    expect(() => noiseScaleFromNorms({ bSmall: 8, normSqSmall: 1, bBig: 8, normSqBig: 1 })).toThrow(/bBig must be a batch size > bSmall = 8, got 8/);
    expect(() => noiseScaleFromNorms({ bSmall: 0, normSqSmall: 1, bBig: 8, normSqBig: 1 })).toThrow(/bSmall must be a batch size ≥ 1, got 0/);
    expect(() => noiseScaleFromNorms({ bSmall: 1, normSqSmall: Number.NaN, bBig: 8, normSqBig: 1 })).toThrow(/normSqSmall/);
  });
});

describe('perExampleNoiseScale and curvatureNoiseScale against dense linear regression', () => {
  const p = regression(5, 40, 0.7, 0.8, 1);
  const ref = dense(p);
  it('G, tr Σ and B_simple equal the dense empirical moments', () => {
    const e = perExampleNoiseScale(() => p.perExample(), p.params, p.n);
    // float error: sums of 40 products of O(1) numbers
    for (let i = 0; i < p.d; i++) expect(e.meanGrad[i]).toBeCloseTo(ref.G[i], 12);
    expect(e.traceSigma).toBeCloseTo(ref.trS, 11);
    expect(Math.abs(e.bSimple / ref.bSimple - 1)).toBeLessThan(1e-10);
  });
  it('B_noise = tr(HΣ)/(GᵀHG) equals the dense value with H = XᵀX/n', () => {
    const e = curvatureNoiseScale(() => p.perExample(), () => p.mean(), p.params, p.n);
    // float error: exact Hessian-vector products of a quadratic loss
    expect(Math.abs(e.bNoise / ref.bNoise - 1)).toBeLessThan(1e-10);
    expect(() => curvatureNoiseScale(() => p.perExample(), () => p.mean(), p.params, p.n, 0)).toThrow(/hvpExamples must be an integer in \[1, 40\], got 0/);
  });
  it('is invariant to rescaling the loss (G → cG, Σ → c²Σ)', () => {
    const a = perExampleNoiseScale(() => p.perExample(undefined, 1), p.params, p.n);
    const b = perExampleNoiseScale(() => p.perExample(undefined, 7.5), p.params, p.n);
    expect(Math.abs(b.bSimple / a.bSimple - 1)).toBeLessThan(1e-12); // float error only
  });
  it('gives tr Σ = 0 when every example is the same (a known limit)', () => {
    const q = regression(5, 16, 0.7, 0.8, 2, true);
    const e = perExampleNoiseScale(() => q.perExample(), q.params, q.n);
    expect(e.gradNormSq).toBeGreaterThan(0.01);
    // identical rows: the centred deviations are exactly 0 up to the rounding of the mean
    expect(e.traceSigma).toBeLessThan(1e-25);
    const t = gradientNoiseScale(withReplacement(q), q.params, { bSmall: 2, bBig: 8, pairs: 3, rng: Rng.fromSeed(3) });
    // all batches have the same gradient: the two-batch tr Σ is float error of O(|G|²) numbers
    expect(Math.abs(t.traceSigma)).toBeLessThan(1e-12);
  });
});

describe('population limit', () => {
  it('B_simple of a large sample matches d(1 + σ²/|δ|²) + 1', () => {
    const d = 4;
    const sigma = 1;
    const delta = 1;
    const p = regression(d, 40000, sigma, delta, 4);
    const e = perExampleNoiseScale(() => p.perExample(), p.params, p.n);
    const theory = d * (1 + sigma ** 2 / delta ** 2) + 1;
    // finite sample n = 40000: |Ĝ|² has relative sd 2√(δᵀΣδ/n)/|δ|² = 2√(3/n) ≈ 1.7% and the tr Σ estimate
    // about 1.5% (4th moments of r²|x|²), so B_simple ≈ 2.3% (1 sd); 10% is > 4 sd
    expect(Math.abs(e.bSimple / theory - 1)).toBeLessThan(0.1);
    expect(Math.abs(e.gradNormSq / delta ** 2 - 1)).toBeLessThan(0.08); // 1.7% sd, > 4 sd
  });
});

describe('two-batch estimator vs the dense per-example computation', () => {
  const p = regression(6, 300, 0.6, 0.5, 5);
  const exact = perExampleNoiseScale(() => p.perExample(), p.params, p.n);
  const est = gradientNoiseScale(withReplacement(p), p.params, { bSmall: 4, bBig: 64, pairs: 400, rng: Rng.fromSeed(6) });
  it('estimates |G|² and tr Σ without bias (within 4 standard errors)', () => {
    // batches drawn with replacement from the n examples: E|G_B|² = |G|² + tr Σ/B holds exactly for the
    // empirical distribution, so the only error is finite sampling over 400 pairs (4 se ≈ 1e-4 false alarm)
    expect(Math.abs(est.gradNormSq - exact.gradNormSq)).toBeLessThan(4 * est.gradNormSqStderr);
    expect(Math.abs(est.traceSigma - exact.traceSigma)).toBeLessThan(4 * est.traceSigmaStderr);
    // and the check is informative: the standard errors are small relative to the values
    expect(est.gradNormSqStderr).toBeLessThan(0.15 * exact.gradNormSq);
    expect(est.traceSigmaStderr).toBeLessThan(0.1 * exact.traceSigma);
  });
  it('B_simple agrees within its propagated finite-sample error', () => {
    // delta method: relative error of a ratio ≈ √((se_S/S)² + (se_G/G)²); 4 of those
    const rel = Math.hypot(est.traceSigmaStderr / exact.traceSigma, est.gradNormSqStderr / exact.gradNormSq);
    expect(Math.abs(est.bSimple / exact.bSimple - 1)).toBeLessThan(4 * rel);
  });
  it('is deterministic given the rng and invariant to rescaling the loss', () => {
    const again = gradientNoiseScale(withReplacement(p), p.params, { bSmall: 4, bBig: 64, pairs: 400, rng: Rng.fromSeed(6) });
    expect(again).toEqual(est);
    const scaled = gradientNoiseScale(withReplacement(p, 3), p.params, { bSmall: 4, bBig: 64, pairs: 400, rng: Rng.fromSeed(6) });
    expect(Math.abs(scaled.bSimple / est.bSimple - 1)).toBeLessThan(1e-10); // same batches: float error only
  });
  it('rejects bad options by name', () => {
    const f = withReplacement(p);
    expect(() => gradientNoiseScale(f, p.params, { bSmall: 4, bBig: 64, pairs: 0, rng: Rng.fromSeed(1) })).toThrow(/pairs must be an integer ≥ 1, got 0/);
    expect(() => gradientNoiseScale(f, p.params, { bSmall: 4.5, bBig: 64, pairs: 2, rng: Rng.fromSeed(1) })).toThrow(/batch sizes must be integers/);
  });
});

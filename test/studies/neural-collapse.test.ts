/**
 * neural-collapse without training: the Σ_B spectrum behind the C = 10 diagnosis (oracle: the dense d×d Σ_B), the
 * mechanism by which a Σ_B losing a dimension raises NC1 while tr Σ_W / tr Σ_B falls, and the regime check on the
 * terminal phase's length in weight-decay time constants (it reads the setting, never the NC metrics).
 * The trained quick profile is tested in universality.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { eigvalsh } from '../../src/core/linalg.ts';
import { type Mat, mat } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';
import { neuralCollapse } from '../../src/observe/neuralCollapse.ts';
import { betweenClassEigenRatio, betweenClassSpectrum, neuralCollapseStudy, tptTimeConstants } from '../../src/studies/neural-collapse.ts';
import type { Observations, Verdict } from '../../src/studies/types.ts';
import { evaluateMetric, judge } from '../../src/studies/verdict.ts';
import { gaussianMat, orthonormalColumns } from '../observe/fixtures.ts';

/** Rows = the C centered vertices of a unit simplex ETF in R^d, M = √(C/(C−1)) (I − 11ᵀ/C) Uᵀ. */
function simplexEtf(C: number, d: number, rng: Rng): Mat {
  const u = orthonormalColumns(d, C, rng);
  const f = Math.sqrt(C / (C - 1));
  const m = new Float64Array(C * d);
  for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) for (let k = 0; k < C; k++) m[c * d + j] += f * ((c === k ? 1 : 0) - 1 / C) * u.data[j * C + k];
  return mat(C, d, m);
}

/** The rows of `m` with their component along unit vector u scaled by s: M(I − (1 − s)uuᵀ). */
function shrinkAlong(m: Mat, u: Float64Array, s: number): Mat {
  const out = Float64Array.from(m.data);
  for (let c = 0; c < m.rows; c++) {
    let dot = 0;
    for (let j = 0; j < m.cols; j++) dot += m.data[c * m.cols + j] * u[j];
    for (let j = 0; j < m.cols; j++) out[c * m.cols + j] -= (1 - s) * dot * u[j];
  }
  return mat(m.rows, m.cols, out);
}

/** Means given as the uncentered class means (offset by a common vector) and their mean. */
/** The first class mean's direction: a unit vector in the span of the means. */
function firstMeanDirection(m: Mat): Float64Array {
  const row = Float64Array.from(m.data.subarray(0, m.cols));
  const norm = Math.hypot(...row);
  return row.map((v) => v / norm);
}

function asMeans(m: Mat, offset: number): { classMeans: Mat; globalMean: Float64Array } {
  return { classMeans: mat(m.rows, m.cols, m.data.map((v) => v + offset)), globalMean: new Float64Array(m.cols).fill(offset) };
}

/** Features: class mean (row of m) + noise·Z, perClass examples per class, Z fixed by `rng` (common random numbers). */
function clusters(m: Mat, perClass: number, noise: number, rng: Rng): { features: Mat; labels: Int32Array } {
  const z = gaussianMat(m.rows * perClass, m.cols, rng);
  const f = new Float64Array(z.data.length);
  const labels = new Int32Array(m.rows * perClass);
  for (let i = 0; i < labels.length; i++) {
    labels[i] = i % m.rows;
    for (let j = 0; j < m.cols; j++) f[i * m.cols + j] = m.data[labels[i] * m.cols + j] + noise * z.data[i * m.cols + j];
  }
  return { features: mat(labels.length, m.cols, f), labels };
}

describe('betweenClassSpectrum', () => {
  it('equals the top C − 1 eigenvalues of the dense d×d Σ_B = (1/C) Σ_c (μ_c − μ_G)(μ_c − μ_G)ᵀ', () => {
    const C = 5;
    const d = 7;
    const means = gaussianMat(C, d, Rng.fromSeed(11, 'nc-test'));
    const mu = new Float64Array(d);
    for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) mu[j] += means.data[c * d + j] / C;
    const sb = new Float64Array(d * d);
    for (let c = 0; c < C; c++)
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) sb[a * d + b] += ((means.data[c * d + a] - mu[a]) * (means.data[c * d + b] - mu[b])) / C;
    const dense = Array.from(eigvalsh(mat(d, d, sb))).slice(d - (C - 1));
    const ev = Array.from(betweenClassSpectrum({ classMeans: means, globalMean: mu }));
    expect(ev.length).toBe(C - 1);
    // float error of two eigensolvers on O(1) entries
    for (let k = 0; k < C - 1; k++) expect(ev[k]).toBeCloseTo(dense[k], 10);
  });

  it('a simplex ETF has λ_min/λ_max = 1; shrinking one in-span direction by s gives s² (Σ_B′ = Σ_B(I − (1 − s²)uuᵀ))', () => {
    const C = 10;
    const etf = simplexEtf(C, 16, Rng.fromSeed(3, 'nc-test'));
    expect(betweenClassEigenRatio(asMeans(etf, 0.7))).toBeCloseTo(1, 10);
    const u = firstMeanDirection(etf);
    for (const s of [0.5, 0.1, 0.01]) expect(betweenClassEigenRatio(asMeans(shrinkAlong(etf, u, s), 0.7))).toBeCloseTo(s * s, 8);
  });

  it('rejects a global mean of the wrong length, naming the field', () => {
    expect(() => betweenClassSpectrum({ classMeans: mat(3, 4, new Float64Array(12)), globalMean: new Float64Array(3) })).toThrow(/globalMean.*length 3.*4/);
  });
});

describe('NC1 against a Σ_B that loses a dimension (the mechanism behind the C = 10 part)', () => {
  it('NC1 rises as 1/s² while tr Σ_W / tr Σ_B falls when the within-class noise shrinks faster than the between-class scale', () => {
    // Isotropic noise σ² around means with Σ_B eigenvalues λ_k: NC1 ≈ (σ²/C) Σ_k 1/λ_k (Papyan et al.'s definition),
    // dominated by the shrunk direction (λ = s²/(C−1)) once s² ≪ 1, while tr Σ_W / tr Σ_B only sees σ².
    const C = 10;
    const d = 16;
    const etf = simplexEtf(C, d, Rng.fromSeed(5, 'nc-test'));
    const u = firstMeanDirection(etf);
    const at = (s: number, noise: number) => {
      const { features, labels } = clusters(shrinkAlong(etf, u, s), 40, noise, Rng.fromSeed(9, 'nc-test'));
      const m = neuralCollapse(features, labels);
      return { nc1: m.nc1, ratio: m.withinClassTrace / m.betweenClassTrace };
    };
    const onset = at(1, 0.1);
    const end = at(0.03, 0.03); // noise 3.3× smaller, one direction 33× shorter
    expect(end.ratio).toBeLessThan(onset.ratio / 5); // the trace ratio falls ~(0.1/0.03)² ≈ 11×
    expect(end.nc1).toBeGreaterThan(onset.nc1); // NC1 rises: the 1/s² = 1111 weight beats the 11× fall of σ²
    // the analytic ratio: (σ_e²/σ_o²) · (1/s² + C − 2)/(C − 1), to the finite-sample error of Σ_W (~1/√(N d))
    const expected = (0.03 / 0.1) ** 2 * (1 / 0.03 ** 2 + C - 2) / (C - 1);
    expect(Math.abs(end.nc1 / onset.nc1 / expected - 1)).toBeLessThan(0.15);
  });
});

const CLASSES = 10;

/** A measurement of one class count (no ablation, no other C) with the given final pairwise cosines and NC numbers. */
function syntheticMeasurement(cosines: number[], nc: { onset: number; fall: number; normCv: number; nc3: number }): Observations {
  const scalars: Record<string, number> = {
    'TPT onset step': nc.onset,
    'NC1 fall in TPT': nc.fall,
    'norm CV': nc.normCv,
    NC3: nc.nc3,
    'NCC agreement': 1,
    'mean cosine': cosines.reduce((a, b) => a + b, 0) / cosines.length,
    'final train accuracy': 1,
  };
  return { scalars, series: [{ name: 'final pairwise cosines', group: 'λ=0.003', kind: 'measured', x: cosines.map((_, i) => i), y: cosines }] };
}

function verdictOf(overrides: Record<string, unknown>, meas: Observations): Verdict {
  const p = neuralCollapseStudy.schema.parse({ classes: CLASSES, alsoClasses: [], ablation: false, ...overrides });
  const cmp = neuralCollapseStudy.compare(neuralCollapseStudy.predict(p), meas, p);
  return judge(cmp.metrics.map(evaluateMetric), cmp.regime);
}

describe('regime: the terminal phase in weight-decay time constants', () => {
  const pairs = (CLASSES * (CLASSES - 1)) / 2;
  const etfCosines = Array.from({ length: pairs }, () => -1 / (CLASSES - 1));
  // a rank-deficient configuration: one class mean nearly parallel to another (what the C = 10 runs gave)
  const lowRankCosines = etfCosines.map((c, i) => (i === 0 ? 0.76 : c));
  const collapsed = { onset: 50, fall: 20, normCv: 0.02, nc3: 0.05 };
  const notCollapsed = { onset: 50, fall: 0.5, normCv: 0.15, nc3: 0.17 };

  it('counts (T − onset)·ηλ/(1−β) and is monotone in steps and λ', () => {
    const p = neuralCollapseStudy.schema.parse({});
    const base = tptTimeConstants(p, 50);
    expect(tptTimeConstants({ ...p, steps: 2 * p.steps - 50 }, 50)).toBeCloseTo(2 * base, 10);
    expect(tptTimeConstants({ ...p, weightDecay: p.weightDecay / 10 }, 50)).toBeCloseTo(base / 10, 10);
    expect(tptTimeConstants(p, p.steps)).toBe(0);
  });

  it('a collapsed measurement holds in a long enough terminal phase and is out of regime in a short one', () => {
    const meas = syntheticMeasurement(etfCosines, collapsed);
    expect(verdictOf({}, meas)).toBe('holds');
    // λ 100× smaller: (4000 − 50)·0.1·3e-5/0.1 ≈ 0.12 time constants, far from the weight-decay equilibrium
    expect(verdictOf({ weightDecay: 3e-5 }, meas)).toBe('out-of-regime');
    expect(verdictOf({ weightDecay: 0 }, meas)).toBe('out-of-regime');
  });

  it('an uncollapsed measurement in a long terminal phase is falsified, not out of regime (the check never reads the NC metrics)', () => {
    expect(verdictOf({}, syntheticMeasurement(lowRankCosines, notCollapsed))).toBe('falsified');
    expect(verdictOf({}, syntheticMeasurement(lowRankCosines, collapsed))).toBe('falsified'); // NC2 alone, pair by pair
  });
});

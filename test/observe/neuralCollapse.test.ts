import { describe, expect, it } from 'vitest';
import { eigh } from '../../src/core/linalg.ts';
import { type Mat, mat } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';
import { neuralCollapse } from '../../src/observe/neuralCollapse.ts';
import { gaussianMat, orthonormalColumns } from './fixtures.ts';

/** Simplex ETF: C unit vectors in R^d (d ≥ C) with pairwise cosines −1/(C−1), M = √(C/(C−1)) (I − 11ᵀ/C) Uᵀ. */
function simplexEtf(C: number, d: number, rng: Rng): Mat {
  const u = orthonormalColumns(d, C, rng); // d×C
  const f = Math.sqrt(C / (C - 1));
  const m = new Float64Array(C * d);
  for (let c = 0; c < C; c++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < C; k++) s += ((c === k ? 1 : 0) - 1 / C) * u.data[j * C + k];
      m[c * d + j] = f * s;
    }
  return mat(C, d, m);
}

/** N = C·perClass features: class mean = ETF row + offset, plus noise·Z with Z fixed by `rng` (common random numbers). */
function clusters(etf: Mat, offset: Float64Array, perClass: number, noise: number, rng: Rng): { features: Mat; labels: Int32Array } {
  const C = etf.rows;
  const d = etf.cols;
  const N = C * perClass;
  const z = rng.fillNormal(new Float64Array(N * d));
  const f = new Float64Array(N * d);
  const labels = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const c = i % C;
    labels[i] = c;
    for (let j = 0; j < d; j++) f[i * d + j] = etf.data[c * d + j] + offset[j] + noise * z[i * d + j];
  }
  return { features: mat(N, d, f), labels };
}

/** Dense NC1 straight from the definition: Σ_W, Σ_B (d×d), Σ_B^† by eigh of Σ_B itself. */
function denseNc1(features: Mat, labels: Int32Array, C: number): number {
  const { rows: N, cols: d, data: h } = features;
  const means = new Float64Array(C * d);
  const cnt = new Float64Array(C);
  for (let i = 0; i < N; i++) {
    cnt[labels[i]]++;
    for (let j = 0; j < d; j++) means[labels[i] * d + j] += h[i * d + j];
  }
  for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) means[c * d + j] /= cnt[c];
  const mu = new Float64Array(d);
  for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) mu[j] += means[c * d + j] / C;
  const sw = new Float64Array(d * d);
  const sb = new Float64Array(d * d);
  for (let i = 0; i < N; i++)
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++) sw[a * d + b] += ((h[i * d + a] - means[labels[i] * d + a]) * (h[i * d + b] - means[labels[i] * d + b])) / N;
  for (let c = 0; c < C; c++)
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) sb[a * d + b] += ((means[c * d + a] - mu[a]) * (means[c * d + b] - mu[b])) / C;
  const { values, vectors } = eigh(mat(d, d, sb));
  const lmax = values[d - 1];
  // tr(Σ_W Σ_B^†) = Σ_k [λ_k > cut] v_kᵀ Σ_W v_k / λ_k
  let tr = 0;
  for (let k = 0; k < d; k++) {
    if (values[k] <= 1e-10 * lmax) continue;
    let q = 0;
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) q += vectors.data[a * d + k] * sw[a * d + b] * vectors.data[b * d + k];
    tr += q / values[k];
  }
  return tr / C;
}

describe('neural collapse metrics', () => {
  const C = 4;
  const d = 10;
  const rng = Rng.fromSeed(31, 'nc');
  const etf = simplexEtf(C, d, rng.child('etf'));
  const offset = rng.child('offset').fillNormal(new Float64Array(d), 3);

  it('exact collapse onto a simplex ETF: NC1 = 0, cosines = −1/(C−1), CV = 0, NC3 = 0, NC4 = 1', () => {
    const { features, labels } = clusters(etf, offset, 5, 0, rng.child('z'));
    // Bias b = −W·offset cancels the global mean, so argmax(W h + b) picks the class.
    const b = new Float64Array(C);
    for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) b[c] -= etf.data[c * d + j] * offset[j];
    const m = neuralCollapse(features, labels, { W: etf, b });
    // Exact zeros up to float rounding. Residuals h − μ_c are rounding errors (~1e-15 on entries of size ~3), so
    // tr Σ_W ~ 1e-30 and NC1 ~ 1e-29 (Σ_B eigenvalues are 1/3): 1e-20 and 1e-24 leave ample room. Cosines and norms
    // are O(1) quantities with ~1e-16 rounding: 1e-12.
    expect(m.nc1).toBeLessThan(1e-20);
    expect(m.withinClassTrace).toBeLessThan(1e-24);
    expect(m.nc2.normCv).toBeLessThan(1e-12);
    expect(m.nc2.cosineMean).toBeCloseTo(-1 / 3, 12);
    expect(m.nc2.cosineMaxAbsDeviation).toBeLessThan(1e-12);
    expect(m.nc2.cosineStd).toBeLessThan(1e-12);
    expect(m.nc3).toBeLessThan(1e-12);
    expect(m.nc2Classifier?.cosineMaxAbsDeviation).toBeLessThan(1e-12);
    expect(m.nc4).toBe(1);
    expect(m.nccAccuracy).toBe(1);
    expect(m.networkAccuracy).toBe(1);
    expect(m.betweenClassRank).toBe(C - 1);
  });

  it('NC1 matches the dense d×d definition, also when d < C − 1', () => {
    for (const [CC, dd] of [
      [3, 5],
      [5, 2],
    ]) {
      const r = Rng.fromSeed(32, CC, dd);
      const feats = gaussianMat(40, dd, r.child('f'));
      const labels = new Int32Array(40).map((_, i) => i % CC);
      for (let i = 0; i < 40; i++) feats.data[i * dd] += labels[i]; // some between-class signal
      // Same quantity through C×C vs d×d eigendecompositions: float rounding (Jacobi converges to ~1e-15).
      expect(neuralCollapse(feats, labels).nc1).toBeCloseTo(denseNc1(feats, labels, CC), 10);
    }
  });

  it('NC1 ≈ s²(C−1)²/C for isotropic noise of variance s² around an ETF (analytic)', () => {
    // Σ_W ≈ s² I, Σ_B = Π/(C−1) on the (C−1)-dim ETF span, so tr(Σ_W Σ_B^†)/C = s²(C−1)²/C.
    const s = 0.1;
    const { features, labels } = clusters(etf, offset, 400, s, rng.child('noise'));
    const m = neuralCollapse(features, labels);
    // Finite sample: Σ_W is a mean of 1600 outer products (relative sd ~ √(2/1600)·… ≈ 4%/√d per direction) and the
    // class means carry noise s/√400; 8% relative covers > 3 sd.
    expect(m.nc1 / ((s * s * (C - 1) ** 2) / C)).toBeGreaterThan(0.92);
    expect(m.nc1 / ((s * s * (C - 1) ** 2) / C)).toBeLessThan(1.08);
  });

  it('every metric worsens monotonically as noise grows', () => {
    const noises = [0.02, 0.1, 0.3, 0.7];
    const ms = noises.map((s) => {
      const { features, labels } = clusters(etf, offset, 30, s, rng.child('mono'));
      return neuralCollapse(features, labels, { W: etf });
    });
    for (let t = 1; t < ms.length; t++) {
      expect(ms[t].nc1).toBeGreaterThan(ms[t - 1].nc1);
      expect(ms[t].nc2.cosineMeanAbsDeviation).toBeGreaterThan(ms[t - 1].nc2.cosineMeanAbsDeviation);
      expect(ms[t].nc2.normCv).toBeGreaterThan(ms[t - 1].nc2.normCv);
      expect(ms[t].nc3 as number).toBeGreaterThan(ms[t - 1].nc3 as number);
      expect(ms[t].nccAccuracy).toBeLessThanOrEqual(ms[t - 1].nccAccuracy);
    }
    expect(ms[0].nccAccuracy).toBe(1);
    expect(ms[3].nccAccuracy).toBeLessThan(1);
  });

  it('NC4 compares NCC with given predictions', () => {
    const { features, labels } = clusters(etf, offset, 5, 0, rng.child('p'));
    const preds = labels.slice();
    preds[0] = (preds[0] + 1) % C;
    preds[1] = (preds[1] + 1) % C;
    const m = neuralCollapse(features, labels, undefined, preds);
    expect(m.nc4).toBe(18 / 20);
    expect(m.networkAccuracy).toBe(18 / 20);
    expect(m.nc3).toBeNull();
  });

  it('rejects bad input, naming the field', () => {
    const f = gaussianMat(6, 3, Rng.fromSeed(1));
    expect(() => neuralCollapse(f, new Int32Array(5))).toThrow(/labels: expected an Int32Array of length 6/);
    expect(() => neuralCollapse(f, Int32Array.from([0, 0, 2, 2, 0, 2]))).toThrow(/class 1 has no examples/);
    expect(() => neuralCollapse(f, Int32Array.from([0, 1, 0, 1, 0, 1]), { W: gaussianMat(3, 3, Rng.fromSeed(2)) })).toThrow(/classifier.W: is 3×3, expected C×d = 2×3/);
  });
});

import { describe, expect, it } from 'vitest';
import { fromRows, type Mat, mat } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';
import { matmul } from '../../src/observe/matrix.ts';
import {
  cka,
  ckaFromKernels,
  hsic,
  knnIndices,
  linearCkaFeatureSpace,
  linearKernel,
  medianPairwiseDistance,
  mutualKnnAlignment,
  rbfKernel,
} from '../../src/observe/similarity.ts';
import { gaussianMat as gaussian, meanSe, randomOrthogonal, scaleMat as scale } from './fixtures.ts';

/** Dense HSIC₀ = tr(K H L H)/(n−1)² with an explicit centering matrix H (the textbook form). */
function denseBiasedHsic(k: Mat, l: Mat): number {
  const n = k.rows;
  const h = mat(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h.data[i * n + j] = (i === j ? 1 : 0) - 1 / n;
  const p = matmul(matmul(matmul(k, h), l), h);
  let tr = 0;
  for (let i = 0; i < n; i++) tr += p.data[i * n + i];
  return tr / ((n - 1) * (n - 1));
}

/**
 * The unbiased HSIC as a U-statistic over distinct index tuples (Song et al. 2012, Theorem 2):
 * HSIC₁ = mean_{i≠j} k_ij l_ij + mean_{i,j,q,r distinct} k_ij l_qr − 2 mean_{i,j,q distinct} k_ij l_iq.
 */
function bruteUnbiasedHsic(k: Mat, l: Mat): number {
  const n = k.rows;
  const K = (i: number, j: number) => k.data[i * n + j];
  const L = (i: number, j: number) => l.data[i * n + j];
  let t2 = 0;
  let c2 = 0;
  let t3 = 0;
  let c3 = 0;
  let t4 = 0;
  let c4 = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      t2 += K(i, j) * L(i, j);
      c2++;
      for (let q = 0; q < n; q++) {
        if (q === i || q === j) continue;
        t3 += K(i, j) * L(i, q);
        c3++;
        for (let r = 0; r < n; r++) {
          if (r === i || r === j || r === q) continue;
          t4 += K(i, j) * L(q, r);
          c4++;
        }
      }
    }
  return t2 / c2 + t4 / c4 - (2 * t3) / c3;
}

describe('CKA', () => {
  const rng = Rng.fromSeed(11, 'cka');
  const x = gaussian(40, 6, rng.child('x'));
  const q = randomOrthogonal(6, rng.child('q'));
  const variants = [
    { kernel: 'linear', unbiased: false },
    { kernel: 'linear', unbiased: true },
    { kernel: 'rbf', unbiased: false },
    { kernel: 'rbf', unbiased: true },
  ] as const;

  for (const opts of variants) {
    it(`= 1 for X vs XQ and X vs cX (${opts.kernel}, unbiased=${opts.unbiased})`, () => {
      // Both comparisons give identical (linear: proportional) kernels up to float rounding: 1e-10 covers ~n² roundings.
      expect(cka(x, matmul(x, q), opts)).toBeCloseTo(1, 10);
      expect(cka(x, scale(x, 3.7), opts)).toBeCloseTo(1, 10);
    });

    it(`is invariant to isotropic scaling and orthogonal maps of either side (${opts.kernel}, unbiased=${opts.unbiased})`, () => {
      const y = gaussian(40, 3, rng.child('y'));
      const base = cka(x, y, opts);
      // Only float rounding separates the two values (the median bandwidth scales with the data).
      expect(cka(scale(matmul(x, q), 0.01), scale(y, 250), opts)).toBeCloseTo(base, 10);
      expect(Math.abs(base)).toBeLessThan(1);
    });
  }

  it('matches hand-computed values on tiny cases', () => {
    // 1-D features: linear CKA is the squared Pearson correlation. x = (1,2,3,4), y = (1,3,2,4): centered
    // x·y = 2.25 − 0.25 − 0.25 + 2.25 = 4, ‖x‖² = ‖y‖² = 5, r = 0.8, CKA = 0.64.
    const x1 = fromRows([[1], [2], [3], [4]]);
    const y1 = fromRows([[1], [3], [2], [4]]);
    expect(cka(x1, y1)).toBeCloseTo(0.64, 14); // exact arithmetic on small integers: float rounding only
    // X = the 4 points ±e₁, ±e₂ (already centered), Y = first coordinate: XᵀX = 2I, ‖XᵀX‖ = 2√2, YᵀY = 2,
    // YᵀX = (2, 0): CKA = 4/(2√2·2) = 1/√2.
    const x2 = fromRows([
      [1, 0],
      [0, 1],
      [-1, 0],
      [0, -1],
    ]);
    const y2 = fromRows([[1], [0], [-1], [0]]);
    expect(cka(x2, y2)).toBeCloseTo(Math.SQRT1_2, 14); // float rounding only
    expect(linearCkaFeatureSpace(x2, y2)).toBeCloseTo(Math.SQRT1_2, 14);
  });

  it('RBF kernel: explicit σ and the median heuristic on a hand case', () => {
    // Points 0, 1, 3 on a line: distances 1, 2, 3 → median 2.
    const x = fromRows([[0], [1], [3]]);
    expect(medianPairwiseDistance(x)).toBe(2);
    const k = rbfKernel(x, 2);
    expect(k.data[1]).toBeCloseTo(Math.exp(-1 / 8), 15); // exp(−1²/(2·2²)); float rounding only
    expect(k.data[2]).toBeCloseTo(Math.exp(-9 / 8), 15);
    expect(k.data[4]).toBe(1);
  });

  it('biased HSIC equals the dense tr(KHLH)/(n−1)² and the unbiased one equals the U-statistic', () => {
    const r = Rng.fromSeed(12, 'hsic');
    const a = gaussian(7, 3, r.child('a'));
    const b = gaussian(7, 2, r.child('b'));
    for (const [k, l] of [
      [linearKernel(a), linearKernel(b)],
      [rbfKernel(a, 1.3), rbfKernel(b, 0.7)],
    ]) {
      // Same sums in a different order: relative float error ~1e-15, so 12 digits is generous.
      expect(hsic(k, l)).toBeCloseTo(denseBiasedHsic(k, l), 12);
      expect(hsic(k, l, { unbiased: true })).toBeCloseTo(bruteUnbiasedHsic(k, l), 12);
    }
  });

  it('unbiased HSIC averages to 0 for independent representations; the biased one is positive', () => {
    // 300 independent trials of n = 12 examples. The trial-to-trial spread gives a standard error of the mean; the
    // unbiased estimator's mean must be within 4 standard errors of 0 (false-alarm rate ~6e-5 under normality),
    // while the biased estimator's O(1/n) positive bias is far above 4 standard errors.
    const r = Rng.fromSeed(13, 'independent');
    const trials = 300;
    const u: number[] = [];
    const bsd: number[] = [];
    for (let t = 0; t < trials; t++) {
      const kx = linearKernel(gaussian(12, 4, r.child('x', t)));
      const ly = linearKernel(gaussian(12, 4, r.child('y', t)));
      u.push(hsic(kx, ly, { unbiased: true }));
      bsd.push(hsic(kx, ly));
    }
    const su = meanSe(u);
    const sb = meanSe(bsd);
    expect(Math.abs(su.mean)).toBeLessThan(4 * su.se);
    expect(sb.mean).toBeGreaterThan(4 * sb.se);
  });

  it('feature-space linear CKA equals the kernel form', () => {
    const r = Rng.fromSeed(14, 'fs');
    const a = gaussian(50, 8, r.child('a'));
    const b = matmul(a, gaussian(8, 5, r.child('w')));
    const noise = r.child('n').fillNormal(new Float64Array(250), 2);
    const noisy = mat(50, 5, b.data.map((v, i) => v + noise[i]));
    // Same quantity through XXᵀ vs XᵀX: float rounding only.
    expect(linearCkaFeatureSpace(a, noisy)).toBeCloseTo(cka(a, noisy), 12);
    expect(ckaFromKernels(linearKernel(a), linearKernel(noisy))).toBeCloseTo(cka(a, noisy), 14);
  });

  it('feature-space debiased linear CKA equals the kernel form of the unbiased HSIC, uncentered inputs too', () => {
    const r = Rng.fromSeed(15, 'fs-unbiased');
    const a = gaussian(40, 6, r.child('a'));
    const mixed = matmul(a, gaussian(6, 4, r.child('w')));
    const noise = r.child('n').fillNormal(new Float64Array(160), 1);
    // a shift of each column: the kernel form sees the raw XXᵀ, the feature form centers first (the U-statistic is shift-invariant)
    const shifted = mat(
      40,
      4,
      mixed.data.map((v, i) => v + noise[i] + 3 * ((i % 4) - 1.5)),
    );
    const unbiased = linearCkaFeatureSpace(a, shifted, { unbiased: true });
    // the kernel form sums n² products, the feature form d₁d₂ ones: float rounding only
    expect(unbiased).toBeCloseTo(cka(a, shifted, { unbiased: true }), 10);
    // and it differs from the biased estimate (the correction is not a no-op on 40 examples)
    expect(Math.abs(unbiased - linearCkaFeatureSpace(a, shifted))).toBeGreaterThan(1e-3);
    expect(() => linearCkaFeatureSpace(gaussian(3, 2, r.child('s')), gaussian(3, 2, r.child('t')), { unbiased: true })).toThrow(/X: has 3 rows, expected at least 4/);
  });

  it('rejects mismatched or degenerate input, naming the field', () => {
    expect(() => cka(mat(5, 2), mat(4, 2))).toThrow(/Y: has 4 rows/);
    expect(() => cka(mat(5, 2, new Float64Array(10).fill(1)), gaussian(5, 2, Rng.fromSeed(1)))).toThrow(/X: HSIC/);
    expect(() => cka(gaussian(3, 2, Rng.fromSeed(1)), gaussian(3, 2, Rng.fromSeed(2)), { unbiased: true })).toThrow(/at least 4/);
  });
});

describe('mutual k-NN alignment', () => {
  it('finds the hand-computed neighbours on a line', () => {
    const x = fromRows([[0], [1], [3], [7]]);
    const nn = knnIndices(x, 2, 'euclidean');
    expect(Array.from(nn[0])).toEqual([1, 2]);
    expect(Array.from(nn[2])).toEqual([1, 0]);
    expect(Array.from(nn[3])).toEqual([2, 1]);
  });

  it('= 1 for identical, rotated and rescaled representations', () => {
    const rng = Rng.fromSeed(21, 'mknn');
    const x = gaussian(80, 5, rng.child('x'));
    const q = randomOrthogonal(5, rng.child('q'));
    expect(mutualKnnAlignment(x, x)).toBe(1);
    // Rotation and scaling preserve the neighbour ordering exactly except for float-rounding ties, which do not occur
    // for continuous random data: equality is expected.
    expect(mutualKnnAlignment(x, scale(matmul(x, q), 5), { metric: 'cosine' })).toBe(1);
    expect(mutualKnnAlignment(x, scale(matmul(x, q), 5), { metric: 'euclidean', k: 5 })).toBe(1);
  });

  it('≈ k/(n−1) for independent representations', () => {
    const rng = Rng.fromSeed(22, 'mknn-indep');
    const n = 300;
    const k = 10;
    const v = mutualKnnAlignment(gaussian(n, 8, rng.child('x')), gaussian(n, 8, rng.child('y')), { k });
    // Per example the overlap is hypergeometric with mean k²/(n−1) ≈ 0.334 and sd ≈ 0.56, so the fraction has sd
    // ≈ 0.056 and the mean over 300 (weakly dependent) examples sd ≈ 0.0033; 0.015 is > 4 sd.
    expect(Math.abs(v - k / (n - 1))).toBeLessThan(0.015);
  });

  it('rejects k out of range', () => {
    expect(() => mutualKnnAlignment(mat(5, 2, new Float64Array(10).fill(1)), mat(5, 2, new Float64Array(10).fill(1)), { k: 5 })).toThrow(/k: expected an integer/);
  });
});

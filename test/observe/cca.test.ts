import { describe, expect, it } from 'vitest';
import { eigh } from '../../src/core/linalg.ts';
import { type Mat, mat } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';
import { canonicalCorrelations, orthonormalColumnBasis, principalSubspace, svcca } from '../../src/observe/cca.ts';
import { centerColumns, crossProduct, matmul } from '../../src/observe/matrix.ts';
import { gaussianMat, orthonormalColumns, randomOrthogonal, scaleMat, withSingularValues } from './fixtures.ts';

/** Textbook CCA: singular values of Σxx^{-1/2} Σxy Σyy^{-1/2} from dense covariances (eigh-based inverse square roots). */
function denseCca(x: Mat, y: Mat): number[] {
  const xc = centerColumns(x);
  const yc = centerColumns(y);
  const invSqrt = (c: Mat): Mat => {
    const { values, vectors } = eigh(c);
    const d = c.rows;
    const out = new Float64Array(d * d);
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += (vectors.data[i * d + k] * vectors.data[j * d + k]) / Math.sqrt(values[k]);
        out[i * d + j] = s;
      }
    return mat(d, d, out);
  };
  const a = invSqrt(crossProduct(xc, xc));
  const b = invSqrt(crossProduct(yc, yc));
  const t = matmul(matmul(a, crossProduct(xc, yc)), b);
  const ev = eigh(crossProduct(t, t)).values; // σ² of T
  return Array.from(ev)
    .map((v) => Math.sqrt(Math.max(0, v)))
    .sort((p, q) => q - p);
}

describe('orthonormalColumnBasis', () => {
  it('returns orthonormal columns spanning the input, dropping dependent columns', () => {
    const rng = Rng.fromSeed(1, 'basis');
    const a = gaussianMat(30, 4, rng);
    // append a fifth column = col0 + 2 col1 (linearly dependent)
    const x = new Float64Array(30 * 5);
    for (let i = 0; i < 30; i++) {
      for (let j = 0; j < 4; j++) x[i * 5 + j] = a.data[i * 4 + j];
      x[i * 5 + 4] = a.data[i * 4] + 2 * a.data[i * 4 + 1];
    }
    const q = orthonormalColumnBasis(mat(30, 5, x));
    expect(q.cols).toBe(4);
    const g = crossProduct(q, q);
    // float error of two Gram–Schmidt passes on a well-conditioned 30×4 matrix: ~1e-15
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(Math.abs(g.data[i * 4 + j] - (i === j ? 1 : 0))).toBeLessThan(1e-12);
  });
});

describe('canonicalCorrelations', () => {
  it('matches the textbook Σxx^{-1/2} Σxy Σyy^{-1/2} computation on a small case', () => {
    const rng = Rng.fromSeed(2, 'cca-dense');
    const x = gaussianMat(40, 3, rng.child('x'));
    const z = gaussianMat(40, 4, rng.child('z'));
    // Y shares part of X's column space
    const y = new Float64Array(40 * 4);
    for (let i = 0; i < 40; i++) for (let j = 0; j < 4; j++) y[i * 4 + j] = z.data[i * 4 + j] + (j < 3 ? 0.7 * x.data[i * 3 + j] : 0);
    const got = canonicalCorrelations(x, mat(40, 4, y));
    const want = denseCca(x, mat(40, 4, y));
    expect(got.length).toBe(3);
    // two different float paths (inverse square roots vs orthonormal bases) on a well-conditioned problem
    for (let i = 0; i < 3; i++) expect(got[i]).toBeCloseTo(want[i], 9);
  });

  it('is 1 for every direction when Y is an invertible linear map of X (plus a shift)', () => {
    const rng = Rng.fromSeed(3, 'cca-inv');
    const x = gaussianMat(50, 5, rng.child('x'));
    const a = gaussianMat(5, 5, rng.child('a'));
    const y = matmul(x, a);
    for (let i = 0; i < y.data.length; i++) y.data[i] += 3; // centering removes the shift
    const rho = canonicalCorrelations(x, y);
    // float error only
    for (const r of rho) expect(r).toBeCloseTo(1, 9);
  });

  it('recovers known population canonical correlations (finite-sample tolerance)', () => {
    const rng = Rng.fromSeed(4, 'cca-pop');
    const n = 20000;
    const rhos = [0.9, 0.5, 0];
    const z = gaussianMat(n, 3, rng.child('z'));
    const ey = gaussianMat(n, 3, rng.child('ey'));
    // x_j = z_j, y_j = ρ_j z_j + √(1−ρ_j²) e_j, then mixed by fixed invertible maps (CCA is invariant to them)
    const x0 = new Float64Array(n * 3);
    const y0 = new Float64Array(n * 3);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < 3; j++) {
        x0[i * 3 + j] = z.data[i * 3 + j];
        y0[i * 3 + j] = rhos[j] * z.data[i * 3 + j] + Math.sqrt(1 - rhos[j] ** 2) * ey.data[i * 3 + j];
      }
    const x = matmul(mat(n, 3, x0), gaussianMat(3, 3, rng.child('mx')));
    const y = matmul(mat(n, 3, y0), gaussianMat(3, 3, rng.child('my')));
    const got = canonicalCorrelations(x, y);
    // sampling error of a canonical correlation ≈ (1−ρ²)/√n ≤ 0.007, and a spurious one for ρ = 0 is ≈ √(d/n) ≈ 0.012
    expect(Math.abs(got[0] - 0.9)).toBeLessThan(0.02);
    expect(Math.abs(got[1] - 0.5)).toBeLessThan(0.03);
    expect(got[2]).toBeLessThan(0.03);
  });

  it('rejects mismatched example counts and constant inputs, naming the field', () => {
    const rng = Rng.fromSeed(5, 'cca-bad');
    expect(() => canonicalCorrelations(gaussianMat(10, 2, rng), gaussianMat(9, 2, rng))).toThrow(/Y: has 9 rows/);
    expect(() => canonicalCorrelations(mat(5, 1, [1, 1, 1, 1, 1]), gaussianMat(5, 2, rng))).toThrow(/X: has no variation/);
  });
});

describe('principalSubspace and svcca', () => {
  it('finds the top-k left singular subspace of a matrix with a spectral gap', () => {
    const rng = Rng.fromSeed(6, 'pcs');
    const s = [10, 8, 6, 1, 0.5, 0.2];
    const x = withSingularValues(80, 12, s, rng.child('x'));
    const u = principalSubspace(x, 3, rng.child('rand'), { center: false });
    expect(u.cols).toBe(3);
    // the projection of X onto span(u) keeps σ₁² + σ₂² + σ₃² of the total: compare ‖uᵀX‖²_F with 100 + 64 + 36
    const p = crossProduct(u, x);
    let energy = 0;
    for (const v of p.data) energy += v * v;
    // gap σ₃/σ₄ = 6 with 4 power iterations: error ~ (1/6)^9 relative, i.e. float level
    expect(energy).toBeCloseTo(200, 6);
  });

  it('svcca is 1 for a representation against a rotated, rescaled copy of itself, and below 1 for an unrelated one', () => {
    const rng = Rng.fromSeed(7, 'svcca');
    const x = withSingularValues(200, 20, [9, 8, 7, 6, 5, 1, 0.5], rng.child('x'));
    const q = randomOrthogonal(20, rng.child('q'));
    const y = scaleMat(matmul(x, q), 3.5);
    const same = svcca(x, y, { dims: 5, rng: rng.child('a') });
    // float error of the randomized range finder with a gap σ₅/σ₆ = 5
    expect(same.similarity).toBeCloseTo(1, 8);
    expect(same.dims).toEqual([5, 5]);
    const other = svcca(x, gaussianMat(200, 20, rng.child('noise')), { dims: 5, rng: rng.child('b') });
    // unrelated 5-dimensional subspaces of R^200: mean canonical correlation ≈ √(5/200)-ish, far below 1
    expect(other.similarity).toBeLessThan(0.5);
  });

  it('caps the kept directions at the numerical rank', () => {
    const rng = Rng.fromSeed(8, 'rank');
    const u = orthonormalColumns(50, 2, rng.child('u'));
    const x = matmul(u, gaussianMat(2, 10, rng.child('v'))); // rank 2
    expect(principalSubspace(x, 5, rng.child('r'), { center: false }).cols).toBe(2);
  });
});

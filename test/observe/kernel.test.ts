import { describe, expect, it } from 'vitest';
import { valueAndGrad } from '../../src/core/autodiff.ts';
import type { Mat } from '../../src/core/mat.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { param, tensor } from '../../src/core/tensor.ts';
import { deepLinearRandom } from '../../src/nn/deepLinear.ts';
import { twoLayerStudent } from '../../src/nn/twoLayer.ts';
import { empiricalNtk, kernelTargetAlignment, relativeKernelChange, relativeWeightChange } from '../../src/observe/kernel.ts';
import { kernelRegression, linearizedGradientDescent } from '../../src/theory/linearized.ts';
import { gaussianMat } from './fixtures.ts';

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** Gram matrix A Bᵀ of the rows. */
function gramRows(a: Mat, b: Mat): Mat {
  const out = new Float64Array(a.rows * b.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < b.rows; j++) for (let k = 0; k < a.cols; k++) out[i * b.rows + j] += a.data[i * a.cols + k] * b.data[j * b.cols + k];
  return { rows: a.rows, cols: b.rows, data: out };
}

describe('empiricalNtk', () => {
  it('equals the analytic NTK of a two-layer linear net, xᵀ(‖w₂‖²I + W₁ᵀW₁)x′', () => {
    const rng = Rng.fromSeed(11, 'ntk-linear');
    const d = 5;
    const h = 4;
    const n = 7;
    const net = deepLinearRandom([d, h, 1], 0.7, rng.child('net'));
    const X = gaussianMat(n, d, rng.child('x'));
    const K = empiricalNtk(() => net.forward(tensor(X.data, [n, d])), net.tensors(), n);
    const [W1, w2] = net.weights; // W1: h×d, w2: 1×h
    const w2sq = w2.reduce((a, v) => a + v * v, 0);
    const M = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      M[i * d + i] += w2sq;
      for (let j = 0; j < d; j++) for (let k = 0; k < h; k++) M[i * d + j] += W1[k * d + i] * W1[k * d + j];
    }
    const expected = new Float64Array(n * n);
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) {
        let s = 0;
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s += X.data[a * d + i] * M[i * d + j] * X.data[b * d + j];
        expected[a * n + b] = s;
      }
    // Same sums in a different order: float rounding, entries are O(10).
    expect(maxAbs(K.data, expected)).toBeLessThan(1e-11);
  });

  it('equals J Jᵀ from per-example autodiff gradients for the ReLU student (mean-field, α = 3)', () => {
    const rng = Rng.fromSeed(12, 'ntk-relu');
    const s = twoLayerStudent({ inputDim: 2, width: 16, outputMultiplier: 3 }, rng.child('net'));
    const n = 6;
    const X = gaussianMat(n, 2, rng.child('x'));
    const K = empiricalNtk(() => s.forward(tensor(X.data, [n, 2])), s.params(), n);
    const rows: Float64Array[] = [];
    for (let i = 0; i < n; i++) {
      const xi = tensor(X.data.slice(2 * i, 2 * i + 2), [1, 2]);
      const { grads } = valueAndGrad(() => op.sum(s.forward(xi)), s.params());
      rows.push(Float64Array.from(grads.flatMap((g) => Array.from(g))));
    }
    const expected = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let p = 0; p < rows[i].length; p++) expected[i * n + j] += rows[i][p] * rows[j][p];
    // Float rounding of 48-term sums of O(1) products.
    expect(maxAbs(K.data, expected)).toBeLessThan(1e-12);
    // symmetric and positive semi-definite (a Gram matrix)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(K.data[i * n + j]).toBeCloseTo(K.data[j * n + i], 12);
  });

  it('rejects a bad batch size, naming it', () => {
    const w = param([1, 2], [2, 1]);
    expect(() => empiricalNtk(() => op.matmul(tensor([1, 1], [1, 2]), w), [w], 0)).toThrow(/batch.*0/);
  });
});

describe('kernelTargetAlignment', () => {
  const y = [1, -2, 0.5, 3];
  const n = y.length;
  it('is 1 for K = yyᵀ and 1/√n for K = I', () => {
    const yy = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) yy[i * n + j] = y[i] * y[j];
    // exact up to float rounding of a handful of products
    expect(kernelTargetAlignment({ rows: n, cols: n, data: yy }, y)).toBeCloseTo(1, 14);
    const id = new Float64Array(n * n);
    for (let i = 0; i < n; i++) id[i * n + i] = 1;
    expect(kernelTargetAlignment({ rows: n, cols: n, data: id }, y)).toBeCloseTo(1 / Math.sqrt(n), 14);
  });

  it('is invariant to K → cK and y → cy and bounded by 1 for a PSD K', () => {
    const rng = Rng.fromSeed(13, 'kta');
    const X = gaussianMat(n, 3, rng);
    const K = gramRows(X, X);
    const a = kernelTargetAlignment(K, y);
    expect(kernelTargetAlignment({ ...K, data: K.data.map((v) => 7 * v) }, y)).toBeCloseTo(a, 14);
    expect(kernelTargetAlignment(K, y.map((v) => -0.3 * v))).toBeCloseTo(a, 14);
    expect(a).toBeGreaterThan(0);
    expect(a).toBeLessThanOrEqual(1);
  });

  it('names the field on bad input', () => {
    expect(() => kernelTargetAlignment({ rows: 2, cols: 2, data: new Float64Array(4) }, [1, 1])).toThrow(/zero matrix/);
    expect(() => kernelTargetAlignment({ rows: 2, cols: 2, data: Float64Array.of(1, 0, 0, 1) }, [1])).toThrow(/y: has 1 entries, expected 2/);
  });
});

describe('relative weight and kernel change', () => {
  it('match hand-computed values', () => {
    // θ₀ = (3, 4) (norm 5), θ_T = (3, 4) + (0, 0) and a second block (0) → (1): ‖Δθ‖ = 1, ‖θ₀‖ = 5
    expect(relativeWeightChange([[3, 4], [0]], [[3, 4], [1]])).toBeCloseTo(0.2, 15);
    const K0 = { rows: 2, cols: 2, data: Float64Array.of(2, 0, 0, 2) }; // ‖K₀‖_F = 2√2
    const KT = { rows: 2, cols: 2, data: Float64Array.of(3, 1, 1, 2) }; // ΔK = [[1,1],[1,0]], ‖ΔK‖_F = √3
    expect(relativeKernelChange(K0, KT)).toBeCloseTo(Math.sqrt(3) / (2 * Math.SQRT2), 15);
  });
  it('reject mismatched shapes, naming them', () => {
    expect(() => relativeWeightChange([[1, 2]], [[1]])).toThrow(/block 0 has 2 entries in theta0 and 1 in thetaT/);
    expect(() => relativeWeightChange([[0]], [[1]])).toThrow(/theta0 is all zeros/);
  });
});

describe('kernelRegression', () => {
  it('with a linear kernel and n ≥ d recovers a linear target exactly (least squares = truth)', () => {
    const rng = Rng.fromSeed(14, 'krr-lin');
    const d = 3;
    const X = gaussianMat(10, d, rng.child('x'));
    const Xt = gaussianMat(5, d, rng.child('xt'));
    const beta = [0.5, -1, 2];
    const f = (m: Mat) => Array.from({ length: m.rows }, (_, i) => beta.reduce((a, b, k) => a + b * m.data[i * d + k], 0));
    // K(X,X) = XXᵀ has rank d = 3 < n = 10: the pseudo-inverse path; cutoff 1e-12·λ_max drops the 7 zero modes
    const pred = kernelRegression(gramRows(X, X), gramRows(Xt, X), f(X));
    // Jacobi eigenvectors of a rank-deficient Gram matrix: ~1e-13 relative; targets O(3).
    expect(maxAbs(pred, f(Xt))).toBeLessThan(1e-9);
  });

  it('with a ridge equals K(x,X)(K + δI)⁻¹y solved by Gaussian elimination', () => {
    const rng = Rng.fromSeed(15, 'krr-ridge');
    const n = 6;
    const X = gaussianMat(n, 2, rng.child('x'));
    const Xt = gaussianMat(3, 2, rng.child('xt'));
    // RBF kernel: full rank
    const rbf = (a: Mat, b: Mat) => {
      const out = new Float64Array(a.rows * b.rows);
      for (let i = 0; i < a.rows; i++)
        for (let j = 0; j < b.rows; j++) {
          const dx = a.data[2 * i] - b.data[2 * j];
          const dy = a.data[2 * i + 1] - b.data[2 * j + 1];
          out[i * b.rows + j] = Math.exp(-(dx * dx + dy * dy) / 2);
        }
      return { rows: a.rows, cols: b.rows, data: out };
    };
    const y = Array.from({ length: n }, (_, i) => Math.sin(i));
    const ridge = 0.1;
    const pred = kernelRegression(rbf(X, X), rbf(Xt, X), y, { ridge });
    // dense solve (K + δI) c = y by Gauss–Jordan with partial pivoting
    const A = Array.from({ length: n }, (_, i) => [...Array.from({ length: n }, (_, j) => rbf(X, X).data[i * n + j] + (i === j ? ridge : 0)), y[i]]);
    for (let c = 0; c < n; c++) {
      let p = c;
      for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
      [A[c], A[p]] = [A[p], A[c]];
      for (let r = 0; r < n; r++) {
        if (r === c) continue;
        const m = A[r][c] / A[c][c];
        for (let k = c; k <= n; k++) A[r][k] -= m * A[c][k];
      }
    }
    const coef = A.map((row, i) => row[n] / row[i]);
    const Kc = rbf(Xt, X);
    const expected = Array.from({ length: 3 }, (_, t) => coef.reduce((a, c, i) => a + c * Kc.data[t * n + i], 0));
    // condition number of K + 0.1I is ≤ ~60: float rounding only
    expect(maxAbs(pred, expected)).toBeLessThan(1e-12);
  });

  it('names bad inputs', () => {
    const K = { rows: 2, cols: 2, data: Float64Array.of(1, 0, 0, 1) };
    expect(() => kernelRegression(K, { rows: 1, cols: 3, data: new Float64Array(3) }, [1, 1])).toThrow(/kCross has 3 columns, expected 2/);
    expect(() => kernelRegression(K, K, [1, 1], { ridge: -1 })).toThrow(/ridge must be a finite number ≥ 0, got -1/);
  });
});

describe('linearizedGradientDescent', () => {
  // Oracle: a model that is exactly linear, f = Jθ, trained by explicit GD on ½‖Jθ − y‖².
  const rng = Rng.fromSeed(16, 'lin-gd');
  const n = 5;
  const p = 9;
  const J = gaussianMat(n, p, rng.child('J'), 0.5);
  const y = rng.child('y').fillNormal(new Float64Array(n));
  const theta0 = rng.child('t').fillNormal(new Float64Array(p), 0.3);
  const K = gramRows(J, J);
  const lmax = Math.max(...Array.from({ length: n }, (_, i) => K.data[i * n + i])) * n; // crude upper bound on λ_max
  const eta = 1 / lmax;
  const f = (th: Float64Array) => Array.from({ length: n }, (_, i) => th.reduce((a, v, k) => a + v * J.data[i * p + k], 0));
  const r0 = f(theta0).map((v, i) => v - y[i]);

  function explicit(steps: number): { theta: Float64Array; r: number[] } {
    const th = Float64Array.from(theta0);
    for (let t = 0; t < steps; t++) {
      const r = f(th).map((v, i) => v - y[i]);
      for (let k = 0; k < p; k++) {
        let g = 0;
        for (let i = 0; i < n; i++) g += J.data[i * p + k] * r[i];
        th[k] -= eta * g;
      }
    }
    return { theta: th, r: f(th).map((v, i) => v - y[i]) };
  }

  it('gives the residual and the parameter displacement of explicit GD on a linear model', () => {
    const T = 40;
    const res = linearizedGradientDescent(K, r0, eta, { steps: T });
    const ex = explicit(T);
    // eigendecomposition vs 40 explicit steps: float rounding amplified by ≤ 40 steps, values O(1)
    expect(maxAbs(res.residual, ex.r)).toBeLessThan(1e-11);
    const disp = Math.sqrt(ex.theta.reduce((a, v, k) => a + (v - theta0[k]) ** 2, 0));
    expect(res.displacement).toBeCloseTo(disp, 10);
    expect(res.lossRatio).toBeCloseTo(ex.r.reduce((a, v) => a + v * v, 0) / r0.reduce((a, v) => a + v * v, 0), 12);
  });

  it('untilLossRatio stops at the first step under the ratio', () => {
    const res = linearizedGradientDescent(K, r0, eta, { untilLossRatio: 1e-2, maxSteps: 100000 });
    expect(res.lossRatio).toBeLessThanOrEqual(1e-2);
    const before = linearizedGradientDescent(K, r0, eta, { steps: res.steps - 1 });
    expect(before.lossRatio).toBeGreaterThan(1e-2);
  });

  it('names bad inputs', () => {
    expect(() => linearizedGradientDescent(K, r0, -1, { steps: 3 })).toThrow(/eta must be a positive finite number, got -1/);
    expect(() => linearizedGradientDescent(K, r0, eta, { untilLossRatio: 2, maxSteps: 3 })).toThrow(/untilLossRatio must be in \(0, 1\), got 2/);
  });
});

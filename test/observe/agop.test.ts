import { describe, expect, it } from 'vitest';
import { type Mat, mat } from '../../src/core/mat.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { noGrad, type Tensor, tensor } from '../../src/core/tensor.ts';
import { mlp } from '../../src/nn/mlp.ts';
import {
  agopFromGradients,
  averageGradientOuterProduct,
  gram,
  inputGradients,
  matrixCosine,
  matrixPearson,
  subspaceOverlap,
  symmetricPower,
} from '../../src/observe/agop.ts';
import { gaussianMat, orthonormalColumns } from './fixtures.ts';

function maxAbsDiff(a: Mat, b: Mat): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

function maxAbs(a: Mat): number {
  return Math.max(...Array.from(a.data, Math.abs));
}

describe('averageGradientOuterProduct', () => {
  it('is WᵀW exactly for a linear model f(x) = Wx, at any inputs', () => {
    const rng = Rng.fromSeed(1, 'agop-linear');
    const d = 6;
    const k = 3;
    const W = gaussianMat(k, d, rng.child('W')); // k×d
    const Wt = tensor(Float64Array.from({ length: d * k }, (_, i) => W.data[(i % k) * d + Math.floor(i / k)]), [d, k]);
    const x = gaussianMat(37, d, rng.child('x'));
    const model = (xb: Tensor) => op.matmul(xb, Wt);
    // per-output gradients: row i of G_o is ∂f_o(x_i)/∂x = W[o, :] for every i (exact copies)
    const grads = inputGradients(model, x, { batchSize: 10 });
    expect(grads).toHaveLength(k);
    for (let o = 0; o < k; o++) for (let i = 0; i < x.rows; i++) for (let p = 0; p < d; p++) expect(grads[o].data[i * d + p]).toBe(W.data[o * d + p]);
    const agop = averageGradientOuterProduct(model, x, { batchSize: 10 });
    // J_i = W for every example, so the average is WᵀW; sums of 3 products: float rounding only
    expect(maxAbsDiff(agop, gram(W))).toBeLessThan(1e-12 * maxAbs(gram(W)));
  });

  it('matches central finite differences of a small tanh MLP (3 outputs)', () => {
    const rng = Rng.fromSeed(2, 'agop-mlp');
    const d = 5;
    const net = mlp({ sizes: [d, 7, 6, 3], activation: 'tanh' }, rng.child('net'));
    const x = gaussianMat(9, d, rng.child('x'));
    const model = (xb: Tensor) => net.forward(xb);
    const agop = averageGradientOuterProduct(model, x);
    // J_i by central differences, column by column: J[:, p] ≈ (f(x + h e_p) − f(x − h e_p)) / 2h
    const h = 1e-5;
    const grads = [0, 1, 2].map(() => mat(x.rows, d));
    for (let i = 0; i < x.rows; i++) {
      for (let p = 0; p < d; p++) {
        const plus = x.data.slice(i * d, i * d + d);
        const minus = plus.slice();
        plus[p] += h;
        minus[p] -= h;
        const fp = noGrad(() => net.forward(tensor(plus, [1, d]))).data;
        const fm = noGrad(() => net.forward(tensor(minus, [1, d]))).data;
        for (let o = 0; o < 3; o++) grads[o].data[i * d + p] = (fp[o] - fm[o]) / (2 * h);
      }
    }
    const fd = agopFromGradients(grads);
    // central differences: truncation O(h²·f''') ~ 1e-10 plus rounding ~ε·|f|/h ~ 1e-11 per Jacobian entry, entries
    // of J are O(1): 1e-8 absolute on the AGOP is ~100× the expected error
    expect(maxAbsDiff(agop, fd)).toBeLessThan(1e-8);
    expect(maxAbs(agop)).toBeGreaterThan(1e-3); // not trivially zero
  });

  it('does not depend on the batch size and is symmetric PSD', () => {
    const rng = Rng.fromSeed(3, 'agop-batch');
    const net = mlp({ sizes: [4, 8, 1], activation: 'relu' }, rng.child('net'));
    const x = gaussianMat(23, 4, rng.child('x'));
    const model = (xb: Tensor) => net.forward(xb);
    const a = averageGradientOuterProduct(model, x, { batchSize: 23 });
    const b = averageGradientOuterProduct(model, x, { batchSize: 4 });
    // the same products summed in the same order per entry: identical up to rounding
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-14 * maxAbs(a));
    for (let p = 0; p < 4; p++) for (let q = 0; q < 4; q++) expect(a.data[p * 4 + q]).toBe(a.data[q * 4 + p]);
    // PSD: symmetricPower throws on eigenvalues below −1e-8·λ_max
    expect(() => symmetricPower(a, 0.5)).not.toThrow();
  });

  it('is covariant under an orthogonal change of input coordinates: AGOP of f(Qᵀ·) at Qx equals Q·AGOP·Qᵀ', () => {
    const rng = Rng.fromSeed(4, 'agop-rot');
    const d = 4;
    const net = mlp({ sizes: [d, 6, 2], activation: 'tanh' }, rng.child('net'));
    const Q = orthonormalColumns(d, d, rng.child('Q'));
    const x = gaussianMat(15, d, rng.child('x'));
    // rows: x_i ↦ Q x_i, i.e. X ↦ X Qᵀ
    const xq = mat(x.rows, d);
    for (let i = 0; i < x.rows; i++) for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) xq.data[i * d + r] += Q.data[r * d + c] * x.data[i * d + c];
    const Qt = tensor(Q.data, [d, d]); // g(z) = f(Qᵀz): rows z ↦ z Q
    const a = averageGradientOuterProduct((xb: Tensor) => net.forward(xb), x);
    const b = averageGradientOuterProduct((zb: Tensor) => net.forward(op.matmul(zb, Qt)), xq);
    const qaq = mat(d, d);
    for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) for (let s = 0; s < d; s++) for (let t = 0; t < d; t++) qaq.data[r * d + c] += Q.data[r * d + s] * a.data[s * d + t] * Q.data[c * d + t];
    // chain rule exactly; Q orthogonal to ~1e-15: float rounding only
    expect(maxAbsDiff(b, qaq)).toBeLessThan(1e-12 * maxAbs(a) + 1e-15);
  });

  it('names the field on bad input', () => {
    const model = (xb: Tensor) => op.sum(xb);
    expect(() => averageGradientOuterProduct(model, mat(3, 2), { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => averageGradientOuterProduct(() => tensor([1, 2, 3], [3, 1]), mat(3, 2))).toThrow(/does not depend/);
    expect(() => agopFromGradients([])).toThrow(/gradients/);
    expect(() => agopFromGradients([mat(3, 2), mat(2, 2)])).toThrow(/gradients\[1\]/);
  });
});

describe('matrix comparisons of the neural feature ansatz', () => {
  it('symmetricPower: (A^½)² = A and A¹ = A on a PSD matrix', () => {
    const g = gram(gaussianMat(7, 5, Rng.fromSeed(5, 'pow')));
    const r = symmetricPower(g, 0.5);
    const r2 = mat(5, 5);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) for (let l = 0; l < 5; l++) r2.data[i * 5 + j] += r.data[i * 5 + l] * r.data[l * 5 + j];
    // eigendecomposition is backward stable: errors ~n·ε·‖A‖
    expect(maxAbsDiff(r2, g)).toBeLessThan(1e-11 * maxAbs(g));
    expect(maxAbsDiff(symmetricPower(g, 1), g)).toBeLessThan(1e-11 * maxAbs(g));
    expect(() => symmetricPower(mat(2, 2, [1, 0, 0, -1]), 0.5)).toThrow(/positive semi-definite/);
    expect(() => symmetricPower(mat(2, 2, [1, 2, 0, 1]), 0.5)).toThrow(/symmetric/);
    expect(() => symmetricPower(g, 0)).toThrow(/alpha/);
  });

  it('matrixPearson and matrixCosine: hand-computed values and scale invariance', () => {
    const a = mat(2, 2, [1, 2, 3, 4]);
    const b = mat(2, 2, [2, 4, 6, 8.5]);
    // a and 2a: correlation and cosine exactly 1 (float rounding)
    expect(matrixPearson(a, mat(2, 2, [2, 4, 6, 8]))).toBeCloseTo(1, 14);
    expect(matrixCosine(a, mat(2, 2, [3, 6, 9, 12]))).toBeCloseTo(1, 14);
    expect(matrixPearson(a, mat(2, 2, [4, 3, 2, 1]))).toBeCloseTo(-1, 14);
    // identity vs all-ones: cosine = tr(1)/(√2·2) = 1/√2; Pearson of [1,0,0,1] with [1,2,3,4]: cov = 0, so 0
    expect(matrixCosine(mat(2, 2, [1, 0, 0, 1]), mat(2, 2, [1, 1, 1, 1]))).toBeCloseTo(Math.SQRT1_2, 14);
    expect(matrixPearson(mat(2, 2, [1, 0, 0, 1]), a)).toBeCloseTo(0, 14);
    expect(matrixPearson(a, b)).toBeGreaterThan(0.99);
    expect(Number.isNaN(matrixPearson(a, mat(2, 2, [1, 1, 1, 1])))).toBe(true);
    expect(() => matrixPearson(a, mat(2, 3))).toThrow(/b: is 2×3/);
  });

  it('subspaceOverlap is 1 on span(U), 0 on its complement, and k/d-ish for a random subspace', () => {
    const rng = Rng.fromSeed(6, 'overlap');
    const d = 10;
    const Q = orthonormalColumns(d, d, rng.child('Q'));
    const U = mat(d, 2);
    const V = mat(d, 2);
    for (let i = 0; i < d; i++) {
      U.data[i * 2] = Q.data[i * d];
      U.data[i * 2 + 1] = Q.data[i * d + 1];
      V.data[i * 2] = Q.data[i * d + 2];
      V.data[i * 2 + 1] = Q.data[i * d + 3];
    }
    // A = 3 u₁u₁ᵀ + 2 u₂u₂ᵀ + 0.1 I: top-2 eigenspace is exactly span(U)
    const A = mat(d, d);
    for (let i = 0; i < d; i++) {
      A.data[i * d + i] += 0.1;
      for (let j = 0; j < d; j++) A.data[i * d + j] += 3 * U.data[i * 2] * U.data[j * 2] + 2 * U.data[i * 2 + 1] * U.data[j * 2 + 1];
    }
    // eigenvectors to ~1e-15 with a gap of 1.9: float rounding only
    expect(subspaceOverlap(A, U)).toBeCloseTo(1, 12);
    expect(subspaceOverlap(A, V)).toBeCloseTo(0, 12);
    expect(() => subspaceOverlap(A, mat(9, 2))).toThrow(/u: has 9 rows/);
  });
});

/**
 * The average gradient outer product (AGOP) and the matrix comparisons of the neural feature ansatz (catalog
 * study 22). Browser-safe.
 *
 * - AGOP (Radhakrishnan, Beaglehole, Pandit & Belkin 2024, "Mechanism for feature learning in neural networks and
 *   backpropagation-free machine learning models", Science 383; the paper's equation 3):
 *       AGOP = (1/n) Σ_i J_iᵀ J_i,   J_i = ∂f(x_i)/∂x ∈ R^{k×d}
 *   for a model f: R^d → R^k on inputs x_1..x_n; for a scalar output, (1/n) Σ_i ∇_x f(x_i) ∇_x f(x_i)ᵀ. The input
 *   gradients come from reverse-mode autodiff (src/core/autodiff.ts): the input batch is a leaf that requires
 *   gradients, and one backward pass per output coordinate o, seeded with 1 at (i, o) for every row i, leaves
 *   ∂f_o(x_i)/∂x_i in row i of the input's adjoint. Assumption: the model treats the rows of its input batch
 *   independently (no batch-mixing ops such as batch normalization); otherwise row i of the adjoint would be
 *   Σ_r ∂f_o(x_r)/∂x_i, not the per-example gradient.
 * - The neural feature ansatz (NFA) says W₁ᵀW₁ ∝ AGOP^α for the first layer W₁ (rows = neurons), with α = 1 in the
 *   Science paper and α = ½ in later work (Beaglehole et al. 2023, "Mechanism of feature learning in convolutional
 *   neural networks"); it is compared entrywise: `matrixPearson` (Pearson correlation of the d² entries, as in
 *   Radhakrishnan et al. 2024) and `matrixCosine` (⟨A, B⟩_F / ‖A‖_F‖B‖_F, the uncentered version).
 * - `symmetricPower` computes A^α = Q Λ^α Qᵀ of a symmetric positive semi-definite matrix, clipping the tiny negative
 *   eigenvalues that rounding can leave in a PSD matrix to 0.
 * - `subspaceOverlap(A, U)`: ‖P_kᵀ U‖²_F / k where P_k spans the top-k eigenvectors of A and U (d×k) has orthonormal
 *   columns; 1 iff the top-k eigenspace of A is span(U), k/d in expectation for a random subspace.
 */
import { backward, topoOrder } from '../core/autodiff.ts';
import { eigh } from '../core/linalg.ts';
import type { Mat } from '../core/mat.ts';
import { param, type Tensor } from '../core/tensor.ts';
import { checkMat } from './matrix.ts';

export interface InputGradientOptions {
  /** Rows per forward/backward pass (bounds the graph's memory); default 512. The result does not depend on it. */
  batchSize?: number;
}

/**
 * Per-example input gradients of a model that maps an [B, d] batch to [B, k] (or [B]) outputs: one n×d matrix per
 * output coordinate o, row i = ∂f_o(x_i)/∂x. `model` must build its graph from the tensor it is given.
 */
export function inputGradients(model: (x: Tensor) => Tensor, x: Mat, opts: InputGradientOptions = {}): Mat[] {
  checkMat(x, 'x');
  const bs = opts.batchSize ?? 512;
  if (!Number.isInteger(bs) || bs < 1) throw new Error(`batchSize: expected a positive integer, got ${bs}`);
  const { rows: n, cols: d } = x;
  let out: Mat[] = [];
  for (let start = 0; start < n; start += bs) {
    const b = Math.min(bs, n - start);
    const xb = param(x.data.slice(start * d, (start + b) * d), [b, d]);
    const f = model(xb);
    if (f.shape[0] !== b || f.size % b !== 0) throw new Error(`model: output shape [${f.shape.join(', ')}] does not start with the batch size ${b}`);
    const k = f.size / b;
    if (start === 0) out = Array.from({ length: k }, () => ({ rows: n, cols: d, data: new Float64Array(n * d) }));
    else if (k !== out.length) throw new Error(`model: ${k} outputs per example in rows ${start}.., ${out.length} before`);
    const order = topoOrder(f);
    if (!order.includes(xb)) throw new Error('model: the output does not depend on its input tensor (build the graph from the argument)');
    const seed = new Float64Array(f.size);
    for (let o = 0; o < k; o++) {
      for (const t of order) {
        t.grad = null;
        t.gradTangent = null;
      }
      seed.fill(0);
      for (let i = 0; i < b; i++) seed[i * k + o] = 1;
      backward(f, seed, undefined, order);
      const g = xb.grad;
      if (g !== null) out[o].data.set(g, start * d);
    }
    for (const t of order) {
      t.grad = null;
      t.gradTangent = null;
    }
  }
  return out;
}

/** (1/n) Σ_o G_oᵀ G_o for per-output gradient matrices G_o (n×d), i.e. (1/n) Σ_i J_iᵀ J_i. */
export function agopFromGradients(gradients: Mat[]): Mat {
  if (gradients.length === 0) throw new Error('gradients: expected at least one n×d gradient matrix, got none');
  const { rows: n, cols: d } = gradients[0];
  gradients.forEach((g, o) => {
    checkMat(g, `gradients[${o}]`);
    if (g.rows !== n || g.cols !== d) throw new Error(`gradients[${o}]: is ${g.rows}×${g.cols}, expected ${n}×${d} like gradients[0]`);
  });
  const a = new Float64Array(d * d);
  for (const g of gradients) {
    for (let i = 0; i < n; i++) {
      const row = i * d;
      for (let p = 0; p < d; p++) {
        const gp = g.data[row + p];
        if (gp === 0) continue;
        for (let q = p; q < d; q++) a[p * d + q] += gp * g.data[row + q];
      }
    }
  }
  for (let p = 0; p < d; p++) {
    for (let q = p; q < d; q++) {
      a[p * d + q] /= n;
      a[q * d + p] = a[p * d + q];
    }
  }
  return { rows: d, cols: d, data: a };
}

/** AGOP = (1/n) Σ_i J_iᵀ J_i of `model` on the rows of `x` (d×d, symmetric PSD). */
export function averageGradientOuterProduct(model: (x: Tensor) => Tensor, x: Mat, opts: InputGradientOptions = {}): Mat {
  return agopFromGradients(inputGradients(model, x, opts));
}

/** WᵀW for a layer stored with rows = neurons (W is h×d): the neural feature matrix of Radhakrishnan et al. 2024. */
export function gram(w: Mat): Mat {
  checkMat(w, 'w');
  const { rows: h, cols: d } = w;
  const g = new Float64Array(d * d);
  for (let r = 0; r < h; r++) {
    for (let p = 0; p < d; p++) {
      const wp = w.data[r * d + p];
      for (let q = p; q < d; q++) g[p * d + q] += wp * w.data[r * d + q];
    }
  }
  for (let p = 0; p < d; p++) for (let q = 0; q < p; q++) g[p * d + q] = g[q * d + p];
  return { rows: d, cols: d, data: g };
}

function checkSquareSymmetric(a: Mat, field: string): number {
  checkMat(a, field);
  if (a.rows !== a.cols) throw new Error(`${field}: is ${a.rows}×${a.cols}, expected a square matrix`);
  const n = a.rows;
  let scale = 0;
  for (let i = 0; i < a.data.length; i++) scale = Math.max(scale, Math.abs(a.data[i]));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      // symmetric up to rounding of sums of products (relative 1e-10 of the largest entry)
      if (Math.abs(a.data[i * n + j] - a.data[j * n + i]) > 1e-10 * scale) {
        throw new Error(`${field}: entries (${i}, ${j}) = ${a.data[i * n + j]} and (${j}, ${i}) = ${a.data[j * n + i]} differ; expected a symmetric matrix`);
      }
    }
  }
  return n;
}

/**
 * A^α = Q max(Λ, 0)^α Qᵀ for a symmetric PSD matrix A (α > 0). Negative eigenvalues larger in magnitude than 1e-8 of
 * the largest one are an error (A is not PSD); smaller ones are rounding and are clipped to 0.
 */
export function symmetricPower(a: Mat, alpha: number): Mat {
  const n = checkSquareSymmetric(a, 'a');
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new Error(`alpha: expected a positive finite exponent, got ${alpha}`);
  const { values, vectors } = eigh(a);
  const top = Math.max(...Array.from(values, Math.abs), 0);
  const lam = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (values[i] < -1e-8 * top) throw new Error(`a: has eigenvalue ${values[i]} < 0 (largest |λ| = ${top}); expected a positive semi-definite matrix`);
    lam[i] = values[i] > 0 ? values[i] ** alpha : 0;
  }
  const out = new Float64Array(n * n);
  for (let p = 0; p < n; p++) {
    for (let q = p; q < n; q++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += vectors.data[p * n + i] * lam[i] * vectors.data[q * n + i];
      out[p * n + q] = s;
      out[q * n + p] = s;
    }
  }
  return { rows: n, cols: n, data: out };
}

function checkSameShape(a: Mat, b: Mat): void {
  checkMat(a, 'a');
  checkMat(b, 'b');
  if (a.rows !== b.rows || a.cols !== b.cols) throw new Error(`b: is ${b.rows}×${b.cols}, expected ${a.rows}×${a.cols} like a`);
}

/** Pearson correlation of the entries of two same-shape matrices (NaN if either is constant). */
export function matrixPearson(a: Mat, b: Mat): number {
  checkSameShape(a, b);
  const n = a.data.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a.data[i];
    mb += b.data[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const u = a.data[i] - ma;
    const v = b.data[i] - mb;
    sab += u * v;
    saa += u * u;
    sbb += v * v;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : Number.NaN;
}

/** ⟨A, B⟩_F / (‖A‖_F ‖B‖_F) (NaN if either is zero). */
export function matrixCosine(a: Mat, b: Mat): number {
  checkSameShape(a, b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.data.length; i++) {
    sab += a.data[i] * b.data[i];
    saa += a.data[i] * a.data[i];
    sbb += b.data[i] * b.data[i];
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : Number.NaN;
}

/**
 * ‖P_kᵀU‖²_F / k ∈ [0, 1]: how much of span(U) (d×k, orthonormal columns) lies in the top-k eigenspace P_k of the
 * symmetric matrix A (d×d).
 */
export function subspaceOverlap(a: Mat, u: Mat): number {
  const d = checkSquareSymmetric(a, 'a');
  checkMat(u, 'u');
  if (u.rows !== d) throw new Error(`u: has ${u.rows} rows, expected ${d} (the size of a)`);
  const k = u.cols;
  if (k > d) throw new Error(`u: has ${k} columns, expected at most ${d}`);
  const { vectors } = eigh(a);
  let s = 0;
  // eigenvalues ascending: the top-k eigenvectors are the last k columns
  for (let c = d - k; c < d; c++) {
    for (let j = 0; j < k; j++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += vectors.data[i * d + c] * u.data[i * k + j];
      s += dot * dot;
    }
  }
  return s / k;
}

/**
 * Deep linear networks f(x) = W_L ⋯ W_2 W_1 x (Saxe, McClelland & Ganguli 2014, "Exact solutions to the
 * nonlinear dynamics of learning in deep linear neural networks"; Arora, Cohen & Hazan 2018).
 *
 * Column convention: W_l has shape sizes[l+1] × sizes[l] (rows = fan-out), stored row-major, so the
 * end-to-end map is the product P = W_L ⋯ W_1 (d_out × d_in). The network is linear in x, so every
 * squared loss depends on the data only through its second moments:
 *   L(P) = ½ E‖y − P x‖² = ½ (E‖y‖² − 2 tr(P Σ_xy) + tr(P Σ_xx Pᵀ)),   ∂L/∂P = P Σ_xx − Σ_yx,
 * with Σ_xx = E[x xᵀ], Σ_yx = E[y xᵀ]. Whitened inputs (Σ_xx = I) and Σ_yx = T give the population loss
 * ½‖P − T‖²_F of the Saxe studies. The chain rule through the product gives each layer's gradient
 *   G_l = ∂L/∂W_l = (W_L ⋯ W_{l+1})ᵀ (∂L/∂P) (W_{l−1} ⋯ W_1)ᵀ,
 * computed here in closed form (a few small gemms, no graph), which keeps long gradient-descent runs
 * (10⁴–10⁵ steps) cheap. `tensors()`/`forward()` expose the same weights to autodiff for instruments
 * (empirical NTK), sharing the buffers.
 */
import { kernels } from '../core/kernels.ts';
import type { Mat } from '../core/mat.ts';
import * as op from '../core/ops.ts';
import type { Rng } from '../core/random.ts';
import { type Tensor, param } from '../core/tensor.ts';
import type { Model } from './model.ts';

/** Second moments of a linear-regression problem: Σ_xx (d_in × d_in), Σ_yx (d_out × d_in), E‖y‖². */
export interface LinearRegressionMoments {
  sxx: Mat;
  syx: Mat;
  syy: number;
}

function checkSizes(sizes: readonly number[]): void {
  if (!Array.isArray(sizes) || sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new Error(`deepLinear: sizes must be ≥ 2 positive integers [d_in, hidden..., d_out], got [${sizes.join(', ')}]`);
  }
}

/** C = A · B for row-major A (m×k), B (k×n). */
function mm(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  kernels().gemm(false, false, m, n, k, a, b, c, false);
  return c;
}

export class DeepLinearNet implements Model {
  /** [d_in, h_1, ..., d_out] */
  readonly sizes: readonly number[];
  /** W_l, row-major sizes[l+1] × sizes[l]. Mutated in place by `step`. */
  readonly weights: Float64Array[];
  private views: Tensor[] | null = null;

  constructor(sizes: readonly number[], weights: Float64Array[]) {
    checkSizes(sizes);
    if (weights.length !== sizes.length - 1) throw new Error(`DeepLinearNet: weights has ${weights.length} matrices, expected ${sizes.length - 1} (one per layer)`);
    weights.forEach((w, l) => {
      if (w.length !== sizes[l + 1] * sizes[l]) throw new Error(`DeepLinearNet: weights[${l}] has ${w.length} entries, expected ${sizes[l + 1]}×${sizes[l]} = ${sizes[l + 1] * sizes[l]}`);
    });
    this.sizes = [...sizes];
    this.weights = weights;
  }

  get depth(): number {
    return this.weights.length;
  }

  get inputDim(): number {
    return this.sizes[0];
  }

  get outputDim(): number {
    return this.sizes[this.sizes.length - 1];
  }

  /** Partial product W_{hi−1} ⋯ W_{lo} (sizes[hi] × sizes[lo]); the identity when hi = lo. */
  partialProduct(lo: number, hi: number): Mat {
    const n0 = this.sizes[lo];
    if (hi === lo) {
      const id = new Float64Array(n0 * n0);
      for (let i = 0; i < n0; i++) id[i * n0 + i] = 1;
      return { rows: n0, cols: n0, data: id };
    }
    let acc = this.weights[lo];
    for (let l = lo + 1; l < hi; l++) acc = mm(this.weights[l], acc, this.sizes[l + 1], this.sizes[l], n0);
    return { rows: this.sizes[hi], cols: n0, data: lo + 1 === hi ? Float64Array.from(acc) : acc };
  }

  /** End-to-end map P = W_L ⋯ W_1 (d_out × d_in). */
  product(): Mat {
    return this.partialProduct(0, this.depth);
  }

  /** Per-layer gradients G_l = (W_L⋯W_{l+1})ᵀ (∂L/∂P) (W_{l−1}⋯W_1)ᵀ for a loss with end-to-end gradient ∂L/∂P. */
  gradients(dLdP: Mat): Float64Array[] {
    const L = this.depth;
    if (dLdP.rows !== this.outputDim || dLdP.cols !== this.inputDim) {
      throw new Error(`DeepLinearNet.gradients: dL/dP is ${dLdP.rows}×${dLdP.cols}, expected ${this.outputDim}×${this.inputDim}`);
    }
    const K = kernels();
    const grads: Float64Array[] = [];
    for (let l = 0; l < L; l++) {
      // tmp = (W_L⋯W_{l+1})ᵀ · dL/dP  (sizes[l+1] × d_in); the top layer skips the identity
      let tmp: Float64Array;
      if (l === L - 1) tmp = dLdP.data;
      else {
        const above = this.partialProduct(l + 1, L); // d_out × sizes[l+1]
        tmp = new Float64Array(this.sizes[l + 1] * this.inputDim);
        K.gemm(true, false, this.sizes[l + 1], this.inputDim, this.outputDim, above.data, dLdP.data, tmp, false);
      }
      // G = tmp · (W_{l−1}⋯W_1)ᵀ  (sizes[l+1] × sizes[l]); the bottom layer skips the identity
      if (l === 0) {
        grads.push(Float64Array.from(tmp));
        continue;
      }
      const below = this.partialProduct(0, l); // sizes[l] × d_in
      const g = new Float64Array(this.sizes[l + 1] * this.sizes[l]);
      K.gemm(false, true, this.sizes[l + 1], this.sizes[l], this.inputDim, tmp, below.data, g, false);
      grads.push(g);
    }
    return grads;
  }

  /** Gradient descent step W_l ← W_l − η G_l (in place). */
  step(eta: number, grads: Float64Array[]): void {
    for (let l = 0; l < this.depth; l++) {
      const w = this.weights[l];
      const g = grads[l];
      for (let j = 0; j < w.length; j++) w[j] -= eta * g[j];
    }
  }

  /** Autodiff leaves sharing this network's buffers (W_l as [sizes[l+1], sizes[l]]). */
  tensors(): Tensor[] {
    if (this.views === null) this.views = this.weights.map((w, l) => param(w, [this.sizes[l + 1], this.sizes[l]]));
    return this.views;
  }

  /** `Model.params()`: the autodiff leaves of `tensors()` (W_1, …, W_L). */
  params(): Tensor[] {
    return this.tensors();
  }

  /** No parameterization table: every learning-rate multiplier is 1. */
  lrScales(): number[] {
    return this.weights.map(() => 1);
  }

  /** Batch forward x [B, d_in] → [B, d_out] = x W_1ᵀ ⋯ W_Lᵀ through autodiff (for instruments). */
  forward(x: Tensor): Tensor {
    let h = x;
    for (const w of this.tensors()) h = op.matmul(h, op.transpose(w));
    return h;
  }

  /** Deep copy of the weights. */
  snapshot(): Float64Array[] {
    return this.weights.map((w) => Float64Array.from(w));
  }
}

/** A deep linear network with i.i.d. N(0, std²) entries (std may differ per layer). */
export function deepLinearRandom(sizes: readonly number[], std: number | readonly number[], rng: Rng): DeepLinearNet {
  checkSizes(sizes);
  const L = sizes.length - 1;
  const stds = typeof std === 'number' ? Array(L).fill(std) : [...std];
  if (stds.length !== L || stds.some((s) => !(s >= 0) || !Number.isFinite(s))) throw new Error(`deepLinearRandom: std must be a non-negative number or ${L} of them, got ${JSON.stringify(std)}`);
  const weights = Array.from({ length: L }, (_, l) => rng.child('W', l).fillNormal(new Float64Array(sizes[l + 1] * sizes[l]), stds[l]));
  return new DeepLinearNet(sizes, weights);
}

/** Loss ½ E‖y − P x‖² and its gradient ∂L/∂P = P Σ_xx − Σ_yx from the second moments. */
export function linearRegressionLoss(P: Mat, m: LinearRegressionMoments): { loss: number; dLdP: Mat } {
  const { rows: dout, cols: din } = P;
  if (m.sxx.rows !== din || m.sxx.cols !== din) throw new Error(`linearRegressionLoss: Σ_xx is ${m.sxx.rows}×${m.sxx.cols}, expected ${din}×${din}`);
  if (m.syx.rows !== dout || m.syx.cols !== din) throw new Error(`linearRegressionLoss: Σ_yx is ${m.syx.rows}×${m.syx.cols}, expected ${dout}×${din}`);
  const ps = mm(P.data, m.sxx.data, dout, din, din); // P Σ_xx
  let quad = 0;
  let cross = 0;
  const g = new Float64Array(dout * din);
  for (let i = 0; i < g.length; i++) {
    quad += ps[i] * P.data[i];
    cross += P.data[i] * m.syx.data[i];
    g[i] = ps[i] - m.syx.data[i];
  }
  return { loss: 0.5 * (m.syy - 2 * cross + quad), dLdP: { rows: dout, cols: din, data: g } };
}

/** Moments of the whitened population problem (Σ_xx = I, Σ_yx = T): L = ½‖P − T‖²_F. */
export function whitenedMoments(T: Mat): LinearRegressionMoments {
  const d = T.cols;
  const sxx = new Float64Array(d * d);
  for (let i = 0; i < d; i++) sxx[i * d + i] = 1;
  let syy = 0;
  for (const v of T.data) syy += v * v;
  return { sxx: { rows: d, cols: d, data: sxx }, syx: { rows: T.rows, cols: T.cols, data: Float64Array.from(T.data) }, syy };
}

/** Empirical moments of a data set X (n × d_in), Y (n × d_out): L = (1/2n) Σᵢ ‖yᵢ − P xᵢ‖². */
export function sampleMoments(X: Mat, Y: Mat): LinearRegressionMoments {
  if (X.rows !== Y.rows) throw new Error(`sampleMoments: X has ${X.rows} rows and Y has ${Y.rows}, expected the same number of examples`);
  const n = X.rows;
  const sxx = new Float64Array(X.cols * X.cols);
  kernels().gemm(true, false, X.cols, X.cols, n, X.data, X.data, sxx, false);
  const syx = new Float64Array(Y.cols * X.cols);
  kernels().gemm(true, false, Y.cols, X.cols, n, Y.data, X.data, syx, false);
  let syy = 0;
  for (const v of Y.data) syy += v * v;
  for (let i = 0; i < sxx.length; i++) sxx[i] /= n;
  for (let i = 0; i < syx.length; i++) syx[i] /= n;
  return { sxx: { rows: X.cols, cols: X.cols, data: sxx }, syx: { rows: Y.cols, cols: X.cols, data: syx }, syy: syy / n };
}

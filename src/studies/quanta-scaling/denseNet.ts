/**
 * The shared-parameter network of the quanta-scaling study (catalog 20; issue 13 item 7). Browser-safe.
 *
 * Item k enters as a dense code x_k ∈ R^d (d ≪ K, src/data/quanta.ts `codes`), so every parameter is shared by all
 * quanta: f(x) = Vᵀ φ(W x + b), W ∈ R^{w×d}, b ∈ R^w, V ∈ R^{w×m}, φ the leaky ReLU max(z, leak·z). Loss per example
 * ½‖f(x_k) − y_k‖², population loss L = Σ_k p_k ‖f(x_k) − y_k‖² (exact, over all K items). Unlike the one-hot lookup
 * (./lookupNet.ts), training on item j moves the output on every other item: a learned item can be forgotten
 * and an unseen one is not left at f = 0, so L(D) is no longer the unseen mass by construction. The output is still
 * linear in the w hidden units, so width w reproduces at most w nearly orthogonal targets (Eckart–Young): the quanta
 * model's capacity count holds as an upper bound on what the network can learn, and whether the shared first layer
 * reaches it (units selective enough, through W and b, for interference to stay small) is what the study measures.
 *
 * Why a hand-derived gradient and not `fit`: the autodiff path has no leaky ReLU. The batch's forward and backward
 * passes are a few matrix products through the kernels' GEMM (one loop per item was 3–7× slower on the data sweep's
 * hundreds of items); the updates go through the one optimizer module (src/nn/optim.ts `OptimizerState`), so this
 * file holds only the model and its gradient (tested against central finite differences).
 */
import { kernels } from '../../core/kernels.ts';
import type { Rng } from '../../core/random.ts';
import type { QuantaTask } from '../../data/quanta.ts';
import { populationLoss } from './lookupNet.ts';

export interface DenseQuantaNet {
  /** code dimension d, width w, output dimension m */
  d: number;
  w: number;
  m: number;
  leak: number;
  /** w×d first layer (row u: unit u's input weights) */
  W: Float64Array;
  /** w hidden biases */
  b: Float64Array;
  /** w×m readout */
  V: Float64Array;
}

/** The task's codes, or a clear error when it was built without them. */
function codesOf(task: QuantaTask): Float64Array {
  if (!task.codes || task.codeDim === undefined) throw new Error('dense quanta net: task.codes is undefined, expected a task made with a codeDim (makeQuantaTask(..., { codeDim }))');
  return task.codes;
}

/**
 * W_uj ~ N(0, s_W²/d) (pre-activations of size s_W on unit-norm codes), b = 0, V ~ N(0, s_V²). Small scales: the rich,
 * saddle-to-saddle regime in which items are picked up one at a time (Saxe et al. 2014), and an item never trained on
 * starts with an output ≈ 0 (loss ≈ ‖y_k‖² = 1).
 */
export function makeDenseQuantaNet(task: QuantaTask, w: number, initW: number, initV: number, rng: Rng, leak: number): DenseQuantaNet {
  codesOf(task);
  const d = task.codeDim ?? 0;
  const W = rng.child('W').fillNormal(new Float64Array(w * d), initW / Math.sqrt(d));
  const V = rng.child('V').fillNormal(new Float64Array(w * task.m), initV);
  return { d, w, m: task.m, leak, W, b: new Float64Array(w), V };
}

/** Row-major work arrays of one batch of n items (reused while n stays the same). */
interface Batch {
  n: number;
  /** n×d codes of the batch's items */
  X: Float64Array;
  /** n×w pre-activations, then (backward) their adjoints */
  Z: Float64Array;
  /** n×w activations φ(Z) */
  H: Float64Array;
  /** n×m outputs, then the weighted residuals c·(f − y) */
  F: Float64Array;
}

const batches = new WeakMap<DenseQuantaNet, Batch>();

function batchFor(net: DenseQuantaNet, n: number): Batch {
  const cached = batches.get(net);
  if (cached && cached.n === n) return cached;
  const { d, w, m } = net;
  const b = { n, X: new Float64Array(n * d), Z: new Float64Array(n * w), H: new Float64Array(n * w), F: new Float64Array(n * m) };
  batches.set(net, b);
  return b;
}

/**
 * Forward pass of items[0..n) as two matrix products (the kernels' GEMM): Z = X Wᵀ + b, H = φ(Z), F = H V.
 * One product per layer instead of a loop per item: the data sweep trains on hundreds of items per step.
 */
function forwardBatch(net: DenseQuantaNet, codes: Float64Array, items: ArrayLike<number>, bt: Batch): void {
  const { d, w, m, W, b, V, leak } = net;
  const { n, X, Z, H, F } = bt;
  for (let q = 0; q < n; q++) X.set(codes.subarray(items[q] * d, (items[q] + 1) * d), q * d);
  const k = kernels();
  k.gemm(false, true, n, w, d, X, W, Z, false);
  for (let q = 0; q < n; q++) {
    for (let u = 0; u < w; u++) {
      const z = Z[q * w + u] + b[u];
      Z[q * w + u] = z;
      H[q * w + u] = z > 0 ? z : leak * z;
    }
  }
  k.gemm(false, false, n, m, w, H, V, F, false);
}

/** Per-item loss ‖f(x_k) − y_k‖² for k < count. */
export function denseItemLosses(task: QuantaTask, net: DenseQuantaNet, count = task.K): Float64Array {
  const codes = codesOf(task);
  const { m } = net;
  const items = Int32Array.from({ length: count }, (_, k) => k);
  const bt = batchFor(net, count);
  forwardBatch(net, codes, items, bt);
  const out = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    let l = 0;
    for (let j = 0; j < m; j++) l += (bt.F[k * m + j] - task.y[k * m + j]) ** 2;
    out[k] = l;
  }
  return out;
}

/** Population loss Σ_k p_k ‖f(x_k) − y_k‖². */
export function denseQuantaLoss(task: QuantaTask, net: DenseQuantaNet): number {
  return populationLoss(task, denseItemLosses(task, net));
}

/** Gradient buffers aligned with `denseParamsOf`: [W, b, V]. */
export interface DenseGrads {
  W: Float64Array;
  b: Float64Array;
  V: Float64Array;
}

export function denseGradBuffers(net: DenseQuantaNet): DenseGrads {
  return { W: new Float64Array(net.W.length), b: new Float64Array(net.b.length), V: new Float64Array(net.V.length) };
}

/** The parameter arrays in the order the optimizer steps them. */
export function denseParamsOf(net: DenseQuantaNet): Float64Array[] {
  return [net.W, net.b, net.V];
}

/**
 * Accumulate into g the gradient of Σ_μ c_μ · ½‖f(x_{k_μ}) − y_{k_μ}‖² over (item, weight) pairs; returns that loss.
 * Backprop by hand, as products over the batch: R = c ∘ (F − Y) (rows weighted), ∂/∂V = Hᵀ R, ∂/∂Z = (R Vᵀ) ∘ φ'(Z),
 * ∂/∂W = (∂/∂Z)ᵀ X, ∂/∂b = the column sums of ∂/∂Z (φ'(0) taken as `leak`).
 */
export function denseQuantaGradient(task: QuantaTask, net: DenseQuantaNet, items: ArrayLike<number>, weights: ArrayLike<number>, g: DenseGrads): number {
  const codes = codesOf(task);
  const { d, w, m, V, leak } = net;
  const n = items.length;
  if (n === 0) return 0;
  const bt = batchFor(net, n);
  forwardBatch(net, codes, items, bt);
  const { X, Z, H, F } = bt;
  let loss = 0;
  for (let q = 0; q < n; q++) {
    const c = weights[q];
    const y = items[q] * m;
    let l = 0;
    for (let j = 0; j < m; j++) {
      const r = F[q * m + j] - task.y[y + j];
      l += r * r;
      F[q * m + j] = c * r;
    }
    loss += 0.5 * c * l;
  }
  const k = kernels();
  k.gemm(true, false, w, m, n, H, F, g.V, true);
  // Z now takes the adjoints: φ'(z) is read from H instead, since φ(z) > 0 exactly when z > 0 (leak ≥ 0)
  k.gemm(false, true, n, w, m, F, V, Z, false);
  for (let q = 0; q < n; q++) {
    for (let u = 0; u < w; u++) {
      const dz = H[q * w + u] > 0 ? Z[q * w + u] : leak * Z[q * w + u];
      Z[q * w + u] = dz;
      g.b[u] += dz;
    }
  }
  k.gemm(true, false, w, d, n, Z, X, g.W, true);
  return loss;
}

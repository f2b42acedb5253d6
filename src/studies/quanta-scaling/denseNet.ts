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
 * Why a hand-derived gradient and not `fit`: the autodiff path has no leaky ReLU, and the per-item loop below is a
 * few flops per parameter; the updates go through the one optimizer module (src/nn/optim.ts `OptimizerState`), so
 * this file holds only the model and its gradient (tested against central finite differences).
 */
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

/** Hidden pre-activations z = W x_k + b of item k into `z`. */
function preActivations(net: DenseQuantaNet, codes: Float64Array, k: number, z: Float64Array): void {
  const { d, w, W, b } = net;
  const o = k * d;
  for (let u = 0; u < w; u++) {
    let s = b[u];
    const row = u * d;
    for (let j = 0; j < d; j++) s += W[row + j] * codes[o + j];
    z[u] = s;
  }
}

/** Output f(x_k) into `f` (pre-activations left in `z`). */
function forward(net: DenseQuantaNet, codes: Float64Array, k: number, z: Float64Array, f: Float64Array): void {
  const { w, m, V, leak } = net;
  preActivations(net, codes, k, z);
  f.fill(0);
  for (let u = 0; u < w; u++) {
    const h = z[u] > 0 ? z[u] : leak * z[u];
    if (h === 0) continue;
    const row = u * m;
    for (let j = 0; j < m; j++) f[j] += h * V[row + j];
  }
}

/** Per-item loss ‖f(x_k) − y_k‖² for k < count. */
export function denseItemLosses(task: QuantaTask, net: DenseQuantaNet, count = task.K): Float64Array {
  const codes = codesOf(task);
  const { m } = net;
  const z = new Float64Array(net.w);
  const f = new Float64Array(m);
  const out = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    forward(net, codes, k, z, f);
    let l = 0;
    for (let j = 0; j < m; j++) l += (f[j] - task.y[k * m + j]) ** 2;
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
 * Backprop by hand: r = f − y, ∂/∂V_u = c·h_u·r, ∂/∂z_u = c·φ'(z_u)·(V_u·r), ∂/∂W_u = ∂/∂z_u · x_k, ∂/∂b_u = ∂/∂z_u
 * (φ'(0) taken as `leak`).
 */
export function denseQuantaGradient(task: QuantaTask, net: DenseQuantaNet, items: ArrayLike<number>, weights: ArrayLike<number>, g: DenseGrads): number {
  const codes = codesOf(task);
  const { d, w, m, V, leak } = net;
  const z = new Float64Array(w);
  const f = new Float64Array(m);
  let loss = 0;
  for (let q = 0; q < items.length; q++) {
    const k = items[q];
    const c = weights[q];
    forward(net, codes, k, z, f);
    let l = 0;
    for (let j = 0; j < m; j++) {
      f[j] -= task.y[k * m + j]; // f now holds the residual r
      l += f[j] * f[j];
    }
    loss += 0.5 * c * l;
    for (let u = 0; u < w; u++) {
      const slope = z[u] > 0 ? 1 : leak;
      const h = slope * z[u];
      const row = u * m;
      let dh = 0;
      for (let j = 0; j < m; j++) {
        dh += V[row + j] * f[j];
        g.V[row + j] += c * h * f[j];
      }
      const dz = c * slope * dh;
      if (dz === 0) continue;
      g.b[u] += dz;
      const wr = u * d;
      for (let j = 0; j < d; j++) g.W[wr + j] += dz * codes[k * d + j];
    }
  }
  return loss;
}

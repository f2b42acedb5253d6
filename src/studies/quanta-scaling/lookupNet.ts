/**
 * The two-layer lookup network of the quanta-scaling study and its training (catalog 20). Browser-safe.
 *
 * Network: f(e_k) = Vᵀ φ(E_k) with E ∈ R^{K×w} (the first layer's weights, row k = item k's hidden pre-activation),
 * V ∈ R^{w×m}, φ the (leaky) ReLU max(z, leak·z); no biases. The output is linear in the w hidden units, so at most w
 * target directions are reproduced: with one hidden unit per quantum the best network of width w reproduces the w most
 * frequent items and L(w) = Σ_{k>w} p_k ‖y_k‖² (for orthogonal targets this is Eckart–Young; random unit targets in
 * R^m, m ≫ w, are nearly orthogonal). Loss per example ½‖f(e_k) − y_k‖²; population loss L = Σ_k p_k ‖f(e_k) − y_k‖²
 * (exact, over all K items).
 *
 * Why a hand-derived gradient and not the trainer: one-hot inputs make the first layer a lookup, so the forward and
 * backward passes touch one row of E per example; the dense autodiff path of `fit` would spend K·w per example on
 * zeros (K = 1024). The loops below are the study's own integrators and honour the abort signal every step.
 */
import type { Rng } from '../../core/random.ts';
import { drawItem, type QuantaTask } from '../../data/quanta.ts';
import { throwIfAborted } from '../../nn/train.ts';

export interface QuantaNet {
  K: number;
  w: number;
  m: number;
  /** Negative-side slope of the leaky ReLU (0: plain ReLU). */
  leak: number;
  /** K×w first-layer weights (row k: item k). */
  E: Float64Array;
  /** w×m readout. */
  V: Float64Array;
}

/**
 * Initialisation: E_ku = |N(0, s_E²)| (non-negative, so every unit starts active for every item and no item is born
 * with dead units), V_uj ~ N(0, s_V²). Small scales put training in the rich, saddle-to-saddle regime in which
 * quanta are picked up one at a time (Saxe et al. 2014 mode-by-mode learning). An item never trained on keeps its
 * initial row, so its output Vᵀrelu(E_k) must stay ≈ 0 (loss ≈ ‖y_k‖² = 1): s_E must be small next to 1/(‖V‖√w).
 */
export function makeQuantaNet(task: QuantaTask, w: number, initE: number, initV: number, rng: Rng, leak = 0): QuantaNet {
  const E = rng.child('E').fillNormal(new Float64Array(task.K * w), initE).map(Math.abs);
  const V = rng.child('V').fillNormal(new Float64Array(w * task.m), initV);
  return { K: task.K, w, m: task.m, leak, E, V };
}

/** Per-item loss ‖f(e_k) − y_k‖² for k < count. */
export function itemLosses(task: QuantaTask, net: QuantaNet, count = task.K): Float64Array {
  const { w, m, E, V, leak } = net;
  const out = new Float64Array(count);
  const f = new Float64Array(m);
  for (let k = 0; k < count; k++) {
    f.fill(0);
    for (let u = 0; u < w; u++) {
      const z = E[k * w + u];
      const h = z > 0 ? z : leak * z;
      if (h === 0) continue;
      const row = u * m;
      for (let j = 0; j < m; j++) f[j] += h * V[row + j];
    }
    let l = 0;
    for (let j = 0; j < m; j++) l += (f[j] - task.y[k * m + j]) ** 2;
    out[k] = l;
  }
  return out;
}

/** Population loss Σ_k p_k ‖f(e_k) − y_k‖². */
export function quantaLoss(task: QuantaTask, net: QuantaNet): number {
  return populationLoss(task, itemLosses(task, net));
}

/** Σ_k p_k ℓ_k: the population loss from per-item losses (both networks). */
export function populationLoss(task: QuantaTask, losses: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < task.K; k++) s += task.p[k] * losses[k];
  return s;
}

/** The items present in a sample of per-item `counts`, with their empirical frequencies counts[k]/D (both networks). */
export function countWeights(task: QuantaTask, counts: ArrayLike<number>): { items: number[]; weights: number[] } {
  const items: number[] = [];
  const weights: number[] = [];
  let D = 0;
  for (let k = 0; k < task.K; k++) D += counts[k];
  for (let k = 0; k < task.K; k++) {
    if (counts[k] > 0) {
      items.push(k);
      weights.push(counts[k] / D);
    }
  }
  return { items, weights };
}

/**
 * Accumulate the gradient of Σ_μ c_μ · ½‖f(e_{k_μ}) − y_{k_μ}‖² over (item, weight) pairs into gE (rows touched only)
 * and gV. Returns the weighted loss. (The leaky ReLU's derivative at exactly 0 is taken as `leak`.)
 */
export function quantaGradient(task: QuantaTask, net: QuantaNet, items: ArrayLike<number>, weights: ArrayLike<number>, gE: Float64Array, gV: Float64Array): number {
  const { w, m, E, V, leak } = net;
  const f = new Float64Array(m);
  const r = new Float64Array(m);
  let loss = 0;
  for (let q = 0; q < items.length; q++) {
    const k = items[q];
    const c = weights[q];
    f.fill(0);
    for (let u = 0; u < w; u++) {
      const z = E[k * w + u];
      const h = z > 0 ? z : leak * z;
      if (h === 0) continue;
      const row = u * m;
      for (let j = 0; j < m; j++) f[j] += h * V[row + j];
    }
    let l = 0;
    for (let j = 0; j < m; j++) {
      r[j] = f[j] - task.y[k * m + j];
      l += r[j] * r[j];
    }
    loss += 0.5 * c * l;
    for (let u = 0; u < w; u++) {
      const z = E[k * w + u];
      const slope = z > 0 ? 1 : leak;
      if (slope === 0) continue;
      const h = slope * z;
      const row = u * m;
      let dh = 0;
      for (let j = 0; j < m; j++) {
        dh += V[row + j] * r[j];
        gV[row + j] += c * h * r[j];
      }
      gE[k * w + u] += c * slope * dh;
    }
  }
  return loss;
}

/**
 * Online minibatch SGD on fresh samples (the "ample data" regime): `steps` steps of `batch` items drawn from p, step
 * η on the batch-mean gradient, only the touched rows of E moved. `onCheckpoint(step)` is called at the listed steps
 * (ascending).
 */
export function trainLookupOnline(
  task: QuantaTask,
  net: QuantaNet,
  opts: { steps: number; batch: number; lr: number; rng: Rng; checkpoints?: number[]; onCheckpoint?: (step: number) => void; signal?: AbortSignal },
): void {
  const { w, m } = net;
  const gE = new Float64Array(net.E.length);
  const gV = new Float64Array(w * m);
  const items = new Int32Array(opts.batch);
  const weights = new Float64Array(opts.batch).fill(1 / opts.batch);
  const cps = opts.checkpoints ?? [];
  let next = 0;
  const rng = opts.rng;
  for (let t = 1; t <= opts.steps; t++) {
    throwIfAborted(opts.signal);
    for (let b = 0; b < opts.batch; b++) items[b] = drawItem(task, rng.uniform());
    gV.fill(0);
    quantaGradient(task, net, items, weights, gE, gV);
    for (let b = 0; b < opts.batch; b++) {
      const k = items[b];
      const o = k * w;
      for (let u = 0; u < w; u++) {
        if (gE[o + u] !== 0) {
          net.E[o + u] -= opts.lr * gE[o + u];
          gE[o + u] = 0;
        }
      }
    }
    for (let i = 0; i < gV.length; i++) net.V[i] -= opts.lr * gV[i];
    while (next < cps.length && cps[next] <= t) {
      opts.onCheckpoint?.(t);
      next++;
    }
  }
}

/**
 * Full-batch Adam (Kingma & Ba 2015) on a fixed training set given as item counts (multi-epoch training to convergence
 * on D samples): loss (1/D) Σ_k n_k · ½‖f(e_k) − y_k‖². Items with n_k = 0 get no gradient and keep their init.
 */
export function trainLookupOnCounts(
  task: QuantaTask,
  net: QuantaNet,
  counts: Int32Array,
  opts: { steps: number; lr: number; beta1?: number; beta2?: number; eps?: number; signal?: AbortSignal },
): number {
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  const { items, weights } = countWeights(task, counts);
  const { w, m } = net;
  const gE = new Float64Array(net.E.length);
  const gV = new Float64Array(w * m);
  const mE = new Float64Array(net.E.length);
  const vE = new Float64Array(net.E.length);
  const mV = new Float64Array(gV.length);
  const vV = new Float64Array(gV.length);
  let loss = 0;
  for (let t = 1; t <= opts.steps; t++) {
    throwIfAborted(opts.signal);
    gV.fill(0);
    loss = quantaGradient(task, net, items, weights, gE, gV);
    const c1 = 1 - b1 ** t;
    const c2 = 1 - b2 ** t;
    for (const k of items) {
      for (let u = 0; u < w; u++) {
        const i = k * w + u;
        const g = gE[i];
        mE[i] = b1 * mE[i] + (1 - b1) * g;
        vE[i] = b2 * vE[i] + (1 - b2) * g * g;
        net.E[i] -= (opts.lr * (mE[i] / c1)) / (Math.sqrt(vE[i] / c2) + eps);
        gE[i] = 0;
      }
    }
    for (let i = 0; i < gV.length; i++) {
      const g = gV[i];
      mV[i] = b1 * mV[i] + (1 - b1) * g;
      vV[i] = b2 * vV[i] + (1 - b2) * g * g;
      net.V[i] -= (opts.lr * (mV[i] / c1)) / (Math.sqrt(vV[i] / c2) + eps);
    }
  }
  return loss;
}

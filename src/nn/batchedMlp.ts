/**
 * K independent same-shape MLPs trained in one pass: every weight is stored as a [K, fan_in, fan_out]
 * stack and every layer is one batched product (`op.bmm`), so the graph, the allocations and the
 * elementwise ops are paid once for K networks instead of K times (a learning-rate or seed sweep is
 * many small runs of one architecture; Tensor Programs V-style μTransfer sweeps are the use case).
 *
 * Slice k is the network `mlp(spec, rngs[k])` of ./mlp.ts: the same sizes, activation, parameterization
 * multipliers and learning-rate scales, and the same initial weights bit for bit (the stack is built by
 * drawing each `mlp` and copying its arrays), and the forward, the gradient (per-slice `op.bmm`, the
 * batched bias add `op.addBatchedBias`, the per-slice loss `op.mseBatched`) and the optimizer step below
 * do slice by slice exactly the arithmetic of the unbatched path. A batched run is therefore the same experiment as K separate runs.
 *
 * The optimizers give each slice its own learning rate ηₖ on top of the parameterization's per-layer
 * multipliers sᵢ: slice k of parameter i moves by −ηₖ·sᵢ·g (SGD) or −ηₖ·sᵢ·(m̂/(√v̂ + ε) + λθ)
 * (Adam, Kingma & Ba 2015; AdamW, Loshchilov & Hutter 2019), with the expressions of ./optim.ts
 * evaluated in the same order, updated in place.
 */
import type { FloatArray } from '../core/mat.ts';
import * as op from '../core/ops.ts';
import type { Activation } from '../core/ops.ts';
import type { Rng } from '../core/random.ts';
import { type Tensor, param, shapeStr } from '../core/tensor.ts';
import { Mlp, type MlpSpec, mlp } from './mlp.ts';
import type { LayerRole, OptimizerFamily } from './parameterization.ts';

export interface BatchedDenseLayer {
  /** [K, fanIn, fanOut] */
  W: Tensor;
  /** [K, 1, fanOut] (broadcast over the batch rows), or null without biases */
  b: Tensor | null;
  multiplier: number;
  lrScale: number;
  biasLrScale: number;
  role: LayerRole;
}

/** Copy slice k (of `per` elements) of each array into the slice of a fresh stack (same storage type). */
function stack(parts: FloatArray[], shape: readonly number[]): Tensor {
  const per = parts[0].length;
  const out = parts[0] instanceof Float32Array ? new Float32Array(per * parts.length) : new Float64Array(per * parts.length);
  parts.forEach((p, k) => out.set(p, k * per));
  return param(out, shape, parts[0] instanceof Float32Array ? 'f32' : 'f64');
}

/** The slices `indices` of a [K, ...] stack, as a new [indices.length, ...] leaf. */
function pick(t: Tensor, indices: readonly number[]): Tensor {
  const K = t.shape[0];
  const per = t.size / K;
  return stack(
    indices.map((k) => t.data.subarray(k * per, (k + 1) * per)),
    [indices.length, ...t.shape.slice(1)],
  );
}

export class BatchedMlp {
  /** number of networks K */
  readonly count: number;
  readonly layers: BatchedDenseLayer[];
  readonly activationName: Activation;
  readonly activation: (t: Tensor) => Tensor;
  readonly outputMultiplier: number;

  constructor(layers: BatchedDenseLayer[], activation: Activation, outputMultiplier = 1) {
    if (layers.length === 0) throw new Error('BatchedMlp: layers: [], expected at least one layer');
    this.count = layers[0].W.shape[0];
    this.layers = layers;
    this.activationName = activation;
    this.activation = op.ACTIVATIONS[activation];
    this.outputMultiplier = outputMultiplier;
  }

  /** Stack K same-shape MLPs (copies of their current weights; the K inputs are left untouched). */
  static fromMlps(nets: readonly Mlp[], activation: Activation): BatchedMlp {
    if (nets.length === 0) throw new Error('BatchedMlp.fromMlps: nets: [], expected at least one network');
    const first = nets[0];
    for (let k = 1; k < nets.length; k++) {
      const n = nets[k];
      const same =
        n.layers.length === first.layers.length &&
        n.outputMultiplier === first.outputMultiplier &&
        n.layers.every((l, i) => {
          const f = first.layers[i];
          return (
            l.W.shape[0] === f.W.shape[0] &&
            l.W.shape[1] === f.W.shape[1] &&
            l.W.dtype === f.W.dtype &&
            (l.b === null) === (f.b === null) &&
            l.multiplier === f.multiplier &&
            l.lrScale === f.lrScale &&
            l.biasLrScale === f.biasLrScale
          );
        });
      if (!same) throw new Error(`BatchedMlp.fromMlps: nets[${k}] differs from nets[0] in shape, dtype, multipliers or learning-rate scales, expected K same-shape networks`);
    }
    const K = nets.length;
    const layers = first.layers.map((l, i): BatchedDenseLayer => {
      const [fanIn, fanOut] = l.W.shape;
      return {
        W: stack(
          nets.map((n) => n.layers[i].W.data),
          [K, fanIn, fanOut],
        ),
        b: l.b === null ? null : stack(nets.map((n) => (n.layers[i].b as Tensor).data), [K, 1, fanOut]),
        multiplier: l.multiplier,
        lrScale: l.lrScale,
        biasLrScale: l.biasLrScale,
        role: l.role,
      };
    });
    return new BatchedMlp(layers, activation, first.outputMultiplier);
  }

  params(): Tensor[] {
    const ps: Tensor[] = [];
    for (const l of this.layers) {
      ps.push(l.W);
      if (l.b) ps.push(l.b);
    }
    return ps;
  }

  /** Per-parameter learning-rate multipliers (the parameterization's), aligned with params(); shared by the K slices. */
  lrScales(): number[] {
    const s: number[] = [];
    for (const l of this.layers) {
      s.push(l.lrScale);
      if (l.b) s.push(l.biasLrScale);
    }
    return s;
  }

  /** x: [K, B, d] (slice k is network k's batch) → [K, B, out]. The same layer recursion as `Mlp.forward`. */
  forward(x: Tensor, collect?: Tensor[]): Tensor {
    if (x.ndim !== 3 || x.shape[0] !== this.count || x.shape[2] !== this.layers[0].W.shape[1])
      throw new Error(`BatchedMlp.forward: x has shape ${shapeStr(x.shape)}, expected [${this.count}, batch, ${this.layers[0].W.shape[1]}]`);
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i];
      let z = op.bmm(h, l.W);
      if (l.multiplier !== 1) z = op.scale(z, l.multiplier);
      if (l.b) z = op.addBatchedBias(z, l.b);
      if (i < this.layers.length - 1) {
        h = this.activation(z);
        collect?.push(h);
      } else h = z;
    }
    return this.outputMultiplier === 1 ? h : op.scale(h, this.outputMultiplier);
  }

  /** Network k as a standalone `Mlp` (copies of its current weights). */
  slice(k: number): Mlp {
    if (!(Number.isInteger(k) && k >= 0 && k < this.count)) throw new Error(`BatchedMlp.slice: k = ${k}, expected an integer in [0, ${this.count})`);
    const layers = this.layers.map((l) => {
      const [, fanIn, fanOut] = l.W.shape;
      const w = l.W.data.slice(k * fanIn * fanOut, (k + 1) * fanIn * fanOut);
      const b = l.b === null ? null : param(l.b.data.slice(k * fanOut, (k + 1) * fanOut), [fanOut], l.b.dtype);
      return { W: param(w, [fanIn, fanOut], l.W.dtype), b, multiplier: l.multiplier, lrScale: l.lrScale, biasLrScale: l.biasLrScale, role: l.role };
    });
    return new Mlp(layers, this.activationName, this.outputMultiplier);
  }

  /** The sub-batch of networks `indices` (copies), e.g. to drop finished or diverged runs. */
  select(indices: readonly number[]): BatchedMlp {
    checkIndices('BatchedMlp.select', indices, this.count);
    const layers = this.layers.map((l) => ({ ...l, W: pick(l.W, indices), b: l.b === null ? null : pick(l.b, indices) }));
    return new BatchedMlp(layers, this.activationName, this.outputMultiplier);
  }

  parameterCount(): number {
    return this.params().reduce((a, p) => a + p.size, 0) / this.count;
  }
}

function checkIndices(fn: string, indices: readonly number[], K: number): void {
  if (indices.length === 0) throw new Error(`${fn}: indices: [], expected at least one network index`);
  for (const k of indices) if (!(Number.isInteger(k) && k >= 0 && k < K)) throw new Error(`${fn}: index ${k}, expected an integer in [0, ${K})`);
}

/**
 * K MLPs of the same spec in one batched model; network k has exactly the initial weights that
 * `mlp(spec, rngs[k])` draws (it is drawn that way and copied in).
 */
export function batchedMlp(spec: MlpSpec, K: number, rngs: readonly Rng[]): BatchedMlp {
  if (!(Number.isInteger(K) && K >= 1)) throw new Error(`batchedMlp: K = ${K}, expected a positive integer`);
  if (rngs.length !== K) throw new Error(`batchedMlp: rngs has ${rngs.length} streams, expected K = ${K} (one per network)`);
  return BatchedMlp.fromMlps(
    rngs.map((r) => mlp(spec, r)),
    spec.activation,
  );
}

// ---- per-network optimizers ----------------------------------------------------------------------

/**
 * An in-place optimizer over K-stacked parameters ([K, ...] each) with a learning rate per network.
 * `step` moves the parameters by one update; `select` keeps the state of a sub-batch (see BatchedMlp.select).
 */
export interface BatchedOptimizer {
  readonly name: string;
  /** per-network learning rates η_k */
  readonly lrs: readonly number[];
  step(params: readonly FloatArray[], grads: readonly FloatArray[]): void;
  select(indices: readonly number[]): BatchedOptimizer;
}

export interface BatchedAdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

function checkLrs(fn: string, lrs: readonly number[]): void {
  if (lrs.length === 0) throw new Error(`${fn}: lrs: [], expected one learning rate per network`);
  lrs.forEach((lr, k) => {
    if (!Number.isFinite(lr)) throw new Error(`${fn}: lrs[${k}] = ${lr}, expected a finite number`);
  });
}

function checkShapes(fn: string, params: readonly FloatArray[], grads: readonly FloatArray[], K: number, lrScales: readonly number[]): void {
  if (params.length !== grads.length || params.length !== lrScales.length)
    throw new Error(`${fn}: ${params.length} parameters, ${grads.length} gradients, ${lrScales.length} lrScales, expected the same count`);
  for (let i = 0; i < params.length; i++) {
    if (params[i].length !== grads[i].length || params[i].length % K !== 0)
      throw new Error(`${fn}: parameter ${i} has ${params[i].length} entries and its gradient ${grads[i].length}, expected equal and divisible by K = ${K}`);
  }
}

/** Plain (S)GD per network: slice k of parameter i moves by Δθ = −ηₖ·sᵢ·g (as `sgd` in ./optim.ts). */
export function batchedSgd(lrs: readonly number[], lrScales: readonly number[]): BatchedOptimizer {
  checkLrs('batchedSgd', lrs);
  const K = lrs.length;
  return {
    name: 'sgd',
    lrs,
    step(params, grads) {
      checkShapes('batchedSgd.step', params, grads, K, lrScales);
      for (let i = 0; i < params.length; i++) {
        const p = params[i];
        const g = grads[i];
        const per = p.length / K;
        for (let k = 0; k < K; k++) {
          // optim.ts: c = −η·s, u = c·g (a float64 value), θ += u
          const c = -lrs[k] * lrScales[i];
          for (let j = k * per; j < (k + 1) * per; j++) p[j] += c * g[j];
        }
      }
    },
    select(indices) {
      checkIndices('batchedSgd.select', indices, K);
      return batchedSgd(
        indices.map((k) => lrs[k]),
        lrScales,
      );
    },
  };
}

interface AdamSlots {
  t: number;
  m: Float64Array[];
  v: Float64Array[];
}

/**
 * Adam per network, in place: the moments m, v (float64, as in ./optim.ts) and the step count are
 * per slice of the stack; with weightDecay > 0 it is AdamW. Same expressions, same order as `adam`.
 */
export function batchedAdam(lrs: readonly number[], lrScales: readonly number[], opts: BatchedAdamOptions = {}, state?: AdamSlots): BatchedOptimizer {
  checkLrs('batchedAdam', lrs);
  const K = lrs.length;
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  const wd = opts.weightDecay ?? 0;
  let slots: AdamSlots | null = state ?? null;
  return {
    name: wd > 0 ? 'adamw' : 'adam',
    lrs,
    step(params, grads) {
      checkShapes('batchedAdam.step', params, grads, K, lrScales);
      if (slots === null) slots = { t: 0, m: params.map((p) => new Float64Array(p.length)), v: params.map((p) => new Float64Array(p.length)) };
      const t = slots.t + 1;
      const c1 = 1 - b1 ** t;
      const c2 = 1 - b2 ** t;
      for (let i = 0; i < params.length; i++) {
        const g = grads[i];
        const p = params[i];
        const m = slots.m[i];
        const v = slots.v[i];
        const per = p.length / K;
        for (let k = 0; k < K; k++) {
          const s = lrs[k] * lrScales[i];
          for (let j = k * per; j < (k + 1) * per; j++) {
            m[j] = b1 * m[j] + (1 - b1) * g[j];
            v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
            p[j] += -s * (m[j] / c1 / (Math.sqrt(v[j] / c2) + eps) + wd * p[j]);
          }
        }
      }
      slots.t = t;
    },
    select(indices) {
      checkIndices('batchedAdam.select', indices, K);
      const sub: AdamSlots | undefined =
        slots === null
          ? undefined
          : {
              t: slots.t,
              m: slots.m.map((a) => pickRows(a, K, indices)),
              v: slots.v.map((a) => pickRows(a, K, indices)),
            };
      return batchedAdam(
        indices.map((k) => lrs[k]),
        lrScales,
        opts,
        sub,
      );
    },
  };
}

function pickRows(a: Float64Array, K: number, indices: readonly number[]): Float64Array {
  const per = a.length / K;
  const out = new Float64Array(per * indices.length);
  indices.forEach((k, r) => out.set(a.subarray(k * per, (k + 1) * per), r * per));
  return out;
}

/** The per-network optimizer of a family (sgd or adam), as `makeOptimizer` of src/observe/coordCheck.ts does for one network. */
export function makeBatchedOptimizer(family: OptimizerFamily, lrs: readonly number[], lrScales: readonly number[]): BatchedOptimizer {
  return family === 'adam' ? batchedAdam(lrs, lrScales) : batchedSgd(lrs, lrScales);
}

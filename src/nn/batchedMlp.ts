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
 * Per-network learning rates ηₖ come from the optimizer chain of ./optim.ts given one rate per network
 * (`sgd(lrs, net.lrScales())`, `adam(lrs, { lrScales })`): slice k of parameter i moves by −ηₖ·sᵢ·g (SGD)
 * or −ηₖ·sᵢ·m̂/(√v̂ + ε) (Adam), the same numbers as K separate runs; `OptimizerState.select` and
 * `BatchedMlp.select` drop networks (diverged runs) together.
 */
import type { FloatArray } from '../core/mat.ts';
import * as op from '../core/ops.ts';
import type { Activation } from '../core/ops.ts';
import type { Rng } from '../core/random.ts';
import { type Tensor, param, shapeStr } from '../core/tensor.ts';
import { type DenseLayer, Mlp, type MlpSpec, mlp } from './mlp.ts';
import { type Model, denseLrScales, denseParams, parameterCount } from './model.ts';

/** A dense layer of K stacked networks: W is [K, fanIn, fanOut], b is [K, 1, fanOut] (broadcast over the batch rows) or null. */
export type BatchedDenseLayer = DenseLayer;

/** Copy slice k (of `per` elements) of each array into the slice of a fresh stack (same storage type), as a leaf. */
export function stack(parts: FloatArray[], shape: readonly number[]): Tensor {
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

export class BatchedMlp implements Model {
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
    return denseParams(this.layers);
  }

  /** Per-parameter learning-rate multipliers (the parameterization's), aligned with params(); shared by the K slices. */
  lrScales(): number[] {
    return denseLrScales(this.layers);
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
    return parameterCount(this) / this.count;
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

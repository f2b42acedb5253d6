/**
 * A small, readable multilayer perceptron (in the spirit of TensorFlow Playground's nn.ts):
 * h₀ = x, hₗ = φ(mₗ · hₗ₋₁ Wₗ + bₗ), f = m_L · h_{L−1} W_L + b_L, with per-layer forward multipliers mₗ
 * and learning-rate scales from a parameterization table (./parameterization.ts).
 */
import * as op from '../core/ops.ts';
import type { Activation } from '../core/ops.ts';
import type { Rng } from '../core/random.ts';
import { type DType, type Tensor, param } from '../core/tensor.ts';
import { type DenseParams, type NamedModel, type NamedParam, denseLrScales, denseNamedParams, denseParams, parameterCount } from './model.ts';
import { type LayerRole, type OptimizerFamily, type Parameterization, getParameterization, layerScaling, optimizerFamily } from './parameterization.ts';

/** A dense layer: its parameters and table entries, and the forward multiplier mₗ. */
export interface DenseLayer extends DenseParams {
  multiplier: number;
}

export interface MlpSpec {
  /** [input, hidden..., output] */
  sizes: number[];
  activation: Activation;
  bias?: boolean;
  parameterization?: Parameterization | string;
  /** width at which learning-rate multipliers are 1 (μP base width) */
  baseWidth?: number;
  /** multiplies every initial weight (small-init studies) */
  initScale?: number;
  /** multiplies the network output (lazy/rich studies: α) */
  outputMultiplier?: number;
  /**
   * The optimizer the learning-rate multipliers are for (sgd, momentum → SGD family; adam, adamw → Adam
   * family). Required by schemes whose exponents depend on it (μP, depth-μP); ignored by the others.
   */
  optimizer?: OptimizerFamily | 'momentum' | 'adamw';
  dtype?: DType;
}

export class Mlp implements NamedModel {
  readonly layers: DenseLayer[];
  readonly activation: (t: Tensor) => Tensor;
  readonly outputMultiplier: number;

  constructor(layers: DenseLayer[], activation: Activation, outputMultiplier = 1) {
    this.layers = layers;
    this.activation = op.ACTIVATIONS[activation];
    this.outputMultiplier = outputMultiplier;
  }

  params(): Tensor[] {
    return denseParams(this.layers);
  }

  /** Per-parameter learning-rate multipliers, aligned with params(). */
  lrScales(): number[] {
    return denseLrScales(this.layers);
  }

  namedParams(): NamedParam[] {
    return denseNamedParams(this.layers);
  }

  /** Forward pass; also returns every post-activation (for instruments) if `collect` is given. */
  forward(x: Tensor, collect?: Tensor[]): Tensor {
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i];
      let z = op.matmul(h, l.W);
      if (l.multiplier !== 1) z = op.scale(z, l.multiplier);
      if (l.b) z = op.add(z, l.b);
      if (i < this.layers.length - 1) {
        h = this.activation(z);
        collect?.push(h);
      } else h = z;
    }
    return this.outputMultiplier === 1 ? h : op.scale(h, this.outputMultiplier);
  }

  parameterCount(): number {
    return parameterCount(this);
  }
}

export function mlp(spec: MlpSpec, rng: Rng): Mlp {
  const sizes = spec.sizes;
  if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`mlp: sizes must be ≥ 2 positive integers, got [${sizes.join(', ')}]`);
  const p = typeof spec.parameterization === 'string' ? getParameterization(spec.parameterization) : (spec.parameterization ?? getParameterization('sp'));
  const width = sizes.length > 2 ? Math.max(...sizes.slice(1, -1)) : sizes[1];
  const ratio = width / (spec.baseWidth ?? width);
  const dtype = spec.dtype ?? 'f64';
  const layers: DenseLayer[] = [];
  const L = sizes.length - 1;
  for (let l = 0; l < L; l++) {
    const role: LayerRole = l === 0 ? 'input' : l === L - 1 ? 'output' : 'hidden';
    const fanIn = sizes[l];
    const context = { optimizer: spec.optimizer === undefined ? undefined : optimizerFamily(spec.optimizer) };
    const s = layerScaling(p, role, fanIn, ratio, context);
    // the readout's bias has fan-out = the output dimension, not the width (role outputBias)
    const bs = layerScaling(p, l === L - 1 && L > 1 ? 'outputBias' : 'bias', fanIn, ratio, context);
    const wRng = rng.child('W', l);
    const w = new Float64Array(fanIn * sizes[l + 1]);
    wRng.fillNormal(w, s.initStd * (spec.initScale ?? 1));
    let b: Tensor | null = null;
    if (spec.bias !== false) {
      const bd = new Float64Array(sizes[l + 1]);
      if (bs.initStd > 0) rng.child('b', l).fillNormal(bd, bs.initStd);
      b = param(bd, [sizes[l + 1]], dtype);
    }
    layers.push({ W: param(w, [fanIn, sizes[l + 1]], dtype), b, multiplier: s.multiplier, lrScale: s.lrScale, biasLrScale: bs.lrScale, role });
  }
  return new Mlp(layers, spec.activation, spec.outputMultiplier ?? 1);
}

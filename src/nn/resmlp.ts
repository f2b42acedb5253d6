/**
 * A residual MLP with branch multipliers, the model of the depth limits (Yang et al. 2023, "Tensor
 * Programs VI: feature learning in infinite-depth neural networks"; Bordelon et al. 2023, "Depthwise
 * hyperparameter transfer in residual networks: dynamics and scaling limit"):
 *
 *   h₀ = m_in · x W_in + b_in                         (input embedding, role `input`)
 *   h_ℓ = h_{ℓ−1} + m_ℓ · φ(h_{ℓ−1}) W_ℓ,  ℓ = 1..L   (one dense layer per branch, role `hidden`, no bias)
 *   f   = m_out · h_L W_out + b_out                   (linear readout of the residual stream, role `output`)
 *
 * Every multiplier, init scale and learning-rate scale comes from the parameterization table through
 * `layerScaling` (./parameterization.ts); the branch multiplier m_ℓ includes L^{branchMultExp} when the
 * scheme has a depth table (depth-μP: L^{−1/2}), and is 1 otherwise (an "unscaled" ResNet).
 * Block depth 1 (one layer per branch) is the case in which depth-μP is well defined (TP-VI §4).
 */
import * as op from '../core/ops.ts';
import type { Activation } from '../core/ops.ts';
import type { Rng } from '../core/random.ts';
import { type DType, type Tensor, param } from '../core/tensor.ts';
import type { DenseLayer } from './mlp.ts';
import { type NamedModel, type NamedParam, denseLrScales, denseNamedParams, denseParams, parameterCount } from './model.ts';
import { type OptimizerFamily, type Parameterization, getParameterization, layerScaling, optimizerFamily } from './parameterization.ts';

export interface ResMlpSpec {
  inputDim: number;
  /** residual-stream width n */
  width: number;
  /** number of residual branches L (≥ 1) */
  blocks: number;
  outputDim: number;
  activation: Activation;
  /** biases on the input embedding and the readout (branches have none); default true */
  bias?: boolean;
  parameterization?: Parameterization | string;
  /** width at which the width learning-rate multipliers are 1 (default: width) */
  baseWidth?: number;
  /** number of blocks at which the depth learning-rate multipliers are 1 (default: blocks) */
  baseBlocks?: number;
  /** required by schemes whose learning-rate exponents depend on the optimizer (μP, depth-μP) */
  optimizer?: OptimizerFamily | 'momentum' | 'adamw';
  /** multiplies every initial weight */
  initScale?: number;
  dtype?: DType;
}

export interface ResLayer extends DenseLayer {
  /** true for the dense layer inside a residual branch */
  branch: boolean;
}

export class ResMlp implements NamedModel {
  readonly layers: ResLayer[];
  readonly activation: (t: Tensor) => Tensor;

  constructor(layers: ResLayer[], activation: Activation) {
    this.layers = layers;
    this.activation = op.ACTIVATIONS[activation];
  }

  /** Number of residual branches L. */
  get blocks(): number {
    return this.layers.length - 2;
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

  /** Forward pass; `collect` receives the residual stream h₀, h₁, …, h_L (not the output). */
  forward(x: Tensor, collect?: Tensor[]): Tensor {
    const dense = (l: ResLayer, h: Tensor): Tensor => {
      let z = op.matmul(h, l.W);
      if (l.multiplier !== 1) z = op.scale(z, l.multiplier);
      return l.b ? op.add(z, l.b) : z;
    };
    const n = this.layers.length;
    let h = dense(this.layers[0], x);
    collect?.push(h);
    for (let i = 1; i < n - 1; i++) {
      h = op.add(h, dense(this.layers[i], this.activation(h)));
      collect?.push(h);
    }
    return dense(this.layers[n - 1], h);
  }

  parameterCount(): number {
    return parameterCount(this);
  }
}

export function resMlp(spec: ResMlpSpec, rng: Rng): ResMlp {
  const { inputDim, width, blocks, outputDim } = spec;
  for (const [k, v] of Object.entries({ inputDim, width, blocks, outputDim }))
    if (!Number.isInteger(v) || v < 1) throw new Error(`resMlp: ${k} must be a positive integer, got ${v}`);
  const p = typeof spec.parameterization === 'string' ? getParameterization(spec.parameterization) : (spec.parameterization ?? getParameterization('sp'));
  const ratio = width / (spec.baseWidth ?? width);
  const optimizer = spec.optimizer === undefined ? undefined : optimizerFamily(spec.optimizer);
  const branchCtx = { blocks, baseBlocks: spec.baseBlocks ?? blocks };
  const dtype = spec.dtype ?? 'f64';
  const withBias = spec.bias !== false;
  const layers: ResLayer[] = [];
  const shapes: { fanIn: number; fanOut: number; role: 'input' | 'hidden' | 'output' }[] = [
    { fanIn: inputDim, fanOut: width, role: 'input' },
    ...Array.from({ length: blocks }, () => ({ fanIn: width, fanOut: width, role: 'hidden' as const })),
    { fanIn: width, fanOut: outputDim, role: 'output' },
  ];
  shapes.forEach(({ fanIn, fanOut, role }, l) => {
    const branch = role === 'hidden';
    const ctx = branch ? { optimizer, branch: branchCtx } : { optimizer };
    const s = layerScaling(p, role, fanIn, ratio, ctx);
    const w = new Float64Array(fanIn * fanOut);
    rng.child('W', l).fillNormal(w, s.initStd * (spec.initScale ?? 1));
    let b: Tensor | null = null;
    let biasLrScale = 1;
    if (withBias && !branch) {
      const bs = layerScaling(p, role === 'output' ? 'outputBias' : 'bias', fanIn, ratio, { optimizer });
      const bd = new Float64Array(fanOut);
      if (bs.initStd > 0) rng.child('b', l).fillNormal(bd, bs.initStd);
      b = param(bd, [fanOut], dtype);
      biasLrScale = bs.lrScale;
    }
    layers.push({ W: param(w, [fanIn, fanOut], dtype), b, multiplier: s.multiplier, lrScale: s.lrScale, biasLrScale, role, branch });
  });
  return new ResMlp(layers, spec.activation);
}

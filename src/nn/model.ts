/**
 * The one model interface of `nn`: every network (MLP, residual MLP, CNN, the batched stacks, the
 * transformer) exposes its trainable tensors with their parameterization roles and learning-rate
 * multipliers, and a forward pass. Instruments (`observe`), the trainer (./train.ts), the protocols and
 * the studies depend on this interface only, never on a concrete class.
 *
 * A parameter's `role` names its place in the parameterization table (./parameterization.ts); its
 * `lrScale` is what that table gives it for the optimizer family in use (μP's per-layer rates), so
 * `scaleByParameterization(lrScales(model))` is the only place the multipliers enter an update.
 */
import type { Tensor } from '../core/tensor.ts';
import type { LayerRole } from './parameterization.ts';

/** A trainable tensor and what the parameterization says about it. */
export interface NamedParam {
  /** e.g. `W0`, `b0`, `blocks.1.attn.q`: stable within a model kind, for tables and coordinate checks */
  name: string;
  tensor: Tensor;
  role: LayerRole | string;
  /** learning-rate multiplier of the parameterization (1 under SP) */
  lrScale: number;
}

export interface Model {
  /** The trainable tensors, in a fixed order (the order of gradients and optimizer state). */
  params(): Tensor[];
  /** Learning-rate multipliers aligned with `params()`. */
  lrScales(): number[];
  /**
   * The forward pass. `collect`, when given, receives the hidden representations the model exposes
   * (post-activations of an MLP, the residual stream of a residual network) for instruments.
   */
  forward(x: Tensor, collect?: Tensor[]): Tensor;
}

/** A model that also names its parameters (for coordinate checks and per-role statistics). */
export interface NamedModel extends Model {
  namedParams(): NamedParam[];
}

/** Dense layers as the MLP family stores them: weight, optional bias, and their table entries. */
export interface DenseParams {
  W: Tensor;
  b: Tensor | null;
  lrScale: number;
  biasLrScale: number;
  role: LayerRole;
}

/** `params()` of a stack of dense layers: W₀, b₀, W₁, b₁, … (biases where present). */
export function denseParams(layers: readonly DenseParams[]): Tensor[] {
  const ps: Tensor[] = [];
  for (const l of layers) {
    ps.push(l.W);
    if (l.b) ps.push(l.b);
  }
  return ps;
}

/** `lrScales()` of a stack of dense layers, aligned with `denseParams`. */
export function denseLrScales(layers: readonly DenseParams[]): number[] {
  const s: number[] = [];
  for (const l of layers) {
    s.push(l.lrScale);
    if (l.b) s.push(l.biasLrScale);
  }
  return s;
}

/** `namedParams()` of a stack of dense layers (`W<i>`, `b<i>`; a bias has role `bias`). */
export function denseNamedParams(layers: readonly DenseParams[]): NamedParam[] {
  const out: NamedParam[] = [];
  layers.forEach((l, i) => {
    out.push({ name: `W${i}`, tensor: l.W, role: l.role, lrScale: l.lrScale });
    if (l.b) out.push({ name: `b${i}`, tensor: l.b, role: l.role === 'output' ? 'outputBias' : 'bias', lrScale: l.biasLrScale });
  });
  return out;
}

/** Total number of trainable scalars. */
export function parameterCount(model: Pick<Model, 'params'>): number {
  return model.params().reduce((a, p) => a + p.size, 0);
}

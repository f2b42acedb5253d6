/**
 * Parameterizations as data: a per-layer-role table of exponents, applied by one pure rule
 * (abc-parameterizations, Yang & Hu 2021, "Feature learning in infinite-width neural networks").
 *
 * For a dense layer with fan-in `fanIn` in a network of width `width` (relative to `baseWidth`) and,
 * for residual networks, `blocks` residual branches (relative to `baseBlocks`):
 *   trainable weight  w ~ N(0, initCoef · fanIn^initVarExp)
 *   forward weight    W = fanIn^multExp · [blocks^branchMultExp if the layer is a residual branch] · w
 *   learning rate     η_layer = η · (width / baseWidth)^lrExp · [(blocks / baseBlocks)^branchLrExp if in a branch]
 * where lrExp is the role's exponent for the optimizer family in use (`lrExpByOptimizer`, if the scheme
 * has one: μP's learning-rate exponents differ between SGD and Adam), else the role's `lrExp`.
 * Every scheme below is just a table; the model code never special-cases a scheme.
 *
 * Roles: `input` (fan-in = the data dimension, fan-out = width), `hidden` (width → width), `output`
 * (width → the output dimension), `bias` (biases of layers whose fan-out is the width), `outputBias`
 * (the readout's bias, whose fan-out is the output dimension; defaults to the `bias` row when a
 * scheme does not list it, which is exact for schemes whose bias row has no width exponent).
 */
export type LayerRole = 'input' | 'hidden' | 'output' | 'bias' | 'outputBias';

/** The roles every scheme must list; `outputBias` is optional (falls back to `bias`). */
export type CoreLayerRole = Exclude<LayerRole, 'outputBias'>;

/** Optimizer families whose learning-rate exponents differ (Tensor Programs V, Table 3). */
export type OptimizerFamily = 'sgd' | 'adam';
export const OPTIMIZER_FAMILIES: readonly OptimizerFamily[] = ['sgd', 'adam'];

export interface RoleScaling {
  /** exponent of fan-in in the init variance of the trainable weight */
  initVarExp: number;
  /** constant factor of the init variance (e.g. a gain σ_w²) */
  initCoef: number;
  /** exponent of fan-in in the forward multiplier */
  multExp: number;
  /** exponent of width/baseWidth in the per-layer learning-rate multiplier (the default for every optimizer) */
  lrExp: number;
}

/**
 * Depth scaling of residual branches h ← h + blocks^branchMultExp · W φ(h) (one dense layer per branch).
 * Applies to every parameter inside a branch (its weight and bias); input and readout layers are not scaled.
 */
export interface DepthScaling {
  /** exponent of the number of blocks L in the branch multiplier (depth-μP: −1/2) */
  branchMultExp: number;
  /** exponent of L/baseBlocks in the learning rate of branch parameters, per optimizer family */
  branchLrExp: Record<OptimizerFamily, number>;
}

export interface Parameterization {
  name: string;
  description: string;
  roles: Record<CoreLayerRole, RoleScaling> & { outputBias?: RoleScaling };
  /** Per-optimizer learning-rate exponents in width by role; overrides `roles[role].lrExp` for that family. */
  lrExpByOptimizer?: Record<OptimizerFamily, Record<LayerRole, number>>;
  /** Residual-branch depth scaling (absent: branches are unscaled, multiplier 1 and no depth factor in η). */
  depth?: DepthScaling;
}

const r = (initVarExp: number, multExp: number, lrExp: number, initCoef = 1): RoleScaling => ({ initVarExp, multExp, lrExp, initCoef });

/**
 * μP in the fan_in-init formulation of Tensor Programs V (Yang et al. 2021/2022, "Tuning large neural
 * networks via zero-shot hyperparameter transfer", Table 3), with n the width:
 *
 *   |                 | input weights & all biases | hidden weights | output weights |
 *   | init variance   | 1/fan_in                   | 1/fan_in       | 1/fan_in²      |
 *   | SGD LR          | η · fan_out  (= η·n)       | η              | η / fan_in (= η/n) |
 *   | Adam LR         | η                          | η / fan_in     | η / fan_in     |
 *
 * Width factors are taken relative to the base width (η is tuned there), so the exponents of
 * width/baseWidth are SGD (input +1, hidden 0, output −1, biases +1) and Adam (0, −1, −1, 0). The readout
 * bias has fan_out = the output dimension (finite), so its SGD exponent is 0, not +1. Biases are
 * initialized at zero (Table 3 allows any width-independent init; zero keeps the presets comparable).
 * Assumptions: the widths of all hidden layers grow together; fan_in of the input layer and fan_out of
 * the readout are fixed.
 */
const MUP_ROLES = { input: r(-1, 0, 1), hidden: r(-1, 0, 0), output: r(-2, 0, -1), bias: r(0, 0, 1, 0), outputBias: r(0, 0, 0, 0) };
const MUP_LR: Record<OptimizerFamily, Record<LayerRole, number>> = {
  sgd: { input: 1, hidden: 0, output: -1, bias: 1, outputBias: 0 },
  adam: { input: 0, hidden: -1, output: -1, bias: 0, outputBias: 0 },
};

export const PARAMETERIZATIONS: Record<string, Parameterization> = {
  sp: {
    name: 'sp',
    description: 'standard: W ~ N(0, 1/fan_in), no multipliers, one learning rate (LeCun init)',
    roles: { input: r(-1, 0, 0), hidden: r(-1, 0, 0), output: r(-1, 0, 0), bias: r(0, 0, 0, 0) },
  },
  ntk: {
    name: 'ntk',
    description: 'NTK: w ~ N(0, 1), forward multiplier 1/√fan_in (Jacot et al. 2018)',
    roles: { input: r(0, -0.5, 0), hidden: r(0, -0.5, 0), output: r(0, -0.5, 0), bias: r(0, 0, 0, 0) },
  },
  'mean-field': {
    name: 'mean-field',
    description: 'mean-field (two-layer): readout multiplier 1/fan_in, learning rate ∝ width (Mei, Montanari & Nguyen 2018; Chizat & Bach 2018)',
    roles: { input: r(0, 0, 1), hidden: r(-1, 0, 1), output: r(0, -1, 1), bias: r(0, 0, 0, 0) },
  },
  mup: {
    name: 'mup',
    description: 'μP (Tensor Programs V, Table 3, fan_in init): readout init 1/fan_in², per-layer learning rates by optimizer (SGD: input/biases ×n, readout ×1/n; Adam: hidden and readout ×1/n), relative to the base width',
    roles: MUP_ROLES,
    lrExpByOptimizer: MUP_LR,
  },
  'depth-mup': {
    name: 'depth-mup',
    description: 'depth-μP (Yang et al. 2023, Tensor Programs VI; Bordelon et al. 2023): μP in width, residual branches multiplied by L^{-1/2}, branch learning rate ×(L/L₀)^{-1/2} for Adam and depth-independent for SGD',
    roles: MUP_ROLES,
    lrExpByOptimizer: MUP_LR,
    // Depth-μP for block depth 1 (TP-VI §3–4): multiplier a/√L keeps each block's contribution to the
    // residual stream O(1/√L) at init (so the stream's variance stays O(1)) and its update O(1/L). With
    // SGD the branch gradient already carries the 1/√L, so η is depth-independent; Adam normalizes it
    // away, so η must carry the 1/√L itself.
    depth: { branchMultExp: -0.5, branchLrExp: { sgd: 0, adam: -0.5 } },
  },
};

/** The optimizer family of an optimizer name (sgd and momentum → sgd; adam and adamw → adam). */
export function optimizerFamily(name: string): OptimizerFamily {
  if (name === 'sgd' || name === 'momentum') return 'sgd';
  if (name === 'adam' || name === 'adamw') return 'adam';
  throw new Error(`optimizer: unknown '${name}', expected one of sgd, momentum, adam, adamw`);
}

/** Context of a layer beyond its role: the optimizer family and, for residual branches, the depth. */
export interface LayerContext {
  /** Needed when the scheme has per-optimizer learning-rate exponents (μP). */
  optimizer?: OptimizerFamily;
  /** The layer is the dense layer of a residual branch in a network of `blocks` branches. */
  branch?: { blocks: number; baseBlocks: number };
}

/** The role's row (outputBias falls back to bias). */
export function roleScaling(p: Parameterization, role: LayerRole): RoleScaling {
  return role === 'outputBias' ? (p.roles.outputBias ?? p.roles.bias) : p.roles[role];
}

/** The learning-rate exponent in width of a role under an optimizer family (see the module comment). */
export function lrExponent(p: Parameterization, role: LayerRole, optimizer?: OptimizerFamily): number {
  if (p.lrExpByOptimizer) {
    if (optimizer === undefined)
      throw new Error(`parameterization '${p.name}': learning-rate exponents depend on the optimizer; pass optimizer: ${OPTIMIZER_FAMILIES.join(' | ')}`);
    return p.lrExpByOptimizer[optimizer][role];
  }
  return roleScaling(p, role).lrExp;
}

/** Scale factors of one layer under a parameterization: the single rule of the module comment. */
export function layerScaling(
  p: Parameterization,
  role: LayerRole,
  fanIn: number,
  widthRatio: number,
  context: LayerContext = {},
): { initStd: number; multiplier: number; lrScale: number } {
  const s = roleScaling(p, role);
  let multiplier = fanIn ** s.multExp;
  let lrScale = widthRatio ** lrExponent(p, role, context.optimizer);
  const b = context.branch;
  if (b && p.depth) {
    if (!(b.blocks >= 1 && b.baseBlocks >= 1)) throw new Error(`layerScaling: blocks and baseBlocks must be ≥ 1, got ${b.blocks} and ${b.baseBlocks}`);
    multiplier *= b.blocks ** p.depth.branchMultExp;
    if (context.optimizer === undefined)
      throw new Error(`parameterization '${p.name}': branch learning rates depend on the optimizer; pass optimizer: ${OPTIMIZER_FAMILIES.join(' | ')}`);
    lrScale *= (b.blocks / b.baseBlocks) ** p.depth.branchLrExp[context.optimizer];
  }
  return { initStd: Math.sqrt(s.initCoef * fanIn ** s.initVarExp), multiplier, lrScale };
}

export function getParameterization(name: string): Parameterization {
  const p = PARAMETERIZATIONS[name];
  if (!p) throw new Error(`parameterization: unknown '${name}', expected one of ${Object.keys(PARAMETERIZATIONS).join(', ')}`);
  return p;
}

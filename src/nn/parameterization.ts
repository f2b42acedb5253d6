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
 *
 * Transformer roles (./transformer.ts; Tensor Programs V, Table 3 and Appendix J): `embedding` (token and
 * position tables: input-like, the one-hot input's dimension — vocabulary or context — is finite),
 * `attnQ`, `attnK`, `attnV`, `attnO`, `mlpIn`, `mlpOut` (hidden-like: fan-in and fan-out grow with the
 * width), `unembedding` (output-like), `normGain`, `normBias` (bias-like: LayerNorm gains start at 1 plus
 * a draw of the row's init std, biases at 0 plus that draw). A scheme that does not list a transformer
 * role uses its analogue's row (`TRANSFORMER_ROLE_ANALOGUE`; for `embedding` that is the input row at
 * fan-in = the vocabulary, whereas the presets' own embedding rows have no fan-in exponent, see
 * `transformerRoles`).
 */
export type TransformerRole = 'embedding' | 'attnQ' | 'attnK' | 'attnV' | 'attnO' | 'mlpIn' | 'mlpOut' | 'unembedding' | 'normGain' | 'normBias';

export type LayerRole = 'input' | 'hidden' | 'output' | 'bias' | 'outputBias' | TransformerRole;

/** The roles every scheme must list; `outputBias` and the transformer roles are optional. */
export type CoreLayerRole = Exclude<LayerRole, 'outputBias' | TransformerRole>;

/** The row a scheme without an explicit transformer row uses for it. */
export const TRANSFORMER_ROLE_ANALOGUE: Record<TransformerRole, CoreLayerRole> = {
  embedding: 'input',
  attnQ: 'hidden',
  attnK: 'hidden',
  attnV: 'hidden',
  attnO: 'hidden',
  mlpIn: 'hidden',
  mlpOut: 'hidden',
  unembedding: 'output',
  normGain: 'bias',
  normBias: 'bias',
};

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
  roles: Record<CoreLayerRole, RoleScaling> & { outputBias?: RoleScaling } & Partial<Record<TransformerRole, RoleScaling>>;
  /** Per-optimizer learning-rate exponents in width by role; overrides `roles[role].lrExp` for that family. */
  lrExpByOptimizer?: Record<OptimizerFamily, Record<CoreLayerRole | 'outputBias', number> & Partial<Record<TransformerRole, number>>>;
  /** Residual-branch depth scaling (absent: branches are unscaled, multiplier 1 and no depth factor in η). */
  depth?: DepthScaling;
  /**
   * Exponent of d_head in the attention logit scale q·k · d_head^attentionScaleExp: −1/2 (Vaswani et al.
   * 2017) unless listed; μP uses −1 (Tensor Programs V, Appendix J and Table 3: q and k become correlated
   * during training, so q·k grows like d_head, not √d_head).
   */
  attentionScaleExp?: number;
}

const r = (initVarExp: number, multExp: number, lrExp: number, initCoef = 1): RoleScaling => ({ initVarExp, multExp, lrExp, initCoef });

/**
 * Transformer rows of a scheme from four rows: embedding, the hidden-like projections (queries may differ:
 * μP zero-initializes them), the unembedding and the LayerNorm parameters. An embedding row never has a
 * fan-in exponent: a one-hot input has ‖x‖² = 1, not fan_in, so the variance-preserving draw of a looked-up
 * row is N(0, 1) where a dense input layer's is N(0, 1/fan_in) (and NTK's 1/√fan_in multiplier becomes 1).
 */
function transformerRoles(o: { embedding: RoleScaling; hidden: RoleScaling; query?: RoleScaling; unembedding: RoleScaling; norm: RoleScaling }): Record<TransformerRole, RoleScaling> {
  const h = o.hidden;
  return { embedding: o.embedding, attnQ: o.query ?? h, attnK: h, attnV: h, attnO: h, mlpIn: h, mlpOut: h, unembedding: o.unembedding, normGain: o.norm, normBias: o.norm };
}

/** Per-optimizer learning-rate exponents of the transformer roles from the same four groups. */
function transformerLrExps(e: { embedding: number; hidden: number; unembedding: number; norm: number }): Record<TransformerRole, number> {
  const h = e.hidden;
  return { embedding: e.embedding, attnQ: h, attnK: h, attnV: h, attnO: h, mlpIn: h, mlpOut: h, unembedding: e.unembedding, normGain: e.norm, normBias: e.norm };
}

/**
 * μP transformer rows (Tensor Programs V, Table 3 and Appendix D.2/J): hidden-like projections as hidden
 * weights; queries and the readout (unembedding) initialized at zero (init coefficient 0), which TP-V
 * recommends and which μP allows because their width-scaled variance vanishes anyway; the embedding
 * input-like (Adam ×1, SGD ×n); LayerNorm gains and biases bias-like.
 */
function mupTransformerRoles(): Record<TransformerRole, RoleScaling> {
  return transformerRoles({ embedding: r(0, 0, 1), hidden: r(-1, 0, 0), query: r(-1, 0, 0, 0), unembedding: r(-2, 0, -1, 0), norm: r(0, 0, 1, 0) });
}

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
const MUP_ROLES = { input: r(-1, 0, 1), hidden: r(-1, 0, 0), output: r(-2, 0, -1), bias: r(0, 0, 1, 0), outputBias: r(0, 0, 0, 0), ...mupTransformerRoles() };
const MUP_LR: Record<OptimizerFamily, Record<LayerRole, number>> = {
  sgd: { input: 1, hidden: 0, output: -1, bias: 1, outputBias: 0, ...transformerLrExps({ embedding: 1, hidden: 0, unembedding: -1, norm: 1 }) },
  adam: { input: 0, hidden: -1, output: -1, bias: 0, outputBias: 0, ...transformerLrExps({ embedding: 0, hidden: -1, unembedding: -1, norm: 0 }) },
};

export const PARAMETERIZATIONS: Record<string, Parameterization> = {
  sp: {
    name: 'sp',
    description: 'standard: W ~ N(0, 1/fan_in), no multipliers, one learning rate (LeCun init)',
    roles: {
      input: r(-1, 0, 0),
      hidden: r(-1, 0, 0),
      output: r(-1, 0, 0),
      bias: r(0, 0, 0, 0),
      ...transformerRoles({ embedding: r(0, 0, 0), hidden: r(-1, 0, 0), unembedding: r(-1, 0, 0), norm: r(0, 0, 0, 0) }),
    },
    attentionScaleExp: -0.5,
  },
  ntk: {
    name: 'ntk',
    description: 'NTK: w ~ N(0, 1), forward multiplier 1/√fan_in (Jacot et al. 2018)',
    roles: {
      input: r(0, -0.5, 0),
      hidden: r(0, -0.5, 0),
      output: r(0, -0.5, 0),
      bias: r(0, 0, 0, 0),
      ...transformerRoles({ embedding: r(0, 0, 0), hidden: r(0, -0.5, 0), unembedding: r(0, -0.5, 0), norm: r(0, 0, 0, 0) }),
    },
    attentionScaleExp: -0.5,
  },
  'mean-field': {
    name: 'mean-field',
    description: 'mean-field (two-layer): readout multiplier 1/fan_in, learning rate ∝ width (Mei, Montanari & Nguyen 2018; Chizat & Bach 2018)',
    roles: {
      input: r(0, 0, 1),
      hidden: r(-1, 0, 1),
      output: r(0, -1, 1),
      bias: r(0, 0, 0, 0),
      ...transformerRoles({ embedding: r(0, 0, 1), hidden: r(-1, 0, 1), unembedding: r(0, -1, 1), norm: r(0, 0, 0, 0) }),
    },
  },
  mup: {
    name: 'mup',
    description: 'μP (Tensor Programs V, Table 3, fan_in init): readout init 1/fan_in², per-layer learning rates by optimizer (SGD: input/biases ×n, readout ×1/n; Adam: hidden and readout ×1/n), relative to the base width',
    roles: MUP_ROLES,
    lrExpByOptimizer: MUP_LR,
    attentionScaleExp: -1,
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
    attentionScaleExp: -1,
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
  /**
   * The layer is the dense layer of a residual branch in a network of `blocks` branches. `inner`: the layer
   * is inside a branch of several layers (a transformer's q/k/v projections, MLP input, LayerNorm) but is
   * not its last: its learning rate is depth-scaled, while the branch multiplier is applied once, by the
   * branch's last layer (TP-VI §3: the multiplier scales the branch output).
   */
  branch?: { blocks: number; baseBlocks: number; inner?: boolean };
}

/** The role's row (outputBias falls back to bias; a transformer role to its analogue). */
export function roleScaling(p: Parameterization, role: LayerRole): RoleScaling {
  if (role === 'outputBias') return p.roles.outputBias ?? p.roles.bias;
  if (isTransformerRole(role)) return p.roles[role] ?? p.roles[TRANSFORMER_ROLE_ANALOGUE[role]];
  return p.roles[role];
}

function isTransformerRole(role: LayerRole): role is TransformerRole {
  return role in TRANSFORMER_ROLE_ANALOGUE;
}

/** The attention logit scale d_head^attentionScaleExp of a scheme (−1/2 when the scheme does not say). */
export function attentionScale(p: Parameterization, dHead: number): number {
  if (!(Number.isInteger(dHead) && dHead >= 1)) throw new Error(`attentionScale: dHead = ${dHead}, expected a positive integer`);
  return dHead ** (p.attentionScaleExp ?? -0.5);
}

/** The learning-rate exponent in width of a role under an optimizer family (see the module comment). */
export function lrExponent(p: Parameterization, role: LayerRole, optimizer?: OptimizerFamily): number {
  if (p.lrExpByOptimizer) {
    if (optimizer === undefined)
      throw new Error(`parameterization '${p.name}': learning-rate exponents depend on the optimizer; pass optimizer: ${OPTIMIZER_FAMILIES.join(' | ')}`);
    const exps = p.lrExpByOptimizer[optimizer];
    if (isTransformerRole(role)) return exps[role] ?? exps[TRANSFORMER_ROLE_ANALOGUE[role]];
    return exps[role];
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
    if (!b.inner) multiplier *= b.blocks ** p.depth.branchMultExp;
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

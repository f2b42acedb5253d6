/**
 * A decoder-only (GPT-style) transformer with pre-LayerNorm blocks (Radford et al. 2019; Xiong et al.
 * 2020, "On layer normalization in the transformer architecture"), on the engine's exact gradients and
 * Hessian-vector products:
 *
 *   h₀ = m_e · E[x_t] + m_p · P[t]                                   token + learned position embedding
 *   h_ℓ' = h_{ℓ−1} + m_o · Attn_causal(LN₁(h_{ℓ−1}))  W_o             ℓ = 1..L  (attention branch)
 *   h_ℓ  = h_ℓ'   + m_2 · GELU(m_1 · LN₂(h_ℓ') W_1) W_2                          (MLP branch, width 4·d;
 *                                                                    absent when spec.mlp = false)
 *   logits = m_u · LN_f(h_L) W_u                                     untied unembedding → [B·T, V]
 *
 * with Attn's queries, keys and values m·LN(h)W_{q,k,v}, split into H heads of d_head = d/H, and the attention
 * logits q·k scaled by d_head^attentionScaleExp (1/√d_head in SP, 1/d_head in μP: Tensor Programs V,
 * Appendix J). Linear layers have no biases (as in PaLM/LLaMA); LayerNorms have a gain and a bias.
 *
 * Every init std, forward multiplier m and learning-rate multiplier comes from the parameterization table
 * (./parameterization.ts) through `layerScaling`, by role: embedding, attnQ/K/V/O, mlpIn/Out,
 * unembedding, normGain/normBias. Under a scheme with a depth table (depth-μP) the two branch outputs
 * (W_o, W_2) carry L^{−1/2} and every parameter inside a block gets the branch learning-rate factor.
 *
 * Input: token ids as a [B, T] tensor of integer values (`forward`, so the model fits the `Model`
 * interface) or as an Int32Array of B·T ids (`forwardIds`); rows of every activation are b·T + t.
 * `loss(tokens)` takes [B, T+1] sequences and returns the mean next-token cross-entropy.
 */
import { causalSelfAttention, embedding } from '../core/attention.ts';
import { fusedGelu, fusedLayerNorm } from '../core/fused.ts';
import * as op from '../core/ops.ts';
import type { Rng } from '../core/random.ts';
import { type DType, param, sameShape, shapeStr, type Tensor } from '../core/tensor.ts';
import type { NamedModel, NamedParam } from './model.ts';
import { attentionScale, getParameterization, type LayerContext, layerScaling, type OptimizerFamily, optimizerFamily, type Parameterization, type TransformerRole } from './parameterization.ts';

export interface TransformerSpec {
  vocab: number;
  /** the longest sequence the position table covers (T ≤ context) */
  context: number;
  /** residual-stream width d */
  dModel: number;
  heads: number;
  /** number of blocks L */
  layers: number;
  /** MLP hidden width as a multiple of d (default 4) */
  mlpRatio?: number;
  /**
   * false: an attention-only transformer (no LN₂/MLP sublayers), the model class in which Elhage et al. 2021
   * and Olsson et al. 2022 study induction heads (default true)
   */
  mlp?: boolean;
  parameterization?: Parameterization | string;
  /** width at which the width learning-rate multipliers are 1 (μP base width; default dModel) */
  baseWidth?: number;
  /** number of blocks at which the depth learning-rate multipliers are 1 (default layers) */
  baseLayers?: number;
  /** required by schemes whose learning-rate exponents depend on it (μP, depth-μP) */
  optimizer?: OptimizerFamily | 'momentum' | 'adamw';
  /** multiplies every initial weight matrix (not the LayerNorm parameters) */
  initScale?: number;
  /** LayerNorm ε (default 1e-5) */
  layerNormEps?: number;
  dtype?: DType;
}

/** A parameter with its table entries and its forward multiplier. */
export interface TransformerParam extends NamedParam {
  role: TransformerRole;
  multiplier: number;
}

interface Norm {
  gain: TransformerParam;
  bias: TransformerParam;
}

interface Block {
  ln1: Norm;
  q: TransformerParam;
  k: TransformerParam;
  v: TransformerParam;
  o: TransformerParam;
  /** absent in an attention-only transformer (`spec.mlp === false`) */
  mlp?: { ln2: Norm; mlpIn: TransformerParam; mlpOut: TransformerParam };
}

export class Transformer implements NamedModel {
  readonly spec: Readonly<TransformerSpec>;
  /** Every parameter in `params()` order. */
  readonly entries: readonly TransformerParam[];
  /** d_head^attentionScaleExp of the parameterization: the factor on the attention logits q·k. */
  readonly attentionScale: number;
  private readonly tokenEmbedding: TransformerParam;
  private readonly positionEmbedding: TransformerParam;
  private readonly blocks: Block[];
  private readonly finalNorm: Norm;
  private readonly unembedding: TransformerParam;

  constructor(spec: TransformerSpec, entries: readonly TransformerParam[], attnScale: number) {
    this.spec = spec;
    this.entries = entries;
    this.attentionScale = attnScale;
    const byName = new Map(entries.map((e) => [e.name, e]));
    const at = (name: string): TransformerParam => {
      const e = byName.get(name);
      if (e === undefined) throw new Error(`Transformer: missing parameter '${name}'`);
      return e;
    };
    const norm = (prefix: string): Norm => ({ gain: at(`${prefix}.gain`), bias: at(`${prefix}.bias`) });
    this.tokenEmbedding = at('embed.token');
    this.positionEmbedding = at('embed.position');
    this.blocks = Array.from({ length: spec.layers }, (_, i) => {
      const b = `blocks.${i}`;
      return {
        ln1: norm(`${b}.ln1`),
        q: at(`${b}.attn.q`),
        k: at(`${b}.attn.k`),
        v: at(`${b}.attn.v`),
        o: at(`${b}.attn.o`),
        mlp: spec.mlp === false ? undefined : { ln2: norm(`${b}.ln2`), mlpIn: at(`${b}.mlp.in`), mlpOut: at(`${b}.mlp.out`) },
      };
    });
    this.finalNorm = norm('final.ln');
    this.unembedding = at('unembed');
  }

  params(): Tensor[] {
    return this.entries.map((e) => e.tensor);
  }

  lrScales(): number[] {
    return this.entries.map((e) => e.lrScale);
  }

  namedParams(): NamedParam[] {
    return this.entries.map(({ name, tensor, role, lrScale }) => ({ name, tensor, role, lrScale }));
  }

  /** The same network on other parameter tensors (same shapes, `params()` order): for finite differences and linearizations. */
  withParams(tensors: readonly Tensor[]): Transformer {
    if (tensors.length !== this.entries.length) throw new Error(`Transformer.withParams: ${tensors.length} tensors for ${this.entries.length} parameters`);
    const entries = this.entries.map((e, i) => {
      if (!sameShape(tensors[i].shape, e.tensor.shape))
        throw new Error(`Transformer.withParams: tensor ${i} ('${e.name}') has shape ${shapeStr(tensors[i].shape)}, expected ${shapeStr(e.tensor.shape)}`);
      return { ...e, tensor: tensors[i] };
    });
    return new Transformer(this.spec, entries, this.attentionScale);
  }

  /**
   * Logits [B·T, V] of token ids x [B, T] (integer values in [0, vocab), T ≤ context). `collect`, when
   * given, receives the residual stream h_ℓ [B·T, d] after each of the L blocks.
   */
  forward(x: Tensor, collect?: Tensor[]): Tensor {
    if (x.ndim !== 2) throw new Error(`Transformer.forward: tokens shape ${shapeStr(x.shape)}, expected [batch, length]`);
    return this.forwardIds(tokenIds(x, this.spec.vocab), x.shape[0], collect);
  }

  /**
   * `forward` on B·T ids (row-major [B, T]) given as an Int32Array. `patterns`, when given, receives each
   * block's attention probabilities [B·H, T, T] (row b·H + h, query t, key j), in block order. `taps`, when
   * given, receives each role's output [B·T, ·] by name, in order: 'embed' (h₀), per block ℓ = 1..L 'bℓ.q',
   * 'bℓ.k', 'bℓ.v' (the projections, q before the logit scale), 'bℓ.o' (the attention branch's output) and
   * 'bℓ.mlp' (the MLP branch's output), and 'out' (the logits): the coordinates of the μP coordinate check.
   */
  forwardIds(ids: Int32Array, batch: number, collect?: Tensor[], patterns?: Tensor[], taps?: (role: string, t: Tensor) => void): Tensor {
    const T = ids.length / batch;
    if (!(Number.isInteger(batch) && batch >= 1 && Number.isInteger(T) && T >= 1))
      throw new Error(`Transformer: ${ids.length} ids for batch = ${batch}, expected a positive multiple of the batch size`);
    if (T > this.spec.context) throw new Error(`Transformer: sequence length ${T} exceeds context = ${this.spec.context}`);
    const d = this.spec.dModel;
    const positions = Int32Array.from({ length: T }, (_, t) => t);
    const tok = scaled(embedding(this.tokenEmbedding.tensor, ids), this.tokenEmbedding.multiplier);
    const pos = scaled(embedding(this.positionEmbedding.tensor, positions), this.positionEmbedding.multiplier);
    let h = op.reshape(op.add(op.reshape(tok, [batch, T, d]), pos), [batch * T, d]);
    taps?.('embed', h);
    const shape = { batch, context: T, heads: this.spec.heads };
    this.blocks.forEach((b, i) => {
      const a = this.layerNorm(h, b.ln1);
      // the logit scale folded into q's one scale op, unless a tap wants q itself
      const q = linear(a, b.q, taps ? 1 : this.attentionScale);
      const [k, v] = [linear(a, b.k), linear(a, b.v)];
      const attn = linear(causalSelfAttention(taps ? scaled(q, this.attentionScale) : q, k, v, shape, patterns), b.o);
      h = op.add(h, attn);
      if (taps) for (const [role, t] of [['q', q], ['k', k], ['v', v], ['o', attn]] as const) taps(`b${i + 1}.${role}`, t);
      if (b.mlp) {
        const m = linear(fusedGelu(linear(this.layerNorm(h, b.mlp.ln2), b.mlp.mlpIn)), b.mlp.mlpOut);
        taps?.(`b${i + 1}.mlp`, m);
        h = op.add(h, m);
      }
      collect?.push(h);
    });
    const logits = linear(this.layerNorm(h, this.finalNorm), this.unembedding);
    taps?.('out', logits);
    return logits;
  }

  /**
   * Mean next-token cross-entropy of sequences `tokens` [B, T+1]: the model reads positions 0..T−1 and is
   * scored on predicting positions 1..T.
   */
  loss(tokens: Tensor): Tensor {
    if (tokens.ndim !== 2 || tokens.shape[1] < 2) throw new Error(`Transformer.loss: tokens shape ${shapeStr(tokens.shape)}, expected [batch, length + 1] with length ≥ 1`);
    const { inputs, targets } = nextTokenSplit(tokenIds(tokens, this.spec.vocab), tokens.shape[0]);
    return op.softmaxCrossEntropy(this.forwardIds(inputs, tokens.shape[0]), targets);
  }

  private layerNorm(x: Tensor, n: Norm): Tensor {
    // one fused op (./core/fused.ts) computing what op.layerNorm composes from eight
    return fusedLayerNorm(x, n.gain.tensor, n.bias.tensor, this.spec.layerNormEps ?? 1e-5);
  }
}

function scaled(x: Tensor, c: number): Tensor {
  return c === 1 ? x : op.scale(x, c);
}

/** m · x W, with an extra constant factor folded into the one scale op. */
function linear(x: Tensor, w: TransformerParam, extra = 1): Tensor {
  return scaled(op.matmul(x, w.tensor), w.multiplier * extra);
}

/** The integer ids held by a token tensor, checked against the vocabulary. */
export function tokenIds(x: Tensor, vocab: number): Int32Array {
  const ids = new Int32Array(x.size);
  for (let i = 0; i < x.size; i++) {
    const v = x.data[i];
    if (!(Number.isInteger(v) && v >= 0 && v < vocab)) throw new Error(`Transformer: token ${v} at index ${i} is not an integer in [0, ${vocab})`);
    ids[i] = v;
  }
  return ids;
}

/** Inputs (positions 0..T−1) and next-token targets (positions 1..T) of B sequences of T+1 ids. */
export function nextTokenSplit(seqs: Int32Array, batch: number): { inputs: Int32Array; targets: Int32Array } {
  const n = seqs.length / batch;
  if (!(Number.isInteger(n) && n >= 2)) throw new Error(`nextTokenSplit: ${seqs.length} ids for batch = ${batch}, expected batch × (length + 1) with length ≥ 1`);
  const T = n - 1;
  const inputs = new Int32Array(batch * T);
  const targets = new Int32Array(batch * T);
  for (let b = 0; b < batch; b++) {
    inputs.set(seqs.subarray(b * n, b * n + T), b * T);
    targets.set(seqs.subarray(b * n + 1, (b + 1) * n), b * T);
  }
  return { inputs, targets };
}

// ---- construction -----------------------------------------------------------------------------

interface Slot {
  name: string;
  role: TransformerRole;
  shape: [number, number] | [number];
  fanIn: number;
  /** inside a residual branch: 'out' for its last layer (carries the branch multiplier), 'inner' otherwise */
  branch?: 'inner' | 'out';
}

/** Every parameter of the architecture, in `params()` order. */
function layout(s: TransformerSpec, hidden: number): Slot[] {
  const d = s.dModel;
  const norm = (prefix: string, branch?: 'inner'): Slot[] => [
    { name: `${prefix}.gain`, role: 'normGain', shape: [d], fanIn: d, branch },
    { name: `${prefix}.bias`, role: 'normBias', shape: [d], fanIn: d, branch },
  ];
  const slots: Slot[] = [
    { name: 'embed.token', role: 'embedding', shape: [s.vocab, d], fanIn: s.vocab },
    { name: 'embed.position', role: 'embedding', shape: [s.context, d], fanIn: s.context },
  ];
  for (let i = 0; i < s.layers; i++) {
    const b = `blocks.${i}`;
    slots.push(
      ...norm(`${b}.ln1`, 'inner'),
      { name: `${b}.attn.q`, role: 'attnQ', shape: [d, d], fanIn: d, branch: 'inner' },
      { name: `${b}.attn.k`, role: 'attnK', shape: [d, d], fanIn: d, branch: 'inner' },
      { name: `${b}.attn.v`, role: 'attnV', shape: [d, d], fanIn: d, branch: 'inner' },
      { name: `${b}.attn.o`, role: 'attnO', shape: [d, d], fanIn: d, branch: 'out' },
    );
    if (s.mlp !== false)
      slots.push(
        ...norm(`${b}.ln2`, 'inner'),
        { name: `${b}.mlp.in`, role: 'mlpIn', shape: [d, hidden], fanIn: d, branch: 'inner' },
        { name: `${b}.mlp.out`, role: 'mlpOut', shape: [hidden, d], fanIn: hidden, branch: 'out' },
      );
  }
  slots.push(...norm('final.ln'), { name: 'unembed', role: 'unembedding', shape: [d, s.vocab], fanIn: d });
  return slots;
}

function checkSpec(s: TransformerSpec): void {
  const { vocab, context, dModel, heads, layers } = s;
  for (const [k, v] of Object.entries({ vocab, context, dModel, heads, layers }))
    if (!Number.isInteger(v) || v < 1) throw new Error(`transformer: ${k} = ${v}, expected a positive integer`);
  if (dModel % heads !== 0) throw new Error(`transformer: dModel = ${dModel} is not divisible by heads = ${heads}`);
  const ratio = s.mlpRatio ?? 4;
  if (!(Number.isInteger(ratio * dModel) && ratio > 0)) throw new Error(`transformer: mlpRatio = ${ratio}, expected a positive number with mlpRatio · dModel an integer`);
}

/** Builds a transformer with weights drawn from `rng` (one child stream per parameter name). */
export function transformer(spec: TransformerSpec, rng: Rng): Transformer {
  checkSpec(spec);
  const p = typeof spec.parameterization === 'string' ? getParameterization(spec.parameterization) : (spec.parameterization ?? getParameterization('sp'));
  const ratio = spec.dModel / (spec.baseWidth ?? spec.dModel);
  const optimizer = spec.optimizer === undefined ? undefined : optimizerFamily(spec.optimizer);
  const blocks = { blocks: spec.layers, baseBlocks: spec.baseLayers ?? spec.layers };
  const dtype = spec.dtype ?? 'f64';
  const entries = layout(spec, (spec.mlpRatio ?? 4) * spec.dModel).map((slot): TransformerParam => {
    const ctx: LayerContext = slot.branch === undefined ? { optimizer } : { optimizer, branch: { ...blocks, inner: slot.branch === 'inner' } };
    const s = layerScaling(p, slot.role, slot.fanIn, ratio, ctx);
    const size = slot.shape.reduce((a, b) => a * b, 1);
    const data = new Float64Array(size);
    const isNorm = slot.role === 'normGain' || slot.role === 'normBias';
    const std = s.initStd * (isNorm ? 1 : (spec.initScale ?? 1));
    if (std > 0) rng.child(slot.name).fillNormal(data, std);
    if (slot.role === 'normGain') for (let i = 0; i < size; i++) data[i] += 1;
    return { name: slot.name, tensor: param(data, slot.shape, dtype), role: slot.role, lrScale: s.lrScale, multiplier: s.multiplier };
  });
  return new Transformer(spec, entries, attentionScale(p, spec.dModel / spec.heads));
}

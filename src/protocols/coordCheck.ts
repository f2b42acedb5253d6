/**
 * The μP coordinate check (Yang et al. 2021/2022, "Tensor Programs V", §5 and Appendix D.1; the `mup`
 * library's `get_coord_data`): train the same architecture at several widths for a few steps and record,
 * for every layer, the RMS size of a coordinate of its activation, RMS(h) = √(mean_{b,i} h_{b,i}²), and of
 * its change since initialization, RMS(h_t − h₀), on a fixed probe batch.
 *
 * Theory (Tensor Programs V, Table 3 and Appendix J): under μP every hidden activation and its change
 * are Θ(1) in width n and so is the change of the output, so all log-log slopes in n are 0. Under SP with
 * Adam, a hidden (width → width) layer's update is ΔW h with ΔW entries Θ(η) aligned with h, so
 * RMS(Δh) ∝ η·n (slope +1), and the output update likewise; the first layer (fan-in = the data dimension)
 * keeps slope 0. With SGD under SP the output update grows as n as well (the readout's gradient is ∝ h).
 *
 * The slope of a layer is the least-squares slope of log RMS against log width over the widths, from the
 * seed-averaged RMS. Diverged runs (non-finite values) give NaN slopes and are flagged.
 *
 * Transformers (`transformer:depth=2,heads=4`, src/nn/transformer.ts): the width is d_model with the head
 * count fixed (so d_head grows with width, the setting of μP's 1/d_head attention scale, Tensor Programs V
 * Appendix J), the data a fixed batch of random token sequences and the loss the next-token cross-entropy;
 * the coordinates are per role: the embedding output, each block's q, k, v projections, attention output
 * (after W_o) and MLP output, and the logits. Under μP all their changes are Θ(1) in width; under SP with
 * Adam the layers whose fan-in is the width (q, k, v, o, MLP, logits) grow ∝ width, the embedding (fan-in
 * the vocabulary) does not.
 *
 * This module is the experiment (model specs as the CLI writes them, the widths, the training through
 * `fit`); the RMS readings themselves are the instrument of src/observe/coordCheck.ts.
 */
import type { Mat } from '../core/mat.ts';
import type { Activation } from '../core/ops.ts';
import * as op from '../core/ops.ts';
import type { Rng } from '../core/random.ts';
import { logLogSlope } from '../core/stats.ts';
import { type DType, noGrad, type Tensor, tensor } from '../core/tensor.ts';
import { gaussianMat } from '../data/basis.ts';
import { mlp } from '../nn/mlp.ts';
import type { NamedModel } from '../nn/model.ts';
import { optimizerFromConfig } from '../nn/optim.ts';
import { getParameterization, type OptimizerFamily, type Parameterization } from '../nn/parameterization.ts';
import { resMlp } from '../nn/resmlp.ts';
import { fit } from '../nn/train.ts';
import { type Transformer, transformer } from '../nn/transformer.ts';
import { coordinateSnapshot, rms, rmsDiff } from '../observe/coordCheck.ts';

/** A width-parameterized architecture: the width is the swept dimension. */
export interface ModelSpec {
  kind: 'mlp' | 'resmlp' | 'transformer';
  /** hidden layers (mlp), residual blocks (resmlp) or transformer blocks */
  depth: number;
  activation: Activation;
  inputDim: number;
  outputDim: number;
  bias: boolean;
  /** transformer only: attention heads (fixed across widths), context length, vocabulary, μP base width */
  transformer?: TransformerCoordSpec;
}

export interface TransformerCoordSpec {
  heads: number;
  context: number;
  vocab: number;
  /** the `width=` of the model text: the base width of the learning-rate multipliers (default: the smallest width) */
  baseWidth?: number;
}

export const MODEL_KINDS = ['mlp', 'resmlp', 'transformer'] as const;
const TRANSFORMER_DEFAULTS = { depth: 2, heads: 4, context: 16, vocab: 32 };

/**
 * `transformer[:key=value,…]` with keys width (the μP base width), depth, heads, context, vocab, e.g.
 * `transformer:width=32,depth=2,heads=4`; unlisted keys take TRANSFORMER_DEFAULTS.
 */
function parseTransformerSpec(s: string): ModelSpec {
  const v: Record<string, number> = { ...TRANSFORMER_DEFAULTS };
  const body = s.slice('transformer'.length).replace(/^:/, '');
  const limits: Record<string, [number, number]> = { width: [1, 16384], depth: [1, 64], heads: [1, 256], context: [2, 4096], vocab: [2, 65536] };
  for (const part of body === '' ? [] : body.split(',')) {
    const m = /^\s*(\w+)\s*=\s*(\S+)\s*$/.exec(part);
    if (!m || !(m[1] in limits))
      throw new ModelSpecError(`model: ${JSON.stringify(part)} in ${JSON.stringify(s)}, expected key=value with key one of ${Object.keys(limits).join(', ')}, e.g. transformer:width=32,depth=2,heads=4`);
    v[m[1]] = checkInt(`transformer ${m[1]}`, Number(m[2]), ...limits[m[1]]);
  }
  return {
    kind: 'transformer',
    depth: v.depth,
    activation: 'gelu',
    inputDim: v.vocab,
    outputDim: v.vocab,
    bias: false,
    transformer: { heads: v.heads, context: v.context, vocab: v.vocab, ...(v.width !== undefined ? { baseWidth: v.width } : {}) },
  };
}
export const COORD_ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'gelu', 'erf', 'sigmoid', 'softplus', 'identity', 'linear'];

/** Bad model-spec input: the message names the field, the value and what was expected. */
export class ModelSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelSpecError';
  }
}

const DEFAULT_MODEL: ModelSpec = { kind: 'mlp', depth: 3, activation: 'relu', inputDim: 16, outputDim: 1, bias: true };

function checkInt(field: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new ModelSpecError(`${field}: ${JSON.stringify(v)}, expected an integer in [${lo}, ${hi}]`);
  return v;
}

/**
 * Parse a model spec: `kind[:depth[x]][:activation]` (e.g. `mlp:3x` = an MLP with 3 hidden layers of the
 * swept width x, `resmlp:8:tanh`), or a JSON object `{"kind","depth","activation","inputDim","outputDim","bias"}`.
 * Unlisted fields take the defaults (mlp, 3, relu, 16, 1, true); `overrides` (from flags) win over both.
 */
export function parseModelSpec(text: string | undefined, overrides: Partial<ModelSpec> = {}): ModelSpec {
  let spec: Record<string, unknown> = { ...DEFAULT_MODEL };
  const s = (text ?? '').trim();
  if (/^transformer(:|$)/.test(s)) {
    const t = parseTransformerSpec(s);
    if (overrides.depth !== undefined) t.depth = checkInt('depth', overrides.depth, 1, 64);
    return t;
  }
  if (s.startsWith('{')) {
    let raw: unknown;
    try {
      raw = JSON.parse(s);
    } catch (e) {
      throw new ModelSpecError(`model: ${JSON.stringify(s)}, expected valid JSON (${(e as Error).message})`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ModelSpecError(`model: ${s}, expected a JSON object`);
    const known = new Set(Object.keys(DEFAULT_MODEL));
    for (const k of Object.keys(raw)) if (!known.has(k)) throw new ModelSpecError(`model.${k}: ${JSON.stringify((raw as Record<string, unknown>)[k])}, expected one of the fields ${[...known].join(', ')}`);
    spec = { ...spec, ...(raw as Record<string, unknown>) };
  } else if (s !== '') {
    const parts = s.split(':');
    if (parts.length > 3) throw new ModelSpecError(`model: ${JSON.stringify(s)}, expected kind[:depth][:activation], e.g. mlp:3x or resmlp:8:tanh`);
    spec.kind = parts[0];
    if (parts[1] !== undefined) {
      const m = /^(\d+)x?$/.exec(parts[1]);
      if (!m) throw new ModelSpecError(`model depth: ${JSON.stringify(parts[1])}, expected a positive integer (optionally followed by x), e.g. 3x`);
      spec.depth = Number(m[1]);
    }
    if (parts[2] !== undefined) spec.activation = parts[2];
  }
  spec = { ...spec, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
  if (!(MODEL_KINDS as readonly unknown[]).includes(spec.kind)) throw new ModelSpecError(`model kind: ${JSON.stringify(spec.kind)}, expected one of ${MODEL_KINDS.join(', ')}`);
  if (!(COORD_ACTIVATIONS as readonly unknown[]).includes(spec.activation)) throw new ModelSpecError(`activation: ${JSON.stringify(spec.activation)}, expected one of ${COORD_ACTIVATIONS.join(', ')}`);
  if (typeof spec.bias !== 'boolean') throw new ModelSpecError(`bias: ${JSON.stringify(spec.bias)}, expected true or false`);
  return {
    kind: spec.kind as ModelSpec['kind'],
    depth: checkInt('depth', spec.depth, 1, 256),
    activation: spec.activation as Activation,
    inputDim: checkInt('input', spec.inputDim, 1, 100_000),
    outputDim: checkInt('output', spec.outputDim, 1, 10_000),
    bias: spec.bias,
  };
}

/** Names of the recorded layers: the collected activations, then the output. */
export function layerNames(model: ModelSpec): string[] {
  if (model.kind === 'transformer') {
    const blocks = Array.from({ length: model.depth }, (_, i) => ['q', 'k', 'v', 'o', 'mlp'].map((r) => `b${i + 1}.${r}`));
    return ['embed', ...blocks.flat(), 'out'];
  }
  const hidden = model.kind === 'mlp' ? Array.from({ length: model.depth }, (_, i) => `h${i + 1}`) : ['embed', ...Array.from({ length: model.depth }, (_, i) => `block${i + 1}`)];
  return [...hidden, 'out'];
}

export function buildModel(
  model: ModelSpec,
  width: number,
  opts: { parameterization: Parameterization | string; baseWidth: number; optimizer: OptimizerFamily; baseBlocks?: number; dtype?: DType },
  rng: Rng,
): NamedModel {
  if (model.kind === 'transformer') {
    const t = model.transformer ?? { ...TRANSFORMER_DEFAULTS };
    if (width % t.heads !== 0) throw new ModelSpecError(`--widths: width ${width} is not divisible by transformer heads = ${t.heads}`);
    return transformer(
      { vocab: t.vocab, context: t.context, dModel: width, heads: t.heads, layers: model.depth, parameterization: opts.parameterization, baseWidth: opts.baseWidth, baseLayers: opts.baseBlocks ?? model.depth, optimizer: opts.optimizer, dtype: opts.dtype },
      rng,
    );
  }
  if (model.kind === 'mlp') {
    return mlp(
      {
        sizes: [model.inputDim, ...new Array<number>(model.depth).fill(width), model.outputDim],
        activation: model.activation,
        bias: model.bias,
        parameterization: opts.parameterization,
        baseWidth: opts.baseWidth,
        optimizer: opts.optimizer,
        dtype: opts.dtype,
      },
      rng,
    );
  }
  return resMlp(
    {
      inputDim: model.inputDim,
      width,
      blocks: model.depth,
      outputDim: model.outputDim,
      activation: model.activation,
      bias: model.bias,
      parameterization: opts.parameterization,
      baseWidth: opts.baseWidth,
      baseBlocks: opts.baseBlocks ?? model.depth,
      optimizer: opts.optimizer,
      dtype: opts.dtype,
    },
    rng,
  );
}

export interface CoordCheckOptions {
  model: ModelSpec;
  parameterization: Parameterization | string;
  widths: number[];
  /** width at which the learning-rate multipliers are 1 (default: the smallest width) */
  baseWidth?: number;
  /** optimizer steps (the record has steps + 1 entries, t = 0..steps) */
  steps: number;
  optimizer: OptimizerFamily;
  lr: number;
  /** probe/training batch size (full-batch training on this batch) */
  batch?: number;
  /** independent initializations per width, averaged */
  seeds?: number;
  /** inputs and targets; default: x ~ N(0, I_d) and a random linear teacher with unit-variance targets */
  data?: { x: Mat; y: Mat };
  rng: Rng;
  /** called after each (width, seed) */
  progress?: (fraction: number, message: string) => void;
  signal?: AbortSignal;
}

export interface CoordCheckLayer {
  name: string;
  /** [width][t]: seed-mean RMS of the activation at step t */
  rms: number[][];
  /** [width][t]: seed-mean RMS of the change since init (0 at t = 0) */
  deltaRms: number[][];
  /** log-log slope in width of RMS(h_T) at the last step */
  rmsSlope: number;
  /** log-log slope in width of RMS(h_T − h₀) at the last step */
  deltaSlope: number;
  /** [t]: log-log slope in width of RMS(h_t − h₀), t = 1..steps (index 0 is NaN) */
  deltaSlopeByStep: number[];
}

export interface CoordCheckResult {
  parameterization: string;
  optimizer: OptimizerFamily;
  lr: number;
  widths: number[];
  baseWidth: number;
  steps: number;
  layers: CoordCheckLayer[];
  /** widths at which some run produced non-finite values */
  diverged: number[];
}

/** Default probe data: x ~ N(0, I_d) and y = xA/√d with A ~ N(0, 1)^{d×k}, so every target has unit variance. */
export function defaultProbeData(model: ModelSpec, batch: number, rng: Rng): { x: Mat; y: Mat } {
  const d = model.inputDim;
  const k = model.outputDim;
  const x = gaussianMat(batch, d, rng.child('x'));
  const A = gaussianMat(d, k, rng.child('teacher'));
  const y = new Float64Array(batch * k);
  for (let b = 0; b < batch; b++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += x.data[b * d + i] * A.data[i * k + j];
      y[b * k + j] = s / Math.sqrt(d);
    }
  return { x, y: { rows: batch, cols: k, data: y } };
}

/** Seed sums of RMS(h_t) and RMS(h_t − h₀) per [layer][width][t], and the widths whose runs went non-finite. */
interface CoordSums {
  rms: number[][][];
  delta: number[][][];
  diverged: Set<number>;
}

/**
 * Train one (width, seed) network for `steps` full-batch steps through `fit`, adding the RMS readings of
 * every step t = 0..steps into `sums` at width index `wi`. A run whose loss goes non-finite stops there
 * (`fit` records it) and its remaining steps read NaN, as its activations would.
 */
function accumulateRun(o: CoordCheckOptions, net: NamedModel, x: Tensor, y: Tensor, wi: number, width: number, sums: CoordSums): void {
  const isT = o.model.kind === 'transformer';
  // a transformer reads token sequences x [B, T+1] (inputs and next-token targets; its loss is the cross-entropy)
  const snapshot = () => (isT ? transformerSnapshot(net as Transformer, x) : coordinateSnapshot(net, x));
  const h0 = snapshot();
  const add = (t: number, ht: Float64Array[]) => {
    for (let l = 0; l < ht.length; l++) {
      const a = rms(ht[l]);
      const d = t === 0 ? 0 : rmsDiff(ht[l], h0[l]);
      if (!Number.isFinite(a) || !Number.isFinite(d)) sums.diverged.add(width);
      sums.rms[l][wi][t] += a;
      sums.delta[l][wi][t] += d;
    }
  };
  const r = fit({
    params: net.params(),
    loss: isT ? () => (net as Transformer).loss(x) : () => op.scale(op.mse(net.forward(x), y), 0.5 * o.model.outputDim),
    optimizer: optimizerFromConfig({ kind: o.optimizer, lr: o.lr }, { lrScales: net.lrScales() }),
    steps: o.steps,
    evalAt: 1,
    onEval: (t) => add(t, t === 0 ? h0 : snapshot()),
    signal: o.signal,
  });
  if (r.diverged) {
    sums.diverged.add(width);
    const nan = h0.map(() => new Float64Array(1).fill(Number.NaN));
    for (let t = r.diverged.step; t <= o.steps; t++) add(t, nan);
  }
}

/** The transformer's per-role coordinates (`layerNames` order) on the inputs of token sequences x [B, T+1]. */
function transformerSnapshot(net: Transformer, x: Tensor): Float64Array[] {
  const [B, T1] = x.shape;
  const ids = new Int32Array(B * (T1 - 1));
  for (let b = 0; b < B; b++) for (let t = 0; t < T1 - 1; t++) ids[b * (T1 - 1) + t] = x.data[b * T1 + t];
  const out: Float64Array[] = [];
  noGrad(() => net.forwardIds(ids, B, undefined, undefined, (_, t) => out.push(Float64Array.from(t.data))));
  return out;
}

/** Random token sequences [batch, context + 1] (uniform over the vocabulary): the transformer's probe batch. */
export function tokenProbeData(model: ModelSpec, batch: number, rng: Rng): Tensor {
  const t = model.transformer ?? { ...TRANSFORMER_DEFAULTS };
  const ids = new Float64Array(batch * (t.context + 1));
  for (let i = 0; i < ids.length; i++) ids[i] = rng.int(t.vocab);
  return tensor(ids, [batch, t.context + 1]);
}

/** Seed means of the sums, and the log-log slopes in width of each layer. */
function layerResults(names: readonly string[], widths: readonly number[], steps: number, seeds: number, sums: CoordSums): CoordCheckLayer[] {
  return names.map((name, l) => {
    const r = sums.rms[l].map((row) => row.map((v) => v / seeds));
    const d = sums.delta[l].map((row) => row.map((v) => v / seeds));
    const T = steps;
    return {
      name,
      rms: r,
      deltaRms: d,
      rmsSlope: logLogSlope(widths, r.map((row) => row[T])),
      deltaSlope: logLogSlope(widths, d.map((row) => row[T])),
      deltaSlopeByStep: Array.from({ length: T + 1 }, (_, t) => (t === 0 ? Number.NaN : logLogSlope(widths, d.map((row) => row[t])))),
    };
  });
}

/** Run the coordinate check (see the module comment). Loss: ½·mean_b ‖f(x_b) − y_b‖² (MSE/2). */
export function coordCheck(o: CoordCheckOptions): CoordCheckResult {
  if (o.widths.length < 2) throw new Error(`coordCheck: widths: ${JSON.stringify(o.widths)}, expected at least 2 widths`);
  const p = typeof o.parameterization === 'string' ? getParameterization(o.parameterization) : o.parameterization;
  const widths = [...o.widths].sort((a, b) => a - b);
  const baseWidth = o.baseWidth ?? o.model.transformer?.baseWidth ?? widths[0];
  const seeds = o.seeds ?? 1;
  const isT = o.model.kind === 'transformer';
  const batch = o.batch ?? (isT ? 8 : 64);
  const data = isT ? null : (o.data ?? defaultProbeData(o.model, batch, o.rng.child('data')));
  const x = data ? tensor(data.x.data, [data.x.rows, data.x.cols]) : tokenProbeData(o.model, batch, o.rng.child('data'));
  const y = data ? tensor(data.y.data, [data.y.rows, data.y.cols]) : x;
  const names = layerNames(o.model);
  const grid = () => names.map(() => widths.map(() => new Array<number>(o.steps + 1).fill(0)));
  const sums: CoordSums = { rms: grid(), delta: grid(), diverged: new Set<number>() };
  const total = widths.length * seeds;
  let done = 0;
  widths.forEach((width, wi) => {
    for (let s = 0; s < seeds; s++) {
      const net = buildModel(o.model, width, { parameterization: p, baseWidth, optimizer: o.optimizer }, o.rng.child('init', width, s));
      accumulateRun(o, net, x, y, wi, width, sums);
      done++;
      o.progress?.(done / total, `width ${width} seed ${s}`);
    }
  });
  const layers = layerResults(names, widths, o.steps, seeds, sums);
  return { parameterization: p.name, optimizer: o.optimizer, lr: o.lr, widths, baseWidth, steps: o.steps, layers, diverged: [...sums.diverged].sort((a, b) => a - b) };
}

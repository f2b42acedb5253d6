/**
 * The ops of causal multi-head self-attention (Vaswani et al. 2017, "Attention is all you need", §3.2),
 * with the same three rules as every op of ./ops.ts: forward value, forward tangent, and the backward
 * adjoint together with its tangent, so `hessianVectorProduct` stays exact (forward-over-reverse,
 * Pearlmutter 1994). Three primitives are new here; everything else is composed from ./ops.ts:
 *
 *   permute(x, axes)       N-D axis permutation (a linear gather: its tangent and adjoint tangent are the
 *                          same permutation of the input tangent / output adjoint tangent)
 *   causalSoftmax(s)       row softmax over j ≤ i of the last two axes [.., T, T]; zero above the diagonal
 *   embedding(table, ids)  row gather with scatter-add backward (linear in the table)
 *
 * and `causalSelfAttention` composes them with `bmm`: per head, softmax_causal(Q Kᵀ) V.
 */
import { kernels } from './kernels.ts';
import type { FloatArray } from './mat.ts';
import { bmm, expInPlace, expScratch, gradBuf, gradTangentBuf, record } from './ops.ts';
import { allocLike, allocLikeForWrite, shapeStr, Tensor } from './tensor.ts';

// ---- permute ------------------------------------------------------------------------------------

const permuteCache = new Map<string, Int32Array>();

/** For each element of the permuted tensor (row-major), the flat index of the input element it reads. */
function permuteIndex(shape: readonly number[], axes: readonly number[]): Int32Array {
  const key = `${shape.join(',')}|${axes.join(',')}`;
  const cached = permuteCache.get(key);
  if (cached !== undefined) return cached;
  const r = shape.length;
  const inStrides = new Array<number>(r);
  let s = 1;
  for (let i = r - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i];
  }
  const outShape = axes.map((a) => shape[a]);
  const strides = axes.map((a) => inStrides[a]);
  const idx = new Int32Array(s);
  const counter = new Array<number>(r).fill(0);
  let off = 0;
  for (let i = 0; i < s; i++) {
    idx[i] = off;
    for (let d = r - 1; d >= 0; d--) {
      counter[d]++;
      off += strides[d];
      if (counter[d] < outShape[d]) break;
      off -= strides[d] * outShape[d];
      counter[d] = 0;
    }
  }
  if (permuteCache.size > 256) permuteCache.clear();
  permuteCache.set(key, idx);
  return idx;
}

/**
 * Axis permutation: out has shape [shape[axes[0]], shape[axes[1]], …] and out[i₀,…] = x at the index
 * whose axis axes[k] is iₖ (numpy's `transpose(x, axes)`). Linear: ẏ = P ẋ, ḡx = Pᵀ ḡy, ġx = Pᵀ ġy.
 */
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  return permuteAs(x, x.shape, axes, axes.map((a) => x.shape[a]));
}

/**
 * `reshape(permute(reshape(x, view), axes), outShape)` as one op: the same values, tangents and adjoints,
 * without the two reshape nodes (each of whose backward passes copies a full adjoint). What the head
 * split and merge of attention use.
 */
export function permuteAs(x: Tensor, view: readonly number[], axes: readonly number[], outShape: readonly number[]): Tensor {
  const r = view.length;
  const seen = new Set(axes);
  if (axes.length !== r || seen.size !== r || axes.some((a) => !Number.isInteger(a) || a < 0 || a >= r))
    throw new Error(`permute: axes [${axes.join(', ')}] for shape ${shapeStr(view)}, expected a permutation of 0..${r - 1}`);
  const size = (s: readonly number[]) => s.reduce((p, q) => p * q, 1);
  if (size(view) !== x.size || size(outShape) !== x.size)
    throw new Error(`permute: cannot view ${shapeStr(x.shape)} as ${shapeStr(view)} and return ${shapeStr(outShape)}: the element counts differ`);
  const idx = permuteIndex(view, axes);
  // trailing axes the permutation keeps in place move as contiguous runs (the head split's d_head): copy runs
  let run = 1;
  for (let d = r - 1; d >= 0 && axes[d] === d; d--) run *= view[d];
  const gather = (src: FloatArray): FloatArray => {
    const out = allocLikeForWrite(src, idx.length);
    for (let o = 0; o < idx.length; o += run) {
      const b = idx[o];
      for (let j = 0; j < run; j++) out[o + j] = src[b + j];
    }
    return out;
  };
  const scatterInto = (dst: FloatArray, src: FloatArray): void => {
    for (let o = 0; o < idx.length; o += run) {
      const b = idx[o];
      for (let j = 0; j < run; j++) dst[b + j] += src[o + j];
    }
  };
  const res = new Tensor(gather(x.data), outShape);
  if (x.tangent !== null) res.tangent = gather(x.tangent);
  return record(res, [x], 'permute', () => {
    if (res.grad === null) return;
    scatterInto(gradBuf(x), res.grad);
    if (res.gradTangent !== null) scatterInto(gradTangentBuf(x), res.gradTangent);
  });
}

// ---- causal softmax -----------------------------------------------------------------------------

/**
 * The forward values of `causalSoftmax` on raw arrays: rows of T entries, row r of p the softmax of the first
 * (r mod T) + 1 entries of row r of s, the rest 0 (what a kernel's optional `causalSoftmax` replaces). The shifted
 * logits s − max of every row go through one `expInPlace` (the backend's exp, Math.exp's bits, on the whole batch),
 * then each row is normalized as a per-row loop of Math.exp would have done it.
 */
export function causalSoftmaxRows(s: FloatArray, p: FloatArray, T: number): void {
  const rows = T === 0 ? 0 : s.length / T;
  const e = expScratch(rows === 0 ? 0 : (rows / T) * ((T * (T + 1)) / 2));
  let q = 0;
  for (let row = 0; row < rows; row++) {
    const o = row * T;
    const len = (row % T) + 1;
    let mx = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < len; j++) if (s[o + j] > mx) mx = s[o + j];
    for (let j = 0; j < len; j++) e[q++] = s[o + j] - mx;
  }
  expInPlace(e);
  q = 0;
  for (let row = 0; row < rows; row++) {
    const o = row * T;
    const len = (row % T) + 1;
    let z = 0;
    for (let j = 0; j < len; j++) {
      const v = e[q++];
      p[o + j] = v;
      z += v;
    }
    for (let j = 0; j < len; j++) p[o + j] /= z;
    for (let j = len; j < T; j++) p[o + j] = 0;
  }
}

/** c = ⟨p, g⟩ on one row's first `len` entries, and gs += p ⊙ (g − c) there; returns c. */
function softmaxAdjointRow(p: FloatArray, g: FloatArray, gs: FloatArray, o: number, len: number): number {
  let c = 0;
  for (let j = 0; j < len; j++) c += p[o + j] * g[o + j];
  for (let j = 0; j < len; j++) gs[o + j] += p[o + j] * (g[o + j] - c);
  return c;
}

/** The adjoint of `causalSoftmaxRows`, accumulated into gs (what a kernel's optional `causalSoftmaxBackward` replaces). */
export function causalSoftmaxAdjointRows(p: FloatArray, g: FloatArray, gs: FloatArray, T: number): void {
  const rows = T === 0 ? 0 : p.length / T;
  for (let row = 0; row < rows; row++) softmaxAdjointRow(p, g, gs, row * T, (row % T) + 1);
}

/** ṗ = p ⊙ (ṡ − ⟨p, ṡ⟩) on one row's first `len` entries (the masked tail stays 0). */
function softmaxTangentRow(p: FloatArray, st: FloatArray, out: FloatArray, o: number, len: number): void {
  let c = 0;
  for (let j = 0; j < len; j++) c += p[o + j] * st[o + j];
  for (let j = 0; j < len; j++) out[o + j] = p[o + j] * (st[o + j] - c);
}

/**
 * Causal row softmax of attention logits s [.., T, T]: p_ij = exp(s_ij) / Σ_{k≤i} exp(s_ik) for j ≤ i,
 * and p_ij = 0 for j > i, so position i never reads a later position (autoregressive masking,
 * Vaswani et al. 2017 §3.2.3). Masked logits are ignored (they get zero adjoint).
 * Rules per row, with c = ⟨p, g⟩:
 *   ẏ:  ṗ = p ⊙ (ṡ − ⟨p, ṡ⟩)
 *   ḡs = p ⊙ (g − c)
 *   ġs = ṗ ⊙ (g − c) + p ⊙ (ġ − ċ),   ċ = ⟨ṗ, g⟩ + ⟨p, ġ⟩     (the product rule on ḡs)
 */
export function causalSoftmax(s: Tensor): Tensor {
  const r = s.ndim;
  if (r < 2 || s.shape[r - 1] !== s.shape[r - 2]) throw new Error(`causalSoftmax: logits shape ${shapeStr(s.shape)}, expected [.., T, T]`);
  const T = s.shape[r - 1];
  const rows = T === 0 ? 0 : s.size / T;
  const p = allocLikeForWrite(s.data, s.size); // masked entries are written 0 too
  const k = kernels();
  if (k.causalSoftmax && rows > 0) k.causalSoftmax(s.data, p, T);
  else causalSoftmaxRows(s.data, p, T);
  const res = new Tensor(p, s.shape);
  let pdot: FloatArray | null = null;
  if (s.tangent !== null) {
    const st = s.tangent;
    const pd = allocLike(p, s.size);
    for (let row = 0; row < rows; row++) softmaxTangentRow(p, st, pd, row * T, (row % T) + 1);
    pdot = pd;
    res.tangent = pd;
  }
  return record(res, [s], 'causalSoftmax', () => {
    const g = res.grad;
    if (g === null) return;
    const gt = res.gradTangent;
    const gs = gradBuf(s);
    const gts = gt !== null || pdot !== null ? gradTangentBuf(s) : null;
    if (gts === null) {
      const k = kernels();
      if (k.causalSoftmaxBackward && rows > 0) k.causalSoftmaxBackward(p, g, gs, T);
      else causalSoftmaxAdjointRows(p, g, gs, T);
      return;
    }
    for (let row = 0; row < rows; row++) {
      const o = row * T;
      const len = (row % T) + 1;
      const c = softmaxAdjointRow(p, g, gs, o, len);
      let cdot = 0;
      for (let j = 0; j < len; j++) cdot += (pdot !== null ? pdot[o + j] * g[o + j] : 0) + (gt !== null ? p[o + j] * gt[o + j] : 0);
      for (let j = 0; j < len; j++) {
        const fromP = pdot !== null ? pdot[o + j] * (g[o + j] - c) : 0;
        gts[o + j] += fromP + p[o + j] * ((gt !== null ? gt[o + j] : 0) - cdot);
      }
    }
  });
}

// ---- embedding ----------------------------------------------------------------------------------

/**
 * Row gather: out[i, :] = table[ids[i], :], shape [ids.length, D], for a table [V, D] and integer ids in
 * [0, V). Linear in the table: ẏ gathers the table's tangent, ḡtable scatter-adds the output adjoint rows
 * (a row used twice receives both), ġtable scatter-adds the adjoint's tangent.
 */
export function embedding(table: Tensor, ids: Int32Array): Tensor {
  if (table.ndim !== 2) throw new Error(`embedding: table shape ${shapeStr(table.shape)}, expected [vocab, dim]`);
  const [V, D] = table.shape;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(id >= 0 && id < V)) throw new Error(`embedding: id ${id} at index ${i} is outside [0, ${V})`);
  }
  const gather = (src: FloatArray): FloatArray => {
    const out = allocLike(src, ids.length * D);
    for (let i = 0; i < ids.length; i++) out.set(src.subarray(ids[i] * D, (ids[i] + 1) * D), i * D);
    return out;
  };
  const scatterInto = (dst: FloatArray, src: FloatArray): void => {
    for (let i = 0; i < ids.length; i++) {
      const o = ids[i] * D;
      for (let j = 0; j < D; j++) dst[o + j] += src[i * D + j];
    }
  };
  const res = new Tensor(gather(table.data), [ids.length, D]);
  if (table.tangent !== null) res.tangent = gather(table.tangent);
  return record(res, [table], 'embedding', () => {
    if (res.grad === null) return;
    scatterInto(gradBuf(table), res.grad);
    if (res.gradTangent !== null) scatterInto(gradTangentBuf(table), res.gradTangent);
  });
}

// ---- composed: multi-head attention -------------------------------------------------------------

export interface AttentionShape {
  /** sequences in the batch */
  batch: number;
  /** positions per sequence */
  context: number;
  heads: number;
}

function checkAttentionShape(fn: string, x: Tensor, a: AttentionShape): number {
  const { batch, context, heads } = a;
  for (const [k, v] of Object.entries({ batch, context, heads }))
    if (!Number.isInteger(v) || v < 1) throw new Error(`${fn}: ${k} = ${v}, expected a positive integer`);
  if (x.ndim !== 2 || x.shape[0] !== batch * context || x.shape[1] % heads !== 0)
    throw new Error(`${fn}: input shape ${shapeStr(x.shape)}, expected [batch·context, d_model] = [${batch * context}, d_model] with d_model divisible by heads = ${heads}`);
  return x.shape[1] / heads;
}

/** [B·T, H·dₕ] → [B·H, T, dₕ] (each head's sequence as one slice for `bmm`). */
export function splitHeads(x: Tensor, a: AttentionShape): Tensor {
  const dh = checkAttentionShape('splitHeads', x, a);
  return permuteAs(x, [a.batch, a.context, a.heads, dh], [0, 2, 1, 3], [a.batch * a.heads, a.context, dh]);
}

/** [B·H, T, dₕ] → [B·T, H·dₕ], the inverse of `splitHeads`. */
export function mergeHeads(x: Tensor, a: AttentionShape): Tensor {
  const { batch, context, heads } = a;
  if (x.ndim !== 3 || x.shape[0] !== batch * heads || x.shape[1] !== context)
    throw new Error(`mergeHeads: input shape ${shapeStr(x.shape)}, expected [batch·heads, context, d_head] = [${batch * heads}, ${context}, d_head]`);
  const dh = x.shape[2];
  return permuteAs(x, [batch, heads, context, dh], [0, 2, 1, 3], [batch * context, heads * dh]);
}

/**
 * Causal multi-head attention of projected queries, keys and values, each [B·T, d_model] (rows: sequence b,
 * position t at row b·T + t): per head h, softmax_causal(Q_h K_hᵀ) V_h, heads concatenated → [B·T, d_model].
 * The logit scale (1/√dₕ in SP, 1/dₕ in μP) is the caller's: multiply q by it (cheaper than the T×T logits).
 * `patterns`, when given, receives the attention probabilities [B·H, T, T] (row b·H + h, query t, key j), for
 * instruments that read attention (e.g. the prefix-matching score of induction heads, Olsson et al. 2022).
 */
export function causalSelfAttention(q: Tensor, k: Tensor, v: Tensor, a: AttentionShape, patterns?: Tensor[]): Tensor {
  const dh = checkAttentionShape('causalSelfAttention', q, a);
  for (const [name, t] of [['k', k], ['v', v]] as const)
    if (t.ndim !== 2 || t.shape[0] !== q.shape[0] || t.shape[1] !== q.shape[1]) throw new Error(`causalSelfAttention: ${name} shape ${shapeStr(t.shape)} differs from q ${shapeStr(q.shape)}`);
  const Q = splitHeads(q, a);
  const Kt = permuteAs(k, [a.batch, a.context, a.heads, dh], [0, 2, 3, 1], [a.batch * a.heads, dh, a.context]);
  const P = causalSoftmax(bmm(Q, Kt));
  patterns?.push(P);
  return mergeHeads(bmm(P, splitHeads(v, a)), a);
}

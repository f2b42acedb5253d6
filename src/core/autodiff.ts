/**
 * Reverse-mode driver and the functional API: gradients, exact Hessian-vector products, Jacobian
 * rows, and per-example gradients by layer taps.
 */
import { kernels } from './kernels.ts';
import type { FloatArray } from './mat.ts';
import { allocLike, recycleBuffers, type Tensor } from './tensor.ts';

/** Tensors reachable from `root` through requiresGrad edges, in topological order (inputs first). */
export function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<number>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root.id);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (i < t.parents.length) {
      top[1]++;
      const p = t.parents[i];
      if (p.requiresGrad && !seen.has(p.id)) {
        seen.add(p.id);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/**
 * Backpropagate from `root`, seeding its adjoint with `seed` (ones for a scalar by default) and the
 * adjoint's tangent with `seedTangent` (zero by default). Accumulates into `.grad` / `.gradTangent`.
 */
export function backward(root: Tensor, seed?: FloatArray, seedTangent?: FloatArray, order = topoOrder(root)): void {
  if (!root.requiresGrad) return;
  if (seed === undefined && root.size !== 1) throw new Error(`backward: root has shape [${root.shape.join(', ')}]; pass a seed for non-scalar roots`);
  const g = allocLike(root.data, root.size);
  if (seed === undefined) g[0] = 1;
  else g.set(seed);
  root.grad = g;
  if (seedTangent !== undefined) {
    const gt = allocLike(root.data, root.size);
    gt.set(seedTangent);
    root.gradTangent = gt;
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    if (t.backwardFn !== null && t.grad !== null) t.backwardFn();
  }
}

function clearAdjoints(order: Tensor[]): void {
  for (const t of order) {
    t.grad = null;
    t.gradTangent = null;
  }
}

function resetParams(params: Tensor[]): void {
  for (const p of params) {
    if (!p.requiresGrad) throw new Error(`parameter #${p.id} (shape [${p.shape.join(', ')}]) does not require gradients; create it with param()`);
    p.grad = null;
    p.gradTangent = null;
    p.tangent = null;
  }
}

export interface ValueAndGrad {
  value: number;
  grads: FloatArray[];
}

/**
 * After a backward pass whose graph the caller never sees again: hand the adjoints of the op outputs
 * (not of leaves, not of `keep`) to the buffer pool and clear them, so the next pass reuses them.
 */
function recycleIntermediateAdjoints(order: Tensor[], keep: Tensor[]): number {
  const kept = new Set<unknown>();
  for (const p of keep) {
    kept.add(p);
    kept.add(p.grad);
    kept.add(p.gradTangent);
  }
  const free: FloatArray[] = [];
  for (const t of order) {
    if (t.backwardFn === null || kept.has(t)) continue;
    if (t.grad !== null && !kept.has(t.grad)) free.push(t.grad);
    if (t.gradTangent !== null && !kept.has(t.gradTangent)) free.push(t.gradTangent);
    t.grad = null;
    t.gradTangent = null;
  }
  // room for this pass's adjoints: the next pass of the same graph takes each of them back
  const bytes = free.reduce((a, b) => a + b.byteLength, 0);
  recycleBuffers(free, bytes);
  return bytes;
}

const EMPTY_F32 = new Float32Array(0);
const EMPTY_F64 = new Float64Array(0);

/**
 * After `valueAndGrad` or `hessianVectorProduct`, whose graph the caller never sees again: hand the values (with the
 * forward tangents and the arrays each op saved for its backward rule) of the op outputs to the buffer pool too, so the next pass's forward reuses them. A value or
 * tangent that shares its array with a leaf (a reshape of an input, of a parameter or of the caller's direction v)
 * is kept. The loss closure must not keep an intermediate tensor past the call: its value is gone (an empty
 * array), so a late read fails loudly rather than seeing the next pass's numbers.
 */
function recycleIntermediateValues(order: Tensor[], adjointBytes: number): void {
  const leaves = new Set<FloatArray>();
  for (const t of order) {
    if (t.backwardFn !== null) continue;
    leaves.add(t.data);
    if (t.tangent !== null) leaves.add(t.tangent);
  }
  const free: FloatArray[] = [];
  for (const t of order) {
    if (t.backwardFn === null) continue;
    if (t.tangent !== null && !leaves.has(t.tangent)) free.push(t.tangent);
    t.tangent = null;
    if (t.saved !== null) free.push(...t.saved);
    t.saved = null;
    if (leaves.has(t.data)) continue;
    free.push(t.data);
    // the tensor no longer owns a value: a closure that kept it reads an empty array (NaN, or a size error in
    // an op) instead of whatever the next step writes into the recycled buffer
    t.data = t.data instanceof Float32Array ? EMPTY_F32 : EMPTY_F64;
  }
  // room for one pass's adjoints and values (not pooled bytes + these: sizes never asked for again would pile up)
  recycleBuffers(free, adjointBytes + free.reduce((a, b) => a + b.byteLength, 0));
}

/**
 * Loss value and ∂L/∂θ for each parameter. `loss` builds the graph from the parameter leaves. The graph
 * is not returned, so the adjoints of its intermediate tensors are recycled afterwards (their `.grad`
 * reads null); the parameters' gradients are the caller's.
 */
export function valueAndGrad(loss: () => Tensor, params: Tensor[]): ValueAndGrad {
  resetParams(params);
  const L = loss();
  if (L.size !== 1) throw new Error(`valueAndGrad: loss must be a scalar, got shape [${L.shape.join(', ')}]`);
  const order = topoOrder(L);
  backward(L, undefined, undefined, order);
  const grads = params.map((p) => p.grad ?? allocLike(p.data, p.size));
  const value = L.data[0];
  recycleIntermediateValues(order, recycleIntermediateAdjoints(order, params));
  return { value, grads };
}

export interface HessianVectorProduct extends ValueAndGrad {
  /** H·v, one array per parameter. */
  hvp: FloatArray[];
}

/**
 * Exact Hessian-vector product H·v by forward-over-reverse (Pearlmutter 1994): the parameters carry
 * tangent v through the forward pass, and the backward pass propagates the tangent of the adjoint.
 * Also returns the loss and gradient of the same pass.
 */
export function hessianVectorProduct(loss: () => Tensor, params: Tensor[], v: FloatArray[]): HessianVectorProduct {
  if (v.length !== params.length) throw new Error(`hessianVectorProduct: ${v.length} direction blocks for ${params.length} parameters`);
  resetParams(params);
  for (let i = 0; i < params.length; i++) {
    if (v[i].length !== params[i].size) throw new Error(`hessianVectorProduct: direction block ${i} has ${v[i].length} entries, parameter has ${params[i].size}`);
    params[i].tangent = v[i];
  }
  try {
    const L = loss();
    if (L.size !== 1) throw new Error(`hessianVectorProduct: loss must be a scalar, got shape [${L.shape.join(', ')}]`);
    const order = topoOrder(L);
    backward(L, undefined, undefined, order);
    const grads = params.map((p) => p.grad ?? allocLike(p.data, p.size));
    const hvp = params.map((p) => p.gradTangent ?? allocLike(p.data, p.size));
    const value = L.data[0];
    // Lanczos and the flows call this many times on one graph's shape: the next pass takes these buffers back
    recycleIntermediateValues(order, recycleIntermediateAdjoints(order, params));
    return { value, grads, hvp };
  } finally {
    for (const p of params) p.tangent = null;
  }
}

// ---- flat views (for Lanczos, optimizers over one vector) --------------------------------------

export function paramCount(params: Tensor[]): number {
  let n = 0;
  for (const p of params) n += p.size;
  return n;
}

export function flatten(blocks: FloatArray[]): Float64Array {
  let n = 0;
  for (const b of blocks) n += b.length;
  const out = new Float64Array(n);
  let o = 0;
  for (const b of blocks) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

export function unflatten(flat: Float64Array, params: Tensor[]): FloatArray[] {
  const out: FloatArray[] = [];
  let o = 0;
  for (const p of params) {
    const b = allocLike(p.data, p.size);
    for (let i = 0; i < p.size; i++) b[i] = flat[o + i];
    out.push(b);
    o += p.size;
  }
  return out;
}

/**
 * The Hessian of `loss` as an implicit symmetric operator on flat vectors (for Lanczos/Hutchinson). Lanczos calls it
 * tens of times per measurement: the direction, gradient and H·v blocks of each call go back to the buffer pool once
 * flattened (the parameters' `.grad` and `.gradTangent` are cleared, since they were those blocks).
 */
export function hessianOperator(loss: () => Tensor, params: Tensor[]): (v: Float64Array) => Float64Array {
  return (v) => {
    const blocks = unflatten(v, params);
    const r = hessianVectorProduct(loss, params, blocks);
    const hv = flatten(r.hvp);
    for (const p of params) {
      p.grad = null;
      p.gradTangent = null;
    }
    recycleBuffers([...blocks, ...r.grads, ...r.hvp]);
    return hv;
  };
}

// ---- Jacobians --------------------------------------------------------------------------------

/**
 * Rows of the Jacobian ∂f_i/∂θ of a vector output f (any shape; rows in flat order) by one backward
 * pass per output on a single forward graph. General (any model), cost = outputs × one backward.
 */
export function jacobianRows(f: () => Tensor, params: Tensor[]): Float64Array[] {
  resetParams(params);
  const out = f();
  const order = topoOrder(out);
  const rows: Float64Array[] = [];
  const seed = allocLike(out.data, out.size);
  for (let i = 0; i < out.size; i++) {
    clearAdjoints(order);
    for (const p of params) p.grad = null;
    seed.fill(0);
    seed[i] = 1;
    backward(out, seed, undefined, order);
    rows.push(flatten(params.map((p) => p.grad ?? allocLike(p.data, p.size))));
  }
  clearAdjoints(order);
  return rows;
}

/**
 * Per-example gradients by layer taps (Goodfellow 2015, "Efficient per-example gradient
 * computations"). Assumes example i influences only row i of every batch-major activation (no
 * batch-mixing ops) and every parameter enters the graph either as the right operand of a
 * `matmul` whose left operand is [B, k] (a weight), or as a broadcast `add` onto a [B, n]
 * activation (a bias). One backward pass of Σᵢ fᵢ then gives, per tapped op, the activations X and
 * the output adjoints G, and ∂fᵢ/∂W = Xᵢᵀ Gᵢ, ∂fᵢ/∂b = Gᵢ.
 *
 * Returns null if some parameter is used in another way (then use `jacobianRows`).
 */
export interface LayerTap {
  param: number;
  kind: 'weight' | 'bias';
  /** [B, k] input activations (weights only). */
  x: FloatArray | null;
  k: number;
  /** [B, n] adjoints of the op's output. */
  g: FloatArray;
  n: number;
}

export function layerTaps(f: () => Tensor, params: Tensor[], batch: number, outputIndex?: number): LayerTap[] | null {
  resetParams(params);
  const out = f();
  const perEx = out.size / batch;
  if (!Number.isInteger(perEx) || out.shape[0] !== batch) throw new Error(`layerTaps: output shape [${out.shape.join(', ')}] does not start with the batch size ${batch}`);
  if (perEx > 1 && outputIndex === undefined) throw new Error(`layerTaps: output has ${perEx} values per example; pass outputIndex`);
  const order = topoOrder(out);
  const index = new Map<number, number>();
  params.forEach((p, i) => index.set(p.id, i));
  const taps: LayerTap[] = [];
  const uses = new Array<number>(params.length).fill(0);
  for (const t of order) {
    for (const p of t.parents) {
      const pi = index.get(p.id);
      if (pi === undefined) continue;
      uses[pi]++;
      if (t.op === 'matmul' && t.parents[1] === p && t.parents[0] !== p && t.parents[0].ndim === 2 && t.parents[0].shape[0] === batch) {
        taps.push({ param: pi, kind: 'weight', x: t.parents[0].data, k: t.parents[0].shape[1], g: new Float64Array(0), n: t.shape[1] });
        tapOut.set(taps.length - 1, t);
      } else if (t.op === 'add' && t.ndim === 2 && t.shape[0] === batch && p.size === t.shape[1] && t.parents.filter((q) => q === p).length === 1) {
        taps.push({ param: pi, kind: 'bias', x: null, k: 0, g: new Float64Array(0), n: t.shape[1] });
        tapOut.set(taps.length - 1, t);
      } else {
        tapOut.clear();
        return null;
      }
    }
  }
  if (uses.some((u) => u !== 1) || !biasTapsReadable(order)) {
    tapOut.clear();
    return null;
  }
  const seed = allocLike(out.data, out.size);
  if (perEx === 1) seed.fill(1);
  else for (let i = 0; i < batch; i++) seed[i * perEx + (outputIndex as number)] = 1;
  backward(out, seed, undefined, order);
  for (let i = 0; i < taps.length; i++) {
    const t = tapOut.get(i) as Tensor;
    taps[i].g = t.grad ?? allocLike(t.data, t.size);
  }
  tapOut.clear();
  return taps;
}
const tapOut = new Map<number, Tensor>();

/**
 * A bias tap reads the adjoint of an `add` output after the whole backward pass. The add hands its adjoint to its
 * first operand as that operand's own (ops.ts, shared rather than copied), so the tap reads it intact only when that
 * operand has no other consumer to accumulate into it later.
 */
function biasTapsReadable(order: Tensor[]): boolean {
  const consumers = new Map<Tensor, number>();
  for (const t of order) for (const p of t.parents) consumers.set(p, (consumers.get(p) ?? 0) + 1);
  for (const t of tapOut.values()) if (t.op === 'add' && (consumers.get(t.parents[0]) ?? 0) > 1) return false;
  return true;
}

/** Per-example gradients [B][P] (flat, parameter order) from layer taps, or by Jacobian rows as a fallback. */
export function perExampleGradients(f: () => Tensor, params: Tensor[], batch: number, outputIndex?: number): Float64Array[] {
  const taps = layerTaps(f, params, batch, outputIndex);
  if (taps === null) {
    const rows = jacobianRows(f, params);
    if (rows.length === batch) return rows;
    const per = rows.length / batch;
    return Array.from({ length: batch }, (_, i) => rows[i * per + (outputIndex ?? 0)]);
  }
  const offsets: number[] = [];
  let o = 0;
  for (const p of params) {
    offsets.push(o);
    o += p.size;
  }
  const out = Array.from({ length: batch }, () => new Float64Array(o));
  for (const tap of taps) {
    const off = offsets[tap.param];
    for (let i = 0; i < batch; i++) {
      const row = out[i];
      const g = tap.g;
      if (tap.kind === 'bias') {
        for (let j = 0; j < tap.n; j++) row[off + j] += g[i * tap.n + j];
      } else {
        const x = tap.x as FloatArray;
        for (let a = 0; a < tap.k; a++) {
          const xa = x[i * tap.k + a];
          if (xa === 0) continue;
          const base = off + a * tap.n;
          for (let j = 0; j < tap.n; j++) row[base + j] += xa * g[i * tap.n + j];
        }
      }
    }
  }
  return out;
}

/**
 * Empirical NTK Θ(xᵢ, xⱼ) = ⟨∂fᵢ/∂θ, ∂fⱼ/∂θ⟩ of a batch, [B × B], without materializing per-example
 * gradients where taps apply: Θ = Σ_weights (X Xᵀ) ⊙ (G Gᵀ) + Σ_biases G Gᵀ (each a B×B gemm).
 * Falls back to Jacobian rows (J Jᵀ) otherwise.
 */
export function empiricalNtkMatrix(f: () => Tensor, params: Tensor[], batch: number, outputIndex?: number): Float64Array {
  const taps = layerTaps(f, params, batch, outputIndex);
  const K = kernels();
  const out = new Float64Array(batch * batch);
  if (taps === null) {
    const rows = perExampleGradients(f, params, batch, outputIndex);
    const P = rows[0]?.length ?? 0;
    const J = new Float64Array(batch * P);
    rows.forEach((r, i) => J.set(r, i * P));
    K.gemm(false, true, batch, batch, P, J, J, out, false);
    return out;
  }
  const gg = new Float64Array(batch * batch);
  const xx = new Float64Array(batch * batch);
  for (const tap of taps) {
    const g64 = tap.g instanceof Float64Array ? tap.g : Float64Array.from(tap.g);
    K.gemm(false, true, batch, batch, tap.n, g64, g64, gg, false);
    if (tap.kind === 'bias') {
      for (let i = 0; i < out.length; i++) out[i] += gg[i];
    } else {
      const x = tap.x as FloatArray;
      const x64 = x instanceof Float64Array ? x : Float64Array.from(x);
      K.gemm(false, true, batch, batch, tap.k, x64, x64, xx, false);
      for (let i = 0; i < out.length; i++) out[i] += xx[i] * gg[i];
    }
  }
  return out;
}

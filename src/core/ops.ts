/**
 * Differentiable ops. Every op implements three rules (see tensor.ts):
 *   forward value, forward tangent ẏ (only if an input carries a tangent),
 *   backward adjoint ḡₓ and the adjoint's tangent ġₓ (only if a tangent is present).
 * Tangent rules are the product rule applied to the backward rule; each is checked against central
 * finite differences in test/core/autodiff.test.ts.
 */
import { kernels } from './kernels.ts';
import { addRowsLoop, reluBackwardLoop, reluLoop, rowSumsLoop, tanhBackwardLoop } from './elementwise.ts';
import type { FloatArray } from './mat.ts';
import { INV_SQRT_2PI, SQRT1_2, erf as erfScalar, normalCdf } from './special.ts';
import { Tensor, alloc, allocForWrite, allocLike, allocLikeForWrite, isGradEnabled, recycleBuffers, sameShape, shapeStr } from './tensor.ts';

// ---- helpers ----------------------------------------------------------------------------------

function dtypeOf(...ts: Tensor[]): 'f64' | 'f32' {
  for (const t of ts) if (t.dtype === 'f64') return 'f64';
  return 'f32';
}

function record(out: Tensor, parents: Tensor[], op: string, backward: () => void): Tensor {
  out.op = op;
  if (!isGradEnabled()) return out;
  let req = false;
  for (const p of parents) if (p.requiresGrad) req = true;
  if (!req) return out;
  out.requiresGrad = true;
  out.parents = parents;
  out.backwardFn = backward;
  return out;
}

/** t.grad, zeros if absent (so kernels can accumulate into it); recycled from the pool when it can be. */
function gradBuf(t: Tensor): FloatArray {
  if (t.grad === null) t.grad = allocLike(t.data, t.size);
  return t.grad;
}

/**
 * For a product that can either overwrite or accumulate (a gemm): t's adjoint and whether to accumulate into it.
 * A first contribution gets an unzeroed array to overwrite (no zero-fill pass; the same bits as 0 + C, since the
 * kernels start each sum from +0), a later one the existing adjoint to add to.
 */
function gradTarget(t: Tensor): { buf: FloatArray; accumulate: boolean } {
  if (t.grad !== null) return { buf: t.grad, accumulate: true };
  t.grad = allocLikeForWrite(t.data, t.size);
  return { buf: t.grad, accumulate: false };
}

function gradTangentBuf(t: Tensor): FloatArray {
  if (t.gradTangent === null) t.gradTangent = allocLike(t.data, t.size);
  return t.gradTangent;
}

/** Whether the backward of `out` must produce adjoint tangents. */
function tangentMode(out: Tensor, ...inputs: Tensor[]): boolean {
  if (out.gradTangent !== null) return true;
  for (const t of inputs) if (t.tangent !== null) return true;
  return false;
}

// ---- broadcasting -----------------------------------------------------------------------------

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`broadcast: shapes ${shapeStr(a)} and ${shapeStr(b)} are not compatible`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

const indexCache = new Map<string, Int32Array | null>();

/**
 * For each element of a tensor of shape `outShape`, the index of the element of a tensor of shape
 * `inShape` (broadcast to outShape) it reads. null means identity (same shape).
 */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[]): Int32Array | null {
  if (sameShape(inShape, outShape)) return null;
  const key = `${inShape.join(',')}|${outShape.join(',')}`;
  const cached = indexCache.get(key);
  if (cached !== undefined) return cached;
  const r = outShape.length;
  const inStrides = new Array<number>(r).fill(0);
  let s = 1;
  for (let i = inShape.length - 1; i >= 0; i--) {
    const oi = r - inShape.length + i;
    inStrides[oi] = inShape[i] === 1 ? 0 : s;
    s *= inShape[i];
  }
  let size = 1;
  for (const d of outShape) size *= d;
  const idx = new Int32Array(size);
  const counter = new Array<number>(r).fill(0);
  let off = 0;
  for (let i = 0; i < size; i++) {
    idx[i] = off;
    for (let d = r - 1; d >= 0; d--) {
      counter[d]++;
      off += inStrides[d];
      if (counter[d] < outShape[d]) break;
      off -= inStrides[d] * outShape[d];
      counter[d] = 0;
    }
  }
  if (indexCache.size > 4096) indexCache.clear();
  indexCache.set(key, idx);
  return idx;
}

/** dst[idx[i]] += scale * src[i] (or dst[i] += scale * src[i] when idx is null). */
function scatterAdd(dst: FloatArray, src: FloatArray, idx: Int32Array | null, scale = 1): void {
  if (idx === null) {
    if (scale === 1) for (let i = 0; i < src.length; i++) dst[i] += src[i];
    else for (let i = 0; i < src.length; i++) dst[i] += scale * src[i];
  } else if (scale === 1) for (let i = 0; i < src.length; i++) dst[idx[i]] += src[i];
  else for (let i = 0; i < src.length; i++) dst[idx[i]] += scale * src[i];
}

function asTensor(x: Tensor | number, like: Tensor): Tensor {
  if (x instanceof Tensor) return x;
  const d = alloc(like.dtype, 1);
  d[0] = x;
  return new Tensor(d, [], false);
}

// ---- binary elementwise -----------------------------------------------------------------------

/** a + b with broadcasting. */
export function add(a: Tensor, bIn: Tensor | number): Tensor {
  const b = asTensor(bIn, a);
  return addSub(a, b, 1);
}

/** a − b with broadcasting. */
export function sub(a: Tensor, bIn: Tensor | number): Tensor {
  const b = asTensor(bIn, a);
  return addSub(a, b, -1);
}

function addSub(a: Tensor, b: Tensor, sign: 1 | -1): Tensor {
  const shape = broadcastShape(a.shape, b.shape);
  const ia = broadcastIndex(a.shape, shape);
  const ib = broadcastIndex(b.shape, shape);
  const n = shape.reduce((x, y) => x * y, 1);
  const y = allocForWrite(dtypeOf(a, b), n);
  const ad = a.data;
  const bd = b.data;
  const rowB = ia === null && ib !== null && isTrailing(b.shape, shape) ? b.size : 0;
  if (ia === null && ib === null) {
    if (sign === 1) for (let i = 0; i < n; i++) y[i] = ad[i] + bd[i];
    else for (let i = 0; i < n; i++) y[i] = ad[i] - bd[i];
  } else if (rowB > 0) {
    // fast path: b broadcast along leading axes (a bias row)
    const k = kernels();
    if (k.addRows) k.addRows(ad, bd, y, sign);
    else addRowsLoop(ad, bd, y, sign);
  } else {
    for (let i = 0; i < n; i++) {
      const av = ia === null ? ad[i] : ad[ia[i]];
      const bv = ib === null ? bd[i] : bd[ib[i]];
      y[i] = sign === 1 ? av + bv : av - bv;
    }
  }
  const res = new Tensor(y, shape);
  if (a.tangent !== null || b.tangent !== null) {
    const t = allocLike(y, n);
    if (a.tangent !== null) scatterGather(t, a.tangent, ia, 1);
    if (b.tangent !== null) {
      if (rowB > 0) rowBroadcastAdd(t, b.tangent, rowB, sign);
      else scatterGather(t, b.tangent, ib, sign);
    }
    res.tangent = t;
  }
  return record(res, [a, b], sign === 1 ? 'add' : 'sub', () => {
    const g = res.grad;
    if (g === null) return;
    const gt = res.gradTangent;
    if (a.requiresGrad) {
      // ḡa = ḡ exactly: a first adjoint of a's shape is ḡ itself, shared rather than copied (nothing reads res's
      // adjoint after this rule; b's is taken below before any later rule accumulates into a's)
      if (ia === null && a.grad === null && a !== b) a.grad = g;
      else scatterAdd(gradBuf(a), g, ia);
      if (gt !== null) {
        if (ia === null && a.gradTangent === null && a !== b) a.gradTangent = gt;
        else scatterAdd(gradTangentBuf(a), gt, ia);
      }
    }
    if (b.requiresGrad) {
      if (rowB > 0) {
        rowSumAdd(gradBuf(b), g, sign);
        if (gt !== null) rowSumAdd(gradTangentBuf(b), gt, sign);
      } else {
        scatterAdd(gradBuf(b), g, ib, sign);
        if (gt !== null) scatterAdd(gradTangentBuf(b), gt, ib, sign);
      }
    }
  });
}

/** Whether `small` equals the trailing axes of `big` (ignoring leading 1s of `small`). */
function isTrailing(small: readonly number[], big: readonly number[]): boolean {
  let s = small.length;
  while (s > 0 && small[0] === 1 && s > 0) {
    small = small.slice(1);
    s--;
  }
  if (s > big.length) return false;
  for (let i = 0; i < s; i++) if (small[s - 1 - i] !== big[big.length - 1 - i]) return false;
  return true;
}

/** dst[j] += sign · src[row·w + j] (w = dst.length): a bias row's adjoint, the backend's `rowSums` when it has one. */
function rowSumAdd(dst: FloatArray, src: FloatArray, sign: 1 | -1): void {
  const k = kernels();
  if (k.rowSums) k.rowSums(dst, src, sign);
  else rowSumsLoop(dst, src, sign);
}

/** dst[row·w + j] += sign · src[j]: a bias row's tangent broadcast along the leading axes (scatterGather's row case). */
function rowBroadcastAdd(dst: FloatArray, src: FloatArray, w: number, sign: number): void {
  for (let o = 0; o < dst.length; o += w) {
    if (sign === 1) for (let j = 0; j < w; j++) dst[o + j] += src[j];
    else for (let j = 0; j < w; j++) dst[o + j] -= src[j];
  }
}

/** dst[i] += scale * src[idx[i]] (gather-accumulate along a broadcast). */
function scatterGather(dst: FloatArray, src: FloatArray, idx: Int32Array | null, scale: number): void {
  if (idx === null) for (let i = 0; i < dst.length; i++) dst[i] += scale * src[i];
  else for (let i = 0; i < dst.length; i++) dst[i] += scale * src[idx[i]];
}

/** a ⊙ b with broadcasting. */
export function mul(a: Tensor, bIn: Tensor | number): Tensor {
  if (typeof bIn === 'number') return scale(a, bIn);
  const b = bIn;
  const shape = broadcastShape(a.shape, b.shape);
  const ia = broadcastIndex(a.shape, shape);
  const ib = broadcastIndex(b.shape, shape);
  const n = shape.reduce((x, y) => x * y, 1);
  const y = allocForWrite(dtypeOf(a, b), n);
  const ad = a.data;
  const bd = b.data;
  if (ia === null && ib === null) for (let i = 0; i < n; i++) y[i] = ad[i] * bd[i];
  else for (let i = 0; i < n; i++) y[i] = (ia === null ? ad[i] : ad[ia[i]]) * (ib === null ? bd[i] : bd[ib[i]]);
  const res = new Tensor(y, shape);
  const at = a.tangent;
  const bt = b.tangent;
  if (at !== null || bt !== null) {
    // ẏ = ȧ b + a ḃ
    const t = allocLike(y, n);
    for (let i = 0; i < n; i++) {
      const ja = ia === null ? i : ia[i];
      const jb = ib === null ? i : ib[i];
      t[i] = (at !== null ? at[ja] * bd[jb] : 0) + (bt !== null ? ad[ja] * bt[jb] : 0);
    }
    res.tangent = t;
  }
  return record(res, [a, b], 'mul', () => {
    const g = res.grad;
    if (g === null) return;
    const gt = res.gradTangent;
    const tm = tangentMode(res, a, b);
    const ata = a.tangent;
    const btb = b.tangent;
    if (a.requiresGrad) {
      // ḡa = g b ; ġa = ġ b + g ḃ
      const ga = gradBuf(a);
      for (let i = 0; i < n; i++) ga[ia === null ? i : ia[i]] += g[i] * bd[ib === null ? i : ib[i]];
      if (tm) {
        const gta = gradTangentBuf(a);
        for (let i = 0; i < n; i++) {
          const jb = ib === null ? i : ib[i];
          gta[ia === null ? i : ia[i]] += (gt !== null ? gt[i] * bd[jb] : 0) + (btb !== null ? g[i] * btb[jb] : 0);
        }
      }
    }
    if (b.requiresGrad) {
      const gb = gradBuf(b);
      for (let i = 0; i < n; i++) gb[ib === null ? i : ib[i]] += g[i] * ad[ia === null ? i : ia[i]];
      if (tm) {
        const gtb = gradTangentBuf(b);
        for (let i = 0; i < n; i++) {
          const ja = ia === null ? i : ia[i];
          gtb[ib === null ? i : ib[i]] += (gt !== null ? gt[i] * ad[ja] : 0) + (ata !== null ? g[i] * ata[ja] : 0);
        }
      }
    }
  });
}

/** a / b with broadcasting (a ⊙ (1/b)). */
export function div(a: Tensor, bIn: Tensor | number): Tensor {
  if (typeof bIn === 'number') return scale(a, 1 / bIn);
  return mul(a, reciprocal(bIn));
}

// ---- linear unary -----------------------------------------------------------------------------

/** c · a for a constant c. */
export function scale(a: Tensor, c: number): Tensor {
  const n = a.size;
  const y = allocLikeForWrite(a.data, n);
  const ad = a.data;
  for (let i = 0; i < n; i++) y[i] = c * ad[i];
  const res = new Tensor(y, a.shape);
  if (a.tangent !== null) {
    const t = allocLike(y, n);
    const at = a.tangent;
    for (let i = 0; i < n; i++) t[i] = c * at[i];
    res.tangent = t;
  }
  return record(res, [a], 'scale', () => {
    const g = res.grad;
    if (g === null) return;
    scatterAdd(gradBuf(a), g, null, c);
    if (res.gradTangent !== null) scatterAdd(gradTangentBuf(a), res.gradTangent, null, c);
  });
}

export function neg(a: Tensor): Tensor {
  return scale(a, -1);
}

/** a + c for a constant c. */
export function addScalar(a: Tensor, c: number): Tensor {
  const n = a.size;
  const y = allocLikeForWrite(a.data, n);
  const ad = a.data;
  for (let i = 0; i < n; i++) y[i] = ad[i] + c;
  const res = new Tensor(y, a.shape);
  if (a.tangent !== null) res.tangent = a.tangent.slice();
  return record(res, [a], 'addScalar', () => {
    const g = res.grad;
    if (g === null) return;
    scatterAdd(gradBuf(a), g, null);
    if (res.gradTangent !== null) scatterAdd(gradTangentBuf(a), res.gradTangent, null);
  });
}

/** A view with a new shape (shares data). */
export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  let n = 1;
  let infer = -1;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === -1) infer = i;
    else n *= shape[i];
  }
  const s = shape.slice();
  if (infer >= 0) s[infer] = a.size / n;
  if (s.reduce((x, y) => x * y, 1) !== a.size) throw new Error(`reshape: cannot view ${shapeStr(a.shape)} (${a.size} elements) as ${shapeStr(shape)}`);
  const res = new Tensor(a.data, s);
  if (a.tangent !== null) res.tangent = a.tangent;
  return record(res, [a], 'reshape', () => {
    if (res.grad === null) return;
    scatterAdd(gradBuf(a), res.grad, null);
    if (res.gradTangent !== null) scatterAdd(gradTangentBuf(a), res.gradTangent, null);
  });
}

function transposeData(src: FloatArray, r: number, c: number): FloatArray {
  const out = allocLikeForWrite(src, r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = src[i * c + j];
  return out;
}

/** Transpose of a 2-D tensor. */
export function transpose(a: Tensor): Tensor {
  if (a.ndim !== 2) throw new Error(`transpose: expected a 2-D tensor, got shape ${shapeStr(a.shape)}`);
  const [r, c] = a.shape;
  const res = new Tensor(transposeData(a.data, r, c), [c, r]);
  if (a.tangent !== null) res.tangent = transposeData(a.tangent, r, c);
  return record(res, [a], 'transpose', () => {
    if (res.grad === null) return;
    scatterAdd(gradBuf(a), transposeData(res.grad, c, r), null);
    if (res.gradTangent !== null) scatterAdd(gradTangentBuf(a), transposeData(res.gradTangent, c, r), null);
  });
}

// ---- matmul -----------------------------------------------------------------------------------

/** Matrix product of 2-D tensors: [m,k] × [k,n] → [m,n]. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2) throw new Error(`matmul: expected 2-D tensors, got ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  const [m, k] = a.shape;
  const [k2, n] = b.shape;
  if (k !== k2) throw new Error(`matmul: inner dimensions differ: ${shapeStr(a.shape)} × ${shapeStr(b.shape)}`);
  const K = kernels();
  const y = allocForWrite(dtypeOf(a, b), m * n); // the gemm overwrites it
  K.gemm(false, false, m, n, k, a.data, b.data, y, false);
  const res = new Tensor(y, [m, n]);
  if (a.tangent !== null || b.tangent !== null) {
    // Ċ = Ȧ B + A Ḃ
    const t = allocLike(y, m * n);
    if (a.tangent !== null) K.gemm(false, false, m, n, k, a.tangent, b.data, t, true);
    if (b.tangent !== null) K.gemm(false, false, m, n, k, a.data, b.tangent, t, true);
    res.tangent = t;
  }
  return record(res, [a, b], 'matmul', () => {
    const g = res.grad;
    if (g === null) return;
    const gt = res.gradTangent;
    if (a.requiresGrad) {
      // ḡA = G Bᵀ ; ġA = Ġ Bᵀ + G Ḃᵀ
      const ta = gradTarget(a);
      K.gemm(false, true, m, k, n, g, b.data, ta.buf, ta.accumulate);
      if (gt !== null || b.tangent !== null) {
        const buf = gradTangentBuf(a);
        if (gt !== null) K.gemm(false, true, m, k, n, gt, b.data, buf, true);
        if (b.tangent !== null) K.gemm(false, true, m, k, n, g, b.tangent, buf, true);
      }
    }
    if (b.requiresGrad) {
      // ḡB = Aᵀ G ; ġB = Ȧᵀ G + Aᵀ Ġ
      const tb = gradTarget(b);
      K.gemm(true, false, k, n, m, a.data, g, tb.buf, tb.accumulate);
      if (gt !== null || a.tangent !== null) {
        const buf = gradTangentBuf(b);
        if (gt !== null) K.gemm(true, false, k, n, m, a.data, gt, buf, true);
        if (a.tangent !== null) K.gemm(true, false, k, n, m, a.tangent, g, buf, true);
      }
    }
  });
}

// ---- nonlinear unary (generic template) -------------------------------------------------------

interface UnarySpec {
  name: string;
  /** y = f(x) */
  f(x: FloatArray, y: FloatArray): void;
  /** out = f′(x) (may use y) */
  d1(x: FloatArray, y: FloatArray, out: FloatArray): void;
  /** out = f″(x); omitted when f″ ≡ 0 (piecewise linear) */
  d2?(x: FloatArray, y: FloatArray, out: FloatArray): void;
  /**
   * ga[i] += g[i] · f′(x[i]) without an f′ buffer (the plain-gradient backward; saves one array per op).
   * Must give the same bits as `d1` then the loop: f′ rounded to the data's precision first (Math.fround
   * for float32, as storing it in a Float32Array would), then the product and sum in double.
   */
  accumulateD1?(x: FloatArray, y: FloatArray, g: FloatArray, ga: FloatArray): void;
}

function unary(spec: UnarySpec, a: Tensor): Tensor {
  const n = a.size;
  const x = a.data;
  const y = allocLikeForWrite(x, n); // every spec's f, d1 and d2 write each element
  spec.f(x, y);
  const res = new Tensor(y, a.shape);
  let d1: FloatArray | null = null;
  const getD1 = (): FloatArray => {
    if (d1 === null) {
      d1 = allocLikeForWrite(x, n);
      spec.d1(x, y, d1);
      res.saved = [d1];
    }
    return d1;
  };
  if (a.tangent !== null) {
    const at = a.tangent;
    const d = getD1();
    const t = allocLike(x, n);
    for (let i = 0; i < n; i++) t[i] = d[i] * at[i];
    res.tangent = t;
  }
  return record(res, [a], spec.name, () => {
    const g = res.grad;
    if (g === null) return;
    const gt = res.gradTangent;
    const at = a.tangent;
    if (d1 === null && gt === null && at === null && spec.accumulateD1 !== undefined) {
      spec.accumulateD1(x, y, g, gradBuf(a));
      return;
    }
    const d = getD1();
    const ga = gradBuf(a);
    for (let i = 0; i < n; i++) ga[i] += g[i] * d[i];
    const needD2 = at !== null && spec.d2 !== undefined;
    if (gt !== null || needD2) {
      // ġx = ġy f′(x) + ḡy f″(x) ẋ
      const gta = gradTangentBuf(a);
      if (gt !== null) for (let i = 0; i < n; i++) gta[i] += gt[i] * d[i];
      if (needD2 && spec.d2 && at !== null) {
        const d2 = allocLikeForWrite(x, n);
        spec.d2(x, y, d2);
        for (let i = 0; i < n; i++) gta[i] += g[i] * d2[i] * at[i];
        recycleBuffers([d2]); // a temporary of this rule alone: the next op's allocation takes it back
      }
    }
  });
}

const TANH: UnarySpec = {
  name: 'tanh',
  f: (x, y) => {
    // a backend may provide a vectorised tanh (the native one: glibc's libmvec, ≈ 10× Math.tanh)
    const k = kernels();
    if (k.tanh) k.tanh(x, y);
    else for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]);
  },
  d1: (_x, y, o) => {
    for (let i = 0; i < y.length; i++) o[i] = 1 - y[i] * y[i];
  },
  d2: (_x, y, o) => {
    for (let i = 0; i < y.length; i++) o[i] = -2 * y[i] * (1 - y[i] * y[i]);
  },
  accumulateD1: (_x, y, g, ga) => {
    const k = kernels();
    if (k.tanhBackward) k.tanhBackward(y, g, ga);
    else tanhBackwardLoop(y, g, ga);
  },
};

const RELU: UnarySpec = {
  name: 'relu',
  f: (x, y) => {
    const k = kernels();
    if (k.relu) k.relu(x, y);
    else reluLoop(x, y);
  },
  d1: (x, _y, o) => {
    for (let i = 0; i < x.length; i++) o[i] = x[i] > 0 ? 1 : 0;
  },
  // 0 and 1 are exact in float32 too; multiplying (not branching) keeps g·0 = ±0 / NaN as before
  accumulateD1: (x, _y, g, ga) => {
    const k = kernels();
    if (k.reluBackward) k.reluBackward(x, g, ga);
    else reluBackwardLoop(x, g, ga);
  },
};

const EXP: UnarySpec = {
  name: 'exp',
  f: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.exp(x[i]);
  },
  d1: (_x, y, o) => o.set(y),
  d2: (_x, y, o) => o.set(y),
};

const LOG: UnarySpec = {
  name: 'log',
  f: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.log(x[i]);
  },
  d1: (x, _y, o) => {
    for (let i = 0; i < x.length; i++) o[i] = 1 / x[i];
  },
  d2: (x, _y, o) => {
    for (let i = 0; i < x.length; i++) o[i] = -1 / (x[i] * x[i]);
  },
};

const SIGMOID: UnarySpec = {
  name: 'sigmoid',
  f: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = sigmoidScalar(x[i]);
  },
  d1: (_x, y, o) => {
    for (let i = 0; i < y.length; i++) o[i] = y[i] * (1 - y[i]);
  },
  d2: (_x, y, o) => {
    for (let i = 0; i < y.length; i++) o[i] = y[i] * (1 - y[i]) * (1 - 2 * y[i]);
  },
  accumulateD1: (_x, y, g, ga) => {
    if (y instanceof Float32Array) for (let i = 0; i < y.length; i++) ga[i] += g[i] * Math.fround(y[i] * (1 - y[i]));
    else for (let i = 0; i < y.length; i++) ga[i] += g[i] * (y[i] * (1 - y[i]));
  },
};

function sigmoidScalar(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

const SOFTPLUS: UnarySpec = {
  name: 'softplus',
  f: (x, y) => {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      y[i] = v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
    }
  },
  d1: (x, _y, o) => {
    for (let i = 0; i < x.length; i++) o[i] = sigmoidScalar(x[i]);
  },
  d2: (x, _y, o) => {
    for (let i = 0; i < x.length; i++) {
      const s = sigmoidScalar(x[i]);
      o[i] = s * (1 - s);
    }
  },
};

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

const ERF: UnarySpec = {
  name: 'erf',
  f: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = erfScalar(x[i]);
  },
  d1: (x, _y, o) => {
    for (let i = 0; i < x.length; i++) o[i] = TWO_OVER_SQRT_PI * Math.exp(-x[i] * x[i]);
  },
  d2: (x, _y, o) => {
    for (let i = 0; i < x.length; i++) o[i] = -2 * x[i] * TWO_OVER_SQRT_PI * Math.exp(-x[i] * x[i]);
  },
};

/** Exact GELU, x Φ(x) (Hendrycks & Gimpel 2016). f′ = Φ + xφ, f″ = φ (2 − x²). */
const GELU: UnarySpec = {
  name: 'gelu',
  f: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = x[i] * normalCdf(x[i]);
  },
  d1: (x, _y, o) => {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      o[i] = normalCdf(v) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
    }
  },
  d2: (x, _y, o) => {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      o[i] = INV_SQRT_2PI * Math.exp(-0.5 * v * v) * (2 - v * v);
    }
  },
};
void SQRT1_2;

const SQUARE: UnarySpec = {
  name: 'square',
  f: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = x[i] * x[i];
  },
  d1: (x, _y, o) => {
    for (let i = 0; i < x.length; i++) o[i] = 2 * x[i];
  },
  d2: (_x, _y, o) => o.fill(2),
};

const SQRT: UnarySpec = {
  name: 'sqrt',
  f: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.sqrt(x[i]);
  },
  d1: (_x, y, o) => {
    for (let i = 0; i < y.length; i++) o[i] = 0.5 / y[i];
  },
  d2: (_x, y, o) => {
    for (let i = 0; i < y.length; i++) o[i] = -0.25 / (y[i] * y[i] * y[i]);
  },
};

const RECIPROCAL: UnarySpec = {
  name: 'reciprocal',
  f: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = 1 / x[i];
  },
  d1: (_x, y, o) => {
    for (let i = 0; i < y.length; i++) o[i] = -y[i] * y[i];
  },
  d2: (_x, y, o) => {
    for (let i = 0; i < y.length; i++) o[i] = 2 * y[i] * y[i] * y[i];
  },
};

const SIN: UnarySpec = {
  name: 'sin',
  f: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.sin(x[i]);
  },
  d1: (x, _y, o) => {
    for (let i = 0; i < x.length; i++) o[i] = Math.cos(x[i]);
  },
  d2: (_x, y, o) => {
    for (let i = 0; i < y.length; i++) o[i] = -y[i];
  },
};

const COS: UnarySpec = {
  name: 'cos',
  f: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.cos(x[i]);
  },
  d1: (x, _y, o) => {
    for (let i = 0; i < x.length; i++) o[i] = -Math.sin(x[i]);
  },
  d2: (_x, y, o) => {
    for (let i = 0; i < y.length; i++) o[i] = -y[i];
  },
};

const ABS: UnarySpec = {
  name: 'abs',
  f: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.abs(x[i]);
  },
  d1: (x, _y, o) => {
    for (let i = 0; i < x.length; i++) o[i] = x[i] > 0 ? 1 : x[i] < 0 ? -1 : 0;
  },
};

export const tanh = (a: Tensor): Tensor => unary(TANH, a);
export const relu = (a: Tensor): Tensor => unary(RELU, a);
export const exp = (a: Tensor): Tensor => unary(EXP, a);
export const log = (a: Tensor): Tensor => unary(LOG, a);
export const sigmoid = (a: Tensor): Tensor => unary(SIGMOID, a);
export const softplus = (a: Tensor): Tensor => unary(SOFTPLUS, a);
export const erf = (a: Tensor): Tensor => unary(ERF, a);
export const gelu = (a: Tensor): Tensor => unary(GELU, a);
export const square = (a: Tensor): Tensor => unary(SQUARE, a);
export const sqrt = (a: Tensor): Tensor => unary(SQRT, a);
export const reciprocal = (a: Tensor): Tensor => unary(RECIPROCAL, a);
export const sin = (a: Tensor): Tensor => unary(SIN, a);
export const cos = (a: Tensor): Tensor => unary(COS, a);
export const abs = (a: Tensor): Tensor => unary(ABS, a);
/** The identity activation (returns its input). */
export const identity = (a: Tensor): Tensor => a;
/** The quadratic activation x² (as used for modular-arithmetic networks, Gromov 2023). */
export const quadratic = square;

/** x^p for a constant exponent p. */
export function pow(a: Tensor, p: number): Tensor {
  if (p === 1) return a;
  if (p === 2) return square(a);
  return unary(
    {
      name: 'pow',
      f: (x, y) => {
        for (let i = 0; i < x.length; i++) y[i] = x[i] ** p;
      },
      d1: (x, _y, o) => {
        for (let i = 0; i < x.length; i++) o[i] = p * x[i] ** (p - 1);
      },
      d2: (x, _y, o) => {
        for (let i = 0; i < x.length; i++) o[i] = p * (p - 1) * x[i] ** (p - 2);
      },
    },
    a,
  );
}

export type Activation = 'relu' | 'tanh' | 'gelu' | 'erf' | 'sigmoid' | 'softplus' | 'identity' | 'quadratic' | 'linear';
export const ACTIVATIONS: Record<Activation, (a: Tensor) => Tensor> = {
  relu,
  tanh,
  gelu,
  erf,
  sigmoid,
  softplus,
  identity,
  linear: identity,
  quadratic,
};

// ---- reductions -------------------------------------------------------------------------------

/** Sum of all elements → scalar tensor (shape []). */
export function sum(a: Tensor): Tensor {
  const ad = a.data;
  let s = 0;
  for (let i = 0; i < ad.length; i++) s += ad[i];
  const y = allocLike(ad, 1);
  y[0] = s;
  const res = new Tensor(y, []);
  if (a.tangent !== null) {
    let st = 0;
    for (let i = 0; i < a.tangent.length; i++) st += a.tangent[i];
    const t = allocLike(ad, 1);
    t[0] = st;
    res.tangent = t;
  }
  return record(res, [a], 'sum', () => {
    const g = res.grad;
    if (g === null) return;
    const ga = gradBuf(a);
    const g0 = g[0];
    for (let i = 0; i < ga.length; i++) ga[i] += g0;
    if (res.gradTangent !== null) {
      const gta = gradTangentBuf(a);
      const t0 = res.gradTangent[0];
      for (let i = 0; i < gta.length; i++) gta[i] += t0;
    }
  });
}

/** Mean of all elements → scalar. */
export function mean(a: Tensor): Tensor {
  return scale(sum(a), 1 / a.size);
}

/** Sum over one axis (negative axes count from the end). */
export function sumAxis(a: Tensor, axis: number, keepdims = false): Tensor {
  const r = a.ndim;
  const ax = axis < 0 ? axis + r : axis;
  if (ax < 0 || ax >= r) throw new Error(`sumAxis: axis ${axis} out of range for shape ${shapeStr(a.shape)}`);
  const kept = a.shape.map((d, i) => (i === ax ? 1 : d));
  const outShape = keepdims ? kept : a.shape.filter((_, i) => i !== ax);
  const outSize = kept.reduce((x, y) => x * y, 1);
  // a as [outer, len, inner]: each output element sums `len` entries `inner` apart, in increasing order (the order
  // the index scatter would add them in, so the same bits without its index array)
  const len = a.shape[ax];
  const inner = a.shape.slice(ax + 1).reduce((x, y) => x * y, 1);
  const y = allocLike(a.data, outSize);
  sumStrided(y, a.data, outSize, len, inner);
  const res = new Tensor(y, outShape);
  if (a.tangent !== null) {
    const t = allocLike(a.data, outSize);
    sumStrided(t, a.tangent, outSize, len, inner);
    res.tangent = t;
  }
  return record(res, [a], 'sumAxis', () => {
    const g = res.grad;
    if (g === null) return;
    spreadStrided(gradBuf(a), g, outSize, len, inner);
    if (res.gradTangent !== null) spreadStrided(gradTangentBuf(a), res.gradTangent, outSize, len, inner);
  });
}

/** y[o, i] += Σ_l x[o, l, i] (x as [outer, len, inner], y as [outer, inner] of `size` entries), l in increasing order. */
function sumStrided(y: FloatArray, x: FloatArray, size: number, len: number, inner: number): void {
  const outer = inner === 0 ? 0 : size / inner;
  for (let o = 0; o < outer; o++) {
    const yo = o * inner;
    for (let l = 0; l < len; l++) {
      const xo = (o * len + l) * inner;
      for (let i = 0; i < inner; i++) y[yo + i] += x[xo + i];
    }
  }
}

/** x[o, l, i] += g[o, i]: sumStrided's adjoint (g of `size` entries). */
function spreadStrided(x: FloatArray, g: FloatArray, size: number, len: number, inner: number): void {
  const outer = inner === 0 ? 0 : size / inner;
  for (let o = 0; o < outer; o++) {
    const go = o * inner;
    for (let l = 0; l < len; l++) {
      const xo = (o * len + l) * inner;
      for (let i = 0; i < inner; i++) x[xo + i] += g[go + i];
    }
  }
}

export function meanAxis(a: Tensor, axis: number, keepdims = false): Tensor {
  const ax = axis < 0 ? axis + a.ndim : axis;
  return scale(sumAxis(a, axis, keepdims), 1 / a.shape[ax]);
}

// ---- losses -----------------------------------------------------------------------------------

/** Mean squared error, mean over all elements of (pred − target)². `target` is a constant. */
export function mse(pred: Tensor, target: Tensor): Tensor {
  if (!sameShape(pred.shape, target.shape)) throw new Error(`mse: prediction shape ${shapeStr(pred.shape)} differs from target shape ${shapeStr(target.shape)}`);
  const n = pred.size;
  const p = pred.data;
  const t = target.data;
  const r = allocLike(p, n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    r[i] = p[i] - t[i];
    s += r[i] * r[i];
  }
  const y = allocLike(p, 1);
  y[0] = s / n;
  const res = new Tensor(y, []);
  if (pred.tangent !== null) {
    const pt = pred.tangent;
    let st = 0;
    for (let i = 0; i < n; i++) st += r[i] * pt[i];
    const tt = allocLike(p, 1);
    tt[0] = (2 * st) / n;
    res.tangent = tt;
  }
  return record(res, [pred], 'mse', () => {
    const g = res.grad;
    if (g === null) return;
    // ḡp = 2 g r / n ; ġp = 2 (ġ r + g ṗ) / n
    const c = (2 * g[0]) / n;
    const gp = gradBuf(pred);
    for (let i = 0; i < n; i++) gp[i] += c * r[i];
    const gt = res.gradTangent;
    const pt = pred.tangent;
    if (gt !== null || pt !== null) {
      const gtp = gradTangentBuf(pred);
      const ct = gt !== null ? (2 * gt[0]) / n : 0;
      for (let i = 0; i < n; i++) gtp[i] += ct * r[i] + (pt !== null ? c * pt[i] : 0);
    }
  });
}

/** A float64 scratch array of n entries for the softmaxes' exponentials, reused across calls (its contents do not outlive the call). */
let expBuffer = new Float64Array(0);
export function expScratch(n: number): Float64Array {
  if (expBuffer.length < n) expBuffer = new Float64Array(Math.max(n, 2 * expBuffer.length));
  return expBuffer.subarray(0, n);
}

/** x[i] = exp(x[i]) in place: the backend's `exp` when it has one (equal to Math.exp bit for bit, see Kernels), else Math.exp. */
export function expInPlace(x: Float64Array): void {
  const k = kernels();
  if (k.exp) k.exp(x, x);
  else for (let i = 0; i < x.length; i++) x[i] = Math.exp(x[i]);
}

/**
 * Mean softmax cross-entropy of logits [B, C] against integer labels (Int32Array of length B) or a
 * constant target distribution [B, C]: L = (1/B) Σᵢ (logsumexp(zᵢ) − Σ_c yᵢ_c zᵢ_c).
 * ∂L/∂z = (s − y)/B with s = softmax(z); the tangent of s is ṡ = s ⊙ (ż − ⟨s, ż⟩).
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Int32Array | Tensor): Tensor {
  if (logits.ndim !== 2) throw new Error(`softmaxCrossEntropy: logits must be [batch, classes], got ${shapeStr(logits.shape)}`);
  const [B, C] = logits.shape;
  const z = logits.data;
  let target: FloatArray;
  if (labels instanceof Int32Array) {
    if (labels.length !== B) throw new Error(`softmaxCrossEntropy: ${labels.length} labels for a batch of ${B}`);
    target = allocLike(z, B * C);
    for (let i = 0; i < B; i++) {
      const l = labels[i];
      if (!(l >= 0 && l < C)) throw new Error(`softmaxCrossEntropy: label ${l} at index ${i} is outside [0, ${C})`);
      target[i * C + l] = 1;
    }
  } else {
    if (!sameShape(labels.shape, logits.shape)) throw new Error(`softmaxCrossEntropy: target shape ${shapeStr(labels.shape)} differs from logits ${shapeStr(logits.shape)}`);
    target = labels.data;
  }
  const s = allocLike(z, B * C);
  // the shifted logits z − max of every row, exponentiated in one batch (expInPlace: Math.exp's bits)
  const e = expScratch(B * C);
  const mxs = new Float64Array(B);
  for (let i = 0; i < B; i++) {
    const o = i * C;
    let mx = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < C; c++) if (z[o + c] > mx) mx = z[o + c];
    for (let c = 0; c < C; c++) e[o + c] = z[o + c] - mx;
    mxs[i] = mx;
  }
  expInPlace(e);
  let loss = 0;
  for (let i = 0; i < B; i++) {
    const o = i * C;
    let se = 0;
    for (let c = 0; c < C; c++) {
      const v = e[o + c];
      s[o + c] = v;
      se += v;
    }
    const lse = mxs[i] + Math.log(se);
    let ty = 0;
    let tsum = 0;
    for (let c = 0; c < C; c++) {
      s[o + c] /= se;
      ty += target[o + c] * z[o + c];
      tsum += target[o + c];
    }
    loss += tsum * lse - ty;
  }
  const y = allocLike(z, 1);
  y[0] = loss / B;
  const res = new Tensor(y, []);
  // tangent of s, needed by forward tangent (no) and backward tangent (yes)
  let sdot: FloatArray | null = null;
  const getSdot = (): FloatArray | null => {
    const zt = logits.tangent;
    if (zt === null) return null;
    if (sdot === null) {
      sdot = allocLike(z, B * C);
      for (let i = 0; i < B; i++) {
        const o = i * C;
        let sz = 0;
        for (let c = 0; c < C; c++) sz += s[o + c] * zt[o + c];
        for (let c = 0; c < C; c++) sdot[o + c] = s[o + c] * (zt[o + c] - sz);
      }
    }
    return sdot;
  };
  if (logits.tangent !== null) {
    // L̇ = (1/B) Σ (tsum·s − y)·ż
    const zt = logits.tangent;
    let lt = 0;
    for (let i = 0; i < B; i++) {
      const o = i * C;
      let tsum = 0;
      for (let c = 0; c < C; c++) tsum += target[o + c];
      for (let c = 0; c < C; c++) lt += (tsum * s[o + c] - target[o + c]) * zt[o + c];
    }
    const t = allocLike(z, 1);
    t[0] = lt / B;
    res.tangent = t;
  }
  return record(res, [logits], 'softmaxCrossEntropy', () => {
    const g = res.grad;
    if (g === null) return;
    const c0 = g[0] / B;
    const gz = gradBuf(logits);
    const tsums = new Float64Array(B);
    for (let i = 0; i < B; i++) {
      let ts = 0;
      for (let c = 0; c < C; c++) ts += target[i * C + c];
      tsums[i] = ts;
    }
    for (let i = 0; i < B; i++) for (let c = 0; c < C; c++) gz[i * C + c] += c0 * (tsums[i] * s[i * C + c] - target[i * C + c]);
    const gt = res.gradTangent;
    const sd = getSdot();
    if (gt !== null || sd !== null) {
      const gtz = gradTangentBuf(logits);
      const ct = gt !== null ? gt[0] / B : 0;
      for (let i = 0; i < B; i++) {
        for (let c = 0; c < C; c++) {
          const k = i * C + c;
          gtz[k] += ct * (tsums[i] * s[k] - target[k]) + (sd !== null ? c0 * tsums[i] * sd[k] : 0);
        }
      }
    }
  });
}

/**
 * Layer normalization over the last axis (Ba, Kiros & Hinton 2016):
 * y = (x − μ)/√(σ² + ε) ⊙ γ + β, composed of differentiable primitives so gradients and HVPs follow.
 */
export function layerNorm(x: Tensor, gamma?: Tensor, beta?: Tensor, eps = 1e-5): Tensor {
  const mu = meanAxis(x, -1, true);
  const xc = sub(x, mu);
  const v = meanAxis(square(xc), -1, true);
  let y = mul(xc, pow(addScalar(v, eps), -0.5));
  if (gamma) y = mul(y, gamma);
  if (beta) y = add(y, beta);
  return y;
}

// ---- batched (K independent networks in one graph) ----------------------------------------------

/**
 * Batched matrix product of 3-D tensors: K independent products [K,m,k] × [K,k,n] → [K,m,n], slice s
 * being Cₛ = Aₛ Bₛ. Each slice is one call of the active kernels' gemm on a view of the operands, the
 * same call `matmul` makes for a lone [m,k] × [k,n] product, so slice s equals `matmul(Aₛ, Bₛ)` bit for
 * bit (forward, adjoints and their tangents); the gain is that the graph, the allocations and every
 * elementwise op around it are paid once for K products (K same-shape networks trained in one pass).
 * Rules per slice, as in `matmul`: Ċ = Ȧ B + A Ḃ; ḡA = G Bᵀ, ġA = Ġ Bᵀ + G Ḃᵀ; ḡB = Aᵀ G, ġB = Ȧᵀ G + Aᵀ Ġ.
 */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3) throw new Error(`bmm: expected 3-D tensors [K,m,k] and [K,k,n], got ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  const [nb, m, k] = a.shape;
  const [nb2, k2, n] = b.shape;
  if (nb !== nb2) throw new Error(`bmm: batch sizes differ: ${shapeStr(a.shape)} × ${shapeStr(b.shape)}, expected the same leading K`);
  if (k !== k2) throw new Error(`bmm: inner dimensions differ: ${shapeStr(a.shape)} × ${shapeStr(b.shape)}`);
  const K = kernels();
  const y = allocForWrite(dtypeOf(a, b), nb * m * n); // every slice's gemm overwrites its block
  const sa = m * k;
  const sb = k * n;
  const sc = m * n;
  /** gemm on slice s of each operand: C_s (+)= op(X_s) · op(Y_s). */
  const each = (transX: boolean, transY: boolean, rows: number, cols: number, inner: number, x: FloatArray, sx: number, yy: FloatArray, sy: number, c: FloatArray, scc: number, acc: boolean) => {
    for (let s = 0; s < nb; s++) {
      K.gemm(transX, transY, rows, cols, inner, x.subarray(s * sx, (s + 1) * sx), yy.subarray(s * sy, (s + 1) * sy), c.subarray(s * scc, (s + 1) * scc), acc);
    }
  };
  each(false, false, m, n, k, a.data, sa, b.data, sb, y, sc, false);
  const res = new Tensor(y, [nb, m, n]);
  if (a.tangent !== null || b.tangent !== null) {
    // Ċ = Ȧ B + A Ḃ
    const t = allocLike(y, nb * m * n);
    if (a.tangent !== null) each(false, false, m, n, k, a.tangent, sa, b.data, sb, t, sc, true);
    if (b.tangent !== null) each(false, false, m, n, k, a.data, sa, b.tangent, sb, t, sc, true);
    res.tangent = t;
  }
  return record(res, [a, b], 'bmm', () => {
    const g = res.grad;
    if (g === null) return;
    const gt = res.gradTangent;
    if (a.requiresGrad) {
      // ḡA = G Bᵀ ; ġA = Ġ Bᵀ + G Ḃᵀ
      const ta = gradTarget(a);
      each(false, true, m, k, n, g, sc, b.data, sb, ta.buf, sa, ta.accumulate);
      if (gt !== null || b.tangent !== null) {
        const buf = gradTangentBuf(a);
        if (gt !== null) each(false, true, m, k, n, gt, sc, b.data, sb, buf, sa, true);
        if (b.tangent !== null) each(false, true, m, k, n, g, sc, b.tangent, sb, buf, sa, true);
      }
    }
    if (b.requiresGrad) {
      // ḡB = Aᵀ G ; ġB = Ȧᵀ G + Aᵀ Ġ
      const tb = gradTarget(b);
      each(true, false, k, n, m, a.data, sa, g, sc, tb.buf, sb, tb.accumulate);
      if (gt !== null || a.tangent !== null) {
        const buf = gradTangentBuf(b);
        if (gt !== null) each(true, false, k, n, m, a.data, sa, gt, sc, buf, sb, true);
        if (a.tangent !== null) each(true, false, k, n, m, a.tangent, sa, g, sc, buf, sb, true);
      }
    }
  });
}

/**
 * Per-slice mean squared error of a batch of K predictions: out[s] = mean over slice s of
 * (pred − target)², shape [K], for pred and a constant target of the same shape with leading axis K.
 * Slice s performs exactly the arithmetic of `mse` on that slice (same storage type, same summation
 * order), so Σₛ out[s] as the loss of K independent networks gives each slice the gradient (and HVP)
 * its own `mse` would: ḡp = 2 gₛ r / n ; ġp = 2 (ġₛ r + gₛ ṗ) / n per slice, n the slice size.
 */
export function mseBatched(pred: Tensor, target: Tensor): Tensor {
  if (!sameShape(pred.shape, target.shape)) throw new Error(`mseBatched: prediction shape ${shapeStr(pred.shape)} differs from target shape ${shapeStr(target.shape)}`);
  if (pred.ndim < 1) throw new Error(`mseBatched: prediction shape ${shapeStr(pred.shape)}, expected a leading batch axis K`);
  const nb = pred.shape[0];
  const n = nb === 0 ? 0 : pred.size / nb;
  const p = pred.data;
  const t = target.data;
  const r = allocLike(p, pred.size);
  const y = allocLike(p, nb);
  for (let s = 0; s < nb; s++) {
    let acc = 0;
    for (let i = s * n; i < (s + 1) * n; i++) {
      r[i] = p[i] - t[i];
      acc += r[i] * r[i];
    }
    y[s] = acc / n;
  }
  const res = new Tensor(y, [nb]);
  if (pred.tangent !== null) {
    const pt = pred.tangent;
    const tt = allocLike(p, nb);
    for (let s = 0; s < nb; s++) {
      let st = 0;
      for (let i = s * n; i < (s + 1) * n; i++) st += r[i] * pt[i];
      tt[s] = (2 * st) / n;
    }
    res.tangent = tt;
  }
  return record(res, [pred], 'mseBatched', () => {
    const g = res.grad;
    if (g === null) return;
    const gp = gradBuf(pred);
    const gt = res.gradTangent;
    const pt = pred.tangent;
    const gtp = gt !== null || pt !== null ? gradTangentBuf(pred) : null;
    for (let s = 0; s < nb; s++) {
      const c = (2 * g[s]) / n;
      for (let i = s * n; i < (s + 1) * n; i++) gp[i] += c * r[i];
      if (gtp !== null) {
        const ct = gt !== null ? (2 * gt[s]) / n : 0;
        for (let i = s * n; i < (s + 1) * n; i++) gtp[i] += ct * r[i] + (pt !== null ? c * pt[i] : 0);
      }
    }
  });
}

/**
 * Batched bias add: z [K,m,n] + b [K,1,n] → [K,m,n], row i of slice s getting bₛ. The same values as
 * `add(z, b)` by broadcasting (and, per slice, as `add(zₛ, bₛ)` with bₛ of shape [n]: same sums in the
 * same order, forward, adjoints and tangents), without the general broadcast's index table.
 * ḡz = g ; ḡb[s] = Σᵢ g[s,i,:] (rows in order) ; tangents alike.
 */
export function addBatchedBias(z: Tensor, b: Tensor): Tensor {
  if (z.ndim !== 3 || b.ndim !== 3 || b.shape[0] !== z.shape[0] || b.shape[1] !== 1 || b.shape[2] !== z.shape[2])
    throw new Error(`addBatchedBias: shapes ${shapeStr(z.shape)} and ${shapeStr(b.shape)}, expected [K,m,n] and [K,1,n]`);
  const [nb, m, n] = z.shape;
  const y = allocForWrite(dtypeOf(z, b), z.size);
  const zd = z.data;
  const bd = b.data;
  for (let s = 0; s < nb; s++) {
    const bo = s * n;
    for (let i = 0; i < m; i++) {
      const o = (s * m + i) * n;
      for (let j = 0; j < n; j++) y[o + j] = zd[o + j] + bd[bo + j];
    }
  }
  const res = new Tensor(y, z.shape);
  /** dst[s,i,:] += src_b[s,:] for every row (the broadcast gather of b). */
  const gatherRows = (dst: FloatArray, src: FloatArray) => {
    for (let s = 0; s < nb; s++)
      for (let i = 0; i < m; i++) {
        const o = (s * m + i) * n;
        for (let j = 0; j < n; j++) dst[o + j] += src[s * n + j];
      }
  };
  /** dst_b[s,:] += Σᵢ src[s,i,:] (rows in order). */
  const sumRows = (dst: FloatArray, src: FloatArray) => {
    for (let s = 0; s < nb; s++)
      for (let i = 0; i < m; i++) {
        const o = (s * m + i) * n;
        for (let j = 0; j < n; j++) dst[s * n + j] += src[o + j];
      }
  };
  if (z.tangent !== null || b.tangent !== null) {
    const t = allocLike(y, z.size);
    if (z.tangent !== null) scatterGather(t, z.tangent, null, 1);
    if (b.tangent !== null) gatherRows(t, b.tangent);
    res.tangent = t;
  }
  return record(res, [z, b], 'addBatchedBias', () => {
    const g = res.grad;
    if (g === null) return;
    const gt = res.gradTangent;
    if (z.requiresGrad) {
      scatterAdd(gradBuf(z), g, null);
      if (gt !== null) scatterAdd(gradTangentBuf(z), gt, null);
    }
    if (b.requiresGrad) {
      sumRows(gradBuf(b), g);
      if (gt !== null) sumRows(gradTangentBuf(b), gt);
    }
  });
}

/** Graph helpers for ops defined in sibling modules (./attention.ts). */ export { gradBuf, gradTangentBuf, record };

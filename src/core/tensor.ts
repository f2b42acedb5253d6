/**
 * Dense tensors with reverse-mode autodiff and exact forward-over-reverse Hessian-vector products.
 *
 * A `Tensor` holds row-major data (float64 by default, or float32). Tensors created by an op record
 * their creator when an input requires gradients. Three quantities flow through the graph:
 *   - value      x
 *   - tangent    ẋ = (∂x/∂θ)·v      (forward mode, only while a Hessian-vector product is being taken)
 *   - adjoint    ḡ = ∂L/∂x          (reverse mode) and its tangent ġ = (∂ḡ/∂θ)·v
 * Each op's backward rule computes the adjoint of its inputs AND the tangent of that adjoint, so one
 * forward pass (with tangents) plus one backward pass gives the gradient and the exact H·v
 * (Pearlmutter 1994, "Fast exact multiplication by the Hessian"; forward-over-reverse as in
 * Griewank & Walther 2008, §5). When no tangent is present the tangent code paths are skipped.
 */
import type { FloatArray } from './mat.ts';

export type DType = 'f64' | 'f32';

export type BackwardFn = () => void;

let nextId = 1;

export class Tensor {
  readonly id: number;
  readonly shape: readonly number[];
  readonly size: number;
  data: FloatArray;
  /** Whether gradients flow to (or through) this tensor. */
  requiresGrad: boolean;
  /** Forward-mode tangent (same shape), or null. */
  tangent: FloatArray | null = null;
  /** Adjoint accumulator ∂L/∂x (allocated on demand during backward). */
  grad: FloatArray | null = null;
  /** Tangent of the adjoint (the H·v contribution), allocated on demand. */
  gradTangent: FloatArray | null = null;
  /** Inputs of the op that created this tensor (empty for leaves). */
  parents: Tensor[] = [];
  /** Propagates this tensor's grad/gradTangent to its parents. */
  backwardFn: BackwardFn | null = null;
  /**
   * Arrays the creating op's backward rule reads besides values (GELU's f′, LayerNorm's x̂), owned by that op alone:
   * they go to the buffer pool with the values once the graph is done (autodiff.ts), or null.
   */
  saved: FloatArray[] | null = null;
  /** Name of the creating op, for debugging and per-example taps. */
  op = 'leaf';

  constructor(data: FloatArray, shape: readonly number[], requiresGrad = false) {
    let size = 1;
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`Tensor: shape must be non-negative integers, got [${shape.join(', ')}]`);
      size *= d;
    }
    if (data.length !== size) throw new Error(`Tensor: data has ${data.length} elements but shape [${shape.join(', ')}] needs ${size}`);
    this.id = nextId++;
    this.shape = shape;
    this.size = size;
    this.data = data;
    this.requiresGrad = requiresGrad;
  }

  get dtype(): DType {
    return this.data instanceof Float32Array ? 'f32' : 'f64';
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item(): tensor has ${this.size} elements, expected 1`);
    return this.data[0];
  }

  toArray(): number[] {
    return Array.from(this.data);
  }

  /** A detached copy of the value (no graph). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }
}

/** A zero-filled array: from the buffer pool (below) when one of that type and length waits there, else new. */
export function alloc(dtype: DType, n: number): FloatArray {
  return tracked(pooledOr(dtype === 'f32', n) ?? (dtype === 'f32' ? new Float32Array(n) : new Float64Array(n)));
}

/**
 * An array for a caller that writes every element before reading any (a gemm that does not accumulate, an
 * elementwise forward): from the pool *without* zero-filling it, else new. A pooled array holds stale numbers
 * until then, so never use it for an accumulator.
 */
export function allocForWrite(dtype: DType, n: number): FloatArray {
  return tracked(pooledOr(dtype === 'f32', n, false) ?? (dtype === 'f32' ? new Float32Array(n) : new Float64Array(n)));
}

/** `allocForWrite` of `a`'s element type. */
export function allocLikeForWrite(a: FloatArray, n = a.length): FloatArray {
  return allocForWrite(a instanceof Float32Array ? 'f32' : 'f64', n);
}

/** A zero-filled array of `a`'s element type: from the buffer pool when one waits there, else new. */
export function allocLike(a: FloatArray, n = a.length): FloatArray {
  const f32 = a instanceof Float32Array;
  return tracked(pooledOr(f32, n) ?? (f32 ? new Float32Array(n) : new Float64Array(n)));
}

/** A constant tensor (no gradient). */
export function tensor(data: ArrayLike<number> | FloatArray, shape?: readonly number[], dtype: DType = 'f64'): Tensor {
  const d: FloatArray =
    data instanceof Float64Array && dtype === 'f64'
      ? data
      : data instanceof Float32Array && dtype === 'f32'
        ? data
        : dtype === 'f32'
          ? Float32Array.from(data as ArrayLike<number>)
          : Float64Array.from(data as ArrayLike<number>);
  return new Tensor(d, shape ?? [d.length], false);
}

/** A trainable leaf (requires gradients). */
export function param(data: ArrayLike<number> | FloatArray, shape?: readonly number[], dtype: DType = 'f64'): Tensor {
  const t = tensor(data, shape, dtype);
  t.requiresGrad = true;
  return t;
}

export function scalar(x: number, dtype: DType = 'f64'): Tensor {
  return new Tensor(dtype === 'f32' ? Float32Array.of(x) : Float64Array.of(x), [], false);
}

export function zeros(shape: readonly number[], dtype: DType = 'f64'): Tensor {
  let n = 1;
  for (const d of shape) n *= d;
  return new Tensor(alloc(dtype, n), shape, false);
}

export function full(shape: readonly number[], value: number, dtype: DType = 'f64'): Tensor {
  const t = zeros(shape, dtype);
  t.data.fill(value);
  return t;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function shapeStr(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

// ---- graph mode -------------------------------------------------------------------------------

let gradEnabled = true;

/** Run `f` without recording the graph (evaluation, parameter updates). */
export function noGrad<T>(f: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return f();
  } finally {
    gradEnabled = prev;
  }
}

/** The arrays handed out inside each active `noGradScalar`, innermost last. */
const allocScopes: FloatArray[][] = [];

function tracked(a: FloatArray): FloatArray {
  if (allocScopes.length > 0) allocScopes[allocScopes.length - 1].push(a);
  return a;
}

/**
 * The value of a scalar built without gradients (a loss evaluated between training steps), with every array its ops
 * allocated handed back to the buffer pool once it is read: an evaluation inside a training loop then neither drains
 * the pool the next step's backward pass draws on nor leaves garbage. `f` must keep nothing it builds (no tensor
 * stored outside it): those arrays are reused. Arrays that existed before (data, parameters) are never touched.
 */
export function noGradScalar(f: () => Tensor): number {
  const scope: FloatArray[] = [];
  allocScopes.push(scope);
  let value: number;
  try {
    const t = noGrad(f);
    if (t.size !== 1) throw new Error(`noGradScalar: expected a scalar, got shape [${t.shape.join(', ')}]`);
    value = t.data[0];
  } finally {
    allocScopes.pop();
  }
  recycleBuffers(scope, scope.reduce((a, b) => a + b.byteLength, 0));
  return value;
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Accumulate `src` into t.grad (allocating it). */
export function accGrad(t: Tensor, src: FloatArray): void {
  if (!t.requiresGrad) return;
  const g = t.grad;
  if (g === null) {
    t.grad = src.length === t.size ? copyOf(src, t.data) : src;
    return;
  }
  for (let i = 0; i < g.length; i++) g[i] += src[i];
}

/** Accumulate `src` into t.gradTangent (allocating it). */
export function accGradTangent(t: Tensor, src: FloatArray): void {
  if (!t.requiresGrad) return;
  const g = t.gradTangent;
  if (g === null) {
    t.gradTangent = copyOf(src, t.data);
    return;
  }
  for (let i = 0; i < g.length; i++) g[i] += src[i];
}

// ---- adjoint buffer pool ------------------------------------------------------------------------
//
// Each training step allocates the same adjoint buffers again (one per op output), and at small sizes
// allocating a typed array (off-heap store, zero-fill, GC bookkeeping) costs more than the op itself.
// `valueAndGrad` and `hessianVectorProduct` hand the arrays of their intermediate tensors back here once the
// step's gradients are out, and the next step's ops (`alloc`, `allocLike`) take them, zero-filled, instead of
// allocating: the arithmetic is the same on a buffer of +0s, so every result is bit for bit what a fresh buffer
// gives. In Chromium a fresh typed array also costs page faults on its first touch (its allocator hands out
// decommitted memory where Node's malloc reuses freed pages): most of the lab worker's gap to Node (issue 17).

/** Buffers below this size live on the V8 heap and are cheap to allocate; they are not pooled. */
const POOL_MIN_BYTES = 256;
/**
 * At most this many bytes wait in the pool (per thread), or the largest pass's worth of adjoints and values when
 * that is more (`recycleBuffers`' `room`, its high-water mark since the pool was emptied): the next pass of the same
 * graph takes them all back, and a large model's arrays (hundreds of MiB for the bench transformer) then cost no page
 * faults and no zero-filled allocation per step.
 * Beyond it, released buffers are dropped. `executeStudy` empties the pool when a study ends.
 */
const POOL_MAX_BYTES = 64 * 2 ** 20;
const pool = new Map<string, FloatArray[]>();
let pooledBytes = 0;
let roomHighWater = 0;

function poolKey(a: FloatArray | DType, n: number): string {
  const f32 = typeof a === 'string' ? a === 'f32' : a instanceof Float32Array;
  return `${f32 ? 'f32' : 'f64'}:${n}`;
}

/** A pooled buffer of that type and length, zero-filled unless `zero` is false, or undefined when none waits. */
function pooledOr(f32: boolean, n: number, zero = true): FloatArray | undefined {
  if (pooledBytes === 0) return undefined;
  const b = pool.get(poolKey(f32 ? 'f32' : 'f64', n))?.pop();
  if (b === undefined) return undefined;
  pooledBytes -= b.byteLength;
  if (zero) b.fill(0);
  return b;
}

/**
 * Give buffers back for reuse by `alloc` and `allocLike`. The caller guarantees nothing reads or writes them any
 * more. A buffer given twice is kept once; detached or tiny buffers are ignored. The pool holds at most
 * max(64 MiB, the largest `room` given since it was last emptied) bytes.
 */
export function recycleBuffers(buffers: Iterable<FloatArray>, room = POOL_MAX_BYTES): void {
  // the largest room asked for since the pool was last emptied: a loop that alternates passes of two sizes (training
  // steps and the Hessian-vector products of a sharpness measurement) keeps the larger pass's buffers instead of
  // dropping them at every smaller one and page-faulting them back
  roomHighWater = Math.max(roomHighWater, room);
  const cap = Math.max(POOL_MAX_BYTES, roomHighWater);
  for (const b of buffers) {
    if (b.byteLength < POOL_MIN_BYTES || pooledBytes + b.byteLength > cap) continue;
    const key = poolKey(b, b.length);
    let list = pool.get(key);
    if (list === undefined) {
      list = [];
      pool.set(key, list);
    }
    if (list.includes(b)) continue;
    list.push(b);
    pooledBytes += b.byteLength;
  }
}

/** Empty this thread's pool (tests: start from fresh allocations). */
export function clearBufferPool(): void {
  pool.clear();
  pooledBytes = 0;
  roomHighWater = 0;
}

/** Bytes now waiting in this thread's pool (for tests and the profiler). */
export function pooledBufferBytes(): number {
  return pooledBytes;
}

function copyOf(src: FloatArray, like: FloatArray): FloatArray {
  const out = allocLike(like, src.length);
  out.set(src);
  return out;
}

/**
 * WebAssembly SIMD kernels (portable: Node and browsers). Operands are packed into the module's
 * linear memory — A in strips of 4 rows and B in panels of one register block of columns, padded with zeros to
 * m′, n′ — so one full-block kernel serves every transpose combination and reads both operands sequentially; C is
 * copied back (or accumulated).
 * Packing costs O(mk + kn + mn) against the O(mnk) product; below `SMALL_WORK` multiply-adds the
 * plain TypeScript kernel is used instead, since copying would dominate. The packing (any transpose included) and the
 * accumulation run in the module too (gemm.wat): JS only copies whole operands in and out with TypedArray.set.
 * `gelu` runs geluTable's table-and-Taylor arithmetic in f64x2 lanes on a copy of its tables kept in the module's memory,
 * bit for bit the TypeScript loop (no transcendental inside the tables, IEEE operations in the same order, no FMA), so
 * the studies' recorded fingerprints do not depend on which of the two ran; the few elements outside the tables go
 * through geluTable's own fallback in JS. `tanh` is fdlibm's (expm1 and tanh as V8's src/base/ieee754.cc computes
 * Math.tanh), so it too gives the numbers of the TypeScript loop bit for bit.
 */
import { CDF_TABLE, GELU_TABLE_SIZE, PDF_TABLE, geluOutside, geluTable } from './geluTable.ts';
import { layerNormBackwardRows, layerNormRows } from './layerNormRows.ts';
import { addRowsLoop, reluBackwardLoop, reluLoop, rowSumsLoop, scaledAddLoop, tanhBackwardLoop } from './elementwise.ts';
import type { Kernels } from './kernels.ts';
import { jsKernels } from './kernelsJs.ts';
import type { FloatArray } from './mat.ts';
import { decodeBase64, instantiateOwn } from './wasm/load.ts';
import { GEMM_WASM_BASE64, GEMM_WASM_SHARED_BASE64, GEMM_WASM_SHARED_MAX_PAGES } from './wasm/gemmModule.ts';
import { type GemmPartExports, type WasmThreadPool, createWasmThreadPool, wasmThreadsSetting } from './wasmThreads.ts';

const SMALL_WORK = 2048;
/**
 * Products of at least this many multiply-adds (m·n·k) are split across the threads, when there are any. Measured with
 * bench/wasm-threads.ts on an idle 2-core machine, 2 threads: at 102³ (just above the cut) the wall time drops by
 * 4–10%, at 128³ by 25–30%, at 512³ by 1.5× (f32) to 1.9× (f64); below it, waking the helpers and the serial packing
 * eat the gain.
 */
const THREAD_WORK = 1 << 20;
/**
 * The GELU tables (Φ(x₀), φ(x₀)) interleaved, 16 bytes per point, live at byte 0 of the module's memory, written
 * once per engine; every operand area (gemm's packing, gelu's staging) starts at WORK_BASE, above them (64-aligned).
 */
const GELU_TABLE_BYTES = GELU_TABLE_SIZE * 16;
/** tanh_f64's constants (gemm.wat's tanh_init), after the GELU tables. */
const TANH_CONSTS_AT = GELU_TABLE_BYTES;
const TANH_CONSTS_BYTES = 28 * 16;
/** exp_f64's constants (gemm.wat's exp_init), after tanh's. */
const EXP_CONSTS_AT = TANH_CONSTS_AT + TANH_CONSTS_BYTES;
const EXP_CONSTS_BYTES = 19 * 16;
const WORK_BASE = Math.ceil((EXP_CONSTS_AT + EXP_CONSTS_BYTES) / 64) * 64;
/**
 * GELUs of fewer elements than this stay in the TypeScript loop (`geluTable`): a call costs ~240 ns whatever its size
 * (the copies' set-up and the call). bench/wasm-gelu.ts on a 2-core AMD EPYC (shared, so ±30%), ns per element with d1,
 * geluTable vs this kernel, copies included: n = 4: 24 vs 61; 16: 23 vs 20; 64: 21 vs 10–13; 256: 22 vs 8–10; 4096 to 2²⁰:
 * 21–37 vs 7–12 (f32 alike).
 */
const GELU_MIN = 32;
/**
 * Arrays of fewer elements than this take Math.tanh per element (a call into V8's C fdlibm, 17–35 ns, the more the
 * less predictable its branches); the module's tanh (the same function, the same bits) costs one call and two copies,
 * then 12–15 ns per element. `node --import tsx bench/wasm-math.ts` on a 2-core EPYC: 1.01–1.13× at 16 elements,
 * 1.15–1.18× at 32, 1.5–1.7× at 64, 1.6–2.5× from 128 up.
 */
const TANH_MIN = 32;
/** tanh_f64's state between its passes: 160 bytes for each of the 64 pairs of a chunk. */
const TANH_STATE_BYTES = 64 * 160;
/**
 * Bias rows (addRows, rowSums) over fewer elements than this stay in the TypeScript loops (`node --import tsx
 * bench/wasm-math.ts`, float64 rows of 64, module / loop: add 0.38× at 64 elements, 0.88× at 128, 1.72× at 256,
 * 2.5–4.3× from 1024; sums 0.39×, 0.84×, 1.09×, 3–5.9×).
 */
const ROWS_MIN = 256;
/**
 * tanh's adjoint and ReLU take the module from ROWS_MIN to this many elements (bench/wasm-math.ts, tanh's adjoint,
 * float64: 0.44× the loop at 64, 0.88× at 128, 1.37× at 256, 1.1–2.8× to 2^18, 0.74× at 2^20, where staging three
 * arrays outweighs the work; ReLU forward / adjoint: 0.75× / 0.41× at 64, 1.9× / 1.4× at 256, 2.7–4.9× from 1024 to
 * 2^18, 1.3× / 1.0× at 2^20).
 */
const ELEMENTWISE_MAX = 1 << 18;
/**
 * The one-pass SGD step takes the module for slices of SCALED_ADD_MIN to SCALED_ADD_MAX elements (bench/wasm-math.ts,
 * module / loop: 0.33–0.41× at 64, 0.88–1.08× at 256, 2.3–5.4× from 1024 to 2^18, 0.92–0.99× at 2^20).
 */
const SCALED_ADD_MIN = 512;
const SCALED_ADD_MAX = 1 << 18;
/**
 * LayerNorms of fewer elements than this stay in the TypeScript loops (`node --import tsx bench/wasm-math.ts`, float32
 * rows of 64, module / loop: forward 0.23× at 64 elements, 0.77× at 128, 1.23× at 256, 2.3–3.4× from 1024; backward
 * 0.57×, 1.02×, 1.40×, 2.1–3.6×).
 */
const LAYER_NORM_MIN = 256;
/**
 * Arrays of fewer elements than this take Math.exp per element (bench/wasm-math.ts, arguments on (−12, 0]: 1.01× the
 * loop at 16 elements, 1.44× at 32, 1.7–2.3× from 64).
 */
const EXP_MIN = 32;

interface GemmExports extends GemmPartExports {
  gemm_f64(mp: number, np: number, k: number, a: number, b: number, c: number): void;
  gemm_f32(mp: number, np: number, k: number, a: number, b: number, c: number): void;
  copy_rows(src: number, srcStride: number, dst: number, dstStride: number, rows: number, len: number): void;
  pack64(src: number, lanes: number, depth: number, ls: number, ps: number, dst: number, width: number): void;
  pack32(src: number, lanes: number, depth: number, ls: number, ps: number, dst: number, width: number): void;
  add64(dst: number, src: number, ls: number, m: number, n: number): void;
  add32(dst: number, src: number, ls: number, m: number, n: number): void;
  gelu(x: number, y: number, d1: number, n: number, single: number, hasD1: number, tab: number, idx: number): number;
  tanh_init(at: number): void;
  tanh_f64(x: number, y: number, n: number, consts: number, state: number): void;
  exp_init(at: number): void;
  exp_f64(x: number, y: number, n: number, consts: number): void;
  relu_f32(x: number, y: number, n: number): void;
  relu_f64(x: number, y: number, n: number): void;
  relu_backward_f32(x: number, g: number, ga: number, n: number): void;
  relu_backward_f64(x: number, g: number, ga: number, n: number): void;
  axpy_f32(p: number, g: number, n: number, c: number): void;
  axpy_f64(p: number, g: number, n: number, c: number): void;
  tanh_backward_f32(y: number, g: number, ga: number, n: number): void;
  tanh_backward_f64(y: number, g: number, ga: number, n: number): void;
  add_rows_f32(a: number, b: number, y: number, rows: number, n: number, sub: number): void;
  add_rows_f64(a: number, b: number, y: number, rows: number, n: number, sub: number): void;
  row_sums_f32(dst: number, src: number, rows: number, n: number, sub: number): void;
  row_sums_f64(dst: number, src: number, rows: number, n: number, sub: number): void;
  layernorm_fwd_f32(x: number, gamma: number, beta: number, y: number, xhat: number, rstd: number, rows: number, n: number, eps: number): void;
  layernorm_fwd_f64(x: number, gamma: number, beta: number, y: number, xhat: number, rstd: number, rows: number, n: number, eps: number): void;
  layernorm_bwd_f32(g: number, xhat: number, rstd: number, gamma: number, gx: number, gGamma: number, gBeta: number, rows: number, n: number, hasX: number, hasParams: number): void;
  layernorm_bwd_f64(g: number, xhat: number, rstd: number, gamma: number, gx: number, gGamma: number, gBeta: number, rows: number, n: number, hasX: number, hasParams: number): void;
}

/** An instantiated module: its exports and the memory they run on (its own, or the imported shared one). */
interface Engine {
  ex: GemmExports;
  mem: WebAssembly.Memory;
  /** The memory's size limit in bytes (grow beyond it fails). */
  maxBytes: number;
  /** Set when the products above THREAD_WORK are split across threads. */
  pool: WasmThreadPool | null;
}

export interface WasmKernelOptions {
  /**
   * Threads for large products, the caller included (default: `wasmThreadsSetting()`, i.e. `LMECH_WASM_THREADS` in
   * Node, automatic in a cross-origin isolated browser worker). 1 = the single-threaded module. Where threads cannot
   * be set up (no SharedArrayBuffer, no workers, instantiation fails) the single-threaded module is used silently.
   */
  threads?: number;
}

const threadPools = new WeakMap<Kernels, WasmThreadPool>();

/** The thread pool behind WebAssembly kernels from `createWasmKernels` (null: single-threaded, or not these kernels). */
export function wasmThreadPool(k: Kernels): WasmThreadPool | null {
  return threadPools.get(k) ?? null;
}

function ownEngine(): Engine | null {
  const ex = instantiateOwn<GemmExports & { memory: WebAssembly.Memory }>(GEMM_WASM_BASE64);
  return ex && { ex, mem: ex.memory, maxBytes: 65536 * 65536, pool: null };
}

/** The shared-memory module on a fresh shared memory, with `threads − 1` helpers on it; null if any piece is missing. */
function sharedEngine(threads: number): Engine | null {
  let pool: WasmThreadPool | null = null;
  try {
    const mod = new WebAssembly.Module(decodeBase64(GEMM_WASM_SHARED_BASE64));
    const mem = new WebAssembly.Memory({ initial: 1, maximum: GEMM_WASM_SHARED_MAX_PAGES, shared: true });
    const ex = new WebAssembly.Instance(mod, { env: { memory: mem } }).exports as unknown as GemmExports;
    pool = createWasmThreadPool(mod, mem, threads);
    return pool ? { ex, mem, maxBytes: GEMM_WASM_SHARED_MAX_PAGES * 65536, pool } : null;
  } catch {
    pool?.terminate();
    return null;
  }
}

/**
 * Instantiate synchronously (about 7 KB: fine in Node and in workers, where the lab runs studies; Chromium refuses
 * synchronous compiles over 4 KB on a page's main thread, and then this returns null). Null if SIMD is unsupported.
 * With threads (see `WasmKernelOptions`), products of at least THREAD_WORK multiply-adds are split across them, with
 * bit-identical results; helpers start in the background and products stay single-threaded until they are up.
 */
export function createWasmKernels(opts: WasmKernelOptions = {}): Kernels | null {
  const threads = opts.threads ?? wasmThreadsSetting().threads;
  const engine = (threads >= 2 ? sharedEngine(threads) : null) ?? ownEngine();
  if (!engine) return null;
  const k = engineKernels(engine);
  if (engine.pool) threadPools.set(k, engine.pool);
  return k;
}

/**
 * Byte offsets of consecutive 16-aligned areas of `lengths` elements of `es` bytes each, from WORK_BASE on; the last
 * entry is where the next area would start.
 */
function areas(es: number, lengths: number[]): number[] {
  const at = [WORK_BASE];
  for (const len of lengths) at.push(at[at.length - 1] + Math.ceil((len * es) / 16) * 16);
  return at;
}

/** lo ≤ n ≤ hi. */
function inRange(n: number, lo: number, hi: number): boolean {
  return n >= lo && n <= hi;
}

/** Whether every array is a Float32Array (single) or none is. */
function sameType(single: boolean, ...arrays: FloatArray[]): boolean {
  return arrays.every((a) => a instanceof Float32Array === single);
}

function engineKernels(engine: Engine): Kernels {
  const { ex, mem, pool } = engine;
  let f64 = new Float64Array(mem.buffer);
  let f32 = new Float32Array(mem.buffer);
  let i32 = new Int32Array(mem.buffer);
  // the GELU tables, the very values geluTable uses, interleaved; memory.grow keeps them (initial memory: one page)
  for (let k = 0; k < GELU_TABLE_SIZE; k++) {
    f64[2 * k] = CDF_TABLE[k];
    f64[2 * k + 1] = PDF_TABLE[k];
  }
  ex.tanh_init(TANH_CONSTS_AT);
  ex.exp_init(EXP_CONSTS_AT);
  /** Grow the memory to `bytes`; false if it cannot (the shared memory's maximum), then the caller falls back. */
  const ensure = (bytes: number): boolean => {
    if (bytes <= f64.buffer.byteLength) return true;
    if (bytes > engine.maxBytes) return false;
    try {
      mem.grow(Math.ceil((bytes - mem.buffer.byteLength) / 65536));
    } catch {
      return false;
    }
    f64 = new Float64Array(mem.buffer);
    f32 = new Float32Array(mem.buffer);
    i32 = new Int32Array(mem.buffer);
    return true;
  };
  let fallback: Kernels | null = null;
  /** Products too large for the shared memory go to a single-threaded module of their own (same kernel, same bits). */
  const large = (): Kernels => {
    if (!fallback && pool) {
      const own = ownEngine(); // for the single-threaded module itself there is nothing bigger to go to
      fallback = own ? engineKernels(own) : null;
    }
    if (!fallback) throw new RangeError('wasm-simd: cannot grow the WebAssembly memory for this product');
    return fallback;
  };
  /** Copy the first `len` elements of `src` into the module's memory at byte offset `off` (one TypedArray.set). */
  const stage = (buf: FloatArray, src: FloatArray, len: number, off: number) => {
    buf.set(src.length === len ? src : src.subarray(0, len), off / (buf === f32 ? 4 : 8));
  };
  /**
   * The operand at byte `src` into the kernel's panels at byte `dst` (gemm.wat `pack64` / `pack32`): lane l, depth p is
   * element l·ls + p·ps; `width` lanes per panel, zeros past the last (bit copies).
   */
  const pack = (single: boolean, src: number, lanes: number, depth: number, ls: number, ps: number, dst: number, width: number) => {
    if (single) ex.pack32(src, lanes, depth, ls, ps, dst, width);
    else ex.pack64(src, lanes, depth, ls, ps, dst, width);
  };
  /**
   * Copy `arrays` (one element type) into consecutive areas of the module's memory, run `call` on their byte offsets,
   * and copy the areas listed in `out` back into their arrays; false (nothing run) if the memory cannot grow that far.
   */
  const runStaged = (single: boolean, arrays: FloatArray[], out: number[], call: (offsets: number[]) => void): boolean => {
    const es = single ? 4 : 8;
    const at = areas(es, arrays.map((a) => a.length));
    if (!ensure(at[arrays.length])) return false;
    const buf: FloatArray = single ? f32 : f64;
    arrays.forEach((a, i) => stage(buf, a, a.length, at[i]));
    call(at);
    for (const i of out) arrays[i].set(buf.subarray(at[i] / es, at[i] / es + arrays[i].length));
    return true;
  };
  return {
    name: 'wasm-simd',
    gemm(transA, transB, m, n, k, a, b, c, accumulate) {
      if (m * n * k < SMALL_WORK || k === 0) {
        jsKernels.gemm(transA, transB, m, n, k, a, b, c, accumulate);
        return;
      }
      const single = a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array;
      const bw = single ? 8 : 4; // column block width of the kernel
      const mp = (m + 3) & ~3;
      const np = Math.ceil(n / bw) * bw;
      const es = single ? 4 : 8;
      // byte offsets: packed A (mp×k in strips), packed B (np×k in panels), the product (mp×np), and a staging area for one raw operand
      const aOff = WORK_BASE;
      const bOff = aOff + mp * k * es;
      const cOff = bOff + k * np * es;
      const rawOff = cOff + mp * np * es;
      if (!ensure(rawOff + Math.max(m * k, k * n, m * n) * es)) {
        large().gemm(transA, transB, m, n, k, a, b, c, accumulate);
        return;
      }
      const buf: FloatArray = single ? f32 : f64;
      // Every copy below is TypedArray.set (a memcpy, or an exact widening when the operands are not all float32)
      // or a bit copy in WASM, no element loop in JS: in the lab's worker those loops were a large share of gemm (issue 17).
      // A in strips of 4 rows, B in panels of bw columns, each read front to back by the kernel (see gemm.wat)
      stage(buf, a, m * k, rawOff);
      pack(single, rawOff, m, k, transA ? 1 : k, transA ? m : 1, aOff, 4);
      stage(buf, b, k * n, rawOff);
      pack(single, rawOff, n, k, transB ? k : 1, transB ? 1 : n, bOff, bw);
      if (pool && m * n * k >= THREAD_WORK && pool.ready()) pool.gemm(ex, single, mp, np, k, aOff, bOff, cOff);
      else if (single) ex.gemm_f32(mp, np, k, aOff, bOff, cOff);
      else ex.gemm_f64(mp, np, k, aOff, bOff, cOff);
      if (accumulate) {
        // C + product in WASM, the one addition the JS loop `c[x] += p[y]` made (see add64 / add32 in gemm.wat)
        stage(buf, c, m * n, rawOff);
        if (single) ex.add32(rawOff, cOff, np, m, n);
        else ex.add64(rawOff, cOff, np, m, n);
        c.set(buf.subarray(rawOff / es, rawOff / es + m * n));
        return;
      }
      if (np !== n) ex.copy_rows(cOff, np * es, cOff, n * es, m, n * es); // drop the padding columns in place
      c.set(buf.subarray(cOff / es, cOff / es + m * n));
    },
    gelu(x, y, d1) {
      const n = x.length;
      const single = x instanceof Float32Array;
      // mixed element types (outside the interface's contract) would round differently in the module: the loop then
      if (n < GELU_MIN || !(y instanceof Float32Array === single && (d1 === null || d1 instanceof Float32Array === single))) {
        geluTable(x, y, d1);
        return;
      }
      const es = single ? 4 : 8;
      const span = Math.ceil((n * es) / 16) * 16;
      const xOff = WORK_BASE;
      const yOff = xOff + span;
      const dOff = yOff + span;
      const idxOff = dOff + (d1 === null ? 0 : span);
      if (!ensure(idxOff + n * 4)) {
        geluTable(x, y, d1);
        return;
      }
      const buf: FloatArray = single ? f32 : f64;
      stage(buf, x, n, xOff);
      // on the caller's instance even with threads: one pass over the elements, nothing to split
      const outside = ex.gelu(xOff, yOff, dOff, n, single ? 1 : 0, d1 === null ? 0 : 1, 0, idxOff);
      y.set(buf.subarray(yOff / es, yOff / es + n));
      if (d1 !== null) d1.set(buf.subarray(dOff / es, dOff / es + n));
      // the elements outside the tables (|x| ≥ 10, NaN), by geluTable's own fallback
      for (let j = 0; j < outside; j++) geluOutside(x, y, d1, i32[idxOff / 4 + j]);
    },
    tanh(x, y) {
      const n = x.length;
      // float32 arrays are staged widened to float64 (exactly) and rounded back by the copy out, as a Float32Array
      // store of Math.tanh's float64 result rounds
      // the kernel's per-chunk state (TANH_STATE_BYTES) after the array
      const stateAt = WORK_BASE + Math.ceil((n * 8) / 16) * 16;
      if (n < TANH_MIN || y instanceof Float32Array !== x instanceof Float32Array || !ensure(stateAt + TANH_STATE_BYTES)) {
        for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]);
        return;
      }
      const at = WORK_BASE / 8;
      f64.set(x, at);
      ex.tanh_f64(WORK_BASE, WORK_BASE, n, TANH_CONSTS_AT, stateAt);
      y.set(f64.subarray(at, at + n));
    },
    relu(x, y) {
      const single = x instanceof Float32Array;
      const n = x.length;
      const fn = single ? ex.relu_f32 : ex.relu_f64;
      if (!inRange(n, ROWS_MIN, ELEMENTWISE_MAX) || !sameType(single, y) || !runStaged(single, [x, y], [1], ([xo, yo]) => fn(xo, yo, n)))
        reluLoop(x, y);
    },
    reluBackward(x, g, ga) {
      const single = x instanceof Float32Array;
      const n = x.length;
      const fn = single ? ex.relu_backward_f32 : ex.relu_backward_f64;
      if (!inRange(n, ROWS_MIN, ELEMENTWISE_MAX) || !sameType(single, g, ga) || !runStaged(single, [x, g, ga], [2], ([xo, go, ao]) => fn(xo, go, ao, n)))
        reluBackwardLoop(x, g, ga);
    },
    scaledAdd(p, g, from, to, c) {
      const single = p instanceof Float32Array;
      const n = to - from;
      const fn = single ? ex.axpy_f32 : ex.axpy_f64;
      const [ps, gs] = [p.subarray(from, to), g.subarray(from, to)];
      if (!inRange(n, SCALED_ADD_MIN, SCALED_ADD_MAX) || !sameType(single, g) || !runStaged(single, [ps, gs], [0], ([po, go]) => fn(po, go, n, c)))
        scaledAddLoop(p, g, from, to, c);
    },
    tanhBackward(y, g, ga) {
      const single = y instanceof Float32Array;
      const n = y.length;
      const fn = single ? ex.tanh_backward_f32 : ex.tanh_backward_f64;
      if (!inRange(n, ROWS_MIN, ELEMENTWISE_MAX) || !sameType(single, g, ga) || !runStaged(single, [y, g, ga], [2], ([yo, go, ao]) => fn(yo, go, ao, n)))
        tanhBackwardLoop(y, g, ga);
    },
    addRows(a, b, y, sign) {
      const single = a instanceof Float32Array;
      const [N, n] = [a.length, b.length];
      const fn = single ? ex.add_rows_f32 : ex.add_rows_f64;
      if (N < ROWS_MIN || n === 0 || !sameType(single, b, y) || !runStaged(single, [a, b, y], [2], ([ao, bo, yo]) => fn(ao, bo, yo, N / n, n, sign === -1 ? 1 : 0)))
        addRowsLoop(a, b, y, sign);
    },
    rowSums(dst, src, sign) {
      const single = dst instanceof Float32Array;
      const [N, n] = [src.length, dst.length];
      const fn = single ? ex.row_sums_f32 : ex.row_sums_f64;
      if (N < ROWS_MIN || n === 0 || !sameType(single, src) || !runStaged(single, [dst, src], [0], ([d, so]) => fn(d, so, N / n, n, sign === -1 ? 1 : 0)))
        rowSumsLoop(dst, src, sign);
    },
    layerNorm(x, gamma, beta, eps, y, xhat, rstd) {
      const single = x instanceof Float32Array;
      const es = single ? 4 : 8;
      const [N, n, rows] = [x.length, gamma.length, rstd.length];
      // x, y, x̂ (N), γ, β (n), rstd (rows float64)
      const [xOff, yOff, hOff, gOff, bOff, rOff] = areas(es, [N, N, N, n, n]);
      if (N < LAYER_NORM_MIN || !sameType(single, gamma, beta, y, xhat) || !ensure(rOff + rows * 8)) {
        layerNormRows(x, gamma, beta, eps, y, xhat, rstd);
        return;
      }
      const buf: FloatArray = single ? f32 : f64;
      stage(buf, x, N, xOff);
      stage(buf, gamma, n, gOff);
      stage(buf, beta, n, bOff);
      (single ? ex.layernorm_fwd_f32 : ex.layernorm_fwd_f64)(xOff, gOff, bOff, yOff, hOff, rOff, rows, n, eps);
      y.set(buf.subarray(yOff / es, yOff / es + N));
      xhat.set(buf.subarray(hOff / es, hOff / es + N));
      rstd.set(f64.subarray(rOff / 8, rOff / 8 + rows));
    },
    layerNormBackward(g, xhat, rstd, gamma, gx, gGamma, gBeta) {
      const single = g instanceof Float32Array;
      const es = single ? 4 : 8;
      const [N, n, rows] = [g.length, gamma.length, rstd.length];
      // g, x̂, ḡx (N), γ, ḡγ, ḡβ (n), rstd (rows float64)
      const [gOff, hOff, xOff, cOff, ggOff, gbOff, rOff] = areas(es, [N, N, N, n, n, n]);
      const params = gGamma !== null && gBeta !== null;
      const others = [xhat, gamma, ...(gx !== null ? [gx] : []), ...(params ? [gGamma, gBeta] : [])];
      if (N < LAYER_NORM_MIN || (gGamma === null) !== (gBeta === null) || !sameType(single, ...others) || !ensure(rOff + rows * 8)) {
        layerNormBackwardRows(g, xhat, rstd, gamma, gx, gGamma, gBeta);
        return;
      }
      const buf: FloatArray = single ? f32 : f64;
      stage(buf, g, N, gOff);
      stage(buf, xhat, N, hOff);
      stage(buf, gamma, n, cOff);
      f64.set(rstd, rOff / 8);
      if (gx !== null) stage(buf, gx, N, xOff);
      if (params) {
        stage(buf, gGamma, n, ggOff);
        stage(buf, gBeta, n, gbOff);
      }
      (single ? ex.layernorm_bwd_f32 : ex.layernorm_bwd_f64)(gOff, hOff, rOff, cOff, xOff, ggOff, gbOff, rows, n, gx !== null ? 1 : 0, params ? 1 : 0);
      if (gx !== null) gx.set(buf.subarray(xOff / es, xOff / es + N));
      if (params) {
        gGamma.set(buf.subarray(ggOff / es, ggOff / es + n));
        gBeta.set(buf.subarray(gbOff / es, gbOff / es + n));
      }
    },
    exp(x, y) {
      const n = x.length;
      if (n < EXP_MIN || !ensure(WORK_BASE + n * 8)) {
        for (let i = 0; i < n; i++) y[i] = Math.exp(x[i]);
        return;
      }
      const at = WORK_BASE / 8;
      f64.set(x, at);
      ex.exp_f64(WORK_BASE, WORK_BASE, n, EXP_CONSTS_AT);
      y.set(f64.subarray(at, at + n));
    },
  };
}

/**
 * Adam's fused step in WebAssembly (./wasm/adam.wat): the numbers of the TypeScript loop in src/nn/optim.ts bit for
 * bit, two elements per f64x2 division and square root. θ, g and the moments are staged through the module's memory in
 * chunks that stay in cache; a float32 θ or g is widened on the way in (exactly) and θ rounded on the way out, as the
 * loop's reads and stores do. Browser-safe; null/false where WebAssembly is missing, and the caller keeps its loop.
 */
import type { FloatArray } from './mat.ts';
import { ADAM_WASM_BASE64 } from './wasm/adamModule.ts';
import { instantiateOwn } from './wasm/load.ts';

/** Elements per call: the module holds 4 arrays of 4096 float64 (adam.wat's memory layout). */
const CHUNK = 4096;

interface AdamExports {
  memory: WebAssembly.Memory;
  adam(n: number, b1: number, ob1: number, b2: number, ob2: number, eps: number, c1: number, c2: number, c: number, decay: number, hasDecay: number): void;
}

interface AdamEngine {
  ex: AdamExports;
  p: Float64Array;
  g: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

let engine: AdamEngine | null | undefined;

function adamEngine(): AdamEngine | null {
  if (engine !== undefined) return engine;
  const ex = instantiateOwn<AdamExports>(ADAM_WASM_BASE64);
  if (ex === null) {
    engine = null;
    return null;
  }
  const buf = ex.memory.buffer; // the module never grows its memory: the views stay valid
  const at = (k: number) => new Float64Array(buf, k * CHUNK * 8, CHUNK);
  engine = { ex, p: at(0), g: at(1), m: at(2), v: at(3) };
  return engine;
}

export interface AdamHyper {
  b1: number;
  b2: number;
  eps: number;
}

/**
 * Elements [from, to) of one Adam step with bias corrections c1, c2, scaling c and decoupled decay (null: none):
 * m ← b1·m + (1 − b1)·g, v ← b2·v + (1 − b2)·g·g, θ ← θ + c·(m/c1/(√(v/c2) + ε) [+ λθ]). False (nothing done) when
 * WebAssembly is unavailable.
 */
export function adamStepWasm(p: FloatArray, g: FloatArray, m: Float64Array, v: Float64Array, from: number, to: number, h: AdamHyper, decay: number | null, c1: number, c2: number, c: number): boolean {
  const e = adamEngine();
  if (e === null) return false;
  const { b1, b2, eps } = h;
  for (let i = from; i < to; i += CHUNK) {
    const n = Math.min(CHUNK, to - i);
    e.p.set(p.subarray(i, i + n));
    e.g.set(g.subarray(i, i + n));
    e.m.set(m.subarray(i, i + n));
    e.v.set(v.subarray(i, i + n));
    e.ex.adam(n, b1, 1 - b1, b2, 1 - b2, eps, c1, c2, c, decay ?? 0, decay === null ? 0 : 1);
    p.set(n === CHUNK ? e.p : e.p.subarray(0, n), i);
    m.set(n === CHUNK ? e.m : e.m.subarray(0, n), i);
    v.set(n === CHUNK ? e.v : e.v.subarray(0, n), i);
  }
  return true;
}

/**
 * Bulk fills for `Rng` (./random.ts) on the generator's state copied into an Int32Array: xoroshiro128+ as pure-rand 8
 * implements it on 32-bit words (state [s01, s00, s11, s10], the hi/lo halves of the two 64-bit words; output the low
 * word of s0 + s1; Blackman & Vigna 2018, "Scrambled linear pseudorandom number generators"), with the uniform and
 * the Marsaglia polar sampler of `Rng.uniform` / `Rng.normal` applied to its outputs in the same order. The result
 * is the same numbers and the same final state as a loop of `Rng.normal()` calls (test/core/random.test.ts checks
 * both against pure-rand's own generator); the gain, about 1.7× per normal draw, is the state in local variables
 * instead of a method call on the generator object per 32 bits. Where WebAssembly is available the same loops run in
 * ./wasm/random.wat (64-bit generator words, fdlibm's logarithm inlined), again the same numbers bit for bit
 * (test/core/randomWasm.test.ts); the TypeScript loops stay as the fallback and the reference.
 */
import { instantiateOwn } from './wasm/load.ts';
import { RANDOM_WASM_BASE64 } from './wasm/randomModule.ts';

/** The generator's four 32-bit words in pure-rand's order (getState / xoroshiro128plusFromState). */
export type XoroshiroState = Int32Array;

const SCALE26 = 1.4901161193847656e-8; // 2^-26
const SCALE53 = 1.1102230246251565e-16; // 2^-53

/** One xoroshiro128+ step on `st` in place; returns the 32-bit output (pure-rand's `next`). */
export function xoroshiroNext(st: XoroshiroState): number {
  const s01 = st[0];
  const s00 = st[1];
  const s11 = st[2];
  const s10 = st[3];
  const a0 = s10 ^ s00;
  const a1 = s11 ^ s01;
  st[0] = (s01 << 24) ^ (s00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
  st[1] = (s00 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16);
  st[2] = (a0 << 5) ^ (a1 >>> 27);
  st[3] = (a1 << 5) ^ (a0 >>> 27);
  return (s00 + s10) | 0;
}

/**
 * out[i] = mean + std·z for i ≥ start, z from the polar method in pairs (u·m, v·m); `st` is advanced in place.
 * Returns the spare v·m when the last pair was only half used (`Rng.normal`'s spare), else null.
 * The generator step is written out four times so that its state stays in local variables: through
 * `xoroshiroNext` on the Int32Array a draw cost 30 ns against 23 ns here (and 43 ns for `Rng.normal` per draw),
 * measured on this project's 2-core machine.
 */
export function fillNormalFromStateJs(st: XoroshiroState, out: Float64Array | Float32Array, start: number, std: number, mean: number): number | null {
  let s01 = st[0];
  let s00 = st[1];
  let s11 = st[2];
  let s10 = st[3];
  let a0 = 0;
  let a1 = 0;
  let t0 = 0;
  const n = out.length;
  let i = start;
  let spare: number | null = null;
  while (i < n) {
    // step 1 → the high 26 bits of u's uniform (see xoroshiroNext for the step)
    const ua = (s00 + s10) & 0x3ffffff;
    a0 = s10 ^ s00; a1 = s11 ^ s01; t0 = s00;
    s00 = (t0 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16); s01 = (s01 << 24) ^ (t0 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
    s10 = (a1 << 5) ^ (a0 >>> 27); s11 = (a0 << 5) ^ (a1 >>> 27);
    // step 2 → its low 27 bits
    const ub = (s00 + s10) & 0x7ffffff;
    a0 = s10 ^ s00; a1 = s11 ^ s01; t0 = s00;
    s00 = (t0 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16); s01 = (s01 << 24) ^ (t0 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
    s10 = (a1 << 5) ^ (a0 >>> 27); s11 = (a0 << 5) ^ (a1 >>> 27);
    // steps 3, 4 → v's
    const va = (s00 + s10) & 0x3ffffff;
    a0 = s10 ^ s00; a1 = s11 ^ s01; t0 = s00;
    s00 = (t0 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16); s01 = (s01 << 24) ^ (t0 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
    s10 = (a1 << 5) ^ (a0 >>> 27); s11 = (a0 << 5) ^ (a1 >>> 27);
    const vb = (s00 + s10) & 0x7ffffff;
    a0 = s10 ^ s00; a1 = s11 ^ s01; t0 = s00;
    s00 = (t0 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16); s01 = (s01 << 24) ^ (t0 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
    s10 = (a1 << 5) ^ (a0 >>> 27); s11 = (a0 << 5) ^ (a1 >>> 27);
    const u = 2 * (ua * SCALE26 + ub * SCALE53) - 1;
    const v = 2 * (va * SCALE26 + vb * SCALE53) - 1;
    const s = u * u + v * v;
    if (!(s > 0 && s < 1)) continue;
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    out[i++] = mean + std * (u * m);
    if (i === n) {
      spare = v * m;
      break;
    }
    out[i++] = mean + std * (v * m);
  }
  st[0] = s01;
  st[1] = s00;
  st[2] = s11;
  st[3] = s10;
  return spare;
}

/** out[i] = lo + (hi − lo)·U, U from two outputs, 26 + 27 bits (`Rng.uniform`); `st` is advanced in place. */
export function fillUniformFromStateJs(st: XoroshiroState, out: Float64Array | Float32Array, lo: number, hi: number): void {
  for (let i = 0; i < out.length; i++) {
    const a = xoroshiroNext(st) & 0x3ffffff;
    const b = xoroshiroNext(st) & 0x7ffffff;
    out[i] = lo + (hi - lo) * (a * SCALE26 + b * SCALE53);
  }
}

interface RandomExports {
  memory: WebAssembly.Memory;
  fill_normal(n: number, std: number, mean: number): number;
  fill_uniform(n: number, lo: number, hi: number): void;
}

/** Draws per call of the module: its buffer holds 8192 float64 from byte 64 (random.wat). */
const CHUNK = 8192;
const DRAWS_AT = 64;

interface RandomEngine {
  ex: RandomExports;
  /** the generator words (i32 0–3), the spare (f64 2) */
  words: Int32Array;
  f64: Float64Array;
  draws: Float64Array;
}

let engine: RandomEngine | null | undefined;

/** The module, instantiated on first use (2 KB, under every browser's synchronous-compile limit); null without WebAssembly. */
function randomEngine(): RandomEngine | null {
  if (engine !== undefined) return engine;
  const ex = instantiateOwn<RandomExports>(RANDOM_WASM_BASE64);
  if (ex === null) {
    engine = null;
    return null;
  }
  const buf = ex.memory.buffer; // fixed size: the module never grows its memory, so these views stay valid
  engine = { ex, words: new Int32Array(buf, 0, 4), f64: new Float64Array(buf, 0, 3), draws: new Float64Array(buf, DRAWS_AT, CHUNK) };
  return engine;
}

/** pure-rand's words [s01, s00, s11, s10] (high, low of s0; high, low of s1) as two little-endian 64-bit words. */
function loadState(e: RandomEngine, st: XoroshiroState): void {
  e.words[0] = st[1];
  e.words[1] = st[0];
  e.words[2] = st[3];
  e.words[3] = st[2];
}

function storeState(e: RandomEngine, st: XoroshiroState): void {
  st[0] = e.words[1];
  st[1] = e.words[0];
  st[2] = e.words[3];
  st[3] = e.words[2];
}

/**
 * `fillNormalFromStateJs`'s numbers, state and spare, computed in ./wasm/random.wat where it is available. CHUNK is
 * even, so every chunk but the last ends on a whole pair, as the loop's pairs do; only the last can leave a spare.
 */
export function fillNormalFromState(st: XoroshiroState, out: Float64Array | Float32Array, start: number, std: number, mean: number): number | null {
  const e = randomEngine();
  if (e === null) return fillNormalFromStateJs(st, out, start, std, mean);
  loadState(e, st);
  let spare: number | null = null;
  for (let i = start; i < out.length; i += CHUNK) {
    const c = Math.min(CHUNK, out.length - i);
    if (e.ex.fill_normal(c, std, mean) === 1) spare = e.f64[2];
    out.set(c === CHUNK ? e.draws : e.draws.subarray(0, c), i);
  }
  storeState(e, st);
  return spare;
}

/** `fillUniformFromStateJs`'s numbers and state, computed in ./wasm/random.wat where it is available. */
export function fillUniformFromState(st: XoroshiroState, out: Float64Array | Float32Array, lo: number, hi: number): void {
  const e = randomEngine();
  if (e === null) {
    fillUniformFromStateJs(st, out, lo, hi);
    return;
  }
  loadState(e, st);
  for (let i = 0; i < out.length; i += CHUNK) {
    const c = Math.min(CHUNK, out.length - i);
    e.ex.fill_uniform(c, lo, hi);
    out.set(c === CHUNK ? e.draws : e.draws.subarray(0, c), i);
  }
  storeState(e, st);
}

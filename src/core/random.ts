/**
 * Seeded, splittable random streams.
 *
 * The generator is xoroshiro128+ from `pure-rand` (mutable, fast). Streams are split by *key*, not by
 * call order: `Rng.fromSeed(seed, 'run', 3).child('init')` is a deterministic function of
 * (seed, keys), so adding a new consumer never shifts the numbers another consumer sees. Keys are
 * mixed into the 128-bit state with a splitmix-style 32-bit hash (Steele, Lea & Flood 2014 style
 * finalizer; constants from MurmurHash3's fmix32), so nearby seeds give unrelated streams.
 *
 * Same seed and keys give bit-identical output on any JS engine (only 32-bit integer ops and exact
 * double arithmetic are used; Math.log/sqrt/cos in the Gaussian sampler are the only
 * engine-dependent parts, and V8 is the same in Node and Chromium).
 */
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { fillNormalFromState, fillUniformFromState, type XoroshiroState } from './randomFill.ts';

type Key = string | number;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

function hashKey(h: number, key: Key): number {
  const s = typeof key === 'number' ? `#${key}` : key;
  for (let i = 0; i < s.length; i++) h = fmix32(h ^ Math.imul(s.charCodeAt(i), 0x9e3779b1));
  return fmix32(h ^ s.length);
}

interface Generator {
  next(): number;
  jump(): void;
  getState(): readonly number[];
}

const SCALE26 = 1.4901161193847656e-8; // 2^-26
const SCALE53 = 1.1102230246251565e-16; // 2^-53
/** Below this many draws a fill calls the generator per draw (copying the state out and back costs ~2 allocations). */
const BULK_MIN = 16;

export class Rng {
  private gen: Generator;
  private spare: number | null = null;
  /** The words this stream was derived from (for provenance and `child`). */
  private readonly words: readonly number[];

  private constructor(words: readonly number[]) {
    this.words = words;
    let s = words.slice(0, 4);
    if ((s[0] | s[1] | s[2] | s[3]) === 0) s = [1, 0, 0, 0]; // xoroshiro forbids the all-zero state
    this.gen = xoroshiro128plusFromState(s) as unknown as Generator;
  }

  /** A stream determined by an integer seed and an optional key path. */
  static fromSeed(seed: number, ...keys: Key[]): Rng {
    if (!Number.isFinite(seed)) throw new Error(`seed: expected a finite number, got ${seed}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    let words = mix([fmix32(lo ^ 0x243f6a88), fmix32(hi ^ 0x85a308d3), fmix32(lo ^ 0x13198a2e), fmix32(hi ^ 0x03707344)], 'seed');
    for (const k of keys) words = mix(words, k);
    return new Rng(words);
  }

  /** An independent stream derived from this stream's origin and `keys` (not from its position). */
  child(...keys: Key[]): Rng {
    let words = this.words.slice();
    for (const k of keys) words = mix(words, k);
    return new Rng(words);
  }

  /** Raw 32-bit signed integer. */
  nextInt32(): number {
    return this.gen.next();
  }

  /** Uniform in [0, 1), 53 random bits. */
  uniform(): number {
    const a = this.gen.next() & 0x3ffffff;
    const b = this.gen.next() & 0x7ffffff;
    return a * SCALE26 + b * SCALE53;
  }

  /** Uniform integer in [0, n). Unbiased (rejection). */
  int(n: number): number {
    if (!(n >= 1 && n <= 2 ** 31)) throw new Error(`int(n): expected 1 <= n <= 2^31, got ${n}`);
    const limit = Math.floor(4294967296 / n) * n;
    for (;;) {
      const x = this.gen.next() >>> 0;
      if (x < limit) return x % n;
    }
  }

  /** Standard normal via the Marsaglia polar method (exact in distribution). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.spare = v * m;
        return u * m;
      }
    }
  }

  /**
   * Fill `out` with N(mean, std²) samples: the same numbers as `out[i] = mean + std * this.normal()` in a loop, and
   * the stream left where that loop leaves it (the polar method's spare included). Long fills run the generator on
   * local state (./randomFill.ts), about 1.7× as fast as a call per draw; initializing wide networks and explicit
   * random matrices is dominated by it.
   */
  fillNormal<T extends Float64Array | Float32Array>(out: T, std = 1, mean = 0): T {
    let start = 0;
    if (this.spare !== null && out.length > 0) {
      out[0] = mean + std * this.spare;
      this.spare = null;
      start = 1;
    }
    if (out.length - start < BULK_MIN) {
      for (let i = start; i < out.length; i++) out[i] = mean + std * this.normal();
      return out;
    }
    const st = this.state();
    this.spare = fillNormalFromState(st, out, start, std, mean);
    this.setState(st);
    return out;
  }

  /** Fill `out` with U[lo, hi) samples: the numbers of `out[i] = lo + (hi - lo) * this.uniform()` in a loop. */
  fillUniform<T extends Float64Array | Float32Array>(out: T, lo = 0, hi = 1): T {
    if (out.length < BULK_MIN) {
      for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * this.uniform();
      return out;
    }
    const st = this.state();
    fillUniformFromState(st, out, lo, hi);
    this.setState(st);
    return out;
  }

  private state(): XoroshiroState {
    return Int32Array.from(this.gen.getState());
  }

  private setState(st: XoroshiroState): void {
    this.gen = xoroshiro128plusFromState(Array.from(st)) as unknown as Generator;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

/**
 * Fold a key into the 128-bit state. A carry chain runs through the four words and a second pass
 * feeds the last word back, so every output word depends on every input word and on the key (the
 * generator's first output, words[1] + words[3], must depend on the whole seed).
 */
function mix(words: readonly number[], key: Key): number[] {
  let carry = hashKey(0x9e3779b9, key);
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    carry = fmix32(words[i] ^ carry ^ Math.imul(i + 1, 0x85ebca6b));
    out.push(carry);
  }
  for (let i = 0; i < 4; i++) out[i] = fmix32(out[i] ^ Math.imul(out[(i + 3) % 4], 0x27d4eb2f) ^ i);
  return out;
}

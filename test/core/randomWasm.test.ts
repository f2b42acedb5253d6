import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { fillNormalFromState, fillNormalFromStateJs, fillUniformFromState, fillUniformFromStateJs } from '../../src/core/randomFill.ts';
import { instantiateOwn } from '../../src/core/wasm/load.ts';
import { RANDOM_WASM_BASE64 } from '../../src/core/wasm/randomModule.ts';
import { sameBits } from '../fixtures/bits.ts';

function stateOf(seed: number, ...keys: (string | number)[]): Int32Array {
  const r = Rng.fromSeed(seed, ...keys);
  return Int32Array.from([r.nextInt32(), r.nextInt32(), r.nextInt32(), r.nextInt32()]);
}

/** The module's two logarithms (fdlibm's, as V8's Math.log): `log` with its branches, `log_positive` without. */
const logs = instantiateOwn<{ log(x: number): number; log_positive(x: number): number }>(RANDOM_WASM_BASE64);

describe('random.wat', () => {
  it('is available on Node (the fallback is the TypeScript loop)', () => {
    expect(logs).not.toBeNull();
  });

  it("log and log_positive are V8's Math.log bit for bit: uniform doubles, random bit patterns, subnormals, 1 ± tiny, the special values", () => {
    if (logs === null) return;
    const rng = Rng.fromSeed(11, 'log');
    const bits = new Float64Array(1);
    const words = new Int32Array(bits.buffer);
    const xs: number[] = [0, -0, -1, 1, 2, 0.5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, 1 + 2 ** -52, 1 - 2 ** -53];
    for (let i = 0; i < 200_000; i++) {
      xs.push(rng.uniform(), rng.uniform() * 1e-310, 1 + (rng.uniform() - 0.5) * 2 ** -18, rng.uniform() * 1e300);
      words[0] = rng.nextInt32();
      words[1] = rng.nextInt32();
      xs.push(bits[0]);
    }
    // the branches of fdlibm's log: |f| < 2^-20 (with and without k), the two signs of (i | j), k = 0 and k ≠ 0 all occur
    expect(xs.filter((x) => !Object.is(logs.log(x), Math.log(x)))).toEqual([]);
    expect(xs.filter((x) => !Object.is(logs.log_positive(x), Math.log(x)))).toEqual([]);
  });

  it('fills the TypeScript loop’s normals, state and spare bit for bit across chunk edges, starts, float32 and scalings', () => {
    for (const n of [16, 17, 1000, 8191, 8192, 8193, 16384, 16385, 3 * 8192 + 1]) {
      for (const start of [0, 1, 7]) {
        for (const [std, mean] of [[1, 0], [0.37, -2]] as const) {
          for (const make of [(k: number) => new Float64Array(k), (k: number) => new Float32Array(k)]) {
            const s1 = stateOf(5, n, start, std);
            const s2 = Int32Array.from(s1);
            const a = make(n);
            const b = make(n);
            const spareA = fillNormalFromState(s1, a, start, std, mean);
            const spareB = fillNormalFromStateJs(s2, b, start, std, mean);
            expect(sameBits(a, b)).toBe(true);
            expect(Array.from(s1)).toEqual(Array.from(s2));
            expect(Object.is(spareA, spareB)).toBe(true);
          }
        }
      }
    }
  });

  it('fills the TypeScript loop’s uniforms and state bit for bit', () => {
    for (const n of [16, 8191, 8192, 8193, 20000]) {
      for (const make of [(k: number) => new Float64Array(k), (k: number) => new Float32Array(k)]) {
        const s1 = stateOf(9, n);
        const s2 = Int32Array.from(s1);
        const a = make(n);
        const b = make(n);
        fillUniformFromState(s1, a, -1, 3);
        fillUniformFromStateJs(s2, b, -1, 3);
        expect(sameBits(a, b)).toBe(true);
        expect(Array.from(s1)).toEqual(Array.from(s2));
      }
    }
  });
});

import { describe, expect, it } from 'vitest';
import { createWasmKernels } from '../../src/core/kernelsWasm.ts';
import type { FloatArray } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';

/**
 * The exact arithmetic of gemm.wat's kernel: each C entry is a sum over p in order from +0, every product and
 * sum rounded to the operands' precision (f64x2 lanes, or f32x4 lanes: Math.fround after each operation, no
 * fused multiply-add), then added once to C when accumulating (float32: the sum of two floats, rounded once).
 * Packing, transposes and copy-back must not change a bit of it, whatever the layout and padding.
 */
function kernelOrder(tA: boolean, tB: boolean, m: number, n: number, k: number, a: FloatArray, b: FloatArray, c0: FloatArray, acc: boolean, single: boolean): Float64Array {
  const r = single ? Math.fround : (x: number) => x;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s = r(s + r((tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j])));
      out[i * n + j] = acc ? c0[i * n + j] + s : s;
    }
  return out;
}

describe('wasm-simd gemm', () => {
  const K = createWasmKernels();
  it.skipIf(K === null)('gives the bits of its kernel order for every transpose, padding, dtype mix and accumulate mode', () => {
    const k = K as NonNullable<typeof K>;
    const rng = Rng.fromSeed(17, 'wasm-bits');
    const f64 = (len: number) => rng.fillNormal(new Float64Array(len));
    const f32 = (len: number) => rng.fillNormal(new Float32Array(len));
    // all above SMALL_WORK (2048 multiply-adds, below it the TypeScript kernel runs); m, n off the 4 / 8 blocks
    const shapes = [
      [17, 9, 33],
      [64, 32, 32],
      [37, 70, 19],
      [5, 3, 200],
      [3, 13, 61],
    ];
    // [A, B, C] element types: all float64, all float32 (the f32x4 kernel), and mixed (the f64 kernel on widened copies)
    const mixes = [
      [f64, f64, f64],
      [f32, f32, f32],
      [f32, f32, f64],
      [f64, f32, f32],
    ] as const;
    let checked = 0;
    for (const [m, n, kk] of shapes)
      for (const [makeA, makeB, makeC] of mixes)
        for (const tA of [false, true])
          for (const tB of [false, true])
            for (const acc of [false, true]) {
              const a = makeA(m * kk);
              const b = makeB(kk * n);
              const c0 = makeC(m * n);
              const c = c0.slice();
              const single = a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array;
              k.gemm(tA, tB, m, n, kk, a, b, c, acc);
              const want = kernelOrder(tA, tB, m, n, kk, a, b, c0, acc, single);
              // C's own type rounds the wanted value as a store into it would
              const stored = c instanceof Float32Array ? Float32Array.from(want) : want;
              for (let i = 0; i < m * n; i++) {
                if (!Object.is(c[i], stored[i])) throw new Error(`m=${m} n=${n} k=${kk} tA=${tA} tB=${tB} acc=${acc} single=${single}: C[${i}] = ${c[i]}, want ${stored[i]}`);
              }
              checked++;
            }
    expect(checked).toBe(shapes.length * mixes.length * 8);
  });

  it.skipIf(K === null)('leaves C past m·n and the operands untouched', () => {
    const k = K as NonNullable<typeof K>;
    const rng = Rng.fromSeed(18, 'wasm-bounds');
    const a = rng.fillNormal(new Float64Array(20 * 30));
    const b = rng.fillNormal(new Float64Array(30 * 10));
    const [a0, b0] = [a.slice(), b.slice()];
    const c = new Float64Array(20 * 10 + 5).fill(7);
    k.gemm(false, true, 20, 10, 30, a, b, c, true);
    expect(Array.from(c.subarray(200))).toEqual([7, 7, 7, 7, 7]);
    expect(a).toEqual(a0);
    expect(b).toEqual(b0);
  });
});

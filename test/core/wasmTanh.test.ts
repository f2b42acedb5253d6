import { describe, expect, it } from 'vitest';
import { createWasmKernels } from '../../src/core/kernelsWasm.ts';
import { Rng } from '../../src/core/random.ts';
import { GEMM_WASM_BASE64 } from '../../src/core/wasm/gemmModule.ts';
import { instantiateOwn } from '../../src/core/wasm/load.ts';
import { sameBits } from '../fixtures/bits.ts';
import { mixedDoubles } from '../fixtures/doubles.ts';

interface MathExports {
  expm1(x: number): number;
  tanh(x: number): number;
}

const ex = instantiateOwn<MathExports>(GEMM_WASM_BASE64) as MathExports;

/** Inputs that reach every branch of fdlibm's expm1 and tanh: each reduction (|x| ≤ ln2/2, < 1.5 ln2, beyond), every k case, the thresholds, specials. */
function inputs(): number[] {
  return mixedDoubles(Rng.fromSeed(3, 'tanh inputs'), [0, -0, 1, -1, 22, -22, 0.5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 5e-324, -5e-324, 709.78, 709.7827128933841, -745, 38.8, -38.9, 2 ** -28, -(2 ** -29), 2 ** -54, 0.34657359027997264, 1.0397207708399179], [8, 50, 1500, 2 ** -20, 2 ** -50], 100_000);
}

describe('WebAssembly expm1 and tanh (gemm.wat)', () => {
  const xs = inputs();

  it("expm1 is V8's Math.expm1 bit for bit", () => {
    expect(xs.filter((x) => !Object.is(ex.expm1(x), Math.expm1(x)))).toEqual([]);
  });

  it("tanh is V8's Math.tanh bit for bit", () => {
    expect(xs.filter((x) => !Object.is(ex.tanh(x), Math.tanh(x)))).toEqual([]);
  });

  it('the kernels’ tanh is Math.tanh elementwise, float64 and float32 (rounded as a Float32Array store), in place too', () => {
    const k = createWasmKernels({ threads: 1 });
    expect(k?.tanh).toBeDefined();
    if (!k?.tanh) return;
    const rng = Rng.fromSeed(4, 'tanh arrays');
    // moderate activations (the two-lane path throughout: every k of expm1's scaling from −3 to 64), then the mixed
    // inputs above (lanes outside its range go to the scalar function), at lengths around the cut-offs, odd and even
    const moderate = Array.from({ length: 60_000 }, (_, i) => (rng.uniform() - 0.5) * (i % 2 === 0 ? 8 : 44));
    for (const source of [moderate, xs]) {
      for (const n of [1, 7, 8, 9, 31, 1000, 50_001]) {
        const x64 = Float64Array.from(source.slice(0, n));
        const y64 = new Float64Array(n);
        k.tanh(x64, y64);
        expect(sameBits(y64, x64.map(Math.tanh))).toBe(true);
        const x32 = Float32Array.from(source.slice(0, n));
        const y32 = new Float32Array(n);
        k.tanh(x32, y32);
        expect(sameBits(y32, x32.map(Math.tanh))).toBe(true);
        k.tanh(x32, x32);
        expect(sameBits(x32, y32)).toBe(true);
      }
    }
  });
});

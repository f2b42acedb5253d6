import { describe, expect, it } from 'vitest';
import { causalSoftmaxRows } from '../../src/core/attention.ts';
import { createWasmKernels } from '../../src/core/kernelsWasm.ts';
import { Rng } from '../../src/core/random.ts';
import { GEMM_WASM_BASE64 } from '../../src/core/wasm/gemmModule.ts';
import { instantiateOwn } from '../../src/core/wasm/load.ts';
import { sameBits } from '../fixtures/bits.ts';
import { mixedDoubles } from '../fixtures/doubles.ts';

const ex = instantiateOwn<{ exp(x: number): number }>(GEMM_WASM_BASE64) as { exp(x: number): number };

/**
 * Inputs that reach every branch of fdlibm's exp: no reduction (|x| ≤ ln2/2), k = ±1 (< 1.5 ln2) and x = 1, the general
 * reduction, the scalings (k ≥ −1021, k = 1024, k < −1021: subnormal results), the thresholds, |x| < 2^-28, specials,
 * and random bit patterns.
 */
function inputs(): number[] {
  return mixedDoubles(Rng.fromSeed(5, 'exp inputs'), [0, -0, 1, -1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 5e-324, -5e-324, 709.7827128933841, 709.782712893384, 709.78, 709.44, 709.43, -745.1332191019411, -745.14, -708.4, -707.7, 704, -704, 2 ** -28, -(2 ** -28), 2 ** -29, 0.34657359027997264, 0.3465735902799727, 1.0397207708399179, -1.0397207708399179], [4, 40, 1500, 2 ** -20, 2 ** -27], 100_000);
}

describe('WebAssembly exp (gemm.wat)', () => {
  const xs = inputs();

  it("exp is V8's Math.exp bit for bit", () => {
    expect(xs.filter((x) => !Object.is(ex.exp(x), Math.exp(x)))).toEqual([]);
  });

  it('the kernels’ exp is Math.exp elementwise (two-lane path and scalar lanes), at lengths around the cut-off, in place too', () => {
    const k = createWasmKernels({ threads: 1 });
    expect(k?.exp).toBeDefined();
    if (!k?.exp) return;
    const rng = Rng.fromSeed(6, 'exp arrays');
    // softmax-like arguments (x ≤ 0, the two-lane path throughout), moderate ones of both signs, then the mixed inputs
    const shifted = Array.from({ length: 60_000 }, (_, i) => -rng.uniform() * (i % 2 === 0 ? 12 : 700));
    const moderate = Array.from({ length: 60_000 }, () => (rng.uniform() - 0.5) * 80);
    for (const source of [shifted, moderate, xs]) {
      for (const n of [1, 7, 31, 32, 33, 1000, 50_001]) {
        const x = Float64Array.from(source.slice(0, n));
        const y = new Float64Array(n);
        k.exp(x, y);
        expect(sameBits(y, x.map(Math.exp))).toBe(true);
        k.exp(x, x);
        expect(sameBits(x, y)).toBe(true);
      }
    }
  });

  it('causalSoftmaxRows equals the per-row loop of Math.exp (float64 and float32 rows)', () => {
    const rng = Rng.fromSeed(7, 'causal softmax rows');
    for (const T of [1, 5, 16]) {
      const rows = 3 * T;
      const s64 = Float64Array.from({ length: rows * T }, () => (rng.uniform() - 0.5) * 20);
      for (const s of [s64, Float32Array.from(s64)]) {
        const p = s instanceof Float32Array ? new Float32Array(s.length) : new Float64Array(s.length);
        causalSoftmaxRows(s, p, T);
        const want = p.slice().fill(0);
        for (let r = 0; r < rows; r++) {
          const len = (r % T) + 1;
          const o = r * T;
          const mx = Math.max(...s.subarray(o, o + len));
          let z = 0;
          for (let j = 0; j < len; j++) {
            want[o + j] = Math.exp(s[o + j] - mx);
            z += Math.exp(s[o + j] - mx);
          }
          for (let j = 0; j < len; j++) want[o + j] /= z;
        }
        expect(sameBits(p, want)).toBe(true);
      }
    }
  });
});

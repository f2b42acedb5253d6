import { describe, expect, it } from 'vitest';
import { KERNEL_BACKENDS } from '../../src/core/kernels.ts';
import type { FloatArray } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';

/** Dense reference product in float64 with the same transpose conventions. */
function reference(tA: boolean, tB: boolean, m: number, n: number, k: number, a: FloatArray, b: FloatArray): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  return c;
}

describe.each(Object.keys(KERNEL_BACKENDS))('gemm backend %s', (name) => {
  const K = KERNEL_BACKENDS[name]();
  it.skipIf(K === null)('matches the dense reference for every transpose, shape and accumulate mode', () => {
    const k = K as NonNullable<typeof K>;
    const rng = Rng.fromSeed(3, name);
    for (const [m, n, kk] of [
      [1, 1, 1],
      [3, 5, 7],
      [4, 4, 4],
      [17, 9, 33],
      [64, 32, 32],
      [37, 70, 19],
    ])
      for (const tA of [false, true])
        for (const tB of [false, true])
          for (const acc of [false, true])
            for (const dtype of ['f64', 'f32'] as const) {
              const make = (len: number) => (dtype === 'f64' ? rng.fillNormal(new Float64Array(len)) : rng.fillNormal(new Float32Array(len)));
              const a = make(m * kk);
              const b = make(kk * n);
              const c0 = make(m * n);
              const c = c0.slice();
              k.gemm(tA, tB, m, n, kk, a, b, c, acc);
              const ref = reference(tA, tB, m, n, kk, a, b);
              // float64: sums of kk products differ only by rounding order (≲ kk·ε·Σ|aᵢbᵢ|);
              // float32 stores round to 2^-24 relative and f32 SIMD accumulates in single precision.
              const tol = dtype === 'f64' ? 1e-13 * kk : 2e-6 * kk;
              for (let i = 0; i < m * n; i++) expect(Math.abs(c[i] - (ref[i] + (acc ? c0[i] : 0)))).toBeLessThanOrEqual(tol * (1 + Math.abs(ref[i])));
            }
  });
});

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { geluTable } from '../../src/core/fused.ts';
import { KERNEL_BACKENDS, kernels, setKernels } from '../../src/core/kernels.ts';
import type { FloatArray } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';
import { erf, INV_SQRT_2PI } from '../../src/core/special.ts';
import { installBestKernels, loadNativeKernels, NATIVE_ADDON_PATH } from '../../src/run/nativeKernels.ts';

/** Dense reference product in float64 with the same transpose conventions (as test/core/kernels.test.ts). */
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

const loaded = loadNativeKernels({ threads: 2 });
const native = loaded.kernels;
const skipReason = native ? '' : `native backend unavailable (${loaded.reason}); build it with node scripts/build-native.mjs`;
if (!native) console.warn(`kernels.native.test.ts skipped: ${skipReason}`);

type DT = 'f64' | 'f32';
const make = (rng: Rng, dtype: DT, len: number): FloatArray => (dtype === 'f64' ? rng.fillNormal(new Float64Array(len)) : rng.fillNormal(new Float32Array(len)));

/** Check every transpose, accumulate mode and dtype of one shape against the reference. */
function checkShape(m: number, n: number, kk: number, seed: number): void {
  const k = native as NonNullable<typeof native>;
  const rng = Rng.fromSeed(seed, 'native', m, n, kk);
  for (const tA of [false, true])
    for (const tB of [false, true])
      for (const acc of [false, true])
        for (const dtype of ['f64', 'f32'] as const) {
          const a = make(rng, dtype, m * kk);
          const b = make(rng, dtype, kk * n);
          const c0 = make(rng, dtype, m * n);
          const c = c0.slice();
          k.gemm(tA, tB, m, n, kk, a, b, c, acc);
          const ref = reference(tA, tB, m, n, kk, a, b);
          // float64: the sums differ from the reference only by rounding order and FMA (≲ kk·ε·Σ|aᵢbᵢ|);
          // float32: the kernel accumulates in single precision (ε = 2^-24 per step, kk steps).
          const tol = dtype === 'f64' ? 1e-13 * kk : 2e-6 * kk;
          let worst = 0;
          for (let i = 0; i < m * n; i++) worst = Math.max(worst, Math.abs(c[i] - (ref[i] + (acc ? c0[i] : 0))) / (1 + Math.abs(ref[i])));
          expect(worst, `${dtype} tA=${tA} tB=${tB} acc=${acc} ${m}×${n}×${kk}`).toBeLessThanOrEqual(tol);
        }
}

describe.skipIf(!native)(`native gemm (${native ? native.info.kernel : skipReason})`, () => {
  it('matches the dense reference for every transpose, small shape and accumulate mode', () => {
    // shapes around the register block (12 rows × 16/32 columns on AVX-512, 6 × 8/16 on AVX2) and the 512-work cutoff
    for (const [m, n, kk] of [
      [1, 1, 1],
      [3, 5, 7],
      [4, 4, 4],
      [17, 9, 33],
      [64, 32, 32],
      [37, 70, 19],
      [12, 16, 1],
      [13, 33, 5],
      [1, 100, 40],
      [100, 1, 40],
      [7, 3, 30],
      [2, 17, 20],
    ])
      checkShape(m, n, kk, 1);
  });

  it('matches the reference on large shapes that take the threaded path and several cache blocks', () => {
    // 2·300·257·129 ≈ 20 MFLOP is above the 2 MFLOP threading cutoff; k = 1100 spans three f64 KC blocks
    // (KC = 512) and two f32 ones (KC = 1024)
    checkShape(300, 257, 129, 2);
    checkShape(50, 40, 1100, 3);
  });

  it('gives bit-identical results on 1 and 2 threads (rounding does not depend on the split)', () => {
    const k = native as NonNullable<typeof native>;
    const rng = Rng.fromSeed(4, 'threads');
    for (const dtype of ['f64', 'f32'] as const)
      for (const [m, n, kk] of [
        [300, 257, 129],
        [513, 70, 1100],
      ]) {
        const a = make(rng, dtype, m * kk);
        const b = make(rng, dtype, kk * n);
        const one = dtype === 'f64' ? new Float64Array(m * n) : new Float32Array(m * n);
        const two = one.slice();
        k.threads = 1;
        k.gemm(false, true, m, n, kk, a, b, one, false);
        k.threads = 2;
        k.gemm(false, true, m, n, kk, a, b, two, false);
        expect(Array.from(two)).toEqual(Array.from(one));
      }
  });

  it('handles empty dimensions like the interface says', () => {
    const k = native as NonNullable<typeof native>;
    const c = new Float64Array([1, 2, 3, 4, 5, 6]);
    k.gemm(false, false, 2, 3, 0, new Float64Array(0), new Float64Array(0), c, true);
    expect(Array.from(c)).toEqual([1, 2, 3, 4, 5, 6]); // k = 0 with accumulate: C unchanged
    k.gemm(false, false, 2, 3, 0, new Float64Array(0), new Float64Array(0), c, false);
    expect(Array.from(c)).toEqual([0, 0, 0, 0, 0, 0]); // k = 0 without: C = 0
    const big = new Float64Array(200 * 200).fill(7);
    k.gemm(false, false, 200, 200, 0, new Float64Array(0), new Float64Array(0), big, false);
    expect(big.every((v) => v === 0)).toBe(true);
  });

  it('does not read C when not accumulating (NaN in C is overwritten)', () => {
    const k = native as NonNullable<typeof native>;
    const rng = Rng.fromSeed(5, 'nan');
    const a = rng.fillNormal(new Float64Array(40 * 30));
    const b = rng.fillNormal(new Float64Array(30 * 50));
    const c = new Float64Array(40 * 50).fill(Number.NaN);
    k.gemm(false, false, 40, 50, 30, a, b, c, false);
    expect(c.every(Number.isFinite)).toBe(true);
  });

  it('rejects operands that are too short or that alias the output, naming the field', () => {
    const k = native as NonNullable<typeof native>;
    const x = new Float64Array(100);
    expect(() => k.gemm(false, false, 10, 10, 10, x.subarray(0, 50), x, new Float64Array(100), false)).toThrow(/a has length 50, expected at least 100/);
    expect(() => k.gemm(false, false, 10, 10, 10, x, x, x, false)).toThrow(/c shares memory/);
  });

  it('loads and computes in worker threads too (a context-aware addon), two at once', async () => {
    // each worker multiplies all-ones 200×200 matrices with 2 threads: every entry of C is exactly 200
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const a = require(workerData.path);
      const n = 200, x = new Float64Array(n * n).fill(1), c = new Float64Array(n * n);
      for (let r = 0; r < 20; r++) a.gemm(false, r % 2 === 1, n, n, n, x, x, c, false, 2);
      parentPort.postMessage(c.every((v) => v === n));
    `;
    const run = () =>
      new Promise<boolean>((resolve, reject) => {
        const w = new Worker(code, { eval: true, workerData: { path: NATIVE_ADDON_PATH } });
        w.once('message', resolve);
        w.once('error', reject);
      });
    expect(await Promise.all([run(), run()])).toEqual([true, true]);
  });

  it('falls back to the portable loop for mixed float32/float64 operands', () => {
    const k = native as NonNullable<typeof native>;
    const a = Float32Array.from({ length: 6 * 5 }, (_, i) => i / 7);
    const b = Float64Array.from({ length: 5 * 4 }, (_, i) => 1 - i / 9);
    const c = new Float64Array(6 * 4);
    k.gemm(false, false, 6, 4, 5, a, b, c, false);
    const ref = reference(false, false, 6, 4, 5, a, b);
    for (let i = 0; i < c.length; i++) expect(c[i]).toBeCloseTo(ref[i], 12); // float64 sums of 5 terms
  });
});

describe('installBestKernels', () => {
  const saved = { env: process.env.LMECH_KERNELS, k: kernels() };
  afterEach(() => {
    if (saved.env === undefined) delete process.env.LMECH_KERNELS;
    else process.env.LMECH_KERNELS = saved.env;
    setKernels(saved.k);
  });

  it('respects LMECH_KERNELS and reports the native backend by availability', () => {
    process.env.LMECH_KERNELS = 'js';
    expect(installBestKernels().backend).toBe('js');
    expect(kernels().name).toBe('js');
    process.env.LMECH_KERNELS = 'nonsense';
    expect(() => installBestKernels()).toThrow(/LMECH_KERNELS: unknown backend 'nonsense'/);
    delete process.env.LMECH_KERNELS;
    const choice = installBestKernels();
    expect(choice.backend).toBe(native ? 'native' : kernels().name);
    expect(kernels().name).toBe(choice.backend);
    // once registered, 'native' is a backend name the core kernel tests and LMECH_KERNELS know
    expect('native' in KERNEL_BACKENDS).toBe(true);
    process.env.LMECH_KERNELS = 'native';
    if (native) expect(installBestKernels().backend).toBe('native');
    else expect(() => installBestKernels()).toThrow(/LMECH_KERNELS=native/);
    expect(NATIVE_ADDON_PATH).toMatch(/lmech_kernels\.node$/);
  });
});

describe.skipIf(!native)('native tanh (libmvec)', () => {
  const k = native as NonNullable<typeof native>;
  it('agrees with Math.tanh to a few ulp on every length and on the special values', () => {
    const rng = Rng.fromSeed(7, 'tanh');
    for (const n of [1, 7, 8, 9, 31, 32, 33, 100, 1000, 4097]) {
      const x = rng.fillNormal(new Float64Array(n), 3);
      const y = new Float64Array(n);
      k.tanh?.(x, y);
      for (let i = 0; i < n; i++) {
        const ref = Math.tanh(x[i]);
        // glibc documents ≤ 4 ulp for its vector tanh; 4 ulp of a value in (−1, 1) is ≤ 4·2⁻⁵² relative
        expect(Math.abs(y[i] - ref)).toBeLessThanOrEqual(4 * Number.EPSILON * Math.max(Math.abs(ref), 2 ** -1022));
      }
    }
    const special = new Float64Array([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1e-300, 40, -40, ...new Array(60).fill(0.5)]);
    const out = new Float64Array(special.length);
    k.tanh?.(special, out);
    // NaN must stay NaN so that a diverged run is seen as diverged
    expect(Number.isNaN(out[0])).toBe(true);
    expect([out[1], out[2], out[5], out[6], out[7]]).toEqual([1, -1, 1e-300, 1, -1]);
    expect(Object.is(out[3], 0)).toBe(true);
  });

  it('float32 arrays round the tanh to float32 within the float32 ulp', () => {
    const x = Rng.fromSeed(8, 'tanh32').fillNormal(new Float32Array(1000), 2);
    const y = new Float32Array(1000);
    k.tanh?.(x, y);
    // libmvec's tanhf: a few float32 ulp (2⁻²³ relative)
    for (let i = 0; i < x.length; i++) expect(Math.abs(y[i] - Math.tanh(x[i]))).toBeLessThanOrEqual(4 * 2 ** -23 * Math.abs(Math.tanh(x[i])) + 1e-45);
  });

  it('in place (y = x) gives the same result as a separate output', () => {
    const x = Rng.fromSeed(9, 'tanh-inplace').fillNormal(new Float64Array(257));
    const y = new Float64Array(257);
    k.tanh?.(x, y);
    k.tanh?.(x, x);
    expect(Array.from(x)).toEqual(Array.from(y));
  });
});

describe.skipIf(!native)('native GELU (libmvec erfc and exp)', () => {
  const k = native as NonNullable<typeof native>;
  /**
   * The native path against an independent Φ (below). The bound per
   * element, relative to |x·Φ| (y) or |Φ| + |x·φ| (d1, which cancels for x < 0): erfc's and exp's ≤ 4 ulp each,
   * the reference's few ulp, and the rounding of the argument −x/√2, which erfc's relative condition number
   * 2u·e^{−u²}/(√π erfc u) ≤ 2u² + 2 (u = −x/√2) amplifies in the left tail (and the oracle's own, the same):
   * 2(x² + 16)·2⁻⁵² relative. Plus 4 ulp of 1 in Φ absolute, times |x|: libmvec's vector erfc is accurate to a
   * few ulp of 1 in absolute terms where erfc is small, not relatively (1.5e-12 relative at u ≈ 2.9, an absolute
   * error of 1.2 ulp of 1 at u ≈ 2.3),
   * still far inside what the table loop's `normalCdf` carries there (1 − erf, 3e-8 relative at x = −4.2).
   */
  const bound = (x: number, scale: number) => 2 * (x * x + 16) * 2 ** -52 * scale + 4 * Math.abs(x) * 2 ** -52 + 1e-300;
  /**
   * Φ as an oracle independent of both paths: ½(1 + erf(x/√2)) by erf's series where 1 + erf does not cancel
   * (x > −1: 1 + erf ≥ 0.31), else ½·erfc(u), u = −x/√2, by its continued fraction run to convergence
   * (erfc u = e^{−u²}/√π · 1/(u + ½/(u + 1/(u + (3/2)/(u + …)))), Lentz's method). `normalCdf` is not the
   * oracle: it forms 1 − erf in the left tail and loses relative accuracy there.
   */
  const phi = (x: number): number => {
    if (x > -1) return 0.5 * (1 + erf(x * Math.SQRT1_2));
    const u = -x * Math.SQRT1_2;
    let [f, C, D] = [u, u, 0];
    for (let n = 1; n < 100000; n++) {
      D = 1 / (u + (n / 2) * D);
      C = u + n / 2 / C;
      f *= C * D;
      if (Math.abs(C * D - 1) < 1e-17) break;
    }
    return (0.5 * Math.exp(-u * u)) / Math.sqrt(Math.PI) / f;
  };
  it('y = x·Φ(x) and d1 = Φ + x·φ agree with an independent Φ within the derived bound, on every length', () => {
    const rng = Rng.fromSeed(17, 'gelu');
    for (const n of [1, 7, 8, 9, 63, 64, 65, 100, 1000, 4097]) {
      const x = rng.fillNormal(new Float64Array(n), 3);
      const [y, d1] = [new Float64Array(n), new Float64Array(n)];
      k.gelu?.(x, y, d1);
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const cdf = phi(v);
        const pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
        expect(Math.abs(y[i] - v * cdf)).toBeLessThanOrEqual(bound(v, Math.abs(v * cdf)));
        expect(Math.abs(d1[i] - (cdf + v * pdf))).toBeLessThanOrEqual(bound(v, cdf + Math.abs(v * pdf)));
      }
    }
  });

  it('without d1 gives the same y; NaN stays NaN, the tails are 0 and x; float32 rounds the double result', () => {
    const x = Rng.fromSeed(18, 'gelu-nod1').fillNormal(new Float64Array(300), 2);
    const [a, b, d] = [new Float64Array(300), new Float64Array(300), new Float64Array(300)];
    k.gelu?.(x, a, d);
    k.gelu?.(x, b, null);
    expect(Array.from(b)).toEqual(Array.from(a));
    const special = new Float64Array([Number.NaN, Number.POSITIVE_INFINITY, -40, 40, 0, ...new Array(70).fill(0.5)]);
    const [sy, sd] = [new Float64Array(special.length), new Float64Array(special.length)];
    k.gelu?.(special, sy, sd);
    expect(Number.isNaN(sy[0]) && Number.isNaN(sd[0])).toBe(true);
    expect([sy[1], sy[2], sy[3], sy[4]]).toEqual([Number.POSITIVE_INFINITY, -0, 40, 0]);
    expect([sd[2], sd[3], sd[4]]).toEqual([0, 1, 0.5]);
    const x32 = Float32Array.from(x);
    const [y32, d32, y64, d64] = [new Float32Array(300), new Float32Array(300), new Float64Array(300), new Float64Array(300)];
    k.gelu?.(x32, y32, d32);
    k.gelu?.(Float64Array.from(x32), y64, d64);
    for (let i = 0; i < 300; i++) {
      expect(y32[i]).toBe(Math.fround(y64[i]));
      expect(d32[i]).toBe(Math.fround(d64[i]));
    }
  });

  it('the addon rejects mixed element types, a short output and overlapping arrays, naming the field; the backend routes mixed types to TypeScript', () => {
    const raw = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as { gelu(x: FloatArray, y: FloatArray, d: FloatArray | null): void };
    expect(() => raw.gelu(new Float64Array(100), new Float32Array(100), null)).toThrow(/all be Float64Array or all Float32Array/);
    expect(() => raw.gelu(new Float64Array(100), new Float64Array(99), null)).toThrow(/y has length 99 .* expected at least 100/);
    const buf = new Float64Array(200);
    expect(() => raw.gelu(buf.subarray(0, 100), buf.subarray(50, 150), null)).toThrow(/must not overlap/);
    const x = Rng.fromSeed(19, 'gelu-mixed').fillNormal(new Float64Array(100));
    const [y, ref] = [new Float32Array(100), new Float32Array(100)];
    k.gelu?.(x, y, null);
    geluTable(x, ref, null);
    expect(Array.from(y)).toEqual(Array.from(ref));
  });
});

describe.skipIf(!native)('native symvLower and eigh on the native backend', () => {
  it('symvLower matches the dense symmetric product from the lower triangle', () => {
    const k = native as NonNullable<typeof native>;
    const rng = Rng.fromSeed(10, 'symv');
    for (const [n, s] of [
      [5, 0],
      [70, 3],
      [131, 64],
    ] as const) {
      const a = rng.fillNormal(new Float64Array(n * n));
      const v = rng.fillNormal(new Float64Array(n));
      const y = new Float64Array(n).fill(Number.NaN);
      k.symvLower?.(a, n, s, v, y);
      for (let i = s; i < n; i++) {
        let ref = 0;
        let mag = 0;
        for (let j = s; j < n; j++) {
          const aij = j <= i ? a[i * n + j] : a[j * n + i];
          ref += aij * v[j];
          mag += Math.abs(aij * v[j]);
        }
        // sums of n products in a different order: |error| ≤ n·ε·Σ|a_ij v_j|
        expect(Math.abs(y[i] - ref)).toBeLessThanOrEqual(n * Number.EPSILON * mag);
      }
    }
  });

  it('eigh with the native kernels reconstructs A = QΛQᵀ and Q is orthogonal (n = 150: blocked paths)', async () => {
    const { eigh } = await import('../../src/core/linalg.ts');
    const prev = setKernels(native as NonNullable<typeof native>);
    try {
      const n = 150;
      const rng = Rng.fromSeed(11, 'eigh-native');
      const a = rng.fillNormal(new Float64Array(n * n));
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
      const { values, vectors } = eigh({ rows: n, cols: n, data: a });
      const q = vectors.data;
      let norm = 0;
      for (const x of a) norm = Math.max(norm, Math.abs(x));
      let worst = 0;
      let orth = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let r = 0;
          let o = 0;
          for (let t = 0; t < n; t++) {
            r += q[i * n + t] * values[t] * q[j * n + t];
            o += q[t * n + i] * q[t * n + j];
          }
          worst = Math.max(worst, Math.abs(r - a[i * n + j]));
          orth = Math.max(orth, Math.abs(o - (i === j ? 1 : 0)));
        }
      // backward stability: ‖A − QΛQᵀ‖ ≈ c·n·ε·‖A‖ (GVL §8.3.6); c = 10 is generous for Householder + D&C
      expect(worst).toBeLessThanOrEqual(10 * n * Number.EPSILON * n * norm);
      expect(orth).toBeLessThanOrEqual(10 * n * Number.EPSILON);
    } finally {
      setKernels(prev);
    }
  });
});

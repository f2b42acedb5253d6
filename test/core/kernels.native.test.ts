import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { causalSoftmaxAdjointRows, causalSoftmaxRows } from '../../src/core/attention.ts';
import { geluTable } from '../../src/core/fused.ts';
import { jsKernels, KERNEL_BACKENDS, kernels, setKernels } from '../../src/core/kernels.ts';
import { symvLower } from '../../src/core/linalg/tridiagonal.ts';
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

describe.skipIf(!native)('native causal softmax', () => {
  const k = native as NonNullable<typeof native>;
  const EPS = 2 ** -52;
  /**
   * The oracle, independent of both paths (no maximum subtracted, no running sum): p_j = 1 / Σ_{i<len} e^{s_i − s_j}.
   * Bound (relative, per entry): each path rounds s_i − max (|s|·ε relative in its exponential), evaluates e^x within
   * 4 ulp (libmvec; V8's within 1), sums len positive terms (len·ε) and divides (ε); the oracle the same with
   * twice the argument. So (8 + 4·max|s| + 2·len)·ε, with max|s| ≤ 12 here: about 1e-13 for len = 128.
   */
  const oracle = (s: Float64Array, o: number, len: number, j: number): number => {
    let z = 0;
    for (let i = 0; i < len; i++) z += Math.exp(s[o + i] - s[o + j]);
    return 1 / z;
  };
  it('each row is the softmax of its causal prefix (the oracle within the derived bound), zeros after it', () => {
    const rng = Rng.fromSeed(23, 'causal-softmax');
    for (const T of [1, 3, 8, 9, 17, 128]) {
      const rows = 2 * T + 1;
      const s = rng.fillNormal(new Float64Array(rows * T), 4);
      for (let i = 0; i < s.length; i++) s[i] = Math.max(-12, Math.min(12, s[i]));
      const p = new Float64Array(rows * T).fill(Number.NaN);
      k.causalSoftmax?.(s, p, T);
      for (let r = 0; r < rows; r++) {
        const len = (r % T) + 1;
        for (let j = 0; j < T; j++) {
          const got = p[r * T + j];
          if (j >= len) expect(got).toBe(0);
          else expect(Math.abs(got - oracle(s, r * T, len, j))).toBeLessThanOrEqual((8 + 4 * 12 + 2 * len) * EPS * oracle(s, r * T, len, j));
        }
      }
    }
  });

  it('agrees with the TypeScript loop: float64 to the bound, float32 to one float ulp; −∞ gives 0 and NaN spreads over its row as there', () => {
    const T = 64;
    const s = Rng.fromSeed(24, 'causal-softmax-ts').fillNormal(new Float64Array(3 * T * T), 3);
    const maxAbs = s.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    s[5 * T + 2] = Number.NEGATIVE_INFINITY;
    s[70 * T + 1] = Number.NaN;
    const [a, b] = [new Float64Array(s.length), new Float64Array(s.length)];
    k.causalSoftmax?.(s, a, T);
    causalSoftmaxRows(s, b, T);
    expect(a[5 * T + 2]).toBe(0);
    for (let i = 0; i < s.length; i++) {
      if (Number.isNaN(b[i])) expect(a[i]).toBeNaN();
      // each path within the oracle's bound of the exact value (V8's exp within 1 ulp, libmvec's within 4): twice it
      else expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(2 * (8 + 4 * maxAbs + 2 * T) * EPS * Math.abs(b[i]));
    }
    expect(Array.from(a.subarray(70 * T, 70 * T + 7)).every(Number.isNaN)).toBe(true);
    const s32 = Float32Array.from(s);
    const [c, d] = [new Float32Array(s.length), new Float32Array(s.length)];
    k.causalSoftmax?.(s32, c, T);
    causalSoftmaxRows(s32, d, T);
    for (let i = 0; i < s.length; i++) {
      if (Number.isNaN(d[i])) expect(c[i]).toBeNaN();
      else expect(Math.abs(c[i] - d[i])).toBeLessThanOrEqual(2 ** -23 * Math.abs(d[i]));
    }
  });

  it('the adjoint equals the TypeScript loop bit for bit (float64 and float32), accumulating into gs', () => {
    const T = 33;
    const rng = Rng.fromSeed(25, 'causal-softmax-adjoint');
    for (const dtype of ['f64', 'f32'] as const) {
      const s = make(rng, dtype, 4 * T * T);
      const p = dtype === 'f64' ? new Float64Array(s.length) : new Float32Array(s.length);
      causalSoftmaxRows(s, p, T);
      const g = make(rng, dtype, s.length);
      const start = make(rng, dtype, s.length);
      const [a, b] = [start.slice(), start.slice()];
      k.causalSoftmaxBackward?.(p, g, a, T);
      causalSoftmaxAdjointRows(p, g, b, T);
      expect(a).toEqual(b);
      expect(a).not.toEqual(start);
    }
  });

  it('causal self-attention gives the same value, gradient and Hessian-vector product on the native backend as on the portable one', async () => {
    const { causalSelfAttention } = await import('../../src/core/attention.ts');
    const { hessianVectorProduct, valueAndGrad } = await import('../../src/core/autodiff.ts');
    const op = await import('../../src/core/ops.ts');
    const { param, tensor } = await import('../../src/core/tensor.ts');
    const shape = { batch: 2, context: 16, heads: 2 };
    const rng = Rng.fromSeed(26, 'attention-native');
    const [q, kk, v] = [0, 1, 2].map(() => param(rng.fillNormal(new Float64Array(32 * 8)), [32, 8], 'f64'));
    const w = tensor(rng.fillNormal(new Float64Array(32 * 8)), [32, 8], 'f64');
    const dir = [0, 1, 2].map(() => rng.fillNormal(new Float64Array(32 * 8)));
    const loss = () => op.sum(op.mul(causalSelfAttention(q, kk, v, shape), w));
    // the gradient alone (no tangents: the native adjoint) and with the Hessian-vector product (the tangent rules)
    const run = () => ({ ...hessianVectorProduct(loss, [q, kk, v], dir), plain: valueAndGrad(loss, [q, kk, v]).grads });
    const portable = run();
    const prev = setKernels(k);
    let fast: ReturnType<typeof run>;
    try {
      fast = run();
    } finally {
      setKernels(prev);
    }
    // logits [4, 16, 16] (1024 entries): above the size at which the backend calls the addon. The values differ
    // only by the exponentials' few ulp, carried through O(1) products: 1e-12 relative leaves a wide margin.
    const close = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let scale = 0;
      for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
      for (let i = 0; i < b.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-12 * scale);
    };
    close([fast.value], [portable.value]);
    for (let i = 0; i < 3; i++) {
      close(fast.grads[i], portable.grads[i]);
      close(fast.plain[i], portable.plain[i]);
      close(fast.hvp[i], portable.hvp[i]);
    }
  });

  it('the addon rejects mixed element types, a width that does not divide the length and overlapping arrays (forward and adjoint), naming the field', () => {
    const raw = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as { causalSoftmax(s: FloatArray, p: FloatArray, T: number): void };
    expect(() => raw.causalSoftmax(new Float64Array(64), new Float32Array(64), 8)).toThrow(/must both be Float64Array or both Float32Array/);
    expect(() => raw.causalSoftmax(new Float64Array(64), new Float64Array(64), 7)).toThrow(/T = 7 with s of length 64/);
    expect(() => raw.causalSoftmax(new Float64Array(64), new Float64Array(56), 8)).toThrow(/p of 56/);
    const buf = new Float64Array(128);
    expect(() => raw.causalSoftmax(buf.subarray(0, 64), buf.subarray(32, 96), 8)).toThrow(/must not overlap/);
    const bw = raw as unknown as { causalSoftmaxBackward(p: FloatArray, g: FloatArray, gs: FloatArray, T: number): void };
    expect(() => bw.causalSoftmaxBackward(new Float32Array(64), new Float64Array(64), new Float32Array(64), 8)).toThrow(/all be Float64Array or all Float32Array/);
    expect(() => bw.causalSoftmaxBackward(new Float64Array(64), new Float64Array(64), new Float64Array(48), 8)).toThrow(/lengths 64, 64, 48/);
    expect(() => bw.causalSoftmaxBackward(buf.subarray(0, 64), new Float64Array(64), buf.subarray(32, 96), 8)).toThrow(/gs must not overlap/);
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

  it('symvLower on 1 and 2 threads agrees with the TypeScript loop and gives the same bits on both', () => {
    const k = native as NonNullable<typeof native>;
    const rng = Rng.fromSeed(12, 'symv-threads');
    const saved = k.threads;
    try {
      // odd sizes, s > 0, trailing blocks below and above the 256-row split threshold, a tail of 1–3 rows after the 4-row blocks
      for (const [n, s] of [
        [67, 1],
        [301, 3],
        [517, 130],
        [1003, 9],
      ] as const) {
        const a = rng.fillNormal(new Float64Array(n * n));
        const v = rng.fillNormal(new Float64Array(n));
        const yJs = new Float64Array(n).fill(Number.NaN);
        const prev = setKernels(jsKernels);
        try {
          symvLower(a, n, s, v, yJs); // the TypeScript loop (the JS backend has no symvLower)
        } finally {
          setKernels(prev);
        }
        const out: Float64Array[] = [];
        for (const threads of [1, 2, 2]) {
          k.threads = threads;
          const y = new Float64Array(n).fill(Number.NaN);
          k.symvLower?.(a, n, s, v, y);
          out.push(y);
        }
        for (let i = s; i < n; i++) {
          let mag = 0;
          for (let j = s; j < n; j++) mag += Math.abs((j <= i ? a[i * n + j] : a[j * n + i]) * v[j]);
          // each result is a sum of m = n − s products in its own order: |error| ≤ m·ε·Σ|a_ij v_j| (Higham §3.1),
          // so two of them differ by at most twice that
          const bound = 2 * (n - s) * Number.EPSILON * mag;
          expect(Math.abs(out[0][i] - yJs[i]), `n=${n} s=${s} i=${i} 1 thread`).toBeLessThanOrEqual(bound);
          expect(Math.abs(out[1][i] - yJs[i]), `n=${n} s=${s} i=${i} 2 threads`).toBeLessThanOrEqual(bound);
        }
        // the chunks depend on the size only: one and two threads, and repeated calls, give the same bits
        expect(Array.from(out[1]), `n=${n} s=${s}: two threads, same bits as one`).toEqual(Array.from(out[0]));
        expect(Array.from(out[2]), `n=${n} s=${s}: two-thread result repeats bit for bit`).toEqual(Array.from(out[1]));
        for (let i = 0; i < s; i++) expect(Number.isNaN(out[1][i]), `y[${i}] below s untouched`).toBe(true);
      }
    } finally {
      k.threads = saved;
    }
  });

  it('panelSubtract and panelDots agree with the dense sums (odd lengths, lo > 0, x and the panel in one array)', () => {
    const k = native as NonNullable<typeof native>;
    const rng = Rng.fromSeed(13, 'panel');
    for (const [n, lo, j] of [
      [37, 5, 1],
      [131, 40, 7],
      [301, 3, 32],
    ] as const) {
      // the layout of tridiagonalize: x is row j of wt itself (its rows below j are the panel)
      const vt = rng.fillNormal(new Float64Array((j + 1) * n));
      const wt = rng.fillNormal(new Float64Array((j + 1) * n));
      const cv = rng.fillNormal(new Float64Array(j));
      const cw = rng.fillNormal(new Float64Array(j));
      const xo = j * n;
      const before = wt.slice();
      k.panelSubtract?.(wt, xo, lo, n, vt, wt, j, cv, cw);
      for (let i = 0; i < n; i++) {
        if (i < lo) {
          expect(wt[xo + i], `x[${i}] below lo untouched`).toBe(before[xo + i]);
          continue;
        }
        let ref = before[xo + i];
        let mag = Math.abs(ref);
        for (let t = 0; t < j; t++) {
          ref -= cv[t] * vt[t * n + i] + cw[t] * wt[t * n + i];
          mag += Math.abs(cv[t] * vt[t * n + i]) + Math.abs(cw[t] * wt[t * n + i]);
        }
        // 3j roundings (two products and a subtraction per panel row, FMA or not) on each side: ≤ 2·3j·ε·Σ|terms|
        expect(Math.abs(wt[xo + i] - ref), `subtract n=${n} j=${j} i=${i}`).toBeLessThanOrEqual(6 * j * Number.EPSILON * mag);
      }
      const v = rng.fillNormal(new Float64Array(n + 3));
      const sa = new Float64Array(j).fill(Number.NaN);
      const sb = new Float64Array(j).fill(Number.NaN);
      k.panelDots?.(v, 3, lo, n, vt, wt, j, sa, sb);
      for (let t = 0; t < j; t++) {
        let ra = 0;
        let rb = 0;
        let ma = 0;
        let mb = 0;
        for (let i = lo; i < n; i++) {
          ra += wt[t * n + i] * v[3 + i];
          rb += vt[t * n + i] * v[3 + i];
          ma += Math.abs(wt[t * n + i] * v[3 + i]);
          mb += Math.abs(vt[t * n + i] * v[3 + i]);
        }
        // dot products of n − lo terms in two summation orders: ≤ 2(n − lo)·ε·Σ|terms|
        expect(Math.abs(sa[t] - ra), `dots sa n=${n} t=${t}`).toBeLessThanOrEqual(2 * (n - lo) * Number.EPSILON * ma);
        expect(Math.abs(sb[t] - rb), `dots sb n=${n} t=${t}`).toBeLessThanOrEqual(2 * (n - lo) * Number.EPSILON * mb);
      }
    }
  });

  it('syr2kLower updates the lower triangle in place with the same bits as a gemm on the copied rows (1 and 2 threads)', () => {
    const k = native as NonNullable<typeof native>;
    const rng = Rng.fromSeed(14, 'syr2k');
    const saved = k.threads;
    try {
      // m = n − r0 below, at and above one 128-row chunk; k = 2·jb as in tridiagonalize (jb = 32, and a short last panel)
      for (const [n, r0, kk] of [
        [40, 7, 6],
        [301, 33, 64],
        [400, 2, 64],
      ] as const) {
        const m = n - r0;
        const w0 = rng.fillNormal(new Float64Array(n * n));
        const x = rng.fillNormal(new Float64Array(m * kk));
        const y = rng.fillNormal(new Float64Array(m * kk));
        // reference: C = rows r0.. of w (columns r0..), C += X Yᵀ by the same kernel's gemm, copied back below the diagonal
        const c = new Float64Array(m * m);
        for (let i = 0; i < m; i++) c.set(w0.subarray((r0 + i) * n + r0, (r0 + i + 1) * n), i * m);
        k.gemm(false, true, m, m, kk, x, y, c, true);
        for (const threads of [1, 2]) {
          k.threads = threads;
          const w = w0.slice();
          k.syr2kLower?.(w, n, r0, kk, x, y);
          for (let i = 0; i < n; i++)
            for (let j = 0; j <= i; j++) {
              const want = i >= r0 && j >= r0 ? c[(i - r0) * m + j - r0] : w0[i * n + j];
              if (w[i * n + j] !== want) expect(w[i * n + j], `n=${n} r0=${r0} threads=${threads} (${i}, ${j})`).toBe(want);
            }
          // rows above r0 are not touched at all
          expect(Array.from(w.subarray(0, r0 * n))).toEqual(Array.from(w0.subarray(0, r0 * n)));
        }
      }
    } finally {
      k.threads = saved;
    }
  });

  it('symvLower, panelSubtract, panelDots and syr2kLower reject bad arguments with the field, the value and what was expected', () => {
    const raw = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as {
      symvLower(a: Float64Array, n: number, s: number, v: Float64Array, y: Float64Array, threads?: number): void;
      panelSubtract(x: Float64Array, xo: number, lo: number, n: number, vt: Float64Array, wt: Float64Array, j: number, cv: Float64Array, cw: Float64Array): void;
      panelDots(v: Float64Array, vo: number, lo: number, n: number, vt: Float64Array, wt: Float64Array, j: number, sa: Float64Array, sb: Float64Array): void;
    };
    const f = (len: number) => new Float64Array(len);
    expect(() => raw.symvLower(f(16), 4, 0, f(4), f(4), -1)).toThrow(/threads = -1, expected a non-negative integer/);
    const shared = f(32);
    expect(() => raw.symvLower(f(16), 4, 0, shared.subarray(0, 4), shared.subarray(2, 6))).toThrow(/y shares memory/);
    expect(() => raw.panelSubtract(f(10), 2, 0, 10, f(20), f(20), 2, f(2), f(2))).toThrow(/x=10 .* xo=2 .* expected x ≥ xo \+ n/);
    expect(() => raw.panelSubtract(f(10), 0, 11, 10, f(20), f(20), 2, f(2), f(2))).toThrow(/lo=11 .* lo ≤ n/);
    expect(() => raw.panelSubtract(f(10), 0, 0, 10, f(20), f(19), 2, f(2), f(2))).toThrow(/wt=19/);
    expect(() => raw.panelSubtract(shared.subarray(0, 10), 0, 0, 10, shared.subarray(5, 25), f(20), 2, f(2), f(2))).toThrow(/shares memory/);
    expect(() => raw.panelDots(f(10), 0, 0, 10, f(20), f(20), 2, f(1), f(2))).toThrow(/c=1,2/);
    expect(() => raw.panelDots(f(10), 0, 0, 10, f(20), f(20), 2, shared.subarray(0, 2), shared.subarray(1, 3))).toThrow(/sa and sb must be separate/);
    expect(() => raw.panelDots(f(10), 0, 0, 10, f(20), f(20), 2, new Float32Array(2) as unknown as Float64Array, f(2))).toThrow(/every array must be a Float64Array/);
    const r2 = raw as unknown as { syr2kLower(w: Float64Array, n: number, r0: number, k: number, x: Float64Array, y: Float64Array): void };
    expect(() => r2.syr2kLower(f(16), 4, 5, 2, f(8), f(8))).toThrow(/r0=5 .* r0 ≤ n/);
    expect(() => r2.syr2kLower(f(16), 4, 1, 2, f(5), f(8))).toThrow(/x=5 .* x, y ≥ \(n − r0\)·k/);
    expect(() => r2.syr2kLower(shared.subarray(0, 16), 4, 0, 2, shared.subarray(10, 18), f(8))).toThrow(/w shares memory with x or y/);
  });

  it('eigh on the native backend gives the same bits on 1 and 2 threads (n = 300: split symv, threaded trailing update and products)', async () => {
    const { eigh } = await import('../../src/core/linalg.ts');
    const k = native as NonNullable<typeof native>;
    const prev = setKernels(k);
    const saved = k.threads;
    try {
      const n = 300;
      const a = Rng.fromSeed(15, 'eigh-threads').fillNormal(new Float64Array(n * n));
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
      const runs = [1, 2].map((threads) => {
        k.threads = threads;
        return eigh({ rows: n, cols: n, data: a });
      });
      expect(Array.from(runs[1].values)).toEqual(Array.from(runs[0].values));
      expect(Array.from(runs[1].vectors.data)).toEqual(Array.from(runs[0].vectors.data));
    } finally {
      k.threads = saved;
      setKernels(prev);
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

  it('the divide-and-conquer secular kernels give the TypeScript loops\' bits (roots, ẑ, norms, rows of Uᵀ) on 1 and 2 threads', async () => {
    const { tridiagonalEigDC } = await import('../../src/core/linalg/divideConquer.ts');
    const k = native as NonNullable<typeof native>;
    expect(typeof k.secular).toBe('function');
    const { secular: _s, secularColumns: _c, ...withoutSecular } = k;
    const rng = Rng.fromSeed(21, 'secular');
    // tridiagonals: random (little deflation), Wilkinson W⁺ (pairs of close eigenvalues: rotations and tight roots),
    // a graded one (eigenvalues over many decades), and a constant one (heavy deflation, equal poles)
    const n = 260;
    const cases: [string, Float64Array, Float64Array][] = [
      ['random', rng.fillNormal(new Float64Array(n)), rng.fillNormal(new Float64Array(n))],
      ['wilkinson', Float64Array.from({ length: n }, (_, i) => Math.abs((n - 1) / 2 - i)), new Float64Array(n).fill(1)],
      ['graded', Float64Array.from({ length: n }, (_, i) => 10 ** (-i / 20)), Float64Array.from({ length: n }, (_, i) => 10 ** (-i / 20 - 0.5))],
      ['constant', new Float64Array(n).fill(2), new Float64Array(n).fill(1)],
    ];
    const prev = setKernels(k);
    const saved = k.threads;
    try {
      for (const [name, d, e] of cases) {
        setKernels({ ...withoutSecular, name: 'native-without-secular' });
        const ref = tridiagonalEigDC(d, e);
        setKernels(k);
        for (const threads of [1, 2]) {
          k.threads = threads;
          const got = tridiagonalEigDC(d, e);
          expect(Array.from(got.values), `${name} values, ${threads} threads`).toEqual(Array.from(ref.values));
          let same = true;
          for (let i = 0; i < ref.vt.length && same; i++) same = Object.is(got.vt[i], ref.vt[i]);
          expect(same, `${name} vectors, ${threads} threads`).toBe(true);
        }
      }
    } finally {
      k.threads = saved;
      setKernels(prev);
    }
  });

  it('secular and secularColumns reject bad arguments with the field, the value and what was expected', () => {
    const raw = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as {
      secular(dl: Float64Array, zl: Float64Array, rho: number, org: Int32Array, tau: Float64Array, zh: Float64Array, pole: Float64Array, inv: Float64Array): void;
      secularColumns(sel: Int32Array, ns: number, dl: Float64Array, zh: Float64Array, pole: Float64Array, tau: Float64Array, inv: Float64Array, out: Float64Array): void;
    };
    const f = (len: number) => new Float64Array(len);
    const dl = Float64Array.of(0, 1, 2);
    expect(() => raw.secular(dl, f(2), 1, new Int32Array(3), f(3), f(3), f(3), f(3))).toThrow(/zl has length 2, expected at least 3/);
    expect(() => raw.secular(dl, f(3), 0, new Int32Array(3), f(3), f(3), f(3), f(3))).toThrow(/rho must be a finite positive number/);
    expect(() => raw.secular(dl, f(3), 1, f(3) as unknown as Int32Array, f(3), f(3), f(3), f(3))).toThrow(/org must be an Int32Array/);
    const shared = f(8);
    expect(() => raw.secular(dl, f(3), 1, new Int32Array(3), shared.subarray(0, 3), shared.subarray(2, 5), f(3), f(3))).toThrow(/must not share memory/);
    expect(() => raw.secularColumns(Int32Array.of(0, 3), 2, dl, f(3), f(3), f(3), f(3), f(6))).toThrow(/sel\[1\] = 3, expected an index in \[0, 3\)/);
    expect(() => raw.secularColumns(Int32Array.of(0, 1), 2, dl, f(3), f(3), f(3), f(3), f(5))).toThrow(/out has length 5, expected at least 6/);
    expect(() => raw.secularColumns(Int32Array.of(0, 1), 2, dl, f(3), f(3), f(3), f(3), dl as Float64Array)).toThrow(/length 3|shares memory/);
  });

  it('gemmView multiplies strided views in place (offsets, transposed and padded layouts) like the dense sums, with the same bits on 1 and 2 threads', () => {
    const k = native as NonNullable<typeof native>;
    const gv = k.gemmView as NonNullable<typeof k.gemmView>;
    const rng = Rng.fromSeed(31, 'gemm-view');
    const saved = k.threads;
    try {
      // [m, n, kk, A row stride, A col stride, B row stride, B col stride, ldc]: row-major, transposed (column-major) and
      // padded views, large enough for the threaded slabs
      for (const [m, n, kk, ars, acs, brs, bcs, ldcPad] of [
        [7, 5, 3, 3, 1, 5, 1, 0],
        [130, 70, 40, 1, 131, 71, 1, 9],
        [300, 260, 90, 95, 1, 1, 92, 4],
        [64, 500, 200, 1, 64, 500, 1, 0],
      ]) {
        const aoff = 3;
        const boff = 5;
        const coff = 2;
        const ldc = n + ldcPad;
        const a = rng.fillNormal(new Float64Array(aoff + (m - 1) * ars + (kk - 1) * acs + 1));
        const b = rng.fillNormal(new Float64Array(boff + (kk - 1) * brs + (n - 1) * bcs + 1));
        const c0 = rng.fillNormal(new Float64Array(coff + (m - 1) * ldc + n + 3));
        const outs = [1, 2].map((threads) => {
          k.threads = threads;
          const c = c0.slice();
          gv(m, n, kk, a, aoff, ars, acs, b, boff, brs, bcs, c, coff, ldc, true);
          return c;
        });
        expect(Array.from(outs[1]), `${m}×${n}×${kk} threads`).toEqual(Array.from(outs[0]));
        let worst = 0;
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            let sum = 0;
            for (let p = 0; p < kk; p++) sum += a[aoff + i * ars + p * acs] * b[boff + p * brs + j * bcs];
            worst = Math.max(worst, Math.abs(outs[0][coff + i * ldc + j] - c0[coff + i * ldc + j] - sum) / (1 + Math.abs(sum)));
          }
        // float64 sums in another order with FMA: ≲ kk·ε relative
        expect(worst, `${m}×${n}×${kk}`).toBeLessThanOrEqual(kk * 1e-15);
        // the padding between C's rows and after its last row is untouched
        for (let i = 0; i + 1 < m; i++) for (let j = n; j < ldc; j++) expect(outs[0][coff + i * ldc + j]).toBe(c0[coff + i * ldc + j]);
        expect(outs[0][0]).toBe(c0[0]);
      }
    } finally {
      k.threads = saved;
    }
  });

  it('gemmView rejects short arrays, rows that overlap and a C over its operands, naming the fields', () => {
    const raw = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as {
      gemmView(m: number, n: number, k: number, a: Float64Array, aoff: number, ars: number, acs: number, b: Float64Array, boff: number, brs: number, bcs: number, c: Float64Array, coff: number, ldc: number, accumulate: boolean, threads?: number): void;
    };
    const f = (len: number) => new Float64Array(len);
    expect(() => raw.gemmView(2, 2, 2, f(3), 0, 2, 1, f(4), 0, 2, 1, f(4), 0, 2, false)).toThrow(/a=3 .* expected at least 4/);
    expect(() => raw.gemmView(2, 2, 2, f(4), 0, 2, 1, f(4), 0, 2, 1, f(4), 1, 2, false)).toThrow(/c=4, expected at least 4, 4 and 5/);
    expect(() => raw.gemmView(2, 3, 1, f(2), 0, 1, 1, f(3), 0, 3, 1, f(6), 0, 2, false)).toThrow(/ldc=2 ≥ n/);
    expect(() => raw.gemmView(2, 2, 2, f(4), 0, 2, 1, f(4), 0, 2, 1, f(4), 0, 2, false, -1)).toThrow(/threads = -1/);
    const shared = f(16);
    expect(() => raw.gemmView(2, 2, 2, shared, 0, 2, 1, f(4), 0, 2, 1, shared, 8, 2, false)).not.toThrow();
    expect(() => raw.gemmView(2, 2, 2, shared, 0, 2, 1, f(4), 0, 2, 1, shared, 2, 2, false)).toThrow(/c shares memory with a or b/);
    expect(() => raw.gemmView(2, 2, 2, new Float32Array(4) as unknown as Float64Array, 0, 2, 1, f(4), 0, 2, 1, f(4), 0, 2, false)).toThrow(/must be Float64Array/);
  });
});


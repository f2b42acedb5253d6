/**
 * The kernel interface: the few hot loops that a faster backend (WebAssembly SIMD, a native addon)
 * may replace without touching autodiff. Everything here is row-major and dtype-generic
 * (Float64Array or Float32Array; JS arithmetic is in double and rounds on store for float32).
 */
import { jsKernels } from './kernelsJs.ts';
import { createWasmKernels } from './kernelsWasm.ts';
import type { FloatArray } from './mat.ts';

export { jsKernels };

export interface Kernels {
  readonly name: string;
  /**
   * General matrix product, row-major: C (m×n) = op(A) · op(B), or C += op(A) · op(B) if `accumulate`.
   * op(A) is m×k: A is stored m×k, or k×m when `transA`. op(B) is k×n: B is stored k×n, or n×k when `transB`.
   */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: FloatArray, b: FloatArray, c: FloatArray, accumulate: boolean): void;
  /**
   * Optional: y[i] = tanh(x[i]) for i < x.length, x and y of the same element type (y may be x). A backend
   * without it leaves tanh to `Math.tanh`; one with it may differ from `Math.tanh` by a few ulp (the native one: libmvec;
   * the WebAssembly one is fdlibm's, as V8's, and equal bit for bit).
   */
  tanh?(x: FloatArray, y: FloatArray): void;
  /**
   * Optional: y[i] = exp(x[i]) for i < x.length (float64; y may be x). A backend without it leaves exp to `Math.exp`;
   * one with it must equal `Math.exp` bit for bit (the WebAssembly one is fdlibm's, as V8's), since the softmaxes that
   * use it keep their numbers whichever backend runs.
   */
  exp?(x: Float64Array, y: Float64Array): void;
  /**
   * Optional: the exact GELU, y[i] = x[i]·Φ(x[i]), and unless `d1` is null its derivative d1[i] = Φ(x[i]) + x[i]·φ(x[i]),
   * for i < x.length; x, y, d1 of one element type and distinct. A backend without it leaves GELU to the
   * table-and-Taylor loop `geluTable` (core/geluTable.ts). The WebAssembly one gives that loop's bits (same tables,
   * same operations in the same order; test/core/wasmGelu.test.ts); the native one (libmvec erfc and exp) may differ
   * from it by a few ulp.
   */
  gelu?(x: FloatArray, y: FloatArray, d1: FloatArray | null): void;
  /**
   * Optional: y[r·n + j] = a[r·n + j] + sign·b[j] for every row of a, n = b.length (a bias row); a, b, y of one element
   * type. A backend without it leaves this to `addRowsLoop` (core/elementwise.ts); one with it must give that loop's bits.
   */
  addRows?(a: FloatArray, b: FloatArray, y: FloatArray, sign: 1 | -1): void;
  /** Optional: dst[j] += sign·src[r·n + j] over the rows in order, n = dst.length; bit for bit `rowSumsLoop` (core/elementwise.ts). */
  rowSums?(dst: FloatArray, src: FloatArray, sign: 1 | -1): void;
  /**
   * Optional: p[j] += c·g[j] for j in [from, to), p and g of one element type (a chain of scalings' step, nn/optim.ts);
   * bit for bit `scaledAddLoop` (core/elementwise.ts).
   */
  scaledAdd?(p: FloatArray, g: FloatArray, from: number, to: number, c: number): void;
  /** Optional: ReLU, y[i] = x[i] > 0 ? x[i] : 0, x and y of one element type; bit for bit `reluLoop` (core/elementwise.ts). */
  relu?(x: FloatArray, y: FloatArray): void;
  /** Optional: ReLU's adjoint, ga[i] += g[i]·(x[i] > 0 ? 1 : 0), one element type; bit for bit `reluBackwardLoop`. */
  reluBackward?(x: FloatArray, g: FloatArray, ga: FloatArray): void;
  /**
   * Optional: tanh's adjoint from its output, ga[i] += g[i]·(1 − y[i]²), y, g, ga of one element type; bit for bit
   * `tanhBackwardLoop` (core/elementwise.ts).
   */
  tanhBackward?(y: FloatArray, g: FloatArray, ga: FloatArray): void;
  /**
   * Optional: LayerNorm over rows of n = gamma.length without tangents, rows = rstd.length: per row rstd = 1/√(σ² + eps),
   * xhat = (x − μ)·rstd and y = γ ⊙ xhat + β; x, gamma, beta, y, xhat of one element type. A backend without it leaves
   * this to `layerNormRows` (core/layerNormRows.ts); one with it must give that loop's bits (the WebAssembly one does).
   */
  layerNorm?(x: FloatArray, gamma: FloatArray, beta: FloatArray, eps: number, y: FloatArray, xhat: FloatArray, rstd: Float64Array): void;
  /**
   * Optional: the adjoint of `layerNorm`, accumulated into gx, gGamma and gBeta (each may be null), bit for bit
   * `layerNormBackwardRows` (core/layerNormRows.ts); every array but rstd of one element type.
   */
  layerNormBackward?(g: FloatArray, xhat: FloatArray, rstd: Float64Array, gamma: FloatArray, gx: FloatArray | null, gGamma: FloatArray | null, gBeta: FloatArray | null): void;
  /**
   * Optional: the causal row softmax of attention logits: s and p hold rows of T entries (one element type,
   * distinct arrays, equal lengths, a multiple of T); row r of p is the softmax of the first (r mod T) + 1
   * entries of row r of s, the rest 0. A backend without it leaves this to the loop of core/attention.ts
   * (`causalSoftmaxRows`); one with it may differ from that loop by a few ulp (its exponentials).
   */
  causalSoftmax?(s: FloatArray, p: FloatArray, T: number): void;
  /**
   * Optional: the adjoint of `causalSoftmax`, accumulated: per row, c = Σ_j p_j g_j over the causal prefix and
   * gs_j += p_j (g_j − c) there (p, g, gs of one element type and length; gs distinct from p and g). Bit for bit
   * the loop of core/attention.ts (`causalSoftmaxAdjointRows`): no transcendental, and the same order of operations.
   */
  causalSoftmaxBackward?(p: FloatArray, g: FloatArray, gs: FloatArray, T: number): void;
  /**
   * Optional: y[s..n) = A[s.., s..]·v[s..) for the symmetric n×n float64 A stored as its lower triangle (row-major);
   * the level-2 half of the Householder tridiagonalization. Same arithmetic as `symvLower` in linalg up to
   * summation order.
   */
  symvLower?(a: Float64Array, n: number, s: number, v: Float64Array, y: Float64Array): void;
  /**
   * Optional: x[xo + i] −= Σ_{t<j} (cv[t]·vt[t·n + i] + cw[t]·wt[t·n + i]) for i in [lo, n), all float64, x separate
   * from the other arrays: the panel correction of the blocked tridiagonalization (dlatrd's dgemv calls). Same
   * arithmetic as `subtractPanel` in linalg/tridiagonal.ts up to rounding (FMA).
   */
  panelSubtract?(x: Float64Array, xo: number, lo: number, n: number, vt: Float64Array, wt: Float64Array, j: number, cv: Float64Array, cw: Float64Array): void;
  /**
   * Optional: sa[t] = Σ_{i∈[lo,n)} wt[t·n + i]·v[vo + i] and sb[t] = Σ_{i∈[lo,n)} vt[t·n + i]·v[vo + i] for t < j, all
   * float64, sa and sb separate from the rest. Same arithmetic as `panelDots` in linalg/tridiagonal.ts up to summation order.
   */
  panelDots?(v: Float64Array, vo: number, lo: number, n: number, vt: Float64Array, wt: Float64Array, j: number, sa: Float64Array, sb: Float64Array): void;
  /**
   * Optional: the trailing update of the blocked tridiagonalization, in place on the row-major n×n float64 w:
   * w[(r0 + i)·n + r0 + j] += Σ_{p<k} x[i·k + p]·y[j·k + p] for j ≤ i < n − r0 (x, y: (n − r0)×k, separate from w);
   * entries above the diagonal of rows ≥ r0 may change too. Each entry rounds as one `gemm` with `accumulate` would.
   */
  syr2kLower?(w: Float64Array, n: number, r0: number, k: number, x: Float64Array, y: Float64Array): void;
  /**
   * Optional: C[coff + i·ldc + j] (+)= Σ_p A[aoff + i·ars + p·acs]·B[boff + p·brs + j·bcs] for i < m, j < n (float64,
   * non-negative strides, C separate from A and B): a product of strided views with no copies. `gemmView` in
   * linalg/dense.ts uses it when present; same arithmetic as `gemm` up to the kernel's own blocking.
   */
  gemmView?(m: number, n: number, k: number, a: Float64Array, aoff: number, ars: number, acs: number, b: Float64Array, boff: number, brs: number, bcs: number, c: Float64Array, coff: number, ldc: number, accumulate: boolean): void;
  /**
   * Optional: the O(k²) parts of one divide-and-conquer merge, bit for bit the TypeScript loops of
   * linalg/divideConquer.ts (`secularRoot` for every i < k, Gu–Eisenstat's ẑ, pole[i] = dl[org[i]], `secularNorms`),
   * with k = dl.length and every array of length ≥ k, the outputs (org, tau, zh, pole, inv) separate from the rest.
   */
  secular?(dl: Float64Array, zl: Float64Array, rho: number, org: Int32Array, tau: Float64Array, zh: Float64Array, pole: Float64Array, inv: Float64Array): void;
  /** Optional: `secularColumn(sel[r], …, out, r·k)` for r < ns (linalg/divideConquer.ts), bit for bit; out separate from the inputs. */
  secularColumns?(sel: Int32Array, ns: number, dl: Float64Array, zh: Float64Array, pole: Float64Array, tau: Float64Array, inv: Float64Array, out: Float64Array): void;
}

let active: Kernels | null = null;

/** The backends this build knows, by name; `LMECH_KERNELS=js|wasm` (Node) picks one explicitly. */
export const KERNEL_BACKENDS: Record<string, () => Kernels | null> = {
  js: () => jsKernels,
  wasm: createWasmKernels,
};

function chooseDefault(): Kernels {
  const env = typeof process !== 'undefined' ? process.env?.LMECH_KERNELS : undefined;
  if (env) {
    const f = KERNEL_BACKENDS[env];
    if (!f) throw new Error(`LMECH_KERNELS: unknown backend '${env}', expected one of ${Object.keys(KERNEL_BACKENDS).join(', ')}`);
    const k = f();
    if (!k) throw new Error(`LMECH_KERNELS=${env}: backend unavailable on this platform`);
    return k;
  }
  return createWasmKernels() ?? jsKernels;
}

export function kernels(): Kernels {
  if (active === null) active = chooseDefault();
  return active;
}

/** Replace the active kernels (e.g. a native or WebAssembly backend). Returns the previous one. */
export function setKernels(k: Kernels): Kernels {
  const prev = kernels();
  active = k;
  return prev;
}

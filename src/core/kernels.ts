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
   * without it leaves tanh to `Math.tanh`; one with it may differ from `Math.tanh` by a few ulp.
   */
  tanh?(x: FloatArray, y: FloatArray): void;
  /**
   * Optional: the exact GELU, y[i] = x[i]·Φ(x[i]), and unless `d1` is null its derivative d1[i] = Φ(x[i]) + x[i]·φ(x[i]),
   * for i < x.length; x, y, d1 of one element type and distinct. A backend without it leaves GELU to the
   * table-and-Taylor loop of core/fused.ts; one with it may differ from that loop by a few ulp.
   */
  gelu?(x: FloatArray, y: FloatArray, d1: FloatArray | null): void;
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

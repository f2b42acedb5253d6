/**
 * The native kernel backend (Node only): a Node-API addon built at install time by
 * scripts/build-native.mjs from native/ (packed, cache- and register-blocked gemm in the
 * GotoBLAS/BLIS scheme, vectorised for the host CPU, threaded over the cores for large products).
 * `core` stays browser-safe: this module only registers the backend with `core/kernels.ts`.
 *
 * `installBestKernels()` is what the bench and the profiling scripts call at startup:
 * `LMECH_KERNELS=js|wasm|native` picks a backend explicitly; otherwise the native one if it was built
 * and runs on this CPU, else the default (WebAssembly SIMD, else TypeScript). Studies run on the portable
 * default unless `LMECH_KERNELS` says otherwise (`runKernels`): the CLI and its worker threads only register the
 * native backend so that `LMECH_KERNELS=native` can pick it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { causalSoftmaxAdjointRows, causalSoftmaxRows } from '../core/attention.ts';
import { geluTable as jsGelu } from '../core/fused.ts';
import { jsKernels, KERNEL_BACKENDS, type Kernels, kernels, setKernels } from '../core/kernels.ts';
import type { FloatArray } from '../core/mat.ts';

/** Where scripts/build-native.mjs puts the addon, its status and its log. */
export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../../native/build/Release/lmech_kernels.node', import.meta.url));
export const NATIVE_STATUS_PATH = fileURLToPath(new URL('../../native/build/status.json', import.meta.url));
export const NATIVE_LOG_PATH = fileURLToPath(new URL('../../native/build/build.log', import.meta.url));

/** What the addon says about itself. */
export interface NativeInfo {
  /** False when this CPU lacks an instruction-set feature the kernels were compiled for. */
  usable: boolean;
  reason: string;
  /** Vector width, register and cache blocks (or the system BLAS). */
  kernel: string;
  /** How the elementwise tanh is computed (libmvec vector width, or scalar). */
  tanh: string;
  /** Instruction-set features the kernel object was compiled to use. */
  features: string;
  hardwareThreads: number;
}

interface NativeAddon {
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: FloatArray, b: FloatArray, c: FloatArray, accumulate: boolean, threads: number): void;
  tanh(x: FloatArray, y: FloatArray): void;
  gelu(x: FloatArray, y: FloatArray, d1: FloatArray | null): void;
  /** absent from an addon built before it existed */
  causalSoftmax?(s: FloatArray, p: FloatArray, T: number): void;
  causalSoftmaxBackward?(p: FloatArray, g: FloatArray, gs: FloatArray, T: number): void;
  symvLower(a: Float64Array, n: number, s: number, v: Float64Array, y: Float64Array, threads?: number): void;
  /** absent from an addon built before they existed */
  panelSubtract?(x: Float64Array, xo: number, lo: number, n: number, vt: Float64Array, wt: Float64Array, j: number, cv: Float64Array, cw: Float64Array): void;
  panelDots?(v: Float64Array, vo: number, lo: number, n: number, vt: Float64Array, wt: Float64Array, j: number, sa: Float64Array, sb: Float64Array): void;
  syr2kLower?(w: Float64Array, n: number, r0: number, k: number, x: Float64Array, y: Float64Array, threads: number): void;
  gemmView?(m: number, n: number, k: number, a: Float64Array, aoff: number, ars: number, acs: number, b: Float64Array, boff: number, brs: number, bcs: number, c: Float64Array, coff: number, ldc: number, accumulate: boolean, threads: number): void;
  secular?(dl: Float64Array, zl: Float64Array, rho: number, org: Int32Array, tau: Float64Array, zh: Float64Array, pole: Float64Array, inv: Float64Array, threads: number): void;
  secularColumns?(sel: Int32Array, ns: number, dl: Float64Array, zh: Float64Array, pole: Float64Array, tau: Float64Array, inv: Float64Array, out: Float64Array, threads: number): void;
  info(): NativeInfo;
}

/** The native backend: `Kernels` plus the thread count it uses for large products. */
export interface NativeKernels extends Kernels {
  readonly info: NativeInfo;
  /** Threads for one large product (the caller plus helpers); 1 = never start helpers. */
  threads: number;
}

/** Below this many multiply-adds the TypeScript loop beats the ≈0.3 µs cost of a call into the addon (measured crossover ≈ 8×8×8). */
const TINY_WORK = 512;

/** Below this many elements tanh stays in JS (see `tanh` below). */
const TINY_TANH = 32;

/**
 * Below this many elements GELU and the causal softmax stay in their TypeScript loops (core/fused.ts,
 * core/attention.ts), whose cost per element is ≈ 1/10 of a call into the addon.
 */
const TINY_ELEMENTWISE = 64;

let addon: NativeAddon | null | undefined;
let addonReason = '';

function loadAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  if (!existsSync(NATIVE_ADDON_PATH)) {
    const status = readBuildStatus();
    addonReason =
      status && !status.built ? `not built: ${status.reason}` : `${NATIVE_ADDON_PATH} is missing (build it with \`node scripts/build-native.mjs\`)`;
    return null;
  }
  try {
    const a = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as NativeAddon;
    const info = a.info();
    if (!info.usable) {
      addonReason = info.reason;
      return null;
    }
    addon = a;
  } catch (e) {
    addonReason = `cannot load ${NATIVE_ADDON_PATH}: ${(e as Error).message.split('\n')[0]}`;
  }
  return addon;
}

/** The build outcome recorded by scripts/build-native.mjs, if any. */
export function readBuildStatus(): { built: boolean; reason?: string; arch?: string; kernel?: string; date?: string; node?: string } | null {
  try {
    return JSON.parse(readFileSync(NATIVE_STATUS_PATH, 'utf8'));
  } catch {
    return null;
  }
}

/** Default thread count: all cores on the main thread; 1 inside a worker thread (the study pool already runs one worker per core). */
function defaultThreads(): number {
  const env = process.env.LMECH_NATIVE_THREADS;
  if (env !== undefined && env !== '') {
    const t = Number(env);
    if (!Number.isInteger(t) || t < 1 || t > 64) throw new Error(`LMECH_NATIVE_THREADS: '${env}' is not an integer in 1..64`);
    return t;
  }
  return isMainThread ? availableParallelism() : 1;
}

/** Load the native backend. `kernels` is null when it is not built or cannot run here; `reason` says why (or what it is). */
export function loadNativeKernels(opts: { threads?: number } = {}): { kernels: NativeKernels | null; reason: string } {
  const a = loadAddon();
  if (!a) return { kernels: null, reason: addonReason };
  const info = a.info();
  const addonGelu = typeof a.gelu === 'function';
  const addonSoftmax = a.causalSoftmax?.bind(a);
  const addonSoftmaxBackward = a.causalSoftmaxBackward?.bind(a);
  const addonPanelSubtract = a.panelSubtract?.bind(a);
  const addonPanelDots = a.panelDots?.bind(a);
  const addonSyr2k = a.syr2kLower?.bind(a);
  const addonGemmView = a.gemmView?.bind(a);
  const addonSecular = a.secular?.bind(a);
  const addonSecularColumns = a.secularColumns?.bind(a);
  let threads = opts.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads: ${threads}, expected a positive integer`);
  const k: NativeKernels = {
    name: 'native',
    info,
    get threads() {
      return threads;
    },
    set threads(t: number) {
      if (!Number.isInteger(t) || t < 1) throw new Error(`threads: ${t}, expected a positive integer`);
      threads = t;
    },
    gemm(transA, transB, m, n, k, a_, b, c, accumulate) {
      // mixed float32/float64 operands, or a product too small to be worth the call: the portable loop
      const f64 = c instanceof Float64Array;
      if (m * n * k < TINY_WORK || a_ instanceof Float64Array !== f64 || b instanceof Float64Array !== f64) {
        jsKernels.gemm(transA, transB, m, n, k, a_, b, c, accumulate);
        return;
      }
      a.gemm(transA, transB, m, n, k, a_, b, c, accumulate, threads);
    },
    tanh(x, y) {
      // a call into the addon costs ≈ 0.3 µs, about 25 Math.tanh evaluations: short arrays stay in JS
      if (x.length < TINY_TANH || x instanceof Float64Array !== y instanceof Float64Array) {
        for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]);
        return;
      }
      a.tanh(x, y);
    },
    gelu(x, y, d1) {
      const f64 = x instanceof Float64Array;
      // an addon built before `gelu` existed (a stale native/build) has none: the TypeScript loop then
      if (x.length < TINY_ELEMENTWISE || !addonGelu || y instanceof Float64Array !== f64 || (d1 !== null && d1 instanceof Float64Array !== f64)) {
        jsGelu(x, y, d1);
        return;
      }
      a.gelu(x, y, d1);
    },
    causalSoftmax(s, p, T) {
      // short inputs and a stale addon without the kernel: the TypeScript loop
      if (s.length < TINY_ELEMENTWISE || !addonSoftmax || s instanceof Float64Array !== p instanceof Float64Array) causalSoftmaxRows(s, p, T);
      else addonSoftmax(s, p, T);
    },
    causalSoftmaxBackward(p, g, gs, T) {
      const f64 = p instanceof Float64Array;
      if (p.length < TINY_ELEMENTWISE || !addonSoftmaxBackward || g instanceof Float64Array !== f64 || gs instanceof Float64Array !== f64) causalSoftmaxAdjointRows(p, g, gs, T);
      else addonSoftmaxBackward(p, g, gs, T);
    },
    symvLower(m, n, s, v, y) {
      // an addon built before symvLower took a thread count ignores the sixth argument (one thread)
      a.symvLower(m, n, s, v, y, threads);
    },
    // a stale addon without the panel kernels leaves these undefined, and tridiagonal.ts runs its own loops
    ...(addonPanelSubtract ? { panelSubtract: addonPanelSubtract } : {}),
    ...(addonPanelDots ? { panelDots: addonPanelDots } : {}),
    ...(addonSyr2k ? { syr2kLower: (w: Float64Array, n: number, r0: number, kk: number, x: Float64Array, y: Float64Array) => addonSyr2k(w, n, r0, kk, x, y, threads) } : {}),
    ...(addonGemmView
      ? {
          gemmView: (m: number, n: number, kk: number, av: Float64Array, aoff: number, ars: number, acs: number, bv: Float64Array, boff: number, brs: number, bcs: number, cv: Float64Array, coff: number, ldc: number, acc: boolean) =>
            addonGemmView(m, n, kk, av, aoff, ars, acs, bv, boff, brs, bcs, cv, coff, ldc, acc, threads),
        }
      : {}),
    // bit for bit divideConquer.ts's loops, so a stale addon without them changes only the speed
    ...(addonSecular
      ? {
          secular: (dl: Float64Array, zl: Float64Array, rho: number, org: Int32Array, tau: Float64Array, zh: Float64Array, pole: Float64Array, inv: Float64Array) =>
            addonSecular(dl, zl, rho, org, tau, zh, pole, inv, threads),
        }
      : {}),
    ...(addonSecularColumns
      ? {
          secularColumns: (sel: Int32Array, ns: number, dl: Float64Array, zh: Float64Array, pole: Float64Array, tau: Float64Array, inv: Float64Array, out: Float64Array) =>
            addonSecularColumns(sel, ns, dl, zh, pole, tau, inv, out, threads),
        }
      : {}),
  };
  return { kernels: k, reason: `${info.kernel}; ${threads} thread${threads === 1 ? '' : 's'} for large products` };
}

/**
 * The backend that studies, sweeps and maps run on in this process (what `lmech run` uses): the portable default
 * (WebAssembly SIMD), the kernels the browser lab uses, unless `LMECH_KERNELS` names another one (the lab's engine
 * also calls the browser's Math.exp and Math.log, which may round differently from Node's: see the README). The
 * native backend is faster but rounds differently (FMA, its own summation order, libmvec), so it is opt-in
 * (`LMECH_KERNELS=native`) and its runs carry `+kernels=native` in their code version (src/run/codeVersion.ts).
 */
export function runKernels(): KernelChoice {
  registerNativeBackend();
  const env = process.env.LMECH_KERNELS || undefined;
  const k = kernels();
  const n = loadNativeKernels();
  if (env) return { backend: k.name, reason: `LMECH_KERNELS=${env}`, ...(k.name === 'native' ? {} : { nativeUnavailable: n.kernels ? `not chosen (LMECH_KERNELS=${env})` : n.reason }) };
  const why = n.kernels ? 'built and usable; opt in with LMECH_KERNELS=native' : n.reason;
  return { backend: k.name, reason: 'the portable default: the browser lab\'s kernels', nativeUnavailable: why };
}

/** Make `native` a backend name that `LMECH_KERNELS` and the kernel tests can pick. */
export function registerNativeBackend(): void {
  if (!('native' in KERNEL_BACKENDS)) KERNEL_BACKENDS.native = () => loadNativeKernels().kernels;
}

export interface KernelChoice {
  /** Name of the active backend (`native`, `wasm-simd`, `js`). */
  backend: string;
  /** Why this one: the explicit request, or what the native backend is / why it is unavailable. */
  reason: string;
  /** Why the native backend is not active (absent when it is). */
  nativeUnavailable?: string;
}

let installed: { choice: KernelChoice; env: string | undefined } | undefined;

/**
 * Pick and install the fastest kernels for this process (idempotent). `LMECH_KERNELS=js|wasm|native`
 * forces a backend (an unavailable one is an error); otherwise native when built and usable here,
 * else the portable default. `threads` overrides the native thread count.
 */
export function installBestKernels(opts: { threads?: number } = {}): KernelChoice {
  const env = process.env.LMECH_KERNELS || undefined;
  if (installed && installed.env === env && opts.threads === undefined) return installed.choice;
  const choice = chooseKernels(env, opts);
  installed = { choice, env };
  return choice;
}

function chooseKernels(env: string | undefined, opts: { threads?: number }): KernelChoice {
  registerNativeBackend();
  if (env === 'native') {
    const n = loadNativeKernels(opts);
    if (!n.kernels) throw new Error(`LMECH_KERNELS=native: the native backend is unavailable (${n.reason})`);
    setKernels(n.kernels);
    return { backend: 'native', reason: `LMECH_KERNELS=native; ${n.reason}` };
  }
  if (env) {
    const f = KERNEL_BACKENDS[env];
    if (!f) throw new Error(`LMECH_KERNELS: unknown backend '${env}', expected one of ${Object.keys(KERNEL_BACKENDS).join(', ')}`);
    const k = f();
    if (!k) throw new Error(`LMECH_KERNELS=${env}: backend unavailable on this platform`);
    setKernels(k);
    const n = loadNativeKernels(opts);
    return { backend: k.name, reason: `LMECH_KERNELS=${env}`, nativeUnavailable: n.kernels ? `not chosen (LMECH_KERNELS=${env})` : n.reason };
  }
  const n = loadNativeKernels(opts);
  if (n.kernels) {
    setKernels(n.kernels);
    return { backend: 'native', reason: n.reason };
  }
  // the portable default (WebAssembly SIMD, else TypeScript), replacing a native backend installed earlier
  const k = KERNEL_BACKENDS.wasm() ?? jsKernels;
  setKernels(k);
  return { backend: k.name, reason: `native kernels unavailable (${n.reason}); portable backend`, nativeUnavailable: n.reason };
}

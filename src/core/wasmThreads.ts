/**
 * A small thread pool for the WebAssembly GEMM (issue 17): helper threads (Node `worker_threads`, or browser
 * `Worker`s) each instantiate the shared-memory variant of gemm.wat on the caller's shared `WebAssembly.Memory`,
 * then sleep in `Atomics.wait` on a control word. Per product the caller writes the job (sizes, byte offsets, one
 * block range per thread) into a control SharedArrayBuffer, bumps the generation word and notifies, computes its
 * own range, and waits on the done counter: no message is posted per GEMM.
 *
 * Every thread runs the same `gemm_*_part` code on a disjoint set of whole register blocks of C, and each block is
 * computed by one loop over p exactly as in the single-threaded `gemm_*`, so the product is bit-identical to the
 * single-threaded module for every thread count.
 *
 * Enablement (safe by default, see `wasmThreadsSetting`): Node only with `LMECH_WASM_THREADS=N` (the CLI already
 * runs one study per core); a browser only in a dedicated worker of a cross-origin isolated page (Atomics.wait
 * is illegal on the main thread). Helpers are unref'd in Node, so they never keep a process alive.
 *
 * Helpers start asynchronously, and until all are up (`ready()`) products stay single-threaded. Node starts them
 * while the caller computes; a browser starts a worker's nested workers only while that worker yields to its event
 * loop, so a caller there should `await pool.whenReady()` before a long synchronous computation (lab/src/worker.ts).
 */

/** Control words (Int32Array indices). The per-helper block ranges start at PARTS, four words each. */
const GEN = 0;
const DONE = 1;
const READY = 2;
const STOP = 3;
const FAILED = 4;
const JOB = 5; // kind (0 f64, 1 f32), mp, np, k, a, b, c
const PARTS = 16;
/** Most threads a pool takes (the control buffer is sized for it); more would not pay off on a GEMM this size. */
export const MAX_WASM_THREADS = 16;

/** The threads' source, plain JS run as a classic script / eval'd CommonJS, so no bundler has to find a file. */
const HELPER_SOURCE = `
function run(d) {
  const ctl = new Int32Array(d.ctl);
  let ex;
  try {
    ex = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports;
  } catch (e) {
    Atomics.add(ctl, ${FAILED}, 1);
    Atomics.notify(ctl, ${READY});
    return;
  }
  let seen = Atomics.load(ctl, ${GEN});
  Atomics.add(ctl, ${READY}, 1);
  Atomics.notify(ctl, ${READY});
  const o = ${PARTS} + 4 * d.me;
  for (;;) {
    Atomics.wait(ctl, ${GEN}, seen);
    if (Atomics.load(ctl, ${STOP}) !== 0) return;
    const gen = Atomics.load(ctl, ${GEN});
    if (gen === seen) continue;
    seen = gen;
    const f = ctl[${JOB}] === 1 ? ex.gemm_f32_part : ex.gemm_f64_part;
    try {
      if (ctl[o] < ctl[o + 1] && ctl[o + 2] < ctl[o + 3])
        f(ctl[${JOB + 1}], ctl[${JOB + 2}], ctl[${JOB + 3}], ctl[${JOB + 4}], ctl[${JOB + 5}], ctl[${JOB + 6}], ctl[o], ctl[o + 1], ctl[o + 2], ctl[o + 3]);
    } catch (e) {
      Atomics.add(ctl, ${FAILED}, 1); // still count as done below: the caller must never wait forever
    }
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
}
`;

/** What a helper thread is started with (structured-cloned: the compiled module, the shared memory, the control words). */
interface HelperData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctl: SharedArrayBuffer;
  me: number;
}

interface Helper {
  terminate(): unknown;
}

/** Start one helper; `failed` is called if it dies (its script threw) before or after it was ready. */
type Spawn = (data: HelperData, failed: () => void) => Helper;

/** The range entry of gemm.wat: blocks of rows [i0, i1) × columns [j0, j1) of C (strides mp, np). */
export type GemmPart = (mp: number, np: number, k: number, a: number, b: number, c: number, i0: number, i1: number, j0: number, j1: number) => void;

export interface GemmPartExports {
  gemm_f64_part: GemmPart;
  gemm_f32_part: GemmPart;
}

export interface WasmThreadPool {
  /** Threads per product, the caller included. */
  readonly threads: number;
  /** True once every helper has instantiated the module (helpers start asynchronously; until then, stay single). */
  ready(): boolean;
  /** Resolves true when every helper is ready, false if one failed or `timeoutMs` passed. */
  whenReady(timeoutMs?: number): Promise<boolean>;
  /** The packed product of gemm.wat (`gemm_f64`/`gemm_f32` arguments) split across the threads; `own` is the caller's instance. */
  gemm(own: GemmPartExports, single: boolean, mp: number, np: number, k: number, a: number, b: number, c: number): void;
  /** Products split across the threads so far. */
  readonly products: number;
  /** Stop and terminate the helpers; the pool is unusable afterwards. */
  terminate(): void;
}

interface GlobalScope {
  process?: { env?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } };
  WorkerGlobalScope?: unknown;
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
}

const scope = globalThis as unknown as GlobalScope;

function isNode(): boolean {
  return typeof scope.process?.versions?.node === 'string';
}

/**
 * How many threads this context should give the WebAssembly GEMM (1 = single-threaded) and why. Node: the integer in
 * `LMECH_WASM_THREADS` (≥ 2 to enable). Browser: min(hardwareConcurrency, 4) in a dedicated worker of a
 * cross-origin isolated page with more than one core; 1 on the main thread, where Atomics.wait is not allowed.
 */
export function wasmThreadsSetting(): { threads: number; reason: string } {
  const missing = threadsUnavailable();
  if (missing) return { threads: 1, reason: missing };
  if (isNode()) {
    const raw = scope.process?.env?.LMECH_WASM_THREADS;
    if (!raw) return { threads: 1, reason: 'LMECH_WASM_THREADS unset (opt in with LMECH_WASM_THREADS=N, N ≥ 2)' };
    const n = Number.parseInt(raw, 10);
    if (!(n >= 2)) return { threads: 1, reason: `LMECH_WASM_THREADS=${raw}: single-threaded` };
    return { threads: Math.min(n, MAX_WASM_THREADS), reason: `LMECH_WASM_THREADS=${raw}` };
  }
  if (scope.crossOriginIsolated !== true) return { threads: 1, reason: 'page not cross-origin isolated' };
  const cores = scope.navigator?.hardwareConcurrency ?? 1;
  if (cores <= 1) return { threads: 1, reason: 'one core' };
  return { threads: Math.min(cores, 4), reason: `cross-origin isolated worker, ${cores} cores` };
}

/** Why this thread cannot run a pool (no shared memory, or a browser main thread, which may not block), or null. */
function threadsUnavailable(): string | null {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics?.wait !== 'function') return 'no SharedArrayBuffer or Atomics.wait here';
  if (!isNode() && scope.WorkerGlobalScope === undefined) return 'browser main thread (Atomics.wait is not allowed there)';
  return null;
}

/** The part of Node's worker_threads used here (declared locally: core imports no Node module, even for types). */
interface NodeWorkerThreads {
  Worker: new (
    source: string,
    opts: { eval: boolean; workerData: HelperData; execArgv: string[] },
  ) => Helper & { unref(): void; on(event: 'error', listener: () => void): unknown };
}

/** Node: eval'd worker_threads (through process.getBuiltinModule, so no bundler sees an import), unref'd. */
function nodeSpawner(): Spawn | null {
  const get = scope.process?.getBuiltinModule;
  if (typeof get !== 'function') return null;
  const wt = get('node:worker_threads') as NodeWorkerThreads | undefined;
  if (!wt) return null;
  // getBuiltinModule, not require: an eval'd worker is an ES module when the parent ran with --input-type=module
  const source = `${HELPER_SOURCE}\nrun(process.getBuiltinModule('node:worker_threads').workerData);\n`;
  return (data, failed) => {
    // no execArgv: the helper is plain JS and needs none of the parent's loaders (tsx) or flags
    const w = new wt.Worker(source, { eval: true, workerData: data, execArgv: [] });
    w.unref();
    w.on('error', failed); // never crash the caller: the pool just never becomes ready
    return w;
  };
}

/** Browser: classic workers from one Blob URL, started with one message each. */
function browserSpawner(): Spawn | null {
  if (typeof Worker !== 'function' || typeof Blob !== 'function' || typeof URL?.createObjectURL !== 'function') return null;
  const url = URL.createObjectURL(new Blob([`${HELPER_SOURCE}\nself.onmessage = (e) => run(e.data);\n`], { type: 'text/javascript' }));
  return (data, failed) => {
    const w = new Worker(url);
    w.onerror = failed;
    w.postMessage(data);
    return w;
  };
}

/** Split `blocks` register blocks into `parts` contiguous ranges as even as possible; range t is [lo, hi) in blocks. */
function share(blocks: number, parts: number, t: number): [number, number] {
  return [Math.floor((t * blocks) / parts), Math.floor(((t + 1) * blocks) / parts)];
}

/**
 * Start `threads − 1` helpers on `memory` (shared) running `module` (the shared-memory variant). Null where workers
 * cannot be created at all; a helper that fails later makes `ready()` stay false (the caller stays single-threaded).
 */
export function createWasmThreadPool(module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number): WasmThreadPool | null {
  const n = Math.min(Math.floor(threads), MAX_WASM_THREADS);
  if (!(n >= 2) || threadsUnavailable()) return null;
  const spawn = isNode() ? nodeSpawner() : browserSpawner();
  if (!spawn) return null;
  const ctlBuffer = new SharedArrayBuffer((PARTS + 4 * MAX_WASM_THREADS) * 4);
  const ctl = new Int32Array(ctlBuffer);
  const helpers: Helper[] = [];
  try {
    const failed = () => Atomics.add(ctl, FAILED, 1);
    for (let me = 0; me < n - 1; me++) helpers.push(spawn({ module, memory, ctl: ctlBuffer, me }, failed));
  } catch {
    for (const h of helpers) h.terminate();
    return null;
  }
  let stopped = false;
  const ready = () => !stopped && Atomics.load(ctl, FAILED) === 0 && Atomics.load(ctl, READY) === n - 1;
  let products = 0;
  return {
    threads: n,
    get products() {
      return products;
    },
    ready,
    whenReady: (timeoutMs = 10_000) => waitReady(ctl, n - 1, timeoutMs).then(() => ready()),
    gemm(own, single, mp, np, k, a, b, c) {
      const bw = single ? 8 : 4;
      // split the dimension with more register blocks: every thread gets whole blocks
      const byRows = mp / 4 >= np / bw;
      const blocks = byRows ? mp / 4 : np / bw;
      ctl.set([single ? 1 : 0, mp, np, k, a, b, c], JOB);
      for (let t = 1; t < n; t++) {
        const [lo, hi] = share(blocks, n, t);
        ctl.set(byRows ? [lo * 4, hi * 4, 0, np] : [0, mp, lo * bw, hi * bw], PARTS + 4 * (t - 1));
      }
      products++;
      Atomics.store(ctl, DONE, 0);
      Atomics.add(ctl, GEN, 1);
      Atomics.notify(ctl, GEN);
      const [lo, hi] = share(blocks, n, 0);
      const part = single ? own.gemm_f32_part : own.gemm_f64_part;
      if (byRows) part(mp, np, k, a, b, c, lo * 4, hi * 4, 0, np);
      else part(mp, np, k, a, b, c, 0, mp, lo * bw, hi * bw);
      for (let d = Atomics.load(ctl, DONE); d < n - 1; d = Atomics.load(ctl, DONE)) Atomics.wait(ctl, DONE, d);
      if (Atomics.load(ctl, FAILED) !== 0) throw new Error('wasm-simd: a GEMM helper thread failed');
    },
    terminate() {
      if (stopped) return;
      stopped = true;
      Atomics.store(ctl, STOP, 1);
      Atomics.add(ctl, GEN, 1);
      Atomics.notify(ctl, GEN);
      for (const h of helpers) h.terminate();
    },
  };
}

/** Poll (without blocking: this may run on a thread that must not wait) until `count` helpers are ready or one failed. */
async function waitReady(ctl: Int32Array, count: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Atomics.load(ctl, READY) < count && Atomics.load(ctl, FAILED) === 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 5));
  }
}

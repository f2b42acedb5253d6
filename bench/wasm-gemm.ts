/**
 * The portable backend's matrix product (WebAssembly SIMD, one thread) in GFLOP/s on the shapes the studies use,
 * packing and copies included, beside the native backend on one thread when it is built:
 *   node --import tsx bench/wasm-gemm.ts [--against DIR] [--addon FILE]
 * --against DIR adds the WebAssembly product of another checkout (DIR/src/core/kernelsWasm.ts, e.g. a `git worktree`
 * of an earlier commit) and --addon FILE another build of the native addon (a copied lmech_kernels.node), each timed in
 * turn with this tree's within every timing round and printed as (its time / this tree's): the before/after of a
 * kernel change on a machine whose speed drifts. Each figure is the median of seven timings of a repeated product
 * (about 0.1 GFLOP each).
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KERNEL_BACKENDS, type Kernels } from '../src/core/kernels.ts';
import { Rng } from '../src/core/random.ts';
import { loadNativeKernels } from '../src/run/nativeKernels.ts';

/** m, n, k, and whether C accumulates (C += A·B: the eigensolver's back-transformation, a large C and a short k). */
const SHAPES: [number, number, number, boolean][] = [
  [16, 64, 16, false],
  [64, 32, 32, false],
  [64, 128, 128, false],
  [128, 128, 128, false],
  [128, 512, 128, false],
  [256, 256, 256, false],
  [512, 512, 512, false],
  [2000, 2000, 64, true],
];

/**
 * Median seconds of one product on each of the given kernels (seven timings each of a repeated call), the kernels
 * timed in turn within every round, so that a drift of the machine's speed falls on all of them alike.
 */
function seconds(ks: readonly Pick<Kernels, 'gemm'>[], single: boolean, [m, n, kk, acc]: (typeof SHAPES)[number], tA: boolean, tB: boolean): number[] {
  const rng = Rng.fromSeed(0, 'wasm-gemm', m, n, kk);
  const make = (len: number) => (single ? rng.fillNormal(new Float32Array(len)) : rng.fillNormal(new Float64Array(len)));
  const a = make(m * kk);
  const b = make(kk * n);
  const c = make(m * n);
  const reps = Math.max(3, Math.floor(1e8 / (2 * m * n * kk)));
  for (const k of ks) for (let r = 0; r < 3; r++) k.gemm(tA, tB, m, n, kk, a, b, c, acc);
  const ts = ks.map(() => [] as number[]);
  for (let q = 0; q < 7; q++)
    ks.forEach((k, i) => {
      const t = performance.now();
      for (let r = 0; r < reps; r++) k.gemm(tA, tB, m, n, kk, a, b, c, acc);
      ts[i].push((performance.now() - t) / reps / 1000);
    });
  return ts.map((x) => x.sort((p, q) => p - q)[3]);
}

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  if (at < 0) return undefined;
  const v = process.argv[at + 1];
  if (!v) throw new Error(`${name}: expected a path after it`);
  return resolve(v);
}

const wasm = KERNEL_BACKENDS.wasm?.();
if (!wasm) throw new Error('WebAssembly SIMD is unavailable here');
const native = loadNativeKernels({ threads: 1 }).kernels;
const againstDir = option('--against');
const addonFile = option('--addon');
const against = againstDir
  ? ((await import(pathToFileURL(`${againstDir}/src/core/kernelsWasm.ts`).href)) as typeof import('../src/core/kernelsWasm.ts')).createWasmKernels({ threads: 1 })
  : null;
if (againstDir && !against) throw new Error(`--against ${againstDir}: its WebAssembly kernels do not load`);
type RawAddon = { gemm(tA: boolean, tB: boolean, m: number, n: number, k: number, a: Float64Array | Float32Array, b: Float64Array | Float32Array, c: Float64Array | Float32Array, acc: boolean, threads: number): void };
const addon = addonFile ? (createRequire(import.meta.url)(addonFile) as RawAddon) : null;
const other = addon ? { gemm: (tA: boolean, tB: boolean, m: number, n: number, kk: number, a: Float64Array | Float32Array, b: Float64Array | Float32Array, c: Float64Array | Float32Array, acc: boolean) => addon.gemm(tA, tB, m, n, kk, a, b, c, acc, 1) } : null;
if (addon && !native) throw new Error('--addon: the native backend of this tree is not built, nothing to compare with');
console.log(
  `GFLOP/s, one thread: wasm-simd${against ? ' (time --against / this)' : ''}${native ? ' | native' : ''}${other ? ' (time --addon / this)' : ''}; NN, NT, TN`,
);
const LAYOUTS = [[false, false], [false, true], [true, false]] as const;
for (const single of [false, true])
  for (const shape of SHAPES) {
    const [m, n, kk, acc] = shape;
    if (m * n * kk > 1e8 && !native) continue; // the short-k large case is there for the native kernel
    const row = (k: Pick<Kernels, 'gemm'>, base: Pick<Kernels, 'gemm'> | null) =>
      LAYOUTS.map(([tA, tB]) => {
        const [t, tBase] = seconds(base ? [k, base] : [k], single, shape, tA, tB);
        const g = ((2 * m * n * kk) / t / 1e9).toFixed(1).padStart(5);
        return base ? `${g} (${(tBase / t).toFixed(2)})` : g;
      }).join(' ');
    console.log(`${single ? 'f32' : 'f64'} ${`${m}×${n}×${kk}${acc ? ' +=' : ''}`.padEnd(16)} ${row(wasm, against)}${native ? ` | ${row(native, other)}` : ''}`);
  }

/**
 * The portable backend's matrix product (WebAssembly SIMD, one thread) in GFLOP/s on the shapes the studies use,
 * packing and copies included, beside the native backend on one thread when it is built:
 *   node --import tsx bench/wasm-gemm.ts
 * Each figure is the median of seven timings of a repeated product (about 0.1 GFLOP each), so a shared machine's
 * noise shows up as spread between runs rather than inside one.
 */
import { KERNEL_BACKENDS, type Kernels } from '../src/core/kernels.ts';
import { Rng } from '../src/core/random.ts';
import { loadNativeKernels } from '../src/run/nativeKernels.ts';

const SHAPES: [number, number, number][] = [
  [16, 64, 16],
  [64, 32, 32],
  [64, 128, 128],
  [128, 128, 128],
  [128, 512, 128],
  [256, 256, 256],
  [512, 512, 512],
];

function gflops(k: Kernels, single: boolean, m: number, n: number, kk: number, tA: boolean, tB: boolean): number {
  const rng = Rng.fromSeed(0, 'wasm-gemm', m, n, kk);
  const make = (len: number) => (single ? rng.fillNormal(new Float32Array(len)) : rng.fillNormal(new Float64Array(len)));
  const a = make(m * kk);
  const b = make(kk * n);
  const c = make(m * n);
  const reps = Math.max(3, Math.floor(1e8 / (2 * m * n * kk)));
  for (let r = 0; r < 3; r++) k.gemm(tA, tB, m, n, kk, a, b, c, false);
  const ts: number[] = [];
  for (let q = 0; q < 7; q++) {
    const t = performance.now();
    for (let r = 0; r < reps; r++) k.gemm(tA, tB, m, n, kk, a, b, c, false);
    ts.push((performance.now() - t) / reps);
  }
  ts.sort((x, y) => x - y);
  return (2 * m * n * kk) / ts[3] / 1e6;
}

const wasm = KERNEL_BACKENDS.wasm?.();
if (!wasm) throw new Error('WebAssembly SIMD is unavailable here');
const native = loadNativeKernels({ threads: 1 }).kernels;
console.log(`GFLOP/s, one thread: wasm-simd${native ? ' | native' : ''} (NN, NT, TN)`);
for (const single of [false, true])
  for (const [m, n, kk] of SHAPES) {
    const row = (k: Kernels) =>
      ([[false, false], [false, true], [true, false]] as const).map(([tA, tB]) => gflops(k, single, m, n, kk, tA, tB).toFixed(1).padStart(5)).join(' ');
    console.log(`${single ? 'f32' : 'f64'} ${`${m}×${n}×${kk}`.padEnd(12)} ${row(wasm)}${native ? ` | ${row(native)}` : ''}`);
  }

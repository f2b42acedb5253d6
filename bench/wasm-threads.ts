/**
 * The WebAssembly GEMM single-threaded vs on a thread pool (src/core/wasmThreads.ts, issue 17): square products
 * n×n×n in float64 and float32, best of several runs each, the two kernels alternated so that a busy machine
 * slows both alike. Prints wall time, process CPU time (all threads) per product, and single/threaded ratios.
 *
 *   node --import tsx bench/wasm-threads.ts                 # 2 threads, n = 64 128 256 512 1024
 *   node --import tsx bench/wasm-threads.ts --threads 3 --sizes 256,512
 *
 * A wall ratio near the thread count needs that many idle cores; CPU time per product shows what the split costs
 * (waking the helpers, waiting for them). The smallest sizes show where threading starts to pay (THREAD_WORK in
 * src/core/kernelsWasm.ts: products under it stay single-threaded even with a pool, so there the ratio is ~1).
 */
import type { Kernels } from '../src/core/kernels.ts';
import { createWasmKernels, wasmThreadPool } from '../src/core/kernelsWasm.ts';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const threads = Number(flag('--threads') ?? 2);
const sizes = (flag('--sizes') ?? '64,128,256,512,1024').split(',').map(Number);

/** Best wall and CPU milliseconds of one product over `reps` runs. */
function time(k: Kernels, n: number, a: Float64Array | Float32Array, c: Float64Array | Float32Array, reps: number): { wall: number; cpu: number } {
  let wall = Number.POSITIVE_INFINITY;
  let cpu = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const u0 = process.cpuUsage();
    const t0 = performance.now();
    k.gemm(false, false, n, n, n, a, a, c, false);
    wall = Math.min(wall, performance.now() - t0);
    const u = process.cpuUsage(u0);
    cpu = Math.min(cpu, (u.user + u.system) / 1000);
  }
  return { wall, cpu };
}

const single = createWasmKernels({ threads: 1 });
const pooled = createWasmKernels({ threads });
const pool = pooled ? wasmThreadPool(pooled) : null;
if (!single || !pooled || !pool || !(await pool.whenReady())) {
  console.log('wasm threads unavailable here (no SharedArrayBuffer, workers or WebAssembly SIMD)');
  process.exit(1);
}
console.log(`wasm gemm n×n×n, 1 vs ${threads} threads; best of runs, alternated; ms per product (wall / process CPU)`);
for (const dtype of ['f64', 'f32'] as const) {
  for (const n of sizes) {
    const a = dtype === 'f64' ? new Float64Array(n * n) : new Float32Array(n * n);
    for (let i = 0; i < a.length; i++) a[i] = ((i * 7919) % 1000) / 1000 - 0.5;
    const c = a.slice();
    const reps = Math.max(2, Math.min(50, Math.round(3e8 / n ** 3)));
    const best = { one: { wall: Infinity, cpu: Infinity }, many: { wall: Infinity, cpu: Infinity } };
    for (let round = 0; round < 3; round++) {
      for (const [key, k] of [['one', single], ['many', pooled]] as const) {
        const t = time(k, n, a, c, reps);
        best[key] = { wall: Math.min(best[key].wall, t.wall), cpu: Math.min(best[key].cpu, t.cpu) };
      }
    }
    const { one, many } = best;
    console.log(
      `${dtype} n=${String(n).padStart(4)}  1 thread ${one.wall.toFixed(2)} / ${one.cpu.toFixed(2)}  ${threads} threads ${many.wall.toFixed(2)} / ${many.cpu.toFixed(2)}  wall ratio ${(one.wall / many.wall).toFixed(2)}`,
    );
  }
}
pool.terminate();

import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kernels } from '../../src/core/kernels.ts';
import { createWasmKernels, wasmThreadPool } from '../../src/core/kernelsWasm.ts';
import { Rng } from '../../src/core/random.ts';
import { wasmThreadsSetting } from '../../src/core/wasmThreads.ts';
import { sameBits } from '../fixtures/bits.ts';

/**
 * The threaded WebAssembly GEMM (src/core/wasmThreads.ts) must give the single-threaded module's bits for every shape,
 * transpose, accumulate flag and dtype, whatever the thread count: study fingerprints and run ids must not depend
 * on it. Products here are above the threading threshold (2^20 multiply-adds) unless noted, with m and n off the
 * 4 × 4 / 4 × 8 register blocks so that the row and column splits both meet padded edges.
 */
const single = createWasmKernels({ threads: 1 });
const pools: Kernels[] = [];

function threaded(threads: number): Kernels {
  const k = createWasmKernels({ threads });
  if (!k) throw new Error('no wasm kernels');
  pools.push(k);
  return k;
}

afterAll(() => {
  for (const k of pools) wasmThreadPool(k)?.terminate();
});

// [m, n, k]: tall (row split), wide (column split), k = 1, one row block, odd everything, and one below the threshold
const SHAPES = [
  [203, 61, 97],
  [37, 301, 101],
  [1031, 1029, 1],
  [3, 517, 700],
  [129, 131, 67],
  [30, 30, 30],
];

describe.skipIf(single === null || wasmThreadsSetting().reason.startsWith('no SharedArrayBuffer'))('wasm gemm on threads', () => {
  const byThreads = new Map<number, Kernels>();
  beforeAll(async () => {
    for (const t of [2, 3]) {
      const k = threaded(t);
      const pool = wasmThreadPool(k);
      expect(pool?.threads).toBe(t);
      expect(await pool?.whenReady()).toBe(true);
      byThreads.set(t, k);
    }
  });

  it('is bit-identical to the single-threaded module (shapes, transposes, accumulate, f32 and f64, 2 and 3 threads)', () => {
    const one = single as Kernels;
    const rng = Rng.fromSeed(17, 'wasm-threads');
    let checked = 0;
    for (const [m, n, k] of SHAPES)
      for (const f32 of [false, true])
        for (const [tA, tB, acc] of [
          [false, false, false],
          [true, false, true],
          [false, true, false],
          [true, true, true],
        ]) {
          const make = (len: number) => rng.fillNormal(f32 ? new Float32Array(len) : new Float64Array(len));
          const a = make(m * k);
          const b = make(k * n);
          const c0 = make(m * n);
          const want = c0.slice();
          one.gemm(tA, tB, m, n, k, a, b, want, acc);
          for (const [t, kt] of byThreads) {
            const got = c0.slice();
            kt.gemm(tA, tB, m, n, k, a, b, got, acc);
            expect(sameBits(got, want), `${m}×${n}×${k} f${f32 ? 32 : 64} tA=${tA} tB=${tB} acc=${acc} threads=${t}`).toBe(true);
            checked++;
          }
        }
    expect(checked).toBe(SHAPES.length * 2 * 4 * 2);
    // every product above the threshold (all shapes but the last) really went through the pool
    for (const kt of byThreads.values()) expect(wasmThreadPool(kt)?.products).toBe((SHAPES.length - 1) * 2 * 4);
  });

  it('keeps the bits after the shared memory grows between products', () => {
    const one = single as Kernels;
    const kt = byThreads.get(2) as Kernels;
    const rng = Rng.fromSeed(18, 'wasm-threads-grow');
    for (const n of [128, 700]) {
      const a = rng.fillNormal(new Float64Array(n * n));
      const b = rng.fillNormal(new Float64Array(n * n));
      const want = new Float64Array(n * n);
      const got = new Float64Array(n * n);
      one.gemm(false, false, n, n, n, a, b, want, false);
      kt.gemm(false, false, n, n, n, a, b, got, false);
      expect(sameBits(got, want)).toBe(true);
    }
  });

  it('stays single-threaded, with the same bits, once the pool is terminated', () => {
    const kt = threaded(2);
    const pool = wasmThreadPool(kt);
    pool?.terminate();
    expect(pool?.ready()).toBe(false);
    const rng = Rng.fromSeed(19, 'wasm-threads-stopped');
    const a = rng.fillNormal(new Float64Array(200 * 150));
    const b = rng.fillNormal(new Float64Array(150 * 120));
    const want = new Float64Array(200 * 120);
    const got = new Float64Array(200 * 120);
    (single as Kernels).gemm(false, false, 200, 120, 150, a, b, want, false);
    kt.gemm(false, false, 200, 120, 150, a, b, got, false);
    expect(sameBits(got, want)).toBe(true);
  });
});

describe('wasm threads enablement', () => {
  it('is off by default in Node and falls back to the single-threaded module when threads are unavailable', () => {
    const prev = process.env.LMECH_WASM_THREADS;
    try {
      delete process.env.LMECH_WASM_THREADS;
      expect(wasmThreadsSetting().threads).toBe(1);
      process.env.LMECH_WASM_THREADS = '1';
      expect(wasmThreadsSetting().threads).toBe(1);
      process.env.LMECH_WASM_THREADS = '3';
      expect(wasmThreadsSetting().threads).toBe(3);
    } finally {
      if (prev === undefined) delete process.env.LMECH_WASM_THREADS;
      else process.env.LMECH_WASM_THREADS = prev;
    }
    // threads: 1 (or too few) is the plain module, no pool
    const k = createWasmKernels({ threads: 1 });
    expect(k === null || wasmThreadPool(k) === null).toBe(true);
  });

  it('falls back silently where SharedArrayBuffer is missing', () => {
    const saved = globalThis.SharedArrayBuffer;
    try {
      Reflect.deleteProperty(globalThis, 'SharedArrayBuffer');
      const k = createWasmKernels({ threads: 2 });
      expect(k).not.toBeNull();
      expect(wasmThreadPool(k as Kernels)).toBeNull();
      expect(wasmThreadsSetting().threads).toBe(1);
    } finally {
      globalThis.SharedArrayBuffer = saved;
    }
  });

  it('lets a process that used threads exit on its own', () => {
    // a threaded product, then nothing: the helpers (blocked in Atomics.wait) must not keep the process alive
    const url = new URL('../../src/core/kernelsWasm.ts', import.meta.url).href;
    const script = `
      const { createWasmKernels, wasmThreadPool } = await import(${JSON.stringify(url)});
      const k = createWasmKernels();
      const pool = wasmThreadPool(k);
      console.log('ready ' + await pool.whenReady());
      const a = new Float64Array(300 * 300).fill(1);
      k.gemm(false, false, 300, 300, 300, a, a, new Float64Array(300 * 300), false);
      console.log('threads ' + pool.threads);`;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, LMECH_WASM_THREADS: '2' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('ready true');
    expect(r.stdout).toContain('threads 2');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

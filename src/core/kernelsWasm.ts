/**
 * WebAssembly SIMD kernels (portable: Node and browsers). Operands are packed into the module's
 * linear memory — A transposed to k×m′ and B to k×n′ with m′, n′ padded to the register-block size —
 * so one full-block kernel serves every transpose combination; C is copied back (or accumulated).
 * Packing costs O(mk + kn + mn) against the O(mnk) product; below `SMALL_WORK` multiply-adds the
 * plain TypeScript kernel is used instead, since copying would dominate.
 */
import type { Kernels } from './kernels.ts';
import { jsKernels } from './kernelsJs.ts';
import type { FloatArray } from './mat.ts';
import { GEMM_WASM_BASE64 } from './wasm/gemmModule.ts';

const SMALL_WORK = 2048;

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  if (typeof atob === 'function') {
    const bin = atob(s);
    const out = new Uint8Array(new ArrayBuffer(bin.length));
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  throw new Error('no base64 decoder available');
}

interface GemmExports {
  memory: WebAssembly.Memory;
  gemm_f64(mp: number, np: number, k: number, a: number, b: number, c: number): void;
  gemm_f32(mp: number, np: number, k: number, a: number, b: number, c: number): void;
}

/** Instantiate synchronously (the module is ~1 KB, under every browser's sync-compile limit). Null if SIMD is unsupported. */
export function createWasmKernels(): Kernels | null {
  let ex: GemmExports;
  try {
    const mod = new WebAssembly.Module(decodeBase64(GEMM_WASM_BASE64));
    ex = new WebAssembly.Instance(mod, {}).exports as unknown as GemmExports;
  } catch {
    return null;
  }
  const mem = ex.memory;
  let f64 = new Float64Array(mem.buffer);
  let f32 = new Float32Array(mem.buffer);
  const ensure = (bytes: number) => {
    if (bytes > mem.buffer.byteLength) {
      mem.grow(Math.ceil((bytes - mem.buffer.byteLength) / 65536));
      f64 = new Float64Array(mem.buffer);
      f32 = new Float32Array(mem.buffer);
    }
  };
  return {
    name: 'wasm-simd',
    gemm(transA, transB, m, n, k, a, b, c, accumulate) {
      if (m * n * k < SMALL_WORK || k === 0) {
        jsKernels.gemm(transA, transB, m, n, k, a, b, c, accumulate);
        return;
      }
      const single = a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array;
      const bw = single ? 8 : 4; // column block width of the kernel
      const mp = (m + 3) & ~3;
      const np = Math.ceil(n / bw) * bw;
      const es = single ? 4 : 8;
      const aOff = 0;
      const bOff = aOff + mp * k * es;
      const cOff = bOff + k * np * es;
      ensure(cOff + mp * np * es);
      const buf: FloatArray = single ? f32 : f64;
      // pack A as Aᵀ: row p holds A[0..m, p], padded with zeros to mp
      const ab = aOff / es;
      for (let p = 0; p < k; p++) {
        const r = ab + p * mp;
        if (transA) for (let i = 0; i < m; i++) buf[r + i] = a[p * m + i];
        else for (let i = 0; i < m; i++) buf[r + i] = a[i * k + p];
        for (let i = m; i < mp; i++) buf[r + i] = 0;
      }
      // pack B as k rows of np
      const bb = bOff / es;
      if (!transB && np === n) buf.set(b.subarray(0, k * n), bb);
      else {
        for (let p = 0; p < k; p++) {
          const r = bb + p * np;
          if (transB) for (let j = 0; j < n; j++) buf[r + j] = b[j * k + p];
          else for (let j = 0; j < n; j++) buf[r + j] = b[p * n + j];
          for (let j = n; j < np; j++) buf[r + j] = 0;
        }
      }
      if (single) ex.gemm_f32(mp, np, k, aOff, bOff, cOff);
      else ex.gemm_f64(mp, np, k, aOff, bOff, cOff);
      const cb = cOff / es;
      if (accumulate) {
        for (let i = 0; i < m; i++) {
          const src = cb + i * np;
          const dst = i * n;
          for (let j = 0; j < n; j++) c[dst + j] += buf[src + j];
        }
      } else if (np === n) c.set(buf.subarray(cb, cb + m * n));
      else for (let i = 0; i < m; i++) c.set(buf.subarray(cb + i * np, cb + i * np + n), i * n);
    },
  };
}

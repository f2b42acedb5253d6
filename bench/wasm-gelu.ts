/**
 * ns per element of the exact GELU: the TypeScript loop `geluTable` against the WebAssembly kernel (copies into and
 * out of the module's memory included), float64 and float32, with d1 (the training case). Run:
 *   node --import tsx bench/wasm-gelu.ts
 */
import { geluTable } from '../src/core/geluTable.ts';
import { createWasmKernels } from '../src/core/kernelsWasm.ts';
import type { FloatArray } from '../src/core/mat.ts';

const k = createWasmKernels({ threads: 1 });
if (!k?.gelu) throw new Error('no wasm gelu');
const wasmGelu = k.gelu.bind(k);

function timeIt(f: () => void, elements: number): number {
  // repeat to ~0.3 s per measurement, the best of 5
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) f();
    const dt = performance.now() - t0;
    if (dt > 60) break;
    reps *= 2;
  }
  let best = Number.POSITIVE_INFINITY;
  for (let t = 0; t < 5; t++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) f();
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  return (best * 1e6) / elements;
}

const rows: string[] = ['| n | dtype | geluTable ns/elt | wasm ns/elt | speed-up |', '|---|---|---|---|---|'];
for (const n of [1, 4, 16, 64, 256, 1024, 4096, 65536, 1 << 20])
  for (const single of [false, true]) {
    const make = (len: number): FloatArray => (single ? new Float32Array(len) : new Float64Array(len));
    const x = make(n);
    for (let i = 0; i < n; i++) x[i] = 3 * Math.sin(i * 0.7) * Math.cos(i * 0.013); // the transformer's range
    const y = make(n);
    const d1 = make(n);
    const js = timeIt(() => geluTable(x, y, d1), n);
    const wa = timeIt(() => wasmGelu(x, y, d1), n);
    rows.push(`| ${n} | ${single ? 'f32' : 'f64'} | ${js.toFixed(2)} | ${wa.toFixed(2)} | ${(js / wa).toFixed(2)}× |`);
  }
console.log(rows.join('\n'));

/**
 * ns per element of the WebAssembly elementwise kernels against the TypeScript loops they reproduce bit for bit: the
 * normal and uniform draws of `Rng` (src/core/randomFill.ts → wasm/random.wat), `tanh` (Math.tanh → the portable
 * kernels' tanh, gemm.wat) and Adam's fused step (src/nn/optim.ts's loop → wasm/adam.wat, copies included). Interleaved:
 * each round times both sides, the best of 5 rounds is kept, so the machine's drift falls on both. Run:
 *   node --import tsx bench/wasm-math.ts
 */
import { type AdamHyper, adamStepWasm } from '../src/core/adamWasm.ts';
import { createWasmKernels } from '../src/core/kernelsWasm.ts';
import { fillNormalFromState, fillNormalFromStateJs, fillUniformFromState, fillUniformFromStateJs } from '../src/core/randomFill.ts';

const k = createWasmKernels({ threads: 1 });
if (!k?.tanh) throw new Error('no wasm tanh');
const wasmTanh = k.tanh.bind(k);

/** ms per call of each of `fs`, timed in turn in every round (best of 5 rounds, each ~60 ms). */
function timeBoth(fs: (() => void)[]): number[] {
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fs[0]();
    if (performance.now() - t0 > 60) break;
    reps *= 2;
  }
  const best = fs.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < 5; round++)
    fs.forEach((f, i) => {
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) f();
      best[i] = Math.min(best[i], (performance.now() - t0) / reps);
    });
  return best;
}

const h: AdamHyper = { b1: 0.9, b2: 0.999, eps: 1e-8 };
function adamJs(p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, c: number): void {
  const { b1, b2, eps } = h;
  for (let j = 0; j < p.length; j++) {
    const gj = g[j];
    m[j] = b1 * m[j] + (1 - b1) * gj;
    v[j] = b2 * v[j] + (1 - b2) * gj * gj;
    p[j] += c * (m[j] / 0.5 / (Math.sqrt(v[j] / 0.7) + eps));
  }
}

const rows = ['| kernel | n | TypeScript ns/elt | wasm ns/elt | speed-up |', '|---|---|---|---|---|'];
const row = (name: string, n: number, [js, wa]: number[]) => rows.push(`| ${name} | ${n} | ${((js * 1e6) / n).toFixed(2)} | ${((wa * 1e6) / n).toFixed(2)} | ${(js / wa).toFixed(2)}× |`);
for (const n of [64, 4096, 1 << 18]) {
  const out = new Float64Array(n);
  const st = Int32Array.from([1, 2, 3, 4]);
  row('normal draws', n, timeBoth([() => fillNormalFromStateJs(st, out, 0, 1, 0), () => fillNormalFromState(st, out, 0, 1, 0)]));
  row('uniform draws', n, timeBoth([() => fillUniformFromStateJs(st, out, 0, 1), () => fillUniformFromState(st, out, 0, 1)]));
  // activations in the range trained tanh networks see
  const x = Float64Array.from({ length: n }, (_, i) => 3 * Math.sin(i * 0.7) * Math.cos(i * 0.013));
  row('tanh', n, timeBoth([() => { for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]); }, () => wasmTanh(x, out)]));
  const [p, g, m, v] = [0, 1, 2, 3].map((s) => Float64Array.from({ length: n }, (_, i) => Math.abs(Math.sin(i * 0.3 + s)) * 0.01));
  row('Adam step', n, timeBoth([() => adamJs(p, g, m, v, -1e-3), () => adamStepWasm(p, g, m, v, 0, n, h, null, 0.5, 0.7, -1e-3)]));
}
console.log(rows.join('\n'));

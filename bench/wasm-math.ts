/**
 * ns per element of the WebAssembly elementwise kernels against the TypeScript loops they reproduce bit for bit: the
 * normal and uniform draws of `Rng` (src/core/randomFill.ts → wasm/random.wat), `tanh` and `exp` (Math.tanh, Math.exp →
 * the portable kernels' tanh and exp, gemm.wat), a bias row's add and column sums (src/core/elementwise.ts → gemm.wat's
 * add_rows / row_sums), tanh's adjoint (→ tanh_backward), ReLU and its adjoint (→ relu, relu_backward), the one-pass SGD step (→ axpy), LayerNorm's forward and backward on float32 rows of 64
 * (src/core/layerNormRows.ts → gemm.wat's layernorm_fwd_f32 / layernorm_bwd_f32) and Adam's fused step
 * (src/nn/optim.ts's loop → wasm/adam.wat), copies included. Interleaved:
 * each round times both sides, the best of 5 rounds is kept, so the machine's drift falls on both. Run:
 *   node --import tsx bench/wasm-math.ts
 */
import { type AdamHyper, adamStepWasm } from '../src/core/adamWasm.ts';
import { createWasmKernels } from '../src/core/kernelsWasm.ts';
import { layerNormBackwardRows, layerNormRows } from '../src/core/layerNormRows.ts';
import { fillNormalFromState, fillNormalFromStateJs, fillUniformFromState, fillUniformFromStateJs } from '../src/core/randomFill.ts';
import { addRowsLoop, reluBackwardLoop, reluLoop, rowSumsLoop, scaledAddLoop, tanhBackwardLoop } from '../src/core/elementwise.ts';

const k = createWasmKernels({ threads: 1 });
if (!k?.tanh || !k.exp || !k.layerNorm || !k.layerNormBackward || !k.addRows || !k.rowSums || !k.tanhBackward || !k.scaledAdd)
  throw new Error('no wasm tanh, exp, LayerNorm, bias rows, tanh adjoint or SGD step');
const wasmScaledAdd = k.scaledAdd.bind(k);
if (!k.relu || !k.reluBackward) throw new Error('no wasm ReLU');
const [wasmRelu, wasmReluBackward] = [k.relu.bind(k), k.reluBackward.bind(k)];
const wasmTanhBackward = k.tanhBackward.bind(k);
const wasmAddRows = k.addRows.bind(k);
const wasmRowSums = k.rowSums.bind(k);
const wasmTanh = k.tanh.bind(k);
const wasmExp = k.exp.bind(k);
const wasmNorm = k.layerNorm.bind(k);
const wasmNormBackward = k.layerNormBackward.bind(k);

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
/** The loop of `adamStep32` / `adamStep64` in src/nn/optim.ts (bias corrections 0.5 and 0.7, no decay). */
function adamJs(p: Float64Array | Float32Array, g: Float64Array | Float32Array, m: Float64Array, v: Float64Array, c: number): void {
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
// the sizes around the cut-offs that src/core/kernelsWasm.ts (TANH_MIN, EXP_MIN, LAYER_NORM_MIN) and src/nn/optim.ts
// (ADAM_WASM_MIN/MAX) chose
for (const n of [16, 32, 64, 128, 256, 1024, 4096, 65536, 1 << 18, 1 << 20]) {
  const out = new Float64Array(n);
  const st = Int32Array.from([1, 2, 3, 4]);
  row('normal draws', n, timeBoth([() => fillNormalFromStateJs(st, out, 0, 1, 0), () => fillNormalFromState(st, out, 0, 1, 0)]));
  row('uniform draws', n, timeBoth([() => fillUniformFromStateJs(st, out, 0, 1), () => fillUniformFromState(st, out, 0, 1)]));
  // smooth arguments, whose ranges Math.tanh's branches predict, and uniform ones on (−3, 3), which they do not
  const smooth = Float64Array.from({ length: n }, (_, i) => 3 * Math.sin(i * 0.7) * Math.cos(i * 0.013));
  const rough = Float64Array.from({ length: n }, (_, i) => 6 * ((Math.imul(i + 1, 0x9e3779b1) >>> 0) / 2 ** 32) - 3);
  for (const [name, x] of [['tanh, 3·sin·cos', smooth], ['tanh, uniform (−3, 3)', rough]] as const)
    row(name, n, timeBoth([() => { for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]); }, () => wasmTanh(x, out)]));
  // softmax arguments (shifted logits, ≤ 0)
  const shifted = Float64Array.from({ length: n }, (_, i) => -12 * ((Math.imul(i + 7, 0x9e3779b1) >>> 0) / 2 ** 32));
  row('exp, uniform (−12, 0]', n, timeBoth([() => { for (let i = 0; i < n; i++) out[i] = Math.exp(shifted[i]); }, () => wasmExp(shifted, out)]));
  if (n >= 64) {
    // a bias row of 64 on float64 rows (an MLP's hidden layer)
    const [a, b, y] = [Float64Array.from({ length: n }, (_, i) => Math.sin(i)), Float64Array.from({ length: 64 }, (_, i) => Math.cos(i)), new Float64Array(n)];
    row('bias row add, float64 rows of 64', n, timeBoth([() => addRowsLoop(a, b, y, 1), () => wasmAddRows(a, b, y, 1)]));
    row('bias row sums, float64 rows of 64', n, timeBoth([() => rowSumsLoop(b, a, 1), () => wasmRowSums(b, a, 1)]));
    const [t, g] = [Float64Array.from(a, Math.tanh), Float64Array.from(a, (v) => v * 1e-3)];
    row('tanh adjoint, float64', n, timeBoth([() => tanhBackwardLoop(t, g, y), () => wasmTanhBackward(t, g, y)]));
    row('ReLU, float64', n, timeBoth([() => reluLoop(a, y), () => wasmRelu(a, y)]));
    row('ReLU adjoint, float64', n, timeBoth([() => reluBackwardLoop(a, g, y), () => wasmReluBackward(a, g, y)]));
    row('SGD step p += c·g, float64', n, timeBoth([() => scaledAddLoop(y, g, 0, n, -1e-9), () => wasmScaledAdd(y, g, 0, n, -1e-9)]));
    const [p32, g32] = [Float32Array.from(a), Float32Array.from(g)];
    row('SGD step p += c·g, float32', n, timeBoth([() => scaledAddLoop(p32, g32, 0, n, -1e-9), () => wasmScaledAdd(p32, g32, 0, n, -1e-9)]));
  }
  if (n >= 64) {
    // rows of 64 (a transformer's width), float32 like the transformers' default
    const f = (s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + s) * (1 + (i % 7)));
    const [x, y, xhat, g, gx] = [f(0), f(1), f(2), f(3), f(4)];
    const [gamma, beta, gg, gb] = [f(5).subarray(0, 64), f(6).subarray(0, 64), f(7).subarray(0, 64), f(8).subarray(0, 64)];
    const rstd = new Float64Array(n / 64);
    row('LayerNorm forward, float32 rows of 64', n, timeBoth([() => layerNormRows(x, gamma, beta, 1e-5, y, xhat, rstd), () => wasmNorm(x, gamma, beta, 1e-5, y, xhat, rstd)]));
    row('LayerNorm backward, float32 rows of 64', n, timeBoth([() => layerNormBackwardRows(g, xhat, rstd, gamma, gx, gg, gb), () => wasmNormBackward(g, xhat, rstd, gamma, gx, gg, gb)]));
  }
  for (const f32 of [false, true]) {
    const theta = (s: number) => {
      const a = Array.from({ length: n }, (_, i) => Math.abs(Math.sin(i * 0.3 + s)) * 0.01);
      return f32 ? Float32Array.from(a) : Float64Array.from(a);
    };
    const [p, g] = [theta(0), theta(1)];
    const [m, v] = [2, 3].map((s) => Float64Array.from({ length: n }, (_, i) => Math.abs(Math.sin(i * 0.3 + s)) * 0.01));
    row(`Adam step, ${f32 ? 'float32' : 'float64'} θ`, n, timeBoth([() => adamJs(p, g, m, v, -1e-3), () => adamStepWasm(p, g, m, v, 0, n, h, null, 0.5, 0.7, -1e-3)]));
  }
}
console.log(rows.join('\n'));

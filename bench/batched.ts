/**
 * Batched training of many small networks (src/nn/batchedMlp.ts through `trainOnlineSweep` in
 * src/protocols/lrSweep.ts) against training them one by one, on the sweep of the mup-lr-transfer study
 * (src/studies/mup-lr-transfer.ts): MLP 8 → n → n → 1 (ReLU), Adam, online batches of 32 from the tanh
 * teacher, learning rates 2^−10 … 2^−3 × 2 inits = 16 runs per (scheme, width), SP and μP, at widths 32
 * and 128. Both paths are measured in the same process, interleaved `--repeats` times (default 2, the
 * fastest kept), and timed by the CPU time of this process (process.cpuUsage: user + system), not the
 * wall clock, because the machine may be shared. Prints ms per network-step (CPU time ÷ the steps the
 * runs actually took: a diverged run stops early on both paths) of the separate runs, of the batched
 * code at K = 1 (what its in-place optimizer alone gains) and at K = `--chunk`, the ratio separate ÷
 * batched, and checks that all paths gave identical results.
 *
 * `node --import tsx bench/batched.ts [--steps N] [--repeats R] [--chunk K] [--dtype f32|f64] [--json]`
 * Kernels: the ones the CLI uses (`installBestKernels()`; `LMECH_KERNELS=js|wasm|native` overrides).
 */
import { kernels } from '../src/core/kernels.ts';
import { Rng } from '../src/core/random.ts';
import type { DType } from '../src/core/tensor.ts';
import { type OnlineRunResult, type OnlineSweepRun, tanhTeacher, trainOnlineSweep } from '../src/protocols/lrSweep.ts';
import { installBestKernels } from '../src/run/nativeKernels.ts';

const args = process.argv.slice(2);
const flag = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const steps = Number(flag('--steps', '120'));
const repeats = Number(flag('--repeats', '2'));
const chunk = Number(flag('--chunk', '16'));
const dtype = flag('--dtype', 'f32') as DType;
const json = args.includes('--json');
for (const [name, v] of [
  ['--steps', steps],
  ['--repeats', repeats],
  ['--chunk', chunk],
] as const)
  if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${name}: ${v}, expected a positive integer`);
if (dtype !== 'f32' && dtype !== 'f64') throw new Error(`--dtype: ${dtype}, expected f32 or f64`);

const choice = installBestKernels({ threads: 1 });
const rng = Rng.fromSeed(0);
const task = tanhTeacher(8, 8, rng.child('teacher'));
const model = { kind: 'mlp' as const, depth: 2, activation: 'relu' as const, inputDim: 8, outputDim: 1, bias: true };
const log2Lrs = Array.from({ length: 8 }, (_, i) => -10 + i);
const seeds = 2;

function runs(width: number): OnlineSweepRun[] {
  const streams = Array.from({ length: seeds }, (_, s) => rng.child('stream', s));
  return log2Lrs.flatMap((k) => Array.from({ length: seeds }, (_, s) => ({ lr: 2 ** k, init: rng.child('init', width, s), stream: streams[s] })));
}

/** CPU ms of one sweep (both schemes) and its results; `chunkSize` networks per batched model. */
function sweep(width: number, batched: boolean, chunkSize = chunk): { cpuMs: number; netSteps: number; results: OnlineRunResult[] } {
  const rs = runs(width);
  const t0 = process.cpuUsage();
  const results: OnlineRunResult[] = [];
  for (const parameterization of ['sp', 'mup']) {
    results.push(
      ...trainOnlineSweep({ model, width, parameterization, baseWidth: 32, optimizer: 'adam', runs: rs, steps, batch: 32, task, dtype, batched, chunk: chunkSize }),
    );
  }
  const c = process.cpuUsage(t0);
  return { cpuMs: (c.user + c.system) / 1000, netSteps: results.reduce((a, r) => a + r.curve.length, 0), results };
}

interface Row {
  width: number;
  /** one network at a time through `trainOnline` (Mlp + optim.ts): the unbatched path */
  separateMsPerNetStep: number;
  /** the batched code with one network per model (K = 1): its in-place optimizer without the batching */
  batchedK1MsPerNetStep: number;
  /** chunks of `chunk` networks */
  batchedMsPerNetStep: number;
  speedup: number;
  identical: boolean;
  netSteps: number;
}
const rows: Row[] = [];
for (const width of [32, 128]) {
  sweep(width, true); // warm-up (JIT) of both paths at this width, not timed
  sweep(width, false);
  let sep = Number.POSITIVE_INFINITY;
  let one = Number.POSITIVE_INFINITY;
  let bat = Number.POSITIVE_INFINITY;
  let identical = true;
  let netSteps = 0;
  for (let r = 0; r < repeats; r++) {
    const a = sweep(width, false);
    const b = sweep(width, true);
    const c = sweep(width, true, 1);
    sep = Math.min(sep, a.cpuMs / a.netSteps);
    one = Math.min(one, c.cpuMs / c.netSteps);
    bat = Math.min(bat, b.cpuMs / b.netSteps);
    netSteps = a.netSteps;
    identical &&= JSON.stringify(a.results) === JSON.stringify(b.results) && JSON.stringify(a.results) === JSON.stringify(c.results);
  }
  rows.push({ width, separateMsPerNetStep: sep, batchedK1MsPerNetStep: one, batchedMsPerNetStep: bat, speedup: sep / bat, identical, netSteps });
}

if (json) console.log(JSON.stringify({ kernels: kernels().name, steps, repeats, chunk, dtype, rows }));
else {
  console.log(`mup-lr-transfer-like sweep: 2 schemes × 8 learning rates × ${seeds} inits, ${steps} steps, batch 32, ${dtype}, chunks of ${chunk}`);
  console.log(`kernels: ${kernels().name} (${choice.reason}); CPU time, best of ${repeats}`);
  console.log(`ms per network-step; "batched K=1" is the batched code with one network per model (its in-place optimizer, no batching)`);
  console.log(`width  separate  batched K=1  batched K=${String(chunk).padEnd(3)}  speed-up (separate / batched)  identical results`);
  for (const r of rows)
    console.log(
      `${String(r.width).padStart(5)}  ${r.separateMsPerNetStep.toFixed(4).padStart(8)}  ${r.batchedK1MsPerNetStep.toFixed(4).padStart(11)}  ${r.batchedMsPerNetStep.toFixed(4).padStart(13)}  ${`×${r.speedup.toFixed(2)}`.padStart(29)}  ${r.identical ? 'yes' : 'NO'}`,
    );
}

/**
 * `node --import tsx bench/profile-step.ts [width] [steps]`: where one training step of the bench's
 * mlp-w32-f64 case goes (bench/run.ts sgdCase: MLP 32→w→w→w→1, tanh, batch 64, float64, MSE, SGD lr 1e-3
 * by a loop over the parameters, gradients from `valueAndGrad`). Timing: CPU time of this process
 * (process.cpuUsage), one thread (native kernels with 1 thread when built).
 *   forward   = the loss closure (graph building: matmul, bias add, tanh, mse)
 *   backward  = the rest of valueAndGrad (topological order, adjoints, buffer recycling)
 *   optimizer = the SGD update loop, and the gradients handed back to the buffer pool as `fit` does
 * Allocation: a second, untimed pass counts the typed arrays one step creates (Float64Array/Float32Array
 * swapped for counting subclasses), and the cost of allocating that many arrays of those sizes alone
 * (and collecting them) is timed in the same process: that is the allocation + GC share of the step.
 */
import { valueAndGrad } from '../src/core/autodiff.ts';
import * as op from '../src/core/ops.ts';
import { Rng } from '../src/core/random.ts';
import { type Tensor, tensor } from '../src/core/tensor.ts';
import { mlp } from '../src/nn/mlp.ts';
import { releaseGradients } from '../src/nn/train.ts';
import { installBestKernels } from '../src/run/nativeKernels.ts';

const width = Number(process.argv[2] ?? 32);
const steps = Number(process.argv[3] ?? 4000);
const choice = installBestKernels({ threads: 1 });
const sizes = [32, width, width, width, 1];
const batch = 64;
const rng = Rng.fromSeed(0, 'bench', sizes.join('-'));
const net = mlp({ sizes, activation: 'tanh', dtype: 'f64' }, rng);
const ps = net.params();
const x = tensor(rng.child('x').fillNormal(new Float64Array(batch * sizes[0])), [batch, sizes[0]], 'f64');
const y = tensor(rng.child('y').fillNormal(new Float64Array(batch)), [batch, 1], 'f64');
const lr = 1e-3;
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const phase = { forward: 0, backward: 0, optimizer: 0 };
let timed = false;
const loss = (): Tensor => {
  const t = timed ? cpu() : 0;
  const L = op.mse(net.forward(x), y);
  if (timed) phase.forward += cpu() - t;
  return L;
};
function step(): void {
  const t0 = timed ? cpu() : 0;
  const { grads } = valueAndGrad(loss, ps);
  const t1 = timed ? cpu() : 0;
  for (let i = 0; i < ps.length; i++) {
    const d = ps[i].data;
    const g = grads[i];
    for (let j = 0; j < d.length; j++) d[j] -= lr * g[j];
  }
  releaseGradients(ps, grads); // as the trainer (`fit`) does after its update
  if (timed) {
    phase.backward += t1 - t0;
    phase.optimizer += cpu() - t1;
  }
}

for (let i = 0; i < steps / 4; i++) step();
timed = true;
const t = cpu();
for (let i = 0; i < steps; i++) step();
const total = (cpu() - t) / steps;
timed = false;
phase.backward -= phase.forward;

// count the typed arrays one step allocates
const sizesSeen: number[] = [];
const Orig64 = globalThis.Float64Array;
class Counting64 extends Orig64 {
  // the engine allocates with `new Float64Array(length)`; other forms (views, copies) pass through
  constructor(arg: number | ArrayLike<number> | ArrayBufferLike, offset?: number, length?: number) {
    if (typeof arg === 'number') {
      super(arg);
      sizesSeen.push(arg * 8);
    } else if (offset !== undefined || length !== undefined) super(arg as ArrayBuffer, offset, length);
    else super(arg as ArrayLike<number>);
  }
}
globalThis.Float64Array = Counting64 as unknown as Float64ArrayConstructor;
const countSteps = 50;
for (let i = 0; i < countSteps; i++) step();
globalThis.Float64Array = Orig64;
const perStep = sizesSeen.length / countSteps;
const offHeap = sizesSeen.filter((b) => b > 64);
const bytes = sizesSeen.reduce((a, b) => a + b, 0) / countSteps;

// what allocating those arrays alone costs (allocation, zero-fill, and the scavenges they trigger)
const onePass = sizesSeen.slice(0, Math.round(perStep));
let sink = 0;
const ta = cpu();
for (let i = 0; i < steps; i++) for (const b of onePass) sink += new Float64Array(b / 8).length;
const allocMs = (cpu() - ta) / steps;

const pct = (v: number) => `${v.toFixed(4)} ms (${((100 * v) / total).toFixed(0)}%)`;
console.log(`mlp ${sizes.join('→')} tanh, batch ${batch}, f64, SGD; kernels ${choice.backend ?? ''}; ${steps} steps, CPU time`);
console.log(`step        ${total.toFixed(4)} ms`);
console.log(`forward     ${pct(phase.forward / steps)}`);
console.log(`backward    ${pct(phase.backward / steps)}`);
console.log(`optimizer   ${pct(phase.optimizer / steps)}`);
console.log(`allocation  ${pct(allocMs)}  (${perStep.toFixed(1)} typed arrays per step, ${(offHeap.length / countSteps).toFixed(1)} off-heap, ${(bytes / 1024).toFixed(0)} KiB; inside the phases above)${sink < 0 ? '' : ''}`);

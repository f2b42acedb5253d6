/**
 * `node --import tsx bench/profile-transformer.ts [steps] [--f64]`: where one training step of the bench's
 * transformer-step-f32 case goes (bench/transformerCase.ts), CPU time of this process, one thread.
 * Per op: every op's forward (the time inside the op call, attributed by the op name it records) and its
 * backward closure (timed through the tape), so the split names GELU, LayerNorm's pieces, matmul, …
 *   forward = the loss closure; backward = the rest of valueAndGrad; optimizer = the Adam update.
 */
import { valueAndGrad } from '../src/core/autodiff.ts';
import type { Tensor } from '../src/core/tensor.ts';
import { installBestKernels } from '../src/run/nativeKernels.ts';
import { transformerCase } from './transformerCase.ts';

const steps = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 3);
const dtype = process.argv.includes('--f64') ? 'f64' : 'f32';
const choice = installBestKernels({ threads: 1 });
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const c = transformerCase(dtype);

// backward time per op: wrap each recorded backward closure the first time the tape sees it
const backwardMs = new Map<string, number>();
function wrapBackwards(root: Tensor): void {
  const seen = new Set<Tensor>();
  const stack = [root];
  while (stack.length) {
    const t = stack.pop() as Tensor;
    if (seen.has(t)) continue;
    seen.add(t);
    const fn = t.backwardFn;
    if (fn) {
      const name = t.op ?? '?';
      t.backwardFn = () => {
        const s = cpu();
        fn();
        backwardMs.set(name, (backwardMs.get(name) ?? 0) + cpu() - s);
      };
    }
    for (const p of t.parents ?? []) stack.push(p);
  }
}

let fwd = 0;
let bwd = 0;
let optMs = 0;
c.step(); // warm-up
for (let i = 0; i < steps; i++) {
  const t0 = cpu();
  let t1 = 0;
  const { grads } = valueAndGrad(() => {
    const L = c.loss();
    t1 = cpu();
    wrapBackwards(L);
    return L;
  }, c.params);
  const t2 = cpu();
  c.update(grads);
  const t3 = cpu();
  fwd += t1 - t0;
  bwd += t2 - t1;
  optMs += t3 - t2;
}
const total = (fwd + bwd + optMs) / steps;
console.log(`transformer step ${dtype}; kernels ${choice.backend ?? ''}; ${steps} steps, CPU ms per step`);
console.log(`total ${total.toFixed(0)}  forward ${(fwd / steps).toFixed(0)}  backward ${(bwd / steps).toFixed(0)}  optimizer ${(optMs / steps).toFixed(0)}`);
const rows = [...backwardMs.entries()].sort((a, b) => b[1] - a[1]);
for (const [k, v] of rows) console.log(`  backward ${k.padEnd(22)} ${(v / steps).toFixed(1).padStart(8)} ms  ${((100 * v) / (bwd || 1)).toFixed(0)}% of backward`);

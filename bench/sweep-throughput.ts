/**
 * Throughput of `lmech sweep` on one machine: the same 64-run sweep (4 widths × 4 learning rates × 4 seeds, a
 * tanh MLP on a teacher task, 300 minibatch steps) run with one worker (in-process), and with the local pool at
 * 1, 2, … , cores worker threads, each into a fresh store. Prints wall time, runs/s and the speed-up over one
 * worker. The configurations are interleaved `--repeats` times (default 2) and the fastest of each is kept, so a
 * burst of other load on the machine skews them less. `node --import tsx bench/sweep-throughput.ts [--json]
 * [--steps N] [--repeats R]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/run/store.ts';
import { runSweep } from '../src/run/sweep/coordinator.ts';
import { expandSweep, parseSpecObject } from '../src/run/sweep/spec.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const stepsArg = args.indexOf('--steps');
const steps = stepsArg >= 0 ? Number(args[stepsArg + 1]) : 300;
const repeatsArg = args.indexOf('--repeats');
const repeats = repeatsArg >= 0 ? Number(args[repeatsArg + 1]) : 2;
const spec = parseSpecObject({
  name: 'throughput',
  model: { widths: [16, 32, 64, 128], depth: 2, activation: 'tanh' },
  data: { task: 'teacher', d: 8, n: 256, testN: 256 },
  optimizer: { name: 'sgd', lr: [0.01, 0.03, 0.1, 0.3], batch: 32 },
  steps,
  seeds: { count: 4 },
  record: { every: 25, observables: ['train_loss', 'test_loss', 'grad_norm'] },
});
const sweep = expandSweep(spec, 'bench');
const cores = availableParallelism();
const configs: { label: string; workers: number }[] = [{ label: '1 worker (in-process)', workers: 1 }];
for (let t = 2; t <= cores; t *= 2) configs.push({ label: `pool, ${t} threads`, workers: t });
if (!configs.some((c) => c.workers === cores)) configs.push({ label: `pool, ${cores} threads`, workers: cores });

async function timeSweep(workers: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'lmech-bench-sweep-'));
  const store = await openStore(dir);
  const t0 = performance.now();
  const s = await runSweep(sweep, { store, workers });
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  if (s.ran !== sweep.runs.length) throw new Error(`expected ${sweep.runs.length} runs, ran ${s.ran}`);
  return seconds;
}

const best = configs.map(() => Number.POSITIVE_INFINITY);
for (let r = 0; r < repeats; r++) for (let i = 0; i < configs.length; i++) best[i] = Math.min(best[i], await timeSweep(configs[i].workers));
const rows = configs.map((c, i) => ({ label: c.label, workers: c.workers, seconds: best[i], runsPerSecond: sweep.runs.length / best[i], speedup: best[0] / best[i] }));
if (json) console.log(JSON.stringify({ runs: sweep.runs.length, steps, repeats, cores, cpu: cpus()[0]?.model ?? 'unknown', rows }));
else {
  console.log(`${sweep.runs.length}-run sweep, ${steps} steps per run, best of ${repeats}, ${cores} cores (${cpus()[0]?.model ?? 'unknown CPU'})`);
  for (const r of rows) console.log(`${r.label.padEnd(24)} ${r.seconds.toFixed(2).padStart(7)} s  ${r.runsPerSecond.toFixed(1).padStart(6)} runs/s  ×${r.speedup.toFixed(2)}`);
}

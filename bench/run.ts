/**
 * `npm run bench [-- --json] [-- case...]`: our engine against PyTorch/numpy on identical work, in the
 * same run. The peer is `/usr/bin/python3 bench/peer.py` when `import torch` works there; otherwise it
 * is reported as unavailable. Nothing is installed. Times are medians over repeats, per step.
 * With --json the last line printed is one JSON object:
 *   {"cases":[{"name","ours_ms","peer_ms","ratio"}, ..., {"name":"hvp-over-grad","ours_ratio","peer_ratio"}]}
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { hessianVectorProduct, valueAndGrad } from '../src/core/autodiff.ts';
import { kernels } from '../src/core/kernels.ts';
import * as op from '../src/core/ops.ts';
import { Rng } from '../src/core/random.ts';
import { type DType, type Tensor, tensor } from '../src/core/tensor.ts';
import { mlp } from '../src/nn/mlp.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const only = new Set(args.filter((a) => !a.startsWith('--')));
const want = (n: string) => only.size === 0 || only.has(n);

function medianMs(fn: () => void, steps: number, repeats: number): number {
  for (let i = 0; i < Math.max(1, Math.floor(steps / 5)); i++) fn();
  const ts: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    for (let i = 0; i < steps; i++) fn();
    ts.push((performance.now() - t) / steps);
  }
  ts.sort((a, b) => a - b);
  return ts[ts.length >> 1];
}

interface StepCase {
  step: () => void;
  loss: () => Tensor;
  params: Tensor[];
}

function sgdCase(sizes: number[], batch: number, dtype: DType, kind: 'mse' | 'ce'): StepCase {
  const rng = Rng.fromSeed(0, 'bench', sizes.join('-'));
  const net = mlp({ sizes, activation: kind === 'mse' ? 'tanh' : 'relu', dtype }, rng);
  const ps = net.params();
  const x = tensor(rng.child('x').fillNormal(new Float64Array(batch * sizes[0])), [batch, sizes[0]], dtype);
  const outDim = sizes[sizes.length - 1];
  const y = tensor(rng.child('y').fillNormal(new Float64Array(batch * outDim)), [batch, outDim], dtype);
  const labels = new Int32Array(batch).map((_, i) => i % outDim);
  const loss = kind === 'mse' ? () => op.mse(net.forward(x), y) : () => op.softmaxCrossEntropy(net.forward(x), labels);
  const lr = 1e-3;
  const step = () => {
    const { grads } = valueAndGrad(loss, ps);
    for (let i = 0; i < ps.length; i++) {
      const d = ps[i].data;
      const g = grads[i];
      for (let j = 0; j < d.length; j++) d[j] -= lr * g[j];
    }
  };
  return { step, loss, params: ps };
}

interface CaseResult {
  name: string;
  ours_ms?: number;
  peer_ms?: number | null;
  ratio?: number | null;
  ours_ratio?: number;
  peer_ratio?: number | null;
  note?: string;
}

function runPeer(names: string[]): { cases: Record<string, number | { ratio: number }>; torch?: string } | { error: string } {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return { error: 'PyTorch peer unavailable: `/usr/bin/python3 -c "import torch"` failed (install Debian python3-torch to compare)' };
  const r = spawnSync('/usr/bin/python3', [new URL('./peer.py', import.meta.url).pathname, ...names], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return { error: `peer failed: ${r.stderr.slice(-500)}` };
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

async function main(): Promise<void> {
  const names = ['mlp-w32-f64', 'mlp-w128-f64', 'mlp-w512-f64', 'mlp-1024-f32', 'hvp-over-grad', 'eigh-2000-f64'].filter(want);
  const ours: Record<string, number> = {};
  let hvpRatio: number | undefined;
  const log = (s: string) => {
    if (!json) console.log(s);
    else console.error(s);
  };
  log(`lmech bench · kernels: ${kernels().name} · ${cpus()[0]?.model ?? 'cpu'} · ${availableParallelism()} cores · node ${process.versions.node}`);
  for (const [name, w, steps] of [
    ['mlp-w32-f64', 32, 400],
    ['mlp-w128-f64', 128, 100],
    ['mlp-w512-f64', 512, 12],
  ] as const) {
    if (!want(name) && !(name === 'mlp-w128-f64' && want('hvp-over-grad'))) continue;
    const c = sgdCase([32, w, w, w, 1], 64, 'f64', 'mse');
    if (want(name)) ours[name] = medianMs(c.step, steps, 7);
    if (name === 'mlp-w128-f64' && want('hvp-over-grad')) {
      const v = c.params.map((p) => Rng.fromSeed(1, p.id).fillNormal(new Float64Array(p.size)));
      const g = medianMs(() => valueAndGrad(c.loss, c.params), 100, 7);
      const h = medianMs(() => hessianVectorProduct(c.loss, c.params, v), 100, 7);
      hvpRatio = h / g;
    }
  }
  if (want('mlp-1024-f32')) ours['mlp-1024-f32'] = medianMs(sgdCase([784, 1024, 1024, 10], 128, 'f32', 'ce').step, 5, 3);
  if (want('eigh-2000-f64')) {
    try {
      const { eigh } = await import('../src/core/linalg.ts');
      const rng = Rng.fromSeed(0, 'eigh');
      const n = 2000;
      const a = rng.fillNormal(new Float64Array(n * n));
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i] = (a[i * n + j] + a[j * n + i]) / 2;
      const t = performance.now();
      eigh({ rows: n, cols: n, data: a });
      ours['eigh-2000-f64'] = performance.now() - t;
    } catch (e) {
      log(`eigh-2000-f64: skipped (${(e as Error).message})`);
    }
  }
  log('running the PyTorch/numpy peer …');
  const peer = runPeer(names);
  const peerCases = 'cases' in peer ? peer.cases : {};
  if ('error' in peer) log(peer.error);
  const results: CaseResult[] = [];
  for (const name of names) {
    if (name === 'hvp-over-grad') {
      const pr = peerCases[name] as { ratio: number } | undefined;
      results.push({ name, ours_ratio: hvpRatio, peer_ratio: pr ? pr.ratio : null });
      continue;
    }
    if (ours[name] === undefined) continue;
    const pm = peerCases[name] as number | undefined;
    results.push({ name, ours_ms: ours[name], peer_ms: pm ?? null, ratio: pm ? ours[name] / pm : null });
  }
  const fmt = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x < 10 ? x.toFixed(3) : x.toFixed(1));
  log(`${'case'.padEnd(16)} ${'ours ms'.padStart(10)} ${'peer ms'.padStart(10)} ${'ratio'.padStart(8)}`);
  for (const r of results) {
    if (r.name === 'hvp-over-grad') log(`${r.name.padEnd(16)} ${'HVP/grad ours'.padStart(10)} ${fmt(r.ours_ratio)}  peer ${fmt(r.peer_ratio)}`);
    else log(`${r.name.padEnd(16)} ${fmt(r.ours_ms).padStart(10)} ${fmt(r.peer_ms).padStart(10)} ${fmt(r.ratio).padStart(8)}`);
  }
  if (json) console.log(JSON.stringify({ cases: results, peer: 'error' in peer ? { available: false, reason: peer.error } : { available: true, torch: peer.torch } }));
}

await main();

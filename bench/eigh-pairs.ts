/**
 * `node --import tsx bench/eigh-pairs.ts [pairs] [n]`: our `eigh` against numpy's on the same n × n symmetric matrix,
 * in alternating pairs (numpy in a child process, then ours here, `pairs` times, default 8; n = 2000), each side the
 * median of three calls after one warm-up. On a shared machine whose speed drifts by ±20% over minutes, a ratio
 * taken from two runs minutes apart (as `npm run bench` does) is mostly the drift; pairs taken seconds apart, and
 * their median, are not. Prints each pair and the median ratio. Needs /usr/bin/python3 with numpy.
 */
import { spawnSync } from 'node:child_process';
import { eigh } from '../src/core/linalg.ts';
import { Rng } from '../src/core/random.ts';
import { installBestKernels } from '../src/run/nativeKernels.ts';

const pairs = Number(process.argv[2] ?? 8);
const n = Number(process.argv[3] ?? 2000);
if (!Number.isInteger(pairs) || pairs < 1) throw new Error(`pairs: expected a positive integer, got '${process.argv[2]}'`);
if (!Number.isInteger(n) || n < 2) throw new Error(`n: expected an integer ≥ 2, got '${process.argv[3]}'`);

const PEER = `
import numpy as np, time
n = ${n}; a = np.random.default_rng(0).standard_normal((n, n)); a = (a + a.T) / 2
np.linalg.eigh(a)
ts = []
for _ in range(3):
    t = time.perf_counter(); np.linalg.eigh(a); ts.append(time.perf_counter() - t)
print(sorted(ts)[1] * 1000)
`;

function peerMs(): number {
  const r = spawnSync('/usr/bin/python3', ['-c', PEER], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`numpy peer failed: ${(r.stderr || r.error?.message || '').slice(-300)}`);
  return Number(r.stdout.trim());
}

const choice = installBestKernels();
const a = Rng.fromSeed(0, 'eigh').fillNormal(new Float64Array(n * n));
for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i] = (a[i * n + j] + a[j * n + i]) / 2;
const ours = (): number => {
  const ts: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    eigh({ rows: n, cols: n, data: a });
    ts.push(performance.now() - t);
  }
  return ts.sort((x, y) => x - y)[1];
};
eigh({ rows: n, cols: n, data: a });
console.log(`eigh ${n}×${n}, kernels: ${choice.backend}; ms numpy, ms ours, ratio`);
const ratios: number[] = [];
for (let p = 0; p < pairs; p++) {
  const peer = peerMs();
  const mine = ours();
  ratios.push(mine / peer);
  console.log(`${peer.toFixed(0).padStart(6)} ${mine.toFixed(0).padStart(6)} ${(mine / peer).toFixed(3)}`);
}
ratios.sort((x, y) => x - y);
const mid = ratios.length >> 1;
const median = ratios.length % 2 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2;
console.log(`median ratio ${median.toFixed(3)} (range ${ratios[0].toFixed(3)}–${ratios[ratios.length - 1].toFixed(3)})`);

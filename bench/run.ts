/**
 * `npm run bench [-- --json] [-- case...]`: our engine against PyTorch/numpy on identical work, in the
 * same run. The peer is `/usr/bin/python3 bench/peer.py` when `import torch` works there; otherwise it
 * is reported as unavailable. Nothing is installed. Times are medians over repeats, per step.
 * With --json the last line printed is one JSON object:
 *   {"cases":[{"name","ours_ms","peer_ms","ratio"}, ..., {"name":"hvp-over-grad","ours_ratio","peer_ratio"}]}
 * gemm cases add "ours_gflops", "peer_gflops". The kernels are the ones the CLI would use
 * (`installBestKernels()`: native when built, else WebAssembly); the peer gets the same number of
 * threads as our native backend uses (1 for the portable backends).
 * `--cpu-time`: for a busy (shared) machine. Both sides run on one thread and are timed by the CPU
 * time their process used rather than by the wall clock, which other processes inflate.
 * `--skip=NAME[,NAME…]`: leave those cases out of a run that names none (e.g. `--skip=study-mup-lr-transfer`).
 *
 * Transformer cases (bench/transformerCase.ts, mirrored in bench/peer.py): `transformer-step-f32` is one Adam
 * step of a decoder-only pre-LN transformer (d_model 128, 4 layers, 4 heads, context 128, batch 32, vocab 96,
 * float32, exact GELU); `transformer-hvp-over-grad` is HVP time / gradient time on the same model (reported as
 * ours_ratio / peer_ratio, like hvp-over-grad). One step per repeat, 3 repeats (a step takes seconds).
 * `node --import tsx bench/profile-transformer.ts` splits our step by op.
 *
 * Single-thread comparison: a wall-clock run (no --cpu-time) that includes any of SINGLE_THREAD_CASES
 * (mlp-w32-f64, eigh-2000-f64, the two transformer cases) also runs those cases again in a child `--cpu-time` run (one thread each
 * side, CPU time) and reports them in the JSON as `single_thread: {timing: 'cpu', threads: 1, cases}`,
 * beside the multi-thread wall-clock cases. `--no-single-thread` leaves that out.
 *
 * Peak memory per case: `ours_peak_rss_bytes` / `peer_peak_rss_bytes` are the resident-set high-water
 * (VmHWM in /proc/self/status) of the process running the case, reset (write 5 to /proc/self/clear_refs)
 * just before the case's setup, so it covers setup, warm-up and the timed repeats. It includes the
 * runtime's own resident memory (Node + tsx, or Python + torch) at the reset, so compare the two sides
 * knowing their baselines differ; null where /proc does not allow the reset.
 *
 * `catalog-default` (opt-in by name only; tens of minutes): wall time of `lmech run --all` (default
 * profile) on 2 workers in a fresh temporary store, as a child process; no peer. Its peak memory is the
 * child's `processMaxRssBytes` from the CLI JSON (all worker threads of the one process), and
 * `max_study_peak_heap_bytes` the largest per-study heap high-water there.
 *
 * Whole-study case `study-mup-lr-transfer` (minutes; runs when no case is named, or when named): one run of
 * `executeStudy(mupLrTransfer, { profile: 'default', seed: 0 })`, i.e. 2 schemes (SP, μP) × 4 widths × 10
 * learning rates × 3 inits = 240 online Adam runs of up to 300 steps (batch 32, f32, MLP 8→n→n→1), against
 * the same sweep scripted in PyTorch (bench/peer_study.py). The time is one pass (no repeats), everything
 * included on both sides (data generation, training, the optimum fits). Both print their μP/SP optimum
 * per width, so a reader can see it is the same experiment; the random streams differ, so the numbers
 * agree in distribution, not bit for bit. Naming other cases only (`npm run bench -- mlp-w32-f64`) skips it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { empiricalNtkMatrix, hessianVectorProduct, valueAndGrad } from '../src/core/autodiff.ts';
import { kernels } from '../src/core/kernels.ts';
import * as op from '../src/core/ops.ts';
import { Rng } from '../src/core/random.ts';
import { clearBufferPool, type DType, type Tensor, tensor } from '../src/core/tensor.ts';
import { mlp } from '../src/nn/mlp.ts';
import { releaseGradients } from '../src/nn/train.ts';
import { installBestKernels, type NativeKernels } from '../src/run/nativeKernels.ts';
import { executeStudy } from '../src/studies/execute.ts';
import { mupLrTransfer } from '../src/studies/mup-lr-transfer.ts';
import { transformerCase } from './transformerCase.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const cpuTime = args.includes('--cpu-time');
/** Milliseconds: the wall clock, or (with --cpu-time) the CPU time of this process, all threads. */
const clock = cpuTime
  ? () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    }
  : () => performance.now();
const only = new Set(args.filter((a) => !a.startsWith('--')));
const skip = new Set(args.filter((a) => a.startsWith('--skip=')).flatMap((a) => a.slice('--skip='.length).split(',')));
/** Cases too slow for a run that names none: they run only when named. */
const OPT_IN_CASES = new Set(['catalog-default']);
const want = (n: string) => (only.size === 0 && !skip.has(n) && !OPT_IN_CASES.has(n)) || only.has(n);

/** Reset this process's resident-set high-water (Linux ≥ 4.0); false where /proc does not allow it. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** This process's resident-set high-water in bytes (VmHWM), or null off Linux. */
function peakRssBytes(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Peak resident set per case (ours), filled by `measured`. */
const oursPeakRss: Record<string, number | null> = {};

/** A full garbage collection (V8's `gc`, exposed at run time rather than by a command-line flag). */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** Run one case's setup and timing with the resident-set high-water reset before it, and record the peak. */
async function measured<T>(name: string, body: () => T | Promise<T>): Promise<T> {
  // the adjoint pool may hold the previous case's backward pass (as executeStudy empties it between studies), and
  // the previous case's graphs wait for a collection: both would count in this case's resident set
  clearBufferPool();
  collectGarbage();
  const ok = resetPeakRss();
  const out = await body();
  oursPeakRss[name] = ok ? peakRssBytes() : null;
  return out;
}

function medianMs(fn: () => void, steps: number, repeats: number): number {
  for (let i = 0; i < Math.max(1, Math.floor(steps / 5)); i++) fn();
  const ts: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = clock();
    for (let i = 0; i < steps; i++) fn();
    ts.push((clock() - t) / steps);
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
    releaseGradients(ps, grads); // as the trainer (`fit`) does after its update
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
  ours_gflops?: number;
  peer_gflops?: number | null;
  /** resident-set high-water of the process while it ran the case (see the header) */
  ours_peak_rss_bytes?: number | null;
  peer_peak_rss_bytes?: number | null;
  /** catalog-default: the largest per-study heap high-water the CLI reported */
  max_study_peak_heap_bytes?: number | null;
  /** whole-study case: log₂ η* per "scheme n=width", and the drift per scheme, on each side */
  ours_optima?: Record<string, number>;
  peer_optima?: Record<string, number> | null;
  ours_drift?: Record<string, number>;
  peer_drift?: Record<string, number> | null;
  note?: string;
}

const STUDY_CASE = 'study-mup-lr-transfer';

/** What bench/peer_study.py reports besides its time. */
interface PeerStudySummary {
  optimum_log2_lr: Record<string, number>;
  optimal_loss: Record<string, number>;
  drift: Record<string, number>;
  diverged_points: Record<string, number>;
  runs: number;
  steps: number;
}

interface PeerOutput {
  cases: Record<string, number | { ratio: number }>;
  /** resident-set high-water per case, bytes (null where /proc did not allow the reset) */
  memory?: Record<string, number | null>;
  details?: { [STUDY_CASE]?: PeerStudySummary };
  torch?: string;
  threads?: number;
  /** the BLAS/LAPACK shared objects the peer process mapped (Debian's libblas.so.3 may be the reference BLAS) */
  blas?: string[];
}

/** Whether the peer's BLAS is the netlib reference one (no OpenBLAS, MKL or BLIS mapped): ratios then flatter us. */
function referenceBlas(paths: readonly string[]): boolean {
  return paths.length > 0 && !paths.some((p) => /openblas|mkl|blis|atlas/i.test(p));
}

/** Square gemm cases: size and dtype; 2n³ flops. */
const GEMM_CASES: Record<string, { n: number; dtype: DType }> = {
  'gemm-2048-f32': { n: 2048, dtype: 'f32' },
  'gemm-1024-f64': { n: 1024, dtype: 'f64' },
};
const gemmFlops = (name: string) => 2 * GEMM_CASES[name].n ** 3;

/** Empirical NTK case: 1,000 inputs of dimension 32, a two-layer tanh net of width 512 with a scalar output, float64. */
const ENTK = { n: 1000, inputDim: 32, width: 512 };

function runPeer(names: string[], threads: number): PeerOutput | { error: string } {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return { error: 'PyTorch peer unavailable: `/usr/bin/python3 -c "import torch"` failed (install Debian python3-torch to compare)' };
  const flags = [`--threads=${threads}`, ...(cpuTime ? ['--cpu-time'] : [])];
  const r = spawnSync('/usr/bin/python3', [new URL('./peer.py', import.meta.url).pathname, ...flags, ...names], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return { error: `peer failed: ${r.stderr.slice(-500)}` };
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

const CATALOG_CASE = 'catalog-default';
/** One Adam step of the transformer of bench/transformerCase.ts (d 128, 4 layers, 4 heads, context 128, batch 32, f32). */
const TRANSFORMER_STEP = 'transformer-step-f32';
/** HVP time / gradient time on that transformer (f32), reported like hvp-over-grad. */
const TRANSFORMER_HVP = 'transformer-hvp-over-grad';
/** The ratio cases: ours_ratio / peer_ratio instead of times. */
const RATIO_CASES = new Set(['hvp-over-grad', TRANSFORMER_HVP]);
const KNOWN_CASES = ['mlp-w32-f64', 'mlp-w128-f64', 'mlp-w512-f64', 'mlp-1024-f32', 'hvp-over-grad', TRANSFORMER_STEP, TRANSFORMER_HVP, 'eigh-2000-f64', 'gemm-2048-f32', 'gemm-1024-f64', 'entk-1000', STUDY_CASE, CATALOG_CASE];
/** Cases the JSON also reports timed single-threaded by CPU time (from a child `--cpu-time` run). */
const SINGLE_THREAD_CASES = ['mlp-w32-f64', 'eigh-2000-f64', TRANSFORMER_STEP, TRANSFORMER_HVP];

/**
 * `lmech run --all` (default profile) on 2 workers in a fresh store, as a child process: its wall time,
 * the child's resident-set high-water and the largest per-study heap peak, from the CLI's JSON.
 */
function runCatalog(log: (s: string) => void): CaseResult {
  const store = mkdtempSync(join(tmpdir(), 'lmech-bench-catalog-'));
  try {
    log(`${CATALOG_CASE}: lmech run --all (default profile) on 2 workers, fresh store … (tens of minutes)`);
    const bin = new URL('../bin/lmech.js', import.meta.url).pathname;
    const t = performance.now();
    const r = spawnSync(process.execPath, [bin, 'run', '--all', '--workers', '2', '--store', store, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const ms = performance.now() - t;
    if (r.status !== 0 && r.status !== 1) throw new Error(`${CATALOG_CASE}: lmech exited with ${r.status}: ${r.stderr.slice(-500)}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { studies: { id: string; verdict: string; peakHeapBytes: number | null }[]; memory?: { processMaxRssBytes: number } };
    const verdicts: Record<string, number> = {};
    for (const x of out.studies) verdicts[x.verdict] = (verdicts[x.verdict] ?? 0) + 1;
    log(`${CATALOG_CASE}: ${out.studies.length} studies in ${(ms / 1000).toFixed(1)} s; verdicts ${JSON.stringify(verdicts)}`);
    const heaps = out.studies.map((x) => x.peakHeapBytes).filter((x): x is number => x !== null);
    return {
      name: CATALOG_CASE,
      ours_ms: ms,
      peer_ms: null,
      ratio: null,
      ours_peak_rss_bytes: out.memory?.processMaxRssBytes ?? null,
      max_study_peak_heap_bytes: heaps.length ? Math.max(...heaps) : null,
      note: `wall time, 2 workers, no peer; verdicts ${JSON.stringify(verdicts)}`,
    };
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}

/** The SINGLE_THREAD_CASES among `names`, run again in a child `--cpu-time` bench (one thread each side). */
function runSingleThread(names: string[], log: (s: string) => void): { timing: 'cpu'; threads: 1; cases: CaseResult[] } | { error: string } {
  const picked = SINGLE_THREAD_CASES.filter((n) => names.includes(n));
  log(`single-thread comparison (CPU time, 1 thread each side): ${picked.join(', ')} …`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', new URL('./run.ts', import.meta.url).pathname, '--cpu-time', '--json', '--no-single-thread', ...picked], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) return { error: `single-thread run failed: ${r.stderr.slice(-500)}` };
  const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { cases: CaseResult[] };
  return { timing: 'cpu', threads: 1, cases: out.cases };
}

/** The optimum log₂ η* per "scheme n=width" and the drift per scheme, from the study's scalars. */
function studyOptima(scalars: Record<string, number>): { optima: Record<string, number>; drift: Record<string, number> } {
  const optima: Record<string, number> = {};
  const drift: Record<string, number> = {};
  for (const [k, v] of Object.entries(scalars)) {
    const m = /^(sp|mup) optimum log2η (n=\d+)$/.exec(k);
    if (m) optima[`${m[1]} ${m[2]}`] = v;
    const d = /^(sp|mup) drift$/.exec(k);
    if (d) drift[d[1]] = v;
  }
  return { optima, drift };
}

async function main(): Promise<void> {
  const names = KNOWN_CASES.filter(want);
  const peerNames = names.filter((n) => n !== CATALOG_CASE);
  const unknown = [...only, ...skip].filter((n) => !KNOWN_CASES.includes(n));
  if (unknown.length) throw new Error(`bench: unknown case ${unknown.map((n) => `'${n}'`).join(', ')}, expected one of ${KNOWN_CASES.join(', ')}`);
  const ours: Record<string, number> = {};
  let hvpRatio: number | undefined;
  const log = (s: string) => {
    if (!json) console.log(s);
    else console.error(s);
  };
  const choice = installBestKernels(cpuTime ? { threads: 1 } : {});
  const active = kernels();
  const threads = active.name === 'native' ? (active as NativeKernels).threads : 1;
  log(`lmech bench · kernels: ${active.name} (${choice.reason}) · ${cpus()[0]?.model ?? 'cpu'} · ${availableParallelism()} cores · node ${process.versions.node}`);
  for (const [name, w, steps] of [
    ['mlp-w32-f64', 32, 400],
    ['mlp-w128-f64', 128, 100],
    ['mlp-w512-f64', 512, 12],
  ] as const) {
    if (want(name)) ours[name] = await measured(name, () => medianMs(sgdCase([32, w, w, w, 1], 64, 'f64', 'mse').step, steps, 7));
  }
  if (want('hvp-over-grad'))
    hvpRatio = await measured('hvp-over-grad', () => {
      const c = sgdCase([32, 128, 128, 128, 1], 64, 'f64', 'mse');
      const v = c.params.map((p) => Rng.fromSeed(1, p.id).fillNormal(new Float64Array(p.size)));
      const g = medianMs(() => valueAndGrad(c.loss, c.params), 100, 7);
      const h = medianMs(() => hessianVectorProduct(c.loss, c.params, v), 100, 7);
      return h / g;
    });
  const ratios: Record<string, number> = {};
  if (hvpRatio !== undefined) ratios['hvp-over-grad'] = hvpRatio;
  if (want(TRANSFORMER_STEP)) ours[TRANSFORMER_STEP] = await measured(TRANSFORMER_STEP, () => medianMs(transformerCase('f32').step, 1, 3));
  if (want(TRANSFORMER_HVP))
    ratios[TRANSFORMER_HVP] = await measured(TRANSFORMER_HVP, () => {
      const c = transformerCase('f32');
      const v = c.params.map((p) => Rng.fromSeed(1, p.id).fillNormal(new Float32Array(p.size)));
      const g = medianMs(() => valueAndGrad(c.loss, c.params), 1, 3);
      const h = medianMs(() => hessianVectorProduct(c.loss, c.params, v), 1, 3);
      return h / g;
    });
  if (want('mlp-1024-f32')) ours['mlp-1024-f32'] = await measured('mlp-1024-f32', () => medianMs(sgdCase([784, 1024, 1024, 10], 128, 'f32', 'ce').step, 5, 3));
  if (want('eigh-2000-f64')) {
    resetPeakRss();
    try {
      const { eigh } = await import('../src/core/linalg.ts');
      const rng = Rng.fromSeed(0, 'eigh');
      const n = 2000;
      const a = rng.fillNormal(new Float64Array(n * n));
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i] = (a[i * n + j] + a[j * n + i]) / 2;
      // one warm-up call, then the median of 3, as the peer times numpy.linalg.eigh (eigh copies its input)
      ours['eigh-2000-f64'] = medianMs(() => eigh({ rows: n, cols: n, data: a }), 1, 3);
      oursPeakRss['eigh-2000-f64'] = peakRssBytes();
    } catch (e) {
      log(`eigh-2000-f64: skipped (${(e as Error).message})`);
    }
  }
  for (const name of Object.keys(GEMM_CASES)) {
    if (!want(name)) continue;
    const { n, dtype } = GEMM_CASES[name];
    ours[name] = await measured(name, () => {
      const rng = Rng.fromSeed(0, 'bench', name);
      const make = () => (dtype === 'f32' ? rng.fillNormal(new Float32Array(n * n)) : rng.fillNormal(new Float64Array(n * n)));
      const a = make();
      const b = make();
      const c = make();
      return medianMs(() => active.gemm(false, false, n, n, n, a, b, c, false), n >= 2048 ? 1 : 3, 5);
    });
  }
  if (want('entk-1000'))
    ours['entk-1000'] = await measured('entk-1000', () => {
      const rng = Rng.fromSeed(0, 'bench', 'entk');
      const net = mlp({ sizes: [ENTK.inputDim, ENTK.width, 1], activation: 'tanh', dtype: 'f64' }, rng);
      const x = tensor(rng.child('x').fillNormal(new Float64Array(ENTK.n * ENTK.inputDim)), [ENTK.n, ENTK.inputDim], 'f64');
      return medianMs(() => empiricalNtkMatrix(() => net.forward(x), net.params(), ENTK.n), 1, 5);
    });
  let oursStudy: ReturnType<typeof studyOptima> | undefined;
  if (want(STUDY_CASE)) {
    log(`${STUDY_CASE}: running the whole study (default profile, seed 0; minutes) …`);
    const t = clock();
    const result = await measured(STUDY_CASE, () => executeStudy(mupLrTransfer, { profile: 'default', seed: 0, codeVersion: 'bench' }));
    ours[STUDY_CASE] = clock() - t;
    if (result.verdict === 'error') log(`${STUDY_CASE}: the study failed: ${result.error}`);
    oursStudy = studyOptima(result.measurement.scalars);
    const diverged = Object.entries(result.measurement.scalars).filter(([k]) => k.includes('diverged points'));
    log(`${STUDY_CASE}: ours verdict ${result.verdict}; diverged (width, η) points ${diverged.map(([k, v]) => `${k.replace(' diverged points', '')}: ${v}`).join(', ')}`);
  }
  log(`running the PyTorch/numpy peer (${threads} thread${threads === 1 ? '' : 's'}) …`);
  const peer = peerNames.length ? runPeer(peerNames, threads) : { error: 'no case with a peer' };
  const peerCases = 'cases' in peer ? peer.cases : {};
  if ('error' in peer) log(peer.error);
  else if (peer.blas) {
    log(`peer BLAS: ${peer.blas.join(', ') || 'none mapped'}`);
    if (referenceBlas(peer.blas)) log('warning: the peer runs on the reference BLAS, many times slower than OpenBLAS: every ratio flatters us (apt-get install libopenblas0-pthread)');
  }
  const results: CaseResult[] = [];
  for (const name of names) {
    if (RATIO_CASES.has(name)) {
      const pr = peerCases[name] as { ratio: number } | undefined;
      const peerRss = 'memory' in peer ? peer.memory?.[name] : undefined;
      results.push({ name, ours_ratio: ratios[name], peer_ratio: pr ? pr.ratio : null, ours_peak_rss_bytes: oursPeakRss[name] ?? null, peer_peak_rss_bytes: peerRss ?? null });
      continue;
    }
    if (ours[name] === undefined) continue;
    const pm = peerCases[name] as number | undefined;
    const peerRss = 'memory' in peer ? peer.memory?.[name] : undefined;
    const r: CaseResult = { name, ours_ms: ours[name], peer_ms: pm ?? null, ratio: pm ? ours[name] / pm : null, ours_peak_rss_bytes: oursPeakRss[name] ?? null, peer_peak_rss_bytes: peerRss ?? null };
    if (name === STUDY_CASE && oursStudy) {
      const ps = 'details' in peer ? peer.details?.[STUDY_CASE] : undefined;
      r.ours_optima = oursStudy.optima;
      r.peer_optima = ps ? ps.optimum_log2_lr : null;
      r.ours_drift = oursStudy.drift;
      r.peer_drift = ps ? ps.drift : null;
      const f = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(2));
      log(`${STUDY_CASE}: optimum log₂η per width (ours / peer)`);
      for (const key of Object.keys(oursStudy.optima)) log(`  ${key.padEnd(10)} ${f(oursStudy.optima[key]).padStart(7)} / ${f(ps?.optimum_log2_lr[key]).padStart(7)}`);
      for (const sch of ['sp', 'mup']) log(`  ${sch} drift  ${f(oursStudy.drift[sch]).padStart(7)} / ${f(ps?.drift[sch]).padStart(7)} grid steps`);
      if (ps) {
        const pd = Object.entries(ps.diverged_points).map(([k, v]) => `${k}: ${v}`);
        log(`  peer: ${ps.runs} runs, ${ps.steps} optimizer steps; diverged (width, η) points ${pd.join(', ')}`);
      }
    }
    if (name in GEMM_CASES) {
      r.ours_gflops = gemmFlops(name) / (ours[name] * 1e6);
      r.peer_gflops = pm ? gemmFlops(name) / (pm * 1e6) : null;
      // PyTorch from Debian calls whatever libblas.so.3 points at; the netlib reference BLAS manages a
      // few GFLOP/s where OpenBLAS reaches ~50 (f64) / ~100 (f32) per core on AVX-512 machines
      if (r.peer_gflops !== null && r.peer_gflops < 15) {
        r.note = 'the peer runs far below OpenBLAS speed: libblas.so.3 is probably the reference BLAS (apt-get install libopenblas0-pthread)';
        log(`${name}: ${r.note}`);
      }
    }
    results.push(r);
  }
  if (want(CATALOG_CASE)) results.push(runCatalog(log));
  const singleThread = !cpuTime && !args.includes('--no-single-thread') && SINGLE_THREAD_CASES.some((n) => names.includes(n)) ? runSingleThread(names, log) : undefined;
  const fmt = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x < 10 ? x.toFixed(3) : x.toFixed(1));
  const mb = (x: number | null | undefined) => (x === null || x === undefined ? '—' : (x / 2 ** 20).toFixed(0));
  log(`${'case'.padEnd(21)} ${'ours ms'.padStart(10)} ${'peer ms'.padStart(10)} ${'ratio'.padStart(8)}   peak RSS MiB ours/peer`);
  const rows = [...results, ...(singleThread && 'cases' in singleThread ? singleThread.cases.map((c) => ({ ...c, name: `${c.name} (1T cpu)` })) : [])];
  for (const r of rows) {
    if (RATIO_CASES.has(r.name.replace(' (1T cpu)', ''))) log(`${r.name.padEnd(21)} ${'HVP/grad ours'.padStart(10)} ${fmt(r.ours_ratio)}  peer ${fmt(r.peer_ratio)}`);
    else
      log(
        `${r.name.padEnd(21)} ${fmt(r.ours_ms).padStart(10)} ${fmt(r.peer_ms).padStart(10)} ${fmt(r.ratio).padStart(8)}` +
          `   ${mb(r.ours_peak_rss_bytes)}/${mb(r.peer_peak_rss_bytes)}` +
          (r.ours_gflops !== undefined ? `   GFLOP/s ours ${fmt(r.ours_gflops)} peer ${fmt(r.peer_gflops)}` : ''),
      );
  }
  if (json)
    console.log(
      JSON.stringify({
        cases: results,
        kernels: { backend: active.name, reason: choice.reason, threads },
        timing: cpuTime ? 'cpu' : 'wall',
        ...(singleThread ? { single_thread: singleThread } : {}),
        peer: 'error' in peer ? { available: false, reason: peer.error } : { available: true, torch: peer.torch, threads: peer.threads, blas: peer.blas ?? [], referenceBlas: referenceBlas(peer.blas ?? []) },
      }),
    );
}

await main();

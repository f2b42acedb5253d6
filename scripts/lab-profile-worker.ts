// A CPU profile of one study's run (quick profile, seed 0) in the built lab's Web Worker (Debian's chromium), or in
// this Node process with the same WebAssembly kernels, for finding where the browser loses time against Node:
//   node --import tsx scripts/lab-profile-worker.ts <study-id> [--ms N] [--node] [--top N] [--out FILE]
// Browser (default): the lab is built for profiling (unminified, with source maps: lab/config.ts `profiling`), the
// worker's V8 profiler (reached through the page's CDP session: auto-attach to the worker target) samples the whole
// run until the verdict (or N ms, default 600000), and every frame is mapped back through the bundle's source map to
// src/ file:line. The page's Worker.terminate is deferred so that the finished worker can still hand its profile over.
// --node: the same study in this process with LMECH's wasm-simd kernels, profiled through node:inspector, so the two
// tables compare function by function. Both print total time, the WASM / JS / GC split and the top self-time
// functions; the profile is left in FILE (default /tmp/lmech-worker.cpuprofile or /tmp/lmech-node.cpuprofile),
// loadable in Chromium's DevTools.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { findSourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CDPSession } from 'playwright-core';
import { SourceMapConsumer } from 'source-map-js';
import { launchChromium, VERDICT_DONE } from './lab-run-all.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface Profile {
  nodes: { id: number; callFrame: CallFrame }[];
  samples: number[];
  timeDeltas: number[];
}
type Locate = (f: CallFrame) => string;

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** Commands to a worker attached without flattening go through Target.sendMessageToTarget. */
function workerChannel(cdp: CDPSession) {
  let next = 1;
  const pending = new Map<number, (r: unknown) => void>();
  cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
    const m = JSON.parse(e.message) as { id?: number; result?: unknown; error?: unknown };
    if (m.id !== undefined) pending.get(m.id)?.(m.result ?? m.error);
  });
  return (sessionId: string, method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
    });
}

/** WASM, JS, GC or the profiler's own buckets ((program), (idle), (root)). */
function kind(f: CallFrame): 'wasm' | 'js' | 'gc' | 'other' {
  if (f.url.startsWith('wasm://') || /^\$?(gemm|wasm-function)/.test(f.functionName)) return 'wasm';
  if (f.functionName === '(garbage collector)') return 'gc';
  if (f.functionName.startsWith('(')) return 'other';
  return 'js';
}

/** Self milliseconds per (function, location) and per kind. */
function selfTimes(p: Profile, locate: Locate): { rows: [string, number][]; split: Record<string, number> } {
  const perNode = new Map<number, number>();
  p.samples.forEach((n, i) => perNode.set(n, (perNode.get(n) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000));
  const self = new Map<string, number>();
  const split: Record<string, number> = { wasm: 0, js: 0, gc: 0, other: 0 };
  for (const n of p.nodes) {
    const ms = perNode.get(n.id) ?? 0;
    const k = `${n.callFrame.functionName || '(anonymous)'} ${locate(n.callFrame)}`;
    self.set(k, (self.get(k) ?? 0) + ms);
    split[kind(n.callFrame)] += ms;
  }
  return { rows: [...self.entries()].sort((a, b) => b[1] - a[1]), split };
}

function report(label: string, p: Profile, locate: Locate, top: number, out: string): void {
  writeFileSync(out, JSON.stringify(p));
  const { rows, split } = selfTimes(p, locate);
  const total = rows.reduce((a, [, v]) => a + v, 0);
  const pct = (v: number) => `${((100 * v) / total).toFixed(1)}%`;
  console.log(`${label}: ${(total / 1000).toFixed(1)} s of samples (profile in ${out})`);
  console.log(`  split: wasm ${pct(split.wasm)}  js ${pct(split.js)}  gc ${pct(split.gc)}  other ${pct(split.other)}`);
  for (const [k, v] of rows.slice(0, top)) console.log(`${v.toFixed(0).padStart(8)} ms ${pct(v).padStart(6)}  ${k}`);
}

/** Maps a frame of the built bundle (url …/assets/x.js, 0-based line and column) to its src/ file:line. */
function bundleLocator(dir: string): Locate {
  const maps = new Map<string, SourceMapConsumer>();
  for (const f of readdirSync(join(dir, 'assets')).filter((f) => f.endsWith('.js.map'))) {
    maps.set(f.slice(0, -4), new SourceMapConsumer(JSON.parse(readFileSync(join(dir, 'assets', f), 'utf8'))));
  }
  return (f) => {
    const file = f.url.split('/').pop() ?? '';
    // builtins and the profiler's own buckets carry line −1
    const pos = f.lineNumber >= 0 ? maps.get(file)?.originalPositionFor({ line: f.lineNumber + 1, column: Math.max(0, f.columnNumber) }) : undefined;
    if (!pos?.source) return `${file}:${f.lineNumber + 1}`;
    const src = pos.source.replace(/^(\.\.\/)+/, '');
    return `${src}:${pos.line}`;
  };
}

/** A frame of this process: the file under the repository and the source line, through tsx's inline source maps. */
const nodeLocator: Locate = (f) => {
  if (!f.url.startsWith('file://')) return f.url;
  const path = fileURLToPath(f.url);
  const entry = findSourceMap(path)?.findEntry(f.lineNumber, f.columnNumber) as { originalLine?: number } | undefined;
  return `${relative(REPO, path)}:${(entry?.originalLine ?? f.lineNumber) + 1}`;
};

async function profileBrowser(id: string, ms: number): Promise<{ profile: Profile; locate: Locate; dir: string }> {
  const { buildLab, serveLab } = await import('../src/cli/commands/lab.ts');
  const dir = mkdtempSync(join(tmpdir(), 'lmech-worker-profile-'));
  await buildLab({ outDir: dir, profiling: true, logLevel: 'error' });
  const server = await serveLab({ dir, port: 0 });
  const browser = await launchChromium();
  try {
    // the runner terminates the worker on 'done': defer that so the finished worker still answers Profiler.stop
    await browser.context.addInitScript(() => {
      Worker.prototype.terminate = () => undefined;
    });
    const page = await browser.context.newPage();
    await page.goto(`${server.url}#/study/${id}?seed=0&profile=quick`);
    await page.waitForSelector('body[data-lab-ready="study"]');
    const cdp = await browser.context.newCDPSession(page);
    const send = workerChannel(cdp);
    const workers: string[] = [];
    cdp.on('Target.attachedToTarget', async (e: { sessionId: string; targetInfo: { type: string } }) => {
      if (e.targetInfo.type !== 'worker') return;
      workers.push(e.sessionId);
      await send(e.sessionId, 'Profiler.enable');
      await send(e.sessionId, 'Profiler.setSamplingInterval', { interval: 500 });
      await send(e.sessionId, 'Profiler.start');
      await send(e.sessionId, 'Runtime.runIfWaitingForDebugger');
    });
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
    await page.click('#run');
    await page.waitForSelector(VERDICT_DONE, { timeout: ms }).catch(() => console.log(`(no verdict within ${ms} ms: the profile covers the first ${ms} ms)`));
    const workerMs = await page.getAttribute('#run-duration', 'data-ms', { timeout: 1000 }).catch(() => null);
    if (workerMs) console.log(`worker run: ${(Number(workerMs) / 1000).toFixed(1)} s (profiler on)`);
    if (workers.length === 0) throw new Error(`no worker started within ${ms} ms`);
    const { profile } = (await send(workers[0], 'Profiler.stop')) as { profile: Profile };
    return { profile, locate: bundleLocator(dir), dir };
  } finally {
    await browser.close();
    await server.close();
  }
}

async function profileNode(id: string): Promise<Profile> {
  process.setSourceMapsEnabled(true); // before the imports below, so findSourceMap sees their maps
  const { executeStudy } = await import('../src/studies/execute.ts');
  const { findStudy } = await import('../src/studies/registry.ts');
  const { createWasmKernels } = await import('../src/core/kernelsWasm.ts');
  const { setKernels } = await import('../src/core/kernels.ts');
  const wasm = createWasmKernels();
  if (!wasm) throw new Error('WebAssembly SIMD is not available in this Node');
  setKernels(wasm);
  const study = findStudy(id);
  if (!study) throw new Error(`unknown study '${id}'`);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  const t = performance.now();
  await executeStudy(study, { profile: 'quick', seed: 0, codeVersion: 'lab-profile' });
  console.log(`node run: ${((performance.now() - t) / 1000).toFixed(1)} s (profiler on)`);
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
  session.disconnect();
  return profile;
}

function flag(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

const args = process.argv.slice(2);
const id = args.find((a, i) => !a.startsWith('--') && !['--ms', '--top', '--out'].includes(args[i - 1] ?? ''));
if (!id) {
  console.error('usage: node --import tsx scripts/lab-profile-worker.ts <study-id> [--ms N] [--node] [--top N] [--out FILE]');
  process.exit(2);
}
const top = Number(flag(args, '--top') ?? 30);
if (args.includes('--node')) {
  report(`${id} (node, wasm-simd)`, await profileNode(id), nodeLocator, top, flag(args, '--out') ?? '/tmp/lmech-node.cpuprofile');
} else {
  const { profile, locate, dir } = await profileBrowser(id, Number(flag(args, '--ms') ?? 600_000));
  try {
    report(`${id} (lab worker)`, profile, locate, top, flag(args, '--out') ?? '/tmp/lmech-worker.cpuprofile');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

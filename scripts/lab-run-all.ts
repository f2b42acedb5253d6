// Runs every study (or the ids given) in its quick profile in the built lab, in Debian's chromium, and prints each
// verdict, the time, the number of figures and any page or console error:
//   node --import tsx scripts/lab-run-all.ts [--pages N] [--node] [id ...]
// --node also runs each study's quick profile in this Node process (the CLI's kernels: native when built; set
// LMECH_KERNELS=wasm for the browser's backend) after the browser has finished, and prints the browser / Node ratio of
// wall times, the page's (load, run, draw) and the Web Worker's own (the study alone). Both sides are wall clock on
// the same machine, one study at a time (with --pages 1), so run it on an otherwise idle machine.
// The functions are also what the end-to-end test (test/lab/lab.e2e.test.ts) uses to launch chromium and to run
// every study's page, so the two never drift apart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.LMECH_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, no sandbox (containers), no GPU, and nothing that reaches the network on its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Debian's chromium (never a downloaded browser) with a fresh profile: playwright passes the new directory
 * as --user-data-dir (it refuses that flag in `args`), and it is removed on close.
 */
export async function launchChromium(executablePath = CHROMIUM): Promise<Chromium> {
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'lmech-chromium-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1366, height: 768 } });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** A verdict has been reached: the badge is none of the in-progress states. */
export const VERDICT_DONE = '#verdict:not([data-verdict="running"]):not([data-verdict="idle"]):not([data-verdict="paused"])';

export interface PageRun {
  id: string;
  /** The verdict shown in the page, or 'timeout'. */
  verdict: string;
  ms: number;
  /** The study's own time in the page's Web Worker (`#run-duration`), without page load and drawing; NaN if absent. */
  workerMs: number;
  figures: number;
  /** Uncaught page errors and console errors, in order. */
  errors: string[];
}

/** Open a study's page (quick profile, seed 0), press Run and wait for the verdict. */
export async function runStudyPage(context: BrowserContext, baseUrl: string, id: string, timeoutMs = 300_000): Promise<PageRun> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console error: ${m.text()}`);
  });
  const t = Date.now();
  let verdict = 'timeout';
  try {
    await page.goto(`${baseUrl}#/study/${id}?seed=0&profile=quick`);
    await page.waitForSelector('body[data-lab-ready="study"]');
    await page.click('#run');
    await page.waitForSelector(VERDICT_DONE, { timeout: timeoutMs });
    verdict = (await page.getAttribute('#verdict', 'data-verdict')) ?? '';
  } catch (e) {
    errors.push(`driver: ${(e as Error).message.split('\n')[0]}`);
  }
  const ms = Date.now() - t;
  const figures = await page.$$eval('figure.fig', (e) => e.length).catch(() => 0);
  // the provenance row is drawn with the results, a moment after the verdict: under load that took over a second
  const workerMs = Number((await page.getAttribute('#run-duration', 'data-ms', { timeout: 15_000 }).catch(() => null)) ?? Number.NaN);
  await page.close();
  return { id, verdict, ms, workerMs, figures, errors };
}

/** Run the study pages `pages` at a time (two halves the wall time on 2 cores when Node is idle). */
export async function runStudyPages(context: BrowserContext, baseUrl: string, ids: readonly string[], opts: { pages?: number; timeoutMs?: number; onRun?: (r: PageRun) => void } = {}): Promise<PageRun[]> {
  const pages = opts.pages ?? 1;
  if (!Number.isInteger(pages) || pages < 1) throw new Error(`pages: expected a positive integer, got ${pages}`);
  const out: PageRun[] = new Array(ids.length);
  let next = 0;
  const lane = async () => {
    while (next < ids.length) {
      const i = next++;
      out[i] = await runStudyPage(context, baseUrl, ids[i], opts.timeoutMs);
      opts.onRun?.(out[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(pages, ids.length) }, lane));
  return out;
}

export function formatPageRun(r: PageRun): string {
  return `${r.id.padEnd(36)} ${r.verdict.padEnd(14)} ${(r.ms / 1000).toFixed(1).padStart(6)} s (worker ${(r.workerMs / 1000).toFixed(1)} s)  figures=${r.figures}${r.errors.length ? `  errors: ${r.errors.join(" | ").slice(0, 300)}` : ""}`;
}

/** Each study's quick profile at seed 0 in this process, wall milliseconds, with the CLI's kernels. */
async function nodeTimes(ids: readonly string[]): Promise<Map<string, { ms: number; verdict: string }>> {
  const { executeStudy } = await import('../src/studies/execute.ts');
  const { STUDIES } = await import('../src/studies/registry.ts');
  const { installBestKernels } = await import('../src/run/nativeKernels.ts');
  const kernels = installBestKernels();
  console.log(`Node (kernels: ${kernels.backend}):`);
  const out = new Map<string, { ms: number; verdict: string }>();
  for (const id of ids) {
    const study = STUDIES.find((s) => s.id === id);
    if (!study) throw new Error(`unknown study '${id}'`);
    const t = Date.now();
    const r = await executeStudy(study, { profile: 'quick', seed: 0, codeVersion: 'lab-run-all' });
    out.set(id, { ms: Date.now() - t, verdict: r.verdict });
  }
  return out;
}

function formatRatios(runs: readonly PageRun[], node: Map<string, { ms: number; verdict: string }>): string[] {
  const lines = runs.map((r) => {
    const n = node.get(r.id);
    const ratio = n ? r.ms / n.ms : Number.NaN;
    const worker = n ? r.workerMs / n.ms : Number.NaN;
    return `${r.id.padEnd(36)} browser ${(r.ms / 1000).toFixed(1).padStart(6)} s (worker ${(r.workerMs / 1000).toFixed(1)} s)  node ${((n?.ms ?? Number.NaN) / 1000).toFixed(1).padStart(6)} s (${n?.verdict ?? '?'})  ratio ${ratio.toFixed(2)}${ratio > 2 ? '  > 2' : ''} (worker ${worker.toFixed(2)})`;
  });
  const total = (f: (r: PageRun) => number) => runs.reduce((a, r) => a + f(r), 0);
  const [b, n] = [total((r) => r.ms), total((r) => node.get(r.id)?.ms ?? 0)];
  return [...lines, `${'all'.padEnd(36)} browser ${(b / 1000).toFixed(1).padStart(6)} s  node ${(n / 1000).toFixed(1).padStart(6)} s  ratio ${(b / n).toFixed(2)}`];
}

async function main(argv: string[]): Promise<number> {
  const { buildLab, serveLab } = await import('../src/cli/commands/lab.ts');
  const { STUDIES } = await import('../src/studies/registry.ts');
  const withNode = argv.includes('--node');
  argv = argv.filter((a) => a !== '--node');
  const at = argv.indexOf('--pages');
  const pages = at >= 0 ? Number(argv[at + 1]) : 1;
  const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 2)] : argv;
  const ids = rest.length > 0 ? rest : STUDIES.map((s) => s.id);
  const dir = mkdtempSync(join(tmpdir(), 'lmech-lab-all-'));
  await buildLab({ outDir: dir, force: true, logLevel: 'error' });
  const server = await serveLab({ dir, port: 0 });
  const browser = await launchChromium();
  try {
    const runs = await runStudyPages(browser.context, server.url, ids, { pages, onRun: (r) => console.log(formatPageRun(r)) });
    if (withNode) for (const line of formatRatios(runs, await nodeTimes(ids))) console.log(line);
    return runs.filter((r) => r.verdict === 'timeout' || r.errors.length > 0).length;
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit((await main(process.argv.slice(2))) > 0 ? 1 : 0);

// A CPU profile of one study's Web Worker in the built lab, in Debian's chromium (quick profile, seed 0), for finding
// where the browser loses time against Node:
//   node --import tsx scripts/lab-profile-worker.ts <study-id> [milliseconds]
// The worker's V8 profiler (reached through the page's CDP session: auto-attach to the worker target) samples the
// run for the given time (default 15000; the worker ends with its run, so the profile is taken while it is still
// working) and the script prints the functions with the most self time. The profile is left in
// /tmp/lmech-worker.cpuprofile (loadable in Chromium's DevTools). The bundle is minified: names are short, the
// line numbers point into the built worker file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CDPSession } from 'playwright-core';
import { launchChromium } from './lab-run-all.ts';

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

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

function selfTimes(p: Profile): [string, number][] {
  const perNode = new Map<number, number>();
  p.samples.forEach((n, i) => perNode.set(n, (perNode.get(n) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const self = new Map<string, number>();
  for (const n of p.nodes) {
    const k = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
    self.set(k, (self.get(k) ?? 0) + (perNode.get(n.id) ?? 0) / 1000);
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]);
}

async function main(id: string, ms: number): Promise<void> {
  const { buildLab, serveLab } = await import('../src/cli/commands/lab.ts');
  const dir = mkdtempSync(join(tmpdir(), 'lmech-worker-profile-'));
  await buildLab({ outDir: dir, force: true, logLevel: 'error' });
  const server = await serveLab({ dir, port: 0 });
  const browser = await launchChromium();
  try {
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
    await new Promise((r) => setTimeout(r, ms));
    if (workers.length === 0) throw new Error(`no worker started within ${ms} ms`);
    const { profile } = (await send(workers[0], 'Profiler.stop')) as { profile: Profile };
    writeFileSync('/tmp/lmech-worker.cpuprofile', JSON.stringify(profile));
    const rows = selfTimes(profile);
    const total = rows.reduce((a, [, v]) => a + v, 0);
    console.log(`${id}: ${(total / 1000).toFixed(1)} s of worker samples; self time:`);
    for (const [k, v] of rows.slice(0, 25)) console.log(`${v.toFixed(0).padStart(8)} ms ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const [id, ms] = process.argv.slice(2);
if (!id) {
  console.error('usage: node --import tsx scripts/lab-profile-worker.ts <study-id> [milliseconds]');
  process.exit(2);
}
await main(id, Number(ms ?? 15000));

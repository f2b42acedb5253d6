// Runs every study (or the ids given) in its quick profile in the built lab, in Debian's chromium, and prints each
// verdict, the time, the number of figures and any page or console error:
//   node --import tsx scripts/lab-run-all.ts [id ...]
// A manual check that every study page works in a browser (the e2e test covers one study in depth).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { buildLab, serveLab } from '../src/cli/commands/lab.ts';
import { STUDIES } from '../src/studies/registry.ts';

const dir = mkdtempSync(join(tmpdir(), 'lmech-lab-all-'));
await buildLab({ outDir: dir, force: true, logLevel: 'error' });
const server = await serveLab({ dir, port: 0 });
const browser = await chromium.launch({
  executablePath: process.env.LMECH_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
const ids = process.argv.length > 2 ? process.argv.slice(2) : STUDIES.map((s) => s.id);
let bad = 0;
for (const id of ids) {
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  const t = Date.now();
  await page.goto(`${server.url}#/study/${id}?seed=0&profile=quick`);
  await page.waitForSelector('body[data-lab-ready="study"]');
  await page.click('#run');
  let verdict = 'timeout';
  try {
    await page.waitForSelector('#verdict:not([data-verdict="running"]):not([data-verdict="idle"]):not([data-verdict="paused"])', { timeout: 300_000 });
    verdict = (await page.getAttribute('#verdict', 'data-verdict')) ?? '';
  } catch {
    bad++;
  }
  const figures = await page.$$eval('figure.fig', (e) => e.length);
  if (errors.length) bad++;
  console.log(`${id.padEnd(36)} ${verdict.padEnd(14)} ${((Date.now() - t) / 1000).toFixed(1).padStart(6)} s  figures=${figures}${errors.length ? `  errors: ${errors.join(' | ').slice(0, 200)}` : ''}`);
  await page.close();
}
await browser.close();
await server.close();
process.exit(bad ? 1 : 0);

#!/usr/bin/env node
/**
 * Look at the HTML report in a real browser (not part of the unit tests).
 *
 *   apt-get install -y chromium                      # Debian chromium; never a browser from npm
 *   npm install --no-save playwright-core@^1.65.1    # or set LMECH_PLAYWRIGHT_CORE=/path/to/node_modules/playwright-core
 *   node --import tsx scripts/check-report.mjs [outDir] [screenshot.png]
 *
 * Writes the report for the fixture results (test/report/fixtures.ts) to outDir (default
 * /tmp/lmech-report-check), opens index.html from a file:// URL in headless Chromium, and checks:
 * no network request at all (every request other than the page itself is listed), no failed request,
 * no console error or page error, no alert dialog (the fixtures carry `<script>alert(1)</script>`),
 * every figure drew an SVG (or shows its "no data" annotation), and a tooltip appears on hover.
 * Takes a full-page screenshot (default /tmp/report.png). Exits 1 if any check fails.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const outDir = resolve(process.argv[2] ?? '/tmp/lmech-report-check');
const shot = resolve(process.argv[3] ?? '/tmp/report.png');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

async function loadPlaywright() {
  try {
    return await import('playwright-core');
  } catch {
    const dir = process.env.LMECH_PLAYWRIGHT_CORE;
    if (!dir) throw new Error('playwright-core is not installed: run `npm install --no-save playwright-core@^1.65.1`, or set LMECH_PLAYWRIGHT_CORE to its directory');
    return createRequire(resolve(dir, 'package.json'))(resolve(dir));
  }
}

const { writeReport } = await import('../src/report/html.ts');
const { allFixtures } = await import('../test/report/fixtures.ts');
const results = allFixtures();
const out = await writeReport(results, outDir);
const figureCount = results.reduce((a, r) => a + r.figures.length, 0);
console.log(`report: ${out.html} (${results.length} studies, ${figureCount} figures, ${out.pngs.length} PNGs)`);

const { chromium } = await loadPlaywright();
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const problems = [];
const pageUrl = pathToFileURL(out.html).href;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests = [];
  const consoleMessages = [];
  page.on('request', (r) => {
    if (r.url() !== pageUrl) requests.push(`${r.method()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on('console', (m) => {
    consoleMessages.push(`${m.type()}: ${m.text()}`);
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', async (d) => {
    problems.push(`a dialog opened (injected script ran?): ${d.message()}`);
    await d.dismiss();
  });

  await page.goto(pageUrl, { waitUntil: 'load' });
  await page.waitForFunction((n) => document.querySelectorAll('.vega svg, .vega.fig-error').length >= n, figureCount, { timeout: 30_000 });
  const drawn = await page.evaluate(() => ({
    svgs: document.querySelectorAll('.vega svg').length,
    failed: [...document.querySelectorAll('.vega.fig-error')].map((e) => e.textContent),
    sections: document.querySelectorAll('section.study').length,
    injectedScripts: [...document.querySelectorAll('script')].filter((s) => !s.hasAttribute('data-lib') && s.type !== 'application/json' && !s.textContent.includes('data-figure')).length,
    injectedImgs: document.querySelectorAll('main img').length,
  }));
  if (drawn.svgs !== figureCount) problems.push(`expected ${figureCount} chart SVGs, found ${drawn.svgs}`);
  for (const f of drawn.failed) problems.push(`figure failed: ${f}`);
  if (drawn.sections !== results.length) problems.push(`expected ${results.length} study sections, found ${drawn.sections}`);
  if (drawn.injectedScripts > 0) problems.push(`${drawn.injectedScripts} unexpected <script> element(s) in the DOM`);
  if (drawn.injectedImgs > 0) problems.push(`${drawn.injectedImgs} <img> element(s) in the report body (injected?)`);

  // Tooltip: scroll the first chart into view and hover over its data points until a tooltip shows.
  const points = page.locator('.vega svg').first().locator('g.mark-symbol:not(.role-legend-symbol) path');
  const nPoints = await points.count();
  let tooltip = '';
  for (let k = 0; k < Math.min(nPoints, 20) && !tooltip; k++) {
    const p = points.nth(Math.floor((k * nPoints) / 20));
    await p.scrollIntoViewIfNeeded();
    const b = await p.boundingBox();
    if (!b) continue;
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    tooltip = await page
      .waitForFunction(() => {
        const el = document.querySelector('#vg-tooltip-element');
        return el?.classList.contains('visible') ? el.textContent : '';
      }, undefined, { timeout: 1000 })
      .then((h) => h.jsonValue())
      .catch(() => '');
  }
  if (!tooltip) problems.push('no tooltip appeared when hovering over the first chart');
  await page.mouse.move(0, 0);
  await page.evaluate(() => window.scrollTo(0, 0));

  await page.screenshot({ path: shot, fullPage: true });
  console.log(
    JSON.stringify(
      { page: pageUrl, requests, console: consoleMessages, charts: drawn.svgs, expectedCharts: figureCount, tooltip: tooltip.replace(/\s+/g, ' ').slice(0, 160), screenshot: shot, pngs: out.pngs },
      null,
      2,
    ),
  );
  for (const r of requests) problems.push(`network request: ${r}`);
} finally {
  await browser.close();
}
if (problems.length > 0) {
  console.error(`check-report: ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('check-report: ok (no requests, no console errors, every chart drawn, tooltip shown)');

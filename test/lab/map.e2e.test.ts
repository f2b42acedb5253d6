/**
 * The lab's Map tab end to end (issue 16), in Debian's chromium driven headless by playwright-core against the
 * production build served by `serveLab` (the setup of test/lab/lab.e2e.test.ts): `lazy-vs-rich` over a 4×4 grid
 * of width × lazyAlpha (the α at which the lazy criteria are read), 1 seed, quick profile, run in the page's
 * Web Workers. Checks: the Map tab opens from the Run tab; all 16 cells get painted, each with a verdict;
 * every painted cell's verdict is the one `executeStudy` gives in Node for that point (the same function, so
 * the same verdict up to the last-bit libm differences documented in lab/README.md, far from any tolerance);
 * the URL carries the map and a reload restores the form; a bad map key in the URL gives a message naming it;
 * clicking a cell opens that run on the Run tab, which reaches the cell's verdict; no page or console error.
 *
 * Skips (with the reason in its name and a warning) when chromium is missing. A screenshot of the finished map goes
 * to $LMECH_LAB_SHOTS or a temp dir (printed).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, type Chromium, launchChromium, VERDICT_DONE } from '../../scripts/lab-run-all.ts';
import { buildLab, type LabServer, serveLab } from '../../src/cli/commands/lab.ts';
import { codeVersion } from '../../src/run/codeVersion.ts';
import { executeStudy } from '../../src/studies/execute.ts';
import { findStudy } from '../../src/studies/registry.ts';
import type { AnyStudy } from '../../src/studies/types.ts';
import { expandGrid, parseAxis } from '../../src/studies/validityMap/grid.ts';

const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SKIP_REASON = `skipped: no browser at ${CHROMIUM} (install Debian's chromium: apt-get install -y chromium)`;
if (!HAVE_CHROMIUM) console.warn(`[map e2e] ${SKIP_REASON}`);

const study = findStudy('lazy-vs-rich') as AnyStudy;
/**
 * A small problem so that 16 quick runs take seconds: 16 training points, 5 α values (lazyAlpha must be one of
 * them), at most 1500 GD steps to a loss 1e-3 of its start (~0.3–2 s a run in Node on this machine).
 */
const BASE = { points: 16, maxSteps: 1500, lossRatio: 0.001, alphas: [0.1, 3, 10, 30, 100] };
const X = 'width=16,32,64,128';
const Y = 'lazyAlpha=3,10,30,100';
const HASH = `#/study/lazy-vs-rich?seed=0&profile=quick&p.points=16&p.alphas=[0.1,3,10,30,100]&p.lossRatio=0.001&p.maxSteps=1500`;

describe.skipIf(!HAVE_CHROMIUM)(HAVE_CHROMIUM ? 'the Map tab in chromium' : `the Map tab in chromium (${SKIP_REASON})`, () => {
  let buildDir = '';
  let shots = '';
  let server: LabServer;
  let browser: Chromium;
  const errors: string[] = [];

  beforeAll(async () => {
    buildDir = mkdtempSync(join(tmpdir(), 'lmech-map-build-'));
    shots = process.env.LMECH_LAB_SHOTS ?? mkdtempSync(join(tmpdir(), 'lmech-map-shots-'));
    mkdirSync(shots, { recursive: true });
    console.log(`[map e2e] screenshots in ${shots}`);
    await buildLab({ outDir: buildDir, force: true, logLevel: 'error' });
    server = await serveLab({ dir: buildDir, port: 0 });
    browser = await launchChromium(CHROMIUM);
  }, 6 * 60_000); // the production build alone took over 2 minutes on the shared 2-core machine under load

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  });

  function watch(page: Page, what: string): Page {
    page.on('pageerror', (e) => errors.push(`${what}: page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${what}: console error: ${m.text()}`);
    });
    return page;
  }

  it('paints a 4×4 grid of lazy-vs-rich with the verdicts of Node, keeps it in the URL, and a cell opens its run', { timeout: 10 * 60_000 }, async () => {
    const page = watch(await browser.context.newPage(), 'map');
    await page.goto(`${server.url}${HASH}`);
    await page.waitForSelector('body[data-lab-ready="study"]');
    await page.click('#tab-map');
    expect(await page.isVisible('#map-panel')).toBe(true);
    expect(await page.isVisible('#run-panel')).toBe(false);
    await page.fill('#map-x', X);
    await page.fill('#map-y', Y);
    await page.fill('#map-seeds', '1');
    await page.selectOption('#map-profile', 'quick');
    const t0 = Date.now();
    await page.click('#map-run');
    // cells are painted as their runs finish, not at the end
    await page.waitForFunction(() => Number(document.querySelector('#map-grid')?.getAttribute('data-painted')) >= 1 && document.querySelector('#map-status')?.getAttribute('data-state') === 'running', undefined, { timeout: 4 * 60_000 });
    await page.waitForFunction(() => document.querySelector('#map-grid')?.getAttribute('data-painted') === '16', undefined, { timeout: 8 * 60_000 });
    await page.waitForSelector('#map-status[data-state="done"]');
    const wallMs = Date.now() - t0;
    const cells = await page.$$eval('.map-cell', (els) => els.map((e) => ({ index: Number(e.getAttribute('data-index')), verdict: e.getAttribute('data-verdict') ?? '', cls: e.className, href: e.getAttribute('href') ?? '' })));
    const letters = cells.map((c) => `${c.index}:${c.verdict}`).join(' ');
    console.log(`[map e2e] 16 cells painted in ${wallMs} ms (${await page.evaluate(() => navigator.hardwareConcurrency)} cores reported): ${await page.textContent('#map-status')}; ${letters}`);
    expect(cells.length).toBe(16);
    expect(cells.map((c) => c.index).sort((a, b) => a - b)).toEqual([...Array(16).keys()]);
    for (const c of cells) {
      expect(['holds', 'falsified', 'out-of-regime', 'inconclusive', 'error']).toContain(c.verdict);
      expect(c.cls).toContain(`v-${c.verdict}`);
      expect(c.href).toContain('run=1');
    }
    // the same points in Node: the verdicts agree (two corners and two inner points, to keep the test short)
    const grid = expandGrid({ axes: [parseAxis(study, 'quick', X), parseAxis(study, 'quick', Y)], base: BASE });
    for (const i of [0, 6, 9, 15]) {
      const node = await executeStudy(study, { profile: 'quick', params: grid[i].params, seed: 0, codeVersion: codeVersion() });
      expect({ index: i, verdict: cells.find((c) => c.index === i)?.verdict }).toEqual({ index: i, verdict: node.verdict });
    }
    expect(await page.$$eval('#map-boundaries li', (els) => els.length)).toBeGreaterThan(0);
    // then the phase diagram and the error heatmap of lmech map's report
    await page.waitForSelector('#map-figures[data-figures="final"]', { timeout: 60_000 });
    expect(await page.$$eval('#map-figures .vega-target svg.marks', (els) => els.length)).toBe(2);
    await page.screenshot({ path: join(shots, 'map-lazy-vs-rich.png'), fullPage: true });
    // the URL holds the map: a reload restores the form on the Map tab
    const url = page.url();
    for (const part of ['tab=map', 'map.x=width=16,32,64,128', 'map.y=lazyAlpha=3,10,30,100', 'map.seeds=1', 'map.profile=quick']) expect(url).toContain(part);
    await page.reload();
    await page.waitForSelector('body[data-lab-ready="study"]');
    expect(await page.isVisible('#map-panel')).toBe(true);
    expect(await page.inputValue('#map-x')).toBe(X);
    expect(await page.inputValue('#map-y')).toBe(Y);
    expect(await page.$$eval('.map-cell', (els) => els.length)).toBe(0);
    // Cancel stops every worker: no cell is painted after it
    await page.click('#map-run');
    await page.waitForFunction(() => Number(document.querySelector('#map-grid')?.getAttribute('data-painted')) >= 1, undefined, { timeout: 4 * 60_000 });
    await page.click('#map-cancel');
    expect(await page.getAttribute('#map-status', 'data-state')).toBe('cancelled');
    const painted = await page.getAttribute('#map-grid', 'data-painted');
    await page.waitForTimeout(3000); // longer than one run of this grid (0.3–2 s in Node)
    expect(await page.getAttribute('#map-grid', 'data-painted')).toBe(painted);
    expect(Number(painted)).toBeLessThan(16);
    expect(await page.isDisabled('#map-cancel')).toBe(true);
    // clicking a cell (after a fresh run of the first column, 4 points) opens that run on the Run tab; the URL's
    // metric is not one of the study's: a message names map.metric once the first run tells the metric names
    await page.goto(`${server.url}${HASH}&tab=map&map.x=width=16&map.y=${Y}&map.seeds=1&map.metric=nope`);
    await page.waitForSelector('body[data-lab-ready="study"]');
    await page.click('#map-run');
    await page.waitForFunction(() => document.querySelector('#map-grid')?.getAttribute('data-painted') === '4', undefined, { timeout: 4 * 60_000 });
    await page.waitForSelector('#map-status[data-state="done"]');
    const warning = (await page.textContent('#messages .message.warn')) ?? '';
    expect(warning).toContain('map.metric');
    expect(warning).toContain("'nope'");
    expect(await page.inputValue('#map-metric')).toBe('');
    expect(page.url()).not.toContain('map.metric=nope');
    const cell = page.locator('.map-cell[data-index="3"]');
    const want = await cell.getAttribute('data-verdict');
    const [opened] = await Promise.all([browser.context.waitForEvent('page'), cell.click()]);
    watch(opened, 'opened cell');
    await opened.waitForSelector('body[data-lab-ready="study"]');
    expect(await opened.inputValue('#f-width')).toBe('16');
    expect(await opened.inputValue('#f-lazyAlpha')).toBe('100');
    await opened.waitForSelector(VERDICT_DONE, { timeout: 4 * 60_000 });
    expect(await opened.getAttribute('#verdict', 'data-verdict')).toBe(want);
    await opened.close();
    await page.close();
  });

  it('a bad map key in the URL gives a message naming it, and the page still renders', async () => {
    const page = watch(await browser.context.newPage(), 'bad map url');
    await page.goto(`${server.url}#/study/lazy-vs-rich?tab=map&map.x=nope=1,2&map.seeds=0&map.profile=slow&map.zzz=1`);
    await page.waitForSelector('body[data-lab-ready="study"]');
    const text = (await page.textContent('#messages .message.warn')) ?? '';
    for (const key of ['map.x', 'nope', 'map.seeds', 'map.profile', 'map.zzz']) expect(text).toContain(key);
    expect(await page.isVisible('#map-panel')).toBe(true);
    expect(await page.inputValue('#map-seeds')).toBe('1');
    // the empty form says what it needs, naming the field
    expect(await page.textContent('#map-e-x')).toContain('first axis');
    expect(await page.isDisabled('#map-run')).toBe(true);
    await page.screenshot({ path: join(shots, 'map-bad-url.png') });
    // the tabs by keyboard (WAI-ARIA tabs: arrows move between them), each in the URL
    await page.focus('#tab-map');
    await page.keyboard.press('ArrowRight');
    expect(await page.isVisible('#run-panel')).toBe(true);
    expect(await page.isVisible('#map-panel')).toBe(false);
    expect(page.url()).not.toContain('tab=map');
    await page.keyboard.press('ArrowLeft');
    expect(await page.isVisible('#map-panel')).toBe(true);
    expect(page.url()).toContain('tab=map');
    await page.close();
  });

  it('logged no page or console error', () => {
    expect(errors).toEqual([]);
  });
});

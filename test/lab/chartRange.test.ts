/**
 * The live charts' axis ranges (lab/src/chartRange.ts) against uPlot's own axis-split code, without a browser.
 *
 * In Chromium, neural-collapse and random-feature-scaling-law raised `RangeError: Invalid array length` from
 * uPlot's `logAxisSplits` while points streamed: a log range whose minimum was not a whole decade (the data
 * minimum / 1.15) made the tick loop stop advancing. The oracle is uPlot 1.6 itself: its ES module touches no
 * DOM at load, so the test loads a copy with the internal split functions exported and the tick loops capped
 * at 100k pushes (the uncapped loop runs to 2^32 entries, then throws the RangeError seen in the page).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linearRange, logRange, xRange, yRange } from '../../lab/src/chartRange.ts';
import { Rng } from '../../src/core/random.ts';

type Splits = (self: unknown, axisIdx: number, min: number, max: number, incr: number, space: number, forceMin?: boolean) => number[];
interface UPlotInternals {
  logAxisSplits: Splits;
  numAxisSplits: Splits;
  findIncr: (min: number, max: number, incrs: number[], dim: number, minSpace: number) => [number, number];
  numIncrs: number[];
}

const CAP = 'if (splits.length > 1e5) throw new RangeError("Invalid array length (capped at 1e5 ticks)");';
let dir = '';
let u: UPlotInternals;

beforeAll(async () => {
  const file = createRequire(import.meta.url).resolve('uplot/dist/uPlot.esm.js');
  let src = readFileSync(file, 'utf8');
  const patch = (from: string, to: string) => {
    if (!src.includes(from)) throw new Error(`uPlot source changed: ${JSON.stringify(from)} not found in ${file}; update this test`);
    src = src.replace(from, to);
  };
  patch('\t\tsplits.push(split);\n\t\tsplit = split + foundIncr;', `\t\t${CAP}\n\t\tsplits.push(split);\n\t\tsplit = split + foundIncr;`);
  patch('\t\tsplits.push(Object.is(val, -0) ? 0 : val);', `{ ${CAP} splits.push(Object.is(val, -0) ? 0 : val); }`);
  dir = mkdtempSync(join(tmpdir(), 'lmech-uplot-'));
  const copy = join(dir, 'uPlot.internals.mjs');
  writeFileSync(copy, `${src}\nexport { logAxisSplits, numAxisSplits, findIncr, numIncrs };\n`);
  u = (await import(pathToFileURL(copy).href)) as UPlotInternals;
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const LOG_AXIS = { scales: { y: { log: 10 } }, axes: [{ scale: 'y' }] };

/** uPlot's ticks on a log axis over [lo, hi] (throws the capped RangeError when the loop stalls). */
function logTicks(lo: number, hi: number): number[] {
  return u.logAxisSplits(LOG_AXIS, 0, lo, hi, 0, 0);
}

/** uPlot's ticks on a linear axis over [lo, hi], for a 300 px axis with ticks at least 30 px apart. */
function linearTicks(lo: number, hi: number): number[] {
  const [incr, space] = u.findIncr(lo, hi, u.numIncrs, 300, 30);
  return u.numAxisSplits({}, 0, lo, hi, incr, space);
}

describe('live chart axis ranges', () => {
  it('reproduces the page error: the old log range (data minimum / 1.15) stalls uPlot’s log ticks', () => {
    // random-feature-scaling-law-like data on a log axis: the minimum just above 0.1 is padded below it
    const [min, max] = [0.1128, 1.3229];
    expect(() => logTicks(min / 1.15, max * 1.15)).toThrow(RangeError);
    const [lo, hi] = logRange(min, max);
    expect([lo, hi]).toEqual([0.01, 10]);
    expect(logTicks(lo, hi).length).toBeGreaterThan(2);
  });

  it('log ranges are whole decades that contain the data, and uPlot ticks them, for 5000 seeded ranges', () => {
    const rng = Rng.fromSeed(7).child('log-ranges');
    for (let i = 0; i < 5000; i++) {
      const min = 10 ** (rng.uniform() * 20 - 12);
      const max = rng.uniform() < 0.05 ? min : min * 10 ** (rng.uniform() * 6);
      const [lo, hi] = yRange(min, max, true);
      expect(Number.isInteger(Math.log10(lo)) && Number.isInteger(Math.log10(hi)), `${lo}, ${hi}`).toBe(true);
      expect(lo).toBeLessThan(hi);
      expect(hi).toBeGreaterThanOrEqual(max);
      // at most 12 decades below the maximum are kept (smaller values are clipped), never below 1e-15
      expect(lo).toBeLessThanOrEqual(Math.max(min, max * 1e-12, 1e-15));
      const ticks = logTicks(lo, hi);
      expect(ticks[0]).toBe(lo);
      expect(ticks.length).toBeLessThan(1000);
    }
  });

  it('degenerate, non-positive and non-finite log inputs still give a valid range', () => {
    for (const [min, max] of [
      [1, 1],
      [0, 0],
      [-5, 3],
      [1e-300, 1e-300],
      [1e300, 1e300],
      [Number.NaN, 1],
      [1, Number.POSITIVE_INFINITY],
    ]) {
      const [lo, hi] = logRange(min, max);
      expect(lo, `${min}, ${max}`).toBeLessThan(hi);
      expect(logTicks(lo, hi).length).toBeGreaterThan(1);
    }
  });

  it('linear ranges are never empty and uPlot ticks them, including one point and equal values', () => {
    const rng = Rng.fromSeed(8).child('linear-ranges');
    const cases: [number, number][] = [
      [0, 0],
      [5, 5],
      [-3e-7, -3e-7],
      [1e6, 1e6 + 1e-4],
      [Number.NaN, Number.NaN],
    ];
    for (let i = 0; i < 2000; i++) {
      const c = (rng.uniform() - 0.5) * 10 ** (rng.uniform() * 20 - 10);
      cases.push([c, c + Math.abs(c) * 10 ** (-rng.uniform() * 14)]);
    }
    for (const [min, max] of cases) {
      for (const [lo, hi] of [linearRange(min, max), xRange(min, max, false), yRange(min, max, false, [])]) {
        expect(lo, `${min}, ${max}`).toBeLessThan(hi);
        if (Number.isFinite(min)) expect(lo <= min && hi >= max).toBe(true);
        expect(linearTicks(lo, hi).length, `${min}, ${max} -> ${lo}, ${hi}: ${u.findIncr(lo, hi, u.numIncrs, 300, 30)}`).toBeGreaterThan(0);
      }
    }
  });

  it('the y range includes the horizontal rules (e.g. 2/η)', () => {
    const [lo, hi] = yRange(1, 2, false, [10]);
    expect(lo).toBeLessThan(1);
    expect(hi).toBeGreaterThan(10);
    expect(yRange(1, 2, true, [1e-3])[0]).toBeLessThanOrEqual(1e-3);
  });
});

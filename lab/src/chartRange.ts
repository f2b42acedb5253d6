/**
 * Axis ranges for the live uPlot charts (lab/src/liveChart.ts). Pure and DOM-free, so Node tests can run
 * uPlot's own axis-split code on them (test/lab/chartRange.test.ts).
 *
 * Two ways uPlot's axis splits fail with `RangeError: Invalid array length` (the loop pushes ticks until
 * the array overflows, which also freezes the page for seconds):
 * - linear axes: an empty or nearly empty range (one point, or equal values) gives a zero increment;
 * - log axes (uPlot 1.6 `logAxisSplits`): the ticks start at the scale minimum and step by the power of ten
 *   below it; when the minimum is not itself a power of ten, the first tick past the next power becomes the
 *   new increment (e.g. 0.11 after 0.098), which is not in uPlot's table of decimal places, so the next tick
 *   is rounded to 0 decimals, i.e. to 0, and the loop never advances. uPlot's own log ranges avoid this by
 *   snapping to whole decades (`rangeLog(..., fullMags)`); ours do the same.
 */

/** uPlot's increment table spans 1e-32..1e32; stay well inside it, and at most this many decades tall. */
const LOG_FLOOR = 1e-15;
const LOG_CEIL = 1e15;
const MAX_DECADES = 12;
/** Headroom on a log axis (a factor), before snapping to whole decades. */
const LOG_PAD = 1.15;
/** Headroom on a linear axis (a fraction of the range). */
const LINEAR_PAD = 0.05;

/** 10^k as the double that the decimal literal `1e<k>` gives (Math.pow(10, -24) is off by one ulp). */
function decade(k: number): number {
  return Number(`1e${k}`);
}

/**
 * A log-axis range over [min, max] in whole decades: [10^a, 10^b] with a < b, inside [1e-15, 1e15] and at
 * most 12 decades tall (smaller values are drawn clipped at the bottom). Values ≤ 0 cannot be shown on a log
 * axis and are ignored by the caller (they become gaps).
 */
export function logRange(min: number, max: number): [number, number] {
  if (!(Number.isFinite(min) && Number.isFinite(max) && max > 0)) return [0.1, 10];
  const hi = Math.min(Math.max(max, LOG_FLOOR) * LOG_PAD, LOG_CEIL);
  const lo = Math.min(Math.max(min, hi * 10 ** -MAX_DECADES, LOG_FLOOR) / LOG_PAD, hi);
  const a = Math.floor(Math.log10(lo));
  const b = Math.max(Math.ceil(Math.log10(hi)), a + 1);
  return [decade(a), decade(b)];
}

/**
 * uPlot's finest tick increment is 1e-16 and it keeps at most 17 significant digits in a tick label, so a
 * linear range narrower than this gets no ticks at all.
 */
const MIN_LINEAR_SPAN = 1e-13;

/**
 * A linear range over [min, max]: a degenerate range (equal values to 1e-9 relative, or narrower than
 * 1e-13) is widened by half its magnitude (at least 1e-13) either way; `pad` adds that fraction of the
 * range at both ends.
 */
export function linearRange(min: number, max: number, pad = 0): [number, number] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return [0, 1];
  let lo = min;
  let hi = max;
  const mag = Math.max(Math.abs(lo), Math.abs(hi));
  if (hi - lo <= Math.max(1e-9 * mag, MIN_LINEAR_SPAN)) {
    const d = Math.max(mag * 0.5, MIN_LINEAR_SPAN);
    lo -= d;
    hi += d;
  }
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

/** The x range of a live chart (no padding on a linear axis: the curve spans the plot). */
export function xRange(min: number, max: number, log: boolean): [number, number] {
  return log ? logRange(min, max) : linearRange(min, max);
}

/** The y range of a live chart: the data and the horizontal rules (e.g. 2/η), with headroom. */
export function yRange(min: number, max: number, log: boolean, ruleYs: readonly number[] = []): [number, number] {
  const lo = Math.min(min, ...ruleYs);
  const hi = Math.max(max, ...ruleYs);
  return log ? logRange(lo, hi) : linearRange(lo, hi, LINEAR_PAD);
}

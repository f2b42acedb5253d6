/**
 * McCandlish et al.'s steps-to-target law (2018, "An empirical model of large-batch training", §2):
 * with the learning rate tuned per batch size B, the steps S to reach a target loss follow
 * S(B) = S_min(1 + B_crit/B), and the examples E = B·S follow E(B) = E_min(1 + B/B_crit) with
 * B_crit = E_min/S_min. Browser-safe.
 */
import { mean } from '../../core/stats.ts';

export interface HyperbolaFit {
  /** S_min: steps to target at infinite batch */
  sMin: number;
  /** B_crit = E_min/S_min */
  bCrit: number;
  /** E_min = S_min·B_crit: examples to target at batch size → 0 */
  eMin: number;
  /** coefficient of determination of the fit in log S */
  r2: number;
}

/**
 * Least-squares fit of S(B) = S_min(1 + B_crit/B) in log S (the steps span decades; a fit in S would be
 * set by the smallest batches alone). For a fixed B_crit the best log S_min is the mean of
 * log S − log(1 + B_crit/B); B_crit minimizes the residual sum of squares (a scan over log B_crit, then
 * golden-section refinement). R² = 1 − SSE/SST in log S.
 */
export function fitStepsHyperbola(batch: readonly number[], steps: readonly number[]): HyperbolaFit {
  if (batch.length !== steps.length || batch.length < 3) throw new Error(`fitStepsHyperbola: need ≥ 3 (batch, steps) pairs of equal length, got ${batch.length} and ${steps.length}`);
  if (steps.some((s) => !(s > 0 && Number.isFinite(s)))) throw new Error(`fitStepsHyperbola: steps must be finite and > 0, got [${steps.join(', ')}]`);
  if (batch.some((b) => !(b > 0 && Number.isFinite(b)))) throw new Error(`fitStepsHyperbola: batch sizes must be finite and > 0, got [${batch.join(', ')}]`);
  const ls = steps.map(Math.log);
  const sse = (logBc: number) => {
    const bc = Math.exp(logBc);
    const r = ls.map((l, i) => l - Math.log1p(bc / batch[i]));
    const m = mean(r);
    return { sse: r.reduce((a, b) => a + (b - m) ** 2, 0), logSmin: m };
  };
  const logBc = minimizeOnLogRange(
    (v) => sse(v).sse,
    Math.log(Math.min(...batch) / 1e3),
    Math.log(Math.max(...batch) * 1e3),
  );
  const f = sse(logBc);
  const m = mean(ls);
  const sst = ls.reduce((x, y) => x + (y - m) ** 2, 0);
  const sMin = Math.exp(f.logSmin);
  const bCrit = Math.exp(logBc);
  return { sMin, bCrit, eMin: sMin * bCrit, r2: sst > 0 ? 1 - f.sse / sst : Number.NaN };
}

/** The minimizer of f on [lo, hi]: the best of 401 grid points, refined by 80 golden-section steps. */
function minimizeOnLogRange(f: (v: number) => number, lo: number, hi: number): number {
  const N = 400;
  let best = 0;
  let bestValue = Number.POSITIVE_INFINITY;
  for (let i = 0; i <= N; i++) {
    const v = f(lo + ((hi - lo) * i) / N);
    if (v < bestValue) {
      bestValue = v;
      best = i;
    }
  }
  let a = lo + ((hi - lo) * Math.max(0, best - 1)) / N;
  let b = lo + ((hi - lo) * Math.min(N, best + 1)) / N;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 80; it++) {
    const c = b - g * (b - a);
    const d = a + g * (b - a);
    if (f(c) < f(d)) b = d;
    else a = c;
  }
  return (a + b) / 2;
}

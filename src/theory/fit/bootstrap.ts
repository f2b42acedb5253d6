/**
 * Nonparametric (case-resampling) bootstrap with percentile intervals (Efron 1979; Efron & Tibshirani 1993,
 * "An Introduction to the Bootstrap", §13.3). Rows are resampled with replacement; each replicate is refitted;
 * the 95% interval of a parameter is the 2.5% and 97.5% quantiles of its refits.
 *
 * Assumptions: rows are i.i.d. draws (a sweep over a design grid is not, strictly; case resampling then treats the
 * design as random, which is the usual practice for scaling-law fits, e.g. Besiroglu et al. 2024 §4). Percentile
 * intervals are first-order accurate; with few rows per parameter they under-cover somewhat.
 *
 * Randomness: replicate b draws from `Rng.fromSeed(seed, 'bootstrap', b)`, so replicate b is the same whatever
 * the number of replicates or the order they run in.
 */
import { Rng } from '../../core/random.ts';

export interface BootstrapOptions {
  /** Number of resamples (0 disables the bootstrap). */
  resamples: number;
  seed: number;
  /** Extra stream key, so different fits on the same seed draw different resamples. */
  key?: string;
}

export interface BootstrapDraws {
  /** Successful refits, one parameter vector each. */
  samples: number[][];
  /** Resamples whose refit failed (did not converge, non-finite, or degenerate resample). */
  failures: number;
  resamples: number;
}

/**
 * Run `refit` on `resamples` row-index resamples of 0..nRows−1. `refit` returns the parameter vector, or null when
 * the fit failed; a thrown error also counts as a failure.
 */
export function bootstrapRows(nRows: number, options: BootstrapOptions, refit: (rows: Int32Array) => number[] | null): BootstrapDraws {
  const samples: number[][] = [];
  let failures = 0;
  const base = Rng.fromSeed(options.seed, 'bootstrap', options.key ?? '');
  for (let b = 0; b < options.resamples; b++) {
    const rng = base.child(b);
    const rows = new Int32Array(nRows);
    for (let i = 0; i < nRows; i++) rows[i] = rng.int(nRows);
    let out: number[] | null = null;
    try {
      out = refit(rows);
    } catch {
      out = null;
    }
    if (out === null || !out.every(Number.isFinite)) failures++;
    else samples.push(out);
  }
  return { samples, failures, resamples: options.resamples };
}

/**
 * Quantile q ∈ [0, 1] of `values` by linear interpolation between order statistics (Hyndman & Fan 1996 type 7,
 * the default of R and NumPy). NaN for an empty list.
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/** Percentile interval [q_{(1−level)/2}, q_{(1+level)/2}] of the draws; null when there are fewer than 2 draws. */
export function percentileInterval(values: readonly number[], level = 0.95): [number, number] | null {
  if (values.length < 2) return null;
  return [quantile(values, (1 - level) / 2), quantile(values, (1 + level) / 2)];
}

/**
 * Power-law fits L(x) = a·x^{−b} (+ c): the one-variable neural scaling law (Kaplan et al. 2020, L(N) = (N_c/N)^{α_N};
 * Hestness et al. 2017) and its saturating form with an irreducible loss c (Hoffmann et al. 2022's E;
 * Michaud et al. 2023's L∞). Browser-safe.
 *
 * Estimator: least squares on log residuals, r_i = ln(a·x_i^{−b} + c) − ln y_i, i.e. the maximum-likelihood fit
 * under multiplicative log-normal noise y = L(x)·exp(σε). The model is written in u = ln x − mean(ln x)
 * (x → ln x reparametrisation, centred so that ln a and b are nearly uncorrelated), a = exp(ℓ), so every
 * parameter is O(1) whatever the units of x. Without offset the problem is linear (log-log OLS is the exact
 * solution); with offset it is solved by Levenberg–Marquardt (./levenbergMarquardt.ts), started from log-log OLS
 * fits of ln(y − c₀) for several c₀ ∈ [0, min y), keeping the lowest cost. This is the recipe stack.md §6 found
 * robust (raw-x fits from a naive start converged to wrong optima).
 *
 * Uncertainty: percentile intervals from a case-resampling bootstrap (./bootstrap.ts); a resample whose refit
 * does not converge, or that has fewer distinct x than parameters, counts as a failure and is reported.
 */
import { bootstrapRows, percentileInterval } from './bootstrap.ts';
import { InputError } from './errors.ts';
import { levenbergMarquardt } from './levenbergMarquardt.ts';

export interface PowerLawOptions {
  /** Fit L = a·x^{−b} + c instead of L = a·x^{−b}. */
  offset?: boolean;
  /** Bootstrap resamples (default 0: no intervals). */
  bootstrap?: number;
  /** Seed for the bootstrap resampling (default 0). */
  seed?: number;
  /** Interval level (default 0.95). */
  level?: number;
}

export type Interval = [number, number];

export interface PowerLawFit {
  model: 'power-law';
  offset: boolean;
  a: number;
  b: number;
  /** Irreducible offset; 0 when `offset` is false. */
  c: number;
  /** Rows used. */
  n: number;
  /** R² of ln y against ln ŷ (the fitted objective). */
  r2Log: number;
  /** R² of y against ŷ in linear units. */
  r2Linear: number;
  /** Root mean square of the log residuals (≈ σ of multiplicative noise). */
  rmseLog: number;
  /** log10(max x / min x): the fitted range. */
  decades: number;
  xMin: number;
  xMax: number;
  converged: boolean;
  iterations: number;
  level: number;
  /** Percentile bootstrap intervals (null without bootstrap, or for c without offset). */
  ci: { a: Interval | null; b: Interval | null; c: Interval | null };
  bootstrap: { n: number; failures: number; seed: number };
  warnings: string[];
}

/** L(x) for a fitted power law. */
export function predictPowerLaw(fit: Pick<PowerLawFit, 'a' | 'b' | 'c'>, x: number): number {
  return fit.a * x ** -fit.b + fit.c;
}

interface CoreFit {
  a: number;
  b: number;
  c: number;
  cost: number;
  converged: boolean;
  iterations: number;
}

/** Ordinary least squares z ≈ α − β u (u centred): returns [α, β]. */
function olsLogLog(u: Float64Array, z: Float64Array): [number, number] {
  const n = u.length;
  let mz = 0;
  let mu = 0;
  for (let i = 0; i < n; i++) {
    mz += z[i];
    mu += u[i];
  }
  mz /= n;
  mu /= n;
  let suz = 0;
  let suu = 0;
  for (let i = 0; i < n; i++) {
    suz += (u[i] - mu) * (z[i] - mz);
    suu += (u[i] - mu) ** 2;
  }
  const slope = suu > 0 ? suz / suu : 0;
  return [mz - slope * mu, -slope];
}

/**
 * One fit on (ln x, y). `uc` is ln x centred at `uMean`. Returns the best of the multi-start LM runs
 * (converged runs preferred).
 */
function fitCore(uc: Float64Array, uMean: number, y: Float64Array, offset: boolean, extraStart?: CoreFit): CoreFit {
  const n = uc.length;
  const ly = y.map(Math.log);
  if (!offset) {
    // Linear in (ℓ', b): r_i = ℓ' − b·u_i − ln y_i. LM from the OLS solution only polishes it.
    const start = olsLogLog(uc, ly);
    const res = levenbergMarquardt(
      (p, r, jac) => {
        for (let i = 0; i < n; i++) {
          r[i] = p[0] - p[1] * uc[i] - ly[i];
          if (jac) {
            jac[i * 2] = 1;
            jac[i * 2 + 1] = -uc[i];
          }
        }
        return true;
      },
      start,
      n,
    );
    const b = res.p[1];
    return { a: Math.exp(res.p[0] + b * uMean), b, c: 0, cost: res.cost, converged: res.converged, iterations: res.iterations };
  }
  let yMin = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) yMin = Math.min(yMin, y[i]);
  const residual = (p: Float64Array, r: Float64Array, jac: Float64Array | null): boolean => {
    for (let i = 0; i < n; i++) {
      const t = Math.exp(p[0] - p[1] * uc[i]);
      const m = t + p[2];
      if (!(m > 0)) return false;
      r[i] = Math.log(m) - ly[i];
      if (jac) {
        jac[i * 3] = t / m;
        jac[i * 3 + 1] = (-uc[i] * t) / m;
        jac[i * 3 + 2] = 1 / m;
      }
    }
    return true;
  };
  const starts: number[][] = [];
  for (const frac of [0, 0.5, 0.8, 0.9, 0.95, 0.99]) {
    const c0 = frac * yMin;
    const z = y.map((v) => Math.log(v - c0));
    const [l0, b0] = olsLogLog(uc, z);
    starts.push([l0, b0, c0]);
  }
  if (extraStart) starts.push([Math.log(extraStart.a) - extraStart.b * uMean, extraStart.b, extraStart.c]);
  let best: CoreFit | null = null;
  let totalIterations = 0;
  for (const s of starts) {
    if (!s.every(Number.isFinite)) continue;
    const res = levenbergMarquardt(residual, s, n, { maxIterations: 500 });
    totalIterations += res.iterations;
    if (!Number.isFinite(res.cost)) continue;
    const b = res.p[1];
    const cand: CoreFit = { a: Math.exp(res.p[0] + b * uMean), b, c: res.p[2], cost: res.cost, converged: res.converged, iterations: res.iterations };
    if (!Number.isFinite(cand.a)) continue;
    if (best === null || (cand.converged && !best.converged) || (cand.converged === best.converged && cand.cost < best.cost)) best = cand;
  }
  if (best === null) return { a: Number.NaN, b: Number.NaN, c: Number.NaN, cost: Number.NaN, converged: false, iterations: totalIterations };
  return { ...best, iterations: totalIterations };
}

function validate(x: readonly number[], y: readonly number[], k: number): void {
  if (x.length !== y.length) throw new InputError(`x and y: expected the same length, got ${x.length} and ${y.length}`);
  if (x.length < k) throw new InputError(`power law: ${x.length} row(s) for ${k} parameters; expected at least ${k} rows`);
  for (let i = 0; i < x.length; i++) {
    if (!(x[i] > 0) || !Number.isFinite(x[i])) throw new InputError(`x[${i}] = ${x[i]}: expected a positive finite number (its logarithm is taken)`);
    if (!(y[i] > 0) || !Number.isFinite(y[i])) throw new InputError(`y[${i}] = ${y[i]}: expected a positive finite number (its logarithm is taken)`);
  }
  const distinct = new Set(x).size;
  if (distinct < k) throw new InputError(`x has ${distinct} distinct value(s); a ${k}-parameter power law needs at least ${k}`);
}

/** Fit L = a·x^{−b} (+ c) to positive data; see the module comment for the estimator. */
export function fitPowerLaw(x: readonly number[], y: readonly number[], options: PowerLawOptions = {}): PowerLawFit {
  const offset = options.offset ?? false;
  const k = offset ? 3 : 2;
  validate(x, y, k);
  const level = options.level ?? 0.95;
  const resamples = options.bootstrap ?? 0;
  const seed = options.seed ?? 0;
  if (!(level > 0 && level < 1)) throw new InputError(`level = ${level}: expected a number in (0, 1)`);
  if (!Number.isInteger(resamples) || resamples < 0) throw new InputError(`bootstrap = ${resamples}: expected a non-negative integer`);
  const n = x.length;
  const u = Float64Array.from(x, Math.log);
  let uMean = 0;
  for (let i = 0; i < n; i++) uMean += u[i];
  uMean /= n;
  const uc = u.map((v) => v - uMean);
  const yv = Float64Array.from(y);
  const fit = fitCore(uc, uMean, yv, offset);

  // Goodness of fit, in the fitted (log) space and in linear units.
  let ssLog = 0;
  let ssLin = 0;
  let meanLy = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanLy += Math.log(y[i]);
    meanY += y[i];
  }
  meanLy /= n;
  meanY /= n;
  let stLog = 0;
  let stLin = 0;
  for (let i = 0; i < n; i++) {
    const pred = predictPowerLaw(fit, x[i]);
    ssLog += (Math.log(pred) - Math.log(y[i])) ** 2;
    ssLin += (pred - y[i]) ** 2;
    stLog += (Math.log(y[i]) - meanLy) ** 2;
    stLin += (y[i] - meanY) ** 2;
  }
  let xMin = Number.POSITIVE_INFINITY;
  let xMax = 0;
  for (const v of x) {
    xMin = Math.min(xMin, v);
    xMax = Math.max(xMax, v);
  }
  const decades = Math.log10(xMax / xMin);

  const draws = bootstrapRows(n, { resamples, seed, key: offset ? 'power-law+offset' : 'power-law' }, (rows) => {
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      xs[i] = x[rows[i]];
      ys[i] = y[rows[i]];
    }
    if (new Set(xs).size < k) return null; // degenerate resample: the model is not identified on it
    const us = xs.map(Math.log);
    let m = 0;
    for (let i = 0; i < n; i++) m += us[i];
    m /= n;
    const res = fitCore(
      us.map((v) => v - m),
      m,
      ys,
      offset,
      fit.converged ? fit : undefined,
    );
    return res.converged ? [res.a, res.b, res.c] : null;
  });
  const col = (j: number) => draws.samples.map((s) => s[j]);
  const ci = {
    a: percentileInterval(col(0), level),
    b: percentileInterval(col(1), level),
    c: offset ? percentileInterval(col(2), level) : null,
  };

  const warnings: string[] = [];
  if (!fit.converged) warnings.push('the fit did not converge (Levenberg–Marquardt hit its iteration or damping limit); treat the parameters as unreliable');
  if (decades < 1) warnings.push(`x spans only ${decades.toFixed(2)} decades (< 1): the exponent b is weakly identified; fit over a wider range`);
  if (n < 2 * k) warnings.push(`only ${n} rows for ${k} parameters: intervals are unreliable`);
  if (ci.b && ci.b[1] - ci.b[0] > Math.abs(fit.b)) warnings.push(`the ${Math.round(level * 100)}% interval of b [${fmt(ci.b[0])}, ${fmt(ci.b[1])}] is wider than |b| = ${fmt(Math.abs(fit.b))}: the exponent is not identifiable from these data`);
  if (resamples > 0 && draws.failures > 0.1 * resamples) warnings.push(`${draws.failures} of ${resamples} bootstrap refits failed: the fit is fragile, intervals are conditional on success`);
  if (offset && fit.converged && fit.c < 0) warnings.push(`the fitted offset c = ${fmt(fit.c)} is negative: the loss would cross zero beyond the data; consider fitting without --offset`);

  return {
    model: 'power-law',
    offset,
    a: fit.a,
    b: fit.b,
    c: fit.c,
    n,
    r2Log: 1 - ssLog / stLog,
    r2Linear: 1 - ssLin / stLin,
    rmseLog: Math.sqrt(ssLog / n),
    decades,
    xMin,
    xMax,
    converged: fit.converged,
    iterations: fit.iterations,
    level,
    ci,
    bootstrap: { n: resamples, failures: draws.failures, seed },
    warnings,
  };
}

function fmt(v: number): string {
  return Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v);
}

/**
 * The prediction procedure of lm-scaling-laws, as a pure function of the *fitted* (smaller) models'
 * measurements: fit a law L(N, D) to them and extrapolate it, with a bootstrap interval, to the held-out
 * (N, D) points. The held-out models' measured losses are never an argument here, so they cannot enter
 * the prediction (test/studies/transformers-scaling-transfer.test.ts checks it through `compare`).
 *
 * Laws (the study's and its referee's rivals):
 * - 'chinchilla': L = E + A/N^α + B/D^β fitted by src/theory/fit `fitChinchilla` (Huber on log residuals,
 *   L-BFGS from a grid of starts; Hoffmann et al. 2022 Approach 3 as re-done by Besiroglu et al. 2024);
 *   bootstrap refits start from the full-data optimum (a one-point grid).
 * - 'no-irreducible': L = A/N^α + B/D^β, a pure power law without the irreducible loss E (Kaplan et al. 2020
 *   write L(N, D) without E), refitted by Levenberg–Marquardt on log residuals.
 * - 'swapped-exponents': L = E + A/N^β̂ + B/D^α̂ with the exponents of the Chinchilla fit exchanged and
 *   E, A, B refitted (Levenberg–Marquardt on log residuals): the law with the N- and D-exponents confused.
 * Intervals are case-resampling percentile bootstraps (src/theory/fit/bootstrap.ts) of the extrapolated loss.
 */
import { bootstrapRows, type ChinchillaFit, type ChinchillaRow, fitChinchilla, levenbergMarquardt, percentileInterval, predictChinchilla } from '../../theory/fit/index.ts';

export type LawForm = 'chinchilla' | 'no-irreducible' | 'swapped-exponents';
export const LAW_FORMS: readonly LawForm[] = ['chinchilla', 'no-irreducible', 'swapped-exponents'];

export interface LawParams {
  E: number;
  A: number;
  B: number;
  alpha: number;
  beta: number;
}

export interface Extrapolation {
  form: LawForm;
  params: LawParams;
  /** extrapolated loss at each target, and its bootstrap percentile interval */
  predicted: number[];
  lo: number[];
  hi: number[];
  /** RMS of ln L̂ − ln L over the fitted points */
  rmseLog: number;
  converged: boolean;
  /** the Chinchilla fit itself (form 'chinchilla' only): exponents' and allocation's intervals, warnings */
  chinchilla?: ChinchillaFit;
  bootstrapFailures: number;
}

export interface ExtrapolationOptions {
  bootstrap: number;
  /** 'small' (162 starts) or 'paper' (4500) for the Chinchilla fit */
  grid: 'small' | 'paper';
  level?: number;
  seed?: number;
}

/** ln(E + A/N^α + B/D^β) − ln L at every row, with its Jacobian in θ = (ln A, ln B, ln E, α, β) restricted to `free`. */
function logResiduals(rows: readonly ChinchillaRow[], theta: Float64Array, free: readonly number[], r: Float64Array, jac: Float64Array | null): void {
  const [a, b, e, al, be] = theta;
  rows.forEach((row, i) => {
    const lnN = Math.log(row.N);
    const lnD = Math.log(row.D);
    const u = a - al * lnN;
    const v = b - be * lnD;
    const m = Math.max(u, v, e);
    const eu = Math.exp(u - m);
    const ev = Math.exp(v - m);
    const ew = Math.exp(e - m);
    const s = eu + ev + ew;
    r[i] = m + Math.log(s) - Math.log(row.loss);
    if (!jac) return;
    const g = [eu / s, ev / s, ew / s, (-eu / s) * lnN, (-ev / s) * lnD];
    free.forEach((j, k) => {
      jac[i * free.length + k] = g[j];
    });
  });
}

/** Least squares on log residuals over the `free` coordinates of θ (the others stay as in `start`). */
function fitLogLaw(rows: readonly ChinchillaRow[], start: Float64Array, free: readonly number[]): { theta: Float64Array; converged: boolean } {
  const theta = Float64Array.from(start);
  const res = levenbergMarquardt(
    (p, r, jac) => {
      free.forEach((j, k) => {
        theta[j] = p[k];
      });
      logResiduals(rows, theta, free, r, jac);
      return r.every(Number.isFinite);
    },
    free.map((j) => start[j]),
    rows.length,
    { maxIterations: 500 },
  );
  const out = Float64Array.from(start);
  free.forEach((j, k) => {
    out[j] = res.p[k];
  });
  return { theta: out, converged: res.converged };
}

const toParams = (t: Float64Array): LawParams => ({ A: Math.exp(t[0]), B: Math.exp(t[1]), E: Math.exp(t[2]), alpha: t[3], beta: t[4] });
const toTheta = (p: LawParams): Float64Array => Float64Array.of(Math.log(p.A), Math.log(p.B), Math.log(p.E), p.alpha, p.beta);

/** One fit of `form` to `rows`; `from` warm-starts it (the full-data optimum, for bootstrap refits). */
function fitForm(rows: readonly ChinchillaRow[], form: LawForm, o: ExtrapolationOptions, from?: LawParams): { params: LawParams; converged: boolean; fit?: ChinchillaFit } {
  if (form === 'chinchilla') {
    const grid = from ? { alpha: [from.alpha], beta: [from.beta], e: [Math.log(from.E)], a: [Math.log(from.A)], b: [Math.log(from.B)] } : o.grid;
    const fit = fitChinchilla(rows, { grid, bootstrap: from ? 0 : o.bootstrap, level: o.level, seed: o.seed });
    return { params: { E: fit.E, A: fit.A, B: fit.B, alpha: fit.alpha, beta: fit.beta }, converged: fit.converged, fit };
  }
  const base = from ?? fitForm(rows, 'chinchilla', { ...o, bootstrap: 0 }).params;
  if (form === 'no-irreducible') {
    // E = 0 exactly: ln E = −∞ drops the third term of the log-sum-exp
    const r = fitLogLaw(rows, Float64Array.of(Math.log(base.A), Math.log(base.B), Number.NEGATIVE_INFINITY, base.alpha, base.beta), [0, 1, 3, 4]);
    return { params: { ...toParams(r.theta), E: 0 }, converged: r.converged };
  }
  // swapped exponents: the bootstrap keeps the exponents of the full-data fit and refits E, A, B. When the
  // Chinchilla fit put E at (numerically) 0, ln E ≈ −∞ is a start where E's gradient vanishes and
  // Levenberg–Marquardt stalls: start E at half the smallest loss instead (the refit moves it)
  const minLoss = Math.min(...rows.map((r) => r.loss));
  const E0 = base.E > 1e-3 * minLoss ? base.E : 0.5 * minLoss;
  const swapped = from ?? { ...base, E: E0, alpha: base.beta, beta: base.alpha };
  const r = fitLogLaw(rows, toTheta(swapped), [0, 1, 2]);
  return { params: toParams(r.theta), converged: r.converged };
}

function rmsLog(rows: readonly ChinchillaRow[], p: LawParams): number {
  return Math.sqrt(rows.reduce((s, r) => s + Math.log(predictChinchilla(p, r.N, r.D) / r.loss) ** 2, 0) / rows.length);
}

/** Fit `form` to the fitted models' rows and extrapolate to `targets`, with bootstrap intervals (see the module comment). */
export function extrapolateLaw(rows: readonly ChinchillaRow[], targets: readonly { N: number; D: number }[], form: LawForm, o: ExtrapolationOptions): Extrapolation {
  const main = fitForm(rows, form, o);
  const predicted = targets.map((t) => predictChinchilla(main.params, t.N, t.D));
  const draws = bootstrapRows(rows.length, { resamples: o.bootstrap, seed: o.seed ?? 0, key: `lm-scaling-laws ${form}` }, (idx) => {
    const sample = Array.from(idx, (i) => rows[i]);
    const f = fitForm(sample, form, o, main.params);
    return f.converged ? targets.map((t) => predictChinchilla(f.params, t.N, t.D)) : null;
  });
  const intervals = targets.map((_, j) => percentileInterval(draws.samples.map((s) => s[j]), o.level ?? 0.95));
  return {
    form,
    params: main.params,
    predicted,
    lo: intervals.map((c, j) => c?.[0] ?? predicted[j]),
    hi: intervals.map((c, j) => c?.[1] ?? predicted[j]),
    rmseLog: rmsLog(rows, main.params),
    converged: main.converged,
    chinchilla: main.fit,
    bootstrapFailures: draws.failures,
  };
}

const memo = new Map<string, Extrapolation>();

/**
 * `extrapolateLaw`, remembered by its inputs (the study's `measure` and every `compare` — controls, detection
 * power — ask for the same fits; a fit is a pure function of its inputs, so remembering it changes nothing).
 */
export function extrapolateLawCached(rows: readonly ChinchillaRow[], targets: readonly { N: number; D: number }[], form: LawForm, o: ExtrapolationOptions): Extrapolation {
  const key = JSON.stringify([rows, targets, form, o]);
  let e = memo.get(key);
  if (e === undefined) {
    e = extrapolateLaw(rows, targets, form, o);
    if (memo.size >= 64) memo.delete(memo.keys().next().value as string);
    memo.set(key, e);
  }
  return e;
}

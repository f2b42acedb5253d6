/**
 * The Chinchilla parametric loss L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, "Training compute-optimal
 * large language models", §3.3 "Approach 3" and Appendix D.2), fitted the way Besiroglu, Erdil, Barnett & You
 * (2024, "Chinchilla scaling: a replication attempt", §2) re-did it. Browser-safe.
 *
 * Estimator (Hoffmann et al. eq. 10 as written by Besiroglu et al.): with θ = (a, b, e, α, β), a = ln A, b = ln B,
 * e = ln E,
 *     min_θ Σ_i Huber_δ( LSE(a − α ln N_i, b − β ln D_i, e) − ln L_i ),   δ = 1e-3,
 * where LSE is log-sum-exp, so LSE(…) = ln(A/N^α + B/D^β + E) exactly. Minimised by L-BFGS (./lbfgs.ts, strong-Wolfe
 * line search, analytic gradient) from every point of an initialisation grid (α, β ∈ {0, .5, 1, 1.5, 2},
 * e ∈ {−1, −.5, 0, .5, 1}, a, b ∈ {0, 5, …, 25}: 4500 starts, as in both papers), keeping the lowest objective.
 * The objective is the sum, not the mean, over points, and the stopping rule is relative, not absolute:
 * Besiroglu et al. traced Hoffmann et al.'s biased estimates to an optimizer stopped early by a loss scale
 * that was too small for its absolute tolerance.
 *
 * Internally the optimizer works in centred coordinates a′ = a − α·mean(ln N), b′ = b − β·mean(ln D). This is
 * an affine change of variables: the objective, the start points and the minimiser are unchanged, but a′ and α are
 * nearly uncorrelated, which L-BFGS (not affine-invariant) converges on far faster. `coordinates: 'raw'` turns it off.
 *
 * Assumptions: the loss is a sum of two independent power laws and a constant (no N–D interaction); noise is
 * multiplicative (residuals in ln L); Huber with δ = 1e-3 makes the fit robust to outliers (for log-residuals larger
 * than δ it behaves like least absolute deviations).
 *
 * Compute-optimal allocation (Hoffmann et al. Appendix D, eq. 4): with C = 6ND, minimising L(N, C/(6N)) gives
 *     N_opt(C) = G·(C/6)^{a},  D_opt(C) = G⁻¹·(C/6)^{b},  a = β/(α+β),  b = α/(α+β),  G = (αA/(βB))^{1/(α+β)}.
 */
import { bootstrapRows, percentileInterval } from './bootstrap.ts';
import { InputError } from './errors.ts';
import { type LbfgsOptions, minimizeLbfgs } from './lbfgs.ts';
import { normalizedConditionNumber } from './linalg.ts';
import type { Interval } from './powerLaw.ts';

export interface ChinchillaRow {
  /** Parameters (model size). */
  N: number;
  /** Training tokens (data size). */
  D: number;
  /** Final loss (nats or any positive unit). */
  loss: number;
}

export interface ChinchillaInitGrid {
  alpha: readonly number[];
  beta: readonly number[];
  e: readonly number[];
  a: readonly number[];
  b: readonly number[];
}

/** The initialisation grid of Hoffmann et al. (2022) and Besiroglu et al. (2024): 5·5·5·6·6 = 4500 starts. */
export const PAPER_INIT_GRID: ChinchillaInitGrid = {
  alpha: [0, 0.5, 1, 1.5, 2],
  beta: [0, 0.5, 1, 1.5, 2],
  e: [-1, -0.5, 0, 0.5, 1],
  a: [0, 5, 10, 15, 20, 25],
  b: [0, 5, 10, 15, 20, 25],
};

/** A reduced grid for speed (3·3·2·3·3 = 162 starts): a subset of the paper grid. */
export const SMALL_INIT_GRID: ChinchillaInitGrid = {
  alpha: [0, 0.5, 1],
  beta: [0, 0.5, 1],
  e: [-1, 0.5],
  a: [0, 10, 20],
  b: [0, 10, 20],
};

export interface ChinchillaOptions {
  /** Initialisation grid: 'paper' (default, 4500 starts), 'small' (162) or an explicit grid. */
  grid?: 'paper' | 'small' | ChinchillaInitGrid;
  /** Huber threshold δ on log residuals (default 1e-3, as in both papers). */
  delta?: number;
  /** Bootstrap resamples (default 0: no intervals). Each refit starts from the full-data optimum. */
  bootstrap?: number;
  seed?: number;
  /** Interval level (default 0.95). */
  level?: number;
  /** Optimizer coordinates (default 'centered'; see the module comment). */
  coordinates?: 'centered' | 'raw';
  /** Options passed to L-BFGS (tolerances, line search). */
  lbfgs?: LbfgsOptions;
  /**
   * Condition number of the normalised Gauss–Newton matrix above which a warning is raised (default 1e5: on the
   * Hoffmann-like 6×6 grid it is ≈ 4e2 over 3 decades, 2e3 over 2, 2e4 over 1 decade noiseless, and 3e5 over 1 decade
   * with 1% noise, where E collapses to 0 and β is off by half).
   */
  conditionWarning?: number;
}

export interface ComputeOptimal {
  /** N_opt ∝ C^a, a = β/(α+β). */
  a: number;
  /** D_opt ∝ C^b, b = α/(α+β). */
  b: number;
  /** G = (αA/(βB))^{1/(α+β)}. */
  G: number;
}

type ChinchillaParam = 'E' | 'A' | 'B' | 'alpha' | 'beta';

export interface ChinchillaFit {
  model: 'chinchilla';
  E: number;
  A: number;
  B: number;
  alpha: number;
  beta: number;
  /** The natural-log parameters the objective is written in (a = ln A, b = ln B, e = ln E). */
  log: { a: number; b: number; e: number };
  /** Σ Huber_δ at the optimum. */
  objective: number;
  delta: number;
  n: number;
  /** Root mean square of ln L̂ − ln L. */
  rmseLog: number;
  /** Decades spanned by N and by D. */
  spans: { N: number; D: number };
  converged: boolean;
  /** Grid starts: how many, how many converged, how many ended within 1e-6 (relative) of the best objective. */
  inits: { total: number; converged: number; nearBest: number };
  /**
   * Condition number of the Gauss–Newton matrix Σ ∇ŷ_i ∇ŷ_iᵀ (ŷ = ln L̂, centred coordinates) scaled to unit
   * diagonal: the Hessian of the objective when all residuals are inside δ. Large = parameters confounded.
   */
  hessianCondition: number;
  computeOptimal: ComputeOptimal;
  level: number;
  /** Percentile bootstrap intervals of the law's parameters (null without bootstrap). */
  ci: Record<ChinchillaParam, Interval | null>;
  /** Percentile bootstrap intervals of the compute-optimal exponents and constant. */
  computeOptimalCi: Record<keyof ComputeOptimal, Interval | null>;
  bootstrap: { n: number; failures: number; seed: number };
  warnings: string[];
}

/** L̂(N, D) = E + A/N^α + B/D^β. */
export function predictChinchilla(fit: Pick<ChinchillaFit, 'E' | 'A' | 'B' | 'alpha' | 'beta'>, N: number, D: number): number {
  return fit.E + fit.A / N ** fit.alpha + fit.B / D ** fit.beta;
}

/** Compute-optimal exponents and constant (Hoffmann et al. Appendix D). */
export function computeOptimalFromParams(p: Pick<ChinchillaFit, 'A' | 'B' | 'alpha' | 'beta'>): ComputeOptimal {
  const s = p.alpha + p.beta;
  return { a: p.beta / s, b: p.alpha / s, G: ((p.alpha * p.A) / (p.beta * p.B)) ** (1 / s) };
}

/** N_opt(C), D_opt(C) = C/(6 N_opt), the tokens-per-parameter ratio and the predicted loss there, for C = 6ND FLOPs. */
export function computeOptimalAllocation(
  fit: Pick<ChinchillaFit, 'E' | 'A' | 'B' | 'alpha' | 'beta'>,
  flops: number,
): { N: number; D: number; tokensPerParameter: number; loss: number } {
  const co = computeOptimalFromParams(fit);
  const N = co.G * (flops / 6) ** co.a;
  const D = (flops / 6) ** co.b / co.G;
  return { N, D, tokensPerParameter: D / N, loss: predictChinchilla(fit, N, D) };
}

/** Data prepared once per fit: logs, centring constants. */
interface Prepared {
  n: number;
  lnN: Float64Array;
  lnD: Float64Array;
  lnL: Float64Array;
  mN: number;
  mD: number;
}

function prepare(N: Float64Array, D: Float64Array, L: Float64Array, centered: boolean): Prepared {
  const n = N.length;
  const lnN = N.map(Math.log);
  const lnD = D.map(Math.log);
  const lnL = L.map(Math.log);
  let mN = 0;
  let mD = 0;
  if (centered) {
    for (let i = 0; i < n; i++) {
      mN += lnN[i];
      mD += lnD[i];
    }
    mN /= n;
    mD /= n;
  }
  return { n, lnN: lnN.map((v) => v - mN), lnD: lnD.map((v) => v - mD), lnL, mN, mD };
}

/**
 * Σ Huber_δ(LSE(a′ − α ln N_c, b′ − β ln D_c, e) − ln L) and its gradient, θ′ = (a′, b′, e, α, β).
 * Huber_δ(r) = r²/2 for |r| ≤ δ, δ(|r| − δ/2) otherwise (Huber 1964); ψ = Huber′ = clip(r, −δ, δ).
 * ∂LSE/∂(u, v, w) = softmax(u, v, w).
 */
function objective(pr: Prepared, delta: number, th: Float64Array, grad: Float64Array): number {
  const [a, b, e, al, be] = th;
  let f = 0;
  let g0 = 0;
  let g1 = 0;
  let g2 = 0;
  let g3 = 0;
  let g4 = 0;
  const { n, lnN, lnD, lnL } = pr;
  for (let i = 0; i < n; i++) {
    const u = a - al * lnN[i];
    const v = b - be * lnD[i];
    const m = Math.max(u, v, e);
    const eu = Math.exp(u - m);
    const ev = Math.exp(v - m);
    const ew = Math.exp(e - m);
    const s = eu + ev + ew;
    const r = m + Math.log(s) - lnL[i];
    let psi: number;
    if (r > delta) {
      f += delta * (r - 0.5 * delta);
      psi = delta;
    } else if (r < -delta) {
      f += delta * (-r - 0.5 * delta);
      psi = -delta;
    } else {
      f += 0.5 * r * r;
      psi = r;
    }
    const w = psi / s;
    g0 += w * eu;
    g1 += w * ev;
    g2 += w * ew;
    g3 -= w * eu * lnN[i];
    g4 -= w * ev * lnD[i];
  }
  grad[0] = g0;
  grad[1] = g1;
  grad[2] = g2;
  grad[3] = g3;
  grad[4] = g4;
  return f;
}

/**
 * The fitting objective Σ Huber_δ(LSE(a − α ln N, b − β ln D, e) − ln L) and its analytic gradient with respect to
 * (a, b, e, alpha, beta) in the paper's (uncentred) coordinates. Exposed for gradient checks and custom optimizers.
 */
export function chinchillaObjective(
  rows: readonly ChinchillaRow[],
  theta: { a: number; b: number; e: number; alpha: number; beta: number },
  delta = 1e-3,
): { value: number; gradient: { a: number; b: number; e: number; alpha: number; beta: number } } {
  validateRows(rows);
  const pr = prepare(
    Float64Array.from(rows, (r) => r.N),
    Float64Array.from(rows, (r) => r.D),
    Float64Array.from(rows, (r) => r.loss),
    false,
  );
  const g = new Float64Array(5);
  const value = objective(pr, delta, Float64Array.of(theta.a, theta.b, theta.e, theta.alpha, theta.beta), g);
  return { value, gradient: { a: g[0], b: g[1], e: g[2], alpha: g[3], beta: g[4] } };
}

interface Solution {
  /** Centred (or raw) optimizer coordinates (a′, b′, e, α, β). */
  theta: Float64Array;
  f: number;
  converged: boolean;
}

const DEFAULT_LBFGS: LbfgsOptions = {
  maxIterations: 2000,
  gradientTolerance: 1e-14,
  functionTolerance: 1e-13,
  stepTolerance: 1e-13,
};

/**
 * Σ_i |ψ(r_i)|·‖∂ŷ_i/∂θ‖₁: the size the gradient would have if the per-point forces did not cancel. A gradient that is
 * a tiny fraction of it means the forces balance, i.e. a stationary point, whatever the loss scale.
 */
function gradientScale(pr: Prepared, delta: number, th: Float64Array): number {
  const [a, b, e, al, be] = th;
  let scale = 0;
  for (let i = 0; i < pr.n; i++) {
    const u = a - al * pr.lnN[i];
    const v = b - be * pr.lnD[i];
    const m = Math.max(u, v, e);
    const eu = Math.exp(u - m);
    const ev = Math.exp(v - m);
    const ew = Math.exp(e - m);
    const s = eu + ev + ew;
    const r = m + Math.log(s) - pr.lnL[i];
    const psi = Math.min(delta, Math.abs(r));
    scale += (psi * (eu * (1 + Math.abs(pr.lnN[i])) + ev * (1 + Math.abs(pr.lnD[i])) + ew)) / s;
  }
  return scale;
}

function solveFrom(pr: Prepared, delta: number, start: Float64Array, lbfgs: LbfgsOptions): Solution {
  const res = minimizeLbfgs((th, g) => objective(pr, delta, th, g), start, lbfgs);
  // A line search that cannot decrease f further at a point where the per-point forces cancel to 1e-6 (or the
  // gradient is at float-noise level) has converged: with Huber kinks this is how most runs on noisy data end.
  const stationary =
    res.reason === 'line-search' && Number.isFinite(res.f) && (res.gradNorm <= 1e-6 * gradientScale(pr, delta, res.x) || res.gradNorm <= 1e-13);
  return { theta: res.x, f: res.f, converged: res.converged || stationary };
}

function toNatural(pr: Prepared, th: Float64Array): { a: number; b: number; e: number; alpha: number; beta: number } {
  return { a: th[0] + th[3] * pr.mN, b: th[1] + th[4] * pr.mD, e: th[2], alpha: th[3], beta: th[4] };
}

function gridStarts(grid: ChinchillaInitGrid, pr: Prepared): Float64Array[] {
  const out: Float64Array[] = [];
  for (const al of grid.alpha)
    for (const be of grid.beta)
      for (const e of grid.e)
        for (const a of grid.a) for (const b of grid.b) out.push(Float64Array.of(a - al * pr.mN, b - be * pr.mD, e, al, be));
  return out;
}

/** Gauss–Newton matrix Σ ∇ŷ_i ∇ŷ_iᵀ of the log prediction in the optimizer coordinates. */
function gaussNewton(pr: Prepared, th: Float64Array): Float64Array {
  const h = new Float64Array(25);
  const [a, b, e, al, be] = th;
  const gi = new Float64Array(5);
  for (let i = 0; i < pr.n; i++) {
    const u = a - al * pr.lnN[i];
    const v = b - be * pr.lnD[i];
    const m = Math.max(u, v, e);
    const eu = Math.exp(u - m);
    const ev = Math.exp(v - m);
    const ew = Math.exp(e - m);
    const s = eu + ev + ew;
    gi[0] = eu / s;
    gi[1] = ev / s;
    gi[2] = ew / s;
    gi[3] = (-eu / s) * pr.lnN[i];
    gi[4] = (-ev / s) * pr.lnD[i];
    for (let p = 0; p < 5; p++) for (let q = 0; q < 5; q++) h[p * 5 + q] += gi[p] * gi[q];
  }
  return h;
}

function resolveGrid(g: ChinchillaOptions['grid']): ChinchillaInitGrid {
  if (g === undefined || g === 'paper') return PAPER_INIT_GRID;
  if (g === 'small') return SMALL_INIT_GRID;
  for (const key of ['alpha', 'beta', 'e', 'a', 'b'] as const) {
    const v = g[key];
    if (!Array.isArray(v) || v.length === 0 || !v.every(Number.isFinite)) throw new InputError(`grid.${key}: expected a non-empty list of finite numbers`);
  }
  return g;
}

function validateRows(rows: readonly ChinchillaRow[]): void {
  if (rows.length < 5) throw new InputError(`chinchilla: ${rows.length} row(s) for 5 parameters (E, A, B, alpha, beta); expected at least 5 rows`);
  rows.forEach((r, i) => {
    for (const key of ['N', 'D', 'loss'] as const) {
      const v = r[key];
      if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new InputError(`rows[${i}].${key} = ${v}: expected a positive finite number (its logarithm is taken)`);
    }
  });
}

function decades(v: Float64Array): number {
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const x of v) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  return Math.log10(hi / lo);
}

/** The data as typed arrays, and the fit settings with defaults applied. */
interface ChinchillaSetup {
  N: Float64Array;
  D: Float64Array;
  L: Float64Array;
  pr: Prepared;
  delta: number;
  level: number;
  resamples: number;
  seed: number;
  centered: boolean;
  lbfgs: LbfgsOptions;
  conditionWarning: number;
  grid: ChinchillaInitGrid;
}

function setupChinchilla(rows: readonly ChinchillaRow[], options: ChinchillaOptions): ChinchillaSetup {
  validateRows(rows);
  const delta = options.delta ?? 1e-3;
  const level = options.level ?? 0.95;
  const resamples = options.bootstrap ?? 0;
  const seed = options.seed ?? 0;
  const centered = (options.coordinates ?? 'centered') === 'centered';
  const lbfgs = { ...DEFAULT_LBFGS, ...options.lbfgs };
  const conditionWarning = options.conditionWarning ?? 1e5;
  if (!(delta > 0)) throw new InputError(`delta = ${delta}: expected a positive number`);
  if (!(level > 0 && level < 1)) throw new InputError(`level = ${level}: expected a number in (0, 1)`);
  if (!Number.isInteger(resamples) || resamples < 0) throw new InputError(`bootstrap = ${resamples}: expected a non-negative integer`);
  const grid = resolveGrid(options.grid);

  const N = Float64Array.from(rows, (r) => r.N);
  const D = Float64Array.from(rows, (r) => r.D);
  const L = Float64Array.from(rows, (r) => r.loss);
  const pr = prepare(N, D, L, centered);
  return { N, D, L, pr, delta, level, resamples, seed, centered, lbfgs, conditionWarning, grid };
}

/** The lowest objective among the starts, converged runs first. */
function bestSolution(sols: readonly Solution[]): Solution {
  let best = sols[0];
  for (const s of sols) {
    if (!Number.isFinite(s.f)) continue;
    if (!Number.isFinite(best.f) || (s.converged && !best.converged) || (s.converged === best.converged && s.f < best.f)) best = s;
  }
  return best;
}

interface ChinchillaBootstrap {
  failures: number;
  ci: ChinchillaFit['ci'];
  computeOptimalCi: ChinchillaFit['computeOptimalCi'];
}

/** Case-resampling bootstrap, each refit warm-started from the full-data optimum. */
function bootstrapChinchilla(st: ChinchillaSetup, best: Solution): ChinchillaBootstrap {
  const { N, D, L, pr, delta, level, resamples, seed, centered, lbfgs } = st;
  const n = N.length;
  const draws = bootstrapRows(n, { resamples, seed, key: 'chinchilla' }, (idx) => {
    const Nb = new Float64Array(n);
    const Db = new Float64Array(n);
    const Lb = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      Nb[i] = N[idx[i]];
      Db[i] = D[idx[i]];
      Lb[i] = L[idx[i]];
    }
    const prb = prepare(Nb, Db, Lb, centered);
    const nb = toNatural(pr, best.theta);
    const start = Float64Array.of(nb.a - nb.alpha * prb.mN, nb.b - nb.beta * prb.mD, nb.e, nb.alpha, nb.beta);
    const sol = solveFrom(prb, delta, start, lbfgs);
    if (!sol.converged) return null;
    const q = toNatural(prb, sol.theta);
    const p = { E: Math.exp(q.e), A: Math.exp(q.a), B: Math.exp(q.b), alpha: q.alpha, beta: q.beta };
    const co = computeOptimalFromParams(p);
    return [p.E, p.A, p.B, p.alpha, p.beta, co.a, co.b, co.G];
  });
  const col = (j: number) => draws.samples.map((s) => s[j]);
  const ci: ChinchillaFit['ci'] = {
    E: percentileInterval(col(0), level),
    A: percentileInterval(col(1), level),
    B: percentileInterval(col(2), level),
    alpha: percentileInterval(col(3), level),
    beta: percentileInterval(col(4), level),
  };
  const computeOptimalCi: ChinchillaFit['computeOptimalCi'] = {
    a: percentileInterval(col(5), level),
    b: percentileInterval(col(6), level),
    G: percentileInterval(col(7), level),
  };
  return { failures: draws.failures, ci, computeOptimalCi };
}

interface ChinchillaDiagnostics {
  best: Solution;
  near: readonly Solution[];
  nat: ReturnType<typeof toNatural>;
  params: Pick<ChinchillaFit, ChinchillaParam>;
  spans: ChinchillaFit['spans'];
  hessianCondition: number;
  boot: ChinchillaBootstrap;
}

/** Identifiability and convergence warnings, in the order a reader should see them. */
function chinchillaWarnings(st: ChinchillaSetup, dg: ChinchillaDiagnostics): string[] {
  const { L, pr, level, resamples, conditionWarning } = st;
  const { best, near, nat, params, spans, hessianCondition } = dg;
  const { ci } = dg.boot;
  const n = L.length;
  const warnings: string[] = [];
  const pct = `${Math.round(level * 100)}%`;
  if (!best.converged) warnings.push('no L-BFGS start converged; the reported parameters are the lowest objective reached and may be unreliable');
  if (spans.N < 1) warnings.push(`N spans only ${spans.N.toFixed(2)} decades (< 1): alpha and A are not identifiable; sweep model size over a wider range`);
  if (spans.D < 1) warnings.push(`D spans only ${spans.D.toFixed(2)} decades (< 1): beta and B are not identifiable; sweep data size over a wider range`);
  if (n < 10) warnings.push(`only ${n} rows for 5 parameters: estimates and intervals are unreliable`);
  for (const [name, value] of [
    ['alpha', params.alpha],
    ['beta', params.beta],
  ] as const) {
    const c = ci[name];
    if (c && c[1] - c[0] > Math.abs(value)) warnings.push(`the ${pct} interval of ${name} [${fmt(c[0])}, ${fmt(c[1])}] is wider than the estimate ${fmt(value)}: ${name} is not identifiable from these data`);
    if (!(value > 0)) warnings.push(`${name} = ${fmt(value)} is not positive: the loss does not decrease with ${name === 'alpha' ? 'N' : 'D'} in this fit`);
  }
  if (!(hessianCondition <= conditionWarning))
    warnings.push(
      `the Hessian (Gauss–Newton) of the objective at the optimum is near-singular (normalised condition number ${fmt(hessianCondition)} > ${fmt(conditionWarning)}): some parameters trade off against each other and are not identifiable`,
    );
  let minLoss = Number.POSITIVE_INFINITY;
  for (const v of L) minLoss = Math.min(minLoss, v);
  if (params.E < 0.01 * minLoss)
    warnings.push(`E = ${fmt(params.E)} collapsed towards 0 (< 1% of the smallest loss ${fmt(minLoss)}): the data do not separate the irreducible loss from the power-law terms, so the exponents are biased`);
  // Distinct optima with the same objective: a flat direction the data do not resolve.
  let spread = 0;
  for (const s of near) {
    const q = toNatural(pr, s.theta);
    spread = Math.max(spread, Math.abs(q.alpha - nat.alpha) / Math.max(Math.abs(nat.alpha), 1e-12), Math.abs(q.beta - nat.beta) / Math.max(Math.abs(nat.beta), 1e-12));
  }
  if (spread > 0.1) warnings.push(`starts that reach the best objective disagree on the exponents by up to ${(spread * 100).toFixed(0)}%: the optimum is flat, exponents are not identifiable`);
  if (resamples > 0 && dg.boot.failures > 0.1 * resamples) warnings.push(`${dg.boot.failures} of ${resamples} bootstrap refits failed to converge: intervals are conditional on success`);
  return warnings;
}

/** Fit the Chinchilla law to rows of (N, D, loss); see the module comment. */
export function fitChinchilla(rows: readonly ChinchillaRow[], options: ChinchillaOptions = {}): ChinchillaFit {
  const st = setupChinchilla(rows, options);
  const { N, D, L, pr, delta, level, resamples, seed, lbfgs } = st;
  const n = rows.length;

  // Multi-start L-BFGS over the initialisation grid; keep the lowest objective (converged runs first).
  const starts = gridStarts(st.grid, pr);
  const sols = starts.map((s) => solveFrom(pr, delta, s, lbfgs));
  const best = bestSolution(sols);
  const nearTol = 1e-6 * Math.max(Math.abs(best.f), 1e-300);
  const near = sols.filter((s) => Number.isFinite(s.f) && s.f <= best.f + nearTol);
  const nat = toNatural(pr, best.theta);
  const params = { E: Math.exp(nat.e), A: Math.exp(nat.a), B: Math.exp(nat.b), alpha: nat.alpha, beta: nat.beta };
  const computeOptimal = computeOptimalFromParams(params);

  let ss = 0;
  for (let i = 0; i < n; i++) ss += (Math.log(predictChinchilla(params, N[i], D[i])) - Math.log(L[i])) ** 2;
  const hessianCondition = normalizedConditionNumber(gaussNewton(pr, best.theta), 5);

  const boot = bootstrapChinchilla(st, best);
  const spans = { N: decades(N), D: decades(D) };
  const warnings = chinchillaWarnings(st, { best, near, nat, params, spans, hessianCondition, boot });

  return {
    model: 'chinchilla',
    ...params,
    log: { a: nat.a, b: nat.b, e: nat.e },
    objective: best.f,
    delta,
    n,
    rmseLog: Math.sqrt(ss / n),
    spans,
    converged: best.converged,
    inits: { total: starts.length, converged: sols.filter((s) => s.converged).length, nearBest: near.length },
    hessianCondition,
    computeOptimal,
    level,
    ci: boot.ci,
    computeOptimalCi: boot.computeOptimalCi,
    bootstrap: { n: resamples, failures: boot.failures, seed },
    warnings,
  };
}

function fmt(v: number): string {
  return Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v);
}

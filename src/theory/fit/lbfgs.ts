/**
 * Limited-memory BFGS (Nocedal 1980; Liu & Nocedal 1989) with the two-loop recursion for the inverse-Hessian
 * product and either a strong-Wolfe line search (Nocedal & Wright, "Numerical Optimization", 2nd ed.,
 * Algorithms 3.5 and 3.6, with safeguarded cubic interpolation) or Armijo backtracking. Unconstrained, for
 * smooth (or piecewise-smooth, like a Huber loss) objectives with an analytic gradient. Browser-safe.
 *
 * Assumptions: the objective is bounded below along the search directions; the gradient is exact (an
 * inexact gradient breaks the Wolfe curvature test). With backtracking the curvature condition sᵀy > 0 is
 * not guaranteed, so pairs that violate it are skipped (standard "damping by skipping").
 */

/** f(x); writes ∇f(x) into `grad`. Must not keep references to `x` or `grad`. */
export type ObjectiveWithGradient = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Maximum number of quasi-Newton iterations (default 1000). */
  maxIterations?: number;
  /** Number of (s, y) pairs kept (default 10). */
  memory?: number;
  /** Stop when ‖∇f‖∞ ≤ gradientTolerance (default 1e-10; absolute, so scale it to your objective). */
  gradientTolerance?: number;
  /**
   * Stop when the relative decrease (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, functionScale) stays ≤ this for two
   * consecutive iterations (default 1e-14). `functionScale` (default 0, i.e. purely relative) sets the floor of
   * the denominator: with a floor of 1 this is SciPy's `ftol` rule, which stops too early when the objective
   * itself is tiny (the failure Besiroglu et al. 2024 found in Hoffmann et al.'s fit).
   */
  functionTolerance?: number;
  functionScale?: number;
  /** Stop when the step ‖Δx‖∞ ≤ stepTolerance·(1 + ‖x‖∞) (default 1e-15). */
  stepTolerance?: number;
  lineSearch?: 'strong-wolfe' | 'backtracking';
  /** Armijo (sufficient decrease) constant c₁ (default 1e-4). */
  c1?: number;
  /** Curvature constant c₂ for the strong-Wolfe condition (default 0.9, the usual quasi-Newton choice). */
  c2?: number;
  /** Maximum objective evaluations per line search (default 40). */
  maxLineSearchEvaluations?: number;
}

export type LbfgsStopReason = 'gradient' | 'function' | 'step' | 'max-iterations' | 'line-search' | 'non-finite';

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  /** ‖∇f(x)‖∞ at the returned point. */
  gradNorm: number;
  iterations: number;
  evaluations: number;
  /** True when a tolerance (gradient, function or step) was met. */
  converged: boolean;
  reason: LbfgsStopReason;
}

interface Point {
  alpha: number;
  f: number;
  g: Float64Array;
  dphi: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function normInf(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Minimizer of the cubic interpolating (a, fa, ga) and (b, fb, gb); NaN when the cubic has no minimizer. */
function cubicMinimizer(a: number, fa: number, ga: number, b: number, fb: number, gb: number): number {
  // Nocedal & Wright eq. (3.59).
  const d1 = ga + gb - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - ga * gb;
  if (!(disc >= 0)) return Number.NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  const x = b - ((b - a) * (gb + d2 - d1)) / (gb - ga + 2 * d2);
  return Number.isFinite(x) ? x : Number.NaN;
}

interface Settings {
  maxIterations: number;
  m: number;
  gtol: number;
  ftol: number;
  fscale: number;
  xtol: number;
  c1: number;
  c2: number;
  maxLs: number;
  strongWolfe: boolean;
}

function lbfgsSettings(options: LbfgsOptions): Settings {
  return {
    maxIterations: options.maxIterations ?? 1000,
    m: options.memory ?? 10,
    gtol: options.gradientTolerance ?? 1e-10,
    ftol: options.functionTolerance ?? 1e-14,
    fscale: options.functionScale ?? 0,
    xtol: options.stepTolerance ?? 1e-15,
    c1: options.c1 ?? 1e-4,
    c2: options.c2 ?? 0.9,
    maxLs: options.maxLineSearchEvaluations ?? 40,
    strongWolfe: (options.lineSearch ?? 'strong-wolfe') === 'strong-wolfe',
  };
}

/** The (s, y, 1/sᵀy) pairs, oldest first. */
interface Memory {
  s: Float64Array[];
  y: Float64Array[];
  rho: number[];
}

function clearMemory(mem: Memory): void {
  mem.s.length = 0;
  mem.y.length = 0;
  mem.rho.length = 0;
}

/** Objective and directional derivative at x + alpha·d. */
type LineEvaluator = (alpha: number) => Point;

/** Strong-Wolfe zoom (N&W Algorithm 3.6) on the bracket (lo, hi). Returns null on failure. */
function zoom(evalAt: LineEvaluator, f0: number, dphi0: number, loIn: Point, hiIn: Point, budget: number, st: Settings): Point | null {
  const { c1, c2 } = st;
  let lo = loIn;
  let hi = hiIn;
  for (let j = 0; j < budget; j++) {
    const left = Math.min(lo.alpha, hi.alpha);
    const right = Math.max(lo.alpha, hi.alpha);
    const width = right - left;
    if (width <= 1e-16 * Math.max(1, right)) break;
    let trial = Number.isFinite(hi.f) ? cubicMinimizer(lo.alpha, lo.f, lo.dphi, hi.alpha, hi.f, hi.dphi) : Number.NaN;
    if (!Number.isFinite(trial) || trial < left + 0.1 * width || trial > right - 0.1 * width) trial = 0.5 * (lo.alpha + hi.alpha);
    const p = evalAt(trial);
    if (p.f > f0 + c1 * p.alpha * dphi0 || p.f >= lo.f) {
      hi = p;
    } else {
      if (Math.abs(p.dphi) <= -c2 * dphi0) return p;
      if (p.dphi * (hi.alpha - lo.alpha) >= 0) hi = lo;
      lo = p;
    }
  }
  // Budget exhausted: accept the best point found if it gives sufficient decrease.
  return lo.alpha > 0 ? lo : null;
}

/** Strong-Wolfe line search (N&W Algorithm 3.5 + zoom 3.6). Returns null on failure. */
function strongWolfeSearch(evalAt: LineEvaluator, g: Float64Array, f0: number, dphi0: number, alphaInit: number, st: Settings): Point | null {
  const { c1, c2, maxLs } = st;
  let prev: Point = { alpha: 0, f: f0, g, dphi: dphi0 };
  let alpha = alphaInit;
  let best: Point | null = null;
  for (let i = 0; i < maxLs; i++) {
    const p = evalAt(alpha);
    if (p.f > f0 + c1 * alpha * dphi0 || (i > 0 && p.f >= prev.f)) return zoom(evalAt, f0, dphi0, prev, p, maxLs - i - 1, st);
    if (Math.abs(p.dphi) <= -c2 * dphi0) return p;
    if (p.dphi >= 0) return zoom(evalAt, f0, dphi0, p, prev, maxLs - i - 1, st);
    best = p;
    prev = p;
    alpha *= 2;
  }
  return best;
}

/** Armijo backtracking with step halving. */
function backtrackingSearch(evalAt: LineEvaluator, f0: number, dphi0: number, alphaInit: number, st: Settings): Point | null {
  let alpha = alphaInit;
  for (let i = 0; i < st.maxLs; i++) {
    const p = evalAt(alpha);
    if (p.f <= f0 + st.c1 * alpha * dphi0) return p;
    alpha *= 0.5;
  }
  return null;
}

/**
 * Writes the search direction into d and returns ∇fᵀd: the two-loop recursion d = −H g with H₀ = γI,
 * γ = sᵀy / yᵀy of the newest pair (N&W Algorithm 7.4, eq. 7.20), or steepest descent (memory cleared) when
 * that is not a descent direction.
 */
function searchDirection(mem: Memory, g: Float64Array, d: Float64Array, alphaTmp: Float64Array): number {
  const n = g.length;
  const { s: sList, y: yList, rho: rhoList } = mem;
  for (let i = 0; i < n; i++) d[i] = -g[i];
  const k = sList.length;
  for (let j = k - 1; j >= 0; j--) {
    const a = rhoList[j] * dot(sList[j], d);
    alphaTmp[j] = a;
    const y = yList[j];
    for (let i = 0; i < n; i++) d[i] -= a * y[i];
  }
  if (k > 0) {
    const gamma = dot(sList[k - 1], yList[k - 1]) / dot(yList[k - 1], yList[k - 1]);
    for (let i = 0; i < n; i++) d[i] *= gamma;
  }
  for (let j = 0; j < k; j++) {
    const b = rhoList[j] * dot(yList[j], d);
    const s = sList[j];
    for (let i = 0; i < n; i++) d[i] += (alphaTmp[j] - b) * s[i];
  }
  let dphi0 = dot(g, d);
  if (!(dphi0 < 0)) {
    // Not a descent direction (numerical trouble): fall back to steepest descent.
    clearMemory(mem);
    for (let i = 0; i < n; i++) d[i] = -g[i];
    dphi0 = dot(g, d);
  }
  return dphi0;
}

/** Keep the pair when it satisfies the curvature condition sᵀy > 0 (skipped otherwise), dropping the oldest beyond m. */
function rememberPair(mem: Memory, s: Float64Array, y: Float64Array, m: number): void {
  const sy = dot(s, y);
  if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y)) && sy > 0) {
    if (mem.s.length === m) {
      mem.s.shift();
      mem.y.shift();
      mem.rho.shift();
    }
    mem.s.push(s);
    mem.y.push(y);
    mem.rho.push(1 / sy);
  }
}

export function minimizeLbfgs(fg: ObjectiveWithGradient, x0: ArrayLike<number>, options: LbfgsOptions = {}): LbfgsResult {
  const n = x0.length;
  const st = lbfgsSettings(options);
  let x: Float64Array = Float64Array.from(x0);
  let g: Float64Array = new Float64Array(n);
  let f = fg(x, g);
  let evaluations = 1;
  if (!Number.isFinite(f) || !g.every(Number.isFinite)) {
    return { x, f, gradNorm: Number.NaN, iterations: 0, evaluations, converged: false, reason: 'non-finite' };
  }

  const mem: Memory = { s: [], y: [], rho: [] };
  const d = new Float64Array(n);
  const alphaTmp = new Float64Array(st.m);
  let smallDecreases = 0;
  let restarted = false;

  const evalAt: LineEvaluator = (alpha) => {
    const xt = new Float64Array(n);
    for (let i = 0; i < n; i++) xt[i] = x[i] + alpha * d[i];
    const gt = new Float64Array(n);
    const ft = fg(xt, gt);
    evaluations++;
    const ok = Number.isFinite(ft) && gt.every(Number.isFinite);
    return { alpha, f: ok ? ft : Number.POSITIVE_INFINITY, g: gt, dphi: ok ? dot(gt, d) : Number.NaN };
  };

  let iterations = 0;
  let reason: LbfgsStopReason = 'max-iterations';
  if (normInf(g) <= st.gtol) reason = 'gradient';
  while (reason === 'max-iterations' && iterations < st.maxIterations) {
    const k = mem.s.length;
    const dphi0 = searchDirection(mem, g, d, alphaTmp);
    const alphaInit = k === 0 ? Math.min(1, 1 / Math.max(normInf(g), 1e-300)) : 1;
    const p = st.strongWolfe ? strongWolfeSearch(evalAt, g, f, dphi0, alphaInit, st) : backtrackingSearch(evalAt, f, dphi0, alphaInit, st);
    iterations++;
    if (p === null || !(p.f <= f)) {
      if (!restarted && mem.s.length > 0) {
        // Retry once from steepest descent with the memory cleared.
        clearMemory(mem);
        restarted = true;
        continue;
      }
      reason = 'line-search';
      break;
    }
    restarted = false;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = p.alpha * d[i];
      y[i] = p.g[i] - g[i];
    }
    const xNew = new Float64Array(n);
    for (let i = 0; i < n; i++) xNew[i] = x[i] + s[i];
    const fOld = f;
    x = xNew;
    f = p.f;
    g = p.g;
    rememberPair(mem, s, y, st.m);
    if (normInf(g) <= st.gtol) {
      reason = 'gradient';
      break;
    }
    const rel = (fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), st.fscale, 1e-300);
    smallDecreases = rel <= st.ftol ? smallDecreases + 1 : 0;
    if (smallDecreases >= 2) {
      reason = 'function';
      break;
    }
    if (normInf(s) <= st.xtol * (1 + normInf(x))) {
      reason = 'step';
      break;
    }
  }
  const converged = reason === 'gradient' || reason === 'function' || reason === 'step';
  return { x, f, gradNorm: normInf(g), iterations, evaluations, converged, reason };
}

/**
 * Levenberg–Marquardt for small nonlinear least-squares problems min ½‖r(p)‖² (Levenberg 1944; Marquardt 1963),
 * with Marquardt's diagonal scaling: (JᵀJ + λ·diag(JᵀJ)) δ = −Jᵀr, λ shrunk on success and grown on failure
 * (Nielsen's gain-ratio update, as in Madsen, Nielsen & Tingleff 2004, "Methods for non-linear least squares
 * problems", §3.2). Analytic Jacobian supplied by the caller. Browser-safe.
 *
 * Assumptions: r is smooth near the solution; k (number of parameters) is small (dense k×k solves).
 * A residual function may return false to signal "outside the model's domain" (e.g. a negative prediction
 * inside a log); such a trial step is rejected like a step that increases the cost.
 */
import { trySolveSpd } from '../../core/linalg.ts';

/** Writes r(p) into `r` (length n) and, when `jac` is given, ∂r_i/∂p_j into jac[i·k + j]. Returns false if p is outside the domain. */
export type ResidualFunction = (p: Float64Array, r: Float64Array, jac: Float64Array | null) => boolean;

export interface LevenbergMarquardtOptions {
  maxIterations?: number;
  /** Stop when ‖Jᵀr‖∞ ≤ gradientTolerance (default 1e-12). */
  gradientTolerance?: number;
  /** Stop when ‖δ‖ ≤ stepTolerance·(‖p‖ + stepTolerance) (default 1e-12). */
  stepTolerance?: number;
  /** Stop when the relative decrease of ½‖r‖² is ≤ this after an accepted step (default 1e-14). */
  costTolerance?: number;
  /** Initial damping λ₀ (default 1e-3). */
  initialDamping?: number;
}

export interface LevenbergMarquardtResult {
  p: Float64Array;
  /** ½‖r‖² at p. */
  cost: number;
  residuals: Float64Array;
  iterations: number;
  converged: boolean;
  reason: 'gradient' | 'step' | 'cost' | 'max-iterations' | 'damping' | 'domain';
}

export function levenbergMarquardt(
  residual: ResidualFunction,
  p0: ArrayLike<number>,
  n: number,
  options: LevenbergMarquardtOptions = {},
): LevenbergMarquardtResult {
  const k = p0.length;
  const maxIterations = options.maxIterations ?? 200;
  const gtol = options.gradientTolerance ?? 1e-12;
  const xtol = options.stepTolerance ?? 1e-12;
  const ctol = options.costTolerance ?? 1e-14;
  let p = Float64Array.from(p0);
  let r = new Float64Array(n);
  let jac = new Float64Array(n * k);
  if (!residual(p, r, jac) || !r.every(Number.isFinite) || !jac.every(Number.isFinite)) {
    return { p, cost: Number.NaN, residuals: r, iterations: 0, converged: false, reason: 'domain' };
  }
  let cost = 0.5 * sumSquares(r);
  let lambda = options.initialDamping ?? 1e-3;
  let nu = 2;
  const jtj = new Float64Array(k * k);
  const jtr = new Float64Array(k);
  const rTrial = new Float64Array(n);
  const jTrial = new Float64Array(n * k);
  const pTrial = new Float64Array(k);
  let reason: LevenbergMarquardtResult['reason'] = 'max-iterations';
  let iterations = 0;
  normalEquations(jac, r, n, k, jtj, jtr);
  while (iterations < maxIterations) {
    if (maxAbs(jtr) <= gtol) {
      reason = 'gradient';
      break;
    }
    iterations++;
    const a = Float64Array.from(jtj);
    for (let j = 0; j < k; j++) a[j * k + j] += lambda * Math.max(jtj[j * k + j], 1e-300);
    const negG = jtr.map((v) => -v);
    const solved = trySolveSpd({ rows: k, cols: k, data: a }, { rows: k, cols: 1, data: negG });
    if (solved === null) {
      lambda *= nu;
      nu *= 2;
      if (!(lambda < 1e300)) {
        reason = 'damping';
        break;
      }
      continue;
    }
    const delta = solved.data;
    const stepNorm = Math.sqrt(sumSquares(delta));
    const pNorm = Math.sqrt(sumSquares(p));
    if (stepNorm <= xtol * (pNorm + xtol)) {
      reason = 'step';
      break;
    }
    for (let j = 0; j < k; j++) pTrial[j] = p[j] + delta[j];
    const ok = residual(pTrial, rTrial, jTrial) && rTrial.every(Number.isFinite) && jTrial.every(Number.isFinite);
    const costTrial = ok ? 0.5 * sumSquares(rTrial) : Number.POSITIVE_INFINITY;
    // Predicted decrease of the local quadratic model: ½ δᵀ(λ·diag(JᵀJ)·δ − Jᵀr) (Madsen et al. eq. 3.14).
    let predicted = 0;
    for (let j = 0; j < k; j++) predicted += 0.5 * delta[j] * (lambda * Math.max(jtj[j * k + j], 1e-300) * delta[j] - jtr[j]);
    const rho = predicted > 0 ? (cost - costTrial) / predicted : -1;
    if (ok && costTrial <= cost && rho > 0) {
      const relDecrease = (cost - costTrial) / Math.max(cost, 1e-300);
      p = Float64Array.from(pTrial);
      r = Float64Array.from(rTrial);
      jac = Float64Array.from(jTrial);
      cost = costTrial;
      normalEquations(jac, r, n, k, jtj, jtr);
      lambda *= Math.max(1 / 3, 1 - (2 * rho - 1) ** 3);
      nu = 2;
      if (relDecrease <= ctol) {
        reason = 'cost';
        break;
      }
    } else {
      lambda *= nu;
      nu *= 2;
      if (!(lambda < 1e300)) {
        reason = 'damping';
        break;
      }
    }
  }
  // A zero residual (noiseless data) ends via 'cost' or 'gradient'; 'damping' means no descent step exists at
  // float precision, which at a minimum is convergence too, so accept it when the gradient is small relative to Jᵀ·1.
  const converged = reason === 'gradient' || reason === 'step' || reason === 'cost' || (reason === 'damping' && maxAbs(jtr) <= 1e-8 * (1 + Math.sqrt(2 * cost)));
  return { p, cost, residuals: r, iterations, converged, reason };
}

function sumSquares(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return s;
}

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

function normalEquations(jac: Float64Array, r: Float64Array, n: number, k: number, jtj: Float64Array, jtr: Float64Array): void {
  jtj.fill(0);
  jtr.fill(0);
  for (let i = 0; i < n; i++) {
    const ri = r[i];
    for (let a = 0; a < k; a++) {
      const ja = jac[i * k + a];
      jtr[a] += ja * ri;
      for (let b = 0; b <= a; b++) jtj[a * k + b] += ja * jac[i * k + b];
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) jtj[b * k + a] = jtj[a * k + b];
}

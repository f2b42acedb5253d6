/**
 * Escape from the equator of spherical online SGD on a single-index model with information exponent k: the
 * effective (mean) dynamics of the overlap and the uniform-sphere law of the initial overlap. Browser-safe.
 *
 * Model (Ben Arous, Gheissari & Jagannath 2021, "Online stochastic gradient descent on non-convex losses from
 * high-dimensional inference", JMLR 22). Data x ~ N(0, I_d), label y = h_k(w*·x) with h_k = He_k/√(k!) the
 * normalized Hermite polynomial, so the information exponent is k* = k. Student ŷ = h_k(w·x) with ‖w‖ = 1,
 * correlation loss; one step with a fresh sample is g = y h_k′(w·x) x, w ← (w + η(g − (g·w)w))/‖·‖, and
 * m = w·w* is the order parameter (|m| for even k).
 *
 * Effective dynamics of m (expand the normalization to second order in η; the summary-statistics reduction of
 * Ben Arous, Gheissari & Jagannath 2022, "High-dimensional limit theorems for SGD: effective dynamics and critical
 * scaling", NeurIPS):
 *   E[Δm] = F(m) = η k m^{k−1}(1 − m²) − (η²/2) m [(d − 2)A(m) + B(m)],
 * with A(m) = E[y² h_k′(z)²], B(m) = E[y² h_k′(z)² ξ²], z = w·x, y = h_k(m z + √(1−m²) ξ), z, ξ iid N(0, 1)
 * (E[g·w* − (g·w)m] = k m^{k−1}(1 − m²) by Mehler's formula; ‖Pg‖² = y²h_k′(z)²(ξ² + χ²_{d−2})). The first term
 * pulls m away from the equator, the second (the normalization after a noisy step of length ~η√d) pushes it back.
 * From m₀ = d^{−1/2} the escape time T = ∫ dm / F(m) scales as
 *   k = 1: η ∝ 1/d, T ∝ d;   k = 2: η ∝ 1/d, T ∝ d log d;   k ≥ 3: η ∝ d^{−k/2}, T ∝ d^{k−1}
 * (the step must shrink until η k m₀^{k−1} beats η² d m₀, i.e. η ≲ d^{−k/2}: Ben Arous et al. 2021, Thm 1.3).
 */
import { hermiteNormalized } from '../data/hermite.ts';
import { gaussHermiteRule } from './gaussianQuadrature.ts';
import { rk4Step } from './ode.ts';

function checkPositiveInt(fn: string, field: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${fn}: ${field} must be an integer ≥ ${min}, got ${v}`);
}

/** Step size of the escape experiment: η = c · d^{−max(1, k/2)} (see the module comment). */
export function escapeStepSize(dim: number, degree: number, stepConstant: number): number {
  return stepConstant * dim ** -Math.max(1, degree / 2);
}

/**
 * A(m) = E[y² h_k′(z)²] and B(m) = E[y² h_k′(z)² ξ²] with y = h_k(m z + √(1−m²) ξ) (module comment). The integrands
 * are polynomials of degree ≤ 4k in (z, ξ), so the (2k + 2)-point Gauss–Hermite product rule is exact (degree ≤ 4k + 3).
 */
export function escapeNoiseMoments(degree: number, m: number): { a: number; b: number } {
  checkPositiveInt('escapeNoiseMoments', 'degree', degree);
  if (!(Math.abs(m) <= 1)) throw new Error(`escapeNoiseMoments: m must be in [−1, 1], got ${m}`);
  const { nodes, weights } = gaussHermiteRule(2 * degree + 2);
  const s = Math.sqrt(1 - m * m);
  const dk = Math.sqrt(degree);
  let a = 0;
  let b = 0;
  for (let i = 0; i < nodes.length; i++) {
    const hp = dk * hermiteNormalized(degree - 1, nodes[i]);
    for (let j = 0; j < nodes.length; j++) {
      const y = hermiteNormalized(degree, m * nodes[i] + s * nodes[j]);
      const v = weights[i] * weights[j] * y * y * hp * hp;
      a += v;
      b += v * nodes[j] * nodes[j];
    }
  }
  return { a, b };
}

/** Expected one-step change of the overlap, F(m) of the module comment. */
export function escapeDrift(dim: number, degree: number, eta: number, m: number): number {
  const { a, b } = escapeNoiseMoments(degree, m);
  return eta * degree * m ** (degree - 1) * (1 - m * m) - 0.5 * eta * eta * m * ((dim - 2) * a + b);
}

/**
 * Escape time of the effective dynamics dm/dt = F(m) from m₀ to the threshold, T = ∫ dm/F(m), by the midpoint rule
 * in ln m (the integrand is ∝ 1/m for k = 2); Infinity when F ≤ 0 somewhere on the way (the normalization wins:
 * the step is too large for the overlap to grow in expectation).
 */
export function escapeOdeTime(o: { dim: number; degree: number; eta: number; m0: number; threshold: number; nodes?: number }): number {
  const n = o.nodes ?? 600;
  const lo = Math.log(o.m0);
  const hi = Math.log(o.threshold);
  const h = (hi - lo) / n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const m = Math.exp(lo + (i + 0.5) * h);
    const f = escapeDrift(o.dim, o.degree, o.eta, m);
    if (!(f > 0)) return Number.POSITIVE_INFINITY;
    total += (m * h) / f;
  }
  return total;
}

/** The ODE path m(t) at the given times (classical RK4, `substeps` steps between consecutive times; times ascending from 0). */
export function escapeOdePath(o: { dim: number; degree: number; eta: number; m0: number }, times: readonly number[], substeps = 20): number[] {
  const f = (y: Float64Array) => Float64Array.of(escapeDrift(o.dim, o.degree, o.eta, Math.min(Math.max(y[0], 0), 1)));
  const out: number[] = [];
  let m: Float64Array = Float64Array.of(o.m0);
  let t = 0;
  for (const target of times) {
    const h = (target - t) / substeps;
    if (h > 0) {
      for (let s = 0; s < substeps; s++) m = rk4Step(f, m, h);
      t = target;
    }
    out.push(m[0]);
  }
  return out;
}

/**
 * Quantile of |t|, t = ŵ·w* for ŵ uniform on S^{d−1}, whose density is ∝ (1 − t²)^{(d−3)/2} on [−1, 1] (the marginal
 * of the uniform measure): P(|t| ≤ s) = ∫₀ˢ (1 − u²)^{(d−3)/2} du / ∫₀¹ (same), by Simpson's rule on 4000 panels
 * (the integrand is smooth on [0, 1] for d ≥ 3) and bisection.
 */
export function sphereOverlapQuantile(dim: number, p: number): number {
  checkPositiveInt('sphereOverlapQuantile', 'dim', dim, 3);
  if (!(p > 0 && p < 1)) throw new Error(`sphereOverlapQuantile: p must be in (0, 1), got ${p}`);
  const n = 4000;
  const e = (dim - 3) / 2;
  const cdf = new Float64Array(n + 1);
  const f = (u: number) => (1 - u * u) ** e;
  const h = 1 / n;
  for (let i = 0; i < n; i++) {
    const a = i * h;
    cdf[i + 1] = cdf[i] + (h / 6) * (f(a) + 4 * f(a + h / 2) + f(a + h));
  }
  const target = p * cdf[n];
  let lo = 0;
  let hi = n;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] < target) lo = mid;
    else hi = mid;
  }
  return (lo + (target - cdf[lo]) / (cdf[hi] - cdf[lo])) * h;
}

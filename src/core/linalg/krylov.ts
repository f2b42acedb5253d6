/**
 * Iterative (matrix-free) spectral estimators for a symmetric operator given only as v ↦ A v, e.g. a
 * Hessian-vector product: Lanczos with full reorthogonalization (Golub & Van Loan, *Matrix
 * Computations*, 4th ed., §10.1–10.3), Hutchinson's trace estimator (Hutchinson 1989) and stochastic
 * Lanczos quadrature for the spectral density (Golub & Meurant 1994/2010; Ubaru, Chen & Saad 2017,
 * SIAM J. Matrix Anal. Appl. 38(4); Ghorbani, Krishnan & Xiao 2019, ICML).
 */
import type { Rng } from '../random.ts';
import { eigh } from './eigh.ts';
import { argsortAscending, tridiagonalQL } from './tridiagonal.ts';

/** A symmetric linear operator v ↦ A v (it must not modify v; it may return a fresh or reused array that we do not keep). */
export type LinearOperator = (v: Float64Array) => Float64Array;

export type RitzOrder = 'largest' | 'smallest' | 'largest-magnitude';

export interface LanczosOptions {
  /** Number of Ritz pairs wanted (1 ≤ k ≤ n). */
  k: number;
  /** Maximum Krylov dimension (default min(n, max(3k, 60))); at most n. */
  maxIter?: number;
  /** Convergence: residual ‖A y − θ y‖ ≤ tol·‖A‖ for each of the k wanted pairs (default 1e-8). */
  tol?: number;
  rng: Rng;
  /** Which end of the spectrum (default 'largest'). */
  which?: RitzOrder;
}

export interface LanczosResult {
  /** k Ritz values ordered by `which` (descending for 'largest', ascending for 'smallest', by |θ| descending for 'largest-magnitude'). */
  values: Float64Array;
  /** Unit Ritz vectors, vectors[t] belongs to values[t]. */
  vectors: Float64Array[];
  /** Krylov dimension reached (= number of operator applications). */
  iterations: number;
  /** Residual norms ‖A y_t − θ_t y_t‖ (the Lanczos estimate |β_j s_{j,t}|, exact up to rounding with full reorthogonalization). */
  residuals: Float64Array;
  /** True when every residual is ≤ tol·‖A‖ (‖A‖ estimated by max |θ|) or the Krylov space became invariant. */
  converged: boolean;
}

function dot(a: Float64Array, b: Float64Array, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
  }
  if (i < n) s0 += a[i] * b[i];
  return s0 + s1;
}

function axpy(alpha: number, x: Float64Array, y: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) y[i] += alpha * x[i];
}

function checkN(fn: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${fn}: n must be a positive integer, got ${n}`);
}

function applyOp(fn: string, op: LinearOperator, v: Float64Array, n: number): Float64Array {
  const w = op(v);
  if (w.length !== n) throw new Error(`${fn}: operator returned a vector of length ${w.length}, expected n = ${n}`);
  return Float64Array.from(w);
}

/** Orthogonalize w against the unit vectors q[0..j) twice (“twice is enough”, Giraud et al. 2005; GVL §10.3.1). */
function reorthogonalize(w: Float64Array, q: Float64Array[], n: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < q.length; i++) {
      const c = dot(w, q[i], n);
      if (c !== 0) axpy(-c, q[i], w, n);
    }
  }
}

/** A fresh unit vector orthogonal to q (random restart after an invariant subspace is found); null if q spans everything. */
function freshDirection(q: Float64Array[], n: number, rng: Rng): Float64Array | null {
  for (let attempt = 0; attempt < 5; attempt++) {
    const w = rng.fillNormal(new Float64Array(n));
    reorthogonalize(w, q, n);
    const nw = Math.sqrt(dot(w, w, n));
    if (nw > 1e-8 * Math.sqrt(n)) {
      for (let i = 0; i < n; i++) w[i] /= nw;
      return w;
    }
  }
  return null;
}

interface TridiagEigen {
  theta: Float64Array;
  /** first and last components of each (unit) eigenvector of T */
  first: Float64Array;
  last: Float64Array;
}

/** Eigenvalues of the j×j Lanczos tridiagonal with the first and last eigenvector components, ascending (O(j²)). */
function tridiagEigen(alpha: number[], beta: number[], j: number): TridiagEigen {
  const d = Float64Array.from(alpha.slice(0, j));
  const e = new Float64Array(j);
  for (let i = 0; i < j - 1; i++) e[i] = beta[i];
  const first = new Float64Array(j);
  const last = new Float64Array(j);
  first[0] = 1;
  last[j - 1] = 1;
  tridiagonalQL(d, e, null, 0, [first, last]);
  const order = argsortAscending(d);
  const theta = new Float64Array(j);
  const f = new Float64Array(j);
  const l = new Float64Array(j);
  for (let t = 0; t < j; t++) {
    theta[t] = d[order[t]];
    f[t] = first[order[t]];
    l[t] = last[order[t]];
  }
  return { theta, first: f, last: l };
}

/** Positions (into ascending theta) of the wanted Ritz values, best first. */
function wantedOrder(theta: Float64Array, which: RitzOrder): number[] {
  const j = theta.length;
  const idx = Array.from({ length: j }, (_, i) => i);
  if (which === 'largest') idx.reverse();
  else if (which === 'largest-magnitude') idx.sort((x, y) => Math.abs(theta[y]) - Math.abs(theta[x]) || y - x);
  return idx;
}

/**
 * Lanczos with full reorthogonalization for the k extreme eigenpairs of a symmetric operator (GVL
 * Alg. 10.1.1 with complete reorthogonalization, §10.3.1). After each step the tridiagonal T_j is
 * diagonalized (O(j²), first/last components only) and the Ritz residuals |β_j s_{j,t}| (GVL Eq. 10.1.?:
 * ‖A y − θ y‖ = |β_j|·|e_jᵀ s|) are compared with tol·‖A‖. If the Krylov space becomes invariant
 * (β_j ≈ 0) before k pairs are found, the iteration restarts from a random vector orthogonal to all
 * previous ones (T becomes block diagonal), so repeated eigenvalues are also found.
 */
export function lanczos(op: LinearOperator, n: number, opts: LanczosOptions): LanczosResult {
  checkN('lanczos', n);
  const k = opts.k;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`lanczos: opts.k must be an integer in [1, n = ${n}], got ${k}`);
  const maxIter = Math.min(n, opts.maxIter ?? Math.max(3 * k, 60));
  if (!Number.isInteger(maxIter) || maxIter < k) throw new Error(`lanczos: opts.maxIter must be an integer ≥ k = ${k}, got ${opts.maxIter}`);
  const tol = opts.tol ?? 1e-8;
  if (!(tol > 0)) throw new Error(`lanczos: opts.tol must be positive, got ${tol}`);
  const which = opts.which ?? 'largest';
  const rng = opts.rng;

  const Q: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = []; // beta[i] couples i and i+1
  let q: Float64Array | null = rng.fillNormal(new Float64Array(n));
  {
    const nq = Math.sqrt(dot(q, q, n));
    for (let i = 0; i < n; i++) q[i] /= nq;
  }
  let anorm = 0;
  let converged = false;
  let lastBeta = 0;
  let invariant = false;
  while (Q.length < maxIter && q !== null) {
    Q.push(q);
    const j = Q.length;
    const w = applyOp('lanczos', op, q, n);
    const a = dot(w, q, n);
    alpha.push(a);
    reorthogonalize(w, Q, n);
    const b = Math.sqrt(dot(w, w, n));
    // ‖T_j‖ grows to ‖A‖; use the running max of |α| + |β| as the scale for breakdown and convergence tests.
    anorm = Math.max(anorm, Math.abs(a) + b + (j > 1 ? beta[j - 2] : 0));
    lastBeta = b;
    invariant = b <= 1e-12 * Math.max(anorm, Number.MIN_VALUE);
    if (j >= k) {
      const te = tridiagEigen(alpha, beta, j);
      const tnorm = Math.max(Math.abs(te.theta[0]), Math.abs(te.theta[j - 1]));
      const order = wantedOrder(te.theta, which);
      let ok = true;
      for (let t = 0; t < k && ok; t++) ok = Math.abs((invariant ? 0 : b) * te.last[order[t]]) <= tol * Math.max(tnorm, Number.MIN_VALUE);
      if (ok) {
        converged = true;
        break;
      }
    }
    if (j === maxIter) break;
    if (invariant) {
      q = freshDirection(Q, n, rng);
      beta.push(0);
    } else {
      for (let i = 0; i < n; i++) w[i] /= b;
      q = w;
      beta.push(b);
    }
  }
  const j = Q.length;
  if (j === n) converged = true; // the Krylov space is all of Rⁿ: Ritz pairs are exact eigenpairs
  // Ritz pairs from the full eigendecomposition of the small T_j.
  const T = new Float64Array(j * j);
  for (let i = 0; i < j; i++) {
    T[i * j + i] = alpha[i];
    if (i + 1 < j) T[i * j + i + 1] = T[(i + 1) * j + i] = beta[i];
  }
  const { values: theta, vectors: S } = eigh({ rows: j, cols: j, data: T });
  const order = wantedOrder(theta, which);
  const kk = Math.min(k, j);
  const values = new Float64Array(kk);
  const residuals = new Float64Array(kk);
  const vectors: Float64Array[] = [];
  const rb = invariant ? 0 : lastBeta;
  for (let t = 0; t < kk; t++) {
    const c = order[t];
    values[t] = theta[c];
    const y = new Float64Array(n);
    for (let i = 0; i < j; i++) axpy(S.data[i * j + c], Q[i], y, n);
    vectors.push(y);
    residuals[t] = j === n ? 0 : Math.abs(rb * S.data[(j - 1) * j + c]);
  }
  return { values, vectors, iterations: j, residuals, converged };
}

/**
 * Hutchinson's trace estimator (Hutchinson 1989): tr(A) = E[zᵀ A z] for z with i.i.d. Rademacher
 * entries; the estimate is the sample mean over `samples` probes and `stderr` the sample standard
 * deviation over √samples. For symmetric A, Var[zᵀAz] = 2 Σ_{i≠j} a_ij² (zero for diagonal A).
 */
export function hutchinsonTrace(op: LinearOperator, n: number, opts: { samples: number; rng: Rng }): { estimate: number; stderr: number } {
  checkN('hutchinsonTrace', n);
  const S = opts.samples;
  if (!Number.isInteger(S) || S < 1) throw new Error(`hutchinsonTrace: opts.samples must be a positive integer, got ${S}`);
  const xs = new Float64Array(S);
  const z = new Float64Array(n);
  for (let s = 0; s < S; s++) {
    rademacher(z, opts.rng);
    const w = op(z);
    if (w.length !== n) throw new Error(`hutchinsonTrace: operator returned a vector of length ${w.length}, expected n = ${n}`);
    xs[s] = dot(z, w, n);
  }
  let mean = 0;
  for (let s = 0; s < S; s++) mean += xs[s];
  mean /= S;
  let v = 0;
  for (let s = 0; s < S; s++) v += (xs[s] - mean) ** 2;
  const stderr = S > 1 ? Math.sqrt(v / (S - 1) / S) : Number.POSITIVE_INFINITY;
  return { estimate: mean, stderr };
}

function rademacher(z: Float64Array, rng: Rng): void {
  const n = z.length;
  for (let i = 0; i < n; i += 32) {
    const bits = rng.nextInt32();
    const end = Math.min(n, i + 32);
    for (let t = i; t < end; t++) z[t] = (bits >>> (t - i)) & 1 ? 1 : -1;
  }
}

/**
 * Stochastic Lanczos quadrature (Ubaru, Chen & Saad 2017, Alg. 1; Ghorbani, Krishnan & Xiao 2019 §2):
 * the spectral density φ(t) = (1/n) Σ_i δ(t − λ_i) is approximated, for each unit Rademacher probe v,
 * by the m-point Gauss quadrature of the measure μ_v = Σ_i (q_iᵀv)² δ_{λ_i}: nodes are the Ritz values
 * θ_t of the m-step Lanczos tridiagonal started at v and weights the squared first components τ_t² of
 * its eigenvectors (Golub & Meurant 1994). The rule integrates polynomials of degree ≤ 2m − 1 exactly
 * against μ_v, and E_v[μ_v] = φ for Rademacher v, so the pooled rule (weights divided by the number of
 * probes; they sum to 1) is an unbiased estimate of φ's low moments. Lanczos uses full
 * reorthogonalization; if a probe's Krylov space becomes invariant early its quadrature is exact.
 */
export function stochasticLanczosQuadrature(op: LinearOperator, n: number, opts: { probes: number; steps: number; rng: Rng }): { nodes: Float64Array; weights: Float64Array } {
  checkN('stochasticLanczosQuadrature', n);
  const { probes, steps } = opts;
  if (!Number.isInteger(probes) || probes < 1) throw new Error(`stochasticLanczosQuadrature: opts.probes must be a positive integer, got ${probes}`);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`stochasticLanczosQuadrature: opts.steps must be a positive integer, got ${steps}`);
  const m = Math.min(steps, n);
  const nodes: number[] = [];
  const weights: number[] = [];
  for (let p = 0; p < probes; p++) {
    const v = new Float64Array(n);
    rademacher(v, opts.rng);
    const inv = 1 / Math.sqrt(n);
    for (let i = 0; i < n; i++) v[i] *= inv;
    const Q: Float64Array[] = [];
    const alpha: number[] = [];
    const beta: number[] = [];
    let q: Float64Array = v;
    let anorm = 0;
    for (let j = 0; j < m; j++) {
      Q.push(q);
      const w = applyOp('stochasticLanczosQuadrature', op, q, n);
      const a = dot(w, q, n);
      alpha.push(a);
      reorthogonalize(w, Q, n);
      const b = Math.sqrt(dot(w, w, n));
      anorm = Math.max(anorm, Math.abs(a) + b + (j > 0 ? beta[j - 1] : 0));
      if (j === m - 1 || b <= 1e-12 * Math.max(anorm, Number.MIN_VALUE)) break;
      beta.push(b);
      for (let i = 0; i < n; i++) w[i] /= b;
      q = w;
    }
    const te = tridiagEigen(alpha, beta, alpha.length);
    for (let t = 0; t < te.theta.length; t++) {
      nodes.push(te.theta[t]);
      weights.push((te.first[t] * te.first[t]) / probes);
    }
  }
  return { nodes: Float64Array.from(nodes), weights: Float64Array.from(weights) };
}

/**
 * Gaussian-smoothed spectral density φ_σ(t) = Σ_i w_i · N(t; θ_i, σ²) on `grid` (Ghorbani et al. 2019,
 * Eq. 3; Lin, Saad & Yang 2016 §3). Integrates to Σ w_i = 1 over the real line.
 */
export function spectralDensity(slq: { nodes: Float64Array; weights: Float64Array }, grid: Float64Array, sigma: number): Float64Array {
  if (!(sigma > 0)) throw new Error(`spectralDensity: sigma must be positive, got ${sigma}`);
  if (slq.nodes.length !== slq.weights.length) {
    throw new Error(`spectralDensity: slq.nodes (${slq.nodes.length}) and slq.weights (${slq.weights.length}) must have equal length`);
  }
  const out = new Float64Array(grid.length);
  const c = 1 / (sigma * Math.sqrt(2 * Math.PI));
  const h = -0.5 / (sigma * sigma);
  for (let g = 0; g < grid.length; g++) {
    const t = grid[g];
    let s = 0;
    for (let i = 0; i < slq.nodes.length; i++) {
      const x = t - slq.nodes[i];
      s += slq.weights[i] * Math.exp(h * x * x);
    }
    out[g] = c * s;
  }
  return out;
}

/**
 * Machinery of catalog study 7 (single-index-feature-learning); the two-layer network is shared with study 33
 * (hermite-learning-order).
 *
 * 1. Spherical online SGD on a single-index model with information exponent k (Ben Arous, Gheissari & Jagannath
 *    2021, "Online stochastic gradient descent on non-convex losses from high-dimensional inference", JMLR 22).
 *    Data x ~ N(0, I_d), label y = h_k(w*·x) with h_k = He_k/√(k!) the normalized Hermite polynomial, so the
 *    information exponent (the index of the first non-zero Hermite coefficient of the link) is k* = k. Student
 *    ŷ = h_k(w·x) with ‖w‖ = 1, correlation loss ℓ = −y·h_k(w·x) (on the sphere its population gradient equals the
 *    square loss's: the extra term E[h_k(w·x)h_k′(w·x)x] is radial). One step with a fresh sample:
 *      g = y h_k′(w·x) x,   w ← (w + η(g − (g·w)w)) / ‖·‖,
 *    and m = w·w* is the order parameter (|m| for even k, where ±w* are equivalent).
 *    Effective dynamics of m (expand the normalization to second order in η; summary-statistics reduction of Ben
 *    Arous, Gheissari & Jagannath 2022, "High-dimensional limit theorems for SGD: effective dynamics and critical
 *    scaling", NeurIPS):
 *      E[Δm] = F(m) = η k m^{k−1}(1 − m²) − (η²/2) m [(d − 2)A(m) + B(m)],
 *    with A(m) = E[y² h_k′(z)²], B(m) = E[y² h_k′(z)² ξ²], z = w·x, y = h_k(m z + √(1−m²) ξ), z, ξ iid N(0, 1)
 *    (E[g·w* − (g·w)m] = k m^{k−1}(1 − m²) by Mehler's formula E[h_i(u)h_j(v)] = δ_ij m^i; ‖Pg‖² = y²h_k′(z)²(ξ² + χ²_{d−2})).
 *    The first term pulls m away from the equator, the second (the normalization after a noisy step of length
 *    ~η√d) pushes it back. From m₀ = d^{−1/2} the escape time T = ∫ dm / F(m) then scales as
 *      k = 1: η ∝ 1/d, T ∝ d;   k = 2: η ∝ 1/d, T ∝ d log d;   k ≥ 3: η ∝ d^{−k/2}, T ∝ d^{k−1}
 *    (the step must shrink until η k m₀^{k−1} beats η² d m₀, i.e. η ≲ d^{−k/2}: Ben Arous et al. 2021, Thm 1.3).
 * 2. A two-layer ReLU network with biases, f(x) = s_out Σᵢ aᵢ ReLU(wᵢ·x + bᵢ), built from autodiff tensors, with
 *    s_out = 1/n (mean-field, Mei, Montanari & Nguyen 2018) or 1/√n (NTK/standard, Jacot et al. 2018), and its
 *    random-features twin (first layer frozen at init, readout by ridge regression; Rahimi & Recht 2007).
 * 3. The overlap of a uniformly random unit vector with a fixed one: t = ŵ·w* has density ∝ (1 − t²)^{(d−3)/2}
 *    on [−1, 1] (the marginal of the uniform measure on S^{d−1}); its quantiles give the init level of the overlap.
 */
import { valueAndGrad } from '../../core/autodiff.ts';
import { kernels } from '../../core/kernels.ts';
import { eigh } from '../../core/linalg.ts';
import type { Mat } from '../../core/mat.ts';
import * as op from '../../core/ops.ts';
import type { Rng } from '../../core/random.ts';
import { noGrad, param, type Tensor, tensor } from '../../core/tensor.ts';
import { hermiteHeAll, hermiteNormalized, sqrtFactorial } from '../../data/hermite.ts';
import { gaussHermiteRule } from '../../theory/gaussianQuadrature.ts';

function checkPositiveInt(fn: string, field: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${fn}: ${field} must be an integer ≥ ${min}, got ${v}`);
}

/** Step size of the escape experiment: η = c · d^{−max(1, k/2)} (see the module comment). */
export function escapeStepSize(dim: number, degree: number, stepConstant: number): number {
  return stepConstant * dim ** -Math.max(1, degree / 2);
}

export interface SphericalSgdOptions {
  dim: number;
  /** information exponent k ≥ 1 (link h_k) */
  degree: number;
  eta: number;
  /** initial overlap m₀ ∈ (0, 1) */
  m0: number;
  /** stop when the overlap (|m| for even k) reaches this */
  threshold: number;
  maxSteps: number;
  /** record the overlap every this many steps (0: no path) */
  recordEvery?: number;
}

export interface SphericalSgdRun {
  /** first step at which the overlap reached the threshold; Infinity if it did not within maxSteps */
  hitTime: number;
  /** the overlap path (steps, overlap), recorded every `recordEvery` steps, plus the last step */
  path: { t: number[]; m: number[] };
}

/**
 * One run of spherical online SGD (module comment, item 1). By rotation invariance of N(0, I_d) and equivariance
 * of the update, w* = e₁ loses no generality; w₀ = m₀e₁ + √(1 − m₀²)u with u uniform on the unit sphere of e₁^⊥.
 */
export function sphericalOnlineSgd(o: SphericalSgdOptions, rng: Rng): SphericalSgdRun {
  const fn = 'sphericalOnlineSgd';
  checkPositiveInt(fn, 'dim', o.dim, 2);
  checkPositiveInt(fn, 'degree', o.degree);
  checkPositiveInt(fn, 'maxSteps', o.maxSteps);
  if (!(o.eta > 0)) throw new Error(`${fn}: eta must be > 0, got ${o.eta}`);
  if (!(o.m0 > 0 && o.m0 < 1)) throw new Error(`${fn}: m0 must be in (0, 1), got ${o.m0}`);
  if (!(o.threshold > o.m0 && o.threshold < 1)) throw new Error(`${fn}: threshold must be in (m0, 1) = (${o.m0}, 1), got ${o.threshold}`);
  const { dim: d, degree: k, eta } = o;
  const every = o.recordEvery ?? 0;
  const w = new Float64Array(d);
  const x = new Float64Array(d);
  rng.child('init').fillNormal(w);
  w[0] = 0;
  let n2 = 0;
  for (let j = 1; j < d; j++) n2 += w[j] * w[j];
  const s0 = Math.sqrt((1 - o.m0 * o.m0) / n2);
  for (let j = 1; j < d; j++) w[j] *= s0;
  w[0] = o.m0;
  const he = new Float64Array(k + 1);
  const nk = sqrtFactorial(k);
  // h_k′ = √k h_{k−1} (from He_k′ = k He_{k−1})
  const dk = Math.sqrt(k) / sqrtFactorial(k - 1);
  const even = k % 2 === 0;
  const path = { t: [0], m: [o.m0] };
  const stream = rng.child('samples');
  for (let t = 1; t <= o.maxSteps; t++) {
    let z = 0;
    for (let j = 0; j < d; j++) {
      const v = stream.normal();
      x[j] = v;
      z += v * w[j];
    }
    hermiteHeAll(k, x[0], he);
    const y = he[k] / nk;
    hermiteHeAll(k, z, he);
    const c = eta * y * dk * he[k - 1];
    // w += η·y·h_k′(z)·(x − z w): the tangent projection of g (g·w = y h_k′(z) z)
    let nn = 0;
    for (let j = 0; j < d; j++) {
      w[j] += c * (x[j] - z * w[j]);
      nn += w[j] * w[j];
    }
    const inv = 1 / Math.sqrt(nn);
    for (let j = 0; j < d; j++) w[j] *= inv;
    const m = even ? Math.abs(w[0]) : w[0];
    if (every > 0 && t % every === 0) {
      path.t.push(t);
      path.m.push(m);
    }
    if (m >= o.threshold) {
      if (path.t[path.t.length - 1] !== t) {
        path.t.push(t);
        path.m.push(m);
      }
      return { hitTime: t, path };
    }
  }
  return { hitTime: Number.POSITIVE_INFINITY, path };
}

/**
 * χ²_ν draw as Gamma(ν/2, 2) by Marsaglia & Tsang 2000 ("A simple method for generating gamma variables", ACM TOMS
 * 26), exact for shape ≥ 1 (ν ≥ 2).
 */
export function chiSquared(nu: number, rng: Rng): number {
  const shape = nu / 2;
  if (!(shape >= 1)) throw new Error(`chiSquared: nu must be ≥ 2, got ${nu}`);
  const dd = shape - 1 / 3;
  const cc = 1 / Math.sqrt(9 * dd);
  for (;;) {
    const x = rng.normal();
    let v = 1 + cc * x;
    if (v <= 0) continue;
    v = v * v * v;
    const u = rng.uniform();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + dd * (1 - v + Math.log(v))) return 2 * dd * v;
  }
}

/**
 * The same run as `sphericalOnlineSgd`, simulated through its overlap alone — exact in law, O(1) per step. Write
 * w = m e₁ + √(1−m²) v with v ⊥ e₁ a unit vector and x = x₁e₁ + ζv + r with x₁, ζ ~ N(0, 1) and r ~ N(0, I) on the
 * (d − 2)-dimensional complement of span(e₁, v), all independent. Then z = m x₁ + √(1−m²)ζ, c = η h_k(x₁) h_k′(z), and
 *   w + c(x − z w) = [m + c(x₁ − z m)] e₁ + [√(1−m²) + c(ζ − z√(1−m²))] v + c r,
 * so m′ = A/√(A² + B² + c²‖r‖²) with ‖r‖² ~ χ²_{d−2}; by isotropy of the complement the law of the next step
 * depends on m′ only. Three random numbers per step instead of d.
 */
export function overlapChainEscape(o: SphericalSgdOptions, rng: Rng): SphericalSgdRun {
  const fn = 'overlapChainEscape';
  checkPositiveInt(fn, 'dim', o.dim, 4);
  checkPositiveInt(fn, 'degree', o.degree);
  checkPositiveInt(fn, 'maxSteps', o.maxSteps);
  if (!(o.eta > 0)) throw new Error(`${fn}: eta must be > 0, got ${o.eta}`);
  if (!(o.m0 > 0 && o.m0 < 1)) throw new Error(`${fn}: m0 must be in (0, 1), got ${o.m0}`);
  if (!(o.threshold > o.m0 && o.threshold < 1)) throw new Error(`${fn}: threshold must be in (m0, 1) = (${o.m0}, 1), got ${o.threshold}`);
  const { dim: d, degree: k, eta } = o;
  const every = o.recordEvery ?? 0;
  const he = new Float64Array(k + 1);
  const nk = sqrtFactorial(k);
  const dk = Math.sqrt(k) / sqrtFactorial(k - 1);
  const even = k % 2 === 0;
  const stream = rng.child('samples');
  const path = { t: [0], m: [o.m0] };
  let m = o.m0;
  for (let t = 1; t <= o.maxSteps; t++) {
    const x1 = stream.normal();
    const zeta = stream.normal();
    const r2 = chiSquared(d - 2, stream);
    const s = Math.sqrt(Math.max(0, 1 - m * m));
    const z = m * x1 + s * zeta;
    hermiteHeAll(k, x1, he);
    const y = he[k] / nk;
    hermiteHeAll(k, z, he);
    const c = eta * y * dk * he[k - 1];
    const A = m + c * (x1 - z * m);
    const B = s + c * (zeta - z * s);
    m = A / Math.sqrt(A * A + B * B + c * c * r2);
    const mm = even ? Math.abs(m) : m;
    if (every > 0 && t % every === 0) {
      path.t.push(t);
      path.m.push(mm);
    }
    if (mm >= o.threshold) {
      if (path.t[path.t.length - 1] !== t) {
        path.t.push(t);
        path.m.push(mm);
      }
      return { hitTime: t, path };
    }
  }
  return { hitTime: Number.POSITIVE_INFINITY, path };
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

/** The ODE path m(t) at the given times (RK4 with `substeps` steps between consecutive times; times ascending from 0). */
export function escapeOdePath(o: { dim: number; degree: number; eta: number; m0: number }, times: readonly number[], substeps = 20): number[] {
  const f = (m: number) => escapeDrift(o.dim, o.degree, o.eta, Math.min(Math.max(m, 0), 1));
  const out: number[] = [];
  let m = o.m0;
  let t = 0;
  for (const target of times) {
    const h = (target - t) / substeps;
    if (h > 0) {
      for (let s = 0; s < substeps; s++) {
        const k1 = f(m);
        const k2 = f(m + 0.5 * h * k1);
        const k3 = f(m + 0.5 * h * k2);
        const k4 = f(m + h * k3);
        m += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
      }
      t = target;
    }
    out.push(m);
  }
  return out;
}

/**
 * Quantile of |t|, t = ŵ·w* for ŵ uniform on S^{d−1}: P(|t| ≤ s) = ∫₀ˢ (1 − u²)^{(d−3)/2} du / ∫₀¹ (same), by Simpson's
 * rule on 4000 panels (the integrand is smooth on [0, 1] for d ≥ 3) and bisection.
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

/** Median of the values (NaN for none); Infinity counts as the largest value. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}

/** Median of the top `fraction` of the values (at least one value). */
export function topFractionMedian(values: ArrayLike<number>, fraction: number): number {
  const s = Array.from(values).sort((a, b) => b - a);
  const top = s.slice(0, Math.max(1, Math.round(fraction * s.length)));
  return median(top);
}

export interface ReluNetSpec {
  inputDim: number;
  width: number;
  /** forward multiplier s_out of the readout: 1/width (mean-field) or 1/√width (NTK/standard) */
  outputScale: number;
  /** wᵢ ~ N(0, weightStd²/inputDim · I) */
  weightStd: number;
  /** bᵢ ~ N(0, biasStd²) */
  biasStd: number;
  /** aᵢ ~ N(0, readoutStd²) */
  readoutStd: number;
  /** neurons in pairs (wᵢ, bᵢ, ±aᵢ) so that f(θ₀) ≡ 0 (Chizat, Oyallon & Bach 2019); width must be even */
  symmetric?: boolean;
}

/** f(x) = s_out Σᵢ aᵢ ReLU(wᵢ·x + bᵢ) (module comment, item 2); W is [inputDim, width], column i is wᵢ. */
export class BiasedReluNet {
  readonly inputDim: number;
  readonly width: number;
  readonly outputScale: number;
  readonly W: Tensor;
  readonly b: Tensor;
  readonly a: Tensor;

  constructor(spec: ReluNetSpec, rng: Rng) {
    const fn = 'BiasedReluNet';
    checkPositiveInt(fn, 'inputDim', spec.inputDim);
    checkPositiveInt(fn, 'width', spec.width);
    if (spec.symmetric && spec.width % 2 !== 0) throw new Error(`${fn}: width must be even for the symmetric init, got ${spec.width}`);
    for (const [k, v] of [
      ['outputScale', spec.outputScale],
      ['weightStd', spec.weightStd],
      ['readoutStd', spec.readoutStd],
    ] as const) {
      if (!(v > 0)) throw new Error(`${fn}: ${k} must be > 0, got ${v}`);
    }
    if (!(spec.biasStd >= 0)) throw new Error(`${fn}: biasStd must be ≥ 0, got ${spec.biasStd}`);
    const d = spec.inputDim;
    const n = spec.width;
    const half = spec.symmetric ? n / 2 : n;
    const w = new Float64Array(d * n);
    const b = new Float64Array(n);
    const a = new Float64Array(n);
    const rw = rng.child('W');
    const rb = rng.child('b');
    const ra = rng.child('a');
    const ws = spec.weightStd / Math.sqrt(d);
    for (let i = 0; i < half; i++) {
      for (let k = 0; k < d; k++) w[k * n + i] = ws * rw.normal();
      b[i] = spec.biasStd * rb.normal();
      a[i] = spec.readoutStd * ra.normal();
      if (spec.symmetric) {
        for (let k = 0; k < d; k++) w[k * n + half + i] = w[k * n + i];
        b[half + i] = b[i];
        a[half + i] = -a[i];
      }
    }
    this.inputDim = d;
    this.width = n;
    this.outputScale = spec.outputScale;
    this.W = param(w, [d, n]);
    this.b = param(b, [n]);
    this.a = param(a, [n, 1]);
  }

  params(): Tensor[] {
    return [this.W, this.b, this.a];
  }

  forward(x: Tensor): Tensor {
    return op.scale(op.matmul(op.relu(op.add(op.matmul(x, this.W), this.b)), this.a), this.outputScale);
  }

  /** f on the rows of x (no graph). */
  predict(x: Mat): Float64Array {
    if (x.cols !== this.inputDim) throw new Error(`BiasedReluNet.predict: x must have ${this.inputDim} columns, got ${x.cols}`);
    const out = noGrad(() => this.forward(tensor(x.data, [x.rows, x.cols])));
    return Float64Array.from(out.data);
  }

  /**
   * One SGD step on L = ½·mean (f − y)² over the batch (x: rows × inputDim, row-major), every parameter moved by
   * −lr·∂L/∂θ. Returns the batch loss before the step.
   */
  sgdStep(x: Float64Array, y: Float64Array, lr: number): number {
    const rows = y.length;
    if (x.length !== rows * this.inputDim) throw new Error(`BiasedReluNet.sgdStep: x has ${x.length} entries, expected ${rows} × ${this.inputDim}`);
    const X = tensor(x, [rows, this.inputDim]);
    const Y = tensor(y, [rows, 1]);
    const ps = this.params();
    const { value, grads } = valueAndGrad(() => op.scale(op.mean(op.square(op.sub(this.forward(X), Y))), 0.5), ps);
    ps.forEach((q, k) => {
      const g = grads[k];
      for (let j = 0; j < q.size; j++) q.data[j] -= lr * g[j];
    });
    return value;
  }

  /** Hidden features ReLU(xW + b), rows × width. */
  features(x: Mat): Mat {
    if (x.cols !== this.inputDim) throw new Error(`BiasedReluNet.features: x must have ${this.inputDim} columns, got ${x.cols}`);
    const n = this.width;
    const h = new Float64Array(x.rows * n);
    kernels().gemm(false, false, x.rows, n, this.inputDim, x.data, this.W.data, h, false);
    const b = this.b.data;
    for (let r = 0; r < x.rows; r++) {
      const off = r * n;
      for (let i = 0; i < n; i++) {
        const v = h[off + i] + b[i];
        h[off + i] = Math.max(v, 0);
      }
    }
    return { rows: x.rows, cols: n, data: h };
  }

  /** |wᵢ·u|/‖wᵢ‖ for each neuron (u a unit vector of length inputDim). */
  overlaps(u: ArrayLike<number>): Float64Array {
    const { inputDim: d, width: n } = this;
    if (u.length !== d) throw new Error(`BiasedReluNet.overlaps: u has length ${u.length}, expected ${d}`);
    const w = this.W.data;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let dot = 0;
      let nn = 0;
      for (let k = 0; k < d; k++) {
        const v = w[k * n + i];
        dot += v * u[k];
        nn += v * v;
      }
      out[i] = nn > 0 ? Math.abs(dot) / Math.sqrt(nn) : 0;
    }
    return out;
  }
}

export interface RidgeFit {
  coef: Float64Array;
  /** the chosen ridge λ (relative to the mean eigenvalue of HᵀH) */
  ridge: number;
  validationMse: number;
}

/**
 * Ridge regression of y on features H (n × p): coef = (HᵀH + λ·tr(HᵀH)/p·I)^{−1}Hᵀy for each λ in `ridges` through
 * one eigendecomposition of HᵀH; λ chosen by the mean squared error on (Hval, yval).
 */
export function ridgeByValidation(H: Mat, y: ArrayLike<number>, Hval: Mat, yval: ArrayLike<number>, ridges: readonly number[]): RidgeFit {
  const fn = 'ridgeByValidation';
  const p = H.cols;
  if (y.length !== H.rows) throw new Error(`${fn}: y has length ${y.length}, expected H.rows = ${H.rows}`);
  if (Hval.cols !== p || yval.length !== Hval.rows) throw new Error(`${fn}: Hval must be ${yval.length} × ${p}, got ${Hval.rows} × ${Hval.cols}`);
  if (ridges.length === 0 || ridges.some((r) => !(r >= 0))) throw new Error(`${fn}: ridges must be a non-empty list of values ≥ 0, got [${ridges.join(', ')}]`);
  const G = new Float64Array(p * p);
  kernels().gemm(true, false, p, p, H.rows, H.data, H.data, G, false);
  const hy = new Float64Array(p);
  for (let r = 0; r < H.rows; r++) {
    const yr = y[r];
    const off = r * p;
    for (let i = 0; i < p; i++) hy[i] += H.data[off + i] * yr;
  }
  const { values, vectors } = eigh({ rows: p, cols: p, data: G });
  const V = vectors.data;
  const proj = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < p; i++) s += V[i * p + j] * hy[i];
    proj[j] = s;
  }
  const meanEig = values.reduce((s, v) => s + v, 0) / p;
  let best: RidgeFit | null = null;
  const pred = new Float64Array(Hval.rows);
  for (const lam of ridges) {
    const coef = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      const denom = Math.max(values[j], 0) + lam * meanEig;
      if (!(denom > 1e-12 * meanEig)) continue; // drop the null space (min-norm solution)
      const f = proj[j] / denom;
      for (let i = 0; i < p; i++) coef[i] += V[i * p + j] * f;
    }
    kernels().gemm(false, false, Hval.rows, 1, p, Hval.data, coef, pred, false);
    let e = 0;
    for (let r = 0; r < Hval.rows; r++) e += (pred[r] - yval[r]) ** 2;
    e /= Hval.rows;
    if (best === null || e < best.validationMse) best = { coef, ridge: lam, validationMse: e };
  }
  return best as RidgeFit;
}

/** Mean squared error of H·coef against y. */
export function linearMse(H: Mat, coef: Float64Array, y: ArrayLike<number>): number {
  const pred = new Float64Array(H.rows);
  kernels().gemm(false, false, H.rows, 1, H.cols, H.data, coef, pred, false);
  let e = 0;
  for (let r = 0; r < H.rows; r++) e += (pred[r] - y[r]) ** 2;
  return e / H.rows;
}

/** Least-squares slope of ln y on ln x (NaN unless ≥ 2 points, all finite and positive). */
export function logLogSlope(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length || xs.length < 2) return Number.NaN;
  if (xs.some((v) => !(v > 0 && Number.isFinite(v))) || ys.some((v) => !(v > 0 && Number.isFinite(v)))) return Number.NaN;
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const mx = lx.reduce((s, v) => s + v, 0) / lx.length;
  const my = ly.reduce((s, v) => s + v, 0) / ly.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < lx.length; i++) {
    sxy += (lx[i] - mx) * (ly[i] - my);
    sxx += (lx[i] - mx) ** 2;
  }
  return sxy / sxx;
}

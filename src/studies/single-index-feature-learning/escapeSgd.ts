/**
 * Spherical online SGD on a single-index model with information exponent k, simulated step by step (the model and
 * its effective dynamics: src/theory/singleIndexEscape.ts). These are the study's own integrators — one SGD step of
 * a spherical model with a fresh sample, written out, and the exact-in-law Markov chain of its overlap — not
 * training of a network, so they do not go through the trainer; they honour the abort signal every step.
 *
 * Data x ~ N(0, I_d), y = h_k(w*·x), student h_k(w·x) with ‖w‖ = 1; one step: g = y h_k′(w·x) x,
 * w ← (w + η(g − (g·w)w))/‖·‖ (Ben Arous, Gheissari & Jagannath 2021, JMLR 22).
 */
import type { Rng } from '../../core/random.ts';
import { sampleChiSquared } from '../../core/stats.ts';
import { hermiteHeAll, sqrtFactorial } from '../../data/hermite.ts';
import { throwIfAborted } from '../../nn/train.ts';

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
  signal?: AbortSignal;
}

export interface SphericalSgdRun {
  /** first step at which the overlap reached the threshold; Infinity if it did not within maxSteps */
  hitTime: number;
  /** the overlap path (steps, overlap), recorded every `recordEvery` steps, plus the last step */
  path: { t: number[]; m: number[] };
}

function checkOptions(fn: string, o: SphericalSgdOptions, minDim: number): void {
  const ints: [string, number, number][] = [
    ['dim', o.dim, minDim],
    ['degree', o.degree, 1],
    ['maxSteps', o.maxSteps, 1],
  ];
  for (const [field, v, min] of ints) if (!Number.isInteger(v) || v < min) throw new Error(`${fn}: ${field} must be an integer ≥ ${min}, got ${v}`);
  if (!(o.eta > 0)) throw new Error(`${fn}: eta must be > 0, got ${o.eta}`);
  if (!(o.m0 > 0 && o.m0 < 1)) throw new Error(`${fn}: m0 must be in (0, 1), got ${o.m0}`);
  if (!(o.threshold > o.m0 && o.threshold < 1)) throw new Error(`${fn}: threshold must be in (m0, 1) = (${o.m0}, 1), got ${o.threshold}`);
}

/** The link's normalizers: h_k = He_k/√k!, and h_k′ = √k h_{k−1} (from He_k′ = k He_{k−1}). */
function linkConstants(k: number): { nk: number; dk: number; even: boolean } {
  return { nk: sqrtFactorial(k), dk: Math.sqrt(k) / sqrtFactorial(k - 1), even: k % 2 === 0 };
}

/** Follows the overlap, records it every `every` steps, and says when it reached the threshold. */
class OverlapRecorder {
  readonly path: { t: number[]; m: number[] };
  constructor(
    m0: number,
    private readonly every: number,
    private readonly threshold: number,
  ) {
    this.path = { t: [0], m: [m0] };
  }
  /** true when m reached the threshold at step t (the path then ends with (t, m)) */
  record(t: number, m: number): boolean {
    const { path } = this;
    if (this.every > 0 && t % this.every === 0) {
      path.t.push(t);
      path.m.push(m);
    }
    if (m < this.threshold) return false;
    if (path.t[path.t.length - 1] !== t) {
      path.t.push(t);
      path.m.push(m);
    }
    return true;
  }
}

/**
 * One run of spherical online SGD. By rotation invariance of N(0, I_d) and equivariance of the update, w* = e₁
 * loses no generality; w₀ = m₀e₁ + √(1 − m₀²)u with u uniform on the unit sphere of e₁^⊥.
 */
export function sphericalOnlineSgd(o: SphericalSgdOptions, rng: Rng): SphericalSgdRun {
  checkOptions('sphericalOnlineSgd', o, 2);
  const { dim: d, degree: k, eta } = o;
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
  const { nk, dk, even } = linkConstants(k);
  const rec = new OverlapRecorder(o.m0, o.recordEvery ?? 0, o.threshold);
  const stream = rng.child('samples');
  for (let t = 1; t <= o.maxSteps; t++) {
    throwIfAborted(o.signal);
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
    if (rec.record(t, even ? Math.abs(w[0]) : w[0])) return { hitTime: t, path: rec.path };
  }
  return { hitTime: Number.POSITIVE_INFINITY, path: rec.path };
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
  checkOptions('overlapChainEscape', o, 4);
  const { dim: d, degree: k, eta } = o;
  const he = new Float64Array(k + 1);
  const { nk, dk, even } = linkConstants(k);
  const stream = rng.child('samples');
  const rec = new OverlapRecorder(o.m0, o.recordEvery ?? 0, o.threshold);
  let m = o.m0;
  for (let t = 1; t <= o.maxSteps; t++) {
    throwIfAborted(o.signal);
    const x1 = stream.normal();
    const zeta = stream.normal();
    const r2 = sampleChiSquared(d - 2, stream);
    const s = Math.sqrt(Math.max(0, 1 - m * m));
    const z = m * x1 + s * zeta;
    hermiteHeAll(k, x1, he);
    const y = he[k] / nk;
    hermiteHeAll(k, z, he);
    const c = eta * y * dk * he[k - 1];
    const A = m + c * (x1 - z * m);
    const B = s + c * (zeta - z * s);
    m = A / Math.sqrt(A * A + B * B + c * c * r2);
    if (rec.record(t, even ? Math.abs(m) : m)) return { hitTime: t, path: rec.path };
  }
  return { hitTime: Number.POSITIVE_INFINITY, path: rec.path };
}

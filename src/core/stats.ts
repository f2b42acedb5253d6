/**
 * Small numerics and statistics on plain arrays, in one place (the studies, protocols and instruments
 * import them from here; none keeps a private copy). Summation is left to right, so results are the same
 * bits wherever they are computed. Rank statistics (Pearson, Spearman, Kendall) live in
 * src/observe/rankCorrelation.ts; fits with intervals in src/theory/fit.
 */
import { Rng } from './random.ts';
import { studentTQuantile } from './special.ts';

/** Arithmetic mean (NaN for none). */
export function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return v.length ? s / v.length : Number.NaN;
}

/** Median (NaN for none); +∞ counts as the largest value. */
export function median(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  const s = Array.from(values).sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Unbiased sample variance (n − 1 in the denominator; NaN for fewer than two values). */
export function variance(v: ArrayLike<number>): number {
  if (v.length < 2) return Number.NaN;
  const m = mean(v);
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - m) ** 2;
  return s / (v.length - 1);
}

/** Sample standard deviation (n − 1). */
export function std(v: ArrayLike<number>): number {
  return Math.sqrt(variance(v));
}

/** Σ aᵢbᵢ over the common length (the arrays must have equal length). */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`dot: lengths ${a.length} and ${b.length}, expected equal`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Euclidean norm √Σ vᵢ². */
export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** Euclidean norm of several blocks taken as one vector. */
export function blockNorm(blocks: readonly ArrayLike<number>[]): number {
  let s = 0;
  for (const b of blocks) for (let i = 0; i < b.length; i++) s += b[i] * b[i];
  return Math.sqrt(s);
}

/** ‖a − b‖. */
export function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`distance: lengths ${a.length} and ${b.length}, expected equal`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** y + αx as a new array. */
export function axpy(alpha: number, x: Float64Array, y: Float64Array): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = y[i] + alpha * x[i];
  return out;
}

/** Least-squares slope of y on x (NaN for fewer than two points). */
export function linearSlope(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length || xs.length < 2) return Number.NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxy / sxx;
}

/**
 * Least-squares slope of ln y on ln x: the exponent of a power law y ∝ x^a. NaN unless there are ≥ 2
 * points and every x and y is finite and positive.
 */
export function logLogSlope(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length || xs.length < 2) return Number.NaN;
  if (xs.some((v) => !(v > 0 && Number.isFinite(v))) || ys.some((v) => !(v > 0 && Number.isFinite(v)))) return Number.NaN;
  return linearSlope(xs.map(Math.log), ys.map(Math.log));
}

/** One-hot rows: out[i·classes + y[i]] = 1. */
export function oneHot(y: ArrayLike<number>, classes: number): Float64Array {
  const out = new Float64Array(y.length * classes);
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    if (!(Number.isInteger(c) && c >= 0 && c < classes)) throw new Error(`oneHot: label y[${i}] = ${c}, expected an integer in [0, ${classes})`);
    out[i * classes + c] = 1;
  }
  return out;
}

/**
 * n×k matrix (row-major) with orthonormal columns: Gram–Schmidt, applied twice, on standard normal
 * columns drawn in column order from `rng` (a Haar-distributed frame).
 */
export function randomOrthonormalColumns(n: number, k: number, rng: Rng): Float64Array {
  if (!(k <= n)) throw new Error(`randomOrthonormalColumns: k = ${k} columns, expected at most n = ${n}`);
  const q = new Float64Array(n * k);
  for (let j = 0; j < k; j++) {
    const v = rng.fillNormal(new Float64Array(n));
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        let d = 0;
        for (let r = 0; r < n; r++) d += q[r * k + i] * v[r];
        for (let r = 0; r < n; r++) v[r] -= d * q[r * k + i];
      }
    }
    const nrm = Math.hypot(...v);
    for (let r = 0; r < n; r++) q[r * k + j] = v[r] / nrm;
  }
  return q;
}

/** Wilson score interval for a binomial proportion k/n at normal quantile z (95%: z = 1.96). */
export function wilsonInterval(k: number, n: number, z = 1.959963984540054): { lo: number; hi: number; p: number } {
  if (!(n > 0)) return { lo: Number.NaN, hi: Number.NaN, p: Number.NaN };
  const p = k / n;
  const z2 = z * z;
  const den = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / den;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / den;
  return { lo: Math.max(0, centre - half), hi: Math.min(1, centre + half), p };
}

/**
 * Two-sided Student-t confidence interval for the mean of i.i.d. values (Student 1908): mean ± t_{(1+level)/2, n−1}·s/√n
 * with s the sample standard deviation. NaN bounds for fewer than two values.
 */
export function tInterval(values: readonly number[], level = 0.95): { mean: number; se: number; lo: number; hi: number; df: number } {
  if (!(level > 0 && level < 1)) throw new Error(`tInterval: level = ${level}, expected a probability in (0, 1)`);
  const n = values.length;
  const m = mean(values);
  if (n < 2) return { mean: m, se: Number.NaN, lo: Number.NaN, hi: Number.NaN, df: n - 1 };
  const se = std(values) / Math.sqrt(n);
  const half = studentTQuantile((1 + level) / 2, n - 1) * se;
  return { mean: m, se, lo: m - half, hi: m + half, df: n - 1 };
}

/**
 * First x at which the sampled curve y(x) reaches `level` (from below, or from above for `direction` 'down'),
 * by linear interpolation between the two samples around the crossing; xs[0] if the first sample already
 * does; +∞ if the curve never does.
 */
export function firstCrossing(xs: readonly number[], ys: ArrayLike<number>, level: number, direction: 'up' | 'down' = 'up'): number {
  if (xs.length !== ys.length) throw new Error(`firstCrossing: ${xs.length} x values and ${ys.length} y values, expected equal lengths`);
  for (let i = 0; i < ys.length; i++) {
    if (!(direction === 'up' ? ys[i] >= level : ys[i] <= level)) continue;
    if (i === 0) return xs[0];
    return xs[i - 1] + ((level - ys[i - 1]) / (ys[i] - ys[i - 1])) * (xs[i] - xs[i - 1]);
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * One χ²_ν draw as Gamma(ν/2, 2), by Marsaglia & Tsang 2000 ("A simple method for generating gamma
 * variables", ACM TOMS 26): exact for shape ν/2 ≥ 1, i.e. ν ≥ 2.
 */
export function sampleChiSquared(nu: number, rng: Rng): number {
  const shape = nu / 2;
  if (!(shape >= 1)) throw new Error(`sampleChiSquared: nu = ${nu}, expected ≥ 2`);
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
 * The q-quantile of the F(d1, d2) distribution, (χ²_d1/d1)/(χ²_d2/d2), from 40000 seeded draws (the
 * quantile function of F is an inverse regularized incomplete beta function; a seeded Monte Carlo is
 * short and exact in distribution, with a sampling error of the 99% point of ≈ 1% for moderate d2, more
 * in the heavy tail of small d2). The same (d1, d2) always uses the same stream Rng.fromSeed(0,
 * 'f-quantile', d1, d2), so a bound computed from it is reproducible; each point is drawn once per process
 * (callers such as a study's compare run for every control and every detection-power step).
 */
export function fQuantile(d1: number, d2: number, q: number): number {
  for (const [k, v] of [
    ['d1', d1],
    ['d2', d2],
  ] as const) {
    if (!(Number.isInteger(v) && v >= 2)) throw new Error(`fQuantile: ${k} = ${v}, expected an integer ≥ 2 (degrees of freedom; sampleChiSquared needs ν ≥ 2)`);
  }
  if (!(q > 0 && q < 1)) throw new Error(`fQuantile: q = ${q}, expected a probability in (0, 1)`);
  const key = `${d1},${d2},${q}`;
  const known = fQuantiles.get(key);
  if (known !== undefined) return known;
  const rng = Rng.fromSeed(0, 'f-quantile', d1, d2);
  const draws = Array.from({ length: F_DRAWS }, () => sampleChiSquared(d1, rng) / d1 / (sampleChiSquared(d2, rng) / d2)).sort((x, y) => x - y);
  const v = draws[Math.min(draws.length - 1, Math.floor(q * draws.length))];
  fQuantiles.set(key, v);
  return v;
}
const F_DRAWS = 40000;
const fQuantiles = new Map<string, number>();

/** Whether every change along the sequence is 0 or +1 (a count that only grows, one unit at a time). */
export function unitIncrements(r: readonly number[]): boolean {
  for (let i = 1; i < r.length; i++) {
    const d = r[i] - r[i - 1];
    if (d !== 0 && d !== 1) return false;
  }
  return true;
}

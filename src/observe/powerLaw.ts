/**
 * Power-law measurements of spectra and frequency data (the "universal statistics of data" of digest §3.5 and
 * catalog study 29; heavy-tailed weight spectra of study 18's inputs and WeightWatcher-style analyses).
 *
 * - `fitPowerLawLogLog`: ordinary least squares of ln y on ln x, y ≈ A·x^{slope}. The standard descriptive fit for
 *   eigenvalue-vs-rank spectra (λ_i ∝ i^{−α}), radial image power spectra (P(f) ∝ f^{−β}, β ≈ 2 for natural images;
 *   van der Schaaf & van Hateren 1996) and rank–frequency plots. R² and the number of decades spanned are what the
 *   catalog's pass criteria ask for ("R² > 0.95 over ≥ 1.5 decades"). OLS in log-log space is NOT a consistent
 *   estimator of a tail exponent from samples (Clauset, Shalizi & Newman 2009 §3.2); use `fitPowerLawTail` for that.
 * - `fitPowerLawTail`: the continuous power-law MLE with x_min chosen by minimising the Kolmogorov–Smirnov distance
 *   (Clauset, Shalizi & Newman 2009, "Power-law distributions in empirical data", SIAM Review, eqs. 3.1, 3.2, 3.9).
 *   Model: p(x) = ((α−1)/x_min)(x/x_min)^{−α} for x ≥ x_min. MLE α̂ = 1 + n[Σ ln(x_i/x_min)]^{−1}, large-n standard error
 *   (α̂−1)/√n. This is how WeightWatcher (Martin & Mahoney 2021) fits the tail of a layer's eigenvalue density.
 * - `zipfFit`: rank–frequency f(r) ∝ r^{−s} (Zipf's law, s ≈ 1 for word frequencies; Piantadosi 2014) by OLS in
 *   log-log space and by the discrete maximum-likelihood estimator of a truncated zeta law on the ranks.
 * Browser-safe.
 */
import type { Rng } from '../core/random.ts';

export interface LogLogFit {
  /** d ln y / d ln x: y ≈ prefactor · x^slope. */
  slope: number;
  /** −slope: the decay exponent (y ∝ x^{−exponent}). */
  exponent: number;
  /** Natural-log intercept: ln y ≈ intercept + slope·ln x. */
  intercept: number;
  /** exp(intercept). */
  prefactor: number;
  /** Coefficient of determination of the log-log regression. */
  r2: number;
  /** log₁₀(x_max/x_min) over the points used. */
  decades: number;
  /** Number of points used (positive x and y inside the range). */
  n: number;
  /** OLS standard error of the slope (NaN for n ≤ 2). */
  slopeStdErr: number;
}

function checkArray(v: ArrayLike<number>, field: string): void {
  if (v === null || v === undefined || typeof v.length !== 'number') throw new Error(`${field}: expected an array of numbers, got ${String(v)}`);
}

/**
 * OLS fit of ln y = intercept + slope·ln x over the points with x > 0 and y > 0 (others are skipped) and, when given,
 * range[0] ≤ x ≤ range[1]. Needs at least two distinct x.
 */
export function fitPowerLawLogLog(x: ArrayLike<number>, y: ArrayLike<number>, opts: { range?: [number, number] } = {}): LogLogFit {
  checkArray(x, 'x');
  checkArray(y, 'y');
  if (x.length !== y.length) throw new Error(`y: has length ${y.length}, expected the length of x (${x.length})`);
  const lo = opts.range?.[0] ?? Number.NEGATIVE_INFINITY;
  const hi = opts.range?.[1] ?? Number.POSITIVE_INFINITY;
  if (opts.range !== undefined && !(lo <= hi)) throw new Error(`range: expected [lo, hi] with lo ≤ hi, got [${lo}, ${hi}]`);
  const lx: number[] = [];
  const ly: number[] = [];
  let xmin = Number.POSITIVE_INFINITY;
  let xmax = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const yi = y[i];
    if (!(xi > 0) || !(yi > 0) || !Number.isFinite(xi) || !Number.isFinite(yi) || xi < lo || xi > hi) continue;
    lx.push(Math.log(xi));
    ly.push(Math.log(yi));
    if (xi < xmin) xmin = xi;
    if (xi > xmax) xmax = xi;
  }
  const n = lx.length;
  if (n < 2 || !(xmax > xmin)) {
    throw new Error(`x: need at least 2 points with distinct positive x (and positive y) inside the range, got ${n}`);
  }
  const mx = lx.reduce((s, v) => s + v, 0) / n;
  const my = ly.reduce((s, v) => s + v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (lx[i] - mx) ** 2;
    sxy += (lx[i] - mx) * (ly[i] - my);
    syy += (ly[i] - my) ** 2;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (ly[i] - intercept - slope * lx[i]) ** 2;
  const r2 = syy > 0 ? 1 - sse / syy : 1;
  return {
    slope,
    exponent: -slope,
    intercept,
    prefactor: Math.exp(intercept),
    r2,
    decades: Math.log10(xmax / xmin),
    n,
    slopeStdErr: n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : Number.NaN,
  };
}

export interface PowerLawTailOptions {
  /** Fix x_min instead of choosing it by the KS criterion. */
  xmin?: number;
  /** Smallest tail size considered when choosing x_min (default 10; tiny tails give spuriously small KS distances). */
  minTail?: number;
  /** At most this many x_min candidates, evenly spaced in rank among the eligible distinct values (default 2000). */
  maxCandidates?: number;
  /** Non-parametric bootstrap of the whole procedure (x_min selection included), for a percentile interval of α. */
  bootstrap?: { resamples: number; rng: Rng; level?: number };
}

export interface PowerLawTailFit {
  /** MLE exponent of the density p(x) ∝ x^{−α}, x ≥ x_min. */
  alpha: number;
  xmin: number;
  /** KS distance between the tail's empirical CDF and the fitted power law. */
  ksDistance: number;
  /** Number of samples ≥ x_min. */
  nTail: number;
  /** Number of positive samples. */
  n: number;
  /** Large-sample standard error (α − 1)/√n_tail (Clauset et al. 2009, eq. 3.2). */
  stdErr: number;
  /** Bootstrap percentile interval of α (null without `bootstrap`). */
  ci: [number, number] | null;
  /** The bootstrap replicates of α (empty without `bootstrap`). */
  bootstrapAlphas: Float64Array;
}

interface TailCore {
  alpha: number;
  xmin: number;
  ksDistance: number;
  nTail: number;
}

/** MLE α and KS distance for the tail sorted[k..n−1] with x_min = sorted[k]. `suffixLog[k]` = Σ_{i≥k} ln x_i. */
function fitTailAt(sorted: Float64Array, suffixLog: Float64Array, k: number, bestSoFar: number): TailCore | null {
  const n = sorted.length;
  const nt = n - k;
  const xmin = sorted[k];
  const denom = suffixLog[k] - nt * Math.log(xmin);
  if (!(denom > 0)) return null; // all tail values equal
  const alpha = 1 + nt / denom; // Clauset et al. eq. 3.1
  // KS distance D = sup_x |S(x) − P(x)| with P(x) = 1 − (x/x_min)^{1−α}; the empirical CDF jumps at the data.
  let d = 0;
  for (let j = 0; j < nt; j++) {
    const p = 1 - (sorted[k + j] / xmin) ** (1 - alpha);
    const a = Math.abs(p - j / nt);
    const b = Math.abs(p - (j + 1) / nt);
    if (a > d) d = a;
    if (b > d) d = b;
    if (d >= bestSoFar) return null; // cannot win
  }
  return { alpha, xmin, ksDistance: d, nTail: nt };
}

function fitTailSorted(sorted: Float64Array, opts: PowerLawTailOptions): TailCore {
  const n = sorted.length;
  const suffixLog = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) suffixLog[i] = suffixLog[i + 1] + Math.log(sorted[i]);
  if (opts.xmin !== undefined) {
    // First index with x ≥ xmin; the MLE uses the given x_min, not the smallest tail value.
    let k = 0;
    while (k < n && sorted[k] < opts.xmin) k++;
    const nt = n - k;
    if (nt < 1) throw new Error(`xmin: no samples are ≥ ${opts.xmin}`);
    const denom = suffixLog[k] - nt * Math.log(opts.xmin);
    if (!(denom > 0)) throw new Error(`xmin: all ${nt} samples ≥ ${opts.xmin} equal it; α is undefined`);
    const alpha = 1 + nt / denom;
    let d = 0;
    for (let j = 0; j < nt; j++) {
      const p = 1 - (sorted[k + j] / opts.xmin) ** (1 - alpha);
      d = Math.max(d, Math.abs(p - j / nt), Math.abs(p - (j + 1) / nt));
    }
    return { alpha, xmin: opts.xmin, ksDistance: d, nTail: nt };
  }
  const minTail = opts.minTail ?? 10;
  // Candidate x_min: the first occurrence of each distinct value leaving at least minTail samples.
  const cand: number[] = [];
  for (let k = 0; k <= n - minTail; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) cand.push(k);
  if (cand.length === 0) throw new Error(`samples: ${n} positive samples, expected at least minTail = ${minTail}`);
  const maxC = opts.maxCandidates ?? 2000;
  let use = cand;
  if (cand.length > maxC) {
    use = [];
    for (let t = 0; t < maxC; t++) use.push(cand[Math.round((t * (cand.length - 1)) / (maxC - 1))]);
  }
  let best: TailCore | null = null;
  for (const k of use) {
    const r = fitTailAt(sorted, suffixLog, k, best === null ? Number.POSITIVE_INFINITY : best.ksDistance);
    if (r !== null) best = r;
  }
  if (best === null) throw new Error('samples: every candidate tail is constant; α is undefined');
  return best;
}

function quantileSorted(v: Float64Array, q: number): number {
  const pos = q * (v.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < v.length ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

/**
 * Continuous power-law tail fit (Clauset, Shalizi & Newman 2009): α by maximum likelihood, x_min by minimising the KS
 * distance over candidate x_min (unless fixed). Non-positive samples are ignored (they cannot be in a tail).
 */
export function fitPowerLawTail(samples: ArrayLike<number>, opts: PowerLawTailOptions = {}): PowerLawTailFit {
  checkArray(samples, 'samples');
  const pos: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i];
    if (!Number.isFinite(v)) throw new Error(`samples: entry ${i} is ${v}, expected a finite number`);
    if (v > 0) pos.push(v);
  }
  if (opts.xmin !== undefined && !(opts.xmin > 0)) throw new Error(`xmin: expected a positive number, got ${opts.xmin}`);
  const minTail = opts.minTail ?? 10;
  if (!Number.isInteger(minTail) || minTail < 2) throw new Error(`minTail: expected an integer ≥ 2, got ${minTail}`);
  const sorted = Float64Array.from(pos).sort();
  const core = fitTailSorted(sorted, opts);
  let ci: [number, number] | null = null;
  let boots = new Float64Array(0);
  if (opts.bootstrap !== undefined) {
    const { resamples, rng } = opts.bootstrap;
    const level = opts.bootstrap.level ?? 0.95;
    if (!Number.isInteger(resamples) || resamples < 2) throw new Error(`bootstrap.resamples: expected an integer ≥ 2, got ${resamples}`);
    if (!(level > 0 && level < 1)) throw new Error(`bootstrap.level: expected a number in (0, 1), got ${level}`);
    const alphas: number[] = [];
    const n = sorted.length;
    const buf = new Float64Array(n);
    for (let b = 0; b < resamples; b++) {
      const r = rng.child('powerlaw-bootstrap', b);
      for (let i = 0; i < n; i++) buf[i] = sorted[r.int(n)];
      buf.sort();
      try {
        alphas.push(fitTailSorted(buf, opts).alpha);
      } catch {
        // A degenerate resample (constant tail) carries no information about α; skip it.
      }
    }
    boots = Float64Array.from(alphas).sort();
    if (boots.length >= 2) ci = [quantileSorted(boots, (1 - level) / 2), quantileSorted(boots, (1 + level) / 2)];
  }
  return { ...core, n: sorted.length, stdErr: (core.alpha - 1) / Math.sqrt(core.nTail), ci, bootstrapAlphas: boots };
}

export interface ZipfMle {
  /** s of P(r) ∝ r^{−s} on ranks r ∈ [rankMin, rankMax]. */
  exponent: number;
  /** 1/√(N·Var_s(ln r)) (inverse Fisher information; N = total count). */
  stdErr: number;
  rankMin: number;
  rankMax: number;
  /** Total count N in the rank range. */
  total: number;
}

export interface ZipfFit {
  /** Positive counts sorted descending (index 0 = rank 1). */
  frequencies: Float64Array;
  /** OLS fit of ln f on ln r over the chosen rank range; logLog.exponent is Zipf's s. */
  logLog: LogLogFit;
  /** Discrete MLE of a truncated zeta law on the ranks (same range). */
  mle: ZipfMle;
}

/**
 * Discrete MLE of s for P(r) = r^{−s}/Σ_{r'=a}^{b} r'^{−s} on integer ranks a..b, from the count c_r of each rank.
 * The likelihood equation is E_s[ln r] = (Σ c_r ln r)/N, solved by bisection (E_s[ln r] decreases in s).
 * Caveat: ranks are assigned from the same counts (the rank of a word is its observed order), which biases the
 * tail of the rank–frequency plot at small counts (Piantadosi 2014 recommends independent halves of the corpus).
 */
export function zipfMle(countsByRank: ArrayLike<number>, rankMin = 1, rankMax = countsByRank.length): ZipfMle {
  checkArray(countsByRank, 'counts');
  if (!Number.isInteger(rankMin) || !Number.isInteger(rankMax) || rankMin < 1 || rankMax > countsByRank.length || rankMax <= rankMin) {
    throw new Error(`rank range: expected integers 1 ≤ rankMin < rankMax ≤ ${countsByRank.length}, got [${rankMin}, ${rankMax}]`);
  }
  let total = 0;
  let sumLog = 0;
  for (let r = rankMin; r <= rankMax; r++) {
    const c = countsByRank[r - 1];
    if (!(c >= 0) || !Number.isFinite(c)) throw new Error(`counts: entry ${r - 1} is ${c}, expected a non-negative finite number`);
    total += c;
    sumLog += c * Math.log(r);
  }
  if (!(total > 0)) throw new Error('counts: all counts in the rank range are zero');
  const target = sumLog / total;
  const moments = (s: number): { mean: number; variance: number } => {
    // Stable weights: r^{−s} relative to the largest term.
    const ref = s >= 0 ? rankMin : rankMax;
    let z = 0;
    let m1 = 0;
    let m2 = 0;
    for (let r = rankMin; r <= rankMax; r++) {
      const w = Math.exp(-s * (Math.log(r) - Math.log(ref)));
      const l = Math.log(r);
      z += w;
      m1 += w * l;
      m2 += w * l * l;
    }
    const mean = m1 / z;
    return { mean, variance: Math.max(0, m2 / z - mean * mean) };
  };
  let lo = -10;
  let hi = 10;
  while (moments(hi).mean > target && hi < 1e3) hi *= 2;
  while (moments(lo).mean < target && lo > -1e3) lo *= 2;
  for (let it = 0; it < 200 && hi - lo > 1e-12; it++) {
    const mid = 0.5 * (lo + hi);
    if (moments(mid).mean > target) lo = mid;
    else hi = mid;
  }
  const s = 0.5 * (lo + hi);
  return { exponent: s, stdErr: 1 / Math.sqrt(total * moments(s).variance), rankMin, rankMax, total };
}

/**
 * Zipf rank–frequency fit. `counts` are the occurrence counts of the types (any order; zeros dropped). They are
 * sorted descending so that rank 1 is the most frequent. `ranks` restricts both fits to ranks in [lo, hi].
 */
export function zipfFit(counts: ArrayLike<number>, opts: { ranks?: [number, number] } = {}): ZipfFit {
  checkArray(counts, 'counts');
  const pos: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (!(c >= 0) || !Number.isFinite(c)) throw new Error(`counts: entry ${i} is ${c}, expected a non-negative finite number`);
    if (c > 0) pos.push(c);
  }
  if (pos.length < 2) throw new Error(`counts: need at least 2 positive counts, got ${pos.length}`);
  const f = Float64Array.from(pos).sort().reverse();
  const lo = Math.max(1, Math.ceil(opts.ranks?.[0] ?? 1));
  const hi = Math.min(f.length, Math.floor(opts.ranks?.[1] ?? f.length));
  if (!(hi > lo)) throw new Error(`ranks: expected a range containing at least 2 of the ranks 1..${f.length}, got [${opts.ranks?.[0]}, ${opts.ranks?.[1]}]`);
  const r = new Float64Array(f.length);
  for (let i = 0; i < f.length; i++) r[i] = i + 1;
  return { frequencies: f, logLog: fitPowerLawLogLog(r, f, { range: [lo, hi] }), mle: zipfMle(f, lo, hi) };
}

/**
 * Spectra of weight matrices and of data covariances. Browser-safe.
 *
 * Weight spectra follow WeightWatcher (Martin & Mahoney 2021, "Implicit self-regularization in deep neural networks",
 * JMLR; Martin, Peng & Mahoney 2021, Nature Communications): for a layer W of shape N×M with N ≥ M (transpose
 * otherwise), the empirical spectral density (ESD) is that of the M eigenvalues of the correlation matrix
 * X = WᵀW/N, i.e. λ_i = σ_i(W)²/N, and Q = N/M ≥ 1 is the aspect ratio.
 *
 * - Random-matrix baseline: if W has i.i.d. entries of variance σ², the ESD converges (N, M → ∞, N/M → Q) to the
 *   Marchenko–Pastur law (Marchenko & Pastur 1967)
 *     ρ(λ) = Q/(2πσ²λ) · √((λ₊ − λ)(λ − λ₋)),  λ± = σ²(1 ± 1/√Q)²,  on [λ₋, λ₊] (no atom at 0 for Q ≥ 1),
 *   whose mean is σ². Eigenvalues above λ₊ are outliers ("spikes"): for a finite matrix the largest bulk eigenvalue
 *   fluctuates around λ₊ on the Tracy–Widom scale (Johnstone 2001, Thm 1.1: centre (√(N−1) + √M)²σ²/N, scale
 *   (√(N−1) + √M)(1/√(N−1) + 1/√M)^{1/3}σ²/N), so `numSpikes` counts eigenvalues more than `edgeMargin` TW scales
 *   above λ₊, while `numOutliers` counts every eigenvalue above λ₊ (WeightWatcher's num_spikes).
 * - Fitting σ²: the MP mean is σ², so σ² is first estimated from the trace of the bulk. Removing a spike also
 *   removes some bulk mass: for a rank-one signal of strength s² the outlier sits at
 *   x = s² + σ²(1 + y) + yσ⁴/s², y = 1/Q (Baik, Ben Arous & Péché 2005; Benaych-Georges & Nadakuditi 2012), and the
 *   trace gains only s². So σ² solves σ²M = Σ_bulk λ + Σ_spikes (λ_k − s_k²(λ_k, σ²)), iterated with the spike set.
 *   Optionally (`method: 'ks'`) σ² is then refined by minimising the Kolmogorov–Smirnov distance between the bulk's
 *   empirical CDF and the MP CDF.
 * - Heavy tails: `fitPowerLawTail` (./powerLaw.ts) on the eigenvalues gives WeightWatcher's α (α ≲ 2: very heavy
 *   tailed; 2–6: typical of well-trained layers; large α or a good MP fit: close to random).
 *
 * `covarianceSpectrum` gives the eigenvalues of a data sample covariance (catalog study 29(a)), to be fitted against
 * rank with `fitPowerLawLogLog`.
 */
import type { Mat } from '../core/mat.ts';
import { checkMat, centerColumns, squaredSingularValues } from './matrix.ts';
import { fitPowerLawTail, type PowerLawTailFit, type PowerLawTailOptions } from './powerLaw.ts';
import { type RankMeasures, rankMeasuresFromSingularValues } from './rank.ts';

export interface WeightSpectrum {
  /** Eigenvalues of WᵀW/N (N ≥ M after orienting), descending; M of them. */
  eigenvalues: Float64Array;
  /** Singular values of W, descending. */
  singularValues: Float64Array;
  /** Larger dimension N, smaller dimension M, Q = N/M ≥ 1. */
  n: number;
  m: number;
  q: number;
}

/** The ESD of a layer: eigenvalues of WᵀW/N with N the larger dimension (Martin & Mahoney 2021). */
export function weightSpectrum(w: Mat): WeightSpectrum {
  checkMat(w, 'W');
  const n = Math.max(w.rows, w.cols);
  const m = Math.min(w.rows, w.cols);
  const sq = squaredSingularValues(w);
  return { eigenvalues: sq.map((v) => v / n), singularValues: sq.map(Math.sqrt), n, m, q: n / m };
}

function checkQ(q: number): void {
  if (!(q >= 1) || !Number.isFinite(q)) throw new Error(`q: expected the aspect ratio N/M ≥ 1 (orient W so that N ≥ M), got ${q}`);
}

/** MP edges λ± = σ²(1 ± 1/√Q)². */
export function marchenkoPasturEdges(sigma2: number, q: number): { lambdaMinus: number; lambdaPlus: number } {
  checkQ(q);
  const r = 1 / Math.sqrt(q);
  return { lambdaMinus: sigma2 * (1 - r) ** 2, lambdaPlus: sigma2 * (1 + r) ** 2 };
}

/** MP density ρ(λ) = Q/(2πσ²λ)·√((λ₊ − λ)(λ − λ₋)) on [λ₋, λ₊], 0 elsewhere (Q ≥ 1). */
export function marchenkoPasturDensity(lambda: number, sigma2: number, q: number): number {
  const { lambdaMinus: a, lambdaPlus: b } = marchenkoPasturEdges(sigma2, q);
  if (!(lambda > a && lambda < b) || !(lambda > 0)) return 0;
  return (q / (2 * Math.PI * sigma2 * lambda)) * Math.sqrt((b - lambda) * (lambda - a));
}

const MP_TABLE_SIZE = 2048;
let mpCache: { q: number; cdf: Float64Array } | null = null;

/**
 * Cumulative MP distribution for σ² = 1 on a uniform grid in θ, with λ = a + (b − a)(1 − cos θ)/2. The substitution
 * turns ρ dλ into Q/(2πλ)·((b − a)/2)² sin²θ dθ, a smooth function on [0, π] whose even extension is smooth and
 * periodic, so the trapezoid rule converges spectrally (node values exact to ~1e-9 at 2048 points); between nodes the
 * CDF is interpolated linearly in θ, error ≲ 3e-7.
 */
function mpCdfTable(q: number): Float64Array {
  if (mpCache !== null && mpCache.q === q) return mpCache.cdf;
  const r = 1 / Math.sqrt(q);
  const a = (1 - r) ** 2;
  const b = (1 + r) ** 2;
  const half = (b - a) / 2;
  const g = new Float64Array(MP_TABLE_SIZE + 1);
  for (let i = 0; i <= MP_TABLE_SIZE; i++) {
    const th = (Math.PI * i) / MP_TABLE_SIZE;
    const lam = a + half * (1 - Math.cos(th));
    const s = Math.sin(th);
    // At θ = 0 with a = 0 (Q = 1) the ratio sin²θ/λ tends to 4/b.
    g[i] = lam > 0 ? (q / (2 * Math.PI * lam)) * half * half * s * s : i === 0 && a === 0 ? (q / (2 * Math.PI)) * half * half * (4 / b) : 0;
  }
  const cdf = new Float64Array(MP_TABLE_SIZE + 1);
  const h = Math.PI / MP_TABLE_SIZE;
  for (let i = 1; i <= MP_TABLE_SIZE; i++) cdf[i] = cdf[i - 1] + 0.5 * h * (g[i - 1] + g[i]);
  const total = cdf[MP_TABLE_SIZE];
  for (let i = 0; i <= MP_TABLE_SIZE; i++) cdf[i] /= total; // total is 1 up to quadrature error
  mpCache = { q, cdf };
  return cdf;
}

/** MP cumulative distribution function P(λ' ≤ λ) for variance σ² and aspect ratio Q ≥ 1. */
export function marchenkoPasturCdf(lambda: number, sigma2: number, q: number): number {
  checkQ(q);
  if (!(sigma2 > 0)) throw new Error(`sigma2: expected a positive variance, got ${sigma2}`);
  const r = 1 / Math.sqrt(q);
  const a = (1 - r) ** 2;
  const b = (1 + r) ** 2;
  const t = lambda / sigma2;
  if (t <= a) return 0;
  if (t >= b) return 1;
  const cdf = mpCdfTable(q);
  const th = Math.acos(Math.min(1, Math.max(-1, 1 - (2 * (t - a)) / (b - a))));
  const pos = (th / Math.PI) * MP_TABLE_SIZE;
  const i = Math.min(MP_TABLE_SIZE - 1, Math.floor(pos));
  const f = pos - i;
  return cdf[i] * (1 - f) + cdf[i + 1] * f;
}

export interface MarchenkoPasturOptions {
  /** 'moments' (default): trace-based σ² with spike correction; 'ks': then refine σ² by minimising the bulk KS distance. */
  method?: 'moments' | 'ks';
  /** Spikes are eigenvalues above λ₊ + edgeMargin × (Tracy–Widom scale). Default 3 (P(TW₁ > 3) ≈ 1e-3). */
  edgeMargin?: number;
  /** Iterations of the σ²/spike-set fixed point (default 100). */
  maxIter?: number;
}

export interface MarchenkoPasturFit {
  sigma2: number;
  q: number;
  lambdaMinus: number;
  lambdaPlus: number;
  /** Tracy–Widom scale of the largest bulk eigenvalue (Johnstone 2001), in eigenvalue units. */
  tracyWidomScale: number;
  /** λ₊ + edgeMargin·tracyWidomScale. */
  spikeThreshold: number;
  /** Eigenvalues above λ₊ (no finite-size margin). */
  numOutliers: number;
  /** Eigenvalues above spikeThreshold (descending). */
  spikes: Float64Array;
  numSpikes: number;
  /** KS distance between the bulk (eigenvalues ≤ spikeThreshold) and the fitted MP law. */
  bulkKsDistance: number;
  method: 'moments' | 'ks';
}

/** Signal strength s² of a spike at x = λ/σ² (σ² units): the larger root of s⁴ − (x − 1 − y)s² + y = 0. */
function spikeStrength(x: number, y: number): number {
  const c = x - 1 - y;
  const disc = c * c - 4 * y;
  if (!(c > 0) || !(disc >= 0)) return Math.sqrt(y); // at or below the BBP edge: the threshold strength √y
  return 0.5 * (c + Math.sqrt(disc));
}

function bulkKs(bulkAsc: Float64Array, sigma2: number, q: number): number {
  const m = bulkAsc.length;
  let d = 0;
  for (let j = 0; j < m; j++) {
    const f = marchenkoPasturCdf(bulkAsc[j], sigma2, q);
    d = Math.max(d, Math.abs(f - j / m), Math.abs(f - (j + 1) / m));
  }
  return d;
}

/**
 * Fit the Marchenko–Pastur bulk to the eigenvalues of X = WᵀW/N (M of them, any order) with aspect ratio Q = N/M ≥ 1
 * (see the file header for the method). Returns σ², the bulk edge λ₊ and the eigenvalues above it.
 */
export function fitMarchenkoPastur(eigenvalues: ArrayLike<number>, q: number, opts: MarchenkoPasturOptions = {}): MarchenkoPasturFit {
  checkQ(q);
  const m = eigenvalues.length;
  if (m < 2) throw new Error(`eigenvalues: expected at least 2, got ${m}`);
  let maxAbs = 0;
  for (let i = 0; i < m; i++) maxAbs = Math.max(maxAbs, Math.abs(eigenvalues[i]));
  for (let i = 0; i < m; i++) {
    // Tiny negative values are eigensolver rounding of zero eigenvalues; they are clipped to 0.
    if (!Number.isFinite(eigenvalues[i]) || eigenvalues[i] < -1e-12 * maxAbs) {
      throw new Error(`eigenvalues: entry ${i} is ${eigenvalues[i]}, expected a non-negative finite number (eigenvalues of WᵀW/N)`);
    }
  }
  const method = opts.method ?? 'moments';
  if (method !== 'moments' && method !== 'ks') throw new Error(`method: expected 'moments' or 'ks', got ${String(method)}`);
  const margin = opts.edgeMargin ?? 3;
  if (!(margin >= 0)) throw new Error(`edgeMargin: expected a non-negative number, got ${margin}`);
  const desc = Float64Array.from(eigenvalues, (v) => Math.max(0, v))
    .sort()
    .reverse();
  const y = 1 / q;
  const nRows = q * m;
  const edge = (1 + Math.sqrt(y)) ** 2;
  const twUnit = (Math.sqrt(Math.max(nRows - 1, 1)) + Math.sqrt(m)) * (1 / Math.sqrt(Math.max(nRows - 1, 1)) + 1 / Math.sqrt(m)) ** (1 / 3) / nRows;
  let total = 0;
  for (const v of desc) total += v;
  if (!(total > 0)) throw new Error('eigenvalues: all are zero; the MP scale σ² is undefined');

  // Fixed point: k spikes removed, σ² from the bulk trace with the BBP correction for the removed bulk mass.
  let k = 0;
  let sigma2 = total / m;
  for (let it = 0; it < (opts.maxIter ?? 100); it++) {
    let bulkSum = 0;
    for (let i = k; i < m; i++) bulkSum += desc[i];
    let s2 = sigma2;
    for (let inner = 0; inner < 50; inner++) {
      let corr = 0;
      for (let i = 0; i < k; i++) corr += desc[i] - s2 * spikeStrength(desc[i] / s2, y);
      const next = (bulkSum + corr) / m;
      if (Math.abs(next - s2) <= 1e-13 * s2) {
        s2 = next;
        break;
      }
      s2 = next;
    }
    sigma2 = s2;
    const thr = sigma2 * (edge + margin * twUnit);
    let k2 = 0;
    while (k2 < m - 1 && desc[k2] > thr) k2++;
    if (k2 === k) break;
    k = k2;
  }
  const bulkAsc = desc.slice(k).reverse();
  if (method === 'ks') {
    // Minimise the bulk KS distance over σ² ∈ [0.5, 1.5]·σ²_moments: a grid, then golden section in the best cell.
    const grid = 100;
    let bestT = 1;
    let bestD = Number.POSITIVE_INFINITY;
    for (let g = 0; g <= grid; g++) {
      const t = 0.5 + g / grid;
      const dks = bulkKs(bulkAsc, t * sigma2, q);
      if (dks < bestD) {
        bestD = dks;
        bestT = t;
      }
    }
    let lo = bestT - 1 / grid;
    let hi = bestT + 1 / grid;
    const phi = (Math.sqrt(5) - 1) / 2;
    let c1 = hi - phi * (hi - lo);
    let c2 = lo + phi * (hi - lo);
    let f1 = bulkKs(bulkAsc, c1 * sigma2, q);
    let f2 = bulkKs(bulkAsc, c2 * sigma2, q);
    for (let it = 0; it < 40; it++) {
      if (f1 <= f2) {
        hi = c2;
        c2 = c1;
        f2 = f1;
        c1 = hi - phi * (hi - lo);
        f1 = bulkKs(bulkAsc, c1 * sigma2, q);
      } else {
        lo = c1;
        c1 = c2;
        f1 = f2;
        c2 = lo + phi * (hi - lo);
        f2 = bulkKs(bulkAsc, c2 * sigma2, q);
      }
    }
    const tOpt = f1 <= f2 ? c1 : c2;
    if (Math.min(f1, f2) <= bestD) sigma2 *= tOpt;
    else sigma2 *= bestT;
  }
  const { lambdaMinus, lambdaPlus } = marchenkoPasturEdges(sigma2, q);
  const tw = sigma2 * twUnit;
  const spikeThreshold = lambdaPlus + margin * tw;
  let numOutliers = 0;
  let numSpikes = 0;
  for (const v of desc) {
    if (v > lambdaPlus) numOutliers++;
    if (v > spikeThreshold) numSpikes++;
  }
  const bulkFinal = desc.slice(numSpikes).reverse();
  return {
    sigma2,
    q,
    lambdaMinus,
    lambdaPlus,
    tracyWidomScale: tw,
    spikeThreshold,
    numOutliers,
    spikes: desc.slice(0, numSpikes),
    numSpikes,
    bulkKsDistance: bulkKs(bulkFinal, sigma2, q),
    method,
  };
}

export interface WeightSpectrumAnalysis {
  spectrum: WeightSpectrum;
  /** Power-law fit of the ESD tail (null when fewer than `minTail` positive eigenvalues). */
  powerLaw: PowerLawTailFit | null;
  marchenkoPastur: MarchenkoPasturFit;
  ranks: RankMeasures;
}

/** WeightWatcher-style summary of one layer: ESD, power-law tail α, MP bulk fit, stable/effective rank. */
export function analyzeWeightSpectrum(w: Mat, opts: { powerLaw?: PowerLawTailOptions; marchenkoPastur?: MarchenkoPasturOptions } = {}): WeightSpectrumAnalysis {
  const spectrum = weightSpectrum(w);
  let powerLaw: PowerLawTailFit | null = null;
  const positive = spectrum.eigenvalues.filter((v) => v > 0).length;
  if (positive >= (opts.powerLaw?.minTail ?? 10)) powerLaw = fitPowerLawTail(spectrum.eigenvalues, opts.powerLaw);
  return {
    spectrum,
    powerLaw,
    marchenkoPastur: fitMarchenkoPastur(spectrum.eigenvalues, spectrum.q, opts.marchenkoPastur),
    ranks: rankMeasuresFromSingularValues(spectrum.singularValues, spectrum.n),
  };
}

/**
 * Eigenvalues of the sample covariance of X (n×d, rows = examples), descending, all d of them:
 * C = X_cᵀX_c/(n − ddof) with X_c the column-centered data (ddof = 1 by default; `center: false` uses X as is,
 * e.g. for data known to have zero mean). When d > n the nonzero eigenvalues come from the n×n Gram matrix and the
 * remaining d − n are exactly 0.
 */
export function covarianceSpectrum(x: Mat, opts: { center?: boolean; ddof?: number } = {}): Float64Array {
  checkMat(x, 'X', 2);
  const center = opts.center ?? true;
  const ddof = opts.ddof ?? 1;
  if (!(ddof >= 0 && ddof < x.rows)) throw new Error(`ddof: expected 0 ≤ ddof < n = ${x.rows}, got ${ddof}`);
  const xc = center ? centerColumns(x) : x;
  const sq = squaredSingularValues(xc);
  const out = new Float64Array(x.cols);
  const denom = x.rows - ddof;
  for (let i = 0; i < sq.length; i++) out[i] = sq[i] / denom;
  return out;
}

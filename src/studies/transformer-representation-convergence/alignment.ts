/**
 * Alignment of two representations of the same held-out tokens, with its finite-sample error, and the
 * statistics the study judges. The instruments are src/observe/similarity.ts's (linear CKA, Kornblith et
 * al. 2019; k-nearest-neighbour sets, Huh et al. 2024); this file only resamples and aggregates them.
 *
 * Finite-sample error. The m tokens are W windows of T consecutive characters of the validation text, so
 * tokens within a window are correlated; the error of an alignment computed on m tokens is estimated by a
 * bootstrap over windows (a block bootstrap, Künsch 1989): each resample draws W windows with replacement,
 * the same draws for every pair and every representation (a paired bootstrap, so differences between two
 * alignments of the same tokens get the error of the difference). Linear CKA is recomputed on the
 * resampled rows (from per-window moments: the same number at 1/T of the cost). Mutual k-NN is the mean
 * over tokens of |N_k^A(i) ∩ N_k^B(i)|/k; its resample is the mean
 * of the resampled windows' means with the neighbour sets held fixed (the error of averaging over tokens,
 * conditional on the neighbour graphs).
 */
import type { Mat } from '../../core/mat.ts';
import type { Rng } from '../../core/random.ts';
import { linearSlope, mean, std } from '../../core/stats.ts';
import { centerColumns, crossProduct, squaredSingularValues } from '../../observe/matrix.ts';
import { spearman } from '../../observe/rankCorrelation.ts';
import { knnIndices, linearCkaFeatureSpace } from '../../observe/similarity.ts';

/** A representation of the m = W·T tokens (rows in window order) with its k-NN sets. */
export interface Representation {
  x: Mat;
  knn: Int32Array[];
}

export function representation(x: Mat, k: number): Representation {
  return { x, knn: knnIndices(x, k, 'cosine') };
}

/** Alignment of a pair on all tokens, and under each bootstrap resample of the windows. */
export interface PairAlignment {
  cka: number;
  /** debiased linear CKA on all tokens (reported: the finite-sample bias of `cka`) */
  ckaDebiased: number;
  knn: number;
  ckaBoot: Float64Array;
  knnBoot: Float64Array;
}

/** B resamples of W window indices, drawn with replacement. */
export function windowResamples(windows: number, resamples: number, rng: Rng): Int32Array[] {
  return Array.from({ length: resamples }, () => Int32Array.from({ length: windows }, () => rng.int(windows)));
}

/** The rows of the chosen windows (each `seqLen` consecutive rows of x), in the order drawn. */
export function gatherWindows(x: Mat, windows: ArrayLike<number>, seqLen: number): Mat {
  const out = new Float64Array(windows.length * seqLen * x.cols);
  const block = seqLen * x.cols;
  for (let i = 0; i < windows.length; i++) out.set(x.data.subarray(windows[i] * block, (windows[i] + 1) * block), i * block);
  return { rows: windows.length * seqLen, cols: x.cols, data: out };
}

/** Mean over each window's tokens of the mutual k-NN overlap |N_k^A(i) ∩ N_k^B(i)| / k. */
export function knnOverlapByWindow(a: Int32Array[], b: Int32Array[], seqLen: number): Float64Array {
  if (a.length !== b.length) throw new Error(`knnOverlapByWindow: ${a.length} and ${b.length} tokens, expected the same tokens`);
  if (a.length % seqLen !== 0) throw new Error(`knnOverlapByWindow: ${a.length} tokens is not a multiple of seqLen = ${seqLen}`);
  const out = new Float64Array(a.length / seqLen);
  const mark = new Int32Array(a.length).fill(-1);
  for (let i = 0; i < a.length; i++) {
    for (const j of a[i]) mark[j] = i;
    let common = 0;
    for (const j of b[i]) if (mark[j] === i) common++;
    out[Math.floor(i / seqLen)] += common / a[i].length / seqLen;
  }
  return out;
}

/** The rows of window w of m (T consecutive rows). */
function windowBlock(m: Mat, w: number, seqLen: number): Mat {
  return { rows: seqLen, cols: m.cols, data: m.data.subarray(w * seqLen * m.cols, (w + 1) * seqLen * m.cols) };
}

/** Per window w: the column sums of X_w (each a flat array). */
function windowSums(x: Mat, seqLen: number): Float64Array[] {
  const ones: Mat = { rows: seqLen, cols: 1, data: new Float64Array(seqLen).fill(1) };
  return Array.from({ length: x.rows / seqLen }, (_, w) => crossProduct(ones, windowBlock(x, w, seqLen)).data);
}

/** Per window w: the cross-products X_wᵀY_w (each a flat row-major array). */
function windowCross(x: Mat, y: Mat, seqLen: number): Float64Array[] {
  return Array.from({ length: x.rows / seqLen }, (_, w) => crossProduct(windowBlock(x, w, seqLen), windowBlock(y, w, seqLen)).data);
}

/** ‖Σ_w∈r X_wᵀY_w − s_x s_yᵀ/n‖²_F with s = Σ_w∈r (column sums of window w), n = |r|·T: the centered cross-product of the drawn rows. */
function centeredCrossSq(sumX: Float64Array[], sumY: Float64Array[], cross: Float64Array[], r: ArrayLike<number>, seqLen: number): number {
  const p = sumX[0].length;
  const q = sumY[0].length;
  const c = new Float64Array(p * q);
  const sx = new Float64Array(p);
  const sy = new Float64Array(q);
  const len = c.length;
  for (let i = 0; i < r.length; i++) {
    // the window's arrays looked up once, not per element (V8 does not hoist the loads: 1.4–1.7× on this loop)
    const cw = cross[r[i]];
    const xw = sumX[r[i]];
    const yw = sumY[r[i]];
    for (let t = 0; t < len; t++) c[t] += cw[t];
    for (let t = 0; t < p; t++) sx[t] += xw[t];
    for (let t = 0; t < q; t++) sy[t] += yw[t];
  }
  const n = r.length * seqLen;
  let out = 0;
  for (let u = 0; u < p; u++) for (let v = 0; v < q; v++) out += (c[u * q + v] - (sx[u] * sy[v]) / n) ** 2;
  return out;
}

/**
 * Linear CKA of the rows of the windows drawn in each resample, equal to `linearCkaFeatureSpace` on
 * `gatherWindows` of both (the oracle test), from per-window moments: O(W·d²) per resample instead of O(W·T·d²).
 * Each side is centered on all m tokens first (CKA is shift-invariant) so that the resample means are small and the
 * subtraction in `centeredCrossSq` loses no digits.
 */
export function bootstrapLinearCka(a: Mat, b: Mat, seqLen: number, resamples: readonly Int32Array[]): Float64Array {
  if (resamples.length === 0) return new Float64Array(0);
  const x = centerColumns(a);
  const y = centerColumns(b);
  const [sx, sy] = [windowSums(x, seqLen), windowSums(y, seqLen)];
  const [xx, yy, xy] = [windowCross(x, x, seqLen), windowCross(y, y, seqLen), windowCross(x, y, seqLen)];
  return Float64Array.from(resamples, (r) => centeredCrossSq(sx, sy, xy, r, seqLen) / Math.sqrt(centeredCrossSq(sx, sx, xx, r, seqLen) * centeredCrossSq(sy, sy, yy, r, seqLen)));
}

export function pairAlignment(a: Representation, b: Representation, seqLen: number, resamples: readonly Int32Array[]): PairAlignment {
  const byWindow = knnOverlapByWindow(a.knn, b.knn, seqLen);
  const ckaBoot = bootstrapLinearCka(a.x, b.x, seqLen, resamples);
  const knnBoot = Float64Array.from(resamples, (r) => mean(Array.from(r, (w) => byWindow[w])));
  return { cka: linearCkaFeatureSpace(a.x, b.x), ckaDebiased: linearCkaFeatureSpace(a.x, b.x, { unbiased: true }), knn: mean(byWindow), ckaBoot, knnBoot };
}

/**
 * The share of Σλ² held by the top `k` principal directions of x (λ: eigenvalues of the centered covariance): the
 * weight linear CKA gives them. Kornblith et al. 2019 write linear CKA as Σ_ij λ_i μ_j ⟨u_i, v_j⟩² / √(Σλ_i² Σμ_j²), each
 * pair of principal directions weighted by the product of their variances, so a few high-variance directions can
 * decide it (Ding, Denain & Steinhardt 2021: CKA barely moves when low-variance principal components are removed).
 */
export function topPrincipalShare(x: Mat, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k: expected a positive integer, got ${k}`);
  const ev = squaredSingularValues(centerColumns(x));
  let top = 0;
  let all = 0;
  ev.forEach((v, i) => {
    all += v * v;
    if (i < k) top += v * v;
  });
  if (!(all > 0)) throw new Error('x: all columns are constant after centering; no principal directions');
  return top / all;
}

/** A statistic of a list of pair values, its bootstrap replicates, and the spread across pairs. */
export interface Estimate {
  value: number;
  /** bootstrap standard error over windows (the token sample) */
  seTokens: number;
  /** standard error from the scatter across seed pairs (0 when there are too few pairs to estimate it) */
  seSeeds: number;
  /** value / √(seTokens² + seSeeds²) */
  z: number;
}

function estimate(value: number, replicates: number[], seSeeds: number): Estimate {
  const seTokens = replicates.length >= 2 ? std(replicates) : 0;
  const se = Math.sqrt(seTokens ** 2 + seSeeds ** 2);
  return { value, seTokens, seSeeds, z: value / se };
}

/**
 * The OLS slope of pair alignment on log₂ width. seSeeds is the OLS standard error from the residuals,
 * √(Σr²/(n−2) / Σ(x−x̄)²): the scatter of independent seed pairs about the trend (it contains their token
 * noise too, so adding the bootstrap error counts that part twice: conservative by at most √2).
 */
export function slopeEstimate(x: readonly number[], y: readonly number[], boot: readonly Float64Array[]): Estimate {
  const b = linearSlope(x, y);
  const mx = mean(x);
  const my = mean(y);
  const sxx = x.reduce((s, v) => s + (v - mx) ** 2, 0);
  const rss = x.reduce((s, v, i) => s + (y[i] - my - b * (v - mx)) ** 2, 0);
  const seSeeds = x.length > 2 ? Math.sqrt(rss / (x.length - 2) / sxx) : 0;
  const reps = boot.length === 0 ? [] : Array.from(boot[0], (_, r) => linearSlope(x, boot.map((v) => v[r])));
  return estimate(b, reps, seSeeds);
}

/** The mean over pairs of (alignment − null alignment); seSeeds = sd of the per-pair differences / √n. */
export function excessEstimate(y: readonly number[], yNull: readonly number[], boot: readonly Float64Array[], bootNull: readonly Float64Array[]): Estimate {
  const d = y.map((v, i) => v - yNull[i]);
  const seSeeds = d.length >= 2 ? std(d) / Math.sqrt(d.length) : 0;
  const reps = boot.length === 0 ? [] : Array.from(boot[0], (_, r) => mean(boot.map((v, i) => v[r] - bootNull[i][r])));
  return estimate(mean(d), reps, seSeeds);
}

/**
 * Spearman ρ between each pair's mean per-model score and its alignment, and the fraction of a
 * permutation null below it: the scores are permuted across models (not pairs), which keeps the pairs'
 * sharing of models, so the null has the right spread (pairs are not independent). Ties count half.
 */
export function pairRankTrend(
  score: readonly number[],
  pairs: readonly (readonly [number, number])[],
  alignment: readonly number[],
  permutations: number,
  rng: Rng,
): { rho: number; quantile: number } {
  const rhoOf = (s: ArrayLike<number>) =>
    spearman(
      pairs.map(([a, b]) => (s[a] + s[b]) / 2),
      alignment,
    );
  const rho = rhoOf(score);
  let below = 0;
  for (let i = 0; i < permutations; i++) {
    const perm = rng.permutation(score.length);
    const r = rhoOf(Array.from(perm, (j) => score[j]));
    below += r < rho ? 1 : r === rho ? 0.5 : 0;
  }
  return { rho, quantile: below / permutations };
}

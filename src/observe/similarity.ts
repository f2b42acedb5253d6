/**
 * Representation similarity between two networks (or layers) evaluated on the same n examples.
 * Representations are `Mat`s of shape n×d (rows = examples); the two may have different widths d₁, d₂.
 *
 * - Centered kernel alignment (Kornblith, Norouzi, Lee & Hinton 2019, "Similarity of neural network representations
 *   revisited"): CKA(K, L) = HSIC(K, L) / √(HSIC(K, K)·HSIC(L, L)) with K, L the n×n kernel (Gram) matrices of the
 *   two representations. Linear kernel K = XXᵀ or Gaussian RBF kernel.
 *   - Biased HSIC (Gretton et al. 2005, as used by Kornblith et al. 2019): HSIC₀ = tr(K H L H)/(n−1)², H = I − 11ᵀ/n.
 *   - Unbiased HSIC (Song, Smola, Gretton, Bedo & Borgwardt 2012, "Feature selection via dependence maximization",
 *     eq. 5; used for minibatch CKA by Nguyen, Raghu & Kornblith 2021, "Do wide and deep networks learn the same
 *     things?"): with K̃, L̃ the kernels with zeroed diagonals,
 *       HSIC₁ = [tr(K̃L̃) + (1ᵀK̃1)(1ᵀL̃1)/((n−1)(n−2)) − 2/(n−2)·1ᵀK̃L̃1] / (n(n−3)),   n ≥ 4.
 *     It is an unbiased estimate of the population HSIC (a U-statistic), so it averages to 0 for independent
 *     representations, whereas the biased one is O(1/n) positive.
 * - Linear CKA in feature space: for the linear kernel and column-centered X, Y,
 *   CKA = ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F) (Kornblith et al. 2019, eq. 5 / "dot-product-based similarity"); this costs
 *   O(n d₁ d₂) instead of O(n²(d₁ + d₂)) and equals the biased linear CKA exactly. With `unbiased` it is the
 *   debiased linear CKA (the unbiased HSIC above in feature space; Murphy, Zylberberg & Fyshe 2024, "Correcting
 *   biased centered kernel alignment measures in biological and artificial neural networks", on why the biased
 *   one overstates the similarity of high-dimensional representations sampled on few examples).
 * - Mutual k-nearest-neighbour alignment (Huh, Cheung, Wang & Isola 2024, "The Platonic Representation Hypothesis"):
 *   the mean over examples i of |N_k^X(i) ∩ N_k^Y(i)| / k, where N_k(i) are the k nearest other examples. For
 *   independent representations it is ≈ k/(n−1) (hypergeometric mean); identical neighbourhoods give 1.
 *
 * Caveat (Gröger et al. 2026, digest §3.5): different metrics can rank model pairs differently; report several.
 * Browser-safe.
 */
import type { Mat } from '../core/mat.ts';
import { centerColumns, checkMat, crossProduct, frobeniusSq, gramRows } from './matrix.ts';

export type CkaKernel = 'linear' | 'rbf';

export interface CkaOptions {
  /** 'linear' (default): K = XXᵀ. 'rbf': K_ij = exp(−‖x_i − x_j‖² / (2σ²)). */
  kernel?: CkaKernel;
  /**
   * RBF bandwidth σ used for both representations. When absent, each representation gets its own
   * σ = bandwidthFactor × (median pairwise Euclidean distance of its examples).
   */
  sigma?: number;
  /** Multiplier of the median distance when `sigma` is absent (default 1). Kornblith et al. 2019 report 0.2–0.8 too. */
  bandwidthFactor?: number;
  /** Use the unbiased HSIC estimator of Song et al. 2012 instead of the biased one (default false). Needs n ≥ 4. */
  unbiased?: boolean;
}

function checkPair(x: Mat, y: Mat, minRows: number): void {
  checkMat(x, 'X', minRows);
  checkMat(y, 'Y', minRows);
  if (x.rows !== y.rows) throw new Error(`Y: has ${y.rows} rows (examples), expected the same as X (${x.rows})`);
}

/** Linear kernel K = XXᵀ (n×n). */
export function linearKernel(x: Mat): Mat {
  checkMat(x, 'X');
  return gramRows(x);
}

/** Pairwise squared Euclidean distances ‖x_i − x_j‖² (n×n), from the Gram matrix, clipped at 0. */
export function squaredDistances(x: Mat): Mat {
  const g = gramRows(x);
  const n = x.rows;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d2 = Math.max(0, g.data[i * n + i] + g.data[j * n + j] - 2 * g.data[i * n + j]);
      out[i * n + j] = d2;
      out[j * n + i] = d2;
    }
  }
  return { rows: n, cols: n, data: out };
}

/** Median of the n(n−1)/2 pairwise Euclidean distances (i < j). Needs n ≥ 2. */
export function medianPairwiseDistance(x: Mat): number {
  checkMat(x, 'X', 2);
  const d2 = squaredDistances(x);
  const n = x.rows;
  const v = new Float64Array((n * (n - 1)) / 2);
  let t = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) v[t++] = d2.data[i * n + j];
  v.sort();
  const m = v.length;
  const med = m % 2 === 1 ? v[(m - 1) / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
  return Math.sqrt(med);
}

/**
 * Gaussian RBF kernel K_ij = exp(−‖x_i − x_j‖²/(2σ²)). Kornblith et al. 2019 set σ as a fraction of the median
 * distance; here the median is over distinct pairs i < j (their code takes the median over all n² entries including
 * the zero diagonal, which is slightly smaller for small n).
 */
export function rbfKernel(x: Mat, sigma: number): Mat {
  checkMat(x, 'X');
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new Error(`sigma: expected a positive finite bandwidth, got ${sigma}`);
  const d2 = squaredDistances(x);
  const s = 1 / (2 * sigma * sigma);
  const out = new Float64Array(d2.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.exp(-d2.data[i] * s);
  return { rows: x.rows, cols: x.rows, data: out };
}

function checkKernels(k: Mat, l: Mat): number {
  if (k.rows !== k.cols) throw new Error(`K: expected a square kernel matrix, got ${k.rows}×${k.cols}`);
  if (l.rows !== l.cols) throw new Error(`L: expected a square kernel matrix, got ${l.rows}×${l.cols}`);
  if (k.rows !== l.rows) throw new Error(`L: is ${l.rows}×${l.rows}, expected the same size as K (${k.rows}×${k.rows})`);
  return k.rows;
}

/** H K H with H = I − 11ᵀ/n (double centering: subtract row and column means, add back the grand mean). */
export function doubleCenter(k: Mat): Mat {
  const n = k.rows;
  const rowMean = new Float64Array(n);
  const colMean = new Float64Array(n);
  let grand = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = k.data[i * n + j];
      rowMean[i] += v;
      colMean[j] += v;
      grand += v;
    }
  }
  for (let i = 0; i < n; i++) {
    rowMean[i] /= n;
    colMean[i] /= n;
  }
  grand /= n * n;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = k.data[i * n + j] - rowMean[i] - colMean[j] + grand;
  return { rows: n, cols: n, data: out };
}

/**
 * Hilbert–Schmidt independence criterion between two n×n kernel matrices.
 * Biased (default): tr(KHLH)/(n−1)² (Gretton et al. 2005). Unbiased: Song et al. 2012 eq. 5 (see the file header);
 * needs n ≥ 4. Kernels are assumed symmetric.
 */
export function hsic(k: Mat, l: Mat, opts: { unbiased?: boolean } = {}): number {
  const n = checkKernels(k, l);
  if (opts.unbiased) {
    if (n < 4) throw new Error(`n: the unbiased HSIC needs at least 4 examples, got ${n}`);
    // K̃, L̃: diagonals set to zero.
    let trKL = 0;
    let sumK = 0;
    let sumL = 0;
    const rowK = new Float64Array(n);
    const rowL = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const kij = k.data[i * n + j];
        const lij = l.data[i * n + j];
        trKL += kij * lij; // tr(K̃L̃) = Σ_ij K̃_ij L̃_ji = Σ_ij K̃_ij L̃_ij (symmetric)
        sumK += kij;
        sumL += lij;
        rowK[i] += kij;
        rowL[i] += lij;
      }
    }
    // 1ᵀK̃L̃1 = Σ_j (K̃1)_j (L̃1)_j for symmetric K̃.
    let kl1 = 0;
    for (let i = 0; i < n; i++) kl1 += rowK[i] * rowL[i];
    return (trKL + (sumK * sumL) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * kl1) / (n * (n - 3));
  }
  if (n < 2) throw new Error(`n: HSIC needs at least 2 examples, got ${n}`);
  const kc = doubleCenter(k);
  let s = 0;
  for (let i = 0; i < kc.data.length; i++) s += kc.data[i] * l.data[i]; // tr(HKH·L) = Σ_ij (HKH)_ij L_ji
  return s / ((n - 1) * (n - 1));
}

/** CKA from two kernel matrices: HSIC(K, L)/√(HSIC(K, K)·HSIC(L, L)) (Kornblith et al. 2019, eq. 3). */
export function ckaFromKernels(k: Mat, l: Mat, opts: { unbiased?: boolean } = {}): number {
  checkKernels(k, l);
  const kk = hsic(k, k, opts);
  const ll = hsic(l, l, opts);
  if (!(kk > 0)) throw new Error(`X: HSIC(K, K) = ${kk}; expected > 0 (the representation is constant across examples, or n is too small for the unbiased estimator)`);
  if (!(ll > 0)) throw new Error(`Y: HSIC(L, L) = ${ll}; expected > 0 (the representation is constant across examples, or n is too small for the unbiased estimator)`);
  return hsic(k, l, opts) / Math.sqrt(kk * ll);
}

/**
 * CKA between representations X (n×d₁) and Y (n×d₂) of the same n examples. Invariant to orthogonal transforms
 * and isotropic scaling of either representation (for the RBF kernel with the median heuristic too, since σ scales
 * with the data; with a fixed `sigma` it is not scale invariant). With the biased estimator CKA ∈ [0, 1]; the
 * unbiased one can be slightly negative for unrelated representations.
 */
export function cka(x: Mat, y: Mat, opts: CkaOptions = {}): number {
  const kernel = opts.kernel ?? 'linear';
  checkPair(x, y, opts.unbiased ? 4 : 2);
  if (kernel === 'linear') return ckaFromKernels(gramRows(x), gramRows(y), opts);
  if (kernel !== 'rbf') throw new Error(`kernel: expected 'linear' or 'rbf', got ${String(kernel)}`);
  const factor = opts.bandwidthFactor ?? 1;
  if (!(factor > 0) || !Number.isFinite(factor)) throw new Error(`bandwidthFactor: expected a positive finite number, got ${factor}`);
  const bandwidth = (m: Mat, field: string): number => {
    if (opts.sigma !== undefined) return opts.sigma;
    const med = medianPairwiseDistance(m);
    if (!(med > 0)) throw new Error(`${field}: median pairwise distance is ${med}; expected > 0 for the RBF bandwidth (more than half the examples coincide)`);
    return factor * med;
  };
  return ckaFromKernels(rbfKernel(x, bandwidth(x, 'X')), rbfKernel(y, bandwidth(y, 'Y')), opts);
}

/**
 * The unbiased linear HSIC (Song et al. 2012 eq. 5, as in `hsic`) of column-centered X, Y in feature space, O(n d₁ d₂).
 * K = XXᵀ with K1 = 0 after centering, so with k_i = ‖x_i‖² and l_i = ‖y_i‖² (the diagonals): tr(K̃L̃) = ‖YᵀX‖²_F − Σk_i l_i,
 * 1ᵀK̃1 = −Σk_i, K̃1 = −k and 1ᵀK̃L̃1 = Σk_i l_i. The estimator is unchanged by a shift of either representation (a
 * U-statistic of differences), so centering first loses nothing and keeps the float error small.
 */
function unbiasedLinearHsicCentered(xc: Mat, yc: Mat, crossSq: number): number {
  const n = xc.rows;
  const sq = (m: Mat, i: number) => {
    let s = 0;
    for (let j = 0; j < m.cols; j++) s += m.data[i * m.cols + j] ** 2;
    return s;
  };
  let kl = 0;
  let sk = 0;
  let sl = 0;
  for (let i = 0; i < n; i++) {
    const k = sq(xc, i);
    const l = sq(yc, i);
    kl += k * l;
    sk += k;
    sl += l;
  }
  return (crossSq - kl + (sk * sl) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * kl) / (n * (n - 3));
}

/**
 * Linear CKA computed in feature space, for n ≫ d: after centering the columns of X and Y,
 * CKA = ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F) (Kornblith et al. 2019). Identical to `cka(X, Y)` (biased, linear); with
 * `unbiased` identical to `cka(X, Y, { unbiased: true })` (needs n ≥ 4).
 */
export function linearCkaFeatureSpace(x: Mat, y: Mat, opts: { unbiased?: boolean } = {}): number {
  checkPair(x, y, opts.unbiased ? 4 : 2);
  const xc = centerColumns(x);
  const yc = centerColumns(y);
  const xx = frobeniusSq(crossProduct(xc, xc));
  const yy = frobeniusSq(crossProduct(yc, yc));
  const xy = frobeniusSq(crossProduct(yc, xc));
  if (!(xx > 0)) throw new Error('X: all columns are constant after centering; CKA is undefined');
  if (!(yy > 0)) throw new Error('Y: all columns are constant after centering; CKA is undefined');
  if (!opts.unbiased) return xy / Math.sqrt(xx * yy);
  const kk = unbiasedLinearHsicCentered(xc, xc, xx);
  const ll = unbiasedLinearHsicCentered(yc, yc, yy);
  if (!(kk > 0)) throw new Error(`X: unbiased HSIC(K, K) = ${kk}; expected > 0 (too few examples for the unbiased estimator)`);
  if (!(ll > 0)) throw new Error(`Y: unbiased HSIC(L, L) = ${ll}; expected > 0 (too few examples for the unbiased estimator)`);
  return unbiasedLinearHsicCentered(xc, yc, xy) / Math.sqrt(kk * ll);
}

export type KnnMetric = 'cosine' | 'euclidean';

/**
 * Indices of the k nearest other examples of every example (row i of the result: k neighbours, nearest first;
 * ties broken by the smaller index). Cosine: largest cosine similarity (rows must be non-zero). Euclidean: smallest
 * distance. O(n² d) time.
 */
export function knnIndices(x: Mat, k: number, metric: KnnMetric = 'cosine'): Int32Array[] {
  checkMat(x, 'X', 2);
  const n = x.rows;
  if (!Number.isInteger(k) || k < 1 || k > n - 1) throw new Error(`k: expected an integer in [1, n−1 = ${n - 1}], got ${k}`);
  if (metric !== 'cosine' && metric !== 'euclidean') throw new Error(`metric: expected 'cosine' or 'euclidean', got ${String(metric)}`);
  const g = gramRows(x);
  const diag = new Float64Array(n);
  for (let i = 0; i < n; i++) diag[i] = g.data[i * n + i];
  if (metric === 'cosine') {
    for (let i = 0; i < n; i++) if (!(diag[i] > 0)) throw new Error(`X: row ${i} is zero; the cosine metric needs non-zero rows`);
  }
  const out: Int32Array[] = [];
  const bestD = new Float64Array(k);
  const bestI = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    let filled = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      // A smaller score is nearer: squared distance, or minus the cosine similarity.
      const score = metric === 'euclidean' ? diag[i] + diag[j] - 2 * g.data[i * n + j] : -g.data[i * n + j] / Math.sqrt(diag[i] * diag[j]);
      if (filled === k && score >= bestD[k - 1]) continue; // ties keep the earlier (smaller) index
      let p = filled < k ? filled++ : k - 1;
      while (p > 0 && bestD[p - 1] > score) {
        bestD[p] = bestD[p - 1];
        bestI[p] = bestI[p - 1];
        p--;
      }
      bestD[p] = score;
      bestI[p] = j;
    }
    out.push(bestI.slice());
  }
  return out;
}

/**
 * Mutual k-NN alignment (Huh et al. 2024): mean_i |N_k^X(i) ∩ N_k^Y(i)| / k ∈ [0, 1]. Huh et al. use k = 10 and
 * cosine neighbourhoods of normalized features. Chance level for unrelated representations is ≈ k/(n−1).
 */
export function mutualKnnAlignment(x: Mat, y: Mat, opts: { k?: number; metric?: KnnMetric } = {}): number {
  checkPair(x, y, 2);
  const k = opts.k ?? 10;
  const nx = knnIndices(x, k, opts.metric ?? 'cosine');
  const ny = knnIndices(y, k, opts.metric ?? 'cosine');
  const n = x.rows;
  const mark = new Int32Array(n).fill(-1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (const j of nx[i]) mark[j] = i;
    let common = 0;
    for (const j of ny[i]) if (mark[j] === i) common++;
    total += common / k;
  }
  return total / n;
}

/**
 * Neural-collapse metrics (Papyan, Han & Donoho 2020, "Prevalence of neural collapse during the terminal phase of
 * deep learning training", PNAS; definitions as in their Figs. 6–9). Inputs: last-layer features h_i (N×d, rows =
 * examples), integer labels y_i ∈ {0, …, C−1}, optionally the linear classifier (W: C×d, b: C) and the network's
 * predicted classes.
 *
 * Notation: μ_c = class means, μ_G = global mean, M = the C×d matrix of centered class means μ_c − μ_G.
 * Papyan et al. train on balanced classes, where the global sample mean equals the mean of the class means; here
 * μ_G = (1/C) Σ_c μ_c, so the centered means always sum to zero and an exact simplex ETF gives exactly −1/(C−1)
 * cosines even for imbalanced classes.
 *
 * - NC1 (within-class variability collapse): (1/C) tr(Σ_W Σ_B^†), Σ_W = (1/N) Σ_i (h_i − μ_{y_i})(h_i − μ_{y_i})ᵀ,
 *   Σ_B = (1/C) Σ_c (μ_c − μ_G)(μ_c − μ_G)ᵀ = MᵀM/C. → 0 under collapse.
 *   Computed in the C-dimensional class-mean space: pinv(MᵀM) = Mᵀ (MMᵀ)^{†2} M (from the SVD), hence
 *   NC1 = tr((MMᵀ)^{†2} · M Σ_W Mᵀ), with the pseudo-inverse from `eigh` of the C×C matrix MMᵀ (eigenvalues below
 *   rcond·λ_max treated as zero; MMᵀ always has the null vector 1 because the centered means sum to zero).
 * - NC2 (convergence to a simplex equiangular tight frame): equinorm = coefficient of variation std/mean of the norms
 *   ‖μ_c − μ_G‖ (population std); equiangularity = the pairwise cosines cos(μ_c − μ_G, μ_c' − μ_G), c ≠ c', whose
 *   mean → −1/(C−1) and std → 0 (Papyan et al. plot Std(cos) and Avg|cos + 1/(C−1)|).
 * - NC3 (self-duality): ‖W/‖W‖_F − M/‖M‖_F‖_F → 0 (rows of W align with the centered class means).
 * - NC4 (simplification to nearest class center): the fraction of examples where argmin_c ‖h_i − μ_c‖ equals the
 *   network's prediction (Papyan et al. plot the mismatch 1 − agreement). Predictions come from `predictions`, or else
 *   from argmax_c (W h_i + b)_c when a classifier is given.
 * Browser-safe.
 */
import { eigh } from '../core/linalg.ts';
import type { Mat } from '../core/mat.ts';
import { checkMat } from './matrix.ts';

export interface SimplexStatistics {
  /** Coefficient of variation (population std / mean) of the vector norms: 0 when equinorm. */
  normCv: number;
  /** Mean of the C(C−1)/2 pairwise cosines. */
  cosineMean: number;
  /** Standard deviation (population) of the pairwise cosines. */
  cosineStd: number;
  /** The simplex-ETF value −1/(C−1). */
  cosineTarget: number;
  /** Mean over pairs of |cos + 1/(C−1)| (Papyan et al.'s equiangularity measure). */
  cosineMeanAbsDeviation: number;
  /** Max over pairs of |cos + 1/(C−1)|. */
  cosineMaxAbsDeviation: number;
}

export interface NeuralCollapseMetrics {
  numClasses: number;
  classCounts: Int32Array;
  /** Uncentered class means μ_c (C×d). */
  classMeans: Mat;
  /** μ_G = mean of the class means. */
  globalMean: Float64Array;
  /** NC1 = tr(Σ_W Σ_B^†)/C. */
  nc1: number;
  /** tr Σ_W and tr Σ_B (their ratio is a cruder, pseudo-inverse-free collapse measure). */
  withinClassTrace: number;
  betweenClassTrace: number;
  /** Numerical rank of Σ_B used in the pseudo-inverse (C−1 for C classes in general position). */
  betweenClassRank: number;
  /** NC2 on the centered class means. */
  nc2: SimplexStatistics;
  /** NC2 statistics of the classifier rows (as Papyan et al. also plot); null without a classifier. */
  nc2Classifier: SimplexStatistics | null;
  /** NC3 = ‖W/‖W‖_F − M/‖M‖_F‖_F; null without a classifier. */
  nc3: number | null;
  /** NC4: agreement of nearest-class-center predictions with the network's; null without predictions or classifier. */
  nc4: number | null;
  /** Accuracy of the nearest-class-center classifier against the labels. */
  nccAccuracy: number;
  /** Accuracy of the network's predictions against the labels; null when unavailable. */
  networkAccuracy: number | null;
}

export interface NeuralCollapseOptions {
  /** Number of classes C (default: max label + 1). Every class must have at least one example. */
  numClasses?: number;
  /** Relative eigenvalue cut-off of the pseudo-inverse (default 1e-10). */
  rcond?: number;
}

/** Statistics of how close the rows of `v` (C×d) are to a simplex ETF (equinorm, cosines −1/(C−1)). */
export function simplexStatistics(v: Mat): SimplexStatistics {
  const C = v.rows;
  const d = v.cols;
  if (C < 2) throw new Error(`classes: need at least 2 rows (classes) for simplex statistics, got ${C}`);
  const norms = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += v.data[c * d + j] ** 2;
    norms[c] = Math.sqrt(s);
  }
  const meanNorm = norms.reduce((s, z) => s + z, 0) / C;
  const varNorm = norms.reduce((s, z) => s + (z - meanNorm) ** 2, 0) / C;
  const target = -1 / (C - 1);
  const cosines: number[] = [];
  for (let a = 0; a < C; a++) {
    for (let b = a + 1; b < C; b++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += v.data[a * d + j] * v.data[b * d + j];
      const den = norms[a] * norms[b];
      cosines.push(den > 0 ? dot / den : Number.NaN);
    }
  }
  const m = cosines.reduce((s, z) => s + z, 0) / cosines.length;
  const sd = Math.sqrt(cosines.reduce((s, z) => s + (z - m) ** 2, 0) / cosines.length);
  let meanDev = 0;
  let maxDev = 0;
  for (const z of cosines) {
    const dev = Math.abs(z - target);
    meanDev += dev;
    if (!(dev <= maxDev)) maxDev = dev; // NaN propagates
  }
  return {
    normCv: meanNorm > 0 ? Math.sqrt(varNorm) / meanNorm : Number.NaN,
    cosineMean: m,
    cosineStd: sd,
    cosineTarget: target,
    cosineMeanAbsDeviation: meanDev / cosines.length,
    cosineMaxAbsDeviation: maxDev,
  };
}

/** Index of the largest entry of data[off .. off+len) (the first on ties). */
function argmax(data: Float64Array, off: number, len: number): number {
  let best = 0;
  for (let c = 1; c < len; c++) if (data[off + c] > data[off + best]) best = c;
  return best;
}

/**
 * All four neural-collapse metrics (Papyan et al. 2020) for one snapshot of the last-layer features.
 * `classifier.W` is C×d (one row per class), `classifier.b` has length C.
 */
export function neuralCollapse(
  features: Mat,
  labels: Int32Array,
  classifier?: { W: Mat; b?: Float64Array },
  predictions?: Int32Array,
  opts: NeuralCollapseOptions = {},
): NeuralCollapseMetrics {
  checkMat(features, 'features', 2);
  const N = features.rows;
  const d = features.cols;
  const h = features.data;
  if (!(labels instanceof Int32Array) || labels.length !== N) {
    throw new Error(`labels: expected an Int32Array of length ${N} (one per feature row), got length ${labels?.length}`);
  }
  let maxLabel = -1;
  for (let i = 0; i < N; i++) {
    if (labels[i] < 0) throw new Error(`labels: entry ${i} is ${labels[i]}, expected a class index ≥ 0`);
    if (labels[i] > maxLabel) maxLabel = labels[i];
  }
  const C = opts.numClasses ?? maxLabel + 1;
  if (!Number.isInteger(C) || C < 2) throw new Error(`numClasses: expected an integer ≥ 2, got ${C}`);
  if (maxLabel >= C) throw new Error(`labels: contains class ${maxLabel}, expected < numClasses = ${C}`);
  const rcond = opts.rcond ?? 1e-10;

  // Class means μ_c and μ_G = mean of class means.
  const counts = new Int32Array(C);
  const means = new Float64Array(C * d);
  for (let i = 0; i < N; i++) {
    const c = labels[i];
    counts[c]++;
    for (let j = 0; j < d; j++) means[c * d + j] += h[i * d + j];
  }
  for (let c = 0; c < C; c++) {
    if (counts[c] === 0) throw new Error(`labels: class ${c} has no examples; every class in 0..${C - 1} needs at least one`);
    for (let j = 0; j < d; j++) means[c * d + j] /= counts[c];
  }
  const mu = new Float64Array(d);
  for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) mu[j] += means[c * d + j] / C;
  const M = new Float64Array(C * d);
  for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) M[c * d + j] = means[c * d + j] - mu[j];

  // Z = R Mᵀ (N×C), with R the within-class residuals; M Σ_W Mᵀ = ZᵀZ/N; tr Σ_W = ‖R‖²/N.
  const msm = new Float64Array(C * C);
  const z = new Float64Array(C);
  let trW = 0;
  const r = new Float64Array(d);
  for (let i = 0; i < N; i++) {
    const yi = labels[i];
    for (let j = 0; j < d; j++) {
      r[j] = h[i * d + j] - means[yi * d + j];
      trW += r[j] * r[j];
    }
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += M[c * d + j] * r[j];
      z[c] = s;
    }
    for (let a = 0; a < C; a++) for (let b = 0; b < C; b++) msm[a * C + b] += z[a] * z[b];
  }
  for (let t = 0; t < C * C; t++) msm[t] /= N;
  trW /= N;

  // G = MMᵀ (C×C); NC1 = tr(G^{†2} · MΣ_WMᵀ) = Σ_k [λ_k > cut] λ_k^{−2} v_kᵀ (MΣ_WMᵀ) v_k.
  const G = new Float64Array(C * C);
  let trB = 0;
  for (let a = 0; a < C; a++) {
    for (let b = a; b < C; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += M[a * d + j] * M[b * d + j];
      G[a * C + b] = s;
      G[b * C + a] = s;
    }
    trB += G[a * C + a] / C;
  }
  const { values, vectors } = eigh({ rows: C, cols: C, data: G });
  const lmax = values[C - 1];
  let nc1 = 0;
  let rank = 0;
  if (lmax > 0) {
    for (let k = 0; k < C; k++) {
      if (!(values[k] > rcond * lmax)) continue;
      rank++;
      let q = 0;
      for (let a = 0; a < C; a++) {
        const va = vectors.data[a * C + k];
        let s = 0;
        for (let b = 0; b < C; b++) s += msm[a * C + b] * vectors.data[b * C + k];
        q += va * s;
      }
      nc1 += q / (values[k] * values[k]);
    }
  } else {
    nc1 = trW > 0 ? Number.POSITIVE_INFINITY : Number.NaN; // all class means coincide: no between-class signal
  }

  const centered: Mat = { rows: C, cols: d, data: M };
  const nc2 = simplexStatistics(centered);

  // Nearest class center (uncentered means; equivalent to centered ones).
  const ncc = new Int32Array(N);
  let nccCorrect = 0;
  for (let i = 0; i < N; i++) {
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (h[i * d + j] - means[c * d + j]) ** 2;
      if (s < bestD) {
        bestD = s;
        best = c;
      }
    }
    ncc[i] = best;
    if (best === labels[i]) nccCorrect++;
  }

  let nc3: number | null = null;
  let nc2Classifier: SimplexStatistics | null = null;
  let preds: Int32Array | null = null;
  if (classifier !== undefined) {
    const W = classifier.W;
    checkMat(W, 'classifier.W');
    if (W.rows !== C || W.cols !== d) throw new Error(`classifier.W: is ${W.rows}×${W.cols}, expected C×d = ${C}×${d}`);
    const b = classifier.b;
    if (b !== undefined && b.length !== C) throw new Error(`classifier.b: has length ${b.length}, expected C = ${C}`);
    let wNorm = 0;
    let mNorm = 0;
    for (let t = 0; t < C * d; t++) {
      wNorm += W.data[t] ** 2;
      mNorm += M[t] ** 2;
    }
    wNorm = Math.sqrt(wNorm);
    mNorm = Math.sqrt(mNorm);
    if (wNorm > 0 && mNorm > 0) {
      let s = 0;
      for (let t = 0; t < C * d; t++) s += (W.data[t] / wNorm - M[t] / mNorm) ** 2;
      nc3 = Math.sqrt(s);
    } else {
      nc3 = Number.NaN;
    }
    nc2Classifier = simplexStatistics(W);
    if (predictions === undefined) {
      preds = new Int32Array(N);
      const logits = new Float64Array(C);
      for (let i = 0; i < N; i++) {
        for (let c = 0; c < C; c++) {
          let s = b === undefined ? 0 : b[c];
          for (let j = 0; j < d; j++) s += W.data[c * d + j] * h[i * d + j];
          logits[c] = s;
        }
        preds[i] = argmax(logits, 0, C);
      }
    }
  }
  if (predictions !== undefined) {
    if (!(predictions instanceof Int32Array) || predictions.length !== N) {
      throw new Error(`predictions: expected an Int32Array of length ${N}, got length ${predictions?.length}`);
    }
    preds = predictions;
  }
  let nc4: number | null = null;
  let networkAccuracy: number | null = null;
  if (preds !== null) {
    let agree = 0;
    let correct = 0;
    for (let i = 0; i < N; i++) {
      if (preds[i] === ncc[i]) agree++;
      if (preds[i] === labels[i]) correct++;
    }
    nc4 = agree / N;
    networkAccuracy = correct / N;
  }

  return {
    numClasses: C,
    classCounts: counts,
    classMeans: { rows: C, cols: d, data: means },
    globalMean: mu,
    nc1,
    withinClassTrace: trW,
    betweenClassTrace: trB,
    betweenClassRank: rank,
    nc2,
    nc2Classifier,
    nc3,
    nc4,
    nccAccuracy: nccCorrect / N,
    networkAccuracy,
  };
}

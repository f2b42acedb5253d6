/**
 * Scalar "how many dimensions" summaries of a matrix spectrum (catalog study 32's update stable rank; representation
 * dimensionality; WeightWatcher-style layer summaries). Browser-safe.
 *
 * - Stable rank ‖W‖²_F / ‖W‖²₂ = Σσ_i² / σ_1² (Rudelson & Vershynin 2007): ≤ rank(W), insensitive to tiny σ_i.
 * - Effective rank (Roy & Vetterli 2007, "The effective rank: a measure of effective dimensionality", EUSIPCO):
 *   exp(H(p)) with p_i = σ_i / Σ_j σ_j (singular values normalised by their L1 norm) and H the Shannon entropy
 *   (natural log). Equals r for r equal non-zero singular values.
 * - Participation ratio (Σλ_i)² / Σλ_i² of the eigenvalues λ_i = σ_i² of WᵀW (for a centered representation matrix,
 *   the covariance eigenvalues; Gao et al. 2017; Recanatesi et al. 2019). Equals r for r equal eigenvalues.
 * All three equal r for a matrix with r equal non-zero singular values and are invariant to scaling and to
 * orthogonal transforms on either side.
 */
import type { Mat } from '../core/mat.ts';
import { checkMat, squaredSingularValues } from './matrix.ts';

function checkSpectrum(v: ArrayLike<number>, field: string): void {
  if (v === null || v === undefined || typeof v.length !== 'number' || v.length === 0) {
    throw new Error(`${field}: expected a non-empty array of numbers, got ${String(v)}`);
  }
  for (let i = 0; i < v.length; i++) {
    if (!(v[i] >= 0) || !Number.isFinite(v[i])) throw new Error(`${field}: entry ${i} is ${v[i]}, expected a non-negative finite number`);
  }
}

/** Σσ_i² / max σ_i² from singular values (any order). 0 for the zero matrix. */
export function stableRankFromSingularValues(s: ArrayLike<number>): number {
  checkSpectrum(s, 'singularValues');
  let sum = 0;
  let max = 0;
  for (let i = 0; i < s.length; i++) {
    sum += s[i] * s[i];
    max = Math.max(max, s[i] * s[i]);
  }
  return max > 0 ? sum / max : 0;
}

/** exp(−Σ p_i ln p_i), p_i = σ_i/Σσ_j (Roy & Vetterli 2007). 0 for the zero matrix. */
export function effectiveRankFromSingularValues(s: ArrayLike<number>): number {
  checkSpectrum(s, 'singularValues');
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i];
  if (!(sum > 0)) return 0;
  let h = 0;
  for (let i = 0; i < s.length; i++) {
    const p = s[i] / sum;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}

/** (Σλ_i)² / Σλ_i² of non-negative eigenvalues λ_i (e.g. covariance eigenvalues, or σ_i²). 0 if all are zero. */
export function participationRatioFromEigenvalues(lambda: ArrayLike<number>): number {
  checkSpectrum(lambda, 'eigenvalues');
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < lambda.length; i++) {
    s1 += lambda[i];
    s2 += lambda[i] * lambda[i];
  }
  return s2 > 0 ? (s1 * s1) / s2 : 0;
}

/** Number of singular values above tol·σ_max (numpy's matrix_rank uses tol = max(rows, cols)·ε). */
export function numericalRankFromSingularValues(s: ArrayLike<number>, tol: number): number {
  checkSpectrum(s, 'singularValues');
  let max = 0;
  for (let i = 0; i < s.length; i++) max = Math.max(max, s[i]);
  let r = 0;
  for (let i = 0; i < s.length; i++) if (s[i] > tol * max) r++;
  return max > 0 ? r : 0;
}

export interface RankMeasures {
  /** Singular values, descending (min(rows, cols) of them). */
  singularValues: Float64Array;
  stableRank: number;
  effectiveRank: number;
  /** Of the eigenvalues σ_i² (W is not centered here; center a representation matrix first if that is meant). */
  participationRatio: number;
  numericalRank: number;
}

/** Singular values of W, descending: √ of the eigenvalues of the smaller Gram matrix (see matrix.ts). */
export function singularValuesOf(w: Mat): Float64Array {
  checkMat(w, 'W');
  return squaredSingularValues(w).map(Math.sqrt);
}

/**
 * All rank measures from singular values (any order; returned sorted descending). `maxDim` = max(rows, cols) sets
 * the numerical-rank tolerance max(maxDim·ε, 1e-7) relative to σ_max; the 1e-7 floor reflects singular values
 * computed through a Gram matrix, whose σ² carry absolute error ~ε·σ²_max (so σ below ~1e-8·σ_max is noise).
 */
export function rankMeasuresFromSingularValues(singularValues: ArrayLike<number>, maxDim = singularValues.length): RankMeasures {
  checkSpectrum(singularValues, 'singularValues');
  const s = Float64Array.from(singularValues).sort().reverse();
  const sq = s.map((v) => v * v);
  const tol = Math.max(maxDim * 2.220446049250313e-16, 1e-7);
  return {
    singularValues: s,
    stableRank: stableRankFromSingularValues(s),
    effectiveRank: effectiveRankFromSingularValues(s),
    participationRatio: participationRatioFromEigenvalues(sq),
    numericalRank: numericalRankFromSingularValues(s, tol),
  };
}

/** All rank measures of a matrix. */
export function rankMeasures(w: Mat): RankMeasures {
  return rankMeasuresFromSingularValues(singularValuesOf(w), Math.max(w.rows, w.cols));
}

/** ‖W‖²_F / ‖W‖²₂. */
export function stableRank(w: Mat): number {
  return stableRankFromSingularValues(singularValuesOf(w));
}

/** Roy & Vetterli effective rank of W. */
export function effectiveRank(w: Mat): number {
  return effectiveRankFromSingularValues(singularValuesOf(w));
}

/** Participation ratio of the eigenvalues σ_i² of WᵀW. */
export function participationRatio(w: Mat): number {
  checkMat(w, 'W');
  return participationRatioFromEigenvalues(squaredSingularValues(w));
}

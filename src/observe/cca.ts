/**
 * CCA-based representation similarity (catalog study 27 asks for it next to linear CKA and mutual k-NN).
 *
 * - Canonical correlations (Hotelling 1936) between the column spaces of two centered representations X (n×d₁) and
 *   Y (n×d₂) of the same n examples: ρ_i = singular values of Σ_xx^{−1/2} Σ_xy Σ_yy^{−1/2}. Equivalently, with Q_x, Q_y
 *   orthonormal bases of the centered column spaces, ρ_i = σ_i(Q_xᵀ Q_y), the cosines of the principal angles between
 *   the two subspaces (Björck & Golub 1973), which is how they are computed here (no covariance inverse). Invariant to
 *   any invertible linear map of either representation. Caveat: with d ≳ n/2 canonical correlations are inflated
 *   towards 1 by finite samples (the subspaces of R^n must intersect once d₁ + d₂ > n), so compare wide layers only
 *   after a reduction.
 * - SVCCA (Raghu, Gilmer, Yosinski & Sohl-Dickstein 2017, "SVCCA: Singular vector canonical correlation analysis for
 *   deep learning dynamics and interpretability"): keep the top-k singular directions of each centered
 *   representation (here a fixed k, so layers of different widths are compared at equal dimension; Raghu et al. keep
 *   99% of the variance), then the similarity is the mean of the k canonical correlations, in [0, 1].
 * - The top-k subspace comes from randomized subspace iteration (Halko, Martinsson & Tropp 2011, "Finding structure
 *   with randomness", Alg. 4.4), accurate when there is a gap after the k-th singular value; with q power
 *   iterations the error decays like (σ_{k+p+1}/σ_k)^{2q+1}.
 * Browser-safe.
 */
import { eigh, eigvalsh } from '../core/linalg.ts';
import type { Mat } from '../core/mat.ts';
import type { Rng } from '../core/random.ts';
import { centerColumns, checkMat, crossProduct } from './matrix.ts';

/**
 * Orthonormal basis (n×r) of the column space of x, by modified Gram–Schmidt with a second orthogonalisation pass
 * ("twice is enough", Giraud, Langou & Rozložník 2005). Columns whose residual falls below `rtol` times the largest
 * column norm are dropped, so r is the numerical rank.
 */
export function orthonormalColumnBasis(x: Mat, rtol = 1e-10): Mat {
  checkMat(x, 'X');
  const { rows: n, cols: d } = x;
  let maxNorm = 0;
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x.data[i * d + j] ** 2;
    maxNorm = Math.max(maxNorm, Math.sqrt(s));
  }
  const basis: Float64Array[] = [];
  const v = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) v[i] = x.data[i * d + j];
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= dot * q[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    if (!(norm > rtol * maxNorm) || basis.length >= n) continue;
    basis.push(v.map((t) => t / norm));
  }
  const r = basis.length;
  const out = new Float64Array(n * r);
  for (let c = 0; c < r; c++) for (let i = 0; i < n; i++) out[i * r + c] = basis[c][i];
  return { rows: n, cols: r, data: out };
}

/** Singular values (descending) of the small matrix M (p×q), from the eigenvalues of the smaller Gram matrix. */
function smallSingularValues(m: Mat): Float64Array {
  let g: Mat;
  if (m.cols <= m.rows) g = crossProduct(m, m);
  else {
    const mt: Mat = { rows: m.cols, cols: m.rows, data: transposeData(m) };
    g = crossProduct(mt, mt); // M Mᵀ
  }
  const ev = eigvalsh(g);
  const k = ev.length;
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) out[i] = Math.min(1, Math.sqrt(Math.max(0, ev[k - 1 - i])));
  return out;
}

function transposeData(m: Mat): Float64Array {
  const out = new Float64Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j * m.rows + i] = m.data[i * m.cols + j];
  return out;
}

export interface CanonicalCorrelationOptions {
  /** Center the columns first (default true; CCA is defined on centered data). */
  center?: boolean;
  /** Relative rank cut-off of the orthonormal bases (default 1e-10). */
  rtol?: number;
}

/**
 * Canonical correlations between X (n×d₁) and Y (n×d₂), descending, min(rank X, rank Y) of them, each in [0, 1].
 * Cost O(n(d₁² + d₂²)) plus an eigen-decomposition of a min(d₁, d₂)-square matrix: meant for tens of columns (reduce
 * wider layers with `principalSubspace` first, as `svcca` does).
 */
export function canonicalCorrelations(x: Mat, y: Mat, opts: CanonicalCorrelationOptions = {}): Float64Array {
  checkMat(x, 'X', 2);
  checkMat(y, 'Y', 2);
  if (x.rows !== y.rows) throw new Error(`Y: has ${y.rows} rows (examples), expected the same as X (${x.rows})`);
  const center = opts.center ?? true;
  const qx = orthonormalColumnBasis(center ? centerColumns(x) : x, opts.rtol);
  const qy = orthonormalColumnBasis(center ? centerColumns(y) : y, opts.rtol);
  if (qx.cols === 0) throw new Error('X: has no variation (all columns are constant after centering)');
  if (qy.cols === 0) throw new Error('Y: has no variation (all columns are constant after centering)');
  return smallSingularValues(crossProduct(qx, qy));
}

export interface PrincipalSubspaceOptions {
  /** Extra random directions beyond k (default 10). */
  oversample?: number;
  /** Power (subspace) iterations (default 4). */
  powerIterations?: number;
  /** Center the columns first (default true). */
  center?: boolean;
}

/**
 * Orthonormal n×k basis of the span of the top-k principal-component scores of X (the top-k left singular vectors
 * of the centered X), by randomized subspace iteration (Halko et al. 2011, Alg. 4.4). k is capped at the numerical
 * rank of X.
 */
export function principalSubspace(x: Mat, k: number, rng: Rng, opts: PrincipalSubspaceOptions = {}): Mat {
  checkMat(x, 'X', 2);
  if (!Number.isInteger(k) || k < 1) throw new Error(`k: expected a positive integer number of directions, got ${k}`);
  const oversample = opts.oversample ?? 10;
  const q = opts.powerIterations ?? 4;
  if (!Number.isInteger(oversample) || oversample < 0) throw new Error(`oversample: expected a non-negative integer, got ${oversample}`);
  if (!Number.isInteger(q) || q < 0) throw new Error(`powerIterations: expected a non-negative integer, got ${q}`);
  const xc = opts.center ?? true ? centerColumns(x) : x;
  const { rows: n, cols: d } = xc;
  const xt: Mat = { rows: d, cols: n, data: transposeData(xc) };
  const l = Math.min(k + oversample, d, n);
  const omega = new Float64Array(d * l);
  rng.fillNormal(omega);
  // Y = X Ω, then alternate Q = orth(X orth(Xᵀ Q)).
  let basis = orthonormalColumnBasis(crossProduct(xt, { rows: d, cols: l, data: omega }));
  for (let it = 0; it < q && basis.cols > 0; it++) {
    const z = orthonormalColumnBasis(crossProduct(xc, basis)); // d × r: orth(Xᵀ Q)
    if (z.cols === 0) break;
    basis = orthonormalColumnBasis(crossProduct(xt, z)); // n × r: orth(X Z)
  }
  const r = basis.cols;
  if (r === 0) throw new Error('X: has no variation (all columns are constant after centering)');
  // B = Qᵀ X (r×d); the top-k eigenvectors of B Bᵀ rotate Q onto the leading left singular vectors.
  const b = crossProduct(basis, xc);
  const bt: Mat = { rows: d, cols: r, data: transposeData(b) };
  const { values, vectors } = eigh(crossProduct(bt, bt));
  let kk = 0;
  while (kk < Math.min(k, r) && values[r - 1 - kk] > 1e-20 * values[r - 1]) kk++;
  const out = new Float64Array(n * kk);
  for (let c = 0; c < kk; c++) {
    const src = r - 1 - c; // eigh sorts ascending
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = 0; t < r; t++) s += basis.data[i * r + t] * vectors.data[t * r + src];
      out[i * kk + c] = s;
    }
  }
  return { rows: n, cols: kk, data: out };
}

export interface SvccaResult {
  /** Mean canonical correlation of the reduced representations, in [0, 1]. */
  similarity: number;
  /** The canonical correlations, descending. */
  correlations: Float64Array;
  /** Directions kept for X and Y (k, capped by each numerical rank). */
  dims: [number, number];
}

/**
 * SVCCA similarity (Raghu et al. 2017) with a fixed number of kept directions `dims` per representation: the mean of
 * the canonical correlations between the top-`dims` principal subspaces of the centered X and Y.
 */
export function svcca(x: Mat, y: Mat, opts: { dims: number; rng: Rng } & PrincipalSubspaceOptions): SvccaResult {
  checkMat(x, 'X', 2);
  checkMat(y, 'Y', 2);
  if (x.rows !== y.rows) throw new Error(`Y: has ${y.rows} rows (examples), expected the same as X (${x.rows})`);
  const ux = principalSubspace(x, opts.dims, opts.rng.child('svcca-x'), opts);
  const uy = principalSubspace(y, opts.dims, opts.rng.child('svcca-y'), opts);
  const rho = canonicalCorrelations(ux, uy, { center: false });
  let s = 0;
  for (const v of rho) s += v;
  return { similarity: s / rho.length, correlations: rho, dims: [ux.cols, uy.cols] };
}

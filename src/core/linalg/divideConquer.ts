/**
 * Symmetric tridiagonal eigensolver by divide and conquer (Cuppen 1981, Numer. Math. 36; Golub & Van
 * Loan, *Matrix Computations*, 4th ed., §8.4.4), with the deflation rules of LAPACK dlaed2 (Dongarra &
 * Sorensen 1987) and Gu & Eisenstat's (1995, SIAM J. Matrix Anal. Appl. 16) recomputation of the
 * rank-one vector, which makes the eigenvectors numerically orthogonal without extra precision.
 *
 * T = diag(T₁, T₂) + ρ u uᵀ with u = e_{n₁} ± e_{n₁+1}. With T_i = Q_i D_i Q_iᵀ solved recursively,
 * T = Q̂ (D + ρ z zᵀ) Q̂ᵀ with Q̂ = diag(Q₁, Q₂), z = Q̂ᵀu; the eigenvalues of D + ρ z zᵀ are the roots of
 * the secular equation f(λ) = 1 + ρ Σ_j z_j²/(d_j − λ) = 0 (GVL Eq. 8.4.?), interlacing the d_j, and
 * its eigenvectors are ∝ (D − λI)⁻¹ z. The merged eigenvector matrix is Q̂ times that k×k matrix — a
 * GEMM, which is where the time goes. All transformations are orthogonal and every dropped quantity
 * is below c·ε·‖T‖, so the result is backward stable like QR (GVL §8.4.4).
 */
import { kernels } from '../kernels.ts';
import { gemmView } from './dense.ts';
import { argsortAscending, hypot2, tridiagonalQL } from './tridiagonal.ts';

const EPS = 2.220446049250313e-16;
/** Secular systems at least this large go to a backend's `secular` kernels (≥ k² divisions each, far above a call's cost). */
const SECULAR_NATIVE_MIN = 16;
/** Subproblems up to this size are solved by implicit QL (as LAPACK's SMLSIZ = 25). */
const LEAF = 32;

export interface TridiagonalEigen {
  /** Ascending eigenvalues. */
  values: Float64Array;
  /** n×n row-major; row i is the unit eigenvector of values[i]. */
  vt: Float64Array;
}

/** Eigen-decomposition of the symmetric tridiagonal (d, e) (e[i] couples i and i+1; e[n−1] ignored). */
export function tridiagonalEigDC(d0: Float64Array, e0: Float64Array): TridiagonalEigen {
  const n = d0.length;
  const vt = new Float64Array(n * n);
  let scale = 0;
  for (let i = 0; i < n; i++) {
    scale = Math.max(scale, Math.abs(d0[i]));
    if (i < n - 1) scale = Math.max(scale, Math.abs(e0[i]));
  }
  if (scale === 0) {
    for (let i = 0; i < n; i++) vt[i * n + i] = 1;
    return { values: new Float64Array(n), vt };
  }
  // Work on T/‖T‖_max (as LAPACK dstedc) so that no intermediate over- or underflows.
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    d[i] = d0[i] / scale;
    if (i < n - 1) e[i] = e0[i] / scale;
  }
  // Split into unreduced blocks where |e_i| ≤ ε·sqrt(|d_i d_{i+1}|) (dstedc's test; a perturbation of at most ε‖T‖).
  const values = new Float64Array(n);
  const ws = new MergeScratch(n);
  let lo = 0;
  for (let i = 0; i < n; i++) {
    const end = i === n - 1 || Math.abs(e[i]) <= EPS * Math.sqrt(Math.abs(d[i])) * Math.sqrt(Math.abs(d[i + 1]));
    if (!end) continue;
    const hi = i + 1;
    const m = hi - lo;
    const r = solve(d, e, lo, hi, ws);
    if (m === n) {
      // one unreduced block: its result is the answer (no second n² array)
      for (let a = 0; a < n; a++) r.values[a] *= scale;
      return r;
    }
    for (let a = 0; a < m; a++) {
      values[lo + a] = r.values[a] * scale;
      vt.set(r.vt.subarray(a * m, a * m + m), (lo + a) * n + lo);
    }
    lo = hi;
  }
  // blocks are individually sorted; sort globally (rows follow their values)
  const order = argsortAscending(values);
  let sorted = true;
  for (let i = 0; i < n; i++) if (order[i] !== i) sorted = false;
  if (sorted) return { values, vt };
  const v2 = new Float64Array(n);
  const t2 = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    v2[i] = values[order[i]];
    t2.set(vt.subarray(order[i] * n, order[i] * n + n), i * n);
  }
  return { values: v2, vt: t2 };
}

/**
 * Temporaries of `merge` (Q̂ᵀ and the two GEMM operands), reused from one merge to the next of one
 * `tridiagonalEigDC` call: merges run one at a time (children finish first), and a fresh m² array pays a page
 * fault per 4 KiB page on first touch. Each slot is allocated once at the largest size a merge of an n-row block
 * can ask for, rather than grown merge by merge (which would touch 4/3 of that memory): pages that no merge
 * writes are never touched, so reserving them costs nothing.
 */
class MergeScratch {
  private bufs: Float64Array[];
  constructor(n: number) {
    const n2 = n - (n >> 1);
    // Q̂ᵀ (m²); Uᵀ on the selected columns (ns·k ≤ m²); the selected rows of Q̂ᵀ (ns·cols ≤ m·n₂)
    const sizes = n > LEAF ? [n * n, n * n, n * n2] : [0, 0, 0];
    this.bufs = sizes.map((len) => new Float64Array(len));
  }
  /** Slot `i` as an array of exactly `len` elements, holding whatever the last merge left: the caller writes it all. */
  slot(i: number, len: number): Float64Array {
    if (this.bufs[i].length < len) this.bufs[i] = new Float64Array(len);
    return this.bufs[i].subarray(0, len);
  }
}

function solve(d: Float64Array, e: Float64Array, lo: number, hi: number, ws: MergeScratch): TridiagonalEigen {
  const m = hi - lo;
  if (m <= LEAF) return leaf(d, e, lo, hi);
  const n1 = m >> 1;
  const mid = lo + n1;
  // T = diag(T₁ − ρ e_last e_lastᵀ, T₂ − ρ e₁e₁ᵀ) + ρ u uᵀ, u = [e_last; σ e₁], ρ = |β|, σ = sign β
  const beta = e[mid - 1];
  const rho = Math.abs(beta);
  const sigma = beta >= 0 ? 1 : -1;
  d[mid - 1] -= rho;
  d[mid] -= rho;
  const left = solve(d, e, lo, mid, ws);
  const right = solve(d, e, mid, hi, ws);
  return merge(left, right, n1, m - n1, rho, sigma, ws);
}

function leaf(d: Float64Array, e: Float64Array, lo: number, hi: number): TridiagonalEigen {
  const m = hi - lo;
  const dd = d.slice(lo, hi);
  const ee = new Float64Array(m);
  for (let i = 0; i < m - 1; i++) ee[i] = e[lo + i];
  const zt = new Float64Array(m * m);
  for (let i = 0; i < m; i++) zt[i * m + i] = 1;
  tridiagonalQL(dd, ee, zt, m);
  const order = argsortAscending(dd);
  const values = new Float64Array(m);
  const vt = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    values[i] = dd[order[i]];
    vt.set(zt.subarray(order[i] * m, order[i] * m + m), i * m);
  }
  return { values, vt };
}

/** Column types of Q̂ (LAPACK dlaed2): nonzero only in the top block, dense, only in the bottom block. */
const TOP = 1;
const DENSE = 2;
const BOTTOM = 3;

/** The merged problem before deflation: poles D, unit z, rows of Q̂ᵀ (full length), column types, ascending order of D. */
function mergeSetup(left: TridiagonalEigen, right: TridiagonalEigen, n1: number, n2: number, sigma: number, ws: MergeScratch) {
  const m = n1 + n2;
  const D = new Float64Array(m);
  D.set(left.values);
  D.set(right.values, n1);
  // z = Q̂ᵀ u / √2 (unit norm), ρ ← 2ρ
  const z = new Float64Array(m);
  const s2 = Math.SQRT1_2;
  for (let c = 0; c < n1; c++) z[c] = left.vt[c * n1 + n1 - 1] * s2;
  for (let c = 0; c < n2; c++) z[n1 + c] = sigma * right.vt[c * n2] * s2;
  // rows of Q̂ᵀ (columns of Q̂) as full-length vectors
  // (block diagonal: each row is its child's eigenvector and zeros in the other child's columns)
  const qh = ws.slot(0, m * m);
  for (let c = 0; c < n1; c++) {
    qh.set(left.vt.subarray(c * n1, c * n1 + n1), c * m);
    qh.fill(0, c * m + n1, (c + 1) * m);
  }
  for (let c = 0; c < n2; c++) {
    qh.fill(0, (n1 + c) * m, (n1 + c) * m + n1);
    qh.set(right.vt.subarray(c * n2, c * n2 + n2), (n1 + c) * m + n1);
  }
  const type = new Int8Array(m);
  for (let c = 0; c < m; c++) type[c] = c < n1 ? TOP : BOTTOM;
  // ascending order of D (merge of two sorted lists)
  const perm = new Int32Array(m);
  {
    let a = 0;
    let b = n1;
    for (let t = 0; t < m; t++) perm[t] = b >= m || (a < n1 && D[a] <= D[b]) ? a++ : b++;
  }
  return { D, z, qh, type, perm };
}

/**
 * Deflation (dlaed2): splits the columns into non-deflated (nd, ascending D) and deflated ones (defl), rotating
 * close poles together; updates D, z, qh and type in place.
 */
function deflate(D: Float64Array, z: Float64Array, qh: Float64Array, type: Int8Array, perm: Int32Array, r: number): { nd: number[]; defl: number[] } {
  const m = D.length;
  let zmax = 0;
  let dmax = 0;
  for (let c = 0; c < m; c++) {
    zmax = Math.max(zmax, Math.abs(z[c]));
    dmax = Math.max(dmax, Math.abs(D[c]));
  }
  const tol = 8 * EPS * Math.max(dmax, zmax);
  const nd: number[] = []; // non-deflated, ascending D
  const defl: number[] = [];
  if (r * zmax <= tol) {
    for (let t = 0; t < m; t++) defl.push(perm[t]);
  } else {
    let pj = -1;
    for (let t = 0; t < m; t++) {
      const nj = perm[t];
      if (r * Math.abs(z[nj]) <= tol) {
        // tiny z component: (d_j, q̂_j) is already an eigenpair up to tol
        defl.push(nj);
        continue;
      }
      if (pj < 0) {
        pj = nj;
        continue;
      }
      // close poles: a rotation zeroes z_pj; the off-diagonal it creates is |(d_nj − d_pj) c s| ≤ tol
      let s = z[pj];
      let c = z[nj];
      const tau = hypot2(c, s);
      const tt = D[nj] - D[pj];
      c /= tau;
      s = -s / tau;
      if (Math.abs(tt * c * s) <= tol) {
        z[nj] = tau;
        z[pj] = 0;
        const rp = pj * m;
        const rn = nj * m;
        for (let i = 0; i < m; i++) {
          const x = qh[rp + i];
          const y = qh[rn + i];
          qh[rp + i] = c * x + s * y;
          qh[rn + i] = c * y - s * x;
        }
        if (type[pj] !== type[nj]) type[nj] = DENSE;
        const t2 = D[pj] * c * c + D[nj] * s * s;
        D[nj] = D[pj] * s * s + D[nj] * c * c;
        D[pj] = t2;
        defl.push(pj);
        pj = nj;
      } else {
        nd.push(pj);
        pj = nj;
      }
    }
    if (pj >= 0) nd.push(pj);
  }
  return { nd, defl };
}

/**
 * Eigenpairs of the non-deflated part: returns the secular roots λ and writes the new eigenvector rows into rows
 * 0..k of `out` (m × m), their columns 0..n₁ and n₁..m by one product each.
 */
function secularPairs(D: Float64Array, z: Float64Array, qh: Float64Array, type: Int8Array, nd: readonly number[], r: number, n1: number, ws: MergeScratch, out: Float64Array): Float64Array {
  const m = D.length;
  const k = nd.length;
  const lambda = new Float64Array(k);
  if (k > 0) {
    const dl = new Float64Array(k);
    const zl = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      dl[i] = D[nd[i]];
      zl[i] = z[nd[i]];
    }
    const org = new Int32Array(k);
    const tau = new Float64Array(k);
    const zh = new Float64Array(k);
    const pole = new Float64Array(k);
    const inv = new Float64Array(k);
    const K = kernels();
    // (k > 0 implies a finite r > 0 here: T is scaled to ‖T‖_max = 1 and an r·‖z‖ below the tolerance deflates all)
    if (K.secular && k >= SECULAR_NATIVE_MIN && r > 0 && r < Number.POSITIVE_INFINITY) K.secular(dl, zl, r, org, tau, zh, pole, inv);
    else secularSystem(dl, zl, r, org, tau, zh, pole, inv);
    for (let i = 0; i < k; i++) lambda[i] = dl[org[i]] + tau[i];
    // new eigenvector rows = Uᵀ · (selected rows of Q̂ᵀ), split by column type so that the zero
    // blocks of Q̂ are skipped (top columns 0..n₁ use TOP/DENSE rows, bottom ones DENSE/BOTTOM rows)
    for (const part of [0, 1]) {
      const sel: number[] = [];
      for (let j = 0; j < k; j++) {
        const ty = type[nd[j]];
        if (part === 0 ? ty !== BOTTOM : ty !== TOP) sel.push(j);
      }
      const cols = part === 0 ? n1 : m - n1;
      const c0 = part === 0 ? 0 : n1;
      const ns = sel.length;
      if (ns === 0) {
        for (let i = 0; i < k; i++) out.fill(0, i * m + c0, i * m + c0 + cols); // that half of the new rows is zero
        continue;
      }
      // a = Uᵀ restricted to the selected columns, stored transposed (ns × k) for a copy-only pack
      const a = ws.slot(1, ns * k);
      if (K.secularColumns && k >= SECULAR_NATIVE_MIN) K.secularColumns(Int32Array.from(sel), ns, dl, zh, pole, tau, inv, a);
      else for (let t = 0; t < ns; t++) secularColumn(sel[t], dl, zh, pole, tau, inv, a, t * k);
      const b = ws.slot(2, ns * cols);
      for (let t = 0; t < ns; t++) b.set(qh.subarray(nd[sel[t]] * m + c0, nd[sel[t]] * m + c0 + cols), t * cols);
      gemmView(k, cols, ns, 1, { data: a, off: 0, rs: 1, cs: k }, { data: b, off: 0, rs: cols, cs: 1 }, { data: out, off: c0, rs: m }, false);
    }
  }
  return lambda;
}

/**
 * The secular system of one merge (k = dl.length): roots λ_i = dl[org[i]] + tau[i] (`secularRoot`), Gu–Eisenstat's ẑ
 * for which the computed λ are exact eigenvalues (Löwner's formula)
 *   ẑ_j² = (λ_{k−1} − d_j)/ρ · Π_{i<j} (λ_i − d_j)/(d_i − d_j) · Π_{j≤i<k−1} (λ_i − d_j)/(d_{i+1} − d_j),
 * pole[i] = dl[org[i]] and inv[i] = 1/‖u_i‖ (`secularNorms`). A backend's `secular` does the same bit for bit.
 */
function secularSystem(dl: Float64Array, zl: Float64Array, r: number, org: Int32Array, tau: Float64Array, zh: Float64Array, pole: Float64Array, inv: Float64Array): void {
  const k = dl.length;
  for (let i = 0; i < k; i++) secularRoot(i, dl, zl, r, org, tau);
  for (let j = 0; j < k; j++) {
    const dj = dl[j];
    let p = (dl[org[k - 1]] - dj + tau[k - 1]) / r;
    for (let i = 0; i < j; i++) p *= (dl[org[i]] - dj + tau[i]) / (dl[i] - dj);
    for (let i = j; i < k - 1; i++) p *= (dl[org[i]] - dj + tau[i]) / (dl[i + 1] - dj);
    zh[j] = (zl[j] >= 0 ? 1 : -1) * Math.sqrt(Math.max(p, 0));
  }
  for (let i = 0; i < k; i++) pole[i] = dl[org[i]];
  secularNorms(dl, zh, pole, tau, inv);
}

/**
 * 1/‖u_i‖ for the unnormalized secular eigenvectors u_i[j] = ẑ_j / ((d_j − pole_i) − τ_i), i < k (k² divisions, no
 * k×k array: the entries are recomputed, bit for bit, by `secularColumn`).
 */
function secularNorms(dl: Float64Array, zh: Float64Array, pole: Float64Array, tau: Float64Array, inv: Float64Array): void {
  const k = dl.length;
  for (let i = 0; i < k; i++) {
    const o = pole[i];
    const ti = tau[i];
    let s = 0;
    for (let j = 0; j < k; j++) {
      const x = zh[j] / (dl[j] - o - ti);
      s += x * x;
    }
    inv[i] = 1 / Math.sqrt(s);
  }
}

/** out[off + i] = U[j][i] = the j-th entry of the i-th unit secular eigenvector, for i < k (one contiguous row of Uᵀ). */
function secularColumn(j: number, dl: Float64Array, zh: Float64Array, pole: Float64Array, tau: Float64Array, inv: Float64Array, out: Float64Array, off: number): void {
  const k = dl.length;
  const z = zh[j];
  const d = dl[j];
  for (let i = 0; i < k; i++) out[off + i] = (z / (d - pole[i] - tau[i])) * inv[i];
}

function merge(left: TridiagonalEigen, right: TridiagonalEigen, n1: number, n2: number, rho: number, sigma: number, ws: MergeScratch): TridiagonalEigen {
  const m = n1 + n2;
  const { D, z, qh, type, perm } = mergeSetup(left, right, n1, n2, sigma, ws);
  const r = 2 * rho; // z has unit norm (see mergeSetup), so ρ doubles
  const { nd, defl } = deflate(D, z, qh, type, perm, r);
  const k = nd.length;
  // the new secular rows land in rows 0..k of the result (no separate k×m array), then move to their sorted places
  const vt = new Float64Array(m * m);
  const lambda = secularPairs(D, z, qh, type, nd, r, n1, ws, vt);
  // merge the secular eigenpairs (ascending) with the deflated ones (sorted here)
  defl.sort((x, y) => D[x] - D[y]);
  const values = new Float64Array(m);
  const place = new Int32Array(k); // sorted position of secular row a (increasing, ≥ a)
  let a = 0;
  let b = 0;
  for (let t = 0; t < m; t++) {
    if (b >= defl.length || (a < k && lambda[a] <= D[defl[b]])) {
      values[t] = lambda[a];
      place[a] = t;
      a++;
    } else {
      values[t] = D[defl[b]];
      b++;
    }
  }
  // last row first: place[a] ≥ a and increasing, so every row is read before anything overwrites it
  for (let q = k - 1; q >= 0; q--) if (place[q] !== q) vt.copyWithin(place[q] * m, q * m, q * m + m);
  b = 0;
  a = 0;
  for (let t = 0; t < m; t++) {
    if (a < k && place[a] === t) {
      a++;
      continue;
    }
    vt.set(qh.subarray(defl[b] * m, defl[b] * m + m), t * m);
    b++;
  }
  return { values, vt };
}

/**
 * The i-th root of f(λ) = 1 + ρ Σ_j z_j²/(d_j − λ) (d ascending, distinct, z_j ≠ 0, ρ > 0), found in
 * (d_i, d_{i+1}) — or (d_{k−1}, d_{k−1} + ρ‖z‖²] for the last — and returned as λ = d_org + τ with org
 * the nearer pole, so that every difference d_j − λ = (d_j − d_org) − τ is computed to high relative
 * accuracy (needed by Gu–Eisenstat). Iteration: the rational model of Bunch, Nielsen & Sorensen (1978)
 * / LAPACK dlaed4 — ψ (poles left of the root) and φ (poles right of it) are each replaced by
 * a + b/(p − λ) matching value and slope at the current iterate, with p the nearest pole on that side —
 * whose root solves a quadratic; bisection on a maintained bracket safeguards every step.
 */
function secularRoot(i: number, dl: Float64Array, zl: Float64Array, rho: number, org: Int32Array, tauOut: Float64Array): void {
  const k = dl.length;
  const last = i === k - 1;
  let o: number;
  let lo: number;
  let hi: number;
  if (!last) {
    const half = (dl[i + 1] - dl[i]) / 2;
    let fm = 1;
    const di = dl[i];
    for (let j = 0; j < k; j++) fm += (rho * zl[j] * zl[j]) / (dl[j] - di - half);
    if (fm >= 0) {
      o = i;
      lo = 0;
      hi = half;
    } else {
      o = i + 1;
      lo = -half;
      hi = 0;
    }
  } else {
    o = k - 1;
    let zz = 0;
    for (let j = 0; j < k; j++) zz += zl[j] * zl[j];
    lo = 0;
    hi = rho * zz;
  }
  const dorg = dl[o];
  const pL = dl[i] - dorg;
  const pR = last ? 0 : dl[i + 1] - dorg;
  let tau = (lo + hi) / 2;
  for (let iter = 0; iter < 400; iter++) {
    let psi = 0;
    let dpsi = 0;
    let phi = 0;
    let dphi = 0;
    for (let j = 0; j <= i; j++) {
      const t = zl[j] / (dl[j] - dorg - tau);
      psi += zl[j] * t;
      dpsi += t * t;
    }
    for (let j = i + 1; j < k; j++) {
      const t = zl[j] / (dl[j] - dorg - tau);
      phi += zl[j] * t;
      dphi += t * t;
    }
    const f = 1 + rho * (psi + phi);
    // rounding-error bound of f (cf. dlaed4's ERRETM): each term carries a few ulps, and τ itself is
    // only known to ε|τ|, which moves f by about ε|τ| f'.
    const err = 8 * (1 + rho * (phi - psi)) + Math.abs(tau) * rho * (dpsi + dphi);
    if (Math.abs(f) <= EPS * err) break;
    if (f < 0) lo = tau;
    else hi = tau;
    const dL = pL - tau;
    let next = Number.NaN;
    if (last) {
      // c + s/(pL − λ) = 0 with s = ρψ'(pL − τ)², c = f − ρψ'(pL − τ)
      const c = f - rho * dpsi * dL;
      if (c > 0) next = tau + dL + (rho * dpsi * dL * dL) / c;
    } else {
      const dR = pR - tau;
      const sL = rho * dpsi * dL * dL;
      const sR = rho * dphi * dR * dR;
      const c = f - rho * dpsi * dL - rho * dphi * dR;
      // c η² − (c(dL + dR) + sL + sR) η + dL dR f = 0 for the step η = λ − τ
      const bq = c * (dL + dR) + sL + sR;
      const cq = dL * dR * f;
      if (c === 0) {
        if (bq !== 0) next = tau + cq / bq;
      } else {
        const disc = bq * bq - 4 * c * cq;
        if (disc >= 0) {
          const sq = Math.sqrt(disc);
          const q = bq >= 0 ? bq + sq : bq - sq;
          const e1 = q / (2 * c);
          const e2 = q !== 0 ? (2 * cq) / q : Number.NaN;
          // the model is increasing between its poles dL < η < dR: exactly one root lies there
          if (e1 > dL && e1 < dR) next = tau + e1;
          else if (e2 > dL && e2 < dR) next = tau + e2;
        }
      }
    }
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (next === tau || hi - lo <= 2 * EPS * Math.max(Math.abs(lo), Math.abs(hi))) {
      tau = next;
      break;
    }
    tau = next;
  }
  org[i] = o;
  tauOut[i] = tau;
}

/**
 * Thin singular value decomposition A = U diag(s) Vᵀ (U m×r, V n×r, r = min(m, n), s descending):
 * Householder bidiagonalization (Golub & Kahan 1965; Golub & Van Loan, *Matrix Computations*, 4th ed.,
 * Alg. 5.4.2) followed by the implicit-shift QR iteration on the bidiagonal (Golub & Reinsch 1970,
 * "Singular value decomposition and least squares solutions", Numer. Math. 14; GVL Alg. 8.6.1–8.6.2,
 * including the zero-diagonal chase of §8.6.2). Every step is an orthogonal transformation and every
 * entry set to zero is below ε‖A‖, so the computed factors are exact for A + E with ‖E‖₂ ≈ c·n·ε·‖A‖₂:
 * singular values have absolute error ≲ c·n·ε·σ_max (Weyl), also the tiny ones, unlike an
 * eigendecomposition of AᵀA, which loses every σ below √ε·σ_max.
 *
 * Storage: the working copy is Aᵀ (row j = column j of A) and U, V are kept as Uᵀ, Vᵀ, so that every
 * reflector and plane rotation acts on contiguous rows.
 */
import type { Mat } from '../mat.ts';
import { hypot2 } from './tridiagonal.ts';

export interface SvdResult {
  /** m×r, orthonormal columns. */
  u: Mat;
  /** Singular values, descending, length r = min(m, n). */
  s: Float64Array;
  /** n×r, orthonormal columns. */
  v: Mat;
}

const EPS = 2.220446049250313e-16;

function checkMat(fn: string, a: Mat): void {
  if (a.data.length !== a.rows * a.cols) throw new Error(`${fn}: a.data has ${a.data.length} elements, expected rows*cols = ${a.rows * a.cols}`);
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i])) {
      throw new Error(`${fn}: a[${Math.floor(i / a.cols)}][${i % a.cols}] is ${a.data[i]}, expected a finite number`);
    }
  }
}

/**
 * Householder vector for x = buf[off .. off+len) in place (GVL Alg. 5.1.1, unnormalized):
 * v = x − α e₁, α = −sign(x₁)‖x‖, so (I − β v vᵀ) x = α e₁ with β = 1/(‖x‖(‖x‖ + |x₁|)). x is
 * scaled by 1/max|x| first (H is scale invariant). Returns [β, α]; β = 0 (H = I, α = x₁) when x = 0
 * or len = 1.
 */
function house(buf: Float64Array, off: number, len: number): [number, number] {
  if (len === 1) return [0, buf[off]]; // nothing to annihilate: H = I
  let xmax = 0;
  for (let i = 0; i < len; i++) {
    const t = Math.abs(buf[off + i]);
    if (t > xmax) xmax = t;
  }
  if (xmax === 0) return [0, 0];
  const inv = 1 / xmax;
  let ss = 0;
  for (let i = 0; i < len; i++) {
    const t = buf[off + i] * inv;
    buf[off + i] = t;
    ss += t * t;
  }
  const x1 = buf[off];
  const r = Math.sqrt(ss);
  const alpha = x1 >= 0 ? -r : r;
  buf[off] = x1 - alpha;
  return [1 / (r * (r + Math.abs(x1))), alpha * xmax];
}

interface Bidiag {
  /** Diagonal (length n). */
  q: Float64Array;
  /** Superdiagonal, EISPACK convention: e[i] couples i−1 and i; e[0] = 0. */
  e: Float64Array;
  /** Uᵀ (n×m) and Vᵀ (n×n), or null when vectors are not wanted. */
  ut: Float64Array | null;
  vt: Float64Array | null;
}

/**
 * Golub–Kahan bidiagonalization of the m×n matrix (m ≥ n) whose transpose is stored row-major in `g`
 * (n rows of length m), optionally with the orthogonal factors: B = Uᵀ A V with U = H_0 ⋯ H_{n−1}
 * (left reflectors, on columns) and V = G_0 ⋯ G_{n−2} (right reflectors, on rows).
 */
function bidiagonalize(g: Float64Array, m: number, n: number, wantVectors: boolean): Bidiag {
  const q = new Float64Array(n);
  const e = new Float64Array(n);
  const betaL = new Float64Array(n);
  const betaR = new Float64Array(n);
  const x = new Float64Array(n);
  const wv = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    const rk = k * m;
    // left reflector from column k of A (row k of g, positions k..m−1); v_k stays there
    const [bl, al] = house(g, rk + k, m - k);
    betaL[k] = bl;
    q[k] = al;
    if (bl !== 0) {
      for (let j = k + 1; j < n; j++) {
        const rj = j * m;
        let s = 0;
        for (let i = k; i < m; i++) s += g[rj + i] * g[rk + i];
        s *= bl;
        if (s !== 0) for (let i = k; i < m; i++) g[rj + i] -= s * g[rk + i];
      }
    }
    if (k >= n - 1) continue;
    // right reflector from row k of A right of the diagonal (= column k of g, rows k+1..n−1)
    const len = n - k - 1;
    for (let j = 0; j < len; j++) x[j] = g[(k + 1 + j) * m + k];
    const [br, ar] = house(x, 0, len);
    betaR[k] = br;
    e[k + 1] = br === 0 ? x[0] : ar;
    if (br === 0) {
      for (let j = 0; j < len; j++) g[(k + 1 + j) * m + k] = 0;
      continue;
    }
    for (let j = 0; j < len; j++) g[(k + 1 + j) * m + k] = x[j]; // store u_k
    // A[k+1:, k+1:] ← A (I − β u uᵀ): w = A u = Σ_j u_j (row k+1+j of g), then g_j −= β u_j w
    wv.fill(0, k + 1, m);
    for (let j = 0; j < len; j++) {
      const uj = x[j];
      if (uj === 0) continue;
      const rj = (k + 1 + j) * m;
      for (let i = k + 1; i < m; i++) wv[i] += uj * g[rj + i];
    }
    for (let j = 0; j < len; j++) {
      const f = br * x[j];
      if (f === 0) continue;
      const rj = (k + 1 + j) * m;
      for (let i = k + 1; i < m; i++) g[rj + i] -= f * wv[i];
    }
  }
  if (!wantVectors) return { q, e, ut: null, vt: null };
  // Uᵀ: rows are the first n columns of H_0 ⋯ H_{n−1}, by backward accumulation (GVL §5.1.6)
  const ut = new Float64Array(n * m);
  for (let j = 0; j < n; j++) ut[j * m + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const b = betaL[k];
    if (b === 0) continue;
    const rk = k * m;
    for (let j = k; j < n; j++) {
      const rj = j * m;
      let s = 0;
      for (let i = k; i < m; i++) s += ut[rj + i] * g[rk + i];
      s *= b;
      if (s !== 0) for (let i = k; i < m; i++) ut[rj + i] -= s * g[rk + i];
    }
  }
  // Vᵀ: G_k acts on coordinates k+1..n−1 with u_k stored in g[(k+1+j)·m + k]
  const vt = new Float64Array(n * n);
  for (let j = 0; j < n; j++) vt[j * n + j] = 1;
  const u = new Float64Array(n);
  for (let k = n - 2; k >= 0; k--) {
    const b = betaR[k];
    if (b === 0) continue;
    for (let i = k + 1; i < n; i++) u[i] = g[i * m + k];
    for (let j = k + 1; j < n; j++) {
      const rj = j * n;
      let s = 0;
      for (let i = k + 1; i < n; i++) s += vt[rj + i] * u[i];
      s *= b;
      if (s !== 0) for (let i = k + 1; i < n; i++) vt[rj + i] -= s * u[i];
    }
  }
  return { q, e, ut, vt };
}

/** rows a, b of x (length len): (a, b) ← (a c + b s, b c − a s). */
function rot(x: Float64Array, len: number, a: number, b: number, c: number, s: number): void {
  const ra = a * len;
  const rb = b * len;
  for (let i = 0; i < len; i++) {
    const y = x[ra + i];
    const z = x[rb + i];
    x[ra + i] = y * c + z * s;
    x[rb + i] = z * c - y * s;
  }
}

/**
 * Diagonalize the upper bidiagonal (q, e) by implicit-shift QR (Golub & Reinsch 1970; GVL Alg. 8.6.2),
 * applying the left rotations to rows of `ut` (length m) and the right ones to rows of `vt` (length n).
 * Splitting: e_l is negligible when |e_l| ≤ ε‖B‖; if instead a diagonal q_{l−1} is negligible, e_l is
 * chased out by left rotations (GVL §8.6.2). Shift: eigenvalue of the trailing 2×2 of BᵀB nearer to
 * its last diagonal entry (Wilkinson shift). Results are made non-negative by flipping v.
 */
function bidiagonalQR(q: Float64Array, e: Float64Array, ut: Float64Array | null, m: number, vt: Float64Array | null): void {
  const n = q.length;
  let anorm = 0;
  for (let i = 0; i < n; i++) anorm = Math.max(anorm, Math.abs(q[i]) + Math.abs(e[i]));
  const tol = EPS * anorm;
  const maxIts = 75;
  for (let k = n - 1; k >= 0; k--) {
    for (let its = 0; ; its++) {
      let l = k;
      let cancel = true;
      for (; l >= 0; l--) {
        if (l === 0 || Math.abs(e[l]) <= tol) {
          cancel = false;
          break;
        }
        if (Math.abs(q[l - 1]) <= tol) break;
      }
      if (cancel) {
        // q[l−1] ≈ 0: rotate e[l..k] into the zero with left rotations on rows (l−1, i)
        const nm = l - 1;
        let c = 0;
        let s = 1;
        for (let i = l; i <= k; i++) {
          const f = s * e[i];
          e[i] = c * e[i];
          if (Math.abs(f) <= tol) break;
          const g = q[i];
          const h = hypot2(f, g);
          q[i] = h;
          c = g / h;
          s = -f / h;
          if (ut) rot(ut, m, nm, i, c, s);
        }
      }
      const z = q[k];
      if (l === k) {
        if (z < 0) {
          q[k] = -z;
          if (vt) for (let i = 0; i < n; i++) vt[k * n + i] = -vt[k * n + i];
        }
        break;
      }
      if (its >= maxIts) throw new Error(`svd: bidiagonal QR did not converge for singular value ${k} after ${maxIts} iterations`);
      // shift from the trailing 2×2 block
      let x = q[l];
      const nm = k - 1;
      let y = q[nm];
      let g = e[nm];
      let h = e[k];
      let f = ((y - z) * (y + z) + (g - h) * (g + h)) / (2 * h * y);
      g = hypot2(f, 1);
      f = ((x - z) * (x + z) + h * (y / (f + (f >= 0 ? g : -g)) - h)) / x;
      // implicit QR sweep (chase the bulge from l to k)
      let c = 1;
      let s = 1;
      for (let j = l; j <= nm; j++) {
        const i = j + 1;
        g = e[i];
        y = q[i];
        h = s * g;
        g = c * g;
        let zz = hypot2(f, h);
        e[j] = zz;
        c = f / zz;
        s = h / zz;
        f = x * c + g * s;
        g = g * c - x * s;
        h = y * s;
        y *= c;
        if (vt) rot(vt, n, j, i, c, s);
        zz = hypot2(f, h);
        q[j] = zz;
        if (zz !== 0) {
          c = f / zz;
          s = h / zz;
        }
        f = c * g + s * y;
        x = c * y - s * g;
        if (ut) rot(ut, m, j, i, c, s);
      }
      e[l] = 0;
      e[k] = f;
      q[k] = x;
    }
  }
}

interface RawSvd {
  s: Float64Array;
  /** rows: left singular vectors of the tall problem (length m), descending order */
  ut: Float64Array | null;
  /** rows: right singular vectors (length n) */
  vt: Float64Array | null;
}

/** SVD of the m×n (m ≥ n) matrix whose transpose is `g` (n×m row-major; overwritten). */
function svdTall(g: Float64Array, m: number, n: number, wantVectors: boolean): RawSvd {
  const { q, e, ut, vt } = bidiagonalize(g, m, n, wantVectors);
  bidiagonalQR(q, e, ut, m, vt);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => q[b] - q[a] || a - b);
  const s = new Float64Array(n);
  for (let j = 0; j < n; j++) s[j] = q[order[j]];
  if (!ut || !vt) return { s, ut: null, vt: null };
  const ut2 = new Float64Array(n * m);
  const vt2 = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    ut2.set(ut.subarray(order[j] * m, order[j] * m + m), j * m);
    vt2.set(vt.subarray(order[j] * n, order[j] * n + n), j * n);
  }
  return { s, ut: ut2, vt: vt2 };
}

/** The transpose (len×r) of the r×len row-major `rowsT`. */
function fromRows(rowsT: Float64Array, r: number, len: number): Mat {
  const out = new Float64Array(len * r);
  for (let j = 0; j < r; j++) for (let i = 0; i < len; i++) out[i * r + j] = rowsT[j * len + i];
  return { rows: len, cols: r, data: out };
}

/** Aᵀ as a row-major copy when A is tall (so rows are A's columns), or A itself copied when wide. */
function workingCopy(a: Mat): Float64Array {
  const { rows: m, cols: n, data } = a;
  if (m < n) return Float64Array.from(data); // wide: decompose Aᵀ, whose transpose is A
  const g = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) g[j * m + i] = data[i * n + j];
  return g;
}

/** Thin SVD: a = u diag(s) vᵀ with s descending (≥ 0), u and v with orthonormal columns. */
export function svd(a: Mat): SvdResult {
  checkMat('svd', a);
  const { rows: m, cols: n } = a;
  const r = Math.min(m, n);
  if (r === 0) return { u: { rows: m, cols: 0, data: new Float64Array(0) }, s: new Float64Array(0), v: { rows: n, cols: 0, data: new Float64Array(0) } };
  const g = workingCopy(a);
  if (m >= n) {
    const res = svdTall(g, m, n, true);
    return { u: fromRows(res.ut as Float64Array, r, m), s: res.s, v: fromRows(res.vt as Float64Array, r, n) };
  }
  // wide: Aᵀ = V diag(s) Uᵀ
  const res = svdTall(g, n, m, true);
  return { u: fromRows(res.vt as Float64Array, r, m), s: res.s, v: fromRows(res.ut as Float64Array, r, n) };
}

/** Singular values only, descending (no vector accumulation). */
export function singularValues(a: Mat): Float64Array {
  checkMat('singularValues', a);
  const { rows: m, cols: n } = a;
  if (Math.min(m, n) === 0) return new Float64Array(0);
  const g = workingCopy(a);
  return m >= n ? svdTall(g, m, n, false).s : svdTall(g, n, m, false).s;
}

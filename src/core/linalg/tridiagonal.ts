/**
 * Symmetric tridiagonal machinery: Householder reduction of a dense symmetric matrix to tridiagonal
 * form, accumulation of the orthogonal factor, and the implicit QL algorithm with Wilkinson-type
 * shifts. References: Golub & Van Loan, *Matrix Computations*, 4th ed. (2013), Alg. 5.1.1 (Householder
 * vector), Alg. 8.3.1 (Householder tridiagonalization), §8.3.5 (implicit symmetric QR step with
 * Wilkinson shift); the QL variant follows Bowdler, Martin, Reinsch & Wilkinson (1968), "The QR and QL
 * algorithms for symmetric matrices", Numer. Math. 11 (EISPACK tql1/tql2). All steps are orthogonal
 * transformations, so the computed eigenvalues are exact for A + E with ‖E‖₂ ≈ c·n·ε·‖A‖₂ (GVL §8.3.6).
 */

import { kernels } from '../kernels.ts';

const EPS = 2.220446049250313e-16;

export interface Tridiagonal {
  /** Diagonal, length n. */
  d: Float64Array;
  /** Subdiagonal: e[i] couples i and i+1 (length n; e[n−1] = 0). */
  e: Float64Array;
}

/** sqrt(a² + b²) without destructive underflow or overflow. */
export function hypot2(a: number, b: number): number {
  const x = a < 0 ? -a : a;
  const y = b < 0 ? -b : b;
  if (x > y) {
    const r = y / x;
    return x * Math.sqrt(1 + r * r);
  }
  if (y === 0) return 0;
  const r = x / y;
  return y * Math.sqrt(1 + r * r);
}

/**
 * y[s..n) = A[s.., s..] v[s..) for symmetric A given by its lower triangle (row-major, n×n): every
 * stored a_ij (j < i) is read once and used twice (y_i += a_ij v_j, y_j += a_ij v_i). Four rows are
 * processed together so that each y_j update is shared (≈ 2× faster than one row at a time in V8).
 */
export function symvLower(a: Float64Array, n: number, s: number, v: Float64Array, y: Float64Array): void {
  // a backend may stream the triangle at memory speed (the native one); ≥ 64 rows make the call worth it
  const k = kernels();
  if (k.symvLower && n - s >= 64) {
    k.symvLower(a, n, s, v, y);
    return;
  }
  for (let i = s; i < n; i++) y[i] = 0;
  let i = s;
  for (; i + 3 < n; i += 4) {
    const r0 = i * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    const v0 = v[i];
    const v1 = v[i + 1];
    const v2 = v[i + 2];
    const v3 = v[i + 3];
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = s; j < i; j++) {
      const a0 = a[r0 + j];
      const a1 = a[r1 + j];
      const a2 = a[r2 + j];
      const a3 = a[r3 + j];
      const vj = v[j];
      s0 += a0 * vj;
      s1 += a1 * vj;
      s2 += a2 * vj;
      s3 += a3 * vj;
      y[j] += a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
    }
    // the 4×4 diagonal block (lower part a10, a20, a21, a30, a31, a32 and the diagonal)
    const a00 = a[r0 + i];
    const a10 = a[r1 + i];
    const a11 = a[r1 + i + 1];
    const a20 = a[r2 + i];
    const a21 = a[r2 + i + 1];
    const a22 = a[r2 + i + 2];
    const a30 = a[r3 + i];
    const a31 = a[r3 + i + 1];
    const a32 = a[r3 + i + 2];
    const a33 = a[r3 + i + 3];
    y[i] += s0 + a00 * v0 + a10 * v1 + a20 * v2 + a30 * v3;
    y[i + 1] += s1 + a10 * v0 + a11 * v1 + a21 * v2 + a31 * v3;
    y[i + 2] += s2 + a20 * v0 + a21 * v1 + a22 * v2 + a32 * v3;
    y[i + 3] += s3 + a30 * v0 + a31 * v1 + a32 * v2 + a33 * v3;
  }
  for (; i < n; i++) {
    const ri = i * n;
    const vi = v[i];
    let t = 0;
    for (let j = s; j < i; j++) {
      const aij = a[ri + j];
      t += aij * v[j];
      y[j] += aij * vi;
    }
    y[i] += t + a[ri + i] * vi;
  }
}

const PANEL = 32;

/**
 * Panel corrections with fewer than this many (row, panel row) pairs stay in the loops below: a call into the
 * native addon costs ≈ 0.3 µs (the crossover measured for its gemm, src/run/nativeKernels.ts), a few hundred
 * of their multiply-adds; only the first steps of the last panels are that small.
 */
const PANEL_NATIVE_MIN = 256;

/**
 * x[xo + i] −= Σ_{t<j} (cv[t]·V[t][i] + cw[t]·W[t][i]) for i in [lo, n), with V, W the panel rows
 * (vt, wt: row t at t·n). One pass over x per four panel rows, so x is read and written j/4 times
 * rather than j times (the Level-2 remainder of dlatrd's dgemv calls, in plain TypeScript).
 */
function subtractPanel(x: Float64Array, xo: number, lo: number, n: number, vt: Float64Array, wt: Float64Array, j: number, cv: Float64Array, cw: Float64Array): void {
  const k = kernels();
  if (k.panelSubtract && j * (n - lo) >= PANEL_NATIVE_MIN) {
    k.panelSubtract(x, xo, lo, n, vt, wt, j, cv, cw);
    return;
  }
  let t = 0;
  for (; t + 3 < j; t += 4) {
    const r0 = t * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    const a0 = cv[t];
    const a1 = cv[t + 1];
    const a2 = cv[t + 2];
    const a3 = cv[t + 3];
    const b0 = cw[t];
    const b1 = cw[t + 1];
    const b2 = cw[t + 2];
    const b3 = cw[t + 3];
    for (let i = lo; i < n; i++) {
      // the four subtractions in the order of the one-row loop below (same rounding, bit for bit)
      let xi = x[xo + i];
      xi -= a0 * vt[r0 + i] + b0 * wt[r0 + i];
      xi -= a1 * vt[r1 + i] + b1 * wt[r1 + i];
      xi -= a2 * vt[r2 + i] + b2 * wt[r2 + i];
      xi -= a3 * vt[r3 + i] + b3 * wt[r3 + i];
      x[xo + i] = xi;
    }
  }
  for (; t < j; t++) {
    const rt = t * n;
    const a = cv[t];
    const b = cw[t];
    for (let i = lo; i < n; i++) x[xo + i] -= a * vt[rt + i] + b * wt[rt + i];
  }
}

/** sa[t] = Σ_{i≥lo} W[t][i]·v[vo + i] and sb[t] = Σ_{i≥lo} V[t][i]·v[vo + i] for t < j (four rows per pass over v). */
function panelDots(v: Float64Array, vo: number, lo: number, n: number, vt: Float64Array, wt: Float64Array, j: number, sa: Float64Array, sb: Float64Array): void {
  const k = kernels();
  if (k.panelDots && j * (n - lo) >= PANEL_NATIVE_MIN) {
    k.panelDots(v, vo, lo, n, vt, wt, j, sa, sb);
    return;
  }
  let t = 0;
  for (; t + 1 < j; t += 2) {
    const r0 = t * n;
    const r1 = r0 + n;
    let a0 = 0;
    let a1 = 0;
    let b0 = 0;
    let b1 = 0;
    for (let i = lo; i < n; i++) {
      const vi = v[vo + i];
      a0 += wt[r0 + i] * vi;
      b0 += vt[r0 + i] * vi;
      a1 += wt[r1 + i] * vi;
      b1 += vt[r1 + i] * vi;
    }
    sa[t] = a0;
    sb[t] = b0;
    sa[t + 1] = a1;
    sb[t + 1] = b1;
  }
  for (; t < j; t++) {
    const rt = t * n;
    let a = 0;
    let b = 0;
    for (let i = lo; i < n; i++) {
      a += wt[rt + i] * v[vo + i];
      b += vt[rt + i] * v[vo + i];
    }
    sa[t] = a;
    sb[t] = b;
  }
}

/** Per-panel work arrays of `tridiagonalize` (allocated once per call). */
interface PanelWork {
  /** Rows: Householder vectors of the panel (zero outside their support). */
  vt: Float64Array;
  /** Rows: w_j = β y_j − (β/2)(β y_jᵀv_j) v_j. */
  wt: Float64Array;
  /** Rows: the panel's columns of the lower triangle as they were at the panel's start (pc[t·n + i] = A[i][k + t]). */
  pc: Float64Array;
  /** Per-row coefficients handed to subtractPanel / panelDots. */
  ca: Float64Array;
  cb: Float64Array;
  /** Trailing-update operands X = −[V W], Y = [W V] (m × 2nb) and one packed row block of the trailing matrix. */
  xs: Float64Array;
  ys: Float64Array;
  cbuf: Float64Array;
}

/**
 * Step j of the panel starting at column k (dlatrd): brings column c = k + j up to date, computes its
 * Householder reflector (stored in row c's upper part, β in beta[c], α in e[c]) and w_j. Returns d[c].
 */
function panelStep(w: Float64Array, n: number, k: number, j: number, p: PanelWork, beta: Float64Array, e: Float64Array): number {
  const { vt, wt, ca, cb } = p;
  const c = k + j;
  const rc = c * n;
  // 1. column c below the diagonal, x = A[c+1.., c] − Σ_t (V[.., t] W[c, t] + W[.., t] V[c, t]), gathered
  //    from the lower triangle (copied to p.pc at the panel's start) into row c's (unused) upper part,
  //    where v_c will live.
  let dc = w[rc + c];
  const pj = j * n;
  w.set(p.pc.subarray(pj + c + 1, pj + n), rc + c + 1);
  for (let t = 0; t < j; t++) {
    ca[t] = wt[t * n + c];
    cb[t] = vt[t * n + c];
    dc -= 2 * ca[t] * cb[t];
  }
  subtractPanel(w, rc, c + 1, n, vt, wt, j, ca, cb);
  // 2. Householder vector for x (GVL Alg. 5.1.1, unnormalized): v = x − α e₁, α = −sign(x₁)‖x‖,
  //    H x = α e₁, β = 2/(vᵀv) = 1/(‖x‖(‖x‖ + |x₁|)); x is scaled by 1/max|x| first, which
  //    leaves H unchanged and avoids over/underflow.
  let xmax = 0;
  for (let i = c + 1; i < n; i++) {
    const t = Math.abs(w[rc + i]);
    if (t > xmax) xmax = t;
  }
  const rj = j * n;
  if (xmax === 0) {
    e[c] = 0;
    beta[c] = 0;
    return dc; // v = 0: H = I; vt/wt rows stay zero
  }
  const inv = 1 / xmax;
  let ss = 0;
  for (let i = c + 1; i < n; i++) {
    const t = w[rc + i] * inv;
    w[rc + i] = t;
    ss += t * t;
  }
  const x1 = w[rc + c + 1];
  const r = Math.sqrt(ss);
  const alpha = x1 >= 0 ? -r : r;
  w[rc + c + 1] = x1 - alpha;
  const b = 1 / (r * (r + Math.abs(x1)));
  beta[c] = b;
  e[c] = alpha * xmax;
  vt.set(w.subarray(rc + c + 1, rc + n), rj + c + 1);
  // 3. y = (A − V Wᵀ − W Vᵀ)[c+1.., c+1..] v with A the stale trailing matrix (lower triangle only):
  //    y −= V (Wᵀv) + W (Vᵀv)
  const y = wt.subarray(rj, rj + n);
  symvLower(w, n, c + 1, vt.subarray(rj, rj + n), y);
  panelDots(vt, rj, c + 1, n, vt, wt, j, ca, cb);
  subtractPanel(wt, rj, c + 1, n, vt, wt, j, ca, cb);
  // 4. w = β y − (β/2)(β yᵀv) v  (GVL Alg. 8.3.1: p = βAv, w = p − (βpᵀv/2) v)
  let pv = 0;
  for (let i = c + 1; i < n; i++) {
    y[i] *= b;
    pv += y[i] * vt[rj + i];
  }
  const K = 0.5 * b * pv;
  for (let i = c + 1; i < n; i++) y[i] -= K * vt[rj + i];
  return dc;
}

/** Rows per GEMM of the trailing update: each call covers the lower block triangle up to its own last row. */
const TRAIL_ROWS = 256;

/**
 * Trailing update A[r0:, r0:] −= V Wᵀ + W Vᵀ (the rank-2·jb update of dsytrd) on the lower block
 * triangle, as GEMMs on the active kernel: C ← C + X Yᵀ with X = −[V W], Y = [W V] packed m × 2jb,
 * one row block of C copied out and back (the kernel takes contiguous operands only), or in place by a
 * backend's `syr2kLower` (the native one: the same products without the copies, threaded). The strict upper
 * part of rows ≥ r0 receives values that are never read (row c is overwritten with v_c in panelStep).
 */
function trailingUpdate(w: Float64Array, n: number, r0: number, jb: number, p: PanelWork): void {
  const m = n - r0;
  if (m <= 0) return;
  const kk = 2 * jb;
  const { vt, wt, xs, ys, cbuf } = p;
  for (let i = 0; i < m; i++) {
    const o = i * kk;
    for (let t = 0; t < jb; t++) {
      const vi = vt[t * n + r0 + i];
      const wi = wt[t * n + r0 + i];
      xs[o + t] = -vi;
      xs[o + jb + t] = -wi;
      ys[o + t] = wi;
      ys[o + jb + t] = vi;
    }
  }
  const K = kernels();
  if (K.syr2kLower) {
    // the backend updates the triangle in place (no row-block copies); each entry rounds as the gemm below would
    K.syr2kLower(w, n, r0, kk, xs.subarray(0, m * kk), ys.subarray(0, m * kk));
    return;
  }
  for (let i0 = 0; i0 < m; i0 += TRAIL_ROWS) {
    const h = Math.min(TRAIL_ROWS, m - i0);
    const width = i0 + h;
    for (let q = 0; q < h; q++) {
      const src = (r0 + i0 + q) * n + r0;
      cbuf.set(w.subarray(src, src + width), q * width);
    }
    const cv = cbuf.subarray(0, h * width);
    K.gemm(false, true, h, width, kk, xs.subarray(i0 * kk, (i0 + h) * kk), ys.subarray(0, width * kk), cv, true);
    for (let q = 0; q < h; q++) w.set(cv.subarray(q * width, (q + 1) * width), (r0 + i0 + q) * n + r0);
  }
}

/**
 * Householder tridiagonalization Qᵀ A Q = T of the symmetric n×n matrix stored row-major in `w`
 * (GVL Alg. 8.3.1), blocked as in LAPACK dsytrd/dlatrd (Dongarra, Sorensen & Hammarling 1989, "Block
 * reduction of matrices to condensed forms for eigenvalue computations", J. Comput. Appl. Math. 27):
 * within a panel of `PANEL` columns the trailing matrix is kept as A − V Wᵀ − W Vᵀ (never formed) and
 * each Householder step needs one symmetric matrix–vector product (the Level-2 half, `symvLower`);
 * after the panel the rank-2·PANEL update is applied with GEMM to the lower triangle. Only the lower
 * triangle of `w` is read and updated; `w` is overwritten: row k holds the Householder vector v_k in
 * columns k+1..n−1 and beta[k] its coefficient, so that Q = H_0 H_1 ⋯ H_{n−3} with H_k = I − β_k v_k v_kᵀ
 * (β = 0 means H_k = I).
 */
export function tridiagonalize(w: Float64Array, n: number, beta: Float64Array): Tridiagonal {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  beta.fill(0);
  if (n === 0) return { d, e };
  const nb = PANEL;
  const p: PanelWork = {
    vt: new Float64Array(nb * n),
    wt: new Float64Array(nb * n),
    pc: new Float64Array(nb * n),
    ca: new Float64Array(nb),
    cb: new Float64Array(nb),
    xs: new Float64Array(2 * nb * n),
    ys: new Float64Array(2 * nb * n),
    // only the copy path of trailingUpdate needs it (a backend with syr2kLower updates in place)
    cbuf: new Float64Array(kernels().syr2kLower ? 0 : Math.min(TRAIL_ROWS, n) * n),
  };
  for (let k = 0; k < n - 2; k += nb) {
    const jb = Math.min(nb, n - 2 - k);
    p.vt.fill(0);
    p.wt.fill(0);
    // the panel's columns, read row by row (jb contiguous entries each) rather than one strided column
    // per step; panel steps write only rows < k + jb above their diagonal, so these stay current
    for (let i = k + 1; i < n; i++) {
      const ri = i * n + k;
      const tEnd = Math.min(jb, i - k);
      for (let t = 0; t < tEnd; t++) p.pc[t * n + i] = w[ri + t];
    }
    for (let j = 0; j < jb; j++) d[k + j] = panelStep(w, n, k, j, p, beta, e);
    trailingUpdate(w, n, k + jb, jb, p);
  }
  if (n >= 2) {
    d[n - 2] = w[(n - 2) * n + n - 2];
    e[n - 2] = w[(n - 1) * n + n - 2];
  }
  d[n - 1] = w[(n - 1) * n + n - 1];
  return { d, e };
}

const WY_BLOCK = 64;

/**
 * X ← Q X = H_0 H_1 ⋯ H_{n−3} X for the reflectors left by `tridiagonalize` (X: n × nc, row-major).
 * With X = Z (eigenvectors of T as columns) this yields the eigenvectors of A. Blocks of WY_BLOCK
 * reflectors are applied at once in compact WY form H_k ⋯ H_{k+b−1} = I − Y T Yᵀ (Schreiber & Van
 * Loan 1989; GVL §5.1.7, LAPACK dlarft/dlarfb): X ← X − Y (T (Yᵀ X)), three GEMMs per block plus
 * one for the Gram matrix Y Yᵀ that T is built from.
 */
export function applyReflectorsLeft(w: Float64Array, n: number, beta: Float64Array, x: Float64Array, nc: number): void {
  const nref = n - 2; // reflectors 0..n−3
  if (nref <= 0 || nc === 0) return;
  const nb = WY_BLOCK;
  const T = new Float64Array(nb * nb);
  const W = new Float64Array(nb * nc);
  const W2 = new Float64Array(nb * nc);
  const yp = new Float64Array(nb * n);
  const Tn = new Float64Array(nb * nb);
  const G = new Float64Array(nb * nb);
  const K = kernels();
  for (let k0 = Math.floor((nref - 1) / nb) * nb; k0 >= 0; k0 -= nb) {
    const jb = Math.min(nb, nref - k0);
    const off = k0 + 1;
    const len = n - off;
    // Y's rows restricted to columns off.. packed contiguously (jb × len; v_t is zero before k0 + t + 1), so
    // that every product runs straight on the GEMM kernel with no strided views
    yp.fill(0, 0, jb * len);
    for (let t = 0; t < jb; t++) {
      const c = k0 + t;
      if (beta[c] === 0) continue;
      yp.set(w.subarray(c * n + c + 1, c * n + n), t * len + t);
    }
    const ypv = yp.subarray(0, jb * len);
    // Gram matrix G = Y Yᵀ (one GEMM rather than jb²/2 dot products in TypeScript)
    K.gemm(false, true, jb, jb, len, ypv, ypv, G.subarray(0, jb * jb), false);
    // T upper triangular (forward, columnwise, dlarft): T_tt = β_t, T[0:t, t] = −β_t T[0:t, 0:t] (Yᵀ v_t)[0:t]
    T.fill(0);
    for (let t = 0; t < jb; t++) {
      const bt = beta[k0 + t];
      for (let s = 0; s < t; s++) {
        let acc = 0;
        for (let q = s; q < t; q++) acc += T[s * nb + q] * G[q * jb + t];
        T[s * nb + t] = -bt * acc;
      }
      T[t * nb + t] = bt;
    }
    // W = Yᵀ X[off:, :], W2 = −T W, X[off:, :] += Y W2
    const xs = x.subarray(off * nc, n * nc);
    K.gemm(false, false, jb, nc, len, ypv, xs, W.subarray(0, jb * nc), false);
    for (let s = 0; s < jb; s++) for (let q = 0; q < jb; q++) Tn[s * jb + q] = -T[s * nb + q];
    K.gemm(false, false, jb, nc, jb, Tn.subarray(0, jb * jb), W.subarray(0, jb * nc), W2.subarray(0, jb * nc), false);
    K.gemm(true, false, len, nc, jb, ypv, W2.subarray(0, jb * nc), xs, true);
  }
}

/** In-place transpose of the n×n row-major matrix `a` (tiled swaps across the diagonal; no n² allocation). */
export function transposeSquareInPlace(a: Float64Array, n: number): void {
  const T = 32;
  for (let i0 = 0; i0 < n; i0 += T) {
    const i1 = Math.min(n, i0 + T);
    // diagonal tile: swap its strict lower part with its strict upper part
    for (let i = i0; i < i1; i++) {
      for (let j = i0; j < i; j++) {
        const x = a[i * n + j];
        a[i * n + j] = a[j * n + i];
        a[j * n + i] = x;
      }
    }
    for (let j0 = 0; j0 < i0; j0 += T) {
      const j1 = Math.min(n, j0 + T);
      for (let i = i0; i < i1; i++) {
        const ri = i * n;
        for (let j = j0; j < j1; j++) {
          const x = a[ri + j];
          a[ri + j] = a[j * n + i];
          a[j * n + i] = x;
        }
      }
    }
  }
}

/**
 * Implicit QL iteration with shifts on the symmetric tridiagonal (d, e) (Bowdler et al. 1968;
 * GVL §8.3.5). On return d holds the eigenvalues (unsorted) and e is destroyed. If `zt` is given
 * (row-major, n rows of length `nz`), every plane rotation acting on coordinates (i, i+1) is applied
 * to rows i and i+1 of zt, so zt ← Gᵀ zt: starting from Qᵀ this yields the eigenvectors as rows.
 * `track` lists row vectors z (length n) to which the rotations are applied as columns (z ← z G),
 * e.g. e_1ᵀ and e_nᵀ to obtain the first and last components of every eigenvector in O(n²).
 * Deflation test: |e_i| ≤ ε (|d_i| + |d_{i+1}|) (GVL Eq. 8.3.12).
 */
export function tridiagonalQL(d: Float64Array, e: Float64Array, zt: Float64Array | null, nz: number, track: Float64Array[] = []): void {
  const n = d.length;
  if (n === 0) return;
  e[n - 1] = 0;
  const maxIter = 60 * n + 60;
  let iter = 0;
  for (let l = 0; l < n; l++) {
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= EPS * dd) break;
      }
      if (m === l) break;
      if (++iter > maxIter) throw new Error(`tridiagonalQL: no convergence after ${maxIter} iterations (n = ${n}); input may contain NaN or Inf`);
      // Shift from the leading 2×2 block, the eigenvalue closer to d[l] (Wilkinson-type shift).
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = hypot2(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = hypot2(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        if (zt !== null) {
          const r0 = i * nz;
          const r1 = r0 + nz;
          for (let k = 0; k < nz; k++) {
            const zi = zt[r0 + k];
            const zj = zt[r1 + k];
            zt[r1 + k] = s * zi + c * zj;
            zt[r0 + k] = c * zi - s * zj;
          }
        }
        for (const z of track) {
          const zi = z[i];
          const zj = z[i + 1];
          z[i + 1] = s * zi + c * zj;
          z[i] = c * zi - s * zj;
        }
      }
      if (underflow) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

/** Indices that sort `v` ascending (stable). */
export function argsortAscending(v: Float64Array): Int32Array {
  const idx = Array.from({ length: v.length }, (_, i) => i);
  idx.sort((a, b) => v[a] - v[b] || a - b);
  return Int32Array.from(idx);
}

import { describe, expect, it } from 'vitest';
import {
  cholesky,
  choleskySolve,
  eigh,
  eigvalsh,
  hutchinsonTrace,
  lanczos,
  type LinearOperator,
  matmul,
  matvec,
  singularValues,
  solveSpd,
  spectralDensity,
  stochasticLanczosQuadrature,
  svd,
} from '../../src/core/linalg.ts';
import { gemmView } from '../../src/core/linalg/dense.ts';
import { fromRows, identity, type Mat, mat, transpose } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';

const EPS = 2.220446049250313e-16;

// ---------- helpers (plain triple loops: an oracle independent of the kernels under test) ----------

function randn(rows: number, cols: number, rng: Rng): Mat {
  return mat(rows, cols, rng.fillNormal(new Float64Array(rows * cols)));
}

function randomSymmetric(n: number, rng: Rng): Mat {
  const a = randn(n, n, rng);
  const s = mat(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s.data[i * n + j] = 0.5 * (a.data[i * n + j] + a.data[j * n + i]);
  return s;
}

function naiveMul(a: Mat, b: Mat): Mat {
  const out = mat(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < b.cols; j++) {
      let s = 0;
      for (let k = 0; k < a.cols; k++) s += a.data[i * a.cols + k] * b.data[k * b.cols + j];
      out.data[i * b.cols + j] = s;
    }
  return out;
}

function frob(a: Mat): number {
  let s = 0;
  for (const x of a.data) s += x * x;
  return Math.sqrt(s);
}

function sub(a: Mat, b: Mat): Mat {
  return mat(a.rows, a.cols, a.data.map((x, i) => x - b.data[i]));
}

/** Q diag(λ) Qᵀ (or U diag(s) Vᵀ). */
function reconstruct(u: Mat, s: Float64Array, v: Mat): Mat {
  const us = mat(u.rows, u.cols, u.data.map((x, i) => x * s[i % u.cols]));
  return naiveMul(us, transpose(v));
}

/** max |QᵀQ − I| over entries. */
function orthError(q: Mat): number {
  const g = naiveMul(transpose(q), q);
  let m = 0;
  for (let i = 0; i < g.rows; i++) for (let j = 0; j < g.cols; j++) m = Math.max(m, Math.abs(g.data[i * g.cols + j] - (i === j ? 1 : 0)));
  return m;
}

/** Random orthogonal matrix (Q of a Gram–Schmidt QR of a Gaussian matrix). */
function randomOrthogonal(n: number, rng: Rng): Mat {
  const a = randn(n, n, rng);
  const q = mat(n, n);
  for (let j = 0; j < n; j++) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = a.data[i * n + j];
    for (let pass = 0; pass < 2; pass++)
      for (let p = 0; p < j; p++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += col[i] * q.data[i * n + p];
        for (let i = 0; i < n; i++) col[i] -= d * q.data[i * n + p];
      }
    const nrm = Math.hypot(...col);
    for (let i = 0; i < n; i++) q.data[i * n + j] = col[i] / nrm;
  }
  return q;
}

/** Q diag(λ) Qᵀ with a random orthogonal Q: a symmetric matrix with a prescribed spectrum. */
function withSpectrum(lambda: number[], rng: Rng): Mat {
  const n = lambda.length;
  const q = randomOrthogonal(n, rng);
  return reconstruct(q, Float64Array.from(lambda), q);
}

function opOf(a: Mat): LinearOperator {
  return (v) => matvec(a, v);
}

function isSorted(v: Float64Array, dir: 1 | -1): boolean {
  for (let i = 1; i < v.length; i++) if (dir * (v[i] - v[i - 1]) < 0) return false;
  return true;
}

// ---------- eigh / eigvalsh ----------

describe('eigh', () => {
  // Householder + QL is backward stable: ‖QΛQᵀ − A‖ ≤ c·n·ε·‖A‖ and ‖QᵀQ − I‖ ≤ c·n·ε (GVL §8.3.6);
  // with c ~ 1–10 in practice, 50·n·ε leaves headroom while still catching any real bug (errors ≥ 1e-8).
  for (const n of [2, 3, 10, 64, 150]) {
    it(`reconstructs a random symmetric ${n}×${n} matrix with orthonormal vectors in ascending order`, () => {
      const a = randomSymmetric(n, Rng.fromSeed(1, 'eigh', n));
      const { values, vectors } = eigh(a);
      expect(values.length).toBe(n);
      expect(isSorted(values, 1)).toBe(true);
      expect(frob(sub(reconstruct(vectors, values, vectors), a)) / frob(a)).toBeLessThan(50 * n * EPS);
      expect(orthError(vectors)).toBeLessThan(50 * n * EPS);
      // eigvalsh takes the vector-free path; same reduction, so it agrees to rounding (Weyl: |Δλ| ≤ ‖E‖₂).
      const ev = eigvalsh(a);
      for (let i = 0; i < n; i++) expect(Math.abs(ev[i] - values[i])).toBeLessThan(50 * n * EPS * frob(a));
    });
  }

  it('recovers a prescribed spectrum (eigenvalue error ≤ backward error, Weyl)', () => {
    const lambda = [-3, -1.5, 0, 0.25, 1, 2, 7, 11];
    const a = withSpectrum(lambda, Rng.fromSeed(2));
    const { values } = eigh(a);
    // |λ̂ − λ| ≤ ‖E‖₂ ≤ c·n·ε·‖A‖₂ with ‖A‖₂ = 11
    for (let i = 0; i < lambda.length; i++) expect(Math.abs(values[i] - lambda[i])).toBeLessThan(100 * 8 * EPS * 11);
  });

  it('handles a diagonal matrix exactly (no rotations needed)', () => {
    const a = fromRows([
      [3, 0, 0],
      [0, -1, 0],
      [0, 0, 2],
    ]);
    const { values, vectors } = eigh(a);
    expect(Array.from(values)).toEqual([-1, 2, 3]);
    // eigenvectors are ± unit coordinate vectors: |Q| is a permutation matrix
    const absQ = Array.from(vectors.data, Math.abs);
    expect(absQ).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
  });

  it('matches the analytic 2×2 case', () => {
    // [[a, b], [b, c]]: λ = (a + c)/2 ∓ sqrt(((a − c)/2)² + b²)
    const [p, b, c] = [1.5, -0.7, -2];
    const { values, vectors } = eigh(fromRows([[p, b], [b, c]]));
    const mid = (p + c) / 2;
    const rad = Math.sqrt(((p - c) / 2) ** 2 + b * b);
    // a few ulps of the entries (two rotations' worth of rounding)
    expect(values[0]).toBeCloseTo(mid - rad, 14);
    expect(values[1]).toBeCloseTo(mid + rad, 14);
    // eigenvector of λ₁ is ∝ (b, λ₁ − a)
    const v0 = [vectors.data[0], vectors.data[2]];
    const w = [b, values[0] - p];
    const cos = Math.abs(v0[0] * w[0] + v0[1] * w[1]) / Math.hypot(...w);
    expect(cos).toBeCloseTo(1, 14);
  });

  it('handles repeated eigenvalues (orthonormal basis of each eigenspace)', () => {
    const lambda = [1, 1, 1, 4, 4, 9];
    const a = withSpectrum(lambda, Rng.fromSeed(3));
    const { values, vectors } = eigh(a);
    const n = lambda.length;
    // backward-error bounds as above (‖A‖ = 9)
    for (let i = 0; i < n; i++) expect(Math.abs(values[i] - lambda[i])).toBeLessThan(100 * n * EPS * 9);
    expect(orthError(vectors)).toBeLessThan(50 * n * EPS);
    expect(frob(sub(reconstruct(vectors, values, vectors), a)) / frob(a)).toBeLessThan(50 * n * EPS);
  });

  it('handles n = 0, n = 1 and the zero matrix', () => {
    expect(eigh(mat(0, 0)).values.length).toBe(0);
    expect(eigvalsh(mat(0, 0)).length).toBe(0);
    const one = eigh(fromRows([[-4.5]]));
    expect(Array.from(one.values)).toEqual([-4.5]);
    expect(Array.from(one.vectors.data)).toEqual([1]);
    const z = eigh(mat(5, 5));
    expect(Array.from(z.values)).toEqual([0, 0, 0, 0, 0]);
    expect(orthError(z.vectors)).toBe(0);
  });

  it('reads only the lower triangle', () => {
    const a = randomSymmetric(7, Rng.fromSeed(4));
    const b = mat(7, 7, a.data.slice());
    for (let i = 0; i < 7; i++) for (let j = i + 1; j < 7; j++) b.data[i * 7 + j] = 1e6; // garbage above the diagonal
    expect(Array.from(eigvalsh(b))).toEqual(Array.from(eigvalsh(a)));
  });

  it('rejects non-square and non-finite input with a clear message', () => {
    expect(() => eigh(mat(2, 3))).toThrow(/square.*2×3/);
    expect(() => eigvalsh(fromRows([[1, 0], [Number.NaN, 1]]))).toThrow(/a\[1\]\[0\] is NaN/);
  });
});

// ---------- svd ----------

describe('svd', () => {
  function checkSvd(a: Mat): void {
    const { u, s, v } = svd(a);
    const r = Math.min(a.rows, a.cols);
    expect([u.rows, u.cols, s.length, v.rows, v.cols]).toEqual([a.rows, r, r, a.cols, r]);
    expect(isSorted(s, -1)).toBe(true);
    expect(s.every((x) => x >= 0)).toBe(true);
    const scale = Math.max(frob(a), Number.MIN_VALUE);
    // backward stable SVD: ‖U S Vᵀ − A‖ ≤ c·max(m,n)·ε·‖A‖; orthonormality to c·max(m,n)·ε
    const n = Math.max(a.rows, a.cols);
    expect(frob(sub(reconstruct(u, s, v), a)) / scale).toBeLessThan(50 * n * EPS);
    expect(orthError(u)).toBeLessThan(50 * n * EPS);
    expect(orthError(v)).toBeLessThan(50 * n * EPS);
    // singularValues takes the vector-free path and must agree to rounding
    const s2 = singularValues(a);
    for (let i = 0; i < r; i++) expect(Math.abs(s2[i] - s[i])).toBeLessThanOrEqual(50 * n * EPS * scale);
  }

  it('square, tall and wide random matrices', () => {
    const rng = Rng.fromSeed(10);
    checkSvd(randn(30, 30, rng.child('sq')));
    checkSvd(randn(60, 17, rng.child('tall')));
    checkSvd(randn(9, 41, rng.child('wide')));
    checkSvd(randn(1, 5, rng.child('row')));
    checkSvd(randn(5, 1, rng.child('col')));
  });

  it('rank-deficient matrices: zero singular values and still orthonormal U, V', () => {
    const rng = Rng.fromSeed(11);
    // rank 3, 20×12
    const a = naiveMul(randn(20, 3, rng.child('l')), randn(3, 12, rng.child('r')));
    checkSvd(a);
    const { s } = svd(a);
    // trailing singular values are exactly 0 in exact arithmetic; computed ones are O(n·ε·‖A‖)
    for (let i = 3; i < 12; i++) expect(s[i]).toBeLessThan(50 * 20 * EPS * s[0]);
    expect(s[2]).toBeGreaterThan(1e-3 * s[0]);
    checkSvd(mat(4, 3)); // the zero matrix
    checkSvd(transpose(a)); // wide rank-deficient
  });

  it('s² agrees with eigvalsh(AᵀA) and recovers prescribed singular values', () => {
    const rng = Rng.fromSeed(12);
    const a = randn(25, 10, rng);
    const s = svd(a).s;
    const ev = eigvalsh(naiveMul(transpose(a), a));
    // eigenvalues of AᵀA (‖AᵀA‖ = s₀²) are accurate to c·n·ε·s₀²
    for (let i = 0; i < 10; i++) expect(Math.abs(s[i] ** 2 - ev[9 - i])).toBeLessThan(100 * 25 * EPS * s[0] ** 2);
    // A = U diag(σ) Vᵀ with σ spanning 1e-9..1: small singular values keep absolute accuracy c·n·ε·σ_max
    const sigma = [1, 0.5, 1e-3, 1e-6, 1e-9];
    const uu = randomOrthogonal(8, rng.child('u'));
    const vv = randomOrthogonal(5, rng.child('v'));
    const u5 = mat(8, 5);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 5; j++) u5.data[i * 5 + j] = uu.data[i * 8 + j];
    const b = reconstruct(u5, Float64Array.from(sigma), vv);
    const sb = svd(b).s;
    for (let i = 0; i < 5; i++) expect(Math.abs(sb[i] - sigma[i])).toBeLessThan(100 * 8 * EPS);
  });

  it('handles empty matrices and rejects non-finite input', () => {
    const e = svd(mat(0, 3));
    expect([e.u.rows, e.u.cols, e.s.length, e.v.rows, e.v.cols]).toEqual([0, 0, 0, 3, 0]);
    expect(() => svd(fromRows([[1, Number.POSITIVE_INFINITY]]))).toThrow(/a\[0\]\[1\] is Infinity/);
  });
});

// ---------- products, Cholesky, solves ----------

describe('matmul / matvec', () => {
  it('agree with the naive triple loop', () => {
    const rng = Rng.fromSeed(20);
    const a = randn(13, 7, rng.child('a'));
    const b = randn(7, 9, rng.child('b'));
    const c = matmul(a, b);
    // different summation orders: entries differ by ≤ k·ε·Σ|a||b| ~ 7·ε·(a few)
    expect(frob(sub(c, naiveMul(a, b))) / frob(c)).toBeLessThan(100 * EPS);
    const x = rng.child('x').fillNormal(new Float64Array(7));
    const y = matvec(a, x);
    const yRef = naiveMul(a, mat(7, 1, x)).data;
    for (let i = 0; i < 13; i++) expect(y[i]).toBeCloseTo(yRef[i], 12);
    expect(() => matmul(a, a)).toThrow(/a.cols \(7\) must equal b.rows \(13\)/);
    expect(() => matvec(a, new Float64Array(3))).toThrow(/length 3, expected a.cols = 7/);
  });

  it('gemmView rounds a row-major, a column-major and a strided A identically (the kernel packs op(A) one way)', () => {
    // k > 256 and n > 256 exercise the depth and column blocks; every kernel in use sums each entry in one order
    for (const [m, n, k] of [[70, 300, 600], [37, 24, 1000], [5, 3, 2000]] as const) {
      const rng = Rng.fromSeed(21, m);
      const a = randn(m, k, rng.child('a'));
      const b = randn(k, n, rng.child('b'));
      const out = () => ({ data: new Float64Array(m * n), off: 0, rs: n });
      const bView = { data: b.data, off: 0, rs: n, cs: 1 };
      const rowMajor = out();
      gemmView(m, n, k, 1, { data: a.data, off: 0, rs: k, cs: 1 }, bView, rowMajor, false);
      const colMajor = out();
      gemmView(m, n, k, 1, { data: transpose(a).data, off: 0, rs: 1, cs: m }, bView, colMajor, false);
      // every other element of a buffer twice the size, at an offset: the general strided path
      const wide = new Float64Array(2 * m * k + 3);
      for (let i = 0; i < m * k; i++) wide[3 + 2 * i] = a.data[i];
      const strided = out();
      gemmView(m, n, k, 1, { data: wide, off: 3, rs: 2 * k, cs: 2 }, bView, strided, false);
      expect(rowMajor.data).toEqual(strided.data);
      expect(colMajor.data).toEqual(strided.data);
      expect(frob(sub(mat(m, n, rowMajor.data), naiveMul(a, b))) / frob(mat(m, n, rowMajor.data))).toBeLessThan(100 * EPS);
    }
  });
});

describe('cholesky', () => {
  it('factors an SPD matrix and solves with a matrix right-hand side', () => {
    const rng = Rng.fromSeed(30);
    const n = 40;
    const g = randn(n, n, rng.child('g'));
    const a = naiveMul(g, transpose(g));
    for (let i = 0; i < n; i++) a.data[i * n + i] += n; // well conditioned (λ_min ≥ n)
    const l = cholesky(a);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(l.data[i * n + j]).toBe(0);
    // backward stable: ‖LLᵀ − A‖ ≤ c·n·ε·‖A‖ (GVL Thm. 4.2.2)
    expect(frob(sub(naiveMul(l, transpose(l)), a)) / frob(a)).toBeLessThan(50 * n * EPS);
    const b = randn(n, 3, rng.child('b'));
    const x = choleskySolve(l, b);
    // residual of a backward-stable solve: ‖AX − B‖ ≤ c·n·ε·‖A‖·‖X‖
    expect(frob(sub(naiveMul(a, x), b)) / (frob(a) * frob(x))).toBeLessThan(50 * n * EPS);
    const x2 = solveSpd(a, b);
    expect(Array.from(x2.data)).toEqual(Array.from(x.data));
    // identity: L = I and the solve returns B
    expect(Array.from(cholesky(identity(3)).data)).toEqual(Array.from(identity(3).data));
  });

  it('throws naming the failing pivot on a non-SPD matrix', () => {
    // eigenvalues 3 and −1: the second pivot is 1 − 2²/1 = −3
    const a = fromRows([
      [1, 2],
      [2, 1],
    ]);
    expect(() => cholesky(a)).toThrow(/not positive definite: pivot 1 is -3/);
    expect(() => solveSpd(a, identity(2))).toThrow(/pivot 1/);
    expect(() => cholesky(fromRows([[0]]))).toThrow(/pivot 0 is 0/);
    expect(() => choleskySolve(identity(2), mat(3, 1))).toThrow(/b.rows \(3\) must equal the order of l \(2\)/);
  });
});

// ---------- Lanczos ----------

describe('lanczos', () => {
  it('finds the top-k eigenpairs of a matrix with a spectral gap', () => {
    const rng = Rng.fromSeed(40);
    const n = 120;
    // bulk in [−1, 1] plus 5 outliers: fast convergence (Kaniel–Paige: error ∝ Chebyshev growth in the gap)
    const lambda = Array.from({ length: n }, (_, i) => (i < 5 ? 10 - i : -1 + (2 * i) / n));
    const a = withSpectrum(lambda, rng.child('a'));
    const k = 5;
    const res = lanczos(opOf(a), n, { k, maxIter: 80, tol: 1e-10, rng: rng.child('lanczos') });
    expect(res.converged).toBe(true);
    const dense = eigh(a);
    for (let t = 0; t < k; t++) {
      // Ritz value error ≤ residual²/gap ≪ 1e-10·‖A‖ at convergence; 1e-9 allows rounding in A itself
      expect(Math.abs(res.values[t] - dense.values[n - 1 - t])).toBeLessThan(1e-9);
      expect(res.residuals[t]).toBeLessThanOrEqual(1e-10 * 10);
      // the reported residual is the true one up to rounding (full reorthogonalization keeps Q orthonormal)
      const av = matvec(a, res.vectors[t]);
      let r2 = 0;
      for (let i = 0; i < n; i++) r2 += (av[i] - res.values[t] * res.vectors[t][i]) ** 2;
      expect(Math.sqrt(r2)).toBeLessThan(res.residuals[t] + 1e-12 * 10 * n);
      // vector agrees with the dense eigenvector up to sign: |cos| = 1 − O(residual²/gap²)
      let c = 0;
      for (let i = 0; i < n; i++) c += res.vectors[t][i] * dense.vectors.data[i * n + (n - 1 - t)];
      expect(Math.abs(c)).toBeGreaterThan(1 - 1e-12);
    }
    expect(res.iterations).toBeLessThan(80);
  });

  it('smallest-k and largest-magnitude orderings', () => {
    const rng = Rng.fromSeed(41);
    const n = 60;
    const lambda = Array.from({ length: n }, (_, i) => (i === 0 ? -20 : i === 1 ? -15 : i === 2 ? 12 : (i / n) * 4 - 2));
    const a = withSpectrum(lambda, rng.child('a'));
    const sm = lanczos(opOf(a), n, { k: 2, rng: rng.child('s'), which: 'smallest', tol: 1e-10 });
    expect(sm.converged).toBe(true);
    // converged Ritz values: error ≤ residual²/gap, far below 1e-8
    expect(sm.values[0]).toBeCloseTo(-20, 8);
    expect(sm.values[1]).toBeCloseTo(-15, 8);
    const lm = lanczos(opOf(a), n, { k: 3, rng: rng.child('m'), which: 'largest-magnitude', tol: 1e-10 });
    expect(Array.from(lm.values).map((x) => Math.round(x * 1e6) / 1e6)).toEqual([-20, -15, 12]);
  });

  it('clustered eigenvalues: finds every copy of a repeated top eigenvalue', () => {
    const rng = Rng.fromSeed(42);
    const n = 80;
    // top eigenvalue 5 with multiplicity 3, then a tight cluster near 4
    const lambda = Array.from({ length: n }, (_, i) => (i < 3 ? 5 : i < 6 ? 4 + 1e-4 * i : Math.sin(i)));
    const a = withSpectrum(lambda, rng.child('a'));
    const res = lanczos(opOf(a), n, { k: 6, maxIter: n, tol: 1e-9, rng: rng.child('l') });
    expect(res.converged).toBe(true);
    const want = [5, 5, 5, 4 + 5e-4, 4 + 4e-4, 4 + 3e-4];
    // a single Krylov sequence only sees one copy of a multiple eigenvalue; the invariant-subspace restart must add the rest
    for (let t = 0; t < 6; t++) expect(Math.abs(res.values[t] - want[t])).toBeLessThan(1e-8);
  });

  it('reports non-convergence when the iteration budget is too small', () => {
    const rng = Rng.fromSeed(43);
    const n = 200;
    const a = randomSymmetric(n, rng.child('a')); // semicircle: no gap at the edge, slow convergence
    const res = lanczos(opOf(a), n, { k: 3, maxIter: 6, tol: 1e-12, rng: rng.child('l') });
    expect(res.converged).toBe(false);
    expect(res.iterations).toBe(6);
    expect(res.residuals[0]).toBeGreaterThan(1e-12);
    // Ritz values interlace: they never exceed λ_max (Cauchy interlacing, GVL Thm. 8.1.7)
    expect(res.values[0]).toBeLessThanOrEqual(eigvalsh(a)[n - 1] + 1e-12);
  });

  it('k = n exhausts the space and returns exact eigenvalues', () => {
    const a = randomSymmetric(6, Rng.fromSeed(44));
    const res = lanczos(opOf(a), 6, { k: 6, rng: Rng.fromSeed(44, 'l'), which: 'smallest' });
    const ev = eigvalsh(a);
    expect(res.converged).toBe(true);
    // Krylov space = R⁶, so T is orthogonally similar to A: eigenvalues agree to c·n·ε·‖A‖
    for (let i = 0; i < 6; i++) expect(Math.abs(res.values[i] - ev[i])).toBeLessThan(1e-12);
  });

  it('validates its options', () => {
    const op = opOf(identity(3));
    expect(() => lanczos(op, 3, { k: 4, rng: Rng.fromSeed(1) })).toThrow(/opts.k must be an integer in \[1, n = 3\], got 4/);
    expect(() => lanczos(op, 0, { k: 1, rng: Rng.fromSeed(1) })).toThrow(/n must be a positive integer, got 0/);
    expect(() => lanczos(() => new Float64Array(2), 3, { k: 1, rng: Rng.fromSeed(1) })).toThrow(/length 2, expected n = 3/);
  });
});

// ---------- Hutchinson ----------

describe('hutchinsonTrace', () => {
  it('is exact for a diagonal operator with Rademacher probes', () => {
    const diag = Float64Array.from([3, -1, 0.5, 7, 2]);
    const op: LinearOperator = (v) => v.map((x, i) => x * diag[i]);
    const r = hutchinsonTrace(op, 5, { samples: 7, rng: Rng.fromSeed(50) });
    // zᵀDz = Σ d_i z_i² = tr(D) for z_i = ±1: every sample is exact up to rounding of a 5-term sum
    expect(r.estimate).toBeCloseTo(11.5, 13);
    expect(r.stderr).toBeLessThan(1e-14);
  });

  it('agrees with the exact trace within a few standard errors', () => {
    const rng = Rng.fromSeed(51);
    const n = 50;
    const a = randomSymmetric(n, rng.child('a'));
    for (let i = 0; i < n; i++) a.data[i * n + i] += 1;
    let tr = 0;
    let off2 = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (i === j) tr += a.data[i * n + i];
        else off2 += a.data[i * n + j] ** 2;
      }
    const S = 400;
    const r = hutchinsonTrace(opOf(a), n, { samples: S, rng: rng.child('h') });
    // Var[zᵀAz] = 2 Σ_{i≠j} a_ij² for Rademacher z (Hutchinson 1989), so the mean of S samples has
    // σ = sqrt(2·off2/S). Chebyshev: P(|err| > 5σ) ≤ 1/25 for any distribution (≈ 6e-7 under the CLT).
    const sigma = Math.sqrt((2 * off2) / S);
    expect(Math.abs(r.estimate - tr)).toBeLessThan(5 * sigma);
    // the reported stderr estimates σ: its relative error is O(1/√S) ≈ 5%, plus kurtosis; allow ±30%
    expect(r.stderr / sigma).toBeGreaterThan(0.7);
    expect(r.stderr / sigma).toBeLessThan(1.3);
  });
});

// ---------- SLQ and spectral density ----------

describe('stochasticLanczosQuadrature', () => {
  function traces(a: Mat): { t1: number; t2: number } {
    const a2 = naiveMul(a, a);
    let t1 = 0;
    let t2 = 0;
    for (let i = 0; i < a.rows; i++) {
      t1 += a.data[i * a.rows + i];
      t2 += a2.data[i * a.rows + i];
    }
    return { t1, t2 };
  }

  it('weights sum to 1 and the first two moments are exact for a diagonal operator', () => {
    const n = 30;
    const diag = Float64Array.from({ length: n }, (_, i) => Math.cos(i) * 3);
    const op: LinearOperator = (v) => v.map((x, i) => x * diag[i]);
    const slq = stochasticLanczosQuadrature(op, n, { probes: 4, steps: 8, rng: Rng.fromSeed(60) });
    const sumW = slq.weights.reduce((s, w) => s + w, 0);
    // each probe's weights are squared components of a unit vector: sum to 1 up to rounding
    expect(sumW).toBeCloseTo(1, 13);
    // Gauss rule with m = 8 nodes integrates degree ≤ 15 exactly against μ_v, and for diagonal D and a
    // unit Rademacher v, ∫ t^p dμ_v = Σ d_i^p v_i² = tr(D^p)/n exactly: only rounding error remains.
    const m1 = slq.nodes.reduce((s, x, i) => s + slq.weights[i] * x, 0);
    const m2 = slq.nodes.reduce((s, x, i) => s + slq.weights[i] * x * x, 0);
    const t1 = diag.reduce((s, x) => s + x, 0) / n;
    const t2 = diag.reduce((s, x) => s + x * x, 0) / n;
    expect(m1).toBeCloseTo(t1, 12);
    expect(m2).toBeCloseTo(t2, 12);
  });

  it('moments match tr(A)/n and tr(A²)/n within finite-sample error for a dense operator', () => {
    const rng = Rng.fromSeed(61);
    const n = 60;
    const a = randomSymmetric(n, rng.child('a'));
    const probes = 40;
    const slq = stochasticLanczosQuadrature(opOf(a), n, { probes, steps: 10, rng: rng.child('slq') });
    const { t1, t2 } = traces(a);
    const m1 = slq.nodes.reduce((s, x, i) => s + slq.weights[i] * x, 0);
    const m2 = slq.nodes.reduce((s, x, i) => s + slq.weights[i] * x * x, 0);
    // the quadrature reproduces vᵀAv and vᵀA²v exactly per probe (degree ≤ 2m−1), so the error is
    // Hutchinson's: Var[zᵀBz/n] = 2 Σ_{i≠j} b_ij² / n² per probe; allow 5σ (Chebyshev: P ≤ 4%).
    const a2 = naiveMul(a, a);
    const offVar = (b: Mat) => {
      let s = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) s += b.data[i * n + j] ** 2;
      return (2 * s) / (n * n) / probes;
    };
    expect(Math.abs(m1 - t1 / n)).toBeLessThan(5 * Math.sqrt(offVar(a)));
    expect(Math.abs(m2 - t2 / n)).toBeLessThan(5 * Math.sqrt(offVar(a2)));
    expect(slq.weights.every((w) => w >= 0)).toBe(true);
    expect(slq.nodes.length).toBe(probes * 10);
  });

  it('with steps = n every probe recovers the exact spectrum as nodes', () => {
    const n = 7;
    const a = withSpectrum([-2, -1, 0.5, 1, 3, 4, 6], Rng.fromSeed(62));
    const slq = stochasticLanczosQuadrature(opOf(a), n, { probes: 3, steps: n, rng: Rng.fromSeed(62, 'slq') });
    const ev = [-2, -1, 0.5, 1, 3, 4, 6];
    // n Lanczos steps span Rⁿ (generic probe), so T_n is orthogonally similar to A: nodes = eigenvalues to c·n·ε·‖A‖
    expect(slq.nodes.length).toBe(3 * n);
    for (let p = 0; p < 3; p++) for (let i = 0; i < n; i++) expect(Math.abs(slq.nodes[p * n + i] - ev[i])).toBeLessThan(1e-12);
    // every moment p ≤ 2n−1 is then exact per probe; pooled weights still sum to 1
    expect(slq.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 13);
  });

  it('spectralDensity integrates to 1 and peaks at the nodes', () => {
    const slq = { nodes: Float64Array.from([-1, 2]), weights: Float64Array.from([0.25, 0.75]) };
    const h = 0.001;
    const grid = Float64Array.from({ length: 8001 }, (_, i) => -4 + i * h);
    const dens = spectralDensity(slq, grid, 0.1);
    // Riemann sum of a smooth density on a fine grid covering ±20σ: error ≪ 1e-9
    const integral = dens.reduce((s, x) => s + x, 0) * h;
    expect(integral).toBeCloseTo(1, 9);
    // value at a node: w/(σ√(2π)) + negligible tail of the other Gaussian (30σ away)
    expect(dens[6000]).toBeCloseTo(0.75 / (0.1 * Math.sqrt(2 * Math.PI)), 10);
    expect(() => spectralDensity(slq, grid, 0)).toThrow(/sigma must be positive, got 0/);
  });
});

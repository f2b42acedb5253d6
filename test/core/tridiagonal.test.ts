/**
 * Oracle tests for the blocked kernels of the symmetric eigensolver: the dlatrd-style panel reduction
 * `tridiagonalize` against an unblocked two-sided Householder reduction written out densely here (GVL
 * Alg. 8.3.1 with the same sign convention), and the compact-WY back-transformation `applyReflectorsLeft`
 * against applying the reflectors one at a time. Sizes straddle the panel (32), the WY block (64), the row
 * block of the trailing GEMM (256), the native symv threshold (64 rows) and its two-thread split (256 rows), on every
 * kernel backend here.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { KERNEL_BACKENDS, type Kernels, kernels, setKernels } from '../../src/core/kernels.ts';
import { tridiagonalEigDC } from '../../src/core/linalg/divideConquer.ts';
import { applyReflectorsLeft, tridiagonalize } from '../../src/core/linalg/tridiagonal.ts';
import { eigh, eigvalsh } from '../../src/core/linalg.ts';
import { Rng } from '../../src/core/random.ts';
import { loadNativeKernels } from '../../src/run/nativeKernels.ts';

const EPS = 2.220446049250313e-16;

function randomSymmetric(n: number, rng: Rng): Float64Array {
  const a = rng.fillNormal(new Float64Array(n * n));
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
  return a;
}

function frob(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s);
}

/** Dense C = op(A) B for square n×n row-major (plain loops, independent of the kernels under test). */
function mul(a: Float64Array, b: Float64Array, n: number, transA: boolean): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < n; p++) {
      const aip = transA ? a[p * n + i] : a[i * n + p];
      for (let j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j];
    }
  return c;
}

/** The reflector stored by `tridiagonalize` in row c of w: v[c+1..n) (zero elsewhere). */
function reflector(w: Float64Array, n: number, c: number): Float64Array {
  const v = new Float64Array(n);
  for (let i = c + 1; i < n; i++) v[i] = w[c * n + i];
  return v;
}

/** x ← (I − β v vᵀ) x on every column of the n×nc row-major x. */
function applyOne(x: Float64Array, n: number, nc: number, v: Float64Array, beta: number): void {
  for (let q = 0; q < nc; q++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += v[i] * x[i * nc + q];
    s *= beta;
    for (let i = 0; i < n; i++) x[i * nc + q] -= s * v[i];
  }
}

/**
 * Unblocked reference (GVL Alg. 8.3.1, dense two-sided update A ← H A H on the full matrix): the same
 * reflector convention as `tridiagonalize` (v = x − αe₁, α = −sign(x₁)‖x‖, β = 2/vᵀv).
 */
function tridiagonalizeReference(a0: Float64Array, n: number): { d: Float64Array; e: Float64Array } {
  const a = a0.slice();
  for (let c = 0; c < n - 2; c++) {
    const v = new Float64Array(n);
    let ss = 0;
    for (let i = c + 1; i < n; i++) {
      v[i] = a[i * n + c];
      ss += v[i] * v[i];
    }
    if (ss === 0) continue;
    const r = Math.sqrt(ss);
    const alpha = v[c + 1] >= 0 ? -r : r;
    v[c + 1] -= alpha;
    let vv = 0;
    for (const x of v) vv += x * x;
    const beta = 2 / vv;
    applyOne(a, n, n, v, beta); // H A
    const at = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) at[j * n + i] = a[i * n + j];
    applyOne(at, n, n, v, beta); // (H A) H = (H (H A)ᵀ)ᵀ, H symmetric
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = at[j * n + i];
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    d[i] = a[i * n + i];
    if (i + 1 < n) e[i] = a[(i + 1) * n + i];
  }
  return { d, e };
}

/** Symmetric A = U diag(λ) Uᵀ with U a product of n random reflections (orthogonal to rounding). */
function withSpectrum(lambda: readonly number[], rng: Rng): Float64Array {
  const n = lambda.length;
  const u = new Float64Array(n * n);
  for (let i = 0; i < n; i++) u[i * n + i] = 1;
  for (let r = 0; r < n; r++) applyOne(u, n, n, rng.fillNormal(new Float64Array(n)).map((x, _i, arr) => x / frob(arr)), 2);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += u[i * n + t] * lambda[t] * u[j * n + t];
      a[i * n + j] = s;
    }
  // exact symmetry (the lower triangle is what eigh reads; mirror it)
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
  return a;
}

/** ‖Xᵀ X − I‖_max for the n×n row-major X. */
function orthError(x: Float64Array, n: number): number {
  const g = mul(x, x, n, true);
  let worst = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(g[i * n + j] - (i === j ? 1 : 0)));
  return worst;
}

const backends: [string, Kernels][] = [];
for (const name of ['js', 'wasm']) {
  const k = KERNEL_BACKENDS[name]?.();
  if (k) backends.push([name, k]);
}
const native = loadNativeKernels({ threads: 1 }).kernels;
if (native) backends.push(['native', native]);
// two threads: the threaded symv (≥ 256 trailing rows, so n = 300 reaches it) and the products' pool
const native2 = loadNativeKernels({ threads: 2 }).kernels;
if (native2) backends.push(['native, 2 threads', native2]);
const original = kernels();
afterAll(() => {
  setKernels(original);
});

describe.each(backends)('blocked tridiagonalization and back-transformation (%s kernels)', (_name, k) => {
  for (const n of [1, 2, 3, 5, 31, 32, 33, 34, 70, 100, 300]) {
    it(`tridiagonalize(n = ${n}): QᵀAQ = T with Q orthogonal, and T matches the unblocked reduction`, () => {
      setKernels(k);
      const a = randomSymmetric(n, Rng.fromSeed(21, 'tridiag', n));
      const w = a.slice();
      const beta = new Float64Array(n);
      const { d, e } = tridiagonalize(w, n, beta);
      // Q = H_0 ⋯ H_{n−3}, formed by the blocked back-transformation applied to I
      const q = new Float64Array(n * n);
      for (let i = 0; i < n; i++) q[i * n + i] = 1;
      applyReflectorsLeft(w, n, beta, q, n);
      const t = mul(q, mul(a, q, n, false), n, true);
      for (let i = 0; i < n; i++) {
        t[i * n + i] -= d[i];
        if (i + 1 < n) {
          t[(i + 1) * n + i] -= e[i];
          t[i * n + i + 1] -= e[i];
        }
      }
      // Householder reductions are backward stable: QᵀAQ = T + E, ‖E‖_F ≤ c·n·ε·‖A‖_F, ‖QᵀQ − I‖ ≤ c·n·ε
      // (GVL §8.3.6, Higham Thm. 19.4 with c a small constant); c = 50 as in linalg.test.ts.
      const na = frob(a);
      expect(frob(t)).toBeLessThanOrEqual(50 * Math.max(n, 1) * EPS * na);
      expect(orthError(q, n)).toBeLessThanOrEqual(50 * Math.max(n, 1) * EPS);
      // The same reflections in exact arithmetic as the unblocked reference (same sign convention, so T is
      // unique: implicit-Q theorem, GVL Thm. 8.3.2). The entries of the two computed T differ by the
      // backward error amplified by the reduction's condition number, which grows like 1/min|e_i|; for these
      // Gaussian matrices |e_i| is of order ‖A‖, and a factor n over the backward bound is allowed for it
      // (a wrong reflector or a missed panel correction moves T by O(‖A‖)). Their eigenvalues, exact for
      // A + E₁ and A + E₂, differ by ≤ ‖E₁‖₂ + ‖E₂‖₂ (Weyl) with no such factor.
      const ref = tridiagonalizeReference(a, n);
      for (let i = 0; i < n; i++) {
        expect(Math.abs(d[i] - ref.d[i])).toBeLessThanOrEqual(100 * n * n * EPS * na);
        expect(Math.abs(e[i] - ref.e[i])).toBeLessThanOrEqual(100 * n * n * EPS * na);
      }
      const ours = eigvalsh({ rows: n, cols: n, data: a });
      const td = Float64Array.from(ref.d);
      const tm = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        tm[i * n + i] = td[i];
        if (i + 1 < n) tm[(i + 1) * n + i] = ref.e[i];
      }
      const refValues = eigvalsh({ rows: n, cols: n, data: tm });
      for (let i = 0; i < n; i++) expect(Math.abs(ours[i] - refValues[i])).toBeLessThanOrEqual(100 * Math.max(n, 1) * EPS * na);
    });
  }

  for (const [n, nc] of [
    [3, 1],
    [5, 5],
    [64, 7],
    [65, 65],
    [66, 1],
    [130, 130],
    [200, 33],
  ] as const) {
    it(`applyReflectorsLeft(n = ${n}, ${nc} columns) in compact WY agrees with one reflector at a time`, () => {
      setKernels(k);
      const rng = Rng.fromSeed(22, 'wy', n, nc);
      const w = randomSymmetric(n, rng);
      const beta = new Float64Array(n);
      tridiagonalize(w, n, beta);
      const x0 = rng.fillNormal(new Float64Array(n * nc));
      const x = x0.slice();
      applyReflectorsLeft(w, n, beta, x, nc);
      const ref = x0.slice();
      for (let c = n - 3; c >= 0; c--) applyOne(ref, n, nc, reflector(w, n, c), beta[c]);
      // Both are r = n − 2 reflections applied to each column in floating point: each result is Q(x + Δx)
      // with ‖Δx‖ ≤ r·γ̃_n‖x‖ (Higham Lemma 19.3, γ̃_n = c·n·ε), so they differ by ≤ 2·r·c·n·ε·‖x‖ (c = 10).
      for (let q = 0; q < nc; q++) {
        let norm = 0;
        for (let i = 0; i < n; i++) norm += x0[i * nc + q] ** 2;
        norm = Math.sqrt(norm);
        for (let i = 0; i < n; i++) expect(Math.abs(x[i * nc + q] - ref[i * nc + q])).toBeLessThanOrEqual(20 * n * n * EPS * norm);
      }
    });
  }

  it('a diagonal matrix needs no reflections: T is the diagonal and eigh returns it sorted, exactly', () => {
    setKernels(k);
    const n = 70;
    const rng = Rng.fromSeed(23, 'diag');
    const a = new Float64Array(n * n);
    const diag = rng.fillNormal(new Float64Array(n));
    for (let i = 0; i < n; i++) a[i * n + i] = diag[i];
    const beta = new Float64Array(n);
    const { d, e } = tridiagonalize(a.slice(), n, beta);
    expect(Array.from(beta).every((b) => b === 0)).toBe(true);
    expect(Array.from(d)).toEqual(Array.from(diag));
    expect(Array.from(e).every((x) => x === 0)).toBe(true);
    const sorted = Array.from(diag).sort((x, y) => x - y);
    // QL on a diagonal T does no rotation: exact
    expect(Array.from(eigvalsh({ rows: n, cols: n, data: a }))).toEqual(sorted);
    // divide and conquer works on T/‖T‖_max (as dstedc) and scales back: two roundings, ≤ 2ε|λ|; the
    // eigenvectors are then ± coordinate vectors, exactly
    const { values, vectors } = eigh({ rows: n, cols: n, data: a });
    for (let i = 0; i < n; i++) expect(Math.abs(values[i] - sorted[i])).toBeLessThanOrEqual(2 * EPS * Math.abs(sorted[i]));
    expect(vectors.data.every((x) => x === 0 || Math.abs(x) === 1)).toBe(true);
    expect(orthError(vectors.data, n)).toBe(0);
  });

  for (const [label, lambda] of [
    ['repeated', Array.from({ length: 70 }, (_, i) => [1, 1, 1, -2, 5][i % 5])],
    ['clustered', Array.from({ length: 97 }, (_, i) => (i < 60 ? 1 + i * 1e-13 : i))],
  ] as const) {
    it(`eigh on ${label} eigenvalues (n = ${lambda.length}): spectrum, residual and orthogonality`, () => {
      setKernels(k);
      const n = lambda.length;
      const a = withSpectrum(lambda, Rng.fromSeed(24, label));
      const { values, vectors } = eigh({ rows: n, cols: n, data: a });
      const norm = Math.max(...lambda.map(Math.abs));
      const want = [...lambda].sort((x, y) => x - y);
      // Weyl: |λ̂ − λ| ≤ ‖E‖₂ ≤ c·n·ε·‖A‖₂ (backward stability, c = 100 including the construction's rounding)
      for (let i = 0; i < n; i++) expect(Math.abs(values[i] - want[i])).toBeLessThanOrEqual(100 * n * EPS * norm);
      expect(orthError(vectors.data, n)).toBeLessThanOrEqual(50 * n * EPS);
      const q = vectors.data;
      const aq = mul(a, q, n, false);
      let r = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) r += (aq[i * n + j] - q[i * n + j] * values[j]) ** 2;
      expect(Math.sqrt(r)).toBeLessThanOrEqual(50 * n * EPS * frob(a));
    });
  }
});

describe('divide and conquer on structured tridiagonals (merges that deflate most of a half, scratch reused)', () => {
  /** ‖T V − V Λ‖_F for the tridiagonal (d, e) and the rows of vt as eigenvectors. */
  function residual(d: Float64Array, e: Float64Array, values: Float64Array, vt: Float64Array): number {
    const n = d.length;
    let r = 0;
    for (let i = 0; i < n; i++) {
      const v = vt.subarray(i * n, (i + 1) * n);
      for (let j = 0; j < n; j++) {
        const tv = d[j] * v[j] + (j > 0 ? e[j - 1] * v[j - 1] : 0) + (j < n - 1 ? e[j] * v[j + 1] : 0);
        r += (tv - values[i] * v[j]) ** 2;
      }
    }
    return Math.sqrt(r);
  }

  const n = 150;
  const cases: [string, (i: number) => number, (i: number) => number][] = [
    // the left half is a multiple of the identity with no coupling: all but one of its columns deflate
    ['identity left half, coupled right half', (i) => (i < 75 ? 1 : Math.cos(i)), (i) => (i < 74 ? 0 : 0.5)],
    // glued Wilkinson matrices: pairs of nearly equal eigenvalues (Givens deflation of close poles)
    ['glued Wilkinson W₂₁⁺', (i) => Math.abs((i % 21) - 10), (i) => ((i + 1) % 21 === 0 ? 1e-8 : 1)],
    ['zero couplings everywhere but a few', (i) => (i % 7) * 0.5, (i) => (i % 37 === 0 ? 1 : 0)],
  ];
  for (const [label, di, ei] of cases) {
    it(`${label}: residual and orthogonality at rounding level`, () => {
      const d = Float64Array.from({ length: n }, (_, i) => di(i));
      const e = Float64Array.from({ length: n }, (_, i) => (i < n - 1 ? ei(i) : 0));
      const { values, vt } = tridiagonalEigDC(d.slice(), e.slice());
      const norm = Math.max(...Array.from(d, Math.abs)) + 2 * Math.max(...Array.from(e, Math.abs));
      for (let i = 1; i < n; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
      // backward stable (dstedc): residual ≤ c·n·ε·‖T‖ and orthogonality ≤ c·n·ε, c as in the eigh tests above
      expect(residual(d, e, values, vt)).toBeLessThanOrEqual(50 * n * EPS * norm * Math.sqrt(n));
      expect(orthError(vt, n)).toBeLessThanOrEqual(50 * n * EPS);
    });
  }
});

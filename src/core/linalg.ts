/**
 * PROVISIONAL minimal linear algebra (cyclic Jacobi eigensolver, Lanczos with full
 * reorthogonalization, Hutchinson, SLQ). To be replaced by the full implementation.
 */
import type { Mat } from './mat.ts';
import type { Rng } from './random.ts';

export interface EighResult {
  values: Float64Array;
  vectors: Mat;
}

/** Symmetric eigendecomposition by cyclic Jacobi rotations (Golub & Van Loan §8.5). */
export function eigh(a: Mat): EighResult {
  const n = a.rows;
  const A = Float64Array.from(a.data);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A[i * n + j] = A[j * n + i] = 0.5 * (A[i * n + j] + A[j * n + i]);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let tot = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        tot += A[i * n + j] ** 2;
        if (i !== j) off += A[i * n + j] ** 2;
      }
    if (off <= 1e-30 * tot || off === 0) break;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => A[x * n + x] - A[y * n + y]);
  const values = new Float64Array(n);
  const vecs = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = A[src * n + src];
    for (let k = 0; k < n; k++) vecs[k * n + dst] = V[k * n + src];
  });
  return { values, vectors: { rows: n, cols: n, data: vecs } };
}

export function eigvalsh(a: Mat): Float64Array {
  return eigh(a).values;
}

export type LinearOperator = (v: Float64Array) => Float64Array;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Lanczos with full reorthogonalization; Ritz pairs from the tridiagonal matrix. */
export function lanczos(
  op: LinearOperator,
  n: number,
  opts: { k: number; maxIter?: number; tol?: number; rng: Rng; which?: 'largest' | 'smallest' | 'largest-magnitude' },
): { values: Float64Array; vectors: Float64Array[]; iterations: number; residuals: Float64Array; converged: boolean } {
  const m = Math.min(opts.maxIter ?? 50, n);
  const Q: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let q = opts.rng.fillNormal(new Float64Array(n));
  let nq = Math.sqrt(dot(q, q));
  q = q.map((x) => x / nq);
  for (let j = 0; j < m; j++) {
    Q.push(q);
    const w = op(q);
    const a = dot(w, q);
    alpha.push(a);
    for (let r = 0; r < 2; r++)
      for (const qi of Q) {
        const c = dot(w, qi);
        for (let i = 0; i < n; i++) w[i] -= c * qi[i];
      }
    nq = Math.sqrt(dot(w, w));
    if (nq < 1e-12 || j === m - 1) break;
    beta.push(nq);
    q = w.map((x) => x / nq);
  }
  const kdim = alpha.length;
  const T = new Float64Array(kdim * kdim);
  for (let i = 0; i < kdim; i++) {
    T[i * kdim + i] = alpha[i];
    if (i + 1 < kdim) T[i * kdim + i + 1] = T[(i + 1) * kdim + i] = beta[i];
  }
  const { values, vectors } = eigh({ rows: kdim, cols: kdim, data: T });
  const which = opts.which ?? 'largest';
  const idx = Array.from({ length: kdim }, (_, i) => i);
  if (which === 'largest') idx.reverse();
  else if (which === 'largest-magnitude') idx.sort((x, y) => Math.abs(values[y]) - Math.abs(values[x]));
  const k = Math.min(opts.k, kdim);
  const outV: Float64Array[] = [];
  const outL = new Float64Array(k);
  const res = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    const c = idx[t];
    outL[t] = values[c];
    const v = new Float64Array(n);
    for (let j = 0; j < kdim; j++) {
      const s = vectors.data[j * kdim + c];
      for (let i = 0; i < n; i++) v[i] += s * Q[j][i];
    }
    outV.push(v);
    res[t] = Math.abs((beta[kdim - 1] ?? 0) * vectors.data[(kdim - 1) * kdim + c]);
  }
  const tol = opts.tol ?? 1e-8;
  return { values: outL, vectors: outV, iterations: kdim, residuals: res, converged: [...res].every((r, t) => r <= tol * Math.max(1, Math.abs(outL[t]))) };
}

export function hutchinsonTrace(op: LinearOperator, n: number, opts: { samples: number; rng: Rng }): { estimate: number; stderr: number } {
  const xs: number[] = [];
  for (let s = 0; s < opts.samples; s++) {
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) z[i] = opts.rng.uniform() < 0.5 ? -1 : 1;
    xs.push(dot(z, op(z)));
  }
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1);
  return { estimate: mean, stderr: Math.sqrt(v / xs.length) };
}

export function stochasticLanczosQuadrature(op: LinearOperator, n: number, opts: { probes: number; steps: number; rng: Rng }): { nodes: Float64Array; weights: Float64Array } {
  const nodes: number[] = [];
  const weights: number[] = [];
  for (let p = 0; p < opts.probes; p++) {
    const r = lanczos(op, n, { k: opts.steps, maxIter: opts.steps, rng: opts.rng.child('probe', p), which: 'smallest' });
    void r;
  }
  return { nodes: Float64Array.from(nodes), weights: Float64Array.from(weights) };
}

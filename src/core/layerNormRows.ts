/**
 * The LayerNorm loops without tangents (Ba, Kiros & Hinton 2016) on raw row-major arrays: what `fusedLayerNorm`
 * (core/fused.ts) runs for its value and gradient, and what a backend's optional `layerNorm` / `layerNormBackward`
 * replace (the WebAssembly ones bit for bit: the same operations in the same order, two rows per SIMD register).
 * JS arithmetic is in double and rounds on store, so float32 arrays round where these loops store.
 */
import type { FloatArray } from './mat.ts';

/**
 * Per row r of x (rows = rstd.length, n = gamma.length): μ, then σ² = mean (x − μ)² (two passes, in order),
 * rstd[r] = 1/√(σ² + ε), x̂ = (x − μ)·rstd[r], and y = γ ⊙ x̂ + β from x̂ as stored.
 */
export function layerNormRows(x: FloatArray, gamma: FloatArray, beta: FloatArray, eps: number, y: FloatArray, xhat: FloatArray, rstd: Float64Array): void {
  const n = gamma.length;
  const rows = rstd.length;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let mu = 0;
    for (let j = 0; j < n; j++) mu += x[o + j];
    mu /= n;
    let v = 0;
    for (let j = 0; j < n; j++) v += (x[o + j] - mu) ** 2;
    const rs = 1 / Math.sqrt(v / n + eps);
    rstd[r] = rs;
    for (let j = 0; j < n; j++) xhat[o + j] = (x[o + j] - mu) * rs;
    for (let j = 0; j < n; j++) y[o + j] = gamma[j] * xhat[o + j] + beta[j];
  }
}

/**
 * The adjoint, accumulated: gGamma[j] += Σ_r g x̂ and gBeta[j] += Σ_r g (rows in order; either may be null), and unless
 * gx is null, per row with u = γ ⊙ g, s = mean u, m = mean(u x̂): gx += rstd[r]·(u − s − x̂ m).
 */
export function layerNormBackwardRows(g: FloatArray, xhat: FloatArray, rstd: Float64Array, gamma: FloatArray, gx: FloatArray | null, gGamma: FloatArray | null, gBeta: FloatArray | null): void {
  const n = gamma.length;
  const rows = rstd.length;
  if (gGamma !== null || gBeta !== null)
    for (let r = 0; r < rows; r++)
      for (let j = 0, o = r * n; j < n; j++) {
        const gi = g[o + j];
        if (gGamma !== null) gGamma[j] += gi * xhat[o + j];
        if (gBeta !== null) gBeta[j] += gi;
      }
  if (gx === null) return;
  const u = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let su = 0;
    let m = 0;
    for (let j = 0; j < n; j++) {
      u[j] = gamma[j] * g[o + j];
      su += u[j];
      m += u[j] * xhat[o + j];
    }
    su /= n;
    m /= n;
    const rs = rstd[r];
    for (let j = 0; j < n; j++) gx[o + j] += rs * (u[j] - su - xhat[o + j] * m);
  }
}

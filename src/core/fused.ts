/**
 * Fused ops for the transformer's hot path: the exact GELU x·Φ(x) and LayerNorm over the last axis, each
 * one op with the same three rules as every op of ./ops.ts (forward value, forward tangent, backward
 * adjoint and its tangent), so `hessianVectorProduct` stays exact (forward-over-reverse, Pearlmutter 1994).
 * They compute what `op.gelu` and `op.layerNorm` compute (test/core/fused.test.ts checks both against the
 * composition and against finite differences); the gain is one pass per row or element instead of ~8
 * broadcast ops, and Φ(x) from a table with a Taylor step instead of erf's power series.
 */
import { geluTable } from './geluTable.ts';
import { kernels } from './kernels.ts';
import type { FloatArray } from './mat.ts';
import { gradBuf, gradTangentBuf, record } from './ops.ts';
import { INV_SQRT_2PI } from './special.ts';
import { allocForWrite, allocLike, allocLikeForWrite, isGradEnabled, shapeStr, Tensor } from './tensor.ts';

/** The table-and-Taylor GELU loop (core/geluTable.ts), used when the backend has no `gelu`. */
export { geluTable };

// ---- GELU -----------------------------------------------------------------------------------------

/**
 * The exact GELU y = x Φ(x) (Hendrycks & Gimpel 2016), the function `op.gelu` computes, in one pass:
 * f′ = Φ + xφ is kept from the forward pass (the backward needs it), f″ = φ (2 − x²) is formed in the
 * backward only when a tangent needs it. Rules: ẏ = f′ ẋ; ḡx = f′ g; ġx = f′ ġ + f″ g ẋ.
 */
export function fusedGelu(a: Tensor): Tensor {
  const n = a.size;
  const x = a.data;
  // the kernel (or the table) writes every element of y and d1
  const y = allocLikeForWrite(x, n);
  const keep = a.tangent !== null || (isGradEnabled() && a.requiresGrad);
  const d1 = keep ? allocLikeForWrite(x, n) : null;
  // a backend's vectorised GELU when it has one: the WebAssembly one gives geluTable's bits, the native one
  // (libmvec erfc and exp) its own rounding
  const k = kernels();
  if (k.gelu) k.gelu(x, y, d1);
  else geluTable(x, y, d1);
  const res = new Tensor(y, a.shape);
  if (d1 !== null) res.saved = [d1];
  const at = a.tangent;
  if (at !== null && d1 !== null) {
    const t = allocLike(x, n);
    for (let i = 0; i < n; i++) t[i] = d1[i] * at[i];
    res.tangent = t;
  }
  return record(res, [a], 'gelu', () => {
    const g = res.grad;
    if (g === null || d1 === null) return;
    const ga = gradBuf(a);
    for (let i = 0; i < n; i++) ga[i] += g[i] * d1[i];
    const gt = res.gradTangent;
    if (gt === null && at === null) return;
    const gta = gradTangentBuf(a);
    if (gt !== null) for (let i = 0; i < n; i++) gta[i] += gt[i] * d1[i];
    if (at !== null)
      for (let i = 0; i < n; i++) {
        const v = x[i];
        gta[i] += g[i] * INV_SQRT_2PI * Math.exp(-0.5 * v * v) * (2 - v * v) * at[i];
      }
  });
}

// ---- LayerNorm ------------------------------------------------------------------------------------

/** What the LayerNorm forward keeps per row for the backward: x̂, 1/σ, and in tangent mode x̂̇ and a = ⟨x̂, ẋ⟩/n. */
interface NormSaved {
  xhat: FloatArray;
  rstd: Float64Array;
  xhatDot: Float64Array | null;
  a: Float64Array | null;
}

function normForward(x: FloatArray, xt: FloatArray | null, rows: number, n: number, eps: number): NormSaved {
  const xhat = allocLikeForWrite(x, rows * n);
  const rstd = new Float64Array(rows);
  const xhatDot = xt !== null ? (allocForWrite('f64', rows * n) as Float64Array) : null; // every row writes its x̂̇
  const aRow = xt !== null ? new Float64Array(rows) : null;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    // two passes over the row (in L1): the mean, then the centred second moment, as the composition does
    let mu = 0;
    for (let j = 0; j < n; j++) mu += x[o + j];
    mu /= n;
    let v = 0;
    for (let j = 0; j < n; j++) v += (x[o + j] - mu) ** 2;
    const rs = 1 / Math.sqrt(v / n + eps);
    rstd[r] = rs;
    for (let j = 0; j < n; j++) xhat[o + j] = (x[o + j] - mu) * rs;
    if (xt === null || xhatDot === null || aRow === null) continue;
    // x̂̇ = r (ẋ − mean ẋ − x̂ a), a = mean(x̂ ẋ)
    let mt = 0;
    let a = 0;
    for (let j = 0; j < n; j++) {
      mt += xt[o + j];
      a += xhat[o + j] * xt[o + j];
    }
    mt /= n;
    a /= n;
    aRow[r] = a;
    for (let j = 0; j < n; j++) xhatDot[o + j] = rs * (xt[o + j] - mt - xhat[o + j] * a);
  }
  return { xhat, rstd, xhatDot, a: aRow };
}

/**
 * Layer normalization over the last axis (Ba, Kiros & Hinton 2016), y = γ ⊙ (x − μ)/√(σ² + ε) + β, the
 * function `op.layerNorm(x, γ, β, ε)` composes, as one op. Per row, with x̂ = (x − μ) r, r = (σ² + ε)^{−1/2},
 * u = γ ⊙ g and m = mean(u x̂):
 *   ẏ  = γ̇ x̂ + γ x̂̇ + β̇,             x̂̇ = r (ẋ − mean ẋ − x̂ a),  a = mean(x̂ ẋ)
 *   ḡx = r (u − mean u − x̂ m);      ḡγ = Σ_rows g x̂;  ḡβ = Σ_rows g
 *   ġx = ṙ (u − mean u − x̂ m) + r (u̇ − mean u̇ − x̂̇ m − x̂ ṁ),  ṙ = −r² a,  u̇ = γ ġ + γ̇ g,  ṁ = mean(u̇ x̂ + u x̂̇)
 *   ġγ = Σ_rows (ġ x̂ + g x̂̇);  ġβ = Σ_rows ġ                       (the product rule on the backward rule)
 */
export function fusedLayerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  const n = x.shape[x.ndim - 1];
  if (x.ndim < 1 || n === 0) throw new Error(`fusedLayerNorm: input shape ${shapeStr(x.shape)}, expected a non-empty last axis`);
  for (const [name, t] of [['gamma', gamma], ['beta', beta]] as const)
    if (t.size !== n) throw new Error(`fusedLayerNorm: ${name} shape ${shapeStr(t.shape)}, expected [${n}] (the last axis of ${shapeStr(x.shape)})`);
  const rows = x.size / n;
  const y = allocLikeForWrite(x.data, x.size);
  const s = normForward(x.data, x.tangent, rows, n, eps);
  const gd = gamma.data;
  const bd = beta.data;
  const res = new Tensor(y, x.shape);
  res.saved = s.xhatDot !== null ? [s.xhat, s.xhatDot] : [s.xhat];
  if (x.tangent !== null || gamma.tangent !== null || beta.tangent !== null) res.tangent = normTangent(s, gamma, beta, rows, n);
  for (let r = 0; r < rows; r++) for (let j = 0, o = r * n; j < n; j++) y[o + j] = gd[j] * s.xhat[o + j] + bd[j];
  return record(res, [x, gamma, beta], 'layerNorm', () => {
    const g = res.grad;
    if (g === null) return;
    const gt = res.gradTangent;
    const tm = gt !== null || x.tangent !== null || gamma.tangent !== null || beta.tangent !== null;
    if (gamma.requiresGrad || beta.requiresGrad) normParamGrads(s, g, tm ? gt : null, tm, gamma, beta, rows, n);
    if (x.requiresGrad) normInputGrad(s, g, tm ? gt : null, tm, x, gamma, rows, n);
  });
}

/** ẏ = γ̇ x̂ + γ x̂̇ + β̇ (absent tangents are zero). */
function normTangent(s: NormSaved, gamma: Tensor, beta: Tensor, rows: number, n: number): FloatArray {
  const t = allocLike(s.xhat, rows * n);
  const gd = gamma.data;
  const gdot = gamma.tangent;
  const bdot = beta.tangent;
  for (let r = 0; r < rows; r++)
    for (let j = 0, o = r * n; j < n; j++) {
      const i = o + j;
      t[i] = (gdot !== null ? gdot[j] * s.xhat[i] : 0) + (s.xhatDot !== null ? gd[j] * s.xhatDot[i] : 0) + (bdot !== null ? bdot[j] : 0);
    }
  return t;
}

/** ḡγ += Σ g x̂, ḡβ += Σ g; in tangent mode ġγ += Σ (ġ x̂ + g x̂̇), ġβ += Σ ġ. */
function normParamGrads(s: NormSaved, g: FloatArray, gt: FloatArray | null, tm: boolean, gamma: Tensor, beta: Tensor, rows: number, n: number): void {
  const gg = gamma.requiresGrad ? gradBuf(gamma) : null;
  const gb = beta.requiresGrad ? gradBuf(beta) : null;
  const tg = tm && gamma.requiresGrad ? gradTangentBuf(gamma) : null;
  const tb = tm && beta.requiresGrad ? gradTangentBuf(beta) : null;
  const xd = s.xhatDot;
  if (tg === null && tb === null && gg !== null && gb !== null) {
    // the gradient alone (a training step): the same sums without the per-element tests
    const xhat = s.xhat;
    for (let r = 0; r < rows; r++)
      for (let j = 0, o = r * n; j < n; j++) {
        const gi = g[o + j];
        gg[j] += gi * xhat[o + j];
        gb[j] += gi;
      }
    return;
  }
  for (let r = 0; r < rows; r++)
    for (let j = 0, o = r * n; j < n; j++) {
      const i = o + j;
      if (gg !== null) gg[j] += g[i] * s.xhat[i];
      if (gb !== null) gb[j] += g[i];
      if (tg !== null) tg[j] += (gt !== null ? gt[i] * s.xhat[i] : 0) + (xd !== null ? g[i] * xd[i] : 0);
      if (tb !== null && gt !== null) tb[j] += gt[i];
    }
}

/** ḡx and, in tangent mode, ġx (the rules in `fusedLayerNorm`'s comment), row by row. */
function normInputGrad(s: NormSaved, g: FloatArray, gt: FloatArray | null, tm: boolean, x: Tensor, gamma: Tensor, rows: number, n: number): void {
  const gx = gradBuf(x);
  const tx = tm ? gradTangentBuf(x) : null;
  const gd = gamma.data;
  const gdot = gamma.tangent;
  const { xhat, xhatDot: xd, rstd, a } = s;
  const u = new Float64Array(n);
  const ud = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let su = 0;
    let m = 0;
    for (let j = 0; j < n; j++) {
      u[j] = gd[j] * g[o + j];
      su += u[j];
      m += u[j] * xhat[o + j];
    }
    su /= n;
    m /= n;
    const rs = rstd[r];
    for (let j = 0; j < n; j++) gx[o + j] += rs * (u[j] - su - xhat[o + j] * m);
    if (tx === null) continue;
    let sud = 0;
    let md = 0;
    for (let j = 0; j < n; j++) {
      ud[j] = (gt !== null ? gd[j] * gt[o + j] : 0) + (gdot !== null ? gdot[j] * g[o + j] : 0);
      sud += ud[j];
      md += ud[j] * xhat[o + j] + (xd !== null ? u[j] * xd[o + j] : 0);
    }
    sud /= n;
    md /= n;
    const rdot = a !== null ? -rs * rs * a[r] : 0;
    for (let j = 0; j < n; j++) {
      const w = u[j] - su - xhat[o + j] * m;
      tx[o + j] += rdot * w + rs * (ud[j] - sud - (xd !== null ? xd[o + j] * m : 0) - xhat[o + j] * md);
    }
  }
}

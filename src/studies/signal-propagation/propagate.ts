/**
 * The measurement of the signal-propagation study (catalog 9): forward propagation of input pairs and tangent vectors
 * through a random fully connected network, h^{l+1} = W^{l+1} φ(h^l) + b^{l+1}, W_ij ~ N(0, σ_w²/N), b_i ~ N(0, σ_b²)
 * (Poole et al. 2016's setting, Eq. 1), fresh independent weights in every layer. Two ways to draw the product
 * W^{l+1}A for the m tracked columns A = [φ(h^l) …] (N × m), identical in law:
 *  - 'matrix': draw the N × N matrix W from `Rng` and multiply (O(N²) Gaussian draws per layer);
 *  - 'sampled': W is independent of A, so the rows of WA are i.i.d. N(0, (σ_w²/N)AᵀA); draw them directly as
 *    Ξ Sᵀ with Ξ (N × m) standard normal and S Sᵀ = (σ_w²/N)AᵀA (O(Nm) draws; the standard Gaussian-conditioning
 *    argument behind the mean-field recursions, e.g. Schoenholz et al. 2017 §2, used here without the N → ∞ step,
 *    so every finite-width fluctuation is kept). It makes averages over hundreds of networks affordable.
 * Browser-safe. Nothing is trained: the networks are random, so this is the study's own forward loop; it honours the
 * abort signal between layers.
 */
import { matmul } from '../../core/linalg.ts';
import type { Mat } from '../../core/mat.ts';
import type { Rng } from '../../core/random.ts';
import { throwIfAborted } from '../../nn/train.ts';
import { activationFunctions, type KernelActivation } from '../../theory/activations.ts';

export interface PropagationStats {
  /** q^l = (1/N) Σ_i h_i², averaged over the 2B inputs, l = 0..depth */
  q: Float64Array;
  /** mean over the B pairs of the empirical correlation, l = 0..depth */
  c: Float64Array;
  /** mean over the pairs of 1 − c, computed as ½‖u − v‖² of the normalized pre-activations (no cancellation) */
  gap: Float64Array;
  /** mean over the B tangent vectors of ‖v^{l+1}‖²/‖v^l‖² (v renormalized every layer), l = 0..depth−1 */
  jacobianGain: Float64Array;
}

/**
 * Two N-vectors with empirical second moments exactly (1/N)‖h₁‖² = (1/N)‖h₂‖² = q0 and empirical correlation c0
 * (Gram–Schmidt on two Gaussian vectors), written into columns 2b and 2b + 1 of `h` (N × cols, row-major).
 */
function pairWithCorrelation(h: Float64Array, cols: number, b: number, N: number, q0: number, c0: number, rng: Rng): void {
  const g1 = rng.fillNormal(new Float64Array(N));
  const g2 = rng.fillNormal(new Float64Array(N));
  let n1 = 0;
  for (const v of g1) n1 += v * v;
  n1 = Math.sqrt(n1);
  let dot = 0;
  for (let i = 0; i < N; i++) {
    g1[i] /= n1;
    dot += g1[i] * g2[i];
  }
  let n2 = 0;
  for (let i = 0; i < N; i++) {
    g2[i] -= dot * g1[i];
    n2 += g2[i] * g2[i];
  }
  n2 = Math.sqrt(n2);
  const scale = Math.sqrt(N * q0);
  const s = Math.sqrt(Math.max(0, 1 - c0 * c0));
  for (let i = 0; i < N; i++) {
    h[i * cols + 2 * b] = scale * g1[i];
    h[i * cols + 2 * b + 1] = scale * (c0 * g1[i] + (s * g2[i]) / n2);
  }
}

/**
 * Propagate B input pairs (layer-0 pre-activations with variance q0 and correlation c0) and B tangent vectors (one
 * per pair, attached to its first input) through `depth` random layers of width N. The tangent v^{l+1} =
 * W^{l+1}(φ′(h^l) ⊙ v^l) is the Jacobian-vector product of the layer map; its mean squared gain is χ₁ at
 * infinite width (Poole et al. 2016, Eq. 7: χ₁ = σ_w² E[φ′(h)²] is the mean squared singular value of ∂h^{l+1}/∂h^l).
 * One matrix product per layer carries all 3B columns.
 */
export function propagate(opts: {
  activation: KernelActivation;
  weightVariance: number;
  biasVariance: number;
  width: number;
  depth: number;
  pairs: number;
  q0: number;
  c0: number;
  rng: Rng;
  /** how W·A is drawn (see the module comment); default 'matrix' */
  method?: 'matrix' | 'sampled';
  signal?: AbortSignal;
}): PropagationStats {
  const { width: N, depth, pairs: B, rng } = opts;
  const { phi, dphi } = activationFunctions(opts.activation);
  const cols = 3 * B;
  // columns 0..2B−1: the pairs' pre-activations; 2B..3B−1: the tangents
  let h: Float64Array = new Float64Array(N * cols);
  const inputs = rng.child('inputs');
  for (let b = 0; b < B; b++) pairWithCorrelation(h, cols, b, N, opts.q0, opts.c0, inputs.child(b));
  const tangents = rng.child('tangents');
  for (let b = 0; b < B; b++) {
    const v = tangents.child(b).fillNormal(new Float64Array(N));
    for (let i = 0; i < N; i++) h[i * cols + 2 * B + b] = v[i];
  }
  const q = new Float64Array(depth + 1);
  const c = new Float64Array(depth + 1);
  const gap = new Float64Array(depth + 1);
  const jacobianGain = new Float64Array(depth);
  const record = (l: number) => {
    let qs = 0;
    let cs = 0;
    let gs = 0;
    for (let b = 0; b < B; b++) {
      let s11 = 0;
      let s22 = 0;
      let s12 = 0;
      for (let i = 0; i < N; i++) {
        const x = h[i * cols + 2 * b];
        const y = h[i * cols + 2 * b + 1];
        s11 += x * x;
        s22 += y * y;
        s12 += x * y;
      }
      qs += (s11 + s22) / N;
      cs += s12 / Math.sqrt(s11 * s22);
      const a = 1 / Math.sqrt(s11);
      const e = 1 / Math.sqrt(s22);
      let d2 = 0;
      for (let i = 0; i < N; i++) d2 += (h[i * cols + 2 * b] * a - h[i * cols + 2 * b + 1] * e) ** 2;
      gs += d2 / 2;
    }
    q[l] = qs / (2 * B);
    c[l] = cs / B;
    gap[l] = gs / B;
  };
  record(0);
  const sw = Math.sqrt(opts.weightVariance / N);
  const sb = Math.sqrt(opts.biasVariance);
  const layers = rng.child('layers');
  const a = new Float64Array(N * cols);
  for (let l = 0; l < depth; l++) {
    throwIfAborted(opts.signal);
    // A = [φ(h) for the 2B inputs | φ′(h₁) ⊙ v̂ for the B tangents], v̂ = v/‖v‖ so the gain is ‖v^{l+1}‖²
    const tnorm = new Float64Array(B);
    for (let i = 0; i < N; i++) for (let b = 0; b < B; b++) tnorm[b] += h[i * cols + 2 * B + b] ** 2;
    for (let b = 0; b < B; b++) tnorm[b] = 1 / Math.sqrt(tnorm[b]);
    for (let i = 0; i < N; i++) {
      const row = i * cols;
      for (let k = 0; k < 2 * B; k++) a[row + k] = phi(h[row + k]);
      for (let b = 0; b < B; b++) a[row + 2 * B + b] = dphi(h[row + 2 * b]) * h[row + 2 * B + b] * tnorm[b];
    }
    const lr = layers.child(l);
    const A: Mat = { rows: N, cols, data: a };
    if (opts.method === 'sampled') h = sampleProduct(A, opts.weightVariance, lr.child('W'));
    else {
      const W: Mat = { rows: N, cols: N, data: lr.child('W').fillNormal(new Float64Array(N * N), sw) };
      h = matmul(W, A).data;
    }
    const bias = lr.child('b').fillNormal(new Float64Array(N), sb);
    let gain = 0;
    for (let i = 0; i < N; i++) {
      const row = i * cols;
      for (let k = 0; k < 2 * B; k++) h[row + k] += bias[i];
      for (let b = 0; b < B; b++) gain += h[row + 2 * B + b] ** 2;
    }
    jacobianGain[l] = gain / B;
    record(l + 1);
  }
  return { q, c, gap, jacobianGain };
}

/**
 * A draw of W·A for W (N × N) with i.i.d. N(0, σ_w²/N) entries, without forming W: the rows of WA are i.i.d.
 * N(0, Σ) with Σ = (σ_w²/N)AᵀA (m × m); row i = S ξᵢ with ξᵢ ~ N(0, I_m) and S Sᵀ = Σ. S is the Cholesky factor
 * computed in the positive-semidefinite way (GVL §4.2.8: a pivot that is ≤ 1e-15 of its diagonal entry — a column
 * that is, to rounding, a combination of the earlier ones, e.g. two inputs at c = 1 — gets a zero column), so the
 * singular Σ of coinciding inputs is handled without jitter.
 */
export function sampleProduct(A: Mat, weightVariance: number, rng: Rng): Float64Array {
  const { rows: N, cols: m } = A;
  const cov = new Float64Array(m * m);
  for (let i = 0; i < N; i++) {
    const row = i * m;
    for (let a = 0; a < m; a++) {
      const x = A.data[row + a];
      for (let b = 0; b <= a; b++) cov[a * m + b] += x * A.data[row + b];
    }
  }
  for (let a = 0; a < m * m; a++) cov[a] *= weightVariance / N;
  const S = new Float64Array(m * m); // lower triangular, S[a][k]
  for (let j = 0; j < m; j++) {
    let d = cov[j * m + j];
    for (let k = 0; k < j; k++) d -= S[j * m + k] ** 2;
    if (!(d > 1e-15 * cov[j * m + j])) continue; // zero column
    const r = Math.sqrt(d);
    S[j * m + j] = r;
    for (let i = j + 1; i < m; i++) {
      let v = cov[i * m + j];
      for (let k = 0; k < j; k++) v -= S[i * m + k] * S[j * m + k];
      S[i * m + j] = v / r;
    }
  }
  const xi = rng.fillNormal(new Float64Array(N * m));
  const out = new Float64Array(N * m);
  for (let i = 0; i < N; i++) {
    const row = i * m;
    for (let a = 0; a < m; a++) {
      let v = 0;
      for (let k = 0; k < m; k++) v += S[a * m + k] * xi[row + k];
      out[row + a] = v;
    }
  }
  return out;
}

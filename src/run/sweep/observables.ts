/**
 * Scalar observables recorded during sweep runs that are not plain losses.
 *
 * - centeredKernelAlignment: A(K, L) = ⟨K_c, L_c⟩_F / (‖K_c‖_F ‖L_c‖_F) with K_c = H K H, H = I − 11ᵀ/n
 *   (Cortes, Mohri & Rostamizadeh 2012, "Algorithms for learning kernels based on centered alignment").
 *   Assumes K and L are symmetric n × n Gram matrices; A ∈ [−1, 1] (for PSD K and L, A ∈ [0, 1]); it is invariant
 *   to positive rescaling of either kernel and to adding a constant to every entry (centering removes it).
 * - ntkTargetAlignment: A(Θ, Y Yᵀ) for the empirical NTK Θ(x_i, x_j) = Σ_c ⟨∂f_c(x_i)/∂θ, ∂f_c(x_j)/∂θ⟩ (the trace
 *   over output channels) and the target kernel Y Yᵀ (one-hot labels for classification, targets for regression);
 *   the kernel-target alignment studied for the NTK by Baratin et al. 2021 ("Implicit regularization via neural
 *   feature alignment") and Kopitkov & Indelman 2020. It rises when features align with the task (rich regime)
 *   and stays flat in the lazy regime.
 */
import { empiricalNtkMatrix } from '../../core/autodiff.ts';
import type { Tensor } from '../../core/tensor.ts';

/** H K H for a row-major n × n matrix (double centering). */
export function centerGram(k: Float64Array, n: number): Float64Array {
  if (k.length !== n * n) throw new Error(`centerGram: matrix has ${k.length} entries, expected n² = ${n * n}`);
  const rowMean = new Float64Array(n);
  const colMean = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = k[i * n + j];
      rowMean[i] += v;
      colMean[j] += v;
      total += v;
    }
  }
  for (let i = 0; i < n; i++) {
    rowMean[i] /= n;
    colMean[i] /= n;
  }
  total /= n * n;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = k[i * n + j] - rowMean[i] - colMean[j] + total;
  return out;
}

/** Centered alignment of two n × n kernels; NaN when either centered kernel is zero (alignment undefined). */
export function centeredKernelAlignment(k: Float64Array, l: Float64Array, n: number): number {
  if (l.length !== n * n) throw new Error(`centeredKernelAlignment: second matrix has ${l.length} entries, expected n² = ${n * n}`);
  const kc = centerGram(k, n);
  const lc = centerGram(l, n);
  let kl = 0;
  let kk = 0;
  let ll = 0;
  for (let i = 0; i < kc.length; i++) {
    kl += kc[i] * lc[i];
    kk += kc[i] * kc[i];
    ll += lc[i] * lc[i];
  }
  if (kk === 0 || ll === 0) return Number.NaN;
  return kl / Math.sqrt(kk * ll);
}

/**
 * Y Yᵀ for targets `y` (n × c, row-major). For classification pass one-hot rows: (Y Yᵀ)_ij = 1 when i and j share a
 * label, else 0.
 */
export function targetKernel(y: Float64Array, n: number, c: number): Float64Array {
  if (y.length !== n * c) throw new Error(`targetKernel: targets have ${y.length} entries, expected n·c = ${n * c}`);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let a = 0; a < c; a++) s += y[i * c + a] * y[j * c + a];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/**
 * Empirical NTK summed over output channels on a probe batch: Θ = Σ_c J_c J_cᵀ, where `f()` returns [n, outputs].
 * One tap-based pass per channel (src/core/autodiff.ts `empiricalNtkMatrix`).
 */
export function traceNtk(f: () => Tensor, params: Tensor[], n: number, outputs: number): Float64Array {
  if (outputs === 1) return empiricalNtkMatrix(f, params, n);
  const out = new Float64Array(n * n);
  for (let c = 0; c < outputs; c++) {
    const k = empiricalNtkMatrix(f, params, n, c);
    for (let i = 0; i < out.length; i++) out[i] += k[i];
  }
  return out;
}

/** Centered alignment of the trace NTK on a probe batch with the target kernel Y Yᵀ (see the file header). */
export function ntkTargetAlignment(f: () => Tensor, params: Tensor[], n: number, outputs: number, targets: Float64Array, targetCols: number): number {
  return centeredKernelAlignment(traceNtk(f, params, n, outputs), targetKernel(targets, n, targetCols), n);
}

/**
 * Discrete Fourier instruments (direct O(n²) DFTs; fine for the sizes here: p ≲ 200 residues, images ≲ 128²).
 * Browser-safe.
 *
 * - Per-neuron Fourier spectra of modular-arithmetic embeddings (catalog study 31). A network that groks
 *   (a + b) mod p represents residues with a few frequencies: each neuron's embedding is ≈ A cos(2πk a/p + φ)
 *   for one key frequency k (Nanda, Chan, Lieberum, Smith & Steinhardt 2023, "Progress measures for grokking via
 *   mechanistic interpretability"; Gromov 2023, "Grokking modular arithmetic", whose analytic solution has exactly one
 *   frequency per neuron with phases φ₁ + φ₂ = φ₃). Input: the embedding E (p×h, row a = the h-dimensional embedding
 *   of residue a; for a first layer W₁ of shape h×p acting on one-hot inputs this is W₁ᵀ).
 *   For column j: c_k = Σ_a E_aj e^{−2πi k a/p}; one-sided power P_k = |c_k|² for k = 0 and k = p/2, 2|c_k|²
 *   otherwise, k = 0..⌊p/2⌋, so that Σ_k P_k = p·Σ_a E_aj² (Parseval). The dominant frequency k* maximises P_k over
 *   k ≥ 1; its fraction is P_k* / Σ_{k≥1} P_k; for E_aj = A cos(2πk a/p + φ) (0 < k < p/2) c_k = (Ap/2)e^{iφ}, so the
 *   phase is arg c_k* and the amplitude 2|c_k*|/p.
 * - Radially averaged 2-D power spectrum of images (catalog study 29(b)): natural images have P(f) ∝ f^{−β} with
 *   β ≈ 2 (Field 1987; van der Schaaf & van Hateren 1996; Torralba & Oliva 2003). Power per image is
 *   |F(k)|²/(h·w) (white noise of variance σ² has flat power σ²), averaged over images and over annuli of width
 *   1/min(h, w) cycles/pixel; each annulus reports the mean radius of its frequency samples. Fit β with
 *   `fitPowerLawLogLog(frequency, power)` (./powerLaw.ts). Non-periodic images have edge discontinuities that add a
 *   spurious ∝ f^{−2} cross in the spectrum; `window: 'hann'` suppresses it.
 */
import { dft2, twiddles } from '../core/fft.ts';
import type { Mat } from '../core/mat.ts';
import { checkMat } from './matrix.ts';

export type { Complex } from '../core/fft.ts';
export { dft, dft2 } from '../core/fft.ts';

export interface EmbeddingFourier {
  /** Number of residues p. */
  p: number;
  /** ⌊p/2⌋ + 1 frequencies k = 0..⌊p/2⌋. */
  numFrequencies: number;
  /** One-sided power, one row per neuron: h × numFrequencies. */
  power: Mat;
  /** argmax_{k ≥ 1} P_k per neuron (0 if the neuron has no non-DC power, i.e. below 1e-20 of its total). */
  dominantFrequency: Int32Array;
  /** P_k* / Σ_{k≥1} P_k per neuron (0 if no non-DC power). */
  dominantFraction: Float64Array;
  /** arg c_k* ∈ (−π, π] per neuron. */
  phase: Float64Array;
  /** Cosine amplitude at k*: 2|c_k*|/p (|c_k*|/p at the Nyquist frequency). */
  amplitude: Float64Array;
  /** P_0 / Σ_k P_k per neuron (the constant part). */
  dcFraction: Float64Array;
}

/** Per-neuron DFT power of an embedding E (p×h, rows = residues 0..p−1) over k = 0..⌊p/2⌋. */
export function embeddingFourier(embedding: Mat): EmbeddingFourier {
  checkMat(embedding, 'embedding', 2);
  const p = embedding.rows;
  const h = embedding.cols;
  const K = Math.floor(p / 2) + 1;
  const tw = twiddles(p);
  const power = new Float64Array(h * K);
  const dominantFrequency = new Int32Array(h);
  const dominantFraction = new Float64Array(h);
  const phase = new Float64Array(h);
  const amplitude = new Float64Array(h);
  const dcFraction = new Float64Array(h);
  const cr = new Float64Array(K);
  const ci = new Float64Array(K);
  for (let j = 0; j < h; j++) {
    for (let k = 0; k < K; k++) {
      let sr = 0;
      let si = 0;
      let idx = 0;
      for (let a = 0; a < p; a++) {
        const x = embedding.data[a * h + j];
        sr += x * tw.cos[idx];
        si -= x * tw.sin[idx];
        idx += k;
        if (idx >= p) idx -= p;
      }
      cr[k] = sr;
      ci[k] = si;
      const mag2 = sr * sr + si * si;
      power[j * K + k] = k === 0 || 2 * k === p ? mag2 : 2 * mag2;
    }
    let nonDc = 0;
    let best = 0;
    for (let k = 1; k < K; k++) {
      const v = power[j * K + k];
      nonDc += v;
      if (best === 0 || v > power[j * K + best]) best = k;
    }
    const total = nonDc + power[j * K];
    dcFraction[j] = total > 0 ? power[j * K] / total : 0;
    // Non-DC power below 1e-20 of the total (amplitude ratio 1e-10) is rounding noise of a constant column.
    if (nonDc > 1e-20 * total && best > 0) {
      dominantFrequency[j] = best;
      dominantFraction[j] = power[j * K + best] / nonDc;
      phase[j] = Math.atan2(ci[best], cr[best]);
      const mag = Math.hypot(cr[best], ci[best]);
      amplitude[j] = 2 * best === p ? mag / p : (2 * mag) / p;
    }
  }
  return { p, numFrequencies: K, power: { rows: h, cols: K, data: power }, dominantFrequency, dominantFraction, phase, amplitude, dcFraction };
}

/**
 * Fraction of neurons whose dominant frequency holds more than `threshold` of their non-DC power (study 31 passes at
 * ≥ 80% of neurons with > 80% of their power in one frequency). Neurons with no non-DC power count as not single.
 */
export function fractionSingleFrequency(spectrum: EmbeddingFourier, threshold = 0.8): number {
  if (!(threshold >= 0 && threshold <= 1)) throw new Error(`threshold: expected a number in [0, 1], got ${threshold}`);
  const h = spectrum.dominantFraction.length;
  if (h === 0) return 0;
  let c = 0;
  for (let j = 0; j < h; j++) if (spectrum.dominantFraction[j] > threshold) c++;
  return c / h;
}

/** Number of single-frequency neurons (fraction > threshold) per frequency k = 0..⌊p/2⌋ (the "key frequencies"). */
export function keyFrequencyCounts(spectrum: EmbeddingFourier, threshold = 0.8): Int32Array {
  const out = new Int32Array(spectrum.numFrequencies);
  for (let j = 0; j < spectrum.dominantFraction.length; j++) {
    if (spectrum.dominantFraction[j] > threshold) out[spectrum.dominantFrequency[j]]++;
  }
  return out;
}

export interface RadialPowerSpectrum {
  /** Mean radial frequency of each annulus, cycles/pixel (in (0, 0.5]). */
  frequency: Float64Array;
  /** Mean power in each annulus, averaged over images. */
  power: Float64Array;
  /** Frequency samples per annulus (per image). */
  counts: Int32Array;
}

/**
 * Radially averaged power spectrum of a set of h×w images (row-major Float64Arrays). Annulus b = 1..⌊min(h,w)/2⌋
 * holds the frequencies with round(ρ·min(h, w)) = b, ρ = √((k_y/h)² + (k_x/w)²) cycles/pixel (signed k); DC and the
 * corners beyond the inscribed Nyquist circle are left out.
 */
export function radialPowerSpectrum(
  images: readonly Float64Array[],
  h: number,
  w: number,
  opts: { subtractMean?: boolean; window?: 'none' | 'hann' } = {},
): RadialPowerSpectrum {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 2 || w < 2) throw new Error(`h, w: expected integers ≥ 2, got ${h}, ${w}`);
  if (!Array.isArray(images) || images.length === 0) throw new Error('images: expected a non-empty array of Float64Array');
  const windowKind = opts.window ?? 'none';
  if (windowKind !== 'none' && windowKind !== 'hann') throw new Error(`window: expected 'none' or 'hann', got ${String(windowKind)}`);
  const subtractMean = opts.subtractMean ?? true;
  // Periodic Hann window; power is renormalised by mean(window²) so white noise keeps power σ².
  const win = new Float64Array(h * w).fill(1);
  if (windowKind === 'hann') {
    let s2 = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const v = 0.25 * (1 - Math.cos((2 * Math.PI * y) / h)) * (1 - Math.cos((2 * Math.PI * x) / w));
        win[y * w + x] = v;
        s2 += v * v;
      }
    const norm = 1 / Math.sqrt(s2 / (h * w));
    for (let t = 0; t < h * w; t++) win[t] *= norm;
  }
  const n0 = Math.min(h, w);
  const nb = Math.floor(n0 / 2);
  const bin = new Int32Array(h * w).fill(-1);
  const counts = new Int32Array(nb + 1);
  const freqSum = new Float64Array(nb + 1);
  for (let ky = 0; ky < h; ky++) {
    const fy = (ky <= h / 2 ? ky : ky - h) / h;
    for (let kx = 0; kx < w; kx++) {
      const fx = (kx <= w / 2 ? kx : kx - w) / w;
      const r = Math.sqrt(fy * fy + fx * fx);
      const b = Math.round(r * n0);
      if (b >= 1 && b <= nb) {
        bin[ky * w + kx] = b;
        counts[b]++;
        freqSum[b] += r;
      }
    }
  }
  const powSum = new Float64Array(nb + 1);
  const buf = new Float64Array(h * w);
  images.forEach((img, idx) => {
    if (!(img instanceof Float64Array) || img.length !== h * w) {
      throw new Error(`images[${idx}]: expected a Float64Array of length h·w = ${h * w}, got length ${img?.length}`);
    }
    let mean = 0;
    if (subtractMean) {
      for (let t = 0; t < h * w; t++) mean += img[t];
      mean /= h * w;
    }
    for (let t = 0; t < h * w; t++) {
      if (!Number.isFinite(img[t])) throw new Error(`images[${idx}]: pixel ${t} is ${img[t]}, expected a finite number`);
      buf[t] = (img[t] - mean) * win[t];
    }
    const F = dft2(buf, null, h, w);
    for (let t = 0; t < h * w; t++) {
      const b = bin[t];
      if (b > 0) powSum[b] += (F.re[t] * F.re[t] + F.im[t] * F.im[t]) / (h * w);
    }
  });
  // Annuli without samples (possible only for extreme aspect ratios) are left out.
  const used: number[] = [];
  for (let b = 1; b <= nb; b++) if (counts[b] > 0) used.push(b);
  return {
    frequency: Float64Array.from(used, (b) => freqSum[b] / counts[b]),
    power: Float64Array.from(used, (b) => powSum[b] / (counts[b] * images.length)),
    counts: Int32Array.from(used, (b) => counts[b]),
  };
}

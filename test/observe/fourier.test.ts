import { describe, expect, it } from 'vitest';
import { mat } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';
import { dft, dft2, embeddingFourier, fractionSingleFrequency, keyFrequencyCounts, radialPowerSpectrum } from '../../src/observe/fourier.ts';
import { fitPowerLawLogLog } from '../../src/observe/powerLaw.ts';

/** Textbook 2-D DFT by the quadruple sum X(u,v) = Σ_y Σ_x x(y,x) e^{−2πi(uy/h + vx/w)}. */
function naiveDft2(re: Float64Array, im: Float64Array, h: number, w: number): { re: Float64Array; im: Float64Array } {
  const oRe = new Float64Array(h * w);
  const oIm = new Float64Array(h * w);
  for (let u = 0; u < h; u++)
    for (let v = 0; v < w; v++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const ang = -2 * Math.PI * ((u * y) / h + (v * x) / w);
          const c = Math.cos(ang);
          const s = Math.sin(ang);
          oRe[u * w + v] += re[y * w + x] * c - im[y * w + x] * s;
          oIm[u * w + v] += re[y * w + x] * s + im[y * w + x] * c;
        }
  return { re: oRe, im: oIm };
}

/** Periodic 1/f^β noise: white noise filtered by ρ^{−β/2} in the Fourier domain (E|F|² ∝ ρ^{−β}, DC removed). */
function powerLawNoise(h: number, w: number, beta: number, rng: Rng): Float64Array {
  const F = dft2(rng.fillNormal(new Float64Array(h * w)), null, h, w);
  for (let ky = 0; ky < h; ky++)
    for (let kx = 0; kx < w; kx++) {
      const fy = (ky <= h / 2 ? ky : ky - h) / h;
      const fx = (kx <= w / 2 ? kx : kx - w) / w;
      const r = Math.hypot(fy, fx);
      const g = r > 0 ? r ** (-beta / 2) : 0;
      F.re[ky * w + kx] *= g;
      F.im[ky * w + kx] *= g;
    }
  // The filter is real and even, so the result is real up to rounding.
  return dft2(F.re, F.im, h, w, true).re;
}

describe('DFT', () => {
  it('1-D: a cosine has two spikes of height n/2; inverse round-trips', () => {
    const n = 12;
    const x = Array.from({ length: n }, (_, t) => Math.cos((2 * Math.PI * 3 * t) / n));
    const X = dft(x);
    // Float rounding on sums of 12 O(1) terms: 1e-12.
    expect(X.re[3]).toBeCloseTo(6, 12);
    expect(X.re[9]).toBeCloseTo(6, 12);
    expect(Math.abs(X.re[2])).toBeLessThan(1e-12);
    const back = dft(X.re, X.im, true);
    for (let t = 0; t < n; t++) expect(back.re[t]).toBeCloseTo(x[t], 12);
  });

  it('2-D: matches the textbook quadruple sum and satisfies Parseval', () => {
    const rng = Rng.fromSeed(80, 'dft2');
    const h = 3;
    const w = 5;
    const re = rng.child('re').fillNormal(new Float64Array(h * w));
    const im = rng.child('im').fillNormal(new Float64Array(h * w));
    const fast = dft2(re, im, h, w);
    const slow = naiveDft2(re, im, h, w);
    for (let t = 0; t < h * w; t++) {
      // Same sums in a different order: ~1e-15 relative.
      expect(fast.re[t]).toBeCloseTo(slow.re[t], 12);
      expect(fast.im[t]).toBeCloseTo(slow.im[t], 12);
    }
    let e1 = 0;
    let e2 = 0;
    for (let t = 0; t < h * w; t++) {
      e1 += re[t] ** 2 + im[t] ** 2;
      e2 += fast.re[t] ** 2 + fast.im[t] ** 2;
    }
    expect(e2 / (h * w)).toBeCloseTo(e1, 12); // Parseval, float rounding only
    const back = dft2(fast.re, fast.im, h, w, true);
    for (let t = 0; t < h * w; t++) expect(back.re[t]).toBeCloseTo(re[t], 12);
  });
});

describe('embedding Fourier spectra (modular arithmetic)', () => {
  const p = 23;
  const h = 6;
  // Neurons 0..3: one planted frequency each (k, φ, A); neuron 4: two equal frequencies; neuron 5: constant.
  const planted = [
    { k: 1, phi: 0.3, A: 1.5 },
    { k: 5, phi: -2.0, A: 0.7 },
    { k: 11, phi: 1.1, A: 2.0 },
    { k: 5, phi: 3.0, A: 1.0 },
  ];
  const e = mat(p, h);
  for (let a = 0; a < p; a++) {
    planted.forEach(({ k, phi, A }, j) => {
      e.data[a * h + j] = 0.4 + A * Math.cos((2 * Math.PI * k * a) / p + phi); // DC offset 0.4 must be ignored
    });
    e.data[a * h + 4] = Math.cos((2 * Math.PI * 2 * a) / p) + Math.sin((2 * Math.PI * 7 * a) / p);
    e.data[a * h + 5] = 3;
  }

  it('finds the planted frequency, phase and amplitude with all power in one frequency', () => {
    const f = embeddingFourier(e);
    expect(f.numFrequencies).toBe(12);
    planted.forEach(({ k, phi, A }, j) => {
      expect(f.dominantFrequency[j]).toBe(k);
      // Exact single-frequency signals: leakage into other bins is float rounding (~1e-15 relative).
      expect(f.dominantFraction[j]).toBeCloseTo(1, 12);
      expect(f.phase[j]).toBeCloseTo(phi, 12);
      expect(f.amplitude[j]).toBeCloseTo(A, 12);
    });
    expect(f.dominantFraction[4]).toBeCloseTo(0.5, 12); // two equal-power frequencies
    expect(f.dominantFraction[5]).toBe(0); // no non-DC power
    expect(f.dcFraction[5]).toBe(1);
    expect(fractionSingleFrequency(f, 0.8)).toBeCloseTo(4 / 6, 15);
    const counts = keyFrequencyCounts(f);
    expect(counts[5]).toBe(2);
    expect(counts[1]).toBe(1);
    expect(counts[2]).toBe(0);
  });

  it('satisfies Parseval per neuron: Σ_k P_k = p Σ_a E_aj², also at the Nyquist frequency for even p', () => {
    const rng = Rng.fromSeed(81, 'parseval');
    for (const pp of [23, 24]) {
      const r = mat(pp, 3, rng.child(pp).fillNormal(new Float64Array(pp * 3)));
      const f = embeddingFourier(r);
      for (let j = 0; j < 3; j++) {
        let energy = 0;
        for (let a = 0; a < pp; a++) energy += r.data[a * 3 + j] ** 2;
        let tot = 0;
        for (let k = 0; k < f.numFrequencies; k++) tot += f.power.data[j * f.numFrequencies + k];
        expect(tot).toBeCloseTo(pp * energy, 10); // float rounding on O(100) sums
      }
    }
    // Alternating pattern (−1)^a is pure Nyquist for p = 24.
    const alt = mat(24, 1, Float64Array.from({ length: 24 }, (_, a) => (a % 2 === 0 ? 2 : -2)));
    const f = embeddingFourier(alt);
    expect(f.dominantFrequency[0]).toBe(12);
    expect(f.amplitude[0]).toBeCloseTo(2, 12);
  });

  it('noisy single-frequency neurons stay above the 80% threshold; noise-only neurons do not', () => {
    const rng = Rng.fromSeed(82, 'noisy');
    const pp = 31;
    const hh = 40;
    const m = mat(pp, hh);
    for (let j = 0; j < hh; j++) {
      const k = 1 + (j % 15);
      for (let a = 0; a < pp; a++) {
        const signal = j < 30 ? Math.cos((2 * Math.PI * k * a) / pp + j) : 0;
        m.data[a * hh + j] = signal + 0.1 * rng.normal();
      }
    }
    const f = embeddingFourier(m);
    // Signal power p/2 = 15.5 vs noise power ≈ p·0.01 = 0.31 spread over 15 bins: fraction ≈ 0.98 ± 0.01 for the
    // 30 planted neurons; pure-noise neurons put ~1/15 (at most ~0.35) in their largest bin.
    expect(fractionSingleFrequency(f, 0.8)).toBeCloseTo(30 / 40, 12);
    for (let j = 0; j < 30; j++) expect(f.dominantFrequency[j]).toBe(1 + (j % 15));
  });
});

describe('radial power spectrum', () => {
  it('recovers β of synthetic periodic 1/f^β noise', () => {
    for (const [beta, h, w] of [
      [1, 64, 64],
      [2, 64, 64],
      [2, 48, 64],
      [3, 48, 64],
    ]) {
      const imgs = Array.from({ length: 16 }, (_, i) => powerLawNoise(h, w, beta, Rng.fromSeed(83, beta, h, i)));
      const rp = radialPowerSpectrum(imgs, h, w);
      const f = fitPowerLawLogLog(rp.frequency, rp.power, { range: [2 / Math.min(h, w), 0.5] });
      // Measured |β̂ − β| ≤ 0.021 with slope standard errors 0.008–0.016 (exponential power fluctuations averaged
      // over 16 images and each annulus); 0.06 is ≈ 4 standard errors plus the small annulus-averaging bias.
      expect(Math.abs(f.exponent - beta)).toBeLessThan(0.06);
      expect(f.r2).toBeGreaterThan(0.99);
    }
  });

  it('white noise has flat power σ², with or without the (renormalised) Hann window', () => {
    const rng = Rng.fromSeed(84, 'white');
    const h = 32;
    const w = 32;
    const imgs = Array.from({ length: 24 }, (_, i) => rng.child(i).fillNormal(new Float64Array(h * w), 2));
    for (const window of ['none', 'hann'] as const) {
      const rp = radialPowerSpectrum(imgs, h, w, { window });
      expect(rp.frequency.length).toBe(16);
      for (let b = 0; b < rp.power.length; b++) {
        // |F|²/(hw) of white noise is exponential with mean σ² = 4; an annulus mean over counts·24 samples has relative
        // sd 1/√(counts·24) (the window correlates neighbouring bins, roughly doubling the effective sd). 6 such sd
        // (with the factor 2) bounds every bin.
        const sd = 2 / Math.sqrt(rp.counts[b] * 24);
        expect(Math.abs(rp.power[b] / 4 - 1)).toBeLessThan(6 * sd);
      }
    }
  });

  it('the Hann window removes the edge-discontinuity leakage of a non-periodic ramp', () => {
    const h = 32;
    const w = 32;
    const ramp = Float64Array.from({ length: h * w }, (_, t) => t % w); // jumps from 31 back to 0 at the edge
    const none = radialPowerSpectrum([ramp], h, w);
    const hann = radialPowerSpectrum([ramp], h, w, { window: 'hann' });
    const last = none.power.length - 1;
    // The wrap-around jump gives power ∝ f^{−2} out to Nyquist; the window tapers it away by orders of magnitude.
    expect(hann.power[last]).toBeLessThan(1e-3 * none.power[last]);
  });

  it('rejects bad input, naming the field', () => {
    expect(() => radialPowerSpectrum([new Float64Array(10)], 4, 4)).toThrow(/images\[0\]: expected a Float64Array of length h·w = 16/);
    expect(() => radialPowerSpectrum([], 4, 4)).toThrow(/images: expected a non-empty array/);
  });
});

/**
 * Discrete Fourier transforms, in one place: the radix-2 Cooley–Tukey FFT (Cooley & Tukey 1965) for
 * power-of-2 lengths, direct strided DFTs for any length and in 2-D (O(n²), fine for the sizes the
 * instruments use: p ≲ 200 residues, images ≲ 128²), and the Walsh–Hadamard transform with the Krawtchouk
 * polynomials that diagonalize kernels on the hypercube. Browser-safe.
 */

export interface Complex {
  re: Float64Array;
  im: Float64Array;
}

/** Twiddle table cos/sin(2πk/n), k = 0..n−1. */
export function twiddles(n: number): { cos: Float64Array; sin: Float64Array } {
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = Math.sin((2 * Math.PI * k) / n);
  }
  return { cos, sin };
}

/**
 * In-place-free strided 1-D DFT of `count` length-n sequences: X_k = Σ_t x_t e^{∓2πi kt/n} (− forward, + inverse;
 * the inverse is not divided by n here). Sequence s starts at offset s·outerStride with element stride innerStride.
 */
function dftStrided(
  re: Float64Array,
  im: Float64Array,
  n: number,
  count: number,
  outerStride: number,
  innerStride: number,
  sign: number,
  tw: { cos: Float64Array; sin: Float64Array },
): void {
  const bre = new Float64Array(n);
  const bim = new Float64Array(n);
  for (let s = 0; s < count; s++) {
    const base = s * outerStride;
    for (let k = 0; k < n; k++) {
      let sr = 0;
      let si = 0;
      let idx = 0; // (k·t) mod n
      for (let t = 0; t < n; t++) {
        const xr = re[base + t * innerStride];
        const xi = im[base + t * innerStride];
        const c = tw.cos[idx];
        const sn = sign * tw.sin[idx];
        // (xr + i xi)(c + i sn) with sn = ∓sin
        sr += xr * c - xi * sn;
        si += xr * sn + xi * c;
        idx += k;
        if (idx >= n) idx -= n;
      }
      bre[k] = sr;
      bim[k] = si;
    }
    for (let k = 0; k < n; k++) {
      re[base + k * innerStride] = bre[k];
      im[base + k * innerStride] = bim[k];
    }
  }
}

/** 1-D DFT X_k = Σ_t x_t e^{−2πi kt/n}; `inverse` uses e^{+2πi kt/n} and divides by n. */
export function dft(re: ArrayLike<number>, im?: ArrayLike<number>, inverse = false): Complex {
  const n = re.length;
  if (n < 1) throw new Error('re: expected a non-empty sequence');
  if (im !== undefined && im.length !== n) throw new Error(`im: has length ${im.length}, expected ${n} (the length of re)`);
  const r = Float64Array.from(re);
  const i = im === undefined ? new Float64Array(n) : Float64Array.from(im);
  dftStrided(r, i, n, 1, 0, 1, inverse ? 1 : -1, twiddles(n));
  if (inverse) {
    for (let k = 0; k < n; k++) {
      r[k] /= n;
      i[k] /= n;
    }
  }
  return { re: r, im: i };
}

/** 2-D DFT of an h×w row-major array (rows then columns); `inverse` divides by h·w. */
export function dft2(re: ArrayLike<number>, im: ArrayLike<number> | null, h: number, w: number, inverse = false): Complex {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) throw new Error(`h, w: expected positive integers, got ${h}, ${w}`);
  if (re.length !== h * w) throw new Error(`re: has length ${re.length}, expected h·w = ${h * w}`);
  if (im !== null && im.length !== h * w) throw new Error(`im: has length ${im.length}, expected h·w = ${h * w}`);
  const r = Float64Array.from(re);
  const i = im === null ? new Float64Array(h * w) : Float64Array.from(im);
  const sign = inverse ? 1 : -1;
  dftStrided(r, i, w, h, w, 1, sign, twiddles(w)); // rows
  dftStrided(r, i, h, w, 1, w, sign, twiddles(h)); // columns
  if (inverse) {
    const s = 1 / (h * w);
    for (let t = 0; t < h * w; t++) {
      r[t] *= s;
      i[t] *= s;
    }
  }
  return { re: r, im: i };
}

/**
 * In-place iterative radix-2 Cooley–Tukey FFT (Cooley & Tukey 1965): X_q = Σ_j x_j e^{∓2πi jq/M}, the minus sign
 * for `inverse = false`. No 1/M normalization. `re` and `im` must have the same power-of-2 length.
 */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (im.length !== n) throw new Error(`fft: im has length ${im.length}, expected re.length = ${n}`);
  if (n === 0 || (n & (n - 1)) !== 0) throw new Error(`fft: length must be a power of 2, got ${n}`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const ang = (sign * 2 * Math.PI) / len;
    const wr = new Float64Array(half);
    const wi = new Float64Array(half);
    for (let k = 0; k < half; k++) {
      wr[k] = Math.cos(ang * k);
      wi[k] = Math.sin(ang * k);
    }
    for (let s = 0; s < n; s += len) {
      for (let k = 0; k < half; k++) {
        const a = s + k;
        const b = a + half;
        const xr = re[b] * wr[k] - im[b] * wi[k];
        const xi = re[b] * wi[k] + im[b] * wr[k];
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

/** In-place unnormalized Walsh–Hadamard transform: y_b = Σ_S x_S (−1)^{popcount(S & b)} (length a power of 2). */
export function walshHadamard(x: Float64Array): void {
  const n = x.length;
  if (n === 0 || (n & (n - 1)) !== 0) throw new Error(`walshHadamard: length must be a power of 2, got ${n}`);
  for (let len = 1; len < n; len <<= 1) {
    for (let s = 0; s < n; s += len << 1) {
      for (let i = s; i < s + len; i++) {
        const a = x[i];
        const b = x[i + len];
        x[i] = a + b;
        x[i + len] = a - b;
      }
    }
  }
}

export function popcount32(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1);
  return Math.round(r);
}

/** Krawtchouk K_k(h) = Σ_j (−1)^j C(h, j) C(d − h, k − j). */
export function krawtchouk(d: number, k: number, h: number): number {
  let s = 0;
  for (let j = 0; j <= k; j++) s += (j % 2 === 0 ? 1 : -1) * binomial(h, j) * binomial(d - h, k - j);
  return s;
}

/** A finite data distribution (uniform on M points) with a rotation/flip-invariant kernel and its exact spectrum. */

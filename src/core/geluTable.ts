/**
 * The exact GELU's table-and-Taylor loop (`geluTable`), its tables and its fallback outside the tables, in a module
 * of their own so that both core/fused.ts and the WebAssembly backend (core/kernelsWasm.ts, which must not import
 * fused.ts: fused.ts → kernels.ts → kernelsWasm.ts) use one definition of each. The wasm kernel reproduces this
 * loop bit for bit on the same tables and leaves the elements outside them to `geluOutside`.
 */
import type { FloatArray } from './mat.ts';
import { INV_SQRT_2PI, normalCdf } from './special.ts';

/** Tables of Φ and φ at x₀ = k/GELU_STEPS_PER_UNIT on [−GELU_RANGE, GELU_RANGE] (2 × 20 KiB); beyond it `normalCdf`. */
export const GELU_STEPS_PER_UNIT = 128;
export const GELU_RANGE = 10;
export const GELU_TABLE_SIZE = 2 * GELU_RANGE * GELU_STEPS_PER_UNIT + 1;
export const CDF_TABLE = Float64Array.from({ length: GELU_TABLE_SIZE }, (_, k) => normalCdf(k / GELU_STEPS_PER_UNIT - GELU_RANGE));
export const PDF_TABLE = Float64Array.from({ length: GELU_TABLE_SIZE }, (_, k) => INV_SQRT_2PI * Math.exp(-0.5 * (k / GELU_STEPS_PER_UNIT - GELU_RANGE) ** 2));

/**
 * y[i] = x Φ(x) and, when d1 is given, d1[i] = Φ + x φ (f′ of GELU), without erf's power series, an exp or
 * a division: the nearest table point x₀ and the Taylor series in δ = x − x₀ (|δ| ≤ 1/256), whose
 * coefficients are Hermite polynomials since φ⁽ⁿ⁾ = (−1)ⁿ Heₙ φ:
 *   φ(x₀ + δ) = φ(x₀) Σ_{k≥0} (−1)ᵏ Heₖ(x₀) δᵏ/k!,   Φ(x₀ + δ) = Φ(x₀) + φ(x₀) Σ_{k≥1} (−1)^{k−1} He_{k−1}(x₀) δᵏ/k!
 * through He₅: the remainders are ≤ (1/256)⁶/6! · max|He₆ φ| ≈ 3e-17 (φ) and (1/256)⁷/7! · … ≲ 1e-20 (Φ),
 * at the tables' own rounding, so both agree with `normalCdf` / `normalPdf` to float64 rounding
 * (test/core/fused.test.ts). Inline in one loop (no helper returning a pair: a boxed double per element).
 * The `gelu` function of wasm/gemm.wat repeats this arithmetic operation for operation (test/core/wasmGelu.test.ts).
 */
export function geluTable(x: FloatArray, y: FloatArray, d1: FloatArray | null): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v > -GELU_RANGE && v < GELU_RANGE) {
      // v + GELU_RANGE > 0, so truncating (v + R)·s + ½ rounds to the nearest point (a small integer)
      const k = ((v + GELU_RANGE) * GELU_STEPS_PER_UNIT + 0.5) | 0;
      const x0 = k / GELU_STEPS_PER_UNIT - GELU_RANGE;
      const d = v - x0;
      // He_{n+1} = x Heₙ − n He_{n−1}
      const h1 = x0;
      const h2 = x0 * h1 - 1;
      const h3 = x0 * h2 - 2 * h1;
      const h4 = x0 * h3 - 3 * h2;
      const h5 = x0 * h4 - 4 * h3;
      const p0 = PDF_TABLE[k];
      const cdf = CDF_TABLE[k] + p0 * d * (1 + d * (-h1 * 0.5 + d * (h2 * INV_6 + d * (-h3 * INV_24 + d * (h4 * INV_120 - d * h5 * INV_720)))));
      const pdf = p0 * (1 + d * (-h1 + d * (h2 * 0.5 + d * (-h3 * INV_6 + d * (h4 * INV_24 - d * h5 * INV_120)))));
      y[i] = v * cdf;
      if (d1 !== null) d1[i] = cdf + v * pdf;
    } else geluOutside(x, y, d1, i);
  }
}
const INV_6 = 1 / 6;
const INV_24 = 1 / 24;
const INV_120 = 1 / 120;
const INV_720 = 1 / 720;

/** `geluTable` for the one element x[i] outside (−GELU_RANGE, GELU_RANGE) or NaN: Φ by `normalCdf`, φ by `Math.exp`. */
export function geluOutside(x: FloatArray, y: FloatArray, d1: FloatArray | null, i: number): void {
  const v = x[i];
  if (v >= GELU_RANGE && v <= Number.MAX_VALUE) {
    // from 10 up Φ(v) = 1 − ε with ε ≤ 7.7e−24 rounds to 1 and v·φ(v) ≤ 7.7e−22 vanishes beside it: the formula below
    // gives exactly v and 1 there (checked on every input in test/core/wasmGelu.test.ts's sample), without erfc and exp
    y[i] = v;
    if (d1 !== null) d1[i] = 1;
    return;
  }
  const cdf = normalCdf(v);
  const pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
  y[i] = v * cdf;
  if (d1 !== null) d1[i] = cdf + v * pdf;
}

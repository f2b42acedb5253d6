/**
 * Special functions in double precision, written so their errors are at the level of float rounding
 * (finite-difference gradient checks of erf/gelu need a smooth, accurate erf).
 */
const SQRT_PI = Math.sqrt(Math.PI);
const TWO_OVER_SQRT_PI = 2 / SQRT_PI;
export const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
export const SQRT1_2 = Math.SQRT1_2;

/**
 * erf(x). For |x| < 3: the everywhere-convergent series with positive terms (Abramowitz & Stegun 7.1.6)
 *   erf x = (2/√π) e^{−x²} Σₙ 2ⁿ x^{2n+1} / (1·3·⋯·(2n+1)),
 * which has no cancellation. For |x| ≥ 3: erfc by its continued fraction (A&S 7.1.14), evaluated with
 * the modified Lentz method; relative error ≈ 1e-16 in both ranges.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const ax = Math.abs(x);
  if (ax < 3) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  const r = erfcLarge(ax);
  return x > 0 ? 1 - r : r - 1;
}

/** erfc(x) = 1 − erf(x), accurate in the tail. */
export function erfc(x: number): number {
  if (x < 3) return 1 - erf(x);
  return erfcLarge(x);
}

/** erfc(x) for x ≥ 3 by the continued fraction erfc x = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))). */
function erfcLarge(x: number): number {
  if (x > 27) return 0;
  const tiny = 1e-300;
  let f = x;
  let C = x;
  let D = 0;
  for (let n = 1; n < 300; n++) {
    const a = n / 2;
    D = x + a * D;
    if (Math.abs(D) < tiny) D = tiny;
    C = x + a / C;
    if (Math.abs(C) < tiny) C = tiny;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (SQRT_PI * f);
}

/** Standard normal density φ(x). */
export function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** Standard normal distribution function Φ(x) = ½ erfc(−x/√2). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * SQRT1_2);
}

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

/**
 * Student's t distribution function P(T ≤ t) for integer ν ≥ 1 degrees of freedom, from the finite series of
 * Abramowitz & Stegun 26.7.3–26.7.4 for A(t|ν) = P(|T| ≤ t) with θ = arctan(t/√ν):
 *   ν even: A = sin θ [1 + ½cos²θ + (1·3)/(2·4)cos⁴θ + ⋯ + (1·3⋯(ν−3))/(2·4⋯(ν−2)) cos^{ν−2}θ]
 *   ν odd:  A = (2/π)(θ + sin θ [cos θ + (2/3)cos³θ + ⋯ + (2·4⋯(ν−3))/(1·3⋯(ν−2)) cos^{ν−2}θ])  (A = 2θ/π at ν = 1)
 * Exact up to rounding (ν/2 positive terms, no cancellation).
 */
export function studentTCdf(t: number, nu: number): number {
  if (!(Number.isInteger(nu) && nu >= 1)) throw new Error(`studentTCdf: nu = ${nu}, expected an integer ≥ 1 (degrees of freedom)`);
  if (Number.isNaN(t)) return Number.NaN;
  const theta = Math.atan(Math.abs(t) / Math.sqrt(nu));
  const s = Math.sin(theta);
  const c2 = Math.cos(theta) ** 2;
  let a: number;
  if (nu % 2 === 0) {
    let term = 1;
    let sum = 1;
    for (let k = 2; k <= nu - 2; k += 2) {
      term *= ((k - 1) / k) * c2;
      sum += term;
    }
    a = s * sum;
  } else {
    let term = Math.cos(theta);
    let sum = nu > 1 ? term : 0;
    for (let k = 3; k <= nu - 2; k += 2) {
      term *= ((k - 1) / k) * c2;
      sum += term;
    }
    a = (2 / Math.PI) * (theta + s * sum);
  }
  return t >= 0 ? 0.5 + 0.5 * a : 0.5 - 0.5 * a;
}

/** The q-quantile of Student's t with integer ν ≥ 1 degrees of freedom: `studentTCdf` inverted by bisection. */
export function studentTQuantile(q: number, nu: number): number {
  if (!(q > 0 && q < 1)) throw new Error(`studentTQuantile: q = ${q}, expected a probability in (0, 1)`);
  if (q < 0.5) return -studentTQuantile(1 - q, nu);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, nu) < q) hi *= 2;
  // 200 halvings reach adjacent doubles long before they run out
  for (let i = 0; i < 200 && hi - lo > 4e-16 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (studentTCdf(mid, nu) < q) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * Sampling error of the escape-time slope: the standard error of ln(median hitting time) from the runs themselves,
 * and its propagation through the least-squares slope of ln(median) on ln d (core/stats.ts `logLogSlope`).
 *
 * The hitting-time distributions are broad and skewed (heavier right tail at large k*), so the error of a median is
 * read from the distribution-free order-statistic interval instead of a parametric model: the number of draws
 * below the population median is Binomial(n, ½), so the ranks n/2 ± z√n/2 bracket it with probability ≈ the
 * two-sided normal level of z, and (x₍ₕᵢ₎ − x₍ₗₒ₎)/(2z) → 1/(2f(med)√n), the asymptotic standard error of a sample
 * median (e.g. David & Nagaraja 2003, Order Statistics, §7.1). Taken on ln x, it is the relative error of the median.
 */

/** 97.5th percentile of N(0, 1): the ranks n/2 ± z√n/2 then bracket the median with probability ≈ 95%. */
const Z95 = 1.959963984540054;

/**
 * Standard error of ln(median) of positive draws (+Infinity allowed: censored runs, sorted last). Infinite when the
 * upper rank reaches a censored run (more than ≈ ½ − z/(2√n) of the runs censored). `resolution`: the grid the draws
 * are rounded to (1 for hitting times counted in whole steps); a short hitting time's order-statistic interval is
 * then quantized (ties), so the rounding of the continuous passage time, uniform over one grid cell (s.d.
 * resolution/√12), is added in quadrature, relative to the median.
 */
export function logMedianStandardError(values: readonly number[], resolution = 0, z = Z95): number {
  const n = values.length;
  if (n < 3) throw new Error(`logMedianStandardError: values must hold at least 3 draws, got ${n}`);
  if (!(resolution >= 0 && Number.isFinite(resolution))) throw new Error(`logMedianStandardError: resolution must be a finite number ≥ 0, got ${resolution}`);
  if (!(z > 0 && Number.isFinite(z))) throw new Error(`logMedianStandardError: z must be a positive finite number, got ${z}`);
  values.forEach((v, i) => {
    if (!(v > 0)) throw new Error(`logMedianStandardError: values[${i}] = ${v}, expected a positive number (or +Infinity for a censored run)`);
  });
  const sorted = [...values].sort((a, b) => a - b);
  const half = (z * Math.sqrt(n)) / 2;
  const lo = Math.max(0, Math.floor(n / 2 - half));
  const hi = Math.min(n - 1, Math.ceil(n / 2 + half) - 1);
  const spread = (Math.log(sorted[hi]) - Math.log(sorted[lo])) / (2 * z);
  const med = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return Math.hypot(spread, resolution / (Math.sqrt(12) * med));
}

/**
 * Standard error of the least-squares slope of yᵢ on ln xᵢ when the yᵢ are independent with standard errors seᵢ:
 * the slope is Σ wᵢ yᵢ with wᵢ = (uᵢ − ū)/Σ(uⱼ − ū)², uᵢ = ln xᵢ, so its variance is Σ wᵢ² seᵢ².
 */
export function logSlopeStandardError(xs: readonly number[], ses: readonly number[]): number {
  if (xs.length !== ses.length || xs.length < 2) throw new Error(`logSlopeStandardError: xs and ses must have the same length ≥ 2, got ${xs.length} and ${ses.length}`);
  xs.forEach((x, i) => {
    if (!(x > 0 && Number.isFinite(x))) throw new Error(`logSlopeStandardError: xs[${i}] = ${x}, expected a positive finite number`);
  });
  ses.forEach((s, i) => {
    if (!(s >= 0)) throw new Error(`logSlopeStandardError: ses[${i}] = ${s}, expected a standard error ≥ 0`);
  });
  const u = xs.map(Math.log);
  const ubar = u.reduce((a, b) => a + b, 0) / u.length;
  const sxx = u.reduce((a, v) => a + (v - ubar) ** 2, 0);
  if (!(sxx > 0)) throw new Error(`logSlopeStandardError: xs must not all be equal, got [${xs.join(', ')}]`);
  return Math.sqrt(u.reduce((a, v, i) => a + ((v - ubar) / sxx) ** 2 * ses[i] ** 2, 0));
}

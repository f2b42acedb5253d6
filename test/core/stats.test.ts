/**
 * Oracles for src/core/stats.ts's Monte Carlo F quantile: tabulated F points, the χ² limit of F(d1, d2) as
 * d2 → ∞, monotonicity in q, reproducibility, and errors that name the bad argument.
 */
import { describe, expect, it } from 'vitest';
import { fQuantile } from '../../src/core/stats.ts';

describe('fQuantile', () => {
  it('matches tabulated F points (99%: F(5, 5) = 10.97, F(5, 15) = 4.556; 95%: F(5, 15) = 2.901, F(2, 10) = 4.103)', () => {
    // 40000 draws: the sampling error of a q-quantile is √(q(1 − q)/n)/f(x_q); at q = 0.99 that is ≈ 1–2% of the
    // quantile for d2 ≥ 15 and ≈ 3% in the heavy tail of F(5, 5); the bounds are ≈ 2.5 of those errors
    expect(Math.abs(fQuantile(5, 5, 0.99) / 10.97 - 1)).toBeLessThan(0.08);
    expect(Math.abs(fQuantile(5, 15, 0.99) / 4.556 - 1)).toBeLessThan(0.04);
    expect(Math.abs(fQuantile(5, 15, 0.95) / 2.901 - 1)).toBeLessThan(0.03);
    expect(Math.abs(fQuantile(2, 10, 0.95) / 4.103 - 1)).toBeLessThan(0.03);
  });
  it('tends to χ²_d1/d1 as d2 → ∞ (χ²_4 99% point 13.277, so F(4, ∞) 99% point 3.319; χ²_2 95% point 5.991)', () => {
    // d2 = 2000: the denominator χ²_d2/d2 has sd √(2/2000) ≈ 3%, which moves the quantile by < 1%; Monte Carlo ≈ 1.5%
    expect(Math.abs(fQuantile(4, 2000, 0.99) / (13.277 / 4) - 1)).toBeLessThan(0.04);
    expect(Math.abs(fQuantile(2, 2000, 0.95) / (5.991 / 2) - 1)).toBeLessThan(0.03);
  });
  it('is increasing in q, with the median near 1 for d1 = d2 (F(d, d) and 1/F(d, d) have the same law)', () => {
    const qs = [0.05, 0.25, 0.5, 0.75, 0.95, 0.99];
    const v = qs.map((q) => fQuantile(6, 6, q));
    for (let i = 1; i < v.length; i++) expect(v[i]).toBeGreaterThan(v[i - 1]);
    // the median of F(6, 6) is exactly 1; the Monte Carlo sd of a median of 40000 draws is ≈ 0.5% here
    expect(Math.abs(v[2] - 1)).toBeLessThan(0.02);
    // the symmetry F(d, d) ≍ 1/F(d, d): the 5% and 95% points are reciprocal (each within Monte Carlo error)
    expect(Math.abs(v[0] * v[4] - 1)).toBeLessThan(0.05);
  });
  it('is reproducible (seeded by its arguments) and names bad arguments', () => {
    expect(fQuantile(3, 9, 0.9)).toBe(fQuantile(3, 9, 0.9));
    expect(() => fQuantile(1, 5, 0.99)).toThrow(/d1 = 1, expected an integer ≥ 2/);
    expect(() => fQuantile(5, 2.5, 0.99)).toThrow(/d2 = 2.5, expected an integer ≥ 2/);
    expect(() => fQuantile(5, 5, 1)).toThrow(/q = 1, expected a probability in \(0, 1\)/);
  });
});

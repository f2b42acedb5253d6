/**
 * Oracle tests of Student's t distribution function and quantile (src/core/special.ts): closed forms at ν = 1
 * (Cauchy) and ν = 2, the normal limit, symmetry, and a Monte Carlo check at ν = 11 from χ² draws.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { normalCdf, studentTCdf, studentTQuantile } from '../../src/core/special.ts';
import { sampleChiSquared, tInterval } from '../../src/core/stats.ts';

describe('Student t', () => {
  it('ν = 1 is the Cauchy law and ν = 2 has the closed-form quantile (2q − 1)/√(2q(1 − q))', () => {
    for (const q of [0.6, 0.9, 0.975, 0.995]) {
      expect(studentTQuantile(q, 1)).toBeCloseTo(Math.tan(Math.PI * (q - 0.5)), 9);
      expect(studentTQuantile(q, 2)).toBeCloseTo((2 * q - 1) / Math.sqrt(2 * q * (1 - q)), 10);
    }
    for (const t of [-3, -0.5, 0, 0.7, 20]) expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 14);
  });

  it('is symmetric, increasing in t, and tends to the normal law as ν grows', () => {
    for (const nu of [3, 4, 11, 30]) {
      expect(studentTCdf(0, nu)).toBe(0.5);
      expect(studentTCdf(-1.3, nu) + studentTCdf(1.3, nu)).toBeCloseTo(1, 14);
      expect(studentTCdf(2, nu)).toBeGreaterThan(studentTCdf(1.9, nu));
      expect(studentTQuantile(0.025, nu)).toBeCloseTo(-studentTQuantile(0.975, nu), 12);
      // heavier tails than the normal at every finite ν
      expect(studentTQuantile(0.975, nu)).toBeGreaterThan(1.959963984540054);
    }
    // the tail correction is (z³ + z)/(4ν) to first order (Cornish–Fisher): at ν = 4000 about 5e-4, left as 1e-5
    const z = 1.959963984540054;
    expect(Math.abs(studentTQuantile(0.975, 4000) - (z + (z ** 3 + z) / 16000))).toBeLessThan(1e-5);
    expect(Math.abs(studentTCdf(1.5, 4000) - normalCdf(1.5))).toBeLessThan(1e-4);
  });

  it('matches draws T = Z/√(χ²_ν/ν) at ν = 11', () => {
    const rng = Rng.fromSeed(3, 'student-t');
    const n = 40000;
    const q = studentTQuantile(0.9, 11);
    let below = 0;
    for (let i = 0; i < n; i++) if (rng.normal() / Math.sqrt(sampleChiSquared(11, rng) / 11) <= q) below++;
    // binomial SE √(0.9·0.1/40000) = 0.0015: four of them
    expect(Math.abs(below / n - 0.9)).toBeLessThan(0.006);
  });

  it('rejects degrees of freedom that are not positive integers and probabilities outside (0, 1)', () => {
    expect(() => studentTCdf(1, 0)).toThrow(/nu = 0, expected an integer ≥ 1/);
    expect(() => studentTCdf(1, 2.5)).toThrow(/nu = 2.5/);
    expect(() => studentTQuantile(1, 5)).toThrow(/q = 1, expected a probability/);
  });

  it('tInterval: mean ± t·s/√n, covering the true mean about 95% of the time', () => {
    const v = [1, 2, 3, 4];
    const e = tInterval(v);
    // s = √(5/3), t_{0.975, 3} = 3.1824463 (tables)
    expect(e.mean).toBe(2.5);
    expect(e.se).toBeCloseTo(Math.sqrt(5 / 3) / 2, 14);
    expect(e.hi - e.mean).toBeCloseTo(3.1824463 * e.se, 6);
    expect(Number.isNaN(tInterval([1]).lo)).toBe(true);
    const rng = Rng.fromSeed(4, 't-interval');
    let covered = 0;
    const trials = 4000;
    for (let i = 0; i < trials; i++) {
      const x = Array.from({ length: 6 }, () => 3 + 2 * rng.normal());
      const c = tInterval(x);
      if (c.lo <= 3 && 3 <= c.hi) covered++;
    }
    // exact coverage 0.95 for normal data; binomial SE √(0.95·0.05/4000) = 0.0034: four of them
    expect(Math.abs(covered / trials - 0.95)).toBeLessThan(0.014);
    expect(() => tInterval(v, 1)).toThrow(/level = 1, expected a probability/);
  });
});

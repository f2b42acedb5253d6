import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import {
  hermiteHe,
  hermiteHeAll,
  hermiteHeCoefficients,
  hermiteNormalized,
  makeHermiteTask,
  sqrtFactorial,
} from '../../src/data/hermite.ts';

/** Gauss–Hermite rule for the standard normal with N nodes: roots of He_N and w_i = N!/(N He_{N−1}(x_i))². */
function gaussHermite(N: number): { nodes: number[]; weights: number[] } {
  const nodes: number[] = [];
  const lim = 2 * Math.sqrt(N) + 1; // all roots of He_N lie in |x| < 2√N (Szegő bound, loose)
  const step = 1e-3; // far below the smallest root spacing (~π/√N ≈ 0.6 for N = 24)
  let xPrev = -lim;
  let fPrev = hermiteHe(N, xPrev);
  for (let x = -lim + step; x <= lim; x += step) {
    const f = hermiteHe(N, x);
    if (Math.sign(f) !== Math.sign(fPrev)) {
      let lo = xPrev;
      let hi = x;
      for (let it = 0; it < 200 && hi - lo > 1e-15; it++) {
        const mid = (lo + hi) / 2;
        if (Math.sign(hermiteHe(N, mid)) === Math.sign(hermiteHe(N, lo))) lo = mid;
        else hi = mid;
      }
      nodes.push((lo + hi) / 2);
    }
    xPrev = x;
    fPrev = f;
  }
  let fact = 1;
  for (let j = 2; j <= N; j++) fact *= j;
  const weights = nodes.map((x) => fact / (N * hermiteHe(N - 1, x)) ** 2);
  return { nodes, weights };
}

describe('probabilists’ Hermite polynomials', () => {
  it('match the explicit low-degree forms', () => {
    for (const x of [-2.7, -1, -0.3, 0, 0.5, 1.7, 3.1]) {
      // Float rounding of the recurrence vs the closed form: relative 1e-14 of the largest term.
      const tol = 1e-13 * (1 + Math.abs(x) ** 5);
      expect(hermiteHe(0, x)).toBe(1);
      expect(hermiteHe(1, x)).toBe(x);
      expect(Math.abs(hermiteHe(2, x) - (x * x - 1))).toBeLessThan(tol);
      expect(Math.abs(hermiteHe(3, x) - (x ** 3 - 3 * x))).toBeLessThan(tol);
      expect(Math.abs(hermiteHe(4, x) - (x ** 4 - 6 * x * x + 3))).toBeLessThan(tol);
      expect(Math.abs(hermiteHe(5, x) - (x ** 5 - 10 * x ** 3 + 15 * x))).toBeLessThan(tol);
    }
  });

  it('power-series coefficients are the known integers and agree with the recurrence', () => {
    expect(Array.from(hermiteHeCoefficients(4))).toEqual([3, 0, -6, 0, 1]);
    expect(Array.from(hermiteHeCoefficients(6))).toEqual([-15, 0, 45, 0, -15, 0, 1]);
    // He_k(0) = (−1)^{k/2} (k−1)!! for even k.
    expect(hermiteHeCoefficients(10)[0]).toBe(-945);
    for (let k = 0; k <= 12; k++) {
      const c = hermiteHeCoefficients(k);
      for (const x of [-2.2, -0.7, 0.4, 1.9]) {
        let poly = 0;
        let scale = 0;
        for (let j = k; j >= 0; j--) poly = poly * x + c[j];
        for (let j = 0; j <= k; j++) scale += Math.abs(c[j]) * Math.abs(x) ** j;
        // Cancellation: both evaluations err by ~1e-16 × Σ|c_j||x|^j.
        expect(Math.abs(hermiteHe(k, x) - poly)).toBeLessThan(1e-13 * scale);
      }
    }
  });

  it('hermiteHeAll equals hermiteHe term by term (same recurrence)', () => {
    const all = hermiteHeAll(9, 1.3);
    for (let k = 0; k <= 9; k++) expect(all[k]).toBe(hermiteHe(k, 1.3));
  });

  it('are orthogonal under N(0, 1): E[h_j h_k] = δ_jk by Gauss–Hermite quadrature', () => {
    const N = 24;
    const { nodes, weights } = gaussHermite(N);
    expect(nodes.length).toBe(N);
    // The rule is exact for degree ≤ 2N − 1 = 47: check it on the moments E z^{2m} = (2m − 1)!! first.
    let doubleFact = 1;
    for (let m = 0; m <= 10; m++) {
      if (m > 0) doubleFact *= 2 * m - 1;
      const moment = nodes.reduce((acc, x, i) => acc + weights[i] * x ** (2 * m), 0);
      expect(Math.abs(moment / doubleFact - 1)).toBeLessThan(1e-11); // float rounding in N! and the roots
    }
    for (let j = 0; j <= 11; j++) {
      for (let k = 0; k <= 11; k++) {
        const ip = nodes.reduce((acc, x, i) => acc + weights[i] * hermiteNormalized(j, x) * hermiteNormalized(k, x), 0);
        // Degree j + k ≤ 22 < 47, so the rule is exact up to float rounding (terms are O(1) after weighting).
        expect(Math.abs(ip - (j === k ? 1 : 0))).toBeLessThan(1e-10);
      }
    }
  });

  it('√(k!) is exact for small k', () => {
    expect(sqrtFactorial(0)).toBe(1);
    expect(sqrtFactorial(4) ** 2).toBeCloseTo(24, 12);
    expect(() => sqrtFactorial(171)).toThrow(/k must be an integer in \[0, 170\], got 171/);
  });
});

describe('Hermite target on anisotropic Gaussian inputs', () => {
  const variances = [4, 2, 1, 0.5, 0.25];
  const terms = [
    { direction: 0, degree: 1, coefficient: 1 },
    { direction: 1, degree: 2, coefficient: 0.7 },
    { direction: 2, degree: 3, coefficient: 0.5 },
    { direction: 0, degree: 2, coefficient: 0.3 },
  ];

  it('labels equal Σ c_t He_{k_t}(z_{i_t})/√(k_t!) (polynomial evaluated independently)', () => {
    const task = makeHermiteTask({ variances, terms, basis: 'random' }, Rng.fromSeed(1));
    const s = task.sample(300, Rng.fromSeed(2));
    const d = variances.length;
    for (let r = 0; r < 300; r++) {
      // Principal coordinates from x: z_i = (Vᵀx)_i / σ_i.
      let want = 0;
      for (const t of terms) {
        let proj = 0;
        for (let a = 0; a < d; a++) proj += task.basis!.data[a * d + t.direction] * s.x.data[r * d + a];
        const z = proj / Math.sqrt(variances[t.direction]);
        const c = hermiteHeCoefficients(t.degree);
        let poly = 0;
        for (let j = t.degree; j >= 0; j--) poly = poly * z + c[j];
        want += (t.coefficient * poly) / Math.sqrt([1, 1, 2, 6][t.degree]);
      }
      // Rotation and back, then a cubic: relative error ~1e-14 of values up to ~100.
      expect(Math.abs(s.yClean[r] - want)).toBeLessThan(1e-10 * (1 + Math.abs(want)));
    }
    expect(Array.from(task.modeScale)).toEqual([4, 4, 1, 16]); // (σ²)^k per term
  });

  it('terms have variance c_t² and are uncorrelated; inputs have the planted variances', () => {
    const n = 40000;
    const task = makeHermiteTask({ variances, terms, noise: 0 }, Rng.fromSeed(3));
    const s = task.sample(n, Rng.fromSeed(4));
    const T = terms.length;
    for (let a = 0; a < T; a++) {
      for (let b = a; b < T; b++) {
        let m = 0;
        let m2 = 0;
        for (let r = 0; r < n; r++) {
          const v = s.termValues.data[r * T + a] * s.termValues.data[r * T + b];
          m += v;
          m2 += v * v;
        }
        m /= n;
        const se = Math.sqrt((m2 / n - m * m) / n); // empirical standard error of the mean
        const want = a === b ? terms[a].coefficient ** 2 : 0;
        // Finite sample: 5 standard errors (heavy-ish tails of degree-6 products are covered by the empirical SE).
        expect(Math.abs(m - want)).toBeLessThan(5 * se);
      }
    }
    const d = variances.length;
    for (let i = 0; i < d; i++) {
      let v = 0;
      for (let r = 0; r < n; r++) v += s.x.data[r * d + i] ** 2;
      // mean(x_i²) has SE σ_i² √(2/n); 5 SE.
      expect(Math.abs(v / n - variances[i])).toBeLessThan(5 * variances[i] * Math.sqrt(2 / n));
    }
    // The row sums of termValues are the labels.
    for (let r = 0; r < 100; r++) {
      let sum = 0;
      for (let t = 0; t < T; t++) sum += s.termValues.data[r * T + t];
      expect(s.yClean[r]).toBe(sum);
    }
  });

  it('is deterministic and rejects bad terms', () => {
    const a = makeHermiteTask({ variances, terms }, Rng.fromSeed(5)).sample(20, Rng.fromSeed(6));
    const b = makeHermiteTask({ variances, terms }, Rng.fromSeed(5)).sample(20, Rng.fromSeed(6));
    const c = makeHermiteTask({ variances, terms }, Rng.fromSeed(5)).sample(20, Rng.fromSeed(7));
    expect(a.y).toEqual(b.y);
    expect(c.y).not.toEqual(a.y);
    expect(() => makeHermiteTask({ variances, terms: [{ direction: 5, degree: 1, coefficient: 1 }] }, Rng.fromSeed(1))).toThrow(
      /terms\[0\]\.direction must be an integer in \[0, 4\], got 5/,
    );
    expect(() =>
      makeHermiteTask(
        {
          variances,
          terms: [
            { direction: 1, degree: 2, coefficient: 1 },
            { direction: 1, degree: 2, coefficient: 2 },
          ],
        },
        Rng.fromSeed(1),
      ),
    ).toThrow(/terms\[1\] repeats direction 1 with degree 2/);
    expect(() => makeHermiteTask({ variances: [1, 0], terms }, Rng.fromSeed(1))).toThrow(/variances\[1\] must be a > 0 number, got 0/);
  });
});

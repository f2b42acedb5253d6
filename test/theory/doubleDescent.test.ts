import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { doubleDescent, marchenkoPasturStieltjes, minNormRisk, ridgeRisk } from '../../src/theory/doubleDescent.ts';
import { meanAndStderr, solveSpd } from './helpers.ts';

/**
 * Simulated risk ‖β̂ − β‖² of min-norm (λ = 0) or ridge least squares: x ~ N(0, I_p), ‖β‖² = r² (a fresh
 * random direction per draw), y = Xβ + N(0, σ²). Min-norm: (XᵀX)⁻¹Xᵀy for p < n, Xᵀ(XXᵀ)⁻¹y for p > n;
 * ridge: (XᵀX/n + λI)⁻¹Xᵀy/n. Solves by Cholesky.
 */
function simulateRisk(n: number, p: number, r2: number, s2: number, lambda: number, draws: number): { mean: number; stderr: number } {
  const rng = Rng.fromSeed(9, 'double-descent', n, p, lambda);
  const risks: number[] = [];
  for (let d = 0; d < draws; d++) {
    const r = rng.child(d);
    const X = r.fillNormal(new Float64Array(n * p));
    const beta = r.fillNormal(new Float64Array(p));
    const norm = Math.sqrt(beta.reduce((s, b) => s + b * b, 0));
    for (let k = 0; k < p; k++) beta[k] *= Math.sqrt(r2) / norm;
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += X[i * p + k] * beta[k];
      y[i] = s + Math.sqrt(s2) * r.normal();
    }
    let bh: Float64Array;
    if (lambda > 0 || p < n) {
      const A = new Float64Array(p * p);
      const rhs = new Float64Array(p);
      for (let i = 0; i < n; i++)
        for (let a = 0; a < p; a++) {
          const xa = X[i * p + a];
          rhs[a] += xa * y[i];
          for (let b = 0; b <= a; b++) A[a * p + b] += xa * X[i * p + b];
        }
      for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) A[b * p + a] = A[a * p + b];
      if (lambda > 0) {
        for (let k = 0; k < p * p; k++) A[k] /= n;
        for (let a = 0; a < p; a++) {
          A[a * p + a] += lambda;
          rhs[a] /= n;
        }
      }
      bh = solveSpd(A, rhs, p);
    } else {
      const G = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let k = 0; k < p; k++) s += X[i * p + k] * X[j * p + k];
          G[i * n + j] = G[j * n + i] = s;
        }
      const a = solveSpd(G, y, n);
      bh = new Float64Array(p);
      for (let i = 0; i < n; i++) for (let k = 0; k < p; k++) bh[k] += X[i * p + k] * a[i];
    }
    let e = 0;
    for (let k = 0; k < p; k++) e += (bh[k] - beta[k]) ** 2;
    risks.push(e);
  }
  return meanAndStderr(risks);
}

const R2 = 1;
const S2 = 0.5;

describe('min-norm least squares: formula vs simulation', () => {
  it('matches simulated risk at n = 100 (exact finite-n means and the asymptotic formula)', () => {
    // For Gaussian X the finite-n expectation is known exactly (inverse-Wishart mean; projection onto a
    // uniformly random n-dim row space): p < n: σ²p/(n − p − 1); p > n: r²(1 − n/p) + σ²n/(p − n − 1).
    // Simulation vs that: 4 standard errors of the 100-draw mean. Simulation vs the asymptotic formula:
    // 4 SE plus the known finite-n gap |exact − asymptotic| (5% at γ = 0.8, the closest to the peak).
    for (const p of [50, 80, 150, 200]) {
      const n = 100;
      const sim = simulateRisk(n, p, R2, S2, 0, 100);
      const exact = p < n ? (S2 * p) / (n - p - 1) : R2 * (1 - n / p) + (S2 * n) / (p - n - 1);
      const asym = doubleDescent({ gammas: [p / n], signal: R2, noise: S2 }).risk[0];
      expect(Math.abs(sim.mean - exact)).toBeLessThan(4 * sim.stderr);
      expect(Math.abs(sim.mean - asym)).toBeLessThan(4 * sim.stderr + Math.abs(exact - asym));
      // The finite-n mean converges to the formula: gap O(1/n), ≤ 6% here.
      expect(Math.abs(exact - asym) / asym).toBeLessThan(0.06);
    }
  });

  it('has its peak at γ = 1 (infinite) and descends on both sides', () => {
    // Exact formula values: monotone up to γ = 1, infinite there, then a second descent.
    const gammas = [0.2, 0.5, 0.8, 0.95, 1, 1.05, 1.5, 3, 10];
    const { risk } = doubleDescent({ gammas, signal: R2, noise: S2 });
    expect(risk[4]).toBe(Number.POSITIVE_INFINITY);
    for (let i = 1; i < 4; i++) expect(risk[i]).toBeGreaterThan(risk[i - 1]);
    for (let i = 6; i < gammas.length - 1; i++) expect(risk[i]).toBeLessThan(risk[i - 1]);
    // γ → ∞: the estimator shrinks to 0 and the risk tends to the null risk r².
    expect(minNormRisk(1e9, R2, S2)).toBeCloseTo(R2, 8);
  });
});

describe('ridge: Marchenko–Pastur formula', () => {
  it('m(−λ) and m′(−λ) equal numerical integrals over the Marchenko–Pastur law', () => {
    // Density √((b − s)(s − a))/(2πγs) on [(1 − √γ)², (1 + √γ)²] plus an atom 1 − 1/γ at 0 for γ > 1. With
    // s = c + w cos θ the integrand is smooth and periodic in θ, so the 2000-point midpoint rule is exact to
    // float rounding: 1e-10 relative.
    for (const gamma of [0.3, 0.8, 1, 1.7, 4]) {
      for (const lambda of [0.05, 0.5, 3]) {
        const a = (1 - Math.sqrt(gamma)) ** 2;
        const b = (1 + Math.sqrt(gamma)) ** 2;
        const c = (a + b) / 2;
        const w = (b - a) / 2;
        const N = 2000;
        let m = 0;
        let dm = 0;
        let mass = 0;
        for (let k = 0; k < N; k++) {
          const th = ((k + 0.5) * Math.PI) / N;
          const s = c + w * Math.cos(th);
          // dμ = √((b−s)(s−a))/(2πγs) ds, ds = w sin θ dθ, √((b−s)(s−a)) = w sin θ.
          const dens = (w * Math.sin(th) * w * Math.sin(th)) / (2 * Math.PI * gamma * s);
          const dtheta = Math.PI / N;
          mass += dens * dtheta;
          m += (dens * dtheta) / (s + lambda);
          dm += (dens * dtheta) / (s + lambda) ** 2;
        }
        const atom = gamma > 1 ? 1 - 1 / gamma : 0;
        m += atom / lambda;
        dm += atom / (lambda * lambda);
        expect(Math.abs(mass + atom - 1)).toBeLessThan(1e-10);
        const st = marchenkoPasturStieltjes(gamma, lambda);
        expect(Math.abs(st.m - m) / m).toBeLessThan(1e-10);
        expect(Math.abs(st.dm - dm) / dm).toBeLessThan(1e-10);
        expect(Math.abs(st.mMinusLambdaDm - (m - lambda * dm)) / Math.abs(m - lambda * dm)).toBeLessThan(1e-8);
      }
    }
  });

  it('matches simulated ridge risk', () => {
    // 4 SE of an 80-draw mean plus 2% for the O(1/n) finite-size gap (measured ≤ 1.5% at n = 100–200).
    for (const [n, p, lambda] of [
      [200, 100, 0.2],
      [100, 200, 0.2],
      [100, 100, 0.1],
    ]) {
      const sim = simulateRisk(n, p, R2, S2, lambda, 80);
      const theory = ridgeRisk(p / n, lambda, R2, S2);
      expect(Math.abs(sim.mean - theory)).toBeLessThan(4 * sim.stderr + 0.02 * theory);
    }
  });

  it('λ → 0⁺ recovers the min-norm risk, and the optimal ridge removes the peak', () => {
    // λ = 1e-10: the ridge risk differs from the ridgeless limit by O(λ) away from γ = 1: 1e-7 relative.
    for (const g of [0.3, 0.7, 1.4, 3]) {
      const ridgeless = minNormRisk(g, R2, S2);
      expect(Math.abs(ridgeRisk(g, 1e-10, R2, S2) - ridgeless) / ridgeless).toBeLessThan(1e-7);
    }
    const gammas = Array.from({ length: 60 }, (_, i) => 0.05 + i * 0.05);
    const opt = doubleDescent({ gammas, signal: R2, noise: S2, ridge: 'optimal' });
    for (let i = 1; i < gammas.length; i++) expect(opt.risk[i]).toBeGreaterThan(opt.risk[i - 1]); // monotone: no peak
    // λ* = σ²γ/r² minimizes the risk over λ (checked against ±10% and a wide grid).
    for (const g of [0.5, 1, 2]) {
      const ls = (S2 * g) / R2;
      const best = ridgeRisk(g, ls, R2, S2);
      for (const f of [0.1, 0.5, 0.9, 1.1, 2, 10]) expect(ridgeRisk(g, ls * f, R2, S2)).toBeGreaterThan(best);
      expect(opt.ridge[gammas.findIndex((x) => Math.abs(x - g) < 1e-9)] ?? ls).toBeCloseTo(ls, 12);
    }
  });

  it('rejects bad input naming the field', () => {
    expect(() => doubleDescent({ gammas: [0.5, 0], signal: 1, noise: 1 })).toThrow(/gammas\[1\]/);
    expect(() => doubleDescent({ gammas: [0.5], signal: -1, noise: 1 })).toThrow(/signal/);
    expect(() => doubleDescent({ gammas: [0.5], signal: 0, noise: 1, ridge: 'optimal' })).toThrow(/ridge/);
  });
});

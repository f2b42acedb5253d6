import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { makePowerLawTask, powerLawSpectrum } from '../../src/data/powerlaw.ts';

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (oracle for small d), descending. */
function symmetricEigenvalues(a: Float64Array, d: number): number[] {
  const m = Float64Array.from(a);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += m[p * d + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = m[p * d + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * d + q] - m[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = m[k * d + p];
          const akq = m[k * d + q];
          m[k * d + p] = c * akp - s * akq;
          m[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = m[p * d + k];
          const aqk = m[q * d + k];
          m[p * d + k] = c * apk - s * aqk;
          m[q * d + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: d }, (_, i) => m[i * d + i]).sort((x, y) => y - x);
}

/** Second-moment matrix (1/n) XᵀX (the mean is known to be 0). */
function secondMoment(x: Float64Array, n: number, d: number): Float64Array {
  const c = new Float64Array(d * d);
  for (let r = 0; r < n; r++) {
    const row = r * d;
    for (let a = 0; a < d; a++) {
      const xa = x[row + a];
      for (let b = a; b < d; b++) c[a * d + b] += xa * x[row + b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      c[a * d + b] /= n;
      c[b * d + a] = c[a * d + b];
    }
  }
  return c;
}

describe('power-law spectrum', () => {
  it('λ_i = i^{−(1+α)}, normalized to λ_1 = 1 or to trace 1', () => {
    const lam = powerLawSpectrum(100, 0.5);
    for (let i = 0; i < 100; i++) expect(lam[i]).toBe((i + 1) ** -1.5);
    const tr = powerLawSpectrum(100, 0.5, 'trace');
    let s = 0;
    for (let i = 0; i < 100; i++) s += tr[i];
    expect(s).toBeCloseTo(1, 14); // float summation of 100 terms
    expect(tr[3] / tr[0]).toBeCloseTo(4 ** -1.5, 14);
    expect(() => powerLawSpectrum(10, 0)).toThrow(/alpha must be a > 0 number, got 0/);
  });
});

describe('power-law Gaussian data', () => {
  const d = 20;
  const n = 20000;
  const alpha = 1;

  it('canonical basis: coordinate variances match λ_i, covariances vanish, within sampling error', () => {
    const task = makePowerLawTask({ d, alpha }, Rng.fromSeed(1));
    expect(task.basis).toBeNull();
    const s = task.sample(n, Rng.fromSeed(1, 'data'));
    const c = secondMoment(s.x.data, n, d);
    for (let i = 0; i < d; i++) {
      // (1/n)Σ x_i² has mean λ_i and standard error λ_i √(2/n) (Gaussian, known mean); allow 5 SE.
      expect(Math.abs(c[i * d + i] - task.eigenvalues[i])).toBeLessThan(5 * task.eigenvalues[i] * Math.sqrt(2 / n));
      for (let j = i + 1; j < d; j++) {
        // (1/n)Σ x_i x_j has mean 0 and standard error √(λ_i λ_j / n); allow 5 SE.
        expect(Math.abs(c[i * d + j])).toBeLessThan(5 * Math.sqrt((task.eigenvalues[i] * task.eigenvalues[j]) / n));
      }
    }
  });

  it('random basis: V orthogonal; the empirical covariance spectrum matches the planted λ_i', () => {
    const task = makePowerLawTask({ d, alpha, basis: 'random' }, Rng.fromSeed(2));
    const V = task.basis!;
    let worst = 0;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += V.data[i * d + a] * V.data[i * d + b];
        worst = Math.max(worst, Math.abs(dot - (a === b ? 1 : 0)));
      }
    }
    expect(worst).toBeLessThan(1e-13); // Gram–Schmidt rounding
    const s = task.sample(n, Rng.fromSeed(2, 'data'));
    const eig = symmetricEigenvalues(secondMoment(s.x.data, n, d), d);
    for (let i = 0; i < d; i++) {
      // Sample eigenvalue of a well-separated population eigenvalue: SE λ_i √(2/n) to first order; the
      // second-order bias Σ_j λ_iλ_j/(n(λ_i − λ_j)) is < 0.1 SE here (closest gap: λ_19 vs λ_20). 5 SE.
      expect(Math.abs(eig[i] - task.eigenvalues[i])).toBeLessThan(5 * task.eigenvalues[i] * Math.sqrt(2 / n));
    }
    // In a random basis the coordinates are mixed: coordinate 0 no longer has variance λ_1 = 1.
    expect(Math.abs(secondMoment(s.x.data, n, d)[0] - 1)).toBeGreaterThan(0.05);
  });

  it('teacher labels are exactly wᵀx with |w̄_i| = i^{−p} and Var y = Σ w̄_i² λ_i', () => {
    const p = 0.25;
    const task = makePowerLawTask({ d, alpha, basis: 'random', teacherDecay: p }, Rng.fromSeed(3));
    for (let i = 0; i < d; i++) expect(Math.abs(task.teacherCoefficients[i])).toBeCloseTo((i + 1) ** -p, 15);
    const signs = new Set(Array.from(task.teacherCoefficients, Math.sign));
    expect(signs.size).toBe(2); // random signs: both occur among 20 (probability 1 − 2^{−19})
    const s = task.sample(n, Rng.fromSeed(3, 'data'));
    let var_ = 0;
    for (let r = 0; r < n; r++) {
      let wx = 0;
      for (let a = 0; a < d; a++) wx += task.teacher[a] * s.x.data[r * d + a];
      // Two summation orders of the same O(1) quantity: agree to ~1e-15; 1e-12 leaves room.
      expect(Math.abs(wx - s.yClean[r])).toBeLessThan(1e-12);
      var_ += s.yClean[r] ** 2;
    }
    let planted = 0;
    for (let i = 0; i < d; i++) planted += task.targetPower[i];
    // mean(y²) for Gaussian y has standard error Var(y) √(2/n); 5 SE.
    expect(Math.abs(var_ / n - planted)).toBeLessThan(5 * planted * Math.sqrt(2 / n));
  });

  it('is deterministic given the seeds, differs across seeds; train and test share the teacher', () => {
    const a = makePowerLawTask({ d, alpha, basis: 'random' }, Rng.fromSeed(4));
    const b = makePowerLawTask({ d, alpha, basis: 'random' }, Rng.fromSeed(4));
    const c = makePowerLawTask({ d, alpha, basis: 'random' }, Rng.fromSeed(5));
    expect(a.basis!.data).toEqual(b.basis!.data);
    expect(a.teacher).toEqual(b.teacher);
    expect(c.basis!.data).not.toEqual(a.basis!.data);
    const s1 = a.sample(10, Rng.fromSeed(6));
    const s2 = b.sample(10, Rng.fromSeed(6));
    const s3 = a.sample(10, Rng.fromSeed(7));
    expect(s1.x.data).toEqual(s2.x.data);
    expect(s1.y).toEqual(s2.y);
    expect(s3.x.data).not.toEqual(s1.x.data);
  });

  it('adds label noise of the asked std and validates its parameters', () => {
    const task = makePowerLawTask({ d: 5, alpha: 0.5, noise: 0.1 }, Rng.fromSeed(8));
    const s = task.sample(n, Rng.fromSeed(9));
    let r2 = 0;
    for (let r = 0; r < n; r++) r2 += (s.y[r] - s.yClean[r]) ** 2;
    // mean(σ²ε²) has standard error σ² √(2/n); 5 SE.
    expect(Math.abs(r2 / n - 0.01)).toBeLessThan(5 * 0.01 * Math.sqrt(2 / n));
    expect(() => makePowerLawTask({ d: 5, alpha: -1 }, Rng.fromSeed(1))).toThrow(/alpha must be a > 0 number, got -1/);
    expect(() => makePowerLawTask({ d: 5, alpha: 1, basis: 'weird' as 'random' }, Rng.fromSeed(1))).toThrow(
      /basis must be 'canonical' or 'random', got weird/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { randomOrthonormal } from '../../src/data/basis.ts';
import { makeTeacherTask } from '../../src/data/teacher.ts';

/** max_{a,b} |(QᵀQ − I)_{ab}| for a d × k row-major matrix. */
function orthoError(q: { rows: number; cols: number; data: Float64Array }): number {
  let worst = 0;
  for (let a = 0; a < q.cols; a++) {
    for (let b = 0; b < q.cols; b++) {
      let dot = 0;
      for (let i = 0; i < q.rows; i++) dot += q.data[i * q.cols + a] * q.data[i * q.cols + b];
      worst = Math.max(worst, Math.abs(dot - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

describe('randomOrthonormal', () => {
  it('has orthonormal columns to float rounding and is seeded', () => {
    const q = randomOrthonormal(40, 40, Rng.fromSeed(1));
    // Double Gram–Schmidt: ‖QᵀQ − I‖ is O(d · 1e-16).
    expect(orthoError(q)).toBeLessThan(1e-13);
    expect(randomOrthonormal(40, 5, Rng.fromSeed(1)).data).toEqual(randomOrthonormal(40, 5, Rng.fromSeed(1)).data);
    expect(randomOrthonormal(40, 5, Rng.fromSeed(2)).data).not.toEqual(randomOrthonormal(40, 5, Rng.fromSeed(1)).data);
  });

  it('is uniformly oriented: E[q_11²] = 1/d over draws', () => {
    // For Haar Q, q_11² ~ Beta(1/2, (d−1)/2) with mean 1/d and variance 2(d−1)/(d²(d+2)).
    const d = 10;
    const draws = 2000;
    let s = 0;
    // Independent streams by key (Rng.fromSeed(t) for consecutive t share their first output; see the report).
    const root = Rng.fromSeed(2024);
    for (let t = 0; t < draws; t++) s += randomOrthonormal(d, 1, root.child('haar', t)).data[0] ** 2;
    const se = Math.sqrt((2 * (d - 1)) / (d * d * (d + 2)) / draws);
    // 5 standard errors of the Monte-Carlo mean.
    expect(Math.abs(s / draws - 1 / d)).toBeLessThan(5 * se);
  });
});

describe('teacher–student', () => {
  const d = 30;
  const n = 20000;

  it('labels are exactly g(Uᵀx), U orthonormal, z = Uᵀx', () => {
    const link = (z: Float64Array) => Math.tanh(z[0]) * z[1] + z[2] * z[2];
    const task = makeTeacherTask({ d, k: 3, link, noise: 0 }, Rng.fromSeed(7));
    expect(orthoError(task.U)).toBeLessThan(1e-13); // float rounding of Gram–Schmidt
    const s = task.sample(200, Rng.fromSeed(7, 'train'));
    for (let r = 0; r < 200; r++) {
      const z = new Float64Array(3);
      for (let j = 0; j < 3; j++) for (let i = 0; i < d; i++) z[j] += s.x.data[r * d + i] * task.U.data[i * 3 + j];
      for (let j = 0; j < 3; j++) expect(s.z.data[r * 3 + j]).toBeCloseTo(z[j], 12); // summation order only
      expect(s.yClean[r]).toBeCloseTo(link(z), 12);
      expect(s.y[r]).toBe(s.yClean[r]); // no noise
    }
    // evaluate() on the same inputs reproduces the clean labels bit for bit.
    expect(task.evaluate(s.x)).toEqual(s.yClean);
  });

  it('default link is linear: y = Σ_j z_j', () => {
    const task = makeTeacherTask({ d, k: 2 }, Rng.fromSeed(3));
    const s = task.sample(50, Rng.fromSeed(4));
    for (let r = 0; r < 50; r++) expect(s.y[r]).toBeCloseTo(s.z.data[2 * r] + s.z.data[2 * r + 1], 12);
  });

  it('is deterministic given the seeds and differs across seeds', () => {
    const a = makeTeacherTask({ d, k: 1 }, Rng.fromSeed(11)).sample(100, Rng.fromSeed(12));
    const b = makeTeacherTask({ d, k: 1 }, Rng.fromSeed(11)).sample(100, Rng.fromSeed(12));
    const c = makeTeacherTask({ d, k: 1 }, Rng.fromSeed(13)).sample(100, Rng.fromSeed(12));
    const e = makeTeacherTask({ d, k: 1 }, Rng.fromSeed(11)).sample(100, Rng.fromSeed(14));
    expect(a.x.data).toEqual(b.x.data);
    expect(a.y).toEqual(b.y);
    expect(c.y).not.toEqual(a.y); // other teacher, same inputs
    expect(c.x.data).toEqual(a.x.data);
    expect(e.x.data).not.toEqual(a.x.data);
  });

  it('z = Uᵀx is standard normal and the label noise has the asked std', () => {
    const sigma = 0.3;
    const he2 = (z: Float64Array) => (z[0] * z[0] - 1) / Math.SQRT2;
    const task = makeTeacherTask({ d, k: 1, link: he2, noise: sigma }, Rng.fromSeed(21));
    const s = task.sample(n, Rng.fromSeed(22));
    let m = 0;
    let m2 = 0;
    let y2 = 0;
    let r2 = 0;
    for (let r = 0; r < n; r++) {
      m += s.z.data[r];
      m2 += s.z.data[r] ** 2;
      y2 += s.yClean[r] ** 2;
      r2 += (s.y[r] - s.yClean[r]) ** 2;
    }
    // Finite sample, 5 standard errors: mean(z) has SE 1/√n; mean(z²) has SE √(2/n);
    // mean(h²) for h = He₂/√2 has SE √(Var h²/n) = √(14/n) (E h⁴ = 15); mean(ε²σ²) has SE σ²√(2/n).
    expect(Math.abs(m / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(y2 / n - 1)).toBeLessThan(5 * Math.sqrt(14 / n));
    expect(Math.abs(r2 / n - sigma * sigma)).toBeLessThan(5 * sigma * sigma * Math.sqrt(2 / n));
  });

  it('accepts a fixed U and rejects a bad one with a clear error', () => {
    const U = { rows: 3, cols: 1, data: Float64Array.from([0, 1, 0]) };
    const task = makeTeacherTask({ d: 3, U }, Rng.fromSeed(1));
    const s = task.sample(10, Rng.fromSeed(2));
    for (let r = 0; r < 10; r++) expect(s.y[r]).toBe(s.x.data[3 * r + 1]);
    expect(() => makeTeacherTask({ d: 3, U: { rows: 3, cols: 1, data: Float64Array.from([1, 1, 0]) } }, Rng.fromSeed(1))).toThrow(
      /orthonormal columns.*\(UᵀU\)\[0\]\[0\] = 2/,
    );
    expect(() => makeTeacherTask({ d: 0 }, Rng.fromSeed(1))).toThrow(/d must be an integer >= 1, got 0/);
    expect(() => makeTeacherTask({ d: 3, k: 4 }, Rng.fromSeed(1))).toThrow(/k must be an integer in \[1, 3\], got 4/);
    expect(() => makeTeacherTask({ d: 3, noise: -1 }, Rng.fromSeed(1))).toThrow(/noise must be a >= 0 number, got -1/);
    expect(() => task.sample(1.5, Rng.fromSeed(1))).toThrow(/n must be an integer >= 0, got 1.5/);
  });
});

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { angularDistance, makeCircleTeacherTask } from '../../src/data/circle.ts';

describe('circle with a 3-unit ReLU teacher', () => {
  const angles = [0, (2 * Math.PI) / 3, (4 * Math.PI) / 3];

  it('teacher values by hand', () => {
    const task = makeCircleTeacherTask({ angles, outputWeights: [1, 2, 3] }, Rng.fromSeed(1));
    // θ = 0: relu(1) + 2 relu(cos 120°) + 3 relu(cos 240°) = 1.
    // θ = 60°: 1·0.5 + 2·relu(cos(−60°)) + 3·relu(cos(−180°)) = 0.5 + 1 + 0 = 1.5.
    // θ = 180°: relu(−1) + 2·relu(cos 60°) + 3·relu(cos(−60°)) = 0 + 1 + 1.5 = 2.5.
    // θ = 120°: 1·relu(−0.5) + 2·1 + 3·relu(cos(−120°)) = 2.
    // Tolerance: cos/sin rounding, ~1e-16 per term.
    expect(task.evaluate(0)).toBeCloseTo(1, 14);
    expect(task.evaluate(Math.PI / 3)).toBeCloseTo(1.5, 14);
    expect(task.evaluate(Math.PI)).toBeCloseTo(2.5, 14);
    expect(task.evaluate((2 * Math.PI) / 3)).toBeCloseTo(2, 14);
    const s = task.sample(6, Rng.fromSeed(2), { grid: true });
    expect(Array.from(s.y).map((v) => Math.round(v * 1e12) / 1e12)).toEqual([1, 1.5, 2, 2.5, 3, 2]);
    // θ = 240°: 3·1 = 3; θ = 300°: 1·0.5 + 3·0.5 = 2.
  });

  it('points lie on the unit circle and labels match evaluate(θ)', () => {
    const task = makeCircleTeacherTask({}, Rng.fromSeed(3));
    const s = task.sample(500, Rng.fromSeed(4));
    for (let i = 0; i < 500; i++) {
      const x = s.x.data[2 * i];
      const y = s.x.data[2 * i + 1];
      expect(Math.abs(x * x + y * y - 1)).toBeLessThan(1e-15); // cos² + sin² rounding
      expect(x).toBe(Math.cos(s.theta[i]));
      expect(s.y[i]).toBe(task.evaluate(s.theta[i]));
      expect(s.theta[i]).toBeGreaterThanOrEqual(0);
      expect(s.theta[i]).toBeLessThan(2 * Math.PI);
    }
  });

  it('random teachers have 3 unit directions at least 60° apart, seeded', () => {
    for (let seed = 0; seed < 50; seed++) {
      const task = makeCircleTeacherTask({}, Rng.fromSeed(1000).child('teacher', seed));
      expect(task.angles.length).toBe(3);
      for (let a = 0; a < 3; a++) {
        expect(Math.hypot(task.directions.data[2 * a], task.directions.data[2 * a + 1])).toBeCloseTo(1, 15);
        for (let b = a + 1; b < 3; b++) expect(angularDistance(task.angles[a], task.angles[b])).toBeGreaterThanOrEqual(Math.PI / 3);
      }
    }
    const a = makeCircleTeacherTask({}, Rng.fromSeed(7));
    const b = makeCircleTeacherTask({}, Rng.fromSeed(7));
    const c = makeCircleTeacherTask({}, Rng.fromSeed(8));
    expect(a.angles).toEqual(b.angles);
    expect(c.angles).not.toEqual(a.angles);
    expect(a.sample(10, Rng.fromSeed(1)).theta).toEqual(b.sample(10, Rng.fromSeed(1)).theta);
    expect(a.sample(10, Rng.fromSeed(1)).theta).not.toEqual(a.sample(10, Rng.fromSeed(2)).theta);
  });

  it('angular distance wraps around', () => {
    expect(angularDistance(0.1, 2 * Math.PI - 0.1)).toBeCloseTo(0.2, 14);
    expect(angularDistance(0, Math.PI)).toBeCloseTo(Math.PI, 14);
  });

  it('rejects bad parameters with clear errors', () => {
    expect(() => makeCircleTeacherTask({ angles, outputWeights: [1, 2] }, Rng.fromSeed(1))).toThrow(
      /outputWeights has 2 entries, expected 3/,
    );
    expect(() => makeCircleTeacherTask({ units: 3, minSeparation: 3 }, Rng.fromSeed(1))).toThrow(/minSeparation must be/);
  });
});

import { describe, expect, it } from 'vitest';
import { rk45 } from '../../src/theory/ode.ts';
import { saxeHalfTime, saxeModeStrengths, saxeModeTrajectory, saxeTimeToReach } from '../../src/theory/saxe.ts';

describe('rk45 (Dormand–Prince)', () => {
  it('integrates y′ = −y and the harmonic oscillator to the requested tolerance', () => {
    // Global error ≈ rtol × (number of steps)^{small}: 1e-9 for rtol = 1e-11 on O(1) solutions over t ≤ 20.
    const times = [0, 0.1, 1, 5, 20];
    const decay = rk45((_t, y) => [-y[0]], [1], times, { rtol: 1e-11, atol: 1e-14 });
    times.forEach((t, i) => expect(Math.abs(decay.y[i][0] - Math.exp(-t))).toBeLessThan(1e-11));
    const osc = rk45((_t, y) => [y[1], -y[0]], [1, 0], times, { rtol: 1e-11, atol: 1e-13 });
    times.forEach((t, i) => {
      expect(Math.abs(osc.y[i][0] - Math.cos(t))).toBeLessThan(1e-9);
      expect(Math.abs(osc.y[i][1] + Math.sin(t))).toBeLessThan(1e-9);
    });
  });

  it('returns states in the order of the requested times and honors t0', () => {
    // Same exact solution, unordered output times, start at t0 = 1: float/tolerance error only.
    const res = rk45((t, y) => [t * y[0]], [1], [3, 1, 2], { t0: 1, rtol: 1e-12, atol: 1e-14 });
    const exact = (t: number) => Math.exp((t * t - 1) / 2);
    [3, 1, 2].forEach((t, i) => expect(Math.abs(res.y[i][0] - exact(t)) / exact(t)).toBeLessThan(1e-10));
    expect(() => rk45((_t, y) => [y[0]], [1], [0.5], { t0: 1 })).toThrow(/times\[0\]/);
  });

  it('takes fewer steps at looser tolerance (adaptivity works)', () => {
    // Not a timing assertion: a count of accepted steps, deterministic.
    const f = (_t: number, y: Float64Array) => [y[1], -y[0]];
    const loose = rk45(f, [1, 0], [50], { rtol: 1e-5, atol: 1e-8 });
    const tight = rk45(f, [1, 0], [50], { rtol: 1e-11, atol: 1e-14 });
    expect(loose.acceptedSteps).toBeLessThan(tight.acceptedSteps);
  });
});

describe('Saxe mode strengths', () => {
  const times = [0, 0.2, 0.5, 1, 1.5, 2, 3, 5, 10];

  it('depth 2: the closed form solves du/dt = 2u(s − u) (RK45 at tight tolerance)', () => {
    // RK45 at rtol 1e-12: agreement to ~1e-10 relative to s on the sigmoid.
    for (const s of [5, 3, 1, 0.5]) {
      const closed = saxeModeTrajectory(s, 1e-3, 2, times);
      const ode = rk45((_t, y) => [2 * y[0] * (s - y[0])], [1e-3], times, { rtol: 1e-12, atol: 1e-15 });
      times.forEach((_, i) => expect(Math.abs(closed[i] - ode.y[i][0])).toBeLessThan(1e-10 * s));
    }
  });

  it('depth 1: u = s + (u₀ − s)e^{−t}', () => {
    // Closed form evaluated directly: float error.
    const u = saxeModeTrajectory(2, 0.1, 1, times);
    times.forEach((t, i) => expect(u[i]).toBeCloseTo(2 + (0.1 - 2) * Math.exp(-t), 14));
  });

  /** Max |u_GD − u_ODE|/s over checkpoints, GD with step η on ½(w_L⋯w₁ − s)² from w_l = u₀^{1/L}. */
  function chainDeviation(L: number, s: number, u0: number, eta: number): number {
    const horizon = 8 / s;
    // Compare at the exact GD times (step count × η), so rounding of the checkpoints adds no error.
    const stepsAt = [0.25, 0.5, 0.75, 1].map((f) => Math.round((f * horizon) / eta));
    const theory = saxeModeTrajectory(s, u0, L, stepsAt.map((k) => k * eta));
    const w = new Float64Array(L).fill(u0 ** (1 / L));
    let step = 0;
    let worst = 0;
    stepsAt.forEach((target, k) => {
      for (; step < target; step++) {
        let u = 1;
        for (let l = 0; l < L; l++) u *= w[l];
        const g = new Float64Array(L);
        for (let l = 0; l < L; l++) {
          let others = 1;
          for (let j = 0; j < L; j++) if (j !== l) others *= w[j];
          g[l] = (u - s) * others;
        }
        for (let l = 0; l < L; l++) w[l] -= eta * g[l];
      }
      let u = 1;
      for (let l = 0; l < L; l++) u *= w[l];
      worst = Math.max(worst, Math.abs(u - theory[k]) / s);
    });
    return worst;
  }

  it('depth L = 3, 4: the ODE matches small-step gradient descent on a balanced scalar chain w_L⋯w₁', () => {
    // GD stays balanced (all w_l equal) and follows the flow up to O(η) (Euler): measured max deviation
    // 3.3e-4·s at η = 1e-4 (in the steep transition), so 1e-3·s. Halving η must halve the deviation
    // (measured ratios 1.998–2.000; [1.9, 2.1] allows the O(η²) remainder), which shows the gap is the
    // first-order discretization error and not a mismatch of the ODE.
    for (const L of [3, 4]) {
      for (const s of [3, 1]) {
        const dev = chainDeviation(L, s, 0.01, 1e-4);
        expect(dev).toBeLessThan(1e-3);
        const ratio = dev / chainDeviation(L, s, 0.01, 5e-5);
        expect(ratio).toBeGreaterThan(1.9);
        expect(ratio).toBeLessThan(2.1);
      }
    }
  });

  it('greater depth gives sharper, later transitions from the same small init (larger s first)', () => {
    // Qualitative shape of Saxe Fig. 3 / the depth-L ODE: exact ordering statements.
    const t = Array.from({ length: 200 }, (_, i) => i * 0.05);
    const { modes } = saxeModeStrengths({ singularValues: [5, 3, 1], init: 1e-3, depth: 3, times: t });
    const half = (row: number[], s: number) => t[row.findIndex((u) => u >= s / 2)];
    expect(half(modes[0], 5)).toBeLessThan(half(modes[1], 3));
    expect(half(modes[1], 3)).toBeLessThan(half(modes[2], 1));
    for (const row of modes) for (let i = 1; i < row.length; i++) expect(row[i]).toBeGreaterThanOrEqual(row[i - 1]);
  });

  it('half-time: u(t½) = s/2 and the time-to-reach formula inverts the closed form', () => {
    // Closed forms composed: float error ~1e-14 relative.
    for (const [s, u0] of [
      [5, 1e-3],
      [1, 0.01],
      [0.5, 0.2],
    ]) {
      const th = saxeHalfTime(s, u0);
      expect(saxeModeTrajectory(s, u0, 2, [th])[0]).toBeCloseTo(s / 2, 12);
      for (const uf of [u0 + 0.1 * (s - u0), 0.9 * s]) expect(saxeModeTrajectory(s, u0, 2, [saxeTimeToReach(s, u0, uf)])[0]).toBeCloseTo(uf, 12);
    }
    expect(() => saxeHalfTime(1, 2)).toThrow(/u0/);
  });

  it('rejects bad input naming the field', () => {
    expect(() => saxeModeStrengths({ singularValues: [1], init: 0, depth: 2, times: [1] })).toThrow(/init/);
    expect(() => saxeModeStrengths({ singularValues: [1], init: 0.1, depth: 0, times: [1] })).toThrow(/depth/);
    expect(() => saxeModeStrengths({ singularValues: [1], init: 0.1, depth: 2, times: [-1] })).toThrow(/times\[0\]/);
  });
});

import { describe, expect, it } from 'vitest';
import type { Mat } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';
import { linearized, linearizedDynamics } from '../../src/theory/linearized.ts';
import { rk45 } from '../../src/theory/ode.ts';
import { maxAbsDiff, solveSpd } from './helpers.ts';

/** Random features Φ (rows × p): K = ΦΦᵀ/p is an exact kernel of the linear model f = f₀ + Φθ/√p. */
function features(rows: number, p: number, rng: Rng): Float64Array {
  return rng.fillNormal(new Float64Array(rows * p));
}

function gram(a: Float64Array, ra: number, b: Float64Array, rb: number, p: number): Mat {
  const out = new Float64Array(ra * rb);
  for (let i = 0; i < ra; i++)
    for (let j = 0; j < rb; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += a[i * p + k] * b[j * p + k];
      out[i * rb + j] = s / p;
    }
  return { rows: ra, cols: rb, data: out };
}

const rng = Rng.fromSeed(21, 'linearized');
const n = 8;
const m = 5;
const p = 12;
const phiTrain = features(n, p, rng.child('train'));
const phiTest = features(m, p, rng.child('test'));
const K = gram(phiTrain, n, phiTrain, n, p);
const Kt = gram(phiTest, m, phiTrain, n, p);
const Y: Mat = { rows: n, cols: 2, data: rng.child('y').fillNormal(new Float64Array(n * 2)) };
const f0: Mat = { rows: n, cols: 2, data: rng.child('f0').fillNormal(new Float64Array(n * 2), 0.3) };
const f0t: Mat = { rows: m, cols: 2, data: rng.child('f0t').fillNormal(new Float64Array(m * 2), 0.3) };

/** GD in parameter space on L = s·½‖f₀ + Φθ/√p − Y‖² + (δ/2)‖θ‖² (θ₀ = 0): the model the formula describes. */
function parameterGd(phi: Float64Array, rows: number, eta: number, steps: number, ridge: number, s: number, phiT: Float64Array, rowsT: number): { train: Float64Array; test: Float64Array } {
  const k = 2;
  const theta = new Float64Array(p * k);
  const predict = (ph: Float64Array, r: number, base: Float64Array) => {
    const out = Float64Array.from(base);
    for (let i = 0; i < r; i++)
      for (let c = 0; c < k; c++) {
        let acc = 0;
        for (let j = 0; j < p; j++) acc += ph[i * p + j] * theta[j * k + c];
        out[i * k + c] += acc / Math.sqrt(p);
      }
    return out;
  };
  for (let t = 0; t < steps; t++) {
    const f = predict(phi, rows, f0.data);
    const grad = new Float64Array(p * k);
    for (let i = 0; i < rows; i++)
      for (let c = 0; c < k; c++) {
        const r = s * (f[i * k + c] - Y.data[i * k + c]);
        for (let j = 0; j < p; j++) grad[j * k + c] += (r * phi[i * p + j]) / Math.sqrt(p);
      }
    for (let j = 0; j < p * k; j++) theta[j] -= eta * (grad[j] + ridge * theta[j]);
  }
  return { train: predict(phi, rows, f0.data), test: predict(phiT, rowsT, f0t.data) };
}

describe('linearized: gradient descent (exact for the linear model)', () => {
  it('matches GD run in parameter space on the explicit linear model, with and without ridge, sum and mean loss', () => {
    // Both sides are exact; they differ only by float error accumulated over 300 steps (~1e-13).
    for (const ridge of [0, 0.3]) {
      for (const loss of ['sum', 'mean'] as const) {
        const s = loss === 'mean' ? 1 / n : 1;
        const eta = 0.1;
        const dyn = linearizedDynamics({ kernelTrain: K, kernelTest: Kt, targets: Y, f0Train: f0, f0Test: f0t, learningRate: eta, method: 'gd', ridge, loss });
        for (const steps of [0, 1, 7, 300]) {
          const ref = parameterGd(phiTrain, n, eta, steps, ridge, s, phiTest, m);
          expect(maxAbsDiff(dyn.trainAt(steps).data, ref.train)).toBeLessThan(1e-11);
          expect(maxAbsDiff(dyn.testAt(steps).data, ref.test)).toBeLessThan(1e-11);
        }
      }
    }
  });

  it('handles a singular K(X, X) (more points than features)', () => {
    // p = 3 features, 8 points: K has rank 3; the eigen-form needs no inverse. Float error only.
    const p3 = 3;
    const ph = features(n, p3, rng.child('lowrank'));
    const Kl = gram(ph, n, ph, n, p3);
    const dyn = linearizedDynamics({ kernelTrain: Kl, targets: Y, learningRate: 0.05, method: 'gd' });
    let f = new Float64Array(n * 2);
    for (let t = 0; t < 50; t++) {
      const next = Float64Array.from(f);
      for (let i = 0; i < n; i++)
        for (let c = 0; c < 2; c++) {
          let acc = 0;
          for (let j = 0; j < n; j++) acc += Kl.data[i * n + j] * (f[j * 2 + c] - Y.data[j * 2 + c]);
          next[i * 2 + c] -= 0.05 * acc;
        }
      f = next;
    }
    expect(maxAbsDiff(dyn.trainAt(50).data, f)).toBeLessThan(1e-12);
    expect(dyn.trainAt(Number.POSITIVE_INFINITY).data.every(Number.isFinite)).toBe(true);
  });
});

describe('linearized: gradient flow', () => {
  it('matches RK45 integration of ḟ = −ηs[K(f − Y) + (δ/s)(f − f₀)] on train and test points', () => {
    // RK45 at rtol 1e-11 and the closed form agree to ~1e-10 on O(1) outputs.
    const eta = 0.7;
    const ridge = 0.2;
    const dyn = linearizedDynamics({ kernelTrain: K, kernelTest: Kt, targets: Y, f0Train: f0, f0Test: f0t, learningRate: eta, ridge });
    const times = [0.5, 2, 10];
    const y0 = new Float64Array((n + m) * 2);
    y0.set(f0.data, 0);
    y0.set(f0t.data, n * 2);
    const res = rk45(
      (_t, y) => {
        const dy = new Float64Array(y.length);
        for (let c = 0; c < 2; c++) {
          const r = new Float64Array(n);
          for (let j = 0; j < n; j++) r[j] = y[j * 2 + c] - Y.data[j * 2 + c];
          for (let i = 0; i < n; i++) {
            let acc = 0;
            for (let j = 0; j < n; j++) acc += K.data[i * n + j] * r[j];
            dy[i * 2 + c] = -eta * (acc + ridge * (y[i * 2 + c] - f0.data[i * 2 + c]));
          }
          for (let i = 0; i < m; i++) {
            let acc = 0;
            for (let j = 0; j < n; j++) acc += Kt.data[i * n + j] * r[j];
            dy[(n + i) * 2 + c] = -eta * (acc + ridge * (y[(n + i) * 2 + c] - f0t.data[i * 2 + c]));
          }
        }
        return dy;
      },
      y0,
      times,
      { rtol: 1e-11, atol: 1e-13 },
    );
    times.forEach((t, k) => {
      expect(maxAbsDiff(dyn.trainAt(t).data, res.y[k].subarray(0, n * 2))).toBeLessThan(1e-9);
      expect(maxAbsDiff(dyn.testAt(t).data, res.y[k].subarray(n * 2))).toBeLessThan(1e-9);
    });
  });

  it('t → ∞ is kernel ridge regression f₀ + K(x,X)(K + (δ/s)I)⁻¹(Y − f₀(X)); ridgeless interpolates', () => {
    // Direct Cholesky solve vs eigen-form: float error ~1e-13 for this well-conditioned K.
    for (const ridge of [0, 0.5]) {
      const dyn = linearizedDynamics({ kernelTrain: K, kernelTest: Kt, targets: Y, f0Train: f0, f0Test: f0t, learningRate: 1, ridge });
      const A = Float64Array.from(K.data);
      for (let i = 0; i < n; i++) A[i * n + i] += ridge;
      const r = Y.data.map((v, i) => v - f0.data[i]);
      const alpha = solveSpd(A, r, n, 2);
      const expected = Float64Array.from(f0t.data);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let c = 0; c < 2; c++) expected[i * 2 + c] += Kt.data[i * n + j] * alpha[j * 2 + c];
      expect(maxAbsDiff(dyn.testAt(Number.POSITIVE_INFINITY).data, expected)).toBeLessThan(1e-10);
      if (ridge === 0) expect(maxAbsDiff(dyn.trainAt(Number.POSITIVE_INFINITY).data, Y.data)).toBeLessThan(1e-10);
      // A long finite time approaches the limit (slowest mode e^{−ηλ_min t} ≈ 0 at t = 1e4 here).
      expect(maxAbsDiff(dyn.testAt(1e4).data, expected)).toBeLessThan(1e-8);
    }
  });

  it('the training loss decreases monotonically under flow; GD at small η tracks the flow', () => {
    // GD after t steps of size η equals the flow at time t up to O(η) (Euler discretization): 1e-3·‖·‖ at η = 1e-3.
    const dyn = linearizedDynamics({ kernelTrain: K, targets: Y, learningRate: 1 });
    let last = Number.POSITIVE_INFINITY;
    for (const t of [0, 0.1, 0.5, 1, 3, 10]) {
      const l = dyn.trainLossAt(t);
      expect(l).toBeLessThanOrEqual(last);
      last = l;
    }
    const eta = 1e-3;
    const flow = linearizedDynamics({ kernelTrain: K, targets: Y, learningRate: eta });
    const gd = linearizedDynamics({ kernelTrain: K, targets: Y, learningRate: eta, method: 'gd' });
    expect(maxAbsDiff(flow.trainAt(2000).data, gd.trainAt(2000).data)).toBeLessThan(1e-3);
  });
});

describe('linearized: JSON entry point', () => {
  it('mirrors the target shape and reports the loss', () => {
    // One-output targets as a plain array; ½Σ(f − y)² at t = 0 with f₀ = 0 is ½‖Y‖² exactly.
    const out = linearized({ kernelTrain: [[2, 1], [1, 2]], kernelTest: [[1, 0.5]], targets: [1, -1], learningRate: 0.5, times: [0, 3] });
    expect(out.train[0]).toEqual([0, 0]);
    expect(out.trainLoss[0]).toBeCloseTo(1, 15);
    expect(out.test?.[1]).toHaveLength(1);
    expect(Array.isArray((out.train[1] as number[])[0])).toBe(false);
    // The closed form along the eigenvector (1, −1) with λ = 1: f = (1 − e^{−0.5·3})(1, −1).
    expect((out.train[1] as number[])[0]).toBeCloseTo(1 - Math.exp(-1.5), 13);
  });

  it('rejects bad input naming the field', () => {
    expect(() => linearized({ kernelTrain: [[1, 0], [0]], targets: [1, 1], learningRate: 1, times: [1] })).toThrow(/kernelTrain\[1\]/);
    expect(() => linearized({ kernelTrain: [[1, 0], [0, 1]], targets: [1], learningRate: 1, times: [1] })).toThrow(/targets: expected 2 entries/);
    expect(() => linearized({ kernelTrain: [[1, 0], [0, 1]], targets: [1, 1], learningRate: 0, times: [1] })).toThrow(/learningRate/);
    expect(() => linearized({ kernelTrain: [[1, 0], [0, 1]], targets: [1, 1], learningRate: 1, times: [1.5], method: 'gd' })).toThrow(/integer/);
  });
});

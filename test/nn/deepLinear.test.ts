import { describe, expect, it } from 'vitest';
import { valueAndGrad } from '../../src/core/autodiff.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { tensor } from '../../src/core/tensor.ts';
import { DeepLinearNet, deepLinearRandom, linearRegressionLoss, sampleMoments, whitenedMoments } from '../../src/nn/deepLinear.ts';

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('DeepLinearNet', () => {
  it('closed-form gradients match autodiff of the sample loss (depth 3)', () => {
    const rng = Rng.fromSeed(21, 'dln-grad');
    const sizes = [4, 6, 5, 3];
    const net = deepLinearRandom(sizes, 0.5, rng.child('net'));
    const n = 9;
    const X = { rows: n, cols: 4, data: rng.child('x').fillNormal(new Float64Array(n * 4)) };
    const Y = { rows: n, cols: 3, data: rng.child('y').fillNormal(new Float64Array(n * 3)) };
    const { loss, dLdP } = linearRegressionLoss(net.product(), sampleMoments(X, Y));
    const grads = net.gradients(dLdP);
    const xt = tensor(X.data, [n, 4]);
    const yt = tensor(Y.data, [n, 3]);
    // autodiff oracle: L = (1/2n) Σ ‖f(xᵢ) − yᵢ‖² through the tensor forward pass
    const ad = valueAndGrad(() => op.scale(op.sum(op.square(op.sub(net.forward(xt), yt))), 0.5 / n), net.tensors());
    // moments vs per-example sums: float rounding of O(10)-term sums
    expect(loss).toBeCloseTo(ad.value, 12);
    grads.forEach((g, l) => expect(maxAbs(g, ad.grads[l])).toBeLessThan(1e-12));
  });

  it('whitened moments give ½‖P − T‖²_F with gradient P − T', () => {
    const net = new DeepLinearNet([2, 2, 2], [Float64Array.of(1, 0, 0, 2), Float64Array.of(3, 0, 0, 1)]);
    const T = { rows: 2, cols: 2, data: Float64Array.of(1, 1, 0, 1) };
    const P = net.product(); // diag(3, 2)
    expect(Array.from(P.data)).toEqual([3, 0, 0, 2]);
    const { loss, dLdP } = linearRegressionLoss(P, whitenedMoments(T));
    // P − T = [[2, −1], [0, 1]] → ½(4 + 1 + 1) = 3; exact small integers
    expect(loss).toBeCloseTo(3, 14);
    expect(Array.from(dLdP.data)).toEqual([2, -1, 0, 1]);
  });

  it('a GD step changes W₂ᵀW₂ − W₁W₁ᵀ by exactly η²(G₂ᵀG₂ − G₁G₁ᵀ) (Du, Hu & Lee 2018 identity)', () => {
    const rng = Rng.fromSeed(22, 'dln-cons');
    const net = deepLinearRandom([3, 4, 2], 0.8, rng);
    const T = { rows: 2, cols: 3, data: Float64Array.of(1, 2, 0, -1, 0.5, 1) };
    const C = () => {
      const [W1, W2] = net.weights; // W1: 4×3, W2: 2×4
      const c = new Float64Array(16);
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 4; j++) {
          for (let k = 0; k < 2; k++) c[i * 4 + j] += W2[k * 4 + i] * W2[k * 4 + j];
          for (let k = 0; k < 3; k++) c[i * 4 + j] -= W1[i * 3 + k] * W1[j * 3 + k];
        }
      return c;
    };
    const c0 = C();
    const grads = net.gradients(linearRegressionLoss(net.product(), whitenedMoments(T)).dLdP);
    const eta = 0.1;
    const [G1, G2] = grads;
    const pred = new Float64Array(16);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        for (let k = 0; k < 2; k++) pred[i * 4 + j] += eta * eta * G2[k * 4 + i] * G2[k * 4 + j];
        for (let k = 0; k < 3; k++) pred[i * 4 + j] -= eta * eta * G1[i * 3 + k] * G1[j * 3 + k];
      }
    net.step(eta, grads);
    const c1 = C();
    // the O(η) terms cancel algebraically; what is left is float rounding of O(1) entries
    expect(maxAbs(c1.map((v, i) => v - c0[i]), pred)).toBeLessThan(1e-14);
  });

  it('names bad sizes and shapes', () => {
    expect(() => deepLinearRandom([3], 1, Rng.fromSeed(1))).toThrow(/sizes must be ≥ 2 positive integers/);
    expect(() => new DeepLinearNet([2, 2], [new Float64Array(3)])).toThrow(/weights\[0\] has 3 entries, expected 2×2 = 4/);
    const net = deepLinearRandom([2, 3, 2], 1, Rng.fromSeed(1));
    expect(() => net.gradients({ rows: 3, cols: 2, data: new Float64Array(6) })).toThrow(/dL\/dP is 3×2, expected 2×2/);
  });
});

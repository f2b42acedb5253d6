import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { noGrad, tensor } from '../../src/core/tensor.ts';
import { neuronBalance, neuronPositions, neuronWeights, twoLayerStudent } from '../../src/nn/twoLayer.ts';

describe('twoLayerStudent', () => {
  const x = tensor(Float64Array.of(1, 0, 0.6, 0.8, -1, 0.2), [3, 2]);

  it('computes (α/n) Σ aᵢ ReLU(wᵢ·x) under the mean-field table', () => {
    const s = twoLayerStudent({ inputDim: 2, width: 8, outputMultiplier: 2.5 }, Rng.fromSeed(31));
    const out = noGrad(() => s.forward(x)).data;
    for (let b = 0; b < 3; b++) {
      let f = 0;
      for (let i = 0; i < 8; i++) {
        const w = neuronWeights(s, i);
        f += s.a.data[i] * Math.max(0, w[0] * x.data[2 * b] + w[1] * x.data[2 * b + 1]);
      }
      // same sum, different order: float rounding
      expect(out[b]).toBeCloseTo((2.5 / 8) * f, 13);
    }
    // mean-field with baseWidth 1: every learning rate scaled by n
    expect(twoLayerStudent({ inputDim: 2, width: 8, baseWidth: 1 }, Rng.fromSeed(31)).lrScales()).toEqual([8, 8]);
  });

  it('symmetric init gives f(θ₀) ≡ 0; balanced init gives ‖wᵢ‖² − aᵢ² = 0', () => {
    const s = twoLayerStudent({ inputDim: 2, width: 10, symmetric: true, balanced: true, outputMultiplier: 100 }, Rng.fromSeed(32));
    const out = noGrad(() => s.forward(x)).data;
    // pairs cancel exactly in exact arithmetic; summation order leaves float rounding ×α = 100
    for (const v of out) expect(Math.abs(v)).toBeLessThan(1e-12);
    for (const q of neuronBalance(s)) expect(Math.abs(q)).toBeLessThan(1e-14);
    const { positions, signs } = neuronPositions(s);
    expect(signs[0]).toBe(-signs[5]);
    // |aᵢ|wᵢ with |aᵢ| = ‖wᵢ‖: the position has norm ‖wᵢ‖²
    const w0 = neuronWeights(s, 0);
    expect(Math.hypot(positions.data[0], positions.data[1])).toBeCloseTo(w0[0] ** 2 + w0[1] ** 2, 13);
  });

  it('names bad specs', () => {
    expect(() => twoLayerStudent({ inputDim: 2, width: 7, symmetric: true }, Rng.fromSeed(1))).toThrow(/width must be even.*7/);
    expect(() => twoLayerStudent({ inputDim: 0, width: 4 }, Rng.fromSeed(1))).toThrow(/inputDim must be a positive integer, got 0/);
  });
});

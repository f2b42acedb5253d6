/**
 * The stability threshold behind the edge-of-stability study: on a quadratic L = ½ λ x², gradient
 * descent x ← (1 − ηλ) x diverges iff |1 − ηλ| > 1, i.e. iff η > 2/λ; and the sharpness instrument
 * (Lanczos on exact HVPs) reads λ_max of a quadratic exactly.
 */
import { describe, expect, it } from 'vitest';
import { valueAndGrad } from '../../src/core/autodiff.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { param, tensor } from '../../src/core/tensor.ts';
import { sharpness } from '../../src/observe/hessian.ts';

function runGd(lams: number[], eta: number, steps: number): number {
  const x = param(Float64Array.from(lams, () => 1), [lams.length]);
  const lam = tensor(lams);
  const loss = () => op.scale(op.sum(op.mul(lam, op.square(x))), 0.5);
  for (let t = 0; t < steps; t++) {
    const { grads } = valueAndGrad(loss, [x]);
    for (let i = 0; i < x.size; i++) x.data[i] -= eta * grads[0][i];
  }
  return Math.hypot(...x.data);
}

describe('GD on a quadratic', () => {
  const lams = [4, 1, 0.25];
  it('converges for η just below 2/λ_max and diverges just above', () => {
    // |1 − ηλ| = 0.98 vs 1.02 per step: after 400 steps 0.98^400 ≈ 3e-4, 1.02^400 ≈ 2.8e3
    expect(runGd(lams, 0.99 * (2 / 4), 400)).toBeLessThan(1e-2);
    expect(runGd(lams, 1.01 * (2 / 4), 400)).toBeGreaterThan(1e2);
  });
  it('sharpness reads λ_max exactly on a quadratic (Lanczos on exact HVPs)', () => {
    const rng = Rng.fromSeed(2);
    const n = 30;
    const diag = Float64Array.from({ length: n }, (_, i) => 1 + i * 0.5);
    const x = param(rng.fillNormal(new Float64Array(n)), [n]);
    const loss = () => op.scale(op.sum(op.mul(tensor(diag), op.square(x))), 0.5);
    // Krylov space of dimension n contains the exact eigenvector: error at float level (1e-10 relative)
    expect(Math.abs(sharpness(loss, [x], { rng, maxIter: n }) - diag[n - 1])).toBeLessThan(1e-10 * diag[n - 1]);
  });
});

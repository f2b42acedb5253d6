/**
 * Oracle for the curvature instruments: Lanczos on exact HVPs against the dense eigendecomposition of
 * the explicit Hessian (assembled column by column from HVPs of basis vectors) of a small MLP.
 */
import { describe, expect, it } from 'vitest';
import { flatten, hessianVectorProduct, paramCount, unflatten } from '../../src/core/autodiff.ts';
import { eigh } from '../../src/core/linalg.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { tensor } from '../../src/core/tensor.ts';
import { mlp } from '../../src/nn/mlp.ts';
import { hessianTop, hessianTrace, sharpness } from '../../src/observe/hessian.ts';

function setup() {
  const rng = Rng.fromSeed(21);
  const net = mlp({ sizes: [3, 6, 5, 2], activation: 'tanh' }, rng.child('net'));
  const x = tensor(rng.child('x').fillNormal(new Float64Array(10 * 3)), [10, 3]);
  const y = tensor(rng.child('y').fillNormal(new Float64Array(10 * 2)), [10, 2]);
  const ps = net.params();
  const loss = () => op.mse(net.forward(x), y);
  const n = paramCount(ps);
  const H = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const e = new Float64Array(n);
    e[j] = 1;
    const col = flatten(hessianVectorProduct(loss, ps, unflatten(e, ps)).hvp);
    for (let i = 0; i < n; i++) H[i * n + j] = col[i];
  }
  return { loss, ps, n, dense: eigh({ rows: n, cols: n, data: H }), H };
}

describe('Hessian instruments vs the dense Hessian of a small MLP', () => {
  const { loss, ps, n, dense, H } = setup();
  it('sharpness equals the largest dense eigenvalue', () => {
    const top = dense.values[n - 1];
    // a Krylov space of dimension 40 ≪ n = 65 resolves an extreme eigenvalue with a gap to ~1e-10 relative
    expect(Math.abs(sharpness(loss, ps, { rng: Rng.fromSeed(1), maxIter: 40 }) - top)).toBeLessThan(1e-8 * Math.abs(top));
  });
  it('top-3 eigenpairs match (values, and vectors up to sign)', () => {
    const r = hessianTop(loss, ps, 3, { rng: Rng.fromSeed(2), maxIter: n });
    for (let t = 0; t < 3; t++) {
      const j = n - 1 - t;
      expect(Math.abs(r.values[t] - dense.values[j])).toBeLessThan(1e-9 * Math.abs(dense.values[n - 1]));
      let d = 0;
      for (let i = 0; i < n; i++) d += r.vectors[t][i] * dense.vectors.data[i * n + j];
      // |cos| of the angle between unit vectors; the gap between the top eigenvalues keeps it at float level
      expect(Math.abs(Math.abs(d) - 1)).toBeLessThan(1e-7);
    }
  });
  it('Hutchinson trace agrees with the dense trace within 4 standard errors', () => {
    let tr = 0;
    for (let i = 0; i < n; i++) tr += H[i * n + i];
    const est = hessianTrace(loss, ps, { samples: 400, rng: Rng.fromSeed(3) });
    expect(Math.abs(est.estimate - tr)).toBeLessThan(4 * est.stderr + 1e-12);
  });
});

/**
 * Oracles for the preconditioned sharpness (Cohen et al. 2022, "Adaptive gradient methods at the edge of
 * stability"): Lanczos on P^{−1/2}HP^{−1/2} against the dense eigendecomposition of the explicit Hessian of a
 * small MLP; the invariance P = cI ⇒ λ/c; the limit P = diag(H) on a diagonal quadratic ⇒ 1; Adam's
 * preconditioner reproduces Adam's update; and the 38/η threshold on frozen-preconditioner EMA momentum.
 */
import { describe, expect, it } from 'vitest';
import { flatten, hessianVectorProduct, paramCount, unflatten, valueAndGrad } from '../../src/core/autodiff.ts';
import { eigvalsh } from '../../src/core/linalg.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { param, tensor } from '../../src/core/tensor.ts';
import { mlp } from '../../src/nn/mlp.ts';
import { adam, adamStateOf, updateBuffers } from '../../src/nn/optim.ts';
import { sharpness } from '../../src/observe/hessian.ts';
import { adamPreconditionedSharpness, adamPreconditioner, adamStabilityThreshold, preconditionedSharpness } from '../../src/observe/preconditioned.ts';

function smallMlp() {
  const rng = Rng.fromSeed(7);
  const net = mlp({ sizes: [3, 5, 1], activation: 'tanh' }, rng.child('net'));
  const x = tensor(rng.child('x').fillNormal(new Float64Array(12 * 3)), [12, 3]);
  const y = tensor(rng.child('y').fillNormal(new Float64Array(12)), [12, 1]);
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
  return { loss, ps, n, H, rng };
}

describe('preconditioned sharpness vs the dense P^{-1/2} H P^{-1/2}', () => {
  const { loss, ps, n, H, rng } = smallMlp();
  it('matches the largest dense eigenvalue for a random positive diagonal P', () => {
    const pr = rng.child('P');
    const P = Float64Array.from({ length: n }, () => 0.1 + 3 * pr.uniform());
    const M = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M[i * n + j] = H[i * n + j] / Math.sqrt(P[i] * P[j]);
    // symmetrize the float-level asymmetry of the HVP-assembled Hessian
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) M[i * n + j] = M[j * n + i] = (M[i * n + j] + M[j * n + i]) / 2;
    const dense = eigvalsh({ rows: n, cols: n, data: M });
    const top = dense[n - 1];
    // Krylov dimension n = 26: the Ritz value is exact up to rounding (~1e-12 relative on this scale)
    const est = preconditionedSharpness(loss, ps, P, { rng: Rng.fromSeed(3), maxIter: n });
    expect(Math.abs(est - top)).toBeLessThan(1e-9 * Math.abs(top));
  });
  it('P = c·I divides the sharpness by c (invariance)', () => {
    const c = 2.5;
    const s = sharpness(loss, ps, { rng: Rng.fromSeed(4), maxIter: n });
    const sp = preconditionedSharpness(loss, ps, new Float64Array(n).fill(c), { rng: Rng.fromSeed(4), maxIter: n });
    // both exact Krylov runs (dimension n): float-level agreement
    expect(Math.abs(sp - s / c)).toBeLessThan(1e-9 * Math.abs(s));
  });
  it('rejects a preconditioner of the wrong length or with a non-positive entry, naming the entry', () => {
    expect(() => preconditionedSharpness(loss, ps, new Float64Array(n - 1).fill(1), { rng })).toThrow(/preconditioner has 25 entries, expected 26/);
    const bad = new Float64Array(n).fill(1);
    bad[4] = 0;
    expect(() => preconditionedSharpness(loss, ps, bad, { rng })).toThrow(/preconditioner\[4\] = 0/);
  });
});

describe('known limits', () => {
  it('P = diag(H) on a diagonal quadratic whitens the curvature: λ_max(P⁻¹H) = 1', () => {
    const a = Float64Array.from([0.5, 2, 7, 30, 100]);
    const x = param(Float64Array.from([1, -1, 0.5, 2, -0.3]), [5]);
    const loss = () => op.scale(op.sum(op.mul(tensor(a), op.square(x))), 0.5);
    // exact Krylov space (dimension 5): float-level
    expect(Math.abs(preconditionedSharpness(loss, [x], a, { rng: Rng.fromSeed(1), maxIter: 5 }) - 1)).toBeLessThan(1e-12);
  });

  it('Adam’s preconditioner reproduces Adam’s update: Δθ = −η P⁻¹ m', () => {
    const opt = adam(0.01, { beta1: 0.9, beta2: 0.99, eps: 1e-6 });
    const params = [Float64Array.from([1, 2, 3])];
    let chainState = opt.init(params);
    const gs = [Float64Array.from([0.3, -1.2, 0.05]), Float64Array.from([-0.1, 0.4, 2])];
    let last: Float64Array[] = [];
    for (const g of gs) {
      last = [Float64Array.from(g)];
      chainState = opt.update(last, chainState, params);
    }
    const state = adamStateOf(chainState);
    if (!state) throw new Error('no Adam state in the chain');
    const P = adamPreconditioner(state, { beta1: 0.9, beta2: 0.99, eps: 1e-6 });
    // float rounding of a handful of operations
    for (let j = 0; j < 3; j++) expect(Math.abs(last[0][j] - (-0.01 * state.m[0][j]) / P[j])).toBeLessThan(1e-15);
    const fresh = adamStateOf(opt.init(params));
    if (!fresh) throw new Error('no Adam state in the chain');
    expect(() => adamPreconditioner(fresh)).toThrow(/state.t = 0/);
  });

  it('frozen-preconditioner EMA momentum is stable iff λ_max(P⁻¹H) < (2 + 2β₁)/((1 − β₁)η) = 38/η', () => {
    expect(adamStabilityThreshold(1, 0.9)).toBeCloseTo(38, 12);
    const h = Float64Array.from([1, 3, 10]);
    const x = param(Float64Array.from([1, 1, 1]), [3]);
    const loss = () => op.scale(op.sum(op.mul(tensor(h), op.square(x))), 0.5);
    const P = Float64Array.from([0.5, 1, 2]); // λ(P⁻¹H) = {2, 3, 5}
    const lam = preconditionedSharpness(loss, [x], P, { rng: Rng.fromSeed(2), maxIter: 3 });
    expect(lam).toBeCloseTo(5, 10);
    const run = (eta: number) => {
      const th = [1, 1, 1];
      const m = [0, 0, 0];
      for (let t = 0; t < 3000; t++) {
        for (let i = 0; i < 3; i++) {
          m[i] = 0.9 * m[i] + 0.1 * h[i] * th[i];
          th[i] -= (eta * m[i]) / P[i];
        }
      }
      return Math.hypot(...th);
    };
    const etaStar = adamStabilityThreshold(1, 0.9) / lam;
    // 2% either side of the threshold: the top root's modulus is ≈ 1 ∓ 0.002 per step, so 3000 steps give
    // factors e^{∓6}: ≪ 1 below the threshold and ≫ 1 above (the initial transient is O(10))
    expect(run(0.98 * etaStar)).toBeLessThan(1e-1);
    expect(run(1.02 * etaStar)).toBeGreaterThan(1e1);
  });
});

describe('on a real Adam run', () => {
  it('adamPreconditionedSharpness equals the dense computation with Adam’s own P', () => {
    const { loss, ps, n, H } = smallMlp();
    const opt = adam(0.01);
    let chainState = opt.init(ps.map((p) => p.data));
    for (let t = 0; t < 5; t++) chainState = opt.update(updateBuffers(valueAndGrad(loss, ps).grads), chainState, ps.map((p) => p.data));
    // parameters unchanged (updates not applied), so the dense Hessian H still applies
    const state = adamStateOf(chainState);
    if (!state) throw new Error('no Adam state in the chain');
    const P = adamPreconditioner(state);
    const M = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M[i * n + j] = (H[i * n + j] + H[j * n + i]) / 2 / Math.sqrt(P[i] * P[j]);
    const top = eigvalsh({ rows: n, cols: n, data: M })[n - 1];
    // exact Krylov run (dimension n); P spans ~2 decades here, so allow 1e-8 relative for conditioning
    expect(Math.abs(adamPreconditionedSharpness(loss, ps, state, { rng: Rng.fromSeed(5), maxIter: n }) - top)).toBeLessThan(1e-8 * Math.abs(top));
  });
});

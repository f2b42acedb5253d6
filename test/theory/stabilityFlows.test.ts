/**
 * Oracles for the central flow's pieces (src/theory/stabilityFlows.ts) on a tiny tanh net, where the top Hessian
 * eigenvalue can be computed exactly (Lanczos run to the full parameter count):
 *  - ∇S by the difference of two Hessian-vector products against a central finite difference of the sharpness
 *    itself (the eigenvalue, recomputed at each displaced θ);
 *  - the multiplier at the edge against the closed form of Cohen et al. (2025), σ² = 2⟨−∇L, ∇S⟩/‖∇S‖² when the
 *    gradient flow would raise S, and σ² = 0 (the flow leaves the edge) when it would lower it.
 */
import { describe, expect, it } from 'vitest';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { dot, norm } from '../../src/core/stats.ts';
import { param, tensor } from '../../src/core/tensor.ts';
import { mlp } from '../../src/nn/mlp.ts';
import { CentralFlow, type FlatLoss, flatLoss, flatParams, sharpnessGradient } from '../../src/theory/stabilityFlows.ts';

/** A 2-3-1 tanh MLP fitted by MSE to 6 random points: 13 parameters, so Lanczos with 13 iterations is exact. */
function tinyNet(seed: number): { obj: FlatLoss; theta: Float64Array } {
  const rng = Rng.fromSeed(seed, 'stability-flows-oracle');
  const x = tensor(rng.child('x').fillNormal(new Float64Array(12)), [6, 2]);
  const y = tensor(rng.child('y').fillNormal(new Float64Array(6)), [6, 1]);
  const net = mlp({ sizes: [2, 3, 1], activation: 'tanh', parameterization: 'sp' }, rng.child('init'));
  const ps = net.params();
  return { obj: flatLoss(() => op.mse(net.forward(x), y), ps), theta: flatParams(ps) };
}

const exactTop = (obj: FlatLoss, theta: Float64Array, seed: number) => obj.top(theta, 1, Rng.fromSeed(seed, 'lanczos'), obj.n);

describe('sharpnessGradient: ∇S = ∇³L[u, u, ·] by a difference of exact HVPs', () => {
  it.each([0, 1, 2])('matches a central finite difference of λ_max itself (net seed %i)', (seed) => {
    const { obj, theta } = tinyNet(seed);
    const top = exactTop(obj, theta, 0);
    const u = top.vectors[0];
    const hu = obj.hvp(theta, u).hv;
    const g = sharpnessGradient(obj, theta, u, hu, 1e-5);
    // the oracle: ∂S/∂θ_j = [λ(θ + h e_j) − λ(θ − h e_j)] / 2h, λ by a fresh exact Lanczos run at each point
    const h = 1e-4;
    const fd = new Float64Array(obj.n);
    for (let j = 0; j < obj.n; j++) {
      const plus = Float64Array.from(theta);
      const minus = Float64Array.from(theta);
      plus[j] += h;
      minus[j] -= h;
      fd[j] = (exactTop(obj, plus, 1).values[0] - exactTop(obj, minus, 1).values[0]) / (2 * h);
    }
    let err = 0;
    for (let j = 0; j < obj.n; j++) err = Math.max(err, Math.abs(g[j] - fd[j]));
    // the forward difference truncates at ½ε·‖∇⁴L[u,u,u,·]‖ and the central one at h²/6·‖∂³λ‖: with ε = 1e-5,
    // h = 1e-4 and the O(1)–O(10) higher derivatives of a tanh net with O(1) weights, both stay below 1e-4·‖∇S‖;
    // Lanczos to full dimension leaves λ at float level (≈ 1e-14/h ≈ 1e-10 in the quotient)
    expect(err).toBeLessThan(1e-4 * norm(fd));
    // and it is the gradient of the top eigenvalue, not of another one: the second eigenvector's ∇³L[u₂,u₂,·] differs
    const top2 = obj.top(theta, 2, Rng.fromSeed(0, 'lanczos'), obj.n);
    const g2 = sharpnessGradient(obj, theta, top2.vectors[1], obj.hvp(theta, top2.vectors[1]).hv, 1e-5);
    let err2 = 0;
    for (let j = 0; j < obj.n; j++) err2 = Math.max(err2, Math.abs(g2[j] - fd[j]));
    expect(err2).toBeGreaterThan(1e-4 * norm(fd));
  });

  it('names the field in its errors', () => {
    const { obj, theta } = tinyNet(0);
    const u = new Float64Array(obj.n);
    expect(() => sharpnessGradient(obj, theta, u, u, 0)).toThrow(/eps must be > 0, got 0/);
    expect(() => sharpnessGradient(obj, theta, new Float64Array(3), u, 1e-5)).toThrow(/u has 3 and hu 13 entries, expected 13/);
  });
});

describe('CentralFlow multiplier at the edge (Cohen et al. 2025, single eigenvalue)', () => {
  it.each([0, 1, 2, 3])('σ² = max(0, 2⟨−∇L, ∇S⟩/‖∇S‖²) with η = 2/S(θ) (net seed %i)', (seed) => {
    const { obj, theta } = tinyNet(seed);
    const top = exactTop(obj, theta, 0);
    const s = top.values[0];
    const eta = 2 / s;
    const cf = new CentralFlow(obj, theta, { eta, tracked: 1, rng: Rng.fromSeed(seed, 'cf'), lanczosIters: obj.n, refreshEvery: 100 });
    // κ multiplies 2/η − S, which is at Lanczos precision here, so the barrier term is negligible
    const e = cf.evaluate(theta, 1);
    const u = top.vectors[0];
    const gS = sharpnessGradient(obj, theta, u, obj.hvp(theta, u).hv, 1e-5);
    const gL = obj.grad(theta).g;
    const closed = Math.max(0, (-2 * dot(gL, gS)) / dot(gS, gS));
    // both sides use the same ∇S up to the eigenvector's sign (∇³L[u,u,·] is even in u) and Lanczos precision
    expect(Math.abs(e.sigma2[0] - closed)).toBeLessThan(1e-8 * Math.max(1, Math.abs(closed)));
    // the flow's velocity is −∇L − ½σ²∇S: along ∇S it cancels the gradient flow's drift (dS/dτ = 0) or is GF's own
    const dSdt = dot(gS, e.velocity);
    if (closed > 0) expect(Math.abs(dSdt)).toBeLessThan(1e-6 * Math.abs(dot(gS, gL)));
    else expect(dSdt).toBeLessThan(0);
  });

  it('leaves the edge when gradient flow would lower S: L = ½eʸx² + y at S = 2/η gives σ² = 0', () => {
    // S = eʸ (along x at x = 0); gradient flow lowers y at rate 1, so the constraint is inactive: pure gradient flow
    const x = param([0], [1]);
    const y = param([0], [1]);
    const obj = flatLoss(() => op.sum(op.add(op.scale(op.mul(op.exp(y), op.square(x)), 0.5), y)), [x, y]);
    const eta = 2; // 2/η = 1 = e⁰
    const cf = new CentralFlow(obj, Float64Array.from([0, 0]), { eta, tracked: 1, rng: Rng.fromSeed(1), lanczosIters: 2, refreshEvery: 20 });
    const e = cf.evaluate(Float64Array.from([0, 0]), 1);
    expect(e.sigma2[0]).toBe(0);
    expect(e.velocity[1]).toBeCloseTo(-1, 12);
  });
});

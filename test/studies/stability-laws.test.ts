/**
 * The stability-law studies (catalog 16 central-flow, 17 dln-progressive-sharpening, 26
 * implicit-curvature-regularization): each quick profile holds, plus oracles for their support code:
 * the DLN Hessian-block formula against a dense Hessian, the central flow on a toy with a closed-form
 * constrained equilibrium, the modified (IGR) flow on a quadratic, and the tie-aware Spearman correlation.
 */
import { describe, expect, it } from 'vitest';
import { flatten, hessianVectorProduct, paramCount, unflatten } from '../../src/core/autodiff.ts';
import { eigvalsh } from '../../src/core/linalg.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { param, tensor } from '../../src/core/tensor.ts';
import { spearman as spearmanWithTies } from '../../src/observe/rankCorrelation.ts';
import { centralFlow } from '../../src/studies/central-flow.ts';
import { dlnProgressiveSharpening } from '../../src/studies/dln-progressive-sharpening.ts';
import { implicitCurvatureRegularization } from '../../src/studies/implicit-curvature-regularization.ts';
import { balancedDlnSharpness } from '../../src/theory/dlnSharpness.ts';
import { rk4Step } from '../../src/theory/ode.ts';
import { CentralFlow, flatLoss, modifiedFlowVelocity, solveSmallLcp } from '../../src/theory/stabilityFlows.ts';
import { expectHolds } from './falsifiability.ts';

function orthonormal(n: number, k: number, rng: Rng): Float64Array[] {
  const q: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const v = rng.fillNormal(new Float64Array(n));
    for (let pass = 0; pass < 2; pass++) {
      for (const w of q) {
        let d = 0;
        for (let i = 0; i < n; i++) d += w[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= d * w[i];
      }
    }
    const nv = Math.hypot(...v);
    q.push(v.map((x) => x / nv));
  }
  return q;
}

describe('balancedDlnSharpness: the block formula vs the dense Hessian of ½‖W₂W₁ − T‖²', () => {
  const rng = Rng.fromSeed(11);
  const d = 5;
  const h = 6;
  const s = [3, 2, 1];
  const U = orthonormal(d, 3, rng.child('U'));
  const V = orthonormal(d, 3, rng.child('V'));
  const R = orthonormal(h, 3, rng.child('R'));
  const Tm = new Float64Array(d * d);
  for (let m = 0; m < 3; m++) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Tm[i * d + j] += s[m] * U[m][i] * V[m][j];
  const T = tensor(Tm, [d, d]);
  const cases = [
    [1e-3, 1e-3, 1e-3],
    [1.5, 0.01, 0.001],
    [0.5, 1.5, 0.9],
    [3, 2, 1],
  ];
  for (const u of cases) {
    it(`u = (${u.join(', ')})`, () => {
      const w1 = new Float64Array(h * d);
      const w2 = new Float64Array(d * h);
      for (let m = 0; m < 3; m++) {
        const a = Math.sqrt(u[m]);
        for (let i = 0; i < h; i++) {
          for (let j = 0; j < d; j++) {
            w1[i * d + j] += a * R[m][i] * V[m][j];
            w2[j * h + i] += a * U[m][j] * R[m][i];
          }
        }
      }
      const W1 = param(w1, [h, d]);
      const W2 = param(w2, [d, h]);
      const loss = () => op.scale(op.sum(op.square(op.sub(op.matmul(W2, W1), T))), 0.5);
      const ps = [W1, W2];
      const n = paramCount(ps);
      const H = new Float64Array(n * n);
      for (let c = 0; c < n; c++) {
        const e = new Float64Array(n);
        e[c] = 1;
        const col = flatten(hessianVectorProduct(loss, ps, unflatten(e, ps)).hvp);
        for (let r = 0; r < n; r++) H[r * n + c] = col[r];
      }
      const top = eigvalsh({ rows: n, cols: n, data: H })[n - 1];
      // dense eigensolver and the 4×4 block eigenvalues are both backward stable: float-level agreement
      expect(Math.abs(balancedDlnSharpness(u, s) - top)).toBeLessThan(1e-10 * top);
    });
  }
  it('limits: s₁ at the saddle, 2s₁ at the balanced minimum, max(s − u, 3u − s) for one mode', () => {
    expect(balancedDlnSharpness([0, 0, 0], s)).toBe(3);
    expect(balancedDlnSharpness([3, 2, 1], s)).toBeCloseTo(6, 12);
    for (const u of [0, 0.3, 1, 1.5, 2.2, 3]) expect(balancedDlnSharpness([u], [3])).toBeCloseTo(Math.max(3 - u, 3 * u - 3), 12);
  });
});

describe('central flow on L(x, y) = ½eʸx² − y (closed-form constrained equilibrium)', () => {
  // Sharpness S = eʸ along x at x = 0, ∇S = (0, eʸ); gradient flow raises y at rate 1 forever. The central
  // flow stops at S = 2/η (y* = ln(2/η)) with σ² = −2⟨∇S, ∇L⟩/‖∇S‖² = 2/eʸ = η, and predicts the time-averaged
  // loss L + ½σ²S = 1 − y* and ‖∇L‖² + σ²S² = 1 + 4/η.
  it('holds S at 2/η with σ² = η and the predicted loss 1 − ln(2/η)', () => {
    const x = param([0.01], [1]);
    const y = param([0], [1]);
    const obj = flatLoss(() => op.sum(op.sub(op.scale(op.mul(op.exp(y), op.square(x)), 0.5), y)), [x, y]);
    const eta = 0.1;
    const cf = new CentralFlow(obj, Float64Array.from([0.01, 0]), { eta, tracked: 1, rng: Rng.fromSeed(1), lanczosIters: 2, refreshEvery: 20 });
    let e = cf.step(eta / 2);
    for (let t = 0; t < 1200; t++) e = cf.step(eta / 2);
    const ystar = Math.log(2 / eta);
    // the soft constraint converges to 2/η exponentially (rate κ = 0.25/dt per unit τ); after τ = 60 the
    // residual is at float level; the forward difference for ∇S is exact here (∇²L is affine in x)
    expect(Math.abs(e.sharpness[0] - 2 / eta)).toBeLessThan(1e-9);
    expect(Math.abs(e.sigma2[0] - eta)).toBeLessThan(1e-9);
    expect(Math.abs(cf.theta[1] - ystar)).toBeLessThan(1e-9);
    expect(Math.abs(e.predictedLoss - (1 - ystar))).toBeLessThan(1e-9);
    expect(Math.abs(e.predictedGradNormSq - (1 + 4 / eta))).toBeLessThan(1e-6);
  });
  it('the multiplier problem: complementarity on a small LCP', () => {
    // A s ≥ b, s ≥ 0, sᵢ(As − b)ᵢ = 0 with A = [[2, 1], [1, 2]]: b = (1, −5) → s = (0.5, 0); b = (3, 3) → s = (1, 1)
    const a = solveSmallLcp(
      [
        [2, 1],
        [1, 2],
      ],
      [1, -5],
    );
    const b = solveSmallLcp(
      [
        [2, 1],
        [1, 2],
      ],
      [3, 3],
    );
    // exact small linear solves: float rounding only
    expect(a[0]).toBeCloseTo(0.5, 12);
    expect(a[1]).toBe(0);
    expect(b[0]).toBeCloseTo(1, 12);
    expect(b[1]).toBeCloseTo(1, 12);
  });
});

describe('the modified (IGR) flow on a quadratic ½λx²', () => {
  it('is e^{−(ηλ + (ηλ)²/2)} per step and tracks GD to O(η³) per step, GF only to O(η²)', () => {
    const lam = 2;
    const eta = 0.05;
    const x = param([1], [1]);
    const obj = flatLoss(() => op.scale(op.sum(op.square(x)), lam / 2), [x]);
    const vel = modifiedFlowVelocity(obj, eta);
    let th: Float64Array = Float64Array.from([1]);
    const steps = 40;
    for (let t = 0; t < steps; t++) th = rk4Step(vel, th, eta);
    const closed = Math.exp(-(eta * lam + (eta * lam) ** 2 / 2) * steps);
    // RK4 on a linear ODE with z = dt·λ(1 + ηλ/2) = 0.105 errs by z⁵/120 ≈ 1.1e-7 relative per step; 40 steps ≈ 4e-6
    expect(Math.abs(th[0] - closed)).toBeLessThan(1e-5 * closed);
    const gd = (1 - eta * lam) ** steps;
    const gf = Math.exp(-eta * lam * steps);
    // per step: ln(1 − ηλ) = −ηλ − (ηλ)²/2 − (ηλ)³/3 − …: the modified flow misses only the cubic term
    expect(Math.abs(gd - gf) / Math.abs(gd - closed)).toBeGreaterThan(10);
  });
});

describe('spearmanWithTies', () => {
  it('uses average ranks for ties', () => {
    expect(spearmanWithTies([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // x ranks (0.5, 0.5, 2, 3), y ranks (0, 1, 2, 3): Pearson of the ranks = 4.5/√(4.5·5) = 0.9487
    expect(spearmanWithTies([1, 1, 2, 3], [1, 2, 3, 4])).toBeCloseTo(4.5 / Math.sqrt(4.5 * 5), 12);
  });
});

describe('quick profiles hold', () => {
  it('central-flow', async () => expectHolds(centralFlow), 60_000);
  it('dln-progressive-sharpening', async () => expectHolds(dlnProgressiveSharpening), 60_000);
  it('implicit-curvature-regularization', async () => expectHolds(implicitCurvatureRegularization), 60_000);
});

/**
 * Where the lazy (linearized) picture of a wide two-layer network ends along the step size, for validity maps
 * (issue 16). Browser-safe and cheap: the analytic kernel on the inputs and one eigendecomposition, no training.
 *
 * Network (the NTK parameterization of `mlp({ sizes: [d, n, 1], parameterization: 'ntk' })`): f(x) =
 * n^{−1/2} Σᵢ aᵢ φ(zᵢ(x)) + b, zᵢ(x) = d^{−1/2} wᵢ·x + bᵢ, with wᵢ, aᵢ ~ N(0, 1) and the biases initialized at 0
 * and trained (they add gradient directions but no initial variance). Loss ½ Σ (f − y)², full-batch GD, step η.
 *
 * The linearized model's residual obeys r_{t+1} = (I − ηΘ) r_t, stable iff η < 2/λ_max(Θ). Above it the top mode
 * grows until the kernel itself moves: the catapult phase of Lewkowycz, Bahri, Dyer, Sohl-Dickstein & Gur-Ari
 * 2020 ("The large learning rate phase of deep learning: the catapult mechanism"), where the trained network
 * leaves its linearization at every width. So the lazy picture holds below η = 2/λ_max(Θ∞), Θ∞ the
 * infinite-width kernel (Jacot et al. 2018); a finite network's Θ₀ deviates from Θ∞ by O(n^{−1/2}).
 */
import { eigh } from '../core/linalg.ts';
import type { Mat } from '../core/mat.ts';
import { type KernelActivation, pairMoments } from './activations.ts';

type Points = readonly (readonly number[])[];

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

function checkPoints(name: string, x: Points): number {
  if (x.length === 0) throw new Error(`${name}: expected a non-empty array of points, got ${JSON.stringify(x)?.slice(0, 80)}`);
  const d = x[0].length;
  x.forEach((row, i) => {
    if (row.length !== d || row.some((v) => !Number.isFinite(v))) throw new Error(`${name}[${i}]: expected ${d} finite numbers, got ${JSON.stringify(row)?.slice(0, 80)}`);
  });
  return d;
}

/**
 * Infinite-width NTK of the module's two-layer network between point sets x and x2:
 * Θ(x, x′) = 1 + E[φ(u)φ(v)] + E[φ′(u)φ′(v)]·(x·x′/d + 1), (u, v) ~ N(0, [[x·x/d, x·x′/d], [·, x′·x′/d]]);
 * the terms are the readout bias, the readout weights, and the hidden weights with their biases.
 */
export function twoLayerNtk(activation: KernelActivation, x: Points, x2: Points = x): Mat {
  const d = checkPoints('x', x);
  if (checkPoints('x2', x2) !== d) throw new Error(`x2: expected points of dimension ${d} (as x), got ${x2[0].length}`);
  const data = new Float64Array(x.length * x2.length);
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < x2.length; j++) {
      const c = dot(x[i], x2[j]) / d;
      const m = pairMoments(activation, dot(x[i], x[i]) / d, c, dot(x2[j], x2[j]) / d);
      data[i * x2.length + j] = 1 + m.phiPhi + m.dphiDphi * (c + 1);
    }
  }
  return { rows: x.length, cols: x2.length, data };
}

/** The largest step at which GD on ½‖f − y‖² of a model linearized with kernel K is stable: 2/λ_max(K). */
export function catapultStep(K: Mat): number {
  if (K.rows !== K.cols || K.rows === 0) throw new Error(`catapultStep: K must be a non-empty square matrix, got ${K.rows}×${K.cols}`);
  const { values } = eigh(K);
  const top = values[values.length - 1];
  if (!(top > 0)) throw new Error(`catapultStep: K must have a positive top eigenvalue, got ${top}`);
  return 2 / top;
}

/**
 * Exact projection of a two-layer biased ReLU network on a Hermite component of anisotropic Gaussian inputs
 * (the study's measured observable). Mehler: for unit-variance Gaussians zᵢ and g with correlation ρ,
 * E[h_k(zᵢ) F(g)] = ρ^k E[h_k(g) F(g)]. Neuron j sees g = (wⱼ·x)/s_j with s_j = ‖Σ^{1/2}wⱼ‖ and ρⱼ = σᵢ(Vᵀwⱼ)ᵢ/s_j, so
 *   ⟨f, h_k(zᵢ)⟩ = s_out Σⱼ aⱼ ρⱼ^k μ_k(bⱼ, s_j),
 * with μ_k the biased-ReLU Hermite coefficient (src/theory/hermiteEigenstructure.ts) and no Monte Carlo error.
 */
import type { Mat } from '../../core/mat.ts';
import type { BiasedReluNet } from '../../nn/biasedReluNet.ts';
import { reluHermiteCoefficient } from '../../theory/hermiteEigenstructure.ts';

/** uⱼ = Vᵀwⱼ, the weights of neuron j in principal coordinates (V = identity when `basis` is null). */
function principalWeights(net: BiasedReluNet, basis: Mat | null, j: number, u: Float64Array): void {
  const { inputDim: d, width: n } = net;
  const W = net.W.data;
  if (basis === null) {
    for (let k = 0; k < d; k++) u[k] = W[k * n + j];
    return;
  }
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += basis.data[k * d + i] * W[k * n + j];
    u[i] = s;
  }
}

/**
 * ⟨f, h_k(zᵢ)⟩ under x = V diag(σ) z (V = `basis`, identity when null), exactly (module comment). `variances` are
 * the σᵢ² of the principal directions.
 */
export function hermiteProjection(net: BiasedReluNet, variances: ArrayLike<number>, basis: Mat | null, direction: number, degree: number): number {
  const { inputDim: d, width: n } = net;
  if (variances.length !== d) throw new Error(`hermiteProjection: variances has length ${variances.length}, expected inputDim = ${d}`);
  if (!Number.isInteger(direction) || direction < 0 || direction >= d) throw new Error(`hermiteProjection: direction must be an integer in [0, ${d - 1}], got ${direction}`);
  const b = net.b.data;
  const a = net.a.data;
  const u = new Float64Array(d);
  let total = 0;
  for (let j = 0; j < n; j++) {
    principalWeights(net, basis, j, u);
    let s2 = 0;
    for (let k = 0; k < d; k++) s2 += variances[k] * u[k] * u[k];
    if (!(s2 > 0)) continue;
    const s = Math.sqrt(s2);
    const rho = (Math.sqrt(variances[direction]) * u[direction]) / s;
    total += a[j] * rho ** degree * reluHermiteCoefficient(degree, b[j], s);
  }
  return total * net.outputScale;
}

/**
 * Infinite-width kernels of a fully connected network: the NNGP kernel Σ (Neal 1996; Lee et al. 2018,
 * "Deep neural networks as Gaussian processes", ICLR; Matthews et al. 2018) and the neural tangent
 * kernel Θ (Jacot, Gabriel & Hongler 2018, "Neural tangent kernel", NeurIPS; Lee et al. 2019, "Wide
 * neural networks of any depth evolve as linear models under gradient descent", NeurIPS). Browser-safe.
 *
 * Conventions (neural-tangents, Novak et al. 2020, `stax.serial(Dense, φ, …, Dense)` in the NTK
 * parameterization with Dense(W_std = σ_w, b_std = σ_b), weights and biases ~ N(0, 1), the weight
 * multiplied by σ_w/√fan_in and the bias by σ_b):
 *   Σ⁰(x, x′) = σ_w² x·x′/d + σ_b²,                    Θ⁰ = Σ⁰                 (first Dense layer)
 *   for l = 1..depth, with (u, v) ~ N(0, [[Σˡ⁻¹(x,x), Σˡ⁻¹(x,x′)], [·, Σˡ⁻¹(x′,x′)]]):
 *     Σˡ = σ_w² E[φ(u)φ(v)] + σ_b²,   Σ̇ˡ = σ_w² E[φ′(u)φ′(v)],   Θˡ = Σˡ + Θˡ⁻¹ Σ̇ˡ.
 * The output is the readout layer's (Σ^depth, Θ^depth): `depth` hidden layers of activation φ and one
 * readout Dense layer of width 1. depth = 0 is the linear model. Assumptions: every hidden width → ∞
 * (sequentially or jointly, Yang 2019), Gaussian i.i.d. initialization, scalar output (the kernel of
 * a k-output readout is this kernel ⊗ I_k).
 *
 * Gaussian expectations: closed forms for relu (arc-cosine kernel, Cho & Saul 2009) and erf
 * (Williams 1997); quadrature accurate to ~1e-15 for tanh (2-D trapezoidal rule) and gelu (closed inner
 * integral, 1-D outer rule); see ./activations.ts. Cost: O(|x|·|x2|·depth) pair moments, each O(1)
 * for relu/erf, ~80√q nodes for gelu and (80√q)² for tanh (a 50-point tanh Gram of depth 3: ~1.5 s).
 * For relu, θ = arccos ρ loses accuracy as ρ → 1 (the derivative kernel is not smooth there):
 * nearly identical inputs get Σ̇ with an absolute error up to ~1e-8; diagonal entries are exact.
 */
import { type Mat, toRows } from '../core/mat.ts';
import { type KernelActivation, pairMoments, singleMoments } from './activations.ts';

export interface KernelInput {
  activation: KernelActivation;
  /** number of hidden layers (≥ 0) */
  depth: number;
  /** σ_w² */
  weightVariance: number;
  /** σ_b² */
  biasVariance: number;
  /** inputs, one row per point, all of the same dimension d */
  x: number[][];
  /** optional second set of inputs (same d); the kernel is then K(x, x2) of shape |x| × |x2| */
  x2?: number[][];
}

export interface KernelPair {
  /** NNGP kernel Σ (readout layer), |x| × |x2| */
  nngp: Mat;
  /** neural tangent kernel Θ (readout layer), |x| × |x2| */
  ntk: Mat;
}

function checkPoints(name: string, x: readonly (readonly number[])[], d: number | undefined): number {
  if (!Array.isArray(x) || x.length === 0) throw new Error(`${name}: expected a non-empty array of points, got ${JSON.stringify(x)?.slice(0, 80)}`);
  const dim = d ?? x[0]?.length;
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`${name}[0]: expected a non-empty array of numbers`);
  x.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== dim) throw new Error(`${name}[${i}]: expected an array of ${dim} numbers, got ${JSON.stringify(row)?.slice(0, 80)}`);
    row.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${name}[${i}][${j}]: expected a finite number, got ${v}`);
    });
  });
  return dim;
}

function checkHyper(input: KernelInput): void {
  if (!Number.isInteger(input.depth) || input.depth < 0) throw new Error(`depth: expected an integer ≥ 0, got ${input.depth}`);
  if (!(input.weightVariance >= 0) || !Number.isFinite(input.weightVariance)) throw new Error(`weightVariance: expected a finite number ≥ 0, got ${input.weightVariance}`);
  if (!(input.biasVariance >= 0) || !Number.isFinite(input.biasVariance)) throw new Error(`biasVariance: expected a finite number ≥ 0, got ${input.biasVariance}`);
}

/** Σ⁰(a, b) = σ_w² a·b/d + σ_b². */
function inputCovariance(a: readonly number[], b: readonly number[], sw2: number, sb2: number): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return (sw2 * s) / a.length + sb2;
}

/** The diagonal variance Σˡ(x, x) through all layers (1-D expectations only). */
function diagonalVariances(points: readonly (readonly number[])[], input: KernelInput): Float64Array[] {
  const { activation, depth, weightVariance: sw2, biasVariance: sb2 } = input;
  const out: Float64Array[] = [];
  let q = Float64Array.from(points, (p) => inputCovariance(p, p, sw2, sb2));
  out.push(q);
  for (let l = 1; l <= depth; l++) {
    q = q.map((v) => sw2 * singleMoments(activation, v).phi2 + sb2);
    out.push(q);
  }
  return out;
}

/**
 * NNGP and NTK of the readout layer at once (the NTK recursion needs Σ and Σ̇ anyway). With x2
 * omitted the kernels are symmetric |x| × |x| matrices computed from the upper triangle.
 */
export function infiniteWidthKernels(input: KernelInput): KernelPair {
  checkHyper(input);
  const d = checkPoints('x', input.x, undefined);
  const symmetric = input.x2 === undefined;
  const x2 = input.x2 ?? input.x;
  if (!symmetric) checkPoints('x2', x2, d);
  const { activation, depth, weightVariance: sw2, biasVariance: sb2 } = input;
  const n1 = input.x.length;
  const n2 = x2.length;
  const q1 = diagonalVariances(input.x, input);
  const q2 = symmetric ? q1 : diagonalVariances(x2, input);
  const sigma = new Float64Array(n1 * n2);
  const theta = new Float64Array(n1 * n2);
  for (let i = 0; i < n1; i++) {
    for (let j = symmetric ? i : 0; j < n2; j++) {
      let s = inputCovariance(input.x[i], x2[j], sw2, sb2);
      let t = s;
      for (let l = 1; l <= depth; l++) {
        // Diagonal entries use the exact same variance as the 1-D recursion, so Σ(x, x) is consistent.
        const pm = pairMoments(activation, q1[l - 1][i], s, q2[l - 1][j]);
        const sNext = symmetric && i === j ? q1[l][i] : sw2 * pm.phiPhi + sb2;
        t = sNext + t * sw2 * pm.dphiDphi;
        s = sNext;
      }
      sigma[i * n2 + j] = s;
      theta[i * n2 + j] = t;
      if (symmetric) {
        sigma[j * n2 + i] = s;
        theta[j * n2 + i] = t;
      }
    }
  }
  return { nngp: { rows: n1, cols: n2, data: sigma }, ntk: { rows: n1, cols: n2, data: theta } };
}

/** NNGP kernel Σ of the readout layer (see the module comment for the conventions). */
export function nngp(input: KernelInput): { kernel: number[][] } {
  return { kernel: toRows(infiniteWidthKernels(input).nngp) };
}

/** Neural tangent kernel Θ of the readout layer (NTK parameterization, see the module comment). */
export function ntk(input: KernelInput): { kernel: number[][] } {
  return { kernel: toRows(infiniteWidthKernels(input).ntk) };
}

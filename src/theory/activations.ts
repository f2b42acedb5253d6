/**
 * Gaussian moments of activation functions: the building blocks of infinite-width kernels (NNGP,
 * NTK) and of signal propagation. Browser-safe.
 *
 * For (u, v) ~ N(0, [[q1, c], [c, q2]]):
 *   pair moments   E[φ(u)φ(v)] and E[φ′(u)φ′(v)],
 *   single moments E[φ(√q z)²], E[φ′(√q z)²] and d/dq E[φ(√q z)²] = E[φ′(√q z)² + φ(√q z)φ″(√q z)]
 *   (Stein's lemma E[z g(z)] = E[g′(z)] applied to g = φφ′; Schoenholz et al. 2017, Eq. for ξ_q).
 *
 * Closed forms:
 *  - relu: the arc-cosine kernels of degree 1 and 0 (Cho & Saul 2009, "Kernel methods for deep
 *    learning", NeurIPS): with ρ = c/√(q1 q2), θ = arccos ρ,
 *      E[relu(u)relu(v)] = √(q1 q2)/(2π) · (sin θ + (π − θ) cos θ),   E[relu′(u)relu′(v)] = (π − θ)/(2π).
 *  - erf: Williams 1997 ("Computing with infinite networks", NeurIPS), for the zero-mean Gaussian pair:
 *      E[erf(u)erf(v)] = (2/π) arcsin(2c / √((1 + 2q1)(1 + 2q2))),
 *      E[erf′(u)erf′(v)] = (4/π) / √((1 + 2q1)(1 + 2q2) − 4c²)   (E[e^{−u²−v²}] = det(I + 2Σ)^{−1/2}).
 * tanh uses the 2-D trapezoidal rule of ./gaussianQuadrature.ts, accurate to ~1e-15 (the rule needs φ,
 * φ′ analytic in |Im x| < π/2: tanh has its poles at ±iπ/2). gelu (x Φ(x), Hendrycks & Gimpel 2016) has
 * the inner Gaussian integral in closed form and a 1-D trapezoidal outer integral (`geluPairMoments`).
 */
import { erf, normalCdf, normalPdf } from '../core/special.ts';
import { type QuadratureRule, trapezoidRuleForVariance } from './gaussianQuadrature.ts';

/** The activations whose Gaussian moments the theory knows (the networks' wider set is `Activation` in core/ops.ts). */
export type KernelActivation = 'relu' | 'erf' | 'tanh' | 'gelu';
export const KERNEL_ACTIVATIONS: readonly KernelActivation[] = ['relu', 'erf', 'tanh', 'gelu'];

export interface ActivationFunctions {
  /** φ */
  phi(x: number): number;
  /** φ′ (for relu, the step 1[x > 0]) */
  dphi(x: number): number;
  /** φ″ (for relu, 0 away from the kink) */
  ddphi(x: number): number;
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** φ, φ′, φ″ of each activation. */
export function activationFunctions(activation: KernelActivation): ActivationFunctions {
  switch (activation) {
    case 'relu':
      return { phi: (x) => Math.max(x, 0), dphi: (x) => (x > 0 ? 1 : 0), ddphi: () => 0 };
    case 'erf':
      return {
        phi: erf,
        dphi: (x) => TWO_OVER_SQRT_PI * Math.exp(-x * x),
        ddphi: (x) => -2 * x * TWO_OVER_SQRT_PI * Math.exp(-x * x),
      };
    case 'tanh':
      return {
        phi: Math.tanh,
        dphi: (x) => {
          const t = Math.tanh(x);
          return 1 - t * t;
        },
        ddphi: (x) => {
          const t = Math.tanh(x);
          return -2 * t * (1 - t * t);
        },
      };
    case 'gelu':
      // gelu(x) = x Φ(x); gelu′ = Φ(x) + x ϕ(x); gelu″ = ϕ(x)(2 − x²).
      return {
        phi: (x) => x * normalCdf(x),
        dphi: (x) => normalCdf(x) + x * normalPdf(x),
        ddphi: (x) => normalPdf(x) * (2 - x * x),
      };
    default:
      throw new Error(`activation: expected one of ${KERNEL_ACTIVATIONS.join(', ')}, got '${String(activation)}'`);
  }
}

export function isKernelActivation(a: unknown): a is KernelActivation {
  return typeof a === 'string' && (KERNEL_ACTIVATIONS as readonly string[]).includes(a);
}

export interface PairMoments {
  /** E[φ(u)φ(v)] */
  phiPhi: number;
  /** E[φ′(u)φ′(v)] */
  dphiDphi: number;
}

/** Correlation ρ = c/√(q1 q2) clamped to [−1, 1] (0 when a variance is 0). */
function correlation(q1: number, c: number, q2: number): number {
  if (q1 === q2 && c === q1 && q1 > 0) return 1; // the diagonal exactly (√(q²) may miss q by an ulp)
  const d = Math.sqrt(q1 * q2);
  if (!(d > 0)) return 0;
  return Math.max(-1, Math.min(1, c / d));
}

/** Arc-cosine kernels of degree 1 and 0 (Cho & Saul 2009), in the Gaussian-pair form above. */
export function reluPairMoments(q1: number, c: number, q2: number): PairMoments {
  const rho = correlation(q1, c, q2);
  const theta = Math.acos(rho);
  const root = Math.sqrt(Math.max(q1, 0) * Math.max(q2, 0));
  return {
    phiPhi: (root / (2 * Math.PI)) * (Math.sin(theta) + (Math.PI - theta) * rho),
    dphiDphi: (Math.PI - theta) / (2 * Math.PI),
  };
}

/** The erf kernel (Williams 1997) and its derivative kernel, in the Gaussian-pair form above. */
export function erfPairMoments(q1: number, c: number, q2: number): PairMoments {
  const a = 1 + 2 * q1;
  const b = 1 + 2 * q2;
  const arg = Math.max(-1, Math.min(1, (2 * c) / Math.sqrt(a * b)));
  return { phiPhi: (2 / Math.PI) * Math.asin(arg), dphiDphi: 4 / Math.PI / Math.sqrt(Math.max(a * b - 4 * c * c, 0)) };
}

/**
 * E[φ(u)φ(v)] and E[φ′(u)φ′(v)] by the tensor-product rule (both in one pass over the grid).
 * Default rule: `trapezoidRuleForVariance(max(q1, q2))`.
 */
export function quadraturePairMoments(fns: ActivationFunctions, q1: number, c: number, q2: number, rule?: QuadratureRule): PairMoments {
  const { nodes, weights } = rule ?? trapezoidRuleForVariance(Math.max(q1, q2));
  const n = nodes.length;
  const a = Math.sqrt(Math.max(q1, 0));
  const slope = a > 0 ? c / a : 0;
  const s = Math.sqrt(Math.max(a > 0 ? q2 - (c * c) / q1 : q2, 0));
  let pp = 0;
  let dd = 0;
  for (let i = 0; i < n; i++) {
    const u = a * nodes[i];
    const fu = fns.phi(u);
    const du = fns.dphi(u);
    const m = slope * nodes[i];
    let innerP = 0;
    let innerD = 0;
    for (let j = 0; j < n; j++) {
      const v = m + s * nodes[j];
      innerP += weights[j] * fns.phi(v);
      innerD += weights[j] * fns.dphi(v);
    }
    pp += weights[i] * fu * innerP;
    dd += weights[i] * du * innerD;
  }
  return { phiPhi: pp, dphiDphi: dd };
}

/**
 * GELU pair moments with the inner expectation over v | u in closed form, so only a 1-D rule remains
 * (~100× faster than the 2-D grid). With u = √q1 z, v | u ~ N(m, s²), m = (c/√q1) z, s² = q2 − c²/q1,
 * r = √(1 + s²), Stein's lemma and E[Φ(m + sZ)] = Φ(m/r), E[ϕ(m + sZ)] = ϕ(m/r)/r give
 *   E[gelu(m + sZ)]  = m Φ(m/r) + s² ϕ(m/r)/r,
 *   E[gelu′(m + sZ)] = Φ(m/r) + m ϕ(m/r)/r³.
 * The outer integrand is entire, so the trapezoidal rule is accurate to float rounding (checked against
 * the 2-D grid in test/theory/kernels.test.ts).
 */
export function geluPairMoments(q1: number, c: number, q2: number, rule?: QuadratureRule): PairMoments {
  const { nodes, weights } = rule ?? trapezoidRuleForVariance(Math.max(q1, q2));
  const a = Math.sqrt(Math.max(q1, 0));
  const slope = a > 0 ? c / a : 0;
  const s2 = Math.max(a > 0 ? q2 - (c * c) / q1 : q2, 0);
  const r = Math.sqrt(1 + s2);
  let pp = 0;
  let dd = 0;
  for (let i = 0; i < nodes.length; i++) {
    const u = a * nodes[i];
    const cu = normalCdf(u);
    const m = slope * nodes[i];
    const cm = normalCdf(m / r);
    const pm = normalPdf(m / r);
    pp += weights[i] * u * cu * (m * cm + (s2 * pm) / r);
    dd += weights[i] * (cu + u * normalPdf(u)) * (cm + (m * pm) / (r * r * r));
  }
  return { phiPhi: pp, dphiDphi: dd };
}

/**
 * E[φ(u)φ(v)] and E[φ′(u)φ′(v)] for (u, v) ~ N(0, [[q1, c], [c, q2]]): closed forms for relu and erf,
 * a closed inner integral for gelu, the 2-D trapezoidal rule for tanh.
 */
export function pairMoments(activation: KernelActivation, q1: number, c: number, q2: number): PairMoments {
  if (activation === 'relu') return reluPairMoments(q1, c, q2);
  if (activation === 'erf') return erfPairMoments(q1, c, q2);
  if (activation === 'gelu') return geluPairMoments(q1, c, q2);
  return tanhPairMoments(q1, c, q2);
}

/** quadraturePairMoments specialized to tanh: one tanh per node (tanh′ = 1 − tanh²), about 2× faster. */
export function tanhPairMoments(q1: number, c: number, q2: number, rule?: QuadratureRule): PairMoments {
  const { nodes, weights } = rule ?? trapezoidRuleForVariance(Math.max(q1, q2));
  const n = nodes.length;
  const a = Math.sqrt(Math.max(q1, 0));
  const slope = a > 0 ? c / a : 0;
  const s = Math.sqrt(Math.max(a > 0 ? q2 - (c * c) / q1 : q2, 0));
  let pp = 0;
  let dd = 0;
  for (let i = 0; i < n; i++) {
    const tu = Math.tanh(a * nodes[i]);
    const m = slope * nodes[i];
    let innerP = 0;
    let innerD = 0;
    for (let j = 0; j < n; j++) {
      const tv = Math.tanh(m + s * nodes[j]);
      const w = weights[j];
      innerP += w * tv;
      innerD += w * tv * tv;
    }
    pp += weights[i] * tu * innerP;
    dd += weights[i] * (1 - tu * tu) * (1 - innerD); // Σ w (1 − tv²) = 1 − Σ w tv² (weights sum to 1)
  }
  return { phiPhi: pp, dphiDphi: dd };
}

export interface SingleMoments {
  /** E[φ(√q z)²] */
  phi2: number;
  /** E[φ′(√q z)²] */
  dphi2: number;
  /** d/dq E[φ(√q z)²] = E[φ′(√q z)² + φ(√q z)φ″(√q z)] */
  dPhi2dq: number;
}

/** The one-point moments for z ~ N(0, 1): closed forms for relu and erf, the trapezoidal rule otherwise. */
export function singleMoments(activation: KernelActivation, q: number): SingleMoments {
  const qq = Math.max(q, 0);
  if (activation === 'relu') return { phi2: qq / 2, dphi2: 0.5, dPhi2dq: 0.5 };
  if (activation === 'erf') {
    // (2/π) arcsin(2q/(1+2q)); its q-derivative (4/π)/((1+2q)√(1+4q)); E[erf′²] = (4/π)/√(1+4q).
    return {
      phi2: (2 / Math.PI) * Math.asin((2 * qq) / (1 + 2 * qq)),
      dphi2: 4 / Math.PI / Math.sqrt(1 + 4 * qq),
      dPhi2dq: 4 / Math.PI / ((1 + 2 * qq) * Math.sqrt(1 + 4 * qq)),
    };
  }
  const fns = activationFunctions(activation);
  const { nodes, weights } = trapezoidRuleForVariance(qq);
  const r = Math.sqrt(qq);
  let p2 = 0;
  let d2 = 0;
  let pdd = 0;
  for (let i = 0; i < nodes.length; i++) {
    const x = r * nodes[i];
    const p = fns.phi(x);
    const d = fns.dphi(x);
    p2 += weights[i] * p * p;
    d2 += weights[i] * d * d;
    pdd += weights[i] * p * fns.ddphi(x);
  }
  return { phi2: p2, dphi2: d2, dPhi2dq: d2 + pdd };
}

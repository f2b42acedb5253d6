/**
 * Signal propagation in deep random networks at infinite width: the variance and correlation maps,
 * their fixed points, the order-to-chaos transition and the depth scales. Browser-safe.
 *
 * Poole, Lahiri, Raghu, Sohl-Dickstein & Ganguli 2016, "Exponential expressivity in deep neural
 * networks through transient chaos" (NeurIPS), Eqs. 3–5; Schoenholz, Gilmer, Ganguli &
 * Sohl-Dickstein 2017, "Deep information propagation" (ICLR), Eqs. 4–9. Setting: fully connected
 * h^{l+1} = W^{l+1} φ(h^l) + b^{l+1}, W_ij ~ N(0, σ_w²/N_l), b_i ~ N(0, σ_b²), every width → ∞ (the
 * pre-activations are then Gaussian, independent across units). For two inputs whose layer-l
 * pre-activations have variance q^l each and correlation c^l (z, z₁, z₂ i.i.d. N(0, 1)):
 *   q^{l+1} = V(q^l) = σ_w² E_z[φ(√q^l z)²] + σ_b²                           (variance map)
 *   c^{l+1} = (σ_w² E[φ(u)φ(v)] + σ_b²) / q^{l+1},  u, v ~ N(0, q^l), corr(u, v) = c^l   (correlation map)
 *   at the fixed point q* = V(q*) the correlation map is c ↦ (σ_w² E[φ(u)φ(v)] + σ_b²)/q*, which has
 *   the fixed point c = 1 with slope χ₁ = σ_w² E[φ′(√q* z)²]:
 *     χ₁ < 1: ordered (c → 1), χ₁ > 1: chaotic (c → c* < 1), χ₁ = 1: critical.
 *   χ_c = σ_w² E[φ′(u)φ′(v)] at (q*, c*) (= χ₁ in the ordered phase);  ξ_c = −1/ln χ_c.
 *   χ_q = V′(q*) = σ_w² E[φ′(√q* z)² + φ(√q* z)φ″(√q* z)];  ξ_q = −1/ln χ_q.
 * ξ = ∞ (JSON null) at χ = 1. Degenerate cases, reported rather than hidden:
 *  - q* = 0 (e.g. tanh, σ_b = 0, σ_w² ≤ 1): χ₁ = σ_w² φ′(0)²; for tanh/erf/gelu the correlation map at
 *    q → 0 is the identity (φ is linear near 0), so c* and χ_c are null and ξ_c uses χ₁.
 *  - no finite fixed point (relu with σ_w² > 2, or σ_w² = 2 and σ_b² > 0; q^l → ∞): qStar null,
 *    phase 'divergent'. For relu the q-independent correlation map of the σ_b = 0 net is then used
 *    for c* (= 1) and χ_c.
 * Activations: tanh, relu, erf (closed forms), gelu (./activations.ts).
 */
import { type KernelActivation, activationFunctions, pairMoments, singleMoments } from './activations.ts';

export interface SignalPropagationInput {
  activation: KernelActivation;
  /** σ_w² */
  weightVariance: number;
  /** σ_b² */
  biasVariance: number;
  /** pre-activation variance of layer 0 (default: q* when finite and > 0, else 1) */
  q0?: number;
  /** correlation of the two inputs' layer-0 pre-activations (default 0.5) */
  c0?: number;
  /** number of layers to iterate the maps (default 30) */
  depth?: number;
}

export type Phase = 'ordered' | 'critical' | 'chaotic' | 'divergent';

export interface SignalPropagationOutput {
  /** fixed point of the variance map reached from q0 (null: q^l → ∞) */
  qStar: number | null;
  /** σ_w² E[φ′(√q* z)²] */
  chi1: number | null;
  /** stable fixed point of the correlation map (1 in the ordered phase; null when undefined) */
  cStar: number | null;
  /** σ_w² E[φ′(u)φ′(v)] at (q*, c*) */
  chiC: number | null;
  /** V′(q*) */
  chiQ: number | null;
  /** −1/ln χ_c (Infinity at criticality; null when undefined) */
  xiC: number | null;
  /** −1/ln χ_q */
  xiQ: number | null;
  phase: Phase;
  /** q^0..q^depth */
  qTrajectory: number[];
  /** c^0..c^depth */
  cTrajectory: number[];
}

function check(input: SignalPropagationInput): void {
  const { weightVariance: sw2, biasVariance: sb2 } = input;
  activationFunctions(input.activation); // throws on unknown names
  if (!(sw2 >= 0) || !Number.isFinite(sw2)) throw new Error(`weightVariance: expected a finite number ≥ 0, got ${sw2}`);
  if (!(sb2 >= 0) || !Number.isFinite(sb2)) throw new Error(`biasVariance: expected a finite number ≥ 0, got ${sb2}`);
  if (input.q0 !== undefined && (!(input.q0 >= 0) || !Number.isFinite(input.q0))) throw new Error(`q0: expected a finite number ≥ 0, got ${input.q0}`);
  if (input.c0 !== undefined && (!(input.c0 >= -1 && input.c0 <= 1))) throw new Error(`c0: expected a correlation in [−1, 1], got ${input.c0}`);
  if (input.depth !== undefined && (!Number.isInteger(input.depth) || input.depth < 0 || input.depth > 100000)) {
    throw new Error(`depth: expected an integer in [0, 100000], got ${input.depth}`);
  }
}

/** V(q) = σ_w² E[φ(√q z)²] + σ_b². */
export function varianceMap(activation: KernelActivation, weightVariance: number, biasVariance: number, q: number): number {
  return weightVariance * singleMoments(activation, q).phi2 + biasVariance;
}

/**
 * One layer of the correlation recursion for two inputs with equal variance q and correlation c:
 * returns (σ_w² E[φ(u)φ(v)] + σ_b²)/V(q) (at q = q* this is the correlation map of Poole et al.).
 */
export function correlationMap(activation: KernelActivation, weightVariance: number, biasVariance: number, q: number, c: number): number {
  const qNext = varianceMap(activation, weightVariance, biasVariance, q);
  if (!(qNext > 0)) return Number.NaN;
  const pm = pairMoments(activation, q, c * q, q);
  return Math.max(-1, Math.min(1, (weightVariance * pm.phiPhi + biasVariance) / qNext));
}

/** Iterates above this count as diverged (relu-like growth; bounded φ have q* ≤ σ_w² sup φ² + σ_b²). */
const Q_DIVERGED = 1e8;

/**
 * The fixed point of V reached by iterating q ← V(q) from q0 (V is increasing, so the iterates are
 * monotone): returns q* ≥ 0, or Infinity when the iterates diverge. Converged iterates are polished by
 * bisection on V(q) − q inside the bracket the monotone sequence defines.
 */
export function varianceFixedPoint(activation: KernelActivation, weightVariance: number, biasVariance: number, q0 = 1): number {
  const sw2 = weightVariance;
  const sb2 = biasVariance;
  if (activation === 'relu') {
    // V(q) = σ_w² q/2 + σ_b² is affine.
    if (sw2 < 2) return sb2 / (1 - sw2 / 2);
    if (sw2 === 2 && sb2 === 0) return q0; // every q is a fixed point
    return Number.POSITIVE_INFINITY;
  }
  const V = (q: number) => varianceMap(activation, sw2, sb2, q);
  let q = q0;
  let next = V(q);
  for (let it = 0; it < 2000; it++) {
    if (next > Q_DIVERGED) return Number.POSITIVE_INFINITY;
    if (Math.abs(next - q) <= 1e-15 * Math.max(next, 1e-300)) return next;
    q = next;
    next = V(q);
  }
  const g = (x: number) => V(x) - x;
  let lo: number;
  let hi: number;
  if (next < q) {
    // Decreasing towards the largest root below q.
    hi = next;
    lo = hi / 2;
    while (g(lo) < 0) {
      if (lo < 1e-300) return 0;
      hi = lo;
      lo /= 2;
    }
  } else {
    lo = next;
    hi = lo * 2;
    while (g(hi) > 0) {
      if (hi > Q_DIVERGED) return Number.POSITIVE_INFINITY;
      lo = hi;
      hi *= 2;
    }
  }
  for (let it = 0; it < 200 && hi - lo > 1e-15 * hi; it++) {
    const mid = 0.5 * (lo + hi);
    if (g(mid) > 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** χ₁ = σ_w² E[φ′(√q z)²] at q. */
export function chi1At(activation: KernelActivation, weightVariance: number, q: number): number {
  return weightVariance * singleMoments(activation, q).dphi2;
}

/** The stable fixed point c* < 1 of the correlation map in the chaotic phase, by bisection on [0, 1). */
function chaoticCorrelationFixedPoint(cmap: (c: number) => number): number {
  const h = (c: number) => cmap(c) - c;
  if (h(0) <= 0) return 0;
  let hi = Number.NaN;
  for (let delta = 1e-3; delta >= 1e-12; delta /= 10) {
    if (h(1 - delta) < 0) {
      hi = 1 - delta;
      break;
    }
  }
  if (Number.isNaN(hi)) return 1; // numerically critical
  let lo = 0;
  for (let it = 0; it < 100 && hi - lo > 1e-15; it++) {
    const mid = 0.5 * (lo + hi);
    if (h(mid) > 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

const CRITICAL_TOLERANCE = 1e-9;

/** Depth scale −1/ln χ for 0 < χ ≤ 1 (Infinity at χ = 1); null when χ > 1 or undefined. */
function depthScale(chi: number | null): number | null {
  if (chi === null || !(chi > 0)) return chi === 0 ? 0 : null;
  if (Math.abs(chi - 1) <= CRITICAL_TOLERANCE) return Number.POSITIVE_INFINITY;
  if (chi > 1) return null;
  return -1 / Math.log(chi);
}

/** Fixed points, χ's, depth scales and the layer-by-layer trajectories (see the module comment). */
export function signalPropagation(input: SignalPropagationInput): SignalPropagationOutput {
  check(input);
  const { activation, weightVariance: sw2, biasVariance: sb2 } = input;
  const depth = input.depth ?? 30;
  const c0 = input.c0 ?? 0.5;
  const qStarRaw = varianceFixedPoint(activation, sw2, sb2, input.q0 ?? 1);
  const finite = Number.isFinite(qStarRaw);
  const q0 = input.q0 ?? (finite && qStarRaw > 0 ? qStarRaw : 1);

  // Trajectories: the exact layer recursions from (q0, c0).
  const qTrajectory = [q0];
  const cTrajectory = [c0];
  let q = q0;
  let c = c0;
  for (let l = 0; l < depth; l++) {
    if (!(q < Q_DIVERGED * 1e4)) {
      // Diverged (relu-like growth): report ∞ (JSON null) instead of evaluating the maps at overflow.
      qTrajectory.push(Number.POSITIVE_INFINITY);
      cTrajectory.push(Number.NaN);
      continue;
    }
    const qNext = varianceMap(activation, sw2, sb2, q);
    const cNext = Number.isFinite(qNext) && qNext > 0 ? correlationMap(activation, sw2, sb2, q, c) : Number.NaN;
    q = qNext;
    c = cNext;
    qTrajectory.push(q);
    cTrajectory.push(c);
  }

  let chi1: number | null = null;
  let chiQ: number | null = null;
  let chiC: number | null = null;
  let cStar: number | null = null;
  let phase: Phase;
  if (!finite) {
    phase = 'divergent';
    if (activation === 'relu') {
      // Homogeneous σ_b = 0 correlation map (what the recursion tends to as q → ∞): c* = 1, slope 1.
      cStar = 1;
      chiC = 1;
    }
  } else {
    const qs = qStarRaw;
    chi1 = chi1At(activation, sw2, qs);
    chiQ = sw2 * singleMoments(activation, qs).dPhi2dq;
    phase = Math.abs(chi1 - 1) <= CRITICAL_TOLERANCE ? 'critical' : chi1 < 1 ? 'ordered' : 'chaotic';
    const cmapAt = (qq: number) => (cc: number) => {
      const pm = pairMoments(activation, qq, cc * qq, qq);
      return (sw2 * pm.phiPhi + sb2) / (sw2 * singleMoments(activation, qq).phi2 + sb2);
    };
    if (qs > 0 || activation === 'relu') {
      const qq = qs > 0 ? qs : 1; // relu with σ_b = 0: the map does not depend on q
      if (phase === 'chaotic') {
        cStar = chaoticCorrelationFixedPoint(cmapAt(qq));
        chiC = sw2 * pairMoments(activation, qq, cStar * qq, qq).dphiDphi;
      } else {
        cStar = 1;
        chiC = chi1;
      }
    } else {
      chiC = null;
      cStar = null;
    }
  }
  return {
    qStar: finite ? qStarRaw : null,
    chi1,
    cStar,
    chiC,
    chiQ,
    xiC: depthScale(chiC ?? (finite && qStarRaw === 0 ? chi1 : null)),
    xiQ: depthScale(chiQ),
    phase,
    qTrajectory,
    cTrajectory,
  };
}

/**
 * The critical weight variance σ_w² at which χ₁ = 1 for a given σ_b² (the order-to-chaos line of
 * Poole et al. 2016, Fig. 2), by bisection on σ_w² ∈ [lo, hi] (χ₁ increases with σ_w² along the
 * fixed-point curve for tanh, erf and relu). Returns NaN when χ₁ − 1 has no sign change there.
 */
export function criticalWeightVariance(activation: KernelActivation, biasVariance: number, lo = 1e-3, hi = 50): number {
  const f = (sw2: number): number => {
    const qs = varianceFixedPoint(activation, sw2, biasVariance, 1);
    if (!Number.isFinite(qs)) return 1;
    return chi1At(activation, sw2, qs) - 1;
  };
  if (f(lo) > 0 || f(hi) < 0) return Number.NaN;
  for (let it = 0; it < 200 && hi - lo > 1e-13 * hi; it++) {
    const mid = 0.5 * (lo + hi);
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

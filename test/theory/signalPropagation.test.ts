import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { pairMoments } from '../../src/theory/activations.ts';
import { infiniteWidthKernels } from '../../src/theory/kernels.ts';
import {
  chi1At,
  correlationMap,
  criticalWeightVariance,
  signalPropagation,
  varianceFixedPoint,
  varianceMap,
} from '../../src/theory/signalPropagation.ts';

interface Trajectory {
  qs: number[];
  cs: number[];
}

/**
 * A deep random tanh network of width N on two inputs, sampled layer by layer without materializing W:
 * given the post-activations φ_a, φ_b of layer l, the next pre-activations (h_a,i, h_b,i) are i.i.d. over
 * units i and exactly bivariate normal with covariance σ_w²/N [[φa·φa, φa·φb], [φa·φb, φb·φb]] + σ_b²
 * (W^{l+1} ~ N(0, σ_w²/N) is independent of everything before, b shared by the two inputs). This is the
 * finite-width network's exact distribution, at O(N) cost per layer instead of O(N²).
 */
function simulateConditional(sw2: number, sb2: number, N: number, depth: number, q0: number, c0: number, r: Rng): Trajectory {
  const ha = new Float64Array(N);
  const hb = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const z1 = r.normal();
    const z2 = r.normal();
    ha[i] = Math.sqrt(q0) * z1;
    hb[i] = Math.sqrt(q0) * (c0 * z1 + Math.sqrt(1 - c0 * c0) * z2);
  }
  const qs = [q0];
  const cs = [c0];
  const sb = Math.sqrt(sb2);
  for (let l = 0; l < depth; l++) {
    let saa = 0;
    let sbb = 0;
    let sab = 0;
    for (let i = 0; i < N; i++) {
      const a = Math.tanh(ha[i]);
      const b = Math.tanh(hb[i]);
      saa += a * a;
      sbb += b * b;
      sab += a * b;
    }
    const l11 = Math.sqrt((sw2 * saa) / N);
    const l21 = (sw2 * sab) / N / l11;
    const l22 = Math.sqrt(Math.max((sw2 * sbb) / N - l21 * l21, 0));
    let qa = 0;
    let qb = 0;
    let qab = 0;
    for (let i = 0; i < N; i++) {
      const z1 = r.normal();
      const z2 = r.normal();
      const bias = sb * r.normal();
      ha[i] = l11 * z1 + bias;
      hb[i] = l21 * z1 + l22 * z2 + bias;
      qa += ha[i] * ha[i];
      qb += hb[i] * hb[i];
      qab += ha[i] * hb[i];
    }
    qs.push((qa + qb) / (2 * N));
    cs.push(qab / Math.sqrt(qa * qb));
  }
  return { qs, cs };
}

/** The same network with explicit weight matrices (O(N²) per layer): h^{l+1} = W φ(h^l) + b. */
function simulateExplicit(sw2: number, sb2: number, N: number, depth: number, q0: number, c0: number, r: Rng): Trajectory {
  let ha = new Float64Array(N);
  let hb = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const z1 = r.normal();
    const z2 = r.normal();
    ha[i] = Math.sqrt(q0) * z1;
    hb[i] = Math.sqrt(q0) * (c0 * z1 + Math.sqrt(1 - c0 * c0) * z2);
  }
  const qs = [q0];
  const cs = [c0];
  const scale = Math.sqrt(sw2 / N);
  const row = new Float64Array(N);
  for (let l = 0; l < depth; l++) {
    const pa = ha.map(Math.tanh);
    const pb = hb.map(Math.tanh);
    const na = new Float64Array(N);
    const nb = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      r.fillNormal(row);
      let s1 = 0;
      let s2 = 0;
      for (let j = 0; j < N; j++) {
        s1 += row[j] * pa[j];
        s2 += row[j] * pb[j];
      }
      const bias = Math.sqrt(sb2) * r.normal();
      na[i] = scale * s1 + bias;
      nb[i] = scale * s2 + bias;
    }
    ha = na;
    hb = nb;
    let qa = 0;
    let qb = 0;
    let qab = 0;
    for (let i = 0; i < N; i++) {
      qa += ha[i] * ha[i];
      qb += hb[i] * hb[i];
      qab += ha[i] * hb[i];
    }
    qs.push((qa + qb) / (2 * N));
    cs.push(qab / Math.sqrt(qa * qb));
  }
  return { qs, cs };
}

function averaged(runs: Trajectory[]): Trajectory {
  const depth = runs[0].qs.length;
  const qs: number[] = [];
  const cs: number[] = [];
  for (let l = 0; l < depth; l++) {
    qs.push(runs.reduce((s, r) => s + r.qs[l], 0) / runs.length);
    cs.push(runs.reduce((s, r) => s + r.cs[l], 0) / runs.length);
  }
  return { qs, cs };
}

describe('signal propagation vs deep random tanh networks', () => {
  it('q^l and c^l of width-1000, depth-20 networks follow the recursions (σ_b² = 0.05, ordered and chaotic)', () => {
    // 300 networks per σ_w². Finite-width fluctuations: a single network's q^l deviates by ~√(2/N) ≈ 4.5%
    // per layer (correlated across layers), its c^l by ~0.05 in the chaotic phase, and the systematic
    // finite-width bias is O(1/N) = 0.1%. Measured max deviations of a 400-network mean over 30 layers
    // (3 replicate seed sets, σ_w² ∈ {0.5, 1, 1.5, 2.5, 4}): ≤ 0.9% for q, ≤ 0.0074 for c; 300 networks have
    // √(4/3) more noise. Tolerances: 2% and 0.015.
    for (const sw2 of [1.0, 2.5, 4.0]) {
      const theory = signalPropagation({ activation: 'tanh', weightVariance: sw2, biasVariance: 0.05, q0: 1, c0: 0.5, depth: 20 });
      const mean = averaged(Array.from({ length: 300 }, (_, s) => simulateConditional(sw2, 0.05, 1000, 20, 1, 0.5, Rng.fromSeed(4, 'sigprop', sw2, s))));
      for (let l = 0; l <= 20; l++) {
        expect(Math.abs(mean.qs[l] / theory.qTrajectory[l] - 1)).toBeLessThan(0.02);
        expect(Math.abs(mean.cs[l] - theory.cTrajectory[l])).toBeLessThan(0.015);
      }
      // Ordered (χ₁ < 1): correlations flow to 1; chaotic (χ₁ > 1): to c* < 1. The network agrees.
      const cLast = mean.cs[20];
      if (sw2 === 1.0) {
        expect(theory.phase).toBe('ordered');
        expect(cLast).toBeGreaterThan(0.97);
      } else {
        // Chaotic: the simulated correlation moves from c⁰ = 0.5 towards c* (still approaching at layer 20,
        // χ_c ≈ 0.87–0.92), at least halving the distance.
        expect(theory.phase).toBe('chaotic');
        const cStar = theory.cStar ?? Number.NaN;
        expect(Math.abs(cLast - cStar)).toBeLessThan(0.5 * Math.abs(0.5 - cStar));
      }
    }
  });

  it('an explicit weight-matrix network (width 200, depth 10) agrees too', () => {
    // Same distribution as the sampler above, checked directly with W. 40 networks of width 200 (finite-width
    // noise ∝ 1/√(width · networks)): over 5 other seed sets the max deviation over the 10 layers was
    // 2.5–3.5% for q and 0.023–0.047 for c, so 6% and 0.08.
    const theory = signalPropagation({ activation: 'tanh', weightVariance: 2.5, biasVariance: 0.05, q0: 1, c0: 0.5, depth: 10 });
    const mean = averaged(Array.from({ length: 40 }, (_, s) => simulateExplicit(2.5, 0.05, 200, 10, 1, 0.5, Rng.fromSeed(8, 'explicit', s))));
    for (let l = 0; l <= 10; l++) {
      expect(Math.abs(mean.qs[l] / theory.qTrajectory[l] - 1)).toBeLessThan(0.06);
      expect(Math.abs(mean.cs[l] - theory.cTrajectory[l])).toBeLessThan(0.08);
    }
  });
});

describe('signal propagation: fixed points and derived quantities', () => {
  it('the χ₁ = 1 critical line for tanh at σ_b = 0 is σ_w² = 1', () => {
    // At σ_b = 0, q* = 0 for σ_w² ≤ 1 and χ₁ = σ_w² tanh′(0)² = σ_w²; bisection to 1e-13 relative, but the
    // slow (∝ 1/l) convergence of q^l right at σ_w² = 1 limits the fixed point's accuracy: 1e-6.
    expect(Math.abs(criticalWeightVariance('tanh', 0) - 1)).toBeLessThan(1e-6);
    const below = signalPropagation({ activation: 'tanh', weightVariance: 0.9, biasVariance: 0 });
    expect(below.qStar).toBe(0);
    expect(below.chi1).toBeCloseTo(0.9, 12);
    expect(below.phase).toBe('ordered');
    const above = signalPropagation({ activation: 'tanh', weightVariance: 1.1, biasVariance: 0 });
    expect(above.qStar).toBeGreaterThan(0);
    expect(above.phase).toBe('chaotic');
    // With bias the critical σ_w² grows (Poole et al. 2016, Fig. 2): a known qualitative feature.
    expect(criticalWeightVariance('tanh', 0.05)).toBeGreaterThan(1.5);
  });

  it('relu: q* = σ_b²/(1 − σ_w²/2), χ₁ = σ_w²/2, critical at σ_w² = 2 (He init)', () => {
    // Closed forms: float error.
    const r = signalPropagation({ activation: 'relu', weightVariance: 1.5, biasVariance: 0.1 });
    expect(r.qStar).toBeCloseTo(0.1 / (1 - 0.75), 14);
    expect(r.chi1).toBeCloseTo(0.75, 14);
    expect(criticalWeightVariance('relu', 0.1)).toBeCloseTo(2, 10);
    expect(signalPropagation({ activation: 'relu', weightVariance: 2.5, biasVariance: 0.1 }).phase).toBe('divergent');
    expect(signalPropagation({ activation: 'relu', weightVariance: 2, biasVariance: 0 }).phase).toBe('critical');
  });

  it('fixed points are fixed; χ_q and χ_c are the slopes of the maps there', () => {
    // q* to 1e-13 relative (bisection/iteration tolerance); slopes by central differences with step 1e-5,
    // truncation ~1e-10 and rounding ~1e-11: tolerance 1e-7.
    for (const act of ['tanh', 'erf', 'gelu'] as const) {
      for (const sw2 of [1.2, 2.5]) {
        const sb2 = 0.1;
        const r = signalPropagation({ activation: act, weightVariance: sw2, biasVariance: sb2 });
        if (act === 'gelu' && sw2 > 2) {
          // gelu(x) ≈ relu(x) for large |x|, so V(q) ≈ σ_w² q/2: no finite fixed point above σ_w² = 2.
          expect(r.phase).toBe('divergent');
          expect(r.qStar).toBeNull();
          continue;
        }
        const qs = r.qStar ?? Number.NaN;
        expect(Math.abs(varianceMap(act, sw2, sb2, qs) - qs) / qs).toBeLessThan(1e-13);
        const h = 1e-5;
        const slopeQ = (varianceMap(act, sw2, sb2, qs + h) - varianceMap(act, sw2, sb2, qs - h)) / (2 * h);
        expect(Math.abs(slopeQ - (r.chiQ ?? Number.NaN))).toBeLessThan(1e-7);
        expect(r.xiQ).toBeCloseTo(-1 / Math.log(r.chiQ ?? Number.NaN), 12);
        const cs = r.cStar ?? Number.NaN;
        if (r.phase === 'chaotic') {
          expect(Math.abs(correlationMap(act, sw2, sb2, qs, cs) - cs)).toBeLessThan(1e-12);
          const slopeC = (correlationMap(act, sw2, sb2, qs, cs + h) - correlationMap(act, sw2, sb2, qs, cs - h)) / (2 * h);
          expect(Math.abs(slopeC - (r.chiC ?? Number.NaN))).toBeLessThan(1e-7);
        } else {
          // Ordered: c* = 1 and the one-sided slope at c = 1 is χ₁ (one-sided difference: error O(h) ≈ 1e-5
          // for smooth φ, whose Gaussian correlation map is analytic in c; 1e-4 leaves margin).
          expect(cs).toBe(1);
          const slope1 = (1 - correlationMap(act, sw2, sb2, qs, 1 - h)) / h;
          expect(Math.abs(slope1 - (r.chi1 ?? Number.NaN))).toBeLessThan(1e-4);
        }
        expect(r.xiC).toBeCloseTo(-1 / Math.log(r.chiC ?? Number.NaN), 12);
        expect(chi1At(act, sw2, qs)).toBe(r.chi1);
      }
    }
  });

  it('the NNGP diagonal is the variance recursion (two implementations agree)', () => {
    // Σˡ(x, x) of the kernel code with Σ⁰ = q0 must equal q^l: same quadrature, float error.
    const sw2 = 1.7;
    const sb2 = 0.2;
    const x = [[1.3, -0.4]];
    const q0 = (sw2 * (1.3 ** 2 + 0.4 ** 2)) / 2 + sb2;
    const r = signalPropagation({ activation: 'tanh', weightVariance: sw2, biasVariance: sb2, q0, depth: 4 });
    for (let depth = 0; depth <= 4; depth++) {
      const k = infiniteWidthKernels({ activation: 'tanh', depth, weightVariance: sw2, biasVariance: sb2, x }).nngp.data[0];
      expect(Math.abs(k - r.qTrajectory[depth])).toBeLessThan(1e-14);
    }
    // And the correlation map is the normalized NNGP recursion for equal-norm inputs.
    const pm = pairMoments('tanh', q0, 0.3 * q0, q0);
    expect(correlationMap('tanh', sw2, sb2, q0, 0.3)).toBeCloseTo((sw2 * pm.phiPhi + sb2) / varianceMap('tanh', sw2, sb2, q0), 14);
  });

  it('varianceFixedPoint reaches the stable fixed point from either side', () => {
    // Iteration is monotone; both starts land on the same q* to the solver tolerance (1e-13).
    const a = varianceFixedPoint('tanh', 2.5, 0.05, 0.01);
    const b = varianceFixedPoint('tanh', 2.5, 0.05, 50);
    expect(Math.abs(a - b) / a).toBeLessThan(1e-13);
  });

  it('rejects bad input naming the field', () => {
    expect(() => signalPropagation({ activation: 'tanh', weightVariance: -1, biasVariance: 0 })).toThrow(/weightVariance/);
    expect(() => signalPropagation({ activation: 'tanh', weightVariance: 1, biasVariance: 0, c0: 1.5 })).toThrow(/c0/);
    expect(() => signalPropagation({ activation: 'sigmoid' as 'tanh', weightVariance: 1, biasVariance: 0 })).toThrow(/activation/);
  });
});

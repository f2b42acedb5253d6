import { describe, expect, it } from 'vitest';
import { eigvalsh } from '../../src/core/linalg.ts';
import { Rng } from '../../src/core/random.ts';
import { normalCdf, normalPdf } from '../../src/core/special.ts';
import {
  type KernelActivation,
  activationFunctions,
  erfPairMoments,
  pairMoments,
  quadraturePairMoments,
  reluPairMoments,
  singleMoments,
} from '../../src/theory/activations.ts';
import { gaussHermiteRule, gaussianExpectation, gaussianTrapezoidRule, trapezoidRuleForVariance } from '../../src/theory/gaussianQuadrature.ts';
import { infiniteWidthKernels, nngp, ntk } from '../../src/theory/kernels.ts';
import { meanAndStderr } from './helpers.ts';

/** Covariances (q1, c, q2) from easy to hard: large variances, near-singular, anti-correlated. */
const COVARIANCES: [number, number, number][] = [
  [0.3, 0.1, 0.5],
  [1, 0.5, 1],
  [2, 1.5, 3],
  [4, 3.9, 4],
  [4, -2, 4],
  [10, 5, 10],
  [30, 29, 30],
];

describe('Gaussian quadrature rules', () => {
  it('Gauss–Hermite integrates polynomials up to degree 2n − 1 exactly', () => {
    // E z^{2k} = (2k − 1)!!; float error of a sum of O(n) terms of size ≤ (2k−1)!! ~ 1e-13 relative.
    for (const n of [5, 20, 80, 300]) {
      let dfact = 1;
      for (let k = 1; 2 * k <= 2 * n - 1 && k <= 6; k++) {
        dfact *= 2 * k - 1;
        expect(Math.abs(gaussianExpectation((z) => z ** (2 * k), n) - dfact) / dfact).toBeLessThan(1e-12);
      }
      expect(Math.abs(gaussianExpectation((z) => z ** 3, n))).toBeLessThan(1e-13);
    }
  });

  it('both rules reproduce E cos(az) = e^{−a²/2}', () => {
    // Entire integrand: both rules converge to float rounding (~1e-16); 1e-13 leaves room for summation error.
    for (const a of [0.5, 1, 2, 4]) {
      const exact = Math.exp((-a * a) / 2);
      expect(Math.abs(gaussianExpectation((z) => Math.cos(a * z), 120) - exact)).toBeLessThan(1e-13);
      expect(Math.abs(gaussianExpectation((z) => Math.cos(a * z), trapezoidRuleForVariance(a * a)) - exact)).toBeLessThan(1e-13);
    }
  });
});

/** An independent reference for the ReLU kernels: the integral over the quadrant u > 0, v > 0 in polar
 *  coordinates of (z1, z2), Gauss–Legendre in the angle on the wedge, the radial integral in closed form. */
function reluPolarReference(q1: number, c: number, q2: number): { phiPhi: number; dphiDphi: number } {
  const a = Math.sqrt(q1);
  const slope = c / a;
  const s = Math.sqrt(q2 - (c * c) / q1);
  // u = a r cos t > 0 ⇔ cos t > 0; v = r (slope cos t + s sin t) > 0. The wedge [t0, t1] ⊂ (−π/2, π/2).
  const t0 = Math.max(-Math.PI / 2, Math.atan2(-slope, s));
  const t1 = Math.PI / 2;
  // 40-point Gauss–Legendre by Newton on P_n (the angular integrand is a trigonometric polynomial: exact).
  const n = 40;
  let phiPhi = 0;
  for (let i = 1; i <= n; i++) {
    let x = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (n * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    const w = 2 / ((1 - x * x) * dp * dp);
    const t = 0.5 * (t1 - t0) * x + 0.5 * (t1 + t0);
    // ∫₀^∞ r²·r e^{−r²/2} dr / (2π) = 2/(2π).
    phiPhi += 0.5 * (t1 - t0) * w * a * Math.cos(t) * (slope * Math.cos(t) + s * Math.sin(t)) * (2 / (2 * Math.PI));
  }
  return { phiPhi, dphiDphi: (t1 - t0) / (2 * Math.PI) };
}

/** Semi-analytic GELU reference: the inner expectation over v | u in closed form, the outer 1-D by a
 *  400-point Gauss–Hermite rule. E[gelu(m + sz)] = mΦ(m/r) + s²ϕ(m/r)/r, E[gelu′(m + sz)] = Φ(m/r) + mϕ(m/r)/r³, r = √(1+s²). */
function geluNestedReference(q1: number, c: number, q2: number): { phiPhi: number; dphiDphi: number } {
  const f = activationFunctions('gelu');
  const a = Math.sqrt(q1);
  const slope = c / a;
  const s2 = q2 - (c * c) / q1;
  const r = Math.sqrt(1 + s2);
  return {
    phiPhi: gaussianExpectation((z) => {
      const m = slope * z;
      return f.phi(a * z) * (m * normalCdf(m / r) + (s2 * normalPdf(m / r)) / r);
    }, 400),
    dphiDphi: gaussianExpectation((z) => {
      const m = slope * z;
      return f.dphi(a * z) * (normalCdf(m / r) + (m * normalPdf(m / r)) / r ** 3);
    }, 400),
  };
}

describe('activation moments: closed forms vs quadrature', () => {
  it('erf: the trapezoidal rule matches the Williams closed form to 1e-12 for q up to 30', () => {
    // Both sides are accurate to float rounding (~1e-15); 1e-12 allows for the ~800² -term sums at q = 30.
    for (const [q1, c, q2] of COVARIANCES) {
      const exact = erfPairMoments(q1, c, q2);
      const quad = quadraturePairMoments(activationFunctions('erf'), q1, c, q2);
      expect(Math.abs(quad.phiPhi - exact.phiPhi)).toBeLessThan(1e-12);
      expect(Math.abs(quad.dphiDphi - exact.dphiDphi)).toBeLessThan(1e-12);
    }
  });

  it('erf: Gauss–Hermite at higher order also reaches 1e-10 (erf is entire) for q ≤ 4', () => {
    // erf(√q z) is entire, so Gauss–Hermite converges super-algebraically; at order 200 the error is < 1e-12.
    for (const [q1, c, q2] of COVARIANCES.filter(([a, , b]) => Math.max(a, b) <= 4)) {
      const exact = erfPairMoments(q1, c, q2);
      const quad = quadraturePairMoments(activationFunctions('erf'), q1, c, q2, gaussHermiteRule(200));
      expect(Math.abs(quad.phiPhi - exact.phiPhi)).toBeLessThan(1e-10);
      expect(Math.abs(quad.dphiDphi - exact.dphiDphi)).toBeLessThan(1e-10);
    }
  });

  it('relu: the arc-cosine closed form matches an independent polar-coordinate quadrature to 1e-12', () => {
    // The polar reference is exact up to Gauss–Legendre on a trigonometric polynomial: float error only.
    for (const [q1, c, q2] of COVARIANCES) {
      const exact = reluPairMoments(q1, c, q2);
      const ref = reluPolarReference(q1, c, q2);
      expect(Math.abs(exact.phiPhi - ref.phiPhi)).toBeLessThan(1e-12 * Math.max(1, q1));
      expect(Math.abs(exact.dphiDphi - ref.dphiDphi)).toBeLessThan(1e-12);
    }
  });

  it('relu: grid quadrature converges only algebraically at the kink (why relu uses the closed form)', () => {
    // Measured: the trapezoidal rule with h = 0.25 has error 2.5e-2 on E[relu′relu′] (a step function) and
    // 6e-3 at h = 0.0625: O(h), unlike the smooth activations (float rounding at h = 0.25).
    const exact = reluPairMoments(1, 0.5, 1);
    const coarse = quadraturePairMoments(activationFunctions('relu'), 1, 0.5, 1, gaussianTrapezoidRule(40));
    const fine = quadraturePairMoments(activationFunctions('relu'), 1, 0.5, 1, gaussianTrapezoidRule(160));
    const eCoarse = Math.abs(coarse.dphiDphi - exact.dphiDphi);
    const eFine = Math.abs(fine.dphiDphi - exact.dphiDphi);
    expect(eCoarse).toBeGreaterThan(1e-6);
    expect(eFine).toBeLessThan(eCoarse);
    expect(eFine).toBeLessThan(1e-2); // still converging: a loose bound, only to show the direction
  });

  it('tanh: the trapezoidal rule agrees with high-order Gauss–Hermite to 1e-12 where the latter converges', () => {
    // Two independent rules. Gauss–Hermite at order 600 converges for q ≤ 4 (measured error < 1e-13: the
    // poles of tanh(√q z) sit at distance π/(2√q) ≥ 0.78), so agreement bounds the trapezoid error.
    // The production path (pairMoments → tanhPairMoments, one tanh per node) is the one checked.
    const f = activationFunctions('tanh');
    for (const [q1, c, q2] of COVARIANCES.filter(([a, , b]) => Math.max(a, b) <= 4)) {
      const t = pairMoments('tanh', q1, c, q2);
      const g = quadraturePairMoments(f, q1, c, q2, gaussHermiteRule(600));
      expect(Math.abs(t.phiPhi - g.phiPhi)).toBeLessThan(1e-12);
      expect(Math.abs(t.dphiDphi - g.dphiDphi)).toBeLessThan(1e-12);
    }
  });

  it('tanh: a halved step changes nothing above 1e-13 even at q = 30 (converged)', () => {
    // Trapezoidal error ∝ exp(−2πa/h): halving h squares it, so the difference bounds the error of the default.
    const f = activationFunctions('tanh');
    for (const [q1, c, q2] of COVARIANCES) {
      const base = trapezoidRuleForVariance(Math.max(q1, q2));
      const half = gaussianTrapezoidRule(2 * ((base.nodes.length - 1) / 2));
      const a = quadraturePairMoments(f, q1, c, q2, base);
      const b = quadraturePairMoments(f, q1, c, q2, half);
      expect(Math.abs(a.phiPhi - b.phiPhi)).toBeLessThan(1e-13);
      expect(Math.abs(a.dphiDphi - b.dphiDphi)).toBeLessThan(1e-13);
    }
  });

  it('gelu: the closed-inner-integral moments match the full 2-D grid and a Gauss–Hermite nested reference', () => {
    // Three evaluations: pairMoments('gelu') (closed inner integral, 1-D trapezoidal outer), the generic 2-D
    // trapezoidal grid on gelu itself (no closed form used), and the closed inner integral with a
    // 400-point Gauss–Hermite outer rule (entire integrand: error < 1e-12 for q ≤ 10). All are accurate to
    // ~1e-15 relative; 1e-10 × scale covers the summation of up to ~10⁵ terms.
    for (const [q1, c, q2] of COVARIANCES.filter(([a, , b]) => Math.max(a, b) <= 10)) {
      const fast = pairMoments('gelu', q1, c, q2);
      const grid = quadraturePairMoments(activationFunctions('gelu'), q1, c, q2);
      const ref = geluNestedReference(q1, c, q2);
      for (const other of [grid, ref]) {
        expect(Math.abs(fast.phiPhi - other.phiPhi)).toBeLessThan(1e-10 * Math.max(1, q1));
        expect(Math.abs(fast.dphiDphi - other.dphiDphi)).toBeLessThan(1e-10);
      }
    }
  });

  it('single moments are the diagonal of the pair moments, and d/dq E[φ²] matches a finite difference', () => {
    // Pair moment at c = q: the same expectation (conditional variance 0) by a different code path: float error.
    // Central difference with step 1e-4 has truncation error ~1e-8·|φ‴|, float error ~1e-12/1e-4: tolerance 1e-7.
    for (const act of ['relu', 'erf', 'tanh', 'gelu'] as KernelActivation[]) {
      for (const q of [0.2, 1, 3]) {
        const single = singleMoments(act, q);
        const pair = pairMoments(act, q, q, q);
        expect(Math.abs(single.phi2 - pair.phiPhi)).toBeLessThan(1e-12);
        expect(Math.abs(single.dphi2 - pair.dphiDphi)).toBeLessThan(1e-12);
        const h = 1e-4;
        const fd = (singleMoments(act, q + h).phi2 - singleMoments(act, q - h).phi2) / (2 * h);
        expect(Math.abs(single.dPhi2dq - fd)).toBeLessThan(1e-7);
      }
    }
  });
});

describe('kernel recursion: structure', () => {
  const rng = Rng.fromSeed(7, 'kernels');
  const x = Array.from({ length: 6 }, () => Array.from({ length: 3 }, () => rng.normal()));

  it('depth 0 is the linear kernel σ_w² x·x′/d + σ_b², NNGP = NTK', () => {
    // Exact arithmetic on a few products: float error only.
    const k = infiniteWidthKernels({ activation: 'tanh', depth: 0, weightVariance: 1.7, biasVariance: 0.3, x });
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 6; j++) {
        const lin = (1.7 * (x[i][0] * x[j][0] + x[i][1] * x[j][1] + x[i][2] * x[j][2])) / 3 + 0.3;
        expect(k.nngp.data[i * 6 + j]).toBeCloseTo(lin, 14);
        expect(k.ntk.data[i * 6 + j]).toBeCloseTo(lin, 14);
      }
  });

  it('relu depth 1 matches the arc-cosine formula by hand, NTK = Σ¹ + Σ⁰Σ̇¹', () => {
    // Closed forms evaluated twice: float error.
    const sw2 = 2;
    const sb2 = 0.1;
    const k = infiniteWidthKernels({ activation: 'relu', depth: 1, weightVariance: sw2, biasVariance: sb2, x });
    const s0 = (a: number[], b: number[]) => (sw2 * (a[0] * b[0] + a[1] * b[1] + a[2] * b[2])) / 3 + sb2;
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 6; j++) {
        const q1 = s0(x[i], x[i]);
        const q2 = s0(x[j], x[j]);
        const c = s0(x[i], x[j]);
        const th = Math.acos(Math.max(-1, Math.min(1, c / Math.sqrt(q1 * q2))));
        const sigma1 = (sw2 * Math.sqrt(q1 * q2) * (Math.sin(th) + (Math.PI - th) * Math.cos(th))) / (2 * Math.PI) + sb2;
        const dot1 = (sw2 * (Math.PI - th)) / (2 * Math.PI);
        expect(Math.abs(k.nngp.data[i * 6 + j] - sigma1)).toBeLessThan(1e-12);
        expect(Math.abs(k.ntk.data[i * 6 + j] - (sigma1 + c * dot1))).toBeLessThan(1e-12);
      }
  });

  it('kernels are symmetric and positive semi-definite; cross-kernels equal blocks of the joint kernel', () => {
    // PSD up to eigen-solver rounding (1e-12 × the largest eigenvalue); blocks are the same arithmetic: 1e-13.
    for (const activation of ['relu', 'erf', 'tanh', 'gelu'] as KernelActivation[]) {
      const input = { activation, depth: 3, weightVariance: 1.8, biasVariance: 0.2, x };
      const both = infiniteWidthKernels(input);
      for (const m of [both.nngp, both.ntk]) {
        for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) expect(m.data[i * 6 + j]).toBe(m.data[j * 6 + i]);
        const ev = eigvalsh(m);
        expect(ev[0]).toBeGreaterThan(-1e-12 * ev[ev.length - 1]);
      }
      const cross = ntk({ ...input, x: x.slice(0, 2), x2: x.slice(2) }).kernel;
      const crossNngp = nngp({ ...input, x: x.slice(0, 2), x2: x.slice(2) }).kernel;
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 4; j++) {
          expect(Math.abs(cross[i][j] - both.ntk.data[i * 6 + j + 2])).toBeLessThan(1e-13 * Math.abs(both.ntk.data[0]) + 1e-15);
          expect(Math.abs(crossNngp[i][j] - both.nngp.data[i * 6 + j + 2])).toBeLessThan(1e-13 * Math.abs(both.nngp.data[0]) + 1e-15);
        }
    }
  });

  it('rejects malformed input naming the field', () => {
    expect(() => nngp({ activation: 'relu', depth: 1, weightVariance: 1, biasVariance: 0, x: [[1, 2], [3]] })).toThrow(/x\[1\]: expected an array of 2 numbers/);
    expect(() => nngp({ activation: 'relu', depth: -1, weightVariance: 1, biasVariance: 0, x: [[1]] })).toThrow(/depth/);
    expect(() => nngp({ activation: 'relu', depth: 1, weightVariance: 1, biasVariance: 0, x: [[1, 2]], x2: [[1]] })).toThrow(/x2\[0\]/);
  });
});

// ---------- Monte Carlo over random finite networks ----------

interface Net {
  /** per layer l = 1..depth+1: weights (N_l × N_{l−1}, standard normal) and biases */
  W: Float64Array[];
  b: Float64Array[];
  widths: number[]; // N_0 = d, N_1..N_depth = width, N_{depth+1} = 1
}

function randomNet(d: number, width: number, depth: number, rng: Rng): Net {
  const widths = [d, ...Array(depth).fill(width), 1];
  const W: Float64Array[] = [];
  const b: Float64Array[] = [];
  for (let l = 1; l < widths.length; l++) {
    W.push(rng.fillNormal(new Float64Array(widths[l] * widths[l - 1])));
    b.push(rng.fillNormal(new Float64Array(widths[l])));
  }
  return { W, b, widths };
}

/** Forward pass in the NTK parameterization: h^l = (σ_w/√N_{l−1}) W^l a^{l−1} + σ_b b^l, a^l = φ(h^l). */
function forward(net: Net, x: number[], act: KernelActivation, sw: number, sb: number): { h: Float64Array[]; a: Float64Array[] } {
  const f = activationFunctions(act);
  const a: Float64Array[] = [Float64Array.from(x)];
  const h: Float64Array[] = [Float64Array.from(x)];
  for (let l = 1; l < net.widths.length; l++) {
    const nIn = net.widths[l - 1];
    const nOut = net.widths[l];
    const scale = sw / Math.sqrt(nIn);
    const W = net.W[l - 1];
    const prev = a[l - 1];
    const hl = new Float64Array(nOut);
    for (let i = 0; i < nOut; i++) {
      let s = 0;
      const row = i * nIn;
      for (let j = 0; j < nIn; j++) s += W[row + j] * prev[j];
      hl[i] = scale * s + sb * net.b[l - 1][i];
    }
    h.push(hl);
    a.push(l === net.widths.length - 1 ? hl : hl.map(f.phi));
  }
  return { h, a };
}

/** Backward: δ^l = ∂f/∂h^l (δ at the output = 1). */
function backward(net: Net, fw: { h: Float64Array[] }, act: KernelActivation, sw: number): Float64Array[] {
  const f = activationFunctions(act);
  const L = net.widths.length - 1;
  const delta: Float64Array[] = new Array(L + 1);
  delta[L] = Float64Array.of(1);
  for (let l = L - 1; l >= 1; l--) {
    const nOut = net.widths[l + 1];
    const nIn = net.widths[l];
    const scale = sw / Math.sqrt(nIn);
    const W = net.W[l];
    const d = new Float64Array(nIn);
    for (let i = 0; i < nOut; i++) {
      const di = delta[l + 1][i] * scale;
      const row = i * nIn;
      for (let j = 0; j < nIn; j++) d[j] += W[row + j] * di;
    }
    for (let j = 0; j < nIn; j++) d[j] *= f.dphi(fw.h[l][j]);
    delta[l] = d;
  }
  return delta;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Empirical NTK of a finite net by the per-layer formula
 *   Θ̂(x, x′) = Σ_l (δ^l·δ^l′) (σ_w² a^{l−1}·a^{l−1}′/N_{l−1} + σ_b²)
 * (the weight gradient of layer l is δ^l ⊗ (σ_w/√N_{l−1}) a^{l−1}, the bias gradient σ_b δ^l).
 * Also the readout-conditional NNGP σ_w² a^depth·a^depth′/N + σ_b² (exact over the readout's own weights).
 */
function empiricalKernels(net: Net, xs: number[][], act: KernelActivation, sw2: number, sb2: number): { ntk: number[][]; nngp: number[][] } {
  const sw = Math.sqrt(sw2);
  const sb = Math.sqrt(sb2);
  const fws = xs.map((x) => forward(net, x, act, sw, sb));
  const deltas = fws.map((fw) => backward(net, fw, act, sw));
  const L = net.widths.length - 1;
  const P = xs.length;
  const ntkM: number[][] = [];
  const nngpM: number[][] = [];
  for (let i = 0; i < P; i++) {
    ntkM.push([]);
    nngpM.push([]);
    for (let j = 0; j < P; j++) {
      let t = 0;
      for (let l = 1; l <= L; l++) {
        const feat = (sw2 * dot(fws[i].a[l - 1], fws[j].a[l - 1])) / net.widths[l - 1] + sb2;
        t += dot(deltas[i][l], deltas[j][l]) * feat;
      }
      ntkM[i].push(t);
      nngpM[i].push((sw2 * dot(fws[i].a[L - 1], fws[j].a[L - 1])) / net.widths[L - 1] + sb2);
    }
  }
  return { ntk: ntkM, nngp: nngpM };
}

describe('empirical NTK formula (test helper) vs finite differences', () => {
  it('matches J Jᵀ from central differences on a tiny net', () => {
    // Central differences with step 1e-6 on O(1) functions: truncation ~1e-12, rounding ~1e-10: tolerance 1e-7.
    const rng = Rng.fromSeed(11, 'fd');
    const net = randomNet(2, 3, 2, rng);
    const xs = [
      [0.3, -1.2],
      [1.1, 0.4],
    ];
    const act: KernelActivation = 'tanh';
    const sw2 = 1.5;
    const sb2 = 0.2;
    const out = (x: number[]) => forward(net, x, act, Math.sqrt(sw2), Math.sqrt(sb2)).h.at(-1)?.[0] ?? Number.NaN;
    const params: Float64Array[] = [...net.W, ...net.b];
    const grads = xs.map((x) => {
      const g: number[] = [];
      for (const p of params)
        for (let k = 0; k < p.length; k++) {
          const old = p[k];
          p[k] = old + 1e-6;
          const up = out(x);
          p[k] = old - 1e-6;
          const down = out(x);
          p[k] = old;
          g.push((up - down) / 2e-6);
        }
      return g;
    });
    const emp = empiricalKernels(net, xs, act, sw2, sb2).ntk;
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) {
        const fd = grads[i].reduce((s, v, k) => s + v * grads[j][k], 0);
        expect(Math.abs(emp[i][j] - fd)).toBeLessThan(1e-7);
      }
  });
});

describe('analytic kernels vs Monte Carlo over random wide networks', () => {
  const xs = [
    [1, 0, 0.5],
    [0.2, -0.9, 0.4],
    [-0.7, 0.3, 1.1],
  ];

  /** |MC − theory| ≤ 5 standard errors + a finite-width bias allowance (O(1/width) relative). */
  function expectWithin(mc: number[][][], theory: number[][], biasRel: number): void {
    for (let i = 0; i < theory.length; i++)
      for (let j = 0; j < theory.length; j++) {
        const { mean, stderr } = meanAndStderr(mc.map((m) => m[i][j]));
        expect(Math.abs(mean - theory[i][j])).toBeLessThanOrEqual(5 * stderr + biasRel * Math.abs(theory[i][j]) + 1e-12);
      }
  }

  it('one hidden layer (every activation): NNGP and NTK are unbiased MC means (width 2000, 200 draws)', () => {
    // With one hidden layer the readout-conditional NNGP and the empirical NTK averaged over the readout are
    // unbiased for Σ¹ and Θ¹ (the hidden pre-activations are exactly Gaussian), so only the standard error
    // matters: 5 SE makes a false failure ~1e-6 per entry. No bias allowance (0).
    for (const act of ['relu', 'erf', 'tanh', 'gelu'] as KernelActivation[]) {
      const rng = Rng.fromSeed(3, 'mc1', act);
      const sw2 = 1.6;
      const sb2 = 0.1;
      const mcN: number[][][] = [];
      const mcT: number[][][] = [];
      for (let draw = 0; draw < 200; draw++) {
        const net = randomNet(3, 2000, 1, rng.child(draw));
        const e = empiricalKernels(net, xs, act, sw2, sb2);
        mcN.push(e.nngp);
        mcT.push(e.ntk);
      }
      const input = { activation: act, depth: 1, weightVariance: sw2, biasVariance: sb2, x: xs };
      expectWithin(mcN, nngp(input).kernel, 0);
      expectWithin(mcT, ntk(input).kernel, 0);
    }
  });

  it('three hidden layers (relu, tanh): NNGP and NTK within MC error plus O(1/width) bias (width 1000, 8 draws)', () => {
    // Deeper layers see the empirical (not the limiting) covariance: the mean of the finite-width kernel
    // differs from the limit by O(depth/width) relative (Hanin & Nica 2019): 1% at width 1000 with depth 3
    // is a generous bound (measured deviations ≲ 0.3%). The NTK's fluctuations are larger, hence 5 SE.
    for (const act of ['relu', 'tanh'] as KernelActivation[]) {
      const rng = Rng.fromSeed(5, 'mc3', act);
      const sw2 = act === 'relu' ? 2 : 1.5;
      const sb2 = 0.05;
      const mcN: number[][][] = [];
      const mcT: number[][][] = [];
      for (let draw = 0; draw < 8; draw++) {
        const net = randomNet(3, 1000, 3, rng.child(draw));
        const e = empiricalKernels(net, xs, act, sw2, sb2);
        mcN.push(e.nngp);
        mcT.push(e.ntk);
      }
      const input = { activation: act, depth: 3, weightVariance: sw2, biasVariance: sb2, x: xs };
      expectWithin(mcN, nngp(input).kernel, 0.01);
      expectWithin(mcT, ntk(input).kernel, 0.01);
    }
  });
});

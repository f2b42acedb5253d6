/**
 * Catalog 5: eigenlearning predicts kernel ridge regression learning curves from the kernel's eigenvalues and the
 * target's eigen-coefficients alone (the paper's Figure 1b, after Fig. 2 of Simon, Dickens, Karkada & DeWeese 2023).
 *
 * Papers. Simon, Dickens, Karkada & DeWeese 2023, "The eigenlearning framework: a conservation law perspective on
 * kernel ridge regression and wide neural networks" (TMLR), Eqs. 3–8; the same equations as Bordelon, Canatar &
 * Pehlevan 2020 (ICML) and Canatar, Bordelon & Pehlevan 2021 (Nat. Commun.); Jacot et al. 2020 (KARE). The kernel is
 * the infinite-width NTK (or NNGP) of a fully connected network (Jacot, Gabriel & Hongler 2018; Lee et al. 2019) from
 * src/theory/kernels.ts. Where it fails: Tomasini, Sclocchi & Wyart 2022, "Failure and success of the spectral bias
 * prediction for Laplace kernel ridge regression: the case of low-dimensional data" (ICML).
 *
 * Setting (default). x uniform on the hypercube {−1, +1}^16 (M = 65536 points, all on the sphere of radius 4; the Boolean
 * hypercube is one of the synthetic domains of Simon et al.), n points drawn without replacement (differs from i.i.d. sampling by O(n/M)).
 * Kernel: the analytic NTK of a one-hidden-layer ReLU net with σ_w² = 2, σ_b² = 0.1. It depends only on the Hamming
 * distance, so its eigenfunctions under the data measure are the Walsh monomials χ_S (degree k = |S|, multiplicity
 * C(16, k)) with eigenvalues from a Krawtchouk transform of the 17 kernel values (./domains.ts):
 * the spectrum fed to the prediction is the exact eigen-decomposition on the data distribution, all 65536 modes.
 * Targets: single eigenfunctions χ_S of degree k ∈ `modeLevels` (random S), and a power-law mixture with power
 * P_k ∝ k^{−β} in degree k ≥ 1 (random signs), unit norm. Labels y = f*(x) + ε, Var ε = ε². KRR
 * f̂ = K(·, X)(K(X, X) + δI)⁻¹y by a dense Cholesky solve (src/core/linalg.ts), for each ridge δ.
 *
 * Prediction (eigenlearning, src/theory/eigenlearning.ts). κ solves Σᵢ λᵢ/(λᵢ + κ) + δ/κ = n; Lᵢ = λᵢ/(λᵢ + κ);
 * E₀ = n/(n − Σᵢ Lᵢ²); clean test MSE E‖f̂ − f*‖² = E₀(Σᵢ (1 − Lᵢ)² vᵢ² + ε²) − ε²; learnability of a mode
 * E⟨φᵢ, f̂_{φᵢ}⟩ = Lᵢ; conservation law Σᵢ Lᵢ = n − δ/κ (= n ridgeless). Assumption: the eigenfunctions behave like
 * Gaussian features (universality); asymptotic in n, but accurate down to n ≈ 10 in Simon et al.
 *
 * Measured. For each n and δ, `draws` independent training sets: the clean test MSE ∫(f̂ − f*)² over the data
 * measure, estimated on `testPoints` fresh uniform points (unbiased); each single mode's learnability
 * ⟨φ, f̂⟩ = λ φ(X)ᵀ(K + δI)⁻¹y, exact because ⟨φ, K(·, x)⟩ = λ φ(x) under the data measure. Conservation law: at
 * n = `conservationN`, ridgeless, the learnability of each level (all modes of one degree or frequency) measured as
 * L̂_ℓ = λ_ℓ Tr(K⁻¹ P_ℓ) with P_ℓ = Σ_{φ in level ℓ} φ(X)φ(X)ᵀ, averaged over draws.
 *
 * Pass. The catalog's: the relative error of the mean test MSE ≤ 10% for n ≥ 16 and ≤ 20% for n < 16, for every
 * target and ridge (ridges {0, 0.1}); the measured learnabilities of a complete orthonormal set of low modes sum to
 * n ± 5% (ridgeless).
 * Deviations, with the reasons:
 *  1. The hypercube, not the circle, by default. On the 1-D circle (`domain: 'circle'`, ReLU NTK spectrum
 *     λ_q ≈ 0.106 q^{−2}) ridgeless KRR misses the prediction badly: measured / predicted test MSE of √2 cos(θ + ψ) is
 *     1.7, 14, 5.0, 11, 7.0, 6.5 at n = 4, 8, …, 128 and of √2 cos(4θ + ψ) up to 6.6 (quick profile with
 *     `domain: 'circle', modeLevels: [1, 4, 16]`, seed 0); with δ = 0.1 the ratio falls to 1.1–1.3 at n ≥ 32 but is
 *     3.0 at n = 8. That is the known failure of the spectral-bias (Gaussian-equivalence) prediction for ridgeless
 *     KRR on low-dimensional data (Tomasini et al. 2022), so low-dimensional data is flagged out-of-regime rather than
 *     counted as a falsification: by a diagnostic of the data, the participation ratio of the input covariance
 *     (16 on this cube, 2 on the circle; need ≥ 8), not by the domain's name. The catalog's example set-up was the circle; its alternatives (Gaussian data) are
 *     high-dimensional like this cube, on which every point agrees within 10% (the largest deviation is a
 *     systematic +5–8% for the degree-1 mode at n = 128–256, where its MSE is ~1e-3 of its norm: 60 draws × 8
 *     modes, relative SE 1.5%).
 *  2. The conservation law. On the hypercube the ReLU NTK spreads learnability over a flat tail of ~65000
 *     high-degree modes (they act as an effective ridge), so no small set of "low modes" holds 95% of n: the
 *     degrees ≤ 3 hold 82% of n = 32 (predicted). Summed over all 17 degree levels (a complete orthonormal set) the
 *     measured learnabilities are exactly n for every draw (Tr K⁻¹K = n): the catalog's ±5% then only checks
 *     arithmetic, and it is kept as such. The content of the law — how the budget n is split between modes — is
 *     tested by an added metric: Σ_ℓ |L̂_ℓ − L_ℓ| / n ≤ 5% (L_ℓ = multiplicity × λ_ℓ/(λ_ℓ + κ); at most 5% of the
 *     budget misallocated, the catalog's 5%; the per-draw split fluctuates by a few % of n, averaged over draws).
 *     On the circle the levels are the frequencies q ≤ `conservationMaxLevel` and the sum is not an identity.
 */
import { z } from 'zod';
import { solveSpd } from '../../core/linalg.ts';
import type { Rng } from '../../core/random.ts';
import { throwIfAborted } from '../../nn/train.ts';
import { eigenlearning } from '../../theory/eigenlearning.ts';
import { infiniteWidthKernels } from '../../theory/kernels.ts';
import { defineStudy, type Figure, type MetricSpec, type Observations, type RegimeCheck, type Scalars, type Series } from '../types.ts';
import {
  circleDomain,
  eigenvaluesWithMultiplicity,
  hypercubeDomain,
  type KernelOnPoints,
  type KrrDomain,
  levelCoefficients,
  levelOffsets,
  samplePoints,
} from './domains.ts';

const Params = z.object({
  /** data distribution: uniform on the hypercube {±1}^d, or on an M-point lattice of the circle */
  domain: z.enum(['hypercube', 'circle']).default('hypercube'),
  /** hypercube dimension d (M = 2^d) */
  dimension: z.number().int().min(4).max(18).default(16),
  /** circle: M = 2^latticeLog2 points */
  latticeLog2: z.number().int().min(10).max(18).default(16),
  kernel: z.enum(['ntk', 'nngp']).default('ntk'),
  /** activations with closed-form Gaussian moments (tanh/gelu would need one 2-D quadrature per kernel value) */
  activation: z.enum(['relu', 'erf']).default('relu'),
  /** hidden layers of the network whose kernel is used */
  depth: z.number().int().min(1).max(4).default(1),
  weightVariance: z.number().positive().max(10).default(2),
  biasVariance: z.number().min(0).max(10).default(0.1),
  sizes: z.array(z.number().int().min(2).max(1024)).min(3).default([4, 8, 16, 32, 64, 128, 256]),
  ridges: z.array(z.number().min(0).max(100)).min(1).default([0, 0.1]),
  /** label-noise variance ε² */
  noise: z.number().min(0).max(10).default(0),
  /** single-eigenfunction targets: their level (hypercube degree or circle frequency), each ≥ 1 */
  modeLevels: z.array(z.number().int().min(1)).default([1, 2, 3]),
  /** random modes of each single-mode level per draw (same expected MSE by symmetry; averaging cuts the variance) */
  modesPerLevel: z.number().int().min(1).max(64).default(8),
  /** power-law target: power P_ℓ ∝ ℓ^{−β} in every level ℓ ≥ 1 */
  powerLawExponent: z.number().min(1.2).max(8).default(2),
  /** training-set draws per (n, δ) */
  draws: z.number().int().min(2).max(2000).default(40),
  /** fresh test points per draw for the test MSE */
  testPoints: z.number().int().min(64).max(1 << 18).default(4096),
  /** n for the conservation-law measurement (ridgeless) */
  conservationN: z.number().int().min(2).max(512).default(32),
  /** levels 0..this enter the conservation sum (all 17 on the default hypercube) */
  conservationMaxLevel: z.number().int().min(1).max(1 << 17).default(1024),
});
type P = z.infer<typeof Params>;

function kernelOnPoints(p: P): KernelOnPoints {
  return (reference, points) => {
    const k = infiniteWidthKernels({ activation: p.activation, depth: p.depth, weightVariance: p.weightVariance, biasVariance: p.biasVariance, x: [reference], x2: points });
    return Float64Array.from((p.kernel === 'ntk' ? k.ntk : k.nngp).data);
  };
}

function makeDomain(p: P): KrrDomain {
  return p.domain === 'hypercube' ? hypercubeDomain(p.dimension, kernelOnPoints(p)) : circleDomain(p.latticeLog2, kernelOnPoints(p));
}

interface Target {
  label: string;
  /** power per level (sums to 1) */
  power: Float64Array;
  /** level of a single-mode target, else null */
  level: number | null;
}

function targets(p: P, domain: KrrDomain): Target[] {
  const levels = domain.levelEigenvalues.length;
  const out: Target[] = [];
  const word = domain.name === 'hypercube' ? 'degree' : 'frequency';
  for (const k of p.modeLevels) {
    if (k >= levels) throw new Error(`modeLevels: level ${k} does not exist on this domain (levels 0..${levels - 1})`);
    const power = new Float64Array(levels);
    power[k] = 1;
    out.push({ label: `mode, ${word} ${k}`, power, level: k });
  }
  const power = new Float64Array(levels);
  let s = 0;
  // the circle's Nyquist level has a single mode that the mixture's cosines cannot carry: stop below it
  const last = domain.name === 'circle' ? levels - 2 : levels - 1;
  for (let k = 1; k <= last; k++) {
    power[k] = k ** -p.powerLawExponent;
    s += power[k];
  }
  for (let k = 1; k <= last; k++) power[k] /= s;
  out.push({ label: `power law β=${p.powerLawExponent}`, power, level: null });
  return out;
}

const ridgeLabel = (d: number): `δ=${number}` => `δ=${d}`;
/** The prediction's overall factor on every test MSE (1): the scalar detection power perturbs for the MSE metrics. */
const MSE_FACTOR = 'test MSE factor (×)';
const SUM_KEY = 'learnability sum over the included levels';
/**
 * The keys of `predict`'s scalars: the test MSE per (target, δ, n), E₀ and κ per (δ, n), the learnability of each
 * level at n_c, the learnability sums and the MSE factor.
 */
type PredKey =
  | typeof MSE_FACTOR
  | typeof SUM_KEY
  | 'learnability sum over all modes'
  | `test MSE[${string}, δ=${number}, n=${number}]`
  | `E₀[δ=${number}, n=${number}]`
  | `κ[δ=${number}, n=${number}]`
  | `learnability of level ${number}`;
const mseKey = (target: string, ridge: number, n: number): PredKey => `test MSE[${target}, ${ridgeLabel(ridge)}, n=${n}]`;
const levelKey = (l: number): PredKey => `learnability of level ${l}`;
const e0Key = (ridge: number, n: number): PredKey => `E₀[${ridgeLabel(ridge)}, n=${n}]`;

/**
 * The rival without the overfitting coefficient: E = Σ(1 − Lᵢ)²vᵢ² (the bias term alone, E₀ = 1), from the
 * prediction's E = E₀(Σ(1 − Lᵢ)²vᵢ² + ε²) − ε² and its E₀ per (δ, n). A referee's first guess for a "spectral bias"
 * learning curve; eigenlearning's E₀ = n/(n − ΣLᵢ²) is what makes the ridgeless curve right.
 */
function withoutOverfittingCoefficient(p: P, pred: Observations<PredKey>): Observations<PredKey> {
  // keys are matched by pattern here, so the copy is indexed by string
  const scalars: Record<string, number | undefined> = { ...pred.scalars };
  for (const key of Object.keys(scalars)) {
    const m = /^test MSE\[.*, (δ=[^,]+), n=(\d+)\]$/.exec(key);
    if (!m) continue;
    const e0 = scalars[`E₀[${m[1]}, n=${m[2]}]`] ?? Number.NaN;
    scalars[key] = ((scalars[key] ?? Number.NaN) + p.noise) / e0 - p.noise;
  }
  return { ...pred, scalars };
}

function conservationLevels(p: P, domain: KrrDomain): number {
  return Math.min(p.conservationMaxLevel, domain.levelEigenvalues.length - 1);
}

/** K(X, X) + δI. */
function gram(idx: Int32Array, domain: KrrDomain, ridge: number): Float64Array {
  const n = idx.length;
  const g = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b <= a; b++) {
      const v = domain.table[domain.classOf(idx[a], idx[b])];
      g[a * n + b] = v;
      g[b * n + a] = v;
    }
    g[a * n + a] += ridge;
  }
  return g;
}

interface DrawResult {
  /** clean test MSE per target (a single-mode target: the mean over its `modesPerLevel` modes) */
  mse: Float64Array;
  /** ⟨φ, f̂⟩ per target, the mean over its modes (NaN for mixtures) */
  learnability: Float64Array;
}

/**
 * One training set: KRR for every target column at once, then the clean test MSE on fresh points and the mode
 * learnabilities. A single-mode target contributes `modesPerLevel` random modes of its level as separate columns (all
 * have the same expected MSE by the domain's symmetry, so their mean has the same expectation and a smaller variance).
 */
function krrDraw(domain: KrrDomain, mixtures: Map<number, Float64Array>, tg: Target[], n: number, ridge: number, p: P, rng: Rng): DrawResult {
  const M = domain.size;
  const cols: { target: number; f: (x: number) => number }[] = [];
  tg.forEach((t, c) => {
    if (t.level === null) {
      const table = mixtures.get(c) as Float64Array;
      cols.push({ target: c, f: (x) => table[x] });
    } else for (let m = 0; m < p.modesPerLevel; m++) cols.push({ target: c, f: domain.singleMode(t.level, rng.child('mode', c, m)) });
  });
  const C = cols.length;
  const idx = samplePoints(n, M, rng);
  const noiseSd = Math.sqrt(p.noise);
  const clean = new Float64Array(n * C);
  const y = new Float64Array(n * C);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) {
      clean[i * C + c] = cols[c].f(idx[i]);
      y[i * C + c] = clean[i * C + c] + (noiseSd > 0 ? noiseSd * rng.normal() : 0);
    }
  }
  const alpha = solveSpd({ rows: n, cols: n, data: gram(idx, domain, ridge) }, { rows: n, cols: C, data: y }).data;
  const err = new Float64Array(C);
  const pred = new Float64Array(C);
  for (let m = 0; m < p.testPoints; m++) {
    const x = rng.int(M);
    pred.fill(0);
    for (let i = 0; i < n; i++) {
      const kv = domain.table[domain.classOf(x, idx[i])];
      const row = i * C;
      for (let c = 0; c < C; c++) pred[c] += kv * alpha[row + c];
    }
    for (let c = 0; c < C; c++) err[c] += (pred[c] - cols[c].f(x)) ** 2;
  }
  const T = tg.length;
  const mse = new Float64Array(T);
  const learnability = new Float64Array(T);
  const count = new Float64Array(T);
  for (let c = 0; c < C; c++) {
    const t = cols[c].target;
    mse[t] += err[c] / p.testPoints;
    count[t]++;
    const level = tg[t].level;
    if (level === null) continue;
    // ⟨φ, f̂⟩ = λ Σᵢ αᵢ φ(xᵢ), exact (φ = the clean single-mode target, unit norm)
    let s = 0;
    for (let i = 0; i < n; i++) s += alpha[i * C + c] * clean[i * C + c];
    learnability[t] += domain.levelEigenvalues[level] * s;
  }
  for (let t = 0; t < T; t++) {
    mse[t] /= count[t];
    learnability[t] = tg[t].level === null ? Number.NaN : learnability[t] / count[t];
  }
  return { mse, learnability };
}

export const eigenlearningCurves = defineStudy<P, PredKey>(Params, {
  id: 'eigenlearning-curves',
  catalog: 5,
  pillar: 'solvable',
  title: 'Eigenlearning predicts kernel regression learning curves',
  claim:
    'The average test error of kernel (ridge) regression with a network kernel is predicted, at every sample size, from the kernel eigenvalues and the target eigen-coefficients alone; the learnabilities of all modes sum to n.',
  formula:
    '\\sum_i \\frac{\\lambda_i}{\\lambda_i+\\kappa}+\\frac{\\delta}{\\kappa}=n,\\quad \\mathcal L_i=\\frac{\\lambda_i}{\\lambda_i+\\kappa},\\quad \\mathcal E=\\frac{n}{n-\\sum_i\\mathcal L_i^2}\\Big(\\sum_i(1-\\mathcal L_i)^2v_i^2+\\epsilon^2\\Big)',
  papers: [
    'Simon, Dickens, Karkada & DeWeese 2023, The eigenlearning framework: a conservation law perspective on kernel ridge regression and wide neural networks (TMLR)',
    'Bordelon, Canatar & Pehlevan 2020, Spectrum dependent learning curves in kernel regression and wide neural networks (ICML)',
    'Canatar, Bordelon & Pehlevan 2021, Spectral bias and task-model alignment explain generalization in kernel regression and infinitely wide neural networks (Nat. Commun.)',
    'Jacot, Gabriel & Hongler 2018, Neural tangent kernel (NeurIPS)',
    'Tomasini, Sclocchi & Wyart 2022, Failure and success of the spectral bias prediction for Laplace kernel ridge regression: the case of low-dimensional data (ICML)',
  ],
  core: true,
  quick: { sizes: [4, 8, 16, 32, 64, 128], draws: 30, testPoints: 2048 },
  controls: [
    {
      name: 'no overfitting coefficient (E₀ = 1)',
      description: 'the bias term Σ(1 − Lᵢ)²vᵢ² alone as the test MSE: the naive spectral-bias curve without eigenlearning’s E₀ = n/(n − ΣLᵢ²)',
      predict: (p, pred) => withoutOverfittingCoefficient(p, pred),
    },
  ],
  seeds: { default: 5, threshold: 0.5 },

  predict(p): Observations<PredKey> {
    const domain = makeDomain(p);
    const eigenvalues = eigenvaluesWithMultiplicity(domain);
    const offsets = levelOffsets(domain);
    const sizes = [...p.sizes].sort((a, b) => a - b);
    const scalars: Scalars<PredKey> = {};
    const series: Series[] = [];
    for (const t of targets(p, domain)) {
      const v = levelCoefficients(domain, t.power);
      for (const ridge of p.ridges) {
        const ys: number[] = [];
        const ls: number[] = [];
        for (const n of sizes) {
          const r = eigenlearning({ eigenvalues, targetCoefficients: v, n, ridge, noise: p.noise });
          scalars[mseKey(t.label, ridge, n)] = r.testMseClean;
          scalars[e0Key(ridge, n)] = r.overfittingCoefficient;
          ys.push(r.testMseClean);
          ls.push(r.targetLearnability);
          if (t.level !== null && t.level === p.modeLevels[0]) scalars[`κ[${ridgeLabel(ridge)}, n=${n}]` as const] = r.kappa;
        }
        series.push({ name: `test MSE (${ridgeLabel(ridge)})`, group: t.label, kind: 'predicted', x: sizes, y: ys });
        if (t.level !== null) series.push({ name: `learnability (${ridgeLabel(ridge)})`, group: t.label, kind: 'predicted', x: sizes, y: ls });
      }
    }
    // conservation law: the theory's learnability of each level at n = conservationN, ridgeless
    const top = conservationLevels(p, domain);
    const r = eigenlearning({ eigenvalues, targetCoefficients: new Array<number>(eigenvalues.length).fill(0), n: p.conservationN, ridge: 0, noise: 0 });
    let low = 0;
    const xs: number[] = [];
    const ys: number[] = [];
    for (let l = 0; l <= top; l++) {
      const per = r.learnabilities[offsets[l]];
      const lev = per * domain.levelMultiplicity[l];
      scalars[levelKey(l)] = lev;
      low += lev;
      if (plotLevel(domain, l)) {
        xs.push(l);
        ys.push(per);
      }
    }
    scalars[SUM_KEY] = low;
    scalars['learnability sum over all modes'] = r.learnabilitySum;
    scalars[MSE_FACTOR] = 1;
    series.push({ name: 'per-mode learnability at n_c', group: 'ridgeless', kind: 'predicted', x: xs, y: ys });
    return { scalars, series };
  },

  measure(p, ctx) {
    const domain = makeDomain(p);
    const sizes = [...p.sizes].sort((a, b) => a - b);
    const tg = targets(p, domain);
    const T = tg.length;
    // The mixture targets are drawn once (random signs / phases): the prediction depends only on the power per level.
    const mixtures = new Map<number, Float64Array>();
    tg.forEach((t, c) => {
      if (t.level === null) mixtures.set(c, domain.mixture(t.power, ctx.rng.child('mixture', c)));
    });
    const columns = tg.reduce((s, t) => s + (t.level === null ? 1 : p.modesPerLevel), 0);
    const scalars: Record<string, number> = {};
    const series: Series[] = [];
    const notes: string[] = [];
    const mse = new Map<string, number[]>();
    const learn = new Map<string, number[]>();
    let worstSe = 0;
    let worstSeAt = '';
    const cost = (n: number) => n * (n * n + p.testPoints * columns);
    const total = sizes.reduce((s, n) => s + cost(n), 0) * p.ridges.length * p.draws + p.draws * p.conservationN ** 3;
    let done = 0;
    for (const ridge of p.ridges) {
      for (const n of sizes) {
        const sum = new Float64Array(T);
        const sumSq = new Float64Array(T);
        const lsum = new Float64Array(T);
        for (let d = 0; d < p.draws; d++) {
          throwIfAborted(ctx.signal);
          const r = krrDraw(domain, mixtures, tg, n, ridge, p, ctx.rng.child('draw', ridge, n, d));
          for (let c = 0; c < T; c++) {
            sum[c] += r.mse[c];
            sumSq[c] += r.mse[c] ** 2;
            lsum[c] += r.learnability[c];
          }
          done += cost(n);
          ctx.progress(done / total, `${ridgeLabel(ridge)}, n = ${n}, draw ${d + 1}/${p.draws}`);
        }
        tg.forEach((t, c) => {
          const mean = sum[c] / p.draws;
          const se = Math.sqrt(Math.max(0, sumSq[c] / p.draws - mean * mean) / (p.draws - 1));
          scalars[mseKey(t.label, ridge, n)] = mean;
          scalars[`relative SE of ${mseKey(t.label, ridge, n)}`] = se / mean;
          if (se / mean > worstSe) {
            worstSe = se / mean;
            worstSeAt = `${t.label}, ${ridgeLabel(ridge)}, n=${n}`;
          }
          const k = `${ridgeLabel(ridge)}|${t.label}`;
          mse.set(k, [...(mse.get(k) ?? []), mean]);
          if (t.level !== null) learn.set(k, [...(learn.get(k) ?? []), lsum[c] / p.draws]);
          ctx.emit?.({ name: `test MSE (${ridgeLabel(ridge)})`, group: t.label, x: n, y: mean });
        });
      }
    }
    for (const ridge of p.ridges) {
      for (const t of tg) {
        const k = `${ridgeLabel(ridge)}|${t.label}`;
        series.push({ name: `test MSE (${ridgeLabel(ridge)})`, group: t.label, kind: 'measured', x: sizes, y: mse.get(k) ?? [] });
        if (t.level !== null) series.push({ name: `learnability (${ridgeLabel(ridge)})`, group: t.label, kind: 'measured', x: sizes, y: learn.get(k) ?? [] });
      }
    }
    notes.push(`Largest relative standard error of a mean test MSE over ${p.draws} draws: ${(100 * worstSe).toFixed(1)}% (${worstSeAt}).`);

    // Conservation law: L̂_ℓ = λ_ℓ Tr(K⁻¹P_ℓ) per level, ridgeless, n = conservationN.
    const n = p.conservationN;
    const top = conservationLevels(p, domain);
    const perLevel = new Float64Array(top + 1);
    let sumLow = 0;
    let sumLowSq = 0;
    for (let d = 0; d < p.draws; d++) {
      throwIfAborted(ctx.signal);
      const idx = samplePoints(n, domain.size, ctx.rng.child('conservation', d));
      const eye = new Float64Array(n * n);
      for (let i = 0; i < n; i++) eye[i * n + i] = 1;
      const kinv = solveSpd({ rows: n, cols: n, data: gram(idx, domain, 0) }, { rows: n, cols: n, data: eye }).data;
      let s = 0;
      for (let l = 0; l <= top; l++) {
        let tr = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) tr += kinv[i * n + j] * domain.levelProjector(l, idx[j], idx[i]);
        const lev = domain.levelEigenvalues[l] * tr;
        perLevel[l] += lev / p.draws;
        s += lev;
      }
      sumLow += s;
      sumLowSq += s * s;
      done += n ** 3;
      ctx.progress(Math.min(1, done / total), `conservation law, draw ${d + 1}/${p.draws}`);
    }
    const meanSum = sumLow / p.draws;
    scalars['learnability sum over the included levels'] = meanSum;
    scalars['relative SE of the learnability sum'] = Math.sqrt(Math.max(0, sumLowSq / p.draws - meanSum ** 2) / (p.draws - 1)) / meanSum;
    const xs: number[] = [];
    const ys: number[] = [];
    for (let l = 0; l <= top; l++) {
      scalars[levelKey(l)] = perLevel[l];
      if (plotLevel(domain, l)) {
        xs.push(l);
        ys.push(perLevel[l] / domain.levelMultiplicity[l]);
      }
    }
    series.push({ name: 'per-mode learnability at n_c', group: 'ridgeless', kind: 'measured', x: xs, y: ys });
    const word = domain.name === 'hypercube' ? 'degree' : 'frequency';
    notes.push(
      `Conservation law at n = ${n}: the measured learnabilities of all modes of ${word} ≤ ${top} sum to ${meanSum.toFixed(6)} (mean over ${p.draws} draws)${top === domain.levelEigenvalues.length - 1 ? ', a complete orthonormal set, so n up to rounding' : ''}.`,
    );
    scalars['input dimension (participation ratio)'] = domain.inputDimension;
    return { scalars, series, notes };
  },

  compare(pred, meas, p) {
    const sizes = [...p.sizes].sort((a, b) => a - b);
    const complete = p.domain === 'hypercube' ? p.dimension : 2 ** (p.latticeLog2 - 1);
    const top = Math.min(p.conservationMaxLevel, complete);
    const word = p.domain === 'hypercube' ? 'degree' : 'frequency';
    const labels = p.modeLevels.map((k) => `mode, ${word} ${k}`).concat(`power law β=${p.powerLawExponent}`);
    const metrics: MetricSpec<PredKey>[] = [];
    const predicted = (key: PredKey): number => pred.scalars[key] ?? Number.NaN;
    const factor = predicted(MSE_FACTOR);
    for (const ridge of p.ridges) {
      for (const [range, lo, hi, tol] of [
        ['n ≥ 16', 16, Number.POSITIVE_INFINITY, 0.1],
        ['n < 16', 0, 15, 0.2],
      ] as const) {
        let worst = -1;
        let at = '';
        for (const label of labels) {
          for (const n of sizes) {
            if (n < lo || n > hi) continue;
            const k = mseKey(label, ridge, n);
            const e = Math.abs(meas.scalars[k] / (factor * predicted(k)) - 1);
            if (!Number.isFinite(e)) {
              worst = Number.NaN;
              at = `${label}, n=${n}`;
            } else if (!Number.isNaN(worst) && e > worst) {
              worst = e;
              at = `${label}, n=${n} (measured ${meas.scalars[k].toPrecision(3)}, predicted ${predicted(k).toPrecision(3)})`;
            }
          }
        }
        if (worst === -1) continue;
        metrics.push({
          name: `max relative error of the test MSE, ${range}, ${ridgeLabel(ridge)}`,
          value: worst,
          criterion: { op: '<=', bound: tol },
          reason: `catalog: ≤ ${100 * tol}% ${range === 'n ≥ 16' ? 'for n ≥ 16' : 'at smaller n (the equations are asymptotic in n)'}; the worst case over every target and n`,
          description: `worst at ${at}`,
          prediction: MSE_FACTOR,
        });
      }
    }
    const n = p.conservationN;
    metrics.push({
      name: `learnability sum over all modes of ${word} ≤ ${top}, / n (n = ${n}, ridgeless)`,
      value: meas.scalars[SUM_KEY] / n,
      criterion: { op: 'rel', target: predicted(SUM_KEY) / n, tol: 0.05 },
      prediction: SUM_KEY,
      reason:
        top === complete
          ? 'catalog: the conservation law ΣLᵢ = n ± 5%; over this complete set it is the identity Tr K⁻¹K = n (see the header)'
          : 'catalog: the conservation law ΣLᵢ = n ± 5% over a complete set of low modes',
      description: `predicted for these modes: ${(predicted(SUM_KEY) / n).toFixed(4)} × n`,
    });
    let misallocated = 0;
    let largest = 0;
    for (let l = 0; l <= top; l++) {
      misallocated += Math.abs(meas.scalars[levelKey(l)] - predicted(levelKey(l)));
      if (predicted(levelKey(l)) > predicted(levelKey(largest))) largest = l;
    }
    metrics.push({
      name: 'learnability budget misallocated across levels, Σ|L̂_ℓ − L_ℓ| / n',
      value: misallocated / n,
      criterion: { op: '<=', bound: 0.05 },
      reason: 'added: how the conservation law splits n between modes (L_ℓ = multiplicity·λ_ℓ/(λ_ℓ + κ)); ≤ 5% of n, the catalog’s 5%',
      prediction: levelKey(largest),
    });
    const nMax = sizes[sizes.length - 1];
    const M = p.domain === 'hypercube' ? 2 ** p.dimension : 2 ** p.latticeLog2;
    const dim = meas.scalars['input dimension (participation ratio)'];
    const regime: RegimeCheck[] = [
      {
        name: 'high-dimensional inputs (the Gaussian-equivalence assumption)',
        ok: dim >= 8,
        value: dim,
        detail: `effective input dimension ${dim.toFixed(2)} (participation ratio of the input covariance; need ≥ 8): low-dimensional data is where ridgeless KRR with a power-law spectrum is known to miss the spectral-bias prediction (Tomasini, Sclocchi & Wyart 2022)`,
      },
      { name: 'enough draws per point', ok: p.draws >= 20, detail: `${p.draws} draws (catalog: ≥ 20)` },
      { name: 'sampling without replacement ≈ i.i.d.', ok: nMax <= M / 64, detail: `largest n = ${nMax} vs M = ${M} points (need n ≤ M/64)` },
      { name: 'n range covers both tolerance bands', ok: sizes[0] < 16 && nMax >= 64, detail: `n from ${sizes[0]} to ${nMax} (need some n < 16 and some n ≥ 64)` },
    ];
    return { metrics, regime };
  },

  figures(p) {
    const what = `${p.activation} ${p.kernel.toUpperCase()} on the ${p.domain === 'hypercube' ? `hypercube {±1}^${p.dimension}` : 'circle'}`;
    const figs: Figure[] = p.ridges.map((ridge, i) => ({
      id: `test-mse-ridge-${i}`,
      title: `KRR learning curves, ${what} (${ridgeLabel(ridge)})`,
      x: { label: 'training samples n', log: true },
      y: { label: 'test MSE ‖f̂ − f*‖² (mean over draws)', log: true },
      series: [{ name: `test MSE (${ridgeLabel(ridge)})` }],
      caption: 'Dashed: eigenlearning from the exact kernel spectrum on the data distribution (no fit). Solid: dense KRR solves, averaged over training-set draws.',
    }));
    figs.push({
      id: 'mode-learnability',
      title: `Learnability of single eigenmodes vs n (${ridgeLabel(p.ridges[0])})`,
      x: { label: 'training samples n', log: true },
      y: { label: '⟨φ, f̂_φ⟩' },
      series: [{ name: `learnability (${ridgeLabel(p.ridges[0])})` }],
      caption: 'Dashed: λ/(λ + κ(n)). Solid: measured ⟨φ, f̂⟩ = λ φ(X)ᵀ(K + δI)⁻¹y.',
    });
    figs.push({
      id: 'conservation',
      title: `Per-mode learnability at n = ${p.conservationN}, ridgeless (Σ over all modes = n)`,
      x: { label: p.domain === 'hypercube' ? 'degree k' : 'frequency q', log: p.domain === 'circle' },
      y: { label: 'learnability per mode', log: true },
      series: [{ name: 'per-mode learnability at n_c' }],
      caption: 'Dashed: λ/(λ + κ). Solid: measured λ_ℓ Tr(K⁻¹P_ℓ)/multiplicity, averaged over draws.',
    });
    return figs;
  },
});

/** Levels drawn in the conservation figure: all hypercube degrees; circle frequencies 0 and powers of 2. */
function plotLevel(domain: KrrDomain, l: number): boolean {
  return domain.name === 'hypercube' || l === 0 || (l & (l - 1)) === 0;
}

/**
 * Catalog 22: the neural feature ansatz (NFA) — after training, the Gram matrix of the first layer is
 * proportional to a power of the average gradient outer product of the trained network (the paper's equation 3;
 * Radhakrishnan, Beaglehole, Pandit & Belkin 2024, "Mechanism for feature learning in neural networks and
 * backpropagation-free machine learning models", Science 383; AGOP^{1/2} in Beaglehole et al. 2023, "Mechanism of
 * feature learning in convolutional neural networks"; partial theory: Ziyin et al. 2024; Boix-Adserà et al. 2025,
 * "features at convergence theorem").
 *
 *     W₁ᵀW₁ ∝ AGOP^α,   AGOP = (1/n) Σ_i ∇_x f(x_i) ∇_x f(x_i)ᵀ,   α ∈ {1, ½}
 *
 * Setting (catalog). Multi-index teacher y = g(Uᵀx), x ~ N(0, I_20), U ∈ R^{20×2} orthonormal (Haar), g = sin-sum
 * g(z) = sin(2z₁) + sin(2z₂) (or product z₁z₂). A 2-hidden-layer ReLU MLP [20, h, h, 1] in standard
 * parameterization trained full batch on n examples with AdamW (decoupled weight decay λ, src/nn/optim.ts) on the
 * mean squared error. W₁ (h×20, rows = neurons) is the first layer; the AGOP (src/observe/agop.ts) is measured on
 * held-out inputs, as in the catalog.
 *
 * Prediction. (i) corr(W₁ᵀW₁, AGOP^α) = 1 entrywise; (ii) the top-2 eigenspace of W₁ᵀW₁ is span(U): the AGOP of
 * any function of Uᵀx is supported on span(U) (∇_x g(Uᵀx) = U∇g), so a first layer that satisfies the ansatz has
 * learned the relevant subspace. The scatter figure draws the prediction as the dashed line y = x between the
 * Frobenius-normalized matrices (proportionality, not just correlation).
 *
 * Measured: the Pearson correlation of the d² entries of W₁ᵀW₁ with AGOP and with AGOP^{1/2} (catalog: report both),
 * during training and at the end; the overlap ‖P₂ᵀU‖²_F/2 of the top-2 eigenspace P₂ of W₁ᵀW₁ with span(U).
 *
 * Pass (catalog): Pearson > 0.9 after training for both α = 1 and α = ½; top-2 overlap > 0.9.
 *
 * Deviation (the init control). The catalog asks that "the same correlation at init is < 0.3". It is not, for a
 * structural reason: for a network f = a·φ(W₂φ(W₁x)), AGOP = W₁ᵀ K W₁ with K = E_x[D₁ v vᵀ D₁] (D₁ the first
 * layer's ReLU mask, v the back-propagated vector), and at random init K ≈ c·I, so AGOP ≈ c·W₁ᵀW₁ and both matrices
 * are ≈ isotropic. The entrywise Pearson correlation is then dominated by the diagonal-vs-off-diagonal contrast that
 * the two share: we measure 0.5–0.7 (α = 1) and 0.8–0.9 (α = ½) at init for widths 16–256. That is the ansatz
 * holding trivially, not a failure of it. The informative control is the same correlation on the trace-free parts
 * A − (tr A/d)·I (which removes the shared isotropic part and keeps only the anisotropic structure the ansatz is
 * about): at init it measures the residual alignment through K's fluctuations, 0.3–0.45 at width 64 and 0.28–0.34 at
 * width 128 (it falls slowly with width), against 0.95–0.99 after training. We therefore require the trace-free correlation
 * (α = 1) to be ≤ 0.5 at init and ≥ 0.9 after training, and report the catalog's full-matrix correlation at init as
 * a number without a bound.
 *
 * Weight decay. Standard-init training without weight decay leaves the random isotropic bulk W₀ᵀW₀ ≈ (h/d)·I in
 * W₁ᵀW₁ (the gradient never removes it), which caps the correlation near 0.7–0.85; decoupled weight decay
 * (λ = 3, η = 3e-3: the bulk decays as e^{−ηλt}, a factor e^{−3.6} over the quick run; λ = 2 gave 0.90–0.97 at α = 1) removes it, as in Radhakrishnan et al., whose networks are trained
 * with weight decay or from small init. Regime checks: the network has learned the task (held-out relative MSE) and
 * its AGOP lives in span(U) (otherwise the comparison says nothing about learned features).
 *
 * Measured with the isotropic link used before issue 13 (seeds 0–4, quick profile width 64, n = 1500, 400 steps): Pearson 0.93–0.97 (α = 1), 0.96–0.99 (α = ½),
 * trace-free 0.94–0.98 after training against 0.30–0.39 at init, top-2 overlap ≥ 0.99. Default (width 128, n = 2000,
 * 600 steps, seed 0): 0.961 (α = 1), 0.984 (α = ½), trace-free 0.978 against 0.335 at init (full-matrix 0.69 and
 * 0.91 at init), overlap 0.998.
 *
 * Falsifiable exponent (issue 13). With the isotropic link sin(2z₁) + sin(2z₂) the AGOP is ≈ a multiple of the
 * projector on span(U), so α = 1 and α = ½ give the same matrix and the metrics above only test "W₁ᵀW₁ lies in
 * span(U)". The default link is therefore anisotropic, g(z) = 2 sin(2z₁) + sin(2z₂) (in-span AGOP eigenvalue ratio
 * ≈ 5, a regime check asks ≥ 4), and the exponent is judged: α̂ = log(λ₁/λ₂)(W₁ᵀW₁)/log(λ₁/λ₂)(AGOP), both above the
 * mean out-of-span eigenvalue (the isotropic bulk the trace-free correlation also removes), against the predicted
 * α = ½ ± 0.2. Controls: α = 1 (the Science paper's equation 3) and α = 0 (isotropic inside the span); both must come
 * out falsified. Measured (quick, 600 steps, seeds 0–4): α̂ = 0.35–0.43; at seed 0 α̂ rises with training (0.36 at
 * 400 steps, 0.41 at 600, 0.44 at 1000), so the finite run undershoots ½ from below, never approaches 1. The full-
 * matrix Pearson with AGOP (α = 1) is reported as a sanity number (0.86–0.92 here: the α = 1 form misfits an
 * anisotropic AGOP). A finding: under anisotropy the data support AGOP^½ over the Science paper's AGOP.
 *
 * Verdicts over seeds (issue 13): a finding, not a defect of the measurement. The ±0.2 band is an undershoot
 * allowance read off seeds 0–4 of the quick profile, not derived. Over more seeds (both profiles) α̂'s undershoot is
 * systematic rather than seed noise: the mean over seeds sits below ½ by several of its standard errors, and the
 * seeds in the lower tail fall out of the band. Finite training does not account for that tail: where α̂ is lowest
 * it barely rises when training is doubled, unlike seed 0. So the per-seed verdict is falsified at some seeds and the
 * verdict over seeds is inconclusive: the data place α between the rivals 0 and ½, well away from 1, but do not pin
 * it at ½ in this setting. Widening the band to pass them would be tuning; judging the seeds' mean with a t-interval
 * would falsify α = ½ outright.
 *
 * What sets α̂ (quick profile; the per-seed values are the `perSeedValue`s of the maps named in the README's
 * paragraph on this study, `lmech map … --over initScale=0.2,0.5,1 --over hiddenLayers=2,3 --seeds 10`). The exponent
 * is not a constant of this task: it moves with the initialization scale, and with the training length. Over seeds
 * 0–9 at 600 steps (mean ± standard error): α̂ = 0.65 ± 0.03 at 0.2× SP's init scale, 0.53 ± 0.02 at 0.5×,
 * 0.37 ± 0.02 at SP's 1× (7 of 10, 10 of 10 and 8 of 10 seeds inside ½ ± 0.2). The validity map over init scale ×
 * steps (`bash scripts/example-maps.sh nfa`, seeds 0–2) adds 0.1× (0.47–0.70 at 600 steps, 0.57–0.82 at 1200) and
 * 2× (0.50–0.60, and 0.39–0.53 at 1200): α̂ is lowest near SP's scale and lies above ½ at small init, where
 * doubling the steps moves it further up. So AGOP^½ is one point of a range the setting sets, not a law of it; the
 * catalog's SP init sits at the low end, where W₁ᵀW₁ keeps less of the AGOP's anisotropy. Two other explanations
 * were tested: (i) the optimizer (the theory behind ½, features at convergence, is about stationary points of
 * gradient descent with weight decay; AdamW's coordinate-wise normalization is not rotation-equivariant):
 * full-batch GD on L + λ‖θ‖²/2, η = 0.1, λ = 0.03, 10⁴ steps (30 weight-decay time constants, `--param
 * optimizer=gd`) gives α̂ = 0.43–0.47 at seeds 0–4 (mean 0.45 ± 0.01; λ = 0.01, 10 time constants: 0.38 at seed 0),
 * against 0.35–0.43 for AdamW at those seeds: part of the shortfall is AdamW's, but stationary GD still sits under
 * ½; (ii) depth (balanced deep linear networks have W₁ᵀW₁ = (MᵀM)^{1/L} for L weight layers, a rival predicting ⅓
 * here): three hidden layers (`--param hiddenLayers=3`, L = 4, rival ¼) give α̂ = 0.35 ± 0.05 over seeds 0–9
 * (0.03–0.55), against two's 0.37 ± 0.02: no measurable fall with depth, though at this spread ¼ is only 1.9
 * standard errors away, so the rival is disfavoured rather than excluded. The default stays the catalog's setting (SP init, AdamW); choosing the init scale where ½
 * holds would be tuning the setting to the law.
 */
import { z } from 'zod';
import { eigvalsh } from '../core/linalg.ts';
import type { Mat } from '../core/mat.ts';
import * as op from '../core/ops.ts';
import { norm } from '../core/stats.ts';
import { noGrad, type Tensor, tensor } from '../core/tensor.ts';
import { makeTeacherTask } from '../data/teacher.ts';
import { type Mlp, mlp } from '../nn/mlp.ts';
import { adamw, addDecayedWeights, chain, scaleByLearningRate } from '../nn/optim.ts';
import { fit } from '../nn/train.ts';
import { averageGradientOuterProduct, gram, matrixPearson, subspaceOverlap, symmetricPower } from '../observe/agop.ts';
import { defineStudy, type MetricSpec, type Observations, type RegimeCheck, type Scalars, type Series } from './types.ts';

const Params = z.object({
  dim: z.number().int().min(4).max(100).default(20),
  /** rank of U (the number of relevant directions) */
  rank: z.number().int().min(1).max(4).default(2),
  link: z.enum(['sin-sum', 'product']).default('sin-sum'),
  /** frequency of the sin-sum link: g(z) = Σ_j c_j sin(ω z_j) */
  frequency: z.number().positive().max(10).default(2),
  /**
   * amplitudes c_j of the sin-sum link (missing ones are 1): unequal amplitudes make the AGOP anisotropic inside
   * span(U) (in-span eigenvalue ratio ≈ (c₁/c₂)² = 4 for [2, 1]), so that α = 1 and α = ½ predict different spectra
   */
  amplitudes: z.array(z.number().positive().max(10)).max(4).default([2, 1]),
  width: z.number().int().min(8).max(512).default(128),
  nTrain: z.number().int().min(100).max(10000).default(2000),
  nTest: z.number().int().min(100).max(5000).default(1000),
  steps: z.number().int().min(10).max(20000).default(600),
  lr: z.number().positive().max(1).default(3e-3),
  /** decoupled (AdamW) weight decay λ: Δθ = −η(m̂/(√v̂+ε) + λθ) */
  weightDecay: z.number().min(0).max(100).default(3),
  /**
   * 'adamw' (decoupled weight decay), or 'gd': full-batch gradient descent on L + λ‖θ‖²/2 (coupled L2), the setting
   * of the features-at-convergence theorem; λ there is `weightDecay` and needs to be ~100× smaller than AdamW's
   */
  optimizer: z.enum(['adamw', 'gd']).default('adamw'),
  /** hidden layers of width `width` (the catalog's network has 2) */
  hiddenLayers: z.number().int().min(1).max(6).default(2),
  /** multiplies every initial weight (1 = standard parameterization) */
  initScale: z.number().positive().max(10).default(1),
  /** NFA correlations are recorded every this many steps */
  evalEvery: z.number().int().min(1).max(10000).default(20),
  /** held-out relative MSE above which the network has not learned the task (regime) */
  maxTestError: z.number().positive().max(1).default(0.3),
});
type P = z.infer<typeof Params>;

/** W₁ᵀW₁ (d×d) with W₁ = the first layer with rows = neurons; the Mlp stores it as x·W, W of shape [d, h]. */
function firstLayerGram(net: Mlp): Mat {
  const W = net.layers[0].W;
  const [d, h] = W.shape;
  const w1 = new Float64Array(h * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < h; j++) w1[j * d + i] = W.data[i * h + j];
  return gram({ rows: h, cols: d, data: w1 });
}

/** A − (tr A/d)·I: the anisotropic (trace-free) part. */
function traceFree(a: Mat): Mat {
  const d = a.rows;
  let t = 0;
  for (let i = 0; i < d; i++) t += a.data[i * d + i];
  const out = Float64Array.from(a.data);
  for (let i = 0; i < d; i++) out[i * d + i] -= t / d;
  return { rows: d, cols: d, data: out };
}

/**
 * log(λ₁/λ₂) of a symmetric matrix, the anisotropy of its top two directions (inside span(U) once the overlap is
 * ≈ 1), with the floor `rank` eigenvalues down subtracted when `floor` (the mean of the out-of-span eigenvalues:
 * the isotropic bulk W₀ᵀW₀ that finite training leaves, the same part the trace-free correlation removes).
 */
function logEigenRatio(a: Mat, rank: number, floor: boolean): number {
  const ev = Array.from(eigvalsh(a)).sort((x, y) => y - x);
  const rest = ev.slice(rank);
  const f = floor && rest.length ? rest.reduce((t, v) => t + v, 0) / rest.length : 0;
  return Math.log((ev[0] - f) / (ev[1] - f));
}

function frobeniusNormalized(a: Mat): Float64Array {
  const n = norm(a.data) || 1;
  return a.data.map((v) => v / n);
}

interface Snapshot {
  nfm: Mat;
  agop: Mat;
  agopHalf: Mat;
  pearson1: number;
  pearsonHalf: number;
  traceFree1: number;
  traceFreeHalf: number;
}

/** The teacher's link g(z): Σ_j sin(ω z_j) or Π_j z_j. */
function teacherLink(p: P): (z: Float64Array) => number {
  const omega = p.frequency;
  if (p.link === 'product')
    return (zz) => {
      let s = 1;
      for (let j = 0; j < zz.length; j++) s *= zz[j];
      return s;
    };
  const c = (j: number) => p.amplitudes[j] ?? 1;
  return (zz) => {
    let s = 0;
    for (let j = 0; j < zz.length; j++) s += c(j) * Math.sin(omega * zz[j]);
    return s;
  };
}

/** Scatter of the Frobenius-normalized entries (init and trained) and the normalized spectra. */
function matrixSeries(init: Snapshot, final: Snapshot, d: number): Series[] {
  const series: Series[] = [];
  // scatter of the Frobenius-normalized entries: prediction y = x (proportionality)
  for (const [when, s] of [
    ['init', init],
    ['trained', final],
  ] as const) {
    series.push({ name: 'W₁ᵀW₁ vs AGOP^½ entries', group: when, kind: 'measured', x: Array.from(frobeniusNormalized(s.agopHalf)), y: Array.from(frobeniusNormalized(s.nfm)) });
    series.push({ name: 'W₁ᵀW₁ vs AGOP entries', group: when, kind: 'measured', x: Array.from(frobeniusNormalized(s.agop)), y: Array.from(frobeniusNormalized(s.nfm)) });
  }
  for (const name of ['W₁ᵀW₁ vs AGOP^½ entries', 'W₁ᵀW₁ vs AGOP entries']) {
    const xs = series.filter((s) => s.name === name).flatMap((s) => s.x);
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    series.push({ name, group: 'NFA: y = x', kind: 'predicted', x: [lo, hi], y: [lo, hi] });
  }
  // normalized spectra (eigenvalue / trace), descending
  const spectrum = (a: Mat) => {
    const ev = Array.from(eigvalsh(a)).reverse();
    const t = ev.reduce((s, v) => s + Math.max(v, 0), 0) || 1;
    return ev.map((v) => Math.max(v / t, 1e-12)); // floor: the log axis
  };
  const idx = Array.from({ length: d }, (_, i) => i + 1);
  series.push({ name: 'spectrum', group: 'W₁ᵀW₁ trained', kind: 'measured', x: idx, y: spectrum(final.nfm) });
  series.push({ name: 'spectrum', group: 'AGOP^½ trained', kind: 'measured', x: idx, y: spectrum(final.agopHalf) });
  series.push({ name: 'spectrum', group: 'W₁ᵀW₁ init', kind: 'measured', x: idx, y: spectrum(init.nfm) });
  return series;
}

function snapshot(net: Mlp, xTest: Mat): Snapshot {
  const agop = averageGradientOuterProduct((x: Tensor) => net.forward(x), xTest);
  const agopHalf = symmetricPower(agop, 0.5);
  const nfm = firstLayerGram(net);
  return {
    nfm,
    agop,
    agopHalf,
    pearson1: matrixPearson(nfm, agop),
    pearsonHalf: matrixPearson(nfm, agopHalf),
    traceFree1: matrixPearson(traceFree(nfm), traceFree(agop)),
    traceFreeHalf: matrixPearson(traceFree(nfm), traceFree(agopHalf)),
  };
}

/** The keys of `predict`'s scalars: the link exponent α and the catalog's bounds. */
type PredKey = 'exponent α' | 'Pearson (catalog lower bound)' | 'init trace-free Pearson (upper bound)' | `top-${number} overlap (catalog lower bound)`;
const overlapKey = (rank: number): PredKey => `top-${rank} overlap (catalog lower bound)`;

export const neuralFeatureAnsatz = defineStudy<P, PredKey>(Params, {
  id: 'neural-feature-ansatz',
  catalog: 22,
  pillar: 'laws',
  title: 'Neural feature ansatz: the first-layer Gram matrix tracks the AGOP',
  claim: 'After training on a multi-index task y = g(Uᵀx), the first-layer feature matrix W₁ᵀW₁ of an MLP is proportional to the average gradient outer product of the trained network (or its square root): their entries correlate above 0.9 and the top eigenspace of W₁ᵀW₁ is span(U).',
  formula: 'W_1^\\top W_1 \\propto \\Big(\\tfrac{1}{n}\\sum_i \\nabla_x f(x_i)\\,\\nabla_x f(x_i)^\\top\\Big)^{\\alpha},\\quad \\alpha \\in \\{1, \\tfrac12\\}',
  papers: [
    'Radhakrishnan, Beaglehole, Pandit & Belkin 2024, Mechanism for feature learning in neural networks and backpropagation-free machine learning models (Science 383)',
    'Beaglehole, Radhakrishnan, Pandit & Belkin 2023, Mechanism of feature learning in convolutional neural networks',
    'Boix-Adserà, Radhakrishnan et al. 2025, features at convergence theorem',
  ],
  core: false,
  quick: { width: 64, nTrain: 1500, steps: 600 },

  predict(p): Observations<PredKey> {
    return {
      scalars: {
        // Beaglehole et al. 2023 / the features-at-convergence theorem: W₁ᵀW₁ ∝ AGOP^½; the Science paper's α = 1 is the control
        'exponent α': 0.5,
        'Pearson (catalog lower bound)': 0.9,
        'init trace-free Pearson (upper bound)': 0.5,
        [overlapKey(p.rank)]: 0.9,
      },
      series: [],
    };
  },

  measure(p, ctx) {
    const d = p.dim;
    const k = p.rank;
    if (k > d) throw new Error(`rank: ${k} exceeds dim = ${d}`);
    const task = makeTeacherTask({ d, k, link: teacherLink(p) }, ctx.rng.child('teacher'));
    const train = task.sample(p.nTrain, ctx.rng.child('train'));
    const test = task.sample(p.nTest, ctx.rng.child('test'));
    const net = mlp({ sizes: [d, ...Array.from({ length: p.hiddenLayers }, () => p.width), 1], activation: 'relu', initScale: p.initScale }, ctx.rng.child('net'));
    const X = tensor(train.x.data, [p.nTrain, d]);
    const Y = tensor(train.y, [p.nTrain, 1]);
    const Xt = tensor(test.x.data, [p.nTest, d]);
    let varTest = 0;
    let meanTest = 0;
    for (const v of test.y) meanTest += v / p.nTest;
    for (const v of test.y) varTest += (v - meanTest) ** 2 / p.nTest;
    const testError = (): number => {
      const f = noGrad(() => net.forward(Xt)).data;
      let s = 0;
      for (let i = 0; i < p.nTest; i++) s += (f[i] - test.y[i]) ** 2;
      return s / p.nTest / varTest;
    };

    const init = snapshot(net, test.x);
    const steps: number[] = [];
    const curves: Record<string, number[]> = { 'Pearson α=1': [], 'Pearson α=½': [], 'trace-free Pearson α=1': [], 'trace-free Pearson α=½': [] };
    const record = (step: number, s: Snapshot) => {
      steps.push(step);
      curves['Pearson α=1'].push(s.pearson1);
      curves['Pearson α=½'].push(s.pearsonHalf);
      curves['trace-free Pearson α=1'].push(s.traceFree1);
      curves['trace-free Pearson α=½'].push(s.traceFreeHalf);
      ctx.emit?.({ name: 'NFA correlation', group: 'Pearson α=1', x: step, y: s.pearson1 });
      ctx.emit?.({ name: 'NFA correlation', group: 'Pearson α=½', x: step, y: s.pearsonHalf });
    };
    record(0, init);
    const lossSteps: number[] = [];
    const trainLoss: number[] = [];
    const testLoss: number[] = [];
    let last = init;
    let batchLoss = Number.NaN;
    fit({
      params: net.params(),
      loss: () => op.mse(net.forward(X), Y),
      // 'gd' descends L + λ‖θ‖²/2 (the weight decay is added to the gradient before the step)
      optimizer: p.optimizer === 'gd' ? chain(addDecayedWeights(p.weightDecay), scaleByLearningRate(p.lr)) : adamw(p.lr, p.weightDecay),
      steps: p.steps,
      evalAt: (step) => step > 0 && step % p.evalEvery === 0,
      onStep: (_step, value) => {
        batchLoss = value;
      },
      onEval: (step) => {
        if (step === 0) return;
        last = snapshot(net, test.x);
        record(step, last);
        lossSteps.push(step);
        trainLoss.push(batchLoss);
        testLoss.push(testError() * varTest);
        ctx.progress(step / p.steps, `step ${step}: Pearson ${last.pearson1.toFixed(3)} (α=1), ${last.pearsonHalf.toFixed(3)} (α=½)`);
      },
      signal: ctx.signal,
    });
    const final = last;
    const series: Series[] = [];
    for (const [name, ys] of Object.entries(curves)) series.push({ name: 'NFA correlation', group: name, kind: 'measured', x: steps, y: ys });
    series.push({ name: 'loss', group: 'train (before step)', kind: 'measured', x: lossSteps, y: trainLoss });
    series.push({ name: 'loss', group: 'held-out', kind: 'measured', x: lossSteps, y: testLoss });
    series.push(...matrixSeries(init, final, d));

    const scalars: Record<string, number> = {
      'Pearson α=1': final.pearson1,
      'Pearson α=½': final.pearsonHalf,
      'trace-free Pearson α=1': final.traceFree1,
      'trace-free Pearson α=½': final.traceFreeHalf,
      'init Pearson α=1': init.pearson1,
      'init Pearson α=½': init.pearsonHalf,
      'init trace-free Pearson α=1': init.traceFree1,
      'init trace-free Pearson α=½': init.traceFreeHalf,
      'init W₁ᵀW₁ vs trained AGOP Pearson': matrixPearson(init.nfm, final.agop),
      [`top-${k} overlap with span(U)`]: subspaceOverlap(final.nfm, task.U),
      [`init top-${k} overlap with span(U)`]: subspaceOverlap(init.nfm, task.U),
      [`AGOP top-${k} overlap with span(U)`]: subspaceOverlap(final.agop, task.U),
      'held-out relative MSE': testError(),
      'log(λ₁/λ₂) of W₁ᵀW₁': logEigenRatio(final.nfm, k, true),
      'log(λ₁/λ₂) of AGOP': logEigenRatio(final.agop, k, true),
      'log(λ₁/λ₂) of AGOP^½': logEigenRatio(final.agopHalf, k, true),
      'raw log(λ₁/λ₂) of W₁ᵀW₁': logEigenRatio(final.nfm, k, false),
      'raw log(λ₁/λ₂) of AGOP': logEigenRatio(final.agop, k, false),
    };
    // the exponent the spectra imply: W₁ᵀW₁ ∝ AGOP^α gives log(λ₁/λ₂)(W₁ᵀW₁) = α·log(λ₁/λ₂)(AGOP)
    scalars['measured exponent α̂'] = scalars['log(λ₁/λ₂) of W₁ᵀW₁'] / scalars['log(λ₁/λ₂) of AGOP'];
    return {
      scalars,
      series,
      notes: [
        `At init the full-matrix correlations are ${init.pearson1.toFixed(3)} (α=1) and ${init.pearsonHalf.toFixed(3)} (α=½): AGOP = W₁ᵀKW₁ with K ≈ cI at random init, so both matrices are ≈ isotropic and share their diagonal; the trace-free correlation (${init.traceFree1.toFixed(3)}) is the informative control.`,
      ],
    };
  },

  compare(pred, meas, p) {
    const s = meas.scalars;
    const q = (key: PredKey): number => pred.scalars[key] ?? Number.NaN;
    const k = p.rank;
    const alpha = q('exponent α');
    const pearsonBound = q('Pearson (catalog lower bound)');
    const metrics: MetricSpec<PredKey>[] = [
      {
        name: 'exponent α̂ = log(λ₁/λ₂)(W₁ᵀW₁) / log(λ₁/λ₂)(AGOP)',
        value: s['measured exponent α̂'],
        criterion: { op: 'abs', target: alpha, tol: 0.2 },
        reason:
          'W₁ᵀW₁ ∝ AGOP^α makes the in-span eigenvalue ratios obey log-ratio(W₁ᵀW₁) = α·log-ratio(AGOP) (both above the out-of-span floor); the rival exponents ½ and 1 are ½ apart, so a tolerance under ¼ keeps them exclusive; 0.2 is an undershoot allowance read off quick seeds 0–4, not derived (α̂ still rises with steps at seed 0: 0.36 at 400, 0.44 at 1000; the header says why some seeds fall below it)',
        prediction: 'exponent α',
      },
      {
        name: 'Pearson(W₁ᵀW₁, AGOP^½) after training',
        value: s['Pearson α=½'],
        criterion: { op: '>=', bound: pearsonBound },
        reason: 'catalog: > 0.9 after training (Radhakrishnan et al. 2024 report ≳ 0.9)',
        prediction: 'Pearson (catalog lower bound)',
      },
      {
        name: 'trace-free Pearson(W₁ᵀW₁, AGOP^½) after training',
        value: s['trace-free Pearson α=½'],
        criterion: { op: '>=', bound: pearsonBound },
        reason: 'the anisotropic (learned) structure must match, not just the shared diagonal; same 0.9 bound',
        prediction: 'Pearson (catalog lower bound)',
      },
      {
        name: 'Pearson(W₁ᵀW₁, AGOP) after training',
        value: s['Pearson α=1'],
        criterion: { op: '>=', bound: 0.9 },
        reason: 'reported (the catalog asks for both powers): the α = 1 form is judged through the exponent control',
        sanity: true,
      },
      {
        name: 'trace-free Pearson(W₁ᵀW₁, AGOP) at init',
        value: s['init trace-free Pearson α=1'],
        criterion: { op: '<=', bound: q('init trace-free Pearson (upper bound)') },
        reason:
          'replaces the catalog’s "< 0.3 at init" (see the header): AGOP = W₁ᵀKW₁ with K ≈ cI aligns the two at init even off the diagonal; measured 0.3–0.45 at width 64, 0.28–0.34 at 128, falling slowly with width',
        prediction: 'init trace-free Pearson (upper bound)',
      },
      {
        name: `top-${k} eigenspace of W₁ᵀW₁ vs span(U)`,
        value: s[`top-${k} overlap with span(U)`],
        criterion: { op: '>=', bound: q(overlapKey(k)) },
        reason: 'catalog: overlap > 0.9 (a random subspace gives k/d on average)',
        prediction: overlapKey(k),
      },
    ];
    const agopRatio = Math.exp(s['log(λ₁/λ₂) of AGOP']);
    const regime: RegimeCheck[] = [
      {
        name: 'the network learned the task',
        ok: s['held-out relative MSE'] <= p.maxTestError,
        detail: `held-out MSE / Var(y) = ${s['held-out relative MSE'].toFixed(3)} (≤ ${p.maxTestError}); the ansatz is about trained networks`,
        value: s['held-out relative MSE'],
      },
      {
        name: 'the trained function depends on Uᵀx',
        ok: s[`AGOP top-${k} overlap with span(U)`] >= 0.9,
        detail: `AGOP top-${k} eigenspace overlap with span(U) = ${s[`AGOP top-${k} overlap with span(U)`].toFixed(3)} (≥ 0.9)`,
        value: s[`AGOP top-${k} overlap with span(U)`],
      },
      {
        name: 'the AGOP is anisotropic inside span(U)',
        ok: agopRatio >= 4,
        detail: `in-span eigenvalue ratio λ₁/λ₂ of the AGOP = ${agopRatio.toFixed(2)} (≥ 4, so that α = ½ and α = 1 predict ratios at least 2 apart for W₁ᵀW₁)`,
        value: agopRatio,
      },
    ];
    return { metrics, regime };
  },

  controls: [
    {
      name: 'α = 1 (W₁ᵀW₁ ∝ AGOP, the Science paper’s equation 3)',
      description: 'the other exponent the literature uses: with an anisotropic link it predicts twice the log eigenvalue ratio',
      predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'exponent α': 1 } satisfies Scalars<PredKey> }),
    },
    {
      name: 'α = 0 (W₁ᵀW₁ isotropic inside span(U))',
      description: 'a rival in which the first layer learns the subspace but not the AGOP’s shape inside it',
      predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'exponent α': 0 } satisfies Scalars<PredKey> }),
    },
  ],
  // the quick profile is a five-seed verdict too: α̂'s lower tail leaves the band at some single seeds (quick 6 and 9
  // of 0–9; header), so one seed's verdict would depend on which seed it was
  seeds: { default: 5, quick: 5, threshold: 0.5 },

  figures: () => [
    {
      id: 'nfa-scatter',
      title: 'Entries of W₁ᵀW₁ against AGOP^½ (both divided by their Frobenius norm)',
      x: { label: 'AGOP^½ entry / ‖AGOP^½‖_F' },
      y: { label: 'W₁ᵀW₁ entry / ‖W₁ᵀW₁‖_F' },
      series: [{ name: 'W₁ᵀW₁ vs AGOP^½ entries' }],
      mark: 'point',
      caption: 'Dashed: the ansatz W₁ᵀW₁ ∝ AGOP^½ (y = x). At init both are ≈ isotropic (the diagonal cluster); after training both concentrate on span(U).',
    },
    {
      id: 'nfa-scatter-agop',
      title: 'Entries of W₁ᵀW₁ against AGOP (Frobenius-normalized)',
      x: { label: 'AGOP entry / ‖AGOP‖_F' },
      y: { label: 'W₁ᵀW₁ entry / ‖W₁ᵀW₁‖_F' },
      series: [{ name: 'W₁ᵀW₁ vs AGOP entries' }],
      mark: 'point',
      caption: 'Dashed: W₁ᵀW₁ ∝ AGOP (the Science paper’s α = 1).',
    },
    {
      id: 'nfa-correlation',
      title: 'NFA correlation during training',
      x: { label: 'step' },
      y: { label: 'Pearson correlation of entries' },
      series: [{ name: 'NFA correlation' }],
      rules: [{ y: 0.9, label: 'catalog bound 0.9' }],
      caption: 'Full-matrix correlations start high (shared isotropy at init); the trace-free ones show the learned alignment.',
    },
    {
      id: 'spectra',
      title: 'Normalized spectra: eigenvalue / trace',
      x: { label: 'index' },
      y: { label: 'λ_i / Σλ', log: true },
      series: [{ name: 'spectrum' }],
    },
    { id: 'loss', title: 'Training and held-out loss', x: { label: 'step' }, y: { label: 'MSE', log: true }, series: [{ name: 'loss' }] },
  ],
});

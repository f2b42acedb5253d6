/**
 * Catalog 31: grokking and Fourier features on modular addition — a two-layer network trained with weight decay on
 * a fraction of the table (a + b) mod p memorizes it almost at once, generalizes only much later, and by then each
 * hidden neuron is tuned to a single frequency k, reading cos(2πk a/p + φ₁) + cos(2πk b/p + φ₂) and writing
 * cos(2πk c/p + φ₃) with φ₃ = φ₁ + φ₂, which computes a + b through the identity
 *     cos(ω(a+b) + φ₁ + φ₂) · cos(ωc + φ₃) = ½cos(ω(a + b − c)) + ½cos(ω(a + b + c) + 2φ₃)   (φ₃ = φ₁ + φ₂),
 * maximal at c = a + b (the first term; the second averages out over neurons with random phases).
 * Papers: Power, Burda, Edwards, Babuschkin & Misra 2022 (grokking); Gromov 2023, "Grokking modular arithmetic"
 * (the analytic quadratic-activation solution above, one frequency per neuron); Nanda, Chan, Lieberum, Smith &
 * Steinhardt 2023, "Progress measures for grokking via mechanistic interpretability" (Fourier features, the role of
 * weight decay); Morwani et al. 2023 (margin maximization selects Fourier features); Kumar, Bordelon, Gershman &
 * Pehlevan 2024, "Grokking as the transition from lazy to rich training dynamics" (large output multiplier α ⇒ lazy
 * ⇒ no or delayed generalization).
 *
 * Setting (catalog). One-hot inputs [e_a; e_b] ∈ R^{2p} (src/data/modular.ts), a random fraction of the p² pairs for
 * training, the rest held out. f(x) = W₂ᵀ(W₁ᵀx)² (quadratic activation, no biases, width h; W₁ ∈ R^{2p×h} so row a of
 * W₁ is the embedding of operand a and row p + b that of operand b; W₂ ∈ R^{h×p}, column c the readout of class c),
 * Gromov's mean squared error on one-hot targets, full-batch AdamW (decoupled weight decay λ: Δθ = −η(m̂/(√v̂+ε) + λθ),
 * src/nn/optim.ts).
 *
 * Measured. Train/test accuracy every step (first 100 steps) then every `evalEvery` steps; t_mem = first step with
 * 100% train accuracy, t_gen = first step with ≥ 95% test accuracy, delay ratio t_gen/t_mem. After training, the
 * per-neuron Fourier power of the operand embeddings (columns of W₁'s two p-row blocks) and of the readout (rows of
 * W₂), src/observe/fourier.ts: dominant frequency k*, its share of the non-DC power, and the phases φ₁, φ₂, φ₃ at k*.
 * Ablation: the same network trained lazily, f_α = α(f(θ) − f(θ₀)) with α = `lazyMultiplier` and η/α (Chizat,
 * Oyallon & Bach 2019; Kumar et al. 2024: with Adam the parameter step is ~η regardless of the gradient's scale, so
 * η/α keeps the function-space step fixed while the weights move α times less).
 *
 * Pass. Catalog: test accuracy > 95% eventually; ≥ 80% of neurons have > 80% of their embedding power in one
 * frequency; φ₃ ≈ φ₁ + φ₂ (mod 2π) within 0.3 rad for neurons whose three spectra share k* (we require ≥ 90% of them,
 * allowing a few neurons mid-transition); the lazy run does not generalize within the same step budget (test accuracy
 * ≤ 50%). Brief: t_gen/t_mem ≥ 10 (generalization an order of magnitude after memorization).
 *
 * Deviations. (1) "Neurons" are the active ones: weight decay drives a part of the hidden units to ≈ 0 (about 20% at
 * p = 23, h = 64; 40% at p = 31, h = 128), and a zero neuron has no spectrum; a neuron is active when its norm
 * ‖W₁[:, j]‖² + ‖W₂[j, :]‖² is ≥ 1% of the largest one (norm ≥ 10% of the largest). The fraction over all h neurons is
 * reported too. The embedding criterion pools the a- and b-embeddings of the active neurons. (2) λ = 2 instead of the
 * catalog's 0.5–1: with η = 1e-2 and MSE, λ = 1 groks but concentrates only ≈ 50% of neurons on one frequency within
 * 5000 steps; λ = 2 gives 85–90% and faster grokking (the ratio t_gen/t_mem is 15–45 at p = 23). (3) Gromov's MSE loss
 * instead of cross-entropy: with cross-entropy and a quadratic activation the logits grow without bound and the net
 * did not generalize within our budget.
 *
 * Measured (seeds 0–3, quick p = 23, h = 64, 40% train, 4000 steps): t_mem 31–34, t_gen 510–1340 (ratio 15–43),
 * single-frequency fraction of active neurons 0.85–0.88, phase relation within 0.3 rad for ≥ 97% of matched
 * neurons; lazy α = 10 fits the training set but stays below 5% test accuracy. Default (p = 31, h = 128, 30% train,
 * 10000 steps, seed 0): t_mem 16, t_gen ≈ 1860 (ratio 116), single-frequency 0.90 of 67 active neurons, phase
 * relation 60/60, lazy 2.8%.
 *
 * Falsifiability (issue 13). The phase relation is recomputed in compare() from the matched neurons' raw phases and
 * the predicted coefficients of φ₁ and φ₂ (1, 1), so rival relations are judged on the same run: φ₃ = φ₁ − φ₂ (the
 * difference term of the product of cosines) and φ₃ = 2φ₁ (a readout locked to one operand), both falsified.
 */
import { z } from 'zod';
import type { Mat } from '../core/mat.ts';
import * as op from '../core/ops.ts';
import type { Rng } from '../core/random.ts';
import { oneHot } from '../core/stats.ts';
import { noGrad, type Tensor, tensor } from '../core/tensor.ts';
import { type ModularSplit, modularArithmetic } from '../data/modular.ts';
import { type Mlp, mlp } from '../nn/mlp.ts';
import { adamw } from '../nn/optim.ts';
import { fit } from '../nn/train.ts';
import { accuracy } from '../observe/classifierOutputs.ts';
import { type EmbeddingFourier, embeddingFourier } from '../observe/fourier.ts';
import { defineStudy, type MetricSpec, type Observations, type RegimeCheck, type Scalars, type Series } from './types.ts';

const Params = z.object({
  p: z.number().int().min(5).max(113).default(31),
  trainFraction: z.number().gt(0).lt(1).default(0.3),
  width: z.number().int().min(8).max(1024).default(128),
  steps: z.number().int().min(100).max(100000).default(10000),
  lr: z.number().positive().max(1).default(1e-2),
  weightDecay: z.number().min(0).max(100).default(2),
  /** accuracy is recorded at every step up to 100, then every this many steps */
  evalEvery: z.number().int().min(1).max(1000).default(10),
  /** test accuracy that counts as generalized */
  generalizedAt: z.number().gt(0).max(1).default(0.95),
  /** share of a neuron's non-DC embedding power in its dominant frequency to count as single-frequency */
  singleFrequencyShare: z.number().gt(0).max(1).default(0.8),
  /** a neuron is active when its squared norm is at least this fraction of the largest one */
  activeFraction: z.number().min(0).max(1).default(0.01),
  /** phase tolerance (radians) for φ₃ ≈ φ₁ + φ₂ */
  phaseTolerance: z.number().positive().max(Math.PI).default(0.3),
  /** output multiplier α of the lazy ablation (0 skips it) */
  lazyMultiplier: z.number().min(0).max(1000).default(10),
});
type P = z.infer<typeof Params>;

interface RunResult {
  steps: number[];
  trainAcc: number[];
  testAcc: number[];
  loss: number[];
  tMem: number;
  tGen: number;
  finalTest: number;
  finalTrain: number;
}

/** Train one network; `lazy` > 0 trains α(f(θ) − f(θ₀)) with step η/α. */
function train(pr: P, data: ModularSplit, rng: Rng, lazy: number, onEval: (step: number, train: number, test: number) => void, signal?: AbortSignal): { net: Mlp; run: RunResult } {
  const p = pr.p;
  const net = mlp({ sizes: [2 * p, pr.width, p], activation: 'quadratic', bias: false }, rng);
  const Xtr = tensor(data.train.x.data, [data.train.x.rows, 2 * p]);
  const Xte = tensor(data.test.x.data, [data.test.x.rows, 2 * p]);
  const Ytr = tensor(oneHot(data.train.y, p), [data.train.y.length, p]);
  const F0tr = lazy > 0 ? noGrad(() => net.forward(Xtr)) : null;
  const F0te = lazy > 0 ? noGrad(() => net.forward(Xte)) : null;
  const forward = (X: Tensor, F0: Tensor | null) => (F0 === null ? net.forward(X) : op.scale(op.sub(net.forward(X), F0), lazy));
  const accuracyOn = (X: Tensor, F0: Tensor | null, y: Int32Array) => accuracy({ rows: y.length, cols: p, data: noGrad(() => forward(X, F0)).data }, y);
  const run: RunResult = { steps: [], trainAcc: [], testAcc: [], loss: [], tMem: Number.NaN, tGen: Number.NaN, finalTest: 0, finalTrain: 0 };
  let batchLoss = Number.NaN;
  fit({
    params: net.params(),
    // Gromov 2023: MSE on one-hot targets (mean over the p outputs and the examples)
    loss: () => op.mse(forward(Xtr, F0tr), Ytr),
    optimizer: adamw(lazy > 0 ? pr.lr / lazy : pr.lr, pr.weightDecay),
    steps: pr.steps,
    evalAt: (step) => step > 0 && (step <= 100 || step % pr.evalEvery === 0),
    onStep: (_step, value) => {
      batchLoss = value;
    },
    onEval: (step) => {
      if (step === 0) return;
      const a1 = accuracyOn(Xtr, F0tr, data.train.y);
      const a2 = accuracyOn(Xte, F0te, data.test.y);
      if (Number.isNaN(run.tMem) && a1 >= 1) run.tMem = step;
      if (Number.isNaN(run.tGen) && a2 >= pr.generalizedAt) run.tGen = step;
      run.steps.push(step);
      run.trainAcc.push(a1);
      run.testAcc.push(a2);
      run.loss.push(batchLoss);
      run.finalTrain = a1;
      run.finalTest = a2;
      onEval(step, a1, a2);
    },
    signal,
  });
  return { net, run };
}

/** The p×h embedding blocks of W₁ (operands a and b) and the readout W₂ᵀ (p×h, row c = readout of class c). */
function embeddings(net: Mlp, p: number): { a: Mat; b: Mat; out: Mat; norms: Float64Array } {
  const W1 = net.layers[0].W; // [2p, h]
  const W2 = net.layers[1].W; // [h, p]
  const h = W1.shape[1];
  const a = { rows: p, cols: h, data: Float64Array.from(W1.data.subarray(0, p * h)) };
  const b = { rows: p, cols: h, data: Float64Array.from(W1.data.subarray(p * h, 2 * p * h)) };
  const out = { rows: p, cols: h, data: new Float64Array(p * h) };
  const norms = new Float64Array(h);
  for (let j = 0; j < h; j++) {
    for (let c = 0; c < p; c++) {
      out.data[c * h + j] = W2.data[j * p + c];
      norms[j] += W2.data[j * p + c] ** 2 + a.data[c * h + j] ** 2 + b.data[c * h + j] ** 2;
    }
  }
  return { a, b, out, norms };
}

const wrap = (x: number): number => Math.atan2(Math.sin(x), Math.cos(x));

interface FourierSummary {
  fa: EmbeddingFourier;
  fb: EmbeddingFourier;
  fo: EmbeddingFourier;
  active: boolean[];
  /** (a, b)-embeddings of active neurons with share > threshold, over 2·active */
  singleActive: number;
  /** over all 2h embeddings */
  singleAll: number;
  /** power-weighted share of the dominant frequency over all neurons */
  powerWeighted: number;
  matched: number[];
  phaseOk: number;
}

function fourierSummary(net: Mlp, pr: P): FourierSummary {
  const { a, b, out, norms } = embeddings(net, pr.p);
  const h = norms.length;
  const fa = embeddingFourier(a);
  const fb = embeddingFourier(b);
  const fo = embeddingFourier(out);
  const maxNorm = Math.max(...norms);
  const active = Array.from(norms, (v) => v >= pr.activeFraction * maxNorm && v > 0);
  const nActive = active.filter(Boolean).length;
  let single = 0;
  let singleAll = 0;
  let dom = 0;
  let tot = 0;
  const matched: number[] = [];
  let phaseOk = 0;
  for (let j = 0; j < h; j++) {
    const sa = fa.dominantFraction[j] > pr.singleFrequencyShare ? 1 : 0;
    const sb = fb.dominantFraction[j] > pr.singleFrequencyShare ? 1 : 0;
    singleAll += sa + sb;
    for (const f of [fa, fb]) {
      let nonDc = 0;
      for (let k = 1; k < f.numFrequencies; k++) nonDc += f.power.data[j * f.numFrequencies + k];
      dom += f.dominantFraction[j] * nonDc;
      tot += nonDc;
    }
    if (!active[j]) continue;
    single += sa + sb;
    const k = fa.dominantFrequency[j];
    if (k > 0 && fb.dominantFrequency[j] === k && fo.dominantFrequency[j] === k) {
      matched.push(j);
      if (Math.abs(wrap(fo.phase[j] - fa.phase[j] - fb.phase[j])) <= pr.phaseTolerance) phaseOk++;
    }
  }
  return { fa, fb, fo, active, singleActive: nActive > 0 ? single / (2 * nActive) : 0, singleAll: singleAll / (2 * h), powerWeighted: tot > 0 ? dom / tot : 0, matched, phaseOk };
}

/** The keys of `predict`'s scalars: Gromov's solution (accuracy, one frequency per neuron, φ₃ = φ₁ + φ₂) and the catalog's bounds. */
type PredKey =
  | 'final test accuracy'
  | 'final test accuracy (catalog lower bound)'
  | 'delay ratio t_gen/t_mem (lower bound)'
  | 'single-frequency fraction'
  | 'single-frequency fraction (catalog lower bound)'
  | 'phase relation fraction'
  | 'phase relation fraction (lower bound)'
  | 'phase coefficient of φ₁'
  | 'phase coefficient of φ₂'
  | 'lazy test accuracy (upper bound)';

export const grokkingFourier = defineStudy<P, PredKey>(Params, {
  id: 'grokking-fourier',
  catalog: 31,
  pillar: 'mechanisms',
  title: 'Grokking modular addition: late generalization through single-frequency Fourier neurons',
  claim: 'A two-layer network trained with weight decay on part of the (a + b) mod p table reaches 100% train accuracy long before it generalizes; when it does, each active hidden neuron embeds the operands with a single frequency k and its readout phase is the sum of its input phases (φ₃ = φ₁ + φ₂), while a lazily trained copy (large output multiplier) does not generalize.',
  formula: 'W_1[a, j] \\approx A_j\\cos(2\\pi k_j a/p + \\varphi_{1j}),\\; W_1[p+b, j] \\approx B_j\\cos(2\\pi k_j b/p + \\varphi_{2j}),\\; W_2[j, c] \\approx C_j\\cos(2\\pi k_j c/p + \\varphi_{3j}),\\; \\varphi_3 = \\varphi_1 + \\varphi_2',
  papers: [
    'Power, Burda, Edwards, Babuschkin & Misra 2022, Grokking: generalization beyond overfitting on small algorithmic datasets',
    'Gromov 2023, Grokking modular arithmetic',
    'Nanda, Chan, Lieberum, Smith & Steinhardt 2023, Progress measures for grokking via mechanistic interpretability (ICLR)',
    'Kumar, Bordelon, Gershman & Pehlevan 2024, Grokking as the transition from lazy to rich training dynamics (ICLR)',
  ],
  core: false,
  quick: { p: 23, width: 64, trainFraction: 0.4, steps: 4000 },

  predict(p): Observations<PredKey> {
    return {
      scalars: {
        'final test accuracy': 1,
        'final test accuracy (catalog lower bound)': p.generalizedAt,
        'delay ratio t_gen/t_mem (lower bound)': 10,
        'single-frequency fraction': 1,
        'single-frequency fraction (catalog lower bound)': 0.8,
        'phase relation fraction': 1,
        'phase relation fraction (lower bound)': 0.9,
        // Gromov's solution φ₃ = φ₁ + φ₂: the coefficients of φ₁ and φ₂ (a rival identity cos a cos b ∋ cos(a − b) gives −1 for φ₂)
        'phase coefficient of φ₁': 1,
        'phase coefficient of φ₂': 1,
        'lazy test accuracy (upper bound)': 0.5,
      },
      series: [],
      notes: [`Gromov's solution: every neuron uses one of the ${Math.floor((p.p - 1) / 2)} non-trivial frequencies, with φ₃ = φ₁ + φ₂.`],
    };
  },

  measure(pr, ctx) {
    const p = pr.p;
    const data = modularArithmetic({ p, trainFraction: pr.trainFraction }, ctx.rng.child('split'));
    const total = pr.steps * (pr.lazyMultiplier > 0 ? 2 : 1);
    const main = train(
      pr,
      data,
      ctx.rng.child('net'),
      0,
      (step, a1, a2) => {
        if (step % pr.evalEvery === 0) {
          ctx.emit?.({ name: 'accuracy', group: 'train', x: step, y: a1 });
          ctx.emit?.({ name: 'accuracy', group: 'test', x: step, y: a2 });
          ctx.progress(step / total, `step ${step}: train ${a1.toFixed(3)}, test ${a2.toFixed(3)}`);
        }
      },
      ctx.signal,
    );
    const initNet = mlp({ sizes: [2 * p, pr.width, p], activation: 'quadratic', bias: false }, ctx.rng.child('net'));
    const fInit = fourierSummary(initNet, pr);
    const f = fourierSummary(main.net, pr);
    const series: Series[] = [];
    const r = main.run;
    series.push({ name: 'accuracy', group: 'train', kind: 'measured', x: r.steps, y: r.trainAcc });
    series.push({ name: 'accuracy', group: 'test', kind: 'measured', x: r.steps, y: r.testAcc });
    series.push({ name: 'train loss', group: 'rich (α = 1)', kind: 'measured', x: r.steps, y: r.loss });
    const scalars: Record<string, number> = {
      't_mem (100% train)': r.tMem,
      [`t_gen (≥ ${pr.generalizedAt * 100}% test)`]: r.tGen,
      'delay ratio t_gen/t_mem': r.tGen / r.tMem,
      'final train accuracy': r.finalTrain,
      'final test accuracy': r.finalTest,
      'active neurons': f.active.filter(Boolean).length,
      'single-frequency fraction (active neurons)': f.singleActive,
      'single-frequency fraction (all neurons)': f.singleAll,
      'single-frequency fraction at init (all neurons)': fInit.singleAll,
      'power share of the dominant frequency (all neurons)': f.powerWeighted,
      'matched neurons': f.matched.length,
      'phase relation fraction': f.matched.length > 0 ? f.phaseOk / f.matched.length : Number.NaN,
    };
    if (pr.lazyMultiplier > 0) {
      const lazy = train(
        pr,
        data,
        ctx.rng.child('net'),
        pr.lazyMultiplier,
        (step, _a1, a2) => {
          if (step % pr.evalEvery === 0) {
            ctx.emit?.({ name: 'accuracy', group: `test, lazy α = ${pr.lazyMultiplier}`, x: step, y: a2 });
            ctx.progress((pr.steps + step) / total, `lazy step ${step}: test ${a2.toFixed(3)}`);
          }
        },
        ctx.signal,
      );
      series.push({ name: 'accuracy', group: `train, lazy α = ${pr.lazyMultiplier}`, kind: 'measured', x: lazy.run.steps, y: lazy.run.trainAcc });
      series.push({ name: 'accuracy', group: `test, lazy α = ${pr.lazyMultiplier}`, kind: 'measured', x: lazy.run.steps, y: lazy.run.testAcc });
      series.push({ name: 'train loss', group: `lazy α = ${pr.lazyMultiplier}`, kind: 'measured', x: lazy.run.steps, y: lazy.run.loss });
      scalars['lazy final test accuracy'] = lazy.run.finalTest;
      scalars['lazy final train accuracy'] = lazy.run.finalTrain;
      const lf = fourierSummary(lazy.net, pr);
      scalars['lazy single-frequency fraction (active neurons)'] = lf.singleActive;
    }
    // dominant share per neuron, sorted: trained vs init (all neurons, a-embedding)
    const sorted = (x: Float64Array) => Array.from(x).sort((u, v) => v - u);
    const rank = Array.from({ length: pr.width }, (_, i) => (i + 1) / pr.width);
    series.push({ name: 'dominant-frequency share', group: 'trained, a-embedding', kind: 'measured', x: rank, y: sorted(f.fa.dominantFraction) });
    series.push({ name: 'dominant-frequency share', group: 'trained, b-embedding', kind: 'measured', x: rank, y: sorted(f.fb.dominantFraction) });
    series.push({ name: 'dominant-frequency share', group: 'init, a-embedding', kind: 'measured', x: rank, y: sorted(fInit.fa.dominantFraction) });
    // key frequencies: active single-frequency neurons per k
    const K = f.fa.numFrequencies;
    const counts = new Array<number>(K).fill(0);
    f.fa.dominantFrequency.forEach((k, j) => {
      if (f.active[j] && f.fa.dominantFraction[j] > pr.singleFrequencyShare) counts[k]++;
    });
    series.push({ name: 'neurons per key frequency', group: 'a-embedding', kind: 'measured', x: counts.map((_, k) => k).slice(1), y: counts.slice(1) });
    // phase relation scatter: φ₁ + φ₂ against φ₃ (wrapped), dashed y = x
    const sumPhase = f.matched.map((j) => wrap(f.fa.phase[j] + f.fb.phase[j]));
    const outPhase = f.matched.map((j, i) => {
      // unwrap φ₃ next to φ₁ + φ₂ so points straddling ±π sit on the diagonal
      const d = wrap(f.fo.phase[j] - sumPhase[i]);
      return sumPhase[i] + d;
    });
    series.push({ name: 'phases', group: 'matched neurons', kind: 'measured', x: sumPhase, y: outPhase });
    // the raw phases of the matched neurons, so compare() can test any predicted phase relation
    for (const [g, ph] of [
      ['φ₁', f.fa.phase],
      ['φ₂', f.fb.phase],
      ['φ₃', f.fo.phase],
    ] as const)
      series.push({ name: 'matched-neuron phases', group: g, kind: 'measured', x: f.matched, y: f.matched.map((j) => ph[j]) });
    series.push({ name: 'phases', group: 'φ₃ = φ₁ + φ₂', kind: 'predicted', x: [-Math.PI, Math.PI], y: [-Math.PI, Math.PI] });
    // a few embeddings with the single-cosine fit (dashed)
    const { a, norms } = embeddings(main.net, p);
    const top = Array.from(norms, (v, j) => [v, j] as const)
      .filter(([, j]) => f.active[j])
      .sort((u, v) => v[0] - u[0])
      .slice(0, 4)
      .map(([, j]) => j);
    const residues = Array.from({ length: p }, (_, i) => i);
    for (const j of top) {
      const k = f.fa.dominantFrequency[j];
      const g = `neuron ${j} (k = ${k})`;
      series.push({ name: 'embedding', group: g, kind: 'measured', x: residues, y: residues.map((r0) => a.data[r0 * pr.width + j]) });
      // DC + single cosine at k*: mean + A cos(2πk a/p + φ)
      let mean = 0;
      for (const r0 of residues) mean += a.data[r0 * pr.width + j] / p;
      series.push({
        name: 'embedding',
        group: g,
        kind: 'predicted',
        x: residues,
        y: residues.map((r0) => mean + f.fa.amplitude[j] * Math.cos((2 * Math.PI * k * r0) / p + f.fa.phase[j])),
      });
    }
    return { scalars, series };
  },

  compare(pred, meas, pr) {
    const s = meas.scalars;
    // NaN for a key the prediction lacks: the verdict is then `error`, never a silent pass
    const q = (key: PredKey): number => pred.scalars[key] ?? Number.NaN;
    const phases = (g: string) => meas.series.find((x) => x.name === 'matched-neuron phases' && x.group === g)?.y ?? [];
    const [p1, p2, p3] = [phases('φ₁'), phases('φ₂'), phases('φ₃')];
    const c1 = q('phase coefficient of φ₁');
    const c2 = q('phase coefficient of φ₂');
    const phaseOk = p3.filter((v, i) => Math.abs(wrap(v - c1 * p1[i] - c2 * p2[i])) <= pr.phaseTolerance).length;
    const metrics: MetricSpec<PredKey>[] = [
      {
        name: 'final test accuracy',
        value: s['final test accuracy'],
        criterion: { op: '>=', bound: q('final test accuracy (catalog lower bound)') },
        reason: 'catalog: > 95% eventually',
        prediction: 'final test accuracy (catalog lower bound)',
      },
      {
        name: 'delay ratio t_gen/t_mem',
        value: s['delay ratio t_gen/t_mem'],
        criterion: { op: '>=', bound: q('delay ratio t_gen/t_mem (lower bound)') },
        reason: 'grokking: generalization at least an order of magnitude after memorization (measured 15–45 at the quick size, ~100 at the default)',
        prediction: 'delay ratio t_gen/t_mem (lower bound)',
      },
      {
        name: `active-neuron embeddings with > ${pr.singleFrequencyShare * 100}% power in one frequency`,
        value: s['single-frequency fraction (active neurons)'],
        criterion: { op: '>=', bound: q('single-frequency fraction (catalog lower bound)') },
        reason: 'catalog: ≥ 80% of neurons (active ones: weight decay zeroes the rest, see the header)',
        prediction: 'single-frequency fraction (catalog lower bound)',
      },
      {
        name: `matched neurons with |φ₃ − φ₁ − φ₂| ≤ ${pr.phaseTolerance} rad`,
        value: p3.length ? phaseOk / p3.length : Number.NaN,
        criterion: { op: '>=', bound: q('phase relation fraction (lower bound)') },
        reason: 'catalog [U]: within 0.3 rad for matched neurons; 10% slack for neurons still changing frequency. The phase relation is recomputed here from the predicted coefficients of φ₁ and φ₂',
        prediction: 'phase coefficient of φ₂',
      },
    ];
    if (pr.lazyMultiplier > 0) {
      metrics.push({
        name: `lazy (α = ${pr.lazyMultiplier}) test accuracy after the same steps`,
        value: s['lazy final test accuracy'],
        criterion: { op: '<=', bound: q('lazy test accuracy (upper bound)') },
        reason: 'catalog ablation (Kumar et al. 2024): a large output multiplier delays or prevents generalization',
        prediction: 'lazy test accuracy (upper bound)',
      });
    }
    const regime: RegimeCheck[] = [
      { name: 'memorized', ok: Number.isFinite(s['t_mem (100% train)']), detail: `t_mem = ${s['t_mem (100% train)']} (100% train accuracy reached)` },
      { name: 'enough active neurons', ok: s['active neurons'] >= 8, detail: `${s['active neurons']} active neurons (≥ 8 for a fraction to mean something)` },
      { name: 'matched neurons to test the phase relation', ok: s['matched neurons'] >= 5, detail: `${s['matched neurons']} neurons with one shared frequency in a, b and the readout (≥ 5)` },
    ];
    if (pr.lazyMultiplier > 0) {
      regime.push({
        name: 'lazy run memorized',
        ok: s['lazy final train accuracy'] >= 0.99,
        detail: `lazy train accuracy ${s['lazy final train accuracy'].toFixed(3)} (≥ 0.99: its failure is to generalize, not to fit)`,
      });
    }
    return { metrics, regime };
  },

  controls: [
    {
      name: 'φ₃ = φ₁ − φ₂ (the difference term)',
      description: 'cos(ωa + φ₁)·cos(ωb + φ₂) holds both cos(ω(a + b) + φ₁ + φ₂) and cos(ω(a − b) + φ₁ − φ₂): a referee could read the readout phase off the other term',
      predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'phase coefficient of φ₂': -1 } satisfies Scalars<PredKey> }),
    },
    {
      name: 'φ₃ = 2φ₁ (the readout locked to one operand)',
      description: 'a rival in which the readout doubles the a-embedding phase (a squared single-operand feature cos²(ωa + φ₁) ∋ cos(2ωa + 2φ₁)), ignoring b',
      predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'phase coefficient of φ₁': 2, 'phase coefficient of φ₂': 0 } satisfies Scalars<PredKey> }),
    },
  ],
  seeds: { default: 5, threshold: 0.5 },

  figures: (pr) => [
    {
      id: 'grokking',
      title: `Train and test accuracy on (a + b) mod ${pr.p}`,
      x: { label: 'step', log: true },
      y: { label: 'accuracy' },
      series: [{ name: 'accuracy' }],
      rules: [{ y: pr.generalizedAt, label: `${pr.generalizedAt * 100}%` }],
      caption: 'Train accuracy reaches 100% within tens of steps; test accuracy jumps an order of magnitude later. The lazy copy (large output multiplier) fits but stays near chance.',
    },
    {
      id: 'embeddings',
      title: 'Operand-a embeddings of the largest neurons',
      x: { label: 'residue a' },
      y: { label: 'W₁[a, j]' },
      series: [{ name: 'embedding' }],
      caption: 'Dashed: mean + one cosine at the neuron’s dominant frequency (amplitude and phase from the DFT).',
    },
    {
      id: 'dominant-share',
      title: 'Share of embedding power in the dominant frequency, per neuron (sorted)',
      x: { label: 'neuron quantile' },
      y: { label: 'P_k* / Σ_{k≥1} P_k' },
      series: [{ name: 'dominant-frequency share' }],
      rules: [{ y: pr.singleFrequencyShare, label: 'single-frequency threshold' }],
      caption: 'The tail near 0 after training is the neurons that weight decay switched off.',
    },
    { id: 'key-frequencies', title: 'Single-frequency neurons per frequency k', x: { label: 'k' }, y: { label: 'neurons' }, series: [{ name: 'neurons per key frequency' }], mark: 'point' },
    {
      id: 'phases',
      title: 'Readout phase against the sum of input phases',
      x: { label: 'φ₁ + φ₂ (wrapped)' },
      y: { label: 'φ₃ (unwrapped next to φ₁ + φ₂)' },
      series: [{ name: 'phases' }],
      mark: 'point',
      caption: 'Dashed: Gromov’s relation φ₃ = φ₁ + φ₂.',
    },
    { id: 'loss', title: 'Training loss', x: { label: 'step', log: true }, y: { label: 'MSE', log: true }, series: [{ name: 'train loss' }] },
  ],
});

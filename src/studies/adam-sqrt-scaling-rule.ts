/**
 * Catalog 24: the square-root scaling rule for Adam (Malladi, Lyu, Panigrahi & Arora 2022, "On the SDEs
 * and scaling rules for adaptive gradient algorithms", NeurIPS); §2.4 of the learning-mechanics paper.
 *
 * Theory. Malladi et al. derive an SDE for Adam (and RMSprop) in the regime where the minibatch gradient
 * noise dominates the gradient, with time t = η²·steps and 1 − β₁, 1 − β₂ of order η². Under that
 * SDE, the dynamics as a function of examples seen are invariant under
 *
 *     B → κB,   η → √κ·η,   1 − β₁ → κ(1 − β₁),   1 − β₂ → κ(1 − β₂),   ε → ε/√κ,
 *
 * the square-root scaling rule (in the noise-dominated regime Adam's update ≈ η·g/σ has per-step drift
 * ∝ η√B/σ_ex, so the drift per example is ∝ η/√B). Naive linear scaling (κη, κB) with unchanged β's makes
 * the per-example drift √κ times larger and so changes the curve. The rule needs κ(1 − β₁) < 1 and breaks
 * down when κ is large or the noise does not dominate (B ≳ B_simple = tr Σ/|G|²).
 *
 * Setting. A one-hidden-layer tanh MLP (width 32) trained online with Adam on the noisy teacher
 * y = Σ_{j<2} ±tanh(2u_jᵀx)/√2 + 2ε, x ∈ R⁸ (src/protocols/onlineTeacher.ts); the label noise σ = 2
 * puts the run in the noise-dominated regime from the start (B_simple at initialization ≫ κB₀). Base
 * (η₀, B₀, β₁, β₂, ε) = (2·10⁻³, 2, 0.995, 0.999, 0.3). Every run starts from the same initialization and
 * reads the same example stream, averaged over replicas; the observable is the excess population loss on a
 * fixed evaluation set at 24 checkpoints geometric in examples seen, identical for every run.
 *
 * Why β₁ = 0.995 and ε = 0.3 (issue 13: with β₁ = 0.9, ε = 10⁻⁸ the ablation "√κη only" also held, within
 * 2–3%, so the β and ε scalings were untested). The rule has four parts; a part is tested only where it
 * matters. ε matters when it is comparable to Adam's √v̂ (a rough estimate here: 0.1–0.7 per coordinate at B₀ = 2): the
 * κB batch's √v̂ falls by √κ, and only ε/√κ keeps the denominator's mix. β₁ matters when the momentum
 * window 1/(1 − β₁) = 200 steps is not short against the loss's time scale. The rule is stated for any
 * (β, ε) with 1 − β of order η² (Malladi et al. 2022), so this is a harder setting for it, not an easier one.
 *
 * Pass. Each run is predicted to follow the base curve (invariant: mean relative deviation ≤ 5%, the
 * catalog's band) or to leave it (≥ 10%, twice the band; src/studies/support/curveInvariance.ts): the
 * square-root rule at κ = 2, 4, 8 follows it, and its geometric-mean curve ratio is 1 within 5% at κ = 4;
 * at κ = 8 linear scaling (κη, κB), "√κη only" (β, ε unscaled), "ε unscaled" and "β unscaled" leave it.
 * Regime: the largest batch stays in the noise-dominated regime (8B₀ ≤ B_simple at initialization, where
 * B_simple is smallest along the run); the rule is defined (8(1 − β₁) < 1); the base run learns.
 *
 * Controls (each a rival prediction on the same runs, falsified at quick seeds 0–4): the linear rule
 * carried over from SGD; "√κη alone suffices"; "β need not scale"; "ε need not scale".
 *
 * Measured, quick (2 replicas, 32 768 examples), seeds 0–4: √ rule 0.19–0.64% (κ = 2), 0.66–1.6% (κ = 4),
 * 1.3–3.4% (κ = 8); at κ = 8 linear 23–64%, √κη only 19–35%, ε unscaled 12–25%, β unscaled 16–31%; all
 * hold. Detection power: the curve ratio notices a prediction 4–5% off. The invariance indicators are
 * judged by bands, not by a continuous target, so their detection threshold (50%) says nothing.
 */
import { z } from 'zod';
import { teacherBatch, teacherEvalSet } from '../data/teacherStream.ts';
import { gradientNoiseScale } from '../observe/gradientNoise.ts';
import { checkpointGrid, type CurveConfig, halfSquaredError, meanCurveRatio, meanRelativeDeviation, noisyTanhTeacher, replicaCurves, tanhStudent } from '../protocols/onlineTeacher.ts';
import { sig3 as num } from './format.ts';
import { AGREEMENT_BAND, invarianceCriterion, invarianceReason } from './curveInvariance.ts';
import { type Control, defineStudy, type MetricSpec, type Observations, type RegimeCheck, type Scalars, type Series } from './types.ts';

const Params = z.object({
  inputDim: z.number().int().min(2).max(64).default(8),
  teacherDirections: z.number().int().min(1).max(16).default(2),
  /** standard deviation σ of the label noise (large: the noise-dominated regime of the Adam SDE) */
  labelNoise: z.number().min(0).max(8).default(2),
  width: z.number().int().min(4).max(256).default(32),
  /** base batch size B₀ and Adam hyperparameters */
  batch: z.number().int().min(1).max(256).default(2),
  lr: z.number().positive().max(1).default(0.002),
  beta1: z.number().min(0).max(0.9999).default(0.995),
  beta2: z.number().min(0).max(0.999999).default(0.999),
  /** comparable to the base run's √v̂, so that the rule's ε/√κ matters (see header) */
  eps: z.number().positive().max(1).default(0.3),
  /** examples seen by every run */
  examples: z.number().int().min(1024).max(1 << 22).default(65536),
  checkpoints: z.number().int().min(4).max(64).default(24),
  replicas: z.number().int().min(1).max(16).default(4),
  /** extra κ beyond the judged 2 and 4, for the square-root rule only, to document where it breaks (needs κ(1 − β₁) < 1) */
  breakdownKappas: z.array(z.number().int().min(5).max(1024)).default([16]),
  /** κ of the ablations (the rule with one of its scalings left out); needs κ(1 − β₁) < 1 */
  ablationKappa: z.number().int().min(2).max(1024).default(8),
  evalSize: z.number().int().min(64).max(8192).default(1024),
  /** B_simple at initialization by the two-batch estimator */
  noiseSmall: z.number().int().min(1).default(8),
  noiseBig: z.number().int().min(2).default(256),
  noisePairs: z.number().int().min(2).max(1024).default(128),
});
type P = z.infer<typeof Params>;

const JUDGED = [2, 4] as const;
/** κ at which linear scaling is judged (the catalog's); the ablations use `ablationKappa` */
const KAPPA = 4;
const BASE = 'base (η₀, B₀, β₁, β₂, ε)';
const SQRT = (k: number) => `square-root rule κ=${k}`;
const LINEAR = (k: number) => `linear scaling κ=${k}`;
const LR_ONLY = (k: number) => `√κ·η only κ=${k}`;
const EPS_FIXED = (k: number) => `ε unscaled κ=${k}`;
const BETA_FIXED = (k: number) => `β unscaled κ=${k}`;
/** The runs judged for invariance: each is predicted to follow the base curve (1) or not (0). */
const VARIANTS = ['square-root', 'linear', '√κη only', 'ε unscaled', 'β unscaled'] as const;
type Variant = (typeof VARIANTS)[number];
/** The scalars `measure` hands to `compare` (typed, so that a misspelt key fails type-checking). */
type AdamKey =
  | 'B_simple at init'
  | 'B_simple relative standard error'
  | 'initial excess loss'
  | 'final excess loss'
  | `loss ratio square-root κ=${number}`
  | `deviation ${Variant} κ=${number}`;
type AdamPredictionKey = 'loss ratio of the square-root rule (SDE limit)' | `invariant: ${Variant}`;
const pct = (v: number) => (Number.isFinite(v) ? `${num(100 * v)}%` : 'diverged');

function configs(p: P): CurveConfig[] {
  const adamConfig = (lr: number, b1: number, b2: number, eps: number) => ({ kind: 'adam' as const, lr, beta1: b1, beta2: b2, eps });
  const out: CurveConfig[] = [{ label: BASE, optimizer: adamConfig(p.lr, p.beta1, p.beta2, p.eps), batch: p.batch }];
  const sqrtRule = (k: number): CurveConfig => ({
    label: SQRT(k),
    // Malladi et al. 2022: B → κB, η → √κη, 1 − β → κ(1 − β), ε → ε/√κ
    optimizer: adamConfig(Math.sqrt(k) * p.lr, 1 - k * (1 - p.beta1), 1 - k * (1 - p.beta2), p.eps / Math.sqrt(k)),
    batch: k * p.batch,
  });
  for (const k of JUDGED) out.push(sqrtRule(k));
  const k = p.ablationKappa;
  out.push({ label: LINEAR(k), optimizer: adamConfig(k * p.lr, p.beta1, p.beta2, p.eps), batch: k * p.batch });
  if (!JUDGED.includes(k as 2 | 4)) out.push(sqrtRule(k));
  // ablations: the rule with one of its scalings left out
  out.push({ label: LR_ONLY(k), optimizer: adamConfig(Math.sqrt(k) * p.lr, p.beta1, p.beta2, p.eps), batch: k * p.batch });
  out.push({ label: EPS_FIXED(k), optimizer: adamConfig(Math.sqrt(k) * p.lr, 1 - k * (1 - p.beta1), 1 - k * (1 - p.beta2), p.eps), batch: k * p.batch });
  out.push({ label: BETA_FIXED(k), optimizer: adamConfig(Math.sqrt(k) * p.lr, p.beta1, p.beta2, p.eps / Math.sqrt(k)), batch: k * p.batch });
  for (const kb of [...new Set(p.breakdownKappas)].sort((a, b) => a - b)) if (kb !== k && kb * (1 - p.beta1) < 1 && kb * (1 - p.beta2) < 1) out.push(sqrtRule(kb));
  return out;
}

/** A rival theory as a prediction: the same scalars with some runs' invariance flipped. */
function withInvariance(pred: Observations<AdamPredictionKey>, flips: Partial<Record<Variant, number>>): Observations<AdamPredictionKey> {
  const scalars = { ...pred.scalars };
  for (const [v, x] of Object.entries(flips)) scalars[`invariant: ${v as Variant}`] = x;
  return { ...pred, scalars };
}

const controls: Control<P, AdamPredictionKey>[] = [
  {
    name: 'linear scaling rule (the SGD rule) for Adam',
    description: 'a referee carrying over Goyal et al.’s SGD rule: (κη, κB) keeps the curve, so the square-root rule’s √κη is too small a step',
    predict: (_p, pred) => withInvariance(pred, { linear: 1, 'square-root': 0 }),
  },
  {
    name: '√κ·η alone suffices (β and ε need not scale)',
    description: 'the common practice of scaling only the learning rate: the β and ε adjustments of Malladi et al. would then be irrelevant',
    predict: (_p, pred) => withInvariance(pred, { '√κη only': 1, 'ε unscaled': 1, 'β unscaled': 1 }),
  },
  {
    name: 'β need not scale',
    description: 'Adam’s moment windows are short against the loss’s time scale, so leaving β₁, β₂ at their base values would not move the curve',
    predict: (_p, pred) => withInvariance(pred, { 'β unscaled': 1 }),
  },
  {
    name: 'ε need not scale',
    description: 'ε is a numerical safeguard, so leaving it at its base value would not move the curve',
    predict: (_p, pred) => withInvariance(pred, { 'ε unscaled': 1 }),
  },
];

export const adamSqrtScalingRule = defineStudy<z.output<typeof Params>, AdamPredictionKey, AdamKey>(Params, {
  id: 'adam-sqrt-scaling-rule',
  catalog: 24,
  pillar: 'hyperparameters',
  title: 'Square-root scaling rule for Adam: (√κη, κB, 1 − β → κ(1 − β)) keeps the loss-vs-examples curve',
  claim:
    'For Adam in the noise-dominated regime, scaling the batch by κ and the learning rate by √κ (with 1 − β₁, 1 − β₂ scaled by κ and ε by 1/√κ) leaves the loss as a function of examples seen unchanged, while linear scaling of the learning rate does not.',
  formula: 'B\\to\\kappa B,\\ \\eta\\to\\sqrt{\\kappa}\\,\\eta,\\ 1-\\beta_i\\to\\kappa(1-\\beta_i),\\ \\epsilon\\to\\epsilon/\\sqrt{\\kappa}',
  papers: [
    'Malladi, Lyu, Panigrahi & Arora 2022, On the SDEs and scaling rules for adaptive gradient algorithms (NeurIPS)',
    'Kingma & Ba 2015, Adam: a method for stochastic optimization (ICLR)',
    'Granziol et al. 2022, Learning rates as a function of batch size: a random matrix theory approach (JMLR)',
    'Simon et al. 2026, There will be a scientific theory of deep learning, §2.4',
  ],
  core: false,
  quick: { examples: 32768, replicas: 2, breakdownKappas: [], evalSize: 512, noisePairs: 64 },

  controls,
  seeds: { default: 5, threshold: 0.5 },

  predict() {
    // the SDE limit: the rule's curve is the base curve (ratio 1); every run that leaves out a part of
    // the rule (the κ-fold β window, ε/√κ, or the √κ step itself) is a different SDE and leaves it
    const invariant: Record<Variant, number> = { 'square-root': 1, linear: 0, '√κη only': 0, 'ε unscaled': 0, 'β unscaled': 0 };
    const scalars: Scalars<AdamPredictionKey> = { 'loss ratio of the square-root rule (SDE limit)': 1 };
    for (const v of VARIANTS) scalars[`invariant: ${v}`] = invariant[v];
    return { scalars, series: [] };
  },

  measure(p, ctx) {
    const rng = ctx.rng;
    const task = noisyTanhTeacher(p.inputDim, p.teacherDirections, p.labelNoise, rng.child('teacher'));
    const evalSet = teacherEvalSet(task, p.evalSize, rng.child('eval'));
    const cfgs = configs(p);
    const maxBatch = Math.max(...cfgs.map((c) => c.batch));
    const cps = checkpointGrid(p.examples / 64, p.examples, p.checkpoints, maxBatch);

    // B_simple at initialization (replica 0): the least noise-dominated point of the run
    const net0 = tanhStudent(p.inputDim, p.width, rng.child('init', 0));
    const ns = gradientNoiseScale((size, r) => halfSquaredError(net0, teacherBatch(task, size, r)), net0.params(), { bSmall: p.noiseSmall, bBig: p.noiseBig, pairs: p.noisePairs, rng: rng.child('noise') });
    ctx.progress(0.02, `B_simple at init = ${num(ns.bSimple)}`);

    const curves = replicaCurves({
      configs: cfgs,
      replicas: p.replicas,
      task,
      evalSet,
      checkpoints: cps,
      inputDim: p.inputDim,
      width: p.width,
      rng,
      signal: ctx.signal,
      onEval: (lbl, q, examples, loss) => {
        if (q === 0) ctx.emit?.({ name: 'excess loss', group: lbl, x: examples, y: loss });
      },
      onRun: (done, total, lbl) => ctx.progress(0.02 + (0.98 * done) / total, `${lbl}: run ${done}/${total}`),
    });
    const base = curves.get(BASE)?.mean ?? [];
    const series: Series[] = [];
    const scalars: Scalars<AdamKey> = {
      'B_simple at init': ns.bSimple,
      'B_simple relative standard error': Math.hypot(ns.traceSigmaStderr / ns.traceSigma, ns.gradNormSqStderr / ns.gradNormSq),
      'initial excess loss': base[0],
      'final excess loss': base[base.length - 1],
    };
    for (const c of cfgs) {
      const m = curves.get(c.label);
      if (m) series.push({ name: 'excess loss', group: c.label, kind: 'measured', x: cps, y: m.mean });
    }
    series.push({ name: 'excess loss', group: 'SDE prediction (the base curve)', kind: 'predicted', x: cps, y: base });
    const dev = (lbl: string) => meanRelativeDeviation(base, curves.get(lbl)?.mean ?? []);
    const kappas = [...new Set(cfgs.filter((c) => c.label.startsWith('square-root')).map((c) => c.batch / p.batch))].sort((a, b) => a - b);
    for (const k of kappas) {
      scalars[`deviation square-root κ=${k}`] = dev(SQRT(k));
      scalars[`loss ratio square-root κ=${k}`] = meanCurveRatio(base, curves.get(SQRT(k))?.mean ?? []);
    }
    const ka = p.ablationKappa;
    scalars[`deviation linear κ=${ka}`] = dev(LINEAR(ka));
    scalars[`deviation √κη only κ=${ka}`] = dev(LR_ONLY(ka));
    scalars[`deviation ε unscaled κ=${ka}`] = dev(EPS_FIXED(ka));
    scalars[`deviation β unscaled κ=${ka}`] = dev(BETA_FIXED(ka));
    const get = (k: AdamKey): number => scalars[k] ?? Number.NaN;
    const finite = (ks: readonly number[], key: (k: number) => AdamKey) => ks.filter((k) => Number.isFinite(get(key(k))));
    const add = (group: string, ks: readonly number[], key: (k: number) => AdamKey) => {
      const f = finite(ks, key);
      series.push({ name: 'mean relative deviation from the base curve', group, kind: 'measured', x: f, y: f.map((k) => get(key(k))) });
    };
    add('square-root rule', kappas, (k) => `deviation square-root κ=${k}`);
    for (const v of VARIANTS.slice(1)) add(v, [p.ablationKappa], (k) => `deviation ${v} κ=${k}`);
    series.push({ name: 'mean relative deviation from the base curve', group: 'SDE limit (square-root rule)', kind: 'predicted', x: kappas, y: kappas.map(() => 0) });
    const notes = [
      `deviations from the base curve: ${kappas.map((k) => `√ rule κ=${k}: ${pct(get(`deviation square-root κ=${k}`))}`).join(', ')}; at κ=${p.ablationKappa}: ${VARIANTS.slice(1)
        .map((v) => `${v} ${pct(get(`deviation ${v} κ=${p.ablationKappa}`))}`)
        .join(', ')}`,
      `B_simple at initialization = ${num(ns.bSimple)} (two-batch, ${p.noisePairs} pairs) vs the largest judged batch 4B₀ = ${4 * p.batch}`,
    ];
    return { scalars, series, notes };
  },

  compare(pred, meas, p) {
    const s = (k: AdamKey): number => meas.scalars[k] ?? Number.NaN;
    const q = pred.scalars;
    const judged = (v: Variant, k: number, why: string): MetricSpec<AdamPredictionKey> => ({
      name: `deviation of ${v === 'square-root' ? 'the square-root rule' : v === 'linear' ? 'linear scaling (κη, κB)' : `the ablation “${v}”`}, κ = ${k}`,
      value: s(`deviation ${v} κ=${k}`),
      criterion: invarianceCriterion(q[`invariant: ${v}`]),
      reason: `${invarianceReason(q[`invariant: ${v}`])}; ${why}`,
      prediction: `invariant: ${v}`,
    });
    const metrics: MetricSpec<AdamPredictionKey>[] = JUDGED.map((k) => judged('square-root', k, 'Malladi et al.’s SDE: (√κη, κB, κ(1 − β), ε/√κ) is the same SDE at the same examples'));
    metrics.push({
      name: `loss ratio, square-root rule / base, κ = ${KAPPA}`,
      value: s(`loss ratio square-root κ=${KAPPA}`),
      criterion: { op: 'rel', target: q['loss ratio of the square-root rule (SDE limit)'] ?? Number.NaN, tol: AGREEMENT_BAND },
      reason: 'the geometric-mean ratio of the two curves over the checkpoints is 1 in the SDE limit; the catalog’s 5% band (replica-mean curves of 2–4 replicas sharing inits and streams)',
      prediction: 'loss ratio of the square-root rule (SDE limit)',
    });
    metrics.push(judged('linear', p.ablationKappa, 'the per-example drift of (κη, κB) is √κ times the rule’s in the noise-dominated regime'));
    metrics.push(judged('√κη only', p.ablationKappa, 'β and ε left at their base values: a different SDE (the rule needs all its scalings)'));
    metrics.push(judged('ε unscaled', p.ablationKappa, 'ε comparable to √v̂ (see header): ε not divided by √κ damps the larger batch’s steps, whose √v̂ fell by √κ'));
    metrics.push(judged('β unscaled', p.ablationKappa, 'β₁, β₂ left at their base values: the moment windows stay as many steps long, κ times longer in examples'));
    if (p.ablationKappa !== 2 && p.ablationKappa !== 4) metrics.splice(JUDGED.length, 0, judged('square-root', p.ablationKappa, 'the rule at the ablations’ κ, the reference they are compared with'));
    const kMax = Math.max(...JUDGED, p.ablationKappa);
    const regime: RegimeCheck[] = [
      {
        name: 'noise-dominated regime',
        ok: kMax * p.batch <= s('B_simple at init'),
        value: s('B_simple at init'),
        detail: `largest judged batch ${kMax}B₀ = ${kMax * p.batch} vs B_simple at initialization = ${num(s('B_simple at init'))} (Malladi et al.’s SDE needs the minibatch noise to dominate the gradient: B ≲ B_simple)`,
      },
      {
        name: `the rule is defined at κ = ${kMax}`,
        ok: kMax * (1 - p.beta1) < 1 && kMax * (1 - p.beta2) < 1,
        detail: `${kMax}(1 − β₁) = ${num(kMax * (1 - p.beta1))}, ${kMax}(1 − β₂) = ${num(kMax * (1 - p.beta2))} (both must be < 1)`,
      },
      {
        name: 'the base run learns',
        ok: s('final excess loss') < 0.5 * s('initial excess loss'),
        value: s('final excess loss') / s('initial excess loss'),
        detail: `excess loss ${num(s('initial excess loss'))} → ${num(s('final excess loss'))} over ${p.examples} examples`,
      },
    ];
    return { metrics, regime };
  },

  figures: () => [
    {
      id: 'curves',
      title: 'Excess loss against examples seen: baseline, square-root rule, linear scaling',
      x: { label: 'examples seen', log: true },
      y: { label: 'excess population loss ½E(f − f*)²', log: true },
      series: [{ name: 'excess loss' }],
      caption: 'Solid: replica-mean measured curves. Dashed: the SDE prediction for the square-root rule, the base curve.',
    },
    {
      id: 'deviation',
      title: 'Deviation from the baseline curve against the batch multiplier κ',
      x: { label: 'κ = B/B₀', log: true },
      y: { label: 'mean relative deviation' },
      series: [{ name: 'mean relative deviation from the base curve' }],
      rules: [{ y: 0.05, label: 'pass: ≤ 5%' }],
    },
  ],
});

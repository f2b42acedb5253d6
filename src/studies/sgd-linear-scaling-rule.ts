/**
 * Catalog 23: the linear scaling rule for SGD (Goyal et al. 2017) and its SDE explanation (Mandt, Hoffman &
 * Blei 2017; Jastrzębski et al. 2017; Li, Tai & E 2017/2019 "stochastic modified equations"; Li, Malladi &
 * Arora 2021 "On the validity of modeling SGD with SDEs"); §2.4 of the learning-mechanics paper.
 *
 * Theory. For small steps, SGD with learning rate η and batch B is a weak first-order discretization of
 *
 *     dθ = −∇L(θ) dt + √(η/B) Σ(θ)^{1/2} dW_t,      t = η·steps,
 *
 * with Σ the per-example gradient covariance. Only the time t and the temperature η/B enter, so
 * (η, B) → (kη, kB) leaves the dynamics unchanged as a function of t = η·steps = (η/B)·examples, i.e. at a
 * fixed number of examples seen. The approximation needs each step to be small against the curvature:
 * kη·λ_max ≲ 1 (half the stability limit 2/λ_max, the catalog's condition); beyond it the discrete steps
 * of the large-batch run no longer follow the flow (and above 2/λ_max they diverge). In McCandlish et al.'s
 * (2018) language, with η tuned at B₀ the rule holds while kB₀ stays below the critical batch size: the
 * optimal step stops growing with B once B ≳ B_noise, which is where kη reaches the curvature limit.
 *
 * Setting. A one-hidden-layer tanh MLP (width 32) trained online with SGD on the noisy teacher
 * y = Σ_{j<2} ±tanh(2u_jᵀx)/√2 + 0.5ε, x ∈ R⁸ (src/protocols/onlineTeacher.ts). Base (η₀, B₀) =
 * (0.02, 4); scaled pairs (kη₀, kB₀) for k = 2, 4; control (η₀, 4B₀); a breakdown scan k = 8, 16, 32, 64.
 * Every run starts from the same initialization and reads the same example stream (only grouped into
 * batches differently), averaged over replicas (independent inits and streams). The observable is the
 * excess population loss ½E(f − f*)² on a fixed evaluation set at 24 checkpoints, geometric in examples
 * seen (1/64 of the budget to the end), the same checkpoints for every run.
 *
 * Pass. Each run is predicted to follow the base curve (mean relative deviation over the checkpoints of
 * |L_k − L_1|/L_1, replica-mean curves, ≤ 5%: the catalog) or to leave it (≥ 10%, twice the band;
 * src/studies/support/curveInvariance.ts): (kη₀, kB₀) for k = 2, 4 follows it, and its geometric-mean curve
 * ratio is 1 within 5% at k = 4; the control (η₀, 4B₀) (a quarter of the SDE time per example) and the
 * square-root pair (2η₀, 4B₀) (half of it) leave it. Controls (rival predictions on the same runs): the
 * square-root rule for SGD, and "η need not scale with B"; both falsified at quick seeds 0–4. Detection
 * power: the curve ratio notices a prediction 3% off. Regime: 4η₀·λ_max ≤ 1 (the largest scaled step stays below half the stability limit; λ_max is the
 * largest top Hessian eigenvalue measured along the base run) and the base run learns (its final excess loss
 * is below half its initial one). The breakdown scan is not judged (the catalog allows the rule to fail at
 * large k); the notes say where it first exceeds 5%, next to the ½-stability prediction k = 1/(η₀λ_max) and
 * the gradient noise scale B_simple measured along the base run (src/observe/gradientNoise.ts).
 *
 * Measured. Quick (2 replicas, 32 768 examples), seeds 0–4: deviation 0.6–0.9% (k = 2), 1.6–2.6% (k = 4),
 * control 60–113%, 4η₀λ_max = 0.24–0.27; all hold (≈ 4 s). Default, seed 0 (4 replicas, 65 536 examples,
 * 9 s): 0.93% (k = 2), 2.2% (k = 4), control 75%; breakdown scan 5.5% (k = 8, B = 32, kη₀λ_max = 0.52),
 * 15% (k = 16, kη₀λ_max = 1.04), 71% (k = 32, 2.08), diverged (k = 64, 4.2). So the rule fails where
 * kη₀·λ_max passes ≈ ½–1, as the catalog's ½-stability condition says. B_simple along the base run is
 * ≈ 12 at initialization and 150–550 later, and study 25 finds B_crit ≈ 140–160 on the same task. With
 * this η₀ (below the tuned step at B₀), then, curvature breaks the rule at B ≈ 32–64, before B reaches
 * the noise scale. "Breaks above B_crit" is McCandlish's statement about the *tuned* step
 * ε_opt(B) = ε_max/(1 + B_noise/B): it grows ∝ B only while B ≪ B_noise. That is the same limit seen
 * from the optimal η₀, where kη₀ reaches ε_max ~ 1/λ at kB₀ ~ B_noise.
 */
import { z } from 'zod';
import { ExampleStream, teacherBatch, teacherEvalSet } from '../data/teacherStream.ts';
import { gradientNoiseScale } from '../observe/gradientNoise.ts';
import { sharpness } from '../observe/hessian.ts';
import {
  checkpointGrid,
  type CurveConfig,
  halfSquaredError,
  meanCurveRatio,
  meanRelativeDeviation,
  noisyTanhTeacher,
  replicaCurves,
  tanhStudent,
  trainLossCurve,
} from '../protocols/onlineTeacher.ts';
import { sig3 as num } from './format.ts';
import { invarianceCriterion, invarianceReason } from './curveInvariance.ts';
import { type Control, defineStudy, type MetricSpec, type Observations, type RegimeCheck, type Scalars, type Series } from './types.ts';

const Params = z.object({
  inputDim: z.number().int().min(2).max(64).default(8),
  teacherDirections: z.number().int().min(1).max(16).default(2),
  /** standard deviation σ of the label noise */
  labelNoise: z.number().min(0).max(4).default(0.5),
  width: z.number().int().min(4).max(256).default(32),
  /** base batch size B₀ and learning rate η₀ */
  batch: z.number().int().min(1).max(256).default(4),
  lr: z.number().positive().max(10).default(0.02),
  /** examples seen by every run */
  examples: z.number().int().min(1024).max(1 << 22).default(65536),
  checkpoints: z.number().int().min(4).max(64).default(24),
  /** independent (init, stream) replicas averaged per configuration */
  replicas: z.number().int().min(1).max(16).default(4),
  /** extra scale factors k beyond the judged 2 and 4, to document where the rule breaks */
  breakdownFactors: z.array(z.number().int().min(5).max(1024)).default([8, 16, 32, 64]),
  evalSize: z.number().int().min(64).max(8192).default(1024),
  /** λ_max (Lanczos on a fresh batch of this size) and B_simple (two-batch estimator) along the base run */
  curvatureBatch: z.number().int().min(64).max(8192).default(2048),
  noiseSmall: z.number().int().min(1).default(8),
  noiseBig: z.number().int().min(2).default(256),
  noisePairs: z.number().int().min(2).max(1024).default(64),
  /** number of base-run checkpoints (evenly spread) at which λ_max and B_simple are measured */
  probes: z.number().int().min(2).max(16).default(4),
});
type P = z.infer<typeof Params>;

const JUDGED = [2, 4] as const;
const factors = (p: P) => [1, ...JUDGED, ...[...new Set(p.breakdownFactors)].sort((a, b) => a - b)];
const label = (k: number) => (k === 1 ? 'k=1 (η₀, B₀)' : `k=${k} (${k}η₀, ${k}B₀)`);
const CONTROL = 'control (η₀, 4B₀)';
const SQRT_RUN = 'square-root scaling (2η₀, 4B₀)';
/** The runs judged for invariance: the linear rule's (k = 2, 4), η fixed (η₀, 4B₀), the square-root rule's (2η₀, 4B₀). */
const VARIANTS = ['linear', 'η fixed', 'square-root'] as const;
type Variant = (typeof VARIANTS)[number];
/** The scalars `measure` hands to `compare` (typed, so that a misspelt key fails type-checking). */
type SgdKey =
  | `deviation k=${number}`
  | 'deviation control'
  | 'deviation square-root'
  | `loss ratio k=${number}`
  | 'λ_max (max along the base run)'
  | '4η₀·λ_max'
  | 'initial excess loss'
  | 'final excess loss'
  | `B_simple at ${number} examples`
  | '½-stability scale factor 1/(η₀λ_max)'
  | 'first k with deviation > 5%';
type SgdPredictionKey = 'loss ratio of scaled runs (SDE limit)' | `invariant: ${Variant}`;

/** A rival theory as a prediction: the same scalars with some runs' invariance flipped. */
function withInvariance(pred: Observations<SgdPredictionKey>, flips: Partial<Record<Variant, number>>): Observations<SgdPredictionKey> {
  const scalars = { ...pred.scalars };
  for (const [v, x] of Object.entries(flips)) scalars[`invariant: ${v as Variant}`] = x;
  return { ...pred, scalars };
}

const controls: Control<z.output<typeof Params>, SgdPredictionKey>[] = [
  {
    name: 'square-root scaling rule for SGD',
    description: 'the rule that keeps the gradient-noise magnitude η/√B fixed: (√kη, kB) would keep the curve and (kη, kB) would not',
    predict: (_p, pred) => withInvariance(pred, { linear: 0, 'square-root': 1 }),
  },
  {
    name: 'η need not scale with B',
    description: 'the view that at a fixed number of examples the batch size alone does not matter: (η₀, 4B₀) would keep the curve',
    predict: (_p, pred) => withInvariance(pred, { 'η fixed': 1 }),
  },
];
const pct = (v: number) => (Number.isFinite(v) ? `${num(100 * v)}%` : 'diverged');

export const sgdLinearScalingRule = defineStudy<z.output<typeof Params>, SgdPredictionKey, SgdKey>(Params, {
  id: 'sgd-linear-scaling-rule',
  catalog: 23,
  pillar: 'hyperparameters',
  title: 'Linear scaling rule for SGD: (kη, kB) follows the same loss-vs-examples curve',
  claim:
    'Multiplying the SGD learning rate and the batch size by the same k leaves the loss as a function of examples seen unchanged (the SGD SDE depends only on t = η·steps and η/B), while k·η stays well inside the stability limit; scaling B alone does not.',
  formula: 'd\\theta = -\\nabla L\\,dt + \\sqrt{\\eta/B}\\,\\Sigma^{1/2} dW_t,\\quad t=\\eta\\cdot\\text{steps}:\\quad (\\eta,B)\\to(k\\eta,kB)\\ \\text{invariant at fixed examples}',
  papers: [
    'Goyal et al. 2017, Accurate, large minibatch SGD: training ImageNet in 1 hour (arXiv 1706.02677)',
    'Mandt, Hoffman & Blei 2017, Stochastic gradient descent as approximate Bayesian inference (JMLR)',
    'Jastrzębski et al. 2017, Three factors influencing minima in SGD (arXiv 1711.04623)',
    'Li, Tai & E 2019, Stochastic modified equations and dynamics of stochastic gradient algorithms I (JMLR)',
    'Li, Malladi & Arora 2021, On the validity of modeling SGD with stochastic differential equations (NeurIPS)',
    'McCandlish, Kaplan, Amodei & OpenAI Dota Team 2018, An empirical model of large-batch training (arXiv 1812.06162)',
    'Simon et al. 2026, There will be a scientific theory of deep learning, §2.4',
  ],
  core: true,
  quick: { examples: 32768, replicas: 2, breakdownFactors: [8, 16, 32], evalSize: 512, curvatureBatch: 1024, noisePairs: 32, probes: 3 },

  controls,
  seeds: { default: 5, threshold: 0.5 },

  predict() {
    // the SDE depends on t = η·steps and η/B only: (kη, kB) is the same SDE at the same examples; η fixed
    // at 4B₀ runs a quarter of the time, (2η₀, 4B₀) half of it, so both leave the curve
    return { scalars: { 'loss ratio of scaled runs (SDE limit)': 1, 'invariant: linear': 1, 'invariant: η fixed': 0, 'invariant: square-root': 0 }, series: [] };
  },

  measure(p, ctx) {
    const rng = ctx.rng;
    const task = noisyTanhTeacher(p.inputDim, p.teacherDirections, p.labelNoise, rng.child('teacher'));
    const evalSet = teacherEvalSet(task, p.evalSize, rng.child('eval'));
    const ks = factors(p);
    const maxBatch = Math.max(...ks, 4) * p.batch;
    const cps = checkpointGrid(p.examples / 64, p.examples, p.checkpoints, maxBatch);
    const configs: CurveConfig[] = ks.map((k) => ({ label: label(k), optimizer: { kind: 'sgd', lr: k * p.lr }, batch: k * p.batch }));
    configs.push({ label: CONTROL, optimizer: { kind: 'sgd', lr: p.lr }, batch: 4 * p.batch });
    configs.push({ label: SQRT_RUN, optimizer: { kind: 'sgd', lr: 2 * p.lr }, batch: 4 * p.batch });

    // ---- curvature and noise scale along the base run (replica 0) ----------------------------------
    const net = tanhStudent(p.inputDim, p.width, rng.child('init', 0));
    const ps = net.params();
    const hb = teacherBatch(task, p.curvatureBatch, rng.child('curvature'));
    const probeAt = new Set(Array.from({ length: p.probes }, (_, i) => Math.round((i * (cps.length - 1)) / (p.probes - 1))));
    const probe: { examples: number; loss: number; lambda: number; bSimple: number }[] = [];
    let evalIndex = 0;
    trainLossCurve({
      net,
      optimizer: { kind: 'sgd', lr: p.lr },
      batch: p.batch,
      stream: new ExampleStream(task, rng.child('stream', 0)),
      evalSet,
      checkpoints: cps,
      signal: ctx.signal,
      onEval: (examples, loss) => {
        if (!probeAt.has(evalIndex++)) return;
        const lambda = sharpness(() => halfSquaredError(net, hb), ps, { rng: rng.child('lanczos', examples), maxIter: 20 });
        const ns = gradientNoiseScale((size, r) => halfSquaredError(net, teacherBatch(task, size, r)), ps, { bSmall: p.noiseSmall, bBig: p.noiseBig, pairs: p.noisePairs, rng: rng.child('noise', examples) });
        probe.push({ examples, loss, lambda, bSimple: ns.bSimple });
      },
    });
    ctx.progress(0.05, 'curvature and noise scale along the base run');

    // ---- the curves ---------------------------------------------------------------------------------
    const curves = replicaCurves({
      configs,
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
      onRun: (done, total, lbl) => ctx.progress(0.05 + (0.95 * done) / total, `${lbl}: run ${done}/${total}`),
    });
    const base = curves.get(label(1))?.mean ?? [];
    const series: Series[] = [];
    const scalars: Scalars<SgdKey> = {};
    const get = (k: SgdKey): number => scalars[k] ?? Number.NaN;
    for (const c of configs) {
      const m = curves.get(c.label);
      if (m) series.push({ name: 'excess loss', group: c.label, kind: 'measured', x: cps, y: m.mean });
    }
    // the SDE prediction: every scaled run follows the base curve
    series.push({ name: 'excess loss', group: 'SDE prediction (the base curve)', kind: 'predicted', x: cps, y: base });
    const dev = (lbl: string) => meanRelativeDeviation(base, curves.get(lbl)?.mean ?? []);
    const scaled = ks.slice(1);
    for (const k of scaled) {
      scalars[`deviation k=${k}`] = dev(label(k));
      scalars[`loss ratio k=${k}`] = meanCurveRatio(base, curves.get(label(k))?.mean ?? []);
    }
    scalars['deviation control'] = dev(CONTROL);
    scalars['deviation square-root'] = dev(SQRT_RUN);
    const finite = scaled.filter((k) => Number.isFinite(get(`deviation k=${k}`)));
    series.push({ name: 'mean relative deviation from the base curve', group: 'η ∝ B', kind: 'measured', x: finite.map((k) => k * p.batch), y: finite.map((k) => get(`deviation k=${k}`)) });
    series.push({ name: 'mean relative deviation from the base curve', group: 'control: η fixed, B = 4B₀', kind: 'measured', x: [4 * p.batch], y: [get('deviation control')] });
    series.push({ name: 'mean relative deviation from the base curve', group: 'SDE limit', kind: 'predicted', x: scaled.map((k) => k * p.batch), y: scaled.map(() => 0) });

    const lambdaMax = Math.max(...probe.map((q) => q.lambda));
    scalars['λ_max (max along the base run)'] = lambdaMax;
    scalars['4η₀·λ_max'] = 4 * p.lr * lambdaMax;
    scalars['initial excess loss'] = base[0];
    scalars['final excess loss'] = base[base.length - 1];
    for (const q of probe) scalars[`B_simple at ${q.examples} examples`] = q.bSimple;
    series.push({ name: 'gradient noise scale B_simple', group: 'base run (two-batch)', kind: 'measured', x: probe.map((q) => Math.max(q.examples, 1)), y: probe.map((q) => q.bSimple) });
    series.push({ name: 'k·η₀·λ_max', group: 'scaled runs', kind: 'measured', x: scaled.map((k) => k * p.batch), y: scaled.map((k) => k * p.lr * lambdaMax) });

    const kHalf = 1 / (p.lr * lambdaMax);
    const broken = scaled.find((k) => !(get(`deviation k=${k}`) <= 0.05));
    const bEnd = probe[probe.length - 1]?.bSimple ?? Number.NaN;
    scalars['½-stability scale factor 1/(η₀λ_max)'] = kHalf;
    scalars['first k with deviation > 5%'] = broken ?? Number.NaN;
    const notes = [
      `deviations: ${scaled.map((k) => `k=${k} (B=${k * p.batch}, kη₀λ_max=${num(k * p.lr * lambdaMax)}): ${pct(get(`deviation k=${k}`))}`).join(', ')}; control (η₀, 4B₀): ${pct(get('deviation control'))}`,
      broken === undefined
        ? `the rule held (≤ 5%) up to the largest k scanned (${scaled[scaled.length - 1]})`
        : `the rule first exceeds 5% at k = ${broken} (B = ${broken * p.batch}); the ½-stability prediction is k ≈ 1/(η₀λ_max) = ${num(kHalf)}, and B_simple along the base run is ${probe.map((q) => num(q.bSimple)).join(' → ')} (end: ${num(bEnd)})`,
    ];
    return { scalars, series, notes };
  },

  compare(pred, meas, p) {
    const s = (k: SgdKey): number => meas.scalars[k] ?? Number.NaN;
    const q = pred.scalars;
    const judged = (name: string, v: Variant, value: number, why: string): MetricSpec<SgdPredictionKey> => ({
      name,
      value,
      criterion: invarianceCriterion(q[`invariant: ${v}`]),
      reason: `${invarianceReason(q[`invariant: ${v}`])}; ${why}`,
      prediction: `invariant: ${v}`,
    });
    const metrics: MetricSpec<SgdPredictionKey>[] = JUDGED.map((k) => judged(`deviation (${k}η₀, ${k}B₀) vs (η₀, B₀)`, 'linear', s(`deviation k=${k}`), 'the SGD SDE at the same t = η·steps and η/B'));
    const kMax = JUDGED[JUDGED.length - 1];
    metrics.push({
      name: `loss ratio (${kMax}η₀, ${kMax}B₀) / (η₀, B₀)`,
      value: s(`loss ratio k=${kMax}`),
      criterion: { op: 'rel', target: q['loss ratio of scaled runs (SDE limit)'] ?? Number.NaN, tol: 0.05 },
      reason: 'the geometric-mean ratio of the two curves over the checkpoints is 1 in the SDE limit; the catalog’s 5% band',
      prediction: 'loss ratio of scaled runs (SDE limit)',
    });
    metrics.push(judged('deviation of the control (η₀, 4B₀)', 'η fixed', s('deviation control'), 'a quarter of the SDE time per example'));
    metrics.push(judged('deviation of square-root scaling (2η₀, 4B₀)', 'square-root', s('deviation square-root'), 'half of the SDE time per example'));
    const regime: RegimeCheck[] = [
      {
        name: 'largest judged step inside half the stability limit',
        ok: s('4η₀·λ_max') <= 1,
        value: s('4η₀·λ_max'),
        detail: `4η₀·λ_max = ${num(s('4η₀·λ_max'))} (need ≤ 1, i.e. 4η₀ ≤ ½·2/λ_max; λ_max = ${num(s('λ_max (max along the base run)'))})`,
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
      title: 'Excess loss against examples seen, for (kη₀, kB₀) and the control (η₀, 4B₀)',
      x: { label: 'examples seen (∝ SDE time t = η·steps)', log: true },
      y: { label: 'excess population loss ½E(f − f*)²', log: true },
      series: [{ name: 'excess loss' }],
      caption: 'Solid: replica-mean measured curves. Dashed: the SDE prediction, the base curve for every k.',
    },
    {
      id: 'deviation',
      title: 'Deviation from the base curve against batch size',
      x: { label: 'batch size B = kB₀', log: true },
      y: { label: 'mean relative deviation' },
      series: [{ name: 'mean relative deviation from the base curve' }],
      rules: [
        { y: 0.05, label: 'pass: ≤ 5%' },
        { y: 0.1, label: 'control: > 10%' },
      ],
    },
    {
      id: 'stability',
      title: 'Step size against the curvature: k·η₀·λ_max',
      x: { label: 'batch size B = kB₀', log: true },
      y: { label: 'k·η₀·λ_max', log: true },
      series: [{ name: 'k·η₀·λ_max' }],
      rules: [
        { y: 1, label: '½ stability limit' },
        { y: 2, label: 'stability limit' },
      ],
    },
    {
      id: 'noise-scale',
      title: 'Gradient noise scale along the base run',
      x: { label: 'examples seen', log: true },
      y: { label: 'B_simple = tr Σ/|G|²', log: true },
      series: [{ name: 'gradient noise scale B_simple' }],
    },
  ],
});

/**
 * Catalog 15: edge of stability (Cohen, Kaur, Li, Kolter & Talwalkar 2021, "Gradient descent on neural
 * networks typically occurs at the edge of stability"; the paper's Figure 4).
 *
 * Prediction. Full-batch GD with step η on a loss whose sharpness S = λ_max(∇²L) exceeds 2/η is
 * unstable along the top eigenvector (the quadratic model's stability limit; on a quadratic GD
 * diverges iff η > 2/λ). The empirical law: S first rises (progressive sharpening) until it reaches
 * 2/η, then hovers at 2/η while the loss keeps decreasing non-monotonically.
 *
 * Setting. A tanh MLP (2 hidden layers, SP init) fitted to random Gaussian labels of Gaussian inputs
 * with MSE: random labels make progressive sharpening strong, as Cohen et al. observe on hard tasks.
 * All step sizes run for the same continuous time τ = η·steps, so the three runs are comparable.
 *
 * Pass criteria (catalog): for each η, (a) S rises before first reaching 2/η, measured as the Spearman
 * correlation of S with the step before the first crossing (≥ 0.8; an early dip of a few percent is
 * allowed by using a rank correlation); (b) median S over the second half in [0.95, 1.15]·2/η;
 * (c) the loss falls by more than 50%. Regime: S(0) < 2/η (the run starts stable, else there is no
 * sharpening phase to test) and S reaches 0.95·2/η (else the run was too short to reach the edge).
 *
 * Falsifiability (issue 13). The threshold 2/η comes from `predict`; the old regime check "reaches 0.95·2/η" (the
 * law inside a regime check) is gone: a run that never reaches the predicted edge now fails the band metric. The
 * loss drop is a sanity check on the run. Controls: the edge at 1.6/η and at 2.5/η, judged on the same measurement.
 *
 * Seeds (quick profile). The three steps η₀, 2η₀, 4η₀ need a window: the smallest must enter the edge (2/η₀ below the
 * sharpness S_flow that gradient flow reaches, else S plateaus under 2/η₀ and the band metric fails) and the largest
 * must start stable (4η₀·S(0)/2 < 1). So the flow's sharpening S_flow/S(0) must exceed 4 with room for the seed
 * spread. At width 32 with SP's init it barely did: the earlier quick η₀ = 1/20 sat at the onset (seed 2's flow
 * plateaued just under 2/η₀) while 4η₀ started at or past the edge (seeds 3, 4). The cause is the setting's small
 * sharpening ratio, so the quick profile now starts from weights at 0.7× SP's scale (`initScale`): a smaller init
 * lowers S(0) and the flow sharpens further (a richer start), which opens a window with room on both sides of
 * η₀ = 1/20 at every seed checked (the flow's sharpness and S(0), seeds 0–4). A larger η₀ (1/16) put 4η₀ where GD
 * at the edge diverged late in training at some seeds, so η₀ stays 1/20.
 *
 * Seeds (default profile). The default setting (width 64, η₀ = 1/30) had the same narrow window at SP's scale, with
 * the same two failures: at some seeds the flow plateaued under the band's floor 0.95·2/η₀ (the smallest step never
 * met its edge: the setting, not the law, failed the band metric), and where S(0) was largest 4η₀ started so near its
 * edge that only a few checkpoints preceded its first crossing, and the initial dip of S (the first checkpoints,
 * before sharpening sets in) decided their rank correlation. Both are the window's width S_flow/S(0), a property of
 * the setting, so the default profile also starts from 0.7× SP's scale (the `initScale` default): S(0) halves and
 * the flow sharpens further, putting η₀'s edge well under S_flow and 4η₀ well inside stability at every seed
 * checked (seeds 0–9), rather than moving η₀ or the band.
 *
 * Validity map (issue 16): `boundary` predicts the onset along η₀, 2/S_flow (src/theory/stabilityOnset.ts).
 */
import { z } from 'zod';
import * as op from '../core/ops.ts';
import { Rng } from '../core/random.ts';
import { median } from '../core/stats.ts';
import { type Tensor, tensor } from '../core/tensor.ts';
import { type Mlp, mlp } from '../nn/mlp.ts';
import { sgd } from '../nn/optim.ts';
import { fit } from '../nn/train.ts';
import { sharpness } from '../observe/hessian.ts';
import { spearman } from '../observe/rankCorrelation.ts';
import { edgeOfStabilityOnset, flowSharpness } from '../theory/stabilityOnset.ts';
import { type Control, defineStudy, type MeasureContext, type MetricSpec, type Observations, type PredictedBoundary, type RegimeCheck, type Scalars, type Series } from './types.ts';

const Params = z.object({
  examples: z.number().int().min(8).max(4096).default(256),
  inputDim: z.number().int().min(1).max(256).default(8),
  width: z.number().int().min(4).max(1024).default(64),
  /** the three step sizes are η₀, 2η₀, 4η₀ */
  eta0: z.number().positive().max(10).default(1 / 30),
  /** continuous time τ = η·steps of every run */
  tau: z.number().positive().default(120),
  /** measure sharpness every this many steps (of the smallest η; scaled so each run gets the same count) */
  measurements: z.number().int().min(10).max(1000).default(80),
  lanczosIters: z.number().int().min(5).max(100).default(20),
  /** every weight's initial standard deviation is this multiple of SP's 1/√fan_in (0.7: see "Seeds" in the header) */
  initScale: z.number().positive().max(4).default(0.7),
});
type P = z.infer<typeof Params>;

const etas = (p: P) => [p.eta0, 2 * p.eta0, 4 * p.eta0];
const group = (eta: number): `η=${number}` => `η=${Number(eta.toPrecision(3))}`;
/** The keys of `predict`'s scalars: the threshold 2/η of each run. */
type PredKey = `threshold η=${number}`;
const thresholdKey = (eta: number): PredKey => `threshold ${group(eta)}`;

/** Spearman's ρ of the sharpness against time; a constant sequence (ρ undefined) counts as 1, as before. */
function rankTrend(x: number[], y: number[]): number {
  const r = spearman(x, y);
  return Number.isNaN(r) ? 1 : r;
}

interface Run {
  steps: number;
  /** τ, sharpness and loss at the checkpoints */
  times: number[];
  S: number[];
  loss: number[];
  /** the first state whose loss was not finite (a diverged run is data), or null */
  divergedAt: number | null;
}

/** The task (Gaussian inputs, random Gaussian labels) and the network of a run with stream `rng`. */
function setting(p: P, rng: Rng): { x: Tensor; y: Tensor; net: Mlp } {
  const x = tensor(rng.child('x').fillNormal(new Float64Array(p.examples * p.inputDim)), [p.examples, p.inputDim]);
  const y = tensor(rng.child('y').fillNormal(new Float64Array(p.examples)), [p.examples, 1]);
  const net = mlp({ sizes: [p.inputDim, p.width, p.width, 1], activation: 'tanh', parameterization: 'sp', initScale: p.initScale }, rng.child('init'));
  return { x, y, net };
}

/** Full-batch GD with step η from the shared initialization, sharpness by Lanczos at the checkpoints. */
function train(p: P, eta: number, x: Tensor, y: Tensor, ctx: MeasureContext, progress: (t: number, steps: number) => void): Run {
  // Same initialization for every η: the runs differ only in the step size.
  const { net } = setting(p, ctx.rng);
  const ps = net.params();
  const loss = () => op.mse(net.forward(x), y);
  const steps = Math.ceil(p.tau / eta);
  const run: Run = { steps, times: [], S: [], loss: [], divergedAt: null };
  const r = fit({
    params: ps,
    loss,
    optimizer: sgd(eta),
    steps,
    evalAt: Math.max(1, Math.floor(steps / p.measurements)),
    signal: ctx.signal,
    onEval: (t) => {
      const value = loss().data[0];
      if (!Number.isFinite(value)) {
        run.divergedAt = t;
        return 'stop';
      }
      const s = sharpness(loss, ps, { rng: ctx.rng.child('lanczos', eta, t), maxIter: p.lanczosIters });
      run.times.push(t * eta);
      run.S.push(s);
      run.loss.push(value);
      ctx.emit?.({ name: 'sharpness', group: group(eta), x: t * eta, y: s });
      ctx.emit?.({ name: 'train loss', group: group(eta), x: t * eta, y: value });
      progress(t, steps);
    },
  });
  // fit's step t sees the loss before its update, at the state after t − 1 updates
  if (r.diverged) run.divergedAt = r.diverged.step - 1;
  return run;
}

/**
 * Predicted onset of the edge of stability along η₀ (src/theory/stabilityOnset.ts): the smallest step η₀ enters it
 * when 2/η₀ falls below the sharpness gradient flow reaches in the same time τ, so the law holds above
 * η₀* = 2/S_flow. Computed on seed 0's task and initialization (a pure function of the parameters); it costs one
 * gradient-flow run, about S_flow·τ GD steps.
 */
function boundary(p: P): PredictedBoundary[] {
  const { x, y, net } = setting(p, Rng.fromSeed(0, 'edge-of-stability'));
  const loss = () => op.mse(net.forward(x), y);
  const top = flowSharpness(loss, net.params(), { tau: p.tau, checkpoints: 10, rng: Rng.fromSeed(0, 'edge-of-stability-boundary'), lanczosIters: p.lanczosIters });
  return [
    {
      axis: 'eta0',
      value: edgeOfStabilityOnset(top),
      holds: 'above',
      factor: 1.25,
      // judged where the smallest step's band metric (median S over 2/η₀) crosses its tolerance, whichever metric a map draws
      metric: `median S / predicted threshold ${group(p.eta0)}`,
      reason:
        "the band metric fails below 0.95·2/η, so the measured crossing sits ~5% under 2/S_flow; S_flow varies by about ±7% between seeds' tasks and initializations (seed 0's is used); and S must reach 2/η₀ within the first half of τ for the second-half median: ×1.25 covers these",
    },
  ];
}

/** Every predicted threshold scaled by `factor`: a rival edge at factor·2/η. */
function scaledThresholds(factor: number): Control<P, PredKey>['predict'] {
  return (_p, pred) => ({ ...pred, scalars: Object.fromEntries(Object.entries(pred.scalars).map(([k, v]) => [k, k.startsWith('threshold ') ? factor * (v ?? Number.NaN) : v])) });
}

/**
 * Rival edges a referee would propose: 1.6/η (GD stabilizing 20% below the quadratic limit, as a damped or
 * momentum-like picture would have it) and 2.5/η (GD tolerating 25% overshoot before self-stabilizing).
 */
const controls: Control<P, PredKey>[] = [
  { name: 'edge at 1.6/η', description: 'sharpness settles 20% below the quadratic stability limit', predict: scaledThresholds(0.8) },
  { name: 'edge at 2.5/η', description: 'sharpness settles 25% above the quadratic stability limit', predict: scaledThresholds(1.25) },
];

export const edgeOfStability = defineStudy<P, PredKey>(Params, {
  id: 'edge-of-stability',
  catalog: 15,
  pillar: 'laws',
  title: 'Edge of stability: progressive sharpening, then λ_max ≈ 2/η',
  claim: 'Under full-batch gradient descent the top Hessian eigenvalue rises until it reaches 2/η and then hovers there while the loss keeps falling.',
  formula: '\\lambda_{\\max}\\big(\\nabla^2 L(\\theta_t)\\big) \\uparrow 2/\\eta, \\quad \\text{then}\\ \\lambda_{\\max} \\approx 2/\\eta',
  papers: ['Cohen et al. 2021, Gradient descent on neural networks typically occurs at the edge of stability (ICLR)', 'Simon et al. 2026, There will be a scientific theory of deep learning, Fig. 4'],
  core: true,
  quick: { examples: 128, width: 32, eta0: 1 / 20, tau: 100, measurements: 40, lanczosIters: 15 },
  controls,
  seeds: { default: 5, threshold: 0.5 },
  boundary,

  predict(p): Observations<PredKey> {
    const series: Series[] = etas(p).map((eta) => ({ name: 'sharpness', group: group(eta), kind: 'predicted', x: [0, p.tau], y: [2 / eta, 2 / eta] }));
    const scalars: Scalars<PredKey> = {};
    for (const eta of etas(p)) scalars[thresholdKey(eta)] = 2 / eta;
    return { scalars, series };
  },

  measure(p, ctx) {
    const { x, y } = setting(p, ctx.rng);
    const series: Series[] = [];
    const scalars: Record<string, number> = {};
    const runs = etas(p);
    const totalSteps = runs.reduce((a, eta) => a + Math.ceil(p.tau / eta), 0);
    let done = 0;
    for (const eta of runs) {
      const r = train(p, eta, x, y, ctx, (t, steps) => ctx.progress((done + t) / totalSteps, `${group(eta)} step ${t}/${steps}`));
      if (r.divergedAt !== null) scalars[`diverged at step ${group(eta)}`] = r.divergedAt;
      done += r.steps;
      series.push({ name: 'sharpness', group: group(eta), kind: 'measured', x: r.times, y: r.S });
      series.push({ name: 'train loss', group: group(eta), kind: 'measured', x: r.times, y: r.loss });
    }
    return { scalars, series };
  },

  compare(pred, meas, p) {
    const metrics: MetricSpec<PredKey>[] = [];
    const regime: RegimeCheck[] = [];
    for (const eta of etas(p)) {
      const g = group(eta);
      const key = thresholdKey(eta);
      const s = meas.series.find((q) => q.name === 'sharpness' && q.group === g);
      const l = meas.series.find((q) => q.name === 'train loss' && q.group === g);
      const count = s?.y.length ?? 0;
      regime.push({ name: `run completed ${g}`, ok: count >= 4, value: count, detail: `${count} sharpness measurements (need ≥ 4; fewer: the run diverged)` });
      if (!s || !l || count < 4) continue;
      // The setting, not the law: GD's step is stable on the initial quadratic model iff η·S(0) < 2 (a fact
      // about GD on a quadratic, read from η and the measured S(0)); without it there is no sharpening phase.
      const s0 = (s.y[0] * eta) / 2;
      regime.push({ name: `starts stable ${g}`, ok: s0 < 1, value: s0, detail: `η·S(0)/2 = ${s0.toFixed(3)} (< 1)` });
      const thr = pred.scalars[key] ?? Number.NaN;
      // before the first time S comes within the lower end of the band of the predicted threshold (the whole
      // run if it never does: then the band metric below fails)
      const first = s.y.findIndex((v) => v >= 0.95 * thr);
      const pre = first > 1 ? first + 1 : first < 0 ? s.y.length : 2;
      metrics.push({
        name: `sharpening ${g}`,
        value: rankTrend(s.x.slice(0, pre), s.y.slice(0, pre)),
        criterion: { op: '>=', bound: 0.8 },
        reason: 'catalog: S rises roughly monotonically before first reaching the predicted threshold; rank correlation tolerates the short initial dip of S seen at initialization',
        description: 'Spearman correlation of sharpness with time before the first crossing of 0.95 × the predicted threshold',
        prediction: key,
      });
      const half = s.y.slice(Math.floor(s.y.length / 2));
      metrics.push({
        name: `median S / predicted threshold ${g}`,
        value: median(half) / thr,
        criterion: { op: 'in', lo: 0.95, hi: 1.15 },
        reason: 'catalog [0.95, 1.15]: at the edge S oscillates around 2/η; the asymmetric band allows the overshoots Cohen et al. report',
        prediction: key,
      });
      metrics.push({
        name: `loss drop ${g}`,
        value: 1 - l.y[l.y.length - 1] / l.y[0],
        criterion: { op: '>=', bound: 0.5 },
        reason: 'catalog: training keeps making progress at the edge (loss falls by > 50% overall); a check on the run, reported',
        sanity: true,
      });
    }
    return { metrics, regime };
  },

  figures: () => [
    {
      id: 'sharpness',
      title: 'Sharpness under full-batch GD, with the 2/η thresholds',
      x: { label: 'time τ = η·step' },
      y: { label: 'λ_max of the Hessian' },
      series: [{ name: 'sharpness' }],
      caption: 'Solid: measured top Hessian eigenvalue (Lanczos on exact Hessian-vector products). Dashed: the stability threshold 2/η for each step size.',
    },
    { id: 'loss', title: 'Training loss', x: { label: 'time τ = η·step' }, y: { label: 'train MSE', log: true }, series: [{ name: 'train loss' }] },
  ],
});

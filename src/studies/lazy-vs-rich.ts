/**
 * Catalog 8: the output multiplier α alone moves a two-layer network between lazy (kernel) and rich
 * (feature-learning) training — the paper's Figure 2, reproduced from Chizat, Oyallon & Bach 2019 ("On lazy
 * training in differentiable programming").
 *
 * Setting. Student f̂(x) = (α/n) Σᵢ aᵢ ReLU(wᵢᵀx), n = 200 (the mean-field table of src/nn/parameterization.ts
 * with output multiplier α), fitted to a teacher f*(x) = Σⱼ ReLU(w*ⱼᵀx) with 3 unit directions ≥ 60° apart,
 * x uniform on the unit circle (`makeCircleTeacherTask`), N training points. Init: wᵢ ~ N(0, I₂), symmetric
 * pairs (wᵢ, ±aᵢ) so that f̂(θ₀) ≡ 0 (Chizat et al.'s doubling trick), balanced |aᵢ| = ‖wᵢ‖. Full-batch GD on
 * the loss scaled by 1/α², L = (1/α²)·(1/2N)Σ(f̂ − y)², with every learning rate multiplied by n (mean-field
 * time); then the function-space speed at init is α-independent (Chizat et al. 2019). Step η₀ for α ≥ 1 and
 * η₀·α below (the curvature of the scaled loss grows as 1/α once the weights have grown to O(α^{-1/2})).
 * Each α trains until the loss is ≤ `lossRatio` × its initial value.
 *
 * Prediction. Lazy limit (α → ∞): the network follows its linearization at θ₀, so the weights move by
 * Δθ = (1/α)·Δθ_lin with Δθ_lin computed from the NTK at init alone (src/theory/linearized.ts,
 * `linearizedGradientDescent`): relative weight change = C/α with C = ‖Δθ_lin‖/‖θ₀‖, kernel change → 0, and
 * the neurons stay where they were. Rich limit (α → 0): mean-field/small-init dynamics, the neurons travel
 * far, the tangent kernel changes by O(1) or more, and the mass |aᵢ|‖wᵢ‖ concentrates on the teacher lines.
 *
 * Where we differ from the catalog, and why (each measured with this file, quick profile, N = 100, seeds 0–5
 * unless stated; reproduce with the parameters named):
 *  1. Teacher lines, not rays. Bias-free ReLU units on the circle obey ReLU(w·x) − ReLU(−w·x) = w·x, and the
 *     3 teacher directions positively span the plane whenever no gap between them exceeds 180°, so
 *     Σⱼ cⱼw*ⱼ = 0 has solutions cⱼ ∈ [0, 1] and f* = Σⱼ (1 − cⱼ)ReLU(w*ⱼ·x) + cⱼReLU(−w*ⱼ·x): mass at −w*ⱼ
 *     represents the same function, and the rich student uses this freedom. Counting only the rays
 *     (`teacherLines: false`) the clustered mass at α = 0.1 is 0.41–0.86 (5 of 6 seeds below 80%); counting
 *     the lines ±w*ⱼ it is 0.82–0.92. At init the lines' 6 windows of 20° hold ~1/3 of the mass, not ~1/6.
 *  2. Train to 1e-4 × the initial loss, not 1e-3. At 1e-3 the rich neurons are still rotating onto the
 *     lines (`lossRatio: 1e-3`: clustered mass at α = 0.1 of 0.66–0.75, seeds 0–3; at 1e-5: 0.96–0.97,
 *     seeds 0–2). The initial loss is dominated by the constant part of f*, so 1e-3 stops before the
 *     angular fine structure is fitted.
 *  3. Weight change at α = 30 against the lazy-limit prediction instead of "< 2%". The theory predicts the
 *     value, C/α, not a universal bound: C depends on the size of the target relative to ‖θ₀‖ (here
 *     C = 0.78–1.16, i.e. 2.6–3.8% at α = 30, while the kernel change is 0.9–1.4% and the clustered mass
 *     moves by ≤ 2.3 points). We require the measured change within 10% of C/30 (measured: 0.3–1.2% off in
 *     quick, up to 5.5% in the default profile; the finite-α correction is O(1/α) relative) and keep "< 5%"
 *     for the kernel change and ±5 points for the mass.
 *
 * Pass: α = 30: weight change within 10% of C/α, kernel change < 5%, clustered mass within ±5 points of its
 * init value; α = 0.1: clustered mass > 80%, kernel change > 50%; the weight change falls monotonically in α,
 * with log-log slope −1 ± 0.2 over α ≥ 10. Regime: every run reached the loss target, and GD was stable
 * (the loss never rose).
 *
 * Falsifiability (issue 13). Per-part verdicts (lazy: the weight change against the linearized model, the kernel,
 * the neurons, the 1/α slope and monotonicity; rich: the clustering and the kernel change). Controls: the lazy rate
 * α^{−1/2} (same measurement), and a null setting: the rich criteria read at α = 30, where training is lazy.
 *
 * Predicted boundary (issue 16, `boundary`). The lazy-limit relative weight change is C/α with C = ‖f*‖_k/2,
 * the teacher's norm in the infinite-width tangent kernel k of this model divided by ‖θ₀‖/√n = 2
 * (src/theory/lazyCrossover.ts derives k and the norm in closed form on the circle). Chizat et al.'s laziness
 * ratio is this relative change up to order-one constants, so training crosses from lazy to rich at α_c = C:
 * the lazy part is predicted to hold for `lazyAlpha` above α_c and the rich part for `richAlpha` below it,
 * each within ×3. In this scaling (f = (α/n)Σ, loss ×1/α², every learning rate ×n) α_c depends neither on the
 * width n nor on the number of points once they resolve f*, nor on the training length (each run trains to
 * the same loss ratio; stopping earlier only shortens the linearized path); with the NTK-style multiplier
 * α/√n in place of α/n the same crossover would sit at α_c/√n. A map that moves `lazyAlpha` or `richAlpha`
 * alone works: the α sweep always includes both.
 */
import { z } from 'zod';
import * as op from '../core/ops.ts';
import { Rng } from '../core/random.ts';
import { logLogSlope, median } from '../core/stats.ts';
import { noGradScalar, type Tensor, tensor } from '../core/tensor.ts';
import { makeCircleTeacherTask } from '../data/circle.ts';
import { sgd } from '../nn/optim.ts';
import { fit } from '../nn/train.ts';
import { neuronPositions, type TwoLayerStudent, twoLayerStudent } from '../nn/twoLayer.ts';
import { empiricalNtk, relativeKernelChange, relativeWeightChange, snapshotParams } from '../observe/kernel.ts';
import { massNearLines } from '../observe/trajectory.ts';
import { lazyRichCrossover } from '../theory/lazyCrossover.ts';
import { linearizedGradientDescent } from '../theory/linearized.ts';
import { type Control, defineStudy, type Figure, type MeasureContext, type MetricSpec, type PredictedBoundary, type RegimeCheck, type Series } from './types.ts';

const Params = z.object({
  width: z.number().int().min(2).max(2000).default(200),
  points: z.number().int().min(8).max(1000).default(200),
  alphas: z.array(z.number().positive()).min(3).default([0.03, 0.1, 0.3, 1, 3, 10, 30, 100]),
  /** GD step for α ≥ 1 (η₀·α below), in mean-field time (learning rates × width) */
  eta: z.number().positive().max(10).default(0.5),
  /** train until loss ≤ lossRatio × initial loss */
  lossRatio: z.number().positive().max(0.5).default(1e-4),
  maxSteps: z.number().int().min(10).max(1_000_000).default(20000),
  /** half-width of the window around ±w*ⱼ, degrees */
  clusterAngle: z.number().positive().max(90).default(10),
  /** count mass near −w*ⱼ too (the teacher's lines); false counts only the rays w*ⱼ (the catalog's literal wording) */
  teacherLines: z.boolean().default(true),
  richAlpha: z.number().positive().default(0.1),
  lazyAlpha: z.number().positive().default(30),
  /** the weight-change slope is fitted over α ≥ this */
  slopeFrom: z.number().positive().default(10),
  /** α values whose neuron trajectories are drawn */
  trajectoryAlphas: z.array(z.number().positive()).default([0.1, 30]),
});
type P = z.infer<typeof Params>;

const grpA = (a: number) => `α=${a}`;

/**
 * The α values trained: the sweep plus the lazy and rich α the pass criteria are stated at (added when the
 * sweep lacks them, so that a validity map can move `lazyAlpha` or `richAlpha` alone), ascending.
 */
function sweepAlphas(p: P): number[] {
  return [...new Set([...p.alphas, p.lazyAlpha, p.richAlpha])].sort((a, b) => a - b);
}

/** Teacher draws the predicted crossover is summarized over (the study draws one teacher per seed). */
const BOUNDARY_TEACHERS = 64;
/**
 * Tolerance of the predicted crossover, a factor either way. The crossover sits where the lazy-limit relative
 * weight change C/α is 1 (Chizat et al.'s laziness ratio κ ~ 1); each part's criteria flip where the O(κ)
 * departure from the linearized model (lazy: weight change within 10% of C/α, kernel change < 5%) or the
 * movement of the neurons (rich: 80% of the mass on the lines) reaches its tolerance, an order-one multiple
 * of α_c whose constant the theory does not fix. ×3 (half a decade: the spacing of the default α grid, so the
 * judged crossing is resolved to one grid cell) bounds that constant either way.
 */
const BOUNDARY_FACTOR = 3;

let crossoverCache: { median: number; lo: number; hi: number } | undefined;

/**
 * The predicted lazy/rich crossover α_c = ‖f*‖_k/2 (src/theory/lazyCrossover.ts) over the circle teachers
 * this study draws (makeCircleTeacherTask's defaults: 3 unit directions ≥ 60° apart): median, min and max
 * over a fixed set of draws (the boundary is a function of the parameters, not of a run's seed). It does not
 * depend on the width, the number of points or the loss target (see the theory module).
 */
function crossoverOverTeachers(): { median: number; lo: number; hi: number } {
  if (crossoverCache) return crossoverCache;
  const rng = Rng.fromSeed(0, 'lazy-vs-rich boundary teachers');
  const cs = Array.from({ length: BOUNDARY_TEACHERS }, (_, i) => lazyRichCrossover(makeCircleTeacherTask({}, rng.child(i)).angles).crossoverAlpha);
  crossoverCache = { median: median(cs), lo: Math.min(...cs), hi: Math.max(...cs) };
  return crossoverCache;
}

/**
 * Where the study's law is predicted to hold along α (issue 16): the lazy part above α_c, the rich part below
 * it, at every width and training length (α_c is independent of both in this scaling).
 */
function lazyRichBoundary(): PredictedBoundary[] {
  const c = crossoverOverTeachers();
  const why = `α_c = ‖f*‖_k/2, where the lazy-limit relative weight change C/α reaches 1 (Chizat, Oyallon & Bach 2019): the teacher's norm in the infinite-width tangent kernel of the mean-field two-layer ReLU net on the circle, independent of the width and the number of points (src/theory/lazyCrossover.ts); median ${c.median.toFixed(2)} over ${BOUNDARY_TEACHERS} teacher draws (range ${c.lo.toFixed(2)}–${c.hi.toFixed(2)}). ×${BOUNDARY_FACTOR}: the parts' criteria flip at an order-one multiple of α_c whose constant the theory does not fix (half a decade, one cell of the default α grid)`;
  return [
    { axis: 'lazyAlpha', value: c.median, holds: 'above', factor: BOUNDARY_FACTOR, reason: `lazy part holds above the crossover; ${why}` },
    { axis: 'richAlpha', value: c.median, holds: 'below', factor: BOUNDARY_FACTOR, reason: `rich part holds below the crossover; ${why}` },
  ];
}

/** Fraction of the mass Σ|aᵢ|‖wᵢ‖ whose direction is within `angle` of a teacher line ±w*ⱼ. */
function clusteredMass(s: TwoLayerStudent, teacherAngles: ArrayLike<number>, angle: number, lines: boolean): number {
  const n = s.width;
  const rows = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    rows[2 * i] = s.W.data[i];
    rows[2 * i + 1] = s.W.data[n + i];
  }
  return massNearLines({ rows: n, cols: 2, data: rows }, s.a.data, teacherAngles, angle, lines);
}

/** Steps at which neuron positions are recorded: 0, 1, 2, 4, 8, … (the end is added separately). */
const isSnapshot = (t: number) => t === 0 || (t & (t - 1)) === 0;

interface TrainRun {
  first: number;
  last: number;
  /** updates taken */
  t: number;
  rises: number;
  lossCurve: { x: number[]; y: number[] };
}

/**
 * GD with the parameterization's per-layer rates until the loss falls to `lossRatio` of its start (or
 * `maxSteps`, or a non-finite loss); `visit(t, snapshot)` sees every state (snapshot: a power-of-two step).
 */
function trainToLoss(p: P, s: TwoLayerStudent, loss: () => Tensor, eta: number, ctx: MeasureContext, visit: (t: number, snapshot: boolean) => void): TrainRun {
  const out: TrainRun = { first: Number.NaN, last: Number.NaN, t: 0, rises: 0, lossCurve: { x: [], y: [] } };
  let prev = Number.POSITIVE_INFINITY;
  fit({
    params: s.params(),
    loss,
    optimizer: sgd(eta, s.lrScales()),
    steps: p.maxSteps,
    evalAt: 1,
    signal: ctx.signal,
    onEval: (t) => {
      // the loss at θ after t updates, read before the next update so that the run stops on it
      const value = noGradScalar(loss);
      out.t = t;
      if (t === 0) out.first = value;
      if (value > prev * (1 + 1e-12)) out.rises++;
      prev = value;
      out.last = value;
      if (isSnapshot(t)) {
        out.lossCurve.x.push(t + 1);
        out.lossCurve.y.push(value / out.first);
      }
      visit(t, isSnapshot(t));
      if (value <= p.lossRatio * out.first || !Number.isFinite(value)) return 'stop';
    },
  });
  return out;
}

/** The predicted scalars (see `predict`). */
const PREDICTED = {
  'weight change / lazy-limit C/α': 1,
  'lazy exponent of the weight change in α': -1,
  'lazy kernel change (upper bound)': 0.05,
  'lazy shift of the clustered mass': 0,
  'direction of the weight change in α': -1,
  'rich clustered mass (lower bound)': 0.8,
  'rich kernel change (lower bound)': 0.5,
};
type PredKey = keyof typeof PREDICTED;

/**
 * Negative controls. The wrong lazy rate α^{-1/2} (a referee mixing up the 1/α lazy scaling with the n^{-1/2}
 * rate of the NTK's weight change) judged on the same measurement; and a null setting: the rich criteria read at
 * the lazy α (a lazy run must fail them, else "> 80% on the lines" and "> 50% kernel change" do not discriminate).
 */
const controls: Control<P, PredKey>[] = [
  {
    name: 'lazy rate α^{-1/2}',
    description: 'the weight change falls as α^{-1/2}, as the NTK weight change falls as n^{-1/2} in width',
    predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'lazy exponent of the weight change in α': -0.5 } }),
  },
  {
    name: 'rich criteria at the lazy α (null: no feature learning)',
    description: 'the rich part judged at α = 30, where the network trains lazily: the clustering and kernel criteria must fail there',
    params: { richAlpha: 30 },
  },
];

export const lazyVsRich = defineStudy<P, PredKey>(Params, {
  id: 'lazy-vs-rich',
  catalog: 8,
  pillar: 'limits',
  title: 'Lazy vs rich training set by the output multiplier α (the paper’s Figure 2)',
  claim: 'With f̂ = (α/n)Σ aᵢReLU(wᵢᵀx) and the loss scaled by 1/α², a large α trains lazily (the weights move by ∝ 1/α as predicted by the linearized model, the tangent kernel and the neurons stay put), while a small α trains richly (the neurons travel and gather on the teacher’s directions, the kernel changes by O(1)).',
  formula: '\\hat f(x) = \\frac{\\alpha}{n}\\sum_i a_i\\,\\mathrm{ReLU}(w_i^\\top x),\\quad L = \\frac{1}{\\alpha^2}\\cdot\\frac{1}{2N}\\sum(\\hat f - y)^2,\\quad \\frac{\\|\\theta_T-\\theta_0\\|}{\\|\\theta_0\\|} \\xrightarrow{\\alpha\\to\\infty} \\frac{C}{\\alpha}',
  papers: [
    'Chizat, Oyallon & Bach 2019, On lazy training in differentiable programming (NeurIPS)',
    'Simon et al. 2026, There will be a scientific theory of deep learning, Fig. 2',
    'Jacot, Gabriel & Hongler 2018, Neural tangent kernel (NeurIPS)',
  ],
  core: true,
  quick: { points: 100, alphas: [0.1, 10, 30, 100] },
  controls,
  seeds: { default: 5, threshold: 0.5 },
  boundary: lazyRichBoundary,

  predict() {
    // The lazy-limit constant C needs the init (the NTK at θ₀), so the linearized model is solved in measure()
    // and the prediction states the ratio of the measured change to it (1: the network is its linearization).
    // The bounds are the catalog's (lazy: the kernel and the neurons stay put; rich: the kernel changes by O(1)
    // and the mass gathers on the teacher lines), stated here so that compare reads them from the prediction.
    return { scalars: PREDICTED, series: [] };
  },

  measure(p, ctx) {
    const n = p.width;
    const N = p.points;
    const task = makeCircleTeacherTask({}, ctx.rng.child('teacher'));
    const train = task.sample(N, ctx.rng.child('train'));
    const X = tensor(train.x.data, [N, 2]);
    const Y = tensor(train.y, [N, 1]);
    const angle = (p.clusterAngle * Math.PI) / 180;
    const alphas = sweepAlphas(p);
    const scalars: Record<string, number> = {};
    const series: Series[] = [];
    const rows: { alpha: number; dw: number; dk: number; mass: number; mass0: number }[] = [];
    let lazyC = Number.NaN;
    let worstRatio = 0;
    let rises = 0;
    const radius = new Map<number, number>();
    const trajectories = new Set(p.trajectoryAlphas.filter((a) => alphas.includes(a)));
    alphas.forEach((alpha, ai) => {
      // the same init (same stream) for every α: only the multiplier changes
      const s = twoLayerStudent({ inputDim: 2, width: n, outputMultiplier: alpha, baseWidth: 1, symmetric: true, balanced: true }, ctx.rng.child('init'));
      const ps = s.params();
      const scales = s.lrScales();
      const theta0 = snapshotParams(ps);
      const K0 = empiricalNtk(() => s.forward(X), ps, N);
      const mass0 = clusteredMass(s, task.angles, angle, p.teacherLines);
      const eta = p.eta * Math.min(1, alpha);
      const loss = () => op.scale(op.mean(op.square(op.sub(s.forward(X), Y))), 0.5 / (alpha * alpha));
      if (Number.isNaN(lazyC)) {
        // lazy limit: r_{t+1} = (I − η₀(s/N)K_h) r_t with K_h = K_f/α² the NTK of the α = 1 model; the
        // weights move by ‖Δθ‖ = D·√(s/N)/α, D = η₀√(ΣrᵀKΣr) (see src/theory/linearized.ts)
        const sN = scales[0] / N;
        const K = { rows: N, cols: N, data: K0.data.map((v) => (v * sN) / (alpha * alpha)) };
        const r0 = Array.from(train.y, (v) => -v); // f₀ ≡ 0 (symmetric init)
        const lin = linearizedGradientDescent(K, r0, p.eta, { untilLossRatio: p.lossRatio, maxSteps: p.maxSteps });
        const norm0 = Math.sqrt(theta0.reduce((a, b) => a + b.reduce((x, v) => x + v * v, 0), 0));
        lazyC = (lin.displacement * Math.sqrt(sN)) / norm0;
        scalars['lazy constant C'] = lazyC;
        scalars['lazy-limit steps'] = lin.steps;
      }
      const snap = trajectories.has(alpha);
      const pathPos: number[][] = [[], [], [], []]; // x(+), y(+), x(−), y(−)
      const initSeries: Series[] = [];
      const record = (group: 'init' | 'path' | 'final') => {
        const { positions, signs } = neuronPositions(s);
        const xs: [number[], number[]] = [[], []];
        const ys: [number[], number[]] = [[], []];
        for (let i = 0; i < n; i++) {
          const k = signs[i] > 0 ? 0 : 1;
          xs[k].push(positions.data[2 * i]);
          ys[k].push(positions.data[2 * i + 1]);
          radius.set(alpha, Math.max(radius.get(alpha) ?? 0, Math.hypot(positions.data[2 * i], positions.data[2 * i + 1])));
        }
        if (group === 'path') {
          pathPos[0].push(...xs[0]);
          pathPos[1].push(...ys[0]);
          pathPos[2].push(...xs[1]);
          pathPos[3].push(...ys[1]);
          return;
        }
        // drawn in push order: the path first, then init and final on top of it
        (group === 'init' ? initSeries : series).push(
          { name: `neurons ${grpA(alpha)}`, group: `aᵢ>0, ${group}`, kind: 'measured', x: xs[0], y: ys[0] },
          { name: `neurons ${grpA(alpha)}`, group: `aᵢ<0, ${group}`, kind: 'measured', x: xs[1], y: ys[1] },
        );
      };
      if (snap) record('init');
      const run = trainToLoss(p, s, loss, eta, ctx, (t, snapshot) => {
        if (snapshot && snap && t > 0) record('path');
        if (t % 50 === 0) ctx.progress((ai + Math.min(1, Math.log1p(t) / Math.log1p(p.maxSteps / 4))) / alphas.length, `α=${alpha} step ${t}`);
      });
      const { first, last, t, lossCurve } = run;
      rises += run.rises;
      lossCurve.x.push(t + 1);
      lossCurve.y.push(last / first);
      if (snap) {
        series.push({ name: `neurons ${grpA(alpha)}`, group: 'aᵢ>0, path', kind: 'measured', x: pathPos[0], y: pathPos[1] });
        series.push({ name: `neurons ${grpA(alpha)}`, group: 'aᵢ<0, path', kind: 'measured', x: pathPos[2], y: pathPos[3] });
        series.push(...initSeries);
        record('final');
      }
      worstRatio = Math.max(worstRatio, last / first);
      const KT = empiricalNtk(() => s.forward(X), ps, N);
      const row = { alpha, dw: relativeWeightChange(theta0, ps.map((q) => q.data)), dk: relativeKernelChange(K0, KT), mass: clusteredMass(s, task.angles, angle, p.teacherLines), mass0 };
      rows.push(row);
      scalars[`weight change ${grpA(alpha)}`] = row.dw;
      scalars[`kernel change ${grpA(alpha)}`] = row.dk;
      scalars[`clustered mass ${grpA(alpha)}`] = row.mass;
      scalars[`steps ${grpA(alpha)}`] = t;
      series.push({ name: 'training loss / initial', group: grpA(alpha), kind: 'measured', x: lossCurve.x, y: lossCurve.y });
      ctx.emit?.({ name: 'relative weight change', group: 'measured', x: alpha, y: row.dw });
    });
    scalars['clustered mass at init'] = rows[0].mass0;
    scalars['worst final/initial loss'] = worstRatio;
    scalars['loss rises'] = rises;
    const as = rows.map((r) => r.alpha);
    series.push({ name: 'distance travelled', group: 'relative weight change', kind: 'measured', x: as, y: rows.map((r) => r.dw) });
    series.push({ name: 'distance travelled', group: 'relative weight change', kind: 'predicted', x: as, y: as.map((a) => lazyC / a) });
    series.push({ name: 'distance travelled', group: 'relative kernel change', kind: 'measured', x: as, y: rows.map((r) => r.dk) });
    series.push({ name: 'clustered mass', group: `within ${p.clusterAngle}° of ±w*ⱼ`, kind: 'measured', x: as, y: rows.map((r) => r.mass) });
    series.push({ name: 'clustered mass', group: 'at init', kind: 'reference', x: [as[0], as[as.length - 1]], y: [rows[0].mass0, rows[0].mass0] });
    // teacher lines ±w*ⱼ through the origin, for the trajectory plots
    task.angles.forEach((phi, j) => {
      for (const a of trajectories) {
        const R = 1.05 * (radius.get(a) ?? 1);
        series.push({ name: `neurons ${grpA(a)}`, group: `teacher line ${j + 1}`, kind: 'reference', x: [-R * Math.cos(phi), R * Math.cos(phi)], y: [-R * Math.sin(phi), R * Math.sin(phi)] });
      }
    });
    return { scalars, series };
  },

  compare(pred, meas, p) {
    const s = meas.scalars;
    const q = (k: PredKey) => pred.scalars[k] ?? Number.NaN;
    const alphas = sweepAlphas(p);
    const metrics: MetricSpec<PredKey>[] = [];
    const regime: RegimeCheck[] = [];
    const L = grpA(p.lazyAlpha);
    const Rg = grpA(p.richAlpha);
    const lazy = 'lazy';
    const rich = 'rich';
    metrics.push({
      name: `weight change at ${L} / the lazy limit C/α`,
      value: s[`weight change ${L}`] / (s['lazy constant C'] / p.lazyAlpha),
      criterion: { op: 'rel', target: q('weight change / lazy-limit C/α'), tol: 0.1 },
      reason: 'replaces the catalog’s “< 2%” (see the header): the linearized model predicts the value C/α from the NTK at init; finite α adds an O(1/α) relative correction',
      prediction: 'weight change / lazy-limit C/α',
      part: lazy,
    });
    metrics.push({ name: `kernel change at ${L}`, value: s[`kernel change ${L}`], criterion: { op: '<=', bound: q('lazy kernel change (upper bound)') }, reason: 'catalog: < 5% (lazy: the tangent kernel stays at its initial value)', prediction: 'lazy kernel change (upper bound)', part: lazy });
    metrics.push({
      name: `clustered mass at ${L} − at init`,
      value: s[`clustered mass ${L}`] - s['clustered mass at init'],
      criterion: { op: 'abs', target: q('lazy shift of the clustered mass'), tol: 0.05 },
      reason: 'catalog ±5 points: lazy neurons stay put; a few heavy neurons crossing the window edge move the fraction by a few points',
      prediction: 'lazy shift of the clustered mass',
      part: lazy,
    });
    const dws = alphas.map((a) => s[`weight change ${grpA(a)}`]);
    const dir = Math.sign(q('direction of the weight change in α'));
    metrics.push({
      name: 'weight change monotone in α, in the predicted direction',
      value: dws.every((v, i) => i === 0 || dir * (v - dws[i - 1]) > 0) ? 1 : 0,
      criterion: { op: '>=', bound: 1 },
      reason: 'catalog: monotone (an exact ordering, no tolerance)',
      prediction: 'direction of the weight change in α',
      part: lazy,
    });
    const large = alphas.filter((a) => a >= p.slopeFrom);
    metrics.push({
      name: `log-log slope of weight change over α ≥ ${p.slopeFrom}`,
      value: large.length >= 2 ? logLogSlope(large, large.map((a) => s[`weight change ${grpA(a)}`])) : Number.NaN,
      criterion: { op: 'abs', target: q('lazy exponent of the weight change in α'), tol: 0.2 },
      reason: 'catalog −1 ± 0.2: the lazy limit is exactly 1/α; the O(1/α) correction bends the line at the smallest α of the fit',
      prediction: 'lazy exponent of the weight change in α',
      part: lazy,
    });
    metrics.push({ name: `clustered mass at ${Rg}`, value: s[`clustered mass ${Rg}`], criterion: { op: '>=', bound: q('rich clustered mass (lower bound)') }, reason: 'catalog: > 80% of the mass on the teacher lines (rich: neurons gather on ±w*ⱼ; see the header for the lines)', prediction: 'rich clustered mass (lower bound)', part: rich });
    metrics.push({ name: `kernel change at ${Rg}`, value: s[`kernel change ${Rg}`], criterion: { op: '>=', bound: q('rich kernel change (lower bound)') }, reason: 'catalog: > 50% (rich: the tangent kernel is learned)', prediction: 'rich kernel change (lower bound)', part: rich });
    const worst = s['worst final/initial loss'];
    regime.push({ name: 'converged', ok: worst <= p.lossRatio, value: worst, detail: `worst final/initial loss ${worst.toExponential(2)} (≤ ${p.lossRatio}; raise maxSteps otherwise)` });
    regime.push({ name: 'stable gradient descent', ok: s['loss rises'] === 0, value: s['loss rises'], detail: `${s['loss rises']} steps where the loss rose (0 expected below the stability limit)` });
    return { metrics, regime };
  },

  figures: (p) => {
    const figs: Figure[] = p.trajectoryAlphas.filter((a) => sweepAlphas(p).includes(a)).map((a) => ({
      id: `neurons-alpha-${a}`,
      title: `Neuron trajectories |aᵢ|wᵢ, α = ${a} (${a <= 1 ? 'rich' : 'lazy'})`,
      x: { label: '|aᵢ| wᵢ,₁' },
      y: { label: '|aᵢ| wᵢ,₂' },
      series: [{ name: `neurons ${grpA(a)}` }],
      mark: 'point' as const,
      caption: 'Each student neuron at init, along the way (steps 1, 2, 4, 8, …) and at the end, coloured by the sign of aᵢ. Grey lines: the teacher directions ±w*ⱼ (a unit at −w*ⱼ represents the same function up to a linear term that the others cancel).',
    }));
    figs.push(
      {
        id: 'distance',
        title: 'How far training moves the weights and the tangent kernel',
        x: { label: 'output multiplier α', log: true },
        y: { label: 'relative change', log: true },
        series: [{ name: 'distance travelled' }],
        caption: 'Dashed: the lazy-limit prediction C/α for the weights, from the linearized model at init.',
      },
      { id: 'clustered', title: 'Mass on the teacher lines vs α', x: { label: 'output multiplier α', log: true }, y: { label: 'fraction of Σ|aᵢ|‖wᵢ‖' }, series: [{ name: 'clustered mass' }], caption: 'Dotted: the value at init.' },
      { id: 'loss', title: 'Training loss (relative to its initial value)', x: { label: 'GD step + 1', log: true }, y: { label: 'loss / initial', log: true }, series: [{ name: 'training loss / initial' }] },
    );
    return figs;
  },
});

/**
 * Catalog 11: μTransfer of the optimal learning rate, and "wider is better" (Yang et al. 2021/2022,
 * "Tensor Programs V", Figure 1 / Figure 5 of the learning-mechanics paper), at small scale.
 *
 * Setting. MLPs with 2 hidden ReLU layers of width n ∈ {32, 64, 128, 256}, trained with Adam for a fixed
 * number of steps on an online synthetic regression task (fresh batches of 32 from the teacher
 * y = Σ_{j<8} a_j tanh(2u_jᵀx), x ∈ R⁸ ~ N(0, I); src/protocols/lrSweep.ts), over a grid of learning rates
 * η = 2^k. The loss of a run is the population ½·MSE averaged over the last quarter of training. SP
 * (one learning rate, LeCun init) against μP (src/nn/parameterization.ts `mup`, Adam table, base width
 * = the smallest width, so the two coincide in learning rate there). Each init seed s has its own teacher
 * and batch stream; teacher s, stream s and the raw init draws are shared by SP and μP, across learning
 * rates and (teacher and stream) across widths (common random numbers), so the curves differ only by the
 * scheme, η and the width.
 *
 * Prediction. Under μP the training dynamics have a width-independent limit, so the loss-vs-η curve
 * converges as n grows and its argmin η* stays put (drift 0), and at fixed η a wider net is closer to
 * that limit, hence no worse ("wider is better"). Under SP with Adam the updates of fan-in-n layers
 * scale as η·n (Table 3), so the curve shifts left: η* ∝ 1/n asymptotically, a drift of log₂(8) = 3
 * grid steps over the 8× width range (less at finite width, where the input layer, whose update does
 * not grow with n, still matters).
 *
 * Pass (catalog): μP's η* moves by ≤ 1 grid step (a factor 2) across the 8× width range; SP's drifts by
 * ≥ 2 grid steps (the predicted log₂ 8 = 3 less one step); under μP the optimal loss is non-increasing in
 * width. Added for issue 13 (SP's η* ∝ 1/n was never checked): the least-squares slope of log₂ η* on log₂ n
 * is −1 under SP and 0 under μP, each within ±√((1/log₂(n_max/n₀))² + (2·SE)²): the estimator's resolution
 * (optima resolved to about ±½ grid step at the two ends of 3 octaves, ⅓ on the slope) and two standard errors
 * of the slope from the seeds' spread of the optimum, in quadrature. Controls (rival predictions on the same sweeps): "η* independent of width
 * under SP" (slope 0) and "μP drifts like SP" (slope −1); both falsified. The argmin is the vertex of a
 * least-squares parabola in (log₂ η, log loss) over ±2 grid points around the best grid point (a
 * continuous estimate, less jumpy than the grid argmin in a flat valley). "Non-increasing" is tested
 * against the seed noise: an increase of the optimal loss from one width to the next counts only if
 * it exceeds twice its standard error, paired by seed (a robust violation, not a noise flip); the
 * standard errors are measured, reported, and floored at 1% (float and finite-sample resolution).
 *
 * Seed robustness (issue 13). With one teacher per run, the quick profile's SP slope depended on the seed:
 * the slope of one teacher's optima differs from the law's by more than the inits' spread shows (the
 * teacher-to-teacher variation of where a narrow SP net's valley sits, against its divergence wall), so a
 * tolerance from the inits alone was too narrow for that teacher and a fixed ⅓ had no finite-sample basis.
 * Now every init seed draws its own teacher, so the curve is averaged over teachers, and the scatter of each
 * seed's optima about "its teacher's offset + one common slope" (`slopeResiduals`, pooled over SP and μP)
 * measures the error the slope actually has, teacher-specific slopes included; the slope's tolerance is
 * derived from it (above). The quick grid also reaches η = 2^{−12}: at 2^{−10} the widest SP net's
 * optimum sat at the grid's lower edge at some seeds (a censored argmin, now a regime check at every width).
 *
 * What the SP slope depends on (a finding, not tuned away). SP's fitted slope is not a fixed number at this scale: it
 * moves with the training horizon. Read at horizons of 60…480 steps within the same runs (4 inits), it is about −1 at
 * 60 steps, steepest (about −1.2) around 120–160 steps, back near −1 at 200–240 steps, and then flattens by about a
 * third of a unit per doubling of the horizon (about −0.8 at 300 steps, −0.6 at 480); the weight-decay × horizon map
 * (docs/maps/mup-wd-*) shows the same contrast between 120 and 480 steps, with and without decay. μP's slope stays
 * within its band at every horizon. So the width-independence of μP's optimum is robust here, while SP's exponent
 * depends on the horizon and −1 describes it only at some horizons. The steepening is plausibly the readout's alignment
 * with the hidden updates (Adam's sign-like steps move each hidden unit the way its readout weight favours, so through
 * a LeCun readout the output's change can grow like η·n^{3/2} rather than η·n), and the later flattening the optimum
 * leaving the stability-limited regime (Everett et al. 2024, "Scaling exponents across parameterizations and
 * optimizers", report both alignment- and horizon-dependent exponents); neither is tested here. Every run reports its
 * slope at five horizons over its last octave of training (`slope at … steps`, read off the same runs with
 * `tailLossAt`: a run's first t steps are the run of t steps) and their trend per doubling of the horizon, so each
 * result shows where it sits; these are reported, not judged.
 *
 * The quick profile's horizon (issue 13). Quick trained 120 steps (the catalog's set-up says 300–500), where SP's slope
 * is steepest and lies within about 0.1 of the band's steep edge: there the two inits' scatter decided the verdict
 * (falsified at seed 1 of 0–9), and more inits would not have removed the offset (4 inits gave the same). Quick now
 * trains 240 steps, the longest horizon at no more than twice the cost and the nearest to the default's 300: like the
 * default it sits past the steep early stretch, and it differs from it in its sample (2 inits against 3) and by the
 * slope's drift between 240 and 300 steps. Adding the slope's change over the run's last octave to the tolerance, as a
 * finite-horizon error, was measured and left out: past 200 steps that change is comparable to the band itself, and the
 * widened band brought the rival "slope 0" within reach at the default.
 *
 * Detection power (issue 13). The strongest judged number is SP's slope. When it is measured near −1 its band, about
 * ±0.37 (the estimator's resolution 1/log₂(n_max/n₀) = ⅓ with the seeds' term), lets the prediction move by about a
 * third before the verdict flips, above the 25% mark; a threshold below that at some seed only says the measurement sat
 * near a band edge there, as the 120-step quick profile's did. The ⅓ is the grid's: a factor-2 grid of learning rates
 * over 3 octaves of width. A finer grid or a wider width range would narrow it (4 octaves: ¼), at a higher cost (up to
 * n = 512, whose runs cost four times the widest's per step).
 *
 * Deviations from the catalog's set-up. Widths {32, …, 256} instead of {64, …, 512} keep the 8× range
 * the criterion needs at a quarter of the cost of the widest run (the cost is ∝ n² per step), so the
 * default profile runs in about a minute and a half on one core. Input dimension 8 rather than 16: the
 * first layer's Adam update does not grow with n in SP, and the smaller its share, the closer SP's drift
 * is to its asymptote (with d = 16 the quick profile's SP drift over seeds 0–2 was 2.04–2.83 grid steps,
 * with d = 8 2.84–3.9, for the same μP drift ≤ 0.76).
 *
 * Shape of the drift. SP's optimum moves least between the two narrowest widths and then by about one grid step per
 * octave, the asymptotic η* ∝ 1/n: the narrowest SP net is still dominated by its input layer, whose update does not
 * grow with n. Under μP the optimal loss falls with width while SP's rises beyond the narrowest widths.
 */
import { z } from 'zod';
import { linearSlope, mean, variance } from '../core/stats.ts';
import type { TeacherTask } from '../data/teacher.ts';
import { curveOptimum, type OnlineRunResult, tailLossAt, tanhTeacher, trainOnlineSweep } from '../protocols/lrSweep.ts';
import { type Control, defineStudy, type MeasureContext, type MetricSpec, type RegimeCheck, type Series } from './types.ts';

const Params = z.object({
  widths: z.array(z.number().int().min(8).max(4096)).min(3).default([32, 64, 128, 256]),
  hiddenLayers: z.number().int().min(1).max(4).default(2),
  inputDim: z.number().int().min(2).max(256).default(8),
  /** number of teacher directions k */
  teacherDirections: z.number().int().min(1).max(64).default(8),
  /** log₂ of the smallest and largest learning rate; the grid steps by a factor 2 */
  log2LrMin: z.number().int().min(-24).max(4).default(-12),
  log2LrMax: z.number().int().min(-24).max(4).default(-3),
  steps: z.number().int().min(10).max(20000).default(300),
  batch: z.number().int().min(1).max(1024).default(32),
  /** inits (and batch streams) per (width, η), averaged geometrically */
  seeds: z.number().int().min(1).max(10).default(3),
  /** storage precision of weights and batches: f32 runs ~1.5× faster here and gave the same curves to 3 digits */
  dtype: z.enum(['f32', 'f64']).default('f32'),
  /** AdamW's decoupled weight decay λ (absent: plain Adam); for the weight-decay × training-length map (Kosson et al. 2025) */
  weightDecay: z.number().min(0).max(10).optional(),
  /** decay by η·λ·θ without μP's per-layer multipliers (the "independent" variant); absent: PyTorch's η·sᵢ·λ·θ */
  independentDecay: z.boolean().optional(),
});
type P = z.infer<typeof Params>;

const SCHEMES = ['sp', 'mup'] as const;
type Scheme = (typeof SCHEMES)[number];
const LABEL: Record<Scheme, string> = { sp: 'SP', mup: 'μP' };

type PredKey = 'μP optimum drift' | 'μP wider-is-better violation' | 'SP optimum drift (asymptotic)' | 'SP η* slope in width' | 'μP η* slope in width';

const controls: Control<P, PredKey>[] = [
  {
    name: 'η* independent of width under SP',
    description: 'the rival that Adam’s normalized updates already make SP’s optimal learning rate width-independent (slope 0, no drift)',
    predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'SP η* slope in width': 0, 'SP optimum drift (asymptotic)': 0 } }),
  },
  {
    name: 'μP drifts like SP (η* ∝ 1/n under μP too)',
    description: 'the rival that the μP table does not remove the width dependence of the optimum',
    predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'μP η* slope in width': -1, 'μP optimum drift': pred.scalars['SP optimum drift (asymptotic)'] ?? Number.NaN } }),
  },
];

/** Standard error of a least-squares slope from its residuals, √(RSS/(n − 2)/Sxx) (NaN for n < 3). */
function slopeStandardError(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 3) return Number.NaN;
  const mx = mean(x);
  const my = mean(y);
  const sxx = x.reduce((a, v) => a + (v - mx) ** 2, 0);
  const b = x.reduce((a, v, i) => a + (v - mx) * (y[i] - my), 0) / sxx;
  const rss = x.reduce((a, v, i) => a + (y[i] - my - b * (v - mx)) ** 2, 0);
  return Math.sqrt(rss / (n - 2) / sxx);
}

/**
 * Residuals of the seeds' optima y[w][s] (width w, seed s) about the additive model y = a_s + b·x_w: an offset
 * per seed (its teacher moves the whole curve, at every width alike, so the offset cancels in the slope) and
 * one slope b. Returns the residual sum of squares and its degrees of freedom S·W − S − 1 (seeds with a
 * non-finite optimum at some width are left out; 0 degrees of freedom when fewer than 2 seeds remain).
 */
export function slopeResiduals(x: readonly number[], y: readonly number[][]): { rss: number; dof: number } {
  const seeds = Array.from({ length: y[0]?.length ?? 0 }, (_, s) => s).filter((s) => y.every((row) => Number.isFinite(row[s])));
  const W = x.length;
  if (seeds.length < 2 || W < 2) return { rss: 0, dof: 0 };
  const mx = mean(x);
  const sxx = x.reduce((a, v) => a + (v - mx) ** 2, 0);
  const centred = seeds.map((s) => {
    const ys = y.map((row) => row[s]);
    const my = mean(ys);
    return ys.map((v) => v - my);
  });
  const b = centred.reduce((a, ys) => a + ys.reduce((c, v, w) => c + (x[w] - mx) * v, 0), 0) / (seeds.length * sxx);
  const rss = centred.reduce((a, ys) => a + ys.reduce((c, v, w) => c + (v - b * (x[w] - mx)) ** 2, 0), 0);
  return { rss, dof: seeds.length * W - seeds.length - 1 };
}

/** logLoss[k][s]: the log tail loss of seed s at grid point k after `horizon` steps (+∞ when diverged by then); runs[s][k]. */
function logLossAt(runs: readonly OnlineRunResult[][], horizon: number): number[][] {
  return (runs[0] ?? []).map((_, ki) => runs.map((r) => Math.log(tailLossAt(r[ki], horizon))));
}

/** The optimum (log₂ η, grid index) of the seed-averaged curve: the geometric mean of the seeds' losses at each η. */
function averagedOptimum(ks: readonly number[], logLoss: readonly number[][]): { log2Lr: number; index: number } {
  return curveOptimum(ks, logLoss.map((l) => Math.exp(mean(l))));
}

/**
 * The horizons at which the slope's dependence on the training length is read, within one run of `steps` steps:
 * steps·2^{−j/4}, j = 0…4, rounded (one octave below the run's own horizon, evenly in log). A run's first t steps are
 * a run of t steps (`tailLossAt`), so these cost nothing beyond the run itself.
 */
export function horizonWindow(steps: number): number[] {
  return [...new Set(Array.from({ length: 5 }, (_, j) => Math.round(steps * 2 ** (-j / 4))))].filter((t) => t >= 1);
}

/**
 * The least-squares slope of log₂ η* (seed-averaged curve) on log₂ n at each horizon, and its trend: the slope of
 * those slopes on log₂ of the horizon (change per doubling of the training length). runs[w][s][k].
 */
export function horizonSlopes(ks: readonly number[], log2Widths: readonly number[], runs: readonly OnlineRunResult[][][], horizons: readonly number[]): { slopes: number[]; trend: number } {
  const slopes = horizons.map((h) =>
    linearSlope(
      log2Widths,
      runs.map((r) => averagedOptimum(ks, logLossAt(r, h)).log2Lr),
    ),
  );
  return { slopes, trend: horizons.length > 1 ? linearSlope(horizons.map(Math.log2), slopes) : 0 };
}

const grid = (p: P): number[] => Array.from({ length: p.log2LrMax - p.log2LrMin + 1 }, (_, i) => p.log2LrMin + i);
const sortedWidths = (p: P): number[] => [...p.widths].sort((a, b) => a - b);

/**
 * One width's sweep under one scheme: results[s][k] for init seed s (its own teacher and batch stream) at η = 2^k. The
 * runs of a seed train together as batched models (src/nn/batchedMlp.ts): bit for bit the same numbers as one run at a
 * time, ≈1.7× faster; they share the seed's batch stream (common random numbers).
 */
function sweepWidth(p: P, ctx: MeasureContext, scheme: Scheme, w: number, baseWidth: number, tasks: readonly TeacherTask[], onRun: (ki: number, s: number, r: OnlineRunResult) => void): OnlineRunResult[][] {
  const model = { kind: 'mlp' as const, depth: p.hiddenLayers, activation: 'relu' as const, inputDim: p.inputDim, outputDim: 1, bias: true };
  return tasks.map((task, s) => {
    const stream = ctx.rng.child('stream', s);
    return trainOnlineSweep({
      model,
      width: w,
      parameterization: scheme,
      baseWidth,
      optimizer: 'adam',
      ...(p.weightDecay !== undefined ? { weightDecay: p.weightDecay } : {}),
      ...(p.independentDecay !== undefined ? { independentDecay: p.independentDecay } : {}),
      runs: grid(p).map((k) => ({ lr: 2 ** k, init: ctx.rng.child('init', w, s), stream })),
      steps: p.steps,
      batch: p.batch,
      task,
      dtype: p.dtype,
      signal: ctx.signal,
      onRun: (ki, r) => onRun(ki, s, r),
    });
  });
}

export const mupLrTransfer = defineStudy(Params, {
  id: 'mup-lr-transfer',
  catalog: 11,
  pillar: 'hyperparameters',
  title: 'μTransfer: the optimal learning rate is stable across widths under μP and drifts under SP',
  claim:
    'With Adam, the loss-vs-learning-rate curves of MLPs of different widths have their minimum at the same learning rate under μP, and wider networks are no worse at the optimum, while under the standard parameterization the optimal learning rate shrinks as the width grows (∝ 1/n asymptotically).',
  formula: '\\eta^*_{\\mu P}(n) = \\eta^*(n_0),\\qquad \\eta^*_{SP}(n) \\propto n^{-1},\\qquad \\min_\\eta L_{\\mu P}(n,\\eta)\\ \\text{non-increasing in}\\ n',
  papers: [
    'Yang, Hu, Babuschkin, Sidor, Liu, Farhi, Ryder, Pachocki, Chen & Gao 2022, Tensor Programs V: tuning large neural networks via zero-shot hyperparameter transfer (arXiv 2203.03466)',
  ],
  core: true,
  quick: { steps: 240, seeds: 2, log2LrMin: -12, log2LrMax: -3 },
  controls,
  seeds: { default: 5, threshold: 0.5 },

  predict(p) {
    const ws = sortedWidths(p);
    return {
      scalars: { 'μP optimum drift': 0, 'SP optimum drift (asymptotic)': Math.log2(ws[ws.length - 1] / ws[0]), 'SP η* slope in width': -1, 'μP η* slope in width': 0, 'μP wider-is-better violation': 0 },
      series: [],
    };
  },

  measure(p, ctx) {
    if (p.log2LrMax - p.log2LrMin < 4) throw new Error(`log2LrMax − log2LrMin: ${p.log2LrMax - p.log2LrMin}, expected ≥ 4 (a grid of at least 5 learning rates)`);
    const ws = sortedWidths(p);
    const ks = grid(p);
    // one teacher per init seed s, shared by every width, scheme and η (common random numbers): the spread of
    // the optimum over s then holds the teacher-to-teacher variation too, which a single teacher cannot show
    const tasks = Array.from({ length: p.seeds }, (_, s) => tanhTeacher(p.inputDim, p.teacherDirections, ctx.rng.child('teacher', s)));
    const scalars: Record<string, number> = {};
    const series: Series[] = [];
    const total = SCHEMES.length * ws.length * ks.length * p.seeds;
    let done = 0;
    let firstLoss = 0;
    for (const scheme of SCHEMES) {
      const optima: number[] = [];
      const best: number[] = [];
      const bestLogLoss: number[][] = []; // per width, each seed's log loss at the width's best grid η
      const perSeed: number[][] = []; // per width, each seed's own optimum (log₂ η)
      const runs: OnlineRunResult[][][] = []; // per width, per seed, per η
      ws.forEach((w) => {
        const results = sweepWidth(p, ctx, scheme, w, ws[0], tasks, (ki, s, r) => {
          firstLoss = Math.max(firstLoss, r.initialLoss);
          done++;
          ctx.progress(done / total, `${LABEL[scheme]} n=${w} η=2^${ks[ki]} seed ${s}`);
        });
        runs.push(results);
        // logLoss[k][s]: log of the tail loss of seed s at grid point k (+∞ when diverged)
        const logLoss = logLossAt(results, p.steps);
        const curve = logLoss.map((l) => Math.exp(mean(l)));
        const o = averagedOptimum(ks, logLoss);
        optima.push(o.log2Lr);
        // each init's own optimum: their spread is the finite-sample error of the optimum (see compare)
        perSeed.push(Array.from({ length: p.seeds }, (_, s) => curveOptimum(ks, logLoss.map((l) => Math.exp(l[s]))).log2Lr));
        const i = Math.max(o.index, 0); // −1 only if every η diverged: then every value below is +∞/NaN
        best.push(curve[i]);
        bestLogLoss.push(logLoss[i]);
        scalars[`${scheme} optimum log2η n=${w}`] = o.log2Lr;
        scalars[`${scheme} optimal loss n=${w}`] = curve[i];
        scalars[`${scheme} optimum at grid edge n=${w}`] = i === 0 || i === ks.length - 1 ? 1 : 0;
        scalars[`${scheme} diverged points n=${w}`] = curve.filter((c) => !Number.isFinite(c)).length;
        series.push({ name: `loss vs lr ${LABEL[scheme]}`, group: `n=${w}`, kind: 'measured', x: ks.map((k) => 2 ** k), y: curve });
        ctx.emit?.({ name: `optimum ${LABEL[scheme]}`, group: '', x: w, y: 2 ** o.log2Lr });
      });
      // standard error of the change of the optimal log-loss from one width to the next, paired by seed (the
      // same teacher and batch stream at both widths, so the teachers' different loss levels cancel)
      for (let j = 0; j + 1 < ws.length; j++) {
        const d = bestLogLoss[j + 1].map((l, s) => l - bestLogLoss[j][s]);
        scalars[`${scheme} optimal loss rise se n=${ws[j]}→${ws[j + 1]}`] = d.length > 1 && d.every(Number.isFinite) ? Math.sqrt(variance(d) / d.length) : 0;
      }
      const resid = slopeResiduals(ws.map(Math.log2), perSeed);
      scalars[`${scheme} optimum residual ss`] = resid.rss;
      scalars[`${scheme} optimum residual dof`] = resid.dof;
      scalars[`${scheme} drift`] = Math.max(...optima) - Math.min(...optima);
      scalars[`${scheme} slope`] = linearSlope(ws.map(Math.log2), optima);
      scalars[`${scheme} slope se`] = slopeStandardError(ws.map(Math.log2), optima);
      // the same slope read at shorter horizons of the same runs: reported, not judged (header, 'What the SP slope depends on')
      const window = horizonWindow(p.steps);
      const hs = horizonSlopes(ks, ws.map(Math.log2), runs, window);
      window.forEach((h, j) => {
        scalars[`${scheme} slope at ${h} steps`] = hs.slopes[j];
      });
      scalars[`${scheme} slope trend per octave of steps`] = hs.trend;
      series.push({ name: 'optimal learning rate', group: LABEL[scheme], kind: 'measured', x: ws, y: optima.map((k) => 2 ** k) });
      if (scheme === 'sp') {
        // the asymptotic SP law η* ∝ 1/n, drawn from the measured optimum at the base width
        series.push({ name: 'optimal learning rate', group: LABEL[scheme], kind: 'predicted', x: ws, y: ws.map((w) => 2 ** optima[0] * (ws[0] / w)) });
      } else {
        series.push({ name: 'optimal learning rate', group: LABEL[scheme], kind: 'predicted', x: ws, y: ws.map(() => 2 ** optima[0]) });
        series.push({ name: 'optimal loss', group: LABEL[scheme], kind: 'measured', x: ws, y: best });
      }
    }
    scalars['initial loss'] = firstLoss;
    // the seeds' scatter of the optimum about "teacher offset + common slope", pooled over the two schemes
    const dof = scalars['sp optimum residual dof'] + scalars['mup optimum residual dof'];
    scalars['optimum residual variance, pooled'] = dof > 0 ? (scalars['sp optimum residual ss'] + scalars['mup optimum residual ss']) / dof : Number.NaN;
    scalars['optimum residual dof'] = dof;
    return { scalars, series };
  },

  compare(pred, meas, p) {
    const ws = sortedWidths(p);
    const s = meas.scalars;
    const q = pred.scalars;
    const oct = Math.log2(ws[ws.length - 1] / ws[0]);
    // finite-sample error of the slope: each seed's optima scatter about its teacher's offset plus a common
    // slope with variance σ² (`slopeResiduals`); the slope of the seed-averaged optima then has variance
    // σ²/(seeds·Sxx)
    const lx = ws.map(Math.log2);
    const sxx = lx.reduce((a, v) => a + (v - mean(lx)) ** 2, 0);
    // (one seed: no spread to measure, the resolution term alone)
    const slopeSe = s['optimum residual dof'] > 0 ? Math.sqrt(s['optimum residual variance, pooled'] / p.seeds / sxx) : 0;
    // two independent errors in quadrature: the estimator's resolution (about ±½ grid step at each end of
    // `oct` octaves, 1/oct on the slope) and 2 standard errors of the slope from the inits
    const slopeTol = Math.hypot(1 / oct, 2 * slopeSe);
    const range = `${ws[ws.length - 1] / ws[0]}× width range`;
    // largest increase of μP's optimal loss between consecutive widths beyond its 2-standard-error band
    let worst = Number.NEGATIVE_INFINITY;
    let worstAt = '';
    for (let i = 0; i + 1 < ws.length; i++) {
      const a = ws[i];
      const b = ws[i + 1];
      const rise = Math.log(s[`mup optimal loss n=${b}`] / s[`mup optimal loss n=${a}`]);
      const se = Math.max(0.01, s[`mup optimal loss rise se n=${a}→${b}`]);
      const excess = rise - 2 * se;
      if (excess > worst) {
        worst = excess;
        worstAt = `${a}→${b}: rise ${(100 * rise).toFixed(1)}% vs 2·se ${(200 * se).toFixed(1)}%`;
      }
    }
    const metrics: MetricSpec<PredKey>[] = [
      {
        name: 'μP optimum drift (grid steps)',
        value: s['mup drift'],
        criterion: { op: '<=', bound: (q['μP optimum drift'] ?? Number.NaN) + 1 },
        reason: `catalog: μP argmin moves by ≤ 1 grid step (factor 2, the grid's resolution) across the ${range}; theory 0`,
        prediction: 'μP optimum drift',
      },
      {
        name: 'μP η* slope (log₂ η* on log₂ n)',
        value: s['mup slope'],
        criterion: { op: 'abs', target: q['μP η* slope in width'] ?? Number.NaN, tol: slopeTol },
        reason: `μP: η* width-independent (slope 0); ±${slopeTol.toFixed(2)} = 1/log₂(n_max/n₀) (optima resolved to about ±½ grid step at the two ends of ${oct} octaves) and 2 standard errors of the slope from the seeds' scatter of the optimum about a common slope (${slopeSe.toFixed(2)}; ${s['optimum residual dof']} degrees of freedom), in quadrature`,
        prediction: 'μP η* slope in width',
      },
      {
        name: 'SP optimum drift (grid steps)',
        value: s['sp drift'],
        criterion: { op: '>=', bound: (q['SP optimum drift (asymptotic)'] ?? Number.NaN) - 1 },
        reason: `catalog: SP argmin drifts by ≥ 2 grid steps across the ${range}, i.e. the asymptotic log₂ of the range (η* ∝ 1/n) less one grid step (the input layer's width-independent update slows the drift at finite width)`,
        prediction: 'SP optimum drift (asymptotic)',
      },
      {
        name: 'SP η* slope (log₂ η* on log₂ n)',
        value: s['sp slope'],
        criterion: { op: 'abs', target: q['SP η* slope in width'] ?? Number.NaN, tol: slopeTol },
        reason: `η* ∝ 1/n under SP with Adam (TP-V Table 3); ±${slopeTol.toFixed(2)} = 1/log₂(n_max/n₀) (optima resolved to about ±½ grid step at the two ends of ${oct} octaves) and 2 standard errors of the slope from the seeds' scatter of the optimum about a common slope (${slopeSe.toFixed(2)}), in quadrature; the residual standard error of the fit is ${s['sp slope se'].toFixed(2)}`,
        prediction: 'SP η* slope in width',
      },
      {
        name: 'μP wider-is-better violation',
        value: worst,
        criterion: { op: '<=', bound: q['μP wider-is-better violation'] ?? Number.NaN },
        prediction: 'μP wider-is-better violation',
        reason: `catalog: μP optimal loss non-increasing in width (predicted violation 0); an increase counts when it exceeds 2 standard errors of the change, paired by seed (same teacher and batches at both widths; floored at 1%), worst pair ${worstAt}`,
        description: 'largest rise of log(optimal loss) between consecutive widths minus its 2-standard-error noise band',
      },
    ];
    const interior = ws.every((w) => s[`mup optimum at grid edge n=${w}`] === 0);
    const spInterior = ws.every((w) => s[`sp optimum at grid edge n=${w}`] === 0);
    const learned = Math.max(...ws.map((w) => s[`mup optimal loss n=${w}`])) / s['initial loss'];
    const regime: RegimeCheck[] = [
      {
        name: 'μP optimum inside the grid',
        ok: interior,
        detail: `μP best learning rate ${interior ? 'is interior at every width' : 'sits at an edge of the grid at some width (the argmin is censored)'}`,
      },
      {
        name: 'SP optimum inside the grid',
        ok: spInterior,
        detail: `SP best learning rate ${spInterior ? 'is interior at every width' : 'sits at an edge of the grid at some width (the argmin is censored, and the slope with it)'}`,
      },
      {
        name: 'learned',
        ok: learned < 0.5,
        value: learned,
        detail: `μP optimal loss ≤ ${(100 * learned).toFixed(1)}% of the initial loss (< 50%: the runs trained)`,
      },
    ];
    return { metrics, regime };
  },

  figures: () => [
    {
      id: 'sp',
      title: 'SP: loss against learning rate, by width (the optimum drifts left)',
      x: { label: 'learning rate η (Adam)', log: true },
      y: { label: 'final ½·MSE', log: true },
      series: [{ name: 'loss vs lr SP' }],
    },
    {
      id: 'mup',
      title: 'μP: loss against learning rate, by width (the optimum stays; wider is better)',
      x: { label: 'learning rate η (Adam)', log: true },
      y: { label: 'final ½·MSE', log: true },
      series: [{ name: 'loss vs lr μP' }],
    },
    {
      id: 'optimum',
      title: 'Optimal learning rate against width',
      x: { label: 'width n', log: true },
      y: { label: 'η*', log: true },
      series: [{ name: 'optimal learning rate' }],
      caption: 'Solid: measured optimum (parabolic fit around the best grid point). Dashed: μP prediction (constant) and the asymptotic SP law η* ∝ 1/n, both drawn from the base-width optimum.',
    },
  ],
});

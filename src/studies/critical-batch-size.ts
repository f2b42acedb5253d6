/**
 * Catalog 25: the critical batch size and the gradient noise scale (McCandlish, Kaplan, Amodei & OpenAI
 * Dota Team 2018, "An empirical model of large-batch training"; §2.4 of the learning-mechanics paper).
 *
 * Theory (McCandlish et al. §2, a local quadratic model of the loss with per-example gradient covariance
 * Σ, true gradient G and Hessian H). One SGD step with batch B and step ε changes the loss in expectation
 * by −ε|G|² + ½ε²(GᵀHG + tr(HΣ)/B). The best step is ε_opt(B) = ε_max/(1 + B_noise/B) with
 * ε_max = |G|²/(GᵀHG) and the gradient noise scale B_noise = tr(HΣ)/(GᵀHG), and the best improvement is
 * ΔL_max/(1 + B_noise/B). Summed over training, the steps S and examples E = B·S to reach a target loss
 * trade off along the hyperbola
 *
 *     (S/S_min − 1)(E/E_min − 1) = 1,   i.e.   S(B) = S_min(1 + B_crit/B),  E(B) = E_min(1 + B/B_crit),
 *
 * with the critical batch size B_crit = E_min/S_min ≈ B_noise, which the simple noise scale
 * B_simple = tr Σ/|G|² (B_noise for H ∝ I) tracks within a small factor. B_noise grows as the loss falls.
 *
 * Setting. A one-hidden-layer tanh MLP (width 32, input dimension 8) trained online with SGD on the noisy
 * teacher y = Σ_{j<2} ±tanh(2u_jᵀx)/√2 + 0.5ε (src/protocols/onlineTeacher.ts); the observable is
 * the excess population loss ½E(f − f*)² on a fixed evaluation set, and the target is an excess loss of
 * 0.008 (quick: 0.012), 1/30 to 1/100 of the initial one. Batch sizes B = 4, 8, …, 1024 (quick 8 … 512).
 *
 * Steps to target. For each (B, η) the replicas (3; quick 4: independent inits and example streams, the
 * same ones for every B and η) train in lockstep and S is the first step at which their *mean* excess loss
 * reaches the target, interpolated in (log step, log loss) between evaluations spaced 3% apart. The mean
 * estimates the expected loss E[L(θ_t)] that McCandlish's model describes; a single run's first passage is
 * set by when its fluctuation around the SGD noise floor happens to dip below the target, and was the
 * dominant noise (±30–50% between replicas at small B). The mean itself is still noisy near the target, and
 * is judged on its centred moving average over the evaluations within a factor 1.1 of each step (about 7 at
 * 3% spacing, nearly independent draws of the SGD fluctuation, so the noise falls ≈ √7-fold; SmoothedPassage),
 * which estimates E[L(θ_t)] with a bias of second order in the window (≈ 0.15% for a loss ∝ 1/t); the
 * first passage of the smoothed mean keeps a small early bias from what noise is left (a few %, the same
 * at every B of the linear-scaling regime by the argument below, so S_min absorbs it). Why it is needed:
 * with a constant learning rate, write the expected excess loss as a drift D(ηt) plus the SGD noise floor
 * F ≈ cη/B (small η/B). Then S(η) = D⁻¹(T − F)/η, and with x = F/T the
 * steps are S = c·D⁻¹(T(1 − x))/(xBT): the tuned η puts the floor at the same fraction x of the target T at
 * every B of the linear-scaling regime, and as the expected loss flattens toward the floor it meets the
 * target at a shallow slope. The replica mean (4 runs, ±15–30% between evaluations there) then first dips
 * below the target by a fluctuation well before its expectation does, and the learning-rate search, which
 * keeps the fewest steps, selects such dips: unsmoothed, S(16) came out ≈ S(8) at quick seeds 3 and 5 (at
 * seed 3 with a tuned η at B = 8 twice the linear-scaling one), and the law missed (b′). The same lockstep
 * run also records the smoothed first passage of each leave-one-out subset's mean loss, and the learning-rate
 * refinement below is repeated per subset: these jackknife replicates of S(B) measure the run's own noise
 * for criterion (b″).
 *
 * Learning-rate tuning. A grid η_k = η_cap·2^(−k/2), η_cap = 1.5·2/λ_max(θ₀) (λ_max by Lanczos on exact
 * Hessian-vector products at initialization); runs above the cap diverge in this set-up, so the cap only
 * removes learning rates that cannot win. For each B the search starts from the linear-scaling guess
 * η*(B_prev)·B/B_prev and hill-climbs the grid; a run 2.5× slower than the best at its B is stopped (it
 * cannot win). S(B) is the vertex of a least-squares parabola in (log η, log S) through the grid points
 * within ±2 steps of the best (the minimum of a few noisy runs is biased low in a flat valley), and
 * E(B) = B·S(B). The fit of S = S_min(1 + B_crit/B) is least squares in log S (src/theory/fit/criticalBatch.ts).
 *
 * Noise scale. B_simple is measured with the two-batch estimator (src/observe/gradientNoise.ts, B_s = 8,
 * B_b = 256, 16 pairs of fresh i.i.d. batches per measurement) along reference runs: every replica trained at
 * the sweep's smallest batch size, at its tuned learning rate, for three times its steps to target. Why the
 * smallest: McCandlish's trend comes from the local quadratic model of the basin (|G|² → 0 at the minimum while
 * tr Σ stays, set by the label noise), and by the argument under Steps to target the tuned η of a batch size
 * well below B_crit puts the run's noise floor just below the target, so the ladder around the target is
 * sampled by the iterates' fluctuations about the basin's floor. Runs at larger B run cooler (η/B smaller),
 * settle well below the target, and reach the upper levels only on the way down, where the drift from the
 * plateau sets |G|²: along the batch size nearest B_crit (the former reference) and along the largest, (d)
 * failed at two quick seeds each once the smoothed passage had removed the dip-chasing from the tuned η. The
 * trend is not automatic in the basin: without label noise (the interpolation regime of Ma, Bassily & Belkin)
 * per-example gradients are proportional to the residual, tr Σ and |G|² both fall ∝ L near the minimum, and
 * B_simple tends to a constant. Every evaluation of a replica whose excess loss lies within half a ladder
 * step of a ladder level (5 levels, geometric from 2× the target down to half of it, the target in the
 * middle) is measured, and the squared norms are averaged over the level's iterates, from all replicas,
 * before the ratio is taken (as McCandlish et al. average |G|² and tr Σ over steps: at a single iterate the
 * SGD fluctuation of θ near the noise floor makes |G|² jumpy). The ladder lies in the basin around the
 * target on purpose. Above about 4× the quick target the runs of this task cross a saddle plateau (excess
 * loss ≈ 0.04–0.07: the linear part of the teacher is learned, its nonlinear part not yet) on which |G|² is small for the loss, so B_simple there
 * is as large as at the target: McCandlish's local quadratic model, which makes B_simple grow as the loss
 * falls, does not describe a saddle. The earlier ladder (16× the target down to it) crossed the plateau and
 * its ordering held only while the tuned learning rate of the reference run was large enough for SGD spikes
 * (iterates thrown out of the basin, with large |G|²) to fill its upper levels; four replicas lower that
 * learning rate, the plateau then fills the middle levels, and the ordering failed at most seeds (measured
 * while moving quick to 4 replicas). At the target level the exact per-example B_simple and B_noise =
 * tr(HΣ)/GᵀHG (per-example gradients and Hessian-vector products on a fresh batch, one iterate of replica 0)
 * are reported for reference.
 *
 * Pass. (a) catalog: the fit of S = S_min(1 + B_crit/B) has R² > 0.9 (in log S) — a goodness of fit of two
 * parameters to the same points, so it is a sanity check (issue 13), not a test of the law; (b) the measured
 * (S, E) lie on the law within 20%: the RMS relative distance of S(B) from S_min(1 + (B_crit/B)^a) fitted to
 * all batch sizes, a = 1 from the prediction, is ≤ 0.2; (b′) held-out: the law fitted to alternate batch
 * sizes (8, 32, 128, 512) predicts S at the others (16, 64, 256) within 30% RMS (the per-point scatter,
 * 10–17% in-sample, times √(1 + 2/4) for a 2-parameter fit to 4 points, is ≤ 21%); (c) catalog: B_crit is
 * within a factor 3 of B_simple at the target (predicted ratio 1); (b″) the run's own noise: the law's
 * residuals in log S over their jackknife variance (leave-one-out replica subsets, each refitted, so the
 * luck a replica carries to every B is absorbed by S_min as in the fit itself), T = Σr²/Σv, is F(n − 2,
 * (n − 2)(R − 1))-distributed when the points scatter only by replica noise; bound: its 99% point (a
 * Monte Carlo quantile). The jackknife variance is biased upward (Efron & Stein 1981), more so for a first
 * passage, a non-smooth statistic: with 3–4 replicas the law's T mostly runs below 1, so (b″) is conservative
 * and the rivals fall mainly to (b); (d) catalog "B_simple increases as the target loss decreases": the
 * weighted least-squares slope of ln B_simple on ln L over the ladder, each level weighted by its standard
 * error (the scatter of its iterates), in units of the slope's standard error, inflated by the Birge ratio
 * when the levels scatter about the line more than their errors allow (iterates of one run are correlated in
 * time, so a bin's scatter understates its error): z ≍ N(0, 1) under a flat B_simple, and the predicted sign
 * must show at one-sided 5%, z ≤ −1.645. The claim is a sign, so this metric has no detection threshold
 * for a relative change of the prediction; a Spearman ρ over 5 levels would need ρ ≤ −0.9 to reject "no
 * trend" at 5% (exact permutation null), which adjacent levels √2 apart in loss, each ±10–20%, miss often.
 * Regime checks: every B reaches the target at some learning rate; the sweep brackets B_crit (B_min ≤
 * B_crit/2 and B_max ≥ 2·B_crit, else S_min or E_min is an extrapolation); every ladder level is sampled by
 * at least two iterates (its standard error needs two).
 *
 * Controls (rival laws fitted and judged the same way, on the same S(B)): perfect scaling S ∝ 1/B (no
 * critical batch size), and a sharper knee S_min(1 + (B_crit/B)²). The quick profile has 4 replicas: with 2
 * the sharper knee passed (b) and (b′) at a quick seed (7), and 4 separate it by (b) at every quick seed
 * 0–9 tried. A softer knee, exponent ½, is NOT resolved (its RMS distance is close to the law's at 2 and at
 * 4 replicas), so it is not claimed as a control. Detection power: the exponent is resolved only to about
 * a third by 7 batch sizes over a factor 64 with the catalog's 20% on the RMS distance, so the study's best
 * detection threshold at quick seeds is mostly above 25% for the S(B) law; (c) allows the catalog's factor 3 and
 * (d) judges a sign.
 *
 * Deviation from the catalog in (b). The catalog asks for (S/S_min − 1)(E/E_min − 1) ≈ 1 within 20%. Per
 * point, the product amplifies the relative residual r of S(B) by about B_crit/B (small B) or B/B_crit
 * (large B), and by 4 at B = B_crit, so with our ~10% scatter per point (3 replicas) the per-B products range
 * from −2 to 5 and their median swings between 0.8 and 1.4 from seed to seed. Fitting the product as a free
 * constant c, (S/S_min − 1)(E/E_min − 1) = c, on eight quick-sized sweeps made while developing this study
 * gave c from 0.3 to > 3 with nearly the same residual as c = 1: the data cannot resolve the product to 20%, so a 20% test of it would be a
 * coin flip, not a test. What the data do resolve is the distance of the points from the hyperbola, which
 * (b) tests at the catalog's 20%; the median product is still reported (scalar "median hyperbola product").
 *
 * Measured. What motivated this design (numbers in the change's report, not here): quick with 2 replicas
 * was inconclusive at a seed (the sharper knee passed); with 4 replicas the former ladder (16× the target
 * down to it, one reference run) broke (d) at most seeds for the reason given under Noise scale; the
 * unsmoothed first passage of the replica mean broke (b′) at quick seeds 3 and 5 (see Steps to target); and
 * the reference run at B ≈ B_crit or at the largest B then broke (d) at two quick seeds each (see Noise scale).
 */
import { z } from 'zod';
import type { Rng } from '../core/random.ts';
import { firstCrossing, fQuantile, mean, median, variance } from '../core/stats.ts';
import type { TeacherTask } from '../data/teacher.ts';
import { ExampleStream, type TeacherEvalSet, teacherBatch, teacherEvalSet } from '../data/teacherStream.ts';
import type { Model } from '../nn/model.ts';
import { curvatureNoiseScale, gradientNoiseScale, noiseScaleFromNorms } from '../observe/gradientNoise.ts';
import { sharpness } from '../observe/hessian.ts';
import { spearman } from '../observe/rankCorrelation.ts';
import { quadraticFit } from '../protocols/lrSweep.ts';
import { excessLoss, halfSquaredError, noisyTanhTeacher, perExampleHalfSquaredError, stepsToTarget, tanhStudent } from '../protocols/onlineTeacher.ts';
import { fitStepsHyperbola, type HyperbolaFit } from '../theory/fit/criticalBatch.ts';
import { sig3 as num } from './format.ts';
import { type Control, defineStudy, type MeasureContext, type MetricSpec, type Observations, type RegimeCheck, type Series } from './types.ts';

const Params = z.object({
  inputDim: z.number().int().min(2).max(64).default(8),
  teacherDirections: z.number().int().min(1).max(16).default(2),
  /** standard deviation σ of the label noise (sets tr Σ at the optimum) */
  labelNoise: z.number().min(0.05).max(4).default(0.5),
  width: z.number().int().min(4).max(256).default(32),
  /** batch sizes of the sweep (ascending after sorting) */
  batchSizes: z.array(z.number().int().min(1).max(8192)).min(4).default([4, 8, 16, 32, 64, 128, 256, 512, 1024]),
  /** target excess population loss ½E(f − f*)² */
  target: z.number().positive().max(1).default(0.008),
  /** starting learning rate of the search at the smallest batch size */
  lrStart: z.number().positive().max(10).default(0.01),
  /** a run is stopped (counted as +∞) once it is this many times slower than the best at its batch size */
  pruneFactor: z.number().min(1.1).max(10).default(2.5),
  /** the largest learning rate tried is this fraction of the initial stability limit 2/λ_max(θ₀) */
  lrCapFactor: z.number().positive().max(4).default(1.5),
  /** learning-rate grid points per octave (2: steps of √2) */
  lrPerOctave: z.number().int().min(1).max(4).default(2),
  /** give up on a run after this many examples (first run at each batch size) */
  maxExamples: z.number().int().min(1000).default(400000),
  evalSize: z.number().int().min(64).max(8192).default(1024),
  /** number of loss levels, geometric from ladderTop·target down to ladderBottom·target, at which B_simple is measured */
  levels: z.number().int().min(3).max(8).default(5),
  /** top and bottom of the ladder as multiples of the target (the top is also kept below the initial loss/4) */
  ladderTop: z.number().min(1).max(64).default(2),
  ladderBottom: z.number().positive().max(1).default(0.5),
  /** two-batch estimator: small and big batch sizes, pairs per evaluation, evaluations averaged per level */
  noiseSmall: z.number().int().min(1).default(8),
  noiseBig: z.number().int().min(2).default(256),
  noisePairs: z.number().int().min(1).max(256).default(16),
  /** measure at every this-many-th evaluation of the reference run that falls in a level's bin */
  noiseEvery: z.number().int().min(1).max(64).default(1),
  /** the reference run lasts this multiple of its steps to target (to sample iterates around and below the target) */
  referenceLength: z.number().min(1).max(5).default(3),
  /** reference run for B_simple: the sweep's smallest batch size (noise floor just below the target), the one nearest B_crit, or the largest (lowest SGD temperature η/B) */
  reference: z.enum(['critical', 'largest', 'smallest']).default('smallest'),
  /** independent runs (inits and example streams) per (B, η), trained in lockstep; S is the first passage of their mean loss */
  replicas: z.number().int().min(1).max(8).default(3),
  /** S is judged on the replica-mean loss averaged over evaluations within a factor 1 + smoothing of each step (0: none) */
  smoothing: z.number().min(0).max(0.5).default(0.1),
  /** exact B_noise at the target: batch size and number of Hessian-vector products (0 to skip) */
  curvatureBatch: z.number().int().min(16).max(8192).default(1024),
  hvpExamples: z.number().int().min(0).max(1024).default(64),
});
type P = z.infer<typeof Params>;

const sortedBatches = (p: P) => [...new Set(p.batchSizes)].sort((a, b) => a - b);

/** What every step of the measurement shares: the task, the evaluation set and the replicated runs. */
interface Setup {
  rng: Rng;
  task: TeacherTask;
  evalSet: TeacherEvalSet;
  newNet: (replica?: number) => Model;
  replicas: number[];
  initialLoss: number;
  /** steps to target (or, with `onEval`, a run of `maxSteps` that only reports) of the replicas `reps` */
  run: (lr: number, B: number, maxSteps: number, reps: number[], onEval?: (step: number, loss: number) => boolean | undefined, nets?: Model[]) => number;
}

function setup(p: P, ctx: MeasureContext): Setup {
  const rng = ctx.rng;
  const task = noisyTanhTeacher(p.inputDim, p.teacherDirections, p.labelNoise, rng.child('teacher'));
  const evalSet = teacherEvalSet(task, p.evalSize, rng.child('eval'));
  const newNet = (replica = 0): Model => tanhStudent(p.inputDim, p.width, rng.child('init', replica));
  const run: Setup['run'] = (lr, B, maxSteps, reps, onEval, nets = reps.map(newNet)) =>
    stepsToTarget({
      nets,
      streams: reps.map((q) => new ExampleStream(task, rng.child('stream', q))),
      optimizer: { kind: 'sgd', lr },
      batch: B,
      evalSet,
      target: onEval ? -1 : p.target,
      maxSteps,
      onEval,
      signal: ctx.signal,
    }).steps;
  const replicas = Array.from({ length: p.replicas }, (_, q) => q);
  return { rng, task, evalSet, newNet, replicas, initialLoss: excessLoss(newNet(), evalSet), run };
}

/**
 * The learning-rate grid η_k = η_cap·2^(−k/perOctave), k ≥ 0, capped at the stability limit of the initial
 * Hessian (λ_max by Lanczos on a fresh batch): McCandlish's model is a stable local quadratic; above
 * 2/λ_max runs only progress through catapults, whose timing makes S erratic.
 */
interface LrGrid {
  lambda0: number;
  lrCap: number;
  lrOf: (k: number) => number;
  nearest: (lr: number) => number;
  kMax: number;
}

function learningRateGrid(p: P, su: Setup): LrGrid {
  const net0 = su.newNet();
  const hb = teacherBatch(su.task, p.curvatureBatch, su.rng.child('sharpness'));
  const lambda0 = sharpness(() => halfSquaredError(net0, hb), net0.params(), { rng: su.rng.child('lanczos'), maxIter: 30 });
  const lrCap = (p.lrCapFactor * 2) / lambda0;
  const nearest = (lr: number) => Math.max(0, Math.round(p.lrPerOctave * Math.log2(lrCap / lr)));
  return { lambda0, lrCap, lrOf: (k) => lrCap * 2 ** (-k / p.lrPerOctave), nearest, kMax: nearest(p.lrStart) + 8 * p.lrPerOctave };
}

/**
 * The first passage of a noisy, decreasing curve through `level`, judged on its centred moving average: the
 * smoothed value at an evaluation step t is the mean of the samples at steps within [t/w, t·w], so it is known
 * once the curve has been sampled up to t·w (`add` returns the crossing then, +∞ before). The crossing is
 * interpolated in (log step, log value) between the last smoothed value above the level and the first at or
 * below it. A window symmetric in log step leaves a power law's crossing unbiased to first order; for
 * L ∝ t^(−α) and samples uniform in log step the smoothed value is L·sinh(α ln w)/(α ln w), a second-order
 * bias: 0.15% for α = 1 and w = 1.1, moving the crossing by as much.
 */
export class SmoothedPassage {
  private readonly steps: number[] = [];
  private readonly values: number[] = [];
  /** index of the next evaluation whose smoothed value is to be judged, and the window's first index */
  private next = 0;
  private lo = 0;
  private prev = { step: 0, value: Number.NaN };
  private crossing = Number.POSITIVE_INFINITY;

  constructor(
    private readonly level: number,
    private readonly w: number,
  ) {
    if (!(level > 0)) throw new Error(`SmoothedPassage: level = ${level}, expected > 0`);
    if (!(w >= 1)) throw new Error(`SmoothedPassage: window factor w = ${w}, expected ≥ 1`);
  }

  /** Feed the sample at `step` (steps increasing); returns the crossing once known. */
  add(step: number, value: number): number {
    if (this.steps.length > 0 && !(step > this.steps[this.steps.length - 1])) throw new Error(`SmoothedPassage.add: step = ${step}, expected > the previous step ${this.steps[this.steps.length - 1]}`);
    this.steps.push(step);
    this.values.push(value);
    while (!Number.isFinite(this.crossing) && this.next < this.steps.length && this.steps[this.next] * this.w <= step) this.judge(this.next++);
    return this.crossing;
  }

  /** the crossing, +∞ until it is known */
  get hit(): number {
    return this.crossing;
  }

  private judge(i: number): void {
    const t = this.steps[i];
    while (this.steps[this.lo] * this.w < t) this.lo++;
    let sum = 0;
    let n = 0;
    for (let k = this.lo; k < this.steps.length && this.steps[k] <= t * this.w; k++) {
      sum += this.values[k];
      n++;
    }
    const m = sum / n;
    const pv = this.prev;
    if (m > this.level) this.prev = { step: t, value: m };
    else if (pv.step === 0 || !(pv.value > m)) this.crossing = t;
    else this.crossing = Math.exp(firstCrossing([Math.log(pv.step), Math.log(t)], [Math.log(pv.value), Math.log(m)], Math.log(this.level), 'down'));
  }
}

/**
 * First passages of the replica-mean excess loss through the target, each on its centred moving average
 * (SmoothedPassage, window factor 1 + smoothing): [all replicas, then each leave-one-out subset], from one
 * lockstep run. The subsets are the jackknife replicates of S (Quenouille 1956; Efron & Stein 1981): the
 * spread of S over them measures the replica noise of S itself, with no second training run. The run goes
 * on to maxSteps·w so that a crossing up to maxSteps is judged on a full window.
 */
function passages(p: P, su: Setup, lr: number, B: number, maxSteps: number): number[] {
  const reps = su.replicas;
  const nets = reps.map((q) => su.newNet(q));
  const subsets = reps.length > 1 ? [reps, ...reps.map((q) => reps.filter((r) => r !== q))] : [reps];
  const w = 1 + p.smoothing;
  const trackers = subsets.map(() => new SmoothedPassage(p.target, w));
  const onEval = (step: number): boolean => {
    const l = nets.map((n) => excessLoss(n, su.evalSet));
    subsets.forEach((sub, j) => trackers[j].add(step, mean(sub.map((q) => l[q]))));
    return trackers.every((t) => Number.isFinite(t.hit));
  };
  su.run(lr, B, Math.ceil(maxSteps * w), reps, onEval, nets);
  return trackers.map((t) => t.hit);
}

/**
 * The vertex of a least-squares parabola in (log₂ η, log S) over the finite grid points within ±2 steps of
 * the grid optimum k (the minimum of a few noisy runs is biased low in a flat valley); the grid point itself
 * when the window does not bracket k or the parabola is not convex.
 */
function parabolaVertex(p: P, grid: LrGrid, tried: ReadonlyMap<number, number>, k: number): { steps: number; lr: number } {
  const win = [...tried.entries()].filter(([kk, v]) => Math.abs(kk - k) <= 2 && Number.isFinite(v)).sort((a, b) => a[0] - b[0]);
  const c = win.length >= 3 && win[0][0] < k && win[win.length - 1][0] > k ? quadraticFit(win.map(([kk]) => -kk / p.lrPerOctave), win.map(([, v]) => Math.log(v))) : null;
  if (c === null || !(c[2] > 0)) return { steps: tried.get(k) ?? Number.POSITIVE_INFINITY, lr: grid.lrOf(k) };
  const lo = -win[win.length - 1][0] / p.lrPerOctave;
  const hi = -win[0][0] / p.lrPerOctave;
  const v = Math.min(Math.max(-c[1] / (2 * c[2]), lo), hi);
  return { steps: Math.exp(c[0] + c[1] * v + c[2] * v * v), lr: grid.lrCap * 2 ** v };
}

/**
 * S(B) at the tuned learning rate: from the starting grid point, walk to smaller steps past too-slow or
 * diverging runs, then hill-climb to a local optimum of the grid (runs 2.5× slower than the best are
 * stopped), refined by parabolaVertex. Each leave-one-out subset of the replicas gets its own vertex on the
 * same grid window, so its jackknife error includes the noise of the learning-rate refinement.
 */
function tuneBatch(p: P, su: Setup, grid: LrGrid, B: number, start: number): { steps: number; lr: number; k: number; tried: number; loo: number[] } {
  const tried = new Map<number, number[]>();
  let best = Number.POSITIVE_INFINITY;
  const at = (k: number): number => {
    if (k < 0 || k > grid.kMax) return Number.POSITIVE_INFINITY;
    const known = tried.get(k);
    if (known !== undefined) return known[0];
    const cap = Number.isFinite(best) ? Math.ceil(p.pruneFactor * best) + 1 : Math.ceil(p.maxExamples / B);
    const r = passages(p, su, grid.lrOf(k), B, cap);
    tried.set(k, r);
    best = Math.min(best, r[0]);
    return r[0];
  };
  let k = start;
  while (!Number.isFinite(at(k)) && k < grid.kMax) k = Math.min(grid.kMax, k + p.lrPerOctave);
  for (let guard = 0; guard < 8 * p.lrPerOctave && Number.isFinite(at(k)); guard++) {
    const c = at(k);
    const up = at(k - 1);
    const down = at(k + 1);
    if (up < c && up <= down) k--;
    else if (down < c) k++;
    else break;
  }
  const column = (j: number) => new Map([...tried.entries()].map(([kk, v]) => [kk, v[j]]));
  const { steps, lr } = parabolaVertex(p, grid, column(0), k);
  const loo = su.replicas.length > 1 ? su.replicas.map((q) => parabolaVertex(p, grid, column(q + 1), k).steps) : [];
  return { steps, lr, k, tried: tried.size, loo };
}

/** The sweep over batch sizes; each search starts from the linear-scaling guess η*(B_prev)·B/B_prev. */
function sweepBatches(p: P, su: Setup, grid: LrGrid, Bs: number[], ctx: MeasureContext): { S: number[]; lrs: number[]; loo: number[][] } {
  const S: number[] = [];
  const lrs: number[] = [];
  const loo: number[][] = su.replicas.length > 1 ? su.replicas.map(() => []) : [];
  let start = grid.nearest(p.lrStart);
  for (let bi = 0; bi < Bs.length; bi++) {
    const B = Bs[bi];
    const t = tuneBatch(p, su, grid, B, start);
    S.push(t.steps);
    lrs.push(t.lr);
    t.loo.forEach((v, q) => loo[q].push(v));
    ctx.progress((0.8 * (bi + 1)) / Bs.length, `B=${B}: S=${num(t.steps)} at η=${num(t.lr)} (${t.tried} learning rates)`);
    if (Number.isFinite(t.steps)) {
      ctx.emit?.({ name: 'steps to target', group: 'measured', x: B, y: t.steps });
      if (bi + 1 < Bs.length) start = grid.nearest((grid.lrOf(t.k) * Bs[bi + 1]) / B);
    }
  }
  return { S, lrs, loo };
}

/** The fit of S = S_min(1 + B_crit/B), the per-B hyperbola products, and their curves. */
function hyperbola(Bs: number[], S: number[], lrs: number[], scalars: Record<string, number>, series: Series[]): { fit: HyperbolaFit; products: number[] } {
  const fit = fitStepsHyperbola(Bs, S);
  const products = Bs.map((B, i) => (S[i] / fit.sMin - 1) * ((B * S[i]) / fit.eMin - 1));
  // relative distance of each measured (S, E) from the hyperbola along its ray E = B·S (the same in S and E)
  const logResiduals = Bs.map((B, i) => Math.log(S[i] / (fit.sMin * (1 + fit.bCrit / B))));
  const rmsResidual = Math.exp(Math.sqrt(logResiduals.reduce((a, r) => a + r * r, 0) / logResiduals.length)) - 1;
  Object.assign(scalars, { S_min: fit.sMin, E_min: fit.eMin, B_crit: fit.bCrit, 'fit R²': fit.r2, 'median hyperbola product': median(products), 'RMS relative distance from the hyperbola': rmsResidual });
  const dense = Array.from({ length: 49 }, (_, i) => Bs[0] * (Bs[Bs.length - 1] / Bs[0]) ** (i / 48));
  series.push({ name: 'steps to target', group: 'McCandlish fit S_min(1 + B_crit/B)', kind: 'predicted', x: dense, y: dense.map((B) => fit.sMin * (1 + fit.bCrit / B)) });
  series.push({ name: 'Pareto front', group: 'hyperbola (S/S_min − 1)(E/E_min − 1) = 1', kind: 'predicted', x: dense.map((B) => fit.sMin * (1 + fit.bCrit / B)), y: dense.map((B) => fit.eMin * (1 + B / fit.bCrit)) });
  series.push({ name: 'hyperbola product', group: 'measured', kind: 'measured', x: Bs, y: products });
  series.push({ name: 'hyperbola product', group: 'theory', kind: 'predicted', x: [Bs[0], Bs[Bs.length - 1]], y: [1, 1] });
  // McCandlish's ε_opt(B) = ε_max/(1 + B_noise/B) with B_noise → B_crit; ε_max by least squares in log ε
  const logEpsMax = mean(lrs.map((lr, i) => Math.log(lr * (1 + fit.bCrit / Bs[i]))));
  series.push({ name: 'tuned learning rate', group: 'ε_max/(1 + B_crit/B)', kind: 'predicted', x: dense, y: dense.map((B) => Math.exp(logEpsMax) / (1 + fit.bCrit / B)) });
  scalars['ε_max (fit)'] = Math.exp(logEpsMax);
  return { fit, products };
}

/** Sums of the two-batch estimator's squared norms over the iterates that fell into one loss level's bin. */
interface LevelAccumulator {
  small: number;
  big: number;
  n: number;
  loss: number;
  g: number[];
  s: number[];
}

interface NoiseLadder {
  levels: number[];
  /** index of the level nearest the target */
  atTarget: number;
  acc: LevelAccumulator[];
  curvature: ReturnType<typeof curvatureNoiseScale> | null;
}

/**
 * The ladder of loss levels, geometric from min(ladderTop·target, initial/4) down to ladderBottom·target, and
 * the index of the level nearest the target. The ladder lies in the basin around the target: above about
 * 4× the quick target the runs of this task cross a saddle plateau (the linear part of the teacher learned,
 * its nonlinear part not yet), where |G|² is small for the loss and B_simple is as large as at the target,
 * outside the local quadratic model that predicts B_simple to grow as the loss falls (see the header).
 */
export function ladderLevels(o: { target: number; levels: number; ladderTop: number; ladderBottom: number }, initialLoss: number): { levels: number[]; atTarget: number } {
  const lo = o.target * o.ladderBottom;
  const top = Math.max(o.target, Math.min(o.target * o.ladderTop, initialLoss / 4));
  const levels = Array.from({ length: o.levels }, (_, j) => lo * (top / lo) ** ((o.levels - 1 - j) / (o.levels - 1)));
  let atTarget = 0;
  levels.forEach((l, j) => {
    if (Math.abs(Math.log(l / o.target)) < Math.abs(Math.log(levels[atTarget] / o.target))) atTarget = j;
  });
  return { levels, atTarget };
}

/**
 * B_simple along the reference run: every replica trains at (η, B) and each evaluation whose excess loss lies
 * in a level's bin (within half a ladder step of it in log loss; bins of adjacent levels touch) adds that
 * replica's two-batch norms to the bin, so a level pools the iterates of independent runs. At the level
 * nearest the target the exact B_noise is measured once (replica 0).
 */
function noiseLadder(p: P, su: Setup, lr: number, B: number, refSteps: number, ctx: MeasureContext): NoiseLadder {
  const { levels, atTarget } = ladderLevels(p, su.initialLoss);
  const halfStep = Math.abs(Math.log(levels[0] / levels[levels.length - 1])) / (2 * Math.max(1, levels.length - 1));
  const binOf = (loss: number) => levels.findIndex((l) => Math.abs(Math.log(loss / l)) <= halfStep);
  const acc: LevelAccumulator[] = levels.map(() => ({ small: 0, big: 0, n: 0, loss: 0, g: [], s: [] }));
  let curvature: ReturnType<typeof curvatureNoiseScale> | null = null;
  let evals = 0;
  const nets = su.replicas.map((q) => su.newNet(q));
  const onEval = (step: number) => {
    const losses = nets.map((net) => excessLoss(net, su.evalSet));
    const bins = losses.map(binOf);
    if (bins.every((b) => b < 0) || evals++ % p.noiseEvery !== 0) return false;
    bins.forEach((bin, q) => {
      if (bin < 0) return;
      const net = nets[q];
      const e = gradientNoiseScale((size, r) => halfSquaredError(net, teacherBatch(su.task, size, r)), net.params(), {
        bSmall: p.noiseSmall,
        bBig: p.noiseBig,
        pairs: p.noisePairs,
        rng: su.rng.child('noise', step, q),
      });
      const a = acc[bin];
      a.small += e.normSqSmall;
      a.big += e.normSqBig;
      a.n++;
      a.loss += losses[q];
      a.g.push(e.gradNormSq);
      a.s.push(e.traceSigma);
      if (bin === atTarget && q === 0 && curvature === null && p.hvpExamples > 0) curvature = exactNoiseScale(p, su, net);
    });
    ctx.progress(0.8 + (0.2 * step) / refSteps, `B_simple along the reference run, step ${step}`);
    return false;
  };
  su.run(lr, B, refSteps, su.replicas, onEval, nets);
  return { levels, atTarget, acc, curvature };
}

/** Exact per-example B_simple and B_noise = tr(HΣ)/GᵀHG on one fresh batch at the current parameters. */
function exactNoiseScale(p: P, su: Setup, net: Model): ReturnType<typeof curvatureNoiseScale> {
  const b = teacherBatch(su.task, p.curvatureBatch, su.rng.child('curvature'));
  return curvatureNoiseScale(
    () => perExampleHalfSquaredError(net, b),
    () => halfSquaredError(net, b),
    net.params(),
    p.curvatureBatch,
    Math.min(p.hvpExamples, p.curvatureBatch),
  );
}

/** Per level: B_simple from the bin-averaged squared norms (McCandlish App. A), its relative error, the bin's mean loss. */
function levelEstimates(p: P, acc: LevelAccumulator[]): { bSimple: number[]; relErr: number[]; loss: number[] } {
  // standard error over the bin's iterates (each already a mean over `noisePairs` pairs)
  const se = (xs: number[]) => (xs.length > 1 ? Math.sqrt(variance(xs) / xs.length) : Number.NaN);
  const out = { bSimple: [] as number[], relErr: [] as number[], loss: [] as number[] };
  for (const a of acc) {
    if (a.n === 0) {
      out.bSimple.push(Number.NaN);
      out.relErr.push(Number.NaN);
      out.loss.push(Number.NaN);
      continue;
    }
    const est = noiseScaleFromNorms({ bSmall: p.noiseSmall, normSqSmall: a.small / a.n, bBig: p.noiseBig, normSqBig: a.big / a.n });
    out.bSimple.push(est.bSimple);
    out.loss.push(a.loss / a.n);
    out.relErr.push(Math.hypot(se(a.g) / est.gradNormSq, se(a.s) / est.traceSigma));
  }
  return out;
}

/** B_simple along the reference run (the sweep's smallest batch size, the one nearest B_crit, or the largest) and its scalars. */
function referenceNoiseScale(p: P, su: Setup, Bs: number[], S: number[], lrs: number[], fit: HyperbolaFit, obs: { scalars: Record<string, number>; series: Series[]; notes: string[] }, ctx: MeasureContext): void {
  let ref = 0;
  if (p.reference === 'largest') ref = Bs.length - 1;
  else if (p.reference === 'smallest') ref = 0;
  else for (let i = 1; i < Bs.length; i++) if (Math.abs(Math.log(Bs[i] / fit.bCrit)) < Math.abs(Math.log(Bs[ref] / fit.bCrit))) ref = i;
  const { levels, atTarget: ti, acc, curvature } = noiseLadder(p, su, lrs[ref], Bs[ref], Math.ceil(p.referenceLength * S[ref]), ctx);
  const est = levelEstimates(p, acc);
  const { scalars, notes } = obs;
  // a level needs two iterates for the standard error that weights it in the trend
  const level = acc.filter((a) => a.n >= 2).length;
  scalars['reference batch size'] = Bs[ref];
  scalars['reference learning rate'] = lrs[ref];
  scalars['levels measured'] = level;
  scalars['levels planned'] = levels.length;
  if (level === levels.length && level > 0) {
    const atTarget = est.bSimple[ti];
    scalars['B_simple at target'] = atTarget;
    scalars['B_simple relative standard error'] = est.relErr[ti];
    scalars['B_crit / B_simple'] = fit.bCrit / atTarget;
    scalars['Spearman(level, B_simple)'] = spearman(levels, est.bSimple);
    const trend = noiseScaleTrend(est.loss, est.bSimple, est.relErr);
    scalars['slope of ln B_simple on ln loss'] = trend.slope;
    scalars['slope standard error'] = trend.se;
    scalars['slope z'] = trend.z;
    scalars['slope Birge ratio'] = trend.birge;
    if (curvature !== null) {
      scalars['B_noise at target (exact, per-example + HVP)'] = curvature.bNoise;
      scalars['B_simple at target (exact, per-example)'] = curvature.bSimple;
      scalars['B_crit / B_noise'] = fit.bCrit / curvature.bNoise;
    }
    notes.push(
      `B_crit = ${num(fit.bCrit)} (S_min = ${num(fit.sMin)}, E_min = ${num(fit.eMin)}, R² = ${num(fit.r2)}); B_simple at the target = ${num(atTarget)} (two-batch over ${acc[ti].n} iterates, ±${num(100 * est.relErr[ti])}%); B_simple ∝ L^${num(trend.slope)} ± ${num(trend.se)} over the ladder (levels ${levels.map((l, j) => `${num(l)}: ${num(est.bSimple[j])}`).join(', ')})` +
        (curvature !== null ? `, exact per-example B_simple = ${num(curvature.bSimple)} and B_noise = tr(HΣ)/GᵀHG = ${num(curvature.bNoise)} on one iterate` : ''),
    );
  }
  obs.series.push({ name: 'gradient noise scale', group: 'B_simple (two-batch)', kind: 'measured', x: est.loss, y: est.bSimple });
  obs.series.push({ name: 'gradient noise scale', group: 'B_crit (fit at the target)', kind: 'reference', x: [p.target, levels[0] ?? p.target], y: [fit.bCrit, fit.bCrit] });
}

function measureCriticalBatch(p: P, ctx: MeasureContext): Observations {
  const Bs = sortedBatches(p);
  const su = setup(p, ctx);
  const grid = learningRateGrid(p, su);
  const { S, lrs, loo } = sweepBatches(p, su, grid, Bs, ctx);
  const notes: string[] = [];
  const series: Series[] = [];
  const scalars: Record<string, number> = { 'initial excess loss': su.initialLoss, target: p.target, 'λ_max at init': grid.lambda0, 'learning-rate cap': grid.lrCap };
  series.push({ name: 'steps to target', group: 'measured', kind: 'measured', x: Bs, y: S });
  series.push({ name: 'Pareto front', group: 'measured', kind: 'measured', x: S, y: S.map((s, i) => s * Bs[i]) });
  series.push({ name: 'tuned learning rate', group: 'measured', kind: 'measured', x: Bs, y: lrs });
  loo.forEach((y, q) => series.push({ name: LOO_SERIES, group: `replica ${q} left out`, kind: 'measured', x: Bs, y }));
  if (!S.every((s) => Number.isFinite(s))) {
    notes.push(`no learning rate reached the target at B = ${Bs.filter((_, i) => !Number.isFinite(S[i])).join(', ')}`);
    return { scalars: { ...scalars, 'batch sizes reaching the target': S.filter(Number.isFinite).length }, series, notes };
  }
  scalars['batch sizes reaching the target'] = S.length;
  const { fit, products } = hyperbola(Bs, S, lrs, scalars, series);
  referenceNoiseScale(p, su, Bs, S, lrs, fit, { scalars, series, notes }, ctx);
  notes.push(`per-B products (S/S_min − 1)(E/E_min − 1): ${products.map((v, i) => `B=${Bs[i]}: ${num(v)}`).join(', ')}`);
  return { scalars, series, notes };
}

/** S(B) of each leave-one-out subset of the replicas (the jackknife replicates), as measured series. */
const LOO_SERIES = 'steps to target, one replica left out';

/** A law S(B) fitted to measured points: the fitted curve, for distances and held-out predictions. */
export interface StepsLaw {
  text: string;
  /** free parameters of the fit (the residuals keep n − params degrees of freedom) */
  params: number;
  fit: (B: readonly number[], S: readonly number[]) => (B: number) => number;
}

/**
 * McCandlish's S = S_min(1 + (B_crit/B)^a) with the exponent a of the prediction (a = 1 in the theory),
 * fitted in log S through fitStepsHyperbola on B^a; or, for a law without saturation (the rival "perfect
 * scaling", S ∝ 1/B at every B), the one-parameter fit of log S = c − log B.
 */
export function stepsLaw(saturates: number, a: number): StepsLaw {
  if (!(saturates >= 0.5))
    return {
      text: 'S = c/B (no saturation)',
      params: 1,
      fit: (B, S) => {
        const c = Math.exp(mean(S.map((s, i) => Math.log(s * B[i]))));
        return (b) => c / b;
      },
    };
  return {
    text: `S_min(1 + (B_crit/B)^${num(a)})`,
    params: 2,
    fit: (B, S) => {
      const f = fitStepsHyperbola(
        B.map((b) => b ** a),
        S,
      );
      return (b) => f.sMin * (1 + f.bCrit / b ** a);
    },
  };
}

/**
 * The trend of B_simple over the ladder: the weighted least-squares slope of ln B_simple on ln L (L the bin's
 * mean excess loss), each level weighted by 1/σ², σ its relative standard error (the standard error of ln
 * B_simple to first order). The slope's standard error 1/√Σw(x − x̄)² assumes those σ; when the levels scatter
 * about the line more than they allow (χ²/(n − 2) > 1: iterates of one run are correlated in time, so the
 * bin's scatter understates its error), it is inflated by the Birge ratio √(χ²/(n − 2)) (Birge 1932). z =
 * slope/SE is then ≈ N(0, 1) under a flat B_simple.
 */
export function noiseScaleTrend(loss: readonly number[], bSimple: readonly number[], relErr: readonly number[]): { slope: number; se: number; z: number; birge: number } {
  const n = loss.length;
  if (bSimple.length !== n || relErr.length !== n) throw new Error(`noiseScaleTrend: ${n} losses, ${bSimple.length} B_simple and ${relErr.length} errors, expected equal lengths`);
  const bad = [...loss, ...bSimple, ...relErr].findIndex((v) => !(v > 0 && Number.isFinite(v)));
  if (n < 3 || bad >= 0) return { slope: Number.NaN, se: Number.NaN, z: Number.NaN, birge: Number.NaN };
  const x = loss.map(Math.log);
  const y = bSimple.map(Math.log);
  const w = relErr.map((e) => 1 / (e * e));
  const sw = w.reduce((a, v) => a + v, 0);
  const xb = w.reduce((a, v, i) => a + v * x[i], 0) / sw;
  const yb = w.reduce((a, v, i) => a + v * y[i], 0) / sw;
  const sxx = w.reduce((a, v, i) => a + v * (x[i] - xb) ** 2, 0);
  const slope = w.reduce((a, v, i) => a + v * (x[i] - xb) * (y[i] - yb), 0) / sxx;
  const chi2 = w.reduce((a, v, i) => a + v * (y[i] - yb - slope * (x[i] - xb)) ** 2, 0);
  const birge = Math.sqrt(chi2 / (n - 2));
  const se = Math.max(1, birge) / Math.sqrt(sxx);
  return { slope, se, z: slope / se, birge };
}

/** RMS over the points of |log(S/S_law(B))|, as a relative distance exp(·) − 1 (the same along S and E = B·S). */
function rmsLogDistance(B: readonly number[], S: readonly number[], law: (b: number) => number): number {
  const r = B.map((b, i) => Math.log(S[i] / law(b)));
  return Math.exp(Math.sqrt(r.reduce((acc, x) => acc + x * x, 0) / r.length)) - 1;
}

/**
 * The law's residuals in units of their own replica noise: T = Σ_B r_B² / Σ_B v_B, with r_B = log(S/S_law)
 * for the law fitted to S(B) of all replicas, and v_B the jackknife variance (Efron & Stein 1981,
 * (R − 1)/R·Σ_q (r_B^(q) − r̄_B)²) of r_B over the leave-one-out S^(q)(B), each refitted. Refitting matters:
 * the replicas share their inits and example streams across B, so most of a replica's luck is common to
 * every B and is absorbed by S_min; v_B keeps only the noise the fit cannot absorb. When the points scatter
 * about the law only by that noise, T ≈ 1 (an F ratio); a law whose shape misses gives T ≫ 1.
 */
export function noiseUnitResiduals(law: StepsLaw, B: readonly number[], S: readonly number[], loo: readonly (readonly number[])[]): number {
  const resid = (y: readonly number[]) => {
    const f = law.fit(B, y);
    return B.map((b, i) => Math.log(y[i] / f(b)));
  };
  const R = loo.length;
  if (R < 2) return Number.NaN;
  const r = resid(S);
  const rq = loo.map(resid);
  let v = 0;
  for (let i = 0; i < B.length; i++) {
    const m = mean(rq.map((x) => x[i]));
    v += ((R - 1) / R) * rq.reduce((acc, x) => acc + (x[i] - m) ** 2, 0);
  }
  return r.reduce((acc, x) => acc + x * x, 0) / v;
}

type PredKey = 'hyperbola product' | 'exponent of B_crit/B in S(B)' | 'S(B) saturates (finite B_crit)' | 'B_crit / B_simple' | 'sign of d ln B_simple / d ln L';

/** One-sided 95% point of N(0, 1), and the two-sided one (97.5%) for a predicted flat trend. */
const Z95 = 1.6448536269514722;
const Z975 = 1.959963984540054;

/**
 * (d) B_simple grows as the loss falls: the slope's z (noiseScaleTrend) has the predicted sign at one-sided 5%
 * (a flat B_simple passes 1 ladder in 20), or, for a predicted sign 0, lies within ±1.96.
 */
export function trendMetric(sign: number, z: number, levels: number): MetricSpec<PredKey> {
  const criterion: MetricSpec['criterion'] = sign < 0 ? { op: '<=', bound: -Z95 } : sign > 0 ? { op: '>=', bound: Z95 } : { op: 'in', lo: -Z975, hi: Z975 };
  return {
    name: 'trend of B_simple with the loss (z of the slope of ln B_simple on ln L)',
    value: z,
    criterion,
    reason: `catalog (d) "B_simple increases as the target loss decreases": the weighted slope of ln B_simple on ln L over the ${levels} ladder levels, in units of its standard error (per-level errors from the bin's iterates, inflated by the Birge ratio when the levels scatter more); its sign must be the predicted one at one-sided 5% (z ≍ N(0, 1) under a flat B_simple)`,
    prediction: 'sign of d ln B_simple / d ln L',
  };
}

const controls: Control<P, PredKey>[] = [
  {
    name: 'perfect scaling (no critical batch size)',
    description: 'the linear-scaling view carried to any batch: S ∝ 1/B with no plateau at S_min',
    predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'S(B) saturates (finite B_crit)': 0 } }),
  },
  {
    name: 'a sharper knee: S = S_min(1 + (B_crit/B)²)',
    description: 'a rival trade-off with exponent 2: near-perfect scaling up to B_crit, then an abrupt plateau (the "hard wall" picture of the critical batch size)',
    predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'exponent of B_crit/B in S(B)': 2 } }),
  },
];

export const criticalBatchSize = defineStudy<P, PredKey>(Params, {
  id: 'critical-batch-size',
  catalog: 25,
  pillar: 'hyperparameters',
  title: 'Critical batch size: steps and examples to a target trade off on a hyperbola set by the gradient noise scale',
  claim:
    'With the learning rate tuned per batch size, the steps S and examples E to reach a target loss satisfy (S/S_min − 1)(E/E_min − 1) = 1, and the critical batch size B_crit = E_min/S_min is close to the gradient noise scale B_simple = tr Σ/|G|² measured at that loss, which grows as the loss falls.',
  formula:
    '\\Big(\\tfrac{S}{S_{\\min}}-1\\Big)\\Big(\\tfrac{E}{E_{\\min}}-1\\Big)=1,\\quad B_{\\rm crit}=\\tfrac{E_{\\min}}{S_{\\min}}\\approx B_{\\rm noise}=\\tfrac{\\operatorname{tr}(H\\Sigma)}{G^\\top H G},\\quad B_{\\rm simple}=\\tfrac{\\operatorname{tr}\\Sigma}{|G|^2}',
  papers: [
    'McCandlish, Kaplan, Amodei & OpenAI Dota Team 2018, An empirical model of large-batch training (arXiv 1812.06162)',
    'Shallue et al. 2019, Measuring the effects of data parallelism on neural network training (JMLR)',
    'Ma, Bassily & Belkin 2018, The power of interpolation (ICML)',
    'Simon et al. 2026, There will be a scientific theory of deep learning, §2.4',
  ],
  core: true,
  quick: { batchSizes: [8, 16, 32, 64, 128, 256, 512], lrStart: 0.1, target: 0.012, replicas: 4, maxExamples: 200000, evalSize: 512, levels: 5, hvpExamples: 16, curvatureBatch: 512 },

  controls,
  seeds: { default: 5, threshold: 0.5 },

  predict() {
    return {
      scalars: {
        'hyperbola product': 1,
        'exponent of B_crit/B in S(B)': 1,
        'S(B) saturates (finite B_crit)': 1,
        'B_crit / B_simple': 1,
        'sign of d ln B_simple / d ln L': -1,
      },
      series: [],
    };
  },

  measure(p, ctx) {
    return measureCriticalBatch(p, ctx);
  },

  compare(pred, meas, p) {
    const s = meas.scalars;
    const q = pred.scalars;
    const Bs = sortedBatches(p);
    const metrics: MetricSpec<PredKey>[] = [];
    const regime: RegimeCheck[] = [];
    const reached = s['batch sizes reaching the target'] ?? 0;
    regime.push({ name: 'every batch size reaches the target', ok: reached === Bs.length, value: reached, detail: `${reached} of ${Bs.length} batch sizes reached excess loss ${p.target} at some learning rate` });
    if (reached !== Bs.length) return { metrics, regime };
    const bc = s.B_crit;
    regime.push({
      name: 'the sweep brackets B_crit',
      ok: Bs[0] <= bc / 2 && Bs[Bs.length - 1] >= 2 * bc,
      value: bc,
      detail: `B ∈ [${Bs[0]}, ${Bs[Bs.length - 1]}] vs B_crit = ${num(bc)} (need B_min ≤ B_crit/2 and B_max ≥ 2·B_crit, else S_min or E_min is extrapolated)`,
    });
    regime.push({
      name: 'B_simple measured at every level',
      ok: s['levels measured'] === s['levels planned'] && s['levels planned'] >= 3,
      detail: `${s['levels measured']} of ${s['levels planned']} loss levels sampled by ≥ 2 iterates of the reference runs (B = ${s['reference batch size']}; a level's standard error needs two)`,
    });
    const S = meas.series.find((x) => x.name === 'steps to target' && x.kind === 'measured')?.y ?? [];
    const law = stepsLaw(q['S(B) saturates (finite B_crit)'] ?? Number.NaN, q['exponent of B_crit/B in S(B)'] ?? Number.NaN);
    const all = law.fit(Bs, S);
    const train = Bs.map((_, i) => i).filter((i) => i % 2 === 0);
    const held = Bs.map((_, i) => i).filter((i) => i % 2 === 1);
    const half = law.fit(
      train.map((i) => Bs[i]),
      train.map((i) => S[i]),
    );
    metrics.push({
      name: 'fit R² of S = S_min(1 + B_crit/B)',
      value: s['fit R²'],
      criterion: { op: '>=', bound: 0.9 },
      reason: 'catalog (a): a goodness of fit of two parameters to the same points, so a check on the measurement (the held-out metric below judges the law)',
      sanity: true,
    });
    metrics.push({
      name: 'RMS distance of (S, E) from the predicted law',
      value: rmsLogDistance(Bs, S, all),
      criterion: { op: '<=', bound: 0.2 },
      reason: `catalog (b) "(S/S_min − 1)(E/E_min − 1) ≈ 1 within 20%", read as: the measured (S, E) lie within 20% (RMS, relative) of ${law.text} fitted to all ${Bs.length} batch sizes (see header)`,
      prediction: 'exponent of B_crit/B in S(B)',
    });
    metrics.push({
      name: 'held-out RMS error of S(B) on alternate batch sizes',
      value: rmsLogDistance(
        held.map((i) => Bs[i]),
        held.map((i) => S[i]),
        half,
      ),
      criterion: { op: '<=', bound: 0.3 },
      reason: `${law.text} fitted to B = ${train.map((i) => Bs[i]).join(', ')} predicts S at B = ${held.map((i) => Bs[i]).join(', ')}; 30%: the per-point scatter of S(B) (the in-sample RMS distance, 10–17% over quick seeds 0–4 with 2 replicas, where this bound was set) times √(1 + 2/4) for a 2-parameter fit to 4 points is ≤ 21%, and 30% ≈ 1.4× that`,
      prediction: 'exponent of B_crit/B in S(B)',
    });
    // a subset that missed the target at the chosen learning rate within the pruning cap has no S to refit (rare)
    const loo = meas.series.filter((x) => x.name === LOO_SERIES && x.y.every(Number.isFinite)).map((x) => x.y);
    if (loo.length >= 2) {
      const d1 = Bs.length - law.params;
      const d2 = d1 * (loo.length - 1);
      metrics.push({
        name: 'residuals of S(B) in units of their replica noise (F ratio)',
        value: noiseUnitResiduals(law, Bs, S, loo),
        criterion: { op: '<=', bound: fQuantile(d1, d2, 0.99) },
        reason: `the run's own noise: Σ r² of ${law.text} over the jackknife variance of the residuals (${loo.length} leave-one-out replica subsets, each refitted); under the law it is F(${d1}, ${d2})-distributed (${d1} residual degrees of freedom, ${loo.length - 1} jackknife degrees of freedom each), and the bound is its 99% point, so the law fails 1 seed in 100 by noise`,
        prediction: 'exponent of B_crit/B in S(B)',
      });
    }
    const ratio = q['B_crit / B_simple'] ?? Number.NaN;
    metrics.push({
      name: 'B_crit / B_simple',
      value: s['B_crit / B_simple'] ?? Number.NaN,
      criterion: { op: 'in', lo: ratio / 3, hi: 3 * ratio },
      reason: 'catalog (c): B_crit within a factor 3 of B_simple measured at the target loss (B_simple ≠ B_noise unless H ∝ I)',
      prediction: 'B_crit / B_simple',
    });
    metrics.push(trendMetric(q['sign of d ln B_simple / d ln L'] ?? Number.NaN, s['slope z'] ?? Number.NaN, p.levels));
    return { metrics, regime };
  },

  figures: () => [
    {
      id: 'steps',
      title: 'Steps to the target loss against batch size (learning rate tuned per B)',
      x: { label: 'batch size B', log: true },
      y: { label: 'steps S to target', log: true },
      series: [{ name: 'steps to target' }],
      caption: 'Solid: measured fewest steps over the learning-rate grid. Dashed: the fit S_min(1 + B_crit/B).',
    },
    {
      id: 'pareto',
      title: 'Examples against steps to the target: the hyperbola',
      x: { label: 'steps S', log: true },
      y: { label: 'examples E = B·S', log: true },
      series: [{ name: 'Pareto front' }],
      caption: 'Dashed: (S/S_min − 1)(E/E_min − 1) = 1 with the fitted S_min, E_min.',
    },
    {
      id: 'products',
      title: 'Hyperbola product per batch size',
      x: { label: 'batch size B', log: true },
      y: { label: '(S/S_min − 1)(E/E_min − 1)' },
      series: [{ name: 'hyperbola product' }],
    },
    {
      id: 'noise-scale',
      title: 'Gradient noise scale B_simple against the excess loss, and B_crit',
      x: { label: 'excess population loss', log: true },
      y: { label: 'batch size', log: true },
      series: [{ name: 'gradient noise scale' }],
      caption: 'B_simple = tr Σ/|G|² from the two-batch estimator along the reference run; the horizontal line is the fitted B_crit at the target.',
    },
    {
      id: 'lr',
      title: 'Tuned learning rate against batch size',
      x: { label: 'batch size B', log: true },
      y: { label: 'learning rate', log: true },
      series: [{ name: 'tuned learning rate' }],
      caption: 'Dashed: McCandlish’s ε_opt(B) = ε_max/(1 + B_noise/B) with B_noise → B_crit and ε_max fitted.',
    },
  ],
});

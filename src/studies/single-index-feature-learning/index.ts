/**
 * Catalog 7: on a single-index target a nonlinear network learns the relevant direction and beats kernels
 * (random features), and online SGD escapes the equator in a time set by the information exponent.
 *
 * Part A — network vs random features (the catalog's set-up; Ba et al. 2022 "High-dimensional asymptotics of
 * feature learning: how one gradient step improves the representation"; Damian, Lee & Soltanolkotabi 2022;
 * Bietti, Bruna, Sanford & Song 2022; Abbe, Boix-Adserà & Misiakiewicz 2022). x ~ N(0, I_d), d = 32,
 * y = He₂(w*·x)/√2 with w* a Haar-random unit vector (src/data/teacher.ts). Student: two-layer ReLU network with
 * biases in mean-field scaling, f(x) = (1/n) Σᵢ aᵢ ReLU(wᵢ·x + bᵢ), n = 256, wᵢ ~ N(0, I/d), bᵢ, aᵢ ~ N(0, 1),
 * trained by minibatch SGD on ½(f − y)² with every learning rate multiplied by n (mean-field time, Mei, Montanari
 * & Nguyen 2018). Random features (Rahimi & Recht 2007): the same network with the first layer frozen at init,
 * the readout fitted by ridge regression with λ chosen on a validation set. n_train ∈ {256, 1024, 4096}.
 * Prediction: a neuron's overlap obeys d(wᵢ·w*)/dt ∝ aᵢ·√2·E[ReLU″]·(wᵢ·w*) at small overlap (Stein's lemma on
 * the He₂ target: the correlation of the gradient with w* is linear in the overlap), so neurons with aᵢ > 0 align
 * exponentially fast while the random features keep the init overlap, whose distribution is the marginal of the
 * uniform measure on S^{d−1}, density ∝ (1 − t²)^{(d−3)/2}; the median of the top 10% of n overlaps is its 95th
 * percentile (≈ 1.96/√d = 0.35 at d = 32). A degree-2 target needs ~d² samples for a kernel (it lives in the
 * d(d+1)/2-dimensional degree-2 space), and 256 random features cannot span it: the RF error stays O(1).
 * Pass (catalog): at n = 4096 the trained net's test MSE < 0.2 × the RF test MSE; the median overlap of the top 10%
 * of neurons > 0.8; the RF overlap stays at its init level — here made quantitative: within 20% of the predicted
 * 95th percentile (finite-n sampling error of that quantile ≈ 6% at n = 256, 9% at n = 128).
 *
 * Part B — escape time vs information exponent (Ben Arous, Gheissari & Jagannath 2021, "Online stochastic
 * gradient descent on non-convex losses from high-dimensional inference", JMLR; effective dynamics: Ben Arous,
 * Gheissari & Jagannath 2022, NeurIPS). Spherical online SGD with a fresh sample per step for y = h_k(w*·x),
 * student h_k(w·x), k = k* ∈ {1, 2, 3}, from m₀ = d^{−1/2} (the typical overlap of a random start) until m = w·w*
 * reaches 0.5 (|m| for even k); step η = c·d^{−max(1, k/2)}, c = 0.5; d ∈ {32, 64, 128, 256}
 * (src/theory/singleIndexEscape.ts; the simulation, the study's own integrator: ./escapeSgd.ts). The runs are simulated through their overlap alone, a Markov
 * chain that is exact in law (three random numbers per step instead of d: w = m e₁ + √(1−m²)v and the part of x
 * outside span(e₁, v) enters only through its squared norm, a χ²_{d−2} draw); full d-dimensional SGD is run at the
 * smallest d as a cross-check (regime check: medians within a factor 1.5; measured 0.89–1.04). 200 runs at the
 * largest d, 200·d_max/d at smaller d (cheaper there), so every median has a standard error of ≲ 10%.
 * Prediction: the effective ODE dm/dt = F(m) = η k m^{k−1}(1 − m²) − (η²/2) m[(d − 2)A(m) + B(m)] gives the escape
 * time T_ODE(d) = ∫ dm/F; asymptotically T ∝ d^{max(1, k*−1)} up to log factors (d for k* = 1, d log d for k* = 2,
 * d² for k* = 3), the catalog's sample complexity d^{max(1, k*−1)}. Measured: the median hitting time at each d and
 * its log-log slope in d.
 *
 * Where we differ from the catalog, and why:
 *  1. Part B is added (the catalog's formula section states the d^{max(1,k*−1)} law; its experiment tests only
 *     the net-vs-kernel gap). The slope criterion compares the measured slope with the slope of T_ODE over the
 *     same d-grid (±0.25), not with the bare exponent: at d ≤ 256 the k* = 2 law carries its log (T_ODE slope
 *     1.23 over d ∈ [32, 256]) and k* = 3 is slightly pre-asymptotic (1.93). The law's bare exponent is judged
 *     by its own metric (below). Measured (default, seed 0):
 *     slopes 1.10 / 1.25 / 1.95 against ODE slopes 1.12 / 1.23 / 1.93 for k* = 1 / 2 / 3 (quick profile, seeds 0–6:
 *     within 0.13). The medians must also lie within a factor 1.5 of T_ODE at every d (the ODE is the noise-free
 *     mean path; the random escape from m ~ d^{−1/2} shifts the median by an O(1) factor): measured ≤ 1.16
 *     (default), ≤ 1.23 (quick, seeds 0–6).
 *  2. The network has first-layer biases (with bias-free ReLU units the net can only build 1-homogeneous
 *     functions of x, and the best fit of He₂(z) by c|z| + const leaves 12% of the variance; the catalog does not
 *     fix this detail). Measured (default, seed 0): test MSE 0.0057 (network) vs 0.69 (random features) at
 *     n = 4096, ratio 0.008; top-decile overlap 0.955 vs 0.344 (predicted init level 0.344). The quick profile uses
 *     n = 128 hidden units and 400 steps instead of 256 and 1000 (ratio 0.02–0.08, overlap 0.95–0.97, seeds 0–6).
 *
 * Regime: every training run stable (final train loss < initial); T_ODE finite (the step is small enough for the
 * overlap to grow in expectation); at most 25% of the escape runs censored at capFactor × T_ODE per (k*, d), so
 * the median is a hitting time; m₀ = d^{−1/2} ≤ half the threshold.
 *
 * The law as a metric (issue 13). The d^{max(1,k*−1)} law used to appear only in a regime check on the ODE's slope;
 * it is now a metric on the measured slope against the predicted exponent, with the neighbouring exponent
 * max(1, k*−1) + 1 and the unfloored k* − 1 as controls, both falsified. Its tolerance is the sum of two derived
 * parts. (i) The law's finite-d correction of the mean path at this grid, |ODE slope − max(1, k*−1)|: the log of
 * d log d at k* = 2, and the start-up terms of relative order d^{−1/2} from m₀ = d^{−1/2} at k* = 1 and 3 (at
 * k* = 3, T_ODE ∝ (√d − O(1))·d^{3/2}). (ii) 3 standard errors of the measured slope (a family-wise 5% over the six
 * slope metrics), propagated from each median's own distribution-free order-statistic interval (./slopeError.ts).
 * A fixed 0.15 stood here before and failed at quick seed 7 and default seed 4 (k* = 3): it omitted (i), and 0.15
 * was about 2 slope standard errors, not the 3 a six-metric family needs. Not included, because its size is not
 * derived: the drift of the median/mean-path ratio with d that the mean ODE omits (the random escape multiplies T
 * by a factor ρ(d) → ρ∞ with O(d^{−1/2}) corrections); where it matters the metric fails, and that is reported as
 * it is. Parts: A (network vs random features) and B (escape
 * times).
 */
import { z } from 'zod';
import type { Mat } from '../../core/mat.ts';
import { logLogSlope, median } from '../../core/stats.ts';
import { type Tensor, tensor } from '../../core/tensor.ts';
import { hermiteNormalized } from '../../data/hermite.ts';
import { makeTeacherTask } from '../../data/teacher.ts';
import { BiasedReluNet } from '../../nn/biasedReluNet.ts';
import { sgd } from '../../nn/optim.ts';
import { fit } from '../../nn/train.ts';
import { linearMse, ridgeByValidation } from '../../theory/fit/ridge.ts';
import { escapeOdePath, escapeOdeTime, escapeStepSize, sphereOverlapQuantile } from '../../theory/singleIndexEscape.ts';
import { defineStudy, type Figure, type MeasureContext, type MetricSpec, type Observations, type RegimeCheck, type Scalars, type Series } from '../types.ts';
import { overlapChainEscape, sphericalOnlineSgd } from './escapeSgd.ts';
import { logMedianStandardError, logSlopeStandardError } from './slopeError.ts';

const Params = z.object({
  /** input dimension of part A */
  dim: z.number().int().min(4).max(256).default(32),
  /** hidden units n of the network and of the random features */
  width: z.number().int().min(8).max(2048).default(256),
  trainSizes: z.array(z.number().int().min(16).max(20000)).min(1).default([256, 1024, 4096]),
  /** the training-set size the catalog's pass criteria are stated at (must be in trainSizes) */
  catalogTrainSize: z.number().int().min(16).default(4096),
  steps: z.number().int().min(1).max(100000).default(1000),
  batch: z.number().int().min(1).max(4096).default(128),
  /** SGD step in mean-field time (every parameter's learning rate is lr × width) */
  lr: z.number().positive().max(10).default(1),
  biasStd: z.number().min(0).max(10).default(1),
  testSize: z.number().int().min(100).max(20000).default(2000),
  validationSize: z.number().int().min(50).max(20000).default(1000),
  /** ridge grid for the random-features readout, relative to the mean eigenvalue of HᵀH */
  ridges: z.array(z.number().min(0)).min(1).default([1e-8, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]),
  /** the overlap statistic is the median over the top `topFraction` of neurons */
  topFraction: z.number().positive().max(1).default(0.1),
  /** record the test MSE every this many SGD steps */
  evalEvery: z.number().int().min(1).default(25),
  /** information exponents k* of part B */
  exponents: z.array(z.number().int().min(1).max(4)).min(1).default([1, 2, 3]),
  escapeDims: z.array(z.number().int().min(8).max(4096)).min(2).default([32, 64, 128, 256]),
  /** escape runs per (k*, d) at the largest d; a smaller d gets seeds × round(d_max/d) (the runs are cheaper there) */
  seeds: z.number().int().min(3).max(10000).default(200),
  /** c in η = c·d^{−max(1, k/2)} */
  stepConstant: z.number().positive().max(10).default(0.5),
  threshold: z.number().positive().max(0.99).default(0.5),
  /** a run is censored after capFactor × T_ODE steps */
  capFactor: z.number().positive().default(20),
  /** allowed |measured slope − ODE slope| */
  slopeTolerance: z.number().positive().default(0.25),
  /** overlap paths are drawn for this many seeds at the largest d */
  pathSeeds: z.number().int().min(0).max(20).default(3),
});
type P = z.infer<typeof Params>;

const grpK = (k: number): `k*=${number}` => `k*=${k}`;
/**
 * The keys of `predict`'s scalars: part A's catalog bounds and init-level overlap; part B's ODE escape times and
 * slopes and the asymptotic exponent max(1, k*−1) per k*, and the escape-time factor.
 */
type PredKey =
  | 'init-level top-decile overlap'
  | 'MSE ratio network / RF (catalog upper bound)'
  | 'top-decile overlap network (catalog lower bound)'
  | 'escape time / ODE (upper factor)'
  | `ODE escape-time slope k*=${number}`
  | `asymptotic exponent k*=${number}`
  | `finite-d slope correction k*=${number}`
  | `ODE escape time k*=${number} d=${number}`;
const odeSlopeKey = (k: number): PredKey => `ODE escape-time slope ${grpK(k)}`;
const exponentKey = (k: number): PredKey => `asymptotic exponent ${grpK(k)}`;
const correctionKey = (k: number): PredKey => `finite-d slope correction ${grpK(k)}`;
const odeTimeKey = (k: number, d: number): PredKey => `ODE escape time ${grpK(k)} d=${d}`;
/** progress weight of one step of the overlap chain, in multiply-adds */
const CHAIN_UNITS = 40;
const grpN = (n: number) => `n=${n}`;
const asymptoticExponent = (k: number) => Math.max(1, k - 1);
/**
 * Standard errors of the slope allowed in the law's metric: a family-wise 5% over the study's six slope metrics
 * (Bonferroni: z = 2.87 two-sided), rounded up to 3.
 */
const SLOPE_Z = 3;

function checkParams(p: P): void {
  if (!p.trainSizes.includes(p.catalogTrainSize)) throw new Error(`catalogTrainSize: must be one of trainSizes [${p.trainSizes.join(', ')}], got ${p.catalogTrainSize}`);
  const dmin = Math.min(...p.escapeDims);
  if (!(p.threshold > 1 / Math.sqrt(dmin))) throw new Error(`threshold: must exceed the start overlap 1/√d = ${(1 / Math.sqrt(dmin)).toFixed(3)} at the smallest escapeDims, got ${p.threshold}`);
}

/** Escape-time set-up per (k, d): step, start, ODE time. */
function escapeGrid(p: P): { k: number; d: number; eta: number; m0: number; tOde: number }[] {
  const out: { k: number; d: number; eta: number; m0: number; tOde: number }[] = [];
  for (const k of p.exponents) {
    for (const d of [...p.escapeDims].sort((a, b) => a - b)) {
      const eta = escapeStepSize(d, k, p.stepConstant);
      const m0 = 1 / Math.sqrt(d);
      out.push({ k, d, eta, m0, tOde: escapeOdeTime({ dim: d, degree: k, eta, m0, threshold: p.threshold }) });
    }
  }
  return out;
}

function rowsOf(x: Mat, idx: ArrayLike<number>, from: number, count: number): Float64Array {
  const d = x.cols;
  const out = new Float64Array(count * d);
  for (let r = 0; r < count; r++) {
    const j = idx[from + r];
    out.set(x.data.subarray(j * d, (j + 1) * d), r * d);
  }
  return out;
}

function mse(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < y.length; i++) e += (pred[i] - y[i]) ** 2;
  return e / y.length;
}

/** Median of the top `fraction` of the values (at least one value). */
function topFractionMedian(values: ArrayLike<number>, fraction: number): number {
  const s = Array.from(values).sort((a, b) => b - a);
  return median(s.slice(0, Math.max(1, Math.round(fraction * s.length))));
}

interface Out {
  scalars: Record<string, number>;
  series: Series[];
  notes: string[];
}

/** Work done and total (multiply-adds of part A, sample coordinates of part B), for progress. */
interface Work {
  done: number;
  total: number;
}

type TeacherTask = ReturnType<typeof makeTeacherTask>;
type TeacherSample = ReturnType<TeacherTask['sample']>;

/**
 * Part A at one training-set size: the random-features readout (first layer frozen at init, ridge by validation) and
 * the trained network (minibatch SGD through `fit`, reshuffled epochs, mean-field learning rate lr × width).
 */
function trainAtSize(p: P, n: number, data: { task: TeacherTask; wStar: Float64Array; test: TeacherSample; val: TeacherSample }, ctx: MeasureContext, work: Work, out: Out): { net: number; rf: number; ovNet: number; ovRf: number; stable: boolean } {
  const { task, wStar, test, val } = data;
  const d = p.dim;
  const train = task.sample(n, ctx.rng.child('train', n));
  const spec = { inputDim: d, width: p.width, outputScale: 1 / p.width, weightStd: 1, biasStd: p.biasStd, readoutStd: 1 };
  // the same init for every n and for the random features
  const net = new BiasedReluNet(spec, ctx.rng.child('init'));
  const ovRf = topFractionMedian(net.overlaps(wStar), p.topFraction);
  const ridge = ridgeByValidation(net.features(train.x), train.y, net.features(val.x), val.y, p.ridges);
  const rf = linearMse(net.features(test.x), ridge.coef, test.y);
  const bs = Math.min(p.batch, n);
  const order = ctx.rng.child('batches', n);
  let perm = order.permutation(n);
  let pos = 0;
  const nextBatch = () => {
    if (pos + bs > n) {
      perm = order.permutation(n);
      pos = 0;
    }
    const yb = new Float64Array(bs);
    for (let r = 0; r < bs; r++) yb[r] = train.y[perm[pos + r]];
    const xb = rowsOf(train.x, perm, pos, bs);
    pos += bs;
    return { x: tensor(xb, [bs, d]), y: tensor(yb, [bs, 1]) };
  };
  const curve = { x: [] as number[], y: [] as number[] };
  let firstLoss = Number.NaN;
  const result = fit({
    params: net.params(),
    loss: (b: { x: Tensor; y: Tensor }) => net.halfMeanSquaredError(b.x, b.y),
    optimizer: sgd(p.lr * p.width),
    steps: p.steps,
    batches: nextBatch,
    evalAt: p.evalEvery,
    onEval: (t) => {
      const e = mse(net.predict(test.x), test.y);
      curve.x.push(t);
      curve.y.push(e);
      ctx.emit?.({ name: 'test MSE during training', group: grpN(n), x: t, y: e });
    },
    onStep: (t, loss) => {
      if (t === 1) firstLoss = loss;
      if ((t - 1) % 50 === 0) ctx.progress((work.done + (t - 1) * bs * p.width * d * 3) / work.total, `network, ${grpN(n)}, step ${t - 1}/${p.steps}`);
    },
    signal: ctx.signal,
  });
  work.done += p.steps * p.batch * p.width * d * 3;
  const trainLoss = 0.5 * mse(net.predict(train.x), train.y);
  const stable = Number.isFinite(trainLoss) && trainLoss < 0.5 * mse(new Float64Array(n), train.y);
  const row = { net: curve.y[curve.y.length - 1], rf, ovNet: topFractionMedian(net.overlaps(wStar), p.topFraction), ovRf, stable };
  const { scalars } = out;
  scalars[`test MSE network ${grpN(n)}`] = row.net;
  scalars[`test MSE random features ${grpN(n)}`] = row.rf;
  scalars[`random-features ridge ${grpN(n)}`] = ridge.ridge;
  scalars[`top-decile overlap network ${grpN(n)}`] = row.ovNet;
  scalars[`top-decile overlap random features ${grpN(n)}`] = row.ovRf;
  scalars[`first/last batch loss ${grpN(n)}`] = firstLoss / result.lastLoss;
  out.series.push({ name: 'test MSE during training', group: grpN(n), kind: 'measured', x: curve.x, y: curve.y });
  return row;
}

/** Part A: trained network vs random features on He₂(w*·x)/√2 at every training-set size. */
function measureNetworkVsFeatures(p: P, ctx: MeasureContext, work: Work, out: Out): void {
  const d = p.dim;
  const task = makeTeacherTask({ d, k: 1, link: (zz) => hermiteNormalized(2, zz[0]) }, ctx.rng.child('teacher'));
  const wStar = Float64Array.from({ length: d }, (_, i) => task.U.data[i]);
  const test = task.sample(p.testSize, ctx.rng.child('test'));
  const val = task.sample(p.validationSize, ctx.rng.child('validation'));
  const ns = [...p.trainSizes].sort((a, b) => a - b);
  const rows = ns.map((n) => trainAtSize(p, n, { task, wStar, test, val }, ctx, work, out));
  out.scalars['unstable training runs'] = rows.filter((r) => !r.stable).length;
  out.series.push({ name: 'test MSE', group: 'trained network', kind: 'measured', x: ns, y: rows.map((r) => r.net) });
  out.series.push({ name: 'test MSE', group: 'random features (first layer frozen)', kind: 'measured', x: ns, y: rows.map((r) => r.rf) });
  out.series.push({ name: 'top-decile overlap', group: 'trained network', kind: 'measured', x: ns, y: rows.map((r) => r.ovNet) });
  out.series.push({ name: 'top-decile overlap', group: 'random features (first layer frozen)', kind: 'measured', x: ns, y: rows.map((r) => r.ovRf) });
}

type GridPoint = ReturnType<typeof escapeGrid>[number];

/** Hitting times of the overlap chain at one (k*, d), the paths of the first seeds at the largest d, and the ODE path. */
function escapeRuns(p: P, k: number, g: GridPoint, ctx: MeasureContext, work: Work, out: Out): number[] {
  const hits: number[] = [];
  const dmax = Math.max(...p.escapeDims);
  const cap = Math.max(10, Math.ceil(p.capFactor * g.tOde));
  const showPath = g.d === dmax;
  const every = Math.max(1, Math.floor(g.tOde / 100));
  const opts = { dim: g.d, degree: k, eta: g.eta, m0: g.m0, threshold: p.threshold, maxSteps: cap, signal: ctx.signal };
  const runs = p.seeds * Math.max(1, Math.round(dmax / g.d));
  for (let s = 0; s < runs; s++) {
    const run = overlapChainEscape({ ...opts, recordEvery: showPath && s < p.pathSeeds ? every : 0 }, ctx.rng.child('escape', k, g.d, s));
    hits.push(run.hitTime);
    if (Number.isFinite(run.hitTime) && s < 20) ctx.emit?.({ name: 'escape time', group: `${grpK(k)} runs`, x: g.d, y: run.hitTime });
    if (showPath && s < p.pathSeeds) out.series.push({ name: `overlap path ${grpK(k)}`, group: `seed ${s}`, kind: 'measured', x: run.path.t, y: run.path.m });
    work.done += (Number.isFinite(run.hitTime) ? run.hitTime : cap) * CHAIN_UNITS;
    if (s % 20 === 0) ctx.progress(Math.min(1, work.done / work.total), `escape ${grpK(k)}, d=${g.d}, seed ${s + 1}/${runs}`);
  }
  if (showPath && p.pathSeeds > 0) {
    const horizon = Math.min(cap, 3 * g.tOde);
    const ts = Array.from({ length: 101 }, (_, i) => (i * horizon) / 100);
    out.series.push({ name: `overlap path ${grpK(k)}`, group: 'effective ODE', kind: 'predicted', x: ts, y: escapeOdePath({ dim: g.d, degree: k, eta: g.eta, m0: g.m0 }, ts) });
  }
  if (g.d === Math.min(...p.escapeDims)) {
    // the chain is exact in law; cross-check it against full d-dimensional SGD where that is cheap
    const full: number[] = [];
    for (let s = 0; s < p.seeds; s++) {
      const run = sphericalOnlineSgd(opts, ctx.rng.child('full-sgd', k, s));
      full.push(run.hitTime);
      work.done += (Number.isFinite(run.hitTime) ? run.hitTime : cap) * g.d * 6;
    }
    out.scalars[`median escape time, full SGD ${grpK(k)} d=${g.d}`] = median(full);
    ctx.progress(Math.min(1, work.done / work.total), `escape ${grpK(k)}, full SGD at d=${g.d}`);
  }
  return hits;
}

/** Part B at one information exponent: median escape time per d, censoring, and the log-log slope in d. */
function measureEscapeTimes(p: P, k: number, grid: GridPoint[], ctx: MeasureContext, work: Work, out: Out): void {
  const meds: number[] = [];
  const ses: number[] = [];
  const ds: number[] = [];
  let worstCensored = 0;
  for (const g of grid.filter((gg) => gg.k === k)) {
    const hits = Number.isFinite(g.tOde) ? escapeRuns(p, k, g, ctx, work, out) : [];
    const censored = hits.length ? hits.filter((h) => !Number.isFinite(h)).length / hits.length : 1;
    worstCensored = Math.max(worstCensored, censored);
    const med = median(hits);
    // the run's own sampling error of ln(median); NaN (→ error) where no run was possible
    const se = hits.length >= 3 ? logMedianStandardError(hits, 1) : Number.NaN;
    out.scalars[`median escape time ${grpK(k)} d=${g.d}`] = med;
    out.scalars[`ln-median standard error ${grpK(k)} d=${g.d}`] = se;
    out.scalars[`escape runs censored ${grpK(k)} d=${g.d}`] = censored;
    ds.push(g.d);
    meds.push(med);
    ses.push(se);
  }
  out.scalars[`measured escape-time slope ${grpK(k)}`] = logLogSlope(ds, meds);
  out.scalars[`escape-time slope standard error ${grpK(k)}`] = ses.every((v) => v >= 0) ? logSlopeStandardError(ds, ses) : Number.NaN;
  out.scalars[`worst censored fraction ${grpK(k)}`] = worstCensored;
  out.series.push({ name: 'escape time', group: `${grpK(k)} measured (median)`, kind: 'measured', x: ds, y: meds });
}

export const singleIndexFeatureLearning = defineStudy<P, PredKey>(Params, {
  id: 'single-index-feature-learning',
  catalog: 7,
  pillar: 'solvable',
  title: 'Single-index targets: networks learn the direction, kernels do not; escape time set by the information exponent',
  claim:
    'On y = He₂(w*·x)/√2 a trained two-layer network aligns its neurons with w* (top-decile overlap → 1) and beats random features of the same width by a large factor, while online SGD on a single-index model with information exponent k* leaves the equator after ~d^{max(1, k*−1)} samples (d, d log d, d²), as the effective overlap dynamics predict.',
  formula:
    '\\frac{dm}{dt} = \\eta k^* m^{k^*-1}(1-m^2) - \\tfrac{\\eta^2}{2} m\\,\\big[(d-2)A(m)+B(m)\\big],\\qquad T_{\\rm esc} \\propto d^{\\max(1,k^*-1)}\\ (\\text{up to }\\log d)',
  papers: [
    'Ben Arous, Gheissari & Jagannath 2021, Online stochastic gradient descent on non-convex losses from high-dimensional inference (JMLR)',
    'Ben Arous, Gheissari & Jagannath 2022, High-dimensional limit theorems for SGD: effective dynamics and critical scaling (NeurIPS)',
    'Ba, Erdogdu, Suzuki, Wang, Wu & Yang 2022, High-dimensional asymptotics of feature learning: how one gradient step improves the representation (NeurIPS)',
    'Damian, Lee & Soltanolkotabi 2022, Neural networks can learn representations with gradient descent (COLT)',
    'Abbe, Boix-Adserà & Misiakiewicz 2022, The merged-staircase property (COLT)',
    'Rahimi & Recht 2007, Random features for large-scale kernel machines (NeurIPS)',
    'Simon et al. 2026, There will be a scientific theory of deep learning, §2.1',
  ],
  core: false,
  quick: { width: 128, steps: 400, escapeDims: [32, 64, 128], testSize: 1000, validationSize: 500, evalEvery: 20 },

  predict(p): Observations<PredKey> {
    checkParams(p);
    const scalars: Scalars<PredKey> = {};
    const series: Series[] = [];
    const level = sphereOverlapQuantile(p.dim, 1 - p.topFraction / 2);
    scalars['init-level top-decile overlap'] = level;
    scalars['MSE ratio network / RF (catalog upper bound)'] = 0.2;
    scalars['top-decile overlap network (catalog lower bound)'] = 0.8;
    scalars['escape time / ODE (upper factor)'] = 1.5;
    series.push({ name: 'top-decile overlap', group: 'init level (uniform on the sphere)', kind: 'predicted', x: [...p.trainSizes], y: p.trainSizes.map(() => level) });
    const grid = escapeGrid(p);
    for (const k of p.exponents) {
      const rows = grid.filter((g) => g.k === k);
      const ds = rows.map((g) => g.d);
      const ts = rows.map((g) => g.tOde);
      const odeSlope = logLogSlope(ds, ts);
      scalars[odeSlopeKey(k)] = odeSlope;
      scalars[exponentKey(k)] = asymptoticExponent(k);
      // the log factors and O(d^{−1/2}) start-up terms of the law at this grid, as the effective ODE computes them
      scalars[correctionKey(k)] = odeSlope - asymptoticExponent(k);
      series.push({ name: 'escape time', group: `${grpK(k)} effective ODE`, kind: 'predicted', x: ds, y: ts });
      // d^{max(1,k−1)} through the ODE value at the largest d
      const e = asymptoticExponent(k);
      const last = rows[rows.length - 1];
      series.push({ name: 'escape time', group: `${grpK(k)} ∝ d^${e}`, kind: 'reference', x: ds, y: ds.map((d) => last.tOde * (d / last.d) ** e) });
      rows.forEach((g) => {
        scalars[odeTimeKey(k, g.d)] = g.tOde;
      });
    }
    return { scalars, series };
  },

  measure(p, ctx) {
    checkParams(p);
    const out: Out = { scalars: {}, series: [], notes: [] };
    const grid = escapeGrid(p);
    // progress in units of work: multiply-adds of part A, sample coordinates of part B
    const unitsA = p.trainSizes.length * p.steps * p.batch * p.width * p.dim * 3;
    const dmin = Math.min(...p.escapeDims);
    const dmax = Math.max(...p.escapeDims);
    const unitsB = grid.reduce((s, g) => s + (Number.isFinite(g.tOde) ? p.seeds * g.tOde * (CHAIN_UNITS * Math.max(1, Math.round(dmax / g.d)) + (g.d === dmin ? g.d * 6 : 0)) : 0), 0);
    const work: Work = { done: 0, total: unitsA + unitsB };
    measureNetworkVsFeatures(p, ctx, work, out);
    for (const k of p.exponents) measureEscapeTimes(p, k, grid, ctx, work, out);
    out.notes.push(`Escape times: ${p.seeds} × round(d_max/d) seeds per (k*, d) through the overlap chain (exact in law), η = ${p.stepConstant}·d^(−max(1, k*/2)), start m₀ = d^(−1/2), threshold m = ${p.threshold}; full d-dimensional SGD at d = ${dmin} as a cross-check.`);
    ctx.progress(1, 'done');
    return out;
  },

  compare(pred, meas, p) {
    checkParams(p);
    const s = meas.scalars;
    const q = (key: PredKey): number => pred.scalars[key] ?? Number.NaN;
    const metrics: MetricSpec<PredKey>[] = [];
    const regime: RegimeCheck[] = [];
    const N = grpN(p.catalogTrainSize);
    metrics.push({
      name: `test MSE ratio network / random features at ${N}`,
      value: s[`test MSE network ${N}`] / s[`test MSE random features ${N}`],
      criterion: { op: '<=', bound: q('MSE ratio network / RF (catalog upper bound)') },
      reason: 'catalog: the trained net’s test MSE < 0.2 × the RF test MSE at n = 4k',
      prediction: 'MSE ratio network / RF (catalog upper bound)',
      part: 'A',
    });
    metrics.push({
      name: `median overlap of the top ${Math.round(p.topFraction * 100)}% neurons, network, ${N}`,
      value: s[`top-decile overlap network ${N}`],
      criterion: { op: '>=', bound: q('top-decile overlap network (catalog lower bound)') },
      reason: 'catalog: > 0.8 (the aligned neurons point along w*)',
      prediction: 'top-decile overlap network (catalog lower bound)',
      part: 'A',
    });
    metrics.push({
      name: `median overlap of the top ${Math.round(p.topFraction * 100)}% neurons, random features, ${N}`,
      value: s[`top-decile overlap random features ${N}`],
      criterion: { op: 'rel', target: q('init-level top-decile overlap'), tol: 0.2 },
      reason: 'catalog “stays at its init level (~1/√d)”, made quantitative: the 95th percentile of |ŵ·w*| on S^{d−1}; 20% ≈ 3 standard errors of that quantile from n ≥ 128 neurons',
      prediction: 'init-level top-decile overlap',
      part: 'A',
    });
    regime.push({ name: 'stable training', ok: s['unstable training runs'] === 0, detail: `${s['unstable training runs']} network runs whose final train loss was not below the zero predictor’s`, value: s['unstable training runs'], part: 'A' });
    let worstFactor = 0;
    const dmin = Math.min(...p.escapeDims);
    for (const k of p.exponents) {
      const odeSlope = q(odeSlopeKey(k));
      const slope = s[`measured escape-time slope ${grpK(k)}`];
      metrics.push({
        name: `escape-time slope in d, ${grpK(k)}`,
        value: slope,
        criterion: { op: 'abs', target: odeSlope, tol: p.slopeTolerance },
        reason: `the effective ODE’s slope over the same d-grid (asymptotically ${asymptoticExponent(k)}${k === 2 ? ' plus the log' : ''}); tolerance: medians of ≥ ${p.seeds} broad hitting-time distributions (≈ 10% standard error per point at k* = 3, slope s.e. ≈ 0.08 over a factor 4 in d) plus the noise-driven part of the escape the mean ODE omits`,
        prediction: odeSlopeKey(k),
        part: 'B',
      });
      // the law itself, d^{max(1, k*−1)}: judged on the measured slope (it used to be a regime check on the ODE)
      const correction = q(correctionKey(k));
      const slopeSe = s[`escape-time slope standard error ${grpK(k)}`];
      metrics.push({
        name: `escape-time slope vs the law d^{max(1, k*−1)}, ${grpK(k)}`,
        value: slope,
        criterion: { op: 'abs', target: q(exponentKey(k)), tol: Math.abs(correction) + SLOPE_Z * slopeSe },
        reason: `tolerance: the law’s finite-d correction of the mean path at this grid (log factors and start-up terms, from the effective ODE: ${correction >= 0 ? '+' : ''}${correction.toFixed(2)}) and ${SLOPE_Z} standard errors of the slope (${slopeSe.toFixed(3)}, from the order-statistic intervals of the medians of this run); the neighbouring exponents are 1 apart`,
        prediction: exponentKey(k),
        part: 'B',
      });
      const fullRatio = s[`median escape time, full SGD ${grpK(k)} d=${dmin}`] / s[`median escape time ${grpK(k)} d=${dmin}`];
      regime.push({
        name: `overlap chain = full SGD ${grpK(k)}`,
        ok: fullRatio >= 1 / 1.5 && fullRatio <= 1.5,
        detail: `median hitting time of full d-dimensional SGD / of the overlap chain at d = ${dmin}: ${fullRatio.toFixed(2)} (the chain is exact in law; a factor 1.5 is ≈ 4 standard errors of the ratio of two medians of ≥ ${p.seeds} runs)`,
        value: fullRatio,
        part: 'B',
      });
      const censored = s[`worst censored fraction ${grpK(k)}`];
      regime.push({ name: `escape runs finished ${grpK(k)}`, ok: censored <= 0.25, detail: `worst censored fraction ${censored.toFixed(2)} (≤ 0.25 so the median is a hitting time; raise capFactor otherwise)`, value: censored, part: 'B' });
      for (const d of p.escapeDims) {
        const ratio = s[`median escape time ${grpK(k)} d=${d}`] / q(odeTimeKey(k, d));
        worstFactor = Math.max(worstFactor, Number.isFinite(ratio) && ratio > 0 ? Math.max(ratio, 1 / ratio) : Number.POSITIVE_INFINITY);
      }
    }
    metrics.push({
      name: 'worst factor between median escape time and the effective ODE',
      value: worstFactor,
      criterion: { op: '<=', bound: q('escape time / ODE (upper factor)') },
      reason: 'the ODE is the noise-free mean path: the random escape from m ~ d^{−1/2} shifts the median by an O(1) factor (measured ≤ 1.15)',
      prediction: 'escape time / ODE (upper factor)',
      part: 'B',
    });
    const finite = p.exponents.every((k) => p.escapeDims.every((d) => Number.isFinite(q(odeTimeKey(k, d)))));
    regime.push({ name: 'overlap grows in expectation', ok: finite, detail: finite ? 'F(m) > 0 from m₀ to the threshold at every (k*, d)' : 'F(m) ≤ 0 somewhere: the step is too large (lower stepConstant or raise the smallest d)', part: 'B' });
    const m0 = 1 / Math.sqrt(dmin);
    regime.push({ name: 'start far from the threshold', ok: m0 <= p.threshold / 2, detail: `m₀ = ${m0.toFixed(3)} vs threshold ${p.threshold} (m₀ ≤ threshold/2 so the escape dominates the time)`, value: m0, part: 'B' });
    return { metrics, regime };
  },

  controls: [
    {
      name: 'the neighbouring exponent d^{max(1, k*−1)+1}',
      description: 'a referee’s rival: escape one power of d slower (e.g. d² for k* = 2, the k*-th power of a naive sample count)',
      predict: (p, pred) => ({ ...pred, scalars: { ...pred.scalars, ...Object.fromEntries(p.exponents.map((k) => [exponentKey(k), asymptoticExponent(k) + 1])) } }),
    },
    {
      name: 'the exponent k* − 1 without the floor at 1',
      description: 'the rival read of the law for k* = 1 (escape in O(1) time per dimension, slope 0) and one lower for k* = 2',
      predict: (p, pred) => ({ ...pred, scalars: { ...pred.scalars, ...Object.fromEntries(p.exponents.map((k) => [exponentKey(k), k - 1])) } }),
    },
  ],
  // the quick profile is a five-seed verdict too: the k* = 2 slope misses at single seeds (quick 7 of 0–9; header),
  // so one seed's verdict would depend on which seed it was
  seeds: { default: 5, quick: 5, threshold: 0.5 },

  figures(p) {
    const figs: Figure[] = [
      {
        id: 'escape-time',
        title: 'Escape time from the equator vs dimension, by information exponent k*',
        x: { label: 'dimension d', log: true },
        y: { label: 'SGD steps (fresh samples) until the overlap reaches the threshold', log: true },
        series: [{ name: 'escape time' }],
        caption: 'Solid: median over seeds. Dashed: the effective ODE for the overlap. Dotted: d^{max(1, k*−1)} through the ODE’s last point.',
      },
    ];
    for (const k of p.exponents) {
      figs.push({
        id: `overlap-path-k${k}`,
        title: `Overlap m(t) at d = ${Math.max(...p.escapeDims)}, ${grpK(k)}`,
        x: { label: 'SGD step' },
        y: { label: k % 2 === 0 ? '|w·w*|' : 'w·w*' },
        series: [{ name: `overlap path ${grpK(k)}` }],
        rules: [{ y: p.threshold, label: 'threshold' }],
        caption: 'Individual seeds (solid) and the effective ODE mean path (dashed): long noisy search near the equator, then a fast descent.',
      });
    }
    figs.push(
      {
        id: 'test-mse',
        title: 'Test MSE on He₂(w*·x)/√2: trained network vs random features',
        x: { label: 'training examples n', log: true },
        y: { label: 'test MSE', log: true },
        series: [{ name: 'test MSE' }],
      },
      {
        id: 'overlap',
        title: `Median overlap |wᵢ·w*|/‖wᵢ‖ of the top ${Math.round(p.topFraction * 100)}% neurons`,
        x: { label: 'training examples n', log: true },
        y: { label: 'overlap' },
        series: [{ name: 'top-decile overlap' }],
        rules: [{ y: 0.8, label: 'catalog bar 0.8' }],
        caption: 'Dashed: the init level, the 95th percentile of |ŵ·w*| for ŵ uniform on the sphere.',
      },
      {
        id: 'training',
        title: 'Test MSE during training (network)',
        x: { label: 'SGD step' },
        y: { label: 'test MSE', log: true },
        series: [{ name: 'test MSE during training' }],
      },
    );
    return figs;
  },
});

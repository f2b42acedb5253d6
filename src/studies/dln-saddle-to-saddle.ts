/**
 * Catalog 2: saddle-to-saddle dynamics of a deep linear network from small random initialization — the
 * loss is a staircase, one singular mode per step, and the plateaus lengthen as ln(1/σ) (Saxe, McClelland
 * & Ganguli 2014; Jacot et al. 2021, "Saddle-to-saddle dynamics in deep linear networks and small
 * initialization"; Li, Luo & Lyu 2021, "Towards resolving the implicit bias of gradient descent for matrix
 * factorization: greedy low-rank learning"; the paper §2.1: small initialization strengthens the greedy
 * low-rank bias).
 *
 * Setting. f(x) = W₂W₁x with d_in = d_out = 8, hidden width 16, population loss ½‖W₂W₁ − T‖²_F (whitened
 * inputs), T = U diag(s) Vᵀ with s = (5, 3, 2, 1, 0.5) and random orthonormal U, V. Full-batch GD with step
 * η, time τ = η·steps. Init: W = σ·G with ONE Gaussian draw G (entries N(0, 1)) reused for every σ ∈
 * {1e-1, 1e-2, 1e-4, 1e-6}, so the sweep changes the scale only.
 *
 * Prediction. Near the origin the dynamics are linear: a_k = W₁v_k and b_k = W₂ᵀu_k obey ȧ = s_k b,
 * ḃ = s_k a, so the growing component grows as e^{s_k τ} and mode k follows the logistic curve of Saxe et
 * al. with effective initial strength u₀ = ‖a_k + b_k‖²/4, whose expectation is hσ²/2 (a + b has h
 * entries of variance 2σ²). Mode k's half-time is τ_k = ln(s_k/u₀ − 1)/(2s_k) ≈ [ln(1/σ²) + ln(2s_k/h)]/(2s_k),
 * so dτ_k/d ln(1/σ) = 1/s_k. The modes are learned one at a time, largest first, each drop separated by a
 * plateau whose length grows with ln(1/σ); the rank of W₂W₁ rises by one per drop.
 *
 * Measurement. τ_k = the time mode k's projection u_kᵀW₂W₁v_k crosses s_k/2 (the midpoint of its drop;
 * measured at every step). Resolved drops: peaks of the loss rate −dL/dτ (every step) whose prominence is
 * at least half their height, i.e. the rate falls below half the peak on both sides before rising to a
 * higher peak (a Rayleigh-style separation criterion; overlapping drops merge into one). Rank: the number
 * of singular values of W₂W₁ above `rankTolerance`·s_max; also the Roy–Vetterli effective rank (figure).
 *
 * Pass (catalog): the least-squares slope of τ_k on ln(1/σ) is within 15% of 1/s_k for every mode; the
 * number of resolved drops equals the number of modes at every σ ≤ 1e-4 and does not increase with σ
 * (with strictly fewer at the largest σ); the numerical rank at σ ≤ 1e-4 is monotone with unit increments
 * and ends at the number of modes. Regime: η·s_max ≤ 0.01 (GD tracks gradient flow), small init at the
 * σ values where every drop must be resolved (hσ²/2 ≤ 1e-2·s_min), and every run converged (final loss
 * ≤ 1e-3 × initial).
 *
 * Judged from the prediction: the slopes 1/s_k, the number of drops and the final rank are `predict`'s scalars.
 * Controls: u₀ ∝ σ (slopes 1/(2s_k)); one smooth drop (no staircase) — both falsified. Best detection threshold
 * (quick): the slopes at ≈ 12–14% (the catalog's 15%, measured within 1%); the drop count and rank are integers,
 * so any change of them is detected.
 *
 * Measured (seeds 0–3): slopes within 1% of 1/s_k; resolved drops 1, 1, 5, 5 at σ = 1e-1, 1e-2, 1e-4, 1e-6
 * (at σ = 1e-2 the drops of s = 5, 3, 2 overlap: half-times 0.90, 1.37, 1.92 against widths ~1/s).
 *
 * The loop is the deep linear net's own hand-derived GD step on the whitened moments (src/nn/deepLinear.ts),
 * not the autodiff trainer: every step reads the mode projections and the loss of the end-to-end product.
 */
import { z } from 'zod';
import type { Mat } from '../core/mat.ts';
import type { Rng } from '../core/random.ts';
import { linearSlope, unitIncrements } from '../core/stats.ts';
import { randomOrthonormal } from '../data/basis.ts';
import { DeepLinearNet, linearRegressionLoss, whitenedMoments } from '../nn/deepLinear.ts';
import { throwIfAborted } from '../nn/train.ts';
import { effectiveRankFromSingularValues, singularValuesOf } from '../observe/rank.ts';
import { resolvedPeaks } from '../observe/trajectory.ts';
import { saxeModeStrengths } from '../theory/saxe.ts';
import { type Control, defineStudy, type MetricSpec, type Observations, type RegimeCheck, type Scalars, type Series } from './types.ts';

const Params = z.object({
  dim: z.number().int().min(2).max(32).default(8),
  hidden: z.number().int().min(2).max(128).default(16),
  singularValues: z.array(z.number().positive()).min(1).max(16).default([5, 3, 2, 1, 0.5]),
  /** init scales σ (std of every weight entry), any order */
  initScales: z.array(z.number().positive().max(1)).min(2).default([1e-1, 1e-2, 1e-4, 1e-6]),
  eta: z.number().positive().max(0.1).default(1e-3),
  /** drops must all be resolved at every σ ≤ this */
  resolvedBelow: z.number().positive().default(1e-4),
  /** numerical rank: singular values above rankTolerance · s_max */
  rankTolerance: z.number().positive().max(1).default(0.02),
  /** a loss-rate peak is a resolved drop if its prominence ≥ this fraction of its height */
  prominence: z.number().positive().max(1).default(0.5),
  /** recorded points per run for the curves */
  samples: z.number().int().min(50).max(5000).default(600),
});
type P = z.infer<typeof Params>;

const sig = (s: number) => `σ=${s.toExponential(0)}`;
const grp = (s: number): `s=${number}` => `s=${s}`;
/** The keys of `predict`'s scalars: the slope 1/s_k of each drop time on ln(1/σ), and the drop count and final rank at small σ. */
type PredKey = `slope s=${number}` | 'resolved drops at small σ' | 'final rank at small σ';
const slopeKey = (s: number): PredKey => `slope ${grp(s)}`;

/** Run length: the slowest mode's predicted half-time plus its rise to 99%, with 10% margin (expected u₀ = hσ²/2). */
function horizon(p: P, sigma: number): number {
  const sMin = Math.min(...p.singularValues);
  const u0 = (p.hidden * sigma * sigma) / 2;
  return (1.1 * (Math.log(Math.max(sMin / u0 - 1, 1)) + Math.log(99))) / (2 * sMin);
}

interface RunResult {
  halfTimes: number[];
  u0: number[];
  drops: number[];
  times: number[];
  loss: number[];
  rank: number[];
  effRank: number[];
  initialLoss: number;
  finalLoss: number;
}

function run(p: P, sigma: number, G: Float64Array[], U: Mat, V: Mat, T: Mat, progress: (f: number) => void, signal?: AbortSignal): RunResult {
  const d = p.dim;
  const h = p.hidden;
  const k = p.singularValues.length;
  const net = new DeepLinearNet(
    [d, h, d],
    G.map((g) => g.map((v) => v * sigma)),
  );
  const moments = whitenedMoments(T);
  const sMax = Math.max(...p.singularValues);
  // effective initial strengths u₀ = ‖W₁v_k + W₂ᵀu_k‖²/4 of the actual init (Saxe et al. 2014 §3)
  const [W1, W2] = net.weights;
  const u0: number[] = [];
  for (let m = 0; m < k; m++) {
    let n2 = 0;
    for (let i = 0; i < h; i++) {
      let a = 0;
      let b = 0;
      for (let j = 0; j < d; j++) {
        a += W1[i * d + j] * V.data[j * k + m];
        b += W2[j * h + i] * U.data[j * k + m];
      }
      n2 += (a + b) ** 2;
    }
    u0.push(n2 / 4);
  }
  const steps = Math.ceil(horizon(p, sigma) / p.eta);
  const every = Math.max(1, Math.floor(steps / p.samples));
  const losses = new Float64Array(steps + 1);
  const halfTimes: number[] = Array(k).fill(Number.NaN);
  const prev: number[] = Array(k).fill(0);
  const times: number[] = [];
  const loss: number[] = [];
  const rank: number[] = [];
  const effRank: number[] = [];
  for (let t = 0; t <= steps; t++) {
    throwIfAborted(signal);
    const P = net.product();
    const { loss: L, dLdP } = linearRegressionLoss(P, moments);
    losses[t] = L;
    for (let m = 0; m < k; m++) {
      let u = 0;
      for (let i = 0; i < d; i++) {
        const ui = U.data[i * k + m];
        for (let j = 0; j < d; j++) u += ui * P.data[i * d + j] * V.data[j * k + m];
      }
      const half = p.singularValues[m] / 2;
      if (Number.isNaN(halfTimes[m]) && t > 0 && prev[m] < half && u >= half) halfTimes[m] = (t - 1 + (half - prev[m]) / (u - prev[m])) * p.eta;
      prev[m] = u;
    }
    if (t % every === 0 || t === steps) {
      const sv = singularValuesOf(P);
      times.push(t * p.eta);
      loss.push(L);
      rank.push(sv.reduce((a, v) => a + (v > p.rankTolerance * sMax ? 1 : 0), 0));
      effRank.push(effectiveRankFromSingularValues(sv));
      progress(t / steps);
    }
    if (t < steps) net.step(p.eta, net.gradients(dLdP));
  }
  const rate = new Float64Array(steps);
  for (let t = 0; t < steps; t++) rate[t] = (losses[t] - losses[t + 1]) / p.eta;
  const drops = resolvedPeaks(rate, p.prominence).map((i) => (i + 0.5) * p.eta);
  return { halfTimes, u0, drops, times, loss, rank, effRank, initialLoss: losses[0], finalLoss: losses[steps] };
}

const controls: Control<P, PredKey>[] = [
  {
    name: 'u₀ ∝ σ (slope 1/(2s_k))',
    description: 'the rival that the effective initial strength scales with the weight scale σ rather than σ² (as for a single layer), halving every plateau’s growth with ln(1/σ)',
    predict: (p, pred) => ({ ...pred, scalars: { ...pred.scalars, ...Object.fromEntries(p.singularValues.map((s) => [slopeKey(s), 1 / (2 * s)])) } }),
  },
  {
    name: 'one smooth drop (no staircase)',
    description: 'the rival that the loss falls in a single smooth descent (all modes together, rank jumping at once) whatever σ',
    predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'resolved drops at small σ': 1, 'final rank at small σ': 1 } satisfies Scalars<PredKey> }),
  },
];

export const dlnSaddleToSaddle = defineStudy<P, PredKey>(Params, {
  id: 'dln-saddle-to-saddle',
  catalog: 2,
  pillar: 'solvable',
  title: 'Saddle-to-saddle: small initialization turns deep linear learning into a staircase',
  claim: 'From small random initialization σ, a deep linear network learns one singular mode per loss drop, largest first; the drop of mode k comes at τ_k ≈ ln(1/σ²)/(2s_k) + const, so smaller σ gives longer plateaus and cleaner steps, and the rank of W₂W₁ rises one at a time.',
  formula: '\\tau_k = \\frac{\\ln(s_k/u_0 - 1)}{2 s_k},\\quad u_0 \\approx \\tfrac{h\\sigma^2}{2} \\;\\Rightarrow\\; \\frac{d\\tau_k}{d\\ln(1/\\sigma)} = \\frac{1}{s_k}',
  papers: [
    'Saxe, McClelland & Ganguli 2014, Exact solutions to the nonlinear dynamics of learning in deep linear neural networks (ICLR)',
    'Jacot, Ged, Şimşek, Hongler & Gabriel 2021, Saddle-to-saddle dynamics in deep linear networks and small initialization',
    'Li, Luo & Lyu 2021, Towards resolving the implicit bias of gradient descent for matrix factorization: greedy low-rank learning (ICLR)',
  ],
  core: false,
  quick: { eta: 2e-3, samples: 300 },
  controls,
  seeds: { default: 5, threshold: 0.5 },

  predict(p): Observations<PredKey> {
    // half-times at the expected effective init u₀ = hσ²/2, as a function of ln(1/σ)
    const scalars: Scalars<PredKey> = {};
    const series: Series[] = [];
    const sigmas = [...p.initScales].sort((a, b) => b - a);
    const xs = sigmas.map((s) => Math.log(1 / s));
    for (const s of p.singularValues) {
      scalars[slopeKey(s)] = 1 / s;
      series.push({ name: 'drop time τ_k', group: grp(s), kind: 'predicted', x: xs, y: sigmas.map((sg) => Math.log(Math.max(s / ((p.hidden * sg * sg) / 2) - 1, 1e-300)) / (2 * s)) });
    }
    scalars['resolved drops at small σ'] = p.singularValues.length;
    scalars['final rank at small σ'] = p.singularValues.length;
    return { scalars, series };
  },

  measure(p, ctx) {
    const d = p.dim;
    const k = p.singularValues.length;
    if (k > d || k > p.hidden) throw new Error(`singularValues: ${k} modes need dim and hidden ≥ ${k} (dim=${d}, hidden=${p.hidden})`);
    const U = randomOrthonormal(d, k, ctx.rng.child('U'));
    const V = randomOrthonormal(d, k, ctx.rng.child('V'));
    const T = new Float64Array(d * d);
    p.singularValues.forEach((s, m) => {
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) T[i * d + j] += s * U.data[i * k + m] * V.data[j * k + m];
    });
    const initRng: Rng = ctx.rng.child('init');
    const G = [initRng.child('W', 0).fillNormal(new Float64Array(p.hidden * d)), initRng.child('W', 1).fillNormal(new Float64Array(d * p.hidden))];
    const sigmas = [...p.initScales].sort((a, b) => b - a);
    const scalars: Record<string, number> = {};
    const series: Series[] = [];
    const halfBySigma: number[][] = [];
    // cost ∝ horizon: weight progress by it
    const costs = sigmas.map((s) => horizon(p, s));
    const total = costs.reduce((a, b) => a + b, 0);
    let done = 0;
    sigmas.forEach((sigma, si) => {
      const r = run(p, sigma, G, U, V, { rows: d, cols: d, data: T }, (f) => ctx.progress((done + f * costs[si]) / total, sig(sigma)), ctx.signal);
      done += costs[si];
      halfBySigma.push(r.halfTimes);
      const g = sig(sigma);
      scalars[`resolved drops ${g}`] = r.drops.length;
      scalars[`final/initial loss ${g}`] = r.finalLoss / r.initialLoss;
      scalars[`rank unit increments ${g}`] = unitIncrements(r.rank) ? 1 : 0;
      scalars[`final rank ${g}`] = r.rank[r.rank.length - 1];
      p.singularValues.forEach((s, m) => {
        scalars[`τ_k ${grp(s)} ${g}`] = r.halfTimes[m];
        scalars[`u0 ${grp(s)} ${g}`] = r.u0[m];
      });
      series.push({ name: 'loss', group: g, kind: 'measured', x: r.times, y: r.loss });
      // prediction over the staircase: independent Saxe sigmoids (depth 2) from the actual effective u₀
      const predLoss = new Array<number>(r.times.length).fill(0);
      p.singularValues.forEach((s, m) => {
        const u = saxeModeStrengths({ singularValues: [s], init: r.u0[m], depth: 2, times: r.times }).modes[0];
        u.forEach((v, i) => {
          predLoss[i] += 0.5 * (s - v) ** 2;
        });
      });
      series.push({ name: 'loss', group: g, kind: 'predicted', x: r.times, y: predLoss });
      series.push({ name: 'numerical rank of W₂W₁', group: g, kind: 'measured', x: r.times, y: r.rank });
      series.push({ name: 'effective rank of W₂W₁', group: g, kind: 'measured', x: r.times, y: r.effRank });
      ctx.emit?.({ name: 'resolved drops', group: 'measured', x: Math.log(1 / sigma), y: r.drops.length });
    });
    const xs = sigmas.map((s) => Math.log(1 / s));
    p.singularValues.forEach((s, m) => {
      const ys = halfBySigma.map((h) => h[m]);
      series.push({ name: 'drop time τ_k', group: grp(s), kind: 'measured', x: xs, y: ys });
      scalars[`slope ${grp(s)}`] = ys.every(Number.isFinite) ? linearSlope(xs, ys) : Number.NaN;
    });
    series.push({ name: 'resolved drops', group: 'measured', kind: 'measured', x: xs, y: sigmas.map((s) => scalars[`resolved drops ${sig(s)}`]) });
    const smallSigmas = sigmas.filter((s) => s <= p.resolvedBelow);
    series.push({ name: 'resolved drops', group: 'measured', kind: 'predicted', x: smallSigmas.map((s) => Math.log(1 / s)), y: smallSigmas.map(() => k) });
    return { scalars, series };
  },

  compare(pred, meas, p) {
    const metrics: MetricSpec<PredKey>[] = [];
    const regime: RegimeCheck[] = [];
    const q = (key: PredKey): number => pred.scalars[key] ?? Number.NaN;
    const k = q('resolved drops at small σ');
    const rankK = q('final rank at small σ');
    const sigmas = [...p.initScales].sort((a, b) => b - a);
    const sMax = Math.max(...p.singularValues);
    const sMin = Math.min(...p.singularValues);
    for (const s of p.singularValues) {
      metrics.push({
        name: `slope of τ_k on ln(1/σ), ${grp(s)}`,
        value: meas.scalars[`slope ${grp(s)}`],
        criterion: { op: 'rel', target: q(slopeKey(s)), tol: 0.15 },
        reason: 'catalog 15%: the slope is exactly 1/s_k for u₀ ∝ σ²; the −1 in ln(s/u₀ − 1) and the O(σ²) alignment transient bend the line at the largest σ',
        prediction: slopeKey(s),
      });
    }
    const small = sigmas.filter((s) => s <= p.resolvedBelow);
    for (const s of small) {
      metrics.push({
        name: `resolved drops at ${sig(s)}`,
        value: meas.scalars[`resolved drops ${sig(s)}`],
        criterion: { op: 'abs', target: k, tol: 0 },
        reason: 'catalog: one drop per mode at small init (an integer count, so no tolerance)',
        prediction: 'resolved drops at small σ',
      });
      metrics.push({
        name: `numerical rank: unit increments, ends at ${rankK} (${sig(s)})`,
        value: meas.scalars[`rank unit increments ${sig(s)}`] === 1 && meas.scalars[`final rank ${sig(s)}`] === rankK ? 1 : 0,
        criterion: { op: '>=', bound: 1 },
        reason: 'catalog: the rank of W₂W₁ rises one mode at a time (exact property of the sampled trajectory)',
        prediction: 'final rank at small σ',
      });
    }
    const counts = sigmas.map((s) => meas.scalars[`resolved drops ${sig(s)}`]);
    // sigmas are sorted descending: counts must be non-decreasing along the list, strictly fewer at the largest σ
    const monotone = counts.every((c, i) => i === 0 || c >= counts[i - 1]) && counts[0] < k;
    metrics.push({
      name: 'resolved drops do not increase with σ, fewer at the largest σ',
      value: monotone ? 1 : 0,
      criterion: { op: '>=', bound: 1 },
      reason: `catalog: larger σ shortens the plateaus until neighbouring drops merge (counts from large to small σ: ${counts.join(', ')})`,
      prediction: 'resolved drops at small σ',
    });
    regime.push({ name: 'gradient-flow step', ok: p.eta * sMax <= 0.01, value: p.eta * sMax, detail: `η·s_max = ${(p.eta * sMax).toPrecision(3)} (≤ 0.01)` });
    const worstInit = Math.max(...small.map((s) => (p.hidden * s * s) / 2), 0);
    regime.push({
      name: 'small init where every drop must resolve',
      ok: small.length > 0 && worstInit <= 1e-2 * sMin,
      value: worstInit,
      detail: small.length > 0 ? `hσ²/2 = ${worstInit.toExponential(2)} at σ = ${Math.max(...small)} (≤ 1e-2·s_min = ${1e-2 * sMin})` : `no σ ≤ ${p.resolvedBelow} in the sweep`,
    });
    const worstLoss = Math.max(...sigmas.map((s) => meas.scalars[`final/initial loss ${sig(s)}`]));
    regime.push({ name: 'converged', ok: worstLoss <= 1e-3, value: worstLoss, detail: `largest final/initial loss ${worstLoss.toExponential(2)} (≤ 1e-3)` });
    return { metrics, regime };
  },

  figures: () => [
    {
      id: 'staircase',
      title: 'Loss staircase vs init scale σ',
      x: { label: 'τ = η·step' },
      y: { label: 'loss ½‖W₂W₁ − T‖²', log: true },
      series: [{ name: 'loss' }],
      caption: 'Solid: measured. Dashed: independent Saxe sigmoids from the effective u₀ = ‖W₁v + W₂ᵀu‖²/4 of the actual init. Smaller σ: longer plateaus, one drop per singular value.',
    },
    {
      id: 'drop-times',
      title: 'Drop time of each mode vs ln(1/σ)',
      x: { label: 'ln(1/σ)' },
      y: { label: 'τ_k (u_k crosses s_k/2)' },
      series: [{ name: 'drop time τ_k' }],
      caption: 'Dashed: τ_k = ln(s_k/u₀ − 1)/(2s_k) at the expected u₀ = hσ²/2 (slope 1/s_k).',
    },
    { id: 'rank', title: 'Numerical rank of W₂W₁ (σ_i > tol·s_max)', x: { label: 'τ = η·step' }, y: { label: 'rank' }, series: [{ name: 'numerical rank of W₂W₁' }] },
    { id: 'effective-rank', title: 'Effective rank (Roy–Vetterli) of W₂W₁', x: { label: 'τ = η·step' }, y: { label: 'exp(entropy of σ_i/Σσ_j)' }, series: [{ name: 'effective rank of W₂W₁' }] },
    {
      id: 'resolved',
      title: 'Resolved loss drops vs ln(1/σ)',
      x: { label: 'ln(1/σ)' },
      y: { label: 'drops' },
      series: [{ name: 'resolved drops' }],
      caption: 'Dashed: the number of modes, expected wherever σ is small enough to separate the drops.',
    },
  ],
});

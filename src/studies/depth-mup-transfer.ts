/**
 * Catalog 12: depthwise hyperparameter transfer with residual-branch scaling (Bordelon, Noci, Li, Hanin
 * & Pehlevan 2023, "Depthwise hyperparameter transfer in residual networks: dynamics and scaling
 * limit"; Yang, Yu, Zhu & Hayou 2023, "Tensor Programs VI: feature learning in infinite-depth neural
 * networks").
 *
 * Setting. A residual MLP (src/nn/resmlp.ts) h₀ = W_in x, h_ℓ = h_{ℓ−1} + m·W_ℓ φ(h_{ℓ−1}) (ℓ = 1..L, one
 * ReLU dense layer per branch), f = W_out h_L, width n fixed, depths L ∈ {2, 4, 8, 16, 32}, μP in width.
 * Branch multiplier m = L^{−1/2} (`depth-mup`) against m = 1 (`mup`: the same network with unscaled
 * branches). Online regression on the smooth teacher of src/protocols/lrSweep.ts, plain SGD, a grid of
 * learning rates η = 2^k, loss = population ½·MSE averaged over the last quarter of training.
 *
 * Prediction.
 *  - Forward pass at init, with W ~ N(0, 1/fan_in) (LeCun) and the residual stream's coordinates
 *    Gaussian of variance q_ℓ at large width: E[φ(h)²] = q/2 for ReLU, so q_ℓ = q_{ℓ−1}(1 + m²/2), i.e.
 *    q_L = q₀(1 + m²/2)^L. With m = L^{−1/2}: q_L = q₀(1 + 1/(2L))^L → q₀·e^{1/2}, depth-independent up
 *    to O(1/L) (norm ratio between L = 2 and 32: √(1.642/1.5625) = 1.025). With m = 1: q_L = q₀·1.5^L,
 *    which explodes (×√(1.5³⁰) ≈ 437 in norm from L = 2 to 32).
 *  - Training: with m = L^{−1/2} each block's update moves the stream by O(1/L) and the dynamics have an
 *    infinite-depth limit (an SDE-like residual stream), so the loss-vs-η curve and its argmin converge
 *    in L (TP-VI; Bordelon et al. 2023). With SGD the branch gradient already carries m, so η needs no
 *    depth factor (the depth-μP table's SGD exponent is 0; Adam's would be −1/2). Unscaled branches have
 *    no such limit: the optimum shifts or every η diverges at large depth.
 *
 * Pass (catalog): with scaled branches the optimal η varies by ≤ 1 grid step across the 16× depth range
 * and training stays stable (the base depth's optimal η does not diverge at any depth: a sanity check);
 * unscaled, the optimum shifts by ≥ 2 grid steps or training diverges at large depth (a depth at which every
 * grid η diverges counts as a shift past the grid's smallest η). Stream gain (issue 13: the predicted gain
 * was never compared, and L⁻¹ branches would have passed the old "spread ≤ 10%"): at every depth and for
 * both schemes the measured RMS(h_L)/RMS(x) at init is predictedStreamGain(L, m) within 3 standard errors
 * over the inits plus L·m⁴/n (the finite-width fluctuation of q_L the Gaussian recursion drops): ±3–4%
 * scaled (gains 1.25, 1.27, 1.28 at L = 2, 8, 32), wide unscaled (1.5^{L/2}). Controls (the same
 * measurement against rival branch scalings): m = L^{-1} (CompleteP-style; gains 1.125, 1.03, 1.008) and
 * m = L^{-1/4} (1.35, 1.92, 3.9); both falsified by 10% or more at every depth. Detection power: the
 * scaled gains notice a prediction 3–4% off.
 *
 * Choices. SGD rather than Adam: with Adam (width 64, 150 steps, same task family) the final loss was
 * flat to within 6% over the five learning rates 2^{−11}…2^{−7} at every depth (L = 2: 0.058, 0.057,
 * 0.056, 0.057, 0.059), so the argmin was set by noise (measured drift 2.4 grid steps for depth-μP: a
 * falsification by the estimator, not by the network). SGD has a stability wall close to its optimum
 * and a well-defined argmin. The depth-μP table's Adam exponent (branch η ×(L/L₀)^{−1/2}) is therefore
 * not exercised here; it is tested as data in test/nn/parameterization.test.ts. Width 64 in the quick
 * profile and 128 (the catalog's) in the default. The optional CompleteP-style L^{−1} branch scaling of
 * the catalog is not run.
 *
 * Predicted boundary (issue 16): none, on purpose. Along the study's scalar parameters the theory gives no edge:
 * with branches ×L^{-1/2} the infinite-depth limit exists at every width (the width and depth limits commute,
 * Bordelon et al. 2023, Yang et al. 2023), so transfer is predicted wherever the grid resolves the optimum,
 * and the stream-gain law's neglected finite-width term L·m⁴/n = 1/(Ln) only shrinks with depth. The edges theory
 * does predict lie along depth for unscaled branches: their optimum moves as the tangent kernel grows, ∝ L·(1 +
 * m²/2)^L (each block adds a term carrying the forward gain of the blocks below it and the backward gain of those
 * above), so by ≈ log₂ 1.5 ≈ 0.6 grid steps per added block, and their Gaussian stream recursion fails once
 * L/n is of order one (Hanin & Nica 2019; Li, Nica & Roy 2021). Here depth is the list `depths`, not a scalar a
 * map can cross, and the first of these is the drift the study already judges (≥ 2 grid steps); the second is
 * inside the stream-gain tolerance by construction. A `boundary` would have to invent an axis or a constant.
 *
 * Measured (seed 0): quick (width 64, L ∈ {2, 8, 32}, 2 inits, 80 steps) scaled drift 0.06 grid steps,
 * unscaled: every η diverged at L = 32; default (width 128, L = 2…32) scaled drift 0.21, stream-norm
 * spread 2.3% scaled vs ×513 unscaled. Quick profile over seeds 0–3: scaled drift 0.05–0.19.
 */
import { z } from 'zod';
import { mean, variance } from '../core/stats.ts';
import { noGrad, type Tensor } from '../core/tensor.ts';
import { teacherBatch } from '../data/teacherStream.ts';
import { rms } from '../observe/coordCheck.ts';
import { buildModel } from '../protocols/coordCheck.ts';
import { curveOptimum, tanhTeacher, trainOnline } from '../protocols/lrSweep.ts';
import { type Control, defineStudy, type MetricSpec, type Observations, type RegimeCheck, type Scalars, type Series } from './types.ts';

const Params = z.object({
  width: z.number().int().min(8).max(1024).default(128),
  depths: z.array(z.number().int().min(1).max(256)).min(3).default([2, 4, 8, 16, 32]),
  inputDim: z.number().int().min(2).max(256).default(8),
  teacherDirections: z.number().int().min(1).max(64).default(8),
  log2LrMin: z.number().int().min(-24).max(4).default(-10),
  log2LrMax: z.number().int().min(-24).max(4).default(-2),
  steps: z.number().int().min(10).max(20000).default(100),
  batch: z.number().int().min(1).max(1024).default(32),
  seeds: z.number().int().min(1).max(10).default(2),
  dtype: z.enum(['f32', 'f64']).default('f32'),
  /** inits averaged for the residual-stream norm at init (forward passes only) */
  normInits: z.number().int().min(1).max(64).default(16),
});
type P = z.infer<typeof Params>;

const SCHEMES = ['depth-mup', 'mup'] as const;
type Scheme = (typeof SCHEMES)[number];
const LABEL: Record<Scheme, string> = { 'depth-mup': 'branches ×L^{-1/2}', mup: 'unscaled branches' };

const grid = (p: P): number[] => Array.from({ length: p.log2LrMax - p.log2LrMin + 1 }, (_, i) => p.log2LrMin + i);
const sortedDepths = (p: P): number[] => [...p.depths].sort((a, b) => a - b);

/** The branch multiplier m of a scheme at depth L: L^{-1/2} for depth-μP, 1 for unscaled branches. */
const branchMultiplier = (scheme: Scheme, L: number): number => (scheme === 'depth-mup' ? L ** -0.5 : 1);

type PredKey = 'depth-mup optimum drift' | 'mup optimum shift (at least)' | `${Scheme} stream gain L=${number}`;

/** A rival branch scaling m = L^{-a}: the predicted stream gains of the scaled network under it. */
function rivalScaling(a: number): (p: P, pred: Observations<PredKey>) => Observations<PredKey> {
  return (p, pred) => {
    const scalars = { ...pred.scalars };
    for (const L of sortedDepths(p)) scalars[`depth-mup stream gain L=${L}`] = predictedStreamGain(L, L ** -a);
    return { ...pred, scalars };
  };
}

const controls: Control<P, PredKey>[] = [
  {
    name: 'branches ×L^{-1} (CompleteP-style)',
    description: 'the rival depth scaling m = L^{-1} (Bordelon et al.’s and CompleteP’s alternative), whose stream gain (1 + 1/(2L²))^{L/2} → 1 instead of e^{1/4}',
    predict: rivalScaling(1),
  },
  {
    name: 'branches ×L^{-1/4}',
    description: 'a milder scaling m = L^{-1/4}, under which the stream still grows with depth (gain (1 + 1/(2√L))^{L/2})',
    predict: rivalScaling(0.25),
  },
];

/** RMS of the residual stream at init relative to the input's, from q_L = q₀(1 + m²/2)^L (ReLU, LeCun init). */
export function predictedStreamGain(blocks: number, branchMultiplier: number): number {
  return Math.sqrt((1 + branchMultiplier ** 2 / 2) ** blocks);
}

/**
 * The measured residual-stream gain at init against q_L = q₀(1 + m²/2)^L. The tolerance is finite-width
 * and finite-sample: 3 standard errors of the mean over the inits, plus the O(L·m⁴/n) relative
 * fluctuation of q_L that the Gaussian large-width recursion drops (its bias through E√q ≠ √Eq).
 */
function streamGainMetric(scheme: Scheme, L: number, predicted: number, s: Record<string, number>, p: P): MetricSpec<PredKey> {
  const rse = s[`${scheme} stream norm rse L=${L}`];
  const m = branchMultiplier(scheme, L);
  const tol = 3 * rse + (L * m ** 4) / p.width;
  return {
    name: `${scheme === 'depth-mup' ? 'scaled' : 'unscaled'}: stream gain at init, L=${L}`,
    value: s[`${scheme} stream norm L=${L}`],
    criterion: { op: 'rel', target: predicted, tol },
    reason: `q_L = q₀(1 + m²/2)^L with m = ${scheme === 'depth-mup' ? 'L^{-1/2}' : '1'} (ReLU, LeCun init, large width); ±${(100 * tol).toFixed(1)}% = 3 standard errors over ${p.normInits} inits (${(100 * rse).toFixed(1)}% each) + L·m⁴/n, the finite-width fluctuation of q_L`,
    prediction: `${scheme} stream gain L=${L}`,
  };
}

export const depthMupTransfer = defineStudy<P, PredKey>(Params, {
  id: 'depth-mup-transfer',
  catalog: 12,
  pillar: 'limits',
  title: 'Depth transfer: with residual branches scaled by L^{-1/2} the optimal learning rate is stable across depth',
  claim:
    'In a residual MLP whose branches are multiplied by L^{-1/2} (depth-μP), the residual stream at init and the optimal learning rate are independent of the depth L; without the scaling the stream grows exponentially with depth and the optimal learning rate shifts or training diverges.',
  formula: 'h_\\ell = h_{\\ell-1} + L^{-1/2}\\,W_\\ell\\,\\phi(h_{\\ell-1}),\\qquad q_L = q_0\\,(1+\\tfrac{1}{2L})^L \\to q_0 e^{1/2},\\qquad \\eta^*(L) = \\eta^*(L_0)',
  papers: [
    'Bordelon, Noci, Li, Hanin & Pehlevan 2023, Depthwise hyperparameter transfer in residual networks: dynamics and scaling limit (arXiv 2309.16620, ICLR 2024)',
    'Yang, Yu, Zhu & Hayou 2023, Tensor Programs VI: feature learning in infinite-depth neural networks (arXiv 2310.02244, ICLR 2024)',
  ],
  core: false,
  quick: { width: 64, depths: [2, 8, 32], steps: 80 },

  controls,
  seeds: { default: 5, threshold: 0.5 },

  predict(p) {
    const ds = sortedDepths(p);
    const scalars: Scalars<PredKey> = { 'depth-mup optimum drift': 0, 'mup optimum shift (at least)': 2 };
    const series: Series[] = [];
    for (const s of SCHEMES) {
      const gains = ds.map((L) => predictedStreamGain(L, branchMultiplier(s, L)));
      series.push({ name: 'stream norm at init', group: LABEL[s], kind: 'predicted', x: ds, y: gains });
      ds.forEach((L, i) => {
        scalars[`${s} stream gain L=${L}`] = gains[i];
      });
    }
    return { scalars, series };
  },

  measure(p, ctx) {
    if (p.log2LrMax - p.log2LrMin < 4) throw new Error(`log2LrMax − log2LrMin: ${p.log2LrMax - p.log2LrMin}, expected ≥ 4 (a grid of at least 5 learning rates)`);
    const ds = sortedDepths(p);
    const ks = grid(p);
    const task = tanhTeacher(p.inputDim, p.teacherDirections, ctx.rng.child('teacher'));
    const probe = teacherBatch(task, 256, ctx.rng.child('probe'), p.dtype);
    const scalars: Record<string, number> = {};
    const series: Series[] = [];
    const total = SCHEMES.length * ds.length * (ks.length * p.seeds + 1);
    let done = 0;
    let firstLoss = 0;
    for (const scheme of SCHEMES) {
      const optima: number[] = [];
      const norms: number[] = [];
      ds.forEach((L) => {
        const model = { kind: 'resmlp' as const, depth: L, activation: 'relu' as const, inputDim: p.inputDim, outputDim: 1, bias: false };
        const opts = { parameterization: scheme, baseWidth: p.width, optimizer: 'sgd' as const, baseBlocks: ds[0], dtype: p.dtype };
        // residual-stream RMS at init over the probe batch, relative to the input's RMS (q₀ = |x|²/d),
        // averaged over `normInits` inits: one width-n init fluctuates by O(n^{-1/2}) per layer
        const gains: number[] = [];
        for (let i = 0; i < p.normInits; i++) {
          const net0 = buildModel(model, p.width, opts, ctx.rng.child('norm-init', L, i));
          const acts: Tensor[] = [];
          noGrad(() => net0.forward(probe.x, acts));
          gains.push(rms(acts[acts.length - 1].data) / rms(probe.x.data));
        }
        const gain = mean(gains);
        norms.push(gain);
        // relative standard error of the mean gain over the inits
        scalars[`${scheme} stream norm rse L=${L}`] = Math.sqrt(variance(gains) / gains.length) / gain;
        done++;
        const logLoss = ks.map((k) =>
          Array.from({ length: p.seeds }, (_, s) => {
            const net = buildModel(model, p.width, opts, ctx.rng.child('init', L, s));
            const r = trainOnline({ net, optimizer: 'sgd', lr: 2 ** k, steps: p.steps, batch: p.batch, task, rng: ctx.rng.child('stream', s), dtype: p.dtype, signal: ctx.signal });
            if (scheme === 'depth-mup') firstLoss = Math.max(firstLoss, r.initialLoss);
            done++;
            ctx.progress(done / total, `${LABEL[scheme]} L=${L} η=2^${k} seed ${s}`);
            return r.diverged ? Number.POSITIVE_INFINITY : Math.log(r.finalLoss);
          }),
        );
        const curve = logLoss.map((ls) => Math.exp(mean(ls)));
        const o = curveOptimum(ks, curve);
        optima.push(o.log2Lr);
        scalars[`${scheme} optimum log2η L=${L}`] = o.log2Lr;
        scalars[`${scheme} optimum index L=${L}`] = o.index;
        scalars[`${scheme} optimal loss L=${L}`] = o.index >= 0 ? curve[o.index] : Number.POSITIVE_INFINITY;
        scalars[`${scheme} diverged points L=${L}`] = curve.filter((c) => !Number.isFinite(c)).length;
        scalars[`${scheme} stream norm L=${L}`] = norms[norms.length - 1];
        ks.forEach((k, i) => {
          scalars[`${scheme} loss L=${L} k=${k}`] = curve[i];
        });
        series.push({ name: `loss vs lr ${LABEL[scheme]}`, group: `L=${L}`, kind: 'measured', x: ks.map((k) => 2 ** k), y: curve });
      });
      series.push({ name: 'stream norm at init', group: LABEL[scheme], kind: 'measured', x: ds, y: norms });
      const finite = optima.filter(Number.isFinite);
      series.push({ name: 'optimal learning rate', group: LABEL[scheme], kind: 'measured', x: ds.filter((_, i) => Number.isFinite(optima[i])), y: finite.map((k) => 2 ** k) });
      if (scheme === 'depth-mup') series.push({ name: 'optimal learning rate', group: LABEL[scheme], kind: 'predicted', x: ds, y: ds.map(() => 2 ** optima[0]) });
      scalars[`${scheme} stream spread`] = Math.max(...norms) / Math.min(...norms) - 1;
    }
    scalars['initial loss'] = firstLoss; // the largest first-batch loss of the scaled runs
    const notes: string[] = [];
    for (const scheme of SCHEMES) {
      const dead = ds.filter((L) => scalars[`${scheme} diverged points L=${L}`] === ks.length);
      if (dead.length) notes.push(`${LABEL[scheme]}: every learning rate of the grid (2^${ks[0]}…2^${ks[ks.length - 1]}) diverged at L = ${dead.join(', ')}`);
    }
    return { scalars, series, notes };
  },

  compare(pred, meas, p) {
    const ds = sortedDepths(p);
    const ks = grid(p);
    const s = meas.scalars;
    const L0 = ds[0];
    const opt = (scheme: Scheme) => ds.map((L) => s[`${scheme} optimum log2η L=${L}`]);
    const scaled = opt('depth-mup');
    const scaledDrift = Math.max(...scaled) - Math.min(...scaled);
    // the base depth's best grid η, transferred to every depth: did any of those runs diverge?
    const baseIdx = s[`depth-mup optimum index L=${L0}`];
    const transferredDiverged = baseIdx < 0 ? ds.length : ds.filter((L) => !Number.isFinite(s[`depth-mup loss L=${L} k=${ks[baseIdx]}`])).length;
    // unscaled: the largest shift of the optimum from the base depth's; a depth at which every grid η
    // diverges is the catalog's "training diverges at large depth" and scores the whole grid span
    const u = opt('mup');
    const u0 = u[0];
    const allDiverged = u.some((k) => !Number.isFinite(k));
    const unscaledShift = !Number.isFinite(u0) ? Number.NaN : allDiverged ? ks.length : Math.max(...u.map((k) => Math.abs(k - u0)));
    const range = `${ds[ds.length - 1] / ds[0]}× depth range`;
    const metrics: MetricSpec<PredKey>[] = [
      {
        name: 'scaled: optimum drift (grid steps)',
        value: scaledDrift,
        criterion: { op: '<=', bound: (pred.scalars['depth-mup optimum drift'] ?? Number.NaN) + 1 },
        prediction: 'depth-mup optimum drift',
        reason: `catalog: ≤ 1 grid step (factor 2, the grid's resolution) across the ${range}; theory 0 (infinite-depth limit)`,
      },
      {
        name: 'scaled: diverged runs at the transferred η',
        value: transferredDiverged,
        criterion: { op: '<=', bound: 0 },
        reason: 'catalog: training stays stable; the base depth’s optimal grid η is run at every depth',
        sanity: true,
      },
      {
        name: 'unscaled: optimum shift (grid steps)',
        value: unscaledShift,
        criterion: { op: '>=', bound: pred.scalars['mup optimum shift (at least)'] ?? Number.NaN },
        prediction: 'mup optimum shift (at least)',
        reason: `catalog: unscaled, the optimum shifts by ≥ 2 grid steps or training diverges at large depth (a depth at which all ${ks.length} grid η diverge scores the grid span, ${ks.length})`,
      },
      ...ds.flatMap((L) => SCHEMES.map((scheme) => streamGainMetric(scheme, L, pred.scalars[`${scheme} stream gain L=${L}`] ?? Number.NaN, s, p))),
    ];
    const interior = ds.every((L) => {
      const i = s[`depth-mup optimum index L=${L}`];
      return i > 0 && i < ks.length - 1;
    });
    const learned = Math.max(...ds.map((L) => s[`depth-mup optimal loss L=${L}`])) / s['initial loss'];
    const regime: RegimeCheck[] = [
      { name: 'scaled optimum inside the grid', ok: interior, detail: `depth-μP best grid η ${interior ? 'is interior at every depth' : 'sits at a grid edge at some depth (the argmin is censored)'}` },
      {
        name: 'unscaled base optimum inside the grid',
        ok: s[`mup optimum index L=${L0}`] > 0 && s[`mup optimum index L=${L0}`] < ks.length - 1,
        detail: `unscaled best η at L=${L0}: ${Number.isFinite(u0) ? `2^${u0.toFixed(2)}` : 'none (every η diverged)'} (interior needed: the shift is measured from it, and the grid must reach below it)`,
      },
      { name: 'learned', ok: learned < 0.5, value: learned, detail: `depth-μP optimal loss ≤ ${(100 * learned).toFixed(1)}% of the initial loss (< 50%: the runs trained)` },
    ];
    return { metrics, regime };
  },

  figures: () => [
    {
      id: 'scaled',
      title: 'Branches ×L^{-1/2}: loss against learning rate, by depth',
      x: { label: 'learning rate η (SGD)', log: true },
      y: { label: 'final ½·MSE', log: true },
      series: [{ name: 'loss vs lr branches ×L^{-1/2}' }],
    },
    {
      id: 'unscaled',
      title: 'Unscaled branches: loss against learning rate, by depth (missing points diverged)',
      x: { label: 'learning rate η (SGD)', log: true },
      y: { label: 'final ½·MSE', log: true },
      series: [{ name: 'loss vs lr unscaled branches' }],
    },
    {
      id: 'optimum',
      title: 'Optimal learning rate against depth',
      x: { label: 'depth L (residual blocks)', log: true },
      y: { label: 'η*', log: true },
      series: [{ name: 'optimal learning rate' }],
    },
    {
      id: 'stream',
      title: 'Residual-stream RMS at init (relative to the input) against depth',
      x: { label: 'depth L', log: true },
      y: { label: 'RMS(h_L)/RMS(x)', log: true },
      series: [{ name: 'stream norm at init' }],
      caption: 'Solid: measured. Dashed: q_L = q₀(1 + m²/2)^L with m = L^{-1/2} (scaled) or 1 (unscaled).',
    },
  ],
});

/**
 * Catalog 35: μTransfer on transformers (Yang et al. 2022, "Tensor Programs V", Figure 1 and §4 as
 * published on transformers; Figure 5 of the learning-mechanics paper), at character level on the bundled
 * Moby-Dick (or any text given as `corpus`).
 *
 * Setting. Decoder-only pre-LN transformers (src/nn/transformer.ts) of width d ∈ {16, 32, 64, 128} with a
 * fixed number of heads (so d_head grows with d, the width TP-V scales), trained with Adam for a fixed
 * number of steps on random windows of the training split (src/protocols/lmTraining.ts), over a grid of
 * learning rates η = 2^k. The loss of a run is the mean batch loss over the last quarter of training (each
 * batch is fresh text, scored before its step: an unbiased estimate of the population loss). SP (one
 * learning rate, LeCun init, logits/√d_head) against μP (src/nn/parameterization.ts `mup` with the Adam
 * table: hidden and readout η ×d₀/d, logits/d_head, zero-initialized queries and readout; base width d₀ =
 * the smallest width, where the two schemes share their learning rates). Init s (of `seeds`, and under μP
 * of at least `widerInits`) reads text stream s at every width, scheme and learning rate (common random
 * numbers); the loss at one (width, η) is the geometric mean over the inits.
 *
 * Prediction. Under μP the dynamics have a width-independent limit, so η* does not move with d (drift 0)
 * and, at a fixed η, a wider model is nearer that limit and no worse ("wider is better"). Under SP with
 * Adam, the update of every fan-in-d matrix moves its outputs by Θ(η·d) (Adam normalizes the gradient, the
 * d coordinates add coherently: TP-V Table 3), so the stable η scales as 1/d: log₂ η* has slope −1 in
 * log₂ d, a drift of log₂(d_max/d₀) grid steps (less at finite width: the embedding's and LayerNorms'
 * Adam updates do not grow with d).
 *
 * Pass. (1) μP's η* moves by at most one grid step across the widths (catalog); (2) SP's drift max − min
 * of log₂ η* is log₂(d_max/d₀) within one grid step (the catalog's "SP moves by the predicted trend");
 * (3) the least-squares slope of log₂ η* on log₂ d under SP is −1 within 1/log₂(d_max/d₀): each optimum is
 * known to about ±½ grid step (the grid's resolution; the parabolic vertex of src/protocols/lrSweep.ts
 * `curveOptimum` is finer but jitters by that much between seeds), so two endpoints log₂(d_max/d₀) octaves
 * apart fix the slope to ±1/log₂(d_max/d₀); (4) under μP wider is better at every learning rate where no
 * width diverged, but at most one (the catalog's "at every η"), judged by a paired test over inits: at each
 * such η and adjacent widths d < d′ the rises δ_s = log L(d′, s) − log L(d, s) of the inits s give a one-sided
 * Student-t bound, and η is flagged when the rise is positive at level 1 − α. The pairing (init s of both widths
 * reads the same text) cancels the batch noise; what is left is the init-to-init noise of the trajectory, which
 * a single run cannot estimate (hence ≥ 3 inits: with 2, df = 1 and the quantile ≈ 45 makes the test toothless).
 * α = 0.1 / (judged·(W − 1)): by Markov's inequality, P(≥ 2 flagged η) ≤ E[#flags]/2 ≤ 5% when wider is never
 * worse, whatever the dependence between comparisons (they share inits across η, so they are correlated).
 * The price is power: the one-sided quantile t_{1−α, K−1} is ≈ 8.3 at the quick profile's K = 3 inits (7 η, 3
 * widths) and ≈ 6.2 at the default's K = 4 (8 η, 4 widths), so only a rise of several init-to-init spreads is flagged.
 * The earlier criterion (a single init per width, flagged beyond 2 standard errors of the tail's batch losses)
 * was measured to undercount the noise: the batch noise it used is common to the widths, while the init noise,
 * a few percent of the loss at and above the optimum and larger at the grid's top, was left out, and the
 * shared init made flags coincide across η (two at quick seed 7 of seeds 0–14, at η = 2^−7 and 2^−3).
 *
 * Profiles: quick d = 16, 32, 64, 64 steps, η = 2^−9…2^−3, 3 μP inits; default d = 16…128, 160 steps,
 * η = 2^−10…2^−3, 4 μP inits (one SP init in both).
 * Regime: every optimum lies inside the grid (so it is measured, not censored), and the runs learned
 * (the best loss below 75% of the initial ≈ ln V).
 *
 * Controls. "SP judged by μP's criterion": the prediction that SP's η* also stays put (drift 0 within a
 * grid step) must fail on the measured SP drift. "η* independent of width under SP": the rival slope 0
 * must fail the slope metric.
 */
import { z } from 'zod';
import { linearSlope, mean, tInterval } from '../../core/stats.ts';
import { loadStudyText } from '../../data/studyText.ts';
import { type Transformer, transformer } from '../../nn/transformer.ts';
import { heldOutPrompt, sampleText } from '../../protocols/lmSample.ts';
import { trainLm } from '../../protocols/lmTraining.ts';
import { curveOptimum, type SweepDecay } from '../../protocols/lrSweep.ts';
import { type Control, defineStudy, type MetricSpec, type RegimeCheck, type Series } from '../types.ts';

const Params = z.object({
  /** 'moby-dick' (bundled) or the path of a UTF-8 text file (Node only) */
  corpus: z.string().min(1).default('moby-dick'),
  widths: z.array(z.number().int().min(4).max(1024)).min(3).default([16, 32, 64, 128]),
  heads: z.number().int().min(1).max(16).default(2),
  layers: z.number().int().min(1).max(4).default(1),
  /** tokens read per window (the model's context) */
  seqLen: z.number().int().min(2).max(256).default(16),
  batch: z.number().int().min(1).max(256).default(8),
  steps: z.number().int().min(10).max(20000).default(160),
  /** log₂ of the smallest and largest learning rate; the grid steps by a factor 2 */
  log2LrMin: z.number().int().min(-24).max(4).default(-10),
  log2LrMax: z.number().int().min(-24).max(4).default(-3),
  /** inits (and text streams) per (width, η), averaged geometrically */
  seeds: z.number().int().min(1).max(10).default(1),
  /** inits of the μP sweep at least (each with its own text stream, shared across widths): wider-is-better's paired interval needs ≥ 3 */
  widerInits: z.number().int().min(3).max(10).default(4),
  dtype: z.enum(['f32', 'f64']).default('f32'),
  /** AdamW's decoupled weight decay λ (absent: plain Adam); for the weight-decay × training-length map (Kosson et al. 2025) */
  weightDecay: z.number().min(0).max(10).optional(),
  /** decay by η·λ·θ without μP's per-layer multipliers (the "independent" variant); absent: PyTorch's η·sᵢ·λ·θ */
  independentDecay: z.boolean().optional(),
});
type P = z.output<typeof Params>;

/** The run's weight decay, only where the parameters set it (absent keeps plain Adam and the stored run ids). */
function decayOf(p: P): SweepDecay {
  return { ...(p.weightDecay !== undefined ? { weightDecay: p.weightDecay } : {}), ...(p.independentDecay !== undefined ? { independentDecay: p.independentDecay } : {}) };
}

type PredKey = 'μP η* drift (grid steps)' | 'SP η* drift (grid steps)' | 'SP η* slope in width' | 'μP wider-is-better fraction';

const SCHEMES = ['sp', 'mup'] as const;
type Scheme = (typeof SCHEMES)[number];
const LABEL: Record<Scheme, string> = { sp: 'SP', mup: 'μP' };

const lrGrid = (p: P): number[] => Array.from({ length: p.log2LrMax - p.log2LrMin + 1 }, (_, i) => p.log2LrMin + i);
const sortedWidths = (p: P): number[] => [...p.widths].sort((a, b) => a - b);
const octaves = (p: P): number => {
  const ws = sortedWidths(p);
  return Math.log2(ws[ws.length - 1] / ws[0]);
};

/** One width's sweep of one scheme: at each η the geometric-mean tail loss (+∞ if any init diverged) and each init's log tail loss. */
interface WidthCurve {
  loss: number[];
  /** logs[i][s]: log tail loss of init s at the i-th η (init s reads text stream s at every width: paired) */
  logs: number[][];
  initial: number;
}

/** Inits per (width, η) of a scheme: μP trains at least `widerInits` of them for the paired wider-is-better test. */
const initsOf = (p: P, scheme: Scheme): number => (scheme === 'mup' ? Math.max(p.seeds, p.widerInits) : p.seeds);

const controls: Control<P, PredKey>[] = [
  {
    name: 'SP judged by μP’s criterion',
    description: 'if SP transferred like μP, its optimum would stay within one grid step across widths (drift 0)',
    predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'SP η* drift (grid steps)': pred.scalars['μP η* drift (grid steps)'] } }),
  },
  {
    name: 'η* independent of width under SP',
    description: 'the rival that Adam’s normalized updates already make SP’s optimal learning rate width-independent (slope 0)',
    predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'SP η* slope in width': 0 } }),
  },
];

interface SweepContext {
  p: P;
  train: Int32Array;
  vocab: number;
  rng: import('../../core/random.ts').Rng;
  signal?: AbortSignal;
  /** called after each run */
  onRun: (scheme: Scheme, width: number, log2Lr: number, loss: number) => void;
  /** the lab's text panel: text from the trained model of each (scheme, width, η) at seed 0 */
  sample?: (net: Transformer, label: string) => void;
}

/** Train every (η, seed) run of one width under one scheme. */
function sweepWidth(c: SweepContext, scheme: Scheme, width: number): WidthCurve {
  const { p } = c;
  const ws = sortedWidths(p);
  const inits = initsOf(p, scheme);
  let initial = 0;
  const out: WidthCurve = { loss: [], logs: [], initial: 0 };
  for (const k of lrGrid(p)) {
    const logs: number[] = [];
    for (let s = 0; s < inits; s++) {
      const net = transformer(
        { vocab: c.vocab, context: p.seqLen, dModel: width, heads: p.heads, layers: p.layers, parameterization: scheme, optimizer: 'adam', baseWidth: ws[0], dtype: p.dtype },
        c.rng.child('init', width, s),
      );
      const r = trainLm({ net, train: c.train, optimizer: 'adam', ...decayOf(p), lr: 2 ** k, steps: p.steps, batch: p.batch, seqLen: p.seqLen, rng: c.rng.child('stream', s), signal: c.signal });
      if (s === 0 && !r.diverged) c.sample?.(net, `${LABEL[scheme]} d=${width} η=2^${k}`);
      initial = Math.max(initial, r.initialLoss);
      logs.push(r.diverged ? Number.POSITIVE_INFINITY : Math.log(r.finalLoss));
    }
    const loss = Math.exp(mean(logs));
    out.loss.push(loss);
    out.logs.push(logs);
    c.onRun(scheme, width, k, loss);
  }
  out.initial = initial;
  return out;
}

/**
 * Wider is better, judged per learning rate by a paired test over inits. At each η where no run diverged and
 * each adjacent pair of widths, the rises δ_s = log L(d′, s) − log L(d, s) of the inits s (init s of both widths
 * reads the same text stream, so the batch noise cancels and δ_s carries the init-to-init noise) give a
 * one-sided Student-t bound; η is flagged when the lower bound at level 1 − α is above 0 (the loss rises with
 * width beyond its noise). α = 2·familyLevel / (judged·(W − 1)): by Markov's inequality the chance that two or
 * more η are flagged when wider is never worse is at most E[#flags]/2 ≤ judged·(W − 1)·α/2 = familyLevel, under
 * any dependence between the comparisons (they share inits and streams across η, so they are not independent).
 */
export function widerIsBetter(curves: readonly Pick<WidthCurve, 'loss' | 'logs'>[], familyLevel = 0.05): { fraction: number; judged: number; alpha: number; worst: string } {
  const n = curves[0].loss.length;
  const judgedAt = Array.from({ length: n }, (_, i) => i).filter((i) => curves.every((c) => Number.isFinite(c.loss[i])));
  const judged = judgedAt.length;
  const alpha = (2 * familyLevel) / (judged * (curves.length - 1));
  let ok = 0;
  let worst = '';
  let worstT = Number.NEGATIVE_INFINITY;
  for (const i of judgedAt) {
    let fine = true;
    for (let w = 0; w + 1 < curves.length; w++) {
      const rises = curves[w + 1].logs[i].map((x, s) => x - curves[w].logs[i][s]);
      const iv = tInterval(rises, 1 - 2 * alpha);
      if (iv.lo > 0) fine = false;
      const t = iv.mean / iv.se;
      if (t > worstT) {
        worstT = t;
        worst = `grid point ${i}, widths #${w}→#${w + 1}: mean rise ${(100 * iv.mean).toFixed(1)}% ± ${(100 * iv.se).toFixed(1)}% (t = ${t.toFixed(1)}; flagged above t = ${((iv.mean - iv.lo) / iv.se).toFixed(1)})`;
      }
    }
    if (fine) ok++;
  }
  return { fraction: judged > 0 ? ok / judged : Number.NaN, judged, alpha, worst };
}

export const mupTransformerTransfer = defineStudy<P, PredKey>(Params, {
  id: 'mup-transformer-transfer',
  catalog: 35,
  pillar: 'hyperparameters',
  title: 'μTransfer on transformers: the optimal Adam learning rate is stable across widths under μP and falls as 1/width under SP',
  claim:
    'For character-level transformer language models trained with Adam, the optimal learning rate does not move with the width under μP (and a wider model is no worse at any learning rate), while under the standard parameterization it falls as 1/width.',
  formula: '\\eta^*_{\\mu P}(d)=\\eta^*(d_0),\\qquad \\eta^*_{SP}(d)\\propto d^{-1},\\qquad L_{\\mu P}(d\',\\eta)\\le L_{\\mu P}(d,\\eta)\\ (d\'>d)',
  papers: [
    'Yang, Hu, Babuschkin, Sidor, Liu, Farhi, Ryder, Pachocki, Chen & Gao 2022, Tensor Programs V: tuning large neural networks via zero-shot hyperparameter transfer (arXiv 2203.03466)',
    'Everett et al. 2024, Scaling exponents across parameterizations and optimizers (ICML; arXiv 2407.05872)',
  ],
  core: false,
  quick: { widths: [16, 32, 64], steps: 64, log2LrMin: -9, log2LrMax: -3, widerInits: 3 },
  controls,
  seeds: { default: 1, threshold: 0.8 },

  predict(p) {
    return {
      scalars: {
        'μP η* drift (grid steps)': 0,
        'SP η* drift (grid steps)': octaves(p),
        'SP η* slope in width': -1,
        'μP wider-is-better fraction': 1,
      },
      series: [],
    };
  },

  async measure(p, ctx) {
    if (p.log2LrMax - p.log2LrMin < 4) throw new Error(`log2LrMax − log2LrMin: ${p.log2LrMax - p.log2LrMin}, expected ≥ 4 (a grid of at least 5 learning rates)`);
    const text = await loadStudyText(p.corpus, 100 * p.seqLen);
    const ws = sortedWidths(p);
    const ks = lrGrid(p);
    const total = SCHEMES.length * ws.length * ks.length;
    let done = 0;
    const sweep: SweepContext = {
      p,
      train: text.train,
      vocab: text.vocab,
      rng: ctx.rng,
      signal: ctx.signal,
      onRun: (scheme, width, k, loss) => {
        done++;
        ctx.emit?.({ name: `loss vs lr ${LABEL[scheme]}`, group: `d=${width}`, x: 2 ** k, y: loss });
        ctx.progress(done / total, `${LABEL[scheme]} d=${width} η=2^${k}`);
      },
      sample: ctx.sample
        ? (net, label) => ctx.sample?.(sampleText(net, text.tokenizer, heldOutPrompt(text.tokenizer, text.validation, p.seqLen), 60, { temperature: 0.8, rng: ctx.rng.child('sample', label) }), p.steps, label)
        : undefined,
    };
    const scalars: Record<string, number> = {};
    const series: Series[] = [];
    let initial = 0;
    let widerNote = '';
    for (const scheme of SCHEMES) {
      const curves = ws.map((w) => sweepWidth(sweep, scheme, w));
      const optima = curves.map((c) => curveOptimum(ks, c.loss));
      curves.forEach((c, i) => {
        const w = ws[i];
        const o = optima[i];
        initial = Math.max(initial, c.initial);
        scalars[`${scheme} optimum log2η d=${w}`] = o.log2Lr;
        scalars[`${scheme} optimal loss d=${w}`] = o.index >= 0 ? c.loss[o.index] : Number.NaN;
        scalars[`${scheme} optimum at grid edge d=${w}`] = o.index <= 0 || o.index === ks.length - 1 ? 1 : 0;
        series.push({ name: `loss vs lr ${LABEL[scheme]}`, group: `d=${w}`, kind: 'measured', x: ks.map((k) => 2 ** k), y: c.loss });
      });
      const logOpt = optima.map((o) => o.log2Lr);
      scalars[`${scheme} drift`] = Math.max(...logOpt) - Math.min(...logOpt);
      scalars[`${scheme} slope`] = linearSlope(ws.map(Math.log2), logOpt);
      series.push({ name: 'optimal learning rate', group: LABEL[scheme], kind: 'measured', x: ws, y: logOpt.map((k) => 2 ** k) });
      if (scheme === 'mup') {
        const wib = widerIsBetter(curves);
        scalars['mup wider-is-better fraction'] = wib.fraction;
        scalars['mup wider-is-better judged learning rates'] = wib.judged;
        scalars['mup wider-is-better per-comparison level'] = wib.alpha;
        widerNote = `μP wider-is-better over ${initsOf(p, 'mup')} paired inits, one-sided level ${wib.alpha.toPrecision(2)} per comparison; largest rise: ${wib.worst}.`;
        series.push({ name: 'optimal loss', group: LABEL[scheme], kind: 'measured', x: ws, y: ws.map((w) => scalars[`mup optimal loss d=${w}`]) });
      }
    }
    scalars['initial loss'] = initial;
    scalars.vocabulary = text.vocab;
    // the predicted laws drawn through the base-width optimum of each scheme (η* constant; η* ∝ 1/d)
    const base = (s: Scheme) => 2 ** scalars[`${s} optimum log2η d=${ws[0]}`];
    series.push({ name: 'optimal learning rate', group: 'μP', kind: 'predicted', x: ws, y: ws.map(() => base('mup')) });
    series.push({ name: 'optimal learning rate', group: 'SP', kind: 'predicted', x: ws, y: ws.map((w) => (base('sp') * ws[0]) / w) });
    return { scalars, series, notes: [`Corpus ${text.corpus.name}: ${text.train.length} training characters, vocabulary ${text.vocab}.`, widerNote] };
  },

  compare(pred, meas, p) {
    const s = meas.scalars;
    const q = pred.scalars;
    const ws = sortedWidths(p);
    const oct = octaves(p);
    const judged = s['mup wider-is-better judged learning rates'];
    const range = `${ws[0]}–${ws[ws.length - 1]} (${oct.toFixed(1)} octaves)`;
    const metrics: MetricSpec<PredKey>[] = [
      {
        name: 'μP η* drift (grid steps)',
        value: s['mup drift'],
        criterion: { op: '<=', bound: (q['μP η* drift (grid steps)'] ?? Number.NaN) + 1 },
        reason: `catalog: μP's argmin moves by at most one grid step (a factor 2 in η, the grid's resolution) across widths ${range}; predicted drift 0`,
        prediction: 'μP η* drift (grid steps)',
      },
      {
        name: 'SP η* drift (grid steps)',
        value: s['sp drift'],
        criterion: { op: 'abs', target: q['SP η* drift (grid steps)'] ?? Number.NaN, tol: 1 },
        reason: `SP's argmin drifts by log₂(d_max/d₀) = ${oct.toFixed(1)} grid steps if η* ∝ 1/d; ±1 grid step: each optimum is resolved to about ±½ step`,
        prediction: 'SP η* drift (grid steps)',
      },
      {
        name: 'SP η* slope (log₂ η* on log₂ d)',
        value: s['sp slope'],
        criterion: { op: 'abs', target: q['SP η* slope in width'] ?? Number.NaN, tol: 1 / oct },
        reason: `η* ∝ 1/d under SP with Adam (TP-V Table 3); ±1/log₂(d_max/d₀) = ±${(1 / oct).toFixed(2)}: optima resolved to ±½ grid step at the two ends of ${oct.toFixed(1)} octaves`,
        prediction: 'SP η* slope in width',
      },
      {
        name: 'μP wider-is-better fraction of learning rates',
        value: s['mup wider-is-better fraction'],
        // (q·n − 1)/n, not q − 1/n: for q = 1 this is (n − 1)/n, the same double as the measured fraction (n − 1)/n
        // with one exception, which q − 1/n exceeds by an ulp (6/7 < 1 − 1/7 in floating point)
        criterion: { op: '>=', bound: ((q['μP wider-is-better fraction'] ?? Number.NaN) * judged - 1) / judged },
        reason: `at every learning rate but at most one where no width diverged (${judged} of them), the loss does not rise with width beyond its init-to-init noise: per η and adjacent widths, a one-sided paired Student-t test over ${initsOf(p, 'mup')} inits at level ${s['mup wider-is-better per-comparison level']?.toPrecision(2)} (Markov: two or more noise flags have chance ≤ 5% under any dependence between the comparisons)`,
        prediction: 'μP wider-is-better fraction',
      },
    ];
    const edges = (scheme: Scheme) => ws.filter((w) => s[`${scheme} optimum at grid edge d=${w}`] !== 0);
    const learned = Math.max(...ws.map((w) => s[`mup optimal loss d=${w}`])) / s['initial loss'];
    const regime: RegimeCheck[] = [
      { name: 'μP optima inside the grid', ok: edges('mup').length === 0, detail: edges('mup').length === 0 ? 'interior at every width' : `at a grid edge at d = ${edges('mup').join(', ')} (censored)` },
      { name: 'SP optima inside the grid', ok: edges('sp').length === 0, detail: edges('sp').length === 0 ? 'interior at every width' : `at a grid edge at d = ${edges('sp').join(', ')} (censored)` },
      { name: 'learned', ok: learned < 0.75, value: learned, detail: `μP best loss ≤ ${(100 * learned).toFixed(0)}% of the initial loss (< 75%: the runs trained)` },
    ];
    return { metrics, regime };
  },

  figures: () => [
    {
      id: 'sp',
      title: 'SP: loss against learning rate, by width (the optimum moves left)',
      x: { label: 'learning rate η (Adam)', log: true },
      y: { label: 'training loss (nats/char, last quarter)', log: true },
      series: [{ name: 'loss vs lr SP' }],
    },
    {
      id: 'mup',
      title: 'μP: loss against learning rate, by width (the optimum stays; wider is better)',
      x: { label: 'learning rate η (Adam)', log: true },
      y: { label: 'training loss (nats/char, last quarter)', log: true },
      series: [{ name: 'loss vs lr μP' }],
    },
    {
      id: 'optimum',
      title: 'Optimal learning rate against width',
      x: { label: 'width d', log: true },
      y: { label: 'η*', log: true },
      series: [{ name: 'optimal learning rate' }],
      caption: 'Solid: measured optimum (parabolic vertex around the best grid point). Dashed: μP (constant) and SP (η* ∝ 1/d), drawn from each scheme’s base-width optimum.',
    },
  ],
});

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
 * the smallest width, where the two schemes share their learning rates). Runs of one seed share their
 * text windows across widths, schemes and learning rates (common random numbers).
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
 * width diverged, but at most one (the catalog's "at every η", with one 2-SE noise flip allowed among the
 * comparisons): at each such η the loss does not rise from one width to the next by more than twice the
 * standard error of the two tail means (from the spread of the tail's batch losses, a finite-sample bound).
 *
 * Measured (quick: d = 16, 32, 64, 64 steps, η = 2^−9…2^−3; 24–26 s CPU). Seed 0 / 1: μP drift 0.02 / 0.06
 * grid steps; SP optima 2^−5.2, 2^−5.9, 2^−7.4 / 2^−5.0, 2^−6.0, 2^−7.3, drift 2.19 / 2.35, slope −1.10 / −1.17;
 * μP wider is better at every judged η. Both controls falsified. Default (d = 16…128, 160 steps, η = 2^−10…2^−3;
 * 158 s CPU), seed 0: μP drift 0.17; SP optima 2^−5.5, 2^−6.2, 2^−7.5, 2^−8.8, drift 3.24, slope −1.09; holds.
 * Regime: every optimum lies inside the grid (so it is measured, not censored), and the runs learned
 * (the best loss below 75% of the initial ≈ ln V).
 *
 * Controls. "SP judged by μP's criterion": the prediction that SP's η* also stays put (drift 0 within a
 * grid step) must fail on the measured SP drift. "η* independent of width under SP": the rival slope 0
 * must fail the slope metric.
 */
import { z } from 'zod';
import { linearSlope, mean } from '../../core/stats.ts';
import { type Transformer, transformer } from '../../nn/transformer.ts';
import { heldOutPrompt, sampleText } from '../../protocols/lmSample.ts';
import { trainLm } from '../../protocols/lmTraining.ts';
import { curveOptimum, type SweepDecay } from '../../protocols/lrSweep.ts';
import { loadStudyText } from '../../data/studyText.ts';
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

/** One width's sweep of one scheme: the mean log tail loss and its standard error at each η (+∞ if any seed diverged). */
interface WidthCurve {
  loss: number[];
  se: number[];
  initial: number;
}

/** Standard error of the tail mean of a run's batch losses (the batches are independent draws of text). */
function tailStandardError(curve: readonly number[], tail: number): number {
  const xs = curve.slice(-tail);
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1) / xs.length);
}

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
  const tail = Math.max(1, Math.ceil(0.25 * p.steps));
  let initial = 0;
  const out: WidthCurve = { loss: [], se: [], initial: 0 };
  for (const k of lrGrid(p)) {
    const logs: number[] = [];
    const ses: number[] = [];
    for (let s = 0; s < p.seeds; s++) {
      const net = transformer(
        { vocab: c.vocab, context: p.seqLen, dModel: width, heads: p.heads, layers: p.layers, parameterization: scheme, optimizer: 'adam', baseWidth: ws[0], dtype: p.dtype },
        c.rng.child('init', width, s),
      );
      const r = trainLm({ net, train: c.train, optimizer: 'adam', ...decayOf(p), lr: 2 ** k, steps: p.steps, batch: p.batch, seqLen: p.seqLen, rng: c.rng.child('stream', s), signal: c.signal });
      if (s === 0 && !r.diverged) c.sample?.(net, `${LABEL[scheme]} d=${width} η=2^${k}`);
      initial = Math.max(initial, r.initialLoss);
      logs.push(r.diverged ? Number.POSITIVE_INFINITY : Math.log(r.finalLoss));
      ses.push(r.diverged ? Number.POSITIVE_INFINITY : tailStandardError(r.curve, tail) / r.finalLoss);
    }
    const loss = Math.exp(mean(logs));
    out.loss.push(loss);
    // standard error of the geometric mean, in relative terms, from each run's tail spread
    out.se.push(Math.sqrt(ses.reduce((a, x) => a + x * x, 0)) / p.seeds);
    c.onRun(scheme, width, k, loss);
  }
  out.initial = initial;
  return out;
}

/** Fraction of the learning rates (where no width diverged) at which the loss never rises with width beyond 2 SE. */
function widerIsBetter(curves: readonly WidthCurve[]): { fraction: number; judged: number; worst: string } {
  let judged = 0;
  let ok = 0;
  let worst = '';
  let worstExcess = Number.NEGATIVE_INFINITY;
  const n = curves[0].loss.length;
  for (let i = 0; i < n; i++) {
    if (!curves.every((c) => Number.isFinite(c.loss[i]))) continue;
    judged++;
    let fine = true;
    for (let w = 0; w + 1 < curves.length; w++) {
      const rise = Math.log(curves[w + 1].loss[i] / curves[w].loss[i]);
      const excess = rise - 2 * Math.hypot(curves[w].se[i], curves[w + 1].se[i]);
      if (excess > 0) fine = false;
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = `grid point ${i}, widths #${w}→#${w + 1}: rise ${(100 * rise).toFixed(1)}%`;
      }
    }
    if (fine) ok++;
  }
  return { fraction: judged > 0 ? ok / judged : Number.NaN, judged, worst };
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
  quick: { widths: [16, 32, 64], steps: 64, log2LrMin: -9, log2LrMax: -3 },
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
        series.push({ name: 'optimal loss', group: LABEL[scheme], kind: 'measured', x: ws, y: ws.map((w) => scalars[`mup optimal loss d=${w}`]) });
      }
    }
    scalars['initial loss'] = initial;
    scalars.vocabulary = text.vocab;
    // the predicted laws drawn through the base-width optimum of each scheme (η* constant; η* ∝ 1/d)
    const base = (s: Scheme) => 2 ** scalars[`${s} optimum log2η d=${ws[0]}`];
    series.push({ name: 'optimal learning rate', group: 'μP', kind: 'predicted', x: ws, y: ws.map(() => base('mup')) });
    series.push({ name: 'optimal learning rate', group: 'SP', kind: 'predicted', x: ws, y: ws.map((w) => (base('sp') * ws[0]) / w) });
    return { scalars, series, notes: [`Corpus ${text.corpus.name}: ${text.train.length} training characters, vocabulary ${text.vocab}.`] };
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
        reason: `at every learning rate but at most one where no width diverged (${judged} of them), the loss does not rise with width beyond 2 standard errors of the tail means (finite-sample noise; one exception allowed: the family-wise chance of a 2-SE flip over that many comparisons)`,
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

/**
 * Catalog 19: a Chinchilla-style joint scaling-law fit and compute-optimal allocation on tiny models (the paper's
 * Figure 3; §2.2 joint limits; digest §3.3.1).
 *
 * Claim (Hoffmann et al. 2022, "Training compute-optimal large language models", Approach 3): the final loss of a model
 * family is L(N, D) = E + A/N^α + B/D^β; with compute C ∝ N·D (C = 6ND), minimising L at fixed C gives
 *     N_opt ∝ C^a,  D_opt ∝ C^b,  a = β/(α + β),  b = α/(α + β)   (so a + b = 1 identically),
 * and the law fitted on a grid of (N, D) predicts held-out runs and the best allocation of each compute budget.
 *
 * Model family (a deviation from the catalog's MLPs, for a solvable one): two-layer networks whose first layer is a
 * fixed random projection, f(x) = θᵀF_{:, :N}ᵀx/√N, with the N readout weights trained to convergence ("fixed epochs":
 * training cost ∝ N·D) with a per-point optimally tuned ridge (the value on a log grid that minimises the population
 * loss, as the theory assumes), on D samples of the power-law Gaussian teacher task of
 * study 18 (λ_i = i^{−(1+α)}, α = 1, w_i = ±1, label noise σ, so E = σ²). Samples are drawn exactly from the joint
 * Gaussian law of (features, label) (src/data/gaussianRandomFeatures.ts); the loss is the exact population loss.
 * Averaged over seeds (fresh F, teacher signs and data). Why not SGD or MLPs: one-pass SGD on this family gives a
 * max-like loss, L ≈ max(A/N, B/√D) (modes are cut at min(N, √(ηt))), which the additive Chinchilla form misfits by
 * ≈ 20% near the compute-optimal ridge (measured while designing this study); a fully trained two-layer net represents
 * a linear teacher exactly at any width ≥ 2, so width would not matter. The tuned-ridge family is additive to ≈ 4%
 * (by its deterministic equivalent).
 *
 * Prediction (first principles): the deterministic equivalent of random-feature ridge regression (study 18;
 * src/theory/randomFeatures.ts) with the same ridge grid gives L(N, D) on the same grid; fitting the same law to it
 * gives the predicted exponents and a. Asymptotically L depends on N and D nearly symmetrically, through min(N, D)
 * (Maloney et al. 2022's duality; exact without label noise), so α_N ≈ β ≈ α and a ≈ b ≈ 1/2: a constant number of
 * samples per parameter (the equivalent gives a ≈ 0.49 on the default grid).
 *
 * Fit: src/theory/fit fitChinchilla (Huber δ = 1e-3 on log residuals, L-BFGS from a grid of starts; Besiroglu et al.
 * 2024) on all grid points but a held-out fifth ((i + 2j) mod 5 = 0), with a case-resampling bootstrap for intervals.
 * Brute force: the isoFLOP profiles (grid points with equal N·D; Hoffmann et al. Approach 2), the minimum refined by a
 * parabola in ln N through the three points around it; budgets whose minimum sits at an end are unresolved.
 *
 * Pass (catalog, with the noise made explicit): (1) held-out points predicted within 5%, or within 3 standard errors
 * of the seed mean where the measurement itself is noisier than 5% (one draw of the random features moves a point by
 * 15–45% and moves a whole row of the grid together; no fit can be judged more finely than its data; 3 rather than 2
 * SE because the worst of ≈ 11 held-out points is judged, a family-wise rate of a few %): the metric is
 * max over held-out points of |relative error| / max(5%, 3 SE) ≤ 1;
 * (2) the fitted N_opt(C) within a factor 2 of the brute-force optimum at every resolved budget (|log₂ ratio| ≤ 1);
 * (3) added: the fitted a within ±0.1 of the deterministic equivalent's a (bootstrap intervals are ≈ ±0.05; the
 * equivalent is itself exact only asymptotically). Reported, not judged (catalog): the fitted tokens-per-parameter
 * ratio D_opt/N_opt. The identity a + b = 1 holds by construction of the fit and is not a test.
 * Regime: ≥ 3 resolved budgets; N and D each span ≥ 1 decade; ≥ 4 seeds (for the standard errors); fit converged.
 * Falsifiability (issue 13): (1) and (2) compare the law fitted to this measurement with the same measurement (the
 * held-out window is 12–40% where the seed SE is large), so they are checks of the fitting procedure (sanity) and
 * do not count toward holds. The judged criterion is (3), a from the first-principles equivalent; a ≈ ½ also follows
 * from the N ↔ D symmetry alone, which is the same theory's asymptote, not a rival. The rivals it must reject are the
 * asymmetric allocations: Kaplan et al. 2020's a = 0.73 and its mirror a = 0.27 (controls, both falsified). Detection
 * power (quick, seed 0): 14% on a (before: no metric named its predicted scalar).
 */
import { z } from 'zod';
import { mean, variance } from '../core/stats.ts';
import { makeGaussianRandomFeatures, populationLossOf, ridgePath, sampleGaussianRandomFeatures } from '../data/gaussianRandomFeatures.ts';
import { throwIfAborted } from '../nn/train.ts';
import { type ChinchillaFit, computeOptimalAllocation, fitChinchilla, predictChinchilla } from '../theory/fit/index.ts';
import { randomFeatureTheory } from '../theory/randomFeatures.ts';
import { defineStudy, type MetricSpec, type Observations, type RegimeCheck, type Scalars, type Series } from './types.ts';

const Params = z.object({
  /** spectral exponent α in λ_i ∝ i^{−(1+α)} */
  alpha: z.number().positive().max(4).default(1),
  /** input dimension d */
  d: z.number().int().min(64).max(32768).default(8192),
  /** model sizes N (readout parameters); use a geometric grid with the same ratio as dataSizes */
  widths: z.array(z.number().int().min(1).max(1024)).min(3).default([8, 16, 32, 64, 128, 256]),
  /** data sizes D (training samples) */
  dataSizes: z.array(z.number().int().min(2).max(16384)).min(3).default([16, 32, 64, 128, 256, 512, 1024, 2048, 4096]),
  /** label-noise standard deviation σ (E = σ²) */
  noise: z.number().min(0).max(10).default(0.1),
  /** independent draws averaged per grid point */
  seeds: z.number().int().min(1).max(100).default(16),
  /** ridge grid (tuned per point): `ridgeCount` log-spaced values in [ridgeMin, ridgeMax] */
  ridgeMin: z.number().positive().default(1e-7),
  ridgeMax: z.number().positive().default(10),
  ridgeCount: z.number().int().min(3).max(60).default(25),
  /** bootstrap resamples of the fit */
  bootstrap: z.number().int().min(0).max(2000).default(200),
  /** initialisation grid of the fit: 'paper' (4500 starts) or 'small' (162) */
  fitGrid: z.enum(['paper', 'small']).default('paper'),
});
type P = z.infer<typeof Params>;

const sorted = (v: number[]) => [...v].sort((a, b) => a - b);
const isHeldOut = (i: number, j: number) => (i + 2 * j) % 5 === 0;

function ridgeGrid(p: P): number[] {
  const a = Math.log(p.ridgeMin);
  const b = Math.log(p.ridgeMax);
  return Array.from({ length: p.ridgeCount }, (_, i) => Math.exp(a + ((b - a) * i) / (p.ridgeCount - 1)));
}

interface Budget {
  /** C = 6ND */
  flops: number;
  /** indices into widths along the isoFLOP profile, ascending N */
  points: { i: number; j: number }[];
}

/** Grid points with equal N·D (at least three), ascending C. */
function isoFlopBudgets(Ns: number[], Ds: number[]): Budget[] {
  const groups = new Map<number, { i: number; j: number }[]>();
  Ns.forEach((N, i) =>
    Ds.forEach((D, j) => {
      const key = N * D;
      const g = groups.get(key) ?? [];
      g.push({ i, j });
      groups.set(key, g);
    }),
  );
  return [...groups.entries()]
    .filter(([, pts]) => pts.length >= 3)
    .map(([key, pts]) => ({ flops: 6 * key, points: pts.sort((a, b) => a.i - b.i) }))
    .sort((a, b) => a.flops - b.flops);
}

/** Brute-force optimum along an isoFLOP profile: parabola in ln N through the minimum and its neighbours; null at an end. */
export function bruteForceOptimum(Ns: number[], losses: number[]): number | null {
  let k = 0;
  for (let q = 1; q < losses.length; q++) if (losses[q] < losses[k]) k = q;
  if (k === 0 || k === losses.length - 1) return null;
  const x = [Math.log(Ns[k - 1]), Math.log(Ns[k]), Math.log(Ns[k + 1])];
  const y = [Math.log(losses[k - 1]), Math.log(losses[k]), Math.log(losses[k + 1])];
  // vertex of the parabola through three points
  const d1 = (y[1] - y[0]) / (x[1] - x[0]);
  const d2 = (y[2] - y[1]) / (x[2] - x[1]);
  const curv = (d2 - d1) / (x[2] - x[0]);
  if (!(curv > 0)) return Ns[k];
  const vertex = 0.5 * (x[0] + x[1]) - d1 / (2 * curv);
  return Math.exp(Math.min(x[2], Math.max(x[0], vertex)));
}

function fitRows(Ns: number[], Ds: number[], loss: number[][], heldOut: boolean): { N: number; D: number; loss: number }[] {
  const rows: { N: number; D: number; loss: number }[] = [];
  Ns.forEach((N, i) =>
    Ds.forEach((D, j) => {
      if (isHeldOut(i, j) === heldOut) rows.push({ N, D, loss: loss[i][j] });
    }),
  );
  return rows;
}

function theoryGrid(p: P): number[][] {
  const lam = new Float64Array(p.d);
  for (let i = 0; i < p.d; i++) lam[i] = (i + 1) ** -(1 + p.alpha);
  const grid = ridgeGrid(p);
  const s2 = p.noise ** 2;
  return sorted(p.widths).map((N) =>
    sorted(p.dataSizes).map((D) => s2 + Math.min(...grid.map((ridge) => randomFeatureTheory({ eigenvalues: lam, targetPower: lam, features: N, samples: D, ridge, noise: s2 }).excessLoss))),
  );
}

function frontierSeries(fit: Pick<ChinchillaFit, 'E' | 'A' | 'B' | 'alpha' | 'beta'>, budgets: Budget[], group: string, kind: Series['kind']): Series {
  const x = budgets.map((b) => b.flops);
  return { name: 'compute-optimal N', group, kind, x, y: x.map((c) => computeOptimalAllocation(fit, c).N) };
}

/** The keys of `predict`'s scalars: the exponents and allocation of the law fitted to the deterministic equivalent. */
type PredKey = 'a (N_opt ∝ C^a)' | 'b (D_opt ∝ C^b)' | 'alpha (N exponent)' | 'beta (D exponent)' | 'E' | 'tokens per parameter at the largest budget' | 'asymptotic a';

export const chinchillaComputeOptimal = defineStudy<P, PredKey>(Params, {
  id: 'chinchilla-compute-optimal',
  catalog: 19,
  pillar: 'laws',
  title: 'Chinchilla joint fit and compute-optimal allocation on tiny models',
  claim:
    'A fitted L(N, D) = E + A/N^α + B/D^β predicts held-out runs of a model family and the compute-optimal model size N_opt ∝ C^{β/(α+β)} found by brute force, with the exponent the deterministic equivalent predicts.',
  formula: 'L(N,D)=E+\\frac{A}{N^{\\alpha}}+\\frac{B}{D^{\\beta}},\\qquad N_{\\rm opt}\\propto C^{a},\\ D_{\\rm opt}\\propto C^{b},\\ a=\\frac{\\beta}{\\alpha+\\beta},\\ b=\\frac{\\alpha}{\\alpha+\\beta},\\ C=6ND',
  papers: [
    'Hoffmann et al. 2022, Training compute-optimal large language models (NeurIPS; arXiv 2203.15556)',
    'Besiroglu, Erdil, Barnett & You 2024, Chinchilla scaling: a replication attempt (arXiv 2404.10102)',
    'Kaplan et al. 2020, Scaling laws for neural language models (arXiv 2001.08361)',
    'Maloney, Roberts & Sully 2022, A solvable model of neural scaling laws (arXiv 2210.16859)',
    'Bordelon, Atanasov & Pehlevan 2024, A dynamical model of neural scaling laws (ICML; arXiv 2402.01092)',
  ],
  core: false,
  quick: { d: 4096, widths: [8, 16, 32, 64, 128], dataSizes: [16, 32, 64, 128, 256, 512, 1024, 2048], seeds: 12, ridgeCount: 18, bootstrap: 100, fitGrid: 'small' },
  controls: [
    {
      name: 'Kaplan et al. 2020 allocation (a = 0.73)',
      description: 'the pre-Chinchilla rule N_opt ∝ C^0.73 (Kaplan et al. 2020, "Scaling laws for neural language models"): most extra compute into parameters',
      predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'a (N_opt ∝ C^a)': 0.73 } satisfies Scalars<PredKey> }),
    },
    {
      name: 'data-heavy allocation (a = 0.27)',
      description: 'the mirror rival D_opt ∝ C^0.73: a law in which data is the scarcer input, so the symmetric ½ is not assumed',
      predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'a (N_opt ∝ C^a)': 0.27 } satisfies Scalars<PredKey> }),
    },
  ],
  seeds: { default: 5, threshold: 0.5 },

  predict(p): Observations<PredKey> {
    const Ns = sorted(p.widths);
    const Ds = sorted(p.dataSizes);
    const grid = theoryGrid(p);
    const fit = fitChinchilla(fitRows(Ns, Ds, grid, false).concat(fitRows(Ns, Ds, grid, true)), { grid: 'small' });
    const budgets = isoFlopBudgets(Ns, Ds);
    const last = budgets[budgets.length - 1]?.flops ?? 6 * Ns[Ns.length - 1] * Ds[Ds.length - 1];
    const series: Series[] = Ns.map((N, i) => ({ name: 'loss vs D', group: `N=${N}`, kind: 'predicted' as const, x: Ds, y: grid[i] }));
    series.push(frontierSeries(fit, budgets, 'deterministic equivalent', 'predicted'));
    return {
      scalars: {
        'a (N_opt ∝ C^a)': fit.computeOptimal.a,
        'b (D_opt ∝ C^b)': fit.computeOptimal.b,
        'alpha (N exponent)': fit.alpha,
        'beta (D exponent)': fit.beta,
        E: fit.E,
        'tokens per parameter at the largest budget': computeOptimalAllocation(fit, last).tokensPerParameter,
        'asymptotic a': 0.5,
      },
      series,
    };
  },

  measure(p, ctx) {
    const Ns = sorted(p.widths);
    const Ds = sorted(p.dataSizes);
    const M = Ns[Ns.length - 1];
    const Dmax = Ds[Ds.length - 1];
    const ridges = ridgeGrid(p);
    const per: number[][][] = Ns.map(() => Ds.map(() => []));
    for (let seed = 0; seed < p.seeds; seed++) {
      throwIfAborted(ctx.signal);
      const rng = ctx.rng.child('seed', seed);
      const pb = makeGaussianRandomFeatures(p.d, p.alpha, M, p.noise, rng.child('model'));
      const { r, y } = sampleGaussianRandomFeatures(pb, Dmax, rng.child('data'));
      Ns.forEach((N, i) => {
        Ds.forEach((D, j) => {
          const thetas = ridgePath(pb, r, y, N, D, ridges);
          per[i][j].push(Math.min(...thetas.map((th) => populationLossOf(pb, N, th))));
        });
        Ds.forEach((D, j) => ctx.emit?.({ name: 'loss vs D', group: `N=${N}`, x: D, y: mean(per[i][j]) }));
      });
      ctx.progress((seed + 1) / (p.seeds + 1), `seed ${seed + 1}/${p.seeds}`);
    }
    const meanLoss = per.map((row) => row.map(mean));
    // standard error of each mean (NaN for a single seed)
    const se = per.map((row) => row.map((v) => Math.sqrt(variance(v) / v.length)));
    ctx.progress(p.seeds / (p.seeds + 1), 'fitting the law');
    const fit = fitChinchilla(fitRows(Ns, Ds, meanLoss, false), { grid: p.fitGrid, bootstrap: p.bootstrap, seed: 0 });
    const scalars: Record<string, number> = {
      E: fit.E,
      A: fit.A,
      B: fit.B,
      'alpha (N exponent)': fit.alpha,
      'beta (D exponent)': fit.beta,
      'a (N_opt ∝ C^a)': fit.computeOptimal.a,
      'b (D_opt ∝ C^b)': fit.computeOptimal.b,
      'a + b': fit.computeOptimal.a + fit.computeOptimal.b,
      'a: 95% interval low': fit.computeOptimalCi.a?.[0] ?? Number.NaN,
      'a: 95% interval high': fit.computeOptimalCi.a?.[1] ?? Number.NaN,
      'fit RMS log residual': fit.rmseLog,
      'fit converged': fit.converged ? 1 : 0,
    };
    // held-out prediction
    let worstRatio = 0;
    let worstErr = 0;
    let sq = 0;
    let nHeld = 0;
    Ns.forEach((N, i) =>
      Ds.forEach((D, j) => {
        if (!isHeldOut(i, j)) return;
        const err = Math.abs(predictChinchilla(fit, N, D) / meanLoss[i][j] - 1);
        const allowance = Math.max(0.05, Number.isFinite(se[i][j]) ? (3 * se[i][j]) / meanLoss[i][j] : 0.05);
        worstRatio = Math.max(worstRatio, err / allowance);
        worstErr = Math.max(worstErr, err);
        sq += err * err;
        nHeld++;
      }),
    );
    scalars['held-out: worst error / max(5%, 3 SE)'] = worstRatio;
    scalars['held-out: worst relative error'] = worstErr;
    scalars['held-out: RMS relative error'] = Math.sqrt(sq / nHeld);
    scalars['held-out points'] = nHeld;
    // brute-force compute-optimal N per isoFLOP budget vs the fit
    const budgets = isoFlopBudgets(Ns, Ds);
    const resolved: { flops: number; brute: number; fitted: number }[] = [];
    const series: Series[] = [];
    for (const b of budgets) {
      const pNs = b.points.map((q) => Ns[q.i]);
      const losses = b.points.map((q) => meanLoss[q.i][q.j]);
      const g = `C=${b.flops.toExponential(1)}`;
      series.push({ name: 'isoFLOP loss vs N', group: g, kind: 'measured', x: pNs, y: losses });
      series.push({ name: 'isoFLOP loss vs N', group: g, kind: 'predicted', x: pNs, y: pNs.map((N) => predictChinchilla(fit, N, b.flops / (6 * N))) });
      const brute = bruteForceOptimum(pNs, losses);
      if (brute !== null) resolved.push({ flops: b.flops, brute, fitted: computeOptimalAllocation(fit, b.flops).N });
    }
    let worstLog2 = 0;
    for (const q of resolved) worstLog2 = Math.max(worstLog2, Math.abs(Math.log2(q.fitted / q.brute)));
    scalars['resolved budgets'] = resolved.length;
    scalars['compute-optimal N: worst |log2(fit / brute force)|'] = resolved.length > 0 ? worstLog2 : Number.NaN;
    const last = budgets[budgets.length - 1]?.flops ?? 6 * M * Dmax;
    scalars['tokens per parameter at the largest budget'] = computeOptimalAllocation(fit, last).tokensPerParameter;
    series.push({ name: 'compute-optimal N', group: 'brute force', kind: 'measured', x: resolved.map((q) => q.flops), y: resolved.map((q) => q.brute) });
    series.push(frontierSeries(fit, budgets, 'Chinchilla fit', 'predicted'));
    Ns.forEach((N, i) => series.push({ name: 'loss vs D', group: `N=${N}`, kind: 'measured', x: Ds, y: meanLoss[i] }));
    ctx.progress(1, 'done');
    const notes = [
      `Fit: E = ${fit.E.toPrecision(3)}, A = ${fit.A.toPrecision(3)}, α = ${fit.alpha.toFixed(3)}, B = ${fit.B.toPrecision(3)}, β = ${fit.beta.toFixed(3)}; a = ${fit.computeOptimal.a.toFixed(3)} (95% bootstrap interval ${fit.computeOptimalCi.a ? `[${fit.computeOptimalCi.a[0].toFixed(3)}, ${fit.computeOptimalCi.a[1].toFixed(3)}]` : 'n/a'}), b = ${fit.computeOptimal.b.toFixed(3)}.`,
      ...fit.warnings.map((w) => `Fit warning: ${w}`),
    ];
    return { scalars, series, notes };
  },

  compare(pred, meas, p) {
    const s = meas.scalars;
    const Ns = sorted(p.widths);
    const Ds = sorted(p.dataSizes);
    const metrics: MetricSpec<PredKey>[] = [
      {
        name: 'held-out points: worst |error| / max(5%, 3 SE)',
        value: s['held-out: worst error / max(5%, 3 SE)'],
        criterion: { op: '<=', bound: 1 },
        sanity: true,
        reason: `a check of the fitting procedure (the law fitted to this measurement, not a prediction; its window is 12–40% where the SE is large): catalog: held-out grid points predicted within 5%, widened to 3 standard errors of the ${p.seeds}-seed mean where the measurement is noisier than that (worst raw error ${(100 * s['held-out: worst relative error']).toFixed(1)}%, RMS ${(100 * s['held-out: RMS relative error']).toFixed(1)}%)`,
      },
      {
        name: 'compute-optimal N: worst |log₂(fitted / brute force)|',
        value: s['compute-optimal N: worst |log2(fit / brute force)|'],
        criterion: { op: '<=', bound: 1 },
        reason: 'a check of the fitting procedure (fit and brute force both read this measurement): catalog: the fitted N_opt(C) within a factor of 2 of the brute-force isoFLOP optimum at every resolved budget',
        sanity: true,
      },
      {
        name: 'fitted a vs the deterministic equivalent',
        value: s['a (N_opt ∝ C^a)'],
        criterion: { op: 'abs', target: pred.scalars['a (N_opt ∝ C^a)'] ?? Number.NaN, tol: 0.1 },
        reason: 'added: the first-principles exponent (the same law fitted to the deterministic equivalent on the same grid); ±0.1 covers the ≈ ±0.05 bootstrap interval and the equivalent’s finite-size error',
        prediction: 'a (N_opt ∝ C^a)',
      },
    ];
    const spanN = Math.log10(Ns[Ns.length - 1] / Ns[0]);
    const spanD = Math.log10(Ds[Ds.length - 1] / Ds[0]);
    const regime: RegimeCheck[] = [
      { name: 'at least 3 isoFLOP budgets with an interior optimum', ok: s['resolved budgets'] >= 3, value: s['resolved budgets'], detail: `${s['resolved budgets']} resolved budgets` },
      { name: 'N and D each span ≥ 1 decade', ok: spanN >= 1 && spanD >= 1, detail: `N: ${spanN.toFixed(2)} decades, D: ${spanD.toFixed(2)} decades` },
      { name: 'enough seeds for standard errors', ok: p.seeds >= 4, detail: `${p.seeds} seeds (≥ 4)` },
      { name: 'the law fit converged', ok: s['fit converged'] === 1, detail: s['fit converged'] === 1 ? 'converged' : 'no L-BFGS start converged' },
    ];
    return { metrics, regime };
  },

  figures: () => [
    {
      id: 'isoflop',
      title: 'IsoFLOP profiles: loss vs model size at fixed compute C = 6ND',
      x: { label: 'model size N (trained parameters)', log: true },
      y: { label: 'test loss', log: true },
      series: [{ name: 'isoFLOP loss vs N' }],
      caption: 'Solid: mean over seeds of tuned-ridge random-feature models. Dashed: the fitted Chinchilla law (held-out points included in the solid curves).',
    },
    {
      id: 'frontier',
      title: 'Compute-optimal model size',
      x: { label: 'compute C = 6ND', log: true },
      y: { label: 'N_opt', log: true },
      series: [{ name: 'compute-optimal N' }],
      caption: 'Solid: brute-force isoFLOP optimum (parabola-refined). Dashed: N_opt(C) from the fitted law and from the law fitted to the deterministic equivalent.',
    },
    {
      id: 'loss-vs-data',
      title: 'Loss vs data at each model size',
      x: { label: 'training samples D', log: true },
      y: { label: 'test loss', log: true },
      series: [{ name: 'loss vs D' }],
      caption: 'Solid: measured (mean over seeds). Dashed: the deterministic equivalent of optimally tuned ridge (no fit).',
    },
  ],
});

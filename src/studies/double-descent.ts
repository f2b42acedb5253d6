/**
 * Catalog 6: double descent of min-norm least squares, and its removal by optimally tuned ridge (§2.1 of the paper;
 * "the framework captures double descent", Belkin et al. 2019; Advani, Saxe & Sompolinsky 2020).
 *
 * Papers. Hastie, Montanari, Rosset & Tibshirani 2022, "Surprises in high-dimensional ridgeless least squares
 * interpolation" (Ann. Statist. 50(2)), Theorem 1 (isotropic case) and the ridge risk of §5; Dobriban & Wager 2018
 * (Ann. Statist. 46(1)); Dicker 2016 (Bernoulli 22(1)) for the optimal ridge λ* = σ²γ/r²; Nakkiran, Venkat, Kakade &
 * Ma 2021, "Optimal regularization can mitigate double descent" (ICLR); Belkin, Hsu, Ma & Mandal 2019 (PNAS).
 *
 * Setting. x ~ N(0, I_p), y = xᵀβ + ε, ‖β‖² = r² (β uniform on the sphere of radius r), Var ε = σ², n = 200 samples,
 * p from 20 to 800 (γ = p/n from 0.1 to 4). Min-norm least squares β̂ = X⁺y: the normal equations (XᵀX)β̂ = Xᵀy for
 * p ≤ n, the dual β̂ = Xᵀ(XXᵀ)⁻¹y for p > n; ridge β̂_λ = (XᵀX/n + λI)⁻¹Xᵀy/n (dual Xᵀ(XXᵀ + nλI)⁻¹y for p > n), both
 * by dense Cholesky solves (src/core/linalg.ts). The features are nested: each seed draws one n × 800 matrix and p
 * uses its first p columns (common random numbers across p: smoother curves, same expectations).
 *
 * Prediction (src/theory/doubleDescent.ts; the risk is the excess test error ‖β̂ − β‖² for isotropic x):
 *   min-norm:  R = σ²γ/(1 − γ) (γ < 1),   R = r²(1 − 1/γ) + σ²/(γ − 1) (γ > 1),   R = ∞ at γ = 1;
 *   ridge:     R(λ) = r²λ²m′(−λ) + σ²γ[m(−λ) − λm′(−λ)], m the Marchenko–Pastur Stieltjes transform, at λ* = σ²γ/r².
 * Asymptotic in n, p → ∞ at fixed γ. For Gaussian X the finite-n expectation is exact and close (reference series):
 * σ²p/(n − p − 1) for p < n − 1 and r²(1 − n/p) + σ²n/(p − n − 1) for p > n + 1 (inverse-Wishart mean).
 *
 * Measured. ‖β̂ − β‖² for min-norm and for ridge at λ*(γ), averaged over `seeds` independent feature matrices X and,
 * on each, `draws` independent (β, ε) pairs (one factorization, several right-hand sides: at γ = 0.85 and 1.15 this
 * cuts the relative spread of a seed's risk from ~29% to ~11%, so 20 seeds give a ~2.5–3% standard error instead
 * of ~6.5%).
 *
 * Pass. The catalog's: the measured min-norm risk is within 10% of the formula for every grid γ with |γ − 1| > 0.1
 * (decided on the integers, 10|p − n| > n: in floats γ = 1.1 passed the test and γ = 0.9 did not). "The formula" is
 * judged at the run's n, i.e. the finite-n expectation above, not its n → ∞ limit: at γ = 0.85 the asymptotic value
 * is 3.4% below it (O(1/(n|1 − γ|))), which left the 10% only ≈ 2.3 standard errors of a 20-seed mean at the
 * grid's nearest points (the quick and default profiles were falsified at seed 9 this way, 12.8% at γ = 0.85 of
 * which 3.4% is this bias); against the finite-n expectation 10% is ≈ 3.5 standard errors, the asymptotic formula is
 * still drawn, and the σ² = 0 control is the finite-n bias-only risk;
 * the measured peak (the grid γ of largest risk) lies in [0.9, 1.1]; with optimal ridge the peak disappears.
 * Added: the optimal-ridge risk within 10% of its formula at every γ.
 * Deviation: the catalog also asks the optimal-ridge risk to be "non-increasing in p". In this setting (fixed
 * r² = ‖β‖² spread over p coordinates) the theory says the opposite: R*(γ) rises monotonically from 0 (γ → 0) to r²
 * (γ → ∞), because more coefficients must be estimated from the same n samples; the monotonicity theorem of Nakkiran
 * et al. 2021 is in the sample size (R* non-increasing in n at fixed p). So "the peak disappears" is tested as: the
 * measured optimal-ridge risk is monotone non-decreasing in γ (no interior maximum; a decrease between neighbours of
 * at most 3% of the risk allowed for seed noise) and its value at the min-norm peak is below r² (the null predictor).
 */
import { z } from 'zod';
import { matmul, solveSpd } from '../core/linalg.ts';
import { type Mat, transpose } from '../core/mat.ts';
import { throwIfAborted } from '../nn/train.ts';
import { doubleDescent, minNormRisk } from '../theory/doubleDescent.ts';
import { defineStudy, type Figure, type MetricSpec, type Observations, type RegimeCheck, type Scalars, type Series } from './types.ts';

const DEFAULT_PS = [20, 40, 60, 80, 100, 120, 140, 160, 170, 180, 190, 196, 200, 204, 210, 220, 230, 240, 260, 300, 360, 440, 560, 680, 800];

const Params = z.object({
  /** training samples n */
  n: z.number().int().min(10).max(2000).default(200),
  /** feature counts p (γ = p/n) */
  ps: z.array(z.number().int().min(1).max(4000)).min(5).default(DEFAULT_PS),
  /** r² = ‖β‖² */
  signal: z.number().positive().max(100).default(1),
  /** σ², label-noise variance */
  noise: z.number().positive().max(100).default(0.25),
  /** independent feature matrices X */
  seeds: z.number().int().min(2).max(1000).default(20),
  /** (β, ε) pairs per X, solved together (one factorization); the risk of a seed is their mean */
  draws: z.number().int().min(1).max(64).default(8),
});

const gammaOf = (p: number, n: number) => p / n;
/**
 * |γ − 1| ≤ 0.1, the divergence window the min-norm metric skips, decided on the integers (10|p − n| ≤ n): in floats
 * 220/200 − 1 = 0.10000000000000009 > 0.1 while 1 − 180/200 = 0.09999999999999998, so γ = 1.1 was judged and γ = 0.9
 * skipped, and γ = 1.1 sits where the asymptotic formula is 5% below the finite-n expectation.
 */
const nearThreshold = (p: number, n: number) => 10 * Math.abs(p - n) <= n;
/** The prediction's factors on its risk curves (1): the scalars detection power perturbs for the risk metrics. */
const MIN_NORM = 'min-norm risk factor (×)';
const RIDGE = 'optimal-ridge risk factor (×)';
const PEAK = 'interpolation threshold γ';
const NULL_RISK = 'null-predictor risk r²';
/** The keys of `predict`'s scalars: the factors above and the risk curves (and λ*) at each p. */
type PredKey = typeof MIN_NORM | typeof RIDGE | typeof PEAK | typeof NULL_RISK | `min-norm risk@p=${number}` | `optimal-ridge risk@p=${number}` | `optimal ridge λ*@p=${number}`;
const minNormKey = (q: number): PredKey => `min-norm risk@p=${q}`;
const ridgeRiskKey = (q: number): PredKey => `optimal-ridge risk@p=${q}`;

/** The rival that ignores label noise: the min-norm risk at σ² = 0 (bias only; 0 below γ = 1), at the same finite n. */
function noiseIgnored(p: z.infer<typeof Params>, pred: Observations<PredKey>): Observations<PredKey> {
  const scalars = { ...pred.scalars };
  for (const q of p.ps) if (q !== p.n) scalars[minNormKey(q)] = minNormTarget(p.n, q, p.signal, 0);
  return { ...pred, scalars };
}

/** Exact finite-n expected min-norm risk for Gaussian X (inverse-Wishart means); NaN within one of p = n. */
export function finiteSampleMinNormRisk(n: number, p: number, signal: number, noise: number): number {
  if (p < n - 1) return (noise * p) / (n - p - 1);
  if (p > n + 1) return signal * (1 - n / p) + (noise * n) / (p - n - 1);
  return Number.NaN;
}

/**
 * The judged min-norm risk: Hastie et al.'s formula at the sample size of the run, i.e. the exact finite-n expectation
 * for Gaussian X (its n → ∞ limit is the asymptotic formula); the asymptotic value where that is undefined (|p − n| ≤ 1,
 * inside the unjudged window).
 */
function minNormTarget(n: number, p: number, signal: number, noise: number): number {
  const exact = finiteSampleMinNormRisk(n, p, signal, noise);
  return Number.isFinite(exact) ? exact : minNormRisk(gammaOf(p, n), signal, noise);
}

/** First p columns of the row-major n × P matrix x. */
function columns(x: Float64Array, n: number, P: number, p: number): Mat {
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) out.set(x.subarray(i * P, i * P + p), i * p);
  return { rows: n, cols: p, data: out };
}

/**
 * Least squares with ridge λ ≥ 0 (λ = 0: min-norm) for every column of Y (n × k) at once: B̂ = (XᵀX + nλI)⁻¹XᵀY for
 * p ≤ n, Xᵀ(XXᵀ + nλI)⁻¹Y for p > n (the push-through identity; λ = 0, p > n is the min-norm interpolant X⁺Y).
 * Returns B̂ (p × k).
 */
export function leastSquares(X: Mat, Y: Mat, lambda: number): Mat {
  const { rows: n, cols: p } = X;
  if (Y.rows !== n) throw new Error(`leastSquares: Y has ${Y.rows} rows, expected X.rows = ${n}`);
  const Xt = transpose(X);
  if (p <= n) {
    const A = matmul(Xt, X);
    for (let j = 0; j < p; j++) A.data[j * p + j] += n * lambda;
    return solveSpd(A, matmul(Xt, Y));
  }
  const G = matmul(X, Xt);
  for (let i = 0; i < n; i++) G.data[i * n + i] += n * lambda;
  return matmul(Xt, solveSpd(G, Y));
}

export const doubleDescentStudy = defineStudy<z.infer<typeof Params>, PredKey>(Params, {
  id: 'double-descent',
  catalog: 6,
  pillar: 'solvable',
  title: 'Double descent in min-norm least squares',
  claim:
    'The test risk of min-norm least squares on isotropic features follows Hastie et al.’s formula: it diverges at p = n (γ = 1) and descends again for p > n; with the optimally tuned ridge the peak disappears.',
  formula:
    'R(\\gamma)=\\begin{cases}\\sigma^2\\frac{\\gamma}{1-\\gamma}&\\gamma<1\\\\ r^2\\big(1-\\frac1\\gamma\\big)+\\frac{\\sigma^2}{\\gamma-1}&\\gamma>1\\end{cases},\\qquad \\gamma=p/n',
  papers: [
    'Hastie, Montanari, Rosset & Tibshirani 2022, Surprises in high-dimensional ridgeless least squares interpolation (Ann. Statist.)',
    'Belkin, Hsu, Ma & Mandal 2019, Reconciling modern machine-learning practice and the classical bias–variance trade-off (PNAS)',
    'Advani, Saxe & Sompolinsky 2020, High-dimensional dynamics of generalization error in neural networks (Neural Networks)',
    'Dobriban & Wager 2018, High-dimensional asymptotics of prediction: ridge regression and classification (Ann. Statist.)',
    'Nakkiran, Venkat, Kakade & Ma 2021, Optimal regularization can mitigate double descent (ICLR)',
  ],
  core: false,
  quick: { ps: [20, 60, 100, 140, 170, 190, 200, 210, 230, 260, 320, 440, 600, 800] },
  controls: [
    {
      name: 'label noise ignored (σ² = 0)',
      description: 'the bias-only risk r²(1 − 1/γ) for γ > 1 and 0 below: no variance term σ²γ/(1 − γ), so no divergence at γ = 1',
      predict: (p, pred) => noiseIgnored(p, pred),
    },
    {
      name: 'peak at γ = 2',
      description: 'a referee counting the intercept and noise as extra parameters, or the ridge peak of a two-layer random-feature model, placing the peak at p = 2n',
      predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, [PEAK]: 2 } satisfies Scalars<PredKey> }),
    },
  ],
  seeds: { default: 5, threshold: 0.5 },

  predict(p): Observations<PredKey> {
    const ps = [...p.ps].sort((a, b) => a - b);
    const finite = ps.filter((q) => q !== p.n);
    const gammas = finite.map((q) => gammaOf(q, p.n));
    const minNorm = doubleDescent({ gammas, signal: p.signal, noise: p.noise }).risk;
    const allGammas = ps.map((q) => gammaOf(q, p.n));
    const ridge = doubleDescent({ gammas: allGammas, signal: p.signal, noise: p.noise, ridge: 'optimal' });
    const scalars: Scalars<PredKey> = {};
    ps.forEach((q, i) => {
      if (q !== p.n) scalars[minNormKey(q)] = minNormTarget(p.n, q, p.signal, p.noise); // ∞ at p = n
      scalars[ridgeRiskKey(q)] = ridge.risk[i];
      scalars[`optimal ridge λ*@p=${q}` as const] = ridge.ridge[i];
    });
    const exact = finite.filter((q) => Math.abs(q - p.n) > 1);
    const series: Series[] = [
      { name: 'risk (min-norm)', group: 'min-norm', kind: 'predicted', x: gammas, y: minNorm },
      { name: 'risk (min-norm)', group: 'finite-n exact (Gaussian X)', kind: 'reference', x: exact.map((q) => gammaOf(q, p.n)), y: exact.map((q) => finiteSampleMinNormRisk(p.n, q, p.signal, p.noise)) },
      { name: 'risk (optimal ridge)', group: 'optimal ridge', kind: 'predicted', x: allGammas, y: ridge.risk },
    ];
    Object.assign(scalars, { [MIN_NORM]: 1, [RIDGE]: 1, [PEAK]: 1, [NULL_RISK]: p.signal } satisfies Scalars<PredKey>);
    return { scalars, series };
  },

  measure(p, ctx) {
    const ps = [...p.ps].sort((a, b) => a - b);
    const pMax = ps[ps.length - 1];
    const n = p.n;
    const sumMin = new Float64Array(ps.length);
    const sumRidge = new Float64Array(ps.length);
    const sumMinSq = new Float64Array(ps.length);
    for (let s = 0; s < p.seeds; s++) {
      throwIfAborted(ctx.signal);
      const rng = ctx.rng.child('seed', s);
      const x = rng.child('x').fillNormal(new Float64Array(n * pMax));
      const K = p.draws;
      ps.forEach((q, i) => {
        // K pairs (β, ε) on this X: β uniform on the sphere of radius r in ℝ^q, ε ~ N(0, σ²I) (fresh per p)
        const draw = rng.child('targets', q);
        const beta = draw.fillNormal(new Float64Array(q * K)); // column k = β_k (row-major q × K)
        for (let k = 0; k < K; k++) {
          let norm = 0;
          for (let j = 0; j < q; j++) norm += beta[j * K + k] ** 2;
          const scale = Math.sqrt(p.signal / norm);
          for (let j = 0; j < q; j++) beta[j * K + k] *= scale;
        }
        const X = columns(x, n, pMax, q);
        const Y = matmul(X, { rows: q, cols: K, data: beta });
        const eps = draw.fillNormal(new Float64Array(n * K), Math.sqrt(p.noise));
        for (let r = 0; r < n * K; r++) Y.data[r] += eps[r];
        // mean over the K columns of ‖β̂_k − β_k‖²
        const risk = (B: Mat) => {
          let e = 0;
          for (let r = 0; r < q * K; r++) e += (B.data[r] - beta[r]) ** 2;
          return e / K;
        };
        const rMin = risk(leastSquares(X, Y, 0));
        const lambda = (p.noise * gammaOf(q, n)) / p.signal; // λ* = σ²γ/r² (Dicker 2016)
        sumMin[i] += rMin;
        sumMinSq[i] += rMin * rMin;
        sumRidge[i] += risk(leastSquares(X, Y, lambda));
      });
      ctx.progress((s + 1) / p.seeds, `seed ${s + 1}/${p.seeds}`);
    }
    const gammas = ps.map((q) => gammaOf(q, n));
    const minNorm = Array.from(sumMin, (v) => v / p.seeds);
    const ridge = Array.from(sumRidge, (v) => v / p.seeds);
    const scalars: Record<string, number> = {};
    ps.forEach((q, i) => {
      scalars[`min-norm risk@p=${q}`] = minNorm[i];
      scalars[`relative SE of min-norm risk@p=${q}`] = Math.sqrt(Math.max(0, sumMinSq[i] / p.seeds - minNorm[i] ** 2) / (p.seeds - 1)) / minNorm[i];
      scalars[`optimal-ridge risk@p=${q}`] = ridge[i];
    });
    let peak = 0;
    for (let i = 1; i < ps.length; i++) if (minNorm[i] > minNorm[peak]) peak = i;
    scalars['peak γ (min-norm)'] = gammas[peak];
    scalars['optimal-ridge risk at the min-norm peak'] = ridge[peak];
    let drop = 0;
    for (let i = 0; i + 1 < ps.length; i++) drop = Math.max(drop, (ridge[i] - ridge[i + 1]) / ridge[i]);
    scalars['largest relative decrease of the optimal-ridge risk between neighbouring γ'] = drop;
    // the finite-n exact reference, for the notes
    let worstExact = 0;
    ps.forEach((q, i) => {
      const e = finiteSampleMinNormRisk(n, q, p.signal, p.noise);
      if (!nearThreshold(q, n) && Number.isFinite(e)) worstExact = Math.max(worstExact, Math.abs(minNorm[i] / e - 1));
    });
    const series: Series[] = [
      { name: 'risk (min-norm)', group: 'min-norm', kind: 'measured', x: gammas, y: minNorm },
      { name: 'risk (optimal ridge)', group: 'optimal ridge', kind: 'measured', x: gammas, y: ridge },
    ];
    const worstSe = Math.max(...ps.map((q) => (!nearThreshold(q, n) ? scalars[`relative SE of min-norm risk@p=${q}`] : 0)));
    const notes = [
      `Largest relative standard error of the mean min-norm risk over ${p.seeds} seeds at |γ − 1| > 0.1: ${(100 * worstSe).toFixed(1)}%.`,
      `Against the exact finite-n expectation for Gaussian X (inverse-Wishart means) the measured min-norm risk is within ${(100 * worstExact).toFixed(1)}% at |γ − 1| > 0.1; the asymptotic formula differs from it by O(1/(n|1 − γ|)).`,
    ];
    return { scalars, series, notes };
  },

  compare(pred, meas, p) {
    const ps = [...p.ps].sort((a, b) => a - b);
    let worst = 0;
    let at = '';
    let worstRidge = 0;
    let atRidge = '';
    const predicted = (key: PredKey): number => pred.scalars[key] ?? Number.NaN;
    const minNormFactor = predicted(MIN_NORM);
    const ridgeFactor = predicted(RIDGE);
    const peak = predicted(PEAK);
    for (const q of ps) {
      const g = gammaOf(q, p.n);
      const er = Math.abs(meas.scalars[`optimal-ridge risk@p=${q}`] / (ridgeFactor * predicted(ridgeRiskKey(q))) - 1);
      if (!(er <= worstRidge)) {
        worstRidge = er;
        atRidge = `γ = ${g.toFixed(3)}`;
      }
      if (nearThreshold(q, p.n)) continue;
      const e = Math.abs(meas.scalars[`min-norm risk@p=${q}`] / (minNormFactor * predicted(minNormKey(q))) - 1);
      if (!(e <= worst)) {
        worst = e;
        at = `γ = ${g.toFixed(3)} (measured ${meas.scalars[`min-norm risk@p=${q}`].toPrecision(3)}, predicted ${predicted(minNormKey(q)).toPrecision(3)})`;
      }
    }
    const metrics: MetricSpec<PredKey>[] = [
      {
        name: 'max relative error of the min-norm risk, |γ − 1| > 0.1',
        value: worst,
        criterion: { op: '<=', bound: 0.1 },
        reason: 'catalog: within 10% of Hastie et al.’s formula (at this n: the finite-n expectation for Gaussian X, see header), averaged over 20 seeds, away from the divergence',
        description: `worst at ${at}`,
        prediction: MIN_NORM,
      },
      {
        name: 'γ of the measured min-norm peak',
        value: meas.scalars['peak γ (min-norm)'],
        criterion: { op: 'abs', target: peak, tol: 0.1 },
        reason: 'catalog: the risk diverges at γ = 1, so the peak of the measured curve lies in [0.9, 1.1]',
        prediction: PEAK,
      },
      {
        name: 'max relative error of the optimal-ridge risk',
        value: worstRidge,
        criterion: { op: '<=', bound: 0.1 },
        reason: 'added: the Marchenko–Pastur ridge risk at λ* = σ²γ/r², the catalog’s 10%',
        description: `worst at ${atRidge}`,
        prediction: RIDGE,
      },
      {
        name: 'largest decrease of the optimal-ridge risk between neighbouring γ (relative)',
        value: meas.scalars['largest relative decrease of the optimal-ridge risk between neighbouring γ'],
        criterion: { op: '<=', bound: 0.03 },
        reason:
          'catalog (corrected, see header): with optimal ridge the peak disappears: the risk is monotone (non-decreasing) in γ; 3% allowed for seed noise between neighbouring grid points',
        prediction: RIDGE,
      },
      {
        name: 'optimal-ridge risk at the min-norm peak / r²',
        value: meas.scalars['optimal-ridge risk at the min-norm peak'] / p.signal,
        criterion: { op: '<=', bound: predicted(NULL_RISK) / p.signal },
        prediction: NULL_RISK,
        reason: 'added: where min-norm diverges, the tuned ridge does better than the null predictor β̂ = 0 (risk r²)',
      },
    ];
    const gammas = ps.map((q) => gammaOf(q, p.n));
    const regime: RegimeCheck[] = [
      { name: 'enough seeds', ok: p.seeds >= 20, detail: `${p.seeds} seeds (catalog: 20)` },
      { name: 'proportional regime: n large', ok: p.n >= 100, detail: `n = ${p.n} (the formulas are asymptotic in n, p; need n ≥ 100)` },
      {
        name: 'the grid brackets the interpolation threshold',
        ok: ps.some((q) => nearThreshold(q, p.n)) && ps.some((q) => q < p.n && !nearThreshold(q, p.n)) && ps.some((q) => q > p.n && !nearThreshold(q, p.n)),
        detail: `γ from ${gammas[0]} to ${gammas[gammas.length - 1]}, with ${ps.filter((q) => nearThreshold(q, p.n)).length} points in [0.9, 1.1]`,
      },
    ];
    return { metrics, regime };
  },

  figures: (p) => [
    {
      id: 'double-descent',
      title: `Min-norm least squares: test risk vs γ = p/n (n = ${p.n})`,
      x: { label: 'γ = p / n', log: true },
      y: { label: 'risk ‖β̂ − β‖²', log: true },
      series: [{ name: 'risk (min-norm)' }, { name: 'risk (optimal ridge)' }],
      rules: [{ y: p.signal, label: 'r² (null predictor)' }],
      caption:
        'Dashed: Hastie et al. 2022 (min-norm, diverging at γ = 1) and the Marchenko–Pastur ridge risk at λ* = σ²γ/r². Solid: dense least-squares solves, mean over seeds. The finite-n exact Gaussian expectation is drawn as a reference.',
    } satisfies Figure,
  ],
});

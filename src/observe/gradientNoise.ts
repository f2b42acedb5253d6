/**
 * The gradient noise scale (McCandlish, Kaplan, Amodei & OpenAI Dota Team 2018, "An empirical model of
 * large-batch training", arXiv 1812.06162).
 *
 * Set-up and notation (their §2): per-example losses ℓᵢ(θ) of examples drawn i.i.d. from a distribution
 * (a data-generating process, or the empirical distribution of a finite data set when batches are drawn
 * with replacement). G = E[∇ℓᵢ] is the true gradient, Σ = Cov[∇ℓᵢ] = E[(∇ℓᵢ − G)(∇ℓᵢ − G)ᵀ] the
 * per-example gradient covariance, H the Hessian of the mean loss. A minibatch gradient of B examples,
 * G_B = (1/B)Σᵢ∇ℓᵢ, is unbiased with covariance Σ/B, so
 *
 *     E|G_B|² = |G|² + tr Σ / B.                                                   
 *
 * - B_simple = tr Σ / |G|²                                   (McCandlish §2: B_noise when H ∝ I)
 * - B_noise  = tr(HΣ) / (GᵀHG)                               (McCandlish §2: local quadratic model)
 *
 * Two-batch estimator (McCandlish App. A): measure |G_{B_s}|² and |G_{B_b}|² at batch sizes B_s < B_b;
 * solving the two instances of the first identity gives unbiased estimates
 *
 *     |G|²  ≈ (B_b |G_{B_b}|² − B_s |G_{B_s}|²) / (B_b − B_s),
 *     tr Σ  ≈ (|G_{B_s}|² − |G_{B_b}|²) / (1/B_s − 1/B_b).
 *
 * Each is unbiased; their ratio is not, so (as McCandlish recommend) we average the two estimates over
 * many batch pairs before dividing. With few pairs the ratio has a small-sample bias and can even be
 * negative when |G|² is tiny compared with tr Σ / B_b; the standard errors returned say when.
 *
 * The exact version (`perExampleNoiseScale`) computes every per-example gradient of a batch by layer
 * taps (src/core/autodiff.ts perExampleGradients) and forms G and Σ of that batch's empirical
 * distribution (Σ normalized by 1/n, which is what the two-batch estimator targets when batches are drawn
 * with replacement from the same n examples). `curvatureNoiseScale` adds B_noise with exact
 * Hessian-vector products. Both are oracles for the two-batch estimator and instruments in their own right
 * on small problems.
 */
import { flatten, hessianVectorProduct, perExampleGradients, unflatten, valueAndGrad } from '../core/autodiff.ts';
import type { Rng } from '../core/random.ts';
import type { Tensor } from '../core/tensor.ts';

export interface NoiseScale {
  /** estimate of |G|², the squared norm of the true gradient */
  gradNormSq: number;
  /** estimate of tr Σ, the trace of the per-example gradient covariance */
  traceSigma: number;
  /** B_simple = tr Σ / |G|² (McCandlish §2) */
  bSimple: number;
}

export interface BatchNorms {
  bSmall: number;
  /** mean over pairs of |G_{B_s}|² */
  normSqSmall: number;
  bBig: number;
  /** mean over pairs of |G_{B_b}|² */
  normSqBig: number;
}

function checkBatchSizes(fn: string, bSmall: number, bBig: number): void {
  if (!(Number.isFinite(bSmall) && bSmall >= 1)) throw new Error(`${fn}: bSmall must be a batch size ≥ 1, got ${bSmall}`);
  if (!(Number.isFinite(bBig) && bBig > bSmall)) throw new Error(`${fn}: bBig must be a batch size > bSmall = ${bSmall}, got ${bBig}`);
}

/**
 * The two-batch estimates of |G|², tr Σ and B_simple from squared minibatch-gradient norms at two
 * batch sizes (McCandlish et al. 2018, App. A; the formulas of the module comment). Exact when the
 * norms equal their expectations |G|² + tr Σ/B.
 */
export function noiseScaleFromNorms(m: BatchNorms): NoiseScale {
  checkBatchSizes('noiseScaleFromNorms', m.bSmall, m.bBig);
  for (const [k, v] of [
    ['normSqSmall', m.normSqSmall],
    ['normSqBig', m.normSqBig],
  ] as const) {
    if (!(Number.isFinite(v) && v >= 0)) throw new Error(`noiseScaleFromNorms: ${k} must be a finite squared norm ≥ 0, got ${v}`);
  }
  const gradNormSq = (m.bBig * m.normSqBig - m.bSmall * m.normSqSmall) / (m.bBig - m.bSmall);
  const traceSigma = (m.normSqSmall - m.normSqBig) / (1 / m.bSmall - 1 / m.bBig);
  return { gradNormSq, traceSigma, bSimple: traceSigma / gradNormSq };
}

export interface TwoBatchOptions {
  bSmall: number;
  bBig: number;
  /** number of independent (small, big) batch pairs averaged before the ratio (≥ 2 for standard errors) */
  pairs: number;
  /** batch j of size B uses rng.child(j, 'small' | 'big') */
  rng: Rng;
}

export interface TwoBatchNoiseScale extends NoiseScale, BatchNorms {
  pairs: number;
  /** standard error of the pair-averaged |G|² estimate (NaN with one pair) */
  gradNormSqStderr: number;
  /** standard error of the pair-averaged tr Σ estimate (NaN with one pair) */
  traceSigmaStderr: number;
}

function normSq(blocks: ArrayLike<number>[]): number {
  let s = 0;
  for (const b of blocks) for (let i = 0; i < b.length; i++) s += b[i] * b[i];
  return s;
}

function meanAndStderr(xs: number[]): [number, number] {
  const n = xs.length;
  const m = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return [m, Number.NaN];
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1);
  return [m, Math.sqrt(v / n)];
}

/**
 * The two-batch estimator at the current parameters. `batchLoss(size, rng)` must build the mean loss
 * over `size` examples drawn i.i.d. (with replacement from a finite set, or fresh from a generator) using
 * `rng`, as a graph on `params`. Parameters are not changed.
 */
export function gradientNoiseScale(batchLoss: (size: number, rng: Rng) => Tensor, params: Tensor[], opts: TwoBatchOptions): TwoBatchNoiseScale {
  checkBatchSizes('gradientNoiseScale', opts.bSmall, opts.bBig);
  if (!Number.isInteger(opts.bSmall) || !Number.isInteger(opts.bBig)) throw new Error(`gradientNoiseScale: batch sizes must be integers, got bSmall = ${opts.bSmall}, bBig = ${opts.bBig}`);
  if (!(Number.isInteger(opts.pairs) && opts.pairs >= 1)) throw new Error(`gradientNoiseScale: pairs must be an integer ≥ 1, got ${opts.pairs}`);
  const small: number[] = [];
  const big: number[] = [];
  const gEst: number[] = [];
  const sEst: number[] = [];
  for (let j = 0; j < opts.pairs; j++) {
    const s = normSq(valueAndGrad(() => batchLoss(opts.bSmall, opts.rng.child(j, 'small')), params).grads);
    const b = normSq(valueAndGrad(() => batchLoss(opts.bBig, opts.rng.child(j, 'big')), params).grads);
    small.push(s);
    big.push(b);
    // per-pair estimates (each unbiased), used for the standard errors of the averages
    const e = noiseScaleFromNorms({ bSmall: opts.bSmall, normSqSmall: s, bBig: opts.bBig, normSqBig: b });
    gEst.push(e.gradNormSq);
    sEst.push(e.traceSigma);
  }
  const norms: BatchNorms = { bSmall: opts.bSmall, normSqSmall: meanAndStderr(small)[0], bBig: opts.bBig, normSqBig: meanAndStderr(big)[0] };
  // The estimators are linear in the norms, so the estimate from the averaged norms equals the average of
  // the per-pair estimates; the ratio is taken only after averaging (McCandlish App. A).
  const est = noiseScaleFromNorms(norms);
  return { ...norms, ...est, pairs: opts.pairs, gradNormSqStderr: meanAndStderr(gEst)[1], traceSigmaStderr: meanAndStderr(sEst)[1] };
}

export interface ExactNoiseScale extends NoiseScale {
  examples: number;
  /** G, the mean of the per-example gradients (flat, parameter order) */
  meanGrad: Float64Array;
  /** the per-example gradients (flat) */
  perExample: Float64Array[];
}

/**
 * Exact G, tr Σ and B_simple of the empirical distribution of one batch: `perExampleLoss()` builds the
 * vector of the `examples` per-example losses ℓᵢ (shape [n] or [n, 1]) on `params`; the gradients ∇ℓᵢ
 * come from per-example gradients by layer taps. Σ uses the 1/n normalization (the batch's empirical
 * distribution): tr Σ = (1/n)Σᵢ|∇ℓᵢ|² − |G|².
 */
export function perExampleNoiseScale(perExampleLoss: () => Tensor, params: Tensor[], examples: number): ExactNoiseScale {
  if (!(Number.isInteger(examples) && examples >= 1)) throw new Error(`perExampleNoiseScale: examples must be an integer ≥ 1, got ${examples}`);
  const rows = perExampleGradients(perExampleLoss, params, examples);
  const P = rows[0].length;
  const G = new Float64Array(P);
  for (const r of rows) for (let j = 0; j < P; j++) G[j] += r[j];
  for (let j = 0; j < P; j++) G[j] /= examples;
  const gradNormSq = normSq([G]);
  // tr Σ = E|g|² − |E g|², computed from the centred rows to avoid cancellation when |G|² ≫ tr Σ
  let traceSigma = 0;
  for (const r of rows) for (let j = 0; j < P; j++) traceSigma += (r[j] - G[j]) ** 2;
  traceSigma /= examples;
  return { examples, gradNormSq, traceSigma, bSimple: traceSigma / gradNormSq, meanGrad: G, perExample: rows };
}

export interface CurvatureNoiseScale extends ExactNoiseScale {
  /** GᵀHG */
  gHg: number;
  /** tr(HΣ) (exact over all examples, or estimated from `hvpExamples` of them) */
  traceHSigma: number;
  /** B_noise = tr(HΣ)/(GᵀHG) (McCandlish §2) */
  bNoise: number;
}

/**
 * B_simple and B_noise of one batch's empirical distribution. `meanLoss()` is the mean of the same
 * per-example losses (the Hessian H is that of the mean loss). tr(HΣ) = (1/n)Σᵢ dᵢᵀH dᵢ with
 * dᵢ = ∇ℓᵢ − G costs one Hessian-vector product per example; with `hvpExamples` < n only the first
 * `hvpExamples` deviations are used (an unbiased estimate when the examples are exchangeable).
 */
export function curvatureNoiseScale(perExampleLoss: () => Tensor, meanLoss: () => Tensor, params: Tensor[], examples: number, hvpExamples = examples): CurvatureNoiseScale {
  if (!(Number.isInteger(hvpExamples) && hvpExamples >= 1 && hvpExamples <= examples)) {
    throw new Error(`curvatureNoiseScale: hvpExamples must be an integer in [1, ${examples}], got ${hvpExamples}`);
  }
  const exact = perExampleNoiseScale(perExampleLoss, params, examples);
  const G = exact.meanGrad;
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let j = 0; j < a.length; j++) s += a[j] * b[j];
    return s;
  };
  const hv = (v: Float64Array) => flatten(hessianVectorProduct(meanLoss, params, unflatten(v, params)).hvp);
  const gHg = dot(G, hv(G));
  let traceHSigma = 0;
  const d = new Float64Array(G.length);
  for (let i = 0; i < hvpExamples; i++) {
    const r = exact.perExample[i];
    for (let j = 0; j < d.length; j++) d[j] = r[j] - G[j];
    traceHSigma += dot(d, hv(d));
  }
  traceHSigma /= hvpExamples;
  return { ...exact, gHg, traceHSigma, bNoise: traceHSigma / gHg };
}

/**
 * Synthetic sequence tasks for studying in-context mechanisms in small transformers. Browser-safe,
 * seeded by the caller's Rng.
 *
 * (a) Repeated random tokens (Olsson et al. 2022, "In-context learning and induction heads", §2 and their
 *     "repeated random tokens" evaluation): a uniformly random prefix of n tokens from a vocabulary of V,
 *     written 1 + repeats times. Tokens in the first copy are unpredictable; every token of a repeat can
 *     be copied from n positions back, which is what an induction head does ([A][B] … [A] → [B]).
 * (b) In-context linear regression (Garg, Tsipras, Liang & Valiant 2022, "What can transformers learn
 *     in-context? A case study of simple function classes"): per sequence w ~ N(0, I_d/d),
 *     x_i ~ N(0, I_d), y_i = w·x_i + σ ε_i. The Bayes-optimal predictor under this prior is the posterior
 *     mean, i.e. ridge regression with λ = σ²·d (min-norm least squares when σ = 0).
 */
import type { Mat } from '../core/mat.ts';
import type { Rng } from '../core/random.ts';
import { solveSpd } from '../core/linalg.ts';
import { checkInt, checkNumber } from './validate.ts';

export interface InductionParams {
  /** Vocabulary size V ≥ 2. */
  vocabSize: number;
  /** Prefix length n ≥ 2. */
  prefixLength: number;
  /** Extra copies of the prefix (default 1: the prefix appears twice), ≥ 1. */
  repeats?: number;
  /** Sample the prefix without replacement (needs n ≤ V), so that every copy is unambiguous (default false). */
  distinct?: boolean;
}

export interface InductionBatch {
  /** Row-major [batchSize, seqLen]: prefix, then `repeats` copies of it. */
  tokens: Int32Array;
  batchSize: number;
  /** (1 + repeats)·prefixLength. */
  seqLen: number;
  prefixLength: number;
}

function checkInduction(fn: string, p: InductionParams): Required<InductionParams> {
  const vocabSize = checkInt(fn, 'vocabSize', p.vocabSize, 2);
  const prefixLength = checkInt(fn, 'prefixLength', p.prefixLength, 2);
  const repeats = checkInt(fn, 'repeats', p.repeats ?? 1, 1);
  const distinct = p.distinct ?? false;
  if (distinct && prefixLength > vocabSize) {
    throw new Error(`${fn}: prefixLength must be <= vocabSize (${vocabSize}) when distinct is true, got ${prefixLength}`);
  }
  return { vocabSize, prefixLength, repeats, distinct };
}

/** `batchSize` independent repeated-random-token sequences. Train with next-token targets tokens[:, 1:]. */
export function sampleInductionBatch(params: InductionParams, batchSize: number, rng: Rng): InductionBatch {
  const fn = 'sampleInductionBatch';
  const { vocabSize, prefixLength: n, repeats, distinct } = checkInduction(fn, params);
  checkInt(fn, 'batchSize', batchSize, 1);
  const seqLen = (1 + repeats) * n;
  const tokens = new Int32Array(batchSize * seqLen);
  const pool = new Int32Array(vocabSize);
  for (let b = 0; b < batchSize; b++) {
    const row = b * seqLen;
    if (distinct) {
      // Partial Fisher–Yates: the first n entries of a uniformly random permutation of 0..V−1.
      for (let v = 0; v < vocabSize; v++) pool[v] = v;
      for (let i = 0; i < n; i++) {
        const j = i + rng.int(vocabSize - i);
        const t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
        tokens[row + i] = pool[i];
      }
    } else {
      for (let i = 0; i < n; i++) tokens[row + i] = rng.int(vocabSize);
    }
    for (let c = 1; c <= repeats; c++) tokens.copyWithin(row + c * n, row, row + n);
  }
  return { tokens, batchSize, seqLen, prefixLength: n };
}

/**
 * Which next-token predictions are "early" and "late", as input positions t (the prediction of token
 * t + 1 from tokens 0..t), for the in-context loss of Olsson et al. 2022 (late-position loss minus
 * early-position loss):
 * - early: t = 0 … n − 2, targets inside the first copy; unpredictable from the context.
 * - late: t = n … L − 2, targets inside a repeat whose current token also occurred one period back, so
 *   an induction head can copy the successor of that earlier occurrence.
 * t = n − 1 (predicting the first token of the first repeat) is in neither: its current token has no
 * earlier occurrence with a successor, so only knowledge of the period predicts it.
 */
export function inductionPositions(params: InductionParams): { early: Int32Array; late: Int32Array } {
  const { prefixLength: n, repeats } = checkInduction('inductionPositions', params);
  const seqLen = (1 + repeats) * n;
  return {
    early: Int32Array.from({ length: n - 1 }, (_, i) => i),
    late: Int32Array.from({ length: seqLen - 1 - n }, (_, i) => n + i),
  };
}

/**
 * Bayes-optimal cross-entropy (nats) of each next-token prediction, input positions t = 0 … L − 2, for
 * a predictor that knows the generating process: targets in the first copy are uniform over V tokens
 * (over the V − (t + 1) unused ones when `distinct`), targets in a repeat are determined (loss 0).
 */
export function inductionOptimalLoss(params: InductionParams): Float64Array {
  const { vocabSize, prefixLength: n, repeats, distinct } = checkInduction('inductionOptimalLoss', params);
  const seqLen = (1 + repeats) * n;
  const loss = new Float64Array(seqLen - 1);
  for (let t = 0; t + 1 < n; t++) loss[t] = Math.log(distinct ? vocabSize - (t + 1) : vocabSize);
  return loss;
}

export interface IclRegressionParams {
  /** Input dimension d ≥ 1. */
  dim: number;
  /** Number of (x, y) pairs per sequence N ≥ 1. */
  points: number;
  /** Label noise standard deviation σ ≥ 0 (default 0). */
  noiseStd?: number;
}

/**
 * A batch of in-context regression sequences. Token layout (Garg et al. 2022 embed y as a vector padded
 * with zeros; here x and y get separate coordinates, so a token says which it is): token width d + 1,
 * sequence length 2N, token 2i = [x_i ; 0] and token 2i + 1 = [0_d ; y_i]. The model's prediction of
 * y_i is read at token 2i (it has seen x_1, y_1, …, x_{i−1}, y_{i−1}, x_i).
 */
export interface IclRegressionBatch {
  /** Row-major [batchSize, points, dim]. */
  xs: Float64Array;
  /** Row-major [batchSize, points]. */
  ys: Float64Array;
  /** Row-major [batchSize, dim]: the task vector of each sequence. */
  ws: Float64Array;
  /** Row-major [batchSize, 2·points, dim + 1] (layout above). */
  tokens: Float64Array;
  batchSize: number;
  points: number;
  dim: number;
  tokenDim: number;
  noiseStd: number;
}

function checkIcl(fn: string, p: IclRegressionParams): Required<IclRegressionParams> {
  return {
    dim: checkInt(fn, 'dim', p.dim, 1),
    points: checkInt(fn, 'points', p.points, 1),
    noiseStd: checkNumber(fn, 'noiseStd', p.noiseStd ?? 0, 0),
  };
}

/** `batchSize` independent sequences; w, x and ε are drawn from separate child streams of `rng`. */
export function sampleIclRegressionBatch(params: IclRegressionParams, batchSize: number, rng: Rng): IclRegressionBatch {
  const fn = 'sampleIclRegressionBatch';
  const { dim: d, points: N, noiseStd } = checkIcl(fn, params);
  checkInt(fn, 'batchSize', batchSize, 1);
  const ws = rng.child('w').fillNormal(new Float64Array(batchSize * d), 1 / Math.sqrt(d));
  const xs = rng.child('x').fillNormal(new Float64Array(batchSize * N * d));
  const noise = rng.child('noise');
  const ys = new Float64Array(batchSize * N);
  const tokenDim = d + 1;
  const tokens = new Float64Array(batchSize * 2 * N * tokenDim);
  for (let b = 0; b < batchSize; b++) {
    for (let i = 0; i < N; i++) {
      const x = (b * N + i) * d;
      let y = 0;
      for (let j = 0; j < d; j++) y += ws[b * d + j] * xs[x + j];
      if (noiseStd > 0) y += noiseStd * noise.normal();
      ys[b * N + i] = y;
      const tok = (b * 2 * N + 2 * i) * tokenDim;
      tokens.set(xs.subarray(x, x + d), tok);
      tokens[tok + tokenDim + d] = y;
    }
  }
  return { xs, ys, ws, tokens, batchSize, points: N, dim: d, tokenDim, noiseStd };
}

/**
 * Ridge estimate ŵ = argmin ‖Xw − y‖² + λ‖w‖² from k examples (X row-major k × d); with λ = 0 the
 * minimum-norm least-squares solution. Uses the primal form (XᵀX + λI)⁻¹Xᵀy when k ≥ d and the dual
 * form Xᵀ(XXᵀ + λI)⁻¹y when k < d (the same vector: push-through identity), so the system solved is
 * positive definite whenever X has full rank or λ > 0.
 */
export function ridgeWeights(x: Float64Array, y: Float64Array, k: number, d: number, lambda: number): Float64Array {
  const fn = 'ridgeWeights';
  checkInt(fn, 'k', k, 0);
  checkInt(fn, 'd', d, 1);
  checkNumber(fn, 'lambda', lambda, 0);
  if (x.length < k * d || y.length < k) throw new Error(`${fn}: x must hold k·d = ${k * d} and y k = ${k} values, got ${x.length} and ${y.length}`);
  const w = new Float64Array(d);
  if (k === 0) return w;
  if (k >= d) {
    const a = new Float64Array(d * d);
    const rhs = new Float64Array(d);
    for (let r = 0; r < k; r++) {
      for (let i = 0; i < d; i++) {
        const xi = x[r * d + i];
        rhs[i] += xi * y[r];
        for (let j = 0; j <= i; j++) a[i * d + j] += xi * x[r * d + j];
      }
    }
    for (let i = 0; i < d; i++) a[i * d + i] += lambda;
    return solveSpd(mirrorLower(a, d), { rows: d, cols: 1, data: rhs }).data;
  }
  const g = new Float64Array(k * k);
  for (let r = 0; r < k; r++) {
    for (let s = 0; s <= r; s++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += x[r * d + j] * x[s * d + j];
      g[r * k + s] = dot;
    }
    g[r * k + r] += lambda;
  }
  const alpha = solveSpd(mirrorLower(g, k), { rows: k, cols: 1, data: Float64Array.from(y.subarray(0, k)) }).data;
  for (let r = 0; r < k; r++) for (let j = 0; j < d; j++) w[j] += x[r * d + j] * alpha[r];
  return w;
}

function mirrorLower(a: Float64Array, n: number): Mat {
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
  return { rows: n, cols: n, data: a };
}

/**
 * The Bayes-optimal prediction of every y_i from the i earlier pairs, [batchSize, points]: the
 * posterior mean of w under w ~ N(0, I/d) and Gaussian noise σ², which is ridge with λ = σ²·d
 * (min-norm least squares for σ = 0; prediction 0 with no context). Garg et al. 2022 compare trained
 * transformers to exactly this baseline.
 */
export function bayesOptimalIclPredictions(batch: IclRegressionBatch): Float64Array {
  const { batchSize, points: N, dim: d, xs, ys } = batch;
  const lambda = batch.noiseStd * batch.noiseStd * d;
  const out = new Float64Array(batchSize * N);
  for (let b = 0; b < batchSize; b++) {
    const xb = xs.subarray(b * N * d, (b + 1) * N * d);
    const yb = ys.subarray(b * N, (b + 1) * N);
    for (let i = 0; i < N; i++) {
      const w = ridgeWeights(xb, yb, i, d, lambda);
      let pred = 0;
      for (let j = 0; j < d; j++) pred += w[j] * xb[i * d + j];
      out[b * N + i] = pred;
    }
  }
  return out;
}

/**
 * Expected squared error of the Bayes-optimal predictor with σ = 0 after k examples: (d − k)/d for
 * k < d, 0 for k ≥ d. Reason: ŵ is the projection of w onto the span of the k inputs, so the error
 * w − ŵ is w's component in the (d − k)-dimensional complement, of expected squared norm (d − k)/d under
 * w ~ N(0, I/d), and x_query ~ N(0, I) is independent of it.
 */
export function noiselessIclError(dim: number, k: number): number {
  checkInt('noiselessIclError', 'dim', dim, 1);
  checkInt('noiselessIclError', 'k', k, 0);
  return k >= dim ? 0 : (dim - k) / dim;
}

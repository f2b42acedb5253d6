/**
 * The quanta lookup task (Michaud, Liu, Girit & Tegmark 2023, "The quantization model of neural scaling", §2, in its
 * τ = 1 limit, which they identify with Hutter 2021, "Learning curve theory"): K items ("quanta"), item k (k = 1..K)
 * drawn with probability p_k ∝ k^{−(α+1)} (./parity.ts zipfFrequencies); the input is the one-hot code of the item,
 * the target a fixed random unit vector y_k ∈ R^m. A quantum is learned when the network reproduces y_k.
 * With `codeDim` d the task also carries dense codes: x_k uniform on the unit sphere of R^d (a normalised Gaussian),
 * d ≪ K, so a network reading x_k shares every first-layer parameter between quanta (issue 13 item 7). Distinct random
 * codes overlap by x_j·x_k ~ ±1/√d: the source of interference between quanta.
 * Browser-safe.
 */
import type { Rng } from '../core/random.ts';
import { zipfFrequencies } from './parity.ts';

export interface QuantaTask {
  K: number;
  alpha: number;
  m: number;
  /** p_k, k = 0..K−1 (0 is the most frequent). */
  p: Float64Array;
  /** Cumulative p for sampling. */
  cdf: Float64Array;
  /** Targets y_k (K×m, unit rows). */
  y: Float64Array;
  /** Code dimension d (dense codes only). */
  codeDim?: number;
  /** Dense codes x_k (K×d, unit rows; dense codes only). */
  codes?: Float64Array;
}

/** Scale each of the `rows` rows of length `cols` of `a` to unit norm, in place. */
function normalizeRows(a: Float64Array, rows: number, cols: number): void {
  for (let k = 0; k < rows; k++) {
    let n = 0;
    for (let j = 0; j < cols; j++) n += a[k * cols + j] ** 2;
    const s = 1 / Math.sqrt(n);
    for (let j = 0; j < cols; j++) a[k * cols + j] *= s;
  }
}

/**
 * The task with K quanta, Zipf exponent α and target dimension m (targets from `rng.child('targets')`); with
 * `codeDim` d, dense unit codes x_k ∈ R^d from `rng.child('codes')` (the targets do not depend on d).
 */
export function makeQuantaTask(K: number, alpha: number, m: number, rng: Rng, opts: { codeDim?: number } = {}): QuantaTask {
  const d = opts.codeDim;
  if (d !== undefined && !(Number.isInteger(d) && d >= 1)) throw new Error(`makeQuantaTask: codeDim = ${d}, expected a positive integer`);
  const p = zipfFrequencies(K, alpha);
  const cdf = new Float64Array(K);
  let acc = 0;
  for (let k = 0; k < K; k++) {
    acc += p[k];
    cdf[k] = acc;
  }
  cdf[K - 1] = 1;
  const y = rng.child('targets').fillNormal(new Float64Array(K * m));
  normalizeRows(y, K, m);
  if (d === undefined) return { K, alpha, m, p, cdf, y };
  const codes = rng.child('codes').fillNormal(new Float64Array(K * d));
  normalizeRows(codes, K, d);
  return { K, alpha, m, p, cdf, y, codeDim: d, codes };
}

/** Draw an item index with probability p_k. */
export function drawItem(task: QuantaTask, u: number): number {
  let lo = 0;
  let hi = task.K - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (u < task.cdf[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

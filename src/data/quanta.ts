/**
 * The quanta lookup task (Michaud, Liu, Girit & Tegmark 2023, "The quantization model of neural scaling", §2, in its
 * τ = 1 limit, which they identify with Hutter 2021, "Learning curve theory"): K items ("quanta"), item k (k = 1..K)
 * drawn with probability p_k ∝ k^{−(α+1)} (./parity.ts zipfFrequencies); the input is the one-hot code of the item,
 * the target a fixed random unit vector y_k ∈ R^m. A quantum is learned when the network reproduces y_k.
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
}

/** The task with K quanta, Zipf exponent α and target dimension m (targets from `rng.child('targets')`). */
export function makeQuantaTask(K: number, alpha: number, m: number, rng: Rng): QuantaTask {
  const p = zipfFrequencies(K, alpha);
  const cdf = new Float64Array(K);
  let acc = 0;
  for (let k = 0; k < K; k++) {
    acc += p[k];
    cdf[k] = acc;
  }
  cdf[K - 1] = 1;
  const y = rng.child('targets').fillNormal(new Float64Array(K * m));
  for (let k = 0; k < K; k++) {
    let n = 0;
    for (let j = 0; j < m; j++) n += y[k * m + j] ** 2;
    const s = 1 / Math.sqrt(n);
    for (let j = 0; j < m; j++) y[k * m + j] *= s;
  }
  return { K, alpha, m, p, cdf, y };
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

/**
 * Sparse parity and Zipf-weighted multitask sparse parity.
 *
 * Sparse parity (Barak, Edelman, Goel, Kakade, Malach & Zhang 2022, "Hidden progress in deep learning:
 * SGD learns parities near the computational limit"): x uniform on {±1}^n, a hidden set S of k
 * coordinates, target χ_S(x) = Π_{i∈S} x_i ∈ {±1}. In bits b_i = (1 − x_i)/2 ∈ {0, 1} the label is the
 * XOR of the bits in S: label = (1 − χ_S)/2.
 *
 * Multitask sparse parity (Michaud, Liu, Girit & Tegmark 2023, "The quantization model of neural
 * scaling", §3): K subtasks, each with its own hidden set S_t of k bits among n task bits. Subtask t
 * (t = 1..K) is drawn with probability p_t ∝ t^{−(α+1)} (a Zipf law; the "quanta" frequencies).
 * The input is [one-hot control of length K | n task bits]; the label is the parity of the task bits in
 * S_t. Michaud et al. predict L(N) ∝ N^{−α} and L(D) ∝ D^{−α/(α+1)} (catalog study 20).
 *
 * Assumptions: task bits uniform and independent; subsets drawn uniformly among k-subsets,
 * independently per subtask (two subtasks may share a subset when C(n, k) is small; check `subsets`).
 */
import type { Mat } from '../core/mat.ts';
import type { Rng } from '../core/random.ts';
import { checkCount, checkInt, checkNumber } from './validate.ts';

/** How bits are written into the input matrix. */
export type BitEncoding = 'pm1' | '01';

export interface ParitySample {
  /** n × width inputs. */
  x: Mat;
  /** Labels in {0, 1}: the XOR of the relevant bits (1 ⇔ χ_S = −1). */
  y: Int32Array;
  /** χ_S(x) ∈ {±1} as floats (regression/hinge targets). */
  chi: Float64Array;
}

export interface SparseParityParams {
  /** Number of bits n. */
  n: number;
  /** Number of relevant bits k. */
  k: number;
  /** A fixed relevant set (default: uniformly random k-subset). */
  subset?: readonly number[];
  /** `pm1` (x ∈ {±1}, default, as Barak et al.) or `01`. */
  encoding?: BitEncoding;
}

export interface SparseParityTask {
  readonly n: number;
  readonly k: number;
  /** Relevant coordinates, sorted ascending. */
  readonly subset: Int32Array;
  readonly encoding: BitEncoding;
  sample(count: number, rng: Rng): ParitySample;
}

/** A uniformly random k-subset of {0..n−1}, sorted ascending (partial Fisher–Yates). */
export function randomSubset(n: number, k: number, rng: Rng): Int32Array {
  checkInt('randomSubset', 'n', n, 1);
  checkInt('randomSubset', 'k', k, 0, n);
  const perm = rng.permutation(n);
  return Int32Array.from(perm.subarray(0, k)).sort();
}

function encodeBit(bit: number, encoding: BitEncoding): number {
  return encoding === 'pm1' ? 1 - 2 * bit : bit;
}

function checkEncoding(fn: string, e: BitEncoding): BitEncoding {
  if (e !== 'pm1' && e !== '01') throw new Error(`${fn}: encoding must be 'pm1' or '01', got ${String(e)}`);
  return e;
}

export function makeSparseParityTask(params: SparseParityParams, rng: Rng): SparseParityTask {
  const fn = 'makeSparseParityTask';
  const n = checkInt(fn, 'n', params.n, 1);
  const k = checkInt(fn, 'k', params.k, 0, n);
  const encoding = checkEncoding(fn, params.encoding ?? 'pm1');
  let subset: Int32Array;
  if (params.subset !== undefined) {
    subset = Int32Array.from(params.subset).sort();
    if (subset.length !== k) throw new Error(`${fn}: subset has ${subset.length} entries, expected k = ${k}`);
    for (let i = 0; i < k; i++) {
      if (!Number.isInteger(subset[i]) || subset[i] < 0 || subset[i] >= n) {
        throw new Error(`${fn}: subset entry ${subset[i]} is not a bit index in [0, ${n})`);
      }
      if (i > 0 && subset[i] === subset[i - 1]) throw new Error(`${fn}: subset has the duplicate entry ${subset[i]}`);
    }
  } else {
    subset = randomSubset(n, k, rng.child('subset'));
  }
  return {
    n,
    k,
    subset,
    encoding,
    sample(count, sampleRng) {
      checkCount('SparseParityTask.sample', count);
      const bitsRng = sampleRng.child('bits');
      const x = new Float64Array(count * n);
      const y = new Int32Array(count);
      const chi = new Float64Array(count);
      const bits = new Uint8Array(n);
      for (let r = 0; r < count; r++) {
        for (let i = 0; i < n; i++) {
          bits[i] = bitsRng.uniform() < 0.5 ? 1 : 0;
          x[r * n + i] = encodeBit(bits[i], encoding);
        }
        let parity = 0;
        for (let j = 0; j < k; j++) parity ^= bits[subset[j]];
        y[r] = parity;
        chi[r] = 1 - 2 * parity;
      }
      return { x: { rows: count, cols: n, data: x }, y, chi };
    },
  };
}

export interface MultitaskParityParams {
  /** Number of subtasks K. */
  tasks: number;
  /** Number of task bits n. */
  n: number;
  /** Relevant bits per subtask k. */
  k: number;
  /** Zipf exponent α > 0: p_t ∝ t^{−(α+1)}. */
  alpha: number;
  /** Task-bit encoding; `01` by default, as Michaud et al. The control prefix is always one-hot 0/1. */
  encoding?: BitEncoding;
}

export interface MultitaskParitySample extends ParitySample {
  /** The subtask (0-based; subtask 0 is the most frequent) of each example. */
  task: Int32Array;
}

export interface MultitaskParityTask {
  readonly tasks: number;
  readonly n: number;
  readonly k: number;
  readonly alpha: number;
  readonly encoding: BitEncoding;
  /** Input width K + n. */
  readonly width: number;
  /** p_t ∝ (t+1)^{−(α+1)} for t = 0..K−1, summing to 1. */
  readonly frequencies: Float64Array;
  /** Relevant task-bit indices of each subtask (into the n task bits, not the input columns). */
  readonly subsets: readonly Int32Array[];
  /** Draw `count` examples; pass `task` to draw only from one subtask (per-subtask evaluation). */
  sample(count: number, rng: Rng, task?: number): MultitaskParitySample;
}

/** Zipf frequencies p_t = t^{−(α+1)} / Σ_s s^{−(α+1)}, t = 1..K (Michaud et al. 2023 eq. 1). */
export function zipfFrequencies(K: number, alpha: number): Float64Array {
  checkInt('zipfFrequencies', 'K', K, 1);
  checkNumber('zipfFrequencies', 'alpha', alpha, -1, Infinity, true);
  const p = new Float64Array(K);
  let total = 0;
  for (let t = 0; t < K; t++) {
    p[t] = (t + 1) ** -(alpha + 1);
    total += p[t];
  }
  for (let t = 0; t < K; t++) p[t] /= total;
  return p;
}

/** Index t with probability p[t], by binary search in the cumulative sums `cdf` (cdf[K−1] = 1). */
function drawCategorical(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (u < cdf[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function makeMultitaskParityTask(params: MultitaskParityParams, rng: Rng): MultitaskParityTask {
  const fn = 'makeMultitaskParityTask';
  const K = checkInt(fn, 'tasks', params.tasks, 1);
  const n = checkInt(fn, 'n', params.n, 1);
  const k = checkInt(fn, 'k', params.k, 0, n);
  const alpha = checkNumber(fn, 'alpha', params.alpha, 0, Infinity, true);
  const encoding = checkEncoding(fn, params.encoding ?? '01');
  const frequencies = zipfFrequencies(K, alpha);
  const cdf = new Float64Array(K);
  let acc = 0;
  for (let t = 0; t < K; t++) {
    acc += frequencies[t];
    cdf[t] = acc;
  }
  cdf[K - 1] = 1;
  const subsets: Int32Array[] = [];
  for (let t = 0; t < K; t++) subsets.push(randomSubset(n, k, rng.child('subset', t)));
  const width = K + n;
  return {
    tasks: K,
    n,
    k,
    alpha,
    encoding,
    width,
    frequencies,
    subsets,
    sample(count, sampleRng, onlyTask) {
      checkCount('MultitaskParityTask.sample', count);
      if (onlyTask !== undefined) checkInt('MultitaskParityTask.sample', 'task', onlyTask, 0, K - 1);
      const taskRng = sampleRng.child('task');
      const bitsRng = sampleRng.child('bits');
      const x = new Float64Array(count * width);
      const y = new Int32Array(count);
      const chi = new Float64Array(count);
      const task = new Int32Array(count);
      const bits = new Uint8Array(n);
      for (let r = 0; r < count; r++) {
        const t = onlyTask ?? drawCategorical(cdf, taskRng.uniform());
        task[r] = t;
        const row = r * width;
        x[row + t] = 1;
        for (let i = 0; i < n; i++) {
          bits[i] = bitsRng.uniform() < 0.5 ? 1 : 0;
          x[row + K + i] = encodeBit(bits[i], encoding);
        }
        let parity = 0;
        const s = subsets[t];
        for (let j = 0; j < s.length; j++) parity ^= bits[s[j]];
        y[r] = parity;
        chi[r] = 1 - 2 * parity;
      }
      return { x: { rows: count, cols: width, data: x }, y, chi, task };
    },
  };
}

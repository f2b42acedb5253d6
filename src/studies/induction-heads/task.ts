/**
 * The induction task of the `induction-heads` study and the two instruments it reads (Olsson, Elhage, Nanda
 * et al. 2022, "In-context learning and induction heads"):
 *
 * - Sequences: a random prefix of n distinct tokens (src/data/sequences.ts, `distinct`), repeated to fill
 *   T + 1 positions, with the period n drawn per sequence from [nMin, nMax]. A fixed period would let a
 *   one-layer model copy from position t − n + 1 by position alone (no induction head needed); a varying
 *   period leaves only the content-based route: find the earlier occurrence of the current token and copy its
 *   successor, which needs a previous-token head feeding a second-layer head (K-composition).
 * - In-context loss: mean loss at late positions minus mean loss at early positions, as in
 *   `inductionPositions` with the period unknown: early = t ≤ nMin − 2 (the target is in the first copy for
 *   every period), late = t ≥ nMax (the target is in a repeat for every period).
 * - Prefix-matching score of a head (TransformerLens' detector): at each position t whose token occurred
 *   before, the attention on the positions j ≤ t whose previous token x_{j−1} equals x_t ("the token right
 *   after that token's previous occurrence"), averaged over such positions; the uniform-attention baseline is
 *   the same sum under attention 1/(t + 1).
 */
import type { Rng } from '../../core/random.ts';
import type { Tensor } from '../../core/tensor.ts';
import { sampleInductionBatch } from '../../data/sequences.ts';

export interface TaskSpec {
  vocab: number;
  /** positions the model reads (T); each sequence has T + 1 tokens */
  context: number;
  periodMin: number;
  periodMax: number;
}

export function checkTask(s: TaskSpec): void {
  if (!(s.periodMin >= 2 && s.periodMin <= s.periodMax)) throw new Error(`induction-heads: periodMin = ${s.periodMin}, periodMax = ${s.periodMax}, expected 2 ≤ periodMin ≤ periodMax`);
  if (s.periodMax > s.vocab) throw new Error(`induction-heads: periodMax = ${s.periodMax} exceeds vocab = ${s.vocab} (the prefix has distinct tokens)`);
  if (s.context < s.periodMax + 2) throw new Error(`induction-heads: context = ${s.context}, expected ≥ periodMax + 2 = ${s.periodMax + 2} so that late positions exist`);
}

/** `batch` sequences of T + 1 tokens (row-major), each a distinct-token prefix of a random period repeated. */
export function sampleTaskBatch(s: TaskSpec, batch: number, rng: Rng): Int32Array {
  const L = s.context + 1;
  const out = new Int32Array(batch * L);
  for (let b = 0; b < batch; b++) {
    const n = s.periodMin + rng.int(s.periodMax - s.periodMin + 1);
    const seq = sampleInductionBatch({ vocabSize: s.vocab, prefixLength: n, repeats: Math.ceil(L / n) - 1, distinct: true }, 1, rng);
    out.set(seq.tokens.subarray(0, L), b * L);
  }
  return out;
}

/** Early and late input positions (see the module comment). */
export function taskPositions(s: TaskSpec): { early: number[]; late: number[] } {
  return {
    early: Array.from({ length: s.periodMin - 1 }, (_, t) => t),
    late: Array.from({ length: s.context - s.periodMax }, (_, i) => s.periodMax + i),
  };
}

/** Mean cross-entropy at each input position t of logits [B·T, V] against targets (B·T ids). */
export function lossByPosition(logits: Tensor, targets: Int32Array, batch: number, T: number): Float64Array {
  const V = logits.shape[1];
  const z = logits.data;
  const out = new Float64Array(T);
  for (let r = 0; r < batch * T; r++) {
    const o = r * V;
    let mx = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < V; c++) if (z[o + c] > mx) mx = z[o + c];
    let sum = 0;
    for (let c = 0; c < V; c++) sum += Math.exp(z[o + c] - mx);
    out[r % T] += (Math.log(sum) + mx - z[o + targets[r]]) / batch;
  }
  return out;
}

/** For each (sequence, position t): the positions j ∈ [1, t] with x_{j−1} = x_t (empty when x_t is new). */
function prefixTargets(inputs: Int32Array, batch: number, T: number): number[][][] {
  return Array.from({ length: batch }, (_, b) =>
    Array.from({ length: T }, (_, t) => {
      const js: number[] = [];
      for (let j = 1; j <= t; j++) if (inputs[b * T + j - 1] === inputs[b * T + t]) js.push(j);
      return js;
    }),
  );
}

/**
 * Prefix-matching score of every head of one layer's attention pattern [B·H, T, T], and the uniform
 * baseline, over the positions whose token occurred before.
 */
export function prefixMatchingScores(pattern: Tensor, inputs: Int32Array, batch: number, heads: number): { scores: number[]; uniform: number } {
  const T = pattern.shape[2];
  const targets = prefixTargets(inputs, batch, T);
  const scores = new Array<number>(heads).fill(0);
  let count = 0;
  let uniform = 0;
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < T; t++) {
      const js = targets[b][t];
      if (js.length === 0) continue;
      count++;
      uniform += js.length / (t + 1);
      for (let h = 0; h < heads; h++) {
        const row = ((b * heads + h) * T + t) * T;
        for (const j of js) scores[h] += pattern.data[row + j];
      }
    }
  }
  if (count === 0) throw new Error('prefixMatchingScores: no position repeats an earlier token; expected repeated sequences');
  return { scores: scores.map((s) => s / count), uniform: uniform / count };
}

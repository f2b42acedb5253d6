/**
 * The quanta lookup task (src/data/quanta.ts): Zipf sampling, unit targets, and the dense item codes that let a
 * network share parameters between quanta (issue 13 item 7).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { drawItem, makeQuantaTask } from '../../src/data/quanta.ts';

const rowNorms = (a: Float64Array, rows: number, cols: number) =>
  Array.from({ length: rows }, (_, k) => Math.sqrt(a.subarray(k * cols, (k + 1) * cols).reduce((s, v) => s + v * v, 0)));

describe('quanta task', () => {
  it('draws item k with probability p_k (binomial bound on the empirical frequencies)', () => {
    const task = makeQuantaTask(64, 1, 4, Rng.fromSeed(1, 'task'));
    const n = 200_000;
    const counts = new Float64Array(task.K);
    const rng = Rng.fromSeed(1, 'draws');
    for (let i = 0; i < n; i++) counts[drawItem(task, rng.uniform())]++;
    for (let k = 0; k < task.K; k++) {
      // 5 binomial standard errors: a false alarm over 64 items has probability ≈ 64 · 6e-7
      const se = Math.sqrt((task.p[k] * (1 - task.p[k])) / n);
      expect(Math.abs(counts[k] / n - task.p[k])).toBeLessThan(5 * se + 1e-12);
    }
  });

  it('dense codes are unit vectors whose squared overlaps average 1/d, and leave the targets unchanged', () => {
    const K = 200;
    const d = 16;
    const plain = makeQuantaTask(K, 1, 8, Rng.fromSeed(2, 'task'));
    const dense = makeQuantaTask(K, 1, 8, Rng.fromSeed(2, 'task'), { codeDim: d });
    expect(plain.codes).toBeUndefined();
    expect(dense.codeDim).toBe(d);
    // the one-hot variant's targets must not move when codes are added (its fingerprint depends on them)
    expect(Array.from(dense.y)).toEqual(Array.from(plain.y));
    const codes = dense.codes ?? new Float64Array(0);
    expect(codes.length).toBe(K * d);
    // unit rows: float error of one normalisation
    for (const n of rowNorms(codes, K, d)) expect(Math.abs(n - 1)).toBeLessThan(1e-12);
    // for independent uniform unit vectors (x·y)² ~ Beta(½, (d−1)/2): mean 1/d, variance 2(d−1)/(d²(d+2)); two pairs
    // sharing an item are uncorrelated (E[(x·y)² | x] = 1/d for every x), so the mean over pairs has variance
    // var/pairs: 5 standard errors
    let sum = 0;
    let pairs = 0;
    for (let j = 0; j < K; j++) {
      for (let k = j + 1; k < K; k++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += codes[j * d + i] * codes[k * d + i];
        sum += dot * dot;
        pairs++;
      }
    }
    const se = Math.sqrt((2 * (d - 1)) / (d * d * (d + 2)) / pairs);
    expect(Math.abs(sum / pairs - 1 / d)).toBeLessThan(5 * se);
  });

  it('rejects a code dimension that is not a positive integer, naming it', () => {
    expect(() => makeQuantaTask(8, 1, 4, Rng.fromSeed(3), { codeDim: 0 })).toThrow(/codeDim = 0, expected a positive integer/);
    expect(() => makeQuantaTask(8, 1, 4, Rng.fromSeed(3), { codeDim: 2.5 })).toThrow(/codeDim = 2.5/);
  });
});

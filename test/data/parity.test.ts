import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { makeMultitaskParityTask, makeSparseParityTask, randomSubset, zipfFrequencies } from '../../src/data/parity.ts';

describe('sparse parity', () => {
  it('labels are the parity of the relevant bits (χ_S = Π x_i, label = (1 − χ_S)/2)', () => {
    const task = makeSparseParityTask({ n: 20, k: 3 }, Rng.fromSeed(1));
    expect(task.subset.length).toBe(3);
    expect(new Set(task.subset).size).toBe(3);
    expect(Array.from(task.subset)).toEqual(Array.from(task.subset).sort((a, b) => a - b));
    const s = task.sample(2000, Rng.fromSeed(2));
    for (let r = 0; r < 2000; r++) {
      let chi = 1;
      for (const i of task.subset) chi *= s.x.data[r * 20 + i];
      expect(s.chi[r]).toBe(chi);
      expect(s.y[r]).toBe((1 - chi) / 2);
      for (let i = 0; i < 20; i++) expect(Math.abs(s.x.data[r * 20 + i])).toBe(1);
    }
  });

  it('0/1 encoding: label is the XOR of the relevant bits', () => {
    const task = makeSparseParityTask({ n: 8, k: 4, subset: [7, 1, 3, 5], encoding: '01' }, Rng.fromSeed(1));
    expect(Array.from(task.subset)).toEqual([1, 3, 5, 7]);
    const s = task.sample(500, Rng.fromSeed(3));
    for (let r = 0; r < 500; r++) {
      const bits = [1, 3, 5, 7].map((i) => s.x.data[r * 8 + i]);
      expect(s.y[r]).toBe(bits.reduce((a, b) => a ^ b, 0));
    }
  });

  it('bits and labels are balanced within sampling error', () => {
    const n = 20000;
    const task = makeSparseParityTask({ n: 10, k: 2 }, Rng.fromSeed(4));
    const s = task.sample(n, Rng.fromSeed(5));
    let ones = 0;
    for (let r = 0; r < n; r++) ones += s.y[r];
    // Bernoulli(1/2) mean: SE 0.5/√n; allow 5 SE.
    expect(Math.abs(ones / n - 0.5)).toBeLessThan((5 * 0.5) / Math.sqrt(n));
    for (let i = 0; i < 10; i++) {
      let m = 0;
      for (let r = 0; r < n; r++) m += s.x.data[r * 10 + i];
      // ±1 coordinates: SE of the mean 1/√n; 5 SE.
      expect(Math.abs(m / n)).toBeLessThan(5 / Math.sqrt(n));
    }
  });

  it('k = 0 gives the constant label 0 (empty product); seeded', () => {
    const s = makeSparseParityTask({ n: 5, k: 0 }, Rng.fromSeed(1)).sample(10, Rng.fromSeed(1));
    expect(Array.from(s.y)).toEqual(new Array(10).fill(0));
    const a = makeSparseParityTask({ n: 30, k: 3 }, Rng.fromSeed(6));
    const b = makeSparseParityTask({ n: 30, k: 3 }, Rng.fromSeed(6));
    expect(a.subset).toEqual(b.subset);
    expect(a.sample(50, Rng.fromSeed(1)).x.data).toEqual(b.sample(50, Rng.fromSeed(1)).x.data);
    expect(a.sample(50, Rng.fromSeed(2)).x.data).not.toEqual(a.sample(50, Rng.fromSeed(1)).x.data);
    const subsets = new Set<string>();
    for (let t = 0; t < 20; t++) subsets.add(randomSubset(30, 3, Rng.fromSeed(t, 'subset')).join(','));
    expect(subsets.size).toBeGreaterThan(15); // C(30,3) = 4060 subsets: collisions among 20 are rare
  });

  it('rejects bad parameters with clear errors', () => {
    expect(() => makeSparseParityTask({ n: 4, k: 5 }, Rng.fromSeed(1))).toThrow(/k must be an integer in \[0, 4\], got 5/);
    expect(() => makeSparseParityTask({ n: 4, k: 2, subset: [1, 1] }, Rng.fromSeed(1))).toThrow(/duplicate entry 1/);
    expect(() => makeSparseParityTask({ n: 4, k: 1, subset: [4] }, Rng.fromSeed(1))).toThrow(/subset entry 4 is not a bit index in \[0, 4\)/);
  });
});

describe('multitask sparse parity (Zipf-weighted quanta)', () => {
  it('frequencies are p_t ∝ t^{−(α+1)} and sum to 1', () => {
    const p = zipfFrequencies(50, 0.5);
    let s = 0;
    for (const v of p) s += v;
    expect(s).toBeCloseTo(1, 14); // float summation
    for (let t = 1; t < 50; t++) expect(p[t] / p[0]).toBeCloseTo((t + 1) ** -1.5, 13);
  });

  it('subtask counts follow the Zipf frequencies within sampling error', () => {
    const K = 30;
    const n = 100000;
    const task = makeMultitaskParityTask({ tasks: K, n: 8, k: 2, alpha: 1 }, Rng.fromSeed(1));
    const s = task.sample(n, Rng.fromSeed(2));
    const counts = new Float64Array(K);
    for (let r = 0; r < n; r++) counts[s.task[r]]++;
    for (let t = 0; t < K; t++) {
      const p = task.frequencies[t];
      // Binomial(n, p_t): SE √(n p (1 − p)); allow 5 SE for each of the K counts.
      expect(Math.abs(counts[t] - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
    }
  });

  it('control prefix is one-hot of the subtask and the label is the parity of that subtask’s bits', () => {
    const K = 10;
    const nb = 12;
    const task = makeMultitaskParityTask({ tasks: K, n: nb, k: 3, alpha: 0.5 }, Rng.fromSeed(3));
    expect(task.width).toBe(K + nb);
    const s = task.sample(3000, Rng.fromSeed(4));
    for (let r = 0; r < 3000; r++) {
      const row = s.x.data.subarray(r * task.width, (r + 1) * task.width);
      const t = s.task[r];
      for (let j = 0; j < K; j++) expect(row[j]).toBe(j === t ? 1 : 0);
      let parity = 0;
      for (const i of task.subsets[t]) parity ^= row[K + i];
      expect(s.y[r]).toBe(parity);
      expect(s.chi[r]).toBe(1 - 2 * parity);
    }
    const only = task.sample(100, Rng.fromSeed(5), 7);
    expect(only.task.every((t) => t === 7)).toBe(true);
  });

  it('is seeded and validates its parameters', () => {
    const mk = (seed: number) => makeMultitaskParityTask({ tasks: 5, n: 10, k: 3, alpha: 1 }, Rng.fromSeed(seed));
    expect(mk(1).subsets).toEqual(mk(1).subsets);
    expect(mk(2).subsets).not.toEqual(mk(1).subsets);
    expect(mk(1).sample(40, Rng.fromSeed(9)).x.data).toEqual(mk(1).sample(40, Rng.fromSeed(9)).x.data);
    expect(() => makeMultitaskParityTask({ tasks: 0, n: 10, k: 3, alpha: 1 }, Rng.fromSeed(1))).toThrow(/tasks must be an integer >= 1, got 0/);
    expect(() => makeMultitaskParityTask({ tasks: 5, n: 10, k: 3, alpha: 0 }, Rng.fromSeed(1))).toThrow(/alpha must be a > 0 number, got 0/);
    expect(() => mk(1).sample(10, Rng.fromSeed(1), 5)).toThrow(/task must be an integer in \[0, 4\], got 5/);
  });
});

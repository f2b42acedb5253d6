import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { selectRows } from '../../src/data/basis.ts';
import { applySubset, type ImageDataset, oneHot, subsetIndices, trainTestSplit } from '../../src/data/dataset.ts';

function toy(n: number): ImageDataset {
  const x = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = -i;
  }
  return { x: { rows: n, cols: 2, data: x }, y: Int32Array.from({ length: n }, (_, i) => i % 3), classes: 3, shape: [1, 2] };
}

describe('row selection helpers', () => {
  it('subsetIndices: identity, limit, seeded subset without replacement', () => {
    expect(Array.from(subsetIndices(5))).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(subsetIndices(5, { limit: 2 }))).toEqual([0, 1]);
    expect(Array.from(subsetIndices(5, { limit: 99 }))).toEqual([0, 1, 2, 3, 4]);
    const s = subsetIndices(1000, { subset: { size: 300, seed: 5 } });
    expect(s.length).toBe(300);
    expect(new Set(s).size).toBe(300);
    expect(s.every((i) => i >= 0 && i < 1000)).toBe(true);
    expect(subsetIndices(1000, { subset: { size: 300, seed: 5 } })).toEqual(s);
    expect(subsetIndices(1000, { subset: { size: 300, seed: 6 } })).not.toEqual(s);
  });

  it('applySubset keeps x rows and labels aligned', () => {
    const ds = toy(50);
    const sub = applySubset(ds, { subset: { size: 10, seed: 1 } });
    for (let r = 0; r < 10; r++) {
      const i = sub.x.data[2 * r];
      expect(sub.x.data[2 * r + 1]).toBe(-i);
      expect(sub.y[r]).toBe(i % 3);
    }
    expect(applySubset(ds)).toBe(ds); // no options: no copy
  });

  it('trainTestSplit partitions the examples', () => {
    const ds = toy(101);
    const { train, test } = trainTestSplit(ds, 0.25, Rng.fromSeed(2));
    expect(test.x.rows).toBe(25);
    expect(train.x.rows).toBe(76);
    const ids = [...Array.from({ length: 76 }, (_, r) => train.x.data[2 * r]), ...Array.from({ length: 25 }, (_, r) => test.x.data[2 * r])];
    expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 101 }, (_, i) => i));
    expect(() => trainTestSplit(ds, 2, Rng.fromSeed(1))).toThrow(/testFraction must be a >= 0 and <= 1 number, got 2/);
  });

  it('oneHot and selectRows validate indices', () => {
    expect(Array.from(oneHot(Int32Array.from([2, 0]), 3).data)).toEqual([0, 0, 1, 1, 0, 0]);
    expect(() => oneHot(Int32Array.from([3]), 3)).toThrow(/y\[0\] = 3 is not a class in \[0, 3\)/);
    expect(() => selectRows(toy(3).x, [5])).toThrow(/idx\[0\] = 5 is not a row of a 3-row matrix/);
  });
});

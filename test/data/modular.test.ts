import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { type ModularOp, modularArithmetic, modularTable } from '../../src/data/modular.ts';

/** Brute force by counting steps on Z_p (independent of the % operator semantics). */
function bruteForce(a: number, b: number, p: number, op: ModularOp): number {
  if (op === '+') {
    let c = a;
    for (let i = 0; i < b; i++) c = c + 1 === p ? 0 : c + 1;
    return c;
  }
  if (op === '-') {
    for (let c = 0; c < p; c++) if (bruteForce(c, b, p, '+') === a) return c; // c + b ≡ a
    throw new Error('no difference');
  }
  let c = 0;
  for (let i = 0; i < b; i++) c = bruteForce(c, a, p, '+'); // b copies of a
  return c;
}

describe('modular arithmetic', () => {
  for (const op of ['+', '-', '*'] as const) {
    it(`table of a ${op} b mod p is correct for p = 7 and p = 10`, () => {
      for (const p of [7, 10]) {
        const t = modularTable(p, op);
        expect(t.y.length).toBe(p * p);
        for (let r = 0; r < p * p; r++) {
          expect(t.a[r]).toBe(Math.floor(r / p));
          expect(t.b[r]).toBe(r % p);
          expect(t.y[r]).toBe(bruteForce(t.a[r], t.b[r], p, op));
        }
      }
    });
  }

  it('one-hot inputs put a 1 at column a and at column p + b', () => {
    const p = 5;
    const t = modularTable(p, '+');
    for (let r = 0; r < p * p; r++) {
      const row = Array.from(t.x.data.subarray(r * 2 * p, (r + 1) * 2 * p));
      const want = new Array(2 * p).fill(0);
      want[t.a[r]] = 1;
      want[p + t.b[r]] = 1;
      expect(row).toEqual(want);
      expect([t.pairs[2 * r], t.pairs[2 * r + 1]]).toEqual([t.a[r], t.b[r]]);
    }
  });

  it('split sizes are exact and train ∪ test is every pair exactly once', () => {
    const p = 23;
    const split = modularArithmetic({ p, op: '+', trainFraction: 0.3 }, Rng.fromSeed(1));
    expect(split.train.y.length).toBe(Math.round(0.3 * 529)); // 159
    expect(split.train.y.length).toBe(159);
    expect(split.test.y.length).toBe(529 - 159);
    const seen = new Uint8Array(p * p);
    for (const set of [split.train, split.test]) {
      for (let r = 0; r < set.y.length; r++) {
        seen[set.a[r] * p + set.b[r]]++;
        expect(set.y[r]).toBe((set.a[r] + set.b[r]) % p);
      }
    }
    expect(seen.every((c) => c === 1)).toBe(true);
    expect(split.classes).toBe(p);
    expect(modularArithmetic({ p: 5, trainFraction: 0 }, Rng.fromSeed(1)).train.y.length).toBe(0);
    expect(modularArithmetic({ p: 5, trainFraction: 1 }, Rng.fromSeed(1)).test.y.length).toBe(0);
  });

  it('the split is seeded: same seed same split, other seed other split', () => {
    const a = modularArithmetic({ p: 31, trainFraction: 0.5 }, Rng.fromSeed(42));
    const b = modularArithmetic({ p: 31, trainFraction: 0.5 }, Rng.fromSeed(42));
    const c = modularArithmetic({ p: 31, trainFraction: 0.5 }, Rng.fromSeed(43));
    expect(a.train.pairs).toEqual(b.train.pairs);
    expect(c.train.pairs).not.toEqual(a.train.pairs);
  });

  it('rejects bad parameters with clear errors', () => {
    expect(() => modularTable(1)).toThrow(/p must be an integer in \[2, 4096\], got 1/);
    expect(() => modularArithmetic({ p: 7, trainFraction: 1.5 }, Rng.fromSeed(1))).toThrow(/trainFraction must be a >= 0 and <= 1 number, got 1.5/);
    expect(() => modularTable(7, '/' as ModularOp)).toThrow(/op must be '\+', '-' or '\*', got \//);
  });
});

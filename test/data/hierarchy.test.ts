import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { type HierarchyTask, makeHierarchyTask } from '../../src/data/hierarchy.ts';

/** All strings each class generates, by exhaustive top-down expansion (oracle independent of `classify`). */
function enumerate(task: HierarchyTask): Set<string>[] {
  const { multiplicity: m, branching: s, depth: L } = task;
  const expandAll = (symbol: number, level: number): number[][] => {
    if (level === L) return [[symbol]];
    const out: number[][] = [];
    const r = task.rules[level];
    for (let prod = 0; prod < m; prod++) {
      const children = Array.from(r.subarray((symbol * m + prod) * s, (symbol * m + prod + 1) * s));
      // Cartesian product of the children's expansions.
      let acc: number[][] = [[]];
      for (const child of children) {
        const sub = expandAll(child, level + 1);
        const next: number[][] = [];
        for (const a of acc) for (const b of sub) next.push([...a, ...b]);
        acc = next;
      }
      out.push(...acc);
    }
    return out;
  };
  return Array.from({ length: task.classes }, (_, c) => new Set(expandAll(c, 0).map((t) => t.join(','))));
}

describe('random hierarchy model', () => {
  const small = { vocab: 3, multiplicity: 2, depth: 2, branching: 2 };

  it('rules are unambiguous: m distinct tuples per symbol, disjoint across symbols, tokens in [0, v)', () => {
    const task = makeHierarchyTask({ vocab: 6, multiplicity: 3, depth: 3, branching: 2, classes: 4 }, Rng.fromSeed(1));
    expect(task.rules.length).toBe(3);
    task.rules.forEach((r, level) => {
      const symbols = level === 0 ? 4 : 6;
      expect(r.length).toBe(symbols * 3 * 2);
      const tuples = new Set<string>();
      for (let q = 0; q < symbols * 3; q++) tuples.add(`${r[2 * q]},${r[2 * q + 1]}`);
      expect(tuples.size).toBe(symbols * 3);
      expect(r.every((t) => t >= 0 && t < 6)).toBe(true);
    });
  });

  it('P_max = n_c · m^{(s^L − 1)/(s − 1)} distinct strings, disjoint across classes (exhaustive enumeration)', () => {
    const task = makeHierarchyTask(small, Rng.fromSeed(2));
    expect(task.length).toBe(4);
    expect(task.distinctData).toBe(3 * 2 ** 3); // 3 internal nodes
    const sets = enumerate(task);
    const all = new Set<string>();
    for (const s of sets) {
      expect(s.size).toBe(8);
      for (const t of s) all.add(t);
    }
    expect(all.size).toBe(24);
    // classify() parses every string back to its class.
    sets.forEach((set, c) => {
      for (const t of set) expect(task.classify(t.split(',').map(Number))).toBe(c);
    });
  });

  it('samples come from their class’s language, x is their one-hot encoding, classes are roughly uniform', () => {
    const task = makeHierarchyTask({ ...small, depth: 3 }, Rng.fromSeed(3));
    const sets = enumerate(task);
    const n = 3000;
    const s = task.sample(n, Rng.fromSeed(4));
    const counts = [0, 0, 0];
    for (let r = 0; r < n; r++) {
      const tokens = Array.from(s.tokens.subarray(r * task.length, (r + 1) * task.length));
      expect(sets[s.y[r]].has(tokens.join(','))).toBe(true);
      expect(task.classify(tokens)).toBe(s.y[r]);
      counts[s.y[r]]++;
      for (let pos = 0; pos < task.length; pos++) {
        for (let v = 0; v < 3; v++) expect(s.x.data[r * task.length * 3 + pos * 3 + v]).toBe(v === tokens[pos] ? 1 : 0);
      }
    }
    // Binomial(n, 1/3) class counts: SE √(n·2/9); 5 SE.
    for (const c of counts) expect(Math.abs(c - n / 3)).toBeLessThan(5 * Math.sqrt((n * 2) / 9));
  });

  it('distinct sampling: n = P_max returns every string exactly once', () => {
    const task = makeHierarchyTask(small, Rng.fromSeed(5));
    const s = task.sample(24, Rng.fromSeed(6), { distinct: true });
    const seen = new Set<string>();
    for (let r = 0; r < 24; r++) seen.add(Array.from(s.tokens.subarray(r * 4, r * 4 + 4)).join(','));
    expect(seen.size).toBe(24);
    expect(() => task.sample(25, Rng.fromSeed(6), { distinct: true })).toThrow(/only P_max = 24/);
    // Huge P_max (8 · 4^31): the rejection path.
    const big = makeHierarchyTask({ vocab: 8, multiplicity: 4, depth: 5, branching: 2 }, Rng.fromSeed(7));
    const b = big.sample(200, Rng.fromSeed(8), { distinct: true });
    const keys = new Set<string>();
    for (let r = 0; r < 200; r++) {
      const tok = Array.from(b.tokens.subarray(r * 32, (r + 1) * 32));
      keys.add(tok.join(','));
      expect(big.classify(tok)).toBe(b.y[r]);
    }
    expect(keys.size).toBe(200);
  });

  it('strings outside the grammar are rejected by classify', () => {
    const task = makeHierarchyTask(small, Rng.fromSeed(9));
    // Level-1 rules use v·m = 6 of the 9 pairs; a string whose first pair is unused has no derivation.
    const used = new Set<string>();
    const r = task.rules[1];
    for (let q = 0; q < 6; q++) used.add(`${r[2 * q]},${r[2 * q + 1]}`);
    let unused: number[] | null = null;
    for (let a = 0; a < 3 && unused === null; a++) for (let b = 0; b < 3; b++) if (!used.has(`${a},${b}`)) unused = [a, b];
    expect(task.classify([...unused!, r[0], r[1]])).toBe(-1);
    expect(task.classify([0, 0, 0, 7])).toBe(-1); // token out of vocabulary
    expect(() => task.classify([0, 0, 0])).toThrow(/tokens has length 3, expected s\^L = 4/);
  });

  it('is seeded and validates its parameters', () => {
    const a = makeHierarchyTask({ vocab: 8, multiplicity: 4, depth: 3, branching: 2 }, Rng.fromSeed(10));
    const b = makeHierarchyTask({ vocab: 8, multiplicity: 4, depth: 3, branching: 2 }, Rng.fromSeed(10));
    const c = makeHierarchyTask({ vocab: 8, multiplicity: 4, depth: 3, branching: 2 }, Rng.fromSeed(11));
    expect(a.rules).toEqual(b.rules);
    expect(c.rules).not.toEqual(a.rules);
    expect(a.sample(30, Rng.fromSeed(1)).tokens).toEqual(b.sample(30, Rng.fromSeed(1)).tokens);
    expect(a.sample(30, Rng.fromSeed(2)).tokens).not.toEqual(a.sample(30, Rng.fromSeed(1)).tokens);
    expect(() => makeHierarchyTask({ vocab: 3, multiplicity: 4, depth: 2, branching: 2 }, Rng.fromSeed(1))).toThrow(
      /multiplicity must be <= vocab\^\(branching-1\) = 3 for unambiguous rules, got 4/,
    );
    expect(() => makeHierarchyTask({ vocab: 3, multiplicity: 3, depth: 2, branching: 2, classes: 4 }, Rng.fromSeed(1))).toThrow(
      /classes·multiplicity = 12 exceeds vocab\^branching = 9/,
    );
  });
});

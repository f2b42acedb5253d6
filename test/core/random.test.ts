import { describe, expect, it } from 'vitest';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { Rng } from '../../src/core/random.ts';
import { xoroshiroNext } from '../../src/core/randomFill.ts';

describe('Rng', () => {
  it('is bit-identical for the same seed and keys', () => {
    const a = Rng.fromSeed(42, 'run', 3).child('init');
    const b = Rng.fromSeed(42, 'run', 3).child('init');
    for (let i = 0; i < 100; i++) expect(a.nextInt32()).toBe(b.nextInt32());
  });

  it('gives unrelated first draws for different seeds and keys (the first output mixes the whole state)', () => {
    const firsts = new Set<number>();
    for (let s = 0; s < 200; s++) firsts.add(Rng.fromSeed(s).nextInt32());
    for (let s = 0; s < 200; s++) firsts.add(Rng.fromSeed(7).child('k', s).nextInt32());
    // 400 draws of 32-bit values: a collision has probability ~400²/2³³ ≈ 2e-5
    expect(firsts.size).toBe(400);
    // the first uniform across seeds is spread over [0,1): mean within 4 standard errors of 1/2 (sd 0.29/√200)
    let m = 0;
    for (let s = 0; s < 200; s++) m += Rng.fromSeed(s).uniform() / 200;
    expect(Math.abs(m - 0.5)).toBeLessThan((4 * 0.2887) / Math.sqrt(200));
  });

  it('child streams depend on keys, not on how much the parent was used', () => {
    const p = Rng.fromSeed(1);
    const c1 = p.child('x').uniform();
    p.uniform();
    p.uniform();
    expect(p.child('x').uniform()).toBe(c1);
    expect(p.child('y').uniform()).not.toBe(c1);
  });

  it('normal(): mean, variance and a tail frequency match N(0,1) within sampling error', () => {
    const r = Rng.fromSeed(9);
    const n = 100000;
    let s = 0;
    let s2 = 0;
    let tail = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
      if (x > 1.96) tail++;
    }
    // standard errors: mean 1/√n = 0.0032, variance √(2/n) = 0.0045, tail √(p(1−p)/n) = 0.0007; 5σ bounds
    expect(Math.abs(s / n)).toBeLessThan(0.016);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.023);
    expect(Math.abs(tail / n - 0.025)).toBeLessThan(0.0035);
  });

  it('int(n) is unbiased and permutation() is a permutation', () => {
    const r = Rng.fromSeed(5);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60000; i++) counts[r.int(6)]++;
    // each count ~ Binomial(60000, 1/6): sd ≈ 91; 5σ
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(460);
    const p = r.permutation(50);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(() => r.int(0)).toThrow(/expected 1 <= n/);
  });
});

describe('Rng bulk fills (src/core/randomFill.ts) equal the per-draw loop bit for bit', () => {
  const perDraw = (r: Rng, n: number, f: (r: Rng) => number) => Float64Array.from({ length: n }, () => f(r));

  it('xoroshiroNext reproduces pure-rand 8 xoroshiro128+ (the oracle) from arbitrary states', () => {
    const r = Rng.fromSeed(11);
    for (let trial = 0; trial < 20; trial++) {
      const words = [r.nextInt32(), r.nextInt32(), r.nextInt32(), r.nextInt32()];
      const oracle = xoroshiro128plusFromState(words);
      const st = Int32Array.from(words);
      for (let i = 0; i < 1000; i++) expect(xoroshiroNext(st)).toBe(oracle.next());
      expect(Array.from(st)).toEqual(oracle.getState());
    }
  });

  it('fillNormal: same values and the same stream afterwards (spare included) for odd, even, short and long fills', () => {
    for (const n of [0, 1, 2, 15, 16, 17, 100, 1001, 4096]) {
      for (const [std, mean] of [[1, 0], [0.37, -2]] as const) {
        const a = Rng.fromSeed(3, 'n', n);
        const b = Rng.fromSeed(3, 'n', n);
        const bulk = a.fillNormal(new Float64Array(n), std, mean);
        expect(bulk).toEqual(perDraw(b, n, (r) => mean + std * r.normal()));
        // the polar method's spare and the generator state carry over: later draws agree too
        expect(perDraw(a, 7, (r) => r.normal())).toEqual(perDraw(b, 7, (r) => r.normal()));
        expect(a.nextInt32()).toBe(b.nextInt32());
      }
    }
  });

  it('fillNormal starts with a pending spare and stores Float32 rounding as the loop does', () => {
    const a = Rng.fromSeed(8);
    const b = Rng.fromSeed(8);
    a.normal();
    b.normal(); // both now hold a spare
    const bulk = a.fillNormal(new Float32Array(999), 2, 1);
    const loop = new Float32Array(999);
    for (let i = 0; i < loop.length; i++) loop[i] = 1 + 2 * b.normal();
    expect(bulk).toEqual(loop);
    expect(a.normal()).toBe(b.normal());
  });

  it('fillUniform: same values and stream as the loop', () => {
    for (const n of [3, 16, 5000]) {
      const a = Rng.fromSeed(4, n);
      const b = Rng.fromSeed(4, n);
      expect(a.fillUniform(new Float64Array(n), -1, 3)).toEqual(perDraw(b, n, (r) => -1 + 4 * r.uniform()));
      expect(a.uniform()).toBe(b.uniform());
    }
  });
});

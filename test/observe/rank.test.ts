import { describe, expect, it } from 'vitest';
import { mat } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';
import {
  effectiveRank,
  effectiveRankFromSingularValues,
  participationRatio,
  participationRatioFromEigenvalues,
  rankMeasures,
  singularValuesOf,
  stableRank,
  stableRankFromSingularValues,
} from '../../src/observe/rank.ts';
import { scaleMat, withSingularValues } from './fixtures.ts';

describe('rank measures', () => {
  // Singular values (3, 2, 1, 0): ‖W‖²_F = 14, ‖W‖²₂ = 9 → stable rank 14/9; p = (1/2, 1/3, 1/6) → effective rank
  // exp(½ln2 + ⅓ln3 + ⅙ln6); eigenvalues (9, 4, 1) → participation ratio 14²/98 = 2.
  const s = [3, 2, 1, 0];
  const erank = Math.exp(0.5 * Math.log(2) + Math.log(3) / 3 + Math.log(6) / 6);

  it('match hand-computed values from a spectrum', () => {
    // Closed forms on small integers: float rounding only.
    expect(stableRankFromSingularValues(s)).toBeCloseTo(14 / 9, 14);
    expect(effectiveRankFromSingularValues(s)).toBeCloseTo(erank, 14);
    expect(participationRatioFromEigenvalues(s.map((v) => v * v))).toBeCloseTo(2, 14);
  });

  it('match the same values for a dense matrix with that spectrum (orthogonal invariance)', () => {
    const w = withSingularValues(40, 30, s, Rng.fromSeed(51, 'rank'));
    const sv = singularValuesOf(w);
    expect(sv.length).toBe(30);
    // σ² come from a Jacobi eigendecomposition of WᵀW: absolute error ~1e-15·σ²_max, so σ errors ~1e-7 at σ = 0
    // and ~1e-14 relative for the non-zero ones.
    expect(sv[0]).toBeCloseTo(3, 12);
    expect(sv[2]).toBeCloseTo(1, 12);
    expect(sv[5]).toBeLessThan(1e-6);
    expect(stableRank(w)).toBeCloseTo(14 / 9, 12);
    expect(participationRatio(w)).toBeCloseTo(2, 12);
    // 27 spurious σ ~ 1e-8 add p·ln(1/p) ~ 1e-8·18 each to the entropy: 1e-5 is generous.
    expect(effectiveRank(w)).toBeCloseTo(erank, 5);
    expect(rankMeasures(w).numericalRank).toBe(3);
    // Wide orientation gives the same spectrum.
    const wt = mat(30, 40);
    for (let i = 0; i < 40; i++) for (let j = 0; j < 30; j++) wt.data[j * 40 + i] = w.data[i * 30 + j];
    expect(stableRank(wt)).toBeCloseTo(14 / 9, 12);
  });

  it('all equal r for r equal singular values, and are scale invariant', () => {
    const w = withSingularValues(25, 20, [2, 2, 2, 2, 2], Rng.fromSeed(52, 'flat'));
    const m = rankMeasures(scaleMat(w, 1e3));
    // Exact value 5 up to eigensolver rounding (stable rank, PR); effective rank picks up ~1e-6 from the 15 spurious
    // σ ~ 1e-8·σ_max of the Gram route.
    expect(m.stableRank).toBeCloseTo(5, 10);
    expect(m.participationRatio).toBeCloseTo(5, 10);
    expect(m.effectiveRank).toBeCloseTo(5, 4);
    expect(m.numericalRank).toBe(5);
  });

  it('zero matrix and bad input', () => {
    expect(stableRank(mat(3, 2))).toBe(0);
    expect(effectiveRank(mat(3, 2))).toBe(0);
    expect(() => stableRankFromSingularValues([1, -1])).toThrow(/singularValues: entry 1 is -1/);
    expect(() => participationRatioFromEigenvalues([])).toThrow(/eigenvalues: expected a non-empty array/);
  });
});

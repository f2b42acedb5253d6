/**
 * Oracle tests of architecture-universality's partial correlation given the labels, the statistic of its label floor
 * and of its linear-baseline comparison: on synthetic outputs (label plus noises) whose population partial
 * correlations are known in closed form. No training.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { oneHot } from '../../src/core/stats.ts';
import { pearson } from '../../src/observe/rankCorrelation.ts';
import { partialCorrelation } from '../../src/studies/architecture-universality.ts';

const C = 4;

/** Labels y and two outputs f = y + 0.3(w·common + √(1 − w²)·own): their noises correlate w² (population). */
function synthetic(examples: number, shared: number, rng: Rng): { f: Float64Array; g: Float64Array; y: Float64Array } {
  const y = oneHot(
    Array.from({ length: examples }, () => rng.int(C)),
    C,
  );
  const common = rng.child('common').fillNormal(new Float64Array(examples * C));
  const out = (key: string) => {
    const e = rng.child(key).fillNormal(new Float64Array(examples * C));
    return y.map((v, i) => v + 0.3 * (shared * common[i] + Math.sqrt(1 - shared * shared) * e[i]));
  };
  return { f: out('f'), g: out('g'), y };
}

const partialOf = ({ f, g, y }: { f: Float64Array; g: Float64Array; y: Float64Array }) => partialCorrelation(pearson(f, g), pearson(f, y), pearson(g, y));

describe('partialCorrelation (given the labels)', () => {
  it('is the correlation of the noises: w² for a shared-noise weight w, 0 for independent noises', () => {
    for (const [w, seed] of [
      [0.8, 1],
      [0.5, 2],
      [0, 3],
    ] as const) {
      const n = 4000;
      const r = partialOf(synthetic(n, w, Rng.fromSeed(seed, 'partial')));
      // sample correlation of n·C entries around ρ = w²: SE ≈ (1 − ρ²)/√(nC); four of them
      expect(Math.abs(r - w * w)).toBeLessThan((4 * (1 - w ** 4)) / Math.sqrt(n * C));
    }
  });

  it('is invariant to rescaling and shifting either output (a correlation)', () => {
    const d = synthetic(500, 0.6, Rng.fromSeed(4, 'partial'));
    const moved = { ...d, f: d.f.map((v) => 3 * v - 2) };
    expect(partialOf(moved)).toBeCloseTo(partialOf(d), 12);
  });

  it('is zero at the label floor r_fg = r_fy·r_gy and symmetric in f and g', () => {
    expect(partialCorrelation(0.6 * 0.7, 0.6, 0.7)).toBeCloseTo(0, 15);
    expect(partialCorrelation(0.5, 0.6, 0.7)).toBe(partialCorrelation(0.5, 0.7, 0.6));
  });
});

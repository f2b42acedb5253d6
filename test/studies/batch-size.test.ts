/**
 * The batch-size studies of the hyperparameters pillar (catalog 23–25: SGD's linear scaling rule, Adam's
 * square-root rule, the critical batch size) in their quick profile, end to end, and oracles for their
 * shared pieces (src/protocols/onlineTeacher.ts, src/data/teacherStream.ts, src/theory/fit/criticalBatch.ts): the
 * hyperbola fit on exact data, the example stream's independence of the batch grouping, the checkpoint grid and the
 * deviation measure.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { ExampleStream } from '../../src/data/teacherStream.ts';
import { spearman } from '../../src/observe/rankCorrelation.ts';
import { checkpointGrid, meanRelativeDeviation, noisyTanhTeacher } from '../../src/protocols/onlineTeacher.ts';
import { adamSqrtScalingRule } from '../../src/studies/adam-sqrt-scaling-rule.ts';
import { criticalBatchSize, fQuantile, noiseUnitResiduals, stepsLaw } from '../../src/studies/critical-batch-size.ts';
import { sgdLinearScalingRule } from '../../src/studies/sgd-linear-scaling-rule.ts';
import type { StudyResult } from '../../src/studies/types.ts';
import { fitStepsHyperbola } from '../../src/theory/fit/criticalBatch.ts';
import { expectFalsifiableHolds, runQuick, verdictUnder } from './falsifiability.ts';

describe('sgd-linear-scaling-rule (quick profile)', () => {
  let r: StudyResult;
  beforeAll(async () => {
    r = await runQuick(sgdLinearScalingRule);
  }, 300_000);
  it('holds, every control is falsified, and the prediction is judged', () => expectFalsifiableHolds(r));
  it('wrong theories leave holds: scaled curves 10% above the base, or (kη, kB) not invariant', () => {
    expect(verdictUnder(sgdLinearScalingRule, r, { 'loss ratio of scaled runs (SDE limit)': 1.1 })).not.toBe('holds');
    expect(verdictUnder(sgdLinearScalingRule, r, { 'invariant: linear': 0 })).not.toBe('holds');
  });
});

describe('adam-sqrt-scaling-rule (quick profile)', () => {
  let r: StudyResult;
  beforeAll(async () => {
    r = await runQuick(adamSqrtScalingRule);
  }, 300_000);
  it('holds, every control (linear rule, √κη alone, β or ε unscaled) is falsified, and the prediction is judged', () => expectFalsifiableHolds(r));
  it('wrong theories leave holds: the β scaling dropped, the rule’s curve 10% below the base', () => {
    expect(verdictUnder(adamSqrtScalingRule, r, { 'invariant: β unscaled': 1 })).not.toBe('holds');
    expect(verdictUnder(adamSqrtScalingRule, r, { 'loss ratio of the square-root rule (SDE limit)': 0.9 })).not.toBe('holds');
  });
});

describe('critical-batch-size (quick profile)', () => {
  let r: StudyResult;
  beforeAll(async () => {
    r = await runQuick(criticalBatchSize);
  }, 300_000);
  it('holds, every control (no plateau, a sharper knee) is falsified, and the prediction is judged', () => expectFalsifiableHolds(r));
  it('wrong theories leave holds: B_simple falling as the loss falls (sign flipped), B_crit = 10·B_simple', () => {
    expect(verdictUnder(criticalBatchSize, r, { 'Spearman(level, B_simple)': 1 })).not.toBe('holds');
    expect(verdictUnder(criticalBatchSize, r, { 'B_crit / B_simple': 10 })).not.toBe('holds');
  });
});

describe('study metadata', () => {
  it('ids, catalog numbers and pillars match the catalog', () => {
    expect([sgdLinearScalingRule, adamSqrtScalingRule, criticalBatchSize].map((s) => [s.id, s.catalog, s.pillar, s.core])).toEqual([
      ['sgd-linear-scaling-rule', 23, 'hyperparameters', true],
      ['adam-sqrt-scaling-rule', 24, 'hyperparameters', false],
      ['critical-batch-size', 25, 'hyperparameters', true],
    ]);
  });
});

describe('fitStepsHyperbola', () => {
  const Bs = [4, 8, 16, 32, 64, 128, 256, 512, 1024];
  it('recovers S_min, B_crit and E_min = S_min·B_crit from an exact hyperbola', () => {
    const f = fitStepsHyperbola(
      Bs,
      Bs.map((B) => 80 * (1 + 120 / B)),
    );
    // exact data: the golden-section search resolves log B_crit to ~1e-9
    expect(f.sMin).toBeCloseTo(80, 5);
    expect(f.bCrit).toBeCloseTo(120, 4);
    expect(f.eMin).toBeCloseTo(9600, 2);
    expect(f.r2).toBeCloseTo(1, 12);
  });
  it('is invariant to rescaling S, and (S/S_min − 1)(E/E_min − 1) = 1 on its own curve', () => {
    const S = Bs.map((B, i) => 50 * (1 + 40 / B) * (1 + 0.05 * Math.sin(i)));
    const a = fitStepsHyperbola(Bs, S);
    const b = fitStepsHyperbola(
      Bs,
      S.map((s) => 3 * s),
    );
    // a scale only moves log S_min: B_crit and R² are unchanged up to the search tolerance
    expect(b.bCrit / a.bCrit).toBeCloseTo(1, 6);
    expect(b.sMin / a.sMin).toBeCloseTo(3, 6);
    expect(b.r2).toBeCloseTo(a.r2, 9);
    for (const B of Bs) {
      const s = a.sMin * (1 + a.bCrit / B);
      expect((s / a.sMin - 1) * ((B * s) / a.eMin - 1)).toBeCloseTo(1, 9); // algebraic identity, float error
    }
  });
  it('names bad input', () => {
    expect(() => fitStepsHyperbola([1, 2], [3, 4])).toThrow(/need ≥ 3 \(batch, steps\) pairs/);
    expect(() => fitStepsHyperbola([1, 2, 4], [3, Number.POSITIVE_INFINITY, 1])).toThrow(/steps must be finite and > 0/);
  });
});

describe('ExampleStream', () => {
  it('serves the same example sequence whatever the batch grouping (common random numbers)', () => {
    const task = noisyTanhTeacher(3, 2, 0.5, Rng.fromSeed(1, 'teacher'));
    const a = new ExampleStream(task, Rng.fromSeed(2, 'stream'), 7);
    const b = new ExampleStream(task, Rng.fromSeed(2, 'stream'), 7);
    const xa: number[] = [];
    const ya: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = a.next(4);
      xa.push(...t.x.data);
      ya.push(...t.y.data);
    }
    const xb: number[] = [];
    const yb: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = b.next(8);
      xb.push(...t.x.data);
      yb.push(...t.y.data);
    }
    expect(xb).toEqual(xa);
    expect(yb).toEqual(ya);
    expect(a.seen).toBe(24);
  });
});

describe('curve helpers', () => {
  it('checkpointGrid is geometric, strictly increasing, starts at 0 and lands on multiples', () => {
    const g = checkpointGrid(1000, 64000, 12, 64);
    expect(g[0]).toBe(0);
    expect(g[g.length - 1]).toBe(64000);
    for (let i = 1; i < g.length; i++) {
      expect(g[i]).toBeGreaterThan(g[i - 1]);
      expect(g[i] % 64).toBe(0);
    }
  });
  it('meanRelativeDeviation skips the shared initial point and flags divergence', () => {
    expect(meanRelativeDeviation([1, 2, 4], [1, 2.2, 3.6])).toBeCloseTo(0.1, 12); // (0.1 + 0.1)/2, float error
    expect(meanRelativeDeviation([1, 2, 4], [1, 2, Number.POSITIVE_INFINITY])).toBe(Number.POSITIVE_INFINITY);
  });
  it('spearman is ±1 on monotone data', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 25, 100])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
  });
});

describe('critical-batch-size noise criterion', () => {
  it('fQuantile matches tabulated F points (99%: F(5, 15) = 4.556, F(5, 5) = 10.97; 95%: F(5, 15) = 2.901)', () => {
    // 40000 draws: the Monte Carlo error of the 99% point is ≈ 1–2% (more in the heavy tail of F(5, 5))
    expect(Math.abs(fQuantile(5, 15, 0.99) / 4.556 - 1)).toBeLessThan(0.04);
    expect(Math.abs(fQuantile(5, 5, 0.99) / 10.97 - 1)).toBeLessThan(0.08);
    expect(Math.abs(fQuantile(5, 15, 0.95) / 2.901 - 1)).toBeLessThan(0.03);
  });
  it('is ≈ 1 (an F ratio) for the true law with replica noise, ≫ 1 for a law of the wrong shape', () => {
    // exact S = 60(1 + 100/B) times per-replica lognormal noise with a common (per-replica, all-B) part that the
    // fit absorbs into S_min and an independent part; S of a subset is the geometric mean of its replicas, so
    // the jackknife is exact for this linear statistic and E[T] = 1 under the law
    const Bs = [8, 16, 32, 64, 128, 256, 512];
    const R = 4;
    const rng = Rng.fromSeed(3, 'noise-criterion');
    const law = stepsLaw(1, 1);
    const rival = stepsLaw(1, 2);
    const tLaw: number[] = [];
    const tRival: number[] = [];
    for (let trial = 0; trial < 200; trial++) {
      const logRep = Array.from({ length: R }, () => {
        const common = 0.3 * rng.normal();
        return Bs.map((B) => Math.log(60 * (1 + 100 / B)) + common + 0.05 * rng.normal());
      });
      const gm = (reps: number[][]) => Bs.map((_, i) => Math.exp(reps.reduce((a, r) => a + r[i], 0) / reps.length));
      const S = gm(logRep);
      const loo = logRep.map((_, q) => gm(logRep.filter((__, j) => j !== q)));
      tLaw.push(noiseUnitResiduals(law, Bs, S, loo));
      tRival.push(noiseUnitResiduals(rival, Bs, S, loo));
    }
    const avg = (v: number[]) => v.reduce((a, x) => a + x, 0) / v.length;
    // E[F(5, 15)] = 15/13 ≈ 1.15; the mean of 200 draws (sd of F(5, 15) ≈ 0.9) lies within ±0.25 of it
    expect(Math.abs(avg(tLaw) - 15 / 13)).toBeLessThan(0.25);
    const bound = fQuantile(5, 15, 0.99);
    expect(tLaw.filter((t) => t > bound).length).toBeLessThan(10);
    expect(tRival.filter((t) => t > bound).length).toBeGreaterThan(190);
  });
});

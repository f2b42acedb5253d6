/**
 * `transformer-representation-convergence` (catalog 38):
 * - oracles for its alignment statistics (./alignment.ts): the per-window mutual k-NN averages to the
 *   instrument's own `mutualKnnAlignment`; a representation against itself aligns 1 in every bootstrap
 *   resample; the slope and excess estimates on exact lines and under the invariances of a z-score;
 *   the permutation trend of a perfectly monotone alignment;
 * - the quick profile holds at seed 0 (seeds 0–2 with LMECH_SLOW=1), every control is falsified, and wrong theories judged on
 *   the same measurement (alignment falling with width; a performance trend stronger than any permutation
 *   can show) leave `holds`; a measurement without the mutual k-NN trends is falsified, while linear CKA's trends
 *   are reported, not judged (the study header says why), and its excess over the nulls is judged;
 * - the share of Σλ² in the top principal directions (the weight linear CKA gives them) on an exact spectrum.
 */
import { describe, expect, it } from 'vitest';
import type { Mat } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';
import { randomOrthonormalColumns } from '../../src/core/stats.ts';
import { linearCkaFeatureSpace, mutualKnnAlignment } from '../../src/observe/similarity.ts';
import {
  bootstrapLinearCka,
  excessEstimate,
  gatherWindows,
  knnOverlapByWindow,
  pairAlignment,
  pairRankTrend,
  representation,
  slopeEstimate,
  topPrincipalShare,
  windowResamples,
} from '../../src/studies/transformer-representation-convergence/alignment.ts';
import { transformerRepresentationConvergence as study } from '../../src/studies/transformer-representation-convergence/index.ts';
import type { AnyStudy, Observations, StudyResult } from '../../src/studies/types.ts';
import { evaluateMetric, judge } from '../../src/studies/verdict.ts';
import { quickRun } from './sharedRun.ts';

function randomMat(rows: number, cols: number, rng: Rng): Mat {
  const data = new Float64Array(rows * cols);
  rng.fillNormal(data, 1);
  return { rows, cols, data };
}

describe('alignment statistics (oracles)', () => {
  const rng = Rng.fromSeed(11);
  const T = 8;
  const a = randomMat(12 * T, 5, rng.child('a'));
  const b = randomMat(12 * T, 7, rng.child('b'));

  it('the mean of the per-window mutual k-NN overlaps is the instrument’s mutual k-NN alignment', () => {
    const perWindow = knnOverlapByWindow(representation(a, 4).knn, representation(b, 4).knn, T);
    const mean = perWindow.reduce((s, v) => s + v, 0) / perWindow.length;
    expect(mean).toBeCloseTo(mutualKnnAlignment(a, b, { k: 4 }), 12);
  });

  it('a representation against itself aligns exactly 1, in every bootstrap resample too', () => {
    const r = representation(a, 4);
    const al = pairAlignment(r, r, T, windowResamples(12, 20, rng.child('boot')));
    expect(al.cka).toBeCloseTo(1, 12);
    expect(al.knn).toBe(1);
    for (const v of [...al.ckaBoot, ...al.knnBoot]) expect(v).toBeCloseTo(1, 12);
  });

  it('the bootstrap CKA from per-window moments is linear CKA of the gathered rows, repeated windows and offsets too', () => {
    const shifted = { ...b, data: b.data.map((v, i) => v + 4 * ((i % 7) - 3)) };
    const draws = [...windowResamples(12, 6, rng.child('draws')), Int32Array.from([5, 5, 5, 0, 1, 2, 3, 4, 6, 7, 8, 9])];
    const boot = bootstrapLinearCka(a, shifted, T, draws);
    // the same sums in another order and with the centering split off: float rounding only
    draws.forEach((r, i) => expect(boot[i]).toBeCloseTo(linearCkaFeatureSpace(gatherWindows(a, r, T), gatherWindows(shifted, r, T)), 11));
    expect(bootstrapLinearCka(a, shifted, T, [])).toHaveLength(0);
  });

  it('gatherWindows takes the rows of the drawn windows in order', () => {
    const g = gatherWindows(a, [3, 0, 3], T);
    expect(g.rows).toBe(3 * T);
    expect(Array.from(g.data.subarray(0, T * 5))).toEqual(Array.from(a.data.subarray(3 * T * 5, 4 * T * 5)));
    expect(Array.from(g.data.subarray(T * 5, 2 * T * 5))).toEqual(Array.from(a.data.subarray(0, T * 5)));
  });

  it('the slope of an exact line has no seed scatter; a shift leaves slope and SE unchanged, a scale leaves z unchanged', () => {
    const x = [3, 3, 4, 4, 5, 5];
    const exact = slopeEstimate(
      x,
      x.map((v) => 0.2 + 0.05 * v),
      [],
    );
    expect(exact.value).toBeCloseTo(0.05, 12);
    expect(exact.seSeeds).toBeCloseTo(0, 12);
    const y = [0.61, 0.6, 0.7, 0.64, 0.75, 0.72];
    const boot = y.map((v, i) => Float64Array.from({ length: 30 }, (_, r) => v + 0.01 * Math.sin(7 * r + i)));
    const e = slopeEstimate(x, y, boot);
    const shifted = slopeEstimate(
      x,
      y.map((v) => v + 0.3),
      boot.map((v) => v.map((u) => u + 0.3)),
    );
    const scaled = slopeEstimate(
      x,
      y.map((v) => 2 * v),
      boot.map((v) => v.map((u) => 2 * u)),
    );
    expect([shifted.value, shifted.seSeeds, shifted.seTokens]).toEqual([e.value, e.seSeeds, e.seTokens].map((v) => expect.closeTo(v, 12)));
    expect(scaled.value).toBeCloseTo(2 * e.value, 12);
    expect(scaled.z).toBeCloseTo(e.z, 10);
    // by hand: slope (Σ(x−x̄)(y−ȳ))/Σ(x−x̄)² over the six points
    expect(e.value).toBeCloseTo((0.75 + 0.72 - 0.61 - 0.6) / 2 / 2, 12);
  });

  it('a constant excess over the null has no seed scatter and z = excess / bootstrap SE', () => {
    const y = [0.8, 0.7, 0.9];
    const boot = y.map((v, i) => Float64Array.from({ length: 40 }, (_, r) => v + 0.02 * Math.cos(3 * r + i)));
    const e = excessEstimate(
      y,
      y.map((v) => v - 0.25),
      boot,
      boot.map((v) => v.map((u) => u - 0.25 + 0.01 * Math.sin(u * 100))),
    );
    expect(e.value).toBeCloseTo(0.25, 12);
    expect(e.seSeeds).toBeCloseTo(0, 12);
    expect(e.z).toBeCloseTo(0.25 / e.seTokens, 10);
  });

  it('the top principal share is Σ_top s⁴ / Σ s⁴ for orthogonal directions of spreads s, in any rotation and offset', () => {
    // n = 64 rows, columns cos(2π(j+1)i/n): zero mean and exactly orthogonal, each of squared norm n/2; scaled by s_j,
    // rotated by a random orthogonal Q and shifted, so the covariance eigenvalues are (n/2)s_j² in an unknown basis
    const n = 64;
    const s = [3, 1, 2, 0.5];
    const d = s.length;
    const q = randomOrthonormalColumns(d, d, Rng.fromSeed(21));
    const x = { rows: n, cols: d, data: new Float64Array(n * d) };
    for (let i = 0; i < n; i++)
      for (let c = 0; c < d; c++) {
        let v = 5;
        for (let j = 0; j < d; j++) v += s[j] * Math.cos((2 * Math.PI * (j + 1) * i) / n) * q[j * d + c];
        x.data[i * d + c] = v;
      }
    const s4 = s.map((v) => v ** 4);
    const total = s4.reduce((a, b) => a + b, 0);
    expect(topPrincipalShare(x, 1)).toBeCloseTo(81 / total, 10);
    expect(topPrincipalShare(x, 2)).toBeCloseTo((81 + 16) / total, 10);
    expect(topPrincipalShare(x, d)).toBeCloseTo(1, 12);
    expect(() => topPrincipalShare(x, 0)).toThrow(/k: expected a positive integer, got 0/);
  });

  it('an alignment that is a monotone function of the pair’s mean score: ρ = 1, above every permutation but ties', () => {
    // powers of two: every pair sum is distinct, so there are no ties in ranks
    const score = [1, 2, 4, 8, 16, 32];
    const pairs: [number, number][] = [];
    for (let i = 0; i < score.length; i++) for (let j = i + 1; j < score.length; j++) pairs.push([i, j]);
    const align = pairs.map(([i, j]) => Math.log(score[i] + score[j]));
    const r = pairRankTrend(score, pairs, align, 719, Rng.fromSeed(4));
    expect(r.rho).toBeCloseTo(1, 12);
    // only the identity ties (any other permutation reorders some pair sums): 1/720 of the draws on average
    expect(r.quantile).toBeGreaterThan(0.97);
    const reversed = pairRankTrend(
      score.map((v) => -v),
      pairs,
      align,
      719,
      Rng.fromSeed(4),
    );
    expect(reversed.rho).toBeCloseTo(-1, 12);
    expect(reversed.quantile).toBeLessThan(0.03);
  });
});

function verdictWith(r: StudyResult, scalars: Record<string, number>, measured: Record<string, number> = {}) {
  const pred: Observations = { ...r.prediction, scalars: { ...r.prediction.scalars, ...scalars } };
  const meas: Observations = { ...r.measurement, scalars: { ...r.measurement.scalars, ...measured } };
  const cmp = study.compare(pred as never, meas as never, r.provenance.params as never);
  return judge(cmp.metrics.map(evaluateMetric), cmp.regime);
}

describe.each(process.env.LMECH_SLOW ? [0, 1, 2] : [0])('quick profile at seed %i', (seed) => {
  it('holds, every control is falsified, and wrong theories on the same measurement are not', async () => {
    const r = await quickRun(study as AnyStudy, seed);
    const failing = r.metrics.filter((m) => !m.pass && !m.sanity).map((m) => `${m.name}=${m.value} (${m.criterionText})`);
    const regime = r.regime.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    expect({ verdict: r.verdict, error: r.error, failing, regime }).toEqual({ verdict: 'holds', error: undefined, failing: [], regime: [] });
    expect(r.controls?.map((c) => c.name)).toHaveLength(4);
    for (const c of r.controls ?? []) expect([c.name, c.verdict]).toEqual([c.name, 'falsified']);
    for (const f of r.figures) {
      const names = new Set(f.series.map((s) => s.name));
      expect(r.measurement.series.some((s) => s.kind === 'measured' && names.has(s.name))).toBe(true);
    }
    // a flipped sign: alignment falls with width (z of the slope ≤ −2)
    expect(verdictWith(r, { 'width trend z: lo': Number.NEGATIVE_INFINITY, 'width trend z: hi': -2 })).toBe('falsified');
    // a changed constant: a performance trend above 99.9% of its permutations (the quick run has 499 of them, far fewer models)
    expect(verdictWith(r, { 'performance trend quantile: lo': 0.999 })).toBe('falsified');
    // the trends are judged on mutual k-NN: a flat k-NN width trend, or one with no performance trend, falsifies ...
    expect(verdictWith(r, {}, { 'mutual kNN width trend z': 0 })).toBe('falsified');
    expect(verdictWith(r, {}, { 'mutual kNN performance trend quantile': 0.5 })).toBe('falsified');
    // ... while linear CKA's trends are reported beside them, not judged (the header: its top principal directions
    // carry most of its weight and align at every width), and its excess over the nulls is judged
    const ckaTrends = r.metrics.filter((m) => m.name.startsWith('CKA:') && m.name.includes('trend'));
    expect(ckaTrends.map((m) => m.sanity)).toEqual([true, true]);
    expect(verdictWith(r, {}, { 'CKA width trend z': 0, 'CKA performance trend quantile': 0.5 })).toBe('holds');
    expect(verdictWith(r, {}, { 'CKA excess over init z': 0 })).toBe('falsified');
    // the reported diagnostics of that choice are in the measurement, at every width
    for (const w of r.provenance.params.widths as number[]) {
      expect(r.measurement.scalars[`final top-3 share of Σλ²@${w}`]).toBeGreaterThan(0);
      expect(r.measurement.scalars[`CKA debiased trained@${w}`]).toBeGreaterThan(0);
      expect(r.measurement.scalars[`CKA debiased trained@${w}`]).toBeLessThanOrEqual(1);
    }
  }, 900_000);
});

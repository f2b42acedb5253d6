/**
 * The transformer studies of catalog 34–35 (lm-scaling-laws, mup-transformer-transfer), quick profile:
 * each holds at seed 0 and at seed 1 with every negative control falsified; a wrong-theory edit of a predicted
 * constant makes it leave `holds`; and lm-scaling-laws' held-out measurements never enter its prediction.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { studentTQuantile } from '../../src/core/special.ts';
import { lmScalingLaws } from '../../src/studies/lm-scaling-laws/index.ts';
import { mupTransformerTransfer, widerIsBetter } from '../../src/studies/mup-transformer-transfer/index.ts';
import { findStudy } from '../../src/studies/registry.ts';
import type { AnyStudy, Observations, StudyResult } from '../../src/studies/types.ts';
import { evaluateMetric, judge } from '../../src/studies/verdict.ts';
import { quickRun } from './sharedRun.ts';

const LONG = 900_000;

async function runQuick(study: AnyStudy, seed: number): Promise<StudyResult> {
  return quickRun(study, seed);
}

function expectFalsifiableHolds(r: StudyResult): void {
  const failing = r.metrics.filter((m) => !m.pass && !m.sanity).map((m) => `${m.name}=${m.value} (${m.criterionText})`);
  const regime = r.regime.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  expect({ verdict: r.verdict, error: r.error, failing, regime }).toEqual({ verdict: 'holds', error: undefined, failing: [], regime: [] });
  expect(r.controls?.length).toBeGreaterThan(0);
  for (const c of r.controls ?? []) expect({ control: c.name, verdict: c.verdict }).toEqual({ control: c.name, verdict: 'falsified' });
  for (const f of r.figures) {
    const names = new Set(f.series.map((s) => s.name));
    expect(r.measurement.series.some((s) => s.kind === 'measured' && names.has(s.name))).toBe(true);
  }
}

/**
 * The study's own metrics and regime checks pass. lm-scaling-laws' rivals are reported but not asserted
 * falsified: at quick-profile sizes E, α and β are not separately identifiable and which rival survives
 * depends on the seed (the study's header documents the finding; the verdict is then `inconclusive`).
 */
function expectMetricsHold(r: StudyResult): void {
  const failing = r.metrics.filter((m) => !m.pass && !m.sanity).map((m) => `${m.name}=${m.value} (${m.criterionText})`);
  const regime = r.regime.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  expect({ error: r.error, failing, regime }).toEqual({ error: undefined, failing: [], regime: [] });
  expect(['holds', 'inconclusive']).toContain(r.verdict);
  expect(r.controls?.map((c) => c.name)).toEqual(['pure power law without E', 'swapped exponents']);
  for (const c of r.controls ?? []) expect(['holds', 'falsified']).toContain(c.verdict);
  expect(r.verdict === 'holds').toBe((r.controls ?? []).every((c) => c.verdict === 'falsified'));
}

/** The verdict of `study` judged against an edited prediction on the same measurement. */
function verdictWith(study: AnyStudy, r: StudyResult, edit: (scalars: Record<string, number>) => void): string {
  const scalars = { ...r.prediction.scalars };
  edit(scalars);
  const cmp = study.compare({ ...r.prediction, scalars }, r.measurement, r.provenance.params);
  return judge(cmp.metrics.map(evaluateMetric), cmp.regime);
}

describe('registry', () => {
  it('lists both studies under their catalog numbers', () => {
    expect(findStudy('lm-scaling-laws')?.catalog).toBe(34);
    expect(findStudy('mup-transformer-transfer')?.catalog).toBe(35);
  });
});

/** Width curves from per-init log losses logs[w][i][s] (the geometric-mean loss is what marks a diverged η). */
const curvesOf = (logs: number[][][]) => logs.map((l) => ({ logs: l, loss: l.map((xs) => Math.exp(xs.reduce((a, x) => a + x, 0) / xs.length)) }));

describe('mup-transformer-transfer: the paired wider-is-better test (oracle)', () => {
  it('flags an η exactly when the paired rise exceeds the one-sided Student-t quantile at the Markov level', () => {
    // one η, widths 16 → 32 → 64, three inits; the rises of the second pair are m + (−1, 0, 1)·h: sample sd h, se h/√3
    const alpha = (2 * 0.05) / (1 * 2);
    const tq = studentTQuantile(1 - alpha, 2);
    const h = 0.01;
    const at = (t: number) => {
      const m = (t * h) / Math.sqrt(3);
      const base = [2, 2.1, 1.9].map(Math.log);
      return widerIsBetter(curvesOf([[base], [base], [base.map((x, s) => x + m + (s - 1) * h)]])).fraction;
    };
    expect([at(0), at(0.98 * tq), at(1.02 * tq), at(-5 * tq)]).toEqual([1, 1, 0, 1]);
  });
  it('skips an η where a width diverged and reports the judged count and the level', () => {
    const fine = [0, 0.01, -0.01];
    const r = widerIsBetter(curvesOf([[fine, fine], [fine, [0, Number.POSITIVE_INFINITY, 0]]]));
    expect({ judged: r.judged, fraction: r.fraction, alpha: r.alpha }).toEqual({ judged: 1, fraction: 1, alpha: 0.1 });
  });
  it('when wider is never worse, two or more flagged η occur at most 5% of the time, independent or fully dependent across η', () => {
    // the quick profile's design: 7 η, 3 widths, 3 inits; null: every rise has mean 0 (the boundary of the law)
    const trials = 2000;
    const failRate = (shared: boolean, seed: number) => {
      const rng = Rng.fromSeed(seed, 'wider-null');
      let fails = 0;
      for (let t = 0; t < trials; t++) {
        const noise = Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => rng.normal()));
        const logs = [0, 1, 2].map((w) => Array.from({ length: 7 }, () => [0, 1, 2].map((s) => (shared ? noise[w][s] : rng.normal()))));
        if (widerIsBetter(curvesOf(logs)).fraction < 6 / 7) fails++;
      }
      return fails / trials;
    };
    // 3 binomial standard errors of a 5% rate over 2000 trials (0.015) above the bound
    const slack = 3 * Math.sqrt((0.05 * 0.95) / trials);
    expect(failRate(false, 0)).toBeLessThanOrEqual(0.05 + slack);
    expect(failRate(true, 1)).toBeLessThanOrEqual(0.05 + slack);
  });
  it('detects a loss that rises with width by several init-to-init spreads at every η', () => {
    const rng = Rng.fromSeed(2, 'wider-power');
    // a rise of 20 per-init sd per width step: the paired rises have sd √2 and se √(2/3), so t ≈ 24 against the
    // one-sided quantile t_{1−0.1/14, 2} ≈ 8.3
    const logs = [0, 1, 2].map((w) => Array.from({ length: 7 }, () => [0, 1, 2].map(() => 20 * w + rng.normal())));
    expect(widerIsBetter(curvesOf(logs)).fraction).toBe(0);
  });
});

describe('mup-transformer-transfer (quick)', () => {
  let r0: StudyResult;
  beforeAll(async () => {
    r0 = await runQuick(mupTransformerTransfer as AnyStudy, 0);
  }, LONG);
  it('holds at seed 0 with its controls falsified', () => expectFalsifiableHolds(r0));
  it('holds at seed 1 with its controls falsified', async () => expectFalsifiableHolds(await runQuick(mupTransformerTransfer as AnyStudy, 1)), LONG);
  it('wrong theories leave holds: η* ∝ d (slope +1) under SP, and an SP drift predicted at 4 grid steps', () => {
    expect(verdictWith(mupTransformerTransfer as AnyStudy, r0, (s) => {
      s['SP η* slope in width'] = 1;
    })).toBe('falsified');
    expect(verdictWith(mupTransformerTransfer as AnyStudy, r0, (s) => {
      s['SP η* drift (grid steps)'] = 4;
    })).toBe('falsified');
  });
  it('wider-is-better allows exactly one exception among the judged learning rates (6 of 7 passes, 5 of 7 does not)', () => {
    const passes = (ok: number, judged: number) => {
      const measurement = { ...r0.measurement, scalars: { ...r0.measurement.scalars, 'mup wider-is-better fraction': ok / judged, 'mup wider-is-better judged learning rates': judged } };
      const m = mupTransformerTransfer.compare(r0.prediction, measurement, r0.provenance.params as never).metrics.find((x) => x.name.startsWith('μP wider-is-better'));
      return m === undefined ? undefined : evaluateMetric(m).pass;
    };
    // 6/7 and the bound 1 − 1/7 differ by an ulp: the bound must be formed so that one exception is exactly allowed
    expect([passes(7, 7), passes(6, 7), passes(5, 7), passes(9, 10), passes(8, 10)]).toEqual([true, true, false, true, false]);
  });
});

describe('lm-scaling-laws (quick)', () => {
  let r0: StudyResult;
  beforeAll(async () => {
    r0 = await runQuick(lmScalingLaws as AnyStudy, 0);
  }, LONG);
  it('its held-out predictions hold at seed 0 (controls reported)', () => expectMetricsHold(r0));
  it('its held-out predictions hold at seed 1 (controls reported)', async () => expectMetricsHold(await runQuick(lmScalingLaws as AnyStudy, 1)), LONG);
  it('reports the fitted exponents and the compute-optimal allocation with intervals', () => {
    const s = r0.measurement.scalars;
    for (const k of ['alpha (N exponent)', 'beta (D exponent)', 'a (N_opt ∝ C^a)']) expect(Number.isFinite(s[k])).toBe(true);
    expect(s['alpha: 95% low']).toBeLessThanOrEqual(s['alpha: 95% high']);
    expect(s['a: 95% low']).toBeLessThanOrEqual(s['a: 95% high']);
    expect(r0.measurement.notes?.some((n) => n.includes('Held-out predictions'))).toBe(true);
  });
  it('the held-out measured losses never enter the prediction', () => {
    const params = r0.provenance.params;
    const held = Object.keys(r0.measurement.scalars).filter((k) => (params.heldOutWidths as number[]).some((d) => k.startsWith(`loss d=${d} `)));
    expect(held.length).toBeGreaterThan(0);
    const moved: Observations = { ...r0.measurement, scalars: { ...r0.measurement.scalars } };
    for (const k of held) moved.scalars[k] *= 1.5;
    const a = lmScalingLaws.compare(r0.prediction as never, r0.measurement as never, params as never).metrics;
    const b = lmScalingLaws.compare(r0.prediction as never, moved as never, params as never).metrics;
    expect(b.map((m) => m.criterion)).toEqual(a.map((m) => m.criterion));
    b.forEach((m, i) => expect(m.value).toBeCloseTo(1.5 * a[i].value, 12));
  });
  it('a wrong theory leaves holds: the held-out loss predicted 10% above the extrapolation', () => {
    expect(verdictWith(lmScalingLaws as AnyStudy, r0, (s) => {
      s['held-out loss / extrapolated loss'] = 1.1;
    })).toBe('falsified');
  });
});

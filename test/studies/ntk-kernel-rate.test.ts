/**
 * ntk-linearization's kernel-rate criterion on synthetic measurements whose rate is known (no training): the local
 * slope between the two largest widths, within the pre-asymptotic offset left there plus two standard errors, tells
 * the kernel's n^{-1} (with a slowly decaying correction) from Lee et al.'s n^{-1/2}, and below the judging width the
 * rate is reported but not judged.
 */
import { describe, expect, it } from 'vitest';
import { ntkLinearization } from '../../src/studies/ntk-linearization.ts';
import { evaluateMetric, judge } from '../../src/studies/verdict.ts';

type P = ReturnType<typeof ntkLinearization.schema.parse>;

/** A measurement whose kernel change is `dk(n)`, every other judged quantity on its predicted rate. */
function measurement(widths: number[], dk: (n: number) => number, logSd = 0.05) {
  const scalars: Record<string, number> = { 'min loss drop': 0.95, 'max η·λ_max/2': 0.5 };
  for (const w of widths) {
    scalars[`gap@${w}`] = 2 / w;
    scalars[`dw@${w}`] = 3 / Math.sqrt(w);
    scalars[`dk@${w}`] = dk(w);
    scalars[`dk log sd@${w}`] = logSd;
  }
  return { scalars, series: [] };
}

function verdictOf(p: P, meas: ReturnType<typeof measurement>, kernelExponent?: number): string {
  const pred = ntkLinearization.predict(p);
  const scalars = kernelExponent === undefined ? pred.scalars : { ...pred.scalars, 'exponent of the kernel change in n': kernelExponent };
  const cmp = ntkLinearization.compare({ ...pred, scalars }, meas, p);
  return judge(cmp.metrics.map(evaluateMetric), cmp.regime);
}

describe('ntk-linearization kernel rate', () => {
  const p = ntkLinearization.schema.parse({ widths: [64, 256, 1024, 4096], seeds: 3 });
  // n^{-1}(1 − 4/√n): a correction that makes the small widths' local slope look like −0.7, as measured
  const corrected = (n: number) => (1 - 4 / Math.sqrt(n)) / n;

  it('holds for n^{-1} with a decaying correction, and the n^{-1/2} rival is falsified on it', () => {
    const m = measurement(p.widths, corrected);
    expect(verdictOf(p, m)).toBe('holds');
    expect(verdictOf(p, m, -0.5)).toBe('falsified');
  });

  it('a true n^{-1/2} kernel falsifies the n^{-1} prediction and satisfies the rival', () => {
    const m = measurement(p.widths, (n) => 1 / Math.sqrt(n));
    expect(verdictOf(p, m)).toBe('falsified');
    expect(verdictOf(p, m, -0.5)).toBe('holds');
  });

  it('the allowed offset grows with the change of the local slope, and the inits’ spread widens the band', () => {
    const tolOf = (m: ReturnType<typeof measurement>) => {
      const k = ntkLinearization.compare(ntkLinearization.predict(p), m, p).metrics.find((x) => x.name.startsWith('local slope of kernel change'));
      if (k?.criterion.op !== 'abs') throw new Error('no judged local kernel slope');
      return k.criterion.tol;
    };
    expect(tolOf(measurement(p.widths, (n) => 1 / n, 0))).toBeCloseTo(0, 10); // an exact power law: no offset, no noise
    expect(tolOf(measurement(p.widths, corrected, 0))).toBeGreaterThan(0.05);
    expect(tolOf(measurement(p.widths, (n) => 1 / n, 0.2))).toBeCloseTo((2 * Math.hypot(0.2, 0.2)) / Math.sqrt(3) / Math.log(4), 10);
  });

  it('below 2048 the kernel rate is reported, not judged, and the rival control does not apply', () => {
    const q = ntkLinearization.schema.parse({ widths: [64, 256, 1024], seeds: 2 });
    const cmp = ntkLinearization.compare(ntkLinearization.predict(q), measurement(q.widths, (n) => 1 / Math.sqrt(n)), q);
    const kernel = cmp.metrics.filter((m) => m.prediction === 'exponent of the kernel change in n');
    expect(kernel.map((m) => m.sanity)).toEqual([true]);
    const rival = ntkLinearization.controls?.find((c) => c.name.includes('n^{-1/2}'));
    expect(rival?.applies?.(q)).toBe(false);
    expect(rival?.applies?.(p)).toBe(true);
  });
});

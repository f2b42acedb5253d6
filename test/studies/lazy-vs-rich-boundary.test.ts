/**
 * The predicted lazy/rich crossover of catalog 8 (issue 16: `boundary`), without training: its axes and sides,
 * and its value against bounds that hold for every teacher the study draws.
 */
import { describe, expect, it } from 'vitest';
import { lazyVsRich } from '../../src/studies/lazy-vs-rich.ts';
import { lazyRichCrossover } from '../../src/theory/lazyCrossover.ts';

const params = lazyVsRich.schema.parse({});

describe('lazy-vs-rich predicted boundary', () => {
  it('puts the lazy part above and the rich part below one crossover α_c, on axes of the schema', () => {
    const b = lazyVsRich.boundary?.(params) ?? [];
    expect(b.map((x) => [x.axis, x.holds])).toEqual([
      ['lazyAlpha', 'above'],
      ['richAlpha', 'below'],
    ]);
    for (const x of b) {
      expect(Object.keys(params)).toContain(x.axis);
      expect(x.factor).toBeGreaterThan(1);
      expect(x.reason).toMatch(/‖f\*‖_k\/2/);
    }
    expect(b[0].value).toBe(b[1].value);
  });

  it('α_c lies between the bounds every 3-unit teacher obeys: the constant mode alone and 3× a single unit', () => {
    // ‖f*‖²_k ≥ |f₀|²/κ₀ = (3/π)²/(4/π²) = 9/4, so α_c ≥ 3/4; and |S_m| ≤ 3 for every mode, so α_c ≤ 3·α_c(one unit)
    const single = lazyRichCrossover([0]).crossoverAlpha;
    const v = lazyVsRich.boundary?.(params)[0].value ?? Number.NaN;
    expect(v).toBeGreaterThanOrEqual(0.75);
    expect(v).toBeLessThanOrEqual(3 * single);
  });

  it('is pure: the same value at any width, number of points and loss target (the crossover does not depend on them)', () => {
    const at = (over: Record<string, unknown>) => lazyVsRich.boundary?.(lazyVsRich.schema.parse(over))[0].value;
    const base = at({});
    expect(at({ width: 50, points: 30, lossRatio: 1e-3 })).toBe(base);
    expect(at({ width: 2000, points: 1000 })).toBe(base);
  });
});

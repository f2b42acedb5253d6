/**
 * dln-saxe-modes (catalog 1) made falsifiable: the quick profile holds, its controls (logistic rate 1·s; the
 * depth-2 exponent at every depth) are falsified, and hand-made wrong theories leave `holds`. Oracle for the
 * half-time quadrature: the logistic closed form ln(s/u₀ − 1)/(2s), and the RK45 curve of saxeModeTrajectory at L = 3.
 */
import { describe, expect, it } from 'vitest';
import { dlnSaxeModes, modeHalfTime } from '../../src/studies/dln-saxe-modes.ts';
import { saxeHalfTime, saxeModeTrajectory } from '../../src/theory/saxe.ts';
import { expectFalsifiableHolds, runQuick, verdictUnder } from './falsifiability.ts';

describe('modeHalfTime (∫ du/(c u^e (s − u)) by Simpson in ln u)', () => {
  it('equals the logistic closed form for c = 2, e = 1', () => {
    for (const [s, u0] of [
      [5, 1e-3],
      [0.5, 1e-3],
      [2, 1e-6],
    ]) expect(Math.abs(modeHalfTime(s, u0, 2, 1) - saxeHalfTime(s, u0)) / saxeHalfTime(s, u0)).toBeLessThan(1e-10);
  });
  it('is where the depth-3 ODE solution crosses s/2', () => {
    const s = 2;
    const t = modeHalfTime(s, 1e-3, 3, 4 / 3);
    const [below, above] = saxeModeTrajectory(s, 1e-3, 3, [t * (1 - 1e-6), t * (1 + 1e-6)]);
    expect(below).toBeLessThan(s / 2);
    expect(above).toBeGreaterThan(s / 2);
  });
});

describe('dln-saxe-modes: falsifiable (quick profile)', () => {
  it('holds, its controls are falsified, and wrong theories leave holds', async () => {
    const r = await runQuick(dlnSaxeModes);
    expectFalsifiableHolds(r);
    expect(r.controls?.map((c) => c.name)).toEqual(['logistic rate 1·s instead of 2·s', 'depth-2 exponent at every depth (u¹ instead of u^{2−2/L})']);
    const halfTimes = Object.entries(r.prediction.scalars).filter(([k]) => k.startsWith('τ½'));
    expect(halfTimes.length).toBe(10);
    // a changed constant: every predicted half-time 10% longer
    expect(verdictUnder(dlnSaxeModes, r, Object.fromEntries(halfTimes.map(([k, v]) => [k, 1.1 * v])))).toBe('falsified');
    // a swapped exponent: 2/L in place of 2 − 2/L at L = 3
    expect(verdictUnder(dlnSaxeModes, r, { 'exponent L=3': 2 / 3 })).toBe('falsified');
    // a flipped sign: smaller modes first
    expect(verdictUnder(dlnSaxeModes, r, { order: -1 })).toBe('falsified');
    // the random-init logistic rate 1.5 instead of 2
    expect(verdictUnder(dlnSaxeModes, r, { 'rate random': 1.5 })).toBe('falsified');
    expect(verdictUnder(dlnSaxeModes, r, {})).toBe('holds');
  }, 120_000);
});

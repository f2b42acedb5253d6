/**
 * dln-progressive-sharpening (catalog 17) made falsifiable: the quick profile holds, its controls (sharpening up
 * to 2/η; no sharpening; logistic rate 1·s) are falsified, and hand-made wrong theories leave `holds`.
 */
import { describe, expect, it } from 'vitest';
import { dlnProgressiveSharpening } from '../../src/studies/dln-progressive-sharpening.ts';
import { expectFalsifiableHolds, runQuick, verdictUnder } from './falsifiability.ts';

describe('dln-progressive-sharpening: falsifiable (quick profile)', () => {
  it('holds, its controls are falsified, and wrong theories leave holds', async () => {
    const r = await runQuick(dlnProgressiveSharpening);
    expectFalsifiableHolds(r);
    const finals = (f: (v: number) => number) => Object.fromEntries(Object.entries(r.prediction.scalars).filter(([k]) => k.startsWith('final sharpness at')).map(([k, v]) => [k, f(v)]));
    expect(Object.keys(finals((v) => v)).length).toBe(2);
    // a changed constant: s₁ + s₂ (quick: 3 + 2) in place of 2s₁
    expect(verdictUnder(dlnProgressiveSharpening, r, finals((v) => (v / 2) * (1 + 2 / 3)))).toBe('falsified');
    expect(verdictUnder(dlnProgressiveSharpening, r, finals((v) => 1.05 * v))).toBe('falsified');
    // a swapped rate: u̇ = 4u(s − u)
    expect(verdictUnder(dlnProgressiveSharpening, r, { 'logistic rate': 4 })).toBe('falsified');
  }, 120_000);
});

/** The accuracy ties of catalog 27's rank correlation (seed robustness, issue 13), on cases with a known answer. */
import { describe, expect, it } from 'vitest';
import { tieUnresolved } from '../../src/studies/representation-convergence.ts';

describe('representation-convergence: tieUnresolved', () => {
  it('ties values closer than the resolution to their neighbour, each group at its mean, in the input order', () => {
    const out = tieUnresolved([0.95, 0.9, 0.99, 0.951, 0.905], 0.01);
    expect(out[1]).toBeCloseTo(0.9025, 12);
    expect(out[4]).toBeCloseTo(0.9025, 12);
    expect(out[0]).toBeCloseTo(0.9505, 12);
    expect(out[3]).toBeCloseTo(0.9505, 12);
    expect(out[2]).toBe(0.99);
  });

  it('does not chain: steps each below the resolution never merge values a resolution apart', () => {
    const out = tieUnresolved([0.1, 0.108, 0.116, 0.124], 0.01);
    expect(out[0]).toBeCloseTo(0.104, 12);
    expect(out[1]).toBeCloseTo(0.104, 12);
    expect(out[2]).toBeCloseTo(0.12, 12);
    expect(out[3]).toBeCloseTo(0.12, 12);
  });

  it('keeps every value apart at zero resolution, and ties everything at a resolution above the range', () => {
    const v = [0.3, 0.1, 0.2];
    expect(tieUnresolved(v, 0)).toEqual(v);
    expect(new Set(tieUnresolved(v, 1)).size).toBe(1);
  });
});

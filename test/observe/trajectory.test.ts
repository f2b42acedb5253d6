import { describe, expect, it } from 'vitest';
import { massNearLines, resolvedPeaks } from '../../src/observe/trajectory.ts';

describe('resolvedPeaks', () => {
  const bump = (t: number, c: number, h: number, w: number) => h * Math.exp(-(((t - c) / w) ** 2) / 2);
  const grid = Array.from({ length: 2001 }, (_, i) => i / 100); // t ∈ [0, 20]

  it('resolves two well-separated bumps of very different heights', () => {
    // heights 37 and 0.037 (the s = 5 and s = 0.5 drops of a Saxe staircase differ by 1000×)
    const r = grid.map((t) => bump(t, 4, 37, 0.5) + bump(t, 14, 0.037, 1));
    expect(resolvedPeaks(r, 0.5).map((i) => grid[i])).toEqual([4, 14]);
  });

  it('merges overlapping bumps (a shoulder is not a peak) and counts one plateau top once', () => {
    // separation 1 with widths 1: the sum is unimodal
    const r = grid.map((t) => bump(t, 5, 1, 1) + bump(t, 6, 1, 1));
    expect(resolvedPeaks(r, 0.5)).toHaveLength(1);
    expect(resolvedPeaks([0, 1, 1, 1, 0], 0.5)).toEqual([1]);
  });

  it('uses the prominence fraction: a dip to 60% of the smaller peak resolves at fraction 0.3, not at 0.5', () => {
    const r = [0, 1, 0.6, 1.2, 0];
    expect(resolvedPeaks(r, 0.5)).toEqual([3]);
    expect(resolvedPeaks(r, 0.3)).toEqual([1, 3]);
  });

  it('names bad input', () => {
    expect(() => resolvedPeaks([1, 2], 0)).toThrow(/fraction must be in \(0, 1\], got 0/);
    expect(() => resolvedPeaks([1, Number.NaN], 0.5)).toThrow(/r\[1\] is NaN/);
  });
});

describe('massNearLines', () => {
  const deg = Math.PI / 180;
  const at = (thetaDeg: number, r: number) => [r * Math.cos(thetaDeg * deg), r * Math.sin(thetaDeg * deg)];
  // neurons at 5° (mass 1·2), 185° (mass 1·1), 90° (mass 3·1), 30° (mass 1·1)
  const w = { rows: 4, cols: 2, data: Float64Array.from([...at(5, 2), ...at(185, 1), ...at(90, 1), ...at(30, 1)]) };
  const a = [1, -1, 3, 1];

  it('weights neurons by |aᵢ|‖wᵢ‖ and counts antipodes only for lines', () => {
    // total mass 2 + 1 + 3 + 1 = 7; direction 0° with 10° window: 5° (2) and, as a line, 185° (1)
    expect(massNearLines(w, a, [0], 10 * deg, true)).toBeCloseTo(3 / 7, 15);
    expect(massNearLines(w, a, [0], 10 * deg, false)).toBeCloseTo(2 / 7, 15);
    // two directions: 0° and 270° (whose line contains 90°)
    expect(massNearLines(w, a, [0, 270 * deg], 10 * deg, true)).toBeCloseTo(6 / 7, 15);
    // a neuron is counted once even if two windows contain it
    expect(massNearLines(w, a, [0, 2 * deg], 10 * deg, true)).toBeCloseTo(3 / 7, 15);
  });

  it('uniform directions give the covered fraction of the circle (6 windows of 20° → 1/3)', () => {
    const n = 3600;
    const data = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) [data[2 * i], data[2 * i + 1]] = at((i + 0.5) / 10, 1);
    // 3600 unit neurons at 0.05°, 0.15°, …: window edges fall halfway between neurons, 200 per 20° window
    expect(massNearLines({ rows: n, cols: 2, data }, new Float64Array(n).fill(1), [0, 100 * deg, 200 * deg], 10 * deg)).toBeCloseTo(1 / 3, 12);
  });

  it('names bad input', () => {
    expect(() => massNearLines({ rows: 1, cols: 3, data: new Float64Array(3) }, [1], [0], 0.1)).toThrow(/w has 3 columns, expected 2/);
    expect(() => massNearLines(w, [1], [0], 0.1)).toThrow(/a has 1 entries, expected 4/);
  });
});

/** The finite-sample error of μTransfer's η* slope (catalog 11, seed robustness, issue 13), on cases with a known answer. */
import { describe, expect, it } from 'vitest';
import { slopeResiduals } from '../../src/studies/mup-lr-transfer.ts';

const x = [5, 6, 7, 8]; // log₂ of widths 32…256

describe('mup-lr-transfer: slopeResiduals (seed offset + common slope)', () => {
  it('is exactly zero when every seed is its own offset plus the same slope, whatever the offsets', () => {
    // y[w][s] = a_s − x_w with a = (−1, 2, 0.5)
    const y = x.map((v) => [-1 - v, 2 - v, 0.5 - v]);
    const r = slopeResiduals(x, y);
    expect(r.rss).toBeCloseTo(0, 20);
    expect(r.dof).toBe(3 * 4 - 3 - 1);
  });

  it('sees seeds whose slopes differ: two seeds with slopes −1 ± δ leave Σ(δ·(x − x̄))² = 2δ²·Sxx', () => {
    const d = 0.3;
    const y = x.map((v) => [-(1 + d) * v, -(1 - d) * v]);
    const sxx = 5; // Σ(x − 6.5)²
    expect(slopeResiduals(x, y).rss).toBeCloseTo(2 * d * d * sxx, 12);
  });

  it('leaves out a seed with a non-finite optimum, and has no degrees of freedom with fewer than two seeds', () => {
    const y = x.map((v, w) => [-v, w === 2 ? Number.NaN : -v + 1, 3 - v]);
    expect(slopeResiduals(x, y).dof).toBe(2 * 4 - 2 - 1);
    expect(slopeResiduals(x, x.map((v) => [-v]))).toEqual({ rss: 0, dof: 0 });
  });
});

/**
 * central-flow's split of criterion (c) (issue 13): the error of the predicted time-averaged loss L(θ_CF) + ½σ²S is
 * divided into the central path (L(θ_CF) against GD's midpoint loss L(w̄)) and the oscillation (GD's L − L(w̄)
 * against ½σ²S). Oracle: series built so that both parts are known, window by window.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { splitLossError } from '../../src/studies/central-flow.ts';

describe('central-flow: splitLossError', () => {
  it('recovers a known central-path error and oscillation ratio per window', () => {
    const rng = Rng.fromSeed(7, 'split-oracle');
    const n = 120;
    const windows: [number, number][] = [
      [0, 40],
      [40, 80],
      [80, 120],
    ];
    // per window: the flow's path loss is (1 + e)·L(w̄), and GD's oscillation energy is r × the predicted one
    const e = [0.02, -0.07, 0.04];
    const r = [0.3, 1.6, 1];
    const midpoint = new Float64Array(n);
    const flow = new Float64Array(n);
    const osc = new Float64Array(n);
    const gd = new Float64Array(n);
    const predicted = new Float64Array(n);
    windows.forEach(([i0, i1], w) => {
      for (let t = i0; t < i1; t++) {
        midpoint[t] = 0.5 + rng.uniform();
        flow[t] = (1 + e[w]) * midpoint[t];
        osc[t] = 0.1 * rng.uniform();
        predicted[t] = flow[t] + osc[t];
      }
      // GD's oscillation energy is r × the predicted one on the window's mean (it may vary step by step)
      let mOsc = 0;
      for (let t = i0; t < i1; t++) mOsc += osc[t] / (i1 - i0);
      for (let t = i0; t < i1; t++) gd[t] = midpoint[t] + r[w] * mOsc * (0.5 + (t % 2));
    });
    const s = splitLossError(windows, { gd, midpoint, predicted, flow });
    // exact by construction up to float rounding of means over 40 terms
    expect(s.pathMaxRelError).toBeCloseTo(Math.max(...e.map(Math.abs)), 12);
    expect(s.oscillationRatioMin).toBeCloseTo(Math.min(...r), 12);
    expect(s.oscillationRatioMax).toBeCloseTo(Math.max(...r), 12);
  });

  it('names the field when there is no window', () => {
    const z = new Float64Array(4);
    expect(() => splitLossError([], { gd: z, midpoint: z, predicted: z, flow: z })).toThrow(/windows is empty/);
  });
});

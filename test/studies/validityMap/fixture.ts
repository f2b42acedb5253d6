/**
 * A tiny synthetic study for the validity-map engine's tests: its one judged metric is gap = c·eta/width,
 * judged `<= tol`, so the error ratio is (c·eta/width)/tol and the boundary along width is width* = c·eta/tol
 * exactly (analytic), which is also what its `boundary(params)` predicts (times `boundaryBias`).
 */
import { z } from 'zod';
import { defineStudy } from '../../../src/studies/types.ts';

const Params = z.object({
  width: z.number().int().min(8).max(65536).default(64),
  eta: z.number().positive().max(10).default(0.5),
  c: z.number().positive().default(100),
  tol: z.number().positive().default(0.5),
  activation: z.enum(['tanh', 'relu']).default('tanh'),
  /** multiplies the predicted boundary, so a test can make the prediction wrong */
  boundaryBias: z.number().positive().default(1),
  /** milliseconds `measure` waits, for abort tests */
  delayMs: z.number().min(0).default(0),
});

export const gapStudy = defineStudy(Params, {
  id: 'map-fixture-gap',
  catalog: 0,
  pillar: 'limits',
  title: 'map fixture: gap = c·eta/width',
  claim: 'fixture: the gap falls as 1/width',
  papers: [],
  core: false,
  quick: { c: 100 },
  predict: () => ({ scalars: { gap: 0 }, series: [] }),
  async measure(p, ctx) {
    if (p.delayMs > 0) await new Promise((r) => setTimeout(r, p.delayMs));
    // a seed-dependent wobble (±1%) so seeds differ but never cross the boundary differently in these tests
    const wobble = 1 + 0.01 * (ctx.rng.uniform() - 0.5);
    return { scalars: { gap: ((p.c * p.eta) / p.width) * wobble }, series: [] };
  },
  compare: (_pred, meas, p) => ({
    metrics: [
      { name: 'gap', value: meas.scalars.gap ?? Number.NaN, criterion: { op: '<=', bound: p.tol }, reason: 'fixture', prediction: 'gap' },
      { name: 'sanity', value: 1, criterion: { op: '<=', bound: 2 }, reason: 'fixture', sanity: true },
    ],
    regime: [],
  }),
  figures: () => [],
  seeds: { default: 1, threshold: 0.5 },
  boundary: (p) => [{ axis: 'width', value: ((p.c * p.eta) / p.tol) * p.boundaryBias, holds: 'above', factor: 1.5, reason: 'fixture: exact 1/width rate' }],
});

export const studies = [gapStudy];

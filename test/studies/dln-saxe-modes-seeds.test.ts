/**
 * dln-saxe-modes trains its seeds as one stacked model (issue 17, `batchSeeds`): `measureBatch` over seeds 0–4
 * equals `measure` per seed bit for bit (quick and default profiles); points with other parameters in the same call
 * are measured apart; a batch that diverges falls back to the seeds' own runs (equal to them too).
 */
import { describe, expect, it } from 'vitest';
import { dlnSaxeModes } from '../../src/studies/dln-saxe-modes.ts';
import { resolveParams } from '../../src/studies/execute.ts';
import { checkSeedBatch, expectSameBits } from './seedBatch.ts';

const SEEDS = [0, 1, 2, 3, 4];
/** The parameters executeStudy resolves for a profile and overrides, typed. */
const at = (profile: 'quick' | 'default', over: Record<string, unknown> = {}) => dlnSaxeModes.schema.parse(resolveParams(dlnSaxeModes, profile, over));

describe('dln-saxe-modes batched seeds', () => {
  it('declares batchSeeds with a measureBatch', () => {
    expect(dlnSaxeModes.batchSeeds).toBe(true);
    expect(typeof dlnSaxeModes.measureBatch).toBe('function');
  });

  it('measureBatch over seeds 0–4 equals measure per seed, bit for bit (quick)', async () => {
    const batch = await checkSeedBatch(
      dlnSaxeModes,
      SEEDS.map(() => at('quick')),
      SEEDS,
    );
    // the random-init u₀ comes from each seed's own weights: the seeds differ
    expect(new Set(batch.map((m) => m.scalars['u0 random s=5'])).size).toBe(SEEDS.length);
  }, 120_000);

  it('measureBatch over seeds 0–4 equals measure per seed, bit for bit (default profile)', async () => {
    await checkSeedBatch(
      dlnSaxeModes,
      SEEDS.map(() => at('default')),
      SEEDS,
    );
  }, 240_000);

  it('points with other parameters are measured apart, each equal to its own measure', async () => {
    const ps = [at('quick'), at('quick', { eta: 4e-3 }), at('quick'), at('quick', { singularValues: [4, 1] })];
    await checkSeedBatch(dlnSaxeModes, ps, [0, 0, 1, 2]);
  }, 120_000);

  it('a diverging batch is measured seed by seed, equal to measure', async () => {
    // η·s_max = 1.5 > 1 at depth 2: GD overshoots and the loss blows up within the run
    const p = at('quick', { eta: 0.3 });
    const batch = await checkSeedBatch(dlnSaxeModes, [p, p], [0, 1]);
    // the run really diverged: a mode strength left the finite range or the run stopped early
    const curves = batch[0].series.filter((s) => s.kind === 'measured');
    expect(curves.some((s) => s.y.some((v) => !Number.isFinite(v)) || s.x.length < p.samples)).toBe(true);
    expectSameBits(batch[0].series.length, batch[1].series.length);
  }, 60_000);
});

/**
 * Batched points of ntk-linearization (issue 16): `measureBatch` shares the data, the inits and Θ₀ among points
 * that differ only in the absolute step `eta`, and must give each point exactly what `measure` gives, bit for bit
 * (so batched and unbatched points share run ids and cache entries). Checked on the quick profile at map width 64
 * (widths 16 and 64), three step sizes at seed 0 (two below the catapult step 2/λ_max ≈ 0.04, one above it, where
 * the run diverges and the gaps are NaN: equal too) plus one point at seed 1 in the same batch (a different rng, which
 * must not share the seed-0 inits).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { executeStudy, executeStudyBatch, resolveParams } from '../../src/studies/execute.ts';
import { ntkLinearization } from '../../src/studies/ntk-linearization.ts';
import type { MeasureContext, Observations } from '../../src/studies/types.ts';

/** Every number as its IEEE-754 bits, so equality below is bit for bit (NaN payloads, ±0 included). */
function bits(v: unknown): unknown {
  if (typeof v === 'number') {
    const b = new DataView(new ArrayBuffer(8));
    b.setFloat64(0, v);
    return `${b.getUint32(0).toString(16)}:${b.getUint32(4).toString(16)}`;
  }
  if (Array.isArray(v)) return v.map(bits);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, bits(x)]));
  return v;
}

const POINTS = [
  { eta: 0.01, seed: 0 },
  { eta: 0.02, seed: 0 },
  { eta: 0.4, seed: 0 },
  { eta: 0.02, seed: 1 },
];
const overrides = (eta: number) => ({ width: 64, eta });
/** The quick profile's parameters at a point, typed (what resolveParams gives executeStudy). */
const params = POINTS.map(({ eta }) => ntkLinearization.schema.parse({ ...ntkLinearization.quick, ...overrides(eta) }));
/** The context executeStudy builds for a seed. */
const ctx = (seed: number): MeasureContext => ({ rng: Rng.fromSeed(seed, ntkLinearization.id), seed, progress: () => {} });

describe('ntk-linearization measureBatch', () => {
  it('declares eta as its batch axis, with measureBatch', () => {
    expect(ntkLinearization.batchAxes).toEqual(['eta']);
    expect(typeof ntkLinearization.measureBatch).toBe('function');
    // the typed parameters below are those executeStudy resolves
    for (const [i, { eta }] of POINTS.entries()) expect(params[i]).toEqual(resolveParams(ntkLinearization, 'quick', overrides(eta)));
  });

  it('measureBatch(ps)[i] equals measure(ps[i]) bit for bit, scalars and series', async () => {
    const measureBatch = ntkLinearization.measureBatch;
    if (!measureBatch) throw new Error('ntk-linearization has no measureBatch');
    const progress: number[][] = POINTS.map(() => []);
    const batch = await measureBatch(
      params,
      POINTS.map(({ seed }, i) => ({ ...ctx(seed), progress: (f: number) => progress[i].push(f) })),
    );
    expect(batch).toHaveLength(POINTS.length);
    for (const [i, { seed }] of POINTS.entries()) {
      const single: Observations = await ntkLinearization.measure(params[i], ctx(seed));
      expect(Object.keys(single.scalars).length).toBeGreaterThan(0);
      expect(bits(batch[i])).toEqual(bits(single));
      // every point hears its own progress, up to 1
      expect(progress[i].at(-1)).toBe(1);
    }
    // the step sizes differ, so the points' measurements must too (the batch did not hand one result to all)
    expect(batch[0].scalars['max η·λ_max/2']).not.toBe(batch[1].scalars['max η·λ_max/2']);
    // same eta, other seed: other data and inits
    expect(Number.isFinite(batch[1].scalars['gap@64'])).toBe(true);
    expect(batch[3].scalars['gap@64']).not.toBe(batch[1].scalars['gap@64']);
  }, 120_000);

  it('executeStudyBatch gives executeStudy results (verdict, metrics, measurement, run id)', async () => {
    const opts = POINTS.slice(0, 2).map(({ eta, seed }) => ({ profile: 'quick' as const, params: overrides(eta), seed, codeVersion: 'batch-test' }));
    const batched = await executeStudyBatch(ntkLinearization, opts);
    for (const [i, o] of opts.entries()) {
      const single = await executeStudy(ntkLinearization, o);
      const strip = (r: typeof single) => bits({ ...r, provenance: { ...r.provenance, durationMs: 0, startedAt: '' } });
      expect(batched[i].error).toBeUndefined();
      expect(strip(batched[i])).toEqual(strip(single));
    }
  }, 120_000);
});

/**
 * Helpers for studies that batch their seeds (issue 17, `Study.batchSeeds`): `measureBatch` over seeds must give
 * every seed exactly what `measure` gives it, so batched and unbatched runs share run ids and cache entries.
 */
import { expect } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import type { AnyStudy, MeasureContext, Observations } from '../../src/studies/types.ts';

/** The context executeStudy builds for a seed (rng `Rng.fromSeed(seed, study.id)`), with a progress sink. */
export const seedContext = (study: AnyStudy, seed: number, progress: (f: number) => void = () => {}): MeasureContext => ({ rng: Rng.fromSeed(seed, study.id), seed, progress });

/**
 * Asserts `a` and `b` agree bit for bit: every number by `Object.is` (so −0 ≠ 0, NaN = NaN), arrays element by
 * element, objects key by key in the same order. `path` names the first difference.
 */
export function expectSameBits(a: unknown, b: unknown, path = '$'): void {
  if (typeof a === 'number' || typeof b === 'number') {
    if (!Object.is(a, b)) expect.fail(`${path}: ${String(a)} vs ${String(b)}`);
    return;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b))) expect.fail(`${path}: an array and a non-array`);
    expect(a.length, `${path}.length`).toBe(b.length);
    a.forEach((x, i) => expectSameBits(x, b[i], `${path}[${i}]`));
    return;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    expect(Object.keys(a), `${path} keys`).toEqual(Object.keys(b));
    for (const [k, x] of Object.entries(a)) expectSameBits(x, (b as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  expect(a, path).toBe(b);
}

/**
 * `measureBatch(ps, seeds)` against `measure` seed by seed: same length, every measurement equal bit for bit, every
 * seed's progress reaching 1, and the seeds' measurements not all alike (the batch did not hand one seed's numbers
 * to all). Returns the batch for further checks.
 */
export async function checkSeedBatch(study: AnyStudy, params: readonly Record<string, unknown>[], seeds: readonly number[]): Promise<Observations[]> {
  const measureBatch = study.measureBatch;
  if (!measureBatch || study.batchSeeds !== true) throw new Error(`${study.id}: expected batchSeeds with a measureBatch`);
  const progress: number[][] = seeds.map(() => []);
  const batch = await measureBatch.call(
    study,
    [...params],
    seeds.map((s, i) => seedContext(study, s, (f) => progress[i].push(f))),
  );
  expect(batch).toHaveLength(seeds.length);
  for (const [i, seed] of seeds.entries()) {
    const single: Observations = await study.measure(params[i], seedContext(study, seed));
    expect(Object.keys(single.scalars).length + single.series.length).toBeGreaterThan(0);
    expectSameBits(batch[i], single, `${study.id} seed ${seed}`);
    expect(progress[i].at(-1)).toBe(1);
  }
  return batch;
}

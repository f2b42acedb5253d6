/**
 * `executeStudyBatch`: one `measureBatch` call for several points, then each point judged like `executeStudy`.
 * Oracle: the same points through `executeStudy` one by one (a fixture study whose batch and single measurements
 * agree by construction). Errors: a throwing or miscounting `measureBatch` gives every point `executeStudy`'s error
 * result; a study without `measureBatch` is measured point by point.
 */

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { executeStudy, executeStudyBatch, ParamError } from '../../src/studies/execute.ts';
import { type AnyStudy, defineStudy, type MeasureContext, type Observations } from '../../src/studies/types.ts';

const Params = z.object({ eta: z.number().positive().default(1), mode: z.enum(['ok', 'throw', 'short']).default('ok') });
type P = z.output<typeof Params>;
const one = (p: P, ctx: MeasureContext): Observations => ({ scalars: { value: p.eta * ctx.rng.uniform() }, series: [] });

function fixture(calls: number[]): AnyStudy {
  return defineStudy(Params, {
    id: 'execute-batch-fixture',
    catalog: 0,
    pillar: 'limits',
    title: 'fixture',
    claim: 'fixture: value = eta · u',
    papers: [],
    core: false,
    quick: {},
    predict: () => ({ scalars: { bound: 1 }, series: [] }),
    measure(p, ctx) {
      if (p.mode === 'throw') throw new RangeError('boom');
      return one(p, ctx);
    },
    batchAxes: ['eta'],
    measureBatch(ps, ctxs) {
      calls.push(ps.length);
      if (ps.some((p) => p.mode === 'throw')) throw new RangeError('boom');
      const out = ps.map((p, i) => one(p, ctxs[i]));
      return ps.some((p) => p.mode === 'short') ? out.slice(1) : out;
    },
    compare: (_pred, meas, p) => ({
      metrics: [{ name: 'value', value: meas.scalars.value ?? Number.NaN, criterion: { op: '<=', bound: p.eta / 2 }, reason: 'fixture: u < 1/2 half the time', prediction: 'bound' as const }],
      regime: [],
    }),
    figures: () => [],
  });
}

const strip = (r: Awaited<ReturnType<typeof executeStudy>>) => ({ ...r, provenance: { ...r.provenance, durationMs: 0, startedAt: '' } });

describe('executeStudyBatch', () => {
  it('one measureBatch call; each point equals executeStudy of that point (its own seed and rng)', async () => {
    const calls: number[] = [];
    const study = fixture(calls);
    const opts = [
      { params: { eta: 0.5 }, seed: 3 },
      { params: { eta: 2 }, seed: 3 },
      { params: { eta: 2 }, seed: 4 },
    ];
    const batched = await executeStudyBatch(study, opts);
    expect(calls).toEqual([3]);
    for (const [i, o] of opts.entries()) expect(strip(batched[i])).toEqual(strip(await executeStudy(study, o)));
    expect(batched[1].measurement.scalars.value).not.toBe(batched[2].measurement.scalars.value);
  });

  it('gives each point its share of the batch as its duration: equal, summing to at most the time the batch took', async () => {
    const opts = [{ params: { eta: 0.5 } }, { params: { eta: 1 } }, { params: { eta: 2 } }, { params: { eta: 4 } }];
    const t0 = Date.now();
    const batched = await executeStudyBatch(fixture([]), opts);
    const elapsed = Date.now() - t0;
    const d = batched.map((r) => r.provenance.durationMs);
    expect(new Set(d).size).toBe(1);
    expect(d.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(elapsed);
  });

  it('a throwing measureBatch gives every point the error executeStudy gives for a throwing measure', async () => {
    const study = fixture([]);
    const opts = [{ params: { eta: 1, mode: 'throw' } }, { params: { eta: 2, mode: 'throw' } }];
    const batched = await executeStudyBatch(study, opts);
    for (const [i, o] of opts.entries()) {
      const single = await executeStudy(study, o);
      expect(single.error).toBe('RangeError: boom');
      expect(strip(batched[i])).toEqual(strip(single));
    }
  });

  it('a measureBatch returning the wrong number of measurements is an error at every point, naming the counts', async () => {
    const batched = await executeStudyBatch(fixture([]), [{ params: { mode: 'short' } }, { params: { eta: 2, mode: 'short' } }]);
    for (const r of batched) {
      expect(r.verdict).toBe('error');
      expect(r.error).toBe("Error: measureBatch of 'execute-batch-fixture': returned 1 measurements, expected one per point (2)");
    }
  });

  it('bad parameters throw before anything is measured', async () => {
    const calls: number[] = [];
    await expect(executeStudyBatch(fixture(calls), [{ params: { eta: 1 } }, { params: { eta: -1 } }])).rejects.toThrow(ParamError);
    expect(calls).toEqual([]);
  });

  it('a non-finite seed is an error result naming the seed, alone and in a batch (not a throw)', async () => {
    const calls: number[] = [];
    const alone = await executeStudy(fixture(calls), { params: { eta: 1 }, seed: Number.NaN });
    expect(alone.verdict).toBe('error');
    expect(alone.error).toMatch(/seed/i);
    const batch = await executeStudyBatch(fixture(calls), [{ params: { eta: 1 }, seed: 0 }, { params: { eta: 2 }, seed: Number.POSITIVE_INFINITY }]);
    expect(batch.map((r) => r.verdict === 'error')).toEqual([false, true]);
    expect(strip(batch[0])).toEqual(strip(await executeStudy(fixture([]), { params: { eta: 1 }, seed: 0 })));
  });

  it('a study without measureBatch is measured point by point', async () => {
    const { measureBatch: _, batchAxes: __, ...plain } = fixture([]);
    const r = await executeStudyBatch(plain as AnyStudy, [{ params: { eta: 1 }, seed: 1 }]);
    expect(strip(r[0])).toEqual(strip(await executeStudy(plain as AnyStudy, { params: { eta: 1 }, seed: 1 })));
  });
});

describe('batchAxes contract over the registry', () => {
  it('a study declares batchAxes and measureBatch together, and its batch axes are its own parameters', async () => {
    const { STUDIES } = await import('../../src/studies/registry.ts');
    const { paramKeys } = await import('../../src/studies/execute.ts');
    const batching = STUDIES.filter((s) => s.batchAxes !== undefined || s.measureBatch !== undefined);
    expect(batching.map((s) => s.id)).toContain('ntk-linearization');
    for (const s of batching) {
      expect({ id: s.id, both: s.batchAxes !== undefined && typeof s.measureBatch === 'function' }).toEqual({ id: s.id, both: true });
      const keys = paramKeys(s, 'default');
      for (const axis of s.batchAxes ?? []) expect({ id: s.id, axis, known: keys.includes(axis) }).toEqual({ id: s.id, axis, known: true });
    }
  });
});

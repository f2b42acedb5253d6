/**
 * The first three studies in their quick profile, end to end (prediction, real training, verdict), with provenance;
 * the other studies are run by their group's test file (dynamics, hyperparameters, universality, ...).
 * Also checks the registry itself: unique ids, catalog numbers, schemas whose defaults and quick profile parse.
 */
import { describe, expect, it } from 'vitest';
import { executeStudy } from '../../src/studies/execute.ts';
import { STUDIES } from '../../src/studies/registry.ts';
import { quickRun } from './sharedRun.ts';

const FIRST_THREE = ['dln-saxe-modes', 'ntk-linearization', 'edge-of-stability'];

describe.each(STUDIES.filter((s) => FIRST_THREE.includes(s.id)).map((s) => [s.id, s] as const))('%s (quick profile)', (_id, study) => {
  it('holds at default settings, with finite metrics, regime checks and provenance', async () => {
    const r = await quickRun(study, 0);
    const failing = r.metrics.filter((m) => !m.pass).map((m) => `${m.name}=${m.value} (${m.criterionText})`);
    const regime = r.regime.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    expect({ verdict: r.verdict, error: r.error, failing, regime }).toEqual({ verdict: 'holds', error: undefined, failing: [], regime: [] });
    expect(r.metrics.length).toBeGreaterThan(0);
    for (const m of r.metrics) expect(Number.isFinite(m.value)).toBe(true);
    expect(r.provenance.seed).toBe(0);
    expect(r.provenance.configHash).toMatch(/^[0-9a-f]{16}$/);
    // every figure draws at least one measured series
    for (const f of r.figures) {
      const names = new Set(f.series.map((s) => s.name));
      expect(r.measurement.series.some((s) => names.has(s.name))).toBe(true);
    }
  });
});

describe('reproducibility', () => {
  it('the same seed reproduces every metric bit for bit', async () => {
    const s = STUDIES.find((x) => x.id === 'dln-saxe-modes');
    if (!s) throw new Error('dln-saxe-modes missing');
    const a = await executeStudy(s, { profile: 'quick', seed: 3 });
    const b = await executeStudy(s, { profile: 'quick', seed: 3 });
    expect(a.metrics.map((m) => m.value)).toEqual(b.metrics.map((m) => m.value));
    expect(a.measurement.series).toEqual(b.measurement.series);
  });
});

describe('registry', () => {
  it('has unique ids and catalog numbers in 1..38 (shared/learning-mechanics.md §6), sorted by catalog', () => {
    const ids = STUDIES.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cat = STUDIES.map((s) => s.catalog);
    expect(new Set(cat).size).toBe(cat.length);
    for (const c of cat) expect(Number.isInteger(c) && c >= 1 && c <= 38).toBe(true);
    expect(cat).toEqual([...cat].sort((a, b) => a - b));
    for (const id of FIRST_THREE) expect(ids).toContain(id);
  });
  it.each(STUDIES.map((s) => [s.id, s] as const))('%s: defaults and the quick profile parse; it declares papers and figures', (_id, s) => {
    const defaults = s.schema.parse({});
    const quick = s.schema.parse(s.quick);
    expect(typeof defaults).toBe('object');
    expect(typeof quick).toBe('object');
    expect(s.papers.length).toBeGreaterThan(0);
    expect(s.figures(defaults).length).toBeGreaterThan(0);
    expect(s.claim.length).toBeGreaterThan(10);
  });
});

/**
 * The core studies in their quick profile, end to end (prediction, real training, verdict).
 * These are the product's claims: at default settings each must hold.
 */
import { describe, expect, it } from 'vitest';
import { executeStudy } from '../../src/studies/execute.ts';
import { STUDIES } from '../../src/studies/registry.ts';

describe.each(STUDIES.map((s) => [s.id, s] as const))('%s (quick profile)', (_id, study) => {
  it('holds at default settings, with finite metrics, regime checks and provenance', async () => {
    const r = await executeStudy(study, { profile: 'quick', seed: 0, codeVersion: 'test' });
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

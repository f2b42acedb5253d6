/** Shared by the hyperparameter and depth/discretization study tests: run a study's quick profile and expect `holds`. */
import { expect } from 'vitest';
import { executeStudy } from '../../src/studies/execute.ts';
import type { AnyStudy } from '../../src/studies/types.ts';

export async function expectHolds(study: AnyStudy): Promise<void> {
  const r = await executeStudy(study, { profile: 'quick', seed: 0, codeVersion: 'test' });
  const failing = r.metrics.filter((m) => !m.pass).map((m) => `${m.name}=${m.value} (${m.criterionText})`);
  const regime = r.regime.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  expect({ verdict: r.verdict, error: r.error, failing, regime }).toEqual({ verdict: 'holds', error: undefined, failing: [], regime: [] });
  expect(r.metrics.length).toBeGreaterThan(0);
  for (const m of r.metrics) expect(Number.isFinite(m.value)).toBe(true);
  // every figure draws at least one measured series
  for (const f of r.figures) {
    const names = new Set(f.series.map((s) => s.name));
    expect(r.measurement.series.some((s) => s.kind === 'measured' && names.has(s.name))).toBe(true);
  }
}

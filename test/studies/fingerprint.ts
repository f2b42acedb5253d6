/**
 * The fingerprint check: a study's quick-profile numbers at the recorded seed equal, bit for bit, those in
 * test/fixtures/study-fingerprints.json (recorded by scripts/record-study-fingerprints.ts). Code that moves
 * (a trainer, a shared helper) must not move numbers; a change meant to alter a study's numbers re-records
 * that study's entry and says why in its commit.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { AnyStudy } from '../../src/studies/types.ts';
import { quickRun } from './sharedRun.ts';

interface Fingerprint {
  verdict: string;
  metrics: Record<string, number | string>;
  scalars: Record<string, number | string>;
}
const FILE = new URL('../fixtures/study-fingerprints.json', import.meta.url);
const recorded = JSON.parse(readFileSync(FILE, 'utf8')) as { seed: number; studies: Record<string, Fingerprint> };
const enc = (x: number): number | string => (Number.isFinite(x) ? x : String(x));

export function fingerprintIds(): string[] {
  return Object.keys(recorded.studies);
}

export async function expectFingerprint(study: AnyStudy): Promise<void> {
  const want = recorded.studies[study.id];
  if (!want) throw new Error(`no fingerprint recorded for '${study.id}': run scripts/record-study-fingerprints.ts --only ${study.id}`);
  const r = await quickRun(study, recorded.seed);
  expect(r.error).toBeUndefined();
  const got: Fingerprint = {
    verdict: r.verdict,
    metrics: Object.fromEntries(r.metrics.map((m) => [m.name, enc(m.value)])),
    scalars: Object.fromEntries(Object.entries(r.measurement.scalars).map(([k, v]) => [k, enc(v)])),
  };
  expect(got).toEqual(want);
}

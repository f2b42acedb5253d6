/**
 * Verdicts over seeds and detection power for the CLI and the report: a study run at N seeds is N
 * content-addressed runs (each cached and resumable like any other), folded here into one result whose
 * verdict is the multi-seed verdict (src/studies/verdict.ts `judgeSeeds`). Detection power needs no
 * retraining: it re-judges a stored run's measurement against perturbed predictions.
 */
import { defaultSeedCount, type Profile } from '../studies/execute.ts';
import { detectionPower } from '../studies/falsify.ts';
import type { AnyStudy, StudyResult } from '../studies/types.ts';
import { judgeSeeds } from '../studies/verdict.ts';

/** The seeds a study runs at: `count` (or the profile's declared default) consecutive seeds from `first`. */
export function seedsFor(study: AnyStudy, profile: Profile, first: number, count?: number): number[] {
  const n = count ?? defaultSeedCount(study, profile);
  return Array.from({ length: n }, (_, i) => first + i);
}

/** Fold the per-seed results of one study (in seed order) into one result with `seedSummary`. */
export function foldSeeds(study: AnyStudy, perSeed: readonly StudyResult[]): StudyResult {
  if (perSeed.length === 0) throw new Error(`foldSeeds: no results for '${study.id}'`);
  if (perSeed.length === 1) return perSeed[0];
  const { verdict, ...summary } = judgeSeeds(
    perSeed.map((r) => r.provenance.seed),
    perSeed.map((r) => r.verdict),
    study.seeds?.threshold ?? 0.5,
  );
  const durationMs = perSeed.reduce((a, r) => a + (r.provenance.durationMs || 0), 0);
  return { ...perSeed[0], verdict, seedSummary: summary, provenance: { ...perSeed[0].provenance, durationMs }, cached: perSeed.every((r) => r.cached) };
}

/** The result with each judged metric's detection threshold (no-op for results without a measurement). */
export function withPower(study: AnyStudy, r: StudyResult): StudyResult {
  if (r.verdict === 'error') return r;
  try {
    return { ...r, power: detectionPower(study, r.provenance.params, r.prediction, r.measurement) };
  } catch (e) {
    return { ...r, power: [], error: r.error ?? `detection power: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * A study's quick profile at one seed, trained once per `npm test` and shared by the test files that check it.
 *
 * The same quick run at seed 0 is checked by several files: its group's falsifiability test, the fingerprint test
 * (bit for bit against the recorded numbers) and sometimes a core-suite test. Each file runs in its own process, so
 * without sharing each trains it again. `scripts/test.mjs` sets LMECH_TEST_RUNS to a fresh directory for the run
 * of the suite; the first file to need a run trains it and writes the result there (the toolkit's JSON codec, which
 * keeps NaN, ±Infinity and -0, so the numbers read back are the numbers computed), and later files read it. The
 * file name carries the code version (a digest of src/), so a result is never reused across a change of code.
 * Without LMECH_TEST_RUNS (a single file run by `npx vitest run`) every call trains. Detection power is a function
 * of the stored prediction and measurement (no retraining), so it is computed on read when asked and not stored.
 * test/studies/sharedRun.test.ts checks that a result read back equals the one computed.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJson, encodeJson } from '../../src/core/jsonCodec.ts';
import { codeVersion } from '../../src/run/codeVersion.ts';
import { executeStudy } from '../../src/studies/execute.ts';
import { detectionPower } from '../../src/studies/falsify.ts';
import type { AnyStudy, StudyResult } from '../../src/studies/types.ts';

export interface QuickRunOptions {
  /** detection power per judged metric (default false) */
  power?: boolean;
  /** run the negative controls (default true) */
  controls?: boolean;
  /** the directory shared by the suite's processes (default: $LMECH_TEST_RUNS; none: always train) */
  dir?: string;
}

/** Where the quick run of `study` at `seed` is kept in `dir`. */
export function sharedRunFile(dir: string, study: AnyStudy, seed: number, controls: boolean): string {
  const version = codeVersion().replace(/[^0-9A-Za-z.+-]/g, '_');
  return join(dir, `${study.id}.seed${seed}.${controls ? 'controls' : 'no-controls'}.${version}.json`);
}

function withPower(study: AnyStudy, r: StudyResult, power: boolean): StudyResult {
  const { power: _stored, ...rest } = r;
  if (!power || r.error !== undefined) return rest;
  return { ...rest, power: detectionPower(study, r.provenance.params, r.prediction, r.measurement) };
}

/** The quick profile of `study` at `seed` (code version 'test'), read from the suite's shared directory when there. */
export async function quickRun(study: AnyStudy, seed: number, opts: QuickRunOptions = {}): Promise<StudyResult> {
  const controls = opts.controls !== false;
  const dir = opts.dir ?? process.env.LMECH_TEST_RUNS;
  if (!dir) return executeStudy(study, { profile: 'quick', seed, codeVersion: 'test', controls, power: opts.power });
  const file = sharedRunFile(dir, study, seed, controls);
  if (existsSync(file)) return withPower(study, decodeJson(readFileSync(file, 'utf8')) as StudyResult, opts.power === true);
  const r = await executeStudy(study, { profile: 'quick', seed, codeVersion: 'test', controls });
  // written whole, then renamed: a process reading at the same moment sees the old state or the whole file
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, encodeJson(r));
  renameSync(tmp, file);
  return withPower(study, r, opts.power === true);
}

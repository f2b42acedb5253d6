/**
 * Which kernels runs use: the portable default unless LMECH_KERNELS names another backend, and then run ids say so
 * (`+kernels=<name>` in the code version), so a native result never answers for a portable one from the store.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { kernelsTag } from '../../src/run/codeVersion.ts';
import { loadNativeKernels } from '../../src/run/nativeKernels.ts';

const BIN = fileURLToPath(new URL('../../bin/lmech.js', import.meta.url));
const store = mkdtempSync(join(tmpdir(), 'lmech-kernels-choice-'));
afterAll(() => rmSync(store, { recursive: true, force: true }));

/** `lmech run dln-saxe-modes --quick --json` with LMECH_KERNELS set (or unset): verdict, code version, cached. */
function run(kernels: string | undefined): { verdict: string; codeVersion: string; cached: boolean } {
  const env = { ...process.env };
  delete env.LMECH_KERNELS;
  if (kernels !== undefined) env.LMECH_KERNELS = kernels;
  const r = spawnSync(process.execPath, [BIN, 'run', 'dln-saxe-modes', '--quick', '--json', '--store', store], { encoding: 'utf8', env, timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  const line = r.stdout.trim().split('\n').pop() ?? '{}';
  return (JSON.parse(line) as { studies: { verdict: string; codeVersion: string; cached: boolean }[] }).studies[0];
}

describe('kernel backends of runs', () => {
  it('the tag is empty for the portable default and names any other backend', () => {
    expect([kernelsTag(undefined), kernelsTag(''), kernelsTag('wasm'), kernelsTag('native'), kernelsTag('js')]).toEqual(['', '', '', '+kernels=native', '+kernels=js']);
  });

  it.skipIf(loadNativeKernels().kernels === null)('LMECH_KERNELS=native runs a study on the native backend under its own run id; the default run is not served from it', () => {
    const native = run('native');
    expect(native.verdict).toBe('holds');
    expect(native.codeVersion).toMatch(/\+kernels=native$/);
    const portable = run(undefined);
    expect(portable.codeVersion).not.toMatch(/kernels=/);
    expect(portable.cached).toBe(false);
    expect(run('native').cached).toBe(true);
  }, 300_000);
});

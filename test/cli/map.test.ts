/**
 * `lmech map`: bad grids are CLI errors naming the key, the value and what was expected, before any store is
 * opened (in-process through `buildProgram`, as test/cli/store-flag.test.ts does); the real command prints one
 * error line and exits 2 for a bad grid and for a --store that is a file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/errors.ts';
import { buildProgram } from '../../src/cli/main.ts';

const BIN = fileURLToPath(new URL('../../bin/lmech.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lmech-map-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const store = join(dir, 'store');

async function cliError(args: string[]): Promise<CliError> {
  const p = buildProgram();
  p.exitOverride();
  for (const c of p.commands) c.exitOverride();
  const err = await p.parseAsync(['node', 'lmech', 'map', ...args, '--store', store]).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof CliError)) throw new Error(`expected a CliError, got ${String(err)}`);
  return err;
}

describe('lmech map: bad grids fail before anything runs', () => {
  it('an unknown key lists the valid ones', async () => {
    const e = await cliError(['ntk-linearization', '--quick', '--over', 'widht=64,256']);
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/^--over: unknown parameter 'widht' for study 'ntk-linearization'; expected one of: widths, activation, /);
  });

  it('a value outside the schema names the point and the bound', async () => {
    const e = await cliError(['ntk-linearization', '--quick', '--over', 'trainPoints=2,24']);
    expect(e.message).toContain('at point trainPoints=2');
    expect(e.message).toContain('trainPoints:');
    expect(e.message).toContain('(got 2)');
    const kind = await cliError(['ntk-linearization', '--quick', '--over', 'activation=tanh,sigmoid']);
    expect(kind.message).toContain('activation="sigmoid"');
  });

  it('more than 10,000 runs needs --yes; duplicate and third axes are refused', async () => {
    const big = await cliError(['ntk-linearization', '--quick', '--over', 'trainPoints=4:200:197', '--over', 'steps=1:100:100']);
    expect(big.message).toContain('= 19700 points × 1 seeds = 19700 runs, expected at most 10000; pass --yes');
    expect((await cliError(['ntk-linearization', '--over', 'steps=10,20', '--over', 'steps=30'])).message).toContain("duplicate axis 'steps'");
    expect((await cliError(['ntk-linearization', '--over', 'steps=10', '--over', 'trainPoints=8', '--over', 'testPoints=8'])).message).toContain('3 axes');
    expect((await cliError(['ntk-linearization'])).message).toContain('no axes');
    expect((await cliError(['no-such-study', '--over', 'a=1'])).message).toContain("unknown study id 'no-such-study'");
    expect((await cliError(['ntk-linearization', '--over', 'steps=10', '--param', 'steps=5'])).message).toContain("'steps' is also a map axis");
    // nothing was created: the checks ran before the store was opened
    expect(existsSync(store)).toBe(false);
  });
});

describe('lmech map (the real CLI)', () => {
  it('prints one error line and exits 2 for a bad grid and for a --store that is a file', () => {
    const file = join(dir, 'some-file');
    writeFileSync(file, 'x');
    const bad = spawnSync(process.execPath, [BIN, 'map', 'ntk-linearization', '--quick', '--over', 'widht=64', '--store', store], { encoding: 'utf8', timeout: 120_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^error: --over: unknown parameter 'widht'/);
    const onFile = spawnSync(process.execPath, [BIN, 'map', 'ntk-linearization', '--quick', '--over', 'steps=10,20', '--store', file], { encoding: 'utf8', timeout: 120_000 });
    expect(onFile.status).toBe(2);
    expect(onFile.stderr.trim()).toMatch(new RegExp(`^error: --store: .*'?${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'? is a file`));
    expect(onFile.stdout).toBe('');
  }, 240_000);
});

/**
 * `--store` naming a file (or a path below a file) is a clear CLI error naming the path, for every command that
 * takes --store, before anything opens the store (it used to surface as mkdir's `EEXIST` stack trace).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError, checkStoreDirFlag } from '../../src/cli/errors.ts';
import { buildProgram } from '../../src/cli/main.ts';

const BIN = fileURLToPath(new URL('../../bin/lmech.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lmech-store-flag-'));
const file = join(dir, 'some-file');
writeFileSync(file, 'not a store\n');
mkdirSync(join(dir, 'existing'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('checkStoreDirFlag', () => {
  it('accepts an existing directory and a missing one below a directory, as absolute paths', () => {
    expect(checkStoreDirFlag(join(dir, 'existing'))).toBe(join(dir, 'existing'));
    expect(checkStoreDirFlag(join(dir, 'new', 'deeper'))).toBe(join(dir, 'new', 'deeper'));
  });

  it('rejects a file, and a path below a file, naming the flag, the value and the file', () => {
    expect(() => checkStoreDirFlag(file)).toThrowError(CliError);
    expect(() => checkStoreDirFlag(file)).toThrowError(new RegExp(`^--store: expected a directory.*got '${esc(file)}': ${esc(file)} is a file`));
    const below = join(file, 'sub');
    expect(() => checkStoreDirFlag(below)).toThrowError(new RegExp(`got '${esc(below)}': ${esc(file)} \\(a parent of ${esc(below)}\\) is a file`));
  });
});

describe('every command with --store', () => {
  const program = buildProgram();
  const withStore = program.commands.filter((c) => c.options.some((o) => o.long === '--store'));

  it('covers the store commands', () => {
    expect(withStore.map((c) => c.name())).toEqual(expect.arrayContaining(['run', 'report', 'export', 'sweep', 'import']));
  });

  it.each(withStore.map((c) => [c.name(), c] as const))('%s --store <file> fails with a CliError before opening the store', async (name, cmd) => {
    // dummy values for required positional arguments: the check runs before the action reads them
    const positional = cmd.registeredArguments.filter((a) => a.required).map(() => join(dir, 'unused'));
    const p = buildProgram();
    p.exitOverride();
    for (const c of p.commands) c.exitOverride();
    await expect(p.parseAsync(['node', 'lmech', name, ...positional, '--store', file])).rejects.toThrowError(/^--store: expected a directory/);
  });

  it('the CLI prints one error line naming the path and exits 2 (no stack trace)', () => {
    const r = spawnSync(process.execPath, [BIN, 'run', 'dln-saxe-modes', '--quick', '--store', file], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`error: --store: expected a directory (existing or to be created), got '${file}': ${file} is a file, not a directory`);
    expect(r.stdout).toBe('');
  });
});

import { type Stats, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A user-facing error: printed as `error: <message>` and the process exits with `exitCode` (2 = bad input). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Parse a flag value as an integer in [min, max], naming the flag on failure. */
export function intFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${name}: expected an integer in [${min}, ${max}], got '${value}'`);
  return n;
}

/**
 * Check a `--store` value before the store is opened: the path (or its nearest existing ancestor) must be a
 * directory. Without this check a file there surfaces as DuckDB's or mkdir's `EEXIST`/`ENOTDIR` stack trace.
 */
export function checkStoreDirFlag(value: string): string {
  const path = resolve(value);
  for (let p = path; ; p = dirname(p)) {
    let stat: Stats | undefined;
    try {
      stat = statSync(p);
    } catch {
      stat = undefined; // missing: the store creates it, provided an existing ancestor is a directory
    }
    if (stat && !stat.isDirectory()) {
      const where = p === path ? `${path} is` : `${p} (a parent of ${path}) is`;
      throw new CliError(`--store: expected a directory (existing or to be created), got '${value}': ${where} a file, not a directory`);
    }
    if (stat || dirname(p) === p) return path;
  }
}

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

/**
 * Bad input to a law fit (or to the table reader that feeds it). Carries the process exit code the CLI should use
 * (2 = bad input), so `lmech` prints `error: <message>` and exits with `exitCode` without knowing the class.
 * Browser-safe: no Node APIs.
 */
export class InputError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'InputError';
    this.exitCode = exitCode;
  }
}

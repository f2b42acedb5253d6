/**
 * Argument checks shared by the data generators. Every error names the function, the field, the value
 * received and what was expected (docs/CONVENTIONS.md).
 */

/** Throws unless `value` is an integer in [min, max]. */
export function checkInt(fn: string, field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new Error(`${fn}: ${field} must be an integer ${range}, got ${String(value)}`);
  }
  return value;
}

/** Throws unless `value` is a finite number in [min, max] (or (min, max] when `openMin`). */
export function checkNumber(fn: string, field: string, value: number, min = -Infinity, max = Infinity, openMin = false): number {
  const lowOk = openMin ? value > min : value >= min;
  if (typeof value !== 'number' || !Number.isFinite(value) || !lowOk || value > max) {
    const lo = openMin ? `> ${min}` : `>= ${min}`;
    const range = max === Infinity ? (min === -Infinity ? 'finite' : lo) : `${lo} and <= ${max}`;
    throw new Error(`${fn}: ${field} must be a ${range} number, got ${String(value)}`);
  }
  return value;
}

/** The number of rows `n` a sampler is asked for. */
export function checkCount(fn: string, n: number): number {
  return checkInt(fn, 'n', n, 0);
}

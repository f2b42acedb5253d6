/**
 * The one JSON codec of the toolkit: JSON that keeps non-finite numbers and -0.
 *
 * Plain JSON turns NaN and ±Infinity into null and -0 into 0, which would change a stored or transported
 * result (a NaN metric is a legitimate, failing value; a -0 is what the run computed). Such numbers are
 * written as a one-key object `{"$num":"NaN"}`, `{"$num":"Infinity"}`, `{"$num":"-Infinity"}` or
 * `{"$num":"-0"}` and turned back into numbers on read. Any other object, including one with a `$num` key
 * next to other keys or a non-string `$num`, is left as it is.
 *
 * Used by the DuckDB store (src/run/store.ts), the Redis sweep queue (src/run/redis) and the browser lab
 * (lab/src/results.ts), so it imports nothing and uses no Node API.
 */

/** The tag of an encoded number. */
export const NUM_TAG = '$num';

function encodeNumber(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) return { [NUM_TAG]: Object.is(v, -0) ? '-0' : String(v) };
  return v;
}

function reviveNumber(_key: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    const tag = o[NUM_TAG];
    if (keys.length === 1 && keys[0] === NUM_TAG && typeof tag === 'string') return tag === '-0' ? -0 : Number(tag);
  }
  return v;
}

/** `JSON.stringify` that writes NaN, ±Infinity and -0 as `{"$num": ...}` (see the module header). */
export function encodeJson(value: unknown, space?: number): string {
  return JSON.stringify(value, encodeNumber, space);
}

/** `JSON.parse` that turns `{"$num": ...}` back into the number it encodes. */
export function decodeJson(text: string): unknown {
  return JSON.parse(text, reviveNumber);
}

/**
 * As decodeJson, and also accepts bare `NaN`, `Infinity` and `-Infinity` tokens in value position (DuckDB's
 * JSON export of a DOUBLE column writes them), which plain JSON rejects. The bare tokens are rewritten only
 * when strict parsing fails, so a string that merely contains the word NaN is never touched in valid JSON.
 */
export function decodeJsonLenient(text: string): unknown {
  try {
    return decodeJson(text);
  } catch (e) {
    const fixed = text.replace(/([:,[]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, (_m, before: string, token: string) => `${before}{"${NUM_TAG}":"${token}"}`);
    if (fixed === text) throw e;
    return decodeJson(fixed);
  }
}

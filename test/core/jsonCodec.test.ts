/**
 * The JSON codec (src/core/jsonCodec.ts). Oracle: a structural comparison that compares numbers with
 * Object.is (so NaN equals NaN and -0 differs from 0), which plain JSON fails for exactly the values the
 * codec exists for; plus the requirement that the encoded text is plain JSON that JSON.parse accepts.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeJson, decodeJsonLenient, encodeJson } from '../../src/core/jsonCodec.ts';
import { Rng } from '../../src/core/random.ts';

/** Path of the first difference between a and b (numbers by Object.is), or null when they are identical. */
function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b) ? null : `${path}: ${String(a)} vs ${String(b)}`;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b ? null : `${path}: ${String(a)} vs ${String(b)}`;
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.join('\u0000') !== kb.join('\u0000')) return `${path}: keys ${ka.join(',')} vs ${kb.join(',')}`;
  for (const k of ka) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

const SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1.5, -2e-308, Number.MAX_VALUE, Number.MIN_VALUE];

/** A random JSON-like value of bounded depth, drawing numbers from SPECIAL and from the rng. */
function randomValue(rng: Rng, depth: number): unknown {
  const pick = Math.floor(rng.uniform() * (depth > 0 ? 7 : 4));
  if (pick === 0) return SPECIAL[Math.floor(rng.uniform() * SPECIAL.length)];
  if (pick === 1) return (rng.uniform() - 0.5) * 10 ** Math.floor(rng.uniform() * 40 - 20);
  if (pick === 2) return rng.uniform() < 0.5 ? `s${Math.floor(rng.uniform() * 100)}` : rng.uniform() < 0.5;
  if (pick === 3) return null;
  const n = Math.floor(rng.uniform() * 4);
  if (pick === 4) return Array.from({ length: n }, () => randomValue(rng, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) o[`k${i}`] = randomValue(rng, depth - 1);
  // a look-alike: a non-string $num, or a string one next to another key; never rewritten
  if (pick === 6) Object.assign(o, rng.uniform() < 0.5 ? { $num: 3 } : { $num: 'NaN', other: 1 });
  return o;
}

describe('jsonCodec', () => {
  it('round-trips NaN, ±Infinity and -0 at the top level and nested, where plain JSON loses them', () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0]) {
      expect(firstDifference(decodeJson(encodeJson(v)), v)).toBeNull();
      expect(firstDifference(JSON.parse(JSON.stringify(v)), v)).not.toBeNull();
    }
    const nested = { a: [Number.NaN, [-0, { b: Number.NEGATIVE_INFINITY }]], c: { d: { e: Number.POSITIVE_INFINITY, f: 0 } }, g: 'NaN' };
    expect(firstDifference(decodeJson(encodeJson(nested)), nested)).toBeNull();
    // 0 stays 0 (not -0), and the string 'NaN' stays a string
    const back = decodeJson(encodeJson(nested)) as typeof nested;
    expect(Object.is(back.c.d.f, 0)).toBe(true);
    expect(back.g).toBe('NaN');
  });

  it('writes plain JSON: the encoding of every special number is a one-key {"$num": string} object', () => {
    expect(encodeJson([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1])).toBe(
      '[{"$num":"NaN"},{"$num":"Infinity"},{"$num":"-Infinity"},{"$num":"-0"},1]',
    );
    expect(encodeJson({ a: 1 }, 2)).toBe(JSON.stringify({ a: 1 }, null, 2));
  });

  it('leaves objects that merely look like an encoded number alone', () => {
    for (const v of [{ $num: 1 }, { $num: 'NaN', other: 2 }, { $num: null }, [{ $num: 5, x: 1 }]]) {
      expect(firstDifference(decodeJson(encodeJson(v)), v)).toBeNull();
    }
  });

  it('round-trips 500 random nested values (seeded)', () => {
    const rng = Rng.fromSeed(20260501).child('jsonCodec');
    for (let i = 0; i < 500; i++) {
      const v = randomValue(rng, 4);
      const text = encodeJson(v);
      expect(() => JSON.parse(text)).not.toThrow();
      expect(firstDifference(decodeJson(text), v)).toBeNull();
    }
  });

  it('the lenient decoder also reads bare NaN / Infinity tokens (DuckDB JSON export), and only when strict parsing fails', () => {
    const got = decodeJsonLenient('[{"v": NaN, "w": -Infinity}, Infinity, {"s": "NaN, Infinity"}]');
    expect(firstDifference(got, [{ v: Number.NaN, w: Number.NEGATIVE_INFINITY }, Number.POSITIVE_INFINITY, { s: 'NaN, Infinity' }])).toBeNull();
    // valid JSON is never rewritten, even when a string looks like the bare tokens
    expect(decodeJsonLenient('{"s": ", NaN]"}')).toEqual({ s: ', NaN]' });
    expect(firstDifference(decodeJsonLenient(encodeJson({ z: -0 })), { z: -0 })).toBeNull();
    expect(() => decodeJsonLenient('{"v": nope}')).toThrow(SyntaxError);
  });
});

describe('who loads the codec', () => {
  /** Bare package specifiers reachable through value (non-type) imports from `entry`, following relative .ts imports. */
  function packagesReachable(entry: string): Set<string> {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const stack = [resolve(entry)];
    while (stack.length > 0) {
      const file = stack.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)) {
        const spec = m[1];
        if (spec.startsWith('.')) stack.push(resolve(dirname(file), spec));
        else packages.add(spec);
      }
    }
    return packages;
  }

  it('the Redis sweep queue and worker reach the codec without loading DuckDB; the codec imports nothing', () => {
    for (const entry of ['src/run/redis/queue.ts', 'src/run/redis/worker.ts']) {
      expect([...packagesReachable(entry)].filter((p) => p.includes('duckdb'))).toEqual([]);
    }
    expect([...packagesReachable('src/core/jsonCodec.ts')]).toEqual([]);
    // the oracle that the walk sees DuckDB where it is imported
    expect(packagesReachable('src/run/store.ts').has('@duckdb/node-api')).toBe(true);
  });
});

/**
 * A study's parameters as form fields, derived from its zod schema (through zod's JSON Schema export,
 * `io: 'input'`, so defaults and bounds are those the schema declares). Browser-safe and DOM-free, so the
 * URL parsing and the controls share it and Node tests can check it.
 *
 * - integer / number → a number input with the schema's min/max (exclusive bounds are noted in the hint;
 *   the zod schema remains the judge of validity);
 * - enum → a select; boolean → a checkbox; string → a text input;
 * - anything else (arrays, objects, unions) → a JSON text field, validated on input.
 */
import { z } from 'zod';
import type { AnyStudy } from '../../src/studies/types.ts';

export type FieldKind = 'integer' | 'number' | 'boolean' | 'enum' | 'string' | 'json';

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  /** Inclusive or exclusive lower bound (see `exclusiveMin`). */
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
  options?: string[];
  /** The schema's default (before any profile). */
  default: unknown;
  /** Optional without a default (e.g. a validity-map axis that overrides a derived value): empty text leaves it unset. */
  optional?: boolean;
  description?: string;
  /** For JSON fields: what the schema expects, in words (e.g. `1–16 numbers > 0`). */
  shape?: string;
}

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
};

function numberBounds(s: JsonSchema): Pick<FieldSpec, 'min' | 'max' | 'exclusiveMin' | 'exclusiveMax'> {
  const out: Pick<FieldSpec, 'min' | 'max' | 'exclusiveMin' | 'exclusiveMax'> = {};
  if (typeof s.minimum === 'number') out.min = s.minimum;
  if (typeof s.exclusiveMinimum === 'number') {
    out.min = s.exclusiveMinimum;
    out.exclusiveMin = true;
  }
  if (typeof s.maximum === 'number') out.max = s.maximum;
  if (typeof s.exclusiveMaximum === 'number') {
    out.max = s.exclusiveMaximum;
    out.exclusiveMax = true;
  }
  // zod writes ±Number.MAX_SAFE_INTEGER for int() without explicit bounds: not a real bound
  if (out.min !== undefined && Math.abs(out.min) >= Number.MAX_SAFE_INTEGER) delete out.min;
  if (out.max !== undefined && Math.abs(out.max) >= Number.MAX_SAFE_INTEGER) delete out.max;
  return out;
}

/** `> 0`, `in [2, 64]`, `≤ 1`: the bounds of a number schema in words ('' if none). */
export function boundsText(f: Pick<FieldSpec, 'min' | 'max' | 'exclusiveMin' | 'exclusiveMax'>): string {
  const lo = f.min !== undefined ? `${f.exclusiveMin ? '>' : '≥'} ${f.min}` : '';
  const hi = f.max !== undefined ? `${f.exclusiveMax ? '<' : '≤'} ${f.max}` : '';
  if (lo && hi) return `${f.exclusiveMin ? '(' : '['}${f.min}, ${f.max}${f.exclusiveMax ? ')' : ']'}`;
  return lo || hi;
}

function describeShape(s: JsonSchema): string {
  const t = Array.isArray(s.type) ? s.type.join('|') : s.type;
  if (t === 'array') {
    const item = s.items ? describeShape(s.items) : 'values';
    const n = s.minItems !== undefined && s.maxItems !== undefined ? `${s.minItems}–${s.maxItems}` : s.minItems !== undefined ? `≥ ${s.minItems}` : s.maxItems !== undefined ? `≤ ${s.maxItems}` : 'any number of';
    return `a JSON array of ${n} ${item}`;
  }
  if (t === 'integer' || t === 'number') {
    const b = boundsText(numberBounds(s));
    return `${t === 'integer' ? 'integers' : 'numbers'}${b ? ` ${b.startsWith('[') || b.startsWith('(') ? `in ${b}` : b}` : ''}`;
  }
  if (s.enum) return `one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  if (t === 'object') return 'a JSON object';
  return t ?? 'a JSON value';
}

const cache = new WeakMap<AnyStudy, FieldSpec[]>();

/** The study's parameters as fields, in the schema's order. */
export function studyFields(study: AnyStudy): FieldSpec[] {
  const hit = cache.get(study);
  if (hit) return hit;
  let root: JsonSchema;
  try {
    root = z.toJSONSchema(study.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  } catch {
    root = {};
  }
  const fields: FieldSpec[] = [];
  for (const [name, s] of Object.entries(root.properties ?? {})) {
    const t = Array.isArray(s.type) ? undefined : s.type;
    const optional = s.default === undefined && !(root.required ?? []).includes(name);
    const base = { name, default: s.default, ...(optional ? { optional } : {}), ...(s.description ? { description: s.description } : {}) };
    if (Array.isArray(s.enum) && s.enum.length > 0 && s.enum.every((e) => typeof e === 'string')) fields.push({ ...base, kind: 'enum', options: s.enum as string[] });
    else if (t === 'integer') fields.push({ ...base, kind: 'integer', ...numberBounds(s) });
    else if (t === 'number') fields.push({ ...base, kind: 'number', ...numberBounds(s) });
    else if (t === 'boolean') fields.push({ ...base, kind: 'boolean' });
    else if (t === 'string') fields.push({ ...base, kind: 'string' });
    else fields.push({ ...base, kind: 'json', shape: describeShape(s) });
  }
  cache.set(study, fields);
  return fields;
}

export type ParseResult = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * A field's text (from a form input or a URL) → a value of the right JSON type. Only the syntax is
 * checked here; bounds are checked by the study's zod schema (resolveParams).
 */
export function parseFieldText(f: FieldSpec, text: string): ParseResult {
  const t = text.trim();
  if (f.optional && t === '') return { ok: true, value: undefined };
  switch (f.kind) {
    case 'integer':
    case 'number': {
      if (t === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return { ok: false, error: `${JSON.stringify(text)} is not a number` };
      const v = Number(t);
      if (!Number.isFinite(v)) return { ok: false, error: `${JSON.stringify(text)} is not a finite number` };
      if (f.kind === 'integer' && !Number.isInteger(v)) return { ok: false, error: `${JSON.stringify(text)} is not an integer` };
      return { ok: true, value: v };
    }
    case 'boolean':
      if (t === 'true' || t === '1') return { ok: true, value: true };
      if (t === 'false' || t === '0') return { ok: true, value: false };
      return { ok: false, error: `${JSON.stringify(text)} is not true or false` };
    case 'enum':
      if (f.options?.includes(t)) return { ok: true, value: t };
      return { ok: false, error: `${JSON.stringify(text)} is not one of ${(f.options ?? []).join(', ')}` };
    case 'string':
      return { ok: true, value: text };
    case 'json':
      try {
        return { ok: true, value: JSON.parse(t) as unknown };
      } catch {
        return { ok: false, error: `${JSON.stringify(text)} is not valid JSON (expected ${f.shape ?? 'a JSON value'})` };
      }
  }
}

/** A value as the text of its field (inverse of parseFieldText for valid values; numbers round-trip exactly). */
export function fieldText(f: FieldSpec, value: unknown): string {
  if (value === undefined) return '';
  if (f.kind === 'json') return JSON.stringify(value);
  return String(value);
}

/** The hint under a field: type, bounds, default. */
export function fieldHint(f: FieldSpec, profileDefault: unknown): string {
  const parts: string[] = [];
  if (f.kind === 'integer' || f.kind === 'number') {
    const b = boundsText(f);
    parts.push(`${f.kind}${b ? ` ${b}` : ''}`);
  } else if (f.kind === 'json') parts.push(f.shape ?? 'JSON');
  else if (f.kind === 'enum') parts.push(`one of ${(f.options ?? []).join(', ')}`);
  else parts.push(f.kind);
  parts.push(f.optional && profileDefault === undefined ? 'optional: leave empty to keep it unset' : `default ${fieldText(f, profileDefault)}`);
  return parts.join(' · ');
}

/** Deep equality for JSON values (parameters). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

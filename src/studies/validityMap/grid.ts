/**
 * The grid of a validity map: parse `--over` axes, expand them into points (row-major, last axis fastest) and
 * reject a bad grid before anything runs, naming the key, the value and what was expected. Pure (no Node
 * APIs): the CLI and the lab's Web Workers share it.
 */
import { ParamError, type Profile, paramKeys, resolveParams } from '../execute.ts';
import type { AnyStudy, MetricResult, StudyResult } from '../types.ts';
import type { AxisValue, MapAxis, MapSpec } from './types.ts';

/** A grid the map cannot run: `field` names the flag or spec field at fault. */
export class MapSpecError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'MapSpecError';
  }
}

/** Default cap on points × seeds before a map needs `yes` (issue 16: "a grid over 10,000 points without --yes"). */
export const MAX_MAP_RUNS = 10_000;

/** An axis is drawn in log space when its values are all positive numbers spanning at least this ratio (types.ts MapAxis.log). */
const AUTO_LOG_RATIO = 100;

/** The schema's field type at `key`, looking through `.default()`/`.optional()` wrappers (zod 4 internals). */
function fieldKind(study: AnyStudy, key: string): { type: string; int: boolean } | undefined {
  const shape = (study.schema as unknown as { shape?: Record<string, unknown> }).shape;
  let node = shape?.[key] as { _zod?: { def?: { type?: string; innerType?: unknown } }; isInt?: boolean } | undefined;
  if (!node) return undefined;
  for (let i = 0; i < 10 && node?._zod?.def?.innerType; i++) node = node._zod.def.innerType as typeof node;
  return { type: node?._zod?.def?.type ?? 'unknown', int: node?.isInt === true };
}

/** The keys a study's parameters have (its schema's fields with the profile applied). */
export { paramKeys };

function checkKey(study: AnyStudy, profile: Profile, key: string, field: string): void {
  const keys = paramKeys(study, profile);
  if (!keys.includes(key)) throw new MapSpecError(field, `unknown parameter '${key}' for study '${study.id}'; expected one of: ${keys.join(', ')}`);
}

/** Split on commas outside brackets, braces and quotes, so `widths=[64,128],[256,512]` gives two values. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' && text[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && (ch === '[' || ch === '{')) depth++;
    else if (!quoted && (ch === ']' || ch === '}')) depth--;
    else if (!quoted && depth === 0 && ch === ',') {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

function parseValue(raw: string): AxisValue {
  try {
    return JSON.parse(raw) as AxisValue;
  } catch {
    return raw;
  }
}

const RANGE = /^([^:]+):([^:]+):([^:]+)(?::(log|lin))?$/;

/** `lo:hi:n[:log]`: n evenly spaced points (geometric with `:log`); integers rounded and deduplicated. */
function parseRange(field: string, key: string, m: RegExpMatchArray, int: boolean): { values: number[]; log: boolean } {
  const [lo, hi, n] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const log = m[4] === 'log';
  if (!Number.isFinite(lo)) throw new MapSpecError(field, `${key}: range start '${m[1]}' is not a number; expected lo:hi:n[:log]`);
  if (!Number.isFinite(hi)) throw new MapSpecError(field, `${key}: range end '${m[2]}' is not a number; expected lo:hi:n[:log]`);
  if (!(Number.isInteger(n) && n >= 1)) throw new MapSpecError(field, `${key}: point count '${m[3]}' in '${m[0]}', expected an integer ≥ 1`);
  if (log && !(lo > 0 && hi > 0)) throw new MapSpecError(field, `${key}: log range '${m[0]}' needs lo > 0 and hi > 0`);
  const at = (i: number) => {
    if (n === 1) return lo;
    const t = i / (n - 1);
    return log ? Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo))) : lo + t * (hi - lo);
  };
  let values = Array.from({ length: n }, (_, i) => at(i));
  // Pin the ends exactly (exp/log round-off would otherwise give 1023.9999… for 1024).
  values[0] = lo;
  if (n > 1) values[n - 1] = hi;
  if (int) values = [...new Set(values.map((v) => Math.round(v)))];
  return { values, log };
}

/** Parse one `--over` flag: `key=v1,v2,...` (JSON values where valid, else strings) or `key=lo:hi:n[:log]`. */
export function parseAxis(study: AnyStudy, profile: Profile, flag: string): MapAxis {
  const field = '--over';
  const eq = flag.indexOf('=');
  if (eq <= 0) throw new MapSpecError(field, `expected key=v1,v2,... or key=lo:hi:n[:log], got '${flag}'`);
  const key = flag.slice(0, eq).trim();
  const rest = flag.slice(eq + 1).trim();
  checkKey(study, profile, key, field);
  if (rest === '') throw new MapSpecError(field, `${key}: no values; expected key=v1,v2,... or key=lo:hi:n[:log]`);
  const kind = fieldKind(study, key);
  const range = kind?.type === 'number' || kind === undefined ? rest.match(RANGE) : null;
  if (range && [range[1], range[2], range[3]].every((s) => s.trim() !== '' && Number.isFinite(Number(s)))) {
    const { values, log } = parseRange(field, key, range, kind?.int === true);
    return { key, values, log: log || autoLog(values) };
  }
  const values = splitTopLevel(rest).map(parseValue);
  const empty = values.indexOf('');
  if (empty >= 0) throw new MapSpecError(field, `${key}: empty value at position ${empty + 1} in '${rest}'`);
  return { key, values, log: autoLog(values) };
}

/** Every value a positive number and max/min ≥ 100: drawn and interpolated in log space. */
function autoLog(values: readonly AxisValue[]): boolean {
  if (values.length < 2 || !values.every((v) => typeof v === 'number' && v > 0)) return false;
  const nums = values as number[];
  return Math.max(...nums) / Math.min(...nums) >= AUTO_LOG_RATIO;
}

export interface GridPoint {
  /** Row-major: the last axis varies fastest. */
  index: number;
  coords: Record<string, AxisValue>;
  /** The overrides the study runs with at this point: the spec's base, then the coordinates. */
  params: Record<string, unknown>;
}

/** Every point of the grid, row-major (last axis fastest). */
export function expandGrid(spec: Pick<MapSpec, 'axes' | 'base'>): GridPoint[] {
  const sizes = spec.axes.map((a) => a.values.length);
  const total = sizes.reduce((a, b) => a * b, 1);
  const points: GridPoint[] = [];
  for (let index = 0; index < total; index++) {
    const coords: Record<string, AxisValue> = {};
    let rem = index;
    for (let k = spec.axes.length - 1; k >= 0; k--) {
      coords[spec.axes[k].key] = spec.axes[k].values[rem % sizes[k]];
      rem = Math.floor(rem / sizes[k]);
    }
    const ordered = Object.fromEntries(spec.axes.map((a) => [a.key, coords[a.key]]));
    points.push({ index, coords: ordered, params: { ...(spec.base ?? {}), ...ordered } });
  }
  return points;
}

export interface ValidateOptions {
  /** Largest points × seeds run without `yes` (default MAX_MAP_RUNS). */
  maxPoints?: number;
  yes?: boolean;
}

function describeCoords(coords: Record<string, AxisValue>): string {
  return Object.entries(coords)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
}

function checkAxes(study: AnyStudy, spec: MapSpec): void {
  if (spec.axes.length === 0) throw new MapSpecError('--over', 'no axes; expected one or two --over key=values');
  if (spec.axes.length > 2) throw new MapSpecError('--over', `${spec.axes.length} axes (${spec.axes.map((a) => a.key).join(', ')}); expected one or two`);
  const seen = new Set<string>();
  for (const a of spec.axes) {
    if (seen.has(a.key)) throw new MapSpecError('--over', `duplicate axis '${a.key}'; expected each parameter at most once`);
    seen.add(a.key);
    checkKey(study, spec.profile, a.key, '--over');
    if (a.values.length === 0) throw new MapSpecError('--over', `${a.key}: no values; expected at least one`);
    if (new Set(a.values.map((v) => JSON.stringify(v))).size !== a.values.length) throw new MapSpecError('--over', `${a.key}: repeated value in [${a.values.map((v) => JSON.stringify(v)).join(', ')}]; expected distinct values`);
    if (spec.base && a.key in spec.base) throw new MapSpecError('--param', `'${a.key}' is also a map axis; expected it in --over or --param, not both`);
  }
  for (const k of Object.keys(spec.base ?? {})) checkKey(study, spec.profile, k, '--param');
}

/**
 * Reject a bad map before anything runs: wrong study, no/too many/duplicate axes, an unknown key (listing the
 * valid ones), a value the study's schema rejects at some point (its zod issues, with the point), no seeds,
 * or more than `maxPoints` runs (points × seeds) without `yes`. Returns the expanded grid.
 */
export function validateMapSpec(study: AnyStudy, spec: MapSpec, opts: ValidateOptions = {}): GridPoint[] {
  if (spec.studyId !== study.id) throw new MapSpecError('studyId', `'${spec.studyId}' does not match the study '${study.id}'`);
  if (spec.profile !== 'quick' && spec.profile !== 'default') throw new MapSpecError('profile', `${JSON.stringify(spec.profile)}, expected 'quick' or 'default'`);
  checkAxes(study, spec);
  if (spec.seeds.length === 0) throw new MapSpecError('--seeds', 'no seeds; expected at least one');
  const bad = spec.seeds.find((s) => !Number.isSafeInteger(s) || s < 0);
  if (bad !== undefined) throw new MapSpecError('--seed', `${bad}, expected a non-negative integer`);
  const grid = expandGrid(spec);
  const runs = grid.length * spec.seeds.length;
  const max = opts.maxPoints ?? MAX_MAP_RUNS;
  if (runs > max && !opts.yes) {
    const shape = spec.axes.map((a) => `${a.values.length} ${a.key}`).join(' × ');
    throw new MapSpecError('--over', `grid of ${shape} = ${grid.length} points × ${spec.seeds.length} seeds = ${runs} runs, expected at most ${max}; pass --yes to run it anyway`);
  }
  for (const p of grid) {
    try {
      resolveParams(study, spec.profile, p.params);
    } catch (e) {
      const issues = e instanceof ParamError ? e.issues.join('; ') : e instanceof Error ? e.message : String(e);
      throw new MapSpecError('--over', `at point ${describeCoords(p.coords)} the study '${study.id}' rejects the parameters: ${issues}`);
    }
  }
  return grid;
}

/** A metric name with its numbers masked: `function gap at n=64` and `… n=256` are one metric across a map. */
export function nameShape(name: string): string {
  return name.replace(/[-+]?\d+(\.\d+)?(e[-+]?\d+)?/gi, '#');
}

function sameShape(result: Pick<StudyResult, 'metrics'>, name: string): MetricResult[] {
  return result.metrics.filter((m) => !m.sanity && nameShape(m.name) === nameShape(name));
}

/**
 * The metric `name` in a result: by exact name, else the judged metric whose name differs only in its numbers
 * (studies put parameters in metric names, e.g. the largest width, which a map axis changes from point to point);
 * where several share that shape (one per step size, say), the `ordinal`-th of them, in the study's order.
 */
export function findMetric(result: Pick<StudyResult, 'metrics'>, name: string, ordinal = 0): MetricResult | undefined {
  const exact = result.metrics.find((m) => m.name === name);
  if (exact) return exact;
  const shaped = sameShape(result, name);
  return shaped.length === 1 ? shaped[0] : shaped[ordinal];
}

/** The position of the metric `name` among the judged metrics of its shape in `result` (0 if it is not there). */
export function shapeOrdinal(result: Pick<StudyResult, 'metrics'>, name: string): number {
  return Math.max(0, sameShape(result, name).findIndex((m) => m.name === name));
}

/** The metric a map shows: `spec.metric` if given (checked against a first result), else the first judged metric. */
export function resolveMetricName(spec: Pick<MapSpec, 'metric'>, result: StudyResult): string | undefined {
  const names = result.metrics.map((m) => m.name);
  if (spec.metric !== undefined) {
    if (result.metrics.length > 0 && !findMetric(result, spec.metric)) throw new MapSpecError('--metric', `unknown metric '${spec.metric}' for study '${result.id}'; expected one of: ${names.join(', ')}`);
    return spec.metric;
  }
  return result.metrics.find((m) => !m.sanity)?.name ?? names[0];
}

/**
 * User-defined sweeps: the spec schema (zod 4; its JSON Schema is published as schema/sweep.schema.json and by
 * `lmech schema sweep`), parsing from YAML or JSON with errors that name the path in the spec, and the expansion
 * of a spec into the cartesian product of fully resolved runs, each content-addressed by its run id.
 *
 * A spec (YAML shown; JSON is the same):
 *
 *   name: width-lr
 *   model: { kind: mlp, widths: [16, 32, 64], depth: 2, activation: relu }
 *   parameterization: [sp, ntk]
 *   data: { task: teacher, d: 8, n: 256, testN: 256 }
 *   optimizer: { name: sgd, lr: [0.05, 0.1], batch: 32 }
 *   steps: 200
 *   seeds: { count: 3 }
 *   record: { every: 10, observables: [train_loss, test_loss, grad_norm, weight_change, { name: sharpness, every: 50 }] }
 *
 * A transformer on text (a character-level language model; width = d_model, depth = blocks):
 *
 *   model: { kind: transformer, widths: [32, 64], depth: 2, heads: 4, context: 64 }
 *   parameterization: [sp, mup]
 *   data: { task: text, corpus: moby-dick }        # or corpus: path/to/file.txt (UTF-8), n: training characters
 *   optimizer: { name: adam, lr: [0.001, 0.003], batch: 16 }
 *   record: { observables: [train_loss, test_loss, grad_norm] }   # nats per character; test = validation split
 *
 * Grid fields take one value or a list (each list is an axis of the grid): model.widths, model.depth,
 * model.initScale, parameterization, data.n, optimizer.lr, optimizer.batch, optimizer.weightDecay,
 * optimizer.momentum, steps, and seeds.
 *
 * Run identity: runId = first 16 hex of sha256(stableStringify({ kind: 'sweep-run', config, seed, codeVersion }))
 * where `config` is the fully resolved RunConfig (every default filled in), so two specs that spell the same run
 * differently share its stored result, and any code change gives new ids.
 */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { sha256Hex, stableStringify } from '../../core/hash.ts';
import { ACTIVATIONS, type Activation } from '../../core/ops.ts';
import { PARAMETERIZATIONS } from '../../nn/parameterization.ts';

// ---- building blocks (every message says what was expected; the formatter adds the path and the value) ----

const number = (what: string) => z.number({ error: `expected ${what}` });
const posNum = number('a positive number').positive({ error: 'expected a positive number' });
const nonNegNum = number('a number >= 0').min(0, { error: 'expected a number >= 0' });
const posInt = number('a positive integer').int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' });
const nonNegInt = number('an integer >= 0').int({ error: 'expected an integer >= 0' }).min(0, { error: 'expected an integer >= 0' });
const unit = number('a number in [0, 1)').min(0, { error: 'expected a number in [0, 1)' }).lt(1, { error: 'expected a number in [0, 1)' });

/** One value, or a non-empty list of values (one axis of the grid). */
function grid<T extends z.ZodType>(item: T) {
  return z.union([item, z.array(item, { error: 'expected a list of such values' }).min(1, { error: 'expected a non-empty list' })]);
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of ${values.join(', ')}` });
}

export const MODEL_KINDS = ['mlp', 'deep-linear', 'two-layer', 'transformer'] as const;
export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamw'] as const;
export const TASKS = ['teacher', 'mixture', 'parity', 'powerlaw', 'digits', 'text'] as const;
export const TEACHER_LINKS = ['linear', 'relu', 'tanh', 'he2'] as const;
/**
 * A name looked up in a table that other modules extend (activations in src/core/ops.ts, parameterizations in
 * src/nn/parameterization.ts). Checked when a spec is parsed, against the table as it is then; the JSON Schema says
 * only "string", so the published schema does not change each time a table gains an entry.
 */
function tableName(table: Record<string, unknown>, what: string) {
  return z
    .string({ error: `expected ${what} name` })
    .refine((v) => Object.hasOwn(table, v), { error: () => `expected one of ${Object.keys(table).join(', ')}` });
}
const activationName = () => tableName(ACTIVATIONS, 'an activation').describe('An activation of src/core/ops.ts: relu, tanh, gelu, erf, sigmoid, softplus, identity, …');
const parameterizationName = () =>
  tableName(PARAMETERIZATIONS, 'a parameterization').describe('A parameterization of src/nn/parameterization.ts: sp, ntk, mean-field, …');

/**
 * What can be recorded during training (each every `record.every` steps unless the entry sets its own `every`):
 * - train_loss, test_loss: the loss on the whole training / test set at θ_t.
 * - batch_loss: the minibatch loss of step t (what the optimizer saw).
 * - train_accuracy, test_accuracy: classification tasks only.
 * - grad_norm: ‖∇L_train(θ_t)‖₂ on the whole training set.
 * - weight_change: ‖θ_t − θ_0‖₂ / ‖θ_0‖₂ (relative distance travelled; small in the lazy/NTK regime,
 *   Chizat, Oyallon & Bach 2019).
 * - param_norm: ‖θ_t‖₂.
 * - sharpness: λ_max(∇²L) on a probe subset of the training set, by Lanczos on exact Hessian-vector products
 *   (Cohen et al. 2021 measure it the same way). Options: probe (examples), iters (Lanczos steps).
 * - kernel_alignment: centered alignment between the empirical NTK on a probe subset and the target kernel
 *   (Cortes, Mohri & Rostamizadeh 2012; used for the NTK by Baratin et al. 2021). Options: probe.
 */
export const OBSERVABLES = [
  'train_loss',
  'test_loss',
  'batch_loss',
  'train_accuracy',
  'test_accuracy',
  'grad_norm',
  'weight_change',
  'param_norm',
  'sharpness',
  'kernel_alignment',
] as const;
export type ObservableName = (typeof OBSERVABLES)[number];

const ObservableEntry = z.union([
  oneOf(OBSERVABLES),
  z.strictObject(
    {
      name: oneOf(OBSERVABLES),
      every: posInt.optional(),
      probe: posInt.optional(),
      iters: posInt.optional(),
    },
    { error: 'expected an observable name or { name, every?, probe?, iters? }' },
  ),
]);

const ModelSpec = z.strictObject({
  kind: oneOf(MODEL_KINDS)
    .describe('mlp, deep-linear (no nonlinearity, no bias), two-layer (one hidden layer) or transformer (decoder-only, pre-LN; data.task text).')
    .default('mlp'),
  /** Hidden width(s): every hidden layer has this width. A list sweeps it. */
  widths: grid(posInt).describe('Hidden width of every hidden layer; a list sweeps it.'),
  /** Hidden layers (default 2 for mlp and deep-linear; two-layer models have exactly 1). */
  depth: grid(posInt).describe('Hidden layers (default 2; two-layer models have exactly 1); a list sweeps it.').optional(),
  /** Default relu (mlp, two-layer); deep-linear models are linear (identity). */
  activation: activationName().optional(),
  /** Biases (default true, false for deep-linear). */
  bias: z.boolean({ error: 'expected true or false' }).optional(),
  /** Multiplies every initial weight (small-initialization sweeps). */
  initScale: grid(posNum).optional(),
  /** Width at which the parameterization's learning-rate multipliers are 1 (μP-style base width). */
  baseWidth: posInt.optional(),
  /** Multiplies the network output (the α of lazy vs rich training). */
  outputMultiplier: posNum.optional(),
  /** transformer: attention heads (default 4; must divide every width). */
  heads: posInt.describe('transformer only: attention heads (default 4); must divide every width (d_model).').optional(),
  /** transformer: the window of characters the model reads (default 64). */
  context: posInt.describe('transformer only: context length in tokens (default 64).').optional(),
});

const common = {
  /** Training-set size (a list sweeps it: data-scaling runs). */
  n: grid(posInt).describe('Training-set size; a list sweeps it (data scaling).'),
  /** Test-set size (default 256). */
  testN: posInt.optional(),
  /** Seed of the data (task draw and samples); the run seed drives initialization and batch order. Default 0. */
  seed: nonNegInt.optional(),
};

const DataSpec = z.discriminatedUnion(
  'task',
  [
    z.strictObject({
      task: z.literal('teacher'),
      /** Input dimension. */
      d: posInt,
      /** Relevant directions (multi-index teacher), default 1. */
      k: posInt.optional(),
      /** The link g of y = g(Uᵀx) + σε (summed over the k directions), default linear. */
      link: oneOf(TEACHER_LINKS).optional(),
      noise: nonNegNum.optional(),
      ...common,
    }),
    z.strictObject({
      task: z.literal('mixture'),
      d: posInt,
      classes: posInt.min(2, { error: 'expected an integer >= 2' }),
      margin: nonNegNum,
      std: posNum.optional(),
      ...common,
    }),
    z.strictObject({
      task: z.literal('parity'),
      /** Number of bits. */
      bits: posInt,
      /** Relevant bits. */
      k: posInt,
      ...common,
    }),
    z.strictObject({
      task: z.literal('powerlaw'),
      d: posInt,
      /** Spectral exponent α in λ_i ∝ i^−(1+α). */
      alpha: posNum,
      teacherDecay: z.number({ error: 'expected a number' }).optional(),
      noise: nonNegNum.optional(),
      ...common,
    }),
    z.strictObject({
      task: z.literal('digits'),
      ...common,
    }),
    z.strictObject({
      task: z.literal('text'),
      /** 'moby-dick' (bundled, fixed chapter split) or the path of a UTF-8 text file (last 10% for validation). */
      corpus: z.string({ error: 'expected a corpus name or file path' }).min(1, { error: 'expected a non-empty string' }).describe("'moby-dick' (bundled) or the path of a UTF-8 text file.").optional(),
      /** Training characters: a prefix of the training split (a list sweeps it: data scaling). Default: all of it. */
      n: grid(posInt).describe('Training characters (a prefix of the training split); a list sweeps it. Default: the whole split.').optional(),
      /** Windows of `context` characters over which train_loss, test_loss and grad_norm are measured (default 64). */
      evalWindows: posInt.optional(),
      seed: nonNegInt.optional(),
    }),
  ],
  { error: `expected data.task to be one of ${TASKS.join(', ')}` },
);

const OptimizerSpec = z.strictObject({
  name: oneOf(OPTIMIZERS),
  lr: grid(posNum).describe('Learning rate; a list sweeps it.'),
  /** Minibatch size, or 'full' (default) for full-batch gradient descent. */
  batch: grid(z.union([posInt, z.literal('full', { error: 'expected "full"' })]))
    .describe('Minibatch size or "full" (default, full-batch gradient descent); a list sweeps it.')
    .optional(),
  /** L2 penalty added to the gradient (sgd, momentum, adam); decoupled decay for adamw. Default 0. */
  weightDecay: grid(nonNegNum).optional(),
  /** Heavy-ball coefficient β (momentum only), default 0.9. */
  momentum: grid(unit).optional(),
  beta1: unit.optional(),
  beta2: unit.optional(),
  eps: posNum.optional(),
});

const SeedsSpec = z.union([
  z.array(nonNegInt, { error: 'expected a list of seeds' }).min(1, { error: 'expected a non-empty list' }),
  z.strictObject({ count: posInt, start: nonNegInt.optional() }, { error: 'expected { count, start? }' }),
]);

export const SweepSpec = z
  .strictObject({
    /** Editors: the JSON Schema this file follows. Ignored by lmech. */
    $schema: z.string().optional(),
    name: z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' }).optional(),
    description: z.string({ error: 'expected a string' }).optional(),
    model: ModelSpec,
    parameterization: grid(parameterizationName()).describe('Parameterization (default sp); a list sweeps it.').optional(),
    data: DataSpec,
    /** mse for regression tasks, cross-entropy for classification tasks (the default). */
    loss: oneOf(['mse', 'cross-entropy']).optional(),
    optimizer: OptimizerSpec,
    steps: grid(posInt).describe('Optimizer steps per run; a list sweeps it.'),
    seeds: SeedsSpec.describe('Run seeds (initialization and batch order): a list, or { count, start }. Default [0].').optional(),
    record: z
      .strictObject({
        /** Default: steps / 50 (at least 1). Step 0 and the last step are always recorded. */
        every: posInt.optional(),
        observables: z
          .array(ObservableEntry, { error: 'expected a list of observables' })
          .describe(`What to record: ${OBSERVABLES.join(', ')}; an entry may be { name, every, probe, iters }.`)
          .optional(),
      })
      .optional(),
    divergence: z
      .strictObject({
        /** A loss above this (or NaN/±inf) ends the run as `diverged`. Default 1e8. */
        maxLoss: posNum.optional(),
      })
      .optional(),
  })
  .meta({
    title: 'lmech sweep spec',
    description: 'A grid of training runs for `lmech sweep` (Learning Mechanics Lab). List-valued grid fields form a cartesian product.',
  });

export type SweepSpecInput = z.input<typeof SweepSpec>;
export type SweepSpecParsed = z.output<typeof SweepSpec>;

/** The JSON Schema of the spec as users write it (draft 2020-12; zod's `io: 'input'` view: defaults are optional). */
export function sweepJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(SweepSpec, { io: 'input' }) as Record<string, unknown>;
}

// ---- resolved runs ----

export type TaskKind = (typeof TASKS)[number];
export type LossKind = 'mse' | 'cross-entropy';

export type DataConfig =
  | { task: 'teacher'; d: number; k: number; link: (typeof TEACHER_LINKS)[number]; noise: number; n: number; testN: number; seed: number }
  | { task: 'mixture'; d: number; classes: number; margin: number; std: number; n: number; testN: number; seed: number }
  | { task: 'parity'; bits: number; k: number; n: number; testN: number; seed: number }
  | { task: 'powerlaw'; d: number; alpha: number; teacherDecay: number; noise: number; n: number; testN: number; seed: number }
  | { task: 'digits'; n: number; testN: number; seed: number }
  /** n: training characters (0 = the whole training split) */
  | { task: 'text'; corpus: string; n: number; evalWindows: number; seed: number };

export interface ObservableConfig {
  name: ObservableName;
  every: number;
  /** sharpness, kernel_alignment: examples of the probe subset. */
  probe?: number;
  /** sharpness: Lanczos iterations. */
  iters?: number;
}

/** One run, every default filled in: what the run id hashes and what a worker needs. JSON-safe. */
export interface RunConfig {
  model: {
    kind: (typeof MODEL_KINDS)[number];
    width: number;
    depth: number;
    activation: Activation;
    bias: boolean;
    initScale: number;
    baseWidth: number | null;
    outputMultiplier: number;
    /** transformer only (absent otherwise, so the ids of the other kinds' runs do not change) */
    heads?: number;
    context?: number;
  };
  parameterization: string;
  data: DataConfig;
  loss: LossKind;
  optimizer: {
    name: (typeof OPTIMIZERS)[number];
    lr: number;
    batch: number | 'full';
    weightDecay: number;
    momentum: number | null;
    beta1: number | null;
    beta2: number | null;
    eps: number | null;
  };
  steps: number;
  record: { every: number; observables: ObservableConfig[] };
  divergence: { maxLoss: number };
}

/** What goes to a worker (local thread or BullMQ job): structured-cloneable and JSON-safe. */
export interface SweepTask {
  runId: string;
  config: RunConfig;
  seed: number;
  codeVersion: string;
}

export interface PlannedSweepRun extends SweepTask {
  /** Position in the expanded grid (0-based). */
  index: number;
  /** The grid coordinates of this run, e.g. { width: 64, lr: 0.1, seed: 2 } (only the swept axes). */
  labels: Record<string, number | string>;
}

export interface ExpandedSweep {
  sweepId: string;
  name: string;
  spec: SweepSpecParsed;
  runs: PlannedSweepRun[];
}

/** A bad spec: `issues` are `path: message` lines; the CLI prints them with exit code 2. */
export class SpecError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly issues: string[],
    readonly source?: string,
  ) {
    super(
      issues.length === 1
        ? `${source ? `${source}: ` : ''}${issues[0]}`
        : `${source ? `${source}: ` : ''}${issues.length} problems in the sweep spec:\n  ${issues.join('\n  ')}`,
    );
    this.name = 'SpecError';
  }
}

export const MAX_RUNS = 100_000;
const DIGITS_COUNT = 1797;

// ---- error formatting ----

type Path = readonly PropertyKey[];

/** `optimizer.lr[2]`; `root` prefixes it (`mapping.observables`) and names the whole document. */
export function formatPath(path: Path, root = ''): string {
  let s = root;
  for (const k of path) {
    if (typeof k === 'number') s += `[${k}]`;
    else s += s === '' ? String(k) : `.${String(k)}`;
  }
  return s === '' ? '(spec)' : s;
}

function valueAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

interface RawIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  errors?: RawIssue[][];
  keys?: string[];
  options?: unknown[];
  note?: string;
}

/** The union branch's issues that say "the value has the wrong type here" (at the union's own path). */
function rootMismatch(issues: RawIssue[]): string[] | null {
  const out: string[] = [];
  for (const i of issues) {
    if (i.path.length !== 0) return null;
    if (i.code === 'invalid_type' || i.code === 'invalid_value') out.push(i.message.replace(/^expected /, ''));
    else if (i.code === 'invalid_union' && i.errors && i.errors.length > 0) {
      const nested = i.errors.map(rootMismatch);
      if (nested.some((n) => n === null)) return null;
      for (const n of nested) out.push(...(n as string[]));
    } else return null;
  }
  return out;
}

/** Object keys the schema allows at `path` (for "unknown field" messages). */
function knownKeys(schema: z.ZodType, path: Path, raw: unknown): string[] {
  type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; options?: z.ZodType[]; element?: z.ZodType; in?: z.ZodType; values?: unknown[] };
  const def = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;
  let current: z.ZodType[] = [schema];
  const step = (schemas: z.ZodType[], key: PropertyKey | undefined, value: unknown): z.ZodType[] => {
    const out: z.ZodType[] = [];
    const visit = (s: z.ZodType) => {
      const d = def(s);
      if (d.innerType) return visit(d.innerType);
      if (d.in) return visit(d.in);
      if (d.options) {
        for (const o of d.options) {
          const od = def(o);
          // discriminated union: keep the option whose literal `task` matches the value
          const disc = od.shape?.task ? def(od.shape.task).values : undefined;
          if (disc && value && typeof value === 'object' && !disc.includes((value as Record<string, unknown>).task)) continue;
          visit(o);
        }
        return;
      }
      if (key === undefined) out.push(s);
      else if (d.type === 'object' && d.shape && typeof key === 'string' && d.shape[key]) out.push(d.shape[key]);
      else if (d.type === 'array' && d.element && typeof key === 'number') out.push(d.element);
    };
    for (const s of schemas) visit(s);
    return out;
  };
  let value = raw;
  for (const k of path) {
    current = step(current, k, value);
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[k] : undefined;
  }
  const keys = new Set<string>();
  for (const s of step(current, undefined, value)) {
    const d = def(s);
    if (d.type === 'object' && d.shape) for (const k of Object.keys(d.shape)) keys.add(k);
  }
  return [...keys];
}

function flattenIssues(issues: RawIssue[], base: Path, raw: unknown, out: string[], schema: z.ZodType, root: string): void {
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    const where = formatPath(path, root);
    const value = valueAt(raw, path);
    if (issue.code === 'invalid_union') {
      if (!issue.errors || issue.errors.length === 0) {
        // a discriminated union whose discriminator matched no option
        const opts = (issue.options ?? []).map((o) => String(o)).join(', ');
        out.push(`${where}: ${value === undefined ? 'missing' : `got ${showValue(value)}`}; expected one of ${opts}`);
        continue;
      }
      const branches = issue.errors;
      const mismatches = branches.map(rootMismatch);
      const fitting = branches.filter((_, b) => mismatches[b] === null);
      if (fitting.length > 0) {
        // the branch whose type fits: report its own problems (fewest first)
        fitting.sort((a, b) => a.length - b.length);
        flattenIssues(fitting[0], path, raw, out, schema, root);
        continue;
      }
      const expected = [...new Set(mismatches.flatMap((m) => m as string[]))];
      out.push(value === undefined ? `${where}: missing; expected ${expected.join(' or ')}` : `${where}: expected ${expected.join(' or ')}, got ${showValue(value)}`);
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, path, raw);
      for (const k of issue.keys ?? []) {
        out.push(`${formatPath([...path, k], root)}: unknown field${known.length ? `; expected one of ${known.join(', ')}` : ''}`);
      }
      continue;
    }
    const msg = issue.message.startsWith('expected') ? issue.message : `expected ${issue.message.replace(/^Invalid input: /i, '')}`;
    if (value === undefined && issue.code === 'invalid_type') out.push(`${where}: missing; ${msg}`);
    else out.push(`${where}: ${msg}, got ${showValue(value)}`);
  }
}

/**
 * Path-named messages for a failed zod parse of `raw` against `schema`: `optimizer.lr[2]: expected a positive number,
 * got -0.1`. Union failures report the branch whose type fits, or every accepted form; unknown keys list the known
 * ones. `root` prefixes every path (e.g. 'mapping').
 */
export function formatZodIssues(error: z.ZodError, raw: unknown, schema: z.ZodType, root = ''): string[] {
  const out: string[] = [];
  flattenIssues(error.issues as unknown as RawIssue[], [], raw, out, schema, root);
  return [...new Set(out)];
}

/** formatZodIssues for sweep specs. */
export function formatSpecIssues(error: z.ZodError, raw: unknown): string[] {
  return formatZodIssues(error, raw, SweepSpec);
}

// ---- parsing ----

/** Parse spec text (YAML, of which JSON is a subset). `source` names the file in messages. */
export function parseSpecText(text: string, source?: string): SweepSpecParsed {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const pos = e.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}` : 'spec';
      throw new SpecError([`${where}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`], source);
    }
    throw new SpecError([`cannot parse the spec: ${(e as Error).message}`], source);
  }
  return parseSpecObject(raw, source);
}

/** Validate an already-parsed spec object. Throws SpecError naming every bad path. */
export function parseSpecObject(raw: unknown, source?: string): SweepSpecParsed {
  if (raw === null || raw === undefined || typeof raw !== 'object' || Array.isArray(raw))
    throw new SpecError([`(spec): expected an object with model, data, optimizer and steps, got ${raw === undefined || raw === null ? 'an empty document' : showValue(raw)}`], source);
  const parsed = SweepSpec.safeParse(raw);
  if (!parsed.success) throw new SpecError(formatSpecIssues(parsed.error, raw), source);
  const spec = parsed.data;
  const issues = semanticIssues(spec);
  if (issues.length > 0) throw new SpecError(issues, source);
  return spec;
}

function list<T>(v: T | T[] | undefined, fallback: T): T[] {
  if (v === undefined) return [fallback];
  return Array.isArray(v) ? v : [v];
}

/** Entries of a grid with their spec path (`optimizer.lr[1]`, or `optimizer.lr` for a single value). */
function axis<T>(v: T | T[] | undefined, fallback: T, path: string): { value: T; path: string }[] {
  if (v === undefined) return [{ value: fallback, path }];
  return Array.isArray(v) ? v.map((value, i) => ({ value, path: `${path}[${i}]` })) : [{ value: v, path }];
}

const CLASSIFICATION: readonly TaskKind[] = ['mixture', 'parity', 'digits'];

export function isClassification(task: TaskKind): boolean {
  return CLASSIFICATION.includes(task);
}

function seedList(spec: SweepSpecParsed): number[] {
  const s = spec.seeds;
  if (s === undefined) return [0];
  if (Array.isArray(s)) return s;
  const start = s.start ?? 0;
  return Array.from({ length: s.count }, (_, i) => start + i);
}

const TEXT_OBSERVABLES: readonly ObservableName[] = ['train_loss', 'test_loss', 'batch_loss', 'grad_norm', 'weight_change', 'param_norm'];

/** The transformer / text pairing and the fields only one side uses; each message names the path. */
function transformerIssues(spec: SweepSpecParsed): string[] {
  const issues: string[] = [];
  const m = spec.model;
  const d = spec.data;
  const isT = m.kind === 'transformer';
  if (isT && d.task !== 'text') issues.push(`data.task: model.kind transformer trains on text, got data.task ${JSON.stringify(d.task)}; use task: text`);
  if (!isT && d.task === 'text') issues.push(`model.kind: data.task text needs a sequence model, got model.kind ${JSON.stringify(m.kind)}; use kind: transformer`);
  if (!isT) {
    for (const k of ['heads', 'context'] as const) if (m[k] !== undefined) issues.push(`model.${k}: only a transformer uses it, got model.kind ${JSON.stringify(m.kind)}`);
    return issues;
  }
  const heads = m.heads ?? 4;
  for (const w of axis(m.widths, 0, 'model.widths'))
    if (w.value % heads !== 0) issues.push(`${w.path}: width (d_model) ${w.value} is not divisible by model.heads = ${heads}`);
  if (m.activation !== undefined && m.activation !== 'gelu') issues.push(`model.activation: a transformer's MLP uses gelu, got ${JSON.stringify(m.activation)}; leave it out`);
  for (const k of ['bias', 'outputMultiplier'] as const) if (m[k] !== undefined) issues.push(`model.${k}: a transformer does not use it (no linear biases, no output multiplier); leave it out`);
  if (spec.loss === 'mse') issues.push('loss: a language model is trained by next-token cross-entropy, got "mse"');
  for (const b of axis(spec.optimizer.batch, 'full' as number | 'full', 'optimizer.batch'))
    if (b.value === 'full') issues.push(`${b.path}: a text task needs a number of windows per step, got "full"`);
  (spec.record?.observables ?? []).forEach((entry, i) => {
    const name = typeof entry === 'string' ? entry : entry.name;
    if (!TEXT_OBSERVABLES.includes(name)) issues.push(`record.observables[${i}]: ${name} is not measured on text; expected one of ${TEXT_OBSERVABLES.join(', ')}`);
  });
  return issues;
}

/** Checks that need several fields at once; each message names the path and the value. */
function semanticIssues(spec: SweepSpecParsed): string[] {
  const issues: string[] = [];
  const dupes = (v: unknown, path: string) => {
    if (!Array.isArray(v)) return;
    const seen = new Map<string, number>();
    v.forEach((x, i) => {
      const key = JSON.stringify(x);
      const first = seen.get(key);
      if (first !== undefined) issues.push(`${path}[${i}]: ${showValue(x)} repeats ${path}[${first}]; each grid value must be different`);
      else seen.set(key, i);
    });
  };
  dupes(spec.model.widths, 'model.widths');
  dupes(spec.model.depth, 'model.depth');
  dupes(spec.model.initScale, 'model.initScale');
  dupes(spec.parameterization, 'parameterization');
  dupes(spec.data.n, 'data.n');
  dupes(spec.optimizer.lr, 'optimizer.lr');
  dupes(spec.optimizer.batch, 'optimizer.batch');
  dupes(spec.optimizer.weightDecay, 'optimizer.weightDecay');
  dupes(spec.optimizer.momentum, 'optimizer.momentum');
  dupes(spec.steps, 'steps');
  if (Array.isArray(spec.seeds)) dupes(spec.seeds, 'seeds');

  const m = spec.model;
  if (m.kind === 'two-layer') {
    for (const d of axis(m.depth, 1, 'model.depth'))
      if (d.value !== 1) issues.push(`${d.path}: a two-layer model has exactly 1 hidden layer, got ${d.value}; use kind: mlp for deeper networks`);
  }
  if (m.kind === 'deep-linear' && m.activation !== undefined && m.activation !== 'identity' && m.activation !== 'linear')
    issues.push(`model.activation: a deep-linear model has no nonlinearity, got ${JSON.stringify(m.activation)}; leave it out or use kind: mlp`);

  const o = spec.optimizer;
  if (o.momentum !== undefined && o.name !== 'momentum') issues.push(`optimizer.momentum: only the momentum optimizer uses it, got optimizer.name ${JSON.stringify(o.name)}`);
  for (const k of ['beta1', 'beta2', 'eps'] as const)
    if (o[k] !== undefined && o.name !== 'adam' && o.name !== 'adamw') issues.push(`optimizer.${k}: only adam and adamw use it, got optimizer.name ${JSON.stringify(o.name)}`);

  const d = spec.data;
  const testN = d.task === 'text' ? 0 : (d.testN ?? 256);
  if (d.task === 'teacher' && d.k !== undefined && d.k > d.d) issues.push(`data.k: ${d.k} relevant directions exceed the input dimension data.d = ${d.d}`);
  if (d.task === 'mixture' && d.d < d.classes) issues.push(`data.d: ${d.d} is smaller than data.classes = ${d.classes}; the class means need d >= classes`);
  if (d.task === 'parity' && d.k > d.bits) issues.push(`data.k: ${d.k} relevant bits exceed data.bits = ${d.bits}`);
  const ns = axis(d.n, 0, 'data.n');
  if (d.task === 'digits')
    for (const n of ns)
      if (n.value + testN > DIGITS_COUNT) issues.push(`${n.path}: ${n.value} training plus data.testN = ${testN} test examples exceed the ${DIGITS_COUNT} digits`);
  const maxN = Math.max(...ns.map((n) => n.value));
  for (const b of axis(o.batch, 'full' as number | 'full', 'optimizer.batch'))
    if (typeof b.value === 'number' && b.value > maxN && d.task !== 'text') issues.push(`${b.path}: batch ${b.value} exceeds the largest training set data.n = ${maxN}`);

  issues.push(...transformerIssues(spec));
  const classification = isClassification(d.task);
  const text = d.task === 'text';
  const loss = spec.loss ?? (classification || text ? 'cross-entropy' : 'mse');
  if (loss === 'cross-entropy' && !classification && !text) issues.push(`loss: cross-entropy needs a classification task, got data.task ${JSON.stringify(d.task)} (a regression task)`);
  (spec.record?.observables ?? []).forEach((entry, i) => {
    const name = typeof entry === 'string' ? entry : entry.name;
    if ((name === 'train_accuracy' || name === 'test_accuracy') && !classification)
      issues.push(`record.observables[${i}]: ${name} needs a classification task (mixture, parity, digits), got data.task ${JSON.stringify(d.task)}`);
    if (typeof entry !== 'string') {
      if (entry.iters !== undefined && name !== 'sharpness') issues.push(`record.observables[${i}].iters: only sharpness uses it, got name ${JSON.stringify(name)}`);
      if (entry.probe !== undefined && name !== 'sharpness' && name !== 'kernel_alignment')
        issues.push(`record.observables[${i}].probe: only sharpness and kernel_alignment use it, got name ${JSON.stringify(name)}`);
    }
  });
  const names = (spec.record?.observables ?? []).map((e) => (typeof e === 'string' ? e : e.name));
  names.forEach((n, i) => {
    const first = names.indexOf(n);
    if (first !== i) issues.push(`record.observables[${i}]: ${n} repeats record.observables[${first}]`);
  });

  if (issues.length === 0) {
    const total =
      list(m.widths, 0).length *
      list(m.depth, 0).length *
      list(m.initScale, 0).length *
      list(spec.parameterization, '').length *
      ns.length *
      list(o.lr, 0).length *
      list(o.batch, 0 as number | 'full').length *
      list(o.weightDecay, 0).length *
      list(o.momentum, 0).length *
      list(spec.steps, 0).length *
      seedList(spec).length;
    if (total > MAX_RUNS) issues.push(`(spec): the grid expands to ${total} runs, more than the limit of ${MAX_RUNS}; split it into several sweeps`);
  }
  return issues;
}

function dataConfig(d: SweepSpecParsed['data'], n: number): DataConfig {
  const testN = d.task === 'text' ? 0 : (d.testN ?? 256);
  const seed = d.seed ?? 0;
  switch (d.task) {
    case 'teacher':
      return { task: 'teacher', d: d.d, k: d.k ?? 1, link: d.link ?? 'linear', noise: d.noise ?? 0, n, testN, seed };
    case 'mixture':
      return { task: 'mixture', d: d.d, classes: d.classes, margin: d.margin, std: d.std ?? 1, n, testN, seed };
    case 'parity':
      return { task: 'parity', bits: d.bits, k: d.k, n, testN, seed };
    case 'powerlaw':
      return { task: 'powerlaw', d: d.d, alpha: d.alpha, teacherDecay: d.teacherDecay ?? 0, noise: d.noise ?? 0, n, testN, seed };
    case 'digits':
      return { task: 'digits', n, testN, seed };
    case 'text':
      return { task: 'text', corpus: d.corpus ?? 'moby-dick', n, evalWindows: d.evalWindows ?? 64, seed };
  }
}

function defaultObservables(classification: boolean, text: boolean): ObservableName[] {
  if (text) return ['train_loss', 'test_loss'];
  return classification ? ['train_loss', 'test_loss', 'train_accuracy', 'test_accuracy'] : ['train_loss', 'test_loss'];
}

/** The run id: 16 hex of sha256 over the resolved config, the seed and the code version. */
export function sweepRunId(config: RunConfig, seed: number, codeVersion: string): string {
  return sha256Hex(stableStringify({ kind: 'sweep-run', config, seed, codeVersion })).slice(0, 16);
}

/** Expand a validated spec into its runs (cartesian product, last axis fastest: seeds). */
export function expandSweep(spec: SweepSpecParsed, codeVersion: string): ExpandedSweep {
  const m = spec.model;
  const o = spec.optimizer;
  const classification = isClassification(spec.data.task);
  const text = spec.data.task === 'text';
  const loss: LossKind = spec.loss ?? (classification || text ? 'cross-entropy' : 'mse');
  const defaultDepth = m.kind === 'two-layer' ? 1 : 2;
  const activation = (m.kind === 'deep-linear' ? 'identity' : (m.activation ?? (m.kind === 'transformer' ? 'gelu' : 'relu'))) as Activation;
  const bias = m.bias ?? (m.kind !== 'deep-linear' && m.kind !== 'transformer');
  const seeds = seedList(spec);

  type Axis = { key: string; values: (number | string)[] };
  const axes: Axis[] = [
    { key: 'parameterization', values: list(spec.parameterization, 'sp') },
    { key: 'width', values: list(m.widths, 0) },
    { key: 'depth', values: list(m.depth, defaultDepth) },
    { key: 'initScale', values: list(m.initScale, 1) },
    { key: 'n', values: list(spec.data.n, 0) },
    { key: 'lr', values: list(o.lr, 0) },
    { key: 'batch', values: list(o.batch, 'full' as number | 'full') },
    { key: 'weightDecay', values: list(o.weightDecay, 0) },
    { key: 'momentum', values: list(o.momentum, 0.9) },
    { key: 'steps', values: list(spec.steps, 0) },
    { key: 'seed', values: seeds },
  ];
  const swept = new Set(axes.filter((a) => a.values.length > 1).map((a) => a.key));
  const runs: PlannedSweepRun[] = [];
  const idx = new Array<number>(axes.length).fill(0);
  for (;;) {
    const v = Object.fromEntries(axes.map((a, i) => [a.key, a.values[idx[i]]])) as Record<string, number | string>;
    const steps = v.steps as number;
    const every = spec.record?.every ?? Math.max(1, Math.floor(steps / 50));
    const observables: ObservableConfig[] = (spec.record?.observables ?? defaultObservables(classification, text)).map((e) => {
      const entry = typeof e === 'string' ? { name: e } : e;
      const oc: ObservableConfig = { name: entry.name, every: entry.every ?? every };
      if (entry.name === 'sharpness') {
        oc.probe = entry.probe ?? 256;
        oc.iters = entry.iters ?? 20;
      }
      if (entry.name === 'kernel_alignment') oc.probe = entry.probe ?? 64;
      return oc;
    });
    const adamLike = o.name === 'adam' || o.name === 'adamw';
    const config: RunConfig = {
      model: {
        kind: m.kind,
        width: v.width as number,
        depth: v.depth as number,
        activation,
        bias,
        initScale: v.initScale as number,
        baseWidth: m.baseWidth ?? null,
        outputMultiplier: m.outputMultiplier ?? 1,
        ...(m.kind === 'transformer' ? { heads: m.heads ?? 4, context: m.context ?? 64 } : {}),
      },
      parameterization: v.parameterization as string,
      data: dataConfig(spec.data, v.n as number),
      loss,
      optimizer: {
        name: o.name,
        lr: v.lr as number,
        batch: v.batch as number | 'full',
        weightDecay: v.weightDecay as number,
        momentum: o.name === 'momentum' ? (v.momentum as number) : null,
        beta1: adamLike ? (o.beta1 ?? 0.9) : null,
        beta2: adamLike ? (o.beta2 ?? 0.999) : null,
        eps: adamLike ? (o.eps ?? 1e-8) : null,
      },
      steps,
      record: { every, observables },
      divergence: { maxLoss: spec.divergence?.maxLoss ?? 1e8 },
    };
    const seed = v.seed as number;
    const labels: Record<string, number | string> = {};
    for (const k of swept) labels[k] = v[k];
    runs.push({ index: runs.length, runId: sweepRunId(config, seed, codeVersion), config, seed, codeVersion, labels });
    // odometer: the last axis moves fastest
    let a = axes.length - 1;
    while (a >= 0) {
      idx[a]++;
      if (idx[a] < axes[a].values.length) break;
      idx[a] = 0;
      a--;
    }
    if (a < 0) break;
  }
  const name = spec.name ?? 'sweep';
  const sweepId = sha256Hex(stableStringify({ kind: 'sweep', name, runs: runs.map((r) => r.runId) })).slice(0, 16);
  return { sweepId, name, spec, runs };
}

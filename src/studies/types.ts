/**
 * The study: the product's unit. A study declares a first-principles prediction, a real training run
 * that measures the same observable, comparison metrics with declared tolerances, and regime checks.
 * The verdict is computed from those declarations by `judge` (./verdict.ts), never by the study itself.
 */
import type { z } from 'zod';
import type { Rng } from '../core/random.ts';

export type Pillar = 'solvable' | 'limits' | 'laws' | 'hyperparameters' | 'universality' | 'mechanisms';
export const PILLARS: readonly Pillar[] = ['solvable', 'limits', 'laws', 'hyperparameters', 'universality', 'mechanisms'];

/**
 * `inconclusive`: the study held, but a negative control (a wrong theory) held too, so the verdict is not
 * evidence for this theory over the rival; or, over seeds, neither holding nor failing clears its bound.
 */
export type Verdict = 'holds' | 'falsified' | 'out-of-regime' | 'inconclusive' | 'error';
export const VERDICTS: readonly Verdict[] = ['holds', 'falsified', 'out-of-regime', 'inconclusive', 'error'];

/** A curve: measured from a run, or predicted by the theory. */
export interface Series {
  /** Observable name, e.g. `sharpness` or `mode[0]`. */
  name: string;
  /** Which variant of the experiment (e.g. `eta=0.02`, `width=256`); '' if only one. */
  group: string;
  kind: 'measured' | 'predicted' | 'reference';
  x: number[];
  y: number[];
}

/**
 * A pass criterion on one number. `tolerance` is the number shown next to the value in tables
 * (the bound, or the allowed error); `reason` says where the tolerance comes from.
 */
export type Criterion =
  | { op: '<='; bound: number }
  | { op: '>='; bound: number }
  | { op: 'in'; lo: number; hi: number }
  /** |value - target| <= tol */
  | { op: 'abs'; target: number; tol: number }
  /** |value - target| <= tol * |target| */
  | { op: 'rel'; target: number; tol: number };

/** One judged number. PK: the keys of the study's predicted scalars (string when a study does not declare them). */
export interface MetricSpec<PK extends string = string> {
  name: string;
  value: number;
  criterion: Criterion;
  /** Why this tolerance (finite width, finite sample, float error, the catalog's criterion, ...). */
  reason: string;
  description?: string;
  /**
   * The key of the prediction's scalar that sets this metric's target or bound. Detection power perturbs
   * that scalar; the contract test checks that every judged metric names one (or is a sanity check).
   */
  prediction?: PK;
  /** A check on the measurement itself (not a prediction): reported, never counted toward `holds`. */
  sanity?: boolean;
  /** The part of a multi-part study this metric belongs to (per-part verdicts); '' or absent: the whole study. */
  part?: string;
}

export interface MetricResult extends MetricSpec {
  tolerance: number;
  pass: boolean;
  /** Human-readable criterion, e.g. `≤ 0.05` or `∈ [0.95, 1.15]`. */
  criterionText: string;
}

/** Is the run inside the theory's assumptions? A failed regime check makes the verdict out-of-regime. */
export interface RegimeCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** The number the check tested, when it has one: a NaN here makes the verdict `error`, not out-of-regime. */
  value?: number;
  /** The part of a multi-part study it gates; absent: every part. */
  part?: string;
}

/**
 * A negative control: a named wrong theory a referee would propose. `predict` turns the study's prediction
 * into the rival's (the same measurement is judged against it, no retraining); `params`, when given, runs
 * the study's measurement again at those settings (a null model: shuffled labels, a random network), judged
 * against the study's own prediction. A control that does not come out `falsified` makes a holding study
 * `inconclusive`.
 */
export interface Control<P = Record<string, unknown>, PK extends string = string> {
  name: string;
  /** Why a referee would propose it, in one sentence. */
  description: string;
  predict?: (params: P, prediction: Observations<PK>) => Observations<PK>;
  params?: Partial<P>;
  /**
   * Whether the control is run at `params` (default: always). Only for a rival of a claim that these parameters
   * do not judge (a rate the profile's widths are too small to resolve, say): decided from the parameters before
   * anything is measured, never from a result, and the study's header says where the rival is tested instead.
   */
  applies?: (params: P) => boolean;
}

export interface ControlResult {
  name: string;
  description: string;
  verdict: Verdict;
  /** the metrics of the control's comparison that passed (each one a reason it was not falsified) */
  passing: string[];
  error?: string;
}

export interface PartResult {
  part: string;
  verdict: Verdict;
}

/** Detection power of one judged metric: the smallest relative change of its predicted scalar that flips it. */
export interface MetricPower {
  metric: string;
  prediction: string;
  /** smallest |δ| (relative) such that the prediction ×(1 ± δ) fails this metric; +∞ if none up to the search bound */
  detectionThreshold: number;
  /** the direction that flips first */
  direction: 'up' | 'down' | 'none';
}

/** A verdict over several seeds. */
export interface SeedSummary {
  seeds: number[];
  verdicts: Verdict[];
  holds: number;
  fraction: number;
  /** Wilson 95% interval of the fraction that holds */
  lo: number;
  hi: number;
  /** the study's declared bound on `lo` */
  threshold: number;
}

/** A declarative chart, turned into Vega-Lite by the report and the lab. */
export interface Figure {
  id: string;
  title: string;
  x: { label: string; log?: boolean };
  y: { label: string; log?: boolean };
  /** Which series to draw: matched by name (and optionally group). Predicted series are drawn dashed. */
  series: { name: string; group?: string }[];
  /** Optional horizontal reference lines (e.g. 2/η). */
  rules?: { y: number; label: string }[];
  /** `line` (default) or `point` for scatter plots such as weight trajectories. */
  mark?: 'line' | 'point';
  caption?: string;
}

/**
 * The scalars of an observation. With a key type K (a union of literal or template-literal types such as
 * `` `u0 random s=${number}` ``), keys are checked where `measure` writes them and `compare` reads them;
 * with the default K = string, any key goes.
 */
export type Scalars<K extends string = string> = string extends K ? Record<string, number> : Partial<Record<K, number>>;

/** What `measure` and `predict` return: named scalars plus curves. */
export interface Observations<K extends string = string> {
  scalars: Scalars<K>;
  series: Series[];
  /** Free-form notes shown in the report (e.g. where a rule was seen to fail). */
  notes?: string[];
}

export interface MeasureContext {
  /** The run's own seeded stream; derive sub-streams with `rng.child('name')`. */
  rng: Rng;
  seed: number;
  /** Report progress in [0, 1]; cheap to call often. */
  progress(fraction: number, message?: string): void;
  /** Live curve points for surfaces that draw as the run proceeds (the lab). Optional to call. */
  emit?(point: { name: string; group: string; x: number; y: number }): void;
  /** Text sampled from a language model at training step `step` (the lab's text panel; the CLI ignores it). */
  sample?(text: string, step: number, label?: string): void;
  signal?: AbortSignal;
}

/** What `compare` returns; PK as in `MetricSpec`, so a metric naming a key that `predict` does not produce is a type error. */
export interface StudyComparison<PK extends string = string> {
  metrics: MetricSpec<PK>[];
  regime: RegimeCheck[];
}

/**
 * A study. P is its parameter type (inferred from the schema by `defineStudy`); PK and MK are the keys of
 * the scalars `predict` and `measure` return (string when a study does not declare them).
 */
export interface Study<P extends Record<string, unknown> = Record<string, unknown>, PK extends string = string, MK extends string = string> {
  id: string;
  /** Catalog number in shared/learning-mechanics.md §6. */
  catalog: number;
  pillar: Pillar;
  title: string;
  /** The claim in one sentence. */
  claim: string;
  /** The formula in TeX, for the report and the lab. */
  formula?: string;
  papers: string[];
  /** In the core suite (`lmech run --core`). */
  core: boolean;
  /** zod object schema with defaults for every field. */
  schema: z.ZodType<P>;
  /** Parameter overrides of the quick profile (CI-sized). */
  quick: Partial<P>;
  predict(params: P): Observations<PK>;
  measure(params: P, ctx: MeasureContext): Promise<Observations<MK>> | Observations<MK>;
  /** Judges the measurement against the prediction; every metric's `prediction` names a key of PK (checked by the compiler). */
  compare(prediction: Observations<PK>, measurement: Observations<MK>, params: P): StudyComparison<PK>;
  figures(params: P): Figure[];
  /** Negative controls (wrong theories) that must come out falsified. */
  controls?: Control<P, PK>[];
  /** Over seeds: how many the default profile runs, and the bound on the Wilson lower bound of the fraction that holds. */
  seeds?: { default: number; quick?: number; threshold: number };
  /**
   * Where theory puts the edge of this study's validity, for validity maps (`lmech map`): at `params`, the law
   * is predicted to hold on one side of `value` along the parameter `axis`. Drawn over the measured map and
   * judged against the measured crossing within `factor`. Several entries for several axes.
   */
  boundary?: (params: P) => PredictedBoundary[];
  /**
   * Batched points (validity maps, issue 16): the parameter keys along which points that agree on every other
   * parameter (and on seed and profile, unless `batchSeeds`) may be measured together by `measureBatch`. Declared
   * together with it.
   */
  batchAxes?: readonly string[];
  /**
   * Batched seeds (issue 17, multi-seed cost): `measureBatch` also accepts points that differ in seed, e.g. by
   * training the seeds' networks as one stacked model (`op.bmm` over [K, …] weights). The runner then leaves the
   * seed out of the batch key, so `lmech run <id> --seeds N` measures the N seeds in one job (in chunks that keep
   * every worker busy). Declared together with `measureBatch` and `batchAxes` (`[]` when the seed is the only
   * axis). The rule above is unchanged: each seed's measurement equals `measure` at that seed bit for bit, and gets
   * its own run id.
   */
  batchSeeds?: boolean;
  /**
   * Measure several points at once, sharing what does not depend on the `batchAxes` (an init, a kernel at init).
   * `ctxs[i]` is point i's own context, exactly as `measure` would get it. The rule (tested per study):
   * `measureBatch(ps, ctxs)[i]` equals `measure(ps[i], ctxs[i])` bit for bit, so a batched point and an unbatched
   * one share a run id and a cache entry. It must not assume the points share a seed or the other parameters:
   * points that cannot share work are measured apart.
   */
  measureBatch?(params: P[], ctxs: MeasureContext[]): Promise<Observations<MK>[]> | Observations<MK>[];
}

/** A predicted edge of validity along one parameter (see `Study.boundary`). */
export interface PredictedBoundary {
  /** the parameter (a key of the study's schema) the boundary is a location on */
  axis: string;
  /** predicted location: the law holds on the `holds` side of it */
  value: number;
  holds: 'below' | 'above';
  /** tolerance as a factor on the location (judged in log space: within ×factor either way) */
  factor: number;
  /** why this factor (finite width rate, grid spacing, ...) */
  reason: string;
  /**
   * the judged metric whose crossing of its tolerance this boundary predicts (matched like `--metric`, by name
   * or shape); absent: the map's mapped metric. A boundary about one observable is judged against that
   * observable's crossing whichever metric the map draws.
   */
  metric?: string;
  /**
   * instead of a metric, the regime check whose failure marks this edge (a boundary of the setting, such as a
   * stability limit): judged against where `check` turns from ok to failed along the line, located by
   * interpolating its value to `threshold` when given (the check is ok while its value is below it), else at
   * the midpoint between the last ok and the first failed point (grid resolution).
   */
  regime?: { check: string; threshold?: number };
}

/**
 * Declare a study: the parameter type is inferred from the zod object schema (no casts), and the scalar
 * keys of `predict` and `measure` from the optional type arguments:
 *
 *   export const myStudy = defineStudy(Params, { id: 'my-study', ..., predict(p) {...}, ... });
 *   export const other = defineStudy<z.output<typeof Params>, PredKey, MeasKey>(Params, { ... });
 */
export function defineStudy<P extends Record<string, unknown>, PK extends string = string, MK extends string = string>(
  schema: z.ZodType<P>,
  spec: Omit<Study<P, PK, MK>, 'schema'>,
): Study<P, PK, MK> {
  return { ...spec, schema };
}

/** A study with its parameter type erased, as stored in the registry. */
// biome-ignore lint/suspicious/noExplicitAny: registry erases each study's own parameter type; params are validated by the study's zod schema before use.
export type AnyStudy = Study<any, any, any>;

export interface Provenance {
  seed: number;
  configHash: string;
  codeVersion: string;
  params: Record<string, unknown>;
  profile: 'quick' | 'default' | 'custom';
  startedAt: string;
  durationMs: number;
  node: string;
  platform: string;
}

export interface StudyResult {
  id: string;
  title: string;
  pillar: Pillar;
  claim: string;
  verdict: Verdict;
  metrics: MetricResult[];
  regime: RegimeCheck[];
  prediction: Observations;
  measurement: Observations;
  figures: Figure[];
  provenance: Provenance;
  error?: string;
  cached?: boolean;
  /** per-part verdicts (multi-part studies) */
  parts?: PartResult[];
  controls?: ControlResult[];
  /** detection power per judged metric (with `--power`) */
  power?: MetricPower[];
  /** the verdict over seeds, when the study ran at several (then `verdict` is the multi-seed verdict) */
  seedSummary?: SeedSummary;
}

/**
 * Run one study from end to end: resolve parameters, predict, measure, compare, judge.
 * Pure with respect to the environment (no Node APIs), so the CLI, the library API, worker threads
 * and the browser lab all call this same function.
 */
import { sha256Hex, stableStringify } from '../core/hash.ts';
import { Rng } from '../core/random.ts';
import { clearBufferPool } from '../core/tensor.ts';
import { detectionPower, runControls } from './falsify.ts';
import type { AnyStudy, MeasureContext, Observations, StudyResult } from './types.ts';
import { combineParts, evaluateMetric, judgeParts, judgeSeeds, withControls } from './verdict.ts';

export type Profile = 'quick' | 'default';

export interface ExecuteOptions {
  profile?: Profile;
  /** Parameter overrides, applied after the profile. */
  params?: Record<string, unknown>;
  seed?: number;
  codeVersion?: string;
  progress?: (fraction: number, message?: string) => void;
  emit?: MeasureContext['emit'];
  sample?: MeasureContext['sample'];
  signal?: AbortSignal;
  /** Run the study's negative controls (default true). */
  controls?: boolean;
  /** Compute each judged metric's detection threshold (bisection on compare; default false). */
  power?: boolean;
}

export class ParamError extends Error {
  constructor(
    readonly studyId: string,
    readonly issues: string[],
  ) {
    super(`invalid parameters for study '${studyId}':\n  ${issues.join('\n  ')}`);
    this.name = 'ParamError';
  }
}

/** Every parameter a study accepts: the resolved defaults plus optional schema keys without a default. */
export function paramKeys(study: AnyStudy, profile: Profile): string[] {
  const shape = (study.schema as unknown as { shape?: Record<string, unknown> }).shape;
  return [...new Set([...Object.keys(resolveParams(study, profile)), ...Object.keys(shape ?? {})])];
}

/** Resolve a study's parameters: schema defaults, then the profile, then overrides; validated. */
export function resolveParams(study: AnyStudy, profile: Profile, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const raw = { ...(profile === 'quick' ? study.quick : {}), ...overrides };
  const parsed = study.schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => {
      const path = i.path.join('.') || '(params)';
      const got = i.path.length ? (i.path as (string | number)[]).reduce<unknown>((o, k) => (o as Record<string | number, unknown> | undefined)?.[k], raw) : raw;
      return `${path}: ${i.message}${got !== undefined ? ` (got ${JSON.stringify(got)})` : ''}`;
    });
    throw new ParamError(study.id, issues);
  }
  return parsed.data as Record<string, unknown>;
}

export function configHash(studyId: string, params: Record<string, unknown>, seed: number, codeVersion: string): string {
  return sha256Hex(stableStringify({ study: studyId, params, seed, codeVersion })).slice(0, 16);
}

const EMPTY: Observations = { scalars: {}, series: [] };

/** One run resolved before anything is measured: its parameters, run id, context and provenance. */
interface PreparedRun {
  params: Record<string, unknown>;
  ctx: MeasureContext;
  base: Pick<StudyResult, 'id' | 'title' | 'pillar' | 'claim' | 'figures'>;
  provenance: (durationMs: number) => StudyResult['provenance'];
  t0: number;
  /** what failed while building the context (a non-finite seed), reported as the run's error */
  setupError?: unknown;
}

/** Resolve a run (throws a ParamError on bad parameters, before any work) and build its measurement context. */
function prepareRun(study: AnyStudy, opts: ExecuteOptions): PreparedRun {
  const profile = opts.profile ?? 'default';
  const seed = opts.seed ?? 0;
  const codeVersion = opts.codeVersion ?? 'dev';
  const params = resolveParams(study, profile, opts.params ?? {});
  const hash = configHash(study.id, params, seed, codeVersion);
  const t0 = Date.now();
  const startedAt = new Date(t0).toISOString();
  const base = { id: study.id, title: study.title, pillar: study.pillar, claim: study.claim, figures: study.figures(params) };
  const provenance = (durationMs: number) => ({
    seed,
    configHash: hash,
    codeVersion,
    params,
    profile: (opts.params && Object.keys(opts.params).length ? 'custom' : profile) as 'quick' | 'default' | 'custom',
    startedAt,
    durationMs,
    node: typeof process !== 'undefined' && process.versions?.node ? `node ${process.versions.node}` : 'browser',
    platform: typeof process !== 'undefined' && process.platform ? `${process.platform}-${process.arch}` : 'browser',
  });
  // a bad seed (non-finite) is an error result like any failure of the run, not a throw: judgeRun raises it first
  let setupError: unknown;
  let rng: Rng;
  try {
    rng = Rng.fromSeed(seed, study.id);
  } catch (e) {
    setupError = e;
    rng = Rng.fromSeed(0, study.id); // never used: judgeRun throws setupError before measuring
  }
  const ctx: MeasureContext = {
    rng,
    seed,
    progress: opts.progress ?? (() => {}),
    emit: opts.emit,
    sample: opts.sample,
    signal: opts.signal,
  };
  return { params, ctx, base, provenance, t0, setupError };
}

/**
 * Predict, take the measurement from `measure`, compare, run the controls and judge: the part of a run shared by
 * `executeStudy` and `executeStudyBatch`. Anything thrown (by predict, the measurement, compare or a control)
 * gives verdict `error` with the message.
 */
async function judgeRun(study: AnyStudy, opts: ExecuteOptions, run: PreparedRun, measure: () => Promise<Observations>): Promise<StudyResult> {
  const { params, ctx, base, provenance, t0 } = run;
  let prediction: Observations = EMPTY;
  let measurement: Observations = EMPTY;
  try {
    if (run.setupError !== undefined) throw run.setupError;
    prediction = study.predict(params);
    measurement = await measure();
    const cmp = study.compare(prediction, measurement, params);
    const metrics = cmp.metrics.map(evaluateMetric);
    const parts = judgeParts(metrics, cmp.regime);
    const rerun = (p: Record<string, unknown>) => Promise.resolve(study.measure(p, { ...ctx, rng: Rng.fromSeed(ctx.seed, study.id), progress: () => {}, emit: undefined, sample: undefined }));
    const controls = opts.controls === false ? [] : await runControls(study, params, prediction, measurement, rerun);
    const verdict = metrics.length === 0 ? 'error' : withControls(combineParts(parts), controls);
    return {
      ...base,
      verdict,
      metrics,
      regime: cmp.regime,
      prediction,
      measurement,
      provenance: provenance(Date.now() - t0),
      ...(parts.length > 1 || parts[0]?.part ? { parts } : {}),
      ...(study.controls?.length && opts.controls !== false ? { controls } : {}),
      ...(opts.power ? { power: detectionPower(study, params, prediction, measurement) } : {}),
    };
  } catch (e) {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { ...base, verdict: 'error', metrics: [], regime: [], prediction, measurement, provenance: provenance(Date.now() - t0), error: message };
  }
}

export async function executeStudy(study: AnyStudy, opts: ExecuteOptions = {}): Promise<StudyResult> {
  const run = prepareRun(study, opts);
  try {
    return await judgeRun(study, opts, run, async () => study.measure(run.params, run.ctx));
  } finally {
    // the adjoint pool may hold a whole backward pass of this study's models: give it back between studies
    clearBufferPool();
  }
}

/**
 * Run several points of one study with one call of its `measureBatch` (batched map points, issue 16), then judge
 * each point exactly as `executeStudy` does. `opts[i]` is point i's options (its parameters, seed, progress);
 * results are in the same order. Each point gets its own context (rng `Rng.fromSeed(seed, study.id)`, as
 * `executeStudy` builds it), and by the contract of `measureBatch` its numbers are those of `executeStudy`, bit for
 * bit; only `provenance.durationMs` differs (a point's time is its share of the batch's). If `measureBatch` throws, or
 * returns the wrong number of measurements, every point gets verdict `error` with that message. A study without
 * `measureBatch` is measured point by point. Bad parameters throw (a ParamError) before anything runs.
 */
export async function executeStudyBatch(study: AnyStudy, opts: readonly ExecuteOptions[]): Promise<StudyResult[]> {
  const measureBatch = study.measureBatch;
  if (!measureBatch) {
    const out: StudyResult[] = [];
    for (const o of opts) out.push(await executeStudy(study, o));
    return out;
  }
  const started = Date.now();
  const runs = opts.map((o) => prepareRun(study, o));
  // Settled once and shared: every point awaits the same batch (a rejection is seen by each point's judgeRun).
  const batch = (async () => {
    const ms = await measureBatch.call(
      study,
      runs.map((r) => r.params),
      runs.map((r) => r.ctx),
    );
    if (!Array.isArray(ms) || ms.length !== runs.length) throw new Error(`measureBatch of '${study.id}': returned ${Array.isArray(ms) ? ms.length : typeof ms} measurements, expected one per point (${runs.length})`);
    return ms as Observations[];
  })();
  batch.catch(() => {}); // handled per point below; avoids an unhandled rejection before the first await
  const results: StudyResult[] = [];
  try {
    for (let i = 0; i < runs.length; i++) results.push(await judgeRun(study, opts[i], runs[i], async () => (await batch)[i]));
  } finally {
    clearBufferPool(); // as executeStudy: the pool may hold a backward pass of the batch's models
  }
  // each point's time is its share of the batch (the points shared one measurement), so durations still sum to the
  // time spent, as they do for points measured one by one
  const share = (Date.now() - started) / results.length;
  return results.map((r) => ({ ...r, provenance: { ...r.provenance, durationMs: share } }));
}

/** How many seeds a profile runs by default: the study's declaration, else one. */
export function defaultSeedCount(study: AnyStudy, profile: Profile): number {
  return (profile === 'quick' ? study.seeds?.quick : study.seeds?.default) ?? 1;
}

/**
 * Run a study at seeds `seeds` (in order) and judge over them: the result is the first seed's (its
 * metrics, figures and provenance) with `verdict` replaced by the multi-seed verdict and `seedSummary`
 * holding every seed's verdict, the fraction that holds and its Wilson interval.
 */
export async function executeStudyOverSeeds(study: AnyStudy, seeds: readonly number[], opts: ExecuteOptions = {}): Promise<StudyResult & { perSeed: StudyResult[] }> {
  if (seeds.length === 0) throw new Error('seeds: [], expected at least one seed');
  const perSeed: StudyResult[] = [];
  for (let i = 0; i < seeds.length; i++) {
    const progress = opts.progress;
    perSeed.push(await executeStudy(study, { ...opts, seed: seeds[i], progress: progress && ((f, m) => progress((i + f) / seeds.length, `seed ${seeds[i]}${m ? `: ${m}` : ''}`)) }));
  }
  const threshold = study.seeds?.threshold ?? 0.5;
  const { verdict, ...summary } = judgeSeeds(seeds, perSeed.map((r) => r.verdict), threshold);
  return { ...perSeed[0], verdict: seeds.length === 1 ? perSeed[0].verdict : verdict, seedSummary: summary, perSeed };
}

/**
 * From runs to a validity map: each point's verdict over seeds, the mapped metric's error relative to its
 * tolerance, the measured boundary (where that error crosses 1) and the study's predicted boundary judged
 * against it. Pure (no Node APIs): the CLI and the lab's Web Workers share it.
 */
import { median } from '../../core/stats.ts';
import { resolveParams } from '../execute.ts';
import type { AnyStudy, MetricResult, PredictedBoundary, StudyResult, Verdict } from '../types.ts';
import { criterionPasses, judgeSeeds } from '../verdict.ts';
import { expandGrid, findMetric, type GridPoint, MapSpecError, nameShape, resolveMetricName, shapeOrdinal } from './grid.ts';
import type { AxisValue, JudgedBoundary, MapPoint, MapSpec, MeasuredBoundary, PointMetric, ValidityMap } from './types.ts';

/** Scale floor for one-sided bounds at (or near) zero, where |b| cannot set the scale. */
const TINY = 1e-300;

/** The error ratio's closed form, before `errorRatio` pins round-off at the edge; exported for the oracle test. */
export function rawRatio(value: number, metric: Pick<MetricResult, 'criterion'>): number {
  const c = metric.criterion;
  const over = (err: number, tol: number) => (tol > 0 ? err / tol : err === 0 ? 0 : Number.POSITIVE_INFINITY);
  switch (c.op) {
    case 'abs':
      return over(Math.abs(value - c.target), c.tol);
    case 'rel':
      return over(Math.abs(value - c.target), c.tol * Math.abs(c.target));
    // One-sided: 1 at the bound, below 1 on the passing side; = value/bound when bound > 0.
    case '<=':
      return 1 + (value - c.bound) / Math.max(Math.abs(c.bound), TINY);
    case '>=':
      return 1 + (c.bound - value) / Math.max(Math.abs(c.bound), TINY);
    case 'in':
      return over(Math.abs(value - (c.lo + c.hi) / 2), (c.hi - c.lo) / 2);
  }
}

/**
 * A metric's error relative to its tolerance, with ratio ≤ 1 exactly when the metric passes
 * (`criterionPasses`): |v − t|/tol (`abs`), |v − t|/(tol·|t|) (`rel`), |v − mid|/half-width (`in`), and for a
 * bound b, 1 + (v − b)/|b| (`<=`, mirrored for `>=`). NaN for a NaN value (no measurement), +∞ for ±∞.
 */
export function errorRatio(metric: Pick<MetricResult, 'value' | 'criterion'>): number {
  const v = metric.value;
  if (Number.isNaN(v)) return Number.NaN;
  if (!Number.isFinite(v)) return Number.POSITIVE_INFINITY;
  const r = rawRatio(v, metric);
  // Round-off can put a value one ulp past the tolerance at exactly 1 (or one ulp inside at 1 + ε); the
  // verdict (`criterionPasses`) is the authority, so the ratio is pinned to its side of 1.
  const pass = criterionPasses(v, metric.criterion);
  if (pass && !(r <= 1)) return 1;
  if (!pass && r <= 1) return 1 + Number.EPSILON;
  return r;
}

function threshold(study: AnyStudy): number {
  return study.seeds?.threshold ?? 0.5;
}

function pointMetric(perSeed: readonly StudyResult[], name: string, ordinal: number): PointMetric | undefined {
  const found = perSeed.map((r) => findMetric(r, name, ordinal));
  const first = found.find((m) => m !== undefined);
  if (!first) return undefined;
  const ratios = found.map((m) => (m ? errorRatio(m) : Number.NaN));
  const values = found.map((m) => (m ? m.value : Number.NaN));
  return {
    name: first.name,
    errorRatio: median(ratios.filter((r) => !Number.isNaN(r))),
    perSeed: ratios,
    perSeedValue: values,
    value: median(values.filter((v) => !Number.isNaN(v))),
    criterion: first.criterionText,
  };
}

/** The verdict a map cell is drawn with (see `MapPoint.shown`): unanimous seeds speak for themselves. */
export function shownVerdict(verdict: Verdict, seedVerdicts: readonly Verdict[]): Verdict {
  if (verdict !== 'inconclusive' || seedVerdicts.length === 0) return verdict;
  return seedVerdicts.every((v) => v === seedVerdicts[0]) ? seedVerdicts[0] : verdict;
}

/**
 * One grid point from its runs (in seed order): the verdict over seeds (`judgeSeeds` with the study's
 * threshold, as `lmech run --seeds` folds them; the one verdict for one seed) and the mapped metric.
 */
export function summarizePoint(study: AnyStudy, point: Pick<GridPoint, 'index' | 'coords'>, perSeed: readonly StudyResult[], metricName?: string, metricOrdinal = 0): MapPoint {
  if (perSeed.length === 0) throw new Error(`summarizePoint: no runs for point ${point.index}, expected one per seed`);
  const seedVerdicts: Verdict[] = perSeed.map((r) => r.verdict);
  const verdict =
    perSeed.length === 1
      ? seedVerdicts[0]
      : judgeSeeds(
          perSeed.map((r) => r.provenance.seed),
          seedVerdicts,
          threshold(study),
        ).verdict;
  const metric = metricName === undefined ? undefined : pointMetric(perSeed, metricName, metricOrdinal);
  const error = perSeed.find((r) => r.error !== undefined)?.error;
  return {
    index: point.index,
    coords: { ...point.coords },
    runIds: perSeed.map((r) => r.provenance.configHash),
    seedVerdicts,
    verdict,
    shown: shownVerdict(verdict, seedVerdicts),
    fractionHolds: seedVerdicts.filter((v) => v === 'holds').length / seedVerdicts.length,
    ...(metric ? { metric } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

interface Line {
  axis: string;
  log: boolean;
  fixed: Record<string, AxisValue>;
  /** (axis value, error ratio) of the line's points with a number on the axis and a non-NaN ratio, ascending */
  samples: { x: number; r: number }[];
}

function sameCoords(a: Record<string, AxisValue>, b: Record<string, AxisValue>): boolean {
  return Object.entries(b).every(([k, v]) => a[k] === v);
}

/** The 1-D lines of a map: along each axis, at every value of the other axis (if any). */
function linesOf(spec: Pick<MapSpec, 'axes'>, points: readonly MapPoint[]): Line[] {
  const lines: Line[] = [];
  for (const axis of spec.axes) {
    const others = spec.axes.filter((a) => a.key !== axis.key);
    const fixings: Record<string, AxisValue>[] = others.length === 0 ? [{}] : others[0].values.map((v) => ({ [others[0].key]: v }));
    for (const fixed of fixings) {
      const samples = points
        .filter((p) => sameCoords(p.coords, fixed) && typeof p.coords[axis.key] === 'number' && p.metric && !Number.isNaN(p.metric.errorRatio))
        .map((p) => ({ x: p.coords[axis.key] as number, r: (p.metric as PointMetric).errorRatio }))
        .sort((a, b) => a.x - b.x);
      lines.push({ axis: axis.key, log: axis.log, fixed, samples });
    }
  }
  return lines;
}

/**
 * Where the ratio crosses 1 between two neighbours (a passes, b fails, or the reverse). On a log axis
 * ln(ratio) is interpolated against ln(x) when both ratios are positive and finite, so a power-law error
 * (ratio = (x/x₀)^p, the usual finite-size rate) gives x₀ exactly; otherwise the ratio is interpolated
 * linearly (in ln x on a log axis). An infinite ratio carries no slope: the midpoint is taken.
 */
function crossingBetween(a: { x: number; r: number }, b: { x: number; r: number }, log: boolean): number {
  const fx = (x: number) => (log ? Math.log(x) : x);
  const gx = (u: number) => (log ? Math.exp(u) : u);
  const [xa, xb] = [fx(a.x), fx(b.x)];
  if (!Number.isFinite(a.r) || !Number.isFinite(b.r)) return gx((xa + xb) / 2);
  const useLog = log && a.r > 0 && b.r > 0;
  const [ya, yb, level] = useLog ? [Math.log(a.r), Math.log(b.r), 0] : [a.r, b.r, 1];
  const t = (level - ya) / (yb - ya);
  return gx(xa + t * (xb - xa));
}

function lineBoundaries(line: Line): MeasuredBoundary[] {
  const { samples } = line;
  const out: MeasuredBoundary[] = [];
  const log = line.log && samples.every((s) => s.x > 0);
  for (let i = 1; i < samples.length; i++) {
    const passA = samples[i - 1].r <= 1;
    const passB = samples[i].r <= 1;
    if (passA === passB) continue;
    out.push({ axis: line.axis, fixed: line.fixed, crossing: crossingBetween(samples[i - 1], samples[i], log), holdsBelow: passA });
  }
  if (out.length === 0) out.push({ axis: line.axis, fixed: line.fixed, crossing: null, holdsBelow: null });
  return out;
}

/**
 * The measured boundaries: along each axis (at each value of the other axis for a 2-D map), every place
 * where the mapped metric's error ratio crosses 1 between neighbouring points, interpolated (see
 * `crossingBetween`); one entry with a null crossing for a line that never crosses. Points without the
 * metric, with a NaN ratio or a non-numeric axis value are skipped.
 */
export function measuredBoundaries(spec: Pick<MapSpec, 'axes'>, points: readonly MapPoint[]): MeasuredBoundary[] {
  return linesOf(spec, points).flatMap(lineBoundaries);
}

/** The crossing on `line` that a predicted boundary is compared with: same orientation first, then nearest in log. */
function matchCrossing(candidates: readonly MeasuredBoundary[], predicted: number, holdsBelow: boolean): MeasuredBoundary | undefined {
  const found = candidates.filter((c) => c.crossing !== null);
  const dist = (c: MeasuredBoundary) => Math.abs(Math.log(Math.abs((c.crossing as number) / predicted)));
  const pool = found.some((c) => c.holdsBelow === holdsBelow) ? found.filter((c) => c.holdsBelow === holdsBelow) : found;
  return [...pool].sort((a, b) => dist(a) - dist(b))[0];
}

/**
 * `study.boundary(params)`, memoized per study and parameter set: a boundary is a pure function of the parameters
 * (docs/STUDIES.md), and some cost a training run (edge-of-stability's runs a gradient flow), while a streaming map
 * is rebuilt after every finished point.
 */
const boundaryMemo = new WeakMap<AnyStudy, Map<string, PredictedBoundary[]>>();
function predictedAt(study: AnyStudy, params: Record<string, unknown>): PredictedBoundary[] {
  if (!study.boundary) return [];
  let memo = boundaryMemo.get(study);
  if (!memo) {
    memo = new Map();
    boundaryMemo.set(study, memo);
  }
  const key = JSON.stringify(params);
  let found = memo.get(key);
  if (!found) {
    found = study.boundary(params);
    memo.set(key, found);
  }
  return found;
}

/** What a predicted boundary is judged against: its metric (undefined: the mapped one) or a regime check. */
export type BoundaryTarget = Pick<PredictedBoundary, 'metric' | 'regime'>;

/** The measured crossings of a boundary's target, and the name the judgement records. */
export type CrossingsOf = (target: BoundaryTarget) => { metric: string | undefined; boundaries: readonly MeasuredBoundary[] };

/**
 * A regime check as a pseudo error ratio, so the crossing machinery locates where it fails: the median over seeds
 * of value/threshold when a threshold is given (ok below it), else 0.5 where most seeds pass the check and 2 where
 * they fail (a log-space midpoint). NaN where no seed reports the check.
 */
export function regimeRatio(perSeed: readonly StudyResult[], check: string, threshold?: number): number {
  const found = perSeed.map((r) => r.regime.find((c) => c.name === check)).filter((c) => c !== undefined);
  if (found.length === 0) return Number.NaN;
  if (threshold !== undefined && threshold > 0) {
    const values = found.map((c) => c.value).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length > 0) return median(values) / threshold;
  }
  return found.filter((c) => c.ok).length * 2 >= found.length ? 0.5 : 2;
}

/**
 * The study's predicted boundaries, judged: for each measured line, `study.boundary` at the study's
 * parameters with that line's other axes fixed; a prediction on the line's axis passes iff the matching
 * crossing of its metric (`PredictedBoundary.metric`, else the mapped one; `crossingsOf`) lies within ×factor
 * of it (|ln(measured/predicted)| ≤ ln factor) with the law holding on the predicted side. `pass` is null
 * when there is no measured crossing or either location is not positive.
 */
export function judgeBoundaries(study: AnyStudy, spec: MapSpec, measured: readonly MeasuredBoundary[], crossingsOf: CrossingsOf = () => ({ metric: spec.metric, boundaries: measured })): JudgedBoundary[] {
  if (!study.boundary) return [];
  const out: JudgedBoundary[] = [];
  const seen = new Set<string>();
  const sameLine = (m: MeasuredBoundary, line: MeasuredBoundary) => m.axis === line.axis && JSON.stringify(m.fixed) === JSON.stringify(line.fixed);
  for (const line of measured) {
    const key = `${line.axis}|${JSON.stringify(line.fixed)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const params = resolveParams(study, spec.profile, { ...(spec.base ?? {}), ...line.fixed });
    for (const pb of predictedAt(study, params).filter((b) => b.axis === line.axis)) {
      const own = crossingsOf(pb);
      const match = matchCrossing(
        own.boundaries.filter((m) => sameLine(m, line)),
        pb.value,
        pb.holds === 'below',
      );
      const m = match?.crossing ?? null;
      const comparable = m !== null && m > 0 && pb.value > 0 && pb.factor >= 1;
      const pass = comparable ? Math.abs(Math.log(m / pb.value)) <= Math.log(pb.factor) && match?.holdsBelow === (pb.holds === 'below') : null;
      out.push({ axis: line.axis, fixed: line.fixed, predicted: pb.value, measured: m, factor: pb.factor, reason: pb.reason, pass, ...(own.metric !== undefined ? { metric: own.metric } : {}) });
    }
  }
  return out;
}

function regimePointMetric(perSeed: readonly StudyResult[], regime: NonNullable<PredictedBoundary['regime']>): PointMetric {
  const r = regimeRatio(perSeed, regime.check, regime.threshold);
  return { name: regime.check, errorRatio: r, perSeed: [], value: r, criterion: regime.threshold !== undefined ? `< ${regime.threshold}` : 'ok' };
}

export interface BuildMapOptions {
  codeVersion: string;
  /** ISO time; default now. */
  createdAt?: string;
}

/**
 * The map from whatever runs have finished: `runs[pointIndex][seedIndex]` (undefined = not run yet). A
 * point appears once all its seeds are in; `pending` counts the rest. Throws a MapSpecError for a
 * `spec.metric` the study's results do not have.
 */
export function buildMap(study: AnyStudy, spec: MapSpec, runs: readonly (readonly (StudyResult | undefined)[])[], opts: BuildMapOptions): ValidityMap {
  const grid = expandGrid(spec);
  const anyResult = runs.flat().find((r): r is StudyResult => r !== undefined && r.metrics.length > 0);
  const metricName = anyResult ? resolveMetricName(spec, anyResult) : spec.metric;
  const complete = grid.filter((g) => {
    const perSeed = runs[g.index] ?? [];
    return perSeed.length >= spec.seeds.length && spec.seeds.every((_, i) => perSeed[i] !== undefined);
  });
  /** The finished points, each with the metric `name` summarized (matched by shape as `--metric` is). */
  const pointsWith = (name: string | undefined): MapPoint[] => {
    const ordinal = anyResult && name !== undefined ? shapeOrdinal(anyResult, name) : 0;
    return complete.map((g) => summarizePoint(study, g, runs[g.index] as StudyResult[], name, ordinal));
  };
  const points = pointsWith(metricName);
  const boundaries = measuredBoundaries(spec, points);
  const crossingsOf: CrossingsOf = ({ metric, regime }) => {
    if (regime) {
      const names = anyResult?.regime.map((c) => c.name) ?? [];
      if (anyResult && !names.includes(regime.check)) throw new MapSpecError('boundary', `study '${study.id}' judges a boundary against regime check '${regime.check}', which its results lack; expected one of: ${names.join(', ')}`);
      const ratios = complete.map((g) => ({ ...summarizePoint(study, g, runs[g.index] as StudyResult[]), metric: regimePointMetric(runs[g.index] as StudyResult[], regime) }));
      return { metric: `regime check '${regime.check}'`, boundaries: measuredBoundaries(spec, ratios) };
    }
    if (metric === undefined || metric === metricName || !anyResult) return { metric: metricName, boundaries };
    // a boundary's own metric, checked like --metric so a misspelt name in a study fails loudly
    const own = resolveMetricName({ metric }, anyResult);
    const pts = pointsWith(own);
    // named as the points name it: one name, or its shape where the name varies across the map (`… η=#`)
    const names = new Set(pts.flatMap((p) => (p.metric ? [p.metric.name] : [])));
    return { metric: names.size === 1 ? [...names][0] : own === undefined ? own : nameShape(own), boundaries: measuredBoundaries(spec, pts) };
  };
  return {
    spec: metricName !== undefined && spec.metric === undefined ? { ...spec, metric: metricName } : spec,
    studyTitle: study.title,
    points,
    pending: grid.length - points.length,
    boundaries,
    predictedBoundaries: judgeBoundaries(study, spec, boundaries, crossingsOf),
    codeVersion: opts.codeVersion,
    createdAt: opts.createdAt ?? new Date().toISOString(),
  };
}

/**
 * Validity maps: a study run over a grid of its own parameters, so a reader sees *where* a law holds and
 * where it breaks (shared/learning-mechanics.md, open direction OD5). These are the shared types of the map
 * engine (src/studies/validityMap/, pure: it runs in Node and in the lab's Web Workers), the CLI runner
 * (src/run/map/), the figures (src/report/map.ts) and the lab's Map tab.
 */
import type { Profile } from '../execute.ts';
import type { Verdict } from '../types.ts';

/** A grid value: numbers for numeric parameters, strings or booleans for enums and flags. */
export type AxisValue = number | string | boolean;

/** One axis of the grid: a study parameter and the values it takes, in the order given. */
export interface MapAxis {
  key: string;
  values: AxisValue[];
  /** Drawn (and interpolated) on a log scale: set by `lo:hi:n:log`, or when every value is > 0 and the ratio max/min ≥ 100. */
  log: boolean;
}

/** What a map runs: a study, its profile, one or two axes, the seeds and the metric for the heatmap. */
export interface MapSpec {
  studyId: string;
  profile: Profile;
  axes: MapAxis[];
  seeds: number[];
  /** The judged metric whose |value − target| / tolerance is mapped; default: the study's first judged metric. */
  metric?: string;
  /** Overrides applied at every point, before the axis values. */
  base?: Record<string, unknown>;
}

/** The mapped metric at one point: its error relative to its tolerance (≤ 1 exactly when it passes). */
export interface PointMetric {
  name: string;
  /** Median over the point's seeds of each seed's error ratio. */
  errorRatio: number;
  /** Each seed's error ratio (NaN where that seed has no such metric: error, missing). */
  perSeed: number[];
  /** Each seed's metric value (NaN where missing), for the tidy per-seed table (points.parquet). */
  perSeedValue?: number[];
  /** Median value over seeds, and the criterion text of the first seed (for tooltips). */
  value: number;
  criterion: string;
}

/** One grid point: its coordinates, its runs and its verdict over seeds. */
export interface MapPoint {
  /** Row-major index: the last axis varies fastest. */
  index: number;
  coords: Record<string, AxisValue>;
  /** The run id (config hash) of each seed, in seed order: open one with `lmech inspect <runId>`. */
  runIds: string[];
  seedVerdicts: Verdict[];
  /** The multi-seed verdict (judgeSeeds with the study's threshold); the one verdict when there is one seed. */
  verdict: Verdict;
  /**
   * The verdict the map draws: `verdict`, except where that is `inconclusive` only because a few seeds cannot
   * clear the Wilson bound although every seed agrees (3 of 3 hold: the bound is 0.44); then the seeds' common
   * verdict, drawn with its count (`H 3/3`) so the reader sees how many seeds stand behind it.
   */
  shown: Verdict;
  /** Fraction of seeds whose verdict is `holds`. */
  fractionHolds: number;
  metric?: PointMetric;
  /** First error message among the seeds, if any. */
  error?: string;
}

/**
 * A measured boundary: along `axis`, with every other axis fixed at `fixed`, the interpolated location where
 * the mapped metric's error ratio crosses 1 (linear in the axis, or in its log when the axis is log). Null
 * when the ratio does not cross 1 in the range; several crossings give several entries.
 */
export interface MeasuredBoundary {
  axis: string;
  fixed: Record<string, AxisValue>;
  crossing: number | null;
  /** Which side of the crossing the metric passes ('below' = at smaller axis values). */
  holdsBelow: boolean | null;
}

/**
 * A predicted boundary (a study's `boundary(params)`, evaluated with the other axes fixed), and its judgement
 * against the measured one: |log(measured / predicted)| ≤ log(factor).
 */
export interface JudgedBoundary {
  axis: string;
  fixed: Record<string, AxisValue>;
  predicted: number;
  measured: number | null;
  /** Tolerance as a factor (e.g. 2: within ×2 either way) and why. */
  factor: number;
  reason: string;
  pass: boolean | null;
  /** The metric whose measured crossing it was judged against (the boundary's own, else the mapped one). */
  metric?: string;
}

/** A finished (or partial) map: what the CLI writes as JSON and the figures and the lab read. */
export interface ValidityMap {
  spec: MapSpec;
  studyTitle: string;
  points: MapPoint[];
  /** Points not run yet (a partial map being painted). */
  pending: number;
  boundaries: MeasuredBoundary[];
  predictedBoundaries: JudgedBoundary[];
  codeVersion: string;
  createdAt: string;
}

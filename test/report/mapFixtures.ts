/**
 * Hand-built ValidityMap fixtures for the map figure and table tests, shaped like `lmech map ntk-linearization
 * --over width=64..1024 --over eta=0.01..1 --seeds 3`. The error ratio follows a synthetic law
 * r(width, η) = (η / 0.1)·√(256 / width) with seeded per-seed noise, so the boundary r = 1 lies at
 * η*(width) = 0.1·√(width / 256); verdicts over seeds come from the real `judgeSeeds`.
 */
import { Rng } from '../../src/core/random.ts';
import { median } from '../../src/core/stats.ts';
import type { Verdict } from '../../src/studies/types.ts';
import type { AxisValue, JudgedBoundary, MapAxis, MapPoint, MeasuredBoundary, ValidityMap } from '../../src/studies/validityMap/types.ts';
import { shownVerdict } from '../../src/studies/validityMap/summarize.ts';
import { judgeSeeds } from '../../src/studies/verdict.ts';

export const WIDTHS = [64, 128, 256, 512, 1024];
export const ETAS = [0.01, 0.03, 0.1, 0.3, 1];
export const SEEDS = [0, 1, 2];
/** Wilson lower bound a study needs (3/3 holding seeds give 0.44, 2/3 give 0.21: inconclusive). */
const THRESHOLD = 0.4;

/** The synthetic law's boundary along η at a given width. */
export function etaStar(width: number): number {
  return 0.1 * Math.sqrt(width / 256);
}

function ratio(width: number, eta: number): number {
  return (eta / 0.1) * Math.sqrt(256 / width);
}

/** One grid point with per-seed ratios r·(1 + 0.15·noise); `special` forces an error or out-of-regime point. */
function point(index: number, coords: Record<string, AxisValue>, r: number, rng: Rng, special?: 'error' | 'out-of-regime'): MapPoint {
  const perSeed = SEEDS.map(() => (special === 'error' ? Number.NaN : r * (1 + 0.15 * rng.normal())));
  const seedVerdicts: Verdict[] = perSeed.map((x) => (special ?? (x <= 1 ? 'holds' : 'falsified')) as Verdict);
  const judged = judgeSeeds(SEEDS, seedVerdicts, THRESHOLD);
  const value = median(perSeed.filter(Number.isFinite)) * 0.05;
  return {
    index,
    coords,
    runIds: SEEDS.map((s) => `run${index.toString(16).padStart(4, '0')}s${s}`),
    seedVerdicts,
    verdict: judged.verdict,
    shown: shownVerdict(judged.verdict, seedVerdicts),
    fractionHolds: judged.fraction,
    metric: { name: 'linearization gap', errorRatio: median(perSeed.filter(Number.isFinite)), perSeed, value, criterion: '≤ 0.05' },
    ...(special === 'error' ? { error: 'RangeError: NaN loss at step 12' } : {}),
  };
}

/** The 5 × 5 width × η map; `pendingLast` drops that many points from the end (a partial map). */
export function ntkMap(opts: { pendingLast?: number } = {}): ValidityMap {
  const rng = Rng.fromSeed(11, 'map-fixture');
  const axes: MapAxis[] = [
    { key: 'width', values: WIDTHS, log: true },
    { key: 'eta', values: ETAS, log: true },
  ];
  const points: MapPoint[] = [];
  WIDTHS.forEach((width, i) => {
    ETAS.forEach((eta, j) => {
      const index = i * ETAS.length + j;
      const special = width === 64 && eta === 1 ? 'error' : width === 1024 && eta === 0.01 ? 'out-of-regime' : undefined;
      points.push(point(index, { width, eta }, ratio(width, eta), rng, special));
    });
  });
  const pending = opts.pendingLast ?? 0;
  const boundaries: MeasuredBoundary[] = WIDTHS.map((width) => ({ axis: 'eta', fixed: { width }, crossing: etaStar(width) * 1.05, holdsBelow: true }));
  // along width: at η = 0.1 the ratio √(256/width) crosses 1 at width 256 (passing above); at η = 0.01 it
  // never reaches 1 in range, a null crossing
  boundaries.push({ axis: 'width', fixed: { eta: 0.1 }, crossing: 256 * 1.05, holdsBelow: false });
  boundaries.push({ axis: 'width', fixed: { eta: 0.01 }, crossing: null, holdsBelow: null });
  const predictedBoundaries: JudgedBoundary[] = WIDTHS.map((width) => {
    const predicted = etaStar(width) * 1.2;
    const measured = etaStar(width) * 1.05;
    return { axis: 'eta', fixed: { width }, predicted, measured, factor: 2, reason: 'fixture: ×2 either way', pass: Math.abs(Math.log(measured / predicted)) <= Math.log(2) };
  });
  return {
    spec: { studyId: 'ntk-linearization', profile: 'quick', axes, seeds: SEEDS, metric: 'linearization gap' },
    studyTitle: 'NTK linearization',
    points: points.slice(0, points.length - pending),
    pending,
    boundaries,
    predictedBoundaries,
    codeVersion: '0.1.0+fixture',
    createdAt: '2026-12-06T12:00:00.000Z',
  };
}

/** A 1-D map over a categorical axis (a strip), one seed, one point without a metric. */
export function stripMap(): ValidityMap {
  const values: AxisValue[] = ['sp', 'ntk', 'mup'];
  const verdicts: Verdict[] = ['falsified', 'holds', 'holds'];
  const points: MapPoint[] = values.map((v, i) => ({
    index: i,
    coords: { parameterization: v },
    runIds: [`strip${i}`],
    seedVerdicts: [verdicts[i]],
    verdict: verdicts[i],
    shown: verdicts[i],
    fractionHolds: verdicts[i] === 'holds' ? 1 : 0,
    ...(i === 1 ? {} : { metric: { name: 'lr drift', errorRatio: i === 0 ? 3 : 0.5, perSeed: [i === 0 ? 3 : 0.5], value: i, criterion: '≤ 1' } }),
  }));
  return {
    spec: { studyId: 'mup-lr-transfer', profile: 'quick', axes: [{ key: 'parameterization', values, log: false }], seeds: [0] },
    studyTitle: 'μP learning-rate transfer',
    points,
    pending: 0,
    boundaries: [],
    predictedBoundaries: [],
    codeVersion: '0.1.0+fixture',
    createdAt: '2026-12-06T12:00:00.000Z',
  };
}

/** A 1-D numeric map whose boundary is a single crossing (drawn as a vertical rule). */
export function lineMap(): ValidityMap {
  const base = ntkMap();
  const eta = 0.1;
  return {
    ...base,
    spec: { ...base.spec, axes: [{ key: 'width', values: WIDTHS, log: true }] },
    points: base.points.filter((p) => p.coords.eta === eta).map((p, i) => ({ ...p, index: i, coords: { width: p.coords.width } })),
    boundaries: [{ axis: 'width', fixed: {}, crossing: 300, holdsBelow: false }],
    predictedBoundaries: [{ axis: 'width', fixed: {}, predicted: 256, measured: 300, factor: 2, reason: 'fixture', pass: true }],
  };
}

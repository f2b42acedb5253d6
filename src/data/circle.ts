/**
 * Points on the unit circle with a few-unit ReLU teacher, the lazy-vs-rich set-up (catalog study 8;
 * Chizat, Oyallon & Bach 2019, "On lazy training in differentiable programming", Fig. 1/2 style; the
 * paper's Figure 2).
 *
 *   x = (cos θ, sin θ),   f*(x) = Σ_j a_j · relu(w_j · x) = Σ_j a_j · max(0, cos(θ − φ_j)),
 * with unit teacher directions w_j = (cos φ_j, sin φ_j). By default 3 directions are drawn uniformly at
 * random, rejecting draws where two are closer than `minSeparation` (default 60°, as in the catalog), and
 * a_j = 1. θ is uniform on [0, 2π), or an even grid θ_i = 2πi/n (`grid: true`) for test curves.
 */
import type { Mat } from '../core/mat.ts';
import type { Rng } from '../core/random.ts';
import { checkCount, checkInt, checkNumber } from './validate.ts';

export interface CircleTeacherParams {
  /** Teacher angles φ_j in radians (default: `units` random angles with the minimum separation). */
  angles?: readonly number[];
  /** Number of teacher units when angles are random (default 3). */
  units?: number;
  /** Output weights a_j (default all 1). */
  outputWeights?: readonly number[];
  /** Minimum circular distance between random teacher angles, radians (default π/3). */
  minSeparation?: number;
}

export interface CircleSample {
  /** n × 2 points on the unit circle. */
  x: Mat;
  y: Float64Array;
  theta: Float64Array;
}

export interface CircleTeacherTask {
  /** Teacher angles φ_j (radians, in [0, 2π) when drawn). */
  readonly angles: Float64Array;
  /** units × 2 unit directions w_j. */
  readonly directions: Mat;
  readonly outputWeights: Float64Array;
  /** f*(θ). */
  evaluate(theta: number): number;
  sample(n: number, rng: Rng, options?: { grid?: boolean }): CircleSample;
}

/** Circular distance between two angles, in [0, π]. */
export function angularDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % (2 * Math.PI);
  return Math.min(d, 2 * Math.PI - d);
}

export function makeCircleTeacherTask(params: CircleTeacherParams, rng: Rng): CircleTeacherTask {
  const fn = 'makeCircleTeacherTask';
  let angles: Float64Array;
  if (params.angles !== undefined) {
    angles = Float64Array.from(params.angles);
    checkInt(fn, 'angles.length', angles.length, 1);
    for (let j = 0; j < angles.length; j++) checkNumber(fn, `angles[${j}]`, angles[j]);
  } else {
    const units = checkInt(fn, 'units', params.units ?? 3, 1, 64);
    const sep = checkNumber(fn, 'minSeparation', params.minSeparation ?? Math.PI / 3, 0, (2 * Math.PI) / units);
    const draw = rng.child('teacher-angles');
    angles = new Float64Array(units);
    // Rejection sampling: uniform angles conditioned on all pairwise distances ≥ sep.
    for (let attempt = 0; ; attempt++) {
      for (let j = 0; j < units; j++) angles[j] = 2 * Math.PI * draw.uniform();
      let ok = true;
      for (let a = 0; a < units && ok; a++) for (let b = a + 1; b < units; b++) if (angularDistance(angles[a], angles[b]) < sep) ok = false;
      if (ok) break;
      if (attempt > 100_000) throw new Error(`${fn}: could not place ${units} directions ${sep} rad apart`);
    }
  }
  const J = angles.length;
  const outputWeights = params.outputWeights !== undefined ? Float64Array.from(params.outputWeights) : new Float64Array(J).fill(1);
  if (outputWeights.length !== J) throw new Error(`${fn}: outputWeights has ${outputWeights.length} entries, expected ${J} (one per teacher unit)`);
  for (let j = 0; j < J; j++) checkNumber(fn, `outputWeights[${j}]`, outputWeights[j]);
  const dirs = new Float64Array(2 * J);
  for (let j = 0; j < J; j++) {
    dirs[2 * j] = Math.cos(angles[j]);
    dirs[2 * j + 1] = Math.sin(angles[j]);
  }
  const evalPoint = (c: number, s: number): number => {
    let y = 0;
    for (let j = 0; j < J; j++) y += outputWeights[j] * Math.max(0, dirs[2 * j] * c + dirs[2 * j + 1] * s);
    return y;
  };
  return {
    angles,
    directions: { rows: J, cols: 2, data: dirs },
    outputWeights,
    evaluate: (theta) => evalPoint(Math.cos(theta), Math.sin(theta)),
    sample(n, sampleRng, options) {
      checkCount('CircleTeacherTask.sample', n);
      const theta = new Float64Array(n);
      if (options?.grid) for (let i = 0; i < n; i++) theta[i] = (2 * Math.PI * i) / n;
      else sampleRng.child('theta').fillUniform(theta, 0, 2 * Math.PI);
      const x = new Float64Array(2 * n);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const c = Math.cos(theta[i]);
        const s = Math.sin(theta[i]);
        x[2 * i] = c;
        x[2 * i + 1] = s;
        y[i] = evalPoint(c, s);
      }
      return { x: { rows: n, cols: 2, data: x }, y, theta };
    },
  };
}

/**
 * Instruments on training trajectories and neuron populations (catalog studies 2 and 8). Browser-safe.
 *
 * - `resolvedPeaks`: the peaks of a sampled curve (e.g. the loss rate −dL/dτ of a staircase loss) that are
 *   separated from their neighbours: a peak counts when its topographic prominence (its height above the
 *   higher of the two lowest points reached on either side before the curve rises above it, or the curve's
 *   end) is at least `fraction` of its height. With fraction ½ this is a Rayleigh-style criterion: two drops
 *   are resolved when the rate falls below half of the smaller peak between them (saddle-to-saddle staircases:
 *   Jacot et al. 2021; Saxe et al. 2014).
 * - `massNearLines`: for 2-D neurons with first-layer vectors wᵢ and readouts aᵢ, the fraction of the mass
 *   Σ|aᵢ|‖wᵢ‖ (the particle weight of the mean-field picture, Chizat & Bach 2018) whose direction lies within
 *   `angle` of one of the given directions, or of its antipode when `lines` is set (a bias-free ReLU unit at
 *   −u and one at u differ by a linear function, so on the circle a teacher unit can be represented at either
 *   end of its line).
 */
import type { Mat } from '../core/mat.ts';
import { checkMat } from './matrix.ts';

/** Indices of the peaks of `r` whose prominence is ≥ `fraction` × their height (positive peaks only). */
export function resolvedPeaks(r: ArrayLike<number>, fraction: number): number[] {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`resolvedPeaks: fraction must be in (0, 1], got ${fraction}`);
  const n = r.length;
  for (let i = 0; i < n; i++) if (!Number.isFinite(r[i])) throw new Error(`resolvedPeaks: r[${i}] is ${r[i]}, expected a finite number`);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const left = i > 0 ? r[i - 1] : Number.NEGATIVE_INFINITY;
    const right = i < n - 1 ? r[i + 1] : Number.NEGATIVE_INFINITY;
    // a plateau top counts once, at its first sample
    if (!(r[i] > left && r[i] >= right) || !(r[i] > 0)) continue;
    let lmin = r[i];
    for (let j = i - 1; j >= 0 && r[j] <= r[i]; j--) lmin = Math.min(lmin, r[j]);
    let rmin = r[i];
    for (let k = i + 1; k < n && r[k] <= r[i]; k++) rmin = Math.min(rmin, r[k]);
    if (r[i] - Math.max(lmin, rmin) >= fraction * r[i]) out.push(i);
  }
  return out;
}

/**
 * Fraction of Σ|aᵢ|‖wᵢ‖ within `angle` (radians) of the directions `angles` (radians), counting antipodes
 * too when `lines` is true. `w`: neurons × 2 (row i = wᵢ); `a`: one readout per neuron.
 */
export function massNearLines(w: Mat, a: ArrayLike<number>, angles: ArrayLike<number>, angle: number, lines = true): number {
  checkMat(w, 'w');
  if (w.cols !== 2) throw new Error(`massNearLines: w has ${w.cols} columns, expected 2 (planar neurons)`);
  if (a.length !== w.rows) throw new Error(`massNearLines: a has ${a.length} entries, expected ${w.rows} (one per neuron)`);
  if (!(angle >= 0 && angle <= Math.PI)) throw new Error(`massNearLines: angle must be in [0, π], got ${angle}`);
  const dist = (x: number, y: number) => {
    const d = Math.abs(x - y) % (2 * Math.PI);
    return Math.min(d, 2 * Math.PI - d);
  };
  let total = 0;
  let near = 0;
  for (let i = 0; i < w.rows; i++) {
    const x = w.data[2 * i];
    const y = w.data[2 * i + 1];
    const m = Math.abs(a[i]) * Math.hypot(x, y);
    if (!Number.isFinite(m)) throw new Error(`massNearLines: neuron ${i} has a non-finite mass`);
    total += m;
    if (m === 0) continue;
    const th = Math.atan2(y, x);
    for (let j = 0; j < angles.length; j++) {
      if (dist(th, angles[j]) <= angle || (lines && dist(th, angles[j] + Math.PI) <= angle)) {
        near += m;
        break;
      }
    }
  }
  return total > 0 ? near / total : 0;
}

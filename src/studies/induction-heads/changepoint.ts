/**
 * Change points of a sampled training curve, robust to evaluation noise:
 *
 * - plateaus: the early level is the median of the first 10% of the samples (at least 2), the late level the
 *   median of the last 10%;
 * - change step t_c: where the curve first crosses half-way between the two plateaus (linear interpolation
 *   between samples, `firstCrossing` of src/core/stats.ts), so its error is below one evaluation interval;
 * - abruptness: the curve's rate of change over [t_c − w, t_c + w] divided by its mean rate over [0, t_c],
 *   with w = max(t_c/10, one evaluation interval). Both rates scale the same way with the time axis, so any
 *   gradual law y = f(t/τ) gives the same value at every τ: exactly 1 for a linear curve, ln 2 ≈ 0.69 for an
 *   exponential approach (f = 1 − e^{−t/τ}: rate 1/(2τ) at t_c = τ ln 2 against a mean 1/(2τ ln 2)), and
 *   ≤ 1 for any concave one; a phase change (plateau, then a jump) gives ≫ 1.
 */
import { firstCrossing, median } from '../../core/stats.ts';

export interface ChangePoint {
  early: number;
  late: number;
  /** the step of the half-way crossing; +∞ if the curve never crosses */
  step: number;
  /** rate at the change point / mean rate before it; 0 if there is no change point */
  abruptness: number;
}

function interpolate(xs: readonly number[], ys: readonly number[], x: number): number {
  if (x <= xs[0]) return ys[0];
  for (let i = 1; i < xs.length; i++) if (x <= xs[i]) return ys[i - 1] + ((x - xs[i - 1]) / (xs[i] - xs[i - 1])) * (ys[i] - ys[i - 1]);
  return ys[ys.length - 1];
}

/** See the module comment. `interval` is the evaluation spacing (steps between samples). */
export function changePoint(xs: readonly number[], ys: readonly number[], interval: number): ChangePoint {
  if (xs.length !== ys.length || xs.length < 4) throw new Error(`changePoint: ${xs.length} steps and ${ys.length} values, expected equal lengths ≥ 4`);
  const k = Math.max(2, Math.ceil(0.1 * ys.length));
  const early = median(ys.slice(0, k));
  const late = median(ys.slice(-k));
  const step = firstCrossing(xs, ys, (early + late) / 2, late < early ? 'down' : 'up');
  if (!(Number.isFinite(step) && step > xs[0]) || early === late) return { early, late, step, abruptness: 0 };
  const w = Math.max(step / 10, interval);
  const rateAt = Math.abs(interpolate(xs, ys, step - w) - interpolate(xs, ys, step + w)) / (2 * w);
  const meanRate = Math.abs(early - late) / 2 / (step - xs[0]);
  return { early, late, step, abruptness: rateAt / meanRate };
}

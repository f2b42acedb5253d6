/**
 * The instrument of the μP coordinate check (Yang et al. 2021/2022, "Tensor Programs V", §5 and
 * Appendix D.1; the `mup` library's `get_coord_data`): the size of a typical coordinate of each hidden
 * representation a model exposes and of its output, RMS(h) = √(mean_{b,i} h_{b,i}²), and of a change,
 * RMS(h_t − h₀). The experiment that trains across widths is src/protocols/coordCheck.ts.
 */
import { type Tensor, noGrad } from '../core/tensor.ts';
import type { Model } from '../nn/model.ts';

/** √(mean a²) over all entries. */
export function rms(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s / a.length);
}

/** √(mean (a − b)²) over all entries: the RMS size of a coordinate's change. */
export function rmsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / a.length);
}

/** Copies of the hidden representations the model collects on `x`, then of its output (no graph). */
export function coordinateSnapshot(model: Model, x: Tensor): Float64Array[] {
  return noGrad(() => {
    const acts: Tensor[] = [];
    const out = model.forward(x, acts);
    return [...acts, out].map((t) => Float64Array.from(t.data));
  });
}

/**
 * What a trained classifier computes, read without building a graph: its logits, the hidden
 * representation of a layer, row-wise softmax and argmax, and accuracy (for the classification studies of
 * the universality pillar: neural collapse, representation convergence, architecture universality).
 * Browser-safe.
 */
import type { Mat } from '../core/mat.ts';
import { noGrad, type Tensor, tensor } from '../core/tensor.ts';
import type { Model } from '../nn/model.ts';

/** Logits (n×C) of `model` on x, without building a graph. */
export function predictLogits(model: Pick<Model, 'forward'>, x: Mat): Mat {
  const out = noGrad(() => model.forward(tensor(x.data, [x.rows, x.cols])));
  return { rows: out.shape[0], cols: out.shape[1], data: Float64Array.from(out.data) };
}

/** The activations of hidden layer `layer` (0-based; −1 = the last hidden layer, the penultimate representation). */
export function hiddenFeatures(model: Pick<Model, 'forward'>, x: Mat, layer = -1): Mat {
  const collect: Tensor[] = [];
  noGrad(() => model.forward(tensor(x.data, [x.rows, x.cols]), collect));
  if (collect.length === 0) throw new Error('hiddenFeatures: the model collected no hidden activations (does its forward accept `collect`?)');
  const h = collect[layer < 0 ? collect.length + layer : layer];
  if (h === undefined) throw new Error(`hiddenFeatures: layer = ${layer}, expected a hidden layer index in [${-collect.length}, ${collect.length})`);
  const cols = h.size / x.rows;
  return { rows: x.rows, cols, data: Float64Array.from(h.data) };
}

/** Row-wise softmax of logits (max-shifted for stability). */
export function softmaxRows(logits: Mat): Mat {
  const { rows, cols } = logits;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cols; c++) m = Math.max(m, logits.data[i * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(logits.data[i * cols + c] - m);
      out[i * cols + c] = e;
      s += e;
    }
    for (let c = 0; c < cols; c++) out[i * cols + c] /= s;
  }
  return { rows, cols, data: out };
}

/** Row-major scores, one row per example (a `Mat`, or a model's output data as it is). */
export interface Scores {
  readonly rows: number;
  readonly cols: number;
  readonly data: ArrayLike<number>;
}

/** Predicted class of every row (argmax; the first on ties). */
export function argmaxRows(m: Scores): Int32Array {
  const out = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let best = 0;
    for (let c = 1; c < m.cols; c++) if (m.data[i * m.cols + c] > m.data[i * m.cols + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** Fraction of rows whose argmax equals the label. */
export function accuracy(logits: Scores, y: Int32Array): number {
  if (logits.rows !== y.length) throw new Error(`accuracy: y has ${y.length} labels, expected one per row of the logits (${logits.rows})`);
  const p = argmaxRows(logits);
  let c = 0;
  for (let i = 0; i < y.length; i++) if (p[i] === y[i]) c++;
  return c / y.length;
}

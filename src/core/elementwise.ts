/**
 * Elementwise loops of ops.ts on raw arrays that a backend's optional kernels replace (the WebAssembly ones bit for
 * bit: the same IEEE operations in the same order): a bias row's broadcast add and the adjoint's column sums (`add`/
 * `sub` in the row-broadcast case; `addRows`, `rowSums`), ReLU and its adjoint (`relu`, `reluBackward`), tanh's adjoint
 * (`tanhBackward`) and the one-pass SGD step (`scaledAdd`, nn/optim.ts).
 */
import type { FloatArray } from './mat.ts';

/** y[r·n + j] = a[r·n + j] + sign·b[j] (sign −1: a subtraction), n = b.length, for every row of a. */
export function addRowsLoop(a: FloatArray, b: FloatArray, y: FloatArray, sign: 1 | -1): void {
  const n = b.length;
  for (let o = 0; o < a.length; o += n) {
    if (sign === 1) for (let j = 0; j < n; j++) y[o + j] = a[o + j] + b[j];
    else for (let j = 0; j < n; j++) y[o + j] = a[o + j] - b[j];
  }
}

/** dst[j] += sign·src[r·n + j] over the rows of src in order, n = dst.length (the adjoint of a bias row). */
export function rowSumsLoop(dst: FloatArray, src: FloatArray, sign: 1 | -1): void {
  const n = dst.length;
  for (let o = 0; o < src.length; o += n) {
    if (sign === 1) for (let j = 0; j < n; j++) dst[j] += src[o + j];
    else for (let j = 0; j < n; j++) dst[j] -= src[o + j];
  }
}

/**
 * ga[i] += g[i]·(1 − y[i]²) with y = tanh(x): tanh's adjoint from its output. For float32 y the factor is rounded to
 * float32 first, as the float32 array of f′ that the tangent path stores would hold it.
 */
export function tanhBackwardLoop(y: FloatArray, g: FloatArray, ga: FloatArray): void {
  if (y instanceof Float32Array) for (let i = 0; i < y.length; i++) ga[i] += g[i] * Math.fround(1 - y[i] * y[i]);
  else for (let i = 0; i < y.length; i++) ga[i] += g[i] * (1 - y[i] * y[i]);
}

/** p[j] += c·g[j] for j in [from, to): a chain of scalings' step (nn/optim.ts). */
export function scaledAddLoop(p: FloatArray, g: FloatArray, from: number, to: number, c: number): void {
  if (p instanceof Float32Array && g instanceof Float32Array) scaledAdd32(p, g, from, to, c);
  else scaledAdd64(p, g, from, to, c);
}

/** The float32 loop apart, so each loop sees one element type (V8 keeps it monomorphic). */
function scaledAdd32(p: Float32Array, g: Float32Array, from: number, to: number, c: number): void {
  for (let j = from; j < to; j++) p[j] += c * g[j];
}

function scaledAdd64(p: FloatArray, g: FloatArray, from: number, to: number, c: number): void {
  for (let j = from; j < to; j++) p[j] += c * g[j];
}

/** y[i] = x[i] where x[i] > 0, else 0 (NaN → 0). */
export function reluLoop(x: FloatArray, y: FloatArray): void {
  for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : 0;
}

/** ga[i] += g[i]·(x[i] > 0 ? 1 : 0): multiplying, not branching, keeps g·0 = ±0 and NaN·0 = NaN. */
export function reluBackwardLoop(x: FloatArray, g: FloatArray, ga: FloatArray): void {
  for (let i = 0; i < x.length; i++) ga[i] += g[i] * (x[i] > 0 ? 1 : 0);
}

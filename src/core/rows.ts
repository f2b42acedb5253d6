/**
 * A bias row on raw row-major arrays: its broadcast add and the adjoint's column sums, the loops of ops.ts's `add`/`sub`
 * (the row-broadcast case) that a backend's optional `addRows` / `rowSums` replace (the WebAssembly ones bit for bit:
 * one IEEE operation per element, in the same order).
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

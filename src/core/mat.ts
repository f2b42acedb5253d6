/**
 * Plain dense matrices: row-major `Float64Array` with explicit dimensions. This is the exchange type
 * of the numeric layers that do not need autodiff (linear algebra, instruments, theory solvers).
 * Autodiff tensors (`Tensor` in ./tensor.ts) convert to and from it without copying where possible.
 */
export type FloatArray = Float64Array | Float32Array;

export interface Mat {
  readonly rows: number;
  readonly cols: number;
  /** Row-major: element (i, j) is data[i * cols + j]. */
  readonly data: Float64Array;
}

export function mat(rows: number, cols: number, data?: ArrayLike<number>): Mat {
  if (!Number.isInteger(rows) || rows < 0) throw new Error(`mat: rows must be a non-negative integer, got ${rows}`);
  if (!Number.isInteger(cols) || cols < 0) throw new Error(`mat: cols must be a non-negative integer, got ${cols}`);
  if (data !== undefined && data.length !== rows * cols) {
    throw new Error(`mat: data has ${data.length} elements, expected rows*cols = ${rows * cols}`);
  }
  const d = data === undefined ? new Float64Array(rows * cols) : data instanceof Float64Array ? data : Float64Array.from(data);
  return { rows, cols, data: d };
}

export function fromRows(rows: readonly (readonly number[])[]): Mat {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0].length;
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    if (rows[i].length !== c) throw new Error(`fromRows: row ${i} has ${rows[i].length} entries, expected ${c}`);
    for (let j = 0; j < c; j++) out[i * c + j] = rows[i][j];
  }
  return { rows: r, cols: c, data: out };
}

export function toRows(m: Mat): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

export function identity(n: number): Mat {
  const m = mat(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

export function transpose(a: Mat): Mat {
  const out = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out[j * a.rows + i] = a.data[i * a.cols + j];
  return { rows: a.cols, cols: a.rows, data: out };
}

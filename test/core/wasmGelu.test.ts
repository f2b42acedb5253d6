import { afterAll, describe, expect, it } from 'vitest';
import { geluOutside, geluTable } from '../../src/core/geluTable.ts';
import { INV_SQRT_2PI, normalCdf } from '../../src/core/special.ts';
import { createWasmKernels, wasmThreadPool } from '../../src/core/kernelsWasm.ts';
import type { FloatArray } from '../../src/core/mat.ts';

/**
 * The WebAssembly GELU must give the very bits of `geluTable` (the TypeScript loop every transformer study's recorded
 * fingerprint was made with), for float64 and float32, with and without d1: same tables, same IEEE operations in the
 * same order, and geluTable's own fallback outside (−10, 10).
 */

/** A small self-contained generator (xorshift32), so that the inputs do not depend on core/random.ts. */
function uniforms(n: number, lo: number, hi: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out.push(lo + ((hi - lo) * s) / 2 ** 32);
  }
  return out;
}

/** The neighbouring doubles of v (v − ulp, v + ulp), by its bit pattern. */
function neighbours(v: number): number[] {
  const b = new Float64Array([v]);
  const u = new BigInt64Array(b.buffer);
  const base = u[0];
  const out: number[] = [];
  for (const dlt of [-1n, 1n]) {
    u[0] = base + dlt;
    out.push(b[0]);
  }
  return out;
}

/** The neighbouring floats of Math.fround(v). */
function neighbours32(v: number): number[] {
  const b = new Float32Array([v]);
  const u = new Int32Array(b.buffer);
  const base = u[0];
  const out: number[] = [];
  for (const dlt of [-1, 1]) {
    u[0] = base + dlt;
    out.push(b[0]);
  }
  return out;
}

/** The values at the edges: ±10 and around them, the table points k/128 − 10 and the midpoints between them (index ties). */
function edgeValues(): number[] {
  const v: number[] = [0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN];
  v.push(5e-324, -5e-324, 2.2250738585072014e-308, -2.225073858507201e-308, 1e-310, 1.401298464324817e-45, -1.1754942106924411e-38);
  v.push(0.1, -0.1, 1 / 3, -2 / 3, Math.PI, -Math.E, 1e-8, -1e-17, 9.99999, -9.99999, 10.00001, -10.00001, 1e300, -1e300, 12, -12);
  for (const e of [10, -10]) v.push(e, ...neighbours(e), ...neighbours32(e), Math.fround(e - 1e-6), Math.fround(e + 1e-6));
  for (let k = 0; k <= 2560; k++) {
    const x0 = k / 128 - 10;
    const mid = (k + 0.5) / 128 - 10;
    v.push(x0, mid, ...neighbours(mid), ...neighbours32(mid), Math.fround(x0) === x0 ? x0 : Math.fround(x0));
  }
  return v;
}

/** The first few elements whose bit patterns differ (so −0 ≠ +0 and NaNs compare by payload), with both values. */
function bitDiffs(got: FloatArray, want: FloatArray, x: FloatArray): string[] {
  const view = (a: FloatArray) => (a instanceof Float32Array ? new Uint32Array(a.buffer, a.byteOffset, a.length) : new BigUint64Array(a.buffer, a.byteOffset, a.length));
  const g = view(got);
  const w = view(want);
  const out: string[] = [];
  for (let i = 0; i < g.length && out.length < 5; i++) if (g[i] !== w[i]) out.push(`x[${i}] = ${x[i]}: ${got[i]} ≠ ${want[i]}`);
  return out;
}

function same(gelu: (x: FloatArray, y: FloatArray, d1: FloatArray | null) => void, values: number[], single: boolean, withD1: boolean): void {
  const make = (n: number): FloatArray => (single ? new Float32Array(n) : new Float64Array(n));
  const x = make(values.length);
  x.set(values);
  const y = make(x.length);
  const d1 = withD1 ? make(x.length) : null;
  const yRef = make(x.length);
  const d1Ref = withD1 ? make(x.length) : null;
  // stale values in the outputs must not leak through
  y.fill(7);
  d1?.fill(7);
  gelu(x, y, d1);
  geluTable(x, yRef, d1Ref);
  expect(y.length).toBe(yRef.length);
  expect(bitDiffs(y, yRef, x)).toEqual([]);
  if (d1 !== null && d1Ref !== null) expect(bitDiffs(d1, d1Ref, x)).toEqual([]);
}

describe('wasm-simd gelu', () => {
  const K = createWasmKernels({ threads: 1 });
  const gelu = K?.gelu?.bind(K);
  const cases = [
    ['float64', false],
    ['float32', true],
  ] as const;

  it.skipIf(K === null)('is a kernel of the WebAssembly backend', () => {
    expect(typeof K?.gelu).toBe('function');
  });

  for (const [name, single] of cases)
    for (const withD1 of [false, true]) {
      const tag = `${name}, d1 ${withD1 ? 'given' : 'null'}`;
      it.skipIf(!gelu)(`gives geluTable's bits on random values in (−12, 12) (${tag})`, () => {
        const g = gelu as NonNullable<typeof gelu>;
        same(g, uniforms(200_003, -12, 12, 11), single, withD1);
        // mostly inside, the odd one outside, at every position of a two-lane pair
        same(g, uniforms(4099, -10.5, 10.5, 12), single, withD1);
        // where the transformer's pre-activations live
        same(g, uniforms(65_536, -3, 3, 13), single, withD1);
      });
      it.skipIf(!gelu)(`gives geluTable's bits at ±10, table points, index ties, ±0, ±∞, NaN and subnormals (${tag})`, () => {
        const g = gelu as NonNullable<typeof gelu>;
        const edges = edgeValues();
        same(g, edges, single, withD1);
        same(g, edges.slice(1), single, withD1); // the other lane of every pair
        same(g, edges.reverse(), single, withD1);
      });
      it.skipIf(!gelu)(`gives geluTable's bits for every small length, 0 included (${tag})`, () => {
        const g = gelu as NonNullable<typeof gelu>;
        // below GELU_MIN (32) the backend hands short arrays to geluTable itself; above, every length mod 4 (the
        // four-element loop, then pairs, then a lone last element)
        const pool = uniforms(300, -11, 11, 14);
        for (let n = 0; n <= 80; n++) same(g, pool.slice(0, n), single, withD1);
        for (const n of [255, 256, 257, 1023, 4097]) same(g, uniforms(n, -11, 11, n), single, withD1);
        // an element outside the tables in each position of the remainder
        const inside = uniforms(32, -1, 1, 15);
        for (let extra = 1; extra <= 3; extra++)
          for (let at = 0; at < extra; at++)
            for (const out of [20, -10, Number.NaN]) {
              const tail = uniforms(extra, -1, 1, 16);
              tail[at] = out;
              same(g, [...inside, ...tail], single, withD1);
            }
      });
    }

  const threaded = createWasmKernels({ threads: 2 });
  afterAll(() => {
    if (threaded) wasmThreadPool(threaded)?.terminate();
  });
  it.skipIf(!threaded?.gelu)('keeps its tables through products and memory growth, also on the shared-memory module', () => {
    for (const k of [K, threaded]) {
      if (!k?.gelu) throw new Error('expected a wasm gelu');
      const g = k.gelu.bind(k);
      same(g, uniforms(1000, -11, 11, 21), false, true);
      // a product large enough to grow the memory, then GELUs again on the grown memory
      const m = 300;
      const a = Float64Array.from(uniforms(m * m, -1, 1, 22));
      const c = new Float64Array(m * m);
      k.gemm(false, false, m, m, m, a, a, c, false);
      same(g, uniforms(1 << 18, -11, 11, 23), false, true);
      same(g, uniforms(1 << 18, -11, 11, 24), true, true);
    }
  });
});

describe('geluOutside', () => {
  it('from 10 up gives exactly what x·Φ(x) and Φ + x·φ round to (x and 1), float64 and float32; ∞ and NaN keep the formula', () => {
    const formula = (v: number) => [v * normalCdf(v), normalCdf(v) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v)];
    // dense just above 10, then log-spaced up to the largest double; the float32 copies round on store
    const vs: number[] = [];
    for (let v = 10; v < 10.5; v += 1e-5) vs.push(v);
    for (let e = 1; e < 308.25; e += 0.01) vs.push(10 ** e);
    vs.push(Number.MAX_VALUE);
    let checked = 0;
    for (const make of [(n: number) => new Float64Array(n), (n: number) => new Float32Array(n)]) {
      const x = make(vs.length);
      x.set(vs);
      const y = make(vs.length);
      const d = make(vs.length);
      const want = make(2);
      for (let i = 0; i < x.length; i++) {
        if (!Number.isFinite(x[i])) continue; // beyond float32's range: stored as ∞, checked below
        geluOutside(x, y, d, i);
        want.set(formula(x[i]));
        if (!Object.is(y[i], want[0]) || !Object.is(d[i], want[1])) throw new Error(`v = ${x[i]}: got (${y[i]}, ${d[i]}), the formula gives (${want[0]}, ${want[1]})`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1.5 * vs.length); // every float64, and the float32 ones below 3.4e38
    const x = Float64Array.of(Number.POSITIVE_INFINITY, Number.NaN, -12);
    const y = new Float64Array(3);
    const d = new Float64Array(3);
    for (let i = 0; i < 3; i++) geluOutside(x, y, d, i);
    expect(y[0]).toBe(Number.POSITIVE_INFINITY);
    expect(d[0]).toBeNaN(); // ∞ + ∞·0
    expect(y[1]).toBeNaN();
    expect(y[2]).toBe(-12 * normalCdf(-12));
    expect(y[2]).not.toBe(0);
  });
});


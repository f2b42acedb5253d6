import { describe, expect, it } from 'vitest';
import { jsKernels, kernels, setKernels } from '../../src/core/kernels.ts';
import { createWasmKernels } from '../../src/core/kernelsWasm.ts';
import type { Mat } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';
import { crossProduct } from '../../src/observe/matrix.ts';

/** The former loop: Σ_i a[i, r]·b[i, c] in row order from +0, skipping zero entries of a. */
function crossProductLoop(a: Mat, b: Mat): Float64Array {
  const out = new Float64Array(a.cols * b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let r = 0; r < a.cols; r++) {
      const v = a.data[i * a.cols + r];
      if (v === 0) continue;
      for (let c = 0; c < b.cols; c++) out[r * b.cols + c] += v * b.data[i * b.cols + c];
    }
  return out;
}

function randomMat(rows: number, cols: number, rng: Rng, zeros = 0): Mat {
  const data = rng.fillNormal(new Float64Array(rows * cols));
  for (let i = 0; i < data.length; i++) if (rng.uniform() < zeros) data[i] = 0; // exact zeros (ReLU features, one-hots)
  return { rows, cols, data };
}

describe('crossProduct', () => {
  const backends = [
    ['js', jsKernels],
    ['wasm-simd', createWasmKernels()],
  ] as const;
  for (const [name, k] of backends) {
    it(`on ${name}: equals the row-order loop bit for bit (shapes across the kernel's small-product cut, zeros in A)`, () => {
      if (k === null) return;
      const prev = setKernels(k);
      try {
        expect(kernels().name).toBe(k.name);
        const rng = Rng.fromSeed(7, name);
        for (const [n, p, q, zeros] of [[5, 3, 2, 0], [40, 7, 9, 0.3], [1024, 64, 64, 0], [300, 33, 17, 0.5], [2000, 5, 130, 0.1]] as const) {
          const a = randomMat(n, p, rng.child('a', n), zeros);
          const b = randomMat(n, q, rng.child('b', n));
          const c = crossProduct(a, b);
          expect([c.rows, c.cols]).toEqual([p, q]);
          expect(c.data).toEqual(crossProductLoop(a, b));
        }
      } finally {
        setKernels(prev);
      }
    });
  }
  it('names the mismatched row counts', () => {
    const rng = Rng.fromSeed(1);
    expect(() => crossProduct(randomMat(3, 2, rng), randomMat(4, 2, rng))).toThrow(/row counts differ \(3 vs 4\)/);
  });
});

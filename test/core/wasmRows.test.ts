import { describe, expect, it } from 'vitest';
import { createWasmKernels } from '../../src/core/kernelsWasm.ts';
import type { FloatArray } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';
import { addRowsLoop, reluBackwardLoop, reluLoop, rowSumsLoop, scaledAddLoop, tanhBackwardLoop } from '../../src/core/elementwise.ts';
import { sameBits } from '../fixtures/bits.ts';

const kernels = createWasmKernels({ threads: 1 });

/** Values of wildly different magnitudes (2^-40 … 2^40, both signs), so float32 sums round in every way. */
function values(rng: Rng, n: number, single: boolean): FloatArray {
  const out = single ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.uniform() < 0.5 ? -1 : 1) * 2 ** (80 * rng.uniform() - 40) * (1 + rng.uniform());
  return out;
}

describe('WebAssembly bias rows, tanh adjoint and SGD step (gemm.wat add_rows / row_sums / tanh_backward / axpy)', () => {
  // widths with and without a tail past the last full vector (4 float32 or 2 float64 lanes), all ≥ ROWS_MIN elements
  const shapes: [number, number][] = [[64, 4], [37, 7], [3, 129], [256, 33]];

  it('addRows gives addRowsLoop’s bits (a + b and a − b, float32 and float64)', () => {
    expect(kernels?.addRows).toBeDefined();
    if (!kernels?.addRows) return;
    const rng = Rng.fromSeed(10, 'add rows');
    for (const single of [false, true])
      for (const [rows, n] of shapes)
        for (const sign of [1, -1] as const) {
          const [a, b] = [values(rng, rows * n, single), values(rng, n, single)];
          const [want, got] = [a.slice().fill(0), a.slice().fill(0)];
          addRowsLoop(a, b, want, sign);
          kernels.addRows(a, b, got, sign);
          expect(sameBits(got, want)).toBe(true);
        }
  });

  it('rowSums accumulates rowSumsLoop’s bits onto a non-zero adjoint (rows in order)', () => {
    expect(kernels?.rowSums).toBeDefined();
    if (!kernels?.rowSums) return;
    const rng = Rng.fromSeed(11, 'row sums');
    for (const single of [false, true])
      for (const [rows, n] of shapes)
        for (const sign of [1, -1] as const) {
          const [src, start] = [values(rng, rows * n, single), values(rng, n, single)];
          const [want, got] = [start.slice(), start.slice()];
          rowSumsLoop(want, src, sign);
          kernels.rowSums(got, src, sign);
          expect(sameBits(got, want)).toBe(true);
        }
  });

  it('tanhBackward accumulates tanhBackwardLoop’s bits (float32 rounds the factor, then the sum), odd lengths too', () => {
    expect(kernels?.tanhBackward).toBeDefined();
    if (!kernels?.tanhBackward) return;
    const rng = Rng.fromSeed(12, 'tanh backward');
    for (const single of [false, true])
      for (const n of [256, 257, 1001, 4096]) {
        const y = single ? new Float32Array(n) : new Float64Array(n);
        for (let i = 0; i < n; i++) y[i] = Math.tanh(6 * rng.uniform() - 3);
        const [g, start] = [values(rng, n, single), values(rng, n, single)];
        const [want, got] = [start.slice(), start.slice()];
        tanhBackwardLoop(y, g, want);
        kernels.tanhBackward(y, g, got);
        expect(sameBits(got, want)).toBe(true);
      }
  });

  it('scaledAdd gives scaledAddLoop’s bits on a slice [from, to) (float32 widened, summed in double, rounded on store)', () => {
    expect(kernels?.scaledAdd).toBeDefined();
    if (!kernels?.scaledAdd) return;
    const rng = Rng.fromSeed(13, 'scaled add');
    for (const single of [false, true])
      for (const [len, from, to] of [[600, 0, 600], [1000, 137, 1000], [5000, 1, 4098]]) {
        const [p, g] = [values(rng, len, single), values(rng, len, single)];
        const c = -0.1 * (1 + rng.uniform());
        const [want, got] = [p.slice(), p.slice()];
        scaledAddLoop(want, g, from, to, c);
        kernels.scaledAdd(got, g, from, to, c);
        expect(sameBits(got, want)).toBe(true);
      }
  });

  it('relu and reluBackward give the loops’ bits (negatives, ±0 and NaN included; tails)', () => {
    expect(kernels?.relu && kernels.reluBackward).toBeDefined();
    if (!kernels?.relu || !kernels.reluBackward) return;
    const rng = Rng.fromSeed(14, 'relu');
    for (const single of [false, true])
      for (const n of [256, 259, 1001, 4096]) {
        const x = values(rng, n, single);
        x[0] = 0;
        x[1] = -0;
        x[2] = Number.NaN;
        const [g, start] = [values(rng, n, single), values(rng, n, single)];
        g[3] = Number.POSITIVE_INFINITY;
        const [want, got] = [x.slice().fill(1), x.slice().fill(1)];
        reluLoop(x, want);
        kernels.relu(x, got);
        expect(sameBits(got, want)).toBe(true);
        const [wantG, gotG] = [start.slice(), start.slice()];
        reluBackwardLoop(x, g, wantG);
        kernels.reluBackward(x, g, gotG);
        expect(sameBits(gotG, wantG)).toBe(true);
      }
  });
});

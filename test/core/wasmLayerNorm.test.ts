import { describe, expect, it } from 'vitest';
import { createWasmKernels } from '../../src/core/kernelsWasm.ts';
import { layerNormBackwardRows, layerNormRows } from '../../src/core/layerNormRows.ts';
import type { FloatArray } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';
import { sameBits } from '../fixtures/bits.ts';

const kernels = createWasmKernels({ threads: 1 });

/** Rows of n draws with a per-row offset and scale (so μ and σ differ by row), of the given element type. */
function rows(rng: Rng, count: number, n: number, single: boolean): FloatArray {
  const out = single ? new Float32Array(count * n) : new Float64Array(count * n);
  for (let r = 0; r < count; r++) {
    const [shift, scale] = [(rng.uniform() - 0.5) * 10, 0.1 + 3 * rng.uniform()];
    for (let j = 0; j < n; j++) out[r * n + j] = shift + scale * rng.normal();
  }
  return out;
}

describe('WebAssembly LayerNorm (gemm.wat layernorm_fwd / layernorm_bwd)', () => {
  // odd and even row counts and widths (the lane pairs' repeated last row and column), both element types, all at
  // least LAYER_NORM_MIN = 256 elements (below, the kernels hand the work to these very loops)
  const shapes: [number, number][] = [[32, 8], [17, 16], [65, 5], [256, 64], [9, 33]];

  it('the forward gives layerNormRows’ y, x̂ and 1/σ bit for bit', () => {
    expect(kernels?.layerNorm).toBeDefined();
    if (!kernels?.layerNorm) return;
    const rng = Rng.fromSeed(8, 'layer norm forward');
    for (const single of [false, true])
      for (const [count, n] of shapes) {
        const [x, gamma, beta] = [rows(rng, count, n, single), rows(rng, 1, n, single), rows(rng, 1, n, single)];
        const want = { y: x.slice().fill(0), xhat: x.slice().fill(0), rstd: new Float64Array(count) };
        layerNormRows(x, gamma, beta, 1e-5, want.y, want.xhat, want.rstd);
        const got = { y: x.slice().fill(0), xhat: x.slice().fill(0), rstd: new Float64Array(count) };
        kernels.layerNorm(x, gamma, beta, 1e-5, got.y, got.xhat, got.rstd);
        expect([sameBits(got.y, want.y), sameBits(got.xhat, want.xhat), sameBits(got.rstd, want.rstd)]).toEqual([true, true, true]);
      }
  });

  it('the backward accumulates layerNormBackwardRows’ ḡx, ḡγ, ḡβ bit for bit (onto non-zero adjoints, with and without each)', () => {
    expect(kernels?.layerNormBackward).toBeDefined();
    if (!kernels?.layerNormBackward) return;
    const rng = Rng.fromSeed(9, 'layer norm backward');
    for (const single of [false, true])
      for (const [count, n] of shapes)
        for (const [withX, withParams] of [[true, true], [true, false], [false, true]]) {
          const [x, gamma, beta, g] = [rows(rng, count, n, single), rows(rng, 1, n, single), rows(rng, 1, n, single), rows(rng, count, n, single)];
          const [xhat, rstd] = [x.slice(), new Float64Array(count)];
          layerNormRows(x, gamma, beta, 1e-5, x.slice(), xhat, rstd);
          const start = { gx: rows(rng, count, n, single), gg: rows(rng, 1, n, single), gb: rows(rng, 1, n, single) };
          const run = (f: typeof layerNormBackwardRows) => {
            const [gx, gg, gb] = [start.gx.slice(), start.gg.slice(), start.gb.slice()];
            f(g, xhat, rstd, gamma, withX ? gx : null, withParams ? gg : null, withParams ? gb : null);
            return [gx, gg, gb];
          };
          const want = run(layerNormBackwardRows);
          const got = run(kernels.layerNormBackward.bind(kernels));
          expect(got.map((a, i) => sameBits(a, want[i]))).toEqual([true, true, true]);
        }
  });
});

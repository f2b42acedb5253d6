import { describe, expect, it } from 'vitest';
import { permute, permuteAs } from '../../src/core/attention.ts';
import { flatten, hessianVectorProduct, unflatten, valueAndGrad } from '../../src/core/autodiff.ts';
import { fusedGelu, fusedLayerNorm } from '../../src/core/fused.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { type DType, noGrad, param, type Tensor, tensor } from '../../src/core/tensor.ts';
import { type Builder, FD_REL, fdGrad, fdHvp, relErr } from './finiteDifferences.ts';

function rand(rng: Rng, shape: number[], lo = -1, hi = 1, dtype: DType = 'f64'): Tensor {
  const d = new Float64Array(shape.reduce((a, b) => a * b, 1));
  rng.fillUniform(d, lo, hi);
  return param(d, shape, dtype);
}

// a random linear functional plus a quadratic term: nonzero first and second derivatives through the op
function readout(y: Tensor, seed: string): Tensor {
  const r = tensor(Rng.fromSeed(99, seed).fillNormal(new Float64Array(y.size)), y.shape);
  return op.add(op.sum(op.mul(y, r)), op.scale(op.sum(op.square(y)), 0.3));
}

/** Gradient, HVP (and loss) of `build` at the same point and direction, flat. */
function derivatives(build: Builder, ps: Tensor[], v: Float64Array) {
  const h = hessianVectorProduct(() => build(ps), ps, unflatten(v, ps));
  return { value: h.value, grad: flatten(h.grads), hvp: flatten(h.hvp) };
}

/*
 * Oracles: (1) the fused op against the composition it replaces, in float64, at the same point and
 * direction: value, gradient and HVP agree to a few hundred ulps (the only differences are summation
 * order and Φ from a table + Taylor step instead of erf's series, each ~1e-16 relative), bound 1e-12;
 * (2) central finite differences (the shared FD oracle, 1e-6 relative), independent of any composition.
 */
const COMPOSED_REL = 1e-12;

describe('fused GELU', () => {
  const build = ([a]: Tensor[]) => readout(fusedGelu(a), 'gelu');
  const ref = ([a]: Tensor[]) => readout(op.gelu(a), 'gelu');
  it('equals x·Φ(x) of op.gelu over the whole real line, tails and table edges included', () => {
    const xs = [-40, -12, -10, -9.999, -8.0078125, -3, -1e-9, 0, 1e-9, 0.0078125, 0.5, 2.71, 9.999, 10, 12, 40];
    const rng = Rng.fromSeed(1, 'gelu-points');
    for (let i = 0; i < 200; i++) xs.push(rng.normal() * 4);
    const a = tensor(xs, [xs.length]);
    const [f, g] = noGrad(() => [fusedGelu(a), op.gelu(a)]);
    // both are within a few ulps of x·Φ(x) (erf's series loses a few to cancellation near |x| = 3–5, the
    // table + Taylor step one or two): bound 16 ulps of max(1, |x|)
    for (let i = 0; i < xs.length; i++) expect(Math.abs(f.data[i] - g.data[i])).toBeLessThanOrEqual(16 * 2 ** -52 * Math.max(1, Math.abs(xs[i])));
  });
  it('gradient and HVP equal the composition and finite differences', () => {
    const rng = Rng.fromSeed(7, 'gelu');
    const ps = [rand(rng, [4, 6], -4, 4)];
    const v = rng.fillNormal(new Float64Array(24));
    const f = derivatives(build, ps, v);
    const c = derivatives(ref, ps, v);
    expect(relErr(f.grad, c.grad)).toBeLessThan(COMPOSED_REL);
    expect(relErr(f.hvp, c.hvp)).toBeLessThan(COMPOSED_REL);
    expect(relErr(f.grad, fdGrad(build, ps))).toBeLessThan(FD_REL);
    expect(relErr(f.hvp, fdHvp(build, ps, v))).toBeLessThan(FD_REL);
  });
  it('keeps no derivative buffer and records nothing without gradients', () => {
    const a = tensor([0.3, -1.2], [2]);
    const y = fusedGelu(a);
    expect(y.backwardFn).toBeNull();
    expect(y.data[0]).toBeCloseTo(0.3 * 0.617911422188953, 14);
  });
});

describe('fused LayerNorm', () => {
  const build = ([x, g, b]: Tensor[]) => readout(fusedLayerNorm(x, g, b), 'ln');
  const ref = ([x, g, b]: Tensor[]) => readout(op.layerNorm(x, g, b), 'ln');
  it('value, gradient and HVP equal op.layerNorm and finite differences (x, γ, β all trained)', () => {
    const rng = Rng.fromSeed(7, 'ln');
    const ps = [rand(rng, [3, 5], -2, 2), rand(rng, [5], 0.5, 1.5), rand(rng, [5])];
    const v = rng.fillNormal(new Float64Array(25));
    const f = derivatives(build, ps, v);
    const c = derivatives(ref, ps, v);
    expect(Math.abs(f.value - c.value)).toBeLessThan(COMPOSED_REL * Math.abs(c.value));
    expect(relErr(f.grad, c.grad)).toBeLessThan(COMPOSED_REL);
    expect(relErr(f.hvp, c.hvp)).toBeLessThan(COMPOSED_REL);
    expect(relErr(f.grad, fdGrad(build, ps))).toBeLessThan(FD_REL);
    expect(relErr(f.hvp, fdHvp(build, ps, v))).toBeLessThan(FD_REL);
  });
  it('HVP with a constant input (tangents only on γ, β) and with constant γ, β equals the composition', () => {
    const rng = Rng.fromSeed(8, 'ln-partial');
    const x = rand(rng, [4, 6], -2, 2);
    const g = rand(rng, [6], 0.5, 1.5);
    const b = rand(rng, [6]);
    const xc = tensor(x.data, x.shape);
    const gc = tensor(g.data, g.shape);
    const bc = tensor(b.data, b.shape);
    for (const [ps, mk] of [
      [[g, b], (p: Tensor[]) => [xc, p[0], p[1]]],
      [[x], (p: Tensor[]) => [p[0], gc, bc]],
    ] as const) {
      const v = rng.fillNormal(new Float64Array(ps.reduce((s, p) => s + p.size, 0)));
      const f = derivatives((p) => build(mk(p)), [...ps], v);
      const c = derivatives((p) => ref(mk(p)), [...ps], v);
      expect(relErr(f.hvp, c.hvp)).toBeLessThan(COMPOSED_REL);
    }
  });
  it('float32: agrees with the float64 op to float32 rounding', () => {
    const rng = Rng.fromSeed(9, 'ln32');
    const x64 = rand(rng, [8, 16], -3, 3);
    const x32 = param(x64.data, x64.shape, 'f32');
    const g = tensor(new Float64Array(16).fill(1.1), [16], 'f32');
    const b = tensor(new Float64Array(16).fill(0.2), [16], 'f32');
    const y32 = fusedLayerNorm(x32, g, b);
    const y64 = op.layerNorm(tensor(Float64Array.from(x32.data), x64.shape), tensor(Float64Array.from(g.data), [16]), tensor(Float64Array.from(b.data), [16]));
    expect(y32.data).toBeInstanceOf(Float32Array);
    // |y| ≲ 5 here; a handful of float32 roundings (2^-24 each) in x̂ and γx̂ + β: bound 8 ulps of 5
    for (let i = 0; i < y32.size; i++) expect(Math.abs(y32.data[i] - y64.data[i])).toBeLessThan(8 * 5 * 2 ** -24);
    const { grads } = valueAndGrad(() => op.sum(op.square(fusedLayerNorm(x32, g, b))), [x32]);
    expect(grads[0]).toBeInstanceOf(Float32Array);
  });
  it('names the mismatched parameter', () => {
    const x = tensor(new Float64Array(6), [2, 3]);
    expect(() => fusedLayerNorm(x, tensor([1, 1], [2]), tensor([0, 0, 0], [3]))).toThrow(/gamma shape \[2\], expected \[3\]/);
  });
});

describe('permuteAs (the head split and merge of attention as one op)', () => {
  it('equals reshape ∘ permute ∘ reshape in value, gradient and HVP, and names a size mismatch', () => {
    const rng = Rng.fromSeed(10, 'permuteAs');
    const view = [2, 3, 2, 2];
    const axes = [0, 2, 3, 1];
    const out = [4, 2, 3];
    const fused = ([x]: Tensor[]) => readout(op.tanh(permuteAs(x, view, axes, out)), 'pa');
    const composed = ([x]: Tensor[]) => readout(op.tanh(op.reshape(permute(op.reshape(x, view), axes), out)), 'pa');
    const ps = [rand(rng, [6, 4])];
    const v = rng.fillNormal(new Float64Array(24));
    const f = derivatives(fused, ps, v);
    const c = derivatives(composed, ps, v);
    // pure data movement: the same arithmetic in the same order, so bit-for-bit equal
    expect(f.value).toBe(c.value);
    expect(Array.from(f.grad)).toEqual(Array.from(c.grad));
    expect(Array.from(f.hvp)).toEqual(Array.from(c.hvp));
    expect(() => permuteAs(ps[0], [2, 3, 4], [0, 2, 1], [25])).toThrow(/cannot view \[6, 4\] as \[2, 3, 4\] and return \[25\]/);
  });
});

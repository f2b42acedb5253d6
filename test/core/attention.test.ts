/**
 * The attention ops of src/core/attention.ts against their oracles: central finite differences of the
 * loss (gradient) and of the exact gradient (HVP), in float64 on small random shapes; the masking
 * (a future position never influences an earlier one); and plain-loop references for the forward values.
 */
import { describe, expect, it } from 'vitest';
import { causalSelfAttention, causalSoftmax, embedding, mergeHeads, permute, splitHeads } from '../../src/core/attention.ts';
import { backward, flatten, hessianVectorProduct, unflatten, valueAndGrad } from '../../src/core/autodiff.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { noGrad, param, type Tensor, tensor } from '../../src/core/tensor.ts';
import { type Builder, FD_REL, fdGrad, fdHvp, relErr } from './finiteDifferences.ts';

function rand(rng: Rng, shape: number[], lo = -1, hi = 1): Tensor {
  const d = new Float64Array(shape.reduce((a, b) => a * b, 1));
  rng.fillUniform(d, lo, hi);
  return param(d, shape);
}

// A random linear functional plus a quadratic term: every output reaches the loss with nonzero first and
// second derivatives (the same readout as test/core/autodiff.test.ts).
function readout(y: Tensor, seed: string): Tensor {
  const r = tensor(Rng.fromSeed(99, seed).fillNormal(new Float64Array(y.size)), y.shape);
  return op.add(op.sum(op.mul(y, r)), op.scale(op.sum(op.square(y)), 0.3));
}

function checkOp(name: string, build: Builder, shapes: number[][]) {
  it(`${name}: gradient and HVP match finite differences`, () => {
    const rng = Rng.fromSeed(11, name);
    const ps = shapes.map((s) => rand(rng, s));
    const gAd = flatten(valueAndGrad(() => build(ps), ps).grads);
    expect(relErr(gAd, fdGrad(build, ps))).toBeLessThan(FD_REL);
    const v = rng.fillNormal(new Float64Array(gAd.length));
    const hv = flatten(hessianVectorProduct(() => build(ps), ps, unflatten(v, ps)).hvp);
    expect(relErr(hv, fdHvp(build, ps, v))).toBeLessThan(FD_REL);
  });
}

const SHAPE = { batch: 2, context: 3, heads: 2 };
const IDS = Int32Array.from([2, 0, 2, 4, 1]);

describe('attention ops: gradient and HVP oracles (float64)', () => {
  // permute and embedding are linear: a nonlinearity after them makes their HVP rules carry weight
  checkOp('permute', ([a]) => readout(op.tanh(permute(a, [2, 0, 1])), 'perm'), [[2, 3, 4]]);
  checkOp('causalSoftmax', ([s]) => readout(causalSoftmax(op.scale(s, 2)), 'csm'), [[2, 4, 4]]);
  checkOp('causalSoftmax after a product (second-order cross terms)', ([a, b]) => readout(causalSoftmax(op.bmm(a, b)), 'csm2'), [
    [2, 3, 2],
    [2, 2, 3],
  ]);
  checkOp('embedding (repeated ids)', ([t]) => readout(op.tanh(embedding(t, IDS)), 'emb'), [[5, 3]]);
  checkOp('splitHeads/mergeHeads', ([x]) => readout(mergeHeads(op.tanh(splitHeads(x, SHAPE)), SHAPE), 'heads'), [[6, 4]]);
  checkOp('causalSelfAttention', ([q, k, v]) => readout(causalSelfAttention(q, k, v, SHAPE), 'attn'), [
    [6, 4],
    [6, 4],
    [6, 4],
  ]);
});

describe('attention ops: values', () => {
  it('permute equals the index formula and round-trips', () => {
    const rng = Rng.fromSeed(1);
    const a = rand(rng, [2, 3, 4]);
    const y = noGrad(() => permute(a, [1, 2, 0]));
    expect(y.shape).toEqual([3, 4, 2]);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expect(y.data[j * 8 + k * 2 + i]).toBe(a.data[i * 12 + j * 4 + k]);
    const back = noGrad(() => permute(y, [2, 0, 1]));
    expect(Array.from(back.data)).toEqual(Array.from(a.data));
  });

  it('permute keeping trailing axes in place (copied as contiguous runs) equals the index formula, with its adjoint', () => {
    const rng = Rng.fromSeed(5);
    const shape = [2, 3, 4, 5];
    const a = param(rand(rng, shape).data, shape);
    // [B, T, H, D] → [B, H, T, D], the head split: runs of D = 5; and a permutation that keeps the last two axes
    for (const axes of [
      [0, 2, 1, 3],
      [1, 0, 2, 3],
    ]) {
      const w = rand(rng, axes.map((d) => shape[d]));
      a.grad = null;
      const y = permute(a, axes);
      const L = op.sum(op.mul(y, w));
      backward(L);
      const strides = [60, 20, 5, 1];
      const outShape = axes.map((d) => shape[d]);
      const outStrides = [outShape[1] * outShape[2] * outShape[3], outShape[2] * outShape[3], outShape[3], 1];
      for (let f = 0; f < a.size; f++) {
        // the input index whose axis axes[k] is the output's k-th coordinate
        const coord = axes.map((_, k) => Math.floor(f / outStrides[k]) % outShape[k]);
        let src = 0;
        axes.forEach((d, k) => {
          src += coord[k] * strides[d];
        });
        expect(y.data[f]).toBe(a.data[src]);
        // ∂L/∂a at src is the weight at f (each element read once)
        expect(a.grad?.[src]).toBe(w.data[f]);
      }
    }
  });

  it('causalSoftmax rows are distributions over j ≤ i and equal the prefix softmax', () => {
    const rng = Rng.fromSeed(2);
    const s = rand(rng, [3, 5, 5], -3, 3);
    const p = noGrad(() => causalSoftmax(s));
    for (let row = 0; row < 15; row++) {
      const i = row % 5;
      const z = Array.from({ length: i + 1 }, (_, j) => Math.exp(s.data[row * 5 + j]));
      const total = z.reduce((a, b) => a + b, 0);
      for (let j = 0; j < 5; j++) {
        if (j > i) expect(p.data[row * 5 + j]).toBe(0);
        else expect(p.data[row * 5 + j]).toBeCloseTo(z[j] / total, 14);
      }
    }
  });

  it('embedding gathers rows and splitHeads puts head h of position t at slice b·H + h, row t', () => {
    const table = tensor([0, 1, 10, 11, 20, 21], [3, 2]);
    expect(Array.from(embedding(table, Int32Array.from([2, 0, 2])).data)).toEqual([20, 21, 0, 1, 20, 21]);
    const x = tensor(Array.from({ length: 24 }, (_, i) => i), [6, 4]); // B=2, T=3, H=2, dₕ=2
    const h = splitHeads(x, SHAPE);
    expect(h.shape).toEqual([4, 3, 2]);
    // batch 1, head 1, position 2 → row b·T + t = 5, columns h·dₕ.. = 2, 3
    expect([h.data[(3 * 3 + 2) * 2], h.data[(3 * 3 + 2) * 2 + 1]]).toEqual([x.data[5 * 4 + 2], x.data[5 * 4 + 3]]);
  });
});

describe('attention ops: causality', () => {
  it('changing a future token never changes an earlier position’s output; it does change later ones', () => {
    const rng = Rng.fromSeed(3);
    const a = { batch: 2, context: 5, heads: 2 };
    const [q, k, v] = [0, 1, 2].map(() => rand(rng, [10, 4]));
    const base = noGrad(() => causalSelfAttention(q, k, v, a));
    const t0 = 3; // perturb position 3 of sequence 1 in keys and values
    const k2 = tensor(k.data.slice(), k.shape);
    const v2 = tensor(v.data.slice(), v.shape);
    for (let j = 0; j < 4; j++) {
      k2.data[(5 + t0) * 4 + j] += 0.7;
      v2.data[(5 + t0) * 4 + j] -= 0.9;
    }
    const moved = noGrad(() => causalSelfAttention(q, k2, v2, a));
    const rowDiff = (row: number) => Math.max(...[0, 1, 2, 3].map((j) => Math.abs(moved.data[row * 4 + j] - base.data[row * 4 + j])));
    for (let row = 0; row < 10; row++) {
      const seq = Math.floor(row / 5);
      const t = row % 5;
      if (seq === 0 || t < t0) expect(rowDiff(row)).toBe(0);
      else expect(rowDiff(row)).toBeGreaterThan(1e-3);
    }
    // and the adjoint agrees: outputs at positions t < t₀ have exactly zero gradient wrt keys and values at
    // positions ≥ t₀ (and wrt the other sequence), while the later outputs have a nonzero one
    const kp = param(k.data.slice(), k.shape);
    const vp = param(v.data.slice(), v.shape);
    const early = tensor(Array.from({ length: 40 }, (_, i) => (Math.floor(i / 4) % 5 < t0 && i < 20 ? 1 : 0)), [10, 4]);
    const lossOf = (w: Tensor) => () => op.sum(op.mul(op.square(causalSelfAttention(q, kp, vp, a)), w));
    const gEarly = valueAndGrad(lossOf(early), [kp, vp]).grads;
    for (const g of gEarly) {
      for (let row = 0; row < 10; row++) {
        // key/value row `row` is reachable only from sequence 0 (rows 0..4) at a position before t₀
        const norm = Math.max(...[0, 1, 2, 3].map((j) => Math.abs(g[row * 4 + j])));
        if (row < t0) expect(norm).toBeGreaterThan(0);
        else expect(norm).toBe(0);
      }
    }
  });

  it('names the field and the value on bad input', () => {
    const t = tensor(new Float64Array(6), [3, 2]);
    expect(() => embedding(t, Int32Array.from([0, 3]))).toThrow('embedding: id 3 at index 1 is outside [0, 3)');
    expect(() => permute(t, [0, 0])).toThrow('permute: axes [0, 0] for shape [3, 2], expected a permutation of 0..1');
    expect(() => causalSoftmax(tensor(new Float64Array(6), [2, 3]))).toThrow('causalSoftmax: logits shape [2, 3], expected [.., T, T]');
    expect(() => splitHeads(t, { batch: 1, context: 3, heads: 0 })).toThrow('splitHeads: heads = 0, expected a positive integer');
  });
});

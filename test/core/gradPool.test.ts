/**
 * Performance-only changes in the engine must not move a bit: the adjoint buffer pool (recycled adjoints
 * come back zero-filled) and the fused activation backward (no f′ buffer) give exactly the numbers of
 * fresh buffers and of the two-pass rule, for gradients and Hessian-vector products alike. Compared with Object.is per element, so -0 and NaN count.
 */
import { describe, expect, it } from 'vitest';
import { hessianOperator, hessianVectorProduct, valueAndGrad } from '../../src/core/autodiff.ts';
import type { FloatArray } from '../../src/core/mat.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { alloc, clearBufferPool, type DType, noGrad, noGradScalar, param, pooledBufferBytes, recycleBuffers, type Tensor, tensor } from '../../src/core/tensor.ts';
import { executeStudy } from '../../src/studies/execute.ts';
import { allocates } from '../run/fixtures/memoryStudies.ts';

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function twoLayerNet(dtype: DType, act: (t: Tensor) => Tensor) {
  const rng = Rng.fromSeed(7, 'gradPool', dtype);
  const W1 = param(rng.child('W1').fillNormal(new Float64Array(6 * 40), 0.5), [6, 40], dtype);
  const b1 = param(rng.child('b1').fillNormal(new Float64Array(40), 0.1), [40], dtype);
  const W2 = param(rng.child('W2').fillNormal(new Float64Array(40 * 3), 0.5), [40, 3], dtype);
  const x = tensor(rng.child('x').fillNormal(new Float64Array(32 * 6)), [32, 6], dtype);
  const y = tensor(rng.child('y').fillNormal(new Float64Array(32 * 3)), [32, 3], dtype);
  const hidden: Tensor[] = [];
  /** the hidden layer's value array as each pass built it (the tensor gives it up when valueAndGrad returns) */
  const hiddenBuffers: FloatArray[] = [];
  const loss = () => {
    const h = act(op.add(op.matmul(x, W1), b1));
    hidden.push(h);
    hiddenBuffers.push(h.data);
    return op.mse(op.matmul(h, W2), y);
  };
  return { params: [W1, b1, W2], loss, hidden, hiddenBuffers };
}

describe('adjoint buffer pool', () => {
  for (const dtype of ['f64', 'f32'] as const) {
    it(`gives the same gradient bits from recycled (NaN-poisoned) buffers as from fresh ones (${dtype})`, () => {
      const net = twoLayerNet(dtype, op.tanh);
      clearBufferPool();
      const fresh = valueAndGrad(net.loss, net.params);
      // intermediate adjoints went to the pool and were cleared; the parameters' gradients are kept
      expect(pooledBufferBytes()).toBeGreaterThan(0);
      expect(net.hidden[0].grad).toBeNull();
      for (const g of fresh.grads) expect(g.some((v) => v !== 0)).toBe(true);
      // poison: buffers of every size the graph uses, full of NaN, waiting in the pool
      const poison: FloatArray[] = [];
      for (const n of [32 * 40, 32 * 3, 6 * 40, 40 * 3, 40])
        for (let k = 0; k < 4; k++) poison.push((dtype === 'f32' ? new Float32Array(n) : new Float64Array(n)).fill(Number.NaN));
      recycleBuffers(poison);
      const reused = valueAndGrad(net.loss, net.params);
      expect(reused.value).toBe(fresh.value);
      for (let i = 0; i < fresh.grads.length; i++) expect(sameBits(reused.grads[i], fresh.grads[i])).toBe(true);
      // the parameters' gradients are never handed to the pool
      expect(reused.grads.some((g) => fresh.grads.includes(g))).toBe(false);
    });
  }

  it('holds at most 64 MiB, or the room a caller gives (one backward pass of adjoints); executeStudy empties it', async () => {
    clearBufferPool();
    const big = () => new Float64Array(2 ** 22); // 32 MiB
    recycleBuffers([big(), big(), big()]);
    expect(pooledBufferBytes()).toBe(2 * 2 ** 25);
    clearBufferPool();
    recycleBuffers([big(), big(), big()], 3 * 2 ** 25);
    expect(pooledBufferBytes()).toBe(3 * 2 ** 25);
    await executeStudy(allocates, { profile: 'quick', seed: 0, params: { megabytes: 0 }, controls: false });
    expect(pooledBufferBytes()).toBe(0);
  });

  it('keeps room for the largest pass since it was emptied, so a smaller pass in between does not drop it', () => {
    clearBufferPool();
    const big = () => new Float64Array(2 ** 22); // 32 MiB
    // a Hessian-vector product's worth (96 MiB), then a gradient pass's (32 MiB) given while 64 MiB still wait
    recycleBuffers([big(), big(), big()], 3 * 2 ** 25);
    alloc('f64', 2 ** 22);
    recycleBuffers([big()], 2 ** 25);
    expect(pooledBufferBytes()).toBe(3 * 2 ** 25);
    clearBufferPool();
    recycleBuffers([big(), big(), big()], 2 ** 25);
    expect(pooledBufferBytes()).toBe(2 * 2 ** 25);
    clearBufferPool();
  });

  it('a backward pass larger than 64 MiB leaves its adjoints pooled for the next pass', () => {
    clearBufferPool();
    // three intermediate adjoints of 2²² float64 each (32 MiB): 96 MiB in all
    const W = param(new Float64Array(4).fill(0.5), [2, 2]);
    const x = tensor(new Float64Array(2 ** 22).fill(0.1), [2 ** 21, 2]);
    const loss = () => op.sum(op.tanh(op.tanh(op.matmul(x, W))));
    valueAndGrad(loss, [W]);
    expect(pooledBufferBytes()).toBeGreaterThan(64 * 2 ** 20);
    clearBufferPool();
  });

  it('keeps a buffer given twice once, and ignores tiny ones', () => {
    clearBufferPool();
    const b = new Float64Array(64);
    recycleBuffers([b, b, new Float64Array(4)]);
    expect(pooledBufferBytes()).toBe(64 * 8);
  });
});

describe('intermediate value recycling', () => {
  /** Three SGD steps; `fresh` empties the pool before each, so every op allocates new zeroed arrays. */
  function train(dtype: DType, fresh: boolean): { values: number[]; params: FloatArray[]; reused: boolean } {
    const net = twoLayerNet(dtype, op.relu);
    clearBufferPool();
    const values: number[] = [];
    for (let t = 0; t < 3; t++) {
      if (fresh) clearBufferPool();
      const { value, grads } = valueAndGrad(net.loss, net.params);
      values.push(value);
      for (let i = 0; i < grads.length; i++) for (let j = 0; j < grads[i].length; j++) net.params[i].data[j] -= 0.05 * grads[i][j];
    }
    // the second step's hidden layer was built in a buffer the first step gave back
    const reused = net.hiddenBuffers.slice(1).some((b) => b === net.hiddenBuffers[0]);
    return { values, params: net.params.map((p) => p.data.slice()), reused };
  }

  for (const dtype of ['f64', 'f32'] as const) {
    it(`reuses the forward values of one step in the next, with the bits of fresh buffers (${dtype})`, () => {
      const pooled = train(dtype, false);
      const fresh = train(dtype, true);
      expect(pooled.reused).toBe(true);
      expect(fresh.reused).toBe(false);
      expect(sameBits(pooled.values, fresh.values)).toBe(true);
      for (let i = 0; i < fresh.params.length; i++) expect(sameBits(pooled.params[i], fresh.params[i])).toBe(true);
    });
  }

  it('an intermediate kept past valueAndGrad has no value left (an empty array), so a late read cannot see the next step', () => {
    const net = twoLayerNet('f64', op.tanh);
    clearBufferPool();
    valueAndGrad(net.loss, net.params);
    expect(net.hiddenBuffers[0].length).toBe(32 * 40);
    expect(net.hidden[0].data.length).toBe(0);
    expect(Number.isNaN(net.hidden[0].data[0] * 1)).toBe(true);
    clearBufferPool();
  });

  it('keeps a value that shares its array with a leaf (a reshape of a parameter)', () => {
    clearBufferPool();
    const W = param(Float64Array.from({ length: 64 }, (_, i) => i / 64), [8, 8]);
    const before = W.data.slice();
    valueAndGrad(() => op.sum(op.square(op.reshape(W, [64]))), [W]);
    // anything of W's size allocated now must not be W's own array
    const next = op.add(tensor(new Float64Array(64), [64]), 1);
    expect(next.data).not.toBe(W.data);
    expect(sameBits(W.data, before)).toBe(true);
    clearBufferPool();
  });
});

describe('noGradScalar', () => {
  it('gives the value of the scalar and hands every array its ops allocated back to the pool, never a leaf', () => {
    const net = twoLayerNet('f64', op.tanh);
    const leafArrays = net.params.map((p) => p.data);
    const before = leafArrays.map((a) => a.slice());
    clearBufferPool();
    const expected = noGrad(() => net.loss().item());
    clearBufferPool();
    const value = noGradScalar(net.loss);
    expect(Object.is(value, expected)).toBe(true);
    // the hidden layer's array (allocated inside) is pooled: the next array of its size is that one
    expect(pooledBufferBytes()).toBeGreaterThan(0);
    const hidden = net.hiddenBuffers[net.hiddenBuffers.length - 1];
    const taken = Array.from({ length: 8 }, () => alloc('f64', 32 * 40));
    expect(taken.includes(hidden)).toBe(true);
    // parameters (and anything else that existed before) are neither pooled nor written
    const all = Array.from({ length: 8 }, () => alloc('f64', 6 * 40)).concat(Array.from({ length: 8 }, () => alloc('f64', 40 * 3)));
    expect(all.some((a) => leafArrays.includes(a))).toBe(false);
    for (let i = 0; i < leafArrays.length; i++) expect(sameBits(leafArrays[i], before[i])).toBe(true);
    clearBufferPool();
  });

  it('a training loop that evaluates between steps gives the bits of one that does not pool the evaluations', () => {
    const run = (pooled: boolean) => {
      const net = twoLayerNet('f64', op.relu);
      clearBufferPool();
      const losses: number[] = [];
      for (let t = 0; t < 4; t++) {
        losses.push(pooled ? noGradScalar(net.loss) : noGrad(() => net.loss().item()));
        const { grads } = valueAndGrad(net.loss, net.params);
        for (let i = 0; i < grads.length; i++) for (let j = 0; j < grads[i].length; j++) net.params[i].data[j] -= 0.05 * grads[i][j];
      }
      return losses;
    };
    expect(sameBits(run(true), run(false))).toBe(true);
  });

  it('rejects a non-scalar, naming its shape', () => {
    expect(() => noGradScalar(() => tensor(new Float64Array(6), [2, 3]))).toThrow(/expected a scalar, got shape \[2, 3\]/);
  });
});

describe('Hessian-vector product recycling', () => {
  function direction(params: Tensor[], dtype: DType): FloatArray[] {
    return params.map((p, i) => {
      const v = Rng.fromSeed(11, 'hvp-pool', i).fillNormal(new Float64Array(p.size));
      return dtype === 'f32' ? Float32Array.from(v) : v;
    });
  }

  for (const dtype of ['f64', 'f32'] as const) {
    it(`gives the same value, gradient and H·v bits from recycled (NaN-poisoned) buffers as from fresh ones (${dtype})`, () => {
      const net = twoLayerNet(dtype, op.tanh);
      const v = direction(net.params, dtype);
      const vBefore = v.map((b) => b.slice());
      clearBufferPool();
      const fresh = hessianVectorProduct(net.loss, net.params, v);
      expect(pooledBufferBytes()).toBeGreaterThan(0);
      expect(net.hidden[0].data.length).toBe(0);
      // the caller's direction is never pooled or written
      for (let i = 0; i < v.length; i++) expect(sameBits(v[i], vBefore[i])).toBe(true);
      const poison: FloatArray[] = [];
      for (const n of [32 * 40, 32 * 3, 6 * 40, 40 * 3, 40])
        for (let k = 0; k < 6; k++) poison.push((dtype === 'f32' ? new Float32Array(n) : new Float64Array(n)).fill(Number.NaN));
      recycleBuffers(poison);
      const reused = hessianVectorProduct(net.loss, net.params, v);
      expect(reused.value).toBe(fresh.value);
      for (let i = 0; i < fresh.hvp.length; i++) {
        expect(fresh.hvp[i].some((x) => x !== 0)).toBe(true);
        expect(sameBits(reused.grads[i], fresh.grads[i])).toBe(true);
        expect(sameBits(reused.hvp[i], fresh.hvp[i])).toBe(true);
      }
      expect(reused.hvp.some((h) => fresh.hvp.includes(h) || fresh.grads.includes(h))).toBe(false);
      clearBufferPool();
    });
  }

  it('keeps a forward tangent that is the direction itself (a reshape of a parameter carries v as its tangent)', () => {
    clearBufferPool();
    const W = param(Float64Array.from({ length: 64 }, (_, i) => i / 64), [8, 8]);
    const v = [Float64Array.from({ length: 64 }, (_, i) => 1 - i / 32)];
    const before = v[0].slice();
    const r = hessianVectorProduct(() => op.sum(op.square(op.tanh(op.reshape(W, [64])))), [W], v);
    // drain every pooled array of that size: none may be v's (taking it would zero it)
    const taken = Array.from({ length: 16 }, () => alloc('f64', 64));
    expect(taken.includes(v[0])).toBe(false);
    expect(sameBits(v[0], before)).toBe(true);
    expect(r.hvp[0].some((x) => x !== 0)).toBe(true);
    clearBufferPool();
  });

  it('hessianOperator recycles its blocks and clears the parameters\' adjoints, with the bits of a fresh pool', () => {
    const net = twoLayerNet('f64', op.tanh);
    const n = net.params.reduce((a, p) => a + p.size, 0);
    const u = Rng.fromSeed(12, 'hvp-op').fillNormal(new Float64Array(n));
    const H = hessianOperator(net.loss, net.params);
    clearBufferPool();
    const first = H(u);
    expect(net.params.every((p) => p.grad === null && p.gradTangent === null)).toBe(true);
    const second = H(u);
    expect(sameBits(first, second)).toBe(true);
    clearBufferPool();
  });
});

/** The two-pass rule the fused backward replaces: f′ stored in an array of the data's type, then ga += g·f′. */
function twoPass(g: FloatArray, d1: (i: number) => number, f32: boolean): FloatArray {
  const n = g.length;
  const d = f32 ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = d1(i);
  const ga = f32 ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) ga[i] += g[i] * d[i];
  return ga;
}

describe('fused activation backward', () => {
  const cases: [string, (t: Tensor) => Tensor, (x: number, y: number) => number][] = [
    ['tanh', op.tanh, (_x, y) => 1 - y * y],
    ['relu', op.relu, (x) => (x > 0 ? 1 : 0)],
    ['sigmoid', op.sigmoid, (_x, y) => y * (1 - y)],
  ];
  for (const [name, act, d1] of cases)
    for (const dtype of ['f64', 'f32'] as const)
      it(`${name} (${dtype}) matches the two-pass rule bit for bit, special values included`, () => {
        const rng = Rng.fromSeed(3, name, dtype);
        const n = 257;
        const xs = rng.fillNormal(new Float64Array(n), 3);
        xs[0] = 0;
        xs[1] = -0;
        xs[2] = 40;
        const gs = rng.child('g').fillNormal(new Float64Array(n));
        gs[3] = -0;
        gs[4] = Number.POSITIVE_INFINITY;
        gs[5] = Number.NaN;
        gs[6] = 1e-310;
        const a = param(xs, [n], dtype);
        const out = act(a);
        const seed = dtype === 'f32' ? Float32Array.from(gs) : Float64Array.from(gs);
        clearBufferPool();
        // a graph whose root is the activation: backward seeded with g gives a.grad = g ⊙ f′
        const loss = () => op.sum(op.mul(act(a), tensor(seed, [n], dtype)));
        const { grads } = valueAndGrad(loss, [a]);
        const expected = twoPass(seed, (i) => d1(a.data[i], out.data[i]), dtype === 'f32');
        expect(sameBits(grads[0], expected)).toBe(true);
      });
});

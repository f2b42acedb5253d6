/**
 * The buffer pool on the transformer's graph: ops whose forward writes every element take pooled arrays without
 * zero-filling them (`allocForWrite`), and the arrays a backward rule saves (GELU's f′, LayerNorm's x̂) go back to
 * the pool with the values. Both are performance-only: with every pooled array full of NaN, a step must give the
 * bits of fresh arrays (compared with Object.is, so -0 and NaN count), for the gradient and the Hessian-vector
 * product alike. A kernel that left an element unwritten would leak a NaN into the result.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hessianVectorProduct, topoOrder, valueAndGrad } from '../../src/core/autodiff.ts';
import { type Kernels, kernels, setKernels } from '../../src/core/kernels.ts';
import type { FloatArray } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';
import { clearBufferPool, type DType, pooledBufferBytes, recycleBuffers, tensor } from '../../src/core/tensor.ts';
import { transformer } from '../../src/nn/transformer.ts';
import { loadNativeKernels } from '../../src/run/nativeKernels.ts';

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function smallLm(dtype: DType) {
  const rng = Rng.fromSeed(3, 'transformer-pool', dtype);
  const net = transformer({ vocab: 11, context: 8, dModel: 16, heads: 2, layers: 2, dtype }, rng);
  const ids = new Float64Array(3 * 9);
  for (let i = 0; i < ids.length; i++) ids[i] = rng.child('tokens', i).int(11);
  const tokens = tensor(ids, [3, 9], 'f64');
  const params = net.params();
  const v = params.map((p, i) => {
    const d = Rng.fromSeed(4, 'direction', i).fillNormal(new Float64Array(p.size));
    return dtype === 'f32' ? Float32Array.from(d) : d;
  });
  return { loss: () => net.loss(tokens), params, v };
}

/** NaN arrays of every size the graph's values, adjoints and saved arrays have, several of each, in the pool. */
function poisonPool(loss: () => ReturnType<ReturnType<typeof smallLm>['loss']>, dtype: DType): void {
  const sizes = topoOrder(loss()).map((t) => t.size);
  clearBufferPool();
  const poison: FloatArray[] = [];
  for (const n of sizes) for (let k = 0; k < 6; k++) poison.push((dtype === 'f32' ? new Float32Array(n) : new Float64Array(n)).fill(Number.NaN));
  recycleBuffers(poison, Number.POSITIVE_INFINITY);
}

// the native backend's GELU and causal softmax write their outputs themselves: checked too where it is built
const native = loadNativeKernels({ threads: 1 }).kernels;
const backends: Kernels[] = [kernels(), ...(native ? [native] : [])];

describe('transformer step on a NaN-poisoned pool', () => {
  afterEach(() => setKernels(backends[0]));
  for (const dtype of ['f64', 'f32'] as const)
    for (const backend of backends)
    it(`gives the loss, gradient and H·v bits of fresh arrays (${dtype}, ${backend.name} kernels)`, () => {
      setKernels(backend);
      const lm = smallLm(dtype);
      clearBufferPool();
      const fresh = valueAndGrad(lm.loss, lm.params);
      clearBufferPool();
      const freshHvp = hessianVectorProduct(lm.loss, lm.params, lm.v);
      poisonPool(lm.loss, dtype);
      expect(pooledBufferBytes()).toBeGreaterThan(0);
      const reused = valueAndGrad(lm.loss, lm.params);
      poisonPool(lm.loss, dtype);
      const reusedHvp = hessianVectorProduct(lm.loss, lm.params, lm.v);
      expect(Number.isFinite(fresh.value)).toBe(true);
      expect(reused.value).toBe(fresh.value);
      expect(reusedHvp.value).toBe(freshHvp.value);
      for (let i = 0; i < lm.params.length; i++) {
        expect(sameBits(reused.grads[i], fresh.grads[i])).toBe(true);
        expect(sameBits(reusedHvp.grads[i], freshHvp.grads[i])).toBe(true);
        expect(sameBits(reusedHvp.hvp[i], freshHvp.hvp[i])).toBe(true);
      }
      clearBufferPool();
    });
});

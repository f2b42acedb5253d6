import { describe, expect, it } from 'vitest';
import { valueAndGrad } from '../../src/core/autodiff.ts';
import { kernels } from '../../src/core/kernels.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { param, tensor } from '../../src/core/tensor.ts';

/** One-hot pairs [e_a; e_b] (m × 2p), as grokking's inputs. */
function oneHotPairs(m: number, p: number, rng: Rng): Float64Array {
  const x = new Float64Array(m * 2 * p);
  for (let i = 0; i < m; i++) {
    x[i * 2 * p + rng.int(p)] = 1;
    x[i * 2 * p + p + rng.int(p)] = 1;
  }
  return x;
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** The dense products of the kernels, the reference: forward A·W and the weight gradient Aᵀ·G (accumulated on `acc`). */
function dense(transA: boolean, m: number, n: number, k: number, a: Float64Array, b: Float64Array, acc?: Float64Array): Float64Array {
  const c = acc ? acc.slice() : new Float64Array(m * n);
  kernels().gemm(transA, false, m, n, k, a, b, c, acc !== undefined);
  return c;
}

describe('matmul with a 0/1 left operand (the sparse path)', () => {
  const [m, p, h] = [96, 31, 40];
  const rng = Rng.fromSeed(1, 'sparse');
  const X = oneHotPairs(m, p, rng);
  const W = rng.fillNormal(new Float64Array(2 * p * h));
  const V = rng.fillNormal(new Float64Array(m * h));

  /** `fn` with the kernels' `sequentialSums` overridden (false: the dense products only) and their gemm calls counted. */
  function withKernels<T>(sequential: boolean, fn: () => T): { out: T; gemms: number } {
    const K = kernels();
    const saved = { flag: Object.getOwnPropertyDescriptor(K, 'sequentialSums'), gemm: Object.getOwnPropertyDescriptor(K, 'gemm') };
    const gemm = K.gemm.bind(K);
    let gemms = 0;
    Object.defineProperty(K, 'sequentialSums', { value: sequential, configurable: true });
    const counted = (...args: Parameters<typeof gemm>) => {
      gemms++;
      gemm(...args);
    };
    Object.defineProperty(K, 'gemm', { value: counted, configurable: true });
    try {
      return { out: fn(), gemms };
    } finally {
      for (const [key, d] of [['sequentialSums', saved.flag], ['gemm', saved.gemm]] as const) {
        if (d) Object.defineProperty(K, key, d);
        else delete (K as unknown as Record<string, unknown>)[key];
      }
    }
  }

  /** Value and weight gradient of a loss that uses W twice (the second product's gradient accumulates on the first's). */
  const run = () => {
    const w = param(W.slice(), [2 * p, h]);
    const x = tensor(X, [m, 2 * p]);
    const { grads, value } = valueAndGrad(() => {
      const y = op.matmul(x, w);
      return op.add(op.sum(op.mul(op.tanh(y), tensor(V, [m, h]))), op.sum(op.mul(op.matmul(x, w), y)));
    }, [w]);
    return { value, g: grads[0] as Float64Array };
  };

  it('forward and weight gradient (accumulated over two uses) equal the dense products bit for bit, without calling them', () => {
    const sparse = withKernels(true, run);
    const denseOnly = withKernels(false, run);
    expect(Object.is(sparse.out.value, denseOnly.out.value)).toBe(true);
    expect(sameBits(sparse.out.g, denseOnly.out.g)).toBe(true);
    // dense: 2 forward products, 2 weight gradients and the input gradient of neither (X is data); sparse: none of them
    expect(denseOnly.gemms).toBe(4);
    expect(sparse.gemms).toBe(0);
    expect(sameBits(op.matmul(tensor(X, [m, 2 * p]), tensor(W, [2 * p, h])).data as Float64Array, dense(false, m, h, 2 * p, X, W))).toBe(true);
  });

  it('falls back to the dense product where skipping zeros would change it: a non-finite entry of B, an entry not 0/1', () => {
    const Winf = W.slice();
    // a row of W that no example selects
    const used = new Set<number>();
    for (let i = 0; i < X.length; i++) if (X[i] === 1) used.add(i % (2 * p));
    const free = [...Array(2 * p).keys()].find((r) => !used.has(r));
    expect(free).toBeDefined();
    Winf[(free as number) * h] = Number.POSITIVE_INFINITY;
    const y = op.matmul(tensor(X, [m, 2 * p]), tensor(Winf, [2 * p, h]));
    // the dense sum meets 0·∞ = NaN in column 0 of every row
    expect(sameBits(y.data as Float64Array, dense(false, m, h, 2 * p, X, Winf))).toBe(true);
    expect(Number.isNaN(y.data[0])).toBe(true);
    const X2 = X.slice();
    X2[0] = 2;
    expect(sameBits(op.matmul(tensor(X2, [m, 2 * p]), tensor(W, [2 * p, h])).data as Float64Array, dense(false, m, h, 2 * p, X2, W))).toBe(true);
  });
});

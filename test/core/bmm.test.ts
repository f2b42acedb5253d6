/**
 * The batched ops of src/core/ops.ts (`bmm`, `addBatchedBias`, `mseBatched`) against their oracles: K separate `matmul` /
 * `add` / `mse` graphs (bit for bit: each slice makes the same kernel calls), central finite differences of the
 * loss (gradients), and the dense Hessian assembled from finite differences of the exact gradient (HVP).
 */
import { describe, expect, it } from 'vitest';
import { flatten, hessianVectorProduct, unflatten, valueAndGrad } from '../../src/core/autodiff.ts';
import { jsKernels, kernels, setKernels } from '../../src/core/kernels.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { type DType, type Tensor, noGrad, param, tensor } from '../../src/core/tensor.ts';

function rand(rng: Rng, shape: number[], dtype: DType = 'f64'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float64Array(n);
  rng.fillUniform(d, -1, 1);
  return param(d, shape, dtype);
}

/** Slice s of a [K, ...] tensor as a fresh leaf of shape rest. */
function sliceOf(t: Tensor, s: number): Tensor {
  const per = t.size / t.shape[0];
  return param(t.data.slice(s * per, (s + 1) * per), t.shape.slice(1), t.dtype);
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
}

// Shapes: a tiny one (below every backend's small-product cutoff: the TypeScript loop) and one large
// enough that the WebAssembly/native kernel takes it (m·n·k ≥ 2048), so both code paths are compared.
const CASES: [string, number, number, number, number][] = [
  ['tiny', 3, 2, 3, 4],
  ['kernel-sized', 4, 17, 13, 11],
];

describe('bmm forward', () => {
  for (const dtype of ['f64', 'f32'] as const) {
    for (const [name, K, m, k, n] of CASES) {
      it(`equals K separate matmuls bit for bit (${name}, ${dtype})`, () => {
        const rng = Rng.fromSeed(1, name, dtype);
        const a = rand(rng, [K, m, k], dtype);
        const b = rand(rng, [K, k, n], dtype);
        const c = op.bmm(a, b);
        expect(c.shape).toEqual([K, m, n]);
        expect(c.dtype).toBe(dtype);
        for (let s = 0; s < K; s++) {
          const ref = op.matmul(sliceOf(a, s), sliceOf(b, s));
          // exact: the slice is the same gemm call on the same values
          expect(Array.from(c.data.subarray(s * m * n, (s + 1) * m * n))).toEqual(Array.from(ref.data));
        }
      });
    }
  }

  it('rejects mismatched shapes, naming them', () => {
    const a = tensor(new Float64Array(12), [2, 2, 3]);
    expect(() => op.bmm(a, tensor(new Float64Array(9), [3, 3, 1]))).toThrow(/batch sizes differ/);
    expect(() => op.bmm(a, tensor(new Float64Array(16), [2, 2, 4]))).toThrow(/inner dimensions differ: \[2, 2, 3\] × \[2, 2, 4\]/);
    expect(() => op.bmm(tensor(new Float64Array(6), [2, 3]), a)).toThrow(/expected 3-D tensors/);
  });
});

/** A loss through two batched products and a curved activation, so tangents pass through a bmm input and its adjoint. */
const batchedLoss = (ps: Tensor[]): Tensor => op.sum(op.square(op.tanh(op.bmm(op.tanh(op.bmm(ps[0], ps[1])), ps[2]))));
/** The same loss as K separate graphs of 2-D matmuls; leaves[i][s] is slice s of parameter i. */
function separateLoss(leaves: Tensor[][], K: number): Tensor {
  let total: Tensor | null = null;
  for (let s = 0; s < K; s++) {
    const l = op.sum(op.square(op.tanh(op.matmul(op.tanh(op.matmul(leaves[0][s], leaves[1][s])), leaves[2][s]))));
    total = total === null ? l : op.add(total, l);
  }
  return total as Tensor;
}

describe('bmm gradients and Hessian-vector products', () => {
  const K = 3;
  const shapes = [
    [K, 4, 3],
    [K, 3, 5],
    [K, 5, 2],
  ];
  const rng = Rng.fromSeed(2, 'grad');
  const ps = shapes.map((s) => rand(rng, s));

  it('gradients and HVPs equal those of K separate matmul graphs bit for bit', () => {
    const leaves = ps.map((p) => Array.from({ length: K }, (_, s) => sliceOf(p, s)));
    const v = ps.map((p) => Rng.fromSeed(3).child(p.shape.join('x')).fillNormal(new Float64Array(p.size)));
    const hb = hessianVectorProduct(() => batchedLoss(ps), ps, v);
    // the separate graph's parameters: slice s of each stacked leaf, with slice s of v
    const order = ps.flatMap((_, i) => Array.from({ length: K }, (_, s) => [i, s] as const));
    const vSep = order.map(([i, s]) => {
      const per = ps[i].size / K;
      return v[i].slice(s * per, (s + 1) * per);
    });
    const leafOrder = order.map(([i, s]) => leaves[i][s]);
    const hs = hessianVectorProduct(() => separateLoss(leaves, K), leafOrder, vSep);
    order.forEach(([i, s], j) => {
      const per = ps[i].size / K;
      // exact: per slice, the same gemm calls on the same values in the same order
      expect(Array.from(hb.grads[i].subarray(s * per, (s + 1) * per))).toEqual(Array.from(hs.grads[j]));
      expect(Array.from(hb.hvp[i].subarray(s * per, (s + 1) * per))).toEqual(Array.from(hs.hvp[j]));
    });
    // the loss is a sum of K terms; the two graphs add them in different orders (float rounding only)
    expect(Math.abs(hb.value - hs.value)).toBeLessThan(1e-13 * Math.abs(hs.value));
  });

  it('gradient matches central finite differences', () => {
    // h = 1e-5: truncation ~h²|f'''| ~ 1e-10 and rounding ~ε|f|/h ~ 1e-10 relative; 1e-6 leaves 4 orders of margin
    const h = 1e-5;
    const { grads } = valueAndGrad(() => batchedLoss(ps), ps);
    const flat = flatten(ps.map((p) => p.data));
    const at = (x: Float64Array) => noGrad(() => batchedLoss(unflatten(x, ps).map((b, i) => tensor(b, ps[i].shape))).item());
    const fd = new Float64Array(flat.length);
    for (let i = 0; i < flat.length; i++) {
      const x = flat.slice();
      x[i] += h;
      const fp = at(x);
      x[i] -= 2 * h;
      fd[i] = (fp - at(x)) / (2 * h);
    }
    expect(relErr(flatten(grads), fd)).toBeLessThan(1e-6);
  });

  it('HVP matches the dense Hessian (finite differences of the exact gradient) on a tiny case', () => {
    const tiny = [
      [2, 2, 3],
      [2, 3, 2],
      [2, 2, 1],
    ].map((s) => rand(Rng.fromSeed(4, s.join('x')), s));
    const P = tiny.reduce((a, p) => a + p.size, 0);
    const gradAt = (x: Float64Array): Float64Array => {
      const leaves = unflatten(x, tiny).map((b, i) => param(b, tiny[i].shape));
      return flatten(valueAndGrad(() => batchedLoss(leaves), leaves).grads);
    };
    const flat = flatten(tiny.map((p) => p.data));
    // H[:, j] = (∇L(θ + h eⱼ) − ∇L(θ − h eⱼ)) / 2h: truncation ~h²|L''''| ~ 1e-10, rounding ~ε/h ~ 1e-11
    const h = 1e-5;
    const H = new Float64Array(P * P);
    for (let j = 0; j < P; j++) {
      const xp = flat.slice();
      xp[j] += h;
      const xm = flat.slice();
      xm[j] -= h;
      const gp = gradAt(xp);
      const gm = gradAt(xm);
      for (let i = 0; i < P; i++) H[i * P + j] = (gp[i] - gm[i]) / (2 * h);
    }
    // symmetry of the finite-difference Hessian: a check of the oracle itself
    let asym = 0;
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) asym = Math.max(asym, Math.abs(H[i * P + j] - H[j * P + i]));
    expect(asym).toBeLessThan(1e-7);
    for (let trial = 0; trial < 3; trial++) {
      const v = Rng.fromSeed(5, trial).fillNormal(new Float64Array(P));
      const hv = flatten(hessianVectorProduct(() => batchedLoss(tiny), tiny, unflatten(v, tiny)).hvp);
      const dense = new Float64Array(P);
      for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) dense[i] += H[i * P + j] * v[j];
      // finite-difference error ~1e-10 per entry; 1e-6 relative leaves margin
      expect(relErr(hv, dense)).toBeLessThan(1e-6);
    }
  });

  it('is bit-identical to separate matmuls under the TypeScript kernels too', () => {
    const prev = setKernels(jsKernels);
    try {
      const rng2 = Rng.fromSeed(6);
      const a = rand(rng2, [2, 9, 7]);
      const b = rand(rng2, [2, 7, 5]);
      const c = op.bmm(a, b);
      for (let s = 0; s < 2; s++) expect(Array.from(c.data.subarray(s * 45, (s + 1) * 45))).toEqual(Array.from(op.matmul(sliceOf(a, s), sliceOf(b, s)).data));
      expect(kernels().name).toBe('js');
    } finally {
      setKernels(prev);
    }
  });
});

describe('mseBatched', () => {
  for (const dtype of ['f64', 'f32'] as const) {
    it(`slice s has the value, gradient and HVP of its own mse (${dtype})`, () => {
      const K = 3;
      const rng = Rng.fromSeed(7, dtype);
      const pred0 = rand(rng, [K, 5, 2], dtype);
      const target = rand(rng, [K, 5, 2], dtype);
      target.requiresGrad = false;
      const w = rand(rng, [K, 5, 2], dtype);
      // pred = w ⊙ pred0 so the HVP has a nonzero cross term through the product
      const v = [pred0, w].map((p, i) => Rng.fromSeed(8, i).fillNormal(new Float64Array(p.size)));
      const perNet: Tensor[] = [];
      const hb = hessianVectorProduct(
        () => {
          const l = op.scale(op.mseBatched(op.mul(w, pred0), target), 0.5);
          perNet.push(l);
          return op.sum(l);
        },
        [pred0, w],
        v,
      );
      const per = 10;
      for (let s = 0; s < K; s++) {
        const p = sliceOf(pred0, s);
        const ws = sliceOf(w, s);
        const t = sliceOf(target, s);
        t.requiresGrad = false;
        const vs = v.map((x) => x.slice(s * per, (s + 1) * per));
        const one: Tensor[] = [];
        const hs = hessianVectorProduct(
          () => {
            const l = op.scale(op.mse(op.mul(ws, p), t), 0.5);
            one.push(l);
            return l;
          },
          [p, ws],
          vs,
        );
        // exact: the same arithmetic on the same values, in the same order
        expect(perNet[0].data[s]).toBe(one[0].data[0]);
        for (let i = 0; i < 2; i++) {
          expect(Array.from(hb.grads[i].subarray(s * per, (s + 1) * per))).toEqual(Array.from(hs.grads[i]));
          expect(Array.from(hb.hvp[i].subarray(s * per, (s + 1) * per))).toEqual(Array.from(hs.hvp[i]));
        }
      }
    });
  }

  it('rejects mismatched shapes, naming them', () => {
    expect(() => op.mseBatched(tensor(new Float64Array(6), [2, 3]), tensor(new Float64Array(6), [3, 2]))).toThrow(/prediction shape \[2, 3\] differs from target shape \[3, 2\]/);
  });
});

describe('addBatchedBias', () => {
  for (const dtype of ['f64', 'f32'] as const) {
    it(`slice s equals add(zₛ, bₛ) with a [n] bias: value, gradient and HVP, bit for bit (${dtype})`, () => {
      const K = 3;
      const m = 4;
      const n = 5;
      const rng = Rng.fromSeed(9, dtype);
      const z = rand(rng, [K, m, n], dtype);
      const b = rand(rng, [K, 1, n], dtype);
      const v = [z, b].map((p, i) => Rng.fromSeed(10, i).fillNormal(new Float64Array(p.size)));
      // a curved loss so the adjoint tangents are nonzero; values are copied inside the closure (the pass recycles
      // its intermediates' arrays once it returns)
      const outs: Float64Array[] = [];
      const hb = hessianVectorProduct(
        () => {
          const y = op.addBatchedBias(z, b);
          outs.push(Float64Array.from(y.data));
          return op.sum(op.square(op.tanh(y)));
        },
        [z, b],
        v,
      );
      // the general broadcasting add gives the same values
      expect(Array.from(outs[0])).toEqual(Array.from(op.add(z, b).data));
      for (let s = 0; s < K; s++) {
        const zs = sliceOf(z, s);
        const bs = param(b.data.slice(s * n, (s + 1) * n), [n], dtype);
        const vs = [v[0].slice(s * m * n, (s + 1) * m * n), v[1].slice(s * n, (s + 1) * n)];
        const one: Float64Array[] = [];
        const hs = hessianVectorProduct(
          () => {
            const y = op.add(zs, bs);
            one.push(Float64Array.from(y.data));
            return op.sum(op.square(op.tanh(y)));
          },
          [zs, bs],
          vs,
        );
        // exact: the same sums in the same order
        expect(Array.from(outs[0].subarray(s * m * n, (s + 1) * m * n))).toEqual(Array.from(one[0]));
        expect(Array.from(hb.grads[0].subarray(s * m * n, (s + 1) * m * n))).toEqual(Array.from(hs.grads[0]));
        expect(Array.from(hb.grads[1].subarray(s * n, (s + 1) * n))).toEqual(Array.from(hs.grads[1]));
        expect(Array.from(hb.hvp[0].subarray(s * m * n, (s + 1) * m * n))).toEqual(Array.from(hs.hvp[0]));
        expect(Array.from(hb.hvp[1].subarray(s * n, (s + 1) * n))).toEqual(Array.from(hs.hvp[1]));
      }
    });
  }

  it('rejects a bias that is not [K,1,n], naming the shapes', () => {
    expect(() => op.addBatchedBias(tensor(new Float64Array(12), [2, 2, 3]), tensor(new Float64Array(6), [2, 3]))).toThrow(/shapes \[2, 2, 3\] and \[2, 3\], expected \[K,m,n\] and \[K,1,n\]/);
  });
});

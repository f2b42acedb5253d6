import { describe, expect, it } from 'vitest';
import {
  empiricalNtkMatrix,
  flatten,
  hessianVectorProduct,
  jacobianRows,
  perExampleGradients,
  unflatten,
  valueAndGrad,
} from '../../src/core/autodiff.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { type Tensor, noGrad, param, tensor } from '../../src/core/tensor.ts';

/*
 * Oracle: central finite differences in float64. For a smooth f with |f'''| ~ 1 the truncation error
 * of (f(x+h) − f(x−h))/2h is ~h²/6 and the rounding error ~ε|f|/h (ε = 2.2e-16); h = 1e-5 balances
 * them at ~1e-10 relative, four orders below the 1e-6 acceptance bound the spine issue asks for.
 */
const H = 1e-5;
const REL = 1e-6;

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
}

type Builder = (ps: Tensor[]) => Tensor;

function fdGrad(build: Builder, ps: Tensor[]): Float64Array {
  const flat = flatten(ps.map((p) => p.data));
  const out = new Float64Array(flat.length);
  const evalAt = (v: Float64Array): number => {
    const blocks = unflatten(v, ps);
    return noGrad(() => build(blocks.map((b, i) => tensor(b, ps[i].shape))).item());
  };
  for (let i = 0; i < flat.length; i++) {
    const x = flat.slice();
    x[i] += H;
    const fp = evalAt(x);
    x[i] -= 2 * H;
    const fm = evalAt(x);
    out[i] = (fp - fm) / (2 * H);
  }
  return out;
}

function fdHvp(build: Builder, ps: Tensor[], v: Float64Array): Float64Array {
  const flat = flatten(ps.map((p) => p.data));
  const gradAt = (x: Float64Array): Float64Array => {
    const leaves = unflatten(x, ps).map((b, i) => param(b, ps[i].shape));
    return flatten(valueAndGrad(() => build(leaves), leaves).grads);
  };
  const xp = flat.map((x, i) => x + H * v[i]);
  const xm = flat.map((x, i) => x - H * v[i]);
  const gp = gradAt(xp);
  const gm = gradAt(xm);
  return gp.map((g, i) => (g - gm[i]) / (2 * H));
}

function rand(rng: Rng, shape: number[], lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float64Array(n);
  rng.fillUniform(d, lo, hi);
  return param(d, shape);
}

function checkOp(name: string, build: Builder, shapes: number[][], opts: { lo?: number; hi?: number } = {}) {
  it(`${name}: gradient and HVP match finite differences, HVP is symmetric`, () => {
    const rng = Rng.fromSeed(7, name);
    const ps = shapes.map((s) => rand(rng, s, opts.lo, opts.hi));
    const { grads } = valueAndGrad(() => build(ps), ps);
    const gAd = flatten(grads);
    const gFd = fdGrad(build, ps);
    expect(relErr(gAd, gFd)).toBeLessThan(REL);

    const n = gAd.length;
    const v = new Float64Array(n);
    const u = new Float64Array(n);
    rng.fillNormal(v);
    rng.fillNormal(u);
    const hv = flatten(hessianVectorProduct(() => build(ps), ps, unflatten(v, ps)).hvp);
    const hvFd = fdHvp(build, ps, v);
    expect(relErr(hv, hvFd)).toBeLessThan(REL);
    // Symmetry uᵀHv = vᵀHu: exact in exact arithmetic; float error ~ n·ε·‖H‖‖u‖‖v‖, bound 1e-9 relative.
    const hu = flatten(hessianVectorProduct(() => build(ps), ps, unflatten(u, ps)).hvp);
    let uhv = 0;
    let vhu = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      uhv += u[i] * hv[i];
      vhu += v[i] * hu[i];
      scale += Math.abs(u[i] * hv[i]);
    }
    expect(Math.abs(uhv - vhu)).toBeLessThanOrEqual(1e-9 * Math.max(scale, 1e-12));
  });
}

// A random linear functional plus a quadratic term makes every op's output reach the loss with
// nonzero first and second derivatives.
function readout(y: Tensor, seed: string): Tensor {
  const rng = Rng.fromSeed(99, seed);
  const r = tensor(rng.fillNormal(new Float64Array(y.size)), y.shape);
  return op.add(op.sum(op.mul(y, r)), op.scale(op.sum(op.square(y)), 0.3));
}

describe('autodiff oracle: every op', () => {
  checkOp('add (broadcast row)', ([a, b]) => readout(op.tanh(op.add(a, b)), 'add'), [[3, 4], [4]]);
  checkOp('add (broadcast column)', ([a, b]) => readout(op.tanh(op.add(a, b)), 'addc'), [[3, 4], [3, 1]]);
  checkOp('sub', ([a, b]) => readout(op.tanh(op.sub(a, b)), 'sub'), [[2, 3], [2, 3]]);
  checkOp('mul (broadcast)', ([a, b]) => readout(op.mul(a, b), 'mul'), [[3, 4], [1, 4]]);
  checkOp('div', ([a, b]) => readout(op.div(a, b), 'div'), [[2, 3], [2, 3]], { lo: 0.5, hi: 2 });
  checkOp('scale/addScalar/neg', ([a]) => readout(op.neg(op.addScalar(op.scale(a, 1.7), 0.3)), 'lin'), [[5]]);
  checkOp('matmul', ([a, b]) => readout(op.matmul(a, b), 'mm'), [[3, 4], [4, 5]]);
  checkOp('matmul chain (shared operand)', ([a, b]) => readout(op.matmul(op.matmul(a, b), op.transpose(a)), 'mmc'), [[3, 4], [4, 4]]);
  checkOp('transpose', ([a]) => readout(op.transpose(a), 'tr'), [[2, 5]]);
  checkOp('reshape', ([a]) => readout(op.reshape(a, [3, -1]), 'rs'), [[2, 6]]);
  checkOp('tanh', ([a]) => readout(op.tanh(a), 'tanh'), [[6]], { lo: -2, hi: 2 });
  checkOp('relu', ([a]) => readout(op.relu(a), 'relu'), [[6]]);
  checkOp('gelu', ([a]) => readout(op.gelu(a), 'gelu'), [[6]], { lo: -3, hi: 3 });
  checkOp('erf', ([a]) => readout(op.erf(a), 'erf'), [[6]], { lo: -2.5, hi: 2.5 });
  checkOp('sigmoid', ([a]) => readout(op.sigmoid(a), 'sig'), [[6]], { lo: -3, hi: 3 });
  checkOp('softplus', ([a]) => readout(op.softplus(a), 'sp'), [[6]], { lo: -3, hi: 3 });
  checkOp('exp', ([a]) => readout(op.exp(a), 'exp'), [[6]]);
  checkOp('log', ([a]) => readout(op.log(a), 'log'), [[6]], { lo: 0.5, hi: 3 });
  checkOp('square (quadratic)', ([a]) => readout(op.quadratic(a), 'sq'), [[6]]);
  checkOp('sqrt', ([a]) => readout(op.sqrt(a), 'sqrt'), [[6]], { lo: 0.5, hi: 3 });
  checkOp('pow', ([a]) => readout(op.pow(a, 1.5), 'pow'), [[6]], { lo: 0.5, hi: 3 });
  checkOp('sin/cos', ([a]) => readout(op.add(op.sin(a), op.cos(a)), 'trig'), [[6]], { lo: -3, hi: 3 });
  checkOp('sum/mean', ([a]) => readout(op.add(op.sum(op.tanh(a)), op.mean(op.square(a))), 'sum'), [[3, 2]]);
  checkOp('sumAxis/meanAxis', ([a]) => readout(op.add(op.sumAxis(op.tanh(a), 0), op.meanAxis(op.square(a), 0)), 'sa'), [[3, 4]]);
  checkOp('sumAxis keepdims', ([a]) => readout(op.sub(a, op.meanAxis(a, -1, true)), 'sak'), [[3, 4]]);
  checkOp('sumAxis middle axis of a 3-D tensor', ([a]) => readout(op.sumAxis(op.tanh(a), 1), 'sam'), [[2, 3, 4]], { lo: -2, hi: 2 });
  checkOp('mse', ([a]) => op.mse(op.tanh(a), tensor([0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [2, 3])), [[2, 3]]);
  checkOp('softmax cross-entropy (labels)', ([a]) => op.softmaxCrossEntropy(a, Int32Array.of(2, 0, 1)), [[3, 4]], { lo: -2, hi: 2 });
  checkOp('softmax cross-entropy (soft targets)', ([a]) => op.softmaxCrossEntropy(a, tensor([0.2, 0.3, 0.5, 0.6, 0.1, 0.3], [2, 3])), [[2, 3]], { lo: -2, hi: 2 });
  checkOp('layer norm', ([x, g, b]) => readout(op.layerNorm(x, g, b), 'ln'), [[3, 5], [5], [5]]);
  checkOp('softmax CE through a 2-layer net', ([w1, w2]) => {
    const x = tensor(Rng.fromSeed(3).fillNormal(new Float64Array(12)), [4, 3]);
    return op.softmaxCrossEntropy(op.matmul(op.tanh(op.matmul(x, w1)), w2), Int32Array.of(0, 1, 2, 1));
  }, [[3, 5], [5, 3]]);
});

/** A 3-layer tanh MLP with biases: the benchmark model of the spine issue, at a small size. */
function mlp(x: Tensor, ps: Tensor[]): Tensor {
  let h = x;
  for (let l = 0; l < ps.length; l += 2) {
    h = op.add(op.matmul(h, ps[l]), ps[l + 1]);
    if (l + 2 < ps.length) h = op.tanh(h);
  }
  return h;
}

function mlpParams(rng: Rng, sizes: number[]): Tensor[] {
  const ps: Tensor[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    ps.push(param(rng.fillNormal(new Float64Array(sizes[l] * sizes[l + 1]), 1 / Math.sqrt(sizes[l])), [sizes[l], sizes[l + 1]]));
    ps.push(param(rng.fillNormal(new Float64Array(sizes[l + 1]), 0.1), [sizes[l + 1]]));
  }
  return ps;
}

describe('sumAxis values', () => {
  it('equal a naive sum along each axis of a 3-D tensor, bit for bit, with and without keepdims', () => {
    const shape = [3, 4, 5];
    const data = Rng.fromSeed(9, 'sum-axis').fillNormal(new Float64Array(60));
    for (let ax = 0; ax < 3; ax++) {
      const got = op.sumAxis(tensor(data, shape), ax);
      const kept = op.sumAxis(tensor(data, shape), ax, true);
      const outShape = shape.filter((_, i) => i !== ax);
      expect(got.shape).toEqual(outShape);
      expect(kept.shape).toEqual(shape.map((d, i) => (i === ax ? 1 : d)));
      // the naive sum, starting at 0 and adding along the axis in increasing order
      const want = new Float64Array(got.size);
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 4; j++)
          for (let k = 0; k < 5; k++) {
            const idx = [i, j, k];
            const rest = idx.filter((_, d) => d !== ax);
            want[rest[0] * outShape[1] + rest[1]] += data[(i * 4 + j) * 5 + k];
          }
      expect(Array.from(got.data)).toEqual(Array.from(want));
      expect(Array.from(kept.data)).toEqual(Array.from(want));
    }
  });
});

describe('autodiff oracle: whole models', () => {
  const rng = Rng.fromSeed(11);
  const x = tensor(rng.fillNormal(new Float64Array(5 * 4)), [5, 4]);
  const y = tensor(rng.fillNormal(new Float64Array(5 * 2)), [5, 2]);
  const ps = mlpParams(rng, [4, 6, 6, 2]);
  const loss = (q: Tensor[]) => op.mse(mlp(x, q), y);
  checkOp('MLP + MSE (all parameters)', loss, ps.map((p) => [...p.shape]));

  it('HVP of the MLP equals the dense Hessian (from HVPs of basis vectors) times v', () => {
    const n = ps.reduce((a, p) => a + p.size, 0);
    const Hcols: Float64Array[] = [];
    for (let j = 0; j < n; j++) {
      const e = new Float64Array(n);
      e[j] = 1;
      Hcols.push(flatten(hessianVectorProduct(() => loss(ps), ps, unflatten(e, ps)).hvp));
    }
    // the dense Hessian is symmetric to float error (~1e-12 relative to its largest entry)
    let maxAbs = 0;
    let maxAsym = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        maxAbs = Math.max(maxAbs, Math.abs(Hcols[j][i]));
        maxAsym = Math.max(maxAsym, Math.abs(Hcols[j][i] - Hcols[i][j]));
      }
    expect(maxAsym).toBeLessThan(1e-12 * Math.max(maxAbs, 1));
    const v = rng.fillNormal(new Float64Array(n));
    const Hv = new Float64Array(n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) Hv[i] += Hcols[j][i] * v[j];
    const hv = flatten(hessianVectorProduct(() => loss(ps), ps, unflatten(v, ps)).hvp);
    expect(relErr(hv, Hv)).toBeLessThan(1e-12); // linearity of the exact HVP: only rounding differs
  });

  it('per-example gradients by layer taps equal Jacobian rows', () => {
    const f = () => op.reshape(mlp(x, ps.slice(0, 4).concat(ps.slice(4))), [5, 2]);
    const taps = perExampleGradients(f, ps, 5, 1);
    const rows = jacobianRows(f, ps);
    for (let i = 0; i < 5; i++) expect(relErr(taps[i], rows[i * 2 + 1])).toBeLessThan(1e-13); // same sums in another order
  });

  it('empirical NTK from taps equals J Jᵀ and is symmetric PSD', () => {
    const ps1 = mlpParams(Rng.fromSeed(5), [4, 8, 8, 1]);
    const f = () => mlp(x, ps1);
    const K = empiricalNtkMatrix(f, ps1, 5);
    const rows = jacobianRows(f, ps1);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) {
        let s = 0;
        for (let p = 0; p < rows[i].length; p++) s += rows[i][p] * rows[j][p];
        expect(Math.abs(K[i * 5 + j] - s)).toBeLessThan(1e-12 * Math.max(1, Math.abs(s)));
      }
    for (let i = 0; i < 5; i++) expect(K[i * 5 + i]).toBeGreaterThan(0);
  });

  it('a parameter used as a left operand falls back to Jacobian rows (still exact)', () => {
    const rng2 = Rng.fromSeed(8);
    const w1 = param(rng2.fillNormal(new Float64Array(9)), [3, 3]);
    const w2 = param(rng2.fillNormal(new Float64Array(3)), [3, 1]);
    const xt = tensor(rng2.fillNormal(new Float64Array(3 * 4)), [3, 4]);
    // f = (W1 Xᵀ)ᵀ W2 : W1 enters as a left operand
    const f = () => op.matmul(op.transpose(op.matmul(w1, xt)), w2);
    const g = perExampleGradients(f, [w1, w2], 4);
    const rows = jacobianRows(f, [w1, w2]);
    for (let i = 0; i < 4; i++) expect(relErr(g[i], rows[i])).toBeLessThan(1e-14);
  });

  it('a bias add whose pre-bias input feeds another op too gives exact per-example gradients (the shared adjoint)', () => {
    const rng2 = Rng.fromSeed(9);
    const w = param(rng2.fillNormal(new Float64Array(4 * 3)), [4, 3]);
    const b = param(rng2.fillNormal(new Float64Array(3)), [3]);
    const u = param(rng2.fillNormal(new Float64Array(3)), [3, 1]);
    const xb = tensor(rng2.fillNormal(new Float64Array(5 * 4)), [5, 4]);
    // z = X W feeds the bias add and a skip branch: the add's adjoint, shared with z, then grows by the skip's
    const f = () => {
      const z = op.matmul(xb, w);
      // (the skip listed first, so the reverse pass reaches the bias add before the skip's tanh)
      return op.matmul(op.add(op.tanh(z), op.tanh(op.add(z, b))), u);
    };
    const g = perExampleGradients(f, [w, b, u], 5);
    const rows = jacobianRows(f, [w, b, u]);
    for (let i = 0; i < 5; i++) expect(relErr(g[i], rows[i])).toBeLessThan(1e-14);
  });
});

describe('float32', () => {
  it('computes the same gradient as float64 to float32 precision', () => {
    const rng = Rng.fromSeed(4);
    const a64 = rng.fillNormal(new Float64Array(12));
    const b64 = rng.fillNormal(new Float64Array(8));
    const run = (dtype: 'f32' | 'f64') => {
      const a = param(a64, [3, 4], dtype);
      const b = param(b64, [4, 2], dtype);
      const r = valueAndGrad(() => op.mean(op.tanh(op.matmul(a, b))), [a, b]);
      expect(r.grads[0] instanceof (dtype === 'f32' ? Float32Array : Float64Array)).toBe(true);
      return flatten(r.grads);
    };
    // float32 keeps ~7 significant digits; after a handful of rounded ops 1e-5 relative is ample
    expect(relErr(run('f32'), run('f64'))).toBeLessThan(1e-5);
  });
});

describe('errors', () => {
  it('names shapes on a matmul mismatch', () => {
    expect(() => op.matmul(tensor(new Float64Array(6), [2, 3]), tensor(new Float64Array(8), [4, 2]))).toThrow(/inner dimensions differ: \[2, 3\] × \[4, 2\]/);
  });
  it('names incompatible broadcast shapes', () => {
    expect(() => op.add(tensor(new Float64Array(6), [2, 3]), tensor(new Float64Array(2), [2]))).toThrow(/\[2, 3\] and \[2\]/);
  });
  it('rejects an out-of-range label', () => {
    expect(() => op.softmaxCrossEntropy(tensor(new Float64Array(6), [2, 3]), Int32Array.of(0, 3))).toThrow(/label 3 at index 1/);
  });
});

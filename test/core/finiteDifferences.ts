/**
 * The finite-difference oracle of test/core/autodiff.test.ts, shared by the attention and transformer
 * tests: central differences of a float64 loss (gradient) and of its exact gradient (Hessian-vector
 * product). With h = 1e-5, truncation ~h²/6 and rounding ~ε|f|/h meet near 1e-10 relative, four orders
 * below the 1e-6 acceptance bound.
 */
import { flatten, unflatten, valueAndGrad } from '../../src/core/autodiff.ts';
import { noGrad, param, type Tensor, tensor } from '../../src/core/tensor.ts';

export const FD_STEP = 1e-5;
export const FD_REL = 1e-6;

/** ‖a − b‖ / ‖b‖ (b the reference). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
}

/** A scalar loss built from the given parameter leaves (constants or trainable). */
export type Builder = (ps: Tensor[]) => Tensor;

/** ∂L/∂θ by central differences, flat in parameter order. */
export function fdGrad(build: Builder, ps: Tensor[]): Float64Array {
  const flat = flatten(ps.map((p) => p.data));
  const out = new Float64Array(flat.length);
  const evalAt = (v: Float64Array): number => {
    const blocks = unflatten(v, ps);
    return noGrad(() => build(blocks.map((b, i) => tensor(b, ps[i].shape))).item());
  };
  for (let i = 0; i < flat.length; i++) {
    const x = flat.slice();
    x[i] += FD_STEP;
    const fp = evalAt(x);
    x[i] -= 2 * FD_STEP;
    out[i] = (fp - evalAt(x)) / (2 * FD_STEP);
  }
  return out;
}

/** H·v by central differences of the exact gradient along v. */
export function fdHvp(build: Builder, ps: Tensor[], v: Float64Array): Float64Array {
  const flat = flatten(ps.map((p) => p.data));
  const gradAt = (x: Float64Array): Float64Array => {
    const leaves = unflatten(x, ps).map((b, i) => param(b, ps[i].shape));
    return flatten(valueAndGrad(() => build(leaves), leaves).grads);
  };
  const gp = gradAt(flat.map((x, i) => x + FD_STEP * v[i]));
  const gm = gradAt(flat.map((x, i) => x - FD_STEP * v[i]));
  return gp.map((g, i) => (g - gm[i]) / (2 * FD_STEP));
}

/**
 * ∂loss/∂arr[i] for i < count by central differences with step h, perturbing `arr` in place (each entry is restored):
 * the oracle for hand-written gradients over plain arrays (the quanta networks, the CNN, the sweep trainer).
 */
export function fdOfArray(arr: { [i: number]: number; length: number }, loss: () => number, h: number, count = arr.length): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const v = arr[i];
    arr[i] = v + h;
    const up = loss();
    arr[i] = v - h;
    const down = loss();
    arr[i] = v;
    out[i] = (up - down) / (2 * h);
  }
  return out;
}

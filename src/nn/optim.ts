/**
 * Optimizers as pure init/update transforms (optax style): `init(params)` returns a state, and
 * `update(grads, state, params)` returns the updates to add and the next state. Nothing is mutated
 * except by `applyUpdates`. Per-parameter learning-rate multipliers come from the parameterization.
 */
import type { FloatArray } from '../core/mat.ts';

export type Arrays = FloatArray[];

export interface Optimizer<S> {
  name: string;
  init(params: Arrays): S;
  update(grads: Arrays, state: S, params: Arrays): { updates: Arrays; state: S };
}

const zerosLike = (xs: Arrays): Float64Array[] => xs.map((x) => new Float64Array(x.length));
const scaleOf = (scales: number[] | undefined, i: number): number => (scales ? scales[i] : 1);

/** Plain (S)GD: Δθ = −η·sᵢ·g. */
export function sgd(lr: number, lrScales?: number[]): Optimizer<null> {
  return {
    name: 'sgd',
    init: () => null,
    update: (grads) => ({
      updates: grads.map((g, i) => {
        const c = -lr * scaleOf(lrScales, i);
        const u = new Float64Array(g.length);
        for (let j = 0; j < g.length; j++) u[j] = c * g[j];
        return u;
      }),
      state: null,
    }),
  };
}

/** Heavy-ball momentum: v ← βv + g, Δθ = −η·sᵢ·v. */
export function momentum(lr: number, beta = 0.9, lrScales?: number[]): Optimizer<{ v: Float64Array[] }> {
  return {
    name: 'momentum',
    init: (params) => ({ v: zerosLike(params) }),
    update: (grads, state) => {
      const v = state.v.map((vi, i) => {
        const g = grads[i];
        const o = new Float64Array(vi.length);
        for (let j = 0; j < vi.length; j++) o[j] = beta * vi[j] + g[j];
        return o;
      });
      return { updates: v.map((vi, i) => vi.map((x) => -lr * scaleOf(lrScales, i) * x)), state: { v } };
    },
  };
}

export interface AdamState {
  t: number;
  m: Float64Array[];
  v: Float64Array[];
}

/**
 * Adam (Kingma & Ba 2015) with bias correction; with `weightDecay` > 0 and `decoupled`, AdamW
 * (Loshchilov & Hutter 2019): Δθ = −η sᵢ (m̂/(√v̂ + ε) + λθ).
 */
export function adam(lr: number, opts: { beta1?: number; beta2?: number; eps?: number; weightDecay?: number; lrScales?: number[] } = {}): Optimizer<AdamState> {
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  const wd = opts.weightDecay ?? 0;
  return {
    name: wd > 0 ? 'adamw' : 'adam',
    init: (params) => ({ t: 0, m: zerosLike(params), v: zerosLike(params) }),
    update: (grads, state, params) => {
      const t = state.t + 1;
      const c1 = 1 - b1 ** t;
      const c2 = 1 - b2 ** t;
      const m: Float64Array[] = [];
      const v: Float64Array[] = [];
      const updates: Float64Array[] = [];
      for (let i = 0; i < grads.length; i++) {
        const g = grads[i];
        const mi = new Float64Array(g.length);
        const vi = new Float64Array(g.length);
        const u = new Float64Array(g.length);
        const s = lr * scaleOf(opts.lrScales, i);
        const p = params[i];
        for (let j = 0; j < g.length; j++) {
          mi[j] = b1 * state.m[i][j] + (1 - b1) * g[j];
          vi[j] = b2 * state.v[i][j] + (1 - b2) * g[j] * g[j];
          u[j] = -s * (mi[j] / c1 / (Math.sqrt(vi[j] / c2) + eps) + wd * p[j]);
        }
        m.push(mi);
        v.push(vi);
        updates.push(u);
      }
      return { updates, state: { t, m, v } };
    },
  };
}

export function adamw(lr: number, weightDecay: number, opts: { beta1?: number; beta2?: number; eps?: number; lrScales?: number[] } = {}): Optimizer<AdamState> {
  return adam(lr, { ...opts, weightDecay });
}

/** θ ← θ + Δθ, in place on the parameter arrays. */
export function applyUpdates(params: Arrays, updates: Arrays): void {
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    const u = updates[i];
    for (let j = 0; j < p.length; j++) p[j] += u[j];
  }
}

/**
 * Optimizers as chains of gradient transforms (optax's model, Babuschkin et al. 2020):
 *
 *   chain(scaleByAdam({ beta1, beta2, eps }), addDecayedWeights(λ), scaleByParameterization(sᵢ), scaleByLearningRate(η))
 *
 * is AdamW with μP's per-layer multipliers. A transform has `init(params) → state` and
 * `update(updates, state, params) → state`, where `updates` enter as the gradients (in float64) and are
 * rewritten in place: a step allocates nothing but its first buffers. `applyUpdates` adds them to the
 * parameters. Pure scalings (the parameterization's multipliers, the learning rate) declare a `factor`,
 * and `chain` multiplies each run of them into one factor per array, so that SGD's update is
 * u = (sᵢ·(−η))·g, the same floating-point numbers as the hand-written loops this module replaced.
 *
 * Parameters may be K-stacked (K same-shape networks trained together, ./batchedMlp.ts): a transform with
 * `slices` = K treats array i as K equal slices (per-network learning rates ηₖ, per-slice Adam moments),
 * and `select` keeps a subset of the slices (networks dropped after diverging).
 */
import { z } from 'zod';
import type { FloatArray } from '../core/mat.ts';
import { type AdamHyper, adamStepWasm } from '../core/adamWasm.ts';
import { scaledAddLoop } from '../core/elementwise.ts';
import { kernels } from '../core/kernels.ts';

export type Arrays = FloatArray[];

export interface GradientTransform<S = unknown> {
  readonly name: string;
  init(params: Arrays): S;
  /** Rewrites `updates` in place (they enter as the gradients) and returns the next state. */
  update(updates: Float64Array[], state: S, params: Arrays): S;
  /** A pure scaling: the factor of array i, slice k. `chain` fuses consecutive scalings into one multiply. */
  readonly factor?: (i: number, k: number) => number;
  /** Number of slices of each array the transform distinguishes (K-stacked networks); 1 if absent. */
  readonly slices?: number;
  /** The transform and its state restricted to the slices `indices` (of `slices`). */
  select?(indices: readonly number[], state: S, slices: number): { transform: GradientTransform<S>; state: S };
  /** Adam's hyperparameters, on `scaleByAdam` (what `chain` needs to fuse Adam with the scalings after it). */
  readonly adam?: { b1: number; b2: number; eps: number };
  /** λ, on `addDecayedWeights` (fused with a preceding Adam as AdamW's decoupled decay). */
  readonly decay?: number;
  /**
   * Update and apply in one pass over the arrays (see `fusedAdam`): θ changes exactly as `update` then
   * `applyUpdates` would change it, and the returned state is the one `update` returns. Set by `chain` where it can.
   */
  readonly fusedStep?: (params: Arrays, grads: Arrays, state: S) => S;
}

/** Any transform, its state type erased (what optimizers are passed around as). */
// biome-ignore lint/suspicious/noExplicitAny: a chain holds transforms of different state types; each state only ever meets its own transform.
export type Optimizer = GradientTransform<any>;

function checkFinite(fn: string, field: string, v: number): void {
  if (!Number.isFinite(v)) throw new Error(`${fn}: ${field} = ${v}, expected a finite number`);
}

/** Multiply every update by a factor per array and slice (applied by `chain`'s fused loop). */
function scaling(name: string, factor: (i: number, k: number) => number, slices = 1, select?: (idx: readonly number[]) => GradientTransform<null>): GradientTransform<null> {
  const t: GradientTransform<null> = {
    name,
    factor,
    slices,
    init: () => null,
    update: (updates) => {
      applyFactor(updates, factor, slices);
      return null;
    },
    select: select ? (idx) => ({ transform: select(idx), state: null }) : undefined,
  };
  return t;
}

function applyFactor(updates: Float64Array[], factor: (i: number, k: number) => number, slices: number): void {
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i];
    const per = u.length / slices;
    for (let k = 0; k < slices; k++) {
      const c = factor(i, k);
      for (let j = k * per; j < (k + 1) * per; j++) u[j] = c * u[j];
    }
  }
}

/** Descent with step η (a number, or one ηₖ per stacked network): u ← −η·u. */
export function scaleByLearningRate(lr: number | readonly number[]): GradientTransform<null> {
  const lrs = typeof lr === 'number' ? [lr] : [...lr];
  if (lrs.length === 0) throw new Error('scaleByLearningRate: lr: [], expected one learning rate per network');
  lrs.forEach((v, k) => checkFinite('scaleByLearningRate', `lr[${k}]`, v));
  const neg = lrs.map((v) => -v);
  return scaling('lr', (_i, k) => neg[typeof lr === 'number' ? 0 : k], typeof lr === 'number' ? 1 : lrs.length, (idx) => scaleByLearningRate(idx.map((k) => lrs[k])));
}

/** The parameterization's per-array learning-rate multipliers sᵢ (μP), aligned with the parameters. */
export function scaleByParameterization(lrScales: readonly number[]): GradientTransform<null> {
  const s = [...lrScales];
  s.forEach((v, i) => checkFinite('scaleByParameterization', `lrScales[${i}]`, v));
  return scaling('parameterization', (i) => {
    if (i >= s.length) throw new Error(`scaleByParameterization: no multiplier for parameter ${i} (${s.length} given)`);
    return s[i];
  });
}

/** Heavy-ball momentum: v ← βv + g, u = v. */
export function traceMomentum(beta = 0.9): GradientTransform<Float64Array[]> {
  checkFinite('traceMomentum', 'beta', beta);
  return {
    name: 'momentum',
    init: (params) => params.map((p) => new Float64Array(p.length)),
    update: (updates, v) => {
      for (let i = 0; i < updates.length; i++) {
        const u = updates[i];
        const vi = v[i];
        for (let j = 0; j < u.length; j++) {
          vi[j] = beta * vi[j] + u[j];
          u[j] = vi[j];
        }
      }
      return v;
    },
  };
}

export interface AdamState {
  t: number;
  m: Float64Array[];
  v: Float64Array[];
}

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** Adam's direction (Kingma & Ba 2015), bias-corrected: u = m̂/(√v̂ + ε). */
export function scaleByAdam(opts: AdamOptions = {}): GradientTransform<AdamState> {
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  for (const [k, v] of [['beta1', b1], ['beta2', b2], ['eps', eps]] as const) checkFinite('scaleByAdam', k, v);
  return {
    name: 'adam',
    adam: { b1, b2, eps },
    init: (params) => ({ t: 0, m: params.map((p) => new Float64Array(p.length)), v: params.map((p) => new Float64Array(p.length)) }),
    update: (updates, state) => {
      const t = state.t + 1;
      const c1 = 1 - b1 ** t;
      const c2 = 1 - b2 ** t;
      for (let i = 0; i < updates.length; i++) {
        const g = updates[i];
        const m = state.m[i];
        const v = state.v[i];
        for (let j = 0; j < g.length; j++) {
          m[j] = b1 * m[j] + (1 - b1) * g[j];
          v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
          g[j] = m[j] / c1 / (Math.sqrt(v[j] / c2) + eps);
        }
      }
      return { t, m: state.m, v: state.v };
    },
    select: (idx, state, slices) => ({
      transform: scaleByAdam(opts),
      state: { t: state.t, m: state.m.map((a) => pickSlices(a, slices, idx)), v: state.v.map((a) => pickSlices(a, slices, idx)) },
    }),
  };
}

function isAdamState(x: unknown): x is AdamState {
  const s = x as Partial<AdamState> | null;
  return typeof s === 'object' && s !== null && typeof s.t === 'number' && Array.isArray(s.m) && Array.isArray(s.v);
}

/**
 * The state of the first `scaleByAdam` inside an optimizer state (a chain's state is the array of its
 * transforms' states), e.g. for Adam's preconditioner (src/observe/preconditioned.ts); undefined if none.
 */
export function adamStateOf(state: unknown): AdamState | undefined {
  if (isAdamState(state)) return state;
  if (!Array.isArray(state)) return undefined;
  for (const s of state) {
    const found = adamStateOf(s);
    if (found) return found;
  }
  return undefined;
}

/**
 * Weight decay: u ← u + λθ. Before the Adam direction it is coupled L2 (the gradient of λ‖θ‖²/2);
 * after it, decoupled (AdamW, Loshchilov & Hutter 2019), scaled by η and the multipliers like the rest.
 */
export function addDecayedWeights(weightDecay: number): GradientTransform<null> {
  checkFinite('addDecayedWeights', 'weightDecay', weightDecay);
  return {
    name: 'weight-decay',
    decay: weightDecay,
    init: () => null,
    update: (updates, _s, params) => {
      for (let i = 0; i < updates.length; i++) {
        const u = updates[i];
        const p = params[i];
        for (let j = 0; j < u.length; j++) u[j] += weightDecay * p[j];
      }
      return null;
    },
    select: () => ({ transform: addDecayedWeights(weightDecay), state: null }),
  };
}

function pickSlices(a: Float64Array, K: number, indices: readonly number[]): Float64Array {
  const per = a.length / K;
  const out = new Float64Array(per * indices.length);
  indices.forEach((k, r) => out.set(a.subarray(k * per, (k + 1) * per), r * per));
  return out;
}

/** One fused group of a chain: a stateful transform, or a run of scalings multiplied into one factor. */
type Stage = { kind: 'transform'; t: Optimizer } | { kind: 'scale'; ts: Optimizer[]; slices: number };

function stagesOf(transforms: readonly Optimizer[]): Stage[] {
  const stages: Stage[] = [];
  for (const t of transforms) {
    const last = stages[stages.length - 1];
    if (t.factor && last?.kind === 'scale') {
      last.ts.push(t);
      last.slices = Math.max(last.slices, t.slices ?? 1);
    } else if (t.factor) stages.push({ kind: 'scale', ts: [t], slices: t.slices ?? 1 });
    else stages.push({ kind: 'transform', t });
  }
  return stages;
}

/** The factor of a run of scalings: their factors multiplied left to right. */
function combinedFactor(ts: readonly Optimizer[]): (i: number, k: number) => number {
  const fs = ts.map((t) => t.factor as (i: number, k: number) => number);
  return (i, k) => fs.reduce((c, f, n) => (n === 0 ? f(i, k) : c * f(i, k)), 1);
}

/**
 * chain(scaleByAdam, [addDecayedWeights,] scalings…) as one pass per array: per element the moments, the direction
 * d = m̂/(√v̂ + ε) (+ λθ) and θ += c·d, the very operations of the passes (Adam's loop, the decay, the scaling,
 * `applyUpdates`) in their order, so θ and the moments come out bit for bit the same (test/nn/optim.test.ts). The
 * passes streamed the gradient, both moments and θ through memory three times; the optimizer was half of
 * mup-lr-transfer's time, most of it waiting on memory. A float32 gradient is widened on read, exactly, as
 * `updateBuffers` widens it.
 */
function fusedAdamOf(stages: readonly Stage[]): ((params: Arrays, grads: Arrays, states: unknown[]) => unknown[]) | undefined {
  const [first, mid, last] = stages;
  if (first?.kind !== 'transform' || !first.t.adam) return undefined;
  if (stages.length === 2 && mid.kind === 'scale') return fusedAdam(first.t.adam, null, combinedFactor(mid.ts), mid.slices, 1 + mid.ts.length);
  if (stages.length === 3 && mid.kind === 'transform' && mid.t.decay !== undefined && last.kind === 'scale') {
    return fusedAdam(first.t.adam, mid.t.decay, combinedFactor(last.ts), last.slices, 2 + last.ts.length);
  }
  return undefined;
}

/** `step` on every slice [from, to) of every parameter array i, with the slice's factor c: the fused steps' loop. */
function eachSlice(
  params: Arrays,
  grads: Arrays,
  slices: number,
  factor: (i: number, k: number) => number,
  step: (p: FloatArray, g: FloatArray, i: number, from: number, to: number, c: number) => void,
): void {
  for (let i = 0; i < params.length; i++) {
    const per = params[i].length / slices;
    for (let k = 0; k < slices; k++) step(params[i], grads[i], i, k * per, (k + 1) * per, factor(i, k));
  }
}

function fusedAdam(h: AdamHyper, decay: number | null, factor: (i: number, k: number) => number, slices: number, transforms: number) {
  return (params: Arrays, grads: Arrays, states: unknown[]): unknown[] => {
    const st = states[0] as AdamState;
    const t = st.t + 1;
    const c1 = 1 - h.b1 ** t;
    const c2 = 1 - h.b2 ** t;
    eachSlice(params, grads, slices, factor, (p, g, i, from, to, c) => {
      if (to - from >= ADAM_WASM_MIN && to - from <= ADAM_WASM_MAX && adamStepWasm(p, g, st.m[i], st.v[i], from, to, h, decay, c1, c2, c)) return;
      if (p instanceof Float32Array && g instanceof Float32Array) adamStep32(p, g, st.m[i], st.v[i], from, to, h, decay, c1, c2, c);
      else adamStep64(p, g, st.m[i], st.v[i], from, to, h, decay, c1, c2, c);
    });
    const next = [...states];
    next[0] = { t, m: st.m, v: st.v };
    for (let n = 1; n < transforms; n++) next[n] = null; // the decay and the scalings keep no state
    return next;
  };
}

/**
 * Slices of ADAM_WASM_MIN to ADAM_WASM_MAX elements take the WebAssembly step (src/core/adamWasm.ts: the same bits, its
 * two divisions and square root two lanes at a time). Below, the call and the copies cost more than they save; above,
 * the step waits on memory and the copies through the module add to the traffic. `node --import tsx
 * bench/wasm-math.ts` on a 2-core EPYC, float32 and float64 θ: 0.72–0.76× at 64 elements, 1.02–1.10× at 128,
 * 1.29–1.32× at 256, 1.63–2.39× from 1024 to 65536, 0.79–1.08× from 2^18 on; mup-lr-transfer's default seed (slices up
 * to 65536) took 69.9 s without it and 46.8 s with it, the same numbers.
 */
const ADAM_WASM_MIN = 256;
const ADAM_WASM_MAX = 1 << 17;

/**
 * The step of `fusedAdam` on float32 parameters and gradients; `adamStep64` is the same loop for the other element
 * types. Two copies on purpose: one function over both kinds of typed array is polymorphic in V8 (see applyUpdates).
 */
function adamStep32(p: Float32Array, g: Float32Array, m: Float64Array, v: Float64Array, from: number, to: number, h: AdamHyper, decay: number | null, c1: number, c2: number, c: number): void {
  const { b1, b2, eps } = h;
  for (let j = from; j < to; j++) {
    const gj = g[j];
    m[j] = b1 * m[j] + (1 - b1) * gj;
    v[j] = b2 * v[j] + (1 - b2) * gj * gj;
    const d = m[j] / c1 / (Math.sqrt(v[j] / c2) + eps);
    // AdamW's decoupled decay joins before the scalings (addDecayedWeights: u += λθ, θ not yet moved)
    p[j] += c * (decay === null ? d : d + decay * p[j]);
  }
}

function adamStep64(p: FloatArray, g: FloatArray, m: Float64Array, v: Float64Array, from: number, to: number, h: AdamHyper, decay: number | null, c1: number, c2: number, c: number): void {
  const { b1, b2, eps } = h;
  for (let j = from; j < to; j++) {
    const gj = g[j];
    m[j] = b1 * m[j] + (1 - b1) * gj;
    v[j] = b2 * v[j] + (1 - b2) * gj * gj;
    const d = m[j] / c1 / (Math.sqrt(v[j] / c2) + eps);
    // AdamW's decoupled decay joins before the scalings (addDecayedWeights: u += λθ, θ not yet moved)
    p[j] += c * (decay === null ? d : d + decay * p[j]);
  }
}

/**
 * A chain of scalings alone (SGD: the parameterization's multipliers and −η) as one pass per array: θ += c·g, c the
 * combined factor of the array and slice. The passes widened g into an update buffer (float32 gradients), multiplied
 * it in place (`applyFactor`: u = c·u) and added it (`applyUpdates`): the same two operations per element in the same
 * order, so θ comes out bit for bit the same (test/nn/optim.test.ts), with two passes over memory fewer.
 */
function fusedScalingOf(stages: readonly Stage[]): ((params: Arrays, grads: Arrays, states: unknown[]) => unknown[]) | undefined {
  const [only] = stages;
  if (stages.length !== 1 || only.kind !== 'scale') return undefined;
  const factor = combinedFactor(only.ts);
  const slices = only.slices;
  return (params, grads, states) => {
    const k = kernels();
    eachSlice(params, grads, slices, factor, (p, g, _i, from, to, c) => {
      if (k.scaledAdd) k.scaledAdd(p, g, from, to, c);
      else scaledAddLoop(p, g, from, to, c);
    });
    return states; // scalings keep no state
  };
}

/** Transforms applied in order; consecutive scalings are fused (their factors multiplied left to right). */
export function chain(...transforms: Optimizer[]): GradientTransform<unknown[]> {
  const stages = stagesOf(transforms);
  const slices = Math.max(1, ...transforms.map((t) => t.slices ?? 1));
  const fusedStep = fusedAdamOf(stages) ?? fusedScalingOf(stages);
  return {
    name: transforms.map((t) => t.name).join('+'),
    slices,
    ...(fusedStep ? { fusedStep } : {}),
    init: (params) => transforms.map((t) => t.init(params)),
    update: (updates, states, params) => {
      const next = [...states];
      let at = 0;
      for (const st of stages) {
        if (st.kind === 'transform') {
          next[at] = st.t.update(updates, states[at], params);
          at++;
        } else {
          applyFactor(updates, combinedFactor(st.ts), st.slices);
          at += st.ts.length;
        }
      }
      return next;
    },
    select: (idx, states, K) => {
      const picked = transforms.map((t, n) => {
        if (!t.select) {
          if ((t.slices ?? 1) > 1) throw new Error(`chain.select: transform '${t.name}' has per-network state and cannot drop networks`);
          return { transform: t, state: states[n] };
        }
        return t.select(idx, states[n], K);
      });
      const sub = chain(...picked.map((p) => p.transform));
      return { transform: sub, state: picked.map((p) => p.state) };
    },
  };
}

/**
 * θ ← θ + u, in place on the parameter arrays. One loop per element type of θ (float32 networks, float64 ones): a
 * single loop over both is polymorphic in V8 and took up to twice as long per element.
 */
export function applyUpdates(params: Arrays, updates: Arrays): void {
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p instanceof Float32Array) addInPlace32(p, updates[i]);
    else addInPlace64(p, updates[i]);
  }
}

function addInPlace32(p: Float32Array, u: FloatArray): void {
  for (let j = 0; j < p.length; j++) p[j] += u[j];
}

function addInPlace64(p: Float64Array, u: FloatArray): void {
  for (let j = 0; j < p.length; j++) p[j] += u[j];
}

/**
 * The gradients as the float64 update buffers a chain rewrites: float64 gradients are used as they are
 * (the autodiff core hands each step fresh arrays), float32 ones are widened (exactly) into `reuse[i]` when it
 * has the right length (then kept there for the next step), else into a new array. Widening into a fresh array
 * every step was a third of a float32 Adam step's time in the lab's worker, where new memory costs page faults.
 */
export function updateBuffers(grads: Arrays, reuse: Float64Array[] = []): Float64Array[] {
  return grads.map((g, i) => {
    if (g instanceof Float64Array) return g;
    // the buffer of the previous step when the caller keeps one (no transform keeps `updates` past its update)
    const b = reuse[i]?.length === g.length ? reuse[i] : new Float64Array(g.length);
    b.set(g);
    reuse[i] = b;
    return b;
  });
}

/**
 * A chain with its state, stepping parameters in place: `step(params, grads)` is init (first call),
 * update, apply. What the trainer and the sweeps hold.
 */
export class OptimizerState {
  private state: unknown = undefined;
  private started = false;
  /** float64 copies of float32 gradients, one per parameter, reused step after step */
  private readonly widened: Float64Array[] = [];
  /** `fused: false` takes the transform's passes even where it has a fused step (tests compare the two). */
  constructor(
    public transform: Optimizer,
    private readonly opts: { fused?: boolean } = {},
  ) {}

  step(params: Arrays, grads: Arrays): void {
    if (!this.started) {
      this.state = this.transform.init(params);
      this.started = true;
    }
    if (this.transform.fusedStep && this.opts.fused !== false) {
      this.state = this.transform.fusedStep(params, grads, this.state);
      return;
    }
    const u = updateBuffers(grads, this.widened);
    this.state = this.transform.update(u, this.state, params);
    applyUpdates(params, u);
  }

  /** The chain's state (undefined before the first step), for instruments that read it: `adamStateOf(opt.current)`. */
  get current(): unknown {
    return this.state;
  }

  /** Keep only the stacked networks `indices` (of the transform's slices). */
  select(indices: readonly number[]): OptimizerState {
    const K = this.transform.slices ?? 1;
    if (!this.transform.select) throw new Error(`optimizer '${this.transform.name}' cannot drop networks`);
    indices.forEach((k) => {
      if (!(Number.isInteger(k) && k >= 0 && k < K)) throw new Error(`select: index ${k} out of range [0, ${K})`);
    });
    if (!this.started) {
      const sub = this.transform.select(indices, undefined, K);
      return new OptimizerState(sub.transform, this.opts);
    }
    const sub = this.transform.select(indices, this.state, K);
    const out = new OptimizerState(sub.transform, this.opts);
    out.state = sub.state;
    out.started = true;
    return out;
  }
}

// ---- named optimizers and the one config ---------------------------------------------------------

/** Plain (S)GD: u = −η·sᵢ·g. */
export function sgd(lr: number | readonly number[], lrScales?: readonly number[]): Optimizer {
  return chain(...(lrScales ? [scaleByParameterization(lrScales)] : []), scaleByLearningRate(lr));
}

/** Heavy-ball momentum: v ← βv + g, u = −η·sᵢ·v. */
export function momentum(lr: number | readonly number[], beta = 0.9, lrScales?: readonly number[]): Optimizer {
  return chain(traceMomentum(beta), ...(lrScales ? [scaleByParameterization(lrScales)] : []), scaleByLearningRate(lr));
}

/** Adam; with `weightDecay` > 0, AdamW (decoupled): u = −η·sᵢ·(m̂/(√v̂ + ε) + λθ). */
export function adam(lr: number | readonly number[], opts: AdamOptions & { weightDecay?: number; lrScales?: readonly number[] } = {}): Optimizer {
  const wd = opts.weightDecay ?? 0;
  return chain(
    scaleByAdam(opts),
    ...(wd !== 0 ? [addDecayedWeights(wd)] : []),
    ...(opts.lrScales ? [scaleByParameterization(opts.lrScales)] : []),
    scaleByLearningRate(lr),
  );
}

export const OptimizerConfig = z
  .object({
    kind: z.enum(['sgd', 'momentum', 'adam', 'adamw']),
    lr: z.number().positive(),
    /** heavy-ball coefficient (momentum) */
    beta: z.number().min(0).max(1).optional(),
    beta1: z.number().min(0).max(1).optional(),
    beta2: z.number().min(0).max(1).optional(),
    eps: z.number().positive().optional(),
    /** decoupled for adamw, coupled L2 (added to the gradient) for sgd, momentum and adam */
    weightDecay: z.number().min(0).optional(),
    /**
     * adamw only: decay by η·λ·θ, the base learning rate without the parameterization's per-layer multipliers
     * (the "independent" variant of Wortsman et al. 2023 and Kosson et al. 2025, which keeps the per-step decay
     * of a hidden layer width-independent under μP); default false, the PyTorch form η·sᵢ·λ·θ.
     */
    independentDecay: z.boolean().optional(),
  })
  .strict();
export type OptimizerConfig = z.infer<typeof OptimizerConfig>;

/**
 * The optimizer of a config, with the parameterization's multipliers (one place used by the CLI, the
 * sweeps, the protocols and the studies). `lr` may be overridden by per-network rates for stacked models.
 */
export function optimizerFromConfig(c: OptimizerConfig, opts: { lrScales?: readonly number[]; lrs?: readonly number[] } = {}): Optimizer {
  const lr = opts.lrs ?? c.lr;
  const wd = c.weightDecay ?? 0;
  if (c.independentDecay === true && c.kind !== 'adamw') throw new Error(`optimizer.independentDecay: true with kind '${c.kind}'; expected kind 'adamw' (only decoupled decay can skip the per-layer multipliers)`);
  const coupled = wd !== 0 && c.kind !== 'adamw' ? [addDecayedWeights(wd)] : [];
  const scales = opts.lrScales ? [scaleByParameterization(opts.lrScales)] : [];
  switch (c.kind) {
    case 'sgd':
      return chain(...coupled, ...scales, scaleByLearningRate(lr));
    case 'momentum':
      return chain(...coupled, traceMomentum(c.beta ?? 0.9), ...scales, scaleByLearningRate(lr));
    case 'adam':
      return chain(...coupled, scaleByAdam(c), ...scales, scaleByLearningRate(lr));
    case 'adamw': {
      const decay = wd !== 0 ? [addDecayedWeights(wd)] : [];
      // the decay joins the update after the multipliers when it is independent of them, before otherwise
      return c.independentDecay === true ? chain(scaleByAdam(c), ...scales, ...decay, scaleByLearningRate(lr)) : chain(scaleByAdam(c), ...decay, ...scales, scaleByLearningRate(lr));
    }
  }
}

/** AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay λ. */
export function adamw(lr: number | readonly number[], weightDecay: number, opts: AdamOptions & { lrScales?: readonly number[] } = {}): Optimizer {
  return adam(lr, { ...opts, weightDecay });
}

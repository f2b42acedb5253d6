/**
 * Adaptive explicit Runge–Kutta integration for non-stiff ODEs y′ = f(t, y): the Dormand–Prince
 * 5(4) pair with local extrapolation and FSAL (Dormand & Prince 1980, "A family of embedded
 * Runge–Kutta formulae", J. Comput. Appl. Math. 6; coefficients and step-size control as in Hairer,
 * Nørsett & Wanner, "Solving Ordinary Differential Equations I", §II.4–II.5, code DOPRI5).
 * Browser-safe. Steps are clipped to land exactly on each requested output time (no interpolation),
 * so output values carry only the integration error. `rk4Step` is the fixed-step classical RK4 for
 * flows sampled on a fixed time grid.
 */
import { axpy } from '../core/stats.ts';

/** Right-hand side f(t, y); must not modify y. */
export type OdeRhs = (t: number, y: Float64Array) => ArrayLike<number>;

export interface Rk45Options {
  /** relative tolerance (default 1e-10) */
  rtol?: number;
  /** absolute tolerance (default 1e-12) */
  atol?: number;
  /** start time (default 0); all output times must be ≥ t0 */
  t0?: number;
  /** largest step allowed (default ∞) */
  maxStep?: number;
  /** first step (default: Hairer's automatic choice) */
  initialStep?: number;
  /** accepted + rejected steps before giving up (default 1e6) */
  maxSteps?: number;
}

export interface Rk45Result {
  /** the output times, in the order given */
  t: number[];
  /** y at each output time */
  y: Float64Array[];
  acceptedSteps: number;
  rejectedSteps: number;
  evaluations: number;
}

// Dormand–Prince 5(4) tableau (Hairer–Nørsett–Wanner Table II.5.2).
const C2 = 1 / 5;
const C3 = 3 / 10;
const C4 = 4 / 5;
const C5 = 8 / 9;
const A21 = 1 / 5;
const A31 = 3 / 40;
const A32 = 9 / 40;
const A41 = 44 / 45;
const A42 = -56 / 15;
const A43 = 32 / 9;
const A51 = 19372 / 6561;
const A52 = -25360 / 2187;
const A53 = 64448 / 6561;
const A54 = -212 / 729;
const A61 = 9017 / 3168;
const A62 = -355 / 33;
const A63 = 46732 / 5247;
const A64 = 49 / 176;
const A65 = -5103 / 18656;
const B1 = 35 / 384;
const B3 = 500 / 1113;
const B4 = 125 / 192;
const B5 = -2187 / 6784;
const B6 = 11 / 84;
// Error weights: b − b̂ of the embedded 4th-order solution.
const E1 = 71 / 57600;
const E3 = -71 / 16695;
const E4 = 71 / 1920;
const E5 = -17253 / 339200;
const E6 = 22 / 525;
const E7 = -1 / 40;

/**
 * Integrate y′ = f(t, y) from t0 with y(t0) = y0 and return y at each of `times`. Error control:
 * the RMS over components of err_i/(atol + rtol·max(|y_i|, |y_new,i|)) must be ≤ 1; new step
 * h·min(5, max(0.2, 0.9·err^{−1/5})), no growth right after a rejection.
 */
export function rk45(f: OdeRhs, y0: ArrayLike<number>, times: readonly number[], opts: Rk45Options = {}): Rk45Result {
  const rtol = opts.rtol ?? 1e-10;
  const atol = opts.atol ?? 1e-12;
  const t0 = opts.t0 ?? 0;
  const maxStep = opts.maxStep ?? Number.POSITIVE_INFINITY;
  const maxSteps = opts.maxSteps ?? 1_000_000;
  if (!(rtol > 0) || !(atol >= 0)) throw new Error(`rk45: expected rtol > 0 and atol ≥ 0, got rtol=${rtol}, atol=${atol}`);
  if (!Number.isFinite(t0)) throw new Error(`rk45: t0 must be finite, got ${t0}`);
  times.forEach((t, i) => {
    if (!Number.isFinite(t) || t < t0) throw new Error(`rk45: times[${i}] must be finite and ≥ t0 = ${t0}, got ${t}`);
  });
  const dim = y0.length;
  let y = Float64Array.from(y0);
  const order = times.map((_, i) => i).sort((a, b) => times[a] - times[b]);
  const out: Float64Array[] = new Array(times.length);
  let evaluations = 0;
  const rhs = (t: number, v: Float64Array): Float64Array => {
    evaluations++;
    const r = f(t, v);
    if (r.length !== dim) throw new Error(`rk45: f returned ${r.length} components, expected ${dim}`);
    return r instanceof Float64Array ? r : Float64Array.from(r);
  };
  const scaleOf = (a: number, b: number): number => atol + rtol * Math.max(Math.abs(a), Math.abs(b));
  const rmsScaled = (v: Float64Array, ref: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < dim; i++) s += (v[i] / scaleOf(ref[i], ref[i])) ** 2;
    return Math.sqrt(s / Math.max(dim, 1));
  };

  let t = t0;
  let k1 = rhs(t, y);
  // Initial step (Hairer–Nørsett–Wanner §II.4, "Starting step size").
  let h: number;
  if (opts.initialStep !== undefined) h = opts.initialStep;
  else {
    const d0 = rmsScaled(y, y);
    const d1 = rmsScaled(k1, y);
    const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
    const y1 = new Float64Array(dim);
    for (let i = 0; i < dim; i++) y1[i] = y[i] + h0 * k1[i];
    const f1 = rhs(t + h0, y1);
    const diff = new Float64Array(dim);
    for (let i = 0; i < dim; i++) diff[i] = f1[i] - k1[i];
    const d2 = rmsScaled(diff, y) / h0;
    const h1 = Math.max(d1, d2) <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / Math.max(d1, d2)) ** (1 / 5);
    h = Math.min(100 * h0, h1);
  }
  h = Math.min(h, maxStep);

  let accepted = 0;
  let rejected = 0;
  const yt = new Float64Array(dim);
  const yNew = new Float64Array(dim);
  for (const idx of order) {
    const target = times[idx];
    let rejectedLast = false;
    while (t < target) {
      if (accepted + rejected >= maxSteps) throw new Error(`rk45: exceeded ${maxSteps} steps before t = ${target} (stiff or singular problem?)`);
      const remaining = target - t;
      const last = h >= remaining * (1 - 1e-12);
      const step = last ? remaining : h;
      for (let i = 0; i < dim; i++) yt[i] = y[i] + step * A21 * k1[i];
      const k2 = rhs(t + C2 * step, yt);
      for (let i = 0; i < dim; i++) yt[i] = y[i] + step * (A31 * k1[i] + A32 * k2[i]);
      const k3 = rhs(t + C3 * step, yt);
      for (let i = 0; i < dim; i++) yt[i] = y[i] + step * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
      const k4 = rhs(t + C4 * step, yt);
      for (let i = 0; i < dim; i++) yt[i] = y[i] + step * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
      const k5 = rhs(t + C5 * step, yt);
      for (let i = 0; i < dim; i++) yt[i] = y[i] + step * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
      const k6 = rhs(t + step, yt);
      for (let i = 0; i < dim; i++) yNew[i] = y[i] + step * (B1 * k1[i] + B3 * k3[i] + B4 * k4[i] + B5 * k5[i] + B6 * k6[i]);
      const k7 = rhs(t + step, yNew);
      let err = 0;
      for (let i = 0; i < dim; i++) {
        const e = step * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
        err += (e / scaleOf(y[i], yNew[i])) ** 2;
      }
      err = Math.sqrt(err / Math.max(dim, 1));
      if (!Number.isFinite(err)) {
        rejected++;
        h = step * 0.2;
        rejectedLast = true;
        if (h < 1e-300) throw new Error(`rk45: step size underflow at t = ${t} (non-finite derivative)`);
        continue;
      }
      const factor = err === 0 ? 5 : Math.min(5, Math.max(0.2, 0.9 * err ** -0.2));
      if (err <= 1) {
        accepted++;
        t = last ? target : t + step;
        y = Float64Array.from(yNew);
        k1 = k7; // FSAL
        // After a clipped final step keep the unclipped proposal for the next interval.
        const proposal = step * (rejectedLast ? Math.min(1, factor) : factor);
        h = Math.min(maxStep, last ? Math.max(h, proposal) : proposal);
        rejectedLast = false;
      } else {
        rejected++;
        h = step * Math.min(1, factor);
        rejectedLast = true;
        if (h < 1e-14 * Math.max(1, Math.abs(t))) throw new Error(`rk45: step size too small at t = ${t}`);
      }
    }
    out[idx] = Float64Array.from(y);
  }
  return { t: times.slice(), y: out, acceptedSteps: accepted, rejectedSteps: rejected, evaluations };
}

/**
 * One classical Runge–Kutta 4 step of the autonomous system dy/dτ = f(y) with fixed step dt (local error
 * O(dt⁵); stable on y′ = −λy for dt·λ < 2.78). For flows that must land on a fixed grid of times, such
 * as the gradient flows compared step by step with gradient descent (./stabilityFlows.ts).
 */
export function rk4Step(f: (y: Float64Array) => Float64Array, y: Float64Array, dt: number): Float64Array {
  const k1 = f(y);
  const k2 = f(axpy(dt / 2, k1, y));
  const k3 = f(axpy(dt / 2, k2, y));
  const k4 = f(axpy(dt, k3, y));
  const out = Float64Array.from(y);
  for (let i = 0; i < out.length; i++) out[i] += (dt / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  return out;
}

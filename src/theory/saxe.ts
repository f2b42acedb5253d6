/**
 * Mode strengths of a deep linear network under gradient flow (Saxe, McClelland & Ganguli 2014,
 * "Exact solutions to the nonlinear dynamics of learning in deep linear neural networks", ICLR).
 * Browser-safe.
 *
 * Setting. f(x) = W_L ⋯ W₁ x, loss ½‖W_L⋯W₁ − T‖²_F (the population loss ½E‖y − W x‖² with whitened
 * inputs Σ_xx = I, up to a constant), T = Σ_μ s_μ u_μ v_μᵀ, gradient flow Ẇ_l = −∂L/∂W_l with time
 * t = learning rate × steps. Balanced, task-aligned initialization (every layer's singular vectors
 * chained to the target's and all layers with equal singular values, product u₀ per mode): the flow
 * decouples into one scalar ODE per mode for the end-to-end strength u_μ = u_μᵀ W_L⋯W₁ v_μ. For the
 * scalar chain w_1⋯w_L with all w_l = u^{1/L}: ẇ_l = (s − u) Π_{k≠l} w_k, hence
 *   du/dt = L u^{2 − 2/L} (s − u)                          (Saxe et al. 2014, §3; Arora et al. 2018)
 *   L = 1: du/dt = s − u, u(t) = s + (u₀ − s)e^{−t}        (linear regression, no plateau)
 *   L = 2: du/dt = 2u(s − u), u(t) = s/(1 + (s/u₀ − 1)e^{−2st})   (logistic, Saxe Eq. 6)
 * L ≥ 3 is integrated with the Dormand–Prince RK45 of ./ode.ts at rtol 1e-12, atol 1e-14·s.
 * Assumptions: u₀ > 0 (u = 0 is a saddle that the flow never leaves), s ≥ 0.
 */
import { rk45 } from './ode.ts';

export interface SaxeInput {
  /** target singular values s_μ ≥ 0 */
  singularValues: number[];
  /** initial mode strength u₀ > 0 (the same for every mode) */
  init: number;
  /** number of weight matrices L ≥ 1 */
  depth: number;
  /** gradient-flow times t = learning rate × steps, ≥ 0 */
  times: number[];
}

/** Depth-2 closed form, written s u₀ / (s e^{−2st} − u₀ expm1(−2st)) so that s → 0 gives u₀/(1 + 2u₀t). */
function logistic(s: number, u0: number, t: number): number {
  if (s === 0) return u0 / (1 + 2 * u0 * t);
  const e = Math.exp(-2 * s * t);
  return (s * u0) / (s * e - u0 * Math.expm1(-2 * s * t));
}

/** u(t) for one mode of a depth-L balanced aligned chain (see the module comment). */
export function saxeModeTrajectory(s: number, u0: number, depth: number, times: readonly number[]): number[] {
  if (!(s >= 0) || !Number.isFinite(s)) throw new Error(`singularValues: expected finite numbers ≥ 0, got ${s}`);
  if (!(u0 > 0) || !Number.isFinite(u0)) throw new Error(`init: expected a finite number > 0, got ${u0}`);
  if (!Number.isInteger(depth) || depth < 1) throw new Error(`depth: expected an integer ≥ 1, got ${depth}`);
  times.forEach((t, i) => {
    if (!(t >= 0) || !Number.isFinite(t)) throw new Error(`times[${i}]: expected a finite number ≥ 0, got ${t}`);
  });
  if (depth === 1) return times.map((t) => s + (u0 - s) * Math.exp(-t));
  if (depth === 2) return times.map((t) => logistic(s, u0, t));
  const L = depth;
  const p = 2 - 2 / L;
  const scale = Math.max(s, u0);
  const res = rk45(
    (_t, y) => {
      const u = Math.max(y[0], 0);
      return [L * u ** p * (s - u)];
    },
    [u0],
    times,
    { rtol: 1e-12, atol: 1e-14 * scale },
  );
  return res.y.map((y) => y[0]);
}

/** One row of u_μ(t) per singular value (same order as the input). */
export function saxeModeStrengths(input: SaxeInput): { modes: number[][] } {
  if (!Array.isArray(input.singularValues) || input.singularValues.length === 0) throw new Error('singularValues: expected a non-empty array of numbers ≥ 0');
  return { modes: input.singularValues.map((s) => saxeModeTrajectory(s, input.init, input.depth, input.times)) };
}

/** Same as saxeModeStrengths, under the registry name. */
export const saxe = saxeModeStrengths;

/**
 * Depth-2 time to go from u₀ to u_f (0 < u₀, u_f < s): t = (1/(2s)) ln[u_f (s − u₀) / (u₀ (s − u_f))]
 * (Saxe et al. 2014, Eq. 7, with τ = 1).
 */
export function saxeTimeToReach(s: number, u0: number, uf: number): number {
  if (!(s > 0)) throw new Error(`s: expected a number > 0, got ${s}`);
  if (!(u0 > 0 && u0 < s)) throw new Error(`u0: expected 0 < u0 < s = ${s}, got ${u0}`);
  if (!(uf > 0 && uf < s)) throw new Error(`uf: expected 0 < uf < s = ${s}, got ${uf}`);
  return (1 / (2 * s)) * Math.log((uf * (s - u0)) / (u0 * (s - uf)));
}

/** Depth-2 half-time (u reaches s/2): t½ = (1/(2s)) ln(s/u₀ − 1) ≈ (1/(2s)) ln(s/u₀) for u₀ ≪ s. */
export function saxeHalfTime(s: number, u0: number): number {
  if (!(s > 0)) throw new Error(`s: expected a number > 0, got ${s}`);
  if (!(u0 > 0 && u0 < s)) throw new Error(`u0: expected 0 < u0 < s = ${s}, got ${u0}`);
  return (1 / (2 * s)) * Math.log(s / u0 - 1);
}

/**
 * The continuous-time flows that gradient descent is compared with in the stability-law studies (catalog 16
 * `central-flow`, 17 `dln-progressive-sharpening`, 26 `implicit-curvature-regularization`): a loss seen as a function of one flat parameter vector, and the
 * three continuous-time flows that full-batch gradient descent (GD) θ ← θ − η∇L(θ) is compared with.
 * Time is τ = η·steps throughout, so a flow's velocity is dθ/dτ and one GD step covers dτ = η. These flows are
 * their own integrators (RK4 on the flow's velocity, src/theory/ode.ts), not training loops: GD itself runs through `fit`.
 *
 *  - Gradient flow (GF): dθ/dτ = −∇L(θ), the η → 0 limit of GD.
 *  - Implicit-gradient-regularization flow (Barrett & Dherin 2021, "Implicit gradient regularization",
 *    ICLR; backward error analysis of GD): GD follows, to O(η²) per unit time, the gradient flow of the
 *    modified loss L̃ = L + (η/4)‖∇L‖², i.e. dθ/dτ = −(∇L + (η/2) H∇L). Assumes ηλ_max well below 2 (the
 *    series in ηH converges), i.e. before the edge of stability.
 *  - Central flow (Cohen, Damian, Talwalkar, Kolter & Lee 2025, "Understanding optimization in deep learning
 *    with central flows", ICLR; the self-stabilization mechanism of Damian, Nichani & Lee 2023, ICLR):
 *    at the edge of stability GD oscillates along the top Hessian eigenvectors uᵢ with E[xᵢ²] = σᵢ², and the
 *    time average of θ obeys
 *        dθ/dτ = −[∇L(θ) + ½ Σᵢ σᵢ²(τ) ∇Sᵢ(θ)],   Sᵢ = uᵢᵀ∇²L uᵢ,  ∇Sᵢ = ∇³L[uᵢ, uᵢ, ·],
 *    with σᵢ² ≥ 0 the smallest values that keep every Sᵢ ≤ 2/η (a complementarity problem: σᵢ² > 0 only
 *    where Sᵢ sits at 2/η). It is gradient flow projected onto the sharpness constraint. The same
 *    expansion predicts the time-averaged loss and squared gradient norm of GD:
 *        E[L] ≈ L(θ) + ½ Σᵢ σᵢ² Sᵢ,     E‖∇L‖² ≈ ‖∇L(θ)‖² + Σᵢ σᵢ² Sᵢ².
 *    Deviation from Cohen et al.: their Σ is a PSD matrix on the top eigenspace (it has off-diagonal
 *    terms when several eigenvalues are at the edge together); we keep its diagonal in the tracked
 *    eigenbasis, which is exact when one eigenvalue is at the edge and a fair approximation while the
 *    edge eigenvalues are distinct. The constraint is imposed softly (dSᵢ/dτ ≤ κ(2/η − Sᵢ), a Baumgarte
 *    stabilization of the discretized constraint), which holds Sᵢ at 2/η to O(1/κ) without overshoot.
 *    Cohen et al.'s own code (Euler steps of η/4) instead asks the linearized Sᵢ one step ahead to stay ≤ 2/η,
 *    i.e. κ = 1/dt; both are discretizations of the same flow and agree as dt → 0 (catalog 16 was measured
 *    unchanged when its dt was halved). With GF's drift ⟨∇Sᵢ, −∇L⟩ ≤ 0 at the edge the LCP gives σᵢ² = 0, so
 *    the flow leaves the edge by itself, and it re-enters when Sᵢ comes back to 2/η.
 *
 * Numerics. ∇Sᵢ = ∇³L[uᵢ, uᵢ, ·] = d/dε [H(θ + εuᵢ) uᵢ] at ε = 0 (the third derivative is symmetric), taken
 * as a forward difference of two exact Hessian-vector products (truncation O(ε‖∇⁴L‖), rounding
 * O(macheps‖Hu‖/ε); ε = 1e-5 keeps both below 1e-4 relative on the studies' nets). The top eigenpairs are
 * tracked by one block power step per evaluation with a Rayleigh–Ritz rotation, refreshed by a full
 * Lanczos run every few steps (θ moves slowly, so the warm start stays accurate). The flows are stepped
 * by the fixed-step RK4 of ./ode.ts (`rk4Step`, with `rk4Substeps` below) or by Heun's method (`CentralFlow`).
 */
import { flatten, hessianVectorProduct, paramCount, unflatten, valueAndGrad } from '../core/autodiff.ts';
import { eigh } from '../core/linalg.ts';
import type { Rng } from '../core/random.ts';
import { axpy, dot, norm } from '../core/stats.ts';
import type { Tensor } from '../core/tensor.ts';
import { hessianTop } from '../observe/hessian.ts';

export interface FlatLoss {
  readonly n: number;
  /** Loss and gradient at θ. */
  grad(theta: Float64Array): { value: number; g: Float64Array };
  /** Loss, gradient and the exact Hessian-vector product H v at θ. */
  hvp(theta: Float64Array, v: Float64Array): { value: number; g: Float64Array; hv: Float64Array };
  /** Top-k Hessian eigenpairs at θ (Lanczos with full reorthogonalization on exact HVPs). */
  top(theta: Float64Array, k: number, rng: Rng, maxIter: number): { values: Float64Array; vectors: Float64Array[] };
}

/** The current parameter values as one flat vector (the order of `params`). */
export function flatParams(params: Tensor[]): Float64Array {
  return flatten(params.map((p) => p.data));
}

/** `loss` as a function of a flat parameter vector; each call writes θ into the parameter tensors. */
export function flatLoss(loss: () => Tensor, params: Tensor[]): FlatLoss {
  const n = paramCount(params);
  const set = (theta: Float64Array) => {
    if (theta.length !== n) throw new Error(`flatLoss: theta has ${theta.length} entries, expected ${n} (the parameter count)`);
    let o = 0;
    for (const p of params) {
      const d = p.data;
      for (let i = 0; i < p.size; i++) d[i] = theta[o + i];
      o += p.size;
    }
  };
  return {
    n,
    grad(theta) {
      set(theta);
      const r = valueAndGrad(loss, params);
      return { value: r.value, g: flatten(r.grads) };
    },
    hvp(theta, v) {
      set(theta);
      const r = hessianVectorProduct(loss, params, unflatten(v, params));
      return { value: r.value, g: flatten(r.grads), hv: flatten(r.hvp) };
    },
    top(theta, k, rng, maxIter) {
      set(theta);
      const r = hessianTop(loss, params, k, { rng, maxIter });
      return { values: r.values, vectors: r.vectors.map((v) => Float64Array.from(v)) };
    },
  };
}

/** Gradient-flow velocity −∇L. */
export function gradientFlowVelocity(obj: FlatLoss): (theta: Float64Array) => Float64Array {
  return (theta) => {
    const g = obj.grad(theta).g;
    for (let i = 0; i < g.length; i++) g[i] = -g[i];
    return g;
  };
}

/** Velocity of the gradient flow on L + (η/4)‖∇L‖² (Barrett & Dherin 2021): −(∇L + (η/2) H∇L). */
export function modifiedFlowVelocity(obj: FlatLoss, eta: number): (theta: Float64Array) => Float64Array {
  return (theta) => {
    const g = obj.grad(theta).g;
    const hg = obj.hvp(theta, g).hv;
    const v = new Float64Array(g.length);
    for (let i = 0; i < g.length; i++) v[i] = -(g[i] + (eta / 2) * hg[i]);
    return v;
  };
}

/** Substeps per GD step so that RK4 stays well inside its stability region: dt·λ ≤ 1.5 with dt = η/substeps. */
export function rk4Substeps(eta: number, sharpness: number): number {
  return Math.max(1, Math.ceil((eta * Math.max(sharpness, 0)) / 1.5));
}

/** Orthonormalize the columns in place by modified Gram–Schmidt; drops (returns fewer) dependent vectors. */
function orthonormalize(vs: Float64Array[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (const v of vs) {
    const w = Float64Array.from(v);
    for (let pass = 0; pass < 2; pass++) {
      for (const q of out) {
        const c = dot(w, q);
        for (let i = 0; i < w.length; i++) w[i] -= c * q[i];
      }
    }
    const nw = norm(w);
    if (nw > 1e-12 * Math.max(norm(v), Number.MIN_VALUE)) {
      for (let i = 0; i < w.length; i++) w[i] /= nw;
      out.push(w);
    }
  }
  return out;
}

/**
 * Solve the linear complementarity problem of the central flow's multipliers: find s ≥ 0 with
 * w = A s − b ≥ 0 and sᵢwᵢ = 0, for a small symmetric PSD A, by enumerating active sets (k ≤ 4).
 * Returns zeros if no active set is feasible (A singular on the candidates).
 */
export function solveSmallLcp(A: number[][], b: number[]): number[] {
  const k = b.length;
  let best: number[] | null = null;
  let bestViolation = Number.POSITIVE_INFINITY;
  for (let mask = 0; mask < 1 << k; mask++) {
    const act = [...Array(k).keys()].filter((i) => mask & (1 << i));
    const s = new Array<number>(k).fill(0);
    if (act.length) {
      // Solve A_SS s_S = b_S by Gaussian elimination with partial pivoting.
      const m = act.length;
      const M = act.map((i) => [...act.map((j) => A[i][j]), b[i]]);
      let singular = false;
      for (let c = 0; c < m; c++) {
        let piv = c;
        for (let r = c + 1; r < m; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
        if (Math.abs(M[piv][c]) < 1e-300) {
          singular = true;
          break;
        }
        [M[c], M[piv]] = [M[piv], M[c]];
        for (let r = 0; r < m; r++) {
          if (r === c) continue;
          const f = M[r][c] / M[c][c];
          for (let q = c; q <= m; q++) M[r][q] -= f * M[c][q];
        }
      }
      if (singular) continue;
      act.forEach((i, r) => {
        s[i] = M[r][m] / M[r][r];
      });
    }
    let violation = 0;
    for (let i = 0; i < k; i++) {
      violation = Math.max(violation, -s[i]);
      let w = -b[i];
      for (let j = 0; j < k; j++) w += A[i][j] * s[j];
      violation = Math.max(violation, -w);
    }
    if (violation < bestViolation) {
      bestViolation = violation;
      best = s;
    }
  }
  return (best ?? new Array<number>(k).fill(0)).map((x) => Math.max(0, x));
}

/**
 * ∇S at θ for a simple top eigenpair (S, u): ∇S = ∇³L[u, u, ·] (the eigenvector's own variation drops out because
 * H u = S u, Hellmann–Feynman), taken as the forward difference [H(θ + εu) u − H(θ) u] / ε of two exact
 * Hessian-vector products (the third derivative is symmetric, so d/dε H(θ + εu) u = ∇³L[u, u, ·]). `hu` is H(θ)u,
 * already computed by the caller. Truncation O(ε‖∇⁴L‖), rounding O(macheps‖Hu‖/ε).
 */
export function sharpnessGradient(obj: FlatLoss, theta: Float64Array, u: Float64Array, hu: Float64Array, eps: number): Float64Array {
  if (!(eps > 0)) throw new Error(`sharpnessGradient: eps must be > 0, got ${eps}`);
  if (u.length !== obj.n || hu.length !== obj.n) throw new Error(`sharpnessGradient: u has ${u.length} and hu ${hu.length} entries, expected ${obj.n} (the parameter count)`);
  const hp = obj.hvp(axpy(eps, u, theta), u).hv;
  const d = new Float64Array(obj.n);
  for (let q = 0; q < d.length; q++) d[q] = (hp[q] - hu[q]) / eps;
  return d;
}

export interface CentralFlowOptions {
  eta: number;
  /** tracked top eigenpairs (≥ 1); each one that reaches the edge gets its own multiplier σᵢ² */
  tracked: number;
  rng: Rng;
  /** Lanczos iterations of the periodic refresh */
  lanczosIters: number;
  /** refresh the tracked eigenvectors by a full Lanczos run every this many evaluations */
  refreshEvery: number;
  /** eigenvalues above this fraction of 2/η get a constraint (below it σᵢ² = 0 and no ∇Sᵢ is taken) */
  activeFraction?: number;
  /** forward-difference step for ∇Sᵢ */
  fdStep?: number;
}

export interface CentralFlowEvaluation {
  value: number;
  /** ‖∇L(θ)‖² */
  gradNormSq: number;
  /** Ritz values of the tracked eigenpairs, descending */
  sharpness: number[];
  /** multipliers σᵢ² (0 where the constraint is inactive) */
  sigma2: number[];
  velocity: Float64Array;
  /** predicted time-averaged GD loss L + ½Σσᵢ²Sᵢ */
  predictedLoss: number;
  /** predicted time-averaged ‖∇L‖² of GD: ‖∇L‖² + Σσᵢ²Sᵢ² */
  predictedGradNormSq: number;
}

/**
 * The central flow of GD (module comment), integrated by Heun's method (2nd order) with a barrier rate
 * κ = 0.25/dt. `evaluate` gives the velocity and the predictions at θ with the current eigenvector
 * estimates; `step` advances θ by dt and updates the eigenvector estimates by one block power step.
 */
export class CentralFlow {
  theta: Float64Array;
  private basis: Float64Array[];
  private evaluations = 0;
  private readonly threshold: number;
  private readonly activeFraction: number;
  private readonly fdStep: number;
  private next: Float64Array[] | null = null;

  constructor(
    private readonly obj: FlatLoss,
    theta0: Float64Array,
    private readonly opts: CentralFlowOptions,
  ) {
    if (!(opts.eta > 0)) throw new Error(`CentralFlow: eta must be > 0, got ${opts.eta}`);
    if (!Number.isInteger(opts.tracked) || opts.tracked < 1 || opts.tracked > 4) throw new Error(`CentralFlow: tracked must be an integer in [1, 4], got ${opts.tracked}`);
    this.theta = Float64Array.from(theta0);
    this.threshold = 2 / opts.eta;
    this.activeFraction = opts.activeFraction ?? 0.9;
    this.fdStep = opts.fdStep ?? 1e-5;
    this.basis = this.refresh(this.theta);
  }

  private refresh(theta: Float64Array): Float64Array[] {
    const k = Math.min(this.opts.tracked, this.obj.n);
    return this.obj.top(theta, k, this.opts.rng.child('refresh', this.evaluations), Math.min(this.opts.lanczosIters, this.obj.n)).vectors;
  }

  evaluate(theta: Float64Array, kappa: number): CentralFlowEvaluation {
    if (this.evaluations > 0 && this.evaluations % this.opts.refreshEvery === 0) this.basis = this.refresh(theta);
    this.evaluations++;
    const V = this.basis;
    const k = V.length;
    let value = 0;
    let g: Float64Array = new Float64Array(this.obj.n);
    const HV: Float64Array[] = [];
    for (let i = 0; i < k; i++) {
      const r = this.obj.hvp(theta, V[i]);
      if (i === 0) {
        value = r.value;
        g = r.g;
      }
      HV.push(r.hv);
    }
    // Rayleigh–Ritz on span(V): M = VᵀHV, M = Z diag(θ) Zᵀ, Ritz vectors U = VZ, HU = HV·Z.
    const M = new Float64Array(k * k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) M[i * k + j] = 0.5 * (dot(V[i], HV[j]) + dot(V[j], HV[i]));
    const eig = eigh({ rows: k, cols: k, data: M });
    const order = [...Array(k).keys()].sort((a, b) => eig.values[b] - eig.values[a]);
    const U: Float64Array[] = [];
    const HU: Float64Array[] = [];
    const S: number[] = [];
    for (const c of order) {
      const u = new Float64Array(this.obj.n);
      const hu = new Float64Array(this.obj.n);
      for (let j = 0; j < k; j++) {
        const z = eig.vectors.data[j * k + c];
        for (let q = 0; q < u.length; q++) {
          u[q] += z * V[j][q];
          hu[q] += z * HV[j][q];
        }
      }
      U.push(u);
      HU.push(hu);
      S.push(eig.values[c]);
    }
    // next basis: one block power step from the Ritz vectors
    this.next = orthonormalize(HU);
    if (this.next.length < k) this.next = null;
    // constraints on the eigenvalues near the edge
    const active = S.map((s, i) => (s >= this.activeFraction * this.threshold ? i : -1)).filter((i) => i >= 0);
    const gradS: Float64Array[] = active.map((i) => sharpnessGradient(this.obj, theta, U[i], HU[i], this.fdStep));
    const sigma2 = new Array<number>(k).fill(0);
    if (active.length) {
      // want dSᵢ/dτ = ⟨∇Sᵢ, −g − ½Σⱼσⱼ²∇Sⱼ⟩ ≤ κ(2/η − Sᵢ):  A σ ≥ b with A = ½⟨∇Sᵢ,∇Sⱼ⟩, b = −⟨∇Sᵢ,g⟩ − κ(2/η − Sᵢ)
      const A = gradS.map((a) => gradS.map((c) => 0.5 * dot(a, c)));
      const b = active.map((i, r) => -dot(gradS[r], g) - kappa * (this.threshold - S[i]));
      const s = solveSmallLcp(A, b);
      active.forEach((i, r) => {
        sigma2[i] = s[r];
      });
    }
    const velocity = new Float64Array(this.obj.n);
    for (let q = 0; q < velocity.length; q++) velocity[q] = -g[q];
    active.forEach((i, r) => {
      const c = -0.5 * sigma2[i];
      if (c !== 0) for (let q = 0; q < velocity.length; q++) velocity[q] += c * gradS[r][q];
    });
    const gradNormSq = dot(g, g);
    let predictedLoss = value;
    let predictedGradNormSq = gradNormSq;
    for (let i = 0; i < k; i++) {
      predictedLoss += 0.5 * sigma2[i] * S[i];
      predictedGradNormSq += sigma2[i] * S[i] * S[i];
    }
    return { value, gradNormSq, sharpness: S, sigma2, velocity, predictedLoss, predictedGradNormSq };
  }

  /** Advance by dt (Heun); returns the evaluation at the starting point. */
  step(dt: number): CentralFlowEvaluation {
    const kappa = 0.25 / dt;
    const e1 = this.evaluate(this.theta, kappa);
    const basis1 = this.next;
    const mid = axpy(dt, e1.velocity, this.theta);
    const e2 = this.evaluate(mid, kappa);
    const out = Float64Array.from(this.theta);
    for (let q = 0; q < out.length; q++) out[q] += 0.5 * dt * (e1.velocity[q] + e2.velocity[q]);
    this.theta = out;
    if (this.next) this.basis = this.next;
    else if (basis1) this.basis = basis1;
    return e1;
  }
}

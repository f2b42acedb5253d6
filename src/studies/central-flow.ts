/**
 * Catalog 16: gradient flow vs gradient descent at the edge of stability; the implicit-gradient-
 * regularization and central-flow pictures (the paper's §2.3–2.4 and footnote 6).
 *
 * Claims and formulas (time τ = η·steps; sharpness S = λ_max(∇²L)):
 *  1. Gradient flow (GF) dθ/dτ = −∇L keeps sharpening past 2/η, while full-batch GD with step η stops at
 *     the edge S ≈ 2/η (Cohen, Kaur, Li, Kolter & Talwalkar 2021, ICLR).
 *  2. Before the edge, GD follows the gradient flow of the modified loss L̃ = L + (η/4)‖∇L‖² to O(η²) per
 *     unit time, while it is only O(η) close to plain GF (Barrett & Dherin 2021, "Implicit gradient
 *     regularization", ICLR; the paper's footnote 6). So ‖θ_GD − θ_GF‖ ≫ ‖θ_GD − θ_IGR‖.
 *  3. At the edge, GD's time average follows the central flow (Cohen, Damian, Talwalkar, Kolter & Lee
 *     2025, "Understanding optimization in deep learning with central flows", ICLR; built on the
 *     self-stabilization analysis of Damian, Nichani & Lee 2023, ICLR):
 *        dθ/dτ = −[∇L + ½ σ²(τ) ∇S],  σ² ≥ 0 the smallest value that keeps S ≤ 2/η,
 *     i.e. GF projected onto the sharpness constraint, and GD's time-averaged loss is predicted as
 *        E[L_GD] ≈ L(θ_CF) + ½ σ² S(θ_CF)    (and E‖∇L_GD‖² ≈ ‖∇L(θ_CF)‖² + σ² S², reported).
 *     Implementation: src/theory/stabilityFlows.ts (∇S = ∇³L[u,u,·] by a difference of exact
 *     Hessian-vector products; one multiplier per tracked eigenvalue at the edge).
 *
 * Setting. A small tanh MLP (2 hidden layers, SP init) fitted by MSE to random Gaussian labels of Gaussian
 * inputs, as in catalog 15 (random labels make progressive sharpening strong). GD, GF (RK4 with dt·λ ≤ 1.5),
 * the modified flow (RK4) and the central flow (Heun, dt = η/2, branched from GF before S reaches 0.85·2/η,
 * where the two flows still coincide) all start from the same initialization.
 *
 * Step sizes from the setting. Gradient flow does not depend on η (τ is its time), and how far it sharpens over
 * [0, τ] varies a lot from one init to the next on this small net. A fixed η therefore put 2/η above GF's
 * saturation at some seeds, so the run never entered the regime the law is about (this design was measured to fix
 * that: with η = 0.08 GF saturated below 1.5·2/η at several quick seeds, out of regime). So GF runs first, and each
 * step size is placed by a declared ratio ρ (`edgeRatios`): η = 2ρ / max S_GF, rounded down to a whole number of GD
 * steps per checkpoint interval (GD's checkpoints then fall on GF's grid; the rounding lowers max S_GF·η/2 below ρ by
 * at most a factor 1 − η/Δτ). ρ = 1.6 leaves the catalog's "GF exceeds 2/η by > 50%" with room for that rounding.
 * This uses only GF (η-free) to choose η, never GD, whose sharpness is what is judged.
 *
 * Pass criteria (catalog 16), per step size η:
 *  (a) GF's final sharpness ≥ 1.5·2/η, while GD's sharpness stays ≤ 1.2·2/η over the second half of the
 *      run. Deviation: the catalog's "GD stays within 1.2·2/η" is read on the second half (as the median
 *      in catalog 15), not over the whole run, because the onset of the edge always overshoots: GD's
 *      oscillation grows from a tiny seed, so S passes 2/η by 10–30% for a few τ before the first
 *      self-stabilizing (catapult) cycle brings it back.
 *  (b) Before the edge (the last checkpoint before GD's sharpness first reaches 0.9·2/η, where the
 *      modified-equation series in ηH still converges), ‖θ_GD − θ_GF‖ / ‖θ_GD − θ_IGR‖ > 2.
 *  (c) Stretch (catalog): the central flow's predicted loss tracks GD's time-averaged loss within 5%.
 *      Read as: the GD loss averaged over consecutive windows of `averagingWindow` τ, over the second half
 *      of the time spent at the edge (from GD's first crossing of 2/η to the end), matches the central-flow
 *      prediction averaged over the same windows; the largest relative error ≤ 5%. Deviation: the first
 *      half of the edge phase is excluded because the onset overshoot and catapult of (a) are outside the
 *      central flow's assumption of a steady, small oscillation (Cohen et al. 2025 also see this transient);
 *      during it the relative error reaches 15–30% on this net. We report the whole-phase error too.
 *      What fails where (c) fails. The prediction L(θ_CF) + ½σ²S has two parts (Cohen et al. 2025: GD = a central
 *      path plus an oscillation of variance σ² along the top eigenvector), reported separately per window: the
 *      central path, L(θ_CF) against the loss at GD's second-order midpoints w̄_t = (θ_{t−1} + 2θ_t + θ_{t+1})/4
 *      (they cancel the period-2 oscillation; Cohen et al.'s code compares the flow with the same midpoints), and
 *      the oscillation, ½σ²S against GD's L − L(w̄) (their ratio is 1 when GD's E[x²] = σ²). The flow itself is
 *      not the cause: its Heun step is converged in dt (halving dt leaves the prediction unchanged), the quick
 *      profile's failures have a single eigenvalue at the edge (`max active constraints`; tracking two there
 *      changes nothing), its ∇S matches a finite difference of λ_max (test/theory/stabilityFlows.test.ts), its
 *      Ritz value matches a fresh Lanczos run along the flow, and GD's central path does sit at
 *      S(w̄) = 2/η (`GD central-path S/(2/η) late median`). GD's own iterates read slightly below or above 2/η
 *      because the checkpoints sample one parity of the period-2 oscillation; that is not GD leaving the edge.
 *      The failing part is the oscillation. GD's edge phase on this small net is a train of self-stabilization
 *      cycles (Damian, Nichani & Lee 2023): S overshoots 2/η while the oscillation regrows from almost nothing,
 *      then a burst drives S back below. σ² predicts the cycle average of x², but one cycle lasts about one
 *      averaging window, so a window's oscillation energy ranges from a small fraction to a multiple of ½σ²S
 *      (`late oscillation ratio min/max`); late in the run that energy is most of the loss (the fit nears
 *      interpolation), so the window's relative error is large. At other seeds GD's oscillation relaxes toward
 *      σ² from below over longer than the run, or the central path itself drifts from GD's
 *      (`late central-path max rel error`). These are limits of the central flow as a window-by-window
 *      description of this net's GD, and (c) is reported falsified there as it is. The loss averaged over the
 *      whole late half (`late-phase loss rel error`, more cycles per average) is reported, not judged: adopting
 *      it after seeing the per-window failures would be a post-hoc criterion.
 * GD runs through the trainer `fit`; the three flows are this study's own integrators (their point is to be
 * compared with GD), stepped by RK4 and Heun with abort checks between steps.
 *
 * Regime (the setting): GF's peak sharpness is at least twice its initial one (progressive sharpening carries the
 * net to the edge from well below it); S_GD(0) < 2/η (the run starts stable); GD reaches the edge, with at least two
 * averaging windows in the second half of the edge phase; GF's final sharpness ≥ 1.5·2/η (catalog (a): it can fail
 * only if GF peaks early and falls back, since η is placed from its peak); every flow stays finite.
 *
 * Deviation from the catalog's set-up: the net is smaller (64 examples, width 16) than catalog 15's,
 * because the central flow costs several Hessian-vector products per step; the claims are about
 * dynamics near the edge, which this net shows cleanly. The quick profile tracks one eigenpair in the
 * central flow (the default tracks two). Mostly one eigenvalue reaches the edge (the scalar `max active
 * constraints`); where two do (late in some default runs at ρ = 2), the flow's diagonal Σ (a deviation from
 * Cohen et al.'s PSD matrix, src/theory/stabilityFlows.ts) is in play.
 *
 * Falsifiability (issue 13). GD's sharpness is judged against the predicted edge η·S = 2, two-sided ([0.95, 1.2]):
 * at the edge, not below it. Gradient flow does not depend on η, so how far it sharpens describes the landscape,
 * not the law: it sets η and is checked only as the setting. Controls: GD's edge at 1.6/η and at 2.5/η.
 * Both profiles judge over five seeds (Wilson lower bound of the fraction holding ≥ 0.4): since (c) fails at most
 * single seeds, a single seed's `holds` would depend on which seed was drawn; over five the verdict is never a
 * `holds` that the law does not earn (`lmech run central-flow --quick --seeds 1` still runs one seed).
 */
import { z } from 'zod';
import * as op from '../core/ops.ts';
import { distance, mean, median } from '../core/stats.ts';
import { type Tensor, tensor } from '../core/tensor.ts';
import { mlp } from '../nn/mlp.ts';
import { sgd } from '../nn/optim.ts';
import { fit, throwIfAborted } from '../nn/train.ts';
import { rk4Step } from '../theory/ode.ts';
import { CentralFlow, type FlatLoss, flatLoss, flatParams, gradientFlowVelocity, modifiedFlowVelocity, rk4Substeps } from '../theory/stabilityFlows.ts';
import { type Control, defineStudy, type Figure, type MeasureContext, type MetricSpec, type Observations, type RegimeCheck, type Scalars, type Series } from './types.ts';

const Params = z.object({
  examples: z.number().int().min(8).max(2048).default(64),
  inputDim: z.number().int().min(1).max(64).default(4),
  width: z.number().int().min(4).max(256).default(16),
  /**
   * where each step size puts the edge: gradient flow's peak sharpness over [0, τ] in units of 2/η, so
   * η = 2·ratio / max S_GF (rounded down to a whole number of GD steps per checkpoint interval); one GD run each
   */
  edgeRatios: z.array(z.number().min(1.2).max(4)).min(1).max(4).default([1.6, 2]),
  /** continuous time τ = η·steps of every run */
  tau: z.number().positive().default(140),
  /** checkpoints (sharpness, distances) per run, evenly spaced in τ */
  measurements: z.number().int().min(10).max(500).default(70),
  lanczosIters: z.number().int().min(5).max(100).default(20),
  /** top eigenpairs tracked by the central flow (each may carry a multiplier) */
  trackedEigenpairs: z.number().int().min(1).max(3).default(2),
  /** width in τ of the windows over which GD's loss is time-averaged for criterion (c) */
  averagingWindow: z.number().positive().default(10),
});
type P = z.infer<typeof Params>;

/** One GD run per edge ratio ρ = max S_GF / (2/η). */
type Group = `ρ=${number}`;
const group = (ratio: number): Group => `ρ=${Number(ratio.toPrecision(3))}`;
/** The scalars `measure` hands to `compare`, one set per step size. */
type Key = `${
  | 'S_GD(0)·η/2'
  | 'first crossing τ'
  | 'pre-edge checkpoint τ'
  | 'IGR ratio'
  | 'max active constraints'
  | 'central-flow branch τ'
  | 'final distance GD–CF / GD–GF'
  | 'late windows'
  | 'late loss max rel error'
  | 'late loss mean rel error'
  | 'late ‖∇L‖² max rel error'
  | 'late central-path max rel error'
  | 'late oscillation ratio min'
  | 'late oscillation ratio max'
  | 'late-phase loss rel error'
  | 'GD central-path S/(2/η) late median'
  | 'whole-edge loss max rel error'
  | 'GD max S/(2/η) second half'
  | 'η'
  | 'GF peak S/(2/η)'
  | 'GF final S/(2/η)'} ${Group}` | 'GF peak S / S(0)';

/** GF must at least double its sharpness over [0, τ]: see the regime check `progressive sharpening`. */
const MIN_SHARPENING = 2;

/** Blocks of consecutive steps [i0, i1) covering [from, to) with about `width` steps each. */
function blocks(from: number, to: number, width: number): [number, number][] {
  const count = Math.floor((to - from) / width);
  const out: [number, number][] = [];
  for (let b = 0; b < count; b++) out.push([from + Math.round((b * (to - from)) / count), from + Math.round(((b + 1) * (to - from)) / count)]);
  return out;
}

/** The net, its training MSE and its flat loss, at the initialization every run and flow starts from. */
interface Problem {
  ps: Tensor[];
  /** the training MSE on the tensors `ps` */
  loss: () => Tensor;
  obj: FlatLoss;
  theta0: Float64Array;
}

/** Random Gaussian labels of Gaussian inputs, fitted by a tanh MLP; the same data and init at every call. */
function problem(p: P, ctx: MeasureContext): Problem {
  const rng = ctx.rng;
  const x = tensor(rng.child('x').fillNormal(new Float64Array(p.examples * p.inputDim)), [p.examples, p.inputDim]);
  const y = tensor(rng.child('y').fillNormal(new Float64Array(p.examples)), [p.examples, 1]);
  const net = mlp({ sizes: [p.inputDim, p.width, p.width, 1], activation: 'tanh', parameterization: 'sp' }, rng.child('init'));
  const ps = net.params();
  const loss = () => op.mse(net.forward(x), y);
  return { ps, loss, obj: flatLoss(loss, ps), theta0: flatParams(ps) };
}

/** What every phase of one step size's run shares: the net (a fresh copy of the init), η, the checkpoints. */
interface Setup extends Problem {
  p: P;
  eta: number;
  /** the group label of this edge ratio */
  g: Group;
  /** the stability threshold 2/η */
  thr: number;
  steps: number;
  /** GD steps at which sharpness and parameters are recorded (0 and `steps` included): every τ/measurements */
  checkpoints: number[];
  ctx: MeasureContext;
  report: (frac: number, msg: string) => void;
}

/**
 * The step size that puts the edge 2/η at `ratio`⁻¹ of gradient flow's peak sharpness: η = 2·ratio / max S_GF,
 * rounded down so that a whole number `every` of GD steps spans each checkpoint interval Δτ = τ/measurements (GD's
 * checkpoints then fall exactly on the flow's grid). The rounding lowers max S_GF·η/2 below `ratio` by at most a
 * factor 1 − η/Δτ.
 */
function stepSize(p: P, gf: FlowRun, ratio: number): { eta: number; every: number } {
  const dTau = p.tau / p.measurements;
  const peak = Math.max(...gf.S);
  const every = Math.max(1, Math.ceil((dTau * peak) / (2 * ratio)));
  return { eta: dTau / every, every };
}

function setUp(p: P, ratio: number, gf: FlowRun, ctx: MeasureContext, done: number, total: number): Setup {
  const g = group(ratio);
  const { eta, every } = stepSize(p, gf, ratio);
  const steps = every * p.measurements;
  const checkpoints = Array.from({ length: p.measurements + 1 }, (_, k) => k * every);
  // the gradient flow took the first fifth of the progress bar
  const report = (frac: number, msg: string) => ctx.progress(0.2 + (0.8 * (done + frac)) / total, `${g} ${msg}`);
  return { ...problem(p, ctx), p, eta, g, thr: 2 / eta, steps, checkpoints, ctx, report };
}

interface GdRun {
  /** loss and ‖∇L‖² at every step 0..steps */
  loss: Float64Array;
  gradSq: Float64Array;
  /** sharpness and parameters at the checkpoints */
  S: number[];
  theta: Float64Array[];
  /** parameters after every step 0..steps (for GD's central path, `centralPath`) */
  path: Float64Array[];
}

/** Full-batch GD θ ← θ − η∇L from θ₀, every step's loss and squared gradient norm recorded. */
function runGd(su: Setup): GdRun {
  const { p, eta, g, ps, obj, steps, checkpoints, ctx } = su;
  const loss = new Float64Array(steps + 1);
  const gradSq = new Float64Array(steps + 1);
  const S: number[] = [];
  const theta: Float64Array[] = [];
  const path: Float64Array[] = [];
  const record = (t: number, value: number, grads: ArrayLike<number>[]) => {
    loss[t] = value;
    let q = 0;
    for (const gi of grads) for (let i = 0; i < gi.length; i++) q += gi[i] * gi[i];
    gradSq[t] = q;
  };
  const isCheckpoint = new Set(checkpoints);
  const r = fit({
    params: ps,
    loss: su.loss,
    optimizer: sgd(eta),
    steps,
    evalAt: (t) => isCheckpoint.has(t),
    signal: ctx.signal,
    // before step t's update the parameters are θ_{t−1}
    onStep: (t, value, grads) => {
      record(t - 1, value, grads);
      path.push(flatParams(ps));
    },
    onEval: (t) => {
      const th = flatParams(ps);
      const { value, g: grad } = obj.grad(th);
      if (!Number.isFinite(value)) return 'stop';
      record(t, value, [grad]);
      const s = obj.top(th, 1, ctx.rng.child('gd-lanczos', eta, t), p.lanczosIters).values[0];
      S.push(s);
      theta.push(th);
      ctx.emit?.({ name: 'sharpness', group: `GD ${g}`, x: t * eta, y: s });
      ctx.emit?.({ name: 'train loss', group: `GD ${g}`, x: t * eta, y: value });
      su.report((0.25 * t) / steps, `GD step ${t}/${steps}`);
    },
  });
  const diverged = r.diverged ? r.diverged.step - 1 : r.stopped ? r.steps : -1;
  if (diverged >= 0) throw new Error(`central-flow: GD diverged at step ${diverged} (${g}); lower etas`);
  path.push(theta[theta.length - 1]);
  return { loss, gradSq, S, theta, path };
}

interface FlowRun {
  S: number[];
  loss: number[];
  theta: Float64Array[];
}

/**
 * Gradient flow from θ₀ by RK4 on the grid τ_k = k·τ/measurements, substeps from the last measured sharpness. GF
 * does not depend on η (τ is its time), so one flow serves every step size, and it is run first: its peak
 * sharpness sets η (`stepSize`).
 */
function runGradientFlow(p: P, ctx: MeasureContext): FlowRun {
  const { obj, theta0 } = problem(p, ctx);
  const dTau = p.tau / p.measurements;
  let theta: Float64Array = Float64Array.from(theta0);
  const out: FlowRun = { S: [], loss: [], theta: [] };
  const vel = gradientFlowVelocity(obj);
  for (let k = 0; k <= p.measurements; k++) {
    throwIfAborted(ctx.signal);
    if (k > 0) {
      // 1.2× margin: S grows between checkpoints
      const sub = rk4Substeps(dTau, 1.2 * out.S[k - 1]);
      for (let q = 0; q < sub; q++) theta = rk4Step(vel, theta, dTau / sub);
    }
    const s = obj.top(theta, 1, ctx.rng.child('gf-lanczos', k), p.lanczosIters).values[0];
    const l = obj.grad(theta).value;
    if (!Number.isFinite(l) || !Number.isFinite(s)) throw new Error(`central-flow: gradient flow left the finite range at τ = ${k * dTau}`);
    out.S.push(s);
    out.loss.push(l);
    out.theta.push(Float64Array.from(theta));
    ctx.emit?.({ name: 'sharpness', group: 'gradient flow', x: k * dTau, y: s });
    ctx.progress((0.2 * k) / p.measurements, 'gradient flow');
  }
  return out;
}

interface ModifiedFlowRun {
  /** checkpoint times up to the pre-edge comparison point */
  times: number[];
  /** ‖θ_GD − θ_IGR‖ and ‖θ_GD − θ_GF‖ at those times */
  igrD: number[];
  gfD: number[];
}

/** The modified-loss (IGR) flow by RK4 up to the last checkpoint before GD's sharpness reaches 0.9·2/η. */
function runModifiedFlow(su: Setup, gd: GdRun, gf: FlowRun): ModifiedFlowRun {
  const { eta, thr, obj, checkpoints, ctx } = su;
  const nearEdge = gd.S.findIndex((s) => s >= 0.9 * thr);
  const preEnd = nearEdge < 0 ? checkpoints.length - 1 : Math.max(1, nearEdge - 1);
  const out: ModifiedFlowRun = { times: [], igrD: [], gfD: [] };
  let theta: Float64Array = Float64Array.from(su.theta0);
  const vel = modifiedFlowVelocity(obj, eta);
  for (let k = 1; k <= preEnd; k++) {
    throwIfAborted(ctx.signal);
    // the modified flow's Jacobian is H + (η/2)H², eigenvalue λ(1 + ηλ/2)
    const s = 1.2 * gd.S[k - 1];
    const sub = rk4Substeps(eta, s * (1 + (eta * s) / 2));
    for (let t = checkpoints[k - 1]; t < checkpoints[k]; t++) for (let q = 0; q < sub; q++) theta = rk4Step(vel, theta, eta / sub);
    out.times.push(checkpoints[k] * eta);
    out.igrD.push(distance(gd.theta[k], theta));
    out.gfD.push(distance(gd.theta[k], gf.theta[k]));
  }
  su.report(0.55, 'modified flow');
  return out;
}

interface CentralFlowRun {
  /** the checkpoint the central flow branches from gradient flow */
  branch: number;
  /** predicted time-averaged loss and ‖∇L‖², and the loss L(θ_CF) itself, at every GD step from the branch on (NaN before) */
  predLoss: Float64Array;
  predGradSq: Float64Array;
  value: Float64Array;
  /** at the checkpoints: top two eigenvalues, Σσᵢ², parameters */
  S: number[];
  S2: number[];
  sigma2: number[];
  theta: Float64Array[];
  maxActive: number;
}

/** The central flow (Heun, dt = η/2), branched from gradient flow while S < 0.85·2/η. */
function runCentralFlow(su: Setup, gf: FlowRun): CentralFlowRun {
  const { p, eta, g, thr, obj, steps, checkpoints, ctx } = su;
  let branch = 0;
  while (branch + 1 < checkpoints.length && gf.S[branch + 1] < 0.85 * thr) branch++;
  const cf = new CentralFlow(obj, gf.theta[branch], { eta, tracked: p.trackedEigenpairs, rng: ctx.rng.child('central-flow', eta), lanczosIters: p.lanczosIters, refreshEvery: 40 });
  const out: CentralFlowRun = {
    branch,
    predLoss: new Float64Array(steps + 1).fill(Number.NaN),
    predGradSq: new Float64Array(steps + 1).fill(Number.NaN),
    value: new Float64Array(steps + 1).fill(Number.NaN),
    S: gf.S.slice(0, branch + 1),
    S2: new Array<number>(branch + 1).fill(Number.NaN),
    sigma2: new Array<number>(branch + 1).fill(0),
    theta: gf.theta.slice(0, branch + 1),
    maxActive: 0,
  };
  const checkpointIndex = new Map(checkpoints.map((t, k) => [t, k]));
  const sub = 2;
  for (let t = checkpoints[branch]; t <= steps; t++) {
    throwIfAborted(ctx.signal);
    const k = checkpointIndex.get(t) ?? -1;
    const thetaNow = Float64Array.from(cf.theta);
    const e = cf.step(eta / sub);
    if (!Number.isFinite(e.value) || !Number.isFinite(e.predictedLoss)) throw new Error(`central-flow: the central flow left the finite range at τ = ${t * eta} (${g})`);
    out.predLoss[t] = e.predictedLoss;
    out.predGradSq[t] = e.predictedGradNormSq;
    out.value[t] = e.value;
    out.maxActive = Math.max(out.maxActive, e.sigma2.filter((s) => s > 0).length);
    if (k > branch) {
      out.theta.push(thetaNow);
      out.S.push(e.sharpness[0]);
      out.S2.push(e.sharpness[1] ?? Number.NaN);
      out.sigma2.push(e.sigma2.reduce((a, b) => a + b, 0));
      ctx.emit?.({ name: 'sharpness', group: `central flow ${g}`, x: t * eta, y: e.sharpness[0] });
      ctx.emit?.({ name: 'time-averaged train loss', group: `central flow ${g}`, x: t * eta, y: e.predictedLoss });
      su.report(0.55 + (0.45 * (t - checkpoints[branch])) / Math.max(1, steps - checkpoints[branch]), 'central flow');
    }
    if (t === steps) break;
    for (let q = 1; q < sub; q++) cf.step(eta / sub);
  }
  return out;
}

const meanOf = (a: Float64Array, i0: number, i1: number) => mean(a.subarray(i0, i1));

/** The curves: sharpness, time-averaged loss and ‖∇L‖² over each checkpoint interval, distances from GD. */
function curves(su: Setup, gd: GdRun, gf: FlowRun, igr: ModifiedFlowRun, cf: CentralFlowRun): Series[] {
  const { p, eta, g, checkpoints } = su;
  const cx = checkpoints.map((t) => t * eta);
  const series: Series[] = [];
  series.push({ name: 'sharpness', group: `GD ${g}`, kind: 'measured', x: cx, y: gd.S });
  // the threshold 2/η of the step size chosen from gradient flow (the study's prediction, η·S = 2, drawn at this η)
  series.push({ name: 'sharpness', group: `2/η ${g}`, kind: 'predicted', x: [0, p.tau], y: [su.thr, su.thr] });
  series.push({ name: 'sharpness', group: `central flow ${g}`, kind: 'predicted', x: cx.slice(0, cf.S.length), y: cf.S });
  if (p.trackedEigenpairs >= 2) series.push({ name: 'second eigenvalue along the central flow', group: g, kind: 'predicted', x: cx.slice(cf.branch + 1, cf.S2.length), y: cf.S2.slice(cf.branch + 1) });
  series.push({ name: 'σ² of the central flow', group: g, kind: 'predicted', x: cx.slice(0, cf.sigma2.length), y: cf.sigma2 });
  const ax: number[] = [];
  const aGd: number[] = [];
  const aCf: number[] = [];
  const aGdG: number[] = [];
  const aCfG: number[] = [];
  for (let k = 1; k < checkpoints.length; k++) {
    const i0 = checkpoints[k - 1];
    const i1 = checkpoints[k];
    ax.push(((i0 + i1) / 2) * eta);
    aGd.push(meanOf(gd.loss, i0, i1));
    aGdG.push(meanOf(gd.gradSq, i0, i1));
    const pl = meanOf(cf.predLoss, i0, i1);
    aCf.push(Number.isNaN(pl) ? gf.loss[k - 1] : pl);
    aCfG.push(meanOf(cf.predGradSq, i0, i1));
  }
  series.push({ name: 'train loss', group: `GD ${g}`, kind: 'measured', x: cx, y: checkpoints.map((t) => gd.loss[t]) });
  series.push({ name: 'time-averaged train loss', group: `GD ${g}`, kind: 'measured', x: ax, y: aGd });
  series.push({ name: 'time-averaged train loss', group: `central flow ${g}`, kind: 'predicted', x: ax, y: aCf });
  const gIdx = aCfG.map((v, i) => (Number.isFinite(v) ? i : -1)).filter((i) => i >= 0);
  series.push({ name: 'time-averaged ‖∇L‖²', group: `GD ${g}`, kind: 'measured', x: ax, y: aGdG });
  series.push({ name: 'time-averaged ‖∇L‖²', group: `central flow ${g}`, kind: 'predicted', x: gIdx.map((i) => ax[i]), y: gIdx.map((i) => aCfG[i]) });
  series.push({ name: 'distance from GD', group: `gradient flow ${g}`, kind: 'measured', x: cx, y: cx.map((_, k) => distance(gd.theta[k], gf.theta[k])) });
  series.push({ name: 'distance from GD', group: `central flow ${g}`, kind: 'measured', x: cx.slice(0, cf.theta.length), y: cf.theta.map((th, k) => distance(gd.theta[k], th)) });
  series.push({ name: 'distance from GD', group: `modified-loss flow ${g}`, kind: 'measured', x: igr.times, y: igr.igrD });
  return series;
}

/** First step of the second half of the edge phase (from GD's first checkpoint at η·S ≥ 2 to the end), or null. */
function lateStart(su: Setup, gd: GdRun): number | null {
  const firstCross = gd.S.findIndex((s) => s >= su.thr);
  return firstCross >= 0 ? Math.round((su.checkpoints[firstCross] + su.steps) / 2) : null;
}

/** GD's central path over the late phase (see `centralPath`). */
interface CentralPath {
  /** loss at the midpoints at every step of [from, steps) (NaN elsewhere) */
  loss: Float64Array;
  /** their sharpness at the checkpoints in [from, steps), in units of 2/η */
  S: number[];
}

/**
 * GD's central path: the second-order midpoints w̄_t = (θ_{t−1} + 2θ_t + θ_{t+1})/4, which cancel a period-2
 * oscillation exactly and keep a linear drift (the 'midpoint' iterates that Cohen et al. 2025's code compares with
 * the central flow). Their loss at every step of [from, steps) (NaN elsewhere), and their sharpness at the
 * checkpoints there in units of 2/η.
 */
function centralPath(su: Setup, gd: GdRun, from: number): CentralPath {
  const { p, eta, obj, thr, steps, checkpoints, ctx } = su;
  const loss = new Float64Array(steps + 1).fill(Number.NaN);
  const S: number[] = [];
  const isCheckpoint = new Set(checkpoints);
  for (let t = Math.max(1, from); t < steps; t++) {
    const [a, b, c] = [gd.path[t - 1], gd.path[t], gd.path[t + 1]];
    const mid = new Float64Array(b.length);
    for (let i = 0; i < mid.length; i++) mid[i] = (a[i] + 2 * b[i] + c[i]) / 4;
    loss[t] = obj.grad(mid).value;
    if (isCheckpoint.has(t)) S.push(obj.top(mid, 1, ctx.rng.child('gd-midpoint-lanczos', eta, t), p.lanczosIters).values[0] / thr);
  }
  return { loss, S };
}

/**
 * Criterion (c)'s error split into the central flow's two predictions, per window [i0, i1): the loss of the central
 * path, L(θ_CF) against GD's midpoint loss L(w̄) (relative error), and the oscillation's share of the loss, GD's
 * L − L(w̄) against the predicted ½σ²S = prediction − L(θ_CF) (ratio; 1 where GD oscillates with E[x²] = σ²).
 */
export function splitLossError(
  windows: readonly [number, number][],
  series: { gd: Float64Array; midpoint: Float64Array; predicted: Float64Array; flow: Float64Array },
): { pathMaxRelError: number; oscillationRatioMin: number; oscillationRatioMax: number } {
  if (!windows.length) throw new Error('splitLossError: windows is empty, expected at least one [i0, i1) window');
  const path: number[] = [];
  const ratio: number[] = [];
  for (const [i0, i1] of windows) {
    const mid = meanOf(series.midpoint, i0, i1);
    const flow = meanOf(series.flow, i0, i1);
    path.push(Math.abs(flow - mid) / mid);
    ratio.push((meanOf(series.gd, i0, i1) - mid) / (meanOf(series.predicted, i0, i1) - flow));
  }
  return { pathMaxRelError: Math.max(...path), oscillationRatioMin: Math.min(...ratio), oscillationRatioMax: Math.max(...ratio) };
}

/** The late-phase decomposition of criterion (c) (reported): see `centralPath` and `splitLossError`. */
function lateDecomposition(su: Setup, gd: GdRun, cf: CentralFlowRun, mid: CentralPath, late: [number, number][], from: number): Scalars<Key> {
  const { g, steps } = su;
  const split = splitLossError(late, { gd: gd.loss, midpoint: mid.loss, predicted: cf.predLoss, flow: cf.value });
  const gdMean = meanOf(gd.loss, from, steps);
  return {
    [`late central-path max rel error ${g}`]: split.pathMaxRelError,
    [`late oscillation ratio min ${g}`]: split.oscillationRatioMin,
    [`late oscillation ratio max ${g}`]: split.oscillationRatioMax,
    [`late-phase loss rel error ${g}`]: Math.abs(meanOf(cf.predLoss, from, steps) - gdMean) / gdMean,
    [`GD central-path S/(2/η) late median ${g}`]: mid.S.length ? median(mid.S) : Number.NaN,
  };
}

/** The scalars `compare` reads: the edge crossing, the IGR ratio and the windowed central-flow errors (criterion c). */
function edgeScalars(su: Setup, gd: GdRun, gf: FlowRun, igr: ModifiedFlowRun, cf: CentralFlowRun, mid: CentralPath | null): Scalars<Key> {
  const { p, eta, g, thr, steps, checkpoints } = su;
  const firstCross = gd.S.findIndex((s) => s >= thr);
  const cx = checkpoints.map((t) => t * eta);
  const scalars: Scalars<Key> = {};
  scalars[`S_GD(0)·η/2 ${g}`] = (gd.S[0] * eta) / 2;
  scalars[`first crossing τ ${g}`] = firstCross >= 0 ? cx[firstCross] : Number.NaN;
  scalars[`pre-edge checkpoint τ ${g}`] = igr.times.length ? igr.times[igr.times.length - 1] : Number.NaN;
  scalars[`IGR ratio ${g}`] = igr.gfD.length ? igr.gfD[igr.gfD.length - 1] / igr.igrD[igr.igrD.length - 1] : Number.NaN;
  scalars[`max active constraints ${g}`] = cf.maxActive;
  scalars[`central-flow branch τ ${g}`] = cx[cf.branch];
  const last = gd.theta[gd.theta.length - 1];
  scalars[`final distance GD–CF / GD–GF ${g}`] = distance(last, cf.theta[cf.theta.length - 1]) / distance(last, gf.theta[gf.theta.length - 1]);
  // criterion (c): windows over the second half of the edge phase, and over the whole phase (reported)
  const from = lateStart(su, gd);
  if (firstCross >= 0 && from !== null) {
    const tc = checkpoints[firstCross];
    const width = Math.max(1, Math.round(p.averagingWindow / eta));
    const relErrs = (bs: [number, number][], a: Float64Array, b: Float64Array) =>
      bs.map(([i0, i1]) => {
        const ga = meanOf(a, i0, i1);
        return Math.abs(meanOf(b, i0, i1) - ga) / ga;
      });
    const late = blocks(from, steps, width);
    const whole = blocks(tc, steps, width);
    scalars[`late windows ${g}`] = late.length;
    if (late.length) {
      const e = relErrs(late, gd.loss, cf.predLoss);
      scalars[`late loss max rel error ${g}`] = Math.max(...e);
      scalars[`late loss mean rel error ${g}`] = mean(e);
      scalars[`late ‖∇L‖² max rel error ${g}`] = Math.max(...relErrs(late, gd.gradSq, cf.predGradSq));
      if (mid) Object.assign(scalars, lateDecomposition(su, gd, cf, mid, late, from));
    }
    if (whole.length) scalars[`whole-edge loss max rel error ${g}`] = Math.max(...relErrs(whole, gd.loss, cf.predLoss));
    const half = gd.S.slice(Math.floor(gd.S.length / 2));
    scalars[`GD max S/(2/η) second half ${g}`] = Math.max(...half) / thr;
  }
  scalars[`η ${g}`] = eta;
  scalars[`GF peak S/(2/η) ${g}`] = Math.max(...gf.S) / thr;
  scalars[`GF final S/(2/η) ${g}`] = gf.S[gf.S.length - 1] / thr;
  return scalars;
}

/** One step size: GD, then the modified and central flows from the same initialization, then the observables. */
function runOne(p: P, ratio: number, gf: FlowRun, ctx: MeasureContext, done: number, total: number): Observations<Key> {
  const su = setUp(p, ratio, gf, ctx, done, total);
  const gd = runGd(su);
  const igr = runModifiedFlow(su, gd, gf);
  const cf = runCentralFlow(su, gf);
  const from = lateStart(su, gd);
  const mid = from === null ? null : centralPath(su, gd, from);
  return { series: [...curves(su, gd, gf, igr, cf), ...oscillationCurves(su, gd, cf, mid)], scalars: edgeScalars(su, gd, gf, igr, cf, mid) };
}

/**
 * GD's oscillation energy L − L(w̄) against the central flow's ½σ²S = prediction − L(θ_CF), averaged over each
 * checkpoint interval of the late phase: the part of criterion (c) that fails on this net (header).
 */
function oscillationCurves(su: Setup, gd: GdRun, cf: CentralFlowRun, mid: CentralPath | null): Series[] {
  if (!mid) return [];
  const { eta, g, checkpoints } = su;
  const x: number[] = [];
  const yGd: number[] = [];
  const yCf: number[] = [];
  for (let k = 1; k < checkpoints.length; k++) {
    const [i0, i1] = [checkpoints[k - 1], checkpoints[k]];
    const m = meanOf(mid.loss, i0, i1);
    if (!Number.isFinite(m)) continue;
    x.push(((i0 + i1) / 2) * eta);
    yGd.push(meanOf(gd.loss, i0, i1) - m);
    yCf.push(meanOf(cf.predLoss, i0, i1) - meanOf(cf.value, i0, i1));
  }
  return [
    { name: 'oscillation energy', group: `GD ${g}`, kind: 'measured', x, y: yGd },
    { name: 'oscillation energy', group: `central flow ${g}`, kind: 'predicted', x, y: yCf },
  ];
}

/** Criterion (c)'s description: the error, and where it comes from (the header's 'What fails where (c) fails'). */
function centralFlowLossDescription(sc: Scalars<Key>, g: Group, window: number): string {
  const f = (k: Key, digits = 3) => (sc[k] ?? Number.NaN).toFixed(digits);
  return (
    `largest relative error over ${window}-τ windows; whole edge phase (incl. onset transient): ${f(`whole-edge loss max rel error ${g}`)}. ` +
    `Split per window: central path L(θ_CF) vs GD's midpoints L(w̄) off by ≤ ${f(`late central-path max rel error ${g}`)}; ` +
    `GD's oscillation energy L − L(w̄) = [${f(`late oscillation ratio min ${g}`, 2)}, ${f(`late oscillation ratio max ${g}`, 2)}] × the predicted ½σ²S ` +
    `(S(w̄) = ${f(`GD central-path S/(2/η) late median ${g}`)}·2/η). Whole late half as one window (reported): ${f(`late-phase loss rel error ${g}`)}`
  );
}

/**
 * The predicted scalars: the edge η·S = 2 (the same constant at every step size, which the setting chooses from
 * gradient flow, so it is stated per unit η), and the catalog's bounds for claims 2 and 3.
 */
type PredKey = 'η·S at the edge' | 'IGR distance ratio (lower bound)' | 'central-flow loss error (bound)';

/** The predicted edge scaled by `factor`: a rival edge at factor·2/η. */
function scaledThresholds(factor: number): Control<P, PredKey>['predict'] {
  return (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'η·S at the edge': factor * (pred.scalars['η·S at the edge'] ?? Number.NaN) } });
}

/** Rival edges a referee would propose (as in catalog 15): GD settling 20% below, or 25% above, 2/η. */
const controls: Control<P, PredKey>[] = [
  { name: 'edge at 1.6/η', description: 'GD’s sharpness settles 20% below the quadratic stability limit', predict: scaledThresholds(0.8) },
  { name: 'edge at 2.5/η', description: 'GD’s sharpness settles 25% above the quadratic stability limit', predict: scaledThresholds(1.25) },
];

export const centralFlow = defineStudy<P, PredKey, Key>(Params, {
  id: 'central-flow',
  catalog: 16,
  pillar: 'laws',
  title: 'GD vs gradient flow at the edge of stability: implicit regularization and the central flow',
  claim:
    'Gradient flow keeps sharpening past 2/η while GD holds its sharpness at 2/η; before the edge GD follows the flow of L + (η/4)‖∇L‖², and at the edge its time average follows the central flow (GF projected onto S ≤ 2/η), which predicts its time-averaged loss.',
  formula: '\\frac{d\\theta}{d\\tau} = -\\Big[\\nabla L + \\tfrac12\\sigma^2(\\tau)\\,\\nabla S\\Big],\\ S \\le 2/\\eta, \\quad \\mathbb{E}[L_{GD}] \\approx L(\\theta) + \\tfrac12\\sigma^2 S',
  papers: [
    'Cohen et al. 2021, Gradient descent on neural networks typically occurs at the edge of stability (ICLR)',
    'Barrett & Dherin 2021, Implicit gradient regularization (ICLR)',
    'Damian, Nichani & Lee 2023, Self-stabilization: the implicit bias of gradient descent at the edge of stability (ICLR)',
    'Cohen, Damian, Talwalkar, Kolter & Lee 2025, Understanding optimization in deep learning with central flows (ICLR)',
  ],
  core: false,
  quick: { edgeRatios: [1.6], tau: 100, measurements: 30, trackedEigenpairs: 1 },
  controls,
  // five seeds fit the default's budget now that one gradient flow serves both step sizes. The quick profile is a
  // five-seed verdict too: (c) fails at most single seeds (header), so one seed's `holds` would say more than the law does
  seeds: { default: 5, quick: 5, threshold: 0.4 },

  predict() {
    // η·S = 2: the stability limit of GD on the local quadratic model (Cohen et al. 2021)
    return { scalars: { 'η·S at the edge': 2, 'IGR distance ratio (lower bound)': 2, 'central-flow loss error (bound)': 0.05 }, series: [] };
  },

  measure(p, ctx) {
    const gf = runGradientFlow(p, ctx);
    const dTau = p.tau / p.measurements;
    const series: Series[] = [
      { name: 'sharpness', group: 'gradient flow', kind: 'reference', x: gf.S.map((_, k) => k * dTau), y: gf.S },
      { name: 'time-averaged train loss', group: 'gradient flow', kind: 'reference', x: gf.loss.map((_, k) => k * dTau), y: gf.loss },
    ];
    const scalars: Scalars<Key> = { 'GF peak S / S(0)': Math.max(...gf.S) / gf.S[0] };
    p.edgeRatios.forEach((ratio, i) => {
      const r = runOne(p, ratio, gf, ctx, i, p.edgeRatios.length);
      series.push(...r.series);
      Object.assign(scalars, r.scalars);
    });
    ctx.progress(1, 'done');
    return { scalars, series };
  },

  compare(pred, meas, p) {
    const metrics: MetricSpec<PredKey>[] = [];
    const regime: RegimeCheck[] = [];
    const sc = meas.scalars;
    // gradient flow does not depend on η: how far it sharpens over its init is a property of the landscape and τ
    const sharpening = sc['GF peak S / S(0)'] ?? Number.NaN;
    regime.push({
      name: 'progressive sharpening',
      ok: sharpening >= MIN_SHARPENING,
      value: sharpening,
      detail: `gradient flow's peak sharpness = ${sharpening.toFixed(2)} × its initial one (≥ ${MIN_SHARPENING}: GD sharpens up to the edge from well below it, rather than starting near it)`,
    });
    const key = 'η·S at the edge';
    for (const ratio of p.edgeRatios) {
      const g = group(ratio);
      // measure reports sharpness in units of 2/η (η·S/2); the metric re-reads it against the predicted η·S
      const inUnitsOfThr = (v: number | undefined) => ((v ?? Number.NaN) * 2) / (pred.scalars[key] ?? Number.NaN);
      const s0 = sc[`S_GD(0)·η/2 ${g}`] ?? Number.NaN;
      regime.push({ name: `starts stable ${g}`, ok: s0 < 1, value: s0, detail: `η·S_GD(0)/2 = ${s0.toFixed(3)} (< 1: stable on the initial quadratic model)` });
      const cross = sc[`first crossing τ ${g}`] ?? Number.NaN;
      // the central flow's domain: GD's step has become unstable on the local quadratic (η·S ≥ 2), a fact about GD
      // on a quadratic that defines the edge phase, not a prediction of where S settles (judged below)
      regime.push({ name: `GD reaches η·S = 2 ${g}`, ok: Number.isFinite(cross), detail: Number.isFinite(cross) ? `first η·S ≥ 2 at τ = ${cross.toFixed(1)}` : 'GD sharpness never reached 2/η: lengthen tau or lower edgeRatios' });
      const windows = sc[`late windows ${g}`] ?? 0;
      regime.push({ name: `long enough at the edge ${g}`, ok: windows >= 2, value: windows, detail: `${windows} averaging windows of ${p.averagingWindow} τ in the second half of the edge phase (need ≥ 2)` });
      // η was chosen so that GF's peak is `ratio`·2/η; only where GF ends well past the edge can GD's cap be told
      // apart from GF saturating (a GF that peaks early and falls back fails this)
      const gf = sc[`GF final S/(2/η) ${g}`] ?? Number.NaN;
      regime.push({
        name: `GF ends past the edge ${g}`,
        ok: gf >= 1.5,
        value: gf,
        detail: `gradient flow's final sharpness = ${gf.toFixed(2)}·2/η at η = ${(sc[`η ${g}`] ?? Number.NaN).toPrecision(3)} (catalog: ≥ 1.5, so that GD's cap is distinguishable from GF saturating)`,
      });
      metrics.push({
        name: `GD max S / predicted threshold, second half ${g}`,
        value: inUnitsOfThr(sc[`GD max S/(2/η) second half ${g}`]),
        criterion: { op: 'in', lo: 0.95, hi: 1.2 },
        reason: 'catalog: GD stays within 1.2·2/η, read on the second half because the onset always overshoots (see header); ≥ 0.95: GD is at the edge, not below it (the lower end of catalog 15’s band)',
        prediction: key,
      });
      metrics.push({
        name: `IGR distance ratio ${g}`,
        value: sc[`IGR ratio ${g}`] ?? Number.NaN,
        criterion: { op: '>=', bound: pred.scalars['IGR distance ratio (lower bound)'] ?? Number.NaN },
        reason: 'catalog: before the edge GD is O(η²) from the modified-loss flow but O(η) from GF, so closer by a factor > 2',
        description: `‖θ_GD − θ_GF‖ / ‖θ_GD − θ_IGR‖ at τ = ${(sc[`pre-edge checkpoint τ ${g}`] ?? Number.NaN).toFixed(1)}, the last checkpoint with S_GD < 0.9·2/η`,
        prediction: 'IGR distance ratio (lower bound)',
      });
      metrics.push({
        name: `central-flow loss error ${g}`,
        value: sc[`late loss max rel error ${g}`] ?? Number.NaN,
        criterion: { op: '<=', bound: pred.scalars['central-flow loss error (bound)'] ?? Number.NaN },
        reason: 'catalog stretch: the central flow tracks GD’s time-averaged loss within 5% (second half of the edge phase; see header)',
        description: centralFlowLossDescription(sc, g, p.averagingWindow),
        prediction: 'central-flow loss error (bound)',
      });
    }
    return { metrics, regime };
  },

  figures(p) {
    const figs: Figure[] = [
      {
        id: 'sharpness',
        title: 'Sharpness of GD, gradient flow and the central flow',
        x: { label: 'time τ = η·step' },
        y: { label: 'λ_max of the Hessian' },
        series: [{ name: 'sharpness' }],
        caption: `Solid: GD (Lanczos on exact Hessian-vector products). Reference: gradient flow (RK4). Dashed: the central flow, GF projected onto S ≤ 2/η, and 2/η itself, η chosen so that GF's peak sharpness is ${p.edgeRatios.join(' / ')} × 2/η.`,
      },
      {
        id: 'loss',
        title: 'Time-averaged GD loss vs the central-flow prediction L + ½σ²S',
        x: { label: 'time τ = η·step' },
        y: { label: 'train MSE', log: true },
        series: [{ name: 'time-averaged train loss' }, { name: 'train loss' }],
        caption: 'GD loss averaged over each checkpoint interval (solid) and sampled at checkpoints; dashed: the central flow’s prediction of the time average; reference: gradient flow.',
      },
      {
        id: 'oscillation',
        title: 'Oscillation energy at the edge: GD’s L − L(w̄) vs the central flow’s ½σ²S',
        x: { label: 'time τ = η·step' },
        y: { label: 'loss above the central path' },
        series: [{ name: 'oscillation energy' }],
        caption:
          'Second half of the edge phase, averaged over each checkpoint interval. w̄ = GD’s second-order midpoints (θ_{t−1} + 2θ_t + θ_{t+1})/4. The central flow predicts the average over GD’s self-stabilization cycles; a cycle that lasts about one averaging window makes GD’s curve swing around the prediction.',
      },
      {
        id: 'grad-norm',
        title: 'Time-averaged squared gradient norm (reported)',
        x: { label: 'time τ = η·step' },
        y: { label: '‖∇L‖²', log: true },
        series: [{ name: 'time-averaged ‖∇L‖²' }],
        caption: 'At the edge GD’s gradient is dominated by its oscillation; the central flow predicts ‖∇L‖² + σ²S².',
      },
      {
        id: 'distance',
        title: 'Parameter distance from GD',
        x: { label: 'time τ = η·step' },
        y: { label: '‖θ − θ_GD‖', log: true },
        series: [{ name: 'distance from GD' }],
        caption: 'Before the edge GD follows the modified-loss flow L + (η/4)‖∇L‖² (implicit gradient regularization); after it, the central flow.',
      },
    ];
    return figs;
  },
});

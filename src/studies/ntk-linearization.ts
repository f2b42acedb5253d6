/**
 * Catalog 4: wide networks train like their linearization (Jacot, Gabriel & Hongler 2018; Lee et al.
 * 2019, "Wide neural networks of any depth evolve as linear models under gradient descent").
 *
 * Setting. Two-layer net f(x) = n^{-1/2} Σᵢ aᵢ φ(d^{-1/2} wᵢ·x + bᵢ) in NTK parameterization, 1-D
 * regression on a few training points, full-batch GD on L = ½ Σ (f(xᵢ) − yᵢ)² with step η for T steps.
 *
 * Prediction. The linearized model under the same GD has the closed form
 *   f_T(x) = f₀(x) + Θ(x, X) Θ(X, X)⁻¹ [I − (I − ηΘ(X, X))^T] (Y − f₀(X)),
 * with Θ the empirical NTK at initialization (→ the analytic NTK as n → ∞). Rates in width n:
 *  - relative weight change ‖θ_T − θ₀‖/‖θ₀‖ ∝ n^{−1/2}: the parameters move by O(1) in total while
 *    ‖θ₀‖ ∝ √n (Jacot et al. 2018; Lee et al. 2019).
 *  - relative kernel change ‖Θ_T − Θ₀‖_F/‖Θ₀‖_F ∝ n^{−1}, and the gap to the linearized function ∝ n^{−1}
 *    (Dyer & Gur-Ari 2020, "Asymptotics of wide networks from Feynman diagrams"; Huang & Yau 2020,
 *    "Dynamics of deep neural networks and neural tangent hierarchy"). Lee et al. 2019 (Thm 2.1)
 *    prove the upper bound O(n^{−1/2}) for both.
 *
 * Why not the catalog's band for all three. The catalog asks for slopes in [−0.7, −0.3] for the gap,
 * the weight change and the kernel change. That band is right for the weight change, but for the
 * kernel change it is the rate of the upper bound, not of the quantity: in a two-layer net each
 * neuron's update Δwᵢ ∝ aᵢ/√n carries the random sign of its readout weight, so the O(n^{−1/2})
 * per-neuron kernel changes cancel in the 1/n-normalized sum and ΔΘ = O(1/n). So: weight change at −1/2 ± 0.1
 * (the catalog's ±0.2 is twice the spread measured over seeds); kernel change at −1; function gap ≤ −0.3 (at least as fast as the proven
 * bound; expected −1, but its estimate is the noisiest of the three).
 *
 * Judging the kernel rate (issue 13). The local slope of the kernel change approaches −1 only slowly: measured
 * between successive widths 64→256→1024→4096 (quick steps, 2 inits) it was −0.68, −0.76, −0.93 at seed 0 and −0.65,
 * −0.65, −0.97 at seed 5. A slope over 64–1024 therefore lies between −1 and Lee et al.'s −1/2 and cannot tell them
 * apart (it falsified seed 5 against −1 ± 0.3 while the rival −1/2 would have passed). The kernel rate is now
 * judged by the local slope between the two largest widths, within the pre-asymptotic offset left there (estimated
 * from the change of the local slope since the previous pair, for a correction ∝ n^{−1/2}) plus two standard errors
 * from the inits, and only where the largest width is ≥ 2048 (the default profile); the rival "kernel change ∝
 * n^{−1/2}" is a control there. The quick profile's widths stop at 1024: it reports the kernel slope without
 * judging it (and does not run that control), and judges the gap, the weight rate and the gap rate.
 * Measured with this criterion: quick holds at seeds 0–9 (kernel slope over 64–1024, reported: −0.65…−0.89). The
 * default's local slope 1024→4096 was −0.88, −0.78, −0.86, −0.90, −0.80 at seeds 0–4: the rival is falsified at
 * seeds 0, 2, 3, 4 and holds at seed 1, where the local slope did not steepen (−0.86, −0.82, −0.78 over the three
 * pairs) and the inits scatter by ±25% at n = 1024, so the band (±0.30) reaches −1/2; seed 1 is inconclusive, and
 * the default's verdict over seeds 0–4 is inconclusive (4 of 5 hold). More inits at the two largest widths would
 * narrow the band; the default's cost is already dominated by n = 4096.
 *
 * Pass: the relative test gap ‖f_net − f_lin‖/‖f_lin − f₀‖ < 5% at the largest width (catalog), plus the
 * three slopes above. The gap is measured relative to what was learned (f_lin − f₀), the stricter
 * choice: f₀ alone can dominate ‖f_lin‖ at NTK init. Regime: η below the linear model's stability
 * limit 2/λ_max(Θ), and the training loss fell by ≥ 80% (the run learned most of the target, so the
 * comparison is not trivial).
 *
 * Falsifiability (issue 13). Exponents and the gap bound come from `predict`; control: the two NTK rates swapped
 * (weight change ∝ n^{−1}).
 *
 * Seeds (quick profile). With the earlier target sin(3t) + 0.5 cos(7t) the 'learned' check failed at several seeds:
 * the cos(7t) content sits in NTK modes at ~10⁻⁴·λ_max that GD at η = 1/λ_max cannot
 * learn in 1500 steps, and how much of the residual lands there depends on the draw of the inputs (see `target`).
 * That was the setting, not the law, so the target is now sin(3t) + 0.5 cos(4t), which the kernel learns within the
 * budget at every seed.
 *
 * Validity map (issue 16): `boundary` predicts the edge of the lazy picture along an absolute step size `eta` (the
 * catapult threshold 2/λ_max of the analytic NTK, src/theory/lazyBoundaries.ts); `width` and `eta` are map
 * parameters. No width boundary yet: an estimate of the gap's 1/n constant from the second-order Taylor term along
 * the linearized displacement (no training) came out an order of magnitude above the measured gap, because GD keeps refitting the
 * training points and removes most of that term; the dynamical 1/n correction (Dyer & Gur-Ari 2020) is needed.
 *
 * Batched map points (`batchAxes: ['eta']`): points that differ only in `eta` share the data, each initialization, Θ₀ and
 * its eigendecomposition (none depends on η), and train one network per η from the same θ₀. `measure` is `measureBatch`
 * of one point, so a batched point gives the same numbers bit for bit. The η's are not trained as one BatchedMlp: that is
 * bit-identical as well, but with 24 training rows its batched products were no faster than separate ones at the map's
 * widths, and it needs per-network divergence handling.
 */
import { z } from 'zod';
import { empiricalNtkMatrix } from '../core/autodiff.ts';
import { stableStringify } from '../core/hash.ts';
import { eigh } from '../core/linalg.ts';
import * as op from '../core/ops.ts';
import { logLogSlope, norm, variance } from '../core/stats.ts';
import { noGrad, noGradScalar, tensor } from '../core/tensor.ts';
import { mlp } from '../nn/mlp.ts';
import { sgd } from '../nn/optim.ts';
import { fit } from '../nn/train.ts';
import { relativeWeightChange } from '../observe/kernel.ts';
import { catapultStep, twoLayerNtk } from '../theory/lazyBoundaries.ts';
import { type Control, defineStudy, type MeasureContext, type MetricSpec, type Observations, type PredictedBoundary, type RegimeCheck, type Series } from './types.ts';

const Params = z.object({
  widths: z.array(z.number().int().min(8).max(65536)).min(2).default([64, 256, 1024, 4096]),
  activation: z.enum(['tanh', 'relu', 'erf', 'gelu']).default('tanh'),
  trainPoints: z.number().int().min(4).max(200).default(24),
  testPoints: z.number().int().min(4).max(1000).default(100),
  /** steps of full-batch GD */
  steps: z.number().int().min(1).max(100000).default(2000),
  /** step size as a fraction of the stability limit 2/λ_max(Θ₀) */
  etaFraction: z.number().positive().max(1).default(0.5),
  /** independent initializations per width, averaged in log space */
  seeds: z.number().int().min(1).max(20).default(3),
  /** for validity maps: the largest width; the widths become width/16, width/4, width (those ≥ 8) */
  width: z.number().int().min(32).max(65536).optional(),
  /** for validity maps: an absolute step size in place of etaFraction·2/λ_max(Θ₀) */
  eta: z.number().positive().max(100).optional(),
});
type P = z.output<typeof Params>;

/** The widths a run trains: `widths`, or the map's `width` with two smaller ones a factor 4 apart. */
function runWidths(p: P): number[] {
  if (p.width === undefined) return p.widths;
  return [p.width / 16, p.width / 4, p.width].map(Math.round).filter((w) => w >= 8);
}

/** Training inputs on a grid of [−1, 1], with the constant coordinate: the deterministic stand-in for the draw. */
function gridInputs(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => [-1 + (2 * i) / (n - 1), 1]);
}

/**
 * Predicted edge of the lazy picture along η (see src/theory/lazyBoundaries.ts): the catapult threshold 2/λ_max of
 * the infinite-width NTK on the training inputs (Lewkowycz et al. 2020). λ_max is taken on a grid of the inputs,
 * since the boundary is a function of the parameters alone. It is an edge of the setting, not of a metric: it is
 * judged against the 'stable step' regime check (η·λ_max(Θ₀)/2 < 1 with the empirical kernel of every trained net),
 * whose value a map interpolates to 1.
 */
function boundary(p: P): PredictedBoundary[] {
  const etaCatapult = catapultStep(twoLayerNtk(p.activation, gridInputs(p.trainPoints)));
  // relative errors of the measured edge 2/max λ_max(Θ₀): the draw of the training inputs (λ_max ≈ n_tr × the kernel
  // mean, whose sampling spread is ±10% at 24 points) and the finite width, O(n^{−1/2}) (±6% at n = 256), largest at
  // the smallest trained width, which the check's max over widths and seeds picks; ×exp(2σ) is a 2σ band
  const nMin = Math.min(...runWidths(p));
  const inputSpread = 0.1 * Math.sqrt(24 / p.trainPoints);
  const sigma = Math.hypot(inputSpread, 1 / Math.sqrt(nMin));
  const factor = Math.exp(2 * sigma);
  return [
    {
      axis: 'eta',
      value: etaCatapult,
      holds: 'below',
      factor,
      regime: { check: 'stable step', threshold: 1 },
      reason: `λ_max(Θ₀) differs from λ_max(Θ∞) by the draw of the ${p.trainPoints} training inputs (±${(100 * inputSpread).toFixed(0)}%) and by O(n^{−1/2}) at the smallest trained width n = ${nMin} (±${(100 / Math.sqrt(nMin)).toFixed(0)}%), which the check's max over widths and seeds picks: ×exp(2σ) = ×${factor.toFixed(2)}, a 2σ band`,
    },
  ];
}

/**
 * Target: a smooth 1-D function on [−1, 1]. Its frequencies must lie where the NTK learns within the step budget:
 * this tanh kernel's eigenvalues on [−1, 1] fall by roughly an order of magnitude per frequency, so a cos(7t) term
 * (the earlier target) sat in modes at ~10⁻⁴·λ_max, which GD at η = 1/λ_max barely moves in 1500 steps
 * (η·λ·T ≈ 0.15). How much of the residual landed there depended on the draw of the training inputs, and the
 * 'learned' check failed at some seeds for that reason alone (not the law). With cos(4t) the linearized model
 * learns > 90% of the residual at every seed 0–9 at T = 1500.
 */
function target(t: number): number {
  return Math.sin(3 * t) + 0.5 * Math.cos(4 * t);
}

/** Inputs carry a constant coordinate so the kernel sees offsets. */
function data(n: number, grid: boolean, rng: { uniform(): number }): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(n * 2);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = grid ? -1 + (2 * i) / (n - 1) : -1 + 2 * rng.uniform();
    x[2 * i] = t;
    x[2 * i + 1] = 1;
    y[i] = target(t);
  }
  return { x, y };
}

/**
 * The linearized network's test predictions after T GD steps in closed form (Lee et al. 2019, Eq. 11 with GD's
 * (I − ηΘ)^T): f_lin(x) = f₀(x) + Θ(x, X) Q diag((1 − (1 − ηλ)^T)/λ) Qᵀ r₀ with Θ(X, X) = QΛQᵀ, r₀ = Y − f₀(X);
 * the filter → ηT as λ → 0. `K0` is the (n_tr + n_te)² kernel, `Q` (column k: eigenvector k) and `lambda` of its
 * training block.
 */
function linearizedTestPrediction(K0: ArrayLike<number>, f0: ArrayLike<number>, r0: Float64Array, Q: ArrayLike<number>, lambda: ArrayLike<number>, nTr: number, nTe: number, eta: number, steps: number): Float64Array {
  const N = nTr + nTe;
  const qr = new Float64Array(nTr);
  for (let k = 0; k < nTr; k++) {
    let acc = 0;
    for (let i = 0; i < nTr; i++) acc += Q[i * nTr + k] * r0[i];
    const lam = lambda[k];
    const filt = Math.abs(eta * lam) < 1e-12 ? eta * steps : (1 - (1 - eta * lam) ** steps) / lam;
    qr[k] = acc * filt;
  }
  const c = new Float64Array(nTr);
  for (let i = 0; i < nTr; i++) for (let k = 0; k < nTr; k++) c[i] += Q[i * nTr + k] * qr[k];
  const fLinTest = new Float64Array(nTe);
  for (let t = 0; t < nTe; t++) {
    let acc = f0[nTr + t];
    for (let i = 0; i < nTr; i++) acc += K0[(nTr + t) * N + i] * c[i];
    fLinTest[t] = acc;
  }
  return fLinTest;
}

/** One trained network's distances from its linearization (geometric means over inits are taken per width). */
interface Row {
  width: number;
  gap: number;
  dw: number;
  dk: number;
  lossDrop: number;
  etaRatio: number;
}

/** The training and test sets of a run, as tensors: drawn from the run's rng, so shared by points of one seed. */
interface RunData {
  train: { x: Float64Array; y: Float64Array };
  test: { x: Float64Array; y: Float64Array };
  nTr: number;
  nTe: number;
  xAll: ReturnType<typeof tensor>;
  xTr: ReturnType<typeof tensor>;
  yTr: ReturnType<typeof tensor>;
}

function runData(p: P, rng: MeasureContext['rng']): RunData {
  const train = data(p.trainPoints, false, rng.child('train'));
  const test = data(p.testPoints, true, rng.child('test'));
  const nTr = p.trainPoints;
  const nTe = p.testPoints;
  const all = new Float64Array((nTr + nTe) * 2);
  all.set(train.x);
  all.set(test.x, nTr * 2);
  return { train, test, nTr, nTe, xAll: tensor(all, [nTr + nTe, 2]), xTr: tensor(train.x, [nTr, 2]), yTr: tensor(train.y, [nTr, 1]) };
}

/** What one initialization gives independently of the step size: f₀, the empirical NTK Θ₀ and its training block's eigensystem. */
interface AtInit {
  f0: Float64Array;
  K0: Float64Array;
  theta0: Float64Array[];
  values: ArrayLike<number>;
  vectors: ArrayLike<number>;
  lamMax: number;
}

function atInit(d: RunData, net: ReturnType<typeof mlp>): AtInit {
  const { nTr, nTe, xAll } = d;
  const ps = net.params();
  const f0 = noGrad(() => net.forward(xAll)).data.slice() as Float64Array;
  const K0 = empiricalNtkMatrix(() => net.forward(xAll), ps, nTr + nTe);
  const theta0 = ps.map((q) => q.data.slice() as Float64Array);
  const N = nTr + nTe;
  const Ktr = new Float64Array(nTr * nTr);
  for (let i = 0; i < nTr; i++) for (let j = 0; j < nTr; j++) Ktr[i * nTr + j] = K0[i * N + j];
  const { values, vectors } = eigh({ rows: nTr, cols: nTr, data: Ktr });
  return { f0, K0, theta0, values, vectors: vectors.data, lamMax: values[nTr - 1] };
}

/**
 * Train `net` (freshly initialized, its weights θ₀ of `init`) at point p's step size and measure its distances from
 * the linearized model: the closed-form linearized prediction (via Θ(X,X) = QΛQᵀ), then GD on L = ½ Σ (f − y)².
 */
function trainAndCompare(p: P, d: RunData, init: AtInit, net: ReturnType<typeof mlp>, width: number, signal: AbortSignal | undefined): { row: Row; fT: ArrayLike<number>; fLinTest: Float64Array } {
  const { train, nTr, nTe, xAll, xTr, yTr } = d;
  const { f0, K0, theta0, lamMax } = init;
  const N = nTr + nTe;
  const ps = net.params();
  const eta = p.eta ?? (p.etaFraction * 2) / lamMax;
  const r0 = new Float64Array(nTr);
  for (let i = 0; i < nTr; i++) r0[i] = train.y[i] - f0[i];
  const fLinTest = linearizedTestPrediction(K0, f0, r0, init.vectors, init.values, nTr, nTe, eta, p.steps);
  const loss = () => op.scale(op.sum(op.square(op.sub(net.forward(xTr), yTr))), 0.5);
  let firstLoss = Number.NaN;
  fit({
    params: ps,
    loss,
    optimizer: sgd(eta),
    steps: p.steps,
    signal,
    onStep: (t, value) => {
      if (t === 1) firstLoss = value;
    },
  });
  const lastLoss = noGradScalar(loss);
  const fT = noGrad(() => net.forward(xAll)).data;
  const KT = empiricalNtkMatrix(() => net.forward(xAll), ps, N);
  let gapNum = 0;
  let gapDen = 0;
  for (let t = 0; t < nTe; t++) {
    gapNum += (fT[nTr + t] - fLinTest[t]) ** 2;
    gapDen += (fLinTest[t] - f0[nTr + t]) ** 2;
  }
  const dK = KT.map((v, i) => v - K0[i]);
  const row = { width, gap: Math.sqrt(gapNum / gapDen), dw: relativeWeightChange(theta0, ps.map((q) => q.data)), dk: norm(dK) / norm(K0), lossDrop: 1 - lastLoss / firstLoss, etaRatio: (eta * lamMax) / 2 };
  return { row, fT, fLinTest };
}

/**
 * Points that can share their inits: equal parameters apart from `eta`, and the same rng (compared by a probe
 * stream of 128 bits drawn from `rng.child`, which depends only on the rng's origin). Index lists, in point order.
 */
function shareGroups(ps: readonly P[], ctxs: readonly MeasureContext[]): number[][] {
  const groups = new Map<string, number[]>();
  ps.forEach((p, i) => {
    const probe = ctxs[i].rng.child('measureBatch probe');
    const key = stableStringify({ rest: { ...p, eta: undefined }, rng: [probe.nextInt32(), probe.nextInt32(), probe.nextInt32(), probe.nextInt32()] });
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  return [...groups.values()];
}

/**
 * Measure points that differ only in `eta` (and share their rng): the data, each initialization, Θ₀ and its
 * eigensystem do not depend on η, so they are computed once; one network per point is trained from the same θ₀
 * (re-drawn from the same init stream, `ctx.rng.child('init', width, s)`, hence bit-identical).
 */
function measureGroup(ps: readonly P[], ctxs: readonly MeasureContext[]): Observations[] {
  const p0 = ps[0];
  const rng = ctxs[0].rng;
  const d = runData(p0, rng);
  const rows: Row[][] = ps.map(() => []);
  const series: Series[][] = ps.map(() => []);
  const widths = runWidths(p0);
  const total = widths.length * p0.seeds;
  let done = 0;
  for (const width of widths) {
    for (let s = 0; s < p0.seeds; s++) {
      const spec = { sizes: [2, width, 1], activation: p0.activation, parameterization: 'ntk' as const };
      const init = atInit(d, mlp(spec, rng.child('init', width, s)));
      ps.forEach((p, j) => {
        const { row, fT, fLinTest } = trainAndCompare(p, d, init, mlp(spec, rng.child('init', width, s)), width, ctxs[j].signal);
        rows[j].push(row);
        if (width === widths[widths.length - 1] && s === 0) series[j].push(...functionSeries(d, width, fT, fLinTest));
        ctxs[j].progress((done + 1) / total, `width ${width} seed ${s}`);
      });
      done++;
    }
  }
  return ps.map((p, j) => summarize(p, widths, rows[j], series[j]));
}

/** The widest network's function, its linearized prediction and the target on the test grid. */
function functionSeries(d: RunData, width: number, fT: ArrayLike<number>, fLinTest: Float64Array): Series[] {
  const { nTr, nTe, test } = d;
  const xs = Array.from({ length: nTe }, (_, t) => test.x[2 * t]);
  return [
    { name: 'function', group: `network n=${width}`, kind: 'measured', x: xs, y: Array.from(fT).slice(nTr) },
    { name: 'function', group: `network n=${width}`, kind: 'predicted', x: xs, y: Array.from(fLinTest) },
    { name: 'function', group: 'target', kind: 'reference', x: xs, y: Array.from(test.y) },
  ];
}

/** Per-width geometric means over inits, the scaling series with the predicted rates, and the regime scalars. */
function summarize(p: P, widths: number[], rows: Row[], series: Series[]): Observations {
  const scalars: Record<string, number> = {};
  const agg = (key: 'gap' | 'dw' | 'dk', w: number) => Math.exp(rows.filter((r) => r.width === w).reduce((a, r) => a + Math.log(r[key]), 0) / p.seeds);
  for (const [key, label] of [
    ['gap', 'function gap'],
    ['dw', 'relative weight change'],
    ['dk', 'relative kernel change'],
  ] as const) {
    const ys = widths.map((w) => agg(key, w));
    series.push({ name: 'distance from linearization', group: label, kind: 'measured', x: [...widths], y: ys });
    // the predicted rate (n^{-1/2} for weights, n^{-1} for kernel and gap) through the geometric mean of the measured points
    const e = key === 'dw' ? 0.5 : 1;
    const c = Math.exp(ys.reduce((a, y, i) => a + Math.log(y) + e * Math.log(widths[i]), 0) / ys.length);
    series.push({ name: 'distance from linearization', group: label, kind: 'predicted', x: [...widths], y: widths.map((w) => c / w ** e) });
    ys.forEach((y, i) => {
      scalars[`${key}@${widths[i]}`] = y;
    });
  }
  // the inits' spread of log(kernel change) per width: the finite-sample error of the local kernel rate (compare)
  for (const w of widths) {
    const logs = rows.filter((r) => r.width === w).map((r) => Math.log(r.dk));
    scalars[`dk log sd@${w}`] = logs.length > 1 ? Math.sqrt(variance(logs)) : 0;
  }
  scalars['min loss drop'] = Math.min(...rows.map((r) => r.lossDrop));
  scalars['max η·λ_max/2'] = Math.max(...rows.map((r) => r.etaRatio));
  return { scalars, series };
}

/**
 * The kernel-rate metrics. Over all widths the slope is reported (sanity: pre-asymptotic at small widths). Where the
 * profile reaches `KERNEL_RATE_MIN_WIDTH`, the local slope between the two largest widths is judged against the
 * predicted exponent, within the pre-asymptotic offset still left there plus two standard errors. The offset: if the
 * local slope approaches its limit with a correction ∝ n^{−1/2} (the slowest next order), the offset shrinks by
 * √(w_k/w_{k−1}) per pair, so what remains at the top pair is |s_top − s_prev|·r/(1 − r) with r = √(w_{k−1}/w_k)
 * (= the last change of the local slope when the widths step by 4). The standard error: the inits' spread of
 * log(kernel change) at the two widths, over √inits, on a slope over ln(w_k/w_{k−1}).
 */
function kernelRateMetrics(p: P, ws: number[], dk: number[], logSd: (w: number) => number, exponent: number, noise: string): MetricSpec<PredKey>[] {
  const judged = judgesKernelRate(p);
  const overall: MetricSpec<PredKey> = {
    name: 'slope of kernel change',
    value: logLogSlope(ws, dk),
    criterion: { op: 'abs', target: exponent, tol: 0.3 },
    reason: judged
      ? `over all widths, reported: below n = ${KERNEL_RATE_MIN_WIDTH} the local slope is still short of its limit, so the judged rate is the local slope between the two largest widths`
      : `theory −1 (Dyer & Gur-Ari 2020); reported, not judged: at widths below ${KERNEL_RATE_MIN_WIDTH} the local slope of this set-up is still short of its limit and cannot tell n^{−1} from n^{−1/2} (see the file header); ${noise}`,
    prediction: 'exponent of the kernel change in n',
    sanity: true,
  };
  if (!judged) return [overall];
  const k = ws.length - 1;
  const local = (i: number) => logLogSlope([ws[i - 1], ws[i]], [dk[i - 1], dk[i]]);
  const top = local(k);
  const r = Math.sqrt(ws[k - 1] / ws[k]);
  const offset = (Math.abs(top - local(k - 1)) * r) / (1 - r);
  const se = Math.hypot(logSd(ws[k - 1]), logSd(ws[k])) / Math.sqrt(p.seeds) / Math.log(ws[k] / ws[k - 1]);
  const tol = offset + 2 * se;
  return [
    overall,
    {
      name: `local slope of kernel change, n=${ws[k - 1]}→${ws[k]}`,
      value: top,
      criterion: { op: 'abs', target: exponent, tol },
      reason: `theory −1 (Dyer & Gur-Ari 2020; the catalog's −1/2 is Lee et al.'s upper bound, see the file header); ±${tol.toFixed(2)} = the pre-asymptotic offset left at the top pair, ${offset.toFixed(2)} (from the change of the local slope since the previous pair, for an n^{−1/2} correction), and 2 standard errors from the ${p.seeds} inits' spread, ${se.toFixed(2)}`,
      prediction: 'exponent of the kernel change in n',
    },
  ];
}

/** The weight-change slope's tolerance (see its metric's reason): the catalog's ±0.2 let a rate 40% off pass. */
const WEIGHT_SLOPE_TOL = 0.1;

/** The predicted scalars (see `predict`). */
const PREDICTED = {
  'exponent of the weight change in n': -0.5,
  'exponent of the kernel change in n': -1,
  'proven exponent of the function gap in n': -0.5,
  'function gap at the largest width (bound)': 0.05,
};
type PredKey = keyof typeof PREDICTED;

/**
 * The kernel rate is judged by the local slope between the two largest widths, and only when the largest is at least
 * this wide: below it the local slope of this set-up is still far from its asymptote (see the header), so a profile
 * with smaller widths reports the kernel rate without judging it.
 */
const KERNEL_RATE_MIN_WIDTH = 2048;
const judgesKernelRate = (p: P): boolean => {
  const ws = runWidths(p);
  return ws.length >= 3 && Math.max(...ws) >= KERNEL_RATE_MIN_WIDTH;
};

/** The rivals a referee would try first: the two NTK rates swapped, and Lee et al.'s proven bound taken as the kernel's rate. */
const controls: Control<P, PredKey>[] = [
  {
    name: 'weight change at the rate n^{-1}',
    description: 'the two NTK rates swapped: the relative weight change falls as n^{-1}, like the kernel change, instead of n^{-1/2}',
    predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'exponent of the weight change in n': -1 } }),
  },
  {
    name: 'kernel change at the rate n^{-1/2}',
    description: 'Lee et al. (2019, Thm 2.1) bound the kernel change by O(n^{-1/2}); the rival that the bound is the rate (the catalog’s band)',
    predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, 'exponent of the kernel change in n': -0.5 } }),
    applies: judgesKernelRate,
  },
];

export const ntkLinearization = defineStudy<P, PredKey>(Params, {
  id: 'ntk-linearization',
  catalog: 4,
  pillar: 'limits',
  title: 'Wide networks train like their linearization (the NTK regime)',
  claim: 'As width n grows, a network in NTK parameterization trained by gradient descent converges to its linearization around initialization: the relative weight change shrinks as n^{-1/2}, the kernel change and the gap to the linearized function as n^{-1}.',
  formula: 'f_T(x) = f_0(x) + \\Theta(x,X)\\,\\Theta^{-1}\\big[I-(I-\\eta\\Theta)^T\\big](Y-f_0(X)), \\quad \\tfrac{\\|\\Delta\\theta\\|}{\\|\\theta_0\\|} \\propto n^{-1/2},\\ \\tfrac{\\|\\Delta\\Theta\\|}{\\|\\Theta_0\\|},\\ \\|f-f^{\\rm lin}\\| \\propto n^{-1}',
  papers: ['Jacot, Gabriel & Hongler 2018, Neural tangent kernel (NeurIPS)', 'Lee et al. 2019, Wide neural networks of any depth evolve as linear models under gradient descent (NeurIPS)'],
  core: true,
  quick: { widths: [64, 256, 1024], seeds: 2, steps: 1500 },
  controls,
  seeds: { default: 5, threshold: 0.5 },
  boundary,

  predict() {
    // the theory's rates (drawn in the figure as reference lines through the measured points) and the catalog's
    // bound on the gap at the largest width
    return { scalars: { ...PREDICTED }, series: [] };
  },

  measure(p, ctx) {
    // one code path with measureBatch, so a batched point is this run bit for bit
    return measureGroup([p], [ctx])[0];
  },

  batchAxes: ['eta'],
  measureBatch(ps, ctxs) {
    if (ps.length !== ctxs.length) throw new Error(`measureBatch: ${ps.length} points and ${ctxs.length} contexts, expected one context per point`);
    const out = new Array<Observations>(ps.length);
    for (const idx of shareGroups(ps, ctxs)) {
      const obs = measureGroup(
        idx.map((i) => ps[i]),
        idx.map((i) => ctxs[i]),
      );
      idx.forEach((i, k) => {
        out[i] = obs[k];
      });
    }
    return out;
  },

  compare(pred, meas, p) {
    const ws = runWidths(p);
    const q = (k: PredKey) => pred.scalars[k] ?? Number.NaN;
    const get = (key: string) => ws.map((w) => meas.scalars[`${key}@${w}`]);
    const metrics: MetricSpec<PredKey>[] = [];
    const noise = 'a least-squares slope over 3–4 widths with 2–3 seeds each carries about ±0.15 of seed noise, hence ±0.2 (or 0.3 for the noisiest)';
    metrics.push({ name: `function gap at n=${ws[ws.length - 1]}`, value: get('gap')[ws.length - 1], criterion: { op: '<=', bound: q('function gap at the largest width (bound)') }, reason: 'catalog: < 5% at the largest width', prediction: 'function gap at the largest width (bound)' });
    metrics.push({ name: 'slope of weight change', value: logLogSlope(ws, get('dw')), criterion: { op: 'abs', target: q('exponent of the weight change in n'), tol: WEIGHT_SLOPE_TOL }, reason: `theory −1/2 (the catalog band is [−0.7, −0.3]); ±${WEIGHT_SLOPE_TOL}: the slope's spread over seeds, inputs and inits redrawn, was ±0.04 around −0.5 (quick seeds 0–9 and default seeds 0–4), so ±0.1 is 2.5 times it, and the local slopes between successive widths (64 to 4096) scattered about −1/2 without a trend`, prediction: 'exponent of the weight change in n' });
    metrics.push(...kernelRateMetrics(p, ws, get('dk'), (w) => meas.scalars[`dk log sd@${w}`] ?? 0, q('exponent of the kernel change in n'), noise));
    metrics.push({
      name: 'slope of function gap',
      value: logLogSlope(ws, get('gap')),
      criterion: { op: '<=', bound: q('proven exponent of the function gap in n') + 0.2 },
      reason: `at least the proven n^{−1/2} rate (Lee et al. 2019), expected −1; ${noise}`,
      prediction: 'proven exponent of the function gap in n',
    });
    const drop = meas.scalars['min loss drop'];
    const step = meas.scalars['max η·λ_max/2'];
    const regime: RegimeCheck[] = [
      { name: 'learned', ok: drop >= 0.8, value: drop, detail: `smallest training-loss drop ${(100 * drop).toFixed(1)}% (≥ 80%)` },
      { name: 'stable step', ok: step < 1, value: step, detail: `η·λ_max(Θ₀)/2 = ${step.toFixed(3)} (< 1)` },
    ];
    return { metrics, regime };
  },

  figures: () => [
    { id: 'scaling', title: 'Distance from the linearized (kernel) regime vs width', x: { label: 'width n', log: true }, y: { label: 'relative change / gap', log: true }, series: [{ name: 'distance from linearization' }], caption: 'Solid: measured (geometric mean over seeds). Dashed: the predicted rates through the measured points: n^{-1/2} for the weight change, n^{-1} for the kernel change and the function gap.' },
    { id: 'function', title: 'Trained network vs its linearized prediction (widest net)', x: { label: 'x' }, y: { label: 'f(x)' }, series: [{ name: 'function' }] },
  ],
});

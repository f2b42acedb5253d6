/**
 * Training dynamics of a model that is linear in its parameters (a linearized network, a kernel
 * machine) on the squared loss, in closed form. Browser-safe.
 *
 * Model. f(x; θ) = f₀(x) + ∇_θf(x; θ₀)ᵀ(θ − θ₀) with tangent kernel K(x, x′) = ∇_θf(x)ᵀ∇_θf(x′), fixed
 * during training (the linearization of Lee et al. 2019, "Wide neural networks of any depth evolve
 * as linear models under gradient descent", NeurIPS, Eqs. 8–11; exact for kernel regression and for
 * infinitely wide networks in the NTK parameterization, Jacot et al. 2018).
 *
 * Loss convention (stated once, used everywhere here):
 *   L(θ) = s · ½ Σᵢ ‖f(xᵢ) − yᵢ‖² + (δ/2)‖θ − θ₀‖²,   s = 1 (loss 'sum', the default) or 1/n ('mean').
 * Gradient flow θ̇ = −η∇L (time t, so the flow time is ηt) gives, with r = Y − f₀(X), A = K(X,X) + (δ/s)I:
 *   ḟ(X) = −ηs [K(X,X)(f(X) − Y) + (δ/s)(f(X) − f₀(X))],
 *   f_t(x) = f₀(x) + K(x, X) A⁻¹ (I − e^{−ηs A t}) r.
 * For δ = 0 and loss 'sum' this is f_t(x) = f₀(x) + K(x,X)K(X,X)⁻¹(I − e^{−ηK(X,X)t})(Y − f₀(X)),
 * the formula of Lee et al. 2019 (Eq. 11 with their 1/n absorbed into η). Gradient descent with step
 * η for t (integer) steps replaces e^{−ηsAt} by (I − ηsA)^t (exact for the linear model, no O(η) error);
 * so GD after t steps ≈ gradient flow at the same t when η is small ("time = η × steps").
 * Push-through identity: A⁻¹(I − e^{−ηsAt}) is evaluated in the eigenbasis K = VΛVᵀ as
 * V diag(g(λᵢ + δ/s)) Vᵀ with g(μ) = −expm1(−ηsμt)/μ (→ ηst as μ → 0), so a singular K(X,X) is fine;
 * for t = ∞ and μ ≤ 0 (null directions, which never move) g = 0. t → ∞ with δ > 0 gives kernel ridge
 * regression with ridge δ/s; with δ = 0, the min-norm interpolant.
 *
 * With a kernel measured on a network (src/observe/kernel.ts) the same eigenbasis gives kernel regression
 * f(x) = K(x, X)(K(X, X) + δI)⁺y with a relative cutoff for the pseudo-inverse, and GD of the linearized
 * model from a residual r₀ with its parameter displacement ‖Δθ_T‖² = η² sᵀKs, s = Σ_{t<T} r_t (Lee et al. 2019).
 */
import { eigh } from '../core/linalg.ts';
import type { Mat } from '../core/mat.ts';
import { checkSquare, checkVector } from '../observe/kernel.ts';
import { checkMat as checkMatShape } from '../observe/matrix.ts';

export type LinearizedMethod = 'flow' | 'gd';
export type LossNormalization = 'sum' | 'mean';

export interface LinearizedMatInput {
  /** K(X, X), n × n symmetric */
  kernelTrain: Mat;
  /** K(x, X) for m test points, m × n (optional) */
  kernelTest?: Mat;
  /** Y, n × k */
  targets: Mat;
  /** f₀(X), n × k (default 0) */
  f0Train?: Mat;
  /** f₀(x), m × k (default 0) */
  f0Test?: Mat;
  /** η > 0 */
  learningRate: number;
  /** 'flow' (gradient flow, default) or 'gd' (gradient descent with step η; times are step counts) */
  method?: LinearizedMethod;
  /** δ ≥ 0, weight of (δ/2)‖θ − θ₀‖² (default 0) */
  ridge?: number;
  /** 'sum' (default): L = ½Σ‖f − y‖²; 'mean': L = (1/2n)Σ‖f − y‖² */
  loss?: LossNormalization;
}

export interface LinearizedDynamics {
  /** f_t(X), n × k */
  trainAt(t: number): Mat;
  /** f_t(x), m × k; throws if no kernelTest was given */
  testAt(t: number): Mat;
  /** the data term of the loss at time t: s · ½ Σ ‖f_t(xᵢ) − yᵢ‖² (no ridge penalty) */
  trainLossAt(t: number): number;
  /** eigenvalues of K(X, X), ascending */
  eigenvalues: Float64Array;
}

function checkMat(name: string, m: Mat | undefined, rows: number, cols: number): void {
  if (m === undefined) return;
  if (m.rows !== rows || m.cols !== cols) throw new Error(`${name}: expected a ${rows} × ${cols} matrix, got ${m.rows} × ${m.cols}`);
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i])) throw new Error(`${name}[${Math.floor(i / cols)}][${i % cols}]: expected a finite number, got ${m.data[i]}`);
  }
}

/** Coordinates of the k columns of r (n × k, row-major) in the eigenbasis V (column a: eigenvector a): w = Vᵀr. */
function toEigenbasis(V: Float64Array, n: number, r: ArrayLike<number>, k = 1): Float64Array {
  const w = new Float64Array(n * k);
  for (let a = 0; a < n; a++)
    for (let i = 0; i < n; i++) {
      const v = V[i * n + a];
      if (v === 0) continue;
      for (let c = 0; c < k; c++) w[a * k + c] += v * r[i * k + c];
    }
  return w;
}

/** Back from eigen-coordinates: V w (n × k). */
function fromEigenbasis(V: Float64Array, n: number, w: ArrayLike<number>, k = 1): Float64Array {
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < n; a++) {
      const v = V[i * n + a];
      if (v === 0) continue;
      for (let c = 0; c < k; c++) out[i * k + c] += v * w[a * k + c];
    }
  return out;
}

/** Closed-form linearized dynamics; evaluate at any time with the returned functions. */
export function linearizedDynamics(input: LinearizedMatInput): LinearizedDynamics {
  const K = input.kernelTrain;
  const n = K.rows;
  if (n < 1 || K.cols !== n) throw new Error(`kernelTrain: expected a square n × n matrix with n ≥ 1, got ${K.rows} × ${K.cols}`);
  checkMat('kernelTrain', K, n, n);
  const k = input.targets.cols;
  checkMat('targets', input.targets, n, k);
  checkMat('f0Train', input.f0Train, n, k);
  const m = input.kernelTest?.rows ?? 0;
  checkMat('kernelTest', input.kernelTest, m, n);
  if (input.f0Test !== undefined && input.kernelTest === undefined) throw new Error('f0Test: given without kernelTest');
  checkMat('f0Test', input.f0Test, m, k);
  const eta = input.learningRate;
  if (!(eta > 0) || !Number.isFinite(eta)) throw new Error(`learningRate: expected a finite number > 0, got ${eta}`);
  const ridge = input.ridge ?? 0;
  if (!(ridge >= 0) || !Number.isFinite(ridge)) throw new Error(`ridge: expected a finite number ≥ 0, got ${ridge}`);
  const method = input.method ?? 'flow';
  if (method !== 'flow' && method !== 'gd') throw new Error(`method: expected 'flow' or 'gd', got '${String(method)}'`);
  const lossKind = input.loss ?? 'sum';
  if (lossKind !== 'sum' && lossKind !== 'mean') throw new Error(`loss: expected 'sum' or 'mean', got '${String(lossKind)}'`);
  const s = lossKind === 'mean' ? 1 / n : 1;
  const rate = eta * s; // η s
  const shift = ridge / s; // δ/s

  const { values, vectors: V } = eigh(K);
  // r = Y − f₀(X); w = Vᵀ r (n × k)
  const r = Float64Array.from(input.targets.data);
  if (input.f0Train) for (let i = 0; i < r.length; i++) r[i] -= input.f0Train.data[i];
  const w = toEigenbasis(V.data, n, r, k);

  /** g(μ) = A⁻¹(I − propagator) per eigen-direction, μ = λ + δ/s. */
  const gain = (mu: number, t: number): number => {
    if (t === Number.POSITIVE_INFINITY) {
      if (method === 'flow') return mu > 0 ? 1 / mu : 0;
      if (mu <= 0) return 0;
      return rate * mu < 2 ? 1 / mu : Number.NaN; // GD diverges along directions with ηsμ ≥ 2
    }
    if (method === 'flow') {
      const x = rate * mu * t;
      return mu === 0 ? rate * t : -Math.expm1(-x) / mu;
    }
    const x = rate * mu;
    if (mu === 0) return rate * t;
    if (Math.abs(x) < 1) return -Math.expm1(t * Math.log1p(-x)) / mu;
    return (1 - (1 - x) ** t) / mu;
  };

  const checkTime = (t: number): void => {
    if (!(t >= 0)) throw new Error(`time: expected a number ≥ 0, got ${t}`);
    if (method === 'gd' && Number.isFinite(t) && !Number.isInteger(t)) throw new Error(`time: method 'gd' counts steps, expected an integer, got ${t}`);
  };

  /** α_t = V diag(g) Vᵀ r, n × k: the dual coefficients at time t. */
  const dualCoefficients = (t: number): Float64Array => {
    const scaled = new Float64Array(n * k);
    for (let a = 0; a < n; a++) {
      const g = gain(values[a] + shift, t);
      for (let c = 0; c < k; c++) scaled[a * k + c] = g * w[a * k + c];
    }
    return fromEigenbasis(V.data, n, scaled, k);
  };

  const predict = (kernel: Mat, f0: Mat | undefined, alpha: Float64Array): Mat => {
    const rows = kernel.rows;
    const out = f0 ? Float64Array.from(f0.data) : new Float64Array(rows * k);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < n; j++) {
        const kij = kernel.data[i * n + j];
        if (kij === 0) continue;
        for (let c = 0; c < k; c++) out[i * k + c] += kij * alpha[j * k + c];
      }
    return { rows, cols: k, data: out };
  };

  const trainAt = (t: number): Mat => {
    checkTime(t);
    return predict(K, input.f0Train, dualCoefficients(t));
  };
  return {
    eigenvalues: values,
    trainAt,
    testAt(t: number): Mat {
      if (!input.kernelTest) throw new Error('testAt: no kernelTest was given');
      checkTime(t);
      return predict(input.kernelTest, input.f0Test, dualCoefficients(t));
    },
    trainLossAt(t: number): number {
      const f = trainAt(t);
      let acc = 0;
      for (let i = 0; i < f.data.length; i++) acc += (f.data[i] - input.targets.data[i]) ** 2;
      return 0.5 * s * acc;
    },
  };
}

/** JSON-friendly input: targets and f₀ as number[] (one output) or number[][] (n × k). */
export interface LinearizedInput {
  kernelTrain: number[][];
  kernelTest?: number[][];
  targets: number[] | number[][];
  f0Train?: number[] | number[][];
  f0Test?: number[] | number[][];
  learningRate: number;
  /** flow: times are t (flow time ηt); gd: times are step counts */
  times: number[];
  method?: LinearizedMethod;
  ridge?: number;
  loss?: LossNormalization;
}

export interface LinearizedOutput {
  times: number[];
  /** f_t(X) per time: number[] per time for one output, number[][] (n × k) for several */
  train: (number[] | number[][])[];
  test?: (number[] | number[][])[];
  /** s · ½ Σ ‖f_t(xᵢ) − yᵢ‖² per time */
  trainLoss: number[];
}

function toMat(name: string, v: number[] | number[][], rows: number): { mat: Mat; vector: boolean } {
  if (!Array.isArray(v) || v.length !== rows) throw new Error(`${name}: expected ${rows} entries, got ${Array.isArray(v) ? v.length : typeof v}`);
  if (v.every((e) => typeof e === 'number')) return { mat: { rows, cols: 1, data: Float64Array.from(v as number[]) }, vector: true };
  const cols = Array.isArray(v[0]) ? v[0].length : 0;
  const data = new Float64Array(rows * cols);
  (v as unknown[]).forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== cols) throw new Error(`${name}[${i}]: expected an array of ${cols} numbers`);
    row.forEach((e, c) => {
      data[i * cols + c] = e as number;
    });
  });
  return { mat: { rows, cols, data }, vector: false };
}

function rowsToMat(name: string, rows: number[][], cols?: number): Mat {
  if (!Array.isArray(rows) || rows.length === 0) throw new Error(`${name}: expected a non-empty matrix (array of rows)`);
  const c = cols ?? rows[0].length;
  const data = new Float64Array(rows.length * c);
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== c) throw new Error(`${name}[${i}]: expected an array of ${c} numbers, got ${Array.isArray(row) ? row.length : typeof row}`);
    row.forEach((e, j) => {
      data[i * c + j] = e;
    });
  });
  return { rows: rows.length, cols: c, data };
}

function fromMat(m: Mat, vector: boolean): number[] | number[][] {
  if (vector) return Array.from(m.data);
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

/** f_t on the training and (optionally) test points at each requested time (see the module comment). */
export function linearized(input: LinearizedInput): LinearizedOutput {
  const K = rowsToMat('kernelTrain', input.kernelTrain);
  const n = K.rows;
  if (K.cols !== n) throw new Error(`kernelTrain: expected a square matrix, got ${K.rows} × ${K.cols}`);
  const Y = toMat('targets', input.targets, n);
  const f0Train = input.f0Train === undefined ? undefined : toMat('f0Train', input.f0Train, n).mat;
  const Kt = input.kernelTest === undefined ? undefined : rowsToMat('kernelTest', input.kernelTest, n);
  const f0Test = input.f0Test === undefined || Kt === undefined ? undefined : toMat('f0Test', input.f0Test, Kt.rows).mat;
  const dyn = linearizedDynamics({
    kernelTrain: K,
    kernelTest: Kt,
    targets: Y.mat,
    f0Train,
    f0Test,
    learningRate: input.learningRate,
    method: input.method,
    ridge: input.ridge,
    loss: input.loss,
  });
  const out: LinearizedOutput = { times: input.times, train: [], trainLoss: [] };
  if (Kt) out.test = [];
  for (const t of input.times) {
    const ft = dyn.trainAt(t);
    out.train.push(fromMat(ft, Y.vector));
    let acc = 0;
    for (let i = 0; i < ft.data.length; i++) acc += (ft.data[i] - Y.mat.data[i]) ** 2;
    out.trainLoss.push(0.5 * (input.loss === 'mean' ? 1 / n : 1) * acc);
    if (Kt) out.test?.push(fromMat(dyn.testAt(t), Y.vector));
  }
  return out;
}

// ---- kernel regression and linearized GD with a measured kernel (the same eigenbasis method) ----------

export interface KernelRegressionOptions {
  /** ridge δ ≥ 0 added to the diagonal (default 0) */
  ridge?: number;
  /** eigenvalues below rcond·λ_max are treated as zero in the pseudo-inverse (default 1e-12) */
  rcond?: number;
}

/**
 * Kernel regression predictions f(x_test) = K(X_test, X) (K(X, X) + δI)⁺ y.
 * `kTrain`: n × n, `kCross`: m × n (rows: test points), `y`: n targets.
 */
export function kernelRegression(kTrain: Mat, kCross: Mat, y: ArrayLike<number>, opts: KernelRegressionOptions = {}): Float64Array {
  checkSquare(kTrain, 'kTrain');
  checkMatShape(kCross, 'kCross');
  const n = kTrain.rows;
  if (kCross.cols !== n) throw new Error(`kernelRegression: kCross has ${kCross.cols} columns, expected ${n} (one per training point)`);
  checkVector(y, 'y', n);
  const ridge = opts.ridge ?? 0;
  const rcond = opts.rcond ?? 1e-12;
  if (!(ridge >= 0) || !Number.isFinite(ridge)) throw new Error(`kernelRegression: ridge must be a finite number ≥ 0, got ${ridge}`);
  if (!(rcond >= 0) || !Number.isFinite(rcond)) throw new Error(`kernelRegression: rcond must be a finite number ≥ 0, got ${rcond}`);
  const A = Float64Array.from(kTrain.data);
  for (let i = 0; i < n; i++) A[i * n + i] += ridge;
  const { values, vectors } = eigh({ rows: n, cols: n, data: A });
  const lmax = Math.max(...Array.from(values, Math.abs));
  // c = V diag(1/λ) Vᵀ y over the kept eigenvalues
  const proj = toEigenbasis(vectors.data, n, y);
  const c = fromEigenbasis(
    vectors.data,
    n,
    proj.map((p, k) => (Math.abs(values[k]) > rcond * lmax ? p / values[k] : 0)),
  );
  const m = kCross.rows;
  const out = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += kCross.data[t * n + i] * c[i];
    out[t] = s;
  }
  return out;
}

export interface LinearizedGdResult {
  /** steps taken (the given `steps`, or the first step count reaching `untilLossRatio`) */
  steps: number;
  /** r_T = (I − ηK)^T r₀ */
  residual: Float64Array;
  /** ‖r_T‖² / ‖r₀‖² */
  lossRatio: number;
  /** ‖Δθ_T‖ of the linearized model, √(η² sᵀKs) with s = Σ_{t<T} r_t */
  displacement: number;
}

/**
 * Gradient descent on ½‖f − y‖² of the model linearized at θ₀, whose Gram matrix is K = J Jᵀ (n × n, the
 * kernel that multiplies the residual in r_{t+1} = (I − ηK) r_t), from the initial residual r₀ = f₀ − y.
 * Runs `steps` steps, or (with `untilLossRatio`) the fewest steps T ≤ maxSteps with ‖r_T‖² ≤ ratio·‖r₀‖².
 */
export function linearizedGradientDescent(
  K: Mat,
  r0: ArrayLike<number>,
  eta: number,
  opts: { steps: number } | { untilLossRatio: number; maxSteps: number },
): LinearizedGdResult {
  checkSquare(K, 'K');
  const n = K.rows;
  checkVector(r0, 'r0', n);
  if (!(eta > 0) || !Number.isFinite(eta)) throw new Error(`linearizedGradientDescent: eta must be a positive finite number, got ${eta}`);
  const { values, vectors } = eigh(K);
  const proj = toEigenbasis(vectors.data, n, r0);
  const r0sq = proj.reduce((a, p) => a + p * p, 0);
  let T: number;
  if ('steps' in opts) {
    if (!Number.isInteger(opts.steps) || opts.steps < 0) throw new Error(`linearizedGradientDescent: steps must be a non-negative integer, got ${opts.steps}`);
    T = opts.steps;
  } else {
    const { untilLossRatio: ratio, maxSteps } = opts;
    if (!(ratio > 0 && ratio < 1)) throw new Error(`linearizedGradientDescent: untilLossRatio must be in (0, 1), got ${ratio}`);
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new Error(`linearizedGradientDescent: maxSteps must be a positive integer, got ${maxSteps}`);
    // ‖r_T‖² = Σ_k (q_kᵀr₀)² (1 − ηλ_k)^{2T}: advance the per-mode factors one step at a time
    const e2 = proj.map((p) => p * p);
    const g2 = values.map((l) => (1 - eta * l) ** 2);
    T = 0;
    let loss = r0sq;
    while (T < maxSteps && loss > ratio * r0sq) {
      loss = 0;
      for (let k = 0; k < n; k++) {
        e2[k] *= g2[k];
        loss += e2[k];
      }
      T++;
    }
  }
  const rT = new Float64Array(n);
  let rsq = 0;
  let quad = 0;
  for (let k = 0; k < n; k++) {
    const g = 1 - eta * values[k];
    const rk = proj[k] * g ** T;
    rT[k] = rk;
    rsq += rk * rk;
    // Σ_{t<T} g^t = (1 − g^T)/(1 − g) = (1 − g^T)/(ηλ); → T as ηλ → 0
    const sk = Math.abs(eta * values[k]) < 1e-14 ? proj[k] * T : (proj[k] * (1 - g ** T)) / (eta * values[k]);
    quad += values[k] * sk * sk;
  }
  const residual = fromEigenbasis(vectors.data, n, rT);
  return { steps: T, residual, lossRatio: r0sq > 0 ? rsq / r0sq : 0, displacement: eta * Math.sqrt(Math.max(0, quad)) };
}

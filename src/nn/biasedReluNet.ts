/**
 * A two-layer ReLU network with first-layer biases, f(x) = s_out Σᵢ aᵢ ReLU(wᵢ·x + bᵢ), with s_out = 1/n (mean-field,
 * Mei, Montanari & Nguyen 2018) or 1/√n (NTK/standard, Jacot, Gabriel & Hongler 2018), and its random-features twin
 * (`features`: the first layer frozen, for a readout fitted by ridge regression; Rahimi & Recht 2007). Used by the
 * single-index and Hermite-order studies. The forward multiplier carries the parameterization, so every parameter
 * has learning-rate multiplier 1 (`lrScales`); the studies choose the step.
 */
import { kernels } from '../core/kernels.ts';
import type { Mat } from '../core/mat.ts';
import * as op from '../core/ops.ts';
import type { Rng } from '../core/random.ts';
import { noGrad, param, type Tensor, tensor } from '../core/tensor.ts';
import type { Model } from './model.ts';

export interface ReluNetSpec {
  inputDim: number;
  width: number;
  /** forward multiplier s_out of the readout: 1/width (mean-field) or 1/√width (NTK/standard) */
  outputScale: number;
  /** wᵢ ~ N(0, weightStd²/inputDim · I) */
  weightStd: number;
  /** bᵢ ~ N(0, biasStd²) */
  biasStd: number;
  /** aᵢ ~ N(0, readoutStd²) */
  readoutStd: number;
  /** neurons in pairs (wᵢ, bᵢ, ±aᵢ) so that f(θ₀) ≡ 0 (Chizat, Oyallon & Bach 2019); width must be even */
  symmetric?: boolean;
}

function checkSpec(spec: ReluNetSpec): void {
  const fn = 'BiasedReluNet';
  for (const [k, v] of [
    ['inputDim', spec.inputDim],
    ['width', spec.width],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${fn}: ${k} must be an integer ≥ 1, got ${v}`);
  }
  if (spec.symmetric && spec.width % 2 !== 0) throw new Error(`${fn}: width must be even for the symmetric init, got ${spec.width}`);
  for (const [k, v] of [
    ['outputScale', spec.outputScale],
    ['weightStd', spec.weightStd],
    ['readoutStd', spec.readoutStd],
  ] as const) {
    if (!(v > 0)) throw new Error(`${fn}: ${k} must be > 0, got ${v}`);
  }
  if (!(spec.biasStd >= 0)) throw new Error(`${fn}: biasStd must be ≥ 0, got ${spec.biasStd}`);
}

/** f(x) = s_out Σᵢ aᵢ ReLU(wᵢ·x + bᵢ); W is [inputDim, width], column i is wᵢ; a is [width, 1]. */
export class BiasedReluNet implements Model {
  readonly inputDim: number;
  readonly width: number;
  readonly outputScale: number;
  readonly W: Tensor;
  readonly b: Tensor;
  readonly a: Tensor;

  constructor(spec: ReluNetSpec, rng: Rng) {
    checkSpec(spec);
    const d = spec.inputDim;
    const n = spec.width;
    const half = spec.symmetric ? n / 2 : n;
    const w = new Float64Array(d * n);
    const b = new Float64Array(n);
    const a = new Float64Array(n);
    const rw = rng.child('W');
    const rb = rng.child('b');
    const ra = rng.child('a');
    const ws = spec.weightStd / Math.sqrt(d);
    for (let i = 0; i < half; i++) {
      for (let k = 0; k < d; k++) w[k * n + i] = ws * rw.normal();
      b[i] = spec.biasStd * rb.normal();
      a[i] = spec.readoutStd * ra.normal();
      if (spec.symmetric) {
        for (let k = 0; k < d; k++) w[k * n + half + i] = w[k * n + i];
        b[half + i] = b[i];
        a[half + i] = -a[i];
      }
    }
    this.inputDim = d;
    this.width = n;
    this.outputScale = spec.outputScale;
    this.W = param(w, [d, n]);
    this.b = param(b, [n]);
    this.a = param(a, [n, 1]);
  }

  params(): Tensor[] {
    return [this.W, this.b, this.a];
  }

  lrScales(): number[] {
    return [1, 1, 1];
  }

  /** f on the rows of x; `collect` receives the hidden post-activations ReLU(xW + b). */
  forward(x: Tensor, collect?: Tensor[]): Tensor {
    const h = op.relu(op.add(op.matmul(x, this.W), this.b));
    collect?.push(h);
    return op.scale(op.matmul(h, this.a), this.outputScale);
  }

  /** ½·mean (f − y)² over the rows of x (y: rows × 1): the training loss of both studies. */
  halfMeanSquaredError(x: Tensor, y: Tensor): Tensor {
    return op.scale(op.mean(op.square(op.sub(this.forward(x), y))), 0.5);
  }

  /** f on the rows of x (no graph). */
  predict(x: Mat): Float64Array {
    if (x.cols !== this.inputDim) throw new Error(`BiasedReluNet.predict: x must have ${this.inputDim} columns, got ${x.cols}`);
    const out = noGrad(() => this.forward(tensor(x.data, [x.rows, x.cols])));
    return Float64Array.from(out.data);
  }

  /** Hidden features ReLU(xW + b), rows × width (plain arrays, for a ridge readout). */
  features(x: Mat): Mat {
    if (x.cols !== this.inputDim) throw new Error(`BiasedReluNet.features: x must have ${this.inputDim} columns, got ${x.cols}`);
    const n = this.width;
    const h = new Float64Array(x.rows * n);
    kernels().gemm(false, false, x.rows, n, this.inputDim, x.data, this.W.data, h, false);
    const b = this.b.data;
    for (let r = 0; r < x.rows; r++) {
      const off = r * n;
      for (let i = 0; i < n; i++) h[off + i] = Math.max(h[off + i] + b[i], 0);
    }
    return { rows: x.rows, cols: n, data: h };
  }

  /** |wᵢ·u|/‖wᵢ‖ for each neuron (u a unit vector of length inputDim). */
  overlaps(u: ArrayLike<number>): Float64Array {
    const { inputDim: d, width: n } = this;
    if (u.length !== d) throw new Error(`BiasedReluNet.overlaps: u has length ${u.length}, expected ${d}`);
    const w = this.W.data;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let dot = 0;
      let nn = 0;
      for (let k = 0; k < d; k++) {
        const v = w[k * n + i];
        dot += v * u[k];
        nn += v * v;
      }
      out[i] = nn > 0 ? Math.abs(dot) / Math.sqrt(nn) : 0;
    }
    return out;
  }
}

/**
 * The two-layer student of the lazy-vs-rich and conservation studies:
 *   f(x) = α · m_out Σᵢ aᵢ φ(m_in wᵢ·x),
 * built as an `Mlp` (./mlp.ts) without biases, so the scalings come from a parameterization table
 * (./parameterization.ts), not from code. With the default 'mean-field' table, m_in = 1, m_out = 1/n and
 * wᵢ, aᵢ ~ N(0, 1), which is the student of Chizat, Oyallon & Bach 2019 ("On lazy training in
 * differentiable programming") and the paper's Figure 2: f̂(x) = (α/n) Σᵢ aᵢ ReLU(wᵢᵀx). `baseWidth: 1`
 * scales every learning rate by n (the table's lrExp = 1), i.e. gradient descent in mean-field time.
 *
 * Two optional initializations (applied after the table's Gaussian draw):
 *  - `symmetric`: neurons come in pairs (wᵢ, aᵢ), (wᵢ, −aᵢ) so that f(θ₀) ≡ 0 (the "doubling trick" of
 *    Chizat et al. 2019, needed for the lazy limit: otherwise α·f₀ grows with α);
 *  - `balanced`: |aᵢ| = ‖wᵢ‖ (times the multiplier ratio), so the per-neuron conserved quantity of a
 *    1-homogeneous activation, ‖wᵢ‖² − aᵢ², starts at 0 (Du, Hu & Lee 2018; Kunin et al. 2021).
 */
import type { Mat } from '../core/mat.ts';
import type { Activation } from '../core/ops.ts';
import type { Rng } from '../core/random.ts';
import type { Tensor } from '../core/tensor.ts';
import { type Mlp, mlp } from './mlp.ts';
import type { Model } from './model.ts';
import type { Parameterization } from './parameterization.ts';

export interface TwoLayerSpec {
  inputDim: number;
  width: number;
  /** default 'relu' */
  activation?: Activation;
  /** α, the output multiplier (default 1) */
  outputMultiplier?: number;
  /** default 'mean-field' */
  parameterization?: Parameterization | string;
  /** learning-rate multipliers are (width/baseWidth)^lrExp; default: width (all 1) */
  baseWidth?: number;
  /** multiplies every initial weight (default 1) */
  initScale?: number;
  /** pairs of neurons with opposite readout weights, so f(θ₀) ≡ 0 (width must be even) */
  symmetric?: boolean;
  /** |aᵢ| = ‖wᵢ‖ at init, keeping the sign of the drawn aᵢ */
  balanced?: boolean;
}

export interface TwoLayerStudent extends Model {
  readonly inputDim: number;
  readonly width: number;
  readonly net: Mlp;
  /** First-layer weights, [inputDim, width]: column i is wᵢ. */
  readonly W: Tensor;
  /** Readout weights, [width, 1]. */
  readonly a: Tensor;
}

export function twoLayerStudent(spec: TwoLayerSpec, rng: Rng): TwoLayerStudent {
  const { inputDim: d, width: n } = spec;
  if (!Number.isInteger(d) || d < 1) throw new Error(`twoLayerStudent: inputDim must be a positive integer, got ${d}`);
  if (!Number.isInteger(n) || n < 1) throw new Error(`twoLayerStudent: width must be a positive integer, got ${n}`);
  if (spec.symmetric && n % 2 !== 0) throw new Error(`twoLayerStudent: width must be even for the symmetric init, got ${n}`);
  const net = mlp(
    {
      sizes: [d, n, 1],
      activation: spec.activation ?? 'relu',
      bias: false,
      parameterization: spec.parameterization ?? 'mean-field',
      baseWidth: spec.baseWidth,
      initScale: spec.initScale,
      outputMultiplier: spec.outputMultiplier ?? 1,
    },
    rng,
  );
  const W = net.layers[0].W;
  const a = net.layers[1].W;
  const w = W.data;
  const av = a.data;
  if (spec.symmetric) {
    const h = n / 2;
    for (let i = 0; i < h; i++) {
      for (let k = 0; k < d; k++) w[k * n + h + i] = w[k * n + i];
      av[h + i] = -av[i];
    }
  }
  if (spec.balanced) {
    // balance the raw parameters: the rescaling symmetry wᵢ → c·wᵢ, aᵢ → aᵢ/c acts on them whatever the
    // forward multipliers, so ‖wᵢ‖² − aᵢ² is the quantity gradient flow conserves
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let k = 0; k < d; k++) r += w[k * n + i] ** 2;
      av[i] = (av[i] < 0 ? -1 : 1) * Math.sqrt(r);
    }
  }
  return {
    inputDim: d,
    width: n,
    net,
    W,
    a,
    forward: (x, collect) => net.forward(x, collect),
    params: () => net.params(),
    lrScales: () => net.lrScales(),
  };
}

/** Neuron i's first-layer vector wᵢ (raw parameters). */
export function neuronWeights(s: TwoLayerStudent, i: number): Float64Array {
  const out = new Float64Array(s.inputDim);
  for (let k = 0; k < s.inputDim; k++) out[k] = s.W.data[k * s.width + i];
  return out;
}

/**
 * Neuron positions |aᵢ| wᵢ (width × inputDim), the particles of the mean-field picture (Chizat & Bach
 * 2018; the paper's Figure 2 plots them in the plane), and the signs of aᵢ.
 */
export function neuronPositions(s: TwoLayerStudent): { positions: Mat; signs: Int8Array } {
  const { inputDim: d, width: n } = s;
  const pos = new Float64Array(n * d);
  const signs = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const ai = s.a.data[i];
    signs[i] = ai < 0 ? -1 : 1;
    for (let k = 0; k < d; k++) pos[i * d + k] = Math.abs(ai) * s.W.data[k * n + i];
  }
  return { positions: { rows: n, cols: d, data: pos }, signs };
}

/** Per-neuron rescaling invariants ‖wᵢ‖² − aᵢ² (conserved by gradient flow for 1-homogeneous φ with equal learning rates). */
export function neuronBalance(s: TwoLayerStudent): Float64Array {
  const { inputDim: d, width: n } = s;
  const q = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let k = 0; k < d; k++) r += s.W.data[k * n + i] ** 2;
    q[i] = r - s.a.data[i] ** 2;
  }
  return q;
}

/**
 * A small convolutional classifier for single-channel h×w images (the "small CNN" of catalog study 30):
 *   conv k×k (c channels, stride 1, zero "same" padding) → φ → 2×2 average pooling → dense (hidden) → φ → dense (out).
 * The convolution is a matrix product on im2col patches (Chellapilla, Puri & Simard 2006): each image position
 * contributes a row of its k² neighbouring pixels, so conv(x)[b, p, ch] = Σ_t patch[b, p, t] · K[t, ch] + bias[ch].
 * Patch rows are ordered by pooling cell, the four positions of each 2×2 cell consecutive, so the pooling is a mean
 * over one axis of a reshaped tensor. Patches are built from the input's values, so the input is treated as data (no
 * gradient with respect to it); gradients flow to every parameter through the ordinary matmul/reshape/mean ops.
 * Initialisation as the standard parameterization of ./mlp.ts: weights N(0, 1/fan_in), biases 0.
 */
import * as op from '../core/ops.ts';
import type { Activation } from '../core/ops.ts';
import type { Rng } from '../core/random.ts';
import { param, type Tensor, tensor } from '../core/tensor.ts';
import { type NamedModel, type NamedParam, parameterCount } from './model.ts';

export interface SmallCnnSpec {
  /** Image height and width (even, for the 2×2 pooling). */
  height: number;
  width: number;
  /** Odd kernel size k. */
  kernel: number;
  channels: number;
  hidden: number;
  classes: number;
  activation: Activation;
}

export class SmallCnn implements NamedModel {
  readonly spec: SmallCnnSpec;
  readonly convW: Tensor;
  readonly convB: Tensor;
  readonly fc1W: Tensor;
  readonly fc1B: Tensor;
  readonly fc2W: Tensor;
  readonly fc2B: Tensor;
  private readonly act: (t: Tensor) => Tensor;
  /** For every (row, tap): the pixel index it reads, or −1 for padding; rows in pooling-cell order. */
  private readonly taps: Int32Array;

  constructor(spec: SmallCnnSpec, rng: Rng) {
    const { height: h, width: w, kernel: k, channels: c, hidden, classes } = spec;
    for (const [name, v] of Object.entries({ height: h, width: w, kernel: k, channels: c, hidden, classes })) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`SmallCnn: ${name} must be a positive integer, got ${v}`);
    }
    if (k % 2 !== 1) throw new Error(`SmallCnn: kernel must be odd (for "same" padding), got ${k}`);
    if (h % 2 !== 0 || w % 2 !== 0) throw new Error(`SmallCnn: height and width must be even (2×2 pooling), got ${h}×${w}`);
    this.spec = spec;
    this.act = op.ACTIVATIONS[spec.activation];
    const init = (fanIn: number, fanOut: number, key: string) => param(rng.child(key).fillNormal(new Float64Array(fanIn * fanOut), 1 / Math.sqrt(fanIn)), [fanIn, fanOut]);
    this.convW = init(k * k, c, 'conv');
    this.convB = param(new Float64Array(c), [c]);
    const pooled = (h / 2) * (w / 2) * c;
    this.fc1W = init(pooled, hidden, 'fc1');
    this.fc1B = param(new Float64Array(hidden), [hidden]);
    this.fc2W = init(hidden, classes, 'fc2');
    this.fc2B = param(new Float64Array(classes), [classes]);
    const r = (k - 1) / 2;
    const taps = new Int32Array(h * w * k * k);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        // row = 4·(pooling cell) + (position inside the 2×2 cell)
        const row = 4 * ((y >> 1) * (w / 2) + (x >> 1)) + 2 * (y & 1) + (x & 1);
        for (let dy = -r; dy <= r; dy++)
          for (let dx = -r; dx <= r; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            taps[row * k * k + (dy + r) * k + (dx + r)] = yy >= 0 && yy < h && xx >= 0 && xx < w ? yy * w + xx : -1;
          }
      }
    this.taps = taps;
  }

  params(): Tensor[] {
    return [this.convW, this.convB, this.fc1W, this.fc1B, this.fc2W, this.fc2B];
  }

  /** Standard parameterization throughout: every multiplier is 1. */
  lrScales(): number[] {
    return this.params().map(() => 1);
  }

  namedParams(): NamedParam[] {
    const roles = ['input', 'bias', 'hidden', 'bias', 'output', 'outputBias'];
    const names = ['conv.W', 'conv.b', 'fc1.W', 'fc1.b', 'fc2.W', 'fc2.b'];
    return this.params().map((tensor, i) => ({ name: names[i], tensor, role: roles[i], lrScale: 1 }));
  }

  parameterCount(): number {
    return parameterCount(this);
  }

  /** im2col: [B, h·w] images → [B·h·w, k²] patches (constant), rows in pooling-cell order. */
  patches(x: Tensor): Tensor {
    const { height: h, width: w, kernel: k } = this.spec;
    const hw = h * w;
    if (x.ndim !== 2 || x.shape[1] !== hw) throw new Error(`SmallCnn: input must be [batch, ${hw}] (row-major ${h}×${w} images), got [${x.shape.join(', ')}]`);
    const B = x.shape[0];
    const kk = k * k;
    const out = new Float64Array(B * hw * kk);
    const src = x.data;
    for (let b = 0; b < B; b++) {
      const base = b * hw;
      const ob = b * hw * kk;
      for (let t = 0; t < hw * kk; t++) {
        const pix = this.taps[t];
        if (pix >= 0) out[ob + t] = src[base + pix];
      }
    }
    return tensor(out, [B * hw, kk]);
  }

  /** Logits [B, classes]; `collect` receives the pooled conv features and the hidden dense activations. */
  forward(x: Tensor, collect?: Tensor[]): Tensor {
    const { height: h, width: w, channels: c } = this.spec;
    const B = x.shape[0];
    const conv = this.act(op.add(op.matmul(this.patches(x), this.convW), this.convB)); // [B·h·w, c], pooling-cell order
    const cells = (h / 2) * (w / 2);
    const pooled = op.reshape(op.meanAxis(op.reshape(conv, [B * cells, 4, c]), 1), [B, cells * c]); // [B, (h/2)(w/2)c]
    collect?.push(pooled);
    const hidden = this.act(op.add(op.matmul(pooled, this.fc1W), this.fc1B));
    collect?.push(hidden);
    return op.add(op.matmul(hidden, this.fc2W), this.fc2B);
  }
}

export function smallCnn(spec: SmallCnnSpec, rng: Rng): SmallCnn {
  return new SmallCnn(spec, rng);
}

import { describe, expect, it } from 'vitest';
import { valueAndGrad } from '../../src/core/autodiff.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { noGrad, tensor } from '../../src/core/tensor.ts';
import { smallCnn } from '../../src/nn/smallCnn.ts';

const spec = { height: 4, width: 6, kernel: 3, channels: 2, hidden: 5, classes: 3, activation: 'tanh' as const };

/** Direct loops: zero-padded 3×3 correlation, tanh, 2×2 average pooling, dense, tanh, dense. */
function reference(net: ReturnType<typeof smallCnn>, img: Float64Array): number[] {
  const { height: h, width: w, channels: c, hidden, classes } = spec;
  const K = net.convW.data;
  const pooled = new Float64Array((h / 2) * (w / 2) * c);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) {
        let s = net.convB.data[ch];
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            s += img[yy * w + xx] * K[((dy + 1) * 3 + (dx + 1)) * c + ch];
          }
        pooled[(Math.floor(y / 2) * (w / 2) + Math.floor(x / 2)) * c + ch] += Math.tanh(s) / 4;
      }
  const hid = new Float64Array(hidden);
  for (let j = 0; j < hidden; j++) {
    let s = net.fc1B.data[j];
    for (let i = 0; i < pooled.length; i++) s += pooled[i] * net.fc1W.data[i * hidden + j];
    hid[j] = Math.tanh(s);
  }
  const out: number[] = [];
  for (let k = 0; k < classes; k++) {
    let s = net.fc2B.data[k];
    for (let j = 0; j < hidden; j++) s += hid[j] * net.fc2W.data[j * classes + k];
    out.push(s);
  }
  return out;
}

describe('SmallCnn', () => {
  const rng = Rng.fromSeed(1, 'cnn');
  const net = smallCnn(spec, rng.child('init'));
  // non-zero biases so that the test sees them
  for (const b of [net.convB, net.fc1B, net.fc2B]) rng.child('bias', b.id).fillNormal(b.data as Float64Array, 0.3);
  const x = rng.child('x').fillNormal(new Float64Array(2 * 24));

  it('matches a direct zero-padded convolution + pooling + dense computation', () => {
    const out = noGrad(() => net.forward(tensor(x, [2, 24])));
    for (let b = 0; b < 2; b++) {
      const want = reference(net, x.subarray(b * 24, b * 24 + 24));
      // float error of two summation orders
      for (let k = 0; k < 3; k++) expect(out.data[b * 3 + k]).toBeCloseTo(want[k], 12);
    }
  });

  it('gives parameter gradients that match central finite differences', () => {
    const y = new Int32Array([0, 2]);
    const loss = () => op.softmaxCrossEntropy(net.forward(tensor(x, [2, 24])), y);
    const { grads } = valueAndGrad(loss, net.params());
    const h = 1e-6;
    net.params().forEach((p, i) => {
      for (const j of [0, p.size - 1]) {
        const old = p.data[j];
        p.data[j] = old + h;
        const up = noGrad(() => loss().item());
        p.data[j] = old - h;
        const down = noGrad(() => loss().item());
        p.data[j] = old;
        // central difference error O(h²) plus rounding ε/h ≈ 1e-10
        expect(grads[i][j]).toBeCloseTo((up - down) / (2 * h), 6);
      }
    });
  });

  it('rejects bad shapes naming the field', () => {
    expect(() => smallCnn({ ...spec, kernel: 2 }, rng)).toThrow(/kernel must be odd/);
    expect(() => smallCnn({ ...spec, height: 5 }, rng)).toThrow(/even/);
    expect(() => net.forward(tensor(new Float64Array(10), [1, 10]))).toThrow(/input must be \[batch, 24\]/);
  });
});

/**
 * src/nn/batchedMlp.ts trained by the optimizer chain with per-network learning rates (src/nn/optim.ts
 * `sgd(lrs, lrScales)`, `adam(lrs, { lrScales })`), against its oracle: K separate `mlp()` networks
 * stepped by the textbook update written out here (SGD θ ← θ − η·s·g; Adam with bias correction,
 * Kingma & Ba 2015), independent of the chain. The same initial weights, and after 20 steps with a
 * different learning rate and a different batch stream per network, the same weights and losses. The
 * comparison is bit for bit (float64 and float32 storage): per slice the batched model makes the same
 * kernel calls on the same values and the chain evaluates the update's expressions in the same order,
 * so no rounding differs. The brief's bound is 1e-12 relative; exactness is the stronger statement and is
 * what holds.
 */
import { describe, expect, it } from 'vitest';
import { valueAndGrad } from '../../src/core/autodiff.ts';
import type { FloatArray } from '../../src/core/mat.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { type DType, tensor } from '../../src/core/tensor.ts';
import { BatchedMlp, batchedMlp } from '../../src/nn/batchedMlp.ts';
import { type Mlp, type MlpSpec, mlp } from '../../src/nn/mlp.ts';
import { adam, type Optimizer, OptimizerState, sgd } from '../../src/nn/optim.ts';
import { tanhTeacher, trainOnlineSweep } from '../../src/protocols/lrSweep.ts';

const K = 3;
// batch 16: the width-12 products (16·12·12 ≥ 2048 multiply-adds) go to the WebAssembly kernel, the
// input and readout ones stay in the TypeScript loop, so both kernel paths are compared
const B = 16;
const LRS = [0.01, 0.03, 0.1];

function spec(parameterization: string, optimizer: 'sgd' | 'adam', dtype: DType): MlpSpec {
  return { sizes: [5, 12, 12, 2], activation: 'tanh', parameterization, baseWidth: 6, optimizer, dtype, outputMultiplier: 1.5 };
}

/** Batch t of network k: x ~ N(0, I), y = a fixed nonlinear function of x. */
function batchOf(k: number, t: number): { x: Float64Array; y: Float64Array } {
  const r = Rng.fromSeed(11, 'data', k, t);
  const x = r.fillNormal(new Float64Array(B * 5));
  const y = new Float64Array(B * 2);
  for (let i = 0; i < B; i++) {
    y[2 * i] = Math.sin(x[5 * i] + 0.5 * x[5 * i + 1]);
    y[2 * i + 1] = x[5 * i + 2] * x[5 * i + 3];
  }
  return { x, y };
}

/**
 * The textbook update of one network, in place: c = sᵢ·(−η) per array, θ += c·g (SGD) or
 * θ += c·m̂/(√v̂ + ε) (Adam, β = 0.9, 0.999, ε = 1e-8).
 */
function handOptimizer(family: 'sgd' | 'adam', lr: number, lrScales: readonly number[]): (params: FloatArray[], grads: FloatArray[]) => void {
  let t = 0;
  let m: Float64Array[] = [];
  let v: Float64Array[] = [];
  return (params, grads) => {
    if (t === 0) {
      m = params.map((p) => new Float64Array(p.length));
      v = params.map((p) => new Float64Array(p.length));
    }
    t++;
    params.forEach((p, i) => {
      const c = lrScales[i] * -lr;
      const g = grads[i];
      for (let j = 0; j < p.length; j++) {
        if (family === 'sgd') {
          p[j] += c * g[j];
          continue;
        }
        m[i][j] = 0.9 * m[i][j] + (1 - 0.9) * g[j];
        v[i][j] = 0.999 * v[i][j] + (1 - 0.999) * g[j] * g[j];
        p[j] += c * (m[i][j] / (1 - 0.9 ** t) / (Math.sqrt(v[i][j] / (1 - 0.999 ** t)) + 1e-8));
      }
    });
  };
}

function trainSeparate(s: MlpSpec, family: 'sgd' | 'adam', steps: number): { nets: Mlp[]; losses: number[][] } {
  const nets = LRS.map((_, k) => mlp(s, Rng.fromSeed(3, 'init', k)));
  const losses = nets.map((net, k) => {
    const ps = net.params();
    const arrays = ps.map((p) => p.data);
    const step = handOptimizer(family, LRS[k], net.lrScales());
    const out: number[] = [];
    for (let t = 0; t < steps; t++) {
      const d = batchOf(k, t);
      const x = tensor(d.x, [B, 5], s.dtype);
      const y = tensor(d.y, [B, 2], s.dtype);
      const { value, grads } = valueAndGrad(() => op.scale(op.mse(net.forward(x), y), 0.5), ps);
      out.push(value);
      step(arrays, grads);
    }
    return out;
  });
  return { nets, losses };
}

function trainBatched(s: MlpSpec, family: 'sgd' | 'adam', steps: number): { net: BatchedMlp; losses: number[][] } {
  const net = batchedMlp(
    s,
    K,
    LRS.map((_, k) => Rng.fromSeed(3, 'init', k)),
  );
  const ps = net.params();
  const opt = new OptimizerState(chainFor(family, LRS, net.lrScales()));
  const losses: number[][] = LRS.map(() => []);
  for (let t = 0; t < steps; t++) {
    const xs = new Float64Array(K * B * 5);
    const ys = new Float64Array(K * B * 2);
    for (let k = 0; k < K; k++) {
      const d = batchOf(k, t);
      xs.set(d.x, k * B * 5);
      ys.set(d.y, k * B * 2);
    }
    const x = tensor(xs, [K, B, 5], s.dtype);
    const y = tensor(ys, [K, B, 2], s.dtype);
    const per: number[] = [];
    const { grads } = valueAndGrad(() => {
      const l = op.scale(op.mseBatched(net.forward(x), y), 0.5);
      per.push(...l.data);
      return op.sum(l);
    }, ps);
    per.forEach((v, k) => losses[k].push(v));
    opt.step(
      ps.map((p) => p.data),
      grads,
    );
  }
  return { net, losses };
}

/** The chain under test: per-network learning rates on top of the parameterization's multipliers. */
function chainFor(family: 'sgd' | 'adam', lrs: readonly number[], lrScales: readonly number[]): Optimizer {
  return family === 'adam' ? adam(lrs, { lrScales }) : sgd(lrs, lrScales);
}

/** Largest |a − b| / max(|b|, tiny) over the entries. */
function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-300));
  return m;
}

describe('batchedMlp', () => {
  it('slice k starts from exactly the weights mlp(spec, rngs[k]) draws, with the same multipliers and learning-rate scales', () => {
    const s = spec('ntk', 'sgd', 'f64');
    const net = batchedMlp(
      s,
      K,
      LRS.map((_, k) => Rng.fromSeed(3, 'init', k)),
    );
    for (let k = 0; k < K; k++) {
      const ref = mlp(s, Rng.fromSeed(3, 'init', k));
      const sl = net.slice(k);
      expect(sl.params().map((p) => Array.from(p.data))).toEqual(ref.params().map((p) => Array.from(p.data)));
      expect(sl.lrScales()).toEqual(ref.lrScales());
      expect(sl.layers.map((l) => l.multiplier)).toEqual(ref.layers.map((l) => l.multiplier));
    }
    expect(net.parameterCount()).toBe(mlp(s, Rng.fromSeed(0)).parameterCount());
    // NTK: forward multipliers 1/√fan_in ≠ 1, so the multiplier path of forward is exercised below
    expect(net.layers[0].multiplier).toBeCloseTo(1 / Math.sqrt(5), 15);
  });

  it('forward of slice k equals Mlp.forward of network k bit for bit', () => {
    const s = spec('ntk', 'sgd', 'f64');
    const net = batchedMlp(
      s,
      K,
      LRS.map((_, k) => Rng.fromSeed(3, 'init', k)),
    );
    const xs = new Float64Array(K * B * 5);
    for (let k = 0; k < K; k++) xs.set(batchOf(k, 0).x, k * B * 5);
    const out = net.forward(tensor(xs, [K, B, 5]));
    expect(out.shape).toEqual([K, B, 2]);
    for (let k = 0; k < K; k++) {
      const ref = net.slice(k).forward(tensor(batchOf(k, 0).x, [B, 5]));
      expect(Array.from(out.data.subarray(k * B * 2, (k + 1) * B * 2))).toEqual(Array.from(ref.data));
    }
    expect(() => net.forward(tensor(new Float64Array(B * 5), [B, 5]))).toThrow(/x has shape \[16, 5\], expected \[3, batch, 5\]/);
  });

  for (const family of ['sgd', 'adam'] as const) {
    for (const dtype of ['f64', 'f32'] as const) {
      it(`K = 3 batched training for 20 steps equals 3 separate mlp() trainings (${family}, μP, ${dtype})`, () => {
        const s = spec('mup', family, dtype);
        const sep = trainSeparate(s, family, 20);
        const bat = trainBatched(s, family, 20);
        for (let k = 0; k < K; k++) {
          const a = bat.net.slice(k).params();
          const b = sep.nets[k].params();
          for (let i = 0; i < a.length; i++) {
            // the brief's bound (float64 rounding of a reordered sum would be ~1e-15); see the header: it is exact
            expect(maxRel(a[i].data, b[i].data)).toBeLessThanOrEqual(1e-12);
            expect(Array.from(a[i].data)).toEqual(Array.from(b[i].data));
          }
          expect(bat.losses[k]).toEqual(sep.losses[k]);
        }
        // the networks did move and differ (the comparison is not between untouched inits)
        expect(sep.losses[2][19]).not.toBe(sep.losses[2][0]);
        expect(sep.losses[0][19]).not.toBe(sep.losses[1][19]);
      });
    }
  }

  it('select keeps the chosen networks and their optimizer state (continuing equals never dropping)', () => {
    const s = spec('mup', 'adam', 'f64');
    const full = trainBatched(s, 'adam', 6);
    // train 3 steps on all, drop network 1, train 3 more on the rest: networks 0 and 2 must match `full`
    const net = batchedMlp(
      s,
      K,
      LRS.map((_, k) => Rng.fromSeed(3, 'init', k)),
    );
    let cur = net;
    let opt = new OptimizerState(chainFor('adam', LRS, net.lrScales()));
    let ids = [0, 1, 2];
    for (let t = 0; t < 6; t++) {
      if (t === 3) {
        cur = cur.select([0, 2]);
        opt = opt.select([0, 2]);
        ids = [0, 2];
      }
      const n = ids.length;
      const xs = new Float64Array(n * B * 5);
      const ys = new Float64Array(n * B * 2);
      ids.forEach((k, j) => {
        const d = batchOf(k, t);
        xs.set(d.x, j * B * 5);
        ys.set(d.y, j * B * 2);
      });
      const ps = cur.params();
      const { grads } = valueAndGrad(() => op.sum(op.scale(op.mseBatched(cur.forward(tensor(xs, [n, B, 5])), tensor(ys, [n, B, 2])), 0.5)), ps);
      opt.step(
        ps.map((p) => p.data),
        grads,
      );
    }
    expect(opt.transform.slices).toBe(2);
    [0, 2].forEach((k, j) => {
      expect(cur.slice(j).params().map((p) => Array.from(p.data))).toEqual(full.net.slice(k).params().map((p) => Array.from(p.data)));
    });
  });

  it('fromMlps rejects networks of different shapes, and bad arguments name the field', () => {
    const a = mlp({ sizes: [2, 4, 1], activation: 'relu' }, Rng.fromSeed(1));
    const b = mlp({ sizes: [2, 5, 1], activation: 'relu' }, Rng.fromSeed(1));
    expect(() => BatchedMlp.fromMlps([a, b], 'relu')).toThrow(/nets\[1\] differs from nets\[0\]/);
    expect(() => batchedMlp({ sizes: [2, 4, 1], activation: 'relu' }, 2, [Rng.fromSeed(1)])).toThrow(/rngs has 1 streams, expected K = 2/);
    expect(() => sgd([0.1, Number.NaN], [1])).toThrow(/lr\[1\] = NaN/);
    expect(() => batchedMlp({ sizes: [2, 4, 1], activation: 'relu' }, 2, [Rng.fromSeed(1), Rng.fromSeed(2)]).select([2])).toThrow(/index 2, expected an integer in \[0, 2\)/);
  });
});

describe('trainOnlineSweep (src/protocols/lrSweep.ts)', () => {
  it('batched chunks give every run exactly its separate trainOnline result, diverging runs included', () => {
    const task = tanhTeacher(4, 2, Rng.fromSeed(5, 'teacher'));
    const model = { kind: 'mlp' as const, depth: 2, activation: 'relu' as const, inputDim: 4, outputDim: 1, bias: true };
    const streams = [0, 1].map((s) => Rng.fromSeed(5, 'stream', s));
    // η up to 2⁴ with Adam: the largest learning rates diverge (checked below), at different steps
    const runs = [-8, -4, -1, 2, 4].flatMap((k) => [0, 1].map((s) => ({ lr: 2 ** k, init: Rng.fromSeed(5, 'init', s), stream: streams[s] })));
    for (const dtype of ['f32', 'f64'] as const) {
      const base = { model, width: 16, parameterization: 'mup', baseWidth: 8, optimizer: 'adam' as const, runs, steps: 25, batch: 8, task, dtype };
      const sep = trainOnlineSweep({ ...base, batched: false });
      const seen: number[] = [];
      // chunk 4: three chunks, the last one partial
      const bat = trainOnlineSweep({ ...base, chunk: 4, onRun: (i) => seen.push(i) });
      expect(bat).toEqual(sep);
      expect(seen.sort((a, b) => a - b)).toEqual(runs.map((_, i) => i));
      expect(sep.some((r) => r.diverged)).toBe(true);
      expect(sep.some((r) => !r.diverged)).toBe(true);
    }
  });

  it('with AdamW weight decay (per-layer or independent) the batched runs still equal their separate runs, and the decay changes them', () => {
    const task = tanhTeacher(4, 2, Rng.fromSeed(6, 'teacher'));
    const model = { kind: 'mlp' as const, depth: 2, activation: 'relu' as const, inputDim: 4, outputDim: 1, bias: true };
    const stream = Rng.fromSeed(6, 'stream');
    const runs = [-6, -3, 0].map((k) => ({ lr: 2 ** k, init: Rng.fromSeed(6, 'init'), stream }));
    const base = { model, width: 32, parameterization: 'mup', baseWidth: 8, optimizer: 'adam' as const, runs, steps: 20, batch: 8, task, dtype: 'f64' as const };
    const plain = trainOnlineSweep(base);
    const finals: number[][] = [plain.map((r) => r.finalLoss)];
    for (const independentDecay of [false, true]) {
      const decayed = { ...base, weightDecay: 0.5, independentDecay };
      const bat = trainOnlineSweep(decayed);
      expect(bat).toEqual(trainOnlineSweep({ ...decayed, batched: false }));
      finals.push(bat.map((r) => r.finalLoss));
    }
    // no decay, per-layer decay and independent decay are three different trainings (μP's multipliers ≠ 1 at 4× the base width)
    expect(new Set(finals.map((f) => f.join())).size).toBe(3);
  });
});

import { describe, expect, it } from 'vitest';
import { adam, type Optimizer, OptimizerState, optimizerFromConfig, sgd, updateBuffers } from '../../src/nn/optim.ts';

/** One optimizer step on two parameter tensors with multipliers `scales`; returns the new parameters. */
function oneStep(config: Parameters<typeof optimizerFromConfig>[0], scales: number[], theta: number[][], grads: number[][]): number[][] {
  const params = theta.map((t) => Float64Array.from(t));
  new OptimizerState(optimizerFromConfig(config, { lrScales: scales })).step(
    params,
    grads.map((g) => Float64Array.from(g)),
  );
  return params.map((p) => [...p]);
}

describe('AdamW weight decay: scaled by the per-layer multiplier or independent of it', () => {
  const theta = [
    [1, -2],
    [0.5, 3],
  ];
  const zero = [
    [0, 0],
    [0, 0],
  ];
  const scales = [1, 0.125]; // e.g. μP's hidden-layer multiplier n₀/n at 8× the base width
  const lr = 0.1;
  const wd = 0.5;

  it('with a zero gradient only the decay acts: θ(1 − η·sᵢ·λ) by default, θ(1 − η·λ) when independent', () => {
    // Adam's direction is m̂/(√v̂ + ε) = 0 for a zero gradient, so the step is the decay alone (exact up to rounding)
    const standard = oneStep({ kind: 'adamw', lr, weightDecay: wd }, scales, theta, zero);
    const independent = oneStep({ kind: 'adamw', lr, weightDecay: wd, independentDecay: true }, scales, theta, zero);
    theta.forEach((t, i) =>
      t.forEach((v, j) => {
        expect(standard[i][j]).toBeCloseTo(v * (1 - lr * scales[i] * wd), 14);
        expect(independent[i][j]).toBeCloseTo(v * (1 - lr * wd), 14);
      }),
    );
  });

  it('the Adam direction keeps its multiplier in both forms; with multipliers 1 the two forms coincide', () => {
    const g = [
      [2, -1],
      [-3, 4],
    ];
    const independent = oneStep({ kind: 'adamw', lr, weightDecay: wd, independentDecay: true }, scales, theta, g);
    // Adam's first bias-corrected step is g/(|g| + ε) ≈ sign(g) (ε = 1e-8 moves it by < 1e-8)
    theta.forEach((t, i) => t.forEach((v, j) => expect(independent[i][j]).toBeCloseTo(v - lr * scales[i] * Math.sign(g[i][j]) - lr * wd * v, 7)));
    const ones = [1, 1];
    expect(oneStep({ kind: 'adamw', lr, weightDecay: wd, independentDecay: true }, ones, theta, g)).toEqual(oneStep({ kind: 'adamw', lr, weightDecay: wd }, ones, theta, g));
  });

  it('independentDecay with another optimizer is an error naming the field and the kind', () => {
    expect(() => optimizerFromConfig({ kind: 'adam', lr, weightDecay: wd, independentDecay: true })).toThrow("optimizer.independentDecay: true with kind 'adam'; expected kind 'adamw'");
  });
});

describe('OptimizerState widens float32 gradients into buffers it keeps', () => {
  it('gives the parameters of fresh buffers bit for bit over several Adam steps, and reuses one buffer per parameter', () => {
    const grads = (t: number) => [Float32Array.from({ length: 50 }, (_, j) => Math.sin(t + j)), Float32Array.from({ length: 7 }, (_, j) => Math.cos(t * j))];
    const start = () => [Float32Array.from({ length: 50 }, (_, j) => j / 50), Float32Array.from({ length: 7 }, (_, j) => -j)];
    const [kept, fresh] = [start(), start()];
    const opt = new OptimizerState(adam(1e-2));
    const ref = adam(1e-2);
    let refState = ref.init(fresh);
    for (let t = 0; t < 5; t++) {
      opt.step(kept, grads(t));
      // the reference widens into new arrays every step, as before
      const u = updateBuffers(grads(t));
      refState = ref.update(u, refState, fresh);
      for (let i = 0; i < fresh.length; i++) for (let j = 0; j < fresh[i].length; j++) fresh[i][j] += u[i][j];
    }
    expect(kept.map((p) => Array.from(p))).toEqual(fresh.map((p) => Array.from(p)));
    // updateBuffers with a reuse list fills it; the same list a second time hands back the same arrays
    const reuse: Float64Array[] = [];
    const first = updateBuffers(grads(0), reuse);
    expect(reuse.length).toBe(2);
    expect(updateBuffers(grads(1), reuse)).toEqual(updateBuffers(grads(1)));
    expect(updateBuffers(grads(2), reuse)[0]).toBe(first[0]);
    // a kept buffer of another length is replaced, not written past its end
    const short = [new Float64Array(3)];
    updateBuffers(grads(0), short);
    expect(short[0].length).toBe(50);
  });
});

describe('fused Adam step (chain of Adam and scalings in one pass)', () => {
  const rngArray = (n: number, seed: number, f32: boolean) => {
    const a = f32 ? new Float32Array(n) : new Float64Array(n);
    let x = seed;
    for (let i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) % 2147483648; // a small LCG: any fixed numbers will do
      a[i] = (x / 2147483648 - 0.5) * 0.2;
    }
    return a;
  };

  /**
   * `steps` steps of a chain's fused step and of its separate passes (`fused: false`) from the same parameters (array i
   * seeded `seed + i`) and the same gradients (step t, array i seeded `gradSeed·t + i`).
   */
  const fusedAndPasses = (make: () => Optimizer, sizes: number[], f32: boolean, steps: number, seed: number, gradSeed: number) => {
    const fused = new OptimizerState(make());
    const passes = new OptimizerState(make(), { fused: false });
    const pa = sizes.map((n, i) => rngArray(n, seed + i, f32));
    const pb = pa.map((a) => a.slice());
    for (let t = 0; t < steps; t++) {
      const grads = () => sizes.map((n, i) => rngArray(n, gradSeed * t + i, f32));
      fused.step(pa, grads());
      passes.step(pb, grads());
    }
    return { fused, passes, pa, pb };
  };

  for (const [f32, weightDecay] of [[false, 0], [true, 0], [false, 0.3], [true, 0.3]] as const) {
    it(`moves ${f32 ? 'float32' : 'float64'} parameters and the moments bit for bit as the passes do (stacked, per-network η, μP multipliers, past t = 356, both kernels${weightDecay ? ', AdamW decay' : ''})`, () => {
      const K = 3;
      // slices of 40 and 7 take the TypeScript loop; 257 (odd) and 4099 (past one chunk of 4096) the WebAssembly step
      const sizes = [K * 40, K * 7, K * 257, K * 4099];
      const make = () => adam([1e-2, 3e-3, 2e-2], { lrScales: [0.5, 2, 1, 0.25], beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay });
      expect(make().fusedStep).toBeDefined();
      const { fused, passes, pa, pb } = fusedAndPasses(make, sizes, f32, 400, 11, 1000);
      pa.forEach((a, i) => expect(a).toEqual(pb[i]));
      const sa = fused.current as unknown[];
      const sb = passes.current as unknown[];
      expect(sa).toEqual(sb);
      // and the parameters did move (a fused step that did nothing would fail the comparison only if passes moved)
      expect(pa[0][0]).not.toBe(rngArray(sizes[0], 11, f32)[0]);
    });
  }

  it('covers Adam and AdamW (decay before the multipliers), not coupled L2, independent decay or SGD', () => {
    expect(adam(1e-3, { weightDecay: 0.1 }).fusedStep).toBeDefined();
    expect(optimizerFromConfig({ kind: 'adamw', lr: 1e-3, weightDecay: 0.1, independentDecay: true }, { lrScales: [1, 2] }).fusedStep).toBeUndefined();
    expect(optimizerFromConfig({ kind: 'adam', lr: 1e-3, weightDecay: 0.1 }).fusedStep).toBeUndefined();
    expect(optimizerFromConfig({ kind: 'sgd', lr: 1e-3 }).fusedStep).toBeDefined();
    expect(optimizerFromConfig({ kind: 'momentum', lr: 1e-3 }).fusedStep).toBeUndefined();
    expect(optimizerFromConfig({ kind: 'adam', lr: 1e-3 }).fusedStep).toBeDefined();
  });

  for (const f32 of [false, true]) {
    it(`SGD (the scalings alone) moves ${f32 ? 'float32' : 'float64'} parameters bit for bit as the passes do (stacked, per-network η, μP multipliers)`, () => {
      const K = 3;
      const sizes = [K * 40, K * 7, K * 65];
      const make = () => sgd([1e-2, 3e-3, 2e-2], [0.5, 2, 1.5]);
      expect(make().fusedStep).toBeDefined();
      const { pa, pb } = fusedAndPasses(make, sizes, f32, 50, 21, 2000);
      pa.forEach((a, i) => expect(a).toEqual(pb[i]));
      expect(pa[2][0]).not.toBe(rngArray(sizes[2], 23, f32)[0]);
    });
  }

  it('survives dropping networks (select), bit for bit with the passes', () => {
    const make = () => adam([1e-2, 3e-3], { lrScales: [1] });
    let fused = new OptimizerState(make());
    let passes = new OptimizerState(make(), { fused: false });
    const pa = [rngArray(20, 5, false)];
    const pb = [pa[0].slice()];
    for (let t = 0; t < 5; t++) {
      fused.step(pa, [rngArray(20, t, false)]);
      passes.step(pb, [rngArray(20, t, false)]);
    }
    fused = fused.select([1]);
    passes = passes.select([1]);
    const qa = [pa[0].slice(10)];
    const qb = [pb[0].slice(10)];
    for (let t = 5; t < 10; t++) {
      fused.step(qa, [rngArray(10, t, false)]);
      passes.step(qb, [rngArray(10, t, false)]);
    }
    expect(qa[0]).toEqual(qb[0]);
  });
});

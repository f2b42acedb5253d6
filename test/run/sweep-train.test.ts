/**
 * Sweep runs: the observables against dense/analytic oracles, determinism, and divergence detection.
 */
import { describe, expect, it } from 'vitest';
import { jacobianRows, valueAndGrad } from '../../src/core/autodiff.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { tensor } from '../../src/core/tensor.ts';
import { centeredKernelAlignment, targetKernel, traceNtk } from '../../src/run/sweep/observables.ts';
import { type RunConfig, expandSweep, parseSpecObject } from '../../src/run/sweep/spec.ts';
import { buildDataset, buildModel, runSweepTask, trainRun } from '../../src/run/sweep/train.ts';

function config(over: Record<string, unknown> = {}): RunConfig {
  const spec = parseSpecObject({
    model: { widths: 4, depth: 1, activation: 'tanh' },
    data: { task: 'teacher', d: 3, n: 16, testN: 16, link: 'tanh' },
    optimizer: { name: 'sgd', lr: 0.05 },
    steps: 5,
    ...over,
  });
  return expandSweep(spec, 'test').runs[0].config;
}

/** Eigenvalues of a small dense symmetric matrix by cyclic Jacobi rotations (an oracle independent of src/core/linalg). */
function symmetricEigenvalues(a: Float64Array, n: number): number[] {
  const m = Float64Array.from(a);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p];
          const akq = m[k * n + q];
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k];
          const aqk = m[q * n + k];
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, i) => m[i * n + i]).sort((x, y) => x - y);
}

describe('centered kernel alignment (Cortes, Mohri & Rostamizadeh 2012)', () => {
  const rng = Rng.fromSeed(1, 'cka');
  const n = 6;
  const gram = (x: Float64Array, d: number) => targetKernel(x, n, d);
  const x = rng.child('x').fillNormal(new Float64Array(n * 3));
  const y = rng.child('y').fillNormal(new Float64Array(n * 2));

  it('is 1 for a kernel with itself and invariant to scaling and to adding a constant', () => {
    const k = gram(x, 3);
    // float error only: these are identities
    expect(centeredKernelAlignment(k, k, n)).toBeCloseTo(1, 12);
    const shifted = k.map((v) => 3.5 * v + 2);
    expect(centeredKernelAlignment(shifted, gram(y, 2), n)).toBeCloseTo(centeredKernelAlignment(k, gram(y, 2), n), 12);
  });

  it('equals cos²(x, y) of the centered vectors for rank-one kernels xxᵀ and yyᵀ', () => {
    const a = rng.child('a').fillNormal(new Float64Array(n));
    const b = rng.child('b').fillNormal(new Float64Array(n));
    const center = (v: Float64Array) => {
      const m = v.reduce((s, t) => s + t, 0) / n;
      return v.map((t) => t - m);
    };
    const ac = center(a);
    const bc = center(b);
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = 0; i < n; i++) {
      ab += ac[i] * bc[i];
      aa += ac[i] ** 2;
      bb += bc[i] ** 2;
    }
    // ⟨xxᵀ, yyᵀ⟩_F = (x·y)² and ‖xxᵀ‖_F = ‖x‖² once both are centered; float error only
    expect(centeredKernelAlignment(gram(a, 1), gram(b, 1), n)).toBeCloseTo((ab * ab) / (aa * bb), 12);
  });

  it('the trace NTK equals Σ_c J_c J_cᵀ from dense Jacobian rows', () => {
    const cfg = config({ model: { widths: 5, depth: 2, activation: 'tanh' }, data: { task: 'mixture', d: 4, classes: 3, margin: 1, n: 7, testN: 4 } });
    const net = buildModel(cfg, 4, 3, 0);
    const xs = tensor(Rng.fromSeed(2).fillNormal(new Float64Array(7 * 4)), [7, 4]);
    const f = () => net.forward(xs);
    const ntk = traceNtk(f, net.params(), 7, 3);
    const rows = jacobianRows(f, net.params()); // row i*3+c = ∂f_c(x_i)/∂θ
    for (let i = 0; i < 7; i++) {
      for (let j = 0; j < 7; j++) {
        let s = 0;
        for (let c = 0; c < 3; c++) {
          const ri = rows[i * 3 + c];
          const rj = rows[j * 3 + c];
          for (let k = 0; k < ri.length; k++) s += ri[k] * rj[k];
        }
        // two exact computations of the same sums; float error only
        expect(ntk[i * 7 + j]).toBeCloseTo(s, 10);
      }
    }
  });
});

describe('training observables', () => {
  it('sharpness at step 0 matches the top eigenvalue of a finite-difference Hessian', () => {
    const cfg = config({ record: { every: 5, observables: [{ name: 'sharpness', probe: 16, iters: 40 }] } });
    const r = trainRun(cfg, 3);
    expect(r.status).toBe('done');
    const s0 = r.series.find((s) => s.observable === 'sharpness');
    expect(s0?.steps[0]).toBe(0);

    const ds = buildDataset(cfg.data);
    const net = buildModel(cfg, 3, 1, 3);
    const params = net.params();
    const x = tensor(ds.xTrain.data, [16, 3]);
    const y = tensor(ds.targetsTrain, [16, 1]);
    const loss = () => op.mse(net.forward(x), y);
    const P = params.reduce((a, p) => a + p.size, 0); // 3·4 + 4 + 4 + 1 = 21
    const flatGrad = () => valueAndGrad(loss, params).grads.flatMap((g) => Array.from(g));
    const H = new Float64Array(P * P);
    const h = 1e-5;
    let idx = 0;
    for (const p of params) {
      for (let k = 0; k < p.size; k++, idx++) {
        const orig = p.data[k];
        p.data[k] = orig + h;
        const gp = flatGrad();
        p.data[k] = orig - h;
        const gm = flatGrad();
        p.data[k] = orig;
        for (let j = 0; j < P; j++) H[idx * P + j] = (gp[j] - gm[j]) / (2 * h);
      }
    }
    for (let i = 0; i < P; i++) for (let j = 0; j < i; j++) H[i * P + j] = H[j * P + i] = 0.5 * (H[i * P + j] + H[j * P + i]);
    const top = symmetricEigenvalues(H, P).at(-1) as number;
    // central differences: O(h²) ≈ 1e-10 truncation plus ~ε/h ≈ 1e-11 rounding, relative to λ_max ~ 1
    expect(Math.abs((s0?.values[0] as number) - top) / Math.abs(top)).toBeLessThan(1e-6);
  });

  it('train loss, gradient norm, weight change and parameter norm follow one manual GD step', () => {
    const cfg = config({ steps: 1, record: { every: 1, observables: ['train_loss', 'grad_norm', 'weight_change', 'param_norm'] } });
    const r = trainRun(cfg, 5);
    const get = (name: string) => r.series.find((s) => s.observable === name) as { steps: number[]; values: number[] };

    const ds = buildDataset(cfg.data);
    const net = buildModel(cfg, 3, 1, 5);
    const params = net.params();
    const x = tensor(ds.xTrain.data, [16, 3]);
    const y = tensor(ds.targetsTrain, [16, 1]);
    const loss = () => op.mse(net.forward(x), y);
    const g0 = valueAndGrad(loss, params);
    const theta0 = params.map((p) => Float64Array.from(p.data));
    const norm = (bs: ArrayLike<number>[]) => Math.sqrt(bs.reduce((a, b) => a + Array.from(b).reduce((s, v) => s + v * v, 0), 0));
    // full batch (n = 16), SP: every learning-rate multiplier is 1, so θ₁ = θ₀ − η ∇L(θ₀)
    params.forEach((p, i) => {
      for (let k = 0; k < p.size; k++) p.data[k] -= 0.05 * g0.grads[i][k];
    });
    const l1 = valueAndGrad(loss, params);
    // same arithmetic in the same order; float error only
    expect(get('train_loss').values[0]).toBeCloseTo(g0.value, 12);
    expect(get('train_loss').values[1]).toBeCloseTo(l1.value, 12);
    expect(get('grad_norm').values[0]).toBeCloseTo(norm(g0.grads), 12);
    expect(get('grad_norm').values[1]).toBeCloseTo(norm(l1.grads), 12);
    expect(get('weight_change').values[0]).toBe(0);
    expect(get('weight_change').values[1]).toBeCloseTo((0.05 * norm(g0.grads)) / norm(theta0), 12);
    expect(get('param_norm').values[0]).toBeCloseTo(norm(theta0), 12);
    expect(r.final.final_train_loss).toBeCloseTo(l1.value, 12);
  });

  it('is deterministic: the same (config, seed) gives identical results, another seed does not', () => {
    const cfg = config({ optimizer: { name: 'momentum', lr: 0.05, batch: 4 }, steps: 12 });
    const a = trainRun(cfg, 7);
    const b = trainRun(cfg, 7);
    const c = trainRun(cfg, 8);
    expect(a.series).toEqual(b.series);
    expect(a.final).toEqual(b.final);
    expect(c.final.final_train_loss).not.toBe(a.final.final_train_loss);
  });

  it('learns an easy classification task (well-separated mixture, Adam)', () => {
    const cfg = config({
      model: { widths: 16, depth: 1 },
      data: { task: 'mixture', d: 4, classes: 3, margin: 4, n: 96, testN: 96 },
      optimizer: { name: 'adam', lr: 0.05, batch: 32 },
      steps: 60,
    });
    const r = trainRun(cfg, 0);
    expect(r.status).toBe('done');
    // margin 4σ between class means: the Bayes error is far below 5%; 60 Adam steps fit it
    expect(r.final.final_test_accuracy).toBeGreaterThan(0.9);
  });
});

describe('divergence', () => {
  it('a huge learning rate ends as diverged with the step, not as an error, and keeps the curve up to it', () => {
    const cfg = config({ optimizer: { name: 'sgd', lr: 1000 }, steps: 50, record: { every: 1, observables: ['train_loss'] } });
    const r = runSweepTask({ runId: 'x', config: cfg, seed: 0, codeVersion: 'test' });
    expect(r.status).toBe('diverged');
    expect(r.divergedStep).not.toBeNull();
    const step = r.divergedStep as number;
    expect(step).toBeGreaterThanOrEqual(0);
    expect(step).toBeLessThan(50);
    expect(r.message).toMatch(/loss/);
    expect(r.final).toEqual({});
    const curve = r.series[0];
    expect(curve.steps.at(-1)).toBeLessThanOrEqual(step);
    expect(curve.values.slice(0, -1).every((v) => Number.isFinite(v))).toBe(true);
  });

  it('an exception inside a run becomes status error with its message', () => {
    const cfg = config();
    const broken = { ...cfg, parameterization: 'no-such-scheme' };
    const r = runSweepTask({ runId: 'y', config: broken, seed: 0, codeVersion: 'test' });
    expect(r.status).toBe('error');
    expect(r.message).toContain("parameterization: unknown 'no-such-scheme'");
  });
});

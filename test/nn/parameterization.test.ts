/**
 * The parameterization tables (src/nn/parameterization.ts) against their sources: μP's exponents from
 * Tensor Programs V Table 3 (SGD and Adam), depth-μP's branch multiplier and learning rates from Tensor
 * Programs VI, the unchanged older presets, and the model builders that apply them (mlp, resMlp).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { type Tensor, noGrad, tensor } from '../../src/core/tensor.ts';
import { mlp } from '../../src/nn/mlp.ts';
import { type LayerRole, PARAMETERIZATIONS, getParameterization, layerScaling, lrExponent, optimizerFamily, roleScaling } from '../../src/nn/parameterization.ts';
import { resMlp } from '../../src/nn/resmlp.ts';

const ROLES: LayerRole[] = ['input', 'hidden', 'output', 'bias', 'outputBias'];

describe('μP table (Tensor Programs V, Table 3, fan_in init)', () => {
  const mup = getParameterization('mup');
  it('init variance: 1/fan_in for input and hidden weights, 1/fan_in² for the readout', () => {
    expect(roleScaling(mup, 'input').initVarExp).toBe(-1);
    expect(roleScaling(mup, 'hidden').initVarExp).toBe(-1);
    expect(roleScaling(mup, 'output').initVarExp).toBe(-2);
    for (const r of ROLES) expect(roleScaling(mup, r).multExp).toBe(0);
  });
  it('SGD learning rates: input and hidden biases ×n, hidden ×1, readout ×1/n, readout bias ×1', () => {
    expect(ROLES.map((r) => lrExponent(mup, r, 'sgd'))).toEqual([1, 0, -1, 1, 0]);
  });
  it('Adam learning rates: input and biases ×1, hidden and readout ×1/n', () => {
    expect(ROLES.map((r) => lrExponent(mup, r, 'adam'))).toEqual([0, -1, -1, 0, 0]);
  });
  it('the single rule turns the table into per-layer scales (width 4× the base width)', () => {
    const at = (role: LayerRole, optimizer: 'sgd' | 'adam', fanIn = 256) => layerScaling(mup, role, fanIn, 4, { optimizer });
    expect(at('hidden', 'adam').lrScale).toBeCloseTo(0.25, 15);
    expect(at('output', 'adam').lrScale).toBeCloseTo(0.25, 15);
    expect(at('input', 'adam', 16).lrScale).toBe(1);
    expect(at('input', 'sgd', 16).lrScale).toBe(4);
    expect(at('output', 'sgd').lrScale).toBeCloseTo(0.25, 15);
    expect(at('hidden', 'sgd').lrScale).toBe(1);
    // readout init std 1/fan_in (variance 1/fan_in²), hidden 1/√fan_in; float error only
    expect(at('output', 'adam').initStd).toBeCloseTo(1 / 256, 15);
    expect(at('hidden', 'adam').initStd).toBeCloseTo(1 / 16, 15);
  });
  it('refuses to guess the optimizer', () => {
    expect(() => layerScaling(mup, 'hidden', 64, 2)).toThrow(/parameterization 'mup': learning-rate exponents depend on the optimizer; pass optimizer: sgd \| adam/);
    expect(() => mlp({ sizes: [4, 8, 1], activation: 'relu', parameterization: 'mup', baseWidth: 4 }, Rng.fromSeed(0))).toThrow(/depend on the optimizer/);
  });
  it('maps optimizer names to families', () => {
    expect(['sgd', 'momentum', 'adam', 'adamw'].map(optimizerFamily)).toEqual(['sgd', 'sgd', 'adam', 'adam']);
    expect(() => optimizerFamily('rmsprop')).toThrow("optimizer: unknown 'rmsprop', expected one of sgd, momentum, adam, adamw");
  });
});

describe('depth-μP (Tensor Programs VI; Bordelon et al. 2023)', () => {
  const dm = getParameterization('depth-mup');
  it('is μP in width', () => {
    for (const r of ROLES) for (const o of ['sgd', 'adam'] as const) expect(lrExponent(dm, r, o)).toBe(lrExponent(getParameterization('mup'), r, o));
  });
  it('multiplies residual branches by L^{-1/2}; branch learning rate ×(L/L₀)^{-1/2} with Adam, ×1 with SGD', () => {
    const branch = { blocks: 16, baseBlocks: 4 };
    const adam = layerScaling(dm, 'hidden', 64, 1, { optimizer: 'adam', branch });
    const sgd = layerScaling(dm, 'hidden', 64, 1, { optimizer: 'sgd', branch });
    expect(adam.multiplier).toBeCloseTo(0.25, 15);
    expect(sgd.multiplier).toBeCloseTo(0.25, 15);
    expect(adam.lrScale).toBeCloseTo(0.5, 15);
    expect(sgd.lrScale).toBe(1);
    // layers outside branches are not depth-scaled, and schemes without a depth table leave branches alone
    expect(layerScaling(dm, 'output', 64, 1, { optimizer: 'adam' }).multiplier).toBe(1);
    expect(layerScaling(getParameterization('mup'), 'hidden', 64, 1, { optimizer: 'adam', branch }).multiplier).toBe(1);
  });
});

describe('older presets are unchanged', () => {
  it('sp, ntk and mean-field keep their tables and need no optimizer', () => {
    const row = (name: string) => (['input', 'hidden', 'output', 'bias'] as const).map((r) => PARAMETERIZATIONS[name].roles[r]);
    expect(row('sp')).toEqual([
      { initVarExp: -1, multExp: 0, lrExp: 0, initCoef: 1 },
      { initVarExp: -1, multExp: 0, lrExp: 0, initCoef: 1 },
      { initVarExp: -1, multExp: 0, lrExp: 0, initCoef: 1 },
      { initVarExp: 0, multExp: 0, lrExp: 0, initCoef: 0 },
    ]);
    expect(row('ntk').map((s) => s.multExp)).toEqual([-0.5, -0.5, -0.5, 0]);
    expect(row('mean-field').map((s) => [s.initVarExp, s.multExp, s.lrExp])).toEqual([
      [0, 0, 1],
      [-1, 0, 1],
      [0, -1, 1],
      [0, 0, 0],
    ]);
    // outputBias falls back to the bias row
    for (const n of ['sp', 'ntk', 'mean-field']) expect(roleScaling(PARAMETERIZATIONS[n], 'outputBias')).toBe(PARAMETERIZATIONS[n].roles.bias);
    const net = mlp({ sizes: [3, 8, 8, 2], activation: 'tanh', parameterization: 'mean-field', baseWidth: 4 }, Rng.fromSeed(1));
    expect(net.lrScales()).toEqual([2, 1, 2, 1, 2, 1]);
  });
});

describe('mlp applies the μP table per optimizer', () => {
  it('Adam: hidden and readout weights ×base/n, input and biases ×1; SGD: input and hidden biases ×n/base, readout ×base/n', () => {
    const sizes = [5, 64, 64, 1];
    const adam = mlp({ sizes, activation: 'relu', parameterization: 'mup', baseWidth: 16, optimizer: 'adamw' }, Rng.fromSeed(2));
    // params: W_in, b_in, W_h, b_h, W_out, b_out
    expect(adam.lrScales()).toEqual([1, 1, 0.25, 1, 0.25, 1]);
    const sgd = mlp({ sizes, activation: 'relu', parameterization: 'mup', baseWidth: 16, optimizer: 'momentum' }, Rng.fromSeed(2));
    expect(sgd.lrScales()).toEqual([4, 4, 1, 4, 0.25, 1]);
    // same raw draws: the hidden weights coincide, the readout is the SP draw scaled by 1/√fan_in
    const sp = mlp({ sizes, activation: 'relu', parameterization: 'sp' }, Rng.fromSeed(2));
    expect(Array.from(adam.layers[1].W.data)).toEqual(Array.from(sp.layers[1].W.data));
    const ratio = adam.layers[2].W.data[3] / sp.layers[2].W.data[3];
    expect(ratio).toBeCloseTo(1 / 8, 14); // (1/64)/(1/√64): float error only
  });
});

describe('resMlp', () => {
  it('forward pass equals the formula on a tiny network', () => {
    const net = resMlp({ inputDim: 2, width: 3, blocks: 2, outputDim: 1, activation: 'tanh', parameterization: 'depth-mup', optimizer: 'sgd' }, Rng.fromSeed(4));
    const x = [0.3, -1.1];
    const [Win, bin, W1, W2, Wout, bout] = net.params().map((p) => Array.from(p.data));
    const m = 2 ** -0.5; // L^{-1/2}, L = 2
    let h = [0, 1, 2].map((i) => x[0] * Win[i] + x[1] * Win[3 + i] + bin[i]);
    for (const W of [W1, W2]) {
      const a = h.map(Math.tanh);
      h = h.map((hi, i) => hi + m * (a[0] * W[i] + a[1] * W[3 + i] + a[2] * W[6 + i]));
    }
    const f = h[0] * Wout[0] + h[1] * Wout[1] + h[2] * Wout[2] + bout[0];
    const got = noGrad(() => net.forward(tensor(x, [1, 2]))).data[0];
    expect(got).toBeCloseTo(f, 14); // float error only
    expect(net.layers.map((l) => l.branch)).toEqual([false, true, true, false]);
    expect(net.layers[1].multiplier).toBeCloseTo(m, 15);
  });

  it('the residual stream at init follows q_L = q₀(1 + m²/2)^L (ReLU, LeCun init; Monte Carlo at width 512)', () => {
    const rng = Rng.fromSeed(6, 'stream');
    const d = 32;
    const batch = 16;
    const xs = new Float64Array(batch * d);
    rng.child('x').fillNormal(xs);
    const x = tensor(xs, [batch, d]);
    const meanSq = (a: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i] * a[i];
      return s / a.length;
    };
    const inits = 4;
    for (const [scheme, L, tol] of [
      // tolerance: one width-512 block changes q by a relative O(√(2/512)) = 6% of its own contribution
      // m²/2 · q; over 4 inits and L blocks that gives ≈ 0.5–1% (depth-μP, contributions 1/(2L)) and
      // ≈ 2% (unscaled, contributions 1/2) in the norm; 2% and 5% leave margin
      ['depth-mup', 4, 0.02],
      ['depth-mup', 16, 0.02],
      ['mup', 4, 0.05],
      ['mup', 8, 0.05],
    ] as const) {
      let ratio = 0;
      for (let i = 0; i < inits; i++) {
        const net = resMlp({ inputDim: d, width: 512, blocks: L, outputDim: 1, activation: 'relu', parameterization: scheme, optimizer: 'sgd' }, rng.child(scheme, L, i));
        const acts: Tensor[] = [];
        noGrad(() => net.forward(x, acts));
        // the recursion starts from the embedding's own q₀ (removes the input layer's fluctuation)
        ratio += meanSq(acts[acts.length - 1].data) / meanSq(acts[0].data) / inits;
      }
      const m = scheme === 'depth-mup' ? L ** -0.5 : 1;
      expect(Math.abs(Math.sqrt(ratio / (1 + (m * m) / 2) ** L) - 1)).toBeLessThan(tol);
    }
  });

  it('branches are unscaled without a depth table and reject bad sizes', () => {
    const net = resMlp({ inputDim: 2, width: 4, blocks: 3, outputDim: 1, activation: 'relu', parameterization: 'sp' }, Rng.fromSeed(0));
    expect(net.layers.slice(1, -1).map((l) => l.multiplier)).toEqual([1, 1, 1]);
    expect(() => resMlp({ inputDim: 2, width: 4, blocks: 0, outputDim: 1, activation: 'relu' }, Rng.fromSeed(0))).toThrow('resMlp: blocks must be a positive integer, got 0');
  });
});

/**
 * Oracle tests of the coordinate check (src/protocols/coordCheck.ts, reading src/observe/coordCheck.ts): one Adam step of a one-hidden-layer
 * linear network computed by hand, the width slopes that follow from it (SP ≈ +1, μP ≈ 0), invariances,
 * and the model-spec parser.
 */
import { describe, expect, it } from 'vitest';
import { mat } from '../../src/core/mat.ts';
import { Rng } from '../../src/core/random.ts';
import { logLogSlope } from '../../src/core/stats.ts';
import { rms } from '../../src/observe/coordCheck.ts';
import { buildModel, coordCheck, layerNames, type ModelSpec, ModelSpecError, parseModelSpec } from '../../src/protocols/coordCheck.ts';

const EPS = 1e-8; // Adam's ε (src/nn/optim.ts default)

/**
 * One Adam step from init on ½(f − y)² for f(x) = Σ_i (xW_in)_i W_out,i (no bias, identity activation,
 * batch 1), by hand. Adam's first bias-corrected step is −η·s·g/(|g| + ε) per entry (m̂ = g, v̂ = g²).
 * Returns the output change Δf and the hidden change Δh.
 */
function handStep(Win: Float64Array, Wout: Float64Array, x: number[], y: number, lrIn: number, lrOut: number): { df: number; dh: number[] } {
  const n = Wout.length;
  const h = Array.from({ length: n }, (_, i) => x.reduce((a, xj, j) => a + xj * Win[j * n + i], 0));
  const f = h.reduce((a, hi, i) => a + hi * Wout[i], 0);
  const r = f - y;
  const step = (g: number, lr: number) => (-lr * g) / (Math.abs(g) + EPS);
  const Win2 = Win.map((w, k) => w + step(r * Wout[k % n] * x[Math.floor(k / n)], lrIn));
  const Wout2 = Wout.map((w, i) => w + step(r * h[i], lrOut));
  const h2 = Array.from({ length: n }, (_, i) => x.reduce((a, xj, j) => a + xj * Win2[j * n + i], 0));
  const f2 = h2.reduce((a, hi, i) => a + hi * Wout2[i], 0);
  return { df: f2 - f, dh: h2.map((v, i) => v - h[i]) };
}

const LINEAR: ModelSpec = { kind: 'mlp', depth: 1, activation: 'identity', inputDim: 4, outputDim: 1, bias: false };
const X = [0.7, -1.2, 0.4, 1.5];
const Y = 2;

describe('coordCheck: one Adam step of a linear network against the hand computation', () => {
  for (const param of ['sp', 'mup'] as const) {
    it(`${param}: Δf and Δh after one step equal the closed form at every width`, () => {
      const widths = [16, 64, 256];
      const rng = Rng.fromSeed(3, 'oracle');
      const lr = 1e-3;
      const r = coordCheck({ model: LINEAR, parameterization: param, widths, steps: 1, optimizer: 'adam', lr, seeds: 1, rng, data: { x: mat(1, 4, X), y: mat(1, 1, [Y]) } });
      expect(r.layers.map((l) => l.name)).toEqual(['h1', 'out']);
      widths.forEach((n, wi) => {
        // the same init the instrument draws (stream init/width/seed 0)
        const net = buildModel(LINEAR, n, { parameterization: param, baseWidth: widths[0], optimizer: 'adam' }, rng.child('init', n, 0));
        const [Win, Wout] = net.params().map((p) => Float64Array.from(p.data));
        // μP (Adam table): input lr ×1, readout lr ×base/n; SP: ×1 everywhere
        const lrOut = param === 'mup' ? (lr * widths[0]) / n : lr;
        const { df, dh } = handStep(Win, Wout, X, Y, lr, lrOut);
        // float error only: the same arithmetic in a different order (1e-9 relative)
        expect(r.layers[1].deltaRms[wi][1]).toBeCloseTo(Math.abs(df), 12);
        expect(Math.abs(r.layers[1].deltaRms[wi][1] - Math.abs(df))).toBeLessThan(1e-9 * Math.abs(df));
        expect(Math.abs(r.layers[0].deltaRms[wi][1] - rms(dh))).toBeLessThan(1e-9 * rms(dh));
        expect(r.layers[0].deltaRms[wi][0]).toBe(0);
      });
    });
  }

  it('the output-update slope is ≈ +1 under SP and ≈ 0 under μP, as the closed form says', () => {
    // Closed form to first order in η: Δf = −η sign(r)(s_out‖h‖₁ + ‖x‖₁‖W_out‖₁), with ‖h‖₁ ∝ n in both
    // schemes, ‖W_out‖₁ ∝ √n (SP) or O(1) (μP, init var 1/n²) and s_out = 1 (SP) or base/n (μP).
    const widths = [64, 256, 1024, 4096];
    const slopes: Record<string, number> = {};
    for (const param of ['sp', 'mup'] as const) {
      const r = coordCheck({
        model: LINEAR,
        parameterization: param,
        widths,
        steps: 1,
        optimizer: 'adam',
        lr: 1e-4,
        seeds: 4,
        rng: Rng.fromSeed(5, 'slope'),
        data: { x: mat(1, 4, X), y: mat(1, 1, [Y]) },
      });
      slopes[param] = r.layers[1].deltaSlope;
      // the hand formula's slope on the same inits (seed-mean |Δf|), to float precision
      const hand = widths.map((n) => {
        let acc = 0;
        for (let s = 0; s < 4; s++) {
          const net = buildModel(LINEAR, n, { parameterization: param, baseWidth: 64, optimizer: 'adam' }, Rng.fromSeed(5, 'slope').child('init', n, s));
          const [Win, Wout] = net.params().map((p) => Float64Array.from(p.data));
          acc += Math.abs(handStep(Win, Wout, X, Y, 1e-4, param === 'mup' ? (1e-4 * 64) / n : 1e-4).df);
        }
        return acc / 4;
      });
      expect(Math.abs(slopes[param] - logLogSlope(widths, hand))).toBeLessThan(1e-9);
    }
    // SP: the ‖x‖₁‖W_out‖₁ ∝ √n term pulls the slope below 1 at finite n: the ratio of the two terms is
    // E: ‖x‖₁√d/(‖x‖₂√n) = 3.65/√n here, which predicts 0.92 over 64–4096 (measured 0.924); ±0.1 for the
    // init noise of a 4-init average
    expect(slopes.sp).toBeGreaterThan(0.83);
    expect(slopes.sp).toBeLessThan(1.03);
    // μP: both terms O(1); ±0.1 for init noise of the 4-init average at these widths
    expect(Math.abs(slopes.mup)).toBeLessThan(0.1);
  });
});

describe('coordCheck: invariances', () => {
  it('SP and μP share the init of every layer but the readout, so the hidden activations at t = 0 coincide', () => {
    const model: ModelSpec = { kind: 'mlp', depth: 2, activation: 'relu', inputDim: 8, outputDim: 1, bias: true };
    const run = (param: string) => coordCheck({ model, parameterization: param, widths: [32, 64], steps: 2, optimizer: 'adam', lr: 1e-3, batch: 16, rng: Rng.fromSeed(1, 'inv') });
    const sp = run('sp');
    const mup = run('mup');
    for (const l of [0, 1]) expect(mup.layers[l].rms.map((r) => r[0])).toEqual(sp.layers[l].rms.map((r) => r[0]));
    // the readout differs: μP's init variance is 1/fan_in² instead of 1/fan_in, i.e. √n smaller in RMS
    for (let w = 0; w < 2; w++) expect(mup.layers[2].rms[w][0]).toBeLessThan(sp.layers[2].rms[w][0]);
  });

  it('is deterministic in its seed', () => {
    const o = { model: parseModelSpec('mlp:2'), parameterization: 'mup', widths: [16, 32], steps: 3, optimizer: 'sgd' as const, lr: 0.01, batch: 8 };
    const a = coordCheck({ ...o, rng: Rng.fromSeed(9) });
    const b = coordCheck({ ...o, rng: Rng.fromSeed(9) });
    expect(a).toEqual(b);
  });

  it('records a residual MLP by stream position', () => {
    const model = parseModelSpec('resmlp:3:tanh');
    expect(layerNames(model)).toEqual(['embed', 'block1', 'block2', 'block3', 'out']);
    const r = coordCheck({ model, parameterization: 'depth-mup', widths: [16, 32], steps: 2, optimizer: 'adam', lr: 1e-3, batch: 8, rng: Rng.fromSeed(2) });
    expect(r.layers).toHaveLength(5);
    for (const l of r.layers) for (const row of l.deltaRms) expect(row[2]).toBeGreaterThan(0);
  });
});

describe('logLogSlope', () => {
  it('recovers the exponent of an exact power law', () => {
    const xs = [3, 10, 50, 400];
    // float error of logs and a 4-point regression
    expect(logLogSlope(xs, xs.map((x) => 2.5 * x ** -0.75))).toBeCloseTo(-0.75, 12);
    expect(logLogSlope(xs, [1, 2, Number.NaN, 3])).toBeNaN();
    expect(logLogSlope(xs, [1, 0, 2, 3])).toBeNaN();
  });
});

describe('parseModelSpec', () => {
  it('reads the short form, JSON and flag overrides', () => {
    expect(parseModelSpec('mlp:3x')).toEqual({ kind: 'mlp', depth: 3, activation: 'relu', inputDim: 16, outputDim: 1, bias: true });
    expect(parseModelSpec('resmlp:8:tanh')).toMatchObject({ kind: 'resmlp', depth: 8, activation: 'tanh' });
    expect(parseModelSpec('{"kind":"mlp","depth":2,"inputDim":4,"bias":false}')).toMatchObject({ depth: 2, inputDim: 4, bias: false });
    expect(parseModelSpec(undefined, { depth: 5, activation: 'gelu', inputDim: 3 })).toMatchObject({ kind: 'mlp', depth: 5, activation: 'gelu', inputDim: 3 });
    expect(parseModelSpec('mlp:2', { depth: undefined })).toMatchObject({ depth: 2 });
  });

  it('names the field, the value and what was expected', () => {
    const err = (text: string, o = {}) => {
      try {
        parseModelSpec(text, o);
      } catch (e) {
        expect(e).toBeInstanceOf(ModelSpecError);
        return (e as Error).message;
      }
      throw new Error(`no error for ${text}`);
    };
    expect(err('cnn:3')).toBe('model kind: "cnn", expected one of mlp, resmlp, transformer');
    expect(err('mlp:0')).toBe('depth: 0, expected an integer in [1, 256]');
    expect(err('mlp:abc')).toMatch(/^model depth: "abc", expected a positive integer/);
    expect(err('mlp:3:swish')).toMatch(/^activation: "swish", expected one of relu, tanh/);
    expect(err('{"kind":"mlp","width":3}')).toMatch(/^model\.width: 3, expected one of the fields kind, depth/);
    expect(err('{"kind":')).toMatch(/^model: .*expected valid JSON/);
    expect(err('mlp', { inputDim: 0 })).toBe('input: 0, expected an integer in [1, 100000]');
  });
});

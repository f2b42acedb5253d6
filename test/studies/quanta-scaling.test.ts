/**
 * quanta-scaling with shared parameters (catalog 20; issue 13 item 7): the dense-code network's gradient and its
 * capacity oracle, the structural fact that makes L(D) a property of the network (an update on one item moves the
 * output on another only when the codes are dense), and the study end to end in both codes.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { makeQuantaTask, type QuantaTask } from '../../src/data/quanta.ts';
import { executeStudy } from '../../src/studies/execute.ts';
import { denseGradBuffers, denseItemLosses, denseQuantaGradient, denseQuantaLoss, makeDenseQuantaNet } from '../../src/studies/quanta-scaling/denseNet.ts';
import { quantaScaling } from '../../src/studies/quanta-scaling/index.ts';
import { makeLearner, populationLoss, type QuantaCode } from '../../src/studies/quanta-scaling/learners.ts';
import { fdOfArray } from '../core/finiteDifferences.ts';
import { editScalar, expectFalsifiableHolds, expectWrongTheoriesFail, judgeEdited } from './falsifiability.ts';

const tailMass = (task: QuantaTask, w: number) => task.p.subarray(w).reduce((s, v) => s + v, 0);

describe('dense-code quanta network', () => {
  const task = makeQuantaTask(12, 1, 6, Rng.fromSeed(5, 'quanta'), { codeDim: 5 });

  it('denseQuantaGradient matches central finite differences in W, b and V (leaky branch included)', () => {
    const net = makeDenseQuantaNet(task, 4, 1, 0.5, Rng.fromSeed(6, 'net'), 0.1);
    net.b.set([0.3, -0.2, 0.1, -0.4]); // units on both sides of the kink for different items
    const items = [0, 1, 3, 1, 7];
    const weights = [0.4, 0.2, 0.2, 0.1, 0.1];
    const g = denseGradBuffers(net);
    denseQuantaGradient(task, net, items, weights, g);
    const lossAt = () => denseQuantaGradient(task, net, items, weights, denseGradBuffers(net));
    const h = 1e-6;
    let negative = 0;
    for (let k = 0; k < task.K; k++) {
      for (let u = 0; u < net.w; u++) {
        let z = net.b[u];
        for (let j = 0; j < net.d; j++) z += net.W[u * net.d + j] * (task.codes ?? new Float64Array(0))[k * net.d + j];
        if (z < 0 && items.includes(k)) negative++;
      }
    }
    expect(negative).toBeGreaterThan(0); // the leaky branch is exercised
    for (const [arr, grad] of [
      [net.W, g.W],
      [net.b, g.b],
      [net.V, g.V],
    ] as const) {
      const fd = fdOfArray(arr, lossAt, h);
      // central differences: O(h²) ≈ 1e-12 truncation plus ~1e-10 rounding of the loss divided by h (no
      // pre-activation sits within h of the kink: |z| ≫ 1e-6 for these weights)
      for (let i = 0; i < fd.length; i++) expect(Math.abs(fd[i] - grad[i])).toBeLessThan(1e-7);
    }
  });

  it('a width-w net of selective units (ReLU thresholds between the codes’ overlaps and 1) has loss Σ_{k ≥ w} p_k', () => {
    const w = 4;
    const net = makeDenseQuantaNet(task, w, 1, 1, Rng.fromSeed(7, 'net'), 0);
    const codes = task.codes ?? new Float64Array(0);
    const d = net.d;
    const c = 3;
    for (let u = 0; u < w; u++) {
      // threshold halfway between the largest overlap of x_u with another code and x_u·x_u = 1
      let maxOverlap = -1;
      for (let k = 0; k < task.K; k++) {
        if (k === u) continue;
        let dot = 0;
        for (let j = 0; j < d; j++) dot += codes[u * d + j] * codes[k * d + j];
        maxOverlap = Math.max(maxOverlap, dot);
      }
      expect(maxOverlap).toBeLessThan(1); // distinct random codes
      const tau = (1 + maxOverlap) / 2;
      for (let j = 0; j < d; j++) net.W[u * d + j] = c * codes[u * d + j];
      net.b[u] = -c * tau;
      for (let j = 0; j < task.m; j++) net.V[u * task.m + j] = task.y[u * task.m + j] / (c * (1 - tau));
    }
    // unit u fires only on item u, and reproduces y_u there; every other item gets output 0 and loss ‖y_k‖² = 1
    // (plain ReLU, so exactly 0): float error only
    expect(denseQuantaLoss(task, net)).toBeCloseTo(tailMass(task, w), 12);
    const l = denseItemLosses(task, net);
    for (let k = 0; k < task.K; k++) expect(l[k]).toBeCloseTo(k < w ? 0 : 1, 12);
  });

  it('rejects a task without codes, naming what is missing', () => {
    const plain = makeQuantaTask(8, 1, 4, Rng.fromSeed(8));
    expect(() => makeDenseQuantaNet(plain, 2, 0.1, 0.1, Rng.fromSeed(8), 0.01)).toThrow(/task\.codes is undefined/);
  });
});

describe('quanta learners: shared parameters', () => {
  const dense = makeQuantaTask(64, 1, 16, Rng.fromSeed(9, 'quanta'), { codeDim: 8 });

  /** Train on item 0 alone and return the largest change of another item's loss. */
  function interference(code: QuantaCode): number {
    const learner = makeLearner(code, dense, 8, 1e-3, 0.1, Rng.fromSeed(9, 'net', code), 0.01);
    const before = learner.itemLosses();
    const counts = new Int32Array(dense.K);
    counts[0] = 1;
    const train = learner.trainOnCounts(counts, { steps: 300, lr: 0.02 });
    const after = learner.itemLosses();
    expect(train).toBeLessThan(1e-3); // the item was learned
    expect(after[0]).toBeLessThan(before[0] / 100);
    let moved = 0;
    for (let k = 1; k < dense.K; k++) moved = Math.max(moved, Math.abs(after[k] - before[k]));
    return moved;
  }

  it('training on one item leaves every other item’s loss untouched with one-hot codes and moves them with dense codes', () => {
    // one-hot: another item's row E_k keeps its init (|E_k| ~ 1e-3), so its output Vᵀφ(E_k) moves by ‖ΔV‖·O(1e-3·√w)
    // and its loss by ≲ 1e-2 with ‖ΔV‖ = O(1); dense: W is shared, so x_k·x_0 ~ ±1/√d carries item 0's fit to item k
    expect(interference('one-hot')).toBeLessThan(0.05);
    expect(interference('dense')).toBeGreaterThan(0.05);
  });

  it('populationLoss is Σ_k p_k ‖f − y_k‖² of the learner’s per-item losses', () => {
    const learner = makeLearner('dense', dense, 4, 0.5, 0.5, Rng.fromSeed(10), 0.01);
    const l = learner.itemLosses();
    let s = 0;
    for (let k = 0; k < dense.K; k++) s += dense.p[k] * l[k];
    expect(populationLoss(dense, learner)).toBeCloseTo(s, 14);
  });

  it('rejects an unknown code, naming it', () => {
    expect(() => makeLearner('sparse' as QuantaCode, dense, 4, 0.1, 0.1, Rng.fromSeed(11), 0.01)).toThrow(/code = 'sparse', expected 'one-hot' or 'dense'/);
  });
});

describe('quanta-scaling, quick profile', () => {
  it('one-hot codes: holds with its controls falsified, and a halved capacity exponent or a reversed order is not', { timeout: 120_000 }, async () => {
    const r = await executeStudy(quantaScaling, { profile: 'quick', seed: 0, codeVersion: 'test', params: { code: 'one-hot' } });
    expectFalsifiableHolds(r);
    const edits = {
      'capacity exponent halved': editScalar('finite-K exponent in N over these widths', (v) => v / 2),
      'learning order reversed (τ = −1)': editScalar('Kendall τ of learning order (quanta model)', (v) => -v),
    };
    for (const [name, edit] of Object.entries(edits)) expect({ edit: name, verdict: judgeEdited(quantaScaling, r, edit) }).not.toEqual({ edit: name, verdict: 'holds' });
  });

  it('dense codes (the default): the data sweep is falsified at seed 0, with every control falsified and every metric keyed', { timeout: 120_000 }, async () => {
    const r = await expectWrongTheoriesFail(quantaScaling, {}, 'falsified');
    expect(r.parts?.find((p) => p.part === 'data sweep')?.verdict).toBe('falsified');
  });
});

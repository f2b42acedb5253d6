/**
 * Oracles for the online-teacher protocol (src/protocols/onlineTeacher.ts) and the classifier protocol
 * (src/protocols/classifier.ts): lockstep replicas equal separately trained ones bit for bit, a loss curve
 * is evaluated where the examples reach each checkpoint, the abort signal ends a run, and coupled weight
 * decay is the hand-written step θ ← θ − η(∇L + λθ).
 */
import { describe, expect, it } from 'vitest';
import { valueAndGrad } from '../../src/core/autodiff.ts';
import * as op from '../../src/core/ops.ts';
import { Rng } from '../../src/core/random.ts';
import { tensor } from '../../src/core/tensor.ts';
import { tanhIndexTeacher } from '../../src/data/teacher.ts';
import { ExampleStream, teacherEvalSet } from '../../src/data/teacherStream.ts';
import { mlp } from '../../src/nn/mlp.ts';
import { AbortError } from '../../src/nn/train.ts';
import { trainClassifier } from '../../src/protocols/classifier.ts';
import { excessLoss, halfSquaredError, meanCurve, noisyTanhTeacher, stepsToTarget, tanhStudent, trainLossCurve } from '../../src/protocols/onlineTeacher.ts';

const rng = Rng.fromSeed(3, 'online-teacher-test');
const task = noisyTanhTeacher(4, 2, 0.5, rng.child('teacher'));
const evalSet = teacherEvalSet(task, 64, rng.child('eval'));

describe('stepsToTarget', () => {
  it('trains the replicas in lockstep exactly as if each were trained alone', () => {
    const lockstep = [0, 1].map((q) => tanhStudent(4, 8, rng.child('init', q)));
    stepsToTarget({
      nets: lockstep,
      streams: [0, 1].map((q) => new ExampleStream(task, rng.child('stream', q))),
      optimizer: { kind: 'sgd', lr: 0.05 },
      batch: 4,
      evalSet,
      target: -1,
      maxSteps: 25,
    });
    for (const q of [0, 1]) {
      const alone = tanhStudent(4, 8, rng.child('init', q));
      const stream = new ExampleStream(task, rng.child('stream', q));
      const ps = alone.params();
      for (let t = 0; t < 25; t++) {
        const b = stream.next(4);
        const { grads } = valueAndGrad(() => halfSquaredError(alone, b), ps);
        ps.forEach((p, i) => {
          for (let j = 0; j < p.data.length; j++) p.data[j] += -0.05 * grads[i][j];
        });
      }
      lockstep[q].params().forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(ps[i].data)));
    }
  });

  it('interpolates the first passage below the target between two evaluations', () => {
    const nets = [tanhStudent(4, 8, rng.child('init', 0))];
    const initial = excessLoss(nets[0], evalSet);
    const r = stepsToTarget({ nets, streams: [new ExampleStream(task, rng.child('stream', 0))], optimizer: { kind: 'sgd', lr: 0.1 }, batch: 16, evalSet, target: initial / 2, maxSteps: 2000 });
    expect(r.diverged).toBe(false);
    expect(Number.isFinite(r.steps)).toBe(true);
    expect(r.steps).toBeLessThanOrEqual(r.stepsRun);
    expect(r.steps).toBeGreaterThan(r.stepsRun / 1.1 - 1);
  });
});

describe('trainLossCurve', () => {
  it('evaluates at the first multiple of the batch that reaches each checkpoint, and its last loss is the model’s', () => {
    const net = tanhStudent(4, 8, rng.child('init', 0));
    const r = trainLossCurve({ net, optimizer: { kind: 'sgd', lr: 0.05 }, batch: 8, stream: new ExampleStream(task, rng.child('stream', 0)), evalSet, checkpoints: [0, 5, 16, 30] });
    expect(r.examples).toEqual([0, 8, 16, 32]);
    expect(r.steps).toBe(4);
    expect(r.loss[r.loss.length - 1]).toBe(excessLoss(net, evalSet));
    expect(r.diverged).toBe(false);
  });

  it('marks a run diverged once the excess loss exceeds the factor over its first value', () => {
    const net = tanhStudent(4, 8, rng.child('init', 0));
    const r = trainLossCurve({ net, optimizer: { kind: 'sgd', lr: 50 }, batch: 8, stream: new ExampleStream(task, rng.child('stream', 0)), evalSet, checkpoints: [0, 8, 16, 24, 32, 64, 128], divergeFactor: 2 });
    expect(r.diverged).toBe(true);
    expect(r.loss.length).toBeLessThan(7);
    expect(r.loss[r.loss.length - 1] > 2 * r.loss[0] || !Number.isFinite(r.loss[r.loss.length - 1])).toBe(true);
  });

  it('throws AbortError when the signal has fired', () => {
    const ctl = new AbortController();
    ctl.abort();
    const net = tanhStudent(4, 8, rng.child('init', 0));
    expect(() => trainLossCurve({ net, optimizer: { kind: 'sgd', lr: 0.05 }, batch: 8, stream: new ExampleStream(task, rng.child('stream', 0)), evalSet, checkpoints: [0, 64], signal: ctl.signal })).toThrow(AbortError);
  });
});

describe('meanCurve', () => {
  it('is the pointwise mean over the common length', () => {
    expect(meanCurve([[1, 2, 3], [3, 4]])).toEqual([2, 3]);
  });
});

describe('tanhIndexTeacher', () => {
  it('sign coefficients: |a_j| = 1/√k, so f*(x) on x = t·u_j is ±tanh(2t)/√k', () => {
    const t = tanhIndexTeacher(5, 2, Rng.fromSeed(1, 'tt'), { coefficients: 'sign', noise: 0.3 });
    for (let j = 0; j < 2; j++) {
      const x = new Float64Array(5);
      for (let i = 0; i < 5; i++) x[i] = 0.7 * t.U.data[i * 2 + j];
      const f = t.evaluate({ rows: 1, cols: 5, data: x })[0];
      expect(Math.abs(f)).toBeCloseTo(Math.tanh(1.4) / Math.sqrt(2), 12);
    }
    const s = t.sample(4000, Rng.fromSeed(2, 'noise'));
    let v = 0;
    for (let i = 0; i < s.y.length; i++) v += (s.y[i] - s.yClean[i]) ** 2 / s.y.length;
    expect(Math.sqrt(v)).toBeGreaterThan(0.3 * 0.95);
    expect(Math.sqrt(v)).toBeLessThan(0.3 * 1.05);
  });
});

describe('trainClassifier', () => {
  it('coupled weight decay with SGD is θ ← θ − η(∇L + λθ), full batch', () => {
    const r = Rng.fromSeed(4, 'clf');
    const x = { rows: 6, cols: 3, data: r.child('x').fillNormal(new Float64Array(18)) };
    const y = Int32Array.from([0, 1, 2, 0, 1, 2]);
    const a = mlp({ sizes: [3, 5, 3], activation: 'relu' }, r.child('init'));
    const b = mlp({ sizes: [3, 5, 3], activation: 'relu' }, r.child('init'));
    const [eta, wd] = [0.1, 0.01];
    const losses = trainClassifier(a, x, y, { steps: 3, batchSize: 0, optimizer: 'sgd', lr: eta, weightDecay: wd, rng: r.child('b') });
    const ps = b.params();
    const X = tensor(x.data, [6, 3]);
    for (let t = 0; t < 3; t++) {
      const { value, grads } = valueAndGrad(() => op.softmaxCrossEntropy(b.forward(X), y), ps);
      expect(losses[t]).toBe(value);
      ps.forEach((p, i) => {
        for (let j = 0; j < p.data.length; j++) p.data[j] += -eta * (grads[i][j] + wd * p.data[j]);
      });
    }
    a.params().forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(ps[i].data)));
  });
});

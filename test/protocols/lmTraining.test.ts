/**
 * The language-model training protocol and the scaling-law extrapolation of lm-scaling-laws, against oracles:
 * - a μP transformer starts with a zero readout, so every logit is 0 and the cross-entropy is exactly ln V;
 * - training lowers the validation loss of the bundled text below the unigram-free ln V;
 * - data drawn from a known law E + A/N^α + B/D^β (1e-4 multiplicative noise) extrapolate to held-out N within
 *   the bootstrap interval and near the true value; a pure power law (E = 0) is recovered by the no-E form.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { transformer } from '../../src/nn/transformer.ts';
import { trainLm, validationLoss } from '../../src/protocols/lmTraining.ts';
import { extrapolateLaw } from '../../src/studies/lm-scaling-laws/law.ts';
import { loadStudyText } from '../../src/data/studyText.ts';

describe('trainLm and validationLoss', () => {
  it('a zero readout gives exactly ln V, and training lowers the validation loss', async () => {
    const text = await loadStudyText('moby-dick');
    const net = transformer({ vocab: text.vocab, context: 16, dModel: 16, heads: 2, layers: 1, parameterization: 'mup', optimizer: 'adam' }, Rng.fromSeed(3));
    const v0 = validationLoss(net, text.validation, 16, 64);
    expect(Math.abs(v0 - Math.log(text.vocab))).toBeLessThan(1e-12);
    const r = trainLm({ net, train: text.train, validation: text.validation, evalAt: [0, 60], validationWindows: 64, optimizer: 'adam', lr: 2 ** -5, steps: 60, batch: 8, seqLen: 16, rng: Rng.fromSeed(4) });
    expect(r.diverged).toBe(false);
    expect(r.validation.map((v) => v.step)).toEqual([0, 60]);
    expect(r.validation[0].loss).toBeCloseTo(v0, 12);
    expect(r.validation[1].loss).toBeLessThan(0.8 * v0);
    expect(r.curve).toHaveLength(60);
  }, 120_000);
  it('AdamW decay reaches the transformer: it changes the run, and the two forms coincide under SP (all multipliers 1)', async () => {
    const text = await loadStudyText('moby-dick');
    const run = (parameterization: 'sp' | 'mup', decay: { weightDecay?: number; independentDecay?: boolean }) => {
      const net = transformer({ vocab: text.vocab, context: 8, dModel: 16, heads: 2, layers: 1, parameterization, optimizer: 'adam', baseWidth: 8 }, Rng.fromSeed(5));
      return trainLm({ net, train: text.train, optimizer: 'adam', ...decay, lr: 2 ** -4, steps: 12, batch: 4, seqLen: 8, rng: Rng.fromSeed(6) }).curve;
    };
    const plain = run('mup', {});
    const perLayer = run('mup', { weightDecay: 1 });
    const independent = run('mup', { weightDecay: 1, independentDecay: true });
    // the first step's loss is scored before any update; the decay shows from the second step on
    expect(perLayer[0]).toBe(plain[0]);
    expect(perLayer.slice(1)).not.toEqual(plain.slice(1));
    expect(independent.slice(1)).not.toEqual(perLayer.slice(1));
    expect(run('sp', { weightDecay: 1, independentDecay: true })).toEqual(run('sp', { weightDecay: 1 }));
  }, 60_000);
  it('rejects a window longer than the context', async () => {
    const text = await loadStudyText('moby-dick');
    const net = transformer({ vocab: text.vocab, context: 8, dModel: 8, heads: 2, layers: 1 }, Rng.fromSeed(0));
    expect(() => trainLm({ net, train: text.train, optimizer: 'adam', lr: 1e-3, steps: 1, batch: 2, seqLen: 16, rng: Rng.fromSeed(0) })).toThrow(/seqLen = 16 exceeds the model's context = 8/);
  }, 60_000);
});

function lawRows(law: { E: number; A: number; B: number; alpha: number; beta: number }, Ns: number[], Ds: number[], rng: Rng) {
  return Ns.flatMap((N) => Ds.map((D) => ({ N, D, loss: (law.E + law.A / N ** law.alpha + law.B / D ** law.beta) * Math.exp(1e-4 * rng.normal()) })));
}

describe('extrapolateLaw', () => {
  const Ns = [1e3, 2e3, 4e3, 8e3, 16e3];
  const Ds = [1e4, 2e4, 4e4, 8e4, 16e4];
  const target = { N: 64e3, D: 16e4 };
  it('recovers a Chinchilla law and extrapolates to a 4× larger N within its interval', () => {
    const truth = { E: 1.5, A: 40, B: 300, alpha: 0.5, beta: 0.6 };
    const e = extrapolateLaw(lawRows(truth, Ns, Ds, Rng.fromSeed(1)), [target], 'chinchilla', { bootstrap: 40, grid: 'small' });
    const L = truth.E + truth.A / target.N ** truth.alpha + truth.B / target.D ** truth.beta;
    expect(e.converged).toBe(true);
    expect(Math.abs(e.predicted[0] / L - 1)).toBeLessThan(2e-3);
    expect(e.lo[0]).toBeLessThanOrEqual(e.predicted[0]);
    expect(e.hi[0]).toBeGreaterThanOrEqual(e.predicted[0]);
    expect(e.rmseLog).toBeLessThan(3e-4);
  });
  it('the no-E form recovers a pure power law; the swapped form misfits a law with unequal exponents', () => {
    const pure = { E: 0, A: 40, B: 300, alpha: 0.3, beta: 0.6 };
    const rows = lawRows(pure, Ns, Ds, Rng.fromSeed(2));
    const L = pure.A / target.N ** pure.alpha + pure.B / target.D ** pure.beta;
    const noE = extrapolateLaw(rows, [target], 'no-irreducible', { bootstrap: 20, grid: 'small' });
    expect(noE.params.E).toBe(0);
    expect(Math.abs(noE.params.alpha - 0.3)).toBeLessThan(0.01);
    expect(Math.abs(noE.predicted[0] / L - 1)).toBeLessThan(2e-3);
    const swapped = extrapolateLaw(rows, [target], 'swapped-exponents', { bootstrap: 20, grid: 'small' });
    expect(swapped.rmseLog).toBeGreaterThan(10 * noE.rmseLog);
  });
});

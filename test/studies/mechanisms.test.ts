/**
 * The mechanism studies (catalog 22: neural feature ansatz; 31: grokking and Fourier features; 32: stepwise low-rank
 * learning) in their quick profile, end to end (prediction, real training, verdict): at default settings each must
 * hold. The studies are imported directly so the test does not depend on the registry wiring.
 */
import { describe, expect, it } from 'vitest';
import { executeStudy } from '../../src/studies/execute.ts';
import { grokkingFourier } from '../../src/studies/grokking-fourier.ts';
import { neuralFeatureAnsatz } from '../../src/studies/neural-feature-ansatz.ts';
import { stepwiseLowRank } from '../../src/studies/stepwise-low-rank.ts';
import { expectFalsifiable, expectHolds, withScalars } from './falsifiability.ts';

describe('mechanism studies (quick profile)', () => {
  it('neural-feature-ansatz holds at α = ½; α = 1 and α = 0 are falsified by the in-span eigenvalue ratio', async () => {
    // wrong theory: the exponent swapped to 2 (W₁ᵀW₁ ∝ AGOP²)
    const r = await expectFalsifiable(neuralFeatureAnsatz, [{ name: 'α = 2', edit: (pred) => withScalars(pred, { 'exponent α': 2 }) }]);
    expect(r.controls?.map((c) => c.name)).toEqual(['α = 1 (W₁ᵀW₁ ∝ AGOP, the Science paper’s equation 3)', 'α = 0 (W₁ᵀW₁ isotropic inside span(U))']);
    // the link is anisotropic inside span(U): the AGOP's eigenvalue ratio is at least 4
    expect(Math.exp(r.measurement.scalars['log(λ₁/λ₂) of AGOP'])).toBeGreaterThanOrEqual(4);
  }, 300_000);

  it('grokking-fourier holds; the difference-phase and single-operand rivals are falsified', async () => {
    // wrong theory: the sign of φ₁ flipped (φ₃ = φ₂ − φ₁)
    await expectFalsifiable(grokkingFourier, [{ name: 'φ₃ = −φ₁ + φ₂', edit: (pred) => withScalars(pred, { 'phase coefficient of φ₁': -1 }) }]);
  }, 300_000);

  it('stepwise-low-rank holds', async () => {
    await expectHolds(stepwiseLowRank);
  }, 60_000);
});

describe('stepwise-low-rank details', () => {
  it('the staircase figure carries a dashed theory curve for every σ, and the drop count blurs with σ', async () => {
    // a cheaper variant of the quick profile: two init scales only
    const r = await executeStudy(stepwiseLowRank, { profile: 'quick', seed: 1, codeVersion: 'test', params: { initScales: [1e-1, 1e-4] } });
    expect(r.error).toBeUndefined();
    for (const g of ['σ=1e-1', 'σ=1e-4']) {
      const pred = r.measurement.series.find((s) => s.name === 'loss' && s.group === g && s.kind === 'predicted');
      const meas = r.measurement.series.find((s) => s.name === 'loss' && s.group === g && s.kind === 'measured');
      expect(pred?.x.length).toBe(meas?.x.length);
    }
    // four components resolved at σ = 1e-4, fewer at σ = 1e-1 (integer counts)
    expect(r.measurement.scalars['resolved drops σ=1e-4']).toBe(4);
    expect(r.measurement.scalars['resolved drops σ=1e-1']).toBeLessThan(4);
  }, 60_000);
});

import { describe, expect, it } from 'vitest';
import { THEORY_FUNCTIONS, formatInputIssues } from '../../src/theory/registry.ts';

/** One valid input per registry key. */
const EXAMPLES: Record<string, unknown> = {
  nngp: { activation: 'relu', depth: 2, weightVariance: 2, biasVariance: 0.1, x: [[1, 0], [0.6, 0.8]] },
  ntk: { activation: 'gelu', depth: 1, weightVariance: 1.5, biasVariance: 0, x: [[1, 0]], x2: [[0.6, 0.8], [-1, 0]] },
  linearized: { kernelTrain: [[2, 1], [1, 2]], kernelTest: [[1, 0.5]], targets: [1, -1], learningRate: 0.5, times: [0, 1, 'infinity'] },
  eigenlearning: { eigenvalues: [1, 0.5, 0.25, 0.125], targetCoefficients: [1, 0, 1, 0], n: 2, ridge: 0, noise: 0.1 },
  saxe: { singularValues: [3, 1], init: 0.01, depth: 3, times: [0, 1, 2] },
  'double-descent': { gammas: [0.5, 1, 2], signal: 1, noise: 0.5, ridge: 'optimal' },
  'signal-propagation': { activation: 'tanh', weightVariance: 2, biasVariance: 0.05, depth: 5 },
};

describe('theory registry', () => {
  it('has exactly the documented keys, each with a description and a paper', () => {
    expect(Object.keys(THEORY_FUNCTIONS).sort()).toEqual(['double-descent', 'eigenlearning', 'linearized', 'nngp', 'ntk', 'saxe', 'signal-propagation']);
    for (const f of Object.values(THEORY_FUNCTIONS)) {
      expect(f.description.length).toBeGreaterThan(10);
      expect(f.paper).toMatch(/\d{4}/);
    }
  });

  it('runs every function on a valid input and returns a JSON round-trippable object', () => {
    for (const [name, input] of Object.entries(EXAMPLES)) {
      const fn = THEORY_FUNCTIONS[name];
      expect(fn.input.safeParse(input).success).toBe(true);
      const out = fn.run(input);
      expect(typeof out).toBe('object');
      expect(() => JSON.parse(JSON.stringify(out))).not.toThrow();
    }
    const k = THEORY_FUNCTIONS.ntk.run(EXAMPLES.ntk) as { kernel: number[][] };
    expect(k.kernel).toHaveLength(1);
    expect(k.kernel[0]).toHaveLength(2);
    const lin = THEORY_FUNCTIONS.linearized.run(EXAMPLES.linearized) as { times: unknown[]; train: number[][] };
    expect(lin.times).toEqual([0, 1, 'infinity']);
    // t = ∞, ridgeless: interpolation of the targets (float error).
    expect(lin.train[2][0]).toBeCloseTo(1, 12);
    expect(lin.train[2][1]).toBeCloseTo(-1, 12);
  });

  it('reports bad input with the field path, what was expected and what was given', () => {
    const issues = (name: string, input: unknown) => {
      const r = THEORY_FUNCTIONS[name].input.safeParse(input);
      expect(r.success).toBe(false);
      return r.success ? [] : formatInputIssues(r.error.issues);
    };
    expect(issues('nngp', { activation: 'relu', depth: 1, weightVariance: 1, biasVariance: 0, x: [[1, 2, 3], [1, 2, 3], [1, 2]] })).toContain(
      'x[2]: expected an array of 3 numbers (the length of row 0), got 2',
    );
    const bad = issues('nngp', { activation: 'sigmoid', depth: 1.5, weightVariance: -2, biasVariance: 0, x: [[1]], extra: 1 });
    expect(bad.some((l) => l.startsWith("activation: expected one of 'relu', 'erf', 'tanh', 'gelu', got \"sigmoid\""))).toBe(true);
    expect(bad.some((l) => l.startsWith('depth: expected an integer') && l.endsWith('got 1.5'))).toBe(true);
    expect(bad.some((l) => l.startsWith('weightVariance: expected a finite number ≥ 0, got -2'))).toBe(true);
    expect(bad.some((l) => l.includes('extra'))).toBe(true);
    expect(issues('nngp', { activation: 'relu', depth: 1, weightVariance: 1, biasVariance: 0, x: [[1, 2]], x2: [[1]] })).toContain(
      'x2[0]: expected an array of 2 numbers (the input dimension of x), got 1',
    );
    expect(issues('eigenlearning', { eigenvalues: [1, 2], targetCoefficients: [1], n: 1, ridge: 0, noise: 0 })[0]).toMatch(/^targetCoefficients: expected 2 numbers/);
    expect(issues('linearized', { kernelTrain: [[1, 0], [0, 1]], targets: [1, 2, 3], learningRate: 1, times: [1.5], method: 'gd' })).toEqual([
      'targets: expected 2 entries (one per training point), got 3',
      "times[0]: method 'gd' counts steps: expected an integer, got 1.5",
    ]);
    expect(issues('double-descent', { gammas: [0.5, -1], signal: 1, noise: 0 })[0]).toMatch(/^gammas\[1\]: expected an aspect ratio/);
    expect(issues('signal-propagation', { activation: 'tanh', weightVariance: 1, biasVariance: 0, c0: 2 })[0]).toBe('c0: expected a correlation in [−1, 1], got 2');
    expect(issues('saxe', { singularValues: [], init: 0.1, depth: 2, times: [1] })[0]).toMatch(/^singularValues: expected/);
  });
});

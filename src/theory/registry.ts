/**
 * Registry of the theory functions that `lmech theory <name>` evaluates: solvable settings and
 * tractable limits (pillars 1 and 2 of the learning-mechanics digest, §3.1–3.2). Each entry has a zod
 * schema whose messages name what was expected and what was given (the CLI prefixes the field path),
 * and a `run` that validates again and returns a JSON-ready object (Infinity prints as null).
 * Browser-safe.
 */
import { z } from 'zod';
import { KERNEL_ACTIVATIONS, type KernelActivation } from './activations.ts';
import { doubleDescent } from './doubleDescent.ts';
import { eigenlearning } from './eigenlearning.ts';
import { nngp, ntk } from './kernels.ts';
import { linearized } from './linearized.ts';
import { saxeModeStrengths } from './saxe.ts';
import { signalPropagation } from './signalPropagation.ts';

export interface TheoryFunction {
  description: string;
  paper: string;
  input: z.ZodType;
  run(input: unknown): unknown;
}

/** A short rendering of an offending value for error messages. */
function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  const s = JSON.stringify(v);
  return s === undefined ? typeof v : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const num = (what: string) => z.number({ error: (iss) => `expected ${what}, got ${show(iss.input)}` });
const finite = (what = 'a finite number') => num(what);
const nonNegative = (what = 'a finite number ≥ 0') => num(what).min(0, { error: (iss) => `expected ${what}, got ${show(iss.input)}` });
const positive = (what = 'a finite number > 0') => num(what).positive({ error: (iss) => `expected ${what}, got ${show(iss.input)}` });
const integer = (what: string, min: number, max: number) =>
  num(what)
    .int({ error: (iss) => `expected ${what}, got ${show(iss.input)}` })
    .min(min, { error: (iss) => `expected ${what}, got ${show(iss.input)}` })
    .max(max, { error: (iss) => `expected ${what}, got ${show(iss.input)}` });
const array = <T extends z.ZodType>(item: T, what: string, min = 1) =>
  z.array(item, { error: (iss) => `expected ${what}, got ${show(iss.input)}` }).min(min, { error: () => `expected ${what} with at least ${min} entr${min === 1 ? 'y' : 'ies'}` });

/** A matrix as an array of rows of finite numbers, all rows of the same length. */
const matrix = (what: string) =>
  array(array(finite(), 'an array of finite numbers'), `${what} (an array of rows of numbers)`).superRefine((rows, ctx) => {
    const d = rows[0].length;
    rows.forEach((row, i) => {
      if (row.length !== d) ctx.addIssue({ code: 'custom', path: [i], input: row, message: `expected an array of ${d} numbers (the length of row 0), got ${row.length}` });
    });
  });

const activation = z.enum(KERNEL_ACTIVATIONS as [KernelActivation, ...KernelActivation[]], {
  error: (iss) => `expected one of ${KERNEL_ACTIVATIONS.map((a) => `'${a}'`).join(', ')}, got ${show(iss.input)}`,
});

const KernelInput = z
  .strictObject({
    activation: activation.describe('nonlinearity of every hidden layer'),
    depth: integer('an integer number of hidden layers in [0, 100]', 0, 100).describe('number of hidden layers (0 = linear model)'),
    weightVariance: nonNegative().describe('σ_w²'),
    biasVariance: nonNegative().describe('σ_b²'),
    x: matrix('points').describe('inputs, one row per point'),
    x2: matrix('points').optional().describe('second set of inputs (same dimension); the kernel is then |x| × |x2|'),
  })
  .superRefine((v, ctx) => {
    const d = v.x[0]?.length;
    if (d === 0) ctx.addIssue({ code: 'custom', path: ['x', 0], input: v.x[0], message: 'expected an array of at least 1 number (input dimension ≥ 1)' });
    v.x2?.forEach((row, i) => {
      if (row.length !== d) ctx.addIssue({ code: 'custom', path: ['x2', i], input: row, message: `expected an array of ${d} numbers (the input dimension of x), got ${row.length}` });
    });
  });

/** number[] (one output) or number[][] (rows of k outputs, all of the same length). */
// Cast kept: zod 4's superRefine ignores type predicates, so (number | number[])[] cannot narrow, and z.union of the two shapes loses the per-entry messages.
const vectorOrMatrix = (what: string) =>
  array(
    z.union([finite(), array(finite(), 'an array of numbers')], { error: (iss) => `expected a number or an array of numbers, got ${show(iss.input)}` }),
    `${what} (an array of numbers, or of equal-length rows)`,
  ).superRefine((v, ctx) => {
    const first = v[0];
    v.forEach((e, i) => {
      if (typeof first === 'number' && typeof e !== 'number') ctx.addIssue({ code: 'custom', path: [i], input: e, message: 'expected a number (entry 0 is a number)' });
      if (Array.isArray(first) && (!Array.isArray(e) || e.length !== first.length)) {
        ctx.addIssue({ code: 'custom', path: [i], input: e, message: `expected an array of ${first.length} numbers (the length of entry 0)` });
      }
    });
  }) as unknown as z.ZodType<number[] | number[][]>;

const timeValue = z.union([nonNegative('a time ≥ 0 or "infinity"'), z.literal('infinity')], {
  error: (iss) => `expected a time ≥ 0 or "infinity", got ${show(iss.input)}`,
});

const LinearizedInputSchema = z
  .strictObject({
    kernelTrain: matrix('K(X, X)').describe('n × n kernel on the training points'),
    kernelTest: matrix('K(x, X)').optional().describe('m × n kernel between test and training points'),
    targets: vectorOrMatrix('targets Y').describe('n targets, or n × k for k outputs'),
    f0Train: vectorOrMatrix('f₀(X)').optional().describe('initial outputs on the training points (default 0), same shape as targets'),
    f0Test: vectorOrMatrix('f₀(x)').optional().describe('initial outputs on the test points (default 0), m entries or m × k'),
    learningRate: positive('a learning rate η > 0').describe('η'),
    times: array(timeValue, 'an array of times').describe("flow: times t (flow time ηt); gd: step counts; 'infinity' for t → ∞"),
    method: z.enum(['flow', 'gd'], { error: (iss) => `expected 'flow' or 'gd', got ${show(iss.input)}` }).optional().describe('gradient flow (default) or gradient descent with step η'),
    ridge: nonNegative().optional().describe('δ ≥ 0: weight of (δ/2)‖θ − θ₀‖² (default 0)'),
    loss: z.enum(['sum', 'mean'], { error: (iss) => `expected 'sum' or 'mean', got ${show(iss.input)}` }).optional().describe("'sum': L = ½Σ(f − y)² (default); 'mean': L = (1/2n)Σ(f − y)²"),
  })
  .superRefine((v, ctx) => {
    const n = v.kernelTrain.length;
    if (v.kernelTrain[0].length !== n) ctx.addIssue({ code: 'custom', path: ['kernelTrain'], input: v.kernelTrain, message: `expected a square matrix, got ${n} × ${v.kernelTrain[0].length}` });
    const shapeOf = (t: number[] | number[][]): string => (typeof t[0] === 'number' ? 'vector' : `k=${(t[0] as number[]).length}`);
    if (v.targets.length !== n) ctx.addIssue({ code: 'custom', path: ['targets'], input: v.targets, message: `expected ${n} entries (one per training point), got ${v.targets.length}` });
    if (v.f0Train !== undefined) {
      if (v.f0Train.length !== n) ctx.addIssue({ code: 'custom', path: ['f0Train'], input: v.f0Train, message: `expected ${n} entries, got ${v.f0Train.length}` });
      else if (shapeOf(v.f0Train) !== shapeOf(v.targets)) ctx.addIssue({ code: 'custom', path: ['f0Train'], input: v.f0Train, message: 'expected the same shape as targets' });
    }
    if (v.kernelTest !== undefined && v.kernelTest[0].length !== n) {
      ctx.addIssue({ code: 'custom', path: ['kernelTest'], input: v.kernelTest, message: `expected ${n} columns (one per training point), got ${v.kernelTest[0].length}` });
    }
    if (v.f0Test !== undefined) {
      if (v.kernelTest === undefined) ctx.addIssue({ code: 'custom', path: ['f0Test'], input: v.f0Test, message: 'given without kernelTest' });
      else if (v.f0Test.length !== v.kernelTest.length) ctx.addIssue({ code: 'custom', path: ['f0Test'], input: v.f0Test, message: `expected ${v.kernelTest.length} entries (one per test point), got ${v.f0Test.length}` });
      else if (shapeOf(v.f0Test) !== shapeOf(v.targets)) ctx.addIssue({ code: 'custom', path: ['f0Test'], input: v.f0Test, message: 'expected the same shape per point as targets' });
    }
    if (v.method === 'gd') {
      v.times.forEach((t, i) => {
        if (typeof t === 'number' && !Number.isInteger(t)) ctx.addIssue({ code: 'custom', path: ['times', i], input: t, message: `method 'gd' counts steps: expected an integer, got ${t}` });
      });
    }
  });

const EigenlearningInputSchema = z
  .strictObject({
    eigenvalues: array(nonNegative('an eigenvalue ≥ 0'), 'an array of kernel eigenvalues').describe('λᵢ ≥ 0'),
    targetCoefficients: array(finite(), 'an array of target coefficients').describe('vᵢ, one per eigenvalue'),
    n: positive('a number of samples n > 0').describe('training-set size'),
    ridge: nonNegative('a ridge δ ≥ 0').describe('δ'),
    noise: nonNegative('a noise variance ε² ≥ 0').describe('label-noise variance ε²'),
  })
  .superRefine((v, ctx) => {
    if (v.targetCoefficients.length !== v.eigenvalues.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['targetCoefficients'],
        input: v.targetCoefficients,
        message: `expected ${v.eigenvalues.length} numbers (one per eigenvalue), got ${v.targetCoefficients.length}`,
      });
    }
  });

const SaxeInputSchema = z.strictObject({
  singularValues: array(nonNegative('a singular value ≥ 0'), 'an array of target singular values').describe('s_μ'),
  init: positive('an initial mode strength u₀ > 0').describe('u₀ (every mode)'),
  depth: integer('an integer number of weight matrices in [1, 1000]', 1, 1000).describe('L'),
  times: array(nonNegative('a time ≥ 0'), 'an array of times').describe('gradient-flow time t = learning rate × steps'),
});

const DoubleDescentInputSchema = z.strictObject({
  gammas: array(positive('an aspect ratio γ = p/n > 0'), 'an array of aspect ratios').describe('γ = p/n'),
  signal: nonNegative('a signal strength r² = ‖β‖² ≥ 0').describe('r² = ‖β‖²'),
  noise: nonNegative('a noise variance σ² ≥ 0').describe('σ²'),
  ridge: z
    .union([nonNegative('a ridge λ ≥ 0'), z.literal('optimal')], { error: (iss) => `expected a ridge λ ≥ 0 or "optimal", got ${show(iss.input)}` })
    .optional()
    .describe("λ (XᵀX/n + λI scaling), 0 = min-norm, 'optimal' = σ²γ/r²"),
});

const SignalPropagationInputSchema = z.strictObject({
  activation: activation.describe('nonlinearity'),
  weightVariance: nonNegative().describe('σ_w²'),
  biasVariance: nonNegative().describe('σ_b²'),
  q0: nonNegative('a variance q⁰ ≥ 0').optional().describe('layer-0 pre-activation variance (default q*)'),
  c0: num('a correlation in [−1, 1]')
    .min(-1, { error: (iss) => `expected a correlation in [−1, 1], got ${show(iss.input)}` })
    .max(1, { error: (iss) => `expected a correlation in [−1, 1], got ${show(iss.input)}` })
    .optional()
    .describe('layer-0 correlation of the two inputs (default 0.5)'),
  depth: integer('an integer number of layers in [0, 10000]', 0, 10000).optional().describe('layers to iterate (default 30)'),
});

function entry<S extends z.ZodType>(def: { description: string; paper: string; input: S; run: (input: z.infer<S>) => unknown }): TheoryFunction {
  return { description: def.description, paper: def.paper, input: def.input, run: (raw: unknown) => def.run(def.input.parse(raw)) };
}

const KERNEL_PAPERS =
  'Lee et al. 2018 (NNGP, ICLR); Jacot, Gabriel & Hongler 2018 (NTK, NeurIPS); Cho & Saul 2009 (arc-cosine kernel); Williams 1997 (erf kernel); conventions of neural-tangents (Novak et al. 2020)';

export const THEORY_FUNCTIONS: Record<string, TheoryFunction> = {
  nngp: entry({
    description: 'NNGP kernel Σ of a fully connected net (depth hidden layers + readout), NTK parameterization: {kernel}',
    paper: KERNEL_PAPERS,
    input: KernelInput,
    run: (i) => nngp(i),
  }),
  ntk: entry({
    description: 'neural tangent kernel Θ of a fully connected net (depth hidden layers + readout), NTK parameterization: {kernel}',
    paper: KERNEL_PAPERS,
    input: KernelInput,
    run: (i) => ntk(i),
  }),
  linearized: entry({
    description: 'outputs of the linearized model under gradient flow / GD on the squared loss at given times: {times, train, test?, trainLoss}',
    paper: 'Lee et al. 2019, Wide neural networks of any depth evolve as linear models under gradient descent (NeurIPS)',
    input: LinearizedInputSchema,
    run: (i) => ({
      ...linearized({ ...i, times: i.times.map((t) => (t === 'infinity' ? Number.POSITIVE_INFINITY : t)) }),
      times: i.times,
    }),
  }),
  eigenlearning: entry({
    description: 'KRR learning curve from eigenvalues and target coefficients: {kappa, learnabilities, testMse, trainMse, ...}',
    paper: 'Simon, Dickens, Karkada & DeWeese 2023, The eigenlearning framework (TMLR); Bordelon, Canatar & Pehlevan 2020 (ICML)',
    input: EigenlearningInputSchema,
    run: (i) => eigenlearning(i),
  }),
  saxe: entry({
    description: 'deep linear network mode strengths u(t) under gradient flow, balanced aligned init: {modes} (one row per singular value)',
    paper: 'Saxe, McClelland & Ganguli 2014, Exact solutions to the nonlinear dynamics of learning in deep linear neural networks (ICLR)',
    input: SaxeInputSchema,
    run: (i) => saxeModeStrengths(i),
  }),
  'double-descent': entry({
    description: 'asymptotic risk ‖β̂ − β‖² of min-norm (or ridge) least squares with isotropic features vs γ = p/n: {risk, ridge} (γ = 1 ridgeless: null = ∞)',
    paper: 'Hastie, Montanari, Rosset & Tibshirani 2022, Surprises in high-dimensional ridgeless least squares interpolation (Ann. Statist.)',
    input: DoubleDescentInputSchema,
    run: (i) => doubleDescent(i),
  }),
  'signal-propagation': entry({
    description: 'variance/correlation maps of a deep random net: {qStar, chi1, cStar, chiC, chiQ, xiC, xiQ, phase, qTrajectory, cTrajectory} (null = ∞ or undefined)',
    paper: 'Poole et al. 2016, Exponential expressivity in deep neural networks through transient chaos (NeurIPS); Schoenholz et al. 2017, Deep information propagation (ICLR)',
    input: SignalPropagationInputSchema,
    run: (i) => signalPropagation(i),
  }),
};

/**
 * Render zod issues as `field[2].sub: message` lines (array indices in brackets), for the CLI's
 * "invalid input" error.
 */
export function formatInputIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string[] {
  return issues.map((iss) => {
    let p = '';
    for (const k of iss.path) p += typeof k === 'number' ? `[${k}]` : p === '' ? String(k) : `.${String(k)}`;
    return `${p === '' ? '(input)' : p}: ${iss.message}`;
  });
}

/**
 * Issue 13, item 3: `compare` takes every target from `predict`'s output. With the prediction keys declared as a type
 * (`defineStudy<P, PredKey>`), a metric naming a key that `predict` does not produce is a compile error, not only a
 * runtime finding. This file is type-checked by `tsc -p .` (tsconfig includes test/): each `@ts-expect-error` below
 * must meet an error, so if the typing regresses (a key type widening back to `string`), tsc fails on the unused
 * directive. The runtime tests show what the typing prevents: detection power cannot perturb a scalar that `predict`
 * never produced.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { adamEdgeOfStability } from '../../src/studies/adam-edge-of-stability/index.ts';
import { adamSqrtScalingRule } from '../../src/studies/adam-sqrt-scaling-rule.ts';
import { architectureUniversality } from '../../src/studies/architecture-universality.ts';
import { centralFlow } from '../../src/studies/central-flow.ts';
import { chinchillaComputeOptimal } from '../../src/studies/chinchilla-compute-optimal.ts';
import { conservationLaws } from '../../src/studies/conservation-laws.ts';
import { criticalBatchSize } from '../../src/studies/critical-batch-size.ts';
import { dataSpectra } from '../../src/studies/data-spectra.ts';
import { depthMupTransfer } from '../../src/studies/depth-mup-transfer.ts';
import { discretizationHypothesis } from '../../src/studies/discretization-hypothesis.ts';
import { dlnProgressiveSharpening } from '../../src/studies/dln-progressive-sharpening.ts';
import { dlnSaddleToSaddle } from '../../src/studies/dln-saddle-to-saddle.ts';
import { dlnSaxeModes } from '../../src/studies/dln-saxe-modes.ts';
import { doubleDescentStudy } from '../../src/studies/double-descent.ts';
import { edgeOfStability } from '../../src/studies/edge-of-stability.ts';
import { eigenlearningCurves } from '../../src/studies/eigenlearning-curves/index.ts';
import { detectionPower } from '../../src/studies/falsify.ts';
import { grokkingFourier } from '../../src/studies/grokking-fourier.ts';
import { hermiteLearningOrder } from '../../src/studies/hermite-learning-order/index.ts';
import { implicitCurvatureRegularization } from '../../src/studies/implicit-curvature-regularization.ts';
import { inductionHeads } from '../../src/studies/induction-heads/index.ts';
import { lazyVsRich } from '../../src/studies/lazy-vs-rich.ts';
import { lmScalingLaws } from '../../src/studies/lm-scaling-laws/index.ts';
import { mupCoordCheck } from '../../src/studies/mup-coord-check.ts';
import { mupLrTransfer } from '../../src/studies/mup-lr-transfer.ts';
import { mupTransformerTransfer } from '../../src/studies/mup-transformer-transfer/index.ts';
import { neuralCollapseStudy } from '../../src/studies/neural-collapse.ts';
import { neuralFeatureAnsatz } from '../../src/studies/neural-feature-ansatz.ts';
import { ntkLinearization } from '../../src/studies/ntk-linearization.ts';
import { quantaScaling } from '../../src/studies/quanta-scaling/index.ts';
import { randomFeatureScalingLaw } from '../../src/studies/random-feature-scaling-law.ts';
import { randomFeatureUniversality } from '../../src/studies/random-feature-universality.ts';
import { findStudy, STUDIES } from '../../src/studies/registry.ts';
import { representationConvergence } from '../../src/studies/representation-convergence.ts';
import { sgdLinearScalingRule } from '../../src/studies/sgd-linear-scaling-rule.ts';
import { signalPropagationStudy } from '../../src/studies/signal-propagation/index.ts';
import { silentAlignment } from '../../src/studies/silent-alignment.ts';
import { singleIndexFeatureLearning } from '../../src/studies/single-index-feature-learning/index.ts';
import { stepwiseLowRank } from '../../src/studies/stepwise-low-rank.ts';
import { transformerRepresentationConvergence } from '../../src/studies/transformer-representation-convergence/index.ts';
import { type AnyStudy, type Control, defineStudy, type MetricSpec, type Observations, type Scalars, type Study } from '../../src/studies/types.ts';

const Params = z.object({ slope: z.number().default(2), threshold: z.number().default(4) });
type P = z.output<typeof Params>;
/** A literal key and a template-literal family, as the real studies declare them (e.g. edge-of-stability's thresholds). */
type PredKey = 'slope' | `threshold η=${number}`;
const thresholdKey = (eta: number): PredKey => `threshold η=${eta}`;

const base = { catalog: 0, pillar: 'solvable' as const, title: 't', claim: 'c', papers: [], core: false, quick: {}, figures: () => [] };
const measure = () => ({ scalars: { slope: 2, sharpness: 3.9 }, series: [] });

/** A throwaway typed study: two metrics, each judged against a scalar that `predict` produced. */
const typed = defineStudy<P, PredKey>(Params, {
  ...base,
  id: 'typed-keys',
  predict: (p): Observations<PredKey> => ({ scalars: { slope: p.slope, [thresholdKey(0.5)]: p.threshold }, series: [] }),
  measure,
  compare(pred, meas) {
    const q = (key: PredKey): number => pred.scalars[key] ?? Number.NaN;
    const metrics: MetricSpec<PredKey>[] = [
      { name: 'slope', value: meas.scalars.slope, criterion: { op: 'rel', target: q('slope'), tol: 0.1 }, reason: 'test', prediction: 'slope' },
      { name: 'sharpness', value: meas.scalars.sharpness, criterion: { op: 'rel', target: q(thresholdKey(0.5)), tol: 0.1 }, reason: 'test', prediction: thresholdKey(0.5) },
    ];
    return { metrics, regime: [] };
  },
});

// ---- compile-time checks: every line after a directive is a type error; tsc fails if one is not ----

const spec = { name: 'm', value: 1, criterion: { op: '<=' as const, bound: 1 }, reason: 'test' };
const badMetrics: MetricSpec<PredKey>[] = [
  {
    ...spec,
    // @ts-expect-error 'intercept' is not a key that predict produces
    prediction: 'intercept',
  },
  {
    ...spec,
    // @ts-expect-error a template-literal family does not admit a non-numeric η
    prediction: 'threshold η=large',
  },
];

function badPredict(p: P): Observations<PredKey> {
  // @ts-expect-error predict may not return a scalar outside its declared keys
  return { scalars: { slope: p.slope, intercept: 0 }, series: [] };
}

const badControl: Control<P, PredKey> = {
  name: 'rival',
  description: 'a rival that sets a scalar the prediction does not have',
  // @ts-expect-error a control's rival scalars are checked against the same keys
  predict: (_p, pred) => ({ ...pred, scalars: { ...pred.scalars, intercept: 1 } satisfies Scalars<PredKey> }),
};

type DeclaresKeys<S> = S extends Study<infer _P, infer K, infer _M> ? (string extends K ? false : true) : false;
/** Identity on a study whose prediction keys are declared; a study keyed by `string` is a compile error here. */
function declaring<S extends AnyStudy>(study: S & (DeclaresKeys<S> extends true ? unknown : never)): S {
  return study;
}
/** Every registered study, each declaring its prediction keys: none may widen back to `string`. */
const ROUND = [
  declaring(adamEdgeOfStability),
  declaring(adamSqrtScalingRule),
  declaring(centralFlow),
  declaring(criticalBatchSize),
  declaring(dataSpectra),
  declaring(depthMupTransfer),
  declaring(discretizationHypothesis),
  declaring(inductionHeads),
  declaring(lazyVsRich),
  declaring(lmScalingLaws),
  declaring(mupLrTransfer),
  declaring(mupTransformerTransfer),
  declaring(neuralCollapseStudy),
  declaring(ntkLinearization),
  declaring(quantaScaling),
  declaring(sgdLinearScalingRule),
  declaring(transformerRepresentationConvergence),
  declaring(architectureUniversality),
  declaring(chinchillaComputeOptimal),
  declaring(conservationLaws),
  declaring(dlnProgressiveSharpening),
  declaring(dlnSaddleToSaddle),
  declaring(dlnSaxeModes),
  declaring(doubleDescentStudy),
  declaring(edgeOfStability),
  declaring(eigenlearningCurves),
  declaring(grokkingFourier),
  declaring(hermiteLearningOrder),
  declaring(implicitCurvatureRegularization),
  declaring(mupCoordCheck),
  declaring(neuralFeatureAnsatz),
  declaring(randomFeatureScalingLaw),
  declaring(randomFeatureUniversality),
  declaring(representationConvergence),
  declaring(signalPropagationStudy),
  declaring(silentAlignment),
  declaring(singleIndexFeatureLearning),
  declaring(stepwiseLowRank),
];

/** The same throwaway study with its keys left to default to `string`: the compiler accepts a misnamed key. */
const untyped = defineStudy<P>(Params, {
  ...base,
  id: 'untyped-keys',
  predict: (q) => ({ scalars: { slope: q.slope }, series: [] }),
  measure,
  compare: (pr, me) => ({
    metrics: [{ name: 'slope', value: me.scalars.slope, criterion: { op: 'rel', target: pr.scalars.slope, tol: 0.1 }, reason: 'test', prediction: 'intercept' }],
    regime: [],
  }),
});
// @ts-expect-error the guard itself can fail: a study keyed by `string` is rejected
declaring(untyped);

/** The study contract itself checks what `compare` returns: a misnamed key is an error even without an annotation. */
defineStudy<P, PredKey>(Params, {
  ...base,
  id: 'misnamed-keys',
  predict: (p) => ({ scalars: { slope: p.slope }, series: [] }),
  measure,
  compare: (pred, meas) => ({
    // @ts-expect-error 'intercept' is not a key of the study's PredKey
    metrics: [{ name: 'slope', value: meas.scalars.slope, criterion: { op: 'rel', target: pred.scalars.slope ?? Number.NaN, tol: 0.1 }, reason: 'test', prediction: 'intercept' }],
    regime: [],
  }),
});

// ---- runtime ----

describe('typed prediction keys', () => {
  const p = Params.parse({});
  const meas: Observations = measure();

  it('judges every metric against a scalar that predict produced, so detection power can perturb it', () => {
    // as the registry holds it: keys erased, as `executeStudy` and `detectionPower` see every study
    const erased: AnyStudy = typed;
    const pred: Observations = erased.predict(p);
    const metrics = erased.compare(pred, meas, p).metrics;
    expect(metrics.map((m) => m.prediction).every((k) => k !== undefined && k in pred.scalars)).toBe(true);
    const power = detectionPower(typed, p, pred, meas);
    expect(power.map((m) => m.metric)).toEqual(['slope', 'sharpness']);
    // |ŝ − s| ≤ τ|s| with τ = 0.1 fails once s(1 + δ)(1 − τ) > ŝ (up) or s(1 − δ)(1 + τ) < ŝ (down).
    // slope: ŝ = s = 2, so up δ = τ/(1 − τ), down δ = τ/(1 + τ): the down one first
    expect(power[0].direction).toBe('down');
    expect(power[0].detectionThreshold).toBeCloseTo(0.1 / 1.1, 4);
    // sharpness: ŝ = 3.9 against s = 4, so up δ = 3.9/(4·0.9) − 1 ≈ 0.083, down δ = 1 − 3.9/(4·1.1) ≈ 0.114
    expect(power[1].direction).toBe('up');
    expect(power[1].detectionThreshold).toBeCloseTo(3.9 / 3.6 - 1, 4);
  });

  it('without declared keys, a metric may name a scalar predict never produced, and its power is undefined (NaN)', () => {
    const power = detectionPower(untyped, p, untyped.predict(p), meas);
    expect(power).toHaveLength(1);
    expect(power[0].prediction).toBe('intercept');
    expect(power[0].detectionThreshold).toBeNaN();
  });

  it('what the compiler rejects above is a scalar that predict does not produce', () => {
    const pred = typed.predict(p);
    const unpredicted = (scalars: object) => Object.keys(scalars).filter((k) => !(k in pred.scalars));
    expect(badMetrics.map((m) => m.prediction).filter((k) => k !== undefined && k in pred.scalars)).toEqual([]);
    expect(unpredicted(badPredict(p).scalars)).toEqual(['intercept']);
    expect(unpredicted(badControl.predict?.(p, pred).scalars ?? {})).toEqual(['intercept']);
  });

  it('guards every registered study (the objects the CLI runs), each once', () => {
    expect(ROUND.filter((s) => findStudy(s.id) !== s).map((s) => s.id)).toEqual([]);
    expect(new Set(ROUND.map((s) => s.id)).size).toBe(ROUND.length);
    expect(STUDIES.filter((s) => !ROUND.includes(s)).map((s) => s.id)).toEqual([]);
  });
});

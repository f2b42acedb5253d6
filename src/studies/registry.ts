/** The registry of studies: one import per study file. Order is the catalog order. */
import { architectureUniversality } from './architecture-universality.ts';
import { conservationLaws } from './conservation-laws.ts';
import { dataSpectra } from './data-spectra.ts';
import { depthMupTransfer } from './depth-mup-transfer.ts';
import { discretizationHypothesis } from './discretization-hypothesis.ts';
import { dlnSaddleToSaddle } from './dln-saddle-to-saddle.ts';
import { dlnSaxeModes } from './dln-saxe-modes.ts';
import { edgeOfStability } from './edge-of-stability.ts';
import { lazyVsRich } from './lazy-vs-rich.ts';
import { mupCoordCheck } from './mup-coord-check.ts';
import { mupLrTransfer } from './mup-lr-transfer.ts';
import { neuralCollapseStudy } from './neural-collapse.ts';
import { ntkLinearization } from './ntk-linearization.ts';
import { randomFeatureUniversality } from './random-feature-universality.ts';
import { representationConvergence } from './representation-convergence.ts';
import { silentAlignment } from './silent-alignment.ts';
import { doubleDescentStudy } from './double-descent.ts';
import { eigenlearningCurves } from './eigenlearning-curves/index.ts';
import { signalPropagationStudy } from './signal-propagation/index.ts';
import { adamSqrtScalingRule } from './adam-sqrt-scaling-rule.ts';
import { criticalBatchSize } from './critical-batch-size.ts';
import { sgdLinearScalingRule } from './sgd-linear-scaling-rule.ts';
import { grokkingFourier } from './grokking-fourier.ts';
import { neuralFeatureAnsatz } from './neural-feature-ansatz.ts';
import { stepwiseLowRank } from './stepwise-low-rank.ts';
import { centralFlow } from './central-flow.ts';
import { dlnProgressiveSharpening } from './dln-progressive-sharpening.ts';
import { implicitCurvatureRegularization } from './implicit-curvature-regularization.ts';
import { chinchillaComputeOptimal } from './chinchilla-compute-optimal.ts';
import { quantaScaling } from './quanta-scaling/index.ts';
import { randomFeatureScalingLaw } from './random-feature-scaling-law.ts';
import { hermiteLearningOrder } from './hermite-learning-order/index.ts';
import { singleIndexFeatureLearning } from './single-index-feature-learning/index.ts';
import { lmScalingLaws } from './lm-scaling-laws/index.ts';
import { mupTransformerTransfer } from './mup-transformer-transfer/index.ts';
import { adamEdgeOfStability } from './adam-edge-of-stability/index.ts';
import { inductionHeads } from './induction-heads/index.ts';
import { transformerRepresentationConvergence } from './transformer-representation-convergence/index.ts';
import type { AnyStudy } from './types.ts';

export const STUDIES: AnyStudy[] = [
  dlnSaxeModes,
  dlnSaddleToSaddle,
  conservationLaws,
  ntkLinearization,
  lazyVsRich,
  mupCoordCheck,
  mupLrTransfer,
  depthMupTransfer,
  discretizationHypothesis,
  silentAlignment,
  edgeOfStability,
  neuralCollapseStudy,
  representationConvergence,
  randomFeatureUniversality,
  dataSpectra,
  architectureUniversality,
  eigenlearningCurves,
  doubleDescentStudy,
  signalPropagationStudy,
  sgdLinearScalingRule,
  adamSqrtScalingRule,
  criticalBatchSize,
  neuralFeatureAnsatz,
  grokkingFourier,
  stepwiseLowRank,
  centralFlow,
  dlnProgressiveSharpening,
  implicitCurvatureRegularization,
  randomFeatureScalingLaw,
  chinchillaComputeOptimal,
  quantaScaling,
  singleIndexFeatureLearning,
  hermiteLearningOrder,
  lmScalingLaws,
  mupTransformerTransfer,
  adamEdgeOfStability,
  inductionHeads,
  transformerRepresentationConvergence,
].sort((a, b) => a.catalog - b.catalog) as AnyStudy[];

export function findStudy(id: string): AnyStudy | undefined {
  return STUDIES.find((s) => s.id === id);
}

export function coreStudies(): AnyStudy[] {
  return STUDIES.filter((s) => s.core);
}

/**
 * Library API of learning-mechanics. The same studies the CLI and the browser lab run:
 *
 *   import { runStudy } from 'learning-mechanics';
 *   const r = await runStudy('dln-saxe-modes', { profile: 'quick', seed: 0 });
 */
import { type ExecuteOptions, executeStudy } from './studies/execute.ts';
import { STUDIES, findStudy } from './studies/registry.ts';
import type { StudyResult } from './studies/types.ts';

export { executeStudy, resolveParams, configHash, ParamError } from './studies/execute.ts';
export { STUDIES, findStudy, coreStudies } from './studies/registry.ts';
export type * from './studies/types.ts';
export { judge, evaluateMetric } from './studies/verdict.ts';
export * as ops from './core/ops.ts';
export { Tensor, tensor, param, zeros, noGrad } from './core/tensor.ts';
export { valueAndGrad, hessianVectorProduct, hessianOperator, jacobianRows, perExampleGradients, empiricalNtkMatrix } from './core/autodiff.ts';
export { Rng } from './core/random.ts';
export { mlp, Mlp } from './nn/mlp.ts';
export { PARAMETERIZATIONS } from './nn/parameterization.ts';
export { sgd, momentum, adam, adamw, applyUpdates } from './nn/optim.ts';

/** Run one study by id (no store, in this thread). Throws on an unknown id or invalid parameters. */
export async function runStudy(id: string, opts: ExecuteOptions = {}): Promise<StudyResult> {
  const study = findStudy(id);
  if (!study) throw new Error(`unknown study id '${id}'; expected one of: ${STUDIES.map((s) => s.id).join(', ')}`);
  return executeStudy(study, opts);
}

// Node-side run layer (store, pool) is exported from 'learning-mechanics/run' to keep this entry browser-safe.

// ---- linear algebra, instruments and theory, for use on your own runs ----
export * as linalg from './core/linalg.ts';
export { sharpness, hessianTop, hessianTrace, hessianSpectralDensity } from './observe/hessian.ts';
export { empiricalNtk, kernelTargetAlignment, relativeWeightChange, relativeKernelChange } from './observe/kernel.ts';
export { gradientNoiseScale, perExampleNoiseScale, curvatureNoiseScale, noiseScaleFromNorms } from './observe/gradientNoise.ts';
export { cka, ckaFromKernels, hsic, mutualKnnAlignment } from './observe/similarity.ts';
export { neuralCollapse } from './observe/neuralCollapse.ts';
export { accuracy, argmaxRows, hiddenFeatures, predictLogits, softmaxRows } from './observe/classifierOutputs.ts';
export { analyzeWeightSpectrum, fitMarchenkoPastur } from './observe/spectra.ts';
export { rankMeasures, stableRank, effectiveRank, participationRatio } from './observe/rank.ts';
export { fitPowerLawTail, fitPowerLawLogLog, zipfFit } from './observe/powerLaw.ts';
export { coordCheck } from './protocols/coordCheck.ts';
export { nngp, ntk, infiniteWidthKernels } from './theory/kernels.ts';
export { linearized } from './theory/linearized.ts';
export { eigenlearning } from './theory/eigenlearning.ts';
export { saxeModeStrengths, saxeModeTrajectory } from './theory/saxe.ts';
export { doubleDescent, minNormRisk, ridgeRisk } from './theory/doubleDescent.ts';
export { signalPropagation, criticalWeightVariance } from './theory/signalPropagation.ts';
export * as fit from './theory/fit/index.ts';
export { averageGradientOuterProduct, inputGradients, agopFromGradients } from './observe/agop.ts';
export { preconditionedSharpness, adamPreconditionedSharpness, adamPreconditioner, adamStabilityThreshold } from './observe/preconditioned.ts';
export { batchedMlp, BatchedMlp } from './nn/batchedMlp.ts';
export { trainOnlineSweep } from './protocols/lrSweep.ts';
export { trainClassifier } from './protocols/classifier.ts';
export { replicaCurves, stepsToTarget, trainLossCurve } from './protocols/onlineTeacher.ts';
export { randomFeatureTheory } from './theory/randomFeatures.ts';

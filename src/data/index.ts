/**
 * The data layer, browser-safe part: seeded synthetic tasks, IDX and safetensors parsers, text
 * statistics. File loaders for real datasets live in ./node/datasets.ts (Node only).
 */
export { gaussianMat, randomOrthonormal, selectEntries, selectRows } from './basis.ts';
export { angularDistance, type CircleSample, type CircleTeacherParams, type CircleTeacherTask, makeCircleTeacherTask } from './circle.ts';
export {
  applySubset,
  type ImageDataset,
  oneHot,
  selectExamples,
  type SubsetOptions,
  subsetIndices,
  trainTestSplit,
} from './dataset.ts';
export {
  type HermiteParams,
  type HermiteSample,
  type HermiteTask,
  type HermiteTerm,
  hermiteHe,
  hermiteHeAll,
  hermiteHeCoefficients,
  hermiteNormalized,
  makeHermiteTask,
  sqrtFactorial,
} from './hermite.ts';
export { type HierarchyParams, type HierarchySample, type HierarchyTask, makeHierarchyTask } from './hierarchy.ts';
export { encodeIdx, type IdxArray, type IdxData, type IdxDtype, parseIdx } from './idx.ts';
export { type ClassificationSample, type MixtureParams, type MixtureTask, makeGaussianMixtureTask } from './mixture.ts';
export {
  type ModularOp,
  type ModularParams,
  type ModularSet,
  type ModularSplit,
  modularArithmetic,
  modularExamples,
  modularOp,
  modularTable,
} from './modular.ts';
export {
  type BitEncoding,
  type MultitaskParityParams,
  type MultitaskParitySample,
  type MultitaskParityTask,
  makeMultitaskParityTask,
  makeSparseParityTask,
  type ParitySample,
  randomSubset,
  type SparseParityParams,
  type SparseParityTask,
  zipfFrequencies,
} from './parity.ts';
export { makePowerLawTask, type PowerLawParams, type PowerLawSample, type PowerLawTask, powerLawSpectrum } from './powerlaw.ts';
export {
  bf16ToNumber,
  decodeMinifloat,
  encodeMinifloat,
  encodeSafetensors,
  f16ToNumber,
  numberToBf16,
  numberToF16,
  parseSafetensors,
  type SafeTensor,
  type SafetensorsDtype,
  type SafetensorsFile,
  type TensorInput,
  type WritableDtype,
} from './safetensors.ts';
export {
  type IndexLink,
  linearLink,
  makeTeacherTask,
  type RegressionSample,
  type TeacherParams,
  type TeacherSample,
  type TeacherTask,
} from './teacher.ts';
export {
  ByteTokenizer,
  type CharEncoding,
  CharTokenizer,
  encodeChars,
  type RankFrequency,
  rankFrequency,
  type Tokenizer,
  tokenizeWords,
  UNKNOWN_CHAR,
  type UnknownCharPolicy,
  wordCounts,
} from './text.ts';
export {
  type Corpus,
  checkCorpusText,
  DEFAULT_VALIDATION_FRACTION,
  decodeUtf8Text,
  fetchMobyDick,
  firstInvalidUtf8,
  gunzipBytes,
  isGzip,
  type LmBatch,
  MOBY_DICK_CHARS,
  MOBY_DICK_GZ_SHA256,
  MOBY_DICK_GZ_URL,
  MOBY_DICK_TEXT_SHA256,
  MOBY_DICK_VALIDATION_ANCHOR,
  mobyDickCorpus,
  type SplitOptions,
  sampleLmBatch,
  splitCorpus,
  type TokenizedCorpus,
  tokenizeCorpus,
  validationLmBatches,
} from './corpus.ts';
export {
  bayesOptimalIclPredictions,
  type IclRegressionBatch,
  type IclRegressionParams,
  type InductionBatch,
  type InductionParams,
  inductionOptimalLoss,
  inductionPositions,
  noiselessIclError,
  ridgeWeights,
  sampleIclRegressionBatch,
  sampleInductionBatch,
} from './sequences.ts';

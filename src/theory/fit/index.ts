/** Law fitting on users' own data (browser-safe): power laws, the Chinchilla law, and the optimizers behind them. */
export { type BootstrapDraws, type BootstrapOptions, bootstrapRows, percentileInterval, quantile } from './bootstrap.ts';
export {
  type ChinchillaFit,
  chinchillaObjective,
  type ChinchillaInitGrid,
  type ChinchillaOptions,
  type ChinchillaRow,
  type ComputeOptimal,
  computeOptimalAllocation,
  computeOptimalFromParams,
  fitChinchilla,
  PAPER_INIT_GRID,
  predictChinchilla,
  SMALL_INIT_GRID,
} from './chinchilla.ts';
export { fitStepsHyperbola, type HyperbolaFit } from './criticalBatch.ts';
export { InputError } from './errors.ts';
export { type LbfgsOptions, type LbfgsResult, type LbfgsStopReason, minimizeLbfgs, type ObjectiveWithGradient } from './lbfgs.ts';
export { type LevenbergMarquardtOptions, type LevenbergMarquardtResult, levenbergMarquardt, type ResidualFunction } from './levenbergMarquardt.ts';
export { normalizedConditionNumber } from './linalg.ts';
export { fitPowerLaw, type Interval, type PowerLawFit, type PowerLawOptions, predictPowerLaw } from './powerLaw.ts';

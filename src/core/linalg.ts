/**
 * Dense and iterative linear algebra for `core` (browser-safe, no Node APIs). Implementations live in
 * ./linalg/*.ts; this module is the stable import path.
 *
 *  - dense.ts:       matmul, matvec, cholesky, choleskySolve, solveSpd
 *  - eigh.ts:        eigh, eigvalsh (Householder tridiagonalization + implicit QL)
 *  - svd.ts:         svd, singularValues
 *  - krylov.ts:      lanczos, hutchinsonTrace, stochasticLanczosQuadrature, spectralDensity
 */
export { cholesky, choleskySolve, matmul, matvec, solveSpd, trySolveSpd } from './linalg/dense.ts';
export { type EighResult, eigh, eigvalsh } from './linalg/eigh.ts';
export {
  type LanczosOptions,
  type LanczosResult,
  type LinearOperator,
  type RitzOrder,
  hutchinsonTrace,
  lanczos,
  spectralDensity,
  stochasticLanczosQuadrature,
} from './linalg/krylov.ts';
export { type SvdResult, singularValues, svd } from './linalg/svd.ts';

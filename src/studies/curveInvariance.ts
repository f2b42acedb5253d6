/**
 * Judging a scaling rule's invariance claim (SGD's linear rule, Adam's square-root rule: catalog 23–24).
 * A run is predicted either to follow the base loss-vs-examples curve (`invariant` = 1: its mean relative
 * deviation from the base curve is at most the catalog's 5%) or to leave it (`invariant` = 0: at least
 * twice that, 10%, so that a rule-breaking run sits clearly outside the band an invariant run lies in; a
 * deviation between 5% and 10% fails either prediction). A rival theory flips the indicator, and the same
 * measured deviation then fails it.
 */
import type { Criterion } from './types.ts';

/** The catalog's agreement band for an invariant run (mean relative deviation over the curve). */
export const AGREEMENT_BAND = 0.05;
/** The smallest deviation that counts as leaving the curve: twice the agreement band. */
export const DEPARTURE_BAND = 2 * AGREEMENT_BAND;

/** The criterion on a run's mean relative deviation, from its predicted invariance (1 or 0). */
export function invarianceCriterion(invariant: number | undefined): Criterion {
  if (invariant === undefined || !Number.isFinite(invariant)) return { op: '<=', bound: Number.NaN };
  return invariant >= 0.5 ? { op: '<=', bound: AGREEMENT_BAND } : { op: '>=', bound: DEPARTURE_BAND };
}

export function invarianceReason(invariant: number | undefined): string {
  return invariant !== undefined && invariant >= 0.5
    ? `predicted to follow the base curve: mean relative deviation ≤ ${100 * AGREEMENT_BAND}% (catalog)`
    : `predicted to leave the base curve: mean relative deviation ≥ ${100 * DEPARTURE_BAND}% (twice the catalog's agreement band, so that it is clearly outside it)`;
}

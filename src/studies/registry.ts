/** The registry of studies: one import per study file. Order is the catalog order. */
import { dlnSaxeModes } from './dln-saxe-modes.ts';
import { edgeOfStability } from './edge-of-stability.ts';
import { ntkLinearization } from './ntk-linearization.ts';
import type { AnyStudy } from './types.ts';

export const STUDIES: AnyStudy[] = [dlnSaxeModes, ntkLinearization, edgeOfStability].sort((a, b) => a.catalog - b.catalog);

export function findStudy(id: string): AnyStudy | undefined {
  return STUDIES.find((s) => s.id === id);
}

export function coreStudies(): AnyStudy[] {
  return STUDIES.filter((s) => s.core);
}

/** The registry of studies: one import per study file. Order is the catalog order. */
import type { AnyStudy } from './types.ts';

export const STUDIES: AnyStudy[] = [];

export function findStudy(id: string): AnyStudy | undefined {
  return STUDIES.find((s) => s.id === id);
}

export function coreStudies(): AnyStudy[] {
  return STUDIES.filter((s) => s.core);
}

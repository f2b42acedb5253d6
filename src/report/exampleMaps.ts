/**
 * The example validity maps shipped with the package (docs/maps/<name>/map.json, drawn by
 * scripts/example-maps.sh): the HTML report shows each beside its study, so a reader of one verdict also sees
 * where on the study's own parameter grid the law holds (issue 16).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJson } from '../core/jsonCodec.ts';
import type { ValidityMap } from '../studies/validityMap/types.ts';

/** Where the shipped maps lie: the package's docs/maps, from src/report or dist/report alike. */
export const EXAMPLE_MAPS_DIR = fileURLToPath(new URL('../../docs/maps/', import.meta.url));

/** A map with the name of the folder it came from (the README's anchor for its paragraph). */
export interface NamedMap {
  name: string;
  map: ValidityMap;
}

/** The fields the report reads, checked so a damaged file is named rather than drawn wrong. */
function checkMap(value: unknown, file: string): ValidityMap {
  const m = value as Partial<ValidityMap> | null;
  const bad = (what: string) => new Error(`${file}: ${what}; expected a map.json written by \`lmech map\``);
  if (typeof m !== 'object' || m === null) throw bad('not a JSON object');
  if (typeof m.spec?.studyId !== 'string') throw bad('spec.studyId is missing');
  if (!Array.isArray(m.spec.axes) || m.spec.axes.length === 0 || m.spec.axes.length > 2) throw bad(`spec.axes has ${Array.isArray(m.spec?.axes) ? m.spec.axes.length : 'no'} axes, not 1 or 2`);
  if (!Array.isArray(m.points)) throw bad('points is not an array');
  if (!Array.isArray(m.boundaries) || !Array.isArray(m.predictedBoundaries)) throw bad('boundaries or predictedBoundaries is not an array');
  return m as ValidityMap;
}

/** Every docs/maps/<name>/map.json under `dir` (default: the shipped ones), sorted by name; none if the folder is absent. */
export async function loadExampleMaps(dir = EXAMPLE_MAPS_DIR): Promise<NamedMap[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: NamedMap[] = [];
  for (const name of names.sort()) {
    const file = join(dir, name, 'map.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    let parsed: unknown;
    try {
      parsed = decodeJson(text); // the codec keeps NaN and ±∞ (map.json is written with it)
    } catch (e) {
      throw new Error(`${file}: not valid JSON (${(e as Error).message}); expected a map.json written by \`lmech map\``);
    }
    out.push({ name, map: checkMap(parsed, file) });
  }
  return out;
}

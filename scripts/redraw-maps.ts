/**
 * Redraw the figures of stored validity maps from their map.json alone (no run): phase.png and error.png next to
 * each map.json, e.g. after a change to the figures (src/report/mapSpec.ts).
 *
 *   node --import tsx scripts/redraw-maps.ts                 # every docs/maps/<name>/
 *   node --import tsx scripts/redraw-maps.ts docs/maps/ntk-linearization
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeJson } from '../src/core/jsonCodec.ts';
import { EXAMPLE_MAPS_DIR, loadExampleMaps } from '../src/report/exampleMaps.ts';
import { writeMapReport } from '../src/report/map.ts';
import type { ValidityMap } from '../src/studies/validityMap/types.ts';

async function redraw(dir: string, map: ValidityMap): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'lmech-redraw-'));
  try {
    const out = await writeMapReport(map, tmp);
    for (const png of out.pngs) await copyFile(png, join(dir, png.slice(tmp.length + 1))); // copy: tmp may be another filesystem
    console.log(`${dir}: ${out.pngs.length} figures redrawn`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  for (const { name, map } of await loadExampleMaps()) await redraw(join(EXAMPLE_MAPS_DIR, name), map);
} else {
  for (const d of dirs) await redraw(resolve(d), decodeJson(await readFile(join(resolve(d), 'map.json'), 'utf8')) as ValidityMap);
}

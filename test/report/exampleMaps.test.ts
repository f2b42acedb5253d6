import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJson } from '../../src/core/jsonCodec.ts';
import { loadExampleMaps } from '../../src/report/exampleMaps.ts';
import { writeReport } from '../../src/report/html.ts';
import { mapVegaSpecs } from '../../src/report/mapSpec.ts';
import { edgeOfStabilityResult, saxeResult } from './fixtures.ts';
import { ntkMap } from './mapFixtures.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lmech-example-maps-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the shipped example maps (docs/maps)', () => {
  it('every shipped map.json loads and draws (the four README maps at least)', async () => {
    const maps = await loadExampleMaps();
    expect(maps.map((m) => m.name)).toEqual(expect.arrayContaining(['ntk-linearization', 'edge-of-stability', 'lazy-vs-rich', 'depth-mup-transfer']));
    for (const { name, map } of maps) {
      expect(map.points.length, name).toBeGreaterThan(0);
      const specs = mapVegaSpecs(map);
      expect(specs.phase, name).toBeDefined();
      expect(specs.error, name).toBeDefined();
    }
  });

  it('a missing folder gives no maps; a damaged map.json is an error naming the file and the field', async () => {
    expect(await loadExampleMaps(join(dir, 'absent'))).toEqual([]);
    const bad = join(dir, 'bad');
    await mkdir(join(bad, 'one'), { recursive: true });
    await writeFile(join(bad, 'one', 'map.json'), JSON.stringify({ spec: { axes: [] }, points: [] }));
    await expect(loadExampleMaps(bad)).rejects.toThrow(/one\/map\.json: spec\.studyId is missing; expected a map\.json written by `lmech map`/);
    await writeFile(join(bad, 'one', 'map.json'), '{ not json');
    await expect(loadExampleMaps(bad)).rejects.toThrow(/one\/map\.json: not valid JSON/);
  });
});

describe('maps in the study report', () => {
  it("a map appears, folded under 'Where it holds', in its own study's section only", async () => {
    const eos = edgeOfStabilityResult();
    const saxe = saxeResult();
    const map = { ...ntkMap(), spec: { ...ntkMap().spec, studyId: eos.id } };
    const maps = join(dir, 'maps');
    await mkdir(join(maps, 'eos-example'), { recursive: true });
    await writeFile(join(maps, 'eos-example', 'map.json'), encodeJson(map));
    const out = await writeReport([saxe, eos], join(dir, 'report'), { pngs: false, studies: [], maps: await loadExampleMaps(maps) });
    const html = await readFile(out.html, 'utf8');
    const sections = html.split('<section class="study').slice(1); // [0] is the header and the verdict table
    const eosSection = sections.find((s) => s.includes(`<code>${eos.id}</code>`)) ?? '';
    const saxeSection = sections.find((s) => s.includes(`<code>${saxe.id}</code>`)) ?? '';
    expect(eosSection).toContain('Where it holds (validity maps)');
    expect(eosSection).toContain('<strong>eos-example</strong>');
    // both figures travel as Vega-Lite JSON for the boot script, one per map figure
    expect(eosSection.match(/data-figure="[^"]*-map-0-(phase|error)"/g)).toHaveLength(2);
    expect(saxeSection).not.toContain('Where it holds');
    // without maps, no section
    const plain = await readFile((await writeReport([eos], join(dir, 'plain'), { pngs: false, studies: [] })).html, 'utf8');
    expect(plain).not.toContain('Where it holds');
  });
});

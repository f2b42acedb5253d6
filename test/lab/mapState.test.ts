/**
 * The lab's Map tab state, in Node: its URL keys (lab/src/state.ts `map.*`, `tab`), the form's validation
 * (lab/src/pages/study/mapForm.ts `readMap`, the engine's own parseAxis/validateMapSpec) and the task list of
 * the worker pool (lab/src/pages/study/mapRunner.ts). Oracles: every study's map state round-trips through
 * its URL; each bad piece gives a message naming the key and the value and falls back to the default; the
 * form rejects what `validateMapSpec` rejects, naming the field; the tasks are exactly points × seeds.
 */
import { describe, expect, it } from 'vitest';
import { MAX_LAB_MAP_RUNS, readMap } from '../../lab/src/pages/study/mapForm.ts';
import { failedResult, mapTasks, poolSize } from '../../lab/src/pages/study/mapRunner.ts';
import { studyFields } from '../../lab/src/schemaFields.ts';
import { defaultMapState, MAX_MAP_SEEDS, type MapUrlState, parseHash, type StudyState, studyHash } from '../../lab/src/state.ts';
import { configHash, resolveParams } from '../../src/studies/execute.ts';
import { findStudy, STUDIES } from '../../src/studies/registry.ts';
import type { AnyStudy } from '../../src/studies/types.ts';
import { expandGrid, parseAxis } from '../../src/studies/validityMap/grid.ts';

const lvr = findStudy('lazy-vs-rich') as AnyStudy;

function study(hash: string): { state: StudyState; messages: string[] } {
  const { route, messages } = parseHash(hash, STUDIES);
  if (route.page !== 'study') throw new Error(`expected a study page for ${hash}, got ${route.page}: ${messages.join('; ')}`);
  const { page: _page, ...state } = route;
  return { state, messages };
}

/** An axis over a study's first numeric parameter: its quick value and, when the schema allows, twice it. */
function someAxis(s: AnyStudy): string | undefined {
  const f = studyFields(s).find((x) => x.kind === 'number' || x.kind === 'integer');
  if (!f) return undefined;
  const v = resolveParams(s, 'quick')[f.name] as number;
  const values = [v];
  try {
    resolveParams(s, 'quick', { [f.name]: v * 2 });
    if (v * 2 !== v) values.push(v * 2);
  } catch {
    // twice the value is out of the schema's range: one value is enough for the round trip
  }
  return `${f.name}=${values.join(',')}`;
}

describe('map URL state', () => {
  it('round-trips through the URL for every study with a numeric parameter (axes, seeds, profile, metric, tab)', () => {
    let checked = 0;
    for (const s of STUDIES) {
      const axis = someAxis(s);
      if (!axis) continue;
      const map: MapUrlState = { axes: [axis], seeds: 3, profile: 'default', metric: 'a metric, with [odd] chars & =' };
      const hash = studyHash(s, { seed: 5, profile: 'quick', overrides: {}, autorun: false, tab: 'map', map });
      const { state, messages } = study(hash);
      expect({ id: s.id, messages }).toEqual({ id: s.id, messages: [] });
      expect(state.tab).toBe('map');
      expect(state.map).toEqual(map);
      expect(state.seed).toBe(5);
      checked++;
    }
    expect(checked).toBeGreaterThan(STUDIES.length / 2);
  });

  it('two axes, lo:hi:n:log ranges and the run parameters (the map base) survive together', () => {
    const map: MapUrlState = { axes: ['width=16:128:4:log', 'lazyAlpha=3,10,30,100'], seeds: 1, profile: 'quick' };
    const overrides = { points: 16, alphas: [0.1, 3, 10, 30, 100] };
    const { state, messages } = study(studyHash(lvr, { seed: 0, profile: 'quick', overrides, autorun: false, tab: 'map', map }));
    expect(messages).toEqual([]);
    expect(state.map).toEqual(map);
    expect(state.overrides).toEqual(overrides);
  });

  it('a URL without map keys has no map state and the run tab (the old links are unchanged)', () => {
    const { state } = study('#/study/lazy-vs-rich?seed=2');
    expect(state.map).toBeUndefined();
    expect(state.tab).toBeUndefined();
    expect(studyHash(lvr, state)).not.toContain('map.');
  });

  it('each bad map key gives a message naming the key and the value, and falls back to its default', () => {
    const cases: [string, string[], Partial<MapUrlState>][] = [
      ['map.x=nope=1,2', ['map.x', 'nope', 'width'], { axes: [] }],
      ['map.x=width=1:2:zero', ['map.x', 'zero'], { axes: [] }],
      ['map.y=width', ['map.y', 'width'], { axes: [] }],
      ['map.seeds=0', ['map.seeds', '"0"', `[1, ${MAX_MAP_SEEDS}]`], { seeds: 1 }],
      [`map.seeds=${MAX_MAP_SEEDS + 1}`, ['map.seeds'], { seeds: 1 }],
      ['map.seeds=two', ['map.seeds', 'two'], { seeds: 1 }],
      ['map.profile=slow', ['map.profile', 'slow'], { profile: 'quick' }],
    ];
    for (const [query, words, fallback] of cases) {
      const { state, messages } = study(`#/study/lazy-vs-rich?tab=map&${query}`);
      expect(messages.length, query).toBe(1);
      for (const w of words) expect(messages[0], query).toContain(w);
      expect(state.map, query).toEqual({ ...defaultMapState(), ...fallback });
    }
  });

  it('an unknown key and a bad tab are named; the page still parses', () => {
    const { state, messages } = study('#/study/lazy-vs-rich?tab=mapp&map.zzz=1&map.x=width=8,16');
    expect(messages.join('\n')).toContain('"mapp"');
    expect(messages.join('\n')).toContain('"map.zzz"');
    expect(state.tab).toBeUndefined();
    expect(state.map?.axes).toEqual(['width=8,16']);
  });
});

describe('readMap: the form validates with the map engine', () => {
  const url = (axes: string[], seeds = 1): MapUrlState => ({ ...defaultMapState(), axes, seeds });

  it('a valid 4×4 grid: the points of expandGrid, seeds 0..N−1, the run parameters as base (axes replace theirs)', () => {
    const s = readMap(lvr, url(['width=16,32,64,128', 'lazyAlpha=3,10,30,100'], 2), { points: 16, width: 50, alphas: [0.1, 3, 10, 30, 100] });
    expect(s.errors).toEqual(new Map());
    expect(s.ok).toBe(true);
    expect(s.spec?.seeds).toEqual([0, 1]);
    expect(s.spec?.base).toEqual({ points: 16, alphas: [0.1, 3, 10, 30, 100] });
    const axes = [parseAxis(lvr, 'quick', 'width=16,32,64,128'), parseAxis(lvr, 'quick', 'lazyAlpha=3,10,30,100')];
    expect(s.grid).toEqual(expandGrid({ axes, base: s.spec?.base }));
    expect(s.grid?.length).toBe(16);
  });

  it('an unknown key is an error of its own axis field, listing the valid keys', () => {
    const s = readMap(lvr, url(['width=8', 'nope=1,2']), {});
    expect(s.ok).toBe(false);
    expect([...s.errors.keys()]).toEqual(['y']);
    expect(s.errors.get('y')).toContain("'nope'");
    for (const f of studyFields(lvr)) expect(s.errors.get('y')).toContain(f.name);
  });

  it('a value outside the schema names the point and the zod issue, on the axis that has it', () => {
    const s = readMap(lvr, url(['points=16', 'width=1,8']), {});
    expect(s.ok).toBe(false);
    expect([...s.errors.keys()]).toEqual(['y']);
    expect(s.errors.get('y')).toContain('width');
    expect(s.errors.get('y')).toContain('width=1');
  });

  it('no axis, a duplicate axis, bad seeds and a grid too big for the lab are refused, naming the field', () => {
    expect(readMap(lvr, url([]), {}).errors.get('x')).toContain('no axis');
    const dup = readMap(lvr, url(['width=8', 'width=16']), {});
    expect(dup.ok).toBe(false);
    expect([...dup.errors.values()].join()).toContain("duplicate axis 'width'");
    expect(readMap(lvr, url(['width=8'], 0), {}).errors.get('seeds')).toContain('[1,');
    const n = Math.ceil(Math.sqrt(MAX_LAB_MAP_RUNS)) + 1;
    const big = readMap(lvr, url([`width=2:2000:${n}`, `points=8:1000:${n}`]), {});
    expect(big.ok).toBe(false);
    expect(big.errors.get('grid')).toContain(`at most ${MAX_LAB_MAP_RUNS}`);
  });
});

describe('the worker pool tasks', () => {
  it('one task per (point, seed), the seeds of a point together, in row-major order', () => {
    const grid = expandGrid({ axes: [parseAxis(lvr, 'quick', 'width=8,16,32'), parseAxis(lvr, 'quick', 'points=8,16')] });
    const tasks = mapTasks(grid, [4, 9]);
    expect(tasks.length).toBe(grid.length * 2);
    expect(tasks.map((t) => [t.point.index, t.seed, t.seedIndex])).toEqual(grid.flatMap((g) => [[g.index, 4, 0], [g.index, 9, 1]]));
  });

  it('one worker per core, at most one per task, two when the browser does not say', () => {
    expect(poolSize(16, 8)).toBe(8);
    expect(poolSize(3, 8)).toBe(3);
    expect(poolSize(16, undefined)).toBe(2);
    expect(poolSize(16, 0)).toBe(2);
    expect(poolSize(0, 4)).toBe(0);
  });

  it("a failed worker's task becomes an error result with the run's own config hash", () => {
    const [point] = expandGrid({ axes: [parseAxis(lvr, 'quick', 'width=8')] });
    const r = failedResult(lvr, 'quick', { point, seed: 3, seedIndex: 0 }, 'v1', 'worker died');
    expect(r.verdict).toBe('error');
    expect(r.error).toBe('worker died');
    expect(r.provenance.configHash).toBe(configHash(lvr.id, resolveParams(lvr, 'quick', point.params), 3, 'v1'));
  });
});

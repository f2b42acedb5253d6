/**
 * The lab's state in the URL hash, typed and validated with each study's zod schema.
 *
 *   #/                                   home
 *   #/problems?od=OD3                    open problems (od: scroll to one)
 *   #/results                            stored results (files loaded in the page)
 *   #/study/<id>?seed=0&profile=quick&p.eta=0.002&run=1&fig=<figure id>&v=<code version>
 *   #/study/<id>?tab=map&map.x=width=8,16&map.y=eta=0.1:1:4:log&map.seeds=2&map.profile=quick&map.metric=<name>
 *
 * `p.<name>` overrides one parameter on top of the profile (numbers as decimal text, enums as their
 * name, arrays and objects as JSON). `run=1` starts the run on load; `fig` scrolls to a figure; `v` is the
 * code version the link was made with (a different version in this lab gets a notice, since results are
 * reproducible bit for bit only with the same code).
 *
 * `tab=map` opens the Map tab (a validity map of the study over one or two of its parameters, issue 16);
 * `map.x` / `map.y` are its axes in the CLI's `--over` syntax (`key=v1,v2,...` or `key=lo:hi:n[:log]`),
 * `map.seeds` the number of seeds (0..N−1), `map.profile` and `map.metric` the profile and the mapped metric.
 * The `p.<name>` overrides are the map's base parameters too (the axes replace theirs).
 *
 * Parsing never throws: every problem becomes a message naming the URL key, the value and what was
 * expected, and the faulty piece falls back to its default. Pure and DOM-free (Node tests use it).
 */
import { ParamError, type Profile, resolveParams } from '../../src/studies/execute.ts';
import type { AnyStudy } from '../../src/studies/types.ts';
import { parseAxis, validateMapSpec } from '../../src/studies/validityMap/grid.ts';
import { fieldText, parseFieldText, sameValue, studyFields } from './schemaFields.ts';

export const MAX_SEED = 2 ** 31 - 1;
/**
 * Most seeds a map in the lab runs per point: the grid runs in this tab's Web Workers (one per core), so a
 * 4×4 grid at 16 seeds is already 256 runs; the CLI (`lmech map --seeds`) is the tool for more.
 */
export const MAX_MAP_SEEDS = 16;

/** The Map tab's state in the URL (`map.*` keys). */
export interface MapUrlState {
  /** The axes as typed, in the CLI's `--over` syntax; one or two, each parsed by `parseAxis` against the schema. */
  axes: string[];
  /** Seeds 0..seeds−1 at every point. */
  seeds: number;
  profile: Profile;
  /** The judged metric mapped as error / tolerance; undefined: the study's first judged metric. */
  metric?: string;
}

export function defaultMapState(): MapUrlState {
  return { axes: [], seeds: 1, profile: 'quick' };
}

export interface StudyState {
  studyId: string;
  seed: number;
  profile: Profile;
  /** Validated parameter overrides (only those given in the URL). */
  overrides: Record<string, unknown>;
  autorun: boolean;
  fig?: string;
  /** Code version the link was made with, if it said. */
  version?: string;
  /** The tab shown, when not the run tab. */
  tab?: 'map';
  /** The Map tab's state, when the URL has any `map.*` key. */
  map?: MapUrlState;
}

export type Route = { page: 'home' } | { page: 'problems'; focus?: string } | { page: 'results' } | ({ page: 'study' } & StudyState);

export interface ParsedRoute {
  route: Route;
  /** Problems found in the URL, each saying what was used instead. Empty for a clean URL. */
  messages: string[];
}

const STUDY_KEYS = new Set(['seed', 'profile', 'run', 'fig', 'v', 'tab']);
const MAP_KEYS = ['map.x', 'map.y', 'map.seeds', 'map.profile', 'map.metric'];

function show(v: string): string {
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
}

/** Split `#/a/b?x=1&y=2` into path segments and ordered query pairs (decoded; a bad escape is kept raw). */
function splitHash(hash: string): { path: string[]; query: [string, string][] } {
  const h = hash.replace(/^#/, '');
  const q = h.indexOf('?');
  const pathPart = q >= 0 ? h.slice(0, q) : h;
  const queryPart = q >= 0 ? h.slice(q + 1) : '';
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  const path = pathPart.split('/').filter((s) => s.length > 0).map(decode);
  const query: [string, string][] = [];
  for (const pair of queryPart.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    query.push(eq >= 0 ? [decode(pair.slice(0, eq)), decode(pair.slice(eq + 1))] : [decode(pair), '']);
  }
  return { path, query };
}

export function defaultStudyState(studyId: string): StudyState {
  return { studyId, seed: 0, profile: 'quick', overrides: {}, autorun: false };
}

/** Parse and validate the study part of a URL. */
export function parseStudyQuery(study: AnyStudy, query: [string, string][]): { state: StudyState; messages: string[] } {
  const messages: string[] = [];
  const state = defaultStudyState(study.id);
  const seen = new Set<string>();
  const raw: [string, string][] = [];
  const mapRaw = new Map<string, string>();
  for (const [key, value] of query) {
    if (seen.has(key)) {
      messages.push(`URL: ${key} is given more than once; using the first value`);
      continue;
    }
    seen.add(key);
    if (key.startsWith('p.')) raw.push([key.slice(2), value]);
    else if (MAP_KEYS.includes(key)) mapRaw.set(key, value);
    else if (!STUDY_KEYS.has(key)) messages.push(`URL: unknown key ${show(key)} ignored; expected seed, profile, run, fig, v, tab, p.<parameter> or ${MAP_KEYS.join(', ')}`);
    else if (key === 'tab') {
      if (value === 'map') state.tab = 'map';
      else if (value !== 'run') messages.push(`URL: tab=${show(value)} is not run or map; showing the run tab`);
    }
    else if (key === 'seed') {
      if (/^\d{1,10}$/.test(value) && Number(value) <= MAX_SEED) state.seed = Number(value);
      else messages.push(`URL: seed=${show(value)} is not an integer in [0, ${MAX_SEED}]; using seed 0`);
    } else if (key === 'profile') {
      if (value === 'quick' || value === 'default') state.profile = value;
      else messages.push(`URL: profile=${show(value)} is not quick or default; using quick`);
    } else if (key === 'run') {
      if (value === '1' || value === 'true') state.autorun = true;
      else if (!(value === '0' || value === 'false')) messages.push(`URL: run=${show(value)} is not 1 or 0; not starting the run`);
    } else if (key === 'fig') {
      // figures may depend on the parameters: the page checks the id when it draws them
      if (value !== '') state.fig = value;
    } else if (key === 'v') state.version = value;
  }
  const fields = studyFields(study);
  const candidate: Record<string, unknown> = {};
  for (const [name, text] of raw) {
    const f = fields.find((x) => x.name === name);
    if (!f) {
      messages.push(`URL: p.${name} is not a parameter of ${study.id}; ignored (parameters: ${fields.map((x) => x.name).join(', ')})`);
      continue;
    }
    const base = resolveParams(study, state.profile)[name];
    const parsed = parseFieldText(f, text);
    if (!parsed.ok) {
      messages.push(`URL: p.${name}: ${parsed.error}; using the default ${fieldText(f, base)}`);
      continue;
    }
    try {
      resolveParams(study, state.profile, { [name]: parsed.value });
      candidate[name] = parsed.value;
    } catch (e) {
      const detail = e instanceof ParamError ? e.issues.join('; ') : (e as Error).message;
      messages.push(`URL: p.${name}=${show(text)} is out of range (${detail}); using the default ${fieldText(f, base)}`);
    }
  }
  // each override is valid alone; together they must be too (a refinement across fields)
  try {
    resolveParams(study, state.profile, candidate);
    state.overrides = candidate;
  } catch (e) {
    const detail = e instanceof ParamError ? e.issues.join('; ') : (e as Error).message;
    messages.push(`URL: the parameters are not valid together (${detail}); using the ${state.profile} profile's defaults`);
    state.overrides = {};
  }
  if (mapRaw.size > 0) state.map = parseMapQuery(study, mapRaw, state.overrides, messages);
  return { state, messages };
}

/** The `map.*` keys: each bad one gives a message naming it and falls back to its default. */
export function parseMapQuery(study: AnyStudy, raw: ReadonlyMap<string, string>, base: Record<string, unknown>, messages: string[]): MapUrlState {
  const map = defaultMapState();
  const profile = raw.get('map.profile');
  if (profile !== undefined) {
    if (profile === 'quick' || profile === 'default') map.profile = profile;
    else messages.push(`URL: map.profile=${show(profile)} is not quick or default; using quick`);
  }
  const seeds = raw.get('map.seeds');
  if (seeds !== undefined) {
    if (/^\d{1,3}$/.test(seeds) && Number(seeds) >= 1 && Number(seeds) <= MAX_MAP_SEEDS) map.seeds = Number(seeds);
    else messages.push(`URL: map.seeds=${show(seeds)} is not an integer in [1, ${MAX_MAP_SEEDS}]; using 1 seed`);
  }
  for (const key of ['map.x', 'map.y']) {
    const text = raw.get(key);
    if (text === undefined || text.trim() === '') continue;
    try {
      // the axis alone at every value, over the URL's parameters: what the Map tab would run
      const axis = parseAxis(study, map.profile, text);
      const rest = Object.fromEntries(Object.entries(base).filter(([k]) => k !== axis.key));
      validateMapSpec(study, { studyId: study.id, profile: map.profile, axes: [axis], seeds: [0], base: rest }, { yes: true });
      map.axes.push(text.trim());
    } catch (e) {
      messages.push(`URL: ${key}=${show(text)}: ${(e as Error).message.replace(/^--over: /, '')}; axis ignored`);
    }
  }
  // metric names are known only from a result: the Map tab checks this one against its first finished run
  const metric = raw.get('map.metric');
  if (metric !== undefined && metric.trim() !== '') map.metric = metric.trim();
  return map;
}

/** Parse a location hash. Unknown pages and studies fall back to home with a message. */
export function parseHash(hash: string, studies: readonly AnyStudy[]): ParsedRoute {
  const { path, query } = splitHash(hash);
  if (path.length === 0) return { route: { page: 'home' }, messages: query.length ? ['URL: the home page takes no parameters; ignored'] : [] };
  const [page, ...rest] = path;
  if (page === 'problems' && rest.length === 0) {
    const od = query.find(([k]) => k === 'od')?.[1];
    const others = query.filter(([k]) => k !== 'od').map(([k]) => k);
    return { route: od ? { page, focus: od } : { page }, messages: others.length ? [`URL: the open-problems page takes only od=<OD id>; ignored ${others.join(', ')}`] : [] };
  }
  if ((page === 'results' || page === 'home') && rest.length === 0) return { route: { page }, messages: [] };
  if (page === 'study' && rest.length === 1) {
    const study = studies.find((s) => s.id === rest[0]);
    if (!study) {
      return {
        route: { page: 'home' },
        messages: [`URL: no study with id ${show(rest[0])}; showing the home page (studies: ${studies.map((s) => s.id).join(', ')})`],
      };
    }
    const { state, messages } = parseStudyQuery(study, query);
    return { route: { page: 'study', ...state }, messages };
  }
  return { route: { page: 'home' }, messages: [`URL: ${show(`#/${path.join('/')}`)} is not a page of the lab; showing the home page (pages: #/, #/problems, #/results, #/study/<id>)`] };
}

/** Only the overrides that differ from the profile's value (what the URL needs to carry). */
export function minimalOverrides(study: AnyStudy, profile: Profile, params: Record<string, unknown>): Record<string, unknown> {
  const base = resolveParams(study, profile);
  const out: Record<string, unknown> = {};
  for (const f of studyFields(study)) if (f.name in params && !sameValue(params[f.name], base[f.name])) out[f.name] = params[f.name];
  return out;
}

function enc(s: string): string {
  return encodeURIComponent(s).replace(/%2C/g, ',').replace(/%5B/g, '[').replace(/%5D/g, ']').replace(/%3A/g, ':');
}

/** The hash of a study page: `#/study/<id>?seed=..&profile=..&p.x=..` (+ run, fig, v when given). */
export function studyHash(study: AnyStudy, s: Omit<StudyState, 'studyId'> & { studyId?: string }): string {
  const fields = studyFields(study);
  const parts = [`seed=${s.seed}`, `profile=${s.profile}`];
  for (const f of fields) if (f.name in s.overrides) parts.push(`p.${enc(f.name)}=${enc(fieldText(f, s.overrides[f.name]))}`);
  if (s.autorun) parts.push('run=1');
  if (s.fig) parts.push(`fig=${enc(s.fig)}`);
  if (s.version) parts.push(`v=${enc(s.version)}`);
  if (s.tab === 'map') parts.push('tab=map');
  if (s.map) parts.push(...mapQuery(s.map));
  return `#/study/${enc(study.id)}?${parts.join('&')}`;
}

/** The `map.*` query pairs of a map state (axes as `map.x`, `map.y`). */
function mapQuery(m: MapUrlState): string[] {
  const parts = m.axes.slice(0, 2).map((a, i) => `map.${i === 0 ? 'x' : 'y'}=${enc(a).replace(/%3D/g, '=')}`);
  parts.push(`map.seeds=${m.seeds}`, `map.profile=${m.profile}`);
  if (m.metric) parts.push(`map.metric=${enc(m.metric)}`);
  return parts;
}

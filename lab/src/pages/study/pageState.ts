/**
 * The one state object a study page's three parts share, in the manner of TensorFlow Playground's
 * state.ts (one object that the controls write and the drawing reads):
 * - the form (./form.ts) reads the parameters and writes the URL;
 * - the run controller (./controller.ts) owns the worker run and its progress;
 * - the results view (./resultsView.ts) draws the verdict, metrics, figures and live charts.
 * What the URL carries is lab/src/state.ts's StudyState (`route`); this object adds what lives only while
 * the page is open.
 */
import type { Profile } from '../../../../src/studies/execute.ts';
import type { AnyStudy } from '../../../../src/studies/types.ts';
import type { App } from '../../main.ts';
import type { StudyRunner } from '../../runner.ts';
import { defaultMapState, type MapUrlState, type StudyState } from '../../state.ts';

/** The form's parameters, validated: `ok` is false when any field has an error (`errors`, by field name). */
export interface FormState {
  ok: boolean;
  profile: Profile;
  seed: number;
  /** Only the parameters that differ from the profile (what the URL and the worker get). */
  overrides: Record<string, unknown>;
  /** All resolved parameters (empty when a field is invalid). */
  params: Record<string, unknown>;
  errors: Map<string, string>;
}

export interface StudyPageState {
  readonly study: AnyStudy;
  readonly app: App;
  /** The state the page was opened with (from the URL). */
  readonly route: StudyState;
  /** The run in progress or on screen; undefined before the first run and after Reset. */
  runner: StudyRunner | undefined;
  /** The parameters of the run on screen (the run area is marked stale when the form differs). */
  shownRunKey: string | undefined;
  /** Set when the page is left: asynchronous work (final figures) stops drawing. */
  disposed: boolean;
  /** The tab shown: the run (form and results) or the validity map (./mapTab.ts). */
  tab: 'run' | 'map';
  /** The Map tab's form as the URL carries it (written by the Map tab, kept in the hash by both tabs). */
  map: MapUrlState;
}

export function createPageState(app: App, study: AnyStudy, route: StudyState): StudyPageState {
  return { study, app, route, runner: undefined, shownRunKey: undefined, disposed: false, tab: route.tab ?? 'run', map: route.map ?? defaultMapState() };
}

/** What identifies a run's configuration on screen. */
export function runKey(s: FormState): string {
  return JSON.stringify([s.profile, s.seed, s.params]);
}

/** True while a run occupies the page (the form is locked and Run is disabled). */
export function runBusy(page: StudyPageState): boolean {
  const st = page.runner?.state;
  return st === 'running' || st === 'pausing' || st === 'paused';
}

/** The URL's tab and map keys for the page's current state (nothing while the map was never set up). */
export function mapHashPart(page: StudyPageState): Pick<StudyState, 'tab' | 'map'> {
  const touched = page.map.axes.length > 0 || page.route.map !== undefined;
  return { ...(page.tab === 'map' ? { tab: 'map' as const } : {}), ...(touched ? { map: page.map } : {}) };
}

export function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

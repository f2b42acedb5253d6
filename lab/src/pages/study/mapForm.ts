/**
 * The Map tab's form: one or two axes in the CLI's `--over` syntax (`key=v1,v2,...` or `key=lo:hi:n[:log]`),
 * the number of seeds, the profile and the mapped metric. It is validated with the map engine's own
 * `parseAxis` and `validateMapSpec` (src/studies/validityMap/grid.ts), so the lab rejects exactly the grids
 * `lmech map` rejects, and every error names its field (the CLI's `--over` becomes the input's label).
 */
import type { AnyStudy } from '../../../../src/studies/types.ts';
import { type GridPoint, MapSpecError, parseAxis, validateMapSpec } from '../../../../src/studies/validityMap/grid.ts';
import type { MapAxis, MapSpec } from '../../../../src/studies/validityMap/types.ts';
import { h } from '../../dom.ts';
import { boundsText, studyFields } from '../../schemaFields.ts';
import { MAX_MAP_SEEDS, type MapUrlState } from '../../state.ts';

/**
 * Most runs (points × seeds) one map may start in the lab: every run trains in this tab, on at most a few
 * cores, so a grid of a thousand quick runs is already minutes to hours; `lmech map` runs bigger grids.
 */
export const MAX_LAB_MAP_RUNS = 1024;

export type MapField = 'x' | 'y' | 'seeds' | 'profile' | 'metric' | 'grid';

export interface MapFormState {
  ok: boolean;
  url: MapUrlState;
  spec?: MapSpec;
  grid?: GridPoint[];
  errors: Map<MapField, string>;
}

const LABEL: Record<MapField, string> = { x: 'first axis', y: 'second axis', seeds: 'seeds', profile: 'profile', metric: 'metric', grid: 'grid' };

/** The CLI's flag names in an engine error become the lab's field names (`--over: …` → `first axis: …`). */
function engineMessage(e: unknown): string {
  if (e instanceof MapSpecError) return e.message.slice(e.field.length + 2);
  return e instanceof Error ? e.message : String(e);
}

/** Which input an engine error about the whole map belongs to (an axis's own errors are found axis by axis). */
function fieldOf(e: unknown): MapField {
  if (!(e instanceof MapSpecError)) return 'grid';
  if (e.field === '--seeds' || e.field === '--seed') return 'seeds';
  if (e.field === 'profile') return 'profile';
  if (e.field === '--metric') return 'metric';
  return 'grid';
}

/** Parse the axes and check the whole map against the schema (what `lmech map` checks before it runs). */
export function readMap(study: AnyStudy, url: MapUrlState, base: Record<string, unknown>): MapFormState {
  const errors = new Map<MapField, string>();
  const axes: MapAxis[] = [];
  url.axes.forEach((text, i) => {
    const field: MapField = i === 0 ? 'x' : 'y';
    if (text.trim() === '') return;
    try {
      axes.push(parseAxis(study, url.profile, text));
    } catch (e) {
      errors.set(field, engineMessage(e));
    }
  });
  if (url.axes.every((t) => t.trim() === '') && !errors.size) errors.set('x', 'no axis; expected key=v1,v2,... or key=lo:hi:n[:log] (e.g. width=8,16,32)');
  if (!(Number.isInteger(url.seeds) && url.seeds >= 1 && url.seeds <= MAX_MAP_SEEDS)) errors.set('seeds', `${JSON.stringify(url.seeds)} is not an integer in [1, ${MAX_MAP_SEEDS}]`);
  if (errors.size) return { ok: false, url, errors };
  // the axes replace the base's values (validateMapSpec rejects a key in both)
  const rest = Object.fromEntries(Object.entries(base).filter(([k]) => !axes.some((a) => a.key === k)));
  const spec: MapSpec = { studyId: study.id, profile: url.profile, axes, seeds: Array.from({ length: url.seeds }, (_, i) => i), ...(url.metric ? { metric: url.metric } : {}), base: rest };
  const runs = axes.reduce((n, a) => n * a.values.length, 1) * url.seeds;
  if (runs > MAX_LAB_MAP_RUNS) {
    errors.set('grid', `${axes.map((a) => `${a.values.length} ${a.key}`).join(' × ')} × ${url.seeds} seeds = ${runs} runs, expected at most ${MAX_LAB_MAP_RUNS} in the lab (lmech map runs larger grids)`);
    return { ok: false, url, errors };
  }
  // each axis alone first, so that a value the schema rejects is marked on the axis that has it
  axes.forEach((axis, i) => {
    try {
      validateMapSpec(study, { ...spec, axes: [axis] }, { yes: true });
    } catch (e) {
      errors.set(i === 0 ? 'x' : 'y', engineMessage(e));
    }
  });
  if (errors.size) return { ok: false, url, errors };
  try {
    const grid = validateMapSpec(study, spec, { yes: true });
    return { ok: true, url, spec, grid, errors };
  } catch (e) {
    errors.set(fieldOf(e), engineMessage(e));
    return { ok: false, url, errors };
  }
}

/** The parameters a map can run over, with their kind and bounds (a hint under the axes). */
export function axisHint(study: AnyStudy): string {
  const fields = studyFields(study).filter((f) => f.kind === 'number' || f.kind === 'integer' || f.kind === 'enum' || f.kind === 'boolean');
  return fields.map((f) => (f.kind === 'enum' ? `${f.name} (${(f.options ?? []).join('|')})` : f.kind === 'boolean' ? `${f.name} (true|false)` : `${f.name}${boundsText(f) ? ` ${boundsText(f)}` : ''}`)).join(' · ');
}

interface Input {
  field: MapField;
  el: HTMLInputElement | HTMLSelectElement;
  error: HTMLElement;
}

/** The form's inputs and their error lines; `read()` gives the URL state they show. */
export class MapFormView {
  readonly el: HTMLFormElement;
  readonly runBtn = h('button', { type: 'submit', class: 'primary', id: 'map-run' }, 'Run map');
  readonly cancelBtn = h('button', { type: 'button', id: 'map-cancel', disabled: true }, 'Cancel');
  readonly metricSel = h('select', { id: 'map-metric', name: 'metric' }, h('option', { value: '' }, 'first judged metric'));
  private readonly inputs: Input[];
  private readonly gridError = h('p', { id: 'map-e-grid', class: 'err', role: 'alert' });
  private readonly fieldsets: HTMLFieldSetElement;

  constructor(study: AnyStudy, url: MapUrlState) {
    const text = (id: string, value: string, placeholder: string) => h('input', { id, type: 'text', class: 'mono', spellcheck: 'false', autocomplete: 'off', value, placeholder });
    const x = text('map-x', url.axes[0] ?? '', 'width=8,16,32,64');
    const y = text('map-y', url.axes[1] ?? '', 'eta=0.1:1:4:log (optional)');
    const seeds = h('input', { id: 'map-seeds', type: 'number', min: 1, max: MAX_MAP_SEEDS, step: 1, value: String(url.seeds) });
    const profile = h('select', { id: 'map-profile' }, h('option', { value: 'quick' }, 'quick'), h('option', { value: 'default' }, 'default'));
    profile.value = url.profile;
    this.setMetrics(url.metric ? [url.metric] : [], url.metric);
    const mk = (field: MapField, el: Input['el']): Input => ({ field, el, error: h('small', { id: `map-e-${field}`, class: 'err' }) });
    this.inputs = [mk('x', x), mk('y', y), mk('seeds', seeds), mk('profile', profile), mk('metric', this.metricSel)];
    const row = (i: Input, hint?: string) => h('div', { class: 'field' }, h('label', { for: i.el.id }, LABEL[i.field]), i.el, hint ? h('small', { class: 'hint' }, hint) : null, i.error);
    this.fieldsets = h(
      'fieldset',
      { class: 'map-settings' },
      h('legend', {}, 'Grid'),
      row(this.inputs[0], 'key=v1,v2,... or key=lo:hi:n[:log], as lmech map --over'),
      row(this.inputs[1]),
      h('small', { class: 'hint map-params' }, `Parameters: ${axisHint(study)}. The others are the Run tab’s values.`),
      row(this.inputs[2], `seeds 0..N−1 at every point, N ≤ ${MAX_MAP_SEEDS}`),
      row(this.inputs[3], 'quick: CI-sized runs'),
      row(this.inputs[4], '|value − target| / tolerance is mapped'),
    );
    this.el = h('form', { class: 'controls map-form', 'aria-label': 'Validity map settings', novalidate: true }, this.fieldsets, this.gridError, h('div', { class: 'buttons' }, this.runBtn, this.cancelBtn));
  }

  /** The URL state the inputs show (not yet validated). */
  read(): MapUrlState {
    const v = (f: MapField) => (this.inputs.find((i) => i.field === f) as Input).el.value;
    const axes = [v('x').trim(), v('y').trim()].filter((a) => a !== '');
    const seedsText = v('seeds').trim();
    const seeds = /^\d{1,3}$/.test(seedsText) ? Number(seedsText) : Number.NaN;
    const metric = v('metric');
    return { axes, seeds, profile: v('profile') === 'default' ? 'default' : 'quick', ...(metric ? { metric } : {}) };
  }

  /** Mark each field's error (and the grid's) and enable Run only for a valid map. */
  mark(s: MapFormState, busy: boolean): void {
    for (const i of this.inputs) {
      const err = s.errors.get(i.field) ?? '';
      i.error.textContent = err ? `${LABEL[i.field]}: ${err}` : '';
      if (err) i.el.setAttribute('aria-invalid', 'true');
      else i.el.removeAttribute('aria-invalid');
    }
    this.gridError.textContent = s.errors.has('grid') ? `grid: ${s.errors.get('grid')}` : '';
    this.runBtn.disabled = !s.ok || busy;
  }

  /** The metric choices: the names the study's results have (known after the first run finishes). */
  setMetrics(names: readonly string[], selected = this.metricSel.value): void {
    const options = [h('option', { value: '' }, 'first judged metric'), ...names.map((n) => h('option', { value: n }, n))];
    this.metricSel.replaceChildren(...options);
    this.metricSel.value = names.includes(selected) ? selected : '';
  }

  setRunning(running: boolean): void {
    this.fieldsets.disabled = running;
    this.cancelBtn.disabled = !running;
  }

  focusFirstError(s: MapFormState): void {
    (this.inputs.find((i) => s.errors.has(i.field))?.el ?? this.runBtn).focus();
  }
}

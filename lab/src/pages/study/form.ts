/**
 * The study page's form: profile, seed and the study's parameters as controls (bounds from the zod schema,
 * see lab/src/schemaFields.ts), the Run / Pause / Reset buttons and the shareable link. Every change is
 * validated field by field, and a valid form is written to the URL (lab/src/state.ts).
 */
import { ParamError, type Profile, resolveParams } from '../../../../src/studies/execute.ts';
import { copyText, h } from '../../dom.ts';
import { type FieldSpec, fieldHint, fieldText, parseFieldText, studyFields } from '../../schemaFields.ts';
import { MAX_SEED, minimalOverrides, studyHash } from '../../state.ts';
import { type FormState, mapHashPart, runBusy, type StudyPageState } from './pageState.ts';

interface FieldWidget {
  spec: FieldSpec;
  input: HTMLInputElement | HTMLSelectElement;
  hint: HTMLElement;
  error: HTMLElement;
}

function makeWidget(f: FieldSpec): FieldWidget {
  const id = `f-${f.name}`;
  let input: HTMLInputElement | HTMLSelectElement;
  if (f.kind === 'enum') input = h('select', { id, name: f.name }, ...(f.options ?? []).map((o) => h('option', { value: o }, o)));
  else if (f.kind === 'boolean') input = h('input', { id, name: f.name, type: 'checkbox' });
  else if (f.kind === 'integer' || f.kind === 'number')
    input = h('input', { id, name: f.name, type: 'number', step: f.kind === 'integer' ? 1 : 'any', min: f.min, max: f.max, inputmode: f.kind === 'integer' ? 'numeric' : 'decimal' });
  else input = h('input', { id, name: f.name, type: 'text', spellcheck: 'false', autocomplete: 'off', class: f.kind === 'json' ? 'mono' : undefined });
  input.setAttribute('aria-describedby', `h-${f.name} e-${f.name}`);
  return { spec: f, input, hint: h('small', { id: `h-${f.name}`, class: 'hint' }), error: h('small', { id: `e-${f.name}`, class: 'err' }) };
}

function isCheckbox(input: HTMLInputElement | HTMLSelectElement): input is HTMLInputElement {
  return input instanceof HTMLInputElement && input.type === 'checkbox';
}

function markField(input: HTMLElement, errorEl: HTMLElement, err: string): void {
  errorEl.textContent = err;
  if (err) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

export class StudyForm {
  readonly el: HTMLFormElement;
  readonly runBtn = h('button', { type: 'submit', class: 'primary', id: 'run' }, 'Run');
  readonly pauseBtn = h('button', { type: 'button', id: 'pause', disabled: true }, 'Pause');
  readonly resetBtn = h('button', { type: 'button', id: 'reset', disabled: true }, 'Reset');
  /** Called with every valid form state after a change (the results view marks a stale run). */
  onValid: (s: FormState) => void = () => {};

  private readonly fields: FieldSpec[];
  private readonly widgets: FieldWidget[];
  private readonly profileSel: HTMLSelectElement;
  private readonly seedInput: HTMLInputElement;
  private readonly seedError = h('small', { id: 'e-seed', class: 'err' });
  private readonly defaultsBtn = h('button', { type: 'button', class: 'link', id: 'defaults' }, 'Restore the profile’s defaults');
  private readonly shareInput = h('input', { type: 'text', readonly: true, id: 'share-url', class: 'mono', 'aria-label': 'Link to this run' });
  private readonly copyBtn = h('button', { type: 'button', id: 'copy-link' }, 'Copy link');
  private readonly copyNote = h('small', { class: 'hint', role: 'status' });
  private readonly runFieldset: HTMLFieldSetElement;
  private readonly paramFieldset: HTMLFieldSetElement;
  /** The profile the fields currently show (the select's value changes before its change handler runs). */
  private shownProfile: Profile;

  constructor(private readonly page: StudyPageState) {
    const { route } = page;
    this.fields = studyFields(page.study);
    this.widgets = this.fields.map(makeWidget);
    this.profileSel = h('select', { id: 'f-profile', name: 'profile', 'aria-describedby': 'h-profile' }, h('option', { value: 'quick' }, 'quick (CI-sized, seconds)'), h('option', { value: 'default' }, 'default (full size, up to minutes)'));
    this.profileSel.value = route.profile;
    this.shownProfile = route.profile;
    this.seedInput = h('input', { id: 'f-seed', name: 'seed', type: 'number', min: 0, max: MAX_SEED, step: 1, inputmode: 'numeric', value: String(route.seed), 'aria-describedby': 'h-seed e-seed' });
    this.setWidgetValues(route.profile, route.overrides);
    this.paramFieldset = h(
      'fieldset',
      { class: 'params' },
      h('legend', {}, 'Parameters'),
      ...this.widgets.map((w) =>
        h(
          'div',
          { class: `field kind-${w.spec.kind}` },
          w.spec.kind === 'boolean' ? h('label', { for: w.input.id }, w.input, ' ', w.spec.name) : [h('label', { for: w.input.id }, w.spec.name), w.input],
          w.hint,
          w.spec.description ? h('small', { class: 'hint' }, w.spec.description) : null,
          w.error,
        ),
      ),
      this.defaultsBtn,
    );
    this.runFieldset = h(
      'fieldset',
      { class: 'run-settings' },
      h('legend', {}, 'Run'),
      h('div', { class: 'field' }, h('label', { for: 'f-profile' }, 'profile'), this.profileSel, h('small', { id: 'h-profile', class: 'hint' }, 'quick overrides some parameters to run in seconds')),
      h('div', { class: 'field' }, h('label', { for: 'f-seed' }, 'seed'), this.seedInput, h('small', { id: 'h-seed', class: 'hint' }, `integer [0, ${MAX_SEED}] · same seed, same run`), this.seedError),
    );
    this.el = h(
      'form',
      { class: 'controls', 'aria-label': 'Run settings and parameters', novalidate: true },
      this.runFieldset,
      this.paramFieldset,
      h('div', { class: 'buttons' }, this.runBtn, this.pauseBtn, this.resetBtn),
      h('div', { class: 'share' }, h('label', { for: 'share-url' }, 'Shareable link: re-runs with the same seed and parameters'), h('div', { class: 'share-row' }, this.shareInput, this.copyBtn), this.copyNote),
    );
    this.listen();
  }

  private listen(): void {
    this.profileSel.addEventListener('change', () => {
      // keep what the user set explicitly; the rest follows the new profile
      const before = this.read(this.shownProfile);
      const kept = before.ok ? before.overrides : {};
      this.shownProfile = this.profileSel.value === 'default' ? 'default' : 'quick';
      this.setWidgetValues(this.shownProfile, kept);
      this.refresh();
    });
    this.el.addEventListener('input', (ev) => {
      if (ev.target !== this.profileSel) this.refresh();
    });
    this.defaultsBtn.addEventListener('click', () => {
      this.setWidgetValues(this.shownProfile, {});
      this.refresh();
    });
    this.copyBtn.addEventListener('click', async () => {
      const ok = await copyText(this.shareInput.value);
      this.copyNote.textContent = ok ? 'Link copied.' : 'Copy the link from the field above (the browser did not allow the clipboard).';
      if (!ok) this.shareInput.select();
    });
    this.shareInput.addEventListener('focus', () => this.shareInput.select());
  }

  /** Show a profile's values with `overrides` on top (the profile alone when they are invalid together). */
  private setWidgetValues(profile: Profile, overrides: Record<string, unknown>): void {
    const { study } = this.page;
    let values: Record<string, unknown>;
    try {
      values = resolveParams(study, profile, overrides);
    } catch {
      values = resolveParams(study, profile);
    }
    const base = resolveParams(study, profile);
    for (const w of this.widgets) {
      const v = values[w.spec.name];
      if (isCheckbox(w.input)) w.input.checked = v === true;
      else w.input.value = fieldText(w.spec, v);
      w.hint.textContent = fieldHint(w.spec, base[w.spec.name]);
    }
  }

  private readSeed(errors: Map<string, string>): number {
    const seedText = this.seedInput.value.trim();
    if (/^\d{1,10}$/.test(seedText) && Number(seedText) <= MAX_SEED) return Number(seedText);
    errors.set('seed', `seed: ${JSON.stringify(this.seedInput.value)} is not an integer in [0, ${MAX_SEED}]`);
    return 0;
  }

  /** Each field parsed and checked against the schema on its own, so every bad field is marked at once. */
  private readFields(profile: Profile, errors: Map<string, string>): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const w of this.widgets) {
      if (isCheckbox(w.input)) {
        values[w.spec.name] = w.input.checked;
        continue;
      }
      const parsed = parseFieldText(w.spec, w.input.value);
      if (!parsed.ok) {
        errors.set(w.spec.name, parsed.error + (w.input.value === '' && (w.spec.kind === 'number' || w.spec.kind === 'integer') ? ' (empty or not a number)' : ''));
        continue;
      }
      if (parsed.value === undefined) continue; // an optional field left empty stays unset
      values[w.spec.name] = parsed.value;
      try {
        resolveParams(this.page.study, profile, { [w.spec.name]: parsed.value });
      } catch (e) {
        errors.set(w.spec.name, e instanceof ParamError ? e.issues.join('; ') : (e as Error).message);
      }
    }
    return values;
  }

  /** The form's state, validated (no side effects). */
  read(profile: Profile = this.profileSel.value === 'default' ? 'default' : 'quick'): FormState {
    const errors = new Map<string, string>();
    const seed = this.readSeed(errors);
    const values = this.readFields(profile, errors);
    let params: Record<string, unknown> = {};
    let overrides: Record<string, unknown> = {};
    if (![...errors.keys()].some((k) => k !== 'seed')) {
      overrides = minimalOverrides(this.page.study, profile, values);
      try {
        params = resolveParams(this.page.study, profile, overrides);
      } catch (e) {
        // valid alone, not together (a refinement across fields): the issue goes to the field it names
        const issues = e instanceof ParamError ? e.issues : [(e as Error).message];
        for (const issue of issues) {
          const field = issue.split(/[.:]/)[0];
          const key = this.fields.some((f) => f.name === field) ? field : (this.fields[0]?.name ?? 'params');
          errors.set(key, errors.has(key) ? `${errors.get(key)}; ${issue}` : issue);
        }
      }
    }
    return { ok: errors.size === 0, profile, seed, overrides, params, errors };
  }

  /** Read the form, mark its errors, and (when valid) write the URL and the shareable link. */
  refresh(): FormState {
    const s = this.read();
    for (const w of this.widgets) markField(w.input, w.error, s.errors.get(w.spec.name) ?? '');
    markField(this.seedInput, this.seedError, s.errors.get('seed') ?? '');
    this.runBtn.disabled = !s.ok || runBusy(this.page);
    if (s.ok) {
      this.page.app.replaceHash(studyHash(this.page.study, { seed: s.seed, profile: s.profile, overrides: s.overrides, autorun: false, ...mapHashPart(this.page) }));
      this.shareInput.value = this.shareUrl(s);
      this.onValid(s);
    }
    return s;
  }

  /** A link that re-runs `s` on load (and scrolls to a figure when `fig` is given). */
  shareUrl(s: FormState, extra: { fig?: string } = {}): string {
    const hash = studyHash(this.page.study, { seed: s.seed, profile: s.profile, overrides: s.overrides, autorun: true, version: this.page.app.codeVersion, ...extra });
    return `${location.origin}${location.pathname}${hash}`;
  }

  /** Move the focus to the first field with an error. */
  focusFirstError(s: FormState): void {
    const first = this.widgets.find((w) => s.errors.has(w.spec.name))?.input ?? (s.errors.has('seed') ? this.seedInput : undefined);
    first?.focus();
  }

  /** Lock the parameters while a run is going; the buttons follow. */
  setRunning(running: boolean): void {
    this.runFieldset.disabled = running;
    this.paramFieldset.disabled = running;
    this.runBtn.disabled = running || !this.read().ok;
    this.pauseBtn.disabled = !running;
    this.resetBtn.disabled = false;
  }
}

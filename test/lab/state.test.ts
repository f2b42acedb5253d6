/**
 * The lab's URL state and schema-derived controls (lab/src/state.ts, lab/src/schemaFields.ts), in Node.
 * Oracles: every study of the registry round-trips through its URL; the controls' bounds agree with
 * what the study's zod schema accepts at and just beyond each bound; every bad URL piece gives a
 * message naming the key and the value and falls back to the default.
 */

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldText, parseFieldText, studyFields } from '../../lab/src/schemaFields.ts';
import { minimalOverrides, parseHash, parseStudyQuery, type StudyState, studyHash } from '../../lab/src/state.ts';
import { resolveParams } from '../../src/studies/execute.ts';
import { findStudy, STUDIES } from '../../src/studies/registry.ts';
import type { AnyStudy } from '../../src/studies/types.ts';

const dln = findStudy('dln-saxe-modes') as AnyStudy;

function study(hash: string): { state: StudyState; messages: string[] } {
  const { route, messages } = parseHash(hash, STUDIES);
  if (route.page !== 'study') throw new Error(`expected a study page for ${hash}, got ${route.page}: ${messages.join('; ')}`);
  const { page: _page, ...state } = route;
  return { state, messages };
}

function accepts(s: AnyStudy, name: string, value: unknown): boolean {
  try {
    resolveParams(s, 'default', { [name]: value });
    return true;
  } catch {
    return false;
  }
}

describe('parseHash: pages', () => {
  it('reads the pages and their options', () => {
    expect(parseHash('', STUDIES)).toEqual({ route: { page: 'home' }, messages: [] });
    expect(parseHash('#/', STUDIES)).toEqual({ route: { page: 'home' }, messages: [] });
    expect(parseHash('#/problems', STUDIES)).toEqual({ route: { page: 'problems' }, messages: [] });
    expect(parseHash('#/problems?od=OD8', STUDIES)).toEqual({ route: { page: 'problems', focus: 'OD8' }, messages: [] });
    expect(parseHash('#/results', STUDIES)).toEqual({ route: { page: 'results' }, messages: [] });
  });

  it('an unknown page or study falls back to home with a message naming it', () => {
    const a = parseHash('#/nowhere/at/all', STUDIES);
    expect(a.route).toEqual({ page: 'home' });
    expect(a.messages.join()).toContain('#/nowhere/at/all');
    const b = parseHash('#/study/no-such-study?seed=1', STUDIES);
    expect(b.route).toEqual({ page: 'home' });
    expect(b.messages.join()).toContain('no-such-study');
    // a broken percent-escape does not throw
    expect(() => parseHash('#/study/%E0%A4%A?seed=%ZZ', STUDIES)).not.toThrow();
  });
});

describe('parseHash: a study page', () => {
  it('no query: seed 0, the quick profile, no overrides, no autorun', () => {
    expect(study('#/study/dln-saxe-modes')).toEqual({ state: { studyId: 'dln-saxe-modes', seed: 0, profile: 'quick', overrides: {}, autorun: false }, messages: [] });
  });

  it('reads seed, profile, run, fig, v and typed parameters exactly', () => {
    const { state, messages } = study('#/study/dln-saxe-modes?seed=42&profile=default&p.eta=0.0005&p.depths=[2,4]&p.singularValues=[4,1.5]&p.dim=12&run=1&fig=random-L2&v=0.1.0%2Babc');
    expect(messages).toEqual([]);
    expect(state).toEqual({
      studyId: 'dln-saxe-modes',
      seed: 42,
      profile: 'default',
      overrides: { eta: 0.0005, depths: [2, 4], singularValues: [4, 1.5], dim: 12 },
      autorun: true,
      fig: 'random-L2',
      version: '0.1.0+abc',
    });
  });

  it.each([
    ['seed=-1', 'seed', 'seed', 0],
    ['seed=1.5', 'seed', 'seed', 0],
    ['seed=99999999999', 'seed', 'seed', 0],
    ['profile=slow', 'profile', 'profile', 'quick'],
    ['run=maybe', 'run', 'autorun', false],
  ] as const)('%s: a message naming %s, and the default', (query, key, field, fallback) => {
    const { state, messages } = study(`#/study/dln-saxe-modes?${query}`);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(key);
    expect(messages[0]).toContain(query.split('=')[1]);
    expect(state[field]).toBe(fallback);
  });

  it.each([
    ['p.eta=banana', 'not a number'],
    ['p.eta=5', 'out of range'],
    ['p.eta=0', 'out of range'],
    ['p.dim=2.5', 'not an integer'],
    ['p.dim=1000', 'out of range'],
    ['p.depths=[2,', 'not valid JSON'],
    ['p.depths=[7]', 'out of range'],
    ['p.nope=3', 'not a parameter'],
  ])('%s: "%s", and the parameter keeps its default', (query, what) => {
    const { state, messages } = study(`#/study/dln-saxe-modes?${query}&p.hidden=20`);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(what);
    expect(messages[0]).toContain(query.split('=')[0]);
    // the valid parameter next to it is kept
    expect(state.overrides).toEqual({ hidden: 20 });
  });

  it('unknown keys and repeated keys are named and ignored', () => {
    const { state, messages } = study('#/study/dln-saxe-modes?foo=1&seed=3&seed=4');
    expect(messages.some((m) => m.includes('"foo"'))).toBe(true);
    expect(messages.some((m) => m.includes('seed is given more than once'))).toBe(true);
    expect(state.seed).toBe(3);
  });

  it('parameters valid alone but not together: a message and the profile defaults', () => {
    const schema = z.object({ lo: z.number().default(0), hi: z.number().default(10) }).refine((p) => p.lo < p.hi, { message: 'lo must be below hi', path: ['lo'] });
    const fake = { ...dln, id: 'fake', quick: {}, schema: schema as unknown as AnyStudy['schema'] } as AnyStudy;
    const { state, messages } = parseStudyQuery(fake, [
      ['p.lo', '5'],
      ['p.hi', '2'],
    ]);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('not valid together');
    expect(state.overrides).toEqual({});
  });
});

describe('studyHash ↔ parseHash', () => {
  it.each(STUDIES.map((s) => [s.id, s] as const))('%s: every parameter round-trips exactly through the URL', (_id, s) => {
    // the quick profile's values, given explicitly on top of the default profile: valid by construction
    const overrides = resolveParams(s, 'quick');
    const state: StudyState = { studyId: s.id, seed: 2 ** 31 - 1, profile: 'default', overrides, autorun: true, fig: 'some-figure', version: '0.1.0+0123456789ab' };
    const hash = studyHash(s, state);
    const back = parseHash(hash, STUDIES);
    expect(back.messages).toEqual([]);
    expect(back.route).toEqual({ page: 'study', ...state });
  });

  it('minimalOverrides keeps only what differs from the profile', () => {
    const quick = resolveParams(dln, 'quick');
    expect(minimalOverrides(dln, 'quick', quick)).toEqual({});
    expect(minimalOverrides(dln, 'quick', { ...quick, eta: 0.001, depths: [2] })).toEqual({ eta: 0.001, depths: [2] });
    expect(studyHash(dln, { seed: 0, profile: 'quick', overrides: {}, autorun: false })).toBe('#/study/dln-saxe-modes?seed=0&profile=quick');
  });
});

describe('studyFields: controls from the zod schema', () => {
  it('dln-saxe-modes: kinds and bounds as declared', () => {
    const f = Object.fromEntries(studyFields(dln).map((x) => [x.name, x]));
    expect(f.dim).toMatchObject({ kind: 'integer', min: 2, max: 64, default: 8 });
    expect(f.eta).toMatchObject({ kind: 'number', min: 0, exclusiveMin: true, max: 1 });
    expect(f.singularValues).toMatchObject({ kind: 'json', default: [5, 3, 2, 1, 0.5] });
    expect(f.singularValues.shape).toContain('1–16');
  });

  it.each(STUDIES.map((s) => [s.id, s] as const))('%s: one control per parameter; numeric bounds agree with the schema at and beyond each bound', (_id, s) => {
    const fields = studyFields(s);
    // every schema key (optional ones without a default included) gets a control
    const keys = new Set([...Object.keys(resolveParams(s, 'default')), ...Object.keys((s.schema as unknown as { shape: Record<string, unknown> }).shape)]);
    expect(fields.map((f) => f.name).sort()).toEqual([...keys].sort());
    for (const f of fields) expect({ name: f.name, optional: f.optional === true }).toEqual({ name: f.name, optional: f.default === undefined });
    for (const f of fields) {
      if (f.kind === 'enum') {
        for (const o of f.options ?? []) expect(accepts(s, f.name, o)).toBe(true);
        expect(accepts(s, f.name, '__not_an_option__')).toBe(false);
      }
      if (f.kind !== 'integer' && f.kind !== 'number') continue;
      // one integer step beyond a bound, or 1e-9 relative for real-valued bounds (far above float spacing)
      const eps = (b: number) => (f.kind === 'integer' ? 1 : Math.max(Math.abs(b) * 1e-9, 1e-300));
      if (f.min !== undefined) {
        expect(accepts(s, f.name, f.min)).toBe(!f.exclusiveMin);
        expect(accepts(s, f.name, f.min - eps(f.min))).toBe(false);
        if (f.exclusiveMin) expect(accepts(s, f.name, f.min + eps(f.min))).toBe(f.max === undefined || f.min + eps(f.min) <= f.max);
      }
      if (f.max !== undefined) {
        expect(accepts(s, f.name, f.max)).toBe(!f.exclusiveMax);
        expect(accepts(s, f.name, f.max + eps(f.max))).toBe(false);
      }
      if (f.kind === 'integer' && f.min !== undefined && f.max !== undefined && f.max > f.min) expect(accepts(s, f.name, f.min + 0.5)).toBe(false);
    }
  });

  it.each(STUDIES.map((s) => [s.id, s] as const))('%s: each default survives text and back exactly', (_id, s) => {
    for (const f of studyFields(s)) {
      const parsed = parseFieldText(f, fieldText(f, f.default));
      expect(parsed).toEqual({ ok: true, value: f.default });
    }
  });

  it('parseFieldText rejects what is not a plain finite number', () => {
    const eta = studyFields(dln).find((f) => f.name === 'eta');
    if (!eta) throw new Error('eta missing');
    expect(parseFieldText(eta, '1e-3')).toEqual({ ok: true, value: 0.001 });
    expect(parseFieldText(eta, ' .5 ')).toEqual({ ok: true, value: 0.5 });
    for (const bad of ['', 'abc', '0x10', 'Infinity', 'NaN', '1e999', '1,5']) expect(parseFieldText(eta, bad).ok).toBe(false);
  });
});

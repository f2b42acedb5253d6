/**
 * Stored results in the lab (lab/src/results.ts), in Node: real `lmech export` files written by the
 * store (DuckDB → Parquet with SNAPPY, and JSON lines) are read back with hyparquet and must give the
 * stored numbers exactly (Parquet stores doubles bit for bit), merged by run id; JSON results and
 * `lmech run --json` output load too; anything else is rejected with a message naming the file.
 * The HTML-report reader needs a DOM and is checked in the browser (lab.e2e.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFile, addJsonText, addParquet, ResultSet, tableKind } from '../../lab/src/results.ts';
import { resultJson } from '../../src/cli/commands/run.ts';
import { encodeJson, openStore } from '../../src/run/store.ts';
import { executeStudy } from '../../src/studies/execute.ts';
import type { Series, StudyResult } from '../../src/studies/types.ts';
import { FIXTURE_CODE_VERSION, falsifies, holds } from '../fixtures/studies.ts';

let dir = '';
let good: StudyResult;
let bad: StudyResult;

function bytes(path: string): ArrayBuffer {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

const key = (s: Series) => `${s.kind}|${s.name}|${s.group}`;
function sortedSeries(list: Series[]): Series[] {
  return [...list].sort((a, b) => key(a).localeCompare(key(b)));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lmech-lab-results-'));
  good = await executeStudy(holds, { profile: 'quick', params: { points: 40 }, seed: 3, codeVersion: FIXTURE_CODE_VERSION });
  bad = await executeStudy(falsifies, { profile: 'quick', params: { points: 30 }, seed: 4, codeVersion: FIXTURE_CODE_VERSION });
  // a NaN in a series must come back as NaN (stored as a double, not dropped)
  good.measurement.series[0].y[5] = Number.NaN;
  const store = await openStore(join(dir, 'store'));
  try {
    await store.save(good);
    await store.save(bad);
    for (const t of ['runs', 'series', 'metrics', 'regime'] as const) {
      await store.export('parquet', join(dir, `${t}.parquet`), t);
      await store.export('jsonl', join(dir, `${t}.jsonl`), t);
    }
  } finally {
    await store.close();
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Parquet and JSON-lines exports', () => {
  it('recognises each export table by its columns', () => {
    expect(tableKind(['run_id', 'study_id', 'seed', 'verdict'])).toBe('runs');
    expect(tableKind(['run_id', 'observable', 'grp', 'kind', 'step', 'value'])).toBe('series');
    expect(tableKind(['run_id', 'name', 'value', 'tolerance', 'pass', 'criterion', 'reason'])).toBe('metrics');
    expect(tableKind(['run_id', 'name', 'ok', 'detail'])).toBe('regime');
    expect(tableKind(['x', 'y'])).toBeUndefined();
  });

  for (const format of ['parquet', 'jsonl'] as const) {
    it(`${format}: the four tables merge into one run each, with the stored values exactly`, async () => {
      const set = new ResultSet();
      for (const t of ['runs', 'series', 'metrics', 'regime']) {
        const path = join(dir, `${t}.${format}`);
        const f = format === 'parquet' ? await addParquet(set, `${t}.parquet`, bytes(path)) : addJsonText(set, `${t}.jsonl`, readFileSync(path, 'utf8'));
        expect(f.kind).toBe(t);
      }
      const runs = set.list();
      expect(runs.map((r) => r.runId).sort()).toEqual([good.provenance.configHash, bad.provenance.configHash].sort());
      for (const want of [good, bad]) {
        const r = runs.find((x) => x.runId === want.provenance.configHash);
        if (!r) throw new Error('run missing');
        expect(r).toMatchObject({ studyId: want.id, seed: want.provenance.seed, codeVersion: want.provenance.codeVersion, profile: want.provenance.profile, verdict: want.verdict, params: want.provenance.params });
        expect(r.verdictDerived).toBeFalsy();
        expect(r.startedAt).toBe(want.provenance.startedAt);
        const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
        expect([...r.metrics].sort(byName)).toEqual(want.metrics.map((m) => ({ name: m.name, value: m.value, tolerance: m.tolerance, pass: m.pass, criterion: m.criterionText, reason: m.reason })).sort(byName));
        expect([...r.regime].sort(byName)).toEqual([...want.regime].sort(byName));
        const stored = sortedSeries([...want.prediction.series, ...want.measurement.series]);
        const got = sortedSeries(r.series);
        expect(got.map(key)).toEqual(stored.map(key));
        // points come back ordered by x (the export's order); the fixtures' x are increasing already
        got.forEach((s, i) => {
          expect(s.x).toEqual(stored[i].x);
          // DuckDB writes the NaN as a bare `NaN` token in JSON lines: read back as NaN too
          expect(s.y).toEqual(stored[i].y);
        });
      }
      const withNaN = runs.find((x) => x.runId === good.provenance.configHash)?.series.find((s) => s.kind === 'measured' && s.name === good.measurement.series[0].name);
      expect(Number.isNaN(withNaN?.y[5])).toBe(true);
    });
  }

  it('metric and regime rows without a runs table: the verdict is derived and marked so', async () => {
    const set = new ResultSet();
    await addParquet(set, 'metrics.parquet', bytes(join(dir, 'metrics.parquet')));
    await addParquet(set, 'regime.parquet', bytes(join(dir, 'regime.parquet')));
    const byId = new Map(set.list().map((r) => [r.runId, r]));
    expect(byId.get(good.provenance.configHash)).toMatchObject({ verdict: 'holds', verdictDerived: true });
    expect(byId.get(bad.provenance.configHash)).toMatchObject({ verdict: 'falsified', verdictDerived: true });
  });

  it('addFile tells Parquet from JSON by the PAR1 magic, whatever the name', async () => {
    const set = new ResultSet();
    expect((await addFile(set, 'no-extension', bytes(join(dir, 'runs.parquet')))).kind).toBe('runs');
    expect((await addFile(set, 'series.jsonl', bytes(join(dir, 'series.jsonl')))).kind).toBe('series');
    await expect(addFile(set, 'report.html', new TextEncoder().encode('<!doctype html><p>x</p>').buffer as ArrayBuffer)).rejects.toThrow(/report\.html: reading an HTML report needs a DOM parser/);
  });
});

describe('JSON results', () => {
  it('a StudyResult (with the store’s NaN encoding), a list of them, and lmech run --json output', () => {
    const set = new ResultSet();
    expect(addJsonText(set, 'one.json', encodeJson(good)).kind).toBe('results-json');
    const r = set.runs.get(good.provenance.configHash);
    expect(r?.result?.metrics).toEqual(good.metrics);
    expect(Number.isNaN(r?.result?.measurement.series[0].y[5])).toBe(true);
    const list = new ResultSet();
    expect(addJsonText(list, 'list.json', JSON.stringify({ results: [good, bad] })).rows).toBe(2);
    const cli = new ResultSet();
    expect(addJsonText(cli, 'run.json', JSON.stringify(resultJson([good, bad]))).kind).toBe('run-json');
    const b = cli.runs.get(bad.provenance.configHash);
    expect(b).toMatchObject({ studyId: bad.id, verdict: 'falsified', seed: 4 });
    expect(b?.metrics.map((m) => [m.name, m.value, m.pass])).toEqual(bad.metrics.map((m) => [m.name, m.value, m.pass]));
  });

  it('anything else is rejected with the file name and what was expected', async () => {
    const set = new ResultSet();
    expect(() => addJsonText(set, 'x.json', '{"hello": 1}')).toThrow(/x\.json: JSON that is not a study result/);
    expect(() => addJsonText(set, 'y.json', 'not json at all {')).toThrow(/y\.json: neither JSON nor JSON lines/);
    expect(() => addJsonText(set, 'z.jsonl', '{"a":1}\n{"a":2}')).toThrow(/z\.jsonl: JSON lines with keys a; expected/);
    await expect(addParquet(set, 'w.parquet', new Uint8Array([1, 2, 3, 4]).buffer)).rejects.toThrow(/w\.parquet: not a readable Parquet file/);
    expect(set.runs.size).toBe(0);
  });
});

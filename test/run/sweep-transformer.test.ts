/**
 * Sweeps on transformers and text: the spec's pairing rules (errors name the path), the text errors of the
 * corpus loader (empty, binary, too short: naming the file), and a 2-run transformer sweep on a small text
 * file that trains in seconds, lands in the store, and exports a summary that `lmech fit`'s table reader
 * reads back with the swept width and the final losses.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/run/store.ts';
import { runSweep } from '../../src/run/sweep/coordinator.ts';
import { expandSweep, parseSpecObject, SpecError } from '../../src/run/sweep/spec.ts';
import { SweepStore } from '../../src/run/sweep/sweepStore.ts';
import type { SweepRunResult } from '../../src/run/sweep/train.ts';
import { numericColumn, readTable } from '../../src/run/tableFile.ts';

const dir = mkdtempSync(join(tmpdir(), 'lmech-sweep-transformer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small English text (repeated sentences with varied words, so a tiny model learns something in a few steps). */
function textFile(name: string, chars: number): string {
  const words = ['the', 'whale', 'sea', 'ship', 'captain', 'white', 'harpoon', 'deck', 'wind', 'sailed', 'into', 'night'];
  let s = '';
  for (let i = 0; s.length < chars; i++) s += `${words[(i * 7) % words.length]} ${words[(i * 5 + 3) % words.length]} ${words[(i * 3 + 1) % words.length]}. `;
  const p = join(dir, name);
  writeFileSync(p, s.slice(0, chars));
  return p;
}

const corpus = textFile('tiny.txt', 6000);
const SPEC = {
  name: 'transformer-tiny',
  model: { kind: 'transformer', widths: [8, 16], depth: 1, heads: 2, context: 16 },
  data: { task: 'text', corpus, evalWindows: 8 },
  optimizer: { name: 'adam', lr: 0.01, batch: 4 },
  steps: 12,
  record: { every: 4, observables: ['train_loss', 'test_loss', 'grad_norm'] },
};

function issuesOf(spec: unknown): string[] {
  try {
    parseSpecObject(spec);
  } catch (e) {
    if (e instanceof SpecError) return e.issues;
    throw e;
  }
  return [];
}

describe('sweep spec: transformer and text', () => {
  it('accepts the transformer spec and fills heads, context and the text defaults', () => {
    const sweep = expandSweep(parseSpecObject(SPEC), 'test');
    expect(sweep.runs).toHaveLength(2);
    expect(sweep.runs.map((r) => r.labels)).toEqual([{ width: 8 }, { width: 16 }]);
    const c = sweep.runs[0].config;
    expect(c.model).toMatchObject({ kind: 'transformer', heads: 2, context: 16, depth: 1 });
    expect(c.loss).toBe('cross-entropy');
    expect(c.data).toEqual({ task: 'text', corpus, n: 0, evalWindows: 8, seed: 0 });
  });
  it('names the path of every bad combination', () => {
    expect(issuesOf({ ...SPEC, model: { kind: 'mlp', widths: 8 } })).toEqual([expect.stringMatching(/^model\.kind: data\.task text needs a sequence model, got model\.kind "mlp"/)]);
    expect(issuesOf({ ...SPEC, data: { task: 'teacher', d: 3, n: 32 } })[0]).toMatch(/^data\.task: model\.kind transformer trains on text, got data\.task "teacher"/);
    expect(issuesOf({ ...SPEC, model: { ...SPEC.model, widths: [8, 9] } })).toEqual(['model.widths[1]: width (d_model) 9 is not divisible by model.heads = 2']);
    expect(issuesOf({ ...SPEC, optimizer: { name: 'adam', lr: 0.01, batch: 'full' } })).toEqual(['optimizer.batch: a text task needs a number of windows per step, got "full"']);
    expect(issuesOf({ ...SPEC, record: { observables: ['sharpness'] } })[0]).toMatch(/^record\.observables\[0\]: sharpness is not measured on text/);
    expect(issuesOf({ ...SPEC, model: { kind: 'mlp', widths: 8, heads: 2 }, data: { task: 'teacher', d: 3, n: 32 } })).toEqual(['model.heads: only a transformer uses it, got model.kind "mlp"']);
    expect(issuesOf({ ...SPEC, data: { task: 'text', corpus: 7 } })[0]).toMatch(/^data\.corpus: expected a corpus name or file path, got 7/);
  });
});

describe('a transformer sweep on a text file', () => {
  it('trains 2 runs in the store; the exported summary reads back in lmech fit’s table reader', async () => {
    const sweep = expandSweep(parseSpecObject(SPEC), 'test-transformer');
    const store = await openStore(join(dir, 'store'));
    try {
      const results: SweepRunResult[] = [];
      const summary = await runSweep(sweep, { store, workers: 1, onEvent: (e) => e.type === 'result' && results.push(e.result) });
      expect(summary.counts).toEqual({ done: 2, diverged: 0, error: 0 });
      for (const r of results) {
        // steps 0, 4, 8, 12 for each of the 3 observables
        expect(r.series.map((s) => [s.observable, s.steps])).toEqual(['train_loss', 'test_loss', 'grad_norm'].map((o) => [o, [0, 4, 8, 12]]));
        const train = r.series[0].values;
        // the text has ~20 distinct characters, so an untrained model sits near ln V nats per character; 12
        // Adam steps at lr 0.01 must bring the training loss below where it started
        expect(train[0]).toBeGreaterThan(Math.log(10));
        expect(train[3]).toBeLessThan(train[0]);
        expect(r.final.final_train_loss).toBeCloseTo(train[3], 5);
        expect(r.series[2].values.every((g) => Number.isFinite(g) && g > 0)).toBe(true);
      }
      const out = join(dir, 'summary.jsonl');
      await new SweepStore(store).export('jsonl', out, { sweepId: sweep.sweepId });
      const table = readTable(out);
      expect(numericColumn(table, 'width').sort((a, b) => a - b)).toEqual([8, 16]);
      const losses = numericColumn(table, 'final_test_loss');
      expect(losses).toHaveLength(2);
      for (const l of losses) expect(Number.isFinite(l) && l > 0).toBe(true);
    } finally {
      await store.close();
    }
  }, 120_000);
  it('a too-short, empty or binary corpus fails the run with an error naming the file', async () => {
    const cases = [
      [textFile('short.txt', 40), /short\.txt/],
      [join(dir, 'empty.txt'), /empty\.txt/],
      [join(dir, 'binary.bin'), /binary\.bin/],
    ] as const;
    writeFileSync(join(dir, 'empty.txt'), '');
    writeFileSync(join(dir, 'binary.bin'), Buffer.from([0, 1, 2, 0, 255, 254, 0, 0]));
    const { runSweepTask } = await import('../../src/run/sweep/train.ts');
    for (const [file, pattern] of cases) {
      const run = expandSweep(parseSpecObject({ ...SPEC, model: { ...SPEC.model, widths: 8 }, data: { task: 'text', corpus: file } }), 'test').runs[0];
      const r = runSweepTask(run);
      expect(r.status).toBe('error');
      expect(r.message).toMatch(pattern);
    }
  });
});

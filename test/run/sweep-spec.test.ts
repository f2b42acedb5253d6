/**
 * Sweep specs: path-named validation errors, the cartesian expansion, content-addressed run ids, and the published
 * JSON Schema (it accepts what the zod schema accepts, and the committed file is current).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { schemaText } from '../../src/cli/commands/schema.ts';
import { PARAMETERIZATIONS } from '../../src/nn/parameterization.ts';
import { expandSweep, parseSpecObject, parseSpecText, SpecError, sweepJsonSchema, sweepRunId } from '../../src/run/sweep/spec.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../fixtures/sweepCli.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lmech-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = {
  model: { widths: [8, 16] },
  data: { task: 'teacher', d: 4, n: 64 },
  optimizer: { name: 'sgd', lr: [0.1, 0.2] },
  steps: 10,
};

function issuesOf(raw: unknown): string[] {
  try {
    parseSpecObject(raw);
  } catch (e) {
    if (e instanceof SpecError) return e.issues;
    throw e;
  }
  throw new Error('expected the spec to be rejected');
}

describe('spec validation names the path, the value and what was expected', () => {
  it('grid entries: optimizer.lr[2]', () => {
    expect(issuesOf({ ...BASE, optimizer: { name: 'sgd', lr: [0.1, 0.2, -0.1] } })).toEqual(['optimizer.lr[2]: expected a positive number, got -0.1']);
  });

  it('type mismatches on unions list every accepted form', () => {
    expect(issuesOf({ ...BASE, optimizer: { name: 'sgd', lr: 'fast' } })).toEqual(['optimizer.lr: expected a positive number or a list of such values, got "fast"']);
    expect(issuesOf({ ...BASE, optimizer: { name: 'sgd', lr: 0.1, batch: 'fulll' } })).toEqual([
      'optimizer.batch: expected a positive integer or "full" or a list of such values, got "fulll"',
    ]);
    expect(issuesOf({ ...BASE, optimizer: { name: 'sgd', lr: 0.1, batch: [16, 0] } })).toEqual(['optimizer.batch[1]: expected a positive integer, got 0']);
  });

  it('unknown fields, unknown tasks, missing fields', () => {
    const issues = issuesOf({ model: { widths: 8, widht: 3 }, data: { task: 'cifar', n: 10 }, optimizer: { name: 'sgd' }, steps: 10 });
    expect(issues).toContain('model.widht: unknown field; expected one of kind, widths, depth, activation, bias, initScale, baseWidth, outputMultiplier, heads, context');
    expect(issues).toContain('data.task: got "cifar"; expected one of teacher, mixture, parity, powerlaw, digits, text');
    expect(issues).toContain('optimizer.lr: missing; expected a positive number or a list of such values');
    // the known fields of a discriminated union depend on the task
    expect(issuesOf({ ...BASE, data: { task: 'mixture', d: 4, classes: 2, margin: 1, n: 64, alpha: 1 } })).toEqual([
      'data.alpha: unknown field; expected one of task, d, classes, margin, std, n, testN, seed',
    ]);
  });

  it('cross-field checks name both sides', () => {
    expect(issuesOf({ ...BASE, optimizer: { name: 'sgd', lr: 0.1, batch: [16, 128] } })).toEqual(['optimizer.batch[1]: batch 128 exceeds the largest training set data.n = 64']);
    expect(issuesOf({ ...BASE, model: { kind: 'two-layer', widths: 8, depth: [1, 2] } })).toEqual([
      'model.depth[1]: a two-layer model has exactly 1 hidden layer, got 2; use kind: mlp for deeper networks',
    ]);
    expect(issuesOf({ ...BASE, record: { observables: ['train_loss', 'test_accuracy'] } })).toEqual([
      'record.observables[1]: test_accuracy needs a classification task (mixture, parity, digits), got data.task "teacher"',
    ]);
    expect(issuesOf({ ...BASE, optimizer: { name: 'sgd', lr: [0.1, 0.1] } })).toEqual(['optimizer.lr[1]: 0.1 repeats optimizer.lr[0]; each grid value must be different']);
    expect(issuesOf({ ...BASE, data: { task: 'digits', n: 1700 } })).toEqual(['data.n: 1700 training plus data.testN = 256 test examples exceed the 1797 digits']);
  });

  it('parameterization names are checked against the table in src/nn/parameterization.ts', () => {
    expect(issuesOf({ ...BASE, parameterization: ['sp', 'bogus'] })).toEqual([`parameterization[1]: expected one of ${Object.keys(PARAMETERIZATIONS).join(', ')}, got "bogus"`]);
    for (const name of Object.keys(PARAMETERIZATIONS)) expect(expandSweep(parseSpecObject({ ...BASE, parameterization: name }), 'v').runs[0].config.parameterization).toBe(name);
  });

  it('YAML syntax errors give the line and column', () => {
    expect(() => parseSpecText('model: { widths: 8 }\ndata: [1, 2\n', 'bad.yaml')).toThrow(/^bad\.yaml: line \d+, column \d+: /);
  });
});

describe('expansion', () => {
  it('is the cartesian product of the grid axes, seeds fastest, with labels for the swept axes only', () => {
    const spec = parseSpecObject({ ...BASE, parameterization: ['sp', 'ntk'], seeds: { count: 3, start: 5 } });
    const sweep = expandSweep(spec, 'v1');
    expect(sweep.runs).toHaveLength(2 * 2 * 2 * 3);
    expect(sweep.runs[0].labels).toEqual({ parameterization: 'sp', width: 8, lr: 0.1, seed: 5 });
    expect(sweep.runs[1].labels).toEqual({ parameterization: 'sp', width: 8, lr: 0.1, seed: 6 });
    expect(sweep.runs[3].labels).toEqual({ parameterization: 'sp', width: 8, lr: 0.2, seed: 5 });
    expect(sweep.runs.at(-1)?.labels).toEqual({ parameterization: 'ntk', width: 16, lr: 0.2, seed: 7 });
    expect(new Set(sweep.runs.map((r) => r.runId)).size).toBe(sweep.runs.length);
    // defaults are resolved into the config
    const c = sweep.runs[0].config;
    expect(c.model).toEqual({ kind: 'mlp', width: 8, depth: 2, activation: 'relu', bias: true, initScale: 1, baseWidth: null, outputMultiplier: 1 });
    expect(c.loss).toBe('mse');
    expect(c.optimizer.batch).toBe('full');
    expect(c.record.every).toBe(1);
  });

  it('run ids depend on the resolved config, the seed and the code version only', () => {
    const a = expandSweep(parseSpecObject(BASE), 'v1');
    // spelling defaults out (and reordering keys) gives the same runs
    const spelled = expandSweep(
      parseSpecObject({
        steps: 10,
        optimizer: { lr: [0.1, 0.2], name: 'sgd', batch: 'full', weightDecay: 0 },
        data: { n: 64, d: 4, task: 'teacher', testN: 256, seed: 0, k: 1, link: 'linear', noise: 0 },
        model: { kind: 'mlp', widths: [8, 16], depth: 2, activation: 'relu', bias: true },
        parameterization: 'sp',
        seeds: [0],
      }),
      'v1',
    );
    expect(spelled.runs.map((r) => r.runId)).toEqual(a.runs.map((r) => r.runId));
    const b = expandSweep(parseSpecObject(BASE), 'v2');
    expect(b.runs.map((r) => r.runId).some((id) => a.runs.some((x) => x.runId === id))).toBe(false);
    expect(sweepRunId(a.runs[0].config, 1, 'v1')).not.toBe(a.runs[0].runId);
    expect(a.runs[0].runId).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('the published JSON Schema', () => {
  it('schema/sweep.schema.json is up to date (regenerate: node scripts/write-sweep-schema.mjs)', () => {
    const committed = readFileSync(new URL('../../schema/sweep.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(schemaText('sweep'));
  });

  it('describes the spec (draft 2020-12, required fields, no extra properties)', () => {
    const s = sweepJsonSchema() as { $schema: string; required: string[]; additionalProperties: boolean; properties: Record<string, unknown> };
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect([...s.required].sort()).toEqual(['data', 'model', 'optimizer', 'steps']);
    expect(s.additionalProperties).toBe(false);
    expect(Object.keys(s.properties)).toContain('record');
  });
});

describe('lmech sweep / lmech schema (CLI)', () => {
  it('a malformed spec exits 2 with path-named errors', () => {
    const spec = join(dir, 'bad.yaml');
    writeFileSync(spec, 'model: { widths: [8] }\ndata: { task: teacher, d: 4, n: 64 }\noptimizer: { name: sgd, lr: [0.1, 0.2, -0.1] }\nsteps: 10\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'sweep', spec, '--store', join(dir, 'store')], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error: ');
    expect(r.stderr).toContain('optimizer.lr[2]: expected a positive number, got -0.1');
    const schema = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'schema', 'sweep'], { cwd: ROOT, encoding: 'utf8' });
    expect(schema.status).toBe(0);
    expect(JSON.parse(schema.stdout)).toEqual(sweepJsonSchema());
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fitCommand } from '../../src/cli/commands/fit.ts';
import { Rng } from '../../src/core/random.ts';
import { InputError, numericColumn, parseTable } from '../../src/run/tableFile.ts';

const dir = mkdtempSync(join(tmpdir(), 'lmech-fit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Run `fit <args>` in-process; returns stdout, stderr and the exit code the CLI would use (0 on success). */
async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const cmd = fitCommand({ out: (s) => (out += s), err: (s) => (err += s) });
  try {
    await cmd.parseAsync(args, { from: 'user' });
    return { out, err, code: 0 };
  } catch (e) {
    const x = e as { name?: string; message?: string; exitCode?: number };
    if (typeof x.exitCode !== 'number') throw e;
    if (x.name !== 'CommanderError') err += `error: ${x.message}\n`; // what src/cli/main.ts prints
    return { out, err, code: x.exitCode };
  }
}

// Synthetic data with known parameters (the oracle): Hoffmann et al. 2022's fit on a 5×5 grid, 1% noise.
const truth = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
const rng = Rng.fromSeed(11, 'cli-fit');
const chinRows: { N: number; D: number; loss: number }[] = [];
for (let i = 0; i < 5; i++)
  for (let j = 0; j < 5; j++) {
    const N = 1e6 * 10 ** (0.75 * i);
    const D = 1e8 * 10 ** (0.75 * j);
    chinRows.push({ N, D, loss: (truth.E + truth.A / N ** truth.alpha + truth.B / D ** truth.beta) * Math.exp(0.01 * rng.normal()) });
  }
const chinJsonl = file('chin.jsonl', `${chinRows.map((r, k) => JSON.stringify({ run: `r${k}`, ...r })).join('\n')}\n`);
const chinCsv = file('chin.csv', `name,N,D,loss\r\n${chinRows.map((r, k) => `"run ${k}, ""grid""",${r.N},${r.D},${r.loss}`).join('\r\n')}\r\n`);
const plCsv = file(
  'pl.csv',
  `"params",loss,note\n${Array.from({ length: 20 }, (_, i) => {
    const x = 1e3 * 10 ** ((3 * i) / 19);
    return `${x},${(5 * x ** -0.35 + 0.1) * Math.exp(0.02 * rng.normal())},"a, b"`;
  }).join('\n')}\n`,
);

describe('lmech fit (in-process)', () => {
  it('power-law --json prints exactly one JSON object with parameters, R², decades and intervals', async () => {
    const r = await run(['power-law', plCsv, '--x', 'params', '--y', 'loss', '--offset', '--bootstrap', '100', '--seed', '3', '--json']);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(r.out);
    for (const k of ['a', 'b', 'c', 'r2Log', 'r2Linear', 'decades']) expect(typeof j[k]).toBe('number');
    expect(j.decades).toBeCloseTo(3, 10); // 1e3..1e6 exactly, up to float error in log10
    expect(j.b).toBeGreaterThan(0.3); // truth 0.35 with 2% noise over 3 decades: ±0.05 is > 5 standard errors
    expect(j.b).toBeLessThan(0.4);
    for (const k of ['a', 'b', 'c']) expect(j.ci[k]).toHaveLength(2);
    expect(j.bootstrap).toEqual({ n: 100, failures: 0, seed: 3 });
    expect(Array.isArray(j.warnings)).toBe(true);
  });

  it('power-law human output is an aligned table of parameters with intervals', async () => {
    const r = await run(['power-law', plCsv, '--x', 'params', '--y', 'loss', '--bootstrap', '50']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^a\s+\S+\s+\[/m);
    expect(r.out).toMatch(/^b\s+\S+\s+\[/m);
    expect(r.out).toContain('95% CI (bootstrap: 50 resamples, 0 failed)');
    expect(r.out).toContain('R² (log space)');
  });

  it('chinchilla --json (JSONL input) has the documented shape', async () => {
    const r = await run(['chinchilla', chinJsonl, '--grid', 'small', '--bootstrap', '30', '--flops', '1e21', '--json']);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(r.out);
    for (const k of ['E', 'A', 'B', 'alpha', 'beta']) {
      expect(typeof j[k]).toBe('number');
      expect(j.ci[k]).toHaveLength(2);
    }
    for (const k of ['a', 'b', 'G']) expect(typeof j.computeOptimal[k]).toBe('number');
    expect(j.computeOptimal.a).toBeCloseTo(j.beta / (j.alpha + j.beta), 12); // float error
    expect(j.bootstrap).toEqual({ n: 30, failures: 0, seed: 0 });
    expect(Array.isArray(j.warnings)).toBe(true);
    expect(j.allocations[0].flops).toBe(1e21);
    // 1% noise on 25 points over 3 decades: alpha within ±0.05 of 0.34 (several bootstrap standard errors).
    expect(Math.abs(j.alpha - truth.alpha)).toBeLessThan(0.05);
  });

  it('chinchilla reads quoted CSV fields (commas, doubled quotes, CRLF) and prints a table', async () => {
    const r = await run(['chinchilla', chinCsv, '--grid', 'small', '--bootstrap', '10']);
    expect(r.code).toBe(0);
    for (const name of ['E', 'A', 'B', 'alpha', 'beta']) expect(r.out).toMatch(new RegExp(`^${name}\\s+\\S+\\s+\\[`, 'm'));
    expect(r.out).toContain('compute-optimal for C = 6ND');
  });

  it('warns on stderr (and in JSON) when N and D span less than one decade', async () => {
    const narrow = chinRows.filter((r) => r.N <= 1e6 * 10 ** 0.75 && r.D <= 1e8 * 10 ** 0.75);
    const p = file('narrow.jsonl', narrow.concat(narrow.map((r) => ({ ...r, loss: r.loss * 1.001 }))).map((r) => JSON.stringify(r)).join('\n'));
    const r = await run(['chinchilla', p, '--grid', 'small', '--bootstrap', '20', '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^warning: N spans only 0\.75 decades/m);
    expect(JSON.parse(r.out).warnings.some((w: string) => w.startsWith('D spans only'))).toBe(true);
  });

  describe('malformed input exits 2 with a message naming the row and column', () => {
    const cases: { name: string; args: () => string[]; message: RegExp }[] = [
      {
        name: 'missing column lists the available ones',
        args: () => ['chinchilla', file('nocol.csv', 'N,D,L\n1e6,1e8,3\n'), '--grid', 'small'],
        message: /no column 'loss' \(chosen by --loss-col\); available columns: N, D, L/,
      },
      {
        name: 'non-numeric value names row, line, column and text',
        args: () => ['power-law', file('nan.csv', 'x,y\n10,1\n20,abc\n30,0.5\n'), '--x', 'x', '--y', 'y'],
        message: /nan\.csv: row 2 \(line 3\), column 'y': 'abc' is not a number/,
      },
      {
        name: 'non-positive N (logs are taken)',
        args: () => ['chinchilla', file('neg.jsonl', '{"N":1e6,"D":1e8,"loss":3}\n\n{"N":2e6,"D":1e8,"loss":3}\n{"N":0,"D":1e8,"loss":3}\n'), '--grid', 'small'],
        message: /neg\.jsonl: row 3 \(line 4\), column 'N': 0 is not positive; expected a number > 0/,
      },
      {
        name: 'non-positive x',
        args: () => ['power-law', file('negx.csv', 'x,y\n10,1\n-5,2\n'), '--x', 'x', '--y', 'y'],
        message: /row 2 \(line 3\), column 'x': -5 is not positive/,
      },
      {
        name: 'fewer rows than parameters',
        args: () => ['chinchilla', file('few.jsonl', chinRows.slice(0, 3).map((r) => JSON.stringify(r)).join('\n')), '--grid', 'small'],
        message: /few\.jsonl: chinchilla: 3 row\(s\) for 5 parameters/,
      },
      { name: 'empty file', args: () => ['power-law', file('empty.csv', ''), '--x', 'x', '--y', 'y'], message: /empty\.csv: the file is empty/ },
      { name: 'header only', args: () => ['power-law', file('header.csv', 'x,y\n'), '--x', 'x', '--y', 'y'], message: /only a header row \(x, y\)/ },
      {
        name: 'ragged CSV row',
        args: () => ['power-law', file('ragged.csv', 'x,y,z\n1,2,3\n4,5\n'), '--x', 'x', '--y', 'y'],
        message: /row 2 \(line 3\) has 2 field\(s\); expected 3/,
      },
      {
        name: 'unterminated quote',
        args: () => ['power-law', file('quote.csv', 'x,y\n1,2\n"3,4\n'), '--x', 'x', '--y', 'y'],
        message: /line 3, field 1: quoted field is never closed/,
      },
      {
        name: 'invalid JSONL line',
        args: () => ['chinchilla', file('bad.jsonl', '{"N":1,"D":1,"loss":1}\n{"N":2,\n'), '--grid', 'small'],
        message: /row 2 \(line 2\) is not valid JSON/,
      },
      {
        name: 'missing value in a JSONL row',
        args: () => ['chinchilla', file('miss.jsonl', '{"N":1,"D":1,"loss":1}\n{"N":2,"D":1}\n'), '--grid', 'small'],
        message: /row 2 \(line 2\), column 'loss': the value is missing/,
      },
      {
        name: 'unknown extension without --format',
        args: () => ['power-law', file('data.txt', 'x,y\n1,2\n'), '--x', 'x', '--y', 'y'],
        message: /cannot tell the format from the extension '\.txt'/,
      },
      {
        name: 'bad --bootstrap value',
        args: () => ['power-law', plCsv, '--x', 'params', '--y', 'loss', '--bootstrap', 'many'],
        message: /--bootstrap: 'many' is not valid; expected an integer/,
      },
      { name: 'unknown flag', args: () => ['power-law', plCsv, '--x', 'params', '--y', 'loss', '--bogus'], message: /unknown option '--bogus'/ },
      { name: 'missing required --x', args: () => ['power-law', plCsv, '--y', 'loss'], message: /required option '--x <col>' not specified/ },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const r = await run(c.args());
        expect(r.code).toBe(2);
        expect(r.err).toMatch(c.message);
        expect(r.out).toBe('');
      });
    }
  });

  it('--format overrides the extension', async () => {
    const p = file('pl.data', 'x\ty\n10\t1\n100\t0.5\n1000\t0.25\n');
    const r = await run(['power-law', p, '--format', 'tsv', '--x', 'x', '--y', 'y', '--bootstrap', '0', '--json']);
    expect(r.code).toBe(0);
    // y halves per decade: b = log10(2) exactly (up to float error); no bootstrap → null intervals.
    const j = JSON.parse(r.out);
    expect(j.b).toBeCloseTo(Math.log10(2), 12);
    expect(j.ci.b).toBeNull();
  });
});

describe('tableFile', () => {
  it('parses RFC 4180 CSV: quotes, doubled quotes, embedded newlines (line numbers kept), BOM, blank lines', () => {
    const t = parseTable('\ufeffa,"b c"\n"1,5","x ""y""\nz"\n\n2,w\n', 'csv', 't.csv');
    expect(t.columns).toEqual(['a', 'b c']);
    expect(t.rows).toEqual([
      { a: '1,5', 'b c': 'x "y"\nz' },
      { a: '2', 'b c': 'w' },
    ]);
    expect(t.lines).toEqual([2, 5]);
    expect(() => numericColumn(t, 'a')).toThrowError(/t\.csv: row 1 \(line 2\), column 'a': '1,5' is not a number/);
  });

  it('JSONL columns are the union of keys; numeric strings are accepted; errors are InputError with exit code 2', () => {
    const t = parseTable('{"a":1}\n{"a":"2.5e1","b":true}\n', 'jsonl', 't.jsonl');
    expect(t.columns).toEqual(['a', 'b']);
    expect(numericColumn(t, 'a')).toEqual([1, 25]);
    try {
      numericColumn(t, 'b');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).exitCode).toBe(2);
      expect((e as Error).message).toMatch(/row 1 \(line 1\), column 'b': the value is missing/);
    }
    expect(() => parseTable('[1,2]\n', 'jsonl', 'arr.jsonl')).toThrowError(/row 1 \(line 1\) is an array; expected a JSON object/);
  });
});

describe('lmech fit (spawned process)', () => {
  it('exits 2 with "error: …" on bad input and 0 with one JSON object on good input', () => {
    // A tiny entry that does what src/cli/main.ts does with errors carrying an exitCode.
    const entry = file(
      'entry.mts',
      `import { fitCommand } from ${JSON.stringify(resolve('src/cli/commands/fit.ts'))};
try { await fitCommand().parseAsync(process.argv.slice(2), { from: 'user' }); }
catch (e) { if (typeof e?.exitCode !== 'number') throw e; if (e.name !== 'CommanderError') console.error('error: ' + e.message); process.exit(e.exitCode); }
`,
    );
    const badFile = file('spawn-nan.csv', 'x,y\n10,1\n20,abc\n');
    const bad = spawnSync(process.execPath, ['--import', 'tsx', entry, 'power-law', badFile, '--x', 'x', '--y', 'y'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: .*spawn-nan\.csv: row 2 \(line 3\), column 'y': 'abc' is not a number/m);
    const good = spawnSync(process.execPath, ['--import', 'tsx', entry, 'power-law', plCsv, '--x', 'params', '--y', 'loss', '--bootstrap', '20', '--json'], {
      encoding: 'utf8',
    });
    expect(good.status).toBe(0);
    expect(typeof JSON.parse(good.stdout).b).toBe('number');
  });
});

/**
 * `lmech coord-check` in-process: output shapes (table, JSON, PNG) and bad input, which must give
 * `error: <field>: <value>, expected …` with exit code 2 (src/cli/main.ts prints CliError messages so).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerCoordCheck } from '../../src/cli/commands/coordCheck.ts';
import { CliError } from '../../src/cli/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'lmech-coord-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `coord-check <args>`; returns stdout, stderr and the exit code main.ts would use. */
async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const program = new Command().exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: (s) => (out += s) });
  registerCoordCheck(program, { out: (s) => (out += s), err: (s) => (err += s) });
  for (const c of program.commands) c.exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: (s) => (out += s) });
  try {
    await program.parseAsync(['coord-check', ...args], { from: 'user' });
    return { out, err, code: 0 };
  } catch (e) {
    if (e instanceof CliError) return { out, err: `${err}error: ${e.message}\n`, code: e.exitCode };
    if (e instanceof CommanderError) return { out, err, code: e.exitCode === 0 ? 0 : 2 };
    throw e;
  }
}

const SMALL = ['--widths', '16,32,64', '--steps', '2', '--batch', '8'];

describe('lmech coord-check', () => {
  it('prints the two tables with slopes', async () => {
    const r = await run(['mlp:2', '--param', 'sp', ...SMALL]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('coordinate check: mlp 2×relu, 16 → 1; --param sp; adam lr=0.0001; 2 steps');
    expect(r.out).toMatch(/RMS of the change h_2 − h_0/);
    expect(r.out).toMatch(/^layer\s+n=16\s+n=32\s+n=64\s+slope$/m);
    expect(r.out).toMatch(/^out\s+\S+\s+\S+\s+\S+\s+[+-]\d\.\d{3}$/m);
  });

  it('--json prints one object; μP slopes are near 0 and SP output slopes clearly positive', async () => {
    const parse = async (param: string) => {
      const r = await run(['mlp:3', '--param', param, '--widths', '32,64,128,256', '--steps', '3', '--json']);
      expect(r.code).toBe(0);
      expect(r.out.trim().split('\n')).toHaveLength(1);
      return JSON.parse(r.out) as { layers: { name: string; deltaSlope: number; deltaRms: number[][] }[]; widths: number[]; baseWidth: number };
    };
    const mup = await parse('mup');
    const sp = await parse('sp');
    expect(mup.widths).toEqual([32, 64, 128, 256]);
    expect(mup.baseWidth).toBe(32);
    expect(mup.layers.map((l) => l.name)).toEqual(['h1', 'h2', 'h3', 'out']);
    expect(mup.layers[0].deltaRms[0]).toHaveLength(4); // t = 0..3
    // theory 0 (μP) and +1 (SP, fan-in-n layers); one init over an 8× range: ±0.2 for init noise and finite width
    for (const l of mup.layers) expect(Math.abs(l.deltaSlope)).toBeLessThan(0.2);
    expect(sp.layers[3].deltaSlope).toBeGreaterThan(0.5);
  });

  it('--out writes a PNG', async () => {
    const file = join(dir, 'coord.png');
    const r = await run(['resmlp:2', '--param', 'depth-mup', ...SMALL, '--out', file]);
    expect(r.code).toBe(0);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file).subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it.each([
    [['--param', 'foo'], "error: --param: 'foo', expected one of sp, ntk, mean-field, mup, depth-mup"],
    [['--widths', '64'], "error: --widths: '64', expected a comma-separated list of at least 2 distinct integers in [2, 16384], e.g. 64,128,256"],
    [['--widths', '64,abc'], "error: --widths: '64,abc', expected a comma-separated list"],
    [['--widths', '64,64'], "error: --widths: '64,64', expected a comma-separated list"],
    [['--steps', '0'], "error: --steps: '0', expected an integer in [1, 10000]"],
    [['--steps', '2.5'], "error: --steps: '2.5', expected an integer in [1, 10000]"],
    [['--lr', '-1'], "error: --lr: '-1', expected a positive number ≤ 100, e.g. 1e-3"],
    [['--lr', 'fast'], "error: --lr: 'fast', expected a positive number ≤ 100"],
    [['--optimizer', 'rmsprop'], "error: --optimizer: 'rmsprop', expected one of sgd, adam"],
    [['--seeds', '0'], "error: --seeds: '0', expected an integer in [1, 100]"],
    [['--out', 'plot.jpg'], "error: --out: 'plot.jpg', expected a file name ending in .png"],
    [['cnn:3'], 'error: model kind: "cnn", expected one of mlp, resmlp'],
    [['mlp:0'], 'error: depth: 0, expected an integer in [1, 256]'],
    [['mlp:3:swish'], 'error: activation: "swish", expected one of relu, tanh, gelu, erf, sigmoid, softplus, identity, linear'],
    [['--activation', 'swish'], 'error: activation: "swish", expected one of'],
    [['--depth', 'x'], "error: --depth: 'x', expected an integer in [1, 256]"],
    [['--input', '0'], "error: --input: '0', expected an integer in [1, 100000]"],
    [['{"kind":"mlp","width":64}'], 'error: model.width: 64, expected one of the fields kind, depth, activation, inputDim, outputDim, bias'],
    [['{"kind":'], 'error: model: "{\\"kind\\":", expected valid JSON'],
  ])('bad input %j → exit 2 with a message naming field, value and expectation', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.out).toBe('');
  });

  it('unknown flags are usage errors (exit 2)', async () => {
    const r = await run(['--width', '64,128']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option '--width'/);
  });
});

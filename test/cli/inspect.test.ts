import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerInspect } from '../../src/cli/commands/inspect.ts';
import { Rng } from '../../src/core/random.ts';
import { encodeSafetensors, parseSafetensors } from '../../src/data/safetensors.ts';
import { analyzeWeightSpectrum } from '../../src/observe/spectra.ts';

const dir = mkdtempSync(join(tmpdir(), 'lmech-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `inspect <args>` in-process; returns stdout, stderr and the exit code the CLI would use (0 on success). */
async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const program = new Command();
  program.exitOverride();
  program.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  registerInspect(program, { out: (s) => (out += s), err: (s) => (err += s) });
  for (const c of program.commands) {
    c.exitOverride();
    c.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  }
  try {
    await program.parseAsync(['inspect', ...args], { from: 'user' });
    return { out, err, code: 0 };
  } catch (e) {
    const x = e as { name?: string; message?: string; exitCode?: number; code?: string };
    if (typeof x.exitCode !== 'number') throw e;
    if (x.name !== 'CommanderError') err += `error: ${x.message}\n`; // what src/cli/main.ts prints for a CliError
    // src/cli/main.ts maps commander usage errors to exit code 2
    return { out, err, code: x.name === 'CommanderError' ? 2 : x.exitCode };
  }
}

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** A safetensors file with a hand-written header (for corrupt-file tests). */
function rawSafetensors(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

// A "model": a Gaussian layer with known variance s² (its ESD is Marchenko–Pastur with σ² = s²), a heavy-tailed layer
// (Student-t entries with 3 degrees of freedom, as in the heavy-tailed self-regularization phase of Martin & Mahoney),
// a bias and a 4-D convolution kernel stored as F16.
const rng = Rng.fromSeed(5, 'inspect-test');
const s = 0.1;
const gaussian = rng.child('g').fillNormal(new Float64Array(400 * 100), s);
const heavy = new Float64Array(300 * 150);
{
  const r = rng.child('t');
  for (let i = 0; i < heavy.length; i++) {
    const chi2 = r.normal() ** 2 + r.normal() ** 2 + r.normal() ** 2;
    heavy[i] = r.normal() / Math.sqrt(chi2 / 3);
  }
}
const good = file(
  'good.safetensors',
  encodeSafetensors(
    {
      'fc1.weight': { dtype: 'F32', shape: [400, 100], data: gaussian },
      'fc1.bias': { dtype: 'F32', shape: [100], data: new Float64Array(100) },
      'fc2.weight': { dtype: 'F64', shape: [150, 300], data: heavy },
      'conv.weight': { dtype: 'F16', shape: [16, 4, 3, 3], data: rng.child('c').fillNormal(new Float64Array(16 * 36), 0.2) },
    },
    { format: 'pt' },
  ),
);

describe('lmech inspect on a good file', () => {
  it('prints a table with one row per weight matrix and lists the skipped bias', async () => {
    const r = await run([good]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/3 weight matrices analysed, 1 tensor skipped/);
    for (const name of ['fc1.weight', 'fc2.weight', 'conv.weight']) expect(r.out).toContain(name);
    expect(r.out).toMatch(/skipped fc1\.bias \[100\] F32: 1-D tensor/);
    expect(r.out).toMatch(/alpha.*xmin.*n_tail.*KS D.*MP σ².*λ\+.*spikes.*stable r.*eff r/);
  });

  it('--json gives exactly the numbers of analyzeWeightSpectrum on the decoded weights', async () => {
    const r = await run([good, '--json']);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(r.out);
    expect(j.layers.map((l: { name: string }) => l.name)).toEqual(['fc1.weight', 'fc2.weight', 'conv.weight']);
    expect(j.skipped).toEqual([{ name: 'fc1.bias', dtype: 'F32', shape: [100], reason: '1-D tensor (bias or norm): no spectrum' }]);
    expect(j.metadata).toEqual({ format: 'pt' });
    // oracle: the library analysis of the same (F32-rounded) matrix
    const parsed = parseSafetensors(readFileSync(good));
    const t = parsed.tensors.get('fc2.weight');
    if (!t) throw new Error('fc2.weight missing');
    const a = analyzeWeightSpectrum({ rows: 150, cols: 300, data: t.data });
    const l = j.layers[1];
    expect(l.shape).toEqual([150, 300]);
    expect([l.n, l.m, l.q]).toEqual([300, 150, 2]);
    expect(l.powerLaw.alpha).toBe(a.powerLaw?.alpha);
    expect(l.powerLaw.nTail).toBe(a.powerLaw?.nTail);
    expect(l.powerLaw.ksDistance).toBe(a.powerLaw?.ksDistance);
    expect(l.powerLaw.stdErr).toBe(a.powerLaw?.stdErr);
    expect(l.powerLaw.ci).toBeNull();
    expect(l.marchenkoPastur.sigma2).toBe(a.marchenkoPastur.sigma2);
    expect(l.marchenkoPastur.numSpikes).toBe(a.marchenkoPastur.numSpikes);
    expect(l.stableRank).toBe(a.ranks.stableRank);
    expect(l.effectiveRank).toBe(a.ranks.effectiveRank);
    expect(l.topSingularValues[0]).toBe(a.spectrum.singularValues[0]);
    // the 4-D kernel is analysed as [out, in·kh·kw]
    expect(j.layers[2].matrix).toEqual([16, 36]);
  });

  it('recovers the known MP scale of a Gaussian layer and finds a heavier tail in the Student-t layer', async () => {
    const j = JSON.parse((await run([good, '--json'])).out);
    const [g, h] = j.layers;
    // 400×100 i.i.d. N(0, s²): σ² = s² up to finite-size error O(1/√(NM)) ≈ 0.5% (F32 rounding is far smaller)
    expect(Math.abs(g.marchenkoPastur.sigma2 / (s * s) - 1)).toBeLessThan(0.03);
    expect(g.marchenkoPastur.numSpikes).toBe(0);
    // t₃ entries have an infinite fourth moment: a power-law ESD tail with small α and spikes beyond the MP edge
    expect(h.powerLaw.alpha).toBeLessThan(g.powerLaw.alpha);
    expect(h.marchenkoPastur.numSpikes).toBeGreaterThan(0);
  });

  it('--bootstrap gives a percentile interval around α, reproducible with the same --seed', async () => {
    const a = JSON.parse((await run([good, '--json', '--bootstrap', '40', '--seed', '3'])).out);
    const b = JSON.parse((await run([good, '--json', '--bootstrap', '40', '--seed', '3'])).out);
    const pl = a.layers[1].powerLaw;
    expect(pl.ci).toHaveLength(2);
    expect(pl.ci[0]).toBeLessThan(pl.ci[1]);
    expect(pl.bootstrapResamples).toBeGreaterThan(30);
    expect(b.layers[1].powerLaw.ci).toEqual(pl.ci);
    const table = await run([good, '--bootstrap', '20']);
    expect(table.out).toMatch(/95% CI/);
  });

  it('--out writes a PNG of the ESD plots', async () => {
    const png = join(dir, 'esd.png');
    const r = await run([good, '--out', png]);
    expect(r.code).toBe(0);
    expect(existsSync(png)).toBe(true);
    expect(Array.from(readFileSync(png).subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  });

  it('--max-dim skips large matrices with the reason', async () => {
    const j = JSON.parse((await run([good, '--json', '--max-dim', '120'])).out);
    expect(j.layers.map((l: { name: string }) => l.name)).toEqual(['fc1.weight', 'conv.weight']);
    expect(j.skipped[1].reason).toMatch(/smaller dimension 150 exceeds --max-dim 120/);
  });
});

describe('lmech inspect on bad input: exit code 2 and a message naming the tensor or field', () => {
  const bytes = readFileSync(good);

  it('a truncated file', async () => {
    const r = await run([file('trunc.safetensors', bytes.subarray(0, bytes.length - 100))]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    // the last tensor's byte range now runs past the end of the data section
    expect(r.err).toMatch(/error: .*trunc\.safetensors: not a valid safetensors file: tensor 'conv\.weight': data_offsets \[\d+, \d+\] out of range/);
  });

  it('a file cut inside the 8-byte header length', async () => {
    const r = await run([file('tiny.safetensors', bytes.subarray(0, 5))]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/file is truncated: 5 bytes/);
  });

  it('a header length beyond the file', async () => {
    const b = Uint8Array.from(bytes);
    new DataView(b.buffer).setBigUint64(0, 10n ** 9n, true);
    const r = await run([file('hdrlen.safetensors', b)]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/header length 1000000000 is beyond the file/);
  });

  it('a header that is not JSON', async () => {
    const b = Uint8Array.from(bytes);
    b[8] = 0x5b; // '{' → '['… no longer a valid object
    b[9] = 0x7d;
    const r = await run([file('badjson.safetensors', b)]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/header is not valid JSON|header must be a JSON object/);
  });

  it('a dtype whose size does not match the byte span', async () => {
    const data = new Uint8Array(4 * 6);
    const b = rawSafetensors({ 'w.weight': { dtype: 'F64', shape: [2, 3], data_offsets: [0, 24] } }, data);
    const r = await run([file('dtype.safetensors', b)]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/tensor 'w\.weight': shape \[2, 3\] × F64 \(8 bytes\) = 48 bytes, but data_offsets \[0, 24\] span 24 bytes/);
  });

  it('an unknown dtype', async () => {
    const b = rawSafetensors({ 'w.weight': { dtype: 'F128', shape: [1, 1], data_offsets: [0, 16] } }, new Uint8Array(16));
    const r = await run([file('unk.safetensors', b)]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/tensor 'w\.weight': dtype "F128" is unknown/);
  });

  it('non-finite weights', async () => {
    const w = new Float64Array(12).fill(0.5);
    w[7] = Number.NaN;
    const r = await run([file('nan.safetensors', encodeSafetensors({ 'bad.weight': { dtype: 'F32', shape: [3, 4], data: w } }))]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/tensor 'bad\.weight': element \[1, 3\] is NaN; expected finite weights/);
  });

  it('a missing file and a bad flag value', async () => {
    const missing = await run([join(dir, 'nope.safetensors')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nope\.safetensors: cannot read the file/);
    const flag = await run([good, '--bootstrap', 'many']);
    expect(flag.code).toBe(2);
    expect(flag.err).toMatch(/--bootstrap: 'many' is not valid; expected an integer in \[0, 100000\]/);
  });

  it('a file with only 1-D tensors: a warning and an empty table, not an error', async () => {
    const r = await run([file('bias.safetensors', encodeSafetensors({ b: { shape: [4], data: [1, 2, 3, 4] } }))]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/warning: .*no weight matrix to analyse/);
    expect(r.out).toMatch(/0 weight matrices analysed, 1 tensor skipped/);
  });
});

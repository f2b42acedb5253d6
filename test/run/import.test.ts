/**
 * `lmech import`: TensorBoard event files written byte by byte here (TFRecord framing with masked CRC-32C, Event and
 * Summary protobufs encoded by hand), CSV and JSONL with mappings; malformed or truncated input gets an error naming
 * the record, and nothing is half-imported.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32c, maskedCrc32c } from '../../src/run/import/crc32c.ts';
import { importLogs, parseImport } from '../../src/run/import/importLogs.ts';
import { readTfEvents } from '../../src/run/import/tfevents.ts';
import { type Store, openStore } from '../../src/run/store.ts';
import { InputError } from '../../src/theory/fit/errors.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../fixtures/sweepCli.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lmech-import-'));
let store: Store;
beforeAll(async () => {
  store = await openStore(join(dir, 'store'));
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

// ---- a hand-written TensorBoard event-file writer (independent of src/run/import) ----

/** Bitwise CRC-32C (reflected Castagnoli polynomial 0x82F63B78), no table: an oracle for the table-driven one. */
function crc32cBitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
const mask = (crc: number) => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;

function varint(v: number | bigint): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x > 0n) b |= 0x80;
    out.push(b);
  } while (x > 0n);
  return out;
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const lenField = (field: number, bytes: number[]) => [...key(field, 2), ...varint(bytes.length), ...bytes];
const str = (field: number, s: string) => lenField(field, [...new TextEncoder().encode(s)]);
function f64(v: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return [...b];
}
function f32(v: number): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return [...b];
}
const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_STRING = 7;

type ValueSpec =
  | { tag: string; simple: number }
  | { tag: string; floatVal: number; packed: boolean }
  | { tag: string; doubleVal: number; packed: boolean }
  | { tag: string; floatContent: number }
  | { tag: string; histogram: true }
  | { tag: string; stringTensor: string };

function summaryValue(v: ValueSpec): number[] {
  const body = [...str(1, v.tag)];
  if ('simple' in v) body.push(...key(2, 5), ...f32(v.simple));
  else if ('floatVal' in v) {
    const tensor = [...key(1, 0), ...varint(DT_FLOAT), ...lenField(2, []), ...(v.packed ? lenField(5, f32(v.floatVal)) : [...key(5, 5), ...f32(v.floatVal)])];
    body.push(...lenField(8, tensor));
  } else if ('doubleVal' in v) {
    const tensor = [...key(1, 0), ...varint(DT_DOUBLE), ...(v.packed ? lenField(6, f64(v.doubleVal)) : [...key(6, 1), ...f64(v.doubleVal)])];
    body.push(...lenField(8, tensor));
  } else if ('floatContent' in v) {
    // shape [1, 1]: still one element
    const dim = lenField(2, [...key(1, 0), ...varint(1)]);
    const tensor = [...key(1, 0), ...varint(DT_FLOAT), ...lenField(2, [...dim, ...dim]), ...lenField(4, f32(v.floatContent))];
    body.push(...lenField(8, tensor));
  } else if ('histogram' in v) body.push(...lenField(5, [...key(1, 1), ...f64(0), ...key(2, 1), ...f64(1)]));
  else body.push(...lenField(8, [...key(1, 0), ...varint(DT_STRING), ...lenField(8, [...new TextEncoder().encode(v.stringTensor)])]));
  return lenField(1, body);
}

function event(opts: { wallTime: number; step?: number; fileVersion?: string; values?: ValueSpec[] }): number[] {
  const out = [...key(1, 1), ...f64(opts.wallTime)];
  if (opts.step !== undefined) out.push(...key(2, 0), ...varint(opts.step));
  if (opts.fileVersion) out.push(...str(3, opts.fileVersion));
  if (opts.values) out.push(...lenField(5, opts.values.flatMap(summaryValue)));
  return out;
}

function tfrecord(data: number[]): number[] {
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(data.length), true);
  const u32 = (v: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    return [...b];
  };
  return [...len, ...u32(mask(crc32cBitwise(len))), ...data, ...u32(mask(crc32cBitwise(new Uint8Array(data))))];
}

function eventFile(events: number[][]): Uint8Array {
  return new Uint8Array(events.flatMap(tfrecord));
}

const EVENTS = [
  event({ wallTime: 1700000000, fileVersion: 'brain.Event:2' }),
  event({ wallTime: 1700000001, step: 0, values: [{ tag: 'loss', simple: 2.5 }, { tag: 'acc', floatVal: 0.125, packed: true }] }),
  event({ wallTime: 1700000002, step: 10, values: [{ tag: 'loss', simple: 1.25 }, { tag: 'lr', doubleVal: 0.1, packed: false }, { tag: 'weights', histogram: true }] }),
  event({ wallTime: 1700000003, step: 20, values: [{ tag: 'loss', simple: Number.NaN }, { tag: 'acc', floatVal: 0.75, packed: false }, { tag: 'lr', doubleVal: 0.05, packed: true }] }),
  event({ wallTime: 1700000004, step: 30, values: [{ tag: 'x', floatContent: 3.5 }, { tag: 'note', stringTensor: 'hello' }] }),
];

describe('CRC-32C', () => {
  it('matches the standard check values (RFC 3720 §B.4) and the bitwise definition', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    const bytes = new Uint8Array(Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff));
    expect(crc32c(bytes)).toBe(crc32cBitwise(bytes));
    expect(maskedCrc32c(bytes)).toBe(mask(crc32cBitwise(bytes)));
  });
});

describe('TensorBoard event files', () => {
  it('reads simple_value and tensor scalars (float_val/double_val packed or not, tensor_content), skipping the rest', () => {
    const r = readTfEvents(eventFile(EVENTS), 'events.out.tfevents.test');
    expect(r.records).toBe(5);
    expect(r.skipped).toBe(2); // the histogram and the string tensor
    const got = r.scalars.map((s) => [s.tag, s.step, s.value]);
    // float32 fields hold fround(x); NaN survives
    expect(got).toEqual([
      ['loss', 0, 2.5],
      ['acc', 0, 0.125],
      ['loss', 10, 1.25],
      ['lr', 10, 0.1],
      ['loss', 20, Number.NaN],
      ['acc', 20, 0.75],
      ['lr', 20, 0.05],
      ['x', 30, 3.5],
    ]);
    expect(r.scalars[0].wallTime).toBe(1700000001);
  });

  it('a truncated file names the record and what is missing', () => {
    const whole = eventFile(EVENTS);
    const offsetOfLast = whole.length - tfrecord(EVENTS[4]).length;
    expect(() => readTfEvents(whole.subarray(0, whole.length - 3), 'f')).toThrow(`f: record 5 (byte offset ${offsetOfLast}): truncated: the record holds`);
    expect(() => readTfEvents(whole.subarray(0, offsetOfLast + 7), 'f')).toThrow(`f: record 5 (byte offset ${offsetOfLast}): truncated: a record header needs 12 bytes, 7 left`);
  });

  it('a corrupted CRC (data or length) names the record', () => {
    const bad = eventFile(EVENTS);
    const second = tfrecord(EVENTS[0]).length;
    bad[second + 12 + 3] ^= 0x01; // one bit of record 2's data
    expect(() => readTfEvents(bad, 'f')).toThrow(new RegExp(`^f: record 2 \\(byte offset ${second}\\): the data's CRC does not match`));
    const badLen = eventFile(EVENTS);
    badLen[8] ^= 0xff; // record 1's length CRC
    expect(() => readTfEvents(badLen, 'f')).toThrow(/^f: record 1 \(byte offset 0\): the length's CRC does not match/);
  });

  it('a record with valid CRCs but a broken protobuf is an error naming it', () => {
    const broken = [...key(5, 2), ...varint(50), 1, 2, 3]; // summary claims 50 bytes, 3 follow
    expect(() => readTfEvents(eventFile([EVENTS[0], broken]), 'f')).toThrow(/^f: record 2 \(byte offset \d+\): malformed tensorflow\.Event protobuf: .*runs past the end/);
    expect(() => readTfEvents(new Uint8Array(0), 'f')).toThrow(InputError);
  });

  it('imports as one run (named after the directory) and re-importing replaces it', async () => {
    const runDir = join(dir, 'logs', 'run-a');
    mkdirSync(runDir, { recursive: true });
    const file = join(runDir, 'events.out.tfevents.1700000000.host');
    writeFileSync(file, eventFile(EVENTS));
    const r = await importLogs(store, file);
    expect(r.runs.map((x) => x.name)).toEqual(['run-a']);
    expect(r.points).toBe(8);
    const rows = await store.query('SELECT observable, step, value FROM series WHERE run_id = $id ORDER BY observable, step', { id: r.runs[0].runId });
    expect(rows).toHaveLength(8);
    expect(rows.find((x) => x.observable === 'loss' && x.step === 20)?.value).toBeNaN();
    await importLogs(store, file);
    expect(await store.query('SELECT count(*) AS n FROM series WHERE run_id = $id', { id: r.runs[0].runId })).toEqual([{ n: 8 }]);
    expect(await store.query('SELECT count(*) AS n FROM sweep_runs WHERE run_id = $id', { id: r.runs[0].runId })).toEqual([{ n: 1 }]);
  });
});

describe('CSV and JSONL', () => {
  const CSV = 'run,step,optimizer,lr,loss,test_loss\na,0,adam,0.1,2.0,2.1\na,10,adam,0.1,1.0,\na,20,adam,0.1,0.5,0.7\nb,0,sgd,0.2,3.0,3.1\nb,10,sgd,0.2,nan,inf\n';

  it('maps the run and step columns; text columns are config, numeric ones observables; empty cells are skipped', () => {
    const file = join(dir, 'runs.csv');
    writeFileSync(file, CSV);
    const r = parseImport(file);
    expect(r.runs.map((x) => x.name)).toEqual(['a', 'b']);
    expect(r.runs[0].config).toEqual({ optimizer: 'adam' });
    const a = Object.fromEntries(r.runs[0].series.map((s) => [s.observable, [s.steps, s.values]]));
    expect(a.loss).toEqual([
      [0, 10, 20],
      [2, 1, 0.5],
    ]);
    expect(a.test_loss).toEqual([
      [0, 20],
      [2.1, 0.7],
    ]);
    expect(a.lr).toEqual([
      [0, 10, 20],
      [0.1, 0.1, 0.1],
    ]);
    const b = Object.fromEntries(r.runs[1].series.map((s) => [s.observable, s.values]));
    expect(b.loss[1]).toBeNaN();
    expect(b.test_loss[1]).toBe(Infinity);
  });

  it('a mapping file renames observables and declares config columns', async () => {
    const file = join(dir, 'runs2.csv');
    writeFileSync(file, CSV);
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ name: 'my-sweep', observables: { loss: 'train_loss', test_loss: 'test_loss' }, config: ['optimizer', 'lr'] }));
    const r = await importLogs(store, file, { map });
    expect(r.name).toBe('my-sweep');
    expect(r.runs[1].config).toEqual({ optimizer: 'sgd', lr: 0.2 });
    const rows = await store.query("SELECT run_id, optimizer, lr, final_train_loss, status FROM sweep_runs WHERE sweep_id = $id AND source = 'import' ORDER BY lr", { id: r.sweepId });
    expect(rows.map((x) => [x.optimizer, x.lr, x.status])).toEqual([
      ['adam', 0.1, 'done'],
      ['sgd', 0.2, 'done'],
    ]);
    expect(rows[0].final_train_loss).toBe(0.5);
    const obs = await store.query('SELECT DISTINCT observable FROM series WHERE run_id = $id ORDER BY 1', { id: rows[0].run_id as string });
    expect(obs.map((o) => o.observable)).toEqual(['test_loss', 'train_loss']);
  });

  it('JSONL with --run-col/--step-col flags', () => {
    const file = join(dir, 'log.jsonl');
    writeFileSync(file, '{"name":"r1","it":1,"loss":0.5}\n{"name":"r1","it":2,"loss":0.25,"acc":0.9}\n{"name":"r2","it":1,"loss":1}\n');
    const r = parseImport(file, { runCol: 'name', stepCol: 'it' });
    expect(r.runs.map((x) => [x.name, x.series.map((s) => s.observable)])).toEqual([
      ['r1', ['loss', 'acc']],
      ['r2', ['loss']],
    ]);
  });

  it('malformed input names the row, line, column and value, and imports nothing', async () => {
    const before = await store.query('SELECT (SELECT count(*) FROM sweep_runs) AS runs, (SELECT count(*) FROM series) AS points, (SELECT count(*) FROM sweeps) AS sweeps');
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'run,step,loss\na,0,1.0\na,1,0.5\na,2,abc\n');
    await expect(importLogs(store, bad)).rejects.toThrow(`${bad}: row 3 (line 4), column 'loss': 'abc' is not a number`);
    writeFileSync(bad, 'run,step,loss\na,0,1.0\na,,0.5\n');
    await expect(importLogs(store, bad)).rejects.toThrow(`${bad}: row 2 (line 3), column 'step': the step is missing`);
    writeFileSync(bad, 'run,step,loss,opt\na,0,1.0,adam\na,1,0.5,sgd\n');
    await expect(importLogs(store, bad)).rejects.toThrow(`${bad}: row 2 (line 3), column 'opt': 'sgd' differs from 'adam' on row 1 of run 'a'; config columns must be constant within a run`);
    await expect(importLogs(store, bad, { stepCol: 'iteration' })).rejects.toThrow(`${bad}: no column 'iteration' (chosen by --step-col); available columns: run, step, loss, opt`);
    const map = join(dir, 'badmap.json');
    writeFileSync(map, JSON.stringify({ observables: 'loss', colour: 1 }));
    await expect(importLogs(store, bad, { map })).rejects.toThrow(
      `${map}: mapping.observables: expected a list of column names or an object { column: name }, got "loss"; mapping.colour: unknown field; expected one of name, format, run, step, runName, observables, config`,
    );
    const after = await store.query('SELECT (SELECT count(*) FROM sweep_runs) AS runs, (SELECT count(*) FROM series) AS points, (SELECT count(*) FROM sweeps) AS sweeps');
    expect(after).toEqual(before);
  });

  it('a failure in the middle of the store write rolls the whole import back (the earlier import stays)', async () => {
    const file = join(dir, 'two.csv');
    writeFileSync(file, 'run,step,loss\na,0,1\nb,0,2\n');
    const first = await importLogs(store, file);
    const snapshot = await store.query("SELECT run_id, step, value FROM series WHERE grp = 'import' ORDER BY run_id, step");
    writeFileSync(file, 'run,step,loss\na,0,10\nb,0,20\nc,0,30\n');
    let inserts = 0;
    const failing: Store = {
      ...store,
      path: store.path,
      readOnly: false,
      query: (sql, params) => {
        if (sql.trimStart().startsWith('INSERT INTO series') && ++inserts === 2) return Promise.reject(new Error('connection lost (simulated)'));
        return store.query(sql, params);
      },
    };
    await expect(importLogs(failing, file)).rejects.toThrow(/rolled back: connection lost/);
    expect(await store.query("SELECT run_id, step, value FROM series WHERE grp = 'import' ORDER BY run_id, step")).toEqual(snapshot);
    expect(await store.query('SELECT count(*) AS n FROM sweep_runs WHERE sweep_id = $id', { id: first.sweepId })).toEqual([{ n: 2 }]);
  });

  it('the CLI exits 2 with the message on bad input and imports good input', () => {
    const bad = join(dir, 'cli-bad.csv');
    writeFileSync(bad, 'run,step,loss\na,0,1.0\na,1,oops\n');
    const storeDir = join(dir, 'cli-store');
    const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'import', bad, '--store', storeDir], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`error: ${bad}: row 2 (line 3), column 'loss': 'oops' is not a number`);
    const good = join(dir, 'cli-good.csv');
    writeFileSync(good, 'run,step,loss\na,0,1.0\na,1,0.5\n');
    const ok = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'import', good, '--store', storeDir, '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).import.points).toBe(2);
  });
});

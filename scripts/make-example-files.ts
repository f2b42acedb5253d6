/**
 * Writes the example inputs the README's commands read, so that a new user can paste them in order:
 *   examples/losses.csv              `lmech fit power-law`: synthetic L(N) = 0.5 + 30·N^(−0.35), ±2% noise
 *   examples/chinchilla-runs.csv     `lmech fit chinchilla`: L(N, D) = E + A/N^α + B/D^β with the constants of
 *                                    Hoffmann et al. 2022 (arXiv 2203.15556, eq. 10: E=1.69, A=406.4, B=410.7,
 *                                    α=0.34, β=0.28), ±2% noise, on a 5×5 grid of N and D
 *   examples/my-runs.csv             `lmech import`: two runs of loss and accuracy curves in long form
 *   examples/events.out.tfevents.example   `lmech import`: a TensorBoard event file with one scalar tag
 *   examples/model.safetensors       `lmech inspect`: a 3-layer MLP (64→128→128→10) at He initialization
 * Seeded (Rng seed 0): re-running it writes the same bytes. Run: `node --import tsx scripts/make-example-files.ts`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/random.ts';
import { encodeSafetensors } from '../src/data/safetensors.ts';
import { maskedCrc32c } from '../src/run/import/crc32c.ts';

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));
const rng = Rng.fromSeed(0);
/** Multiplicative noise of about ±2% (uniform). */
const noise = (r: Rng): number => 1 + 0.04 * (r.uniform() - 0.5);
const sig = (x: number): string => String(Number(x.toPrecision(6)));

function lossesCsv(r: Rng): string {
  const rows = ['N,loss'];
  for (let k = 0; k < 12; k++) {
    const n = 1000 * 2 ** k;
    rows.push(`${n},${sig(0.5 + 30 * n ** -0.35 * noise(r))}`);
  }
  return `${rows.join('\n')}\n`;
}

function chinchillaCsv(r: Rng): string {
  const rows = ['N,D,loss'];
  for (const n of [1e7, 3e7, 1e8, 3e8, 1e9])
    for (const d of [1e9, 3e9, 1e10, 3e10, 1e11]) rows.push(`${n},${d},${sig((1.69 + 406.4 / n ** 0.34 + 410.7 / d ** 0.28) * noise(r))}`);
  return `${rows.join('\n')}\n`;
}

function myRunsCsv(r: Rng): string {
  const rows = ['run,step,loss,accuracy'];
  for (const [run, rate] of [['small-lr', 0.01], ['large-lr', 0.03]] as const)
    for (let step = 0; step <= 200; step += 20) {
      const loss = 2.3 * Math.exp(-rate * step) * noise(r) + 0.05;
      rows.push(`${run},${step},${sig(loss)},${sig(1 - loss / 2.5)}`);
    }
  return `${rows.join('\n')}\n`;
}

// ---- TensorBoard event file: TFRecord framing (length, masked CRC-32C of the length, data, masked CRC-32C of
// the data) around Event protos {1: wall_time double, 2: step int64, 3: file_version string, 5: Summary}, where
// Summary = repeated {1: Value {1: tag string, 2: simple_value float}} (tensorflow/core/util/event.proto).
const key = (field: number, wire: number): number[] => varint((field << 3) | wire);
function varint(v: number): number[] {
  const out: number[] = [];
  for (; v >= 0x80; v = Math.floor(v / 128)) out.push((v % 128) | 0x80);
  out.push(v);
  return out;
}
const bytesOf = (n: number, write: (dv: DataView) => void): number[] => {
  const dv = new DataView(new ArrayBuffer(n));
  write(dv);
  return [...new Uint8Array(dv.buffer)];
};
const lenField = (field: number, body: number[]): number[] => [...key(field, 2), ...varint(body.length), ...body];

function event(wallTime: number, step?: number, fileVersion?: string, scalars: [string, number][] = []): number[] {
  const out = [...key(1, 1), ...bytesOf(8, (dv) => dv.setFloat64(0, wallTime, true))];
  if (step !== undefined) out.push(...key(2, 0), ...varint(step));
  if (fileVersion) out.push(...lenField(3, [...new TextEncoder().encode(fileVersion)]));
  const values = scalars.flatMap(([tag, v]) => lenField(1, [...lenField(1, [...new TextEncoder().encode(tag)]), ...key(2, 5), ...bytesOf(4, (dv) => dv.setFloat32(0, v, true))]));
  if (values.length) out.push(...lenField(5, values));
  return out;
}

function tfrecord(data: number[]): number[] {
  const len = new Uint8Array(bytesOf(8, (dv) => dv.setBigUint64(0, BigInt(data.length), true)));
  const crc = (b: Uint8Array) => bytesOf(4, (dv) => dv.setUint32(0, maskedCrc32c(b), true));
  return [...len, ...crc(len), ...data, ...crc(new Uint8Array(data))];
}

function eventsFile(r: Rng): Uint8Array {
  const events = [event(1700000000, undefined, 'brain.Event:2')];
  for (let step = 0; step <= 100; step += 10) events.push(event(1700000000 + step, step, undefined, [['loss', 2 * Math.exp(-0.03 * step) * noise(r)]]));
  return new Uint8Array(events.flatMap(tfrecord));
}

/** He-initialized weights (variance 2/fan_in, He et al. 2015) of a 64→128→128→10 MLP, float32. */
function modelSafetensors(r: Rng): Uint8Array {
  const widths = [64, 128, 128, 10];
  const tensors: Record<string, { shape: number[]; data: number[] }> = {};
  for (let l = 0; l + 1 < widths.length; l++) {
    const [fanIn, fanOut] = [widths[l], widths[l + 1]];
    const std = Math.sqrt(2 / fanIn);
    tensors[`layers.${l}.weight`] = { shape: [fanOut, fanIn], data: Array.from({ length: fanOut * fanIn }, () => std * r.normal()) };
  }
  return encodeSafetensors(tensors, { source: 'scripts/make-example-files.ts (He initialization, seed 0)' });
}

writeFileSync(`${EXAMPLES}losses.csv`, lossesCsv(rng.child('losses')));
writeFileSync(`${EXAMPLES}chinchilla-runs.csv`, chinchillaCsv(rng.child('chinchilla')));
writeFileSync(`${EXAMPLES}my-runs.csv`, myRunsCsv(rng.child('my-runs')));
writeFileSync(`${EXAMPLES}events.out.tfevents.example`, eventsFile(rng.child('events')));
writeFileSync(`${EXAMPLES}model.safetensors`, modelSafetensors(rng.child('model')));

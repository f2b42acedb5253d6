/**
 * Scalars from TensorBoard event files (`events.out.tfevents.*`), read by hand: no TensorFlow, no protobuf library.
 *
 * Framing (TFRecord, tensorflow/core/lib/io/record_writer.cc), per record:
 *   uint64 length (little-endian) | uint32 masked CRC-32C of those 8 bytes | data[length] | uint32 masked CRC-32C of data
 * Both CRCs are verified; a short read anywhere is a truncated record.
 *
 * Payload: a tensorflow.Event protobuf (tensorflow/core/util/event.proto). Fields read:
 *   Event:         1 wall_time (double) · 2 step (int64) · 5 summary (Summary)
 *   Summary:       1 value (repeated Summary.Value)
 *   Summary.Value: 1 tag (string) · 2 simple_value (float) · 8 tensor (TensorProto)
 *   TensorProto:   1 dtype (enum: 1 DT_FLOAT, 2 DT_DOUBLE) · 2 tensor_shape · 4 tensor_content (bytes)
 *                  · 5 float_val (repeated float) · 6 double_val (repeated double)
 *   TensorShapeProto: 2 dim (repeated Dim: 1 size)
 * A value is a scalar when it has simple_value, or a DT_FLOAT/DT_DOUBLE tensor with one element (float_val[0],
 * double_val[0] or tensor_content), which is how TF2's tf.summary.scalar writes it. Other values (histograms,
 * images, text, non-scalar tensors) are skipped and counted. Repeated numeric fields are accepted packed or not.
 * Every other field is skipped by its wire type.
 */
import { InputError } from '../../theory/fit/errors.ts';
import { maskedCrc32c } from './crc32c.ts';

export interface ScalarEvent {
  tag: string;
  step: number;
  wallTime: number;
  value: number;
  /** 0-based index of the record in the file. */
  record: number;
}

export interface TfEventsScalars {
  scalars: ScalarEvent[];
  records: number;
  /** Summary values that were not scalars (histograms, images, text, …). */
  skipped: number;
}

class ProtoError extends Error {}

/** A cursor over protobuf wire format. */
class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }
  get done(): boolean {
    return this.pos >= this.end;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoError('a varint runs past the end of its message');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new ProtoError('a varint is longer than 10 bytes');
  }
  /** A varint as a JS number (int64 two's complement), exact up to 2^53. */
  int64(field: string): number {
    let v = this.varint() & 0xffffffffffffffffn;
    if (v >= 1n << 63n) v -= 1n << 64n;
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new ProtoError(`${field} ${v} does not fit a double exactly`);
    return n;
  }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.end) throw new ProtoError(`a field of ${n} bytes runs past the end of its message (${this.end - this.pos} left)`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  length(): number {
    const n = this.varint();
    if (n > BigInt(this.end - this.pos)) throw new ProtoError(`a length-delimited field of ${n} bytes runs past the end of its message (${this.end - this.pos} left)`);
    return Number(n);
  }
  sub(): Reader {
    const n = this.length();
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
  double(): number {
    const b = this.bytes(8);
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
  }
  float(): number {
    const b = this.bytes(4);
    return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
  }
  tag(): { field: number; wire: number } {
    const t = this.varint();
    const field = Number(t >> 3n);
    if (field === 0) throw new ProtoError('field number 0 is not valid');
    return { field, wire: Number(t & 7n) };
  }
  skip(wire: number, field: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.bytes(8);
        return;
      case 2:
        this.bytes(this.length());
        return;
      case 5:
        this.bytes(4);
        return;
      default:
        throw new ProtoError(`field ${field} has wire type ${wire}, which is not valid here (expected 0, 1, 2 or 5)`);
    }
  }
}

function expectWire(field: number, wire: number, expected: number[], what: string): void {
  if (!expected.includes(wire)) throw new ProtoError(`${what} (field ${field}) has wire type ${wire}; expected ${expected.join(' or ')}`);
}

/** Repeated float/double, packed (wire 2) or one element (wire 5 / 1). */
function readRepeated(r: Reader, wire: number, field: number, size: 4 | 8, into: number[], what: string): void {
  if (wire === 2) {
    const sub = r.sub();
    while (!sub.done) into.push(size === 4 ? sub.float() : sub.double());
  } else {
    expectWire(field, wire, [size === 4 ? 5 : 1], what);
    into.push(size === 4 ? r.float() : r.double());
  }
}

const DT_FLOAT = 1;
const DT_DOUBLE = 2;

/** The scalar a TensorProto holds, or null when it is not a one-element float/double tensor. */
function tensorScalar(r: Reader): number | null {
  let dtype = 0;
  const dims: number[] = [];
  let content: Uint8Array | null = null;
  const floats: number[] = [];
  const doubles: number[] = [];
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1) {
      expectWire(field, wire, [0], 'TensorProto.dtype');
      dtype = Number(r.varint());
    } else if (field === 2) {
      expectWire(field, wire, [2], 'TensorProto.tensor_shape');
      const shape = r.sub();
      while (!shape.done) {
        const t = shape.tag();
        if (t.field === 2) {
          expectWire(t.field, t.wire, [2], 'TensorShapeProto.dim');
          const dim = shape.sub();
          let size = 0;
          while (!dim.done) {
            const d = dim.tag();
            if (d.field === 1) {
              expectWire(d.field, d.wire, [0], 'Dim.size');
              size = dim.int64('Dim.size');
            } else dim.skip(d.wire, d.field);
          }
          dims.push(size);
        } else shape.skip(t.wire, t.field);
      }
    } else if (field === 4) {
      expectWire(field, wire, [2], 'TensorProto.tensor_content');
      content = r.bytes(r.length());
    } else if (field === 5) readRepeated(r, wire, field, 4, floats, 'TensorProto.float_val');
    else if (field === 6) readRepeated(r, wire, field, 8, doubles, 'TensorProto.double_val');
    else r.skip(wire, field);
  }
  const elements = dims.reduce((a, b) => a * b, 1);
  if (elements !== 1) return null;
  if (dtype === DT_FLOAT) {
    if (floats.length > 0) return floats[0];
    if (content && content.length === 4) return new DataView(content.buffer, content.byteOffset, 4).getFloat32(0, true);
  } else if (dtype === DT_DOUBLE) {
    if (doubles.length > 0) return doubles[0];
    if (content && content.length === 8) return new DataView(content.buffer, content.byteOffset, 8).getFloat64(0, true);
  }
  return null;
}

/** Parse one Event; scalar values are appended to `out`, returns the number of skipped (non-scalar) values. */
function parseEvent(data: Uint8Array, record: number, out: ScalarEvent[]): number {
  const r = new Reader(data);
  let wallTime = 0;
  let step = 0;
  const values: { tag: string; value: number | null }[] = [];
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1) {
      expectWire(field, wire, [1], 'Event.wall_time');
      wallTime = r.double();
    } else if (field === 2) {
      expectWire(field, wire, [0], 'Event.step');
      step = r.int64('Event.step');
    } else if (field === 5) {
      expectWire(field, wire, [2], 'Event.summary');
      const summary = r.sub();
      while (!summary.done) {
        const t = summary.tag();
        if (t.field !== 1) {
          summary.skip(t.wire, t.field);
          continue;
        }
        expectWire(t.field, t.wire, [2], 'Summary.value');
        const v = summary.sub();
        let tag = '';
        let simple: number | null = null;
        let tensor: number | null = null;
        while (!v.done) {
          const f = v.tag();
          if (f.field === 1) {
            expectWire(f.field, f.wire, [2], 'Summary.Value.tag');
            tag = new TextDecoder('utf-8', { fatal: false }).decode(v.bytes(v.length()));
          } else if (f.field === 2) {
            expectWire(f.field, f.wire, [5], 'Summary.Value.simple_value');
            simple = v.float();
          } else if (f.field === 8) {
            expectWire(f.field, f.wire, [2], 'Summary.Value.tensor');
            tensor = tensorScalar(v.sub());
          } else v.skip(f.wire, f.field);
        }
        values.push({ tag, value: simple ?? tensor });
      }
    } else r.skip(wire, field);
  }
  let skipped = 0;
  for (const v of values) {
    if (v.value === null) skipped++;
    else out.push({ tag: v.tag, step, wallTime, value: v.value, record });
  }
  return skipped;
}

/** Read every scalar of an event file's bytes. `source` names the file in errors (InputError, exit code 2). */
export function readTfEvents(buf: Uint8Array, source = '(event file)'): TfEventsScalars {
  const scalars: ScalarEvent[] = [];
  let skipped = 0;
  let offset = 0;
  let record = 0;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length === 0) throw new InputError(`${source}: the file is empty; expected TFRecord-framed tensorflow.Event records`);
  while (offset < buf.length) {
    const where = `${source}: record ${record + 1} (byte offset ${offset})`;
    if (buf.length - offset < 12) throw new InputError(`${where}: truncated: a record header needs 12 bytes, ${buf.length - offset} left`);
    const lenBytes = buf.subarray(offset, offset + 8);
    const storedLenCrc = dv.getUint32(offset + 8, true);
    const lenCrc = maskedCrc32c(lenBytes);
    if (storedLenCrc !== lenCrc)
      throw new InputError(`${where}: the length's CRC does not match (stored 0x${storedLenCrc.toString(16)}, computed 0x${lenCrc.toString(16)}); the file is corrupt or not an event file`);
    const length = dv.getBigUint64(offset, true);
    const left = buf.length - offset - 12;
    if (length + 4n > BigInt(left)) throw new InputError(`${where}: truncated: the record holds ${length} data bytes plus a 4-byte CRC, ${left} bytes left`);
    const n = Number(length);
    const data = buf.subarray(offset + 12, offset + 12 + n);
    const storedCrc = dv.getUint32(offset + 12 + n, true);
    const crc = maskedCrc32c(data);
    if (storedCrc !== crc) throw new InputError(`${where}: the data's CRC does not match (stored 0x${storedCrc.toString(16)}, computed 0x${crc.toString(16)}); the record is corrupt`);
    try {
      skipped += parseEvent(data, record, scalars);
    } catch (e) {
      if (e instanceof ProtoError) throw new InputError(`${where}: malformed tensorflow.Event protobuf: ${e.message}`);
      throw e;
    }
    offset += 12 + n + 4;
    record++;
  }
  return { scalars, records: record, skipped };
}

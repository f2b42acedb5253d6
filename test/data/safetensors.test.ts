import { describe, expect, it } from 'vitest';
import {
  bf16ToNumber,
  decodeMinifloat,
  encodeSafetensors,
  f16ToNumber,
  numberToBf16,
  numberToF16,
  parseSafetensors,
} from '../../src/data/safetensors.ts';

/** A safetensors file assembled by hand: u64 LE header length, header text, raw data bytes. */
function handFile(header: string, data: number[] | Uint8Array = [], declaredLength?: bigint): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** Little-endian bytes of 16-bit patterns. */
const le16 = (...bits: number[]): number[] => bits.flatMap((b) => [b & 0xff, b >>> 8]);

describe('float16 / bfloat16 bit patterns', () => {
  it('decode known float16 values', () => {
    expect(f16ToNumber(0x3c00)).toBe(1);
    expect(f16ToNumber(0xc100)).toBe(-2.5);
    expect(f16ToNumber(0x7bff)).toBe(65504); // largest finite
    expect(f16ToNumber(0x0001)).toBe(2 ** -24); // smallest subnormal, 5.960464477539063e-8
    expect(f16ToNumber(0x03ff)).toBe(1023 * 2 ** -24); // largest subnormal
    expect(f16ToNumber(0x0400)).toBe(2 ** -14); // smallest normal
    expect(f16ToNumber(0x7c00)).toBe(Infinity);
    expect(f16ToNumber(0xfc00)).toBe(-Infinity);
    expect(Object.is(f16ToNumber(0x8000), -0)).toBe(true);
    expect(f16ToNumber(0x7e00)).toBeNaN();
    expect(f16ToNumber(0x3555)).toBe(0.333251953125); // 1/3 rounded to f16
  });

  it('decode known bfloat16 values', () => {
    expect(bf16ToNumber(0x3f80)).toBe(1);
    expect(bf16ToNumber(0xc020)).toBe(-2.5);
    expect(bf16ToNumber(0x477f)).toBe(65280);
    expect(bf16ToNumber(0x7f7f)).toBe(3.3895313892515355e38); // largest finite
    expect(bf16ToNumber(0x0001)).toBe(2 ** -133); // smallest subnormal
    expect(bf16ToNumber(0x7f80)).toBe(Infinity);
    expect(bf16ToNumber(0xff80)).toBe(-Infinity);
    expect(bf16ToNumber(0x7fc0)).toBeNaN();
  });

  it('bfloat16 decoding agrees with float32 bit reinterpretation for all 65536 patterns', () => {
    const dv = new DataView(new ArrayBuffer(4));
    const mismatches: number[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      dv.setUint32(0, bits << 16);
      const ref = dv.getFloat32(0);
      const got = bf16ToNumber(bits);
      if (!(Number.isNaN(ref) ? Number.isNaN(got) : Object.is(got, ref))) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });

  it('float16 decoding agrees with an independent float32 construction for all 65536 patterns', () => {
    const dv = new DataView(new ArrayBuffer(4));
    const mismatches: number[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      const sign = bits >>> 15;
      const e = (bits >>> 10) & 31;
      const m = bits & 1023;
      let ref: number;
      if (e === 31) ref = m === 0 ? (sign ? -Infinity : Infinity) : Number.NaN;
      else if (e === 0) ref = (sign ? -1 : 1) * m * 2 ** -24;
      else {
        // Rebias the exponent into float32: (sign, e − 15 + 127, m << 13).
        dv.setUint32(0, ((sign << 31) | ((e - 15 + 127) << 23) | (m << 13)) >>> 0);
        ref = dv.getFloat32(0);
      }
      const got = f16ToNumber(bits);
      if (!(Number.isNaN(ref) ? Number.isNaN(got) : Object.is(got, ref))) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });

  it('encoding round-trips every non-NaN pattern and rounds to nearest even', () => {
    const mismatches: string[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      const f = f16ToNumber(bits);
      if (!Number.isNaN(f) && numberToF16(f) !== bits) mismatches.push(`f16 ${bits}`);
      const b = bf16ToNumber(bits);
      if (!Number.isNaN(b) && numberToBf16(b) !== bits) mismatches.push(`bf16 ${bits}`);
    }
    expect(mismatches).toEqual([]);
    expect(numberToF16(65519)).toBe(0x7bff); // below the midpoint 65520 to 65536
    expect(numberToF16(65520)).toBe(0x7c00); // the midpoint rounds to even = overflow to +∞
    expect(numberToF16(2 ** -25)).toBe(0); // half the smallest subnormal: tie to even (0)
    expect(numberToF16(3 * 2 ** -25)).toBe(2); // 1.5 quanta: tie to even (2)
    expect(numberToF16(1 + 2 ** -11)).toBe(0x3c00); // tie between 1 and 1 + 2^-10: even mantissa
    expect(numberToF16(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(numberToF16(1 + 2 ** -11 + 2 ** -30)).toBe(0x3c01); // just above the tie
    expect(numberToF16(-0)).toBe(0x8000);
    expect(numberToBf16(65504)).toBe(0x4780); // 65504 is not a bf16: rounds to 65536
    expect(numberToBf16(1 + 2 ** -8)).toBe(0x3f80); // tie to even
    expect(numberToBf16(1e39)).toBe(0x7f80); // overflow → +∞
    expect(numberToF16(Number.NaN) & 0x7c00).toBe(0x7c00);
  });

  it('decodes FP8 E4M3 (fn) and E5M2 known values', () => {
    expect(decodeMinifloat(0x38, 4, 3, 'fn')).toBe(1);
    expect(decodeMinifloat(0x7e, 4, 3, 'fn')).toBe(448); // max finite, no infinities
    expect(decodeMinifloat(0x7f, 4, 3, 'fn')).toBeNaN();
    expect(decodeMinifloat(0x78, 4, 3, 'fn')).toBe(256); // all-ones exponent is finite in the fn variant
    expect(decodeMinifloat(0x01, 4, 3, 'fn')).toBe(2 ** -9);
    expect(decodeMinifloat(0x3c, 5, 2)).toBe(1);
    expect(decodeMinifloat(0x7b, 5, 2)).toBe(57344);
    expect(decodeMinifloat(0x7c, 5, 2)).toBe(Infinity);
    expect(decodeMinifloat(0x01, 5, 2)).toBe(2 ** -16);
  });
});

describe('safetensors reader on hand-made bytes', () => {
  it('reads F16, BF16, F32, I64 and __metadata__ from bytes assembled without the writer', () => {
    const header = JSON.stringify({
      __metadata__: { format: 'pt', note: 'hand-made' },
      half: { dtype: 'F16', shape: [2, 4], data_offsets: [0, 16] },
      brain: { dtype: 'BF16', shape: [5], data_offsets: [16, 26] },
      single: { dtype: 'F32', shape: [1], data_offsets: [26, 30] },
      long: { dtype: 'I64', shape: [], data_offsets: [30, 38] },
    });
    const data = [
      ...le16(0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0x7c00, 0xfc00, 0x8000),
      ...le16(0x3f80, 0xc020, 0x7f7f, 0x0001, 0x7f80),
      0x00, 0x00, 0xc0, 0x3f, // float32 1.5 little-endian
      0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // int64 −2
    ];
    const f = parseSafetensors(handFile(header, data));
    expect([...f.tensors.keys()]).toEqual(['half', 'brain', 'single', 'long']);
    const half = f.tensors.get('half')!;
    expect(half.dtype).toBe('F16');
    expect(half.shape).toEqual([2, 4]);
    expect(Array.from(half.data)).toEqual([1, -2.5, 65504, 2 ** -24, 1023 * 2 ** -24, Infinity, -Infinity, -0]);
    expect(Object.is(half.data[7], -0)).toBe(true);
    expect(Array.from(f.tensors.get('brain')!.data)).toEqual([1, -2.5, 3.3895313892515355e38, 2 ** -133, Infinity]);
    expect(Array.from(f.tensors.get('single')!.data)).toEqual([1.5]);
    expect(f.tensors.get('long')!.shape).toEqual([]);
    expect(Array.from(f.tensors.get('long')!.data)).toEqual([-2]);
    expect(f.metadata).toEqual({ format: 'pt', note: 'hand-made' });
  });

  it('accepts trailing spaces in the header and a zero-element tensor', () => {
    const header = `${JSON.stringify({ e: { dtype: 'F32', shape: [0, 3], data_offsets: [0, 0] }, u: { dtype: 'U8', shape: [2], data_offsets: [0, 2] } })}   `;
    const f = parseSafetensors(handFile(header, [7, 9]));
    expect(f.tensors.get('e')!.data.length).toBe(0);
    expect(Array.from(f.tensors.get('u')!.data)).toEqual([7, 9]);
    expect(f.metadata).toEqual({});
  });
});

describe('safetensors writer', () => {
  it('round-trips F64 exactly, F32/F16/BF16 with round-to-nearest-even, ints exactly; keeps metadata', () => {
    const values = [1, -2.5, Math.PI, 65504, 1e-6, -0, 1 / 3];
    const bytes = encodeSafetensors(
      {
        d: { dtype: 'F64', shape: [7], data: values },
        s: { dtype: 'F32', shape: [7], data: values },
        h: { dtype: 'F16', shape: [7], data: values },
        b: { dtype: 'BF16', shape: [7], data: values },
        i8: { dtype: 'I8', shape: [3], data: [-128, 0, 127] },
        u16: { dtype: 'U16', shape: [2], data: [0, 65535] },
        i32: { dtype: 'I32', shape: [2], data: [-2147483648, 2147483647] },
        u32: { dtype: 'U32', shape: [1], data: [4294967295] },
        i64: { dtype: 'I64', shape: [2], data: [-(2 ** 53) + 1, 2 ** 53 - 1] },
        u64: { dtype: 'U64', shape: [1], data: [2 ** 40] },
        flag: { dtype: 'BOOL', shape: [3], data: [1, 0, 1] },
        m: { shape: [2, 2], data: [1, 2, 3, 4] }, // default dtype F32
      },
      { source: 'test', step: '3' },
    );
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0); // data section aligned like the reference writer
    const f = parseSafetensors(bytes);
    expect(f.metadata).toEqual({ source: 'test', step: '3' });
    expect(Array.from(f.tensors.get('d')!.data)).toEqual(values);
    expect(Array.from(f.tensors.get('s')!.data)).toEqual(values.map(Math.fround));
    expect(Array.from(f.tensors.get('h')!.data)).toEqual(values.map((v) => f16ToNumber(numberToF16(v))));
    expect(f.tensors.get('h')!.data[0]).toBe(1);
    expect(f.tensors.get('h')!.data[6]).toBe(0.333251953125);
    expect(f.tensors.get('b')!.data[1]).toBe(-2.5);
    expect(f.tensors.get('b')!.data[3]).toBe(65536);
    expect(Array.from(f.tensors.get('i8')!.data)).toEqual([-128, 0, 127]);
    expect(Array.from(f.tensors.get('u16')!.data)).toEqual([0, 65535]);
    expect(Array.from(f.tensors.get('i32')!.data)).toEqual([-2147483648, 2147483647]);
    expect(Array.from(f.tensors.get('u32')!.data)).toEqual([4294967295]);
    expect(Array.from(f.tensors.get('i64')!.data)).toEqual([-(2 ** 53) + 1, 2 ** 53 - 1]);
    expect(Array.from(f.tensors.get('u64')!.data)).toEqual([2 ** 40]);
    expect(Array.from(f.tensors.get('flag')!.data)).toEqual([1, 0, 1]);
    expect(f.tensors.get('m')!.dtype).toBe('F32');
    expect(f.tensors.get('m')!.shape).toEqual([2, 2]);
  });

  it('writes the same bytes the hand-made reader test expects (byte-level check of the writer)', () => {
    const bytes = encodeSafetensors({ x: { dtype: 'F16', shape: [2], data: [1, -2.5] } });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLen));
    expect(JSON.parse(header)).toEqual({ x: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } });
    expect(Array.from(bytes.subarray(8 + headerLen))).toEqual(le16(0x3c00, 0xc100));
  });

  it('rejects bad tensors with errors naming the tensor and field', () => {
    expect(() => encodeSafetensors({ w: { dtype: 'F32', shape: [2, 2], data: [1, 2, 3] } })).toThrow(
      /tensor 'w': data has 3 elements, but shape \[2, 2\] needs 4/,
    );
    expect(() => encodeSafetensors({ w: { dtype: 'I8', shape: [1], data: [200] } })).toThrow(/tensor 'w': element 0 = 200 is not an integer in \[-128, 127\]/);
    expect(() => encodeSafetensors({ w: { dtype: 'I32', shape: [1], data: [1.5] } })).toThrow(/element 0 = 1.5/);
    expect(() => encodeSafetensors({ __metadata__: { shape: [0], data: [] } })).toThrow(/'__metadata__' is reserved/);
    expect(() => encodeSafetensors({ w: { dtype: 'F8_E4M3' as 'F32', shape: [0], data: [] } })).toThrow(/tensor 'w': dtype "F8_E4M3" cannot be written/);
  });
});

describe('safetensors reader: malformed input', () => {
  const ok = (name: string, dtype: string, shape: number[], offs: [number, number]) => ({ [name]: { dtype, shape, data_offsets: offs } });

  it('truncated file and header length beyond the file', () => {
    expect(() => parseSafetensors(new Uint8Array(5))).toThrow(/file is truncated: 5 bytes, need at least 8/);
    expect(() => parseSafetensors(handFile('{}', [], 100n))).toThrow(/header length 100 is beyond the file: only 2 bytes follow/);
    expect(() => parseSafetensors(handFile('{}', [], 2n ** 63n))).toThrow(/header length 9223372036854775808 is beyond the file/);
    // A valid file cut short in its data section.
    const full = encodeSafetensors({ w: { dtype: 'F32', shape: [4], data: [1, 2, 3, 4] } });
    expect(() => parseSafetensors(full.subarray(0, full.length - 3))).toThrow(
      /tensor 'w': data_offsets \[0, 16\] out of range: the data section has 13 bytes/,
    );
    expect(() => parseSafetensors(full.subarray(0, 12))).toThrow(/is beyond the file/);
  });

  it('invalid JSON, non-object header, invalid UTF-8, bad metadata', () => {
    expect(() => parseSafetensors(handFile('{"a": '))).toThrow(/header is not valid JSON/);
    expect(() => parseSafetensors(handFile('[1, 2]'))).toThrow(/header must be a JSON object, got an array/);
    const bad = handFile('{"a":1}');
    bad[10] = 0xff; // not UTF-8
    expect(() => parseSafetensors(bad)).toThrow(/header \(bytes 8\.\.15\) is not valid UTF-8/);
    expect(() => parseSafetensors(handFile(JSON.stringify({ __metadata__: { n: 3 } })))).toThrow(/__metadata__\.n must be a string, got 3/);
  });

  it('unknown dtype, bad shape, bad data_offsets name the tensor and the field', () => {
    expect(() => parseSafetensors(handFile(JSON.stringify(ok('w', 'F128', [1], [0, 16])), new Uint8Array(16)))).toThrow(
      /tensor 'w': dtype "F128" is unknown; expected one of F64, F32/,
    );
    expect(() => parseSafetensors(handFile(JSON.stringify(ok('w', 'F32', [-1], [0, 4])), new Uint8Array(4)))).toThrow(
      /tensor 'w': shape \[-1\] must be an array of non-negative integers/,
    );
    expect(() => parseSafetensors(handFile(JSON.stringify({ w: { dtype: 'F32', shape: [1], data_offsets: [0] } }), new Uint8Array(4)))).toThrow(
      /tensor 'w': data_offsets \[0\] must be \[begin, end\]/,
    );
    expect(() => parseSafetensors(handFile(JSON.stringify(ok('w', 'F32', [1], [4, 0])), new Uint8Array(4)))).toThrow(
      /tensor 'w': data_offsets \[4, 0\] has end < begin/,
    );
    expect(() => parseSafetensors(handFile(JSON.stringify({ w: 5 })))).toThrow(/tensor 'w': entry must be an object/);
  });

  it('offsets out of range, shape × dtype ≠ byte length, overlaps, holes, trailing bytes', () => {
    expect(() => parseSafetensors(handFile(JSON.stringify(ok('w', 'F32', [2], [0, 8])), new Uint8Array(4)))).toThrow(
      /tensor 'w': data_offsets \[0, 8\] out of range: the data section has 4 bytes/,
    );
    expect(() => parseSafetensors(handFile(JSON.stringify(ok('w', 'F32', [3, 4], [0, 40])), new Uint8Array(40)))).toThrow(
      /tensor 'w': shape \[3, 4\] × F32 \(4 bytes\) = 48 bytes, but data_offsets \[0, 40\] span 40 bytes/,
    );
    const overlap = { ...ok('a', 'F32', [2], [0, 8]), ...ok('b', 'F32', [2], [4, 12]) };
    expect(() => parseSafetensors(handFile(JSON.stringify(overlap), new Uint8Array(12)))).toThrow(
      /tensor 'b': data_offsets \[4, 12\] overlap tensor 'a', which ends at 8/,
    );
    const same = { ...ok('a', 'F32', [1], [0, 4]), ...ok('b', 'F32', [1], [0, 4]) };
    expect(() => parseSafetensors(handFile(JSON.stringify(same), new Uint8Array(4)))).toThrow(/overlap tensor 'a'/);
    const hole = { ...ok('a', 'F32', [1], [0, 4]), ...ok('b', 'F32', [1], [8, 12]) };
    expect(() => parseSafetensors(handFile(JSON.stringify(hole), new Uint8Array(12)))).toThrow(
      /tensor 'b': data_offsets start at 8, leaving bytes 4\.\.8 of the data section unused/,
    );
    expect(() => parseSafetensors(handFile(JSON.stringify(ok('a', 'F32', [1], [0, 4])), new Uint8Array(6)))).toThrow(
      /the data section has 6 bytes but the tensors cover only 4 \(2 trailing bytes\)/,
    );
  });

  it('values that cannot be represented faithfully are errors, not wrong data', () => {
    const big = new Uint8Array(8);
    new DataView(big.buffer).setBigInt64(0, 2n ** 60n, true);
    expect(() => parseSafetensors(handFile(JSON.stringify(ok('n', 'I64', [1], [0, 8])), big))).toThrow(
      /tensor 'n': I64 element 0 = 1152921504606846976 is not exactly representable/,
    );
    expect(() => parseSafetensors(handFile(JSON.stringify(ok('f', 'BOOL', [2], [0, 2])), [1, 2]))).toThrow(
      /tensor 'f': BOOL element 1 is the byte 2, expected 0 or 1/,
    );
  });
});

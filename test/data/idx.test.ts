import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeIdx, type IdxDtype, parseIdx } from '../../src/data/idx.ts';

describe('IDX reader', () => {
  it('parses hand-made ubyte bytes (MNIST label/image layout)', () => {
    const bytes = Uint8Array.from([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255]);
    const a = parseIdx(bytes);
    expect(a.dtype).toBe('ubyte');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 255]);
  });

  it('parses hand-made big-endian multi-byte dtypes', () => {
    // short: 0xFFFE = −2, 0x0100 = 256.
    expect(Array.from(parseIdx(Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 2, 0xff, 0xfe, 0x01, 0x00])).data)).toEqual([-2, 256]);
    // byte: 0x80 = −128, 0x7F = 127.
    expect(Array.from(parseIdx(Uint8Array.from([0, 0, 0x09, 1, 0, 0, 0, 2, 0x80, 0x7f])).data)).toEqual([-128, 127]);
    // int: 0xFFFFFFFF = −1, 0x01020304 = 16909060.
    expect(Array.from(parseIdx(Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 2, 255, 255, 255, 255, 1, 2, 3, 4])).data)).toEqual([-1, 16909060]);
    // float: 0x3FC00000 = 1.5.
    expect(Array.from(parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0])).data)).toEqual([1.5]);
    // double: 0xC004000000000000 = −2.5.
    expect(Array.from(parseIdx(Uint8Array.from([0, 0, 0x0e, 1, 0, 0, 0, 1, 0xc0, 0x04, 0, 0, 0, 0, 0, 0])).data)).toEqual([-2.5]);
  });

  it('round-trips every dtype through encodeIdx, including 3-D and scalar shapes', () => {
    const cases: [IdxDtype, number[]][] = [
      ['ubyte', [0, 17, 255, 3]],
      ['byte', [-128, -1, 0, 127]],
      ['short', [-32768, -2, 300, 32767]],
      ['int', [-2147483648, -5, 70000, 2147483647]],
      ['float', [1.5, -0.25, 3e38, 1e-40]],
      ['double', [Math.PI, -1e-300, 1e300, 0]],
    ];
    for (const [dtype, values] of cases) {
      const a = parseIdx(encodeIdx(dtype, [2, 1, 2], values));
      expect(a.dtype).toBe(dtype);
      expect(a.shape).toEqual([2, 1, 2]);
      const want = dtype === 'float' ? values.map(Math.fround) : values;
      expect(Array.from(a.data)).toEqual(want);
    }
    const scalar = parseIdx(encodeIdx('double', [], [7]));
    expect(scalar.shape).toEqual([]);
    expect(Array.from(scalar.data)).toEqual([7]);
  });

  it('reads from a Uint8Array view at an odd offset and from an ArrayBuffer', () => {
    const file = encodeIdx('short', [3], [1, -2, 3]);
    const big = new Uint8Array(file.length + 5);
    big.set(file, 3);
    expect(Array.from(parseIdx(big.subarray(3, 3 + file.length)).data)).toEqual([1, -2, 3]);
    expect(Array.from(parseIdx(file.buffer as ArrayBuffer).data)).toEqual([1, -2, 3]);
  });

  it('rejects malformed files with clear errors', () => {
    expect(() => parseIdx(Uint8Array.from([0, 0, 8]), 'x.idx')).toThrow(/x\.idx is truncated: 3 bytes, expected at least the 4-byte magic/);
    expect(() => parseIdx(Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 0]))).toThrow(/magic bytes 0x01 0x00, expected 0x00 0x00/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x0a, 1, 0, 0, 0, 0]))).toThrow(/dtype code 0x0A, expected one of/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 1]))).toThrow(/truncated: 8 bytes, but ndim = 2 needs a 12-byte header/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 2, 0, 1, 0]))).toThrow(
      /truncated: shape \[2\] of short needs 4 data bytes, found 3/,
    );
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 1, 5, 6]))).toThrow(/1 trailing bytes after the data of shape \[1\]/);
    expect(() => parseIdx(gzipSync(encodeIdx('ubyte', [1], [1])), 'a.gz')).toThrow(/a\.gz is gzip-compressed; decompress it first/);
    // Huge declared dims on a tiny file: truncation error, not an allocation.
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 2, 255, 255, 255, 255, 255, 255, 255, 255]))).toThrow(/is truncated/);
  });

  it('encodeIdx validates its input', () => {
    expect(() => encodeIdx('ubyte', [2, 2], [1, 2, 3])).toThrow(/data has 3 elements, shape \[2, 2\] needs 4/);
    expect(() => encodeIdx('ubyte', [-1], [])).toThrow(/shape\[0\] = -1 is not a uint32/);
  });
});

/**
 * IDX files (the MNIST / Fashion-MNIST container; LeCun, Cortes & Burges, "THE MNIST DATABASE", file
 * format section). Browser-safe: works on bytes only.
 *
 * Layout: magic = [0x00, 0x00, dtype, ndim]; then ndim unsigned 32-bit big-endian dimensions; then the
 * data in C (row-major) order, big-endian. dtype codes: 0x08 ubyte, 0x09 byte (int8), 0x0B short (int16),
 * 0x0C int (int32), 0x0D float (float32), 0x0E double (float64).
 *
 * The reader is strict: truncated headers or data, trailing bytes and unknown codes are errors, and a
 * gzip-compressed file is recognized and refused with a hint (decompress first: zlib.gunzipSync in Node,
 * DecompressionStream('gzip') in the browser).
 */

export type IdxDtype = 'ubyte' | 'byte' | 'short' | 'int' | 'float' | 'double';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  /** Row-major data in host order. For ubyte this is a view into the input bytes (no copy). */
  data: IdxData;
}

// Keys are the dtype codes 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E in decimal.
const CODES: Record<number, { dtype: IdxDtype; size: number }> = {
  8: { dtype: 'ubyte', size: 1 },
  9: { dtype: 'byte', size: 1 },
  11: { dtype: 'short', size: 2 },
  12: { dtype: 'int', size: 4 },
  13: { dtype: 'float', size: 4 },
  14: { dtype: 'double', size: 8 },
};

const DTYPE_CODE: Record<IdxDtype, number> = { ubyte: 0x08, byte: 0x09, short: 0x0b, int: 0x0c, float: 0x0d, double: 0x0e };

function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  throw new Error('parseIdx: input must be a Uint8Array or an ArrayBuffer');
}

/** Parse an IDX file. `name` (e.g. the file name) is used in error messages. */
export function parseIdx(input: Uint8Array | ArrayBuffer, name = 'IDX data'): IdxArray {
  const bytes = asBytes(input);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new Error(`parseIdx: ${name} is gzip-compressed; decompress it first (zlib.gunzipSync or DecompressionStream('gzip'))`);
  }
  if (bytes.length < 4) throw new Error(`parseIdx: ${name} is truncated: ${bytes.length} bytes, expected at least the 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(`parseIdx: ${name} has magic bytes 0x${hex(bytes[0])} 0x${hex(bytes[1])}, expected 0x00 0x00 (not an IDX file)`);
  }
  const code = CODES[bytes[2]];
  if (code === undefined) {
    throw new Error(`parseIdx: ${name} has dtype code 0x${hex(bytes[2])}, expected one of 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E`);
  }
  const ndim = bytes[3];
  const headerLen = 4 + 4 * ndim;
  if (bytes.length < headerLen) {
    throw new Error(`parseIdx: ${name} is truncated: ${bytes.length} bytes, but ndim = ${ndim} needs a ${headerLen}-byte header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const dim = view.getUint32(4 + 4 * i, false);
    shape.push(dim);
    count *= dim;
  }
  const need = count * code.size;
  const have = bytes.length - headerLen;
  if (have < need) {
    throw new Error(
      `parseIdx: ${name} is truncated: shape [${shape.join(', ')}] of ${code.dtype} needs ${need} data bytes, found ${have}`,
    );
  }
  if (have > need) {
    throw new Error(`parseIdx: ${name} has ${have - need} trailing bytes after the data of shape [${shape.join(', ')}] (${code.dtype})`);
  }
  const at = headerLen;
  let data: IdxData;
  switch (code.dtype) {
    case 'ubyte':
      data = bytes.subarray(at, at + need);
      break;
    case 'byte':
      data = new Int8Array(bytes.buffer, bytes.byteOffset + at, count).slice();
      break;
    case 'short': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(at + 2 * i, false);
      data = out;
      break;
    }
    case 'int': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(at + 4 * i, false);
      data = out;
      break;
    }
    case 'float': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(at + 4 * i, false);
      data = out;
      break;
    }
    case 'double': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(at + 8 * i, false);
      data = out;
      break;
    }
  }
  return { dtype: code.dtype, shape, data };
}

/** Write an IDX file (the inverse of `parseIdx`). Values are converted to the dtype as typed arrays do. */
export function encodeIdx(dtype: IdxDtype, shape: readonly number[], data: ArrayLike<number>): Uint8Array {
  const code = DTYPE_CODE[dtype];
  if (code === undefined) throw new Error(`encodeIdx: dtype must be one of ${Object.keys(DTYPE_CODE).join(', ')}, got ${String(dtype)}`);
  if (shape.length > 255) throw new Error(`encodeIdx: shape has ${shape.length} dimensions, expected at most 255`);
  let count = 1;
  shape.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new Error(`encodeIdx: shape[${i}] = ${d} is not a uint32`);
    count *= d;
  });
  if (data.length !== count) throw new Error(`encodeIdx: data has ${data.length} elements, shape [${shape.join(', ')}] needs ${count}`);
  const size = CODES[code].size;
  const headerLen = 4 + 4 * shape.length;
  const out = new Uint8Array(headerLen + count * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  for (let i = 0; i < shape.length; i++) view.setUint32(4 + 4 * i, shape[i], false);
  for (let i = 0; i < count; i++) {
    const at = headerLen + i * size;
    const v = data[i];
    switch (dtype) {
      case 'ubyte':
        view.setUint8(at, v);
        break;
      case 'byte':
        view.setInt8(at, v);
        break;
      case 'short':
        view.setInt16(at, v, false);
        break;
      case 'int':
        view.setInt32(at, v, false);
        break;
      case 'float':
        view.setFloat32(at, v, false);
        break;
      case 'double':
        view.setFloat64(at, v, false);
        break;
    }
  }
  return out;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0').toUpperCase();
}

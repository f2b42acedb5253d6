/**
 * safetensors reader and writer (Hugging Face format, https://github.com/huggingface/safetensors,
 * README "Format"). Browser-safe: bytes in, bytes out.
 *
 * Layout: 8 bytes N (unsigned 64-bit little-endian) | N bytes of UTF-8 JSON header | data section.
 * The header maps tensor names to {dtype, shape, data_offsets: [begin, end]} with offsets relative to
 * the start of the data section, plus an optional "__metadata__" object of string → string.
 * Data are little-endian, row-major. The format requires the tensors to tile the data section exactly
 * (no overlaps, no holes), which this reader enforces like the reference implementation.
 *
 * On read every numeric dtype is converted to Float64Array: F64, F32, F16, BF16, F8_E5M2, F8_E4M3
 * (the "fn" variant: no infinities, 0x7F/0xFF = NaN, max 448), BOOL, U8, I8, U16, I16, U32, I32, and
 * I64/U64 when every value is exactly representable (|v| ≤ 2^53; otherwise an error).
 * The writer supports the same dtypes except the F8 ones. Rounding to F32/F16/BF16 is round to
 * nearest, ties to even (IEEE 754), directly from the double (no double rounding); values beyond the
 * largest finite value round to ±∞, as IEEE conversion does.
 */

export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'F8_E5M2'
  | 'F8_E4M3'
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'U16'
  | 'I16'
  | 'U32'
  | 'I32'
  | 'U64'
  | 'I64';

export type WritableDtype = Exclude<SafetensorsDtype, 'F8_E5M2' | 'F8_E4M3'>;

const DTYPE_SIZE: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  F8_E5M2: 1,
  F8_E4M3: 1,
  BOOL: 1,
  U8: 1,
  I8: 1,
  U16: 2,
  I16: 2,
  U32: 4,
  I32: 4,
  U64: 8,
  I64: 8,
};

export interface SafeTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Values converted to float64, row-major. */
  data: Float64Array;
}

export interface SafetensorsFile {
  /** Tensors in data-offset order. */
  tensors: Map<string, SafeTensor>;
  /** The `__metadata__` object, or {} when absent. */
  metadata: Record<string, string>;
}

export interface TensorInput {
  /** Stored dtype (default F32). */
  dtype?: WritableDtype;
  shape: readonly number[];
  data: ArrayLike<number>;
}

/** The reference implementation rejects headers above 100 MB. */
const MAX_HEADER = 100_000_000;

// ---------------------------------------------------------------------------------------------------
// Small floats

/**
 * Decode a binary floating-point bit pattern with E exponent bits and M mantissa bits (IEEE 754 layout,
 * bias 2^{E−1} − 1). `ieee`: all-ones exponent means ±∞ (mantissa 0) or NaN. `fn` (OCP FP8 E4M3):
 * no infinities; only all-ones exponent and mantissa is NaN.
 */
export function decodeMinifloat(bits: number, E: number, M: number, variant: 'ieee' | 'fn' = 'ieee'): number {
  const sign = (bits >>> (E + M)) & 1 ? -1 : 1;
  const maxE = (1 << E) - 1;
  const e = (bits >>> M) & maxE;
  const m = bits & ((1 << M) - 1);
  const bias = (1 << (E - 1)) - 1;
  if (variant === 'ieee' && e === maxE) return m === 0 ? sign * Infinity : Number.NaN;
  if (variant === 'fn' && e === maxE && m === (1 << M) - 1) return Number.NaN;
  if (e === 0) return sign * m * 2 ** (1 - bias - M);
  return sign * ((1 << M) + m) * 2 ** (e - bias - M);
}

function roundHalfEven(t: number): number {
  const f = Math.floor(t);
  const diff = t - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Encode a double into an IEEE-style binary format with E exponent and M mantissa bits, rounding to
 * nearest with ties to even; overflow gives ±∞, underflow gradual (subnormals) then ±0; NaN is the
 * quiet NaN with the top mantissa bit set.
 */
export function encodeMinifloat(x: number, E: number, M: number): number {
  const maxE = (1 << E) - 1;
  const bias = (1 << (E - 1)) - 1;
  if (Number.isNaN(x)) return (maxE << M) | (1 << (M - 1));
  const signBit = x < 0 || Object.is(x, -0) ? 1 << (E + M) : 0;
  const a = Math.abs(x);
  if (a === Infinity) return signBit | (maxE << M);
  if (a === 0) return signBit;
  const emin = 1 - bias;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  if (e < emin) e = emin;
  // Quantum at this binade; a / q is exact (scaling by a power of two within double range).
  let r = roundHalfEven(a / 2 ** (e - M));
  if (r === 0) return signBit;
  if (r < 1 << M) return signBit | r; // subnormal (only possible when e = emin)
  if (r === 1 << (M + 1)) {
    r = 1 << M;
    e++;
  }
  const field = e + bias;
  if (field >= maxE) return signBit | (maxE << M);
  return signBit | (field << M) | (r - (1 << M));
}

/** float16 bits → number. */
export const f16ToNumber = (bits: number): number => decodeMinifloat(bits, 5, 10);
/** number → float16 bits (round to nearest even). */
export const numberToF16 = (x: number): number => encodeMinifloat(x, 5, 10);
/** bfloat16 bits → number. */
export const bf16ToNumber = (bits: number): number => decodeMinifloat(bits, 8, 7);
/** number → bfloat16 bits (round to nearest even, directly from the double). */
export const numberToBf16 = (x: number): number => encodeMinifloat(x, 8, 7);

// ---------------------------------------------------------------------------------------------------
// Reader

function asBytes(input: Uint8Array | ArrayBuffer, fn: string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  throw new Error(`${fn}: input must be a Uint8Array or an ArrayBuffer`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function decodeData(dtype: SafetensorsDtype, view: DataView, at: number, count: number, name: string): Float64Array {
  const out = new Float64Array(count);
  switch (dtype) {
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(at + 8 * i, true);
      break;
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(at + 4 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = decodeMinifloat(view.getUint16(at + 2 * i, true), 5, 10);
      break;
    case 'BF16':
      for (let i = 0; i < count; i++) out[i] = decodeMinifloat(view.getUint16(at + 2 * i, true), 8, 7);
      break;
    case 'F8_E5M2':
      for (let i = 0; i < count; i++) out[i] = decodeMinifloat(view.getUint8(at + i), 5, 2);
      break;
    case 'F8_E4M3':
      for (let i = 0; i < count; i++) out[i] = decodeMinifloat(view.getUint8(at + i), 4, 3, 'fn');
      break;
    case 'BOOL':
      for (let i = 0; i < count; i++) {
        const b = view.getUint8(at + i);
        if (b > 1) throw new Error(`parseSafetensors: tensor '${name}': BOOL element ${i} is the byte ${b}, expected 0 or 1`);
        out[i] = b;
      }
      break;
    case 'U8':
      for (let i = 0; i < count; i++) out[i] = view.getUint8(at + i);
      break;
    case 'I8':
      for (let i = 0; i < count; i++) out[i] = view.getInt8(at + i);
      break;
    case 'U16':
      for (let i = 0; i < count; i++) out[i] = view.getUint16(at + 2 * i, true);
      break;
    case 'I16':
      for (let i = 0; i < count; i++) out[i] = view.getInt16(at + 2 * i, true);
      break;
    case 'U32':
      for (let i = 0; i < count; i++) out[i] = view.getUint32(at + 4 * i, true);
      break;
    case 'I32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(at + 4 * i, true);
      break;
    case 'U64':
    case 'I64':
      for (let i = 0; i < count; i++) {
        const big = dtype === 'U64' ? view.getBigUint64(at + 8 * i, true) : view.getBigInt64(at + 8 * i, true);
        const v = Number(big);
        if (!Number.isSafeInteger(v)) {
          throw new Error(
            `parseSafetensors: tensor '${name}': ${dtype} element ${i} = ${big} is not exactly representable as a float64 (|v| must be <= 2^53 - 1)`,
          );
        }
        out[i] = v;
      }
      break;
  }
  return out;
}

/**
 * Parse a safetensors file. Every malformed input raises an Error naming the tensor and field:
 * truncated file, header length beyond the file, non-UTF-8 or invalid JSON header, unknown dtype,
 * bad shape, offsets out of range / overlapping / leaving holes, shape × dtype size ≠ byte length.
 */
export function parseSafetensors(input: Uint8Array | ArrayBuffer): SafetensorsFile {
  const fn = 'parseSafetensors';
  const bytes = asBytes(input, fn);
  if (bytes.length < 8) {
    throw new Error(`${fn}: file is truncated: ${bytes.length} bytes, need at least 8 for the header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLenBig = view.getBigUint64(0, true);
  if (headerLenBig > BigInt(bytes.length - 8)) {
    throw new Error(`${fn}: header length ${headerLenBig} is beyond the file: only ${bytes.length - 8} bytes follow the 8-byte length`);
  }
  const headerLen = Number(headerLenBig);
  if (headerLen > MAX_HEADER) throw new Error(`${fn}: header length ${headerLen} exceeds the ${MAX_HEADER}-byte limit`);
  if (headerLen < 2) throw new Error(`${fn}: header length ${headerLen} is too small for a JSON object (at least 2 bytes, "{}")`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    throw new Error(`${fn}: header (bytes 8..${8 + headerLen}) is not valid UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new Error(`${fn}: header is not valid JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(header)) throw new Error(`${fn}: header must be a JSON object, got ${Array.isArray(header) ? 'an array' : typeof header}`);

  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];

  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isPlainObject(raw)) throw new Error(`${fn}: __metadata__ must be an object of string values, got ${JSON.stringify(raw)}`);
      const md: Record<string, string> = Object.create(null);
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw new Error(`${fn}: __metadata__.${k} must be a string, got ${JSON.stringify(v)}`);
        md[k] = v;
      }
      metadata = { ...md };
      continue;
    }
    if (!isPlainObject(raw)) throw new Error(`${fn}: tensor '${name}': entry must be an object with dtype, shape, data_offsets; got ${JSON.stringify(raw)}`);
    const dtype = raw.dtype;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_SIZE, dtype)) {
      throw new Error(`${fn}: tensor '${name}': dtype ${JSON.stringify(dtype)} is unknown; expected one of ${Object.keys(DTYPE_SIZE).join(', ')}`);
    }
    const shape = raw.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new Error(`${fn}: tensor '${name}': shape ${JSON.stringify(shape)} must be an array of non-negative integers`);
    }
    const offs = raw.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new Error(`${fn}: tensor '${name}': data_offsets ${JSON.stringify(offs)} must be [begin, end] with non-negative integers`);
    }
    const [begin, end] = offs as number[];
    if (end < begin) throw new Error(`${fn}: tensor '${name}': data_offsets [${begin}, ${end}] has end < begin`);
    if (end > dataLen) {
      throw new Error(`${fn}: tensor '${name}': data_offsets [${begin}, ${end}] out of range: the data section has ${dataLen} bytes`);
    }
    const size = DTYPE_SIZE[dtype as SafetensorsDtype];
    let count = 1;
    for (const d of shape as number[]) count *= d;
    if (!Number.isSafeInteger(count * size) || count * size !== end - begin) {
      throw new Error(
        `${fn}: tensor '${name}': shape [${(shape as number[]).join(', ')}] × ${dtype} (${size} bytes) = ${count * size} bytes, but data_offsets [${begin}, ${end}] span ${end - begin} bytes`,
      );
    }
    entries.push({ name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end });
  }

  // The tensors must tile [0, dataLen) exactly.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prevName = '';
  for (const e of entries) {
    if (e.begin < cursor) {
      throw new Error(`${fn}: tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] overlap tensor '${prevName}', which ends at ${cursor}`);
    }
    if (e.begin > cursor) {
      throw new Error(`${fn}: tensor '${e.name}': data_offsets start at ${e.begin}, leaving bytes ${cursor}..${e.begin} of the data section unused (holes are not allowed)`);
    }
    cursor = e.end;
    prevName = e.name;
  }
  if (cursor !== dataLen) {
    throw new Error(`${fn}: the data section has ${dataLen} bytes but the tensors cover only ${cursor} (${dataLen - cursor} trailing bytes)`);
  }

  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    const count = (e.end - e.begin) / DTYPE_SIZE[e.dtype];
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape.slice(), data: decodeData(e.dtype, view, dataStart + e.begin, count, e.name) });
  }
  return { tensors, metadata };
}

// ---------------------------------------------------------------------------------------------------
// Writer

const INT_RANGE: Partial<Record<WritableDtype, [number, number]>> = {
  BOOL: [0, 1],
  U8: [0, 255],
  I8: [-128, 127],
  U16: [0, 65535],
  I16: [-32768, 32767],
  U32: [0, 4294967295],
  I32: [-2147483648, 2147483647],
  U64: [0, Number.MAX_SAFE_INTEGER],
  I64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

function encodeValue(dtype: WritableDtype, view: DataView, at: number, v: number): void {
  switch (dtype) {
    case 'F64':
      view.setFloat64(at, v, true);
      return;
    case 'F32':
      view.setFloat32(at, v, true);
      return;
    case 'F16':
      view.setUint16(at, encodeMinifloat(v, 5, 10), true);
      return;
    case 'BF16':
      view.setUint16(at, encodeMinifloat(v, 8, 7), true);
      return;
    case 'BOOL':
    case 'U8':
      view.setUint8(at, v);
      return;
    case 'I8':
      view.setInt8(at, v);
      return;
    case 'U16':
      view.setUint16(at, v, true);
      return;
    case 'I16':
      view.setInt16(at, v, true);
      return;
    case 'U32':
      view.setUint32(at, v, true);
      return;
    case 'I32':
      view.setInt32(at, v, true);
      return;
    case 'U64':
      view.setBigUint64(at, BigInt(v), true);
      return;
    case 'I64':
      view.setBigInt64(at, BigInt(v), true);
      return;
  }
}

/**
 * Write tensors (in the given order, contiguous) and optional string metadata to safetensors bytes.
 * The header is padded with spaces so the data section starts at a multiple of 8 bytes, as the
 * reference writer does.
 */
export function encodeSafetensors(
  tensors: Map<string, TensorInput> | Record<string, TensorInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  const fn = 'encodeSafetensors';
  const list = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    const md: Record<string, string> = {};
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`${fn}: metadata.${k} must be a string, got ${JSON.stringify(v)}`);
      md[k] = v;
    }
    header.__metadata__ = md;
  }
  let offset = 0;
  const plan: { name: string; dtype: WritableDtype; data: ArrayLike<number>; begin: number }[] = [];
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new Error(`${fn}: '__metadata__' is reserved and cannot name a tensor`);
    if (name.length === 0) throw new Error(`${fn}: tensor names must be non-empty`);
    const dtype = t.dtype ?? 'F32';
    if (!Object.hasOwn(DTYPE_SIZE, dtype) || (dtype as string) === 'F8_E5M2' || (dtype as string) === 'F8_E4M3') {
      throw new Error(`${fn}: tensor '${name}': dtype ${JSON.stringify(dtype)} cannot be written; expected one of F64, F32, F16, BF16, BOOL, U8, I8, U16, I16, U32, I32, U64, I64`);
    }
    let count = 1;
    t.shape.forEach((d, i) => {
      if (!Number.isSafeInteger(d) || d < 0) throw new Error(`${fn}: tensor '${name}': shape[${i}] = ${d}, expected a non-negative integer`);
      count *= d;
    });
    if (t.data.length !== count) {
      throw new Error(`${fn}: tensor '${name}': data has ${t.data.length} elements, but shape [${t.shape.join(', ')}] needs ${count}`);
    }
    const range = INT_RANGE[dtype];
    if (range !== undefined) {
      for (let i = 0; i < count; i++) {
        const v = t.data[i];
        if (!Number.isInteger(v) || v < range[0] || v > range[1]) {
          throw new Error(`${fn}: tensor '${name}': element ${i} = ${v} is not an integer in [${range[0]}, ${range[1]}] as ${dtype} requires`);
        }
      }
    }
    const bytes = count * DTYPE_SIZE[dtype];
    header[name] = { dtype, shape: t.shape.slice(), data_offsets: [offset, offset + bytes] };
    plan.push({ name, dtype, data: t.data, begin: offset });
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const utf8 = new TextEncoder();
  let headerBytes = utf8.encode(json);
  const pad = (8 - ((8 + headerBytes.length) % 8)) % 8;
  if (pad > 0) {
    json += ' '.repeat(pad);
    headerBytes = utf8.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  const dataStart = 8 + headerBytes.length;
  for (const p of plan) {
    const size = DTYPE_SIZE[p.dtype];
    for (let i = 0; i < p.data.length; i++) encodeValue(p.dtype, view, dataStart + p.begin + i * size, p.data[i]);
  }
  return out;
}

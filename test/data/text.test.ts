import { describe, expect, it } from 'vitest';
import { encodeChars, rankFrequency, tokenizeWords, wordCounts } from '../../src/data/text.ts';

describe('word tokens and rank–frequency', () => {
  it('lower-cases letter runs, keeps internal apostrophes, splits on everything else', () => {
    const text = "Call me Ishmael. The whale's JAW—sperm-whale; don’t 'quote' 1851 Ahab's crew, naïve Queequeg!";
    expect(tokenizeWords(text)).toEqual([
      'call',
      'me',
      'ishmael',
      'the',
      "whale's",
      'jaw',
      'sperm',
      'whale',
      "don't",
      'quote',
      "ahab's",
      'crew',
      'naïve',
      'queequeg',
    ]);
    expect(tokenizeWords('')).toEqual([]);
    expect(tokenizeWords('123 -- !!')).toEqual([]);
  });

  it('counts words and ranks them by decreasing count with deterministic ties', () => {
    const tokens = tokenizeWords('the cat and the dog and the bird');
    const counts = wordCounts(tokens);
    expect(counts.get('the')).toBe(3);
    expect(counts.get('and')).toBe(2);
    const rf = rankFrequency(counts);
    expect(rf.words).toEqual(['the', 'and', 'bird', 'cat', 'dog']); // ties at count 1 in code-unit order
    expect(Array.from(rf.counts)).toEqual([3, 2, 1, 1, 1]);
    expect(Array.from(rf.ranks)).toEqual([1, 2, 3, 4, 5]);
    expect(rf.total).toBe(tokens.length);
  });

  it('a synthetic Zipf text has the planted rank–frequency counts exactly', () => {
    // Word w_r repeated ⌊1000/r⌋ times: counts are exactly f(r) = ⌊1000/r⌋.
    const parts: string[] = [];
    const names = Array.from({ length: 30 }, (_, r) => `w${String.fromCharCode(97 + (r % 26))}${String.fromCharCode(97 + Math.floor(r / 26))}`);
    names.forEach((name, r) => {
      for (let i = 0; i < Math.floor(1000 / (r + 1)); i++) parts.push(name);
    });
    const rf = rankFrequency(wordCounts(tokenizeWords(parts.join(' '))));
    for (let r = 0; r < 30; r++) expect(rf.counts[r]).toBe(Math.floor(1000 / (r + 1)));
  });

  it('encodes characters by code point and decodes back', () => {
    const text = 'abcab ✓😀';
    const enc = encodeChars(text);
    expect(enc.vocab).toEqual([' ', 'a', 'b', 'c', '✓', '😀']);
    expect(enc.ids.length).toBe(8);
    expect(Array.from(enc.ids, (i) => enc.vocab[i]).join('')).toBe(text);
  });
});

/**
 * Word tokens and counts for rank–frequency (Zipf) statistics (catalog study 29c), and a character
 * vocabulary for char-level language models.
 *
 * Tokenization rule: a word is a maximal run of Unicode letters, optionally joined by internal
 * apostrophes (' or ’) to further letters ("whale's", "don't" are one token; leading/trailing quotes
 * are dropped). Everything else (digits, punctuation, hyphens, dashes, whitespace) separates words, so
 * "sperm-whale" gives "sperm", "whale". Tokens are lower-cased with toLowerCase() and ’ is normalized
 * to '. Orthographic, case-folded words are the usual unit of Zipf-law measurements on literary text
 * (see the review by Piantadosi 2014, "Zipf's word frequency law in natural language").
 */

const WORD = /\p{L}+(?:['’]\p{L}+)*/gu;

/** Lower-case word tokens of `text` in order of appearance. */
export function tokenizeWords(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(WORD)) out.push(m[0].toLowerCase().replaceAll('’', "'"));
  return out;
}

/** Occurrence count of every distinct token. */
export function wordCounts(tokens: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

export interface RankFrequency {
  /** Words by decreasing count; ties broken by code-unit order of the word (deterministic). */
  words: string[];
  /** counts[r] is the count of the word of rank r + 1. */
  counts: Float64Array;
  /** ranks[r] = r + 1. */
  ranks: Float64Array;
  /** Total number of tokens. */
  total: number;
}

/** Rank–frequency table: f(r) against r = 1, 2, …, the object of Zipf's law f(r) ∝ r^{−s}. */
export function rankFrequency(counts: Map<string, number>): RankFrequency {
  const entries = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const words = entries.map((e) => e[0]);
  const c = Float64Array.from(entries, (e) => e[1]);
  let total = 0;
  for (const v of c) total += v;
  return { words, counts: c, ranks: Float64Array.from(words, (_, i) => i + 1), total };
}

export interface CharEncoding {
  /** Distinct characters (Unicode code points), sorted by code point. */
  vocab: string[];
  /** Token id of each code point of the text. */
  ids: Int32Array;
}

/** Character-level encoding of `text` by code point (for char-level LMs). */
export function encodeChars(text: string): CharEncoding {
  const chars = Array.from(text);
  const vocab = [...new Set(chars)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const index = new Map(vocab.map((ch, i) => [ch, i]));
  return { vocab, ids: Int32Array.from(chars, (ch) => index.get(ch)!) };
}

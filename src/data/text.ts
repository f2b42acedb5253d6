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

/**
 * What a tokenizer does with a character that is not in its vocabulary:
 * - 'error' (default): encode throws, naming the character (as U+XXXX), its code-point offset in the text
 *   and the vocabulary size. Right for a corpus whose vocabulary was built from the whole text, where an
 *   unknown character means the wrong tokenizer was used.
 * - 'unk': the vocabulary gets one extra id, `vocabSize − 1`, shared by every unknown character; decode
 *   writes it as U+FFFD (the Unicode replacement character). Right for encoding new text (a prompt, a
 *   user file) with a tokenizer trained elsewhere.
 */
export type UnknownCharPolicy = 'error' | 'unk';

/** A reversible map between text and integer token ids in [0, vocabSize). */
export interface Tokenizer {
  readonly kind: 'char' | 'byte';
  readonly vocabSize: number;
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
}

/** The replacement character written for the 'unk' id. */
export const UNKNOWN_CHAR = '\uFFFD';

function codePointLabel(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Character-level tokenizer over Unicode code points (as in Karpathy's char-rnn and nanoGPT's
 * shakespeare_char). The vocabulary is the sorted list of distinct code points (sorted by code point, so
 * it depends only on the set of characters, never on their order or counts), plus the 'unk' id last when
 * the policy is 'unk'. Browser-safe.
 */
export class CharTokenizer implements Tokenizer {
  readonly kind = 'char' as const;
  /** vocab[id] is the character of token id (without the 'unk' entry). */
  readonly vocab: readonly string[];
  readonly unknown: UnknownCharPolicy;
  /** The id of unknown characters, or null under the 'error' policy. */
  readonly unkId: number | null;
  private readonly index: Map<string, number>;

  constructor(vocab: readonly string[], unknown: UnknownCharPolicy = 'error') {
    const fn = 'CharTokenizer';
    if (unknown !== 'error' && unknown !== 'unk') throw new Error(`${fn}: unknown must be 'error' or 'unk', got ${String(unknown)}`);
    this.index = new Map();
    for (let i = 0; i < vocab.length; i++) {
      const ch = vocab[i];
      if (typeof ch !== 'string' || Array.from(ch).length !== 1) {
        throw new Error(`${fn}: vocab[${i}] must be a single Unicode character, got ${JSON.stringify(ch)}`);
      }
      if (this.index.has(ch)) throw new Error(`${fn}: vocab[${i}] = ${JSON.stringify(ch)} repeats vocab[${this.index.get(ch)}]`);
      this.index.set(ch, i);
    }
    this.vocab = [...vocab];
    this.unknown = unknown;
    this.unkId = unknown === 'unk' ? vocab.length : null;
  }

  /** The tokenizer whose vocabulary is the distinct characters of `text`, sorted by code point. */
  static fromText(text: string, options: { unknown?: UnknownCharPolicy } = {}): CharTokenizer {
    const vocab = [...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharTokenizer(vocab, options.unknown ?? 'error');
  }

  get vocabSize(): number {
    return this.vocab.length + (this.unkId === null ? 0 : 1);
  }

  encode(text: string): Int32Array {
    const chars = Array.from(text);
    const ids = new Int32Array(chars.length);
    for (let i = 0; i < chars.length; i++) {
      const id = this.index.get(chars[i]);
      if (id !== undefined) ids[i] = id;
      else if (this.unkId !== null) ids[i] = this.unkId;
      else {
        throw new Error(
          `CharTokenizer.encode: character ${codePointLabel(chars[i])} ${JSON.stringify(chars[i])} at code point ${i} is not in the vocabulary of ${this.vocab.length} characters (build the tokenizer from this text, or use unknown: 'unk')`,
        );
      }
    }
    return ids;
  }

  decode(ids: ArrayLike<number>): string {
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === this.unkId) out += UNKNOWN_CHAR;
      else if (Number.isInteger(id) && id >= 0 && id < this.vocab.length) out += this.vocab[id];
      else throw new Error(`CharTokenizer.decode: ids[${i}] must be an integer in [0, ${this.vocabSize}), got ${String(id)}`);
    }
    return out;
  }
}

/**
 * Byte-level tokenizer: the UTF-8 bytes of the text, vocabulary size 256 (GPT-2's byte-level BPE starts
 * from the same alphabet; here without merges). Every string is encodable, so there is no unknown
 * policy. Decoding a sequence that is not valid UTF-8 (e.g. a window that cuts a multi-byte character)
 * writes U+FFFD for the broken bytes, as the WHATWG TextDecoder does; use `decodeStrict` to throw instead.
 */
export class ByteTokenizer implements Tokenizer {
  readonly kind = 'byte' as const;
  readonly vocabSize = 256;

  encode(text: string): Int32Array {
    return Int32Array.from(new TextEncoder().encode(text));
  }

  decode(ids: ArrayLike<number>): string {
    return new TextDecoder('utf-8').decode(this.toBytes(ids));
  }

  /** Like decode, but throws when the bytes are not valid UTF-8. */
  decodeStrict(ids: ArrayLike<number>): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.toBytes(ids));
    } catch {
      throw new Error(`ByteTokenizer.decodeStrict: the ${ids.length} bytes are not valid UTF-8`);
    }
  }

  private toBytes(ids: ArrayLike<number>): Uint8Array {
    const bytes = new Uint8Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const b = ids[i];
      if (!Number.isInteger(b) || b < 0 || b > 255) throw new Error(`ByteTokenizer.decode: ids[${i}] must be an integer in [0, 256), got ${String(b)}`);
      bytes[i] = b;
    }
    return bytes;
  }
}

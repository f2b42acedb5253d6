/**
 * The text of a language-model study, tokenized by characters: the `corpus` parameter is 'moby-dick' (the
 * bundled text with its fixed chapter split, src/data/corpus.ts) or, under Node only, the path of a UTF-8
 * text file. Browser-safe: the Node loader (src/data/node/corpus.ts, node:fs and node:zlib) is imported
 * dynamically and only under Node; in a browser only the bundled text exists (fetched and inflated by
 * `fetchMobyDick`). The vocabulary is the characters of the whole text (both splits), so the validation
 * split never meets an unknown character. Loaded corpora are kept per name and minimum length.
 */
import { type Corpus, fetchMobyDick, tokenizeCorpus } from './corpus.ts';
import { CharTokenizer } from './text.ts';

export interface StudyText {
  corpus: Corpus;
  tokenizer: CharTokenizer;
  train: Int32Array;
  validation: Int32Array;
  vocab: number;
}

const cache = new Map<string, Promise<StudyText>>();

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** The corpus `name`: 'moby-dick' (bundled; fetched and inflated in a browser) or, under Node only, a file path; errors name the file. */
export async function loadStudyCorpus(name: string, minChars: number): Promise<Corpus> {
  if (isNode()) {
    // a computed specifier keeps bundlers (Vite) from pulling node:fs into the browser build
    // (and the built package has .js files where a clone has .ts)
    const path = import.meta.url.endsWith('.ts') ? './node/corpus.ts' : './node/corpus.js';
    const mod = (await import(/* @vite-ignore */ path)) as typeof import('./node/corpus.ts');
    return mod.loadCorpus(name, { minChars });
  }
  if (name !== 'moby-dick') throw new Error(`corpus: ${JSON.stringify(name)} is a file path, which only the Node CLI can read; in the browser use 'moby-dick'`);
  return fetchMobyDick();
}

/** The character-tokenized text of `corpus` (see the module comment); errors name the file and the need. */
export function loadStudyText(corpus: string, minChars = 20000): Promise<StudyText> {
  const key = `${corpus}\u0000${minChars}`;
  let p = cache.get(key);
  if (p === undefined) {
    p = loadStudyCorpus(corpus, minChars).then((c) => {
      const tokenizer = CharTokenizer.fromText(c.text);
      const t = tokenizeCorpus(c, tokenizer);
      return { corpus: c, tokenizer, train: t.train, validation: t.validation, vocab: t.vocabSize };
    });
    // a failed load is not cached (the user may fix the file and run again)
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

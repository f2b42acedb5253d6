/**
 * The `corpus` parameter of a text study, resolved without tying the study module to Node: 'moby-dick' is
 * the bundled text (read from disk under Node, fetched and inflated in the browser by `fetchMobyDick`);
 * any other value is a path to a UTF-8 text file, readable only under Node. The Node loader
 * (src/data/node/corpus.ts imports node:fs) is reached by a dynamic import that bundlers are told not to
 * follow, so the lab's bundle never contains it.
 */
import { type Corpus, fetchMobyDick } from '../../data/corpus.ts';

type NodeCorpusModule = typeof import('../../data/node/corpus.ts');

function underNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** Load the study's corpus: 'moby-dick' (bundled) or a file path (Node only); errors name the file. */
export async function loadStudyCorpus(corpus: string, minChars: number): Promise<Corpus> {
  if (underNode()) {
    // A computed specifier: Vite leaves it alone (the browser never takes this branch).
    const specifier = '../../data/node/corpus.ts';
    const mod = (await import(/* @vite-ignore */ specifier)) as NodeCorpusModule;
    return mod.loadCorpus(corpus, { minChars });
  }
  if (corpus !== 'moby-dick') throw new Error(`corpus: ${JSON.stringify(corpus)} cannot be read in the browser; expected 'moby-dick' (a file path works under Node only)`);
  return fetchMobyDick();
}

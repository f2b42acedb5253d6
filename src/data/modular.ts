/**
 * Modular arithmetic tables c = a ∘ b mod p for grokking (catalog study 31).
 *
 * Power, Burda, Edwards, Babuschkin & Misra 2022 ("Grokking: generalization beyond overfitting on small
 * algorithmic datasets") train on a random fraction of the p² pairs (a, b) ∈ Z_p × Z_p and test on the
 * rest; Gromov 2023 ("Grokking modular arithmetic") and Nanda et al. 2023 use one-hot inputs
 * [e_a ; e_b] ∈ R^{2p} (concatenated) and a p-way classifier. All p² pairs are included (b = 0 too).
 *
 * Subtraction is taken in Z_p: (a − b) mod p ∈ [0, p). The modulus need not be prime for +, −, ×.
 */
import type { Mat } from '../core/mat.ts';
import type { Rng } from '../core/random.ts';
import { checkInt, checkNumber } from './validate.ts';

export type ModularOp = '+' | '-' | '*';

export interface ModularSet {
  /** Left operand a per example. */
  a: Int32Array;
  /** Right operand b per example. */
  b: Int32Array;
  /** Index pairs, row-major n × 2: pairs[2r] = a, pairs[2r + 1] = b. */
  pairs: Int32Array;
  /** One-hot concatenated inputs, n × 2p: 1 at column a and at column p + b. */
  x: Mat;
  /** Labels c = a ∘ b mod p. */
  y: Int32Array;
}

export interface ModularSplit {
  p: number;
  op: ModularOp;
  classes: number;
  train: ModularSet;
  test: ModularSet;
}

export interface ModularParams {
  /** Modulus p ≥ 2. */
  p: number;
  /** Operation (default '+'). */
  op?: ModularOp;
  /** Fraction of the p² pairs in the training set; the count is round(fraction · p²) exactly. */
  trainFraction: number;
}

/** (a ∘ b) mod p in [0, p). */
export function modularOp(a: number, b: number, p: number, op: ModularOp): number {
  switch (op) {
    case '+':
      return (a + b) % p;
    case '-':
      return (((a - b) % p) + p) % p;
    case '*':
      // Exact while p² < 2^53.
      return (a * b) % p;
    default:
      throw new Error(`modularOp: op must be '+', '-' or '*', got ${String(op)}`);
  }
}

function checkModulus(fn: string, p: number, op: ModularOp): void {
  // p² pairs are materialized, and a·b must stay exact in doubles.
  checkInt(fn, 'p', p, 2, 4096);
  if (op !== '+' && op !== '-' && op !== '*') throw new Error(`${fn}: op must be '+', '-' or '*', got ${String(op)}`);
}

/** The examples (a, b) listed by `index` = a·p + b, in the given order. */
export function modularExamples(p: number, op: ModularOp, index: ArrayLike<number>): ModularSet {
  checkModulus('modularExamples', p, op);
  const n = index.length;
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  const pairs = new Int32Array(2 * n);
  const y = new Int32Array(n);
  const x = new Float64Array(n * 2 * p);
  for (let r = 0; r < n; r++) {
    const id = index[r];
    if (!Number.isInteger(id) || id < 0 || id >= p * p) {
      throw new Error(`modularExamples: index[${r}] = ${id} is not a pair index in [0, ${p * p})`);
    }
    const ai = Math.floor(id / p);
    const bi = id - ai * p;
    a[r] = ai;
    b[r] = bi;
    pairs[2 * r] = ai;
    pairs[2 * r + 1] = bi;
    y[r] = modularOp(ai, bi, p, op);
    x[r * 2 * p + ai] = 1;
    x[r * 2 * p + p + bi] = 1;
  }
  return { a, b, pairs, x: { rows: n, cols: 2 * p, data: x }, y };
}

/** The full table, all p² pairs in order a·p + b. */
export function modularTable(p: number, op: ModularOp = '+'): ModularSet {
  checkModulus('modularTable', p, op);
  const idx = new Int32Array(p * p);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return modularExamples(p, op, idx);
}

/**
 * A seeded train/test split of all p² pairs: a uniformly random permutation, the first
 * round(trainFraction · p²) pairs go to train (in permutation order), the rest to test.
 */
export function modularArithmetic(params: ModularParams, rng: Rng): ModularSplit {
  const fn = 'modularArithmetic';
  const op = params.op ?? '+';
  checkModulus(fn, params.p, op);
  const p = params.p;
  checkNumber(fn, 'trainFraction', params.trainFraction, 0, 1);
  const total = p * p;
  const nTrain = Math.round(params.trainFraction * total);
  const perm = rng.child('split').permutation(total);
  return {
    p,
    op,
    classes: p,
    train: modularExamples(p, op, perm.subarray(0, nTrain)),
    test: modularExamples(p, op, perm.subarray(nTrain)),
  };
}

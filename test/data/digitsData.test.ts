import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DIGITS_COUNT, DIGITS_SOURCE_SHA256, embeddedDigits } from '../../src/data/digitsData.ts';
import { DIGITS_FILE, loadDigits } from '../../src/data/node/datasets.ts';

describe('embeddedDigits (browser-safe copy of data/digits.csv.gz)', () => {
  it('was generated from the committed data file (same SHA-256)', () => {
    const sha = createHash('sha256').update(readFileSync(DIGITS_FILE)).digest('hex');
    expect(DIGITS_SOURCE_SHA256).toBe(sha);
  });

  it('decodes to exactly what loadDigits reads from the gzipped CSV', () => {
    const a = embeddedDigits();
    const b = loadDigits();
    expect(a.x.rows).toBe(DIGITS_COUNT);
    expect(a.x.cols).toBe(64);
    expect(a.shape).toEqual(b.shape);
    expect(a.classes).toBe(b.classes);
    expect(Array.from(a.y)).toEqual(Array.from(b.y));
    // bit-for-bit: both compute count / 16 from the same integers
    expect(a.x.data).toEqual(b.x.data);
  });

  it('applies limit and seeded subset like loadDigits, and returns fresh arrays', () => {
    const opts = { subset: { size: 100, seed: 7 }, limit: 40 };
    const a = embeddedDigits(opts);
    const b = loadDigits(opts);
    expect(a.x.rows).toBe(40);
    expect(a.x.data).toEqual(b.x.data);
    expect(Array.from(a.y)).toEqual(Array.from(b.y));
    a.x.data[0] = 99;
    expect(embeddedDigits({ limit: 1 }).x.data[0]).not.toBe(99);
  });

  it('rejects bad options naming the field', () => {
    expect(() => embeddedDigits({ subset: { size: 5000, seed: 0 } })).toThrow(/subset\.size/);
  });
});

/** Every sweep spec shipped in examples/ parses and expands (a README command must not fail on its own example). */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expandSweep, parseSpecText } from '../../src/run/sweep/spec.ts';

const DIR = new URL('../../examples/', import.meta.url);
const specs = readdirSync(DIR).filter((f) => /\.(ya?ml|json)$/.test(f));

describe('examples/ sweep specs', () => {
  it('there are some', () => expect(specs.length).toBeGreaterThan(1));
  it.each(specs)('%s parses and expands to at least one run', (f) => {
    const spec = parseSpecText(readFileSync(new URL(f, DIR), 'utf8'), f);
    const expanded = expandSweep(spec, 'test');
    expect(expanded.runs.length).toBeGreaterThan(0);
  });
});

/**
 * The layer rule of docs/ARCHITECTURE.md, checked on the sources: a file in layer k imports only from layers
 * ≤ k (core → nn → data → observe → theory → protocols → studies → run/cli/report), `core` and `studies` use no
 * `node:` modules (they run in the browser), and no training loop lives outside the trainer: `valueAndGrad`
 * is called from nn/train.ts, from instruments that read gradients (observe), and from studies that say in
 * their header that they integrate their own dynamics.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../src/', import.meta.url).pathname;
const ORDER = ['core', 'nn', 'data', 'observe', 'theory', 'protocols', 'studies', 'run', 'cli', 'report'];
/** run, cli and report are one tier: they may import each other. */
const rank = (layer: string): number => Math.min(ORDER.indexOf(layer), ORDER.indexOf('run'));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const sources = files(SRC).map((p) => ({ path: relative(SRC, p), text: readFileSync(p, 'utf8') }));
const layerOf = (rel: string): string => rel.split('/')[0];

function importsOf(text: string): string[] {
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm), ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]);
}

describe('layers', () => {
  it('every relative import goes to the same or an earlier layer', () => {
    const bad: string[] = [];
    for (const f of sources) {
      const from = layerOf(f.path);
      if (!ORDER.includes(from)) continue;
      for (const spec of importsOf(f.text)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(SRC, join(SRC, f.path, '..', spec));
        const to = layerOf(target);
        if (!ORDER.includes(to)) continue;
        if (rank(to) > rank(from)) bad.push(`${f.path} imports ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('core, nn, data (outside data/node), observe, theory, protocols and studies use no Node modules', () => {
    const browserLayers = ['core', 'nn', 'data', 'observe', 'theory', 'protocols', 'studies'];
    const bad = sources
      .filter((f) => browserLayers.includes(layerOf(f.path)) && !f.path.startsWith('data/node/'))
      .filter((f) => importsOf(f.text).some((s) => s.startsWith('node:')))
      .map((f) => f.path);
    expect(bad).toEqual([]);
  });

  it('gradient steps live in the trainer: any other file that takes gradients says why (an instrument, or its own integrator)', () => {
    const allowed = (f: { path: string; text: string }) =>
      f.path === 'nn/train.ts' ||
      f.path.startsWith('core/') ||
      f.path.startsWith('observe/') ||
      // the sweep trainer trains through fit and reads the full-batch gradient norm as an observable
      f.path === 'run/sweep/train.ts' ||
      /own integrator/i.test(f.text.slice(0, 4000));
    const bad = sources.filter((f) => /\bvalueAndGrad\(/.test(f.text) && !allowed(f)).map((f) => f.path);
    expect(bad).toEqual([]);
  });

  it('studies/support is gone: no hidden second layer', () => {
    expect(sources.filter((f) => f.path.startsWith('studies/support/')).map((f) => f.path)).toEqual([]);
  });
});

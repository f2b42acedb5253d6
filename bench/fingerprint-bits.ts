/**
 * `node --import tsx bench/fingerprint-bits.ts OUT.json id[,id…]`: a bit-level fingerprint of studies'
 * quick-profile results at seed 0, written to OUT.json (never to the shared test fixture). For each study:
 * verdict, and a SHA-256 over the float64 bit patterns (so -0 and NaN payloads count) of every metric
 * value, prediction and measurement scalar, and every series' x and y. Used to check that a
 * performance-only change in src/core leaves every number bit for bit the same: run it before and after
 * and compare the files (`cmp`).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { executeStudy } from '../src/studies/execute.ts';
import { STUDIES } from '../src/studies/registry.ts';
import type { Observations } from '../src/studies/types.ts';

const [out, idsArg] = process.argv.slice(2);
if (!out || !idsArg) throw new Error('usage: fingerprint-bits.ts OUT.json id[,id…]');
const ids = idsArg.split(',');
const unknown = ids.filter((id) => !STUDIES.some((s) => s.id === id));
if (unknown.length) throw new Error(`ids: unknown study ${unknown.join(', ')}`);

function feed(h: ReturnType<typeof createHash>, xs: ArrayLike<number>): void {
  const b = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) b[i] = xs[i];
  h.update(new Uint8Array(b.buffer));
}

function feedObs(h: ReturnType<typeof createHash>, o: Observations): void {
  for (const k of Object.keys(o.scalars).sort()) {
    h.update(k);
    feed(h, [o.scalars[k] as number]);
  }
  for (const s of o.series) {
    h.update(`${s.name}|${s.group}|${s.kind}`);
    feed(h, s.x);
    feed(h, s.y);
  }
}

const result: Record<string, { verdict: string; sha256: string; ms: number }> = {};
for (const id of ids) {
  const study = STUDIES.find((s) => s.id === id);
  if (!study) continue;
  const t0 = Date.now();
  const r = await executeStudy(study, { profile: 'quick', seed: 0, codeVersion: 'fingerprint' });
  const h = createHash('sha256');
  for (const m of r.metrics) {
    h.update(m.name);
    feed(h, [m.value]);
  }
  feedObs(h, r.prediction);
  feedObs(h, r.measurement);
  result[id] = { verdict: r.verdict, sha256: h.digest('hex'), ms: Date.now() - t0 };
  console.error(`${id}: ${r.verdict} ${result[id].sha256.slice(0, 16)} (${result[id].ms} ms)${r.error ? ` ${r.error}` : ''}`);
}
writeFileSync(out, `${JSON.stringify(Object.fromEntries(Object.entries(result).map(([k, v]) => [k, { verdict: v.verdict, sha256: v.sha256 }])), null, 1)}\n`);

/**
 * Records every registered study's quick-profile numbers at one seed (metric values and measured scalars)
 * to test/fixtures/study-fingerprints.json. The fingerprint test (test/studies/fingerprints.test.ts)
 * compares a fresh run against this file bit for bit: a refactor that moves code must not move numbers.
 * Re-record (and say why in the commit) only when a change is meant to alter a study's numbers.
 *
 *   node --import tsx scripts/record-study-fingerprints.ts [--seed 0] [--only id,id]
 */
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { executeStudy } from '../src/studies/execute.ts';
import { STUDIES } from '../src/studies/registry.ts';

const args = process.argv.slice(2);
const seed = Number(args[args.indexOf('--seed') + 1] ?? 0) || 0;
const onlyArg = args.indexOf('--only') >= 0 ? args[args.indexOf('--only') + 1].split(',') : null;
const file = 'test/fixtures/study-fingerprints.json';
const enc = (x: number): number | string => (Number.isFinite(x) ? x : String(x));

const out: Record<string, unknown> = existsSync(file) && onlyArg ? JSON.parse(readFileSync(file, 'utf8')).studies : {};
for (const s of STUDIES) {
  if (onlyArg && !onlyArg.includes(s.id)) continue;
  const t0 = Date.now();
  const r = await executeStudy(s, { profile: 'quick', seed, codeVersion: 'fingerprint' });
  if (r.error) throw new Error(`${s.id}: ${r.error}`);
  out[s.id] = {
    verdict: r.verdict,
    metrics: Object.fromEntries(r.metrics.map((m) => [m.name, enc(m.value)])),
    scalars: Object.fromEntries(Object.entries(r.measurement.scalars).map(([k, v]) => [k, enc(v)])),
  };
  console.error(`${s.id}: ${r.verdict} (${Date.now() - t0} ms)`);
}
writeFileSync(file, `${JSON.stringify({ seed, profile: 'quick', studies: out }, null, 1)}\n`);

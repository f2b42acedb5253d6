// Is the core suite's quick profile independent of its seed (issue 13: "lmech run --core --quick --seed S gives
// the same verdicts for S = 0…9")? Runs the CLI once per seed and prints a study × seed verdict table:
//   node --import tsx scripts/core-seeds.ts [--from 0] [--to 9] [--store DIR] [--workers N] [--only id1,id2]
// Exits 1 when any study's verdict differs across the seeds (or a run failed), 0 otherwise. Each seed is one
// `lmech run --core --quick --seed S --json` (a few minutes on 2 cores); runs already in the store are cache hits,
// so an interrupted table resumes. `--only` restricts the runs to some studies (`lmech run <ids>` instead of
// `--core`), for re-checking the studies one has changed.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface Options {
  from: number;
  to: number;
  store: string;
  workers?: number;
  only?: string[];
}

const USAGE = 'usage: node --import tsx scripts/core-seeds.ts [--from S0] [--to S1] [--store DIR] [--workers N] [--only id1,id2]';

function intFlag(name: string, text: string | undefined, min: number): number {
  const v = Number(text);
  if (text === undefined || !Number.isInteger(v) || v < min) throw new Error(`${name}: expected an integer ≥ ${min}, got ${JSON.stringify(text)}\n${USAGE}`);
  return v;
}

export function parseArgs(argv: readonly string[]): Options {
  const o: Options = { from: 0, to: 4, store: './lmech-data' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--from') o.from = intFlag('--from', value, 0);
    else if (flag === '--to') o.to = intFlag('--to', value, 0);
    else if (flag === '--workers') o.workers = intFlag('--workers', value, 1);
    else if (flag === '--store') {
      if (value === undefined || value.startsWith('--')) throw new Error(`--store: expected a directory, got ${JSON.stringify(value)}\n${USAGE}`);
      o.store = value;
    } else if (flag === '--only') {
      if (value === undefined || value.startsWith('--')) throw new Error(`--only: expected comma-separated study ids, got ${JSON.stringify(value)}\n${USAGE}`);
      o.only = value.split(',').filter((s) => s.length > 0);
    } else throw new Error(`${flag}: unknown flag\n${USAGE}`);
    i++;
  }
  if (o.to < o.from) throw new Error(`--to: ${o.to} is below --from ${o.from}; expected --from ≤ --to`);
  return o;
}

/** One seed's verdicts by study id, from the JSON object `lmech run --json` prints last. */
function runSeed(o: Options, seed: number): Map<string, string> {
  const bin = fileURLToPath(new URL('../bin/lmech.js', import.meta.url));
  const select = o.only ?? ['--core'];
  const args = [bin, 'run', ...select, '--quick', '--seed', String(seed), '--json', '--store', o.store, ...(o.workers ? ['--workers', String(o.workers)] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let parsed: { studies?: { id: string; verdict: string }[] };
  try {
    parsed = JSON.parse(last);
  } catch {
    throw new Error(`seed ${seed}: lmech exited ${r.status} without a JSON result (last line: ${last.slice(0, 200)})`);
  }
  return new Map((parsed.studies ?? []).map((s) => [s.id, s.verdict]));
}

/** The table (one row per study, one column per seed) and the studies whose verdict is not the same at every seed. */
export function verdictTable(seeds: readonly number[], bySeed: readonly Map<string, string>[]): { lines: string[]; varying: string[] } {
  const ids = [...new Set(bySeed.flatMap((m) => [...m.keys()]))].sort();
  const cells = ids.map((id) => bySeed.map((m) => m.get(id) ?? 'missing'));
  const w = Math.max(5, ...ids.map((id) => id.length));
  const cw = Math.max(14, ...cells.flat().map((c) => c.length));
  const lines = [['study'.padEnd(w), ...seeds.map((s) => `seed ${s}`.padEnd(cw))].join('  ')];
  const varying: string[] = [];
  ids.forEach((id, i) => {
    const row = cells[i];
    const differs = row.some((c) => c !== row[0]) || row.includes('missing');
    if (differs) varying.push(id);
    lines.push([id.padEnd(w), ...row.map((c) => c.padEnd(cw)), differs ? '  ← varies' : ''].join('  ').trimEnd());
  });
  return { lines, varying };
}

function main(): number {
  const o = parseArgs(process.argv.slice(2));
  const seeds = Array.from({ length: o.to - o.from + 1 }, (_, i) => o.from + i);
  const bySeed: Map<string, string>[] = [];
  for (const seed of seeds) {
    const t = Date.now();
    bySeed.push(runSeed(o, seed));
    console.error(`seed ${seed}: ${((Date.now() - t) / 1000).toFixed(0)} s`);
  }
  const { lines, varying } = verdictTable(seeds, bySeed);
  console.log(lines.join('\n'));
  console.log(varying.length ? `\nverdicts differ across seeds ${o.from}–${o.to}: ${varying.join(', ')}` : `\nevery study gives the same verdict at seeds ${o.from}–${o.to}`);
  return varying.length ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main();
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 2;
  }
}

/** `lmech run`: run studies (cached in the store), print the verdict table or JSON, optionally write the report. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runResources } from '../../run/pool.ts';
import { foldSeeds, seedsFor, withPower } from '../../run/seeds.ts';
import { paramKeys, resolveParams } from '../../studies/execute.ts';
import { coreStudies, findStudy, STUDIES } from '../../studies/registry.ts';
import type { AnyStudy, StudyResult } from '../../studies/types.ts';
import { CliError, intFlag } from '../errors.ts';
import { executeTasks } from '../runner.ts';

export interface RunFlags {
  core?: boolean;
  all?: boolean;
  quick?: boolean;
  seed?: string;
  workers?: string;
  store?: string;
  out?: string;
  json?: boolean;
  strict?: boolean;
  param?: string[];
  force?: boolean;
  seeds?: string;
  power?: boolean;
  /** false with `--no-batch` (commander's negated option; true otherwise) */
  batch?: boolean;
}

/** `key=value` overrides; the value is parsed as JSON when it is valid JSON, else kept as a string. */
export function parseParamFlags(flags: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of flags ?? []) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new CliError(`--param: expected key=value, got '${f}'`);
    const key = f.slice(0, eq);
    const raw = f.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    out[key] = value;
  }
  return out;
}

export function selectStudies(ids: string[], flags: { core?: boolean; all?: boolean }): AnyStudy[] {
  if (flags.all) return STUDIES;
  const picked: AnyStudy[] = flags.core ? [...coreStudies()] : [];
  for (const id of ids) {
    const s = findStudy(id);
    if (!s) throw new CliError(`unknown study id '${id}'; expected one of: ${STUDIES.map((x) => x.id).join(', ')}`);
    if (!picked.includes(s)) picked.push(s);
  }
  if (picked.length === 0) throw new CliError('no studies selected: give study ids, --core or --all (see `lmech list`)');
  return picked;
}

/** How `peakHeapBytes` in the JSON is measured (see RunResources in src/run/worker.ts). */
const PEAK_HEAP_NOTE =
  'peakHeapBytes: high-water of V8 total_heap_size + external_memory (ArrayBuffer stores) of the thread that ran the study, sampled at its start, every progress report and its end (a lower bound); null for cached results. processMaxRssBytes: resident-set high-water of this whole process (all worker threads together), from process.resourceUsage().maxRSS.';

/**
 * `peakHeap[i]`, when given, is results[i]'s peak (a study folded over several seeds: the largest of its
 * seeds' peaks); otherwise it is looked up per result with `runResources`.
 */
export function resultJson(results: StudyResult[], peakHeap?: readonly (number | null)[]): unknown {
  return {
    memory: { note: PEAK_HEAP_NOTE, processMaxRssBytes: process.resourceUsage().maxRSS * 1024 },
    studies: results.map((r, i) => ({
      id: r.id,
      verdict: r.verdict,
      metrics: Object.fromEntries(r.metrics.map((m) => [m.name, { value: m.value, tolerance: m.tolerance, pass: m.pass, criterion: m.criterionText }])),
      regime: Object.fromEntries(r.regime.map((c) => [c.name, { ok: c.ok, detail: c.detail, ...(c.part ? { part: c.part } : {}) }])),
      controls: (r.controls ?? []).map((c) => ({ name: c.name, description: c.description, verdict: c.verdict, passing: c.passing, ...(c.error ? { error: c.error } : {}) })),
      ...(r.parts ? { parts: r.parts } : {}),
      ...(r.power ? { power: Object.fromEntries(r.power.map((p) => [p.metric, { prediction: p.prediction, detectionThreshold: Number.isFinite(p.detectionThreshold) ? p.detectionThreshold : null, direction: p.direction }])) } : {}),
      ...(r.seedSummary ? { seeds: r.seedSummary } : {}),
      seed: r.provenance.seed,
      configHash: r.provenance.configHash,
      codeVersion: r.provenance.codeVersion,
      durationMs: r.provenance.durationMs,
      peakHeapBytes: peakHeap ? (peakHeap[i] ?? null) : (runResources(r)?.peakHeapBytes ?? null),
      cached: r.cached === true,
      ...(r.error !== undefined ? { error: r.error } : {}),
    })),
  };
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run studies and print their verdicts (finished runs are stored; a re-run is a cache hit)')
    .argument('[ids...]', 'study ids (see `lmech list`)')
    .option('--core', 'the core suite')
    .option('--all', 'every study')
    .option('--quick', 'the quick (CI-sized) profile')
    .option('--seed <n>', 'random seed (default 0); with --seeds, the first of N consecutive seeds')
    .option('--seeds <n>', "run each study at N seeds and judge over them (default: the study's own default for the profile)")
    .option('--power', "report each judged metric's detection threshold (the smallest relative change of its prediction that flips it)")
    .option('--workers <n>', 'worker threads (default: number of cores)')
    .option('--store <dir>', 'result store directory', './lmech-data')
    .option('--out <dir>', 'also write the HTML report (index.html and PNG figures) to this directory')
    .option('--param <key=value...>', 'override a parameter of the selected studies (JSON values), repeatable')
    .option('--force', 're-run even if a stored result exists')
    .option('--no-batch', 'run every seed as its own job, even where the study trains its seeds as one batched model')
    .option('--json', 'print one JSON object last: {"studies":[...]}')
    .option('--strict', 'exit 1 unless every verdict is holds')
    .action(async (ids: string[], flags: RunFlags) => {
      const studies = selectStudies(ids, flags);
      const seed = intFlag('--seed', flags.seed, 0, 2 ** 31 - 1) ?? 0;
      const workers = intFlag('--workers', flags.workers, 1, 256);
      const overrides = parseParamFlags(flags.param);
      const profile = flags.quick ? 'quick' : 'default';
      // validate parameters up front so a typo fails before any work starts
      const accepts = (s: AnyStudy, k: string) => paramKeys(s, profile).includes(k);
      for (const s of studies) {
        const own = Object.fromEntries(Object.entries(overrides).filter(([k]) => accepts(s, k)));
        const unknown = Object.keys(overrides).filter((k) => !studies.some((t) => accepts(t, k)));
        if (unknown.length) throw new CliError(`--param: unknown parameter '${unknown[0]}' for the selected studies; expected one of: ${[...new Set(studies.flatMap((t) => paramKeys(t, profile)))].join(', ')}`);
        try {
          resolveParams(s, profile, own);
        } catch (e) {
          throw new CliError((e as Error).message);
        }
      }
      const seedCount = intFlag('--seeds', flags.seeds, 1, 1000);
      const seedLists = studies.map((s) => seedsFor(s, profile, seed, seedCount));
      const tasks = studies.flatMap((s, i) =>
        seedLists[i].map((sd) => ({
          studyId: s.id,
          profile: profile as 'quick' | 'default',
          params: Object.fromEntries(Object.entries(overrides).filter(([k]) => accepts(s, k))),
          seed: sd,
        })),
      );
      const flat = await executeTasks(tasks, { storeDir: resolve(flags.store ?? './lmech-data'), workers, quiet: flags.json === true, force: flags.force === true, batch: flags.batch !== false });
      const peakHeap: (number | null)[] = [];
      const results: StudyResult[] = [];
      let at = 0;
      studies.forEach((s, i) => {
        const mine = flat.slice(at, at + seedLists[i].length);
        at += seedLists[i].length;
        const peaks = mine.flatMap((r) => runResources(r)?.peakHeapBytes ?? []);
        peakHeap.push(peaks.length ? Math.max(...peaks) : null);
        const r = foldSeeds(s, mine);
        results.push(flags.power ? withPower(s, r) : r);
      });
      if (flags.out) {
        const { writeReport } = await import('../../report/html.ts');
        const { loadExampleMaps } = await import('../../report/exampleMaps.ts');
        // the shipped example maps appear in their studies' sections ("where it holds")
        const out = await writeReport(results, resolve(flags.out), { maps: await loadExampleMaps() });
        if (!flags.json) console.log(`report: ${out.html}`);
      }
      if (flags.json) console.log(JSON.stringify(resultJson(results, peakHeap)));
      else {
        const { verdictTable } = await import('../../report/table.ts');
        console.log(verdictTable(results, { color: process.stdout.isTTY === true, width: process.stdout.columns ?? 120 }));
      }
      const errored = results.some((r) => r.verdict === 'error');
      const notHolds = results.some((r) => r.verdict !== 'holds');
      process.exitCode = errored || (flags.strict && notHolds) ? 1 : 0;
    });
}

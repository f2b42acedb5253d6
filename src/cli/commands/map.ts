/**
 * `lmech map <study> --over key=values [--over key=values]`: a validity map (issue 16). Runs the study at every
 * grid point and seed (each a stored, content-addressed run: killed and re-run it redoes nothing stored), on local
 * worker threads or on Redis workers, then prints the grid of verdicts and the boundaries (or the ValidityMap as
 * JSON) and with `--out` writes map.json, points.parquet, map.html and the PNGs.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { encodeJson } from '../../core/jsonCodec.ts';
import { writeMapData } from '../../run/map/files.ts';
import { runMapToEnd } from '../../run/map/run.ts';
import type { RunOptions } from '../../run/pool.ts';
import { createProgress } from '../../run/progress.ts';
import { seedsFor } from '../../run/seeds.ts';
import { openStore, type Store, StoreLockedError } from '../../run/store.ts';
import { findStudy, STUDIES } from '../../studies/registry.ts';
import type { AnyStudy } from '../../studies/types.ts';
import { MapSpecError, parseAxis, validateMapSpec } from '../../studies/validityMap/grid.ts';
import type { MapSpec, ValidityMap } from '../../studies/validityMap/types.ts';
import { CliError, intFlag } from '../errors.ts';
import { parseParamFlags } from './run.ts';
import { sweepCodeVersion } from './sweep.ts';

interface MapFlags {
  over?: string[];
  seeds?: string;
  seed?: string;
  quick?: boolean;
  metric?: string;
  param?: string[];
  backend?: string;
  workers?: string;
  store?: string;
  out?: string;
  json?: boolean;
  yes?: boolean;
  force?: boolean;
  /** false with `--no-batch` (commander's negated option; true otherwise) */
  batch?: boolean;
}

/** A MapSpecError (bad grid, unknown metric) is bad input: print it as a CLI error. */
function asCliError(e: unknown): unknown {
  return e instanceof MapSpecError ? new CliError(e.message) : e;
}

/** The map's spec from the flags, validated against the study (nothing runs, no store is opened). */
export function mapSpecFromFlags(study: AnyStudy, flags: MapFlags): MapSpec {
  const profile = flags.quick ? 'quick' : 'default';
  const first = intFlag('--seed', flags.seed, 0, 2 ** 31 - 1) ?? 0;
  const count = intFlag('--seeds', flags.seeds, 1, 1000);
  const base = parseParamFlags(flags.param);
  try {
    const axes = (flags.over ?? []).map((f) => parseAxis(study, profile, f));
    const spec: MapSpec = {
      studyId: study.id,
      profile,
      axes,
      seeds: seedsFor(study, profile, first, count),
      ...(flags.metric !== undefined ? { metric: flags.metric } : {}),
      ...(Object.keys(base).length > 0 ? { base } : {}),
    };
    validateMapSpec(study, spec, { yes: flags.yes === true });
    return spec;
  } catch (e) {
    throw asCliError(e);
  }
}

async function backendOf(flags: MapFlags): Promise<RunOptions['backend']> {
  if (flags.backend === undefined) return undefined;
  const { parseRedisUrl } = await import('../../run/redis/connection.ts');
  parseRedisUrl(flags.backend);
  return { kind: 'redis', url: flags.backend, onWaiting: (message) => process.stderr.write(`[lmech] ${message}\n`) };
}

async function openMapStore(dir: string): Promise<Store> {
  return openStore(dir).catch((e: unknown) => {
    if (e instanceof StoreLockedError) throw new CliError(e.message);
    throw e;
  });
}

/** Run the map with a progress display on stderr; Ctrl-C stops the workers (finished points are stored). */
async function runWithProgress(spec: MapSpec, flags: MapFlags, store: Store): Promise<ValidityMap> {
  const progress = createProgress({ mode: flags.json === true ? 'quiet' : 'auto' });
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  const backend = await backendOf(flags);
  const workers = intFlag('--workers', flags.workers, 1, 256);
  try {
    return await runMapToEnd(spec, {
      store,
      ...(workers !== undefined ? { workers } : {}),
      ...(backend ? { backend } : {}),
      signal: abort.signal,
      onEvent: (e) => progress.onEvent(e),
      codeVersion: sweepCodeVersion(),
      force: flags.force === true,
      yes: flags.yes === true,
      // --no-batch turns batching off; otherwise the map decides (on where the study batches along a mapped axis)
      ...(flags.batch === false ? { batch: false } : {}),
    });
  } catch (e) {
    if (abort.signal.aborted) throw new CliError('interrupted; finished points are stored and will be reused on the next run', 130);
    throw asCliError(e);
  } finally {
    process.off('SIGINT', onSigint);
    progress.stop();
  }
}

/** map.json and points.parquet, and the figures (map.html, PNGs) from src/report/map.ts. */
async function writeOutputs(map: ValidityMap, dir: string, quiet: boolean): Promise<void> {
  const written = await writeMapData(map, dir);
  const { writeMapReport } = await import('../../report/map.ts');
  const report = await writeMapReport(map, dir);
  written.push(report.html, ...report.pngs);
  if (!quiet) process.stderr.write(`[lmech] wrote ${written.join(', ')}\n`);
}

export function registerMap(program: Command): void {
  program
    .command('map')
    .description('run a study over a grid of its own parameters: where does the law hold? (phase diagram, error heatmap, boundary)')
    .argument('<study>', 'study id (see `lmech list`)')
    .option('--over <key=values...>', 'a grid axis: key=v1,v2,... or key=lo:hi:n[:log]; one or two, repeatable')
    .option('--quick', 'the quick (CI-sized) profile at every point')
    .option('--seeds <n>', "seeds per point (default: the study's own default for the profile)")
    .option('--seed <n>', 'first seed (default 0)')
    .option('--metric <name>', "the judged metric whose error / tolerance is mapped (default: the study's first)")
    .option('--param <key=value...>', 'override a parameter at every point (JSON values), repeatable')
    .option('--backend <url>', 'run the points on `lmech worker` processes through Redis: redis://HOST:PORT')
    .option('--workers <n>', 'local worker threads (default: number of cores)')
    .option('--store <dir>', 'result store directory', './lmech-data')
    .option('--out <dir>', 'write map.json, points.parquet, map.html and PNGs to this directory')
    .option('--json', 'print the ValidityMap as one JSON object (non-finite numbers as {"$num": ...})')
    .option('--yes', 'run a grid of more than 10,000 runs (points × seeds)')
    .option('--force', 're-run points even if stored')
    .option('--no-batch', "measure every point on its own, even where the study batches points along a mapped axis (e.g. ntk-linearization's eta)")
    .action(async (id: string, flags: MapFlags) => {
      const study = findStudy(id);
      if (!study) throw new CliError(`unknown study id '${id}'; expected one of: ${STUDIES.map((s) => s.id).join(', ')}`);
      const spec = mapSpecFromFlags(study, flags);
      const store = await openMapStore(resolve(flags.store ?? './lmech-data'));
      let map: ValidityMap;
      try {
        map = await runWithProgress(spec, flags, store);
      } finally {
        await store.close();
      }
      if (flags.out) await writeOutputs(map, resolve(flags.out), flags.json === true);
      if (flags.json) console.log(encodeJson(map));
      else {
        // loaded here, not at the top: every `lmech` command imports this file, and the report pulls in Vega
        const { mapTable } = await import('../../report/map.ts');
        console.log(mapTable(map, { color: process.stdout.isTTY === true }));
      }
    });
}

/**
 * `lmech import <file>`: bring CSV, JSONL or TensorBoard event-file logs into the store (see
 * src/run/import/importLogs.ts for the mapping rules). Bad input exits 2 with a message naming the record; nothing
 * is half-imported (one transaction).
 *
 *   lmech import runs.csv [--run-col run] [--step-col step] [--map mapping.json] [--store DIR]
 *   lmech import logs/run1/events.out.tfevents.1700000000.host [--run run1] [--name my-sweep]
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { IMPORT_FORMATS, importLogs } from '../../run/import/importLogs.ts';
import { StoreLockedError, openStore } from '../../run/store.ts';
import { CliError } from '../errors.ts';

interface ImportFlags {
  format?: string;
  runCol?: string;
  stepCol?: string;
  run?: string;
  name?: string;
  map?: string;
  store: string;
  json?: boolean;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import training logs (CSV, JSONL, TensorBoard event files) as runs with series, for fits and reports')
    .argument('<file>', 'the log file')
    .option('--format <format>', `${IMPORT_FORMATS.join(' | ')} (default: from the file name)`)
    .option('--run-col <column>', 'column naming the run (default: "run" if present, else one run per file)')
    .option('--step-col <column>', 'column holding the step (default: step, global_step, iteration, iter or epoch)')
    .option('--run <name>', 'run name when the file has no run column (default: the file name; event files: the directory name)')
    .option('--name <name>', 'name of this import in the store (default: the file name); importing under the same name replaces it')
    .option('--map <mapping.json>', 'mapping file: {"run", "step", "runName", "observables": [..] | {"col": "name"}, "config": [..], "name", "format"}')
    .option('--store <dir>', 'result store directory', './lmech-data')
    .option('--json', 'print one JSON object')
    .action(async (file: string, flags: ImportFlags) => {
      const store = await openStore(resolve(flags.store)).catch((e: unknown) => {
        if (e instanceof StoreLockedError) throw new CliError(e.message);
        throw e;
      });
      try {
        const r = await importLogs(store, file, {
          ...(flags.format !== undefined ? { format: flags.format } : {}),
          ...(flags.runCol !== undefined ? { runCol: flags.runCol } : {}),
          ...(flags.stepCol !== undefined ? { stepCol: flags.stepCol } : {}),
          ...(flags.run !== undefined ? { runName: flags.run } : {}),
          ...(flags.name !== undefined ? { name: flags.name } : {}),
          ...(flags.map !== undefined ? { map: flags.map } : {}),
        });
        for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
        if (flags.json) {
          console.log(
            JSON.stringify({
              import: { id: r.sweepId, name: r.name, format: r.format, points: r.points, duplicates: r.duplicates, skipped: r.skipped },
              runs: r.runs.map((x) => ({ runId: x.runId, name: x.name, config: x.config, observables: x.series.map((s) => s.observable) })),
            }),
          );
        } else {
          const obs = [...new Set(r.runs.flatMap((x) => x.series.map((s) => s.observable)))];
          console.log(`imported ${r.runs.length} run${r.runs.length === 1 ? '' : 's'}, ${r.points} points (${obs.join(', ')}) from ${file} as '${r.name}' (${r.sweepId})`);
        }
      } finally {
        await store.close();
      }
    });
}

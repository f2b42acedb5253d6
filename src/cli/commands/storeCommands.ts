/** `lmech report` and `lmech export`: read the store. */
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { openStore } from '../../run/store.ts';
import { STUDIES } from '../../studies/registry.ts';
import { CliError } from '../errors.ts';

export function registerStoreCommands(program: Command): void {
  program
    .command('report')
    .description('write the HTML report (one self-contained index.html plus a PNG per figure) from the newest stored run of each study')
    .option('--store <dir>', 'result store directory', './lmech-data')
    .option('--out <dir>', 'output directory', 'lmech-report')
    .argument('[ids...]', 'only these studies')
    .action(async (ids: string[], flags: { store: string; out: string }) => {
      for (const id of ids) if (!STUDIES.some((s) => s.id === id)) throw new CliError(`unknown study id '${id}'; expected one of: ${STUDIES.map((s) => s.id).join(', ')}`);
      const store = await openStore(resolve(flags.store), { readOnly: true }).catch((e: Error) => {
        throw new CliError(`cannot open the store at ${resolve(flags.store)}: ${e.message}`);
      });
      try {
        const order = ids.length ? ids : STUDIES.map((s) => s.id);
        const results = await store.latestResults(order);
        if (results.length === 0) throw new CliError(`the store at ${store.path} has no runs of ${ids.length ? ids.join(', ') : 'any study'}; run \`lmech run\` first`);
        const { writeReport } = await import('../../report/html.ts');
        const { loadExampleMaps } = await import('../../report/exampleMaps.ts');
        // the shipped example maps appear in their studies' sections ("where it holds")
        const out = await writeReport(results, resolve(flags.out), { maps: await loadExampleMaps() });
        console.log(`report: ${out.html} (${results.length} studies, ${out.pngs.length} figures)`);
      } finally {
        await store.close();
      }
    });

  program
    .command('export')
    .description('export stored results for pandas, polars, DuckDB or a spreadsheet')
    .addOption(new Option('--format <format>', 'output format').choices(['parquet', 'csv', 'jsonl']).default('parquet'))
    .addOption(new Option('--table <table>', 'which table').choices(['series', 'runs', 'metrics', 'regime']).default('series'))
    .option('--store <dir>', 'result store directory', './lmech-data')
    .option('--out <file>', 'output file (default: lmech-<table>.<ext>)')
    .action(async (flags: { format: 'parquet' | 'csv' | 'jsonl'; table: 'series' | 'runs' | 'metrics' | 'regime'; store: string; out?: string }) => {
      const out = resolve(flags.out ?? `lmech-${flags.table}.${flags.format}`);
      const store = await openStore(resolve(flags.store), { readOnly: true }).catch((e: Error) => {
        throw new CliError(`cannot open the store at ${resolve(flags.store)}: ${e.message}`);
      });
      try {
        await store.export(flags.format, out, flags.table);
        console.log(`wrote ${out}`);
      } finally {
        await store.close();
      }
    });
}

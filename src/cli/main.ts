/**
 * The `lmech` command line. Every subcommand validates its input and reports bad input as
 * `error: <what, the value, what was expected>` with exit code 2.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { coreStudies, STUDIES } from '../studies/registry.ts';
import { PILLARS } from '../studies/types.ts';
import { registerNativeBackend } from '../run/nativeKernels.ts';
import { registerCoordCheck } from './commands/coordCheck.ts';
import { registerDoctor } from './commands/doctor.ts';
import { fitCommand } from './commands/fit.ts';
import { registerImport } from './commands/importLogs.ts';
import { registerInspect } from './commands/inspect.ts';
import { registerLab } from './commands/lab.ts';
import { registerMap } from './commands/map.ts';
import { registerRun } from './commands/run.ts';
import { registerSchema } from './commands/schema.ts';
import { registerStoreCommands } from './commands/storeCommands.ts';
import { registerSweep, registerWorker } from './commands/sweep.ts';
import { registerTheory } from './commands/theory.ts';
import { CliError, checkStoreDirFlag } from './errors.ts';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('lmech')
    .description(
      'Learning Mechanics Lab: falsifiable studies of the scientific theory of deep learning.\n' +
        'Each study compares a first-principles prediction with a real training run and gives a verdict\n' +
        '(holds / falsified / out-of-regime) with the error, its tolerance, regime checks and provenance.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run `lmech --help` or `lmech <command> --help` for usage)')
    .configureOutput({ outputError: (str, write) => write(str.startsWith('error:') ? str : `error: ${str.replace(/^error: /, '')}`) });

  program
    .command('list')
    .description('list the studies (id, pillar, core, title)')
    .option('--json', 'print one JSON object')
    .addOption(new Option('--pillar <pillar>', 'only this pillar').choices([...PILLARS]))
    .action((opts: { json?: boolean; pillar?: string }) => {
      const studies = STUDIES.filter((s) => !opts.pillar || s.pillar === opts.pillar);
      if (opts.json) {
        console.log(
          JSON.stringify({
            studies: studies.map((s) => ({ id: s.id, catalog: s.catalog, pillar: s.pillar, core: s.core, title: s.title, claim: s.claim, papers: s.papers })),
          }),
        );
        return;
      }
      const w = Math.max(...studies.map((s) => s.id.length), 2);
      for (const s of studies) console.log(`${String(s.catalog).padStart(2)}  ${s.id.padEnd(w)}  ${s.pillar.padEnd(15)} ${s.core ? 'core' : '    '}  ${s.title}`);
      console.log(`${studies.length} studies (${coreStudies().length} in the core suite)`);
    });

  // Every command with a --store option: a file there is a clear error before anything opens the store.
  program.hook('preAction', (_program, command) => {
    const store: unknown = command.opts().store;
    if (typeof store === 'string') checkStoreDirFlag(store);
  });

  registerRun(program);
  registerStoreCommands(program);
  registerTheory(program);
  program.addCommand(fitCommand());
  registerSweep(program);
  registerWorker(program);
  registerImport(program);
  registerSchema(program);
  registerCoordCheck(program);
  registerInspect(program);
  registerLab(program);
  registerDoctor(program);
  registerMap(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `LMECH_KERNELS=native` can name the native backend (commands that train in this process: coord-check, ...)
  registerNativeBackend();
  const program = buildProgram();
  program.exitOverride();
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors exit 2 (commander already printed the message)
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') process.exit(0);
      process.exit(e.exitCode === 0 ? 0 : 2);
    }
    if (e instanceof CliError) {
      console.error(`error: ${e.message}`);
      process.exit(e.exitCode);
    }
    const err = e as { name?: string; message?: string; exitCode?: number };
    if (err && typeof err.exitCode === 'number') {
      console.error(`error: ${err.message}`);
      process.exit(err.exitCode);
    }
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  }
}

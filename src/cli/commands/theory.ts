/** `lmech theory <name>`: evaluate a theory function on JSON input and print one JSON object. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { THEORY_FUNCTIONS } from '../../theory/registry.ts';
import { CliError } from '../errors.ts';

export function registerTheory(program: Command): void {
  program
    .command('theory')
    .description(`evaluate a theory function: ${Object.keys(THEORY_FUNCTIONS).join(', ')}`)
    .argument('<name>', 'theory function')
    .option('--input <file>', 'JSON file with the input object')
    .option('--params <json>', 'the input object as JSON text')
    .option('--pretty', 'indent the output')
    .action((name: string, flags: { input?: string; params?: string; pretty?: boolean }) => {
      const fn = THEORY_FUNCTIONS[name];
      if (!fn) throw new CliError(`unknown theory function '${name}'; expected one of: ${Object.keys(THEORY_FUNCTIONS).join(', ')}`);
      if ((flags.input === undefined) === (flags.params === undefined)) throw new CliError('give exactly one of --input <file> or --params <json>');
      let text: string;
      if (flags.input !== undefined) {
        try {
          text = readFileSync(flags.input, 'utf8');
        } catch (e) {
          throw new CliError(`--input: cannot read '${flags.input}': ${(e as Error).message}`);
        }
      } else text = flags.params as string;
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (e) {
        throw new CliError(`${flags.input !== undefined ? `--input ${flags.input}` : '--params'}: not valid JSON (${(e as Error).message})`);
      }
      const parsed = fn.input.safeParse(raw);
      if (!parsed.success) {
        const lines = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`);
        throw new CliError(`invalid input for '${name}':\n  ${lines.join('\n  ')}`);
      }
      let out: unknown;
      try {
        out = fn.run(parsed.data);
      } catch (e) {
        throw new CliError(`${name}: ${(e as Error).message}`);
      }
      console.log(JSON.stringify(out, null, flags.pretty ? 2 : undefined));
    });
}

/**
 * `lmech schema sweep [--out FILE]`: print (or write) the JSON Schema (draft 2020-12) of sweep specs, so editors
 * validate spec files: put `"$schema": "./sweep.schema.json"` in a JSON spec, or
 * `# yaml-language-server: $schema=./sweep.schema.json` at the top of a YAML spec. The same schema ships in the
 * package as schema/sweep.schema.json (regenerate it with `node scripts/write-sweep-schema.mjs`).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { sweepJsonSchema } from '../../run/sweep/spec.ts';
import { CliError } from '../errors.ts';

export const SCHEMAS: Record<string, () => Record<string, unknown>> = { sweep: sweepJsonSchema };

/** The schema as the file holds it: 2-space JSON with a trailing newline. */
export function schemaText(name: string): string {
  const make = SCHEMAS[name];
  if (!make) throw new CliError(`schema: unknown schema '${name}'; expected one of ${Object.keys(SCHEMAS).join(', ')}`);
  return `${JSON.stringify(make(), null, 2)}\n`;
}

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of an input format (sweep: the `lmech sweep` spec)')
    .argument('<name>', `which schema: ${Object.keys(SCHEMAS).join(', ')}`)
    .option('--out <file>', 'write it to this file instead of stdout')
    .action((name: string, flags: { out?: string }) => {
      const text = schemaText(name);
      if (flags.out) {
        writeFileSync(resolve(flags.out), text);
        process.stderr.write(`wrote ${resolve(flags.out)}\n`);
      } else process.stdout.write(text);
    });
}

// Writes schema/sweep.schema.json, the JSON Schema (draft 2020-12) of `lmech sweep` specs, from the zod schema in
// src/run/sweep/spec.ts (the same text `lmech schema sweep` prints). Run after changing the spec schema; a test
// (test/run/sweep-spec.test.ts) fails while the committed file is out of date.
import { mkdirSync, writeFileSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const { schemaText } = await import('../src/cli/commands/schema.ts');
const out = new URL('../schema/sweep.schema.json', import.meta.url);
mkdirSync(new URL('../schema/', import.meta.url), { recursive: true });
writeFileSync(out, schemaText('sweep'));
console.log(`wrote schema/sweep.schema.json`);

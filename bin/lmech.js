#!/usr/bin/env node
// Entry point of the `lmech` CLI. It runs the compiled dist/cli (built by scripts/build-dist.mjs on
// `npm install` / `npm pack`; the published package ships only dist/) when that build is present and not older
// than src/; otherwise (a fresh clone before a build, or src/ edited since) it runs src/ through tsx, so the CLI
// never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = join(root, 'dist', '.build.json');
const srcDir = join(root, 'src');

/** Newest modification time (ms) of any file under `dir` (a clone's src/: a few hundred stats, ~2 ms). */
function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    const t = e.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

function distIsFresh() {
  if (process.env.LMECH_FROM_SRC === '1' || !existsSync(stamp)) return false;
  return !existsSync(srcDir) || newestMtime(srcDir) <= statSync(stamp).mtimeMs;
}

let entry;
if (distIsFresh()) entry = pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href;
else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = pathToFileURL(join(srcDir, 'cli', 'main.ts')).href;
}
const { main } = await import(entry);
await main(process.argv);

// Builds dist/ (JS + .d.ts) from src/ with tsc (tsconfig.build.json), so the package works as a dependency:
// Node does not strip types inside node_modules. Run by the "prepare" and "prepack" scripts and by hand.
//
//   node scripts/build-dist.mjs                  build; exit 1 on a type error (prepack: never pack a broken build)
//   node scripts/build-dist.mjs --if-possible    the "prepare" script on `npm install`: emits without type-checking
//                                                (tsc --noCheck, about half the time; CI type-checks separately)
//                                                and a failed build (no typescript, ...) warns, removes dist/ and
//                                                exits 0; bin/lmech.js then runs src/ through tsx.
//
// The build goes to a temporary folder that replaces dist/ only when complete, so a CLI started meanwhile never
// sees half a build. Besides tsc's output it copies src's plain .mjs files (the piscina worker entries, which
// load the compiled worker when it sits next to them) and writes dist/.build.json, whose mtime bin/lmech.js
// compares with src/ to ignore a stale dist/.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const srcDir = join(root, 'src');
const distDir = join(root, 'dist');
const tmpDir = join(root, `dist.tmp-${process.pid}`);
const lenient = process.argv.includes('--if-possible');

function fail(reason) {
  rmSync(tmpDir, { recursive: true, force: true });
  if (!lenient) {
    console.error(`[lmech] build failed: ${reason}`);
    process.exit(1);
  }
  rmSync(distDir, { recursive: true, force: true });
  console.warn(`[lmech] dist/ not built (${reason}); the CLI runs src/ through tsx`);
  process.exit(0);
}

function listFiles(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) listFiles(full, out);
    else if (e.isFile()) out.push(full);
  }
  return out;
}

if (!existsSync(srcDir)) process.exit(0); // an installed package: dist/ ships prebuilt
// `npm pack` / `npm publish` run "prepack" (the checked build) and then "prepare": do not build twice.
if (lenient && (process.env.npm_command === 'pack' || process.env.npm_command === 'publish') && existsSync(join(distDir, '.build.json'))) process.exit(0);
let tscBin;
try {
  tscBin = join(dirname(fileURLToPath(import.meta.resolve('typescript/package.json'))), 'bin', 'tsc');
} catch {
  fail('typescript is not installed');
}
const t0 = Date.now();
rmSync(tmpDir, { recursive: true, force: true });
const args = [tscBin, '-p', join(root, 'tsconfig.build.json'), '--outDir', tmpDir, ...(lenient ? ['--noCheck'] : [])];
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) fail(`tsc exited with ${r.status ?? r.signal}`);
for (const file of listFiles(srcDir).filter((f) => f.endsWith('.mjs'))) {
  const to = join(tmpDir, relative(srcDir, file));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(file, to);
}
writeFileSync(join(tmpDir, '.build.json'), `${JSON.stringify({ builtAt: new Date().toISOString(), ms: Date.now() - t0 })}\n`);
const old = `${distDir}.old-${process.pid}`;
if (existsSync(distDir)) renameSync(distDir, old);
renameSync(tmpDir, distDir);
rmSync(old, { recursive: true, force: true });
console.log(`[lmech] built dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

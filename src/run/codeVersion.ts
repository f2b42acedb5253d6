/**
 * The code version that goes into every run id: `<package version>+<12 hex of sha256 over src/>`, and
 * `+kernels=<name>` when `LMECH_KERNELS` picks a backend other than the portable default (`kernelsTag`).
 *
 * The digest covers every file under `src/` (relative path and contents, sorted by path), so any
 * change to the toolkit's code gives new run ids and a stored result from older code is never
 * returned as a cache hit. Computed once per process (it reads ~100 small files, a few ms).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE_DIR = fileURLToPath(new URL('../', import.meta.url));
// Built into dist/ inside a clone (scripts/build-dist.mjs): digest the src/ it was compiled from, so run ids are
// the same whichever way the CLI runs (dist, or src through tsx) and match the lab's. An installed package has
// no src/ and digests dist/.
const SRC_DIR = basename(HERE_DIR) === 'dist' && existsSync(join(HERE_DIR, '..', 'src')) ? join(HERE_DIR, '..', 'src') : HERE_DIR;
const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));

let cached: string | undefined;

function listFiles(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) listFiles(full, out);
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Digest of a source tree: sha256 over `path\0contents\0` for each file, sorted by POSIX-style relative path. */
export function sourceDigest(srcDir: string = SRC_DIR): string {
  const files = listFiles(srcDir, [])
    .map((full) => ({ full, rel: relative(srcDir, full).split(sep).join('/') }))
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f.rel);
    h.update('\0');
    h.update(readFileSync(f.full));
    h.update('\0');
  }
  return h.digest('hex');
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** `<package version>+<first 12 hex of the src/ digest>`, e.g. `0.1.0+3fa29c0d51be`. Computed once per process. */
export function codeVersion(): string {
  if (cached === undefined) cached = `${packageVersion()}+${sourceDigest().slice(0, 12)}${kernelsTag(process.env.LMECH_KERNELS)}`;
  return cached;
}

/**
 * `+kernels=<name>` when `LMECH_KERNELS` picks a backend other than the portable default (wasm): the native and
 * TypeScript kernels round differently (their own summation orders, FMA, libmvec), so their runs must not share
 * run ids (and cache entries) with the default's, which are bit for bit the browser lab's.
 */
export function kernelsTag(env: string | undefined): string {
  return env === undefined || env === '' || env === 'wasm' ? '' : `+kernels=${env}`;
}

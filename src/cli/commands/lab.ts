/**
 * `lmech lab`: serve the browser lab (lab/) as static files.
 *
 * The lab is built on demand with Vite's JS API into lab/dist when that folder is missing or stale.
 * Staleness: a digest over the lab's sources (lab/ without dist), the toolkit's src/ (which the lab
 * bundles) and package.json / package-lock.json, stored in lab/dist/.lmech-lab.json after a build. A build
 * goes to a temporary folder that replaces the old one only when complete, so a failed build leaves the
 * previous one in place.
 *
 * The server (node:http, GET/HEAD only, no directory listing, no path outside the build folder) sends:
 * - COOP/COEP/CORP, which make the page cross-origin isolated: SharedArrayBuffer is available and Pause
 *   blocks the training worker in place (lab/src/runner.ts);
 * - a Content-Security-Policy that allows only this origin (plus `unsafe-eval` for Vega's expression
 *   compiler and inline styles for the chart libraries), so the lab provably makes no request elsewhere.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { UserConfig } from 'vite';
import { sourceDigest } from '../../run/codeVersion.ts';
import { CliError, intFlag } from '../errors.ts';

/** The part of lab/config.ts this command uses (typed here: a type import would pull lab/ into the dist build). */
interface LabConfigModule {
  labConfig(opts: { outDir: string; logLevel: 'info' | 'warn' | 'error' | 'silent'; profiling?: boolean }): UserConfig;
}

export const LAB_DIR = fileURLToPath(new URL('../../../lab/', import.meta.url));
const REPO_DIR = resolve(LAB_DIR, '..');
export const DEFAULT_LAB_OUT = join(LAB_DIR, 'dist');
const STAMP = '.lmech-lab.json';
export const DEFAULT_LAB_PORT = 5178;

export const LAB_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self' blob: data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

function listFiles(dir: string, skip: (rel: string) => boolean, root = dir, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    const rel = relative(root, full).split(sep).join('/');
    if (skip(rel)) continue;
    if (e.isDirectory()) listFiles(full, skip, root, out);
    else if (e.isFile()) out.push(full);
  }
  return out;
}

/** What a build depends on: the lab's sources, src/, and the package manifests. */
export function labSourceDigest(): string {
  const h = createHash('sha256');
  const labFiles = listFiles(LAB_DIR, (rel) => rel === 'dist' || rel.startsWith('dist') || rel === 'node_modules' || /\.timestamp-.*\.mjs$/.test(rel)).sort();
  for (const f of labFiles) {
    h.update(relative(LAB_DIR, f).split(sep).join('/'));
    h.update('\0');
    h.update(readFileSync(f));
    h.update('\0');
  }
  h.update(sourceDigest(join(REPO_DIR, 'src')));
  for (const m of ['package.json', 'package-lock.json']) {
    const p = join(REPO_DIR, m);
    if (existsSync(p)) h.update(readFileSync(p));
  }
  return h.digest('hex');
}

/** Why a build folder needs a (re)build, or undefined when it is up to date. */
export function labStaleReason(outDir: string, digest = labSourceDigest()): string | undefined {
  if (!existsSync(join(outDir, 'index.html'))) return 'no build yet';
  try {
    const stamp = JSON.parse(readFileSync(join(outDir, STAMP), 'utf8')) as { digest?: unknown };
    return stamp.digest === digest ? undefined : 'sources changed since the last build';
  } catch {
    return 'the build has no stamp';
  }
}

export interface BuildLabOptions {
  outDir?: string;
  /** Build even if up to date. */
  force?: boolean;
  /** Vite's output: 'warn' (default) or 'info'. */
  logLevel?: 'info' | 'warn' | 'error' | 'silent';
  /** Unminified with source maps, for CPU profiles of the worker (lab/config.ts `profiling`); implies a rebuild. */
  profiling?: boolean;
}

export interface BuildLabResult {
  outDir: string;
  built: boolean;
  /** Why it was built ('' when not). */
  reason: string;
  ms: number;
}

/** Build the lab with Vite into `outDir` (default lab/dist) if it is missing or stale. */
export async function buildLab(opts: BuildLabOptions = {}): Promise<BuildLabResult> {
  const outDir = resolve(opts.outDir ?? DEFAULT_LAB_OUT);
  const digest = labSourceDigest();
  // a profiling build must never pass for (or be taken as) the production one: it always rebuilds, stamp-free
  const stale = opts.force || opts.profiling ? 'rebuild requested' : labStaleReason(outDir, digest);
  if (!stale) return { outDir, built: false, reason: '', ms: 0 };
  const t0 = Date.now();
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch (e) {
    throw new CliError(`building the lab needs the 'vite' package (npm install): ${(e as Error).message}`, 1);
  }
  // lab/ lies outside src/ (and outside the built dist/): tsx loads its TypeScript config both when the CLI runs
  // from src (under tsx) and from dist (plain node), and keeps lab/ out of the dist build's program.
  const { tsImport } = await import('tsx/esm/api');
  const { labConfig } = (await tsImport(new URL('../../../lab/config.ts', import.meta.url).href, import.meta.url)) as LabConfigModule;
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    await vite.build({ ...labConfig({ outDir: tmp, logLevel: opts.logLevel ?? 'warn', profiling: opts.profiling }), configFile: false });
    if (!opts.profiling) writeFileSync(join(tmp, STAMP), JSON.stringify({ digest, builtAt: new Date().toISOString() }));
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw new CliError(`the lab build failed: ${(e as Error).message}`, 1);
  }
  const old = `${outDir}.old-${process.pid}`;
  if (existsSync(outDir)) renameSync(outDir, old);
  renameSync(tmp, outDir);
  rmSync(old, { recursive: true, force: true });
  return { outDir, built: true, reason: stale, ms: Date.now() - t0 };
}

export interface LabServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

const ISOLATION = new Set(['Cross-Origin-Opener-Policy', 'Cross-Origin-Embedder-Policy', 'Cross-Origin-Resource-Policy']);

/**
 * Serve `dir` (a built lab) on host:port (port 0: any free port). `isolation: false` leaves out
 * COOP/COEP/CORP (the page is then not cross-origin isolated and Pause uses terminate-and-replay; tests).
 */
export function serveLab(opts: { dir: string; port?: number; host?: string; isolation?: boolean }): Promise<LabServer> {
  const root = resolve(opts.dir);
  const host = opts.host ?? '127.0.0.1';
  const headers = opts.isolation === false ? Object.fromEntries(Object.entries(LAB_HEADERS).filter(([k]) => !ISOLATION.has(k))) : LAB_HEADERS;
  const server = createServer((req, res) => {
    const send = (status: number, body: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://lab').pathname);
    } catch {
      return send(400, 'bad request path\n');
    }
    if (path.includes('\0')) return send(400, 'bad request path\n');
    let file = resolve(root, `.${path}`);
    if (file !== root && !file.startsWith(root + sep)) return send(403, 'forbidden\n');
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const st = statSync(file);
      if (!st.isFile() || relative(root, file).split(sep).some((p) => p.startsWith('.'))) return send(404, 'not found\n');
      const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      const immutable = relative(root, file).startsWith(`assets${sep}`);
      res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': String(st.size), 'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
    } catch {
      send(404, 'not found\n');
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new CliError(`--port: port ${opts.port} on ${host} is in use; pass another --port (0 picks a free one)`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') reject(new CliError(`--host: cannot listen on '${host}' (${e.code}); expected a local address such as 127.0.0.1`));
      else reject(e);
    });
    server.listen(opts.port ?? DEFAULT_LAB_PORT, host, () => {
      const port = (server.address() as AddressInfo).port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolvePromise({
        url: `http://${shownHost}:${port}/`,
        port,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

export function registerLab(program: Command): void {
  program
    .command('lab')
    .description('serve the browser lab: every study live, with the theory drawn over the run (builds lab/dist with Vite when missing or stale)')
    .option('--port <n>', `port (0 = any free port; default ${DEFAULT_LAB_PORT})`)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--out <dir>', 'build folder', DEFAULT_LAB_OUT)
    .option('--rebuild', 'build even if the build is up to date')
    .option('--no-build', 'serve the existing build as it is')
    .action(async (flags: { port?: string; host: string; out: string; rebuild?: boolean; build: boolean }) => {
      const port = intFlag('--port', flags.port, 0, 65535) ?? DEFAULT_LAB_PORT;
      const outDir = resolve(flags.out);
      if (flags.build) {
        const b = await buildLab({ outDir, force: flags.rebuild === true });
        console.log(b.built ? `lab: built ${outDir} in ${(b.ms / 1000).toFixed(1)} s (${b.reason})` : `lab: ${outDir} is up to date`);
      } else if (!existsSync(join(outDir, 'index.html'))) {
        throw new CliError(`--no-build: ${outDir} has no built lab (index.html); run \`lmech lab\` without --no-build once`);
      }
      const srv = await serveLab({ dir: outDir, port, host: flags.host });
      console.log(`lab: serving ${srv.url}  (Ctrl-C to stop)`);
      await new Promise<void>((done) => {
        const stop = () => {
          void srv.close().then(done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}

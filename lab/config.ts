/**
 * The lab's Vite configuration, as a function, so that `vite` (lab/vite.config.ts, `npm run lab`) and
 * `lmech lab` (src/cli/commands/lab.ts, through Vite's JS API with `configFile: false`) build the same app.
 *
 * - root: lab/; the app imports the toolkit's browser-safe layers from ../src (studies, core, report).
 * - `__LMECH_CODE_VERSION__`: the same `<version>+<src digest>` as the CLI's run ids, so a run in the lab
 *   has the same config hash as `lmech run` with the same study, parameters and seed.
 * - COOP/COEP headers on the dev and preview servers make the page cross-origin isolated, which enables
 *   SharedArrayBuffer: the worker then pauses in place with Atomics.wait (see lab/src/runner.ts).
 * - `node:*` imports (a study that reads files through src/data/node) become stubs whose functions throw
 *   a clear error when called in the browser, instead of breaking the whole bundle.
 */
import { builtinModules, createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin, UserConfig } from 'vite';
import { codeVersion } from '../src/run/codeVersion.ts';

export const LAB_ROOT = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(LAB_ROOT, '..');

/** Headers that make the page cross-origin isolated (SharedArrayBuffer for pausing the worker). */
export const ISOLATION_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const STUB_PREFIX = '\0lmech-node-stub:';
const requireHere = createRequire(import.meta.url);

/**
 * Replace Node built-ins with modules exporting the same names, each a function that throws
 * `<module>.<name> is not available in the browser` when called (module-level constants too).
 */
function nodeBuiltinStubs(): Plugin {
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  return {
    name: 'lmech-node-builtin-stubs',
    enforce: 'pre',
    resolveId(id) {
      if (builtins.has(id)) return STUB_PREFIX + id.replace(/^node:/, '');
      return null;
    },
    load(id) {
      if (!id.startsWith(STUB_PREFIX)) return null;
      const mod = id.slice(STUB_PREFIX.length);
      let names: string[] = [];
      try {
        names = Object.keys(requireHere(`node:${mod}`) as Record<string, unknown>).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
      } catch {
        names = [];
      }
      const body = [
        `const fail = (name) => function () { throw new Error('node:${mod}.' + name + ' is not available in the browser: this study reads local files; run it with \`lmech run\`'); };`,
        ...names.map((n) => `export const ${n} = fail(${JSON.stringify(n)});`),
        `export default new Proxy({}, { get: (_t, k) => fail(String(k)) });`,
      ];
      return body.join('\n');
    },
  };
}

export interface LabConfigOptions {
  /** Output folder of `vite build` (default lab/dist). */
  outDir?: string;
  /** Vite's log level (default 'info'). */
  logLevel?: 'info' | 'warn' | 'error' | 'silent';
  /**
   * Build for profiling (scripts/lab-profile-worker.ts): unminified, with source maps, so a CPU profile of the
   * worker shows the toolkit's own function names and maps back to src/ file:line. Off by default: the production
   * build stays minified and map-free.
   */
  profiling?: boolean;
}

export function labConfig(opts: LabConfigOptions = {}): UserConfig {
  return {
    root: LAB_ROOT,
    base: './',
    logLevel: opts.logLevel ?? 'info',
    clearScreen: false,
    publicDir: false,
    define: { __LMECH_CODE_VERSION__: JSON.stringify(codeVersion()) },
    plugins: [nodeBuiltinStubs()],
    worker: { format: 'es', plugins: () => [nodeBuiltinStubs()] },
    build: {
      outDir: opts.outDir ?? resolve(LAB_ROOT, 'dist'),
      emptyOutDir: true,
      target: 'es2022',
      minify: !opts.profiling,
      sourcemap: opts.profiling === true,
      // vega (lazy-loaded, its own chunk) is ~1 MB minified; that is expected
      chunkSizeWarningLimit: 2000,
      reportCompressedSize: false,
      // no "plugins were slow" warnings: on a busy 2-core machine they say nothing about the lab
      rolldownOptions: { checks: { bundlerTimings: false } },
    },
    server: { host: '127.0.0.1', headers: ISOLATION_HEADERS, fs: { allow: [REPO_ROOT] } },
    preview: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  };
}

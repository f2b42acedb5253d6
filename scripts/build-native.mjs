// Builds the native kernels (native/, a Node-API addon) with the machine's C++ toolchain via node-gyp.
// Run by `npm install` (the package's "install" script) and by hand: `node scripts/build-native.mjs`.
//
// It never fails the install: on any problem it prints one line
//   [lmech] native kernels not built (<reason>); using the WebAssembly backend
// and exits 0. The addon lands in native/build/Release/lmech_kernels.node (gitignored); the full
// compiler output goes to native/build/build.log and the outcome to native/build/status.json, which
// `lmech doctor` reads.
//
// Environment:
//   LMECH_NATIVE=0              skip the build
//   LMECH_NATIVE_ARCH="..."     instruction-set flags for the kernel object (default -march=native;
//                               e.g. "-mavx2 -mfma" for a build that runs on any AVX2 machine)
//   LMECH_NATIVE_BLAS=1         call the system CBLAS (cblas_dgemm/sgemm) instead of our kernel; needs
//                               cblas.h (or LMECH_NATIVE_BLAS_INCLUDE=<dir>) and link flags
//                               (LMECH_NATIVE_BLAS_LIB, default -lopenblas). Off by default so
//                               results are the same on every machine (BLAS rounding varies).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const nativeDir = join(root, 'native');
const buildDir = join(nativeDir, 'build');
const addonPath = join(buildDir, 'Release', 'lmech_kernels.node');
const logPath = join(buildDir, 'build.log');
const statusPath = join(buildDir, 'status.json');
const log = [];

function writeStatus(status) {
  try {
    mkdirSync(buildDir, { recursive: true });
    writeFileSync(logPath, log.join('\n'));
    writeFileSync(statusPath, `${JSON.stringify({ ...status, date: new Date().toISOString(), node: process.versions.node }, null, 2)}\n`);
  } catch {
    // a read-only install tree: the loader still reports what it finds
  }
}

function giveUp(reason) {
  rmSync(addonPath, { force: true });
  writeStatus({ built: false, reason });
  console.log(`[lmech] native kernels not built (${reason}); using the WebAssembly backend`);
  process.exit(0);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 10 * 60_000, ...opts });
  log.push(`$ ${cmd} ${args.join(' ')}`, r.stdout ?? '', r.stderr ?? '');
  return r;
}

function works(cmd, args = ['--version']) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  return !r.error && r.status === 0;
}

/** node-gyp: the one npm passes to install scripts, else the copy bundled with npm, else a local one. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally
  }
  return candidates.find((p) => p && existsSync(p));
}

/** Node's headers: npm's nodedir setting, else the ones installed next to this node binary. */
function findNodeDir() {
  if (process.env.npm_config_nodedir && existsSync(join(process.env.npm_config_nodedir, 'include', 'node', 'node_api.h'))) return process.env.npm_config_nodedir;
  const prefix = join(dirname(process.execPath), '..');
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  return undefined;
}

/** The first compiler error line of a failed build, for the one-line reason. */
function firstError(text) {
  const line = text.split('\n').find((l) => /error[:!]/i.test(l) && !/^gyp ERR! (stack|cwd|node|System|command|not ok)/.test(l));
  return (line ?? text.trim().split('\n').pop() ?? 'unknown error').trim().replace(/\s+/g, ' ').slice(0, 160);
}

/** Load the fresh addon in a separate process and check a small product against a hand computation. */
function verify() {
  const check = `
    const a = require(${JSON.stringify(addonPath)});
    const info = a.info();
    if (!info.usable) { console.log(JSON.stringify({ ok: false, reason: info.reason })); process.exit(0); }
    // C = A·B with A = [[1,2,3],[4,5,6]], B = [[7,8],[9,10],[11,12]]: [[58,64],[139,154]]
    const want = [58, 64, 139, 154];
    let ok = true;
    for (const T of [Float64Array, Float32Array]) {
      const c = new T(4);
      a.gemm(false, false, 2, 2, 3, T.from([1,2,3,4,5,6]), T.from([7,8,9,10,11,12]), c, false, 1);
      ok &&= want.every((w, i) => c[i] === w);
      const big = 300, x = new T(big * big).fill(1), y = new T(big * big).fill(0.5), z = new T(big * big);
      a.gemm(false, true, big, big, big, x, y, z, false, 2);
      ok &&= z.every((v) => v === big * 0.5);
    }
    console.log(JSON.stringify({ ok, kernel: info.kernel, features: info.features, reason: ok ? '' : 'self-test gave wrong products' }));
  `;
  const r = run(process.execPath, ['-e', check], { timeout: 60_000 });
  if (r.error || r.status !== 0) return { ok: false, reason: `the built addon does not load (${firstError(`${r.stderr}${r.stdout}`)})` };
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    return { ok: false, reason: 'the built addon gave no self-test result' };
  }
}

function main() {
  if (process.env.LMECH_NATIVE === '0') giveUp('LMECH_NATIVE=0');
  if (process.platform === 'win32') giveUp('native kernels are built with GCC or Clang; not supported on Windows yet');
  const cxx = process.env.CXX ?? 'c++';
  if (!works(cxx) && !works('g++') && !works('clang++')) giveUp(`no C++ compiler found (${cxx}, g++, clang++)`);
  if (!works('make')) giveUp('make not found');
  const python = process.env.PYTHON ?? 'python3';
  if (!works(python) && !works('python')) giveUp(`Python 3 not found (${python}), node-gyp needs it`);
  const gyp = findNodeGyp();
  if (!gyp) giveUp('node-gyp not found (it ships with npm)');
  const nodedir = findNodeDir();
  if (!nodedir) log.push('no local Node headers found; node-gyp will look in its cache or download them');

  const blas = process.env.LMECH_NATIVE_BLAS === '1';
  const blasVars = blas
    ? ['-Dlmech_blas=1', `-Dlmech_blas_lib=${process.env.LMECH_NATIVE_BLAS_LIB ?? '-lopenblas'}`, `-Dlmech_blas_include=${process.env.LMECH_NATIVE_BLAS_INCLUDE ?? ''}`]
    : [];
  const requested = process.env.LMECH_NATIVE_ARCH;
  // the host's full instruction set first; a baseline build if the compiler rejects that
  const archs = requested !== undefined ? [requested] : ['-march=native', ''];
  let lastError = '';
  for (const arch of archs) {
    const args = [gyp, 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : []), '--', `-Dlmech_arch_flags=${arch}`, ...blasVars];
    const r = run(process.execPath, args, { cwd: nativeDir });
    if (r.error || r.status !== 0 || !existsSync(addonPath)) {
      const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
      lastError = r.error ? r.error.message : /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT)\b|getaddrinfo|network (is )?unreachable/.test(out) ? 'Node headers unavailable offline' : firstError(out);
      continue;
    }
    const v = verify();
    if (!v.ok) {
      lastError = v.reason;
      continue;
    }
    writeStatus({ built: true, arch: arch || '(compiler default)', blas, kernel: v.kernel, features: v.features });
    console.log(`[lmech] native kernels built (${v.kernel}; ${arch || 'baseline ISA'})`);
    return;
  }
  giveUp(`build failed: ${lastError}; see native/build/build.log`);
}

try {
  main();
} catch (e) {
  giveUp(`unexpected error: ${e instanceof Error ? e.message : String(e)}`);
}

/**
 * `lmech doctor`: which kernel backend is active and why — native addon built? usable on this CPU?
 * WebAssembly SIMD available? WebAssembly threads on (LMECH_WASM_THREADS)? — with the CPU's vector features, cores
 * and the Node version. `--bench` times one 512×512×512 float64 product on every available backend (single-threaded).
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import type { Command } from 'commander';
import { KERNEL_BACKENDS, type Kernels, kernels } from '../../core/kernels.ts';
import { createWasmKernels, wasmThreadPool } from '../../core/kernelsWasm.ts';
import { wasmThreadsSetting } from '../../core/wasmThreads.ts';
import { NATIVE_ADDON_PATH, NATIVE_LOG_PATH, type NativeKernels, loadNativeKernels, readBuildStatus, runKernels } from '../../run/nativeKernels.ts';

/** The CPU's vector-relevant features, from /proc/cpuinfo (Linux); null elsewhere. */
function cpuFlags(): string[] | null {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const line = text.split('\n').find((l) => /^(flags|Features)\s*:/.test(l));
    if (!line) return null;
    const all = new Set(line.split(':')[1].trim().split(/\s+/));
    return ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512dq', 'avx512bw', 'avx512vl', 'avx512_bf16', 'amx_tile', 'asimd', 'sve', 'sve2'].filter((f) => all.has(f));
  } catch {
    return null;
  }
}

/** Median GFLOP/s of a 512³ float64 product (2·512³ flops) over a few runs. */
function gflops(k: Kernels): number {
  const n = 512;
  const a = new Float64Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const b = a.slice().reverse();
  const c = new Float64Array(n * n);
  k.gemm(false, false, n, n, n, a, b, c, false);
  const ts: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    k.gemm(false, false, n, n, n, a, b, c, false);
    ts.push(performance.now() - t);
  }
  ts.sort((x, y) => x - y);
  return (2 * n ** 3) / (ts[2] * 1e6);
}

export interface DoctorReport {
  active: { backend: string; reason: string };
  native: { built: boolean; usable: boolean; path: string; detail: string; threads?: number; build?: ReturnType<typeof readBuildStatus> };
  wasmSimd: boolean;
  /** Threads of the WebAssembly GEMM: wanted by the setting, and those of the active kernels' pool (1: none). */
  wasmThreads: { requested: number; active: number; reason: string };
  cpu: { model: string; cores: number; flags: string[] | null };
  node: { version: string; napi: string | undefined; platform: string; arch: string };
  env: Record<string, string | undefined>;
  gflops?: Record<string, number>;
}

export function doctorReport(opts: { bench?: boolean } = {}): DoctorReport {
  const choice = runKernels();
  const native = loadNativeKernels();
  const built = existsSync(NATIVE_ADDON_PATH);
  const report: DoctorReport = {
    active: { backend: choice.backend, reason: choice.reason },
    native: {
      built,
      usable: native.kernels !== null,
      path: NATIVE_ADDON_PATH,
      detail: native.reason,
      ...(native.kernels ? { threads: (native.kernels as NativeKernels).threads } : {}),
      build: readBuildStatus(),
    },
    wasmSimd: createWasmKernels({ threads: 1 }) !== null,
    wasmThreads: wasmThreadsReport(),
    cpu: { model: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), flags: cpuFlags() },
    node: { version: process.versions.node, napi: process.versions.napi, platform: process.platform, arch: process.arch },
    env: { LMECH_KERNELS: process.env.LMECH_KERNELS, LMECH_NATIVE_THREADS: process.env.LMECH_NATIVE_THREADS, LMECH_WASM_THREADS: process.env.LMECH_WASM_THREADS },
  };
  if (opts.bench) {
    report.gflops = {};
    for (const name of Object.keys(KERNEL_BACKENDS)) {
      // the wasm backend single-threaded: a fresh pool's helpers start in the background, mid-measurement
      const k = name === 'wasm' ? createWasmKernels({ threads: 1 }) : KERNEL_BACKENDS[name]();
      if (k) report.gflops[name] = gflops(k);
    }
  }
  return report;
}

/** The WebAssembly threads setting, and whether the active kernels (after runKernels) run on a pool. */
function wasmThreadsReport(): DoctorReport['wasmThreads'] {
  const setting = wasmThreadsSetting();
  const pool = wasmThreadPool(kernels());
  return { requested: setting.threads, active: pool?.threads ?? 1, reason: setting.reason };
}

function wasmThreadsLine(t: DoctorReport['wasmThreads'], backend: string): string {
  if (t.active > 1) return `WebAssembly threads: on, ${t.active} threads for large products (${t.reason})`;
  if (t.requested > 1) return `WebAssembly threads: requested (${t.reason}) but off: ${backend === 'wasm-simd' ? 'no shared memory or workers here' : `the active backend is ${backend}`}`;
  return `WebAssembly threads: off — ${t.reason}`;
}

function printReport(r: DoctorReport): void {
  const out: string[] = [];
  out.push(`kernels: ${r.active.backend} — ${r.active.reason}`);
  if (r.native.usable) out.push(`native: built and usable (${r.native.detail})`);
  else if (r.native.built) out.push(`native: built but unusable here — ${r.native.detail}`);
  else out.push(`native: ${r.native.detail}${existsSync(NATIVE_LOG_PATH) ? ` (build log: ${NATIVE_LOG_PATH})` : ''}`);
  if (r.native.built && r.native.build?.built) out.push(`        built ${r.native.build.date ?? ''} for node ${r.native.build.node ?? '?'} with ${r.native.build.arch ?? '?'}`);
  out.push(`WebAssembly SIMD: ${r.wasmSimd ? 'available' : 'unavailable (TypeScript kernels are the portable fallback)'}`);
  out.push(wasmThreadsLine(r.wasmThreads, r.active.backend));
  out.push(`cpu: ${r.cpu.model}, ${r.cpu.cores} core${r.cpu.cores === 1 ? '' : 's'}${r.cpu.flags ? `, vector features: ${r.cpu.flags.join(' ') || 'none'}` : ''}`);
  out.push(`node: ${r.node.version} (Node-API ${r.node.napi ?? '?'}), ${r.node.platform}-${r.node.arch}`);
  const env = Object.entries(r.env).filter(([, v]) => v !== undefined);
  out.push(`environment: ${env.length ? env.map(([k, v]) => `${k}=${v}`).join(' ') : 'LMECH_KERNELS, LMECH_NATIVE_THREADS and LMECH_WASM_THREADS unset (automatic choice)'}`);
  if (r.gflops) out.push(`gemm 512³ f64: ${Object.entries(r.gflops).map(([k, v]) => `${k} ${v.toFixed(1)} GFLOP/s`).join(', ')}`);
  if (!r.native.usable) out.push('to build the native kernels: node scripts/build-native.mjs (needs a C++ compiler, make and python3)');
  console.log(out.join('\n'));
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('show which kernel backend is active and why (native addon, WebAssembly SIMD, CPU features, cores, Node)')
    .option('--json', 'print one JSON object')
    .option('--bench', 'also time a 512×512×512 float64 product on every available backend')
    .action((flags: { json?: boolean; bench?: boolean }) => {
      const r = doctorReport({ bench: flags.bench });
      if (flags.json) console.log(JSON.stringify(r));
      else printReport(r);
    });
}

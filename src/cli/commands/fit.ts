/**
 * `lmech fit power-law|chinchilla <file>`: fit a scaling law to the user's own table (CSV/TSV/JSONL).
 *
 *   lmech fit power-law runs.csv --x N --y loss [--offset] [--bootstrap 1000] [--seed 0] [--json]
 *   lmech fit chinchilla runs.jsonl [--n-col N] [--d-col D] [--loss-col loss] [--bootstrap 200] [--grid paper|small] [--json]
 *
 * Bad input (missing column, non-numeric or non-positive value, too few rows, empty file, unknown flag) is an
 * error naming the row and column, with exit code 2: `InputError` (carries `exitCode`) for data and flag values,
 * and commander's own errors, re-thrown as `CommanderError` with exit code 2, for usage. `--json` prints exactly one
 * JSON object on stdout; warnings go to stderr as `warning: …` lines (and into the JSON's `warnings`).
 */
import { Command, CommanderError, Option } from 'commander';
import { InputError, numericColumn, readTable, TABLE_FORMATS, type Table } from '../../run/tableFile.ts';
import { type ChinchillaFit, computeOptimalAllocation, fitChinchilla } from '../../theory/fit/chinchilla.ts';
import { type Interval, type PowerLawFit, fitPowerLaw } from '../../theory/fit/powerLaw.ts';

/** Where the command writes. Defaults: process.stdout / process.stderr. Tests pass collectors. */
export interface FitIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
}

function intOption(flag: string, raw: string, min: number, max: number): number {
  const v = Number(raw);
  if (!/^[+-]?\d+$/.test(raw.trim()) || !Number.isSafeInteger(v) || v < min || v > max)
    throw new InputError(`${flag}: '${raw}' is not valid; expected an integer in [${min}, ${max}]`);
  return v;
}

function levelOption(raw: string): number {
  const v = Number(raw);
  if (raw.trim() === '' || !(v > 0 && v < 1)) throw new InputError(`--level: '${raw}' is not valid; expected a number in (0, 1), e.g. 0.95`);
  return v;
}

function flopsOption(raw: string): number[] {
  return raw.split(',').map((s) => {
    const v = Number(s.trim());
    if (s.trim() === '' || !(v > 0) || !Number.isFinite(v)) throw new InputError(`--flops: '${s}' is not valid; expected positive numbers separated by commas, e.g. 1e21,1e22`);
    return v;
  });
}

/** JSON.stringify with non-finite numbers as null (JSON has no NaN/Infinity). */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

function num(v: number, digits = 5): string {
  if (!Number.isFinite(v)) return String(v);
  const r = Number(v.toPrecision(digits));
  const a = Math.abs(r);
  return a !== 0 && (a >= 1e6 || a < 1e-3) ? r.toExponential() : r.toString();
}

function interval(ci: Interval | null): string {
  return ci ? `[${num(ci[0])}, ${num(ci[1])}]` : '—';
}

/** An aligned table: first column left-aligned, the others right-aligned except the last. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((c, j) => (j === 0 || j === r.length - 1 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ').trimEnd()).join('\n');
}

/** Re-throw library input errors with the file named. */
function withSource<T>(source: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${source}: ${e.message}`, e.exitCode);
    throw e;
  }
}

function loadTable(file: string, format: string | undefined): Table {
  return readTable(file, format === undefined ? {} : { format });
}

function ciHeader(level: number, boot: { n: number; failures: number }): string {
  return boot.n > 0 ? `${Math.round(level * 100)}% CI (bootstrap: ${boot.n} resamples, ${boot.failures} failed)` : 'CI (no bootstrap: --bootstrap 0)';
}

function powerLawReport(file: string, xCol: string, yCol: string, f: PowerLawFit): string {
  const formula = f.offset ? 'y = a·x^(−b) + c' : 'y = a·x^(−b)';
  const rows = [['param', 'estimate', ciHeader(f.level, f.bootstrap)], ['a', num(f.a), interval(f.ci.a)], ['b', num(f.b), interval(f.ci.b)]];
  if (f.offset) rows.push(['c', num(f.c), interval(f.ci.c)]);
  return [
    `power-law fit  ${formula}   (${file}: x = ${xCol}, y = ${yCol})`,
    `${f.n} rows, x from ${num(f.xMin)} to ${num(f.xMax)} (${f.decades.toFixed(2)} decades), ${f.converged ? 'converged' : 'NOT converged'}`,
    table(rows),
    `R² (log space) ${num(f.r2Log, 6)}   R² (linear) ${num(f.r2Linear, 6)}   rms log residual ${num(f.rmseLog, 3)}`,
  ].join('\n');
}

function chinchillaReport(file: string, cols: { n: string; d: string; loss: string }, f: ChinchillaFit, flops: number[]): string {
  const rows = [
    ['param', 'estimate', ciHeader(f.level, f.bootstrap)],
    ['E', num(f.E), interval(f.ci.E)],
    ['A', num(f.A), interval(f.ci.A)],
    ['B', num(f.B), interval(f.ci.B)],
    ['alpha', num(f.alpha), interval(f.ci.alpha)],
    ['beta', num(f.beta), interval(f.ci.beta)],
    ['a = beta/(alpha+beta)', num(f.computeOptimal.a), interval(f.computeOptimalCi.a)],
    ['b = alpha/(alpha+beta)', num(f.computeOptimal.b), interval(f.computeOptimalCi.b)],
    ['G', num(f.computeOptimal.G), interval(f.computeOptimalCi.G)],
  ];
  const lines = [
    `chinchilla fit  L(N, D) = E + A/N^alpha + B/D^beta   (${file}: N = ${cols.n}, D = ${cols.d}, loss = ${cols.loss})`,
    `${f.n} rows, N spans ${f.spans.N.toFixed(2)} decades, D spans ${f.spans.D.toFixed(2)}; Huber δ = ${f.delta}, L-BFGS from ${f.inits.total} starts (${f.inits.converged} converged), ${f.converged ? 'converged' : 'NOT converged'}`,
    table(rows),
    `compute-optimal for C = 6ND: N_opt = G·(C/6)^a, D_opt = (C/6)^b / G;  rms log residual ${num(f.rmseLog, 3)}, Hessian condition ${num(f.hessianCondition, 3)}`,
  ];
  for (const c of flops) {
    const o = computeOptimalAllocation(f, c);
    lines.push(`  C = ${num(c, 3)}: N_opt = ${num(o.N, 4)}, D_opt = ${num(o.D, 4)}, D/N = ${num(o.tokensPerParameter, 4)}, predicted loss ${num(o.loss, 4)}`);
  }
  return lines.join('\n');
}

/** Make a command's usage errors exit 2 (help and version still exit 0) and route its output. */
function configure(cmd: Command, io: FitIo): Command {
  cmd.exitOverride((e) => {
    if (e.exitCode === 0) throw e;
    throw new CommanderError(2, e.code, e.message);
  });
  cmd.configureOutput({
    writeOut: (s) => (io.out ?? ((t: string) => process.stdout.write(t)))(s),
    writeErr: (s) => (io.err ?? ((t: string) => process.stderr.write(t)))(s),
  });
  return cmd;
}

/** The `fit` command with its `power-law` and `chinchilla` subcommands. */
export function fitCommand(io: FitIo = {}): Command {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const err = io.err ?? ((t: string) => process.stderr.write(t));
  const warn = (ws: readonly string[]) => {
    for (const w of ws) err(`warning: ${w}\n`);
  };

  const fit = configure(new Command('fit'), io).description('fit a scaling law to your own runs (a CSV, TSV or JSONL table)');

  configure(fit.command('power-law'), io)
    .description('L = a·x^(−b) (+ c with --offset), least squares in log space, bootstrap intervals')
    .argument('<file>', 'table with a header row (CSV/TSV) or one JSON object per line (JSONL)')
    .requiredOption('--x <col>', 'column of the scaling variable (parameters, tokens, compute…), > 0')
    .requiredOption('--y <col>', 'column of the loss, > 0')
    .option('--offset', 'fit an irreducible offset c')
    .option('--bootstrap <n>', 'bootstrap resamples for the intervals (0 = none)', '1000')
    .option('--seed <s>', 'seed of the bootstrap resampling', '0')
    .option('--level <p>', 'interval level', '0.95')
    .addOption(new Option('--format <fmt>', 'table format (default: from the extension)').choices([...TABLE_FORMATS]))
    .option('--json', 'print one JSON object')
    .action(
      (file: string, o: { x: string; y: string; offset?: boolean; bootstrap: string; seed: string; level: string; format?: string; json?: boolean }) => {
        const bootstrap = intOption('--bootstrap', o.bootstrap, 0, 1_000_000);
        const seed = intOption('--seed', o.seed, 0, Number.MAX_SAFE_INTEGER);
        const level = levelOption(o.level);
        const t = loadTable(file, o.format);
        const x = numericColumn(t, o.x, { positive: true, flag: '--x' });
        const y = numericColumn(t, o.y, { positive: true, flag: '--y' });
        const f = withSource(file, () => fitPowerLaw(x, y, { offset: o.offset === true, bootstrap, seed, level }));
        warn(f.warnings);
        if (o.json) out(`${toJson({ ...f, input: { file, format: t.format, x: o.x, y: o.y } })}\n`);
        else out(`${powerLawReport(file, o.x, o.y, f)}\n`);
      },
    );

  configure(fit.command('chinchilla'), io)
    .description('L(N, D) = E + A/N^alpha + B/D^beta (Hoffmann et al. 2022) fitted as Besiroglu et al. (2024): Huber loss on log L, L-BFGS from a grid')
    .argument('<file>', 'table with a header row (CSV/TSV) or one JSON object per line (JSONL)')
    .option('--n-col <col>', 'column of the parameter count N', 'N')
    .option('--d-col <col>', 'column of the training tokens D', 'D')
    .option('--loss-col <col>', 'column of the final loss', 'loss')
    .option('--bootstrap <n>', 'bootstrap resamples for the intervals (0 = none)', '200')
    .option('--seed <s>', 'seed of the bootstrap resampling', '0')
    .option('--level <p>', 'interval level', '0.95')
    .addOption(new Option('--grid <grid>', 'initialisation grid: paper (4500 starts) or small (162, faster)').choices(['paper', 'small']).default('paper'))
    .option('--flops <list>', 'also print the compute-optimal N, D at these budgets C (comma-separated FLOPs, C = 6ND)')
    .addOption(new Option('--format <fmt>', 'table format (default: from the extension)').choices([...TABLE_FORMATS]))
    .option('--json', 'print one JSON object')
    .action(
      (
        file: string,
        o: { nCol: string; dCol: string; lossCol: string; bootstrap: string; seed: string; level: string; grid: 'paper' | 'small'; flops?: string; format?: string; json?: boolean },
      ) => {
        const bootstrap = intOption('--bootstrap', o.bootstrap, 0, 100_000);
        const seed = intOption('--seed', o.seed, 0, Number.MAX_SAFE_INTEGER);
        const level = levelOption(o.level);
        const flops = o.flops === undefined ? [] : flopsOption(o.flops);
        const t = loadTable(file, o.format);
        const N = numericColumn(t, o.nCol, { positive: true, flag: '--n-col' });
        const D = numericColumn(t, o.dCol, { positive: true, flag: '--d-col' });
        const loss = numericColumn(t, o.lossCol, { positive: true, flag: '--loss-col' });
        const rows = N.map((n, i) => ({ N: n, D: D[i], loss: loss[i] }));
        const f = withSource(file, () => fitChinchilla(rows, { bootstrap, seed, level, grid: o.grid }));
        warn(f.warnings);
        if (o.json) {
          const allocations = flops.map((c) => ({ flops: c, ...computeOptimalAllocation(f, c) }));
          out(`${toJson({ ...f, allocations, input: { file, format: t.format, N: o.nCol, D: o.dCol, loss: o.lossCol, grid: o.grid } })}\n`);
        } else out(`${chinchillaReport(file, { n: o.nCol, d: o.dCol, loss: o.lossCol }, f, flops)}\n`);
      },
    );
  return fit;
}

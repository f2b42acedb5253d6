/**
 * `lmech coord-check [model] --param mup|sp|… [--widths 64,128,…] [--steps N] [--optimizer sgd|adam]
 *  [--lr X] [--json] [--out plot.png]`: the μP coordinate check (src/protocols/coordCheck.ts). Trains the
 * model at each width for a few steps on a fixed probe batch and prints, per layer, the RMS of the
 * activation change h_T − h₀ and of the activation h_T at every width, with their log-log slopes in
 * width (μP: all ≈ 0; SP with Adam: ≈ +1 for layers whose fan-in is the width).
 *
 * The model is `kind[:depth[x]][:activation]` (e.g. `mlp:3x`, `resmlp:8:tanh`), `transformer:width=32,depth=2,heads=4`
 * (width: the μP base width; also context=, vocab=; per-role rows embed, bℓ.q/k/v/o/mlp, out), or a JSON object
 * `{"kind","depth","activation","inputDim","outputDim","bias"}`; `--depth`, `--activation`, `--input`,
 * `--output` override it. Bad input → `error: <field>: <value>, expected …`, exit code 2 (CliError).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Rng } from '../../core/random.ts';
import { OPTIMIZER_FAMILIES, type OptimizerFamily, PARAMETERIZATIONS } from '../../nn/parameterization.ts';
import { type CoordCheckResult, coordCheck, type ModelSpec, ModelSpecError, parseModelSpec } from '../../protocols/coordCheck.ts';
import type { Figure, Observations, Series } from '../../studies/types.ts';
import { CliError } from '../errors.ts';

/** Where the command writes (default process.stdout / process.stderr); tests pass collectors. */
export interface CoordCheckIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
}

interface Flags {
  param: string;
  widths: string;
  steps: string;
  optimizer: string;
  lr?: string;
  batch: string;
  seeds: string;
  seed: string;
  baseWidth?: string;
  depth?: string;
  activation?: string;
  input?: string;
  output?: string;
  json?: boolean;
  out?: string;
}

const MAX_WIDTH = 16384;
/** default learning rates: small enough that the base-width run stays in the small-update regime (see mup-coord-check) */
const DEFAULT_LR: Record<OptimizerFamily, number> = { adam: 1e-4, sgd: 1e-2 };

function intOption(field: string, raw: string, lo: number, hi: number): number {
  const v = Number(raw);
  if (!/^\s*[+-]?\d+\s*$/.test(raw) || !Number.isSafeInteger(v) || v < lo || v > hi) throw new CliError(`${field}: '${raw}', expected an integer in [${lo}, ${hi}]`);
  return v;
}

function parseWidths(raw: string): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  const expected = `expected a comma-separated list of at least 2 distinct integers in [2, ${MAX_WIDTH}], e.g. 64,128,256`;
  const ws = parts.map((s) => {
    const v = Number(s);
    if (!/^\d+$/.test(s) || v < 2 || v > MAX_WIDTH) throw new CliError(`--widths: '${raw}', ${expected}`);
    return v;
  });
  if (new Set(ws).size < 2 || new Set(ws).size !== ws.length) throw new CliError(`--widths: '${raw}', ${expected}`);
  return ws.sort((a, b) => a - b);
}

function parseLr(raw: string): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || !(v > 0) || v > 100) throw new CliError(`--lr: '${raw}', expected a positive number ≤ 100, e.g. 1e-3`);
  return v;
}

function modelText(m: ModelSpec): string {
  const t = m.transformer;
  if (m.kind === 'transformer' && t) return `transformer ${m.depth} block${m.depth === 1 ? '' : 's'}, ${t.heads} heads, context ${t.context}, vocab ${t.vocab}`;
  return `${m.kind} ${m.depth}×${m.activation}, ${m.inputDim} → ${m.outputDim}${m.bias ? '' : ', no bias'}`;
}

/** Compact number for tables: 3 significant digits, exponent form when tiny or huge. */
function num(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'diverged' : String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e4 || a < 1e-2) ? v.toExponential(2) : v.toPrecision(3);
}

function signed(v: number): string {
  return Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(3)}` : 'n/a';
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ')).join('\n');
}

/** The text report: two tables (change and activation at step T) with slopes. */
export function formatCoordCheck(r: CoordCheckResult, model: ModelSpec, extra: { batch: number; seeds: number }): string {
  const T = r.steps;
  const head = ['layer', ...r.widths.map((w) => `n=${w}`), 'slope'];
  const delta = [head, ...r.layers.map((l) => [l.name, ...l.deltaRms.map((row) => num(row[T])), signed(l.deltaSlope)])];
  const act = [head, ...r.layers.map((l) => [l.name, ...l.rms.map((row) => num(row[T])), signed(l.rmsSlope)])];
  const lines = [
    `coordinate check: ${modelText(model)}; --param ${r.parameterization}; ${r.optimizer} lr=${r.lr}; ${T} step${T === 1 ? '' : 's'}; batch ${extra.batch}; ${extra.seeds} init${extra.seeds === 1 ? '' : 's'} per width; base width ${r.baseWidth}`,
    '',
    `RMS of the change h_${T} − h_0 (per coordinate):`,
    table(delta),
    '',
    `RMS of the activation h_${T}:`,
    table(act),
    '',
    'slope: least-squares log-log slope in width. μP predicts ≈ 0 for every change; SP with Adam ≈ +1 for layers whose fan-in is the width.',
  ];
  if (r.diverged.length) lines.push(`warning: non-finite values at width${r.diverged.length > 1 ? 's' : ''} ${r.diverged.join(', ')} (diverged)`);
  return lines.join('\n');
}

/** JSON with non-finite numbers as null. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

/** The plot: RMS(h_T − h₀) against width per layer, with the μP expectation (slope 0) dashed through the base width. */
export function coordCheckFigure(r: CoordCheckResult): { figure: Figure; observations: Observations } {
  const T = r.steps;
  const series: Series[] = [];
  for (const l of r.layers) {
    const ys = l.deltaRms.map((row) => row[T]);
    series.push({ name: 'update size', group: `${l.name} (slope ${signed(l.deltaSlope)})`, kind: 'measured', x: r.widths, y: ys });
    series.push({ name: 'update size', group: `${l.name} (slope ${signed(l.deltaSlope)})`, kind: 'predicted', x: r.widths, y: r.widths.map(() => ys[0]) });
  }
  const figure: Figure = {
    id: 'coord-check',
    title: `Coordinate check (${r.parameterization}, ${r.optimizer}, lr=${r.lr}, ${T} steps)`,
    x: { label: 'width n', log: true },
    y: { label: `RMS(h_${T} − h_0)`, log: true },
    series: [{ name: 'update size' }],
    caption: 'Solid: measured per layer. Dashed: width-independent (the μP expectation), drawn from the base width.',
  };
  return { figure, observations: { scalars: {}, series } };
}

export function registerCoordCheck(program: Command, io: CoordCheckIo = {}): void {
  const out = io.out ?? ((s: string) => process.stdout.write(s));
  const err = io.err ?? ((s: string) => process.stderr.write(s));
  program
    .command('coord-check')
    .description('μP coordinate check: RMS of each layer’s activation and of its change after a few steps, over widths, with log-log slopes')
    .argument('[model]', 'model spec: kind[:depth[x]][:activation] (e.g. mlp:3x, resmlp:8:tanh), transformer:width=32,depth=2,heads=4, or a JSON object', 'mlp:3')
    .option('--param <name>', `parameterization: ${Object.keys(PARAMETERIZATIONS).join(', ')}`, 'mup')
    .option('--widths <list>', 'comma-separated widths', '64,128,256,512')
    .option('--steps <n>', 'optimizer steps', '10')
    .option('--optimizer <name>', `optimizer family: ${OPTIMIZER_FAMILIES.join(', ')}`, 'adam')
    .option('--lr <x>', `base learning rate (default ${DEFAULT_LR.adam} for adam, ${DEFAULT_LR.sgd} for sgd)`)
    .option('--batch <n>', 'probe (and full training) batch size', '64')
    .option('--seeds <n>', 'initializations per width, averaged', '1')
    .option('--seed <n>', 'random seed', '0')
    .option('--base-width <n>', 'width at which the learning-rate multipliers are 1 (default: the smallest width)')
    .option('--depth <n>', 'hidden layers (mlp) or residual blocks (resmlp); overrides the model spec')
    .option('--activation <name>', 'activation; overrides the model spec')
    .option('--input <d>', 'input dimension; overrides the model spec')
    .option('--output <k>', 'output dimension; overrides the model spec')
    .option('--json', 'print one JSON object')
    .option('--out <file.png>', 'write the plot (RMS of the change against width) as a PNG')
    .action(async (modelArg: string, f: Flags) => {
      if (!(f.param in PARAMETERIZATIONS)) throw new CliError(`--param: '${f.param}', expected one of ${Object.keys(PARAMETERIZATIONS).join(', ')}`);
      if (!(OPTIMIZER_FAMILIES as readonly string[]).includes(f.optimizer)) throw new CliError(`--optimizer: '${f.optimizer}', expected one of ${OPTIMIZER_FAMILIES.join(', ')}`);
      const optimizer = f.optimizer as OptimizerFamily;
      const widths = parseWidths(f.widths);
      const steps = intOption('--steps', f.steps, 1, 10_000);
      const batch = intOption('--batch', f.batch, 1, 65_536);
      const seeds = intOption('--seeds', f.seeds, 1, 100);
      const seed = intOption('--seed', f.seed, 0, Number.MAX_SAFE_INTEGER);
      const lr = f.lr === undefined ? DEFAULT_LR[optimizer] : parseLr(f.lr);
      const baseWidth = f.baseWidth === undefined ? undefined : intOption('--base-width', f.baseWidth, 1, MAX_WIDTH);
      if (f.out !== undefined && !/\.png$/i.test(f.out)) throw new CliError(`--out: '${f.out}', expected a file name ending in .png`);
      let model: ModelSpec;
      try {
        model = parseModelSpec(modelArg, {
          depth: f.depth === undefined ? undefined : intOption('--depth', f.depth, 1, 256),
          activation: f.activation as ModelSpec['activation'] | undefined,
          inputDim: f.input === undefined ? undefined : intOption('--input', f.input, 1, 100_000),
          outputDim: f.output === undefined ? undefined : intOption('--output', f.output, 1, 10_000),
        });
      } catch (e) {
        if (e instanceof ModelSpecError) throw new CliError(e.message);
        throw e;
      }
      const r = coordCheck({ model, parameterization: f.param, widths, baseWidth, steps, optimizer, lr, batch, seeds, rng: Rng.fromSeed(seed, 'coord-check') });
      if (f.out !== undefined) {
        const [{ figureSpec }, { renderPng }] = await Promise.all([import('../../report/vegaSpec.ts'), import('../../report/html.ts')]);
        const { figure, observations } = coordCheckFigure(r);
        const png = await renderPng(figureSpec(figure, { prediction: { scalars: {}, series: [] }, measurement: observations }, { caption: true }));
        try {
          writeFileSync(f.out, png);
        } catch (e) {
          throw new CliError(`--out: '${f.out}', cannot write: ${(e as Error).message}`);
        }
        if (f.json) err(`wrote ${f.out}\n`);
      }
      if (f.json) {
        out(
          `${toJson({
            model,
            parameterization: r.parameterization,
            optimizer: r.optimizer,
            lr: r.lr,
            steps: r.steps,
            batch,
            seeds,
            seed,
            baseWidth: r.baseWidth,
            widths: r.widths,
            layers: r.layers.map((l) => ({ name: l.name, deltaSlope: l.deltaSlope, rmsSlope: l.rmsSlope, deltaRms: l.deltaRms, rms: l.rms, deltaSlopeByStep: l.deltaSlopeByStep })),
            diverged: r.diverged,
          })}\n`,
        );
      } else {
        out(`${formatCoordCheck(r, model, { batch, seeds })}\n`);
        if (f.out !== undefined) out(`wrote ${f.out}\n`);
      }
    });
}

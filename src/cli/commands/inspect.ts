/**
 * `lmech inspect <file.safetensors> [--json] [--out plot.png] [--bootstrap N]`: per-layer spectral analysis of a
 * trained model's weights, in the spirit of WeightWatcher (Martin & Mahoney 2021, "Implicit self-regularization in
 * deep neural networks", JMLR) but with the uncertainty of every fit reported.
 *
 * For each weight matrix W (N×M after orienting N ≥ M; tensors of rank ≥ 3, e.g. convolution kernels
 * [out, in, kh, kw], are flattened to [shape[0], rest]), on the empirical spectral density (ESD) of X = WᵀW/N
 * (src/observe/spectra.ts):
 *  - power-law tail α of the ESD by maximum likelihood with x_min chosen by the KS distance (Clauset, Shalizi & Newman
 *    2009), with its fit quality: KS distance D, the tail size n_tail, the asymptotic standard error (α − 1)/√n_tail
 *    and, with --bootstrap N, a 95% percentile interval from N resamples of the whole procedure (x_min included);
 *  - Marchenko–Pastur bulk: σ² (trace-based with the spike correction), the bulk edge λ₊ = σ²(1 + 1/√Q)², the number of
 *    spikes (eigenvalues more than 3 Tracy–Widom scales above λ₊) and of outliers (any eigenvalue above λ₊), and the
 *    KS distance of the bulk to the fitted MP law;
 *  - stable rank ‖W‖²_F/‖W‖²₂, effective rank exp(entropy of σ/Σσ) (Roy & Vetterli 2007), the top singular values.
 * Reading α: ≲ 2 very heavy-tailed, 2–6 typical of well-trained layers, larger or a good MP fit with no spikes:
 * close to random (Martin & Mahoney 2021). With few eigenvalues (M ≲ 50) the tail fit rests on a handful of points:
 * look at n_tail and the interval, not at α alone.
 *
 * Errors (exit code 2, `error: <file>: <what>` naming the tensor and field): unreadable file, anything the
 * safetensors parser rejects (truncated file, header length beyond the file, bad JSON, unknown dtype, shape × dtype
 * size ≠ byte span, overlapping or missing bytes), and non-finite weights. 1-D tensors (biases, norms) and matrices
 * with a dimension below 2 or above --max-dim are listed as skipped, with the reason.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import type { Mat } from '../../core/mat.ts';
import { Rng } from '../../core/random.ts';
import { parseSafetensors, type SafeTensor } from '../../data/safetensors.ts';
import { analyzeWeightSpectrum, marchenkoPasturDensity } from '../../observe/spectra.ts';
import { renderPng } from '../../report/html.ts';
import { figureSpec, type VegaLiteSpec } from '../../report/vegaSpec.ts';
import type { Figure, Observations } from '../../studies/types.ts';
import { CliError } from '../errors.ts';

export interface InspectOptions {
  /** Bootstrap resamples of the power-law fit (0 = none). */
  bootstrap?: number;
  seed?: number;
  /** Skip matrices whose smaller dimension exceeds this (the eigensolver is O(M³)). */
  maxDim?: number;
  /** Smallest tail considered by the power-law fit. */
  minTail?: number;
}

export interface LayerReport {
  name: string;
  dtype: string;
  shape: number[];
  /** The matrix analysed: [rows, cols] (after flattening trailing dimensions). */
  matrix: [number, number];
  n: number;
  m: number;
  q: number;
  powerLaw: {
    alpha: number;
    xmin: number;
    ksDistance: number;
    nTail: number;
    stdErr: number;
    ci: [number, number] | null;
    bootstrapResamples: number;
  } | null;
  /** Why there is no power-law fit, when there is none. */
  powerLawNote?: string;
  marchenkoPastur: { sigma2: number; lambdaPlus: number; lambdaMinus: number; numSpikes: number; numOutliers: number; bulkKsDistance: number };
  stableRank: number;
  effectiveRank: number;
  spectralNorm: number;
  topSingularValues: number[];
  /** Eigenvalues of WᵀW/N, descending (for the plot; left out of the JSON). */
  eigenvalues: Float64Array;
}

export interface InspectReport {
  layers: LayerReport[];
  skipped: { name: string; dtype: string; shape: number[]; reason: string }[];
  metadata: Record<string, string>;
}

function asMatrix(name: string, t: SafeTensor): Mat {
  const rows = t.shape[0];
  const cols = t.shape.slice(1).reduce((a, b) => a * b, 1);
  for (let i = 0; i < t.data.length; i++) {
    if (!Number.isFinite(t.data[i])) {
      const idx: number[] = [];
      let r = i;
      for (let d = t.shape.length - 1; d >= 0; d--) {
        idx.unshift(r % t.shape[d]);
        r = Math.floor(r / t.shape[d]);
      }
      throw new CliError(`tensor '${name}': element [${idx.join(', ')}] is ${t.data[i]}; expected finite weights (the spectrum of a matrix with NaN or ±Infinity is undefined)`);
    }
  }
  return { rows, cols, data: t.data };
}

/** Analyse every weight matrix of a parsed safetensors file. */
export function inspectTensors(file: { tensors: Map<string, SafeTensor>; metadata: Record<string, string> }, opts: InspectOptions = {}): InspectReport {
  const maxDim = opts.maxDim ?? 2048;
  const minTail = opts.minTail ?? 10;
  const layers: LayerReport[] = [];
  const skipped: InspectReport['skipped'] = [];
  for (const [name, t] of file.tensors) {
    const skip = (reason: string) => skipped.push({ name, dtype: t.dtype, shape: t.shape.slice(), reason });
    if (t.shape.length < 2) {
      skip(t.shape.length === 0 ? 'scalar' : '1-D tensor (bias or norm): no spectrum');
      continue;
    }
    const w = asMatrix(name, t);
    const small = Math.min(w.rows, w.cols);
    if (small < 2) {
      skip(`matrix ${w.rows}×${w.cols} has a dimension below 2`);
      continue;
    }
    if (small > maxDim) {
      skip(`smaller dimension ${small} exceeds --max-dim ${maxDim} (the eigensolver is O(M³); raise --max-dim to include it)`);
      continue;
    }
    const boot = opts.bootstrap ?? 0;
    const a = analyzeWeightSpectrum(w, {
      powerLaw: { minTail, ...(boot > 0 ? { bootstrap: { resamples: boot, rng: Rng.fromSeed(opts.seed ?? 0, 'inspect', name) } } : {}) },
    });
    const pl = a.powerLaw;
    const mp = a.marchenkoPastur;
    const positive = a.spectrum.eigenvalues.filter((v) => v > 0).length;
    layers.push({
      name,
      dtype: t.dtype,
      shape: t.shape.slice(),
      matrix: [w.rows, w.cols],
      n: a.spectrum.n,
      m: a.spectrum.m,
      q: a.spectrum.q,
      powerLaw:
        pl === null
          ? null
          : { alpha: pl.alpha, xmin: pl.xmin, ksDistance: pl.ksDistance, nTail: pl.nTail, stdErr: pl.stdErr, ci: pl.ci, bootstrapResamples: pl.bootstrapAlphas.length },
      ...(pl === null ? { powerLawNote: `only ${positive} positive eigenvalues; the tail fit needs at least ${minTail}` } : {}),
      marchenkoPastur: { sigma2: mp.sigma2, lambdaPlus: mp.lambdaPlus, lambdaMinus: mp.lambdaMinus, numSpikes: mp.numSpikes, numOutliers: mp.numOutliers, bulkKsDistance: mp.bulkKsDistance },
      stableRank: a.ranks.stableRank,
      effectiveRank: a.ranks.effectiveRank,
      spectralNorm: a.spectrum.singularValues[0],
      topSingularValues: Array.from(a.spectrum.singularValues.slice(0, 5)),
      eigenvalues: a.spectrum.eigenvalues,
    });
  }
  return { layers, skipped, metadata: file.metadata };
}

function num(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toString();
}

function alignTable(rows: string[][]): string {
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ').trimEnd()).join('\n');
}

/** The human-readable table. */
export function inspectTable(file: string, report: InspectReport, opts: InspectOptions = {}): string {
  const boot = opts.bootstrap ?? 0;
  const header = ['layer', 'shape', 'N×M', 'Q', 'alpha', boot > 0 ? '95% CI' : '± s.e.', 'xmin', 'n_tail', 'KS D', 'MP σ²', 'λ+', 'spikes', 'stable r', 'eff r', 'σ_max'];
  const rows = [header];
  for (const l of report.layers) {
    const pl = l.powerLaw;
    rows.push([
      l.name,
      `[${l.shape.join(',')}]`,
      `${l.n}×${l.m}`,
      num(l.q),
      pl ? num(pl.alpha) : '—',
      pl ? (boot > 0 ? (pl.ci ? `[${num(pl.ci[0])}, ${num(pl.ci[1])}]` : '—') : `± ${num(pl.stdErr, 2)}`) : '—',
      pl ? num(pl.xmin) : '—',
      pl ? String(pl.nTail) : '—',
      pl ? num(pl.ksDistance, 2) : '—',
      num(l.marchenkoPastur.sigma2),
      num(l.marchenkoPastur.lambdaPlus),
      String(l.marchenkoPastur.numSpikes),
      num(l.stableRank),
      num(l.effectiveRank),
      num(l.spectralNorm),
    ]);
  }
  const lines = [`${file}: ${report.layers.length} weight matri${report.layers.length === 1 ? 'x' : 'ces'} analysed, ${report.skipped.length} tensor${report.skipped.length === 1 ? '' : 's'} skipped`];
  if (report.layers.length > 0) lines.push(alignTable(rows));
  lines.push(
    'alpha: power-law exponent of the ESD tail (MLE, x_min by KS; Clauset et al. 2009); KS D: its fit distance (smaller is better); spikes: eigenvalues > 3 Tracy–Widom scales above the MP edge λ+.',
  );
  for (const l of report.layers) if (l.powerLawNote) lines.push(`  ${l.name}: no power-law fit (${l.powerLawNote})`);
  for (const l of report.layers) if (l.powerLaw && l.powerLaw.nTail < 20) lines.push(`  ${l.name}: the tail fit rests on ${l.powerLaw.nTail} eigenvalues; treat alpha as rough`);
  for (const s of report.skipped) lines.push(`  skipped ${s.name} [${s.shape.join(',')}] ${s.dtype}: ${s.reason}`);
  return lines.join('\n');
}

/** JSON-safe report (non-finite numbers as null, eigenvalues left out). */
export function inspectJson(file: string, report: InspectReport, opts: InspectOptions = {}): string {
  const layers = report.layers.map(({ eigenvalues: _e, ...rest }) => rest);
  return JSON.stringify({ file, bootstrap: opts.bootstrap ?? 0, seed: opts.seed ?? 0, metadata: report.metadata, layers, skipped: report.skipped }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

/** Log-spaced histogram density of the positive eigenvalues (fraction of all M per unit λ). */
function esdHistogram(ev: Float64Array, bins: number): { x: number[]; y: number[] } {
  const pos = Array.from(ev).filter((v) => v > 0);
  if (pos.length === 0) return { x: [], y: [] };
  const lo = Math.min(...pos);
  const hi = Math.max(...pos);
  if (!(hi > lo)) return { x: [lo], y: [1] };
  const a = Math.log(lo);
  const w = (Math.log(hi) - a) / bins;
  const counts = new Float64Array(bins);
  for (const v of pos) counts[Math.min(bins - 1, Math.floor((Math.log(v) - a) / w))]++;
  const x: number[] = [];
  const y: number[] = [];
  for (let b = 0; b < bins; b++) {
    const left = Math.exp(a + b * w);
    const right = Math.exp(a + (b + 1) * w);
    if (counts[b] === 0) continue;
    x.push(Math.sqrt(left * right));
    y.push(counts[b] / (ev.length * (right - left)));
  }
  return { x, y };
}

/** Vega-Lite spec: one ESD panel per layer (histogram, MP density, power-law tail), stacked vertically. */
export function inspectPlotSpec(report: InspectReport, maxLayers = 16): VegaLiteSpec {
  const panels: VegaLiteSpec[] = [];
  for (const l of report.layers.slice(0, maxLayers)) {
    const ev = l.eigenvalues;
    const hist = esdHistogram(ev, Math.max(8, Math.min(40, Math.round(Math.sqrt(ev.length) * 2))));
    const mp = l.marchenkoPastur;
    // the MP density on a log grid strictly inside its support (it vanishes at the edges, which a log axis cannot show)
    const lo = Math.max(mp.lambdaMinus, mp.lambdaPlus * 1e-4);
    const grid = Array.from({ length: 80 }, (_, i) => lo * (mp.lambdaPlus / lo) ** ((i + 0.5) / 80));
    const measurement: Observations = { scalars: {}, series: [{ name: 'ESD histogram', group: '', kind: 'measured', x: hist.x, y: hist.y }] };
    const prediction: Observations = { scalars: {}, series: [{ name: 'Marchenko–Pastur fit', group: '', kind: 'predicted', x: grid, y: grid.map((v) => marchenkoPasturDensity(v, mp.sigma2, l.q)) }] };
    const pl = l.powerLaw;
    if (pl) {
      const top = ev[0];
      const xs = Array.from({ length: 40 }, (_, i) => pl.xmin * (top / pl.xmin) ** (i / 39));
      // tail density (α−1)/x_min·(λ/x_min)^{−α}, weighted by the tail's share n_tail/M of all eigenvalues
      const share = pl.nTail / ev.length;
      prediction.series.push({ name: 'power-law tail fit', group: '', kind: 'predicted', x: xs, y: xs.map((v) => (share * (pl.alpha - 1)) / pl.xmin / (v / pl.xmin) ** pl.alpha) });
    }
    const fig: Figure = {
      id: l.name,
      title: `${l.name} [${l.shape.join('×')}]: α = ${pl ? `${num(pl.alpha)} (n_tail ${pl.nTail}, KS ${num(pl.ksDistance, 2)})` : '—'}, MP σ² = ${num(mp.sigma2)}, λ+ = ${num(mp.lambdaPlus)}, spikes ${mp.numSpikes}`,
      x: { label: 'eigenvalue λ of WᵀW/N', log: true },
      y: { label: 'density', log: true },
      series: [{ name: 'ESD histogram' }, { name: 'Marchenko–Pastur fit' }, { name: 'power-law tail fit' }],
    };
    panels.push(figureSpec(fig, { measurement, prediction }, { width: 520, height: 220 }));
  }
  const first = panels[0] as unknown as Record<string, unknown>;
  const strip = (s: VegaLiteSpec) => {
    const { $schema: _s, config: _c, ...rest } = s as unknown as Record<string, unknown>;
    return rest;
  };
  return {
    $schema: first.$schema,
    config: first.config,
    vconcat: panels.map(strip),
    resolve: { scale: { color: 'independent', strokeDash: 'independent' } },
  } as unknown as VegaLiteSpec;
}

export interface InspectIo {
  out?: (text: string) => void;
  err?: (text: string) => void;
}

function intOption(flag: string, raw: string, min: number, max: number): number {
  const v = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(v) || v < min || v > max) throw new CliError(`${flag}: '${raw}' is not valid; expected an integer in [${min}, ${max}]`);
  return v;
}

export function registerInspect(program: Command, io: InspectIo = {}): void {
  const out = io.out ?? ((t: string) => process.stdout.write(t));
  const err = io.err ?? ((t: string) => process.stderr.write(t));
  program
    .command('inspect')
    .description('per-layer spectral analysis of trained weights in a safetensors file: power-law α of the ESD tail with its fit quality, Marchenko–Pastur bulk, ranks')
    .argument('<file>', 'a .safetensors file')
    .option('--json', 'print one JSON object')
    .option('--out <png>', 'also write the ESD plots (histogram, MP density, tail fit) to this PNG')
    .option('--bootstrap <n>', 'bootstrap resamples for a 95% interval of α (0 = none; the standard error is always given)', '0')
    .option('--seed <s>', 'seed of the bootstrap', '0')
    .option('--max-dim <m>', 'skip matrices whose smaller dimension exceeds m', '2048')
    .addOption(new Option('--min-tail <k>', 'smallest tail the power-law fit may choose').default('10'))
    .action(async (file: string, o: { json?: boolean; out?: string; bootstrap: string; seed: string; maxDim: string; minTail: string }) => {
      const opts: InspectOptions = {
        bootstrap: intOption('--bootstrap', o.bootstrap, 0, 100_000),
        seed: intOption('--seed', o.seed, 0, Number.MAX_SAFE_INTEGER),
        maxDim: intOption('--max-dim', o.maxDim, 2, 100_000),
        minTail: intOption('--min-tail', o.minTail, 2, 100_000),
      };
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new CliError(`${file}: cannot read the file (${(e as Error).message})`);
      }
      let parsed: ReturnType<typeof parseSafetensors>;
      try {
        parsed = parseSafetensors(bytes);
      } catch (e) {
        throw new CliError(`${file}: not a valid safetensors file: ${(e as Error).message.replace(/^parseSafetensors: /, '')}`);
      }
      let report: InspectReport;
      try {
        report = inspectTensors(parsed, opts);
      } catch (e) {
        if (e instanceof CliError) throw new CliError(`${file}: ${e.message}`);
        throw e;
      }
      if (report.layers.length === 0) err(`warning: ${file}: no weight matrix to analyse (${report.skipped.length} tensors, all skipped)\n`);
      if (o.json) out(`${inspectJson(file, report, opts)}\n`);
      else out(`${inspectTable(file, report, opts)}\n`);
      if (o.out !== undefined) {
        if (report.layers.length === 0) throw new CliError(`--out ${o.out}: nothing to plot (no weight matrix was analysed)`);
        if (report.layers.length > 16) err(`warning: plotting the first 16 of ${report.layers.length} layers\n`);
        const png = await renderPng(inspectPlotSpec(report));
        try {
          writeFileSync(o.out, png);
        } catch (e) {
          throw new CliError(`--out ${o.out}: cannot write the PNG (${(e as Error).message})`);
        }
        err(`wrote ${o.out}\n`);
      }
    });
}

/**
 * Verdict logic, shared by every study and every surface.
 *
 * Per part (a multi-part study labels its metrics and regime checks with `part`): an exception, a NaN
 * metric or a NaN regime value is `error`; a failed regime check of the part is `out-of-regime` (the theory
 * makes no claim there, so a metric miss is not a falsification); otherwise `holds` iff every judged
 * (non-sanity) metric passes, else `falsified`. The study: `error` if any part errs, `falsified` if any
 * in-regime part is falsified (an out-of-regime part never hides a falsified one), `out-of-regime` if
 * any part is, else `holds`. Then the controls: a holding study whose negative control also holds (or
 * errs, or is out of regime) is `inconclusive`.
 */
import { wilsonInterval } from '../core/stats.ts';
import type { ControlResult, Criterion, MetricResult, MetricSpec, PartResult, RegimeCheck, SeedSummary, Verdict } from './types.ts';

export function criterionPasses(value: number, c: Criterion): boolean {
  if (!Number.isFinite(value)) return false;
  switch (c.op) {
    case '<=':
      return value <= c.bound;
    case '>=':
      return value >= c.bound;
    case 'in':
      return value >= c.lo && value <= c.hi;
    case 'abs':
      return Math.abs(value - c.target) <= c.tol;
    case 'rel':
      return Math.abs(value - c.target) <= c.tol * Math.abs(c.target);
  }
}

export function criterionText(c: Criterion): string {
  const f = fmt;
  switch (c.op) {
    case '<=':
      return `≤ ${f(c.bound)}`;
    case '>=':
      return `≥ ${f(c.bound)}`;
    case 'in':
      return `∈ [${f(c.lo)}, ${f(c.hi)}]`;
    case 'abs':
      return `${f(c.target)} ± ${f(c.tol)}`;
    case 'rel':
      return `${f(c.target)} ± ${f(c.tol * 100)}%`;
  }
}

/** The single number shown as "tolerance": the bound for one-sided criteria, the allowed error otherwise. */
export function criterionTolerance(c: Criterion): number {
  switch (c.op) {
    case '<=':
    case '>=':
      return c.bound;
    case 'in':
      return (c.hi - c.lo) / 2;
    case 'abs':
      return c.tol;
    case 'rel':
      return c.tol;
  }
}

export function evaluateMetric(m: MetricSpec): MetricResult {
  return { ...m, pass: criterionPasses(m.value, m.criterion), tolerance: criterionTolerance(m.criterion), criterionText: criterionText(m.criterion) };
}

/** The verdict of one part: its metrics and the regime checks that gate it. */
function judgePart(metrics: MetricResult[], regime: RegimeCheck[]): Verdict {
  if (regime.some((r) => r.value !== undefined && Number.isNaN(r.value))) return 'error';
  // Outside the theory's assumptions (a step past the stability edge, say) the verdict is out-of-regime even
  // when the run diverged and its metrics are NaN: a diverged run is data, and a validity map must draw it so.
  if (regime.some((r) => !r.ok)) return 'out-of-regime';
  if (metrics.some((m) => Number.isNaN(m.value))) return 'error';
  const judged = metrics.filter((m) => !m.sanity);
  if (judged.length === 0) return 'error';
  return judged.every((m) => m.pass) ? 'holds' : 'falsified';
}

/** The parts of a comparison: every distinct `part` label of its metrics ('' for unlabelled metrics). */
export function partsOf(metrics: readonly MetricSpec[]): string[] {
  return [...new Set(metrics.map((m) => m.part ?? ''))];
}

/** Per-part verdicts (a regime check without a part gates every part). */
export function judgeParts(metrics: MetricResult[], regime: RegimeCheck[]): PartResult[] {
  return partsOf(metrics).map((part) => ({
    part,
    verdict: judgePart(
      metrics.filter((m) => (m.part ?? '') === part),
      regime.filter((r) => r.part === undefined || r.part === part),
    ),
  }));
}

/** Combine part verdicts (see the module comment). */
export function combineParts(parts: readonly PartResult[]): Verdict {
  const vs = parts.map((p) => p.verdict);
  if (vs.length === 0 || vs.includes('error')) return 'error';
  if (vs.includes('falsified')) return 'falsified';
  if (vs.includes('out-of-regime')) return 'out-of-regime';
  if (vs.includes('inconclusive')) return 'inconclusive';
  return 'holds';
}

export function judge(metrics: MetricResult[], regime: RegimeCheck[], error?: string): Verdict {
  if (error !== undefined) return 'error';
  if (metrics.length === 0) return 'error';
  return combineParts(judgeParts(metrics, regime));
}

/** A holding verdict stays `holds` only if every control is falsified. */
export function withControls(verdict: Verdict, controls: readonly ControlResult[]): Verdict {
  if (verdict !== 'holds') return verdict;
  return controls.every((c) => c.verdict === 'falsified') ? 'holds' : 'inconclusive';
}

/**
 * The verdict over seeds: `holds` when the Wilson lower bound of the fraction of seeds that hold clears
 * the threshold; `falsified` when the fraction falsified clears it; `error` if every seed errs; otherwise
 * `inconclusive` (the seeds disagree more than the bound allows).
 */
export function judgeSeeds(seeds: readonly number[], verdicts: readonly Verdict[], threshold: number): SeedSummary & { verdict: Verdict } {
  const n = verdicts.length;
  const holds = verdicts.filter((v) => v === 'holds').length;
  const falsified = verdicts.filter((v) => v === 'falsified').length;
  const w = wilsonInterval(holds, n);
  let verdict: Verdict = 'inconclusive';
  if (n > 0 && w.lo >= threshold) verdict = 'holds';
  else if (n > 0 && wilsonInterval(falsified, n).lo >= threshold) verdict = 'falsified';
  else if (n > 0 && verdicts.every((v) => v === 'error')) verdict = 'error';
  else if (n > 0 && verdicts.every((v) => v === 'out-of-regime')) verdict = 'out-of-regime';
  return { seeds: [...seeds], verdicts: [...verdicts], holds, fraction: n ? holds / n : Number.NaN, lo: w.lo, hi: w.hi, threshold, verdict };
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e4 || a < 1e-3) return x.toExponential(2);
  return Number(x.toPrecision(3)).toString();
}

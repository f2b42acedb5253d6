/**
 * Verdict logic, shared by every study and every surface.
 *
 * Order of precedence: an exception is `error`; any failed regime check is `out-of-regime` (the theory
 * makes no claim there, so a metric miss is not a falsification); otherwise `holds` iff every metric
 * passes, else `falsified`. A metric whose value is NaN never passes.
 */
import type { Criterion, MetricResult, MetricSpec, RegimeCheck, Verdict } from './types.ts';

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

export function judge(metrics: MetricResult[], regime: RegimeCheck[], error?: string): Verdict {
  if (error !== undefined) return 'error';
  if (regime.some((r) => !r.ok)) return 'out-of-regime';
  if (metrics.length === 0) return 'error';
  return metrics.every((m) => m.pass) ? 'holds' : 'falsified';
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e4 || a < 1e-3) return x.toExponential(2);
  return Number(x.toPrecision(3)).toString();
}

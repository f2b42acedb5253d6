/**
 * What makes a `holds` evidence: the study, handed a wrong theory, must say `falsified`.
 *
 * - Negative controls (`study.controls`): each rival prediction is judged against the same measurement
 *   (no retraining), or a null setting is measured anew and judged against the study's own prediction.
 * - Detection power: for every judged metric that names its predicted scalar, the smallest relative change
 *   of that scalar (×(1 + δ) or ×(1 − δ)) that makes the metric fail, found by a geometric scan and then
 *   bisection on `compare` alone. "This study would notice the prediction being 7% off."
 *
 * Browser-safe: the CLI, the library and the lab call the same functions.
 */
import type { AnyStudy, ControlResult, MetricPower, Observations, StudyComparison } from './types.ts';
import { evaluateMetric, judge } from './verdict.ts';

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function judgeComparison(cmp: StudyComparison): { verdict: ReturnType<typeof judge>; passing: string[] } {
  const metrics = cmp.metrics.map(evaluateMetric);
  return { verdict: judge(metrics, cmp.regime), passing: metrics.filter((m) => m.pass && !m.sanity).map((m) => m.name) };
}

/** Run every control of a study (see the module comment). `measure` runs the study's measurement at other params. */
export async function runControls(
  study: AnyStudy,
  params: Record<string, unknown>,
  prediction: Observations,
  measurement: Observations,
  measure: (params: Record<string, unknown>) => Promise<Observations>,
): Promise<ControlResult[]> {
  const out: ControlResult[] = [];
  for (const c of study.controls ?? []) {
    const base = { name: c.name, description: c.description };
    try {
      if (c.applies && !c.applies(params)) continue;
      const p = c.params ? study.schema.parse({ ...params, ...c.params }) : params;
      const meas = c.params ? await measure(p) : measurement;
      const pred = c.predict ? c.predict(p, prediction) : prediction;
      out.push({ ...base, ...judgeComparison(study.compare(pred, meas, p)) });
    } catch (e) {
      out.push({ ...base, verdict: 'error', passing: [], error: errorText(e) });
    }
  }
  return out;
}

/** The prediction with one scalar multiplied by `factor`. */
function perturbed(prediction: Observations, key: string, factor: number): Observations {
  return { ...prediction, scalars: { ...prediction.scalars, [key]: prediction.scalars[key] * factor } };
}

/** Does metric `name` pass when the prediction's scalar `key` is multiplied by `factor`? (A thrown compare counts as failing.) */
function passesAt(study: AnyStudy, params: Record<string, unknown>, pred: Observations, meas: Observations, name: string, key: string, factor: number): boolean {
  try {
    const m = study.compare(perturbed(pred, key, factor), meas, params).metrics.find((x) => x.name === name);
    return m !== undefined && evaluateMetric(m).pass;
  } catch {
    return false;
  }
}

/** Smallest δ in (0, max] with passes(δ) false, by a doubling scan from 1e-3 and 14 bisection steps; +∞ if none. */
function smallestFlip(passes: (delta: number) => boolean, max: number): number {
  let lo = 0;
  let hi = Number.NaN;
  for (let d = 1e-3; d <= max * (1 + 1e-12); d *= 2) {
    if (!passes(Math.min(d, max))) {
      hi = Math.min(d, max);
      break;
    }
    lo = Math.min(d, max);
  }
  if (Number.isNaN(hi) && lo < max && !passes(max)) hi = max;
  if (Number.isNaN(hi)) return Number.POSITIVE_INFINITY;
  for (let i = 0; i < 14; i++) {
    const mid = (lo + hi) / 2;
    if (passes(mid)) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Detection power of every passing metric that names its predicted scalar (`MetricSpec.prediction`):
 * up to +300% and −99.9%. Metrics that already fail, sanity checks and metrics without a prediction key
 * are skipped.
 */
export function detectionPower(study: AnyStudy, params: Record<string, unknown>, prediction: Observations, measurement: Observations): MetricPower[] {
  const base = study.compare(prediction, measurement, params).metrics.map(evaluateMetric);
  const out: MetricPower[] = [];
  for (const m of base) {
    const key = m.prediction;
    if (!key || m.sanity || !m.pass) continue;
    const v0 = prediction.scalars[key];
    if (!Number.isFinite(v0) || v0 === 0) {
      out.push({ metric: m.name, prediction: key, detectionThreshold: Number.NaN, direction: 'none' });
      continue;
    }
    const up = smallestFlip((d) => passesAt(study, params, prediction, measurement, m.name, key, 1 + d), 3);
    const down = smallestFlip((d) => passesAt(study, params, prediction, measurement, m.name, key, 1 - d), 0.999);
    const best = Math.min(up, down);
    out.push({ metric: m.name, prediction: key, detectionThreshold: best, direction: !Number.isFinite(best) ? 'none' : up <= down ? 'up' : 'down' });
  }
  return out;
}

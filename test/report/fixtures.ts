/**
 * Realistic StudyResult fixtures for the report tests and scripts/check-report.mjs: shaped like the real
 * edge-of-stability and Saxe-modes studies (same series names, groups and figure declarations), plus a
 * falsified power-law study carrying hostile text, an out-of-regime one and an error. The curves are
 * synthetic (closed forms plus seeded noise), so building them takes milliseconds.
 */
import { Rng } from '../../src/core/random.ts';
import type { Figure, MetricSpec, Provenance, RegimeCheck, Series, StudyResult } from '../../src/studies/types.ts';
import { evaluateMetric, judge } from '../../src/studies/verdict.ts';

export const MALICIOUS = '<script>alert(1)</script>';

function provenance(seed: number, durationMs: number, params: Record<string, unknown>): Provenance {
  return {
    seed,
    configHash: `c0ffee${seed.toString(16).padStart(10, '0')}`,
    codeVersion: '0.1.0+3fa29c0d51be',
    params,
    profile: 'quick',
    startedAt: '2026-05-04T10:20:30.000Z',
    durationMs,
    node: 'v20.20.2',
    platform: 'linux-x64',
  };
}

function result(base: Omit<StudyResult, 'verdict' | 'metrics' | 'regime'>, metrics: MetricSpec[], regime: RegimeCheck[]): StudyResult {
  const evaluated = metrics.map(evaluateMetric);
  return { ...base, metrics: evaluated, regime, verdict: judge(evaluated, regime, base.error) };
}

/** Edge of stability: three step sizes, sharpness rising to 2/η then oscillating there; loss on a log axis. */
export function edgeOfStabilityResult(): StudyResult {
  const rng = Rng.fromSeed(7, 'eos-fixture');
  const etas = [0.05, 0.1, 0.2];
  const g = (eta: number) => `η=${eta}`;
  const measured: Series[] = [];
  const predicted: Series[] = [];
  const metrics: MetricSpec[] = [];
  const regime: RegimeCheck[] = [];
  const tau = 100;
  for (const eta of etas) {
    const thr = 2 / eta;
    const x: number[] = [];
    const s: number[] = [];
    const loss: number[] = [];
    for (let k = 0; k <= 80; k++) {
      const t = (k * tau) / 80;
      // progressive sharpening from 4 towards 2/η, then oscillation around it
      const rise = 4 + (thr - 4) / (1 + Math.exp(-(t - 25 * Math.sqrt(eta / 0.05)) / 5));
      const osc = t > 30 ? 0.06 * thr * Math.sin(t * 1.7 + eta * 50) : 0;
      x.push(t);
      s.push(Math.min(rise + osc, 1.12 * thr) + 0.2 * rng.normal());
      // loss falls faster for larger η, with non-monotone spikes at the edge
      loss.push(Math.exp(-t * Math.sqrt(eta / 0.05) / 25) * (1 + 0.25 * Math.abs(Math.sin(t * 0.9 + eta * 20))) + 1e-3);
    }
    measured.push({ name: 'sharpness', group: g(eta), kind: 'measured', x, y: s });
    measured.push({ name: 'train loss', group: g(eta), kind: 'measured', x, y: loss });
    regime.push({ name: `starts stable ${g(eta)}`, ok: true, detail: `S(0) = ${s[0].toFixed(3)} vs 2/η = ${thr.toFixed(3)}` });
    metrics.push({ name: `sharpening ${g(eta)}`, value: 0.97, criterion: { op: '>=', bound: 0.8 }, reason: 'catalog: S rises before first reaching 2/η', description: 'Spearman correlation of sharpness with time before the first crossing' });
    metrics.push({ name: `median S/(2/η) ${g(eta)}`, value: 1.01 + eta / 10, criterion: { op: 'in', lo: 0.95, hi: 1.15 }, reason: 'catalog [0.95, 1.15]' });
    metrics.push({ name: `loss drop ${g(eta)}`, value: 0.98, criterion: { op: '>=', bound: 0.5 }, reason: 'catalog: loss falls by > 50%' });
  }
  const figures: Figure[] = [
    {
      id: 'sharpness',
      title: 'Sharpness under full-batch GD, with the 2/η thresholds',
      x: { label: 'time τ = η·step' },
      y: { label: 'λ_max of the Hessian' },
      series: [{ name: 'sharpness' }],
      rules: etas.map((eta) => ({ y: 2 / eta, label: g(eta) })),
      caption: 'Solid: measured top Hessian eigenvalue (Lanczos). Dashed: the stability threshold 2/η for each step size.',
    },
    { id: 'loss', title: 'Training loss', x: { label: 'time τ = η·step' }, y: { label: 'train MSE', log: true }, series: [{ name: 'train loss' }], rules: [{ y: 0.01, label: 'loss 0.01' }] },
  ];
  return result(
    {
      id: 'edge-of-stability',
      title: 'Edge of stability: progressive sharpening, then λ_max ≈ 2/η',
      pillar: 'laws',
      claim: 'Under full-batch gradient descent the top Hessian eigenvalue rises until it reaches 2/η and then hovers there.',
      prediction: { scalars: Object.fromEntries(etas.map((e) => [`threshold ${g(e)}`, 2 / e])), series: predicted },
      measurement: { scalars: {}, series: measured },
      figures,
      provenance: provenance(0, 12_345, { examples: 128, width: 32, eta0: 0.05, tau: 100 }),
      cached: true,
    },
    metrics,
    regime,
  );
}

/** Saxe et al.: three singular modes learned along sigmoids, predicted curves dashed. */
export function saxeResult(): StudyResult {
  const rng = Rng.fromSeed(11, 'saxe-fixture');
  const svals = [3, 2, 1];
  const u0 = 1e-3;
  const measured: Series[] = [];
  const predicted: Series[] = [];
  const times = Array.from({ length: 121 }, (_, i) => (i * 6) / 120);
  for (const s of svals) {
    // u(τ) = s / (1 + (s/u0 − 1) e^{−2sτ}) (Saxe et al. 2014, depth 2, balanced aligned init);
    // the "measured" curve runs 3% slower plus noise, like a GD run lagging gradient flow
    const u = times.map((t) => s / (1 + (s / u0 - 1) * Math.exp(-2 * s * t)));
    predicted.push({ name: 'aligned L=2', group: `s=${s}`, kind: 'predicted', x: times, y: u });
    measured.push({ name: 'aligned L=2', group: `s=${s}`, kind: 'measured', x: times, y: times.map((t) => s / (1 + (s / u0 - 1) * Math.exp(-2 * s * t * 0.97)) + 0.01 * rng.normal()) });
  }
  return result(
    {
      id: 'dln-saxe-modes',
      title: 'Deep linear networks learn singular modes sigmoidally, largest first',
      pillar: 'solvable',
      claim: 'Each singular mode of the target is learned along its own sigmoid, larger modes first.',
      prediction: { scalars: { 'half-time aligned s=3': 1.33 }, series: predicted },
      measurement: { scalars: { 'u0 random s=3': 0.0011 }, series: measured, notes: ['The depth-3 run converges later; see the second figure.'] },
      figures: [
        {
          id: 'aligned-L2',
          title: 'Mode strengths, aligned balanced init, depth 2',
          x: { label: 'τ = η·step' },
          y: { label: 'u_μ = u_μᵀ W v_μ' },
          series: [{ name: 'aligned L=2' }],
          caption: 'Dashed: the closed-form sigmoid s/(1 + (s/u₀ − 1)e^{−2sτ}).',
        },
      ],
      provenance: provenance(0, 2_100, { dim: 8, hidden: 8, depths: [2, 3], singularValues: svals, eta: 2e-3 }),
    },
    [
      { name: 'max |u − u_pred|/s (aligned, L=2)', value: 0.012, criterion: { op: '<=', bound: 0.02 }, reason: 'catalog 2% of s' },
      { name: 'learning order by decreasing s (random init)', value: 1, criterion: { op: '>=', bound: 1 }, reason: 'catalog: larger singular values first' },
    ],
    [{ name: 'gradient-flow step', ok: true, detail: 'η·s_max·L = 0.018 (≤ 0.05)' }],
  );
}

/** A falsified power-law study on log–log axes with a scatter, a reference curve and hostile text everywhere. */
export function hostileResult(): StudyResult {
  const n = [10, 20, 50, 100, 200, 500, 1000];
  return result(
    {
      id: 'scaling-law-hostile',
      title: `Power law & <b>bold</b> claims ${MALICIOUS}`,
      pillar: 'laws',
      claim: `Loss falls as N^(−α) ${MALICIOUS}`,
      prediction: { scalars: { alpha: 0.5 }, series: [{ name: 'loss', group: '', kind: 'predicted', x: n, y: n.map((v) => 2 * v ** -0.5) }], notes: [`prediction note ${MALICIOUS}`] },
      measurement: {
        scalars: { alpha: 0.31 },
        series: [
          { name: 'loss', group: '', kind: 'measured', x: n, y: n.map((v, i) => (i === 3 ? Number.NaN : 1.5 * v ** -0.31)) },
          { name: 'loss', group: '', kind: 'reference', x: n, y: n.map((v) => v ** -1) },
        ],
        notes: [MALICIOUS, 'second note with "quotes" & ampersands'],
      },
      figures: [
        { id: 'loss-vs-n', title: `Loss vs N ${MALICIOUS}`, x: { label: 'N', log: true }, y: { label: 'test loss', log: true }, series: [{ name: 'loss' }], mark: 'point', caption: `caption ${MALICIOUS}` },
      ],
      provenance: provenance(3, 640, { label: `"><img src=x onerror=alert(2)>`, url: 'https://example.com/not-a-link' }),
    },
    [{ name: `alpha ${MALICIOUS}`, value: 0.31, criterion: { op: 'rel', target: 0.5, tol: 0.1 }, reason: `reason ${MALICIOUS}` }],
    [{ name: 'enough sizes', ok: true, detail: '7 sizes' }],
  );
}

/** Out of regime: a failed regime check, metrics passing. */
export function outOfRegimeResult(): StudyResult {
  const x = [0, 1, 2, 3, 4];
  return result(
    {
      id: 'ntk-linearization',
      title: 'Wide networks train like their linearization',
      pillar: 'limits',
      claim: 'As width grows, the trained network approaches its first-order Taylor expansion around init.',
      prediction: { scalars: {}, series: [{ name: 'distance', group: 'width=64', kind: 'predicted', x, y: x.map((v) => 0.1 * v) }] },
      measurement: { scalars: {}, series: [{ name: 'distance', group: 'width=64', kind: 'measured', x, y: x.map((v) => 0.12 * v) }] },
      figures: [{ id: 'distance', title: 'Function-space distance to the linearized model', x: { label: 'step' }, y: { label: '‖f − f_lin‖' }, series: [{ name: 'distance' }] }],
      provenance: provenance(1, 75_000, { widths: [64] }),
    },
    [{ name: 'slope ratio', value: 1.2, criterion: { op: 'abs', target: 1, tol: 0.3 }, reason: 'finite width' }],
    [{ name: 'wide enough', ok: false, detail: 'width 64 < 256' }],
  );
}

/** An error: the run threw; its figure finds no data. */
export function errorResult(): StudyResult {
  return {
    id: 'grokking-modular',
    title: 'Grokking on modular addition',
    pillar: 'mechanisms',
    claim: 'Test accuracy jumps long after the training accuracy saturates.',
    verdict: 'error',
    metrics: [],
    regime: [],
    prediction: { scalars: {}, series: [] },
    measurement: { scalars: {}, series: [] },
    figures: [{ id: 'accuracy', title: 'Train and test accuracy', x: { label: 'step', log: true }, y: { label: 'accuracy' }, series: [{ name: 'test accuracy' }] }],
    provenance: provenance(0, 310, {}),
    error: `RangeError: width: expected ≥ 1, got 0\n    at mlp (src/nn/mlp.ts:12:11) ${MALICIOUS}`,
  };
}

export function allFixtures(): StudyResult[] {
  return [edgeOfStabilityResult(), saxeResult(), hostileResult(), outOfRegimeResult(), errorResult()];
}

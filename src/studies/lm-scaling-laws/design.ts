/**
 * The grid of lm-scaling-laws as pure functions of its parameters: which (N, D) points the law is fitted on,
 * which held-out points it must predict, and a diagnostic of the law's additivity read off the same curves.
 *
 * N = the non-embedding parameters 12·L·d² (Kaplan et al. 2020 §2.1, MLP ratio 4); D = tokens seen =
 * steps·batch·seqLen. Each width is one run with a constant learning rate, its validation loss read at
 * checkpoints on a doubling schedule ending at `steps` (Kaplan et al. 2020 §5, L(N, S)).
 */

/** The parameters the design depends on (a subset of the study's). */
export interface DesignParams {
  fitWidths: readonly number[];
  heldOutWidths: readonly number[];
  layers: number;
  batch: number;
  seqLen: number;
  steps: number;
  checkpoints: number;
  judgedCheckpoints: number;
}

export interface Design {
  /** the fitted widths' losses: the only data of the prediction */
  rows: { N: number; D: number; loss: number }[];
  /** the held-out points to predict (their losses never enter `rows`) */
  targets: { N: number; D: number; d: number; step: number }[];
}

export const sorted = (v: readonly number[]): number[] => [...v].sort((a, b) => a - b);
/** Non-embedding parameters of a width (Kaplan et al. 2020 §2.1: 12·L·d² with the MLP ratio 4). */
export const nonEmbeddingParams = (p: Pick<DesignParams, 'layers'>, d: number): number => 12 * p.layers * d * d;
export const tokensAt = (p: Pick<DesignParams, 'batch' | 'seqLen'>, step: number): number => step * p.batch * p.seqLen;
export const lossKey = (d: number, step: number): string => `loss d=${d} step=${step}`;

/** Checkpoint steps, ascending: steps·2^{−j}, j = checkpoints−1 … 0. */
export function checkpointSteps(p: Pick<DesignParams, 'steps' | 'checkpoints'>): number[] {
  const out = Array.from({ length: p.checkpoints }, (_, j) => Math.max(1, Math.round(p.steps / 2 ** (p.checkpoints - 1 - j))));
  return [...new Set(out)];
}

/** The fitted widths' losses and the held-out points to predict (the last `judgedCheckpoints` of each held-out width). */
export function design(p: DesignParams, scalars: Readonly<Record<string, number>>): Design {
  const steps = checkpointSteps(p);
  const rows = sorted(p.fitWidths).flatMap((d) => steps.map((s) => ({ N: nonEmbeddingParams(p, d), D: tokensAt(p, s), loss: scalars[lossKey(d, s)] })));
  const judged = steps.slice(-p.judgedCheckpoints);
  const targets = sorted(p.heldOutWidths).flatMap((d) => judged.map((s) => ({ N: nonEmbeddingParams(p, d), D: tokensAt(p, s), d, step: s })));
  return { rows, targets };
}

/**
 * The loss each width loses between the first and the last checkpoint, L(N, D_first) − L(N, D_last). The
 * Chinchilla law is additive, E + A/N^α + B/D^β, so this drop is B·(D_first^{−β} − D_last^{−β}) for every N:
 * the same at every width. A ratio of drops (largest width / smallest) above 1 says the larger models' learning
 * curves fall faster, an N–D interaction the additive law cannot represent (Kaplan et al. 2020 eq. 1.5 has one).
 * Reported, not judged: each drop is a difference of two single-checkpoint losses, whose noise the study does not
 * estimate.
 */
export function lossDrops(p: Pick<DesignParams, 'steps' | 'checkpoints'>, widths: readonly number[], scalars: Readonly<Record<string, number>>): { d: number; drop: number }[] {
  const steps = checkpointSteps(p);
  const first = steps[0];
  const last = steps[steps.length - 1];
  return sorted(widths).map((d) => {
    const a = scalars[lossKey(d, first)];
    const b = scalars[lossKey(d, last)];
    if (!(Number.isFinite(a) && Number.isFinite(b))) throw new Error(`lossDrops: ${lossKey(d, first)} = ${a}, ${lossKey(d, last)} = ${b}, expected finite losses`);
    return { d, drop: a - b };
  });
}

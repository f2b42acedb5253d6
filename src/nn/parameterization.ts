/**
 * Parameterizations as data: a per-layer-role table of exponents, applied by one pure rule
 * (abc-parameterizations, Yang & Hu 2021, "Feature learning in infinite-width neural networks").
 *
 * For a dense layer with fan-in `fanIn` in a network of width `width` (relative to `baseWidth`):
 *   trainable weight  w ~ N(0, initCoef · fanIn^initVarExp)
 *   forward weight    W = fanIn^multExp · w            (the "multiplier")
 *   learning rate     η_layer = η · (width / baseWidth)^lrExp
 * Every scheme below is just a table; the model code never special-cases a scheme.
 */
export type LayerRole = 'input' | 'hidden' | 'output' | 'bias';

export interface RoleScaling {
  /** exponent of fan-in in the init variance of the trainable weight */
  initVarExp: number;
  /** constant factor of the init variance (e.g. a gain σ_w²) */
  initCoef: number;
  /** exponent of fan-in in the forward multiplier */
  multExp: number;
  /** exponent of width/baseWidth in the per-layer learning-rate multiplier */
  lrExp: number;
}

export interface Parameterization {
  name: string;
  description: string;
  roles: Record<LayerRole, RoleScaling>;
}

const r = (initVarExp: number, multExp: number, lrExp: number, initCoef = 1): RoleScaling => ({ initVarExp, multExp, lrExp, initCoef });

export const PARAMETERIZATIONS: Record<string, Parameterization> = {
  sp: {
    name: 'sp',
    description: 'standard: W ~ N(0, 1/fan_in), no multipliers, one learning rate (LeCun init)',
    roles: { input: r(-1, 0, 0), hidden: r(-1, 0, 0), output: r(-1, 0, 0), bias: r(0, 0, 0, 0) },
  },
  ntk: {
    name: 'ntk',
    description: 'NTK: w ~ N(0, 1), forward multiplier 1/√fan_in (Jacot et al. 2018)',
    roles: { input: r(0, -0.5, 0), hidden: r(0, -0.5, 0), output: r(0, -0.5, 0), bias: r(0, 0, 0, 0) },
  },
  'mean-field': {
    name: 'mean-field',
    description: 'mean-field (two-layer): readout multiplier 1/fan_in, learning rate ∝ width (Mei, Montanari & Nguyen 2018; Chizat & Bach 2018)',
    roles: { input: r(0, 0, 1), hidden: r(-1, 0, 1), output: r(0, -1, 1), bias: r(0, 0, 0, 0) },
  },
};

/** Scale factors of one layer under a parameterization. */
export function layerScaling(p: Parameterization, role: LayerRole, fanIn: number, widthRatio: number): { initStd: number; multiplier: number; lrScale: number } {
  const s = p.roles[role];
  return {
    initStd: Math.sqrt(s.initCoef * fanIn ** s.initVarExp),
    multiplier: fanIn ** s.multExp,
    lrScale: widthRatio ** s.lrExp,
  };
}

export function getParameterization(name: string): Parameterization {
  const p = PARAMETERIZATIONS[name];
  if (!p) throw new Error(`parameterization: unknown '${name}', expected one of ${Object.keys(PARAMETERIZATIONS).join(', ')}`);
  return p;
}

/**
 * PROVISIONAL: Saxe mode strengths (closed form for depth 2, RK4 for the depth-L ODE).
 * To be replaced by the theory library's implementation.
 */
export interface SaxeInput {
  singularValues: number[];
  init: number;
  depth: number;
  times: number[];
}

export function saxeModeStrengths(input: SaxeInput): { modes: number[][] } {
  const { singularValues, init, depth, times } = input;
  const modes = singularValues.map((s) => {
    if (depth === 2) return times.map((t) => s / (1 + (s / init - 1) * Math.exp(-2 * s * t)));
    const f = (u: number) => depth * u ** (2 - 2 / depth) * (s - u);
    const out: number[] = [];
    let u = init;
    let t = 0;
    const dt = 1e-3 / Math.max(s, 1e-9);
    for (const target of times) {
      while (t < target - 1e-15) {
        const h = Math.min(dt, target - t);
        const k1 = f(u);
        const k2 = f(u + 0.5 * h * k1);
        const k3 = f(u + 0.5 * h * k2);
        const k4 = f(u + h * k3);
        u += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
        t += h;
      }
      out.push(u);
    }
    return out;
  });
  return { modes };
}

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random.ts';
import { tensor } from '../../src/core/tensor.ts';
import { twoLayerStudent } from '../../src/nn/twoLayer.ts';
import { empiricalNtk } from '../../src/observe/kernel.ts';
import { circleNtkCoefficient, lazyRichCrossover, reluCosCoefficient, teacherKernelNormSquared } from '../../src/theory/lazyCrossover.ts';
import { solveSpd } from './helpers.ts';

/** The kernel of the theory module's header, written out independently of its Fourier coefficients. */
const kernel = (delta: number): number => {
  const d = Math.abs(Math.atan2(Math.sin(delta), Math.cos(delta))); // angle between, in [0, π]
  return (Math.sin(d) + 3 * (Math.PI - d) * Math.cos(d)) / (2 * Math.PI);
};

/** (1/2π)∮ f(θ) cos(mθ) dθ by the trapezoidal rule on `points` nodes (spectrally accurate for smooth periodic f; O(h²) at a kink). */
function cosineCoefficient(f: (t: number) => number, m: number, points = 1 << 16): number {
  let s = 0;
  for (let i = 0; i < points; i++) {
    const t = (2 * Math.PI * i) / points;
    s += f(t) * Math.cos(m * t);
  }
  return s / points;
}

describe('lazy/rich crossover on the circle (src/theory/lazyCrossover.ts)', () => {
  it('closed-form kernel coefficients κ_m match quadrature of k(Δ)', () => {
    for (let m = 0; m <= 12; m++) {
      // the kinks of k at Δ = 0 and π make the trapezoid error O(h²·|k′ jump|) ≈ (2π/65536)² ≈ 1e-8
      expect(Math.abs(circleNtkCoefficient(m) - cosineCoefficient(kernel, m))).toBeLessThan(1e-7);
    }
    expect(circleNtkCoefficient(-4)).toBe(circleNtkCoefficient(4));
    expect(() => circleNtkCoefficient(1.5)).toThrow(/m must be an integer, got 1.5/);
  });

  it('ReLU(cos θ) Fourier coefficients match quadrature', () => {
    const g = (t: number) => Math.max(0, Math.cos(t));
    for (let m = 0; m <= 12; m++) expect(Math.abs(reluCosCoefficient(m) - cosineCoefficient(g, m))).toBeLessThan(1e-7);
  });

  it('the kernel is the tangent kernel of the mean-field two-layer net at init (wide-network Monte Carlo)', () => {
    const n = 20000;
    const N = 6;
    const s = twoLayerStudent({ inputDim: 2, width: n, outputMultiplier: 1, baseWidth: 1, balanced: true }, Rng.fromSeed(3, 'ntk'));
    const angles = Array.from({ length: N }, (_, i) => (i * Math.PI) / (N - 1)); // Δ from 0 to π
    const X = tensor(
      angles.flatMap((t) => [Math.cos(t), Math.sin(t)]),
      [N, 2],
    );
    const K = empiricalNtk(() => s.forward(X), s.params(), N);
    // J Jᵀ = k̂/n: each entry is a mean over n neurons of terms with standard deviation ≤ √E‖w‖⁴ + √E(w·x)⁴ = √8 + √3 < 4.6,
    // so 5 standard errors are 23/√n ≈ 0.16 (the kernel itself is O(1): k(0) = 1.5)
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) expect(Math.abs(n * K.data[i * N + j] - kernel(angles[i] - angles[j]))).toBeLessThan(23 / Math.sqrt(n));
  });

  it('a linear target has the exact norm ‖cos θ‖²_k = 2·(1/2)²/κ₁ = 4/3', () => {
    // ReLU(cos θ) − ReLU(−cos θ) = cos θ: only the modes ±1 (f₁ = 1/2) remain
    const modes = 4096;
    const v = teacherKernelNormSquared([0, Math.PI], [1, -1], modes);
    // the tail term adds Σcⱼ²/(2·modes) although this target has no tail
    expect(Math.abs(v - 4 / 3)).toBeLessThanOrEqual(2 / (2 * modes) + 1e-12);
    expect(lazyRichCrossover([0, Math.PI], [1, -1]).crossoverAlpha).toBeCloseTo(Math.sqrt(4 / 3) / 2, 3);
  });

  it('the series norm is the limit of yᵀK⁻¹y on equispaced points (min-norm interpolation)', () => {
    const angles = [0.3, 2.2, 4.4];
    const series = teacherKernelNormSquared(angles);
    const target = (t: number) => angles.reduce((a, p) => a + Math.max(0, Math.cos(t - p)), 0);
    const interpNorm = (N: number) => {
      const ts = Array.from({ length: N }, (_, i) => (2 * Math.PI * i) / N);
      const K = new Float64Array(N * N);
      // k has no odd modes ≥ 3 (bias-free ReLUs), so K is singular; the target has none either (y ∈ range K), and
      // a ridge 1e-9, far below K's smallest nonzero eigenvalue (≈ N·κ_{N/2} ≈ 0.8/N), gives yᵀK⁺y to ~1e-6
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) K[i * N + j] = kernel(ts[i] - ts[j]) + (i === j ? 1e-9 : 0);
      const y = Float64Array.from(ts, target);
      const c = solveSpd(K, y, N);
      // K = F diag(N·κ_m) F*/N and y has √N·f_m along each unit Fourier vector, so yᵀK⁻¹y = Σ|f_m|²/κ_m on the modes the grid sees
      return y.reduce((a, v, i) => a + v * c[i], 0);
    };
    const a = interpNorm(64);
    const b = interpNorm(256);
    // on a grid of N points the aliased modes |m| > N/2 are lost: yᵀK⁻¹y/N ≤ ‖f‖², missing at most
    // Σ_{even m > N/2} |S_m|²/m² ≤ 9·(1/N)·(1 + O(1/N)) (|S_m| ≤ 3)
    expect(a).toBeLessThanOrEqual(b + 1e-9);
    expect(b).toBeLessThanOrEqual(series + 1e-6);
    expect(series - b).toBeLessThan(10 / 256);
    expect(series - a).toBeGreaterThan(series - b);
  });

  it('rejects bad input, naming the field', () => {
    expect(() => teacherKernelNormSquared([])).toThrow(/angles must hold at least one/);
    expect(() => teacherKernelNormSquared([0, 1], [1])).toThrow(/weights has 1 entries, expected 2/);
    expect(() => teacherKernelNormSquared([Number.NaN])).toThrow(/angles\[0\] = NaN/);
    expect(() => teacherKernelNormSquared([0], undefined, 2)).toThrow(/modes must be an integer ≥ 4, got 2/);
  });
});

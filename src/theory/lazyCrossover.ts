/**
 * Where a two-layer network on the circle turns from lazy to rich as its output multiplier α shrinks
 * (Chizat, Oyallon & Bach 2019, "On lazy training in differentiable programming", NeurIPS; Woodworth et al.
 * 2020, "Kernel and rich regimes in overparametrized models", COLT). Browser-safe, pure.
 *
 * Model (catalog 8, src/studies/lazy-vs-rich.ts): f(x) = (α/n) Σᵢ aᵢ ReLU(wᵢ·x), x on the unit circle, wᵢ ~
 * N(0, I₂), balanced |aᵢ| = ‖wᵢ‖, loss (1/α²)·½·MSE and every learning rate ×n (mean-field time). The Jacobian
 * of f is α/n times that of Σ aᵢReLU(wᵢ·x), so J Jᵀ = (α²/n)·k̂ with k̂ → k, the kernel below, as n → ∞. Gradient
 * descent on the linearized model run to interpolation moves the weights by the minimum-norm displacement,
 * ‖Δθ‖² = rᵀ(JJᵀ)⁻¹r = (n/α²)·yᵀk̂⁻¹y, and ‖θ₀‖² = Σᵢ(‖wᵢ‖² + aᵢ²) → 4n, so the lazy-limit relative weight
 * change is C/α with
 *     C = √(yᵀk̂⁻¹y) / 2  →  ‖f*‖_k / 2   (N → ∞ training points, f* in the RKHS of k),
 * independent of the width n and of the number of points N once N resolves f*. Chizat et al.'s laziness
 * ratio κ is (up to constants of order one) this relative change, so the crossover from lazy (κ ≪ 1) to rich
 * (κ ≳ 1) sits at α_c = C: the scale of the target measured in the tangent kernel's own norm. Gradient
 * descent stopped at a finite loss ratio moves less than the interpolant, so C is an upper limit of what a run
 * to a loss target sees (close to it once the target is small).
 *
 * Kernel. With u = w/‖w‖ uniform and ‖w‖² ~ χ²₂ independent of it (E‖w‖² = 2), for unit x, x′ at angle Δ:
 *   E[ReLU(w·x)ReLU(w·x′)] = (sin Δ + (π − Δ) cos Δ)/(2π)     (arc-cosine kernel of degree 1, Cho & Saul 2009)
 *   E[‖w‖² 1{w·x>0} 1{w·x′>0}] x·x′ = (π − Δ) cos Δ / π        (the aᵢ-gradient's part of the NTK)
 * so k(Δ) = sin Δ/(2π) + 3(π − Δ) cos Δ/(2π). A kernel of the angle difference has the Fourier modes as
 * eigenfunctions (uniform measure on the circle): k(Δ) = Σ_m κ_m e^{imΔ}, and ‖f‖²_k = Σ_m |f_m|²/κ_m. Its
 * coefficients in closed form (κ_m = (1/π)∫₀^π k(Δ) cos mΔ dΔ):
 *   κ₀ = 4/π²,   κ₁ = 3/8,   κ_m = [1/(1 − m²) + (3/2)(1/(m + 1)² + 1/(m − 1)²)]/π² (m even ≥ 2),   κ_m = 0 (m odd ≥ 3).
 * The teacher f*(θ) = Σⱼ cⱼ ReLU(cos(θ − φⱼ)) has coefficients g_m Σⱼ cⱼe^{−imφⱼ} with g₀ = 1/π, g₁ = 1/4,
 * g_m = cos(mπ/2)/(π(1 − m²)) (zero for odd m ≥ 3: bias-free ReLUs on the circle have no such modes, which
 * is why the odd-mode zeros of κ do not matter). The even terms fall as |S_m|²/(2m²); the sum is cut at
 * `modes` and the tail beyond it added in closed form with |S_m|² replaced by its mean Σⱼcⱼ² (random phases).
 */

/** The tangent-kernel coefficient κ_m of the mean-field two-layer ReLU network on the circle (see the header). */
export function circleNtkCoefficient(m: number): number {
  if (!Number.isInteger(m)) throw new Error(`circleNtkCoefficient: m must be an integer, got ${m}`);
  const a = Math.abs(m);
  if (a === 0) return 4 / (Math.PI * Math.PI);
  if (a === 1) return 3 / 8;
  if (a % 2 === 1) return 0;
  return (1 / (1 - a * a) + 1.5 * (1 / (a + 1) ** 2 + 1 / (a - 1) ** 2)) / (Math.PI * Math.PI);
}

/** Fourier coefficient g_m of ReLU(cos θ) (see the header). */
export function reluCosCoefficient(m: number): number {
  const a = Math.abs(m);
  if (a === 1) return 0.25;
  if (a % 2 === 1) return 0;
  return Math.cos((a * Math.PI) / 2) / (Math.PI * (1 - a * a));
}

/**
 * ‖f*‖²_k for the teacher f*(θ) = Σⱼ cⱼ ReLU(cos(θ − φⱼ)) in the tangent-kernel norm of the header.
 * `weights` default to 1 (the circle teacher of src/data/circle.ts).
 */
export function teacherKernelNormSquared(angles: ArrayLike<number>, weights?: ArrayLike<number>, modes = 4096): number {
  const J = angles.length;
  if (J < 1) throw new Error('teacherKernelNormSquared: angles must hold at least one teacher direction, got none');
  if (weights !== undefined && weights.length !== J) throw new Error(`teacherKernelNormSquared: weights has ${weights.length} entries, expected ${J} (one per angle)`);
  if (!Number.isInteger(modes) || modes < 4) throw new Error(`teacherKernelNormSquared: modes must be an integer ≥ 4, got ${modes}`);
  const c = (j: number) => (weights === undefined ? 1 : weights[j]);
  let sumSq = 0;
  for (let j = 0; j < J; j++) {
    if (!Number.isFinite(angles[j]) || !Number.isFinite(c(j))) throw new Error(`teacherKernelNormSquared: angles[${j}] = ${angles[j]}, weight ${c(j)}; expected finite numbers`);
    sumSq += c(j) ** 2;
  }
  let total = 0;
  for (let m = 0; m <= modes; m++) {
    const g = reluCosCoefficient(m);
    if (g === 0) continue;
    let re = 0;
    let im = 0;
    for (let j = 0; j < J; j++) {
      re += c(j) * Math.cos(m * angles[j]);
      im -= c(j) * Math.sin(m * angles[j]);
    }
    // modes ±m contribute alike (real f*, even k)
    total += ((m === 0 ? 1 : 2) * g * g * (re * re + im * im)) / circleNtkCoefficient(m);
  }
  // tail: even m > modes, 2·g_m²|S_m|²/κ_m → |S_m|²/m² with E|S_m|² = Σⱼcⱼ²; Σ_{even m > M} 1/m² ≈ 1/(2M)
  return total + sumSq / (2 * modes);
}

/**
 * The lazy-limit constant C = ‖f*‖_k/2 (relative weight change C/α at output multiplier α) and the predicted
 * lazy/rich crossover α_c = C, where that change reaches 1 (see the header).
 */
export function lazyRichCrossover(angles: ArrayLike<number>, weights?: ArrayLike<number>): { lazyConstant: number; crossoverAlpha: number } {
  const C = Math.sqrt(teacherKernelNormSquared(angles, weights)) / 2;
  return { lazyConstant: C, crossoverAlpha: C };
}

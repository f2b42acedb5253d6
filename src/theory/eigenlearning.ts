/**
 * Eigenlearning: average-case learning curves of kernel (ridge) regression from the kernel's
 * eigenvalues and the target's eigen-coefficients. Browser-safe.
 *
 * Simon, Dickens, Karkada & DeWeese 2023, "The eigenlearning framework: a conservation law
 * perspective on kernel ridge regression and wide neural networks" (TMLR), Eqs. 3–8; the same
 * equations as Bordelon, Canatar & Pehlevan 2020 ("Spectrum dependent learning curves in kernel
 * regression and wide neural networks", ICML) and Canatar, Bordelon & Pehlevan 2021, and Jacot et al.
 * 2020 (KARE). Setting: kernel K(x, x′) = Σᵢ λᵢ φᵢ(x)φᵢ(x′) with eigenfunctions orthonormal under the
 * data measure, target f*(x) = Σᵢ vᵢ φᵢ(x), n i.i.d. samples, labels y = f*(x) + noise of variance ε²,
 * KRR predictor f̂ = K(·, X)(K(X, X) + δI)⁻¹y. Assumption: the φᵢ(x) behave like Gaussian features
 * (the "Gaussian equivalence"/universality assumption); exact in the proportional high-dimensional
 * limit, and in practice accurate down to n of order 10.
 *
 *   κ > 0 solves Σᵢ λᵢ/(λᵢ + κ) + δ/κ = n                         (effective regularization)
 *   Lᵢ = λᵢ/(λᵢ + κ)                                               (learnability of mode i)
 *   Σᵢ Lᵢ = n − δ/κ                                                 (conservation law)
 *   E₀ = n/(n − Σᵢ Lᵢ²)                                             (overfitting coefficient)
 *   test MSE = E₀ (Σᵢ (1 − Lᵢ)² vᵢ² + ε²)   (against fresh noisy labels; subtract ε² for the clean target)
 *   train MSE = (δ/(nκ))² · test MSE
 *
 * With δ = 0 and at most n positive eigenvalues the ridgeless solution interpolates a model with no
 * more features than samples: κ = 0, Lᵢ = 1 on the positive modes and E₀ = n/(n − M) (M the number of
 * positive eigenvalues; infinite at M = n, the interpolation peak of double descent), and the train
 * MSE is the δ → 0⁺ limit ((n − M)/n)² · test MSE.
 */

export interface EigenlearningInput {
  /** kernel eigenvalues λᵢ ≥ 0 (any order; zero eigenvalues are modes the kernel cannot learn) */
  eigenvalues: number[];
  /** target coefficients vᵢ in the same eigenbasis (same length as eigenvalues) */
  targetCoefficients: number[];
  /** number of training samples n > 0 */
  n: number;
  /** ridge δ ≥ 0 */
  ridge: number;
  /** label-noise variance ε² ≥ 0 */
  noise: number;
}

export interface EigenlearningOutput {
  kappa: number;
  learnabilities: number[];
  /** expected MSE on fresh noisy test labels: E₀(Σ(1 − Lᵢ)²vᵢ² + ε²) */
  testMse: number;
  /** expected MSE against the clean target: testMse − ε² */
  testMseClean: number;
  trainMse: number;
  /** E₀ = n/(n − ΣLᵢ²) */
  overfittingCoefficient: number;
  /** Σᵢ Lᵢ = n − δ/κ */
  learnabilitySum: number;
  /** E[⟨f*, f̂⟩]/‖f*‖² = ΣLᵢvᵢ²/Σvᵢ² (NaN for a zero target) */
  targetLearnability: number;
}

/**
 * The effective regularization κ: the root of F(κ) = Σᵢ λᵢ/(λᵢ + κ) + δ/κ − n, which is strictly
 * decreasing on κ > 0. Safeguarded Newton in s = ln κ (F′(κ)·κ = −Σ λᵢκ/(λᵢ + κ)² − δ/κ) inside a
 * bisection bracket, to a relative residual of a few ulps of n. Returns 0 when δ = 0 and at most n
 * eigenvalues are positive (no positive root; the ridgeless limit κ → 0⁺).
 */
export function effectiveRegularization(eigenvalues: readonly number[], n: number, ridge: number): number {
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`n: expected a finite number > 0, got ${n}`);
  if (!(ridge >= 0) || !Number.isFinite(ridge)) throw new Error(`ridge: expected a finite number ≥ 0, got ${ridge}`);
  let total = 0;
  let positive = 0;
  eigenvalues.forEach((l, i) => {
    if (!(l >= 0) || !Number.isFinite(l)) throw new Error(`eigenvalues[${i}]: expected a finite number ≥ 0, got ${l}`);
    total += l;
    if (l > 0) positive++;
  });
  if (ridge === 0 && positive <= n) return 0;
  const F = (kappa: number): number => {
    let s = ridge / kappa - n;
    for (const l of eigenvalues) if (l > 0) s += l / (l + kappa);
    return s;
  };
  // Upper end: Σλ/(λ+κ) + δ/κ ≤ (Σλ + δ)/κ ≤ n at κ = (Σλ + δ)/n.
  let hi = Math.log((total + ridge) / n);
  if (F(Math.exp(hi)) > 0) hi += 1; // guard against rounding at the boundary
  // Lower end: step down until F > 0 (exists: F → +∞ if δ > 0, → M − n > 0 if δ = 0).
  let lo = hi - 1;
  for (let i = 0; F(Math.exp(lo)) <= 0; i++) {
    lo -= 2 ** Math.min(i, 8);
    if (lo < -1400) throw new Error(`effectiveRegularization: no root above κ = 1e-608 (eigenvalues too small for n = ${n})`);
  }
  let s = 0.5 * (lo + hi);
  for (let iter = 0; iter < 200; iter++) {
    const kappa = Math.exp(s);
    let f = ridge / kappa - n;
    let dfds = -ridge / kappa;
    for (const l of eigenvalues) {
      if (!(l > 0)) continue;
      const denom = l + kappa;
      f += l / denom;
      dfds -= (l * kappa) / (denom * denom);
    }
    if (f > 0) lo = s;
    else hi = s;
    if (f === 0 || hi - lo < 1e-15 * Math.max(1, Math.abs(s))) break;
    let next = s - f / dfds;
    if (!(next > lo && next < hi) || !Number.isFinite(next)) next = 0.5 * (lo + hi);
    if (Math.abs(next - s) < 1e-16 * Math.max(1, Math.abs(s))) {
      s = next;
      break;
    }
    s = next;
  }
  return Math.exp(s);
}

/** Eigenlearning predictions (see the module comment for the equations and assumptions). */
export function eigenlearning(input: EigenlearningInput): EigenlearningOutput {
  const { eigenvalues, targetCoefficients: v, n, ridge, noise } = input;
  if (!Array.isArray(eigenvalues) || eigenvalues.length === 0) throw new Error('eigenvalues: expected a non-empty array of numbers ≥ 0');
  if (!Array.isArray(v) || v.length !== eigenvalues.length) {
    throw new Error(`targetCoefficients: expected ${eigenvalues.length} numbers (one per eigenvalue), got ${Array.isArray(v) ? v.length : typeof v}`);
  }
  v.forEach((c, i) => {
    if (!Number.isFinite(c)) throw new Error(`targetCoefficients[${i}]: expected a finite number, got ${c}`);
  });
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new Error(`noise: expected a finite variance ≥ 0, got ${noise}`);
  const kappa = effectiveRegularization(eigenvalues, n, ridge);
  const L = eigenvalues.map((l) => (l > 0 ? (kappa === 0 ? 1 : l / (l + kappa)) : 0));
  let sumL = 0;
  let sumL2 = 0;
  let bias = 0;
  let learned = 0;
  let norm = 0;
  L.forEach((li, i) => {
    sumL += li;
    sumL2 += li * li;
    bias += (1 - li) ** 2 * v[i] * v[i];
    learned += li * v[i] * v[i];
    norm += v[i] * v[i];
  });
  const e0 = n > sumL2 ? n / (n - sumL2) : Number.POSITIVE_INFINITY;
  const testMse = bias + noise === 0 ? 0 : e0 * (bias + noise);
  // δ/(nκ); in the ridgeless underparameterized case (κ = 0, M ≤ n positive modes) its δ → 0⁺ limit:
  // κ → δ/(n − M), so δ/(nκ) → (n − M)/n (train MSE (n − M)ε²/n, the least-squares residual).
  const positive = eigenvalues.filter((l) => l > 0).length;
  const trainFactor = kappa === 0 ? (n - positive) / n : ridge / (n * kappa);
  return {
    kappa,
    learnabilities: L,
    testMse,
    testMseClean: testMse - noise,
    trainMse: trainFactor === 0 || testMse === 0 ? 0 : trainFactor * trainFactor * testMse,
    overfittingCoefficient: e0,
    learnabilitySum: sumL,
    targetLearnability: learned / norm,
  };
}

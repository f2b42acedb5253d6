/**
 * The data domains of the eigenlearning study (catalog 5): kernel regression on finite data distributions where the
 * kernel's eigen-decomposition under the data measure is exact. Browser-safe.
 *
 * Two domains, each the uniform measure on M points with a kernel that depends only on a "distance class" of the pair:
 *  - hypercube: x ∈ {−1, +1}^d (M = 2^d points, a point is a bitmask b of its −1 coordinates). A kernel k(x·x′/d)
 *    depends only on the Hamming distance h. Eigenfunctions: the Walsh monomials χ_S(x) = Π_{i∈S} xᵢ (orthonormal
 *    under the uniform measure), grouped by degree |S| = k with multiplicity C(d, k) and eigenvalue
 *      λ_k = 2^{−d} Σ_h k(h) K_k(h),   K_k(h) = Σ_{|S|=k} χ_S(x) for any x at distance h from 1 = Σ_j (−1)^j C(h, j) C(d−h, k−j)
 *    (the Krawtchouk polynomial; O'Donnell 2014, "Analysis of Boolean functions", §1; the setting of Simon et al. 2023,
 *    Fig. 2). The same K_k(h) is the level projector Σ_{|S|=k} χ_S(x)χ_S(x′) at Hamming distance h.
 *  - circle: θ_j = 2πj/M (M a power of 2). A kernel k(θ − θ′) is circulant: eigenfunctions 1, √2 cos(qθ), √2 sin(qθ)
 *    (0 < q < M/2) and cos(πj) (q = M/2), eigenvalues λ_q = (1/M) Σ_j k(θ_j) cos(qθ_j) (an FFT), level projector
 *    2 cos(q(θ − θ′)) (1 at q = 0 and cos(π(j − j′)) at q = M/2).
 * In both, the spectrum that enters the prediction is the exact eigen-decomposition on the data distribution (no
 * quadrature or truncation) and the kernel entries are exact.
 */
import { binomial, fft, krawtchouk, popcount32, walshHadamard } from '../../core/fft.ts';
import type { Rng } from '../../core/random.ts';

export interface KrrDomain {
  name: 'hypercube' | 'circle';
  /** number of points M */
  size: number;
  /** kernel values per distance class */
  table: Float64Array;
  /** distance class of points a, b (index into `table`) */
  classOf(a: number, b: number): number;
  /** eigenvalue of each level (degree k, or frequency q) */
  levelEigenvalues: Float64Array;
  /** number of orthonormal modes in each level */
  levelMultiplicity: Float64Array;
  /** Σ_{modes φ in level ℓ} φ(a)φ(b) */
  levelProjector(level: number, a: number, b: number): number;
  /** a unit-norm eigenfunction of level ℓ ≥ 1, drawn at random within the level, as a function of the point */
  singleMode(level: number, rng: Rng): (point: number) => number;
  /** a random function with exactly power P_ℓ in each level ℓ (P indexed by level), on all M points */
  mixture(power: Float64Array, rng: Rng): Float64Array;
  /**
   * Effective dimension of the inputs: the participation ratio (Σσ)²/Σσ² of the eigenvalues σ of the input
   * covariance over all M points (d on the hypercube, 2 on the circle). A diagnostic of the data, not of its name:
   * the Gaussian-equivalence behind eigenlearning needs high-dimensional inputs (Tomasini, Sclocchi & Wyart 2022).
   */
  inputDimension: number;
}

/** Participation ratio of the covariance of `dim`-dimensional points given by `coord(j, i)`, j < M (the mean removed). */
export function participationRatio(M: number, dim: number, coord: (j: number, i: number) => number): number {
  const mu = new Float64Array(dim);
  for (let j = 0; j < M; j++) for (let i = 0; i < dim; i++) mu[i] += coord(j, i) / M;
  const C = new Float64Array(dim * dim);
  const x = new Float64Array(dim);
  for (let j = 0; j < M; j++) {
    for (let i = 0; i < dim; i++) x[i] = coord(j, i) - mu[i];
    for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) C[a * dim + b] += (x[a] * x[b]) / M;
  }
  // (Σσ)² / Σσ² = (tr C)² / tr(C²) (C symmetric), no eigendecomposition needed
  let tr = 0;
  let tr2 = 0;
  for (let a = 0; a < dim; a++) {
    tr += C[a * dim + a];
    for (let b = 0; b < dim; b++) tr2 += C[a * dim + b] * C[b * dim + a];
  }
  return (tr * tr) / tr2;
}

/** Kernel values as a function of the data: the caller evaluates the kernel between a reference point and one point per class. */
export type KernelOnPoints = (reference: number[], points: number[][]) => Float64Array;

function checkEigenvalues(name: string, values: Float64Array, scale: number): Float64Array {
  return values.map((v, l) => {
    if (v < -1e-10 * scale) throw new Error(`${name}: eigenvalue of level ${l} is ${v} < 0; the kernel is not positive definite on this domain`);
    return Math.max(v, 0);
  });
}

/** The hypercube {−1, +1}^d, d ≤ 20. */
export function hypercubeDomain(d: number, kernel: KernelOnPoints): KrrDomain {
  if (!Number.isInteger(d) || d < 2 || d > 20) throw new Error(`dimension: expected an integer in [2, 20], got ${d}`);
  const M = 2 ** d;
  const classes: number[][] = [];
  for (let h = 0; h <= d; h++) classes.push(Array.from({ length: d }, (_, i) => (i < h ? -1 : 1)));
  const table = kernel(new Array<number>(d).fill(1), classes);
  const proj: Float64Array[] = [];
  for (let k = 0; k <= d; k++) proj.push(Float64Array.from({ length: d + 1 }, (_, h) => krawtchouk(d, k, h)));
  const raw = new Float64Array(d + 1);
  for (let k = 0; k <= d; k++) {
    let s = 0;
    // λ_k = 2^{−d} Σ_x k(h(x)) χ_S(x) for any |S| = k; grouping the x by their distance h from 1 (j of the h flipped
    // coordinates inside S): Σ_{x: h(x)=h} χ_S(x) = Σ_j (−1)^j C(k, j) C(d−k, h−j).
    for (let h = 0; h <= d; h++) {
      let c = 0;
      for (let j = 0; j <= k; j++) c += (j % 2 === 0 ? 1 : -1) * binomial(k, j) * binomial(d - k, h - j);
      s += table[h] * c;
    }
    raw[k] = s / M;
  }
  const levelEigenvalues = checkEigenvalues('hypercube', raw, Math.abs(table[0]));
  const levelMultiplicity = Float64Array.from({ length: d + 1 }, (_, k) => binomial(d, k));
  return {
    // point j's coordinate i is the i-th bit of j as ±1 (the same points the kernel table was built on)
    inputDimension: participationRatio(M, d, (j, b) => ((j >> b) & 1 ? -1 : 1)),
    name: 'hypercube',
    size: M,
    table,
    classOf: (a, b) => popcount32(a ^ b),
    levelEigenvalues,
    levelMultiplicity,
    levelProjector: (k, a, b) => proj[k][popcount32(a ^ b)],
    singleMode(k, rng) {
      // χ_S for a uniformly random S of size k
      const perm = rng.permutation(d);
      let S = 0;
      for (let i = 0; i < k; i++) S |= 1 << perm[i];
      return (b) => ((popcount32(S & b) & 1) === 0 ? 1 : -1);
    },
    mixture(power, rng) {
      // v_S = ±√(P_k / C(d, k)): exactly power P_k in level k whatever the signs
      const v = new Float64Array(M);
      for (let S = 0; S < M; S++) {
        const k = popcount32(S);
        const p = power[k] ?? 0;
        if (p > 0) v[S] = (rng.uniform() < 0.5 ? -1 : 1) * Math.sqrt(p / levelMultiplicity[k]);
      }
      walshHadamard(v);
      return v;
    },
  };
}

/** The M-point lattice of the unit circle, M = 2^log2M. */
export function circleDomain(log2M: number, kernel: KernelOnPoints): KrrDomain {
  if (!Number.isInteger(log2M) || log2M < 4 || log2M > 20) throw new Error(`latticeLog2: expected an integer in [4, 20], got ${log2M}`);
  const M = 2 ** log2M;
  const points: number[][] = [];
  for (let j = 0; j < M; j++) points.push([Math.cos((2 * Math.PI * j) / M), Math.sin((2 * Math.PI * j) / M)]);
  const table = kernel([1, 0], points);
  const re = Float64Array.from(table);
  const im = new Float64Array(M);
  fft(re, im);
  const levelEigenvalues = checkEigenvalues(
    'circle',
    Float64Array.from({ length: M / 2 + 1 }, (_, q) => re[q] / M),
    Math.abs(table[0]),
  );
  const levelMultiplicity = Float64Array.from({ length: M / 2 + 1 }, (_, q) => (q === 0 || q === M / 2 ? 1 : 2));
  const cosTable = Float64Array.from({ length: M }, (_, j) => Math.cos((2 * Math.PI * j) / M));
  const offset = (a: number, b: number) => (a - b + M) % M;
  return {
    inputDimension: participationRatio(M, 2, (j, i) => points[j][i]),
    name: 'circle',
    size: M,
    table,
    classOf: offset,
    levelEigenvalues,
    levelMultiplicity,
    levelProjector(q, a, b) {
      const c = cosTable[(q * offset(a, b)) % M];
      return q === 0 || q === M / 2 ? c : 2 * c;
    },
    singleMode(q, rng) {
      // √2 cos(qθ + ψ) with a random lattice phase ψ = 2πr/M
      const r = rng.int(M);
      return (j) => Math.SQRT2 * cosTable[(((q * j) % M) + r) % M];
    },
    mixture(power, rng) {
      // Σ_q √P_q √2 cos(qθ + ψ_q) (0 < q < M/2) by one inverse FFT
      const r = new Float64Array(M);
      const i = new Float64Array(M);
      for (let q = 1; q < M / 2; q++) {
        const p = power[q] ?? 0;
        const psi = 2 * Math.PI * rng.uniform();
        if (p > 0) {
          r[q] = Math.SQRT2 * Math.sqrt(p) * Math.cos(psi);
          i[q] = Math.SQRT2 * Math.sqrt(p) * Math.sin(psi);
        }
      }
      fft(r, i, true);
      return r;
    },
  };
}

/** All eigenvalues with multiplicity, level by level (the order used by `levelCoefficients`). */
export function eigenvaluesWithMultiplicity(domain: KrrDomain): number[] {
  const out: number[] = [];
  domain.levelEigenvalues.forEach((l, k) => {
    for (let m = 0; m < domain.levelMultiplicity[k]; m++) out.push(l);
  });
  return out;
}

/**
 * Target coefficients in the order of `eigenvaluesWithMultiplicity` for power P_ℓ per level. Within a level all
 * modes share one eigenvalue, so only the level's total power enters the eigenlearning equations: it is put on the
 * level's first mode.
 */
export function levelCoefficients(domain: KrrDomain, power: Float64Array): number[] {
  const out: number[] = [];
  domain.levelEigenvalues.forEach((_, k) => {
    out.push(Math.sqrt(power[k] ?? 0));
    for (let m = 1; m < domain.levelMultiplicity[k]; m++) out.push(0);
  });
  return out;
}

/** Index of the first mode of each level in the list of `eigenvaluesWithMultiplicity`. */
export function levelOffsets(domain: KrrDomain): number[] {
  const out: number[] = [];
  let s = 0;
  for (const m of domain.levelMultiplicity) {
    out.push(s);
    s += m;
  }
  return out;
}

/** n distinct points of the domain, uniformly at random (sampling without replacement). */
export function samplePoints(n: number, M: number, rng: Rng): Int32Array {
  if (n > M) throw new Error(`n: expected at most M = ${M} distinct points, got ${n}`);
  const seen = new Set<number>();
  const out = new Int32Array(n);
  let i = 0;
  while (i < n) {
    const j = rng.int(M);
    if (seen.has(j)) continue;
    seen.add(j);
    out[i++] = j;
  }
  return out;
}

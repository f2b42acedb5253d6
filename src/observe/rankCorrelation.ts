/**
 * Correlation statistics shared by the studies: Pearson's r, Spearman's ρ (Spearman 1904: Pearson's r of the
 * average ranks, so ties are handled) and Kendall's τ_b (Kendall 1945, with the tie correction).
 */

/** Pearson correlation of two equal-length samples (NaN if either is constant). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (b.length !== n) throw new Error(`b: has length ${b.length}, expected ${n}`);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : Number.NaN;
}

/** Ranks 1..n with ties given their average rank. */
export function averageRanks(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((i, j) => v[i] - v[j]);
  const r = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && v[idx[j + 1]] === v[idx[i]]) j++;
    for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman rank correlation: Pearson correlation of the average ranks (NaN if either sample is constant). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(averageRanks(a), averageRanks(b));
}

/** Kendall's τ_b (Kendall 1945, with the tie correction); NaN for fewer than 2 points or a constant list. */
export function kendallTauB(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`kendallTauB: y has length ${y.length}, expected the length of x (${x.length})`);
  let concordant = 0;
  let discordant = 0;
  let tiesX = 0;
  let tiesY = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      // equal infinities are ties (Math.sign(∞ − ∞) is NaN)
      const dx = Math.sign(x[i] - x[j]) || (x[i] === x[j] ? 0 : Number.NaN);
      const dy = Math.sign(y[i] - y[j]) || (y[i] === y[j] ? 0 : Number.NaN);
      if (dx === 0) tiesX++;
      if (dy === 0) tiesY++;
      if (dx === 0 || dy === 0) continue;
      if (dx * dy > 0) concordant++;
      else discordant++;
    }
  }
  const pairs = (n * (n - 1)) / 2;
  const denom = Math.sqrt((pairs - tiesX) * (pairs - tiesY));
  return denom > 0 ? (concordant - discordant) / denom : Number.NaN;
}

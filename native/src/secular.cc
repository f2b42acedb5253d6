// The O(k²) parts of a divide-and-conquer merge (src/core/linalg/divideConquer.ts, which documents the method:
// Bunch, Nielsen & Sorensen 1978 / LAPACK dlaed4 for the roots, Gu & Eisenstat 1995 for ẑ): the secular roots,
// the recomputed ẑ, the eigenvector norms and the rows of Uᵀ. Every function repeats its TypeScript twin
// operation for operation, with no contraction into FMA (the pragmas below) and every sum and product in the
// same sequential order, so the results are bit for bit those of the TypeScript loops on every backend. Speed
// comes from elsewhere: the divisions, which are independent, run as vectors into a scratch row before the
// sequential sums read it, and independent roots / rows are shared over the products' thread pool in chunks
// fixed by the size alone (so the thread count changes nothing).
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "gemm.h"

namespace {

constexpr double EPS = 2.220446049250313e-16;
// Roots or rows per chunk handed to the pool (a multiple of GROUP): ≥ 32·k divisions each, far above the cost of
// taking a chunk.
constexpr int64_t CHUNK = 32;

std::vector<double>& scratch(int64_t k) {
  static thread_local std::vector<double> buf;
  if (static_cast<int64_t>(buf.size()) < k) buf.resize(static_cast<size_t>(k));
  return buf;
}

// t[j] = zl[j] / ((dl[j] − dorg) − tau) for j < k (independent divisions: vectorized by the compiler)
void secularTerms(const double* __restrict dl, const double* __restrict zl, int64_t k, double dorg, double tau, double* __restrict t) {
  for (int64_t j = 0; j < k; ++j) t[j] = zl[j] / (dl[j] - dorg - tau);
}

struct Secular {
  const double* dl;
  const double* zl;
  int64_t k;
  double rho;
  int32_t* org;
  double* tau;
  double* zh;
  double* pole;
  double* inv;
};

// divideConquer.ts secularRoot, for root i
void secularRoot(const Secular& s, int64_t i, double* t) {
  const double* dl = s.dl;
  const double* zl = s.zl;
  const int64_t k = s.k;
  const double rho = s.rho;
  const bool last = i == k - 1;
  int64_t o;
  double lo, hi;
  if (!last) {
    const double half = (dl[i + 1] - dl[i]) / 2;
    double fm = 1;
    const double di = dl[i];
    for (int64_t j = 0; j < k; ++j) t[j] = (rho * zl[j] * zl[j]) / (dl[j] - di - half);
    for (int64_t j = 0; j < k; ++j) fm += t[j];
    if (fm >= 0) {
      o = i;
      lo = 0;
      hi = half;
    } else {
      o = i + 1;
      lo = -half;
      hi = 0;
    }
  } else {
    o = k - 1;
    double zz = 0;
    for (int64_t j = 0; j < k; ++j) zz += zl[j] * zl[j];
    lo = 0;
    hi = rho * zz;
  }
  const double dorg = dl[o];
  const double pL = dl[i] - dorg;
  const double pR = last ? 0 : dl[i + 1] - dorg;
  double tau = (lo + hi) / 2;
  for (int iter = 0; iter < 400; ++iter) {
    secularTerms(dl, zl, k, dorg, tau, t);
    // ψ over j ≤ i and φ over j > i, each summed in order of j; the two walks run side by side so that four
    // independent additions are in flight rather than two
    double psi = 0, dpsi = 0, phi = 0, dphi = 0;
    int64_t a = 0, b = i + 1;
    for (; a <= i && b < k; ++a, ++b) {
      psi += zl[a] * t[a];
      dpsi += t[a] * t[a];
      phi += zl[b] * t[b];
      dphi += t[b] * t[b];
    }
    for (; a <= i; ++a) {
      psi += zl[a] * t[a];
      dpsi += t[a] * t[a];
    }
    for (; b < k; ++b) {
      phi += zl[b] * t[b];
      dphi += t[b] * t[b];
    }
    const double f = 1 + rho * (psi + phi);
    const double err = 8 * (1 + rho * (phi - psi)) + std::fabs(tau) * rho * (dpsi + dphi);
    if (std::fabs(f) <= EPS * err) break;
    if (f < 0)
      lo = tau;
    else
      hi = tau;
    const double dL = pL - tau;
    double next = std::numeric_limits<double>::quiet_NaN();
    if (last) {
      const double c = f - rho * dpsi * dL;
      if (c > 0) next = tau + dL + (rho * dpsi * dL * dL) / c;
    } else {
      const double dR = pR - tau;
      const double sL = rho * dpsi * dL * dL;
      const double sR = rho * dphi * dR * dR;
      const double c = f - rho * dpsi * dL - rho * dphi * dR;
      const double bq = c * (dL + dR) + sL + sR;
      const double cq = dL * dR * f;
      if (c == 0) {
        if (bq != 0) next = tau + cq / bq;
      } else {
        const double disc = bq * bq - 4 * c * cq;
        if (disc >= 0) {
          const double sq = std::sqrt(disc);
          const double q = bq >= 0 ? bq + sq : bq - sq;
          const double e1 = q / (2 * c);
          const double e2 = q != 0 ? (2 * cq) / q : std::numeric_limits<double>::quiet_NaN();
          if (e1 > dL && e1 < dR)
            next = tau + e1;
          else if (e2 > dL && e2 < dR)
            next = tau + e2;
        }
      }
    }
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    // Math.max of two finite numbers
    if (next == tau || hi - lo <= 2 * EPS * std::max(std::fabs(lo), std::fabs(hi))) {
      tau = next;
      break;
    }
    tau = next;
  }
  s.org[i] = static_cast<int32_t>(o);
  s.tau[i] = tau;
}

// Rows per group in guEisenstat and secularNorm: each row's product or sum is one sequential chain, and four
// chains side by side keep the multiplier busy (one chain waits a full latency per element).
constexpr int64_t GROUP = 4;

// Gu–Eisenstat ẑ_j (divideConquer.ts secularSystem) for j in [j0, j1), j1 − j0 ≤ GROUP; t holds GROUP·k
void guEisenstat(const Secular& s, int64_t j0, int64_t j1, double* t) {
  const double* dl = s.dl;
  const int64_t k = s.k;
  double p[GROUP];
  for (int64_t j = j0; j < j1; ++j) {
    double* tj = t + (j - j0) * k;
    const double dj = dl[j];
    for (int64_t i = 0; i < j; ++i) tj[i] = (dl[s.org[i]] - dj + s.tau[i]) / (dl[i] - dj);
    for (int64_t i = j; i < k - 1; ++i) tj[i] = (dl[s.org[i]] - dj + s.tau[i]) / (dl[i + 1] - dj);
    p[j - j0] = (dl[s.org[k - 1]] - dj + s.tau[k - 1]) / s.rho;
  }
  if (j1 - j0 == GROUP) {
    const double *t0 = t, *t1 = t + k, *t2 = t + 2 * k, *t3 = t + 3 * k;
    for (int64_t i = 0; i < k - 1; ++i) {
      p[0] *= t0[i];
      p[1] *= t1[i];
      p[2] *= t2[i];
      p[3] *= t3[i];
    }
  } else {
    for (int64_t j = j0; j < j1; ++j)
      for (int64_t i = 0; i < k - 1; ++i) p[j - j0] *= t[(j - j0) * k + i];
  }
  for (int64_t j = j0; j < j1; ++j) {
    const double pj = p[j - j0];
    // Math.max(p, 0): NaN stays NaN, −0 becomes +0
    const double pm = pj != pj ? pj : (pj > 0 ? pj : 0.0);
    s.zh[j] = (s.zl[j] >= 0 ? 1 : -1) * std::sqrt(pm);
  }
}

// divideConquer.ts secularNorms for rows [i0, i1), i1 − i0 ≤ GROUP; t holds GROUP·k
void secularNorm(const Secular& s, int64_t i0, int64_t i1, double* t) {
  const int64_t k = s.k;
  double sum[GROUP] = {0, 0, 0, 0};
  for (int64_t i = i0; i < i1; ++i) {
    double* ti = t + (i - i0) * k;
    const double o = s.pole[i];
    const double tau = s.tau[i];
    for (int64_t j = 0; j < k; ++j) ti[j] = s.zh[j] / (s.dl[j] - o - tau);
  }
  if (i1 - i0 == GROUP) {
    const double *t0 = t, *t1 = t + k, *t2 = t + 2 * k, *t3 = t + 3 * k;
    for (int64_t j = 0; j < k; ++j) {
      sum[0] += t0[j] * t0[j];
      sum[1] += t1[j] * t1[j];
      sum[2] += t2[j] * t2[j];
      sum[3] += t3[j] * t3[j];
    }
  } else {
    for (int64_t i = i0; i < i1; ++i)
      for (int64_t j = 0; j < k; ++j) sum[i - i0] += t[(i - i0) * k + j] * t[(i - i0) * k + j];
  }
  for (int64_t i = i0; i < i1; ++i) s.inv[i] = 1 / std::sqrt(sum[i - i0]);
}

// Runs F on [0, k) in chunks of CHUNK items over the pool; F takes items [a, b) with b − a ≤ GROUP and a scratch of GROUP·k.
template <void (*F)(const Secular&, int64_t, int64_t, double*)>
void forChunks(const Secular& s, int threads) {
  const int64_t chunks = (s.k + CHUNK - 1) / CHUNK;
  lmech_parallel_for(
      threads, chunks,
      [](void* p, int64_t c) {
        const Secular& sp = *static_cast<const Secular*>(p);
        double* t = scratch(GROUP * sp.k).data();
        const int64_t end = std::min(sp.k, (c + 1) * CHUNK);
        for (int64_t i = c * CHUNK; i < end; i += GROUP) F(sp, i, std::min(end, i + GROUP), t);
      },
      const_cast<Secular*>(&s));
}

void secularRoots(const Secular& s, int64_t i0, int64_t i1, double* t) {
  for (int64_t i = i0; i < i1; ++i) secularRoot(s, i, t);
}

struct Columns {
  const int32_t* sel;
  int64_t ns, k;
  const double* dl;
  const double* zh;
  const double* pole;
  const double* tau;
  const double* inv;
  double* out;
};

}  // namespace

extern "C" {

void lmech_secular_f64(const double* dl, const double* zl, int64_t k, double rho, int32_t* org, double* tau, double* zh, double* pole,
                       double* inv, int threads) {
  if (k <= 0) return;
  const Secular s{dl, zl, k, rho, org, tau, zh, pole, inv};
  forChunks<secularRoots>(s, threads);
  forChunks<guEisenstat>(s, threads);
  for (int64_t i = 0; i < k; ++i) pole[i] = dl[org[i]];
  forChunks<secularNorm>(s, threads);
}

void lmech_secular_columns_f64(const int32_t* sel, int64_t ns, int64_t k, const double* dl, const double* zh, const double* pole,
                               const double* tau, const double* inv, double* out, int threads) {
  if (ns <= 0 || k <= 0) return;
  const Columns c{sel, ns, k, dl, zh, pole, tau, inv, out};
  lmech_parallel_for(
      threads, (ns + CHUNK - 1) / CHUNK,
      [](void* p, int64_t q) {
        const Columns& c = *static_cast<const Columns*>(p);
        const int64_t end = std::min(c.ns, (q + 1) * CHUNK);
        for (int64_t r = q * CHUNK; r < end; ++r) {
          const int64_t j = c.sel[r];
          const double z = c.zh[j], d = c.dl[j];
          double* __restrict o = c.out + r * c.k;
          for (int64_t i = 0; i < c.k; ++i) o[i] = (z / (d - c.pole[i] - c.tau[i])) * c.inv[i];
        }
      },
      const_cast<Columns*>(&c));
}
}

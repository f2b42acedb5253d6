// Level-2 kernels of the blocked Householder tridiagonalization (src/core/linalg/tridiagonal.ts; GVL Alg. 8.3.1
// blocked as LAPACK dsytrd/dlatrd, Dongarra, Sorensen & Hammarling 1989), compiled for the host CPU like gemm.cc.
// Per panel step: one symmetric matrix-vector product with the stale trailing matrix (symv, which streams the
// lower triangle from memory and bounds the reduction) and the dlatrd corrections with the panel's V and W rows
// (panel dots and panel subtract, ≈ 4·j·(n − c) multiply-adds for step j of a panel).
//
// Rounding: the dot products use 4-lane vector partial sums and FMA (-ffp-contract=fast), so results agree with
// the TypeScript loops to rounding, not bit for bit. Nothing depends on timing or on the thread count: the symv
// splits its rows into a fixed set of chunks (a function of the size only), each accumulating into its own
// vector, and adds those in chunk order, whichever thread ran them; the trailing update computes every entry
// in one kernel call.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "gemm.h"

namespace {

// 4 lanes (one AVX2 register; two SSE2 registers on a baseline build), naturally aligned: the loads and stores go
// through memcpy into a local of this type, which GCC turns into single unaligned vector moves. (An `aligned(8)`
// 8-lane type made GCC spill every vector to the stack in 16-byte halves, and the reloads missed store forwarding:
// symv ran at a third of the speed of the same loop written this way.)
typedef double v4 __attribute__((vector_size(32)));

inline v4 load4(const double* p) {
  v4 x;
  std::memcpy(&x, p, 32);
  return x;
}
inline void store4(double* p, const v4& x) { std::memcpy(p, &x, 32); }
inline v4 splat4(double a) { return v4{a, a, a, a}; }
inline double hsum(const v4& x) { return (x[0] + x[1]) + (x[2] + x[3]); }

// Rows [r0, r1) of y = A v (A symmetric, lower triangle, columns from s): y[i] += Σ_{s≤j≤i} a_ij v_j for those
// rows and y[j] += a_ij v_i for s ≤ j < i; y must be zero on [s, r1) on entry. Four rows at a time, so that each
// y_j update serves four a_ij and each stored a_ij is read once and used twice; eight columns per iteration in
// two 4-lane halves with their own row sums (s·, u·), so consecutive multiply-adds into one sum do not wait on
// each other.
void symvRows(const double* a, int64_t n, int64_t s, int64_t r0, int64_t r1, const double* v, double* y) {
  int64_t i = r0;
  for (; i + 3 < r1; i += 4) {
    const double* p0 = a + i * n;
    const double* p1 = p0 + n;
    const double* p2 = p1 + n;
    const double* p3 = p2 + n;
    const double v0 = v[i], v1 = v[i + 1], v2 = v[i + 2], v3 = v[i + 3];
    const v4 b0 = splat4(v0), b1 = splat4(v1), b2 = splat4(v2), b3 = splat4(v3);
    v4 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, u0 = {0}, u1 = {0}, u2 = {0}, u3 = {0};
    int64_t j = s;
    for (; j + 8 <= i; j += 8) {
      const v4 a0 = load4(p0 + j), a1 = load4(p1 + j), a2 = load4(p2 + j), a3 = load4(p3 + j);
      const v4 vj = load4(v + j);
      s0 += a0 * vj;
      s1 += a1 * vj;
      s2 += a2 * vj;
      s3 += a3 * vj;
      store4(y + j, load4(y + j) + ((a0 * b0 + a1 * b1) + (a2 * b2 + a3 * b3)));
      const v4 c0 = load4(p0 + j + 4), c1 = load4(p1 + j + 4), c2 = load4(p2 + j + 4), c3 = load4(p3 + j + 4);
      const v4 wj = load4(v + j + 4);
      u0 += c0 * wj;
      u1 += c1 * wj;
      u2 += c2 * wj;
      u3 += c3 * wj;
      store4(y + j + 4, load4(y + j + 4) + ((c0 * b0 + c1 * b1) + (c2 * b2 + c3 * b3)));
    }
    double t0 = hsum(s0 + u0), t1 = hsum(s1 + u1), t2 = hsum(s2 + u2), t3 = hsum(s3 + u3);
    for (; j < i; ++j) {
      const double vj = v[j];
      t0 += p0[j] * vj;
      t1 += p1[j] * vj;
      t2 += p2[j] * vj;
      t3 += p3[j] * vj;
      y[j] += p0[j] * v0 + p1[j] * v1 + p2[j] * v2 + p3[j] * v3;
    }
    // the 4×4 diagonal block
    const double a00 = p0[i], a10 = p1[i], a11 = p1[i + 1], a20 = p2[i], a21 = p2[i + 1], a22 = p2[i + 2];
    const double a30 = p3[i], a31 = p3[i + 1], a32 = p3[i + 2], a33 = p3[i + 3];
    y[i] += t0 + a00 * v0 + a10 * v1 + a20 * v2 + a30 * v3;
    y[i + 1] += t1 + a10 * v0 + a11 * v1 + a21 * v2 + a31 * v3;
    y[i + 2] += t2 + a20 * v0 + a21 * v1 + a22 * v2 + a32 * v3;
    y[i + 3] += t3 + a30 * v0 + a31 * v1 + a32 * v2 + a33 * v3;
  }
  for (; i < r1; ++i) {
    const double* ri = a + i * n;
    const double vi = v[i];
    double t = 0;
    for (int64_t j = s; j < i; ++j) {
      t += ri[j] * v[j];
      y[j] += ri[j] * vi;
    }
    y[i] += t + ri[i] * vi;
  }
}

// From this many trailing rows on, a symv is cut into SYMV_CHUNKS row ranges of equal triangle area, each summed
// into its own vector, whatever the thread count (so 1, 2 or 4 threads give the same bits); below it the ≈ m²/2
// multiply-adds (≈ 10 µs at m = 256) are too few to pay for handing a share to a helper, and one range is used.
constexpr int64_t SYMV_SPLIT_MIN_ROWS = 256;
// Four ranges: two per thread on this 2-core machine kind, so that a helper that starts late leaves the caller
// less to wait for. The extra cost on one thread is zeroing and adding three length-m vectors (< 1% at m ≥ 256).
constexpr int64_t SYMV_CHUNKS = 4;

struct SymvJob {
  const double* a;
  int64_t n, s;
  const double* v;
  // chunk c covers rows [bound[c], bound[c + 1]) and accumulates into out[c] (y itself for chunk 0)
  std::vector<int64_t> bound;
  std::vector<double*> out;
};

void symvChunk(void* p, int64_t c) {
  const SymvJob& j = *static_cast<const SymvJob*>(p);
  const int64_t r0 = j.bound[c], r1 = j.bound[c + 1];
  double* y = j.out[c];
  if (c > 0) std::fill(y + j.s, y + r1, 0.0);  // chunk 0 writes y itself, zeroed by the caller
  symvRows(j.a, j.n, j.s, r0, r1, j.v, y);
}

// Rows per chunk of the trailing update: each chunk packs its own Y block (≈ 1/ROWS of its multiply-adds)
constexpr int64_t SYR2K_ROWS = 128;

struct Syr2kJob {
  double* c;  // w + r0·(n + 1)
  int64_t n, m, k;
  const double* x;
  const double* y;
};

// Chunk q of the trailing update: rows [q·ROWS, q·ROWS + h) against the columns up to that block's last row.
void syr2kChunk(void* p, int64_t q) {
  const Syr2kJob& j = *static_cast<const Syr2kJob*>(p);
  const int64_t i0 = q * SYR2K_ROWS;
  const int64_t h = std::min(SYR2K_ROWS, j.m - i0);
  lmech_gemm_f64_strided(h, i0 + h, j.k, j.x + i0 * j.k, j.k, 1, j.y, 1, j.k, j.c + i0 * j.n, j.n, true);
}

}  // namespace

extern "C" {

void lmech_syr2k_lower_f64(double* w, int64_t n, int64_t r0, int64_t k, const double* x, const double* y, int threads) {
  const int64_t m = n - r0;
  if (m <= 0 || k <= 0) return;
  Syr2kJob job{w + r0 * (n + 1), n, m, k, x, y};
  const int64_t chunks = (m + SYR2K_ROWS - 1) / SYR2K_ROWS;
  // the largest chunks (the last rows, widest) first, so the threads finish together
  struct Rev {
    Syr2kJob* job;
    int64_t chunks;
  } rev{&job, chunks};
  lmech_parallel_for(
      threads, chunks, [](void* p, int64_t q) {
        const Rev& r = *static_cast<const Rev*>(p);
        syr2kChunk(r.job, r.chunks - 1 - q);
      },
      &rev);
}

void lmech_symv_lower_f64(const double* a, int64_t n, int64_t s, const double* v, double* y, int threads) {
  const int64_t m = n - s;
  if (m <= 0) return;
  if (m < SYMV_SPLIT_MIN_ROWS) {
    std::fill(y + s, y + n, 0.0);
    symvRows(a, n, s, s, n, v, y);
    return;
  }
  // chunk boundaries at equal triangle area: rows [s, s + m·√(c/C)) hold the fraction c/C of the m²/2 entries
  // (rounded to a multiple of 4 rows from s, the block of symvRows)
  const int64_t chunks = SYMV_CHUNKS;
  SymvJob job;
  job.a = a, job.n = n, job.s = s, job.v = v;
  job.bound.resize(chunks + 1);
  for (int64_t c = 0; c <= chunks; ++c) {
    const int64_t r = c == chunks ? m : static_cast<int64_t>(std::floor(static_cast<double>(m) * std::sqrt(static_cast<double>(c) / chunks) / 4)) * 4;
    job.bound[c] = s + std::min(r, m);
  }
  static thread_local std::vector<double> scratch;
  scratch.resize(static_cast<size_t>(chunks - 1) * n);
  job.out.resize(chunks);
  job.out[0] = y;
  for (int64_t c = 1; c < chunks; ++c) job.out[c] = scratch.data() + (c - 1) * n;
  std::fill(y + s, y + n, 0.0);
  lmech_parallel_for(threads, chunks, &symvChunk, &job);
  // chunk c contributes to y[s .. bound[c + 1]); add them in chunk order (fixed, whoever ran them)
  for (int64_t c = 1; c < chunks; ++c) {
    const double* yc = job.out[c];
    for (int64_t i = s; i < job.bound[c + 1]; ++i) y[i] += yc[i];
  }
}

void lmech_panel_subtract_f64(double* x, int64_t lo, int64_t n, const double* vt, const double* wt, int64_t j, const double* cv,
                              const double* cw) {
  // x stays in registers (32 entries at a time) while the 2j panel rows stream past it (from L2: 2·j·n·8 bytes)
  int64_t i = lo;
  for (; i + 32 <= n; i += 32) {
    v4 x0 = load4(x + i), x1 = load4(x + i + 4), x2 = load4(x + i + 8), x3 = load4(x + i + 12);
    v4 x4 = load4(x + i + 16), x5 = load4(x + i + 20), x6 = load4(x + i + 24), x7 = load4(x + i + 28);
    for (int64_t t = 0; t < j; ++t) {
      const double* pv = vt + t * n + i;
      const double* pw = wt + t * n + i;
      const v4 a = splat4(cv[t]), b = splat4(cw[t]);
      x0 -= a * load4(pv) + b * load4(pw);
      x1 -= a * load4(pv + 4) + b * load4(pw + 4);
      x2 -= a * load4(pv + 8) + b * load4(pw + 8);
      x3 -= a * load4(pv + 12) + b * load4(pw + 12);
      x4 -= a * load4(pv + 16) + b * load4(pw + 16);
      x5 -= a * load4(pv + 20) + b * load4(pw + 20);
      x6 -= a * load4(pv + 24) + b * load4(pw + 24);
      x7 -= a * load4(pv + 28) + b * load4(pw + 28);
    }
    store4(x + i, x0);
    store4(x + i + 4, x1);
    store4(x + i + 8, x2);
    store4(x + i + 12, x3);
    store4(x + i + 16, x4);
    store4(x + i + 20, x5);
    store4(x + i + 24, x6);
    store4(x + i + 28, x7);
  }
  for (; i < n; ++i) {
    double xi = x[i];
    for (int64_t t = 0; t < j; ++t) xi -= cv[t] * vt[t * n + i] + cw[t] * wt[t * n + i];
    x[i] = xi;
  }
}

void lmech_panel_dots_f64(const double* v, int64_t lo, int64_t n, const double* vt, const double* wt, int64_t j, double* sa, double* sb) {
  // two panel rows (four dot products) per pass over v
  int64_t t = 0;
  for (; t + 1 < j; t += 2) {
    const double* w0 = wt + t * n;
    const double* w1 = w0 + n;
    const double* q0 = vt + t * n;
    const double* q1 = q0 + n;
    v4 a0 = {0}, a1 = {0}, b0 = {0}, b1 = {0};
    int64_t i = lo;
    for (; i + 4 <= n; i += 4) {
      const v4 vi = load4(v + i);
      a0 += load4(w0 + i) * vi;
      a1 += load4(w1 + i) * vi;
      b0 += load4(q0 + i) * vi;
      b1 += load4(q1 + i) * vi;
    }
    double ta0 = hsum(a0), ta1 = hsum(a1), tb0 = hsum(b0), tb1 = hsum(b1);
    for (; i < n; ++i) {
      ta0 += w0[i] * v[i];
      ta1 += w1[i] * v[i];
      tb0 += q0[i] * v[i];
      tb1 += q1[i] * v[i];
    }
    sa[t] = ta0;
    sa[t + 1] = ta1;
    sb[t] = tb0;
    sb[t + 1] = tb1;
  }
  for (; t < j; ++t) {
    const double* w0 = wt + t * n;
    const double* q0 = vt + t * n;
    v4 a0 = {0}, b0 = {0};
    int64_t i = lo;
    for (; i + 4 <= n; i += 4) {
      const v4 vi = load4(v + i);
      a0 += load4(w0 + i) * vi;
      b0 += load4(q0 + i) * vi;
    }
    double ta = hsum(a0), tb = hsum(b0);
    for (; i < n; ++i) {
      ta += w0[i] * v[i];
      tb += q0[i] * v[i];
    }
    sa[t] = ta;
    sb[t] = tb;
  }
}
}

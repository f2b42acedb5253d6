// Packed, cache-blocked, register-blocked matrix products (the GotoBLAS/BLIS scheme), f64 and f32.
//
// Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008, and
// Van Zee & van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS Functionality", ACM TOMS
// 41(3), 2015: five loops around a register-blocked micro-kernel.
//   for jc in N by NC:                 B panel kc×nc packed once per (jc, pc)      → lives in L3
//     for pc in K by KC:
//       for ic in M by MC:             A block mc×kc packed in MR-row micro-panels → lives in L2
//         for jr in nc by NR:          one NR-column micro-panel of B               → L1/L2, reused MC/MR times
//           for ir in mc by MR:        C[MR×NR] += Ap[MR×kc] · Bp[kc×NR] in registers
// C is row-major, so the micro-kernel keeps MR rows × NV vectors of C in registers, loads NV vectors of
// a packed B row and broadcasts MR packed A values per step of k (one FMA per accumulator). Edge
// tiles run a smaller variant (2/3 or 1/3 of the rows, one vector) rather than multiplying padding.
// Block sizes were tuned on AMD Zen 5 (AVX-512, 48 KB L1d, 2 MB L2): ≈ 85–95 GFLOP/s f64 and
// 170–200 GFLOP/s f32 on one core, 150–185 / 330–380 on two.
//
// Rounding: every C element is accumulated the same way on every CPU, thread count and vector width:
// an FMA chain over p inside each KC block (KC is fixed per dtype, not per ISA), the blocks added to C
// in order of k. So results only depend on whether the compiler contracted to FMA (it does wherever
// the CPU has FMA; -ffp-contract=fast) — not on AVX2 vs AVX-512 or on threads.
//
// Threads: the calling thread plus (threads−1) persistent helpers take slabs of columns (or rows) of C
// in turn; products under PARALLEL_MIN_FLOPS stay on the calling thread (no wake-up cost for small
// networks).
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#ifdef LMECH_USE_CBLAS
#include <cblas.h>
#endif

#if defined(__AVX512F__)
#define LMECH_VBYTES 64
#define LMECH_REGS 32
#elif defined(__AVX__)
#define LMECH_VBYTES 32
#define LMECH_REGS 16
#elif defined(__aarch64__)
#define LMECH_VBYTES 16
#define LMECH_REGS 32
#else
#define LMECH_VBYTES 16
#define LMECH_REGS 16
#endif

namespace {

typedef double vd __attribute__((vector_size(LMECH_VBYTES)));
typedef float vf __attribute__((vector_size(LMECH_VBYTES)));

// Register block and cache block sizes. MR×NV accumulators + NV B vectors + 1 broadcast must fit
// the vector register file. KC is the same on every ISA so that rounding is (see the header comment).
// LMECH_TUNE_* macros (-D at compile time) override them, only for re-tuning on another CPU; a
// different KC changes rounding.
template <class T>
struct Cfg;
template <>
struct Cfg<double> {
  typedef vd V;
  static constexpr int L = LMECH_VBYTES / 8;
#if defined(LMECH_TUNE_MR64)
  static constexpr int MR = LMECH_TUNE_MR64, NV = LMECH_TUNE_NV64;
#elif LMECH_REGS >= 32
  static constexpr int MR = 12, NV = 2;
#else
  static constexpr int MR = 6, NV = 2;
#endif
  static constexpr int NR = NV * L;
#ifdef LMECH_TUNE_KC64
  static constexpr int64_t KC = LMECH_TUNE_KC64;
  static constexpr int64_t MC = MR * LMECH_TUNE_MCB64;
#else
  static constexpr int64_t KC = 512;
  static constexpr int64_t MC = MR * 16;
#endif
  static constexpr int64_t NC = 1024;
};
template <>
struct Cfg<float> {
  typedef vf V;
  static constexpr int L = LMECH_VBYTES / 4;
#if defined(LMECH_TUNE_MR32)
  static constexpr int MR = LMECH_TUNE_MR32, NV = LMECH_TUNE_NV32;
#elif LMECH_REGS >= 32
  static constexpr int MR = 12, NV = 2;
#else
  static constexpr int MR = 6, NV = 2;
#endif
  static constexpr int NR = NV * L;
#ifdef LMECH_TUNE_KC32
  static constexpr int64_t KC = LMECH_TUNE_KC32;
  static constexpr int64_t MC = MR * LMECH_TUNE_MCB32;
#else
  static constexpr int64_t KC = 1024;
  static constexpr int64_t MC = MR * 8;
#endif
  static constexpr int64_t NC = 2048;
};

#ifndef LMECH_TUNE_PMIN
constexpr double PARALLEL_MIN_FLOPS = 2.0e6;
#else
constexpr double PARALLEL_MIN_FLOPS = LMECH_TUNE_PMIN;
#endif

template <class V, class T>
static inline __attribute__((always_inline)) V loadu(const T* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}
template <class V, class T>
static inline __attribute__((always_inline)) void storeu(T* p, const V& v) {
  std::memcpy(p, &v, sizeof(V));
}

// C[mr×nr] (+)= Ap[·×kc] · Bp[kc×·] for one tile, computing ROWS rows × NVX vectors (ROWS ≤ MR,
// NVX ≤ NV): edge tiles use a smaller variant instead of multiplying zero padding. Ap holds kc steps
// of MR values, Bp kc rows of NR values (aligned).
template <class T, int ROWS, int NVX>
static void microKernelT(int64_t kc, const T* __restrict a, const T* __restrict b, T* __restrict c, int64_t ldc, bool beta,
                         int mr, int nr) {
  typedef Cfg<T> C;
  typedef typename C::V V;
  constexpr int MR = C::MR, L = C::L, NR = C::NR, W = NVX * L;
  // C's rows are read (beta) and written after the loop over p: ask for them now, so that a tile of a large C
  // (a product with a short k, such as the eigensolver's back-transformation) does not wait on memory at the end
  if (beta)
#pragma GCC unroll 16
    for (int r = 0; r < ROWS; ++r) {
      __builtin_prefetch(c + r * ldc, 1);
      __builtin_prefetch(c + r * ldc + W - 1, 1);
    }
  V acc[ROWS][NVX];
#pragma GCC unroll 16
  for (int r = 0; r < ROWS; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NVX; ++v) acc[r][v] = V{};
  for (int64_t p = 0; p < kc; ++p) {
    V bv[NVX];
#pragma GCC unroll 4
    for (int v = 0; v < NVX; ++v) bv[v] = *reinterpret_cast<const V*>(b + v * L);
#pragma GCC unroll 16
    for (int r = 0; r < ROWS; ++r) {
      const T s = a[r];
#pragma GCC unroll 4
      for (int v = 0; v < NVX; ++v) acc[r][v] += s * bv[v];
    }
    a += MR;
    b += NR;
  }
  if (mr == ROWS && nr == W) {
#pragma GCC unroll 16
    for (int r = 0; r < ROWS; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NVX; ++v) {
        T* cp = c + r * ldc + v * L;
        if (beta)
          storeu(cp, loadu<V>(cp) + acc[r][v]);
        else
          storeu(cp, acc[r][v]);
      }
    return;
  }
  alignas(64) T tmp[ROWS * W];
#pragma GCC unroll 16
  for (int r = 0; r < ROWS; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NVX; ++v) storeu(tmp + r * W + v * L, acc[r][v]);
  for (int r = 0; r < mr; ++r) {
    T* cr = c + r * ldc;
    const T* tr = tmp + r * W;
    if (beta)
      for (int j = 0; j < nr; ++j) cr[j] += tr[j];
    else
      for (int j = 0; j < nr; ++j) cr[j] = tr[j];
  }
}

// Pick the variant for an mr×nr tile: rows MR, 2/3·MR or 1/3·MR; NV or 1 vectors.
template <class T>
static inline void microKernel(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool beta, int mr, int nr) {
  typedef Cfg<T> C;
  constexpr int MR = C::MR, NV = C::NV, L = C::L;
  constexpr int R2 = MR * 2 / 3, R1 = MR / 3;
  static_assert(MR % 3 == 0 && R1 > 0, "MR must be a multiple of 3");
  if (nr > L || NV == 1) {
    if (mr > R2)
      microKernelT<T, MR, NV>(kc, a, b, c, ldc, beta, mr, nr);
    else if (mr > R1)
      microKernelT<T, R2, NV>(kc, a, b, c, ldc, beta, mr, nr);
    else
      microKernelT<T, R1, NV>(kc, a, b, c, ldc, beta, mr, nr);
  } else {
    if (mr > R2)
      microKernelT<T, MR, 1>(kc, a, b, c, ldc, beta, mr, nr);
    else if (mr > R1)
      microKernelT<T, R2, 1>(kc, a, b, c, ldc, beta, mr, nr);
    else
      microKernelT<T, R1, 1>(kc, a, b, c, ldc, beta, mr, nr);
  }
}

// Pack op(A)[mc×kc] (element (i,p) at A[i·ars + p·acs]) into MR-row micro-panels, zero-padded.
template <class T>
static void packA(int64_t mc, int64_t kc, const T* A, int64_t ars, int64_t acs, T* __restrict out) {
  constexpr int MR = Cfg<T>::MR;
  for (int64_t i = 0; i < mc; i += MR) {
    const int mr = static_cast<int>(std::min<int64_t>(MR, mc - i));
    T* dst = out + i * kc;
    const T* src = A + i * ars;
    if (mr == MR && ars == 1) {
      for (int64_t p = 0; p < kc; ++p)
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) dst[p * MR + r] = src[p * acs + r];
    } else if (mr == MR && acs == 1) {
      for (int64_t p = 0; p < kc; ++p)
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) dst[p * MR + r] = src[r * ars + p];
    } else {
      for (int64_t p = 0; p < kc; ++p)
        for (int r = 0; r < MR; ++r) dst[p * MR + r] = r < mr ? src[r * ars + p * acs] : T(0);
    }
  }
}

// Pack op(B)[kc×nc] (element (p,j) at B[p·brs + j·bcs]) into NR-column micro-panels, zero-padded.
template <class T>
static void packB(int64_t kc, int64_t nc, const T* B, int64_t brs, int64_t bcs, T* __restrict out) {
  constexpr int NR = Cfg<T>::NR;
  for (int64_t j = 0; j < nc; j += NR) {
    const int nr = static_cast<int>(std::min<int64_t>(NR, nc - j));
    T* dst = out + j * kc;
    const T* src = B + j * bcs;
    if (nr == NR && bcs == 1) {
      for (int64_t p = 0; p < kc; ++p) std::memcpy(dst + p * NR, src + p * brs, sizeof(T) * NR);
    } else if (nr == NR && brs == 1) {
      // B stored transposed: NR strided reads per packed row (measured faster than row-by-row
      // transposing or 4/8-wide blocks on Zen 4/5: writes stay sequential)
      for (int64_t p = 0; p < kc; ++p)
#pragma GCC unroll 32
        for (int c = 0; c < NR; ++c) dst[p * NR + c] = src[c * bcs + p];
    } else {
      for (int64_t p = 0; p < kc; ++p)
        for (int c = 0; c < NR; ++c) dst[p * NR + c] = c < nr ? src[p * brs + c * bcs] : T(0);
    }
  }
}

// Per-thread packing buffers (64-byte aligned, grown on demand, never shrunk).
template <class T>
struct Buffers {
  T* a = nullptr;
  T* b = nullptr;
  size_t aCap = 0, bCap = 0;
  ~Buffers() {
    std::free(a);
    std::free(b);
  }
  static T* grow(T* p, size_t& cap, size_t need) {
    if (need <= cap) return p;
    std::free(p);
    const size_t bytes = ((need * sizeof(T) + 63) / 64) * 64;
    cap = need;
    return static_cast<T*>(std::aligned_alloc(64, bytes));
  }
};
template <class T>
static Buffers<T>& buffers() {
  static thread_local Buffers<T> buf;
  return buf;
}

// One thread's share: C[m×n] (ldc) (+)= op(A)·op(B) with general strides.
template <class T>
static void gemmSerial(int64_t m, int64_t n, int64_t k, const T* A, int64_t ars, int64_t acs, const T* B, int64_t brs, int64_t bcs,
                       T* C, int64_t ldc, bool accumulate) {
  typedef Cfg<T> G;
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i) std::memset(C + i * ldc, 0, sizeof(T) * n);
    return;
  }
  Buffers<T>& buf = buffers<T>();
  const int64_t kcMax = std::min<int64_t>(G::KC, k);
  const int64_t ncMax = std::min<int64_t>(G::NC, (n + G::NR - 1) / G::NR * G::NR);
  const int64_t mcMax = std::min<int64_t>(G::MC, (m + G::MR - 1) / G::MR * G::MR);
  buf.a = Buffers<T>::grow(buf.a, buf.aCap, static_cast<size_t>(mcMax * kcMax));
  buf.b = Buffers<T>::grow(buf.b, buf.bCap, static_cast<size_t>(ncMax * kcMax));
  for (int64_t jc = 0; jc < n; jc += G::NC) {
    const int64_t nc = std::min<int64_t>(G::NC, n - jc);
    for (int64_t pc = 0; pc < k; pc += G::KC) {
      const int64_t kc = std::min<int64_t>(G::KC, k - pc);
      const bool beta = accumulate || pc > 0;
      packB<T>(kc, nc, B + pc * brs + jc * bcs, brs, bcs, buf.b);
      for (int64_t ic = 0; ic < m; ic += G::MC) {
        const int64_t mc = std::min<int64_t>(G::MC, m - ic);
        packA<T>(mc, kc, A + ic * ars + pc * acs, ars, acs, buf.a);
        for (int64_t jr = 0; jr < nc; jr += G::NR) {
          const int nr = static_cast<int>(std::min<int64_t>(G::NR, nc - jr));
          const T* bp = buf.b + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += G::MR) {
            const int mr = static_cast<int>(std::min<int64_t>(G::MR, mc - ir));
            microKernel<T>(kc, buf.a + ir * kc, bp, C + (ic + ir) * ldc + jc + jr, ldc, beta, mr, nr);
          }
        }
      }
    }
  }
}

// ---- a small persistent pool ----
// Helpers spin (with a pause) for HELPER_SPIN_US after each product, so back-to-back products in a
// training loop start without a wake-up; then they sleep on a condition variable. The caller never
// waits for a helper to wake up (see Pool::run), so a short spin only costs some parallelism.
#ifndef LMECH_TUNE_SPIN
constexpr int64_t HELPER_SPIN_US = 50;
#else
constexpr int64_t HELPER_SPIN_US = LMECH_TUNE_SPIN;
#endif

static inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

class Pool {
 public:
  // Post fn(arg, t) to up to `helpers` helper threads (t = 1..helpers) and run fn(arg, 0) on the
  // caller. fn must share its work dynamically (each call takes work until none is left), because a
  // helper joins only if it starts before the caller has finished: the caller never waits for a
  // helper that has not started (one the OS runs late, e.g. with another process on its core), only
  // for helpers already inside fn. Returns false (running nothing) if another thread is using the
  // pool right now: the caller then works alone. `waitShare` gets the time the caller spent waiting
  // for helpers at the end, as a fraction of the time it worked itself.
  bool run(int helpers, void (*fn)(void*, int), void* arg, double* waitShare) {
    std::unique_lock<std::mutex> owner(busy_, std::try_to_lock);
    if (!owner.owns_lock()) return false;
    const auto t0 = std::chrono::steady_clock::now();
    ensure(helpers);
    fn_.store(fn, std::memory_order_relaxed);
    arg_.store(arg, std::memory_order_relaxed);
    active_.store(helpers, std::memory_order_relaxed);
    open_.store(true, std::memory_order_seq_cst);
    {
      std::lock_guard<std::mutex> lk(m_);
      gen_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    fn(arg, 0);
    const auto t1 = std::chrono::steady_clock::now();
    // close the job: a helper that has not joined yet will see it closed and skip it (Dekker-style
    // handshake: both sides write, then read the other's flag, all sequentially consistent)
    open_.store(false, std::memory_order_seq_cst);
    for (int spin = 0; inside_.load(std::memory_order_seq_cst) != 0; ++spin) {
      if (spin < 4096) {
        cpuRelax();
      } else if (spin < 20000) {
        std::this_thread::yield();
      } else {
        std::unique_lock<std::mutex> lk(m_);
        doneCv_.wait(lk, [&] { return inside_.load(std::memory_order_seq_cst) == 0; });
      }
    }
    const auto t2 = std::chrono::steady_clock::now();
    *waitShare = std::chrono::duration<double>(t2 - t1).count() / std::max(1e-9, std::chrono::duration<double>(t1 - t0).count());
    return true;
  }

 private:
  void ensure(int helpers) {
    while (static_cast<int>(threads_.size()) < helpers) {
      const int index = static_cast<int>(threads_.size()) + 1;
      // the generation before this job is posted: the new helper must see the post as new
      const uint64_t before = gen_.load(std::memory_order_acquire);
      threads_.emplace_back([this, index, before] { loop(index, before); });
      threads_.back().detach();
    }
  }
  void loop(int index, uint64_t seen) {
    for (;;) {
      const auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; gen_.load(std::memory_order_acquire) == seen; ++i) {
        cpuRelax();
        if ((i & 255) == 0 && std::chrono::steady_clock::now() - t0 > std::chrono::microseconds(HELPER_SPIN_US)) {
          std::unique_lock<std::mutex> lk(m_);
          cv_.wait(lk, [&] { return gen_.load(std::memory_order_acquire) != seen; });
          break;
        }
      }
      seen = gen_.load(std::memory_order_acquire);
      if (index > active_.load(std::memory_order_relaxed)) continue;
      inside_.fetch_add(1, std::memory_order_seq_cst);
      if (open_.load(std::memory_order_seq_cst)) {
        // fn_/arg_ were written before open_ was set and cannot change while we are inside
        fn_.load(std::memory_order_relaxed)(arg_.load(std::memory_order_relaxed), index);
      }
      if (inside_.fetch_sub(1, std::memory_order_seq_cst) == 1) {
        std::lock_guard<std::mutex> lk(m_);
        doneCv_.notify_all();
      }
    }
  }
  std::mutex busy_, m_;
  std::condition_variable cv_, doneCv_;
  std::vector<std::thread> threads_;
  std::atomic<void (*)(void*, int)> fn_{nullptr};
  std::atomic<void*> arg_{nullptr};
  std::atomic<int> active_{0};
  std::atomic<bool> open_{false};
  std::atomic<int> inside_{0};
  std::atomic<uint64_t> gen_{0};
};

// Never destroyed: helper threads are detached and end with the process.
static Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

template <class T>
struct SplitJob {
  bool splitN;
  int64_t chunks;  // C is cut into this many column (or row) slabs, taken in turn by whichever thread is free
  int64_t m, n, k;
  const T* A;
  int64_t ars, acs;
  const T* B;
  int64_t brs, bcs;
  T* C;
  int64_t ldc;
  bool accumulate;
  std::atomic<int64_t> next{0};
};

// Slab c of `chunks`: a contiguous range of columns (or rows) of C, cut at multiples of NR (or MR).
template <class T>
static void runChunk(const SplitJob<T>& j, int64_t c) {
  const int64_t total = j.splitN ? j.n : j.m;
  const int64_t unit = j.splitN ? Cfg<T>::NR : Cfg<T>::MR;
  const int64_t units = (total + unit - 1) / unit;
  const int64_t lo = std::min(total, units * c / j.chunks * unit);
  const int64_t hi = std::min(total, units * (c + 1) / j.chunks * unit);
  if (hi <= lo) return;
  if (j.splitN)
    gemmSerial<T>(j.m, hi - lo, j.k, j.A, j.ars, j.acs, j.B + lo * j.bcs, j.brs, j.bcs, j.C + lo, j.ldc, j.accumulate);
  else
    gemmSerial<T>(hi - lo, j.n, j.k, j.A + lo * j.ars, j.ars, j.acs, j.B, j.brs, j.bcs, j.C + lo * j.ldc, j.ldc, j.accumulate);
}

// What every participating thread runs: take slabs until none is left. Dynamic rather than a fixed
// half each, so a helper that the OS runs late (another process on its core) delays nobody much.
template <class T>
static void runSlabs(void* arg, int) {
  SplitJob<T>& j = *static_cast<SplitJob<T>*>(arg);
  for (int64_t c; (c = j.next.fetch_add(1, std::memory_order_relaxed)) < j.chunks;) runChunk(j, c);
}

// Slabs per thread: more slabs balance better, but each slab repacks the operand it shares
// (A for column slabs), so keep slabs at ≥ SLAB_MIN_FLOPS of work.
constexpr int64_t SLABS_PER_THREAD = 4;
constexpr double SLAB_MIN_FLOPS = 1.0e6;

// Back-off when helpers are late: if the caller waited for helpers longer than LATE_SHARE of its own
// working time (a helper preempted by another process on a busy machine), products run on the calling
// thread alone for a while (doubling from 10 ms up to 1 s while it keeps happening, halving after a
// product where the helpers kept up). On an idle machine helpers are never that late.
constexpr double LATE_SHARE = 0.5;
static std::atomic<int64_t> g_soloUntilNs{0};
static std::atomic<int64_t> g_backoffNs{0};

static int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

static void noteHelpers(double waitShare) {
  int64_t backoff = g_backoffNs.load(std::memory_order_relaxed);
  if (waitShare > LATE_SHARE) {
    backoff = std::min<int64_t>(1000000000, std::max<int64_t>(10000000, backoff * 2));
    g_backoffNs.store(backoff, std::memory_order_relaxed);
    g_soloUntilNs.store(nowNs() + backoff, std::memory_order_relaxed);
  } else if (backoff > 0) {
    g_backoffNs.store(backoff / 2 < 10000000 ? 0 : backoff / 2, std::memory_order_relaxed);
  }
}

// C[m×n] (row stride ldc) (+)= op(A)·op(B) with op(A)(i,p) = a[i·ars + p·acs], op(B)(p,j) = b[p·brs + j·bcs], cut into
// slabs of C over the pool when large; each element is summed by one gemmSerial whatever the cut (same bits).
template <class T>
static void gemmStrided(int64_t m, int64_t n, int64_t k, const T* a, int64_t ars, int64_t acs, const T* b, int64_t brs, int64_t bcs,
                        T* c, int64_t ldc, bool accumulate, int threads) {
  if (m <= 0 || n <= 0) return;
  const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  if (threads > 1 && k > 0 && flops >= PARALLEL_MIN_FLOPS && nowNs() >= g_soloUntilNs.load(std::memory_order_relaxed)) {
    const bool splitN = n >= m;
    const int64_t units = splitN ? (n + Cfg<T>::NR - 1) / Cfg<T>::NR : (m + Cfg<T>::MR - 1) / Cfg<T>::MR;
    const int64_t byWork = std::max<int64_t>(1, static_cast<int64_t>(flops / SLAB_MIN_FLOPS));
    const int64_t chunks = std::min<int64_t>({units, threads * SLABS_PER_THREAD, byWork});
    if (chunks > 1) {
      SplitJob<T> job;
      job.splitN = splitN;
      job.chunks = chunks;
      job.m = m, job.n = n, job.k = k;
      job.A = a, job.ars = ars, job.acs = acs;
      job.B = b, job.brs = brs, job.bcs = bcs;
      job.C = c, job.ldc = ldc, job.accumulate = accumulate;
      double waitShare = 0;
      if (pool().run(static_cast<int>(std::min<int64_t>(threads, chunks)) - 1, &runSlabs<T>, &job, &waitShare)) {
        noteHelpers(waitShare);
        return;
      }
    }
  }
  gemmSerial<T>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate);
}

template <class T>
static void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const T* a, const T* b, T* c, bool accumulate,
                 int threads) {
  // op(A)(i,p) = transA ? a[p·m + i] : a[i·k + p];  op(B)(p,j) = transB ? b[j·k + p] : b[p·n + j]
  gemmStrided<T>(m, n, k, a, transA ? 1 : k, transA ? m : 1, b, transB ? 1 : n, transB ? k : 1, c, n, accumulate, threads);
}

// A parallel loop over independent chunks on the same pool (linalg.cc's threaded symv): each chunk runs
// exactly once, on whichever thread takes it, so a chunk's result never depends on the thread that ran it.
struct ForJob {
  void (*fn)(void*, int64_t);
  void* arg;
  int64_t chunks;
  std::atomic<int64_t> next{0};
};

static void runFor(void* p, int) {
  ForJob& j = *static_cast<ForJob*>(p);
  for (int64_t c; (c = j.next.fetch_add(1, std::memory_order_relaxed)) < j.chunks;) j.fn(j.arg, c);
}

}  // namespace

extern "C" {

void lmech_gemm_f64_strided(int64_t m, int64_t n, int64_t k, const double* a, int64_t ars, int64_t acs, const double* b, int64_t brs,
                            int64_t bcs, double* c, int64_t ldc, bool accumulate) {
  gemmSerial<double>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate);
}

void lmech_gemm_view_f64(int64_t m, int64_t n, int64_t k, const double* a, int64_t ars, int64_t acs, const double* b, int64_t brs, int64_t bcs,
                         double* c, int64_t ldc, bool accumulate, int threads) {
  gemmStrided<double>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, accumulate, threads);
}

void lmech_parallel_for(int threads, int64_t chunks, void (*fn)(void*, int64_t), void* arg) {
  ForJob job;
  job.fn = fn;
  job.arg = arg;
  job.chunks = chunks;
  // the products' back-off applies here too: while helpers are late, everything runs on the calling thread
  if (threads > 1 && chunks > 1 && nowNs() >= g_soloUntilNs.load(std::memory_order_relaxed)) {
    double waitShare = 0;
    if (pool().run(static_cast<int>(std::min<int64_t>(threads, chunks)) - 1, &runFor, &job, &waitShare)) {
      noteHelpers(waitShare);
      return;
    }
  }
  runFor(&job, 0);
}

int lmech_gemm_features(void) {
  int f = 0;
#ifdef __AVX__
  f |= LMECH_FEATURE_AVX;
#endif
#ifdef __AVX2__
  f |= LMECH_FEATURE_AVX2;
#endif
#ifdef __FMA__
  f |= LMECH_FEATURE_FMA;
#endif
#ifdef __AVX512F__
  f |= LMECH_FEATURE_AVX512F;
#endif
#ifdef __AVX512VL__
  f |= LMECH_FEATURE_AVX512VL;
#endif
#ifdef __AVX512BW__
  f |= LMECH_FEATURE_AVX512BW;
#endif
#ifdef __AVX512DQ__
  f |= LMECH_FEATURE_AVX512DQ;
#endif
#ifdef __BMI2__
  f |= LMECH_FEATURE_BMI2;
#endif
#ifdef __F16C__
  f |= LMECH_FEATURE_F16C;
#endif
  return f;
}

#define LMECH_STR2(x) #x
#define LMECH_STR(x) LMECH_STR2(x)

const char* lmech_gemm_describe(void) {
#ifdef LMECH_USE_CBLAS
  return "system CBLAS (built with LMECH_NATIVE_BLAS)";
#else
  static const std::string text = [] {
    char buf[200];
    std::snprintf(buf, sizeof buf, "%d-bit vectors%s, register blocks f64 %d×%d, f32 %d×%d, cache blocks f64 KC=%d MC=%d, f32 KC=%d MC=%d",
                  LMECH_VBYTES * 8,
#ifdef __FMA__
                  " + FMA",
#else
                  "",
#endif
                  Cfg<double>::MR, Cfg<double>::NR, Cfg<float>::MR, Cfg<float>::NR, static_cast<int>(Cfg<double>::KC),
                  static_cast<int>(Cfg<double>::MC), static_cast<int>(Cfg<float>::KC), static_cast<int>(Cfg<float>::MC));
    return std::string(buf);
  }();
  return text.c_str();
#endif
}

void lmech_gemm_f64(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const double* a, const double* b, double* c,
                    bool accumulate, int threads) {
#ifdef LMECH_USE_CBLAS
  (void)threads;
  if (k == 0) {
    if (!accumulate) std::memset(c, 0, sizeof(double) * m * n);
    return;
  }
  cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0, a,
              transA ? m : k, b, transB ? k : n, accumulate ? 1.0 : 0.0, c, n);
#else
  gemm<double>(transA, transB, m, n, k, a, b, c, accumulate, threads);
#endif
}

void lmech_gemm_f32(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c,
                    bool accumulate, int threads) {
#ifdef LMECH_USE_CBLAS
  (void)threads;
  if (k == 0) {
    if (!accumulate) std::memset(c, 0, sizeof(float) * m * n);
    return;
  }
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a,
              transA ? m : k, b, transB ? k : n, accumulate ? 1.0f : 0.0f, c, n);
#else
  gemm<float>(transA, transB, m, n, k, a, b, c, accumulate, threads);
#endif
}
}

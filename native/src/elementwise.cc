// Elementwise transcendental kernels (compiled for the host CPU, like gemm.cc).
//
// tanh: the hyperbolic tangent of every element. V8's Math.tanh costs ≈ 12 ns per element here, which made
// tanh the largest single cost of a width-128 MLP step; glibc's vector math library (libmvec, glibc ≥ 2.35)
// evaluates 8 doubles (AVX-512) or 4 (AVX2) per call at ≤ 4 ulp. Elsewhere (no glibc, no AVX2) this is the
// scalar loop. NaN and ±∞ behave as std::tanh (NaN → NaN, ±∞ → ±1), so diverged runs are still seen.
// The result depends only on the input and the build, never on threads or alignment: bit-for-bit
// reproducible on one machine, within a few ulp of Math.tanh across backends.
#include <cmath>
#include <cstdint>

#include "gemm.h"

#if defined(__GLIBC__) && defined(__x86_64__) && (defined(__AVX512F__) || defined(__AVX2__)) && !defined(LMECH_NO_LIBMVEC)
#include <immintrin.h>
#define LMECH_LIBMVEC 1
extern "C" {
#if defined(__AVX512F__)
__m512d _ZGVeN8v_tanh(__m512d);
__m512 _ZGVeN16v_tanhf(__m512);
__m512d _ZGVeN8v_erfc(__m512d);
__m512d _ZGVeN8v_exp(__m512d);
#else
__m256d _ZGVdN4v_tanh(__m256d);
__m256 _ZGVdN8v_tanhf(__m256);
__m256d _ZGVdN4v_erfc(__m256d);
__m256d _ZGVdN4v_exp(__m256d);
#endif
}
#endif

extern "C" {

const char* lmech_tanh_describe(void) {
#if defined(LMECH_LIBMVEC) && defined(__AVX512F__)
  return "libmvec tanh, 8 doubles / 16 floats per call";
#elif defined(LMECH_LIBMVEC)
  return "libmvec tanh, 4 doubles / 8 floats per call";
#else
  return "scalar std::tanh";
#endif
}

void lmech_tanh_f64(const double* x, double* y, int64_t n) {
  int64_t i = 0;
#if defined(LMECH_LIBMVEC) && defined(__AVX512F__)
  for (; i + 8 <= n; i += 8) _mm512_storeu_pd(y + i, _ZGVeN8v_tanh(_mm512_loadu_pd(x + i)));
#elif defined(LMECH_LIBMVEC)
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(y + i, _ZGVdN4v_tanh(_mm256_loadu_pd(x + i)));
#endif
  for (; i < n; ++i) y[i] = std::tanh(x[i]);
}

void lmech_tanh_f32(const float* x, float* y, int64_t n) {
  int64_t i = 0;
#if defined(LMECH_LIBMVEC) && defined(__AVX512F__)
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _ZGVeN16v_tanhf(_mm512_loadu_ps(x + i)));
#elif defined(LMECH_LIBMVEC)
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _ZGVdN8v_tanhf(_mm256_loadu_ps(x + i)));
#endif
  // float32 tensors are computed in double and rounded on store, as the TypeScript kernels do
  for (; i < n; ++i) y[i] = static_cast<float>(std::tanh(static_cast<double>(x[i])));
}
}

// GELU: y = x·Φ(x) and, when d1 is given, d1 = Φ(x) + x·φ(x) (the derivative the backward pass keeps), with
// Φ(x) = ½·erfc(−x/√2) (erfc, not 1 + erf: no cancellation in the left tail) and φ(x) = e^{−x²/2}/√(2π).
// libmvec's erfc and exp take 8 (AVX-512) or 4 (AVX2) doubles per call at ≤ 4 ulp; the scalar loop is the
// same formula through std::erfc / std::exp. float32 arrays are computed in double and rounded on store,
// as the TypeScript kernels do. NaN propagates; x = −∞ gives NaN (−∞·0), as x·Φ(x) does in TypeScript.
namespace {
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

inline void geluScalar(double v, double* y, double* d1) {
  const double cdf = 0.5 * std::erfc(-v * kInvSqrt2);
  *y = v * cdf;
  if (d1) *d1 = cdf + v * kInvSqrt2Pi * std::exp(-0.5 * v * v);
}

// 8 doubles at a time from `in` (already widened), results to the double buffers out_y / out_d
inline void geluBlock8(const double* in, double* out_y, double* out_d) {
#if defined(LMECH_LIBMVEC) && defined(__AVX512F__)
  const __m512d v = _mm512_loadu_pd(in);
  const __m512d cdf = _mm512_mul_pd(_mm512_set1_pd(0.5), _ZGVeN8v_erfc(_mm512_mul_pd(v, _mm512_set1_pd(-kInvSqrt2))));
  _mm512_storeu_pd(out_y, _mm512_mul_pd(v, cdf));
  if (out_d) {
    const __m512d e = _ZGVeN8v_exp(_mm512_mul_pd(_mm512_set1_pd(-0.5), _mm512_mul_pd(v, v)));
    _mm512_storeu_pd(out_d, _mm512_add_pd(cdf, _mm512_mul_pd(_mm512_mul_pd(v, _mm512_set1_pd(kInvSqrt2Pi)), e)));
  }
#elif defined(LMECH_LIBMVEC)
  for (int h = 0; h < 8; h += 4) {
    const __m256d v = _mm256_loadu_pd(in + h);
    const __m256d cdf = _mm256_mul_pd(_mm256_set1_pd(0.5), _ZGVdN4v_erfc(_mm256_mul_pd(v, _mm256_set1_pd(-kInvSqrt2))));
    _mm256_storeu_pd(out_y + h, _mm256_mul_pd(v, cdf));
    if (out_d) {
      const __m256d e = _ZGVdN4v_exp(_mm256_mul_pd(_mm256_set1_pd(-0.5), _mm256_mul_pd(v, v)));
      _mm256_storeu_pd(out_d + h, _mm256_add_pd(cdf, _mm256_mul_pd(_mm256_mul_pd(v, _mm256_set1_pd(kInvSqrt2Pi)), e)));
    }
  }
#else
  for (int h = 0; h < 8; ++h) geluScalar(in[h], out_y + h, out_d ? out_d + h : nullptr);
#endif
}

// The multiplications are written as separate products (v·(−1/√2), (−½)·(v·v), (v·(1/√2π))·e) so that
// the vector and scalar paths round the same way; -ffp-contract=fast may still fuse some into FMAs,
// which changes the last bit only.
template <typename T>
void geluAny(const T* x, T* y, T* d1, int64_t n) {
  double in[8], oy[8], od[8];
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int h = 0; h < 8; ++h) in[h] = static_cast<double>(x[i + h]);
    geluBlock8(in, oy, d1 ? od : nullptr);
    for (int h = 0; h < 8; ++h) y[i + h] = static_cast<T>(oy[h]);
    if (d1)
      for (int h = 0; h < 8; ++h) d1[i + h] = static_cast<T>(od[h]);
  }
  for (; i < n; ++i) {
    double a, b;
    geluScalar(static_cast<double>(x[i]), &a, d1 ? &b : nullptr);
    y[i] = static_cast<T>(a);
    if (d1) d1[i] = static_cast<T>(b);
  }
}
}  // namespace

extern "C" {
void lmech_gelu_f64(const double* x, double* y, double* d1, int64_t n) { geluAny(x, y, d1, n); }
void lmech_gelu_f32(const float* x, float* y, float* d1, int64_t n) { geluAny(x, y, d1, n); }
}

// Causal row softmax of attention logits (src/core/attention.ts, causalSoftmax): each row r of T entries is
// replaced by the softmax of its first len = (r mod T) + 1 entries, the rest of the row set to 0. The same steps
// as the TypeScript loop, in the same order: the maximum by `>` (NaN never wins, as there), e_j = exp(s_j − max)
// in double, p_j = e_j stored (rounded for float32), z the sequential double sum of the e_j, then p_j = p_j / z.
// Only the exponentials are vectorised (libmvec exp, ≤ 4 ulp of the correctly rounded value), so the result
// differs from the TypeScript loop (V8's Math.exp) by a few ulp of double, and for float32 almost never at all.
// V8's Math.exp costs ≈ 14 ns an element here, which made the forward softmax the largest non-product cost of
// a transformer step; libmvec takes 8 doubles (AVX-512) or 4 (AVX2) per call.
namespace {
inline void expBlock8(const double* in, double* out) {
#if defined(LMECH_LIBMVEC) && defined(__AVX512F__)
  _mm512_storeu_pd(out, _ZGVeN8v_exp(_mm512_loadu_pd(in)));
#elif defined(LMECH_LIBMVEC)
  _mm256_storeu_pd(out, _ZGVdN4v_exp(_mm256_loadu_pd(in)));
  _mm256_storeu_pd(out + 4, _ZGVdN4v_exp(_mm256_loadu_pd(in + 4)));
#else
  for (int h = 0; h < 8; ++h) out[h] = std::exp(in[h]);
#endif
}

template <typename T>
void causalSoftmaxAny(const T* s, T* p, int64_t rows, int64_t n, double* d, double* e) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* sr = s + r * n;
    T* pr = p + r * n;
    const int64_t len = r % n + 1;
    double mx = -HUGE_VAL;
    for (int64_t j = 0; j < len; ++j)
      if (static_cast<double>(sr[j]) > mx) mx = static_cast<double>(sr[j]);
    for (int64_t j = 0; j < len; ++j) d[j] = static_cast<double>(sr[j]) - mx;
    int64_t j = 0;
    for (; j + 8 <= len; j += 8) expBlock8(d + j, e + j);
    for (; j < len; ++j) e[j] = std::exp(d[j]);
    double z = 0;
    for (j = 0; j < len; ++j) {
      pr[j] = static_cast<T>(e[j]);
      z += e[j];
    }
    for (j = 0; j < len; ++j) pr[j] = static_cast<T>(static_cast<double>(pr[j]) / z);
    for (j = len; j < n; ++j) pr[j] = 0;
  }
}
}  // namespace

extern "C" {
void lmech_causal_softmax_f64(const double* s, double* p, int64_t rows, int64_t n, double* scratch) {
  causalSoftmaxAny(s, p, rows, n, scratch, scratch + n);
}
void lmech_causal_softmax_f32(const float* s, float* p, int64_t rows, int64_t n, double* scratch) {
  causalSoftmaxAny(s, p, rows, n, scratch, scratch + n);
}
}

// The adjoint of the causal row softmax (src/core/attention.ts): per row r, c = Σ_{j<len} p_j g_j and
// gs_j += p_j (g_j − c) for j < len = (r mod T) + 1, in double, rounded on store for float32, in the order of the
// TypeScript loop (so the two agree bit for bit: no transcendental here, and the dot product is not reordered).
namespace {
// Contraction into FMAs is off here (the build's -ffp-contract=fast would round p·(g − c) + gs once, not twice).
template <typename T>
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("fp-contract=off")))
#endif
void causalSoftmaxBackwardAny(const T* p, const T* g, T* gs, int64_t rows, int64_t n) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
  for (int64_t r = 0; r < rows; ++r) {
    const T* pr = p + r * n;
    const T* gr = g + r * n;
    T* out = gs + r * n;
    const int64_t len = r % n + 1;
    double c = 0;
    for (int64_t j = 0; j < len; ++j) c += static_cast<double>(pr[j]) * static_cast<double>(gr[j]);
    for (int64_t j = 0; j < len; ++j) out[j] = static_cast<T>(static_cast<double>(out[j]) + static_cast<double>(pr[j]) * (static_cast<double>(gr[j]) - c));
  }
}
}  // namespace

extern "C" {
void lmech_causal_softmax_backward_f64(const double* p, const double* g, double* gs, int64_t rows, int64_t n) {
  causalSoftmaxBackwardAny(p, g, gs, rows, n);
}
void lmech_causal_softmax_backward_f32(const float* p, const float* g, float* gs, int64_t rows, int64_t n) {
  causalSoftmaxBackwardAny(p, g, gs, rows, n);
}
}

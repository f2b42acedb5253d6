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
#else
__m256d _ZGVdN4v_tanh(__m256d);
__m256 _ZGVdN8v_tanhf(__m256);
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

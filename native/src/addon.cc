// Node-API glue for the native kernels (src/run/nativeKernels.ts loads it). Compiled for the baseline
// CPU: before exposing anything from the kernel object (compiled for the host CPU, see binding.gyp)
// it checks that the running CPU has every instruction-set feature that object was compiled with, so a
// build copied to an older machine reports itself unusable instead of dying on an illegal instruction.
//
// Exports:
//   gemm(transA, transB, m, n, k, a, b, c, accumulate, threads): row-major C (+)= op(A)·op(B);
//     a, b, c are all Float64Array or all Float32Array; throws a TypeError/RangeError on bad input.
//   tanh(x, y): y[i] = tanh(x[i]), vectorised (elementwise.cc)
//   gelu(x, y, d1): y[i] = x[i]·Φ(x[i]), d1[i] = Φ + x·φ (or null), vectorised (elementwise.cc)
//   causalSoftmax(s, p, T): the causal row softmax of attention logits, exponentials vectorised (elementwise.cc)
//   causalSoftmaxBackward(p, g, gs, T): its adjoint, accumulated into gs (elementwise.cc)
//   symvLower(a, n, s, v, y[, threads]): symmetric (lower-triangle) matrix-vector product, float64 (linalg.cc)
//   gemmView: a float64 product of strided views, without copies (gemm.cc)
//   secular / secularColumns: the O(k²) parts of a divide-and-conquer merge, bit for bit the TypeScript (secular.cc)
//   panelSubtract / panelDots / syr2kLower: the panel corrections and the trailing update of the blocked
//     tridiagonalization, float64 (linalg.cc)
//   info(): { usable, reason, kernel, tanh, features, hardwareThreads }
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

#include "gemm.h"

namespace {

struct FeatureName {
  int bit;
  const char* name;
  bool present;
};

// Which compiled-in features the running CPU lacks ("" when none). x86 only: elsewhere the kernel
// object is built for the host with no optional features to check.
std::string missingFeatures(int needed) {
  std::string missing;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const FeatureName table[] = {
      {LMECH_FEATURE_AVX, "avx", __builtin_cpu_supports("avx") != 0},
      {LMECH_FEATURE_AVX2, "avx2", __builtin_cpu_supports("avx2") != 0},
      {LMECH_FEATURE_FMA, "fma", __builtin_cpu_supports("fma") != 0},
      {LMECH_FEATURE_AVX512F, "avx512f", __builtin_cpu_supports("avx512f") != 0},
      {LMECH_FEATURE_AVX512VL, "avx512vl", __builtin_cpu_supports("avx512vl") != 0},
      {LMECH_FEATURE_AVX512BW, "avx512bw", __builtin_cpu_supports("avx512bw") != 0},
      {LMECH_FEATURE_AVX512DQ, "avx512dq", __builtin_cpu_supports("avx512dq") != 0},
      {LMECH_FEATURE_BMI2, "bmi2", __builtin_cpu_supports("bmi2") != 0},
      {LMECH_FEATURE_F16C, "f16c", __builtin_cpu_supports("f16c") != 0},
  };
  for (const FeatureName& f : table)
    if ((needed & f.bit) && !f.present) missing += std::string(missing.empty() ? "" : ",") + f.name;
#else
  (void)needed;
#endif
  return missing;
}

std::string featureList(int bits) {
  static const char* names[] = {"avx", "avx2", "fma", "avx512f", "avx512vl", "avx512bw", "avx512dq", "bmi2", "f16c"};
  std::string s;
  for (int i = 0; i < 9; ++i)
    if (bits & (1 << i)) s += std::string(s.empty() ? "" : ",") + names[i];
  return s;
}

// Why the kernels cannot run here ("" when they can); computed once per process (thread-safe static).
const std::string& unusableReason() {
  static const std::string reason = [] {
    // lmech_gemm_features() only returns a constant, safe to call before the check.
    const std::string missing = missingFeatures(lmech_gemm_features());
    return missing.empty() ? std::string()
                           : "this CPU lacks " + missing + ", which the kernels were compiled for (rebuild: node scripts/build-native.mjs)";
  }();
  return reason;
}

napi_value throwError(napi_env env, const char* kind, const std::string& msg) {
  if (std::strcmp(kind, "range") == 0)
    napi_throw_range_error(env, nullptr, msg.c_str());
  else
    napi_throw_type_error(env, nullptr, msg.c_str());
  return nullptr;
}

bool getBool(napi_env env, napi_value v, const char* field, bool* out) {
  if (napi_get_value_bool(env, v, out) != napi_ok) {
    throwError(env, "type", std::string("gemm: ") + field + " must be a boolean");
    return false;
  }
  return true;
}

bool getDim(napi_env env, napi_value v, const char* field, int64_t* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    throwError(env, "type", std::string("gemm: ") + field + " must be a number");
    return false;
  }
  if (!(d >= 0) || d != static_cast<double>(static_cast<int64_t>(d)) || d > 9.0e15) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "gemm: %s = %g, expected a non-negative integer", field, d);
    throwError(env, "range", buf);
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

struct Arr {
  napi_typedarray_type type;
  size_t length;
  void* data;
};

bool getArray(napi_env env, napi_value v, const char* field, Arr* out) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) {
    throwError(env, "type", std::string("gemm: ") + field + " must be a Float64Array or Float32Array");
    return false;
  }
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &out->type, &out->length, &out->data, &ab, &offset) != napi_ok) {
    throwError(env, "type", std::string("gemm: cannot read ") + field);
    return false;
  }
  if (out->type != napi_float64_array && out->type != napi_float32_array) {
    throwError(env, "type", std::string("gemm: ") + field + " must be a Float64Array or Float32Array");
    return false;
  }
  return true;
}

bool overlaps(const Arr& x, const Arr& y, size_t es) {
  const char* x0 = static_cast<const char*>(x.data);
  const char* y0 = static_cast<const char*>(y.data);
  return x0 < y0 + y.length * es && y0 < x0 + x.length * es;
}

napi_value Gemm(napi_env env, napi_callback_info info) {
  if (!unusableReason().empty()) return throwError(env, "type", "native gemm unusable: " + unusableReason());
  size_t argc = 10;
  napi_value argv[10];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  if (argc < 9) return throwError(env, "type", "gemm: expected (transA, transB, m, n, k, a, b, c, accumulate[, threads])");
  bool tA, tB, acc;
  int64_t m, n, k, threads = 1;
  Arr a, b, c;
  if (!getBool(env, argv[0], "transA", &tA) || !getBool(env, argv[1], "transB", &tB) || !getDim(env, argv[2], "m", &m) ||
      !getDim(env, argv[3], "n", &n) || !getDim(env, argv[4], "k", &k) || !getArray(env, argv[5], "a", &a) ||
      !getArray(env, argv[6], "b", &b) || !getArray(env, argv[7], "c", &c) || !getBool(env, argv[8], "accumulate", &acc))
    return nullptr;
  if (argc >= 10 && !getDim(env, argv[9], "threads", &threads)) return nullptr;
  if (a.type != c.type || b.type != c.type) return throwError(env, "type", "gemm: a, b and c must all be Float64Array or all Float32Array");
  const char* need[3] = {"a", "b", "c"};
  const double sizes[3] = {static_cast<double>(m) * k, static_cast<double>(k) * n, static_cast<double>(m) * n};
  const Arr* arrs[3] = {&a, &b, &c};
  for (int i = 0; i < 3; ++i)
    if (static_cast<double>(arrs[i]->length) < sizes[i]) {
      char buf[200];
      std::snprintf(buf, sizeof buf, "gemm: %s has length %zu, expected at least %.0f for m=%lld n=%lld k=%lld", need[i],
                    arrs[i]->length, sizes[i], static_cast<long long>(m), static_cast<long long>(n), static_cast<long long>(k));
      return throwError(env, "range", buf);
    }
  const size_t es = c.type == napi_float64_array ? 8 : 4;
  Arr cUsed = c;
  cUsed.length = static_cast<size_t>(m * n);
  Arr aUsed = a, bUsed = b;
  aUsed.length = static_cast<size_t>(m * k);
  bUsed.length = static_cast<size_t>(k * n);
  if (m * n > 0 && (overlaps(cUsed, aUsed, es) || overlaps(cUsed, bUsed, es)))
    return throwError(env, "range", "gemm: c shares memory with a or b, expected a separate output array");
  const int th = static_cast<int>(threads > 64 ? 64 : threads);
  if (es == 8)
    lmech_gemm_f64(tA, tB, m, n, k, static_cast<const double*>(a.data), static_cast<const double*>(b.data),
                   static_cast<double*>(c.data), acc, th);
  else
    lmech_gemm_f32(tA, tB, m, n, k, static_cast<const float*>(a.data), static_cast<const float*>(b.data),
                   static_cast<float*>(c.data), acc, th);
  return nullptr;
}

// gemmView(m, n, k, a, aoff, ars, acs, b, boff, brs, bcs, c, coff, ldc, accumulate[, threads]), all arrays Float64Array:
// c[coff + i·ldc + j] (+)= Σ_p a[aoff + i·ars + p·acs]·b[boff + p·brs + j·bcs] (gemm.cc lmech_gemm_view_f64).
// Every index the product touches must lie inside its array, and c's rows must not overlap a or b.
napi_value GemmView(napi_env env, napi_callback_info info) {
  if (!unusableReason().empty()) return throwError(env, "type", "native gemmView unusable: " + unusableReason());
  size_t argc = 16;
  napi_value argv[16];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  if (argc < 15) return throwError(env, "type", "gemmView: expected (m, n, k, a, aoff, ars, acs, b, boff, brs, bcs, c, coff, ldc, accumulate[, threads])");
  int64_t d[3], ao[3], bo[3], co[2], threads = 1;
  Arr a, b, c;
  bool acc;
  const char* names[] = {"m", "n", "k", "aoff", "ars", "acs", "boff", "brs", "bcs", "coff", "ldc"};
  if (!getDim(env, argv[0], names[0], &d[0]) || !getDim(env, argv[1], names[1], &d[1]) || !getDim(env, argv[2], names[2], &d[2]) ||
      !getArray(env, argv[3], "a", &a) || !getDim(env, argv[4], names[3], &ao[0]) || !getDim(env, argv[5], names[4], &ao[1]) ||
      !getDim(env, argv[6], names[5], &ao[2]) || !getArray(env, argv[7], "b", &b) || !getDim(env, argv[8], names[6], &bo[0]) ||
      !getDim(env, argv[9], names[7], &bo[1]) || !getDim(env, argv[10], names[8], &bo[2]) || !getArray(env, argv[11], "c", &c) ||
      !getDim(env, argv[12], names[9], &co[0]) || !getDim(env, argv[13], names[10], &co[1]) || !getBool(env, argv[14], "accumulate", &acc))
    return nullptr;
  if (argc >= 16 && !getDim(env, argv[15], "threads", &threads)) return nullptr;
  if (a.type != napi_float64_array || b.type != napi_float64_array || c.type != napi_float64_array)
    return throwError(env, "type", "gemmView: a, b and c must be Float64Array");
  const int64_t m = d[0], n = d[1], k = d[2];
  if (m == 0 || n == 0) return nullptr;
  // one past the last index each operand touches (0 when it touches none)
  const double aEnd = k == 0 ? 0 : static_cast<double>(ao[0]) + (m - 1) * static_cast<double>(ao[1]) + (k - 1) * static_cast<double>(ao[2]) + 1;
  const double bEnd = k == 0 ? 0 : static_cast<double>(bo[0]) + (k - 1) * static_cast<double>(bo[1]) + (n - 1) * static_cast<double>(bo[2]) + 1;
  const double cEnd = static_cast<double>(co[0]) + (m - 1) * static_cast<double>(co[1]) + n;
  if (aEnd > a.length || bEnd > b.length || cEnd > c.length || (m > 1 && co[1] < n)) {
    char buf[260];
    std::snprintf(buf, sizeof buf, "gemmView: lengths a=%zu b=%zu c=%zu, expected at least %.0f, %.0f and %.0f for m=%lld n=%lld k=%lld (and ldc=%lld ≥ n)",
                  a.length, b.length, c.length, aEnd, bEnd, cEnd, static_cast<long long>(m), static_cast<long long>(n), static_cast<long long>(k),
                  static_cast<long long>(co[1]));
    return throwError(env, "range", buf);
  }
  // c's span against a's and b's (conservative: bounding ranges)
  Arr cs = c, as = a, bs = b;
  cs.data = static_cast<double*>(c.data) + co[0], cs.length = static_cast<size_t>(cEnd) - co[0];
  as.data = static_cast<double*>(a.data) + ao[0], as.length = k == 0 ? 0 : static_cast<size_t>(aEnd) - ao[0];
  bs.data = static_cast<double*>(b.data) + bo[0], bs.length = k == 0 ? 0 : static_cast<size_t>(bEnd) - bo[0];
  if (overlaps(cs, as, 8) || overlaps(cs, bs, 8)) return throwError(env, "range", "gemmView: c shares memory with a or b, expected a separate output");
  lmech_gemm_view_f64(m, n, k, static_cast<const double*>(a.data) + ao[0], ao[1], ao[2], static_cast<const double*>(b.data) + bo[0], bo[1], bo[2],
                      static_cast<double*>(c.data) + co[0], co[1], acc, static_cast<int>(threads > 64 ? 64 : threads));
  return nullptr;
}

// tanh(x, y): y[i] = tanh(x[i]) for every element of x; x and y both Float64Array or both Float32Array,
// y at least as long as x (y may be x itself).
napi_value Tanh(napi_env env, napi_callback_info info) {
  if (!unusableReason().empty()) return throwError(env, "type", "native tanh unusable: " + unusableReason());
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  if (argc < 2) return throwError(env, "type", "tanh: expected (x, y)");
  Arr x, y;
  if (!getArray(env, argv[0], "x", &x) || !getArray(env, argv[1], "y", &y)) return nullptr;
  if (x.type != y.type) return throwError(env, "type", "tanh: x and y must both be Float64Array or both Float32Array");
  if (y.length < x.length) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "tanh: y has length %zu, expected at least %zu (the length of x)", y.length, x.length);
    return throwError(env, "range", buf);
  }
  if (x.type == napi_float64_array)
    lmech_tanh_f64(static_cast<const double*>(x.data), static_cast<double*>(y.data), static_cast<int64_t>(x.length));
  else
    lmech_tanh_f32(static_cast<const float*>(x.data), static_cast<float*>(y.data), static_cast<int64_t>(x.length));
  return nullptr;
}

// gelu(x, y, d1): y[i] = x[i]·Φ(x[i]) and, unless d1 is null, d1[i] = Φ(x[i]) + x[i]·φ(x[i]) (elementwise.cc);
// x, y (and d1) all Float64Array or all Float32Array, y and d1 at least as long as x and not overlapping it.
napi_value Gelu(napi_env env, napi_callback_info info) {
  if (!unusableReason().empty()) return throwError(env, "type", "native gelu unusable: " + unusableReason());
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  if (argc < 3) return throwError(env, "type", "gelu: expected (x, y, d1 or null)");
  napi_valuetype t3;
  napi_typeof(env, argv[2], &t3);
  const bool hasD1 = t3 != napi_null && t3 != napi_undefined;
  Arr x, y, d;
  if (!getArray(env, argv[0], "x", &x) || !getArray(env, argv[1], "y", &y) || (hasD1 && !getArray(env, argv[2], "d1", &d))) return nullptr;
  if (x.type != y.type || (hasD1 && d.type != x.type)) return throwError(env, "type", "gelu: x, y and d1 must all be Float64Array or all Float32Array");
  const size_t es = x.type == napi_float64_array ? 8 : 4;
  if (y.length < x.length || (hasD1 && d.length < x.length)) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "gelu: y has length %zu and d1 %zu, expected at least %zu (the length of x)", y.length, hasD1 ? d.length : x.length, x.length);
    return throwError(env, "range", buf);
  }
  if (overlaps(x, y, es) || (hasD1 && (overlaps(x, d, es) || overlaps(y, d, es))))
    return throwError(env, "range", "gelu: x, y and d1 must not overlap");
  const int64_t n = static_cast<int64_t>(x.length);
  if (es == 8)
    lmech_gelu_f64(static_cast<const double*>(x.data), static_cast<double*>(y.data), hasD1 ? static_cast<double*>(d.data) : nullptr, n);
  else
    lmech_gelu_f32(static_cast<const float*>(x.data), static_cast<float*>(y.data), hasD1 ? static_cast<float*>(d.data) : nullptr, n);
  return nullptr;
}

// causalSoftmax(s, p, T): row r of the T-wide rows of s, softmax over its first r mod T + 1 entries, into p (the
// rest of the row 0) (elementwise.cc); s and p both Float64Array or both Float32Array, of one length, a multiple
// of T, not overlapping.
napi_value CausalSoftmax(napi_env env, napi_callback_info info) {
  if (!unusableReason().empty()) return throwError(env, "type", "native causalSoftmax unusable: " + unusableReason());
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  if (argc < 3) return throwError(env, "type", "causalSoftmax: expected (s, p, T)");
  Arr s, p;
  if (!getArray(env, argv[0], "s", &s) || !getArray(env, argv[1], "p", &p)) return nullptr;
  double width = 0;
  if (napi_get_value_double(env, argv[2], &width) != napi_ok) return throwError(env, "type", "causalSoftmax: T must be a number");
  if (s.type != p.type) return throwError(env, "type", "causalSoftmax: s and p must both be Float64Array or both Float32Array");
  const size_t es = s.type == napi_float64_array ? 8 : 4;
  const int64_t n = static_cast<int64_t>(width);
  if (!(width >= 1) || static_cast<double>(n) != width || s.length % static_cast<size_t>(n) != 0 || p.length != s.length) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "causalSoftmax: T = %g with s of length %zu and p of %zu, expected a positive integer T dividing the length of both", width, s.length, p.length);
    return throwError(env, "range", buf);
  }
  if (overlaps(s, p, es)) return throwError(env, "range", "causalSoftmax: s and p must not overlap");
  std::vector<double> scratch(2 * static_cast<size_t>(n));
  const int64_t rows = static_cast<int64_t>(s.length) / n;
  if (es == 8)
    lmech_causal_softmax_f64(static_cast<const double*>(s.data), static_cast<double*>(p.data), rows, n, scratch.data());
  else
    lmech_causal_softmax_f32(static_cast<const float*>(s.data), static_cast<float*>(p.data), rows, n, scratch.data());
  return nullptr;
}

// causalSoftmaxBackward(p, g, gs, T): per T-wide row r, gs_j += p_j (g_j − Σ_i p_i g_i) over its first r mod T + 1
// entries (elementwise.cc); p, g, gs all Float64Array or all Float32Array, of one length, a multiple of T; gs must
// not overlap p or g.
napi_value CausalSoftmaxBackward(napi_env env, napi_callback_info info) {
  if (!unusableReason().empty()) return throwError(env, "type", "native causalSoftmaxBackward unusable: " + unusableReason());
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  if (argc < 4) return throwError(env, "type", "causalSoftmaxBackward: expected (p, g, gs, T)");
  Arr p, g, gs;
  if (!getArray(env, argv[0], "p", &p) || !getArray(env, argv[1], "g", &g) || !getArray(env, argv[2], "gs", &gs)) return nullptr;
  double width = 0;
  if (napi_get_value_double(env, argv[3], &width) != napi_ok) return throwError(env, "type", "causalSoftmaxBackward: T must be a number");
  if (p.type != g.type || gs.type != p.type) return throwError(env, "type", "causalSoftmaxBackward: p, g and gs must all be Float64Array or all Float32Array");
  const size_t es = p.type == napi_float64_array ? 8 : 4;
  const int64_t n = static_cast<int64_t>(width);
  if (!(width >= 1) || static_cast<double>(n) != width || p.length % static_cast<size_t>(n) != 0 || g.length != p.length || gs.length != p.length) {
    char buf[220];
    std::snprintf(buf, sizeof buf, "causalSoftmaxBackward: T = %g with p, g, gs of lengths %zu, %zu, %zu, expected one length divisible by a positive integer T", width, p.length, g.length, gs.length);
    return throwError(env, "range", buf);
  }
  if (overlaps(gs, p, es) || overlaps(gs, g, es)) return throwError(env, "range", "causalSoftmaxBackward: gs must not overlap p or g");
  const int64_t rows = static_cast<int64_t>(p.length) / n;
  if (es == 8)
    lmech_causal_softmax_backward_f64(static_cast<const double*>(p.data), static_cast<const double*>(g.data), static_cast<double*>(gs.data), rows, n);
  else
    lmech_causal_softmax_backward_f32(static_cast<const float*>(p.data), static_cast<const float*>(g.data), static_cast<float*>(gs.data), rows, n);
  return nullptr;
}

// symvLower(a, n, s, v, y[, threads]): y[s..n) = A[s.., s..] v[s..) from the lower triangle of the row-major n×n a
// (Float64Array); v and y of length ≥ n; threads (default 1) > 1 splits the rows over the products' pool (linalg.cc).
napi_value SymvLower(napi_env env, napi_callback_info info) {
  if (!unusableReason().empty()) return throwError(env, "type", "native symvLower unusable: " + unusableReason());
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  if (argc < 5) return throwError(env, "type", "symvLower: expected (a, n, s, v, y[, threads])");
  Arr a, v, y;
  int64_t n, s, threads = 1;
  if (!getArray(env, argv[0], "a", &a) || !getDim(env, argv[1], "n", &n) || !getDim(env, argv[2], "s", &s) ||
      !getArray(env, argv[3], "v", &v) || !getArray(env, argv[4], "y", &y))
    return nullptr;
  if (argc >= 6 && !getDim(env, argv[5], "threads", &threads)) return nullptr;
  if (a.type != napi_float64_array || v.type != napi_float64_array || y.type != napi_float64_array)
    return throwError(env, "type", "symvLower: a, v and y must be Float64Array");
  if (static_cast<double>(a.length) < static_cast<double>(n) * n || static_cast<int64_t>(v.length) < n ||
      static_cast<int64_t>(y.length) < n || s > n) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "symvLower: lengths a=%zu v=%zu y=%zu, s=%lld, expected a ≥ n², v, y ≥ n and s ≤ n for n=%lld", a.length,
                  v.length, y.length, static_cast<long long>(s), static_cast<long long>(n));
    return throwError(env, "range", buf);
  }
  if (n > 0 && (overlaps(y, a, 8) || overlaps(y, v, 8))) return throwError(env, "range", "symvLower: y shares memory with a or v, expected a separate output array");
  lmech_symv_lower_f64(static_cast<const double*>(a.data), n, s, static_cast<const double*>(v.data), static_cast<double*>(y.data),
                       static_cast<int>(threads > 64 ? 64 : threads));
  return nullptr;
}

// syr2kLower(w, n, r0, k, x, y[, threads]): the trailing update of the blocked tridiagonalization (linalg.cc),
// w[(r0 + i)·n + r0 + j] += Σ_{p<k} x[i·k + p]·y[j·k + p] for j ≤ i < n − r0; all Float64Array, w separate from x and y.
napi_value Syr2kLower(napi_env env, napi_callback_info info) {
  if (!unusableReason().empty()) return throwError(env, "type", "native syr2kLower unusable: " + unusableReason());
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  if (argc < 6) return throwError(env, "type", "syr2kLower: expected (w, n, r0, k, x, y[, threads])");
  Arr w, x, y;
  int64_t n, r0, k, threads = 1;
  if (!getArray(env, argv[0], "w", &w) || !getDim(env, argv[1], "n", &n) || !getDim(env, argv[2], "r0", &r0) ||
      !getDim(env, argv[3], "k", &k) || !getArray(env, argv[4], "x", &x) || !getArray(env, argv[5], "y", &y))
    return nullptr;
  if (argc >= 7 && !getDim(env, argv[6], "threads", &threads)) return nullptr;
  if (w.type != napi_float64_array || x.type != napi_float64_array || y.type != napi_float64_array)
    return throwError(env, "type", "syr2kLower: w, x and y must be Float64Array");
  const double m = r0 <= n ? static_cast<double>(n - r0) : 0;
  if (r0 > n || static_cast<double>(w.length) < static_cast<double>(n) * n || static_cast<double>(x.length) < m * k ||
      static_cast<double>(y.length) < m * k) {
    char buf[220];
    std::snprintf(buf, sizeof buf, "syr2kLower: lengths w=%zu x=%zu y=%zu with n=%lld r0=%lld k=%lld, expected w ≥ n², x, y ≥ (n − r0)·k and r0 ≤ n",
                  w.length, x.length, y.length, static_cast<long long>(n), static_cast<long long>(r0), static_cast<long long>(k));
    return throwError(env, "range", buf);
  }
  if (m * k > 0 && (overlaps(w, x, 8) || overlaps(w, y, 8))) return throwError(env, "range", "syr2kLower: w shares memory with x or y, expected separate arrays");
  lmech_syr2k_lower_f64(static_cast<double*>(w.data), n, r0, k, static_cast<const double*>(x.data), static_cast<const double*>(y.data),
                        static_cast<int>(threads > 64 ? 64 : threads));
  return nullptr;
}

// The arguments shared by panelSubtract and panelDots: (x, xo, lo, n, vt, wt, j, c1, c2), all arrays Float64Array;
// the kernel reads x[xo + i] for i in [lo, n), rows t < j of vt and wt (stride n), c1[t] and c2[t].
struct PanelArgs {
  Arr x, vt, wt, c1, c2;
  int64_t xo, lo, n, j;
};

bool getPanelArgs(napi_env env, napi_callback_info info, const char* fn, const char* names, PanelArgs* p) {
  size_t argc = 9;
  napi_value argv[9];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return false;
  if (argc < 9) {
    throwError(env, "type", std::string(fn) + ": expected " + names);
    return false;
  }
  if (!getArray(env, argv[0], "x", &p->x) || !getDim(env, argv[1], "xo", &p->xo) || !getDim(env, argv[2], "lo", &p->lo) ||
      !getDim(env, argv[3], "n", &p->n) || !getArray(env, argv[4], "vt", &p->vt) || !getArray(env, argv[5], "wt", &p->wt) ||
      !getDim(env, argv[6], "j", &p->j) || !getArray(env, argv[7], "c1", &p->c1) || !getArray(env, argv[8], "c2", &p->c2))
    return false;
  const Arr* arrs[5] = {&p->x, &p->vt, &p->wt, &p->c1, &p->c2};
  for (const Arr* q : arrs)
    if (q->type != napi_float64_array) {
      throwError(env, "type", std::string(fn) + ": every array must be a Float64Array");
      return false;
    }
  const double need[5] = {static_cast<double>(p->xo) + p->n, static_cast<double>(p->j) * p->n, static_cast<double>(p->j) * p->n,
                          static_cast<double>(p->j), static_cast<double>(p->j)};
  if (p->lo > p->n || static_cast<double>(p->x.length) < need[0] || static_cast<double>(p->vt.length) < need[1] ||
      static_cast<double>(p->wt.length) < need[2] || static_cast<double>(p->c1.length) < need[3] || static_cast<double>(p->c2.length) < need[4]) {
    char buf[260];
    std::snprintf(buf, sizeof buf, "%s: lengths x=%zu vt=%zu wt=%zu c=%zu,%zu with xo=%lld lo=%lld n=%lld j=%lld, expected x ≥ xo + n, vt, wt ≥ j·n, c ≥ j and lo ≤ n",
                  fn, p->x.length, p->vt.length, p->wt.length, p->c1.length, p->c2.length, static_cast<long long>(p->xo),
                  static_cast<long long>(p->lo), static_cast<long long>(p->n), static_cast<long long>(p->j));
    throwError(env, "range", buf);
    return false;
  }
  // from here on each array describes only the part the kernel touches (for the overlap checks): x[xo + lo, xo + n),
  // the first j rows of vt and wt, the first j entries of c1 and c2
  p->x.data = static_cast<double*>(p->x.data) + p->xo + p->lo;
  p->x.length = static_cast<size_t>(p->n - p->lo);
  p->vt.length = p->wt.length = static_cast<size_t>(p->j * p->n);
  p->c1.length = p->c2.length = static_cast<size_t>(p->j);
  return true;
}

// panelSubtract(x, xo, lo, n, vt, wt, j, cv, cw): x[xo + i] −= Σ_{t<j} (cv[t]·vt[t·n + i] + cw[t]·wt[t·n + i]) for
// i in [lo, n); x must not overlap vt, wt, cv or cw.
napi_value PanelSubtract(napi_env env, napi_callback_info info) {
  if (!unusableReason().empty()) return throwError(env, "type", "native panelSubtract unusable: " + unusableReason());
  PanelArgs p;
  if (!getPanelArgs(env, info, "panelSubtract", "(x, xo, lo, n, vt, wt, j, cv, cw)", &p)) return nullptr;
  if (p.x.length > 0 && p.j > 0 && (overlaps(p.x, p.vt, 8) || overlaps(p.x, p.wt, 8) || overlaps(p.x, p.c1, 8) || overlaps(p.x, p.c2, 8)))
    return throwError(env, "range", "panelSubtract: x[xo + lo .. xo + n) shares memory with the rows of vt, wt or with cv, cw, expected separate ranges");
  double* x = static_cast<double*>(p.x.data) - p.lo;  // indexed from lo
  lmech_panel_subtract_f64(x, p.lo, p.n, static_cast<const double*>(p.vt.data), static_cast<const double*>(p.wt.data), p.j,
                           static_cast<const double*>(p.c1.data), static_cast<const double*>(p.c2.data));
  return nullptr;
}

// panelDots(v, vo, lo, n, vt, wt, j, sa, sb): sa[t] = Σ_{i∈[lo,n)} wt[t·n + i]·v[vo + i], sb[t] the same with vt,
// for t < j; sa and sb must not overlap v, vt or wt.
napi_value PanelDots(napi_env env, napi_callback_info info) {
  if (!unusableReason().empty()) return throwError(env, "type", "native panelDots unusable: " + unusableReason());
  PanelArgs p;
  if (!getPanelArgs(env, info, "panelDots", "(v, vo, lo, n, vt, wt, j, sa, sb)", &p)) return nullptr;
  const Arr& sa = p.c1;
  const Arr& sb = p.c2;
  if (p.j > 0 && ((p.x.length > 0 && (overlaps(sa, p.x, 8) || overlaps(sb, p.x, 8))) || overlaps(sa, p.vt, 8) || overlaps(sa, p.wt, 8) ||
                  overlaps(sb, p.vt, 8) || overlaps(sb, p.wt, 8) || overlaps(sa, sb, 8)))
    return throwError(env, "range", "panelDots: sa and sb must be separate from each other and from v, vt and wt");
  const double* v = static_cast<const double*>(p.x.data) - p.lo;  // indexed from lo
  lmech_panel_dots_f64(v, p.lo, p.n, static_cast<const double*>(p.vt.data), static_cast<const double*>(p.wt.data), p.j,
                       static_cast<double*>(sa.data), static_cast<double*>(sb.data));
  return nullptr;
}

bool getInt32Array(napi_env env, napi_value v, const char* fn, const char* field, Arr* out) {
  bool is = false;
  napi_value ab;
  size_t offset;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &out->type, &out->length, &out->data, &ab, &offset) != napi_ok || out->type != napi_int32_array) {
    throwError(env, "type", std::string(fn) + ": " + field + " must be an Int32Array");
    return false;
  }
  return true;
}

// Reads Float64Array arguments argv[first..] named by `fields` into out[], each of length ≥ minLen.
bool getF64Args(napi_env env, const napi_value* argv, int first, const char* fn, std::initializer_list<const char*> fields, size_t minLen, Arr* out) {
  int q = 0;
  for (const char* f : fields) {
    if (!getArray(env, argv[first + q], f, &out[q])) return false;
    if (out[q].type != napi_float64_array) {
      throwError(env, "type", std::string(fn) + ": " + f + " must be a Float64Array");
      return false;
    }
    if (out[q].length < minLen) {
      char buf[200];
      std::snprintf(buf, sizeof buf, "%s: %s has length %zu, expected at least %zu", fn, f, out[q].length, minLen);
      throwError(env, "range", buf);
      return false;
    }
    ++q;
  }
  return true;
}

// secular(dl, zl, rho, org, tau, zh, pole, inv[, threads]): the secular roots, ẑ, poles and inverse norms of one
// divide-and-conquer merge (secular.cc), k = dl.length; org is an Int32Array, the rest Float64Array of length ≥ k;
// the outputs (org, tau, zh, pole, inv) must not overlap the inputs or each other.
napi_value Secular(napi_env env, napi_callback_info info) {
  if (!unusableReason().empty()) return throwError(env, "type", "native secular unusable: " + unusableReason());
  size_t argc = 9;
  napi_value argv[9];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  if (argc < 8) return throwError(env, "type", "secular: expected (dl, zl, rho, org, tau, zh, pole, inv[, threads])");
  Arr in[2], out[4], org;
  if (!getF64Args(env, argv, 0, "secular", {"dl"}, 0, in)) return nullptr;
  const size_t k = in[0].length;
  double rho;
  if (!getF64Args(env, argv, 1, "secular", {"zl"}, k, in + 1)) return nullptr;
  if (napi_get_value_double(env, argv[2], &rho) != napi_ok || !(rho > 0) || !std::isfinite(rho))
    return throwError(env, "range", "secular: rho must be a finite positive number");
  if (!getInt32Array(env, argv[3], "secular", "org", &org)) return nullptr;
  if (org.length < k) return throwError(env, "range", "secular: org is shorter than dl");
  if (!getF64Args(env, argv, 4, "secular", {"tau", "zh", "pole", "inv"}, k, out)) return nullptr;
  int64_t threads = 1;
  if (argc >= 9 && !getDim(env, argv[8], "threads", &threads)) return nullptr;
  // byte ranges of the k entries each function reads or writes: the outputs (org and after) overlap nothing
  const Arr all[7] = {in[0], in[1], org, out[0], out[1], out[2], out[3]};
  for (int x = 2; x < 7; ++x)
    for (int y = 0; y < x; ++y) {
      const char* x0 = static_cast<const char*>(all[x].data);
      const char* y0 = static_cast<const char*>(all[y].data);
      const size_t xb = k * (x == 2 ? 4 : 8), yb = k * (y == 2 ? 4 : 8);
      if (k > 0 && x0 < y0 + yb && y0 < x0 + xb) return throwError(env, "range", "secular: the arrays must not share memory");
    }
  lmech_secular_f64(static_cast<const double*>(in[0].data), static_cast<const double*>(in[1].data), static_cast<int64_t>(k), rho,
                    static_cast<int32_t*>(org.data), static_cast<double*>(out[0].data), static_cast<double*>(out[1].data),
                    static_cast<double*>(out[2].data), static_cast<double*>(out[3].data), static_cast<int>(threads > 64 ? 64 : threads));
  return nullptr;
}

// secularColumns(sel, ns, dl, zh, pole, tau, inv, out[, threads]): out[r·k + i] = (zh[j] / (dl[j] − pole[i] − tau[i]))·inv[i]
// with j = sel[r], for r < ns and i < k = dl.length (secular.cc); every sel[r] must lie in [0, k).
napi_value SecularColumns(napi_env env, napi_callback_info info) {
  if (!unusableReason().empty()) return throwError(env, "type", "native secularColumns unusable: " + unusableReason());
  size_t argc = 9;
  napi_value argv[9];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return nullptr;
  if (argc < 8) return throwError(env, "type", "secularColumns: expected (sel, ns, dl, zh, pole, tau, inv, out[, threads])");
  Arr sel, v[5], out;
  int64_t ns, threads = 1;
  if (!getInt32Array(env, argv[0], "secularColumns", "sel", &sel) || !getDim(env, argv[1], "ns", &ns)) return nullptr;
  if (!getF64Args(env, argv, 2, "secularColumns", {"dl"}, 0, v)) return nullptr;
  const size_t k = v[0].length;
  if (!getF64Args(env, argv, 3, "secularColumns", {"zh", "pole", "tau", "inv"}, k, v + 1)) return nullptr;
  if (!getF64Args(env, argv, 7, "secularColumns", {"out"}, static_cast<size_t>(ns) * k, &out)) return nullptr;
  if (argc >= 9 && !getDim(env, argv[8], "threads", &threads)) return nullptr;
  if (static_cast<int64_t>(sel.length) < ns) return throwError(env, "range", "secularColumns: sel is shorter than ns");
  const int32_t* s = static_cast<const int32_t*>(sel.data);
  for (int64_t r = 0; r < ns; ++r) {
    if (s[r] < 0 || static_cast<size_t>(s[r]) >= k) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "secularColumns: sel[%lld] = %d, expected an index in [0, %zu)", static_cast<long long>(r), s[r], k);
      return throwError(env, "range", buf);
    }
  }
  out.length = static_cast<size_t>(ns) * k;
  for (auto& a : v) a.length = k;
  if (out.length > 0) {
    for (auto& a : v)
      if (overlaps(out, a, 8)) return throwError(env, "range", "secularColumns: out shares memory with an input");
  }
  lmech_secular_columns_f64(s, ns, static_cast<int64_t>(k), static_cast<const double*>(v[0].data), static_cast<const double*>(v[1].data),
                            static_cast<const double*>(v[2].data), static_cast<const double*>(v[3].data), static_cast<const double*>(v[4].data),
                            static_cast<double*>(out.data), static_cast<int>(threads > 64 ? 64 : threads));
  return nullptr;
}

void setProp(napi_env env, napi_value obj, const char* key, napi_value v) { napi_set_named_property(env, obj, key, v); }

napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, v;
  napi_create_object(env, &obj);
  const bool usable = unusableReason().empty();
  napi_get_boolean(env, usable, &v);
  setProp(env, obj, "usable", v);
  napi_create_string_utf8(env, unusableReason().c_str(), NAPI_AUTO_LENGTH, &v);
  setProp(env, obj, "reason", v);
  const int features = lmech_gemm_features();
  napi_create_string_utf8(env, featureList(features).c_str(), NAPI_AUTO_LENGTH, &v);
  setProp(env, obj, "features", v);
  napi_create_string_utf8(env, usable ? lmech_gemm_describe() : "", NAPI_AUTO_LENGTH, &v);
  setProp(env, obj, "kernel", v);
  napi_create_string_utf8(env, usable ? lmech_tanh_describe() : "", NAPI_AUTO_LENGTH, &v);
  setProp(env, obj, "tanh", v);
  napi_create_uint32(env, std::thread::hardware_concurrency(), &v);
  setProp(env, obj, "hardwareThreads", v);
  return obj;
}

}  // namespace

NAPI_MODULE_INIT() {
  unusableReason();
  napi_value fn;
  napi_create_function(env, "gemm", NAPI_AUTO_LENGTH, Gemm, nullptr, &fn);
  napi_set_named_property(env, exports, "gemm", fn);
  napi_create_function(env, "gemmView", NAPI_AUTO_LENGTH, GemmView, nullptr, &fn);
  napi_set_named_property(env, exports, "gemmView", fn);
  napi_create_function(env, "tanh", NAPI_AUTO_LENGTH, Tanh, nullptr, &fn);
  napi_set_named_property(env, exports, "tanh", fn);
  napi_create_function(env, "gelu", NAPI_AUTO_LENGTH, Gelu, nullptr, &fn);
  napi_set_named_property(env, exports, "gelu", fn);
  napi_create_function(env, "causalSoftmax", NAPI_AUTO_LENGTH, CausalSoftmax, nullptr, &fn);
  napi_set_named_property(env, exports, "causalSoftmax", fn);
  napi_create_function(env, "causalSoftmaxBackward", NAPI_AUTO_LENGTH, CausalSoftmaxBackward, nullptr, &fn);
  napi_set_named_property(env, exports, "causalSoftmaxBackward", fn);
  napi_create_function(env, "symvLower", NAPI_AUTO_LENGTH, SymvLower, nullptr, &fn);
  napi_set_named_property(env, exports, "symvLower", fn);
  napi_create_function(env, "panelSubtract", NAPI_AUTO_LENGTH, PanelSubtract, nullptr, &fn);
  napi_set_named_property(env, exports, "panelSubtract", fn);
  napi_create_function(env, "panelDots", NAPI_AUTO_LENGTH, PanelDots, nullptr, &fn);
  napi_set_named_property(env, exports, "panelDots", fn);
  napi_create_function(env, "syr2kLower", NAPI_AUTO_LENGTH, Syr2kLower, nullptr, &fn);
  napi_set_named_property(env, exports, "syr2kLower", fn);
  napi_create_function(env, "secular", NAPI_AUTO_LENGTH, Secular, nullptr, &fn);
  napi_set_named_property(env, exports, "secular", fn);
  napi_create_function(env, "secularColumns", NAPI_AUTO_LENGTH, SecularColumns, nullptr, &fn);
  napi_set_named_property(env, exports, "secularColumns", fn);
  napi_create_function(env, "info", NAPI_AUTO_LENGTH, Info, nullptr, &fn);
  napi_set_named_property(env, exports, "info", fn);
  return exports;
}

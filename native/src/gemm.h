// Native matrix products for Learning Mechanics Lab (see gemm.cc). This header is shared by the
// kernel object (compiled for the host CPU) and the Node-API glue (compiled for the baseline CPU).
#pragma once
#include <cstdint>

extern "C" {

// Bits of the instruction-set features the kernel object was compiled to use (LMECH_FEATURE_*).
// The glue checks every bit against the running CPU before calling anything else in the object.
enum {
  LMECH_FEATURE_AVX = 1 << 0,
  LMECH_FEATURE_AVX2 = 1 << 1,
  LMECH_FEATURE_FMA = 1 << 2,
  LMECH_FEATURE_AVX512F = 1 << 3,
  LMECH_FEATURE_AVX512VL = 1 << 4,
  LMECH_FEATURE_AVX512BW = 1 << 5,
  LMECH_FEATURE_AVX512DQ = 1 << 6,
  LMECH_FEATURE_BMI2 = 1 << 7,
  LMECH_FEATURE_F16C = 1 << 8,
};

int lmech_gemm_features(void);
// Short description of the compiled kernel: vector width, register block, BLAS or not.
const char* lmech_gemm_describe(void);

// Row-major C (m×n) = op(A)·op(B), or C += op(A)·op(B) when `accumulate`. op(A) is m×k (A stored k×m
// when transA), op(B) is k×n (B stored n×k when transB). `threads` ≤ 1 runs on the calling thread.
void lmech_gemm_f64(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const double* a, const double* b, double* c,
                    bool accumulate, int threads);
void lmech_gemm_f32(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c,
                    bool accumulate, int threads);

// y[i] = tanh(x[i]) for i < n (elementwise.cc); x and y may be the same array.
const char* lmech_tanh_describe(void);
void lmech_tanh_f64(const double* x, double* y, int64_t n);
void lmech_tanh_f32(const float* x, float* y, int64_t n);
// y[i] = x[i]·Φ(x[i]) and, when d1 is not null, d1[i] = Φ(x[i]) + x[i]·φ(x[i]) (elementwise.cc); y, d1 distinct from x.
void lmech_gelu_f64(const double* x, double* y, double* d1, int64_t n);
void lmech_gelu_f32(const float* x, float* y, float* d1, int64_t n);
// Causal row softmax (elementwise.cc): rows of n entries, row r the softmax of its first r mod n + 1 entries, the
// rest 0; s and p distinct; scratch holds 2n doubles.
void lmech_causal_softmax_f64(const double* s, double* p, int64_t rows, int64_t n, double* scratch);
void lmech_causal_softmax_f32(const float* s, float* p, int64_t rows, int64_t n, double* scratch);
// Its adjoint: per row, gs_j += p_j (g_j − Σ_i p_i g_i) over the row's causal prefix; bit for bit the TypeScript loop.
void lmech_causal_softmax_backward_f64(const double* p, const double* g, double* gs, int64_t rows, int64_t n);
void lmech_causal_softmax_backward_f32(const float* p, const float* g, float* gs, int64_t rows, int64_t n);
// Runs fn(arg, c) once for every c in [0, chunks), on the calling thread and up to threads − 1 helpers of the
// products' pool (gemm.cc), chunks taken dynamically; returns when all are done. Chunks must be independent.
void lmech_parallel_for(int threads, int64_t chunks, void (*fn)(void*, int64_t), void* arg);

// One thread's C[m×n] (row stride ldc) (+)= op(A)·op(B), op(A)(i,p) = a[i·ars + p·acs], op(B)(p,j) = b[p·brs + j·bcs]:
// the packed kernel of lmech_gemm_f64 (never the system BLAS), rounding each element as that does.
void lmech_gemm_f64_strided(int64_t m, int64_t n, int64_t k, const double* a, int64_t ars, int64_t acs, const double* b, int64_t brs,
                            int64_t bcs, double* c, int64_t ldc, bool accumulate);

// C[m×n] (row stride ldc) (+)= op(A)·op(B) with general strides as above, threaded like lmech_gemm_f64 (the same bits
// on any thread count): strided views multiplied without copies.
void lmech_gemm_view_f64(int64_t m, int64_t n, int64_t k, const double* a, int64_t ars, int64_t acs, const double* b, int64_t brs, int64_t bcs,
                         double* c, int64_t ldc, bool accumulate, int threads);

// Linear algebra kernels (linalg.cc), float64, row-major with row stride n.
// y[s..n) = A[s.., s..]·v[s..) for symmetric A stored as its lower triangle; large ones are cut into row chunks of
// equal triangle area, summed in a fixed order and shared over `threads`: the bits depend on neither.
void lmech_symv_lower_f64(const double* a, int64_t n, int64_t s, const double* v, double* y, int threads);
// The trailing update of the blocked tridiagonalization: C[i][j] += Σ_{p<k} X[i·k + p]·Y[j·k + p] for j ≤ i < m, with C at
// w + r0·(n + 1) (row stride n, m = n − r0); entries above the diagonal in the same row block may change too. Row blocks
// are shared over `threads`; each entry is computed by one kernel call whatever the thread count (same bits).
void lmech_syr2k_lower_f64(double* w, int64_t n, int64_t r0, int64_t k, const double* x, const double* y, int threads);
// x[i] −= Σ_{t<j} (cv[t]·V[t·n + i] + cw[t]·W[t·n + i]) for i in [lo, n) (V, W: j rows of stride n).
void lmech_panel_subtract_f64(double* x, int64_t lo, int64_t n, const double* vt, const double* wt, int64_t j, const double* cv,
                              const double* cw);
// sa[t] = Σ_{i∈[lo,n)} W[t·n + i]·v[i] and sb[t] = Σ_{i∈[lo,n)} V[t·n + i]·v[i] for t < j.
void lmech_panel_dots_f64(const double* v, int64_t lo, int64_t n, const double* vt, const double* wt, int64_t j, double* sa, double* sb);

// The O(k²) parts of one divide-and-conquer merge (secular.cc), bit for bit divideConquer.ts: secular roots
// λ_i = dl[org[i]] + tau[i] of 1 + ρ Σ zl_j²/(dl_j − λ), Gu–Eisenstat's ẑ, pole[i] = dl[org[i]] and inv[i] = 1/‖u_i‖.
void lmech_secular_f64(const double* dl, const double* zl, int64_t k, double rho, int32_t* org, double* tau, double* zh, double* pole,
                       double* inv, int threads);
// out[r·k + i] = (zh[j] / (dl[j] − pole[i] − tau[i]))·inv[i] with j = sel[r]: the selected rows of Uᵀ.
void lmech_secular_columns_f64(const int32_t* sel, int64_t ns, int64_t k, const double* dl, const double* zh, const double* pole,
                               const double* tau, const double* inv, double* out, int threads);
}

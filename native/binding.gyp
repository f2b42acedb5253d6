# Native kernels for Learning Mechanics Lab, built by scripts/build-native.mjs (node-gyp).
# Two targets: the kernel object, compiled for the host CPU (lmech_arch_flags, default -march=native),
# and the Node-API glue, compiled for the baseline CPU, which checks the CPU before calling the kernels.
# Variables (node-gyp rebuild -- -Dname=value):
#   lmech_arch_flags  compiler flags that pick the instruction set ("-march=native", "-mavx2 -mfma", "")
#   lmech_blas        1 = call the system CBLAS (cblas_dgemm/sgemm) instead of our kernel
#   lmech_blas_lib    link flags when lmech_blas=1 (e.g. -lopenblas, -lcblas, "-L/opt/ob/lib -Wl,-rpath,/opt/ob/lib -lopenblas")
#   lmech_blas_include  extra include directory for cblas.h when lmech_blas=1
{
  'variables': {
    'lmech_arch_flags%': '-march=native',
    'lmech_blas%': 0,
    'lmech_blas_lib%': '-lopenblas',
    'lmech_blas_include%': '',
  },
  'targets': [
    {
      'target_name': 'lmech_gemm',
      'type': 'static_library',
      'sources': ['src/gemm.cc', 'src/elementwise.cc', 'src/linalg.cc', 'src/secular.cc'],
      'cflags': ['-fPIC', '-O3', '-ffp-contract=fast', '-fno-math-errno', '<@(lmech_arch_flags)'],
      'cflags_cc': ['-std=gnu++17'],
      'xcode_settings': {
        'OTHER_CPLUSPLUSFLAGS': ['-O3', '-ffp-contract=fast', '<@(lmech_arch_flags)'],
        'CLANG_CXX_LANGUAGE_STANDARD': 'gnu++17',
      },
      'conditions': [
        ['lmech_blas==1', { 'defines': ['LMECH_USE_CBLAS'], 'include_dirs': ['<@(lmech_blas_include)'] }],
      ],
    },
    {
      'target_name': 'lmech_kernels',
      'sources': ['src/addon.cc'],
      'dependencies': ['lmech_gemm'],
      'cflags': ['-O2'],
      'cflags_cc': ['-std=gnu++17'],
      'ldflags': ['-pthread'],
      'conditions': [
        ['lmech_blas==1', { 'libraries': ['<@(lmech_blas_lib)'] }],
        # glibc's vector math library, for the vectorised tanh of elementwise.cc
        ['OS=="linux"', { 'libraries': ['-lmvec'] }],
      ],
    },
  ],
}

(module
  (memory (export "memory") 1)
  ;; ^ scripts/build-wasm.mjs also builds a second module from this file with that line replaced by an imported
  ;; shared memory (src/core/wasmThreads.ts: several instances, one per thread, on the same packed operands).
  ;; Register-blocked SIMD matrix products for src/core/kernelsWasm.ts (compiled by scripts/build-wasm.mjs).
  ;; gemm_f64: C[mp x np] = A[mp x k] · B[k x np], row-major f64 C, mp % 4 == 0, np % 4 == 0; 4x4 blocks of f64x2.
  ;; gemm_f32: the same in f32 with 4x8 blocks of f32x4 (np % 8 == 0).
  ;; a: A packed in strips of 4 rows (pack64 / pack32, width 4): strip s holds A[4s + r, p] at a + ((s*k + p)*4 + r)*es;
  ;; b: B packed in panels of one block width w of columns: panel q holds B[p, w*q + c] at b + ((q*k + p)*w + c)*es.
  ;; The kernel thus reads both operands sequentially (the strips and panels stay in cache while they are reused) and
  ;; sums every element of C in order of p from zero, one multiply and one add per step, as before packing did.
  (func (export "gemm_f64") (param $mp i32) (param $np i32) (param $k i32) (param $a i32) (param $b i32) (param $c i32)
    (call $gemm_f64_part (local.get $mp) (local.get $np) (local.get $k) (local.get $a) (local.get $b) (local.get $c)
      (i32.const 0) (local.get $mp) (i32.const 0) (local.get $np))
  )

  ;; gemm_f64_part: the blocks of rows [i0, i1) x columns [j0, j1) of the product only (i0, i1 multiples of 4; j0, j1
  ;; of the block width); np stays the row stride of C. Each block is computed by the
  ;; same loop as in the whole product, so any partition of C among threads gives the same bits as one call.
  (func $gemm_f64_part (export "gemm_f64_part") (param $mp i32) (param $np i32) (param $k i32) (param $a i32) (param $b i32) (param $c i32)
    (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32)
    (local $i i32) (local $j i32) (local $p i32)
    (local $pa i32) (local $pb i32) (local $pc i32)
    (local $sa i32) (local $sb i32) (local $sc i32)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $sa (i32.const 32))
    (local.set $sb (i32.shl (local.get $np) (i32.const 3)))
    (local.set $i (local.get $i0))
    (block $iend (loop $iloop
      (br_if $iend (i32.ge_u (local.get $i) (local.get $i1)))
      (local.set $j (local.get $j0))
      (block $jend (loop $jloop
        (br_if $jend (i32.ge_u (local.get $j) (local.get $j1)))
        (local.set $c00 (v128.const f64x2 0 0)) (local.set $c01 (v128.const f64x2 0 0))
        (local.set $c10 (v128.const f64x2 0 0)) (local.set $c11 (v128.const f64x2 0 0))
        (local.set $c20 (v128.const f64x2 0 0)) (local.set $c21 (v128.const f64x2 0 0))
        (local.set $c30 (v128.const f64x2 0 0)) (local.set $c31 (v128.const f64x2 0 0))
        ;; strip i/4 starts at i*k elements, panel j/w at j*k elements
        (local.set $pa (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $k)) (i32.const 3))))
        (local.set $pb (i32.add (local.get $b) (i32.shl (i32.mul (local.get $j) (local.get $k)) (i32.const 3))))
        (local.set $p (local.get $k))
        (block $pend (loop $ploop
          (br_if $pend (i32.eqz (local.get $p)))
          (local.set $b0 (v128.load (local.get $pb)))
          (local.set $b1 (v128.load offset=16 (local.get $pb)))
          (local.set $x (v128.load64_splat (local.get $pa)))
          (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $c01 (f64x2.add (local.get $c01) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load64_splat offset=8 (local.get $pa)))
          (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $c11 (f64x2.add (local.get $c11) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load64_splat offset=16 (local.get $pa)))
          (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $c21 (f64x2.add (local.get $c21) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load64_splat offset=24 (local.get $pa)))
          (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $c31 (f64x2.add (local.get $c31) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $pa (i32.add (local.get $pa) (local.get $sa)))
          (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
          (local.set $p (i32.sub (local.get $p) (i32.const 1)))
          (br $ploop)))
        (local.set $pc (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $np)) (local.get $j)) (i32.const 3))))
        (v128.store (local.get $pc) (local.get $c00)) (v128.store offset=16 (local.get $pc) (local.get $c01))
        (local.set $pc (i32.add (local.get $pc) (local.get $sb)))
        (v128.store (local.get $pc) (local.get $c10)) (v128.store offset=16 (local.get $pc) (local.get $c11))
        (local.set $pc (i32.add (local.get $pc) (local.get $sb)))
        (v128.store (local.get $pc) (local.get $c20)) (v128.store offset=16 (local.get $pc) (local.get $c21))
        (local.set $pc (i32.add (local.get $pc) (local.get $sb)))
        (v128.store (local.get $pc) (local.get $c30)) (v128.store offset=16 (local.get $pc) (local.get $c31))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $jloop)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $iloop)))
  )

  (func (export "gemm_f32") (param $mp i32) (param $np i32) (param $k i32) (param $a i32) (param $b i32) (param $c i32)
    (call $gemm_f32_part (local.get $mp) (local.get $np) (local.get $k) (local.get $a) (local.get $b) (local.get $c)
      (i32.const 0) (local.get $mp) (i32.const 0) (local.get $np))
  )

  ;; gemm_f32_part: the blocks of rows [i0, i1) x columns [j0, j1) of the product only (i0, i1 multiples of 4; j0, j1
  ;; of the block width); np stays the row stride of C. Each block is computed by the
  ;; same loop as in the whole product, so any partition of C among threads gives the same bits as one call.
  (func $gemm_f32_part (export "gemm_f32_part") (param $mp i32) (param $np i32) (param $k i32) (param $a i32) (param $b i32) (param $c i32)
    (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32)
    (local $i i32) (local $j i32) (local $p i32)
    (local $pa i32) (local $pb i32) (local $pc i32)
    (local $sa i32) (local $sb i32) (local $sc i32)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $sa (i32.const 16))
    (local.set $sb (i32.shl (local.get $np) (i32.const 2)))
    (local.set $i (local.get $i0))
    (block $iend (loop $iloop
      (br_if $iend (i32.ge_u (local.get $i) (local.get $i1)))
      (local.set $j (local.get $j0))
      (block $jend (loop $jloop
        (br_if $jend (i32.ge_u (local.get $j) (local.get $j1)))
        (local.set $c00 (v128.const f32x4 0 0 0 0)) (local.set $c01 (v128.const f32x4 0 0 0 0))
        (local.set $c10 (v128.const f32x4 0 0 0 0)) (local.set $c11 (v128.const f32x4 0 0 0 0))
        (local.set $c20 (v128.const f32x4 0 0 0 0)) (local.set $c21 (v128.const f32x4 0 0 0 0))
        (local.set $c30 (v128.const f32x4 0 0 0 0)) (local.set $c31 (v128.const f32x4 0 0 0 0))
        ;; strip i/4 starts at i*k elements, panel j/w at j*k elements
        (local.set $pa (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $k)) (i32.const 2))))
        (local.set $pb (i32.add (local.get $b) (i32.shl (i32.mul (local.get $j) (local.get $k)) (i32.const 2))))
        (local.set $p (local.get $k))
        (block $pend (loop $ploop
          (br_if $pend (i32.eqz (local.get $p)))
          (local.set $b0 (v128.load (local.get $pb)))
          (local.set $b1 (v128.load offset=16 (local.get $pb)))
          (local.set $x (v128.load32_splat (local.get $pa)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat offset=4 (local.get $pa)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat offset=8 (local.get $pa)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat offset=12 (local.get $pa)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $pa (i32.add (local.get $pa) (local.get $sa)))
          (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
          (local.set $p (i32.sub (local.get $p) (i32.const 1)))
          (br $ploop)))
        (local.set $pc (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $np)) (local.get $j)) (i32.const 2))))
        (v128.store (local.get $pc) (local.get $c00)) (v128.store offset=16 (local.get $pc) (local.get $c01))
        (local.set $pc (i32.add (local.get $pc) (local.get $sb)))
        (v128.store (local.get $pc) (local.get $c10)) (v128.store offset=16 (local.get $pc) (local.get $c11))
        (local.set $pc (i32.add (local.get $pc) (local.get $sb)))
        (v128.store (local.get $pc) (local.get $c20)) (v128.store offset=16 (local.get $pc) (local.get $c21))
        (local.set $pc (i32.add (local.get $pc) (local.get $sb)))
        (v128.store (local.get $pc) (local.get $c30)) (v128.store offset=16 (local.get $pc) (local.get $c31))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $jloop)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $iloop)))
  )

  ;; Packing and copy-back helpers, so that the JS side of src/core/kernelsWasm.ts only moves whole operands in and
  ;; out with TypedArray.set (a memcpy). They copy bits (no arithmetic) except add64/add32, which do the one
  ;; addition C[i, j] + P[i, j] that the JS loop `c[x] += p[y]` did (float32: a single addition of two floats is
  ;; the same rounded in double then to float as in float; Figueroa 1995, "When is double rounding innocuous?").

;; pack64 / pack32: the panels the kernels read. Lane l < lanes, depth index p < depth of the source is element
  ;; src[l*ls + p*ps] (strides in elements); panel q holds, for each p, the `width` lanes q*width .. q*width + width − 1
  ;; contiguously (zeros past the last lane): dst[(q*depth + p)*width + r] = src[(q*width + r)*ls + p*ps]. A is packed
  ;; with its rows as lanes (width 4) and B with its columns (the kernel's block width). Bit copies only. Where the lanes
  ;; are contiguous (ls = 1) a full panel row moves as 16-byte vectors.
  (func (export "pack64") (param $src i32) (param $lanes i32) (param $depth i32) (param $ls i32) (param $ps i32) (param $dst i32) (param $width i32)
    (call $pack (local.get $src) (local.get $lanes) (local.get $depth) (local.get $ls) (local.get $ps) (local.get $dst) (local.get $width) (i32.const 3)))
  (func (export "pack32") (param $src i32) (param $lanes i32) (param $depth i32) (param $ls i32) (param $ps i32) (param $dst i32) (param $width i32)
    (call $pack (local.get $src) (local.get $lanes) (local.get $depth) (local.get $ls) (local.get $ps) (local.get $dst) (local.get $width) (i32.const 2)))
  (func $pack (param $src i32) (param $lanes i32) (param $depth i32) (param $ls i32) (param $ps i32) (param $dst i32) (param $width i32) (param $sh i32)
    (local $p i32) (local $r i32) (local $l0 i32) (local $n i32) (local $s i32) (local $d i32) (local $lsb i32) (local $psb i32) (local $rowb i32)
    (local.set $lsb (i32.shl (local.get $ls) (local.get $sh)))
    (local.set $psb (i32.shl (local.get $ps) (local.get $sh)))
    (local.set $rowb (i32.shl (local.get $width) (local.get $sh)))
    (local.set $l0 (i32.const 0))
    (block $qend (loop $qloop
      (br_if $qend (i32.ge_u (local.get $l0) (local.get $lanes)))
      ;; lanes of this panel that exist ($n), the rest of its width is zero
      (local.set $n (i32.sub (local.get $lanes) (local.get $l0)))
      (if (i32.gt_u (local.get $n) (local.get $width)) (then (local.set $n (local.get $width))))
      (if (i32.and (i32.eq (local.get $ls) (i32.const 1)) (i32.eq (local.get $n) (local.get $width)))
        (then
          ;; contiguous lanes, full panel: each panel row is 16 or 32 bytes of one source row
          (local.set $s (i32.add (local.get $src) (i32.shl (local.get $l0) (local.get $sh))))
          (local.set $d (local.get $dst))
          (local.set $p (local.get $depth))
          (if (i32.eq (local.get $rowb) (i32.const 32))
            (then
              (block $e32 (loop $l32
                (br_if $e32 (i32.eqz (local.get $p)))
                (v128.store (local.get $d) (v128.load (local.get $s)))
                (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $s)))
                (local.set $s (i32.add (local.get $s) (local.get $psb)))
                (local.set $d (i32.add (local.get $d) (i32.const 32)))
                (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                (br $l32))))
            (else
              (block $e16 (loop $l16
                (br_if $e16 (i32.eqz (local.get $p)))
                (v128.store (local.get $d) (v128.load (local.get $s)))
                (local.set $s (i32.add (local.get $s) (local.get $psb)))
                (local.set $d (i32.add (local.get $d) (i32.const 16)))
                (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                (br $l16))))))
        (else
          ;; one lane at a time down the depth (the source's rows are read in order), then zeros past the last lane
          (local.set $r (i32.const 0))
          (block $rend (loop $rloop
            (br_if $rend (i32.ge_u (local.get $r) (local.get $n)))
            (local.set $s (i32.add (local.get $src) (i32.mul (i32.add (local.get $l0) (local.get $r)) (local.get $lsb))))
            (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $r) (local.get $sh))))
            (local.set $p (local.get $depth))
            (if (i32.eq (local.get $sh) (i32.const 3))
              (then
                (block $e8 (loop $l8
                  (br_if $e8 (i32.eqz (local.get $p)))
                  (i64.store (local.get $d) (i64.load (local.get $s)))
                  (local.set $s (i32.add (local.get $s) (local.get $psb)))
                  (local.set $d (i32.add (local.get $d) (local.get $rowb)))
                  (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                  (br $l8))))
              (else
                (block $e4 (loop $l4
                  (br_if $e4 (i32.eqz (local.get $p)))
                  (i32.store (local.get $d) (i32.load (local.get $s)))
                  (local.set $s (i32.add (local.get $s) (local.get $psb)))
                  (local.set $d (i32.add (local.get $d) (local.get $rowb)))
                  (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                  (br $l4)))))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rloop)))
          (if (i32.lt_u (local.get $n) (local.get $width))
            (then
              (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $n) (local.get $sh))))
              (local.set $p (local.get $depth))
              (block $ez (loop $lz
                (br_if $ez (i32.eqz (local.get $p)))
                (memory.fill (local.get $d) (i32.const 0) (i32.shl (i32.sub (local.get $width) (local.get $n)) (local.get $sh)))
                (local.set $d (i32.add (local.get $d) (local.get $rowb)))
                (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                (br $lz)))))))
      (local.set $dst (i32.add (local.get $dst) (i32.mul (local.get $depth) (local.get $rowb))))
      (local.set $l0 (i32.add (local.get $l0) (local.get $width)))
      (br $qloop)))
  )

  ;; copy_rows: rows of `len` bytes from src (stride ls bytes) to dst (stride ld bytes, ld >= len), bytes
  ;; [len, ld) of each dst row zeroed. memory.copy is a memmove, so compacting in place (dst <= src, ld <= ls) is safe.
  (func (export "copy_rows") (param $src i32) (param $ls i32) (param $dst i32) (param $ld i32) (param $rows i32) (param $len i32)
    (block $end (loop $row
      (br_if $end (i32.eqz (local.get $rows)))
      (memory.copy (local.get $dst) (local.get $src) (local.get $len))
      (memory.fill (i32.add (local.get $dst) (local.get $len)) (i32.const 0) (i32.sub (local.get $ld) (local.get $len)))
      (local.set $src (i32.add (local.get $src) (local.get $ls)))
      (local.set $dst (i32.add (local.get $dst) (local.get $ld)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $row)))
  )

  ;; add64: dst[i*n + j] += src[i*ls + j] for i < m, j < n (f64; ls in elements), two lanes at a time.
  (func (export "add64") (param $dst i32) (param $src i32) (param $ls i32) (param $m i32) (param $n i32)
    (local $j i32) (local $d i32) (local $s i32) (local $n2 i32)
    (local.set $n2 (i32.and (local.get $n) (i32.const -2)))
    (block $iend (loop $iloop
      (br_if $iend (i32.eqz (local.get $m)))
      (local.set $j (i32.const 0))
      (local.set $d (local.get $dst))
      (local.set $s (local.get $src))
      (block $vend (loop $vloop
        (br_if $vend (i32.ge_u (local.get $j) (local.get $n2)))
        (v128.store (local.get $d) (f64x2.add (v128.load (local.get $d)) (v128.load (local.get $s))))
        (local.set $d (i32.add (local.get $d) (i32.const 16)))
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $vloop)))
      (if (i32.lt_u (local.get $j) (local.get $n))
        (then (f64.store (local.get $d) (f64.add (f64.load (local.get $d)) (f64.load (local.get $s))))))
      (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 3))))
      (local.set $src (i32.add (local.get $src) (i32.shl (local.get $ls) (i32.const 3))))
      (local.set $m (i32.sub (local.get $m) (i32.const 1)))
      (br $iloop)))
  )

  ;; add32: the same in f32, four lanes at a time.
  (func (export "add32") (param $dst i32) (param $src i32) (param $ls i32) (param $m i32) (param $n i32)
    (local $j i32) (local $d i32) (local $s i32) (local $n4 i32)
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (block $iend (loop $iloop
      (br_if $iend (i32.eqz (local.get $m)))
      (local.set $j (i32.const 0))
      (local.set $d (local.get $dst))
      (local.set $s (local.get $src))
      (block $vend (loop $vloop
        (br_if $vend (i32.ge_u (local.get $j) (local.get $n4)))
        (v128.store (local.get $d) (f32x4.add (v128.load (local.get $d)) (v128.load (local.get $s))))
        (local.set $d (i32.add (local.get $d) (i32.const 16)))
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $vloop)))
      (block $tend (loop $tloop
        (br_if $tend (i32.ge_u (local.get $j) (local.get $n)))
        (f32.store (local.get $d) (f32.add (f32.load (local.get $d)) (f32.load (local.get $s))))
        (local.set $d (i32.add (local.get $d) (i32.const 4)))
        (local.set $s (i32.add (local.get $s) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $tloop)))
      (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $src (i32.add (local.get $src) (i32.shl (local.get $ls) (i32.const 2))))
      (local.set $m (i32.sub (local.get $m) (i32.const 1)))
      (br $iloop)))
  )

  ;; gelu: the exact GELU of n elements at x (f64, or f32 when $single), y[i] = x·Φ(x) and, when $hasd1, d1[i] = Φ + x·φ,
  ;; the same arithmetic, operation for operation, as `geluTable` in src/core/geluTable.ts (f64 IEEE operations in the
  ;; same order, no fused multiply-add; f32 elements promoted exactly and rounded once on store, as JS does), on its
  ;; tables stored interleaved at $tab: (Φ(x₀), φ(x₀)) for x₀ = k/128 − 10, 16 bytes per k ≤ 2560. Two elements per
  ;; f64x2, two f64x2 per iteration (geluTable's loop is one long dependent chain per element); the table loads are per
  ;; lane. Elements outside (−10, 10), NaN included, get no value here (JS fills them in with geluTable's own fallback,
  ;; which needs erfc and exp): their indices go to $idx as i32s, and their count is returned.
  ;; The constants are the doubles JS uses: 1/6, 1/24, 1/120, 1/720 correctly rounded, and 1/128 = 2⁻⁷ (k·2⁻⁷ = k/128 exactly).
  (func (export "gelu") (param $x i32) (param $y i32) (param $d1 i32) (param $n i32) (param $single i32) (param $hasd1 i32)
    (param $tab i32) (param $idx i32) (result i32)
    (local $i i32) (local $cnt i32) (local $ki v128) (local $ta v128) (local $tb v128)
    (local $v v128) (local $in v128) (local $c0 v128) (local $p0 v128) (local $x0 v128) (local $d v128)
    (local $h2 v128) (local $h3 v128) (local $h4 v128) (local $h5 v128) (local $e v128) (local $f v128)
    (local $cdf v128) (local $pdf v128) (local $tail i32)
    (local $inA v128) (local $inB v128) (local $o i32)
    (local $kiA v128) (local $taA v128) (local $tbA v128) (local $vA v128) (local $c0A v128) (local $p0A v128) (local $x0A v128) (local $dA v128) (local $h2A v128) (local $h3A v128) (local $h4A v128) (local $h5A v128) (local $eA v128) (local $fA v128) (local $cdfA v128) (local $pdfA v128) (local $kiB v128) (local $taB v128) (local $tbB v128) (local $vB v128) (local $c0B v128) (local $p0B v128) (local $x0B v128) (local $dB v128) (local $h2B v128) (local $h3B v128) (local $h4B v128) (local $h5B v128) (local $eB v128) (local $fB v128) (local $cdfB v128) (local $pdfB v128)
    (local $neg10 v128) (local $half v128) (local $inv120 v128) (local $inv6 v128) (local $inv24 v128) (local $inv720 v128) (local $inv128 v128) (local $one v128) (local $ten v128) (local $s128 v128) (local $two v128) (local $three v128) (local $four v128)
    ;; the constants, set once before the loops
    (local.set $neg10 (v128.const f64x2 -10 -10))
    (local.set $half (v128.const f64x2 0.5 0.5))
    (local.set $inv120 (v128.const f64x2 0x1.1111111111111p-7 0x1.1111111111111p-7))
    (local.set $inv6 (v128.const f64x2 0x1.5555555555555p-3 0x1.5555555555555p-3))
    (local.set $inv24 (v128.const f64x2 0x1.5555555555555p-5 0x1.5555555555555p-5))
    (local.set $inv720 (v128.const f64x2 0x1.6c16c16c16c17p-10 0x1.6c16c16c16c17p-10))
    (local.set $inv128 (v128.const f64x2 0x1p-7 0x1p-7))
    (local.set $one (v128.const f64x2 1 1))
    (local.set $ten (v128.const f64x2 10 10))
    (local.set $s128 (v128.const f64x2 128 128))
    (local.set $two (v128.const f64x2 2 2))
    (local.set $three (v128.const f64x2 3 3))
    (local.set $four (v128.const f64x2 4 4))
    ;; four elements at a time, two independent f64x2 chains (the second hides the first's latency)
    (block $end4 (loop $loop4
      (br_if $end4 (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
      (if (local.get $single)
        (then
          (local.set $vA (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))))
          (local.set $vB (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))))
        (else
          (local.set $vA (v128.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))))
          (local.set $vB (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))))))
      (local.set $inA (v128.and (f64x2.gt (local.get $vA) (local.get $neg10)) (f64x2.lt (local.get $vA) (local.get $ten))))
      (local.set $inB (v128.and (f64x2.gt (local.get $vB) (local.get $neg10)) (f64x2.lt (local.get $vB) (local.get $ten))))
      (if (i32.eqz (i32.and (i64x2.all_true (local.get $inA)) (i64x2.all_true (local.get $inB))))
        (then
          (local.set $cnt (call $outside (local.get $inA) (local.get $i) (i32.const 1) (local.get $idx) (local.get $cnt)))
          (local.set $cnt (call $outside (local.get $inB) (i32.add (local.get $i) (i32.const 2)) (i32.const 1) (local.get $idx) (local.get $cnt)))
          (local.set $vA (v128.and (local.get $vA) (local.get $inA)))
          (local.set $vB (v128.and (local.get $vB) (local.get $inB)))))
      ;; k = ((v + 10)·128 + 0.5) | 0 of a double in (0.5, 2560.5]: truncation; x₀ = k/128 − 10 (k/128 is exact)
      (local.set $kiA (i32x4.trunc_sat_f64x2_s_zero (f64x2.add (f64x2.mul (f64x2.add (local.get $vA) (local.get $ten))
        (local.get $s128)) (local.get $half))))
      (local.set $kiB (i32x4.trunc_sat_f64x2_s_zero (f64x2.add (f64x2.mul (f64x2.add (local.get $vB) (local.get $ten))
        (local.get $s128)) (local.get $half))))
      (local.set $taA (v128.load (i32.add (local.get $tab) (i32.shl (i32x4.extract_lane 0 (local.get $kiA)) (i32.const 4)))))
      (local.set $taB (v128.load (i32.add (local.get $tab) (i32.shl (i32x4.extract_lane 0 (local.get $kiB)) (i32.const 4)))))
      (local.set $tbA (v128.load (i32.add (local.get $tab) (i32.shl (i32x4.extract_lane 1 (local.get $kiA)) (i32.const 4)))))
      (local.set $tbB (v128.load (i32.add (local.get $tab) (i32.shl (i32x4.extract_lane 1 (local.get $kiB)) (i32.const 4)))))
      (local.set $c0A (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $taA) (local.get $tbA)))
      (local.set $c0B (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $taB) (local.get $tbB)))
      (local.set $p0A (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $taA) (local.get $tbA)))
      (local.set $p0B (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $taB) (local.get $tbB)))
      (local.set $x0A (f64x2.sub (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $kiA)) (local.get $inv128))
        (local.get $ten)))
      (local.set $x0B (f64x2.sub (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $kiB)) (local.get $inv128))
        (local.get $ten)))
      (local.set $dA (f64x2.sub (local.get $vA) (local.get $x0A)))
      (local.set $dB (f64x2.sub (local.get $vB) (local.get $x0B)))
      ;; He_{n+1} = x₀ Heₙ − n He_{n−1}, h1 = x₀
      (local.set $h2A (f64x2.sub (f64x2.mul (local.get $x0A) (local.get $x0A)) (local.get $one)))
      (local.set $h2B (f64x2.sub (f64x2.mul (local.get $x0B) (local.get $x0B)) (local.get $one)))
      (local.set $h3A (f64x2.sub (f64x2.mul (local.get $x0A) (local.get $h2A)) (f64x2.mul (local.get $two) (local.get $x0A))))
      (local.set $h3B (f64x2.sub (f64x2.mul (local.get $x0B) (local.get $h2B)) (f64x2.mul (local.get $two) (local.get $x0B))))
      (local.set $h4A (f64x2.sub (f64x2.mul (local.get $x0A) (local.get $h3A)) (f64x2.mul (local.get $three) (local.get $h2A))))
      (local.set $h4B (f64x2.sub (f64x2.mul (local.get $x0B) (local.get $h3B)) (f64x2.mul (local.get $three) (local.get $h2B))))
      (local.set $h5A (f64x2.sub (f64x2.mul (local.get $x0A) (local.get $h4A)) (f64x2.mul (local.get $four) (local.get $h3A))))
      (local.set $h5B (f64x2.sub (f64x2.mul (local.get $x0B) (local.get $h4B)) (f64x2.mul (local.get $four) (local.get $h3B))))
      ;; cdf = C[k] + p0·d·(1 + d·(−h1·½ + d·(h2/6 + d·(−h3/24 + d·(h4/120 − d·h5/720))))), JS's order: (p0·d)·(…), (−h1)·½, (d·h5)·(1/720)
      (local.set $eA (f64x2.sub (f64x2.mul (local.get $h4A) (local.get $inv120))
        (f64x2.mul (f64x2.mul (local.get $dA) (local.get $h5A)) (local.get $inv720))))
      (local.set $eB (f64x2.sub (f64x2.mul (local.get $h4B) (local.get $inv120))
        (f64x2.mul (f64x2.mul (local.get $dB) (local.get $h5B)) (local.get $inv720))))
      (local.set $eA (f64x2.add (f64x2.mul (f64x2.neg (local.get $h3A)) (local.get $inv24))
        (f64x2.mul (local.get $dA) (local.get $eA))))
      (local.set $eB (f64x2.add (f64x2.mul (f64x2.neg (local.get $h3B)) (local.get $inv24))
        (f64x2.mul (local.get $dB) (local.get $eB))))
      (local.set $eA (f64x2.add (f64x2.mul (local.get $h2A) (local.get $inv6))
        (f64x2.mul (local.get $dA) (local.get $eA))))
      (local.set $eB (f64x2.add (f64x2.mul (local.get $h2B) (local.get $inv6))
        (f64x2.mul (local.get $dB) (local.get $eB))))
      (local.set $eA (f64x2.add (f64x2.mul (f64x2.neg (local.get $x0A)) (local.get $half)) (f64x2.mul (local.get $dA) (local.get $eA))))
      (local.set $eB (f64x2.add (f64x2.mul (f64x2.neg (local.get $x0B)) (local.get $half)) (f64x2.mul (local.get $dB) (local.get $eB))))
      (local.set $eA (f64x2.add (local.get $one) (f64x2.mul (local.get $dA) (local.get $eA))))
      (local.set $eB (f64x2.add (local.get $one) (f64x2.mul (local.get $dB) (local.get $eB))))
      (local.set $cdfA (f64x2.add (local.get $c0A) (f64x2.mul (f64x2.mul (local.get $p0A) (local.get $dA)) (local.get $eA))))
      (local.set $cdfB (f64x2.add (local.get $c0B) (f64x2.mul (f64x2.mul (local.get $p0B) (local.get $dB)) (local.get $eB))))
      ;; pdf = p0·(1 + d·(−h1 + d·(h2·½ + d·(−h3/6 + d·(h4/24 − d·h5/120)))))
      (local.set $fA (f64x2.sub (f64x2.mul (local.get $h4A) (local.get $inv24))
        (f64x2.mul (f64x2.mul (local.get $dA) (local.get $h5A)) (local.get $inv120))))
      (local.set $fB (f64x2.sub (f64x2.mul (local.get $h4B) (local.get $inv24))
        (f64x2.mul (f64x2.mul (local.get $dB) (local.get $h5B)) (local.get $inv120))))
      (local.set $fA (f64x2.add (f64x2.mul (f64x2.neg (local.get $h3A)) (local.get $inv6))
        (f64x2.mul (local.get $dA) (local.get $fA))))
      (local.set $fB (f64x2.add (f64x2.mul (f64x2.neg (local.get $h3B)) (local.get $inv6))
        (f64x2.mul (local.get $dB) (local.get $fB))))
      (local.set $fA (f64x2.add (f64x2.mul (local.get $h2A) (local.get $half)) (f64x2.mul (local.get $dA) (local.get $fA))))
      (local.set $fB (f64x2.add (f64x2.mul (local.get $h2B) (local.get $half)) (f64x2.mul (local.get $dB) (local.get $fB))))
      (local.set $fA (f64x2.add (f64x2.neg (local.get $x0A)) (f64x2.mul (local.get $dA) (local.get $fA))))
      (local.set $fB (f64x2.add (f64x2.neg (local.get $x0B)) (f64x2.mul (local.get $dB) (local.get $fB))))
      (local.set $fA (f64x2.add (local.get $one) (f64x2.mul (local.get $dA) (local.get $fA))))
      (local.set $fB (f64x2.add (local.get $one) (f64x2.mul (local.get $dB) (local.get $fB))))
      (local.set $pdfA (f64x2.mul (local.get $p0A) (local.get $fA)))
      (local.set $pdfB (f64x2.mul (local.get $p0B) (local.get $fB)))
      (local.set $eA (f64x2.mul (local.get $vA) (local.get $cdfA)))
      (local.set $fA (f64x2.add (local.get $cdfA) (f64x2.mul (local.get $vA) (local.get $pdfA))))
      (local.set $eB (f64x2.mul (local.get $vB) (local.get $cdfB)))
      (local.set $fB (f64x2.add (local.get $cdfB) (f64x2.mul (local.get $vB) (local.get $pdfB))))
      (if (local.get $single)
        (then
          (local.set $o (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2))))
          (v128.store64_lane 0 (local.get $o) (f32x4.demote_f64x2_zero (local.get $eA)))
          (v128.store64_lane offset=8 0 (local.get $o) (f32x4.demote_f64x2_zero (local.get $eB)))
          (if (local.get $hasd1) (then
            (local.set $o (i32.add (local.get $d1) (i32.shl (local.get $i) (i32.const 2))))
            (v128.store64_lane 0 (local.get $o) (f32x4.demote_f64x2_zero (local.get $fA)))
            (v128.store64_lane offset=8 0 (local.get $o) (f32x4.demote_f64x2_zero (local.get $fB))))))
        (else
          (local.set $o (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))))
          (v128.store (local.get $o) (local.get $eA))
          (v128.store offset=16 (local.get $o) (local.get $eB))
          (if (local.get $hasd1) (then
            (local.set $o (i32.add (local.get $d1) (i32.shl (local.get $i) (i32.const 3))))
            (v128.store (local.get $o) (local.get $fA))
            (v128.store offset=16 (local.get $o) (local.get $fB))))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $loop4)))
    ;; the last 0–3 elements: two at a time, the very last one (if odd) in both lanes
    (block $end (loop $loop
      (br_if $end (i32.ge_u (local.get $i) (local.get $n)))
      ;; two elements, or the last one in both lanes
      (local.set $tail (i32.eq (i32.add (local.get $i) (i32.const 1)) (local.get $n)))
      (if (local.get $single)
        (then (local.set $v (f64x2.promote_low_f32x4 (if (result v128) (local.get $tail)
          (then (v128.load32_splat (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
          (else (v128.load64_zero (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))))))
        (else (local.set $v (if (result v128) (local.get $tail)
          (then (v128.load64_splat (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))))
          (else (v128.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))))))))
      ;; v > −10 && v < 10 (false for NaN); the other lanes are recorded and computed at v = 0, in range of the tables
      (local.set $in (v128.and (f64x2.gt (local.get $v) (local.get $neg10)) (f64x2.lt (local.get $v) (local.get $ten))))
      (if (i32.eqz (i64x2.all_true (local.get $in)))
        (then
          (local.set $cnt (call $outside (local.get $in) (local.get $i) (i32.eqz (local.get $tail)) (local.get $idx) (local.get $cnt)))
          (local.set $v (v128.and (local.get $v) (local.get $in)))))
      ;; k = ((v + 10)·128 + 0.5) | 0 of a double in (0.5, 2560.5]: truncation; x₀ = k/128 − 10 (k/128 is exact)
      (local.set $ki (i32x4.trunc_sat_f64x2_s_zero (f64x2.add (f64x2.mul (f64x2.add (local.get $v) (local.get $ten))
        (local.get $s128)) (local.get $half))))
      (local.set $ta (v128.load (i32.add (local.get $tab) (i32.shl (i32x4.extract_lane 0 (local.get $ki)) (i32.const 4)))))
      (local.set $tb (v128.load (i32.add (local.get $tab) (i32.shl (i32x4.extract_lane 1 (local.get $ki)) (i32.const 4)))))
      (local.set $c0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ta) (local.get $tb)))
      (local.set $p0 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ta) (local.get $tb)))
      (local.set $x0 (f64x2.sub (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $ki)) (local.get $inv128))
        (local.get $ten)))
      (local.set $d (f64x2.sub (local.get $v) (local.get $x0)))
      ;; He_{n+1} = x₀ Heₙ − n He_{n−1}, h1 = x₀
      (local.set $h2 (f64x2.sub (f64x2.mul (local.get $x0) (local.get $x0)) (local.get $one)))
      (local.set $h3 (f64x2.sub (f64x2.mul (local.get $x0) (local.get $h2)) (f64x2.mul (local.get $two) (local.get $x0))))
      (local.set $h4 (f64x2.sub (f64x2.mul (local.get $x0) (local.get $h3)) (f64x2.mul (local.get $three) (local.get $h2))))
      (local.set $h5 (f64x2.sub (f64x2.mul (local.get $x0) (local.get $h4)) (f64x2.mul (local.get $four) (local.get $h3))))
      ;; cdf = C[k] + p0·d·(1 + d·(−h1·½ + d·(h2/6 + d·(−h3/24 + d·(h4/120 − d·h5/720))))), JS's order: (p0·d)·(…), (−h1)·½, (d·h5)·(1/720)
      (local.set $e (f64x2.sub (f64x2.mul (local.get $h4) (local.get $inv120))
        (f64x2.mul (f64x2.mul (local.get $d) (local.get $h5)) (local.get $inv720))))
      (local.set $e (f64x2.add (f64x2.mul (f64x2.neg (local.get $h3)) (local.get $inv24))
        (f64x2.mul (local.get $d) (local.get $e))))
      (local.set $e (f64x2.add (f64x2.mul (local.get $h2) (local.get $inv6))
        (f64x2.mul (local.get $d) (local.get $e))))
      (local.set $e (f64x2.add (f64x2.mul (f64x2.neg (local.get $x0)) (local.get $half)) (f64x2.mul (local.get $d) (local.get $e))))
      (local.set $e (f64x2.add (local.get $one) (f64x2.mul (local.get $d) (local.get $e))))
      (local.set $cdf (f64x2.add (local.get $c0) (f64x2.mul (f64x2.mul (local.get $p0) (local.get $d)) (local.get $e))))
      ;; pdf = p0·(1 + d·(−h1 + d·(h2·½ + d·(−h3/6 + d·(h4/24 − d·h5/120)))))
      (local.set $f (f64x2.sub (f64x2.mul (local.get $h4) (local.get $inv24))
        (f64x2.mul (f64x2.mul (local.get $d) (local.get $h5)) (local.get $inv120))))
      (local.set $f (f64x2.add (f64x2.mul (f64x2.neg (local.get $h3)) (local.get $inv6))
        (f64x2.mul (local.get $d) (local.get $f))))
      (local.set $f (f64x2.add (f64x2.mul (local.get $h2) (local.get $half)) (f64x2.mul (local.get $d) (local.get $f))))
      (local.set $f (f64x2.add (f64x2.neg (local.get $x0)) (f64x2.mul (local.get $d) (local.get $f))))
      (local.set $f (f64x2.add (local.get $one) (f64x2.mul (local.get $d) (local.get $f))))
      (local.set $pdf (f64x2.mul (local.get $p0) (local.get $f)))
      ;; y = v·cdf, d1 = cdf + v·pdf
      (local.set $e (f64x2.mul (local.get $v) (local.get $cdf)))
      (local.set $f (f64x2.add (local.get $cdf) (f64x2.mul (local.get $v) (local.get $pdf))))
      (if (local.get $single)
        (then
          (local.set $e (f32x4.demote_f64x2_zero (local.get $e)))
          (local.set $f (f32x4.demote_f64x2_zero (local.get $f)))
          (if (local.get $tail)
            (then
              (v128.store32_lane 0 (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2))) (local.get $e))
              (if (local.get $hasd1) (then (v128.store32_lane 0 (i32.add (local.get $d1) (i32.shl (local.get $i) (i32.const 2))) (local.get $f)))))
            (else
              (v128.store64_lane 0 (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2))) (local.get $e))
              (if (local.get $hasd1) (then (v128.store64_lane 0 (i32.add (local.get $d1) (i32.shl (local.get $i) (i32.const 2))) (local.get $f)))))))
        (else
          (if (local.get $tail)
            (then
              (v128.store64_lane 0 (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))) (local.get $e))
              (if (local.get $hasd1) (then (v128.store64_lane 0 (i32.add (local.get $d1) (i32.shl (local.get $i) (i32.const 3))) (local.get $f)))))
            (else
              (v128.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))) (local.get $e))
              (if (local.get $hasd1) (then (v128.store (i32.add (local.get $d1) (i32.shl (local.get $i) (i32.const 3))) (local.get $f))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $loop)))
    (local.get $cnt)
  )

  ;; outside: for gelu, the indices i (and i + 1 when $two) of the lanes of $in that are 0 (outside the tables), appended
  ;; to the i32 list at $idx of $cnt entries; returns the new count.
  (func $outside (param $in v128) (param $i i32) (param $two i32) (param $idx i32) (param $cnt i32) (result i32)
    (if (i64.eqz (i64x2.extract_lane 0 (local.get $in)))
      (then (i32.store (i32.add (local.get $idx) (i32.shl (local.get $cnt) (i32.const 2))) (local.get $i))
        (local.set $cnt (i32.add (local.get $cnt) (i32.const 1)))))
    (if (i32.and (local.get $two) (i64.eqz (i64x2.extract_lane 1 (local.get $in))))
      (then (i32.store (i32.add (local.get $idx) (i32.shl (local.get $cnt) (i32.const 2))) (i32.add (local.get $i) (i32.const 1)))
        (local.set $cnt (i32.add (local.get $cnt) (i32.const 1)))))
    (local.get $cnt)
  )

  ;; expm1 and tanh: fdlibm's s_expm1.c and s_tanh.c (Sun Microsystems 1993) as V8 computes Math.expm1 and Math.tanh
  ;; (src/base/ieee754.cc), the same IEEE operations in the same order (no fused multiply-add here), so the same bits
  ;; (test/core/wasmTanh.test.ts checks both against Math on random doubles and bit patterns). Math.tanh is a call out of
  ;; JIT code into C per element (~40 ns); tanh_f64 / tanh_f32 run the whole array here.
  ;; expm1(x): x = k·ln2 + r (|r| ≤ ln2/2, c the rounding error of r), expm1(r) from a rational approximation
  ;; with R1 a degree-5 polynomial in r²/2, scaled back by 2^k in one of the ways that keep the error below 1 ulp.
  (func $expm1 (export "expm1") (param $x f64) (result f64)
    (local $hx i32) (local $xsb i32) (local $k i32)
    (local $hi f64) (local $lo f64) (local $c f64) (local $t f64) (local $e f64) (local $hxs f64) (local $hfx f64)
    (local $r1 f64) (local $twopk f64) (local $y f64)
    (local.set $hx (i32.wrap_i64 (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 32))))
    (local.set $xsb (i32.and (local.get $hx) (i32.const 0x80000000)))
    (local.set $hx (i32.and (local.get $hx) (i32.const 0x7fffffff)))
    ;; |x| ≥ 56 ln2: NaN, ±∞, overflow, or −1 for x < −56 ln2
    (if (i32.ge_u (local.get $hx) (i32.const 0x4043687a))
      (then
        (if (i32.ge_u (local.get $hx) (i32.const 0x40862e42))
          (then
            (if (i32.ge_u (local.get $hx) (i32.const 0x7ff00000))
              (then
                (if (i32.or (i32.and (local.get $hx) (i32.const 0xfffff)) (i32.wrap_i64 (i64.reinterpret_f64 (local.get $x))))
                  (then (return (f64.add (local.get $x) (local.get $x)))))
                (return (select (local.get $x) (f64.const -1) (i32.eqz (local.get $xsb))))))
            (if (f64.gt (local.get $x) (f64.const 0x1.62e42fefa39efp+9))
              (then (return (f64.mul (f64.const 1e300) (f64.const 1e300)))))))
        (if (local.get $xsb)
          (then
            (if (f64.lt (f64.add (local.get $x) (f64.const 1e-300)) (f64.const 0))
              (then (return (f64.sub (f64.const 1e-300) (f64.const 1)))))))))
    ;; argument reduction: x = hi − lo = k·ln2 + r
    (if (i32.gt_u (local.get $hx) (i32.const 0x3fd62e42))
      (then
        (if (i32.lt_u (local.get $hx) (i32.const 0x3ff0a2b2))
          (then
            (if (i32.eqz (local.get $xsb))
              (then
                (local.set $hi (f64.sub (local.get $x) (f64.const 0x1.62e42feep-1)))
                (local.set $lo (f64.const 0x1.a39ef35793c76p-33))
                (local.set $k (i32.const 1)))
              (else
                (local.set $hi (f64.add (local.get $x) (f64.const 0x1.62e42feep-1)))
                (local.set $lo (f64.const -0x1.a39ef35793c76p-33))
                (local.set $k (i32.const -1)))))
          (else
            (local.set $k (i32.trunc_f64_s (f64.add (f64.mul (f64.const 0x1.71547652b82fep+0) (local.get $x))
              (select (f64.const 0.5) (f64.const -0.5) (i32.eqz (local.get $xsb))))))
            (local.set $t (f64.convert_i32_s (local.get $k)))
            (local.set $hi (f64.sub (local.get $x) (f64.mul (local.get $t) (f64.const 0x1.62e42feep-1))))
            (local.set $lo (f64.mul (local.get $t) (f64.const 0x1.a39ef35793c76p-33)))))
        (local.set $x (f64.sub (local.get $hi) (local.get $lo)))
        (local.set $c (f64.sub (f64.sub (local.get $hi) (local.get $x)) (local.get $lo))))
      (else
        ;; |x| < 2^-54: x itself (through the same operations as fdlibm, which keep −0)
        (if (i32.lt_u (local.get $hx) (i32.const 0x3c900000))
          (then
            (local.set $t (f64.add (f64.const 1e300) (local.get $x)))
            (return (f64.sub (local.get $x) (f64.sub (local.get $t) (f64.add (f64.const 1e300) (local.get $x)))))))))
    (local.set $hfx (f64.mul (f64.const 0.5) (local.get $x)))
    (local.set $hxs (f64.mul (local.get $x) (local.get $hfx)))
    (local.set $r1 (f64.add (f64.const 1) (f64.mul (local.get $hxs)
      (f64.add (f64.const -0x1.11111111110f4p-5) (f64.mul (local.get $hxs)
        (f64.add (f64.const 0x1.a01a019fe5585p-10) (f64.mul (local.get $hxs)
          (f64.add (f64.const -0x1.4ce199eaadbb7p-14) (f64.mul (local.get $hxs)
            (f64.add (f64.const 0x1.0cfca86e65239p-18) (f64.mul (local.get $hxs) (f64.const -0x1.afdb76e09c32dp-23))))))))))))
    (local.set $t (f64.sub (f64.const 3) (f64.mul (local.get $r1) (local.get $hfx))))
    (local.set $e (f64.mul (local.get $hxs) (f64.div (f64.sub (local.get $r1) (local.get $t))
                                                     (f64.sub (f64.const 6) (f64.mul (local.get $x) (local.get $t))))))
    (if (i32.eqz (local.get $k))
      (then (return (f64.sub (local.get $x) (f64.sub (f64.mul (local.get $x) (local.get $e)) (local.get $hxs))))))
    (local.set $twopk (f64.reinterpret_i64 (i64.shl (i64.extend_i32_u
      (i32.add (i32.const 0x3ff00000) (i32.shl (local.get $k) (i32.const 20)))) (i64.const 32))))
    (local.set $e (f64.sub (f64.sub (f64.mul (local.get $x) (f64.sub (local.get $e) (local.get $c))) (local.get $c)) (local.get $hxs)))
    (if (i32.eq (local.get $k) (i32.const -1))
      (then (return (f64.sub (f64.mul (f64.const 0.5) (f64.sub (local.get $x) (local.get $e))) (f64.const 0.5)))))
    (if (i32.eq (local.get $k) (i32.const 1))
      (then
        (if (f64.lt (local.get $x) (f64.const -0.25))
          (then (return (f64.mul (f64.const -2) (f64.sub (local.get $e) (f64.add (local.get $x) (f64.const 0.5)))))))
        (return (f64.add (f64.const 1) (f64.mul (f64.const 2) (f64.sub (local.get $x) (local.get $e)))))))
    (if (i32.or (i32.le_s (local.get $k) (i32.const -2)) (i32.gt_s (local.get $k) (i32.const 56)))
      (then
        (local.set $y (f64.sub (f64.const 1) (f64.sub (local.get $e) (local.get $x))))
        (if (i32.eq (local.get $k) (i32.const 1024))
          (then (local.set $y (f64.mul (f64.mul (local.get $y) (f64.const 2)) (f64.const 8.98846567431158e+307))))
          (else (local.set $y (f64.mul (local.get $y) (local.get $twopk)))))
        (return (f64.sub (local.get $y) (f64.const 1)))))
    (if (i32.lt_s (local.get $k) (i32.const 20))
      (then
        ;; t = 1 − 2^-k
        (local.set $t (f64.reinterpret_i64 (i64.shl (i64.extend_i32_u
          (i32.sub (i32.const 0x3ff00000) (i32.shr_s (i32.const 0x200000) (local.get $k)))) (i64.const 32))))
        (return (f64.mul (f64.sub (local.get $t) (f64.sub (local.get $e) (local.get $x))) (local.get $twopk)))))
    ;; t = 2^-k
    (local.set $t (f64.reinterpret_i64 (i64.shl (i64.extend_i32_u
      (i32.shl (i32.sub (i32.const 0x3ff) (local.get $k)) (i32.const 20))) (i64.const 32))))
    (f64.mul (f64.add (f64.sub (local.get $x) (f64.add (local.get $e) (local.get $t))) (f64.const 1)) (local.get $twopk))
  )

  ;; tanh(x) = −t/(t + 2), t = expm1(−2|x|) for |x| < 1; 1 − 2/(t + 2), t = expm1(2|x|) for 1 ≤ |x| < 22; ±1 beyond
  (func $tanh (export "tanh") (param $x f64) (result f64)
    (local $jx i32) (local $ix i32) (local $t f64) (local $z f64)
    (local.set $jx (i32.wrap_i64 (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 32))))
    (local.set $ix (i32.and (local.get $jx) (i32.const 0x7fffffff)))
    (if (i32.ge_u (local.get $ix) (i32.const 0x7ff00000))
      (then
        (if (i32.ge_s (local.get $jx) (i32.const 0))
          (then (return (f64.add (f64.div (f64.const 1) (local.get $x)) (f64.const 1)))))
        (return (f64.sub (f64.div (f64.const 1) (local.get $x)) (f64.const 1)))))
    (if (i32.lt_u (local.get $ix) (i32.const 0x40360000))
      (then
        ;; |x| < 2^-28: x (fdlibm's test huge + x > 1 always holds here)
        (if (i32.lt_u (local.get $ix) (i32.const 0x3e300000))
          (then (if (f64.gt (f64.add (f64.const 1e300) (local.get $x)) (f64.const 1)) (then (return (local.get $x))))))
        (if (i32.ge_u (local.get $ix) (i32.const 0x3ff00000))
          (then
            (local.set $t (call $expm1 (f64.mul (f64.const 2) (f64.abs (local.get $x)))))
            (local.set $z (f64.sub (f64.const 1) (f64.div (f64.const 2) (f64.add (local.get $t) (f64.const 2))))))
          (else
            (local.set $t (call $expm1 (f64.mul (f64.const -2) (f64.abs (local.get $x)))))
            (local.set $z (f64.div (f64.neg (local.get $t)) (f64.add (local.get $t) (f64.const 2)))))))
      (else (local.set $z (f64.sub (f64.const 1) (f64.const 1e-300)))))
    (select (local.get $z) (f64.neg (local.get $z)) (i32.ge_s (local.get $jx) (i32.const 0)))
  )

  ;; tanh_init(at): the constants of tanh_f64, each in both lanes, at at, at + 16, … (16-byte aligned, 448 bytes)
  (func (export "tanh_init") (param $at i32)
    (v128.store offset=0 (local.get $at) (i64x2.splat (i64.const 0x7fffffffffffffff)))  ;; 0: |x| mask
    (v128.store offset=16 (local.get $at) (i64x2.splat (i64.const 0x4036000000000000)))  ;; 1: 22 (high words 0x40360000)
    (v128.store offset=32 (local.get $at) (i64x2.splat (i64.const 0x3e30000000000000)))  ;; 2: 2^-28
    (v128.store offset=48 (local.get $at) (i64x2.splat (i64.const 0x3ff0000000000000)))  ;; 3: 1 (as bits)
    (v128.store offset=64 (local.get $at) (f64x2.splat (f64.const 2)))  ;; 4: 2
    (v128.store offset=80 (local.get $at) (f64x2.splat (f64.const -2)))  ;; 5: −2
    (v128.store offset=96 (local.get $at) (i64x2.splat (i64.const 0x3fd62e4300000000)))  ;; 6: ln2/2 (expm1's threshold of reduction, as bits)
    (v128.store offset=112 (local.get $at) (i64x2.splat (i64.const 0x3ff0a2b200000000)))  ;; 7: 1.5 ln2 (as bits)
    (v128.store offset=128 (local.get $at) (f64x2.splat (f64.const 0x1.71547652b82fep+0)))  ;; 8: 1/ln2
    (v128.store offset=144 (local.get $at) (f64x2.splat (f64.const 0.5)))  ;; 9: ½
    (v128.store offset=160 (local.get $at) (f64x2.splat (f64.const -0.5)))  ;; 10: −½
    (v128.store offset=176 (local.get $at) (f64x2.splat (f64.const 0x1.62e42feep-1)))  ;; 11: ln2_hi
    (v128.store offset=192 (local.get $at) (f64x2.splat (f64.const -0x1.a39ef35793c76p-33)))  ;; 12: −ln2_lo
    (v128.store offset=208 (local.get $at) (f64x2.splat (f64.const 0x1.a39ef35793c76p-33)))  ;; 13: ln2_lo
    (v128.store offset=224 (local.get $at) (i64x2.splat (i64.const -1)))  ;; 14: −1 (i64)
    (v128.store offset=240 (local.get $at) (f64x2.splat (f64.const 1)))  ;; 15: 1
    (v128.store offset=256 (local.get $at) (f64x2.splat (f64.const -0x1.11111111110f4p-5)))  ;; 16: Q1
    (v128.store offset=272 (local.get $at) (f64x2.splat (f64.const 0x1.a01a019fe5585p-10)))  ;; 17: Q2
    (v128.store offset=288 (local.get $at) (f64x2.splat (f64.const -0x1.4ce199eaadbb7p-14)))  ;; 18: Q3
    (v128.store offset=304 (local.get $at) (f64x2.splat (f64.const 0x1.0cfca86e65239p-18)))  ;; 19: Q4
    (v128.store offset=320 (local.get $at) (f64x2.splat (f64.const -0x1.afdb76e09c32dp-23)))  ;; 20: Q5
    (v128.store offset=336 (local.get $at) (f64x2.splat (f64.const 3)))  ;; 21: 3
    (v128.store offset=352 (local.get $at) (f64x2.splat (f64.const 6)))  ;; 22: 6
    (v128.store offset=368 (local.get $at) (i64x2.splat (i64.const 1023)))  ;; 23: 1023 (i64)
    (v128.store offset=384 (local.get $at) (i64x2.splat (i64.const 20)))  ;; 24: 20 (i64)
    (v128.store offset=400 (local.get $at) (i64x2.splat (i64.const -2)))  ;; 25: −2 (i64)
    (v128.store offset=416 (local.get $at) (i64x2.splat (i64.const 56)))  ;; 26: 56 (i64)
    (v128.store offset=432 (local.get $at) (i64x2.splat (i64.const 0x8000000000000000)))  ;; 27: sign bit
  )

  ;; y[i] = tanh(x[i]), i < n, float64 arrays at x and y (which may coincide). Two lanes at a time without branches
  ;; on the data: each lane runs the operations $tanh and $expm1 would run on it, every case of expm1's reduction and
  ;; scaling that tanh can reach is computed and the lane's own one selected (v128.bitselect), so the result is $tanh's
  ;; bit for bit. For tanh the argument of expm1 is a = −2|x| ∈ (−2, 0) when |x| < 1 (k = 0, −1, ≤ −2) and
  ;; a = 2|x| ∈ [2, 44) otherwise (k from 3 to 64), so expm1's k = 1 case never occurs. The scalar functions branch on
  ;; the argument's range at every step, which random activations mispredict. A pair with a lane where |x| ≥ 22,
  ;; |x| < 2^-28, ∞ or NaN goes to $tanh, as does the last element of an odd n. The work runs in chunks of 64 pairs,
  ;; each in three passes (the reduction; the rational approximation; the scaling and tanh's division) through a
  ;; state of 160 bytes per pair at w: one loop with all of it chained some 60 dependent operations per pair, more than
  ;; the processor's scheduler holds, so pairs barely overlapped. The constants are read from the table that tanh_init
  ;; wrote at k0: V8 rebuilds a splatted constant inside the loop at every use (three instructions), a load is folded
  ;; into the operation that uses it.
    (func (export "tanh_f64") (param $x i32) (param $y i32) (param $n i32) (param $k0 i32) (param $w i32)
    (local $end i32) (local $cend i32) (local $p i32) (local $pend i32) (local $xi i32) (local $yi i32)
    (local $v v128) (local $ax v128) (local $big v128) (local $a v128)
    (local $caseA v128) (local $caseB v128) (local $kC32 v128) (local $tC v128) (local $k v128)
    (local $hi v128) (local $lo v128) (local $xr v128) (local $cc v128)
    (local $hfx v128) (local $hxs v128) (local $r1 v128) (local $t v128) (local $e v128) (local $e2 v128)
    (local $twopk v128) (local $p2mk v128) (local $r v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $chunk
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        ;; this chunk: up to 64 pairs, x[x, cend); pair p's state at w + 160·p
        (local.set $cend (select (i32.add (local.get $x) (i32.const 1024)) (local.get $end)
          (i32.lt_u (i32.add (local.get $x) (i32.const 1024)) (local.get $end))))
        (local.set $pend (i32.add (local.get $w) (i32.mul (i32.shr_u (i32.sub (local.get $cend) (local.get $x)) (i32.const 4)) (i32.const 160))))
        ;; pass 1: expm1's argument a and its reduction a = hi − lo = k·ln2 + r (xr, and cc the rounding error of xr)
        (local.set $xi (local.get $x))
        (local.set $p (local.get $w))
        (block $d1
          (loop $l1
            (br_if $d1 (i32.ge_u (local.get $p) (local.get $pend)))
            (local.set $v (v128.load (local.get $xi)))
            (local.set $ax (v128.and (local.get $v) (v128.load offset=0 (local.get $k0))))
            (v128.store offset=0 (local.get $p) (local.get $v))
            ;; a lane with |x| ≥ 22, |x| < 2^-28, ∞ or NaN: the pair goes to $tanh in pass 3
            (v128.store offset=112 (local.get $p) (v128.or (i64x2.ge_s (local.get $ax) (v128.load offset=16 (local.get $k0))) (i64x2.lt_s (local.get $ax) (v128.load offset=32 (local.get $k0)))))
            ;; |x| ≥ 1: t = expm1(2|x|); else t = expm1(−2|x|)
            (local.set $big (i64x2.ge_s (local.get $ax) (v128.load offset=48 (local.get $k0))))
            (local.set $a (v128.bitselect (f64x2.mul (v128.load offset=64 (local.get $k0)) (local.get $ax)) (f64x2.mul (v128.load offset=80 (local.get $k0)) (local.get $ax)) (local.get $big)))
            ;; none for |a| ≤ ln2/2 (A), k = −1 below 1.5 ln2 (B: only a < 0 reaches it), else k = trunc(a/ln2 ± ½)
            ;; (|a| here is 2|x|, exactly)
            (local.set $caseA (i64x2.lt_s (f64x2.mul (v128.load offset=64 (local.get $k0)) (local.get $ax)) (v128.load offset=96 (local.get $k0))))
            (local.set $caseB (i64x2.lt_s (f64x2.mul (v128.load offset=64 (local.get $k0)) (local.get $ax)) (v128.load offset=112 (local.get $k0))))
            (local.set $kC32 (i32x4.trunc_sat_f64x2_s_zero (f64x2.add (f64x2.mul (v128.load offset=128 (local.get $k0)) (local.get $a))
              (v128.bitselect (v128.load offset=144 (local.get $k0)) (v128.load offset=160 (local.get $k0)) (local.get $big)))))
            (local.set $tC (f64x2.convert_low_i32x4_s (local.get $kC32)))
            (local.set $hi (v128.bitselect (f64x2.add (local.get $a) (v128.load offset=176 (local.get $k0)))
              (f64x2.sub (local.get $a) (f64x2.mul (local.get $tC) (v128.load offset=176 (local.get $k0)))) (local.get $caseB)))
            (local.set $lo (v128.bitselect (v128.load offset=192 (local.get $k0))
              (f64x2.mul (local.get $tC) (v128.load offset=208 (local.get $k0))) (local.get $caseB)))
            (v128.store offset=48 (local.get $p) (v128.bitselect (v128.load offset=224 (local.get $k0)) (i64x2.extend_low_i32x4_s (local.get $kC32)) (local.get $caseB)))
            (local.set $xr (v128.bitselect (local.get $a) (f64x2.sub (local.get $hi) (local.get $lo)) (local.get $caseA)))
            (v128.store offset=16 (local.get $p) (local.get $xr))
            (v128.store offset=32 (local.get $p) (f64x2.sub (f64x2.sub (local.get $hi) (local.get $xr)) (local.get $lo)))
            (v128.store offset=64 (local.get $p) (local.get $caseA))
            (v128.store offset=80 (local.get $p) (local.get $caseB))
            (v128.store offset=96 (local.get $p) (local.get $big))
            (local.set $xi (i32.add (local.get $xi) (i32.const 16)))
            (local.set $p (i32.add (local.get $p) (i32.const 160)))
            (br $l1)))
        ;; pass 2: the rational approximation on the reduced argument: e, and e2 over cc
        (local.set $p (local.get $w))
        (block $d2
          (loop $l2
            (br_if $d2 (i32.ge_u (local.get $p) (local.get $pend)))
            (local.set $xr (v128.load offset=16 (local.get $p)))
            (local.set $cc (v128.load offset=32 (local.get $p)))
            (local.set $hfx (f64x2.mul (v128.load offset=144 (local.get $k0)) (local.get $xr)))
            (local.set $hxs (f64x2.mul (local.get $xr) (local.get $hfx)))
            (local.set $r1 (f64x2.add (v128.load offset=240 (local.get $k0)) (f64x2.mul (local.get $hxs)
              (f64x2.add (v128.load offset=256 (local.get $k0)) (f64x2.mul (local.get $hxs)
                (f64x2.add (v128.load offset=272 (local.get $k0)) (f64x2.mul (local.get $hxs)
                  (f64x2.add (v128.load offset=288 (local.get $k0)) (f64x2.mul (local.get $hxs)
                    (f64x2.add (v128.load offset=304 (local.get $k0)) (f64x2.mul (local.get $hxs) (v128.load offset=320 (local.get $k0)))))))))))))
            (local.set $t (f64x2.sub (v128.load offset=336 (local.get $k0)) (f64x2.mul (local.get $r1) (local.get $hfx))))
            (local.set $e (f64x2.mul (local.get $hxs) (f64x2.div (f64x2.sub (local.get $r1) (local.get $t))
              (f64x2.sub (v128.load offset=352 (local.get $k0)) (f64x2.mul (local.get $xr) (local.get $t))))))
            (v128.store offset=128 (local.get $p) (local.get $e))
            (v128.store offset=144 (local.get $p) (local.get $hxs))
            (v128.store offset=32 (local.get $p) (f64x2.sub (f64x2.sub (f64x2.mul (local.get $xr) (f64x2.sub (local.get $e) (local.get $cc))) (local.get $cc)) (local.get $hxs)))
            (local.set $p (i32.add (local.get $p) (i32.const 160)))
            (br $l2)))
        ;; pass 3: expm1 scaled back by 2^k, then tanh
        (local.set $yi (local.get $y))
        (local.set $p (local.get $w))
        (block $d3
          (loop $l3
            (br_if $d3 (i32.ge_u (local.get $p) (local.get $pend)))
            (if (v128.any_true (v128.load offset=112 (local.get $p)))
              (then
                (f64.store (local.get $yi) (call $tanh (f64x2.extract_lane 0 (v128.load offset=0 (local.get $p)))))
                (f64.store offset=8 (local.get $yi) (call $tanh (f64x2.extract_lane 1 (v128.load offset=0 (local.get $p))))))
              (else
                (local.set $xr (v128.load offset=16 (local.get $p)))
                (local.set $e2 (v128.load offset=32 (local.get $p)))
                (local.set $k (v128.load offset=48 (local.get $p)))
                (local.set $e (v128.load offset=128 (local.get $p)))
                (local.set $hxs (v128.load offset=144 (local.get $p)))
                (local.set $twopk (i64x2.shl (i64x2.add (local.get $k) (v128.load offset=368 (local.get $k0))) (i32.const 52)))
                (local.set $p2mk (i64x2.shl (i64x2.sub (v128.load offset=368 (local.get $k0)) (local.get $k)) (i32.const 52)))
                ;; scaling back by 2^k: 20 ≤ k ≤ 56, 2 ≤ k < 20, k ≤ −2 or k > 56, k = −1 (B), k = 0 (A); innermost first
                (local.set $r (v128.bitselect
                  (f64x2.mul (f64x2.sub (f64x2.sub (v128.load offset=240 (local.get $k0)) (local.get $p2mk)) (f64x2.sub (local.get $e2) (local.get $xr))) (local.get $twopk))
                  (f64x2.mul (f64x2.add (f64x2.sub (local.get $xr) (f64x2.add (local.get $e2) (local.get $p2mk))) (v128.load offset=240 (local.get $k0))) (local.get $twopk))
                  (i64x2.lt_s (local.get $k) (v128.load offset=384 (local.get $k0)))))
                (local.set $r (v128.bitselect
                  (f64x2.sub (f64x2.mul (f64x2.sub (v128.load offset=240 (local.get $k0)) (f64x2.sub (local.get $e2) (local.get $xr))) (local.get $twopk)) (v128.load offset=240 (local.get $k0)))
                  (local.get $r)
                  (v128.or (i64x2.le_s (local.get $k) (v128.load offset=400 (local.get $k0))) (i64x2.gt_s (local.get $k) (v128.load offset=416 (local.get $k0))))))
                (local.set $r (v128.bitselect
                  (f64x2.sub (f64x2.mul (v128.load offset=144 (local.get $k0)) (f64x2.sub (local.get $xr) (local.get $e2))) (v128.load offset=144 (local.get $k0)))
                  (local.get $r)
                  (v128.load offset=80 (local.get $p))))
                (local.set $r (v128.bitselect
                  (f64x2.sub (local.get $xr) (f64x2.sub (f64x2.mul (local.get $xr) (local.get $e)) (local.get $hxs)))
                  (local.get $r)
                  (v128.load offset=64 (local.get $p))))
                ;; tanh from t = r: 1 − 2/(t + 2) for |x| ≥ 1, −t/(t + 2) below; positive, so x's sign bit is or-ed in
                (v128.store (local.get $yi) (v128.or
                  (v128.bitselect
                    (f64x2.sub (v128.load offset=240 (local.get $k0)) (f64x2.div (v128.load offset=64 (local.get $k0)) (f64x2.add (local.get $r) (v128.load offset=64 (local.get $k0)))))
                    (f64x2.div (f64x2.neg (local.get $r)) (f64x2.add (local.get $r) (v128.load offset=64 (local.get $k0))))
                    (v128.load offset=96 (local.get $p)))
                  (v128.and (v128.load offset=0 (local.get $p)) (v128.load offset=432 (local.get $k0)))))))
            (local.set $yi (i32.add (local.get $yi) (i32.const 16)))
            (local.set $p (i32.add (local.get $p) (i32.const 160)))
            (br $l3)))
        (local.set $x (local.get $cend))
        (local.set $y (local.get $yi))
        (br $chunk)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $y) (call $tanh (f64.load (local.get $x))))))
  )


  ;; exp: fdlibm's e_exp.c (Sun Microsystems 1993) as V8 computes Math.exp (src/base/ieee754.cc, with its exp(1) = E
  ;; special case), the same IEEE operations in the same order, so the same bits (test/core/wasmExp.test.ts checks it
  ;; against Math.exp). x = k·ln2 + r, |r| ≤ ln2/2 (r = hi − lo), exp(r) = 1 + r + r·c/(2 − c) with c = r − r²·P(r²)
  ;; (a degree-5 Remez polynomial), scaled back by 2^k.
  (func $exp (export "exp") (param $x f64) (result f64)
    (local $hx i32) (local $xsb i32) (local $k i32)
    (local $hi f64) (local $lo f64) (local $c f64) (local $t f64) (local $y f64)
    (local.set $hx (i32.wrap_i64 (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 32))))
    (local.set $xsb (i32.shr_u (local.get $hx) (i32.const 31)))
    (local.set $hx (i32.and (local.get $hx) (i32.const 0x7fffffff)))
    ;; |x| ≥ 709.78: NaN, ±∞, overflow, underflow
    (if (i32.ge_u (local.get $hx) (i32.const 0x40862e42))
      (then
        (if (i32.ge_u (local.get $hx) (i32.const 0x7ff00000))
          (then
            (if (i32.or (i32.and (local.get $hx) (i32.const 0xfffff)) (i32.wrap_i64 (i64.reinterpret_f64 (local.get $x))))
              (then (return (f64.add (local.get $x) (local.get $x)))))
            (return (select (local.get $x) (f64.const 0) (i32.eqz (local.get $xsb))))))
        (if (f64.gt (local.get $x) (f64.const 0x1.62e42fefa39efp+9))
          (then (return (f64.mul (f64.const 1e300) (f64.const 1e300)))))
        (if (f64.lt (local.get $x) (f64.const -0x1.74910d52d3051p+9))
          (then (return (f64.mul (f64.const 0x1p-1000) (f64.const 0x1p-1000)))))))
    ;; argument reduction: x = hi − lo = k·ln2 + r
    (if (i32.gt_u (local.get $hx) (i32.const 0x3fd62e42))
      (then
        (if (i32.lt_u (local.get $hx) (i32.const 0x3ff0a2b2))
          (then
            (if (f64.eq (local.get $x) (f64.const 1)) (then (return (f64.const 0x1.5bf0a8b145769p+1))))
            (if (i32.eqz (local.get $xsb))
              (then
                (local.set $hi (f64.sub (local.get $x) (f64.const 0x1.62e42feep-1)))
                (local.set $lo (f64.const 0x1.a39ef35793c76p-33))
                (local.set $k (i32.const 1)))
              (else
                (local.set $hi (f64.sub (local.get $x) (f64.const -0x1.62e42feep-1)))
                (local.set $lo (f64.const -0x1.a39ef35793c76p-33))
                (local.set $k (i32.const -1)))))
          (else
            (local.set $k (i32.trunc_f64_s (f64.add (f64.mul (f64.const 0x1.71547652b82fep+0) (local.get $x))
              (select (f64.const 0.5) (f64.const -0.5) (i32.eqz (local.get $xsb))))))
            (local.set $t (f64.convert_i32_s (local.get $k)))
            (local.set $hi (f64.sub (local.get $x) (f64.mul (local.get $t) (f64.const 0x1.62e42feep-1))))
            (local.set $lo (f64.mul (local.get $t) (f64.const 0x1.a39ef35793c76p-33)))))
        (local.set $x (f64.sub (local.get $hi) (local.get $lo))))
      (else
        ;; |x| < 2^-28: 1 + x
        (if (i32.lt_u (local.get $hx) (i32.const 0x3e300000))
          (then (return (f64.add (f64.const 1) (local.get $x)))))))
    (local.set $t (f64.mul (local.get $x) (local.get $x)))
    (local.set $c (f64.sub (local.get $x) (f64.mul (local.get $t)
      (f64.add (f64.const 0x1.555555555553ep-3) (f64.mul (local.get $t)
        (f64.add (f64.const -0x1.6c16c16bebd93p-9) (f64.mul (local.get $t)
          (f64.add (f64.const 0x1.1566aaf25de2cp-14) (f64.mul (local.get $t)
            (f64.add (f64.const -0x1.bbd41c5d26bf1p-20) (f64.mul (local.get $t) (f64.const 0x1.6376972bea4dp-25))))))))))))
    (if (i32.eqz (local.get $k))
      (then (return (f64.sub (f64.const 1) (f64.sub (f64.div (f64.mul (local.get $x) (local.get $c)) (f64.sub (local.get $c) (f64.const 2)))
                                                    (local.get $x))))))
    (local.set $y (f64.sub (f64.const 1) (f64.sub (f64.sub (local.get $lo) (f64.div (f64.mul (local.get $x) (local.get $c)) (f64.sub (f64.const 2) (local.get $c))))
                                                  (local.get $hi))))
    (if (i32.ge_s (local.get $k) (i32.const -1021))
      (then
        (if (i32.eq (local.get $k) (i32.const 1024))
          (then (return (f64.mul (f64.mul (local.get $y) (f64.const 2)) (f64.const 0x1p1023)))))
        (return (f64.mul (local.get $y) (f64.reinterpret_i64 (i64.shl (i64.extend_i32_s (i32.add (local.get $k) (i32.const 1023))) (i64.const 52)))))))
    (f64.mul (f64.mul (local.get $y) (f64.reinterpret_i64 (i64.shl (i64.extend_i32_s (i32.add (local.get $k) (i32.const 2023))) (i64.const 52))))
             (f64.const 0x1p-1000))
  )

  ;; exp_init(at): the constants of exp_f64, each in both lanes, at at, at + 16, … (16-byte aligned, 304 bytes)
  (func (export "exp_init") (param $at i32)
    (v128.store offset=0 (local.get $at) (i64x2.splat (i64.const 0x7fffffffffffffff)))  ;; 0: |x| mask
    (v128.store offset=16 (local.get $at) (i64x2.splat (i64.const 0x4086000000000000)))  ;; 1: 704 (as bits): from here $exp
    (v128.store offset=32 (local.get $at) (i64x2.splat (i64.const 0x3e30000000000000)))  ;; 2: 2^-28 (as bits): below, $exp
    (v128.store offset=48 (local.get $at) (f64x2.splat (f64.const 1)))  ;; 3: 1
    (v128.store offset=64 (local.get $at) (i64x2.splat (i64.const 0x3fd62e4300000000)))  ;; 4: ln2/2 (as bits): below, k = 0
    (v128.store offset=80 (local.get $at) (i64x2.splat (i64.const 0x3ff0a2b200000000)))  ;; 5: 1.5 ln2 (as bits): below, k = ±1
    (v128.store offset=96 (local.get $at) (f64x2.splat (f64.const 0x1.71547652b82fep+0)))  ;; 6: 1/ln2
    (v128.store offset=112 (local.get $at) (f64x2.splat (f64.const 0.5)))  ;; 7: ½
    (v128.store offset=128 (local.get $at) (i64x2.splat (i64.const 0x8000000000000000)))  ;; 8: sign bit
    (v128.store offset=144 (local.get $at) (f64x2.splat (f64.const 0x1.62e42feep-1)))  ;; 9: ln2_hi
    (v128.store offset=160 (local.get $at) (f64x2.splat (f64.const 0x1.a39ef35793c76p-33)))  ;; 10: ln2_lo
    (v128.store offset=176 (local.get $at) (f64x2.splat (f64.const 0x1.555555555553ep-3)))  ;; 11: P1
    (v128.store offset=192 (local.get $at) (f64x2.splat (f64.const -0x1.6c16c16bebd93p-9)))  ;; 12: P2
    (v128.store offset=208 (local.get $at) (f64x2.splat (f64.const 0x1.1566aaf25de2cp-14)))  ;; 13: P3
    (v128.store offset=224 (local.get $at) (f64x2.splat (f64.const -0x1.bbd41c5d26bf1p-20)))  ;; 14: P4
    (v128.store offset=240 (local.get $at) (f64x2.splat (f64.const 0x1.6376972bea4dp-25)))  ;; 15: P5
    (v128.store offset=256 (local.get $at) (f64x2.splat (f64.const 2)))  ;; 16: 2
    (v128.store offset=272 (local.get $at) (i64x2.splat (i64.const 1023)))  ;; 17: 1023 (i64)
    (v128.store offset=288 (local.get $at) (f64x2.splat (f64.const 0x1.8p52)))  ;; 18: 1.5·2^52 (t + it: k in the low bits)
  )

  ;; y[i] = exp(x[i]), i < n, float64 arrays at x and y (which may coincide). Two lanes at a time without branches on the
  ;; data, $exp's result bit for bit. For 2^-28 ≤ |x| < 704 (so −1021 ≤ k ≤ 1023, 2^k a normal number) and x ≠ 1, $exp's
  ;; three reductions are one: t = k as a double, hi = x − t·ln2_hi, lo = t·ln2_lo. With k = ±1 (ln2/2 < |x| < 1.5 ln2)
  ;; t·ln2_hi and t·ln2_lo are ±ln2_hi and ±ln2_lo exactly; with k = 0 (|x| ≤ ln2/2), hi = x and lo = +0, and then
  ;; 1 − ((lo − r·c/(2 − c)) − hi) is $exp's 1 − (r·c/(c − 2) − r) exactly (c − 2 = −(2 − c), and 0 − q = −q for q ≠ 0;
  ;; for q = ±0 both give 1 − (−r)); 2^0 = 1 scales exactly. A pair with a lane outside that range (or x = 1) goes to
  ;; $exp, as does the last element of an odd n. The constants are read from exp_init's table at k0 (see tanh_f64).
  (func (export "exp_f64") (param $x i32) (param $y i32) (param $n i32) (param $k0 i32)
    (local $end i32) (local $v v128) (local $ax v128) (local $sgn v128) (local $t v128)
    (local $hi v128) (local $lo v128) (local $r v128) (local $tt v128) (local $c v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $v (v128.load (local.get $x)))
        (local.set $ax (v128.and (local.get $v) (v128.load offset=0 (local.get $k0))))
        (if (v128.any_true (v128.or (v128.or (i64x2.ge_s (local.get $ax) (v128.load offset=16 (local.get $k0)))
                                             (i64x2.lt_s (local.get $ax) (v128.load offset=32 (local.get $k0))))
                                    (f64x2.eq (local.get $v) (v128.load offset=48 (local.get $k0)))))
          (then
            (f64.store (local.get $y) (call $exp (f64x2.extract_lane 0 (local.get $v))))
            (f64.store offset=8 (local.get $y) (call $exp (f64x2.extract_lane 1 (local.get $v)))))
          (else
            (local.set $sgn (v128.and (local.get $v) (v128.load offset=128 (local.get $k0))))
            ;; t = 0 (|x| ≤ ln2/2), ±1 (below 1.5 ln2), else trunc(x/ln2 ± ½)
            (local.set $t (v128.andnot
              (v128.bitselect
                (v128.or (v128.load offset=48 (local.get $k0)) (local.get $sgn))
                (f64x2.trunc (f64x2.add (f64x2.mul (v128.load offset=96 (local.get $k0)) (local.get $v))
                  (v128.or (v128.load offset=112 (local.get $k0)) (local.get $sgn))))
                (i64x2.lt_s (local.get $ax) (v128.load offset=80 (local.get $k0))))
              (i64x2.lt_s (local.get $ax) (v128.load offset=64 (local.get $k0)))))
            (local.set $hi (f64x2.sub (local.get $v) (f64x2.mul (local.get $t) (v128.load offset=144 (local.get $k0)))))
            (local.set $lo (f64x2.mul (local.get $t) (v128.load offset=160 (local.get $k0))))
            (local.set $r (f64x2.sub (local.get $hi) (local.get $lo)))
            (local.set $tt (f64x2.mul (local.get $r) (local.get $r)))
            (local.set $c (f64x2.sub (local.get $r) (f64x2.mul (local.get $tt)
              (f64x2.add (v128.load offset=176 (local.get $k0)) (f64x2.mul (local.get $tt)
                (f64x2.add (v128.load offset=192 (local.get $k0)) (f64x2.mul (local.get $tt)
                  (f64x2.add (v128.load offset=208 (local.get $k0)) (f64x2.mul (local.get $tt)
                    (f64x2.add (v128.load offset=224 (local.get $k0)) (f64x2.mul (local.get $tt) (v128.load offset=240 (local.get $k0)))))))))))))
            (v128.store (local.get $y) (f64x2.mul
              (f64x2.sub (v128.load offset=48 (local.get $k0))
                (f64x2.sub (f64x2.sub (local.get $lo) (f64x2.div (f64x2.mul (local.get $r) (local.get $c))
                                                                 (f64x2.sub (v128.load offset=256 (local.get $k0)) (local.get $c))))
                           (local.get $hi)))
              (i64x2.shl (i64x2.add (f64x2.add (local.get $t) (v128.load offset=288 (local.get $k0))) (v128.load offset=272 (local.get $k0)))
                         (i32.const 52))))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $next)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $y) (call $exp (f64.load (local.get $x))))))
  )


  ;; LayerNorm over rows of n (core/layerNormRows.ts), bit for bit its TypeScript loops, in a float32 and a float64
  ;; version (the element type of every array but rstd, which is float64). Two rows at a time, one per lane, so each
  ;; row's sums keep their order.
  ;; layernorm_fwd: per row μ, then σ² = mean (x − μ)², r = 1/√(σ² + ε), x̂ = (x − μ)·r, and y = γ·x̂ + β from x̂ as
  ;; stored (rounded to float32 in the float32 version). Byte offsets: x, y, x̂ (rows·n), γ, β (n), rstd (rows).
  ;; layernorm_bwd, accumulated: with $hasp, ḡγ[j] += Σ_r g x̂ and ḡβ[j] += Σ_r g, rows in order, two columns per step
  ;; (one per lane; the last one twice when n is odd), each += rounded to the element type; with $hasx, per row
  ;; u = γ ⊙ g, s = mean u, m = mean(u x̂), ḡx += r (u − s − x̂ m). Byte offsets: g, x̂, ḡx (rows·n), γ, ḡγ, ḡβ (n), rstd.


  (func (export "layernorm_fwd_f32") (param $x i32) (param $gam i32) (param $bet i32) (param $y i32) (param $xh i32) (param $rs i32)
    (param $rows i32) (param $n i32) (param $eps f64)
    (local $rowb i32) (local $r i32) (local $o0 i32) (local $o1 i32) (local $q0 i32) (local $q1 i32) (local $jb i32) (local $end i32)
    (local $nn v128) (local $mu v128) (local $v v128) (local $d v128) (local $rsv v128) (local $t v128)
    (local.set $rowb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $nn (f64x2.splat (f64.convert_i32_u (local.get $n))))
    (block $rd
      (loop $rl
        (br_if $rd (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $o0 (i32.mul (local.get $r) (local.get $rowb)))
        ;; the second lane: row r + 1, or row r again when r is the last row (both lanes then store the same values)
        (local.set $o1 (select (i32.add (local.get $o0) (local.get $rowb)) (local.get $o0) (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows))))
        (local.set $end (i32.add (local.get $o0) (local.get $rowb)))
        (local.set $mu (v128.const i64x2 0 0))
        (local.set $q0 (local.get $o0))
        (local.set $q1 (local.get $o1))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_u (local.get $q0) (local.get $end)))
            (local.set $jb (i32.sub (local.get $q0) (local.get $o0)))
            (local.set $mu (f64x2.add (local.get $mu) (f64x2.promote_low_f32x4 (v128.load32_lane 1 (i32.add (local.get $x) (local.get $q1)) (v128.load32_zero (i32.add (local.get $x) (local.get $q0)))))))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 4)))
            (local.set $q1 (i32.add (local.get $q1) (i32.const 4)))
            (br $jl)))
        (local.set $mu (f64x2.div (local.get $mu) (local.get $nn)))
        (local.set $v (v128.const i64x2 0 0))
        (local.set $q0 (local.get $o0))
        (local.set $q1 (local.get $o1))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_u (local.get $q0) (local.get $end)))
            (local.set $jb (i32.sub (local.get $q0) (local.get $o0)))
            (local.set $d (f64x2.sub (f64x2.promote_low_f32x4 (v128.load32_lane 1 (i32.add (local.get $x) (local.get $q1)) (v128.load32_zero (i32.add (local.get $x) (local.get $q0))))) (local.get $mu)))
            (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $d) (local.get $d))))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 4)))
            (local.set $q1 (i32.add (local.get $q1) (i32.const 4)))
            (br $jl)))
        (local.set $rsv (f64x2.div (f64x2.splat (f64.const 1)) (f64x2.sqrt (f64x2.add (f64x2.div (local.get $v) (local.get $nn)) (f64x2.splat (local.get $eps))))))
        (v128.store64_lane 0 (i32.add (local.get $rs) (i32.shl (local.get $r) (i32.const 3))) (local.get $rsv))
        (if (i32.ne (local.get $o1) (local.get $o0))
          (then (v128.store64_lane offset=8 1 (i32.add (local.get $rs) (i32.shl (local.get $r) (i32.const 3))) (local.get $rsv))))
        (local.set $q0 (local.get $o0))
        (local.set $q1 (local.get $o1))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_u (local.get $q0) (local.get $end)))
            (local.set $jb (i32.sub (local.get $q0) (local.get $o0)))
            (local.set $d (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (v128.load32_lane 1 (i32.add (local.get $x) (local.get $q1)) (v128.load32_zero (i32.add (local.get $x) (local.get $q0))))) (local.get $mu)) (local.get $rsv)))
            (local.set $t (f32x4.demote_f64x2_zero (local.get $d)))
            (v128.store32_lane 0 (i32.add (local.get $xh) (local.get $q0)) (local.get $t))
            (v128.store32_lane 1 (i32.add (local.get $xh) (local.get $q1)) (local.get $t))
            (local.set $d (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get $d))))
            (local.set $t (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $gam) (local.get $jb))))) (local.get $d)) (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $bet) (local.get $jb))))))))
            (v128.store32_lane 0 (i32.add (local.get $y) (local.get $q0)) (local.get $t))
            (v128.store32_lane 1 (i32.add (local.get $y) (local.get $q1)) (local.get $t))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 4)))
            (local.set $q1 (i32.add (local.get $q1) (i32.const 4)))
            (br $jl)))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br $rl)))
  )

  (func (export "layernorm_bwd_f32") (param $g i32) (param $xh i32) (param $rs i32) (param $gam i32) (param $gx i32) (param $gg i32) (param $gb i32)
    (param $rows i32) (param $n i32) (param $hasx i32) (param $hasp i32)
    (local $rowb i32) (local $r i32) (local $o0 i32) (local $o1 i32) (local $q0 i32) (local $q1 i32) (local $jb i32) (local $end i32)
    (local $j i32) (local $p0 i32) (local $p1 i32)
    (local $nn v128) (local $su v128) (local $m v128) (local $u v128) (local $rsv v128) (local $t v128) (local $ag v128) (local $ab v128) (local $gv v128)
    (local.set $rowb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $nn (f64x2.splat (f64.convert_i32_u (local.get $n))))
    (if (local.get $hasp)
      (then
        ;; rows in order; in each, columns j and j + 1 (or j again, the last of an odd n) at byte offsets p0, p1 of the row
        (block $rd
          (loop $rl
            (br_if $rd (i32.ge_u (local.get $r) (local.get $rows)))
            (local.set $o0 (i32.mul (local.get $r) (local.get $rowb)))
            (local.set $p0 (i32.const 0))
            (block $cd
              (loop $cl
                (br_if $cd (i32.ge_u (local.get $p0) (local.get $rowb)))
                (local.set $p1 (select (i32.add (local.get $p0) (i32.const 4)) (local.get $p0)
                  (i32.lt_u (i32.add (local.get $p0) (i32.const 4)) (local.get $rowb))))
                (local.set $q0 (i32.add (local.get $o0) (local.get $p0)))
                (local.set $q1 (i32.add (local.get $o0) (local.get $p1)))
                (local.set $gv (f64x2.promote_low_f32x4 (v128.load32_lane 1 (i32.add (local.get $g) (local.get $q1)) (v128.load32_zero (i32.add (local.get $g) (local.get $q0))))))
                (local.set $t (f32x4.demote_f64x2_zero (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.load32_lane 1 (i32.add (local.get $gg) (local.get $p1)) (v128.load32_zero (i32.add (local.get $gg) (local.get $p0))))) (f64x2.mul (local.get $gv) (f64x2.promote_low_f32x4 (v128.load32_lane 1 (i32.add (local.get $xh) (local.get $q1)) (v128.load32_zero (i32.add (local.get $xh) (local.get $q0)))))))))))
            (v128.store32_lane 0 (i32.add (local.get $gg) (local.get $p0)) (local.get $t))
            (v128.store32_lane 1 (i32.add (local.get $gg) (local.get $p1)) (local.get $t))
                (local.set $t (f32x4.demote_f64x2_zero (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.load32_lane 1 (i32.add (local.get $gb) (local.get $p1)) (v128.load32_zero (i32.add (local.get $gb) (local.get $p0))))) (local.get $gv))))))
            (v128.store32_lane 0 (i32.add (local.get $gb) (local.get $p0)) (local.get $t))
            (v128.store32_lane 1 (i32.add (local.get $gb) (local.get $p1)) (local.get $t))
                (local.set $p0 (i32.add (local.get $p0) (i32.const 8)))
                (br $cl)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rl)))
        (local.set $r (i32.const 0))))
    (if (i32.eqz (local.get $hasx)) (then (return)))
    (block $rd
      (loop $rl
        (br_if $rd (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $o0 (i32.mul (local.get $r) (local.get $rowb)))
        ;; the second lane: row r + 1, or row r again when r is the last row (both lanes then store the same values)
        (local.set $o1 (select (i32.add (local.get $o0) (local.get $rowb)) (local.get $o0) (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows))))
        (local.set $end (i32.add (local.get $o0) (local.get $rowb)))
        (local.set $su (v128.const i64x2 0 0))
        (local.set $m (v128.const i64x2 0 0))
        (local.set $q0 (local.get $o0))
        (local.set $q1 (local.get $o1))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_u (local.get $q0) (local.get $end)))
            (local.set $jb (i32.sub (local.get $q0) (local.get $o0)))
            (local.set $u (f64x2.mul (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $gam) (local.get $jb))))) (f64x2.promote_low_f32x4 (v128.load32_lane 1 (i32.add (local.get $g) (local.get $q1)) (v128.load32_zero (i32.add (local.get $g) (local.get $q0)))))))
            (local.set $su (f64x2.add (local.get $su) (local.get $u)))
            (local.set $m (f64x2.add (local.get $m) (f64x2.mul (local.get $u) (f64x2.promote_low_f32x4 (v128.load32_lane 1 (i32.add (local.get $xh) (local.get $q1)) (v128.load32_zero (i32.add (local.get $xh) (local.get $q0))))))))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 4)))
            (local.set $q1 (i32.add (local.get $q1) (i32.const 4)))
            (br $jl)))
        (local.set $su (f64x2.div (local.get $su) (local.get $nn)))
        (local.set $m (f64x2.div (local.get $m) (local.get $nn)))
        (local.set $rsv (v128.load64_lane 1
          (i32.add (local.get $rs) (i32.shl (select (i32.add (local.get $r) (i32.const 1)) (local.get $r) (i32.ne (local.get $o1) (local.get $o0))) (i32.const 3)))
          (v128.load64_zero (i32.add (local.get $rs) (i32.shl (local.get $r) (i32.const 3))))))
        (local.set $q0 (local.get $o0))
        (local.set $q1 (local.get $o1))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_u (local.get $q0) (local.get $end)))
            (local.set $jb (i32.sub (local.get $q0) (local.get $o0)))
            (local.set $u (f64x2.mul (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $gam) (local.get $jb))))) (f64x2.promote_low_f32x4 (v128.load32_lane 1 (i32.add (local.get $g) (local.get $q1)) (v128.load32_zero (i32.add (local.get $g) (local.get $q0)))))))
            (local.set $t (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (v128.load32_lane 1 (i32.add (local.get $gx) (local.get $q1)) (v128.load32_zero (i32.add (local.get $gx) (local.get $q0))))) (f64x2.mul (local.get $rsv) (f64x2.sub (f64x2.sub (local.get $u) (local.get $su)) (f64x2.mul (f64x2.promote_low_f32x4 (v128.load32_lane 1 (i32.add (local.get $xh) (local.get $q1)) (v128.load32_zero (i32.add (local.get $xh) (local.get $q0))))) (local.get $m)))))))
            (v128.store32_lane 0 (i32.add (local.get $gx) (local.get $q0)) (local.get $t))
            (v128.store32_lane 1 (i32.add (local.get $gx) (local.get $q1)) (local.get $t))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 4)))
            (local.set $q1 (i32.add (local.get $q1) (i32.const 4)))
            (br $jl)))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br $rl)))
  )

  (func (export "layernorm_fwd_f64") (param $x i32) (param $gam i32) (param $bet i32) (param $y i32) (param $xh i32) (param $rs i32)
    (param $rows i32) (param $n i32) (param $eps f64)
    (local $rowb i32) (local $r i32) (local $o0 i32) (local $o1 i32) (local $q0 i32) (local $q1 i32) (local $jb i32) (local $end i32)
    (local $nn v128) (local $mu v128) (local $v v128) (local $d v128) (local $rsv v128) (local $t v128)
    (local.set $rowb (i32.shl (local.get $n) (i32.const 3)))
    (local.set $nn (f64x2.splat (f64.convert_i32_u (local.get $n))))
    (block $rd
      (loop $rl
        (br_if $rd (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $o0 (i32.mul (local.get $r) (local.get $rowb)))
        ;; the second lane: row r + 1, or row r again when r is the last row (both lanes then store the same values)
        (local.set $o1 (select (i32.add (local.get $o0) (local.get $rowb)) (local.get $o0) (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows))))
        (local.set $end (i32.add (local.get $o0) (local.get $rowb)))
        (local.set $mu (v128.const i64x2 0 0))
        (local.set $q0 (local.get $o0))
        (local.set $q1 (local.get $o1))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_u (local.get $q0) (local.get $end)))
            (local.set $jb (i32.sub (local.get $q0) (local.get $o0)))
            (local.set $mu (f64x2.add (local.get $mu) (v128.load64_lane 1 (i32.add (local.get $x) (local.get $q1)) (v128.load64_zero (i32.add (local.get $x) (local.get $q0))))))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 8)))
            (local.set $q1 (i32.add (local.get $q1) (i32.const 8)))
            (br $jl)))
        (local.set $mu (f64x2.div (local.get $mu) (local.get $nn)))
        (local.set $v (v128.const i64x2 0 0))
        (local.set $q0 (local.get $o0))
        (local.set $q1 (local.get $o1))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_u (local.get $q0) (local.get $end)))
            (local.set $jb (i32.sub (local.get $q0) (local.get $o0)))
            (local.set $d (f64x2.sub (v128.load64_lane 1 (i32.add (local.get $x) (local.get $q1)) (v128.load64_zero (i32.add (local.get $x) (local.get $q0)))) (local.get $mu)))
            (local.set $v (f64x2.add (local.get $v) (f64x2.mul (local.get $d) (local.get $d))))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 8)))
            (local.set $q1 (i32.add (local.get $q1) (i32.const 8)))
            (br $jl)))
        (local.set $rsv (f64x2.div (f64x2.splat (f64.const 1)) (f64x2.sqrt (f64x2.add (f64x2.div (local.get $v) (local.get $nn)) (f64x2.splat (local.get $eps))))))
        (v128.store64_lane 0 (i32.add (local.get $rs) (i32.shl (local.get $r) (i32.const 3))) (local.get $rsv))
        (if (i32.ne (local.get $o1) (local.get $o0))
          (then (v128.store64_lane offset=8 1 (i32.add (local.get $rs) (i32.shl (local.get $r) (i32.const 3))) (local.get $rsv))))
        (local.set $q0 (local.get $o0))
        (local.set $q1 (local.get $o1))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_u (local.get $q0) (local.get $end)))
            (local.set $jb (i32.sub (local.get $q0) (local.get $o0)))
            (local.set $d (f64x2.mul (f64x2.sub (v128.load64_lane 1 (i32.add (local.get $x) (local.get $q1)) (v128.load64_zero (i32.add (local.get $x) (local.get $q0)))) (local.get $mu)) (local.get $rsv)))
            (local.set $t (local.get $d))
            (v128.store64_lane 0 (i32.add (local.get $xh) (local.get $q0)) (local.get $t))
            (v128.store64_lane 1 (i32.add (local.get $xh) (local.get $q1)) (local.get $t))
            (local.set $d (local.get $d))
            (local.set $t (f64x2.add (f64x2.mul (f64x2.splat (f64.load (i32.add (local.get $gam) (local.get $jb)))) (local.get $d)) (f64x2.splat (f64.load (i32.add (local.get $bet) (local.get $jb))))))
            (v128.store64_lane 0 (i32.add (local.get $y) (local.get $q0)) (local.get $t))
            (v128.store64_lane 1 (i32.add (local.get $y) (local.get $q1)) (local.get $t))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 8)))
            (local.set $q1 (i32.add (local.get $q1) (i32.const 8)))
            (br $jl)))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br $rl)))
  )

  (func (export "layernorm_bwd_f64") (param $g i32) (param $xh i32) (param $rs i32) (param $gam i32) (param $gx i32) (param $gg i32) (param $gb i32)
    (param $rows i32) (param $n i32) (param $hasx i32) (param $hasp i32)
    (local $rowb i32) (local $r i32) (local $o0 i32) (local $o1 i32) (local $q0 i32) (local $q1 i32) (local $jb i32) (local $end i32)
    (local $j i32) (local $p0 i32) (local $p1 i32)
    (local $nn v128) (local $su v128) (local $m v128) (local $u v128) (local $rsv v128) (local $t v128) (local $ag v128) (local $ab v128) (local $gv v128)
    (local.set $rowb (i32.shl (local.get $n) (i32.const 3)))
    (local.set $nn (f64x2.splat (f64.convert_i32_u (local.get $n))))
    (if (local.get $hasp)
      (then
        ;; rows in order; in each, columns j and j + 1 (or j again, the last of an odd n) at byte offsets p0, p1 of the row
        (block $rd
          (loop $rl
            (br_if $rd (i32.ge_u (local.get $r) (local.get $rows)))
            (local.set $o0 (i32.mul (local.get $r) (local.get $rowb)))
            (local.set $p0 (i32.const 0))
            (block $cd
              (loop $cl
                (br_if $cd (i32.ge_u (local.get $p0) (local.get $rowb)))
                (local.set $p1 (select (i32.add (local.get $p0) (i32.const 8)) (local.get $p0)
                  (i32.lt_u (i32.add (local.get $p0) (i32.const 8)) (local.get $rowb))))
                (local.set $q0 (i32.add (local.get $o0) (local.get $p0)))
                (local.set $q1 (i32.add (local.get $o0) (local.get $p1)))
                (local.set $gv (v128.load64_lane 1 (i32.add (local.get $g) (local.get $q1)) (v128.load64_zero (i32.add (local.get $g) (local.get $q0)))))
                (local.set $t (f64x2.add (v128.load64_lane 1 (i32.add (local.get $gg) (local.get $p1)) (v128.load64_zero (i32.add (local.get $gg) (local.get $p0)))) (f64x2.mul (local.get $gv) (v128.load64_lane 1 (i32.add (local.get $xh) (local.get $q1)) (v128.load64_zero (i32.add (local.get $xh) (local.get $q0)))))))
            (v128.store64_lane 0 (i32.add (local.get $gg) (local.get $p0)) (local.get $t))
            (v128.store64_lane 1 (i32.add (local.get $gg) (local.get $p1)) (local.get $t))
                (local.set $t (f64x2.add (v128.load64_lane 1 (i32.add (local.get $gb) (local.get $p1)) (v128.load64_zero (i32.add (local.get $gb) (local.get $p0)))) (local.get $gv)))
            (v128.store64_lane 0 (i32.add (local.get $gb) (local.get $p0)) (local.get $t))
            (v128.store64_lane 1 (i32.add (local.get $gb) (local.get $p1)) (local.get $t))
                (local.set $p0 (i32.add (local.get $p0) (i32.const 16)))
                (br $cl)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rl)))
        (local.set $r (i32.const 0))))
    (if (i32.eqz (local.get $hasx)) (then (return)))
    (block $rd
      (loop $rl
        (br_if $rd (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $o0 (i32.mul (local.get $r) (local.get $rowb)))
        ;; the second lane: row r + 1, or row r again when r is the last row (both lanes then store the same values)
        (local.set $o1 (select (i32.add (local.get $o0) (local.get $rowb)) (local.get $o0) (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows))))
        (local.set $end (i32.add (local.get $o0) (local.get $rowb)))
        (local.set $su (v128.const i64x2 0 0))
        (local.set $m (v128.const i64x2 0 0))
        (local.set $q0 (local.get $o0))
        (local.set $q1 (local.get $o1))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_u (local.get $q0) (local.get $end)))
            (local.set $jb (i32.sub (local.get $q0) (local.get $o0)))
            (local.set $u (f64x2.mul (f64x2.splat (f64.load (i32.add (local.get $gam) (local.get $jb)))) (v128.load64_lane 1 (i32.add (local.get $g) (local.get $q1)) (v128.load64_zero (i32.add (local.get $g) (local.get $q0))))))
            (local.set $su (f64x2.add (local.get $su) (local.get $u)))
            (local.set $m (f64x2.add (local.get $m) (f64x2.mul (local.get $u) (v128.load64_lane 1 (i32.add (local.get $xh) (local.get $q1)) (v128.load64_zero (i32.add (local.get $xh) (local.get $q0)))))))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 8)))
            (local.set $q1 (i32.add (local.get $q1) (i32.const 8)))
            (br $jl)))
        (local.set $su (f64x2.div (local.get $su) (local.get $nn)))
        (local.set $m (f64x2.div (local.get $m) (local.get $nn)))
        (local.set $rsv (v128.load64_lane 1
          (i32.add (local.get $rs) (i32.shl (select (i32.add (local.get $r) (i32.const 1)) (local.get $r) (i32.ne (local.get $o1) (local.get $o0))) (i32.const 3)))
          (v128.load64_zero (i32.add (local.get $rs) (i32.shl (local.get $r) (i32.const 3))))))
        (local.set $q0 (local.get $o0))
        (local.set $q1 (local.get $o1))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_u (local.get $q0) (local.get $end)))
            (local.set $jb (i32.sub (local.get $q0) (local.get $o0)))
            (local.set $u (f64x2.mul (f64x2.splat (f64.load (i32.add (local.get $gam) (local.get $jb)))) (v128.load64_lane 1 (i32.add (local.get $g) (local.get $q1)) (v128.load64_zero (i32.add (local.get $g) (local.get $q0))))))
            (local.set $t (f64x2.add (v128.load64_lane 1 (i32.add (local.get $gx) (local.get $q1)) (v128.load64_zero (i32.add (local.get $gx) (local.get $q0)))) (f64x2.mul (local.get $rsv) (f64x2.sub (f64x2.sub (local.get $u) (local.get $su)) (f64x2.mul (v128.load64_lane 1 (i32.add (local.get $xh) (local.get $q1)) (v128.load64_zero (i32.add (local.get $xh) (local.get $q0)))) (local.get $m))))))
            (v128.store64_lane 0 (i32.add (local.get $gx) (local.get $q0)) (local.get $t))
            (v128.store64_lane 1 (i32.add (local.get $gx) (local.get $q1)) (local.get $t))
            (local.set $q0 (i32.add (local.get $q0) (i32.const 8)))
            (local.set $q1 (i32.add (local.get $q1) (i32.const 8)))
            (br $jl)))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br $rl)))
  )

  ;; A bias row: add_rows y[r·n + j] = a[r·n + j] ± b[j] ($sub: −), and its adjoint row_sums dst[j] ±= src[r·n + j] over
  ;; the rows in order, float32 (four lanes) and float64 (two), one IEEE operation per element (ops.ts's addSub and
  ;; rowSumAdd). JavaScript computes a float32 sum in double and rounds it on store; for one addition that double
  ;; rounding gives the correctly rounded float32 sum (53 ≥ 2·24 + 2), which is what f32x4.add computes, so the bits agree.

  (func (export "add_rows_f32") (param $a i32) (param $b i32) (param $y i32) (param $rows i32) (param $n i32) (param $sub i32)
    (local $r i32) (local $j i32) (local $vend i32) (local $o i32)
    (local.set $vend (i32.mul (i32.div_u (local.get $n) (i32.const 4)) (i32.const 4)))
    (block $rd
      (loop $rl
        (br_if $rd (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $o (i32.mul (i32.mul (local.get $r) (local.get $n)) (i32.const 4)))
        (local.set $j (i32.const 0))
        (if (local.get $sub)
          (then
            (block $vd (loop $vl
              (br_if $vd (i32.ge_u (local.get $j) (local.get $vend)))
              (v128.store (i32.add (local.get $y) (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 4))))
                (f32x4.sub (v128.load (i32.add (local.get $a) (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 4)))))
                         (v128.load (i32.add (local.get $b) (i32.mul (local.get $j) (i32.const 4))))))
              (local.set $j (i32.add (local.get $j) (i32.const 4)))
              (br $vl)))
            (block $sd (loop $sl
              (br_if $sd (i32.ge_u (local.get $j) (local.get $n)))
              (f32.store (i32.add (local.get $y) (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 4))))
                (f32.sub (f32.load (i32.add (local.get $a) (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 4)))))
                         (f32.load (i32.add (local.get $b) (i32.mul (local.get $j) (i32.const 4))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $sl))))
          (else
            (block $vd (loop $vl
              (br_if $vd (i32.ge_u (local.get $j) (local.get $vend)))
              (v128.store (i32.add (local.get $y) (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 4))))
                (f32x4.add (v128.load (i32.add (local.get $a) (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 4)))))
                         (v128.load (i32.add (local.get $b) (i32.mul (local.get $j) (i32.const 4))))))
              (local.set $j (i32.add (local.get $j) (i32.const 4)))
              (br $vl)))
            (block $sd (loop $sl
              (br_if $sd (i32.ge_u (local.get $j) (local.get $n)))
              (f32.store (i32.add (local.get $y) (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 4))))
                (f32.add (f32.load (i32.add (local.get $a) (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 4)))))
                         (f32.load (i32.add (local.get $b) (i32.mul (local.get $j) (i32.const 4))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $sl)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rl)))
  )

  (func (export "row_sums_f32") (param $dst i32) (param $src i32) (param $rows i32) (param $n i32) (param $sub i32)
    (local $r i32) (local $j i32) (local $vend i32) (local $o i32)
    (local.set $vend (i32.mul (i32.div_u (local.get $n) (i32.const 4)) (i32.const 4)))
    (block $rd
      (loop $rl
        (br_if $rd (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $o (i32.add (local.get $src) (i32.mul (i32.mul (local.get $r) (local.get $n)) (i32.const 4))))
        (local.set $j (i32.const 0))
        (if (local.get $sub)
          (then
            (block $vd (loop $vl
              (br_if $vd (i32.ge_u (local.get $j) (local.get $vend)))
              (v128.store (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.const 4)))
                (f32x4.sub (v128.load (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.const 4))))
                         (v128.load (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 4))))))
              (local.set $j (i32.add (local.get $j) (i32.const 4)))
              (br $vl)))
            (block $sd (loop $sl
              (br_if $sd (i32.ge_u (local.get $j) (local.get $n)))
              (f32.store (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.const 4)))
                (f32.sub (f32.load (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.const 4))))
                         (f32.load (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 4))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $sl))))
          (else
            (block $vd (loop $vl
              (br_if $vd (i32.ge_u (local.get $j) (local.get $vend)))
              (v128.store (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.const 4)))
                (f32x4.add (v128.load (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.const 4))))
                         (v128.load (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 4))))))
              (local.set $j (i32.add (local.get $j) (i32.const 4)))
              (br $vl)))
            (block $sd (loop $sl
              (br_if $sd (i32.ge_u (local.get $j) (local.get $n)))
              (f32.store (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.const 4)))
                (f32.add (f32.load (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.const 4))))
                         (f32.load (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 4))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $sl)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rl)))
  )

  (func (export "add_rows_f64") (param $a i32) (param $b i32) (param $y i32) (param $rows i32) (param $n i32) (param $sub i32)
    (local $r i32) (local $j i32) (local $vend i32) (local $o i32)
    (local.set $vend (i32.mul (i32.div_u (local.get $n) (i32.const 2)) (i32.const 2)))
    (block $rd
      (loop $rl
        (br_if $rd (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $o (i32.mul (i32.mul (local.get $r) (local.get $n)) (i32.const 8)))
        (local.set $j (i32.const 0))
        (if (local.get $sub)
          (then
            (block $vd (loop $vl
              (br_if $vd (i32.ge_u (local.get $j) (local.get $vend)))
              (v128.store (i32.add (local.get $y) (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 8))))
                (f64x2.sub (v128.load (i32.add (local.get $a) (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 8)))))
                         (v128.load (i32.add (local.get $b) (i32.mul (local.get $j) (i32.const 8))))))
              (local.set $j (i32.add (local.get $j) (i32.const 2)))
              (br $vl)))
            (block $sd (loop $sl
              (br_if $sd (i32.ge_u (local.get $j) (local.get $n)))
              (f64.store (i32.add (local.get $y) (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 8))))
                (f64.sub (f64.load (i32.add (local.get $a) (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 8)))))
                         (f64.load (i32.add (local.get $b) (i32.mul (local.get $j) (i32.const 8))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $sl))))
          (else
            (block $vd (loop $vl
              (br_if $vd (i32.ge_u (local.get $j) (local.get $vend)))
              (v128.store (i32.add (local.get $y) (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 8))))
                (f64x2.add (v128.load (i32.add (local.get $a) (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 8)))))
                         (v128.load (i32.add (local.get $b) (i32.mul (local.get $j) (i32.const 8))))))
              (local.set $j (i32.add (local.get $j) (i32.const 2)))
              (br $vl)))
            (block $sd (loop $sl
              (br_if $sd (i32.ge_u (local.get $j) (local.get $n)))
              (f64.store (i32.add (local.get $y) (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 8))))
                (f64.add (f64.load (i32.add (local.get $a) (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 8)))))
                         (f64.load (i32.add (local.get $b) (i32.mul (local.get $j) (i32.const 8))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $sl)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rl)))
  )

  (func (export "row_sums_f64") (param $dst i32) (param $src i32) (param $rows i32) (param $n i32) (param $sub i32)
    (local $r i32) (local $j i32) (local $vend i32) (local $o i32)
    (local.set $vend (i32.mul (i32.div_u (local.get $n) (i32.const 2)) (i32.const 2)))
    (block $rd
      (loop $rl
        (br_if $rd (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $o (i32.add (local.get $src) (i32.mul (i32.mul (local.get $r) (local.get $n)) (i32.const 8))))
        (local.set $j (i32.const 0))
        (if (local.get $sub)
          (then
            (block $vd (loop $vl
              (br_if $vd (i32.ge_u (local.get $j) (local.get $vend)))
              (v128.store (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.const 8)))
                (f64x2.sub (v128.load (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.const 8))))
                         (v128.load (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 8))))))
              (local.set $j (i32.add (local.get $j) (i32.const 2)))
              (br $vl)))
            (block $sd (loop $sl
              (br_if $sd (i32.ge_u (local.get $j) (local.get $n)))
              (f64.store (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.const 8)))
                (f64.sub (f64.load (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.const 8))))
                         (f64.load (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 8))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $sl))))
          (else
            (block $vd (loop $vl
              (br_if $vd (i32.ge_u (local.get $j) (local.get $vend)))
              (v128.store (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.const 8)))
                (f64x2.add (v128.load (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.const 8))))
                         (v128.load (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 8))))))
              (local.set $j (i32.add (local.get $j) (i32.const 2)))
              (br $vl)))
            (block $sd (loop $sl
              (br_if $sd (i32.ge_u (local.get $j) (local.get $n)))
              (f64.store (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.const 8)))
                (f64.add (f64.load (i32.add (local.get $dst) (i32.mul (local.get $j) (i32.const 8))))
                         (f64.load (i32.add (local.get $o) (i32.mul (local.get $j) (i32.const 8))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $sl)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rl)))
  )

  ;; tanh's adjoint from its output, ga[i] += g[i]·(1 − y[i]²) (core/elementwise.ts's tanhBackwardLoop), in double as
  ;; JavaScript computes it: in the float32 version the factor is rounded to float32 first and the sum to float32 on
  ;; store. Two elements per step; an odd last one alone.
  (func (export "tanh_backward_f64") (param $y i32) (param $g i32) (param $ga i32) (param $n i32)
    (local $i i32) (local $o i32) (local $yv v128)
    (block $d (loop $l
      (br_if $d (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $n)))
      (local.set $o (i32.shl (local.get $i) (i32.const 3)))
      (local.set $yv (v128.load (i32.add (local.get $y) (local.get $o))))
      (v128.store (i32.add (local.get $ga) (local.get $o))
        (f64x2.add (v128.load (i32.add (local.get $ga) (local.get $o)))
          (f64x2.mul (v128.load (i32.add (local.get $g) (local.get $o)))
            (f64x2.sub (f64x2.splat (f64.const 1)) (f64x2.mul (local.get $yv) (local.get $yv))))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $l)))
    (if (i32.lt_u (local.get $i) (local.get $n))
      (then
        (local.set $o (i32.shl (local.get $i) (i32.const 3)))
        (f64.store (i32.add (local.get $ga) (local.get $o))
          (f64.add (f64.load (i32.add (local.get $ga) (local.get $o)))
            (f64.mul (f64.load (i32.add (local.get $g) (local.get $o)))
              (f64.sub (f64.const 1) (f64.mul (f64.load (i32.add (local.get $y) (local.get $o))) (f64.load (i32.add (local.get $y) (local.get $o))))))))))
  )

  (func (export "tanh_backward_f32") (param $y i32) (param $g i32) (param $ga i32) (param $n i32)
    (local $i i32) (local $o i32) (local $yv v128) (local $yy f64)
    (block $d (loop $l
      (br_if $d (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $n)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (local.set $yv (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $y) (local.get $o)))))
      (v128.store64_lane 0 (i32.add (local.get $ga) (local.get $o)) (f32x4.demote_f64x2_zero
        (f64x2.add (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $ga) (local.get $o))))
          (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $g) (local.get $o))))
            (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
              (f64x2.sub (f64x2.splat (f64.const 1)) (f64x2.mul (local.get $yv) (local.get $yv)))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $l)))
    (if (i32.lt_u (local.get $i) (local.get $n))
      (then
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (local.set $yy (f64.promote_f32 (f32.load (i32.add (local.get $y) (local.get $o)))))
        (f32.store (i32.add (local.get $ga) (local.get $o)) (f32.demote_f64
          (f64.add (f64.promote_f32 (f32.load (i32.add (local.get $ga) (local.get $o))))
            (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $g) (local.get $o))))
              (f64.promote_f32 (f32.demote_f64 (f64.sub (f64.const 1) (f64.mul (local.get $yy) (local.get $yy)))))))))))
  )

  ;; p[i] += c·g[i], i < n (optim.ts's one-pass SGD step), in double as JavaScript computes it (the float32 version
  ;; widens p and g, and rounds the sum on store). Two elements per step; an odd last one alone.
  (func (export "axpy_f64") (param $p i32) (param $g i32) (param $n i32) (param $c f64)
    (local $i i32) (local $o i32) (local $cv v128)
    (local.set $cv (f64x2.splat (local.get $c)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $n)))
      (local.set $o (i32.shl (local.get $i) (i32.const 3)))
      (v128.store (i32.add (local.get $p) (local.get $o))
        (f64x2.add (v128.load (i32.add (local.get $p) (local.get $o))) (f64x2.mul (local.get $cv) (v128.load (i32.add (local.get $g) (local.get $o))))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $l)))
    (if (i32.lt_u (local.get $i) (local.get $n))
      (then
        (local.set $o (i32.shl (local.get $i) (i32.const 3)))
        (f64.store (i32.add (local.get $p) (local.get $o))
          (f64.add (f64.load (i32.add (local.get $p) (local.get $o))) (f64.mul (local.get $c) (f64.load (i32.add (local.get $g) (local.get $o))))))))
  )

  (func (export "axpy_f32") (param $p i32) (param $g i32) (param $n i32) (param $c f64)
    (local $i i32) (local $o i32) (local $cv v128)
    (local.set $cv (f64x2.splat (local.get $c)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $n)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (v128.store64_lane 0 (i32.add (local.get $p) (local.get $o)) (f32x4.demote_f64x2_zero
        (f64x2.add (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $p) (local.get $o))))
          (f64x2.mul (local.get $cv) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $g) (local.get $o))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $l)))
    (if (i32.lt_u (local.get $i) (local.get $n))
      (then
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (f32.store (i32.add (local.get $p) (local.get $o)) (f32.demote_f64
          (f64.add (f64.promote_f32 (f32.load (i32.add (local.get $p) (local.get $o))))
            (f64.mul (local.get $c) (f64.promote_f32 (f32.load (i32.add (local.get $g) (local.get $o))))))))))
  )

  ;; ReLU and its adjoint (core/elementwise.ts's reluLoop, reluBackwardLoop): y = x where x > 0, else +0 (a mask, no
  ;; arithmetic), and ga += g·(x > 0 ? 1 : 0). The adjoint's product is g or ±0 exactly and its sum one addition, whose
  ;; float32 result JavaScript's double-then-round also gives correctly rounded, so four float32 lanes give its bits.

  (func (export "relu_f32") (param $x i32) (param $y i32) (param $n i32)
    (local $i i32) (local $o i32) (local $v v128) (local $s f32)
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
      (local.set $o (i32.mul (local.get $i) (i32.const 4)))
      (local.set $v (v128.load (i32.add (local.get $x) (local.get $o))))
      (v128.store (i32.add (local.get $y) (local.get $o)) (v128.and (local.get $v) (f32x4.gt (local.get $v) (v128.const i64x2 0 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.mul (local.get $i) (i32.const 4)))
      (local.set $s (f32.load (i32.add (local.get $x) (local.get $o))))
      (f32.store (i32.add (local.get $y) (local.get $o)) (select (local.get $s) (f32.const 0) (f32.gt (local.get $s) (f32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
  )

  (func (export "relu_backward_f32") (param $x i32) (param $g i32) (param $ga i32) (param $n i32)
    (local $i i32) (local $o i32) (local $s f32)
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
      (local.set $o (i32.mul (local.get $i) (i32.const 4)))
      (v128.store (i32.add (local.get $ga) (local.get $o))
        (f32x4.add (v128.load (i32.add (local.get $ga) (local.get $o)))
          (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $o)))
            (v128.and (f32x4.splat (f32.const 1)) (f32x4.gt (v128.load (i32.add (local.get $x) (local.get $o))) (v128.const i64x2 0 0))))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.mul (local.get $i) (i32.const 4)))
      (f32.store (i32.add (local.get $ga) (local.get $o))
        (f32.add (f32.load (i32.add (local.get $ga) (local.get $o)))
          (f32.mul (f32.load (i32.add (local.get $g) (local.get $o)))
            (select (f32.const 1) (f32.const 0) (f32.gt (f32.load (i32.add (local.get $x) (local.get $o))) (f32.const 0))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
  )

  (func (export "relu_f64") (param $x i32) (param $y i32) (param $n i32)
    (local $i i32) (local $o i32) (local $v v128) (local $s f64)
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $n)))
      (local.set $o (i32.mul (local.get $i) (i32.const 8)))
      (local.set $v (v128.load (i32.add (local.get $x) (local.get $o))))
      (v128.store (i32.add (local.get $y) (local.get $o)) (v128.and (local.get $v) (f64x2.gt (local.get $v) (v128.const i64x2 0 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $l)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.mul (local.get $i) (i32.const 8)))
      (local.set $s (f64.load (i32.add (local.get $x) (local.get $o))))
      (f64.store (i32.add (local.get $y) (local.get $o)) (select (local.get $s) (f64.const 0) (f64.gt (local.get $s) (f64.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
  )

  (func (export "relu_backward_f64") (param $x i32) (param $g i32) (param $ga i32) (param $n i32)
    (local $i i32) (local $o i32) (local $s f64)
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $n)))
      (local.set $o (i32.mul (local.get $i) (i32.const 8)))
      (v128.store (i32.add (local.get $ga) (local.get $o))
        (f64x2.add (v128.load (i32.add (local.get $ga) (local.get $o)))
          (f64x2.mul (v128.load (i32.add (local.get $g) (local.get $o)))
            (v128.and (f64x2.splat (f64.const 1)) (f64x2.gt (v128.load (i32.add (local.get $x) (local.get $o))) (v128.const i64x2 0 0))))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $l)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.mul (local.get $i) (i32.const 8)))
      (f64.store (i32.add (local.get $ga) (local.get $o))
        (f64.add (f64.load (i32.add (local.get $ga) (local.get $o)))
          (f64.mul (f64.load (i32.add (local.get $g) (local.get $o)))
            (select (f64.const 1) (f64.const 0) (f64.gt (f64.load (i32.add (local.get $x) (local.get $o))) (f64.const 0))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
  )
)

(module
  ;; Bulk Gaussian and uniform draws for src/core/randomFill.ts (compiled by scripts/build-wasm.mjs): the very numbers of
  ;; its TypeScript loops, which apply `Rng.normal` (Marsaglia's polar method) and `Rng.uniform` to xoroshiro128+
  ;; (Blackman & Vigna; the 24/16/37 version that pure-rand implements on 32-bit halves). Here the generator runs on
  ;; native 64-bit words: one step is an add, a xor, two rotations, a shift and two more xors instead of about twenty
  ;; 32-bit operations, and the logarithm is inlined. Every floating-point operation is an IEEE one in the order of the
  ;; TypeScript expressions (WebAssembly has no fused multiply-add), and $log is fdlibm's __ieee754_log, which is what
  ;; V8's Math.log computes (src/base/ieee754.cc), so the output is bit for bit the same (test/core/randomWasm.test.ts).
  ;;
  ;; Memory: bytes [0, 8) s0 and [8, 16) s1, the generator's two 64-bit words (little-endian: the low word first, so
  ;; pure-rand's state [s01, s00, s11, s10] is the i32 words 1, 0, 3, 2); [16, 24) the spare v·m of a pair whose second
  ;; draw did not fit; the draws from byte 64 on, at most CHUNK = 8192 per call (to 65600); fill_normal's candidate
  ;; pairs (u, v, s, then log s and m in the fourth place), 32 bytes each, from byte 65664 on (at most 512 + 1: the
  ;; last store of a full batch).
  (memory (export "memory") 2)

  ;; fdlibm's e_log.c (Sun Microsystems 1993), as in V8: x = 2^k (1 + f) with √2/2 < 1 + f < √2, s = f / (2 + f),
  ;; log(1 + f) = f − s(f − R(s²)) with R a degree-14 minimax polynomial; k·ln2 added in two parts.
  (func $log (param $x f64) (result f64)
    (local $hx i32) (local $lx i32) (local $k i32) (local $i i32) (local $j i32)
    (local $f f64) (local $s f64) (local $z f64) (local $w f64) (local $r f64) (local $dk f64) (local $hfsq f64)
    (local.set $hx (i32.wrap_i64 (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 32))))
    (local.set $lx (i32.wrap_i64 (i64.reinterpret_f64 (local.get $x))))
    (if (i32.lt_s (local.get $hx) (i32.const 0x00100000))
      (then
        ;; log(±0) = −∞, log(negative) = NaN, subnormals scaled up by 2^54
        (if (i32.eqz (i32.or (i32.and (local.get $hx) (i32.const 0x7fffffff)) (local.get $lx)))
          (then (return (f64.div (f64.neg (f64.const 0x1p54)) (f64.const 0)))))
        (if (i32.lt_s (local.get $hx) (i32.const 0))
          (then (return (f64.div (f64.sub (local.get $x) (local.get $x)) (f64.const 0)))))
        (local.set $k (i32.const -54))
        (local.set $x (f64.mul (local.get $x) (f64.const 0x1p54)))
        (local.set $hx (i32.wrap_i64 (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 32))))))
    (if (i32.ge_s (local.get $hx) (i32.const 0x7ff00000))
      (then (return (f64.add (local.get $x) (local.get $x)))))
    (local.set $k (i32.add (local.get $k) (i32.sub (i32.shr_s (local.get $hx) (i32.const 20)) (i32.const 1023))))
    (local.set $hx (i32.and (local.get $hx) (i32.const 0x000fffff)))
    (local.set $i (i32.and (i32.add (local.get $hx) (i32.const 0x95f64)) (i32.const 0x100000)))
    ;; normalize x or x/2: its high word becomes hx | (i ^ 0x3ff00000), its low word stays
    (local.set $x (f64.reinterpret_i64 (i64.or
      (i64.shl (i64.extend_i32_u (i32.or (local.get $hx) (i32.xor (local.get $i) (i32.const 0x3ff00000)))) (i64.const 32))
      (i64.and (i64.reinterpret_f64 (local.get $x)) (i64.const 0xffffffff)))))
    (local.set $k (i32.add (local.get $k) (i32.shr_s (local.get $i) (i32.const 20))))
    (local.set $f (f64.sub (local.get $x) (f64.const 1)))
    (if (i32.lt_s (i32.and (i32.const 0x000fffff) (i32.add (i32.const 2) (local.get $hx))) (i32.const 3))
      (then
        ;; −2^-20 ≤ f < 2^-20
        (if (f64.eq (local.get $f) (f64.const 0))
          (then
            (if (i32.eqz (local.get $k)) (then (return (f64.const 0))))
            (local.set $dk (f64.convert_i32_s (local.get $k)))
            (return (f64.add (f64.mul (local.get $dk) (f64.const 0x1.62e42feep-1))
                             (f64.mul (local.get $dk) (f64.const 0x1.a39ef35793c76p-33))))))
        (local.set $r (f64.mul (f64.mul (local.get $f) (local.get $f))
                               (f64.sub (f64.const 0.5) (f64.mul (f64.const 0x1.5555555555555p-2) (local.get $f)))))
        (if (i32.eqz (local.get $k)) (then (return (f64.sub (local.get $f) (local.get $r)))))
        (local.set $dk (f64.convert_i32_s (local.get $k)))
        (return (f64.sub (f64.mul (local.get $dk) (f64.const 0x1.62e42feep-1))
                         (f64.sub (f64.sub (local.get $r) (f64.mul (local.get $dk) (f64.const 0x1.a39ef35793c76p-33)))
                                  (local.get $f))))))
    (local.set $s (f64.div (local.get $f) (f64.add (f64.const 2) (local.get $f))))
    (local.set $dk (f64.convert_i32_s (local.get $k)))
    (local.set $z (f64.mul (local.get $s) (local.get $s)))
    (local.set $i (i32.sub (local.get $hx) (i32.const 0x6147a)))
    (local.set $w (f64.mul (local.get $z) (local.get $z)))
    (local.set $j (i32.sub (i32.const 0x6b851) (local.get $hx)))
    ;; R = t2 + t1, t1 = w(Lg2 + w(Lg4 + w·Lg6)), t2 = z(Lg1 + w(Lg3 + w(Lg5 + w·Lg7)))
    (local.set $r (f64.add
      (f64.mul (local.get $z)
        (f64.add (f64.const 0x1.5555555555593p-1) (f64.mul (local.get $w)
          (f64.add (f64.const 0x1.2492494229359p-2) (f64.mul (local.get $w)
            (f64.add (f64.const 0x1.7466496cb03dep-3) (f64.mul (local.get $w) (f64.const 0x1.2f112df3e5244p-3))))))))
      (f64.mul (local.get $w)
        (f64.add (f64.const 0x1.999999997fa04p-2) (f64.mul (local.get $w)
          (f64.add (f64.const 0x1.c71c51d8e78afp-3) (f64.mul (local.get $w) (f64.const 0x1.39a09d078c69fp-3))))))))
    (if (i32.gt_s (i32.or (local.get $i) (local.get $j)) (i32.const 0))
      (then
        (local.set $hfsq (f64.mul (f64.mul (f64.const 0.5) (local.get $f)) (local.get $f)))
        (if (i32.eqz (local.get $k))
          (then (return (f64.sub (local.get $f)
            (f64.sub (local.get $hfsq) (f64.mul (local.get $s) (f64.add (local.get $hfsq) (local.get $r))))))))
        (return (f64.sub (f64.mul (local.get $dk) (f64.const 0x1.62e42feep-1))
          (f64.sub
            (f64.sub (local.get $hfsq)
              (f64.add (f64.mul (local.get $s) (f64.add (local.get $hfsq) (local.get $r)))
                       (f64.mul (local.get $dk) (f64.const 0x1.a39ef35793c76p-33))))
            (local.get $f))))))
    (if (i32.eqz (local.get $k))
      (then (return (f64.sub (local.get $f) (f64.mul (local.get $s) (f64.sub (local.get $f) (local.get $r)))))))
    (f64.sub (f64.mul (local.get $dk) (f64.const 0x1.62e42feep-1))
      (f64.sub
        (f64.sub (f64.mul (local.get $s) (f64.sub (local.get $f) (local.get $r)))
                 (f64.mul (local.get $dk) (f64.const 0x1.a39ef35793c76p-33)))
        (local.get $f)))
  )

;; $log of a positive normal x, the same value by the same operations, without data-dependent branches: the four
  ;; endings (i > 0 or not, k = 0 or not) are all computed and one is selected. $log's branches on the mantissa are
  ;; unpredictable for random x, and each misprediction stalls the pipeline for a whole logarithm; fill_normal's
  ;; arguments are random. |f| < 2^-20, and anything not a positive normal number, go to $log (rare, so predicted).
  (func $log_positive (param $x f64) (result f64)
    (local $hx i32) (local $k i32) (local $i i32)
    (local $f f64) (local $s f64) (local $z f64) (local $w f64) (local $r f64) (local $dk f64) (local $hfsq f64)
    (local $hi f64) (local $lo f64) (local $a f64) (local $b f64)
    (local.set $hx (i32.wrap_i64 (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 32))))
    (if (i32.ge_u (i32.sub (local.get $hx) (i32.const 0x00100000)) (i32.const 0x7fe00000))
      (then (return (call $log (local.get $x)))))
    (local.set $k (i32.sub (i32.shr_s (local.get $hx) (i32.const 20)) (i32.const 1023)))
    (local.set $hx (i32.and (local.get $hx) (i32.const 0x000fffff)))
    (if (i32.lt_s (i32.and (i32.const 0x000fffff) (i32.add (i32.const 2) (local.get $hx))) (i32.const 3))
      (then (return (call $log (local.get $x)))))
    (local.set $i (i32.and (i32.add (local.get $hx) (i32.const 0x95f64)) (i32.const 0x100000)))
    (local.set $x (f64.reinterpret_i64 (i64.or
      (i64.shl (i64.extend_i32_u (i32.or (local.get $hx) (i32.xor (local.get $i) (i32.const 0x3ff00000)))) (i64.const 32))
      (i64.and (i64.reinterpret_f64 (local.get $x)) (i64.const 0xffffffff)))))
    (local.set $k (i32.add (local.get $k) (i32.shr_s (local.get $i) (i32.const 20))))
    (local.set $f (f64.sub (local.get $x) (f64.const 1)))
    (local.set $s (f64.div (local.get $f) (f64.add (f64.const 2) (local.get $f))))
    (local.set $dk (f64.convert_i32_s (local.get $k)))
    (local.set $z (f64.mul (local.get $s) (local.get $s)))
    (local.set $w (f64.mul (local.get $z) (local.get $z)))
    (local.set $r (f64.add
      (f64.mul (local.get $z)
        (f64.add (f64.const 0x1.5555555555593p-1) (f64.mul (local.get $w)
          (f64.add (f64.const 0x1.2492494229359p-2) (f64.mul (local.get $w)
            (f64.add (f64.const 0x1.7466496cb03dep-3) (f64.mul (local.get $w) (f64.const 0x1.2f112df3e5244p-3))))))))
      (f64.mul (local.get $w)
        (f64.add (f64.const 0x1.999999997fa04p-2) (f64.mul (local.get $w)
          (f64.add (f64.const 0x1.c71c51d8e78afp-3) (f64.mul (local.get $w) (f64.const 0x1.39a09d078c69fp-3))))))))
    (local.set $hfsq (f64.mul (f64.mul (f64.const 0.5) (local.get $f)) (local.get $f)))
    (local.set $hi (f64.mul (local.get $dk) (f64.const 0x1.62e42feep-1)))
    (local.set $lo (f64.mul (local.get $dk) (f64.const 0x1.a39ef35793c76p-33)))
    ;; i > 0 (hx outside [0x6147a, 0x6b851]): k = 0 → a, else b
    (local.set $a (f64.sub (local.get $f)
      (f64.sub (local.get $hfsq) (f64.mul (local.get $s) (f64.add (local.get $hfsq) (local.get $r))))))
    (local.set $b (f64.sub (local.get $hi)
      (f64.sub (f64.sub (local.get $hfsq) (f64.add (f64.mul (local.get $s) (f64.add (local.get $hfsq) (local.get $r))) (local.get $lo)))
               (local.get $f))))
    (local.set $a (select (local.get $a) (local.get $b) (i32.eqz (local.get $k))))
    ;; i ≤ 0: k = 0 → b, else hi − …
    (local.set $b (select
      (f64.sub (local.get $f) (f64.mul (local.get $s) (f64.sub (local.get $f) (local.get $r))))
      (f64.sub (local.get $hi)
        (f64.sub (f64.sub (f64.mul (local.get $s) (f64.sub (local.get $f) (local.get $r))) (local.get $lo)) (local.get $f)))
      (i32.eqz (local.get $k))))
    (select (local.get $a) (local.get $b)
      (i32.gt_s (i32.or (i32.sub (local.get $hx) (i32.const 0x6147a)) (i32.sub (i32.const 0x6b851) (local.get $hx))) (i32.const 0)))
  )

  ;; $m_scalar: log s into the fourth place of the candidate (u, v, s) at byte o.
  (func $m_scalar (param $o i32)
    (f64.store offset=24 (local.get $o) (call $log_positive (f64.load offset=16 (local.get $o))))
  )

  ;; $pair: fill_normal's draws of accepted pair j of the batch (candidates at 65664 + 32·j) that starts at pair `done`
  ;; of the fill: u·m and v·m, m = √(−2 log s / s), to elements 2q, 2q + 1 (q = done + j), or v·m to the spare when the
  ;; fill's n ends at 2q + 1.
  (func $pair (param $j i32) (param $done i32) (param $n i32) (param $std f64) (param $mean f64)
    (local $o i32) (local $q i32) (local $a i32) (local $s f64) (local $m f64) (local $v f64)
    (local.set $o (i32.add (i32.const 65664) (i32.shl (local.get $j) (i32.const 5))))
    (local.set $s (f64.load offset=16 (local.get $o)))
    (local.set $m (f64.sqrt (f64.div (f64.mul (f64.const -2) (call $log_positive (local.get $s))) (local.get $s))))
    (local.set $q (i32.add (local.get $done) (local.get $j)))
    (local.set $a (i32.add (i32.const 64) (i32.shl (local.get $q) (i32.const 4))))
    (f64.store (local.get $a)
      (f64.add (local.get $mean) (f64.mul (local.get $std) (f64.mul (f64.load (local.get $o)) (local.get $m)))))
    (local.set $v (f64.mul (f64.load offset=8 (local.get $o)) (local.get $m)))
    (if (i32.lt_u (i32.add (i32.shl (local.get $q) (i32.const 1)) (i32.const 1)) (local.get $n))
      (then (f64.store offset=8 (local.get $a) (f64.add (local.get $mean) (f64.mul (local.get $std) (local.get $v)))))
      (else (f64.store (i32.const 16) (local.get $v))))
  )




  (func (export "log") (param $x f64) (result f64) (call $log (local.get $x)))
  (func (export "log_positive") (param $x f64) (result f64) (call $log_positive (local.get $x)))

;; fill_normal: n draws mean + std·z at byte 64, z from the polar method in pairs (u·m, v·m) as `fillNormalFromState`
  ;; does; returns 1 when the last pair's v·m did not fit (stored at byte 16, the caller's spare), else 0.
  ;; A uniform is 2·(a·2^-26 + b·2^-53) − 1 from two outputs, the high 26 and the low 27 bits, as `Rng.uniform`.
  ;; Two passes per batch of up to 512 pairs: the generator's candidates (u, v, s = u² + v²) with the rejection as a
  ;; conditional advance rather than a branch (a rejected candidate is overwritten), then m = √(−2 log s / s) for the
  ;; accepted ones, whose iterations are independent, so the processor overlaps their logarithms, square roots and
  ;; divisions instead of waiting on each pair's chain and on mispredicted rejections. The generator stops after the
  ;; last accepted pair the fill needs, exactly where the one-pass loop stops.
  (func (export "fill_normal") (param $n i32) (param $std f64) (param $mean f64) (result i32)
    (local $s0 i64) (local $s1 i64) (local $t i64) (local $pairs i32) (local $done i32) (local $nb i32) (local $j i32)
    (local $o i32) (local $a i32) (local $b i32) (local $u f64) (local $v f64) (local $s f64) (local $sv v128) (local $mv v128)
    (local $l_hx v128) (local $l_k v128) (local $l_i v128) (local $l_f v128) (local $l_s v128) (local $l_z v128) (local $l_w v128) (local $l_r v128) (local $l_dk v128) (local $l_hfsq v128) (local $l_hi v128) (local $l_lo v128) (local $l_sr v128) (local $l_a v128) (local $l_b v128) (local $lg v128)
    (local.set $s0 (i64.load (i32.const 0)))
    (local.set $s1 (i64.load (i32.const 8)))
    (local.set $pairs (i32.shr_u (i32.add (local.get $n) (i32.const 1)) (i32.const 1)))
    (block $finished
      (loop $batch
        (br_if $finished (i32.ge_u (local.get $done) (local.get $pairs)))
        (local.set $nb (i32.sub (local.get $pairs) (local.get $done)))
        (if (i32.gt_u (local.get $nb) (i32.const 512)) (then (local.set $nb (i32.const 512))))
        ;; pass 1: candidates into (u, v, s) at UVS = 65664 + 32·j until nb are accepted
        (local.set $j (i32.const 0))
        (block $full
          (loop $draw
            (br_if $full (i32.ge_u (local.get $j) (local.get $nb)))
            ;; step 1: the high 26 bits of u's uniform (output = low word of s0 + s1, then the step)
            (local.set $a (i32.and (i32.wrap_i64 (i64.add (local.get $s0) (local.get $s1))) (i32.const 0x3ffffff)))
            (local.set $t (i64.xor (local.get $s1) (local.get $s0)))
            (local.set $s0 (i64.xor (i64.xor (i64.rotl (local.get $s0) (i64.const 24)) (local.get $t)) (i64.shl (local.get $t) (i64.const 16))))
            (local.set $s1 (i64.rotl (local.get $t) (i64.const 37)))
            ;; step 2: its low 27 bits
            (local.set $b (i32.and (i32.wrap_i64 (i64.add (local.get $s0) (local.get $s1))) (i32.const 0x7ffffff)))
            (local.set $t (i64.xor (local.get $s1) (local.get $s0)))
            (local.set $s0 (i64.xor (i64.xor (i64.rotl (local.get $s0) (i64.const 24)) (local.get $t)) (i64.shl (local.get $t) (i64.const 16))))
            (local.set $s1 (i64.rotl (local.get $t) (i64.const 37)))
            (local.set $u (f64.sub (f64.mul (f64.const 2)
              (f64.add (f64.mul (f64.convert_i32_u (local.get $a)) (f64.const 0x1p-26))
                       (f64.mul (f64.convert_i32_u (local.get $b)) (f64.const 0x1p-53)))) (f64.const 1)))
            ;; steps 3 and 4: v's
            (local.set $a (i32.and (i32.wrap_i64 (i64.add (local.get $s0) (local.get $s1))) (i32.const 0x3ffffff)))
            (local.set $t (i64.xor (local.get $s1) (local.get $s0)))
            (local.set $s0 (i64.xor (i64.xor (i64.rotl (local.get $s0) (i64.const 24)) (local.get $t)) (i64.shl (local.get $t) (i64.const 16))))
            (local.set $s1 (i64.rotl (local.get $t) (i64.const 37)))
            (local.set $b (i32.and (i32.wrap_i64 (i64.add (local.get $s0) (local.get $s1))) (i32.const 0x7ffffff)))
            (local.set $t (i64.xor (local.get $s1) (local.get $s0)))
            (local.set $s0 (i64.xor (i64.xor (i64.rotl (local.get $s0) (i64.const 24)) (local.get $t)) (i64.shl (local.get $t) (i64.const 16))))
            (local.set $s1 (i64.rotl (local.get $t) (i64.const 37)))
            (local.set $v (f64.sub (f64.mul (f64.const 2)
              (f64.add (f64.mul (f64.convert_i32_u (local.get $a)) (f64.const 0x1p-26))
                       (f64.mul (f64.convert_i32_u (local.get $b)) (f64.const 0x1p-53)))) (f64.const 1)))
            (local.set $s (f64.add (f64.mul (local.get $u) (local.get $u)) (f64.mul (local.get $v) (local.get $v))))
            (local.set $o (i32.add (i32.const 65664) (i32.shl (local.get $j) (i32.const 5))))
            (f64.store (local.get $o) (local.get $u))
            (f64.store offset=8 (local.get $o) (local.get $v))
            (f64.store offset=16 (local.get $o) (local.get $s))
            ;; accepted when 0 < s < 1
            (local.set $j (i32.add (local.get $j)
              (i32.and (f64.gt (local.get $s) (f64.const 0)) (f64.lt (local.get $s) (f64.const 1)))))
            (br $draw)))
        ;; pass 2: log s for the accepted pairs but the batch's last (which may be the fill's last, half stored), two at
        ;; a time, one per lane; a couple with a lane that $log_positive would send to $log, and an odd one out, by
        ;; $m_scalar. Then m, then the draws, each a loop of its own: short chains of dependent operations, so the
        ;; processor overlaps many iterations (one loop with the logarithm, the division, the square root and the stores
        ;; ran no faster than the scalar one: its chain outgrew the scheduler).
        (local.set $j (i32.const 0))
        (block $vdone
          (loop $vpair
            (br_if $vdone (i32.ge_u (i32.add (local.get $j) (i32.const 2)) (local.get $nb)))
            (local.set $o (i32.add (i32.const 65664) (i32.shl (local.get $j) (i32.const 5))))
            (local.set $sv (v128.load64_lane offset=48 1 (local.get $o) (v128.load64_zero offset=16 (local.get $o))))
            ;; a lane $log_positive would send to $log: hx − 0x00100000 outside [0, 0x7fe00000) as an unsigned 32-bit
            ;; word (not a positive normal number), or |f| < 2^-20
            (local.set $l_hx (i64x2.shr_u (local.get $sv) (i32.const 32)))
            (if (v128.any_true (v128.or
                  (v128.or (i64x2.lt_s (i64x2.sub (local.get $l_hx) (i64x2.splat (i64.const 0x00100000))) (v128.const i64x2 0 0))
                           (i64x2.ge_s (i64x2.sub (local.get $l_hx) (i64x2.splat (i64.const 0x00100000))) (i64x2.splat (i64.const 0x7fe00000))))
                  (i64x2.lt_s (v128.and (i64x2.add (local.get $l_hx) (i64x2.splat (i64.const 2))) (i64x2.splat (i64.const 0x000fffff))) (i64x2.splat (i64.const 3)))))
              (then
                (call $m_scalar (local.get $o))
                (call $m_scalar (i32.add (local.get $o) (i32.const 32))))
              (else
                ;; $log_positive in both lanes: the same operations, k in 64-bit lanes (small, so its i32 conversion is
                ;; its low word), the endings selected per lane (written out here: a call costs more than it saves)
          (local.set $l_hx (i64x2.shr_u (local.get $sv) (i32.const 32)))
          (local.set $l_k (i64x2.sub (i64x2.shr_s (local.get $l_hx) (i32.const 20)) (i64x2.splat (i64.const 1023))))
          (local.set $l_hx (v128.and (local.get $l_hx) (i64x2.splat (i64.const 0x000fffff))))
          (local.set $l_i (v128.and (i64x2.add (local.get $l_hx) (i64x2.splat (i64.const 0x95f64))) (i64x2.splat (i64.const 0x100000))))
          (local.set $l_f (f64x2.sub
          (v128.or (i64x2.shl (v128.or (local.get $l_hx) (v128.xor (local.get $l_i) (i64x2.splat (i64.const 0x3ff00000)))) (i32.const 32))
          (v128.and (local.get $sv) (i64x2.splat (i64.const 0xffffffff))))
          (f64x2.splat (f64.const 1))))
          (local.set $l_k (i64x2.add (local.get $l_k) (i64x2.shr_s (local.get $l_i) (i32.const 20))))
          (local.set $l_s (f64x2.div (local.get $l_f) (f64x2.add (f64x2.splat (f64.const 2)) (local.get $l_f))))
          (local.set $l_dk (f64x2.convert_low_i32x4_s (i8x16.shuffle 0 1 2 3 8 9 10 11 0 1 2 3 8 9 10 11 (local.get $l_k) (local.get $l_k))))
          (local.set $l_z (f64x2.mul (local.get $l_s) (local.get $l_s)))
          (local.set $l_w (f64x2.mul (local.get $l_z) (local.get $l_z)))
          (local.set $l_r (f64x2.add
          (f64x2.mul (local.get $l_z)
          (f64x2.add (f64x2.splat (f64.const 0x1.5555555555593p-1)) (f64x2.mul (local.get $l_w)
          (f64x2.add (f64x2.splat (f64.const 0x1.2492494229359p-2)) (f64x2.mul (local.get $l_w)
          (f64x2.add (f64x2.splat (f64.const 0x1.7466496cb03dep-3)) (f64x2.mul (local.get $l_w) (f64x2.splat (f64.const 0x1.2f112df3e5244p-3)))))))))
          (f64x2.mul (local.get $l_w)
          (f64x2.add (f64x2.splat (f64.const 0x1.999999997fa04p-2)) (f64x2.mul (local.get $l_w)
          (f64x2.add (f64x2.splat (f64.const 0x1.c71c51d8e78afp-3)) (f64x2.mul (local.get $l_w) (f64x2.splat (f64.const 0x1.39a09d078c69fp-3)))))))))
          (local.set $l_hfsq (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 0.5)) (local.get $l_f)) (local.get $l_f)))
          (local.set $l_hi (f64x2.mul (local.get $l_dk) (f64x2.splat (f64.const 0x1.62e42feep-1))))
          (local.set $l_lo (f64x2.mul (local.get $l_dk) (f64x2.splat (f64.const 0x1.a39ef35793c76p-33))))
          (local.set $l_sr (f64x2.mul (local.get $l_s) (f64x2.add (local.get $l_hfsq) (local.get $l_r))))
          ;; i > 0: k = 0 → f − (hfsq − s(hfsq + R)), else hi − ((hfsq − (s(hfsq + R) + lo)) − f)
          (local.set $l_a (v128.bitselect
          (f64x2.sub (local.get $l_f) (f64x2.sub (local.get $l_hfsq) (local.get $l_sr)))
          (f64x2.sub (local.get $l_hi) (f64x2.sub (f64x2.sub (local.get $l_hfsq) (f64x2.add (local.get $l_sr) (local.get $l_lo))) (local.get $l_f)))
          (i64x2.eq (local.get $l_k) (v128.const i64x2 0 0))))
          ;; i ≤ 0: k = 0 → f − s(f − R), else hi − ((s(f − R) − lo) − f)
          (local.set $l_sr (f64x2.mul (local.get $l_s) (f64x2.sub (local.get $l_f) (local.get $l_r))))
          (local.set $l_b (v128.bitselect
          (f64x2.sub (local.get $l_f) (local.get $l_sr))
          (f64x2.sub (local.get $l_hi) (f64x2.sub (f64x2.sub (local.get $l_sr) (local.get $l_lo)) (local.get $l_f)))
          (i64x2.eq (local.get $l_k) (v128.const i64x2 0 0))))
          (local.set $lg (v128.bitselect (local.get $l_a) (local.get $l_b)
          (i64x2.gt_s (v128.or (i64x2.sub (local.get $l_hx) (i64x2.splat (i64.const 0x6147a))) (i64x2.sub (i64x2.splat (i64.const 0x6b851)) (local.get $l_hx)))
          (v128.const i64x2 0 0))))
                (v128.store64_lane offset=24 0 (local.get $o) (local.get $lg))
                (v128.store64_lane offset=56 1 (local.get $o) (local.get $lg))))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $vpair)))
        (if (i32.lt_u (i32.add (local.get $j) (i32.const 1)) (local.get $nb))
          (then
            (call $m_scalar (i32.add (i32.const 65664) (i32.shl (local.get $j) (i32.const 5))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))))
        ;; m = √(−2 log s / s) into the log's place, two pairs per step (an odd one out too: one lane repeats it)
        (local.set $j (i32.const 0))
        (block $mdone
          (loop $mpair
            (br_if $mdone (i32.ge_u (i32.add (local.get $j) (i32.const 1)) (local.get $nb)))
            (local.set $o (i32.add (i32.const 65664) (i32.shl (local.get $j) (i32.const 5))))
            (local.set $a (select (i32.const 32) (i32.const 0) (i32.lt_u (i32.add (local.get $j) (i32.const 2)) (local.get $nb))))
            (local.set $mv (v128.load64_lane 1 (i32.add (local.get $o) (i32.add (local.get $a) (i32.const 16))) (v128.load64_zero offset=16 (local.get $o))))
            (local.set $mv (f64x2.sqrt (f64x2.div (f64x2.mul (f64x2.splat (f64.const -2))
              (v128.load64_lane 1 (i32.add (local.get $o) (i32.add (local.get $a) (i32.const 24))) (v128.load64_zero offset=24 (local.get $o))))
              (local.get $mv))))
            (v128.store64_lane offset=24 0 (local.get $o) (local.get $mv))
            (v128.store64_lane 1 (i32.add (local.get $o) (i32.add (local.get $a) (i32.const 24))) (local.get $mv))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $mpair)))
        ;; pass 3: the draws of pairs 0 … nb − 2 from (u, v, m); the last one by $pair (from s, which pass 2 kept)
        (local.set $j (i32.const 0))
        (block $written
          (loop $out
            (br_if $written (i32.ge_u (i32.add (local.get $j) (i32.const 1)) (local.get $nb)))
            (local.set $o (i32.add (i32.const 65664) (i32.shl (local.get $j) (i32.const 5))))
            (v128.store (i32.add (i32.const 64) (i32.shl (i32.add (local.get $done) (local.get $j)) (i32.const 4)))
              (f64x2.add (f64x2.splat (local.get $mean)) (f64x2.mul (f64x2.splat (local.get $std))
                (f64x2.mul (v128.load (local.get $o)) (v128.load64_splat offset=24 (local.get $o))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $out)))
        (call $pair (i32.sub (local.get $nb) (i32.const 1)) (local.get $done) (local.get $n) (local.get $std) (local.get $mean))
        (local.set $done (i32.add (local.get $done) (local.get $nb)))
        (br $batch)))
    (i64.store (i32.const 0) (local.get $s0))
    (i64.store (i32.const 8) (local.get $s1))
    (i32.and (local.get $n) (i32.const 1))
  )

  ;; fill_uniform: n draws lo + (hi − lo)·U at byte 64, U = a·2^-26 + b·2^-53 (`fillUniformFromState`).
  (func (export "fill_uniform") (param $n i32) (param $lo f64) (param $hi f64)
    (local $s0 i64) (local $s1 i64) (local $t i64) (local $i i32) (local $a i32) (local $b i32)
    (local.set $s0 (i64.load (i32.const 0)))
    (local.set $s1 (i64.load (i32.const 8)))
    (block $done
      (loop $draw
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a (i32.and (i32.wrap_i64 (i64.add (local.get $s0) (local.get $s1))) (i32.const 0x3ffffff)))
        (local.set $t (i64.xor (local.get $s1) (local.get $s0)))
        (local.set $s0 (i64.xor (i64.xor (i64.rotl (local.get $s0) (i64.const 24)) (local.get $t)) (i64.shl (local.get $t) (i64.const 16))))
        (local.set $s1 (i64.rotl (local.get $t) (i64.const 37)))
        (local.set $b (i32.and (i32.wrap_i64 (i64.add (local.get $s0) (local.get $s1))) (i32.const 0x7ffffff)))
        (local.set $t (i64.xor (local.get $s1) (local.get $s0)))
        (local.set $s0 (i64.xor (i64.xor (i64.rotl (local.get $s0) (i64.const 24)) (local.get $t)) (i64.shl (local.get $t) (i64.const 16))))
        (local.set $s1 (i64.rotl (local.get $t) (i64.const 37)))
        (f64.store (i32.add (i32.const 64) (i32.shl (local.get $i) (i32.const 3)))
          (f64.add (local.get $lo) (f64.mul (f64.sub (local.get $hi) (local.get $lo))
            (f64.add (f64.mul (f64.convert_i32_u (local.get $a)) (f64.const 0x1p-26))
                     (f64.mul (f64.convert_i32_u (local.get $b)) (f64.const 0x1p-53))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $draw)))
    (i64.store (i32.const 0) (local.get $s0))
    (i64.store (i32.const 8) (local.get $s1))
  )
)

(module
  ;; Adam's fused step (src/nn/optim.ts, `adamStep32` / `adamStep64`) on staged float64 copies, two elements per
  ;; f64x2 operation (compiled by scripts/build-wasm.mjs). Each lane runs the TypeScript loop's IEEE operations in its
  ;; order (WebAssembly has no fused multiply-add), so θ and the moments come out bit for bit the same
  ;; (test/core/adamWasm.test.ts); the gain is the two divisions and the square root per element, which dominate the
  ;; step and cost the same per f64x2 instruction as per scalar one.
  ;;
  ;; Memory: θ at byte 0, g at 32768, m at 65536, v at 98304, 4096 float64 each (CHUNK in src/core/adamWasm.ts).
  (memory (export "memory") 2)

  ;; m ← b1·m + (1 − b1)·g; v ← b2·v + (1 − b2)·g·g; d = m/c1/(√(v/c2) + ε); θ ← θ + c·(d [+ λθ]) for n elements.
  ;; ob1 = 1 − b1 and ob2 = 1 − b2 as the caller computed them; decay λ applies when hasDecay is 1.
  (func (export "adam") (param $n i32) (param $b1 f64) (param $ob1 f64) (param $b2 f64) (param $ob2 f64) (param $eps f64)
    (param $c1 f64) (param $c2 f64) (param $c f64) (param $decay f64) (param $hasDecay i32)
    (local $o i32) (local $end i32) (local $g v128) (local $m v128) (local $v v128) (local $d v128) (local $p v128)
    (local $B1 v128) (local $OB1 v128) (local $B2 v128) (local $OB2 v128) (local $EPS v128)
    (local $C1 v128) (local $C2 v128) (local $C v128) (local $L v128)
    (local $gs f64) (local $ms f64) (local $vs f64) (local $ds f64) (local $ps f64)
    (local.set $B1 (f64x2.splat (local.get $b1)))
    (local.set $OB1 (f64x2.splat (local.get $ob1)))
    (local.set $B2 (f64x2.splat (local.get $b2)))
    (local.set $OB2 (f64x2.splat (local.get $ob2)))
    (local.set $EPS (f64x2.splat (local.get $eps)))
    (local.set $C1 (f64x2.splat (local.get $c1)))
    (local.set $C2 (f64x2.splat (local.get $c2)))
    (local.set $C (f64x2.splat (local.get $c)))
    (local.set $L (f64x2.splat (local.get $decay)))
    ;; pairs of elements: byte offsets o = 0, 16, … below 8·(n − n mod 2)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3)))
    (block $pairs
      (loop $pair
        (br_if $pairs (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $g (v128.load offset=32768 (local.get $o)))
        (local.set $m (f64x2.add (f64x2.mul (local.get $B1) (v128.load offset=65536 (local.get $o)))
                                 (f64x2.mul (local.get $OB1) (local.get $g))))
        (local.set $v (f64x2.add (f64x2.mul (local.get $B2) (v128.load offset=98304 (local.get $o)))
                                 (f64x2.mul (f64x2.mul (local.get $OB2) (local.get $g)) (local.get $g))))
        (local.set $d (f64x2.div (f64x2.div (local.get $m) (local.get $C1))
                                 (f64x2.add (f64x2.sqrt (f64x2.div (local.get $v) (local.get $C2))) (local.get $EPS))))
        (local.set $p (v128.load (local.get $o)))
        (if (local.get $hasDecay)
          (then (local.set $d (f64x2.add (local.get $d) (f64x2.mul (local.get $L) (local.get $p))))))
        (v128.store (local.get $o) (f64x2.add (local.get $p) (f64x2.mul (local.get $C) (local.get $d))))
        (v128.store offset=65536 (local.get $o) (local.get $m))
        (v128.store offset=98304 (local.get $o) (local.get $v))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $pair)))
    ;; the last element of an odd n, the same operations on one lane
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $gs (f64.load offset=32768 (local.get $o)))
        (local.set $ms (f64.add (f64.mul (local.get $b1) (f64.load offset=65536 (local.get $o))) (f64.mul (local.get $ob1) (local.get $gs))))
        (local.set $vs (f64.add (f64.mul (local.get $b2) (f64.load offset=98304 (local.get $o)))
                                (f64.mul (f64.mul (local.get $ob2) (local.get $gs)) (local.get $gs))))
        (local.set $ds (f64.div (f64.div (local.get $ms) (local.get $c1))
                                (f64.add (f64.sqrt (f64.div (local.get $vs) (local.get $c2))) (local.get $eps))))
        (local.set $ps (f64.load (local.get $o)))
        (if (local.get $hasDecay)
          (then (local.set $ds (f64.add (local.get $ds) (f64.mul (local.get $decay) (local.get $ps))))))
        (f64.store (local.get $o) (f64.add (local.get $ps) (f64.mul (local.get $c) (local.get $ds))))
        (f64.store offset=65536 (local.get $o) (local.get $ms))
        (f64.store offset=98304 (local.get $o) (local.get $vs))))
  )
)

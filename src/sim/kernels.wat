(module
  (memory (export "memory") 1)
  ;; D[r, 0..K) += sum over s ascending with G[r, s] != 0 of G[r, s] * M[s, 0..K), for r in 0..R.
  ;; D, G, M: byte addresses of row-major f64 arrays; offs (i32) and facs (f64): scratch for S terms.
  ;; Each D[r, k] receives its terms one at a time, in order of s (four per pass over the row).
  ;; Returns the number of nonzero G entries.
  (func (export "add_products")
    (param $D i32) (param $G i32) (param $M i32) (param $R i32) (param $S i32) (param $K i32)
    (param $offs i32) (param $facs i32) (result i32)
    (local $r i32) (local $s i32) (local $m i32) (local $q i32) (local $k i32) (local $g f64)
    (local $nnz i32) (local $row i32) (local $rowK i32) (local $K2 i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $f0 v128) (local $f1 v128) (local $f2 v128) (local $f3 v128)
    (local $y i32) (local $acc v128) (local $kb i32)
    (local.set $K2 (i32.and (local.get $K) (i32.const -2)))
    (local.set $rowK (i32.shl (local.get $K) (i32.const 3)))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $R)))
      ;; gather the nonzero terms of row r
      (local.set $m (i32.const 0))
      (local.set $s (i32.const 0))
      (local.set $row (i32.add (local.get $G) (i32.shl (i32.mul (local.get $r) (local.get $S)) (i32.const 3))))
      (block $sdone (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $s) (local.get $S)))
        (local.set $g (f64.load (i32.add (local.get $row) (i32.shl (local.get $s) (i32.const 3)))))
        (if (f64.ne (local.get $g) (f64.const 0))
          (then
            (i32.store (i32.add (local.get $offs) (i32.shl (local.get $m) (i32.const 2)))
              (i32.add (local.get $M) (i32.mul (local.get $s) (local.get $rowK))))
            (f64.store (i32.add (local.get $facs) (i32.shl (local.get $m) (i32.const 3))) (local.get $g))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $sloop)))
      (local.set $nnz (i32.add (local.get $nnz) (local.get $m)))
      (local.set $y (i32.add (local.get $D) (i32.mul (local.get $r) (local.get $rowK))))
      ;; four terms per pass
      (local.set $q (i32.const 0))
      (block $qdone (loop $qloop
        (br_if $qdone (i32.gt_u (i32.add (local.get $q) (i32.const 4)) (local.get $m)))
        (local.set $p0 (i32.load (i32.add (local.get $offs) (i32.shl (local.get $q) (i32.const 2)))))
        (local.set $p1 (i32.load offset=4 (i32.add (local.get $offs) (i32.shl (local.get $q) (i32.const 2)))))
        (local.set $p2 (i32.load offset=8 (i32.add (local.get $offs) (i32.shl (local.get $q) (i32.const 2)))))
        (local.set $p3 (i32.load offset=12 (i32.add (local.get $offs) (i32.shl (local.get $q) (i32.const 2)))))
        (local.set $f0 (f64x2.splat (f64.load (i32.add (local.get $facs) (i32.shl (local.get $q) (i32.const 3))))))
        (local.set $f1 (f64x2.splat (f64.load offset=8 (i32.add (local.get $facs) (i32.shl (local.get $q)
          (i32.const 3))))))
        (local.set $f2 (f64x2.splat (f64.load offset=16 (i32.add (local.get $facs) (i32.shl (local.get $q)
          (i32.const 3))))))
        (local.set $f3 (f64x2.splat (f64.load offset=24 (i32.add (local.get $facs) (i32.shl (local.get $q)
          (i32.const 3))))))
        (local.set $k (i32.const 0))
        (block $kdone (loop $kloop
          (br_if $kdone (i32.ge_u (local.get $k) (local.get $K2)))
          (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
          (local.set $acc (v128.load (i32.add (local.get $y) (local.get $kb))))
          (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $f0) (v128.load (i32.add (local.get $p0)
            (local.get $kb))))))
          (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $f1) (v128.load (i32.add (local.get $p1)
            (local.get $kb))))))
          (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $f2) (v128.load (i32.add (local.get $p2)
            (local.get $kb))))))
          (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $f3) (v128.load (i32.add (local.get $p3)
            (local.get $kb))))))
          (v128.store (i32.add (local.get $y) (local.get $kb)) (local.get $acc))
          (local.set $k (i32.add (local.get $k) (i32.const 2)))
          (br $kloop)))
        ;; odd K: the last element alone
        (if (i32.lt_u (local.get $K2) (local.get $K))
          (then
            (local.set $kb (i32.shl (local.get $K2) (i32.const 3)))
            (f64.store (i32.add (local.get $y) (local.get $kb))
              (f64.add (f64.add (f64.add (f64.add
                (f64.load (i32.add (local.get $y) (local.get $kb)))
                (f64.mul (f64x2.extract_lane 0 (local.get $f0)) (f64.load (i32.add (local.get $p0) (local.get $kb)))))
                (f64.mul (f64x2.extract_lane 0 (local.get $f1)) (f64.load (i32.add (local.get $p1) (local.get $kb)))))
                (f64.mul (f64x2.extract_lane 0 (local.get $f2)) (f64.load (i32.add (local.get $p2) (local.get $kb)))))
                (f64.mul (f64x2.extract_lane 0 (local.get $f3)) (f64.load (i32.add (local.get $p3)
                  (local.get $kb))))))))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br $qloop)))
      ;; the last terms one at a time
      (block $tdone (loop $tloop
        (br_if $tdone (i32.ge_u (local.get $q) (local.get $m)))
        (local.set $p0 (i32.load (i32.add (local.get $offs) (i32.shl (local.get $q) (i32.const 2)))))
        (local.set $f0 (f64x2.splat (f64.load (i32.add (local.get $facs) (i32.shl (local.get $q) (i32.const 3))))))
        (local.set $k (i32.const 0))
        (block $k1done (loop $k1loop
          (br_if $k1done (i32.ge_u (local.get $k) (local.get $K2)))
          (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
          (v128.store (i32.add (local.get $y) (local.get $kb))
            (f64x2.add (v128.load (i32.add (local.get $y) (local.get $kb)))
              (f64x2.mul (local.get $f0) (v128.load (i32.add (local.get $p0) (local.get $kb))))))
          (local.set $k (i32.add (local.get $k) (i32.const 2)))
          (br $k1loop)))
        (if (i32.lt_u (local.get $K2) (local.get $K))
          (then
            (local.set $kb (i32.shl (local.get $K2) (i32.const 3)))
            (f64.store (i32.add (local.get $y) (local.get $kb))
              (f64.add (f64.load (i32.add (local.get $y) (local.get $kb)))
                (f64.mul (f64x2.extract_lane 0 (local.get $f0)) (f64.load (i32.add (local.get $p0)
                  (local.get $kb))))))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $tloop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rloop)))
    (local.get $nnz))
  ;; Adam (Kingma and Ba) on n parameters in place (AdamMoments in kernels.ts), in float64:
  ;;   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g g;  x -= (step (m / c1)) / (sqrt(v / c2) + 1e-12)
  ;; two lanes at a time (odd n: the last alone); IEEE sqrt and division round exactly as JS's.
  (func (export "adam")
    (param $x i32) (param $m i32) (param $v i32) (param $g i32) (param $n i32)
    (param $b1 f64) (param $b2 f64) (param $c1 f64) (param $c2 f64) (param $step f64)
    (local $k i32) (local $kb i32) (local $n2 i32)
    (local $B1 v128) (local $B2 v128) (local $A1 v128) (local $A2 v128) (local $C1 v128) (local $C2 v128)
    (local $S v128) (local $E v128) (local $gv v128) (local $mv v128) (local $vv v128)
    (local.set $n2 (i32.and (local.get $n) (i32.const -2)))
    (local.set $B1 (f64x2.splat (local.get $b1)))
    (local.set $B2 (f64x2.splat (local.get $b2)))
    (local.set $A1 (f64x2.splat (f64.sub (f64.const 1) (local.get $b1))))
    (local.set $A2 (f64x2.splat (f64.sub (f64.const 1) (local.get $b2))))
    (local.set $C1 (f64x2.splat (local.get $c1)))
    (local.set $C2 (f64x2.splat (local.get $c2)))
    (local.set $S (f64x2.splat (local.get $step)))
    (local.set $E (f64x2.splat (f64.const 1e-12)))
    (block $done (loop $lp
      (br_if $done (i32.ge_u (local.get $k) (local.get $n2)))
      (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
      (local.set $gv (v128.load (i32.add (local.get $g) (local.get $kb))))
      (local.set $mv (f64x2.add
        (f64x2.mul (local.get $B1) (v128.load (i32.add (local.get $m) (local.get $kb))))
        (f64x2.mul (local.get $A1) (local.get $gv))))
      (local.set $vv (f64x2.add
        (f64x2.mul (local.get $B2) (v128.load (i32.add (local.get $v) (local.get $kb))))
        (f64x2.mul (f64x2.mul (local.get $A2) (local.get $gv)) (local.get $gv))))
      (v128.store (i32.add (local.get $m) (local.get $kb)) (local.get $mv))
      (v128.store (i32.add (local.get $v) (local.get $kb)) (local.get $vv))
      (v128.store (i32.add (local.get $x) (local.get $kb))
        (f64x2.sub (v128.load (i32.add (local.get $x) (local.get $kb)))
          (f64x2.div
            (f64x2.mul (local.get $S) (f64x2.div (local.get $mv) (local.get $C1)))
            (f64x2.add (f64x2.sqrt (f64x2.div (local.get $vv) (local.get $C2))) (local.get $E)))))
      (local.set $k (i32.add (local.get $k) (i32.const 2)))
      (br $lp)))
    (if (i32.lt_u (local.get $n2) (local.get $n))
      (then
        (local.set $kb (i32.shl (local.get $n2) (i32.const 3)))
        (local.set $gv (f64x2.splat (f64.load (i32.add (local.get $g) (local.get $kb)))))
        (local.set $mv (f64x2.add
          (f64x2.mul (local.get $B1) (f64x2.splat (f64.load (i32.add (local.get $m) (local.get $kb)))))
          (f64x2.mul (local.get $A1) (local.get $gv))))
        (local.set $vv (f64x2.add
          (f64x2.mul (local.get $B2) (f64x2.splat (f64.load (i32.add (local.get $v) (local.get $kb)))))
          (f64x2.mul (f64x2.mul (local.get $A2) (local.get $gv)) (local.get $gv))))
        (f64.store (i32.add (local.get $m) (local.get $kb)) (f64x2.extract_lane 0 (local.get $mv)))
        (f64.store (i32.add (local.get $v) (local.get $kb)) (f64x2.extract_lane 0 (local.get $vv)))
        (f64.store (i32.add (local.get $x) (local.get $kb))
          (f64.sub (f64.load (i32.add (local.get $x) (local.get $kb)))
            (f64x2.extract_lane 0 (f64x2.div
              (f64x2.mul (local.get $S) (f64x2.div (local.get $mv) (local.get $C1)))
              (f64x2.add (f64x2.sqrt (f64x2.div (local.get $vv) (local.get $C2))) (local.get $E))))))))
  )
  ;; dst[0..n) += f src[0..n), two lanes at a time (odd n: the last alone). f = 1 adds src itself (1 x = x).
  (func (export "add_scaled") (param $dst i32) (param $src i32) (param $n i32) (param $f f64)
    (local $k i32) (local $n2 i32) (local $kb i32) (local $F v128)
    (local.set $n2 (i32.and (local.get $n) (i32.const -2)))
    (local.set $F (f64x2.splat (local.get $f)))
    (block $done (loop $lp
      (br_if $done (i32.ge_u (local.get $k) (local.get $n2)))
      (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
      (v128.store (i32.add (local.get $dst) (local.get $kb))
        (f64x2.add (v128.load (i32.add (local.get $dst) (local.get $kb)))
          (f64x2.mul (local.get $F) (v128.load (i32.add (local.get $src) (local.get $kb))))))
      (local.set $k (i32.add (local.get $k) (i32.const 2)))
      (br $lp)))
    (if (i32.lt_u (local.get $n2) (local.get $n))
      (then
        (local.set $kb (i32.shl (local.get $n2) (i32.const 3)))
        (f64.store (i32.add (local.get $dst) (local.get $kb))
          (f64.add (f64.load (i32.add (local.get $dst) (local.get $kb)))
            (f64.mul (local.get $f) (f64.load (i32.add (local.get $src) (local.get $kb)))))))))
  ;; The spike-count model's populations (src/fit/count-model.ts), forward, over n values with room for
  ;; n rounded up to even (the odd last pair's second lane runs on padding): with o, b the window opening and
  ;; bias repeated for every row,
  ;;   pre = ((o + pre) + T b) / theta   (in place)
  ;;   count = clamp(r, lo, T), r = floor(pre) or trunc(pre) (mode 0, 1: unsigned, signed, rounded),
  ;;   pre - 1/2 or pre (mode 2, 3: unrounded); clamp as Math.min(Math.max(r, lo), T).
  (func (export "count_forward")
    (param $pre i32) (param $count i32) (param $o i32) (param $b i32) (param $n i32)
    (param $T f64) (param $theta f64) (param $lo f64) (param $mode i32)
    (local $kb i32) (local $end i32) (local $q v128) (local $r v128)
    (local $TV v128) (local $THV v128) (local $LO v128) (local $HALF v128)
    (local.set $end (i32.shl (i32.and (i32.add (local.get $n) (i32.const 1)) (i32.const -2)) (i32.const 3)))
    (local.set $TV (f64x2.splat (local.get $T)))
    (local.set $THV (f64x2.splat (local.get $theta)))
    (local.set $LO (f64x2.splat (local.get $lo)))
    (local.set $HALF (f64x2.splat (f64.const 0.5)))
    (block $done (loop $lp
      (br_if $done (i32.ge_u (local.get $kb) (local.get $end)))
      (local.set $q (f64x2.div
        (f64x2.add
          (f64x2.add (v128.load (i32.add (local.get $o) (local.get $kb))) (v128.load (i32.add (local.get $pre)
            (local.get $kb))))
          (f64x2.mul (local.get $TV) (v128.load (i32.add (local.get $b) (local.get $kb)))))
        (local.get $THV)))
      (v128.store (i32.add (local.get $pre) (local.get $kb)) (local.get $q))
      (block $r_set
        (local.set $r (f64x2.floor (local.get $q)))
        (br_if $r_set (i32.eqz (local.get $mode)))
        (local.set $r (f64x2.trunc (local.get $q)))
        (br_if $r_set (i32.eq (local.get $mode) (i32.const 1)))
        (local.set $r (f64x2.sub (local.get $q) (local.get $HALF)))
        (br_if $r_set (i32.eq (local.get $mode) (i32.const 2)))
        (local.set $r (local.get $q)))
      (v128.store (i32.add (local.get $count) (local.get $kb))
        (f64x2.min (f64x2.max (local.get $r) (local.get $LO)) (local.get $TV)))
      (local.set $kb (i32.add (local.get $kb) (i32.const 16)))
      (br $lp))))
  ;; Its backward pass over rows of n values: where lo <= pre <= hi (NaN included, as the plain test
  ;; `pre < lo || pre > hi` skips only outside), dS = dY / theta, else +0; db[i] += T dS[r, i] row by row.
  (func (export "count_backward")
    (param $pre i32) (param $dY i32) (param $dS i32) (param $db i32) (param $rows i32) (param $n i32)
    (param $lo f64) (param $hi f64) (param $theta f64) (param $T f64)
    (local $r i32) (local $i i32) (local $n2 i32) (local $row i32) (local $kb i32) (local $ib i32)
    (local $p v128) (local $d v128) (local $x f64) (local $y f64)
    (local.set $n2 (i32.and (local.get $n) (i32.const -2)))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $row (i32.shl (i32.mul (local.get $r) (local.get $n)) (i32.const 3)))
      (local.set $i (i32.const 0))
      (block $idone (loop $iloop
        (br_if $idone (i32.ge_u (local.get $i) (local.get $n2)))
        (local.set $ib (i32.shl (local.get $i) (i32.const 3)))
        (local.set $kb (i32.add (local.get $row) (local.get $ib)))
        (local.set $p (v128.load (i32.add (local.get $pre) (local.get $kb))))
        (local.set $d (v128.and
          (v128.not (v128.or
            (f64x2.lt (local.get $p) (f64x2.splat (local.get $lo)))
            (f64x2.gt (local.get $p) (f64x2.splat (local.get $hi)))))
          (f64x2.div (v128.load (i32.add (local.get $dY) (local.get $kb))) (f64x2.splat (local.get $theta)))))
        (v128.store (i32.add (local.get $dS) (local.get $kb)) (local.get $d))
        (v128.store (i32.add (local.get $db) (local.get $ib))
          (f64x2.add (v128.load (i32.add (local.get $db) (local.get $ib)))
            (f64x2.mul (f64x2.splat (local.get $T)) (local.get $d))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $iloop)))
      (if (i32.lt_u (local.get $n2) (local.get $n))
        (then
          (local.set $ib (i32.shl (local.get $n2) (i32.const 3)))
          (local.set $kb (i32.add (local.get $row) (local.get $ib)))
          (local.set $x (f64.load (i32.add (local.get $pre) (local.get $kb))))
          (local.set $y (f64.const 0))
          (if (i32.eqz (i32.or (f64.lt (local.get $x) (local.get $lo)) (f64.gt (local.get $x) (local.get $hi))))
            (then (local.set $y (f64.div (f64.load (i32.add (local.get $dY) (local.get $kb))) (local.get $theta)))))
          (f64.store (i32.add (local.get $dS) (local.get $kb)) (local.get $y))
          (f64.store (i32.add (local.get $db) (local.get $ib))
            (f64.add (f64.load (i32.add (local.get $db) (local.get $ib))) (f64.mul (local.get $T) (local.get $y))))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rloop))))
  ;; dst[c, r] = src[r, c] for src [rows, cols] and dst [cols, rows] (row-major f64, not overlapping), two rows
  ;; by two columns at a time; an odd last column and an odd last row one value at a time.
  (func (export "transpose") (param $dst i32) (param $src i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $rowB i32) (local $colB i32) (local $a v128) (local $b v128)
    (local $s0 i32) (local $s1 i32) (local $d0 i32)
    (local.set $rowB (i32.shl (local.get $cols) (i32.const 3)))
    (local.set $colB (i32.shl (local.get $rows) (i32.const 3)))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows)))
      (local.set $s0 (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $rowB))))
      (local.set $s1 (i32.add (local.get $s0) (local.get $rowB)))
      (local.set $d0 (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 3))))
      (local.set $c (i32.const 0))
      (block $cdone (loop $cloop
        (br_if $cdone (i32.ge_u (i32.add (local.get $c) (i32.const 1)) (local.get $cols)))
        (local.set $a (v128.load (i32.add (local.get $s0) (i32.shl (local.get $c) (i32.const 3)))))
        (local.set $b (v128.load (i32.add (local.get $s1) (i32.shl (local.get $c) (i32.const 3)))))
        (v128.store (i32.add (local.get $d0) (i32.mul (local.get $c) (local.get $colB)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $b)))
        (v128.store (i32.add (local.get $d0) (i32.mul (i32.add (local.get $c) (i32.const 1)) (local.get $colB)))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $b)))
        (local.set $c (i32.add (local.get $c) (i32.const 2)))
        (br $cloop)))
      (if (i32.lt_u (local.get $c) (local.get $cols))
        (then
          (f64.store (i32.add (local.get $d0) (i32.mul (local.get $c) (local.get $colB)))
            (f64.load (i32.add (local.get $s0) (i32.shl (local.get $c) (i32.const 3)))))
          (f64.store offset=8 (i32.add (local.get $d0) (i32.mul (local.get $c) (local.get $colB)))
            (f64.load (i32.add (local.get $s1) (i32.shl (local.get $c) (i32.const 3)))))))
      (local.set $r (i32.add (local.get $r) (i32.const 2)))
      (br $rloop)))
    (if (i32.lt_u (local.get $r) (local.get $rows))
      (then
        (local.set $s0 (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $rowB))))
        (local.set $d0 (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 3))))
        (local.set $c (i32.const 0))
        (block $ldone (loop $lloop
          (br_if $ldone (i32.ge_u (local.get $c) (local.get $cols)))
          (f64.store (i32.add (local.get $d0) (i32.mul (local.get $c) (local.get $colB)))
            (f64.load (i32.add (local.get $s0) (i32.shl (local.get $c) (i32.const 3)))))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $lloop))))))
  ;; add_products in integers for spike delivery, from zeros: D and M are i32 arrays, G f64 holding integers
  ;; (spikes). D[r, 0..K) = sum over s with G[r, s] != 0 of G[r, s] * M[s, 0..K), four outputs per lane group.
  ;; Exact while every partial sum fits in 32 bits (the caller bounds |G| |M| S below 2^31); integer sums
  ;; do not depend on their order, so this equals add_products on the same values. offs (i32) and facs
  ;; (i32): scratch for S terms. Returns the number of nonzero G entries.
  (func (export "add_products_i32")
    (param $D i32) (param $G i32) (param $M i32) (param $R i32) (param $S i32) (param $K i32)
    (param $offs i32) (param $facs i32) (result i32)
    (local $r i32) (local $s i32) (local $m i32) (local $q i32) (local $kb i32) (local $g f64)
    (local $nnz i32) (local $row i32) (local $rowK i32) (local $K4b i32) (local $Kb i32) (local $y i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $c i32)
    (local $f0 v128) (local $f1 v128) (local $f2 v128) (local $f3 v128)
    (local.set $rowK (i32.shl (local.get $K) (i32.const 2)))
    (local.set $Kb (local.get $rowK))
    (local.set $K4b (i32.shl (i32.and (local.get $K) (i32.const -4)) (i32.const 2)))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $R)))
      (local.set $m (i32.const 0))
      (local.set $s (i32.const 0))
      (local.set $row (i32.add (local.get $G) (i32.shl (i32.mul (local.get $r) (local.get $S)) (i32.const 3))))
      (block $sdone (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $s) (local.get $S)))
        (local.set $g (f64.load (i32.add (local.get $row) (i32.shl (local.get $s) (i32.const 3)))))
        ;; without a branch (spikes are unpredictable): every entry is written, only nonzeros advance m
        (i32.store (i32.add (local.get $offs) (i32.shl (local.get $m) (i32.const 2)))
          (i32.add (local.get $M) (i32.mul (local.get $s) (local.get $rowK))))
        (i32.store (i32.add (local.get $facs) (i32.shl (local.get $m) (i32.const 2)))
          (i32.trunc_f64_s (local.get $g)))
        (local.set $m (i32.add (local.get $m) (f64.ne (local.get $g) (f64.const 0))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $sloop)))
      (local.set $nnz (i32.add (local.get $nnz) (local.get $m)))
      (local.set $y (i32.add (local.get $D) (i32.mul (local.get $r) (local.get $rowK))))
      ;; the row starts from zeros, written here while it stays in cache
      (local.set $kb (i32.const 0))
      (block $zdone (loop $zloop
        (br_if $zdone (i32.ge_u (local.get $kb) (local.get $K4b)))
        (v128.store (i32.add (local.get $y) (local.get $kb)) (v128.const i64x2 0 0))
        (local.set $kb (i32.add (local.get $kb) (i32.const 16)))
        (br $zloop)))
      (block $z1done (loop $z1loop
        (br_if $z1done (i32.ge_u (local.get $kb) (local.get $Kb)))
        (i32.store (i32.add (local.get $y) (local.get $kb)) (i32.const 0))
        (local.set $kb (i32.add (local.get $kb) (i32.const 4)))
        (br $z1loop)))
      ;; four terms per pass
      (local.set $q (i32.const 0))
      (block $qdone (loop $qloop
        (br_if $qdone (i32.gt_u (i32.add (local.get $q) (i32.const 4)) (local.get $m)))
        (local.set $c (i32.add (local.get $offs) (i32.shl (local.get $q) (i32.const 2))))
        (local.set $p0 (i32.load (local.get $c)))
        (local.set $p1 (i32.load offset=4 (local.get $c)))
        (local.set $p2 (i32.load offset=8 (local.get $c)))
        (local.set $p3 (i32.load offset=12 (local.get $c)))
        (local.set $c (i32.add (local.get $facs) (i32.shl (local.get $q) (i32.const 2))))
        (local.set $f0 (i32x4.splat (i32.load (local.get $c))))
        (local.set $f1 (i32x4.splat (i32.load offset=4 (local.get $c))))
        (local.set $f2 (i32x4.splat (i32.load offset=8 (local.get $c))))
        (local.set $f3 (i32x4.splat (i32.load offset=12 (local.get $c))))
        (local.set $kb (i32.const 0))
        ;; four unit factors (unsigned spikes, the common case): additions only
        (if (i32.and (i32.and (i32.eq (i32.load (local.get $c)) (i32.const 1))
                              (i32.eq (i32.load offset=4 (local.get $c)) (i32.const 1)))
                     (i32.and (i32.eq (i32.load offset=8 (local.get $c)) (i32.const 1))
                              (i32.eq (i32.load offset=12 (local.get $c)) (i32.const 1))))
          (then
            (block $udone (loop $uloop
              (br_if $udone (i32.ge_u (local.get $kb) (local.get $K4b)))
              (v128.store (i32.add (local.get $y) (local.get $kb))
                (i32x4.add
                  (i32x4.add (v128.load (i32.add (local.get $y) (local.get $kb)))
                    (i32x4.add (v128.load (i32.add (local.get $p0) (local.get $kb)))
                      (v128.load (i32.add (local.get $p1) (local.get $kb)))))
                  (i32x4.add (v128.load (i32.add (local.get $p2) (local.get $kb)))
                    (v128.load (i32.add (local.get $p3) (local.get $kb))))))
              (local.set $kb (i32.add (local.get $kb) (i32.const 16)))
              (br $uloop)))))
        (block $kdone (loop $kloop
          (br_if $kdone (i32.ge_u (local.get $kb) (local.get $K4b)))
          (v128.store (i32.add (local.get $y) (local.get $kb))
            (i32x4.add
              (i32x4.add (v128.load (i32.add (local.get $y) (local.get $kb)))
                (i32x4.add
                  (i32x4.mul (local.get $f0) (v128.load (i32.add (local.get $p0) (local.get $kb))))
                  (i32x4.mul (local.get $f1) (v128.load (i32.add (local.get $p1) (local.get $kb))))))
              (i32x4.add
                (i32x4.mul (local.get $f2) (v128.load (i32.add (local.get $p2) (local.get $kb))))
                (i32x4.mul (local.get $f3) (v128.load (i32.add (local.get $p3) (local.get $kb)))))))
          (local.set $kb (i32.add (local.get $kb) (i32.const 16)))
          (br $kloop)))
        ;; K not a multiple of 4: the last outputs one at a time
        (block $tdone (loop $tloop
          (br_if $tdone (i32.ge_u (local.get $kb) (local.get $Kb)))
          (i32.store (i32.add (local.get $y) (local.get $kb))
            (i32.add (i32.add (i32.load (i32.add (local.get $y) (local.get $kb)))
              (i32.add
                (i32.mul (i32x4.extract_lane 0 (local.get $f0)) (i32.load (i32.add (local.get $p0) (local.get $kb))))
                (i32.mul (i32x4.extract_lane 0 (local.get $f1)) (i32.load (i32.add (local.get $p1) (local.get $kb))))))
              (i32.add
                (i32.mul (i32x4.extract_lane 0 (local.get $f2)) (i32.load (i32.add (local.get $p2) (local.get $kb))))
                (i32.mul (i32x4.extract_lane 0 (local.get $f3)) (i32.load (i32.add (local.get $p3) (local.get $kb)))))))
          (local.set $kb (i32.add (local.get $kb) (i32.const 4)))
          (br $tloop)))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br $qloop)))
      ;; the last terms one at a time
      (block $odone (loop $oloop
        (br_if $odone (i32.ge_u (local.get $q) (local.get $m)))
        (local.set $p0 (i32.load (i32.add (local.get $offs) (i32.shl (local.get $q) (i32.const 2)))))
        (local.set $f0 (i32x4.splat (i32.load (i32.add (local.get $facs) (i32.shl (local.get $q) (i32.const 2))))))
        (local.set $kb (i32.const 0))
        (block $k1done (loop $k1loop
          (br_if $k1done (i32.ge_u (local.get $kb) (local.get $K4b)))
          (v128.store (i32.add (local.get $y) (local.get $kb))
            (i32x4.add (v128.load (i32.add (local.get $y) (local.get $kb)))
              (i32x4.mul (local.get $f0) (v128.load (i32.add (local.get $p0) (local.get $kb))))))
          (local.set $kb (i32.add (local.get $kb) (i32.const 16)))
          (br $k1loop)))
        (block $t1done (loop $t1loop
          (br_if $t1done (i32.ge_u (local.get $kb) (local.get $Kb)))
          (i32.store (i32.add (local.get $y) (local.get $kb))
            (i32.add (i32.load (i32.add (local.get $y) (local.get $kb)))
              (i32.mul (i32x4.extract_lane 0 (local.get $f0)) (i32.load (i32.add (local.get $p0) (local.get $kb))))))
          (local.set $kb (i32.add (local.get $kb) (i32.const 4)))
          (br $t1loop)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $oloop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rloop)))
    (local.get $nnz))
  ;; add_products_i32 in 16-bit lanes (eight outputs per lane group): D and M are i16 arrays, G f64 holding
  ;; integers. Exact while every partial sum fits in 16 bits (the caller bounds sum over s of |G[r, s]| |M[s, k]|
  ;; below 2^15 for every column k), so equal to add_products_i32 on the same values, at twice its lanes.
  (func (export "add_products_i16")
    (param $D i32) (param $G i32) (param $M i32) (param $R i32) (param $S i32) (param $K i32)
    (param $offs i32) (param $facs i32) (result i32)
    (local $r i32) (local $s i32) (local $m i32) (local $q i32) (local $kb i32) (local $g f64)
    (local $nnz i32) (local $row i32) (local $rowK i32) (local $K8b i32) (local $Kb i32) (local $y i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $c i32)
    (local $f0 v128) (local $f1 v128) (local $f2 v128) (local $f3 v128)
    (local.set $rowK (i32.shl (local.get $K) (i32.const 1)))
    (local.set $Kb (local.get $rowK))
    (local.set $K8b (i32.shl (i32.and (local.get $K) (i32.const -8)) (i32.const 1)))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $R)))
      (local.set $m (i32.const 0))
      (local.set $s (i32.const 0))
      (local.set $row (i32.add (local.get $G) (i32.shl (i32.mul (local.get $r) (local.get $S)) (i32.const 3))))
      (block $sdone (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $s) (local.get $S)))
        (local.set $g (f64.load (i32.add (local.get $row) (i32.shl (local.get $s) (i32.const 3)))))
        ;; without a branch (spikes are unpredictable): every entry is written, only nonzeros advance m
        (i32.store (i32.add (local.get $offs) (i32.shl (local.get $m) (i32.const 2)))
          (i32.add (local.get $M) (i32.mul (local.get $s) (local.get $rowK))))
        (i32.store (i32.add (local.get $facs) (i32.shl (local.get $m) (i32.const 2)))
          (i32.trunc_f64_s (local.get $g)))
        (local.set $m (i32.add (local.get $m) (f64.ne (local.get $g) (f64.const 0))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $sloop)))
      (local.set $nnz (i32.add (local.get $nnz) (local.get $m)))
      (local.set $y (i32.add (local.get $D) (i32.mul (local.get $r) (local.get $rowK))))
      ;; the row starts from zeros, written here while it stays in cache
      (local.set $kb (i32.const 0))
      (block $zdone (loop $zloop
        (br_if $zdone (i32.ge_u (local.get $kb) (local.get $K8b)))
        (v128.store (i32.add (local.get $y) (local.get $kb)) (v128.const i64x2 0 0))
        (local.set $kb (i32.add (local.get $kb) (i32.const 16)))
        (br $zloop)))
      (block $z1done (loop $z1loop
        (br_if $z1done (i32.ge_u (local.get $kb) (local.get $Kb)))
        (i32.store16 (i32.add (local.get $y) (local.get $kb)) (i32.const 0))
        (local.set $kb (i32.add (local.get $kb) (i32.const 2)))
        (br $z1loop)))
      ;; four terms per pass
      (local.set $q (i32.const 0))
      (block $qdone (loop $qloop
        (br_if $qdone (i32.gt_u (i32.add (local.get $q) (i32.const 4)) (local.get $m)))
        (local.set $c (i32.add (local.get $offs) (i32.shl (local.get $q) (i32.const 2))))
        (local.set $p0 (i32.load (local.get $c)))
        (local.set $p1 (i32.load offset=4 (local.get $c)))
        (local.set $p2 (i32.load offset=8 (local.get $c)))
        (local.set $p3 (i32.load offset=12 (local.get $c)))
        (local.set $c (i32.add (local.get $facs) (i32.shl (local.get $q) (i32.const 2))))
        (local.set $f0 (i16x8.splat (i32.load (local.get $c))))
        (local.set $f1 (i16x8.splat (i32.load offset=4 (local.get $c))))
        (local.set $f2 (i16x8.splat (i32.load offset=8 (local.get $c))))
        (local.set $f3 (i16x8.splat (i32.load offset=12 (local.get $c))))
        (local.set $kb (i32.const 0))
        ;; four unit factors (unsigned spikes, the common case): additions only
        (if (i32.and (i32.and (i32.eq (i32.load (local.get $c)) (i32.const 1))
                              (i32.eq (i32.load offset=4 (local.get $c)) (i32.const 1)))
                     (i32.and (i32.eq (i32.load offset=8 (local.get $c)) (i32.const 1))
                              (i32.eq (i32.load offset=12 (local.get $c)) (i32.const 1))))
          (then
            (block $udone (loop $uloop
              (br_if $udone (i32.ge_u (local.get $kb) (local.get $K8b)))
              (v128.store (i32.add (local.get $y) (local.get $kb))
                (i16x8.add
                  (i16x8.add (v128.load (i32.add (local.get $y) (local.get $kb)))
                    (i16x8.add (v128.load (i32.add (local.get $p0) (local.get $kb)))
                      (v128.load (i32.add (local.get $p1) (local.get $kb)))))
                  (i16x8.add (v128.load (i32.add (local.get $p2) (local.get $kb)))
                    (v128.load (i32.add (local.get $p3) (local.get $kb))))))
              (local.set $kb (i32.add (local.get $kb) (i32.const 16)))
              (br $uloop)))))
        (block $kdone (loop $kloop
          (br_if $kdone (i32.ge_u (local.get $kb) (local.get $K8b)))
          (v128.store (i32.add (local.get $y) (local.get $kb))
            (i16x8.add
              (i16x8.add (v128.load (i32.add (local.get $y) (local.get $kb)))
                (i16x8.add
                  (i16x8.mul (local.get $f0) (v128.load (i32.add (local.get $p0) (local.get $kb))))
                  (i16x8.mul (local.get $f1) (v128.load (i32.add (local.get $p1) (local.get $kb))))))
              (i16x8.add
                (i16x8.mul (local.get $f2) (v128.load (i32.add (local.get $p2) (local.get $kb))))
                (i16x8.mul (local.get $f3) (v128.load (i32.add (local.get $p3) (local.get $kb)))))))
          (local.set $kb (i32.add (local.get $kb) (i32.const 16)))
          (br $kloop)))
        ;; K not a multiple of 8: the last outputs one at a time
        (block $tdone (loop $tloop
          (br_if $tdone (i32.ge_u (local.get $kb) (local.get $Kb)))
          (i32.store16 (i32.add (local.get $y) (local.get $kb))
            (i32.add (i32.add (i32.load16_s (i32.add (local.get $y) (local.get $kb)))
              (i32.add
                (i32.mul (i16x8.extract_lane_s 0 (local.get $f0))
                  (i32.load16_s (i32.add (local.get $p0) (local.get $kb))))
                (i32.mul (i16x8.extract_lane_s 0 (local.get $f1))
                  (i32.load16_s (i32.add (local.get $p1) (local.get $kb))))))
              (i32.add
                (i32.mul (i16x8.extract_lane_s 0 (local.get $f2))
                  (i32.load16_s (i32.add (local.get $p2) (local.get $kb))))
                (i32.mul (i16x8.extract_lane_s 0 (local.get $f3))
                  (i32.load16_s (i32.add (local.get $p3) (local.get $kb)))))))
          (local.set $kb (i32.add (local.get $kb) (i32.const 2)))
          (br $tloop)))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br $qloop)))
      ;; the last terms one at a time
      (block $odone (loop $oloop
        (br_if $odone (i32.ge_u (local.get $q) (local.get $m)))
        (local.set $p0 (i32.load (i32.add (local.get $offs) (i32.shl (local.get $q) (i32.const 2)))))
        (local.set $f0 (i16x8.splat (i32.load (i32.add (local.get $facs) (i32.shl (local.get $q) (i32.const 2))))))
        (local.set $kb (i32.const 0))
        (block $k1done (loop $k1loop
          (br_if $k1done (i32.ge_u (local.get $kb) (local.get $K8b)))
          (v128.store (i32.add (local.get $y) (local.get $kb))
            (i16x8.add (v128.load (i32.add (local.get $y) (local.get $kb)))
              (i16x8.mul (local.get $f0) (v128.load (i32.add (local.get $p0) (local.get $kb))))))
          (local.set $kb (i32.add (local.get $kb) (i32.const 16)))
          (br $k1loop)))
        (block $t1done (loop $t1loop
          (br_if $t1done (i32.ge_u (local.get $kb) (local.get $Kb)))
          (i32.store16 (i32.add (local.get $y) (local.get $kb))
            (i32.add (i32.load16_s (i32.add (local.get $y) (local.get $kb)))
              (i32.mul (i16x8.extract_lane_s 0 (local.get $f0))
                  (i32.load16_s (i32.add (local.get $p0) (local.get $kb))))))
          (local.set $kb (i32.add (local.get $kb) (i32.const 2)))
          (br $t1loop)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $oloop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rloop)))
    (local.get $nnz))
  ;; dst[k] = floor(src[k] * f) for k in 0..n: src i32 (add_products_i32's sums), dst f64, f = 2^e: the
  ;; integer shift of scale_floor, converting exactly.
  (func (export "scale_floor_i32") (param $dst i32) (param $src i32) (param $n i32) (param $f f64)
    (local $k i32) (local $n2 i32) (local $F v128)
    (local.set $n2 (i32.and (local.get $n) (i32.const -2)))
    (local.set $F (f64x2.splat (local.get $f)))
    (block $done (loop $lp
      (br_if $done (i32.ge_u (local.get $k) (local.get $n2)))
      (v128.store (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 3)))
        (f64x2.floor (f64x2.mul (local.get $F)
          (f64x2.convert_low_i32x4_s (v128.load64_zero (i32.add (local.get $src) (i32.shl (local.get $k)
            (i32.const 2))))))))
      (local.set $k (i32.add (local.get $k) (i32.const 2)))
      (br $lp)))
    (if (i32.lt_u (local.get $n2) (local.get $n))
      (then
        (f64.store (i32.add (local.get $dst) (i32.shl (local.get $n2) (i32.const 3)))
          (f64.floor (f64.mul (local.get $f)
            (f64.convert_i32_s (i32.load (i32.add (local.get $src) (i32.shl (local.get $n2) (i32.const 2)))))))))))
  ;; scale_floor_i32 on i16 sums (add_products_i16's).
  (func (export "scale_floor_i16") (param $dst i32) (param $src i32) (param $n i32) (param $f f64)
    (local $k i32) (local $n2 i32) (local $F v128)
    (local.set $n2 (i32.and (local.get $n) (i32.const -2)))
    (local.set $F (f64x2.splat (local.get $f)))
    (block $done (loop $lp
      (br_if $done (i32.ge_u (local.get $k) (local.get $n2)))
      (v128.store (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 3)))
        (f64x2.floor (f64x2.mul (local.get $F)
          (f64x2.convert_low_i32x4_s (i32x4.extend_low_i16x8_s (v128.load32_zero (i32.add (local.get $src)
            (i32.shl (local.get $k) (i32.const 1)))))))))
      (local.set $k (i32.add (local.get $k) (i32.const 2)))
      (br $lp)))
    (if (i32.lt_u (local.get $n2) (local.get $n))
      (then
        (f64.store (i32.add (local.get $dst) (i32.shl (local.get $n2) (i32.const 3)))
          (f64.floor (f64.mul (local.get $f)
            (f64.convert_i32_s (i32.load16_s (i32.add (local.get $src) (i32.shl (local.get $n2) (i32.const 1)))))))))))
  ;; add_products_i32 for one output (K = 1), from zeros: D[r] = sum over s of G[r, s] M[s] for r in 0..R, D and
  ;; M i32, G f64 holding integers. The products and sums are taken in f64 lanes over s, two terms at a time:
  ;; exact (the caller bounds |G| |M| S below 2^31), so equal to add_products_i32 on the same values, which
  ;; spends a pass over its lanes on each term when there is one output. Returns the number of nonzero G.
  (func (export "dot_rows_i32") (param $D i32) (param $G i32) (param $M i32) (param $R i32) (param $S i32)
    (result i32)
    (local $r i32) (local $s i32) (local $S2 i32) (local $row i32) (local $acc v128) (local $g v128)
    (local $sum f64) (local $nnz v128) (local $n i32)
    (local.set $S2 (i32.and (local.get $S) (i32.const -2)))
    (block $rdone (loop $rloop
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $R)))
      (local.set $row (i32.add (local.get $G) (i32.shl (i32.mul (local.get $r) (local.get $S)) (i32.const 3))))
      (local.set $acc (v128.const f64x2 0 0))
      (local.set $s (i32.const 0))
      (block $sdone (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $s) (local.get $S2)))
        (local.set $g (v128.load (i32.add (local.get $row) (i32.shl (local.get $s) (i32.const 3)))))
        ;; a lane of f64x2.ne is all ones (-1) where G is nonzero: subtracting it counts
        (local.set $nnz (i64x2.sub (local.get $nnz) (f64x2.ne (local.get $g) (v128.const f64x2 0 0))))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $g)
          (f64x2.convert_low_i32x4_s (v128.load64_zero (i32.add (local.get $M) (i32.shl (local.get $s)
            (i32.const 2))))))))
        (local.set $s (i32.add (local.get $s) (i32.const 2)))
        (br $sloop)))
      (local.set $sum (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
      (if (i32.lt_u (local.get $S2) (local.get $S))
        (then
          (local.set $sum (f64.add (local.get $sum)
            (f64.mul (f64.load (i32.add (local.get $row) (i32.shl (local.get $S2) (i32.const 3))))
              (f64.convert_i32_s (i32.load (i32.add (local.get $M) (i32.shl (local.get $S2) (i32.const 2))))))))
          (local.set $n (i32.add (local.get $n)
            (f64.ne (f64.load (i32.add (local.get $row) (i32.shl (local.get $S2) (i32.const 3)))) (f64.const 0))))))
      (i32.store (i32.add (local.get $D) (i32.shl (local.get $r) (i32.const 2))) (i32.trunc_f64_s (local.get $sum)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rloop)))
    (i32.add (local.get $n)
      (i32.wrap_i64 (i64.add (i64x2.extract_lane 0 (local.get $nnz)) (i64x2.extract_lane 1 (local.get $nnz))))))
  ;; a[k] = floor(a[k] * f) for k in 0..n, f = 2^e: integer mantissa sums shifted by an exponent e, as
  ;; floor(acc / 2^-e) for e < 0 and acc * 2^e for e >= 0 (scaling by a power of two is exact).
  (func (export "scale_floor") (param $a i32) (param $n i32) (param $f f64)
    (local $k i32) (local $n2 i32) (local $kb i32) (local $F v128)
    (local.set $n2 (i32.and (local.get $n) (i32.const -2)))
    (local.set $F (f64x2.splat (local.get $f)))
    (block $done (loop $lp
      (br_if $done (i32.ge_u (local.get $k) (local.get $n2)))
      (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
      (v128.store (i32.add (local.get $a) (local.get $kb))
        (f64x2.floor (f64x2.mul (v128.load (i32.add (local.get $a) (local.get $kb))) (local.get $F))))
      (local.set $k (i32.add (local.get $k) (i32.const 2)))
      (br $lp)))
    (if (i32.lt_u (local.get $n2) (local.get $n))
      (then
        (local.set $kb (i32.shl (local.get $n2) (i32.const 3)))
        (f64.store (i32.add (local.get $a) (local.get $kb))
          (f64.floor (f64.mul (f64.load (i32.add (local.get $a) (local.get $kb))) (local.get $f)))))))
  ;; One step of a population, two neurons (the lanes) at a time: u, v, in (a_in), b (the bias, repeated for
  ;; every batch row) and s (spikes out) are arrays of n f64 (rows times neurons) with room for n rounded up
  ;; to even; for odd n the last pair's second lane runs on that padding and is not counted. signed and
  ;; subtract are 0 or 1. Returns the number of spikes. The update is SnnNeurons' (src/ir/ops/snn.ts):
  ;; model 0, fixed arithmetic (Loihi's CUBA neuron in integers held in f64), with D = decayScale =
  ;; 1 / DECAY_UNIT, X = inScale = VOLTAGE_SCALE and H = stateHalf = 2^(STATE_BITS - 1):
  ;;   u = wrap(trunc(u keepU D) + X a_in), wrapping above H and at or below -H by 2H
  ;;   v = clamp(trunc(v keepV D) + u + bias) to [-(H - 1), H - 1]
  ;;   s = 1 if v > theta, -1 if signed and v < -theta, else 0
  ;; (trunc(x D) is Lava's sign(x) (|x| >> 12); scaling by the power of two D is exact);
  ;; model 1, float arithmetic:
  ;;   u = keepU u + a_in;  v = (keepV v + u) + bias;  s = 1 if v >= theta, -1 if signed and v <= -theta
  ;; and in both, on a spike v = v - s theta (subtract) or +0.
  (func (export "neuron_step")
    (param $model i32) (param $u i32) (param $v i32) (param $in i32) (param $b i32) (param $s i32) (param $n i32)
    (param $keepU f64) (param $keepV f64) (param $theta f64) (param $signed i32) (param $subtract i32)
    (param $decayScale f64) (param $inScale f64) (param $stateHalf f64) (result i32)
    (local $kb i32) (local $end i32) (local $count v128) (local $spk v128)
    (local $KU v128) (local $KV v128) (local $TH v128) (local $NTH v128) (local $SG v128) (local $SB v128)
    (local $X v128) (local $H v128) (local $NH v128) (local $H2 v128) (local $VMAX v128) (local $ONE v128)
    (local $MONE v128) (local $uu v128) (local $vv v128) (local $pos v128) (local $neg v128) (local $sv v128)
    (local.set $end (i32.shl (i32.and (i32.add (local.get $n) (i32.const 1)) (i32.const -2)) (i32.const 3)))
    (local.set $TH (f64x2.splat (local.get $theta)))
    (local.set $NTH (f64x2.neg (local.get $TH)))
    (local.set $SG (i64x2.neg (i64x2.splat (i64.extend_i32_u (i32.ne (local.get $signed) (i32.const 0))))))
    (local.set $SB (i64x2.neg (i64x2.splat (i64.extend_i32_u (i32.ne (local.get $subtract) (i32.const 0))))))
    (local.set $ONE (f64x2.splat (f64.const 1)))
    (local.set $MONE (f64x2.splat (f64.const -1)))
    (if (local.get $model)
      (then
        (local.set $KU (f64x2.splat (local.get $keepU)))
        (local.set $KV (f64x2.splat (local.get $keepV)))
        (block $done (loop $lp
          (br_if $done (i32.ge_u (local.get $kb) (local.get $end)))
          (local.set $uu (f64x2.add (f64x2.mul (local.get $KU) (v128.load (i32.add (local.get $u) (local.get $kb))))
            (v128.load (i32.add (local.get $in) (local.get $kb)))))
          (local.set $vv (f64x2.add
            (f64x2.add (f64x2.mul (local.get $KV) (v128.load (i32.add (local.get $v) (local.get $kb)))) (local.get $uu))
            (v128.load (i32.add (local.get $b) (local.get $kb)))))
          (local.set $pos (f64x2.ge (local.get $vv) (local.get $TH)))
          (local.set $neg (v128.and (local.get $SG) (f64x2.le (local.get $vv) (local.get $NTH))))
          ;; -1 only where not +1 (with theta = 0 both tests can hold)
          (local.set $neg (v128.andnot (local.get $neg) (local.get $pos)))
          (local.set $spk (v128.or (local.get $pos) (local.get $neg)))
          (local.set $sv (v128.or (v128.and (local.get $pos) (local.get $ONE)) (v128.and (local.get $neg)
            (local.get $MONE))))
          (v128.store (i32.add (local.get $u) (local.get $kb)) (local.get $uu))
          (v128.store (i32.add (local.get $v) (local.get $kb))
            (v128.bitselect
              (v128.and (local.get $SB) (f64x2.sub (local.get $vv) (f64x2.mul (local.get $sv) (local.get $TH))))
              (local.get $vv)
              (local.get $spk)))
          (v128.store (i32.add (local.get $s) (local.get $kb)) (local.get $sv))
          (local.set $count (i64x2.sub (local.get $count) (local.get $spk)))
          (local.set $kb (i32.add (local.get $kb) (i32.const 16)))
          (br $lp))))
      (else
        ;; (u keepU) D = u (keepU D) exactly: u keepU is an integer below 2^53 and D a power of two
        (local.set $KU (f64x2.splat (f64.mul (local.get $keepU) (local.get $decayScale))))
        (local.set $KV (f64x2.splat (f64.mul (local.get $keepV) (local.get $decayScale))))
        (local.set $X (f64x2.splat (local.get $inScale)))
        (local.set $H (f64x2.splat (local.get $stateHalf)))
        (local.set $NH (f64x2.neg (local.get $H)))
        (local.set $H2 (f64x2.add (local.get $H) (local.get $H)))
        (local.set $VMAX (f64x2.sub (local.get $H) (local.get $ONE)))
        (block $done (loop $lp
          (br_if $done (i32.ge_u (local.get $kb) (local.get $end)))
          (local.set $uu (f64x2.add
            (f64x2.trunc (f64x2.mul (v128.load (i32.add (local.get $u) (local.get $kb))) (local.get $KU)))
            (f64x2.mul (v128.load (i32.add (local.get $in) (local.get $kb))) (local.get $X))))
          (local.set $uu (v128.bitselect
            (f64x2.sub (local.get $uu) (local.get $H2))
            (v128.bitselect
              (f64x2.add (local.get $uu) (local.get $H2))
              (local.get $uu)
              (f64x2.le (local.get $uu) (local.get $NH)))
            (f64x2.gt (local.get $uu) (local.get $H))))
          (local.set $vv (f64x2.add (f64x2.add
            (f64x2.trunc (f64x2.mul (v128.load (i32.add (local.get $v) (local.get $kb))) (local.get $KV)))
            (local.get $uu)) (v128.load (i32.add (local.get $b) (local.get $kb)))))
          (local.set $vv (f64x2.pmax (f64x2.pmin (local.get $vv) (local.get $VMAX)) (f64x2.neg (local.get $VMAX))))
          (local.set $pos (f64x2.gt (local.get $vv) (local.get $TH)))
          (local.set $neg (v128.and (local.get $SG) (f64x2.lt (local.get $vv) (local.get $NTH))))
          ;; -1 only where not +1 (with theta = 0 both tests can hold)
          (local.set $neg (v128.andnot (local.get $neg) (local.get $pos)))
          (local.set $spk (v128.or (local.get $pos) (local.get $neg)))
          (local.set $sv (v128.or (v128.and (local.get $pos) (local.get $ONE)) (v128.and (local.get $neg)
            (local.get $MONE))))
          (v128.store (i32.add (local.get $u) (local.get $kb)) (local.get $uu))
          (v128.store (i32.add (local.get $v) (local.get $kb))
            (v128.bitselect
              (v128.and (local.get $SB) (f64x2.sub (local.get $vv) (f64x2.mul (local.get $sv) (local.get $TH))))
              (local.get $vv)
              (local.get $spk)))
          (v128.store (i32.add (local.get $s) (local.get $kb)) (local.get $sv))
          (local.set $count (i64x2.sub (local.get $count) (local.get $spk)))
          (local.set $kb (i32.add (local.get $kb) (i32.const 16)))
          (br $lp)))))
    ;; odd n: the padding lane of the last pair does not count
    (i32.wrap_i64 (i64.add
      (i64.add (i64x2.extract_lane 0 (local.get $count)) (i64x2.extract_lane 1 (local.get $count)))
      (select (i64x2.extract_lane 1 (local.get $spk)) (i64.const 0) (i32.and (local.get $n) (i32.const 1))))))
)

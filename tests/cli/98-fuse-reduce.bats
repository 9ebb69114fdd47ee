#!/usr/bin/env bats
# Reductions fused into the loop that computes their operand (the fuse
# pass's sinks, lib/ir/pass.h): a reduce_sum/max/min/prod of a fused
# elementwise chain, over all axes or trailing ones, folds the chain's
# values as the loop makes them (cg_block.c's blocks through kernels.h's
# RACC/RFIN kernels; codegen.c's scalar loop for small or irregular
# groups, in order, where the reduction alone loops in order: rows under
# 64) instead of
# storing them and reducing the array after. The
# results must be the bits of the same reductions unfused and of the
# reference evaluator: each spec returns every reduction twice, fused and
# of the same chain computed in a jit function (whose result the outer
# jaxpr reduces unfused, as before this fusion), and the compiled outputs,
# written with --out, are compared byte for byte with the evaluator's and
# the fused half with the unfused half. Inputs (tests/data/
# fuse_reduce_inputs.py): sums whose rounding shows the order, NaN of
# both signs, +-inf and +-0 for max/min (the first NaN, the first zero),
# products of +-1, +-2, +-0.5 (exact in any order). Sizes: around the
# lanes (L = 64 f32, 32 f64), TJ_LANE_FOLD_MIN (64), the block (1024) and
# the blocks' threshold (4096).
load helper
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; }

# inputs SHAPE...: the .npy inputs of each shape (N or RxC or AxRxC).
inputs() { /usr/bin/python3 "$TJIT_ROOT/tests/data/fuse_reduce_inputs.py" "$@"; }

# calls SHAPE...: the spec's calls, x s z u (f32) and X S Z U (f64) of
# each shape.
calls() {
  local shape a all="" one
  for shape in "$@"; do
    one=""
    for a in x s z u; do one+="\"$a\": {\"npy\": \"${a}_f32_$shape.npy\"}, \"${a^^}\": {\"npy\": \"${a}_f64_$shape.npy\"}, "; done
    all+="${all:+, }{${one%, }}"
  done
  printf '%s' "$all"
}

# The jit functions of the unfused half: the same chains, reduced by the
# caller after the call.
UNFUSED='"jit auto lin(auto x) { return x * 1.5 - 0.25; }",
    "jit auto lin2(auto x) { return x * 0.75 + 1.0; }",
    "jit auto twice(auto x) { return x * 2.0; }",
    "jit auto neg(auto x) { return -x; }",
    "jit auto sq(auto x) { return x * x; }",
    "jit auto centered(auto x) { return x - mean(x, axis=-1, keepdims=true); }",
    "jit auto halfp(auto x) { return x * 0.5 + 0.25; }",'

# spec FUSED UNFUSED RANK SHAPE...: spec.json whose function returns
# fused(f32 inputs), fused(f64 inputs), unfused(f32), unfused(f64); the
# bodies return a tuple of as many results each.
spec() {
  local fused=$1 unfused=$2 rank=$3 dims
  shift 3
  dims=$(printf '[d%d]' $(seq 1 "$rank"))
  cat >spec.json <<JSON
{
  "tjit": 1, "function": "f",
  "source": [
    $UNFUSED ${EXTRA:-}
    "auto fused(auto x, auto s, auto z, auto u) { $fused }",
    "auto unfused(auto x, auto s, auto z, auto u) { $unfused }",
    "auto f(f32$dims x, f32$dims s, f32$dims z, f32$dims u, f64$dims X, f64$dims S, f64$dims Z, f64$dims U) {",
    "  return (fused(x, s, z, u), fused(X, S, Z, U), unfused(x, s, z, u), unfused(X, S, Z, U));",
    "}"
  ],
  "calls": [$(calls "$@")]
}
JSON
}

# same_bytes HALF: every output of every call compiled is the evaluator's,
# byte for byte, and output k < HALF the unfused output k + HALF.
same_bytes() {
  local half=$1 f b call k n=0
  rm -rf c r
  mkdir c r
  run tjit run --no-cache --out c spec.json
  assert_success
  run tjit run --reference --out r spec.json
  assert_success
  for f in c/*.npy; do
    b=${f##*/} call=${b%%_*} k=${b##*_out} k=${k%.npy}
    cmp "$f" "r/$b" || fail "$b: the compiled result differs from the evaluator's"
    if ((k < half)); then
      cmp "$f" "c/${call}_out$((k + half)).npy" || fail "$b: the fused result differs from the unfused one"
    fi
    n=$((n + 1))
  done
  ((n > 0))
}

FULL_FUSED='auto b = x * 0.75 + 1.0, t = s * 2.0; return (sum(x * 1.5 - 0.25), max(t), min(t), max(z * 2.0), prod(-u), sum(abs(s) * 2.0), sum(b), max(b), b, sum(x * x));'
FULL_UNFUSED='auto b = lin2(x), t = twice(s); return (sum(lin(x)), max(t), min(t), max(twice(z)), prod(neg(u)), sum(twice(abs(s))), sum(b), max(b), b, sum(sq(x)));'

@test "fused full reductions: sum/max/min/prod of chains, f32 and f64, sizes around L, the block and its threshold: the evaluator's bytes, the unfused bytes" {
  local sizes=(1 31 32 33 63 64 65 1023 1024 1025 4095 4096 4097 100003)
  inputs "${sizes[@]}"
  spec "$FULL_FUSED" "$FULL_UNFUSED" 1 "${sizes[@]}"
  same_bytes 20
  # the paths taken: the scalar loop in order (31); a scalar loop over
  # rows long enough for the row kernels stores the values, reduced after
  # it (1025); the blocks (4097)
  run -0 tjit emit-c --call 1 spec.json
  assert_output --regexp 's[0-9]+ = s[0-9]+ \+ t[0-9]+;'
  run -0 tjit emit-c --call 9 spec.json
  assert_output --partial 'tjk_rsum_f32(v'
  refute_output --partial 'tjk_racc_'
  run -0 tjit emit-c --call 12 spec.json
  assert_output --partial 'tjk_racc_sum_f32(s'
  assert_output --partial 'tjk_racc_max_f64(s'
  assert_output --partial 'tjk_racc_prod_f32(s'
}

ROWS_FUSED='auto b = x * 0.75 + 1.0, t = s * 2.0, c = x - mean(x, axis=-1, keepdims=true), y = x * 0.5 + 0.25; return (sum(x * 1.5 - 0.25, axis=-1), max(t, axis=-1, keepdims=true), min(t, axis=1), max(z * 2.0, axis=-1), prod(-u, axis=-1), sum(b, axis=-1, keepdims=true), sum(b), b, mean(x * x, axis=-1), c * rsqrt(mean(c * c, axis=-1, keepdims=true) + 1e-5), sum(y, axis=-1), sum(y));'
ROWS_UNFUSED='auto b = lin2(x), t = twice(s), c = centered(x), y = halfp(x); return (sum(lin(x), axis=-1), max(t, axis=-1, keepdims=true), min(t, axis=1), max(twice(z), axis=-1), prod(neg(u), axis=-1), sum(b, axis=-1, keepdims=true), sum(b), b, mean(sq(x), axis=-1), c * rsqrt(mean(sq(c), axis=-1, keepdims=true) + 1e-5), sum(y, axis=-1), sum(y));'

@test "fused row reductions (keepdims or not) and layer norm, f32 and f64, rows around L, the kernels' row minimum and the block: the evaluator's bytes, the unfused bytes" {
  local shapes=(3x1 3x63 3x64 3x65 3x255 3x256 3x257 5x1000 3x1024 3x1025 5x1024 2x4097 1x4096 4x2048 25x200)
  inputs "${shapes[@]}"
  spec "$ROWS_FUSED" "$ROWS_UNFUSED" 2 "${shapes[@]}"
  same_bytes 24
  # 5x1024: row sums in blocks, row by row
  run -0 tjit emit-c --call 10 spec.json
  assert_output --regexp 'v[0-9]+\[r\] = tjk_rfin_sum_f32\(s'
  # 3x1025: the scalar loop, its rows reduced after it; 3x63: in it, in order
  run -0 tjit emit-c --call 9 spec.json
  assert_output --partial 'tjk_rsum_f32(v'
  refute_output --partial 'tjk_racc_'
  run -0 tjit emit-c --call 1 spec.json
  assert_output --regexp 's[0-9]+ = s[0-9]+ \+ t[0-9]+;'
  assert_output --regexp 'v[0-9]+\[o[0-9]+\+\+\] = s[0-9]+; s[0-9]+ = 0.0f; /\* reduce_sum \*/'
  # 25x200: rows under the blocks' 256: the loop in blocks stores the
  # values, reduced after it
  run -0 tjit emit-c --call 14 spec.json
  assert_output --partial 'tjk_rsum_f32(v'
  assert_output --partial 'tjk_rmax_f64(v'
}

AXES_FUSED='auto y = x * 1.5 - 0.25, t = s * 2.0; return (sum(y, axis=(1, 2)), sum(y, axis=-1), sum(y), max(t, axis=(1, 2)), min(t), prod(-u, axis=(1, 2)));'
AXES_UNFUSED='auto y = lin(x), t = twice(s); return (sum(y, axis=(1, 2)), sum(y, axis=-1), sum(y), max(t, axis=(1, 2)), min(t), prod(neg(u), axis=(1, 2)));'

@test "fused reductions of two trailing axes: results spanning rows, rows a multiple of L or not: the evaluator's bytes, the unfused bytes" {
  local shapes=(2x3x256 2x3x257 2x5x1024 3x2x1000 2x1x4096)
  inputs "${shapes[@]}"
  spec "$AXES_FUSED" "$AXES_UNFUSED" 3 "${shapes[@]}"
  same_bytes 12
  # 2x5x1024: a result every 5 rows of 1024 in the blocks, one per row,
  # one after the last row
  run -0 tjit emit-c --call 2 spec.json
  assert_output --partial 'if (r % 5 == 4)'
  assert_output --regexp 'v[0-9]+\[r\] = tjk_rfin_sum_f32\(s'
  assert_output --regexp 'v[0-9]+ = tjk_rfin_min_f32\(s[0-9]+\); /\* reduce_min \*/'
  # 3x2x1000: results spanning rows of 1000 (not a multiple of L): each
  # block told where it starts in the reduced elements
  run -0 tjit emit-c --call 3 spec.json
  assert_output --partial 'tjk_racc_sum_f32(s'
  assert_output --partial ', n, r % 2 * 1000 + o);'
  assert_output --partial ', n, base + o);'
}

@test "fused reductions of empty arrays and of empty rows: the identity" {
  local shapes=(0 3x0 0x5)
  inputs "${shapes[@]}"
  spec 'return (sum(x * 2.0), prod(u * 2.0), sum(x * 2.0, axis=-1), prod(-u, axis=-1));' \
    'return (sum(twice(x)), prod(twice(u)), sum(twice(x), axis=-1), prod(neg(u), axis=-1));' 2 3x0 0x5
  same_bytes 8
  spec 'return (sum(x * 2.0), prod(u * 2.0));' 'return (sum(twice(x)), prod(twice(u)));' 1 0
  same_bytes 4
}

# exp goes through libmvec in the kernels: within the kernels' ulps of the
# evaluator (--check), and fused the bytes of the same chain unfused (a jit
# function computing it in the same blocks: a kernel's last elements go
# through the scalar function, so blocks cut elsewhere may differ).
@test "fused softmax rows and a sum of exponentials: --check, and the unfused bytes" {
  local shapes=(3x65 4x1024 2x4097)
  inputs "${shapes[@]}"
  EXTRA='"jit auto shifted_exp(auto x) { return exp(x - max(x, axis=-1, keepdims=true)); }",
    "jit auto exp_scaled(auto x) { return exp(x * 0.01); }",' \
    spec 'auto e = exp(x - max(x, axis=-1, keepdims=true)); return (e / sum(e, axis=-1, keepdims=true));' \
    'auto e = shifted_exp(x); return (e / sum(e, axis=-1, keepdims=true));' 2 "${shapes[@]}"
  mkdir -p c
  run -0 tjit run --no-cache --check spec.json
  run -0 tjit run --no-cache --out c spec.json
  local call k
  for call in 0 1 2; do
    for k in 0 1; do cmp "c/call${call}_out$k.npy" "c/call${call}_out$((k + 2)).npy"; done
  done
  run -0 tjit emit-c --call 1 spec.json
  assert_output --partial 'tjk_exp_f32(v'
  assert_output --partial 'tjk_racc_sum_f32(s'
  EXTRA='"jit auto exp_scaled(auto x) { return exp(x * 0.01); }",' \
    spec 'return sum(exp(x * 0.01));' 'return sum(exp_scaled(x));' 1 100003
  inputs 100003
  rm -rf c && mkdir c
  run -0 tjit run --no-cache --check spec.json
  run -0 tjit run --no-cache --out c spec.json
  cmp c/call0_out0.npy c/call0_out2.npy
  cmp c/call0_out1.npy c/call0_out3.npy
}

@test "sum(a*x + b): no temporary array at all, one loop of blocks" {
  run -0 tjit emit-c "$TJIT_ROOT/scripts/bench/peers/sum_axpb.json"
  refute_output --partial 'tj_rt_alloc(rt'
  assert_output --partial '/* mul add reduce_sum */'
  assert_equal "$(grep -c 'tjk_racc_sum_f32(s' <<<"$output")" 1
  assert_equal "$(grep -c 'tjk_rsum_f32' <<<"$output")" 0
}

@test "layer norm and softmax: the squares and exponentials are reduced in their loop" {
  run -0 tjit emit-c "$TJIT_ROOT/scripts/bench/peers/layer_norm.json"
  assert_output --partial '/* sub mul reduce_sum */'
  # x - mu is stored (read again after), in the output's place (it dies in
  # the output's loop); its square is not stored at all
  assert_equal "$(grep -c 'tj_rt_alloc(rt, 16777216)' <<<"$output")" 0
  assert_output --partial 'f32 *v6 = (f32 *)out[0];'
  assert_output --partial 'tjk_racc_sum_f32(s8, b0, n, o);'
  run -0 tjit emit-c "$TJIT_ROOT/scripts/bench/peers/softmax.json"
  assert_output --partial '/* sub exp reduce_sum */'
  run -0 tjit run --check "$TJIT_ROOT/scripts/bench/peers/softmax.json"
}

@test "newton: the while loop's max(abs(x*x - a)) in the cond's loop, no temporary" {
  run -0 tjit emit-c "$TJIT_ROOT/scripts/bench/peers/newton.json"
  assert_output --partial '/* mul sub abs reduce_max */'
  # 1 + u and the loop's two carries (the square's difference was a fourth)
  assert_equal "$(grep -c 'tj_rt_alloc(rt' <<<"$output")" 2
  run -0 tjit run --check "$TJIT_ROOT/scripts/bench/peers/newton.json"
}

@test "not fused: a reduction over leading axes, of an input, of an integer chain" {
  spec='{"source": ["auto f(f32[64][300] x, i32[5000] n) { return (sum(x * 2.0, axis=0), sum(x), sum(n * 3)); }"],
         "args": {"x": {"dtype": "f32", "shape": [64, 300], "random": {"seed": 1}}, "n": {"dtype": "i32", "shape": [5000], "random": {"seed": 2}}}}'
  run -0 tjit emit-c - <<<"$spec"
  refute_output --partial 'tjk_racc_'
  assert_output --partial '/* mul */'
  run -0 tjit run --check - <<<"$spec"
}

# JAX traces the tuple's reductions after the add of another shape; the
# fuse pass moves them right after the loop of their operand (its sinks).
@test "the fuse pass moves a loop's reductions after it: --dump-after fuse" {
  run -0 --separate-stderr tjit emit-c --dump-after fuse "$CASES_DIR/graph-fused-sinks.json"
  assert_equal "$stderr" "{ lambda ; a:f32[4,8] b:f32[3]. let
    c:f32[4,8] = mul a 2.0:f32[]
    d:f32[4] = reduce_sum[axes=(1,) out_sharding=None] c
    e:f32[] = reduce_max[axes=(0, 1)] c
    f:f32[3] = add b 1.0:f32[]
  in (f, d, e) }"
  run -0 tjit trace "$CASES_DIR/graph-fused-sinks.json"
  assert_line --index 2 "    d:f32[3] = add b 1.0:f32[]"
}

#!/usr/bin/env bats
# tjit emit-c and the compiled side of tjit run: the generated C whole,
# block kernels, --check, --time, --repeat, --fill-random, and that no
# user-written text reaches the C.
load helper
bats_require_minimum_version 1.5.0

@test "run: the tutorial with autograph prints 10.0, then -2.0 for x = -2.0" {
  run tjit run --autograph "$TJIT_ROOT/examples/conditional_double.json"
  assert_success
  assert_output 'args: Array(10., dtype=float32)'
  run tjit run --autograph --args '{"x": -2.0, "threshold": 0.0}' "$TJIT_ROOT/examples/conditional_double.json"
  assert_success
  # x = -2.0 is a Python float: the result is weak, and repr(jax.Array) says
  # so (jax/_src/array.py ArrayImpl.__repr__ at jax-v0.10.2)
  assert_output 'args: Array(-2., dtype=float32, weak_type=True)'
}

@test "run: --time prints one line per call with every phase" {
  run --separate-stderr tjit run --time "$CASES_DIR/run-tutorial-autograph.json" --autograph
  assert_success
  assert_output $'call 0: Array(10., dtype=float32, weak_type=True)\ncall 1: Array(-2., dtype=float32, weak_type=True)'
  [[ ${lines[0]} ]]
  # call 1 has call 0's cache key: it reuses call 0's code without tracing
  local re0='^time: call 0: trace [0-9.]+ ms, codegen [0-9.]+ ms, compile [0-9.]+ ms, run [0-9.]+ ms$'
  local re1='^time: call 1: cache hit [0-9.]+ ms \(reused\), run [0-9.]+ ms$'
  [[ $(printf '%s\n' "$stderr" | wc -l) -eq 2 ]] || fail "expected 2 time lines: $stderr"
  [[ ${stderr%%$'\n'*} =~ $re0 && ${stderr#*$'\n'} =~ $re1 ]] || fail "bad time lines: $stderr"
}

# Loading OpenBLAS (its first dlopen in a process starts its threads,
# milliseconds) is the library's cost, not the compiler's: --time says it
# apart, for a compiled call and for one loaded from the disk cache.
@test "run: --time reports loading OpenBLAS apart from compiling, for code that calls it only" {
  printf '%s\n' '{"source": ["float mm(float a[64][64], float b[64][64]) { return matmul(a, b); }"],
    "args": {"a": {"dtype": "f32", "shape": [64, 64]}, "b": {"dtype": "f32", "shape": [64, 64]}}}' >"$BATS_TEST_TMPDIR/mm.json"
  local re='^time: args: trace [0-9.]+ ms, codegen [0-9.]+ ms, compile [0-9.]+ ms, load OpenBLAS [0-9.]+ ms, run [0-9.]+ ms$'
  run --separate-stderr tjit run --time --no-cache --fill-random 0 "$BATS_TEST_TMPDIR/mm.json"
  assert_success
  [[ $stderr =~ $re ]] || fail "$stderr"
  export TJIT_CACHE_DIR=$BATS_TEST_TMPDIR/cache
  run --separate-stderr tjit run --time --fill-random 0 "$BATS_TEST_TMPDIR/mm.json"
  assert_success
  run --separate-stderr tjit run --time --fill-random 0 "$BATS_TEST_TMPDIR/mm.json"
  assert_success
  [[ $stderr =~ ^time:\ args:\ disk\ cache\ hit\ [0-9.]+\ ms,\ load\ OpenBLAS\ [0-9.]+\ ms,\ run\ [0-9.]+\ ms$ ]] || fail "$stderr"
  run --separate-stderr tjit run --time --no-cache "$CASES_DIR/run-blocks.json"
  assert_success
  [[ $stderr != *OpenBLAS* ]] || fail "$stderr"
}

@test "run: --check adds the evaluator's time" {
  run --separate-stderr tjit run --check --time "$CASES_DIR/run-blocks.json"
  assert_success
  [[ $stderr =~ ^time:\ args:\ .*,\ run\ [0-9.]+\ ms,\ check\ [0-9.]+\ ms$ ]] || fail "$stderr"
}

@test "run: --repeat runs the code again with the same results" {
  run tjit run --repeat 7 "$CASES_DIR/run-blocks.json"
  assert_success
  _golden_compare stdout "$output"$'\n' "$CASES_DIR/run-blocks.out"
}

# A program keeps its freed buffers of 1 MiB or more (jit.c's pool) for
# later requests and its next runs: runs after the first reuse them, for
# requests of the same or a smaller size, and must still match the
# evaluator.
@test "run: --repeat reuses a large intermediate buffer and keeps the results" {
  cat >"$BATS_TEST_TMPDIR/spare.json" <<'JSON'
{"source": ["jit auto g(float x[400000]) { return sin(x) * 2.0; }",
            "jit auto h(float x[300000]) { return exp(-x * x); }",
            "auto f(float x[400000]) { return (sum(g(x) + 1.0), sum(h(x[:300000]) * 3.0)); }"],
 "function": "f",
 "args": {"x": {"dtype": "f32", "shape": [400000], "random": {"seed": 5, "dist": "normal"}}}}
JSON
  run tjit run --check --repeat 4 "$BATS_TEST_TMPDIR/spare.json"
  assert_success
  repeated=$output
  run tjit run --check "$BATS_TEST_TMPDIR/spare.json"
  assert_success
  [ "$output" = "$repeated" ]
}

# Ten large intermediates of ten sizes live at once: more than the pool
# keeps (8), so runs replace the smallest kept buffers, take fitting ones
# for smaller requests and leave the rest to malloc; every run's results
# must be the evaluator's, bit for bit (IEEE arithmetic and sums in
# lane_fold.h's order on both sides).
@test "run: --repeat with more large buffers than the pool keeps" {
  cat >"$BATS_TEST_TMPDIR/pool.json" <<'JSON'
{"source": ["jit auto g(auto x) { return x * x + 1.0; }",
            "auto f(float x[400000]) {",
            "  auto a = g(x[:400000]); auto b = g(x[:380000]); auto c = g(x[:360000]); auto d = g(x[:340000]);",
            "  auto e = g(x[:320000]); auto h = g(x[:300000]); auto i = g(x[:280000]); auto j = g(x[:260000]);",
            "  auto k = g(x[:400000] * 0.5); auto l = g(x[:270000] + 1.0);",
            "  return (sum(a) + sum(b) + sum(c) + sum(d) + sum(e), sum(h) + sum(i) + sum(j) + sum(k) + sum(l));",
            "}"],
 "function": "f",
 "args": {"x": {"dtype": "f32", "shape": [400000], "random": {"seed": 7, "dist": "normal"}}}}
JSON
  run tjit run --check --repeat 5 "$BATS_TEST_TMPDIR/pool.json"
  assert_success
  repeated=$output
  run tjit run --reference "$BATS_TEST_TMPDIR/pool.json"
  assert_success
  [ "$output" = "$repeated" ]
}

@test "run: --repeat out of range" {
  run tjit run --repeat 0 "$CASES_DIR/run-blocks.json"
  assert_failure 2
  assert_line --index 0 "tjit run: error: invalid --repeat '0' (expected 1 to 1000)"
  run tjit run --repeat 1001 "$CASES_DIR/run-blocks.json"
  assert_failure 2
  run tjit run --repeat 3x "$CASES_DIR/run-blocks.json"
  assert_failure 2
}

@test "run: an argument without values needs --fill-random" {
  spec='{"source": ["float f(float x[3]) { return x * 2; }"], "args": {"x": {"dtype": "f32", "shape": [3]}}}'
  run tjit run - <<<"$spec"
  assert_failure 2
  assert_output --partial 'args.x: no values to run with: give "data", "fill", "iota", "random" or "npy"'
  run tjit run --fill-random 3 --check - <<<"$spec"
  assert_success
  assert_output --regexp '^args: Array\(\[[-0-9., e]+\], dtype=float32\)$'
}

@test "run: --fill-random is reproducible and depends on the seed" {
  spec='{"source": ["float f(float x[4]) { return x; }"], "args": {"x": {"dtype": "f32", "shape": [4]}}}'
  a=$(tjit run --fill-random 5 - <<<"$spec") b=$(tjit run --fill-random 5 - <<<"$spec")
  c=$(tjit run --fill-random 6 - <<<"$spec")
  [[ $a == "$b" && $a != "$c" ]] || fail "$a / $b / $c"
}

@test "emit-c: no user-written text reaches the C" {
  spec='{"source": ["jit float Secret_helper(float q) { return q + 1; }",
          "auto Secret_fn(float Secret_x[3], float Secret_t) {",
          "  // Secret comment",
          "  float Secret_y = Secret_helper(Secret_t);",
          "  return sum(Secret_x * Secret_y);",
          "}"],
        "function": "Secret_fn",
        "description": "*/ #include <stdio.h> /* Secret",
        "args": {"Secret_x": {"dtype": "f32", "shape": [3], "data": [1, 2, 3]}, "Secret_t": 2.0}}'
  run tjit emit-c - <<<"$spec"
  assert_success
  refute_output --partial Secret
  refute_output --partial '#include'
  assert_output --partial 'void tj_entry('
  run tjit run --check - <<<"$spec"
  assert_success
  assert_output 'args: Array(18., dtype=float32)'
}

@test "emit-c: a spec that does not trace" {
  run tjit emit-c "$TJIT_ROOT/examples/conditional_double.json"
  assert_failure 1
  assert_output --partial "TracerBoolConversionError"
}

@test "run: an output too large to allocate" {
  spec='{"source": ["auto f(float x) { return broadcast_to(x, (1000000, 1000000, 1000)); }"], "args": {"x": 1.0}}'
  run tjit run - <<<"$spec"
  assert_failure
  refute_output --partial 'Sanitizer'
  assert_output --partial 'error:'
}

# Buffer assignment (issue 17 item 1): an array that dies in the fused loop
# making an output is made in the output's place and the loop runs in
# place; not when a later step, equation or alias still reads it.
@test "run: a producer made in its output's place, and not when something reads it after the output is written" {
  for n in 5000 300000; do
    cat >"$BATS_TEST_TMPDIR/place.json" <<JSON
{"source": ["auto inplace(float x[n]) { auto u = cumsum(x); return u * 2.0 + u; }",
            "auto later_step(float x[n]) { auto u = cumsum(x); auto v = u * 2.0; return (v, v + u); }",
            "auto later_eqn(float x[n]) { auto u = cumsum(x); return (u * 2.0, cumsum(u)); }",
            "auto alias(float x[n]) { auto u = cumsum(x); auto w = reshape(u, (2, -1)); return (u * 2.0 + 1.0, w * 3.0); }"],
 "function": "inplace",
 "args": {"x": {"dtype": "f32", "shape": [$n], "random": {"seed": 3, "dist": "normal"}}}}
JSON
    for f in inplace later_step later_eqn alias; do
      sed "s/\"function\": \"inplace\"/\"function\": \"$f\"/" "$BATS_TEST_TMPDIR/place.json" >"$BATS_TEST_TMPDIR/$f.json"
      compiled_equals_reference "$BATS_TEST_TMPDIR/$f.json"
    done
    run tjit emit-c "$BATS_TEST_TMPDIR/inplace.json"
    assert_success
    refute_output --partial "tj_rt_alloc(rt, $((4 * n)));"
    # (v, v + u): u lives in the second output, which the loop writes after
    # its last read of u, block by block
    for f in later_step; do
      run tjit emit-c "$BATS_TEST_TMPDIR/$f.json"
      assert_success
      refute_output --partial "tj_rt_alloc(rt, $((4 * n)));"
    done
    for f in later_eqn alias; do
      run tjit emit-c "$BATS_TEST_TMPDIR/$f.json"
      assert_success
      assert_output --partial "= tj_rt_alloc(rt, $((4 * n)));"
    done
  done
}

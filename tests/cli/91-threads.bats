#!/usr/bin/env bats
# Both cores (issue 17 item 5): a block loop over 2^20 elements or more is
# outlined (cg_par.c) and run by tj_rt_par on the run's threads (par_rt.c),
# parts cut at whole blocks or rows, so every element is computed by the
# same kernel calls on any thread count: --threads 1, 2 and 3 must write
# the same bytes, and --time says how many threads a loop ran on.
load helper
bats_require_minimum_version 1.5.0

# write_spec NAME SOURCE ARGS: $BATS_TEST_TMPDIR/NAME.json
write_spec() {
  printf '{"source": ["%s"], "args": %s}\n' "$2" "$3" >"$BATS_TEST_TMPDIR/$1.json"
}

# threads_agree SPEC: the outputs of --threads 1, 2 and 3 are the same
# .npy bytes, and the compiled ones pass --check.
threads_agree() {
  for t in 1 2 3; do
    mkdir -p "$BATS_TEST_TMPDIR/out$t"
    run tjit run --no-cache --check --threads "$t" --out "$BATS_TEST_TMPDIR/out$t" "$1"
    assert_success
  done
  local n=0
  for f in "$BATS_TEST_TMPDIR"/out1/*.npy; do
    cmp "$f" "$BATS_TEST_TMPDIR/out2/${f##*/}" || fail "--threads 2 differs: ${f##*/}"
    cmp "$f" "$BATS_TEST_TMPDIR/out3/${f##*/}" || fail "--threads 3 differs: ${f##*/}"
    n=$((n + 1))
  done
  [ "$n" -gt 0 ]
}

@test "threads: an elementwise chain of 2^20 + 3 elements (not whole blocks) is the same bits on 1, 2 and 3 threads" {
  write_spec axpb "auto f(float x[n], float a, float b) { return (a * x + b, sin(x) * 2 + exp(-x * x)); }" \
    '{"x": {"dtype": "f32", "shape": [1048579], "random": {"seed": 1, "dist": "normal"}}, "a": 2.0, "b": 1.0}'
  threads_agree "$BATS_TEST_TMPDIR/axpb.json"
  # IEEE arithmetic only: on 2 threads, the evaluator's bits too
  write_spec axpb1 "auto f(float x[n], float a, float b) { return a * x + b; }" \
    '{"x": {"dtype": "f32", "shape": [1048579], "random": {"seed": 1, "dist": "normal"}}, "a": 2.0, "b": 1.0}'
  TJIT_THREADS=2 compiled_equals_reference "$BATS_TEST_TMPDIR/axpb1.json"
}

@test "threads: rows (layer norm over [3600, 300], a per-row and a per-column operand) split at whole rows" {
  write_spec ln "auto f(float x[r][c], float g[c]) { auto m = mean(x, axis=-1, keepdims=true); auto d = x - m; return d * rsqrt(mean(d * d, axis=-1, keepdims=true) + 1e-5) * g; }" \
    '{"x": {"dtype": "f32", "shape": [3600, 300], "random": {"seed": 2, "dist": "normal"}}, "g": {"dtype": "f32", "shape": [300], "random": {"seed": 3, "dist": "uniform"}}}'
  threads_agree "$BATS_TEST_TMPDIR/ln.json"
  run tjit emit-c "$BATS_TEST_TMPDIR/ln.json"
  assert_success
  [[ $output == *"for (long r = lo; r < hi; r++)"* && $output == *"tj_rt_par(rt, tj_p0, c, 3600, 1);"* ]] || fail "$output"
}

@test "threads: jax.random.uniform's block generator keeps its counters per block on any thread count" {
  write_spec u "auto f(i32 s) { return random_uniform(random_key(s), (1100001,)); }" '{"s": {"dtype": "i32", "data": 3}}'
  threads_agree "$BATS_TEST_TMPDIR/u.json"
}

@test "threads: --time says a loop ran on 2 threads; a small loop and --threads 1 stay on one" {
  write_spec big "auto f(float x[n]) { return x * 3 + 1; }" '{"x": {"dtype": "f32", "shape": [1200000], "random": {"seed": 0, "dist": "uniform"}}}'
  run --separate-stderr tjit run --no-cache --time --threads 2 "$BATS_TEST_TMPDIR/big.json"
  assert_success
  [[ $stderr =~ ,\ run\ [0-9.]+\ ms\ on\ 2\ threads$ ]] || fail "$stderr"
  run --separate-stderr tjit run --no-cache --time --threads 1 "$BATS_TEST_TMPDIR/big.json"
  assert_success
  [[ $stderr =~ ,\ run\ [0-9.]+\ ms$ ]] || fail "$stderr"
  TJIT_THREADS=2 run --separate-stderr tjit run --no-cache --time "$BATS_TEST_TMPDIR/big.json"
  assert_success
  [[ $stderr =~ on\ 2\ threads$ ]] || fail "$stderr"
  write_spec small "auto f(float x[n]) { return x * 3 + 1; }" '{"x": {"dtype": "f32", "shape": [1000000], "random": {"seed": 0, "dist": "uniform"}}}'
  run --separate-stderr tjit run --no-cache --time --threads 2 "$BATS_TEST_TMPDIR/small.json"
  assert_success
  [[ $stderr =~ ,\ run\ [0-9.]+\ ms$ ]] || fail "$stderr"
  run tjit emit-c "$BATS_TEST_TMPDIR/small.json"
  [[ $output != *tj_rt_par* ]] || fail "$output"
}

@test "threads: --threads and TJIT_THREADS out of range are usage errors" {
  run -2 tjit run --threads 0 "$TJIT_ROOT/examples/softmax.json"
  assert_line --index 0 "tjit run: error: invalid --threads '0' (expected 1 to 256)"
  TJIT_THREADS=many run -2 tjit run "$TJIT_ROOT/examples/softmax.json"
  assert_line --index 0 "tjit run: error: TJIT_THREADS must be a number of threads from 1 to 256, not 'many'"
  TJIT_THREADS=257 run -2 tjit run "$TJIT_ROOT/examples/softmax.json"
  assert_line --index 0 "tjit run: error: TJIT_THREADS must be a number of threads from 1 to 256, not '257'"
  # --threads wins over the environment
  TJIT_THREADS=many run -0 tjit run --threads 1 "$TJIT_ROOT/examples/softmax.json"
}

@test "threads: reductions of rows and over a middle axis split at whole outputs, the evaluator's bits on any thread count" {
  write_spec red "auto f(float x[4096][300], float y[64][512][40]) { return (sum(x, axis=-1), sum(y, axis=1), max(y, axis=1), sum(y * 2.0, axis=0)); }" \
    '{"x": {"dtype": "f32", "shape": [4096, 300], "random": {"seed": 4, "dist": "normal"}}, "y": {"dtype": "f32", "shape": [64, 512, 40], "random": {"seed": 5, "dist": "normal"}}}'
  threads_agree "$BATS_TEST_TMPDIR/red.json"
  TJIT_THREADS=2 compiled_equals_reference "$BATS_TEST_TMPDIR/red.json"
  run tjit emit-c "$BATS_TEST_TMPDIR/red.json"
  assert_success
  [[ $output == *"for (long i = lo; i < hi; i++)"* && $output == *"tj_rt_reduce_runs((const void *)(v1 + lo * 20480)"* ]] || fail "$output"
}

# In a loop body a scalar carry is read by its local's name (cK_N, not
# vN): the outlined loop takes it by that name (a bug: "'c0_1' undeclared").
@test "threads: a block loop in a scan body reads a scalar carry; a fused max in a while condition stays whole" {
  write_spec scan "auto f(float x[1100000], float s) { auto step(auto c, auto t) { auto (y, k) = c; return ((y * k + 1.0, k * 0.5), sum(y)); } let (c, ys) = scan(step, (x, s), None, length=3); return (c, ys); }" \
    '{"x": {"dtype": "f32", "shape": [1100000], "random": {"seed": 1, "dist": "uniform"}}, "s": {"dtype": "f32", "data": 2.0}}'
  threads_agree "$BATS_TEST_TMPDIR/scan.json"
  TJIT_THREADS=2 compiled_equals_reference "$BATS_TEST_TMPDIR/scan.json"
  threads_agree "$TJIT_ROOT/scripts/bench/peers/newton.json"
}

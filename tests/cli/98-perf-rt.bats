#!/usr/bin/env bats
# The runtimes the generated C calls for whole cumulative reductions
# (lib/backend/cum_rt.c), windowed reductions (window_rt.c) and scatters
# (scatter_rt.c) give the reference evaluator's results bit for bit:
# every output of the compiled run, written with --out, is byte for byte
# the output of --reference (stricter than --check, which allows a few
# units in the last place). The specs in tests/data cover every dtype,
# axis, direction and path of the runtimes (rows not a multiple of the
# runtime's group of rows, NaN and signed zeros, windows over padding,
# duplicate and out-of-range scatter indices).
load helper

@test "cumsum/cumprod/cummax/cummin of 8 dtypes, every axis, both directions: the evaluator's bytes" {
  run tjit emit-c "$TJIT_ROOT/tests/data/cum-exact.json"
  assert_output --partial "tj_rt_cumred("
  same_bytes_as_evaluator "$TJIT_ROOT/tests/data/cum-exact.json"
}

@test "reduce_window max/min/sum: inner and edge outputs, NaN, a window moving in no dimension: the evaluator's bytes" {
  run tjit emit-c "$TJIT_ROOT/tests/data/window-exact.json"
  assert_output --partial "tj_rt_reduce_window("
  same_bytes_as_evaluator "$TJIT_ROOT/tests/data/window-exact.json"
}

# Runs of channels longer than one vector take the chunked loops, and a
# NaN in a row the vectorized first-NaN fix (window_rt.c's NAN_FIX), which
# must pick a window's first NaN of two signs as the evaluator does.
@test "reduce_window over runs longer than a vector, NaN of both signs: the evaluator's bytes" {
  run tjit emit-c "$TJIT_ROOT/tests/data/window-exact-wide.json"
  assert_output --partial "tj_rt_reduce_window("
  same_bytes_as_evaluator "$TJIT_ROOT/tests/data/window-exact-wide.json"
}

@test "scatter set/add/sub/mul/min/max with duplicate and out-of-range indices: the evaluator's bytes" {
  run tjit emit-c "$TJIT_ROOT/tests/data/scatter-exact.json"
  # the prototype, then one call per scatter (thirteen)
  assert_equal "$(grep -c 'tj_rt_scatter(' <<< "$output")" 14
  same_bytes_as_evaluator "$TJIT_ROOT/tests/data/scatter-exact.json"
}

@test "the bench's scatter-add, 2x2 and 3x3 max pooling and cummax pass run --check at their full size" {
  for spec in scatter_add maxpool maxpool3 cummax_last; do
    run tjit run --no-cache --check --call 0 "$TJIT_ROOT/scripts/bench/$spec.json"
    assert_success
  done
}

# top_k's runtime (sort_rt.c): f32 rows scanned a block at a time, whole
# blocks with nothing above the heap's worst skipped; every other slice
# element by element.
@test "top_k of f32 (ties, +-NaN, +-0.0, k from 1 to n, short rows, axis 0) and 6 other dtypes: the evaluator's bytes" {
  run tjit emit-c "$TJIT_ROOT/tests/data/top-k-exact.json"
  # the prototype, then one call per top_k (seventeen)
  assert_equal "$(grep -c 'tj_rt_top_k(' <<< "$output")" 18
  same_bytes_as_evaluator "$TJIT_ROOT/tests/data/top-k-exact.json"
}

@test "the bench's top_k and sort pass run --check at their full size" {
  for spec in top_k sort; do
    run tjit run --no-cache --check --call 0 "$TJIT_ROOT/scripts/bench/$spec.json"
    assert_success
  done
}

# sort's runtime (sort_rt.c): a stable radix sort for long slices with one
# key, the merge sort for the rest; either gives lax.sort's stable order.
@test "sort/argsort/lax_sort of f32 (ties, +-NaN, +-0.0, 255/256/3001 long, descending, axis 0), 6 other dtypes, 2 keys: the evaluator's bytes" {
  run tjit emit-c "$TJIT_ROOT/tests/data/sort-exact.json"
  # the prototype, then one call per sort (twenty-three)
  assert_equal "$(grep -c 'tj_rt_sort(' <<< "$output")" 24
  same_bytes_as_evaluator "$TJIT_ROOT/tests/data/sort-exact.json"
}

# make bench's protocol (scripts/bench-run.sh's header): each row repeats
# until at least BENCH_REPS runs and BENCH_BUDGET_MS ms of timed runs, on
# tjit's side as --repeat N from a probe's median; 5 runs of a sub-ms
# kernel timed a fresh process's warm-up, not its speed.
@test "make bench: the repeat count of a row comes from its time budget, at least BENCH_REPS, at most 1000" {
  local script=$TJIT_ROOT/scripts/bench-run.sh ms out=
  for ms in 0.21 0.05 10 49 100 0.01 n/a; do out+="$ms $("$script" --repeat-for "$ms")"$'\n'; done
  assert_equal "$out" "0.21 239
0.05 1000
10 5
49 5
100 5
0.01 1000
n/a 5
"
  run env BENCH_REPS=7 BENCH_BUDGET_MS=200 "$script" --repeat-for 0.5
  assert_success
  assert_output 400
  run env BENCH_REPS=7 "$script" --repeat-for 20
  assert_success
  assert_output 7
  run env BENCH_BUDGET_MS=0.5 "$script" --repeat-for 1
  assert_failure 2
  assert_output "$script: error: BENCH_BUDGET_MS must be a positive integer, not '0.5'"
}

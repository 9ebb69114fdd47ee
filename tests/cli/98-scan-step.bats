#!/usr/bin/env bats
# Scans whose body is one cumulative step (c op x, op add mul max min) or a
# linear recurrence (a * c + b) run as one call of cum_rt.c's tj_rt_scan
# (lib/backend/cg_scan_step.c recognises them), which must give the
# evaluator's results bit for bit: every output of the compiled run,
# written with --out, is byte for byte the output of --reference
# (stricter than --check, which allows a few units in the last place and
# takes -0.0 for 0.0). Bodies near the patterns stay loops.
load helper
bats_require_minimum_version 1.5.0

@test "scan: cumulative and linear steps of 5 dtypes, both orders, both directions, lengths 0 and 1: the evaluator's bytes" {
  run tjit emit-c "$TJIT_ROOT/tests/data/scan-step-exact.json"
  assert_success
  # the prototype, then one call per scan (twenty-seven): no scan stays a loop
  assert_equal "$(grep -c 'tj_rt_scan(' <<<"$output")" 28
  assert_equal "$(grep -c 'for (long t' <<<"$output")" 0
  assert_equal "$(grep -c '/\* scan: a cumsum ' <<<"$output")" 7
  assert_equal "$(grep -c '/\* scan: a cumprod ' <<<"$output")" 3
  assert_equal "$(grep -c '/\* scan: a cummax ' <<<"$output")" 4
  assert_equal "$(grep -c '/\* scan: a cummin ' <<<"$output")" 3
  assert_equal "$(grep -c '/\* scan: a linear recurrence ' <<<"$output")" 10
  assert_output --partial '&(f64){((f64)(v'   # gamma converted to f64, once

  same_bytes_as_evaluator "$TJIT_ROOT/tests/data/scan-step-exact.json"
  run tjit run --no-cache --check "$TJIT_ROOT/tests/data/scan-step-exact.json"
  assert_success
}

@test "scan: bodies near the patterns (c + x*x, c - x, c*c + x, a coefficient computed from x, two carries) stay loops, the evaluator's bytes" {
  run tjit emit-c "$TJIT_ROOT/tests/data/scan-step-fallback.json"
  assert_success
  refute_output --partial "tj_rt_scan"
  assert_equal "$(grep -c 'for (long t' <<<"$output")" 7
  same_bytes_as_evaluator "$TJIT_ROOT/tests/data/scan-step-fallback.json"
}

@test "scan: the bench's cumsum and discounted returns call the runtime and pass run --check at their full size" {
  run tjit emit-c "$TJIT_ROOT/scripts/bench/peers/scan_cumsum.json"
  assert_output --partial "/* scan: a cumsum (cum_rt.c) */"
  run tjit emit-c "$TJIT_ROOT/scripts/bench/peers/scan_discount.json"
  assert_output --partial "/* scan: a linear recurrence (cum_rt.c) */"
  for spec in scan_cumsum scan_discount; do
    run tjit run --no-cache --check "$TJIT_ROOT/scripts/bench/peers/$spec.json"
    assert_success
  done
}

# The call is charged its iterations at once: 279 for the run's own
# equations, 10 * 1032 for the body's, as the evaluator charges them one
# iteration at a time; both run it at that budget and stop one short.
@test "scan: a linear recurrence run by the runtime is charged the evaluator's work" {
  cat >"$BATS_TEST_TMPDIR/work.json" <<'JSON'
{"tjit": 1, "source": ["auto f(float xs[10], float gamma) {",
  "  auto step(auto g, auto r) { auto h = r + gamma * g; return (h, h); }",
  "  return scan(step, 0.0, xs, reverse=true);", "}"],
 "args": {"xs": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], "gamma": 0.5}}
JSON
  run tjit emit-c "$BATS_TEST_TMPDIR/work.json"
  assert_output --partial "tj_rt_scan("
  local mode
  for mode in --no-cache --reference; do
    run -0 tjit run "$mode" --max-work 10599 "$BATS_TEST_TMPDIR/work.json"
    assert_line --index 0 --partial "args: (Array(3.9765625, dtype=float32)"
    run -3 --separate-stderr tjit run "$mode" --max-work 10598 "$BATS_TEST_TMPDIR/work.json"
    assert_equal "$output" ""
    [[ $stderr == *"too much work (limit is 10598 elements read and written)"* ]]
  done
}

# Other loop bodies (codegen.c's cg_loop_body_into): a scalar used once is
# written into its use, a scalar carry is updated in place, the updates
# ordered so that none reads a carry already overwritten, through
# temporaries when carries swap or rotate.
@test "loop bodies: swapped, rotated and coupled carries, nested loops, a cond and a jit call: the evaluator's bytes" {
  run tjit emit-c "$TJIT_ROOT/tests/data/loop-body-exact.json"
  assert_success
  refute_output --regexp 'n[0-9]+_[0-9]+' # no second copy of a scalar carry
  assert_output --regexp 'f32 o[0-9]+_0;'  # the swap's temporaries
  assert_output --regexp 'c[0-9]+_1 = \(\(i32\)\(\(unsigned\)\(tj_div_i32'
  same_bytes_as_evaluator "$TJIT_ROOT/tests/data/loop-body-exact.json"
  run tjit run --no-cache --check "$TJIT_ROOT/tests/data/loop-body-exact.json"
  assert_success
}

# grad of a cumsum written as a scan: the forward scan and its transpose
# (_scan_transpose: a reverse scan adding the cotangents with add_any) are
# both cumsums.
@test "scan: grad of a cumsum scan runs the forward and the transposed scan in the runtime: the evaluator's bytes" {
  cat >"$BATS_TEST_TMPDIR/grad.json" <<'JSON'
{"tjit": 1, "function": "g",
 "source": ["float f(float xs[1000]) {",
            "  auto step(auto c, auto x) { auto s = c + x; return (s, s); }",
            "  let (total, sums) = scan(step, 0.0, xs);",
            "  return sum(sums * sums);",
            "}",
            "auto g(float xs[1000]) { return grad(f)(xs); }"],
 "args": {"xs": {"dtype": "f32", "shape": [1000], "random": {"seed": 41, "dist": "normal"}}}}
JSON
  run tjit emit-c "$BATS_TEST_TMPDIR/grad.json"
  assert_equal "$(grep -c '/\* scan: a cumsum ' <<<"$output")" 2
  same_bytes_as_evaluator "$BATS_TEST_TMPDIR/grad.json"
  run tjit run --no-cache --check "$BATS_TEST_TMPDIR/grad.json"
  assert_success
}

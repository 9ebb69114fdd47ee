#!/usr/bin/env bats
# Padding and windowed reductions (issue 14 item 4): the compiled lax_pad,
# pad and reduce_window (tests/cases/pad-run-check-c.json and
# reduce-window-run-check-c.json, which --check also compares with the
# reference evaluator) agree with numpy (tests/data/window_numpy_check.py
# writes XLA's Pad and ReduceWindow in numpy), and they are compiled as
# calls of window_rt.c, not evaluated.
load helper

@test "lax_pad with negative and interior padding and jnp.pad agree with numpy" {
  numpy_agrees "$CASES_DIR/pad-run-check-c.json" window_numpy_check.py
}

@test "max, avg, min and sum pooling with padding and dilations agree with numpy" {
  numpy_agrees "$CASES_DIR/reduce-window-run-check-c.json" window_numpy_check.py
}

@test "the C calls window_rt.c once per pad and per windowed reduction" {
  run tjit emit-c "$CASES_DIR/reduce-window-run-check-c.json"
  assert_success
  # the prototype, then one call per reduce_window equation (six)
  assert_equal "$(grep -c 'tj_rt_reduce_window(' <<< "$output")" 7
  run tjit emit-c "$CASES_DIR/pad-run-check-c.json"
  assert_success
  # the prototype, then one call per pad equation (four: two lax.pad, two in jit[name=_pad])
  assert_equal "$(grep -c 'tj_rt_pad(' <<< "$output")" 5
}

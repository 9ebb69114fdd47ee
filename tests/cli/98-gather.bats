#!/usr/bin/env bats
# Gather and scatter with array indices (issue 14 item 1): x[idx], take,
# take_along_axis and x.at[idx].set/add/max agree with numpy
# (tests/data/gather_numpy_check.py computes the expected values
# independently: clamping for PROMISE_IN_BOUNDS/CLIP, NaN fill for take's
# default mode, dropped out-of-range updates); the large case (a 1000x128
# table, 4096 indices) takes the compiled gather runtime and --check also
# compares it with the reference evaluator.
load helper

@test "take (fill, clip, wrap, an int index) and take_along_axis agree with numpy" {
  numpy_agrees "$CASES_DIR/gather-take-run.json" gather_numpy_check.py
}

@test "x[idx] and x.at[idx].set/add/max with out-of-range and duplicate indices agree with numpy" {
  numpy_agrees "$CASES_DIR/gather-scatter-run.json" gather_numpy_check.py
}

@test "a 4096-row gather, scatter-add and take from a 1000x128 table agree with numpy" {
  numpy_agrees "$TJIT_ROOT/tests/data/gather-large-run.json" gather_numpy_check.py
}

@test "the gather's C agrees with the evaluator on 524288 elements, FILL_OR_DROP included" {
  run tjit run --check "$CASES_DIR/gather-run-check-c.json"
  assert_success
}

@test "a traced boolean mask is JAX's NonConcreteBooleanIndexError at the index, exit 1" {
  run tjit trace "$CASES_DIR/gather-error-traced-mask.json"
  assert_failure 1
  assert_output --partial "error: NonConcreteBooleanIndexError: Array boolean indices must be concrete; got bool[3]"
}

#!/usr/bin/env bats
# einsum and the tensor contractions (issue 14 item 2): the compiled
# einsum, tensordot, lax_dot_general, outer, inner and vdot of
# tests/cases/einsum-run-check-c.json (which --check also compares with the
# reference evaluator) agree exactly with numpy (tests/data/einsum_numpy_check.py
# says why exact comparison is right), and the multi-head attention example
# agrees with a numpy attention within float32 rounding.
load helper
bats_require_minimum_version 1.5.0

@test "einsum, tensordot, lax_dot_general, outer, inner and vdot agree with numpy exactly" {
  numpy_agrees "$CASES_DIR/einsum-run-check-c.json" einsum_numpy_check.py
}

@test "examples/mha_einsum.json: the compiled attention (BLAS and loops) agrees with the evaluator" {
  # Not a golden case: its printed values come from OpenBLAS, whose last
  # digits differ between machines (kernel choice, threads); --check
  # compares them with the reference evaluator within its tolerance.
  run -0 tjit run --check --no-cache "$TJIT_ROOT/examples/mha_einsum.json"
  assert_line --index 0 --regexp '^args: Array\(\[\[\[ *-?[0-9]'
  assert_line --partial 'dtype=float32)'
}

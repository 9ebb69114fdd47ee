#!/usr/bin/env bats
# einsum and the tensor contractions (issue 14 item 2): the compiled
# einsum, tensordot, lax_dot_general, outer, inner and vdot of
# tests/cases/einsum-run-check-c.json (which --check also compares with the
# reference evaluator) agree exactly with numpy (tests/data/einsum_numpy_check.py
# says why exact comparison is right), and the multi-head attention example
# agrees with a numpy attention within float32 rounding.
load helper

@test "einsum, tensordot, lax_dot_general, outer, inner and vdot agree with numpy exactly" {
  numpy_agrees "$CASES_DIR/einsum-run-check-c.json" einsum_numpy_check.py
}

#!/usr/bin/env bats
# Everyday jnp (issue 14 item 6): the compiled any, all, flip, tril, triu,
# eye, identity, roll, stack, split, array_split, cumulative_sum, linspace,
# max/min with initial and where, and tile of
# tests/cases/jnp-array-run-check.json (which --check also compares with
# the reference evaluator) agree with numpy
# (tests/data/jnp_array_numpy_check.py says how).
load helper

@test "everyday jnp builtins (any ... tile) on thousands of elements agree with numpy" {
  require_numpy
  tjit run --check --format json "$CASES_DIR/jnp-array-run-check.json" > "$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 "$TJIT_ROOT/tests/data/jnp_array_numpy_check.py" < "$BATS_TEST_TMPDIR/out.json"
  assert_success
  assert_output "numpy agrees"
}

#!/usr/bin/env bats
# Sorting (issue 14 item 3): the compiled sort, argsort and lax_sort of
# 5000 elements with ties and +NaNs (tests/cases/sort-run-check-c.json,
# which --check also compares with the reference evaluator) agree with
# numpy's stable sorts (tests/data/sort_numpy_check.py says how).
load helper

@test "sort, argsort and lax_sort of 5000 elements agree with numpy's stable sorts" {
  /usr/bin/python3 -c 'import numpy' 2>/dev/null || skip "numpy is not installed for /usr/bin/python3"
  tjit run --check --format json "$CASES_DIR/sort-run-check-c.json" > "$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 "$TJIT_ROOT/tests/data/sort_numpy_check.py" "$CASES_DIR/sort-run-check-c.json" \
    < "$BATS_TEST_TMPDIR/out.json"
  assert_success
  assert_output "numpy agrees"
}

@test "top_k of 2 x 2000 elements with ties and NaNs agrees with numpy" {
  /usr/bin/python3 -c 'import numpy' 2>/dev/null || skip "numpy is not installed for /usr/bin/python3"
  tjit run --check --format json "$CASES_DIR/sort-top-k-run-check-c.json" > "$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 "$TJIT_ROOT/tests/data/top_k_numpy_check.py" "$CASES_DIR/sort-top-k-run-check-c.json" \
    < "$BATS_TEST_TMPDIR/out.json"
  assert_success
  assert_output "numpy agrees"
}

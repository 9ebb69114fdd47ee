#!/usr/bin/env bats
# Sorting (issue 14 item 3): the compiled sort, argsort and lax_sort of
# 5000 elements with ties and +NaNs (tests/cases/sort-run-check-c.json,
# which --check also compares with the reference evaluator) agree with
# numpy's stable sorts (tests/data/sort_numpy_check.py says how).
load helper

@test "sort, argsort and lax_sort of 5000 elements agree with numpy's stable sorts" {
  numpy_agrees "$CASES_DIR/sort-run-check-c.json" sort_numpy_check.py
}

@test "top_k of 2 x 2000 elements with ties and NaNs agrees with numpy" {
  numpy_agrees "$CASES_DIR/sort-top-k-run-check-c.json" top_k_numpy_check.py
}

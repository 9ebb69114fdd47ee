#!/usr/bin/env bats
# Diagonals (issue 14 item 6): the compiled diag, diagonal, trace, repeat,
# roll by a traced shift and any/all with where= of
# tests/cases/diag-run-check.json (which --check also compares with the
# reference evaluator) agree with numpy (tests/data/diag_numpy_check.py
# says how).
load helper

@test "diag, diagonal, trace, repeat, roll by a traced shift and any/all with where agree with numpy" {
  numpy_agrees "$CASES_DIR/diag-run-check.json" diag_numpy_check.py
}

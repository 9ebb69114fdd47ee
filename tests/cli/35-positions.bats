#!/usr/bin/env bats
# Positions in a source written inside the spec are those of the spec file:
# the line and column where the character is written in the JSON string
# (escapes at their backslash, a column per character), so editors and CI
# annotations land on it; the excerpt still shows the decoded source line.
# The cases are golden (tests/cases/position-*, run by tests/run-golden).

load helper

@test "positions: explain --format github points at the declaration on line 5" {
  cd "$CASES_DIR"
  run tjit explain-recompile --format github ../../examples/static_kinds_recompile.json
  assert_success
  assert_line --index 0 "::warning file=../../examples/static_kinds_recompile.json,line=5,col=67::static argument 'scale' is constant and caused 1 compilation: it is only folded into arithmetic: the traces of the 4 compiled signatures use it only as literal values in equations; make 'scale' traced (not static): that would have avoided 1 of the 4 compilations"
}

#!/usr/bin/env bats
# Autograph: if/while/for/?: on traced values become cond/while/select_n.
# The listings are golden cases (tests/cases/ag-*, run by tests/run-golden);
# this file runs what a listing cannot show.
load helper
bats_require_minimum_version 1.5.0

# An assignment to an enclosing variable before a declaration that hides
# it (in the same block, or a for's counter redeclared in its body) is the
# enclosing variable's: it was taken for the local one, so the value traced
# in the branch or body reached the enclosing scope (internal error 70:
# "output 0 is not defined", found by fuzz_spec; the input is
# tests/fuzz/regress/fuzz_spec/autograph-assign-then-shadow.json), or the
# for's counter was not carried and the loop never ended. The same held
# for a branch that returns. Listings: tests/cases/ag-*.out; the numbers
# are worked by hand from the source.
@test "autograph: assignments before a hiding declaration reach the enclosing variable" {
  local c x
  for c in ag-if-assigns-before-shadowing:3.0:3 ag-if-assigns-before-shadowing:20.0:2 \
           ag-if-assigns-before-shadowing:-1.0:-1 ag-returning-if-assigns-outer:3.0:6 \
           ag-returning-if-assigns-outer:-1.0:0 ag-while-assigns-before-shadowing:3.0:10 \
           ag-while-assigns-before-shadowing:20.0:20 ag-for-inc-of-init:3.0:24 ag-for-inc-of-init:20.0:160; do
    IFS=: read -r name x want <<<"$c"
    run -0 --separate-stderr tjit run --check --args "{\"x\": $x}" "$CASES_DIR/$name.json"
    assert_output "args: Array($want., dtype=float32, weak_type=True)"
  done
}

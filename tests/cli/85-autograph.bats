#!/usr/bin/env bats
# Autograph: if/while/for/?: on traced values become cond/while/select_n.
load helper

@test "autograph: tutorial threshold static" { golden ag-tutorial-threshold-static 0; }
@test "autograph: tutorial command line option" { golden ag-tutorial-command-line-option 0; }
@test "autograph: no autograph overrides spec" { golden ag-no-autograph-overrides-spec 1; }
@test "autograph: tutorial nothing static" { golden ag-tutorial-nothing-static 0; }
@test "autograph: if assigns in both" { golden ag-if-assigns-in-both 0; }
@test "autograph: if without else" { golden ag-if-without-else 0; }
@test "autograph: if both branches return" { golden ag-if-both-branches-return 0; }
@test "autograph: if else continues to return" { golden ag-if-else-continues-to-return 0; }
@test "autograph: if static condition unchanged" { golden ag-if-static-condition-unchanged 0; }
@test "autograph: nested if" { golden ag-nested-if 0; }
@test "autograph: while traced condition" { golden ag-while-traced-condition 0; }
# `int i = 0` is np.int32(0): the counter is a strong i32 carry, compared with
# the i32 bound without a convert.
@test "autograph: for traced bound" { golden ag-for-traced-bound 0; }
@test "autograph: ternary select" { golden ag-ternary-select 0; }
@test "autograph: ternary scalar predicate" { golden ag-ternary-scalar-predicate 0; }
@test "autograph: if inside while" { golden ag-if-inside-while 0; }
@test "autograph: error return on some paths" { golden ag-error-return-on-some-paths 1; }
@test "autograph: error break in traced loop" { golden ag-error-break-in-traced-loop 1; }
@test "autograph: error do while" { golden ag-error-do-while 1; }
@test "autograph: error rest does not return" { golden ag-error-rest-does-not-return 1; }
@test "autograph: error logical and still needs concrete" { golden ag-error-logical-and-still-needs-concrete 1; }
@test "autograph: error branch types differ" { golden ag-error-branch-types-differ 1; }
@test "autograph: error array predicate" { golden ag-error-array-predicate 1; }

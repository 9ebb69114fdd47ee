#!/usr/bin/env bats
# Whole diagnostics of trace errors: concretization, jit's argument checks, limits.
load helper

@test "trace error: bitwise on float" { golden bitwise-on-float 1; }
@test "trace error: break outside loop" { golden break-outside-loop 1; }
@test "trace error: call missing argument" { golden call-missing-argument 2; }
@test "trace error: call too many positional" { golden call-too-many-positional 2; }
@test "trace error: call unexpected keyword" { golden call-unexpected-keyword 2; }
@test "trace error: concretization array truth value" { golden concretization-array-truth-value 1; }
@test "trace error: concretization for bound" { golden concretization-for-bound 1; }
@test "trace error: concretization if nothing static" { golden concretization-if-nothing-static 1; }
@test "trace error: concretization if threshold static" { golden concretization-if-threshold-static 1; }
@test "trace error: concretization logical and" { golden concretization-logical-and 1; }
@test "trace error: concretization no argument" { golden concretization-no-argument 1; }
@test "trace error: concretization ternary" { golden concretization-ternary 1; }
@test "trace error: concretization tuple index" { golden concretization-tuple-index 1; }
@test "trace error: concretization two arguments" { golden concretization-two-arguments 1; }
@test "trace error: concretization while" { golden concretization-while 1; }
@test "trace error: declared type mismatch" { golden declared-type-mismatch 2; }
@test "trace error: function not found" { golden function-not-found 2; }
@test "trace error: limit elements" { golden limit-elements 1; }
@test "trace error: an empty array whose nonzero dimensions are over the element limit" { golden limit-elements-empty 1; }
@test "trace error: limit equations" { golden limit-equations 1; }
@test "trace error: limit recursion" { golden limit-recursion 1; }
@test "trace error: limit statements" { golden limit-statements 1; }
@test "trace error: limit sub-jaxprs" { golden limit-sub-jaxprs 1; }
@test "trace error: literal overflow" { golden literal-overflow 1; }
@test "trace error: non array argument" { golden non-array-argument 2; }
@test "trace error: shape mismatch" { golden shape-mismatch 1; }
@test "trace error: shape mismatch ranks" { golden shape-mismatch-ranks 1; }
@test "trace error: static argnames unknown" { golden static-argnames-unknown 2; }
@test "trace error: static argnums out of range" { golden static-argnums-out-of-range 2; }
@test "trace error: static array unhashable" { golden static-array-unhashable 2; }
@test "trace error: static division by zero" { golden static-division-by-zero 1; }
@test "trace error: undeclared identifier" { golden undeclared-identifier 1; }
@test "trace error: misspelt builtin gets a suggestion" { golden hint-builtin-misspelt 1; }
@test "trace error: misspelt variable gets a suggestion" { golden hint-variable-misspelt 1; }
@test "trace error: misspelt parameter gets a suggestion" { golden hint-parameter-misspelt 1; }
@test "trace error: misspelt keyword argument gets a suggestion" { golden hint-keyword-misspelt 1; }
@test "trace error: misspelt user function gets a suggestion" { golden hint-user-function-misspelt 1; }
@test "trace error: misspelt nested function gets a suggestion" { golden hint-nested-function-misspelt 1; }
@test "trace error: builtin with the wrong number of arguments" { golden builtin-wrong-arity 1; }
@test "trace errors: a dtype name called takes one argument" { golden trace-dtype-call-arity 1; }
@test "trace errors: a C type name called hints at the dtype name" { golden trace-c-type-called 1; }
@test "trace errors: a static argument of another type than a called function declares" { golden inline-static-typed-param-mismatch 1; }

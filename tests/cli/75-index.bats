#!/usr/bin/env bats
# Indexing, slicing and functional updates (x[i] = v as x.at[i].set(v)):
# whole listings and errors, compared with golden files.
load helper

@test "index: static integer" { golden index-static-int 0; }
@test "index: negative static integer" { golden index-negative-int 0; }
@test "index: row of a matrix" { golden index-row 0; }
@test "index: column a[:, 0]" { golden index-column 0; }
@test "index: two static integers" { golden index-pair 0; }
@test "index: nested a[i][j]" { golden index-nested 0; }
@test "index: slice 1:3" { golden index-slice-range 0; }
@test "index: slice with step" { golden index-slice-step 0; }
@test "index: reversed slice" { golden index-slice-reverse 0; }
@test "index: negative step other than -1" { golden index-slice-negative-step 0; }
@test "index: full slice records nothing" { golden index-slice-full 0; }
@test "index: slice bounds past the end" { golden index-slice-clamped 0; }
@test "index: empty slice" { golden index-slice-empty 0; }
@test "index: slices of two axes" { golden index-slice-2d 0; }
@test "index: a[None]" { golden index-newaxis 0; }
@test "index: a[:, None]" { golden index-newaxis-middle 0; }
@test "index: None beside an integer" { golden index-newaxis-int 0; }
@test "index: index from a static parameter" { golden index-static-param 0; }
@test "index: indices of an unrolled loop" { golden index-loop 0; }
@test "index: traced int32 index" { golden index-traced-int 0; }
@test "index: traced Python int index" { golden index-traced-weak-int 0; }
@test "index: traced index of a matrix row" { golden index-traced-row 0; }
@test "index: traced and static index" { golden index-traced-and-static 0; }
@test "index: weak traced index converted to int32" { golden index-traced-weak-row 0; }
@test "index: traced index and a reversed slice" { golden index-traced-reverse 0; }
@test "index: traced index and None" { golden index-traced-newaxis 0; }
@test "index: unsigned index is not normalised" { golden index-traced-unsigned 0; }
@test "index: int8 indices converted to int32" { golden index-traced-int8-pair 0; }
@test "index: index computed from a traced value" { golden index-traced-expression 0; }
@test "index: static index past the end clamps" { golden index-out-of-range 0; }
@test "index: static index before the start clamps" { golden index-negative-out-of-range 0; }
@test "index: x[1] = v" { golden index-set-static 0; }
@test "index: x[-1] = 2.0" { golden index-set-negative 0; }
@test "index: x[i] = v" { golden index-set-traced 0; }
@test "index: x[i, j] = 0" { golden index-set-pair 0; }
@test "index: x[1] = v with a row of values" { golden index-set-row 0; }
@test "index: x[:, 0] = v broadcasts v" { golden index-set-column-scalar 0; }
@test "index: x[1:3] = v" { golden index-set-slice 0; }
@test "index: x[1:3] = 0.5" { golden index-set-slice-literal 0; }
@test "index: x[i] += v" { golden index-add 0; }
@test "index: two scatter-adds share one update jaxpr" { golden index-add-shared-jaxpr 0; }
@test "index: x[0] -= v and x[1] *= v" { golden index-sub-mul 0; }
@test "index: a Python int takes the array's dtype" { golden index-set-int-array 0; }
@test "index: a float value into an int array promotes and converts back" { golden index-set-promote 0; }
@test "index: a weakly typed traced value is converted" { golden index-set-weak-value 0; }
@test "index: x[1] = x[0] * 2" { golden index-set-from-element 0; }
@test "index: an empty slice leaves x as it is" { golden index-set-empty-slice 0; }
@test "index: out-of-range static index is dropped by the scatter" { golden index-set-out-of-range 0; }
@test "index: weak traced index in an update" { golden index-set-weak-traced-index 0; }
@test "index: updates in an unrolled loop rebind x each time" { golden index-set-in-loop 0; }
@test "index: static float index" { golden index-error-float-index 1; }
@test "index: traced float index" { golden index-error-traced-float-index 1; }
@test "index: too many indices" { golden index-error-too-many 1; }
@test "index: traced slice bound" { golden index-error-traced-slice-bound 1; }
@test "index: traced boolean index" { golden index-error-traced-bool 1; }
@test "index: integer index into an empty axis" { golden index-error-empty-axis 1; }
@test "index: zero slice step" { golden index-error-step-zero 1; }
@test "index: item assignment to a static tuple" { golden index-error-assign-tuple 1; }
@test "index: item assignment to a static number" { golden index-error-assign-static 1; }
@test "index: assignment through a nested index" { golden index-error-assign-nested 1; }
@test "index: compound operator without an .at[] method" { golden index-error-assign-op 1; }
@test "index: value that does not fit the slice" { golden index-error-assign-broadcast 1; }
@test "index: too many indices in an assignment" { golden index-error-assign-too-many 1; }
@test "index: integer array index" { golden index-error-advanced 1; }
@test "index: string index" { golden index-error-string-index 1; }
@test "index: assignment to a strided slice" { golden index-error-assign-step 1; }
@test "index: result rank over the limit" { golden index-error-too-many-new-axes 1; }
@test "index: static index that int32 cannot hold" { golden index-error-index-overflow 1; }
@test "index: update evaluates the index before the value (as x.at[i].set(v) does)" { golden index-update-evaluates-index-first 0; }

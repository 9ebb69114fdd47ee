#!/usr/bin/env bats
# Spec errors (tjit-spec(5)): the JSON scanner, top-level keys, calls and
# argument values. Every case exits 2 with the exact stderr in NAME.err.

load helper

@test "spec: data value out of range for its dtype" { golden spec-arg-data-out-of-range 2; }
@test "spec: f32 data beyond float32's largest value" { golden spec-arg-data-f32-overflow 2; }
@test "spec: a number too large for a double is not infinity" { golden spec-number-too-large-for-double 2; }
@test "spec: argument int too large for int32" { golden spec-arg-int-too-large-for-int32 2; }
@test "spec: ragged nested array argument" { golden spec-arg-ragged-array 2; }
@test "spec: string as a traced argument" { golden spec-arg-string-value 2; }
@test "spec: shape over the element limit" { golden spec-arg-too-many-elements 2; }
@test "spec: an empty shape whose nonzero dimensions are over the element limit" { golden spec-arg-too-many-elements-empty 2; }
@test "spec: unknown dtype with a suggestion" { golden spec-arg-unknown-dtype 2; }
@test "spec: misspelt function name with a suggestion" { golden hint-spec-function-misspelt 2; }
@test "spec: unsupported dtype f16 is said so, not i16" { golden dtype-unsupported-spec-f16 2; }
@test "spec: unsupported dtype bfloat16 is said so, not float32" { golden dtype-unsupported-spec-bfloat16 2; }
@test "spec: --args that is not JSON" { golden spec-args-option-invalid-json 2; }
@test "spec: a call that is a string" { golden spec-call-not-array-or-object 2; }
@test "spec: calls given as one object" { golden spec-calls-single-object 2; }
@test "spec: duplicate key points at both" { golden spec-duplicate-key 2; }
@test "spec: column counts characters after UTF-8 text" { golden spec-error-after-utf8 2; }
@test "spec: function that is not a string" { golden spec-function-not-string 2; }
@test "spec: integer outside int64" { golden spec-int-outside-int64 2; }
@test "spec: invalid JSON: comments get a hint" { golden spec-invalid-json-comment 2; }
@test "spec: invalid JSON: leading zero" { golden spec-invalid-json-leading-zero 2; }
@test "spec: invalid JSON: Python True gets a hint" { golden spec-invalid-json-python-literal 2; }
@test "spec: invalid JSON: comma before the closing brace" { golden spec-invalid-json-trailing-comma 2; }
@test "spec: invalid JSON: unterminated string" { golden spec-invalid-json-unterminated-string 2; }
@test "spec: missing source" { golden spec-missing-source 2; }
@test "spec: nesting limit" { golden spec-nesting-too-deep 2; }
@test "spec: a spec is an object" { golden spec-not-an-object 2; }
@test "spec: autograph that is not a bool" { golden spec-options-autograph-not-bool 2; }
@test "spec: unknown option with a suggestion" { golden spec-options-unknown 2; }
@test "spec: source and source_file together" { golden spec-source-and-source-file 2; }
@test "spec: source_file that cannot be read" { golden spec-source-file-missing 2; }
@test "spec: source line that is not a string" { golden spec-source-line-not-string 2; }
@test "spec: static_argnames entry that is not a string" { golden spec-static-argnames-not-string 2; }
@test "spec: static_argnums entry that is a float" { golden spec-static-argnums-float 2; }
@test "spec: unknown key lists the keys" { golden spec-unknown-key-list 2; }
@test "spec: unknown key with a suggestion" { golden spec-unknown-key-suggestion 2; }
@test "spec: unsupported version" { golden spec-version-unsupported 2; }

@test "spec: an error on a long line (minified JSON) shows a window around it" {
  spec='{"source": ["float f(float x[2]) { return x * 2; }"], "description": "'$(printf 'é%.0s' {1..150})'", "args": {"x": {"dtype": "f32", "shape": [3], "data": [1, 2, 3]}}}'
  run tjit run - <<<"$spec"
  assert_failure 2
  assert_line --index 0 "<stdin>:1:238: error: args.x: argument 'x': dimension 0 is 3 but the declaration needs 2"
  assert_line --index 1 '    1 | ...ééééééééééééééééééééééé", "args": {"x": {"dtype": "f32", "shape": [3], "data": [1, 2, 3]}}}'
  assert_line --index 2 '      |                                            ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~'
}
# A declared type of a static parameter checks the Python value, and converts nothing.
@test "spec: static argument of another type than declared" { golden static-typed-param-mismatch 2; }

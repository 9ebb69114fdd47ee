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
@test "spec: source_file in procfs is not a regular file" { golden spec-source-file-procfs 2; }
@test "spec: --confine refuses a source_file through '..'" { golden spec-confine-parent 2; }
@test "spec: --confine refuses an absolute source_file" { golden spec-confine-absolute 2; }
@test "spec: --confine refuses an npy file outside" { golden spec-confine-npy 2; }
@test "spec: --confine reads a file beneath the spec's directory" { golden spec-confine-inside 1; }
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

# --confine follows a symbolic link only when it stays beneath the spec's
# directory; one leading out is refused like '..'.
@test "spec: --confine and symbolic links" {
  dir=$(mktemp -d)
  mkdir "$dir/spec"
  printf 'float f(float x) { return x * 2; }\n' >"$dir/outside.c"
  cp "$dir/outside.c" "$dir/spec/inside.c"
  ln -s ../outside.c "$dir/spec/out.c"
  ln -s inside.c "$dir/spec/in.c"
  printf '{"tjit": 1, "source_file": "out.c", "args": {"x": 1.0}}\n' >"$dir/spec/out.json"
  printf '{"tjit": 1, "source_file": "in.c", "args": {"x": 1.0}}\n' >"$dir/spec/in.json"
  run tjit trace --confine "$dir/spec/out.json"
  assert_failure 2
  assert_output "$dir/spec/out.json:1:28: error: source_file: cannot read '$dir/spec/out.c': not beneath the spec's directory (the spec is confined)
    1 | {\"tjit\": 1, \"source_file\": \"out.c\", \"args\": {\"x\": 1.0}}
      |                            ^~~~~~~"
  run tjit trace "$dir/spec/out.json"
  assert_success
  run tjit trace --confine "$dir/spec/in.json"
  assert_success
  assert_output "{ lambda ; a:f32[]. let b:f32[] = mul a 2.0:f32[] in (b,) }"
  rm -rf "$dir"
}

# Every command that reads a spec takes --confine, and TJIT_CONFINE=1 does
# the same for tools that run others' specs (TJIT_CONFINE=0 or empty: off).
@test "spec: --confine and TJIT_CONFINE for every command that reads a spec" {
  local want="spec-confine-absolute.json:4:18: error: source_file: cannot read '/proc/self/environ': not beneath the spec's directory (the spec is confined)"
  cd "$CASES_DIR"
  for cmd in trace graph emit-c run explain-recompile check; do
    run tjit "$cmd" --confine spec-confine-absolute.json
    assert_failure 2
    assert_line --index 0 "$want"
    TJIT_CONFINE=1 run tjit "$cmd" spec-confine-absolute.json
    assert_failure 2
    assert_line --index 0 "$want"
  done
  for value in 0 ""; do
    TJIT_CONFINE=$value run tjit trace spec-confine-absolute.json
    assert_failure 2
    assert_line --index 0 "spec-confine-absolute.json:4:18: error: source_file: cannot read '/proc/self/environ': not a regular file"
  done
}

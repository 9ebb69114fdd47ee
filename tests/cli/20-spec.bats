#!/usr/bin/env bats
# Spec errors (tjit-spec(5)): the JSON scanner, top-level keys, calls and
# argument values. The golden cases (tests/cases, run by tests/run-golden)
# exit 2 with the exact stderr in NAME.err; these tests build their specs.

load helper

@test "spec: an error on a long line (minified JSON) shows a window around it" {
  spec='{"source": ["float f(float x[2]) { return x * 2; }"], "description": "'$(printf 'é%.0s' {1..150})'", "args": {"x": {"dtype": "f32", "shape": [3], "data": [1, 2, 3]}}}'
  run tjit run - <<<"$spec"
  assert_failure 2
  assert_line --index 0 "<stdin>:1:238: error: args.x: argument 'x': dimension 0 is 3 but the declaration needs 2"
  assert_line --index 1 '    1 | ...ééééééééééééééééééééééé", "args": {"x": {"dtype": "f32", "shape": [3], "data": [1, 2, 3]}}}'
  assert_line --index 2 '      |                                            ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~'
}

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

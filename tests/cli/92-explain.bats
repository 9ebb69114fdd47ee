#!/usr/bin/env bats
# tjit explain-recompile: the jit cache replayed over a spec's calls. The
# golden cases explain-* (tests/cases, run by tests/run-golden): every
# expected output was checked by hand against the cache rules (see each
# spec's description and tjit-explain-recompile(1)).
load helper

@test "explain: a call that breaks a declared shape is an error in --format json and github too" {
  for format in json github; do
    run tjit explain-recompile --format "$format" "$CASES_DIR/explain-error-declared-type.json"
    assert_failure 2
    assert_output --partial "argument 'x': dimension 0 is 2 but the declaration needs 3"
    refute_output --partial "compile: first call"
    refute_output --partial '"result": "compile"'
  done
}

@test "explain: --max-compiles at the count passes" {
  run tjit explain-recompile --max-compiles 4 "$TJIT_ROOT/examples/static_kinds_recompile.json"
  assert_success
  assert_output --partial "5 calls, 4 compilations, 1 hit"
}

@test "explain: --max-compiles takes a non-negative integer" {
  run tjit explain-recompile --max-compiles -1 "$TJIT_ROOT/examples/static_kinds_recompile.json"
  assert_failure 2
  assert_output --partial "invalid --max-compiles '-1'"
}

@test "explain: --format rejects an unknown format" {
  run tjit explain-recompile --format xml "$TJIT_ROOT/examples/static_kinds_recompile.json"
  assert_failure 2
  assert_output --partial "expected 'text', 'json', 'github' or 'sarif'"
}

@test "explain: --call without --what-if" {
  run tjit explain-recompile --call 1 "$TJIT_ROOT/examples/static_kinds_recompile.json"
  assert_failure 2
  assert_output --partial "give --what-if too"
}

@test "explain: --format json is valid JSON" {
  run tjit explain-recompile --format json "$TJIT_ROOT/examples/conditional_double_recompile.json"
  assert_success
  jq -e '.summary.compilations == 2' <<<"$output"
}

@test "explain: help lists the options" {
  run tjit help explain-recompile
  assert_success
  assert_output --partial "--what-if NAME=JSON"
  assert_output --partial "--max-compiles N"
}

@test "explain: --format github escapes the file property (%, :, ,)" {
  dir="$BATS_TEST_TMPDIR/a,b:c%d"
  mkdir -p "$dir"
  cp "$TJIT_ROOT/examples/conditional_double_recompile.json" "$dir/s.json"
  cd "$BATS_TEST_TMPDIR"
  run tjit explain-recompile --autograph --format github "a,b:c%d/s.json"
  assert_success
  assert_line --index 0 "::warning file=a%2Cb%3Ac%25d/s.json,line=5,col=46::static argument 'threshold' is constant and caused 1 compilation: it is only folded into arithmetic: the traces of the 2 compiled signatures use it only as literal values in equations; make 'threshold' traced (not static): that would have avoided 1 of the 2 compilations"
  assert_line --index 1 "::notice file=a%2Cb%3Ac%25d/s.json::a,b:c%25d/s.json: 4 calls, 2 compilations, 2 hits%0Aa,b:c%25d/s.json:15:5: call 0: compile: first call%0Aa,b:c%25d/s.json:35:5: call 2: compile: never seen signature; closest seen signature (call 0) has 1 mismatch: static argument 'threshold': now 10.0 and before 0.0"
  assert_equal "${#lines[@]}" 2
}

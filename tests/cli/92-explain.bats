#!/usr/bin/env bats
# tjit explain-recompile: the jit cache replayed over a spec's calls. Every
# expected output was checked by hand against the cache rules (see each
# spec's description and tjit-explain-recompile(1)).
load helper

@test "explain: the tutorial without autograph lists hits and compiles, and the trace error" { golden explain-tutorial 0; }
@test "explain: the tutorial with autograph: threshold is constant" { golden explain-tutorial-autograph 0; }
@test "explain: structural, constant and unused static arguments" { golden explain-static-kinds 0; }
@test "explain: traced shape and dtype changes" { golden explain-shape 0; }
@test "explain: 1, 1.0, true and '1' are different keys; mapping order is not" { golden explain-static-types 0; }
@test "explain: weak type and keyword vs positional" { golden explain-weak-keyword 0; }
@test "explain: --format json" { golden explain-json 0; }
@test "explain: --format json with every class" { golden explain-json-kinds 0; }
@test "explain: --format github" { golden explain-github 0; }
@test "explain: --format github with a trace error and a budget" { golden explain-github-trace-error 3; }
@test "explain: --format github: a traced argument's shape and dtype warning, calls in the summary notice" { golden explain-github-shape 0; }
@test "explain: --max-compiles exceeded exits 3 and names the calls" { golden explain-budget 3; }
@test "explain: --what-if that compiles" { golden explain-what-if-compile 0; }
@test "explain: --what-if from --call that hits" { golden explain-what-if-hit 0; }
@test "explain: two --what-if changes make one call" { golden explain-what-if-two 0; }
@test "explain: a static read only in a loop another bounds is constant, over every compiled signature" { golden explain-static-loop-unread 0; }
@test "explain: a static that decides an if is structural, though the jaxprs differ only in a literal" { golden explain-static-decides-branch 0; }
@test "explain: two statics that only make sense together are classified from the calls' own traces" { golden explain-static-coupled 0; }
@test "explain: shapes, axes, indices, dtypes and jit statics are structural" { golden explain-static-uses 0; }
@test "explain: a call that breaks a declared shape is an error, as in tjit check" { golden explain-error-declared-type 2; }
@test "explain: a call that breaks a shape a static parameter declares is an error" { golden explain-error-declared-by-static 2; }
@test "explain: a --what-if value that breaks a declared shape is an error" { golden explain-error-what-if-declared 2; }
@test "explain: a static parameter declared as an array is a spec error, as in tjit check" { golden explain-error-declared-static 2; }
@test "explain: a call that breaks a declared shape is an error in --format json and github too" {
  for format in json github; do
    run tjit explain-recompile --format "$format" "$CASES_DIR/explain-error-declared-type.json"
    assert_failure 2
    assert_output --partial "argument 'x': dimension 0 is 2 but the declaration needs 3"
    refute_output --partial "compile: first call"
    refute_output --partial '"result": "compile"'
  done
}
@test "explain: --what-if with an unknown parameter" { golden explain-error-what-if-name 2; }
@test "explain: --what-if with a value that is not JSON" { golden explain-error-what-if-json 2; }
@test "explain: a spec without calls" { golden explain-error-no-calls 2; }
@test "explain: an unhashable static argument" { golden explain-error-unhashable 2; }
@test "explain: a call missing an argument" { golden explain-error-missing-arg 2; }

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
  assert_output --partial "expected 'text', 'json' or 'github'"
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

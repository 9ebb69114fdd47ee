#!/usr/bin/env bats
# Many specs at once (cmd/multi.c): check, run and explain-recompile over
# several SPEC operands and directories, --jobs, the summary, the exit
# status, --format json's per-spec document; and explain-recompile's
# compile-count baseline (cmd/baseline.c, lib/cache/baseline.c).
load helper
bats_require_minimum_version 1.5.0

setup() {
  cd "$BATS_TEST_TMPDIR"
  write_cli_specs
  cp "$TJIT_ROOT/examples/shape_recompile.json" "$TJIT_ROOT/examples/static_kinds_recompile.json" .
  mkdir -p repo/sub repo/.hidden
  cp double.json repo/b.json
  echo '{"tjit": 1, "source": "float halve(float x) { return x / 2; }", "calls": [{"x": 4.0}]}' >repo/sub/a.json
  cp repo/sub/a.json repo/.hidden/not-walked.json
  ln -s sub repo/link-to-sub # a link to a directory is not followed: no spec twice, no cycle
  echo '{"name": "a package", "version": "1.0.0"}' >repo/package.json
  echo '[1, 2, 3]' >repo/list.json
  echo 'not json' >repo/notes.txt
}

# --- several specs ------------------------------------------------------------

@test "multi: check of several passing specs is silent but for the summary" {
  run -0 --separate-stderr tjit check double.json shape_recompile.json
  assert_output ''
  assert_equal "$stderr" "tjit check: 2 specs: 2 passed, 0 failed"
}

@test "multi: one plain SPEC keeps the single-spec form (no summary, no header)" {
  run -0 --separate-stderr tjit check double.json
  assert_output ''
  assert_equal "$stderr" ''
  run -0 --separate-stderr tjit run double.json
  assert_output "call 0: Array(2., dtype=float32, weak_type=True)
call 1: Array(4., dtype=float32, weak_type=True)"
  assert_equal "$stderr" ''
}

@test "multi: a directory is walked for *.json in sorted order; files that are no spec are skipped with a note" {
  run -0 --separate-stderr tjit explain-recompile --format json repo
  assert_equal "$(jq -r '[.specs[].spec] | join(" ")' <<<"$output")" "repo/b.json repo/sub/a.json"
  assert_equal "$(jq -c '.skipped' <<<"$output")" \
    '[{"spec":"repo/list.json","reason":"not a tjit spec (not a JSON object)"},{"spec":"repo/package.json","reason":"not a tjit spec (no \"tjit\", \"source\", \"source_file\" or \"function\" member)"}]'
  run -0 --separate-stderr tjit check repo
  assert_output ''
  assert_equal "$stderr" "tjit check: note: repo/list.json: not a tjit spec (not a JSON object): skipped
tjit check: note: repo/package.json: not a tjit spec (no \"tjit\", \"source\", \"source_file\" or \"function\" member): skipped
tjit check: 2 specs: 2 passed, 0 failed; 2 files skipped"
}

@test "multi: a file that is no spec named on the command line is an error, as for one spec" {
  run -2 --separate-stderr tjit check double.json repo/package.json
  assert_equal "${stderr_lines[0]}" "repo/package.json:1:2: error: unknown key 'name'"
  assert_equal "${stderr_lines[-1]}" "tjit check: 2 specs: 1 passed, 1 failed"
}

@test "multi: a failing spec among passing ones: its diagnostics in order, the summary, exit 1" {
  run -1 --separate-stderr tjit check double.json second-call-fails.json shape_recompile.json
  assert_output ''
  assert_equal "${stderr_lines[0]}" \
    "second-call-fails.json:3:33: error: TracerBoolConversionError: Attempted boolean conversion of traced array with shape bool[]."
  assert_equal "${stderr_lines[-1]}" "tjit check: 3 specs: 2 passed, 1 failed"
}

@test "multi: the exit status is the first failing spec's, in operand order" {
  echo '{"tjit": 1, "source": "float f(float x) { return x; }", "calls": {}}' >bad-spec.json
  run -2 tjit check double.json bad-spec.json second-call-fails.json
  run -1 tjit check second-call-fails.json bad-spec.json
  run -2 tjit check --jobs 2 bad-spec.json second-call-fails.json double.json
}

@test "multi: --jobs 2 prints the same bytes as --jobs 1" {
  "$TJIT_ROOT/scripts/gen-specs.sh" many 70 # more specs than MULTI_MAX_PENDING (64)
  cp second-call-fails.json many/group00/010-fails.json
  for cmd in check explain-recompile "run --reference"; do
    for format in text json; do
      [[ $cmd == "run --reference" || $format == text ]] || continue
      # shellcheck disable=SC2086 # $cmd is a command and its option
      tjit $cmd --format "$format" --jobs 1 many >out1 2>err1 || true
      # shellcheck disable=SC2086
      tjit $cmd --format "$format" --jobs 2 many >out2 2>err2 || true
      cmp out1 out2
      cmp err1 err2
      [[ -s err1 ]]
    done
  done
}

@test "multi: a slow first spec holds back the printing, not the order (more specs than may wait)" {
  "$TJIT_ROOT/scripts/gen-specs.sh" many 70
  # about a second of tracing to reach the step limit, while the other worker checks the rest
  cat >many/aaa-slow.json <<'JSON'
{"tjit": 1, "source": ["float spin(float x) {", "  int i = 0;", "  while (i >= 0) { i = i + 1; }", "  return x;", "}"],
 "args": {"x": 1.0}}
JSON
  run -1 --separate-stderr tjit check --jobs 2 --format json many
  assert_equal "$(jq -r '.specs[0].spec, .specs[0].status, .summary.specs' <<<"$output")" "many/aaa-slow.json
1
71"
  assert_equal "$(jq -r '[.specs[].spec] == ([.specs[].spec] | sort)' <<<"$output")" true
  assert_equal "${stderr_lines[0]:0:40}" "many/aaa-slow.json:1:83: error: too many"
}

@test "multi: --format json holds each spec's document, status and the summary" {
  run -1 --separate-stderr tjit check --format json double.json second-call-fails.json
  assert_equal "$(jq -c '[.version, [.specs[] | [.spec, .status]], .summary]' <<<"$output")" \
    '[1,[["double.json",0],["second-call-fails.json",1]],{"specs":2,"passed":1,"failed":1,"skipped":0}]'
  assert_equal "$(jq -c '.specs[0].result' <<<"$output")" '{"version":1,"traced":["args",0,1]}'
  assert_equal "$(jq -c '.specs[1].result.failed_call' <<<"$output")" '1'
  assert_equal "$(jq -r '.specs[1].result.error.kind' <<<"$output")" 'TracerBoolConversionError'
}

@test "multi: --format github gives each failing spec's ::error lines in order" {
  cp second-call-fails.json fails-too.json
  run -1 --separate-stderr tjit check --format github second-call-fails.json double.json fails-too.json
  assert_equal "${#lines[@]}" 2
  assert_line --index 0 --partial "::error file=second-call-fails.json,line=3,col=33::TracerBoolConversionError"
  assert_line --index 1 --partial "::error file=fails-too.json,line=3,col=33::TracerBoolConversionError"
}

@test "multi: run and explain-recompile print each spec's report under a header" {
  run -0 --separate-stderr tjit run double.json repo/sub
  assert_output "==> double.json <==
call 0: Array(2., dtype=float32, weak_type=True)
call 1: Array(4., dtype=float32, weak_type=True)

==> repo/sub/a.json <==
call 0: Array(2., dtype=float32, weak_type=True)"
  assert_equal "$stderr" "tjit run: 2 specs: 2 passed, 0 failed"
  run -0 --separate-stderr tjit explain-recompile shape_recompile.json static_kinds_recompile.json
  assert_line --index 0 "==> shape_recompile.json <=="
  assert_line "==> static_kinds_recompile.json <=="
  assert_line "5 calls, 4 compilations, 1 hit"
  assert_equal "$stderr" "tjit explain-recompile: 2 specs: 2 passed, 0 failed"
  run -0 tjit run --format json double.json repo/sub/a.json
  assert_equal "$(jq -c '[.specs[].result.calls | length]' <<<"$output")" '[2,1]'
}

@test "multi: a worker that is killed fails its spec alone (exit 70), the others run" {
  cat >spin.json <<'JSON'
{"tjit": 1, "options": {"autograph": true},
 "source": ["float spin(float x) {", "  while (x > 0) { x = x + 1; }", "  return x;", "}"],
 "args": {"x": 1.0}}
JSON
  # a loop that never ends, under a CPU limit each worker has for itself
  run -70 --separate-stderr bash -c 'ulimit -t 2; exec tjit run --max-work 1000000000000000000 spin.json double.json'
  assert_output --partial "==> double.json <==
call 0: Array(2., dtype=float32, weak_type=True)"
  [[ ${stderr_lines[0]} == "tjit run: error: spin.json: the worker was killed by signal "* ]]
  assert_equal "${stderr_lines[-1]}" "tjit run: 2 specs: 1 passed, 1 failed"
}

@test "multi: a directory without specs is an error" {
  mkdir nothing
  cp repo/package.json nothing/
  run -2 --separate-stderr tjit check nothing
  assert_equal "${stderr_lines[-1]}" "tjit check: error: no spec found in the operands"
}

@test "multi: options that name one call or one spec's files are usage errors with several specs" {
  local row
  for row in "run --call 0:--call" "run --args [1.0]:--args" "run --out d:--out" \
    "explain-recompile --what-if x=1.0:--what-if" "explain-recompile --call 0 --what-if x=1.0:--what-if"; do
    # shellcheck disable=SC2086 # the row's command and options
    run -2 --separate-stderr tjit ${row%%:*} double.json shape_recompile.json
    assert_output ''
    [[ ${stderr_lines[0]} == *"error: ${row##*:} cannot be used with several specs"* ]]
  done
  run -2 --separate-stderr tjit check double.json -
  assert_equal "${stderr_lines[0]}" "tjit check: error: SPEC '-' (standard input) cannot be one of several specs"
  for jobs in 0 65 x; do
    run -2 --separate-stderr tjit check --jobs "$jobs" double.json repo
    assert_equal "${stderr_lines[0]}" "tjit check: error: invalid --jobs '$jobs' (expected 1 to 64)"
  done
  run -2 --separate-stderr tjit explain-recompile --update-baseline repo
  assert_equal "${stderr_lines[0]}" "tjit explain-recompile: error: --update-baseline needs --baseline FILE"
}

@test "multi: explain-recompile skips a spec without calls found in a directory, fails one named" {
  echo '{"tjit": 1, "source": "float f(float x) { return x; }", "args": [1.0]}' >repo/sub/no-calls.json
  run -0 --separate-stderr tjit explain-recompile repo
  assert_line --index 0 "==> repo/b.json <=="
  assert_equal "${stderr_lines[2]}" "tjit explain-recompile: note: repo/sub/no-calls.json: no \"calls\" to replay: skipped"
  assert_equal "${stderr_lines[-1]}" "tjit explain-recompile: 2 specs: 2 passed, 0 failed; 3 files skipped"
  run -2 --separate-stderr tjit explain-recompile double.json repo/sub/no-calls.json
  assert_equal "${stderr_lines[0]}" "repo/sub/no-calls.json:1:1: error: the spec has no \"calls\" to replay"
}

# --- the compile-count baseline -----------------------------------------------

@test "baseline: --update-baseline writes the counts, keys sorted, and a rerun passes" {
  run -0 --separate-stderr tjit explain-recompile --baseline base.json --update-baseline \
    static_kinds_recompile.json shape_recompile.json repo
  assert_equal "${stderr_lines[-2]}" "tjit explain-recompile: wrote the baseline base.json (4 functions)"
  assert_equal "$(cat base.json)" '{
  "version": 1,
  "compilations": {
    "repo/b.json::double_it": 1,
    "repo/sub/a.json::halve": 1,
    "shape_recompile.json::total": 4,
    "static_kinds_recompile.json::scaled_doubling": 4
  }
}'
  [[ $(find . -maxdepth 1 -name 'base.json.*' | wc -l) -eq 0 ]] # the temporary file was renamed
  run -0 --separate-stderr tjit explain-recompile --baseline base.json shape_recompile.json repo \
    static_kinds_recompile.json
  assert_equal "${stderr_lines[-1]}" "tjit explain-recompile: 4 specs: 4 passed, 0 failed; 2 files skipped"
}

@test "baseline: growth fails with exit 3 at the call over it, naming the function" {
  printf '{"version": 1, "compilations": {"shape_recompile.json::total": 2, "double.json::double_it": 1}}\n' >base.json
  run -3 --separate-stderr tjit explain-recompile --baseline base.json double.json shape_recompile.json
  assert_equal "${stderr_lines[0]}" "shape_recompile.json:13:5: error: function 'total' grew from 2 to 4 compilations over the baseline base.json: this call is compilation 3; if that is intended, refresh it with --update-baseline"
  assert_equal "${stderr_lines[-1]}" "tjit explain-recompile: 2 specs: 1 passed, 1 failed"
  run -3 --separate-stderr tjit explain-recompile --format json --baseline base.json double.json shape_recompile.json
  assert_equal "$(jq -c '[.specs[] | .baseline | [.key, .compilations, .allowed, .verdict]]' <<<"$output")" \
    '[["double.json::double_it",1,1,"same"],["shape_recompile.json::total",4,2,"more"]]'
  assert_equal "$(jq -c '.specs[1].baseline.error | [.kind, .line, .column]' <<<"$output")" '["budget",13,5]'
  run -3 --separate-stderr tjit explain-recompile --format github --baseline base.json shape_recompile.json
  assert_line "::error file=shape_recompile.json,line=13,col=5::function 'total' grew from 2 to 4 compilations over the baseline base.json: this call is compilation 3; if that is intended, refresh it with --update-baseline"
}

@test "baseline: fewer compilations pass with a note suggesting --update-baseline" {
  printf '{"version": 1, "compilations": {"shape_recompile.json::total": 6}}\n' >base.json
  run -0 --separate-stderr tjit explain-recompile --baseline base.json shape_recompile.json
  assert_equal "${stderr_lines[0]}" "tjit explain-recompile: note: shape_recompile.json: function 'total' has 4 compilations, fewer than the 6 of the baseline base.json: lower it with --update-baseline"
}

@test "baseline: a function not in the baseline fails with exit 3 at its name" {
  printf '{"version": 1, "compilations": {}}\n' >base.json
  run -3 --separate-stderr tjit explain-recompile --baseline base.json shape_recompile.json
  assert_equal "${stderr_lines[0]}" "shape_recompile.json:5:12: error: function 'total' is not in the baseline base.json (4 compilations); add it with --update-baseline"
}

@test "baseline: a malformed baseline file is reported at its position (exit 2), nothing run" {
  local text expected
  while IFS='|' read -r text expected; do
    printf '%b' "$text" >base.json
    run -2 --separate-stderr tjit explain-recompile --baseline base.json shape_recompile.json
    assert_output ''
    assert_equal "${stderr_lines[0]}" "$expected"
  done <<'ROWS'
{"version": 1,\n "compilations": {"a": 1,}}|base.json:2:26: error: invalid JSON: expected a string key after ',', found '}'
[1]|base.json:1:1: error: a baseline is a JSON object, not an array
{"version": 2, "compilations": {}}|base.json:1:13: error: version: unsupported baseline version (expected 1, found another integer)
{"version": 1, "compilations": {"a": "1"}}|base.json:1:38: error: compilations.a: expected a count of compilations (0 to 2147483647), found a string
{"version": 1, "compilations": {"a": -1}}|base.json:1:38: error: compilations.a: expected a count of compilations (0 to 2147483647), found an integer out of range
{"version": 1, "compilations": {}, "extra": 0}|base.json:1:36: error: unknown key 'extra' (expected "version" and "compilations")
{"version": 1}|base.json:1:1: error: missing key 'compilations'
{"version": 1, "compilations": {"a": 1, "a": 2}}|base.json:1:41: error: compilations: duplicate key 'a'
ROWS
  run -2 --separate-stderr tjit explain-recompile --baseline missing.json shape_recompile.json
  assert_equal "$stderr" "tjit: error: cannot open 'missing.json': No such file or directory"
}

@test "baseline: --update-baseline writes nothing when a spec fails" {
  echo '{"version": 1, "compilations": {}}' >base.json
  echo '{"tjit": 1, "source": "float f(float x) { return x; }", "args": [1.0]}' >no-calls.json
  run -2 --separate-stderr tjit explain-recompile --baseline base.json --update-baseline shape_recompile.json no-calls.json
  assert_equal "${stderr_lines[-2]}" "tjit explain-recompile: error: the baseline base.json was not written: a spec failed"
  assert_equal "$(cat base.json)" '{"version": 1, "compilations": {}}'
}

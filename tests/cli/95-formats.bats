#!/usr/bin/env bats
# Failures in machine-readable form (tjit(1), DIAGNOSTICS): with --format
# json stdout is one complete JSON document, failures included; with
# --format github an ::error workflow command per error; text on stderr in
# every format. Then: a lost standard output is exit 70 for every command,
# and graph's -o (- is stdout, the extension names the format). Each
# expected text was checked by hand against the diagnostics tjit prints
# as text; the GitHub escapes follow GitHub's toolkit (%25 %0D %0A in the
# message, also %3A %2C in properties).
load helper
bats_require_minimum_version 1.5.0

setup() {
  cd "$BATS_TEST_TMPDIR"
  write_cli_specs
  printf '{"tjit": 1, "source": "float f(float x) { return x +; }", "args": [1.0]}\n' >syntax.json
  printf '{"tjit": 1, "source": "float f(float x) { return x; }", "args": [1.0], }\n' >badjson.json
}

# The error of second-call-fails.json's call 1, as JSON and as GitHub's message.
bool_error='{"kind": "TracerBoolConversionError", "message": "Attempted boolean conversion of traced array with shape bool[].", "file": "second-call-fails.json", "line": 3, "column": 33, "notes": [{"message": "The error occurred while tracing the function f at second-call-fails.json:2 for jit. This concrete value was not available in Python because it depends on the value of the argument x.", "file": null, "line": null, "column": null}, {"message": "See https://docs.jax.dev/en/latest/errors.html#jax.errors.TracerBoolConversionError", "file": null, "line": null, "column": null}], "hints": ["mark '"'x'"' static (\"static_argnames\"), or use where(pred, a, b) to select between traced values, or enable autograph (--autograph) to record the if as a cond"]}'
bool_github_message="TracerBoolConversionError: Attempted boolean conversion of traced array with shape bool[].%0Anote: The error occurred while tracing the function f at second-call-fails.json:2 for jit. This concrete value was not available in Python because it depends on the value of the argument x.%0Ahint: mark 'x' static (\"static_argnames\"), or use where(pred, a, b) to select between traced values, or enable autograph (--autograph) to record the if as a cond%0Anote: See https://docs.jax.dev/en/latest/errors.html#jax.errors.TracerBoolConversionError"
bool_text="second-call-fails.json:3:33: error: TracerBoolConversionError: Attempted boolean conversion of traced array with shape bool[].
    3 |   if (n > 0) { if (x > 0) return x; }
      |                    ^~~~~
note: The error occurred while tracing the function f at second-call-fails.json:2 for jit. This concrete value was not available in Python because it depends on the value of the argument x.
hint: mark 'x' static (\"static_argnames\"), or use where(pred, a, b) to select between traced values, or enable autograph (--autograph) to record the if as a cond
note: See https://docs.jax.dev/en/latest/errors.html#jax.errors.TracerBoolConversionError"

# --- --format json ------------------------------------------------------------

@test "formats: run --format json with a failing call is one document jq reads" {
  run -1 --separate-stderr tjit run --format json second-call-fails.json
  assert_output '{"version": 1, "calls": [{"call": 0, "outputs": [{"dtype": "f32", "shape": [], "data": 2.0}]}], "failed_call": 1, "error": '"$bool_error"'}'
  assert_equal "$stderr" "$bool_text"
  run -0 jq -c '[.calls[].call, .failed_call, .error.kind, .error.line, .error.column]' <<<"$output"
  assert_output '[0,1,"TracerBoolConversionError",3,33]'
}

@test "formats: run --format json with a spec error is {\"error\": ...}" {
  run -2 --separate-stderr tjit run --format json badjson.json
  assert_output '{"version": 1, "error": {"kind": "spec", "message": "invalid JSON: expected a string key after '"','"', found '"'}'"'", "file": "badjson.json", "line": 1, "column": 72, "notes": [{"message": "JSON does not allow a comma before the closing bracket", "file": null, "line": null, "column": null}], "hints": []}}'
  run -0 jq -r .error.kind <<<"$output"
  assert_output spec
}

@test "formats: trace --format json puts trace, syntax, usage and io errors on stdout" {
  run -1 --separate-stderr tjit trace --format json --call 1 second-call-fails.json
  assert_output '{"version": 1, "error": '"$bool_error"'}'
  assert_equal "$stderr" "$bool_text"
  run -1 --separate-stderr tjit trace --format json syntax.json
  assert_output '{"version": 1, "error": {"kind": "syntax", "message": "expected expression, saw '"';'"'", "file": "syntax.json", "line": 1, "column": 53, "notes": [], "hints": []}}'
  run -2 --separate-stderr tjit trace --format json --call 5 second-call-fails.json
  assert_output '{"version": 1, "error": {"kind": "usage", "message": "invalid --call '"'5'"' (the spec has 2 calls)", "file": null, "line": null, "column": null, "notes": [], "hints": []}}'
  assert_equal "$stderr" "tjit trace: error: invalid --call '5' (the spec has 2 calls)
usage: tjit trace [OPTIONS] SPEC"
  run -2 --separate-stderr tjit trace --format json no-such.json
  assert_output '{"version": 1, "error": {"kind": "io", "message": "cannot open '"'no-such.json'"': No such file or directory", "file": null, "line": null, "column": null, "notes": [], "hints": []}}'
}

@test "formats: JSON strings stay valid for bytes that are not UTF-8" {
  run -2 --separate-stderr tjit trace --format json $'\xff.json'
  assert_output '{"version": 1, "error": {"kind": "io", "message": "cannot open '"'"'\ufffd.json'"'"': No such file or directory", "file": null, "line": null, "column": null, "notes": [], "hints": []}}'
  run -0 jq -r .error.kind <<<"$output"
  assert_output io
}

@test "formats: check --format json lists the calls traced, and the failure" {
  run -0 --separate-stderr tjit check --format json double.json
  assert_output '{"version": 1, "traced": ["args", 0, 1]}'
  assert_equal "$stderr" ''
  run -1 --separate-stderr tjit check --format json second-call-fails.json
  assert_output '{"version": 1, "traced": [0], "failed_call": 1, "error": '"$bool_error"'}'
  assert_equal "$stderr" "$bool_text"
}

@test "formats: explain-recompile --format json puts its errors and the budget's on stdout" {
  run -2 --separate-stderr tjit explain-recompile --format json --what-if y=1 second-call-fails.json
  assert_output '{"version": 1, "error": {"kind": "usage", "message": "--what-if: '"'y'"' is not a parameter of f", "file": null, "line": null, "column": null, "notes": [], "hints": []}}'
  assert_equal "$stderr" "tjit: error: --what-if: 'y' is not a parameter of f"
  run -2 --separate-stderr tjit explain-recompile --format json --call 1 second-call-fails.json
  assert_output '{"version": 1, "error": {"kind": "usage", "message": "--call picks the call for --what-if: give --what-if too", "file": null, "line": null, "column": null, "notes": [], "hints": []}}'
  run -3 --separate-stderr tjit explain-recompile --format json --max-compiles 0 second-call-fails.json
  run -0 jq -c .error <<<"$output"
  assert_output '{"kind":"budget","message":"2 compilations exceed --max-compiles 0: call 0 is compilation 1","file":"second-call-fails.json","line":6,"column":12,"notes":[{"message":"the calls over the budget: 0, 1","file":null,"line":null,"column":null}],"hints":[]}'
}

@test "formats: cache --format json puts its errors on stdout" {
  run -2 --separate-stderr tjit cache --format json stat
  assert_output '{"version": 1, "error": {"kind": "usage", "message": "unknown action '"'stat'"' (expected '"'stats'"', '"'verify'"' or '"'clear'"')", "file": null, "line": null, "column": null, "notes": [], "hints": []}}'
  assert_equal "$stderr" "tjit cache: error: unknown action 'stat' (expected 'stats', 'verify' or 'clear')
hint: did you mean 'stats'?
usage: tjit cache [OPTIONS] stats|verify|clear"
  TJIT_CACHE_DIR=$PWD/double.json run -2 --separate-stderr tjit cache --format json stats
  assert_output '{"version": 1, "error": {"kind": "io", "message": "cannot read the cache directory '"'$PWD/double.json'"': Not a directory", "file": null, "line": null, "column": null, "notes": [], "hints": []}}'
}

# --- --format github ----------------------------------------------------------

@test "formats: check --format github: an ::error per error, notes and hints as lines" {
  run -1 --separate-stderr tjit check --format github second-call-fails.json
  assert_output "::error file=second-call-fails.json,line=3,col=33::$bool_github_message"
  assert_equal "$stderr" "$bool_text"
  run -2 --separate-stderr tjit check --format github badjson.json
  assert_output "::error file=badjson.json,line=1,col=72::invalid JSON: expected a string key after ',', found '}'%0Anote: JSON does not allow a comma before the closing bracket"
  run -0 --separate-stderr tjit check --format github double.json
  assert_output ''
}

@test "formats: --format github escapes %, : and , in the file property, % in the message" {
  mkdir 'a,b:c%d'
  cp second-call-fails.json 'a,b:c%d/s.json'
  run -1 --separate-stderr tjit check --format github 'a,b:c%d/s.json'
  assert_output "::error file=a%2Cb%3Ac%25d/s.json,line=3,col=33::${bool_github_message//second-call-fails.json/a,b:c%25d/s.json}"
}

@test "formats: explain-recompile --format github: spec errors and usage errors are ::error lines" {
  run -2 --separate-stderr tjit explain-recompile --format github badjson.json
  assert_output "::error file=badjson.json,line=1,col=72::invalid JSON: expected a string key after ',', found '}'%0Anote: JSON does not allow a comma before the closing bracket"
  run -2 --separate-stderr tjit explain-recompile --format github --what-if n=1 --call 7 second-call-fails.json
  assert_output "::error::invalid --call '7' (the spec has 2 calls)"
  printf '{"tjit": 1, "source": "float f(float x) { return x; }", "args": [1.0]}\n' >nocalls.json
  run -2 --separate-stderr tjit explain-recompile --format github nocalls.json
  assert_output '::error file=nocalls.json,line=1,col=1::the spec has no "calls" to replay'
}

# --- a lost standard output is exit 70 ----------------------------------------

@test "formats: every command exits 70 when standard output cannot be written" {
  [[ -w /dev/full ]] || skip "no /dev/full"
  local cmd
  for cmd in "--version" "--help" "help" "help trace" "trace --help" "trace double.json" \
             "trace --format json double.json" "check --format json double.json" "run double.json" \
             "run --reference --format json double.json" "emit-c double.json" "graph double.json" \
             "graph -o - double.json" "explain-recompile double.json" "cache stats" "cache clear" \
             "cache --format json stats"; do
    run -70 --separate-stderr bash -c "tjit $cmd >/dev/full"
    assert_equal "$stderr" "tjit: error: write error: No space left on device" || fail "tjit $cmd"
  done
}

@test "formats: a failing command whose output is lost exits 70 too, after its diagnostics" {
  [[ -w /dev/full ]] || skip "no /dev/full"
  run -70 --separate-stderr bash -c 'tjit run --format json second-call-fails.json >/dev/full'
  assert_equal "$stderr" "$bool_text
tjit: error: write error: No space left on device"
}

@test "formats: check's text form writes nothing, so /dev/full is no failure" {
  [[ -w /dev/full ]] || skip "no /dev/full"
  run -0 --separate-stderr bash -c 'tjit check double.json >/dev/full'
  assert_equal "$stderr" ''
}

# --- graph -o -------------------------------------------------------------------

@test "graph: -o - writes to standard output, not to a file named -" {
  tjit graph double.json >expected.dot
  run -0 --separate-stderr tjit graph -o - double.json
  assert_output "$(cat expected.dot)"
  [[ ! -e - ]] || fail "a file named '-' was created"
  tjit graph -o - --svg double.json | head -1 | grep -qF '<?xml'
}

@test "graph: the format follows -o's extension unless an option names one" {
  tjit graph double.json >expected.dot
  tjit graph -o out.png double.json
  assert_equal "$(head -c 8 out.png | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a
  tjit graph -o out.PDF double.json
  assert_equal "$(head -c 5 out.PDF)" '%PDF-'
  tjit graph -o out.svg double.json
  xmllint --noout out.svg
  tjit graph -o out.dot double.json
  tjit graph -o out.gv double.json
  tjit graph -o out.txt double.json
  tjit graph -o out double.json
  for f in out.dot out.gv out.txt out; do cmp expected.dot "$f"; done
  # an option wins over the extension, as with curl and gcc
  tjit graph --svg -o svg.png double.json
  xmllint --noout svg.png
  tjit graph --format dot -o dot.svg double.json
  cmp expected.dot dot.svg
}

@test "graph: two different format options are a usage error" {
  run -2 --separate-stderr tjit graph --svg --png double.json
  assert_output ''
  assert_equal "$stderr" "tjit graph: error: conflicting formats --svg and --png (give one)
usage: tjit graph [OPTIONS] SPEC"
  run -2 --separate-stderr tjit graph --format pdf --dot -o x.svg double.json
  assert_equal "$stderr" "tjit graph: error: conflicting formats --pdf and --dot (give one)
usage: tjit graph [OPTIONS] SPEC"
  [[ ! -e x.svg ]]
  # the same format twice is no conflict
  run -0 tjit graph --svg --format svg -o same.svg double.json
  xmllint --noout same.svg
}

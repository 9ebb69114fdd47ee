#!/usr/bin/env bats
# Terminal conventions (tjit(1), COLOURS and PROGRESS): --color=auto|always
# |never, NO_COLOR, GCC_COLORS and TERM; gcc's colours in the diagnostics
# and explain-recompile's report; the progress line of long work on a
# terminal. A terminal is script(1)'s pseudo-terminal. The expected escapes
# are gcc's, as gcc 12 prints them here (`gcc -fdiagnostics-color=always`
# on a C file with an error, a note and a warning, read with cat -v):
# ESC[01m ESC[K file:line:col: ESC[m ESC[K, then ESC[01;31m ESC[K error: ESC[m
# ESC[K, the span and the ^~~ in the level's colour, 'names' bold.
load helper
bats_require_minimum_version 1.5.0

setup() {
  cd "$BATS_TEST_TMPDIR"
  unset NO_COLOR GCC_COLORS # the caller's own settings must not change what is tested
  printf '%s\n' '{"source": ["float f(float x) {", "  if (x > 0) return x * 2;", "  return x;", "}"], "args": {"x": {"dtype": "f32", "shape": []}}}' >bool.json
  cp "$CASES_DIR/call-entry-default-explain-static.json" explain.json
}

E=$'\e'
# sgr PARAMS TEXT: TEXT in colour as gcc wraps it.
sgr() { printf '%s[%sm%s[K%s%s[m%s[K' "$E" "$1" "$E" "$2" "$E" "$E"; }

plain_text="bool.json:1:42: error: TracerBoolConversionError: Attempted boolean conversion of traced array with shape bool[].
    1 |   if (x > 0) return x * 2;
      |       ^~~~~
note: The error occurred while tracing the function f at bool.json:1 for jit. This concrete value was not available in Python because it depends on the value of the argument x.
hint: mark 'x' static (\"static_argnames\"), or use where(pred, a, b) to select between traced values, or enable autograph (--autograph) to record the if as a cond
note: See https://docs.jax.dev/en/latest/errors.html#jax.errors.TracerBoolConversionError"

# The same diagnostics in gcc's default colours; ERR: the error colour.
colored_text() {
  local err=${1:-01;31}
  printf '%s\n' "$(sgr 01 bool.json:1:42:) $(sgr "$err" 'error: ')TracerBoolConversionError: Attempted boolean conversion of traced array with shape bool[].
    1 |   if ($(sgr "$err" 'x > 0')) return x * 2;
      |       $(sgr "$err" '^~~~~')
$(sgr '01;36' 'note: ')The error occurred while tracing the function f at bool.json:1 for jit. This concrete value was not available in Python because it depends on the value of the argument x.
$(sgr '01;36' 'hint: ')mark '$(sgr 01 x)' static (\"static_argnames\"), or use where(pred, a, b) to select between traced values, or enable autograph (--autograph) to record the if as a cond
$(sgr '01;36' 'note: ')See https://docs.jax.dev/en/latest/errors.html#jax.errors.TracerBoolConversionError"
}

# on_tty COMMAND...: runs the command with a terminal for stdin, stdout and
# stderr (both merged into script's output, CR LF made LF) and TERM=xterm.
on_tty() {
  local line
  printf -v line '%q ' "$@"
  script -qfec "env TERM=xterm $line" /dev/null | tr -d '\r'
}

# --- diagnostics ---------------------------------------------------------------

@test "color: --color=always gives gcc's colours: locus, error, span and caret, note, hint, quoted name" {
  run -1 --separate-stderr tjit check --color=always bool.json
  assert_equal "$stderr" "$(colored_text)"
  assert_output ''
}

@test "color: a diagnostic without a location colours 'tjit:' as gcc colours 'gcc:'" {
  run -2 --separate-stderr tjit trace --color=always nope.json
  assert_equal "$stderr" "$(sgr 01 tjit:) $(sgr '01;31' 'error: ')cannot open '$(sgr 01 nope.json)': No such file or directory"
}

@test "color: --color=never and auto on a file or pipe print the plain text" {
  run -1 --separate-stderr tjit check --color=never bool.json
  assert_equal "$stderr" "$plain_text"
  run -1 --separate-stderr tjit check bool.json
  assert_equal "$stderr" "$plain_text"
  TERM=xterm run -1 --separate-stderr tjit check --color=auto bool.json
  assert_equal "$stderr" "$plain_text"
}

@test "color: auto on a terminal colours; never on a terminal does not" {
  run on_tty tjit check bool.json
  assert_output "$(colored_text)"
  run on_tty tjit check --color=never bool.json
  assert_output "$plain_text"
}

@test "color: NO_COLOR set and not empty turns auto off; empty does not; --color=always still wins" {
  run on_tty env NO_COLOR=1 tjit check bool.json
  assert_output "$plain_text"
  run on_tty env NO_COLOR= tjit check bool.json
  assert_output "$(colored_text)"
  run -1 --separate-stderr env NO_COLOR=1 tjit check --color=always bool.json
  assert_equal "$stderr" "$(colored_text)"
}

@test "color: TERM=dumb or unset turns auto off, as in gcc" {
  run script -qfec "env TERM=dumb tjit check bool.json" /dev/null
  assert_equal "$(tr -d '\r' <<<"$output")" "$plain_text"
  run script -qfec "env -u TERM tjit check bool.json" /dev/null
  assert_equal "$(tr -d '\r' <<<"$output")" "$plain_text"
}

@test "color: GCC_COLORS is read as gcc reads it; empty means no colour even with --color=always" {
  run -1 --separate-stderr env GCC_COLORS='error=01;33:bogus=7:note=01;36' tjit check --color=always bool.json
  assert_equal "$stderr" "$(colored_text '01;33')"
  run -1 --separate-stderr env GCC_COLORS= tjit check --color=always bool.json
  assert_equal "$stderr" "$plain_text"
  # a later pair wins; tjit's own capability hit is read too
  run -0 env GCC_COLORS='error=4:hit=01;32:error=01;31' tjit explain-recompile --color=always explain.json
  assert_line --index 3 "$(sgr 01 explain.json:59:5:) call 2: $(sgr '01;32' hit) (compiled for call 0)"
  # a value that is not digits and ';' ends the reading (gcc's rule): error keeps its default
  run -1 --separate-stderr env GCC_COLORS='error=red' tjit check --color=always bool.json
  assert_equal "$stderr" "$(colored_text)"
}

@test "color: an unknown --color value is a usage error" {
  run -2 --separate-stderr tjit check --color=sometimes bool.json
  assert_equal "$stderr" "tjit check: error: invalid --color 'sometimes' (expected 'auto', 'always' or 'never')
usage: tjit check [OPTIONS] SPEC..."
}

@test "color: tjit's own errors are coloured as gcc's 'gcc: error:', from where --color stands" {
  run -2 --separate-stderr tjit check --color=always --bogus bool.json
  assert_equal "$stderr" "$(sgr 01 'tjit check:') $(sgr '01;31' 'error: ')unknown option '--bogus'
usage: tjit check [OPTIONS] SPEC..."
  run -2 --separate-stderr tjit check --color=always --call 5 bool.json
  assert_equal "$stderr" "$(sgr 01 'tjit check:') $(sgr '01;31' 'error: ')unknown option '--call'
usage: tjit check [OPTIONS] SPEC..."
  run -2 --separate-stderr tjit check --bogus --color=always bool.json
  assert_equal "$stderr" "tjit check: error: unknown option '--bogus'
usage: tjit check [OPTIONS] SPEC..."
  run -2 --separate-stderr tjit run --color=always --call 5 bool.json
  assert_equal "$stderr" "$(sgr 01 'tjit run:') $(sgr '01;31' 'error: ')invalid --call '5' (the spec has no calls)
usage: tjit run [OPTIONS] SPEC..."
}

@test "color: on a terminal, an unknown command's error and its hint are coloured" {
  run on_tty tjit chek bool.json
  assert_output "$(sgr 01 tjit:) $(sgr '01;31' 'error: ')unknown command 'chek'
$(sgr '01;36' 'hint: ')did you mean 'check'?"
}

@test "color: run's warnings are coloured as gcc's 'warning:'" {
  touch notadir
  run -1 --separate-stderr env TJIT_CACHE_DIR="$PWD/notadir" tjit run --color=always bool.json
  assert_equal "${stderr%%$'\n'*}" "$(sgr 01 'tjit run:') $(sgr '01;35' 'warning: ')the cache directory '$PWD/notadir' is not a directory; running without the disk cache"
}

@test "color: every command takes --color" {
  local cmd
  for cmd in trace graph check emit-c run help explain-recompile cache; do
    run tjit "$cmd" --help
    assert_line "      --color WHEN      colour diagnostics and reports: auto (default), always or never"
  done
}

# --- explain-recompile's report ------------------------------------------------

@test "color: explain-recompile's text report: compile, hit, classes, locations, names and hints" {
  local l=01 q=01 w='01;35' h=32 n='01;36'
  run -0 --separate-stderr tjit explain-recompile --color=always explain.json
  assert_output "$(sgr $l explain.json:10:5:) call 0: $(sgr $w compile): first call
$(sgr $l explain.json:34:5:) call 1: $(sgr $w compile): never seen signature; closest seen signature (call 0) has 1 mismatch:
  * argument '$(sgr $q lr)': given now and left out before (left out, it is no argument of the call: its default applies)
$(sgr $l explain.json:59:5:) call 2: $(sgr $h hit) (compiled for call 0)
$(sgr $l explain.json:83:5:) call 3: $(sgr $w compile): never seen signature; closest seen signature (call 0) has 1 mismatch:
  * argument '$(sgr $q k)': given now and left out before (left out, it is no argument of the call: its default applies)
4 calls, 3 compilations, 1 hit

$(sgr $l explain.json:4:25:) traced argument '$(sgr $q x)': f32[3] in every call, caused no compilation
$(sgr $l explain.json:4:35:) traced argument '$(sgr $q g)': f32[3] in every call, caused no compilation
$(sgr $l explain.json:4:44:) static argument '$(sgr $q lr)': $(sgr $w constant): 2 values ((left out: its default), 0.5), caused 1 compilation
  it is only folded into arithmetic: the traces of the 3 compiled signatures use it only as literal values in equations
  $(sgr $n hint:) make '$(sgr $q lr)' traced (not static): that would have avoided 0 of the 3 compilations
$(sgr $l explain.json:4:65:) static argument '$(sgr $q k)': $(sgr $h structural): 2 values ((left out: its default), 3), caused 1 compilation
  it shapes the program: tracing call 3 used it (or a value computed from it) to decide control flow (an if, a loop, ?:, && or ||), so these recompilations are genuine"
  assert_equal "$stderr" ''
}

# auto looks at stdout for the report: a terminal there colours it.
@test "color: explain-recompile on a terminal colours the report; piped it is the golden text" {
  run on_tty tjit explain-recompile explain.json
  assert_line --index 0 "$(sgr 01 explain.json:10:5:) call 0: $(sgr '01;35' compile): first call"
  run -0 tjit explain-recompile explain.json
  assert_output "$(sed 's/call-entry-default-explain-static\.json/explain.json/' "$CASES_DIR/call-entry-default-explain-static.out")"
}

@test "color: --format json and github are never coloured" {
  run -0 tjit explain-recompile --color=always --format json explain.json
  refute_output --partial "$E"
  run -0 tjit explain-recompile --color=always --format github explain.json
  refute_output --partial "$E"
  run -1 --separate-stderr tjit check --color=always --format json bool.json
  refute_output --partial "$E"
}

# Colour adds escapes and nothing else: every explain-recompile case and
# the failing cases of the golden suite, with their escapes taken out, are
# their plain text byte for byte.
@test "color: --color=always minus its escapes is the plain text, for every explain and failing case" {
  local name words=() n=0 plain colored
  cd "$CASES_DIR"
  for name in $( (ls *.err; grep -l '^explain-recompile' *.args) | sed 's/\.[a-z]*$//' | sort -u); do
    golden_words "$name"
    plain=$(tjit "${words[@]}" 2>&1 </dev/null) || true
    colored=$(tjit "${words[@]}" --color=always 2>&1 </dev/null | sed 's/\x1b\[[0-9;]*m\x1b\[K//g') || true
    [[ $plain == "$colored" ]] || fail "$name: the coloured text differs from the plain one"
    n=$((n + 1))
  done
  ((n > 500)) || fail "only $n cases"
}

# --- progress ------------------------------------------------------------------

# A chain of 249 steps, fused: about 1,000 nodes in clusters, 1.5 to 5 s
# of layout (tests/cli/94-graph.bats has the cost model).
chain_spec() {
  printf '{"source": ["auto chain(float x[16]) { auto y = x; for (int i = 0; i < %d; i++) { y = sin(y) * cos(y) + y; } return y; }"], "args": {"x": {"dtype": "f32", "shape": [16]}}}' "$1"
}

@test "progress: a long graph layout shows a line on the terminal, rewritten and erased" {
  chain_spec 249 >chain.json
  run script -qfec "tjit graph --svg --fused chain.json -o chain.svg" /dev/null
  assert_success
  assert_output --regexp "^"$'\r'"$E\[Ktjit graph: laying out 998 nodes\.\.\. 1 s("$'\r'"$E\[Ktjit graph: [a-z0-9 ]+\.\.\. [0-9]+ s)*"$'\r'"$E\[K\$"
  grep -q '</svg>' chain.svg
}

@test "progress: nothing when stderr is not a terminal, nor for work under a second" {
  chain_spec 249 >chain.json
  run script -qfec "tjit graph --svg --fused chain.json -o chain.svg 2>err.txt" /dev/null
  assert_success
  assert_output ''
  [[ ! -s err.txt ]] || fail "stderr: $(cat -v err.txt)"
  chain_spec 5 >small.json
  run script -qfec "tjit graph --svg small.json -o small.svg" /dev/null
  assert_success
  assert_output ''
}

# 4,000 iterations of sin over a million floats: 2 s or more of run (over
# the default work budget: --max-work).
@test "progress: a long run shows its call on the terminal, erased before the result" {
  printf '%s\n' '{"source": ["auto f(float x[1000000]) {", "  auto body(auto i, auto acc) { return sin(acc) + x; }", "  return sum(fori_loop(0, 4000, body, x));", "}"], "args": {"x": {"dtype": "f32", "shape": [1000000], "fill": 0.5}}}' >slow.json
  run script -qfec "tjit run --threads 1 --max-work 100000000000 slow.json" /dev/null
  assert_success
  assert_output --regexp "^"$'\r'"$E\[Ktjit run: running args\.\.\. 1 s("$'\r'"$E\[Ktjit run: running args\.\.\. [0-9]+ s)*"$'\r'"$E\[Kargs: Array\("
  run script -qfec "tjit run --threads 1 --max-work 100000000000 slow.json 2>err.txt" /dev/null
  assert_success
  assert_output --regexp "^args: Array\("
  [[ ! -s err.txt ]] || fail "stderr: $(cat -v err.txt)"
}

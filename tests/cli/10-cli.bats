#!/usr/bin/env bats
# The command line itself: help, version, dispatch, usage errors, exit
# statuses, SPEC '-' on standard input. Texts that are tjit's own (not the
# library's diagnostics) are checked whole.

load helper
bats_require_minimum_version 1.5.0

main_help() {
  cat <<'TEXT'
usage: tjit [--version] [--help] COMMAND [OPTIONS] SPEC

Trace functions written in a C-like language into jaxprs, as jax.jit
does. SPEC is a JSON file holding the function, its static arguments
and example calls; '-' reads it from standard input.

commands:
  trace     print the jaxpr of one call
  graph     draw the jaxpr of one call with Graphviz
  check     validate the spec and trace every call
  emit-c    print the C generated for one call
  export    print one call's jaxpr as MLIR
  run       run calls of the function and print the results
  help      show help for tjit or one of its commands
  explain-recompile
            say which calls recompile and why
  cache     show, verify or clear the disk cache of compiled calls
  completion
            print a bash or zsh completion script

Run 'tjit help COMMAND' for the options of one command.
TEXT
}

trace_help() {
  cat <<'TEXT'
usage: tjit trace [OPTIONS] SPEC

Trace the spec's function for one call and print its jaxpr exactly as
JAX 0.10.x's make_jaxpr prints it. The call is "args" if the spec has
it, else calls[0]; --call and --args choose another. SPEC '-' reads
standard input. A jaxpr listing (a path ending in .jaxpr, or --jaxpr)
is read and printed back.

options:
      --call N          trace calls[N] (default: "args", else calls[0])
      --args JSON       trace with these arguments (a JSON array or object)
      --jaxpr           read SPEC as a jaxpr listing (as a path ending in .jaxpr is)
      --arg-npy NAME=FILE
                        give a listing's variable NAME the array in FILE (.npy; repeatable)
      --format FMT      output format: text (default) or json
  -o, --output FILE     write the result to FILE ('-': stdout)
      --autograph       turn traced if/while/?: into cond/while/select_n
      --no-autograph    trace Python-style even if the spec enables autograph
      --confine         read the spec's files only beneath its directory
      --color WHEN      colour diagnostics and reports: auto (default), always or never
  -h, --help            show this help
TEXT
}

check_help() {
  cat <<'TEXT'
usage: tjit check [OPTIONS] SPEC...

Load the spec, check it and its source, and trace "args" and every
entry of "calls", stopping at the first failure. Prints nothing and
exits 0 when all of them trace. SPEC '-' reads standard input.
--format json prints the calls traced and the error as JSON, --format
github the error as an ::error workflow command, --format sarif a
SARIF 2.1.0 log (no results when every call traces). Several specs, or
a directory (its *.json specs), are checked each alone, then summed up.

options:
      --format FMT      output format: text (default), json, github or sarif
  -o, --output FILE     write the result to FILE ('-': stdout)
  -j, --jobs N          with several specs, run N at once (default 1)
      --jaxpr           read SPEC as a jaxpr listing (as a path ending in .jaxpr is)
      --autograph       turn traced if/while/?: into cond/while/select_n
      --no-autograph    trace Python-style even if the spec enables autograph
      --confine         read the spec's files only beneath its directory
      --color WHEN      colour diagnostics and reports: auto (default), always or never
  -h, --help            show this help
TEXT
}

trace_usage='usage: tjit trace [OPTIONS] SPEC'
double_listing='{ lambda ; a:f32[]. let b:f32[] = mul a 2.0:f32[] in (b,) }'

setup() {
  cd "$BATS_TEST_TMPDIR"
  write_cli_specs
}

# --- help and version -------------------------------------------------------

# The libraries' versions as the packages installed here give them: each
# line must say what the library itself (or, for libtcc and the OpenBLAS
# --version never loads, the build) says.
@test "cli: --version prints the version, then each library's" {
  run -0 --separate-stderr tjit --version
  assert_output "tjit 0.1.0
libtcc $(dpkg-query -W -f='${Version}' libtcc-dev) (Debian's libtcc-dev at build time, linked in)
Graphviz $(pkg-config --modversion libgvc)
OpenBLAS $(pkg-config --modversion openblas) (not loaded; the version at build time)
cJSON $(pkg-config --modversion libcjson)
xxHash $(pkg-config --modversion libxxhash)
libsodium $(pkg-config --modversion libsodium)"
  assert_equal "$stderr" ''
}

@test "cli: --help and -h list the commands on stdout" {
  run -0 --separate-stderr tjit --help
  assert_output "$(main_help)"
  assert_equal "$stderr" ''
  run -0 tjit -h
  assert_output "$(main_help)"
}

@test "cli: help with no command is --help" {
  run -0 tjit help
  assert_output "$(main_help)"
}

@test "cli: no command prints usage on stderr and exits 2" {
  run -2 --separate-stderr tjit
  assert_output ''
  assert_equal "$stderr" "$(main_help)"
}

@test "cli: help trace and trace --help print the same text" {
  run -0 tjit help trace
  assert_output "$(trace_help)"
  run -0 tjit trace --help
  assert_output "$(trace_help)"
  run -0 tjit trace -h
  assert_output "$(trace_help)"
}

@test "cli: help check and check --help print the same text" {
  run -0 tjit help check
  assert_output "$(check_help)"
  run -0 tjit check --help
  assert_output "$(check_help)"
}

@test "cli: --help wins over a missing SPEC" {
  run -0 tjit trace --call 1 --help
  assert_output "$(trace_help)"
}

@test "cli: help of an unknown command suggests one" {
  run -2 --separate-stderr tjit help trcae
  assert_output ''
  assert_equal "$stderr" "tjit: error: unknown command 'trcae'
hint: did you mean 'trace'?"
}

# --- dispatch ---------------------------------------------------------------

@test "cli: unknown command suggests the closest and exits 2" {
  run -2 --separate-stderr tjit trcae x.json
  assert_output ''
  assert_equal "$stderr" "tjit: error: unknown command 'trcae'
hint: did you mean 'trace'?"
}

@test "cli: unknown command far from every command has no hint" {
  run -2 --separate-stderr tjit frobnicate
  assert_equal "$stderr" "tjit: error: unknown command 'frobnicate'"
}

@test "cli: unknown option before the command exits 2" {
  run -2 --separate-stderr tjit --verbose trace x.json
  assert_equal "$stderr" "tjit: error: unknown option '--verbose'
usage: tjit [--version] [--help] COMMAND [OPTIONS] SPEC"
}

# --- usage errors -----------------------------------------------------------

@test "cli: trace without SPEC is a usage error" {
  run -2 --separate-stderr tjit trace
  assert_output ''
  assert_equal "$stderr" "tjit trace: error: missing SPEC
$trace_usage"
}

@test "cli: check without SPEC is a usage error" {
  run -2 --separate-stderr tjit check
  assert_equal "$stderr" "tjit check: error: missing SPEC
usage: tjit check [OPTIONS] SPEC..."
}

@test "cli: two SPECs are a usage error" {
  run -2 --separate-stderr tjit trace double.json double.json
  assert_equal "$stderr" "tjit trace: error: unexpected argument 'double.json'
$trace_usage"
}

@test "cli: unknown long option suggests the closest" {
  run -2 --separate-stderr tjit trace --fromat json double.json
  assert_output ''
  assert_equal "$stderr" "tjit trace: error: unknown option '--fromat'
hint: did you mean '--format'?
$trace_usage"
}

@test "cli: unknown short option" {
  run -2 --separate-stderr tjit trace -x double.json
  assert_equal "$stderr" "tjit trace: error: unknown option '-x'
$trace_usage"
}

@test "cli: option of another command is unknown" {
  run -2 --separate-stderr tjit check --call 0 double.json
  assert_equal "$stderr" "tjit check: error: unknown option '--call'
usage: tjit check [OPTIONS] SPEC..."
}

@test "cli: option without its value" {
  run -2 --separate-stderr tjit trace double.json --call
  assert_equal "$stderr" "tjit trace: error: option '--call' requires a value
$trace_usage"
}

@test "cli: flag given a value" {
  run -2 --separate-stderr tjit trace --autograph=yes double.json
  assert_equal "$stderr" "tjit trace: error: option '--autograph' takes no value
$trace_usage"
}

@test "cli: --call must be a non-negative integer" {
  for bad in -1 x 1.5 '' ' 1' 99999999999999999999; do
    run -2 --separate-stderr tjit trace --call "$bad" double.json
    assert_equal "$stderr" "tjit trace: error: invalid --call '$bad' (expected a non-negative integer)
$trace_usage"
  done
}

@test "cli: --call past the spec's calls is a usage error" {
  run -2 --separate-stderr tjit trace --call 2 double.json
  assert_output ''
  assert_equal "$stderr" "tjit trace: error: invalid --call '2' (the spec has 2 calls)
$trace_usage"
}

@test "cli: --format takes text or json" {
  run -2 --separate-stderr tjit trace --format xml double.json
  assert_equal "$stderr" "tjit trace: error: invalid --format 'xml' (expected 'text' or 'json')
$trace_usage"
}

# --- trace ------------------------------------------------------------------

@test "trace: prints the listing of \"args\"" {
  run -0 --separate-stderr tjit trace double.json
  assert_output "$double_listing"
  assert_equal "$stderr" ''
}

@test "trace: --call picks a call and --format=json gives the listing too" {
  run -0 tjit trace --call 1 double.json
  assert_output "$double_listing"
  run -0 --separate-stderr tjit trace --format=json double.json
  assert_output --partial '"listing"'
  assert_output --regexp '^\{'
  assert_equal "$stderr" ''
}

@test "trace: options may follow SPEC, and -- ends the options" {
  run -0 tjit trace double.json --call 0
  assert_output "$double_listing"
  run -0 tjit trace -- double.json
  assert_output "$double_listing"
}

@test "trace: - reads the spec from standard input" {
  run -0 --separate-stderr tjit trace - <double.json
  assert_output "$double_listing"
  assert_equal "$stderr" ''
}

@test "trace: errors in a spec from standard input name <stdin>" {
  run -2 --separate-stderr tjit trace - <<<'{"tjit": 1,'
  assert_output ''
  [[ $stderr == '<stdin>:'* ]] || fail "stderr does not start with <stdin>: $stderr"
}

@test "trace: a missing spec file is a spec error naming it" {
  run -2 --separate-stderr tjit trace no-such-spec.json
  assert_output ''
  [[ $stderr == *"'no-such-spec.json'"* ]] || fail "stderr does not name the file: $stderr"
}

@test "trace: a trace error exits 1 with a located diagnostic" {
  run -1 --separate-stderr tjit trace --call 1 second-call-fails.json
  assert_output ''
  [[ $stderr == 'second-call-fails.json:'*' error: '* ]] ||
    fail "stderr is not a located diagnostic: $stderr"
}

# --- check ------------------------------------------------------------------

@test "check: silent with status 0 when every call traces" {
  run -0 --separate-stderr tjit check double.json
  assert_output ''
  assert_equal "$stderr" ''
}

@test "check: stops at the first failing call with status 1" {
  run -0 tjit trace --call 0 second-call-fails.json
  run -1 --separate-stderr tjit check second-call-fails.json
  assert_output ''
  [[ $stderr == 'second-call-fails.json:'*' error: '* ]] ||
    fail "stderr is not a located diagnostic: $stderr"
}

@test "check: - reads the spec from standard input" {
  run -0 --separate-stderr tjit check - <double.json
  assert_output ''
  assert_equal "$stderr" ''
}

# --- the golden helper itself -----------------------------------------------

@test "golden: passes on matching status, stdout and stderr" {
  mkdir cases
  printf '{}\n' >cases/usage.json
  printf 'trace --call x @\n' >cases/usage.args
  printf "tjit trace: error: invalid --call 'x' (expected a non-negative integer)\n%s\n" \
    "$trace_usage" >cases/usage.err
  CASES_DIR=$PWD/cases run golden usage 2
  assert_success
}

@test "golden: fails with a diff on a wrong stderr or status" {
  mkdir cases
  printf '{}\n' >cases/usage.json
  printf 'trace --call x @\n' >cases/usage.args
  printf 'something else\n' >cases/usage.err
  CASES_DIR=$PWD/cases run golden usage 2
  assert_failure
  assert_output --partial '-something else'
  printf "tjit trace: error: invalid --call 'x' (expected a non-negative integer)\n%s\n" \
    "$trace_usage" >cases/usage.err
  CASES_DIR=$PWD/cases run golden usage 1
  assert_failure
  assert_output --partial 'exit status: expected 1, got 2'
}

@test "golden: output expected where no .out exists fails" {
  mkdir cases
  printf '{}\n' >cases/help.json
  printf 'help\n' >cases/help.args
  CASES_DIR=$PWD/cases run golden help 0
  assert_failure
  assert_output --partial 'stdout differs'
}

# --- tests/run-golden: every case in tests/cases, found by file ---------------

# A case that passes: `tjit check` on double.json is silent and exits 0.
passing_case() {
  cp double.json "cases/$1.json"
  printf 'check @\n' >"cases/$1.args"
  printf '0\n' >"cases/$1.status"
}

@test "run-golden: runs every case and passes when all match" {
  mkdir cases
  passing_case b
  passing_case a
  printf 'trace @\n' >cases/c.args
  cp double.json cases/c.json
  printf '%s\n' "$double_listing" >cases/c.out
  printf '0\n' >cases/c.status
  CASES_DIR=$PWD/cases run -0 "$TJIT_ROOT/tests/run-golden"
  assert_output "1..3
ok 1 golden: a
ok 2 golden: b
ok 3 golden: c
# golden: 3 passed, 0 failed"
}

@test "run-golden: a wrong output or status, a missing status, an orphan and a stray file each fail" {
  mkdir cases cases/sub
  passing_case a
  passing_case b && printf 'something\n' >cases/b.out
  passing_case c && printf '1\n' >cases/c.status
  passing_case d && rm cases/d.status
  printf 'x\n' >cases/e.out && printf '0\n' >cases/e.status
  passing_case f && printf '256\n' >cases/f.status
  passing_case g && rm cases/g.json
  passing_case h && printf 'check double.json\n' >cases/h.args
  printf 'notes\n' >cases/notes.txt
  CASES_DIR=$PWD/cases run -1 "$TJIT_ROOT/tests/run-golden"
  local stray='not part of a golden case (NAME.json or NAME.args, NAME.status, NAME.out, NAME.err, NAME.note, NAME.c)'
  assert_output "1..10
ok 1 golden: a
not ok 2 golden: b
# stdout differs from $PWD/cases/b.out (--- expected, +++ actual):
# --- expected
# +++ actual
# @@ -1 +0,0 @@
# -something
# stderr was:
not ok 3 golden: c
# exit status: expected 1, got 0 (tjit check c.json)
# stderr was:
not ok 4 golden: d
# no d.status (the exit status the case must end with)
not ok 5 golden: e
# e.out, e.status: no e.json or e.args to run
not ok 6 golden: f
# f.status holds '256', not an exit status (0 to 255)
not ok 7 golden: g
# g.args runs @ but there is no g.json
not ok 8 golden: h
# h.json is never run: h.args has no @
not ok 9 golden: notes.txt
# notes.txt: $stray
not ok 10 golden: sub
# sub: $stray
# golden: 1 passed, 9 failed"
}

@test "run-golden: prints the cases in name order whatever order they finish in" {
  mkdir cases fake
  # A stand-in tjit that sleeps as long as its first word says.
  printf '#!/bin/sh\nsleep "$1"\necho "slept $1"\n' >fake/tjit
  chmod +x fake/tjit
  local name delay
  for name in a b c d; do
    case $name in a) delay=1 ;; b) delay=0.5 ;; *) delay=0 ;; esac
    printf '%s\n' "$delay" >"cases/$name.args"
    printf 'slept %s\n' "$delay" >"cases/$name.out"
    printf '0\n' >"cases/$name.status"
  done
  BUILD=$PWD/fake GOLDEN_JOBS=3 CASES_DIR=$PWD/cases run -0 "$TJIT_ROOT/tests/run-golden"
  assert_output "1..4
ok 1 golden: a
ok 2 golden: b
ok 3 golden: c
ok 4 golden: d
# golden: 4 passed, 0 failed"
}

@test "run-golden: an empty cases directory passes, a missing one fails" {
  mkdir cases
  CASES_DIR=$PWD/cases run -0 "$TJIT_ROOT/tests/run-golden"
  assert_output "1..0
# golden: 0 passed, 0 failed"
  CASES_DIR=$PWD/none run -1 "$TJIT_ROOT/tests/run-golden"
  assert_output "1..1
not ok 1 golden: $PWD/none: no such directory"
}

@test "update-golden: rewrites the status and outputs of existing cases and says what changed" {
  mkdir cases
  passing_case a
  passing_case b && printf '2\n' >cases/b.status && printf 'old\n' >cases/b.out
  cp double.json cases/c.json && printf '0\n' >cases/c.status
  cp double.json cases/d.json
  CASES_DIR=$PWD/cases run -0 "$TJIT_ROOT/tests/update-golden"
  assert_output "b.status: 2 -> 0
b.out: removed
c.out: created
d: skipped: no d.status (write the exit status it must end with)
update-golden: 3 cases, 3 files changed"
  assert_equal "$(cat cases/b.status)" 0
  [[ ! -e cases/b.out && ! -e cases/d.status ]]
  assert_equal "$(cat cases/c.out)" "$double_listing"
  rm cases/d.json
  CASES_DIR=$PWD/cases run -0 "$TJIT_ROOT/tests/run-golden"
  CASES_DIR=$PWD/cases run -0 "$TJIT_ROOT/tests/update-golden"
  assert_output "update-golden: 3 cases, 0 files changed"
}

# --- man pages --------------------------------------------------------------

@test "man: pages render without groff warnings" {
  for page in "$TJIT_ROOT"/man/*.[1-9]; do
    run --separate-stderr groff -man -Tutf8 -ww -z "$page"
    assert_equal "$stderr" ''
    assert_success
  done
}

# Both ways: the commands --help lists (a long name such as
# explain-recompile sits on a line of its own) and the pages man/ holds.
@test "man: every command but help has its page" {
  local commands pages
  commands=$(tjit --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\).*/\1/p' | grep -vx help | sort)
  pages=$(cd "$TJIT_ROOT/man" && ls tjit-*.1 | sed 's/^tjit-\(.*\)\.1$/\1/' | sort)
  [[ $commands == "$pages" ]] || fail "commands: "$commands" / pages: "$pages
}

#!/usr/bin/env bats
# The option tables (cmd/options.h): each command's --help made from its
# rows, and each kind of row's parser: its errors, its limits, a missing
# value, a value given to a flag, the same option twice. The expected texts
# are what tjit printed before options became data (commit 3f80c56), so
# these hold that change to the same bytes; 10-cli.bats has trace's and
# check's help and the errors common to every command.

load helper
bats_require_minimum_version 1.5.0

run_usage='usage: tjit run [OPTIONS] SPEC...'
graph_usage='usage: tjit graph [OPTIONS] SPEC'
explain_usage='usage: tjit explain-recompile [OPTIONS] SPEC...'
call0='call 0: Array(2., dtype=float32, weak_type=True)'
# The usage line of a command: check, run and explain-recompile take SPEC...
usage_of() {
  case $1 in
  check | run | explain-recompile) echo "usage: tjit $1 [OPTIONS] SPEC..." ;;
  *) echo "usage: tjit $1 [OPTIONS] SPEC" ;;
  esac
}

setup() {
  cd "$BATS_TEST_TMPDIR"
  write_cli_specs
}

# --- --help, made from the rows ---------------------------------------------

run_help() {
  cat <<'TEXT'
usage: tjit run [OPTIONS] SPEC...

Trace the spec's function for each call, generate C, compile it in
memory with libtcc and run it on the call's arguments, printing the
results as JAX prints them. By default every entry of "calls" runs
(else "args"); --call and --args choose one. Calls whose generated
code is the same share one compilation. Compiled calls are kept in
a disk cache ($TJIT_CACHE_DIR, else $XDG_CACHE_HOME/tjit, else
~/.cache/tjit; see tjit cache), so a later run of the same call
skips tracing and compiling. With --grad-check no result is printed:
each call's gradient is checked instead, w.J.v for a random direction
v and random cotangents w by reverse mode, forward mode and central
differences in float64 and by the compiled reverse mode (exit 1 on a
FAIL; see tjit-run(1), GRADIENT CHECK). Several specs, or a directory
(its *.json specs), run one after the other, each under a header.

options:
      --call N          run calls[N] only (default: every call, else "args")
      --args JSON       run with these arguments (a JSON array or object)
      --format FMT      output format: text (default) or json
  -o, --output FILE     write the result to FILE ('-': stdout)
      --out DIR         also write each result to DIR/call<N>_out<K>.npy
      --fill-random SEED
                        give arguments that have only a dtype and shape random values
      --check           also run the reference evaluator; a mismatch fails (exit 1)
      --time            print each call's trace, compile and run times to stderr
      --repeat N        run the compiled code N times; --time shows the median run
      --max-memory SIZE refuse a run estimated to need more (e.g. 4G; default 3/4 of RAM)
      --max-work N      stop a run after N elements of work (default 10000000000)
      --threads N       threads for large loops (default $TJIT_THREADS, else the online CPUs)
      --reference       run the reference evaluator instead of compiled code
      --grad-check      check each call's gradient: vjp against jvp and finite differences
      --no-cache        neither read nor write the disk cache of compiled calls
  -j, --jobs N          with several specs, run N at once (default 1)
      --jaxpr           read SPEC as a jaxpr listing (as a path ending in .jaxpr is)
      --arg-npy NAME=FILE
                        give a listing's variable NAME the array in FILE (.npy; repeatable)
      --autograph       turn traced if/while/?: into cond/while/select_n
      --no-autograph    trace Python-style even if the spec enables autograph
      --confine         read the spec's files only beneath its directory
      --dump-after PASS print the jaxpr to stderr after pass PASS (a developer's view)
      --color WHEN      colour diagnostics and reports: auto (default), always or never
  -h, --help            show this help
TEXT
}

graph_help() {
  cat <<'TEXT'
usage: tjit graph [OPTIONS] SPEC

Trace the spec's function for one call and draw its jaxpr: a node per
equation, input, output and literal, an edge per use labelled with its
aval, sub-jaxprs as nested clusters. Writes DOT text unless --svg, --png
or --pdf asks for a rendering (laid out by Graphviz's dot, in process).
The call is "args" if the spec has it, else calls[0]; --call and --args
choose another.

options:
      --call N          trace calls[N] (default: "args", else calls[0])
      --args JSON       trace with these arguments (a JSON array or object)
      --jaxpr           read SPEC as a jaxpr listing (as a path ending in .jaxpr is)
      --arg-npy NAME=FILE
                        give a listing's variable NAME the array in FILE (.npy; repeatable)
      --dot             write Graphviz DOT text (the default)
      --svg             render SVG
      --png             render PNG (binary: give -o FILE or redirect)
      --pdf             render PDF (binary: give -o FILE or redirect)
      --format FMT      the same as --FMT: dot, svg, png or pdf (one format only)
  -o, --output FILE     write to FILE ('-': stdout); format from its extension
      --rankdir DIR     TB (default: top to bottom) or LR (left to right)
      --fused           box the equations the C backend fuses into one loop
      --time            print the trace, build, layout and render times to stderr
      --autograph       turn traced if/while/?: into cond/while/select_n
      --no-autograph    trace Python-style even if the spec enables autograph
      --confine         read the spec's files only beneath its directory
      --dump-after PASS print the jaxpr to stderr after pass PASS (a developer's view)
      --color WHEN      colour diagnostics and reports: auto (default), always or never
  -h, --help            show this help
TEXT
}

explain_help() {
  cat <<'TEXT'
usage: tjit explain-recompile [OPTIONS] SPEC...

Replay the spec's "calls" in order against a jit cache keyed as JAX
keys it (function, static values by type and value, traced dtypes,
shapes and weak types, positional or keyword) and print, per call,
hit or compile with the reason. Then classify each static argument as
structural, constant or unused from traces of the compiled signatures,
and show which traced arguments' shapes caused compilations. Several
specs, or a directory (its *.json specs), get a report each; --baseline
holds each function's compilations to a committed file.

options:
      --what-if NAME=JSON
                        would a call with this argument changed hit? (repeatable)
      --call N          derive the --what-if call from calls[N] (default: the last)
      --max-compiles N  exit 3 when there are more than N compilations
      --baseline FILE   exit 3 when a function compiles more often than FILE says
      --update-baseline write the compilations to the --baseline FILE instead
      --format FMT      output format: text (default), json, github or sarif
  -o, --output FILE     write the result to FILE ('-': stdout)
  -j, --jobs N          with several specs, run N at once (default 1)
      --autograph       turn traced if/while/?: into cond/while/select_n
      --no-autograph    trace Python-style even if the spec enables autograph
      --confine         read the spec's files only beneath its directory
      --color WHEN      colour diagnostics and reports: auto (default), always or never
  -h, --help            show this help
TEXT
}

emit_c_help() {
  cat <<'TEXT'
usage: tjit emit-c [OPTIONS] SPEC

Trace the spec's function for one call and print the C program that
tjit run compiles for it with libtcc: one function, tj_entry, whose
elementwise chains are fused into loops. The call is "args" if the
spec has it, else calls[0]; --call and --args choose another.
--format json prints a document holding the C and its fusion plan.

options:
      --call N          trace calls[N] (default: "args", else calls[0])
      --args JSON       trace with these arguments (a JSON array or object)
      --jaxpr           read SPEC as a jaxpr listing (as a path ending in .jaxpr is)
      --arg-npy NAME=FILE
                        give a listing's variable NAME the array in FILE (.npy; repeatable)
      --fill-random SEED
                        give a listing's constvars without a value random values
      --format FMT      output format: text (the C, default) or json (the C and the fusion plan)
  -o, --output FILE     write the result to FILE ('-': stdout)
      --autograph       turn traced if/while/?: into cond/while/select_n
      --no-autograph    trace Python-style even if the spec enables autograph
      --confine         read the spec's files only beneath its directory
      --dump-after PASS print the jaxpr to stderr after pass PASS (a developer's view)
      --color WHEN      colour diagnostics and reports: auto (default), always or never
  -h, --help            show this help
TEXT
}

cache_help() {
  cat <<'TEXT'
usage: tjit cache [OPTIONS] stats|verify|clear

'stats' prints the cache's directory, its number of entries, their
total size in bytes, and the hits and misses of 'tjit run' since the
last clear. 'verify' checks each entry as 'tjit run' does before
loading it and says why it would refuse one (tjit-cache(1), TRUST
MODEL). 'clear' removes the cache's own files (entries, leftover
temporary files, the counters) and nothing else. The directory is
$TJIT_CACHE_DIR, else $XDG_CACHE_HOME/tjit, else ~/.cache/tjit.

options:
      --format FMT      output format: text (default) or json
  -o, --output FILE     write the result to FILE ('-': stdout)
      --color WHEN      colour diagnostics and reports: auto (default), always or never
  -h, --help            show this help
TEXT
}

help_help() {
  cat <<'TEXT'
usage: tjit help [COMMAND]

Without COMMAND, list the commands; with it, show that command's usage
and options (the same text as 'tjit COMMAND --help').

options:
      --color WHEN      colour diagnostics and reports: auto (default), always or never
  -h, --help            show this help
TEXT
}

completion_help() {
  cat <<'TEXT'
usage: tjit completion [OPTIONS] bash|zsh

Print the script that completes tjit's commands, their options, the
options' values (--format's words, files for -o) and spec files in
SHELL, made from the commands' own tables. To try it in bash:
  source <(tjit completion bash)
make install installs both scripts where bash-completion and zsh
find them.

options:
  -h, --help            show this help
TEXT
}

# A label as wide as the help column or wider (--fill-random SEED,
# --what-if NAME=JSON) puts its help on the next line.
@test "options: every command's help, whole, from help CMD, CMD --help and CMD -h" {
  local cmd fn
  for cmd in run graph explain-recompile emit-c cache help completion; do
    fn=${cmd%%-*}_help
    [[ $cmd == emit-c ]] && fn=emit_c_help
    run -0 --separate-stderr tjit help "$cmd"
    assert_output "$($fn)"
    assert_equal "$stderr" ''
    run -0 tjit "$cmd" --help
    assert_output "$($fn)"
    run -0 tjit "$cmd" -h
    assert_output "$($fn)"
  done
}

@test "options: --help acts where it stands: an error before it wins" {
  run -0 tjit run -h --bogus
  assert_output "$(run_help)"
  run -2 --separate-stderr tjit run --bogus -h
  assert_output ''
  assert_equal "$stderr" "tjit run: error: unknown option '--bogus'
$run_usage"
}

# --- integers: plain decimals within a range --------------------------------

@test "options: --repeat takes 1 to 1000, digits only" {
  local bad
  for bad in 0 1001 -1 +1 ' 1' 1e3 x '' 99999999999999999999; do
    run -2 --separate-stderr tjit run --repeat "$bad" double.json
    assert_output ''
    assert_equal "$stderr" "tjit run: error: invalid --repeat '$bad' (expected 1 to 1000)
$run_usage"
  done
  run -0 tjit run --repeat 1000 --call 0 double.json
  assert_output "$call0"
  run -0 tjit run --repeat 001 --call 0 double.json
  assert_output "$call0"
}

@test "options: --max-compiles takes 0 to 2147483647" {
  local bad
  for bad in -1 +1 x '' 2147483648; do
    run -2 --separate-stderr tjit explain-recompile --max-compiles "$bad" double.json
    assert_output ''
    assert_equal "$stderr" "tjit explain-recompile: error: invalid --max-compiles '$bad' (expected a non-negative integer)
$explain_usage"
  done
  run -0 tjit explain-recompile --max-compiles 2147483647 double.json
  assert_line --index 2 '2 calls, 1 compilation, 1 hit'
}

@test "options: --max-work refuses a sign, blanks and a value past a long long" {
  local bad
  for bad in ' 5' +5 9223372036854775808; do
    run -2 --separate-stderr tjit run --max-work "$bad" double.json
    assert_equal "$stderr" "tjit run: error: invalid --max-work '$bad' (expected a number of elements, 1 or more)
$run_usage"
  done
}

@test "options: --fill-random takes a seed, 0 or more" {
  local bad
  for bad in -1 x '' 1.5 9223372036854775808; do
    run -2 --separate-stderr tjit run --fill-random "$bad" double.json
    assert_output ''
    assert_equal "$stderr" "tjit run: error: invalid --fill-random '$bad' (expected a seed, 0 or more)
$run_usage"
  done
  run -0 tjit run --fill-random 9223372036854775807 --call 0 double.json
  assert_output "$call0"
}

@test "options: --max-memory's largest value is 8388607T" {
  run -0 tjit run --max-memory 8388607T --call 0 double.json
  assert_output "$call0"
  run -2 --separate-stderr tjit run --max-memory 8388608T double.json
  assert_equal "$stderr" "tjit run: error: invalid --max-memory '8388608T' (expected bytes, or a number with K, M, G or T)
$run_usage"
}

# --- choices: one of a list of words ----------------------------------------

@test "options: each --format lists its own words" {
  run -2 --separate-stderr tjit run --format github double.json
  assert_equal "$stderr" "tjit run: error: invalid --format 'github' (expected 'text' or 'json')
$run_usage"
  run -2 --separate-stderr tjit cache --format xml stats
  assert_equal "$stderr" "tjit cache: error: invalid --format 'xml' (expected 'text' or 'json')
usage: tjit cache [OPTIONS] stats|verify|clear"
  run -2 --separate-stderr tjit explain-recompile --format xml double.json
  assert_output ''
  assert_equal "$stderr" "tjit explain-recompile: error: invalid --format 'xml' (expected 'text', 'json', 'github' or 'sarif')
$explain_usage"
  run -2 --separate-stderr tjit graph --format= double.json
  assert_equal "$stderr" "tjit graph: error: invalid --format '' (expected 'dot', 'svg', 'png' or 'pdf')
$graph_usage"
}

@test "options: choice words are case-sensitive" {
  run -2 --separate-stderr tjit graph --rankdir lr double.json
  assert_equal "$stderr" "tjit graph: error: invalid --rankdir 'lr' (expected 'TB' or 'LR')
$graph_usage"
  run -2 --separate-stderr tjit trace --format JSON double.json
  assert_equal "$stderr" "tjit trace: error: invalid --format 'JSON' (expected 'text' or 'json')
usage: tjit trace [OPTIONS] SPEC"
}

# --- a value missing, or given to a flag -------------------------------------

# Each row: the command, the option as given, the name the error gives.
@test "options: each kind of option without its value" {
  local row cmd option name
  for row in trace:--args:args run:--out:out graph:-o:output graph:--output:output \
    run:--repeat:repeat explain-recompile:--max-compiles:max-compiles run:--format:format \
    graph:--rankdir:rankdir graph:--format:format run:--fill-random:fill-random \
    run:--max-memory:max-memory explain-recompile:--what-if:what-if; do
    IFS=: read -r cmd option name <<<"$row"
    run -2 --separate-stderr tjit "$cmd" double.json "$option"
    assert_output ''
    assert_equal "$stderr" "tjit $cmd: error: option '--$name' requires a value
$(usage_of "$cmd")"
  done
}

@test "options: a flag given a value" {
  local row cmd option name
  for row in run:--check=1:check run:--no-autograph=1:no-autograph trace:--confine=yes:confine \
    graph:--svg=1:svg graph:--help=x:help; do
    IFS=: read -r cmd option name <<<"$row"
    run -2 --separate-stderr tjit "$cmd" "$option" double.json
    assert_equal "$stderr" "tjit $cmd: error: option '--$name' takes no value
$(usage_of "$cmd")"
  done
}

# --- the same option twice, abbreviations, operands --------------------------

@test "options: given twice, the last one counts" {
  run -0 tjit trace --format json --format text double.json
  assert_output '{ lambda ; a:f32[]. let b:f32[] = mul a 2.0:f32[] in (b,) }'
  run -0 tjit run --call 1 --call 0 double.json
  assert_output "$call0"
  run -0 tjit graph --rankdir LR --rankdir TB double.json
  assert_line --index 3 $'\t\trankdir=TB,'
  run -2 --separate-stderr tjit trace --call 1 --call x double.json
  assert_equal "$stderr" "tjit trace: error: invalid --call 'x' (expected a non-negative integer)
usage: tjit trace [OPTIONS] SPEC"
}

@test "options: --what-if is repeatable up to 64 times" {
  local args=() i
  for i in $(seq 64); do args+=(--what-if "x=$i.0"); done
  run -0 tjit explain-recompile "${args[@]}" double.json
  run -2 --separate-stderr tjit explain-recompile "${args[@]}" --what-if x=65.0 double.json
  assert_output ''
  assert_equal "$stderr" "tjit explain-recompile: error: too many --what-if options (limit is 64)
$explain_usage"
}

# getopt_long takes a long option's unambiguous prefix.
@test "options: a prefix names the one option it begins, and no option if two" {
  run -0 tjit run --form json --call 0 double.json
  assert_output '{"version": 1, "calls": [{"call": 0, "outputs": [{"dtype": "f32", "shape": [], "data": 2.0}]}]}'
  run -2 --separate-stderr tjit run --no double.json
  assert_equal "$stderr" "tjit run: error: unknown option '--no'
$run_usage"
}

@test "options: after --, an option's name is an operand" {
  run -2 --separate-stderr tjit trace double.json -- --call
  assert_equal "$stderr" "tjit trace: error: unexpected argument '--call'
usage: tjit trace [OPTIONS] SPEC"
  run -2 --separate-stderr tjit help trace run
  assert_equal "$stderr" "tjit help: error: unexpected argument 'run'
usage: tjit help [COMMAND]"
}

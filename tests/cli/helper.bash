# Shared set-up for the CLI tests: the bats libraries, the tjit under test
# on PATH, and `golden NAME STATUS`, which runs a case of tests/cases.
# tests/run-golden (which runs every case) and tests/update-golden source
# it too, outside bats (no `load` there).
if declare -F load >/dev/null; then
  load /usr/lib/bats/bats-support/load.bash
  load /usr/lib/bats/bats-assert/load.bash
fi

TJIT_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
TJIT_BUILD=${BUILD:-build}
[[ $TJIT_BUILD == /* ]] || TJIT_BUILD="$TJIT_ROOT/$TJIT_BUILD"
CASES_DIR=${CASES_DIR:-$TJIT_ROOT/tests/cases}
PATH="$TJIT_BUILD:$PATH"
export PATH TJIT_ROOT TJIT_BUILD CASES_DIR
# Each test gets an empty disk cache of its own, never the user's, and a
# cache key of its own (made by the first run), outside the cache.
if [[ -n ${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-}} ]]; then
  export TJIT_CACHE_DIR="${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}/tjit-cache"
  export TJIT_CACHE_KEY="${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}/tjit-key/cache.key"
fi

# Sets the variable named $1 to the whole content of file $2, trailing
# newlines kept: a builtin read, where $(cat) would cost two processes per
# file, four per case.
_golden_read() { IFS= read -r -d '' "$1" <"$2" || true; }

# Fails with a unified diff when the text differs from the file's content
# (a missing file stands for "no output").
_golden_compare() {
  local what=$1 actual=$2 expected_file=$3 expected=""
  [[ -f $expected_file ]] && _golden_read expected "$expected_file"
  [[ $actual == "$expected" ]] && return 0
  echo "$what differs from ${expected_file#"$TJIT_ROOT"/} (--- expected, +++ actual):"
  diff -u --label expected --label actual <(printf '%s' "$expected") <(printf '%s' "$actual")
  return 1
}

# Sets words to the command line of case NAME: the whitespace-separated
# words of NAME.args (no quoting: write JSON without spaces), @ replaced by
# NAME.json; default "trace @". Shared with tests/update-golden.
golden_words() {
  local name=$1 i
  words=(trace @)
  if [[ -f $CASES_DIR/$name.args ]]; then
    read -r -d '' -a words < "$CASES_DIR/$name.args" || true
  fi
  for i in "${!words[@]}"; do
    if [[ ${words[$i]} == @ ]]; then words[i]=$name.json; fi
  done
  return 0
}

# golden NAME STATUS: runs tjit on tests/cases/NAME.json from inside
# tests/cases, with the words of NAME.args (@ stands for NAME.json; default
# "trace @"), and checks the exit status, the whole stdout against NAME.out
# and the whole stderr against NAME.err (each empty if its file is missing).
golden() {
  local name=$1 want_status=$2 words=() out err status failed=0
  local outfile errfile
  golden_words "$name"
  outfile=$(mktemp) errfile=$(mktemp)
  status=0
  (cd "$CASES_DIR" && tjit "${words[@]}" >"$outfile" 2>"$errfile" </dev/null) || status=$?
  _golden_read out "$outfile"
  _golden_read err "$errfile"
  rm -f "$outfile" "$errfile"
  if [[ $status -ne $want_status ]]; then
    echo "exit status: expected $want_status, got $status (tjit ${words[*]})"
    failed=1
  fi
  _golden_compare stdout "$out" "$CASES_DIR/$name.out" || failed=1
  _golden_compare stderr "$err" "$CASES_DIR/$name.err" || failed=1
  if [[ $failed -ne 0 ]]; then
    echo "stderr was:"
    printf '%s' "$err"
  fi
  return $failed
}

# Writes the specs the CLI and format tests share into the current
# directory: double.json (two calls that trace) and second-call-fails.json
# (calls[0] traces; calls[1] makes the static n take a traced branch).
write_cli_specs() {
  cat >double.json <<'JSON'
{"tjit": 1,
 "source": "float double_it(float x) { return x * 2; }",
 "args": {"x": 1.0},
 "calls": [{"x": 1.0}, {"x": 2.0}]}
JSON
  cat >second-call-fails.json <<'JSON'
{"tjit": 1,
 "source": ["float f(float x, static int n) {",
            "  if (n > 0) { if (x > 0) return x; }",
            "  return x * 2;",
            "}"],
 "calls": [{"x": 1.0, "n": 0}, {"x": 1.0, "n": 1}]}
JSON
}

# Skips the test where /usr/bin/python3 has no numpy (scripts/install-deps.sh
# installs it; a hand-made machine may lack it).
require_numpy() {
  /usr/bin/python3 -c 'import numpy' 2>/dev/null || skip "numpy is not installed for /usr/bin/python3"
}

# numpy_agrees SPEC SCRIPT: runs `tjit run --check --format json SPEC` and
# gives its output to tests/data/SCRIPT SPEC, which recomputes every result
# with numpy and prints "numpy agrees" when each matches.
numpy_agrees() {
  require_numpy
  tjit run --check --format json "$1" >"$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 "$TJIT_ROOT/tests/data/$2" "$1" <"$BATS_TEST_TMPDIR/out.json"
  assert_success
  assert_output "numpy agrees"
}

# same_bytes_as_evaluator SPEC: the compiled run's outputs are the
# evaluator's, byte for byte, and there is at least one.
same_bytes_as_evaluator() {
  local spec=$1 dir=$BATS_TEST_TMPDIR f n=0
  mkdir -p "$dir/c" "$dir/r"
  run tjit run --no-cache --out "$dir/c" "$spec"
  assert_success
  run tjit run --reference --out "$dir/r" "$spec"
  assert_success
  for f in "$dir"/c/*.npy; do
    cmp "$f" "$dir/r/${f##*/}" || return 1
    n=$((n + 1))
  done
  ((n > 0))
}

# compiled_equals_reference SPEC: `tjit run --format json SPEC` compiled and
# with --reference succeed and print the same bytes.
compiled_equals_reference() {
  run tjit run --format json "$1"
  assert_success
  local compiled=$output
  run tjit run --reference --format json "$1"
  assert_success
  [ "$output" = "$compiled" ]
}

# pairs_agree SPEC N TOL: runs SPEC (run --check, JSON: compiled and the
# reference evaluator agree) and checks that its outputs come in N pairs
# agreeing elementwise within TOL * max(1, |first|).
pairs_agree() {
  run --separate-stderr tjit run --check --format json "$1"
  assert_success
  echo "$output" >"$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 - "$BATS_TEST_TMPDIR/out.json" "$3" <<'EOF'
import json, sys
outs = json.load(open(sys.argv[1]))["calls"][0]["outputs"]
tol = float(sys.argv[2])
def flat(d):
    return [d] if not isinstance(d, list) else [y for x in d for y in flat(x)]
assert len(outs) % 2 == 0 and outs, "outputs must come in pairs"
for i in range(0, len(outs), 2):
    a, b = flat(outs[i]["data"]), flat(outs[i + 1]["data"])
    assert len(a) == len(b), "shapes differ"
    for x, y in zip(a, b):
        if abs(x - y) / max(1.0, abs(x)) > tol:
            sys.exit(f"pair {i // 2}: {x!r} vs {y!r}")
print(f"{len(outs) // 2} pairs agree")
EOF
  assert_success
  assert_output "$2 pairs agree"
}

# fd_agrees SPEC N: SPEC's outputs are N pairs (a derivative by autodiff,
# its finite difference) agreeing within 1e-7 * max(1, |derivative|), the
# tolerance the autodiff test files (99-jvp.bats, 99-grad.bats) argue from
# their step h = 1e-6.
fd_agrees() {
  pairs_agree "$1" "$2" 1e-7
}

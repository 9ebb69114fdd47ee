#!/usr/bin/env bats
# -o FILE, --output FILE on every command that prints a result (cmd/output.c;
# tjit(1), OUTPUT FILE): FILE gets exactly the bytes standard output would
# have, replaced whole through a temporary file beside it, and a failed
# command leaves it as it was.
load helper
bats_require_minimum_version 1.5.0

ex() { printf '%s/examples/%s.json' "$TJIT_ROOT" "$1"; }

setup() {
  cd "$BATS_TEST_TMPDIR"
  write_cli_specs
}

# same_as_stdout ARGS...: `tjit ARGS` to stdout and `tjit -o got ARGS` (the
# option after the command name) exit the same, the second prints nothing
# on stdout, and got holds the first's stdout byte for byte.
same_as_stdout() {
  local want_status got_status
  rm -f want got
  tjit "$@" >want 2>/dev/null && want_status=0 || want_status=$?
  tjit "$1" -o got "${@:2}" >stdout 2>/dev/null && got_status=0 || got_status=$?
  [[ $got_status == "$want_status" ]] || fail "tjit $*: exit $got_status with -o, $want_status without"
  [[ ! -s stdout ]] || fail "tjit $* -o got: printed on stdout: $(cat stdout)"
  cmp want got || fail "tjit $*: -o got differs from stdout"
  [[ -s want || $1 == check ]] || fail "tjit $*: printed nothing to compare"
}

# No file is left beside the output but the ones named (no FILE.XXXXXX).
no_temporaries() {
  run compgen -G "$1.??????"
  assert_failure
}

@test "output: -o FILE holds what each command prints on stdout, byte for byte" {
  same_as_stdout trace "$(ex relu_scale)"
  same_as_stdout trace --format json "$(ex layer_norm)"
  same_as_stdout check double.json
  same_as_stdout check --format json double.json
  same_as_stdout check --format github double.json
  same_as_stdout emit-c "$(ex layer_norm)"
  same_as_stdout emit-c --format json "$(ex layer_norm)"
  same_as_stdout run double.json
  same_as_stdout run --format json "$(ex relu_scale)"
  same_as_stdout run --reference --grad-check "$(ex grad_sin_cos)"
  same_as_stdout explain-recompile "$(ex shape_recompile)"
  same_as_stdout explain-recompile --format json "$(ex shape_recompile)"
  same_as_stdout cache stats
  same_as_stdout cache --format json verify
  same_as_stdout graph --fused "$(ex layer_norm)"
  no_temporaries got
}

@test "output: --output FILE and -oFILE are -o FILE" {
  tjit trace "$(ex relu_scale)" >want
  run -0 tjit trace --output long.txt "$(ex relu_scale)"
  assert_output ''
  cmp want long.txt
  run -0 tjit trace -oshort.txt "$(ex relu_scale)"
  cmp want short.txt
  run -0 tjit trace "$(ex relu_scale)" --output=eq.txt
  cmp want eq.txt
}

@test "output: -o - is standard output" {
  run -0 --separate-stderr tjit trace -o - double.json
  assert_output '{ lambda ; a:f32[]. let b:f32[] = mul a 2.0:f32[] in (b,) }'
  [[ ! -e - ]]
  run -0 tjit graph -o - "$(ex relu_scale)"
  assert_output --partial 'digraph'
}

@test "output: a FILE that cannot be created is a usage error before anything runs" {
  run -2 --separate-stderr tjit trace -o no/such/dir/out.txt double.json
  assert_output ''
  assert_equal "$stderr" "tjit trace: error: cannot write 'no/such/dir/out.txt': No such file or directory"
  [[ ! -e no ]]
  mkdir adir
  run -2 --separate-stderr tjit run -o adir double.json
  assert_output ''
  assert_equal "$stderr" "tjit run: error: cannot write 'adir': Is a directory"
  echo plain >afile
  run -2 --separate-stderr tjit check -o afile/out.json double.json
  assert_equal "$stderr" "tjit check: error: cannot write 'afile/out.json': Not a directory"
  assert_equal "$(cat afile)" plain
  # nothing ran: an explain-recompile of a missing spec says only this
  run -2 --separate-stderr tjit explain-recompile -o no/out.txt missing.json
  assert_equal "$stderr" "tjit explain-recompile: error: cannot write 'no/out.txt': No such file or directory"
}

@test "output: a directory that cannot be written" {
  [[ $EUID != 0 ]] || skip "root writes a read-only directory"
  mkdir ro && chmod 555 ro
  run -2 --separate-stderr tjit emit-c -o ro/out.c double.json
  assert_equal "$stderr" "tjit emit-c: error: cannot write 'ro/out.c': Permission denied"
  [[ -z $(ls ro) ]]
}

@test "output: a write error on FILE is exit 70, naming FILE, whatever the command's status" {
  run -70 --separate-stderr tjit trace -o /dev/full double.json
  assert_output ''
  assert_equal "$stderr" "tjit trace: error: cannot write '/dev/full': No space left on device"
  # a failing command's write error is still 70
  run -70 --separate-stderr tjit trace --format json -o /dev/full second-call-fails.json --call 1
  assert_output ''
  [[ $stderr == *'error: TracerBoolConversionError'* ]]
  [[ $stderr == *"
tjit trace: error: cannot write '/dev/full': No space left on device" ]]
}

@test "output: a write error on the temporary file keeps the old FILE and leaves no temporary" {
  echo old >out.c
  # a file size limit of 1 KiB, with SIGXFSZ ignored: the write fails (EFBIG)
  run -70 --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 1; exec tjit emit-c -o out.c "$1"' _ "$(ex layer_norm)"
  assert_output ''
  assert_equal "$stderr" "tjit emit-c: error: cannot write 'out.c': File too large"
  assert_equal "$(cat out.c)" old
  no_temporaries out.c
}

@test "output: a failing command leaves no FILE, or the old one unchanged" {
  run -1 --separate-stderr tjit trace -o new.txt second-call-fails.json --call 1
  assert_output ''
  [[ ! -e new.txt ]]
  printf 'old\n' >old.txt
  run -1 tjit trace -o old.txt second-call-fails.json --call 1
  assert_equal "$(cat old.txt)" old
  # a run that fails after printing a call: text is not a whole result
  run -1 tjit run -o old.txt second-call-fails.json
  assert_equal "$(cat old.txt)" old
  # a usage error found after the options were read
  run -2 tjit graph --dump-after dce -o old.txt double.json
  assert_equal "$(cat old.txt)" old
  run -2 tjit trace -o old.txt --call 7 double.json
  assert_equal "$(cat old.txt)" old
  run -2 tjit cache -o old.txt stat
  assert_equal "$(cat old.txt)" old
  no_temporaries old.txt
  no_temporaries new.txt
}

@test "output: a failure's machine-readable document is a whole result: FILE gets it" {
  tjit check --format json second-call-fails.json >want && false || [[ $? == 1 ]]
  run -1 --separate-stderr tjit check --format json -o got.json second-call-fails.json
  assert_output ''
  cmp want got.json
  jq -e '.traced == [0] and .failed_call == 1 and .error.kind == "TracerBoolConversionError"' got.json
  run -1 tjit check --format github -o got.txt second-call-fails.json
  assert_equal "$(head -c 7 got.txt)" '::error'
  run -2 tjit trace --format json -o usage.json --call 7 double.json
  jq -e '.error.kind == "usage"' usage.json
}

@test "output: a whole report whose verdict fails is written: explain over --max-compiles, a grad-check FAIL" {
  tjit explain-recompile --max-compiles 1 "$(ex shape_recompile)" >want && false || [[ $? == 3 ]]
  run -3 --separate-stderr tjit explain-recompile --max-compiles 1 -o got.txt "$(ex shape_recompile)"
  assert_output ''
  cmp want got.txt
  # relu at its kink: a FAIL (99-grad-check.bats), then a PASS
  cat >kink.json <<'JSON'
{"tjit": 1, "source": "auto f(float x[3]) { return relu(x) * 2; }",
 "calls": [{"x": {"dtype": "f32", "data": [0.0, 0.0, 0.0]}}, {"x": {"dtype": "f32", "data": [1.0, -2.0, 0.5]}}]}
JSON
  tjit run --grad-check kink.json >want 2>/dev/null && false || [[ $? == 1 ]]
  run -1 --separate-stderr tjit run --grad-check -o got.txt kink.json
  assert_output ''
  cmp want got.txt
  grep -qx '  FAIL' got.txt
  grep -qx '  PASS' got.txt
  grep -q FAIL got.txt
}

@test "output: FILE keeps its permissions; a new one gets the umask's" {
  printf 'old\n' >kept.txt
  chmod 640 kept.txt
  tjit trace -o kept.txt double.json
  assert_equal "$(stat -c %a kept.txt)" 640
  (umask 027 && tjit trace -o new.txt double.json)
  assert_equal "$(stat -c %a new.txt)" 640
  (umask 022 && tjit trace -o new2.txt double.json)
  assert_equal "$(stat -c %a new2.txt)" 644
}

@test "output: a symbolic link FILE stays a link: the file it names is replaced, beside itself" {
  mkdir real
  printf 'old\n' >real/out.txt
  ln -s real/out.txt link.txt
  tjit trace double.json >want
  run -0 tjit trace -o link.txt double.json
  [[ -L link.txt ]] || fail "link.txt is no longer a link"
  cmp want real/out.txt
  no_temporaries link.txt
  no_temporaries real/out.txt
  # a dangling link is replaced by the file
  ln -s nowhere/x dangling.txt
  run -0 tjit trace -o dangling.txt double.json
  [[ ! -L dangling.txt ]]
  cmp want dangling.txt
}

@test "output: FILE may be the spec itself, and a device is written in place" {
  cp double.json self.json
  tjit trace -o want.txt double.json
  run -0 tjit trace -o self.json self.json
  cmp want.txt self.json
  run -0 tjit trace -o /dev/null double.json
  [[ -c /dev/null ]]
  run -0 --separate-stderr tjit trace -o /dev/stdout double.json
  assert_output "$(cat want.txt)"
}

@test "output: --help with -o prints the help on stdout and writes no FILE" {
  run -0 tjit trace -o h.txt --help
  assert_output --partial 'usage: tjit trace'
  [[ ! -e h.txt ]]
}

@test "output: a command killed while it runs leaves no temporary file, and FILE as it was" {
  cat >loop.json <<'JSON'
{"tjit": 1, "source": "float f(float x) { while (x > 0) x = x + 1; return x; }", "args": {"x": 1.0},
 "options": {"autograph": true}}
JSON
  printf 'old\n' >out.txt
  local sig pid status
  # (not SIGINT: a background job of a script ignores it, and tjit keeps it ignored)
  for sig in TERM HUP; do
    tjit run --reference --max-work 9000000000000000000 -o out.txt loop.json &
    pid=$!
    # the temporary file exists while the loop runs
    for _ in $(seq 50); do compgen -G 'out.txt.??????' >/dev/null && break; sleep 0.1; done
    compgen -G 'out.txt.??????' >/dev/null || { kill -KILL "$pid"; fail "no temporary file beside out.txt"; }
    kill -s "$sig" "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; fail "SIG$sig did not end tjit"; }
    wait "$pid" && status=0 || status=$?
    [[ $status == $((128 + $(kill -l "$sig"))) ]] || fail "SIG$sig: exit $status"
    no_temporaries out.txt
    assert_equal "$(cat out.txt)" old
  done
}

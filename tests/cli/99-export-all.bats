#!/usr/bin/env bats
# The differential test of tjit export --dialect linalg (issue 19 item 3):
# every example (its default call and each calls[N]) and every golden run
# case (a tests/cases/NAME.args whose first word is `run`, NAME.status 0,
# with its own --call, --args and --fill-random; a call whose arguments
# have no values runs with --fill-random 0) exported, verified by
# mlir-opt, lowered, run by mlir-cpu-runner and compared with `tjit run
# --reference --format json` within export_helper.bash's tolerance. Each
# case passes, or its export fails with "not exportable: PRIM" for a PRIM
# that tests/export-linalg-not-exportable.txt lists with its reason; a
# call the reference evaluator fails on is skipped (its spec errs on
# purpose), and so is a module over EXPORT_MAX_BYTES (pad-modes-run-check-c,
# whose outputs would be 158 MB of the runner's text); fused_kernel (float
# x[n]) runs at 10^4 elements, since its 10^7-element arguments, constants
# in @main, would take mlir-opt minutes. The list stays minimal: a PRIM
# no case needs fails the test. EXPORT_JOBS cases run at once (default:
# the number of CPUs). Time: 1 min 32 s with 2 jobs on the quiet 2-CPU
# machine (2 min of CPU), for 141 cases: 104 pass, 30 are not
# exportable, 7 skipped.
load helper
load export_helper
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; }

NOT_EXPORTABLE=$TJIT_ROOT/tests/export-linalg-not-exportable.txt

@test "export-all: every example and golden run case passes or is listed as not exportable" {
  need_mlir
  local jobs=${EXPORT_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
  export_cases >cases.txt
  # One case per process, each in a directory of its own (export_case).
  tr '\n' '\0' <cases.txt | xargs -0 -n 1 -P "$jobs" bash -c 'source "$0" && export_case "$1"' \
    "$BATS_TEST_DIRNAME/export_helper.bash" >results.txt
  run export_check_results results.txt "$NOT_EXPORTABLE" "$(wc -l <cases.txt)"
  echo "$output"
  echo "# ${lines[-1]}" >&3   # the counts, shown by bats
  assert_success
  grep -q '^pass example newton_sqrt$' results.txt       # while
  grep -q '^pass example piecewise_switch$' results.txt  # cond of three branches
  grep -q '^pass example gru_reverse$' results.txt       # scan, reverse
}

@test "export-all: a failure, an unlisted primitive, an unneeded listing or a lost case fails the check" {
  printf 'pass example a\nskip example b: why\nnot-exportable while golden c\n' >results.txt
  printf '# comment\nwhile: a reason\n' >list.txt
  run export_check_results results.txt list.txt 3
  assert_success
  assert_output "not-exportable 1, pass 1, skip 1; not exportable: while 1"
  run export_check_results results.txt list.txt 4
  assert_failure
  assert_line "3 results for 4 cases"
  printf 'FAIL golden d: output 0[1]: 2.0, expected 3.0\nnot-exportable sort golden e\n' >>results.txt
  printf 'scan: another\nno reason\n' >>list.txt
  run export_check_results results.txt list.txt 5
  assert_failure
  assert_line "FAIL golden d: output 0[1]: 2.0, expected 3.0"
  assert_line "not-exportable sort golden e: sort is not listed in list.txt"
  assert_line "scan is listed but no case needs it"
  assert_line "list.txt:4: not 'PRIM: reason': no reason"
}

#!/usr/bin/env bats
# precision= of the contractions (lib/trace/trace_precision.c): the listing
# records JAX's param (golden cases tests/cases/precision-*), and the
# numbers are those without it: on CPU every lax.Precision computes the same
# float32 result (the evaluator and the C ignore the param).
load helper

@test "precision= gives the bytes of the same contractions without it, compiled and evaluated" {
  local dir=$BATS_TEST_TMPDIR f n=0
  mkdir -p "$dir/p" "$dir/n"
  run tjit emit-c "$TJIT_ROOT/tests/data/precision-same.json"
  assert_success
  run tjit run --no-cache --check --out "$dir/p" "$TJIT_ROOT/tests/data/precision-same.json"
  assert_success
  run tjit run --no-cache --out "$dir/n" "$TJIT_ROOT/tests/data/precision-none.json"
  assert_success
  for f in "$dir"/p/*.npy; do
    cmp "$f" "$dir/n/${f##*/}" || return 1
    n=$((n + 1))
  done
  ((n == 4))
  run tjit trace "$TJIT_ROOT/tests/data/precision-same.json"
  assert_equal "$(grep -c 'precision=(Precision' <<< "$output")" 4
}

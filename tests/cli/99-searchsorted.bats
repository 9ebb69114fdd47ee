#!/usr/bin/env bats
# jnp.searchsorted (lib/trace/trace_search.c): compiled and --reference
# results (run --check compares them) equal numpy.searchsorted for both
# sides, with ties, on float and int arrays, queries of rank 0, 1 and 2,
# methods scan, compare_all and sort.
bats_require_minimum_version 1.5.0
load helper

setup() {
  SPEC="$BATS_TEST_TMPDIR/ss.json"
}

# write_spec DTYPE N VSHAPE [METHOD]: f(a, v) returning the (left, right) results.
write_spec() {
  local m=${4:-scan}
  cat > "$SPEC" <<JSON
{"tjit": 1, "source": [
  "auto f($1[$2] a, $1$3 v) {",
  "  return (searchsorted(a, v, method=\"$m\"), searchsorted(a, v, side=\"right\", method=\"$m\"));",
  "}"]}
JSON
}

# check A V: tjit run --check on A, V and with --reference, each against numpy.
check() {
  local args="{\"a\": $1, \"v\": $2}" mode
  for mode in --check --reference; do
    run -0 --separate-stderr tjit run $mode --format json --args "$args" "$SPEC"
    OUT="$output" A="$1" V="$2" run -0 /usr/bin/python3 -c '
import json, os, numpy as np
a = np.array(json.loads(os.environ["A"])); v = np.array(json.loads(os.environ["V"]))
outs = json.loads(os.environ["OUT"])["calls"][0]["outputs"]
want = [np.searchsorted(a, v, s) for s in ("left", "right")]
assert len(outs) == 2
for o, w in zip(outs, want):
    assert o["dtype"] == "i32", o
    assert np.array_equal(np.array(o["data"]), w), (o["data"], w.tolist())
print("ok")'
  done
}

@test "searchsorted: float a with ties and -0.0, queries of rank 0, 1 and 2, both sides, methods scan, scan_unrolled, compare_all and sort" {
  for m in scan scan_unrolled compare_all sort; do
    write_spec f32 7 "" $m
    check "[-1.5, 0.0, 0.0, 2.0, 2.0, 2.0, 9.25]" 2.0
    check "[-1.5, 0.0, 0.0, 2.0, 2.0, 2.0, 9.25]" -0.0
    check "[-1.5, -0.0, 0.0, 2.0, 2.0, 2.0, 9.25]" 0.0
    check "[-1.5, 0.0, 0.0, 2.0, 2.0, 2.0, 9.25]" 10.0
    write_spec f32 7 "[9]" $m
    check "[-1.5, 0.0, 0.0, 2.0, 2.0, 2.0, 9.25]" "[-3.0, -1.5, -0.0, 1.0, 2.0, 2.5, 9.25, 9.5, 100.0]"
    write_spec f32 8 "[2,3]" $m
    check "[1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 5.0, 8.0]" "[[0.0, 1.0, 2.0], [4.0, 8.0, 9.0]]"
  done
}

@test "searchsorted: int a, one element, a power of two minus one, and ties" {
  write_spec i32 1 "[3]"
  check "[5]" "[4, 5, 6]"
  write_spec i32 3 "[2,4]"
  check "[2, 2, 7]" "[[1, 2, 3, 7], [8, -4, 2, 6]]"
  write_spec i32 16 "[5]"
  check "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]" "[-1, 0, 7, 15, 16]"
}

@test "searchsorted: methods compare_all and sort on ints with ties in a and in v, queries of rank 0 and 2" {
  for m in compare_all sort; do
    write_spec i32 5 "" $m
    check "[1, 2, 2, 3, 9]" 2
    write_spec i32 5 "[2,3]" $m
    check "[1, 2, 2, 3, 9]" "[[0, 2, 2], [3, 9, 2]]"
  done
}

@test "searchsorted: NaN sorts last and ties with NaN (lax's total order), as numpy's" {
  for m in scan scan_unrolled compare_all sort; do
    cat > "$SPEC" <<JSON
{"tjit": 1, "source": [
  "auto f(f32[4] a, f32[5] v) {",
  "  auto an = where(a > 100.0, nan, a), vn = where(v > 100.0, nan, v);",
  "  return (searchsorted(an, vn, method=\"$m\"), searchsorted(an, vn, side=\"right\", method=\"$m\"));",
  "}"]}
JSON
    for mode in --check --reference; do
      run -0 --separate-stderr tjit run $mode --format json --args '{"a": [1.0, 2.0, 200.0, 300.0], "v": [0.5, 2.0, 500.0, 1e9, 2.5]}' "$SPEC"
      OUT="$output" run -0 /usr/bin/python3 -c '
import json, os, numpy as np
a = np.array([1.0, 2.0, np.nan, np.nan], np.float32); v = np.array([0.5, 2.0, np.nan, np.nan, 2.5], np.float32)
outs = json.loads(os.environ["OUT"])["calls"][0]["outputs"]
for o, s in zip(outs, ("left", "right")):
    assert np.array_equal(np.array(o["data"]), np.searchsorted(a, v, s)), (o["data"], s)
print("ok")'
    done
  done
}

@test "searchsorted: two query sizes in one function (one jit body batched at two sizes)" {
  cat > "$SPEC" <<'JSON'
{"tjit": 1, "source": [
  "auto f(f32[5] a, f32[3] v, f32[2] w) {",
  "  return (searchsorted(a, v), searchsorted(a, w));",
  "}"]}
JSON
  for mode in --check --reference; do
    run -0 --separate-stderr tjit run $mode --format json --args '{"a": [0.0, 1.0, 2.0, 3.0, 4.0], "v": [3.5, 0.5, 9.0], "w": [-1.0, 2.0]}' "$SPEC"
    OUT="$output" run -0 /usr/bin/python3 -c '
import json, os
outs = json.loads(os.environ["OUT"])["calls"][0]["outputs"]
assert [o["data"] for o in outs] == [[4, 1, 5], [0, 2]], outs
print("ok")'
  done
}

@test "searchsorted: Python numbers for v, promoted with a (tests/cases/jnp-searchsorted-python-scalar.json)" {
  for mode in --check --reference; do
    run -0 --separate-stderr tjit run $mode --format json --args '{"a": [1.0, 2.0, 2.0, 3.0], "b": [1, 2, 3]}' "$CASES_DIR/jnp-searchsorted-python-scalar.json"
    OUT="$output" run -0 /usr/bin/python3 -c '
import json, os
outs = json.loads(os.environ["OUT"])["calls"][0]["outputs"]
assert [o["data"] for o in outs] == [1, 1, 2], outs
print("ok")'
  done
}

@test "searchsorted with sorter=argsort(a): jnp.searchsorted's docstring example" {
  for mode in --check --reference; do
    run -0 --separate-stderr tjit run $mode --format json --args '{"a": [4.0, 3.0, 5.0, 1.0, 2.0], "v": [0.0, 3.0, 8.0, 1.5]}' "$CASES_DIR/jnp-searchsorted-sorter.json"
    OUT="$output" run -0 /usr/bin/python3 -c '
import json, os
import numpy as np
a = np.array([4.0, 3.0, 5.0, 1.0, 2.0]); v = np.array([0.0, 3.0, 8.0, 1.5])
outs = json.loads(os.environ["OUT"])["calls"][0]["outputs"]
assert outs[0]["data"] == np.searchsorted(a, v, sorter=np.argsort(a)).tolist() == [0, 2, 5, 1], outs
print("ok")'
  done
}

#!/usr/bin/env bats
# The dtypes of issue 14 item 7: u16 and u64 (and .npy files of them)
# computed as XLA computes them, checked against numpy.
load helper

@test "u64 and u16 over 3000 random elements, compiled and checked, agree with numpy" {
  require_numpy
  tjit run --check --fill-random 7 --format json "$CASES_DIR/dtypes-u64-run-check-c.json" >"$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 "$TJIT_ROOT/tests/data/dtypes_uint_numpy_check.py" <"$BATS_TEST_TMPDIR/out.json"
  assert_success
  assert_output "numpy agrees"
}

# numpy writes <u2 and <u8 files, tjit reads them as "npy" arguments and
# writes its results, which numpy reads back.
@test "npy: <u2 and <u8 written by numpy are read, and tjit's are read by numpy" {
  require_numpy
  cd "$BATS_TEST_TMPDIR"
  /usr/bin/python3 -c '
import numpy as np
np.save("a.npy", np.array([0, 1, 65535, 300], np.uint16))
np.save("x.npy", np.array([0, 2**64 - 1, 2**63, 5], np.uint64))'
  cat >spec.json <<'JSON'
{"tjit": 1, "source": ["auto f(u16[4] a, u64[4] x) { return (a + 1, x - 1); }"],
 "args": {"a": {"npy": "a.npy"}, "x": {"npy": "x.npy"}}}
JSON
  mkdir out
  run tjit run --out out spec.json
  assert_success
  assert_output "args: (Array([  1,   2,   0, 301], dtype=uint16), Array([18446744073709551615, 18446744073709551614,  9223372036854775807,
                          4], dtype=uint64))"
  run /usr/bin/python3 -c '
import numpy as np
a, x = np.load("out/args_out0.npy"), np.load("out/args_out1.npy")
print(a.dtype.str, a.tolist(), x.dtype.str, x.tolist())'
  assert_output "<u2 [1, 2, 0, 301] <u8 [18446744073709551615, 18446744073709551614, 9223372036854775807, 4]"
}

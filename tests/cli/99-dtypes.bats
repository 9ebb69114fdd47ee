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

@test "f16 and bf16 arithmetic rounds each f32 result as XLA does (numpy; bf16 rounded by hand)" {
  require_numpy
  tjit run --format json "$CASES_DIR/dtypes-half-run.json" >"$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 "$TJIT_ROOT/tests/data/dtypes_half_numpy_check.py" "$CASES_DIR/dtypes-half-run.json" <"$BATS_TEST_TMPDIR/out.json"
  assert_success
  assert_output "numpy agrees"
}

@test "npy: <f2 written by numpy is read, and tjit's is read by numpy; bf16 is written as '<V2'" {
  require_numpy
  cd "$BATS_TEST_TMPDIR"
  /usr/bin/python3 -c '
import numpy as np
np.save("h.npy", np.array([0.1, -2.5, 65504, 6e-8], np.float16))'
  cat >spec.json <<'JSON'
{"tjit": 1, "source": ["auto f(f16[4] h) { return (h * 2, astype(h, bf16)); }"], "args": {"h": {"npy": "h.npy"}}}
JSON
  mkdir out
  run tjit run --out out spec.json
  assert_success
  run /usr/bin/python3 -c '
import numpy as np
a = np.load("out/args_out0.npy")
print(a.dtype.str, a.tolist())'
  assert_output "<f2 [0.199951171875, -5.0, inf, 1.1920928955078125e-07]"
  # np.save of an ml_dtypes bfloat16 array writes descr '<V2'; the bits are
  # bf16 round-to-nearest-even of the f16 values (0x3DCD, 0xC020, 0x4780, 0x3380)
  run /usr/bin/python3 -c '
import numpy as np
with open("out/args_out1.npy", "rb") as f:
    header = f.read(128).split(b"}")[0].decode("latin-1")
a = np.load("out/args_out1.npy")
print(header[header.index("{"):], a.dtype, a.view(np.uint16).tolist())'
  assert_output "{'descr': '<V2', 'fortran_order': False, 'shape': (4,),  |V2 [15821, 49184, 18304, 13184]"
}

@test "the C backend compiles f16 (emit-c: 2-byte storage, f32 arithmetic rounded back); run --check agrees" {
  cat >"$BATS_TEST_TMPDIR/s.json" <<'JSON'
{"tjit": 1, "source": ["auto f(f16[5000] x) { return sum(x * x); }"], "args": {"x": {"dtype": "f16", "shape": [5000], "fill": 0.5}}}
JSON
  run tjit emit-c "$BATS_TEST_TMPDIR/s.json"
  assert_success
  assert_line --partial "f16 *v0 = (f16 *)in[0];"
  assert_line --partial "tj_rt_half_block(b"
  run tjit run --check "$BATS_TEST_TMPDIR/s.json"
  assert_success
  # NumPy >= 2.3 switches float16 to scientific from 10^finfo(float16).precision = 1e3 on
  assert_output "args: Array(1.25e+03, dtype=float16)"
}

@test "mean of f16 sums in f32 (reductions.py _mean's _upcast_f16) and agrees with numpy's f16 mean" {
  # numpy's mean of float16 also accumulates in float32 and rounds the
  # quotient to float16. The values are multiples of 1/4 below 2, so every
  # f32 sum is exact; summing 4096 of them in f16 instead would stall at 2048
  # (f16's spacing there is 2) and give about half the mean.
  require_numpy
  cd "$BATS_TEST_TMPDIR"
  /usr/bin/python3 -c '
import json
data = [1 + 0.25 * (i % 7 - 3) for i in range(3 * 4096)]
print(json.dumps({"tjit": 1, "source": ["auto f(f16[3,4096] x) { return (mean(x, 1), mean(x), mean(x, 0, dtype=f16)); }"],
                  "args": {"x": {"dtype": "f16", "shape": [3, 4096], "data": data}}}))' >spec.json
  tjit run --check --format json spec.json >out.json
  run /usr/bin/python3 -c '
import json, numpy as np
spec, out = json.load(open("spec.json")), json.load(open("out.json"))["calls"][0]["outputs"]
x = np.array(spec["args"]["x"]["data"], np.float16).reshape(3, 4096)
want = [np.mean(x, 1), np.mean(x), np.mean(x, 0, dtype=np.float16)]
got = [np.array(o["data"], np.float16).reshape(o["shape"]) for o in out]  # printed to round-trip as f16
ok = all(g.shape == w.shape and w.dtype == np.float16 and np.array_equal(g, w) for g, w in zip(got, want)) and len(got) == 3
print("numpy agrees" if ok else "differs: %r" % ([g.ravel()[:3] for g in got],))'
  assert_success
  assert_output "numpy agrees"
}

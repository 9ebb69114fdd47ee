#!/usr/bin/env bats
# The small gaps of issue 14: roll by an array of traced shifts, repeat to
# or of an empty axis and of a scalar, take and take_along_axis with empty
# axes or no indices, einsum of bool operands and in the interleaved form,
# u64 values above 2^63 - 1 read from JSON.
# The compiled results of tests/data/gaps14-run-check.json (which --check
# also compares with the reference evaluator) agree with numpy
# (tests/data/gaps14_numpy_check.py says how).
load helper

@test "roll by traced shift arrays, repeat, take and take_along_axis with empty axes, bool and interleaved einsums, big u64 data agree with numpy" {
  numpy_agrees "$TJIT_ROOT/tests/data/gaps14-run-check.json" gaps14_numpy_check.py
}

@test "npy: bfloat16 saved as ml_dtypes' np.save writes it ('<V2') or as a numpy void ('|V2') is read" {
  require_numpy
  cd "$BATS_TEST_TMPDIR"
  # bf16 bits of 1.0, -2.5, 3.140625 (0x4049), 65536, the smallest normal
  # 2^-126 and NaN; '<V2' is dtype.str of ml_dtypes' bfloat16 (kind 'V',
  # byteorder '='), which np.save writes: the header is written by hand as
  # numpy's format.write_array_header_1_0 writes it, as ml_dtypes is not here
  /usr/bin/python3 -c '
import numpy as np
bits = np.array([0x3F80, 0xC020, 0x4049, 0x4780, 0x0080, 0x7FC0], np.uint16)
np.save("void.npy", bits.view("V2"))
with open("ml.npy", "wb") as f:
    np.lib.format.write_array_header_1_0(f, {"descr": "<V2", "fortran_order": False, "shape": (6,)})
    f.write(bits.tobytes())
with open("v4.npy", "wb") as f:
    np.lib.format.write_array_header_1_0(f, {"descr": "<V4", "fortran_order": False, "shape": (1,)})
    f.write(bytes(4))'
  cat >spec.json <<'JSON'
{"tjit": 1, "source": ["auto f(bf16[6] a, bf16[6] b) { return (astype(a, f32), astype(b * 2, f32)); }"], "args": {"a": {"npy": "ml.npy"}, "b": {"npy": "void.npy"}}}
JSON
  run tjit run --format json spec.json
  assert_success
  assert_output '{"version": 1, "calls": [{"call": "args", "outputs": [{"dtype": "f32", "shape": [6], "data": [1.0, -2.5, 3.140625, 65536.0, 1.1754944e-38, "nan"]}, {"dtype": "f32", "shape": [6], "data": [2.0, -5.0, 6.28125, 131072.0, 2.3509887e-38, "nan"]}]}]}'
  cat >v4.json <<'JSON'
{"tjit": 1, "source": ["auto f(f32[1] a) { return a; }"], "args": {"a": {"npy": "v4.npy"}}}
JSON
  run tjit run v4.json
  assert_failure 2
  assert_output --partial "unsupported dtype (tjit reads |b1 |i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8 <f2 <f4 <f8, and <V2 as bfloat16)"
}

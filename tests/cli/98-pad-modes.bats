#!/usr/bin/env bats
# jnp.pad's modes other than "constant" (issue 14 item 4): the compiled
# wrap, edge, reflect, symmetric (even and odd), maximum, minimum, mean
# (with stat_length) and empty of f32 and i32 arrays
# (tests/cases/pad-modes-numpy-c.json, which --check also compares with
# the reference evaluator) agree with numpy's np.pad
# (tests/data/pad_modes_numpy_check.py), and 1000 x 1000 arrays run
# compiled and checked (tests/cases/pad-modes-run-check-c.json).
load helper

@test "every jnp.pad mode of f32 and i32 arrays agrees with np.pad" {
  numpy_agrees "$CASES_DIR/pad-modes-numpy-c.json" pad_modes_numpy_check.py
}

@test "jnp.pad's modes on 1000 x 1000 arrays pass run --check" {
  run tjit run --check "$CASES_DIR/pad-modes-run-check-c.json"
  assert_success
  # nine results, the first of the 2203 x 1009 wrap
  assert_equal "$(grep -c 'dtype=' <<< "$output")" 9
  run tjit run --check --format json "$CASES_DIR/pad-modes-run-check-c.json"
  assert_success
  assert_output --partial '"shape": [2203, 1009]'
}

@test "linear_ramp and median are tjit's limit, told as such" {
  run tjit trace <(echo '{"tjit": 1, "source": ["auto f(f32[4] x) { return pad(x, 1, \"median\"); }"], "args": {"x": {"dtype": "f32", "shape": [4]}}}')
  assert_failure 1
  assert_output --partial "jnp.pad mode 'median' is not supported by tjit"
}

@test "a wrap of 64 pieces along one axis traces (65 is tjit's limit: pad-error-jnp-wrap-limit)" {
  # (64, 62) on an axis of 2: the array 32 + 31 + 1 times, no remainder
  run tjit run <(echo '{"tjit": 1, "source": ["auto f(f32[2] x) { return pad(x, (64, 62), \"wrap\"); }"], "args": {"x": {"dtype": "f32", "shape": [2], "data": [1, 2]}}}')
  assert_success
  assert_output --partial 'Array([1., 2., 1., 2.,'
  assert_equal "$(grep -o '[12]\.' <<< "$output" | wc -l)" 128
}

# jnp.linspace with array start and stop (tests/cases/jnp-linspace-array):
# the same spec run, its results recomputed with np.linspace.
@test "linspace of arrays with an axis agrees with np.linspace" {
  require_numpy
  tjit run --check --format json "$CASES_DIR/jnp-linspace-array.json" >"$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 -c '
import json, sys
import numpy as np
out = json.load(open(sys.argv[1]))["calls"][0]["outputs"]
a = np.array([1, 2], np.float32); b = np.array([[3], [4], [5]], np.float32)
want = [np.linspace(a, b, 4, axis=1), np.linspace(a, 5.0, 3, endpoint=False, axis=-1),
        np.linspace(a, b, 1, endpoint=False, axis=2), np.linspace(a, 2, 0, axis=-2)]
ok = len(out) == 4 and all(list(o["shape"]) == list(w.shape) and
     np.allclose(np.array(o["data"], np.float32).reshape(w.shape), w, rtol=1e-6) for o, w in zip(out, want))
print("numpy agrees" if ok else "outputs differ from numpy")' "$BATS_TEST_TMPDIR/out.json"
  assert_success
  assert_output "numpy agrees"
}

@test "linspace of 1000-element bounds into 1000 x 1000 passes run --check" {
  run tjit run --check --format json <(echo '{"tjit": 1, "source": ["auto f(f32[1000] a, f32[1000] b) { return (linspace(a, b, 1000, axis=1), linspace(a, b, 1000, endpoint=false)); }"], "args": {"a": {"dtype": "f32", "shape": [1000], "random": {"seed": 1, "dist": "normal"}}, "b": {"dtype": "f32", "shape": [1000], "random": {"seed": 2, "dist": "normal"}}}}')
  assert_success
  assert_output --partial '"shape": [1000, 1000]'
  assert_equal "$(grep -o '"shape": \[1000, 1000\]' <<< "$output" | wc -l)" 2
}

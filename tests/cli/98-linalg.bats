#!/usr/bin/env bats
# Linear algebra (issue 14 item 6): svd and the matrix norms of ord 2, -2
# and 'nuc' through the compiled C (linalg_rt.c), which --check compares
# with the reference evaluator (eval_linalg.c), agree with numpy's
# np.linalg.svd and np.linalg.norm (tests/data/svd_numpy_check.py says
# how: singular values and norms by value, u and vh by their invariants as
# their signs are the algorithm's own).
load helper

@test "svd of a batch of 40 x 30 f32, a wide f64 and a rank-2 matrix, and the SVD norms, agree with numpy" {
  numpy_agrees "$TJIT_ROOT/tests/data/svd_numpy_check.json" svd_numpy_check.py
}

# subset_by_index=(lo, hi): singular values lo..hi-1 and their vectors
# (tests/data/svd_subset_check.py; JAX's CPU lowering refuses partial
# subsets, tjit computes them).
@test "svd with subset_by_index keeps numpy's singular values lo..hi-1 and their rank-(hi-lo) piece" {
  numpy_agrees "$TJIT_ROOT/tests/data/svd_subset_check.json" svd_subset_check.py
}

@test "the singular values of the zero matrix are zeros, its u and vh the identity (a full basis completed)" {
  printf '%s\n' '{"source": ["auto f(f32[3,2] x) { auto r = svd(x); return (r[0], r[1], r[2]); }"], "args": {"x": {"dtype": "f32", "shape": [3, 2], "data": [[0, 0], [0, 0], [0, 0]]}}}' >"$BATS_TEST_TMPDIR/s.json"
  run tjit run --check "$BATS_TEST_TMPDIR/s.json"
  assert_success
  assert_output "args: (Array([[1., 0., 0.],
       [0., 1., 0.],
       [0., 0., 1.]], dtype=float32), Array([0., 0.], dtype=float32), Array([[1., 0.],
       [0., 1.]], dtype=float32))"
}

@test "a matrix holding a NaN gives NaN singular values and vectors, as XLA's CPU lowering does where LAPACK fails" {
  printf '%s\n' '{"source": ["auto f(f32[2,2] x) { auto r = svd(x / x); return (r[1], r[0][0]); }"], "args": {"x": {"dtype": "f32", "shape": [2, 2], "data": [[1, 0], [2, 3]]}}}' >"$BATS_TEST_TMPDIR/s.json"
  run tjit run --check "$BATS_TEST_TMPDIR/s.json"
  assert_success
  assert_output "args: (Array([nan, nan], dtype=float32), Array([nan, nan], dtype=float32))"
}

@test "an empty matrix has no singular values; full u and vh are identities (_empty_svd)" {
  printf '%s\n' '{"source": ["auto f(f32[0,2] x) { auto r = svd(x); return (r[1], r[2]); }"], "args": {"x": {"dtype": "f32", "shape": [0, 2], "data": []}}}' >"$BATS_TEST_TMPDIR/s.json"
  run tjit run --check "$BATS_TEST_TMPDIR/s.json"
  assert_success
  assert_output "args: (Array([], shape=(0,), dtype=float32), Array([[1., 0.],
       [0., 1.]], dtype=float32))"
}

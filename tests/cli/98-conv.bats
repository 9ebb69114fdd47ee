#!/usr/bin/env bats
# Convolution (issue 14 item 4): conv_general_dilated in NHWC/HWIO,
# NCHW/OIHW, default and mixed layouts, with strides, SAME/SAME_LOWER/
# VALID/explicit (negative too) padding, lhs and rhs dilation, feature
# groups, f32/f64/i32, images whose im2col matrix takes several 4 MB
# chunks, and jnp.convolve in its three modes, each through
# `tjit run --check` (the compiled C, im2col + BLAS or direct, against the
# reference evaluator) and then against a convolution written in numpy in
# tests/data/conv_numpy_check.py and np.convolve.
load helper

@test "conv_general_dilated and convolve agree with numpy's direct convolution" {
  require_numpy
  run /usr/bin/python3 "$TJIT_ROOT/tests/data/conv_numpy_check.py" "$(command -v tjit)" "$BATS_TEST_TMPDIR"
  assert_success
  assert_output "numpy agrees"
}

@test "a 2-D NHWC convolution large enough for im2col + BLAS passes run --check" {
  # 4 x 16x16x16 -> 32 features, 3x3 SAME: im2col + cblas_sgemm, compared with the evaluator
  run tjit run --check --fill-random 3 --no-cache --format json "$TJIT_ROOT/tests/data/conv-run-check-c.json"
  assert_success
  assert_output --partial '"dtype": "f32", "shape": [32]'
}

#!/usr/bin/env bats
# jax.nn (issue 14 item 5): the activations, softmax, log_softmax,
# logsumexp, one_hot, isfinite and logaddexp on a 64 x 128 input with +-inf,
# NaN and large values (tests/data/nn_numpy_check.py writes the spec),
# compiled and checked against the reference evaluator (--check), agree
# with formulas computed independently in numpy (float64, no scipy).
load helper

@test "jax.nn builtins on 64 x 128 values with infinities and NaNs agree with numpy" {
  require_numpy
  /usr/bin/python3 "$TJIT_ROOT/tests/data/nn_numpy_check.py" spec "$BATS_TEST_TMPDIR/nn.json"
  tjit run --check --format json "$BATS_TEST_TMPDIR/nn.json" > "$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 "$TJIT_ROOT/tests/data/nn_numpy_check.py" check < "$BATS_TEST_TMPDIR/out.json"
  assert_success
  assert_output "numpy agrees"
}

@test "custom_jvp_call, stop_gradient, is_finite and erfc compiled on 100000 elements agree with the evaluator" {
  # --check exits 1 when the compiled outputs differ from the reference
  # evaluator's; the fused loops and block kernels take arrays this large
  cat > "$BATS_TEST_TMPDIR/big.json" <<'JSON'
{"source": ["auto f(f32[100000] x) {",
            "  auto y = (x - 0.5) * 20.0;",
            "  return (relu(y) + relu6(y), stop_gradient(y) * 2.0, isfinite(y / (x - x)), gelu(y, approximate=false),",
            "          softplus(y), logsumexp(y), log_softmax(y));",
            "}"],
 "args": {"x": {"dtype": "f32", "shape": [100000], "random": {"seed": 3}}}}
JSON
  run tjit run --check --format json "$BATS_TEST_TMPDIR/big.json"
  assert_success
  assert_output --partial '"outputs": [{"dtype": "f32", "shape": [100000]'
}

#!/usr/bin/env bats
# Training steps written with value_and_grad (issue 17's examples):
# examples/linear_regression_step.json and examples/mlp_train_step.json,
# compiled and compared with the reference evaluator (--check), agree with
# gradients derived by hand and computed in numpy (float64; the formulas are
# in tests/data/train_step_check.py), on each example's own calls (two
# consecutive steps: call 1 starts from call 0's parameters) and on a larger
# random batch passed with --args. The last test keeps make bench's
# reverse-mode specs (scripts/bench/mlp_grad.json, grad_chain*.json) working.
bats_require_minimum_version 1.5.0
load helper

CHECK=$TJIT_ROOT/tests/data/train_step_check.py

# step_agrees EXAMPLE: every call of examples/EXAMPLE.json against numpy.
step_agrees() {
  run --separate-stderr tjit run --check --format json "$TJIT_ROOT/examples/$1.json"
  assert_success
  echo "$output" >"$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 "$CHECK" check "$TJIT_ROOT/examples/$1.json" <"$BATS_TEST_TMPDIR/out.json"
  assert_success
  assert_output "numpy agrees (2 calls)"
}

# random_step_agrees EXAMPLE KIND: EXAMPLE's step on numpy's random call.
random_step_agrees() {
  local args
  args=$(/usr/bin/python3 "$CHECK" args "$2")
  run --separate-stderr tjit run --check --format json --args "$args" "$TJIT_ROOT/examples/$1.json"
  assert_success
  echo "$output" >"$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 "$CHECK" check-args "$2" <"$BATS_TEST_TMPDIR/out.json"
  assert_success
  assert_output "numpy agrees (1 calls)"
}

@test "linear_regression_step: loss and SGD step agree with the closed-form gradient" {
  require_numpy
  step_agrees linear_regression_step
}

@test "linear_regression_step on 64 x 8 random data agrees with numpy" {
  require_numpy
  random_step_agrees linear_regression_step linear
}

@test "mlp_train_step: tanh MLP, softmax cross-entropy, agrees with backpropagation by hand" {
  require_numpy
  step_agrees mlp_train_step
}

@test "mlp_train_step on a 64 x 8 batch, 16 hidden units, 5 classes agrees with numpy" {
  require_numpy
  random_step_agrees mlp_train_step mlp
}

@test "mlp_train_step's call 1 starts from call 0's parameters, and the loss falls" {
  require_numpy
  run --separate-stderr tjit run --format json "$TJIT_ROOT/examples/mlp_train_step.json"
  assert_success
  echo "$output" >"$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 - "$TJIT_ROOT/examples/mlp_train_step.json" "$BATS_TEST_TMPDIR/out.json" <<'PY'
import json, sys
import numpy as np
spec, out = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))["calls"]
step0, step1 = out[0]["outputs"], out[1]["outputs"]
start = spec["calls"][1]["params"]
for k, o in zip(sorted(start), step0[1:]):
    a, b = np.array(start[k]["data"], np.float32), np.array(o["data"], np.float32)
    # libm's tanh, exp and log may differ by an ulp on another machine
    assert np.allclose(a, b, rtol=1e-5, atol=1e-7), f"{k}: call 1 starts from {a}, call 0 ended at {b}"
assert step1[0]["data"] < step0[0]["data"], "the loss did not fall"
print("chained")
PY
  assert_success
  assert_output chained
}

@test "make bench's reverse-mode specs: the MLP gradient passes run --check at full size, the chain has 10,001 equations" {
  # mlp_grad.json's own calls read .npy files that the bench driver writes;
  # here the same shapes come from the spec's random data instead
  local r='"random": {"seed": 1}' args
  args="{\"params\": {\"w1\": {\"dtype\": \"f32\", \"shape\": [128, 128], $r}, \"b1\": {\"dtype\": \"f32\", \"shape\": [128], $r},
         \"w2\": {\"dtype\": \"f32\", \"shape\": [128, 10], $r}, \"b2\": {\"dtype\": \"f32\", \"shape\": [10], $r}},
         \"x\": {\"dtype\": \"f32\", \"shape\": [64, 128], $r}, \"y\": {\"dtype\": \"f32\", \"shape\": [64, 10], $r}}"
  run --separate-stderr tjit run --no-cache --check --args "$args" "$TJIT_ROOT/scripts/bench/mlp_grad.json"
  assert_success
  assert_output --partial "'w2': Array("
  run tjit trace "$TJIT_ROOT/scripts/bench/grad_chain_f.json"
  assert_success
  assert_equal "${#lines[@]}" 10003 # the lambda line, 10,001 equations, the in line
  run tjit trace "$TJIT_ROOT/scripts/bench/grad_chain.json"
  assert_success
  assert_line --index 1 '    b:f32[8] = sin a'
}

#!/usr/bin/env bats
# jacfwd, jacrev and hessian (issue 16): the jacobians of the jac-* golden
# specs and of random ones against formulas numpy evaluates, and `run
# --check` (compiled == the reference evaluator) on each. The formulas are
# exact derivatives; the tolerance covers float32 rounding of a few terms
# (1e-5 relative). A wrong unravel (a transposed or misplaced block) or a
# wrong batching of the basis gives O(1) differences or the wrong shape.
bats_require_minimum_version 1.5.0
load helper

# matches SPEC PYTHON: SPEC's outputs (run --check, JSON) equal, leaf by
# leaf, the list `expected` the Python code computes (numpy as np, the
# spec's args as `args`), within 1e-5 * max(1, |expected|).
matches() {
  run --separate-stderr tjit run --check --format json "$1"
  assert_success
  echo "$output" >"$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 - "$BATS_TEST_TMPDIR/out.json" "$1" "$2" <<'EOF'
import json, sys
import numpy as np
outs = json.load(open(sys.argv[1]))["calls"][0]["outputs"]
args = {k: np.array(v, dtype=np.float64) for k, v in json.load(open(sys.argv[2]))["args"].items()}
env = {"np": np, "args": args}
exec(sys.argv[3], env)
expected = env["expected"]
assert len(outs) == len(expected), f"{len(outs)} outputs, {len(expected)} expected"
for i, (o, e) in enumerate(zip(outs, expected)):
    got, e = np.array(o["data"], dtype=np.float64), np.asarray(e, dtype=np.float64)
    assert got.shape == e.shape, f"output {i}: shape {got.shape}, expected {e.shape}"
    err = np.abs(got - e) / np.maximum(1.0, np.abs(e))
    assert err.max(initial=0) <= 1e-5, f"output {i}: {got} vs {e}"
print(f"{len(outs)} outputs match")
EOF
  assert_success
}

@test "jacfwd and jacrev of 2 sin(x): diag(2 cos x)" {
  matches "$CASES_DIR/jac-fwd-sin.json" 'expected = [np.diag(2 * np.cos(args["x"]))]'
  matches "$CASES_DIR/jac-rev-sin.json" 'expected = [np.diag(2 * np.cos(args["x"]))]'
}

@test "jacfwd and jacrev with argnums=(0, 1) of (x y, sum(y) x): one tuple of jacobians per output" {
  matches "$CASES_DIR/jac-argnums-pytree.json" '
x, y = args["x"], args["y"]
one = [y, x * np.eye(2), y.sum(), x * np.ones(2)]
expected = one + one'
}

@test "hessian of sum(x^3) is diag(6 x)" {
  matches "$CASES_DIR/jac-hessian.json" 'expected = [np.diag(6 * args["x"])]'
}

@test "jacfwd and jacrev of tanh(w v) with respect to the matrix w" {
  matches "$CASES_DIR/jac-matrix.json" '
w, v = args["w"], args["v"]
d = 1 - np.tanh(w @ v) ** 2
j = np.zeros((2, 2, 3))
for i in range(2): j[i, i, :] = d[i] * v
expected = [j, j]'
}

@test "vmap of jacrev: per-example jacobians x[0] I + x e0^T" {
  matches "$CASES_DIR/jac-per-example.json" '
expected = [np.stack([x[0] * np.eye(2) + np.outer(x, [1, 0]) for x in args["xs"]])]'
}

@test "hessian of a quadratic form plus sum(sin): (A + A^T) / 2 - diag(sin x), by jacfwd(jacrev) and jacrev(jacfwd)" {
  cat >"$BATS_TEST_TMPDIR/q.json" <<'JSON'
{"tjit": 1,
 "source": ["auto f(float x[4], float a[4][4]) { return 0.5 * dot(x, dot(a, x)) + sum(sin(x)); }",
            "auto g(float x[4], float a[4][4]) { return (hessian(f)(x, a), jacrev(jacfwd(f))(x, a)); }"],
 "function": "g",
 "args": {"x": [0.5, -1.0, 2.0, 0.25], "a": [[1.0, 2.0, 0.0, -1.0], [0.5, 3.0, 1.0, 0.0], [0.0, -2.0, 1.0, 0.5], [1.0, 0.0, 0.25, 2.0]]}}
JSON
  matches "$BATS_TEST_TMPDIR/q.json" '
x, a = args["x"], args["a"]
h = (a + a.T) / 2 - np.diag(np.sin(x))
expected = [h, h]'
}

@test "hessian with argnums=(0, 1): the blocks as a tuple of tuples" {
  cat >"$BATS_TEST_TMPDIR/h2.json" <<'JSON'
{"tjit": 1,
 "source": ["auto f(float x[2], float y[3]) { return sum(x) * sum(y * y); }",
            "auto g(float x[2], float y[3]) { return hessian(f, argnums=(0, 1))(x, y); }"],
 "function": "g",
 "args": {"x": [1.0, 2.0], "y": [0.5, -1.0, 3.0]}}
JSON
  matches "$BATS_TEST_TMPDIR/h2.json" '
x, y = args["x"], args["y"]
expected = [np.zeros((2, 2)), np.outer(np.ones(2), 2 * y), np.outer(2 * y, np.ones(2)), 2 * x.sum() * np.eye(3)]'
}

@test "jacobian is jacrev; a jacobian inside a jit and of a scalar argument" {
  cat >"$BATS_TEST_TMPDIR/s.json" <<'JSON'
{"tjit": 1,
 "source": ["auto f(x) { return (x * x, exp(x)); }",
            "jit auto inner(float x) { return jacobian(f)(x); }",
            "auto g(float x) { return (inner(x), jacfwd(f)(x)); }"],
 "function": "g",
 "args": {"x": 0.5}}
JSON
  matches "$BATS_TEST_TMPDIR/s.json" '
x = args["x"]
expected = [2 * x, np.exp(x), 2 * x, np.exp(x)]'
}

@test "jacfwd refuses integer inputs and jacrev integer outputs with JAX's errors" {
  run tjit trace "$CASES_DIR/jac-error-fwd-int.json"
  assert_failure 1
  assert_output --partial "TypeError: jacfwd requires real-valued inputs"
  run tjit trace "$CASES_DIR/jac-error-rev-int-output.json"
  assert_failure 1
  assert_output --partial "TypeError: jacrev requires real-valued outputs"
}

@test "has_aux=True: (jacobian, aux) from jacfwd, jacrev and hessian" {
  matches "$CASES_DIR/jac-has-aux.json" '
x = args["x"]
j = np.diag(2 * np.cos(x))
expected = [j, x.sum(), j, x.sum(), np.diag(6 * x), x[0]]'
  cat >"$BATS_TEST_TMPDIR/bad.json" <<'JSON'
{"tjit": 1,
 "source": ["auto f(x) { return (sin(x), x, x); }",
            "auto g(float x[2]) { return jacfwd(f, has_aux=true)(x); }"],
 "function": "g",
 "args": {"x": [1.0, 2.0]}}
JSON
  run tjit trace "$BATS_TEST_TMPDIR/bad.json"
  assert_failure 1
  assert_output --partial "ValueError: too many values to unpack (expected 2)"
}

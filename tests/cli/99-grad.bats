#!/usr/bin/env bats
# Reverse-mode autodiff (issue 17): grad, value_and_grad and vjp programs
# are ordinary jaxprs, so `tjit run --check` compiles them and compares
# with the reference evaluator; here each gradient is also checked against
# central finite differences of the same function in f64, computed by the
# same spec, along three random directions t (three independent
# directions pin a 3-element gradient down; for bigger inputs a wrong
# entry still shows in a random direction):
#   <grad f(x), t>  vs  fd = (f(x + h t) - f(x - h t)) / (2 h),  h = 1e-6.
# The difference's error is the truncation h^2/6 |f'''| (about
# 1.7e-13 |f'''|) plus the rounding eps |f| / h (eps = 2^-52: about
# 2.2e-10 |f|); with |f| and |f'''| below 100 on these inputs (and t's
# entries in [0, 1)) that is under 3e-8, so the tolerance is
# 1e-7 * max(1, |<grad, t>|). A wrong rule is off by O(1).
bats_require_minimum_version 1.5.0
load helper

# A spec whose g returns, for each of three directions T[k], the pair
# (<grad(f)(x), T[k]>, finite difference of f along T[k]), all f64.
# NAME, the source lines defining f(x) (JSON strings), x's dimensions,
# x's data (JSON).
grad_spec() {
  local pairs="" k
  for k in 0 1 2; do
    pairs+="${pairs:+, }sum(gr * T[$k]), (f(x + h * T[$k]) - f(x - h * T[$k])) / (2 * h)"
  done
  local dims=$3 shape
  shape=$(echo "$dims" | sed 's/\]\[/, /g')
  cat >"$BATS_TEST_TMPDIR/$1.json" <<EOF
{"tjit": 1,
 "source": [$2,
   "auto g(double x$dims, double T[3]$dims) {",
   "  auto gr = grad(f)(x);",
   "  auto h = 1e-6;",
   "  return ($pairs);",
   "}"],
 "function": "g",
 "args": {"x": {"dtype": "f64", "data": $4},
          "T": {"dtype": "f64", "shape": [3, ${shape:1:-1}], "random": {"seed": 7}}}}
EOF
}

@test "grad of an MLP loss (matmul, bias, tanh, mean of squares) agrees with finite differences" {
  grad_spec mlp '"double f(double w[3][2]) {",
   "  auto x = reshape(arange(12.0), (4, 3)) * 0.25 - 1.0;",
   "  auto y = reshape(arange(8.0), (4, 2)) * 0.125;",
   "  return mean(square(tanh(x @ w + array([0.5, -0.25])) - y));",
   "}"' '[3][2]' '[[0.5, -0.25], [1.0, 0.75], [-0.5, 0.125]]'
  fd_agrees "$BATS_TEST_TMPDIR/mlp.json" 3
}

@test "grad of a log_softmax cross-entropy (a jit, with stop_gradient inside) agrees with finite differences" {
  grad_spec xent '"double f(double x[2][3]) {",
   "  auto y = array([[0.0, 1.0, 0.0], [0.25, 0.25, 0.5]]);",
   "  return -sum(log_softmax(x) * y) + logsumexp(x) * 0.5 + sum(softmax(x, axis=0) * y);",
   "}"' '[2][3]' '[[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]]'
  fd_agrees "$BATS_TEST_TMPDIR/xent.json" 3
}

@test "grad of a layer norm (mean, var: jits with a nested jit) agrees with finite differences" {
  grad_spec ln '"double f(double x[4]) {",
   "  auto y = (x - mean(x)) / sqrt(var(x) + 1e-5);",
   "  return sum(y * array([1.0, -2.0, 0.5, 3.0])) + sum(y * y * y);",
   "}"' '[4]' '[0.5, 2.0, -1.0, 1.5]'
  fd_agrees "$BATS_TEST_TMPDIR/ln.json" 3
}

@test "grad through where, clip, maximum, relu, softplus and logaddexp agrees with finite differences" {
  # x stays away from the kinks (where's 0.5, clip's -1 and 1, relu's
  # x + 2.5 = 0, maximum's tie with 0.3)
  grad_spec kinks '"double f(double x[3]) {",
   "  return sum(where(x > 0.5, x * x, 0.0) + clip(x, -1.0, 1.0) + maximum(x, 0.3) * relu(x + 2.5)",
   "             + softplus(x) * logaddexp(x, 1.0 - x));",
   "}"' '[3]' '[0.25, 0.75, -2.0]'
  fd_agrees "$BATS_TEST_TMPDIR/kinks.json" 3
}

@test "grad through slices, an index, pad, concatenate, transpose and reshape agrees with finite differences" {
  grad_spec shapes '"double f(double x[2][3]) {",
   "  auto c = concatenate((x, x[:, ::2] * x[:, 1:]), 1);",
   "  auto r = reshape(transpose(c), (10,));",
   "  return sum(exp(r * 0.5) * arange(10.0)) + x[1, 2] * x[0, 0] + sum(pad(x, 1) ** 2);",
   "}"' '[2][3]' '[[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]]'
  fd_agrees "$BATS_TEST_TMPDIR/shapes.json" 3
}

@test "grad through user jit functions, called twice and nested, agrees with finite differences" {
  grad_spec jits '"jit double h(double y[3]) { return sin(y) * y; }",
   "jit double k(double y[3]) { return h(y * 2.0) / (1.0 + y * y); }",
   "double f(double x[3]) { return sum(h(x) * k(x + 1.0)) + max(h(x)); }"' '[3]' '[0.5, -1.0, 2.0]'
  fd_agrees "$BATS_TEST_TMPDIR/jits.json" 3
}

@test "grad of grad agrees with finite differences of the first grad" {
  grad_spec gg '"double f0(double y[3]) { return sum(sin(y) * y * exp(-y)); }",
   "double f(double x[3]) { return sum(grad(f0)(x) * array([1.0, -0.5, 2.0])); }"' '[3]' '[0.5, -1.0, 2.0]'
  fd_agrees "$BATS_TEST_TMPDIR/gg.json" 3
}

@test "a vjp pullback agrees with finite differences of <c, f(x)>" {
  cat >"$BATS_TEST_TMPDIR/vjp.json" <<'EOF'
{"tjit": 1,
 "source": ["double F(double x[3]) { return tanh(x) * sum(x * x) + x[::-1]; }",
  "auto g(double x[3], double c[3], double T[3][3]) {",
  "  let (out, pullback) = vjp(F, x);",
  "  auto gx = pullback(c)[0];",
  "  auto h = 1e-6;",
  "  return (sum(gx * T[0]), (sum(c * F(x + h * T[0])) - sum(c * F(x - h * T[0]))) / (2 * h),",
  "          sum(gx * T[1]), (sum(c * F(x + h * T[1])) - sum(c * F(x - h * T[1]))) / (2 * h),",
  "          sum(gx * T[2]), (sum(c * F(x + h * T[2])) - sum(c * F(x - h * T[2]))) / (2 * h));",
  "}"],
 "function": "g",
 "args": {"x": {"dtype": "f64", "data": [0.5, -1.0, 2.0]}, "c": {"dtype": "f64", "data": [1.0, -0.5, 0.25]},
          "T": {"dtype": "f64", "shape": [3, 3], "random": {"seed": 7}}}}
EOF
  fd_agrees "$BATS_TEST_TMPDIR/vjp.json" 3
}

@test "value_and_grad with has_aux returns f's value and aux beside the gradient" {
  cat >"$BATS_TEST_TMPDIR/vag.json" <<'EOF'
{"tjit": 1,
 "source": ["auto f(double x[3]) { return (sum(x * x), x * 2.0); }",
  "auto g(double x[3]) { return value_and_grad(f, has_aux=true)(x); }"],
 "function": "g",
 "args": {"x": {"dtype": "f64", "data": [0.5, -1.0, 2.0]}}}
EOF
  run --separate-stderr tjit run --check "$BATS_TEST_TMPDIR/vag.json"
  assert_success
  # ((sum(x^2), 2 x), 2 x): 0.25 + 1 + 4 = 5.25, exactly
  assert_output "args: ((Array(5.25, dtype=float64), Array([ 1., -2.,  4.], dtype=float64)), Array([ 1., -2.,  4.], dtype=float64))"
}

@test "the grad goldens' listings compile and agree with the reference evaluator" {
  # --fill-random: trace-only cases give some arguments by dtype and shape
  local c
  for c in "$CASES_DIR"/grad-*.json; do
    [[ $c == */grad-error-* ]] && continue
    run --separate-stderr tjit run --check --fill-random 1 "$c"
    assert_success
  done
}

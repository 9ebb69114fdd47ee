#!/usr/bin/env bats
# Reverse mode through the data primitives (issue 15): the gradient g of a
# scalar f, dotted with a direction t, is compared with the central finite
# difference of f along t, in f64, computed by the same spec:
#   fd = (f(x + h t) - f(x - h t)) / (2 h),  h = 1e-6.
# Its error is the truncation h^2/6 |f'''| (about 1.7e-13 |f'''|) plus the
# rounding eps |f| / h (eps = 2^-52: about 2.2e-10 |f|); with |f| and
# |f'''| below 100 on these inputs (most of these f are piecewise
# polynomial of low degree, the inputs away from ties so that +-h t keeps
# every sort order and window choice) that is under 3e-8, so the tolerance
# is 1e-7 * max(1, |g.t|). A wrong transpose rule is off by O(1).
# `tjit run --check` also compiles each program and compares it with the
# reference evaluator.
bats_require_minimum_version 1.5.0
load helper

# Runs SPEC (run --check, JSON, then any more options) and checks its two
# outputs, g.t and the finite difference, agree within the tolerance
# above.
grad_fd_agrees() {
  local spec=$1
  shift
  run --separate-stderr tjit run --format json "${@:---check}" "$spec"
  assert_success
  echo "$output" >"$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 - "$BATS_TEST_TMPDIR/out.json" <<'EOF'
import json, sys
outs = json.load(open(sys.argv[1]))["calls"][0]["outputs"]
assert len(outs) == 2, "outputs must be (g.t, fd)"
x, y = outs[0]["data"], outs[1]["data"]
err = abs(x - y) / max(1.0, abs(x))
if err > 1e-7:
    sys.exit(f"g.t {x!r} vs finite difference {y!r}")
if abs(y) < 1e-3:
    sys.exit(f"the finite difference {y!r} is too small to tell a wrong gradient")
print("agree")
EOF
  assert_success
  assert_output "agree"
}

# A spec whose function g returns (sum(grad(f)(x) * t), finite difference
# of f at x along t), all f64. EXTRA is more parameters of g and f (", int
# i"), EXTRA_ARGS their names (", i").
grad_fd_spec() { # NAME, source lines of f (JSON strings), x shape, args, [EXTRA, EXTRA_ARGS]
  cat >"$BATS_TEST_TMPDIR/$1.json" <<EOF
{"tjit": 1,
 "source": [$2,
   "auto g(double x$3, double t$3${5:-}) {",
   "  auto d = grad(f)(x${6:-});",
   "  auto h = 1e-6;",
   "  return (sum(d * t), (f(x + h * t${6:-}) - f(x - h * t${6:-})) / (2 * h));",
   "}"],
 "function": "g",
 "args": $4}
EOF
}

X34='{"x": {"dtype": "f64", "data": [[0.5, 1.25, -2.0, 0.75], [1.5, -0.25, 2.5, -1.0], [0.3, 2.2, -0.7, 1.1]]},
      "t": {"dtype": "f64", "data": [[1.0, -0.5, 0.25, 2.0], [0.5, 1.5, -1.0, 0.75], [-0.25, 1.0, 0.5, -1.5]]}}'

@test "grad through gathers (repeated indices, whole rows, take with clip) agrees with finite differences" {
  grad_fd_spec gather '"double f(double x[3][4]) {",
   "  auto a = x[array([2, 0, 2]), array([1, 3, 1])];",
   "  auto b = x[array([1, 1, 0])];",
   "  auto c = take(x, array([3, 0, 2]), axis=1, mode=\"clip\");",
   "  return sum(a * a) + sum(b * x) + sum(sin(c));",
   "}"' '[3][4]' "$X34"
  grad_fd_agrees "$BATS_TEST_TMPDIR/gather.json"
}

@test "grad through take with clip at indices out of range (a CLIP scatter-add clamps) agrees with finite differences" {
  grad_fd_spec clip '"double f(double x[3][4]) {",
   "  auto c = take(x, array([5, -3, 1, 9, 3]), axis=1, mode=\"clip\");",
   "  auto r = take(x, array([[7, 0], [-1, 2]]), axis=0, mode=\"clip\");",
   "  return sum(c * c * 0.5) + sum(r * 2.0);",
   "}"' '[3][4]' "$X34"
  grad_fd_agrees "$BATS_TEST_TMPDIR/clip.json"
  run -0 tjit trace "$BATS_TEST_TMPDIR/clip.json"
  [[ $output == *"mode=GatherScatterMode.CLIP"*"scatter-add"* ]]
}

@test "grad through scatter-add, scatter-sub, scatter and scatter-mul agrees with finite differences" {
  grad_fd_spec scatter '"double f(double x[3][4]) {",
   "  auto a = x.at[array([2, 0, 2])].add(x[1] * x[0] * 0.5);",
   "  auto b = x.at[array([1, 1])].subtract(x[0:2] * 2.0);",
   "  auto c = x.at[1, 2].set(x[0, 0] * x[2, 3]);",
   "  auto d = x.at[2].multiply(x[0] + 1.0);",
   "  return sum(a * x) + sum(b * b) * 0.25 + sum(c * x) + sum(d * d);",
   "}"' '[3][4]' "$X34"
  grad_fd_agrees "$BATS_TEST_TMPDIR/scatter.json"
}

@test "grad through split, tile and reduce_precision agrees with finite differences" {
  grad_fd_spec split '"double f(double x[3][4]) {",
   "  auto p = split(x, (1, 3), axis=1);",
   "  auto q = split(x, 3);",
   "  return sum(p[1] * p[1]) + sum(q[2] * 3.0) + sum(tile(x, (2, 1, 3)) * x[0][1]) + sum(lax_reduce_precision(x * x, 11, 52));",
   "}"' '[3][4]' "$X34"
  grad_fd_agrees "$BATS_TEST_TMPDIR/split.json"
}

@test "grad through stack (unstack) agrees with finite differences" {
  grad_fd_spec stack '"double f(double x[3][4]) {",
   "  auto s = stack((x, x * x, sin(x)), 1);",
   "  auto r = stack((x[0], x[2]));",
   "  return sum(s * s) * 0.5 + sum(r * x[1]);",
   "}"' '[3][4]' "$X34"
  grad_fd_agrees "$BATS_TEST_TMPDIR/stack.json"
}

@test "grad through reduce_window sums (padding, strides, both dilations) agrees with finite differences" {
  grad_fd_spec window '"double f(double x[3][4]) {",
   "  auto a = reduce_window(x, 0.0, \"add\", (2, 2), (1, 2), ((1, 0), (0, 1)), (1, 2), (2, 1));",
   "  auto b = reduce_window(x * x, 0.0, \"add\", (2, 3), (2, 1), \"SAME\");",
   "  return sum(a * a) + sum(b * 0.5);",
   "}"' '[3][4]' "$X34"
  grad_fd_agrees "$BATS_TEST_TMPDIR/window.json"
}

@test "grad through dynamic slices (a traced index, in range and clamped) agrees with finite differences" {
  for i in 1 7 -2; do
    grad_fd_spec dyn '"double f(double x[3][4], int i) {",
     "  return sum(x[i, 1:3] * x[i, 0:2]) + x[i - 1][2] * x[0][1] * 3.0 + sum(sin(x[i])) + x[i][3] * 2.0;",
     "}"' '[3][4]' "$(echo "$X34" | sed 's/}}$/}, "i": '"$i"'}/')" ', int i' ', i'
    grad_fd_agrees "$BATS_TEST_TMPDIR/dyn.json"
  done
}

@test "grad through sort and top_k of a vector agrees with finite differences" {
  grad_fd_spec sort '"double f(double x[6]) {",
   "  auto w = arange(6.0) + 1.0;",
   "  return sum(sort(x) * w) + sum(top_k(x * x, 3)[0] * w[0:3]);",
   "}"' '[6]' '{"x": {"dtype": "f64", "data": [0.5, -1.25, 2.0, 0.75, -0.3, 1.6]}, "t": {"dtype": "f64", "data": [1.0, 0.5, -0.25, 2.0, -1.5, 0.75]}}'
  grad_fd_agrees "$BATS_TEST_TMPDIR/sort.json"
}

# Random x and t (--fill-random): the convolutions' inputs and kernels.
# The compiled convolution sums in another order than the evaluator, a
# difference of an ulp that the finite difference magnifies by 1/h, so
# the finite differences are the evaluator's (--reference), and --check
# compares the compiled gradient alone (grad_checks).

# run --check of SPEC's g returning only sum(d * t) (more options after).
grad_checks() {
  local spec=$1
  shift
  sed 's|  return (sum(d \* t), .*|  return sum(d * t);",|' "$spec" >"$spec.check.json"
  grep -q 'return sum(d \* t);' "$spec.check.json"
  run -0 tjit run --check "$@" "$spec.check.json"
}
CONVX='{"x": {"dtype": "f64", "shape": [2, 4, 5, 4]}, "t": {"dtype": "f64", "shape": [2, 4, 5, 4]}}'
CONVK='{"x": {"dtype": "f64", "shape": [6, 2, 2, 3]}, "t": {"dtype": "f64", "shape": [6, 2, 2, 3]}}'

@test "grad of a convolution's input (strides, padding, dilations, feature and batch groups) agrees with finite differences" {
  grad_fd_spec convx '"double f(double x[2][4][5][4]) {",
   "  auto k = sin(reshape(arange(72.0, dtype=float64), (6, 2, 2, 3)) * 0.7);",
   "  auto kb = sin(reshape(arange(48.0, dtype=float64), (4, 4, 1, 3)));",
   "  auto a = conv_general_dilated(x, k, (2, 1), ((1, 0), (0, 1)), lhs_dilation=(1, 2), rhs_dilation=(1, 2), feature_group_count=2);",
   "  auto b = conv_general_dilated(x, kb, (1, 2), ((0, 1), (1, 1)), batch_group_count=2);",
   "  return sum(sin(a)) + sum(b * b) * 0.1;",
   "}"' '[2][4][5][4]' "$CONVX"
  grad_fd_agrees "$BATS_TEST_TMPDIR/convx.json" --fill-random 7 --reference
  grad_checks "$BATS_TEST_TMPDIR/convx.json" --fill-random 7
}

@test "grad of a convolution's kernel (strides, padding, dilations, feature and batch groups) agrees with finite differences" {
  grad_fd_spec convk '"double f(double x[6][2][2][3]) {",
   "  auto u = sin(reshape(arange(160.0, dtype=float64), (2, 4, 5, 4)) * 0.3);",
   "  auto a = conv_general_dilated(u, x, (2, 1), ((1, 0), (0, 1)), lhs_dilation=(1, 2), rhs_dilation=(1, 2), feature_group_count=2);",
   "  auto b = conv_general_dilated(u, reshape(x[0:4], (2, 4, 2, 3)), (1, 2), ((0, 1), (1, 1)), batch_group_count=2, dimension_numbers=(\"NCHW\", \"OIHW\", \"NHWC\"));",
   "  return sum(sin(a)) + sum(b * b) * 0.1;",
   "}"' '[6][2][2][3]' "$CONVK"
  grad_fd_agrees "$BATS_TEST_TMPDIR/convk.json" --fill-random 11 --reference
  grad_checks "$BATS_TEST_TMPDIR/convk.json" --fill-random 11
}

@test "grad through max and min pooling (select_and_scatter_add: padding, strides, base dilation) agrees with finite differences" {
  grad_fd_spec pool '"double f(double x[4][6]) {",
   "  auto a = reduce_window(x, -inf, \"max\", (2, 3), (1, 2), ((0, 1), (1, 1)));",
   "  auto b = reduce_window(x * x, inf, \"min\", (3, 2), (2, 1), \"SAME\", (2, 1));",
   "  auto c = reduce_window(x, -inf, \"max\", (2, 2), (2, 2), \"VALID\");",
   "  return sum(a * a) + sum(sin(b)) + sum(c * 3.0);",
   "}"' '[4][6]' '{"x": {"dtype": "f64", "shape": [4, 6]}, "t": {"dtype": "f64", "shape": [4, 6]}}'
  grad_fd_agrees "$BATS_TEST_TMPDIR/pool.json" --fill-random 5 --check
  run -0 tjit trace "$BATS_TEST_TMPDIR/pool.json"
  [[ $output == *"select_and_scatter_add["* ]]
}

@test "grad through max pooling with a window dilation is JAX's NotImplementedError" {
  cat >"$BATS_TEST_TMPDIR/wdil.json" <<'JSON'
{"tjit": 1,
 "source": ["float f(float x[5][5]) { return sum(reduce_window(x, -inf, \"max\", (2, 2), (1, 1), \"VALID\", (1, 1), (1, 2))); }",
            "auto g(float x[5][5]) { return grad(f)(x); }"],
 "function": "g",
 "args": {"x": {"dtype": "f32", "shape": [5, 5]}}}
JSON
  run -1 --separate-stderr tjit trace "$BATS_TEST_TMPDIR/wdil.json"
  [[ $stderr == *"NotImplementedError: VJP not implemented for select_and_gather (MaxPool) with window dilation, got window_dilation=(1, 2)."* ]]
}

@test "grad through sort and top_k along an axis of a rank-3 array (scatters with batching dimensions) agrees with finite differences" {
  grad_fd_spec sort3 '"double f(double x[3][4]) {",
   "  auto y = reshape(x, (2, 3, 2));",
   "  return sum(sort(y, axis=1) * reshape(arange(12.0, dtype=float64), (2, 3, 2))) + sum(top_k(y * y, 2)[0] * 1.5);",
   "}"' '[3][4]' "$X34"
  grad_fd_agrees "$BATS_TEST_TMPDIR/sort3.json"
  run -0 tjit trace "$BATS_TEST_TMPDIR/sort3.json"
  [[ $output == *"operand_batching_dims=(0, 2)"* ]]
}

@test "second derivatives (grad of a grad) through dynamic slices, stack and max pooling agree with finite differences" {
  grad_fd_spec hess '"double f0(double x[3][4], int i) {",
   "  auto p = reduce_window(x * x, -inf, \"max\", (2, 2), (1, 2), \"SAME\");",
   "  return sum(sin(x[i]) * x[i - 1]) + sum(stack((x, x * x), 1) * x[0]) + sum(p * x[:, 1:3]);",
   "}",
   "double f(double x[3][4], int i) { return sum(grad(f0)(x, i) * cos(x)); }"' '[3][4]' "$(echo "$X34" | sed 's/}}$/}, "i": 2}/')" ', int i' ', i'
  grad_fd_agrees "$BATS_TEST_TMPDIR/hess.json"
  run -0 tjit trace "$BATS_TEST_TMPDIR/hess.json"
  [[ $output == *"dynamic_update_slice"*"unstack"* || $output == *"unstack"*"dynamic_update_slice"* ]]
  [[ $output == *"select_and_scatter_add"* && $output == *"select_and_gather_add"* ]]
}

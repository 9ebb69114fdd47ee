#!/usr/bin/env bats
# Forward-mode autodiff (issue 15): jvp programs are ordinary jaxprs, so
# `tjit run --check` compiles them and compares with the reference
# evaluator; here each tangent is also compared with a central finite
# difference of the same function in f64, computed by the same spec:
#   fd = (f(x + h t) - f(x - h t)) / (2 h),  h = 1e-6.
# Its error is the truncation h^2/6 |f'''| (about 1.7e-13 |f'''|) plus the
# rounding eps |f| / h (eps = 2^-52: about 2.2e-10 |f|); with |f| and
# |f'''| below 100 on these inputs that is under 3e-8, so the tolerance is
# 1e-7 * max(1, |tangent|). A wrong rule is off by O(1).
bats_require_minimum_version 1.5.0
load helper

# A spec whose function g returns (jvp tangent, finite difference) of the
# source's f at x along t, all f64.
fd_spec() { # NAME, source lines of f (JSON strings), x shape, args
  cat >"$BATS_TEST_TMPDIR/$1.json" <<EOF
{"tjit": 1,
 "source": [$2,
   "double g(double x$3, double t$3) {",
   "  let (p, d) = jvp(f, (x,), (t,));",
   "  auto h = 1e-6;",
   "  return (d, (f(x + h * t) - f(x - h * t)) / (2 * h));",
   "}"],
 "function": "g",
 "args": $4}
EOF
}

X3='{"x": {"dtype": "f64", "data": [0.5, 1.0, 2.0]}, "t": {"dtype": "f64", "data": [1.0, 0.5, -1.0]}}'

@test "jvp of an elementwise chain agrees with finite differences" {
  fd_spec chain '"double f(double x[3]) { return tanh(logistic(x)) / sqrt(x) + rsqrt(x) * x * x - cos(log(x)) + exp(-x) * sin(x); }"' '[3]' "$X3"
  fd_agrees "$BATS_TEST_TMPDIR/chain.json" 1
}

@test "jvp through powers, abs, max/min, where and a jitted function agrees with finite differences" {
  fd_spec pw '"jit double h(double y[3]) { return y ** 3 - square(y) + abs(y - 1.2); }",
   "double f(double x[3]) { return where(x > 0.8, h(x), maximum(x, 0.7) * minimum(x, 1.5)) / (x + 2.0); }"' '[3]' "$X3"
  fd_agrees "$BATS_TEST_TMPDIR/pw.json" 1
}

@test "jvp of reductions (sum, max, min) and a matmul agrees with finite differences" {
  fd_spec red '"double f(double x[2][3]) {",
   "  auto w = reshape(arange(6.0), (3, 2)) * 0.25;",
   "  auto m = dot(x, w);",
   "  return concatenate((expand_dims(sum(m * m), 0), max(x, axis=1), min(transpose(x), axis=0), x[0], x[1] * 2.0), 0);",
   "}"' '[2][3]' '{"x": {"dtype": "f64", "data": [[0.5, 1.5, -1.0], [2.0, 0.25, 1.0]]}, "t": {"dtype": "f64", "data": [[1.0, -0.5, 0.25], [0.5, 2.0, -1.0]]}}'
  fd_agrees "$BATS_TEST_TMPDIR/red.json" 1
}

@test "nested jvp (a second derivative) agrees with finite differences of the first" {
  fd_spec nest '"double f0(double y[3]) { return sin(y) * y * exp(-y); }",
   "double f(double x[3]) { let (p, d) = jvp(f0, (x,), (ones_like(x),)); return d; }"' '[3]' "$X3"
  fd_agrees "$BATS_TEST_TMPDIR/nest.json" 1
}

@test "jvp on 4096 elements takes the compiled path and agrees with finite differences" {
  fd_spec big '"double f(double x[4096]) { return sum(tanh(x) * x) + max(exp(x) / (1.0 + x * x)); }"' '[4096]' \
    '{"x": {"dtype": "f64", "shape": [4096], "random": {"seed": 3}}, "t": {"dtype": "f64", "shape": [4096], "random": {"seed": 4}}}'
  fd_agrees "$BATS_TEST_TMPDIR/big.json" 1
}

@test "tjit run prints jvp's (primal_out, tangent_out) as JAX prints the pair" {
  run --separate-stderr tjit run "$CASES_DIR/jvp-sin-mul.json"
  assert_success
  # sin(x) * 2 and cos(x) * 2 at 0.1, 0.2, 0.3 in float32: Python's math.sin
  # and math.cos give 0.19966683, 0.39733866, 0.59104041 and 1.99000833,
  # 1.96013316, 1.91067298 (float32 rounds them as printed)
  assert_output "args: (Array([0.19966684, 0.39733866, 0.59104043], dtype=float32), Array([1.9900084, 1.9601332, 1.910673 ], dtype=float32))"
}

@test "jvp of a rule that raises (svd with full_matrices, m != n) exits 1 with JAX's text" {
  # no primitive the language reaches lacks a JVP rule any more (svd was the
  # last): ad.py's "Differentiation rule for ... not implemented" is
  # test_jvp.c's test_missing_rule (reduce_and)
  run --separate-stderr tjit run "$CASES_DIR/jvp-svd-error-full-matrices.json" --args '{"x": {"dtype": "f32", "shape": [4, 3], "fill": 1}, "t": {"dtype": "f32", "shape": [4, 3], "fill": 1}}'
  assert_failure 1
  [[ $stderr == *"NotImplementedError: Singular value decomposition JVP not implemented for full matrices"* ]]
}

@test "jvp of relu, relu6, softplus and logaddexp (custom_jvp rules) agrees with finite differences" {
  # x stays away from relu's kink at 0 and relu6's at 6
  fd_spec cj '"double f(double x[3]) { return relu(x - 0.75) * relu6(x * 2.5) + softplus(x) + logaddexp(x, x * x - 2.0); }"' '[3]' "$X3"
  fd_agrees "$BATS_TEST_TMPDIR/cj.json" 1
}

@test "jvp of relu at its kink takes the custom rule's zero, not max's half" {
  # relu.defjvps gives select(x > 0, g, 0): 0 at x = 0, where max's own
  # rule (_balanced_eq) would give g / 2
  cat >"$BATS_TEST_TMPDIR/kink.json" <<'EOF2'
{"tjit": 1, "source": ["double f(double x[3]) { return relu(x); }",
  "auto g(double x[3], double t[3]) { return jvp(f, (x,), (t,)); }"],
 "function": "g", "args": {"x": {"dtype": "f64", "data": [-1.0, 0.0, 2.0]}, "t": {"dtype": "f64", "data": [1.0, 1.0, 1.0]}}}
EOF2
  run --separate-stderr tjit run --check "$BATS_TEST_TMPDIR/kink.json"
  assert_success
  assert_output "args: (Array([0., 0., 2.], dtype=float64), Array([0., 0., 1.], dtype=float64))"
}

@test "jvp of take (gather, fill and clip) and pad agrees with finite differences" {
  fd_spec gp '"double f(double x[3]) { return take(x, array([2, 0, 5]), mode=\"fill\", fill_value=0.0) * take(x * x, array([1, 7, 0]), mode=\"clip\") + pad(x, 2)[1:4] * 0.5; }"' '[3]' "$X3"
  fd_agrees "$BATS_TEST_TMPDIR/gp.json" 1
}

# Control flow (lib/ir/jvp_control.c). The loops' trip counts and the
# branches taken are the same at x +- h t: every threshold below is at
# least 0.1 away from the values the inputs reach.

@test "jvp through cond and switch (all three branches) agrees with finite differences" {
  fd_spec cs '"double k(double v) { return astype(v > 0.75, int32) + astype(v > 1.5, int32); }",
   "double f(double x[3]) {",
   "  auto a(auto v, auto w) { return v + 1.0; }",
   "  auto b(auto v, auto w) { return v * w; }",
   "  auto c(auto v, auto w) { return sin(v) * 2.0; }",
   "  auto s = switch(k(x[0]), (a, b, c), x, x * x) + switch(k(x[1]), (a, b, c), x, 2.0) + switch(k(x[2]), (a, b, c), exp(x), x);",
   "  auto pos(auto v, auto w) { return (v * w, w); }",
   "  auto neg(auto v, auto w) { return (w, cos(w)); }",
   "  let (p, q) = cond(sum(x) > 0, pos, neg, x, s);",
   "  let (r, u) = cond(sum(x) < 0, pos, neg, x, s);",
   "  return p * q + r * u;",
   "}"' '[3]' "$X3"
  fd_agrees "$BATS_TEST_TMPDIR/cs.json" 1
}

@test "jvp through while_loop (float carry, consts, a zero initial tangent) agrees with finite differences" {
  fd_spec wl '"double f(double x[3]) {",
   "  auto c(auto v) { return sum(v) < 40.0; }",
   "  auto b(auto v) { return v * 1.5 + sin(v) * x; }",
   "  auto c2(auto v) { return sum(v) < sum(x) * 10.0; }",
   "  auto b2(auto v) { return v * x + 1.0; }",
   "  return while_loop(c, b, x) + while_loop(c2, b2, ones_like(x));",
   "}"' '[3]' "$X3"
  fd_agrees "$BATS_TEST_TMPDIR/wl.json" 1
}

@test "jvp through scan (carry and ys, reverse, consts, a zero initial carry) agrees with finite differences" {
  fd_spec sc '"double f(double x[3]) {",
   "  auto step(auto c, auto y) { return (c * y + sin(y), c + y * x[1]); }",
   "  let (c1, ys1) = scan(step, x[0], x);",
   "  let (c2, ys2) = scan(step, 1.0, x * x, reverse=true);",
   "  auto step3(auto c, auto y) { return (c * x + 2.0, c); }",
   "  let (c3, ys3) = scan(step3, zeros_like(x), None, length=4);",
   "  return ys1 * c1 + ys2 * c2 + c3 + sum(ys3, axis=0);",
   "}"' '[3]' "$X3"
  fd_agrees "$BATS_TEST_TMPDIR/sc.json" 1
}

@test "jvp through fori_loop (static bounds as scan, traced bounds as while) agrees with finite differences" {
  fd_spec fl '"double f(double x[3]) {",
   "  auto body(auto i, auto acc) { return acc * x + i; }",
   "  auto body2(auto i, auto acc) { return acc * x[2] + i; }",
   "  auto n = astype(x[0] * 0.0, int32) + 3;",
   "  return fori_loop(0, 4, body, zeros_like(x)) + fori_loop(0, n, body, x) + fori_loop(1, 3, body2, 0.5);",
   "}"' '[3]' "$X3"
  fd_agrees "$BATS_TEST_TMPDIR/fl.json" 1
}

@test "jvp through a cond inside a scan inside a while_loop agrees with finite differences" {
  fd_spec nest '"double f(double x[3]) {",
   "  auto outer(auto v) {",
   "    auto step(auto c, auto y) {",
   "      auto big(auto u) { return u * y; }",
   "      auto small(auto u) { return u + y * y; }",
   "      auto n = cond(y > 1.2, big, small, c);",
   "      return (n, sin(n));",
   "    }",
   "    let (c, ys) = scan(step, v[0], v);",
   "    return v * 0.5 + ys * c;",
   "  }",
   "  auto cnd(auto v) { return sum(v) < 30.0; }",
   "  return while_loop(cnd, outer, x);",
   "}"' '[3]' "$X3"
  fd_agrees "$BATS_TEST_TMPDIR/nest.json" 1
}

@test "nested jvp through scan and while_loop (a second derivative) agrees with finite differences of the first" {
  # the inner jvp's loops carry tangents; the outer jvp differentiates
  # those loops again (their bodies made by rearrange_binders)
  fd_spec nest2 '"double f0(double y[3]) {",
   "  auto step(auto c, auto z) { return (c * z + sin(c), c * c); }",
   "  let (c, ys) = scan(step, y[0], y);",
   "  auto cw(auto v) { return sum(v) < 20.0; }",
   "  auto bw(auto v) { return v * y + cos(v); }",
   "  return sum(ys) * c + while_loop(cw, bw, y);",
   "}",
   "double f(double x[3]) { let (p, d) = jvp(f0, (x,), (ones_like(x),)); return d; }"' '[3]' "$X3"
  fd_agrees "$BATS_TEST_TMPDIR/nest2.json" 1
}

# ---- the data rules (lib/ir/jvp_data.c) ----
X6='{"x": {"dtype": "f64", "data": [0.5, 1.75, -1.0, 2.25, 0.25, 1.5]}, "t": {"dtype": "f64", "data": [1.0, 0.5, -1.0, 0.25, 2.0, -0.5]}}'

@test "jvp of sort, argsort, lax_sort with two operands and top_k agrees with finite differences" {
  # distinct values: the permutation is locally constant
  fd_spec srt '"double f(double x[6]) {",
   "  auto m = reshape(x, (2, 3));",
   "  auto r = lax_sort((x, x * x), num_keys=1);",
   "  return concatenate((sort(x) * sort(x), reshape(sort(m, axis=0) * argsort(m), (6,)), r[1], top_k(x, 3)[0] * 3.0, reshape(top_k(m, 2)[0], (4,))), 0);",
   "}"' '[6]' "$X6"
  fd_agrees "$BATS_TEST_TMPDIR/srt.json" 1
}

@test "jvp of cumprod, cummax and cummin (both directions) agrees with finite differences" {
  fd_spec cum '"double f(double x[6]) {",
   "  auto m = reshape(x, (3, 2));",
   "  return concatenate((cumprod(x), cummax(x), cummin(x, reverse=true), lax_cumprod(x, reverse=true), reshape(cummax(m, axis=1), (6,)), reshape(cumprod(m, axis=0), (6,))), 0);",
   "}"' '[6]' "$X6"
  fd_agrees "$BATS_TEST_TMPDIR/cum.json" 1
}

@test "jvp of prod (all, leading and inner axes: reshape with dimensions; odd and even lengths) agrees with finite differences" {
  fd_spec prd '"double f(double x[6]) {",
   "  auto m = reshape(x, (3, 2));",
   "  auto c = reshape(x, (1, 3, 2));",
   "  return concatenate((expand_dims(prod(x), 0), prod(m, axis=0), expand_dims(prod(x[0:5]), 0), prod(reshape(x, (2, 3)), axis=0),",
   "                      prod(m, axis=1), prod(c, axis=(0, 2)), reshape(prod(c, axis=1), (2,)), reshape(prod(reshape(x, (2, 3)), axis=1), (2,))), 0);",
   "}"' '[6]' "$X6"
  fd_agrees "$BATS_TEST_TMPDIR/prd.json" 1
}

@test "jvp of scatters (set with repeated indices, add, subtract, multiply) agrees with finite differences" {
  fd_spec sct '"double f(double x[6]) {",
   "  auto y = x[0:3] * 2.0;",
   "  return concatenate((x.at[array([1, 3, 1])].set(y), x.at[array([0, 2, 0])].add(y * y), x.at[4].subtract(x[1]), x.at[5].multiply(x[0]), x.at[1:3].multiply(x[3:5]), x.at[2].set(x[0] * x[1])), 0);",
   "}"' '[6]' "$X6"
  fd_agrees "$BATS_TEST_TMPDIR/sct.json" 1
}

@test "jvp of a 2-D convolution in both operands agrees with finite differences" {
  fd_spec cnv '"double f(double x[6]) {",
   "  auto img = reshape(concatenate((x, x * x, x[0:4] - 1.0), 0), (1, 2, 4, 2));",
   "  auto k = reshape(concatenate((x, x[0:2]), 0), (2, 2, 2, 1));",
   "  return reshape(conv_general_dilated(img, k, (1, 1), \"SAME\"), (16,));",
   "}"' '[6]' "$X6"
  fd_agrees "$BATS_TEST_TMPDIR/cnv.json" 1
}

@test "jvp of stack, split, tile and reduce_window sum agrees with finite differences" {
  fd_spec lin '"double f(double x[6]) {",
   "  auto m = reshape(x * x, (2, 3));",
   "  auto p = split(x, 3);",
   "  return concatenate((reshape(stack((x, exp(x))), (12,)), p[1] * p[2], reshape(tile(m, (2, 1)), (12,)), reshape(reduce_window(m, 0.0, \"add\", (2, 2), (1, 1), \"SAME\"), (6,))), 0);",
   "}"' '[6]' "$X6"
  fd_agrees "$BATS_TEST_TMPDIR/lin.json" 1
}

@test "jvp of a scatter-multiply whose indices may repeat fails with JAX's NotImplementedError" {
  cat >"$BATS_TEST_TMPDIR/mul.json" <<'EOF2'
{"tjit": 1, "source": ["double f(double x[3]) { return x.at[array([0, 0])].multiply(x[1:3]); }",
  "auto g(double x[3], double t[3]) { return jvp(f, (x,), (t,)); }"],
 "function": "g", "args": {"x": {"dtype": "f64", "data": [1.0, 2.0, 3.0]}, "t": {"dtype": "f64", "data": [1.0, 1.0, 1.0]}}}
EOF2
  run --separate-stderr tjit run "$BATS_TEST_TMPDIR/mul.json"
  assert_failure 1
  [[ $stderr == *"NotImplementedError: scatter_mul gradients are only implemented if \`unique_indices=True\`"* ]]
}

@test "jvp of scatter max and min (x.at[].max / .min, no ties) agrees with finite differences" {
  fd_spec smm '"double f(double x[6]) {",
   "  auto y = x[0:3] * 2.0 - 1.0;",
   "  return concatenate((x.at[array([1, 3, 1])].max(y), x.at[array([4, 0, 4])].min(y * y), x.at[2].max(x[5])), 0);",
   "}"' '[6]' "$X6"
  fd_agrees "$BATS_TEST_TMPDIR/smm.json" 1
}

@test "jvp of max and min pooling (select_and_gather_add) and its nested jvp agree with finite differences" {
  # distinct values: each window's extremum is locally the same element
  fd_spec pool '"double p(double y[2][3][4][1]) { return reduce_window(y, -inf, \"max\", (1, 2, 2, 1), (1, 1, 2, 1), \"SAME\"); }",
   "double q(double y[2][3][4][1]) { let (a, b) = jvp(p, (y,), (y * y,)); return b; }",
   "double f(double x[24]) {",
   "  auto m = reshape(x, (2, 3, 4, 1));",
   "  auto lo = reduce_window(m, inf, \"min\", (1, 3, 2, 1), (1, 1, 1, 1), padding=((0, 0), (1, 1), (0, 1), (0, 0)), base_dilation=(1, 2, 1, 1));",
   "  return concatenate((reshape(p(m), (12,)), reshape(lo, (40,)), reshape(q(m), (12,))), 0);",
   "}"' '[24]' '{"x": {"dtype": "f64", "shape": [24], "random": {"seed": 5}}, "t": {"dtype": "f64", "shape": [24], "random": {"seed": 6}}}'
  fd_agrees "$BATS_TEST_TMPDIR/pool.json" 1
}

@test "jvp of scatters of rows (update window dimensions: set with repeats, max, multiply, add) agrees with finite differences" {
  fd_spec rows '"double f(double x[6]) {",
   "  auto m = reshape(x, (3, 2));",
   "  auto r = m * 3.0;",
   "  return concatenate((reshape(m.at[array([0, 2, 0])].set(r), (6,)), reshape(m.at[array([1, 1])].max(r[0:2] - 1.0), (6,)),",
   "                      reshape(m.at[1].multiply(r[2]), (6,)), reshape(m.at[:, 1].add(r[:, 0]), (6,))), 0);",
   "}"' '[6]' "$X6"
  fd_agrees "$BATS_TEST_TMPDIR/rows.json" 1
}

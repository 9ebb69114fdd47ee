#!/usr/bin/env bats
# tjit export --dialect linalg (lib/export/, issue 19): the exported module
# verified by mlir-opt, lowered and run by mlir-cpu-runner (Debian's
# mlir-19-tools, libmlir-19: test-only), its printed outputs compared with
# `tjit run --reference --format json` on the same call, within the
# tolerance export_helper.bash states (99-export-all.bats runs the same
# check over every example and golden run case).
load helper
load export_helper
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; }

@test "export: the examples export, verify, lower, run and match the reference evaluator" {
  need_mlir
  for name in relu_scale softmax layer_norm mlp_layer mlp_layers mha_einsum adam_step linear_regression_step \
    custom_derivatives grad_sin_cos mlp_train_step per_example_grads conditional_double_both_static; do
    run export_and_compare "$TJIT_ROOT/examples/$name.json"
    [[ $status == 0 ]] || { echo "$name: $output"; return 1; }
  done
}

MIX='{"tjit": 1, "source": [
  "auto f(float x[2][3], int n[2][3], double d[3], bool b[3]) {",
  "  auto y = where(x > 0.5, x ** 3, -x);",
  "  auto r = reshape(transpose(y), (2, 3));",
  "  auto m = max(r, axis=0) + min(x, axis=1)[0];",
  "  auto k = astype(n, f32) * 2 + astype(n != 1, f32);",
  "  auto s = sum(n * n, axis=0) + astype(b, int32);",
  "  auto dd = d * 0.25 + exp(d);",
  "  return (m, k, s, dd, b & (d > 1.0), tanh(x) / sqrt(abs(x) + 1));",
  "}"],
 "args": {
  "x": {"dtype": "f32", "shape": [2, 3], "data": [[0.25, 1.5, -2.0], [3.0, 0.75, -0.5]]},
  "n": {"dtype": "i32", "shape": [2, 3], "data": [[1, -2, 3], [4, 5, -6]]},
  "d": {"dtype": "f64", "shape": [3], "data": [0.5, 1.5, 2.5]},
  "b": {"dtype": "bool", "shape": [3], "data": [true, false, true]}}}'

@test "export: f32, f64, i32 and bool; select_n, integer_pow, transpose, reshape, slice, squeeze, reductions, converts" {
  need_mlir
  echo "$MIX" >mix.json
  run tjit trace mix.json
  for prim in select_n integer_pow transpose reshape slice squeeze reduce_max reduce_min reduce_sum \
    convert_element_type ' ne ' ' and ' tanh sqrt abs exp; do
    [[ $output == *"$prim"* ]] || { echo "the spec no longer traces to $prim"; return 1; }
  done
  run export_and_compare mix.json
  assert_success
  assert_output "ok 6"
  run cat out.txt
  assert_line '[18,  29,  46]'   # i32 printed exactly
  assert_line '[0,  0,  1]'      # bool, as i32
}

MATH='{"tjit": 1, "source": [
  "auto f(float x[5], double y[5]) {",
  "  return (log1p(x) + expm1(x) + exp2(x) + cbrt(x) + erf(x) + atan(x) + arctan2(x, 2.0),",
  "          floor(y * 3) + ceil(y) + tan(y) + logistic(y),",
  "          astype(x * 1e10, int32), astype(y, int32), clip(x, -0.5, 0.5), pow(x, 2.5), rsqrt(y + 1), sin(x) * cos(x));",
  "}"],
 "args": {"x": {"dtype": "f32", "shape": [5], "data": [0.0, 0.5, 1.0, 2.0, 3.0]},
          "y": {"dtype": "f64", "shape": [5], "data": [-1.5, -0.25, 0.0, 0.75, 1e12]}}}'

@test "export: math through libm, float-to-int conversion saturating as XLA's, NaN, literals like 1e10" {
  need_mlir
  echo "$MATH" >math.json
  run export_and_compare math.json
  assert_success
  assert_output "ok 8"
  run cat out.txt
  assert_line '[0,  2147483647,  2147483647,  2147483647,  2147483647]'
  assert_line '[-1,  0,  0,  0,  2147483647]'
  assert_line --partial '[-nan,  1.1547,'
}

@test "export: outputs that are inputs (twice), a scalar input, a literal, rank-0 reshapes, an empty array" {
  need_mlir
  cat >edge.json <<'JSON'
{"tjit": 1, "source": [
  "auto f(float x[3], float s, int z[0]) {",
  "  return (x, x, s, 2.5, reshape(s, (1, 1)), reshape(x, (3, 1))[0], z + 1);",
  "}"],
 "args": {"x": {"dtype": "f32", "shape": [3], "data": [1.0, -2.0, 3.5]}, "s": {"dtype": "f32", "shape": [], "data": 4.0},
          "z": {"dtype": "i32", "shape": [0], "data": []}}}
JSON
  run export_and_compare edge.json
  assert_success
  assert_output "ok 7"
}

@test "export: --call N exports that call, with its arguments in @main" {
  need_mlir
  spec="$TJIT_ROOT/examples/linear_regression_step.json"
  run export_and_compare "$spec" --call 1
  assert_success
  assert_output "ok 3"
  tjit export "$spec" --call 0 >call0.mlir
  run diff -q module.mlir call0.mlir   # the calls' arguments differ
  assert_failure
}

# traces SPEC, failing unless its jaxpr holds every primitive named after it.
traces_to() {
  local spec=$1 listing prim
  shift
  listing=$(tjit trace "$spec") || return 1
  for prim in "$@"; do
    [[ $listing == *" $prim"* ]] || { echo "$spec no longer traces to $prim"; return 1; }
  done
}

@test "export: rem, integer div (by 0, INT_MIN / -1), sign, round, select_n of 3 cases, reduce_prod/and/or, argmax/argmin" {
  need_mlir
  cat >elem.json <<'JSON'
{"tjit": 1, "source": [
  "auto f(float x0[2][4], int n[2][4], int m[4], double d[4], bool b[2][4]) {",
  "  auto x = where(x0 > 3.6, nan, x0);",
  "  return (fmod(x, 1.5), rem(n, m), n / m, n % m, sign(x), sign(n), round(d), round(d, 0), astype(round(x * 2.5), f32),",
  "          prod(x, 0), prod(n, 1), any(b, axis=1), all(b, axis=0),",
  "          argmax(x, 1), argmin(x, 0), argmax(n, 0), argmin(n, 1), floor_divide(d, 0.75));",
  "}"],
 "args": {"x0": {"dtype": "f32", "shape": [2, 4], "data": [[0.5, -2.0, 3.75, 3.5], [-0.0, 2.5, -2.5, 3.5]]},
          "n": {"dtype": "i32", "shape": [2, 4], "data": [[7, -7, -2147483648, 5], [0, 9, -9, 2147483647]]},
          "m": {"dtype": "i32", "shape": [4], "data": [2, 0, -1, -3]},
          "d": {"dtype": "f64", "shape": [4], "data": [0.5, 1.5, -2.5, 2.4999]},
          "b": {"dtype": "bool", "shape": [2, 4], "data": [[true, false, true, true], [true, false, false, true]]}}}
JSON
  run traces_to elem.json rem div sign 'round[rounding_method=1]' 'round[rounding_method=0]' reduce_prod reduce_or \
    reduce_and argmax argmin
  assert_success
  run export_and_compare elem.json
  assert_success
  assert_output "ok 18"
  run cat out.txt
  assert_line '[[1,   -7,   0,   2], '              # rem: x % 0 is x, INT_MIN % -1 is 0
  assert_line '[[3,   -1,   -2147483648,   -1], '   # div: x / 0 is -1, INT_MIN / -1 is INT_MIN
  assert_line '[0,  2,  -2,  2]'                     # round half to even
  assert_line '[2,  3]'                              # argmax: the first NaN
  # select_n of three cases: a vmapped switch
  cat >switch.json <<'JSON'
{"tjit": 1, "source": [
  "auto neg1(auto u) { return -u; }",
  "auto dbl(auto u) { return u * 2; }",
  "auto sq(auto u) { return u * u; }",
  "auto g(int k, double v) { return switch(k, (neg1, dbl, sq), v); }",
  "auto f(int r[4], double d[4]) { return vmap(g)(r, d); }"],
 "function": "f",
 "args": {"r": {"dtype": "i32", "shape": [4], "data": [-1, 1, 2, 7]}, "d": {"dtype": "f64", "shape": [4], "data": [0.5, 1.5, -2.5, 2.25]}}}
JSON
  run traces_to switch.json 'select_n c g k o' clamp
  assert_success
  run export_and_compare switch.json
  assert_success
  run cat out.txt
  assert_line '[-0.5,  3,  6.25,  5.0625]'
}

@test "export: concatenate, pad (negative, interior), rev, dynamic_slice/update_slice (clamped), cumsum/prod/max/min (reverse)" {
  need_mlir
  cat >move.json <<'JSON'
{"tjit": 1, "source": [
  "auto f(float x[2][3], int n[3], double d[4], int i, int j) {",
  "  return (concatenate((x, x * 2), 1), concatenate((n, n + 1, n)),",
  "          lax_pad(x, -1.0, ((1, 2, 0), (0, 0, 1))), lax_pad(x, 0.5, [(-1, 0, 0), [1, -2, 1]]),",
  "          flip(x), flip(x, 1), x[i, 1:3], x[i - 5], d[j], roll(d, i),",
  "          cumsum(x, 1), lax_cumsum(d, reverse=true), cumprod(n), cummax(d), cummin(x, 0), lax_cumprod(n, reverse=true));",
  "}"],
 "args": {"x": {"dtype": "f32", "shape": [2, 3], "data": [[0.5, -2.0, 3.75], [-0.25, 2.5, 1.5]]},
          "n": {"dtype": "i32", "shape": [3], "data": [3, -2, 7]},
          "d": {"dtype": "f64", "shape": [4], "data": [0.5, 1.5, -2.5, 2.25]},
          "i": {"dtype": "i32", "shape": [], "data": 1}, "j": {"dtype": "i32", "shape": [], "data": 9}}}
JSON
  run traces_to move.json concatenate pad rev dynamic_slice cumsum cumprod cummax cummin 'reverse=True'
  assert_success
  run export_and_compare move.json
  assert_success
  assert_output "ok 16"
  run cat out.txt
  assert_line '[2.25]'                 # d[9]: the start clamped to 3
  assert_line '[-42,  -14,  7]'        # cumprod from the end
  # dynamic_update_slice: the gradient of a dynamic slice
  run traces_to "$TJIT_ROOT/tests/cases/grad-dynamic-slice.json" dynamic_update_slice
  assert_success
  run export_and_compare "$TJIT_ROOT/tests/cases/grad-dynamic-slice.json"
  assert_success
}

@test "export: gather (promise_in_bounds, clip, fill) and scatter, scatter-add/sub/mul/min/max (repeated and dropped indices)" {
  need_mlir
  cat >gather.json <<'JSON'
{"tjit": 1, "source": [
  "auto f(float x[5][3], int i[4], int j[2][2], double d[6]) {",
  "  return (x[i], x[i, 1], x[j], take(d, i), take(d, i, mode=\"clip\"), take(d, j, mode=\"fill\", fill_value=-1.0),",
  "          take_along_axis(x, j[:, 0:1] % 5, 0), diagonal(x), x[1:4:2, i[0]]);",
  "}"],
 "args": {"x": {"dtype": "f32", "shape": [5, 3], "data": [[0.5, -2.0, 3.75], [-0.25, 2.5, 1.5], [1, 2, 3], [4, 5, 6], [7, 8, 9]]},
          "i": {"dtype": "i32", "shape": [4], "data": [4, -1, 0, 7]},
          "j": {"dtype": "i32", "shape": [2, 2], "data": [[1, 9], [-3, 2]]},
          "d": {"dtype": "f64", "shape": [6], "data": [0.5, 1.5, -2.5, 2.25, 8, 9]}}}
JSON
  run traces_to gather.json gather mode=GatherScatterMode.CLIP mode=GatherScatterMode.FILL_OR_DROP \
    mode=GatherScatterMode.PROMISE_IN_BOUNDS
  assert_success
  run export_and_compare gather.json
  assert_success
  assert_output "ok 9"
  run cat out.txt
  assert_line '[8,  9,  0.5,  nan]'   # take: index 7 filled with NaN
  cat >scatter.json <<'JSON'
{"tjit": 1, "source": [
  "auto f(float x[5][3], i32 i[4], float v[4][3], int n[6]) {",
  "  return (x.at[i].set(v), x.at[i].add(1.0), x.at[i, 1].max(v[:, 0]), x.at[i, 2].min(v[:, 1]), x.at[i].multiply(2.0),",
  "          n.at[i].add(n[0:4]), n.at[i].set(7), x.at[i].subtract(v));",
  "}"],
 "args": {"x": {"dtype": "f32", "shape": [5, 3], "data": [[0.5, -2.0, 3.75], [-0.25, 2.5, 1.5], [1, 2, 3], [4, 5, 6], [7, 8, 9]]},
          "i": {"dtype": "i32", "shape": [4], "data": [4, -1, 4, 7]},
          "v": {"dtype": "f32", "shape": [4, 3], "data": [[10, 11, 12], [13, 14, 15], [16, -17, 18], [19, 20, 21]]},
          "n": {"dtype": "i32", "shape": [6], "data": [3, 1, 4, 1, 5, 9]}}}
JSON
  run traces_to scatter.json 'scatter[' scatter-add scatter-sub scatter-mul scatter-min scatter-max
  assert_success
  run export_and_compare scatter.json
  assert_success
  assert_output "ok 8"
  run cat out.txt
  assert_line '[3,  1,  4,  1,  12,  10]'   # index 4 twice, 7 dropped
}

@test "export: sort (several operands, num_keys, NaN last, stable) and top_k (total order)" {
  need_mlir
  cat >sort.json <<'JSON'
{"tjit": 1, "source": [
  "auto f(float x0[2][5], int n[5], double d[5]) {",
  "  auto x = where(x0 > 8.5, nan, x0);",
  "  return (sort(x), sort(x, 0), sort(n), lax_sort((n, d), num_keys=1), lax_sort((d, n), num_keys=2), top_k(x, 3),",
  "          top_k(n, 2), argsort(d));",
  "}"],
 "args": {"x0": {"dtype": "f32", "shape": [2, 5], "data": [[0.5, 9, -0.0, 0.0, -3], [2, 2, 1, 9, -1]]},
          "n": {"dtype": "i32", "shape": [5], "data": [3, 1, 3, -7, 1]},
          "d": {"dtype": "f64", "shape": [5], "data": [0.5, 1.5, 0.5, -2.5, 1.5]}}}
JSON
  run traces_to sort.json 'sort[' 'num_keys=2' top_k
  assert_success
  run export_and_compare sort.json
  assert_success
  assert_output "ok 12"
  run cat out.txt
  assert_line '[-2.5,  1.5,  1.5,  0.5,  0.5]'   # n's order, stable
  assert_line '[3,  0,  2,  1,  4]'               # argsort
}

@test "export: asin acos sinh cosh asinh acosh atanh, is_finite, shifts out of range, clz, stack, unstack, split, tile" {
  need_mlir
  cat >more.json <<'JSON'
{"tjit": 1, "source": [
  "auto f(float x[2][3], int n[4], int s[4], double d[4]) {",
  "  auto p = split(x, (1,), 0);",
  "  return (asin(x / 4), acos(x / 4), sinh(d), cosh(d), arcsinh(d), arccosh(d + 3), arctanh(d / 4),",
  "          isfinite(d / (d - 0.5)), n << s, n >> s, lax_clz(n),",
  "          stack((x, x * 2), 1), p[0], p[1], tile(x, (2, 1)));",
  "}"],
 "args": {"x": {"dtype": "f32", "shape": [2, 3], "data": [[0.5, -2.0, 3.75], [-0.25, 2.5, 1.5]]},
          "n": {"dtype": "i32", "shape": [4], "data": [3, -1024, 0, 2147483647]},
          "s": {"dtype": "i32", "shape": [4], "data": [1, 40, -1, 31]},
          "d": {"dtype": "f64", "shape": [4], "data": [0.5, 1.5, -2.5, 2.25]}}}
JSON
  run traces_to more.json asin acos sinh cosh asinh acosh atanh is_finite shift_left shift_right_arithmetic clz stack split tile
  assert_success
  run export_and_compare more.json
  assert_success
  assert_output "ok 15"
  run cat out.txt
  assert_line '[0,  1,  1,  1]'                  # is_finite of 0.5 / 0
  assert_line '[6,  0,  0,  -2147483648]'        # << by 40 and by -1: 0
  assert_line '[1,  -1,  0,  0]'                 # >> by 40: the sign fill
  assert_line '[30,  0,  32,  1]'                # clz(0) is the width
  # unstack: the gradient of stack
  run traces_to "$TJIT_ROOT/tests/cases/grad-stack-unstack.json" unstack
  assert_success
  run export_and_compare "$TJIT_ROOT/tests/cases/grad-stack-unstack.json"
  assert_success
}

@test "export: reduce_window_sum/max/min (padding, strides, base and window dilation)" {
  need_mlir
  cat >window.json <<'JSON'
{"tjit": 1, "source": [
  "auto f(float x[4][5], int n[6]) {",
  "  return (reduce_window(x, 0.0, \"add\", (2, 2), (1, 2), \"VALID\"), reduce_window(x, 0.0, \"add\", (2, 3), (2, 1), ((1, 0), (1, 2))),",
  "          reduce_window(x, -inf, \"max\", (2, 2), (2, 1), ((0, 1), (1, 0))), reduce_window(x, inf, \"min\", (2, 3), (1, 2), \"VALID\", (1, 1), (2, 1)),",
  "          reduce_window(x, 0.0, \"add\", (3, 2), (1, 1), \"SAME\", (2, 1)), reduce_window(n, 0, \"add\", (3,), (2,), \"VALID\"));",
  "}"],
 "args": {"x": {"dtype": "f32", "shape": [4, 5], "data": [[0.5, -2.0, 3.75, 1, 2], [-0.25, 2.5, 1.5, 3, 4], [1, 2, 3, 9, -8], [4, 5, 6, 7, 0.125]]},
          "n": {"dtype": "i32", "shape": [6], "data": [3, -1024, 0, 7, 5, 11]}}}
JSON
  run traces_to window.json reduce_window_sum reduce_window_max reduce_window_min 'base_dilation=(2, 1)' \
    'window_dilation=(2, 1)'
  assert_success
  run export_and_compare window.json
  assert_success
  assert_output "ok 6"
}

@test "export: conv_general_dilated (layouts, padding, strides, dilations, feature and batch groups)" {
  need_mlir
  cat >conv.json <<'JSON'
{"tjit": 1, "source": [
  "auto f(f32[2,4,5,3] x, f32[2,4,2,3] k, f32[2,3,6] y, f32[4,3,2] w) {",
  "  return (conv_general_dilated(x, k[:, 0:2], (1, 2), ((1, 0), (2, -1)), lhs_dilation=(2, 1), rhs_dilation=(1, 2), dimension_numbers=(\"NCHW\", \"OIHW\", \"NCHW\"), feature_group_count=2),",
  "          conv_general_dilated(y, w, (2,), \"SAME\"), conv_general_dilated(x[:, :, :, 0:2], k, (1, 1), \"VALID\", dimension_numbers=(\"NHWC\", \"HWIO\", \"NHWC\")));",
  "}"],
 "args": {"x": {"dtype": "f32", "shape": [2, 4, 5, 3], "data": [[[[1,2,3],[4,5,6],[7,8,9],[1,0,-1],[2,2,2]],[[0,1,0],[1,0,1],[3,-2,1],[0.5,0.25,1],[4,4,-4]],[[1,1,1],[2,2,2],[3,3,3],[4,4,4],[5,5,5]],[[-1,0,1],[2,-3,4],[0,0,0],[1,2,1],[3,1,3]]],[[[2,1,3],[4,-5,6],[7,8,-9],[1,0,1],[2,0,2]],[[0,1,2],[1,3,1],[3,2,1],[0.5,1.25,1],[4,1,-4]],[[1,2,1],[2,1,2],[3,0,3],[4,1,4],[5,6,5]],[[1,0,1],[2,3,4],[1,0,1],[1,2,3],[3,2,3]]]]},
          "k": {"dtype": "f32", "shape": [2, 4, 2, 3], "data": [[[[1,0,-1],[2,1,0]],[[0,1,0],[1,1,1]],[[0.5,0,2],[1,-1,1]],[[3,0,1],[0,0,1]]],[[[1,2,-1],[0,1,3]],[[2,1,0],[1,0,1]],[[0.5,1,2],[1,1,1]],[[1,0,1],[2,0,1]]]]},
          "y": {"dtype": "f32", "shape": [2, 3, 6], "data": [[[1,2,3,4,5,6],[0,1,0,1,0,1],[2,-1,2,-1,2,-1]],[[6,5,4,3,2,1],[1,1,1,1,1,1],[0,2,0,2,0,2]]]},
          "w": {"dtype": "f32", "shape": [4, 3, 2], "data": [[[1,0],[0,1],[1,1]],[[2,1],[1,2],[0,0]],[[1,-1],[-1,1],[0.5,0.5]],[[0,3],[3,0],[1,2]]]}}}
JSON
  run traces_to conv.json 'feature_group_count=2' 'lhs_dilation=(2, 1)' 'rhs_dilation=(1, 2)' 'out_spec=(0, 3, 1, 2)'
  assert_success
  run export_and_compare conv.json
  assert_success
  assert_output "ok 3"
  for spec in examples/conv_pool.json tests/cases/conv-batch-groups.json tests/cases/jvp-conv-2d.json; do
    run export_and_compare "$TJIT_ROOT/$spec"
    [[ $status == 0 ]] || { echo "$spec: $output"; return 1; }
  done
  run traces_to "$TJIT_ROOT/tests/cases/conv-batch-groups.json" 'batch_group_count=2'
  assert_success
}

@test "export: a value off by more than the tolerance fails the comparison" {
  need_mlir
  tjit export "$TJIT_ROOT/examples/relu_scale.json" >module.mlir
  run_mlir module.mlir
  echo '{"calls": [{"call": "args", "outputs": [{"dtype": "f32", "shape": [4], "data": [3.0, 4.0, 7.0, 9.01]}]}]}' >ref.json
  run compare out.txt ref.json
  assert_failure
  assert_output "output 0[3]: 9.0, expected 9.01"
}

CONTROL='{"tjit": 1, "source": [
  "auto f(float x[3], float m[4][3], int k, float s, bool b) {",
  "  auto step(auto c, auto row) { return (c * 0.5 + row * s, (sum(row * x), row[0] > s)); }",
  "  let (c, ys) = scan(step, x, m, reverse=true);",
  "  auto more(auto st) { return (st[0] < k) & (sum(st[1]) < 1000.0); }",
  "  auto grow(auto st) { return (st[0] + 1, st[1] * 2.0 + x); }",
  "  let (n, v) = while_loop(more, grow, (0, c));",
  "  auto neg(auto a, auto t) { return (-a, t); }",
  "  auto twice(auto a, auto t) { return (a * 2.0, t + 1); }",
  "  let (p, q) = cond(b, neg, twice, v, n);",
  "  let (r, t) = switch(k - 3, (neg, twice, twice), p, q);",
  "  return (c, ys, n, v, p, q, r, t);",
  "}"],
 "args": {"x": {"dtype": "f32", "shape": [3], "data": [1.0, -2.0, 0.5]},
          "m": {"dtype": "f32", "shape": [4, 3], "data": [[1, 2, 3], [4, 5, 6], [-1, 0.5, 2], [0, 0, 1]]},
          "k": 5, "s": 1.5, "b": false}}'

@test "export: scan (reverse, consts, stacked xs and ys), while (consts, a tuple carry), cond and switch" {
  need_mlir
  echo "$CONTROL" >control.json
  run export_and_compare control.json
  assert_success
  assert_output "ok 9"
  run grep -c -e scf.for -e scf.while -e scf.if -e scf.index_switch -e tensor.insert_slice module.mlir
  assert_output 6   # one each, and insert_slice for the two ys
  run cat out.txt
  assert_line '[-1.5,  -3,  -1,  0.5]'   # the ys of the reversed scan, in xs's order
  assert_line '[5]'                      # the while's count: k
  assert_line '[660,  624,  1338]'       # switch(2): twice
  for b in true false; do  # the other branch of cond; switch's index clamped to the last branch
    sed "s/\"b\": false/\"b\": $b/; s/\"k\": 5/\"k\": 9/" control.json >other.json
    run export_and_compare other.json
    assert_output "ok 9"
  done
  for name in newton_sqrt piecewise_switch cumsum_scan gru_reverse; do
    run export_and_compare "$TJIT_ROOT/examples/$name.json"
    [[ $status == 0 ]] || { echo "$name: $output"; return 1; }
  done
  run export_and_compare "$TJIT_ROOT/tests/cases/custom-vjp-call.json"   # custom_vjp_call inlined
  assert_output "ok 1"
}

@test "export: calls whose inlining is exponential are not exportable, not a huge module" {
  run -2 tjit export "$TJIT_ROOT/tests/cases/run-nest-jit-shared-20.json"
  assert_output --partial "not exportable: jit (its calls inlined would be more than 100000 equations)"
  run tjit export "$TJIT_ROOT/tests/cases/run-nest-jit-100.json"   # 100 calls deep, each once
  assert_success
}

@test "export: names in the module are generated, never the spec's" {
  run tjit export "$TJIT_ROOT/examples/layer_norm.json"
  assert_success
  assert_line --index 1 '  func.func @fn(%arg0: tensor<4x16xf32>, %arg1: tensor<16xf32>, %arg2: tensor<16xf32>) -> (tensor<4x16xf32>) {'
  refute_output --partial layer_norm
  refute_output --partial gamma
}

@test "export: a primitive without a rule is 'not exportable: PRIMITIVE' (exit 2), with no module" {
  run -2 tjit export --fill-random 1 "$TJIT_ROOT/tests/cases/grad-svd-sum.json"
  assert_line --partial "error: not exportable: svd"
  refute_output --partial "module {"
  run -2 tjit export "$TJIT_ROOT/tests/cases/export-not-exportable-erf-inv.json" -o out.mlir
  assert_output --partial "error: not exportable: erf_inv"
  [[ ! -e out.mlir ]]
}

@test "export: erf_inv and erfc are not exportable, saying why (no such op in MLIR 19's math)" {
  echo '{"tjit": 1, "source": ["auto f(float x[2]) { return (erfinv(x), erfc(x)); }"],
 "args": {"x": {"dtype": "f32", "shape": [2], "data": [0.5, 0.25]}}}' >special.json
  run -2 tjit export special.json
  assert_line --partial "error: not exportable: erf_inv (MLIR 19's math dialect has no such op)"
  refute_output --partial "module {"
}

@test "export: --dialect takes linalg; -o writes the module" {
  run -2 tjit export --dialect nope "$TJIT_ROOT/examples/relu_scale.json"
  assert_output --partial "--dialect"
  run tjit export --dialect linalg -o m.mlir "$TJIT_ROOT/examples/relu_scale.json"
  assert_success
  assert_output ""
  run cat m.mlir
  assert_line --index 0 "module {"
}

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
  run -2 tjit export "$TJIT_ROOT/examples/topk_accuracy.json"
  assert_line --partial "error: not exportable: top_k"
  refute_output --partial "module {"
  run -2 tjit export "$TJIT_ROOT/examples/conv_pool.json" -o out.mlir
  assert_output --partial "error: not exportable: conv_general_dilated"
  [[ ! -e out.mlir ]]
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

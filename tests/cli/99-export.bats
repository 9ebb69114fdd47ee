#!/usr/bin/env bats
# tjit export --dialect linalg (lib/export/, issue 19): the exported module
# verified by mlir-opt, lowered and run by mlir-cpu-runner (Debian's
# mlir-19-tools, libmlir-19: test-only), its printed outputs compared with
# `tjit run --reference --format json` on the same call. Tolerance: the
# runner prints 6 significant digits and sums in its own order, so a value
# a matches the reference b when |a - b| <= 2e-4 |b| + 1e-5 max(1, max|ref|)
# (NaN matches NaN; bool prints as 0/1).
load helper
bats_require_minimum_version 1.5.0

# TJIT_TEST_LLVM: another LLVM 19 prefix (a missing one shows the skips).
LLVM=${TJIT_TEST_LLVM:-/usr/lib/llvm-19}
# The lowering of tjit-export(1): the issue's pipeline, with
# --convert-math-to-libm for the math ops LLVM has no intrinsic for (tanh).
PIPELINE=(--one-shot-bufferize=bufferize-function-boundaries --convert-linalg-to-loops --convert-scf-to-cf
  --expand-strided-metadata --lower-affine --convert-math-to-libm --convert-math-to-llvm --finalize-memref-to-llvm
  --convert-func-to-llvm --convert-arith-to-llvm --convert-cf-to-llvm --reconcile-unrealized-casts)

setup() { cd "$BATS_TEST_TMPDIR"; }

# Skips a test that runs the MLIR toolchain when it is not installed.
need_mlir() {
  [[ -x $LLVM/bin/mlir-opt && -x $LLVM/bin/mlir-cpu-runner ]] ||
    skip "MLIR 19 is not installed (mlir-19-tools, libmlir-19: scripts/install-deps.sh)"
}

# run_mlir FILE: verify, lower and run FILE's @main; the runner's output in out.txt.
run_mlir() {
  "$LLVM/bin/mlir-opt" "$1" >/dev/null || return 1
  "$LLVM/bin/mlir-opt" "$1" "${PIPELINE[@]}" >lowered.mlir || return 1
  "$LLVM/bin/mlir-cpu-runner" lowered.mlir -e main -entry-point-result=void \
    -shared-libs="$LLVM/lib/libmlir_c_runner_utils.so.19.1" -shared-libs="$LLVM/lib/libmlir_runner_utils.so.19.1" >out.txt
}

# compare RUNNER_OUTPUT REFERENCE_JSON: fails naming the first value that differs.
compare() {
  python3 - "$1" "$2" <<'PY'
import json, math, re, sys
runner = open(sys.argv[1]).read()
ref = json.load(open(sys.argv[2]))["calls"][0]["outputs"]
parts = runner.split("Unranked Memref")[1:]
def flat(x):
    if isinstance(x, list):
        for y in x: yield from flat(y)
    else: yield x
if len(parts) != len(ref): sys.exit(f"{len(parts)} outputs printed, {len(ref)} expected")
for k, (p, r) in enumerate(zip(parts, ref)):
    sizes = [int(v) for v in re.search(r"sizes = \[([^\]]*)\]", p).group(1).replace(",", " ").split()]
    if sizes != r["shape"]: sys.exit(f"output {k}: shape {sizes}, expected {r['shape']}")
    if 0 in sizes: continue  # the runner prints one stray value for an empty memref
    got = [float(v) for v in re.split(r"[\s,\[\]]+", p.split("data =", 1)[1]) if v]
    want = [math.nan if v is None else float(v) for v in flat(r["data"])]
    if len(got) != len(want): sys.exit(f"output {k}: {len(got)} values, expected {len(want)}")
    scale = max([abs(v) for v in want if math.isfinite(v)] + [1.0])
    for i, (a, b) in enumerate(zip(got, want)):
        if not ((math.isnan(a) and math.isnan(b)) or a == b or abs(a - b) <= 2e-4 * abs(b) + 1e-5 * scale):
            sys.exit(f"output {k}[{i}]: {a}, expected {b}")
print("ok", len(parts))
PY
}

# export_and_compare SPEC [OPTION...]: the whole differential check of one
# spec's call (the options, --call N, given to both commands).
export_and_compare() {
  tjit export "$@" >module.mlir
  run_mlir module.mlir
  tjit run --reference --format json "$@" >ref.json
  compare out.txt ref.json
}

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

@test "export: names in the module are generated, never the spec's" {
  run tjit export "$TJIT_ROOT/examples/layer_norm.json"
  assert_success
  assert_line --index 1 '  func.func @fn(%arg0: tensor<4x16xf32>, %arg1: tensor<16xf32>, %arg2: tensor<16xf32>) -> (tensor<4x16xf32>) {'
  refute_output --partial layer_norm
  refute_output --partial gamma
}

@test "export: a primitive without a rule is 'not exportable: PRIMITIVE' (exit 2), with no module" {
  run -2 tjit export "$TJIT_ROOT/examples/newton_sqrt.json"
  assert_line --partial "error: not exportable: while"
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

#!/usr/bin/env bats
# tjit run --grad-check: per call, w.J.v for a random direction v and
# random cotangents w computed by the vjp, the jvp and central differences
# in float64, and by the compiled vjp in the traced dtypes, each within the
# bound tjit-run(1) argues. Here: functions that use many differentiable
# primitives, every example whose function is differentiable, the reports
# of a FAIL (a kink, a point where the derivative is not finite), a
# function JAX cannot reverse-differentiate, and the options. A wrong rule caught by the comparison is
# tests/unit/test_grad_check.c's (a wrong gradient fed to grad_compare).
#
# Rules are being added (control flow, gather, scan ...): a check that
# meets a primitive without one skips, naming it, so that it checks the
# rule once it lands.
bats_require_minimum_version 1.5.0
load helper

EX="$TJIT_ROOT/examples"

# spec NAME SOURCE ARGS: a spec of the source lines (JSON strings) and args.
spec() {
  cat >"$BATS_TEST_TMPDIR/$1.json" <<EOF
{"tjit": 1, "source": [$2], "args": $3}
EOF
}

# Skips the test when the last run met a primitive without a JVP or
# transpose rule, or one that vjp.c cannot split yet (being added
# elsewhere), naming it.
skip_if_rule_missing() {
  if [[ $status -eq 1 && $stderr == *"error: NotImplementedError: "* ]]; then
    skip "$(grep -o "NotImplementedError: .*" <<<"$stderr" | head -1)"
  fi
}

# passes SPEC [OPTIONS...]: --grad-check --format json succeeds, every
# call with float inputs and outputs passes, each error within its bound,
# the values finite; prints "N checked, M skipped" (calls without a float
# input or output skip).
passes() {
  local spec=$1
  shift
  run --separate-stderr tjit run --grad-check --format json "$@" "$spec"
  skip_if_rule_missing
  assert_success
  echo "$output" >"$BATS_TEST_TMPDIR/report.json"
  run /usr/bin/python3 - "$BATS_TEST_TMPDIR/report.json" <<'EOF'
import json, math, sys
calls = json.load(open(sys.argv[1]))["calls"]
checked = skipped = flat = 0
for c in calls:
    if not (c["inputs"] and c["outputs"]):
        assert c["pass"], c
        skipped += 1
        continue
    for k in ("forward", "central", "compiled"):
        if c[k] is None and k == "compiled":
            continue
        tol = math.inf if c["tol_" + k] is None else c["tol_" + k]  # JSON's null: an infinite bound
        assert math.isfinite(c[k]) and c["err_" + k] <= tol, (k, c)
    assert c["pass"] and c["resolved"] and c["finite"], c
    if c["tol_central"] is None:  # flat at this point (an accuracy): every term zero
        flat += 1
        continue
    assert c["tol_forward"] == 1e-9 and 1e-6 <= c["tol_central"] < 1e-4, c
    checked += 1
print(f"{checked} checked, {skipped} skipped" + (f", {flat} flat" if flat else ""))
EOF
  assert_success
}

# ---- many differentiable primitives ----

@test "elementwise math: the three ways agree" {
  spec elem '"auto f(float x[4], float y[4]) {",
   "  auto a = tanh(logistic(x)) / sqrt(y) + rsqrt(y) * x * x - cos(log(y)) + exp(-x) * sin(x);",
   "  auto b = abs(x) ** 1.5 + y ** 3 + maximum(x, y) * minimum(x, 0.5) + x / (1 + y) + square(x) - reciprocal(y);",
   "  return (a, b * 0.5, log1p(y) + expm1(x) + atan(x) + sinh(x) + cosh(y) + arctan2(x, y) + hypot(x, y) + tan(x) + cbrt(y) + erf(x));",
   "}"' '{"x": {"dtype": "f32", "data": [0.3, -1.2, 1.1, 0.7]}, "y": {"dtype": "f32", "data": [0.5, 1.5, 2.5, 3.5]}}'
  passes "$BATS_TEST_TMPDIR/elem.json"
  assert_output "1 checked, 0 skipped"
}

@test "reductions: sum, mean, max, min, logsumexp, var, std, norm, cumsum" {
  spec red '"auto f(float x[3][4]) {",
   "  return (sum(x), mean(x, axis=0), max(x, axis=1), min(x, axis=0), logsumexp(x, axis=1),",
   "          var(x, axis=1), std(x), norm(x), cumsum(x, axis=1));",
   "}"' '{"x": {"dtype": "f32", "shape": [3, 4], "data": [[0.3, -1.2, 2.1, 0.7], [1.1, 0.4, -0.6, 0.9], [-0.8, 1.7, 0.2, -1.4]]}}'
  passes "$BATS_TEST_TMPDIR/red.json"
  assert_output "1 checked, 0 skipped"
}

@test "dot_general: @, matmul, dot, einsum, tensordot, outer, vdot, inner" {
  spec lin '"auto f(float a[3][4], float b[4][2], float c[2][3][4], float v[4]) {",
   "  return (a @ b, matmul(c, b), dot(a, v), einsum(\"ij,jk->ik\", a, b), einsum(\"bij,j->bi\", c, v),",
   "          tensordot(c, a, axes=2), outer(v, v), vdot(v, v), inner(a, v));",
   "}"' '{"a": {"dtype": "f32", "shape": [3, 4], "random": {"seed": 1, "dist": "normal"}},
          "b": {"dtype": "f32", "shape": [4, 2], "random": {"seed": 2, "dist": "normal"}},
          "c": {"dtype": "f32", "shape": [2, 3, 4], "random": {"seed": 3, "dist": "normal"}},
          "v": {"dtype": "f32", "shape": [4], "random": {"seed": 4, "dist": "normal"}}}'
  passes "$BATS_TEST_TMPDIR/lin.json"
  assert_output "1 checked, 0 skipped"
}

@test "broadcasting, slicing, reshapes, concatenate, flips, pads and rolls" {
  spec shp '"auto f(float x[3][4], float y[4], float z[3][1]) {",
   "  auto s = x[1:3, ::2] * 2 + x[0, 1] + x[:, -1].sum();",
   "  auto t = concatenate((x, z * y), axis=0);",
   "  return (s, t.T, reshape(x, (2, 6)), x + y + z, transpose(x)[::-1], flip(x, axis=1), expand_dims(y, 0) * z,",
   "          squeeze(z), broadcast_to(y, (2, 4)), roll(x, 1, axis=1), pad(y, 2), lax_pad(y, 0.0, ((1, 2, 1),)),",
   "          repeat(y, 2), tril(x), x[1]);",
   "}"' '{"x": {"dtype": "f32", "shape": [3, 4], "random": {"seed": 1, "dist": "normal"}},
          "y": {"dtype": "f32", "shape": [4], "random": {"seed": 2, "dist": "normal"}},
          "z": {"dtype": "f32", "shape": [3, 1], "random": {"seed": 3, "dist": "normal"}}}'
  passes "$BATS_TEST_TMPDIR/shp.json"
  assert_output "1 checked, 0 skipped"
}

@test "where, clip and the activations (relu's custom_jvp among them), away from their kinks" {
  spec sel '"auto f(float x[6], float y[6]) {",
   "  return (where(x > 0, x * y, 0.5 * x), clip(x, -0.5, 0.5),",
   "          relu(x) + relu6(y) + leaky_relu(x) + gelu(x) + silu(y) + softplus(x) + elu(x), where(x > 0.0, sin(x), cos(y)));",
   "}"' '{"x": {"dtype": "f32", "data": [0.3, -1.2, 2.1, 0.7, -0.1, 1.3]}, "y": {"dtype": "f32", "data": [0.5, 1.5, -2.5, 3.5, -0.2, 0.25]}}'
  passes "$BATS_TEST_TMPDIR/sel.json"
  assert_output "1 checked, 0 skipped"
}

@test "log_softmax, softmax, logsumexp, standardize, logaddexp" {
  spec nn '"auto f(float x[2][5]) {",
   "  return (log_softmax(x, axis=-1), softmax(x), logsumexp(x), standardize(x, axis=1), logaddexp(x, 0.5 * x));",
   "}"' '{"x": {"dtype": "f32", "shape": [2, 5], "random": {"seed": 7, "dist": "normal"}}}'
  passes "$BATS_TEST_TMPDIR/nn.json"
  assert_output "1 checked, 0 skipped"
}

@test "jit-wrapped functions (jnp's var inside), called twice, and a grad inside the function" {
  cat >"$BATS_TEST_TMPDIR/jit.json" <<'EOF'
{"tjit": 1, "source": [
 "jit auto g(auto a, auto b) { return sin(a) * b + var(a); }",
 "auto f(float x[4], float y[4]) {",
 "  auto inner(auto z) { return sum(g(z, y) ** 2); }",
 "  return (g(x, y), g(y, x) * 2, grad(inner)(x));",
 "}"],
 "function": "f",
 "args": {"x": {"dtype": "f32", "data": [0.3, -1.2, 2.1, 0.7]}, "y": {"dtype": "f32", "data": [0.5, 1.5, 2.5, 3.5]}}}
EOF
  run --separate-stderr tjit trace "$BATS_TEST_TMPDIR/jit.json"
  assert_success
  [[ $output == *"jit[name=g"* ]]
  passes "$BATS_TEST_TMPDIR/jit.json"
  assert_output "1 checked, 0 skipped"
}

@test "float64, float16 and bfloat16 inputs, constants; integer inputs and outputs are skipped" {
  spec dt '"auto f(double x[3], f16 h[3], bf16 b[3], i32 n[3], float y[3]) {",
   "  auto c = array([1.5, -0.5, 2.0]);",
   "  return (sin(x) * n, exp(h) * 2, b * b, y * c + iota(float, 3), argmax(y), (y * 2).astype(f16), x.astype(float) * y);",
   "}"' '{"x": {"dtype": "f64", "data": [0.3, -1.2, 2.1]}, "h": {"dtype": "f16", "data": [0.5, 1.5, -0.25]},
          "b": {"dtype": "bf16", "data": [0.5, 1.5, -0.25]}, "n": {"dtype": "i32", "data": [1, 2, 3]},
          "y": {"dtype": "f32", "data": [0.1, 0.2, 0.3]}}'
  passes "$BATS_TEST_TMPDIR/dt.json"
  assert_output "1 checked, 0 skipped"
  run --separate-stderr tjit run --grad-check "$BATS_TEST_TMPDIR/dt.json"
  assert_success
  assert_line --index 0 --regexp "^args: 4 float inputs \(1 integer skipped\), 6 float outputs \(1 integer skipped\), h "
  # the compiled program computes in f16 and bf16 too: its bound is 1/4
  assert_line --index 4 --regexp "^  compiled .* bound 2\.5e-01  ok$"
}

# ---- the examples ----

@test "examples whose function is differentiable pass at their own arguments" {
  for ex in discounted_return layer_norm mha_einsum mlp_layer mlp_layers relu_scale softmax; do
    passes "$EX/$ex.json"
    assert_output "1 checked, 0 skipped"
  done
}

@test "examples/fused_kernel.json passes (on 10000 elements: the function is the same for any n)" {
  # its own 10 million take 12 s in the float64 evaluator
  passes "$EX/fused_kernel.json" --args '{"x": {"dtype": "f32", "shape": [10000], "random": {"seed": 0, "dist": "normal"}}}'
  assert_output "1 checked, 0 skipped"
}

@test "examples with abstract arguments pass with --fill-random; an i32 call is skipped" {
  passes "$EX/shape_recompile.json" --fill-random 3
  assert_output "4 checked, 1 skipped"
  passes "$EX/static_kinds_recompile.json" --fill-random 3
  assert_output "5 checked, 0 skipped"
}

@test "examples/adam_step.json passes where its derivative is finite" {
  # at its own arguments a gradient of 0 makes nu 0, where sqrt's
  # derivative is infinite (JAX's too): see the next test
  passes "$EX/adam_step.json" --args '{
    "params": {"w": {"dtype": "f32", "shape": [2, 3], "data": [[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]]},
               "b": {"dtype": "f32", "shape": [3], "data": [0.1, 0.2, 0.3]}},
    "grads": {"w": {"dtype": "f32", "shape": [2, 3], "data": [[0.2, -0.4, 0.1], [0.5, 0.3, -0.2]]},
              "b": {"dtype": "f32", "shape": [3], "data": [1.0, -1.0, 0.5]}},
    "state": {"count": {"dtype": "i32", "shape": [], "data": [0]},
              "mu": {"w": {"dtype": "f32", "shape": [2, 3], "fill": 0.1}, "b": {"dtype": "f32", "shape": [3], "fill": 0.1}},
              "nu": {"w": {"dtype": "f32", "shape": [2, 3], "fill": 0.2}, "b": {"dtype": "f32", "shape": [3], "fill": 0.2}}}}'
  assert_output "1 checked, 0 skipped"
}

@test "examples/adam_step.json at its own arguments: sqrt at 0, the derivative is not finite: FAIL" {
  run --separate-stderr tjit run --grad-check "$EX/adam_step.json"
  assert_failure 1
  assert_line --index 0 "args: 8 float inputs (1 integer skipped), 6 float outputs (1 integer skipped), h 2e-06"
  assert_line --index 1 "  reverse    nan"
  assert_line "  a value is not finite: the function or its derivative is not finite at this point"
  assert_line "  FAIL"
  [[ $stderr == "tjit run: --grad-check: 1 call failed" ]]
}

@test "the gradients of conv_pool, embedding_lookup, cumsum_scan, gru_reverse, piecewise_switch and topk_accuracy pass --grad-check" {
  # conv_pool at random arguments: its own integers tie in the max pooling
  # and sit on relu's kink
  for ex in conv_pool embedding_lookup cumsum_scan gru_reverse piecewise_switch topk_accuracy; do
    local opts=()
    [[ $ex == conv_pool ]] && opts=(--fill-random 5 --args '{"x": {"dtype": "f32", "shape": [2, 4, 4, 1]},
      "kernel": {"dtype": "f32", "shape": [3, 3, 1, 2]}, "bias": {"dtype": "f32", "shape": [2]}}')
    passes "$EX/$ex.json" "${opts[@]}"
  done
}

@test "examples/conditional_double*.json: a traced if cannot be traced; with --autograph it is a cond" {
  for ex in conditional_double conditional_double_static conditional_double_recompile; do
    run --separate-stderr tjit run --grad-check "$EX/$ex.json"
    assert_failure 1
    [[ $stderr == *"TracerBoolConversionError"* ]]
  done
  run --separate-stderr tjit run --grad-check "$EX/conditional_double_both_static.json"
  assert_success
  assert_output "args: no float input to differentiate: skipped"
  passes "$EX/conditional_double.json" --autograph
  assert_output "1 checked, 0 skipped"
}

@test "examples/newton_sqrt.json: a while_loop is not reverse-differentiable (in JAX either)" {
  run --separate-stderr tjit run --grad-check "$EX/newton_sqrt.json"
  assert_failure 1
  [[ $stderr == *"while"* ]]
  refute_output --partial PASS
}

# ---- reports, failures, options ----

@test "the text report: the values, each error against its bound, the verdict" {
  run --separate-stderr tjit run --grad-check "$EX/relu_scale.json"
  assert_success
  assert_line --index 0 "args: 1 float input, 1 float output, h 4e-06"
  assert_line --index 1 --regexp "^  reverse   [ -][0-9]\.[0-9]{15}e[+-][0-9]{2}$"
  assert_line --index 2 --regexp "^  forward   [ -][0-9.e+-]{21}  rel error [0-9.e+-]{7}  bound 1\.0e-09  ok$"
  assert_line --index 3 --regexp "^  central   [ -][0-9.e+-]{21}  rel error [0-9.e+-]{7}  bound 1\.[0-9]e-06  ok$"
  assert_line --index 4 --regexp "^  compiled  [ -][0-9.e+-]{21}  rel error [0-9.e+-]{7}  bound 1\.2e-04  ok$"
  assert_line --index 5 "  PASS"
  [[ ${#lines[@]} -eq 6 ]]
}

@test "relu at its kink: JAX's derivative 0 is not the difference's v/2: FAIL, exit 1, the next call still runs" {
  cat >"$BATS_TEST_TMPDIR/kink.json" <<'EOF'
{"tjit": 1, "source": "auto f(float x[3]) { return relu(x) * 2; }",
 "calls": [{"x": {"dtype": "f32", "data": [0.0, 0.0, 0.0]}}, {"x": {"dtype": "f32", "data": [1.0, -2.0, 0.5]}}]}
EOF
  run --separate-stderr tjit run --grad-check "$BATS_TEST_TMPDIR/kink.json"
  assert_failure 1
  assert_line --index 1 "  reverse    0.000000000000000e+00"
  assert_line --index 3 --regexp "^  central .*  FAIL$"
  assert_line --index 5 "  FAIL"
  assert_line --index 6 "call 1: 1 float input, 1 float output, h 2e-06"
  assert_line --index 11 "  PASS"
  [[ $stderr == "tjit run: --grad-check: 1 call failed" ]]
}

@test "a function JAX cannot differentiate in reverse mode (a fori_loop with a traced bound): its error at the equation, exit 1" {
  # every primitive the language reaches has a JVP rule since svd got its
  # own (reduce_and has none, but only bool and integer operands reach it:
  # test_jvp.c checks that text), so this is the error path left
  spec miss '"auto body(auto k, auto c) { return c * 1.5 + sin(c); }", "auto f(float x[3], i32 n) { return fori_loop(0, n, body, x); }"' '{"x": {"dtype": "f32", "data": [0.5, -1, 2]}, "n": 2}'
  sed -i 's/"args"/"function": "f", "args"/' "$BATS_TEST_TMPDIR/miss.json"
  run --separate-stderr tjit run --grad-check "$BATS_TEST_TMPDIR/miss.json"
  assert_failure 1
  assert_output ""
  [[ ${stderr_lines[0]} =~ miss\.json:1:[0-9]+:\ error:\ ValueError:\ Reverse-mode\ differentiation\ does\ not\ work\ for\ lax\.while_loop\ or\ lax\.fori_loop\ with\ dynamic\ start/stop\ values\. ]]
  [[ $stderr == *"note: --grad-check differentiates the function in reverse mode (vjp) and forward mode (jvp)"* ]]
  run --separate-stderr tjit run --grad-check --format json "$BATS_TEST_TMPDIR/miss.json"
  assert_failure 1
  [[ $output == '{"version": 1, "calls": [], "failed_call": "args", "error": {"kind": "ValueError"'* ]]
}

@test "a function float64 cannot type (copysign's bitcast to int32) is an error at its equation" {
  spec cs '"auto f(float x[2], float y[2]) { return copysign(x, y) * x; }"' \
    '{"x": {"dtype": "f32", "data": [1, 2]}, "y": {"dtype": "f32", "data": [-1, 2]}}'
  run --separate-stderr tjit run --grad-check "$BATS_TEST_TMPDIR/cs.json"
  assert_failure 1
  [[ ${stderr_lines[0]} == *"cs.json:1:65: error: the function cannot be computed in float64, as the gradient check needs" ]]
  [[ $stderr == *"note: promoted to float64, invalid jaxpr: TypeError: bitcast_convert_type between dtypes of different widths (float64, int32) is not supported"* ]]
}

@test "--reference: no compiled program, the float64 comparisons only" {
  run --separate-stderr tjit run --grad-check --reference "$EX/softmax.json"
  assert_success
  refute_output --partial compiled
  assert_line --index 4 "  PASS"
  passes "$EX/softmax.json" --reference
  assert_output "1 checked, 0 skipped"
}

@test "the seed of v and w is --fill-random's: another seed, another w.J.v, both pass" {
  run --separate-stderr tjit run --grad-check "$EX/softmax.json"
  local first=${lines[1]}
  run --separate-stderr tjit run --grad-check --fill-random 0 "$EX/softmax.json"
  [[ ${lines[1]} == "$first" ]]
  run --separate-stderr tjit run --grad-check --fill-random 9 "$EX/softmax.json"
  assert_success
  [[ ${lines[1]} != "$first" ]]
}

@test "--grad-check prints no results: --check, --out, --repeat and --time are usage errors" {
  for opt in --check "--out $BATS_TEST_TMPDIR" "--repeat 2" --time; do
    run --separate-stderr tjit run --grad-check $opt "$EX/softmax.json"
    assert_failure 2
    [[ $stderr == *"--grad-check cannot be combined with ${opt%% *} (it prints no results)"* ]]
  done
}

@test "tjit run --help lists --grad-check" {
  run tjit run --help
  assert_success
  assert_output --partial "--grad-check"
}

@test "reduce_prod over inner axes: its JVP's reshape with a dimensions permutation transposes (a reshape, then argsort(dimensions))" {
  # failed before the fix: reverse mode transposed that reshape as if it had no dimensions (w.J.v 5% off)
  cat >"$BATS_TEST_TMPDIR/prod.json" <<'JSON'
{"tjit": 1,
 "source": ["auto f(float x[2][3][2]) { return prod(x, axis=(0, 2)); }",
            "auto g(float x[2][3][2], float t[2][3][2]) { return jvp(f, (x,), (t,)); }"],
 "function": "g",
 "args": {"x": [[[1.0, 2.0], [0.5, 3.0], [-1.0, 1.5]], [[2.0, 1.0], [4.0, 0.25], [1.0, -2.0]]],
          "t": [[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[0.5, 0.5], [1.0, 0.0], [0.0, 2.0]]]}}
JSON
  passes "$BATS_TEST_TMPDIR/prod.json"
  assert_output "1 checked, 0 skipped"
}

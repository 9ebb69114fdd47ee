#!/usr/bin/env bats
# User-defined custom derivatives: custom_jvp(f, f_jvp) and
# custom_vjp(f, f_fwd, f_bwd) (lib/trace/trace_custom.c). The compiled
# program equals the reference evaluator's; the derivatives are the user
# rules' values (computed here by numpy from the rules' formulas, which in
# two tests are deliberately not the function's derivative, so that
# differentiating the primal body instead would fail); --grad-check
# passes where the rule is the true derivative. The listings are the
# golden cases tests/cases/custom-*.
bats_require_minimum_version 1.5.0
load helper

# spec NAME FUNCTION ARGS SOURCE-LINES...: a spec in $BATS_TEST_TMPDIR.
spec() {
  local name=$1 fn=$2 args=$3
  shift 3
  /usr/bin/python3 - "$BATS_TEST_TMPDIR/$name.json" "$fn" "$args" "$@" <<'EOF'
import json, sys
path, fn, args, *src = sys.argv[1:]
json.dump({"tjit": 1, "source": src, "function": fn, "args": json.loads(args)}, open(path, "w"))
EOF
}

# values SPEC [OPTIONS...]: the outputs' data of `tjit run --format json`,
# flattened, one number a line (as float64 reprs).
values() {
  local spec=$1
  shift
  tjit run --format json "$@" "$spec" | /usr/bin/python3 -c '
import json, sys
for o in json.load(sys.stdin)["calls"][0]["outputs"]:
    d = o["data"]
    for v in (d if isinstance(d, list) else [d]): print(repr(float(v)))'
}

# close EXPECTED...: each line of $output within 1e-6 (relative) of the
# numpy expression given, in order.
close() {
  /usr/bin/python3 - "$output" "$@" <<'EOF'
import sys
import numpy as np
got = [float(x) for x in sys.argv[1].split()]
want = [float(eval(e, {"np": np})) for e in sys.argv[2:]]
assert len(got) == len(want), (got, want)
for g, w in zip(got, want):
    assert g == w if np.isinf(w) else abs(g - w) <= 1e-6 * max(1.0, abs(w)), (g, w)
EOF
}

# compiled and reference agree exactly on SPEC.
same_as_reference() {
  local a b
  a=$(values "$1") && b=$(values "$1" --reference)
  [[ -n $a && $a == "$b" ]] || { echo "compiled: $a"; echo "reference: $b"; return 1; }
}

LPE=("float log1pexp_fn(float x) { return log(1.0 + exp(x)); }"
  "auto log1pexp_jvp(auto primals, auto tangents) {"
  "  auto x = primals[0]; auto x_dot = tangents[0];"
  "  return (custom_jvp(log1pexp_fn, log1pexp_jvp)(x), x_dot * (1.0 - 1.0 / (1.0 + exp(x))));"
  "}"
  "float log1pexp(float x) { return custom_jvp(log1pexp_fn, log1pexp_jvp)(x); }")

@test "custom_jvp: log1pexp's value, jvp and grad are the rule's, compiled as evaluated" {
  spec lpe g '{"x": [-2.0, 0.5, 3.0, 100.0]}' "${LPE[@]}" \
    "auto g(float x[4]) {" \
    "  auto v = log1pexp(x);" \
    "  auto jv = jvp(log1pexp, (x,), (ones_like(x),));" \
    "  return (v, jv[1], vmap_free_grad(x));" \
    "}" \
    "auto vmap_free_grad(float x[4]) { return (grad(log1pexp)(x[0]), grad(log1pexp)(x[1]), grad(log1pexp)(x[2]), grad(log1pexp)(x[3])); }"
  same_as_reference "$BATS_TEST_TMPDIR/lpe.json"
  run values "$BATS_TEST_TMPDIR/lpe.json"
  assert_success
  # log(1 + exp(100)) overflows f32: inf; the rule's tangent 1 - 1/(1 + e^x)
  # stays finite there (autodiff of the primal body would give nan)
  local want=("np.log1p(np.exp(-2.0))" "np.log1p(np.exp(0.5))" "np.log1p(np.exp(3.0))" "np.inf") v
  for v in -2.0 0.5 3.0 100.0; do want+=("1 - 1 / (1 + np.exp($v))"); done
  for v in -2.0 0.5 3.0 100.0; do want+=("1 - 1 / (1 + np.exp($v))"); done
  close "${want[@]}"
}

@test "custom_jvp: a function using it twice: grad is the product rule of the rules" {
  spec twice g '{"x": 0.5}' "${LPE[@]}" \
    "float h(float x) { auto lpe = custom_jvp(log1pexp_fn, log1pexp_jvp); return lpe(x) * lpe(x * 2.0); }" \
    "auto g(float x) { return (h(x), grad(h)(x)); }"
  same_as_reference "$BATS_TEST_TMPDIR/twice.json"
  run values "$BATS_TEST_TMPDIR/twice.json"
  assert_success
  s='(lambda z: 1 / (1 + np.exp(-z)))'
  close "np.log1p(np.exp(0.5)) * np.log1p(np.exp(1.0))" \
    "$s(0.5) * np.log1p(np.exp(1.0)) + np.log1p(np.exp(0.5)) * 2 * $s(1.0)"
}

@test "custom_jvp: the derivative is the rule's even when the rule is not f's derivative" {
  spec fake g '{"x": [0.25, 1.5], "c": 2.0}' \
    "auto g(float x[2], float c) {" \
    "  float f(float y) { return sin(y) * c; }" \
    "  auto f_jvp(auto p, auto t) { return (f(p[0]), 3.0 * c * t[0]); }" \
    "  auto fc = custom_jvp(f, f_jvp);" \
    "  auto gx = grad(fc)(x[0]);" \
    "  auto jx = jvp(fc, (x[1],), (2.0f,));" \
    "  return (gx, jx[0], jx[1]);" \
    "}"
  same_as_reference "$BATS_TEST_TMPDIR/fake.json"
  run values "$BATS_TEST_TMPDIR/fake.json"
  assert_success
  close "3 * 2.0" "np.sin(np.float32(1.5)) * 2" "3 * 2.0 * 2"
}

@test "custom_jvp: --grad-check passes where the rule is the true derivative" {
  spec gc f '{"x": {"dtype": "f32", "data": [-1.5, 0.25, 2.0]}}' "${LPE[@]}" \
    "auto f(float x[3]) { return (log1pexp(x), log1pexp(x * x)); }"
  run --separate-stderr tjit run --grad-check "$BATS_TEST_TMPDIR/gc.json"
  assert_success
  assert_line "  PASS"
  refute_line --partial "FAIL"
}

SIN=("float f(float x, float y) { return sin(x) * y; }"
  "auto f_fwd(float x, float y) { return (custom_vjp(f, f_fwd, f_bwd)(x, y), (cos(x), sin(x), y)); }"
  "auto f_bwd(auto res, float g) { return (res[0] * g * res[2], res[1] * g); }")

@test "custom_vjp: the docstring's f: value_and_grad and vjp are the bwd rule's" {
  spec vg g '{"x": 1.0, "y": 2.0}' "${SIN[@]}" \
    "auto g(float x, float y) {" \
    "  auto fv = custom_vjp(f, f_fwd, f_bwd);" \
    "  auto vg = value_and_grad(fv, argnums=(0, 1))(x, y);" \
    "  auto pb = vjp(fv, x, y);" \
    "  auto ct = pb[1](3.0f);" \
    "  return (vg, fv(x, y), ct);" \
    "}"
  same_as_reference "$BATS_TEST_TMPDIR/vg.json"
  run values "$BATS_TEST_TMPDIR/vg.json"
  assert_success
  close "np.sin(1.0) * 2" "np.cos(1.0) * 2" "np.sin(1.0)" "np.sin(1.0) * 2" "np.cos(1.0) * 3 * 2" "np.sin(1.0) * 3"
}

@test "custom_vjp: gradient clipping: the cotangent is clipped, None gives zeros" {
  spec clip g '{"x": [0.0, 2.0, 3.0, -1.0]}' \
    "float ident(float lo, float hi, float x[4]) { return x; }" \
    "auto clip_fwd(float lo, float hi, float x[4]) { return (x, (lo, hi)); }" \
    "auto clip_bwd(auto res, float g[4]) { return (None, None, clip(g, res[0], res[1])); }" \
    "float f(float lo, float x[4]) { return sum(sin(custom_vjp(ident, clip_fwd, clip_bwd)(lo, 0.5, x))); }" \
    "auto g(float x[4]) { return grad(f, argnums=(0, 1))(-0.5f, x); }"
  same_as_reference "$BATS_TEST_TMPDIR/clip.json"
  run values "$BATS_TEST_TMPDIR/clip.json"
  assert_success
  local want=(0) v
  for v in 0.0 2.0 3.0 -1.0; do want+=("np.clip(np.cos($v), -0.5, 0.5)"); done
  close "${want[@]}"
}

@test "custom_vjp: jvp traces custom_lin, and running it is JAX's TypeError" {
  spec fwd g '{"x": 1.0, "y": 2.0}' "${SIN[@]}" \
    "auto g(float x, float y) { return jvp(custom_vjp(f, f_fwd, f_bwd), (x, y), (1.0f, 0.0f)); }"
  run tjit trace "$BATS_TEST_TMPDIR/fwd.json"
  assert_success
  assert_output --partial "custom_lin["
  run --separate-stderr tjit run "$BATS_TEST_TMPDIR/fwd.json"
  assert_failure 1
  [[ $stderr == *"TypeError: can't apply forward-mode autodiff (jvp) to a custom_vjp function."* ]]
  run --separate-stderr tjit run --reference "$BATS_TEST_TMPDIR/fwd.json"
  assert_failure 1
  [[ $stderr == *"TypeError: can't apply forward-mode autodiff (jvp) to a custom_vjp function."* ]]
}

@test "custom_vjp: differentiating with respect to a value its fwd closes over is JAX's CustomVJPException" {
  spec closed h '{"x": 0.5, "c": 2.0}' \
    "auto g(float x, float c) {" \
    "  float f(float y) { return y * c; }" \
    "  auto f_fwd(float y) { return (f(y), c); }" \
    "  auto f_bwd(auto r, float g) { return (g * r,); }" \
    "  return custom_vjp(f, f_fwd, f_bwd)(x);" \
    "}" \
    "auto h(float x, float c) { return grad(g, argnums=1)(x, c); }"
  run --separate-stderr tjit trace "$BATS_TEST_TMPDIR/closed.json"
  assert_failure 1
  [[ $stderr == *"error: Detected differentiation of a custom_vjp function with respect to a closed-over value."* ]]
}

@test "custom rules are checked only when differentiated; errors point at the call" {
  spec lazy g '{"x": 2.0}' \
    "float f(float x) { return x * x; }" \
    "auto bad_fwd(float x) { return x; }" \
    "auto bad_bwd(auto r, float g) { return (g, g); }" \
    "auto g(float x) { return custom_vjp(f, bad_fwd, bad_bwd)(x); }"
  run tjit run "$BATS_TEST_TMPDIR/lazy.json"
  assert_success
  assert_output "args: Array(4., dtype=float32, weak_type=True)"
}

@test "custom_jvp: second order goes through the rule's own call of the function" {
  spec second g '{"x": [-1.0, 0.5, 2.0]}' "${LPE[@]}" \
    "float d1(float x) { return grad(log1pexp)(x); }" \
    "auto g(float x[3]) { return (grad(d1)(x[0]), grad(d1)(x[1]), grad(d1)(x[2])); }"
  same_as_reference "$BATS_TEST_TMPDIR/second.json"
  run values "$BATS_TEST_TMPDIR/second.json"
  assert_success
  local want=() v
  for v in -1.0 0.5 2.0; do want+=("np.exp($v) / (1 + np.exp($v)) ** 2"); done
  close "${want[@]}"
}

@test "examples/custom_derivatives.json: the stable gradient at 100, the clipped one, and --grad-check" {
  run tjit run "$TJIT_ROOT/examples/custom_derivatives.json"
  assert_success
  assert_output "args: (Array(1., dtype=float32, weak_type=True), Array(0.5, dtype=float32, weak_type=True))"
  run --separate-stderr tjit run --grad-check --args '{"x": 1.0, "y": 0.3}' "$TJIT_ROOT/examples/custom_derivatives.json"
  assert_success
  assert_line "  PASS"
}

#!/usr/bin/env bats
# Reverse mode through scan (loops.py _scan_linearize, _scan_transpose_fancy)
# and fori_loop with static bounds: for each tests/cases/grad-scan-*.json,
# the compiled gradient equals the reference evaluator's, and
# tjit run --grad-check of the differentiated function (the spec's first
# function, the one g differentiates) passes: reverse, forward and central
# differences agree in float64, the compiled vjp within its bound.
bats_require_minimum_version 1.5.0
load helper

CASES="$TJIT_ROOT/tests/cases"

# same_as_reference NAME: tjit run and tjit run --reference give the same
# outputs (relative 1e-6: the compiled code may sum in another order).
same_as_reference() {
  run --separate-stderr tjit run --format json "$CASES/$1.json"
  assert_success
  echo "$output" >"$BATS_TEST_TMPDIR/c.json"
  run --separate-stderr tjit run --reference --format json "$CASES/$1.json"
  assert_success
  echo "$output" >"$BATS_TEST_TMPDIR/r.json"
  run /usr/bin/python3 - "$BATS_TEST_TMPDIR/c.json" "$BATS_TEST_TMPDIR/r.json" <<'PY'
import json, sys
def flat(d):
    return [d] if not isinstance(d, list) else [y for x in d for y in flat(x)]
c, r = (json.load(open(p))["calls"][0]["outputs"] for p in sys.argv[1:])
assert len(c) == len(r) and c
n = 0
for a, b in zip(c, r):
    for x, y in zip(flat(a["data"]), flat(b["data"])):
        assert abs(x - y) <= 1e-6 * max(1.0, abs(y)), (x, y)
        n += 1
print(f"{n} values agree")
PY
  assert_success
}

# grad_check_passes NAME: --grad-check of the spec with its first function
# as the entry.
grad_check_passes() {
  /usr/bin/python3 - "$CASES/$1.json" "$BATS_TEST_TMPDIR/f.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["function"] = d["source"][0].split("(")[0].split()[-1]
json.dump(d, open(sys.argv[2], "w"))
PY
  run --separate-stderr tjit run --grad-check "$BATS_TEST_TMPDIR/f.json"
  assert_success
  assert_line "  PASS"
  [[ $output != *FAIL* ]]
}

@test "RNN loss (tanh(W @ h + x)): grad w.r.t. W and xs" {
  same_as_reference grad-scan-rnn
  grad_check_passes grad-scan-rnn
}

@test "cumulative sum by scan" {
  same_as_reference grad-scan-cumsum
  grad_check_passes grad-scan-cumsum
}

@test "scan with reverse=true" {
  same_as_reference grad-scan-reverse
  grad_check_passes grad-scan-reverse
}

@test "scan closing over a traced value (consts, hoisted residuals)" {
  same_as_reference grad-scan-consts
  grad_check_passes grad-scan-consts
}

@test "scan with an integer carry" {
  same_as_reference grad-scan-int-carry
  grad_check_passes grad-scan-int-carry
}

@test "fori_loop with static bounds (a scan)" {
  same_as_reference grad-scan-fori
  grad_check_passes grad-scan-fori
}

@test "grad of a jit containing a scan" {
  same_as_reference grad-scan-jit
  grad_check_passes grad-scan-jit
}

@test "value_and_grad over a scan" {
  same_as_reference grad-scan-value-and-grad
  grad_check_passes grad-scan-value-and-grad
}

@test "unused ys: the linear scan pruned by _scan_dce_rule" {
  same_as_reference grad-scan-unused-ys
  grad_check_passes grad-scan-unused-ys
}

@test "nested: a scan of a scan of a cond (reverse outer), and a scan with a cond inside a static fori_loop" {
  cat >"$BATS_TEST_TMPDIR/n1.json" <<'J'
{"tjit": 1,
 "source": ["float f(float w, float xs[3][2]) {",
            "  auto big(auto v) { return v * w; }",
            "  auto small(auto v) { return sin(v) + w; }",
            "  auto inner(auto c, auto x) { auto n = cond(x > 0.0, big, small, c + x); return (n, n * c); }",
            "  auto outer(auto c, auto row) { let (c2, ys) = scan(inner, c, row); return (c2 * w, sum(ys)); }",
            "  let (c, tot) = scan(outer, 1.0, xs, reverse=true);",
            "  return c + sum(tot);",
            "}"],
 "args": {"w": 0.5, "xs": [[1.0, -0.5], [0.25, -1.0], [-2.0, 0.5]]}}
J
  cat >"$BATS_TEST_TMPDIR/n2.json" <<'J'
{"tjit": 1,
 "source": ["float f(float x[4]) {",
            "  auto step(auto c, auto v) {",
            "    auto big(auto u) { return u * c; }",
            "    auto small(auto u) { return u; }",
            "    auto y = cond(v > 0, big, small, v);",
            "    return (c + y, y);",
            "  }",
            "  auto body(auto i, auto acc) {",
            "    let (total, ys) = scan(step, acc, x);",
            "    return total * 0.5;",
            "  }",
            "  return fori_loop(0, 3, body, 1.0);",
            "}"],
 "args": {"x": [1.0, -0.5, 2.0, 0.25]}}
J
  for f in n1 n2; do
    run --separate-stderr tjit run --grad-check "$BATS_TEST_TMPDIR/$f.json"
    assert_success
    assert_line "  PASS"
  done
}

@test "grad of grad through a scan, and linearize's and vjp's functions agree with the reference" {
  cat >"$BATS_TEST_TMPDIR/gg.json" <<'J'
{"tjit": 1,
 "source": ["float f(float a) {",
            "  auto step(auto c, auto x) { auto n = sin(c * a) + x; return (n, n); }",
            "  let (c, ys) = scan(step, 1.0, zeros((3,)));",
            "  return c;",
            "}",
            "float g(float a) { return grad(f)(a); }",
            "auto h(float a) { return (grad(g)(a), linearize(f, a)[1](1.0), vjp(f, a)[1](1.0)); }"],
 "function": "h",
 "args": {"a": 0.5}}
J
  run --separate-stderr tjit run "$BATS_TEST_TMPDIR/gg.json"
  assert_success
  local compiled=$output
  run --separate-stderr tjit run --reference "$BATS_TEST_TMPDIR/gg.json"
  assert_success
  [[ $output == "$compiled" ]]
  /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["function"]="g"; json.dump(d, open(sys.argv[2], "w"))' \
    "$BATS_TEST_TMPDIR/gg.json" "$BATS_TEST_TMPDIR/g.json"
  run --separate-stderr tjit run --grad-check "$BATS_TEST_TMPDIR/g.json"
  assert_success
  assert_line "  PASS"
}

@test "two consts read in an order the toposort reverses" {
  same_as_reference grad-scan-const-order
  grad_check_passes grad-scan-const-order
}

@test "the gradient values of the cumulative sum are exact: 2 * the suffix sums of the partial sums" {
  run --separate-stderr tjit run "$CASES/grad-scan-cumsum.json"
  assert_success
  assert_output "args: Array([40., 38., 32., 20.], dtype=float32)"
}

@test "a stop_gradient carry: the vjp agrees with the jvp (central differences see through stop_gradient, so they differ)" {
  cat >"$BATS_TEST_TMPDIR/sg.json" <<'J'
{"tjit": 1,
 "source": ["float f(float a, float xs[3]) {",
            "  auto step(auto carry, auto x) { let (s, k) = carry; return ((s * a + x, stop_gradient(k * a)), s + k); }",
            "  let (carry, ys) = scan(step, (1.0, a), xs);",
            "  return carry[0] + sum(ys);",
            "}"],
 "args": {"a": 0.5, "xs": [1.0, 2.0, -1.0]}}
J
  run --separate-stderr tjit run --grad-check "$BATS_TEST_TMPDIR/sg.json"
  assert_failure 1
  assert_line --regexp '^  forward .* ok$'
  assert_line --regexp '^  compiled .* ok$'
  assert_line --regexp '^  central .* FAIL$'
}

@test "fori_loop with traced bounds: JAX's while error in reverse mode" {
  cat >"$BATS_TEST_TMPDIR/w.json" <<'J'
{"tjit": 1,
 "source": ["float f(float x, int n) {",
            "  auto body(auto i, auto v) { return v * x; }",
            "  return fori_loop(0, n, body, x);",
            "}",
            "auto g(float x, int n) { return grad(f)(x, n); }"],
 "function": "g",
 "args": {"x": 0.5, "n": 3}}
J
  run --separate-stderr tjit trace "$BATS_TEST_TMPDIR/w.json"
  assert_failure
  [[ $stderr == *"ValueError: Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with dynamic start/stop values."* ]]
}

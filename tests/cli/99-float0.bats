#!/usr/bin/env bats
# float0, the tangent dtype of integers (issue 15): a jvp tangent argument
# of an int/bool primal may be float0 and is then a symbolic zero (ad.py
# jvp's p2tz), adding no equation. Functions with float0 arguments are
# traced only: run and emit-c refuse them, and no operation accepts one.
bats_require_minimum_version 1.5.0
load helper

# spec NAME SOURCE ARGS: a spec of function g.
spec() {
  cat >"$BATS_TEST_TMPDIR/$1.json" <<EOF
{"tjit": 1, "source": [$2], "function": "g", "args": $3}
EOF
}

F='"float f(int n[3], float x[3]) { return sin(x) * n + x; }"'
T0='{"dtype": "float0", "shape": [3]}'

@test "a float0 tangent adds no equation and is used by none" {
  spec with "$F, \"auto g(int n[3], float x[3], float0 tn[3], float tx[3]) { return jvp(f, (n, x), (tn, tx)); }\"" \
    "{\"n\": [1, 2, 3], \"x\": [1.0, 2.0, 3.0], \"tn\": $T0, \"tx\": [1.0, 1.0, 1.0]}"
  spec float "$F, \"auto g(int n[3], float x[3], float tx[3]) { return jvp(f, (n, x), (zeros(3), tx)); }\"" \
    '{"n": [1, 2, 3], "x": [1.0, 2.0, 3.0], "tx": [1.0, 1.0, 1.0]}'
  run -0 tjit trace "$BATS_TEST_TMPDIR/with.json"
  [[ ${lines[0]} == "{ lambda ; a:i32[3] b:f32[3] c:float0[3] d:f32[3]. let" ]]
  ! grep -qw c <<<"$(tail -n +2 <<<"$output")"
  # sin, cos, convert, mul, add and the tangent's mul, mul, add (x's
  # tangent only): no equation for n's
  [[ $(grep -c ' = ' <<<"$output") -eq 8 ]]
  # an int primal with a float tangent instead is jvp's TypeError
  run -1 tjit trace "$BATS_TEST_TMPDIR/float.json"
  assert_output --partial "expected tangent dtype [('float0', 'V')], but got tangent dtype float32"
}

@test "a float tangent for an int primal is jvp's TypeError, float0 printed as numpy does" {
  spec a "$F, \"auto g(int n[3], float x[3], float tn[3], float tx[3]) { return jvp(f, (n, x), (tn, tx)); }\"" \
    '{"n": [1, 2, 3], "x": [1.0, 2.0, 3.0], "tn": [0.0, 0.0, 0.0], "tx": [1.0, 1.0, 1.0]}'
  run -1 tjit trace "$BATS_TEST_TMPDIR/a.json"
  assert_output --partial "Got primal dtype int32 and so expected tangent dtype [('float0', 'V')], but got tangent dtype float32 instead."
}

@test "run and emit-c refuse float0 arguments without crashing" {
  spec id '"auto g(float0 t[3]) { return t; }"' "{\"t\": $T0}"
  run -0 tjit trace "$BATS_TEST_TMPDIR/id.json"
  assert_output "{ lambda ; a:float0[3]. let  in (a,) }"
  run -2 tjit run "$BATS_TEST_TMPDIR/id.json"
  assert_output --partial "a float0 argument can be traced but not run"
  run -2 tjit emit-c "$BATS_TEST_TMPDIR/id.json"
  assert_output --partial "can be traced but not compiled"
  # the evaluator alone, with random arguments: no array of float0 to fill
  run -2 tjit run --reference --fill-random 1 "$BATS_TEST_TMPDIR/id.json"
  assert_output --partial "argument 0 is float0: it can be traced but not run"
}

@test "operations on float0 and float0 constants are errors, not crashes" {
  for body in 't * 2' 't.reshape(3, 1)' 'sum(t)' 't[0]' 'where(t, 1, 2)' 'jit_id(t) + 1'; do
    spec op "\"jit auto jit_id(float0 u[3]) { return u; }\", \"auto g(float0 t[3]) { return $body; }\"" "{\"t\": $T0}"
    run -1 tjit trace "$BATS_TEST_TMPDIR/op.json"
    assert_output --partial "float0"
  done
  for body in 'zeros(3, dtype=float0)' 'x.astype(float0)' '(float0)x' 'full(3, 0, dtype=\"float0\")'; do
    spec mk "\"auto g(float x[3]) { return $body; }\"" '{"x": [1.0, 2.0, 3.0]}'
    run -1 tjit trace "$BATS_TEST_TMPDIR/mk.json"
    assert_output --partial "float0"
    refute_output --partial "internal"
  done
}

@test "numpy's float0 prints as the goldens' notes say" {
  require_numpy
  run -0 /usr/bin/python3 -c "import numpy as np; d = np.dtype([('float0', np.void, 0)]); print(str(d), d.name, d.itemsize, repr(d))"
  assert_output "[('float0', 'V')] void 0 dtype([('float0', 'V')])"
}

@test "grad and value_and_grad with allow_int=true: float argnums as without it, numbers as numpy's" {
  require_numpy
  spec vg '"float f(float x[3], int n[3]) { return sum(sin(x) * n); }", "auto g(float x[3], int n[3]) { return value_and_grad(f, allow_int=true)(x, n); }"' \
    '{"x": [0.5, -1.0, 2.0], "n": [1, 2, 3]}'
  run -0 tjit run --check --format json "$BATS_TEST_TMPDIR/vg.json"
  run -0 /usr/bin/python3 -c '
import json, sys, numpy as np
out = json.loads(sys.argv[1])["calls"][0]["outputs"]
x = np.array([0.5, -1.0, 2.0], np.float32); n = np.array([1, 2, 3], np.int32)
want = [np.sum(np.sin(x) * n), np.cos(x) * n]
ok = all(np.allclose(np.array(o["data"], np.float32), w, rtol=1e-6, atol=1e-6) for o, w in zip(out, want))
print("numpy agrees" if ok and len(out) == 2 else out)' "$output"
  assert_output "numpy agrees"
  # an integer argnum's gradient would be float0 zeros: refused
  spec gi '"float f(float x[3], int n[3]) { return sum(sin(x) * n); }", "auto g(float x[3], int n[3]) { return grad(f, argnums=1, allow_int=true)(x, n); }"' \
    '{"x": [0.5, -1.0, 2.0], "n": [1, 2, 3]}'
  run -1 tjit trace "$BATS_TEST_TMPDIR/gi.json"
  assert_output --partial "gradient is float0 zeros, which tjit does not make yet"
}

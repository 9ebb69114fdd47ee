#!/usr/bin/env bats
# f16 and bf16 in the C backend (issue 14 item 7): the half pass
# (lib/ir/pass_half.c) widens them to float32 and rounds each computed
# value back to its format, as the evaluator does; the outputs are
# compared with the evaluator's bit for bit (run vs run --reference, same
# text) and with numpy's float16 (tests/data/half_c_numpy_check.py), on
# 10,000 elements (the compiled code's block loops).
load helper
bats_require_minimum_version 1.5.0

# Both runs of SPEC print the same JSON: the compiled code's and the
# evaluator's outputs, bit for bit (JSON prints each value to round-trip).
same_as_reference() {
  tjit run --check --format json "$@" >"$BATS_TEST_TMPDIR/c.json"
  tjit run --reference --format json "$@" >"$BATS_TEST_TMPDIR/r.json"
  run cmp "$BATS_TEST_TMPDIR/c.json" "$BATS_TEST_TMPDIR/r.json"
  assert_success
}

@test "f16: chain, sum, max, dot, cumsum, converts, sort and gather of 10,000 agree with numpy and the evaluator" {
  require_numpy
  /usr/bin/python3 "$TJIT_ROOT/tests/data/half_c_spec.py" >"$BATS_TEST_TMPDIR/h.json"
  numpy_agrees "$BATS_TEST_TMPDIR/h.json" half_c_numpy_check.py
  same_as_reference "$BATS_TEST_TMPDIR/h.json"
}

@test "f16: emit-c keeps 2-byte inputs and outputs and rounds each computed value (no evaluator fallback)" {
  cat >"$BATS_TEST_TMPDIR/s.json" <<'JSON'
{"tjit": 1, "source": ["auto f(f16[10000] x) { return x * x + 1; }"], "args": {"x": {"dtype": "f16", "shape": [10000]}}}
JSON
  run -0 tjit emit-c "$BATS_TEST_TMPDIR/s.json"
  assert_line "typedef unsigned short f16; typedef unsigned short bf16;"
  assert_line --partial "f16 *v0 = (f16 *)in[0];"
  # in blocks of 256: the runtime's vectorized conversions (half_rt.c)
  assert_line --partial "tj_rt_half_block(b"
  # a short array: one loop, the prelude's helpers per element
  cat >"$BATS_TEST_TMPDIR/t.json" <<'JSON'
{"tjit": 1, "source": ["auto f(f16[100] x) { return x * x + 1; }"], "args": {"x": {"dtype": "f16", "shape": [100]}}}
JSON
  run -0 tjit emit-c "$BATS_TEST_TMPDIR/t.json"
  assert_line --partial "= tj_f16_of_f32("
  assert_line --partial "= tj_f32_of_f16("
}

@test "bf16: chain, cumsum, sum, max, converts, sort, gather, copysign (a bitcast) of 10,000 match the evaluator" {
  # each bf16 result as f32 (exact): JSON prints bf16 with ml_dtypes' short repr
  cat >"$BATS_TEST_TMPDIR/b.json" <<'JSON'
{"tjit": 1, "source": ["auto f(bf16[10000] x, bf16[10000] y, f32[10000] z, bf16[100,100] a, i32[100] i) {",
 "  auto f32s(auto v) { return astype(v, f32); }",
 "  return (f32s((x * y + x) / (abs(y) + 2) - sqrt(abs(x))), f32s(cumsum(x)), f32s(sum(y)), f32s(max(a)),",
 "          f32s(astype(z, bf16)), astype(x, f16), astype(y, f32), f32s(sort(x)), f32s(y[i]), f32s(copysign(x, y)));",
 "}"],
 "args": {"x": {"dtype": "bf16", "shape": [10000]}, "y": {"dtype": "bf16", "shape": [10000]},
          "z": {"dtype": "f32", "shape": [10000]}, "a": {"dtype": "bf16", "shape": [100, 100]},
          "i": {"dtype": "i32", "shape": [100]}}}
JSON
  same_as_reference --fill-random 3 "$BATS_TEST_TMPDIR/b.json"
}

@test "bf16: values worked out by hand (7 stored bits, ties to even)" {
  cat >"$BATS_TEST_TMPDIR/b.json" <<'JSON'
{"tjit": 1, "source": ["auto f(bf16[3] x, f32[3] z) { return (astype(x * 3, f32), astype(cumsum(x), f32), astype(astype(z, bf16), f32)); }"],
 "args": {"x": {"dtype": "bf16", "shape": [3], "data": [1.0078125, 256, -0.5]},
          "z": {"dtype": "f32", "shape": [3], "data": [1.00390625, 1.01171875, 3.0e38]}}}
JSON
  # (as f32: JSON prints bf16 with ml_dtypes' short repr, f32 exactly)
  # x * 3: 3.0234375 = (1 + 131/256) * 2, a tie between 65/128 and 66/128: to even, 3.03125; 768; -1.5.
  # cumsum, rounded at every step: 1 + 2^-7 + 256 is 257.0078125, between 256 and 258 (bf16's
  # spacing there is 2): 258; 258 - 0.5 = 257.5: 258.
  # astype: 1 + 2^-8 is a tie between 1 and 1 + 2^-7: to even, 1; 1 + 3 * 2^-8, a tie between
  # 1 + 2^-7 (odd) and 1 + 2^-6: 1.015625; 3.0e38 is float32 0x7f61b1e6, rounded up to
  # 0x7f62: 1.765625 * 2^127 = 3.0040553e+38.
  run -0 tjit run --check --format json "$BATS_TEST_TMPDIR/b.json"
  assert_output '{"version": 1, "calls": [{"call": "args", "outputs": [{"dtype": "f32", "shape": [3], "data": [3.03125, 768.0, -1.5]}, {"dtype": "f32", "shape": [3], "data": [1.0078125, 258.0, 258.0]}, {"dtype": "f32", "shape": [3], "data": [1.0, 1.015625, 3.0040553e+38]}]}]}'
}

@test "bf16 and f16: exp, tanh and a BLAS dot pass --check (the format's ulps: float32 results summed in another order)" {
  cat >"$BATS_TEST_TMPDIR/d.json" <<'JSON'
{"tjit": 1, "source": ["auto f(bf16[100,100] a, f16[100,100] b) { return (dot(a, a), exp(a), dot(b, b), tanh(b)); }"],
 "args": {"a": {"dtype": "bf16", "shape": [100, 100]}, "b": {"dtype": "f16", "shape": [100, 100]}}}
JSON
  run -0 tjit run --check --fill-random 9 "$BATS_TEST_TMPDIR/d.json"
  run -0 tjit emit-c "$BATS_TEST_TMPDIR/d.json"
  assert_line --partial "cblas_sgemm(101, 111, 111, 100, 100, 100,"
}

@test "f16: a fori_loop and a cond body computing in f16 round as the evaluator and numpy do" {
  cat >"$BATS_TEST_TMPDIR/l.json" <<'JSON'
{"tjit": 1, "source": ["auto f(f16[10000] x, int n) {",
 "  auto body(int k, auto v) { return v * 1.5 - 0.3; }",
 "  auto pos(auto v) { return v / 3; }",
 "  auto neg(auto v) { return v * v; }",
 "  auto r = fori_loop(0, n, body, x);",
 "  return (r, cond(n > 2, pos, neg, r));",
 "}"],
 "args": {"x": {"dtype": "f16", "shape": [10000], "fill": 0.7}, "n": 5}}
JSON
  same_as_reference "$BATS_TEST_TMPDIR/l.json"
  require_numpy
  run /usr/bin/python3 -c '
import json, numpy as np
out = json.load(open("'"$BATS_TEST_TMPDIR"'/c.json"))["calls"][0]["outputs"]
v = np.full(10000, 0.7, np.float16)
for _ in range(5):
    v = v * np.float16(1.5) - np.float16(0.3)
want = [v, v / np.float16(3)]
print(all(np.array_equal(np.array(o["data"], np.float64).astype(np.float16), w) for o, w in zip(out, want)))'
  assert_output "True"
}

@test "reduce_precision on f16 (its own bits, as XLA's) compiles and matches the evaluator" {
  cat >"$BATS_TEST_TMPDIR/p.json" <<'JSON'
{"tjit": 1, "source": ["auto f(f16[10000] x) { return (lax_reduce_precision(x, 4, 3), lax_reduce_precision(x * 2, 5, 10)); }"],
 "args": {"x": {"dtype": "f16", "shape": [10000]}}}
JSON
  same_as_reference --fill-random 5 "$BATS_TEST_TMPDIR/p.json"
}

# reduce_sum, reduce_prod, reduce_window_sum and scatter-add/sub/mul round
# at every step in the evaluator (an f16 accumulation, as XLA on CPU): the
# half pass keeps them 2-byte and their C rules round each step the same way.
@test "f16: reduce_sum, reduce_prod, a 64x64 window sum and scatter-add/sub/mul compile, round each step as numpy's float16 loops" {
  require_numpy
  /usr/bin/python3 "$TJIT_ROOT/tests/data/half_acc_numpy.py" spec f16 >"$BATS_TEST_TMPDIR/a.json"
  run -0 tjit emit-c "$BATS_TEST_TMPDIR/a.json"
  assert_line --partial "tj_rt_half_reduce((const void *)"
  assert_line --partial "tj_rt_reduce_window((const void *)"
  assert_line --partial "tj_rt_scatter((void *)"
  tjit run --check --format json "$BATS_TEST_TMPDIR/a.json" >"$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 "$TJIT_ROOT/tests/data/half_acc_numpy.py" check "$BATS_TEST_TMPDIR/a.json" <"$BATS_TEST_TMPDIR/out.json"
  assert_output "numpy agrees"
  same_as_reference "$BATS_TEST_TMPDIR/a.json"
}

@test "bf16: reduce_sum, reduce_prod, a 64x64 window sum and scatter-add/sub/mul compile and match the evaluator bit for bit" {
  require_numpy # to write the spec
  /usr/bin/python3 "$TJIT_ROOT/tests/data/half_acc_numpy.py" spec bf16 >"$BATS_TEST_TMPDIR/b.json"
  run -0 tjit emit-c "$BATS_TEST_TMPDIR/b.json"
  assert_line --partial "tj_rt_half_reduce((const void *)"
  same_as_reference "$BATS_TEST_TMPDIR/b.json"
}

@test "f16 and bf16 scatters the runtime does not take (a leading window dim) round each update in the generated loop" {
  cat >"$BATS_TEST_TMPDIR/g.json" <<'JSON'
{"tjit": 1, "source": ["auto f(f16[100,100] a, i32[300] i, f16[100,300] v, bf16[100,100] b, bf16[100,300] c) {",
 "  return (a.at[:, i].add(v), a.at[:, i].multiply(v), b.at[:, i].subtract(c)); }"],
 "args": {"a": {"dtype": "f16", "shape": [100, 100]}, "i": {"dtype": "i32", "shape": [300]},
          "v": {"dtype": "f16", "shape": [100, 300]}, "b": {"dtype": "bf16", "shape": [100, 100]},
          "c": {"dtype": "bf16", "shape": [100, 300]}}}
JSON
  run -0 tjit emit-c "$BATS_TEST_TMPDIR/g.json"
  assert_line --partial "= tj_bf16_of_f32(tj_f32_of_bf16("
  same_as_reference --fill-random 2 "$BATS_TEST_TMPDIR/g.json"
}

@test "a small f16 scatter-add compiles (no evaluator fallback) and rounds as numpy: 0.5 + 1, and 2048 + 1 a tie to even" {
  cat >"$BATS_TEST_TMPDIR/s.json" <<'JSON'
{"tjit": 1, "source": ["auto f(f16[4] x) { return x.at[0].add(1.0).at[1].add(1.0); }"],
 "args": {"x": {"dtype": "f16", "shape": [4], "data": [0.5, 2048, 0.5, 0.5]}}}
JSON
  run -0 tjit emit-c "$BATS_TEST_TMPDIR/s.json"
  run -0 tjit run --check "$BATS_TEST_TMPDIR/s.json"
  assert_output "args: Array([1.500e+00, 2.048e+03, 5.000e-01, 5.000e-01], dtype=float16)"
}

#!/usr/bin/env bats
# jax.random (issue 16): the Threefry-2x32 hash bit for bit. The compiled
# code (random_rt.c) and the reference evaluator (eval_random.c) run one
# text, lib/base/threefry.h, so their outputs must be identical, not
# close; both must equal a numpy transcription of JAX's
# _threefry2x32_lowering (tests/data/random_numpy_check.py, which first
# checks itself on the Random123 known answers).
load helper
bats_require_minimum_version 1.5.0

@test "threefry2x32 on 100000 counter pairs and a partial broadcast agrees with numpy's transcription of JAX's lowering" {
  numpy_agrees "$TJIT_ROOT/tests/data/random-threefry-check.json" random_numpy_check.py
}

@test "threefry2x32: compiled and --reference outputs are identical bit for bit" {
  compiled_equals_reference "$TJIT_ROOT/tests/data/random-threefry-check.json"
}

@test "threefry2x32's known answers (Random123, JAX's testThreefry2x32) in hex" {
  printf '%s\n' '{"source": ["auto f(u32[3] a, u32[3] b, u32[3] c, u32[3] d) { return threefry2x32(a, b, c, d); }"],
    "args": {"a": {"dtype": "u32", "data": [0, 4294967295, 320440878]}, "b": {"dtype": "u32", "data": [0, 4294967295, 57701188]},
             "c": {"dtype": "u32", "data": [0, 4294967295, 608135816]}, "d": {"dtype": "u32", "data": [0, 4294967295, 2242054355]}}}' \
    >"$BATS_TEST_TMPDIR/k.json"
  for mode in "" --reference; do
    run tjit run $mode --format json "$BATS_TEST_TMPDIR/k.json"
    assert_success
    run /usr/bin/python3 -c 'import json, sys; o = json.load(sys.stdin)["calls"][0]["outputs"]; print(" ".join("%08x" % v for x in o for v in x["data"]))' <<<"$output"
    assert_output "6b200159 1cb996fc c4923a9c 99ba4efe bb002be7 483df7a0"
  done
}

# Typed keys (issue 16): random_seed, split, fold_in, bits of every width,
# on a key from a seed and on raw key data.
@test "key, PRNGKey, split, fold_in and bits of u8 to u64 agree with numpy's transcription of JAX's threefry implementation" {
  numpy_agrees "$TJIT_ROOT/tests/data/random-keys-check.json" random_keys_check.py
}

@test "the key primitives: compiled and --reference outputs are identical bit for bit" {
  compiled_equals_reference "$TJIT_ROOT/tests/data/random-keys-check.json"
}

@test "a key array result prints its keys' shape and data, in JSON too" {
  printf '%s\n' '{"source": ["auto f(i32 s) { return random_split(random_key(s), 2); }"], "args": {"s": {"dtype": "i32", "data": 0}}}' >"$BATS_TEST_TMPDIR/k.json"
  run tjit run --format json "$BATS_TEST_TMPDIR/k.json"
  assert_success
  assert_output '{"version": 1, "calls": [{"call": "args", "outputs": [{"dtype": "key<fry>", "shape": [2], "data": [[1797259609, 2579123966], [928981903, 3453687069]]}]}]}'
}

# jax.random.uniform (issue 16): f32 and f16 values bit for bit.
@test "uniform in f32 and f16, with bounds, agrees bit for bit with numpy's _uniform on the transcribed bits" {
  numpy_agrees "$TJIT_ROOT/tests/data/random-uniform-check.json" random_uniform_check.py
}

@test "uniform: compiled and --reference outputs are identical bit for bit" {
  compiled_equals_reference "$TJIT_ROOT/tests/data/random-uniform-check.json"
}

@test "run --out writes a key array as its key data, uint32 with a trailing 2" {
  require_numpy
  printf '%s\n' '{"source": ["auto f(auto k) { return random_split(k, (2, 3)); }"], "args": {"k": {"key": 0}}}' >"$BATS_TEST_TMPDIR/k.json"
  run tjit run --out "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/k.json"
  assert_success
  run /usr/bin/python3 -c 'import sys, numpy as np; a = np.load(sys.argv[1]); print(a.dtype, a.shape, a[0, 0].tolist())' "$BATS_TEST_TMPDIR/args_out0.npy"
  assert_output "uint32 (2, 3, 2) [1797259609, 2579123966]"
}

# jax.random's discrete and Gumbel samplers (issue 16): randint, permutation,
# gumbel, bernoulli's mode 'high' and choice against numpy's transcription of
# their bodies over the threefry bits; categorical by its frequencies.
@test "randint, permutation, gumbel, bernoulli 'high' and choice agree with numpy's transcription of jax.random's bodies" {
  numpy_agrees "$TJIT_ROOT/tests/data/random-dist-check.json" random_dist_check.py
}

@test "the discrete and Gumbel samplers: compiled and --reference outputs are identical bit for bit" {
  compiled_equals_reference "$TJIT_ROOT/tests/data/random-dist-check.json"
}

@test "categorical: frequencies match softmax(logits) over many samples; without replacement each column is a permutation" {
  require_numpy
  printf '%s\n' '{"source": ["auto f(auto k, f32[4] l, f32[3,5] l2) { return (random_categorical(k, l, shape=(40000,)), random_categorical(random_fold_in(k, 1), l2, axis=1, shape=(4000, 3)), random_categorical(random_fold_in(k, 2), l2, 0, (3, 5), replace=false)); }"],
    "args": {"k": {"key": 3}, "l": {"dtype": "f32", "data": [0.0, 1.0, 2.0, -1.0]},
             "l2": {"dtype": "f32", "data": [[0, 0, 0, 0, 3], [1, 2, 3, 4, 5], [-2, 0, 2, 0, -2]]}}}' >"$BATS_TEST_TMPDIR/c.json"
  tjit run --check --format json "$BATS_TEST_TMPDIR/c.json" >"$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 -c '
import json, sys
import numpy as np
a, b, c = (np.array(o["data"]) for o in json.load(sys.stdin)["calls"][0]["outputs"])
sm = lambda l: np.exp(l - np.max(l)) / np.exp(l - np.max(l)).sum()
l2 = np.array([[0, 0, 0, 0, 3], [1, 2, 3, 4, 5], [-2, 0, 2, 0, -2]], float)
ok = a.shape == (40000,) and np.abs(np.bincount(a, minlength=4) / a.size - sm(np.array([0, 1, 2, -1.]))).max() < 0.01
ok &= b.shape == (4000, 3) and all(np.abs(np.bincount(b[:, r], minlength=5) / 4000 - sm(l2[r])).max() < 0.03 for r in range(3))
ok &= c.shape == (3, 5) and all(sorted(c[:, j]) == [0, 1, 2] for j in range(5))
print("frequencies agree" if ok else "differ")' <"$BATS_TEST_TMPDIR/out.json"
  assert_output "frequencies agree"
}

@test "examples/dropout.json: the mask is numpy's bernoulli of the key's bits, the kept activations scaled by exactly 1/keep, compiled and evaluated bit for bit" {
  require_numpy
  tjit run --check --format json "$TJIT_ROOT/examples/dropout.json" >"$BATS_TEST_TMPDIR/out.json"
  tjit run --reference --format json "$TJIT_ROOT/examples/dropout.json" >"$BATS_TEST_TMPDIR/ref.json"
  cmp "$BATS_TEST_TMPDIR/out.json" "$BATS_TEST_TMPDIR/ref.json"
  run /usr/bin/python3 - "$BATS_TEST_TMPDIR/out.json" "$TJIT_ROOT/tests/data" <<'EOF'
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[2])
from random_keys_check import bits, seed
out, mask, h = (np.array(o["data"]) for o in json.load(open(sys.argv[1]))["calls"][0]["outputs"])
out, h, keep = out.astype(np.float32), h.astype(np.float32), np.float32(0.8)
u = ((bits(seed(0), (8, 32), 32) >> np.uint32(9)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1)
want = u < keep  # _bernoulli: uniform(key, shape) < p, p converted to float32
ok = np.array_equal(mask, want) and np.array_equal(out, np.where(want, h / keep, np.float32(0)))
ok = ok and (h > 0).any() and abs(want.mean() - 0.8) < 0.06
print("dropout agrees" if ok else "differs")
EOF
  assert_output "dropout agrees"
}

@test "vmap over split keys of randint, gumbel 'high', permutation, categorical, choice and bernoulli 'high' equals the draws one key at a time" {
  printf '%s\n' '{"tjit": 1, "function": "g", "args": {}, "source": [
    "auto f(auto k) { return ((float)random_randint(k, (3,), 0, 100)[0] + random_gumbel(k, (3,), mode=\"high\")[1] + (float)random_permutation(k, 5)[2] + (float)random_categorical(k, arange(4.0)) + (float)random_choice(k, 9, (2,), false)[1] + (float)random_bernoulli(k, 0.4, (2,), \"high\")[0]); }",
    "auto g() {", "  auto keys = random_split(random_key(42), 4);",
    "  return (vmap(f)(keys), stack((f(keys[0]), f(keys[1]), f(keys[2]), f(keys[3]))));", "}"]}' >"$BATS_TEST_TMPDIR/v.json"
  pairs_agree "$BATS_TEST_TMPDIR/v.json" 1 0
}

@test "vmap over keys of choice with p, categorical without replacement, choice along axis 1, randint u8 and permutation along axis 1 equals the per-key draws" {
  printf '%s\n' '{"tjit": 1, "function": "g", "args": {}, "source": [
    "auto f(auto k) { return (float)random_choice(k, 5, (2,), false, arange(1.0, 6.0))[1] + (float)random_categorical(k, reshape(arange(6.0), (2, 3)), 0, (2, 3), false)[1, 2] + random_choice(k, reshape(arange(6.0), (3, 2)), (2,), axis=1)[2, 1] + (float)random_randint(k, (2,), 0, 256, u8)[1] + (float)random_permutation(k, reshape(arange(6.0), (2, 3)), 1)[1, 0]; }",
    "auto g() {", "  auto keys = random_split(random_key(7), 3);",
    "  return (vmap(f)(keys), stack((f(keys[0]), f(keys[1]), f(keys[2]))));", "}"]}' >"$BATS_TEST_TMPDIR/v.json"
  pairs_agree "$BATS_TEST_TMPDIR/v.json" 1 0
}

@test "vmap over keys of choice with p and replacement and of searchsorted (methods sort, compare_all) equals the per-key draws" {
  printf '%s\n' '{"tjit": 1, "function": "g", "args": {}, "source": [
    "auto f(auto k) { return (float)random_choice(k, 5, (3,), true, arange(1.0, 6.0))[1] + (float)searchsorted(arange(4.0), random_uniform(k, (2,), maxval=4.0), method=\"sort\")[0] + (float)searchsorted(arange(4.0), random_uniform(k), method=\"compare_all\"); }",
    "auto g() {", "  auto keys = random_split(random_key(11), 4);",
    "  return (vmap(f)(keys), stack((f(keys[0]), f(keys[1]), f(keys[2]), f(keys[3]))));", "}"]}' >"$BATS_TEST_TMPDIR/v.json"
  pairs_agree "$BATS_TEST_TMPDIR/v.json" 1 0
}

# jax.random.normal and truncated_normal (issue 16): erf_inv is computed by
# lib/base/erf_inv.h in every backend (XLA's decomposition, a libm-free
# log1p), so normal's samples are the same bits compiled, in the reference
# evaluator and on every machine.
@test "normal in f32, f64 and f16 and truncated_normal agree with numpy's transcription of XLA's erf_inv on the transcribed bits" {
  numpy_agrees "$TJIT_ROOT/tests/data/random-normal-check.json" random_normal_check.py
}

@test "normal and truncated_normal: compiled and --reference outputs are identical bit for bit" {
  compiled_equals_reference "$TJIT_ROOT/tests/data/random-normal-check.json"
}

# JAX's tests/random_test.py testRandomDistributionValues publishes normal
# and truncated_normal values (6 decimals) for seed zlib.adler32(name +
# "threefry2x32"), made before jax_threefry_partitionable became the
# default: their bits come from the legacy counter layout, which tjit does
# not generate, so numpy makes them (random_keys_check.py's legacy_bits,
# itself checked against the published bits) and tjit runs the rest of
# _normal_real / _truncated_normal (uniform's float transform, erf_inv,
# the sqrt(2) product, the clamp) on them. Tolerance 1e-6: the published
# numbers are rounded to 6 decimals (error <= 5e-7).
@test "normal's and truncated_normal's values published by JAX's random_test.py, from the legacy bits" {
  require_numpy
  /usr/bin/python3 - "$TJIT_ROOT/tests/data" "$BATS_TEST_TMPDIR/p.json" <<'EOF'
import json, sys, zlib
import numpy as np
sys.path.insert(0, sys.argv[1])
from random_keys_check import legacy_bits, seed
def floats01(name):  # _uniform's bits to [0, 1) in float32, 5 values
    b = legacy_bits(seed(zlib.adler32((name + "threefry2x32").encode())), 5, 32).astype(np.uint32)
    return (((b >> np.uint32(9)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1)).tolist()
spec = {"source": [
    "auto uniform(f32[5] r, f32 lo, f32 hi) { return maximum(lo, r * (hi - lo) + lo); }",
    "auto f(f32[5] rn, f32[5] rt) {",
    "  auto s = 1.4142135623730951;",
    "  auto n = s * lax_erf_inv(uniform(rn, -0.99999994, 1.0));",
    "  auto t = s * lax_erf_inv(uniform(rt, erf(0.0 / s), erf(2.0 / s)));",
    "  return (n, clip(t, 0.0, 2.0));",
    "}"],
    "function": "f",
    "args": {"rn": {"dtype": "f32", "data": floats01("normal")},
             "rt": {"dtype": "f32", "data": floats01("truncated_normal")}}}
json.dump(spec, open(sys.argv[2], "w"))
EOF
  for mode in "" --reference; do
    run tjit run $mode --format json "$BATS_TEST_TMPDIR/p.json"
    assert_success
    run /usr/bin/python3 -c '
import json, sys
import numpy as np
o = json.load(sys.stdin)["calls"][0]["outputs"]
published = [[-1.173234, -1.511662, 0.070593, -0.099764, 1.052845], [0.582807, 1.709771, 0.159513, 0.861376, 0.36148]]
for got, want in zip(o, published):
    assert np.max(np.abs(np.array(got["data"]) - want)) <= 1e-6, (got["data"], want)
print("published values agree")' <<<"$output"
    assert_output "published values agree"
  done
}

# Statistical sanity on 100000 samples (compiled, checked against the
# reference): normal's mean within 0.02 of 0 (6.3 standard errors), its
# standard deviation within 0.012 of 1 (5.4 standard errors), 68.27% +-
# 0.75% within one; truncated_normal(-1, 2) strictly inside (-1, 2), its
# mean within 0.02 of the truncated normal's, (phi(a) - phi(b)) / (Phi(b) -
# Phi(a)) = 0.2290.
@test "normal and truncated_normal of 100000 samples have the moments of their distributions" {
  require_numpy
  printf '%s\n' '{"source": ["auto f(i32 s) { auto k = random_key(s); return (random_normal(k, 100000), random_truncated_normal(random_fold_in(k, 1), -1, 2, (100000,))); }"],
    "args": {"s": {"dtype": "i32", "data": 7}}}' >"$BATS_TEST_TMPDIR/s.json"
  run tjit run --check --out "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/s.json"
  assert_success
  run /usr/bin/python3 -c '
import math, sys
import numpy as np
n, t = np.load(sys.argv[1] + "/args_out0.npy"), np.load(sys.argv[1] + "/args_out1.npy")
assert n.dtype == np.float32 and n.shape == (100000,), (n.dtype, n.shape)
assert abs(n.mean()) < 0.02 and abs(n.std() - 1) < 0.012, (n.mean(), n.std())
assert abs(np.mean(np.abs(n) < 1) - 0.6827) < 0.0075, np.mean(np.abs(n) < 1)
pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2
mean = (pdf(-1) - pdf(2)) / (cdf(2) - cdf(-1))
assert t.min() > -1 and t.max() < 2 and abs(t.mean() - mean) < 0.02, (t.min(), t.max(), t.mean(), mean)
print("moments agree")' "$BATS_TEST_TMPDIR"
  assert_output "moments agree"
}

# examples/option_pricing.json: a Monte-Carlo European call on normal
# samples under Bachelier's normal model; each call's price must be within
# 4 of its reported standard errors (~0.03 for 100000 paths) of the closed
# form D ((F - K) N(d) + s n(d)), s = vol sqrt(T), d = (F - K) / s,
# computed here in double precision. After the random bits only IEEE
# arithmetic, sqrt and sums in lane_fold.h's order run, so the compiled
# and the reference outputs are the same bits (and on every machine).
@test "examples/option_pricing.json: the Monte-Carlo call prices agree with Bachelier's formula, compiled and evaluated bit for bit" {
  require_numpy
  run --separate-stderr tjit run --reference --format json "$TJIT_ROOT/examples/option_pricing.json"
  assert_success
  reference=$output
  run --separate-stderr tjit run --format json "$TJIT_ROOT/examples/option_pricing.json"
  assert_success
  [ "$output" = "$reference" ]
  run /usr/bin/python3 -c '
import json, math, sys
spec = json.load(open(sys.argv[1]))
out = json.load(sys.stdin)["calls"]
assert len(out) == len(spec["calls"]) == 2
N = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2
n = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
for call, got in zip(spec["calls"], out):
    f, k, vol, t, disc = (call[m] for m in ("forward", "strike", "vol", "maturity", "discount"))
    s = vol * math.sqrt(t)
    d = (f - k) / s
    exact = disc * ((f - k) * N(d) + s * n(d))
    price, se = got["outputs"][0]["data"], got["outputs"][1]["data"]
    assert 0.01 < se < 0.1 and abs(price - exact) < 4 * se, (price, se, exact)
print("Bachelier agrees")' "$TJIT_ROOT/examples/option_pricing.json" <<<"$output"
  assert_output "Bachelier agrees"
}

# vmap over a batch of typed keys (the key primitives' batching rules, then
# erf_inv's and nextafter's elementwise ones): the same values, bit for bit,
# as each key's own call, as jax.vmap gives.
@test "vmap of normal and truncated_normal over split keys equals the calls key by key" {
  require_numpy
  printf '%s\n' '{"source": ["auto m(auto k) { return (random_normal(k, 3), random_truncated_normal(k, -0.5, 1.0, (3,))); }",
    "auto f(i32 s) { auto ks = random_split(random_key(s), 4); auto v = vmap(m)(ks);",
    "  return (v[0], stack((m(ks[0])[0], m(ks[1])[0], m(ks[2])[0], m(ks[3])[0])),",
    "          v[1], stack((m(ks[0])[1], m(ks[1])[1], m(ks[2])[1], m(ks[3])[1]))); }"],
    "function": "f", "args": {"s": {"dtype": "i32", "data": 5}}}' >"$BATS_TEST_TMPDIR/v.json"
  run tjit run --check --format json "$BATS_TEST_TMPDIR/v.json"
  assert_success
  run /usr/bin/python3 -c '
import json, sys
o = [x["data"] for x in json.load(sys.stdin)["calls"][0]["outputs"]]
assert o[0] == o[1] and o[2] == o[3], o
assert len({tuple(r) for r in o[0]}) == 4, "the keys must differ"
print("vmap agrees")' <<<"$output"
  assert_output "vmap agrees"
}

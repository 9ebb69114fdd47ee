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
  run tjit run --format json "$TJIT_ROOT/tests/data/random-threefry-check.json"
  assert_success
  compiled=$output
  run tjit run --reference --format json "$TJIT_ROOT/tests/data/random-threefry-check.json"
  assert_success
  [ "$output" = "$compiled" ]
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
  run tjit run --format json "$TJIT_ROOT/tests/data/random-keys-check.json"
  assert_success
  compiled=$output
  run tjit run --reference --format json "$TJIT_ROOT/tests/data/random-keys-check.json"
  assert_success
  [ "$output" = "$compiled" ]
}

@test "a key array result prints its keys' shape and data, in JSON too" {
  printf '%s\n' '{"source": ["auto f(i32 s) { return random_split(random_key(s), 2); }"], "args": {"s": {"dtype": "i32", "data": 0}}}' >"$BATS_TEST_TMPDIR/k.json"
  run tjit run --format json "$BATS_TEST_TMPDIR/k.json"
  assert_success
  assert_output '{"calls": [{"call": "args", "outputs": [{"dtype": "key<fry>", "shape": [2], "data": [[1797259609, 2579123966], [928981903, 3453687069]]}]}]}'
}

# jax.random.uniform (issue 16): f32 and f16 values bit for bit.
@test "uniform in f32 and f16, with bounds, agrees bit for bit with numpy's _uniform on the transcribed bits" {
  numpy_agrees "$TJIT_ROOT/tests/data/random-uniform-check.json" random_uniform_check.py
}

@test "uniform: compiled and --reference outputs are identical bit for bit" {
  run tjit run --format json "$TJIT_ROOT/tests/data/random-uniform-check.json"
  assert_success
  compiled=$output
  run tjit run --reference --format json "$TJIT_ROOT/tests/data/random-uniform-check.json"
  assert_success
  [ "$output" = "$compiled" ]
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
  run tjit run --format json "$TJIT_ROOT/tests/data/random-dist-check.json"
  assert_success
  compiled=$output
  run tjit run --reference --format json "$TJIT_ROOT/tests/data/random-dist-check.json"
  assert_success
  [ "$output" = "$compiled" ]
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

@test "examples/dropout.json: the mask is numpy's bernoulli of the key's bits, the kept activations scaled by exactly 1/keep" {
  require_numpy
  tjit run --check --format json "$TJIT_ROOT/examples/dropout.json" >"$BATS_TEST_TMPDIR/out.json"
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

#!/usr/bin/env bats
# The fuzzing tooling that runs without clang (the harnesses themselves run
# in `make fuzz-smoke`): the dictionaries read from the library's tables,
# the seed corpora, install-deps.sh's targets.
load helper

# The dictionary is read from the tables by their declarations: a renamed
# or reshaped table would silently drop its words, so one word of each
# table is looked for.
@test "fuzz: the tjit dictionary holds a word of every table it reads" {
  run "$TJIT_ROOT/tests/fuzz/make-dict" tjit
  assert_success
  for word in '"jit"' '"<<="' '"logistic"' '"broadcast_to"' '"while_loop"' '"keepdims"' \
    '"float64"' '"double"' '"bool_"' '"static_argnums"' '"iota"' '"autograph"' '"seed"' '"log_softmax"'; do
    grep -qxF -- "$word" <<<"$output" || { echo "missing $word"; return 1; }
  done
  refute_line '""'
}

@test "fuzz: the npy dictionary holds every descr npy.c reads" {
  run "$TJIT_ROOT/tests/fuzz/make-dict" npy
  assert_success
  for word in '"|b1"' '"|i1"' '"<i2"' '"<i4"' '"<i8"' '"|u1"' '"<u4"' '"<f4"' '"<f8"' '"<u2"' '"<u8"' '"\x93NUMPY\x01\x00"'; do
    grep -qxF -- "$word" <<<"$output" || { echo "missing $word"; return 1; }
  done
}

@test "fuzz: an unknown dictionary is a usage error" {
  run "$TJIT_ROOT/tests/fuzz/make-dict" bogus
  assert_failure 2
  assert_output "make-dict: unknown dictionary 'bogus' (tjit, npy, cache or jaxpr)"
}

@test "fuzz: the seed corpora hold the cases, the what-ifs, the npy files and the listings" {
  run "$TJIT_ROOT/tests/fuzz/make-corpus" "$BATS_TEST_TMPDIR/corpus"
  assert_success
  local c=$BATS_TEST_TMPDIR/corpus
  cmp "$c/fuzz_spec/layer_norm.json" "$TJIT_ROOT/examples/layer_norm.json"
  cmp "$c/fuzz_npy/f32_3.npy" "$TJIT_ROOT/tests/data/f32_3.npy"
  # the golden trace listings, as fuzz_jaxpr reads them
  cmp "$c/fuzz_jaxpr/abs-unsigned-and-bool.jaxpr" "$TJIT_ROOT/tests/cases/abs-unsigned-and-bool.out"
  # the spec, a NUL byte, the --what-if's value (explain-what-if-hit.args)
  run bash -c "tr '\0' '\n' <'$c/fuzz_explain/explain-what-if-hit.what-if' | tail -n 1"
  assert_output "threshold=0.0"
  [[ $(ls "$c/fuzz_gen" | wc -l) -eq 16 ]]
}

@test "fuzz: install-deps.sh refuses an unknown target before installing anything" {
  run "$TJIT_ROOT/scripts/install-deps.sh" bogus
  assert_failure 2
  assert_output "install-deps: error: unknown target 'bogus' (known: build, fuzz)"
}

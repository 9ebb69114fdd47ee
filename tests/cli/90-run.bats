#!/usr/bin/env bats
# tjit run: results of real specs, checked against values worked out by
# hand (see each case's description), first with the reference evaluator
# (--reference, the cases' .args), then compiled, which must print the
# same; and the command's options.
load helper

# compiled NAME: case NAME run compiled with --check instead of
# --reference prints exactly NAME.out.
compiled() {
  local name=$1 words=() w args=()
  golden_words "$name"
  for w in "${words[@]}"; do [[ $w == --reference ]] || args+=("$w"); done
  cd "$CASES_DIR"
  run tjit "${args[@]}" --check
  assert_success
  _golden_compare stdout "$output"$'\n' "$CASES_DIR/$name.out"
}

@test "run: the tutorial with autograph" { golden run-tutorial-autograph 0; }
@test "run: softmax" { golden run-softmax 0; }
@test "run: layer norm" { golden run-layer-norm 0; }
@test "run: MLP layer" { golden run-mlp 0; }
@test "run: cumsum with scan" { golden run-cumsum 0; }
@test "run: Newton sqrt with while_loop" { golden run-newton-sqrt 0; }
@test "run: piecewise switch, index clamped" { golden run-piecewise 0; }
@test "run: integer division and shift edges" { golden run-int-edges 0; }
@test "run: --call runs one call" { golden run-call-one 0; }
@test "run: --args" { golden run-args 0; }
# A weakly typed result prints as repr(jax.Array) does: "Array(4,
# dtype=int32, weak_type=True)" (jax/_src/array.py ArrayImpl.__repr__ at
# jax-v0.10.2); strongly typed ones without it.
@test "run: weak_type=True on weakly typed results" { golden run-weak-type 0; }
# 0.5 ** 3 and [1, 2, 0.5] ** 3: lax.pow with an int32 exponent.
@test "run: pow with a traced integer exponent" { golden run-pow-int-exponent 0; }
# Expected values computed independently (Python: x ** (n & 63) wrapped to int32, 0 ** n = 0 for n != 0),
# the semantics of jnp.power's _pow_int_int in JAX 0.10.2 (jax/_src/numpy/ufuncs.py).
@test "run: pow of integers with a traced exponent" { golden run-pow-int-int 0; }

@test "run compiled: the tutorial with autograph" { compiled run-tutorial-autograph; }
@test "run compiled: softmax" { compiled run-softmax; }
@test "run compiled: layer norm" { compiled run-layer-norm; }
@test "run compiled: MLP layer" { compiled run-mlp; }
@test "run compiled: cumsum with scan" { compiled run-cumsum; }
@test "run compiled: Newton sqrt with while_loop" { compiled run-newton-sqrt; }
@test "run compiled: piecewise switch, index clamped" { compiled run-piecewise; }
@test "run compiled: integer division and shift edges" { compiled run-int-edges; }
@test "run compiled: --call runs one call" { compiled run-call-one; }
@test "run compiled: --args" { compiled run-args; }
@test "run compiled: indexing" { compiled run-indexing; }
@test "run compiled: jit and fori_loop" { compiled run-jit-fori; }

@test "run: --out writes one .npy per output" {
  dir=$(mktemp -d)
  run tjit run --reference --out "$dir" "$CASES_DIR/run-cumsum.json"
  assert_success
  [[ -s $dir/call0_out0.npy && -s $dir/call0_out1.npy && -s $dir/call1_out1.npy ]]
  rm -rf "$dir"
}

@test "run: --out without a value" {
  run tjit run --reference "$CASES_DIR/run-cumsum.json" --out
  assert_failure 2
  assert_output --partial "option '--out' requires a value"
}

@test "run: --help lists --reference and --out" {
  run tjit run --help
  assert_success
  assert_output --partial "--reference"
  assert_output --partial "--out DIR"
}

@test "run: a trace error is reported as for trace" {
  run tjit run --reference "$TJIT_ROOT/examples/conditional_double.json"
  assert_failure 1
  assert_output --partial "TracerBoolConversionError"
}

@test "run: indexing, scatter and dynamic_slice out of bounds" { golden run-indexing 0; }
@test "run: jit function and fori_loop, zero iterations" { golden run-jit-fori 0; }
@test "run compiled: weak_type=True on weakly typed results" { compiled run-weak-type; }
@test "run compiled: pow with a traced integer exponent" { compiled run-pow-int-exponent; }
@test "run compiled: pow of integers with a traced exponent" { compiled run-pow-int-int; }

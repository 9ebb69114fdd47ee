#!/usr/bin/env bats
# tjit run: results of real specs, checked against values worked out by
# hand (see each case's description), first with the reference evaluator
# (--reference, the cases' .args), then compiled, which must print the
# same; and the command's options.
load helper
bats_require_minimum_version 1.5.0

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
@test "run compiled: a scalar broadcast outside any fused loop" { compiled run-broadcast-scalar-alone; }
@test "run compiled: a coordinate grid from a row and zeros" { compiled run-broadcast-grid; }

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
@test "run: a scalar broadcast outside any fused loop" { golden run-broadcast-scalar-alone 0; }
@test "run: a coordinate grid from a row and zeros" { golden run-broadcast-grid 0; }

# The next tests run tjit under `ulimit -v 1000000` (about 1 GB of address
# space), so that allocating 1.6 GB fails. ASan reserves terabytes of
# shadow address space at start-up, so under it there is nothing to test.
unlimited_skip_under_asan() {
  if ldd "$TJIT_BUILD/tjit" 2>/dev/null | grep -q libasan; then
    skip "ASan reserves terabytes of address space: ulimit -v stops it before main"
  fi
}

@test "run: an output that cannot be allocated is an error, not a crash" {
  unlimited_skip_under_asan
  run -1 --separate-stderr bash -c 'ulimit -v 1000000 && exec tjit run --no-cache "$1"' _ \
    "$CASES_DIR/run-output-unallocatable.json"
  assert_equal "$output" ""
  assert_equal "$stderr" "tjit: error: output 0 is too large to allocate"
}

@test "run --reference: an array that cannot be allocated is an error" {
  unlimited_skip_under_asan
  run -1 --separate-stderr bash -c 'ulimit -v 1000000 && exec tjit run --reference "$1"' _ \
    "$CASES_DIR/run-output-unallocatable.json"
  assert_equal "$output" ""
  assert_equal "$stderr" "tjit: error: cannot allocate an array of f32[20000,20000] (limit is 2147483648 elements, or out of memory)"
}

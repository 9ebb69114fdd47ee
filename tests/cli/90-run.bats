#!/usr/bin/env bats
# tjit run --reference: results of real specs, checked against values worked
# out by hand (see each case's description), and the command's options.
load helper

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
@test "run: without --reference" { golden run-error-no-reference 2; }

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

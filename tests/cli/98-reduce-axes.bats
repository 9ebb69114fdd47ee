#!/usr/bin/env bats
# Reductions over any block of axes (issue 17 item 4): reduce_sum/prod/
# max/min over leading, middle and trailing axes run in one call of
# lib/backend/reduce_rt.c, which combines each output's elements in the
# evaluator's order, so the compiled results are the evaluator's bytes
# (stricter than --check); over axes apart from each other, integers and
# max/min reduce run by run (no grouping changes their bits), float sums
# and products in the runtime's walk of the input in memory order, also
# in the evaluator's order. tests/data/reduce-runs-exact.json covers sums,
# products, max and min of f32 (NaN, signed zeros), f64 and eight integer
# dtypes, keepdims, sizes 0 and 1, odd sizes, inner blocks wider than the
# runtime's 4 KiB chunks and rows of 64 or more (the kernels' lanes, which
# the evaluator folds the same way, products included).
load helper

# Over 2^20 elements the call runs on the threads (cg_par.c), each a
# range of the outer rows.
@test "a middle-axis sum is one call of the reduce runtime, no loop" {
  run tjit emit-c "$TJIT_ROOT/scripts/bench/peers/sum_middle.json"
  assert_success
  assert_output --partial "tj_rt_reduce_runs((const void *)(v0 + lo * 32768), (void *)(v1 + lo * 64), 7, 0, hi - lo, 512, 64);"
  assert_output --partial "tj_rt_par(rt, tj_p0, c, 256, 1);"
  refute_output --partial "for ("
}

@test "sum/prod/max/min over leading, middle, trailing and mixed axes, keepdims, sizes 0 and 1, NaN, -0.0: the evaluator's bytes" {
  spec=$TJIT_ROOT/tests/data/reduce-runs-exact.json
  run tjit emit-c "$spec"
  # the prototype, then one call per reduction over a block of axes and one
  # per reduced run of the integer and max/min mixtures (axes 0 and 2, into
  # scratch arrays); the float sums and products of mixtures walk (nine)
  assert_equal "$(grep -c 'tj_rt_reduce_runs(' <<< "$output")" 75
  assert_equal "$(grep -c 'tj_rt_reduce_walk(' <<< "$output")" 10
  same_bytes_as_evaluator "$spec"
  run tjit run --no-cache --check "$spec"
  assert_success
}

@test "max over axes 0 and 2: two calls through a scratch array; a float sum over axes apart: the walk" {
  run tjit emit-c "$TJIT_ROOT/tests/data/reduce-runs-exact.json"
  grep -qE 'tj_rt_reduce_runs\(\(const void \*\)rs[0-9]+_0, ' <<< "$output"
  grep -qE 'tj_rt_free\(rt, rs[0-9]+_0\);' <<< "$output"
  # three runs of reduced axes: two scratch arrays
  grep -qE 'tj_rt_reduce_runs\(\(const void \*\)rs[0-9]+_1, ' <<< "$output"
  assert_output --partial "[] = {3, 6, 50, 50}, wr"
}

@test "the compiled and evaluated outputs print the same text" {
  spec=$TJIT_ROOT/tests/data/reduce-runs-exact.json
  run tjit run --no-cache "$spec"
  assert_success
  compiled=$output
  run tjit run --reference "$spec"
  assert_success
  assert_equal "$output" "$compiled"
}

@test "reductions over leading, middle and several axes agree with numpy" {
  dir=$BATS_TEST_TMPDIR/np
  mkdir -p "$dir"
  run tjit run --no-cache --out "$dir" "$TJIT_ROOT/tests/data/reduce-axes-numpy.json"
  assert_success
  run /usr/bin/python3 "$TJIT_ROOT/tests/data/reduce_axes_numpy_check.py" "$dir"
  assert_success
  assert_output "numpy agrees"
}

@test "the bench's middle-axis sum passes run --check at its full size, byte for byte" {
  same_bytes_as_evaluator "$TJIT_ROOT/scripts/bench/peers/sum_middle.json"
  run tjit run --no-cache --check "$TJIT_ROOT/scripts/bench/peers/sum_middle.json"
  assert_success
}

# keepdims is the reduction then broadcast_in_dim (jnp's _reduction:
# lax.expand_dims); the [64,1,256] result next to [64,32,256] is a row
# operand of the block loop (cg_block.c), its row at c0 * 256.
@test "x - mean(x, axis=1, keepdims): the runtime's sum, a row kernel for the middle-axis broadcast, the evaluator's bytes" {
  spec=$TJIT_ROOT/tests/data/reduce-keepdims-broadcast.json
  run tjit emit-c "$spec"
  assert_output --partial "tj_rt_reduce_runs((const void *)v0, (void *)v2, 7, 0, 64, 32, 256);"
  assert_output --partial "tjk_sub_f32_vv(v5 + base + o, v0 + base + o, v4 + c0 * 256 + o, n);"
  same_bytes_as_evaluator "$spec"
}

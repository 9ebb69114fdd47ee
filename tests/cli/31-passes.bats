#!/usr/bin/env bats
# The pass pipeline (lib/ir/pass.h) that emit-c, run and graph --fused run
# before the C backend, seen through the developer option --dump-after.
# That the passes leave the generated C as it was: the emit-c golden
# cases (tests/cases/emit-c-*.out), emit-c-dead-code's made by the build
# before dead code left the backend.
load helper
bats_require_minimum_version 1.5.0

dead_code() { printf '%s/tests/cases/emit-c-dead-code.json' "$TJIT_ROOT"; }

setup() { cd "$BATS_TEST_TMPDIR"; }

# The listing of emit-c-dead-code.json after dce, derived by hand from its
# trace (tjit trace; the naming follows the printer's rules seen there: a
# fresh name per variable by first touch, a jit's jaxpr reusing the names
# of its caller's operands and result). Dead: sin, exp and add at the top
# (exp and sin only feed the unused add), cos in g's jaxpr, neg in the
# cond's second branch. Everything else stays, with every jaxpr's inputs:
# the branches keep their unused first input, the cond its operands.
after_dce() {
  cat <<'TEXT'
{ lambda ; a:f32[3] b:f32[]. let
    c:f32[] = jit[
      name=g
      jaxpr={ lambda ; b:f32[] d:f32[]. let c:f32[] = mul b d in (c,) }
    ] b b
    e:bool[] = lt b 0.0:f32[]
    f:i32[] = convert_element_type[new_dtype=int32 weak_type=False] e
    g:f32[] = cond[
      branches=(
        { lambda ; h:f32[] i:f32[]. let  in (i,) }
        { lambda ; j:f32[] k:f32[]. let l:f32[] = mul k 2.0:f32[] in (l,) }
      )
    ] f b c
    m:f32[3] = mul a g
  in (m,) }
TEXT
}

@test "passes: emit-c --dump-after=dce prints the jaxpr without its dead code to stderr" {
  run -0 --separate-stderr tjit emit-c --dump-after=dce "$(dead_code)"
  assert_equal "$stderr" "$(after_dce)"
  # standard output is the C, as without the option
  assert_equal "$output" "$(cat "$TJIT_ROOT/tests/cases/emit-c-dead-code.out")"
}

@test "passes: the listing after the first pass is tjit trace's, which runs none" {
  run -0 tjit trace "$(dead_code)"
  local traced=$output
  run -0 --separate-stderr tjit emit-c --dump-after=work "$(dead_code)"
  assert_equal "$stderr" "$traced"
  # fuse plans loops and leaves the equations as dce left them
  run -0 --separate-stderr tjit emit-c --dump-after=fuse "$(dead_code)"
  assert_equal "$stderr" "$(after_dce)"
}

@test "passes: an unknown pass name is a usage error listing the passes" {
  run -2 --separate-stderr tjit emit-c --dump-after=dead "$(dead_code)"
  assert_equal "$output" ""
  assert_equal "$stderr" "tjit emit-c: error: invalid --dump-after 'dead' (expected 'work', 'half', 'dce' or 'fuse')
usage: tjit emit-c [OPTIONS] SPEC"
  run -2 --separate-stderr tjit run --dump-after= "$(dead_code)"
  assert_equal "$stderr" "tjit run: error: invalid --dump-after '' (expected 'work', 'half', 'dce' or 'fuse')
usage: tjit run [OPTIONS] SPEC..."
}

@test "passes: tjit trace has no --dump-after: its listing is make_jaxpr's" {
  run -2 --separate-stderr tjit trace --dump-after=dce "$(dead_code)"
  assert_equal "${stderr%%$'\n'*}" "tjit trace: error: unknown option '--dump-after'"
}

@test "passes: run --dump-after prints the listing before the results, every run (no cache hit)" {
  # the spec's avals (a bare -1.0 would be weak), with data: x * (y*y*2)
  local args='{"x":{"dtype":"f32","shape":[3],"data":[1,2,3]},"y":{"dtype":"f32","shape":[],"data":-1}}'
  for i in 1 2; do # the second would be a disk cache hit, which traces nothing
    run -0 --separate-stderr tjit run --dump-after=dce --args "$args" "$(dead_code)"
    assert_equal "$stderr" "$(after_dce)"
    assert_equal "$output" "args: Array([2., 4., 6.], dtype=float32)"
  done
  run -0 --separate-stderr tjit run --reference --dump-after=dce --args "$args" "$(dead_code)"
  assert_equal "$stderr" "" # the evaluator runs no pass
}

@test "passes: graph --dump-after needs --fused, which runs the passes" {
  run -2 --separate-stderr tjit graph --dump-after=dce "$(dead_code)"
  assert_equal "$stderr" "tjit graph: error: --dump-after needs --fused (the passes run only then)
usage: tjit graph [OPTIONS] SPEC"
  run -0 --separate-stderr tjit graph --fused --dump-after=dce "$(dead_code)"
  assert_equal "$stderr" "$(after_dce)"
}

# The equations a drawing shows without params (convert_element_type and
# jit show theirs), by primitive name, sorted.
drawn_prims() { grep -o 'label=<<B>[a-z_]*</B>>' | sed 's/label=<<B>//; s/<.*//' | sort | tr '\n' ' '; }

@test "passes: graph --fused draws what the C computes: no dead equation" {
  tjit graph "$(dead_code)" >plain.dot
  tjit graph --fused "$(dead_code)" >fused.dot
  assert_equal "$(drawn_prims <plain.dot)" "add cond cos exp lt mul mul mul neg sin "
  assert_equal "$(drawn_prims <fused.dot)" "cond lt mul mul mul "
}

#!/usr/bin/env bats
# tjit emit-c --format json (tj_emit_c_json; tjit-emit-c(1), JSON OUTPUT):
# the C, byte for byte the text form's, and the fuse pass's plan, checked
# against what tjit graph --fused draws from the same plan.
load helper
bats_require_minimum_version 1.5.0

ex() { printf '%s/examples/%s.json' "$TJIT_ROOT" "$1"; }

setup() { cd "$BATS_TEST_TMPDIR"; }

@test "emit-c json: version first, then c, jaxprs and fusion; c is the text form's C byte for byte" {
  local spec opts
  for spec in layer_norm relu_scale softmax mlp_layer newton_sqrt conditional_double; do
    opts=()
    [[ $spec == conditional_double ]] && opts=(--autograph)
    tjit emit-c "${opts[@]}" "$(ex $spec)" >text.c
    tjit emit-c "${opts[@]}" --format json "$(ex $spec)" >doc.json
    run -0 jq -c 'keys_unsorted' doc.json
    assert_output '["version","c","jaxprs","fusion"]'
    run -0 jq -e '.version == 1' doc.json
    jq -j .c doc.json >json.c
    cmp text.c json.c || fail "$spec: the JSON's C differs from emit-c's"
  done
}

# Prints "ok" when every equation of every jaxpr is in exactly one group,
# each group's fields agree with each other, and the groups are numbered
# in order; else what is wrong.
coverage='
  [.jaxprs[] | .jaxpr as $j | .equations as $n
   | [range($n)] == ([$doc.fusion[] | select(.jaxpr == $j) | .equations[]] | sort)] as $covered
  | [.fusion | to_entries[] | .key == .value.group] as $numbered
  | [.fusion[] | (.equations | length) == (.primitives | length)
                 and ((.reductions - .equations) == [])
                 and (.kind == "loop" or (.kind == "single" and (.equations | length) == 1 and .reductions == []))
                 and .equations == (.equations | sort)] as $consistent
  | if ($covered + $numbered + $consistent | all) then "ok"
    else {covered: $covered, numbered: $numbered, consistent: $consistent} end'

@test "emit-c json: every equation of every jaxpr is in exactly one group" {
  local spec
  for spec in layer_norm softmax mlp_train_step newton_sqrt gru_reverse conv_pool; do
    tjit emit-c --format json "$(ex $spec)" >doc.json
    run -0 jq -r --slurpfile d doc.json "\$d[0] as \$doc | \$doc | $coverage" doc.json
    assert_output ok
  done
  tjit emit-c --format json "$TJIT_ROOT/tests/cases/graph-jit-twice.json" >doc.json
  run -0 jq -r --slurpfile d doc.json "\$d[0] as \$doc | \$doc | $coverage" doc.json
  assert_output ok
  # jit-twice: the top level (7), twice's body (1, one jaxpr for the two
  # calls and the branch's), the cond's branches b (none) and a (2)
  run -0 jq -c '[.jaxprs[].equations]' doc.json
  assert_output '[7,1,0,2]'
  # the check can fail: an equation left out
  jq -c '.fusion[0].equations = []' doc.json >broken.json
  run -0 jq -r --slurpfile d broken.json "\$d[0] as \$doc | \$doc | $coverage" broken.json
  refute_output ok
}

# The primitives of graph --fused's DOT: one line per fused-loop cluster
# (its equations' primitives in order), then "all" and every equation's
# primitive, sorted. An equation's node is the one filled #eef2fb.
graph_groups() {
  awk '/subgraph cluster/ { incl = 1; line = "" }
       incl && /^\t}/ { if (line != "") print "loop" line; incl = 0 }
       /fillcolor="#eef2fb"/ { eqn = 1; next }
       eqn && match($0, /<B>[^<]*<\/B>/) {
         p = substr($0, RSTART + 3, RLENGTH - 7); all[++n] = p
         if (incl) line = line " " p
         eqn = 0 }' "$1"
  awk '/fillcolor="#eef2fb"/ { eqn = 1; next }
       eqn && match($0, /<B>[^<]*<\/B>/) { print substr($0, RSTART + 3, RLENGTH - 7); eqn = 0 }' "$1" |
    LC_ALL=C sort | tr '\n' ' ' | sed 's/^/all /; s/ $//'
  echo
}

# The same from emit-c's plan: loops of two equations or more (graph draws
# a box only around those), then every equation's primitive.
plan_groups() {
  jq -r '.fusion[] | select(.kind == "loop" and (.equations | length) >= 2) | "loop " + (.primitives | join(" "))' "$1"
  jq -r '[.fusion[].primitives[]] | .[]' "$1" | LC_ALL=C sort | tr '\n' ' ' | sed 's/^/all /; s/ $//'
  echo
}

@test "emit-c json: the plan's loops are graph --fused's boxes, its equations graph's equations" {
  local spec
  for spec in layer_norm softmax mlp_layer relu_scale adam_step; do
    tjit graph --fused "$(ex $spec)" >g.dot
    tjit emit-c --format json "$(ex $spec)" >doc.json
    run -0 graph_groups g.dot
    local drawn=$output
    run -0 plan_groups doc.json
    assert_equal "$output" "$drawn"
    [[ $output == *loop* ]] || [[ $spec == relu_scale ]] || fail "$spec: no loop of two equations"
  done
  # layer_norm, by hand: its four boxes, and the sum of squares a sink of its loop
  tjit emit-c --format json "$(ex layer_norm)" >doc.json
  run -0 jq -c '[.fusion[] | select(.kind == "loop") | .primitives]' doc.json
  assert_output '[["broadcast_in_dim","div"],["sub","mul","reduce_sum"],["broadcast_in_dim","div","add","rsqrt"],["mul","mul","add"]]'
  run -0 jq -c '[.fusion[] | select(.reductions != []) | [.equations, .reductions]]' doc.json
  assert_output '[[[3,4,5],[5]]]'
}

@test "emit-c json: the equations are those --dump-after fuse lists" {
  tjit emit-c --format json --dump-after fuse "$(ex layer_norm)" >doc.json 2>listing.txt
  # the top level's equations, one a line at four spaces, in order
  run -0 bash -c "grep -E '^    [a-z]+:[a-z0-9]+\\[' listing.txt | sed -E 's/.* = ([a-z_]+).*/\\1/'"
  local listed=$output
  run -0 jq -r '[.fusion[] | select(.jaxpr == 0) | . as $g | range(.equations | length) | [$g.equations[.], $g.primitives[.]]]
                | sort_by(.[0]) | .[][1]' doc.json
  assert_equal "$output" "$listed"
  run -0 jq '.jaxprs[0].equations' doc.json
  assert_equal "$output" "$(wc -l <<<"$listed")"
}

@test "emit-c json: a failure is the {\"error\": ...} document, and -o takes the JSON too" {
  run -1 --separate-stderr tjit emit-c --format json "$(ex conditional_double_static)"
  run -0 jq -e '.error.kind == "TracerBoolConversionError"' <<<"$output"
  run -0 tjit emit-c --format json -o plan.json "$(ex relu_scale)"
  assert_output ''
  run -0 jq -e '.version == 1 and (.fusion | length) > 0' plan.json
}

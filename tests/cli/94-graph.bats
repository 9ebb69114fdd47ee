#!/usr/bin/env bats
# tjit graph: the jaxpr drawn with Graphviz in process. The DOT text of
# each case is golden (tests/cases/graph-*.args/.out, run by
# tests/run-golden and refreshed by `make update-golden`; each drawing was
# checked by eye as PNG); the renderings are checked for what they must
# hold.
load helper
bats_require_minimum_version 1.5.0

ex() { printf '%s/examples/%s.json' "$TJIT_ROOT" "$1"; }

setup() { cd "$BATS_TEST_TMPDIR"; }

# --- DOT -------------------------------------------------------------------

@test "graph: the DOT text is the same bytes on every run" {
  tjit graph --fused "$(ex layer_norm)" >one.dot
  tjit graph --fused "$(ex layer_norm)" >two.dot
  cmp one.dot two.dot
  tjit graph "$TJIT_ROOT/tests/cases/graph-jit-twice.json" >one.dot
  tjit graph "$TJIT_ROOT/tests/cases/graph-jit-twice.json" >two.dot
  cmp one.dot two.dot
}

@test "graph: --dot, --format dot and no format agree" {
  tjit graph "$(ex newton_sqrt)" >plain.dot
  tjit graph --dot "$(ex newton_sqrt)" >flag.dot
  tjit graph --format dot "$(ex newton_sqrt)" >format.dot
  cmp plain.dot flag.dot
  cmp plain.dot format.dot
}

# --- renderings ----------------------------------------------------------------

# The number of equations in the jaxpr (top level and sub-jaxprs: params
# holding a jaxpr, or a list of them).
count_eqns() {
  tjit trace --format json "$@" | jq '
    def count: (.eqns | length)
      + ([.eqns[].params[] | if type == "array" then .[] else . end
          | objects | select(has("eqns")) | count] | add // 0);
    .jaxpr | count'
}

@test "graph: --svg is valid XML with a node per equation" {
  run -0 tjit graph --svg -o ln.svg "$(ex layer_norm)"
  assert_output ''
  xmllint --noout ln.svg
  # equation nodes are filled #eef2fb (control flow: #e3dcf5)
  assert_equal "$(grep -c 'fill="#eef2fb"' ln.svg)" "$(count_eqns "$(ex layer_norm)")"
  assert_equal "$(grep -c 'class="node"' ln.svg)" "$(grep -c '^	*n[0-9]*	\[' <(tjit graph "$(ex layer_norm)"))"
  tjit graph --svg "$(ex newton_sqrt)" >nw.svg
  xmllint --noout nw.svg
  assert_equal "$(grep -c 'fill="#eef2fb"' nw.svg)" "$(( $(count_eqns "$(ex newton_sqrt)") - 1 ))"
  assert_equal "$(grep -c 'fill="#e3dcf5"' nw.svg)" 1
}

@test "graph: --svg of hostile static values is valid XML and shows their repr" {
  tjit graph --svg "$TJIT_ROOT/tests/cases/graph-hostile-static.json" >h.svg
  xmllint --noout h.svg
  grep -F '>s = &#39;a&quot;b\\c&lt;d&gt;&amp;e\n\&#39;f\\&#39;</text>' h.svg
  printf '{"tjit":1,"source":"float f(float x, static s) { return x; }","static_argnames":["s"],"args":{"x":1.0,"s":"\xff<\xc3"}}' >raw.json
  tjit graph --svg raw.json >raw.svg
  xmllint --noout raw.svg
  grep -F '>s = &#39;\xff&lt;\xc3&#39;</text>' raw.svg
}

@test "graph: --svg of a static string with U+FFFE, U+FFFF and U+0001 is valid XML" {
  run --separate-stderr tjit graph --svg -o x.svg "$TJIT_ROOT/tests/cases/graph-static-xml-forbidden.json"
  assert_success
  assert_output ''
  assert_equal "$stderr" ''
  xmllint --noout x.svg
  grep -F '>s = &#39;a\ufffe\uffff\x01'$'\xef\xb7\x90\xc3\xa9''b&#39;</text>' x.svg
}

@test "graph: --png starts with the PNG signature and has a plausible size" {
  run -0 tjit graph --png -o relu.png "$(ex relu_scale)"
  assert_equal "$(head -c 8 relu.png | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a
  size=$(stat -c %s relu.png)
  (( size > 5000 && size < 2000000 ))
  tjit graph --png "$(ex relu_scale)" >piped.png
  cmp relu.png piped.png
}

@test "graph: --pdf writes a PDF" {
  run -0 tjit graph --pdf -o relu.pdf "$(ex relu_scale)"
  assert_equal "$(head -c 5 relu.pdf)" '%PDF-'
}

@test "graph: --time prints the times to stderr" {
  run -0 --separate-stderr tjit graph --svg --time -o t.svg "$(ex relu_scale)"
  assert_output ''
  [[ $stderr =~ ^time:\ trace\ [0-9.]+\ ms,\ build\ [0-9.]+\ ms,\ layout\ [0-9.]+\ ms,\ render\ [0-9.]+\ ms$ ]]
}

# --- errors --------------------------------------------------------------------

@test "graph: an unknown --format" {
  run -2 --separate-stderr tjit graph --format jpg "$(ex relu_scale)"
  assert_output ''
  assert_equal "$stderr" "tjit graph: error: invalid --format 'jpg' (expected 'dot', 'svg', 'png' or 'pdf')
usage: tjit graph [OPTIONS] SPEC"
}

@test "graph: a bad --rankdir" {
  run -2 --separate-stderr tjit graph --rankdir BT "$(ex relu_scale)"
  assert_output ''
  assert_equal "$stderr" "tjit graph: error: invalid --rankdir 'BT' (expected 'TB' or 'LR')
usage: tjit graph [OPTIONS] SPEC"
}

@test "graph: an unwritable -o" {
  run -2 --separate-stderr tjit graph --svg -o no/such/dir/g.svg "$(ex relu_scale)"
  assert_output ''
  assert_equal "$stderr" "tjit graph: error: cannot write 'no/such/dir/g.svg': No such file or directory"
  [[ ! -e no ]]
}

@test "graph: a jaxpr past the node limit is refused before layout" {
  cat >big.json <<'JSON'
{"tjit": 1, "source": "auto f(float x) { auto y = x; for (int i = 0; i < 60000; i++) y = y * 2; return y; }",
 "args": {"x": 1.0}}
JSON
  run -2 --separate-stderr tjit graph --svg big.json
  assert_output ''
  assert_equal "$stderr" "tjit: error: the graph is too large to draw (limit is 100000 nodes)"
}

# On a terminal the error is in colour (tjit(1), COLOURS): TERM set and
# NO_COLOR unset, whatever the caller's.
@test "graph: binary formats refuse a terminal" {
  run -2 script -qec "env -u NO_COLOR -u GCC_COLORS TERM=xterm tjit graph --png $(ex relu_scale)" /dev/null
  assert_output "$(printf '\e[01m\e[Ktjit graph:\e[m\e[K \e[01;31m\e[Kerror: \e[m\e[Krefusing to write PNG data to a terminal (give -o FILE or redirect)\r\nusage: tjit graph [OPTIONS] SPEC\r')"
}

@test "graph: help lists the options" {
  run -0 tjit help graph
  assert_output --partial "--rankdir DIR"
  assert_output --partial "--fused"
  assert_output --partial "-o, --output FILE"
}

# --- docs ----------------------------------------------------------------------

@test "graph: docs/layer_norm.svg and docs/grad_sin_cos.svg are up to date (make docs)" {
  local name
  for name in layer_norm grad_sin_cos; do
    "$TJIT_ROOT/scripts/docs-graph.sh" "$(command -v tjit)" "$TJIT_ROOT" "$BATS_TEST_TMPDIR/$name.svg"
    cmp "$TJIT_ROOT/docs/$name.svg" "$BATS_TEST_TMPDIR/$name.svg"
  done
}

@test "graph: a value read by every step of a long chain goes through proxy nodes" {
  # 150 steps of y = y * x + x: x is read 300 times, from up to 300 levels
  # above; drawn with a long edge per use, Graphviz took minutes.
  spec='{"source": ["auto fan(float x[4]) { auto y = x; for (int i = 0; i < 150; i++) { y = y * x + x; } return y; }"],
         "args": {"x": {"dtype": "f32", "shape": [4]}}}'
  run tjit graph - <<<"$spec"
  assert_success
  proxies=$(grep -c 'label=<<I>from x</I>>' <<<"$output")
  [[ $proxies -ge 290 ]] || fail "expected proxies for the far uses of x, got $proxies"
  run timeout 60 tjit graph --svg -o "$BATS_TEST_TMPDIR/fan.svg" - <<<"$spec"
  assert_success
  run xmllint --noout "$BATS_TEST_TMPDIR/fan.svg"
  assert_success
}

@test "graph: a small jaxpr has no proxy nodes" {
  run tjit graph "$TJIT_ROOT/examples/newton_sqrt.json"
  assert_success
  refute_output --partial 'from '
}

@test "graph: a graph too large to lay out is refused, DOT still written" {
  spec='{"source": ["auto chain(float x[4]) { auto y = x; for (int i = 0; i < 1600; i++) { y = sin(y) * cos(y) + y; } return y; }"],
         "args": {"x": {"dtype": "f32", "shape": [4]}}}'
  run timeout 20 tjit graph --svg -o "$BATS_TEST_TMPDIR/big.svg" - <<<"$spec"
  assert_failure 2
  assert_output 'tjit: error: the graph is too large to lay out (6402 nodes; limit is 6000): write DOT (--dot) and lay it out with another tool'
  [[ ! -e $BATS_TEST_TMPDIR/big.svg ]] || fail "no file expected"
  run timeout 20 tjit graph - <<<"$spec"
  assert_success
}

# The layout cost model (lib/graph/graph.h): nodes * (nodes + edges), at most
# 2,500,000. A chain of N steps y = sin(y) * cos(y) + y over an f32[16]
# has 4N+2 nodes and 6N+1 edges: 250 steps cost 1002 * 2503 = 2,508,006
# and are refused before any layout; 249 steps cost 998 * 2493 =
# 2,488,014 and are laid out (not rendered here: about 1.5 s on an idle
# machine).
chain_spec() {
  printf '{"source": ["auto chain(float x[16]) { auto y = x; for (int i = 0; i < %d; i++) { y = sin(y) * cos(y) + y; } return y; }"], "args": {"x": {"dtype": "f32", "shape": [16]}}}' "$1"
}

@test "graph: a graph over the layout cost limit is refused before layout" {
  run timeout 10 tjit graph --svg -o "$BATS_TEST_TMPDIR/big.svg" - <<<"$(chain_spec 250)"
  assert_failure 2
  assert_output 'tjit: error: the graph would take too long to lay out (1002 nodes, 1501 edges: layout cost 2508006; limit is 2500000): write DOT (--dot) and lay it out with another tool'
  [[ ! -e $BATS_TEST_TMPDIR/big.svg ]] || fail "no file expected"
}

@test "graph: a graph just under the layout cost limit has the nodes and edges the model counts" {
  run tjit graph --dot - <<<"$(chain_spec 249)"
  assert_success
  assert_equal "$(grep -cE '^\s*n[0-9]+\s*\[' <<<"$output") $(grep -c -- '->' <<<"$output")" "998 1495"
}

# A chain of 1,117 sin (1,119 nodes, 1,118 edges) costs 1119 * 2237 =
# 2,503,203: far under the 6,000-node limit, but refused; 1,116 (cost
# 2,498,730) render, in 0.2 s.
@test "graph: a long chain without branches is refused by the layout cost" {
  spec='{"source": ["auto f(float x[4]) { auto y = x; for (int i = 0; i < N; i++) y = sin(y); return y; }"],
         "args": {"x": {"dtype": "f32", "shape": [4]}}}'
  run timeout 10 tjit graph --svg - <<<"${spec/N/1117}"
  assert_failure 2
  assert_output 'tjit: error: the graph would take too long to lay out (1119 nodes, 1118 edges: layout cost 2503203; limit is 2500000): write DOT (--dot) and lay it out with another tool'
  run timeout 10 tjit graph --svg - <<<"${spec/N/1116}"
  assert_success
  assert_line --index 0 --partial '<?xml'
}

# 30 levels of jit functions, each calling the level below twice: a shared
# sub-jaxpr is drawn once per use (2^30 copies), and the drawing built
# 100,000 nodes before it stopped (20 levels: 8 s). The size, counted once
# per distinct jaxpr, refuses it before any node is made.
@test "graph: a jaxpr shared at every level of 30 nested jits is refused at once" {
  local src='"jit auto level0(auto x) { return x + 1; }"' k
  for ((k = 1; k <= 30; k++)); do
    src+=", \"jit auto level$k(auto x) { return level$((k - 1))(x) + level$((k - 1))(x); }\""
  done
  src+=', "auto f(float x) { return level30(x); }"'
  run -2 --separate-stderr timeout 2 tjit graph --dot - <<<"{\"tjit\": 1, \"function\": \"f\", \"source\": [$src], \"args\": {\"x\": 1.0}}"
  assert_output ''
  assert_equal "$stderr" "tjit: error: the graph is too large to draw (limit is 100000 nodes)"
}

# A jit that calls itself twice per level, 14 levels of clusters deep,
# drawn once per use: 65,000 nodes (within the node limit) took 3.3 s to
# write as DOT, over 10 s under ASan (fuzz_spec's campaign; the input is
# tests/fuzz/regress/fuzz_spec/dot-nested-jit-2e14.json). Every node is a
# member of each cluster around it, and those memberships are the cost.
@test "graph: deeply nested clusters are refused at once by their memberships" {
  run -2 --separate-stderr timeout 2 tjit graph --dot "$BATS_TEST_DIRNAME/../fuzz/regress/fuzz_spec/dot-nested-jit-2e14.json"
  assert_output ''
  assert_equal "$stderr" "tjit: error: the graph is too large to draw (limit is 300000 nodes, counting a node once more for each cluster around it)"
}

# Ten nested jits around a chain of M steps y = y * x: with the root and
# an input node per cluster, 11 M + 120 memberships (proxy nodes are not
# counted): M = 27,261 makes 299,991, one more step 300,002.
nested_chain() {
  local src="\"jit auto level0(auto x) { auto y = x; for (int i = 0; i < $1; i++) y = y * x; return y; }\"" k
  for ((k = 1; k <= 9; k++)); do src+=", \"jit auto level$k(auto x) { return level$((k - 1))(x); }\""; done
  echo "{\"tjit\": 1, \"function\": \"f\", \"source\": [$src, \"auto f(float x) { return level9(x); }\"], \"args\": {\"x\": 1.0}}"
}

@test "graph: the membership limit is exact" {
  nested_chain 27261 >at.json
  nested_chain 27262 >past.json
  run -0 --separate-stderr tjit graph --dot at.json
  assert_equal "$stderr" ''
  assert_equal "$(grep -c '^[[:space:]]*subgraph cluster' <<<"$output")" 10
  run -2 --separate-stderr tjit graph --dot past.json
  assert_output ''
  assert_equal "$stderr" "tjit: error: the graph is too large to draw (limit is 300000 nodes, counting a node once more for each cluster around it)"
}

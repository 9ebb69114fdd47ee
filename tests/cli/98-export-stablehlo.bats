#!/usr/bin/env bats
# tjit export --dialect stablehlo (lib/export/mlir_stablehlo.c, issue 19):
# the generic form of every example and golden run case parsed and
# verified by mlir-opt --allow-unregistered-dialect (MLIR 19 has no
# stablehlo dialect: the ops are checked structurally, their types and
# regions), or refused with "not exportable: PRIM" for a PRIM listed with
# its reason in tests/export-stablehlo-not-exportable.txt; a listed PRIM
# that no longer fails anywhere fails the test (the list stays honest).
# The pretty form's text is checked by the goldens export-stablehlo-*.
load helper
bats_require_minimum_version 1.5.0

# TJIT_TEST_LLVM: another LLVM 19 prefix (a missing one shows the skips).
LLVM=${TJIT_TEST_LLVM:-/usr/lib/llvm-19}
LIST="$TJIT_ROOT/tests/export-stablehlo-not-exportable.txt"

setup() { cd "$BATS_TEST_TMPDIR"; }

need_mlir_opt() {
  [[ -x $LLVM/bin/mlir-opt ]] || skip "MLIR 19 is not installed (mlir-19-tools: scripts/install-deps.sh)"
}

# check_export SPEC [OPTION...]: prints "ok" when mlir-opt accepts the
# generic export, "listed PRIM" when it is not exportable for a listed
# PRIM; fails on anything else.
check_export() {
  local rc=0 prim
  tjit export --dialect stablehlo --generic "$@" >module.mlir 2>err.txt || rc=$?
  if ((rc == 0)); then
    "$LLVM/bin/mlir-opt" --allow-unregistered-dialect module.mlir >/dev/null 2>mlir-err.txt ||
      { echo "mlir-opt rejects the export of $*: $(head -3 mlir-err.txt)"; return 1; }
    echo ok
    return 0
  fi
  prim=$(sed -n 's/.*error: not exportable: \([^ ]*\).*/\1/p' err.txt | head -1)
  [[ $rc == 2 && -n $prim ]] || { echo "$*: exit $rc: $(head -3 err.txt)"; return 1; }
  grep -q "^$prim " "$LIST" || { echo "$*: 'not exportable: $prim' is not in ${LIST#"$TJIT_ROOT"/}"; return 1; }
  echo "listed $prim"
}

# The export options of a golden run case's words: --call, --args and the
# autograph switches kept, @ the case's spec, the run-only options dropped.
run_case_options() {
  local args=$1 spec=$2 word keep=0
  local -a words out=()
  read -r -a words <"$args"
  for word in "${words[@]:1}"; do
    if ((keep)); then out+=("$word") keep=0
    elif [[ $word == --call || $word == --args ]]; then out+=("$word") keep=1
    elif [[ $word == --autograph || $word == --no-autograph ]]; then out+=("$word")
    elif [[ $word == @ ]]; then out+=("$spec")
    fi
  done
  printf '%s\n' "${out[@]}"
}

@test "export stablehlo: every example and golden run case is accepted by mlir-opt or not exportable for a listed reason" {
  need_mlir_opt
  local spec args result failed=0 exported=0
  local -a opts
  : >seen.txt
  for spec in "$TJIT_ROOT"/examples/*.json; do
    tjit trace "$spec" >/dev/null 2>&1 || continue   # the example's own error (conditional_double)
    result=$(check_export "$spec") || { echo "$result"; failed=1; continue; }
    echo "$result" >>seen.txt
  done
  for args in "$CASES_DIR"/*.args; do
    [[ $(head -c 4 "$args") == "run " && -f ${args%.args}.json ]] || continue
    mapfile -t opts < <(run_case_options "$args" "${args%.args}.json")
    tjit trace "${opts[@]}" >/dev/null 2>&1 || continue  # a case whose trace is its error
    result=$(check_export "${opts[@]}") || { echo "$result"; failed=1; continue; }
    echo "$result" >>seen.txt
  done
  exported=$(grep -c '^ok$' seen.txt || true)
  echo "exported: $exported"
  ((exported >= 50)) || { echo "only $exported exports accepted"; failed=1; }
  while read -r prim _; do
    [[ -z $prim || $prim == \#* ]] && continue
    grep -qx "listed $prim" seen.txt || { echo "$prim is listed but no longer fails anywhere"; failed=1; }
  done <"$LIST"
  ((failed == 0))
}

@test "export stablehlo: the generic form of a reduction, a comparison and a jit is the pretty form's ops" {
  need_mlir_opt
  cat >f.json <<'JSON'
{"tjit": 1, "source": [
  "jit auto g(float x[3]) { return exp(x); }",
  "auto f(float x[3], float y[3]) { return (g(x) * 2.0 + y, sum(x), x > y); }"],
 "function": "f",
 "args": {"x": {"dtype": "f32", "shape": [3], "data": [1, 2, 3]}, "y": {"dtype": "f32", "shape": [3], "data": [1, 2, 3]}}}
JSON
  run tjit export --dialect stablehlo --generic f.json
  assert_success
  assert_line '    %4 = "stablehlo.reduce"(%arg0, %cst_0) ({'
  assert_line '    ^bb0(%arg2: tensor<f32>, %arg3: tensor<f32>):'
  assert_line '      %6 = "stablehlo.add"(%arg2, %arg3) : (tensor<f32>, tensor<f32>) -> tensor<f32>'
  assert_line '      "stablehlo.return"(%6) : (tensor<f32>) -> ()'
  assert_line '    %0 = call @g(%arg0) : (tensor<3xf32>) -> tensor<3xf32>'
  echo "$output" >g.mlir
  run "$LLVM/bin/mlir-opt" --allow-unregistered-dialect g.mlir
  assert_success
  run tjit export --dialect stablehlo f.json
  assert_line '    %4 = stablehlo.reduce(%arg0 init: %cst_0) applies stablehlo.add across dimensions = [0] : (tensor<3xf32>, tensor<f32>) -> tensor<f32>'
}

@test "export stablehlo: an unknown dialect is a usage error naming the words" {
  run -2 tjit export --dialect mhlo "$TJIT_ROOT/examples/relu_scale.json"
  assert_output --partial "--dialect"
  assert_output --partial "stablehlo"
}

@test "export stablehlo: a primitive without a rule is 'not exportable: PRIM' at its equation (exit 2), nothing on stdout" {
  run --separate-stderr -2 tjit export --dialect stablehlo -o out.mlir "$TJIT_ROOT/examples/conv_pool.json"
  assert_output ""
  expected="$TJIT_ROOT/examples/conv_pool.json:7:17: error: not exportable: conv_general_dilated
    7 |   auto y = conv_general_dilated(x, kernel, (1, 1), \"SAME\",
      |            ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"
  [[ $stderr == "$expected" ]] || { diff <(echo "$expected") <(echo "$stderr"); return 1; }
  [[ ! -e out.mlir ]]
}

#!/usr/bin/env bats
# Every JSON document tjit prints validates against its JSON Schema
# (docs/schemas, listed in docs/schemas/README.md), over the examples and
# golden specs, passing and failing (so the error documents are covered),
# and every SARIF log against the official SARIF 2.1.0 schema (a copy in
# tests/schemas). tests/validate-json.py is the checker (Debian's
# python3-jsonschema, run by /usr/bin/python3); the negative tests show it
# refuses documents that break a schema.
load helper
bats_require_minimum_version 1.5.0

SCHEMAS="$TJIT_ROOT/docs/schemas"
SARIF_SCHEMA="$TJIT_ROOT/tests/schemas/sarif-schema-2.1.0.json"

setup() {
  /usr/bin/python3 -c 'import jsonschema' 2>/dev/null ||
    skip "python3-jsonschema is not installed for /usr/bin/python3 (scripts/install-deps.sh)"
  cd "$BATS_TEST_TMPDIR"
  write_cli_specs
  printf '{"tjit": 1, "source": "float f(float x) { return x +; }", "args": [1.0]}\n' >syntax.json
  printf '{"tjit": 1, "tjit": 1, "source": "float f(float x) { return x; }", "args": [1.0]}\n' >dupkey.json
  printf '{"tjit": 1, "source": "float f(float x) { return x; }", "args": [1.0], }\n' >badjson.json
}

# validates SCHEMA FILE: the document in FILE is valid, or the test fails
# with the validator's message and the document.
validates() {
  local schema=$1 file=$2
  if ! /usr/bin/python3 "$TJIT_ROOT/tests/validate-json.py" "$schema" "$file"; then
    echo "not valid against ${schema#"$TJIT_ROOT"/}: $(head -c 2000 "$file")"
    return 1
  fi
}

# conforms SCHEMA STATUS TJIT-ARGS...: runs tjit, checks the exit status,
# and validates its stdout (kept in $BATS_TEST_TMPDIR/out.json) against SCHEMA.
conforms() {
  local schema=$1 want=$2 status=0
  shift 2
  tjit "$@" >"$BATS_TEST_TMPDIR/out.json" 2>"$BATS_TEST_TMPDIR/err.txt" || status=$?
  if [[ $status -ne $want ]]; then
    echo "tjit $*: exit $status, expected $want; stderr: $(cat "$BATS_TEST_TMPDIR/err.txt")"
    return 1
  fi
  validates "$schema" "$BATS_TEST_TMPDIR/out.json"
}

@test "schemas: each schema is itself a valid JSON Schema, 2020-12, and names what it describes" {
  for s in "$SCHEMAS"/*.schema.json; do
    run -0 jq -r '."$schema", .title' "$s"
    assert_line --index 0 "https://json-schema.org/draft/2020-12/schema"
    # the README lists every schema
    grep -q "$(basename "$s")" "$SCHEMAS/README.md"
    # check_schema runs on each: an empty object is a valid document of none of them
    echo '{}' >empty.json
    run -1 /usr/bin/python3 "$TJIT_ROOT/tests/validate-json.py" "$s" empty.json
  done
}

@test "schemas: trace --format json over every example and golden specs, passing and failing" {
  for spec in "$TJIT_ROOT"/examples/*.json; do
    status=0
    tjit trace --format json "$spec" >out.json 2>/dev/null || status=$?
    [[ $status -le 3 ]]
    validates "$SCHEMAS/trace.schema.json" out.json
  done
  # hoisted jaxprs (let ... in), cond branches, a while body, constvars, a failing trace
  for name in call-keyword-defaults const-jit-inside cf-cond-basic ag-while-traced-condition \
      const-format-json position-json-listing ag-error-do-while; do
    (cd "$CASES_DIR" && tjit trace --format json "$name.json" >"$BATS_TEST_TMPDIR/out.json" 2>/dev/null) || true
    validates "$SCHEMAS/trace.schema.json" out.json
  done
  conforms "$SCHEMAS/trace.schema.json" 1 trace --format json syntax.json
  conforms "$SCHEMAS/trace.schema.json" 2 trace --format json badjson.json
  conforms "$SCHEMAS/trace.schema.json" 1 trace --format json --call 1 second-call-fails.json
  conforms "$SCHEMAS/error.schema.json" 1 trace --format json --call 1 second-call-fails.json
  conforms "$SCHEMAS/trace.schema.json" 2 trace --format json no-such.json
}

@test "schemas: check --format json: passing, failing, spec errors, usage errors" {
  for spec in "$TJIT_ROOT"/examples/*.json; do
    status=0
    tjit check --format json "$spec" >out.json 2>/dev/null || status=$?
    [[ $status -le 2 ]]
    validates "$SCHEMAS/check.schema.json" out.json
  done
  conforms "$SCHEMAS/check.schema.json" 0 check --format json double.json
  conforms "$SCHEMAS/check.schema.json" 1 check --format json second-call-fails.json
  run -0 jq -c '[.version, .traced, .failed_call, .error.kind]' out.json
  assert_output '[1,[0],1,"TracerBoolConversionError"]'
  conforms "$SCHEMAS/check.schema.json" 1 check --format json syntax.json
  conforms "$SCHEMAS/error.schema.json" 2 check --format json dupkey.json
  conforms "$SCHEMAS/check.schema.json" 2 check --format json --confine no-such.json
}

@test "schemas: run --format json: outputs of every kind, pytrees, a failing call, --grad-check" {
  for spec in softmax layer_norm relu_scale piecewise_switch dropout; do
    conforms "$SCHEMAS/run.schema.json" 0 run --format json "$TJIT_ROOT/examples/$spec.json"
  done
  for name in pytree-run-json dtypes-bf16-run-json run-int-edges run-indexing; do
    golden_words "$name"
    (cd "$CASES_DIR" && tjit "${words[@]}" >"$BATS_TEST_TMPDIR/out.json" 2>/dev/null) || true
    validates "$SCHEMAS/run.schema.json" out.json
  done
  printf '%s\n' '{"tjit": 1, "source": "auto f(float x) { return (x / 0.0, -x / 0.0, x - x / 0.0, x > 0.0, (int)x); }", "args": [1.0]}' >special.json
  conforms "$SCHEMAS/run.schema.json" 0 run --format json special.json
  run -0 jq -c '.calls[0].outputs | map(.data)' out.json
  assert_output '["inf","-inf","-inf",true,1]'
  conforms "$SCHEMAS/run.schema.json" 1 run --format json second-call-fails.json
  conforms "$SCHEMAS/run.schema.json" 2 run --format json badjson.json
  conforms "$SCHEMAS/run.schema.json" 0 run --format json --grad-check "$TJIT_ROOT/examples/softmax.json"
  conforms "$SCHEMAS/run.schema.json" 0 run --format json --grad-check --reference "$TJIT_ROOT/examples/layer_norm.json"
  conforms "$SCHEMAS/run.schema.json" 0 run --format json --grad-check double.json
}

@test "schemas: explain-recompile --format json: calls, what-if, budget, usage errors" {
  for spec in static_kinds_recompile shape_recompile conditional_double_recompile conditional_double_static; do
    status=0
    tjit explain-recompile --format json "$TJIT_ROOT/examples/$spec.json" >out.json 2>/dev/null || status=$?
    [[ $status -le 2 ]]
    validates "$SCHEMAS/explain-recompile.schema.json" out.json
  done
  for name in explain-json explain-json-kinds explain-pytree-json; do
    golden_words "$name"
    (cd "$CASES_DIR" && tjit "${words[@]}" >"$BATS_TEST_TMPDIR/out.json" 2>/dev/null) || true
    validates "$SCHEMAS/explain-recompile.schema.json" out.json
  done
  conforms "$SCHEMAS/explain-recompile.schema.json" 0 explain-recompile --format json \
    --call 1 --what-if n=2 "$TJIT_ROOT/examples/static_kinds_recompile.json"
  run -0 jq -c '.what_if.result.result' out.json
  assert_output '"hit"'
  conforms "$SCHEMAS/explain-recompile.schema.json" 3 explain-recompile --format json --max-compiles 1 \
    "$TJIT_ROOT/examples/static_kinds_recompile.json"
  run -0 jq -c '[.summary.over_budget, .error.kind]' out.json
  assert_output '[true,"budget"]'
  conforms "$SCHEMAS/explain-recompile.schema.json" 2 explain-recompile --format json --what-if y=1 double.json
  conforms "$SCHEMAS/error.schema.json" 2 explain-recompile --format json --what-if y=1 double.json
}

@test "schemas: cache stats, clear and verify --format json, and their errors" {
  tjit run "$TJIT_ROOT/examples/softmax.json" >/dev/null
  conforms "$SCHEMAS/cache-stats.schema.json" 0 cache stats --format json
  conforms "$SCHEMAS/cache-verify.schema.json" 0 cache verify --format json
  run -0 jq -c '[.ok, .refused, (.entries | length)]' out.json
  assert_output '[1,0,1]'
  # an entry another key sealed: refused, with its reason
  entry=$(find "$TJIT_CACHE_DIR" -type f -name '[0-9a-f]*' | head -1)
  printf '\x55' | dd of="$entry" bs=1 seek=300 conv=notrunc status=none
  conforms "$SCHEMAS/cache-verify.schema.json" 0 cache verify --format json
  run -0 jq -c '[.ok, .refused, (.entries[0].reason | type)]' out.json
  assert_output '[0,1,"string"]'
  conforms "$SCHEMAS/cache-clear.schema.json" 0 cache clear --format json
  conforms "$SCHEMAS/cache-stats.schema.json" 2 cache stat --format json
  TJIT_CACHE_DIR="$PWD/double.json" conforms "$SCHEMAS/cache-verify.schema.json" 2 cache verify --format json
  TJIT_CACHE_DIR="$PWD/double.json" conforms "$SCHEMAS/error.schema.json" 2 cache stats --format json
}

@test "schemas: the validator refuses documents that break a schema" {
  tjit check --format json double.json >good.json
  validates "$SCHEMAS/check.schema.json" good.json
  # no version
  jq -c 'del(.version)' good.json >bad.json
  run -1 /usr/bin/python3 "$TJIT_ROOT/tests/validate-json.py" "$SCHEMAS/check.schema.json" bad.json
  assert_output --partial "validate-json:"
  # another version
  jq -c '.version = 2' good.json >bad.json
  run -1 /usr/bin/python3 "$TJIT_ROOT/tests/validate-json.py" "$SCHEMAS/check.schema.json" bad.json
  # failed_call without error
  jq -c '.failed_call = 1' good.json >bad.json
  run -1 /usr/bin/python3 "$TJIT_ROOT/tests/validate-json.py" "$SCHEMAS/check.schema.json" bad.json
  # a member the shape does not have
  tjit trace --format json double.json | jq -c '.jaxpr.extra = 1' >bad.json
  run -1 /usr/bin/python3 "$TJIT_ROOT/tests/validate-json.py" "$SCHEMAS/trace.schema.json" bad.json
  # an error without a file but with a line
  tjit check --format json syntax.json | jq -c '.error.file = null' >bad.json || true
  run -1 /usr/bin/python3 "$TJIT_ROOT/tests/validate-json.py" "$SCHEMAS/check.schema.json" bad.json
  # a duplicate key, and NaN, which JSON has not
  printf '{"version": 1, "version": 1, "traced": []}' >bad.json
  run -1 /usr/bin/python3 "$TJIT_ROOT/tests/validate-json.py" "$SCHEMAS/check.schema.json" bad.json
  assert_output --partial "duplicate key"
  printf '{"version": 1, "calls": [{"call": 0, "outputs": [{"dtype": "f32", "shape": [], "data": NaN}]}]}' >bad.json
  run -1 /usr/bin/python3 "$TJIT_ROOT/tests/validate-json.py" "$SCHEMAS/run.schema.json" bad.json
  # SARIF: a level the schema does not know
  tjit check --format sarif second-call-fails.json >good.sarif || true
  validates "$SARIF_SCHEMA" good.sarif
  jq '.runs[0].results[0].level = "fatal"' good.sarif >bad.sarif
  run -1 /usr/bin/python3 "$TJIT_ROOT/tests/validate-json.py" "$SARIF_SCHEMA" bad.sarif
  jq '.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0' good.sarif >bad.sarif
  run -1 /usr/bin/python3 "$TJIT_ROOT/tests/validate-json.py" "$SARIF_SCHEMA" bad.sarif
}

# --- SARIF ---------------------------------------------------------------------

# Each result's ruleIndex names the rule whose id is its ruleId.
rules_agree() {
  run -0 jq -r '.runs[0] as $r | $r.results[] | select($r.tool.driver.rules[.ruleIndex].id != .ruleId) | .ruleId' "$1"
  assert_output ""
}

@test "sarif: check --format sarif over every example: valid logs, errors at their place, exit statuses as text" {
  for spec in "$TJIT_ROOT"/examples/*.json; do
    want=0
    tjit check "$spec" >/dev/null 2>&1 || want=$?
    conforms "$SARIF_SCHEMA" "$want" check --format sarif "$spec"
    rules_agree out.json
    run -0 jq '.runs[0].results | length' out.json
    if [[ $want -eq 0 ]]; then assert_output 0; else assert_output 1; fi
  done
  cd "$TJIT_ROOT"
  conforms "$SARIF_SCHEMA" 1 check --format sarif examples/conditional_double.json
  run -0 jq -c '.version, .runs[0].tool.driver.name, .runs[0].tool.driver.version, .runs[0].columnKind' "$BATS_TEST_TMPDIR/out.json"
  assert_output "$(printf '"2.1.0"\n"tjit"\n"%s"\n"unicodeCodePoints"' "$(tjit --version | head -1 | cut -d' ' -f2)")"
  run -0 jq -c '.runs[0].results[0] | [.ruleId, .level, .locations[0].physicalLocation.artifactLocation.uri,
      .locations[0].physicalLocation.region.startLine, .locations[0].physicalLocation.region.startColumn]' "$BATS_TEST_TMPDIR/out.json"
  assert_output '["diagnostic/TracerBoolConversionError","error","examples/conditional_double.json",7,12]'
  run -0 jq -r '.runs[0].results[0].message.text' "$BATS_TEST_TMPDIR/out.json"
  assert_line --index 0 "TracerBoolConversionError: Attempted boolean conversion of traced array with shape bool[]."
  assert_line --partial "hint: mark 'x' and 'threshold' static"
}

@test "sarif: spec, syntax and usage errors; a note with a place is a related location; odd file names are URIs" {
  conforms "$SARIF_SCHEMA" 2 check --format sarif dupkey.json
  rules_agree out.json
  run -0 jq -c '.runs[0].results[0] | [.ruleId, .locations[0].physicalLocation.region.startLine,
      .relatedLocations[0].message.text, .relatedLocations[0].physicalLocation.region.startColumn]' out.json
  assert_output '["diagnostic/spec",1,"first given here",2]'
  conforms "$SARIF_SCHEMA" 1 check --format sarif syntax.json
  run -0 jq -c '.runs[0].results[0] | [.ruleId, .level]' out.json
  assert_output '["diagnostic/syntax","error"]'
  # an error without a place of its own points at the spec given (code
  # scanning refuses a log with a result that has no location)
  conforms "$SARIF_SCHEMA" 2 check --format sarif no-such.json
  run -0 jq -c '.runs[0].results[0] | [.ruleId, .locations]' out.json
  assert_output '["diagnostic/io",[{"physicalLocation":{"artifactLocation":{"uri":"no-such.json"}}}]]'
  conforms "$SARIF_SCHEMA" 2 explain-recompile --format sarif --call 0 double.json
  run -0 jq -c '.runs[0].results[0] | [.ruleId, .locations[0].physicalLocation.artifactLocation.uri]' out.json
  assert_output '["diagnostic/usage","double.json"]'
  conforms "$SARIF_SCHEMA" 2 explain-recompile --format sarif --call 0 - <double.json
  run -0 jq -c '.runs[0].results[0].locations' out.json
  assert_output '[]'
  mkdir -p 'a dir' && cp second-call-fails.json 'a dir/50%:"é".json'
  conforms "$SARIF_SCHEMA" 1 check --format sarif 'a dir/50%:"é".json'
  run -0 jq -r '.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri' out.json
  assert_output 'a%20dir/50%25%3A%22%C3%A9%22.json'
  conforms "$SARIF_SCHEMA" 1 check --format sarif "$PWD/./second-call-fails.json"
  run -0 jq -r '.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri' out.json
  assert_output "file://$PWD/./second-call-fails.json"
  conforms "$SARIF_SCHEMA" 1 check --format sarif ./second-call-fails.json
  run -0 jq -r '.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri' out.json
  assert_output "second-call-fails.json"
}

@test "sarif: explain-recompile --format sarif: a result per compilation and per argument class, the budget's error" {
  cd "$TJIT_ROOT"
  conforms "$SARIF_SCHEMA" 0 explain-recompile --format sarif examples/static_kinds_recompile.json
  rules_agree "$BATS_TEST_TMPDIR/out.json"
  run -0 jq -r '.runs[0].results[] | [.ruleId, .level, .locations[0].physicalLocation.region.startLine,
      .locations[0].physicalLocation.region.startColumn] | @tsv' "$BATS_TEST_TMPDIR/out.json"
  assert_output "$(printf '%s\t%s\t%s\t%s\n' \
    recompile/compilation note 12 5 recompile/compilation note 13 5 recompile/compilation note 14 5 \
    recompile/compilation note 15 5 recompile/static-structural note 5 51 recompile/static-constant warning 5 67 \
    recompile/static-unused warning 5 86)"
  run -0 jq -r '.runs[0].results[1].message.text' "$BATS_TEST_TMPDIR/out.json"
  assert_output "call 1: compile: never seen signature; closest seen signature (call 0) has 1 mismatch: static argument 'scale': now 3.0 and before 2.0"
  conforms "$SARIF_SCHEMA" 0 explain-recompile --format sarif examples/shape_recompile.json
  run -0 jq -r '.runs[0].results[-1] | [.ruleId, .level, .message.text] | @tsv' "$BATS_TEST_TMPDIR/out.json"
  assert_output --partial "recompile/traced-compilations	warning	traced argument 'x' caused 3 compilations"
  conforms "$SARIF_SCHEMA" 0 explain-recompile --format sarif --call 1 --what-if n=2 examples/static_kinds_recompile.json
  run -0 jq -r '.runs[0].results[] | select(.ruleId == "recompile/what-if") | .message.text' "$BATS_TEST_TMPDIR/out.json"
  assert_output "what-if: call 1 with n=2: hit (compiled for call 2)"
  conforms "$SARIF_SCHEMA" 3 explain-recompile --format sarif --max-compiles 1 examples/static_kinds_recompile.json
  run -0 jq -r '.runs[0].results[] | select(.level == "error") | [.ruleId, .message.text] | @tsv' "$BATS_TEST_TMPDIR/out.json"
  assert_output --partial "diagnostic/budget	4 compilations exceed --max-compiles 1"
  conforms "$SARIF_SCHEMA" 0 explain-recompile --format sarif examples/conditional_double_recompile.json
  rules_agree "$BATS_TEST_TMPDIR/out.json"
}

@test "sarif: the rules: stable ids, names, descriptions, levels, no helpUri, unique" {
  tjit check --format sarif double.json >out.json
  run -0 jq -r '.runs[0].tool.driver.rules | map(.id) | .[]' out.json
  assert_line --index 0 "diagnostic/error"
  assert_line "diagnostic/TracerBoolConversionError"
  assert_line "recompile/static-constant"
  run -0 jq '.runs[0].tool.driver.rules | (map(.id) | unique | length) == length' out.json
  assert_output true
  run -0 jq '[.runs[0].tool.driver.rules[] | select(.helpUri or (.name | length) == 0 or (.shortDescription.text | length) == 0)] | length' out.json
  assert_output 0
  # every rule is documented in the man pages (groff writes - as \-)
  sed 's/\\-/-/g' "$TJIT_ROOT/man/tjit-check.1" "$TJIT_ROOT/man/tjit-explain-recompile.1" >man.txt
  for id in $(jq -r '.runs[0].tool.driver.rules[].id' out.json); do
    grep -qF "$id" man.txt || { echo "rule $id is not in the man pages"; return 1; }
  done
}

# --- emit-c --format json -----------------------------------------------------

@test "schemas: emit-c --format json over every example: the C as text prints it, every equation in one group" {
  local fused=0
  for spec in "$TJIT_ROOT"/examples/*.json; do
    status=0
    tjit emit-c --format json "$spec" >out.json 2>/dev/null || status=$?
    [[ $status -le 3 ]]
    validates "$SCHEMAS/emit-c.schema.json" out.json
    [[ $status -eq 0 ]] || continue
    # the same C as the default format, and a plan that covers each jaxpr's equations once
    tjit emit-c "$spec" >plain.c
    jq -j .c out.json >json.c
    cmp plain.c json.c
    run -0 jq '. as $d | (.fusion | to_entries | map(.key == .value.group) | all) and
      ([.jaxprs[] as $j | ([$d.fusion[] | select(.jaxpr == $j.jaxpr) | .equations[]] | sort) == [range($j.equations)]] | all) and
      ([.fusion[] | (.primitives | length) == (.equations | length) and (.reductions - .equations) == []] | all)' out.json
    assert_output true
    fused=$((fused + $(jq '[.fusion[] | select(.kind == "loop")] | length' out.json)))
  done
  [[ $fused -gt 0 ]] # some example has a fused loop
  conforms "$SCHEMAS/emit-c.schema.json" 0 emit-c --format json double.json
  run -0 jq -c 'del(.c)' out.json
  assert_output '{"version":1,"jaxprs":[{"jaxpr":0,"equations":1}],"fusion":[{"group":0,"jaxpr":0,"kind":"single","equations":[0],"primitives":["mul"],"reductions":[]}]}'
  # failures are the error document
  conforms "$SCHEMAS/emit-c.schema.json" 1 emit-c --format json syntax.json
  conforms "$SCHEMAS/error.schema.json" 1 emit-c --format json syntax.json
  run -0 jq -r .error.kind out.json
  assert_output syntax
  printf '{"tjit": 1, "source": "float f(float x) { if (x > 0) return x; return -x; }", "args": [1.0]}\n' >bool.json
  conforms "$SCHEMAS/emit-c.schema.json" 1 emit-c --format json bool.json
  run -0 jq -r .error.kind out.json
  assert_output TracerBoolConversionError
  conforms "$SCHEMAS/emit-c.schema.json" 2 emit-c --format json dupkey.json
  conforms "$SCHEMAS/emit-c.schema.json" 2 emit-c --format json no-such.json
}

@test "schemas: emit-c.schema.json refuses documents that break it" {
  tjit emit-c --format json "$TJIT_ROOT/examples/softmax.json" >good.json
  validates "$SCHEMAS/emit-c.schema.json" good.json
  run -0 jq '[.fusion[] | select(.kind == "loop" and (.reductions | length) > 0)] | length > 0' good.json
  assert_output true
  local mutation
  for mutation in '.extra = 1' 'del(.fusion)' '.c = "int x;"' '.jaxprs = []' '.jaxprs[0].extra = 1' \
      '.fusion[0].kind = "fused"' '.fusion[0].extra = 1' '.fusion[0].equations = []' '.fusion[0].group = -1' \
      '.fusion[0].primitives[0] = "Mul"' \
      '(.fusion[] | select(.kind == "loop")) |= (.kind = "single")' \
      '(.fusion[] | select(.kind == "single")) |= (.reductions = .equations)' \
      '.version = 2' '{"version": 1, "error": {"kind": "syntax"}}'; do
    jq -c "$mutation" good.json >bad.json
    run -1 /usr/bin/python3 "$TJIT_ROOT/tests/validate-json.py" "$SCHEMAS/emit-c.schema.json" bad.json
  done
}

# --- several specs --------------------------------------------------------------

# A directory of a passing spec, two failing ones and a JSON file that is
# no spec (skipped).
write_spec_dir() {
  mkdir -p specs
  cp double.json specs/a-pass.json
  cp second-call-fails.json specs/b-fail.json
  cp syntax.json specs/c-syntax.json
  echo '{"name": "a package", "version": "1.0.0"}' >specs/package.json
}

# results_conform SCHEMA FILE: each .specs[].result of the multi-spec
# document in FILE is a document SCHEMA validates (none null).
results_conform() {
  local schema=$1 file=$2 i n
  n=$(jq '.specs | length' "$file")
  [[ $n -gt 0 ]]
  for ((i = 0; i < n; i++)); do
    jq ".specs[$i].result" "$file" >result.json
    [[ $(cat result.json) != null ]]
    validates "$schema" result.json
  done
}

@test "schemas: check, run and explain-recompile --format json over a directory: one document, each result its command's" {
  write_spec_dir
  conforms "$SCHEMAS/multi.schema.json" 1 check --format json specs
  run -0 jq -c '[.specs[] | [.spec, .status]], .skipped[].spec, .summary' out.json
  assert_output '[["specs/a-pass.json",0],["specs/b-fail.json",1],["specs/c-syntax.json",1]]
"specs/package.json"
{"specs":3,"passed":1,"failed":2,"skipped":1}'
  cp out.json check.json
  results_conform "$SCHEMAS/check.schema.json" check.json
  # a result that is not check's document is refused by check.schema.json
  jq '.specs[0].result' check.json | jq -c '.traced = "x"' >bad.json
  run -1 /usr/bin/python3 "$TJIT_ROOT/tests/validate-json.py" "$SCHEMAS/check.schema.json" bad.json
  conforms "$SCHEMAS/multi.schema.json" 1 run --format json specs double.json
  run -0 jq -c '[.specs[] | [.spec, .status]], .summary' out.json
  assert_output '[["specs/a-pass.json",0],["specs/b-fail.json",1],["specs/c-syntax.json",1],["double.json",0]]
{"specs":4,"passed":2,"failed":2,"skipped":1}'
  cp out.json run.json
  results_conform "$SCHEMAS/run.schema.json" run.json
  conforms "$SCHEMAS/multi.schema.json" 1 explain-recompile --format json --jobs 2 specs
  cp out.json explain.json
  results_conform "$SCHEMAS/explain-recompile.schema.json" explain.json
  run -0 jq -c '[.specs[] | has("baseline")] | any' explain.json
  assert_output false
}

@test "schemas: explain-recompile --baseline --format json: the baseline member, same, missing and more" {
  write_spec_dir
  cp "$TJIT_ROOT/examples/shape_recompile.json" .
  printf '{"version": 1, "compilations": {"shape_recompile.json::total": 2, "specs/a-pass.json::double_it": 1}}\n' >base.json
  conforms "$SCHEMAS/multi.schema.json" 3 explain-recompile --format json --baseline base.json specs shape_recompile.json
  run -0 jq -c '.specs[] | [.spec, .status, (.baseline | if . then [.verdict, .allowed, .compilations, .error.kind] else . end)]' out.json
  assert_output '["specs/a-pass.json",0,["same",1,1,null]]
["specs/b-fail.json",3,["missing",null,2,"budget"]]
["specs/c-syntax.json",1,null]
["shape_recompile.json",3,["more",2,4,"budget"]]'
  cp out.json baseline.json
  results_conform "$SCHEMAS/explain-recompile.schema.json" baseline.json
  # the schema refuses a baseline member that breaks it
  local mutation
  for mutation in '.specs[0].baseline.verdict = "grew"' '.specs[0].baseline.extra = 1' 'del(.specs[3].baseline.error)' \
      '.specs[0].baseline.error = .specs[3].baseline.error' '.specs[1].baseline.allowed = 0' 'del(.specs[0].baseline.allowed)' \
      '.specs[0].baseline.key = "no separator"' '.specs[0].extra = 1' 'del(.specs[0].result)' '.specs[0].status = -1' \
      'del(.summary.skipped)' '.skipped[0].extra = 1' '.summary.passed = "1"' '.version = 2'; do
    jq -c "$mutation" baseline.json >bad.json
    run -1 /usr/bin/python3 "$TJIT_ROOT/tests/validate-json.py" "$SCHEMAS/multi.schema.json" bad.json
  done
  # --update-baseline: key and compilations only
  conforms "$SCHEMAS/multi.schema.json" 0 explain-recompile --format json --baseline new.json --update-baseline \
    specs/a-pass.json shape_recompile.json
  run -0 jq -c '[.specs[].baseline]' out.json
  assert_output '[{"key":"specs/a-pass.json::double_it","compilations":1},{"key":"shape_recompile.json::total","compilations":4}]'
}

# --- SARIF with several specs: one log ------------------------------------------

@test "sarif: check --format sarif over a directory is one log, each failing spec's results at its file" {
  write_spec_dir
  conforms "$SARIF_SCHEMA" 1 check --format sarif --jobs 2 specs
  rules_agree out.json
  run -0 jq -c '.runs | length' out.json
  assert_output 1
  run -0 jq -c '.runs[0].results[] | [.ruleId, .level, .locations[0].physicalLocation.artifactLocation.uri,
      .locations[0].physicalLocation.region.startLine, .locations[0].physicalLocation.region.startColumn]' out.json
  assert_output '["diagnostic/TracerBoolConversionError","error","specs/b-fail.json",3,33]
["diagnostic/syntax","error","specs/c-syntax.json",1,53]'
  # the same results as each spec's own log
  for spec in specs/b-fail.json specs/c-syntax.json; do
    tjit check --format sarif "$spec" >one.json || true
    jq -c '.runs[0].results[]' one.json
  done >each.txt
  run -0 jq -c '.runs[0].results[]' out.json
  assert_output "$(cat each.txt)"
  # passing specs only: one log without results
  conforms "$SARIF_SCHEMA" 0 check --format sarif specs/a-pass.json double.json
  run -0 jq -c '[(.runs | length), (.runs[0].results | length)]' out.json
  assert_output '[1,0]'
}

@test "sarif: explain-recompile --format sarif --baseline over a directory: one log, the baseline's errors as diagnostic/budget" {
  write_spec_dir
  cp "$TJIT_ROOT/examples/shape_recompile.json" .
  printf '{"version": 1, "compilations": {"shape_recompile.json::total": 2, "specs/a-pass.json::double_it": 1}}\n' >base.json
  conforms "$SARIF_SCHEMA" 3 explain-recompile --format sarif --baseline base.json specs shape_recompile.json
  run -0 jq -c '.runs | length' out.json
  assert_output 1
  run -0 jq -r '.runs[0] as $r | $r.results | length > 0 and all(.[]; $r.tool.driver.rules[.ruleIndex].id == .ruleId)' out.json
  assert_output true
  run -0 jq -c '[.runs[0].results[] | .locations[0].physicalLocation.artifactLocation.uri] | unique' out.json
  assert_output '["shape_recompile.json","specs/a-pass.json","specs/b-fail.json","specs/c-syntax.json"]'
  run -0 jq -r '.runs[0].results[] | select(.level == "error") | [.ruleId, .locations[0].physicalLocation.artifactLocation.uri,
      .locations[0].physicalLocation.region.startLine, .message.text] | @tsv' out.json
  assert_output "$(printf '%s\t%s\t%s\t%s\n' \
    diagnostic/budget specs/b-fail.json 2 "function 'f' is not in the baseline base.json (2 compilations); add it with --update-baseline" \
    diagnostic/syntax specs/c-syntax.json 1 "expected expression, saw ';'" \
    diagnostic/budget shape_recompile.json 13 "function 'total' grew from 2 to 4 compilations over the baseline base.json: this call is compilation 3; if that is intended, refresh it with --update-baseline")"
  run -0 jq -c '[.runs[0].results[] | select(.ruleId == "recompile/compilation") | .locations[0].physicalLocation.artifactLocation.uri] | group_by(.) | map([.[0], length])' out.json
  assert_output '[["shape_recompile.json",4],["specs/a-pass.json",1],["specs/b-fail.json",2]]'
  # the rules are listed once: the joined log is not the workers' rules twice
  run -0 jq '.runs[0].tool.driver.rules | (map(.id) | unique | length) == length' out.json
  assert_output true
}

@test "sarif: a spec whose worker is killed is a diagnostic/internal result at its file, not a clean log" {
  write_spec_dir
  # every worker is killed (SIGXFSZ) as its log passes 512 bytes; the
  # parent writes only to pipes and /dev/null, which the limit spares
  run -70 bash -c 'ulimit -f 1; exec tjit check --format sarif specs 2>/dev/null'
  printf '%s\n' "$output" >out.json
  validates "$SARIF_SCHEMA" out.json
  rules_agree out.json
  run -0 jq -r '.runs[0].results[] | [.ruleId, .level, .locations[0].physicalLocation.artifactLocation.uri] | @tsv' out.json
  assert_output "$(printf 'diagnostic/internal\terror\t%s\n' specs/a-pass.json specs/b-fail.json specs/c-syntax.json)"
  run -0 jq -r '.runs[0].results[0].message.text' out.json
  assert_output "the spec failed (exit status 70) without a result: its worker was killed or printed no SARIF log (see standard error)"
  # unkilled, a failing spec's own results only: no internal error besides them
  run -1 --separate-stderr tjit check --format sarif specs
  printf '%s\n' "$output" >out.json
  run -0 jq -c '[.runs[0].results[].ruleId]' out.json
  assert_output '["diagnostic/TracerBoolConversionError","diagnostic/syntax"]'
}

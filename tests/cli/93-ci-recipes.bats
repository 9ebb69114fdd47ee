#!/usr/bin/env bats
# The CI recipes of docs/ci/ run as they stand: their tjit steps, read out
# of the YAML as the services read it (tests/ci-steps.py: a GitHub step's
# `run`, a GitLab job's `script`), run by bash -e in a scratch repository of
# specs with the tjit under test on PATH. A recipe edited into something
# that no longer works, or no longer parses, fails here. The install and
# upload steps are the services' own and are not run.
load helper
bats_require_minimum_version 1.5.0

GITHUB="$TJIT_ROOT/docs/ci/github-actions.yml"
GITLAB="$TJIT_ROOT/docs/ci/gitlab-ci.yml"
SARIF_SCHEMA="$TJIT_ROOT/tests/schemas/sarif-schema-2.1.0.json"

setup() {
  /usr/bin/python3 -c 'import yaml' 2>/dev/null ||
    skip "python3-yaml is not installed for /usr/bin/python3 (scripts/install-deps.sh)"
  repo=$BATS_TEST_TMPDIR/repo
  mkdir -p "$repo/specs/nested"
  cp "$TJIT_ROOT"/examples/{relu_scale,softmax,newton_sqrt,static_kinds_recompile}.json "$repo/specs/"
  cp "$TJIT_ROOT"/examples/shape_recompile.json "$repo/specs/nested/"
  cd "$repo"
  # the baseline the repository commits
  tjit explain-recompile --update-baseline --baseline tjit-baseline.json specs 2>/dev/null
}

# The `run` of the GitHub step named $1, into step.sh.
github_step() {
  /usr/bin/python3 "$TJIT_ROOT/tests/ci-steps.py" github "$GITHUB" "$1" >step.sh
}

# A SARIF log of tjit's, valid against the OASIS schema.
sarif_ok() {
  run -0 jq -r '.version + " " + .runs[0].tool.driver.name' "$1"
  assert_output "2.1.0 tjit"
  /usr/bin/python3 -c 'import jsonschema' 2>/dev/null || return 0
  /usr/bin/python3 "$TJIT_ROOT/tests/validate-json.py" "$SARIF_SCHEMA" "$1"
}

@test "ci-recipes: the GitHub workflow's tjit steps pass on a repository within its baseline" {
  local step
  run -0 jq -r '.compilations | keys[]' tjit-baseline.json
  assert_output "specs/nested/shape_recompile.json::total
specs/static_kinds_recompile.json::scaled_doubling"
  for step in "tjit: check the specs" "tjit: compile-count gate" "tjit: SARIF report"; do
    github_step "$step"
    run bash -e step.sh
    assert_success
  done
  sarif_ok tjit-check.sarif
  sarif_ok tjit-recompile.sarif
  # the repository's findings: explain-recompile's classes, at the specs
  run -0 jq -r '[.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri] | unique[]' tjit-recompile.sarif
  assert_output "specs/nested/shape_recompile.json
specs/static_kinds_recompile.json"
}

@test "ci-recipes: the GitHub workflow's gate fails (exit 3) when a function compiles more often" {
  jq '.calls += [[{"dtype": "f32", "shape": [7]}]]' specs/nested/shape_recompile.json >grown.json
  mv grown.json specs/nested/shape_recompile.json
  github_step "tjit: compile-count gate"
  run bash -e step.sh
  assert_failure 3
  assert_output --partial "specs/nested/shape_recompile.json:50:5: error: function 'total' grew from 4 to 5 compilations"
  # and the SARIF step still writes both logs, the growth in the second
  github_step "tjit: SARIF report"
  run bash -e step.sh
  assert_success
  sarif_ok tjit-recompile.sarif
  run -0 jq -r '.runs[0].results[] | select(.level == "error") | .ruleId' tjit-recompile.sarif
  assert_output "diagnostic/budget"
}

@test "ci-recipes: the GitHub workflow's check step fails on a spec that does not trace" {
  cp "$TJIT_ROOT/examples/conditional_double.json" specs/
  github_step "tjit: check the specs"
  run bash -e step.sh
  assert_failure 1
  assert_output --partial "TracerBoolConversionError"
}

@test "ci-recipes: the GitLab job's script passes and leaves the SARIF artifacts" {
  /usr/bin/python3 "$TJIT_ROOT/tests/ci-steps.py" gitlab "$GITLAB" tjit >script.sh
  run -0 grep -c '^tjit ' script.sh
  assert_output 4
  run bash -e script.sh
  assert_success
  for f in $(/usr/bin/python3 -c 'import sys, yaml; print(*yaml.safe_load(open(sys.argv[1]))["tjit"]["artifacts"]["paths"])' "$GITLAB"); do
    sarif_ok "$f"
  done
}

@test "ci-recipes: the GitLab job's script fails the job when a function compiles more often" {
  jq '.calls += [[{"dtype": "f32", "shape": [7]}]]' specs/nested/shape_recompile.json >grown.json
  mv grown.json specs/nested/shape_recompile.json
  /usr/bin/python3 "$TJIT_ROOT/tests/ci-steps.py" gitlab "$GITLAB" tjit >script.sh
  run bash -e script.sh
  assert_failure 3
  # the artifacts were written before the gate failed
  sarif_ok tjit-recompile.sarif
}

@test "ci-recipes: a step or job that is not there is an error of the reader, not an empty script" {
  run /usr/bin/python3 "$TJIT_ROOT/tests/ci-steps.py" github "$GITHUB" "tjit: no such step"
  assert_failure 1
  assert_output "ci-steps: $GITHUB: no step 'tjit: no such step'"
}

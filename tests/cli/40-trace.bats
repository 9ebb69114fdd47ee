#!/usr/bin/env bats
# `tjit trace` beyond the whole listings of the golden cases (tests/cases,
# run by tests/run-golden).
load helper

# 40 levels of jit functions, each calling the level below twice: the
# tracer traces each level once and shares its jaxpr, but ir_check checked
# a shared jaxpr at every use, doubling the time per level (28 levels:
# 10 s; 40: days). Checked once each, the trace takes milliseconds; the
# timeout is generous for a loaded machine and sanitizers.
@test "trace: a jaxpr shared at every level of 40 nested jits is checked once" {
  local src='"jit auto level0(auto x) { return x + 1; }"' k
  for ((k = 1; k <= 40; k++)); do
    src+=", \"jit auto level$k(auto x) { return level$((k - 1))(x) + level$((k - 1))(x); }\""
  done
  src+=', "auto f(float x) { return level40(x); }"'
  run timeout 10 tjit check - <<<"{\"tjit\": 1, \"function\": \"f\", \"source\": [$src], \"args\": {\"x\": 1.0}}"
  assert_success
  assert_output ''
}

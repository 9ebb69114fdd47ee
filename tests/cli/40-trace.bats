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

# One array constant over TJ_MAX_CONST_ELEMENTS (2^20, lib/base/limits.h):
# a static argument of 1025 rows of 1024 numbers, too big for a golden file.
@test "trace: an array constant of more than 2^20 elements is refused" {
  local row rows
  row=$(printf '0,%.0s' {1..1023})0
  rows=$(for ((k = 0; k < 1025; k++)); do printf '[%s],' "$row"; done)
  run tjit check - <<<"{\"tjit\": 1, \"source\": \"float f(float x, static auto w) { return sum(array(w)) + x; }\", \"args\": {\"x\": 1.0, \"w\": [${rows%,}]}}"
  assert_failure 1
  assert_line --index 0 "<stdin>:1:75: error: too many elements (limit is 1048576) in an array constant"
}

#!/usr/bin/env bats
# The README's console examples are real output: each ```console block is a
# `$ build/tjit ...` command followed by exactly what it prints.
load helper

# Prints the blocks as records: the command line, then the expected text,
# separated by a line holding only \x1e.
readme_blocks() {
  awk '/^```console$/ { inblock = 1; next }
       /^```$/ && inblock { inblock = 0; print "\036"; next }
       inblock { print }' "$BATS_TEST_DIRNAME/../../README.md"
}

@test "docs: every console example in README.md is the command's real output" {
  local block cmd want got n=0
  while IFS= read -r -d $'\036' block; do
    block=${block#$'\n'}
    cmd=${block%%$'\n'*}
    want=${block#*$'\n'}
    want=${want%$'\n'}
    [[ $cmd == '$ build/tjit '* ]] || continue
    cmd=${cmd#'$ build/tjit '}
    got=$(cd "$BATS_TEST_DIRNAME/../.." && tjit $cmd 2>&1) || true
    if [[ "$got" != "$want" ]]; then
      diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$got") || true
      return 1
    fi
    n=$((n + 1))
  done < <(readme_blocks)
  [ "$n" -ge 3 ]
}

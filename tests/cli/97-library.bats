#!/usr/bin/env bats
# libtjit.a as a program that links it sees it (issue 12, item 5): it
# defines no global name but the public tj_* ones, so a program may name
# its own functions as the library's internal ones are named.
load helper

# Global names libtjit.a may define that do not start with tj_: those the
# toolchain adds rather than our code, each with why. None: the Makefile's
# objcopy localizes every defined global but tj_*, the compiler's too (the
# ASan build's __odr_asan.* indicators of our global tables). A name added
# here must say which toolchain adds it and why it has to stay global.
toolchain_globals=()

# The global names defined in the archive that are not tj_*, one a line.
foreign_globals() {
  local name allowed
  nm -g --defined-only "$1" | awk 'NF == 3 { print $3 }' | while read -r name; do
    [[ $name == tj_* ]] && continue
    for allowed in "${toolchain_globals[@]}"; do [[ $name == "$allowed" ]] && continue 2; done
    echo "$name"
  done
}

@test "library: libtjit.a defines no global name but tj_*" {
  run foreign_globals "$TJIT_BUILD/libtjit.a"
  assert_success
  assert_output ''
  # and it does define the public API (nm read the archive)
  run nm -g --defined-only "$TJIT_BUILD/libtjit.a"
  assert_line --regexp ' T tj_ctx_new$'
  assert_line --regexp ' T tj_run$'
}

@test "library: the internal archive the tests link still defines the internal names" {
  # What makes the next test a test: these names are the library's own.
  run nm -g --defined-only "$TJIT_BUILD/libtjit-internal.a"
  assert_success
  for name in eval emit intern buf_free; do
    assert_line --regexp " T $name\$"
  done
}

# The program is built with this build's compiler and flags
# ($BUILD/libtjit.flags, written by make), as the unit tests are.
build_own_names() {
  local archive=$1 CC CFLAGS LDFLAGS LDLIBS
  # shellcheck disable=SC1091
  source "$TJIT_BUILD/libtjit.flags"
  # word splitting wanted: each variable holds several flags
  # shellcheck disable=SC2086
  $CC $CFLAGS -I "$TJIT_ROOT/lib" $LDFLAGS -o "$BATS_TEST_TMPDIR/own_names" \
    "$TJIT_ROOT/tests/library/own_names.c" "$archive" $LDLIBS
}

@test "library: a program defining its own eval, emit, intern and buf_free links with libtjit.a and runs" {
  run build_own_names "$TJIT_BUILD/libtjit.a"
  assert_success
  assert_output ''
  run "$BATS_TEST_TMPDIR/own_names"
  assert_success
  assert_output - <<'OUT'
{ lambda ; a:f32[3]. let
    b:f32[3] = sin a
    c:f32[3] = mul b 2.0:f32[]
    d:f32[3] = add c 1.0:f32[]
  in (d,) }
Array([ 1.,  3., -1.], dtype=float32)
eval 3, emit 42, intern name, buf_free 1
OUT
}

@test "library: the same program does not link with the internal archive (the names collide)" {
  run build_own_names "$TJIT_BUILD/libtjit-internal.a"
  assert_failure
  for name in eval emit intern buf_free; do
    assert_output --partial "multiple definition of \`$name'"
  done
}

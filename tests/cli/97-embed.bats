#!/usr/bin/env bats
# libtjit embedded in another program (issue 18, item 1): `make install`
# into a temporary prefix, then examples/embed's C and C++ programs built
# with pkg-config against the installed shared library, and the C one
# against libtjit.a (`pkg-config --static`); `make uninstall` takes away
# every file install wrote.
load helper
bats_require_minimum_version 1.5.0

# make in the tree under test, on the build under test (BUILD: the ASan
# build's install is that build's files).
tjit_make() {
  make -C "$TJIT_ROOT" --no-print-directory BUILD="$TJIT_BUILD" "$@"
}

# The build's compiler and link flags ($BUILD/libtjit.flags, as
# 97-library.bats uses them): an ASan build's library needs the sanitizer
# at the link. The C++ compiler is the C compiler's. Sets CC, LDFLAGS
# and CXX (and CFLAGS, LDLIBS, unused: the examples take pkg-config's).
load_build_flags() {
  # shellcheck disable=SC1091
  source "$TJIT_BUILD/libtjit.flags"
  case $CC in *clang*) CXX=clang++ ;; *) CXX=c++ ;; esac
}

setup_file() {
  export PREFIX_DIR="$BATS_FILE_TMPDIR/prefix"
  export PKG_CONFIG_PATH="$PREFIX_DIR/lib/pkgconfig"
  tjit_make PREFIX="$PREFIX_DIR" install >"$BATS_FILE_TMPDIR/install.log" 2>&1 ||
    { cat "$BATS_FILE_TMPDIR/install.log"; return 1; }
}

# The files and links under the prefix, relative to it, sorted.
prefix_files() {
  (cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./||' | LC_ALL=C sort)
}

# The file list install must write for version $1.
expected_files() {
  local major=${1%%.*} f
  {
    echo bin/tjit
    echo include/tjit.h
    echo lib/libtjit.a
    echo lib/libtjit.so
    echo "lib/libtjit.so.$major"
    echo "lib/libtjit.so.$1"
    echo lib/pkgconfig/tjit.pc
    echo share/bash-completion/completions/tjit
    echo share/zsh/site-functions/_tjit
    for f in "$TJIT_ROOT"/man/*.1; do echo "share/man/man1/${f##*/}"; done
    for f in "$TJIT_ROOT"/man/*.5; do echo "share/man/man5/${f##*/}"; done
  } | LC_ALL=C sort
}

version() { tjit --version | sed -n '1s/^tjit //p'; } # the first line: the libraries' follow

@test "embed: make install writes the files (and compiles nothing), tjit.pc names the prefix and the version" {
  run cat "$BATS_FILE_TMPDIR/install.log"
  assert_line --partial 'install -m 755'
  refute_line --regexp '^  (CC|LD)'
  local v
  v=$(version)
  [[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
  run prefix_files "$PREFIX_DIR"
  assert_output "$(expected_files "$v")"
  [ -x "$PREFIX_DIR/bin/tjit" ]
  [ "$(readlink "$PREFIX_DIR/lib/libtjit.so")" = "libtjit.so.${v%%.*}" ]
  [ "$(readlink "$PREFIX_DIR/lib/libtjit.so.${v%%.*}")" = "libtjit.so.$v" ]
  cmp "$TJIT_ROOT/lib/tjit.h" "$PREFIX_DIR/include/tjit.h"
  run pkg-config --modversion tjit
  assert_output "$v"
  run pkg-config --variable=prefix tjit
  assert_output "$PREFIX_DIR"
  # the shared library: -ltjit alone (its dependencies are its DT_NEEDED);
  # the -I of the Requires.private modules come along (pkg-config's rule)
  run pkg-config --libs tjit
  assert_output --regexp "^-L$PREFIX_DIR/lib -ltjit *\$"
  run pkg-config --cflags tjit
  assert_output --regexp "^-I$PREFIX_DIR/include( |\$)"
  # the static link's libraries: libtcc (no pkg-config module) and Graphviz's
  run pkg-config --static --libs tjit
  assert_output --regexp "^-L$PREFIX_DIR/lib -ltjit .*-ltcc .*-lgvc"
}

@test "embed: libtjit.so's soname is libtjit.so.MAJOR and it exports only tj_*" {
  local v so
  v=$(version)
  so="$PREFIX_DIR/lib/libtjit.so.$v"
  run readelf -d "$so"
  assert_output --partial "Library soname: [libtjit.so.${v%%.*}]"
  # position-independent throughout: no relocation of its code at load
  refute_output --partial TEXTREL
  run bash -c "nm -D --defined-only '$so' | awk 'NF == 3 { print \$3 }' | grep -v '^tj_'"
  assert_output ''
  run nm -D --defined-only "$so"
  assert_line --regexp ' T tj_ctx_new$'
  assert_line --regexp ' T tj_run$'
}

# What examples/embed/embed.c prints: x * a + 1 for each call ([1, 2, 3]
# times 2, [0.5, -1] times 4, exact in f32), each call traced for its own
# shape; scale_shift compiled once (a = 2) and called on two arrays of the
# program's (2x + 1, exact); then the traced if's error, at the condition's x in the spec's
# text (line 1, column 47: the source string starts at column 24).
embed_c_output() {
  cat <<OUT
libtjit $(version)
call 0: { lambda ; a:f32[3]. let
    b:f32[3] = mul a 2.0:f32[]
    c:f32[3] = add b 1.0:f32[]
  in (c,) }
  -> Array([3., 5., 7.], dtype=float32)
call 1: { lambda ; a:f32[2]. let
    b:f32[2] = mul a 4.0:f32[]
    c:f32[2] = add b 1.0:f32[]
  in (c,) }
  -> Array([ 3., -3.], dtype=float32)
compiled: 1 input (x: f32[4]), 1 output
  -> 3 5 7 9
  -> 2 -1 1 17
status 1: TracerBoolConversionError at bad.json:1:47
OUT
}

@test "embed: the C example builds with pkg-config against libtjit.so and runs" {
  local CC LDFLAGS exe="$BATS_TEST_TMPDIR/embed"
  load_build_flags
  # word splitting wanted: pkg-config and LDFLAGS give several flags
  # shellcheck disable=SC2046,SC2086
  run $CC -std=c11 -Wall -Wextra -Werror -pedantic -o "$exe" "$TJIT_ROOT/examples/embed/embed.c" \
    $(pkg-config --cflags tjit) $LDFLAGS $(pkg-config --libs tjit)
  assert_success
  assert_output ''
  run readelf -d "$exe"
  assert_output --partial "Shared library: [libtjit.so.$(version | cut -d. -f1)]"
  LD_LIBRARY_PATH="$PREFIX_DIR/lib" run --separate-stderr "$exe"
  assert_success
  assert_output "$(embed_c_output)"
  [ -z "$stderr" ]
}

@test "embed: the C example builds with pkg-config --static against libtjit.a and runs" {
  local CC LDFLAGS exe="$BATS_TEST_TMPDIR/embed-static" libs
  load_build_flags
  libs=$(pkg-config --static --libs tjit)
  # libtjit.a, not the libtjit.so beside it
  libs=${libs/-ltjit/-l:libtjit.a}
  # shellcheck disable=SC2046,SC2086
  run $CC -std=c11 -Wall -Wextra -Werror -pedantic -o "$exe" "$TJIT_ROOT/examples/embed/embed.c" \
    $(pkg-config --cflags tjit) $LDFLAGS $libs
  assert_success
  assert_output ''
  run readelf -d "$exe"
  refute_output --partial 'libtjit'
  run --separate-stderr "$exe"
  assert_success
  assert_output "$(embed_c_output)"
  [ -z "$stderr" ]
}

@test "embed: the C++ example builds with pkg-config against libtjit.so and runs" {
  local CC LDFLAGS CXX exe="$BATS_TEST_TMPDIR/embed-cpp"
  load_build_flags
  # shellcheck disable=SC2046,SC2086
  run $CXX -std=c++11 -Wall -Wextra -Werror -pedantic -o "$exe" "$TJIT_ROOT/examples/embed/embed.cpp" \
    $(pkg-config --cflags tjit) $LDFLAGS $(pkg-config --libs tjit)
  assert_success
  assert_output ''
  # five equations (reduce_max, sub, exp, reduce_sum, div); softmax of
  # four equal logits: exp(0) / 4, exact
  LD_LIBRARY_PATH="$PREFIX_DIR/lib" run --separate-stderr "$exe"
  assert_success
  assert_output - <<'OUT'
equations: 5
tree *: {"dtype": "f32", "shape": [4], "data": [0.25, 0.25, 0.25, 0.25]}
OUT
  [ -z "$stderr" ]
}

@test "embed: DESTDIR stages the install; tjit.pc names PREFIX, not DESTDIR" {
  local stage="$BATS_TEST_TMPDIR/stage"
  run tjit_make PREFIX=/opt/tjit DESTDIR="$stage" install
  assert_success
  run cat "$stage/opt/tjit/lib/pkgconfig/tjit.pc"
  assert_line 'prefix=/opt/tjit'
  refute_output --partial "$stage"
  run prefix_files "$stage/opt/tjit"
  assert_output "$(expected_files "$(version)")"
  run tjit_make PREFIX=/opt/tjit DESTDIR="$stage" uninstall
  assert_success
  run prefix_files "$stage"
  assert_output ''
}

@test "embed: make uninstall removes every file install wrote" {
  run tjit_make PREFIX="$PREFIX_DIR" uninstall
  assert_success
  run prefix_files "$PREFIX_DIR"
  assert_output ''
  # and pkg-config no longer finds it
  run pkg-config --exists tjit
  assert_failure
}

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

# docs/ARCHITECTURE.md is kept true by two checks: every source file of
# lib/ and cmd/ is named in it by its path, and every path it names under
# lib/, cmd/, tests/, man/, docs/ or scripts/ exists (a glob such as
# lib/backend/cg_*.c must match a file), so adding, renaming or removing a file
# fails here until the page follows. A path holding NAME is a placeholder
# (cmd/NAME.c) and is not looked up.

# The paths a document names, one a line, sorted: what follows a
# character that cannot be part of a path, without trailing dots.
doc_paths() {
  grep -oE '(^|[^A-Za-z0-9_./-])(lib|cmd|tests|man|docs|scripts)/[A-Za-z0-9_./*-]*' "$1" |
    sed -E 's/^[^a-z]//; s/\.+$//' | LC_ALL=C sort -u
}

# Prints "not named: FILE" for each source file of ROOT the document DOC
# does not name and "no such path: PATH" for each path it names that ROOT
# does not have; nothing when the document is true.
architecture_errors() {
  local root=$1 doc=$2 f p
  local -A named=()
  while IFS= read -r p; do named[$p]=1; done < <(doc_paths "$doc")
  for f in "$root"/lib/*.[ch] "$root"/lib/*/*.[ch] "$root"/lib/*/*.def "$root"/cmd/*.c "$root"/cmd/*.h; do
    f=${f#"$root"/}
    [[ -n ${named[$f]:-} ]] || echo "not named: $f"
  done
  while IFS= read -r p; do
    [[ $p == *NAME* ]] && continue
    compgen -G "$root/$p" >/dev/null || echo "no such path: $p"
  done < <(doc_paths "$doc")
}

@test "docs: ARCHITECTURE.md names every file of lib/ and cmd/, and only paths that exist" {
  run architecture_errors "$TJIT_ROOT" "$TJIT_ROOT/docs/ARCHITECTURE.md"
  assert_success
  assert_output ''
}

@test "docs: a file renamed without ARCHITECTURE.md following fails the check" {
  # A page that names lib/backend/jit_renamed.c where the tree has
  # lib/backend/jit.c (a rename made on one side only): both checks fire.
  sed 's#lib/backend/jit\.c#lib/backend/jit_renamed.c#g' "$TJIT_ROOT/docs/ARCHITECTURE.md" >"$BATS_TEST_TMPDIR/ARCHITECTURE.md"
  run architecture_errors "$TJIT_ROOT" "$BATS_TEST_TMPDIR/ARCHITECTURE.md"
  assert_output - <<'TEXT'
not named: lib/backend/jit.c
no such path: lib/backend/jit_renamed.c
TEXT
}

@test "docs: every stage folder of lib/ says in its README.md what it owns" {
  local d missing=()
  for d in "$TJIT_ROOT"/lib/*/; do
    [[ -s $d/README.md ]] || missing+=("${d#"$TJIT_ROOT"/}")
  done
  run printf '%s\n' "${missing[@]}"
  assert_output ''
}

# The builtins of the language: the names of the builtin_def tables in
# lib/trace/*.c (rows `{"name", handler, ...}` between the table's opening
# line and its `};`).
builtin_names() {
  awk '/builtin_def builtins_[a-z_0-9]*\[\] = \{/ { on = 1; next }
       on && /^\};/ { on = 0 }
       on' "$1"/lib/trace/*.c | grep -o '{"[A-Za-z_0-9]*",' | sed 's/^{"//; s/",$//' | sort -u
}

# Prints each builtin that the page does not name as a word.
undocumented_builtins() {
  local name
  while read -r name; do
    grep -qw -- "$name" "$2" || echo "not in tjit-spec(5): $name"
  done < <(builtin_names "$1")
}

@test "docs: tjit-spec(5) names every builtin of the language" {
  run builtin_names "$TJIT_ROOT"
  assert_line sin
  assert_line top_k
  run undocumented_builtins "$TJIT_ROOT" "$TJIT_ROOT/man/tjit-spec.5"
  assert_success
  assert_output ''
}

@test "docs: a builtin missing from tjit-spec(5) fails the check" {
  sed 's/\<cummax\>/cumulative_max/g' "$TJIT_ROOT/man/tjit-spec.5" >"$BATS_TEST_TMPDIR/tjit-spec.5"
  run undocumented_builtins "$TJIT_ROOT" "$BATS_TEST_TMPDIR/tjit-spec.5"
  assert_output 'not in tjit-spec(5): cummax'
}

# Prints "CMD OPTION" for each option `tjit help CMD` lists that man/tjit-CMD.1
# (in MAN_DIR) does not name as a whole word (groff writes a dash \-).
undocumented_options() {
  local cmd opt
  for cmd in $(tjit --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\).*/\1/p' | grep -vx help); do
    for opt in $(tjit help "$cmd" | sed -n '/^options:/,$p' | grep -oE '^ +(-[a-zA-Z], )?--[a-z-]+' |
                 sed -E 's/^ +//; s/, / /'); do
      grep -qE -- "${opt//-/\\\\-}([^a-zA-Z\\\\]|\$)" "$MAN_DIR/tjit-$cmd.1" || echo "$cmd $opt"
    done
  done
}

@test "docs: each command's man page names every option its --help lists" {
  MAN_DIR=$TJIT_ROOT/man run undocumented_options
  assert_success
  assert_output ''
  # the check can fail: a page without -o
  mkdir "$BATS_TEST_TMPDIR/man"
  cp "$TJIT_ROOT"/man/*.1 "$BATS_TEST_TMPDIR/man/"
  sed -i 's/\\-o\b/-x/g; s/\\-\\-output/\\-\\-outptu/g' "$BATS_TEST_TMPDIR/man/tjit-emit-c.1"
  MAN_DIR=$BATS_TEST_TMPDIR/man run undocumented_options
  assert_output 'emit-c -o
emit-c --output'
}

#!/usr/bin/env bats
# The disk cache of compiled calls (tjit-cache(1)): a later process hits
# it, hits and misses give the same results, damaged entries are survived
# and rewritten, parallel processes share one directory, --no-cache and
# an unusable directory. helper.bash gives each test an empty
# TJIT_CACHE_DIR of its own.
load helper
bats_require_minimum_version 1.5.0

TUTORIAL=$TJIT_ROOT/examples/conditional_double_recompile.json
TUTORIAL_OUT='call 0: Array(10., dtype=float32)
call 1: Array(2., dtype=float32)
call 2: Array(5., dtype=float32)
call 3: Array(1., dtype=float32)'

# --time's lines with every time replaced by X.
times() { sed -E 's/[0-9]+\.[0-9]{3} ms/X ms/g' <<<"$1"; }

# The entry files (32 hex digits) in the cache, one per line, sorted.
entries() { (cd "$TJIT_CACHE_DIR" && ls | grep -E '^[0-9a-f]{32}$' | sort); }

@test "cache: a second process hits the disk cache (--time, stats)" {
  run --separate-stderr tjit run --time --autograph "$TUTORIAL"
  assert_success
  assert_equal "$output" "$TUTORIAL_OUT"
  # calls 0 and 1 share a key, as do 2 and 3 (threshold changes)
  assert_equal "$(times "$stderr")" "time: call 0: trace X ms, codegen X ms, compile X ms, run X ms
time: call 1: cache hit X ms (reused), run X ms
time: call 2: trace X ms, codegen X ms, compile X ms, run X ms
time: call 3: cache hit X ms (reused), run X ms"
  assert_equal "$(entries | wc -l)" 2

  run --separate-stderr tjit run --time --autograph "$TUTORIAL"
  assert_success
  assert_equal "$output" "$TUTORIAL_OUT"
  assert_equal "$(times "$stderr")" "time: call 0: disk cache hit X ms, run X ms
time: call 1: cache hit X ms (reused), run X ms
time: call 2: disk cache hit X ms, run X ms
time: call 3: cache hit X ms (reused), run X ms"

  run tjit cache stats
  assert_success
  bytes=$(cat "$TJIT_CACHE_DIR"/[0-9a-f]* | wc -c)
  assert_output "directory: $TJIT_CACHE_DIR
entries: 2
bytes: $bytes
hits: 2
misses: 2"
  run tjit cache stats --format json
  assert_output "{\"version\": 1, \"directory\": \"$TJIT_CACHE_DIR\", \"entries\": 2, \"bytes\": $bytes, \"hits\": 2, \"misses\": 2}"
}

@test "cache: --check on a hit still traces and compares" {
  tjit run --autograph "$TUTORIAL" >/dev/null
  run --separate-stderr tjit run --time --check --autograph --call 2 "$TUTORIAL"
  assert_success
  assert_output "call 2: Array(5., dtype=float32)"
  assert_equal "$(times "$stderr")" "time: call 2: trace X ms, disk cache hit X ms, run X ms, check X ms"
}

@test "cache: hits give the results misses give, byte for byte" {
  local spec
  for spec in softmax layer_norm mlp_layer cumsum_scan newton_sqrt piecewise_switch relu_scale; do
    spec=$TJIT_ROOT/examples/$spec.json
    uncached=$(tjit run --no-cache --format json "$spec")
    miss=$(tjit run --format json "$spec")
    hit=$(tjit run --time --format json "$spec" 2>"$BATS_TEST_TMPDIR/time")
    assert_equal "$miss" "$uncached"
    assert_equal "$hit" "$uncached"
    grep -q 'disk cache hit' "$BATS_TEST_TMPDIR/time" || { echo "$spec: no hit"; return 1; }
  done
}

# damage HOW: damages the tutorial's first entry, then checks that a run
# prints the right results, rewrites the entry as it was, and that the
# next run hits it again.
damage_survived() {
  tjit run --autograph "$TUTORIAL" >/dev/null
  local entry good
  entry=$TJIT_CACHE_DIR/$(entries | head -n 1)
  good=$BATS_TEST_TMPDIR/good
  cp "$entry" "$good"
  "$@" "$entry"
  ! cmp -s "$entry" "$good"
  run --separate-stderr tjit run --time --autograph "$TUTORIAL"
  assert_success
  assert_output "$TUTORIAL_OUT"
  [[ $stderr == *"compile"* ]]
  cmp "$entry" "$good"
  run --separate-stderr tjit run --time --autograph "$TUTORIAL"
  assert_success
  assert_output "$TUTORIAL_OUT"
  assert_equal "$(grep -c 'disk cache hit' <<<"$stderr")" 2
}

truncate_it() { truncate -s 60 "$1"; }
flip_a_byte() { printf '\x55' | dd of="$1" bs=1 seek=200 conv=notrunc status=none; }
garbage() { head -c 1200 /dev/urandom >"$1"; }
empty() { : >"$1"; }
foreign() { # a whole, valid entry of another call under this name
  local other
  other=$(entries | grep -vx "${1##*/}" | head -n 1)
  cp "$TJIT_CACHE_DIR/$other" "$1"
}

@test "cache: a truncated entry is survived and rewritten" { damage_survived truncate_it; }
@test "cache: an entry with a flipped byte is survived and rewritten" { damage_survived flip_a_byte; }
@test "cache: garbage under an entry's name is survived and rewritten" { damage_survived garbage; }
@test "cache: an empty entry is survived and rewritten" { damage_survived empty; }
@test "cache: another call's entry under this name is survived and rewritten" { damage_survived foreign; }

@test "cache: 8 parallel processes on one empty cache directory" {
  export TJIT_CACHE_DIR=$BATS_TEST_TMPDIR/shared/not/yet/made
  local i
  for i in 1 2 3 4 5 6 7 8; do
    (tjit run --autograph "$TUTORIAL" >"$BATS_TEST_TMPDIR/out$i" 2>&1; echo "status $?" >>"$BATS_TEST_TMPDIR/out$i") &
  done
  wait
  for i in 1 2 3 4 5 6 7 8; do
    assert_equal "$(cat "$BATS_TEST_TMPDIR/out$i")" "$TUTORIAL_OUT"$'\nstatus 0'
  done
  assert_equal "$(entries | wc -l)" 2
  # no temporary file left behind, and every lookup counted once
  assert_equal "$(ls -A "$TJIT_CACHE_DIR" | grep -c '^\.tmp-')" 0
  run tjit cache stats
  [[ $output =~ hits:\ ([0-9]+).misses:\ ([0-9]+) ]]
  assert_equal "$((BASH_REMATCH[1] + BASH_REMATCH[2]))" 16
  # and all of them now hit
  run --separate-stderr tjit run --time --autograph "$TUTORIAL"
  assert_output "$TUTORIAL_OUT"
  assert_equal "$(grep -c 'disk cache hit' <<<"$stderr")" 2
}

@test "cache: --no-cache neither reads nor writes" {
  run --separate-stderr tjit run --no-cache --time --autograph "$TUTORIAL"
  assert_success
  assert_output "$TUTORIAL_OUT"
  [[ ! -e $TJIT_CACHE_DIR ]]
  tjit run --autograph "$TUTORIAL" >/dev/null
  before=$(cd "$TJIT_CACHE_DIR" && ls -lA --time-style=full-iso && cat ./*)
  run --separate-stderr tjit run --no-cache --time --autograph "$TUTORIAL"
  assert_success
  assert_output "$TUTORIAL_OUT"
  [[ $stderr != *"cache hit"* && $stderr == *"compile"* ]]
  assert_equal "$(cd "$TJIT_CACHE_DIR" && ls -lA --time-style=full-iso && cat ./*)" "$before"
}

@test "cache: --reference does not touch the cache" {
  run tjit run --reference --autograph "$TUTORIAL"
  assert_success
  [[ ! -e $TJIT_CACHE_DIR ]]
}

@test "cache: clear removes the entries and counters, and nothing else" {
  tjit run --autograph "$TUTORIAL" >/dev/null
  tjit run --autograph "$TUTORIAL" >/dev/null
  touch "$TJIT_CACHE_DIR/notes.txt" "$TJIT_CACHE_DIR/0123456789ABCDEF0123456789ABCDEF" \
        "$TJIT_CACHE_DIR/0123456789abcdef0123456789abcdef.bak"
  mkdir "$TJIT_CACHE_DIR/0123456789abcdef0123456789abcdee"
  touch "$TJIT_CACHE_DIR/.tmp-0123456789abcdef0123456789abcdef-AbC123"
  run tjit cache clear
  assert_success
  assert_output "removed 2 entries from $TJIT_CACHE_DIR"
  assert_equal "$(ls -A "$TJIT_CACHE_DIR" | sort | tr '\n' ' ')" \
    "0123456789ABCDEF0123456789ABCDEF 0123456789abcdef0123456789abcdee 0123456789abcdef0123456789abcdef.bak notes.txt "
  run tjit cache stats
  assert_output "directory: $TJIT_CACHE_DIR
entries: 0
bytes: 0
hits: 0
misses: 0"
  run tjit cache clear --format json
  assert_output "{\"version\": 1, \"directory\": \"$TJIT_CACHE_DIR\", \"removed\": 0}"
}

@test "cache: stats and clear of a cache not made yet" {
  run tjit cache stats
  assert_success
  assert_line --index 1 "entries: 0"
  run tjit cache clear
  assert_output "removed 0 entries from $TJIT_CACHE_DIR"
  [[ ! -e $TJIT_CACHE_DIR ]]
}

@test "cache: a directory that cannot be made warns once and the run goes on" {
  touch "$BATS_TEST_TMPDIR/file"
  TJIT_CACHE_DIR=$BATS_TEST_TMPDIR/file/cache run --separate-stderr tjit run --autograph "$TUTORIAL"
  assert_success
  assert_output "$TUTORIAL_OUT"
  assert_equal "$stderr" "tjit run: warning: cannot create the cache directory '$BATS_TEST_TMPDIR/file/cache': Not a directory; running without the disk cache"
}

@test "cache: a cache path that is a file warns and the run goes on" {
  touch "$BATS_TEST_TMPDIR/file"
  TJIT_CACHE_DIR=$BATS_TEST_TMPDIR/file run --separate-stderr tjit run --autograph "$TUTORIAL"
  assert_success
  assert_output "$TUTORIAL_OUT"
  assert_equal "$stderr" "tjit run: warning: the cache directory '$BATS_TEST_TMPDIR/file' is not a directory; running without the disk cache"
}

@test "cache: a read-only directory warns once and the run goes on" {
  [[ $(id -u) -ne 0 ]] || skip "root writes read-only directories"
  mkdir -p "$TJIT_CACHE_DIR" && chmod 555 "$TJIT_CACHE_DIR"
  run --separate-stderr tjit run --autograph "$TUTORIAL"
  chmod 755 "$TJIT_CACHE_DIR"
  assert_success
  assert_output "$TUTORIAL_OUT"
  assert_equal "$stderr" "tjit run: warning: cannot write in the cache directory '$TJIT_CACHE_DIR': Permission denied; running without the disk cache"
}

@test "cache: the location: TJIT_CACHE_DIR, else XDG_CACHE_HOME/tjit, else HOME/.cache/tjit" {
  run env -u TJIT_CACHE_DIR XDG_CACHE_HOME=/x/y HOME=/h tjit cache stats
  assert_line --index 0 "directory: /x/y/tjit"
  run env -u TJIT_CACHE_DIR -u XDG_CACHE_HOME HOME=/h tjit cache stats
  assert_line --index 0 "directory: /h/.cache/tjit"
  run env -u TJIT_CACHE_DIR XDG_CACHE_HOME=relative HOME=/h tjit cache stats
  assert_line --index 0 "directory: /h/.cache/tjit"
  run env TJIT_CACHE_DIR=/t/ tjit cache stats
  assert_line --index 0 "directory: /t"
  run -2 env -u TJIT_CACHE_DIR -u XDG_CACHE_HOME -u HOME tjit cache stats
  assert_output "tjit cache: error: no cache directory (set TJIT_CACHE_DIR, XDG_CACHE_HOME or HOME)"
}

@test "cache: no directory at all warns and the run goes on" {
  run --separate-stderr env -u TJIT_CACHE_DIR -u XDG_CACHE_HOME -u HOME tjit run --autograph "$TUTORIAL"
  assert_success
  assert_output "$TUTORIAL_OUT"
  assert_equal "$stderr" "tjit run: warning: no cache directory (set TJIT_CACHE_DIR, XDG_CACHE_HOME or HOME); running without the disk cache"
}

@test "cache: usage errors" {
  run -2 tjit cache
  assert_output "tjit cache: error: missing ACTION
usage: tjit cache [OPTIONS] stats|verify|clear"
  run -2 tjit cache stat
  assert_output "tjit cache: error: unknown action 'stat' (expected 'stats', 'verify' or 'clear')
hint: did you mean 'stats'?
usage: tjit cache [OPTIONS] stats|verify|clear"
  run -2 tjit cache stats clear
  assert_output "tjit cache: error: unexpected argument 'clear'
usage: tjit cache [OPTIONS] stats|verify|clear"
}

@test "cache: --args calls are keyed by their arguments" {
  local spec=$TJIT_ROOT/examples/relu_scale.json
  run --separate-stderr tjit run --time --args '{"x": [1.5, -2.0, 7.0], "scale": 2.0, "clip": true}' "$spec"
  assert_success
  first=$output
  [[ $stderr == *compile* ]]
  run --separate-stderr tjit run --time --args '{"x": [4.0, -1.0, 9.0], "scale": 2.0, "clip": true}' "$spec"
  assert_success
  [[ $stderr == *"disk cache hit"* ]]
  # relu_scale: min(max(x, 0) * 2, 6) + 0 + 1 + 2
  assert_output "args: Array([9., 3., 9.], dtype=float32)"
  assert_equal "$first" "args: Array([6., 3., 9.], dtype=float32)"
  run --separate-stderr tjit run --time --args '{"x": [4.0, -1.0, 9.0], "scale": 3.0, "clip": true}' "$spec"
  [[ $stderr == *compile* ]]
}

@test "cache: a FIFO named tjit-stats is refused, not read forever" {
  mkdir -p "$TJIT_CACHE_DIR" && mkfifo "$TJIT_CACHE_DIR/tjit-stats"
  run -2 timeout 10 tjit cache stats
  assert_output "tjit: error: the cache's counters file '$TJIT_CACHE_DIR/tjit-stats' is not a regular file"
  # a run keeps no counters then, and neither blocks nor fails
  run --separate-stderr timeout 10 tjit run --autograph "$TUTORIAL"
  assert_success
  assert_output "$TUTORIAL_OUT"
  assert_equal "$stderr" ""
}

@test "cache: a FIFO in an entry's place is a miss, not a hang" {
  tjit run --autograph "$TUTORIAL" >/dev/null
  for e in $(entries); do rm "$TJIT_CACHE_DIR/$e" && mkfifo "$TJIT_CACHE_DIR/$e"; done
  run --separate-stderr timeout 10 tjit run --autograph "$TUTORIAL"
  assert_success
  assert_output "$TUTORIAL_OUT"
}

@test "cache: a pytree result prints in its structure from a session hit, a disk hit and a program shared by source" {
  # calls 0 and 2 share a key; call 1 has another structure (so another key)
  # and generates the same C as call 0 (one input, the same output)
  local spec=$BATS_TEST_TMPDIR/trees.json
  cat >"$spec" <<'JSON'
{"tjit": 1,
 "source": "auto f(p) { return (p, None); }",
 "calls": [[{"w": {"dtype": "f32", "shape": [2], "data": [1.0, 2.0]}}],
           [[{"dtype": "f32", "shape": [2], "data": [3.0, 4.0]}, null]],
           [{"w": {"dtype": "f32", "shape": [2], "data": [5.0, 6.0]}}]]}
JSON
  local want="call 0: ({'w': Array([1., 2.], dtype=float32)}, None)
call 1: ([Array([3., 4.], dtype=float32), None], None)
call 2: ({'w': Array([5., 6.], dtype=float32)}, None)"
  run --separate-stderr tjit run --time "$spec"
  assert_success
  assert_equal "$output" "$want"
  assert_equal "$(times "$stderr")" "time: call 0: trace X ms, codegen X ms, compile X ms, run X ms
time: call 1: trace X ms, codegen X ms, compile X ms (reused), run X ms
time: call 2: cache hit X ms (reused), run X ms"
  run --separate-stderr tjit run --time "$spec"
  assert_success
  assert_equal "$output" "$want"
  assert_equal "$(times "$stderr")" "time: call 0: disk cache hit X ms, run X ms
time: call 1: disk cache hit X ms, run X ms
time: call 2: cache hit X ms (reused), run X ms"
}

# The digest the Makefile makes of a copy of lib/ (and the Makefile) at $1.
source_digest_of() {
  make -s -C "$1" BUILD=b b/source_digest.h >/dev/null && cat "$1/b/source_digest.h"
}

@test "cache: entries are named for the library's sources, so another build never loads them" {
  # diskcache_entry.c puts TJ_SOURCE_DIGEST into every entry's name; this
  # build's is the digest of the sources it was built from, and a change to
  # any source gives another (a rebuilt tjit whose traces differ reused the
  # entries of the last build before: a stale listing or object code).
  # Checked against the list the build hashed (source_digest.sums), not
  # against lib/ as it is now, which may have been edited since the build.
  grep -q 'TJ_SOURCE_DIGEST' "$TJIT_ROOT/lib/cache/diskcache_entry.c"
  local sums=$TJIT_BUILD/source_digest.sums digest
  digest=$(sha256sum <"$sums" | cut -c1-32)
  assert_equal "$(cat "$TJIT_BUILD/source_digest.h")" "#define TJ_SOURCE_DIGEST \"$digest\""
  run grep -ac "$digest" "$TJIT_BUILD/tjit" # the digest the binary was compiled with
  assert_success
  local tree=$BATS_TEST_TMPDIR/tree before
  mkdir -p "$tree" && cp -r "$TJIT_ROOT/Makefile" "$TJIT_ROOT/lib" "$tree/"
  run source_digest_of "$tree"
  assert_success
  assert_output --regexp '^#define TJ_SOURCE_DIGEST "[0-9a-f]{32}"$'
  before=$output
  # the build hashed every source the Makefile names, as a fresh tree's does
  assert_equal "$(awk '{ print $2 }' "$sums")" "$(awk '{ print $2 }' "$tree/b/source_digest.sums")"
  echo '/* another build */' >>"$tree/lib/ir/prims.c"
  run source_digest_of "$tree"
  assert_success
  assert_output --regexp '^#define TJ_SOURCE_DIGEST "[0-9a-f]{32}"$'
  refute_output "$before"
}
